/* Runtime, training: restarts. The same compiled problem trained from several
 * initial guesses drawn uniformly in the unknowns' bounds (the first run keeps
 * the file's guess), each in its own output subdirectory; a run succeeds when
 * every unknown with a known truth ends within a tolerance of it. */
#include "train.h"
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

char *prp_train_restarts_done(const prp_train_problem *pb, int n, double tol, prp_train_result *results, int *best,
                              int *done) {
  prp_train_problem run = *pb;
  prp_rng rng;
  prp_rng_seed(&rng, pb->seed ^ 0x5eed5eedULL);
  char dir[4096];
  *best = -1;
  *done = 0;
  char *err = prepare_directory(pb, &results[0]);
  if (err) return err;
  prp_interrupt_install();   /* a Ctrl-C between two runs stops the series too */
  for (int k = 0; k < n && !err; k++) {
    if (k > 0)
      for (int u = 0; u < pb->n_unknowns; u++) run.unknowns[u].guess = draw_guess(&pb->unknowns[u], &rng);
    if (pb->output_dir) {
      snprintf(dir, sizeof dir, "%s/restart_%d", pb->output_dir, k);
      run.output_dir = dir;
    }
    run.seed = pb->seed + (uint64_t)k;
    if ((err = prp_train_run(&run, &results[k]))) break;
    if (results[k].stopped == 1 || prp_interrupt_requested()) break;
    if (results[k].stopped == 0 && (*best < 0 || results[k].loss < results[*best].loss)) *best = k;
    *done = k + 1;
  }
  prp_interrupt_restore();
  return err;
}
