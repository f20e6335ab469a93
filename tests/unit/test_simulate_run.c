/* Tests of the truth simulation's runs (compiler/plan/simulate.c): simulated observations
 * against analytic solutions (advection-diffusion, a flux boundary, a standing wave, a 3D
 * decaying mode), JIT-compiled callbacks against the reference interpreter, seeded noise,
 * the source1d example's plume, run failures and the CSV output. */
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
#include "parse.h"
#include "plot.h"
#include "simulate.h"

#include "support_program.h"

/* A file name of this process in the temporary directory. */
static void scratch_path(char *path, size_t size, const char *extension) {
  const char *dir = getenv("TMPDIR");
  snprintf(path, size, "%s/prp_test_simulate_%ld.%s", dir && *dir ? dir : "/tmp", (long)getpid(), extension);
}

static void simulate_ok(loaded *l, const prp_simulate_options *opt, prp_observations *obs) {
  int rc = prp_simulate_truth_with(l->prog, jit, opt, &l->diag, obs);
  if (rc) fail_msg("simulation failed (%d):\n%s", rc, diag_text(l));
}

/* Largest |u - exact| over the observations. */
static double max_error(const prp_observations *obs, double (*exact)(const double *c)) {
  double err = 0;
  for (size_t i = 0; i < obs->n; i++)
    err = fmax(err, fabs(obs->u[i] - exact(&obs->coords[i * (size_t)obs->ncoords])));
  return err;
}

/* ---- analytic solutions ----------------------------------------------------------- */

/* A Gaussian pulse carried at speed 0.5 and spreading with D = 0.002, leaving through
 * x = 1, where the exact solution is imposed as a time-dependent Dirichlet value. */
static const char advection_diffusion[] =
    "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\n"
    "const v = 0.5\nconst D = 0.002\nconst s0 = 0.05\n"
    "let exact(x, t) = s0 / sqrt(s0^2 + 2 * D * t) * exp(-(x - 0.3 - v * t)^2 / (2 * (s0^2 + 2 * D * t)))\n"
    "pde dt(u) + v * dx(u) - D * dxx(u) = 0\n"
    "initial u = exact(x, 0)\n"
    "boundary u = exact(x, t)\n"
    "truth {\n  grid 401\n  sensors x = 0.05 .. 1 count 20, t = 0 .. 1 count 11\n}\n";

static double advection_diffusion_exact(const double *c) {
  double x = c[0], t = c[1], w2 = 0.05 * 0.05 + 2 * 0.002 * t, r = x - 0.3 - 0.5 * t;
  return 0.05 / sqrt(w2) * exp(-r * r / (2 * w2));
}

static void test_advection_diffusion(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "advdiff.prp", advection_diffusion);
  prp_observations obs;
  simulate_ok(&l, NULL, &obs);
  assert_int_equal(obs.n, 220);
  assert_int_equal(obs.grid[0], 401);
  assert_true(obs.noise_std == 0);
  assert_memory_equal(obs.u, obs.u_clean, obs.n * sizeof(double));
  /* at t = 0 the observations are the initial condition itself */
  for (size_t i = 0; i < obs.n; i += 11) assert_true(fabs(obs.u[i] - advection_diffusion_exact(&obs.coords[2 * i])) < 1e-12);
  /* measured 1.4e-4 (Koren MUSCL, h = 1/400; the peak is 0.62 at t = 1) */
  double err = max_error(&obs, advection_diffusion_exact);
  if (err > 5e-4) fail_msg("max error %g", err);
  prp_observations_free(&obs);

  /* a coarser grid is less accurate (measured 7.7e-3 at h = 1/100): the error comes from
   * the scheme, not from the set-up of the problem */
  prp_simulate_options coarse = {.grid = {101}};
  simulate_ok(&l, &coarse, &obs);
  double coarse_err = max_error(&obs, advection_diffusion_exact);
  if (!(coarse_err > 8 * err)) fail_msg("h = 1/100 error %g, h = 1/400 error %g", coarse_err, err);
  prp_observations_free(&obs);
  unload(&l);
}

/* Diffusion with a flux dn(u) = 0.5 in through x = 2 and none through x = 0 (unmentioned
 * face): the integral of u grows by D * 0.5 per unit time. Checked on whole-field frames. */
static void test_flux_boundary_mass(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "flux.prp",
            "space x in [0, 2]\ntime t in [0, 1]\nfield u(x, t)\n"
            "pde dt(u) - 0.1 * dxx(u) = 0\ninitial u = 1 + 0.5 * cos(pi * x)\n"
            "boundary dn(u) = 0.5 on x = 2\n"
            "truth {\n  grid 81\n  sensors x = 1, t = 1\n}\n");
  prp_simulate_options opt = {.n_frames = 5};
  prp_observations obs;
  simulate_ok(&l, &opt, &obs);
  assert_int_equal(obs.frame_points, 81);
  assert_true(obs.frame_t[0] == 0 && obs.frame_t[4] == 1 && obs.frame_t[2] == 0.5);
  double h = 2.0 / 80;
  for (size_t k = 0; k < obs.n_frames; k++) {
    const double *u = &obs.frame_u[k * obs.frame_points];
    double mass = 0.5 * (u[0] + u[80]) * h;
    for (int i = 1; i < 80; i++) mass += u[i] * h;
    double want = 2.0 + 0.1 * 0.5 * obs.frame_t[k];
    if (fabs(mass - want) > 1e-10) fail_msg("frame %zu at t = %g: mass %.15g, want %.15g", k, obs.frame_t[k], mass, want);
  }
  /* the frame at t = 0 is the initial condition */
  assert_true(fabs(obs.frame_u[40] - (1 + 0.5 * cos(M_PI * 1.0))) < 1e-14);
  prp_observations_free(&obs);
  unload(&l);
}

/* A standing wave started by its initial rate: u = sin(pi x) sin(pi t) / pi. */
static double standing_wave(const double *c) { return sin(M_PI * c[0]) * sin(M_PI * c[1]) / M_PI; }

static void test_standing_wave(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "wave.prp",
            "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\n"
            "pde dtt(u) - dxx(u) = 0\ninitial u = 0\ninitial dt(u) = sin(pi * x)\nboundary u = 0\n"
            "truth {\n  grid 201\n  sensors x = 0.1 .. 0.9 count 5, t = 0.1 .. 1 count 10\n}\n");
  prp_observations obs;
  simulate_ok(&l, NULL, &obs);
  double err = max_error(&obs, standing_wave);   /* measured 8.1e-6 */
  if (err > 5e-5) fail_msg("max error %g", err);
  prp_observations_free(&obs);
  unload(&l);
}

/* A decaying mode in 3D, with time-dependent Dirichlet values on the z faces and zero flux
 * elsewhere: u = cos(pi x) cos(pi y) cos(pi z) exp(-3 pi^2 D t). */
static double decaying_mode(const double *c) {
  return cos(M_PI * c[0]) * cos(M_PI * c[1]) * cos(M_PI * c[2]) * exp(-3 * M_PI * M_PI * 0.02 * c[3]);
}

static void test_decaying_mode_3d(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "mode3d.prp",
            "space x in [0, 1], y in [0, 1], z in [0, 1]\ntime t in [0, 1]\nfield u(x, y, z, t)\n"
            "let mode(x, y, z, t) = cos(pi * x) * cos(pi * y) * cos(pi * z) * exp(-3 * pi^2 * 0.02 * t)\n"
            "pde dt(u) - 0.02 * lap(u) = 0\ninitial u = mode(x, y, z, 0)\n"
            "boundary u = mode(x, y, z, t) on z = 0, z = 1\n"
            "truth {\n  sensors x = 0.1 .. 0.9 count 3, y = 0.25, z = 0.2 .. 0.8 count 3, t = 0.5 .. 1 count 2\n}\n");
  prp_simulate_options opt = {.grid = {17, 17, 17}};
  prp_observations obs;
  simulate_ok(&l, &opt, &obs);
  assert_int_equal(obs.n, 18);
  assert_int_equal(obs.ncoords, 4);
  double err = max_error(&obs, decaying_mode);   /* measured 2.7e-3: second order, h = 1/16 */
  if (err > 4e-3) fail_msg("max error %g", err);
  prp_observations_free(&obs);
  unload(&l);
}

/* ---- JIT callbacks against the interpreter ------------------------------------------ */

typedef struct interp_user {
  const prp_truth_pde *pde;
  int ncoords;
} interp_user;

static double interp_eval(const interp_user *iu, prp_node n, const double *x, double t, double u) {
  double coord[4] = {0};
  for (int d = 0; d < iu->pde->nspace; d++) coord[d] = x[d];
  coord[iu->pde->time_index] = t;
  uint32_t n_jet = prp_dag_jet_count(iu->pde->dag);
  double jets[64] = {0};
  for (uint32_t j = 0; j < n_jet; j++)
    if (prp_dag_jet_node(iu->pde->dag, j) == iu->pde->u) jets[j] = u;
  prp_env env = {.coord = coord, .n_coord = (size_t)iu->ncoords, .jet = jets, .n_jet = n_jet};
  return prp_eval(iu->pde->dag, n, &env);
}

static void interp_velocity(const double *x, double t, double *v, void *user) {
  const interp_user *iu = user;
  for (int d = 0; d < iu->pde->nspace; d++) v[d] = interp_eval(iu, iu->pde->velocity[d], x, t, 0);
}
static double interp_source(const double *x, double t, double u, void *user) {
  const interp_user *iu = user;
  return interp_eval(iu, iu->pde->source, x, t, u);
}
static double zero(const double *x, double t, void *user) { return 0; }

/* Simulates an example whose conditions are u = 0 at t0 (and u_t = 0), and the same boundary
 * kind with value 0 on every face, once through prp_simulate_truth_with (JIT callbacks) and
 * once by hand with callbacks that interpret the extracted DAG; the two agree closely. */
static void compare_with_interpreter(const char *example, const int *grid, prp_sim_bc_kind bc) {
  loaded l;
  load_example(&l, example);
  prp_simulate_options opt = {.grid = {grid[0], grid[1]}};
  prp_observations obs;
  simulate_ok(&l, &opt, &obs);

  prp_truth_pde pde;
  assert_int_equal(prp_truth_pde_extract(l.prog, &l.diag, &pde), 0);
  const prp_problem *pb = &l.prog->problem;
  interp_user iu = {&pde, pb->ncoords};
  prp_sim_problem p = {.dim = pb->nspace, .t0 = pb->lo[pb->time_index], .t1 = pb->hi[pb->time_index], .a2 = pde.a2,
                       .a1 = pde.a1, .initial = zero, .user = &iu};
  for (int d = 0; d < pb->nspace; d++) {
    p.lo[d] = pb->lo[d], p.hi[d] = pb->hi[d], p.n[d] = grid[d], p.diffusivity[d] = pde.diffusivity[d];
    p.bc[d][0].kind = p.bc[d][1].kind = bc;
  }
  if (pde.has_velocity) p.velocity = interp_velocity, p.velocity_steady = pde.velocity_steady;
  p.source = interp_source;
  double *x = malloc(obs.n * 2 * sizeof *x), *t = malloc(obs.n * sizeof *t), *u = malloc(obs.n * sizeof *u);
  for (size_t i = 0; i < obs.n; i++) x[2 * i] = obs.coords[3 * i], x[2 * i + 1] = obs.coords[3 * i + 1], t[i] = obs.coords[3 * i + 2];
  prp_sim_request req = {.n_sensors = obs.n, .sensor_x = x, .sensor_t = t, .sensor_u = u};
  char *err = prp_sim_run(&p, NULL, &req, NULL);
  assert_null(err);
  double scale = 0, diff = 0;
  for (size_t i = 0; i < obs.n; i++) scale = fmax(scale, fabs(u[i])), diff = fmax(diff, fabs(u[i] - obs.u_clean[i]));
  assert_true(scale > 0);
  if (diff > 1e-10 * scale) fail_msg("%s: JIT and interpreter runs differ by %g (scale %g)", example, diff, scale);
  free(x);
  free(t);
  free(u);
  prp_truth_pde_free(&pde);
  prp_observations_free(&obs);
  unload(&l);
}

static void test_jit_matches_interpreter(void **state) {
  (void)state;
  compare_with_interpreter("fisher_kpp_gyre.prp", (const int[]){33, 17}, PRP_SIM_BC_NEUMANN);
  compare_with_interpreter("plume2d.prp", (const int[]){33, 33}, PRP_SIM_BC_DIRICHLET);
  compare_with_interpreter("acoustic2d.prp", (const int[]){41, 41}, PRP_SIM_BC_DIRICHLET);
}

/* plume2d: 2 units per unit time released, carried by the wind from (0.25, 0.40) to about
 * (0.65, 0.50) by t = 1, far from the walls: the integral of the field at time t is 2 t. A
 * check of the source's normalisation and of the JIT-compiled source as a whole. */
static void test_plume2d_mass(void **state) {
  (void)state;
  loaded l;
  load_example(&l, "plume2d.prp");
  prp_simulate_options opt = {.n_frames = 3, .grid = {65, 65}};
  prp_observations obs;
  simulate_ok(&l, &opt, &obs);
  double h = 1.0 / 64;
  for (size_t k = 1; k < obs.n_frames; k++) {
    const double *u = &obs.frame_u[k * obs.frame_points];
    double mass = 0;
    for (int j = 0; j < 65; j++)
      for (int i = 0; i < 65; i++) mass += u[j * 65 + i] * h * h * (i == 0 || i == 64 ? 0.5 : 1) * (j == 0 || j == 64 ? 0.5 : 1);
    double want = 2.0 * obs.frame_t[k];   /* measured: relative error 2e-12 */
    if (fabs(mass - want) > 1e-8 * want) fail_msg("t = %g: mass %.10g, want %g", obs.frame_t[k], mass, want);
  }
  prp_observations_free(&obs);
  unload(&l);
}

/* ---- the source1d example -------------------------------------------------------------- */

/* The release at xs = 0.6 is carried downstream: the clean field is never negative, the
 * plume sits downstream of the source, the upstream sensors-free side stays clean, and the
 * noise is 1% of the largest clean observation. */
static void test_source1d_plume(void **state) {
  (void)state;
  loaded l;
  load_example(&l, "source1d.prp");
  prp_simulate_options opt = {.n_frames = 3};
  prp_observations obs;
  simulate_ok(&l, &opt, &obs);
  assert_int_equal(obs.n, 120);
  assert_int_equal(obs.grid[0], 400);
  double max_clean = 0;
  for (size_t i = 0; i < obs.n; i++) {
    if (obs.u_clean[i] < 0) fail_msg("observation %zu is %g < 0", i, obs.u_clean[i]);
    max_clean = fmax(max_clean, obs.u_clean[i]);
  }
  /* the plume reaches the sensors at 0.7 .. 0.9 and builds up towards q / v = 2 */
  assert_true(max_clean > 1.5 && max_clean < 2.2);
  assert_true(fabs(obs.noise_std - 0.01 * max_clean) < 1e-12);
  /* the sensor at x = 0.9 sees nothing before the front (speed 0.5 from 0.6) arrives */
  for (size_t i = 80; i < 120; i++)
    if (obs.coords[2 * i + 1] < 0.45) assert_true(obs.u_clean[i] < 1e-3);
  /* the field at t = 1 peaks downstream of the source, and upstream it is clean */
  const double *u = &obs.frame_u[2 * obs.frame_points];
  size_t argmax = 0;
  for (size_t i = 0; i < obs.frame_points; i++)
    if (u[i] > u[argmax]) argmax = i;
  double x_peak = (double)argmax / (double)(obs.frame_points - 1);
  if (!(x_peak > 0.6)) fail_msg("the field peaks at x = %g, not downstream of 0.6", x_peak);
  for (size_t i = 0; (double)i / (double)(obs.frame_points - 1) < 0.5; i++) assert_true(fabs(u[i]) < 1e-8 * u[argmax]);
  prp_observations_free(&obs);
  unload(&l);
}

/* ---- noise ----------------------------------------------------------------------------------- */

static void simulate_source1d_with_seed(const char *seed_line, prp_observations *obs) {
  char *text = read_example("source1d.prp");
  char *at = strstr(text, "  seed 7\n");
  assert_non_null(at);
  memcpy(at, seed_line, strlen("  seed 7"));
  loaded l;
  load_text(&l, "source1d.prp", text);
  free(text);
  prp_simulate_options opt = {.grid = {101}};
  simulate_ok(&l, &opt, obs);
  unload(&l);
}

static void test_noise_is_reproducible(void **state) {
  (void)state;
  prp_observations a, b, c;
  simulate_source1d_with_seed("  seed 7", &a);
  simulate_source1d_with_seed("  seed 7", &b);
  simulate_source1d_with_seed("  seed 8", &c);
  assert_int_equal(a.seed, 7);
  assert_int_equal(c.seed, 8);
  assert_int_equal(a.n, b.n);
  assert_memory_equal(a.u, b.u, a.n * sizeof(double));
  assert_memory_equal(a.u_clean, c.u_clean, a.n * sizeof(double));
  size_t differ = 0;
  double sum_sq = 0;
  for (size_t i = 0; i < a.n; i++) {
    differ += a.u[i] != c.u[i];
    sum_sq += (a.u[i] - a.u_clean[i]) * (a.u[i] - a.u_clean[i]);
  }
  assert_int_equal(differ, a.n);
  /* the sample standard deviation of the noise is near the one asked for (120 draws) */
  double sample = sqrt(sum_sq / (double)a.n);
  if (fabs(sample / a.noise_std - 1) > 0.25) fail_msg("noise std %g, asked %g", sample, a.noise_std);
  prp_observations_free(&a);
  prp_observations_free(&b);
  prp_observations_free(&c);
}

/* An absolute noise level is the standard deviation itself. */
static void test_absolute_noise(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "abs.prp",
            "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\npde dt(u) - 0.01 * dxx(u) = 0\ninitial u = 1\n"
            "truth {\n  grid 11\n  sensors x = 0 .. 1 count 50, t = 0 .. 1 count 20\n  noise 0.25\n  seed 3\n}\n");
  prp_observations obs;
  simulate_ok(&l, NULL, &obs);
  assert_true(obs.noise_std == 0.25);
  double sum = 0, sum_sq = 0;
  for (size_t i = 0; i < obs.n; i++) {
    assert_true(fabs(obs.u_clean[i] - 1) < 1e-12);   /* a constant stays constant under zero flux */
    sum += obs.u[i] - 1, sum_sq += (obs.u[i] - 1) * (obs.u[i] - 1);
  }
  double mean = sum / (double)obs.n, sd = sqrt(sum_sq / (double)obs.n - mean * mean);
  assert_true(fabs(mean) < 0.05);   /* 1000 draws: the mean's standard error is 0.008 */
  assert_true(fabs(sd - 0.25) < 0.03);
  prp_observations_free(&obs);
  unload(&l);
}

/* ---- errors ----------------------------------------------------------------------------------- */

static void test_run_failures(void **state) {
  (void)state;
  loaded l;
  prp_observations obs;
  /* u' = u^2 from u = 1 blows up at t = 1 */
  load_text(&l, "blowup.prp",
            "space x in [0, 1]\ntime t in [0, 2]\nfield u(x, t)\npde dt(u) - 0.01 * dxx(u) = u^2\ninitial u = 1\n"
            "truth {\n  grid 5\n  sensors x = 0.5, t = 2\n}\n");
  prp_simulate_options opt = {.sim = {.max_steps = 20000}};
  assert_int_equal(prp_simulate_truth_with(l.prog, jit, &opt, &l.diag, &obs), PRP_EXIT_RUNTIME);
  const char *out = diag_text(&l);
  if (!strstr(out, "blowup.prp:6:1: error: the truth simulation failed: ")) fail_msg("got:\n%s", out);
  prp_observations_free(&obs);
  unload(&l);

  load_text(&l, "small.prp",
            "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\npde dt(u) - dxx(u) = 0\ninitial u = 1\n"
            "truth {\n  grid 4\n  sensors x = 0.5, t = 1\n}\n");
  assert_int_equal(prp_simulate_truth(l.prog, jit, &l.diag, &obs), PRP_EXIT_INPUT);
  out = diag_text(&l);
  if (!strstr(out, "small.prp:7:3: error: the truth simulator needs at least 5 grid nodes")) fail_msg("got:\n%s", out);
  prp_observations_free(&obs);
  unload(&l);

  /* an unsupported truth PDE is reported and nothing is simulated */
  load_text(&l, "mixed.prp",
            "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\npde dt(u) - dxx(u) + dxt(u) = 0\ninitial u = 1\n"
            "truth {\n  sensors x = 0.5, t = 1\n}\n");
  assert_int_equal(prp_simulate_truth(l.prog, jit, &l.diag, &obs), PRP_EXIT_INPUT);
  assert_int_equal(obs.n, 0);
  assert_non_null(strstr(diag_text(&l), "mixed.prp:4:22: error: the truth PDE uses u_xt"));
  prp_observations_free(&obs);
  unload(&l);
}

/* ---- CSV --------------------------------------------------------------------------------------- */

static void test_csv_round_trip(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "csv.prp",
            "space x in [0, 1], y in [0, 1]\ntime t in [0, 1]\nfield c(x, y, t)\n"
            "pde dt(c) + 0.3 * dx(c) - 0.01 * lap(c) = exp(-((x - 0.3)^2 + (y - 0.5)^2) / 0.01)\ninitial c = 0\n"
            "truth {\n  grid 21 x 21\n  sensors at (0.5, 0.5), (0.7, 0.4) t = 0.1 .. 1 count 4\n  noise 2%\n}\n");
  prp_observations obs;
  simulate_ok(&l, NULL, &obs);
  char path[96];
  scratch_path(path, sizeof path, "csv");
  char *err = prp_observations_write_csv(l.prog, &obs, path);
  assert_null(err);
  static const char *const names[] = {"x", "y", "t", "c"};
  prp_table table;
  err = prp_csv_read_sensors(path, names, 4, NULL, 0, &table);
  if (err) fail_msg("%s", err);
  assert_int_equal(table.nrows, 8);
  for (size_t i = 0; i < obs.n; i++) {
    assert_memory_equal(&table.data[4 * i], &obs.coords[3 * i], 3 * sizeof(double));
    assert_memory_equal(&table.data[4 * i + 3], &obs.u[i], sizeof(double));
  }
  assert_true(obs.u_clean[3] > 0);   /* the sensor at 0.5 sees the plume blown from 0.3 */
  prp_table_free(&table);
  remove(path);
  prp_observations_free(&obs);
  unload(&l);
}

/* A truth of second order in time on a model of first order: no `initial dt(u)`, so the
 * wave starts at rest (with a warning): u = sin(pi x) cos(pi t). No initial value at all
 * warns too, and starts from 0. */
static double wave_at_rest(const double *c) { return sin(M_PI * c[0]) * cos(M_PI * c[1]); }

static void test_missing_initial_conditions(void **state) {
  (void)state;
  loaded l;
  load_text(&l, "rest.prp",
            "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\n"
            "pde dt(u) - dxx(u) = 0\ninitial u = sin(pi * x)\nboundary u = 0\n"
            "truth {\n  pde dtt(u) - dxx(u) = 0\n  grid 201\n  sensors x = 0.1 .. 0.9 count 5, t = 0.1 .. 1 count 10\n}\n");
  prp_observations obs;
  simulate_ok(&l, NULL, &obs);
  assert_int_equal(l.diag.warnings, 1);
  const char *out = diag_text(&l);
  if (!strstr(out, "rest.prp:8:3: warning: the truth PDE is second order in time and there is no 'initial dt(u) = ...'"))
    fail_msg("got:\n%s", out);
  double err = max_error(&obs, wave_at_rest);
  if (err > 5e-5) fail_msg("max error %g", err);
  prp_observations_free(&obs);
  unload(&l);

  load_text(&l, "zero.prp",
            "space x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\npde dt(u) - 0.1 * dxx(u) = 2\n"
            "truth {\n  grid 21\n  sensors x = 0.5, t = 0 .. 1 count 3\n}\n");
  simulate_ok(&l, NULL, &obs);
  assert_non_null(strstr(diag_text(&l), "zero.prp:4:1: warning: no 'initial u = ...': the truth simulation starts from u = 0"));
  /* zero flux everywhere: u = 2 t exactly */
  for (size_t i = 0; i < obs.n; i++) assert_true(fabs(obs.u[i] - 2 * obs.coords[2 * i + 1]) < 1e-12);
  prp_observations_free(&obs);
  unload(&l);
}

/* The coefficients as text, for `prpc simulate -v` and for reading. */
static void test_print_coefficients(void **state) {
  (void)state;
  loaded l;
  load_example(&l, "plume2d.prp");
  prp_truth_pde pde;
  assert_int_equal(prp_truth_pde_extract(l.prog, &l.diag, &pde), 0);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  prp_truth_pde_print(l.prog, &pde, f);
  fclose(f);
  static const char *const lines[] = {"# truth PDE (line 27)", "\na2 = 0\n", "\na1 = 1\n", "\nD_x = 0.002\n",
                                      "\nD_y = 0.002\n", "\nv_x = 0.4\n", "\nv_y = 0.1\n", "does not depend", "\ng = "};
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
    if (!strstr(text, lines[i])) fail_msg("'%s' missing from:\n%s", lines[i], text);
  free(text);
  prp_truth_pde_free(&pde);
  unload(&l);
}

/* PNG plots of the frames, in 1D and 2D (skipped where PLplot has no PNG driver). */
static void test_plots(void **state) {
  (void)state;
  if (!prp_plot_available()) skip();
  loaded l;
  prp_observations obs;
  load_example(&l, "source1d.prp");
  prp_simulate_options opt = {.n_frames = 4, .grid = {101}};
  simulate_ok(&l, &opt, &obs);
  char path[96];
  scratch_path(path, sizeof path, "png");
  char *err = prp_observations_plot(l.prog, &obs, path);
  if (err) fail_msg("%s", err);
  FILE *f = fopen(path, "rb");
  unsigned char magic[4] = {0};
  assert_int_equal(fread(magic, 1, 4, f), 4);
  fclose(f);
  assert_memory_equal(magic, "\x89PNG", 4);
  prp_observations_free(&obs);
  unload(&l);

  load_example(&l, "plume2d.prp");
  prp_simulate_options opt2 = {.n_frames = 1, .grid = {33, 33}};
  simulate_ok(&l, &opt2, &obs);
  assert_true(obs.frame_t[0] == 1.0);
  err = prp_observations_plot(l.prog, &obs, path);
  if (err) fail_msg("%s", err);
  f = fopen(path, "rb");
  assert_int_equal(fread(magic, 1, 4, f), 4);
  fclose(f);
  assert_memory_equal(magic, "\x89PNG", 4);
  remove(path);
  prp_observations_free(&obs);
  /* without frames there is nothing to plot */
  simulate_ok(&l, &(prp_simulate_options){.grid = {9, 9}}, &obs);
  err = prp_observations_plot(l.prog, &obs, path);
  assert_non_null(err);
  free(err);
  prp_observations_free(&obs);
  unload(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_advection_diffusion),
      cmocka_unit_test(test_flux_boundary_mass),
      cmocka_unit_test(test_standing_wave),
      cmocka_unit_test(test_decaying_mode_3d),
      cmocka_unit_test(test_jit_matches_interpreter),
      cmocka_unit_test(test_plume2d_mass),
      cmocka_unit_test(test_source1d_plume),
      cmocka_unit_test(test_noise_is_reproducible),
      cmocka_unit_test(test_absolute_noise),
      cmocka_unit_test(test_run_failures),
      cmocka_unit_test(test_csv_round_trip),
      cmocka_unit_test(test_missing_initial_conditions),
      cmocka_unit_test(test_print_coefficients),
      cmocka_unit_test(test_plots),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
