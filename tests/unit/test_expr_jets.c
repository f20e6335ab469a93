/* Unit tests of the jet analysis (compiler/symbolic/jets.c): the Laplacian collapse
 * happens exactly when the pure second derivatives enter through their sum,
 * the jet sets are minimal and ordered, and give the runtime's columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "jets.h"

typedef struct {
  prp_dag *dag;
  prp_node u, u_x, u_y, u_t, u_xx, u_yy, u_xy, x;
} fixture;

static prp_node jet(prp_dag *dag, int ox, int oy, int ot) {
  prp_jet j = {.order = {(uint8_t)ox, (uint8_t)oy, (uint8_t)ot}};
  return prp_jet_var(dag, &j, NULL);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  prp_dag *d = f->dag = prp_dag_new();
  f->u_yy = jet(d, 0, 2, 0);   /* created out of order on purpose */
  f->u = jet(d, 0, 0, 0);
  f->u_t = jet(d, 0, 0, 1);
  f->u_xx = jet(d, 2, 0, 0);
  f->u_x = jet(d, 1, 0, 0);
  f->u_y = jet(d, 0, 1, 0);
  f->u_xy = jet(d, 1, 1, 0);
  f->x = prp_var(d, PRP_VAR_COORD, 0, "x");
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  prp_dag_free(f->dag);
  free(f);
  return 0;
}

static const unsigned space_xy = 3;

static void test_sum_collapses(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  prp_node lap = prp_add(d, f->u_xx, f->u_yy);
  /* (u_xx + u_yy)^2 * x + u_t: nonlinear in the sum, still one component */
  prp_node r = prp_add(d, prp_mul(d, prp_powc(d, lap, 2), f->x), f->u_t);
  prp_jet_set set;
  prp_jets_analyse(d, &r, 1, space_xy, 1, &set);
  assert_int_equal(set.n, 2);
  assert_int_equal(set.nodes[0], f->u_t);
  assert_int_equal(set.jets[1].lap_mask, space_xy);
  prp_node lap_node = set.nodes[1];
  assert_int_equal(r, prp_add(d, prp_mul(d, prp_powc(d, lap_node, 2), f->x), f->u_t));
}

static void test_no_collapse(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  prp_node cases[4] = {
      prp_mul(d, f->u_xx, f->u_yy),                                 /* a product */
      prp_add(d, f->u_xx, prp_mul(d, prp_const(d, 2), f->u_yy)),    /* unequal weights */
      prp_add(d, f->u_xx, f->u),                                    /* u_yy missing */
      prp_add(d, prp_powc(d, f->u_xx, 2), prp_powc(d, f->u_yy, 2)), /* squares */
  };
  for (int i = 0; i < 4; i++) {
    prp_node r = cases[i];
    assert_int_equal(prp_jets_collapse_laplacian(d, &r, 1, space_xy), 0);
    assert_int_equal(r, cases[i]);
  }
  /* one root allows it, the other does not: neither is rewritten */
  prp_node pair[2] = {prp_add(d, f->u_xx, f->u_yy), cases[1]};
  assert_int_equal(prp_jets_collapse_laplacian(d, pair, 2, space_xy), 0);
  /* nothing to collapse in one dimension, or with no second derivative at all */
  prp_node r = prp_add(d, f->u_xx, f->u_t);
  assert_int_equal(prp_jets_collapse_laplacian(d, &r, 1, 1), 0);
  r = prp_add(d, f->u_x, f->u_t);
  assert_int_equal(prp_jets_collapse_laplacian(d, &r, 1, space_xy), 0);
}

static void test_sets_are_minimal_and_ordered(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  /* u_xy, u_y, u and u_t used; u_x and u_xx exist in the DAG but are not used */
  prp_node r = prp_add(d, prp_mul(d, f->u_xy, f->u_y), prp_sin(d, prp_add(d, f->u, f->u_t)));
  prp_jet_set set;
  prp_jets_used(d, &r, 1, &set);
  prp_node expected[4] = {f->u, f->u_y, f->u_t, f->u_xy};
  assert_int_equal(set.n, 4);
  for (int i = 0; i < 4; i++) assert_int_equal(set.nodes[i], expected[i]);
  prp_jet want = {.order = {1, 1}};
  assert_int_equal(prp_jet_set_find(&set, &want), 3);
  prp_jet absent = {.order = {2}};
  assert_int_equal(prp_jet_set_find(&set, &absent), -1);
  /* the columns: first derivatives y and t, the pair (x, y), no Laplacian */
  prp_jet_columns spec;
  assert_int_equal(prp_jet_set_columns(&set, &spec), 0);
  assert_int_equal(spec.first, (1u << 1) | (1u << 2));
  assert_int_equal(spec.n_second, 1);
  assert_int_equal(spec.second[0][0], 0);
  assert_int_equal(spec.second[0][1], 1);
  assert_int_equal(spec.lap, 0);
}

static void test_spec_of_collapsed_set(void **state) {
  fixture *f = *state;
  prp_dag *d = f->dag;
  prp_node r = prp_sub(d, f->u_t, prp_mul(d, prp_const(d, 0.1), prp_add(d, f->u_xx, f->u_yy)));
  prp_jet_set set;
  prp_jets_analyse(d, &r, 1, space_xy, 1, &set);
  prp_jet_columns spec;
  assert_int_equal(prp_jet_set_columns(&set, &spec), 0);
  assert_int_equal(spec.first, 1u << 2);
  assert_int_equal(spec.n_second, 0);
  assert_int_equal(spec.lap, space_xy);
  /* a third derivative is beyond the runtime's network */
  prp_node u_xxx = jet(d, 3, 0, 0);
  prp_jets_used(d, &u_xxx, 1, &set);
  assert_int_equal(prp_jet_set_columns(&set, &spec), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sum_collapses, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_collapse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sets_are_minimal_and_ordered, setup, teardown),
      cmocka_unit_test_setup_teardown(test_spec_of_collapsed_set, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
