/* Runtime: L-BFGS with a strong Wolfe or Armijo line search (see optim.h), the
 * optional second stage of training after Adam. */
#include "optim.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void prp_lbfgs_default_options(prp_lbfgs_options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->memory = 10;
  opt->max_iterations = 1000;
  opt->max_evaluations = 20000;
  opt->grad_tol = 1e-8;
  opt->f_tol = 1e-15;
  opt->c1 = 1e-4;
  opt->c2 = 0.9;
  opt->max_step = 1;
  opt->line_search = PRP_LS_STRONG_WOLFE;
}

const char *prp_lbfgs_status_name(prp_lbfgs_status s) {
  switch (s) {
  case PRP_LBFGS_CONVERGED_GRAD: return "converged (gradient)";
  case PRP_LBFGS_CONVERGED_F: return "converged (no further decrease)";
  case PRP_LBFGS_MAX_ITERATIONS: return "iteration limit";
  case PRP_LBFGS_MAX_EVALUATIONS: return "evaluation limit";
  case PRP_LBFGS_LINE_SEARCH_FAILED: return "line search failed";
  case PRP_LBFGS_NOT_FINITE: return "loss or gradient not finite";
  case PRP_LBFGS_STOPPED: return "stopped";
  case PRP_LBFGS_OUT_OF_MEMORY: return "out of memory";
  }
  return "unknown";
}

static double dot(size_t n, const double *a, const double *b) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

static double norm_inf(size_t n, const double *a) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
  return m;
}

static int all_finite(size_t n, const double *a) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(a[i])) return 0;
  return 1;
}

/* The one-dimensional problem phi(a) = f(x + a d) of a line search. */
typedef struct {
  size_t n;
  prp_loss_grad_fn fn;
  void *ctx;
  const double *x, *d;
  double *xt, *gt;      /* the last trial point and its gradient */
  double ft;            /* and its f: an accepted step is always the last trial */
  int evaluations, max_evaluations;
  double f0, dphi0, c1, c2;
} line;

typedef struct { double a, f, dphi; } trial;

/* Evaluates phi and phi' at a; a non-finite f or gradient gives f = +inf. */
static trial evaluate(line *ln, double a) {
  for (size_t i = 0; i < ln->n; i++) ln->xt[i] = ln->x[i] + a * ln->d[i];
  ln->evaluations++;
  double f = ln->ft = ln->fn(ln->ctx, ln->xt, ln->gt);
  trial t = {a, f, dot(ln->n, ln->gt, ln->d)};
  if (!isfinite(f) || !isfinite(t.dphi)) t.f = INFINITY, t.dphi = NAN;
  return t;
}

static int sufficient_decrease(const line *ln, trial t) {
  return t.f <= ln->f0 + ln->c1 * t.a * ln->dphi0;
}

static int curvature_ok(const line *ln, trial t) { return fabs(t.dphi) <= -ln->c2 * ln->dphi0; }

/* Minimiser of the cubic through (lo, hi) with their slopes (N&W eq. 3.59), kept
 * at least a tenth of the interval away from either end; bisection when the
 * cubic has no minimiser or a slope is unknown. */
static double interpolate(trial lo, trial hi) {
  double left = fmin(lo.a, hi.a), right = fmax(lo.a, hi.a), width = right - left;
  double mid = 0.5 * (lo.a + hi.a);
  if (!isfinite(hi.f) || !isfinite(hi.dphi)) return mid;
  double d1 = lo.dphi + hi.dphi - 3 * (lo.f - hi.f) / (lo.a - hi.a);
  double disc = d1 * d1 - lo.dphi * hi.dphi;
  if (disc < 0) return mid;
  double d2 = copysign(sqrt(disc), hi.a - lo.a);
  double denom = hi.dphi - lo.dphi + 2 * d2;
  if (denom == 0) return mid;
  double a = hi.a - (hi.a - lo.a) * (hi.dphi + d2 - d1) / denom;
  if (!isfinite(a)) return mid;
  return fmin(fmax(a, left + 0.1 * width), right - 0.1 * width);
}

/* When the interval has shrunk to nothing (round-off in f, typical of f32
 * losses) the curvature condition may be out of reach: then take lo, which
 * decreases f sufficiently, if it is a step at all. Re-evaluated so that xt, gt
 * hold it. */
static int settle_for(line *ln, trial lo) {
  if (!(lo.a > 0) || ln->evaluations >= ln->max_evaluations) return 0;
  trial t = evaluate(ln, lo.a);
  return sufficient_decrease(ln, t);
}

/* N&W algorithm 3.6: lo satisfies sufficient decrease and has the lower f;
 * the interval between lo and hi contains acceptable steps. 1 if found. */
static int zoom(line *ln, trial lo, trial hi) {
  while (ln->evaluations < ln->max_evaluations) {
    if (fabs(hi.a - lo.a) <= 1e-12 * fmax(fabs(lo.a), fabs(hi.a))) return settle_for(ln, lo);
    trial t = evaluate(ln, interpolate(lo, hi));
    if (!sufficient_decrease(ln, t) || t.f >= lo.f) {
      hi = t;
    } else {
      if (curvature_ok(ln, t)) return 1;
      if (t.dphi * (hi.a - lo.a) >= 0) hi = lo;
      lo = t;
    }
  }
  return 0;
}

/* N&W algorithm 3.5. On success xt, gt hold the accepted point. */
static int strong_wolfe(line *ln, double a_init) {
  trial prev = {0, ln->f0, ln->dphi0};
  double a = a_init;
  for (int i = 0; i < 60 && ln->evaluations < ln->max_evaluations; i++) {
    trial t = evaluate(ln, a);
    int found;
    if (!sufficient_decrease(ln, t) || (i > 0 && t.f >= prev.f)) {
      found = zoom(ln, prev, t);
    } else if (curvature_ok(ln, t)) {
      found = 1;
    } else if (t.dphi >= 0) {
      found = zoom(ln, t, prev);
    } else {
      prev = t;
      a *= 2; /* still descending steeply: extrapolate */
      continue;
    }
    return found;
  }
  return 0;
}

/* Backtracking: halve until sufficient decrease. */
static int armijo(line *ln, double a_init) {
  double a = a_init;
  for (int i = 0; i < 60 && ln->evaluations < ln->max_evaluations; i++, a *= 0.5)
    if (sufficient_decrease(ln, evaluate(ln, a))) return 1;
  return 0;
}

/* The ring of the last m curvature pairs and the two-loop recursion over it. */
typedef struct {
  int m, count, newest;
  double *s, *y, *rho, *alpha;
} history;

static void two_loop(size_t n, const history *h, const double *g, double *d) {
  for (size_t i = 0; i < n; i++) d[i] = g[i];
  for (int k = 0; k < h->count; k++) {
    int j = (h->newest - k + h->m) % h->m;
    const double *s = h->s + (size_t)j * n, *y = h->y + (size_t)j * n;
    h->alpha[j] = h->rho[j] * dot(n, s, d);
    for (size_t i = 0; i < n; i++) d[i] -= h->alpha[j] * y[i];
  }
  if (h->count > 0) {
    const double *y = h->y + (size_t)h->newest * n;
    double gamma = 1 / (h->rho[h->newest] * dot(n, y, y)); /* s'y / y'y */
    for (size_t i = 0; i < n; i++) d[i] *= gamma;
  }
  for (int k = h->count - 1; k >= 0; k--) {
    int j = (h->newest - k + h->m) % h->m;
    const double *s = h->s + (size_t)j * n, *y = h->y + (size_t)j * n;
    double beta = h->rho[j] * dot(n, y, d);
    for (size_t i = 0; i < n; i++) d[i] += (h->alpha[j] - beta) * s[i];
  }
  for (size_t i = 0; i < n; i++) d[i] = -d[i];
}

/* Stores s = x_new - x, y = g_new - g unless the curvature s'y is not clearly positive. */
static void remember(size_t n, history *h, const double *x, const double *x_new,
                     const double *g, const double *g_new) {
  int j = (h->newest + 1) % h->m;
  double *s = h->s + (size_t)j * n, *y = h->y + (size_t)j * n;
  for (size_t i = 0; i < n; i++) {
    s[i] = x_new[i] - x[i];
    y[i] = g_new[i] - g[i];
  }
  double sy = dot(n, s, y), ss = dot(n, s, s), yy = dot(n, y, y);
  if (!(sy > 1e-10 * sqrt(ss * yy))) return;
  h->rho[j] = 1 / sy;
  h->newest = j;
  if (h->count < h->m) h->count++;
}

prp_lbfgs_result prp_lbfgs_minimize(size_t n, double *x, prp_loss_grad_fn fn, void *ctx,
                                    const prp_lbfgs_options *opt) {
  prp_lbfgs_result res = {PRP_LBFGS_OUT_OF_MEMORY, 0, 0, NAN, NAN};
  int m = opt->memory > 0 ? opt->memory : 1;
  history h = {m, 0, m - 1, NULL, NULL, NULL, NULL};
  double *g = prp_xmalloc(sizeof(double) * n, 1), *d = prp_xmalloc(sizeof(double) * n, 1);
  double *xt = prp_xmalloc(sizeof(double) * n, 1), *gt = prp_xmalloc(sizeof(double) * n, 1);
  h.s = prp_xmalloc(sizeof(double) * n * (size_t)m, 1);
  h.y = prp_xmalloc(sizeof(double) * n * (size_t)m, 1);
  h.rho = prp_xmalloc(sizeof(double) * (size_t)m, 1);
  h.alpha = prp_xmalloc(sizeof(double) * (size_t)m, 1);
  if (!g || !d || !xt || !gt || !h.s || !h.y || !h.rho || !h.alpha) goto done;

  double f = fn(ctx, x, g);
  res.evaluations = 1;
  res.f = f;
  res.grad_inf = norm_inf(n, g);
  if (!isfinite(f) || !all_finite(n, g)) {
    res.status = PRP_LBFGS_NOT_FINITE;
    goto done;
  }
  res.status = PRP_LBFGS_MAX_ITERATIONS;
  for (int iter = 0; iter < opt->max_iterations; iter++) {
    if (res.grad_inf <= opt->grad_tol) {
      res.status = PRP_LBFGS_CONVERGED_GRAD;
      break;
    }
    two_loop(n, &h, g, d);
    double dphi0 = dot(n, g, d);
    if (!(dphi0 < 0)) { /* not a descent direction: start the memory afresh */
      h.count = 0;
      two_loop(n, &h, g, d);
      dphi0 = dot(n, g, d);
    }
    double a_init = h.count == 0 ? opt->max_step / res.grad_inf : 1;
    line ln = {n, fn, ctx, x, d, xt, gt, NAN, res.evaluations, opt->max_evaluations, f, dphi0,
               opt->c1, opt->c2};
    int ok = opt->line_search == PRP_LS_ARMIJO ? armijo(&ln, a_init) : strong_wolfe(&ln, a_init);
    res.evaluations = ln.evaluations;
    if (!ok) {
      res.status = res.evaluations >= opt->max_evaluations ? PRP_LBFGS_MAX_EVALUATIONS
                                                           : PRP_LBFGS_LINE_SEARCH_FAILED;
      break;
    }
    double f_new = ln.ft;
    remember(n, &h, x, xt, g, gt);
    double decrease = f - f_new;
    memcpy(x, xt, sizeof(double) * n);
    memcpy(g, gt, sizeof(double) * n);
    f = f_new;
    res.iterations = iter + 1;
    res.f = f;
    res.grad_inf = norm_inf(n, g);
    if (opt->progress && opt->progress(opt->progress_ctx, res.iterations, f, x, g)) {
      res.status = PRP_LBFGS_STOPPED;
      break;
    }
    if (decrease <= opt->f_tol * fmax(fmax(fabs(f), fabs(f + decrease)), 1e-300)) {
      res.status = res.grad_inf <= opt->grad_tol ? PRP_LBFGS_CONVERGED_GRAD
                                                 : PRP_LBFGS_CONVERGED_F;
      break;
    }
  }
done:
  free(g);
  free(d);
  free(xt);
  free(gt);
  free(h.s);
  free(h.y);
  free(h.rho);
  free(h.alpha);
  return res;
}
