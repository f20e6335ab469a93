/* Runtime, truth simulator: problem checks, the time steppers (SSP-RK3, velocity Verlet),
 * the recording of sensors and frames between steps, and sensor noise; see sim.h. */
#include "sim_internal.h"
#include "util.h"
#include "rng.h"
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CFL 0.9
#define DEFAULT_MAX_STEPS 200000L
#define CHECK_EVERY 8 /* steps between estimates of |dg/du| and checks for blow-up */


size_t prp_sim_points(const prp_sim_problem *p) {
  size_t n = 1;
  for (int d = 0; d < p->dim; d++) n *= (size_t)p->n[d];
  return n;
}

double prp_sim_coord(const prp_sim_problem *p, int d, int i) {
  assert(d >= 0 && d < p->dim && p->n[d] > 1);
  return p->lo[d] + i * (p->hi[d] - p->lo[d]) / (p->n[d] - 1);
}

// ---------------------------------------------------------------- checks

static char *check_problem(const prp_sim_problem *p) {
  if (p->dim < 1 || p->dim > PRP_SIM_MAX_DIM)
    return prp_errorf("simulate: the dimension must be 1, 2 or 3, not %d", p->dim);
  for (int d = 0; d < p->dim; d++) {
    if (!(p->hi[d] > p->lo[d]))
      return prp_errorf("simulate: empty interval [%g, %g] in dimension %d", p->lo[d], p->hi[d], d + 1);
    if (p->n[d] < 5)
      return prp_errorf("simulate: %d grid nodes in dimension %d; at least 5 are needed", p->n[d], d + 1);
    if (!(p->diffusivity[d] >= 0.0) || !isfinite(p->diffusivity[d]))
      return prp_errorf("simulate: the diffusivity %g in dimension %d must be finite and >= 0",
                        p->diffusivity[d], d + 1);
    for (int side = 0; side < 2; side++)
      if (p->bc[d][side].kind != PRP_SIM_BC_NEUMANN && p->bc[d][side].kind != PRP_SIM_BC_DIRICHLET)
        return prp_errorf("simulate: unknown boundary condition kind %d", (int)p->bc[d][side].kind);
  }
  if (!(p->t1 > p->t0)) return prp_errorf("simulate: empty time interval [%g, %g]", p->t0, p->t1);
  if (p->a2 != 0 && p->a2 != 1) return prp_errorf("simulate: the coefficient of u_tt must be 0 or 1, not %d", p->a2);
  if (p->a2 == 0 && !(p->a1 > 0.0))
    return prp_errorf("simulate: the coefficient of u_t must be > 0 in a first-order equation, not %g", p->a1);
  if (p->a2 == 1 && !(p->a1 >= 0.0))
    return prp_errorf("simulate: the damping coefficient of u_t must be >= 0, not %g", p->a1);
  if (p->a2 == 1 && p->velocity)
    return prp_errorf("simulate: advection in an equation of second order in time is not supported");
  if (!p->initial) return prp_errorf("simulate: the initial condition is missing");
  return NULL;
}

static char *check_request(const prp_sim_problem *p, const prp_sim_request *r) {
  if (r->n_sensors && (!r->sensor_x || !r->sensor_t || !r->sensor_u))
    return prp_errorf("simulate: %zu sensors requested without their arrays", r->n_sensors);
  if (r->n_frames && (!r->frame_t || !r->frame_u))
    return prp_errorf("simulate: %zu frames requested without their arrays", r->n_frames);
  for (size_t i = 0; i < r->n_sensors; i++) {
    double t = r->sensor_t[i];
    if (!(t >= p->t0 && t <= p->t1))
      return prp_errorf("simulate: sensor %zu at time %g is outside [%g, %g]", i + 1, t, p->t0, p->t1);
    for (int d = 0; d < p->dim; d++) {
      double x = r->sensor_x[i * (size_t)p->dim + (size_t)d];
      double slack = 1e-9 * (p->hi[d] - p->lo[d]);
      if (!(x >= p->lo[d] - slack && x <= p->hi[d] + slack))
        return prp_errorf("simulate: sensor %zu has coordinate %d = %g outside [%g, %g]", i + 1, d + 1,
                          x, p->lo[d], p->hi[d]);
    }
  }
  for (size_t k = 0; k < r->n_frames; k++)
    if (!(r->frame_t[k] >= p->t0 && r->frame_t[k] <= p->t1))
      return prp_errorf("simulate: frame %zu at time %g is outside [%g, %g]", k + 1, r->frame_t[k], p->t0, p->t1);
  return NULL;
}

// ---------------------------------------------------------------- recording

typedef struct {
  double t;
  size_t index;
} timed_index;

static int by_time(const void *a, const void *b) {
  const timed_index *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

// Requested outputs in time order, consumed as the steps pass them.
typedef struct {
  const prp_sim_request *req;
  timed_index *sensors, *frames;
  size_t next_sensor, next_frame;
} recorder;

static timed_index *sorted_times(const double *t, size_t n) {
  timed_index *list = prp_xmalloc((n ? n : 1) * sizeof *list, 1);
  if (!list) return NULL;
  for (size_t i = 0; i < n; i++) list[i] = (timed_index){t[i], i};
  qsort(list, n, sizeof *list, by_time);
  return list;
}

static char *recorder_init(recorder *rec, const prp_sim_request *req) {
  memset(rec, 0, sizeof *rec);
  rec->req = req;
  rec->sensors = sorted_times(req->sensor_t, req->n_sensors);
  rec->frames = sorted_times(req->frame_t, req->n_frames);
  if (!rec->sensors || !rec->frames) {
    free(rec->sensors);
    free(rec->frames);
    return prp_errorf("simulate: out of memory for %zu sensors", req->n_sensors);
  }
  return NULL;
}

static void recorder_free(recorder *rec) {
  free(rec->sensors);
  free(rec->frames);
}

// The last time anything is requested: the run stops there.
static double recorder_end(const recorder *rec, double t1) {
  const prp_sim_request *r = rec->req;
  if (!r->n_sensors && !r->n_frames) return t1;
  double end = -INFINITY;
  if (r->n_sensors) end = rec->sensors[r->n_sensors - 1].t;
  if (r->n_frames && rec->frames[r->n_frames - 1].t > end) end = rec->frames[r->n_frames - 1].t;
  return end;
}

// Records every output with t_old < t <= t_new (or t <= t_new on the first call) by
// linear interpolation in time between the states u_old and u_new.
static void record_between(recorder *rec, const sim_grid *g, double t_old, const double *u_old,
                           double t_new, const double *u_new) {
  const prp_sim_request *r = rec->req;
  double span = t_new - t_old;
  while (rec->next_sensor < r->n_sensors && rec->sensors[rec->next_sensor].t <= t_new) {
    timed_index s = rec->sensors[rec->next_sensor++];
    double theta = span > 0.0 ? (s.t - t_old) / span : 1.0;
    theta = theta < 0.0 ? 0.0 : theta;
    const double *x = r->sensor_x + s.index * (size_t)g->dim;
    double a = sim_interpolate(g, u_old, x), b = sim_interpolate(g, u_new, x);
    r->sensor_u[s.index] = (1.0 - theta) * a + theta * b;
  }
  while (rec->next_frame < r->n_frames && rec->frames[rec->next_frame].t <= t_new) {
    timed_index f = rec->frames[rec->next_frame++];
    double theta = span > 0.0 ? (f.t - t_old) / span : 1.0;
    theta = theta < 0.0 ? 0.0 : theta;
    sim_unpad_blend(g, u_old, u_new, theta, r->frame_u + f.index * g->points);
  }
}

// ---------------------------------------------------------------- step sizes

typedef struct {
  double cfl, max_dt;
  prp_sim_diffusion_mode diffusion;
  long max_steps;
  long steps;
  double dt_min, dt_max;
  const prp_sim_options *opt;   /* its progress callback */
} step_control;

// The forward-Euler positivity (TVD) limit of the first-order semi-discrete system,
// which SSP-RK3 inherits; also names the term that limits it, for messages.
static double first_order_dt(const sim_grid *g, double cfl, const char **limited_by) {
  const prp_sim_problem *p = g->p;
  double k_adv = g->scheme == PRP_SIM_UPWIND1 ? 1.0 : 2.0;
  double adv = 0.0, diff = 0.0, react = g->reaction_rate;
  for (int d = 0; d < g->dim; d++) {
    if (p->velocity) adv += k_adv * g->vmax[d] / g->h[d];
    if (!g->implicit_diffusion) diff += 2.0 * p->diffusivity[d] / (g->h[d] * g->h[d]);
  }
  *limited_by = diff >= adv && diff >= react ? "diffusion" : adv >= react ? "advection" : "reaction";
  double rate = (adv + diff + react) / p->a1;
  return rate > 0.0 ? cfl / rate : INFINITY;
}

static double wave_dt(const sim_grid *g, double cfl, const char **limited_by) {
  const prp_sim_problem *p = g->p;
  double omega2 = g->reaction_rate / 4.0, diff = 0.0;
  for (int d = 0; d < g->dim; d++) diff += p->diffusivity[d] / (g->h[d] * g->h[d]);
  omega2 += diff;
  double dt = omega2 > 0.0 ? cfl / sqrt(omega2) : INFINITY;
  *limited_by = diff >= g->reaction_rate / 4.0 ? "the wave speed" : "reaction";
  if (p->a1 > 0.0 && cfl / p->a1 < dt) {
    dt = cfl / p->a1;
    *limited_by = "damping";
  }
  return dt;
}

// Clips dt to the end time and refuses runs that would take more than max_steps.
static char *take_step(step_control *sc, double t, double t_end, double *dt, const char *limited_by) {
  if (!(*dt > 0.0))
    return prp_errorf("simulate: the time step became %g at t = %g (limited by %s): is the velocity or the "
                      "source infinite?", *dt, t, limited_by);
  if (*dt > sc->max_dt) {
    *dt = sc->max_dt;
    limited_by = "max_dt";
  }
  double remaining = t_end - t;
  double needed = ceil(remaining / *dt);
  if ((double)sc->steps + needed > (double)sc->max_steps)
    return prp_errorf("simulate: the stable time step %.3g (limited by %s) would need about "
                      "%.0f steps to reach t = %g, more than the limit of %ld; use a coarser grid%s",
                      *dt, limited_by, (double)sc->steps + needed, t_end, sc->max_steps,
                      strcmp(limited_by, "diffusion") == 0 ? " or a smaller diffusivity" : "");
  int last = *dt >= remaining;
  if (last) *dt = remaining;
  sc->steps++;
  if (!last || sc->steps == 1) { /* the last step, cut to the end time, says nothing */
    if (sc->steps == 1 || *dt < sc->dt_min) sc->dt_min = *dt;
    if (*dt > sc->dt_max) sc->dt_max = *dt;
  }
  return NULL;
}

// Every CHECK_EVERY steps: re-estimate |dg/du| (it moves with u) and stop a blow-up
// early, before NaNs reach the sensors.
static char *periodic_checks(sim_grid *g, const step_control *sc, double t, const double *u) {
  if (sc->steps % CHECK_EVERY != 0) return NULL;
  if (sc->opt->progress) sc->opt->progress(sc->opt->progress_ctx, t, g->p->t0, g->p->t1);
  if (!sim_all_finite(g, u))
    return prp_errorf("simulate: the solution became NaN or infinite by t = %g, after %ld steps; the source "
                      "or the coefficients make it blow up", t, sc->steps);
  sim_estimate_reaction(g, t, u);
  return NULL;
}

// ---------------------------------------------------------------- steppers

// out = alpha * a + beta * (b + dt * L) over the whole padded array.
static void combine(size_t n, double *out, double alpha, const double *a, double beta,
                    const double *b, double dt, const double *L) {
  for (size_t i = 0; i < n; i++) out[i] = alpha * a[i] + beta * (b[i] + dt * L[i]);
}

// One RK stage: the operator at (t, u), boundaries applied first.
static void stage_operator(sim_grid *g, double t, const double *u, double *L) {
  sim_eval_velocity(g, t);
  sim_operator(g, t, u, L);
}

// Work fields of the first-order steppers: RK3 uses A, B, L; IMEX all of them.
enum { FIELD_A, FIELD_B, FIELD_L, FIELD_E2, FIELD_I1, FIELD_I2, FIELD_CG, N_FIELDS = FIELD_CG + 4 };

// SSP-RK3 (Shu-Osher form) from (t, u) to out.
static void rk3_step(sim_grid *g, double t, double dt, const double *u, double *out, double **f) {
  const size_t n = g->padded_size;
  double k = dt / g->p->a1, *b = f[FIELD_B], *L = f[FIELD_L];
  stage_operator(g, t, u, L);
  combine(n, out, 0.0, u, 1.0, u, k, L);
  sim_apply_boundaries(g, t + dt, out);
  stage_operator(g, t + dt, out, L);
  combine(n, b, 0.75, u, 0.25, out, k, L);
  sim_apply_boundaries(g, t + 0.5 * dt, b);
  stage_operator(g, t + 0.5 * dt, b, L);
  combine(n, out, 1.0 / 3.0, u, 2.0 / 3.0, b, k, L);
}

// IMEX-SSP2(2,2,2) of Pareschi and Russo: Heun's method (SSP) for advection and source,
// an L-stable two-stage SDIRK (gamma = 1 - 1/sqrt 2) for the diffusion; second order.
// The implicit terms come out of the solves, I = (U - rhs) / tau, not from the stencil.
static char *imex_step(sim_grid *g, double t, double dt, const double *u, double *out, double **f) {
  const double gamma = 1.0 - sqrt(0.5);
  const size_t n = g->padded_size;
  double k = dt / g->p->a1, tau = gamma * k;
  double *U1 = f[FIELD_B], *E1 = f[FIELD_L], *E2 = f[FIELD_E2], *I1 = f[FIELD_I1], *I2 = f[FIELD_I2];
  double *const *cg = f + FIELD_CG;
  memcpy(U1, u, n * sizeof *U1);
  char *err = sim_implicit_solve(g, tau, t + gamma * dt, u, U1, cg);
  if (err) return err;
  for (size_t i = 0; i < n; i++) I1[i] = (U1[i] - u[i]) / tau;
  stage_operator(g, t, U1, E1);
  for (size_t i = 0; i < n; i++) I2[i] = u[i] + k * E1[i] + k * (1.0 - 2.0 * gamma) * I1[i];
  memcpy(out, U1, n * sizeof *out);
  if ((err = sim_implicit_solve(g, tau, t + (1.0 - gamma) * dt, I2, out, cg))) return err;
  for (size_t i = 0; i < n; i++) I2[i] = (out[i] - I2[i]) / tau;
  stage_operator(g, t + dt, out, E2);
  for (size_t i = 0; i < n; i++) out[i] = u[i] + 0.5 * k * (E1[i] + E2[i] + I1[i] + I2[i]);
  return NULL;
}

// In the automatic mode, diffusion turns implicit (for the rest of the run) as soon as
// the explicit step it limits would need more than max_steps steps.
static double choose_first_order_dt(sim_grid *g, const step_control *sc, double t, double t_end,
                                    const char **limited_by) {
  double dt = first_order_dt(g, sc->cfl, limited_by);
  if (sc->diffusion == PRP_SIM_DIFFUSION_AUTO && !g->implicit_diffusion &&
      strcmp(*limited_by, "diffusion") == 0 && (double)sc->steps + ceil((t_end - t) / fmin(dt, sc->max_dt)) > (double)sc->max_steps) {
    g->implicit_diffusion = 1;
    dt = first_order_dt(g, sc->cfl, limited_by);
  }
  return dt;
}

// The fields only IMEX steps need, allocated when the run first turns implicit.
static int alloc_imex_fields(const sim_grid *g, double **f) {
  for (int i = FIELD_E2; i < N_FIELDS; i++)
    if (!f[i] && !(f[i] = sim_field_alloc(g))) return 0;
  return 1;
}

static char *run_first_order(sim_grid *g, step_control *sc, recorder *rec, double t_end) {
  const prp_sim_problem *p = g->p;
  double *u = sim_field_alloc(g), *f[N_FIELDS] = {0};
  int ok = u != NULL;
  for (int i = FIELD_A; i < FIELD_E2; i++) ok = ok && (f[i] = sim_field_alloc(g)) != NULL;
  char *err = ok ? NULL : prp_errorf("simulate: out of memory for %zu grid nodes", g->points);
  g->implicit_diffusion = sc->diffusion == PRP_SIM_DIFFUSION_IMPLICIT;
  double t = p->t0;
  if (!err) {
    sim_set_initial(g, p->initial, t, u);
    sim_apply_boundaries(g, t, u);
    record_between(rec, g, t, u, t, u);
  }
  while (!err && t < t_end) {
    if ((err = periodic_checks(g, sc, t, u))) break;
    sim_eval_velocity(g, t);
    const char *limited_by;
    double dt = choose_first_order_dt(g, sc, t, t_end, &limited_by);
    if ((err = take_step(sc, t, t_end, &dt, limited_by))) break;
    double *out = f[FIELD_A];
    if (g->implicit_diffusion) {
      if (!alloc_imex_fields(g, f)) err = prp_errorf("simulate: out of memory for %zu grid nodes", g->points);
      if (err || (err = imex_step(g, t, dt, u, out, f))) break;
    } else {
      rk3_step(g, t, dt, u, out, f);
    }
    double t_next = dt == t_end - t ? t_end : t + dt;
    sim_apply_boundaries(g, t_next, out);
    record_between(rec, g, t, u, t_next, out);
    f[FIELD_A] = u;
    u = out;
    t = t_next;
  }
  if (!err && !sim_all_finite(g, u))
    err = prp_errorf("simulate: the solution became NaN or infinite by t = %g; the source or the "
                     "coefficients make it blow up", t);
  free(u);
  for (int i = 0; i < N_FIELDS; i++) free(f[i]);
  return err;
}

// Velocity Verlet, kick-drift-kick, for u_tt = L(u, t) - a1 u_t: the first half kick
// takes the damping explicitly and the second implicitly, which keeps second order.
static char *run_second_order(sim_grid *g, step_control *sc, recorder *rec, double t_end) {
  const prp_sim_problem *p = g->p;
  const size_t n = g->padded_size;
  double *u = sim_field_alloc(g), *un = sim_field_alloc(g), *w = sim_field_alloc(g), *L = sim_field_alloc(g);
  char *err = NULL;
  if (!u || !un || !w || !L) err = prp_errorf("simulate: out of memory for %zu grid nodes", g->points);
  double t = p->t0;
  if (!err) {
    sim_set_initial(g, p->initial, t, u);
    sim_set_initial(g, p->initial_rate, t, w);
    sim_apply_boundaries(g, t, u);
    record_between(rec, g, t, u, t, u);
    sim_operator(g, t, u, L);
  }
  while (!err && t < t_end) {
    if ((err = periodic_checks(g, sc, t, u))) break;
    const char *limited_by;
    double dt = wave_dt(g, sc->cfl, &limited_by);
    if ((err = take_step(sc, t, t_end, &dt, limited_by))) break;
    double half = 0.5 * dt;
    for (size_t i = 0; i < n; i++) {
      w[i] += half * (L[i] - p->a1 * w[i]);
      un[i] = u[i] + dt * w[i];
    }
    double t_next = dt == t_end - t ? t_end : t + dt;
    sim_apply_boundaries(g, t_next, un);
    sim_operator(g, t_next, un, L);
    double damp = 1.0 / (1.0 + half * p->a1);
    for (size_t i = 0; i < n; i++) w[i] = (w[i] + half * L[i]) * damp;
    record_between(rec, g, t, u, t_next, un);
    double *swap = u;
    u = un;
    un = swap;
    t = t_next;
  }
  if (!err && !sim_all_finite(g, u))
    err = prp_errorf("simulate: the solution became NaN or infinite by t = %g; the source or the "
                     "coefficients make it blow up", t);
  free(u);
  free(un);
  free(w);
  free(L);
  return err;
}

char *prp_sim_run(const prp_sim_problem *p, const prp_sim_options *options,
                  const prp_sim_request *req, prp_sim_stats *stats) {
  static const prp_sim_request nothing;
  if (!req) req = &nothing;
  char *err = check_problem(p);
  if (!err) err = check_request(p, req);
  if (err) return err;
  prp_sim_options opt = options ? *options : (prp_sim_options){0};
  if (opt.cfl <= 0.0) opt.cfl = DEFAULT_CFL;
  if (opt.max_steps <= 0) opt.max_steps = DEFAULT_MAX_STEPS;
  if (opt.max_dt <= 0.0) opt.max_dt = (p->t1 - p->t0) / 100.0;
  if (opt.cfl > 1.0) return prp_errorf("simulate: the CFL fraction %g must be in (0, 1]", opt.cfl);
  if (opt.advection != PRP_SIM_MUSCL_VANLEER && opt.advection != PRP_SIM_MUSCL_MINMOD &&
      opt.advection != PRP_SIM_MUSCL_KOREN && opt.advection != PRP_SIM_UPWIND1)
    return prp_errorf("simulate: unknown advection scheme %d", (int)opt.advection);
  if (opt.diffusion != PRP_SIM_DIFFUSION_AUTO && opt.diffusion != PRP_SIM_DIFFUSION_EXPLICIT &&
      opt.diffusion != PRP_SIM_DIFFUSION_IMPLICIT)
    return prp_errorf("simulate: unknown diffusion treatment %d", (int)opt.diffusion);

  sim_grid g;
  if ((err = sim_grid_init(&g, p, opt.advection))) return err;
  recorder rec;
  if ((err = recorder_init(&rec, req))) {
    sim_grid_free(&g);
    return err;
  }
  step_control sc = {.cfl = opt.cfl, .max_dt = opt.max_dt, .diffusion = opt.diffusion, .max_steps = opt.max_steps,
                     .opt = &opt};
  double t_end = recorder_end(&rec, p->t1);
  err = p->a2 == 0 ? run_first_order(&g, &sc, &rec, t_end) : run_second_order(&g, &sc, &rec, t_end);
  if (stats) {
    *stats = (prp_sim_stats){.steps = sc.steps, .rhs_evaluations = g.rhs_evaluations,
                             .dt_min = sc.dt_min, .dt_max = sc.dt_max, .points = g.points,
                             .implicit_diffusion = g.implicit_diffusion,
                             .cg_iterations = g.implicit_iterations};
  }
  recorder_free(&rec);
  sim_grid_free(&g);
  return err;
}

// ---------------------------------------------------------------- noise

double prp_sim_add_noise(double *values, size_t n, prp_sim_noise_kind kind, double level,
                         uint64_t seed) {
  double sigma = 0.0;
  if (kind == PRP_SIM_NOISE_ABSOLUTE) {
    sigma = level;
  } else if (kind == PRP_SIM_NOISE_RELATIVE) {
    double peak = 0.0;
    for (size_t i = 0; i < n; i++) peak = fmax(peak, fabs(values[i]));
    sigma = level / 100.0 * peak;
  }
  if (sigma <= 0.0) return 0.0;
  prp_rng rng;
  prp_rng_seed(&rng, seed);
  for (size_t i = 0; i < n; i++) values[i] += sigma * prp_rng_normal(&rng);
  return sigma;
}
