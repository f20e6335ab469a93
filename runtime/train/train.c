/* Runtime, training: `prpc run`'s and built programs' driver of the trainer
 * (trainer.c): Adam for the file's epochs and its strict phase, then optional
 * L-BFGS, with the progress line and Ctrl-C; history, results, weights and plots
 * written to the output directory. NaN/Inf stops with the epoch and the term;
 * Ctrl-C stops cleanly; both keep the last finite state. */
#include "train.h"
#include "util.h"
#include <cblas.h>
#include "json.h"
#include "output.h"
#include "train_memory.h"
#include "train_stop.h"
#include "plot.h"
#include "progress.h"
#include "train_verdict.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const prp_train_problem *pb;
  prp_trainer *t;
  prp_train_result *res;
  prp_progress progress;
  double start;
  prp_train_stop stop;    /* the train block's stopping rule */
} run;

/* Keeps the first output failure for the result; frees err. */
static void output_failed(prp_train_result *res, char *err) {
  if (!err) return;
  if (!res->output_error[0]) snprintf(res->output_error, sizeof res->output_error, "%s", err);
  free(err);
}

/* ---- training ---------------------------------------------------------------------- */

/* After each Adam epoch: the result so far, the progress line, Ctrl-C. */
static int adam_epoch_done(void *ctx, const prp_trainer *t, const prp_trainer_epoch *e) {
  (void)t;
  run *r = ctx;
  r->res->loss = e->loss;
  r->res->epochs_done = (int)e->epoch;
  if (e->epoch < prp_train_total_epochs(r->pb) && !r->pb->quiet) prp_trainer_show(&r->progress, r->pb, e, NULL);
  if (prp_train_stop_check(&r->stop, r->pb, (int)e->epoch - 1, e->unknowns, r->res->message, sizeof r->res->message))
    return r->res->settled = 1;
  if (!prp_interrupt_requested()) return 0;
  snprintf(r->res->message, sizeof r->res->message, "interrupted at epoch %ld", e->epoch);
  return 1;
}

static void adam_phase(run *r) {
  prp_train_result *res = r->res;
  prp_trainer_status st = prp_trainer_step(r->t, prp_train_total_epochs(r->pb), adam_epoch_done, r);
  if (st == PRP_TRAINER_STOPPED && !res->settled) res->stopped = 1;
  if (st != PRP_TRAINER_NOT_FINITE) return;
  prp_trainer_epoch e;
  prp_trainer_last(r->t, &e);
  int bad = prp_trainer_bad_term(r->t);
  snprintf(res->message, sizeof res->message, "%s is not finite at epoch %ld (in the %s term); the last finite state is kept",
           isfinite(e.loss) ? "the gradient" : "the loss", e.epoch + 1, bad >= 0 ? r->pb->terms[bad].name : "gradient");
  res->stopped = 2;
}

static int lbfgs_iteration_done(void *ctx, const prp_trainer *t, const prp_trainer_epoch *e) {
  (void)ctx; (void)t; (void)e;
  return prp_interrupt_requested();
}

static void lbfgs_phase(run *r) {
  prp_train_result *res = r->res;
  if (r->pb->lbfgs_iterations <= 0 || res->stopped) return;
  prp_lbfgs_result lr = prp_trainer_polish(r->t, r->pb->lbfgs_iterations, lbfgs_iteration_done, r);
  prp_trainer_epoch e;
  prp_trainer_last(r->t, &e);
  res->loss = e.loss;
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
  if (pb->strict_epochs > 0) {   /* of those, the strict phase's */
    prp_json_member_int(j, "strict_epochs", res->epochs_done > pb->epochs ? res->epochs_done - pb->epochs : 0);
    prp_json_member_int(j, "strict_resample", pb->strict_resample);
  }
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
    if (res->refined) prp_json_member_number(j, "network_value", res->network_unknowns[u]);
    prp_json_end_object(j);
  }
  prp_json_end_object(j);
  if (res->refined || res->refine_rejected) {   /* value is the refinement's (kept) or the network's */
    prp_json_key(j, "refine");
    prp_json_begin_object(j);
    prp_json_member_string(j, "status", prp_refine_status_name(res->refine.status));
    prp_json_member_bool(j, "kept", res->refined);
    prp_json_member_int(j, "steps", res->refine.steps);
    prp_json_member_int(j, "simulations", res->refine.evaluations);
    prp_json_member_number(j, "model_mse_network", res->refine.mse_start);
    prp_json_member_number(j, "model_mse_refined", res->refine.mse_end);
    prp_json_member_int(j, "path_points_screened", res->refine_screened);
    prp_json_member_string(j, "from", res->refine_from_path ? "path" : "network");
    prp_json_member_int(j, "from_epoch", res->refine_from_epoch);
    prp_json_key(j, "from_values");
    prp_json_begin_object(j);
    for (int u = 0; u < pb->n_unknowns; u++) prp_json_member_number(j, pb->unknowns[u].name, res->refine_from[u]);
    prp_json_end_object(j);
    prp_json_member_number(j, "model_mse_network_refined", res->refine_network_mse);
    prp_json_member_int(j, "search_points_screened", res->refine_search_screened);
    prp_json_member_int(j, "search_hops", res->refine_hops);
    if (res->refine_search_screened > 0) {
      prp_json_key(j, "before_search");
      prp_json_begin_object(j);
      for (int u = 0; u < pb->n_unknowns; u++) prp_json_member_number(j, pb->unknowns[u].name, res->refine_before_search[u]);
      prp_json_end_object(j);
      prp_json_member_number(j, "model_mse_before_search", res->refine_before_search_mse);
    }
    prp_json_end_object(j);
  }
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

static char *write_weights(run *r) {
  char path[4096];
  snprintf(path, sizeof path, "%s/weights.prpstate", r->pb->output_dir);
  return prp_trainer_save(r->t, path);
}

static void plot_history(run *r, prp_train_result *res) {
  const prp_train_problem *pb = r->pb;
  size_t n, ncols;
  const double *rows = prp_trainer_history(r->t, &n, &ncols);
  const char *const *names = prp_trainer_history_names(r->t);
  if (n < 2 || !prp_plot_available()) return;
  double *cols = prp_xmalloc(n * ncols, sizeof(double));
  for (size_t i = 0; i < n; i++)
    for (size_t c = 0; c < ncols; c++) cols[c * n + i] = rows[i * ncols + c];
  prp_plot_series series[2 + PRP_TRAIN_MAX_TERMS];
  size_t ns = 0, first_unknown = prp_trainer_history_unknowns(r->t);
  for (size_t c = 1; c < first_unknown; c++) series[ns++] = (prp_plot_series){names[c], cols, cols + c * n, n};
  char path[4096];
  snprintf(path, sizeof path, "%s/loss.png", pb->output_dir);
  prp_plot_frame fr = {path, 900, 600, "training loss", "epoch", "loss"};
  output_failed(res, prp_plot_lines(&fr, series, ns, true));
  ns = 0;
  for (int u = 0; u < pb->n_unknowns; u++) {
    size_t c = first_unknown + (size_t)u;
    series[ns++] = (prp_plot_series){pb->unknowns[u].name, cols, cols + c * n, n};
  }
  snprintf(path, sizeof path, "%s/unknowns.png", pb->output_dir);
  fr = (prp_plot_frame){path, 900, 600, "unknowns", "epoch", "value"};
  output_failed(res, prp_plot_lines(&fr, series, ns, false));
  free(cols);
}

/* The result from the trainer's final evaluation; history.csv closed, the other outputs written. */
static void finish(run *r, prp_train_result *res) {
  const prp_train_problem *pb = r->pb;
  prp_trainer_epoch e;
  prp_trainer_last(r->t, &e);
  for (int u = 0; u < pb->n_unknowns; u++) res->unknowns[u] = e.unknowns[u];
  for (int i = 0; i < pb->n_terms; i++) res->term_loss[i] = e.term_loss[i];
  size_t n, ncols;
  const double *rows = prp_trainer_history(r->t, &n, &ncols);
  prp_train_path path = {rows, n, ncols, prp_trainer_history_unknowns(r->t)};
  prp_train_refine(pb, &path, res);
  res->seconds = prp_now() - r->start;
  prp_train_verdict_run(pb, res, rows, n, ncols, &res->verdict);
  output_failed(res, prp_trainer_history_csv_close(r->t));
  if (!pb->output_dir) return;
  output_failed(res, write_result_json(r, res));
  output_failed(res, write_weights(r));
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

static char *open_history(run *r) {
  if (!r->pb->output_dir) return NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/history.csv", r->pb->output_dir);
  return prp_trainer_history_csv(r->t, path);
}

/* Adam, L-BFGS, the final evaluation (schedules at the epochs done) and its progress line. */
static void train(run *r) {
  const prp_train_problem *pb = r->pb;
  size_t total = (size_t)prp_train_total_epochs(pb), line_every = total / 20 > 0 ? total / 20 : 1;
  prp_progress_init(&r->progress, stderr, total, 0, line_every);
  prp_interrupt_install();
  adam_phase(r);
  r->res->epochs_done = (int)prp_trainer_epochs_done(r->t);
  lbfgs_phase(r);
  prp_interrupt_restore();
  prp_trainer_evaluate(r->t);
  prp_trainer_epoch e;
  prp_trainer_last(r->t, &e);
  e.epoch = r->res->epochs_done;
  e.loss = r->res->loss;
  if (!pb->quiet) prp_trainer_show(&r->progress, pb, &e, r->res->stopped == 0 && !r->res->settled ? "done" : r->res->message);
}

char *prp_train_run(const prp_train_problem *pb, prp_train_result *res) {
  memset(res, 0, sizeof *res);
  res->loss = NAN;   /* until an epoch gives a finite one */
  run r = {.pb = pb, .res = res, .start = prp_now()};
  char *err = prepare(pb, res);
  if (err) return err;
  r.t = prp_trainer_new(pb, &err);
  if (!r.t) {
    res->error_status = PRP_EXIT_RUNTIME;
    return err;
  }
  if ((err = open_history(&r))) {
    res->error_status = PRP_EXIT_IO;
  } else {
    prp_train_stop_init(&r.stop, pb);
    train(&r);
    finish(&r, res);
    prp_train_stop_free(&r.stop);
  }
  prp_trainer_free(r.t);
  return err;
}
