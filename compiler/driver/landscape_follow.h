/* Does the PINN follow the relaxed landscape? (`prpc landscape FILE --follow RUN_DIR`): after a
 * run, at K rows of its history.csv, the PINN's gradient with respect to the unknowns (the
 * dL_dNAME columns train.c logs) against the simulator's gradient of the misfit (landscape.h).
 *
 * At a row (epoch e) every unknown is set to its logged value and the relaxation to its logged
 * level: eps = the smoothing schedule's column (0 when the history has none, as after
 * --no-relax), every dilated constant's factor = its schedule's column over its value in the
 * model (1 when absent). The nudging term has no counterpart in the simulator. Then, through
 * the simulator on the landscape's grid (--grid N),
 *   g_sim[k] = (L(theta + h_k e_k) - L(theta - h_k e_k)) / (2 h_k),  h_k = 1e-3 (hi_k - lo_k)
 * (1e-3 max(1, |theta_k|) for an unknown without bounds), and with g_pinn the logged dL/dtheta,
 *   angle = acos(g_sim . g_pinn / (|g_sim| |g_pinn|))  in degrees,
 * the angle between the two descent directions -g_sim and -g_pinn: 0 the PINN moves the unknowns
 * down the relaxed landscape, 90 unrelated, 180 against it; NAN when either gradient is zero.
 * The PINN's loss (data, residual, conditions, nudging, the source's energy, with the file's
 * weights) differs from L in scale: only the direction is compared. */
#ifndef PRP_LANDSCAPE_FOLLOW_H
#define PRP_LANDSCAPE_FOLLOW_H

#include <stddef.h>
#include <stdio.h>

#include "landscape.h"
#include "train.h"

enum { PRP_FOLLOW_DEFAULT_SAMPLES = 12 };

typedef struct prp_follow_sample {
  double epoch;
  double theta[PRP_TRAIN_MAX_UNKNOWNS];        /* the unknowns' logged values */
  double eps, width;                           /* the smoothing; the first dilated constant's value */
  double loss;                                 /* L(theta), simulator */
  double grad_sim[PRP_TRAIN_MAX_UNKNOWNS], grad_pinn[PRP_TRAIN_MAX_UNKNOWNS];
  double angle, norm_sim, norm_pinn;           /* degrees; Euclidean norms */
} prp_follow_sample;

typedef struct prp_follow {
  int nunknowns;
  const char *names[PRP_TRAIN_MAX_UNKNOWNS];   /* the program's strings */
  const char *dilated;                         /* the first dilated constant, NULL if none */
  size_t nrows;                                /* rows of the history */
  size_t nsamples;                             /* samples computed (fewer if interrupted) */
  prp_follow_sample *samples;
  size_t nobs;
  long simulations;
  int grid[PRP_SIM_MAX_DIM];
} prp_follow;

/* The angle in degrees between a and b (n values), NAN if either is zero or not finite. */
double prp_follow_angle(const double *a, const double *b, int n);
/* Indices of k rows spread evenly over n rows, the first and last included (all n if k >= n);
 * returns how many. */
size_t prp_follow_pick_rows(size_t n, size_t k, size_t *rows);

/* Reads RUN_DIR/history.csv and computes the samples (progress on stderr unless opt->quiet;
 * Ctrl-C stops: PRP_EXIT_INTERRUPT with the samples done so far). PRP_EXIT_INPUT after a
 * reported error (no history, a history without dL_d columns or without an unknown),
 * PRP_EXIT_RUNTIME if a simulation failed. out is always safe to free. */
int prp_follow_compute(const ast_program *prog, prp_jit *jit, const prp_landscape_options *opt, prp_diag *diag,
                       prp_follow *out);
void prp_follow_free(prp_follow *f);

/* follow.csv: epoch, the unknowns, eps, width, angle, grad_sim, grad_pinn (the norms), L, then
 * dLsim_dNAME and dLpinn_dNAME per unknown; %.17g, atomically. NULL or a malloc'd message. */
char *prp_follow_write_csv(const prp_follow *f, const char *path);
/* follow.png: the angle against the epoch, with the 90 degree line. */
char *prp_follow_plot(const prp_follow *f, const char *path);
/* The table: one line per sample. */
void prp_follow_print(const prp_follow *f, FILE *out);
/* The command: computes, prints, writes follow.csv and follow.png into opt->output (default
 * RUN_DIR). Returns an exit code. */
int prp_follow_command(const ast_program *prog, const prp_landscape_options *opt, prp_diag *diag);

/* A run's history.csv read back (landscape_follow_history.c): the header's names and the rows.
 * A last line without its newline (the run still writing) is left out. */
typedef struct prp_run_history {
  size_t nrows, ncols;
  char **names;
  double *data;                                /* data[row * ncols + col] */
} prp_run_history;

/* NULL, or a malloc'd message "PATH: what" (h then empty). */
char *prp_run_history_read(const char *path, prp_run_history *h);
/* The index of the column called name, -1 if none. */
int prp_run_history_column(const prp_run_history *h, const char *name);
void prp_run_history_free(prp_run_history *h);

#endif
