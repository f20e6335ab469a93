/* Tests of the truth simulator (runtime/sim/sim.c): sensor interpolation, frames, boundary
 * fluxes, mass balance with a source, a nonlinear reaction in a Double Gyre, noise, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rng.h"
#include "sim.h"

// ---------------------------------------------------------------- a linear field

// u = c0 + c1 x + c2 y + c3 t solves u_t + v . grad u - D lap u = c3 + v . (c1, c2),
// and every part of the scheme (limited slopes, ghosts, RK stages, multilinear and
// time interpolation) is exact on it.
static const double lin_c[4] = {0.5, 1.5, -0.75, 2.0};
static const double lin_v[2] = {0.3, -0.2};

static double linear_exact(const double *x, double t, void *user) {
  return lin_c[0] + lin_c[1] * x[0] + lin_c[2] * x[1] + lin_c[3] * t;
}
static void linear_velocity(const double *x, double t, double *v, void *user) {
  v[0] = lin_v[0] * (1.0 + t); /* time dependent, to exercise the re-estimated step */
  v[1] = lin_v[1];
}
static double linear_source(const double *x, double t, double u, void *user) {
  return lin_c[3] + lin_v[0] * (1.0 + t) * lin_c[1] + lin_v[1] * lin_c[2];
}
static double linear_flux_ylo(const double *x, double t, void *user) { return -lin_c[2]; }
static double linear_flux_yhi(const double *x, double t, void *user) { return lin_c[2]; }

static prp_sim_problem linear_problem(void) {
  prp_sim_problem p = {.dim = 2, .lo = {-1.0, 0.0}, .hi = {1.0, 2.0}, .n = {21, 17}, .t0 = 0.0, .t1 = 1.0,
                       .a1 = 1.0, .diffusivity = {0.01, 0.02}, .velocity = linear_velocity,
                       .source = linear_source, .initial = linear_exact};
  p.bc[0][0] = p.bc[0][1] = (prp_sim_bc){PRP_SIM_BC_DIRICHLET, linear_exact};
  p.bc[1][0] = (prp_sim_bc){PRP_SIM_BC_NEUMANN, linear_flux_ylo};
  p.bc[1][1] = (prp_sim_bc){PRP_SIM_BC_NEUMANN, linear_flux_yhi};
  return p;
}

static void test_sensors_exact_on_linear_field(void **state) {
  prp_sim_problem p = linear_problem();
  enum { N = 200 };
  double x[2 * N], t[N], u[N];
  prp_rng rng;
  prp_rng_seed(&rng, 7);
  for (int i = 0; i < N; i++) {
    x[2 * i] = -1.0 + 2.0 * prp_rng_uniform(&rng);
    x[2 * i + 1] = 2.0 * prp_rng_uniform(&rng);
    t[i] = prp_rng_uniform(&rng) * 0.9;
  }
  x[0] = -1.0, x[1] = 2.0, t[0] = 0.0; /* a corner at the initial time */
  x[2] = 1.0, x[3] = 0.0, t[1] = 0.9;  /* the last time requested */
  prp_sim_request req = {.n_sensors = N, .sensor_x = x, .sensor_t = t, .sensor_u = u};
  prp_sim_stats stats;
  prp_sim_options opt = {.max_dt = 1.0}; /* let the growing velocity set the step */
  char *err = prp_sim_run(&p, &opt, &req, &stats);
  if (err) fail_msg("%s", err);
  double worst = 0.0;
  for (int i = 0; i < N; i++) worst = fmax(worst, fabs(u[i] - linear_exact(&x[2 * i], t[i], NULL)));
  assert_true(worst < 1e-11);
  assert_true(stats.steps > 10);
  assert_true(stats.dt_min < stats.dt_max); /* the velocity grows, so the step shrinks */
}

static void test_frames_exact_on_linear_field(void **state) {
  prp_sim_problem p = linear_problem();
  size_t points = prp_sim_points(&p);
  assert_int_equal(points, 21 * 17);
  double times[3] = {0.37, 0.0, 1.0};
  double *frames = malloc(3 * points * sizeof *frames);
  assert_non_null(frames);
  prp_sim_request req = {.n_frames = 3, .frame_t = times, .frame_u = frames};
  char *err = prp_sim_run(&p, NULL, &req, NULL);
  if (err) fail_msg("%s", err);
  double worst = 0.0;
  for (int k = 0; k < 3; k++)
    for (int j = 0; j < p.n[1]; j++)
      for (int i = 0; i < p.n[0]; i++) {
        double xy[2] = {prp_sim_coord(&p, 0, i), prp_sim_coord(&p, 1, j)};
        double got = frames[(size_t)k * points + (size_t)(j * p.n[0] + i)];
        worst = fmax(worst, fabs(got - linear_exact(xy, times[k], NULL)));
      }
  assert_true(worst < 1e-11);
  free(frames);
}

// The same in 3D with Neumann faces everywhere: u = c0 + c1 x + c2 y + c3 z, constant in
// time, with a matching normal derivative on each face and no source.
static const double lin3[4] = {1.0, 0.5, -2.0, 0.25};
static double linear3_exact(const double *x, double t, void *user) {
  return lin3[0] + lin3[1] * x[0] + lin3[2] * x[1] + lin3[3] * x[2];
}
static void linear3_velocity(const double *x, double t, double *v, void *user) {
  v[0] = 0.2, v[1] = -0.1, v[2] = 0.3;
}
static double linear3_source(const double *x, double t, double u, void *user) {
  return 0.2 * lin3[1] - 0.1 * lin3[2] + 0.3 * lin3[3]; /* v . grad u, so that u_t = 0 */
}
/* outward normal derivatives: -c_d on the low face of dimension d, +c_d on the high one */
static double flux_x_lo(const double *x, double t, void *user) { return -lin3[1]; }
static double flux_x_hi(const double *x, double t, void *user) { return lin3[1]; }
static double flux_y_lo(const double *x, double t, void *user) { return -lin3[2]; }
static double flux_y_hi(const double *x, double t, void *user) { return lin3[2]; }
static double flux_z_lo(const double *x, double t, void *user) { return -lin3[3]; }
static double flux_z_hi(const double *x, double t, void *user) { return lin3[3]; }

static void test_sensors_exact_on_linear_field_3d(void **state) {
  prp_sim_problem p = {.dim = 3, .lo = {0, 0, 0}, .hi = {1, 1, 1}, .n = {9, 11, 7}, .t0 = 0, .t1 = 0.5, .a1 = 2.0,
                       .diffusivity = {0.01, 0.02, 0.03}, .velocity = linear3_velocity, .velocity_steady = 1,
                       .source = linear3_source, .initial = linear3_exact};
  prp_sim_scalar_fn flux[3][2] = {{flux_x_lo, flux_x_hi}, {flux_y_lo, flux_y_hi}, {flux_z_lo, flux_z_hi}};
  for (int d = 0; d < 3; d++)
    for (int side = 0; side < 2; side++) p.bc[d][side] = (prp_sim_bc){PRP_SIM_BC_NEUMANN, flux[d][side]};
  enum { N = 100 };
  double x[3 * N], t[N], u[N];
  prp_rng rng;
  prp_rng_seed(&rng, 11);
  for (int i = 0; i < 3 * N; i++) x[i] = prp_rng_uniform(&rng);
  for (int i = 0; i < N; i++) t[i] = 0.5 * prp_rng_uniform(&rng);
  prp_sim_request req = {.n_sensors = N, .sensor_x = x, .sensor_t = t, .sensor_u = u};
  char *err = prp_sim_run(&p, NULL, &req, NULL);
  if (err) fail_msg("%s", err);
  double worst = 0.0;
  for (int i = 0; i < N; i++) worst = fmax(worst, fabs(u[i] - linear3_exact(&x[3 * i], t[i], NULL)));
  assert_true(worst < 1e-11);
}

// ---------------------------------------------------------------- mass balance

typedef struct {
  double xs, ys, width, q;
} gaussian_source;

static double gaussian(const gaussian_source *s, const double *x) {
  double dx = x[0] - s->xs, dy = x[1] - s->ys;
  return exp(-(dx * dx + dy * dy) / (2.0 * s->width * s->width));
}
static double mass_initial(const double *x, double t, void *user) {
  const double c[2] = {0.3, 0.3};
  double dx = x[0] - c[0], dy = x[1] - c[1];
  return 0.5 * exp(-(dx * dx + dy * dy) / (2.0 * 0.06 * 0.06));
}
/* An emission rate growing in time, so the source integral is q (2 pi w^2) (T + T^2/2). */
static double mass_source(const double *x, double t, double u, void *user) {
  const gaussian_source *s = user;
  return s->q * (1.0 + t) * gaussian(s, x);
}
static void swirl(const double *x, double t, double *v, void *user) {
  /* divergence free and tangential on the walls of the unit square */
  v[0] = -sin(M_PI * x[0]) * cos(M_PI * x[1]) * 0.2;
  v[1] = cos(M_PI * x[0]) * sin(M_PI * x[1]) * 0.2;
}

static double trapezoid_2d(const prp_sim_problem *p, const double *u) {
  double sum = 0.0;
  for (int j = 0; j < p->n[1]; j++)
    for (int i = 0; i < p->n[0]; i++) {
      double w = (i == 0 || i == p->n[0] - 1 ? 0.5 : 1.0) * (j == 0 || j == p->n[1] - 1 ? 0.5 : 1.0);
      sum += w * u[j * p->n[0] + i];
    }
  double hx = (p->hi[0] - p->lo[0]) / (p->n[0] - 1), hy = (p->hi[1] - p->lo[1]) / (p->n[1] - 1);
  return sum * hx * hy;
}

// With zero normal derivative on every wall and no advection, the trapezoidal integral
// of u grows exactly (to round-off and RK3's error on a quadratic in t: none) by the
// integral of the source.
static void check_mass_balance(prp_sim_diffusion_mode mode, double tolerance) {
  gaussian_source src = {.xs = 0.6, .ys = 0.55, .width = 0.05, .q = 3.0};
  prp_sim_problem p = {.dim = 2, .lo = {0, 0}, .hi = {1, 1}, .n = {81, 81}, .t0 = 0, .t1 = 0.5, .a1 = 1.0,
                       .diffusivity = {0.01, 0.01}, .source = mass_source, .initial = mass_initial,
                       .user = &src};
  size_t points = prp_sim_points(&p);
  double times[2] = {0.0, 0.5};
  double *frames = malloc(2 * points * sizeof *frames);
  assert_non_null(frames);
  prp_sim_request req = {.n_frames = 2, .frame_t = times, .frame_u = frames};
  prp_sim_options opt = {.diffusion = mode};
  prp_sim_stats stats;
  char *err = prp_sim_run(&p, &opt, &req, &stats);
  if (err) fail_msg("%s", err);
  assert_int_equal(stats.implicit_diffusion, mode == PRP_SIM_DIFFUSION_IMPLICIT);
  double m0 = trapezoid_2d(&p, frames), m1 = trapezoid_2d(&p, frames + points);
  double T = 0.5, added = src.q * 2.0 * M_PI * src.width * src.width * (T + 0.5 * T * T);
  printf("mass %.12f -> %.12f, source added %.12f, imbalance %.2e (%s, %ld steps, %ld CG iterations)\n", m0,
         m1, added, m1 - m0 - added, stats.implicit_diffusion ? "IMEX" : "explicit", stats.steps,
         stats.cg_iterations);
  assert_true(fabs(m1 - m0 - added) < tolerance * added);
  free(frames);
}

static void test_mass_balance_with_source(void **state) { check_mass_balance(PRP_SIM_DIFFUSION_EXPLICIT, 1e-9); }

// The implicit solves stop at a relative residual of 1e-12: mass is kept to about that.
static void test_mass_balance_with_source_imex(void **state) {
  check_mass_balance(PRP_SIM_DIFFUSION_IMPLICIT, 1e-8);
}

// A diffusivity that makes explicit steps hopeless (dt ~ 1e-7 over [0, 0.05]): the
// automatic mode goes implicit and still follows the spreading Gaussian.
static double spreading(const double *x, double t, void *user) {
  double s2 = 0.05 * 0.05 + 2.0 * t, r = x[0] - 0.5;
  return 0.05 / sqrt(s2) * exp(-r * r / (2.0 * s2));
}

static void test_stiff_diffusion_goes_implicit(void **state) {
  prp_sim_problem p = {.dim = 1, .lo = {0}, .hi = {1}, .n = {2001}, .t0 = 0, .t1 = 0.05, .a1 = 1,
                       .diffusivity = {1.0}, .initial = spreading};
  p.bc[0][0] = p.bc[0][1] = (prp_sim_bc){PRP_SIM_BC_DIRICHLET, spreading};
  enum { N = 9 };
  double x[N], t[N], u[N];
  for (int i = 0; i < N; i++) x[i] = 0.1 * (i + 1), t[i] = 0.05 * (i + 1) / N;
  prp_sim_request req = {.n_sensors = N, .sensor_x = x, .sensor_t = t, .sensor_u = u};
  prp_sim_stats stats;
  char *err = prp_sim_run(&p, NULL, &req, &stats);
  if (err) fail_msg("%s", err);
  double worst = 0.0;
  for (int i = 0; i < N; i++) worst = fmax(worst, fabs(u[i] - spreading(&x[i], t[i], NULL)));
  printf("stiff diffusion: %s, %ld steps, %ld CG iterations, max sensor error %.2e\n",
         stats.implicit_diffusion ? "IMEX" : "explicit", stats.steps, stats.cg_iterations, worst);
  assert_true(stats.implicit_diffusion);
  assert_true(stats.steps <= 101);
  assert_true(worst < 1e-4);
}

// A divergence-free swirl tangential to the walls moves mass around without creating
// any: in the non-conservative form the balance then holds to the scheme's accuracy.
static void test_mass_nearly_conserved_by_swirl(void **state) {
  gaussian_source src = {.xs = 0.6, .ys = 0.55, .width = 0.05, .q = 0.0};
  prp_sim_problem p = {.dim = 2, .lo = {0, 0}, .hi = {1, 1}, .n = {129, 129}, .t0 = 0, .t1 = 1.0, .a1 = 1.0,
                       .diffusivity = {0.001, 0.001}, .velocity = swirl, .velocity_steady = 1,
                       .initial = mass_initial, .user = &src};
  size_t points = prp_sim_points(&p);
  double times[2] = {0.0, 1.0};
  double *frames = malloc(2 * points * sizeof *frames);
  assert_non_null(frames);
  prp_sim_request req = {.n_frames = 2, .frame_t = times, .frame_u = frames};
  char *err = prp_sim_run(&p, NULL, &req, NULL);
  if (err) fail_msg("%s", err);
  double m0 = trapezoid_2d(&p, frames), m1 = trapezoid_2d(&p, frames + points);
  printf("swirl: mass %.8f -> %.8f (relative change %.2e)\n", m0, m1, (m1 - m0) / m0);
  assert_true(fabs(m1 - m0) < 2e-3 * m0);
  free(frames);
}

// ---------------------------------------------------------------- Fisher-KPP in a Double Gyre

static void double_gyre(const double *x, double t, double *v, void *user) {
  const double A = 0.1, eps = 0.25, omega = 2.0 * M_PI / 10.0;
  double a = eps * sin(omega * t), b = 1.0 - 2.0 * eps * sin(omega * t);
  double f = a * x[0] * x[0] + b * x[0], dfdx = 2.0 * a * x[0] + b;
  v[0] = -M_PI * A * sin(M_PI * f) * cos(M_PI * x[1]);
  v[1] = M_PI * A * cos(M_PI * f) * sin(M_PI * x[1]) * dfdx;
}
static double fisher(const double *x, double t, double u, void *user) { return 2.0 * u * (1.0 - u); }
static double bump(const double *x, double t, void *user) {
  double dx = x[0] - 0.6, dy = x[1] - 0.4;
  return 0.9 * exp(-(dx * dx + dy * dy) / (2.0 * 0.05 * 0.05));
}

// The limited scheme keeps u in [0, 1] (the Fisher-KPP invariant region) while the
// front spreads and is stirred; the invaded area grows.
static void test_fisher_kpp_in_double_gyre_stays_in_range(void **state) {
  prp_sim_problem p = {.dim = 2, .lo = {0, 0}, .hi = {2, 1}, .n = {129, 65}, .t0 = 0, .t1 = 3.0, .a1 = 1.0,
                       .diffusivity = {5e-4, 5e-4}, .velocity = double_gyre, .source = fisher,
                       .initial = bump};
  size_t points = prp_sim_points(&p);
  double times[3] = {0.0, 1.5, 3.0};
  double *frames = malloc(3 * points * sizeof *frames);
  assert_non_null(frames);
  prp_sim_request req = {.n_frames = 3, .frame_t = times, .frame_u = frames};
  prp_sim_stats stats;
  char *err = prp_sim_run(&p, NULL, &req, &stats);
  if (err) fail_msg("%s", err);
  double lo = INFINITY, hi = -INFINITY, mass[3];
  for (int k = 0; k < 3; k++) {
    for (size_t i = 0; i < points; i++) {
      lo = fmin(lo, frames[k * points + i]);
      hi = fmax(hi, frames[k * points + i]);
    }
    mass[k] = trapezoid_2d(&p, frames + k * points);
  }
  printf("fisher-kpp: u in [%.3g, %.6f], mass %.4f %.4f %.4f, %ld steps, dt %.3g..%.3g\n", lo, hi,
         mass[0], mass[1], mass[2], stats.steps, stats.dt_min, stats.dt_max);
  assert_true(lo >= -1e-12);
  assert_true(hi <= 1.0 + 1e-12);
  assert_true(mass[1] > mass[0] && mass[2] > mass[1]);
  free(frames);
}

// ---------------------------------------------------------------- waves at sensors

static double dalembert(const double *x, double t, void *user) {
  double a = x[0] - 0.5 - t, b = x[0] - 0.5 + t, s2 = 0.05 * 0.05;
  return 0.5 * (exp(-a * a / (2 * s2)) + exp(-b * b / (2 * s2)));
}

// Sensors at arbitrary times between steps: interpolation in space and time keeps the
// second order of the Verlet scheme (error well below that of the coarse grid).
static void test_wave_sensors_follow_dalembert(void **state) {
  enum { N = 50 };
  double x[N], t[N], u[N];
  for (int i = 0; i < N; i++) {
    x[i] = 0.1 + 0.8 * i / (N - 1.0);
    t[i] = 0.3 * (double)((i * 37) % N) / N;
  }
  double worst[2];
  for (int level = 0; level < 2; level++) {
    prp_sim_problem p = {.dim = 1, .lo = {0}, .hi = {1}, .n = {level ? 801 : 401}, .t0 = 0, .t1 = 0.3, .a2 = 1,
                         .diffusivity = {1.0}, .initial = dalembert};
    p.bc[0][0] = p.bc[0][1] = (prp_sim_bc){PRP_SIM_BC_DIRICHLET, dalembert};
    prp_sim_request req = {.n_sensors = N, .sensor_x = x, .sensor_t = t, .sensor_u = u};
    char *err = prp_sim_run(&p, NULL, &req, NULL);
    if (err) fail_msg("%s", err);
    worst[level] = 0.0;
    for (int i = 0; i < N; i++) worst[level] = fmax(worst[level], fabs(u[i] - dalembert(&x[i], t[i], NULL)));
  }
  printf("wave sensors: max error %.2e (h = 1/400), %.2e (h = 1/800), order %.2f\n", worst[0], worst[1],
         log2(worst[0] / worst[1]));
  assert_true(worst[1] < 2e-3);
  assert_true(log2(worst[0] / worst[1]) > 1.6);
}

// Walls that reflect (zero normal derivative): after t = 2 the undamped pulse is back
// where it started; the damped one (u_tt + 2 u_t = u_xx) has lost most of its amplitude
// (exp(-t) times the slow growth of the telegraph equation's wake). Both keep the
// integral of u, whose evolution M'' + a1 M' = 0 starts from rest.
static double wall_bump(const double *x, double t, void *user) { return exp(-pow((x[0] - 0.3) / 0.05, 2)); }

static void test_damped_wave_decays(void **state) {
  double peak[2];
  for (int damped = 0; damped < 2; damped++) {
    prp_sim_problem p = {.dim = 1, .lo = {0}, .hi = {1}, .n = {201}, .t0 = 0, .t1 = 2.0, .a2 = 1,
                         .a1 = damped ? 2.0 : 0.0, .diffusivity = {1.0}, .initial = wall_bump};
    double T = 2.0, field[201];
    prp_sim_request req = {.n_frames = 1, .frame_t = &T, .frame_u = field};
    char *err = prp_sim_run(&p, NULL, &req, NULL);
    if (err) fail_msg("%s", err);
    peak[damped] = 0.0;
    double mass = 0.0, mass0 = 0.0;
    for (int i = 0; i < 201; i++) {
      double w = i == 0 || i == 200 ? 0.5 : 1.0, xi = prp_sim_coord(&p, 0, i);
      peak[damped] = fmax(peak[damped], fabs(field[i]));
      mass += w * field[i] / 200.0;
      mass0 += w * wall_bump(&xi, 0.0, NULL) / 200.0;
    }
    printf("wave with walls: peak %.3f, mass %.15f -> %.15f\n", peak[damped], mass0, mass);
    assert_true(fabs(mass - mass0) < 1e-12);
  }
  assert_true(peak[0] > 0.95);
  assert_true(peak[1] > 0.1 * peak[0] && peak[1] < 0.3 * peak[0]);
}

// ---------------------------------------------------------------- noise

static void test_noise_absolute_has_requested_sigma(void **state) {
  enum { N = 40000 };
  double *a = calloc(N, sizeof *a), *b = calloc(N, sizeof *b), *c = calloc(N, sizeof *c);
  assert_true(a && b && c);
  assert_true(prp_sim_add_noise(a, N, PRP_SIM_NOISE_ABSOLUTE, 0.3, 42) == 0.3);
  prp_sim_add_noise(b, N, PRP_SIM_NOISE_ABSOLUTE, 0.3, 42);
  prp_sim_add_noise(c, N, PRP_SIM_NOISE_ABSOLUTE, 0.3, 43);
  double mean = 0.0, var = 0.0;
  for (int i = 0; i < N; i++) mean += a[i] / N;
  for (int i = 0; i < N; i++) var += (a[i] - mean) * (a[i] - mean) / (N - 1);
  printf("noise: mean %.4f, standard deviation %.4f (asked 0.3)\n", mean, sqrt(var));
  assert_true(fabs(mean) < 4.0 * 0.3 / sqrt(N));
  assert_true(fabs(sqrt(var) - 0.3) < 0.3 * 0.02); /* about 5 standard errors */
  assert_memory_equal(a, b, N * sizeof *a);         /* the seed fixes the noise */
  assert_true(memcmp(a, c, N * sizeof *a) != 0);
  free(a);
  free(b);
  free(c);
}

static void test_noise_relative_is_percent_of_peak(void **state) {
  enum { N = 20000 };
  double *u = malloc(N * sizeof *u), *clean = malloc(N * sizeof *u);
  assert_true(u && clean);
  for (int i = 0; i < N; i++) clean[i] = u[i] = (i == 17 ? -2.0 : sin(i * 0.01));
  double sigma = prp_sim_add_noise(u, N, PRP_SIM_NOISE_RELATIVE, 5.0, 1);
  assert_true(fabs(sigma - 0.1) < 1e-15);
  double var = 0.0;
  for (int i = 0; i < N; i++) var += (u[i] - clean[i]) * (u[i] - clean[i]) / N;
  assert_true(fabs(sqrt(var) - 0.1) < 0.1 * 0.03);
  assert_true(prp_sim_add_noise(u, N, PRP_SIM_NOISE_NONE, 5.0, 1) == 0.0);
  free(u);
  free(clean);
}

// ---------------------------------------------------------------- CSV

static void test_sensor_csv_reads_back_exactly(void **state) {
  const double x[4] = {0.1, 1.0 / 3.0, 2.0, -5e-300}, t[2] = {0.0, 0.7}, u[2] = {M_PI, -1e-17};
  const char *names[2] = {"x", "y"};
  char *text = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&text, &size);
  assert_non_null(f);
  assert_null(prp_sim_write_sensors_csv(f, 2, names, "t", "u", 2, x, t, u));
  fclose(f);
  char *line = strtok(text, "\n");
  assert_string_equal(line, "x,y,t,u");
  for (int i = 0; i < 2; i++) {
    char *p = strtok(NULL, "\n"), *end;
    assert_non_null(p);
    double got[4];
    for (int k = 0; k < 4; k++) {
      got[k] = strtod(p, &end);
      p = end + 1;
    }
    assert_true(got[0] == x[2 * i] && got[1] == x[2 * i + 1] && got[2] == t[i] && got[3] == u[i]);
  }
  assert_null(strtok(NULL, "\n"));
  free(text);
}

static void test_sensor_csv_reports_write_failure(void **state) {
  FILE *f = fopen("/dev/full", "w");
  if (!f) skip();
  double x = 0.5, t = 0.1, u = 1.0;
  const char *names[1] = {"x"};
  char *err = prp_sim_write_sensors_csv(f, 1, names, "t", "u", 1, &x, &t, &u);
  fclose(f);
  assert_non_null(err);
  assert_non_null(strstr(err, "cannot write"));
  free(err);
}

// ---------------------------------------------------------------- user errors

static double one(const double *x, double t, void *user) { return 1.0; }

static void expect_error(const prp_sim_problem *p, const prp_sim_options *o, const prp_sim_request *r,
                         const char *fragment) {
  char *err = prp_sim_run(p, o, r, NULL);
  assert_non_null(err);
  if (!strstr(err, fragment)) fail_msg("message \"%s\" lacks \"%s\"", err, fragment);
  free(err);
}

static double nan_after_half(const double *x, double t, double u, void *user) { return t > 0.5 ? NAN : 0.0; }

static void test_blow_up_is_reported(void **state) {
  prp_sim_problem p = {.dim = 1, .lo = {0}, .hi = {1}, .n = {11}, .t0 = 0, .t1 = 1, .a1 = 1,
                       .diffusivity = {0.1}, .source = nan_after_half, .initial = one};
  double x = 0.5, t = 1.0, u;
  prp_sim_request r = {.n_sensors = 1, .sensor_x = &x, .sensor_t = &t, .sensor_u = &u};
  expect_error(&p, NULL, &r, "NaN or infinite");
  p.a2 = 1, p.a1 = 0;
  expect_error(&p, NULL, &r, "NaN or infinite");
}

static void infinite_wind(const double *x, double t, double *v, void *user) { v[0] = t > 0.3 ? INFINITY : 1.0; }

static void test_user_errors_have_messages(void **state) {
  prp_sim_problem good = {.dim = 1, .lo = {0}, .hi = {1}, .n = {11}, .t0 = 0, .t1 = 1, .a1 = 1,
                          .diffusivity = {0.1}, .initial = one};
  prp_sim_problem p = good;
  p.dim = 4;
  expect_error(&p, NULL, NULL, "dimension");
  p = good, p.n[0] = 3;
  expect_error(&p, NULL, NULL, "at least 5");
  p = good, p.a1 = 0;
  expect_error(&p, NULL, NULL, "u_t");
  p = good, p.initial = NULL;
  expect_error(&p, NULL, NULL, "initial");
  p = good, p.a2 = 1, p.velocity = swirl;
  expect_error(&p, NULL, NULL, "advection");
  p = good, p.diffusivity[0] = -1;
  expect_error(&p, NULL, NULL, "diffusivity");
  double x = 1.5, t = 0.5, u;
  prp_sim_request r = {.n_sensors = 1, .sensor_x = &x, .sensor_t = &t, .sensor_u = &u};
  expect_error(&good, NULL, &r, "outside");
  x = 0.5, t = 2.0;
  expect_error(&good, NULL, &r, "outside");
  prp_sim_options o = {.cfl = 1.5};
  expect_error(&good, &o, NULL, "CFL");
  p = good, p.n[0] = 2001, p.diffusivity[0] = 1.0; /* dt ~ 1e-7: millions of steps */
  o = (prp_sim_options){.diffusion = PRP_SIM_DIFFUSION_EXPLICIT};
  expect_error(&p, &o, NULL, "diffusion");
  o = (prp_sim_options){.diffusion = 7};
  expect_error(&good, &o, NULL, "diffusion treatment");
  p = good, p.velocity = infinite_wind;
  expect_error(&p, NULL, NULL, "time step became 0");
  o = (prp_sim_options){.max_steps = 10};
  expect_error(&good, &o, NULL, "limit of 10");
  assert_null(prp_sim_run(&good, NULL, NULL, NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sensors_exact_on_linear_field),
      cmocka_unit_test(test_frames_exact_on_linear_field),
      cmocka_unit_test(test_sensors_exact_on_linear_field_3d),
      cmocka_unit_test(test_mass_balance_with_source),
      cmocka_unit_test(test_mass_balance_with_source_imex),
      cmocka_unit_test(test_stiff_diffusion_goes_implicit),
      cmocka_unit_test(test_mass_nearly_conserved_by_swirl),
      cmocka_unit_test(test_fisher_kpp_in_double_gyre_stays_in_range),
      cmocka_unit_test(test_wave_sensors_follow_dalembert),
      cmocka_unit_test(test_damped_wave_decays),
      cmocka_unit_test(test_noise_absolute_has_requested_sigma),
      cmocka_unit_test(test_noise_relative_is_percent_of_peak),
      cmocka_unit_test(test_sensor_csv_reads_back_exactly),
      cmocka_unit_test(test_sensor_csv_reports_write_failure),
      cmocka_unit_test(test_blow_up_is_reported),
      cmocka_unit_test(test_user_errors_have_messages),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
