/* Tests of the misfit landscape over two unknowns (compiler/landscape2d.c, landscape_verdict.c):
 * the verdict on synthetic misfit grids (one bowl, two bowls, flat noise, a plateau), and the
 * scan through the simulator on a small 2D problem. */
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

#include "landscape2d.h"

#include "support_program.h"

enum { N = 41 };

static double coord(size_t i) { return (double)i / (N - 1); }

/* A bowl around (0.6, 0.3): one minimum; every cell descends to it. */
static void test_verdict_bowl(void **state) {
  (void)state;
  static double L[N * N];
  static int basin[N * N];
  for (size_t j = 0; j < N; j++)
    for (size_t i = 0; i < N; i++) L[j * N + i] = pow(coord(i) - 0.6, 2) + 2 * pow(coord(j) - 0.3, 2);
  prp_landscape_verdict v;
  assert_int_equal(prp_landscape_verdict_grid(L, N, N, 0.6, 0.3, basin, &v), 0);
  assert_int_equal(v.nminima, 1);
  assert_int_equal(v.target, 0);
  assert_int_equal(v.minima[0], 12 * N + 24);
  assert_true(v.share == 1.0);
  for (size_t c = 0; c < N * N; c++) assert_int_equal(basin[c], 0);
}

/* Two bowls, the deeper at (0.25, 0.5), a shallower one at (0.75, 0.5), the ridge between them
 * at x = 0.5: two minima; about half of the cells descend to each. The truth near either picks
 * it as the target. Without a reference the target is the deeper one. */
static double two_bowls(size_t i, size_t j) {
  double x = coord(i), y = coord(j);
  double a = pow(x - 0.25, 2) + pow(y - 0.5, 2), b = 0.02 + pow(x - 0.75, 2) + pow(y - 0.5, 2);
  return a < b ? a : b;
}

static void test_verdict_two_bowls(void **state) {
  (void)state;
  static double L[N * N];
  static int basin[N * N];
  for (size_t j = 0; j < N; j++)
    for (size_t i = 0; i < N; i++) L[j * N + i] = two_bowls(i, j);
  prp_landscape_verdict v;
  assert_int_equal(prp_landscape_verdict_grid(L, N, N, 0.7, 0.45, basin, &v), 0);
  assert_int_equal(v.nminima, 2);
  assert_int_equal(v.minima[0], 20 * N + 10);
  assert_int_equal(v.minima[1], 20 * N + 30);
  assert_int_equal(v.target, 1);
  /* the boundary a = b: x = 0.52 (with the offset 0.02): 0.52 of the box descends to the
   * deeper bowl, 0.48 to the other, to within a column of cells (1/41) */
  print_message("share of the second bowl: %.3f\n", v.share);
  assert_true(fabs(v.share - 0.48) < 1.0 / N);
  double sum = v.share;
  assert_int_equal(prp_landscape_verdict_grid(L, N, N, 0.2, 0.6, basin, &v), 0);
  assert_int_equal(v.target, 0);
  assert_true(fabs(v.share - 0.52) < 1.0 / N);
  assert_true(fabs(sum + v.share - 1) < 1e-12);   /* every cell descends to one of the two */
  assert_int_equal(basin[20 * N + 5], 0);
  assert_int_equal(basin[20 * N + 35], 1);
  assert_int_equal(prp_landscape_verdict_grid(L, N, N, NAN, NAN, NULL, &v), 0);
  assert_int_equal(v.target, 0);
}

/* A bowl with a flat bottom (r < 0.2) under a deterministic ripple (2e-5 of the span): the
 * ripple's dents in the bottom are not counted, and a descent that stops in one of them has
 * arrived (it is in the bowl's floor). */
static void test_verdict_flat_noise(void **state) {
  (void)state;
  static double L[N * N];
  for (size_t j = 0; j < N; j++)
    for (size_t i = 0; i < N; i++)
      L[j * N + i] = fmax(pow(coord(i) - 0.5, 2) + pow(coord(j) - 0.5, 2) - 0.04, 0) +
                     1e-5 * sin(37.0 * (double)(i * 7 + j * 13));
  prp_landscape_verdict v;
  assert_int_equal(prp_landscape_verdict_grid(L, N, N, 0.5, 0.5, NULL, &v), 0);
  print_message("rippled bowl: %d minima, share %.3f\n", v.nminima, v.share);
  assert_int_equal(v.nminima, 1);
  assert_true(v.share == 1.0);
}

/* A narrow well at (0.8, 0.8) in a plateau with a tiny ripple (the far field where the model's
 * field misses every sensor): one minimum; only the well's cells descend to it, the plateau's
 * stop in its ripple's dents. An exactly flat grid is flat: no minimum. */
static void test_verdict_plateau(void **state) {
  (void)state;
  static double L[N * N];
  for (size_t j = 0; j < N; j++)
    for (size_t i = 0; i < N; i++) {
      double r2 = pow(coord(i) - 0.8, 2) + pow(coord(j) - 0.8, 2);
      L[j * N + i] = 1 - exp(-r2 / (2 * 0.05 * 0.05)) + 1e-9 * sin(37.0 * (double)(i * 7 + j * 13));
    }
  prp_landscape_verdict v;
  assert_int_equal(prp_landscape_verdict_grid(L, N, N, 0.8, 0.8, NULL, &v), 0);
  print_message("well in a plateau: %d minima, share %.3f\n", v.nminima, v.share);
  assert_int_equal(v.nminima, 1);
  assert_true(v.share > 0.03 && v.share < 0.4);
  for (size_t c = 0; c < N * N; c++) L[c] = 2;
  assert_int_equal(prp_landscape_verdict_grid(L, N, N, 0.8, 0.8, NULL, &v), 0);
  assert_int_equal(v.nminima, 0);
  assert_int_equal(v.target, -1);
  assert_true(v.share == 0);
  L[3] = NAN;
  assert_int_equal(prp_landscape_verdict_grid(L, N, N, 0.8, 0.8, NULL, &v), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_verdict_bowl),
      cmocka_unit_test(test_verdict_two_bowls),
      cmocka_unit_test(test_verdict_flat_noise),
      cmocka_unit_test(test_verdict_plateau),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
