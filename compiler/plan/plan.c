/* Training plan: the residual terms as JIT kernels and the runtime problem
 * description; see plan.h. */
#include "plan.h"
#include "util.h"
#include "check.h"
#include "codegen.h"
#include "csv.h"
#include "train_options.h"
#include "train_serialize.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading options from the AST --------------------------------------------- */

static int has_word(const ast_option *o, const char *w) {
  for (int i = 0; o && i < o->nargs; i++)
    if (o->args[i].kind == ARG_WORD && strcmp(o->args[i].text, w) == 0) return 1;
  return 0;
}

/* The train block's lines through the option table, then the command line's overrides. */
static void train_options(const ast_program *prog, const prp_plan_options *opt, prp_train_problem *tp) {
  const ast_decl *t = prog->problem.train;
  prp_train_options_apply(t, tp);
  if (opt->epochs > 0) tp->epochs = (int)opt->epochs;
  if (opt->epochs > 0 && !prp_train_line(t, "log")) tp->log_every = prp_train_log_every_auto(tp->epochs);
  if (opt->seed >= 0) tp->seed = (uint64_t)opt->seed;
  if (opt->no_refine) tp->refine_steps = 0;
  tp->quiet = opt->quiet;
  if (opt->restarts > 0) tp->restarts = (int)opt->restarts;
  tp->restart_workers = (int)opt->restart_workers;
  if (opt->precision == 32) tp->single = 1;
  if (opt->precision == 64) tp->single = 0;
}

static double term_weight(const ast_program *prog, prp_term_kind kind) {
  static const char *names[] = {"residual", "initial", "boundary", "data"};
  return prp_train_key_value(prog->problem.train, prp_train_key_find("weights", names[kind]));
}

/* ---- network ------------------------------------------------------------------- */

static void network_shape(const ast_program *prog, prp_train_problem *tp) {
  const prp_problem *pb = &prog->problem;
  prp_mlp_shape *s = &tp->net;
  memset(s, 0, sizeof *s);
  s->n_inputs = pb->ncoords;
  for (int k = 0; k < pb->ncoords; k++) { s->lo[k] = pb->lo[k]; s->hi[k] = pb->hi[k]; }
  const ast_decl *n = pb->network;
  if (!n) {
    s->n_hidden = 3;
    s->widths[0] = s->widths[1] = s->widths[2] = 64;
    return;
  }
  for (int i = 0; i < n->nwidths && i < PRP_MLP_MAX_HIDDEN; i++) {
    double w = 64;
    prp_const_eval(n->widths[i], &w);
    s->widths[s->n_hidden++] = (int)w;
  }
  const ast_option *o = &n->options[0];
  for (int i = 0; i + 1 < o->nargs; i++)
    if (o->args[i].kind == ARG_WORD && strcmp(o->args[i].text, "scaling") == 0 && o->args[i + 1].kind == ARG_WORD &&
        strcmp(o->args[i + 1].text, "none") == 0)
      for (int k = 0; k < pb->ncoords; k++) { s->lo[k] = -1; s->hi[k] = 1; }   /* the identity map */
  s->activation = has_word(o, "sin") ? PRP_ACT_SIN : has_word(o, "sigmoid") ? PRP_ACT_SIGMOID
                : has_word(o, "softplus") ? PRP_ACT_SOFTPLUS : PRP_ACT_TANH;
}

/* ---- unknowns ------------------------------------------------------------------- */

static double truth_value(const ast_program *prog, const ast_symbol *sym) {
  const ast_decl *truth = prog->problem.truth;
  for (int i = 0; truth && i < truth->nitems; i++) {
    const ast_decl *item = truth->items[i];
    for (int k = 0; k < item->nassigns; k++) {
      double v;
      if (item->assigns[k].sym == sym && prp_const_eval(item->assigns[k].value, &v)) return v;
    }
  }
  return NAN;
}

static void unknowns(const ast_program *prog, prp_train_problem *tp) {
  const prp_problem *pb = &prog->problem;
  tp->n_unknowns = pb->nunknowns;
  for (int k = 0; k < pb->nunknowns; k++) {
    const ast_decl *d = pb->unknowns[k]->decl;
    prp_train_unknown *u = &tp->unknowns[k];
    u->name = d->name;
    prp_const_eval(d->value, &u->guess);
    u->lo = -INFINITY;
    u->hi = INFINITY;
    if (d->lo) { prp_const_eval(d->lo, &u->lo); prp_const_eval(d->hi, &u->hi); }
    u->transform = d->lo ? PRP_TRANSFORM_BOUNDED : PRP_TRANSFORM_IDENTITY;
    if (d->transform && strcmp(d->transform, "positive") == 0) u->transform = PRP_TRANSFORM_POSITIVE;
    if (d->transform && strcmp(d->transform, "identity") == 0) u->transform = PRP_TRANSFORM_IDENTITY;
    u->truth = truth_value(prog, pb->unknowns[k]);
  }
}

/* --guess NAME=VALUE: a new initial guess, checked against the unknown's bounds. */
static int override_guesses(const prp_plan_options *opt, prp_train_problem *tp, prp_diag *diag) {
  for (int i = 0; i < opt->nguesses; i++) {
    char *err = prp_train_set_guess(tp, opt->guesses[i]);
    if (err) {
      prp_error_plain(diag, "%s", err);
      free(err);
      return PRP_PLAN_BAD_OPTION;
    }
  }
  return 0;
}

/* ---- schedules ------------------------------------------------------------------ */

static void schedule(const ast_schedule *s, int epochs, prp_schedule *out) {
  memset(out, 0, sizeof *out);
  out->name = s->var;
  out->from = s->from_value;
  out->to = s->to_value;
  out->until = s->until_percent ? s->until / 100 : s->until / (epochs > 0 ? epochs : 1);
  if (s->npw) {
    out->shape = PRP_SHAPE_PIECEWISE;
    for (int i = 0; i < s->npw && i < 16; i++) {
      out->at[i] = s->pw[i].percent ? s->pw[i].at / 100 : s->pw[i].at / (epochs > 0 ? epochs : 1);
      prp_const_eval(s->pw[i].value, &out->value[i]);
      out->npoints++;
    }
    return;
  }
  if (s->shape_fn) {
    out->shape = PRP_SHAPE_TABLE;
    for (int i = 0; i <= 256; i++) {
      double p = i / 256.0;
      prp_eval_function(s->shape_fn, &p, 1, &out->table[i]);
    }
    return;
  }
  const char *sh = s->shape ? s->shape : "linear";
  out->shape = strcmp(sh, "cosine") == 0 ? PRP_SHAPE_COSINE : strcmp(sh, "exp") == 0 ? PRP_SHAPE_EXP
             : strcmp(sh, "step") == 0 ? PRP_SHAPE_STEP : PRP_SHAPE_LINEAR;
}

static void relaxation(const prp_residuals *r, prp_train_problem *tp) {
  tp->relaxed = r->relaxed;
  tp->n_scalars = r->nscalars;
  if (r->smoothing) { schedule(r->smoothing, tp->epochs, &tp->schedules[PRP_SCALAR_EPS]); tp->has_schedule[PRP_SCALAR_EPS] = 1; }
  if (r->nudging) { schedule(r->nudging, tp->epochs, &tp->schedules[PRP_SCALAR_ETA]); tp->has_schedule[PRP_SCALAR_ETA] = 1; }
  for (int i = 0; i < r->ndilated; i++) {
    schedule(r->dilated[i].schedule, tp->epochs, &tp->schedules[PRP_SCALAR_DILATED + i]);
    tp->has_schedule[PRP_SCALAR_DILATED + i] = 1;
  }
  tp->nudge_width = r->nudge_width;
  tp->source_width_scalar = r->ndilated > 0 ? PRP_SCALAR_DILATED : -1;
}

/* ---- terms and kernels ------------------------------------------------------------ */

static void jet_kind(const prp_jet *j, int *kind, int *a, int *b) {
  *a = *b = -1;
  if (j->lap_mask) { *kind = 3; return; }
  int order = 0;
  for (int k = 0; k < PRP_MAX_INPUTS; k++)
    for (int i = 0; i < j->order[k]; i++) {
      if (order == 0) *a = k; else *b = k;
      order++;
    }
  *kind = order;
}

static const char *term_name(const ast_program *prog, const prp_residual_term *t, char *buf, size_t len) {
  const prp_problem *pb = &prog->problem;
  switch (t->kind) {
  case PRP_TERM_PDE: return "residual";
  case PRP_TERM_INITIAL: snprintf(buf, len, "initial_line%d", t->decl->loc.line); break;
  case PRP_TERM_BOUNDARY:
    snprintf(buf, len, "boundary_%s%s", pb->coords[t->coord]->name, t->upper ? "_hi" : "_lo");
    break;
  default: return "data";
  }
  return buf;
}

/* Jets and network columns of one term, and its JIT-compiled kernel. */
static int compile_term(const ast_program *prog, prp_jit *jit, const prp_plan *plan, const prp_kernel_spec *spec,
                        const prp_residual_term *t, prp_train_term *out, prp_diag *diag) {
  const prp_residuals *r = &plan->residuals;
  char err[512];
  void *kernel = prp_codegen_jit(jit, spec, err, sizeof err);
  if (!kernel) prp_internal_error("cannot compile the %s kernel: %s", out->name, err);
  if (spec->type == PRP_ELEM_F32) out->kernel_f32 = (prp_train_kernel_f32)kernel;
  else out->kernel = (prp_train_kernel_f64)kernel;
  out->n_jets = t->jets.n;
  for (int j = 0; j < t->jets.n; j++) {
    out->jet_slot[j] = (int)spec->layout.n_coord + (int)prp_node_var(r->dag, t->jets.nodes[j])->index;
    jet_kind(&t->jets.jets[j], &out->jet_kind[j], &out->jet_a[j], &out->jet_b[j]);
  }
  prp_jet_columns cols;
  if (prp_jet_set_columns(&t->jets, &cols) != 0) {
    prp_error(diag, t->decl ? t->decl->loc : prog->problem.pde->loc, "this term needs derivatives of order above 2");
    return -1;
  }
  out->spec.first = cols.first;
  out->spec.n_second = cols.n_second;
  memcpy(out->spec.second, cols.second, sizeof cols.second);
  out->spec.lap = cols.lap;
  return 0;
}

/* One loss term per kernel of the backend's kernel plan (hard conditions have none). */
static int build_terms(const ast_program *prog, prp_jit *jit, prp_plan *plan, prp_diag *diag) {
  prp_train_problem *tp = &plan->problem;
  const prp_residuals *r = &plan->residuals;
  prp_kernel_plan_build(r, tp->single ? PRP_ELEM_F32 : PRP_ELEM_F64, &plan->kernels);
  if (plan->kernels.n > PRP_TRAIN_MAX_TERMS) {
    prp_error(diag, prog->problem.pde->loc, "too many loss terms (%zu; at most %d)", plan->kernels.n, PRP_TRAIN_MAX_TERMS);
    return -1;
  }
  for (size_t k = 0; k < plan->kernels.n; k++) {
    const prp_residual_term *t = &r->terms[plan->kernels.term[k]];
    prp_train_term *out = &tp->terms[tp->n_terms];
    out->kind = (prp_train_term_kind)t->kind;
    out->name = term_name(prog, t, plan->term_names[tp->n_terms], sizeof plan->term_names[0]);
    out->coord = t->coord;
    out->upper = t->upper;
    out->weight = term_weight(prog, t->kind);
    if (compile_term(prog, jit, plan, &plan->kernels.specs[k], t, out, diag) != 0) return -1;
    tp->n_terms++;
  }
  tp->n_coord_slots = plan->kernels.n ? (int)plan->kernels.specs[0].layout.n_coord : PRP_MAX_INPUTS;
  tp->n_kernel_jets = (int)prp_dag_jet_count(r->dag);
  tp->n_pointdata = PRP_POINT_COUNT;
  tp->nudge_obs_slot = r->eta != PRP_NODE_NONE ? PRP_POINT_NUDGE_OBS : -1;
  tp->nudge_w_slot = PRP_POINT_NUDGE_W;
  tp->u_obs_slot = PRP_POINT_U_OBS;
  return 0;
}

/* ---- the plan ---------------------------------------------------------------------- */

static void domain(const ast_program *prog, prp_train_problem *tp) {
  const prp_problem *pb = &prog->problem;
  tp->n_inputs = pb->ncoords;
  tp->n_space = pb->nspace;
  tp->time_index = pb->has_time ? pb->time_index : -1;
  for (int k = 0; k < pb->ncoords; k++) {
    tp->lo[k] = pb->lo[k];
    tp->hi[k] = pb->hi[k];
    tp->coord_names[k] = pb->coords[k]->name;
  }
  tp->field_name = pb->field->name;
  tp->problem_name = pb->name ? pb->name : "problem";
}

static char *output_dir(const ast_program *prog, const prp_plan_options *opt) {
  if (opt->output) return prp_xstrdup(opt->output);
  const ast_option *o = prp_train_line(prog->problem.train, "output");
  if (o && o->nargs > 0 && o->args[0].kind == ARG_STRING) return prp_xstrdup(o->args[0].text);
  char buf[512];
  snprintf(buf, sizeof buf, "results/%s%s", prog->problem.name ? prog->problem.name : "problem",
           opt->relax ? "" : "-vanilla");
  return prp_xstrdup(buf);
}

double prp_plan_output_scale(size_t n, const double *u) {
  double m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(u[i]) && fabs(u[i]) > m) m = fabs(u[i]);
  return m > 1e-12 && m < 1e12 ? m : 1;
}

int prp_plan_compile(const ast_program *prog, prp_jit *jit, const prp_plan_options *opt, prp_diag *diag,
                     size_t n_obs, const double *obs_x, const double *obs_u, prp_plan *plan) {
  memset(plan, 0, sizeof *plan);
  prp_train_problem *tp = &plan->problem;
  plan->output_scale = prp_plan_output_scale(n_obs, obs_u);
  prp_residuals_build_scaled(prog, opt->relax, plan->output_scale, &plan->residuals);
  const prp_output_transform *tr = &plan->residuals.transform;
  if (tr->conflict) {
    prp_error(diag, tr->conflict->loc, "hard conditions are built into the network as u = g + m * N, so their right sides must agree");
    prp_note(diag, tr->first->loc, "this hard condition has another right side; make one of them soft");
    prp_plan_free(plan);
    return -1;
  }
  domain(prog, tp);
  train_options(prog, opt, tp);
  network_shape(prog, tp);
  unknowns(prog, tp);
  relaxation(&plan->residuals, tp);
  int rc = override_guesses(opt, tp, diag);
  if (rc != 0 || build_terms(prog, jit, plan, diag) != 0) {
    prp_plan_free(plan);
    return rc ? rc : -1;
  }
  size_t nx = n_obs * (size_t)prog->problem.ncoords;
  plan->obs_x = prp_xmalloc(nx + 1, sizeof(double));
  plan->obs_u = prp_xmalloc(n_obs + 1, sizeof(double));
  if (n_obs) {
    memcpy(plan->obs_x, obs_x, nx * sizeof(double));
    memcpy(plan->obs_u, obs_u, n_obs * sizeof(double));
  }
  tp->n_obs = n_obs;
  tp->noise_std = NAN;
  tp->obs_x = plan->obs_x;
  tp->obs_u = plan->obs_u;
  plan->output_dir = output_dir(prog, opt);
  tp->output_dir = plan->output_dir;
  return 0;
}

int prp_plan_build(const ast_program *prog, prp_jit *jit, const prp_plan_options *opt, prp_diag *diag, prp_plan *plan) {
  size_t n = 0;
  double *x = NULL, *u = NULL, noise_std;
  if (prp_plan_observations_noise(prog, jit, diag, &n, &x, &u, &noise_std) != 0) return -1;
  int rc = prp_plan_compile(prog, jit, opt, diag, n, x, u, plan);
  if (rc == 0) plan->problem.noise_std = noise_std;
  free(x);
  free(u);
  return rc;
}

void prp_plan_free(prp_plan *plan) {
  prp_kernel_plan_free(&plan->kernels);
  prp_residuals_free(&plan->residuals);
  free(plan->output_dir);
  free(plan->obs_x);
  free(plan->obs_u);
  memset(plan, 0, sizeof *plan);
}
