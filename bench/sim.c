/* Benchmark of the truth simulator (runtime/sim/sim.c): a 2D 256 x 256 advection-diffusion
 * run like the plume example, timed, with grid-point updates per second. No assertions. */
#include "sim.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct {
  double xs, ys, width, q;
} plume;

static double plume_source(const double *x, double t, double u, void *user) {
  const plume *p = user;
  double dx = x[0] - p->xs, dy = x[1] - p->ys;
  return p->q * exp(-(dx * dx + dy * dy) / (2.0 * p->width * p->width));
}

static void steady_wind(const double *x, double t, double *v, void *user) {
  v[0] = 0.4;
  v[1] = 0.1;
}

static void double_gyre(const double *x, double t, double *v, void *user) {
  const double A = 0.1, eps = 0.25, omega = 2.0 * M_PI / 10.0;
  double a = eps * sin(omega * t), b = 1.0 - 2.0 * eps * sin(omega * t);
  double f = a * x[0] * x[0] + b * x[0];
  v[0] = -M_PI * A * sin(M_PI * f) * cos(M_PI * x[1]);
  v[1] = M_PI * A * cos(M_PI * f) * sin(M_PI * x[1]) * (2.0 * a * x[0] + b);
}

static double zero(const double *x, double t, void *user) { return 0.0; }

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void run(const char *name, prp_sim_velocity_fn velocity, int steady, double hi_x, double D, double T,
                prp_sim_diffusion_mode diffusion) {
  plume src = {.xs = 0.25, .ys = 0.4, .width = 0.02, .q = 2.0};
  prp_sim_problem p = {.dim = 2, .lo = {0, 0}, .hi = {hi_x, 1}, .n = {256, 256}, .t0 = 0, .t1 = T, .a1 = 1,
                       .diffusivity = {D, D}, .velocity = velocity, .velocity_steady = steady,
                       .source = plume_source, .initial = zero, .user = &src};
  prp_sim_options opt = {.diffusion = diffusion};
  for (int d = 0; d < 2; d++) p.bc[d][0] = p.bc[d][1] = (prp_sim_bc){PRP_SIM_BC_DIRICHLET, NULL};
  enum { SENSORS = 16 * 20 };
  double x[2 * SENSORS], t[SENSORS], u[SENSORS];
  for (int i = 0; i < SENSORS; i++) {
    x[2 * i] = hi_x * (0.3 + 0.2 * (i % 4));
    x[2 * i + 1] = 0.2 + 0.2 * ((i / 4) % 4);
    t[i] = T / 20 * (1 + i / 16);
  }
  prp_sim_request req = {.n_sensors = SENSORS, .sensor_x = x, .sensor_t = t, .sensor_u = u};
  prp_sim_stats stats;
  double start = now();
  clock_t cpu_start = clock();
  char *err = prp_sim_run(&p, &opt, &req, &stats);
  double seconds = now() - start, cpu = (double)(clock() - cpu_start) / CLOCKS_PER_SEC;
  if (err) {
    fprintf(stderr, "bench_sim: %s\n", err);
    free(err);
    return;
  }
  double updates = (double)stats.steps * (double)stats.points;
  printf("%-34s %zu points, %ld steps (dt %.3g..%.3g), %ld operator evaluations, %ld CG iterations\n", name,
         stats.points, stats.steps, stats.dt_min, stats.dt_max, stats.rhs_evaluations, stats.cg_iterations);
  printf("%-34s %.3f s wall, %.3f s CPU: %.1f M point-steps/s, %.1f M point-operator-evaluations/s (CPU)\n",
         "", seconds, cpu, updates / cpu * 1e-6, (double)stats.rhs_evaluations * (double)stats.points / cpu * 1e-6);
}

int main(void) {
  /* the callbacks here are plain C (exp, sin, cos per node and stage), as the compiler's
   * generated ones will be; they take about half of the time */
  run("2D 256x256 plume, steady wind", steady_wind, 1, 1.0, 0.002, 1.0, PRP_SIM_DIFFUSION_AUTO);
  run("2D 256x256 plume, Double Gyre", double_gyre, 0, 2.0, 0.002, 0.5, PRP_SIM_DIFFUSION_AUTO);
  /* diffusion-dominated: explicit RK3 at its stability limit against IMEX at 100 steps */
  run("2D 256x256 D=0.05, explicit", steady_wind, 1, 1.0, 0.05, 0.05, PRP_SIM_DIFFUSION_EXPLICIT);
  run("2D 256x256 D=0.05, IMEX", steady_wind, 1, 1.0, 0.05, 0.05, PRP_SIM_DIFFUSION_IMPLICIT);
  return 0;
}
