/* Unit tests of the expression DAG (compiler/symbolic/expr.c, expr_print.c, interp.c):
 * canonical forms, hash-consing, -0.0 and NaN, sharing, substitution, printing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

typedef struct {
  prp_dag *dag;
  prp_node x, y, z, p;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->dag = prp_dag_new();
  f->x = prp_var(f->dag, PRP_VAR_COORD, 0, "x");
  f->y = prp_var(f->dag, PRP_VAR_COORD, 1, "y");
  f->z = prp_var(f->dag, PRP_VAR_COORD, 2, "z");
  f->p = prp_var(f->dag, PRP_VAR_UNKNOWN, 0, "p");
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  prp_dag_free(f->dag);
  free(f);
  return 0;
}

static void assert_prints(const prp_dag *dag, prp_node n, const char *expected) {
  char *text = prp_expr_to_string(dag, n);
  assert_string_equal(text, expected);
  free(text);
}

static prp_node c(prp_dag *dag, double v) { return prp_const(dag, v); }

static void test_identities_dropped(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  assert_int_equal(prp_add(d, f->x, c(d, 0)), f->x);
  assert_int_equal(prp_mul(d, f->x, c(d, 1)), f->x);
  assert_int_equal(prp_mul(d, c(d, 0), f->x), c(d, 0));
  assert_int_equal(prp_powc(d, f->x, 1), f->x);
  assert_int_equal(prp_powc(d, f->x, 0), c(d, 1));
  assert_int_equal(prp_pow(d, c(d, 1), f->x), c(d, 1));
  assert_int_equal(prp_sub(d, f->x, f->x), c(d, 0));
  assert_int_equal(prp_div(d, f->x, f->x), c(d, 1));
}

static void test_constants_folded(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  assert_int_equal(prp_add(d, c(d, 2), c(d, 3)), c(d, 5));
  assert_int_equal(prp_mul(d, c(d, 2), c(d, 3)), c(d, 6));
  assert_int_equal(prp_powc(d, c(d, 2), 10), c(d, 1024));
  assert_int_equal(prp_exp(d, c(d, 0)), c(d, 1));
  assert_int_equal(prp_min(d, c(d, 2), c(d, -3)), c(d, -3));
  assert_int_equal(prp_max(d, c(d, 2), c(d, -3)), c(d, 2));
  assert_int_equal(prp_sign(d, c(d, -7)), c(d, -1));
  assert_int_equal(prp_abs(d, c(d, -7)), c(d, 7));
  /* constants inside a sum are gathered: (x + 2) + 3 = x + 5 */
  assert_int_equal(prp_add(d, prp_add(d, f->x, c(d, 2)), c(d, 3)), prp_add(d, f->x, c(d, 5)));
  assert_int_equal(prp_mul(d, prp_mul(d, f->x, c(d, 2)), c(d, 3)), prp_mul(d, c(d, 6), f->x));
}

static void test_like_terms_collected(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  assert_int_equal(prp_add(d, f->x, f->x), prp_mul(d, c(d, 2), f->x));
  assert_int_equal(prp_mul(d, f->x, f->x), prp_powc(d, f->x, 2));
  /* (a - b) + b = a with compound a and b */
  prp_node a = prp_sin(d, prp_mul(d, f->x, f->y));
  prp_node b = prp_exp(d, prp_add(d, f->z, c(d, 1)));
  assert_int_equal(prp_add(d, prp_sub(d, a, b), b), a);
  /* x^2 * x^-3 = x^-1 = 1/x;  x^a * x^b = x^(a+b) */
  assert_int_equal(prp_mul(d, prp_powc(d, f->x, 2), prp_powc(d, f->x, -3)), prp_div(d, c(d, 1), f->x));
  assert_int_equal(prp_mul(d, prp_pow(d, f->x, f->p), prp_pow(d, f->x, f->y)),
                   prp_pow(d, f->x, prp_add(d, f->p, f->y)));
  /* 2*(x + y) - 2*x = 2*y thanks to distribution of numeric factors */
  prp_node twice = prp_mul(d, c(d, 2), prp_add(d, f->x, f->y));
  assert_int_equal(prp_sub(d, twice, prp_mul(d, c(d, 2), f->x)), prp_mul(d, c(d, 2), f->y));
  /* (x*y)^2 = x^2*y^2 and (x^2)^3 = x^6 */
  assert_int_equal(prp_powc(d, prp_mul(d, f->x, f->y), 2),
                   prp_mul(d, prp_powc(d, f->x, 2), prp_powc(d, f->y, 2)));
  assert_int_equal(prp_powc(d, prp_powc(d, f->x, 2), 3), prp_powc(d, f->x, 6));
  assert_int_equal(prp_log(d, prp_exp(d, f->x)), f->x);
}

static void test_commutative_operands_ordered(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  prp_node s = prp_sin(d, f->z);
  assert_int_equal(prp_add(d, f->x, s), prp_add(d, s, f->x));
  assert_int_equal(prp_mul(d, f->y, s), prp_mul(d, s, f->y));
  assert_int_equal(prp_min(d, f->y, s), prp_min(d, s, f->y));
  assert_int_equal(prp_max(d, f->x, f->p), prp_max(d, f->p, f->x));
  assert_int_equal(prp_min(d, f->x, f->x), f->x);
  prp_node abc[3] = {f->x, f->y, f->z}, cba[3] = {f->z, f->y, f->x};
  assert_int_equal(prp_add_n(d, abc, 3), prp_add_n(d, cba, 3));
  assert_int_equal(prp_mul_n(d, abc, 3), prp_mul_n(d, cba, 3));
  /* flattened: (x + y) + z is one 3-ary sum */
  prp_node sum = prp_add(d, prp_add(d, f->x, f->y), f->z);
  assert_int_equal(prp_node_kind(d, sum), PRP_ADD);
  assert_int_equal(prp_node_arity(d, sum), 3);
  assert_int_equal(sum, prp_add(d, f->x, prp_add(d, f->z, f->y)));
  /* the n-ary builders with 0 and 1 operands */
  assert_int_equal(prp_add_n(d, NULL, 0), c(d, 0));
  assert_int_equal(prp_mul_n(d, NULL, 0), c(d, 1));
  assert_int_equal(prp_add_n(d, abc, 1), f->x);
}

static void test_negative_zero_and_nan(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  prp_node zero = c(d, 0.0), minus_zero = c(d, -0.0);
  assert_int_equal(zero, minus_zero);
  assert_false(signbit(prp_node_value(d, minus_zero)));
  assert_int_equal(prp_add(d, f->x, minus_zero), f->x);
  /* every NaN is one node, distinct from every number; NaN * 0 stays NaN */
  uint64_t bits = 0x7ff0000000000123ull;   /* a signalling NaN with a payload */
  double other_nan;
  memcpy(&other_nan, &bits, sizeof other_nan);
  prp_node nan1 = c(d, NAN), nan2 = c(d, -NAN), nan3 = c(d, other_nan);
  assert_int_equal(nan1, nan2);
  assert_int_equal(nan1, nan3);
  assert_int_not_equal(nan1, zero);
  assert_true(isnan(prp_node_value(d, prp_mul(d, nan1, zero))));
  assert_true(isnan(prp_node_value(d, prp_log(d, c(d, -1)))));
  assert_int_equal(prp_log(d, c(d, -1)), nan1);
  /* x + NaN keeps the NaN: it evaluates to NaN */
  double xv = 1.0;
  prp_env env = {.coord = &xv, .n_coord = 1};
  assert_true(isnan(prp_eval(d, prp_add(d, f->x, nan1), &env)));
  /* distinct numbers stay distinct, even very close ones */
  assert_int_not_equal(c(d, 1.0), c(d, nextafter(1.0, 2.0)));
}

static void test_operands_precede_users(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  prp_node e = prp_tanh(d, prp_add(d, prp_mul(d, f->x, f->y), prp_pow(d, f->z, f->p)));
  e = prp_min(d, e, prp_div(d, prp_sqrt(d, prp_abs(d, f->x)), prp_cos(d, f->y)));
  for (prp_node n = 0; n < prp_dag_size(d); n++)
    for (uint32_t i = 0; i < prp_node_arity(d, n); i++)
      assert_true(prp_node_operand(d, n, i) < n);
}

static void test_variables(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  assert_int_equal(prp_var(d, PRP_VAR_COORD, 0, "other name"), f->x);
  assert_int_not_equal(prp_var(d, PRP_VAR_UNKNOWN, 1, "q"), f->p);
  const prp_var_info *v = prp_node_var(d, f->p);
  assert_int_equal(v->kind, PRP_VAR_UNKNOWN);
  assert_int_equal(v->index, 0);
  assert_string_equal(v->name, "p");
  prp_jet j_xx = {.order = {2, 0, 0, 0}}, lap = {.lap_mask = 3}, u = {0};
  prp_node n_xx = prp_jet_var(d, &j_xx, NULL);
  prp_node n_lap = prp_jet_var(d, &lap, NULL);
  prp_node n_u = prp_jet_var(d, &u, "u");
  assert_int_equal(prp_jet_var(d, &j_xx, NULL), n_xx);
  assert_int_equal(prp_dag_jet_count(d), 3);
  assert_int_equal(prp_node_var(d, n_xx)->index, 0);
  assert_int_equal(prp_node_var(d, n_lap)->index, 1);
  assert_int_equal(prp_dag_jet_node(d, 2), n_u);
  assert_string_equal(prp_node_var(d, n_xx)->name, "u_xx");
  assert_string_equal(prp_node_var(d, n_lap)->name, "lap_u");
  assert_true(prp_jet_equal(&prp_node_var(d, n_lap)->jet, &lap));
  assert_int_equal(prp_jet_total_order(&lap), 2);
  char buf[32];
  const char *names[3] = {"r", "s", "t"};
  prp_jet mixed = {.order = {1, 0, 2, 0}};
  assert_string_equal(prp_jet_format(&mixed, "w", names, 3, buf, sizeof buf), "w_rtt");
  assert_string_equal(prp_node_var(d, prp_var(d, PRP_VAR_SCALAR, 4, NULL))->name, "scalar4");
}

static void test_printer(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  prp_node x = f->x, y = f->y;
  assert_prints(d, prp_sub(d, x, y), "x - y");
  assert_prints(d, prp_neg(d, x), "-x");
  assert_prints(d, prp_div(d, x, y), "x/y");
  assert_prints(d, prp_div(d, c(d, 1), prp_powc(d, x, 2)), "1/x^2");
  assert_prints(d, prp_sub(d, c(d, 1), x), "1 - x");
  assert_prints(d, prp_sub(d, c(d, -1), x), "-x - 1");
  assert_prints(d, prp_add(d, prp_powc(d, x, 2), c(d, -0.5)), "x^2 - 0.5");
  assert_prints(d, prp_mul(d, c(d, 3), prp_add(d, x, prp_exp(d, y))), "3*x + 3*exp(y)");
  assert_prints(d, prp_mul(d, prp_add(d, x, c(d, 1)), prp_sub(d, y, c(d, 2))), "(x + 1)*(y - 2)");
  assert_prints(d, prp_powc(d, prp_add(d, x, y), 0.5), "(x + y)^0.5");
  assert_prints(d, prp_pow(d, x, prp_neg(d, y)), "x^(-y)");
  assert_prints(d, prp_div(d, x, prp_mul(d, y, prp_sin(d, x))), "x/(y*sin(x))");
  assert_prints(d, prp_min(d, x, prp_sub(d, y, c(d, 0.1))), "min(x, y - 0.1)");
  assert_prints(d, prp_sub(d, x, prp_mul(d, c(d, 2), prp_div(d, y, f->z))), "x - 2*y/z");
  assert_prints(d, c(d, -2.5), "-2.5");
  assert_prints(d, c(d, 0.1), "0.1");
  assert_prints(d, c(d, 1250), "1250");
  assert_prints(d, c(d, 1e-7), "1e-07");
  assert_prints(d, c(d, 1e20), "1e+20");
  char *text = prp_expr_to_string(d, c(d, 1.0 / 3.0));
  assert_true(strtod(text, NULL) == 1.0 / 3.0);
  free(text);
}

static void test_sharing_keeps_size_small(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  /* 2^40 leaves as a tree; about 3 nodes per level as a DAG */
  prp_node e = f->x;
  for (int i = 0; i < 40; i++)
    e = prp_add(d, prp_sin(d, e), prp_cos(d, e));
  uint32_t before = prp_dag_size(d);
  assert_true(before < 200);
  /* its derivative shares the chain instead of copying it */
  prp_node de = prp_diff(d, e, f->x);
  assert_true(prp_dag_size(d) - before < 40 * 12);
  bool *mark = calloc(prp_dag_size(d), sizeof *mark);
  uint32_t reachable = prp_dag_mark_reachable(d, &de, 1, mark);
  assert_true(reachable < 40 * 12);
  assert_true(mark[e] || mark[f->x]);
  free(mark);
  /* building the same big expression again creates nothing */
  prp_node again = f->x;
  for (int i = 0; i < 40; i++)
    again = prp_add(d, prp_sin(d, again), prp_cos(d, again));
  uint32_t after = prp_dag_size(d);
  assert_int_equal(again, e);
  assert_int_equal(prp_dag_size(d), after);
}

static void test_subst_and_depends(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  prp_node e = prp_add(d, prp_mul(d, f->x, f->y), prp_sin(d, f->x));
  assert_true(prp_depends_on(d, e, f->x));
  assert_false(prp_depends_on(d, e, f->z));
  prp_node from[1] = {f->x}, to[1] = {c(d, 0)};
  assert_int_equal(prp_subst(d, e, from, to, 1), c(d, 0));
  prp_node to_y[1] = {f->y};
  assert_int_equal(prp_subst(d, e, from, to_y, 1), prp_add(d, prp_powc(d, f->y, 2), prp_sin(d, f->y)));
}

static void test_eval_shared_and_env_checked(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  double coord[3] = {0.5, -1.25, 2.0}, unknown[1] = {3.0};
  prp_env env = {.coord = coord, .n_coord = 3, .unknown = unknown, .n_unknown = 1};
  prp_node roots[3] = {prp_sub(d, f->x, f->y), prp_pow(d, f->z, f->p), prp_max(d, f->x, f->y)};
  double out[3];
  prp_eval_n(d, roots, 3, &env, out);
  assert_true(out[0] == 1.75);
  assert_true(out[1] == 8.0);
  assert_true(out[2] == 0.5);
  assert_true(prp_eval(d, prp_sign(d, prp_sub(d, f->x, f->x)), &env) == 0.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_identities_dropped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_constants_folded, setup, teardown),
      cmocka_unit_test_setup_teardown(test_like_terms_collected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_commutative_operands_ordered, setup, teardown),
      cmocka_unit_test_setup_teardown(test_negative_zero_and_nan, setup, teardown),
      cmocka_unit_test_setup_teardown(test_operands_precede_users, setup, teardown),
      cmocka_unit_test_setup_teardown(test_variables, setup, teardown),
      cmocka_unit_test_setup_teardown(test_printer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sharing_keeps_size_small, setup, teardown),
      cmocka_unit_test_setup_teardown(test_subst_and_depends, setup, teardown),
      cmocka_unit_test_setup_teardown(test_eval_shared_and_env_checked, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
