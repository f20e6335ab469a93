/* Runtime: the optimisers that train a PR-PINN over a flat double vector of
 * parameters (network weights, then the unknowns): Adam, then optional L-BFGS. */
#ifndef PRP_OPTIM_H
#define PRP_OPTIM_H
#include <stddef.h>

/* ---- Adam (Kingma & Ba), with bias correction ----------------------------------
 * The learning rate is passed to every step, so a schedule can drive it. Parameters
 * in [group_begin, group_end) (e.g. the source unknowns) take the second rate. */
typedef struct {
  size_t n;
  double beta1, beta2, eps;
  double *m, *v;                /* first and second moment estimates */
  double beta1_t, beta2_t;      /* beta^t, kept as running products */
  long steps;
  size_t group_begin, group_end;
} prp_adam;

/* 0 on success, -1 if out of memory. Defaults: beta1 0.9, beta2 0.999, eps 1e-8. */
int prp_adam_init(prp_adam *a, size_t n, double beta1, double beta2, double eps);
void prp_adam_free(prp_adam *a);
void prp_adam_set_group(prp_adam *a, size_t begin, size_t end);
/* Forgets the moments (e.g. after the unknowns were reset for a restart). */
void prp_adam_reset(prp_adam *a);
/* x -= lr * mhat / (sqrt(vhat) + eps), with lr_group inside the group. */
void prp_adam_step(prp_adam *a, double *x, const double *grad, double lr, double lr_group);

/* ---- L-BFGS (Nocedal & Wright, algorithm 7.4/7.5) -----------------------------
 * Two-loop recursion over the last m pairs (s, y); the first trial step of each
 * iteration is 1 (the initial inverse Hessian is s'y/y'y times the identity); the
 * very first iteration, a steepest-descent step, tries max_step/|g|_inf. Line search:
 *   PRP_LS_STRONG_WOLFE: bracketing then zoom with safeguarded cubic interpolation
 *     (N&W algorithms 3.5 and 3.6), conditions f <= f0 + c1 a g0'd and
 *     |g'd| <= c2 |g0'd|; if round-off in f collapses the zoom interval, the best
 *     step satisfying the first condition is taken;
 *   PRP_LS_ARMIJO: backtracking by halving until f <= f0 + c1 a g0'd.
 * A pair with s'y <= 1e-10 |s||y| is skipped, which keeps the inverse Hessian
 * approximation positive definite under the Armijo search. */
typedef double (*prp_loss_grad_fn)(void *ctx, const double *x, double *grad);
/* Called after each iteration; a nonzero return stops (e.g. Ctrl-C or NaN). */
typedef int (*prp_lbfgs_progress_fn)(void *ctx, int iteration, double f, const double *x,
                                     const double *grad);

typedef enum { PRP_LS_STRONG_WOLFE, PRP_LS_ARMIJO } prp_line_search;

typedef struct {
  int memory;           /* m, default 10 */
  int max_iterations;   /* default 1000 */
  int max_evaluations;  /* default 20 * max_iterations */
  double grad_tol;      /* stop when |g|_inf <= grad_tol (default 1e-8) */
  double f_tol;         /* stop when the relative decrease of f < f_tol (default 1e-15) */
  double c1, c2;        /* default 1e-4, 0.9 */
  double max_step;      /* the first iteration (steepest descent) moves x by at most
                           max_step in the infinity norm; default 1 */
  prp_line_search line_search;
  prp_lbfgs_progress_fn progress; /* may be NULL */
  void *progress_ctx;
} prp_lbfgs_options;

typedef enum {
  PRP_LBFGS_CONVERGED_GRAD,
  PRP_LBFGS_CONVERGED_F,
  PRP_LBFGS_MAX_ITERATIONS,
  PRP_LBFGS_MAX_EVALUATIONS,
  PRP_LBFGS_LINE_SEARCH_FAILED, /* no acceptable step: x is the best point found */
  PRP_LBFGS_NOT_FINITE,         /* f or the gradient became NaN/Inf: x is the last finite point */
  PRP_LBFGS_STOPPED,            /* the progress callback asked to stop */
  PRP_LBFGS_OUT_OF_MEMORY,
} prp_lbfgs_status;

typedef struct {
  prp_lbfgs_status status;
  int iterations, evaluations;
  double f, grad_inf;
} prp_lbfgs_result;

void prp_lbfgs_default_options(prp_lbfgs_options *opt);
const char *prp_lbfgs_status_name(prp_lbfgs_status s);
/* Minimises fn from x (overwritten with the result). */
prp_lbfgs_result prp_lbfgs_minimize(size_t n, double *x, prp_loss_grad_fn fn, void *ctx,
                                    const prp_lbfgs_options *opt);

#endif
