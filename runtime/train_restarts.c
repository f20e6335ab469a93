/* Runtime, training: restarts. The same compiled problem trained from several
 * initial guesses drawn uniformly in the unknowns' bounds (the first run keeps
 * the file's guess), each in its own output subdirectory; a run succeeds when
 * every unknown with a known truth ends within a tolerance of it. */
#include "train.h"
#include "rng.h"
#include "state_io.h"
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
  prp_train_problem run = *pb;
  prp_rng rng;
  prp_rng_seed(&rng, pb->seed ^ 0x5eed5eedULL);
  char dir[4096];
  *best = -1;
  for (int k = 0; k < n; k++) {
    if (k > 0)
      for (int u = 0; u < pb->n_unknowns; u++) run.unknowns[u].guess = draw_guess(&pb->unknowns[u], &rng);
    if (pb->output_dir) {
      snprintf(dir, sizeof dir, "%s/restart_%d", pb->output_dir, k);
      run.output_dir = dir;
    }
    run.seed = pb->seed + (uint64_t)k;
    char *err = prp_train_run(&run, &results[k]);
    if (err) return err;
    if (results[k].stopped == 1) return prp_errorf("interrupted during restart %d", k);
    if (results[k].stopped == 0 && (*best < 0 || results[k].loss < results[*best].loss)) *best = k;
  }
  return NULL;
}
