/* Runtime: the refinement after training (refine.h): Levenberg-Marquardt with
 * Marquardt's scaling (Nocedal & Wright, section 10.3), forward-difference
 * Jacobians and the iterates projected onto the bounds. */
#include "refine.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { TRIES_PER_STEP = 12 };

typedef struct {
  prp_residual_fn f;
  void *ctx;
  const prp_refine_options *opt;
  prp_refine_report *rep;
  double *r, *trial_r, *jac, *a, *g, *trial;  /* jac m x n column-major, a n x n */
} lm;

static double sum_squares(const double *r, int m) {
  double s = 0;
  for (int i = 0; i < m; i++) s += r[i] * r[i];
  return s;
}

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

static int evaluate(lm *w, const double *x, double *r) {
  w->rep->evaluations++;
  if (w->f(w->ctx, x, r) != 0) return -1;
  for (int i = 0; i < w->opt->m; i++)
    if (!isfinite(r[i])) return -1;
  return 0;
}

/* jac[:, j] = (r(x + h e_j) - r(x)) / h, h of the scale's size, stepping away from a near bound. */
static int jacobian(lm *w, const double *x) {
  const prp_refine_options *o = w->opt;
  for (int j = 0; j < o->n; j++) {
    memcpy(w->trial, x, (size_t)o->n * sizeof *x);
    double h = 1e-4 * o->scale[j];
    if (x[j] + h > o->hi[j]) h = -h;
    w->trial[j] = x[j] + h;
    if (evaluate(w, w->trial, w->trial_r) != 0) return -1;
    for (int i = 0; i < o->m; i++) w->jac[(size_t)j * (size_t)o->m + (size_t)i] = (w->trial_r[i] - w->r[i]) / h;
  }
  return 0;
}

/* a = J'J, g = J'r. */
static void normal_equations(lm *w) {
  int n = w->opt->n, m = w->opt->m;
  for (int j = 0; j < n; j++) {
    const double *cj = w->jac + (size_t)j * (size_t)m;
    double gj = 0;
    for (int i = 0; i < m; i++) gj += cj[i] * w->r[i];
    w->g[j] = gj;
    for (int k = 0; k <= j; k++) {
      const double *ck = w->jac + (size_t)k * (size_t)m;
      double s = 0;
      for (int i = 0; i < m; i++) s += cj[i] * ck[i];
      w->a[j * n + k] = w->a[k * n + j] = s;
    }
  }
}

/* Whether unknown j sits on a bound that the descent direction -g pushes it through: it is
 * held there for the step (the reduced problem of the free unknowns). */
static int held(const lm *w, const double *x, int j) {
  return (x[j] <= w->opt->lo[j] && w->g[j] > 0) || (x[j] >= w->opt->hi[j] && w->g[j] < 0);
}

/* Solves (a + lambda D) d = -g over the free unknowns by Cholesky (d = 0 for the held ones),
 * D = diag(a) floored; 0, or -1 if not positive. */
static int damped_step(const lm *w, const double *x, double lambda, double *d) {
  int n = w->opt->n;
  double c[PRP_REFINE_MAX_N * PRP_REFINE_MAX_N], g[PRP_REFINE_MAX_N], maxdiag = 0;
  for (int j = 0; j < n; j++) maxdiag = fmax(maxdiag, w->a[j * n + j]);
  if (!(maxdiag > 0)) return -1;
  memcpy(c, w->a, (size_t)(n * n) * sizeof *c);
  for (int j = 0; j < n; j++) {
    c[j * n + j] += lambda * fmax(w->a[j * n + j], 1e-12 * maxdiag);
    g[j] = w->g[j];
    if (!held(w, x, j)) continue;
    for (int k = 0; k < n; k++) c[j * n + k] = c[k * n + j] = 0;
    c[j * n + j] = 1;
    g[j] = 0;
  }
  for (int j = 0; j < n; j++) {           /* c = L L', L in the lower triangle */
    for (int k = 0; k < j; k++) c[j * n + j] -= c[j * n + k] * c[j * n + k];
    if (!(c[j * n + j] > 0)) return -1;
    c[j * n + j] = sqrt(c[j * n + j]);
    for (int i = j + 1; i < n; i++) {
      for (int k = 0; k < j; k++) c[i * n + j] -= c[i * n + k] * c[j * n + k];
      c[i * n + j] /= c[j * n + j];
    }
  }
  for (int i = 0; i < n; i++) {           /* L y = -g */
    double s = -g[i];
    for (int k = 0; k < i; k++) s -= c[i * n + k] * d[k];
    d[i] = s / c[i * n + i];
  }
  for (int i = n - 1; i >= 0; i--) {      /* L' d = y */
    double s = d[i];
    for (int k = i + 1; k < n; k++) s -= c[k * n + i] * d[k];
    d[i] = s / c[i * n + i];
  }
  return 0;
}

/* One accepted step from x (cost in *cost), raising the damping until the misfit falls.
 * Returns the largest move over the scales; 0 without a step when the step proposed is
 * already below tol (x is a minimum to that tolerance); -1 when no damping gave a lower
 * misfit. */
static double step(lm *w, double *x, double *cost, double *lambda, double tol) {
  const prp_refine_options *o = w->opt;
  double d[PRP_REFINE_MAX_N];
  for (int t = 0; t < TRIES_PER_STEP; t++, *lambda *= 4) {
    if (damped_step(w, x, *lambda, d) != 0) continue;
    double size = 0;
    for (int j = 0; j < o->n; j++) {
      w->trial[j] = clamp(x[j] + d[j], o->lo[j], o->hi[j]);
      size = fmax(size, fabs(w->trial[j] - x[j]) / o->scale[j]);
    }
    if (size < tol) return 0;
    if (evaluate(w, w->trial, w->trial_r) != 0) continue;
    double c = sum_squares(w->trial_r, o->m);
    if (!(c < *cost)) continue;
    double moved = 0;
    for (int j = 0; j < o->n; j++) moved = fmax(moved, fabs(w->trial[j] - x[j]) / o->scale[j]);
    memcpy(x, w->trial, (size_t)o->n * sizeof *x);
    memcpy(w->r, w->trial_r, (size_t)o->m * sizeof *w->r);
    *cost = c;
    *lambda = fmax(*lambda / 9, 1e-9);
    return moved;
  }
  return -1;
}

prp_refine_report prp_refine(prp_residual_fn f, void *ctx, const prp_refine_options *opt, double *x) {
  prp_refine_report rep = {.status = PRP_REFINE_FAILED, .mse_start = NAN, .mse_end = NAN};
  if (opt->n < 1 || opt->n > PRP_REFINE_MAX_N || opt->m < 1) return rep;
  size_t m = (size_t)opt->m, n = (size_t)opt->n;
  lm w = {f, ctx, opt, &rep, prp_xcalloc(m, sizeof(double)), prp_xcalloc(m, sizeof(double)),
          prp_xcalloc(m * n, sizeof(double)), prp_xcalloc(n * n, sizeof(double)), prp_xcalloc(n, sizeof(double)),
          prp_xcalloc(n, sizeof(double))};
  double tol = opt->step_tol > 0 ? opt->step_tol : 1e-5, lambda = 1e-3, cost = 0;
  if (evaluate(&w, x, w.r) == 0) {
    cost = sum_squares(w.r, opt->m);
    rep.mse_start = cost / (double)m;
    rep.status = PRP_REFINE_MAX_STEPS;
    while (rep.steps < opt->max_steps) {
      if (jacobian(&w, x) != 0) {
        rep.status = PRP_REFINE_STALLED;
        break;
      }
      normal_equations(&w);
      double moved = step(&w, x, &cost, &lambda, tol);
      if (moved < 0) {
        rep.status = PRP_REFINE_STALLED;
        break;
      }
      if (moved > 0) rep.steps++;
      if (moved < tol) {
        rep.status = PRP_REFINE_CONVERGED;
        break;
      }
      if (opt->progress && opt->progress(opt->progress_ctx, rep.steps, rep.evaluations, cost / (double)m)) {
        rep.status = PRP_REFINE_STOPPED;
        break;
      }
    }
    rep.mse_end = cost / (double)m;
  }
  free(w.r), free(w.trial_r), free(w.jac), free(w.a), free(w.g), free(w.trial);
  return rep;
}

const char *prp_refine_status_name(prp_refine_status s) {
  switch (s) {
  case PRP_REFINE_CONVERGED: return "converged";
  case PRP_REFINE_STALLED: return "stalled";
  case PRP_REFINE_MAX_STEPS: return "max_steps";
  case PRP_REFINE_STOPPED: return "stopped";
  default: return "failed";
  }
}
