/* Tests of the training engine end to end: the gradient of the whole loss
 * (weights, biases and unknowns, through JIT kernels, jets, output transform,
 * nudging and schedules) against central differences for every example with
 * relaxation on and off; a short training of a problem with a known solution;
 * bitwise reproducibility; restarts on several threads equal to one after the other;
 * schedules at their end points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "parse.h"
#include "plan.h"
#include "train.h"

static prp_jit *jit;

static ast_program *load(const char *path, prp_diag *diag) {
  ast_program *prog = prp_parse_file(path, diag);
  assert_non_null(prog);
  assert_int_equal(diag->errors, 0);
  assert_int_equal(prp_check(prog, diag), 0);
  return prog;
}

/* Observations at random places in the box, with random values. */
static void synthetic_observations(const ast_program *prog, size_t n, double *x, double *u) {
  const prp_problem *pb = &prog->problem;
  prp_rng rng;
  prp_rng_seed(&rng, 99);
  for (size_t i = 0; i < n; i++) {
    for (int k = 0; k < pb->ncoords; k++)
      x[i * (size_t)pb->ncoords + (size_t)k] = pb->lo[k] + (pb->hi[k] - pb->lo[k]) * prp_rng_uniform(&rng);
    u[i] = prp_rng_uniform(&rng);
  }
}

/* A small copy of the problem, so that many loss evaluations stay cheap. */
static void shrink(prp_train_problem *tp) {
  tp->n_collocation = 48;
  tp->n_boundary = 12;
  tp->n_initial = 12;
  tp->net.n_hidden = 2;
  tp->net.widths[0] = 6;
  tp->net.widths[1] = 5;
  tp->output_dir = NULL;
}

static double loss_at(prp_train_session *s, double *x, size_t i, double v, double *g) {
  double keep = x[i];
  x[i] = v;
  double l = prp_train_session_loss_grad(s, x, g);
  x[i] = keep;
  return l;
}

/* Central differences on every unknown and on a spread of weights and biases. */
static void gradient_check(const char *path, int relax) {
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  ast_program *prog = load(path, &diag);
  double x[40 * 4], u[40];
  synthetic_observations(prog, 40, x, u);
  prp_plan plan;
  prp_plan_options opt = {.relax = relax, .epochs = -1, .seed = -1, .quiet = 1, .precision = 64};  /* gradient checks need f64 */
  assert_int_equal(prp_plan_compile(prog, jit, &opt, &diag, 40, x, u, &plan), 0);
  shrink(&plan.problem);
  char *err = NULL;
  prp_train_session *s = prp_train_session_new(&plan.problem, &err);
  assert_non_null(s);
  prp_train_session_set_progress(s, 0.3);   /* relaxation active */
  size_t n = prp_train_session_size(s);
  double *p = prp_train_session_params(s), *g = malloc(n * sizeof *g), *scratch = malloc(n * sizeof *scratch);
  prp_train_session_loss_grad(s, p, g);
  int checked = 0;
  for (size_t i = 0; i < n; i += (i + 8 < n - (size_t)plan.problem.n_unknowns) ? 7 : 1) {
    double h = 1e-6 * fmax(1, fabs(p[i]));
    double fd = (loss_at(s, p, i, p[i] + h, scratch) - loss_at(s, p, i, p[i] - h, scratch)) / (2 * h);
    double tol = 1e-5 * fmax(1e-3, fabs(g[i])) + 1e-8;
    if (fabs(fd - g[i]) > tol)
      fail_msg("%s relax=%d: d loss / d x[%zu] = %.10g, central difference %.10g", path, relax, i, g[i], fd);
    checked++;
  }
  assert_true(checked > 10);
  free(g);
  free(scratch);
  prp_train_session_free(s);
  prp_plan_free(&plan);
  ast_program_free(prog);
}

static char example[4][512];

static void test_gradient_source1d(void **state) { gradient_check(example[0], 1); gradient_check(example[0], 0); }
static void test_gradient_plume2d(void **state) { gradient_check(example[1], 1); gradient_check(example[1], 0); }
static void test_gradient_fisher(void **state) { gradient_check(example[2], 1); gradient_check(example[2], 0); }
static void test_gradient_acoustic(void **state) { gradient_check(example[3], 1); gradient_check(example[3], 0); }

static const char poisson[] =
  "problem poisson1d\nspace x in [0, 1]\nfield u(x)\nunknown q = 0.5 in [0, 5]\n"
  "pde dxx(u) = -q * pi^2 * sin(pi * x)\nboundary u = 0\nsensors from \"poisson1d.csv\"\n"
  "network mlp(32, 32) tanh\ntrain {\n optimizer adam lr 5e-3 unknowns_lr 2e-2\n epochs 2000\n"
  " collocation 256 sobol\n weights data 10, residual 0.01, boundary 10\n seed 1\n}\n";

/* Writes the Poisson problem, whose solution is u = 2 sin(pi x), q = 2. */
static void write_poisson(const char *dir) {
  char path[600];
  snprintf(path, sizeof path, "%s/poisson1d.prp", dir);
  FILE *f = fopen(path, "w");
  fputs(poisson, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/poisson1d.csv", dir);
  f = fopen(path, "w");
  fprintf(f, "x,u\n");
  for (int i = 1; i < 10; i++) fprintf(f, "%.17g,%.17g\n", i / 10.0, 2 * sin(M_PI * i / 10.0));
  fclose(f);
}

/* Removes what write_poisson wrote, and the directory. */
static void remove_poisson(const char *dir) {
  char path[600];
  snprintf(path, sizeof path, "%s/poisson1d.prp", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/poisson1d.csv", dir);
  unlink(path);
  rmdir(dir);
}

static void train_poisson(prp_train_result *res, const char *dir, int write_files) {
  char path[600];
  snprintf(path, sizeof path, "%s/poisson1d.prp", dir);
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  ast_program *prog = load(path, &diag);
  prp_plan plan;
  char out[600];
  snprintf(out, sizeof out, "%s/out", dir);
  prp_plan_options opt = {.relax = 1, .epochs = -1, .seed = -1, .output = out, .quiet = 1};
  assert_int_equal(prp_plan_build(prog, jit, &opt, &diag, &plan), 0);
  if (!write_files) plan.problem.output_dir = NULL;
  char *err = prp_train_run(&plan.problem, res);
  assert_null(err);
  prp_plan_free(&plan);
  ast_program_free(prog);
}

static void test_poisson_recovers_q(void **state) {
  char dir[] = "/tmp/prp-train-XXXXXX";
  assert_non_null(mkdtemp(dir));
  write_poisson(dir);
  prp_train_result a, b;
  train_poisson(&a, dir, 1);
  assert_int_equal(a.stopped, 0);
  assert_int_equal(a.epochs_done, 2000);
  assert_true(fabs(a.unknowns[0] - 2.0) < 1e-2);   /* the stated accuracy: 0.5% */
  char header[512] = "", hpath[700];
  snprintf(hpath, sizeof hpath, "%s/out/history.csv", dir);
  FILE *h = fopen(hpath, "r");
  assert_non_null(h);
  assert_non_null(fgets(header, sizeof header, h));
  fclose(h);
  assert_non_null(strstr(header, ",q,grad_unknowns,dL_dq\n"));   /* dL/dq last: landscape --follow reads it */
  const char *files[] = {"history.csv", "result.json", "weights.prpstate", "loss.png", "unknowns.png"};
  for (int i = 0; i < 5; i++) {
    char path[700];
    snprintf(path, sizeof path, "%s/out/%s", dir, files[i]);
    assert_int_equal(access(path, R_OK), 0);
    unlink(path);
  }
  train_poisson(&b, dir, 0);   /* same seed: bitwise the same run */
  assert_memory_equal(&a.unknowns[0], &b.unknowns[0], sizeof(double));
  assert_memory_equal(&a.loss, &b.loss, sizeof(double));
  char path[700];
  snprintf(path, sizeof path, "%s/out", dir);
  rmdir(path);
  remove_poisson(dir);
}

/* The f32 network and kernels give the f64 loss and gradient to float accuracy. */
static void test_single_precision_agrees(void **state) {
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  ast_program *prog = load(example[1], &diag);
  double x[40 * 4], u[40];
  synthetic_observations(prog, 40, x, u);
  prp_plan p64, p32;
  prp_plan_options o64 = {.relax = 1, .epochs = -1, .seed = -1, .quiet = 1, .precision = 64};
  prp_plan_options o32 = o64;
  o32.precision = 32;
  assert_int_equal(prp_plan_compile(prog, jit, &o64, &diag, 40, x, u, &p64), 0);
  assert_int_equal(prp_plan_compile(prog, jit, &o32, &diag, 40, x, u, &p32), 0);
  shrink(&p64.problem);
  shrink(&p32.problem);
  char *err;
  prp_train_session *s64 = prp_train_session_new(&p64.problem, &err), *s32 = prp_train_session_new(&p32.problem, &err);
  prp_train_session_set_progress(s64, 0.2);
  prp_train_session_set_progress(s32, 0.2);
  size_t n = prp_train_session_size(s64);
  assert_int_equal(n, prp_train_session_size(s32));
  double *g64 = malloc(n * sizeof(double)), *g32 = malloc(n * sizeof(double));
  double *params = prp_train_session_params(s64);
  double l64 = prp_train_session_loss_grad(s64, params, g64);
  double l32 = prp_train_session_loss_grad(s32, params, g32);
  assert_true(fabs(l32 - l64) <= 1e-4 * fabs(l64));
  double gmax = 0, dmax = 0;
  for (size_t i = 0; i < n; i++) {
    gmax = fmax(gmax, fabs(g64[i]));
    dmax = fmax(dmax, fabs(g64[i] - g32[i]));
  }
  assert_true(dmax <= 1e-3 * gmax);
  free(g64);
  free(g32);
  prp_train_session_free(s64);
  prp_train_session_free(s32);
  prp_plan_free(&p64);
  prp_plan_free(&p32);
  ast_program_free(prog);
}

static void test_success_predicate(void **state) {
  prp_train_problem pb = {.n_unknowns = 2};
  pb.unknowns[0] = (prp_train_unknown){.name = "xs", .lo = 0, .hi = 2, .truth = 0.6};
  pb.unknowns[1] = (prp_train_unknown){.name = "q", .lo = -INFINITY, .hi = INFINITY, .truth = NAN};
  prp_train_result r = {.unknowns = {0.69, 123}};
  assert_true(prp_train_success(&pb, &r, 0.05));    /* 0.09 <= 0.05 * 2; q's truth unknown */
  r.unknowns[0] = 0.71;
  assert_false(prp_train_success(&pb, &r, 0.05));
  r.unknowns[0] = 0.6;
  r.stopped = 2;
  assert_false(prp_train_success(&pb, &r, 0.05));  /* a run that did not finish never succeeds */
  pb.unknowns[0].truth = NAN;
  r.stopped = 0;
  assert_false(prp_train_success(&pb, &r, 0.05));  /* nothing to compare with */
}

/* The Poisson problem written into the temporary directory dir (a mkdtemp
 * template), loaded and planned without output files. */
static ast_program *poisson_plan(char *dir, const prp_plan_options *opt, prp_plan *plan) {
  assert_non_null(mkdtemp(dir));
  write_poisson(dir);
  char path[600];
  snprintf(path, sizeof path, "%s/poisson1d.prp", dir);
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  ast_program *prog = load(path, &diag);
  assert_int_equal(prp_plan_build(prog, jit, opt, &diag, plan), 0);
  plan->problem.output_dir = NULL;
  return prog;
}

static void test_restarts_draw_guesses_in_bounds(void **state) {
  char dir[] = "/tmp/prp-restart-XXXXXX";
  prp_plan plan;
  prp_plan_options opt = {.relax = 1, .epochs = 3, .seed = -1, .quiet = 1, .restarts = 4};
  ast_program *prog = poisson_plan(dir, &opt, &plan);
  assert_int_equal(plan.problem.restarts, 4);
  prp_train_result res[4];
  int best;
  assert_null(prp_train_restarts(&plan.problem, 4, 0.05, res, &best));
  assert_true(best >= 0 && best < 4);
  for (int k = 0; k < 4; k++) {
    assert_int_equal(res[k].epochs_done, 3);
    assert_true(res[k].unknowns[0] > 0 && res[k].unknowns[0] < 5);
    assert_true(res[best].loss <= res[k].loss);
  }
  assert_true(res[1].unknowns[0] != res[2].unknowns[0]);   /* different starting guesses */
  prp_plan_free(&plan);
  ast_program_free(prog);
  remove_poisson(dir);
}

/* Restarts on three threads at once give bitwise the results of one after the other
 * (each run's guess and seed are its own; the threads share only read-only data). */
static void test_restarts_concurrent_equal_sequential(void **state) {
  char dir[] = "/tmp/prp-restart-XXXXXX";
  prp_plan plan;
  prp_plan_options opt = {.relax = 1, .epochs = 20, .seed = -1, .quiet = 1, .restarts = 5, .restart_workers = 1};
  ast_program *prog = poisson_plan(dir, &opt, &plan);
  assert_int_equal(prp_train_restart_workers(&plan.problem, 5), 1);
  prp_train_result seq[5], con[5];
  int best_seq, best_con, done_seq, done_con;
  assert_null(prp_train_restarts_done(&plan.problem, 5, 0.05, seq, &best_seq, &done_seq));
  plan.problem.restart_workers = 3;
  assert_int_equal(prp_train_restart_workers(&plan.problem, 5), 3);
  assert_int_equal(prp_train_restart_workers(&plan.problem, 2), 2);   /* no more threads than runs */
  assert_null(prp_train_restarts_done(&plan.problem, 5, 0.05, con, &best_con, &done_con));
  assert_int_equal(done_seq, 5);
  assert_int_equal(done_con, 5);
  assert_int_equal(best_con, best_seq);
  for (int k = 0; k < 5; k++) {
    assert_memory_equal(con[k].unknowns, seq[k].unknowns, sizeof seq[k].unknowns);
    assert_memory_equal(con[k].term_loss, seq[k].term_loss, sizeof seq[k].term_loss);
    assert_memory_equal(&con[k].loss, &seq[k].loss, sizeof seq[k].loss);
    assert_int_equal(con[k].epochs_done, seq[k].epochs_done);
    assert_int_equal(con[k].verdict.verdict, seq[k].verdict.verdict);
  }
  assert_true(seq[1].unknowns[0] != seq[2].unknowns[0]);
  prp_plan_free(&plan);
  ast_program_free(prog);
  remove_poisson(dir);
}

/* L-BFGS after Adam lowers the loss further (the fit of a known solution). */
static void test_lbfgs_after_adam(void **state) {
  char dir[] = "/tmp/prp-lbfgs-XXXXXX";
  prp_plan plan;
  prp_plan_options opt = {.relax = 1, .epochs = 300, .seed = -1, .quiet = 1};
  ast_program *prog = poisson_plan(dir, &opt, &plan);
  prp_train_result adam_only, with_lbfgs;
  assert_null(prp_train_run(&plan.problem, &adam_only));
  plan.problem.lbfgs_iterations = 100;
  assert_null(prp_train_run(&plan.problem, &with_lbfgs));
  assert_true(with_lbfgs.loss < 0.5 * adam_only.loss);
  assert_true(fabs(with_lbfgs.unknowns[0] - 2) <= fabs(adam_only.unknowns[0] - 2) + 1e-3);
  prp_plan_free(&plan);
  ast_program_free(prog);
  remove_poisson(dir);
}

static void test_schedules_end_points(void **state) {
  prp_schedule s = {.name = "eps", .from = 0.05, .to = 0, .until = 0.6, .shape = PRP_SHAPE_COSINE};
  prp_shape shapes[] = {PRP_SHAPE_LINEAR, PRP_SHAPE_COSINE, PRP_SHAPE_EXP, PRP_SHAPE_STEP};
  for (int i = 0; i < 4; i++) {
    s.shape = shapes[i];
    assert_true(prp_schedule_value(&s, 0) == 0.05);
    assert_true(prp_schedule_value(&s, 0.6) == 0);
    assert_true(prp_schedule_value(&s, 1) == 0);
    double mid = prp_schedule_value(&s, 0.3);
    assert_true(mid >= 0 && mid <= 0.05);
  }
  prp_schedule pw = {.shape = PRP_SHAPE_PIECEWISE, .npoints = 3, .at = {0, 0.2, 0.5}, .value = {30, 10, 0}};
  assert_true(prp_schedule_value(&pw, 0) == 30);
  assert_true(fabs(prp_schedule_value(&pw, 0.1) - 20) < 1e-12);
  assert_true(prp_schedule_value(&pw, 0.5) == 0);
  assert_true(prp_schedule_value(&pw, 0.9) == 0);
  prp_schedule dil = {.from = 0.15, .to = 0.01, .until = 0.6, .shape = PRP_SHAPE_LINEAR};
  assert_true(prp_schedule_value(&dil, 1) == 0.01);
  assert_true(fabs(prp_schedule_value(&dil, 0.3) - 0.08) < 1e-12);
}

static int setup(void **state) {
  jit = prp_jit_create();
  const char *src = getenv("PRP_SOURCE_DIR");
  if (!src) src = PRP_SOURCE_DIR;
  const char *names[] = {"source1d", "plume2d", "fisher_kpp_gyre", "acoustic2d"};
  for (int i = 0; i < 4; i++) snprintf(example[i], sizeof example[i], "%s/examples/%s.prp", src, names[i]);
  return jit ? 0 : -1;
}

static int teardown(void **state) {
  prp_jit_destroy(jit);
  return 0;
}

int main(void) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_schedules_end_points),
    cmocka_unit_test(test_success_predicate),
    cmocka_unit_test(test_lbfgs_after_adam),
    cmocka_unit_test(test_restarts_draw_guesses_in_bounds),
    cmocka_unit_test(test_restarts_concurrent_equal_sequential),
    cmocka_unit_test(test_single_precision_agrees),
    cmocka_unit_test(test_gradient_source1d),
    cmocka_unit_test(test_gradient_plume2d),
    cmocka_unit_test(test_gradient_fisher),
    cmocka_unit_test(test_gradient_acoustic),
    cmocka_unit_test(test_poisson_recovers_q),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
