/* Tests of lowering, the PR-PINN residuals and the jet analysis (compiler/symbolic/lower.c,
 * residual.c, jets.c): for each example the residual evaluated by the reference
 * interpreter equals a hand-written C formula of the same residual, its partial
 * derivatives match finite differences of that formula, and its jet set is what
 * the PDE needs and no more. */
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
#include "residual.h"
#include "rng.h"

enum { N_POINTS = 25 };

/* One random evaluation point: coordinates, unknowns, jets, schedule scalars, point data. */
typedef struct {
  double c[4], th[4];
  double u, u_t, u_tt, u_x, u_xx, lap;
  double eps, eta, sigma, obs, w, u_obs;
} point;

typedef double (*hand_formula)(const point *p);

static ast_program *load_file(const char *relative) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", PRP_SOURCE_DIR, relative);
  prp_diag d;
  prp_diag_init(&d, stderr, 0);
  ast_program *prog = prp_parse_file(path, &d);
  assert_non_null(prog);
  assert_int_equal(d.errors, 0);
  assert_int_equal(prp_check(prog, &d), 0);
  return prog;
}

static ast_program *load_text(const char *text) {
  prp_diag d;
  prp_diag_init(&d, stderr, 0);
  ast_program *prog = prp_parse_string("test.prp", text, strlen(text), &d);
  assert_non_null(prog);
  assert_int_equal(d.errors, 0);
  assert_int_equal(prp_check(prog, &d), 0);
  return prog;
}

static double uniform(prp_rng *rng, double lo, double hi) { return lo + (hi - lo) * prp_rng_uniform(rng); }

static void random_point(prp_rng *rng, point *p) {
  for (int k = 0; k < 4; k++) {
    p->c[k] = uniform(rng, 0, 1);
    p->th[k] = uniform(rng, 0.2, 1.5);
  }
  double *jets[] = {&p->u, &p->u_t, &p->u_tt, &p->u_x, &p->u_xx, &p->lap};
  for (size_t i = 0; i < sizeof jets / sizeof jets[0]; i++) *jets[i] = uniform(rng, -2, 2);
  p->eps = uniform(rng, 0, 0.1);
  p->eta = uniform(rng, 0, 50);
  p->sigma = uniform(rng, 0.05, 0.3);
  p->obs = uniform(rng, -1, 1);
  p->w = uniform(rng, 0, 100);
  p->u_obs = uniform(rng, -1, 1);
}

/* Where a point keeps the value of a jet the formulas name; NULL for others. */
static double *jet_slot(const prp_jet *j, point *p, int time_index) {
  if (j->lap_mask) return &p->lap;
  unsigned total = prp_jet_total_order(j);
  int in_time = time_index >= 0 ? j->order[time_index] : 0;
  if (total == 0) return &p->u;
  if (total == 1 && in_time) return &p->u_t;
  if (total == 2 && in_time == 2) return &p->u_tt;
  if (total == 1 && j->order[0] == 1) return &p->u_x;
  if (total == 2 && j->order[0] == 2) return &p->u_xx;
  return NULL;
}

/* The value of any jet: the named ones from the point, others a fixed function
 * of the jet (the formulas do not use them; a wrong dependence would show). */
static double jet_value(const prp_jet *j, const point *p, int time_index) {
  double *slot = jet_slot(j, (point *)p, time_index);
  if (slot) return *slot;
  return 0.125 * (j->order[0] + 3 * j->order[1] + 7 * j->order[2] + 11 * j->order[3]);
}

typedef struct {
  double coord[4], unknown[4], scalar[8], pointdata[PRP_POINT_COUNT];
  double *jet;
} env_storage;

static prp_env make_env(const prp_residuals *r, const ast_program *prog, const point *p, env_storage *s) {
  const prp_problem *pb = &prog->problem;
  memcpy(s->coord, p->c, sizeof s->coord);
  memcpy(s->unknown, p->th, sizeof s->unknown);
  s->scalar[PRP_SCALAR_EPS] = p->eps;
  s->scalar[PRP_SCALAR_ETA] = p->eta;
  for (int i = PRP_SCALAR_DILATED; i < 8; i++) s->scalar[i] = p->sigma;
  s->pointdata[PRP_POINT_NUDGE_OBS] = p->obs;
  s->pointdata[PRP_POINT_NUDGE_W] = p->w;
  s->pointdata[PRP_POINT_U_OBS] = p->u_obs;
  uint32_t n_jet = prp_dag_jet_count(r->dag);
  s->jet = realloc(s->jet, (n_jet ? n_jet : 1) * sizeof *s->jet);
  for (uint32_t j = 0; j < n_jet; j++)
    s->jet[j] = jet_value(&prp_node_var(r->dag, prp_dag_jet_node(r->dag, j))->jet, p, pb->time_index);
  return (prp_env){.coord = s->coord, .n_coord = (size_t)pb->ncoords, .unknown = s->unknown,
                   .n_unknown = (size_t)pb->nunknowns, .jet = s->jet, .n_jet = n_jet,
                   .scalar = s->scalar, .n_scalar = (size_t)r->nscalars, .pointdata = s->pointdata,
                   .n_pointdata = PRP_POINT_COUNT};
}

static void assert_close(double got, double expected, double rel, const char *what) {
  double tol = rel * (1 + fabs(expected));
  if (!(fabs(got - expected) <= tol)) fail_msg("%s: got %.17g, expected %.17g", what, got, expected);
}

/* The jet list of a term as text, e.g. "u, u_t, lap_u". */
static char *jet_text(const prp_residuals *r, const prp_residual_term *t) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  prp_jet_set_print(r->dag, &t->jets, f);
  fclose(f);
  return buf;
}

static void assert_jets(const prp_residuals *r, int term, const char *expected) {
  assert_true(term < r->nterms);
  char *text = jet_text(r, &r->terms[term]);
  assert_string_equal(text, expected);
  free(text);
}

/* The PDE residual equals the formula at random points; each partial derivative
 * wrt an unknown or a named jet equals a central difference of the formula
 * (step 1e-6: error ~1e-12 times the third derivative, plus ~1e-10 roundoff). */
static void check_pde_against(const ast_program *prog, const prp_residuals *r, hand_formula formula, uint64_t seed) {
  prp_rng rng;
  prp_rng_seed(&rng, seed);
  const prp_residual_term *t = &r->terms[0];
  assert_int_equal(t->kind, PRP_TERM_PDE);
  env_storage s = {0};
  for (int i = 0; i < N_POINTS; i++) {
    point p;
    random_point(&rng, &p);
    prp_env env = make_env(r, prog, &p, &s);
    assert_close(prp_eval(r->dag, t->value, &env), formula(&p), 1e-12, "residual");
    for (int k = 0; k < r->nunknowns; k++) {
      const double h = 1e-6;
      point up = p, down = p;
      up.th[k] += h;
      down.th[k] -= h;
      double fd = (formula(&up) - formula(&down)) / (2 * h);
      assert_close(prp_eval(r->dag, t->d_unknown[k], &env), fd, 1e-5, "d residual / d unknown");
    }
    for (int j = 0; j < t->jets.n; j++) {
      const double h = 1e-6;
      point up = p, down = p;
      double *slot_up = jet_slot(&t->jets.jets[j], &up, prog->problem.time_index);
      double *slot_down = jet_slot(&t->jets.jets[j], &down, prog->problem.time_index);
      assert_non_null(slot_up);   /* every jet of the examples' PDEs is named */
      *slot_up += h;
      *slot_down -= h;
      double fd = (formula(&up) - formula(&down)) / (2 * h);
      assert_close(prp_eval(r->dag, t->d_jet[j], &env), fd, 1e-5, "d residual / d jet");
    }
  }
  free(s.jet);
}

static double sq(double v) { return v * v; }

/* plume2d: dt(u) - D lap(u) = q gaussian2d(x, y, xs, ys, sigma), D = 0.002 */
static double gaussian2d(double x, double y, double x0, double y0, double s) {
  return exp(-(sq(x - x0) + sq(y - y0)) / (2 * s * s)) / (2 * M_PI * s * s);
}

static double gaussian1d(double x, double x0, double s) {
  return exp(-sq(x - x0) / (2 * s * s)) / (s * sqrt(2 * M_PI));
}

static double plume_relaxed(const point *p) {
  double x = p->c[0], y = p->c[1];
  double xs = p->th[0], ys = p->th[1], q = p->th[2];
  return p->u_t - 0.002 * p->lap - q * gaussian2d(x, y, xs, ys, p->sigma) - p->eps * p->lap -
         p->eta * (p->obs - p->u * p->w);
}

static double plume_physical(const point *p) {
  double x = p->c[0], y = p->c[1];
  return p->u_t - 0.002 * p->lap - p->th[2] * gaussian2d(x, y, p->th[0], p->th[1], 0.02);
}

/* acoustic2d: dtt(u) - c^2 lap(u) = 2 gaussian2d(x, y, xs, ys, sigma) ricker(t, 8, 0.15) */
static double acoustic_source(const point *p, double s) {
  double x = p->c[0], y = p->c[1], t = p->c[2];
  double a = M_PI * 8 * (t - 0.15);
  return 2 * gaussian2d(x, y, p->th[0], p->th[1], s) * (1 - 2 * a * a) * exp(-a * a);
}

static double acoustic_relaxed(const point *p) {
  double c = p->th[2];
  return p->u_tt - c * c * p->lap - acoustic_source(p, p->sigma) - p->eps * p->lap;
}

/* fisher_kpp_gyre: dt(u) - D lap(u) - r u (1 - u) = 0.5 bump2d(..., sigma), D = 0.001, r = 2 */
static double fisher_relaxed(const point *p) {
  double x = p->c[0], y = p->c[1];
  double bump = exp(-(sq(x - p->th[0]) + sq(y - p->th[1])) / (2 * p->sigma * p->sigma));
  return p->u_t - 0.001 * p->lap - 2.0 * p->u * (1 - p->u) - 0.5 * bump - p->eps * p->lap -
         p->eta * (p->obs - p->u * p->w);
}

/* std.sources' erf_approx and gaussian2d_box, written out: the share of a Gaussian in [a, b]. */
static double erf_approx(double z) { return tanh(1.128379 * z + 0.100303 * z * z * z); }
static double share(double a, double b, double c, double s) {
  return 0.5 * (erf_approx((b - c) / (sqrt(2) * s)) - erf_approx((a - c) / (sqrt(2) * s)));
}
static double gaussian2d_box(double x, double y, double x0, double y0, double s) {
  return gaussian2d(x, y, x0, y0, s) / (share(0, 2, x0, s) * share(0, 1, y0, s));
}

static double gaussian1d_box(double x, double x0, double s) {
  return gaussian1d(x, x0, s) / share(0, 1, x0, s);
}

/* box_source_src: dt(u) - 0.001 lap(u) = gaussian2d_box(x, y, xs, ys, sigma, 0, 2, 0, 1), dilated */
static double box_relaxed(const point *p) {
  return p->u_t - 0.001 * p->lap - gaussian2d_box(p->c[0], p->c[1], p->th[0], p->th[1], p->sigma);
}

/* box1d_source_src: dt(u) - 0.001 dxx(u) = gaussian1d_box(x, xs, sigma, 0, 1), dilated */
static double box1d_relaxed(const point *p) {
  return p->u_t - 0.001 * p->u_xx - gaussian1d_box(p->c[0], p->th[0], p->sigma);
}

/* source1d: dt(u) + v dx(u) - D dxx(u) = q gaussian1d(x, xs, sigma), v = 0.5, D = 5e-4, q = 1 */
static double source1d_source(const point *p, double s) {
  return 1.0 * gaussian1d(p->c[0], p->th[0], s);
}

static double source1d_relaxed(const point *p) {
  return p->u_t + 0.5 * p->u_x - 5e-4 * p->u_xx - source1d_source(p, p->sigma) - p->eps * p->u_xx -
         p->eta * (p->obs - p->u * p->w);
}

static double source1d_physical(const point *p) {
  return p->u_t + 0.5 * p->u_x - 5e-4 * p->u_xx - source1d_source(p, 0.01);
}

static void test_plume2d(void **state) {
  (void)state;
  ast_program *prog = load_file("examples/plume2d.prp");
  prp_residuals r;
  prp_residuals_build_ex(prog, 1, 0, &r);
  assert_true(r.relaxed);
  assert_int_equal(r.nscalars, 3);
  assert_true(r.nudge_width == 0.03);
  check_pde_against(prog, &r, plume_relaxed, 1);
  assert_jets(&r, 0, "u, u_t, lap_u");
  assert_true(r.terms[0].laplacian_collapsed);
  /* initial (hard), four boundary faces, data */
  assert_int_equal(r.nterms, 1 + 1 + 4 + 1);
  assert_int_equal(r.terms[1].kind, PRP_TERM_INITIAL);
  assert_true(r.terms[1].hard);
  for (int i = 1; i < r.nterms; i++) {
    assert_jets(&r, i, "u");
    assert_int_equal(prp_node_kind(r.dag, r.terms[i].value), i < r.nterms - 1 ? PRP_VAR : PRP_ADD);
  }
  assert_int_equal(r.terms[r.nterms - 1].kind, PRP_TERM_DATA);
  prp_residuals_free(&r);

  /* the vanilla baseline: no relaxation terms, sigma at its physical value, no u */
  prp_residuals_build_ex(prog, 0, 0, &r);
  assert_false(r.relaxed);
  check_pde_against(prog, &r, plume_physical, 2);
  assert_jets(&r, 0, "u_t, lap_u");
  prp_residuals_free(&r);
  ast_program_free(prog);
}

static void test_acoustic2d(void **state) {
  (void)state;
  ast_program *prog = load_file("examples/acoustic2d.prp");
  prp_residuals r;
  prp_residuals_build_ex(prog, 1, 0, &r);
  check_pde_against(prog, &r, acoustic_relaxed, 3);
  assert_int_equal(r.eta, PRP_NODE_NONE);   /* no nudging schedule */
  assert_jets(&r, 0, "u_tt, lap_u");
  /* initial u = 0 (hard), initial dt(u) = 0, four faces, data */
  assert_int_equal(r.nterms, 1 + 2 + 4 + 1);
  assert_jets(&r, 2, "u_t");
  assert_int_equal(r.terms[2].value, r.terms[2].jets.nodes[0]);
  prp_residuals_free(&r);
  ast_program_free(prog);
}

static void test_fisher_kpp_gyre(void **state) {
  (void)state;
  ast_program *prog = load_file("examples/fisher_kpp_gyre.prp");
  prp_residuals r;
  prp_residuals_build_ex(prog, 1, 0, &r);
  check_pde_against(prog, &r, fisher_relaxed, 4);
  assert_jets(&r, 0, "u, u_t, lap_u");
  /* dn(u) = 0 on every face: -u_x on x = 0, u_x on x = 2, -u_y, u_y */
  const char *faces[4] = {"u_x", "u_x", "u_y", "u_y"};
  for (int f = 0; f < 4; f++) {
    const prp_residual_term *t = &r.terms[2 + f];
    assert_int_equal(t->kind, PRP_TERM_BOUNDARY);
    assert_jets(&r, 2 + f, faces[f]);
    prp_node expected = t->upper ? t->jets.nodes[0] : prp_neg(r.dag, t->jets.nodes[0]);
    assert_int_equal(t->value, expected);
  }
  prp_residuals_free(&r);
  ast_program_free(prog);
}

static void test_source1d(void **state) {
  (void)state;
  ast_program *prog = load_file("examples/source1d.prp");
  prp_residuals r;
  prp_residuals_build_ex(prog, 1, 0, &r);
  check_pde_against(prog, &r, source1d_relaxed, 5);
  /* one space dimension: u_xx is the Laplacian, nothing to collapse */
  assert_jets(&r, 0, "u, u_x, u_t, u_xx");
  assert_false(r.terms[0].laplacian_collapsed);
  assert_int_equal(r.nterms, 1 + 1 + 1 + 1);   /* boundary on x = 0 only */
  assert_int_equal(r.terms[2].coord, 0);
  assert_int_equal(r.terms[2].upper, 0);
  prp_residuals_free(&r);
  prp_residuals_build_ex(prog, 0, 0, &r);
  check_pde_against(prog, &r, source1d_physical, 6);
  assert_jets(&r, 0, "u_x, u_t, u_xx");
  prp_residuals_free(&r);
  ast_program_free(prog);
}

static const char *box_source_src =
    "problem box_source\n"
    "import std.sources\n"
    "space x in [0, 2], y in [0, 1]\n"
    "time t in [0, 1]\n"
    "field u(x, y, t)\n"
    "const sigma = 0.05\n"
    "unknown xs = 0.5 in [0, 2]\n"
    "unknown ys = 0.3 in [0, 1]\n"
    "pde dt(u) - 0.001 * lap(u) = gaussian2d_box(x, y, xs, ys, sigma, 0, 2, 0, 1)\n"
    "initial u = 0 hard\n"
    "boundary dn(u) = 0\n"
    "truth {\n  set xs = 0.5, ys = 0.3\n  grid 32 x 16\n  sensors x = 0.5, y = 0.5, t = 0.1 .. 1 count 3\n}\n"
    "relax {\n  dilatation sigma from 0.3 to sigma until 50% cosine\n}\n";

static const char *box1d_source_src =
    "problem box1d_source\n"
    "import std.sources\n"
    "space x in [0, 1]\n"
    "time t in [0, 1]\n"
    "field u(x, t)\n"
    "const sigma = 0.05\n"
    "unknown xs = 0.5 in [0, 1]\n"
    "pde dt(u) - 0.001 * dxx(u) = gaussian1d_box(x, xs, sigma, 0, 1)\n"
    "initial u = 0 hard\n"
    "boundary dn(u) = 0\n"
    "truth {\n  set xs = 0.5\n  grid 64\n  sensors x = 0.5, t = 0.1 .. 1 count 3\n}\n"
    "relax {\n  dilatation sigma from 0.3 to sigma until 50% cosine\n}\n";

/* std.sources' gaussian2d_box: the interpreter's residual and its derivatives match the
 * formula; and the source has unit mass inside the box (midpoint rule on 800 x 400 cells,
 * the erf written with tanh: within 2e-3) wherever it is and however wide, where
 * gaussian2d loses up to three quarters of its mass through the walls. */
static void test_gaussian2d_box(void **state) {
  (void)state;
  ast_program *prog = load_text(box_source_src);
  prp_residuals r;
  prp_residuals_build_ex(prog, 1, 0, &r);
  check_pde_against(prog, &r, box_relaxed, 8);
  prp_residuals_free(&r);
  ast_program_free(prog);
  const double centres[][3] = {{1.0, 0.5, 0.05}, {0.5, 0.3, 0.3}, {0, 0, 0.3}, {2, 0.95, 0.1}, {0.02, 0.5, 0.05}};
  const int nx = 800, ny = 400;
  for (size_t k = 0; k < sizeof centres / sizeof centres[0]; k++) {
    double mass = 0;
    for (int i = 0; i < nx; i++)
      for (int j = 0; j < ny; j++)
        mass += gaussian2d_box((i + 0.5) * 2.0 / nx, (j + 0.5) * 1.0 / ny, centres[k][0], centres[k][1], centres[k][2]);
    mass *= (2.0 / nx) * (1.0 / ny);
    assert_close(mass, 1, 2e-3 / 2, "mass of gaussian2d_box inside the box");
  }
}

/* The same for gaussian1d_box on [0, 1] (midpoint rule on 4000 cells). */
static void test_gaussian1d_box(void **state) {
  (void)state;
  ast_program *prog = load_text(box1d_source_src);
  prp_residuals r;
  prp_residuals_build_ex(prog, 1, 0, &r);
  check_pde_against(prog, &r, box1d_relaxed, 9);
  prp_residuals_free(&r);
  ast_program_free(prog);
  const double centres[][2] = {{0.5, 0.05}, {0.5, 0.3}, {0, 0.3}, {1, 0.1}, {0.02, 0.05}};
  const int n = 4000;
  for (size_t k = 0; k < sizeof centres / sizeof centres[0]; k++) {
    double mass = 0;
    for (int i = 0; i < n; i++) mass += gaussian1d_box((i + 0.5) / n, centres[k][0], centres[k][1]);
    assert_close(mass / n, 1, 2e-3 / 2, "mass of gaussian1d_box inside the box");
  }
}

static const char *nonlinear_src;

/* Different coefficients on u_xx and u_yy: no collapse; a mixed derivative stays. */
static const char *anisotropic_src =
    "problem aniso\n"
    "space x in [0, 1], y in [0, 2]\n"
    "time t in [0, 1]\n"
    "field u(x, y, t)\n"
    "unknown k = 1 in [0, 5]\n"
    "pde dt(u) - k * dxx(u) - 0.5 * dyy(u) + dxy(u) = exp(-x)\n"
    "initial u = sin(pi * x) * y\n"
    "boundary dn(u) = 0 on x = 0, y = 2\n"
    "truth {\n  set k = 2\n  grid 32 x 32\n  sensors x = 0.5, y = 0.5, t = 0.1 .. 1 count 3\n}\n";

static void test_no_collapse_when_coefficients_differ(void **state) {
  (void)state;
  ast_program *prog = load_text(anisotropic_src);
  prp_residuals r;
  prp_residuals_build_ex(prog, 1, 0, &r);
  assert_jets(&r, 0, "u_t, u_xx, u_xy, u_yy");
  assert_false(r.terms[0].laplacian_collapsed);
  /* initial condition with t substituted: u - y sin(pi x) */
  assert_jets(&r, 1, "u");
  env_storage s = {0};
  point p = {.c = {0.3, 1.7, 0.9}, .u = 0.25};
  prp_env env = make_env(&r, prog, &p, &s);
  assert_close(prp_eval(r.dag, r.terms[1].value, &env), 0.25 - 1.7 * sin(M_PI * 0.3), 1e-14, "initial");
  /* faces x = 0 (normal -x) and y = 2 (normal +y) */
  assert_int_equal(r.nterms, 1 + 1 + 2 + 1);
  assert_jets(&r, 2, "u_x");
  assert_jets(&r, 3, "u_y");
  free(s.jet);
  prp_residuals_free(&r);
  ast_program_free(prog);
}

/* `relax off`, and relax = 0 with a relax block: no eps, eta or dilated scalars. */
static void test_relax_off(void **state) {
  (void)state;
  size_t len = strlen(anisotropic_src);
  char *text = malloc(len + 32);
  memcpy(text, anisotropic_src, len);
  strcpy(text + len, "relax off\n");
  ast_program *prog = load_text(text);
  prp_residuals r;
  prp_residuals_build_ex(prog, 1, 0, &r);
  assert_false(r.relaxed);
  assert_int_equal(r.eps, PRP_NODE_NONE);
  assert_int_equal(r.eta, PRP_NODE_NONE);
  assert_int_equal(r.ndilated, 0);
  prp_residuals_free(&r);
  ast_program_free(prog);
  free(text);
  prog = load_text(nonlinear_src);
  prp_residuals_build_ex(prog, 0, 0, &r);
  assert_false(r.relaxed);
  assert_false(prp_depends_on(r.dag, r.terms[0].value, prp_var(r.dag, PRP_VAR_SCALAR, PRP_SCALAR_EPS, NULL)));
  prp_residuals_free(&r);
  ast_program_free(prog);
}

/* lap(u) inside a nonlinear function, in 3D: still one Laplacian component. */
static const char *nonlinear_src =
    "problem nonlin\n"
    "space x in [0, 1], y in [0, 1], z in [0, 1]\n"
    "field u(x, y, z)\n"
    "unknown a = 1 in [0, 5]\n"
    "let vx(p, q) = min(p, q) + abs(p - 0.5)\n"
    "let vy(p, q) = max(p, q)^2\n"
    "let vz(p, q) = sqrt(p + 1)\n"
    "let v = (vx(x, y), vy(x, y), vz(x, z))\n"
    "pde tanh(lap(u)) + a * u^2 + grad(u) . v = x * y * pi\n"
    "relax {\n  smoothing eps from 0.1 to 0 until 50% linear\n}\n"
    "boundary u = x + z\n"
    "truth {\n  set a = 2\n  grid 16 x 16 x 16\n  sensors x = 0.5, y = 0.5, z = 0.2 .. 0.8 count 3\n}\n";

static void test_collapse_through_nonlinear_function(void **state) {
  (void)state;
  ast_program *prog = load_text(nonlinear_src);
  prp_residuals r;
  prp_residuals_build_ex(prog, 1, 0, &r);
  assert_true(r.terms[0].laplacian_collapsed);
  assert_jets(&r, 0, "u, u_x, u_y, u_z, lap_u");
  /* R = tanh(lap) + a u^2 + u_x vx + u_y vy + u_z vz - pi x y - eps lap */
  const prp_residual_term *t = &r.terms[0];
  uint32_t n_jet = prp_dag_jet_count(r.dag);
  double *jets = calloc(n_jet, sizeof *jets);
  double lap = 0.7, u = -0.3, ux = 0.2, uy = -1.1, uz = 0.4, x = 0.2, y = 0.6, z = 0.9;
  for (uint32_t j = 0; j < n_jet; j++) {
    const prp_jet *jet = &prp_node_var(r.dag, prp_dag_jet_node(r.dag, j))->jet;
    double v = 99;   /* u_xx, u_yy, u_zz must no longer matter */
    if (jet->lap_mask) v = lap;
    else if (prp_jet_total_order(jet) == 0) v = u;
    else if (prp_jet_total_order(jet) == 1) v = jet->order[0] ? ux : jet->order[1] ? uy : uz;
    jets[j] = v;
  }
  double coord[3] = {x, y, z}, unknown[1] = {1.3}, scalar[2] = {0.05, 0};
  prp_env env = {.coord = coord, .n_coord = 3, .unknown = unknown, .n_unknown = 1, .jet = jets,
                 .n_jet = n_jet, .scalar = scalar, .n_scalar = 2};
  double vx = fmin(x, y) + fabs(x - 0.5), vy = sq(fmax(x, y)), vz = sqrt(x + 1);
  double expected = tanh(lap) + 1.3 * u * u + ux * vx + uy * vy + uz * vz - M_PI * x * y - 0.05 * lap;
  assert_close(prp_eval(r.dag, t->value, &env), expected, 1e-14, "nonlinear residual");
  assert_close(prp_eval(r.dag, t->d_jet[4], &env), 1 - sq(tanh(lap)) - 0.05, 1e-14, "d/d lap");
  /* six faces of u = x + z */
  assert_int_equal(r.nterms, 1 + 6 + 1);
  free(jets);
  prp_residuals_free(&r);
  ast_program_free(prog);
}

/* The truth of plume2d: its own PDE with wind, at the set values of the unknowns. */
static void test_truth_residual(void **state) {
  (void)state;
  ast_program *prog = load_file("examples/plume2d.prp");
  prp_dag *dag = prp_dag_new();
  prp_node truth = prp_truth_residual(prog, dag);
  assert_int_not_equal(truth, PRP_NODE_NONE);
  /* no unknown is left: the set values replaced them */
  for (int k = 0; k < 3; k++) assert_false(prp_depends_on(dag, truth, prp_var(dag, PRP_VAR_UNKNOWN, (uint32_t)k, NULL)));
  uint32_t n_jet = prp_dag_jet_count(dag);
  double *jets = calloc(n_jet, sizeof *jets);
  double u_t = 0.3, u_x = -0.7, u_y = 1.9, lap = 0.45, x = 0.3, y = 0.5;
  for (uint32_t j = 0; j < n_jet; j++) {
    const prp_jet *jet = &prp_node_var(dag, prp_dag_jet_node(dag, j))->jet;
    jets[j] = jet->order[2] ? u_t : jet->order[0] == 1 ? u_x : jet->order[1] == 1 ? u_y : jet->order[0] == 2 ? lap : 0;
  }
  double coord[3] = {x, y, 0.5};
  prp_env env = {.coord = coord, .n_coord = 3, .jet = jets, .n_jet = n_jet};
  double expected = u_t + 0.4 * u_x + 0.1 * u_y - 0.002 * lap - 2.0 * gaussian2d(x, y, 0.25, 0.40, 0.02);
  assert_close(prp_eval(dag, truth, &env), expected, 1e-13, "truth residual");
  free(jets);
  prp_dag_free(dag);
  ast_program_free(prog);
}

static void test_emit_prints_everything(void **state) {
  (void)state;
  ast_program *prog = load_file("examples/plume2d.prp");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_int_equal(prp_emit_residual(prog, f), 0);
  fclose(f);
  assert_non_null(strstr(buf, "jets: u, u_t, lap_u"));
  assert_non_null(strstr(buf, "dR/dlap_u = -0.002*t - eps*t"));  /* u = t * N: hard initial condition */
  assert_non_null(strstr(buf, "output transform (hard conditions): u = g + m * N"));
  assert_non_null(strstr(buf, "dR/du = eta*t*nudge_w + 1"));
  assert_non_null(strstr(buf, "dR/dq = "));
  assert_non_null(strstr(buf, "eta*(nudge_obs - t*nudge_w*u)"));
  assert_non_null(strstr(buf, "R = t*u - u_obs"));
  free(buf);
  ast_program_free(prog);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plume2d),
      cmocka_unit_test(test_acoustic2d),
      cmocka_unit_test(test_fisher_kpp_gyre),
      cmocka_unit_test(test_gaussian2d_box),
      cmocka_unit_test(test_gaussian1d_box),
      cmocka_unit_test(test_source1d),
      cmocka_unit_test(test_no_collapse_when_coefficients_differ),
      cmocka_unit_test(test_collapse_through_nonlinear_function),
      cmocka_unit_test(test_relax_off),
      cmocka_unit_test(test_truth_residual),
      cmocka_unit_test(test_emit_prints_everything),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
