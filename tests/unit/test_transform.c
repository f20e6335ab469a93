/* Tests of the output transform of hard conditions (compiler/symbolic/transform.c):
 * the jets of u = g + m N, expanded by the Leibniz rule in the jets of N, agree
 * with central differences of u computed directly; hard conditions vanish
 * identically; disagreeing right sides are detected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "lower.h"
#include "parse.h"
#include "residual.h"
#include "transform.h"

static const char text[] =
  "problem p\nspace x in [0, 2], y in [-1, 1]\ntime t in [0, 4]\nfield u(x, y, t)\n"
  "pde dt(u) - lap(u) = 0\ninitial u = 0 hard\nboundary u = 0 on x = 0, y = 1 hard\n"
  "sensors from \"/dev/null\"\n";

static ast_program *load(const char *src) {
  prp_diag diag;
  FILE *sink = fopen("/dev/null", "w");
  prp_diag_init(&diag, sink, 0);
  ast_program *prog = prp_parse_string("t.prp", src, strlen(src), &diag);
  prp_check(prog, &diag);   /* /dev/null is not a regular file: one error, the rest is checked */
  assert_int_equal(diag.errors, 1);
  prog->checked = 1;
  fclose(sink);
  return prog;
}

/* The network output N and its derivatives, analytically. */
static double N(const double *c) { return sin(c[0] + 2 * c[1]) * exp(0.3 * c[2]) + c[0] * c[1] * c[2]; }

/* u = m N with m = t/4 * x/2 * (1 - y)/2, as the transform builds it. */
static double U(const double *c) { return c[2] / 4 * c[0] / 2 * (1 - c[1]) / 2 * N(c); }

static double partial(double (*f)(const double *), const double *c, const int *orders) {
  int k = -1;
  for (int i = 0; i < 3; i++)
    if (orders[i]) { k = i; break; }
  if (k < 0) return f(c);
  int rest[3] = {orders[0], orders[1], orders[2]};
  rest[k]--;
  double h = 1e-4, up[3] = {c[0], c[1], c[2]}, down[3] = {c[0], c[1], c[2]};
  up[k] += h;
  down[k] -= h;
  return (partial(f, up, rest) - partial(f, down, rest)) / (2 * h);
}

static void test_leibniz_expansion_matches_differences(void **state) {
  ast_program *prog = load(text);
  prp_dag *dag = prp_dag_new();
  prp_output_transform tr;
  prp_output_transform_build(prog, dag, &tr);
  assert_true(tr.active);
  assert_null(tr.conflict);
  prp_lowering *l = prp_lowering_new(dag, prog);
  int cases[][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {2, 0, 0}, {0, 2, 0}, {1, 1, 0}, {1, 0, 1}, {0, 0, 2}};
  double c[3] = {0.7, -0.3, 1.9};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    prp_node uj = prp_lower_field(l, cases[i]);
    prp_node expanded = prp_output_transform_apply(prog, dag, &tr, uj);
    uint32_t nj = prp_dag_jet_count(dag);
    double *jets = calloc(nj, sizeof *jets);
    for (uint32_t j = 0; j < nj; j++) {
      const prp_jet *jet = &prp_node_var(dag, prp_dag_jet_node(dag, j))->jet;
      int o[3] = {jet->order[0], jet->order[1], jet->order[2]};
      jets[j] = partial(N, c, o);
    }
    prp_env env = {.coord = c, .n_coord = 3, .jet = jets, .n_jet = nj};
    double got = prp_eval(dag, expanded, &env), want = partial(U, c, cases[i]);
    if (fabs(got - want) > 1e-6 * (1 + fabs(want)))
      fail_msg("jet (%d,%d,%d): expansion %.12g, differences %.12g", cases[i][0], cases[i][1], cases[i][2], got, want);
    free(jets);
  }
  prp_lowering_free(l);
  prp_dag_free(dag);
  ast_program_free(prog);
}

static void test_hard_conditions_vanish(void **state) {
  ast_program *prog = load(text);
  prp_residuals r;
  prp_residuals_build(prog, 0, &r);
  int hard = 0;
  for (int i = 0; i < r.nterms; i++) {
    if (!r.terms[i].hard) continue;
    hard++;
    assert_true(prp_node_is_const(r.dag, r.terms[i].value, 0));
  }
  assert_int_equal(hard, 3);   /* the initial condition and two faces */
  prp_residuals_free(&r);
  ast_program_free(prog);
}

static void test_conflicting_right_sides(void **state) {
  char src[1024];
  snprintf(src, sizeof src, "%s", text);
  char *b = strstr(src, "boundary u = 0");
  memcpy(b, "boundary u = 1", 14);
  ast_program *prog = load(src);
  prp_dag *dag = prp_dag_new();
  prp_output_transform tr;
  prp_output_transform_build(prog, dag, &tr);
  assert_non_null(tr.conflict);
  assert_int_equal(tr.conflict->kind, DECL_BOUNDARY);
  prp_dag_free(dag);
  ast_program_free(prog);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_leibniz_expansion_matches_differences),
    cmocka_unit_test(test_hard_conditions_vanish),
    cmocka_unit_test(test_conflicting_right_sides),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
