/* Runtime, training: the stopping rule `stop settled TOL over N` (train_stop.h),
 * kept apart from the loop, which calls prp_train_stop_check once per epoch. */
#include "train_stop.h"
#include "util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double prp_train_relaxation_end(const prp_train_problem *pb) {
  double end = 0;
  for (int k = 0; pb->relaxed && k < pb->n_scalars && k < PRP_TRAIN_MAX_SCALARS; k++)
    if (pb->has_schedule[k] && prp_schedule_end(&pb->schedules[k]) > end) end = prp_schedule_end(&pb->schedules[k]);
  return end;
}

double prp_train_stop_movement(const prp_train_problem *pb, const double *window, int rows) {
  double worst = 0;
  int n = pb->n_unknowns;
  for (int u = 0; u < n && rows > 0; u++) {
    double lo = INFINITY, hi = -INFINITY, big = 0;
    for (int i = 0; i < rows; i++) {
      double v = window[(size_t)i * (size_t)n + (size_t)u];
      if (isnan(v)) return NAN;  /* never settled */
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (fabs(v) > big) big = fabs(v);
    }
    double width = pb->unknowns[u].hi - pb->unknowns[u].lo;
    if (!isfinite(width) || width <= 0) width = big > 1e-12 ? big : 1e-12;
    double moved = (hi - lo) / width;
    if (!(moved <= worst)) worst = moved;
  }
  return worst;
}

int prp_train_settled(const prp_train_problem *pb, const double *window, int rows) {
  if (pb->stop_over <= 0 || rows < pb->stop_over) return 0;
  return prp_train_stop_movement(pb, window, rows) < pb->stop_tol;
}

void prp_train_stop_init(prp_train_stop *st, const prp_train_problem *pb) {
  st->rows = st->next = 0;
  st->window = pb->stop_over > 0 ? prp_xcalloc((size_t)pb->stop_over * (size_t)pb->n_unknowns + 1, sizeof(double)) : NULL;
}

int prp_train_stop_check(prp_train_stop *st, const prp_train_problem *pb, int epoch, const double *unknowns,
                         char *msg, size_t len) {
  if (!st->window || epoch < prp_train_warmup(pb)) return 0;
  if (pb->epochs > 0 && (double)epoch / pb->epochs < prp_train_relaxation_end(pb)) return 0;
  for (int u = 0; u < pb->n_unknowns; u++) st->window[(size_t)st->next * (size_t)pb->n_unknowns + (size_t)u] = unknowns[u];
  st->next = (st->next + 1) % pb->stop_over;
  if (st->rows < pb->stop_over) st->rows++;
  if (!prp_train_settled(pb, st->window, st->rows)) return 0;
  snprintf(msg, len, "settled at epoch %d: every unknown moved less than %g of its width over the last %d epochs",
           epoch + 1, pb->stop_tol, pb->stop_over);
  return 1;
}

void prp_train_stop_free(prp_train_stop *st) {
  free(st->window);
  st->window = NULL;
}
