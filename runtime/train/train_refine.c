/* Runtime, training: the train option `refine N` -- after the network's training, the
 * unknowns refined by Levenberg-Marquardt (refine.c) on the model's residuals (prpc run:
 * the file's strict PDE solved by the simulator), from the network's estimate. */
#include "train.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A line per step on stderr (unless quiet); Ctrl-C stops at the end of a step, keeping the
 * best point so far. */
static int refine_progress(void *ctx, int step, int evaluations, double mse) {
  const prp_train_problem *pb = ctx;
  if (!pb->quiet)
    fprintf(stderr, "refine: step %d/%d, %d simulations, model mse %.4g\n", step, pb->refine_steps, evaluations, mse);
  return prp_interrupt_requested();
}

int prp_train_refines(const prp_train_problem *pb) { return pb->refine_steps > 0 && pb->model_residuals; }

void prp_train_refine(const prp_train_problem *pb, prp_train_result *res) {
  memcpy(res->network_unknowns, res->unknowns, sizeof res->unknowns);
  res->refined = 0;
  memset(&res->refine, 0, sizeof res->refine);
  if (!prp_train_refines(pb) || res->stopped || pb->n_obs == 0) return;
  double lo[PRP_TRAIN_MAX_UNKNOWNS], hi[PRP_TRAIN_MAX_UNKNOWNS], scale[PRP_TRAIN_MAX_UNKNOWNS], x[PRP_TRAIN_MAX_UNKNOWNS];
  for (int u = 0; u < pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &pb->unknowns[u];
    lo[u] = uk->lo, hi[u] = uk->hi, x[u] = res->unknowns[u];
    scale[u] = isfinite(uk->lo) && isfinite(uk->hi) ? uk->hi - uk->lo : fmax(fabs(x[u]), 1);
  }
  prp_refine_options opt = {.n = pb->n_unknowns, .m = (int)pb->n_obs, .lo = lo, .hi = hi, .scale = scale,
                            .max_steps = pb->refine_steps, .progress = refine_progress, .progress_ctx = (void *)pb};
  prp_interrupt_install();
  res->refine = prp_refine(pb->model_residuals, pb->model_misfit_ctx, &opt, x);
  prp_interrupt_restore();
  if (res->refine.status == PRP_REFINE_FAILED) return;
  memcpy(res->unknowns, x, (size_t)pb->n_unknowns * sizeof *x);
  res->refined = 1;
}
