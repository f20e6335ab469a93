/* Tests of the misfit landscape over two unknowns (compiler/driver/landscape2d.c, landscape_verdict.c,
 * landscape_levels.c): the verdict on synthetic misfit grids (one bowl, two bowls, flat noise, a
 * plateau), the scan through the simulator on a small 2D problem at the start and the end of
 * its relax schedules, the levels taken from the schedules, and the errors. */
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

/* ---- the scan through the simulator ------------------------------------------------------ */

/* Diffusion from a Gaussian source in the unit square, truth (0.6, 0.4), 9 sensors in the
 * middle, no noise; the relax schedules go linearly to 0 and to w by half of training. */
static const char tiny2d[] =
    "problem tiny2d\nimport std.sources\nspace x in [0, 1], y in [0, 1]\ntime t in [0, 0.5]\nfield u(x, y, t)\n"
    "const D = 0.01\nconst w = 0.08\nunknown xs = 0.2 in [0, 1]\nunknown ys = 0.8 in [0, 1]\nunknown q = 1 in [0, 5]\n"
    "pde dt(u) - D * lap(u) = q * gaussian2d(x, y, xs, ys, w)\ninitial u = 0 hard\nboundary u = 0\n"
    "truth {\n  set xs = 0.6, ys = 0.4, q = 2\n  grid 17 x 17\n"
    "  sensors x = 0.25 .. 0.75 count 3, y = 0.25 .. 0.75 count 3, t = 0.1 .. 0.5 count 3\n}\n"
    "relax {\n  smoothing eps from 0.02 to 0 until 50% linear\n  dilatation w from 0.3 to w until 50% linear\n}\n";

static void compute_ok(loaded *l, const prp_landscape_options *opt, prp_landscape2d *ls) {
  int rc = prp_landscape2d_compute(l->prog, jit, opt, &l->diag, ls);
  if (rc) fail_msg("landscape failed (%d):\n%s", rc, diag_text(l));
}

/* At the start of the schedules (eps 0.02, w 0.3) one basin covers the box; at the end (no
 * relaxation) the model is the truth at (0.6, 0.4), L = 0 there, and the box's edges, where
 * the source leaves the box, are minima too (the source overshoots the sensors in between). */
static void test_scan_start_and_end_of_schedules(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "tiny2d.prp", tiny2d);
  prp_landscape_options opt = {.param = "xs,ys", .points = 6, .nat = 2, .at = {0, 100}, .quiet = 1};
  prp_landscape2d ls;
  compute_ok(&l, &opt, &ls);
  assert_int_equal(ls.nsettings, 2);
  assert_true(ls.settings[0].eps == 0.02 && fabs(ls.settings[0].dilate - 3.75) < 1e-12);
  assert_true(ls.settings[1].eps == 0 && ls.settings[1].dilate == 1);
  assert_string_equal(ls.settings[0].label, "0%: eps 0.02, w x 3.75");
  assert_true(ls.truth[0] == 0.6 && ls.truth[1] == 0.4 && ls.guess[0] == 0.2 && ls.guess[1] == 0.8);
  assert_int_equal(ls.simulations, 72);
  assert_int_equal(ls.grid[0], 17);
  size_t truth_cell = 2 * 6 + 3;
  assert_true(fabs(ls.p[0][3] - 0.6) < 1e-12 && fabs(ls.p[1][2] - 0.4) < 1e-12);
  print_message("relaxed: %d minima, share %.3f; unrelaxed: %d minima, share %.3f, L(truth) = %.3g\n",
                ls.verdict[0].nminima, ls.verdict[0].share, ls.verdict[1].nminima, ls.verdict[1].share,
                ls.loss[36 + truth_cell]);
  assert_int_equal(ls.verdict[0].nminima, 1);
  assert_true(ls.verdict[0].share == 1.0);
  assert_int_equal(ls.verdict[0].minima[0], truth_cell);
  assert_true(ls.loss[36 + truth_cell] < 1e-20);
  assert_true(ls.verdict[1].nminima > 1 && ls.verdict[1].share < 0.6);
  assert_int_equal(ls.verdict[1].minima[ls.verdict[1].target], truth_cell);
  assert_int_equal(ls.basin[36 + truth_cell], ls.verdict[1].target);
  assert_true(ls.basin[36 + 0] != ls.verdict[1].target);   /* the corner (0, 0) stays in its corner */
  prp_landscape2d_free(&ls);
  unload(&l);
}

/* The levels are the plan's schedules at the shares asked: linear to 0 and to w at 50%. The
 * scan over one unknown takes them too (--schedule). */
static void test_schedule_levels(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "tiny2d.prp", tiny2d);
  prp_landscape_options opt = {.param = "xs", .points = 2, .schedule = 1, .nat = 3, .at = {0, 25, 60}};
  prp_landscape ls;
  if (prp_landscape_compute(l.prog, jit, &opt, &l.diag, &ls)) fail_msg("%s", diag_text(&l));
  assert_int_equal(ls.nsettings, 3);
  assert_true(ls.settings[1].at == 0.25 && fabs(ls.settings[1].eps - 0.01) < 1e-15);
  assert_true(fabs(ls.settings[1].dilate - 0.19 / 0.08) < 1e-12);
  assert_string_equal(ls.settings[1].label, "25%: eps 0.01, w x 2.38");
  assert_true(ls.settings[2].eps == 0 && fabs(ls.settings[2].dilate - 1) < 1e-15);
  assert_string_equal(ls.settings[2].label, "60%: no relaxation");
  assert_true(ls.dilated && strcmp(ls.dilated, "w") == 0);
  prp_landscape_free(&ls);
  unload(&l);
}

static void expect_failure(loaded *l, const prp_landscape_options *opt, const char *text) {
  prp_landscape2d ls;
  assert_int_equal(prp_landscape2d_compute(l->prog, jit, opt, &l->diag, &ls), PRP_EXIT_INPUT);
  prp_landscape2d_free(&ls);
  if (!strstr(diag_text(l), text)) fail_msg("expected '%s', got:\n%s", text, diag_text(l));
}

static void test_errors(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "tiny2d.prp", tiny2d);
  expect_failure(&l, &(prp_landscape_options){.param = "xs,zz"}, "'zz' is not an unknown of this problem (its unknowns: xs, ys, q)");
  expect_failure(&l, &(prp_landscape_options){.param = "xs,ys,q"}, "--param takes one unknown or two separated by a comma");
  expect_failure(&l, &(prp_landscape_options){.param = ",ys"}, "not ',ys'");
  expect_failure(&l, &(prp_landscape_options){.param = "ys,ys"}, "--param names 'ys' twice");
  expect_failure(&l, &(prp_landscape_options){0}, "name the unknowns to scan with --param NAME1,NAME2");
  expect_failure(&l, &(prp_landscape_options){.param = "xs,ys", .has_range = 1, .lo = 0, .hi = 1}, "--range is for one unknown");
  expect_failure(&l, &(prp_landscape_options){.param = "xs,ys", .neps = 1, .schedule = 1}, "both choose the relaxation levels");
  unload(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_verdict_bowl),
      cmocka_unit_test(test_verdict_two_bowls),
      cmocka_unit_test(test_verdict_flat_noise),
      cmocka_unit_test(test_verdict_plateau),
      cmocka_unit_test(test_scan_start_and_end_of_schedules),
      cmocka_unit_test(test_schedule_levels),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
