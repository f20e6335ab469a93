/* Runtime, training: the train option `refine N [path K]` -- after the network's training,
 * the unknowns refined by Levenberg-Marquardt (refine.c) on the model's residuals (prpc run:
 * the file's strict PDE solved by the simulator), from the network's estimate and from the
 * point of the unknowns' path (the training history) where the model fits best. */
#include "train.h"
#include "util.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A line per step on stderr (unless quiet); Ctrl-C stops at the end of a step, keeping the
 * best point so far. */
static int refine_progress(void *ctx, int step, int evaluations, double mse) {
  const prp_train_problem *pb = ctx;
  if (!pb->quiet)
    fprintf(stderr, "refine: step %d/%d, %d simulations, model mse %.4g\n", step, pb->refine_steps, evaluations, mse);
  return prp_interrupt_requested();
}

int prp_train_refines(const prp_train_problem *pb) {
  return pb->refine_steps > 0 && pb->model_residuals && pb->model_misfit;
}

typedef struct {
  const prp_train_problem *pb;
  double lo[PRP_TRAIN_MAX_UNKNOWNS], hi[PRP_TRAIN_MAX_UNKNOWNS], scale[PRP_TRAIN_MAX_UNKNOWNS];
  int simulations;     /* spent on screening the path */
} refiner;

/* The model's mean squared misfit at x (the verdict's model check); infinite where it fails. */
static double model_mse(refiner *w, const double *x) {
  const prp_train_problem *pb = w->pb;
  w->simulations++;
  double mse = pb->model_misfit(pb->model_misfit_ctx, x);
  return isfinite(mse) ? mse : INFINITY;
}

/* Whether a and b differ by more than 1% of some unknown's scale (two starts, not one). */
static int distinct(const refiner *w, const double *a, const double *b) {
  for (int u = 0; u < w->pb->n_unknowns; u++)
    if (fabs(a[u] - b[u]) > 0.01 * w->scale[u]) return 1;
  return 0;
}

/* The path's points before its last row, K - 1 of them evenly spread over the rows (fewer
 * when the history is shorter): the one where the model fits best into x and its epoch
 * into *epoch; 0 when none could be simulated (or K is 1). Screening stops at Ctrl-C. */
static int best_on_path(refiner *w, const prp_train_path *path, int k, double *x, int *epoch, int *screened) {
  const prp_train_problem *pb = w->pb;
  double best = INFINITY, y[PRP_TRAIN_MAX_UNKNOWNS];
  *screened = 0;
  if (!pb->quiet && k > 1 && path->n > 1)
    fprintf(stderr, "refine: screening up to %d points of the training's path (one simulation each)\n", k - 1);
  size_t last = (size_t)-1;
  for (int i = 0; i + 1 < k && path->n > 1 && !prp_interrupt_requested(); i++) {
    size_t row = (size_t)i * (path->n - 1) / (size_t)(k - 1);
    if (row == last) continue;   /* a short history: each row once */
    last = row;
    const double *v = path->rows + row * path->ncols;
    for (int u = 0; u < pb->n_unknowns; u++) y[u] = v[path->first_unknown + (size_t)u];
    double mse = model_mse(w, y);
    ++*screened;
    if (mse < best) {
      best = mse;
      memcpy(x, y, sizeof y);
      *epoch = (int)v[0];
    }
  }
  return isfinite(best);
}

/* Levenberg-Marquardt from x (updated); the report, its evaluations counted. */
static prp_refine_report descend(refiner *w, double *x) {
  const prp_train_problem *pb = w->pb;
  prp_refine_options opt = {.n = pb->n_unknowns, .m = (int)pb->n_obs, .lo = w->lo, .hi = w->hi, .scale = w->scale,
                            .max_steps = pb->refine_steps, .progress = refine_progress, .progress_ctx = (void *)pb};
  return prp_refine(pb->model_residuals, pb->model_misfit_ctx, &opt, x);
}

static void refiner_init(refiner *w, const prp_train_problem *pb, const double *x) {
  w->pb = pb;
  w->simulations = 0;
  for (int u = 0; u < pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &pb->unknowns[u];
    w->lo[u] = uk->lo, w->hi[u] = uk->hi;
    w->scale[u] = isfinite(uk->lo) && isfinite(uk->hi) ? uk->hi - uk->lo : fmax(fabs(x[u]), 1);
  }
}

/* The second start: the best point of the path, if it is another start than the estimate
 * (x_end); its descent replaces *best and x when it ends lower in another minimum. */
static void refine_from_path(refiner *w, const prp_train_path *path, const double *x_end, prp_refine_report *best,
                             double *x, prp_train_result *res) {
  double y[PRP_TRAIN_MAX_UNKNOWNS];
  int epoch = 0;
  if (!best_on_path(w, path, w->pb->refine_path, y, &epoch, &res->refine_screened) || !distinct(w, y, x_end)) return;
  double start[PRP_TRAIN_MAX_UNKNOWNS];
  memcpy(start, y, sizeof start);
  prp_refine_report from_path = descend(w, y);
  best->evaluations += from_path.evaluations;
  if (from_path.status == PRP_REFINE_FAILED) return;
  if (best->status != PRP_REFINE_FAILED && !(from_path.mse_end < best->mse_end && distinct(w, y, x))) return;
  from_path.evaluations = best->evaluations;   /* another minimum, not the same one found twice */
  from_path.mse_start = best->status == PRP_REFINE_FAILED ? NAN : best->mse_start;
  *best = from_path;
  memcpy(x, y, sizeof y);
  memcpy(res->refine_from, start, sizeof start);
  res->refine_from_path = 1, res->refine_from_epoch = epoch;
}

void prp_train_refine(const prp_train_problem *pb, const prp_train_path *path, prp_train_result *res) {
  memcpy(res->network_unknowns, res->unknowns, sizeof res->unknowns);
  memcpy(res->refine_from, res->unknowns, sizeof res->refine_from);
  res->refined = 0, res->refine_rejected = 0, res->refine_screened = 0, res->refine_network_mse = NAN;
  res->refine_from_path = 0, res->refine_from_epoch = res->epochs_done;
  memset(&res->refine, 0, sizeof res->refine);
  if (!prp_train_refines(pb) || res->stopped || pb->n_obs == 0) return;
  refiner w;
  refiner_init(&w, pb, res->unknowns);
  prp_interrupt_install();
  double x[PRP_TRAIN_MAX_UNKNOWNS];
  memcpy(x, res->unknowns, sizeof x);
  prp_refine_report best = descend(&w, x);
  if (best.status != PRP_REFINE_FAILED) res->refine_network_mse = best.mse_end;
  if (best.status != PRP_REFINE_STOPPED && path) refine_from_path(&w, path, res->unknowns, &best, x, res);
  prp_interrupt_restore();
  best.evaluations += w.simulations;
  res->refine = best;
  if (best.status == PRP_REFINE_FAILED) return;
  /* On a plateau of the misfit (a source no sensor sees) a step can cross the box for
   * nothing: values that do not fit better than the network's do not replace them. */
  if (!(best.mse_end < (1 - PRP_REFINE_MIN_GAIN) * best.mse_start) && !isnan(best.mse_start)) {
    res->refine_rejected = 1;
    return;
  }
  memcpy(res->unknowns, x, (size_t)pb->n_unknowns * sizeof *x);
  res->refined = 1;
}
