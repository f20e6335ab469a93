/* Truth simulation, step 2: the truth PDE's coefficients (simulate_pde.c) and the problem's
 * initial and boundary conditions JIT-compiled into the callbacks of the finite-difference
 * simulator (runtime/sim.h), run over the truth's sensor layout, noise added. */
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "util.h"
#include "lower.h"
#include "simulate.h"
#include "progress.h"
#include <stdio.h>
#include <unistd.h>

/* A function of (x, t, u) with up to PRP_SIM_MAX_DIM outputs that the simulator calls one
 * point at a time: a JIT kernel run with n = 1, or constants when every output is one. */
typedef struct point_fn {
  int n_out;
  int is_const;
  double value[PRP_SIM_MAX_DIM];    /* the outputs, when constant */
  prp_kernel_f64 kernel;
  int nspace, time_index, ncoords;
  double in[PRP_MAX_COORDS + 1];    /* the coordinates (problem order), then u */
  const double **slots;             /* the kernel's point inputs: into `in`, or NULL */
} point_fn;

/* Everything the callbacks see through the simulator's `user` pointer. */
typedef struct prp_sim_compiled {
  point_fn velocity, source, initial, rate;
  point_fn face[PRP_SIM_MAX_DIM][2];
} sim_context;

/* The kernels' shared inputs: coordinates and jets of the truth DAG; no uniforms. */
typedef struct kernel_inputs {
  prp_jit *jit;
  prp_dag *dag;
  const prp_problem *pb;
  prp_node u;
} kernel_inputs;

static void compile_point_fn(const kernel_inputs *ki, const prp_node *outputs, int n_out, const char *name,
                             point_fn *f) {
  memset(f, 0, sizeof *f);
  f->n_out = n_out;
  f->nspace = ki->pb->nspace;
  f->time_index = ki->pb->time_index;
  f->ncoords = ki->pb->ncoords;
  f->is_const = 1;
  for (int o = 0; o < n_out; o++) {
    if (prp_node_kind(ki->dag, outputs[o]) == PRP_CONST) f->value[o] = prp_node_value(ki->dag, outputs[o]);
    else f->is_const = 0;
  }
  if (f->is_const) return;
  uint32_t n_coord = (uint32_t)ki->pb->ncoords, n_jet = prp_dag_jet_count(ki->dag);
  prp_kernel_spec spec = {.name = name, .dag = ki->dag, .outputs = outputs, .n_outputs = (size_t)n_out,
                          .layout = {.n_coord = n_coord, .n_jet = n_jet}, .type = PRP_ELEM_F64, .keep_subnormals = true};
  /* IEEE subnormals, as in the interpreter (the tests' oracle): with one point per call the
   * flush-to-zero mode switch buys nothing (measured: same run time on plume2d). */
  char err[512];
  f->kernel = (prp_kernel_f64)prp_codegen_jit(ki->jit, &spec, err, sizeof err);
  if (!f->kernel) prp_internal_error("JIT-compiling the truth kernel %s: %s", name, err);
  f->slots = prp_xcalloc(n_coord + n_jet, sizeof *f->slots);
  PRP_ASSERT(f->slots);
  for (uint32_t k = 0; k < n_coord; k++) f->slots[k] = &f->in[k];
  for (uint32_t j = 0; j < n_jet; j++)
    if (prp_dag_jet_node(ki->dag, j) == ki->u) f->slots[n_coord + j] = &f->in[n_coord];
}

static void point_fn_eval(point_fn *f, const double *x, double t, double u, double *out) {
  if (f->is_const) {
    memcpy(out, f->value, (size_t)f->n_out * sizeof *out);
    return;
  }
  static const double no_uniforms[1] = {0};
  for (int d = 0; d < f->nspace; d++) f->in[d] = x[d];
  f->in[f->time_index] = t;
  f->in[f->ncoords] = u;
  double *outputs[PRP_SIM_MAX_DIM];
  for (int o = 0; o < f->n_out; o++) outputs[o] = &out[o];
  f->kernel(1, f->slots, no_uniforms, outputs);
}

static double point_fn_scalar(point_fn *f, const double *x, double t, double u) {
  double v;
  point_fn_eval(f, x, t, u, &v);
  return v;
}

void prp_sim_compiled_free(sim_context *c) {
  if (!c) return;
  free(c->velocity.slots);
  free(c->source.slots);
  free(c->initial.slots);
  free(c->rate.slots);
  for (int d = 0; d < PRP_SIM_MAX_DIM; d++) free(c->face[d][0].slots), free(c->face[d][1].slots);
  free(c);
}

/* ---- the simulator's callbacks ---------------------------------------------------- */

static void velocity_cb(const double *x, double t, double *v, void *user) {
  point_fn_eval(&((sim_context *)user)->velocity, x, t, 0, v);
}
static double source_cb(const double *x, double t, double u, void *user) {
  return point_fn_scalar(&((sim_context *)user)->source, x, t, u);
}
static double initial_cb(const double *x, double t, void *user) {
  return point_fn_scalar(&((sim_context *)user)->initial, x, t, 0);
}
static double rate_cb(const double *x, double t, void *user) {
  return point_fn_scalar(&((sim_context *)user)->rate, x, t, 0);
}
/* One function per face: the simulator's boundary callbacks share one user pointer. */
static double face_cb(void *user, int d, int side, const double *x, double t) {
  return point_fn_scalar(&((sim_context *)user)->face[d][side], x, t, 0);
}
static double face_x_lo(const double *x, double t, void *user) { return face_cb(user, 0, 0, x, t); }
static double face_x_hi(const double *x, double t, void *user) { return face_cb(user, 0, 1, x, t); }
static double face_y_lo(const double *x, double t, void *user) { return face_cb(user, 1, 0, x, t); }
static double face_y_hi(const double *x, double t, void *user) { return face_cb(user, 1, 1, x, t); }
static double face_z_lo(const double *x, double t, void *user) { return face_cb(user, 2, 0, x, t); }
static double face_z_hi(const double *x, double t, void *user) { return face_cb(user, 2, 1, x, t); }
static const prp_sim_scalar_fn face_fns[PRP_SIM_MAX_DIM][2] = {
    {face_x_lo, face_x_hi}, {face_y_lo, face_y_hi}, {face_z_lo, face_z_hi}};

/* ---- conditions ------------------------------------------------------------------- */

/* A lowering in which the truth's `set` values replace the unknowns and constants. */
static prp_lowering *truth_lowering(const ast_program *prog, prp_dag *dag) {
  prp_lowering *l = prp_lowering_new(dag, prog);
  const ast_decl *truth = prog->problem.truth;
  for (int i = 0; i < truth->nitems; i++) {
    const ast_decl *item = truth->items[i];
    for (int a = 0; item->kind == DECL_OPTION && a < item->nassigns; a++)
      if (item->assigns[a].sym)
        prp_lowering_override(l, item->assigns[a].sym, prp_lower_expr(l, item->assigns[a].value, -1, 0));
  }
  return l;
}

/* The conditions as DAG nodes: u(x, t0), u_t(x, t0), and per face its kind and value. */
typedef struct conditions {
  prp_node initial, rate;
  prp_sim_bc_kind kind[PRP_SIM_MAX_DIM][2];
  prp_node value[PRP_SIM_MAX_DIM][2];
} conditions;

static int is_field_name(const ast_expr *e) { return e->kind == AST_NAME && e->sym && e->sym->kind == SYM_FIELD; }

/* Lowers the initial and boundary conditions through l; warns (diag not NULL) where the PDE
 * needs a condition the problem does not give (the simulation then starts from rest at 0). */
static void lower_conditions(const ast_program *prog, const prp_truth_pde *pde, prp_lowering *l, prp_diag *diag,
                             conditions *c) {
  const prp_problem *pb = &prog->problem;
  prp_dag *dag = pde->dag;
  prp_node zero = prp_const(dag, 0);
  c->initial = c->rate = zero;
  for (int d = 0; d < PRP_SIM_MAX_DIM; d++)
    for (int side = 0; side < 2; side++) c->kind[d][side] = PRP_SIM_BC_NEUMANN, c->value[d][side] = zero;
  int has_value = 0, has_rate = 0;
  for (int i = 0; i < pb->ninitials; i++) {
    const ast_decl *d = pb->initials[i];
    prp_node v = prp_lower_expr(l, d->rhs, -1, 0);
    if (is_field_name(d->lhs)) c->initial = v, has_value = 1;
    else c->rate = v, has_rate = 1;
  }
  for (int i = 0; i < pb->nboundaries; i++) {
    const ast_decl *d = pb->boundaries[i];
    prp_sim_bc_kind kind = is_field_name(d->lhs) ? PRP_SIM_BC_DIRICHLET : PRP_SIM_BC_NEUMANN;
    for (int f = 0; f < (d->nfaces ? d->nfaces : 2 * pb->nspace); f++) {
      int k = d->nfaces ? d->faces[f].coord_index : f / 2, upper = d->nfaces ? d->faces[f].upper : f % 2;
      c->kind[k][upper] = kind;
      c->value[k][upper] = prp_lower_expr(l, d->rhs, k, upper);
    }
  }
  const char *u = pb->field->name;
  if (!diag) return;
  if (!has_value)
    prp_warning(diag, pde->decl->loc, "no 'initial %s = ...': the truth simulation starts from %s = 0", u, u);
  if (pde->a2 && !has_rate)
    prp_warning(diag, pde->decl->loc, "the truth PDE is second order in time and there is no 'initial dt(%s) = ...': "
                "the truth simulation starts with dt(%s) = 0", u, u);
}

/* ---- the simulator's problem --------------------------------------------------------- */

prp_sim_compiled *prp_sim_compile(const ast_program *prog, prp_jit *jit, const prp_truth_pde *pde,
                                  prp_lowering *conditions_lowering, const int *grid, prp_diag *diag, prp_sim_problem *p) {
  const prp_problem *pb = &prog->problem;
  sim_context *ctx = prp_xcalloc(1, sizeof *ctx);
  PRP_ASSERT(ctx);
  conditions c;
  lower_conditions(prog, pde, conditions_lowering, diag, &c);
  kernel_inputs ki = {jit, pde->dag, pb, pde->u};
  memset(p, 0, sizeof *p);
  p->dim = pb->nspace;
  for (int d = 0; d < pb->nspace; d++) {
    p->lo[d] = pb->lo[d], p->hi[d] = pb->hi[d], p->n[d] = grid[d];
    p->diffusivity[d] = pde->diffusivity[d];
  }
  p->t0 = pb->lo[pb->time_index], p->t1 = pb->hi[pb->time_index];
  p->a2 = pde->a2, p->a1 = pde->a1;
  p->user = ctx;
  if (pde->has_velocity) {
    compile_point_fn(&ki, pde->velocity, pb->nspace, "prp_truth_velocity", &ctx->velocity);
    p->velocity = velocity_cb;
    p->velocity_steady = pde->velocity_steady;
  }
  if (!prp_node_is_const(pde->dag, pde->source, 0)) {
    compile_point_fn(&ki, &pde->source, 1, "prp_truth_source", &ctx->source);
    p->source = source_cb;
  }
  compile_point_fn(&ki, &c.initial, 1, "prp_truth_initial", &ctx->initial);
  p->initial = initial_cb;
  if (pde->a2 && !prp_node_is_const(pde->dag, c.rate, 0)) {
    compile_point_fn(&ki, &c.rate, 1, "prp_truth_rate", &ctx->rate);
    p->initial_rate = rate_cb;
  }
  for (int d = 0; d < pb->nspace; d++)
    for (int side = 0; side < 2; side++) {
      p->bc[d][side].kind = c.kind[d][side];
      if (prp_node_is_const(pde->dag, c.value[d][side], 0)) continue;
      char name[48];
      snprintf(name, sizeof name, "prp_truth_face_%d_%s", d, side ? "hi" : "lo");
      compile_point_fn(&ki, &c.value[d][side], 1, name, &ctx->face[d][side]);
      p->bc[d][side].value = face_fns[d][side];
    }
  return ctx;
}

/* The grid and the layout, or a located error. */
static int check_settings(const ast_program *prog, const prp_truth_settings *set, const prp_simulate_options *opt,
                          prp_diag *diag, int *grid) {
  const prp_problem *pb = &prog->problem;
  for (int d = 0; d < pb->nspace; d++) {
    grid[d] = opt->grid[d] > 0 ? opt->grid[d] : set->grid[d];
    if (grid[d] < 5) {
      prp_error(diag, set->grid_loc, "the truth simulator needs at least 5 grid nodes along each space coordinate; "
                "'%s' has %d", pb->coords[d]->name, grid[d]);
      return PRP_EXIT_INPUT;
    }
  }
  if (!set->sensors) {
    prp_error(diag, pb->truth->loc, "the truth block needs a sensor layout, as 'sensors x = 0.1 .. 0.9 count 5, t = 0 .. 1 count 10'");
    return PRP_EXIT_INPUT;
  }
  return 0;
}

/* Runs the simulator over the observation points (and frames) already in out. */
static int run(const ast_program *prog, const prp_sim_problem *p, const prp_simulate_options *opt,
               const prp_truth_settings *set, prp_diag *diag, prp_observations *out) {
  size_t n = out->n, nc = (size_t)out->ncoords, ns = (size_t)out->nspace;
  double *x = prp_xcalloc(n * ns, sizeof *x), *t = prp_xcalloc(n, sizeof *t);
  for (size_t i = 0; i < n; i++) {
    memcpy(&x[i * ns], &out->coords[i * nc], ns * sizeof *x);
    t[i] = out->coords[i * nc + ns];
  }
  out->u = prp_xcalloc(n, sizeof *out->u);
  out->u_clean = prp_xcalloc(n, sizeof *out->u_clean);
  prp_sim_request req = {.n_sensors = n, .sensor_x = x, .sensor_t = t, .sensor_u = out->u_clean,
                         .n_frames = out->n_frames, .frame_t = out->frame_t, .frame_u = out->frame_u};
  char *err = prp_sim_run(p, &opt->sim, &req, &out->stats);
  free(x);
  free(t);
  if (err) {
    const char *why = strncmp(err, "simulate: ", 10) == 0 ? err + 10 : err;
    prp_error(diag, prog->problem.truth->loc, "the truth simulation failed: %s", why);
    free(err);
    return PRP_EXIT_RUNTIME;
  }
  memcpy(out->u, out->u_clean, n * sizeof *out->u);
  out->seed = set->seed;
  out->noise_std = set->noise == PRP_SIM_NOISE_NONE ? 0 : prp_sim_add_noise(out->u, n, set->noise, set->noise_level, set->seed);
  return 0;
}

static void setup_frames(const prp_sim_problem *p, size_t n_frames, prp_observations *out) {
  out->frame_points = prp_sim_points(p);
  for (int d = 0; d < p->dim; d++) out->grid[d] = p->n[d], out->lo[d] = p->lo[d], out->hi[d] = p->hi[d];
  if (!n_frames) return;
  out->n_frames = n_frames;
  out->frame_t = prp_xcalloc(n_frames, sizeof *out->frame_t);
  out->frame_u = prp_xcalloc(n_frames * out->frame_points, sizeof *out->frame_u);
  for (size_t k = 0; k < n_frames; k++)
    out->frame_t[k] = n_frames == 1 || k + 1 == n_frames ? p->t1 : p->t0 + (p->t1 - p->t0) * (double)k / (double)(n_frames - 1);
}

int prp_simulate_truth_with(const ast_program *prog, prp_jit *jit, const prp_simulate_options *options,
                            prp_diag *diag, prp_observations *out) {
  static const prp_simulate_options defaults = {0};
  const prp_simulate_options *opt = options ? options : &defaults;
  memset(out, 0, sizeof *out);
  prp_truth_pde pde;
  int rc = prp_truth_pde_extract(prog, diag, &pde);
  prp_truth_settings set;
  int grid[PRP_SIM_MAX_DIM] = {0};
  if (!rc) prp_truth_settings_read(prog, &set);
  if (!rc) rc = check_settings(prog, &set, opt, diag, grid);
  if (rc) {
    prp_truth_pde_free(&pde);
    return rc;
  }
  prp_sim_problem p;
  prp_lowering *truth = truth_lowering(prog, pde.dag);
  sim_context *ctx = prp_sim_compile(prog, jit, &pde, truth, grid, diag, &p);
  prp_lowering_free(truth);
  out->nspace = prog->problem.nspace;
  out->ncoords = prog->problem.ncoords;
  prp_sensor_layout_points(prog, set.sensors, &out->coords, &out->n);
  setup_frames(&p, opt->n_frames, out);
  rc = run(prog, &p, opt, &set, diag, out);
  prp_sim_compiled_free(ctx);
  prp_truth_pde_free(&pde);
  return rc;
}

/* On a terminal, a simulation that runs longer than a second shows how far it got. */
typedef struct {
  double start, last;
  int shown;
} sim_progress;

static void show_progress(void *ctx, double t, double t0, double t1) {
  sim_progress *sp = ctx;
  double now = prp_now();
  if (now - sp->start < 1.0 || now - sp->last < 0.25) return;
  sp->last = now;
  sp->shown = 1;
  fprintf(stderr, "\rsimulating the truth: %3.0f%% (t = %.4g of %.4g, %.0f s)", 100 * (t - t0) / (t1 - t0), t, t1,
          now - sp->start);
  fflush(stderr);
}

int prp_simulate_truth(const ast_program *prog, prp_jit *jit, prp_diag *diag, prp_observations *out) {
  if (!isatty(fileno(stderr))) return prp_simulate_truth_with(prog, jit, NULL, diag, out);
  sim_progress sp = {.start = prp_now()};
  prp_simulate_options opt = {.n_frames = 0};
  opt.sim.progress = show_progress;
  opt.sim.progress_ctx = &sp;
  int rc = prp_simulate_truth_with(prog, jit, &opt, diag, out);
  if (sp.shown) fprintf(stderr, "\r\033[K");
  return rc;
}

void prp_observations_free(prp_observations *obs) {
  if (!obs) return;
  free(obs->coords);
  free(obs->u);
  free(obs->u_clean);
  free(obs->frame_t);
  free(obs->frame_u);
  memset(obs, 0, sizeof *obs);
}
