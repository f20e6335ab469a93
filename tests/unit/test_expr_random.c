/* Property tests of the symbolic core on seeded random expressions: canonical DAG
 * values equal a naive tree evaluation, prp_diff agrees with central finite
 * differences, and equal expressions built in any operand order are one node. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "rng.h"

enum { N_EXPRESSIONS = 1200, N_POINTS = 3, MAX_DEPTH = 4, N_VARS = 5, MAX_TREE = 4096 };

/* The test's own expression tree, evaluated naively (no sharing, no simplification). */
typedef enum {
  T_CONST, T_VAR, T_ADD, T_SUB, T_MUL, T_DIV, T_NEG, T_POWC, T_POW, T_EXP, T_LOG,
  T_SIN, T_COS, T_TANH, T_SQRT, T_ABS, T_SIGN, T_MIN, T_MAX
} tree_op;

typedef struct {
  tree_op op;
  int a, b;      /* children (tree indices) */
  double value;  /* T_CONST: the value; T_POWC: the exponent; T_VAR: the variable */
} tree_node;

typedef struct {
  tree_node nodes[MAX_TREE];
  int n;
  prp_rng rng;
} tree;

static int add_node(tree *t, tree_op op, int a, int b, double value) {
  assert_true(t->n < MAX_TREE);
  t->nodes[t->n] = (tree_node){op, a, b, value};
  return t->n++;
}

static double uniform(tree *t, double lo, double hi) { return lo + (hi - lo) * prp_rng_uniform(&t->rng); }
static int pick(tree *t, int n) { return (int)prp_rng_below(&t->rng, (uint64_t)n); }

static int gen(tree *t, int depth);

static int leaf(tree *t) {
  static const double special[] = {0.0, 1.0, -1.0, 2.0, 0.5, -0.0};
  if (pick(t, 10) < 7)
    return add_node(t, T_VAR, -1, -1, pick(t, N_VARS));
  if (pick(t, 2))
    return add_node(t, T_CONST, -1, -1, special[pick(t, 6)]);
  return add_node(t, T_CONST, -1, -1, round(uniform(t, -3, 3) * 8) / 8);
}

/* A subexpression bounded in [-1, 1]: keeps exp() and exponents tame. */
static int bounded(tree *t, int depth) {
  static const tree_op ops[] = {T_SIN, T_COS, T_TANH};
  return add_node(t, ops[pick(t, 3)], gen(t, depth), -1, 0);
}

/* A subexpression >= 0.5, for log, sqrt, division and fractional powers. */
static int positive(tree *t, int depth) {
  int g = gen(t, depth);
  switch (pick(t, 5)) {
  case 0: return add_node(t, T_ADD, add_node(t, T_CONST, -1, -1, 1.5), add_node(t, T_SIN, g, -1, 0), 0);
  case 1: return add_node(t, T_ADD, add_node(t, T_CONST, -1, -1, 1.0), add_node(t, T_POWC, g, -1, 2), 0);
  case 2: return add_node(t, T_EXP, add_node(t, T_TANH, g, -1, 0), -1, 0);
  case 3: return add_node(t, T_ADD, add_node(t, T_ABS, g, -1, 0), add_node(t, T_CONST, -1, -1, 0.5), 0);
  default: return add_node(t, T_SUB, add_node(t, T_CONST, -1, -1, 2.0), add_node(t, T_COS, g, -1, 0), 0);
  }
}

/* Every operator the DAG knows, with arguments kept inside their domains. */
static int gen(tree *t, int depth) {
  static const double fractional[] = {-1.0, -2.0, 0.5, -0.5, 1.5, 3.0};
  if (depth == 0 || pick(t, 5) == 0)
    return leaf(t);
  int d = depth - 1;
  switch (pick(t, 17)) {
  case 0: return add_node(t, T_ADD, gen(t, d), gen(t, d), 0);
  case 1: return add_node(t, T_SUB, gen(t, d), gen(t, d), 0);
  case 2: return add_node(t, T_MUL, gen(t, d), gen(t, d), 0);
  case 3: return add_node(t, T_DIV, gen(t, d), positive(t, d), 0);
  case 4: return add_node(t, T_NEG, gen(t, d), -1, 0);
  case 5: return add_node(t, T_POWC, gen(t, d), -1, pick(t, 2) ? 2.0 : 3.0);
  case 6: return add_node(t, T_POWC, positive(t, d), -1, fractional[pick(t, 6)]);
  case 7: return add_node(t, T_POW, positive(t, d), bounded(t, d), 0);
  case 8: return add_node(t, T_EXP, bounded(t, d), -1, 0);
  case 9: return add_node(t, T_LOG, positive(t, d), -1, 0);
  case 10: return add_node(t, T_SIN, gen(t, d), -1, 0);
  case 11: return add_node(t, T_COS, gen(t, d), -1, 0);
  case 12: return add_node(t, T_TANH, gen(t, d), -1, 0);
  case 13: return add_node(t, T_SQRT, positive(t, d), -1, 0);
  case 14: return add_node(t, pick(t, 2) ? T_ABS : T_SIGN, gen(t, d), -1, 0);
  case 15: return add_node(t, T_MIN, gen(t, d), gen(t, d), 0);
  default: return add_node(t, T_MAX, gen(t, d), gen(t, d), 0);
  }
}

static double naive_min(double a, double b) { return isnan(a) || isnan(b) ? NAN : a < b ? a : b; }
static double naive_max(double a, double b) { return isnan(a) || isnan(b) ? NAN : a > b ? a : b; }

/* Naive recursive evaluation; *largest collects the largest |value| met, to scale
 * the rounding tolerance of the comparison with the DAG. */
static double eval_tree(const tree *t, int i, const double *vars, double *largest) {
  const tree_node *n = &t->nodes[i];
  double a = n->a >= 0 ? eval_tree(t, n->a, vars, largest) : 0;
  double b = n->b >= 0 ? eval_tree(t, n->b, vars, largest) : 0;
  double v;
  switch (n->op) {
  case T_CONST: v = n->value; break;
  case T_VAR: v = vars[(int)n->value]; break;
  case T_ADD: v = a + b; break;
  case T_SUB: v = a - b; break;
  case T_MUL: v = a * b; break;
  case T_DIV: v = a / b; break;
  case T_NEG: v = -a; break;
  case T_POWC: v = pow(a, n->value); break;
  case T_POW: v = pow(a, b); break;
  case T_EXP: v = exp(a); break;
  case T_LOG: v = log(a); break;
  case T_SIN: v = sin(a); break;
  case T_COS: v = cos(a); break;
  case T_TANH: v = tanh(a); break;
  case T_SQRT: v = sqrt(a); break;
  case T_ABS: v = fabs(a); break;
  case T_SIGN: v = (a > 0) - (a < 0); break;
  case T_MIN: v = naive_min(a, b); break;
  default: v = naive_max(a, b); break;
  }
  if (largest && fabs(v) > *largest)
    *largest = fabs(v);
  return v;
}

/* The variables: one of each kind, so every kind goes through the DAG. */
static void make_vars(prp_dag *dag, prp_node *vars) {
  prp_jet jet = {.order = {2, 0, 0, 0}};
  vars[0] = prp_var(dag, PRP_VAR_COORD, 0, "x");
  vars[1] = prp_var(dag, PRP_VAR_UNKNOWN, 0, "p");
  vars[2] = prp_jet_var(dag, &jet, "u_xx");
  vars[3] = prp_var(dag, PRP_VAR_SCALAR, 0, "eps");
  vars[4] = prp_var(dag, PRP_VAR_POINTDATA, 0, "w");
}

static prp_env env_of(const double *values) {
  return (prp_env){.coord = &values[0], .n_coord = 1, .unknown = &values[1], .n_unknown = 1,
                   .jet = &values[2], .n_jet = 1, .scalar = &values[3], .n_scalar = 1,
                   .pointdata = &values[4], .n_pointdata = 1};
}

/* Builds tree node i into the DAG; mirrored swaps the operands of + * min max. */
static prp_node build(prp_dag *dag, const tree *t, int i, const prp_node *vars, bool mirrored) {
  const tree_node *n = &t->nodes[i];
  prp_node a = PRP_NODE_NONE, b = PRP_NODE_NONE;
  if (mirrored && n->b >= 0)   /* the other construction order too */
    b = build(dag, t, n->b, vars, mirrored);
  if (n->a >= 0)
    a = build(dag, t, n->a, vars, mirrored);
  if (!mirrored && n->b >= 0)
    b = build(dag, t, n->b, vars, mirrored);
  bool swap = mirrored && b != PRP_NODE_NONE;
  prp_node l = swap ? b : a, r = swap ? a : b;
  switch (n->op) {
  case T_CONST: return prp_const(dag, n->value);
  case T_VAR: return vars[(int)n->value];
  case T_ADD: return prp_add(dag, l, r);
  case T_SUB: return prp_sub(dag, a, b);
  case T_MUL: return prp_mul(dag, l, r);
  case T_DIV: return prp_div(dag, a, b);
  case T_NEG: return prp_neg(dag, a);
  case T_POWC: return prp_powc(dag, a, n->value);
  case T_POW: return prp_pow(dag, a, b);
  case T_EXP: return prp_exp(dag, a);
  case T_LOG: return prp_log(dag, a);
  case T_SIN: return prp_sin(dag, a);
  case T_COS: return prp_cos(dag, a);
  case T_TANH: return prp_tanh(dag, a);
  case T_SQRT: return prp_sqrt(dag, a);
  case T_ABS: return prp_abs(dag, a);
  case T_SIGN: return prp_sign(dag, a);
  case T_MIN: return prp_min(dag, l, r);
  default: return prp_max(dag, l, r);
  }
}

static void random_point(tree *t, double *values) {
  for (int v = 0; v < N_VARS; v++)
    values[v] = uniform(t, -1.5, 1.5);
}

/* Canonicalisation never changes a value: the DAG and the naive tree agree up to
 * rounding (reassociation), scaled by the largest intermediate value. */
static void test_simplification_keeps_values(void **state) {
  (void)state;
  tree *t = calloc(1, sizeof *t);
  prp_rng_seed(&t->rng, 20261127);
  unsigned kinds_seen[PRP_KIND_COUNT] = {0};
  for (int e = 0; e < N_EXPRESSIONS; e++) {
    t->n = 0;
    int root = gen(t, MAX_DEPTH);
    prp_dag *dag = prp_dag_new();
    prp_node vars[N_VARS];
    make_vars(dag, vars);
    prp_node f = build(dag, t, root, vars, false);
    for (prp_node n = 0; n < prp_dag_size(dag); n++)
      kinds_seen[prp_node_kind(dag, n)]++;
    for (int p = 0; p < N_POINTS; p++) {
      double values[N_VARS], largest = 1.0;
      random_point(t, values);
      prp_env env = env_of(values);
      double expected = eval_tree(t, root, values, &largest);
      double got = prp_eval(dag, f, &env);
      double tol = 1e-11 * largest;
      if (!(fabs(got - expected) <= tol)) {
        char *text = prp_expr_to_string(dag, f);
        print_error("expression %d point %d: dag %.17g tree %.17g\n  %s\n", e, p, got, expected, text);
        free(text);
        fail();
      }
    }
    prp_dag_free(dag);
  }
  for (int k = 0; k < PRP_KIND_COUNT; k++)
    if (!kinds_seen[k])
      fail_msg("kind %s never generated", prp_kind_name((prp_kind)k));
  free(t);
}

/* A finite-difference estimate of d tree / d var_v at values, by central
 * differences at steps h and h/2. Truncation error is O(h^2) (h = 1e-4: ~1e-8
 * times the third derivative), roundoff about eps*|f|/h (~1e-12 |f|). The two
 * estimates differ by ~3/4 of the truncation error of the coarse one, which
 * gives the tolerance its data-dependent part (it also opens up near a kink
 * of abs, sign, min or max, where no finite difference is meaningful). */
static double finite_difference(const tree *t, int root, double *values, int v, double *error_estimate,
                                double *largest) {
  const double h = 1e-4;
  double x0 = values[v], d[2];
  for (int k = 0; k < 2; k++) {
    double step = h / (1 << k);
    values[v] = x0 + step;
    double up = eval_tree(t, root, values, largest);
    values[v] = x0 - step;
    double down = eval_tree(t, root, values, largest);
    d[k] = (up - down) / (2 * step);
  }
  values[v] = x0;
  *error_estimate = fabs(d[0] - d[1]);
  return d[1];
}

static void test_derivatives_match_finite_differences(void **state) {
  (void)state;
  tree *t = calloc(1, sizeof *t);
  prp_rng_seed(&t->rng, 42);
  int checked = 0, tight = 0;
  for (int e = 0; e < N_EXPRESSIONS; e++) {
    t->n = 0;
    int root = gen(t, MAX_DEPTH);
    prp_dag *dag = prp_dag_new();
    prp_node vars[N_VARS];
    make_vars(dag, vars);
    prp_node f = build(dag, t, root, vars, false);
    prp_node df[N_VARS];
    for (int v = 0; v < N_VARS; v++)
      df[v] = prp_diff(dag, f, vars[v]);
    for (int p = 0; p < N_POINTS; p++) {
      double values[N_VARS], got[N_VARS];
      random_point(t, values);
      prp_env env = env_of(values);
      prp_eval_n(dag, df, N_VARS, &env, got);
      for (int v = 0; v < N_VARS; v++) {
        double estimate, largest = 1.0;
        double fd = finite_difference(t, root, values, v, &estimate, &largest);
        double tol = 1e-6 * (1 + fabs(fd)) + 4 * estimate + 1e-10 * largest;
        checked++;
        tight += tol < 1e-4 * (1 + fabs(fd));
        if (!(fabs(got[v] - fd) <= tol)) {
          char *text = prp_expr_to_string(dag, f), *dtext = prp_expr_to_string(dag, df[v]);
          print_error("expression %d var %d: d = %.17g, fd = %.17g (tol %g)\n  f = %s\n  df = %s\n", e, v,
                      got[v], fd, tol, text, dtext);
          free(text);
          free(dtext);
          fail();
        }
      }
    }
    prp_dag_free(dag);
  }
  /* the adaptive part of the tolerance must not make the test vacuous */
  assert_true(tight > checked * 95 / 100);
  free(t);
}

/* Structurally equal expressions are one node, whatever the operand order. */
static void test_equal_expressions_are_one_node(void **state) {
  (void)state;
  tree *t = calloc(1, sizeof *t);
  prp_rng_seed(&t->rng, 7);
  prp_dag *dag = prp_dag_new();
  prp_node vars[N_VARS];
  make_vars(dag, vars);
  for (int e = 0; e < N_EXPRESSIONS; e++) {
    t->n = 0;
    int root = gen(t, MAX_DEPTH);
    prp_node first = build(dag, t, root, vars, false);
    uint32_t size = prp_dag_size(dag);
    assert_int_equal(build(dag, t, root, vars, false), first);
    assert_int_equal(prp_dag_size(dag), size);
    assert_int_equal(build(dag, t, root, vars, true), first);
  }
  /* the invariant code generation relies on: operands before users */
  for (prp_node n = 0; n < prp_dag_size(dag); n++)
    for (uint32_t i = 0; i < prp_node_arity(dag, n); i++)
      assert_true(prp_node_operand(dag, n, i) < n);
  prp_dag_free(dag);
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_simplification_keeps_values),
      cmocka_unit_test(test_derivatives_match_finite_differences),
      cmocka_unit_test(test_equal_expressions_are_one_node),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
