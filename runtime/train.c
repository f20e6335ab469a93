/* Runtime, training: the loop. Adam over the network weights and the unknowns
 * (their own rate), schedules evaluated every epoch, collocation resampled
 * every k epochs, then optional L-BFGS; history, results, weights and plots
 * written to the output directory. NaN/Inf stops with the epoch and the term;
 * Ctrl-C stops cleanly; both keep the last finite state. */
#include "train_internal.h"
#include "util.h"
#include <cblas.h>
#include "csv.h"
#include "json.h"
#include "output.h"
#include "train_memory.h"
#include "train_stop.h"
#include "optim.h"
#include "plot.h"
#include "progress.h"
#include "train_verdict.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  size_t n, cap, ncols;
  double *rows;           /* n rows of ncols values */
} history;

typedef struct {
  const prp_train_problem *pb;
  prp_train_session *s;
  prp_adam adam;
  double *grad, *last_good;
  history hist;
  prp_csv_writer *csv;
  const char **colnames;
  size_t ncols;
  prp_progress progress;
  double start;
  prp_train_stop stop;    /* the train block's stopping rule */
} run;

static double lr_at(const prp_train_problem *pb, int epoch, double base) {
  if (pb->lr_every <= 0 || pb->lr_decay <= 0) return base;
  return base * pow(pb->lr_decay, (double)(epoch / pb->lr_every));
}

/* ---- history ------------------------------------------------------------------- */

/* Keeps the first output failure for the result; frees err. */
static void output_failed(prp_train_result *res, char *err) {
  if (!err) return;
  if (!res->output_error[0]) snprintf(res->output_error, sizeof res->output_error, "%s", err);
  free(err);
}

static char *history_columns(run *r) {
  const prp_train_problem *pb = r->pb;
  size_t n = 2 + (size_t)pb->n_terms + 2 * (size_t)pb->n_unknowns + (size_t)pb->n_scalars + 1;
  r->colnames = prp_xcalloc(n, sizeof *r->colnames);
  size_t c = 0;
  r->colnames[c++] = prp_xstrdup("epoch");
  r->colnames[c++] = prp_xstrdup("loss");
  for (int i = 0; i < pb->n_terms; i++) {
    char buf[96];
    snprintf(buf, sizeof buf, "loss_%s", pb->terms[i].name);
    for (char *q = buf; *q; q++) if (*q == ' ' || *q == '=') *q = '_';
    r->colnames[c++] = prp_xstrdup(buf);
  }
  for (int u = 0; u < pb->n_unknowns; u++) r->colnames[c++] = prp_xstrdup(pb->unknowns[u].name);
  for (int k = 0; k < pb->n_scalars; k++)
    if (pb->has_schedule[k]) r->colnames[c++] = prp_xstrdup(pb->schedules[k].name);
  r->colnames[c++] = prp_xstrdup("grad_unknowns");
  for (int u = 0; u < pb->n_unknowns; u++) {   /* dL/dtheta: read by `prpc landscape --follow` */
    char buf[96];
    snprintf(buf, sizeof buf, "dL_d%s", pb->unknowns[u].name);
    r->colnames[c++] = prp_xstrdup(buf);
  }
  r->ncols = c;
  r->hist.ncols = c;
  if (!pb->output_dir) return NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/history.csv", pb->output_dir);
  return prp_csv_writer_open(&r->csv, path, r->colnames, c);
}

static void record(run *r, int epoch, double loss) {
  const prp_train_problem *pb = r->pb;
  history *h = &r->hist;
  if (h->n == h->cap) {
    h->cap = h->cap ? 2 * h->cap : 256;
    h->rows = prp_xrealloc(h->rows, h->cap * h->ncols, sizeof(double));
  }
  double *row = h->rows + h->n++ * h->ncols;
  size_t c = 0;
  row[c++] = epoch;
  row[c++] = loss;
  for (int i = 0; i < pb->n_terms; i++) row[c++] = r->s->term_loss[i];
  for (int u = 0; u < pb->n_unknowns; u++) row[c++] = r->s->uniforms[u];
  for (int k = 0; k < pb->n_scalars; k++)
    if (pb->has_schedule[k]) row[c++] = r->s->scalars[k];
  double g = 0;
  for (int u = 0; u < pb->n_unknowns; u++) g += r->s->dtheta[u] * r->s->dtheta[u];
  row[c++] = sqrt(g);
  for (int u = 0; u < pb->n_unknowns; u++) row[c++] = r->s->dtheta[u];
  if (r->csv) free(prp_csv_writer_row(r->csv, row));   /* the writer keeps the error for close */
}

/* ---- progress line ---------------------------------------------------------------- */

static void show(run *r, int epoch, double loss, const char *final_reason) {
  const prp_train_problem *pb = r->pb;
  prp_named_value losses[1 + PRP_TRAIN_MAX_TERMS], unknowns[PRP_TRAIN_MAX_UNKNOWNS], relax[PRP_TRAIN_MAX_SCALARS];
  losses[0] = (prp_named_value){"loss", loss};
  for (int i = 0; i < pb->n_terms; i++) losses[1 + i] = (prp_named_value){pb->terms[i].name, r->s->term_loss[i]};
  for (int u = 0; u < pb->n_unknowns; u++) unknowns[u] = (prp_named_value){pb->unknowns[u].name, r->s->uniforms[u]};
  int nrelax = 0;
  for (int k = 0; k < pb->n_scalars; k++)
    if (pb->has_schedule[k]) relax[nrelax++] = (prp_named_value){pb->schedules[k].name, r->s->scalars[k]};
  prp_progress_state st = {(size_t)epoch, losses, 1 + (size_t)pb->n_terms, unknowns, (size_t)pb->n_unknowns,
                           relax, (size_t)nrelax};
  if (pb->quiet) return;
  if (final_reason) prp_progress_finish(&r->progress, &st, final_reason);
  else prp_progress_update(&r->progress, &st);
}

/* ---- the Adam phase ---------------------------------------------------------------- */

static int first_bad_term(const prp_train_session *s) {
  for (int i = 0; i < s->pb->n_terms; i++)
    if (!isfinite(s->term_loss[i])) return i;
  return -1;
}

static int all_finite(const double *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) return 0;
  return 1;
}

static void adam_phase(run *r, prp_train_result *res) {
  const prp_train_problem *pb = r->pb;
  prp_train_session *s = r->s;
  size_t n = prp_train_session_size(s);
  double loss = NAN;
  for (int epoch = 0; epoch < pb->epochs; epoch++) {
    prp_train_session_set_progress(s, (double)epoch / pb->epochs);
    if (pb->resample_every > 0 && epoch > 0 && epoch % pb->resample_every == 0) prp_train_session_resample(s);
    loss = prp_train_session_loss_grad(s, s->x, r->grad);
    if (!isfinite(loss) || !all_finite(r->grad, n)) {
      int bad = first_bad_term(s);
      snprintf(res->message, sizeof res->message, "%s is not finite at epoch %d (in the %s term); the last finite state is kept",
               isfinite(loss) ? "the gradient" : "the loss", epoch + 1, bad >= 0 ? pb->terms[bad].name : "gradient");
      memcpy(s->x, r->last_good, n * sizeof(double));
      res->stopped = 2;
      return;
    }
    memcpy(r->last_good, s->x, n * sizeof(double));
    res->loss = loss;
    res->epochs_done = epoch + 1;
    if (epoch % pb->log_every == 0 || epoch + 1 == pb->epochs) record(r, epoch, loss);
    if (epoch + 1 < pb->epochs) show(r, epoch + 1, loss, NULL);
    double lr_unknowns = prp_train_unknowns_rate(pb, epoch, lr_at(pb, epoch, pb->lr_unknowns));
    prp_adam_step(&r->adam, s->x, r->grad, lr_at(pb, epoch, pb->lr), lr_unknowns);
    if (prp_train_stop_check(&r->stop, pb, epoch, s->uniforms, res->message, sizeof res->message)) {
      if (epoch % pb->log_every != 0 && epoch + 1 != pb->epochs) record(r, epoch, loss);
      res->settled = 1;
      return;
    }
    if (prp_interrupt_requested()) {
      snprintf(res->message, sizeof res->message, "interrupted at epoch %d", epoch + 1);
      res->stopped = 1;
      return;
    }
  }
}

static double lbfgs_loss(void *ctx, const double *x, double *grad) {
  run *r = ctx;
  return prp_train_session_loss_grad(r->s, x, grad);
}

static int lbfgs_progress(void *ctx, int it, double f, const double *x, const double *g) {
  run *r = ctx;
  if (it % r->pb->log_every == 0) record(r, r->pb->epochs + it, f);
  return prp_interrupt_requested();
}

static void lbfgs_phase(run *r, prp_train_result *res) {
  if (r->pb->lbfgs_iterations <= 0 || res->stopped) return;
  prp_train_session_set_progress(r->s, 1.0);
  prp_lbfgs_options opt;
  prp_lbfgs_default_options(&opt);
  opt.max_iterations = r->pb->lbfgs_iterations;
  opt.progress = lbfgs_progress;
  opt.progress_ctx = r;
  prp_lbfgs_result lr = prp_lbfgs_minimize(prp_train_session_size(r->s), r->s->x, lbfgs_loss, r, &opt);
  res->loss = prp_train_session_loss_grad(r->s, r->s->x, r->grad);
  if (lr.status == PRP_LBFGS_NOT_FINITE) snprintf(res->message, sizeof res->message, "L-BFGS met a non-finite loss; kept the last finite point");
}

/* ---- outputs ---------------------------------------------------------------------- */

static char *write_result_json(run *r, const prp_train_result *res) {
  const prp_train_problem *pb = r->pb;
  char path[4096];
  snprintf(path, sizeof path, "%s/result.json", pb->output_dir);
  prp_json *j;
  char *err = prp_json_open_file(&j, path);
  if (err) return err;
  prp_json_begin_object(j);
  prp_json_member_string(j, "problem", pb->problem_name ? pb->problem_name : "");
  prp_json_member_string(j, "status", res->stopped == 0 ? "done" : res->stopped == 1 ? "interrupted" : "not finite");
  if (res->message[0]) prp_json_member_string(j, "message", res->message);
  prp_json_member_int(j, "epochs", res->epochs_done);
  prp_json_member_string(j, "stop", res->stopped == 1 ? "interrupted" : res->stopped == 2 ? "not finite"
                                    : res->settled ? "settled" : "epochs");
  prp_json_member_number(j, "loss", res->loss);
  prp_json_key(j, "unknowns");
  prp_json_begin_object(j);
  for (int u = 0; u < pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &pb->unknowns[u];
    prp_json_key(j, uk->name);
    prp_json_begin_object(j);
    prp_json_member_number(j, "value", res->unknowns[u]);
    prp_json_member_number(j, "guess", uk->guess);
    if (isfinite(uk->lo) && isfinite(uk->hi)) {
      prp_json_member_number(j, "lo", uk->lo);
      prp_json_member_number(j, "hi", uk->hi);
      prp_json_member_number(j, "width", uk->hi - uk->lo);
    }
    if (isfinite(uk->truth)) {
      prp_json_member_number(j, "truth", uk->truth);
      prp_json_member_number(j, "error", fabs(res->unknowns[u] - uk->truth));
    }
    prp_json_end_object(j);
  }
  prp_json_end_object(j);
  prp_json_key(j, "losses");
  prp_json_begin_object(j);
  for (int i = 0; i < pb->n_terms; i++) prp_json_member_number(j, pb->terms[i].name, res->term_loss[i]);
  prp_json_end_object(j);
  prp_train_verdict_json(j, pb, &res->verdict);
  prp_json_member_number(j, "seconds", res->seconds);
  prp_json_member_int(j, "seed", (int64_t)pb->seed);
  prp_json_member_string(j, "precision", pb->single ? "f32" : "f64");
  prp_json_member_bool(j, "relaxed", pb->relaxed);
  prp_json_end_object(j);
  return prp_json_finish(j);
}

static char *write_weights(run *r, const prp_train_result *res) {
  const prp_train_problem *pb = r->pb;
  size_t widths[PRP_MLP_MAX_HIDDEN + 2], nw = 0;
  widths[nw++] = (size_t)pb->net.n_inputs;
  for (int l = 0; l < pb->net.n_hidden; l++) widths[nw++] = (size_t)pb->net.widths[l];
  widths[nw++] = 1;
  char *names[PRP_TRAIN_MAX_UNKNOWNS];
  double values[PRP_TRAIN_MAX_UNKNOWNS];
  for (int u = 0; u < pb->n_unknowns; u++) { names[u] = (char *)pb->unknowns[u].name; values[u] = res->unknowns[u]; }
  prp_state st = {(char *)(pb->problem_name ? pb->problem_name : "problem"), PRP_PREC_F64, (uint64_t)res->epochs_done,
                  nw, widths, (size_t)pb->n_unknowns, names, values, r->s->net.n_params, r->s->x};
  /* the master weights are f64 in both precisions (Adam and L-BFGS run in f64) */
  char path[4096];
  snprintf(path, sizeof path, "%s/weights.prpstate", pb->output_dir);
  return prp_state_save(path, &st);
}

static void plot_history(run *r, prp_train_result *res) {
  const prp_train_problem *pb = r->pb;
  history *h = &r->hist;
  if (h->n < 2 || !prp_plot_available()) return;
  double *cols = prp_xmalloc(h->n * h->ncols, sizeof(double));
  for (size_t i = 0; i < h->n; i++)
    for (size_t c = 0; c < h->ncols; c++) cols[c * h->n + i] = h->rows[i * h->ncols + c];
  prp_plot_series series[2 + PRP_TRAIN_MAX_TERMS];
  size_t ns = 0;
  for (int c = 1; c < 2 + pb->n_terms; c++) series[ns++] = (prp_plot_series){r->colnames[c], cols, cols + (size_t)c * h->n, h->n};
  char path[4096];
  snprintf(path, sizeof path, "%s/loss.png", pb->output_dir);
  prp_plot_frame fr = {path, 900, 600, "training loss", "epoch", "loss"};
  output_failed(res, prp_plot_lines(&fr, series, ns, true));
  ns = 0;
  for (int u = 0; u < pb->n_unknowns; u++) {
    size_t c = 2 + (size_t)pb->n_terms + (size_t)u;
    series[ns++] = (prp_plot_series){pb->unknowns[u].name, cols, cols + c * h->n, h->n};
  }
  snprintf(path, sizeof path, "%s/unknowns.png", pb->output_dir);
  fr = (prp_plot_frame){path, 900, 600, "unknowns", "epoch", "value"};
  output_failed(res, prp_plot_lines(&fr, series, ns, false));
  free(cols);
}

static void finish(run *r, prp_train_result *res) {
  const prp_train_problem *pb = r->pb;
  for (int u = 0; u < pb->n_unknowns; u++) res->unknowns[u] = r->s->uniforms[u];
  for (int i = 0; i < pb->n_terms; i++) res->term_loss[i] = r->s->term_loss[i];
  res->seconds = prp_now() - r->start;
  prp_train_verdict_run(pb, res, r->hist.rows, r->hist.n, r->hist.ncols, &res->verdict);
  if (r->csv) {
    output_failed(res, prp_csv_writer_close(r->csv));
    r->csv = NULL;
  }
  if (!pb->output_dir) return;
  output_failed(res, write_result_json(r, res));
  output_failed(res, write_weights(r, res));
  plot_history(r, res);
}

/* The output directory made, the run's own old outputs there removed, the memory the
 * plan needs checked; the exit status of a failure in res->error_status. */
static char *prepare(const prp_train_problem *pb, prp_train_result *res) {
  char *err = prp_train_check_memory(pb);
  res->error_status = PRP_EXIT_MEMORY;
  if (!err && pb->output_dir) {
    res->error_status = PRP_EXIT_IO;
    if (!(err = prp_make_dirs(pb->output_dir))) err = prp_output_clear_run(pb->output_dir);
  }
  if (!err) res->error_status = 0;
  return err;
}

char *prp_train_run(const prp_train_problem *pb, prp_train_result *res) {
  memset(res, 0, sizeof *res);
  res->loss = NAN;   /* until an epoch gives a finite one */
  run r = {.pb = pb, .start = prp_now()};
  char *err = prepare(pb, res);
  if (err) return err;
  r.s = prp_train_session_new(pb, &err);
  if (!r.s) {
    res->error_status = PRP_EXIT_RUNTIME;
    return err;
  }
  size_t n = prp_train_session_size(r.s);
  r.grad = prp_xcalloc(n, sizeof(double));
  r.last_good = prp_xmalloc(n, sizeof(double));
  memcpy(r.last_good, r.s->x, n * sizeof(double));
  prp_adam_init(&r.adam, n, 0.9, 0.999, 1e-8);
  prp_adam_set_group(&r.adam, r.s->net.n_params, n);
  prp_train_stop_init(&r.stop, pb);
  if ((err = history_columns(&r))) {
    res->error_status = PRP_EXIT_IO;
    goto out;
  }
  size_t line_every = (size_t)(pb->epochs / 20 > 0 ? pb->epochs / 20 : 1);
  prp_progress_init(&r.progress, stderr, (size_t)pb->epochs, 0, line_every);
  prp_interrupt_install();
  adam_phase(&r, res);
  lbfgs_phase(&r, res);
  prp_interrupt_restore();
  prp_train_session_loss_grad(r.s, r.s->x, r.grad);
  show(&r, res->epochs_done, res->loss, res->stopped == 0 && !res->settled ? "done" : res->message);
  finish(&r, res);
out:
  if (r.csv) free(prp_csv_writer_close(r.csv));
  for (size_t c = 0; c < r.ncols; c++) free((char *)r.colnames[c]);
  free(r.colnames);
  free(r.hist.rows);
  free(r.grad);
  free(r.last_good);
  prp_adam_free(&r.adam);
  prp_train_stop_free(&r.stop);
  prp_train_session_free(r.s);
  return err;
}
