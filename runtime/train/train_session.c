/* Runtime, training: one loss/gradient evaluation of a PR-PINN. For each term
 * the network propagates the jets the term needs over its points, the term's
 * generated kernel gives the residual and its partials, and reverse mode takes
 * the gradient back to the weights; the partials wrt the unknowns give theirs.
 * The chunks of points run on the session's threads, in lanes summed in a fixed
 * order (train_internal.h), so the result does not depend on the thread count. */
#include "train_internal.h"
#include "train_dist.h"
#include "train_dist_internal.h"
#include "util.h"
#include <cblas.h>
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
  if (pb->single) t->ws32 = prp_xcalloc((size_t)s->threads, sizeof *t->ws32);
  else t->ws = prp_xcalloc((size_t)s->threads, sizeof *t->ws);
  for (int k = 0; k < s->threads; k++) {
    if (pb->single) t->ws32[k] = prp_mlp_ws_create_f32(&s->net, &t->layout, CHUNK);
    else t->ws[k] = prp_mlp_ws_create_f64(&s->net, &t->layout, CHUNK);
  }
  s->max_tasks += (int)((term_points(pb, t->term) + CHUNK - 1) / CHUNK);
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
  size_t first;          /* the chunk's first point */
  double scale;          /* weight * 2 / N: d(w mean r^2)/dr = scale * r */
  double *dtheta;        /* accumulates dL/dtheta */
  void *kernel_out;      /* the thread's kernel outputs (T) */
} chunk_ctx;

#define T double
#define CHUNK_LOSS chunk_loss_f64
#define COLS cols
#define POINTDATA pointdata
#define UNIFORMS uniforms
#define KERNEL kernel
#include "train_chunk_impl.h"
#undef T
#undef CHUNK_LOSS
#undef COLS
#undef POINTDATA
#undef UNIFORMS
#undef KERNEL
#define T float
#define CHUNK_LOSS chunk_loss_f32
#define COLS cols32
#define POINTDATA pointdata32
#define UNIFORMS uniforms32
#define KERNEL kernel_f32
#include "train_chunk_impl.h"
#undef T
#undef CHUNK_LOSS
#undef COLS
#undef POINTDATA
#undef UNIFORMS
#undef KERNEL

/* Sets the uniforms (unknowns then schedule scalars) for the raw unknowns z. */
static void set_uniforms(prp_train_session *s, const double *z, double *dtheta_dz) {
  const prp_train_problem *pb = s->pb;
  for (int u = 0; u < pb->n_unknowns; u++) s->uniforms[u] = prp_unknown_value(&pb->unknowns[u], z[u], &dtheta_dz[u]);
  for (int k = 0; k < pb->n_scalars; k++) s->uniforms[pb->n_unknowns + k] = s->scalars[k];
  for (int k = 0; k < pb->n_unknowns + pb->n_scalars; k++) s->uniforms32[k] = (float)s->uniforms[k];
}

/* Cuts every term with points and weight into chunks and gives each chunk a
 * lane: the lane with the least work so far (jet columns x points), the first
 * such on ties. Depends on the problem only, never on the thread count. */
static int plan_tasks(prp_train_session *s) {
  double load[PRP_TRAIN_LANES] = {0};
  int n = 0;
  for (int i = 0; i < s->pb->n_terms; i++) {
    term_state *t = &s->terms[i];
    if (t->n == 0 || t->term->weight == 0) continue;
    for (size_t first = 0; first < t->n; first += CHUNK) {
      chunk_task *k = &s->tasks[n++];
      k->term = i;
      k->first = first;
      k->n = t->n - first < CHUNK ? t->n - first : CHUNK;
      k->lane = 0;
      for (int l = 1; l < PRP_TRAIN_LANES; l++)
        if (load[l] < load[k->lane]) k->lane = l;
      load[k->lane] += (double)t->layout.n_cols * (double)k->n;
    }
  }
  return n;
}

typedef struct {
  prp_train_session *s;
  const double *x;       /* parameters (f64 problems) */
  int n_tasks;
} lane_run;

/* One chunk: forward, kernel, backward into the lane's gradient g (T). */
static void run_task(prp_train_session *s, chunk_task *k, const double *x, int thread, void *g) {
  term_state *t = &s->terms[k->term];
  memset(k->dtheta, 0, sizeof k->dtheta);
  chunk_ctx c = {s, t, k->first, 2 * t->term->weight / (double)t->n_all, k->dtheta, NULL};
  const double *pts = t->x + k->first * (size_t)t->dim;
  if (s->pb->single) {
    c.kernel_out = s->kernel_out32 + (size_t)thread * PRP_TRAIN_KERNEL_OUT;
    k->loss = prp_mlp_loss_grad_f32(t->ws32[thread], s->params32, k->n, pts, chunk_loss_f32, &c, g);
  } else {
    c.kernel_out = s->kernel_out + (size_t)thread * PRP_TRAIN_KERNEL_OUT;
    k->loss = prp_mlp_loss_grad_f64(t->ws[thread], x, k->n, pts, chunk_loss_f64, &c, g);
  }
}

/* Job of the pool: every chunk of one lane, in order. */
static void run_lane(void *vctx, int lane, int thread) {
  lane_run *r = vctx;
  prp_train_session *s = r->s;
  size_t np = s->net.n_params;
  void *g = s->pb->single ? (void *)(s->lane_grad32 + (size_t)lane * np) : (void *)(s->lane_grad + (size_t)lane * np);
  memset(g, 0, np * (s->pb->single ? sizeof(float) : sizeof(double)));
  for (int i = 0; i < r->n_tasks; i++)
    if (s->tasks[i].lane == lane) run_task(s, &s->tasks[i], r->x, thread, g);
}

/* grad = the lanes' gradients summed in lane order (in double). */
static void sum_lanes(const prp_train_session *s, int lanes, double *grad) {
  size_t np = s->net.n_params;
  for (int l = 0; l < lanes; l++) {
    if (s->pb->single) {
      const float *g = s->lane_grad32 + (size_t)l * np;
      for (size_t j = 0; j < np; j++) grad[j] = (l ? grad[j] : 0) + (double)g[j];
    } else {
      const double *g = s->lane_grad + (size_t)l * np;
      for (size_t j = 0; j < np; j++) grad[j] = (l ? grad[j] : 0) + g[j];
    }
  }
}

double prp_train_session_loss_grad(prp_train_session *s, const double *x, double *grad) {
  const prp_train_problem *pb = s->pb;
  size_t np = s->net.n_params;
  double dtheta_dz[PRP_TRAIN_MAX_UNKNOWNS], dtheta[PRP_TRAIN_MAX_UNKNOWNS] = {0};
  set_uniforms(s, x + np, dtheta_dz);
  memset(grad, 0, (np + (size_t)pb->n_unknowns) * sizeof *grad);
  if (pb->single) prp_convert_f64_to_f32(np, x, s->params32);
  lane_run r = {s, x, plan_tasks(s)};
  int lanes = r.n_tasks < PRP_TRAIN_LANES ? r.n_tasks : PRP_TRAIN_LANES; /* lanes 0.. fill first */
  prp_pool_run(s->pool, lanes, run_lane, &r);
  sum_lanes(s, lanes, grad);
  for (int i = 0; i < pb->n_terms; i++) s->term_loss[i] = 0;
  for (int k = 0; k < r.n_tasks; k++) {
    const chunk_task *c = &s->tasks[k];
    s->term_loss[c->term] += c->loss;
    for (int u = 0; u < pb->n_unknowns; u++) dtheta[u] += c->dtheta[u];
  }
  double total = 0;
  for (int i = 0; i < pb->n_terms; i++) total += s->term_loss[i];
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
  openblas_set_num_threads(1);       /* the session's threads take whole chunks, each with its own GEMMs */
  s->threads = pb->threads < 1 ? 1 : pb->threads > PRP_TRAIN_MAX_THREADS ? PRP_TRAIN_MAX_THREADS : pb->threads;
  s->pool = prp_pool_new(s->threads);
  s->threads = prp_pool_threads(s->pool);
  size_t nout = (size_t)s->threads * PRP_TRAIN_KERNEL_OUT, lanes = (size_t)PRP_TRAIN_LANES * s->net.n_params;
  if (pb->single) {
    s->kernel_out32 = prp_xcalloc(nout, sizeof(float));
    s->params32 = prp_xcalloc(s->net.n_params + 1, sizeof(float));
    s->lane_grad32 = prp_xcalloc(lanes, sizeof(float));
  } else {
    s->kernel_out = prp_xcalloc(nout, sizeof(double));
    s->lane_grad = prp_xcalloc(lanes, sizeof(double));
  }
  s->x = prp_xcalloc(s->net.n_params + (size_t)pb->n_unknowns, sizeof(double));
  prp_nudging_init(s);
  for (int i = 0; i < pb->n_terms; i++)
    if (init_term(s, i, err) != 0) {
      prp_train_session_free(s);
      return NULL;
    }
  s->tasks = prp_xcalloc((size_t)s->max_tasks + 1, sizeof *s->tasks);
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

double prp_train_session_busy_seconds(const prp_train_session *s, int thread) {
  return prp_pool_busy_seconds(s->pool, thread);
}

size_t prp_train_session_size(const prp_train_session *s) { return s->net.n_params + (size_t)s->pb->n_unknowns; }
double *prp_train_session_params(prp_train_session *s) { return s->x; }

void prp_train_session_free(prp_train_session *s) {
  if (!s) return;
  for (int i = 0; i < PRP_TRAIN_MAX_TERMS; i++) {
    term_state *t = &s->terms[i];
    for (int k = 0; k < s->threads && t->ws; k++) prp_mlp_ws_free_f64(t->ws[k]);
    for (int k = 0; k < s->threads && t->ws32; k++) prp_mlp_ws_free_f32(t->ws32[k]);
    free(t->ws);
    free(t->ws32);
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
  free(s->lane_grad);
  free(s->lane_grad32);
  free(s->tasks);
  prp_pool_free(s->pool);
  free(s->x);
  free(s);
}
