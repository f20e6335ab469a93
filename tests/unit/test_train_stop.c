/* Tests of the stopping rule `stop settled TOL over N` (runtime/train/train_stop.c):
 * the pure rule on made-up windows; the window starting only after the
 * relaxation and the warm-up; and whole trainings of a Poisson problem where
 * it must stop early (and say so in result.json) and where it must not. */
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
#include "train_stop.h"

static prp_jit *jit;

/* Two unknowns: a in [0, 1], b in [0, 10]. */
static void two_unknowns(prp_train_problem *pb, double tol, int over) {
  memset(pb, 0, sizeof *pb);
  pb->n_unknowns = 2;
  pb->unknowns[0] = (prp_train_unknown){.name = "a", .lo = 0, .hi = 1};
  pb->unknowns[1] = (prp_train_unknown){.name = "b", .lo = 0, .hi = 10};
  pb->stop_tol = tol;
  pb->stop_over = over;
  pb->epochs = 1000;
}

static void test_rule_on_windows(void **state) {
  prp_train_problem pb;
  two_unknowns(&pb, 1e-3, 4);
  double still[8] = {0.5, 5, 0.5, 5, 0.5, 5, 0.5, 5};
  assert_true(prp_train_settled(&pb, still, 4));
  assert_false(prp_train_settled(&pb, still, 3));              /* the window is not full yet */
  double a_moves[8] = {0.5, 5, 0.5015, 5, 0.5, 5, 0.5, 5};     /* 1.5e-3 of a's width */
  assert_false(prp_train_settled(&pb, a_moves, 4));
  assert_true(fabs(prp_train_stop_movement(&pb, a_moves, 4) - 1.5e-3) < 1e-12);
  double b_small[8] = {0.5, 5, 0.5, 5.009, 0.5, 5, 0.5, 5};    /* 9e-3 absolute = 9e-4 of b's width */
  assert_true(prp_train_settled(&pb, b_small, 4));
  double nan_in[8] = {0.5, 5, NAN, 5, 0.5, 5, 0.5, 5};
  assert_false(prp_train_settled(&pb, nan_in, 4));
  pb.unknowns[1].hi = INFINITY;                               /* unbounded: relative to |b| */
  assert_true(fabs(prp_train_stop_movement(&pb, b_small, 4) - 0.009 / 5.009) < 1e-12);
  assert_false(prp_train_settled(&pb, b_small, 4));
  pb.stop_over = 0;                                           /* no rule: never */
  assert_false(prp_train_settled(&pb, still, 4));
}

/* Epochs fed one by one with constant unknowns: the stop comes N epochs after
 * both the relaxation's end (50% of 1000) and the warm-up. */
static int stop_epoch(prp_train_problem *pb) {
  prp_train_stop st;
  prp_train_stop_init(&st, pb);
  double v[2] = {0.3, 3};
  char msg[256] = "";
  int at = -1;
  for (int e = 0; e < pb->epochs && at < 0; e++)
    if (prp_train_stop_check(&st, pb, e, v, msg, sizeof msg)) at = e;
  prp_train_stop_free(&st);
  if (at >= 0) assert_non_null(strstr(msg, "settled at epoch"));
  return at;
}

static void test_window_after_relaxation(void **state) {
  prp_train_problem pb;
  two_unknowns(&pb, 1e-3, 50);
  assert_int_equal(stop_epoch(&pb), 49);                      /* nothing relaxed */
  pb.relaxed = 1;
  pb.n_scalars = 1;
  pb.has_schedule[0] = 1;
  pb.schedules[0] = (prp_schedule){.shape = PRP_SHAPE_LINEAR, .from = 1, .to = 0, .until = 0.5};
  assert_true(fabs(prp_train_relaxation_end(&pb) - 0.5) < 1e-15);
  assert_int_equal(stop_epoch(&pb), 549);
  pb.warmup_epochs = 700;
  assert_int_equal(stop_epoch(&pb), 749);
  pb.warmup_epochs = 990;                                     /* the window never fills */
  assert_int_equal(stop_epoch(&pb), -1);
}

static const char poisson[] =
  "problem poisson1d\nspace x in [0, 1]\nfield u(x)\nunknown q = 0.5 in [0, 5]\n"
  "pde dxx(u) = -q * pi^2 * sin(pi * x)\nboundary u = 0\nsensors from \"poisson1d.csv\"\n"
  "network mlp(32, 32) tanh\ntrain {\n optimizer adam lr 5e-3 unknowns_lr 2e-2\n epochs 2000\n"
  " collocation 256 sobol\n weights data 10, residual 0.01, boundary 10\n seed 1\n stop settled %s over 100\n}\n";

/* Trains the Poisson problem (u = 2 sin(pi x), q = 2) with `stop settled TOL over 100`. */
static void train_poisson(const char *tol, prp_train_result *res, char *json, size_t len) {
  char dir[] = "/tmp/prp-stop-XXXXXX", path[700];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/poisson1d.prp", dir);
  FILE *f = fopen(path, "w");
  fprintf(f, poisson, tol);
  fclose(f);
  snprintf(path, sizeof path, "%s/poisson1d.csv", dir);
  f = fopen(path, "w");
  fprintf(f, "x,u\n");
  for (int i = 1; i < 10; i++) fprintf(f, "%.17g,%.17g\n", i / 10.0, 2 * sin(M_PI * i / 10.0));
  fclose(f);
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  snprintf(path, sizeof path, "%s/poisson1d.prp", dir);
  ast_program *prog = prp_parse_file(path, &diag);
  assert_non_null(prog);
  assert_int_equal(prp_check(prog, &diag), 0);
  prp_plan plan;
  char out[600];
  snprintf(out, sizeof out, "%s/out", dir);
  prp_plan_options opt = {.relax = 1, .epochs = -1, .seed = -1, .output = out, .quiet = 1};
  assert_int_equal(prp_plan_build(prog, jit, &opt, &diag, &plan), 0);
  assert_int_equal(plan.problem.stop_over, 100);
  assert_null(prp_train_run(&plan.problem, res));
  snprintf(path, sizeof path, "%s/result.json", out);
  f = fopen(path, "r");
  assert_non_null(f);
  size_t got = fread(json, 1, len - 1, f);
  json[got] = 0;
  fclose(f);
  prp_plan_free(&plan);
  ast_program_free(prog);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

static void test_stops_when_settled(void **state) {
  prp_train_result res;
  static char json[1 << 16];
  train_poisson("1e-3", &res, json, sizeof json);
  assert_int_equal(res.stopped, 0);
  assert_int_equal(res.settled, 1);
  assert_true(res.epochs_done >= 100 && res.epochs_done < 2000);
  assert_true(fabs(res.unknowns[0] - 2.0) < 0.02);
  assert_non_null(strstr(json, "\"stop\": \"settled\""));
  assert_non_null(strstr(res.message, "settled at epoch"));
}

static void test_does_not_stop_while_moving(void **state) {
  prp_train_result res;
  static char json[1 << 16];
  train_poisson("1e-12", &res, json, sizeof json);   /* Adam never holds q that still */
  assert_int_equal(res.settled, 0);
  assert_int_equal(res.epochs_done, 2000);
  assert_non_null(strstr(json, "\"stop\": \"epochs\""));
}

static int setup(void **state) {
  jit = prp_jit_create();
  return jit ? 0 : -1;
}

static int teardown(void **state) {
  prp_jit_destroy(jit);
  return 0;
}

int main(void) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rule_on_windows),
    cmocka_unit_test(test_window_after_relaxation),
    cmocka_unit_test(test_stops_when_settled),
    cmocka_unit_test(test_does_not_stop_while_moving),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
