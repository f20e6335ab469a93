/* Runtime, truth simulator: a finite-difference forward solver (method of lines on a
 * uniform grid) that turns a `truth` PDE into synthetic sensor data and field snapshots. */
#ifndef PRP_SIM_H
#define PRP_SIM_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The class of equations, in 1, 2 or 3 space dimensions over a box:
 *
 *   a2 * u_tt + a1 * u_t + v(x,t) . grad(u) - sum_d D_d * d2u/dx_d2 = g(x, t, u)
 *
 * a2 = 0 (first order in time, a1 > 0) or a2 = 1 (wave equation, a1 >= 0 is a damping,
 * D_d = c^2, no advection).
 *
 * Discretisation (verified in tests/unit/test_sim_convergence.c and test_sim_features.c):
 * - Grid: n[d] nodes per dimension including both boundary nodes, spacing
 *   h_d = (hi_d - lo_d) / (n_d - 1); fields are stored with dimension 0 fastest.
 * - Diffusion: second-order central differences.
 * - Advection (non-conservative v . grad u): MUSCL upwind differences, u_x at a node
 *   being the difference of the reconstructed values at its two faces, with Koren's
 *   limiter (default: the kappa = 1/3 reconstruction, third order where the profile is
 *   smooth and monotone), van Leer's or minmod, or first-order upwind. Limiters clip at
 *   extrema, so they create no new extrema (no wiggles, u stays >= 0) but lose accuracy
 *   there. Measured on a Gaussian pulse, h = 1/100..1/400: RMS error order 2.0 with
 *   Koren, 1.7 with van Leer, 1.4 with minmod, 0.75 with upwind (tending to 1);
 *   max-norm order 1.6 with Koren.
 * - First order in time: the three-stage SSP Runge-Kutta (Shu-Osher), third order in
 *   time. The step is re-estimated every step from the current max |v| (the velocity
 *   may depend on time; it is evaluated at each stage, two of the three per step being
 *   new), the diffusion and a running estimate of |dg/du| (finite differences, every 8
 *   steps): dt = cfl / (sum_d k|v_d|/(a1 h_d) + sum_d 2 D_d/(a1 h_d^2) + |dg/du|/a1),
 *   k = 2 for MUSCL and 1 for upwind: the forward-Euler positivity / TVD limit, which
 *   SSP-RK3 keeps (SSP coefficient 1). dt is also capped by max_dt.
 * - Stiff diffusion: when the explicit step, limited by diffusion, would need more than
 *   `max_steps` steps (default 200000), the run switches to IMEX steps: the IMEX-SSP2(2,2,2)
 *   scheme of Pareschi and Russo, Heun's method (SSP) for advection and source and an
 *   L-stable two-stage SDIRK for the diffusion, second order in time; dt then comes from
 *   advection, reaction and max_dt only. Each implicit stage solves (I - tau D lap) u = r
 *   by conjugate gradients (the operator is symmetric in the trapezoidal inner product)
 *   to a relative residual of 1e-12. `diffusion` in the options forces either treatment;
 *   forced explicit, such a run stops with an error saying what limits the step.
 * - Second order in time: velocity Verlet (kick-drift-kick; the damping is taken half
 *   explicit, half implicit), second order, dt = cfl / sqrt(sum_d D_d/h_d^2 + |dg/du|/4),
 *   also limited by the damping (dt <= cfl / a1) and max_dt. Always explicit.
 * - Boundaries, per face: a Dirichlet value g_b(x, t) imposed on the boundary nodes, or
 *   a given outward normal derivative du/dn (zero: no diffusive flux) through mirror
 *   ghost nodes; with zero normal derivative and v . n = 0 on the face, the trapezoidal
 *   integral of u changes by the integral of g (exactly with explicit diffusion, to the
 *   CG tolerance with IMEX).
 * - Outputs: values at sensor points (x_i, t_i), interpolated multilinearly in space and
 *   linearly in time between the two steps that bracket t_i (no history is stored), and
 *   whole fields at given times, interpolated linearly in time the same way.
 * - A solution that turns NaN or infinite stops the run with an error. */

#define PRP_SIM_MAX_DIM 3

/* v(x, t): writes the dim components of the velocity at x into v. */
typedef void (*prp_sim_velocity_fn)(const double *x, double t, double *v, void *user);
/* g(x, t, u): reaction plus source. */
typedef double (*prp_sim_source_fn)(const double *x, double t, double u, void *user);
/* A scalar function of space and time: initial values, boundary values, fluxes. */
typedef double (*prp_sim_scalar_fn)(const double *x, double t, void *user);

typedef enum {
  PRP_SIM_BC_NEUMANN = 0, /* outward normal derivative du/dn = value (NULL: 0) */
  PRP_SIM_BC_DIRICHLET    /* u = value (NULL: 0) */
} prp_sim_bc_kind;

typedef struct {
  prp_sim_bc_kind kind;
  prp_sim_scalar_fn value; /* NULL means the constant 0 */
} prp_sim_bc;

typedef enum {
  PRP_SIM_MUSCL_KOREN = 0, /* the default */
  PRP_SIM_MUSCL_VANLEER,
  PRP_SIM_MUSCL_MINMOD,
  PRP_SIM_UPWIND1
} prp_sim_advection_scheme;

typedef struct {
  int dim;                              /* 1, 2 or 3 */
  double lo[PRP_SIM_MAX_DIM], hi[PRP_SIM_MAX_DIM];
  int n[PRP_SIM_MAX_DIM];               /* nodes per dimension, >= 5 */
  double t0, t1;
  int a2;                               /* 0 or 1 */
  double a1;
  double diffusivity[PRP_SIM_MAX_DIM];  /* D_d >= 0 */
  prp_sim_velocity_fn velocity;         /* NULL: no advection */
  int velocity_steady;                  /* nonzero: v does not depend on t (evaluated once) */
  prp_sim_source_fn source;             /* NULL: g = 0 */
  prp_sim_scalar_fn initial;            /* u(x, t0); required */
  prp_sim_scalar_fn initial_rate;       /* u_t(x, t0) when a2 = 1; NULL: 0 */
  prp_sim_bc bc[PRP_SIM_MAX_DIM][2];    /* [d][0] at lo_d, [d][1] at hi_d */
  void *user;                           /* passed to every callback */
} prp_sim_problem;

typedef enum {
  PRP_SIM_DIFFUSION_AUTO = 0, /* explicit, implicit once it would need > max_steps steps */
  PRP_SIM_DIFFUSION_EXPLICIT, /* explicit, an error beyond max_steps */
  PRP_SIM_DIFFUSION_IMPLICIT  /* IMEX from the start */
} prp_sim_diffusion_mode;

typedef struct {
  double cfl;                           /* fraction of the stability limit; 0: 0.9 */
  prp_sim_diffusion_mode diffusion;
  prp_sim_advection_scheme advection;
  long max_steps;                       /* 0: 200000 */
  double max_dt;                        /* 0: (t1 - t0) / 100, so that time-dependent sources
                                           and the linear interpolation in time stay resolved */
  void (*progress)(void *ctx, double t, double t0, double t1);  /* every few steps; may be NULL */
  void *progress_ctx;
} prp_sim_options;

/* What to record during one run. Any of the pointers may be NULL with its count 0. */
typedef struct {
  size_t n_sensors;
  const double *sensor_x;   /* n_sensors * dim coordinates, point after point */
  const double *sensor_t;   /* n_sensors times in [t0, t1] */
  double *sensor_u;         /* out: n_sensors values */
  size_t n_frames;
  const double *frame_t;    /* n_frames times in [t0, t1] */
  double *frame_u;          /* out: n_frames * prp_sim_points(problem) values */
} prp_sim_request;

typedef struct {
  long steps;
  long rhs_evaluations;
  double dt_min, dt_max;    /* over the steps, the last one (cut to the end) excepted */
  size_t points;            /* grid nodes */
  int implicit_diffusion;   /* the run ended with IMEX steps */
  long cg_iterations;       /* of all the implicit solves */
} prp_sim_stats;

/* Runs the simulation from t0 to the last requested time (t1 if nothing is requested)
 * and fills the request. Returns NULL on success, or a malloc'd message (the caller
 * frees it) for a bad problem or request, or a run that would exceed max_steps. `options`
 * and `stats` may be NULL. */
char *prp_sim_run(const prp_sim_problem *p, const prp_sim_options *options,
                  const prp_sim_request *req, prp_sim_stats *stats);

/* Number of grid nodes, and the coordinate of node i along dimension d. */
size_t prp_sim_points(const prp_sim_problem *p);
double prp_sim_coord(const prp_sim_problem *p, int d, int i);

typedef enum {
  PRP_SIM_NOISE_NONE = 0,
  PRP_SIM_NOISE_RELATIVE, /* level in percent of max |u| over the clean values */
  PRP_SIM_NOISE_ABSOLUTE  /* level is the standard deviation */
} prp_sim_noise_kind;

/* Adds independent Gaussian noise to the n values, drawn in order from a generator
 * seeded with `seed`, so a seed fixes the noise. Returns the standard deviation used. */
double prp_sim_add_noise(double *values, size_t n, prp_sim_noise_kind kind, double level,
                         uint64_t seed);

/* Writes sensor data as CSV: a header line "x,y,t,u" (the names given: dim coordinate
 * names, then the time's and the value's) and one line per sensor, numbers printed with
 * %.17g so they read back exactly. Returns NULL, or a malloc'd message if writing failed. */
char *prp_sim_write_sensors_csv(FILE *f, int dim, const char *const *coord_names, const char *time_name,
                                const char *value_name, size_t n, const double *x, const double *t,
                                const double *u);

#endif
