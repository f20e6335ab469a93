/* Symbolic core, stage 2: the PR-PINN residuals of a checked program as DAG
 * nodes -- the relaxed PDE residual of the paper's eq. (3), the initial and
 * boundary conditions and the data misfit -- with their jet sets and their
 * partial derivatives. Code generation compiles these; `prpc emit --residual`
 * prints them.
 *
 * The relaxed PDE residual, for `pde lhs = rhs`:
 *
 *   R = lhs - rhs - eps * lap(u) - eta * (nudge_obs - u * nudge_w)
 *
 * where lhs and rhs use, for every constant under a `dilatation` schedule, a
 * run-time scalar (the schedule's current value) instead of the constant, and
 *
 *   nudge_obs(x, t) = sum_i u_obs_i(t) delta_h(x - x_i)
 *   nudge_w(x)      = sum_i delta_h(x - x_i)
 *
 * so that  eta * sum_i (u_obs_i - u) delta_h(x - x_i) = eta * (nudge_obs - u * nudge_w).
 *
 *  - delta_h(r) = exp(-|r|^2 / (2 h^2)), h = the nudging schedule's `width`:
 *    a Gaussian of unit PEAK. A Dirac delta would be zero at every collocation
 *    point (random points never hit a sensor), so the nudging force is spread
 *    over a neighbourhood of each sensor. Unit peak, not unit mass: a
 *    unit-mass kernel peaks at (2 pi h^2)^(-d/2), 64 for h = 0.05 in 2D and
 *    4 in 1D, so the same eta meant a 16 times stronger pull in 2D and
 *    dominated the loss there. With unit peak, eta is a relaxation rate: at a
 *    sensor, u_t = ... + eta (u_obs - u), so the field forgets its own
 *    dynamics in a time 1/eta whatever the dimension and the width.
 *  - u_obs_i(t) is sensor i's observations interpolated linearly in time
 *    between its observation times (held constant before the first and after
 *    the last); collocation points fall at arbitrary times, the sensors observe
 *    at a few; linear interpolation is cheap, never overshoots the data and is
 *    exact for the constant and linear parts of the signal. Without time it is
 *    the sensor's single value.
 *  - Both sums depend only on the data and the collocation point, not on the
 *    network or the unknowns: the runtime computes them once per point set
 *    (POINTDATA inputs), and the kernel sees eta * nudge_w as a linear damping
 *    of u and eta * nudge_obs as a source.
 *  - A dilated constant is replaced everywhere in the PDE, also inside the
 *    normalisation of a source: the standard library's sources are normalised
 *    to unit mass, so their mass is kept while the width changes (what the
 *    `conserve mass` option asks for); a source given by its peak value
 *    (bump2d) keeps its peak instead. No other factor is applied.
 *  - eps, eta and each dilated constant are SCALAR variables, so one compiled
 *    kernel serves the whole schedule; eps = eta = 0 with the dilated scalars at
 *    their physical values gives the physical residual.
 *
 * Each term is evaluated on its own point set: the PDE at interior collocation
 * points, an initial condition on the slice t = t_lo (t is substituted), a
 * boundary condition on its face (the face coordinate substituted, dn(u) the
 * outward normal derivative), the data misfit u - u_obs at the sensor points. */
#ifndef PRP_RESIDUAL_H
#define PRP_RESIDUAL_H

#include <stdio.h>

#include "ast.h"
#include "expr.h"
#include "jets.h"
#include "transform.h"

/* Indices of the SCALAR variables (uniform over a batch). */
enum {
  PRP_SCALAR_EPS = 0,     /* smoothing: artificial viscosity eps */
  PRP_SCALAR_ETA = 1,     /* nudging strength eta */
  PRP_SCALAR_DILATED = 2  /* the k-th dilated constant is scalar PRP_SCALAR_DILATED + k */
};

/* Indices of the POINTDATA variables (per point, computed by the runtime). */
enum {
  PRP_POINT_NUDGE_OBS = 0, /* sum_i u_obs_i(t) delta_h(x - x_i) at a collocation point */
  PRP_POINT_NUDGE_W = 1,   /* sum_i delta_h(x - x_i) at a collocation point */
  PRP_POINT_U_OBS = 2,     /* the observation at a sensor point (data misfit) */
  PRP_POINT_COUNT = 3
};

typedef enum { PRP_TERM_PDE, PRP_TERM_INITIAL, PRP_TERM_BOUNDARY, PRP_TERM_DATA } prp_term_kind;

/* One residual and what it needs. */
typedef struct {
  prp_term_kind kind;
  const ast_decl *decl;        /* the pde / initial / boundary declaration; NULL for data */
  int coord, upper;            /* boundary face: coordinate index and side (1 = upper bound);
                                  initial: the time coordinate, 0 */
  int hard;                    /* a hard condition, built into the network output: listed
                                  for inspection, not a loss term */
  prp_node value;              /* the residual */
  prp_jet_set jets;            /* the jets it needs (after the Laplacian collapse) */
  int laplacian_collapsed;     /* 1 if lap(u) is one jet component here */
  prp_node d_jet[PRP_JET_SET_MAX]; /* d value / d jets.nodes[j] */
  prp_node *d_unknown;         /* d value / d unknown k, k < nunknowns */
} prp_residual_term;

/* A dilated constant and the scalar that replaces it in the PDE. */
typedef struct {
  const ast_symbol *constant;
  const ast_schedule *schedule;
  prp_node scalar;
} prp_dilated;

typedef struct {
  prp_dag *dag;                /* owns every node below */
  int relaxed;                 /* relaxation terms present (a relax block, not off) */
  int nunknowns;
  prp_node *unknowns;          /* the UNKNOWN variables, by index */
  prp_node eps, eta;           /* SCALAR variables, PRP_NODE_NONE without that mechanism */
  const ast_schedule *smoothing, *nudging;
  double nudge_width;          /* h of delta_h */
  prp_dilated *dilated;
  int ndilated;
  int nscalars;                /* PRP_SCALAR_DILATED + ndilated */
  prp_residual_term *terms;    /* terms[0] is the PDE, then initial, boundary, data */
  int nterms;
  prp_output_transform transform; /* hard conditions: u = g + m * N; every term's
                                     jets are then the network output N's */
} prp_residuals;

/* Builds the residuals of a checked program. relax = 0 gives the vanilla PINN
 * residuals (no eps, eta or dilated scalars) even if a relax block exists. */
void prp_residuals_build(const ast_program *prog, int relax, prp_residuals *out);
/* The same; transform = 0 keeps hard conditions as ordinary terms in the jets of u
 * (no output transform), which is eq. (3) exactly, as the residual tests check it. */
void prp_residuals_build_ex(const ast_program *prog, int relax, int transform, prp_residuals *out);
/* The residuals with the output scaled: u = g + m * output_scale * N (transform.h). */
void prp_residuals_build_scaled(const ast_program *prog, int relax, double output_scale, prp_residuals *out);
void prp_residuals_free(prp_residuals *r);

/* The truth's PDE residual lhs - rhs, lowered into dag: the truth block's own
 * `pde` if it has one, else the model's, with every unknown and constant its
 * `set` lines give replaced by that value; no relaxation. For the simulator
 * that makes the synthetic observations: for a linear PDE its partial
 * derivatives with respect to the jets are the coefficients, and its value
 * with every jet at zero is minus the source. PRP_NODE_NONE without a truth block. */
prp_node prp_truth_residual(const ast_program *prog, prp_dag *dag);

/* Prints the residuals, their jet sets and every partial derivative (with
 * respect to each jet component and each unknown) in readable infix: the
 * output of `prpc emit --residual`. Returns 0. */
int prp_emit_residual(const ast_program *prog, FILE *out);
/* The same, relaxed or not (--no-relax). */
int prp_emit_residuals(const ast_program *prog, int relax, FILE *out);

#endif
