/* Tests of the mechanisms that make PR-PINN work in 2D (issue 11): the rule of
 * `relax auto` on known boxes and durations and its bound from a flow, the nudging kernel's size, the
 * unknowns frozen during a warm-up, and the dilated source's energy outside the
 * box, which makes the source's own energy independent of its position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include "plan.h"
#include "relax_auto_flow.h"
#include "train.h"
#include "train_options.h"
#include "support_program.h"

static const char square[] =
  "problem square\nimport std.sources\nspace x in [0, 1], y in [0, 1]\ntime t in [0, 1]\nfield u(x, y, t)\n"
  "const sigma = 0.03\nunknown xs = 0.05 in [0, 1]\nunknown ys = 0.05 in [0, 1]\n"
  "pde dt(u) - 0.004 * lap(u) = gaussian2d(x, y, xs, ys, sigma)\ninitial u = 0 hard\nboundary u = 0\n"
  "truth {\n set xs = 0.5, ys = 0.5\n sensors x = 0.25 .. 0.75 count 3, y = 0.25 .. 0.75 count 3, t = 0.1 .. 1 count 4\n}\n"
  "relax auto dilate sigma\nnetwork mlp(8, 8) tanh\ntrain {\n collocation 4096\n seed 3\n}\n";

/* Piecewise point i of a checked schedule: share (percent) and value. */
static void assert_point(const ast_schedule *s, int i, double at, double value) {
  double v = NAN;
  assert_true(i < s->npw);
  assert_true(s->pw[i].percent && s->pw[i].at == at);
  assert_true(prp_const_eval(s->pw[i].value, &v));
  if (fabs(v - value) > 1e-12 * fmax(1, fabs(value))) fail_msg("point %d: %g, expected %g", i, v, value);
}

static void test_auto_rule_unit_square(void **state) {
  loaded l;
  load_text(&l, "square.prp", square);
  const ast_decl *relax = l.prog->problem.relax;
  assert_int_equal(relax->nschedules, 2);
  const ast_schedule *eps = &relax->schedules[0], *width = &relax->schedules[1];
  assert_int_equal(eps->kind, RELAX_SMOOTHING);
  assert_point(eps, 0, 0, 0.25);       /* L^2 / (4 T), L = T = 1 */
  assert_point(eps, 1, 25, 0.25);
  assert_point(eps, 2, 75, 0);
  assert_int_equal(width->kind, RELAX_DILATATION);
  assert_string_equal(width->var, "sigma");
  assert_point(width, 0, 0, 0.5);      /* L / 2 */
  assert_point(width, 2, 75, 0.03);    /* the constant's own value at the end */
  ast_program_free(l.prog);
  fclose(l.f);
  free(l.text);
}

/* The rule on other boxes, durations and time orders. */
static void test_auto_rule_cases(void **state) {
  struct { const char *text; double eps, width; } cases[] = {
    {"problem p\nspace x in [0, 2], y in [0, 1]\ntime t in [0, 2]\nfield u(x, y, t)\nconst w = 0.05\nunknown a = 1 in [0, 2]\n"
     "pde dt(u) - lap(u) = exp(-(x - a)^2 / w^2)\ninitial u = 0 hard\n"
     "truth {\n set a = 1\n sensors x = 0.5, y = 0.5, t = 1\n}\nrelax auto dilate w\nnetwork mlp(4)\n",
     0.5, 1},                                   /* L = 2, T = 2: L^2 / (4 T) = 0.5; L / 2 = 1 */
    {"problem p\nspace x in [0, 1], y in [0, 3]\ntime t in [0, 0.5]\nfield u(x, y, t)\nunknown a = 1 in [0, 1]\n"
     "pde dtt(u) - lap(u) = exp(-(x - a)^2)\ninitial u = 0 hard\ninitial dt(u) = 0\n"
     "truth {\n set a = 0.5\n sensors x = 0.5, y = 0.5, t = 0.5\n}\nrelax auto\nnetwork mlp(4)\n",
     144, 1.5},                                 /* a wave: 4 L^2 / T^2 = 4 * 9 / 0.25 */
  };
  for (int i = 0; i < 2; i++) {
    loaded l;
    load_text(&l, "case.prp", cases[i].text);
    prp_relax_auto rule;
    prp_relax_auto_rule(&l.prog->problem, &rule);
    if (fabs(rule.eps - cases[i].eps) > 1e-12 || fabs(rule.width - cases[i].width) > 1e-12)
      fail_msg("case %d: eps %g width %g, expected %g and %g", i, rule.eps, rule.width, cases[i].eps, cases[i].width);
    assert_point(&l.prog->problem.relax->schedules[0], 0, 0, cases[i].eps);
    ast_program_free(l.prog);
    fclose(l.f);
    free(l.text);
  }
}

/* A steady problem has nothing to smooth: `relax auto` needs a width to dilate. */
static void test_auto_rule_steady_needs_a_width(void **state) {
  const char *text = "problem p\nspace x in [0, 1]\nfield u(x)\nunknown a = 0.5 in [0, 1]\npde dxx(u) = -a\n"
                     "sensors from \"s.csv\"\nrelax auto\nnetwork mlp(4)\n";
  FILE *f;
  char *out = NULL;
  size_t len = 0;
  f = open_memstream(&out, &len);
  prp_diag diag;
  prp_diag_init(&diag, f, 0);
  ast_program *prog = prp_parse_string("steady.prp", text, strlen(text), &diag);
  assert_non_null(prog);
  assert_true(prp_check(prog, &diag) > 0);
  fflush(f);
  assert_non_null(strstr(out, "finds nothing to relax in a steady problem"));
  ast_program_free(prog);
  fclose(f);
  free(out);
}

/* ---- the bound from the flow: eps0 = min(L^2 / (4 T), U L / 15) ------------------- */

/* The held start of `relax auto`'s smoothing (its first two points and from_value agree). */
static double auto_eps0(const ast_program *prog) {
  const ast_decl *relax = prog->problem.relax;
  for (int i = 0; i < relax->nschedules; i++) {
    const ast_schedule *s = &relax->schedules[i];
    if (s->kind != RELAX_SMOOTHING) continue;
    double v0 = NAN, v1 = NAN, v2 = NAN;
    assert_int_equal(s->npw, 3);
    assert_true(prp_const_eval(s->pw[0].value, &v0) && prp_const_eval(s->pw[1].value, &v1));
    assert_true(prp_const_eval(s->pw[2].value, &v2) && v2 == 0 && s->pw[2].at == PRP_RELAX_AUTO_UNTIL);
    if (v0 != v1 || v0 != s->from_value) fail_msg("smoothing points %g, %g, from %g", v0, v1, s->from_value);
    return v0;
  }
  fail_msg("no smoothing schedule");
  return NAN;
}

static void assert_near(double got, double want, const char *what) {
  if (!(fabs(got - want) <= 1e-12 * fmax(1, fabs(want)))) fail_msg("%s: %.17g, expected %.17g", what, got, want);
}

/* load_text checks as prpc does (the check, then the flow pass). This forgets the flow,
 * compares the smoothing's start with the one the check alone writes, runs the pass
 * again and compares the flow's status, U and the start it gives. */
static void expect_flow(loaded *l, double eps_checked, prp_flow_status status, double speed, double eps0) {
  l->prog->problem.flow_status = PRP_FLOW_UNMEASURED;
  prp_relax_auto_update(l->prog);
  assert_near(auto_eps0(l->prog), eps_checked, "smoothing written by the check");
  prp_relax_auto_flow(l->prog);
  const prp_problem *pb = &l->prog->problem;
  if (pb->flow_status != status) fail_msg("flow status %d, expected %d (%s)", (int)pb->flow_status, (int)status,
                                         pb->flow_why ? pb->flow_why : "");
  assert_near(pb->flow_speed, speed, "U");
  assert_near(auto_eps0(l->prog), eps0, "smoothing after the flow pass");
  prp_relax_auto rule;
  prp_relax_auto_rule(pb, &rule);
  assert_near(rule.eps, eps0, "the rule");
  prp_relax_auto_flow(l->prog);   /* running it again changes nothing */
  assert_near(auto_eps0(l->prog), eps0, "smoothing after a second pass");
}

static const char drift[] =
  "problem drift\nimport std.sources\nspace x in [0, 1], y in [0, 1.5]\ntime t in [0, 1]\nfield u(x, y, t)\n"
  "const vy = 0.5\nconst sigma = 0.03\nunknown xs = 0.9 in [0, 1]\nunknown ys = 0.1 in [0, 1.5]\n"
  "pde dt(u) + vy * dy(u) - 0.005 * lap(u) = gaussian2d(x, y, xs, ys, sigma)\ninitial u = 0 hard\nboundary u = 0\n"
  "truth {\n set xs = 0.35, ys = 0.45\n sensors x = 0.5, y = 1, t = 0.5 .. 1 count 3\n}\n"
  "relax auto dilate sigma\nnetwork mlp(8) tanh\n";

/* A uniform drift v = 0.5 in a 1 x 1.5 box: U L / 15 = 0.05, below L^2 / (4 T) = 0.5625. */
static void test_auto_flow_drift(void **state) {
  loaded l;
  load_text(&l, "drift.prp", drift);
  expect_flow(&l, 0.5625, PRP_FLOW_MEASURED, 0.5, 0.5 * 1.5 / PRP_RELAX_AUTO_PECLET);
  prp_relax_auto rule;
  prp_relax_auto_rule(&l.prog->problem, &rule);
  assert_true(rule.flow_bound && rule.eps_box == 0.5625);
  assert_near(rule.eps, 0.05, "eps0");
  unload(&l);
}

/* swirl2d's rotation about (0.5, 0.5) at omega = 3: U = omega times the largest distance
 * from the centre on the sampled grid, a corner's sqrt(0.5). */
static void test_auto_flow_rotation(void **state) {
  loaded l;
  load_example(&l, "blind/swirl2d.prp");
  double speed = 3 * sqrt(0.5);
  expect_flow(&l, 0.25, PRP_FLOW_MEASURED, speed, speed * 1 / PRP_RELAX_AUTO_PECLET);
  unload(&l);
}

/* No flow (square2d): L^2 / (4 T) = 0.25 stays. */
static void test_auto_flow_none(void **state) {
  loaded l;
  load_example(&l, "blind/square2d.prp");
  expect_flow(&l, 0.25, PRP_FLOW_MEASURED, 0, 0.25);
  unload(&l);
}

/* A 1D problem on [0, 1] over [0, T]: dt(u) + ADVECTION - 0.01 dxx(u) = a source at xs;
 * the unknown a (guess 2, truth 1) may enter the advection. */
static void load_flow1d(loaded *l, double duration, const char *advection) {
  char text[1024];
  snprintf(text, sizeof text,
           "problem p\nspace x in [0, 1]\ntime t in [0, %g]\nfield u(x, t)\nunknown a = 2 in [0, 4]\n"
           "unknown xs = 0.5 in [0, 1]\npde dt(u) + %s - 0.01 * dxx(u) = exp(-(x - xs)^2 / 0.01)\ninitial u = 0 hard\n"
           "truth {\n set a = 1, xs = 0.3\n sensors x = 0.5, t = 1\n}\nrelax auto\nnetwork mlp(4)\n",
           duration, advection);
  load_text(l, "flow1d.prp", text);
}

/* The velocity depends on an unknown (at its guess, 2, not the truth's 1) and on time
 * (largest at t = 1); over a long duration L^2 / (4 T) is below the flow's bound and stays. */
static void test_auto_flow_unknown_and_long_duration(void **state) {
  loaded l;
  load_flow1d(&l, 1, "a * t * dx(u)");
  expect_flow(&l, 0.25, PRP_FLOW_MEASURED, 2, 2.0 / PRP_RELAX_AUTO_PECLET);
  unload(&l);
  load_flow1d(&l, 100, "0.3 * dx(u)");   /* L^2 / (4 T) = 0.0025 < U L / 15 = 0.02 */
  expect_flow(&l, 0.0025, PRP_FLOW_MEASURED, 0.3, 0.0025);
  prp_relax_auto rule;
  prp_relax_auto_rule(&l.prog->problem, &rule);
  assert_false(rule.flow_bound);
  assert_near(rule.eps_flow, 0.02, "U L / Pe");
  unload(&l);
}

/* A wave keeps 4 L^2 / T^2 (nothing measured); a PDE outside the class whose
 * coefficients can be extracted (u dx(u)) keeps L^2 / (4 T) and says why. */
static void test_auto_flow_wave_and_outside_the_class(void **state) {
  static const char wave[] =
    "problem p\nspace x in [0, 1], y in [0, 3]\ntime t in [0, 0.5]\nfield u(x, y, t)\nunknown a = 1 in [0, 1]\n"
    "pde dtt(u) - lap(u) = exp(-(x - a)^2)\ninitial u = 0 hard\ninitial dt(u) = 0\n"
    "truth {\n set a = 0.5\n sensors x = 0.5, y = 0.5, t = 0.5\n}\nrelax auto\nnetwork mlp(4)\n";
  loaded l;
  load_text(&l, "wave.prp", wave);
  expect_flow(&l, 144, PRP_FLOW_UNMEASURED, 0, 144);
  unload(&l);
  load_flow1d(&l, 1, "u * dx(u)");
  expect_flow(&l, 0.25, PRP_FLOW_NOT_EXTRACTED, 0, 0.25);
  assert_non_null(strstr(l.prog->problem.flow_why, "not linear in u_x"));
  unload(&l);
}

/* What `prpc emit --residual` prints of the rule. */
static void test_auto_flow_printout(void **state) {
  loaded l;
  load_text(&l, "drift.prp", drift);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  prp_emit_residuals(l.prog, 1, f);
  fclose(f);
  if (!strstr(text, "smoothing from min(L^2/(4 T), U L/Pe) = min(0.5625, 0.05) = 0.05, U L/Pe; U = 0.5"))
    fail_msg("printed:\n%s", text);
  free(text);
  unload(&l);
}

/* Unit peak in every dimension and for every width: eta is a rate. */
static void test_nudging_kernel_unit_peak(void **state) {
  const double widths[] = {0.005, 0.05, 0.3, 2};
  for (int i = 0; i < 4; i++) {
    double h = widths[i];
    assert_true(prp_nudging_kernel(0, h) == 1);
    double half = h * sqrt(2 * log(2));       /* half maximum */
    assert_true(fabs(prp_nudging_kernel(half * half, h) - 0.5) < 1e-12);
    assert_true(fabs(prp_nudging_kernel(2 * 3 * h * 3 * h, h) - exp(-9)) < 1e-15);   /* at (3h, 3h) in 2D */
  }
}

/* The square problem planned on synthetic observations (no simulation). */
static void plan_square(const char *extra_train, loaded *l, prp_plan *plan) {
  char text[2048];
  snprintf(text, sizeof text, "%.*s%s}\n", (int)(sizeof square - 3), square, extra_train);
  load_text(l, "square.prp", text);
  double x[9 * 3], u[9];
  for (int i = 0; i < 9; i++) {
    x[3 * i] = 0.25 + 0.25 * (i % 3);
    x[3 * i + 1] = 0.25 + 0.25 * (i / 3);
    x[3 * i + 2] = 0.5;
    u[i] = 0.1 * (i + 1);
  }
  prp_plan_options opt = {.relax = 1, .epochs = -1, .seed = -1, .quiet = 1, .precision = 64};
  assert_int_equal(prp_plan_compile(l->prog, jit, &opt, &l->diag, 9, x, u, plan), 0);
}

static void free_square(loaded *l, prp_plan *plan) {
  prp_plan_free(plan);
  ast_program_free(l->prog);
  fclose(l->f);
  free(l->text);
}

/* d loss / d (xs, ys) with the network's output at zero, the source at
 * (0.05, 0.05) and the widest width: only the source's own energy is left. */
static double energy_gradient(const char *extra_train) {
  loaded l;
  prp_plan plan;
  plan_square(extra_train, &l, &plan);
  char *err = NULL;
  prp_train_session *s = prp_train_session_new(&plan.problem, &err);
  assert_non_null(s);
  prp_train_session_set_progress(s, 0);
  size_t n = prp_train_session_size(s), np = n - 2;
  double *x = prp_train_session_params(s), *g = calloc(n, sizeof *g);
  memset(x, 0, np * sizeof *x);            /* zero weights and biases: N = 0, so u = 0 */
  prp_train_session_loss_grad(s, x, g);
  double norm = hypot(g[np], g[np + 1]);
  free(g);
  prp_train_session_free(s);
  free_square(&l, &plan);
  return norm;
}

static void test_source_energy_independent_of_position(void **state) {
  double box = energy_gradient(" source_energy box\n"), free_space = energy_gradient("");
  print_message("|d loss / d theta| with u = 0 at (0.05, 0.05): box %g, with the margin %g\n", box, free_space);
  assert_true(box > 1e-3);                  /* the walls pull the source out */
  assert_true(free_space < 0.1 * box);       /* the margin's energy cancels that pull */
}

/* Frozen unknowns during the warm-up: a whole run of warm-up keeps the guess bit for bit. */
static void test_warmup_freezes_the_unknowns(void **state) {
  const char *cases[] = {" epochs 40\n warmup 40\n", " epochs 40\n warmup 0\n", " epochs 40\n warmup 50%\n"};
  double got[3][2];
  for (int c = 0; c < 3; c++) {
    loaded l;
    prp_plan plan;
    plan_square(cases[c], &l, &plan);
    if (c == 2) assert_int_equal(prp_train_warmup(&plan.problem), 20);
    prp_train_result res;
    char *err = prp_train_run(&plan.problem, &res);
    assert_null(err);
    assert_int_equal(res.epochs_done, 40);
    got[c][0] = res.unknowns[0];
    got[c][1] = res.unknowns[1];
    free_square(&l, &plan);
  }
  print_message("warm-up 40, 0, 50%%: xs %.17g %.17g %.17g\n", got[0][0], got[1][0], got[2][0]);
  assert_true(fabs(got[0][0] - 0.05) < 1e-15 && fabs(got[0][1] - 0.05) < 1e-15);   /* the guess, through the bounded transform and back */
  assert_true(fabs(got[1][0] - 0.05) > 1e-6 && fabs(got[1][1] - 0.05) > 1e-6);
  assert_true(got[2][0] != 0.05 && fabs(got[2][0] - 0.05) < fabs(got[1][0] - 0.05));   /* moved for 20 epochs, not 40 */
}

/* Two time scales: the unknowns' rate follows the relaxation left, down to
 * unknowns_slowdown (default 0.05) of itself once the physics is restored. */
static void test_unknowns_rate_follows_the_relaxation(void **state) {
  loaded l;
  prp_plan plan;
  plan_square(" epochs 1000\n warmup 100\n", &l, &plan);
  const prp_train_problem *pb = &plan.problem;
  double f = strtod(prp_train_option_find("unknowns_slowdown")->dflt, NULL);
  assert_true(f == 0.05 && pb->unknowns_slowdown == f);
  assert_true(prp_train_unknowns_rate(pb, 50, 1e-3) == 0);                 /* warm-up */
  assert_true(prp_train_unknowns_rate(pb, 200, 1e-3) == 1e-3);             /* the relaxation holds to 25% */
  assert_true(fabs(prp_train_unknowns_rate(pb, 500, 1e-3) - 1e-3 * (f + (1 - f) * 0.5)) < 1e-15);   /* half annealed */
  assert_true(fabs(prp_train_unknowns_rate(pb, 800, 1e-3) - 1e-3 * f) < 1e-15);                      /* strict physics */
  free_square(&l, &plan);
  plan_square(" epochs 1000\n unknowns_slowdown 1\n", &l, &plan);
  assert_true(prp_train_unknowns_rate(&plan.problem, 800, 1e-3) == 1e-3);   /* 1: no slowdown */
  free_square(&l, &plan);
}

int main(void) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_auto_rule_unit_square),
    cmocka_unit_test(test_auto_rule_cases),
    cmocka_unit_test(test_auto_rule_steady_needs_a_width),
    cmocka_unit_test(test_auto_flow_drift),
    cmocka_unit_test(test_auto_flow_rotation),
    cmocka_unit_test(test_auto_flow_none),
    cmocka_unit_test(test_auto_flow_unknown_and_long_duration),
    cmocka_unit_test(test_auto_flow_wave_and_outside_the_class),
    cmocka_unit_test(test_auto_flow_printout),
    cmocka_unit_test(test_nudging_kernel_unit_peak),
    cmocka_unit_test(test_source_energy_independent_of_position),
    cmocka_unit_test(test_warmup_freezes_the_unknowns),
    cmocka_unit_test(test_unknowns_rate_follows_the_relaxation),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
