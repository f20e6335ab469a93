/* Runtime, training: the train option `refine N [path K] [hops H]` -- after the network's
 * training, the unknowns refined by Levenberg-Marquardt (refine.c) on the model's residuals
 * (prpc run: the file's strict PDE solved by the simulator), from the network's estimate and
 * from the point of the unknowns' path (the training history) where the model fits best;
 * then, while the model misfits the data above the noise, a search around the answer. */
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

/* A refined start: where its descent ended, its misfit, and where it started. */
typedef struct {
  int valid;
  double x[PRP_TRAIN_MAX_UNKNOWNS], mse;
  prp_refine_status status;
  int from_path, epoch;
  double start[PRP_TRAIN_MAX_UNKNOWNS];
} refined_start;

/* The second start: the best point of the path, if it is another start than the estimate
 * (x_end); its descent replaces *best and x when it ends lower in another minimum. The
 * start that lost, if it ended in another minimum, goes to *other (the search tries it too). */
static void refine_from_path(refiner *w, const prp_train_path *path, const double *x_end, prp_refine_report *best,
                             double *x, prp_train_result *res, refined_start *other) {
  double y[PRP_TRAIN_MAX_UNKNOWNS];
  int epoch = 0;
  if (!best_on_path(w, path, w->pb->refine_path, y, &epoch, &res->refine_screened) || !distinct(w, y, x_end)) return;
  double start[PRP_TRAIN_MAX_UNKNOWNS];
  memcpy(start, y, sizeof start);
  prp_refine_report from_path = descend(w, y);
  best->evaluations += from_path.evaluations;
  if (from_path.status == PRP_REFINE_FAILED) return;
  int same = !distinct(w, y, x);   /* the same minimum found twice */
  int wins = best->status == PRP_REFINE_FAILED || (from_path.mse_end < best->mse_end && !same);
  refined_start loser = {.valid = 1, .from_path = !wins};
  if (!wins) {
    if (same) return;
    memcpy(loser.x, y, sizeof y), memcpy(loser.start, start, sizeof start);
    loser.mse = from_path.mse_end, loser.status = from_path.status, loser.epoch = epoch;
    *other = loser;
    return;
  }
  if (best->status != PRP_REFINE_FAILED) {
    memcpy(loser.x, x, sizeof loser.x), memcpy(loser.start, res->refine_from, sizeof loser.start);
    loser.mse = best->mse_end, loser.status = best->status, loser.epoch = res->refine_from_epoch;
    *other = loser;
  }
  from_path.evaluations = best->evaluations;
  from_path.mse_start = best->status == PRP_REFINE_FAILED ? NAN : best->mse_start;
  *best = from_path;
  memcpy(x, y, sizeof y);
  memcpy(res->refine_from, start, sizeof start);
  res->refine_from_path = 1, res->refine_from_epoch = epoch;
}

/* ---- the search around the answer (`hops H`) -------------------------------------------- */

/* The stencil: offsets of these shares of each unknown's scale, in every direction of the
 * cube around the point (3^n - 1 of them) for up to three unknowns, along the axes (2n) for
 * more. A strict landscape is a lattice of minima about a sensor spacing apart (docs/
 * experiments.md); these reach the next one or two. */
static const double search_radii[] = {0.1, 0.2};
enum { SEARCH_CUBE_MAX_N = 3 };

static int search_directions(int n) {
  if (n > SEARCH_CUBE_MAX_N) return 2 * n;
  int k = 1;
  for (int u = 0; u < n; u++) k *= 3;
  return k - 1;
}

/* The i-th direction, components -1, 0 or 1. */
static void search_direction(int n, int i, int *d) {
  if (n > SEARCH_CUBE_MAX_N) {
    for (int u = 0; u < n; u++) d[u] = 0;
    d[i / 2] = i % 2 ? 1 : -1;
    return;
  }
  int k = i + (i >= search_directions(n) / 2);   /* skip the centre, (1, 1, ...) in base 3 */
  for (int u = 0; u < n; u++, k /= 3) d[u] = k % 3 - 1;
}

/* The stencil around x (inside the bounds), each point simulated once: the lowest below
 * `below` into y; 0 when none is (or at Ctrl-C). */
static int screen_around(refiner *w, const double *x, double below, double *y, int *screened) {
  int n = w->pb->n_unknowns, found = 0, d[PRP_TRAIN_MAX_UNKNOWNS];
  double p[PRP_TRAIN_MAX_UNKNOWNS];
  for (size_t k = 0; k < sizeof search_radii / sizeof *search_radii; k++)
    for (int i = 0; i < search_directions(n); i++) {
      if (prp_interrupt_requested()) return 0;
      search_direction(n, i, d);
      for (int u = 0; u < n; u++)
        p[u] = fmin(w->hi[u], fmax(w->lo[u], x[u] + search_radii[k] * w->scale[u] * d[u]));
      if (!distinct(w, p, x)) continue;
      double mse = model_mse(w, p);
      ++*screened;
      if (mse < below) {
        below = mse;
        memcpy(y, p, (size_t)n * sizeof *p);
        found = 1;
      }
    }
  return found;
}

/* Whether a misfit is above the verdict's limit (or the noise is unknown). */
static int misfits(double mse, double noise) {
  return !(noise > 0) || mse > PRP_VERDICT_MISFIT_RATIO * noise * noise;
}

/* Up to H rounds from p: screen the stencil around it; from its lowest point, if that fits
 * better, descend; the minimum found replaces p. Ends when p fits to the noise or no point
 * of the stencil fits better. Returns the rounds that found a lower minimum; the steps and
 * simulations are added to *acc. */
static int search_from(refiner *w, refined_start *p, double noise, prp_refine_report *acc, int *screened) {
  int n = w->pb->n_unknowns, hops = 0;
  double y[PRP_TRAIN_MAX_UNKNOWNS];
  for (int h = 0; h < w->pb->refine_hops && misfits(p->mse, noise) && p->status != PRP_REFINE_STOPPED; h++) {
    if (!screen_around(w, p->x, (1 - PRP_REFINE_MIN_GAIN) * p->mse, y, screened)) break;
    prp_refine_report r = descend(w, y);
    acc->evaluations += r.evaluations, acc->steps += r.steps;
    if (r.status == PRP_REFINE_FAILED) break;
    memcpy(p->x, y, (size_t)n * sizeof *y);
    p->mse = r.mse_end, p->status = r.status;
    hops++;
  }
  return hops;
}

/* While the answer x misfits the data above the noise: the search around it, and around the
 * other start's minimum (if there is one); the lower wins and becomes the answer. */
static void search(refiner *w, prp_refine_report *best, double *x, const refined_start *other, prp_train_result *res) {
  const prp_train_problem *pb = w->pb;
  double noise = prp_train_noise_compared(pb);
  if (pb->refine_hops <= 0 || !misfits(best->mse_end, noise)) return;
  if (!pb->quiet) fprintf(stderr, "refine: the model misfits the data above the noise; searching around the answer\n");
  refined_start a = {.valid = 1, .mse = best->mse_end, .status = best->status};
  memcpy(a.x, x, sizeof a.x);
  memcpy(res->refine_before_search, x, sizeof res->refine_before_search);
  res->refine_before_search_mse = best->mse_end;
  res->refine_hops = search_from(w, &a, noise, best, &res->refine_search_screened);
  if (other->valid && misfits(a.mse, noise) && a.status != PRP_REFINE_STOPPED) {
    refined_start b = *other;
    int hops = search_from(w, &b, noise, best, &res->refine_search_screened);
    if (hops > 0 && b.mse < (1 - PRP_REFINE_MIN_GAIN) * a.mse && distinct(w, b.x, a.x)) {
      memcpy(res->refine_before_search, other->x, sizeof res->refine_before_search);
      res->refine_before_search_mse = other->mse;
      memcpy(res->refine_from, other->start, sizeof res->refine_from);
      res->refine_from_path = other->from_path, res->refine_from_epoch = other->epoch;
      res->refine_hops = hops;
      a = b;
    }
  }
  memcpy(x, a.x, sizeof a.x);
  best->mse_end = a.mse, best->status = a.status;
}

void prp_train_refine(const prp_train_problem *pb, const prp_train_path *path, prp_train_result *res) {
  memcpy(res->network_unknowns, res->unknowns, sizeof res->unknowns);
  memcpy(res->refine_from, res->unknowns, sizeof res->refine_from);
  res->refined = 0, res->refine_rejected = 0, res->refine_screened = 0, res->refine_network_mse = NAN;
  res->refine_from_path = 0, res->refine_from_epoch = res->epochs_done;
  res->refine_hops = 0, res->refine_search_screened = 0, res->refine_before_search_mse = NAN;
  memset(&res->refine, 0, sizeof res->refine);
  if (!prp_train_refines(pb) || res->stopped || pb->n_obs == 0) return;
  refiner w;
  refiner_init(&w, pb, res->unknowns);
  prp_interrupt_install();
  double x[PRP_TRAIN_MAX_UNKNOWNS];
  memcpy(x, res->unknowns, sizeof x);
  prp_refine_report best = descend(&w, x);
  if (best.status != PRP_REFINE_FAILED) res->refine_network_mse = best.mse_end;
  refined_start other = {.valid = 0};
  if (best.status != PRP_REFINE_STOPPED && path) refine_from_path(&w, path, res->unknowns, &best, x, res, &other);
  if (best.status != PRP_REFINE_FAILED && best.status != PRP_REFINE_STOPPED) search(&w, &best, x, &other, res);
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
