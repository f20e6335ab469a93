/* The REPL's training state: one prp_train_session and its Adam moments kept
 * alive between commands, so `train N` continues where the last one stopped
 * (the same epochs as one `prpc run`); plus what reads that state: losses,
 * unknowns, the field at points, saved states and plots. */
#include "repl_state.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "plot.h"
#include "optim.h"
#include "progress.h"
#include "state_io.h"
#include "train_internal.h"

/* ---- history --------------------------------------------------------------------- */

void repl_history_free(repl_history *h) {
  for (size_t c = 0; c < h->ncols; c++) free(h->names[c]);
  free(h->names);
  free(h->rows);
  memset(h, 0, sizeof *h);
}

static void add_name(repl_history *h, const char *name) {
  h->names = prp_xrealloc(h->names, (h->ncols + 1) * sizeof *h->names, 1);
  h->names[h->ncols++] = prp_xstrdup(name);
}

/* The columns of the current plan; the rows so far are kept if they match. */
static void history_columns(prp_repl *r) {
  const prp_train_problem *pb = &r->plan->problem;
  repl_history h = {0};
  add_name(&h, "epoch");
  add_name(&h, "loss");
  for (int i = 0; i < pb->n_terms; i++) add_name(&h, pb->terms[i].name);
  for (int u = 0; u < pb->n_unknowns; u++) add_name(&h, pb->unknowns[u].name);
  for (int k = 0; k < pb->n_scalars; k++)
    if (pb->has_schedule[k]) { add_name(&h, pb->schedules[k].name); h.n_relax++; }
  h.n_terms = pb->n_terms;
  h.n_unknowns = pb->n_unknowns;
  int same = h.ncols == r->hist.ncols;
  for (size_t c = 0; same && c < h.ncols; c++) same = strcmp(h.names[c], r->hist.names[c]) == 0;
  if (same) {
    repl_history_free(&h);
    return;
  }
  repl_history_free(&r->hist);
  r->hist = h;
}

static void record(prp_repl *r, long epoch, double loss) {
  repl_history *h = &r->hist;
  prp_train_session *s = r->session;
  if (h->n == h->cap) {
    h->cap = h->cap ? 2 * h->cap : 256;
    h->rows = prp_xrealloc(h->rows, h->cap * h->ncols * sizeof(double), 1);
  }
  double *row = h->rows + h->n++ * h->ncols;
  size_t c = 0;
  row[c++] = (double)epoch;
  row[c++] = loss;
  for (int i = 0; i < h->n_terms; i++) row[c++] = s->term_loss[i];
  for (int u = 0; u < h->n_unknowns; u++) row[c++] = s->uniforms[u];
  const prp_train_problem *pb = &r->plan->problem;
  for (int k = 0; k < pb->n_scalars; k++)
    if (pb->has_schedule[k]) row[c++] = s->scalars[k];
}

/* ---- the session --------------------------------------------------------------- */

static int same_network(const prp_train_problem *a, const prp_train_problem *b) {
  if (a->net.n_inputs != b->net.n_inputs || a->net.n_hidden != b->net.n_hidden || a->net.activation != b->net.activation)
    return 0;
  for (int l = 0; l < a->net.n_hidden; l++)
    if (a->net.widths[l] != b->net.widths[l]) return 0;
  return 1;
}

/* The value of unknown u of a session's problem now. */
static double unknown_now(const prp_train_session *s, int u) {
  double d;
  return prp_unknown_value(&s->pb->unknowns[u], s->x[s->net.n_params + (size_t)u], &d);
}

static void carry_over(prp_repl *r, prp_train_session *s, const prp_train_session *old, const char *reset_unknown) {
  const prp_train_problem *pb = s->pb, *opb = old->pb;
  if (same_network(pb, opb)) memcpy(s->x, old->x, s->net.n_params * sizeof(double));
  else fprintf(r->out, "the network changed shape: its weights start afresh from seed %llu\n", (unsigned long long)pb->seed);
  for (int u = 0; u < pb->n_unknowns; u++) {
    if (reset_unknown && strcmp(pb->unknowns[u].name, reset_unknown) == 0) continue;
    for (int j = 0; j < opb->n_unknowns; j++)
      if (strcmp(opb->unknowns[j].name, pb->unknowns[u].name) == 0)
        s->x[s->net.n_params + (size_t)u] = prp_unknown_raw(&pb->unknowns[u], unknown_now(old, j));
  }
}

static void optimizer_start(prp_repl *r) {
  size_t n = prp_train_session_size(r->session);
  prp_adam_free(&r->adam);
  prp_adam_init(&r->adam, n, 0.9, 0.999, 1e-8);
  prp_adam_set_group(&r->adam, r->session->net.n_params, n);
  free(r->grad);
  free(r->last_good);
  r->grad = prp_xcalloc(n, sizeof(double));
  r->last_good = prp_xmalloc(n * sizeof(double), 1);
  memcpy(r->last_good, r->session->x, n * sizeof(double));
}

/* Progress p of the schedules after `epoch` epochs of the plan's total. */
static double progress_at(const prp_train_problem *pb, long epoch) {
  if (pb->epochs <= 0) return 1;
  double p = (double)epoch / pb->epochs;
  return p < 1 ? p : 1;
}

/* Losses, unknowns and relaxation values at the current parameters. */
static double evaluate(prp_repl *r) {
  prp_train_session *s = r->session;
  prp_train_session_set_progress(s, progress_at(s->pb, r->epoch));
  return prp_train_session_loss_grad(s, s->x, r->grad);
}

double repl_current_loss(prp_repl *r) { return evaluate(r); }
double repl_unknown_now(const prp_repl *r, int u) { return unknown_now(r->session, u); }

int repl_session_start(prp_repl *r, prp_train_session *old, const char *reset_unknown) {
  char *err = NULL;
  prp_train_session *s = prp_train_session_new(&r->plan->problem, &err);
  if (!s) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  if (old) carry_over(r, s, old, reset_unknown);
  else r->epoch = 0;
  r->session = s;
  optimizer_start(r);
  history_columns(r);
  if (!old) r->hist.n = 0;   /* a fresh start has no past */
  evaluate(r);
  return 0;
}

void repl_session_stop(prp_repl *r) {
  prp_train_session_free(r->session);
  r->session = NULL;
  prp_adam_free(&r->adam);
  free(r->grad);
  free(r->last_good);
  r->grad = r->last_good = NULL;
  repl_history_free(&r->hist);
}

void repl_reset(prp_repl *r) {
  prp_train_session *old = r->session;
  r->session = NULL;
  if (repl_session_start(r, NULL, NULL) != 0) {
    r->session = old;
    return;
  }
  prp_train_session_free(old);
  fprintf(r->out, "reset: a new network from seed %llu, unknowns at their guesses, epoch 0\n",
          (unsigned long long)r->plan->problem.seed);
}

/* ---- training ----------------------------------------------------------------------- */

static double rate_at(const prp_train_problem *pb, long epoch, double base) {
  if (pb->lr_every <= 0 || pb->lr_decay <= 0) return base;
  return base * pow(pb->lr_decay, (double)(epoch / pb->lr_every));
}

static int all_finite(const double *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) return 0;
  return 1;
}

static void show_progress(prp_repl *r, prp_progress *pr, long done, double loss, const char *final) {
  const prp_train_problem *pb = &r->plan->problem;
  prp_train_session *s = r->session;
  prp_named_value losses[1 + PRP_TRAIN_MAX_TERMS], unknowns[PRP_TRAIN_MAX_UNKNOWNS], relax[PRP_TRAIN_MAX_SCALARS];
  losses[0] = (prp_named_value){"loss", loss};
  for (int i = 0; i < pb->n_terms; i++) losses[1 + i] = (prp_named_value){pb->terms[i].name, s->term_loss[i]};
  for (int u = 0; u < pb->n_unknowns; u++) unknowns[u] = (prp_named_value){pb->unknowns[u].name, s->uniforms[u]};
  int nrelax = 0;
  for (int k = 0; k < pb->n_scalars; k++)
    if (pb->has_schedule[k]) relax[nrelax++] = (prp_named_value){pb->schedules[k].name, s->scalars[k]};
  prp_progress_state st = {(size_t)done, losses, 1 + (size_t)pb->n_terms, unknowns, (size_t)pb->n_unknowns,
                           relax, (size_t)nrelax};
  if (final) prp_progress_finish(pr, &st, final);
  else prp_progress_update(pr, &st);
}

/* The declaration a loss term comes from, to locate a NaN. */
static prp_loc term_loc(const prp_repl *r, int term) {
  const prp_residual_term *t = &r->plan->residuals.terms[r->plan->kernels.term[term]];
  if (t->decl) return t->decl->loc;
  const prp_problem *pb = &r->prog->problem;
  return pb->sensors ? pb->sensors->loc : pb->truth ? pb->truth->loc : pb->pde->loc;
}

static void report_not_finite(prp_repl *r, double loss, long epoch) {
  prp_train_session *s = r->session;
  int bad = -1;
  for (int i = 0; i < s->pb->n_terms && bad < 0; i++)
    if (!isfinite(s->term_loss[i])) bad = i;
  const char *what = isfinite(loss) ? "the gradient" : "the loss";
  if (bad >= 0)
    prp_error(&r->diag, term_loc(r, bad), "%s is not finite at epoch %ld, in the %s term; the last finite state is kept",
              what, epoch + 1, s->pb->terms[bad].name);
  else
    repl_error(r, "%s is not finite at epoch %ld; the last finite state is kept", what, epoch + 1);
}

int repl_train(prp_repl *r, long n) {
  prp_train_session *s = r->session;
  const prp_train_problem *pb = &r->plan->problem;
  size_t size = prp_train_session_size(s);
  prp_progress pr;
  prp_progress_init(&pr, r->err, (size_t)(r->epoch + n), (size_t)r->epoch, (size_t)(n / 20 > 0 ? n / 20 : 1));
  double start = prp_now(), loss = NAN;
  int status = 0;
  long first = r->epoch;
  prp_interrupt_clear();
  prp_interrupt_install();
  for (long k = 0; k < n; k++) {
    long epoch = r->epoch;
    prp_train_session_set_progress(s, progress_at(pb, epoch));
    if (pb->resample_every > 0 && epoch > 0 && epoch % pb->resample_every == 0) prp_train_session_resample(s);
    loss = prp_train_session_loss_grad(s, s->x, r->grad);
    if (!isfinite(loss) || !all_finite(r->grad, size)) {
      report_not_finite(r, loss, epoch);
      memcpy(s->x, r->last_good, size * sizeof(double));
      status = -1;
      break;
    }
    memcpy(r->last_good, s->x, size * sizeof(double));
    if (epoch % (pb->log_every > 0 ? pb->log_every : 1) == 0 || k + 1 == n) record(r, epoch, loss);
    if (r->interactive) show_progress(r, &pr, (size_t)(epoch + 1), loss, NULL);
    double lr_unknowns = prp_train_unknowns_rate(pb, epoch, rate_at(pb, epoch, pb->lr_unknowns));
    prp_adam_step(&r->adam, s->x, r->grad, rate_at(pb, epoch, pb->lr), lr_unknowns);
    r->epoch++;
    if (prp_interrupt_requested()) {
      status = 1;
      break;
    }
  }
  prp_interrupt_restore();
  prp_interrupt_clear();
  if (r->interactive && r->epoch > first)
    show_progress(r, &pr, (size_t)r->epoch, loss, status == 1 ? "interrupted" : status < 0 ? "not finite" : "done");
  fprintf(r->out, "%s at epoch %ld of %d", status == 1 ? "interrupted" : status < 0 ? "stopped" : "trained",
          r->epoch, pb->epochs);
  if (r->interactive) fprintf(r->out, " (%ld epochs in %.1f s)", r->epoch - first, prp_now() - start);
  fprintf(r->out, "\n");
  repl_show_state(r, "losses");
  repl_show_state(r, "unknowns");
  return status;
}

/* ---- L-BFGS after Adam ------------------------------------------------------------------ */

static double polish_loss(void *ctx, const double *x, double *grad) {
  prp_repl *r = ctx;
  return prp_train_session_loss_grad(r->session, x, grad);
}

static int polish_progress(void *ctx, int iteration, double f, const double *x, const double *g) {
  (void)ctx; (void)iteration; (void)f; (void)x; (void)g;
  return prp_interrupt_requested();
}

int repl_polish(prp_repl *r, long iterations) {
  prp_train_session *s = r->session;
  prp_train_session_set_progress(s, 1.0);   /* L-BFGS polishes the physical problem */
  prp_lbfgs_options opt;
  prp_lbfgs_default_options(&opt);
  opt.max_iterations = (int)iterations;
  opt.progress = polish_progress;
  opt.progress_ctx = r;
  prp_interrupt_clear();
  prp_interrupt_install();
  prp_lbfgs_result res = prp_lbfgs_minimize(prp_train_session_size(s), s->x, polish_loss, r, &opt);
  prp_interrupt_restore();
  prp_interrupt_clear();
  fprintf(r->out, "L-BFGS: %s after %d iteration%s\n", prp_lbfgs_status_name(res.status), res.iterations,
          res.iterations == 1 ? "" : "s");
  repl_show_state(r, "losses");
  repl_show_state(r, "unknowns");
  if (res.status == PRP_LBFGS_NOT_FINITE) {
    repl_error(r, "L-BFGS met a loss that is not finite; the last finite point is kept");
    return -1;
  }
  return 0;
}

/* ---- showing the state -------------------------------------------------------------- */

static void show_unknowns(prp_repl *r) {
  const prp_train_problem *pb = &r->plan->problem;
  for (int u = 0; u < pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &pb->unknowns[u];
    double v = unknown_now(r->session, u);
    fprintf(r->out, "  %-10s = %-12.6g (guess %g", uk->name, v, uk->guess);
    if (isfinite(uk->lo)) fprintf(r->out, ", in [%g, %g]", uk->lo, uk->hi);
    if (isfinite(uk->truth)) fprintf(r->out, ", truth %g, error %.3g", uk->truth, fabs(v - uk->truth));
    fprintf(r->out, ")\n");
  }
}

static void show_losses(prp_repl *r) {
  const prp_train_problem *pb = &r->plan->problem;
  double loss = evaluate(r);
  fprintf(r->out, "  loss %.4e:", loss);
  for (int i = 0; i < pb->n_terms; i++)
    fprintf(r->out, " %s %.4e (weight %g)%s", pb->terms[i].name, r->session->term_loss[i], pb->terms[i].weight,
            i + 1 < pb->n_terms ? "," : "");
  fprintf(r->out, "\n");
}

static const char *shape_name(prp_shape s) {
  static const char *const names[] = {"linear", "cosine", "exp", "step", "piecewise", "custom"};
  return names[s];
}

static void show_relax(prp_repl *r) {
  const prp_train_problem *pb = &r->plan->problem;
  if (!pb->relaxed) {
    fprintf(r->out, "  no relaxation%s\n", r->relax ? "" : " (relax off)");
    return;
  }
  prp_train_session_set_progress(r->session, progress_at(pb, r->epoch));
  for (int k = 0; k < pb->n_scalars; k++) {
    if (!pb->has_schedule[k]) continue;
    const prp_schedule *s = &pb->schedules[k];
    fprintf(r->out, "  %-10s = %-12.6g (", s->name, r->session->scalars[k]);
    if (s->shape == PRP_SHAPE_PIECEWISE) {
      fprintf(r->out, "piecewise [");
      for (int i = 0; i < s->npoints; i++) fprintf(r->out, "%s%g%% %g", i ? ", " : "", 100 * s->at[i], s->value[i]);
      fprintf(r->out, "] of %d epochs)\n", pb->epochs);
    } else {
      fprintf(r->out, "%s from %g to %g until %g%% of %d epochs)\n", shape_name(s->shape), s->from, s->to, 100 * s->until,
              pb->epochs);
    }
  }
}

static void show_status(prp_repl *r) {
  const prp_train_problem *pb = &r->plan->problem;
  fprintf(r->out, "problem %s from %s: epoch %ld of %d, network", pb->problem_name, r->path, r->epoch, pb->epochs);
  for (int l = 0; l < pb->net.n_hidden; l++) fprintf(r->out, "%s%d", l ? "x" : " ", pb->net.widths[l]);
  fprintf(r->out, " (%zu weights), %d kernels, relaxation %s\n", r->session->net.n_params, r->nkernels,
          pb->relaxed ? "on" : "off");
}

static void show_options(prp_repl *r) {
  const prp_train_problem *pb = &r->plan->problem;
  static const char *const samplers[] = {"uniform", "sobol", "lhs"};
  fprintf(r->out, "  epochs %d, lr %g, unknowns_lr %g, seed %llu, collocation %d %s", pb->epochs, pb->lr,
          pb->lr_unknowns, (unsigned long long)pb->seed, pb->n_collocation,
          pb->sampler <= PRP_SAMPLE_LHS ? samplers[pb->sampler] : "?");
  if (pb->resample_every > 0) fprintf(r->out, " resample %d", pb->resample_every);
  fprintf(r->out, ", boundary_points %d, initial_points %d, log %d\n", pb->n_boundary, pb->n_initial, pb->log_every);
}

void repl_show_state(prp_repl *r, const char *what) {
  if (strcmp(what, "unknowns") == 0) show_unknowns(r);
  else if (strcmp(what, "losses") == 0) show_losses(r);
  else if (strcmp(what, "relax") == 0) show_relax(r);
  else if (strcmp(what, "options") == 0) show_options(r);
  else if (strcmp(what, "source") == 0) fputs(r->text, r->out);
  else {
    show_status(r);
    show_losses(r);
    show_unknowns(r);
    show_relax(r);
  }
}

/* ---- the field --------------------------------------------------------------------------- */

void repl_field_at(prp_repl *r, const double *x, size_t n, double *u) {
  prp_train_session *s = r->session;
  const prp_train_problem *pb = &r->plan->problem;
  prp_jet_layout layout;
  char msg[256];
  prp_jet_spec value_only = {0};
  if (prp_jet_layout_init(&layout, &value_only, pb->n_inputs, msg, sizeof msg) != 0)
    prp_internal_error("value layout: %s", msg);
  prp_mlp_ws_f64 *ws = prp_mlp_ws_create_f64(&s->net, &layout, n ? n : 1);
  double *out = prp_xmalloc((n ? n : 1) * (size_t)layout.n_cols * sizeof(double), 1);
  prp_mlp_forward_f64(ws, s->x, n, x, out);
  const prp_residuals *res = &r->plan->residuals;
  double unknowns[PRP_TRAIN_MAX_UNKNOWNS] = {0}, scalars[PRP_TRAIN_MAX_SCALARS + 4] = {0}, pointdata[PRP_POINT_COUNT] = {0};
  for (int k = 0; k < pb->n_unknowns; k++) unknowns[k] = unknown_now(s, k);
  for (size_t p = 0; p < n; p++) {
    u[p] = out[p];
    if (!res->transform.active) continue;
    /* hard conditions: u = g + m * N */
    double coord[PRP_MAX_INPUTS] = {0};
    for (int k = 0; k < pb->n_inputs; k++) coord[k] = x[p * (size_t)pb->n_inputs + (size_t)k];
    prp_env env = {coord, PRP_MAX_INPUTS, unknowns, (size_t)pb->n_unknowns, NULL, 0, scalars,
                   (size_t)res->nscalars, pointdata, PRP_POINT_COUNT};
    u[p] = prp_eval(res->dag, res->transform.g, &env) + prp_eval(res->dag, res->transform.m, &env) * out[p];
  }
  free(out);
  prp_mlp_ws_free_f64(ws);
}

/* ---- saved states ------------------------------------------------------------------------ */

static size_t state_widths(const prp_train_problem *pb, size_t *widths) {
  size_t nw = 0;
  widths[nw++] = (size_t)pb->net.n_inputs;
  for (int l = 0; l < pb->net.n_hidden; l++) widths[nw++] = (size_t)pb->net.widths[l];
  widths[nw++] = 1;
  return nw;
}

int repl_save_state(prp_repl *r, const char *path) {
  const prp_train_problem *pb = &r->plan->problem;
  prp_train_session *s = r->session;
  size_t widths[PRP_MLP_MAX_HIDDEN + 2];
  size_t nw = state_widths(pb, widths);
  char *names[PRP_TRAIN_MAX_UNKNOWNS];
  double values[PRP_TRAIN_MAX_UNKNOWNS];
  for (int u = 0; u < pb->n_unknowns; u++) {
    names[u] = (char *)pb->unknowns[u].name;
    values[u] = unknown_now(s, u);
  }
  prp_state st = {(char *)pb->problem_name, PRP_PREC_F64, (uint64_t)r->epoch, nw, widths, (size_t)pb->n_unknowns,
                  names, values, s->net.n_params, s->x};
  char *err = prp_state_save(path, &st);
  if (err) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  fprintf(r->out, "saved epoch %ld to %s\n", r->epoch, path);
  return 0;
}

/* A state's unknowns must lie in the problem's bounds (prp_state_load checked they are finite). */
static char *check_state_bounds(const char *path, const prp_train_problem *pb, prp_state *st) {
  for (int u = 0; u < pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &pb->unknowns[u];
    double v = st->unknown_values[u];
    if (!(v >= uk->lo && v <= uk->hi)) {
      prp_state_free(st);
      return prp_errorf("%s: unknown %s = %g lies outside its bounds [%g, %g]", path, uk->name, v, uk->lo, uk->hi);
    }
  }
  return NULL;
}

int repl_restore_state(prp_repl *r, const char *path) {
  const prp_train_problem *pb = &r->plan->problem;
  prp_train_session *s = r->session;
  size_t widths[PRP_MLP_MAX_HIDDEN + 2];
  size_t nw = state_widths(pb, widths);
  char *names[PRP_TRAIN_MAX_UNKNOWNS];
  for (int u = 0; u < pb->n_unknowns; u++) names[u] = (char *)pb->unknowns[u].name;
  prp_state expect = {(char *)pb->problem_name, PRP_PREC_F64, 0, nw, widths, (size_t)pb->n_unknowns, names, NULL,
                      s->net.n_params, NULL};
  prp_state st;
  char *err = prp_state_load(path, &expect, &st);
  if (!err) err = check_state_bounds(path, pb, &st);
  if (err) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  memcpy(s->x, st.weights, s->net.n_params * sizeof(double));
  for (int u = 0; u < pb->n_unknowns; u++)
    s->x[s->net.n_params + (size_t)u] = prp_unknown_raw(&pb->unknowns[u], st.unknown_values[u]);
  r->epoch = (long)st.epoch;
  prp_state_free(&st);
  while (r->hist.n > 0 && r->hist.rows[(r->hist.n - 1) * r->hist.ncols] >= (double)r->epoch) r->hist.n--;
  prp_adam_reset(&r->adam);
  fprintf(r->out, "restored epoch %ld from %s\n", r->epoch, path);
  return 0;
}

/* ---- plots ----------------------------------------------------------------------------------- */

int repl_plot(prp_repl *r, const char *what, const char *path) {
  repl_history *h = &r->hist;
  if (h->n < 2) {
    repl_error(r, "nothing to plot yet: train first");
    return -1;
  }
  int loss = strcmp(what, "loss") == 0, relax = strcmp(what, "relax") == 0;
  if (relax && h->n_relax == 0) {
    repl_error(r, "this problem has no relaxation schedule");
    return -1;
  }
  double *cols = prp_xmalloc(h->n * h->ncols * sizeof(double), 1);
  for (size_t i = 0; i < h->n; i++)
    for (size_t c = 0; c < h->ncols; c++) cols[c * h->n + i] = h->rows[i * h->ncols + c];
  prp_plot_series series[1 + PRP_TRAIN_MAX_TERMS + PRP_TRAIN_MAX_UNKNOWNS + PRP_TRAIN_MAX_SCALARS];
  size_t unknowns = 2 + (size_t)h->n_terms, relaxation = unknowns + (size_t)h->n_unknowns;
  size_t ns = 0, first = loss ? 1 : relax ? relaxation : unknowns, last = loss ? unknowns : relax ? h->ncols : relaxation;
  for (size_t c = first; c < last; c++) series[ns++] = (prp_plot_series){h->names[c], cols, cols + c * h->n, h->n};
  prp_plot_frame fr = {path, 900, 600, loss ? "training loss" : relax ? "relaxation" : "unknowns", "epoch",
                       loss ? "loss" : "value"};
  char *err = prp_plot_lines(&fr, series, ns, loss);
  free(cols);
  if (err) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  fprintf(r->out, "wrote %s (%zu curve%s, %zu points each)\n", path, ns, ns == 1 ? "" : "s", h->n);
  return 0;
}
