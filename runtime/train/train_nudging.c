/* Runtime, training: the point data of data nudging. At a collocation point
 *   nudge_obs = sum_i u_obs_i(t) delta_h(x - x_i),  nudge_w = sum_i delta_h(x - x_i)
 * over the sensors' places x_i, delta_h a Gaussian of width h and unit peak, and
 * u_obs_i(t) place i's observations interpolated linearly in time (held at the
 * ends); see compiler/residual.h for why. Computed once per point set. */
#include "train_internal.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const double *x; int n_space, time_index, n_inputs; } order_ctx;
static _Thread_local order_ctx sort_ctx;   /* qsort has no context argument; sessions may start in parallel */

static int compare_obs(const void *a, const void *b) {
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  const double *xi = sort_ctx.x + i * (size_t)sort_ctx.n_inputs, *xj = sort_ctx.x + j * (size_t)sort_ctx.n_inputs;
  for (int k = 0; k < sort_ctx.n_space; k++)
    if (xi[k] != xj[k]) return xi[k] < xj[k] ? -1 : 1;
  if (sort_ctx.time_index < 0) return 0;
  double ti = xi[sort_ctx.time_index], tj = xj[sort_ctx.time_index];
  return ti < tj ? -1 : ti > tj;
}

static int same_place(const double *a, const double *b, int n) {
  for (int k = 0; k < n; k++)
    if (a[k] != b[k]) return 0;
  return 1;
}

void prp_nudging_init(prp_train_session *s) {
  const prp_train_problem *pb = s->pb;
  sensor_places *sp = &s->places;
  size_t n = pb->n_obs;
  if (n == 0 || pb->nudge_obs_slot < 0) return;
  size_t *order = prp_xmalloc(n * sizeof *order, 1);
  for (size_t i = 0; i < n; i++) order[i] = i;
  sort_ctx = (order_ctx){pb->obs_x, pb->n_space, pb->time_index, pb->n_inputs};
  qsort(order, n, sizeof *order, compare_obs);
  sp->place = prp_xmalloc(n * (size_t)(pb->n_space + 1) * sizeof(double), 1);
  sp->first = prp_xmalloc(n * sizeof(size_t), 1);
  sp->count = prp_xcalloc(n, sizeof(size_t));
  sp->t = prp_xmalloc(n * sizeof(double), 1);
  sp->u = prp_xmalloc(n * sizeof(double), 1);
  for (size_t i = 0; i < n; i++) {
    const double *x = pb->obs_x + order[i] * (size_t)pb->n_inputs;
    if (sp->n_places == 0 || !same_place(sp->place + (sp->n_places - 1) * (size_t)pb->n_space, x, pb->n_space)) {
      memcpy(sp->place + sp->n_places * (size_t)pb->n_space, x, (size_t)pb->n_space * sizeof(double));
      sp->first[sp->n_places++] = i;
    }
    sp->count[sp->n_places - 1]++;
    sp->t[i] = pb->time_index >= 0 ? x[pb->time_index] : 0;
    sp->u[i] = pb->obs_u[order[i]];
  }
  free(order);
}

double prp_nudging_kernel(double r2, double h) { return exp(-r2 / (2 * h * h)); }

/* Observation of place k at time t, linear between observations. */
static double observed(const sensor_places *sp, size_t k, double t) {
  const double *ts = sp->t + sp->first[k], *us = sp->u + sp->first[k];
  size_t n = sp->count[k];
  if (n == 1 || t <= ts[0]) return us[0];
  if (t >= ts[n - 1]) return us[n - 1];
  size_t lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (ts[mid] <= t) lo = mid; else hi = mid;
  }
  double w = (t - ts[lo]) / (ts[hi] - ts[lo]);
  return us[lo] + w * (us[hi] - us[lo]);
}

void prp_nudging_fill(prp_train_session *s, term_state *t) {
  const prp_train_problem *pb = s->pb;
  const sensor_places *sp = &s->places;
  double h = pb->nudge_width;
  double *obs = t->pointdata[pb->nudge_obs_slot], *w = t->pointdata[pb->nudge_w_slot];
  for (size_t p = 0; p < t->n; p++) {
    const double *x = t->x + p * (size_t)t->dim;
    double time = pb->time_index >= 0 ? x[pb->time_index] : 0, so = 0, sw = 0;
    for (size_t k = 0; k < sp->n_places; k++) {
      double r2 = 0;
      for (int d = 0; d < pb->n_space; d++) {
        double dx = x[d] - sp->place[k * (size_t)pb->n_space + d];
        r2 += dx * dx;
      }
      double delta = prp_nudging_kernel(r2, h);
      sw += delta;
      so += delta * observed(sp, k, time);
    }
    obs[p] = so;
    w[p] = sw;
  }
}

void prp_nudging_free(prp_train_session *s) {
  sensor_places *sp = &s->places;
  free(sp->place);
  free(sp->first);
  free(sp->count);
  free(sp->t);
  free(sp->u);
  memset(sp, 0, sizeof *sp);
}
