/* Tests of the mechanisms that make PR-PINN work in 2D (issue 11): the rule of
 * `relax auto` on known boxes and durations, the nudging kernel's size, the
 * unknowns frozen during a warm-up, and the dilated source's energy outside the
 * box, which makes the source's own energy independent of its position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include "plan.h"
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
    cmocka_unit_test(test_nudging_kernel_unit_peak),
    cmocka_unit_test(test_source_energy_independent_of_position),
    cmocka_unit_test(test_warmup_freezes_the_unknowns),
    cmocka_unit_test(test_unknowns_rate_follows_the_relaxation),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
