/* Tests of the verdict (runtime/train/train_verdict.c) on synthetic results: an
 * unknown at its bound fails; a misfit well above the noise, unknowns still
 * moving, restarts that disagree are suspect; a clean run converges; the noise
 * estimate from the sensors' series; the model check's misfit shown, not warned.
 * No training, no JIT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "rng.h"
#include "train.h"
#include "train_verdict.h"

enum { N_OBS = 4 * 40, NCOLS = 6 };   /* history: epoch, loss, loss_data, xs, ys, grad */
static const double SIGMA = 0.01, WEIGHT = 10;
static double obs_x[N_OBS * 2], obs_u[N_OBS];

/* xs, ys in [0, 1] with truths (0.6, 0.3); one data term; four sensors on a
 * line, 40 times each, values up to 1 with noise SIGMA from the "truth block". */
static void problem(prp_train_problem *pb) {
  memset(pb, 0, sizeof *pb);
  pb->n_inputs = 2;
  pb->n_space = 1;
  pb->time_index = 1;
  pb->problem_name = "synthetic";
  pb->n_terms = 1;
  pb->terms[0] = (prp_train_term){.kind = PRP_TERM_KIND_DATA, .name = "data", .weight = WEIGHT};
  pb->n_unknowns = 2;
  pb->unknowns[0] = (prp_train_unknown){"xs", 0.1, 0, 1, PRP_TRANSFORM_BOUNDED, 0.6};
  pb->unknowns[1] = (prp_train_unknown){"ys", 0.9, 0, 1, PRP_TRANSFORM_BOUNDED, 0.3};
  prp_rng rng;
  prp_rng_seed(&rng, 7);
  for (int i = 0; i < N_OBS; i++) {
    double x = 0.2 * (1 + i / 40), t = (i % 40 + 1) / 40.0;
    obs_x[2 * i] = x;
    obs_x[2 * i + 1] = t;
    obs_u[i] = sin(3 * t + x) + SIGMA * prp_rng_normal(&rng);
  }
  pb->n_obs = N_OBS;
  pb->obs_x = obs_x;
  pb->obs_u = obs_u;
  pb->noise_std = SIGMA;
}

/* A finished run at (xs, ys) whose mean squared data misfit is ratio * SIGMA^2. */
static prp_train_result result(double xs, double ys, double ratio) {
  prp_train_result r;
  memset(&r, 0, sizeof r);
  r.unknowns[0] = xs;
  r.unknowns[1] = ys;
  r.term_loss[0] = WEIGHT * ratio * SIGMA * SIGMA;
  r.loss = r.term_loss[0];
  r.epochs_done = 1000;
  return r;
}

/* 101 history rows over 1000 epochs: the unknowns go linearly from their
 * values minus `drift` to their final values. */
static double *history(const prp_train_result *r, double drift) {
  double *rows = calloc(101 * NCOLS, sizeof(double));
  for (int i = 0; i <= 100; i++) {
    double *row = rows + i * NCOLS, left = 1 - i / 100.0;
    row[0] = 10 * i;
    row[1] = row[2] = r->loss;
    row[3] = r->unknowns[0] - drift * left;
    row[4] = r->unknowns[1] - drift * left;
  }
  return rows;
}

static prp_train_verdict verdict_of(const prp_train_problem *pb, const prp_train_result *r, double drift) {
  double *rows = history(r, drift);
  prp_train_verdict v;
  prp_train_verdict_run(pb, r, rows, 101, NCOLS, &v);
  free(rows);
  return v;
}

static int count(const prp_train_verdict *v, prp_warning_kind k) {
  int n = 0;
  for (int i = 0; i < v->n_warnings; i++) n += v->warnings[i].kind == k;
  return n;
}

static void test_clean_run_converges(void **state) {
  prp_train_problem pb;
  problem(&pb);
  prp_train_result r = result(0.601, 0.299, 1.1);
  prp_train_verdict v = verdict_of(&pb, &r, 0.001);
  assert_int_equal(v.verdict, PRP_VERDICT_CONVERGED);
  assert_int_equal(v.n_warnings, 0);
  assert_true(fabs(v.misfit_mse - 1.1 * SIGMA * SIGMA) < 1e-12);
  assert_int_equal(v.noise_source, PRP_NOISE_TRUTH);
  assert_true(fabs(v.movement[0] - 0.0001) < 1e-9);   /* the last 10% of a drift of 0.001 */
}

static void test_unknown_at_bound_fails(void **state) {
  prp_train_problem pb;
  problem(&pb);
  prp_train_result r = result(0.995, 0.3, 1);
  prp_train_verdict v = verdict_of(&pb, &r, 0);
  assert_int_equal(v.verdict, PRP_VERDICT_FAILED);
  assert_int_equal(count(&v, PRP_WARN_AT_BOUND), 1);
  assert_int_equal(v.warnings[0].unknown, 0);
  assert_true(fabs(v.warnings[0].value - 0.005) < 1e-12);
  char buf[320];
  prp_train_warning_text(&pb, &v, &v.warnings[0], buf, sizeof buf);
  assert_non_null(strstr(buf, "upper bound 1"));
  r = result(0.6, 0.02, 1);   /* 2% from the lower bound: not at it */
  v = verdict_of(&pb, &r, 0);
  assert_int_equal(v.verdict, PRP_VERDICT_CONVERGED);
}

static void test_misfit_above_noise_is_suspect(void **state) {
  prp_train_problem pb;
  problem(&pb);
  prp_train_result r = result(0.6, 0.3, 25);
  prp_train_verdict v = verdict_of(&pb, &r, 0);
  assert_int_equal(v.verdict, PRP_VERDICT_SUSPECT);
  assert_int_equal(count(&v, PRP_WARN_MISFIT_ABOVE_NOISE), 1);
  assert_true(v.warnings[0].value > 22 && v.warnings[0].value <= 25);   /* the floor (1% of ~1) is about SIGMA */
  r = result(0.6, 0.3, 3);   /* below the limit of 4 sigma^2 */
  assert_int_equal(verdict_of(&pb, &r, 0).verdict, PRP_VERDICT_CONVERGED);
  pb.noise_std = 0;          /* a truth without noise: the floor, 1% of the largest |observation| */
  r = result(0.6, 0.3, 3);
  assert_int_equal(verdict_of(&pb, &r, 0).verdict, PRP_VERDICT_CONVERGED);
  pb.terms[0].weight = 0;    /* no data term: nothing to compare */
  assert_true(isnan(verdict_of(&pb, &r, 0).misfit_mse));
}

/* The verdict as the console shows it (malloc'd). */
static char *printed(const prp_train_problem *pb, const prp_train_verdict *v) {
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  prp_train_verdict_print(out, pb, v);
  fclose(out);
  return text;
}

/* A stand-in for the simulator: the model's misfit grows with the distance from the truth. */
static int model_calls;
static double model_misfit(void *ctx, const double *unknowns) {
  model_calls++;
  double dx = unknowns[0] - 0.6, dy = unknowns[1] - 0.3, scale = *(const double *)ctx;
  return SIGMA * SIGMA * (1 + scale * (dx * dx + dy * dy));
}

static void test_model_misfit_is_shown_not_warned(void **state) {
  prp_train_problem pb;
  problem(&pb);
  double scale = 1e4;
  pb.model_misfit = model_misfit;
  pb.model_misfit_ctx = &scale;
  prp_train_result r = result(0.65, 0.3, 1.5);   /* the network fits; the model at 0.65 does not */
  prp_train_verdict v = verdict_of(&pb, &r, 0);
  assert_int_equal(v.verdict, PRP_VERDICT_CONVERGED);
  assert_true(fabs(v.model_mse - SIGMA * SIGMA * 26) < 1e-12);
  char *text = printed(&pb, &v);
  assert_non_null(strstr(text, "model check: the file's model simulated at the estimate misses the data by mse/sigma^2"));
  free(text);
  int calls = model_calls;
  r.stopped = 1;                                 /* interrupted: no simulation */
  v = verdict_of(&pb, &r, 0);
  assert_int_equal(model_calls, calls);
  assert_true(isnan(v.model_mse));
  pb.model_misfit = NULL;                        /* no check (built programs) */
  r = result(0.65, 0.3, 1.5);
  assert_true(isnan(verdict_of(&pb, &r, 0).model_mse));
}

/* The note "data fit": the network misses the sensors by more than half of what u = 0
 * would (acoustic2d at weight 10, docs/experiments.md stop 16); a note, not a warning. */
static void test_unfitted_data_is_noted_not_warned(void **state) {
  prp_train_problem pb;
  problem(&pb);
  double zero = 0;
  for (int i = 0; i < N_OBS; i++) zero += obs_u[i] * obs_u[i] / N_OBS;
  prp_train_result r = result(0.6, 0.3, 0.4 * zero / (SIGMA * SIGMA));   /* 40% of u = 0's misfit */
  prp_train_verdict v = verdict_of(&pb, &r, 0);
  assert_true(fabs(v.zero_field_mse - zero) < 1e-12 * zero);
  char *text = printed(&pb, &v);
  assert_null(strstr(text, "data fit:"));
  free(text);
  r = result(0.6, 0.3, 0.8 * zero / (SIGMA * SIGMA));                    /* 80% */
  v = verdict_of(&pb, &r, 0);
  assert_int_equal(v.n_warnings, 1);                                     /* misfit_above_noise only */
  assert_int_equal(count(&v, PRP_WARN_MISFIT_ABOVE_NOISE), 1);
  text = printed(&pb, &v);
  assert_non_null(strstr(text, "data fit: the network misses the sensors by 80% of what u = 0 would"));
  free(text);
  pb.terms[0].weight = 0;                                                /* no data term: no note */
  v = verdict_of(&pb, &r, 0);
  assert_true(isnan(v.zero_field_mse));
}

static void test_unknowns_still_moving_is_suspect(void **state) {
  prp_train_problem pb;
  problem(&pb);
  prp_train_result r = result(0.6, 0.3, 1);
  prp_train_verdict v = verdict_of(&pb, &r, 0.5);   /* 0.05 of the width over the last 10% */
  assert_int_equal(v.verdict, PRP_VERDICT_SUSPECT);
  assert_int_equal(count(&v, PRP_WARN_STILL_MOVING), 2);
  assert_true(fabs(v.movement[0] - 0.05) < 1e-9);
  v = verdict_of(&pb, &r, 0.1);                      /* 0.01: settled enough */
  assert_int_equal(v.verdict, PRP_VERDICT_CONVERGED);
  prp_train_verdict_run(&pb, &r, NULL, 0, 0, &v);    /* no history: not checked */
  assert_int_equal(v.verdict, PRP_VERDICT_CONVERGED);
  assert_true(isnan(v.movement[0]));
}

/* After `refine`, the answer is the model's fit at the refined values: its misfit is the one
 * judged against the noise, whatever the network's; the history stays the network's. */
static double model_mse_given;
static double given_model_mse(void *ctx, const double *unknowns) {
  (void)ctx, (void)unknowns;
  return model_mse_given;
}

static void test_refined_answer_is_judged_by_the_model(void **state) {
  (void)state;
  prp_train_problem pb;
  problem(&pb);
  pb.model_misfit = given_model_mse;
  prp_train_result r = result(0.68, 0.33, 400);     /* the network misses the data by 400 sigma^2 */
  double *rows = history(&r, 0);
  r.refined = 1;
  r.network_unknowns[0] = 0.68, r.network_unknowns[1] = 0.33;
  r.unknowns[0] = 0.6, r.unknowns[1] = 0.3;         /* refined 0.08 away: not movement */
  model_mse_given = 1.2 * SIGMA * SIGMA;
  prp_train_verdict v;
  prp_train_verdict_run(&pb, &r, rows, 101, NCOLS, &v);
  assert_int_equal(v.verdict, PRP_VERDICT_CONVERGED);
  assert_int_equal(v.n_warnings, 0);
  assert_true(v.misfit_judged_model);
  model_mse_given = 300 * SIGMA * SIGMA;            /* refined into a basin that does not fit */
  prp_train_verdict_run(&pb, &r, rows, 101, NCOLS, &v);
  assert_int_equal(v.verdict, PRP_VERDICT_SUSPECT);
  assert_int_equal(count(&v, PRP_WARN_MISFIT_ABOVE_NOISE), 1);
  double nc2 = v.noise_compared * v.noise_compared;   /* sigma, at least 1% of the peak reading */
  assert_true(fabs(v.warnings[0].value - model_mse_given / nc2) < 1e-9);
  char buf[320];
  prp_train_warning_text(&pb, &v, &v.warnings[0], buf, sizeof buf);
  assert_non_null(strstr(buf, "the refined model's misfit"));
  r.refined = 0, r.refine_rejected = 1;             /* refined no better: the model at the network's */
  memcpy(r.unknowns, r.network_unknowns, sizeof r.unknowns);
  prp_train_verdict_run(&pb, &r, rows, 101, NCOLS, &v);
  assert_int_equal(v.misfit_judged_model, PRP_JUDGED_NOT_KEPT);
  assert_int_equal(v.verdict, PRP_VERDICT_SUSPECT);
  assert_true(fabs(v.warnings[0].value - model_mse_given / nc2) < 1e-9);
  prp_train_warning_text(&pb, &v, &v.warnings[0], buf, sizeof buf);
  assert_non_null(strstr(buf, "the refinement fitted no better"));
  r.refine_rejected = 0;                            /* not refined: the network's misfit is judged */
  prp_train_verdict_run(&pb, &r, rows, 101, NCOLS, &v);
  assert_false(v.misfit_judged_model);
  assert_true(fabs(v.warnings[0].value - 400 * SIGMA * SIGMA / nc2) < 1e-9);
  free(rows);
}

static void test_not_finite_and_interrupted_fail(void **state) {
  prp_train_problem pb;
  problem(&pb);
  prp_train_result r = result(0.6, 0.3, 1);
  r.stopped = 2;
  prp_train_verdict v = verdict_of(&pb, &r, 0);
  assert_int_equal(v.verdict, PRP_VERDICT_FAILED);
  assert_int_equal(count(&v, PRP_WARN_NOT_FINITE), 1);
  r.stopped = 1;
  v = verdict_of(&pb, &r, 0);
  assert_int_equal(v.verdict, PRP_VERDICT_FAILED);
  assert_int_equal(count(&v, PRP_WARN_INTERRUPTED), 1);
}

static void restarts(const prp_train_problem *pb, prp_train_result *res, int n) {
  for (int k = 0; k < n; k++) {
    double *rows = history(&res[k], 0);
    prp_train_verdict_run(pb, &res[k], rows, 101, NCOLS, &res[k].verdict);
    free(rows);
  }
}

static void test_restarts_that_disagree_are_suspect(void **state) {
  prp_train_problem pb;
  problem(&pb);
  prp_train_result res[3] = {result(0.6, 0.3, 1.0), result(0.2, 0.3, 1.5), result(0.9, 0.8, 30)};
  restarts(&pb, res, 3);
  prp_train_verdict v;
  prp_train_verdict_restarts(&pb, res, 3, 0, &v);
  assert_int_equal(v.verdict, PRP_VERDICT_SUSPECT);
  assert_int_equal(count(&v, PRP_WARN_RESTARTS_DISAGREE), 1);   /* xs; the third run's loss is 30 x the best */
  assert_int_equal(v.restarts_compared, 2);
  assert_true(fabs(v.spread[0] - 0.4) < 1e-12);
  assert_true(v.spread[1] == 0);
  res[1] = result(0.62, 0.31, 1.5);
  restarts(&pb, res, 3);
  prp_train_verdict_restarts(&pb, res, 3, 0, &v);
  assert_int_equal(v.verdict, PRP_VERDICT_CONVERGED);
}

static void test_noise_estimated_from_the_series(void **state) {
  prp_train_problem pb;
  problem(&pb);
  double sigma = prp_train_estimate_noise(&pb);
  assert_true(sigma > 0.6 * SIGMA && sigma < 1.5 * SIGMA);
  pb.noise_std = NAN;   /* a sensor file: the estimate is compared with */
  prp_train_result r = result(0.6, 0.3, 25);
  prp_train_verdict v = verdict_of(&pb, &r, 0);
  assert_int_equal(v.noise_source, PRP_NOISE_ESTIMATED);
  assert_int_equal(v.verdict, PRP_VERDICT_SUSPECT);
  pb.time_index = -1;   /* no time: no series, the noise is unknown and not compared */
  v = verdict_of(&pb, &r, 0);
  assert_int_equal(v.noise_source, PRP_NOISE_UNKNOWN);
  assert_int_equal(v.verdict, PRP_VERDICT_CONVERGED);
}

static void test_json_members(void **state) {
  prp_train_problem pb;
  problem(&pb);
  prp_train_result r = result(1.0, 0.3, 1);
  prp_train_verdict v = verdict_of(&pb, &r, 0);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  prp_json *j = prp_json_new(f);
  prp_json_begin_object(j);
  prp_train_verdict_json(j, &pb, &v);
  prp_json_end_object(j);
  char *err = prp_json_finish(j);
  assert_null(err);
  fclose(f);
  assert_non_null(strstr(text, "\"verdict\": \"failed\""));
  assert_non_null(strstr(text, "\"name\": \"at_bound\""));
  assert_non_null(strstr(text, "\"unknown\": \"xs\""));
  assert_non_null(strstr(text, "\"noise\": \"truth\""));
  assert_non_null(strstr(text, "\"zero_field_mse\": 0."));
  assert_non_null(strstr(text, "\"data_fit_share\": 0.000"));   /* sigma^2 against ~0.5 */
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_clean_run_converges),
    cmocka_unit_test(test_unknown_at_bound_fails),
    cmocka_unit_test(test_misfit_above_noise_is_suspect),
    cmocka_unit_test(test_model_misfit_is_shown_not_warned),
    cmocka_unit_test(test_unfitted_data_is_noted_not_warned),
    cmocka_unit_test(test_unknowns_still_moving_is_suspect),
    cmocka_unit_test(test_not_finite_and_interrupted_fail),
    cmocka_unit_test(test_restarts_that_disagree_are_suspect),
    cmocka_unit_test(test_noise_estimated_from_the_series),
    cmocka_unit_test(test_json_members),
    cmocka_unit_test(test_refined_answer_is_judged_by_the_model),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
