/* Unit tests of the runtime optimisers (runtime/train/adam.c, runtime/train/lbfgs.c) on
 * functions with known minima: quadratics and Rosenbrock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

/* f = sum_i c_i (x_i - t_i)^2 / 2 with c_i from 1 to `cond` (log-spaced), t_i = i / n. */
typedef struct {
  size_t n;
  double cond;
  int evaluations;
} quadratic;

static double curvature(const quadratic *q, size_t i) {
  return q->n == 1 ? 1 : pow(q->cond, (double)i / (double)(q->n - 1));
}

static double target(const quadratic *q, size_t i) { return (double)(i + 1) / (double)q->n; }

static double quadratic_fg(void *ctx, const double *x, double *g) {
  quadratic *q = ctx;
  q->evaluations++;
  double f = 0;
  for (size_t i = 0; i < q->n; i++) {
    double r = x[i] - target(q, i);
    f += 0.5 * curvature(q, i) * r * r;
    g[i] = curvature(q, i) * r;
  }
  return f;
}

/* Extended Rosenbrock: sum over pairs of 100 (x2 - x1^2)^2 + (1 - x1)^2, minimum at 1. */
static double rosenbrock_fg(void *ctx, const double *x, double *g) {
  size_t n = *(size_t *)ctx;
  double f = 0;
  for (size_t i = 0; i + 1 < n; i += 2) {
    double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] = -400 * a * x[i] - 2 * b;
    g[i + 1] = 200 * a;
  }
  return f;
}

static void rosenbrock_start(size_t n, double *x) {
  for (size_t i = 0; i < n; i += 2) {
    x[i] = -1.2;
    x[i + 1] = 1;
  }
}

/* The first Adam step moves every coordinate with a nonzero gradient by lr
 * (the bias-corrected ratio is g / |g|), opposite to the gradient. */
static void test_adam_first_step(void **state) {
  (void)state;
  prp_adam a;
  assert_int_equal(prp_adam_init(&a, 3, 0.9, 0.999, 1e-12), 0);
  double x[3] = {1, 2, 3}, g[3] = {5, -0.01, 0};
  prp_adam_step(&a, x, g, 0.1, 0.1);
  assert_true(fabs(x[0] - 0.9) < 1e-9);
  assert_true(fabs(x[1] - 2.1) < 1e-9);
  assert_true(x[2] == 3);
  prp_adam_free(&a);
}

/* Only the group moves when the main rate is zero, and only the rest when the
 * group's rate is zero. */
static void test_adam_group_rate(void **state) {
  (void)state;
  prp_adam a;
  assert_int_equal(prp_adam_init(&a, 5, 0.9, 0.999, 1e-8), 0);
  prp_adam_set_group(&a, 3, 5);
  double x[5] = {0}, g[5] = {1, 1, 1, 1, 1};
  prp_adam_step(&a, x, g, 0, 0.5);
  for (int i = 0; i < 3; i++) assert_true(x[i] == 0);
  for (int i = 3; i < 5; i++) assert_true(fabs(x[i] + 0.5) < 1e-7);
  prp_adam_step(&a, x, g, 0.25, 0);
  for (int i = 0; i < 3; i++) assert_true(x[i] < 0);
  for (int i = 3; i < 5; i++) assert_true(fabs(x[i] + 0.5) < 1e-7);
  prp_adam_free(&a);
}

/* With an exponentially decaying rate, Adam reaches the minimum of a quadratic
 * with condition number 100 to 1e-4 in every coordinate. */
static void test_adam_quadratic(void **state) {
  (void)state;
  quadratic q = {20, 100, 0};
  double x[20] = {0}, g[20];
  prp_adam a;
  assert_int_equal(prp_adam_init(&a, q.n, 0.9, 0.999, 1e-8), 0);
  for (int k = 0; k < 3000; k++) {
    quadratic_fg(&q, x, g);
    prp_adam_step(&a, x, g, 0.05 * pow(1e-3, k / 3000.0), 0.05 * pow(1e-3, k / 3000.0));
  }
  for (size_t i = 0; i < q.n; i++) assert_true(fabs(x[i] - target(&q, i)) < 1e-4);
  prp_adam_free(&a);
}

/* Adam on the Rosenbrock valley from (-1.2, 1): within 1e-3 of (1, 1). */
static void test_adam_rosenbrock(void **state) {
  (void)state;
  size_t n = 2;
  double x[2], g[2];
  rosenbrock_start(n, x);
  prp_adam a;
  assert_int_equal(prp_adam_init(&a, n, 0.9, 0.999, 1e-8), 0);
  for (int k = 0; k < 20000; k++) {
    rosenbrock_fg(&n, x, g);
    double lr = 0.02 * pow(1e-2, k / 20000.0);
    prp_adam_step(&a, x, g, lr, lr);
  }
  assert_true(fabs(x[0] - 1) < 1e-3 && fabs(x[1] - 1) < 1e-3);
  prp_adam_free(&a);
}

static void check_lbfgs_quadratic(prp_line_search ls) {
  quadratic q = {100, 1e3, 0};
  double *x = calloc(q.n, sizeof(double));
  prp_lbfgs_options opt;
  prp_lbfgs_default_options(&opt);
  opt.line_search = ls;
  prp_lbfgs_result r = prp_lbfgs_minimize(q.n, x, quadratic_fg, &q, &opt);
  assert_int_equal(r.status, PRP_LBFGS_CONVERGED_GRAD);
  assert_true(r.grad_inf <= 1e-8);
  assert_true(r.iterations < 500); /* measured: about 320 */
  assert_int_equal(r.evaluations, q.evaluations);
  for (size_t i = 0; i < q.n; i++) assert_true(fabs(x[i] - target(&q, i)) < 1e-8);
  free(x);
}

/* An ill-conditioned quadratic (condition 1e3, 100 unknowns): gradient to 1e-8. */
static void test_lbfgs_quadratic(void **state) {
  (void)state;
  check_lbfgs_quadratic(PRP_LS_STRONG_WOLFE);
  check_lbfgs_quadratic(PRP_LS_ARMIJO);
}

static void check_lbfgs_rosenbrock(size_t n, prp_line_search ls, int max_iterations) {
  double x[10];
  rosenbrock_start(n, x);
  prp_lbfgs_options opt;
  prp_lbfgs_default_options(&opt);
  opt.line_search = ls;
  opt.grad_tol = 1e-10;
  prp_lbfgs_result r = prp_lbfgs_minimize(n, x, rosenbrock_fg, &n, &opt);
  assert_true(r.status == PRP_LBFGS_CONVERGED_GRAD || r.status == PRP_LBFGS_CONVERGED_F);
  assert_true(r.iterations <= max_iterations);
  for (size_t i = 0; i < n; i++) assert_true(fabs(x[i] - 1) < 1e-8);
}

/* Rosenbrock from (-1.2, 1): to 1e-8 of the minimum, in 2 and 10 dimensions. */
static void test_lbfgs_rosenbrock(void **state) {
  (void)state;
  check_lbfgs_rosenbrock(2, PRP_LS_STRONG_WOLFE, 100); /* measured: 39 iterations */
  check_lbfgs_rosenbrock(10, PRP_LS_STRONG_WOLFE, 200);
  check_lbfgs_rosenbrock(2, PRP_LS_ARMIJO, 300);
}

/* NaN beyond x = 2 (e.g. a network blowing up): the line search backs off. */
static double guarded_fg(void *ctx, const double *x, double *g) {
  (void)ctx;
  if (x[0] > 2) {
    g[0] = NAN;
    return NAN;
  }
  g[0] = 2 * (x[0] - 1.5);
  return (x[0] - 1.5) * (x[0] - 1.5);
}

static void test_lbfgs_not_finite(void **state) {
  (void)state;
  prp_lbfgs_options opt;
  prp_lbfgs_default_options(&opt);
  opt.max_step = 100; /* the first trial lands in the NaN region */
  double x[1] = {0};
  prp_lbfgs_result r = prp_lbfgs_minimize(1, x, guarded_fg, NULL, &opt);
  assert_int_equal(r.status, PRP_LBFGS_CONVERGED_GRAD);
  assert_true(fabs(x[0] - 1.5) < 1e-8);
  x[0] = 3; /* starts where f is NaN */
  r = prp_lbfgs_minimize(1, x, guarded_fg, NULL, &opt);
  assert_int_equal(r.status, PRP_LBFGS_NOT_FINITE);
  assert_true(x[0] == 3);
}

static int stop_after_three(void *ctx, int iteration, double f, const double *x,
                            const double *g) {
  (void)f, (void)x, (void)g;
  *(int *)ctx = iteration;
  return iteration >= 3;
}

static void test_lbfgs_progress_stops(void **state) {
  (void)state;
  size_t n = 2;
  double x[2];
  rosenbrock_start(n, x);
  int seen = 0;
  prp_lbfgs_options opt;
  prp_lbfgs_default_options(&opt);
  opt.progress = stop_after_three;
  opt.progress_ctx = &seen;
  prp_lbfgs_result r = prp_lbfgs_minimize(n, x, rosenbrock_fg, &n, &opt);
  assert_int_equal(r.status, PRP_LBFGS_STOPPED);
  assert_int_equal(r.iterations, 3);
  assert_int_equal(seen, 3);
  assert_string_equal(prp_lbfgs_status_name(r.status), "stopped");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_adam_first_step),     cmocka_unit_test(test_adam_group_rate),
      cmocka_unit_test(test_adam_quadratic),      cmocka_unit_test(test_adam_rosenbrock),
      cmocka_unit_test(test_lbfgs_quadratic),     cmocka_unit_test(test_lbfgs_rosenbrock),
      cmocka_unit_test(test_lbfgs_not_finite),    cmocka_unit_test(test_lbfgs_progress_stops),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
