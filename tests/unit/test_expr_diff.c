/* Unit tests of symbolic differentiation (compiler/symbolic/diff.c): each rule gives the
 * textbook form, conventions at kinks and ties, and results are simplified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "expr.h"

typedef struct {
  prp_dag *dag;
  prp_node x, y, p, u_x;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->dag = prp_dag_new();
  f->x = prp_var(f->dag, PRP_VAR_COORD, 0, "x");
  f->y = prp_var(f->dag, PRP_VAR_COORD, 1, "y");
  f->p = prp_var(f->dag, PRP_VAR_UNKNOWN, 0, "p");
  prp_jet jet = {.order = {1}};
  f->u_x = prp_jet_var(f->dag, &jet, "u_x");
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  prp_dag_free(f->dag);
  free(f);
  return 0;
}

static prp_node c(prp_dag *dag, double v) { return prp_const(dag, v); }

static void test_textbook_rules(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  prp_node x = f->x;
  assert_int_equal(prp_diff(d, prp_powc(d, x, 3), x), prp_mul(d, c(d, 3), prp_powc(d, x, 2)));
  assert_int_equal(prp_diff(d, prp_sin(d, x), x), prp_cos(d, x));
  assert_int_equal(prp_diff(d, prp_cos(d, x), x), prp_neg(d, prp_sin(d, x)));
  prp_node e2x = prp_exp(d, prp_mul(d, c(d, 2), x));
  assert_int_equal(prp_diff(d, e2x, x), prp_mul(d, c(d, 2), e2x));
  assert_int_equal(prp_diff(d, prp_log(d, x), x), prp_div(d, c(d, 1), x));
  prp_node th = prp_tanh(d, x);
  assert_int_equal(prp_diff(d, th, x), prp_sub(d, c(d, 1), prp_powc(d, th, 2)));
  assert_int_equal(prp_diff(d, prp_sqrt(d, x), x), prp_div(d, c(d, 0.5), prp_sqrt(d, x)));
  assert_int_equal(prp_diff(d, prp_abs(d, x), x), prp_sign(d, x));
  assert_int_equal(prp_diff(d, prp_sign(d, x), x), c(d, 0));
  /* variable exponent: d/dp x^p = x^p log(x); d/dx x^p = p x^(p-1) */
  prp_node xp = prp_pow(d, x, f->p);
  assert_int_equal(prp_diff(d, xp, f->p), prp_mul(d, xp, prp_log(d, x)));
  assert_int_equal(prp_diff(d, xp, x), prp_mul(d, f->p, prp_pow(d, x, prp_sub(d, f->p, c(d, 1)))));
  /* product and quotient rules, simplified */
  assert_int_equal(prp_diff(d, prp_mul(d, x, f->y), x), f->y);
  assert_int_equal(prp_diff(d, prp_div(d, c(d, 1), x), x), prp_neg(d, prp_powc(d, x, -2)));
  /* constants, other variables, and a variable with respect to itself */
  assert_int_equal(prp_diff(d, c(d, 3), x), c(d, 0));
  assert_int_equal(prp_diff(d, f->y, x), c(d, 0));
  assert_int_equal(prp_diff(d, x, x), c(d, 1));
}

static void test_jets_and_unknowns(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  /* residual-like: u_x * v(x) - p * exp(-x^2); d/du_x = v, d/dp = -exp(-x^2) */
  prp_node v = prp_cos(d, f->x);
  prp_node g = prp_exp(d, prp_neg(d, prp_powc(d, f->x, 2)));
  prp_node r = prp_sub(d, prp_mul(d, f->u_x, v), prp_mul(d, f->p, g));
  assert_int_equal(prp_diff(d, r, f->u_x), v);
  assert_int_equal(prp_diff(d, r, f->p), prp_neg(d, g));
  /* second derivatives by repeated differentiation */
  assert_int_equal(prp_diff(d, prp_diff(d, r, f->p), f->p), c(d, 0));
}

static void test_kinks_and_ties(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  double xv[2] = {0.0, 0.0};
  prp_env env = {.coord = xv, .n_coord = 2};
  /* abs'(0) = 0 */
  assert_true(prp_eval(d, prp_diff(d, prp_abs(d, f->x), f->x), &env) == 0.0);
  /* min(3x, y) and max(3x, y) at the tie x = y = 0: the mean of the slopes */
  prp_node m = prp_min(d, prp_mul(d, c(d, 3), f->x), f->y);
  prp_node M = prp_max(d, prp_mul(d, c(d, 3), f->x), f->y);
  assert_true(prp_eval(d, prp_diff(d, m, f->x), &env) == 1.5);
  assert_true(prp_eval(d, prp_diff(d, M, f->y), &env) == 0.5);
  /* away from the tie: the slope of the selected operand */
  xv[0] = -1.0;
  assert_true(prp_eval(d, prp_diff(d, m, f->x), &env) == 3.0);
  assert_true(prp_eval(d, prp_diff(d, m, f->y), &env) == 0.0);
  assert_true(prp_eval(d, prp_diff(d, M, f->x), &env) == 0.0);
  assert_true(prp_eval(d, prp_diff(d, M, f->y), &env) == 1.0);
}

static void test_results_are_shared(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  /* a 30-deep chain of tanh: the derivative is a product of 30 factors that
   * reuse the chain; differentiating twice reuses everything */
  prp_node e = f->x;
  for (int i = 0; i < 30; i++)
    e = prp_tanh(d, prp_add(d, e, f->p));
  uint32_t before = prp_dag_size(d);
  prp_node de = prp_diff(d, e, f->x);
  uint32_t grown = prp_dag_size(d) - before;
  assert_true(grown < 30 * 8);
  assert_int_equal(prp_diff(d, e, f->x), de);
  assert_int_equal(prp_dag_size(d) - before, grown);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_textbook_rules, setup, teardown),
      cmocka_unit_test_setup_teardown(test_jets_and_unknowns, setup, teardown),
      cmocka_unit_test_setup_teardown(test_kinks_and_ties, setup, teardown),
      cmocka_unit_test_setup_teardown(test_results_are_shared, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
