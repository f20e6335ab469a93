/* Unit tests of the refinement after training (runtime/train/refine.c): bounded
 * Levenberg-Marquardt on least-squares problems with known answers; and the train option
 * `refine N path K` (runtime/train/train_refine.c) starting it from the training's path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "refine.h"
#include "train.h"
#include <string.h>

/* Observations a exp(-b t_i) at t_i = i / 10 (i < 30) of a = 2, b = 3, exactly. */
static int decay_residuals(void *ctx, const double *x, double *r) {
  (void)ctx;
  for (int i = 0; i < 30; i++) {
    double t = i / 10.0;
    r[i] = x[0] * exp(-x[1] * t) - 2 * exp(-3 * t);
  }
  return 0;
}

static void decay_fit_reaches_the_known_parameters(void **state) {
  (void)state;
  double lo[2] = {0, 0}, hi[2] = {10, 10}, scale[2] = {10, 10}, x[2] = {0.5, 0.7};
  prp_refine_options o = {.n = 2, .m = 30, .lo = lo, .hi = hi, .scale = scale, .max_steps = 100};
  prp_refine_report rep = prp_refine(decay_residuals, NULL, &o, x);
  assert_int_equal(rep.status, PRP_REFINE_CONVERGED);
  assert_true(fabs(x[0] - 2) < 1e-5);
  assert_true(fabs(x[1] - 3) < 1e-5);
  assert_true(rep.mse_end < 1e-12 && rep.mse_start > 0.1);
  assert_true(rep.evaluations >= 3 * rep.steps);   /* a Jacobian (2) and a trial per step */
}

/* A 2D Gaussian bump at (p, q) seen by 9 sensors, the truth at (0.65, 0.7): the shape of
 * a source's misfit, one basin around the truth. */
static int bump_residuals(void *ctx, const double *x, double *r) {
  (void)ctx;
  int k = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++, k++) {
      double sx = 0.25 + 0.25 * i, sy = 0.25 + 0.25 * j;
      double m = exp(-((sx - x[0]) * (sx - x[0]) + (sy - x[1]) * (sy - x[1])) / 0.08);
      double d = exp(-((sx - 0.65) * (sx - 0.65) + (sy - 0.7) * (sy - 0.7)) / 0.08);
      r[k] = m - d;
    }
  return 0;
}

static void source_bump_found_from_nearby(void **state) {
  (void)state;
  double lo[2] = {0, 0}, hi[2] = {1, 1}, scale[2] = {1, 1}, x[2] = {0.71, 0.73};
  prp_refine_options o = {.n = 2, .m = 9, .lo = lo, .hi = hi, .scale = scale, .max_steps = 50};
  prp_refine(bump_residuals, NULL, &o, x);
  assert_true(fabs(x[0] - 0.65) < 1e-4);
  assert_true(fabs(x[1] - 0.7) < 1e-4);
}

static double misfit(double p, double q) {
  double x[2] = {p, q}, r[9], c = 0;
  bump_residuals(NULL, x, r);
  for (int i = 0; i < 9; i++) c += r[i] * r[i];
  return c;
}

/* The truth outside the bounds: the answer is on the bound, never past it. */
static void bounds_hold(void **state) {
  (void)state;
  double lo[2] = {0, 0}, hi[2] = {0.6, 1}, scale[2] = {1, 1}, x[2] = {0.3, 0.5};
  prp_refine_options o = {.n = 2, .m = 9, .lo = lo, .hi = hi, .scale = scale, .max_steps = 50};
  prp_refine(bump_residuals, NULL, &o, x);
  assert_true(x[0] <= 0.6);
  assert_true(fabs(x[0] - 0.6) < 1e-6);
  double best = misfit(x[0], x[1]);   /* and the best y along the bound, to a scan's step */
  for (double y = 0.6; y <= 0.8; y += 1e-3) assert_true(best <= misfit(0.6, y) + 1e-12);
}

static void step_limit_holds(void **state) {
  (void)state;
  double lo[2] = {0, 0}, hi[2] = {10, 10}, scale[2] = {10, 10}, x[2] = {0.5, 0.7};
  prp_refine_options o = {.n = 2, .m = 30, .lo = lo, .hi = hi, .scale = scale, .max_steps = 1};
  prp_refine_report rep = prp_refine(decay_residuals, NULL, &o, x);
  assert_int_equal(rep.steps, 1);
  assert_int_equal(rep.status, PRP_REFINE_MAX_STEPS);
  assert_true(rep.mse_end < rep.mse_start);
}

/* The progress callback sees every accepted step and can stop the refinement there. */
static int stop_at_two(void *ctx, int step, int evaluations, double mse) {
  int *seen = ctx;
  assert_true(evaluations >= 3 * step && mse >= 0);
  *seen = step;
  return step == 2;
}

static void progress_can_stop(void **state) {
  (void)state;
  double lo[2] = {0, 0}, hi[2] = {10, 10}, scale[2] = {10, 10}, x[2] = {0.5, 0.7};
  int seen = 0;
  prp_refine_options o = {.n = 2, .m = 30, .lo = lo, .hi = hi, .scale = scale, .max_steps = 100,
                          .progress = stop_at_two, .progress_ctx = &seen};
  prp_refine_report rep = prp_refine(decay_residuals, NULL, &o, x);
  assert_int_equal(rep.status, PRP_REFINE_STOPPED);
  assert_int_equal(rep.steps, 2);
  assert_int_equal(seen, 2);
  assert_true(rep.mse_end < rep.mse_start);
  assert_string_equal(prp_refine_status_name(rep.status), "stopped");
}

/* A model that fails: at the start the estimate is kept; later the best point so far. */
static int failing_residuals(void *ctx, const double *x, double *r) {
  int *calls = ctx;
  if (++*calls > 4) return -1;
  return decay_residuals(NULL, x, r);
}

static void a_failing_model_keeps_the_best_point(void **state) {
  (void)state;
  double lo[2] = {0, 0}, hi[2] = {10, 10}, scale[2] = {10, 10}, x[2] = {0.5, 0.7};
  int calls = 4;   /* fails from the first call */
  prp_refine_options o = {.n = 2, .m = 30, .lo = lo, .hi = hi, .scale = scale, .max_steps = 10};
  prp_refine_report rep = prp_refine(failing_residuals, &calls, &o, x);
  assert_int_equal(rep.status, PRP_REFINE_FAILED);
  assert_true(x[0] == 0.5 && x[1] == 0.7);
  assert_true(isnan(rep.mse_end));
  calls = 0;       /* the start, a Jacobian and one trial work, then it fails */
  rep = prp_refine(failing_residuals, &calls, &o, x);
  assert_int_equal(rep.status, PRP_REFINE_STALLED);
  assert_int_equal(rep.steps, 1);
  assert_true(rep.mse_end < rep.mse_start);
  double r[30];
  decay_residuals(NULL, x, r);
  double c = 0;
  for (int i = 0; i < 30; i++) c += r[i] * r[i];
  assert_true(fabs(c / 30 - rep.mse_end) < 1e-15);   /* x is the point whose misfit is reported */
}

/* Two basins: a deep one at B = (0.65, 0.7) (misfit 0.1) and a shallow one at A = (0.65, 0.82)
 * (misfit 0.4), 0.12 apart, each of width ~0.045: one residual, the misfit's root. */
static double two_basins(const double *x) {
  double b = (x[0] - 0.65) * (x[0] - 0.65) + (x[1] - 0.7) * (x[1] - 0.7);
  double a = (x[0] - 0.65) * (x[0] - 0.65) + (x[1] - 0.82) * (x[1] - 0.82);
  return 1 - 0.9 * exp(-b / 0.002) - 0.6 * exp(-a / 0.002);
}

static int two_basins_residuals(void *ctx, const double *x, double *r) {
  int *calls = ctx;
  ++*calls;
  r[0] = sqrt(two_basins(x));
  return 0;
}

static double two_basins_misfit(void *ctx, const double *x) {
  int *calls = ctx;
  ++*calls;
  return two_basins(x);
}

/* A training path in history.csv's layout (epoch, loss, xs, ys): from the guess past B to
 * the network's estimate in A's basin. */
static const double path_rows[] = {
    0, 1, 0.1, 0.9,   1000, 1, 0.3, 0.7,   3000, 1, 0.652, 0.703,   4000, 1, 0.68, 0.76,   5000, 1, 0.67, 0.80,
};

static prp_train_result refined_from_path(int path_points, int *calls) {
  static prp_train_problem pb;
  memset(&pb, 0, sizeof pb);
  pb.n_unknowns = 2;
  pb.unknowns[0] = (prp_train_unknown){.name = "xs", .lo = 0, .hi = 1, .truth = NAN};
  pb.unknowns[1] = (prp_train_unknown){.name = "ys", .lo = 0, .hi = 1, .truth = NAN};
  pb.n_obs = 1, pb.quiet = 1;
  pb.model_residuals = two_basins_residuals;
  pb.model_misfit = two_basins_misfit;
  pb.model_misfit_ctx = calls;
  pb.refine_steps = 100, pb.refine_path = path_points;
  prp_train_result res;
  memset(&res, 0, sizeof res);
  res.epochs_done = 5000, res.unknowns[0] = 0.67, res.unknowns[1] = 0.80;
  prp_train_path path = {path_rows, 5, 4, 2};
  prp_train_refine(&pb, &path, &res);
  return res;
}

/* The network's estimate alone (path 1) refines into the shallow basin A. */
static void the_estimate_alone_stays_in_its_basin(void **state) {
  (void)state;
  int calls = 0;
  prp_train_result res = refined_from_path(1, &calls);
  assert_true(res.refined && !res.refine_from_path);
  assert_true(fabs(res.unknowns[0] - 0.65) < 2e-3 && fabs(res.unknowns[1] - 0.82) < 2e-3);
  assert_true(res.network_unknowns[0] == 0.67 && res.network_unknowns[1] == 0.80);
  assert_int_equal(res.refine_screened, 0);
  assert_int_equal(res.refine.evaluations, calls);
}

/* Screening the path finds B's basin at epoch 3000; the refinement from there wins with the
 * lower misfit, and the report keeps what the estimate alone would have given. */
static void the_path_reaches_the_deeper_basin(void **state) {
  (void)state;
  int calls = 0;
  prp_train_result res = refined_from_path(5, &calls);
  assert_true(res.refined && res.refine_from_path);
  assert_int_equal(res.refine_from_epoch, 3000);
  assert_int_equal(res.refine_screened, 4);   /* rows 0-3; the last row is the estimate */
  assert_true(res.refine_from[0] == 0.652 && res.refine_from[1] == 0.703);
  assert_true(fabs(res.unknowns[0] - 0.65) < 2e-3 && fabs(res.unknowns[1] - 0.7) < 2e-3);
  assert_true(fabs(res.refine.mse_end - 0.1) < 1e-3);
  assert_true(fabs(res.refine_network_mse - 0.4) < 1e-3);
  double start[2] = {0.67, 0.80};
  assert_true(fabs(res.refine.mse_start - two_basins(start)) < 1e-12);
  assert_int_equal(res.refine.evaluations, calls);   /* screening and both descents counted */
}

/* Two path points: the guess alone is screened; its refinement ends worse (the misfit is flat
 * there), so the estimate's refinement stays the answer. */
static void a_worse_path_start_does_not_win(void **state) {
  (void)state;
  int calls = 0;
  prp_train_result res = refined_from_path(2, &calls);
  assert_int_equal(res.refine_screened, 1);
  assert_true(res.refined && !res.refine_from_path);
  assert_int_equal(res.refine_from_epoch, 5000);
  assert_true(fabs(res.unknowns[0] - 0.65) < 2e-3 && fabs(res.unknowns[1] - 0.82) < 2e-3);
  assert_true(res.refine.evaluations > res.refine.steps);
}

/* A path of 5 rows screened at 10 points: rows 0-3, each once. */
static void a_short_path_is_screened_once_per_row(void **state) {
  (void)state;
  int calls = 0;
  prp_train_result res = refined_from_path(10, &calls);
  assert_int_equal(res.refine_screened, 4);
  assert_true(res.refine_from_path && res.refine_from_epoch == 3000);
}

/* A plateau (a source no sensor sees): the misfit falls by 1e-9 from 0.9 to 0.1, far across
 * the box; values that fit no better do not replace the network's. */
static int plateau_residuals(void *ctx, const double *x, double *r) {
  (void)ctx;
  r[0] = 1 + 1e-9 * x[0];
  return 0;
}

static double plateau_misfit(void *ctx, const double *x) {
  double r;
  plateau_residuals(ctx, x, &r);
  return r * r;
}

static void a_plateau_keeps_the_network_estimate(void **state) {
  (void)state;
  prp_train_problem pb;
  memset(&pb, 0, sizeof pb);
  pb.n_unknowns = 1;
  pb.unknowns[0] = (prp_train_unknown){.name = "xs", .lo = 0, .hi = 1, .truth = NAN};
  pb.n_obs = 1, pb.quiet = 1, pb.refine_steps = 30, pb.refine_path = 1;
  pb.model_residuals = plateau_residuals, pb.model_misfit = plateau_misfit;
  prp_train_result res;
  memset(&res, 0, sizeof res);
  res.epochs_done = 300, res.unknowns[0] = 0.9;
  prp_train_refine(&pb, NULL, &res);
  assert_true(res.refine_rejected && !res.refined);
  assert_true(res.unknowns[0] == 0.9);
  assert_true(res.refine.steps >= 1);   /* it did move, for a gain of nothing */
}

/* Two minima 0.2 apart with a ridge between: a deep one at B = (0.5, 0.3) (misfit 0.005; Levenberg-Marquardt ends within 0.003 of each on this single residual)
 * and a shallow one at A = (0.7, 0.3) (0.5), each ~0.045 wide: Levenberg-Marquardt from A
 * stays in A; the search around it reaches B. */
static int third_cell;   /* 1: also C = (0.2, 0.8), misfit 0.3, far from both */

static double two_cells(const double *x) {
  double b = (x[0] - 0.5) * (x[0] - 0.5) + (x[1] - 0.3) * (x[1] - 0.3);
  double a = (x[0] - 0.7) * (x[0] - 0.7) + (x[1] - 0.3) * (x[1] - 0.3);
  double c = (x[0] - 0.2) * (x[0] - 0.2) + (x[1] - 0.8) * (x[1] - 0.8);
  return 1 - 0.995 * exp(-b / 0.002) - 0.5 * exp(-a / 0.002) - third_cell * 0.7 * exp(-c / 0.002);
}

static int two_cells_residuals(void *ctx, const double *x, double *r) {
  ++*(int *)ctx;
  r[0] = sqrt(two_cells(x));
  return 0;
}

static double two_cells_misfit(void *ctx, const double *x) {
  ++*(int *)ctx;
  return two_cells(x);
}

/* From (0.72, 0.31), by A, with H rounds of search and the noise sigma (limit 4 sigma^2);
 * with path rows (history.csv's layout), those screened too. */
static prp_train_result searched_from_a_path(int hops, double sigma, int *calls, const prp_train_path *path) {
  static prp_train_problem pb;
  memset(&pb, 0, sizeof pb);
  pb.n_unknowns = 2;
  pb.unknowns[0] = (prp_train_unknown){.name = "xs", .lo = 0, .hi = 1, .truth = NAN};
  pb.unknowns[1] = (prp_train_unknown){.name = "ys", .lo = 0, .hi = 1, .truth = NAN};
  pb.n_obs = 1, pb.quiet = 1, pb.noise_std = sigma;
  pb.model_residuals = two_cells_residuals, pb.model_misfit = two_cells_misfit, pb.model_misfit_ctx = calls;
  pb.refine_steps = 100, pb.refine_path = 1, pb.refine_hops = hops;
  prp_train_result res;
  memset(&res, 0, sizeof res);
  res.epochs_done = 1000, res.unknowns[0] = 0.72, res.unknowns[1] = 0.31;
  if (path) pb.refine_path = (int)path->n;
  prp_train_refine(&pb, path, &res);
  return res;
}

static prp_train_result searched_from_a(int hops, double sigma, int *calls) {
  return searched_from_a_path(hops, sigma, calls, NULL);
}

/* The refined A misfits above the noise (0.5 > 4 * 0.05^2): one round screens the 16 points
 * of the stencil, 0.2 to the left is B, the descent from it ends there; B fits to the noise
 * (0.005 < 0.01), so the search stops. */
static void the_search_reaches_the_next_cell(void **state) {
  (void)state;
  int calls = 0;
  prp_train_result res = searched_from_a(3, 0.05, &calls);
  assert_true(res.refined);
  assert_int_equal(res.refine_hops, 1);
  assert_int_equal(res.refine_search_screened, 16);
  assert_true(fabs(res.unknowns[0] - 0.5) < 5e-3 && fabs(res.unknowns[1] - 0.3) < 5e-3);
  assert_true(fabs(res.refine_before_search[0] - 0.7) < 5e-3 && fabs(res.refine_before_search[1] - 0.3) < 5e-3);
  assert_true(fabs(res.refine_before_search_mse - 0.5) < 5e-3);
  assert_true(res.refine.mse_end < 0.01);
  assert_int_equal(res.refine.evaluations, calls);   /* the screening counted */
}

/* hops 0, or an answer that fits to the noise (A's 0.5 < 4 * 0.4^2): no search, A stays. */
static void no_search_without_hops_or_above_the_noise(void **state) {
  (void)state;
  int calls = 0;
  for (int k = 0; k < 2; k++) {
    prp_train_result res = k == 0 ? searched_from_a(0, 0.05, &calls) : searched_from_a(3, 0.4, &calls);
    assert_true(res.refined);
    assert_int_equal(res.refine_hops, 0);
    assert_int_equal(res.refine_search_screened, 0);
    assert_true(fabs(res.unknowns[0] - 0.7) < 5e-3 && fabs(res.unknowns[1] - 0.3) < 5e-3);
  }
}

/* The path's start C (0.3) beats the estimate's A (0.5) and no point around C fits better;
 * the search then tries around A, the start that lost, and finds B there: B is the answer,
 * reported as reached from the network's estimate. */
static void the_search_also_tries_the_start_that_lost(void **state) {
  (void)state;
  static const double rows[] = {0, 1, 0.21, 0.79, 500, 1, 0.6, 0.6, 1000, 1, 0.72, 0.31};
  prp_train_path path = {rows, 3, 4, 2};
  int calls = 0;
  third_cell = 1;
  prp_train_result res = searched_from_a_path(3, 0.05, &calls, &path);
  third_cell = 0;
  assert_true(res.refined);
  assert_true(fabs(res.unknowns[0] - 0.5) < 5e-3 && fabs(res.unknowns[1] - 0.3) < 5e-3);
  assert_int_equal(res.refine_hops, 1);
  assert_false(res.refine_from_path);
  assert_true(fabs(res.refine_before_search[0] - 0.7) < 5e-3 && fabs(res.refine_before_search[1] - 0.3) < 5e-3);
  assert_int_equal(res.refine_search_screened, 32);   /* 16 around C, 16 around A */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(decay_fit_reaches_the_known_parameters),
      cmocka_unit_test(source_bump_found_from_nearby),
      cmocka_unit_test(bounds_hold),
      cmocka_unit_test(step_limit_holds),
      cmocka_unit_test(a_failing_model_keeps_the_best_point),
      cmocka_unit_test(progress_can_stop),
      cmocka_unit_test(the_estimate_alone_stays_in_its_basin),
      cmocka_unit_test(the_path_reaches_the_deeper_basin),
      cmocka_unit_test(a_worse_path_start_does_not_win),
      cmocka_unit_test(a_short_path_is_screened_once_per_row),
      cmocka_unit_test(a_plateau_keeps_the_network_estimate),
      cmocka_unit_test(the_search_reaches_the_next_cell),
      cmocka_unit_test(no_search_without_hops_or_above_the_noise),
      cmocka_unit_test(the_search_also_tries_the_start_that_lost),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
