/* Tests of the misfit landscape (compiler/driver/landscape.c, `prpc landscape`): on the source1d
 * example the plateau of dL/dxs far from the truth and the slope that smoothing and
 * dilatation restore (the paper's section 4), the minimum at the truth against the truth
 * simulation's own noise, dL/dp against wider differences, the other unknowns at their truth
 * values, errors, the options, and the CSV, plots and table. */
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
#include "csv.h"
#include "landscape.h"
#include "parse.h"
#include "plot.h"
#include "simulate.h"

#include "support_program.h"

static void compute_ok(loaded *l, const prp_landscape_options *opt, prp_landscape *ls) {
  int rc = prp_landscape_compute(l->prog, jit, opt, &l->diag, ls);
  if (rc) fail_msg("landscape failed (%d):\n%s", rc, diag_text(l));
}

static double grad_at(const prp_landscape *ls, int s, size_t i) { return ls->grad[(size_t)s * ls->npoints + i]; }
static double loss_at(const prp_landscape *ls, int s, size_t i) { return ls->loss[(size_t)s * ls->npoints + i]; }

/* ---- the paper's section 4 on source1d ------------------------------------------------- */

/* Far from the truth (xs = 0.6, sensors at 0.7 .. 0.9), upstream at 0.1 and downstream at
 * 0.95: without relaxation dL/dxs is nearly 0; it grows with the smoothing eps (eq. 4: a
 * larger diffusivity, a larger spread Sigma^2), dilatation restores it too, and the relaxed
 * slopes point toward the truth. */
static void test_plateau_and_relaxed_slopes(void **state) {
  (void)state;
  loaded l;
  load_example(&l, "source1d.prp");
  prp_landscape_options opt = {.param = "xs", .has_range = 1, .lo = 0.1, .hi = 0.95, .points = 2};
  prp_landscape ls;
  compute_ok(&l, &opt, &ls);
  /* settings: no relaxation, eps 0.005, eps 0.02, sigma x 4, sigma x 10 */
  assert_int_equal(ls.nsettings, 5);
  assert_string_equal(ls.settings[0].label, "no relaxation");
  assert_string_equal(ls.settings[2].label, "eps 0.02");
  assert_string_equal(ls.settings[4].label, "sigma x 10");
  assert_true(ls.p[0] == 0.1 && ls.p[1] == 0.95);
  assert_int_equal(ls.nobs, 120);
  for (size_t i = 0; i < 2; i++) {
    double toward_truth = ls.p[i] < 0.6 ? -1 : 1;   /* the sign of dL/dxs that points to 0.6 */
    print_message("xs = %g: |dL/dxs| = %.3g (none), %.3g (eps 0.005), %.3g (eps 0.02), %.3g (sigma x 4), "
                  "%.3g (sigma x 10)\n", ls.p[i], fabs(grad_at(&ls, 0, i)), fabs(grad_at(&ls, 1, i)),
                  fabs(grad_at(&ls, 2, i)), fabs(grad_at(&ls, 3, i)), fabs(grad_at(&ls, 4, i)));
    assert_true(fabs(grad_at(&ls, 0, i)) < fabs(grad_at(&ls, 1, i)));
    assert_true(fabs(grad_at(&ls, 1, i)) < fabs(grad_at(&ls, 2, i)));
    /* the plateau: two orders of magnitude below the smoothed slope */
    assert_true(fabs(grad_at(&ls, 0, i)) < 0.01 * fabs(grad_at(&ls, 2, i)));
    for (int s = 1; s < ls.nsettings; s++) {
      assert_true(grad_at(&ls, s, i) * toward_truth > 0);
      assert_true(fabs(grad_at(&ls, s, i)) > 10 * fabs(grad_at(&ls, 0, i)));
    }
    /* relaxation brings the model's field to the sensors: L falls below the plateau's */
    assert_true(loss_at(&ls, 2, i) < loss_at(&ls, 0, i));
  }
  /* on the plateau the model puts (almost) nothing at the sensors: the same L on both sides */
  assert_true(fabs(loss_at(&ls, 0, 0) - loss_at(&ls, 0, 1)) < 1e-3 * loss_at(&ls, 0, 0));
  prp_landscape_free(&ls);
  unload(&l);
}

/* Without relaxation the model at xs = 0.6 is the truth itself: L is the mean square of the
 * truth's noise, and the smallest of the scan. */
static void test_minimum_is_the_noise_at_the_truth(void **state) {
  (void)state;
  loaded l;
  load_example(&l, "source1d.prp");
  prp_observations obs;
  if (prp_simulate_truth(l.prog, jit, &l.diag, &obs)) fail_msg("%s", diag_text(&l));
  double noise = 0;
  for (size_t i = 0; i < obs.n; i++) noise += (obs.u[i] - obs.u_clean[i]) * (obs.u[i] - obs.u_clean[i]);
  noise /= (double)obs.n;
  prp_observations_free(&obs);

  prp_landscape_options opt = {.param = "xs", .has_range = 1, .lo = 0.5, .hi = 0.7, .points = 5, .neps = 1,
                               .eps = {0}, .ndilate = 1, .dilate = {1}};
  prp_landscape ls;
  compute_ok(&l, &opt, &ls);
  assert_int_equal(ls.nsettings, 1);
  assert_int_equal(prp_landscape_argmin(&ls, 0), 2);
  assert_true(fabs(ls.p[2] - 0.6) < 1e-15);
  print_message("L(0.6) = %.6g, noise mean square %.6g; L(0.55) = %.4g, L(0.65) = %.4g\n", loss_at(&ls, 0, 2), noise,
                loss_at(&ls, 0, 1), loss_at(&ls, 0, 3));
  assert_true(fabs(loss_at(&ls, 0, 2) - noise) < 1e-9 * noise);
  /* the slope changes sign across the minimum */
  assert_true(grad_at(&ls, 0, 1) < 0 && grad_at(&ls, 0, 3) > 0);
  size_t first, last;
  prp_landscape_basin(&ls, 0, &first, &last);
  assert_int_equal(first, 0);
  assert_int_equal(last, 4);
  prp_landscape_free(&ls);
  unload(&l);
}

/* dL/dxs at 0.55 (h = 1e-4) against a difference of L over a wider step, from an independent
 * scan of [0.548, 0.552] (error about (0.002 / 0.01)^2 / 6 < 1%), and against the scan's own
 * much smaller step (h = 4e-6). */
static void test_gradient_against_wider_differences(void **state) {
  (void)state;
  loaded l;
  load_example(&l, "source1d.prp");
  prp_landscape_options opt = {.param = "xs", .has_range = 1, .lo = 0.5, .hi = 0.6, .points = 3, .neps = 1,
                               .eps = {0.005}, .ndilate = 1, .dilate = {1}};
  prp_landscape coarse, fine;
  compute_ok(&l, &opt, &coarse);
  opt.lo = 0.548, opt.hi = 0.552;
  compute_ok(&l, &opt, &fine);
  assert_true(fabs(coarse.p[1] - 0.55) < 1e-15 && fabs(fine.p[1] - 0.55) < 1e-15);
  double g = grad_at(&coarse, 0, 1);
  double wide = (loss_at(&fine, 0, 2) - loss_at(&fine, 0, 0)) / (fine.p[2] - fine.p[0]);
  print_message("dL/dxs(0.55), eps 0.005: %.6g (h = 1e-4), %.6g (h = 4e-6), %.6g (2e-3)\n", g, grad_at(&fine, 0, 1), wide);
  assert_true(fabs(g - wide) < 0.01 * fabs(g));
  assert_true(fabs(g - grad_at(&fine, 0, 1)) < 1e-4 * fabs(g));
  /* the same L at 0.55 from both scans */
  assert_true(fabs(loss_at(&coarse, 0, 1) - loss_at(&fine, 0, 1)) < 1e-12);
  prp_landscape_free(&coarse);
  prp_landscape_free(&fine);
  unload(&l);
}

/* The other unknowns sit at their truth values (q = 2, not its guess 1): without noise L is 0 at
 * the truth. The model's PDE is simulated (no truth PDE here); eps and the dilatation of w
 * move L away from 0. */
static const char two_unknowns[] =
    "problem two\nimport std.sources\nspace x in [0, 1]\ntime t in [0, 0.5]\nfield u(x, t)\n"
    "const w = 0.03\nunknown xs = 0.2 in [0, 1]\nunknown q = 1 in [0, 5]\n"
    "pde dt(u) + 0.5 * dx(u) - 0.001 * dxx(u) = q * gaussian1d(x, xs, w)\ninitial u = 0\nboundary u = 0 on x = 0\n"
    "truth {\n  set xs = 0.4, q = 2\n  grid 101\n  sensors x = 0.5 .. 0.7 count 3, t = 0.1 .. 0.5 count 5\n}\n"
    "relax {\n  dilatation w from 0.1 to w until 50% linear\n}\n";

static void test_other_unknowns_at_truth(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "two.prp", two_unknowns);
  prp_landscape_options opt = {.param = "xs", .has_range = 1, .lo = 0.3, .hi = 0.4, .points = 2, .neps = 2,
                               .eps = {0, 0.01}, .ndilate = 2, .dilate = {1, 3}};
  prp_landscape ls;
  compute_ok(&l, &opt, &ls);
  assert_int_equal(ls.nsettings, 3);
  assert_string_equal(ls.settings[2].label, "w x 3");
  assert_true(ls.dilated && strcmp(ls.dilated, "w") == 0 && ls.dilated_value == 0.03);
  assert_true(ls.truth == 0.4);
  assert_int_equal(ls.grid[0], 101);
  print_message("L(0.4) = %.3g; with eps 0.01: %.3g, w x 3: %.3g\n", loss_at(&ls, 0, 1), loss_at(&ls, 1, 1),
                loss_at(&ls, 2, 1));
  assert_true(loss_at(&ls, 0, 1) < 1e-20);
  assert_true(loss_at(&ls, 1, 1) > 1e-6 && loss_at(&ls, 2, 1) > 1e-6);
  assert_true(loss_at(&ls, 0, 0) > 1e-3);
  prp_landscape_free(&ls);
  unload(&l);
}

/* The basin stops where the slope turns or falls to the plateau (below 1e-3 of the largest). */
static void test_basin(void **state) {
  (void)state;
  double p[] = {0, 1, 2, 3, 4, 5, 6}, loss[] = {5, 5, 4, 1, 3, 5, 5}, grad[] = {-1e-6, -2, -3, 0, 2, 1e-6, -1};
  prp_landscape ls = {.npoints = 7, .nsettings = 1, .p = p, .loss = loss, .grad = grad, .lo = 0, .hi = 6};
  size_t first, last;
  assert_int_equal(prp_landscape_argmin(&ls, 0), 3);
  prp_landscape_basin(&ls, 0, &first, &last);
  assert_int_equal(first, 1);
  assert_int_equal(last, 4);
  assert_int_equal(prp_landscape_nearest(&ls, 4.4), 4);
}

/* ---- errors and options ----------------------------------------------------------------------- */

static void expect_failure(loaded *l, const prp_landscape_options *opt, int code, const char *text) {
  prp_landscape ls;
  assert_int_equal(prp_landscape_compute(l->prog, jit, opt, &l->diag, &ls), code);
  prp_landscape_free(&ls);
  if (!strstr(diag_text(l), text)) fail_msg("expected '%s', got:\n%s", text, diag_text(l));
}

static void test_errors(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "two.prp", two_unknowns);
  expect_failure(&l, &(prp_landscape_options){.param = "ys"}, PRP_EXIT_INPUT,
                 "'ys' is not an unknown of this problem (its unknowns: xs, q)");
  expect_failure(&l, &(prp_landscape_options){0}, PRP_EXIT_INPUT, "name the unknown to scan with --param NAME");
  expect_failure(&l, &(prp_landscape_options){.param = "xs", .has_range = 1, .lo = 0.5, .hi = 0.5}, PRP_EXIT_INPUT,
                 "the range [0.5, 0.5] of 'xs' is empty");
  expect_failure(&l, &(prp_landscape_options){.param = "xs", .neps = 1, .eps = {-1}}, PRP_EXIT_INPUT,
                 "the smoothing eps must be >= 0, not -1");
  expect_failure(&l, &(prp_landscape_options){.param = "xs", .ndilate = 1, .dilate = {0}}, PRP_EXIT_INPUT,
                 "a dilatation factor must be > 0, not 0");
  unload(&l);

  /* no bounds; no dilatation schedule to widen; a model PDE the simulator cannot solve */
  load_text(&l, "free.prp",
            "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\nunknown a = 0.5\npde dt(u) - 0.01 * dxx(u) = a\n"
            "initial u = 0\ntruth {\n  set a = 1\n  grid 11\n  sensors x = 0.5, t = 1\n}\n");
  expect_failure(&l, &(prp_landscape_options){.param = "a"}, PRP_EXIT_INPUT,
                 "free.prp:4:1: error: landscape: 'a' has no bounds; give the range to scan with --range LO:HI");
  expect_failure(&l, &(prp_landscape_options){.param = "a", .has_range = 1, .lo = 0, .hi = 2, .ndilate = 1, .dilate = {2}},
                 PRP_EXIT_INPUT, "--dilate needs a 'dilatation' schedule");
  unload(&l);
  load_text(&l, "model.prp",
            "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\nunknown a = 0.5 in [0, 1]\n"
            "pde dt(u) - a * dxx(u) + dxt(u) = 0\ninitial u = 0\n"
            "truth {\n  set a = 1\n  pde dt(u) - dxx(u) = 0\n  grid 11\n  sensors x = 0.5, t = 1\n}\n");
  expect_failure(&l, &(prp_landscape_options){.param = "a"}, PRP_EXIT_INPUT, "model.prp:5:26: error: the model PDE uses u_xt");
  unload(&l);
}

static int parse(prp_landscape_options *opt, int argc, const char **argv, int *i) {
  return prp_landscape_parse_arg(opt, argc, (char **)argv, i);
}

static void test_parse_arguments(void **state) {
  (void)state;
  const char *argv[] = {"prpc", "landscape", "--param", "xs", "--range=0.1:0.9", "--points", "21", "--eps",
                        "0,0.01", "--dilate=1,2,5", "--grid", "101", "--quiet", "--points", "1", "--eps"};
  int argc = (int)(sizeof argv / sizeof *argv);
  prp_landscape_options opt = {0};
  int i = 1;
  assert_int_equal(parse(&opt, argc, argv, &i), 0);   /* the command is not an option */
  i = 2;
  assert_int_equal(parse(&opt, argc, argv, &i), 1);
  assert_int_equal(i, 3);
  assert_string_equal(opt.param, "xs");
  i = 4;
  assert_int_equal(parse(&opt, argc, argv, &i), 1);
  assert_int_equal(i, 4);
  assert_true(opt.has_range && opt.lo == 0.1 && opt.hi == 0.9);
  for (i = 5; i <= 10; i++) assert_int_equal(parse(&opt, argc, argv, &i), 1);
  assert_int_equal(opt.points, 21);
  assert_int_equal(opt.neps, 2);
  assert_true(opt.eps[1] == 0.01);
  assert_int_equal(opt.ndilate, 3);
  assert_true(opt.dilate[2] == 5);
  assert_int_equal(opt.grid, 101);
  i = 12;
  assert_int_equal(parse(&opt, argc, argv, &i), 0);   /* --quiet is the driver's */
  i = 13;
  assert_int_equal(parse(&opt, argc, argv, &i), -1);  /* --points 1 */
  i = 15;
  assert_int_equal(parse(&opt, argc, argv, &i), -1);  /* --eps without a value */
  const char *bad[] = {"--range=1", "--eps=0,x", "--dilate=", "--range=a:b", "--param="};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    i = 0;
    assert_int_equal(parse(&opt, 1, &bad[k], &i), -1);
  }
  const char *long_list[] = {"--eps=1,2,3,4,5,6,7,8,9"};
  i = 0;
  assert_int_equal(parse(&opt, 1, long_list, &i), -1);
  const char *other[] = {"--parameter=3"};
  i = 0;
  assert_int_equal(parse(&opt, 1, other, &i), 0);
}

/* ---- output ------------------------------------------------------------------------------------ */

static void test_outputs(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "two.prp", two_unknowns);
  prp_landscape_options opt = {.param = "xs", .points = 3, .neps = 2, .eps = {0, 0.01}, .ndilate = 1, .dilate = {1}};
  prp_landscape ls;
  compute_ok(&l, &opt, &ls);
  assert_true(ls.lo == 0 && ls.hi == 1);   /* the bounds */
  char dir[256], path[300];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/prp_test_landscape_%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
  snprintf(path, sizeof path, "%s/landscape.csv", dir);
  opt.output = dir;
  opt.quiet = 1;
  assert_int_equal(prp_landscape_command(l.prog, &opt, &l.diag), 0);
  static const char *const names[] = {"xs", "L_eps0_wx1", "dLdp_eps0_wx1", "L_eps0.01_wx1", "dLdp_eps0.01_wx1"};
  prp_table t;
  char *err = prp_csv_read_sensors(path, names, 5, NULL, 0, &t);
  if (err) fail_msg("%s", err);
  assert_int_equal(t.nrows, 3);
  for (size_t i = 0; i < 3; i++) {
    assert_true(t.data[i * 5] == ls.p[i]);
    assert_true(t.data[i * 5 + 3] == loss_at(&ls, 1, i) && t.data[i * 5 + 4] == grad_at(&ls, 1, i));
  }
  prp_table_free(&t);
  remove(path);
  static const char *const pngs[] = {"misfit.png", "gradient.png", "gradient_abs.png"};
  for (size_t k = 0; k < 3; k++) {
    snprintf(path, sizeof path, "%s/%s", dir, pngs[k]);
    if (prp_plot_available()) assert_int_equal(access(path, R_OK), 0);
    remove(path);
  }
  rmdir(dir);

  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  prp_landscape_print(&ls, f);
  fclose(f);
  assert_non_null(strstr(text, "misfit landscape of xs over [0, 1]: 3 values, 15 observations"));
  assert_non_null(strstr(text, "no relaxation"));
  assert_non_null(strstr(text, "eps 0.01"));
  assert_non_null(strstr(text, "\n       0.5"));
  assert_non_null(strstr(text, "<- nearest the truth (0.4)"));   /* within half a spacing of 0.5 */
  free(text);
  prp_landscape_free(&ls);
  unload(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plateau_and_relaxed_slopes),
      cmocka_unit_test(test_minimum_is_the_noise_at_the_truth),
      cmocka_unit_test(test_gradient_against_wider_differences),
      cmocka_unit_test(test_other_unknowns_at_truth),
      cmocka_unit_test(test_basin),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_parse_arguments),
      cmocka_unit_test(test_outputs),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
