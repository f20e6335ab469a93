/* Runtime, truth simulator: the grid state shared by the time steppers (sim.c) and the
 * spatial operator (sim_ops.c). Not part of the public API; see sim.h. */
#ifndef PRP_SIM_INTERNAL_H
#define PRP_SIM_INTERNAL_H
#include "sim.h"
#include <stddef.h>

#define PRP_SIM_GHOSTS 2 /* ghost layers per active dimension: the MUSCL stencil is 5 wide */

/* Fields live in padded arrays (ghost layers around every active dimension) so the
 * stencils need no bounds tests; `node` indices are unpadded, `cell` indices padded. */
typedef struct {
  const prp_sim_problem *p;
  prp_sim_advection_scheme scheme;
  int dim;
  int n[PRP_SIM_MAX_DIM];          /* nodes; 1 for unused dimensions */
  int pad[PRP_SIM_MAX_DIM];        /* PRP_SIM_GHOSTS for used dimensions, 0 otherwise */
  size_t stride[PRP_SIM_MAX_DIM];  /* of the padded array */
  size_t padded_size, points;
  double h[PRP_SIM_MAX_DIM];
  unsigned char *fixed;            /* per padded cell: 1 on Dirichlet nodes */
  double *velocity[PRP_SIM_MAX_DIM]; /* per node at the current time: one of the slots */
  double vmax[PRP_SIM_MAX_DIM];    /* max |v_d| at the current time */
  /* Two cached evaluations of v: RK3 asks for t, t + dt, t + dt/2, and the next step's
   * t is this step's t + dt, so one of three evaluations per step is a cache hit. */
  double *slot_velocity[2][PRP_SIM_MAX_DIM];
  double slot_vmax[2][PRP_SIM_MAX_DIM];
  double slot_time[2];
  int slot_valid[2], slot_current;
  double reaction_rate;            /* running max of |dg/du| over the nodes */
  long rhs_evaluations;
  int implicit_diffusion;          /* the operator leaves diffusion out (IMEX steps) */
  long implicit_iterations;        /* CG iterations of all implicit solves */
} sim_grid;

/* Padded index of the node with integer coordinates idx[0..2]. */
size_t sim_cell(const sim_grid *g, const int *idx);
/* Coordinates of node idx. */
void sim_node_x(const sim_grid *g, const int *idx, double *x);

char *sim_grid_init(sim_grid *g, const prp_sim_problem *p, prp_sim_advection_scheme scheme);
void sim_grid_free(sim_grid *g);
double *sim_field_alloc(const sim_grid *g);

/* Sets u(x, t0), zero in the ghosts. */
void sim_set_initial(const sim_grid *g, prp_sim_scalar_fn f, double t, double *u);
/* Imposes the Dirichlet values at time t, then fills the ghost layers of every face. */
void sim_apply_boundaries(const sim_grid *g, double t, double *u);
/* The same with zero Dirichlet values and zero normal derivatives, for corrections in
 * the implicit solves (only the ghosts the diffusion stencil reads are filled). */
void sim_apply_homogeneous_boundaries(const sim_grid *g, double *u);
/* Evaluates v at every node (once if steady) and records max |v_d|. */
void sim_eval_velocity(sim_grid *g, double t);
/* Updates the running estimate of |dg/du| from finite differences at state u. */
void sim_estimate_reaction(sim_grid *g, double t, const double *u);
/* rhs = -v . grad u + sum D d2u + g on free nodes, 0 on Dirichlet nodes (not divided by
 * a1; without the diffusion when implicit_diffusion is set). u must have its boundaries
 * applied and the velocity evaluated at t. */
void sim_operator(sim_grid *g, double t, const double *u, double *rhs);
/* Whether every node of u holds a finite number. */
int sim_all_finite(const sim_grid *g, const double *u);
/* out = sum_d D_d d2u/dx_d2 on free nodes, 0 on Dirichlet nodes; ghosts must be filled. */
void sim_diffusion(const sim_grid *g, const double *u, double *out);
/* Solves u - tau * diffusion(u, boundary data at t) = rhs on the free nodes by conjugate
 * gradients, u taking the Dirichlet values at t; `work` holds 4 padded fields. Returns
 * NULL or a message if CG does not converge. */
char *sim_implicit_solve(sim_grid *g, double tau, double t, const double *rhs, double *u, double *const work[4]);
/* Multilinear interpolation of the padded field u at point x (inside the box). */
double sim_interpolate(const sim_grid *g, const double *u, const double *x);
/* out = (1 - theta) a + theta b on the nodes, unpadded (dimension 0 fastest). */
void sim_unpad_blend(const sim_grid *g, const double *a, const double *b, double theta,
                     double *out);

#endif
