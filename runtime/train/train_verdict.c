/* Runtime, training: the verdict of a finished run -- whether to trust the
 * answer -- from the problem, the result and the history train.c keeps; printed
 * and written by train_verdict_output.c. The limits are in train.h. */
#include "train.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *prp_verdict_name(prp_verdict v) {
  return v == PRP_VERDICT_CONVERGED ? "converged" : v == PRP_VERDICT_SUSPECT ? "suspect" : "failed";
}

const char *prp_warning_name(prp_warning_kind k) {
  static const char *names[] = {"not_finite", "interrupted", "at_bound", "misfit_above_noise", "still_moving",
                                "restarts_disagree"};
  return names[k];
}

static void warn_unknown(prp_train_verdict *v, prp_warning_kind kind, int unknown, double value, double limit,
                         double estimate) {
  if (v->n_warnings < PRP_VERDICT_MAX_WARNINGS)
    v->warnings[v->n_warnings++] = (prp_train_warning){kind, unknown, value, limit, estimate};
}

static void warn(prp_train_verdict *v, prp_warning_kind kind, int unknown, double value, double limit) {
  warn_unknown(v, kind, unknown, value, limit, NAN);
}

/* failed: not finite, interrupted or at a bound; suspect: any other warning. */
static void overall(prp_train_verdict *v) {
  v->verdict = PRP_VERDICT_CONVERGED;
  for (int i = 0; i < v->n_warnings; i++) {
    prp_warning_kind k = v->warnings[i].kind;
    if (k == PRP_WARN_NOT_FINITE || k == PRP_WARN_INTERRUPTED || k == PRP_WARN_AT_BOUND) v->verdict = PRP_VERDICT_FAILED;
    else if (v->verdict == PRP_VERDICT_CONVERGED) v->verdict = PRP_VERDICT_SUSPECT;
  }
}

static int bounded(const prp_train_unknown *uk) { return isfinite(uk->lo) && isfinite(uk->hi) && uk->hi > uk->lo; }

/* What distances of an unknown are measured against: its bound width, or
 * max(1, |value|) when unbounded (as prp_train_success). */
static double unknown_scale(const prp_train_unknown *uk, double value) {
  return bounded(uk) ? uk->hi - uk->lo : fmax(1, fabs(value));
}

static void check_bounds(const prp_train_problem *pb, const prp_train_result *res, prp_train_verdict *v) {
  for (int u = 0; u < pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &pb->unknowns[u];
    if (!bounded(uk)) continue;
    double d = fmin(res->unknowns[u] - uk->lo, uk->hi - res->unknowns[u]) / (uk->hi - uk->lo);
    if (d <= PRP_VERDICT_BOUND_TOL) warn_unknown(v, PRP_WARN_AT_BOUND, u, fmax(d, 0), PRP_VERDICT_BOUND_TOL, res->unknowns[u]);
  }
}

/* ---- the data misfit against the noise ------------------------------------------ */

static int by_place_then_time(const void *a, const void *b) {
  const double *x = a, *y = b;   /* 4 coordinates (space first, time last), then u */
  for (int k = 0; k < 4; k++)
    if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
  return 0;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Observations as rows (space coordinates, zeros, time, u) sorted by place then time. */
static double *rows_by_place(const prp_train_problem *pb) {
  double *rows = prp_xcalloc(pb->n_obs ? pb->n_obs : 1, 5 * sizeof(double));
  for (size_t i = 0; i < pb->n_obs; i++) {
    const double *x = pb->obs_x + i * (size_t)pb->n_inputs;
    double *row = rows + 5 * i;
    for (int k = 0, s = 0; k < pb->n_inputs; k++)
      if (k != pb->time_index) row[s++] = x[k];
    row[3] = x[pb->time_index];
    row[4] = pb->obs_u[i];
  }
  qsort(rows, pb->n_obs, 5 * sizeof(double), by_place_then_time);
  return rows;
}

/* The noise from each sensor's series: the middle of three consecutive values
 * minus the line through its neighbours has variance sigma^2 (1 + a^2 + b^2)
 * for white noise; the median of these, over 0.455 (the median of chi^2 with
 * one degree of freedom), resists the places where the signal itself bends. */
double prp_train_estimate_noise(const prp_train_problem *pb) {
  if (pb->time_index < 0 || pb->n_obs < 3 || !pb->obs_x || !pb->obs_u) return NAN;
  double *rows = rows_by_place(pb), *e2 = prp_xmalloc(pb->n_obs, sizeof(double));
  size_t m = 0;
  for (size_t i = 1; i + 1 < pb->n_obs; i++) {
    const double *p = rows + 5 * (i - 1), *c = rows + 5 * i, *q = rows + 5 * (i + 1);
    if (memcmp(p, c, 3 * sizeof(double)) != 0 || memcmp(c, q, 3 * sizeof(double)) != 0 || !(q[3] > p[3])) continue;
    double a = (q[3] - c[3]) / (q[3] - p[3]), b = (c[3] - p[3]) / (q[3] - p[3]);
    double e = c[4] - (a * p[4] + b * q[4]);
    e2[m++] = e * e / (1 + a * a + b * b);
  }
  double sigma = NAN;
  if (m >= 10) {
    qsort(e2, m, sizeof(double), by_value);
    sigma = sqrt((m % 2 ? e2[m / 2] : 0.5 * (e2[m / 2 - 1] + e2[m / 2])) / 0.4549);
  }
  free(rows);
  free(e2);
  return sigma;
}

static double peak_observation(const prp_train_problem *pb) {
  double m = 0;
  for (size_t i = 0; pb->obs_u && i < pb->n_obs; i++)
    if (isfinite(pb->obs_u[i])) m = fmax(m, fabs(pb->obs_u[i]));
  return m;
}

/* The data term's loss is weight * mean (u - u_obs)^2 with u = g + m * scale * N,
 * so in the data's own units once divided by the weight. */
static double data_misfit(const prp_train_problem *pb, const prp_train_result *res) {
  for (int i = 0; i < pb->n_terms; i++)
    if (pb->terms[i].kind == PRP_TERM_KIND_DATA && pb->terms[i].weight > 0 && pb->n_obs > 0)
      return res->term_loss[i] / pb->terms[i].weight;
  return NAN;
}

/* What u = 0 would misfit: the mean squared observation (NAN without observations). */
static double mean_square_observation(const prp_train_problem *pb) {
  if (!pb->obs_u) return NAN;
  double sum = 0;
  size_t n = 0;
  for (size_t i = 0; i < pb->n_obs; i++)
    if (isfinite(pb->obs_u[i])) sum += pb->obs_u[i] * pb->obs_u[i], n++;
  return n ? sum / (double)n : NAN;
}

/* The noise level, known or estimated, and the level misfits are compared with. */
static void noise_level(const prp_train_problem *pb, prp_train_verdict *v) {
  double sigma = pb->noise_std;
  v->noise_source = PRP_NOISE_TRUTH;
  if (!(sigma >= 0)) {
    sigma = prp_train_estimate_noise(pb);
    v->noise_source = isfinite(sigma) ? PRP_NOISE_ESTIMATED : PRP_NOISE_UNKNOWN;
  }
  v->noise_std = sigma;
  if (isfinite(sigma)) v->noise_compared = fmax(sigma, PRP_VERDICT_NOISE_FLOOR * peak_observation(pb));
}

double prp_train_noise_compared(const prp_train_problem *pb) {
  prp_train_verdict v;
  v.noise_compared = NAN;
  noise_level(pb, &v);
  return v.noise_compared;
}

/* The answer's misfit against the noise: the network's; and the simulated model's at the
 * estimate, shown beside it: a network that bends the physics can fit the data from a wrong
 * source, the simulator cannot -- but at the network's estimate it is too sharp to warn on
 * (docs/running.md). After `refine`, the answer is the model's fit at the refined values, and
 * that is the misfit judged (v->misfit_judged_model); when the refinement ran but fitted no
 * better, the network's estimate is a minimum or a plateau of the model's misfit, and that
 * misfit is judged. */
static void check_misfit(const prp_train_problem *pb, const prp_train_result *res, prp_train_verdict *v) {
  v->misfit_mse = data_misfit(pb, res);
  v->zero_field_mse = isfinite(v->misfit_mse) ? mean_square_observation(pb) : NAN;   /* NAN: no data term */
  noise_level(pb, v);
  if (pb->model_misfit && res->stopped == 0 && pb->n_obs > 0)
    v->model_mse = pb->model_misfit(pb->model_misfit_ctx, res->unknowns);
  v->misfit_judged_model = !isfinite(v->model_mse) ? PRP_JUDGED_NETWORK
                         : res->refined            ? PRP_JUDGED_REFINED
                         : res->refine_rejected    ? PRP_JUDGED_NOT_KEPT
                                                   : PRP_JUDGED_NETWORK;
  double judged = v->misfit_judged_model ? v->model_mse : v->misfit_mse, s = v->noise_compared;
  if (isfinite(judged) && s > 0 && judged > PRP_VERDICT_MISFIT_RATIO * s * s)
    warn(v, PRP_WARN_MISFIT_ABOVE_NOISE, -1, judged / (s * s), PRP_VERDICT_MISFIT_RATIO);
}

/* ---- still moving: the range of each unknown over the end of the history -------- */

static void check_movement(const prp_train_problem *pb, const prp_train_result *res, const double *rows, size_t n,
                           size_t ncols, prp_train_verdict *v) {
  size_t col = 2 + (size_t)pb->n_terms;
  if (!rows || n < 2 || ncols < col + (size_t)pb->n_unknowns) return;
  double first = rows[0], last = rows[(n - 1) * ncols];
  double from = last - PRP_VERDICT_WINDOW * (last - first);
  for (int u = 0; u < pb->n_unknowns; u++) {
    double end = res->refined ? res->network_unknowns[u] : res->unknowns[u];   /* the network's, not the refinement's */
    double lo = end, hi = end;   /* the final state belongs to the window */
    for (size_t i = 0; i < n; i++) {
      const double *row = rows + i * ncols;
      if (row[0] < from) continue;
      lo = fmin(lo, row[col + (size_t)u]);
      hi = fmax(hi, row[col + (size_t)u]);
    }
    v->movement[u] = (hi - lo) / unknown_scale(&pb->unknowns[u], res->unknowns[u]);
    if (v->movement[u] > PRP_VERDICT_MOVE_TOL) warn_unknown(v, PRP_WARN_STILL_MOVING, u, v->movement[u], PRP_VERDICT_MOVE_TOL, res->unknowns[u]);
  }
}

void prp_train_verdict_run(const prp_train_problem *pb, const prp_train_result *res, const double *rows, size_t n,
                           size_t ncols, prp_train_verdict *v) {
  memset(v, 0, sizeof *v);
  for (int u = 0; u < PRP_TRAIN_MAX_UNKNOWNS; u++) v->movement[u] = v->spread[u] = NAN;
  v->misfit_mse = v->zero_field_mse = v->model_mse = v->noise_std = v->noise_compared = NAN;
  if (res->stopped == 2) warn(v, PRP_WARN_NOT_FINITE, -1, res->epochs_done, NAN);
  if (res->stopped == 1) warn(v, PRP_WARN_INTERRUPTED, -1, res->epochs_done, NAN);
  check_bounds(pb, res, v);
  check_misfit(pb, res, v);
  check_movement(pb, res, rows, n, ncols, v);
  overall(v);
}

/* ---- restarts: do the good runs agree? -------------------------------------------- */

void prp_train_verdict_restarts(const prp_train_problem *pb, const prp_train_result *res, int n, int best,
                                prp_train_verdict *v) {
  *v = res[best >= 0 ? best : 0].verdict;
  if (best < 0) return;
  double lo[PRP_TRAIN_MAX_UNKNOWNS], hi[PRP_TRAIN_MAX_UNKNOWNS];
  for (int u = 0; u < pb->n_unknowns; u++) lo[u] = hi[u] = res[best].unknowns[u];
  v->restarts_compared = 0;
  for (int k = 0; k < n; k++) {
    double score = prp_train_restart_score(pb, &res[k]), best_score = prp_train_restart_score(pb, &res[best]);
    if (res[k].stopped != 0 || !(score <= PRP_VERDICT_RESTART_LOSS * best_score)) continue;
    v->restarts_compared++;
    for (int u = 0; u < pb->n_unknowns; u++) {
      lo[u] = fmin(lo[u], res[k].unknowns[u]);
      hi[u] = fmax(hi[u], res[k].unknowns[u]);
    }
  }
  for (int u = 0; u < pb->n_unknowns; u++) {
    v->spread[u] = (hi[u] - lo[u]) / unknown_scale(&pb->unknowns[u], res[best].unknowns[u]);
    if (v->spread[u] > PRP_VERDICT_RESTART_TOL) warn_unknown(v, PRP_WARN_RESTARTS_DISAGREE, u, v->spread[u], PRP_VERDICT_RESTART_TOL,
                   res[best].unknowns[u]);
  }
  overall(v);
}
