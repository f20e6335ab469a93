/* Runtime, training: restarts. The same compiled problem trained from several
 * initial guesses drawn uniformly in the unknowns' bounds (the first run keeps
 * the file's guess), each in its own output subdirectory; a run succeeds when
 * every unknown with a known truth ends within a tolerance of it. Under MPI the
 * restarts are dealt to the ranks and gathered on rank 0 (dist.h); in one process they
 * run concurrently, one per core (train_restarts_threads.c), or one after the other. */
#include "train_restarts.h"
#include "dist.h"
#include "output.h"
#include "progress.h"
#include "rng.h"
#include "util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Success: |estimate - truth| <= tol * (hi - lo) for bounded unknowns, else
 * tol * max(1, |truth|), for every unknown whose truth is known. */
int prp_train_success(const prp_train_problem *pb, const prp_train_result *res, double tol) {
  int known = 0;
  for (int u = 0; u < pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &pb->unknowns[u];
    if (!isfinite(uk->truth)) continue;
    known = 1;
    double scale = isfinite(uk->lo) && isfinite(uk->hi) ? uk->hi - uk->lo : fmax(1, fabs(uk->truth));
    if (!(fabs(res->unknowns[u] - uk->truth) <= tol * scale)) return 0;
  }
  return known && res->stopped == 0;
}

static double draw_guess(const prp_train_unknown *uk, prp_rng *rng) {
  if (isfinite(uk->lo) && isfinite(uk->hi)) return uk->lo + (uk->hi - uk->lo) * (0.02 + 0.96 * prp_rng_uniform(rng));
  return uk->guess * (0.5 + prp_rng_uniform(rng));
}

char *prp_train_restarts(const prp_train_problem *pb, int n, double tol, prp_train_result *results, int *best) {
  int done = 0;
  char *err = prp_train_restarts_done(pb, n, tol, results, best, &done);
  if (!err && done < n) err = prp_errorf("interrupted during restart %d", done);
  return err;
}

/* The old outputs of the whole directory (top level and every restart_K) go first. */
static char *prepare_directory(const prp_train_problem *pb, prp_train_result *first) {
  if (!pb->output_dir) return NULL;
  char *err = prp_make_dirs(pb->output_dir);
  if (!err) err = prp_output_clear_run(pb->output_dir);
  if (err) first->error_status = PRP_EXIT_IO;
  return err;
}

/* Restart 0 starts from the file's guesses, restart k > 0 from guesses drawn in turn from
 * one generator: every rank and every thread count gives restart k the same ones. */
static void draw_guesses(prp_restart_series *s) {
  prp_rng rng;
  prp_rng_seed(&rng, s->pb->seed ^ 0x5eed5eedULL);
  for (int k = 0; k < s->n; k++)
    for (int u = 0; u < s->pb->n_unknowns; u++)
      s->guess[k][u] = k == 0 ? s->pb->unknowns[u].guess : draw_guess(&s->pb->unknowns[u], &rng);
}

char *prp_restart_run(const prp_restart_series *s, int k, prp_train_problem *run) {
  char dir[4096];
  for (int u = 0; u < s->pb->n_unknowns; u++) run->unknowns[u].guess = s->guess[k][u];
  if (s->pb->output_dir) {
    snprintf(dir, sizeof dir, "%s/restart_%d", s->pb->output_dir, k);
    run->output_dir = dir;
  }
  run->seed = s->pb->seed + (uint64_t)k;
  char *err = prp_train_run(run, &s->runs[k].result);
  run->output_dir = s->pb->output_dir;
  s->runs[k].ran = !err;
  return err;
}

/* One after the other: this rank's restarts, k % P == rank (dist.h), up to an error or Ctrl-C. */
static char *run_dealt(prp_restart_series *s, int *status) {
  int rank = prp_dist_rank(), size = prp_dist_size();
  prp_train_problem run = *s->pb;
  run.quiet = s->pb->quiet || rank != 0;
  for (int k = rank; k < s->n; k += size) {
    char *err = prp_restart_run(s, k, &run);
    if (err) {
      *status = s->runs[k].result.error_status;
      return err;
    }
    if (s->runs[k].result.stopped == 1 || prp_interrupt_requested()) break;
  }
  return NULL;
}

double prp_train_restart_score(const prp_train_problem *pb, const prp_train_result *res) {
  if (prp_train_refines(pb)) return res->refined ? res->refine.mse_end : res->refine_rejected ? res->refine.mse_start : INFINITY;
  return res->loss;
}

/* Rank 0: the runs gathered; *done = the leading runs finished, *best among them. */
static void collect(const prp_train_problem *pb, const prp_restart_record *runs, int n, prp_train_result *results,
                    int *best, int *done) {
  for (int k = 0; k < n && runs[k].ran; k++) {
    results[k] = runs[k].result;
    if (results[k].stopped == 1) break;
    if (results[k].stopped == 0 &&
        (*best < 0 || prp_train_restart_score(pb, &results[k]) < prp_train_restart_score(pb, &results[*best])))
      *best = k;
    *done = k + 1;
  }
}

char *prp_train_restarts_done(const prp_train_problem *pb, int n, double tol, prp_train_result *results, int *best,
                              int *done) {
  int rank = prp_dist_rank(), status = 0;
  *best = -1;
  *done = 0;
  char *err = rank == 0 ? prepare_directory(pb, &results[0]) : NULL;
  if (err) return err;
  prp_dist_barrier();   /* no rank writes before rank 0 has cleared the directory */
  prp_restart_series s = {pb, n, prp_xcalloc((size_t)n, sizeof *s.guess), prp_xcalloc((size_t)n, sizeof *s.runs)};
  draw_guesses(&s);
  int workers = prp_train_restart_workers(pb, n);
  prp_interrupt_install();   /* a Ctrl-C between two runs stops the series too */
  err = workers > 1 ? prp_restarts_concurrent(&s, workers, &status) : run_dealt(&s, &status);
  prp_interrupt_restore();
  if (err) {
    results[0].error_status = status;
  } else {
    prp_dist_gather_dealt(s.runs, sizeof *s.runs, (size_t)n);
    if (rank == 0) collect(pb, s.runs, n, results, best, done);
    else *done = n;   /* the table is rank 0's */
  }
  free(s.guess);
  free(s.runs);
  return err;
}
