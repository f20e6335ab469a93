/* Runtime, training: one loss/gradient evaluation of a PR-PINN. For each term
 * the network propagates the jets the term needs over its points, the term's
 * generated kernel gives the residual and its partials, and reverse mode takes
 * the gradient back to the weights; the partials wrt the unknowns give theirs. */
#include "train_internal.h"
#include "train_dist.h"
#include "train_dist_internal.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CHUNK = PRP_TRAIN_CHUNK };

/* ---- unknowns: the optimiser sees raw values z, the problem theta = T(z) ---- */

static double softplus(double z) { return z > 30 ? z : log1p(exp(z)); }
static double sigmoid(double z) { return 1 / (1 + exp(-z)); }

double prp_unknown_value(const prp_train_unknown *u, double z, double *dtheta_dz) {
  switch (u->transform) {
  case PRP_TRANSFORM_BOUNDED: {
    double s = sigmoid(z);
    *dtheta_dz = (u->hi - u->lo) * s * (1 - s);
    return u->lo + (u->hi - u->lo) * s;
  }
  case PRP_TRANSFORM_POSITIVE:
    *dtheta_dz = sigmoid(z);
    return softplus(z);
  default:
    *dtheta_dz = 1;
    return z;
  }
}

double prp_unknown_raw(const prp_train_unknown *u, double theta) {
  switch (u->transform) {
  case PRP_TRANSFORM_BOUNDED: {
    double s = (theta - u->lo) / (u->hi - u->lo);
    if (s < 1e-9) s = 1e-9;
    if (s > 1 - 1e-9) s = 1 - 1e-9;
    return log(s / (1 - s));
  }
  case PRP_TRANSFORM_POSITIVE: return theta > 30 ? theta : log(expm1(theta));
  default: return theta;
  }
}

/* ---- point sets -------------------------------------------------------------- */

static void to_columns(term_state *t) {
  int d = t->dim;
  for (size_t p = 0; p < t->n; p++)
    for (int i = 0; i < d; i++) t->cols[i][p] = t->x[p * (size_t)d + i];
}

static void alloc_points(term_state *t, size_t n, int dim, int single) {
  t->n = t->n_all = n;
  t->dim = dim;
  t->x = prp_xcalloc(n * (size_t)dim + 1, sizeof *t->x);
  for (int i = 0; i < dim; i++) t->cols[i] = prp_xcalloc(n + 1, sizeof(double));
  for (int k = 0; k < 3; k++) t->pointdata[k] = prp_xcalloc(n + 1, sizeof(double));
  for (int i = 0; single && i < dim; i++) t->cols32[i] = prp_xcalloc(n + 1, sizeof(float));
  for (int k = 0; single && k < 3; k++) t->pointdata32[k] = prp_xcalloc(n + 1, sizeof(float));
}

/* The f32 copies of a term's per-point inputs (f32 problems only). */
static void sync_single(const prp_train_problem *pb, term_state *t) {
  if (!pb->single) return;
  for (int i = 0; i < t->dim; i++) prp_convert_f64_to_f32(t->n, t->cols[i], t->cols32[i]);
  for (int k = 0; k < 3; k++) prp_convert_f64_to_f32(t->n, t->pointdata[k], t->pointdata32[k]);
}

/* Draws a term's points: interior, on the initial slice, or on a face. */
static void draw_points(prp_train_session *s, term_state *t) {
  const prp_train_problem *pb = s->pb;
  const prp_train_term *term = t->term;
  if (term->kind == PRP_TERM_KIND_DATA) return;
  prp_sampler_draw(&t->sampler, t->n_all, t->x);
  prp_train_dist_keep_block(s, t);   /* under MPI, this rank's share */
  if (term->kind == PRP_TERM_KIND_INITIAL || term->kind == PRP_TERM_KIND_BOUNDARY) {
    int k = term->coord;
    double v = term->upper ? pb->hi[k] : pb->lo[k];
    for (size_t p = 0; p < t->n; p++) t->x[p * (size_t)t->dim + k] = v;
  }
  to_columns(t);
  if (term->kind == PRP_TERM_KIND_PDE && pb->nudge_obs_slot >= 0) prp_nudging_fill(s, t);
  sync_single(pb, t);
}

static int sampler_for(prp_train_session *s, term_state *t, uint64_t seed, char **err) {
  const prp_train_problem *pb = s->pb;
  char msg[256];
  prp_sample_kind kind = t->term->kind == PRP_TERM_KIND_PDE ? pb->sampler : PRP_SAMPLE_UNIFORM;
  if (prp_sampler_init(&t->sampler, kind, pb->n_inputs, pb->lo, pb->hi, seed, 1, msg, sizeof msg) != 0) {
    *err = prp_errorf("%s", msg);
    return -1;
  }
  return 0;
}

static size_t term_points(const prp_train_problem *pb, const prp_train_term *term) {
  switch (term->kind) {
  case PRP_TERM_KIND_PDE: return (size_t)pb->n_collocation;
  case PRP_TERM_KIND_INITIAL: return (size_t)pb->n_initial;
  case PRP_TERM_KIND_BOUNDARY: return (size_t)pb->n_boundary;
  default: return pb->n_obs;
  }
}

static int init_term(prp_train_session *s, int i, char **err) {
  const prp_train_problem *pb = s->pb;
  term_state *t = &s->terms[i];
  t->term = &pb->terms[i];
  char msg[256];
  if (prp_jet_layout_init(&t->layout, &t->term->spec, pb->n_inputs, msg, sizeof msg) != 0) {
    *err = prp_errorf("term %s: %s", t->term->name, msg);
    return -1;
  }
  for (int k = 0; k < t->term->n_jets; k++) {
    int a = t->term->jet_a[k], b = t->term->jet_b[k];
    switch (t->term->jet_kind[k]) {
    case 0: t->jet_col[k] = 0; break;
    case 1: t->jet_col[k] = prp_jet_col_first(&t->layout, a); break;
    case 2: t->jet_col[k] = prp_jet_col_second(&t->layout, a, b); break;
    default: t->jet_col[k] = t->layout.lap_col; break;
    }
    if (t->jet_col[k] < 0) {
      *err = prp_errorf("term %s: jet %d is not propagated by the network", t->term->name, k);
      return -1;
    }
  }
  if (pb->single) t->ws32 = prp_mlp_ws_create_f32(&s->net, &t->layout, CHUNK);
  else t->ws = prp_mlp_ws_create_f64(&s->net, &t->layout, CHUNK);
  alloc_points(t, term_points(pb, t->term), pb->n_inputs, pb->single);
  if (t->term->kind == PRP_TERM_KIND_DATA) {
    size_t first = prp_train_dist_block(s, pb->n_obs, &t->n);   /* under MPI, this rank's share */
    memcpy(t->x, pb->obs_x + first * (size_t)pb->n_inputs, t->n * (size_t)pb->n_inputs * sizeof *t->x);
    to_columns(t);
    if (pb->u_obs_slot >= 0) memcpy(t->pointdata[pb->u_obs_slot], pb->obs_u + first, t->n * sizeof(double));
    sync_single(pb, t);
    return 0;
  }
  return sampler_for(s, t, pb->seed * 7919 + (uint64_t)i + 1, err);
}

void prp_train_session_resample(prp_train_session *s) {
  for (int i = 0; i < s->pb->n_terms; i++) draw_points(s, &s->terms[i]);
}

/* ---- the loss ------------------------------------------------------------------ */

typedef struct {
  prp_train_session *s;
  term_state *t;
  double scale;          /* weight * 2 / N: d(w mean r^2)/dr = scale * r */
  double *dtheta;        /* accumulates dL/dtheta */
} chunk_ctx;

#define T double
#define CHUNK_LOSS chunk_loss_f64
#define COLS cols
#define POINTDATA pointdata
#define KERNEL_OUT kernel_out
#define UNIFORMS uniforms
#define KERNEL kernel
#include "train_chunk_impl.h"
#undef T
#undef CHUNK_LOSS
#undef COLS
#undef POINTDATA
#undef KERNEL_OUT
#undef UNIFORMS
#undef KERNEL
#define T float
#define CHUNK_LOSS chunk_loss_f32
#define COLS cols32
#define POINTDATA pointdata32
#define KERNEL_OUT kernel_out32
#define UNIFORMS uniforms32
#define KERNEL kernel_f32
#include "train_chunk_impl.h"
#undef T
#undef CHUNK_LOSS
#undef COLS
#undef POINTDATA
#undef KERNEL_OUT
#undef UNIFORMS
#undef KERNEL

/* Sets the uniforms (unknowns then schedule scalars) for the raw unknowns z. */
static void set_uniforms(prp_train_session *s, const double *z, double *dtheta_dz) {
  const prp_train_problem *pb = s->pb;
  for (int u = 0; u < pb->n_unknowns; u++) s->uniforms[u] = prp_unknown_value(&pb->unknowns[u], z[u], &dtheta_dz[u]);
  for (int k = 0; k < pb->n_scalars; k++) s->uniforms[pb->n_unknowns + k] = s->scalars[k];
  for (int k = 0; k < pb->n_unknowns + pb->n_scalars; k++) s->uniforms32[k] = (float)s->uniforms[k];
}

static double term_loss_grad(prp_train_session *s, term_state *t, chunk_ctx *c, const double *x, double *grad) {
  if (!s->pb->single) return prp_mlp_loss_grad_f64(t->ws, x, t->n, t->x, chunk_loss_f64, c, grad);
  return prp_mlp_loss_grad_f32(t->ws32, s->params32, t->n, t->x, chunk_loss_f32, c, s->grad32);
}

double prp_train_session_loss_grad(prp_train_session *s, const double *x, double *grad) {
  const prp_train_problem *pb = s->pb;
  size_t np = s->net.n_params;
  double dtheta_dz[PRP_TRAIN_MAX_UNKNOWNS], dtheta[PRP_TRAIN_MAX_UNKNOWNS] = {0};
  set_uniforms(s, x + np, dtheta_dz);
  memset(grad, 0, (np + (size_t)pb->n_unknowns) * sizeof *grad);
  if (pb->single) {
    prp_convert_f64_to_f32(np, x, s->params32);
    memset(s->grad32, 0, np * sizeof *s->grad32);
  }
  double total = 0;
  for (int i = 0; i < pb->n_terms; i++) {
    term_state *t = &s->terms[i];
    if (t->n == 0 || t->term->weight == 0) { s->term_loss[i] = 0; continue; }
    chunk_ctx c = {s, t, 2 * t->term->weight / (double)t->n_all, dtheta};
    s->term_loss[i] = term_loss_grad(s, t, &c, x, grad);
    total += s->term_loss[i];
  }
  if (pb->single) prp_convert_f32_to_f64(np, s->grad32, grad);
  if (s->parts > 1) total = prp_train_dist_reduce(s, grad, dtheta);   /* sums over the ranks */
  total += prp_source_energy_add(s, dtheta);
  for (int u = 0; u < pb->n_unknowns; u++) {
    s->dtheta[u] = dtheta[u];
    grad[np + (size_t)u] = dtheta[u] * dtheta_dz[u];
  }
  return total;
}

/* ---- life cycle ------------------------------------------------------------------ */

prp_train_session *prp_train_session_new(const prp_train_problem *pb, char **err) {
  *err = NULL;
  if (pb->n_coord_slots + pb->n_kernel_jets + pb->n_pointdata > 64) {
    *err = prp_errorf("the kernels take %d inputs per point; at most 64 are supported",
                      pb->n_coord_slots + pb->n_kernel_jets + pb->n_pointdata);
    return NULL;
  }
  prp_train_session *s = prp_xcalloc(1, sizeof *s);
  s->pb = pb;
  s->parts = prp_train_dist_parts();
  char msg[256];
  if (prp_mlp_init(&s->net, &pb->net, msg, sizeof msg) != 0) {
    *err = prp_errorf("network: %s", msg);
    prp_train_session_free(s);
    return NULL;
  }
  size_t nout = (size_t)CHUNK * (1 + PRP_TRAIN_MAX_JETS + PRP_TRAIN_MAX_UNKNOWNS);
  if (pb->single) {
    s->kernel_out32 = prp_xcalloc(nout, sizeof(float));
    s->params32 = prp_xcalloc(s->net.n_params + 1, sizeof(float));
    s->grad32 = prp_xcalloc(s->net.n_params + 1, sizeof(float));
  } else {
    s->kernel_out = prp_xcalloc(nout, sizeof(double));
  }
  s->x = prp_xcalloc(s->net.n_params + (size_t)pb->n_unknowns, sizeof(double));
  prp_nudging_init(s);
  for (int i = 0; i < pb->n_terms; i++)
    if (init_term(s, i, err) != 0) {
      prp_train_session_free(s);
      return NULL;
    }
  if (prp_source_energy_init(s, err) != 0 || (*err = prp_train_dist_check(s))) {
    prp_train_session_free(s);
    return NULL;
  }
  prp_rng rng;
  prp_rng_seed(&rng, pb->seed);
  prp_mlp_init_params_f64(&s->net, PRP_INIT_XAVIER_NORMAL, &rng, s->x);
  for (int u = 0; u < pb->n_unknowns; u++)
    s->x[s->net.n_params + (size_t)u] = prp_unknown_raw(&pb->unknowns[u], pb->unknowns[u].guess);
  prp_train_session_set_progress(s, 0);
  prp_train_session_resample(s);
  return s;
}

void prp_train_session_set_progress(prp_train_session *s, double p) {
  const prp_train_problem *pb = s->pb;
  s->progress = p;
  for (int k = 0; k < pb->n_scalars; k++)
    s->scalars[k] = pb->has_schedule[k] ? prp_schedule_value(&pb->schedules[k], p) : pb->scalar_fixed[k];
}

size_t prp_train_session_size(const prp_train_session *s) { return s->net.n_params + (size_t)s->pb->n_unknowns; }
double *prp_train_session_params(prp_train_session *s) { return s->x; }

void prp_train_session_free(prp_train_session *s) {
  if (!s) return;
  for (int i = 0; i < PRP_TRAIN_MAX_TERMS; i++) {
    term_state *t = &s->terms[i];
    if (t->ws) prp_mlp_ws_free_f64(t->ws);
    if (t->ws32) prp_mlp_ws_free_f32(t->ws32);
    for (int k = 0; k < 4; k++) free(t->cols32[k]);
    for (int k = 0; k < 3; k++) free(t->pointdata32[k]);
    free(t->x);
    for (int k = 0; k < 4; k++) free(t->cols[k]);
    for (int k = 0; k < 3; k++) free(t->pointdata[k]);
  }
  prp_nudging_free(s);
  prp_source_energy_free(s);
  free(s->kernel_out);
  free(s->kernel_out32);
  free(s->params32);
  free(s->grad32);
  free(s->x);
  free(s);
}
