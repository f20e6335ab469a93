/* Tests of the truth simulation's front half (compiler/plan/simulate_pde.c, simulate_layout.c):
 * the coefficients of every example's truth PDE against values worked out by hand, located
 * errors for PDEs outside the simulator's class, truth settings and sensor layouts. */
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
#include "parse.h"
#include "rng.h"
#include "simulate.h"

/* A parsed and checked program, with the diagnostics captured as text. */
typedef struct loaded {
  ast_program *prog;
  prp_diag diag;
  FILE *f;
  char *text;
  size_t len;
} loaded;

static void open_diag(loaded *l) {
  l->f = open_memstream(&l->text, &l->len);
  assert_non_null(l->f);
  prp_diag_init(&l->diag, l->f, 0);
}

static void load_file(loaded *l, const char *relative) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", PRP_SOURCE_DIR, relative);
  memset(l, 0, sizeof *l);
  open_diag(l);
  l->prog = prp_parse_file(path, &l->diag);
  assert_non_null(l->prog);
  assert_int_equal(prp_check(l->prog, &l->diag), 0);
}

static void load_text(loaded *l, const char *text) {
  memset(l, 0, sizeof *l);
  open_diag(l);
  l->prog = prp_parse_string("truth.prp", text, strlen(text), &l->diag);
  assert_non_null(l->prog);
  if (l->diag.errors == 0) prp_check(l->prog, &l->diag);
  fflush(l->f);
  if (l->diag.errors) fail_msg("the test's program has errors:\n%s", l->text);
}

static const char *diag_text(loaded *l) {
  fflush(l->f);
  return l->text ? l->text : "";
}

static void unload(loaded *l) {
  ast_program_free(l->prog);
  fclose(l->f);
  free(l->text);
}

/* Evaluates a node of the extracted PDE with the interpreter at (coords, u). */
static double eval_at(const prp_truth_pde *p, prp_node n, const double *coord, int ncoords, double u) {
  uint32_t n_jet = prp_dag_jet_count(p->dag);
  double jets[64] = {0};
  assert_true(n_jet <= 64);
  for (uint32_t j = 0; j < n_jet; j++)
    if (prp_dag_jet_node(p->dag, j) == p->u) jets[j] = u;
  prp_env env = {.coord = coord, .n_coord = (size_t)ncoords, .jet = jets, .n_jet = n_jet};
  return prp_eval(p->dag, n, &env);
}

static void assert_close(double got, double want, double tol, const char *what) {
  if (fabs(got - want) > tol * fmax(1.0, fabs(want))) fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static double gaussian2d(double x, double y, double x0, double y0, double s) {
  return exp(-((x - x0) * (x - x0) + (y - y0) * (y - y0)) / (2 * s * s)) / (2 * M_PI * s * s);
}

/* ---- the examples ------------------------------------------------------------------- */

/* plume2d: wind (0.4, 0.1), D = 0.002, the source 2 * gaussian2d at (0.25, 0.40). */
static void test_plume2d(void **state) {
  (void)state;
  loaded l;
  load_file(&l, "examples/plume2d.prp");
  prp_truth_pde p;
  assert_int_equal(prp_truth_pde_extract(l.prog, &l.diag, &p), 0);
  assert_int_equal(p.a2, 0);
  assert_true(p.a1 == 1.0);
  assert_close(p.diffusivity[0], 0.002, 1e-15, "D_x");
  assert_close(p.diffusivity[1], 0.002, 1e-15, "D_y");
  assert_true(p.has_velocity && p.velocity_steady);
  assert_true(prp_node_is_const(p.dag, p.velocity[0], 0.4));
  assert_true(prp_node_is_const(p.dag, p.velocity[1], 0.1));
  assert_false(p.source_uses_u);
  double c[3] = {0.31, 0.37, 0.5};
  assert_close(eval_at(&p, p.source, c, 3, 0), 2.0 * gaussian2d(0.31, 0.37, 0.25, 0.40, 0.02), 1e-13, "source");
  assert_int_equal(p.decl->loc.line, 27);   /* the truth's own pde line */
  prp_truth_pde_free(&p);
  unload(&l);
}

/* acoustic2d: u_tt - c^2 lap(u) = 2 gaussian2d * ricker with c = 1. */
static void test_acoustic2d(void **state) {
  (void)state;
  loaded l;
  load_file(&l, "examples/acoustic2d.prp");
  prp_truth_pde p;
  assert_int_equal(prp_truth_pde_extract(l.prog, &l.diag, &p), 0);
  assert_int_equal(p.a2, 1);
  assert_true(p.a1 == 0.0);
  assert_close(p.diffusivity[0], 1.0, 1e-15, "c^2 along x");
  assert_close(p.diffusivity[1], 1.0, 1e-15, "c^2 along y");
  assert_false(p.has_velocity);
  double at_peak[3] = {0.35, 0.6, 0.15};
  double norm = 2 / (2 * M_PI * 0.02 * 0.02);
  assert_close(eval_at(&p, p.source, at_peak, 3, 0), norm, 1e-14, "source at the pulse's centre and peak time");
  double off[3] = {0.40, 0.6, 0.2};
  double a = M_PI * 8 * 0.05;
  double want = norm * exp(-0.05 * 0.05 / (2 * 0.02 * 0.02)) * (1 - 2 * a * a) * exp(-a * a);
  assert_close(eval_at(&p, p.source, off, 3, 0), want, 1e-13, "source off the centre");
  prp_truth_pde_free(&p);
  unload(&l);
}

/* fisher_kpp_gyre: the Double Gyre (depends on t), D = 0.001, g = r u (1 - u) + s. */
static void test_fisher_kpp_gyre(void **state) {
  (void)state;
  loaded l;
  load_file(&l, "examples/fisher_kpp_gyre.prp");
  prp_truth_pde p;
  assert_int_equal(prp_truth_pde_extract(l.prog, &l.diag, &p), 0);
  assert_int_equal(p.a2, 0);
  assert_close(p.diffusivity[0], 0.001, 1e-15, "D");
  assert_true(p.has_velocity);
  assert_false(p.velocity_steady);
  assert_true(p.source_uses_u);
  double x = 0.7, y = 0.35, t = 1.3, A = 0.1, e = 0.25, w = 2 * M_PI / 10;
  double f = e * sin(w * t) * x * x + (1 - 2 * e * sin(w * t)) * x, dfdx = 2 * e * sin(w * t) * x + 1 - 2 * e * sin(w * t);
  double c[3] = {x, y, t};
  assert_close(eval_at(&p, p.velocity[0], c, 3, 0), -M_PI * A * sin(M_PI * f) * cos(M_PI * y), 1e-13, "v_x");
  assert_close(eval_at(&p, p.velocity[1], c, 3, 0), M_PI * A * cos(M_PI * f) * sin(M_PI * y) * dfdx, 1e-13, "v_y");
  double s = 0.5 * exp(-((x - 0.5) * (x - 0.5) + (y - 0.3) * (y - 0.3)) / (2 * 0.05 * 0.05));
  assert_close(eval_at(&p, p.source, c, 3, 0.3), 2.0 * 0.3 * 0.7 + s, 1e-13, "reaction plus source");
  prp_truth_pde_free(&p);
  unload(&l);
}

/* source1d: no own truth PDE, so the model's with xs = 0.6, q = 1. */
static void test_source1d(void **state) {
  (void)state;
  loaded l;
  load_file(&l, "examples/source1d.prp");
  prp_truth_pde p;
  assert_int_equal(prp_truth_pde_extract(l.prog, &l.diag, &p), 0);
  assert_true(p.decl == l.prog->problem.pde);
  assert_int_equal(p.a2, 0);
  assert_close(p.diffusivity[0], 5e-4, 1e-15, "D");
  assert_true(prp_node_is_const(p.dag, p.velocity[0], 0.5));
  assert_true(p.velocity_steady);
  double c[2] = {0.6, 0.3};
  assert_close(eval_at(&p, p.source, c, 2, 0), 1.0 / (0.01 * sqrt(2 * M_PI)), 1e-13, "source peak");
  prp_truth_pde_free(&p);
  unload(&l);
}

/* ---- normalisation and errors -------------------------------------------------------- */

static const char head_1d[] =
    "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\ninitial u = 0\n";
static const char tail_1d[] = "truth {\n  sensors x = 0.5, t = 0.5\n}\n";
static const char head_2d[] =
    "space x in [0, 1], y in [0, 1]\ntime t in [0, 1]\nfield u(x, y, t)\ninitial u = 0\n";
static const char tail_2d[] = "truth {\n  sensors x = 0.5, y = 0.5, t = 0.5\n}\n";

/* Extraction of `pde LINE` on the 1D or 2D header; the return code, diagnostics kept. */
static int extract_pde(loaded *l, const char *pde_line, int dim, prp_truth_pde *p) {
  char text[2048];
  snprintf(text, sizeof text, "%s%s\ninitial dt(u) = 0\n%s", dim == 1 ? head_1d : head_2d, pde_line, dim == 1 ? tail_1d : tail_2d);
  load_text(l, text);
  return prp_truth_pde_extract(l->prog, &l->diag, p);
}

/* The equation is divided by the coefficient of its time derivative, whatever its sign. */
static void test_normalisation(void **state) {
  (void)state;
  loaded l;
  prp_truth_pde p;
  assert_int_equal(extract_pde(&l, "pde 2 * dt(u) + 3 * dx(u) - 0.2 * dxx(u) = 4 * x", 1, &p), 0);
  assert_true(p.a1 == 1.0 && p.scale == 2.0);
  assert_close(p.diffusivity[0], 0.1, 1e-15, "D");
  assert_true(prp_node_is_const(p.dag, p.velocity[0], 1.5));
  double c[2] = {0.25, 0};
  assert_close(eval_at(&p, p.source, c, 2, 0), 0.5, 1e-15, "g");
  prp_truth_pde_free(&p);
  unload(&l);

  assert_int_equal(extract_pde(&l, "pde -dt(u) + 0.5 * dxx(u) = -1 + u", 1, &p), 0);
  assert_true(p.a1 == 1.0 && p.scale == -1.0);
  assert_close(p.diffusivity[0], 0.5, 1e-15, "D");
  assert_close(eval_at(&p, p.source, c, 2, 3.0), 1 - 3.0, 1e-15, "g with a linear reaction");
  assert_true(p.source_uses_u);
  prp_truth_pde_free(&p);
  unload(&l);

  assert_int_equal(extract_pde(&l, "pde 4 * dtt(u) + 0.4 * dt(u) - lap(u) = 0", 2, &p), 0);
  assert_int_equal(p.a2, 1);
  assert_close(p.a1, 0.1, 1e-15, "damping");
  assert_close(p.diffusivity[1], 0.25, 1e-15, "c^2");
  assert_true(prp_node_is_const(p.dag, p.source, 0));
  prp_truth_pde_free(&p);
  unload(&l);
}

/* Random linear PDEs, terms written on either side of '=' in random order, against the
 * coefficients they were made from:
 *   A u_t + B u_x + C y u_y - E u_xx - F u_yy = G sin(x) u + H t
 * gives a1 = 1, v = (B, C y) / A, D = (E, F) / A, g = (G sin(x) u + H t) / A. */
static void test_random_linear_pdes(void **state) {
  (void)state;
  prp_rng rng;
  prp_rng_seed(&rng, 2026);
  for (int round = 0; round < 40; round++) {
    double A = (0.5 + 2 * prp_rng_uniform(&rng)) * (prp_rng_uniform(&rng) < 0.5 ? -1 : 1);
    double B = 2 * prp_rng_uniform(&rng) - 1, C = 2 * prp_rng_uniform(&rng) - 1, G = 2 * prp_rng_uniform(&rng) - 1;
    double H = 2 * prp_rng_uniform(&rng) - 1;
    double E = copysign(0.1 * prp_rng_uniform(&rng), A), F = copysign(0.1 * prp_rng_uniform(&rng), A);
    char terms[6][96];
    snprintf(terms[0], sizeof terms[0], "%.17g * dt(u)", A);
    snprintf(terms[1], sizeof terms[1], "%.17g * dx(u)", B);
    snprintf(terms[2], sizeof terms[2], "%.17g * y * dy(u)", C);
    snprintf(terms[3], sizeof terms[3], "%.17g * dxx(u)", -E);
    snprintf(terms[4], sizeof terms[4], "%.17g * dyy(u)", -F);
    snprintf(terms[5], sizeof terms[5], "%.17g * sin(x) * u + %.17g * t", -G, -H);
    char lhs[512] = "0", rhs[512] = "0";
    int order[6] = {0, 1, 2, 3, 4, 5};
    for (int i = 5; i > 0; i--) {
      int j = (int)prp_rng_below(&rng, (uint64_t)i + 1), tmp = order[i];
      order[i] = order[j], order[j] = tmp;
    }
    for (int i = 0; i < 6; i++) {   /* a term moved to the right side changes sign */
      int right = prp_rng_uniform(&rng) < 0.5;
      char *side = right ? rhs : lhs;
      size_t len = strlen(side);
      snprintf(side + len, 512 - len, " %s (%s)", right ? "-" : "+", terms[order[i]]);
    }
    char pde_line[1100];
    snprintf(pde_line, sizeof pde_line, "pde %s = %s", lhs, rhs);
    loaded l;
    prp_truth_pde p;
    int rc = extract_pde(&l, pde_line, 2, &p);
    if (rc) fail_msg("%s:\n%s", pde_line, diag_text(&l));
    assert_int_equal(p.a2, 0);
    assert_close(p.a1, 1, 1e-15, "a1");
    assert_close(p.scale, A, 1e-15, "scale");
    assert_close(p.diffusivity[0], E / A, 1e-14, "D_x");
    assert_close(p.diffusivity[1], F / A, 1e-14, "D_y");
    double c[3] = {prp_rng_uniform(&rng), prp_rng_uniform(&rng), prp_rng_uniform(&rng)}, u = 2 * prp_rng_uniform(&rng) - 1;
    assert_close(eval_at(&p, p.velocity[0], c, 3, u), B / A, 1e-14, "v_x");
    assert_close(eval_at(&p, p.velocity[1], c, 3, u), C * c[1] / A, 1e-14, "v_y");
    assert_close(eval_at(&p, p.source, c, 3, u), (G * sin(c[0]) * u + H * c[2]) / A, 1e-13, "g");
    assert_true(p.source_uses_u);
    assert_true(p.velocity_steady);
    prp_truth_pde_free(&p);
    unload(&l);
  }
}

/* An unsupported PDE: the return code, and "truth.prp:LINE:COL: error: ...KEY..." in the output. */
static void expect_error(const char *pde_line, int dim, int col, const char *key) {
  loaded l;
  prp_truth_pde p;
  assert_int_equal(extract_pde(&l, pde_line, dim, &p), PRP_EXIT_INPUT);
  const char *out = diag_text(&l);
  char where[64];
  snprintf(where, sizeof where, "truth.prp:5:%d: error:", col);
  if (!strstr(out, where) || !strstr(out, key)) fail_msg("expected '%s' and '%s' in:\n%s", where, key, out);
  assert_true(strstr(out, "note: the truth simulator solves") != NULL);
  assert_int_equal(l.diag.errors, 1);
  prp_truth_pde_free(&p);
  unload(&l);
}

static void test_nonlinear_derivatives(void **state) {
  (void)state;
  /* u_x * u_xx: the caret under dx(u), the first jet whose coefficient depends on a jet */
  expect_error("pde dt(u) + dx(u) * dxx(u) = 0", 1, 13, "not linear in u_x: its coefficient u_xx depends on u_xx");
  /* Burgers: the coefficient of u_x is u */
  expect_error("pde dt(u) + u * dx(u) - 0.01 * dxx(u) = 0", 1, 17, "not linear in u_x: its coefficient u depends on u");
  expect_error("pde dt(u) * u - dxx(u) = 0", 1, 5, "not linear in u_t");
}

static void test_unsupported_derivatives(void **state) {
  (void)state;
  expect_error("pde dt(u) - lap(u) + dxy(u) = 0", 2, 22, "uses u_xy (a mixed derivative)");
  expect_error("pde dt(u) - dxx(u) + dxt(u) = 0", 1, 22, "uses u_xt (a mixed derivative)");
}

static void test_coefficients_outside_the_class(void **state) {
  (void)state;
  expect_error("pde dt(u) - x * dxx(u) = 0", 1, 17, "the diffusion coefficient of u_xx in the truth PDE must be a constant, not x");
  expect_error("pde (1 + t) * dt(u) - dxx(u) = 0", 1, 15, "the coefficient of u_t in the truth PDE must be a constant");
  expect_error("pde dt(u) + 0.1 * dxx(u) = 0", 1, 19, "backward diffusion is ill-posed");
  expect_error("pde dtt(u) + dx(u) - dxx(u) = 0", 1, 14, "has an advection term in u_x");
  expect_error("pde dtt(u) - dt(u) - dxx(u) = 0", 1, 14, "damping coefficient of u_t");
  expect_error("pde u - dxx(u) = 1", 1, 1, "has no time derivative");
}

/* The truth's own PDE is the one located (line 7 of this text), not the model's. */
static void test_error_in_truth_pde(void **state) {
  (void)state;
  static const char text[] =
      "space x in [0, 1], y in [0, 1]\ntime t in [0, 1]\nfield u(x, y, t)\ninitial u = 0\n"
      "pde dt(u) - lap(u) = 0\n"
      "truth {\n  pde dt(u) - lap(u) - dxy(u) = 0\n  sensors x = 0.5, y = 0.5, t = 0.5\n}\n";
  loaded l;
  load_text(&l, text);
  prp_truth_pde p;
  assert_int_equal(prp_truth_pde_extract(l.prog, &l.diag, &p), PRP_EXIT_INPUT);
  const char *out = diag_text(&l);
  if (!strstr(out, "truth.prp:7:24: error: the truth PDE uses u_xy")) fail_msg("got:\n%s", out);
  prp_truth_pde_free(&p);
  unload(&l);
}

static void test_no_truth_or_no_time(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "space x in [0, 1]\nfield u(x)\npde dxx(u) = 1\nsensors from \"" PRP_SOURCE_DIR "/CMakeLists.txt\"\n");
  prp_truth_pde p;
  assert_int_equal(prp_truth_pde_extract(l.prog, &l.diag, &p), PRP_EXIT_INPUT);
  assert_non_null(strstr(diag_text(&l), "there is no 'truth { ... }' block"));
  prp_truth_pde_free(&p);
  unload(&l);
  load_text(&l, "space x in [0, 1]\nfield u(x)\npde dxx(u) = 1\ntruth {\n  sensors x = 0.5\n}\n");
  assert_int_equal(prp_truth_pde_extract(l.prog, &l.diag, &p), PRP_EXIT_INPUT);
  assert_non_null(strstr(diag_text(&l), "truth.prp:4:1: error: the truth simulator integrates in time"));
  prp_truth_pde_free(&p);
  unload(&l);
}

/* ---- settings and layouts ---------------------------------------------------------- */

static void test_settings(void **state) {
  (void)state;
  loaded l;
  prp_truth_settings s;
  load_file(&l, "examples/plume2d.prp");
  prp_truth_settings_read(l.prog, &s);
  assert_int_equal(s.grid[0], 128);
  assert_int_equal(s.grid[1], 128);
  assert_int_equal(s.noise, PRP_SIM_NOISE_RELATIVE);
  assert_true(s.noise_level == 1.0);
  assert_int_equal(s.seed, 11);
  assert_non_null(s.sensors);
  assert_int_equal(s.sensors->kind, SENSORS_GRID);
  unload(&l);

  load_text(&l, "space x in [0, 1], y in [0, 1]\ntime t in [0, 1]\nfield u(x, y, t)\npde dt(u) = 0\n"
                "truth {\n  sensors x = 0.5, y = 0.5, t = 0.5\n  noise 0.001\n}\n");
  prp_truth_settings_read(l.prog, &s);
  assert_int_equal(s.grid[0], 129);
  assert_int_equal(s.grid[1], 129);
  assert_int_equal(s.noise, PRP_SIM_NOISE_ABSOLUTE);
  assert_true(s.noise_level == 0.001);
  assert_int_equal(s.seed, 0);
  unload(&l);

  load_text(&l, "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\npde dt(u) = 0\n"
                "sensors x = 0.5, t = 0.5\ntruth {\n  grid 40\n  sensors x = 0.25, t = 1\n}\n");
  prp_truth_settings_read(l.prog, &s);
  assert_int_equal(s.grid[0], 40);
  assert_int_equal(s.noise, PRP_SIM_NOISE_NONE);
  assert_non_null(s.sensors);   /* the truth's own layout, not the top-level one */
  assert_int_equal(s.sensors_loc.line, 8);
  unload(&l);
}

static double *layout_of(const char *sensors_line, size_t *n, loaded *l) {
  char text[512];
  snprintf(text, sizeof text, "space x in [0, 1], y in [0, 2]\ntime t in [0, 1]\nfield u(x, y, t)\npde dt(u) = 0\n"
           "truth {\n  %s\n}\n", sensors_line);
  load_text(l, text);
  prp_truth_settings s;
  prp_truth_settings_read(l->prog, &s);
  double *c;
  prp_sensor_layout_points(l->prog, s.sensors, &c, n);
  return c;
}

static void assert_point(const double *c, size_t i, double x, double y, double t) {
  if (c[3 * i] != x || c[3 * i + 1] != y || c[3 * i + 2] != t)
    fail_msg("point %zu is (%g, %g, %g), want (%g, %g, %g)", i, c[3 * i], c[3 * i + 1], c[3 * i + 2], x, y, t);
}

static void test_grid_layout(void **state) {
  (void)state;
  loaded l;
  size_t n;
  /* axes in any order; x slowest, time fastest; both ends included */
  double *c = layout_of("sensors t = 0 .. 1 count 3, y = 1.5, x = 0.2 .. 0.8 count 2", &n, &l);
  assert_int_equal(n, 6);
  assert_point(c, 0, 0.2, 1.5, 0.0);
  assert_point(c, 1, 0.2, 1.5, 0.5);
  assert_point(c, 2, 0.2, 1.5, 1.0);
  assert_point(c, 3, 0.8, 1.5, 0.0);
  assert_point(c, 5, 0.8, 1.5, 1.0);
  free(c);
  unload(&l);
  c = layout_of("sensors x = 0.1 .. 0.9 count 5, y = 0 .. 2 count 3, t = 0.05 .. 1 count 20", &n, &l);
  assert_int_equal(n, 300);
  assert_point(c, 0, 0.1, 0.0, 0.05);
  assert_point(c, 20, 0.1, 1.0, 0.05);
  assert_point(c, 299, 0.9, 2.0, 1.0);
  assert_close(c[3 * 60], 0.3, 1e-15, "second x");
  assert_close(c[3 * 1 + 2], 0.05 + 0.95 / 19, 1e-15, "second time");
  free(c);
  unload(&l);
}

static void test_points_layout(void **state) {
  (void)state;
  loaded l;
  size_t n;
  double *c = layout_of("sensors at (0.2, 0.3), (0.7, 1.9), (1, 0) t = 0.5 .. 1 count 2", &n, &l);
  assert_int_equal(n, 6);
  assert_point(c, 0, 0.2, 0.3, 0.5);
  assert_point(c, 1, 0.2, 0.3, 1.0);
  assert_point(c, 2, 0.7, 1.9, 0.5);
  assert_point(c, 5, 1.0, 0.0, 1.0);
  free(c);
  unload(&l);
  /* the acoustic example: 5 points times 50 times */
  load_file(&l, "examples/acoustic2d.prp");
  prp_truth_settings s;
  prp_truth_settings_read(l.prog, &s);
  prp_sensor_layout_points(l.prog, s.sensors, &c, &n);
  assert_int_equal(n, 250);
  assert_point(c, 49, 0.2, 0.2, 1.0);
  assert_point(c, 200, 0.5, 0.5, 0.02);
  free(c);
  unload(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plume2d),
      cmocka_unit_test(test_acoustic2d),
      cmocka_unit_test(test_fisher_kpp_gyre),
      cmocka_unit_test(test_source1d),
      cmocka_unit_test(test_normalisation),
      cmocka_unit_test(test_random_linear_pdes),
      cmocka_unit_test(test_nonlinear_derivatives),
      cmocka_unit_test(test_unsupported_derivatives),
      cmocka_unit_test(test_coefficients_outside_the_class),
      cmocka_unit_test(test_error_in_truth_pde),
      cmocka_unit_test(test_no_truth_or_no_time),
      cmocka_unit_test(test_settings),
      cmocka_unit_test(test_grid_layout),
      cmocka_unit_test(test_points_layout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
