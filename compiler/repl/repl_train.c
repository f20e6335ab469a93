/* The REPL's training: one trainer (runtime/train.h, the loop `prpc run` drives)
 * kept alive between commands, so `train N` continues where the last one stopped
 * (the same epochs as one `prpc run`, and the same stopping rule, train_stop.h) and
 * an edit carries its state over to the trainer of the new plan; plus what reads
 * that state: losses, unknowns, the field at points, saved states and plots. */
#include "repl_state.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "plot.h"
#include "optim.h"
#include "progress.h"

/* ---- the trainer ------------------------------------------------------------------ */

/* The stopping rule's window starts empty: for a new trainer (whose plan may have another
 * rule), after a restore, and after the rule has stopped a `train`. */
static void stop_window_reset(prp_repl *r) {
  prp_train_stop_free(&r->stop);
  if (r->plan) prp_train_stop_init(&r->stop, &r->plan->problem);
  r->stop_epoch = r->trainer ? repl_epoch(r) : 0;
}

double repl_current_loss(prp_repl *r) { return prp_trainer_evaluate(r->trainer); }
double repl_unknown_now(const prp_repl *r, int u) { return prp_trainer_unknown(r->trainer, u); }
long repl_epoch(const prp_repl *r) { return prp_trainer_epochs_done(r->trainer); }

int repl_session_start(prp_repl *r, prp_trainer *old, const char *reset_unknown) {
  char *err = NULL;
  prp_trainer *t = prp_trainer_new(&r->plan->problem, &err);
  if (!t) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  if (old && !prp_trainer_carry_over(t, old, reset_unknown))
    fprintf(r->out, "the network changed shape: its weights start afresh from seed %llu\n",
            (unsigned long long)r->plan->problem.seed);
  r->trainer = t;
  prp_trainer_evaluate(t);
  stop_window_reset(r);
  return 0;
}

void repl_session_stop(prp_repl *r) {
  prp_trainer_free(r->trainer);
  r->trainer = NULL;
  prp_train_stop_free(&r->stop);
}

void repl_reset(prp_repl *r) {
  prp_trainer *old = r->trainer;
  r->trainer = NULL;
  if (repl_session_start(r, NULL, NULL) != 0) {
    r->trainer = old;
    return;
  }
  prp_trainer_free(old);
  fprintf(r->out, "reset: a new network from seed %llu, unknowns at their guesses, epoch 0\n",
          (unsigned long long)r->plan->problem.seed);
}

/* ---- training ----------------------------------------------------------------------- */

/* The declaration a loss term comes from, to locate a NaN. */
static prp_loc term_loc(const prp_repl *r, int term) {
  const prp_residual_term *t = &r->plan->residuals.terms[r->plan->kernels.term[term]];
  if (t->decl) return t->decl->loc;
  const prp_problem *pb = &r->prog->problem;
  return pb->sensors ? pb->sensors->loc : pb->truth ? pb->truth->loc : pb->pde->loc;
}

static void report_not_finite(prp_repl *r) {
  const prp_train_problem *pb = &r->plan->problem;
  prp_trainer_epoch e;
  prp_trainer_last(r->trainer, &e);
  int bad = prp_trainer_bad_term(r->trainer);
  const char *what = isfinite(e.loss) ? "the gradient" : "the loss";
  if (bad >= 0)
    prp_error(&r->diag, term_loc(r, bad), "%s is not finite at epoch %ld, in the %s term; the last finite state is kept",
              what, e.epoch + 1, pb->terms[bad].name);
  else
    repl_error(r, "%s is not finite at epoch %ld; the last finite state is kept", what, e.epoch + 1);
}

typedef struct {
  prp_repl *r;
  prp_progress progress;
  int settled;              /* the stopping rule stopped training; why, in message */
  char message[256];
} train_ctx;

/* After each epoch: progress, the stopping rule (as in prpc run: train.c), Ctrl-C. */
static int epoch_done(void *ctx, const prp_trainer *t, const prp_trainer_epoch *e) {
  (void)t;
  train_ctx *c = ctx;
  prp_repl *r = c->r;
  const prp_train_problem *pb = &r->plan->problem;
  if (r->interactive) prp_trainer_show(&c->progress, pb, e, NULL);
  r->stop_epoch = e->epoch;
  if (prp_train_stop_check(&r->stop, pb, (int)e->epoch - 1, e->unknowns, c->message, sizeof c->message))
    return c->settled = 1;
  return prp_interrupt_requested();
}

int repl_train(prp_repl *r, long n) {
  const prp_train_problem *pb = &r->plan->problem;
  long first = repl_epoch(r);
  train_ctx c = {.r = r};
  prp_progress_init(&c.progress, r->err, (size_t)(first + n), (size_t)first, (size_t)(n / 20 > 0 ? n / 20 : 1));
  if (r->stop_epoch != first) stop_window_reset(r);   /* the state was restored or put back */
  double start = prp_now();
  prp_interrupt_clear();
  prp_interrupt_install();
  prp_trainer_status st = prp_trainer_step(r->trainer, n, epoch_done, &c);
  prp_interrupt_restore();
  prp_interrupt_clear();
  if (st == PRP_TRAINER_NOT_FINITE) report_not_finite(r);
  int status = st == PRP_TRAINER_STOPPED && !c.settled ? 1 : st == PRP_TRAINER_NOT_FINITE ? -1 : 0;
  long now = repl_epoch(r);
  if (c.settled) stop_window_reset(r);   /* the next `train` watches N epochs of its own */
  if (r->interactive && now > first) {
    prp_trainer_epoch e;
    prp_trainer_last(r->trainer, &e);   /* the last epoch's evaluation */
    prp_trainer_show(&c.progress, pb, &e, status == 1 ? "interrupted" : status < 0 ? "not finite" : c.settled ? c.message : "done");
  }
  if (c.settled) fprintf(r->out, "%s", c.message);
  else fprintf(r->out, "%s at epoch %ld of %ld", status == 1 ? "interrupted" : status < 0 ? "stopped" : "trained", now,
               prp_train_total_epochs(pb));
  if (r->interactive) fprintf(r->out, " (%ld epochs in %.1f s)", now - first, prp_now() - start);
  fprintf(r->out, "\n");
  repl_show_state(r, "losses");
  repl_show_state(r, "unknowns");
  return status;
}

/* ---- L-BFGS after Adam ------------------------------------------------------------------ */

static int polish_iteration(void *ctx, const prp_trainer *t, const prp_trainer_epoch *e) {
  (void)ctx; (void)t; (void)e;
  return prp_interrupt_requested();
}

int repl_polish(prp_repl *r, long iterations) {
  prp_interrupt_clear();
  prp_interrupt_install();
  prp_lbfgs_result res = prp_trainer_polish(r->trainer, (int)iterations, polish_iteration, NULL);
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
    double v = repl_unknown_now(r, u);
    fprintf(r->out, "  %-10s = %-12.6g (guess %g", uk->name, v, uk->guess);
    if (isfinite(uk->lo)) fprintf(r->out, ", in [%g, %g]", uk->lo, uk->hi);
    if (isfinite(uk->truth)) fprintf(r->out, ", truth %g, error %.3g", uk->truth, fabs(v - uk->truth));
    fprintf(r->out, ")\n");
  }
}

static void show_losses(prp_repl *r) {
  const prp_train_problem *pb = &r->plan->problem;
  double loss = prp_trainer_evaluate(r->trainer);
  prp_trainer_epoch e;
  prp_trainer_last(r->trainer, &e);
  fprintf(r->out, "  loss %.4e:", loss);
  for (int i = 0; i < pb->n_terms; i++)
    fprintf(r->out, " %s %.4e (weight %g)%s", pb->terms[i].name, e.term_loss[i], pb->terms[i].weight,
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
  for (int k = 0; k < pb->n_scalars; k++) {
    if (!pb->has_schedule[k]) continue;
    const prp_schedule *s = &pb->schedules[k];
    fprintf(r->out, "  %-10s = %-12.6g (", s->name, prp_trainer_scalar(r->trainer, k));
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
  fprintf(r->out, "problem %s from %s: epoch %ld of %ld%s, network", pb->problem_name, r->path, repl_epoch(r),
          prp_train_total_epochs(pb), prp_train_strict_phase(pb, repl_epoch(r)) ? " (strict phase)" : "");
  for (int l = 0; l < pb->net.n_hidden; l++) fprintf(r->out, "%s%d", l ? "x" : " ", pb->net.widths[l]);
  fprintf(r->out, " (%zu weights), %d kernels, relaxation %s\n", prp_trainer_network(r->trainer)->n_params, r->nkernels,
          pb->relaxed ? "on" : "off");
}

static void show_options(prp_repl *r) {
  const prp_train_problem *pb = &r->plan->problem;
  static const char *const samplers[] = {"uniform", "sobol", "lhs"};
  fprintf(r->out, "  epochs %d, lr %g, unknowns_lr %g, seed %llu, collocation %d %s", pb->epochs, pb->lr,
          pb->lr_unknowns, (unsigned long long)pb->seed, pb->n_collocation,
          pb->sampler <= PRP_SAMPLE_LHS ? samplers[pb->sampler] : "?");
  if (pb->resample_every > 0) fprintf(r->out, " resample %d", pb->resample_every);
  fprintf(r->out, ", boundary_points %d, initial_points %d, log %d", pb->n_boundary, pb->n_initial, pb->log_every);
  if (pb->strict_epochs > 0) fprintf(r->out, ", strict %d resample %d", pb->strict_epochs, pb->strict_resample);
  if (pb->refine_steps > 0)
    fprintf(r->out, ", refine %d path %d hops %d (prpc run only: train here does not refine)", pb->refine_steps,
            pb->refine_path, pb->refine_hops);
  fprintf(r->out, "\n");
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
  const prp_train_problem *pb = &r->plan->problem;
  prp_jet_layout layout;
  char msg[256];
  prp_jet_spec value_only = {0};
  if (prp_jet_layout_init(&layout, &value_only, pb->n_inputs, msg, sizeof msg) != 0)
    prp_internal_error("value layout: %s", msg);
  prp_mlp_ws_f64 *ws = prp_mlp_ws_create_f64(prp_trainer_network(r->trainer), &layout, n ? n : 1);
  double *out = prp_xmalloc((n ? n : 1) * (size_t)layout.n_cols * sizeof(double), 1);
  prp_mlp_forward_f64(ws, prp_trainer_params(r->trainer), n, x, out);
  const prp_residuals *res = &r->plan->residuals;
  double unknowns[PRP_TRAIN_MAX_UNKNOWNS] = {0}, scalars[PRP_TRAIN_MAX_SCALARS + 4] = {0}, pointdata[PRP_POINT_COUNT] = {0};
  for (int k = 0; k < pb->n_unknowns; k++) unknowns[k] = repl_unknown_now(r, k);
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

int repl_save_state(prp_repl *r, const char *path) {
  char *err = prp_trainer_save(r->trainer, path);
  if (err) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  fprintf(r->out, "saved epoch %ld to %s\n", repl_epoch(r), path);
  return 0;
}

int repl_restore_state(prp_repl *r, const char *path) {
  char *err = prp_trainer_restore(r->trainer, path);
  if (err) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  fprintf(r->out, "restored epoch %ld from %s\n", repl_epoch(r), path);
  return 0;
}

/* ---- plots ----------------------------------------------------------------------------------- */

/* The history's columns [first, last) and their labels: the loss and the terms, the
 * unknowns, or the relaxation values. */
static size_t plot_columns(const prp_repl *r, int loss, int relax, size_t *first, const char **labels) {
  const prp_train_problem *pb = &r->plan->problem;
  size_t n = 0;
  if (loss) {
    *first = 1;
    labels[n++] = "loss";
    for (int i = 0; i < pb->n_terms; i++) labels[n++] = pb->terms[i].name;
  } else if (relax) {
    *first = prp_trainer_history_schedules(r->trainer);
    for (int k = 0; k < pb->n_scalars; k++)
      if (pb->has_schedule[k]) labels[n++] = pb->schedules[k].name;
  } else {
    *first = prp_trainer_history_unknowns(r->trainer);
    for (int u = 0; u < pb->n_unknowns; u++) labels[n++] = pb->unknowns[u].name;
  }
  return n;
}

int repl_plot(prp_repl *r, const char *what, const char *path) {
  size_t n, ncols;
  const double *rows = prp_trainer_history(r->trainer, &n, &ncols);
  if (n < 2) {
    repl_error(r, "nothing to plot yet: train first");
    return -1;
  }
  int loss = strcmp(what, "loss") == 0, relax = strcmp(what, "relax") == 0;
  const char *labels[1 + PRP_TRAIN_MAX_TERMS + PRP_TRAIN_MAX_UNKNOWNS + PRP_TRAIN_MAX_SCALARS];
  size_t first, ns = plot_columns(r, loss, relax, &first, labels);
  if (relax && ns == 0) {
    repl_error(r, "this problem has no relaxation schedule");
    return -1;
  }
  double *cols = prp_xmalloc(n * ncols, sizeof(double));
  for (size_t i = 0; i < n; i++)
    for (size_t c = 0; c < ncols; c++) cols[c * n + i] = rows[i * ncols + c];
  prp_plot_series series[1 + PRP_TRAIN_MAX_TERMS + PRP_TRAIN_MAX_UNKNOWNS + PRP_TRAIN_MAX_SCALARS];
  for (size_t k = 0; k < ns; k++) series[k] = (prp_plot_series){labels[k], cols, cols + (first + k) * n, n};
  prp_plot_frame fr = {path, 900, 600, loss ? "training loss" : relax ? "relaxation" : "unknowns", "epoch",
                       loss ? "loss" : "value"};
  char *err = prp_plot_lines(&fr, series, ns, loss);
  free(cols);
  if (err) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  fprintf(r->out, "wrote %s (%zu curve%s, %zu points each)\n", path, ns, ns == 1 ? "" : "s", n);
  return 0;
}
