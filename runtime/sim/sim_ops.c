/* Runtime, truth simulator: the spatial operator on the padded grid (boundary ghosts,
 * central diffusion, limited upwind advection, source) and interpolation; see sim.h. */
#include "sim_internal.h"
#include "util.h"
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t sim_cell(const sim_grid *g, const int *idx) {
  size_t c = 0;
  for (int d = 0; d < PRP_SIM_MAX_DIM; d++) c += (size_t)(idx[d] + g->pad[d]) * g->stride[d];
  return c;
}

void sim_node_x(const sim_grid *g, const int *idx, double *x) {
  for (int d = 0; d < g->dim; d++) x[d] = g->p->lo[d] + idx[d] * g->h[d];
}

static char *grid_error(const char *msg) { return prp_xstrdup(msg); }

// The Dirichlet nodes, marked once so the operator can skip them.
static void mark_fixed_nodes(sim_grid *g) {
  int idx[PRP_SIM_MAX_DIM];
  for (idx[2] = 0; idx[2] < g->n[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < g->n[1]; idx[1]++)
      for (idx[0] = 0; idx[0] < g->n[0]; idx[0]++) {
        int fixed = 0;
        for (int d = 0; d < g->dim; d++) {
          if (idx[d] == 0 && g->p->bc[d][0].kind == PRP_SIM_BC_DIRICHLET) fixed = 1;
          if (idx[d] == g->n[d] - 1 && g->p->bc[d][1].kind == PRP_SIM_BC_DIRICHLET) fixed = 1;
        }
        g->fixed[sim_cell(g, idx)] = (unsigned char)fixed;
      }
}

char *sim_grid_init(sim_grid *g, const prp_sim_problem *p, prp_sim_advection_scheme scheme) {
  memset(g, 0, sizeof *g);
  g->p = p;
  g->scheme = scheme;
  g->dim = p->dim;
  size_t stride = 1;
  g->points = 1;
  for (int d = 0; d < PRP_SIM_MAX_DIM; d++) {
    int used = d < p->dim;
    g->n[d] = used ? p->n[d] : 1;
    g->pad[d] = used ? PRP_SIM_GHOSTS : 0;
    g->h[d] = used ? (p->hi[d] - p->lo[d]) / (p->n[d] - 1) : 1.0;
    g->stride[d] = stride;
    stride *= (size_t)(g->n[d] + 2 * g->pad[d]);
    g->points *= (size_t)g->n[d];
  }
  g->padded_size = stride;
  g->fixed = calloc(g->padded_size, 1);
  int ok = g->fixed != NULL;
  if (p->velocity)
    for (int slot = 0; slot < 2; slot++)
      for (int d = 0; d < p->dim; d++) {
        g->slot_velocity[slot][d] = calloc(g->points, sizeof(double));
        ok = ok && g->slot_velocity[slot][d];
      }
  if (!ok) {
    sim_grid_free(g);
    return grid_error("simulate: out of memory for the grid");
  }
  mark_fixed_nodes(g);
  return NULL;
}

void sim_grid_free(sim_grid *g) {
  free(g->fixed);
  for (int slot = 0; slot < 2; slot++)
    for (int d = 0; d < PRP_SIM_MAX_DIM; d++) free(g->slot_velocity[slot][d]);
  memset(g, 0, sizeof *g);
}

double *sim_field_alloc(const sim_grid *g) { return calloc(g->padded_size, sizeof(double)); }

void sim_set_initial(const sim_grid *g, prp_sim_scalar_fn f, double t, double *u) {
  memset(u, 0, g->padded_size * sizeof *u);
  if (!f) return;
  int idx[PRP_SIM_MAX_DIM];
  double x[PRP_SIM_MAX_DIM];
  for (idx[2] = 0; idx[2] < g->n[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < g->n[1]; idx[1]++)
      for (idx[0] = 0; idx[0] < g->n[0]; idx[0]++) {
        sim_node_x(g, idx, x);
        u[sim_cell(g, idx)] = f(x, t, g->p->user);
      }
}

// Calls visit(cell of the boundary node, its coordinates) for every node of face
// (d, side); `inward` is the padded step into the domain.
typedef void (*face_visitor)(const sim_grid *g, double *u, size_t cell, ptrdiff_t inward,
                             double h, const double *x, double t, const prp_sim_bc *bc);

static void for_each_face_node(const sim_grid *g, int d, int side, double *u, double t,
                               face_visitor visit) {
  const prp_sim_bc *bc = &g->p->bc[d][side];
  int e1 = (d + 1) % PRP_SIM_MAX_DIM, e2 = (d + 2) % PRP_SIM_MAX_DIM;
  int idx[PRP_SIM_MAX_DIM];
  double x[PRP_SIM_MAX_DIM];
  ptrdiff_t inward = side == 0 ? (ptrdiff_t)g->stride[d] : -(ptrdiff_t)g->stride[d];
  idx[d] = side == 0 ? 0 : g->n[d] - 1;
  for (idx[e2] = 0; idx[e2] < g->n[e2]; idx[e2]++)
    for (idx[e1] = 0; idx[e1] < g->n[e1]; idx[e1]++) {
      sim_node_x(g, idx, x);
      visit(g, u, sim_cell(g, idx), inward, g->h[d], x, t, bc);
    }
}

static void set_dirichlet_value(const sim_grid *g, double *u, size_t cell, ptrdiff_t inward,
                                double h, const double *x, double t, const prp_sim_bc *bc) {
  u[cell] = bc->value ? bc->value(x, t, g->p->user) : 0.0;
}

static void set_dirichlet_zero(const sim_grid *g, double *u, size_t cell, ptrdiff_t inward,
                               double h, const double *x, double t, const prp_sim_bc *bc) {
  u[cell] = 0.0;
}

static void fill_mirror_ghosts(const sim_grid *g, double *u, size_t cell, ptrdiff_t inward,
                               double h, const double *x, double t, const prp_sim_bc *bc) {
  double *b = u + cell;
  for (int k = 1; k <= PRP_SIM_GHOSTS; k++) b[-k * inward] = b[k * inward];
}

// Ghosts behind a Dirichlet node only feed the limited slopes of the first inner node:
// quadratic extrapolation keeps those slopes second-order accurate.
static void fill_dirichlet_ghosts(const sim_grid *g, double *u, size_t cell, ptrdiff_t inward,
                                  double h, const double *x, double t, const prp_sim_bc *bc) {
  double *b = u + cell;
  b[-inward] = 3.0 * b[0] - 3.0 * b[inward] + b[2 * inward];
  b[-2 * inward] = 3.0 * b[-inward] - 3.0 * b[0] + b[inward];
}

// Mirror ghosts with a linear correction: u(-k h) = u(k h) + 2 k h du/dn, which makes the
// central second difference at the boundary node see the prescribed normal derivative.
static void fill_neumann_ghosts(const sim_grid *g, double *u, size_t cell, ptrdiff_t inward,
                                double h, const double *x, double t, const prp_sim_bc *bc) {
  double dudn = bc->value ? bc->value(x, t, g->p->user) : 0.0;
  double *b = u + cell;
  for (int k = 1; k <= PRP_SIM_GHOSTS; k++) b[-k * inward] = b[k * inward] + 2.0 * k * h * dudn;
}

void sim_apply_homogeneous_boundaries(const sim_grid *g, double *u) {
  for (int d = 0; d < g->dim; d++)
    for (int side = 0; side < 2; side++)
      if (g->p->bc[d][side].kind == PRP_SIM_BC_DIRICHLET) for_each_face_node(g, d, side, u, 0.0, set_dirichlet_zero);
  for (int d = 0; d < g->dim; d++)
    for (int side = 0; side < 2; side++)
      if (g->p->bc[d][side].kind == PRP_SIM_BC_NEUMANN) for_each_face_node(g, d, side, u, 0.0, fill_mirror_ghosts);
}

void sim_apply_boundaries(const sim_grid *g, double t, double *u) {
  for (int d = 0; d < g->dim; d++)
    for (int side = 0; side < 2; side++)
      if (g->p->bc[d][side].kind == PRP_SIM_BC_DIRICHLET)
        for_each_face_node(g, d, side, u, t, set_dirichlet_value);
  for (int d = 0; d < g->dim; d++)
    for (int side = 0; side < 2; side++)
      for_each_face_node(g, d, side, u, t,
                         g->p->bc[d][side].kind == PRP_SIM_BC_DIRICHLET ? fill_dirichlet_ghosts
                                                                        : fill_neumann_ghosts);
}

static void use_velocity_slot(sim_grid *g, int slot) {
  g->slot_current = slot;
  for (int d = 0; d < g->dim; d++) {
    g->velocity[d] = g->slot_velocity[slot][d];
    g->vmax[d] = g->slot_vmax[slot][d];
  }
}

void sim_eval_velocity(sim_grid *g, double t) {
  const prp_sim_problem *p = g->p;
  if (!p->velocity) return;
  for (int slot = 0; slot < 2; slot++)
    if (g->slot_valid[slot] && (g->slot_time[slot] == t || p->velocity_steady)) {
      use_velocity_slot(g, slot);
      return;
    }
  int slot = g->slot_valid[0] ? 1 - g->slot_current : 0; /* replace the older one */
  int idx[PRP_SIM_MAX_DIM];
  double x[PRP_SIM_MAX_DIM], v[PRP_SIM_MAX_DIM], vmax[PRP_SIM_MAX_DIM] = {0, 0, 0};
  size_t node = 0;
  for (idx[2] = 0; idx[2] < g->n[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < g->n[1]; idx[1]++)
      for (idx[0] = 0; idx[0] < g->n[0]; idx[0]++, node++) {
        sim_node_x(g, idx, x);
        p->velocity(x, t, v, p->user);
        for (int d = 0; d < g->dim; d++) {
          g->slot_velocity[slot][d][node] = v[d];
          vmax[d] = fmax(vmax[d], fabs(v[d]));
        }
      }
  for (int d = 0; d < g->dim; d++) g->slot_vmax[slot][d] = vmax[d];
  g->slot_time[slot] = t;
  g->slot_valid[slot] = 1;
  use_velocity_slot(g, slot);
}

void sim_estimate_reaction(sim_grid *g, double t, const double *u) {
  const prp_sim_problem *p = g->p;
  if (!p->source) return;
  int idx[PRP_SIM_MAX_DIM];
  double x[PRP_SIM_MAX_DIM];
  for (idx[2] = 0; idx[2] < g->n[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < g->n[1]; idx[1]++)
      for (idx[0] = 0; idx[0] < g->n[0]; idx[0]++) {
        size_t c = sim_cell(g, idx);
        if (g->fixed[c]) continue;
        sim_node_x(g, idx, x);
        double delta = 1e-6 * (1.0 + fabs(u[c]));
        double rate = fabs(p->source(x, t, u[c] + delta, p->user) - p->source(x, t, u[c], p->user)) / delta;
        if (rate > g->reaction_rate) g->reaction_rate = rate;
      }
}

// The limited slope of a node: `upwind` is the difference towards the side the flow comes
// from, `downwind` the other one; van Leer and minmod are symmetric in them, Koren's
// limiter (third order where the profile is smooth and monotone) is not.
int sim_all_finite(const sim_grid *g, const double *u) {
  int idx[PRP_SIM_MAX_DIM] = {0, 0, 0};
  for (idx[2] = 0; idx[2] < g->n[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < g->n[1]; idx[1]++) {
      idx[0] = 0;
      const double *row = u + sim_cell(g, idx);
      for (int i = 0; i < g->n[0]; i++)
        if (!isfinite(row[i])) return 0;
    }
  return 1;
}

static inline double limited_slope(prp_sim_advection_scheme scheme, double upwind, double downwind) {
  if (upwind * downwind <= 0.0) return 0.0;
  switch (scheme) {
  case PRP_SIM_MUSCL_VANLEER: return 2.0 * upwind * downwind / (upwind + downwind);
  case PRP_SIM_MUSCL_MINMOD: return fabs(upwind) < fabs(downwind) ? upwind : downwind;
  case PRP_SIM_MUSCL_KOREN: { /* sign(a) min(2|a|, 2|b|, |a + 2b| / 3); a, b of one sign */
    double a = fabs(upwind), b = fabs(downwind), m = (a + 2.0 * b) * (1.0 / 3.0);
    m = 2.0 * a < m ? 2.0 * a : m;
    m = 2.0 * b < m ? 2.0 * b : m;
    return upwind > 0.0 ? m : -m;
  }
  case PRP_SIM_UPWIND1: return 0.0;
  }
  return 0.0;
}

// h * du/dx at cell c from the side the flow comes from: the difference of the MUSCL
// reconstructions at the two faces of the node (u_{i+1/2} - u_{i-1/2}).
static inline double upwind_difference(prp_sim_advection_scheme scheme, const double *u,
                                       ptrdiff_t s, double v) {
  double um1 = u[-s], u0 = u[0], up1 = u[s];
  if (v >= 0.0) {
    double um2 = u[-2 * s];
    double slope_here = limited_slope(scheme, u0 - um1, up1 - u0);
    double slope_left = limited_slope(scheme, um1 - um2, u0 - um1);
    return (u0 - um1) + 0.5 * (slope_here - slope_left);
  }
  double up2 = u[2 * s];
  double slope_here = limited_slope(scheme, up1 - u0, u0 - um1);
  double slope_right = limited_slope(scheme, up2 - up1, up1 - u0);
  return (up1 - u0) - 0.5 * (slope_right - slope_here);
}

static void source_pass(const sim_grid *g, double t, const double *u, double *rhs) {
  const prp_sim_problem *p = g->p;
  int idx[PRP_SIM_MAX_DIM] = {0, 0, 0};
  double x[PRP_SIM_MAX_DIM];
  for (idx[2] = 0; idx[2] < g->n[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < g->n[1]; idx[1]++) {
      idx[0] = 0;
      size_t row = sim_cell(g, idx);
      sim_node_x(g, idx, x);
      for (int i = 0; i < g->n[0]; i++) {
        size_t c = row + (size_t)i;
        if (g->fixed[c] || !p->source) {
          rhs[c] = 0.0;
          continue;
        }
        x[0] = p->lo[0] + i * g->h[0];
        rhs[c] = p->source(x, t, u[c], p->user);
      }
    }
}

// Adds the diffusion and advection terms along dimension d, one grid line at a time;
// always inlined with a constant scheme so the limiter's switch disappears.
static inline __attribute__((always_inline)) void transport_rows(const sim_grid *g, int d, const double *u,
                                                                 double *rhs, prp_sim_advection_scheme scheme,
                                                                 double D, const double *vel) {
  const double inv_h = 1.0 / g->h[d], D_inv_h2 = D * inv_h * inv_h;
  const ptrdiff_t s = (ptrdiff_t)g->stride[d];
  int idx[PRP_SIM_MAX_DIM] = {0, 0, 0};
  size_t node = 0;
  for (idx[2] = 0; idx[2] < g->n[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < g->n[1]; idx[1]++, node += (size_t)g->n[0]) {
      idx[0] = 0;
      size_t row = sim_cell(g, idx);
      const unsigned char *fixed = g->fixed + row;
      const double *ur = u + row;
      double *out = rhs + row;
      if (!vel) {
        for (int i = 0; i < g->n[0]; i++)
          if (!fixed[i]) out[i] += D_inv_h2 * (ur[i + s] - 2.0 * ur[i] + ur[i - s]);
        continue;
      }
      const double *vr = vel + node;
      for (int i = 0; i < g->n[0]; i++) {
        if (fixed[i]) continue;
        const double *uc = ur + i;
        double acc = D_inv_h2 * (uc[s] - 2.0 * uc[0] + uc[-s]);
        out[i] += acc - vr[i] * upwind_difference(scheme, uc, s, vr[i]) * inv_h;
      }
    }
}

static void transport_pass(const sim_grid *g, int d, const double *u, double *rhs, double D) {
  const double *vel = g->velocity[d];
  switch (g->scheme) {
  case PRP_SIM_MUSCL_KOREN: transport_rows(g, d, u, rhs, PRP_SIM_MUSCL_KOREN, D, vel); break;
  case PRP_SIM_MUSCL_VANLEER: transport_rows(g, d, u, rhs, PRP_SIM_MUSCL_VANLEER, D, vel); break;
  case PRP_SIM_MUSCL_MINMOD: transport_rows(g, d, u, rhs, PRP_SIM_MUSCL_MINMOD, D, vel); break;
  case PRP_SIM_UPWIND1: transport_rows(g, d, u, rhs, PRP_SIM_UPWIND1, D, vel); break;
  }
}

void sim_operator(sim_grid *g, double t, const double *u, double *rhs) {
  source_pass(g, t, u, rhs);
  for (int d = 0; d < g->dim; d++) {
    double D = g->implicit_diffusion ? 0.0 : g->p->diffusivity[d];
    if (D != 0.0 || g->velocity[d]) transport_pass(g, d, u, rhs, D);
  }
  g->rhs_evaluations++;
}

void sim_diffusion(const sim_grid *g, const double *u, double *out) {
  int idx[PRP_SIM_MAX_DIM] = {0, 0, 0};
  for (idx[2] = 0; idx[2] < g->n[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < g->n[1]; idx[1]++) {
      idx[0] = 0;
      memset(out + sim_cell(g, idx), 0, (size_t)g->n[0] * sizeof *out);
    }
  for (int d = 0; d < g->dim; d++)
    if (g->p->diffusivity[d] != 0.0)
      transport_rows(g, d, u, out, PRP_SIM_UPWIND1, g->p->diffusivity[d], NULL);
}

double sim_interpolate(const sim_grid *g, const double *u, const double *x) {
  int base[PRP_SIM_MAX_DIM] = {0, 0, 0};
  double w[PRP_SIM_MAX_DIM] = {0, 0, 0};
  for (int d = 0; d < g->dim; d++) {
    double f = (x[d] - g->p->lo[d]) / g->h[d];
    int i = (int)floor(f);
    if (i < 0) i = 0;
    if (i > g->n[d] - 2) i = g->n[d] - 2;
    double frac = f - i;
    w[d] = frac < 0.0 ? 0.0 : frac > 1.0 ? 1.0 : frac;
    base[d] = i;
  }
  double sum = 0.0;
  for (int corner = 0; corner < (1 << g->dim); corner++) {
    int idx[PRP_SIM_MAX_DIM] = {base[0], base[1], base[2]};
    double weight = 1.0;
    for (int d = 0; d < g->dim; d++) {
      int up = (corner >> d) & 1;
      idx[d] += up;
      weight *= up ? w[d] : 1.0 - w[d];
    }
    sum += weight * u[sim_cell(g, idx)];
  }
  return sum;
}

void sim_unpad_blend(const sim_grid *g, const double *a, const double *b, double theta,
                     double *out) {
  int idx[PRP_SIM_MAX_DIM];
  size_t node = 0;
  for (idx[2] = 0; idx[2] < g->n[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < g->n[1]; idx[1]++) {
      idx[0] = 0;
      size_t row = sim_cell(g, idx);
      for (int i = 0; i < g->n[0]; i++, node++) {
        size_t c = row + (size_t)i;
        out[node] = theta == 0.0 ? a[c] : (1.0 - theta) * a[c] + theta * b[c];
      }
    }
}
