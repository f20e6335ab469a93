/* Tests of the truth simulator (runtime/sim/sim.c): errors against analytic solutions under
 * grid refinement, and the observed orders of convergence (diffusion, advection, waves). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "sim.h"

// One Gaussian pulse moving at velocity v and spreading with diffusivity D (per
// dimension): the exact solution of u_t + v . grad u = D lap u from a Gaussian.
typedef struct {
  int dim;
  double center[3], velocity[3], diffusivity[3];
  double width;     /* standard deviation at t = 0 */
  double wave_speed; /* > 0: d'Alembert's solution of u_tt = c^2 u_xx instead */
} pulse;

static double pulse_exact(const double *x, double t, void *user) {
  const pulse *p = user;
  if (p->wave_speed > 0.0) {
    double s2 = p->width * p->width, c = p->wave_speed;
    double a = x[0] - p->center[0] - c * t, b = x[0] - p->center[0] + c * t;
    return 0.5 * (exp(-a * a / (2 * s2)) + exp(-b * b / (2 * s2)));
  }
  double u = 1.0;
  for (int d = 0; d < p->dim; d++) {
    double s2 = p->width * p->width + 2.0 * p->diffusivity[d] * t;
    double r = x[d] - p->center[d] - p->velocity[d] * t;
    u *= p->width / sqrt(s2) * exp(-r * r / (2.0 * s2));
  }
  return u;
}

static void pulse_velocity(const double *x, double t, double *v, void *user) {
  const pulse *p = user;
  for (int d = 0; d < p->dim; d++) v[d] = p->velocity[d];
}

// Runs the pulse on the unit box with n nodes per side and exact Dirichlet values, and
// returns the RMS and max errors over the nodes at time T.
static void pulse_error(pulse *pl, int n, double T, prp_sim_options opt, double *rms, double *max) {
  prp_sim_problem p = {.dim = pl->dim, .t0 = 0.0, .t1 = T, .initial = pulse_exact, .user = pl};
  p.a1 = 1.0;
  if (pl->wave_speed > 0.0) {
    p.a2 = 1;
    p.a1 = 0.0;
  }
  int moving = 0;
  for (int d = 0; d < pl->dim; d++) {
    p.lo[d] = 0.0;
    p.hi[d] = 1.0;
    p.n[d] = n;
    p.diffusivity[d] = pl->wave_speed > 0.0 ? pl->wave_speed * pl->wave_speed : pl->diffusivity[d];
    p.bc[d][0] = p.bc[d][1] = (prp_sim_bc){PRP_SIM_BC_DIRICHLET, pulse_exact};
    moving |= pl->velocity[d] != 0.0;
  }
  if (moving) {
    p.velocity = pulse_velocity;
    p.velocity_steady = 1;
  }
  size_t points = prp_sim_points(&p);
  double *field = malloc(points * sizeof *field);
  assert_non_null(field);
  prp_sim_request req = {.n_frames = 1, .frame_t = &T, .frame_u = field};
  prp_sim_stats stats;
  char *err = prp_sim_run(&p, &opt, &req, &stats);
  if (err) fail_msg("%s", err);
  assert_int_equal(stats.implicit_diffusion, opt.diffusion == PRP_SIM_DIFFUSION_IMPLICIT);
  double sum = 0.0, worst = 0.0;
  for (size_t k = 0; k < points; k++) {
    double x[3];
    size_t rest = k;
    for (int d = 0; d < pl->dim; d++) {
      x[d] = prp_sim_coord(&p, d, (int)(rest % (size_t)n));
      rest /= (size_t)n;
    }
    double e = fabs(field[k] - pulse_exact(x, T, pl));
    sum += e * e;
    worst = fmax(worst, e);
  }
  *rms = sqrt(sum / (double)points);
  *max = worst;
  free(field);
}

// Errors on n, 2n-1, 4n-3 nodes (h, h/2, h/4); checks that the observed order of the
// RMS error between the two finest grids lies in [lo, hi] and prints all orders.
// opt.max_dt, if given, is the step on the coarsest grid, halved with h.
static void check_order_with(const char *name, pulse *pl, int n, double T, prp_sim_options opt, double lo,
                             double hi) {
  double rms[3], max[3], coarse_max_dt = opt.max_dt;
  for (int level = 0; level < 3; level++) {
    opt.max_dt = coarse_max_dt / (1 << level);
    pulse_error(pl, (n - 1) * (1 << level) + 1, T, opt, &rms[level], &max[level]);
  }
  double order_rms_coarse = log2(rms[0] / rms[1]), order_rms = log2(rms[1] / rms[2]);
  double order_max = log2(max[1] / max[2]);
  printf("%-28s h=1/%d..1/%d  rms %.2e %.2e %.2e  order(rms) %.2f %.2f  order(max) %.2f\n", name, n - 1,
         4 * (n - 1), rms[0], rms[1], rms[2], order_rms_coarse, order_rms, order_max);
  assert_true(rms[2] < rms[1] && rms[1] < rms[0]);
  assert_true(order_rms >= lo);
  assert_true(order_rms <= hi);
}

static void check_order(const char *name, pulse *pl, int n, double T, prp_sim_advection_scheme scheme,
                        double lo, double hi) {
  /* no cap on the step: the scheme's own stability limit, which shrinks with h */
  check_order_with(name, pl, n, T, (prp_sim_options){.advection = scheme, .max_dt = 1e300}, lo, hi);
}

static void test_diffusion_1d(void **state) {
  pulse pl = {.dim = 1, .center = {0.5}, .diffusivity = {0.01}, .width = 0.05};
  check_order("diffusion 1D", &pl, 41, 0.125, PRP_SIM_MUSCL_KOREN, 1.9, 2.1);
}

static void test_diffusion_2d_anisotropic(void **state) {
  pulse pl = {.dim = 2, .center = {0.5, 0.45}, .diffusivity = {0.01, 0.004}, .width = 0.06};
  check_order("diffusion 2D (Dx != Dy)", &pl, 33, 0.1, PRP_SIM_MUSCL_KOREN, 1.9, 2.1);
}

// Limiters clip the pulse's peak: the RMS order stays below 2 except with Koren's.
static void test_advection_1d_koren(void **state) {
  pulse pl = {.dim = 1, .center = {0.3}, .velocity = {1.0}, .width = 0.05};
  check_order("advection 1D Koren", &pl, 101, 0.4, PRP_SIM_MUSCL_KOREN, 1.85, 2.2);
}

static void test_advection_1d_negative_velocity(void **state) {
  pulse pl = {.dim = 1, .center = {0.7}, .velocity = {-1.0}, .width = 0.05};
  check_order("advection 1D v<0 Koren", &pl, 101, 0.4, PRP_SIM_MUSCL_KOREN, 1.85, 2.2);
}

static void test_advection_1d_vanleer(void **state) {
  pulse pl = {.dim = 1, .center = {0.3}, .velocity = {1.0}, .width = 0.05};
  check_order("advection 1D van Leer", &pl, 101, 0.4, PRP_SIM_MUSCL_VANLEER, 1.6, 2.0);
}

static void test_advection_1d_minmod(void **state) {
  pulse pl = {.dim = 1, .center = {0.3}, .velocity = {1.0}, .width = 0.05};
  check_order("advection 1D minmod", &pl, 101, 0.4, PRP_SIM_MUSCL_MINMOD, 1.3, 1.9);
}

static void test_advection_1d_upwind(void **state) {
  pulse pl = {.dim = 1, .center = {0.3}, .velocity = {1.0}, .width = 0.05};
  check_order("advection 1D upwind", &pl, 101, 0.4, PRP_SIM_UPWIND1, 0.6, 1.1);
}

static void test_advection_2d(void **state) {
  pulse pl = {.dim = 2, .center = {0.3, 0.35}, .velocity = {0.8, 0.4}, .width = 0.06};
  check_order("advection 2D Koren", &pl, 41, 0.4, PRP_SIM_MUSCL_KOREN, 1.85, 2.3);
}

static void test_advection_diffusion_1d(void **state) {
  pulse pl = {.dim = 1, .center = {0.3}, .velocity = {1.0}, .diffusivity = {0.01}, .width = 0.05};
  check_order("advection-diffusion 1D", &pl, 201, 0.25, PRP_SIM_MUSCL_KOREN, 1.7, 2.3);
}

static void test_advection_diffusion_2d(void **state) {
  pulse pl = {.dim = 2, .center = {0.3, 0.6}, .velocity = {0.7, -0.3}, .diffusivity = {0.01, 0.005},
              .width = 0.06};
  check_order("advection-diffusion 2D", &pl, 41, 0.4, PRP_SIM_MUSCL_KOREN, 1.8, 2.3);
}

static void test_diffusion_3d(void **state) {
  pulse pl = {.dim = 3, .center = {0.45, 0.5, 0.55}, .diffusivity = {0.01, 0.01, 0.005}, .width = 0.08};
  check_order("diffusion 3D", &pl, 17, 0.2, PRP_SIM_MUSCL_KOREN, 1.9, 2.1);
}

// IMEX: implicit diffusion with steps far beyond the explicit limit (dt ~ h, not h^2):
// the time error must be second order for the total to converge at order 2.
static void test_imex_diffusion_1d(void **state) {
  pulse pl = {.dim = 1, .center = {0.5}, .diffusivity = {0.01}, .width = 0.05};
  /* explicit limit 0.9 h^2 / (2 D): 1.8e-3 on the coarsest grid, 7 times below this dt,
     1.1e-4 on the finest, 28 times below */
  prp_sim_options opt = {.diffusion = PRP_SIM_DIFFUSION_IMPLICIT, .max_dt = 0.125 / 10};
  check_order_with("IMEX diffusion 1D (dt ~ h)", &pl, 161, 0.125, opt, 1.85, 2.2);
}

static void test_imex_advection_diffusion_2d(void **state) {
  pulse pl = {.dim = 2, .center = {0.3, 0.6}, .velocity = {0.7, -0.3}, .diffusivity = {0.01, 0.005},
              .width = 0.06};
  prp_sim_options opt = {.diffusion = PRP_SIM_DIFFUSION_IMPLICIT, .max_dt = 1e300};
  check_order_with("IMEX advection-diffusion 2D", &pl, 41, 0.4, opt, 1.7, 2.5);
}

static void test_wave_1d_dalembert(void **state) {
  pulse pl = {.dim = 1, .center = {0.5}, .width = 0.05, .wave_speed = 1.0};
  check_order("wave 1D (d'Alembert)", &pl, 101, 0.25, PRP_SIM_MUSCL_KOREN, 1.85, 2.25);
}

// A damped standing wave in the unit square with u = 0 on the walls:
// u = exp(-a t / 2) cos(w t) sin(pi x) sin(pi y), w^2 = 2 pi^2 c^2 - a^2 / 4, solves
// u_tt + a u_t = c^2 lap u; it starts with u_t = -a/2 u. Checks damping, initial rate, 2D.
static const double standing_a = 0.5, standing_c = 0.8;

static double standing_wave(const double *x, double t, void *user) {
  double w = sqrt(2.0 * M_PI * M_PI * standing_c * standing_c - standing_a * standing_a / 4.0);
  return exp(-standing_a * t / 2.0) * cos(w * t) * sin(M_PI * x[0]) * sin(M_PI * x[1]);
}
static double standing_rate(const double *x, double t, void *user) {
  return -standing_a / 2.0 * sin(M_PI * x[0]) * sin(M_PI * x[1]);
}

static double standing_error(int n) {
  prp_sim_problem p = {.dim = 2, .lo = {0, 0}, .hi = {1, 1}, .n = {n, n}, .t0 = 0, .t1 = 1.3, .a2 = 1,
                       .a1 = standing_a, .diffusivity = {standing_c * standing_c, standing_c * standing_c},
                       .initial = standing_wave, .initial_rate = standing_rate};
  for (int d = 0; d < 2; d++) p.bc[d][0] = p.bc[d][1] = (prp_sim_bc){PRP_SIM_BC_DIRICHLET, NULL};
  size_t points = prp_sim_points(&p);
  double *field = malloc(points * sizeof *field), T = 1.3, worst = 0.0;
  assert_non_null(field);
  prp_sim_request req = {.n_frames = 1, .frame_t = &T, .frame_u = field};
  prp_sim_options opt = {.max_dt = 1e300};
  char *err = prp_sim_run(&p, &opt, &req, NULL);
  if (err) fail_msg("%s", err);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) {
      double x[2] = {prp_sim_coord(&p, 0, i), prp_sim_coord(&p, 1, j)};
      worst = fmax(worst, fabs(field[j * n + i] - standing_wave(x, T, NULL)));
    }
  free(field);
  return worst;
}

static void test_damped_standing_wave_2d(void **state) {
  double e[3] = {standing_error(17), standing_error(33), standing_error(65)};
  double order = log2(e[1] / e[2]);
  printf("%-28s h=1/16..1/64  max %.2e %.2e %.2e  order(max) %.2f %.2f\n", "damped standing wave 2D", e[0], e[1],
         e[2], log2(e[0] / e[1]), order);
  assert_true(order > 1.85 && order < 2.3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_diffusion_1d),
      cmocka_unit_test(test_diffusion_2d_anisotropic),
      cmocka_unit_test(test_advection_1d_koren),
      cmocka_unit_test(test_advection_1d_negative_velocity),
      cmocka_unit_test(test_advection_1d_vanleer),
      cmocka_unit_test(test_advection_1d_minmod),
      cmocka_unit_test(test_advection_1d_upwind),
      cmocka_unit_test(test_advection_2d),
      cmocka_unit_test(test_advection_diffusion_1d),
      cmocka_unit_test(test_advection_diffusion_2d),
      cmocka_unit_test(test_diffusion_3d),
      cmocka_unit_test(test_imex_diffusion_1d),
      cmocka_unit_test(test_imex_advection_diffusion_2d),
      cmocka_unit_test(test_wave_1d_dalembert),
      cmocka_unit_test(test_damped_standing_wave_2d),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
