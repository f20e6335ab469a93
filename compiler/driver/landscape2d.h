/* The misfit landscape over two unknowns (`prpc landscape FILE --param P1,P2`): the data misfit
 * L of landscape.h on an n1 x n2 grid over the two unknowns' bounds (every other unknown at its
 * truth value), for each relaxation level, with a verdict per level.
 *
 * Levels: the settings of --eps / --dilate as in 1D, or (--schedule, and the default when the
 * file has a relax block and neither list is given) the values the planner's relax schedules
 * take at shares `--at` of training (default 0, 25, 50, 75, 100%): eps = the smoothing
 * schedule's value, every dilated constant = its schedule's value (the factor shown is that
 * value over the constant's). The nudging term has no counterpart in the simulator: left out.
 *
 * The verdict of one level, on the grid values L[j * n1 + i] (i along P1, j along P2):
 *  - tol = PRP_LANDSCAPE_DEPTH_TOL * (max L - min L);
 *  - local minima: 8-neighbour grid minima whose depth (0-dimensional persistence: how far L
 *    must rise from it before a path reaches a lower minimum) exceeds tol; shallower dents
 *    (flat noise) are not counted. The global minimum always counts;
 *  - descent: from every cell, steps to the 8-neighbour of steepest strict drop
 *    (L[c] - L[n]) / |step| (|step| 1 or sqrt 2 in grid units) until no neighbour is lower;
 *    the cell descends to minimum m if it stops in m's floor, the cells connected to m through
 *    values <= L[m] + tol (a flat valley floor counts as arrived; a stop on a plateau or in a
 *    dent far above every minimum does not);
 *  - target: the counted minimum nearest the truth (bounds normalised to [0, 1]); share: the
 *    part of the grid's cells that descend to it.
 * A grid with max L = min L is flat: 0 minima, no target, share 0. */
#ifndef PRP_LANDSCAPE2D_H
#define PRP_LANDSCAPE2D_H

#include <stddef.h>
#include <stdio.h>

#include "landscape.h"

#define PRP_LANDSCAPE_DEPTH_TOL 1e-3
enum {
  PRP_LANDSCAPE_MAX_MINIMA = 32,       /* minima kept (the count is exact) */
  PRP_LANDSCAPE_DEFAULT_POINTS_2D = 21
};

typedef struct prp_landscape_verdict {
  int nminima;                         /* counted local minima */
  size_t minima[PRP_LANDSCAPE_MAX_MINIMA]; /* their cells, by increasing L */
  int target;                          /* index in minima of the one nearest the reference, -1 flat */
  double share;                        /* cells descending to it / all cells */
  double tol;                          /* the depth below which a minimum does not count */
} prp_landscape_verdict;

/* The verdict of the grid L (n1 x n2, n1, n2 >= 1) for the reference point (r1, r2) in the
 * grid's normalised coordinates ([0, 1] each; NAN: the global minimum is the target). basin,
 * if not NULL, receives per cell the index in minima of the minimum it descends to (-1: none,
 * or one beyond the kept ones). Returns 0, or -1 if L has a non-finite value. */
int prp_landscape_verdict_grid(const double *L, size_t n1, size_t n2, double r1, double r2, int *basin,
                               prp_landscape_verdict *v);

typedef struct prp_landscape2d {
  const char *param[2];                /* the unknowns' names (the program's strings) */
  int unknown[2];
  double truth[2], guess[2];           /* truth NAN if the file does not give it */
  double lo[2], hi[2];
  size_t n[2];
  double *p[2];                        /* n[0] and n[1] values */
  int nsettings;
  prp_landscape_setting settings[PRP_LANDSCAPE_MAX_SETTINGS];
  const char *dilated;
  double *loss;                        /* [s * ncells + j * n[0] + i] */
  int *basin;                          /* the same layout: prp_landscape_verdict_grid's basin */
  prp_landscape_verdict verdict[PRP_LANDSCAPE_MAX_SETTINGS];
  size_t nobs;
  long simulations;
  int grid[PRP_SIM_MAX_DIM];
} prp_landscape2d;

/* Computes the scan (progress on stderr unless opt->quiet; Ctrl-C stops it: returns
 * PRP_EXIT_INTERRUPT). Returns 0, PRP_EXIT_INPUT after a reported error, PRP_EXIT_RUNTIME if a
 * simulation failed. out is always safe to free. */
int prp_landscape2d_compute(const ast_program *prog, prp_jit *jit, const prp_landscape_options *opt, prp_diag *diag,
                            prp_landscape2d *out);
void prp_landscape2d_free(prp_landscape2d *ls);

/* landscape2d.csv: "P1,P2,L_<level>..." one row per grid point (P1 fastest); verdict.csv: one
 * row per level: at (share of training, NAN for --eps/--dilate), eps, dilate, minima, share,
 * P1 and P2 of the target minimum, L there. NULL, or a malloc'd message. */
char *prp_landscape2d_write_csv(const prp_landscape2d *ls, const char *dir);
/* misfit2d_K.png per level K: log10 L with the truth, the guess, the counted minima and the
 * target's basin outlined. NULL, or a malloc'd message. */
char *prp_landscape2d_plot(const prp_landscape2d *ls, const char *dir);
/* One verdict line per level. */
void prp_landscape2d_print(const prp_landscape2d *ls, FILE *out);
/* `prpc landscape FILE --param P1,P2`: computes, writes, prints. Returns an exit code. */
int prp_landscape2d_command(const ast_program *prog, const prp_landscape_options *opt, prp_diag *diag);

#endif
