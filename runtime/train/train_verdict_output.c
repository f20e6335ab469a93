/* Runtime, training: the verdict (train_verdict.c) in words on the console and
 * as members of result.json; see train_verdict.h. */
#include "train_verdict.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *noise_source_name(prp_noise_source s) {
  return s == PRP_NOISE_TRUTH ? "truth" : s == PRP_NOISE_ESTIMATED ? "estimated" : "unknown";
}

/* Whose misfit misfit_above_noise judged, as the warning says it. */
static const char *judged_name(int judged) {
  return judged == PRP_JUDGED_REFINED ? "the refined model's"
       : judged == PRP_JUDGED_NOT_KEPT ? "the model's (at the network's estimate; the refinement fitted no better)"
                                       : "data";
}

static void bound_text(const prp_train_problem *pb, const prp_train_warning *w, char *buf, size_t len) {
  const prp_train_unknown *uk = &pb->unknowns[w->unknown];
  int upper = w->estimate > 0.5 * (uk->lo + uk->hi);
  snprintf(buf, len, "%s = %.6g is %.2g%% of its bound width from its %s bound %g (limit %g%%)", uk->name,
           w->estimate, 100 * w->value, upper ? "upper" : "lower", upper ? uk->hi : uk->lo, 100 * w->limit);
}

void prp_train_warning_text(const prp_train_problem *pb, const prp_train_verdict *v, const prp_train_warning *w,
                            char *buf, size_t len) {
  const char *name = w->unknown >= 0 ? pb->unknowns[w->unknown].name : "";
  switch (w->kind) {
  case PRP_WARN_NOT_FINITE: snprintf(buf, len, "the loss or its gradient was not finite at epoch %.0f", w->value + 1); break;
  case PRP_WARN_INTERRUPTED: snprintf(buf, len, "interrupted after %.0f epochs", w->value); break;
  case PRP_WARN_AT_BOUND: bound_text(pb, w, buf, len); break;
  case PRP_WARN_MISFIT_ABOVE_NOISE:
    snprintf(buf, len, "%s misfit rms %.3g is %.2g x the noise level %.3g (noise std %.3g from the %s; mse/sigma^2 %.3g, limit %g)",
             judged_name(v->misfit_judged_model), sqrt(v->misfit_judged_model ? v->model_mse : v->misfit_mse),
             sqrt(w->value), v->noise_compared, v->noise_std,
             v->noise_source == PRP_NOISE_TRUTH ? "truth block" : "data", w->value, w->limit);
    break;
  case PRP_WARN_STILL_MOVING:
    snprintf(buf, len, "%s moved %.2g%% of its bound width over the last %g%% of the history (limit %g%%)", name,
             100 * w->value, 100 * PRP_VERDICT_WINDOW, 100 * w->limit);
    break;
  case PRP_WARN_RESTARTS_DISAGREE:
    snprintf(buf, len, "%s spreads over %.2g%% of its bound width among the %d restarts of loss within %g x the best (limit %g%%)",
             name, 100 * w->value, v->restarts_compared, PRP_VERDICT_RESTART_LOSS, 100 * w->limit);
    break;
  }
}

/* The network's data misfit as a share of what u = 0 would misfit (NAN: no data term). */
static double data_fit_share(const prp_train_verdict *v) {
  return v->zero_field_mse > 0 ? v->misfit_mse / v->zero_field_mse : NAN;
}

/* A note, not a warning: the answer may still be right (the refinement does not need the
 * network to fit the sensors), but the network's estimate followed the residual alone. */
static void data_fit_note(FILE *out, const prp_train_verdict *v) {
  double share = data_fit_share(v);
  if (!(share > PRP_VERDICT_DATA_UNFITTED)) return;
  fprintf(out, "data fit: the network misses the sensors by %.0f%% of what u = 0 would (mse %.3g against %.3g): "
          "it hardly fits them, and its estimate follows the residual alone; weigh the data more "
          "('weights data W' in the train block; docs/running.md)\n", 100 * share, v->misfit_mse, v->zero_field_mse);
}

void prp_train_verdict_print(FILE *out, const prp_train_problem *pb, const prp_train_verdict *v) {
  fprintf(out, "verdict: %s\n", prp_verdict_name(v->verdict));
  char buf[320];
  for (int i = 0; i < v->n_warnings; i++) {
    prp_train_warning_text(pb, v, &v->warnings[i], buf, sizeof buf);
    fprintf(out, "  %s: %s\n", prp_warning_name(v->warnings[i].kind), buf);
  }
  double s = v->noise_compared;
  if (isfinite(v->model_mse) && s > 0)
    fprintf(out, "model check: the file's model simulated at the estimate misses the data by mse/sigma^2 %.3g "
            "(the network: %.3g)\n", v->model_mse / (s * s), v->misfit_mse / (s * s));
  data_fit_note(out, v);
}

static void per_unknown(prp_json *j, const char *key, const prp_train_problem *pb, const double *values) {
  prp_json_key(j, key);
  prp_json_begin_object(j);
  for (int u = 0; u < pb->n_unknowns; u++) prp_json_member_number(j, pb->unknowns[u].name, values[u]);
  prp_json_end_object(j);
}

static void checks_json(prp_json *j, const prp_train_problem *pb, const prp_train_verdict *v) {
  prp_json_key(j, "checks");
  prp_json_begin_object(j);
  prp_json_member_number(j, "misfit_mse", v->misfit_mse);
  prp_json_member_number(j, "zero_field_mse", v->zero_field_mse);
  prp_json_member_number(j, "data_fit_share", data_fit_share(v));
  if (isfinite(v->model_mse)) prp_json_member_number(j, "model_misfit_mse", v->model_mse);
  prp_json_member_string(j, "misfit_judged", v->misfit_judged_model == PRP_JUDGED_REFINED  ? "refined model"
                                            : v->misfit_judged_model == PRP_JUDGED_NOT_KEPT ? "model at the network's estimate"
                                                                                            : "network");
  prp_json_member_number(j, "noise_std", v->noise_std);
  prp_json_member_string(j, "noise", noise_source_name(v->noise_source));
  prp_json_member_number(j, "noise_compared", v->noise_compared);
  per_unknown(j, "movement", pb, v->movement);
  if (v->restarts_compared > 0) {
    prp_json_member_int(j, "restarts_compared", v->restarts_compared);
    per_unknown(j, "restart_spread", pb, v->spread);
  }
  prp_json_end_object(j);
}

void prp_train_verdict_json(prp_json *j, const prp_train_problem *pb, const prp_train_verdict *v) {
  prp_json_member_string(j, "verdict", prp_verdict_name(v->verdict));
  prp_json_key(j, "warnings");
  prp_json_begin_array(j);
  char buf[320];
  for (int i = 0; i < v->n_warnings; i++) {
    const prp_train_warning *w = &v->warnings[i];
    prp_json_begin_object(j);
    prp_json_member_string(j, "name", prp_warning_name(w->kind));
    if (w->unknown >= 0) {
      prp_json_member_string(j, "unknown", pb->unknowns[w->unknown].name);
      prp_json_member_number(j, "estimate", w->estimate);
    }
    prp_json_member_number(j, "value", w->value);
    prp_json_member_number(j, "limit", w->limit);
    prp_train_warning_text(pb, v, w, buf, sizeof buf);
    prp_json_member_string(j, "message", buf);
    prp_json_end_object(j);
  }
  prp_json_end_array(j);
  checks_json(j, pb, v);
}

char *prp_train_verdict_write_restarts(const prp_train_problem *pb, const prp_train_verdict *v, int n, int best) {
  if (!pb->output_dir) return NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/verdict.json", pb->output_dir);
  prp_json *j;
  char *err = prp_json_open_file(&j, path);
  if (err) return err;
  prp_json_begin_object(j);
  prp_json_member_string(j, "problem", pb->problem_name ? pb->problem_name : "");
  prp_json_member_int(j, "restarts", n);
  prp_json_member_int(j, "best", best);
  prp_train_verdict_json(j, pb, v);
  prp_json_end_object(j);
  return prp_json_finish(j);
}
