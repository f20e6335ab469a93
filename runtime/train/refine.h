/* Runtime: the refinement after training (train option `refine N`): bounded
 * Levenberg-Marquardt on the unknowns alone, over the residuals of a model the
 * caller computes (prpc run: the file's strict PDE solved by the simulator),
 * from the network's estimate. Generic over the residual function; refine.c. */
#ifndef PRP_REFINE_H
#define PRP_REFINE_H
#include <stddef.h>

enum { PRP_REFINE_MAX_N = 16 };   /* unknowns at most (PRP_TRAIN_MAX_UNKNOWNS) */

/* r[0..m) = model - observation at the unknowns x; 0, or -1 when the model
 * cannot be evaluated there (the refinement then stops). */
typedef int (*prp_residual_fn)(void *ctx, const double *x, double *r);

typedef enum {
  PRP_REFINE_CONVERGED,    /* the last step (taken or proposed) moved every unknown < step_tol of its scale */
  PRP_REFINE_STALLED,      /* no step within the damping range lowered the misfit: a minimum to
                              the precision of the differences, or the model failed near x */
  PRP_REFINE_MAX_STEPS,    /* max_steps steps taken */
  PRP_REFINE_FAILED,       /* the model could not be evaluated at the start */
  PRP_REFINE_STOPPED       /* the progress callback asked to stop (Ctrl-C): the best point so far */
} prp_refine_status;

typedef struct {
  int n, m;                /* unknowns, residuals */
  const double *lo, *hi;   /* bounds (may be +-inf); the iterates stay inside */
  const double *scale;     /* a typical size per unknown (its bound width): finite differences
                              take scale * 1e-4, convergence is judged against it */
  int max_steps;           /* accepted Levenberg-Marquardt steps at most */
  double step_tol;         /* default 1e-5 when 0 */
  /* Called after each accepted step (may be NULL); a nonzero return stops the refinement. */
  int (*progress)(void *ctx, int step, int evaluations, double mse);
  void *progress_ctx;
} prp_refine_options;

typedef struct {
  prp_refine_status status;
  int steps;               /* accepted steps */
  int evaluations;         /* calls of the residual function */
  double mse_start, mse_end;   /* mean squared residual at the start and at the end */
} prp_refine_report;

/* Minimises sum r^2 over x within the bounds, starting at x (updated in place: the best
 * point found; unchanged when the status is FAILED). */
prp_refine_report prp_refine(prp_residual_fn f, void *ctx, const prp_refine_options *opt, double *x);

const char *prp_refine_status_name(prp_refine_status s);

#endif
