/* The paper's section 4 made visible (`prpc landscape`): the data misfit of the model and its
 * derivative with respect to one unknown, scanned over a range through the finite-difference
 * simulator (simulate.h), with and without relaxation (smoothing, source dilatation).
 *
 * For each value p of the scanned unknown and each relaxation setting (eps, f):
 *
 *   L(p) = (1/N) sum_i (u(x_i, t_i; p) - u_obs_i)^2
 *
 * over the N observations (the truth block's, noise included, or the sensor file's), where u
 * solves the MODEL's PDE (prog->problem.pde, not the truth's) with
 *   - the scanned unknown = p; every other unknown at its truth value when the truth block
 *     sets it, else at its initial guess;
 *   - eps added to the diffusivity of every space dimension (the relaxed residual's
 *     - eps * lap(u), divided like the rest of the PDE by its time coefficient);
 *   - every constant under a `dilatation` schedule multiplied by f (sources normalised to unit
 *     mass keep their mass, as in training);
 * on the truth block's grid (or the simulator's default grid), from the problem's initial and
 * boundary conditions; the simulator's default scheme for eps = 0 (as the truth was
 * simulated), implicit (IMEX) diffusion for eps > 0.
 * dL/dp is the central difference (L(p + h) - L(p - h)) / (2h) with h = 1e-3 (hi - lo) of the
 * scanned range: the simulator is deterministic and smooth in p, and this step resolves a
 * source width 10 h to about 0.2% (relative error (h/w)^2 / 6). Three simulations per value
 * of p and setting; the model is JIT-compiled once per value and dilatation factor.
 * Far from the truth (no overlap of the model's field with the sensors) L is flat and
 * dL/dp ~ 0, the paper's plateau; eq. (4) says smoothing and dilatation widen the field's
 * spread Sigma^2 and so restore a slope: the scan shows by how much.
 * The settings (eps, f) are the --eps and --dilate lists, or with --schedule the levels the
 * training plan's relax schedules take at shares of training (landscape_levels.c). Two unknowns
 * at once: landscape2d.h. */
#ifndef PRP_LANDSCAPE_H
#define PRP_LANDSCAPE_H

#include <stddef.h>
#include <stdio.h>

#include "ast.h"
#include "diag.h"
#include "jit.h"
#include "sim.h"

enum {
  PRP_LANDSCAPE_MAX_LIST = 8,          /* values of --eps, --dilate, --at (landscape_output.c says 8) */
  PRP_LANDSCAPE_MAX_SETTINGS = 2 * PRP_LANDSCAPE_MAX_LIST - 1,
  PRP_LANDSCAPE_DEFAULT_POINTS = 61
};

typedef struct prp_landscape_options {
  const char *param;                   /* the unknown scanned (required); "P1,P2": two (landscape2d.h) */
  int has_range;                       /* 0: the unknown's bounds */
  double lo, hi;
  int points;                          /* values of p, both ends included; 0: 61 */
  int neps;                            /* 0: 0, 0.005, 0.02 */
  double eps[PRP_LANDSCAPE_MAX_LIST];
  int ndilate;                         /* 0: 1, 4, 10 (only with a dilatation schedule) */
  double dilate[PRP_LANDSCAPE_MAX_LIST];
  int schedule;                        /* --schedule: the levels of the file's relax schedules */
  int nat;                             /* 0: 0, 25, 50, 75, 100 (percent of training) */
  double at[PRP_LANDSCAPE_MAX_LIST];
  int grid;                            /* > 0: nodes per space dimension instead of the truth's */
  const char *follow;                  /* --follow RUN_DIR: landscape_follow.h */
  int samples;                         /* --samples K: rows of its history; 0: 12 */
  const char *output;                  /* directory; NULL: results/landscape-PROBLEM */
  /* Observations already at hand (nobs x ncoords coordinates, values), as the plan holds
   * them; NULL: simulated from the truth block or read from the sensor file. */
  const double *given_x, *given_u;
  size_t given_nobs;
  int quiet;                           /* no table on stdout */
} prp_landscape_options;

/* One relaxation setting: smoothing eps and dilatation factor f (of the first dilated constant;
 * factor[k] of the k-th). From --schedule: the levels at a share `at` of training (else NAN). */
typedef struct prp_landscape_setting {
  double eps, dilate;
  double factor[PRP_LANDSCAPE_MAX_LIST];
  double at;
  char label[64];                      /* "eps 0.005", "sigma x 4", "no relaxation", "50%: eps 0.01" */
} prp_landscape_setting;

typedef struct prp_landscape {
  const char *param;                   /* the unknown's name (the program's string) */
  int unknown;                         /* its index in prog->problem.unknowns */
  double truth;                        /* its truth value, NAN if the file does not give it */
  double lo, hi, step;                 /* the range and the difference step h */
  size_t npoints;
  double *p;                           /* npoints values */
  /* The settings: the first is (eps[0], dilate[0]); then the other eps with dilate[0]; then
   * the other dilatation factors with eps[0]. With --schedule: one per value of --at. */
  int nsettings;
  prp_landscape_setting settings[PRP_LANDSCAPE_MAX_SETTINGS];
  const char *dilated;                 /* name of the (first) dilated constant, NULL if none */
  double dilated_value;                /* its value in the model */
  double *loss, *grad;                 /* [s * npoints + i]: setting s at p[i] */
  size_t nobs;                         /* observations in the misfit */
  long simulations;                    /* simulator runs */
  int grid[PRP_SIM_MAX_DIM];
} prp_landscape;

/* Fills opt's unset fields with the defaults above (range excepted: it needs the program). */
void prp_landscape_options_defaults(prp_landscape_options *opt);

/* Computes the scan. Returns 0; PRP_EXIT_INPUT after a reported error (unknown parameter,
 * no range, bad lists, a model PDE the simulator cannot solve, no observations);
 * PRP_EXIT_RUNTIME if a simulation failed. out is always safe to free. */
int prp_landscape_compute(const ast_program *prog, prp_jit *jit, const prp_landscape_options *opt, prp_diag *diag,
                          prp_landscape *out);
void prp_landscape_free(prp_landscape *ls);

/* Index of the value of p closest to v. */
size_t prp_landscape_nearest(const prp_landscape *ls, double v);
/* Index of the smallest L of setting s. */
size_t prp_landscape_argmin(const prp_landscape *ls, int s);

/* The basin of setting s: the values of p around its smallest L from which gradient descent
 * moves toward it, that is the largest run of indices [*first, *last] around the argmin with
 * dL/dp < -tau on its left and > tau on its right, tau = 1e-3 max |dL/dp| of the setting (a
 * slope below that is the plateau: an optimizer does not move there). */
void prp_landscape_basin(const prp_landscape *ls, int s, size_t *first, size_t *last);

/* landscape.csv: a header "p,L[label],dLdp[label],..." (labels without spaces), one row per
 * value of p, %.17g; written atomically. NULL, or a malloc'd message. */
char *prp_landscape_write_csv(const prp_landscape *ls, const char *path);
/* Three PNGs in dir: misfit.png (L, log scale), gradient.png (dL/dp) and gradient_abs.png
 * (|dL/dp|, log scale: the plateau is orders of magnitude below the slope); the truth drawn
 * as a vertical line. NULL, or a malloc'd message. */
char *prp_landscape_plot(const prp_landscape *ls, const char *dir);
/* A short table: L and dL/dp of every setting at about 11 values of p and at the truth,
 * then per setting where L is smallest, its basin and dL/dp at the ends of the range. */
void prp_landscape_print(const prp_landscape *ls, FILE *out);

/* `prpc landscape FILE --param NAME ...`: computes, writes landscape.csv and the plots in the
 * output directory, prints the table (unless quiet). Returns an exit code. */
int prp_landscape_command(const ast_program *prog, const prp_landscape_options *opt, prp_diag *diag);

/* The command line options of `landscape`: looks at argv[*i]; if it is one of --param NAME,
 * --range LO:HI, --points N, --eps LIST, --dilate LIST, --schedule, --at LIST, --grid N,
 * --follow RUN_DIR, --samples K (also written --opt=VALUE),
 * stores it, advances *i past its value and returns 1; returns 0 if argv[*i] is not one of
 * them, -1 (with a message on stderr) for a missing or bad value. */
int prp_landscape_parse_arg(prp_landscape_options *opt, int argc, char **argv, int *i);

#endif
