/* Truth simulation: turns a checked program's `truth` block into synthetic observations.
 * Reads the truth PDE from the symbolic core (residual.h), JIT-compiles its coefficients,
 * source and conditions (codegen.h) and runs the finite-difference simulator (runtime/sim.h).
 *
 * The simulator's class of equations (runtime/sim.h), in 1 to 3 space dimensions:
 *
 *   a2 * u_tt + a1 * u_t + v(x, t) . grad(u) - sum_d D_d * u_{x_d x_d} = g(x, t, u)
 *
 * The coefficients come from the truth residual R = lhs - rhs by differentiation with
 * respect to the jets: a2 = dR/du_tt, a1 = dR/du_t (constants), v_d = dR/du_{x_d}
 * (functions of x and t), D_d = -dR/du_{x_d x_d} (constants), and g = -R with every
 * derivative of u set to 0 (any function of x, t and u). R must be linear in the
 * derivatives of u; the equation is divided by the coefficient of its highest time
 * derivative, so `2 * dt(u) = ...` is accepted. Anything else (a mixed derivative such as
 * dxy(u), a product u_x * u_xx, a time-dependent a1, no time derivative, backward diffusion)
 * is a located error. */
#ifndef PRP_SIMULATE_H
#define PRP_SIMULATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "diag.h"
#include "expr.h"
#include "jit.h"
#include "lower.h"
#include "sim.h"

/* ---- the truth PDE as coefficients (simulate_pde.c) ------------------------ */

typedef struct prp_truth_pde {
  prp_dag *dag;                 /* owns every node below */
  const ast_decl *decl;         /* the PDE simulated: the truth's own, else the model's */
  int nspace, time_index;       /* coordinate indices as in prog->problem */
  int a2;                       /* 0 or 1, after the division */
  double a1;                    /* 1 when a2 = 0; the damping (>= 0) when a2 = 1 */
  double scale;                 /* what the equation was divided by (the raw a2, else a1) */
  double diffusivity[PRP_SIM_MAX_DIM];   /* D_d >= 0 */
  prp_node velocity[PRP_SIM_MAX_DIM];    /* v_d(x, t); the constant 0 without advection */
  prp_node source;              /* g(x, t, u) */
  prp_node u;                   /* the field's value jet, the `u` of g */
  int has_velocity;             /* some v_d is not the constant 0 */
  int velocity_steady;          /* no v_d depends on time */
  int source_uses_u;            /* g depends on u (a reaction term) */
} prp_truth_pde;

/* Extracts the coefficients of the truth PDE of a checked program. Returns 0, or
 * PRP_EXIT_INPUT after reporting through diag (at the offending derivative or the PDE)
 * why the PDE is outside the simulator's class. out is always safe to free. */
int prp_truth_pde_extract(const ast_program *prog, prp_diag *diag, prp_truth_pde *out);
/* The same for any PDE residual R = lhs - rhs already lowered into dag (out takes the dag
 * over, also on failure): decl is where errors point, `what` names the PDE in them
 * ("truth PDE", "model PDE"). prp_landscape uses it for the model's PDE. */
int prp_pde_coefficients_extract(const ast_program *prog, const ast_decl *decl, const char *what, prp_dag *dag,
                                 prp_node residual, prp_diag *diag, prp_truth_pde *out);
void prp_truth_pde_free(prp_truth_pde *pde);
/* The coefficients in readable form, one per line ("a1 = 1", "v_x = 0.4", "g = ..."). */
void prp_truth_pde_print(const ast_program *prog, const prp_truth_pde *pde, FILE *out);

/* ---- the truth block's settings and sensor layout (simulate_layout.c) ------- */

typedef struct prp_truth_settings {
  int grid[PRP_SIM_MAX_DIM];    /* nodes per space dimension: `grid N x M`, else 201 (1D),
                                   129 (2D) or 49 (3D) */
  prp_loc grid_loc;             /* the `grid` line, or the truth block */
  prp_sim_noise_kind noise;     /* `noise 1%`: relative, `noise 0.001`: absolute, else none */
  double noise_level;           /* percent (relative) or standard deviation (absolute) */
  uint64_t seed;                /* `seed N`, default 0 */
  const ast_sensors *sensors;   /* the truth's `sensors` layout, else a top-level one; NULL if none */
  prp_loc sensors_loc;
} prp_truth_settings;

/* Reads the truth block of a checked program (which must have one). */
void prp_truth_settings_read(const ast_program *prog, prp_truth_settings *out);

/* The points of a sensor layout (SENSORS_GRID or SENSORS_POINTS) of a checked program:
 * *n points of prog->problem.ncoords coordinates each (space, then time), row-major in
 * *coords (malloc'd; the caller frees it). Ordered by position, then time: a grid is the
 * tensor product with the first coordinate varying slowest and time fastest, so each
 * sensor's time series is contiguous; points are taken in the order written, each at
 * every time of the time axis. `x = lo .. hi count n` is n evenly spaced values
 * including both ends (n = 1: lo); `x = a` a single value. */
void prp_sensor_layout_points(const ast_program *prog, const ast_sensors *layout, double **coords,
                              size_t *n);

/* ---- running the truth (simulate.c) ---------------------------------------- */

typedef struct prp_observations {
  int nspace, ncoords;          /* ncoords = nspace + 1: time is the last coordinate */
  size_t n;                     /* observation points */
  double *coords;               /* n * ncoords, row-major: space coordinates, then time */
  double *u;                    /* n observed values, noise included */
  double *u_clean;              /* the same without noise */
  double noise_std;             /* standard deviation of the noise added (0: none) */
  uint64_t seed;                /* the noise seed used */
  /* whole-field frames (only when asked for) */
  size_t n_frames;
  double *frame_t;              /* n_frames times in [t0, t1] */
  double *frame_u;              /* n_frames * frame_points values, dimension 0 fastest */
  size_t frame_points;
  int grid[PRP_SIM_MAX_DIM];    /* nodes per dimension of the simulation grid */
  double lo[PRP_SIM_MAX_DIM], hi[PRP_SIM_MAX_DIM];
  prp_sim_stats stats;          /* of the simulation run */
} prp_observations;

typedef struct prp_simulate_options {
  size_t n_frames;              /* whole-field frames evenly spaced over [t0, t1] (both ends
                                   included); 1: only t1; 0: none */
  int grid[PRP_SIM_MAX_DIM];    /* nodes per space dimension instead of the truth's (0: keep) */
  prp_sim_options sim;          /* scheme options; zeros are the simulator's defaults */
} prp_simulate_options;

/* Simulates the truth block of a checked program and fills out with the observations at
 * its sensor layout, noise added as the block says (seeded by its `seed`, default 0).
 * Returns 0; PRP_EXIT_INPUT if the truth PDE or layout cannot be simulated, PRP_EXIT_RUNTIME
 * if the run failed (blow-up, too many steps): both reported through diag at the
 * declaration concerned. out is always safe to free. options may be NULL (defaults). */
int prp_simulate_truth_with(const ast_program *prog, prp_jit *jit, const prp_simulate_options *options,
                            prp_diag *diag, prp_observations *out);
/* The same with the default options: observations only, the truth's own grid. */
int prp_simulate_truth(const ast_program *prog, prp_jit *jit, prp_diag *diag, prp_observations *out);
void prp_observations_free(prp_observations *obs);

/* ---- a PDE compiled into the simulator's callbacks (simulate.c) ------------------ */

typedef struct prp_sim_compiled prp_sim_compiled;

/* JIT-compiles the coefficients of pde and the problem's initial and boundary conditions,
 * lowered through `conditions` (a lowering into pde->dag whose overrides fix the unknowns and
 * constants they use), into a simulator problem *p on a grid of grid[d] nodes per space
 * dimension. Warns through diag (which may be NULL: no warnings) where a condition the PDE
 * needs is missing. p->user points into the result: free it after the last run of p. */
prp_sim_compiled *prp_sim_compile(const ast_program *prog, prp_jit *jit, const prp_truth_pde *pde,
                                  prp_lowering *conditions, const int *grid, prp_diag *diag, prp_sim_problem *p);
void prp_sim_compiled_free(prp_sim_compiled *c);

/* ---- output (simulate_output.c) --------------------------------------------------- */

/* Writes the observations as a sensor CSV file readable by `sensors from "FILE"`: a header
 * naming the coordinates and the field (x,y,t,u), one row per observation, %.17g; written
 * atomically. Returns NULL, or a malloc'd message (the caller frees it). */
char *prp_observations_write_csv(const ast_program *prog, const prp_observations *obs, const char *path);

/* A PNG of the simulated field (needs frames, options.n_frames > 0): in 1D the profiles at
 * every frame time; in 2D the last frame as a colour map with the sensors marked; in 3D
 * the same for the slice through the middle of the third coordinate. Returns NULL, or a
 * malloc'd message. */
char *prp_observations_plot(const ast_program *prog, const prp_observations *obs, const char *path);

#endif
