/* Runtime, truth simulator: the implicit diffusion solve of the IMEX steps, by conjugate
 * gradients on the padded grid; see sim.h for when it is used. */
#include "sim_internal.h"
#include "util.h"
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CG_MAX_ITERATIONS 5000
#define CG_RELATIVE_TOLERANCE 1e-12

// <a, b>_W over the free nodes, W the trapezoidal weights (1/2 per face a node lies on).
// The diffusion operator with mirror ghosts is self-adjoint in this inner product, which
// is what lets conjugate gradients work on the unsymmetric-looking boundary rows.
static double weighted_dot(const sim_grid *g, const double *a, const double *b) {
  int idx[PRP_SIM_MAX_DIM] = {0, 0, 0};
  double sum = 0.0;
  for (idx[2] = 0; idx[2] < g->n[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < g->n[1]; idx[1]++) {
      double w_row = 1.0;
      for (int d = 1; d < g->dim; d++)
        if (idx[d] == 0 || idx[d] == g->n[d] - 1) w_row *= 0.5;
      idx[0] = 0;
      size_t row = sim_cell(g, idx);
      double row_sum = 0.0;
      for (int i = 0; i < g->n[0]; i++) {
        size_t c = row + (size_t)i;
        if (g->fixed[c]) continue;
        double w = i == 0 || i == g->n[0] - 1 ? 0.5 : 1.0;
        row_sum += w * a[c] * b[c];
      }
      sum += w_row * row_sum;
    }
  return sum;
}

// Zero on the Dirichlet nodes, so corrections never move prescribed values.
static void zero_fixed(const sim_grid *g, double *u) {
  for (size_t c = 0; c < g->padded_size; c++)
    if (g->fixed[c]) u[c] = 0.0;
}

char *sim_implicit_solve(sim_grid *g, double tau, double t, const double *rhs, double *u, double *const work[4]) {
  double *delta = work[0], *r = work[1], *p = work[2], *q = work[3];
  const size_t n = g->padded_size;
  // The affine part (boundary data) goes into the residual of the initial guess u;
  // the correction then solves the homogeneous, symmetric positive definite problem.
  sim_apply_boundaries(g, t, u);
  sim_diffusion(g, u, q);
  for (size_t c = 0; c < n; c++) {
    r[c] = rhs[c] - (u[c] - tau * q[c]);
    delta[c] = 0.0;
  }
  zero_fixed(g, r);
  memcpy(p, r, n * sizeof *p);
  double rr = weighted_dot(g, r, r), scale = weighted_dot(g, rhs, rhs);
  double tolerance = CG_RELATIVE_TOLERANCE * CG_RELATIVE_TOLERANCE * (scale > 0.0 ? scale : 1.0);
  int it = 0;
  for (; it < CG_MAX_ITERATIONS && rr > tolerance; it++) {
    sim_apply_homogeneous_boundaries(g, p);
    sim_diffusion(g, p, q);
    for (size_t c = 0; c < n; c++) q[c] = p[c] - tau * q[c];
    double alpha = rr / weighted_dot(g, p, q);
    for (size_t c = 0; c < n; c++) {
      delta[c] += alpha * p[c];
      r[c] -= alpha * q[c];
    }
    double rr_next = weighted_dot(g, r, r);
    double beta = rr_next / rr;
    for (size_t c = 0; c < n; c++) p[c] = r[c] + beta * p[c];
    rr = rr_next;
  }
  g->implicit_iterations += it;
  if (!(rr <= tolerance)) {
    return prp_errorf("simulate: the implicit diffusion solve did not converge at t = %g (residual %.3g after %d "
                         "iterations)", t, sqrt(rr / (scale > 0.0 ? scale : 1.0)), it);
  }
  for (size_t c = 0; c < n; c++) u[c] += delta[c];
  sim_apply_boundaries(g, t, u);
  return NULL;
}
