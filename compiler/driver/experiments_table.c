/* `prpc experiments`: the sweep's table.md, table.csv and summary.txt, the columns
 * examples/experiments.sh wrote: the final estimate and error of each unknown, success
 * (every unknown with a truth within tol of its bound width of it), the run's own
 * verdict and warnings, epochs to success, seconds; the summary counts successes and
 * how often the verdict was right (converged on a success, not on a failure). */
#include "experiments.h"
#include "output.h"
#include "util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *prp_experiment_method_name(int method) { return method == 1 ? "pr-pinn" : "vanilla"; }

static const char *guess_text(const prp_experiments_table *t, const prp_experiment_run *r) {
  return r->guess >= 0 ? t->guesses[r->guess] : "file";
}

void prp_experiment_run_name(const prp_experiments_table *t, const prp_experiment_run *r, char *buf, size_t size) {
  char seed[32] = "";
  if (r->seed >= 0) snprintf(seed, sizeof seed, "%ld", r->seed);
  else snprintf(seed, sizeof seed, "%llu", (unsigned long long)t->pb->seed);
  snprintf(buf, size, "%s-%s-s%s", prp_experiment_method_name(r->method), guess_text(t, r), seed);
  for (char *p = buf; *p; p++)
    if (*p == '=' || *p == ',') *p = '_';
}

static double width_of(const prp_train_unknown *uk) {
  return isfinite(uk->lo) && isfinite(uk->hi) ? uk->hi - uk->lo : 1;
}

static int success(const prp_experiments_table *t, const prp_experiment_run *r) {
  for (int u = 0; u < t->pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &t->pb->unknowns[u];
    if (isfinite(uk->truth) && !(fabs(r->result.unknowns[u] - uk->truth) <= t->tol * width_of(uk))) return 0;
  }
  return 1;
}

static double thousandths(double v) { return round(v * 1000) / 1000; }

/* "xs=0.6, ys=0.7" and "0.002, 0.01" (the unknowns with a truth); after `refine`, the
 * network's estimate follows: "xs=0.6, ys=0.7 (network xs=0.68, ys=0.72)". */
static void estimates(const prp_experiments_table *t, const prp_experiment_run *r, char *est, char *err, size_t size) {
  size_t ne = 0, nr = 0;
  est[0] = err[0] = '\0';
  for (int u = 0; u < t->pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &t->pb->unknowns[u];
    ne += (size_t)snprintf(est + ne, ne < size ? size - ne : 0, "%s%s=%g", u ? ", " : "", uk->name,
                           thousandths(r->result.unknowns[u]));
    if (isfinite(uk->truth))
      nr += (size_t)snprintf(err + nr, nr < size ? size - nr : 0, "%s%g", nr ? ", " : "",
                             thousandths(fabs(r->result.unknowns[u] - uk->truth)));
  }
  for (int u = 0; r->result.refined && u < t->pb->n_unknowns; u++)
    ne += (size_t)snprintf(est + ne, ne < size ? size - ne : 0, "%s%s=%g%s", u ? ", " : " (network ",
                           t->pb->unknowns[u].name, thousandths(r->result.network_unknowns[u]),
                           u + 1 == t->pb->n_unknowns ? ")" : "");
}

static int compare_text(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The warnings' names, "name(unknown)", sorted, each once, separated by spaces. */
static void warnings(const prp_experiments_table *t, const prp_experiment_run *r, char *out, size_t size) {
  const prp_train_verdict *v = &r->result.verdict;
  char names[PRP_VERDICT_MAX_WARNINGS][64];
  char *sorted[PRP_VERDICT_MAX_WARNINGS];
  int n = 0;
  for (int i = 0; i < v->n_warnings && i < PRP_VERDICT_MAX_WARNINGS; i++) {
    const prp_train_warning *w = &v->warnings[i];
    if (w->unknown >= 0) snprintf(names[n], sizeof names[n], "%s(%s)", prp_warning_name(w->kind), t->pb->unknowns[w->unknown].name);
    else snprintf(names[n], sizeof names[n], "%s", prp_warning_name(w->kind));
    sorted[n] = names[n];
    n++;
  }
  qsort(sorted, (size_t)n, sizeof *sorted, compare_text);
  size_t len = 0;
  out[0] = '\0';
  for (int i = 0; i < n; i++)
    if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
      len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s", len ? " " : "", sorted[i]);
}

static const char *status_name(const prp_train_result *res) {
  return res->stopped == 0 ? "done" : res->stopped == 1 ? "interrupted" : "not finite";
}

static void seed_text(const prp_experiments_table *t, const prp_experiment_run *r, char *buf, size_t size) {
  if (r->seed >= 0) snprintf(buf, size, "%ld", r->seed);
  else snprintf(buf, size, "%llu", (unsigned long long)t->pb->seed);
}

static void write_row(const prp_experiments_table *t, const prp_experiment_run *r, FILE *md, FILE *csv) {
  const char *m = prp_experiment_method_name(r->method), *g = guess_text(t, r);
  char seed[32], est[1024], err[1024], warns[2048], steps[32] = "-";
  seed_text(t, r, seed, sizeof seed);
  if (!r->ran) {
    fprintf(md, "| %s | %s | %s | (failed: %s) | | | | | |\n", m, g, seed, r->error);
    printf("%s %s %s seed %s: failed: %s\n", t->problem_name, m, g, seed, r->error);
    return;
  }
  estimates(t, r, est, err, sizeof est);
  warnings(t, r, warns, sizeof warns);
  if (r->epochs_to_success >= 0) snprintf(steps, sizeof steps, "%d", r->epochs_to_success);
  const char *ok = success(t, r) ? "true" : "false", *verdict = prp_verdict_name(r->result.verdict.verdict);
  double secs = round(r->result.seconds * 10) / 10;
  fprintf(md, "| %s | %s | %s | %s | %s | %s | %s%s%s%s | %s | %g |\n", m, g, seed, est, err, ok, verdict,
          warns[0] ? " (" : "", warns, warns[0] ? ")" : "", steps, secs);
  fprintf(csv, "%s,\"%s\",%s,\"%s\",%s,\"%s\",%s,%s,\"%s\",%s,%g\n", m, g, seed, est, status_name(&r->result), err, ok,
          verdict, warns, steps, secs);
  printf("%s %s %s seed %s: %s (error %s) success=%s verdict=%s\n", t->problem_name, m, g, seed, est, err, ok, verdict);
}

/* Per method: successes, and the verdict right (converged on a success, suspect or failed
 * on a failure), with the successes called converged and the failures flagged. */
static void write_summary(const prp_experiments_table *t, const prp_experiment_run *runs, int n, FILE *out) {
  for (int m = 0; m < 2; m++) {
    int total = 0, ns = 0, nf = 0, called = 0, flagged = 0;
    for (int k = 0; k < n; k++) {
      if (runs[k].method != m || !runs[k].ran) continue;
      int ok = success(t, &runs[k]), conv = runs[k].result.verdict.verdict == PRP_VERDICT_CONVERGED;
      total++;
      if (ok) ns++, called += conv;
      else nf++, flagged += !conv;
    }
    int listed = 0;
    for (int k = 0; k < n; k++) listed += runs[k].method == m;
    if (!listed) continue;
    char line[512];
    snprintf(line, sizeof line,
             "%s %s: success %d/%d; verdict right %d/%d (successes called converged %d/%d, failures flagged %d/%d)\n",
             t->problem_name, prp_experiment_method_name(m), ns, total, called + flagged, total, called, ns, flagged, nf);
    fputs(line, stdout);
    fputs(line, out);
  }
}

static char *open_all(prp_output out[3], const char *dir) {
  static const char *const names[] = {"table.md", "table.csv", "summary.txt"};
  for (int i = 0; i < 3; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    char *err = prp_output_open(&out[i], path);
    if (err) {
      for (int j = 0; j < i; j++) prp_output_abort(&out[j]);
      return err;
    }
  }
  return NULL;
}

char *prp_experiments_write(const prp_experiments_table *t, const prp_experiment_run *runs, int n) {
  prp_output out[3];
  char *err = open_all(out, t->dir);
  if (err) return err;
  fprintf(out[0].f, "| method | initial guess | seed | final estimate | error | success | verdict | epochs to success | seconds |\n"
                    "|---|---|---|---|---|---|---|---|---|\n");
  fprintf(out[1].f, "method,guess,seed,unknowns,status,errors,success,verdict,warnings,epochs_to_success,seconds\n");
  for (int k = 0; k < n; k++) write_row(t, &runs[k], out[0].f, out[1].f);
  write_summary(t, runs, n, out[2].f);
  for (int i = 0; i < 3; i++) {
    char *e = prp_output_commit(&out[i]);
    if (e && !err) err = e;
    else free(e);
  }
  return err;
}
