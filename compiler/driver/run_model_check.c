/* `prpc run`, the verdict's model check (and the residuals of `refine N`): after training, the file's model (its strict PDE,
 * no relaxation) solved by the truth simulator with the unknowns at the estimate, and its
 * misfit to the observations -- what the network's own misfit cannot show when it fits the
 * data by bending the physics. Uses the misfit landscape's scan (landscape_common.h). */
#include "run.h"
#include "landscape_common.h"
#include "progress.h"
#include "util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct prp_model_check {
  prp_landscape_scan scan;
  prp_diag diag;
  char *messages;                      /* the scan's diagnostics, kept out of the run's output */
  size_t messages_len;
  FILE *sink;
  int failed;
};

/* The first line of what the scan reported, without its "error: " prefix. */
static void note_failure(prp_model_check *c) {
  if (c->failed++) return;
  fflush(c->sink);
  const char *m = c->messages ? c->messages : "";
  const char *e = strstr(m, "error: ");
  if (e) m = e + 7;
  int len = (int)strcspn(m, "\n");
  fprintf(stderr, "prpc: note: the verdict's model check is left out: %.*s\n", len, m);
}

static double misfit_at(void *ctx, const double *unknowns) {
  prp_model_check *c = ctx;
  if (c->failed) return NAN;
  int n = c->scan.prog->problem.nunknowns;
  for (int k = 0; k < n; k++) c->scan.base[k] = unknowns[k];
  prp_landscape_setting strict = {.eps = 0, .dilate = 1, .at = NAN};
  for (int k = 0; k < PRP_LANDSCAPE_MAX_LIST; k++) strict.factor[k] = 1;
  double loss = NAN;
  if (prp_landscape_scan_misfits(&c->scan, &strict, 1, -1, 0, &loss) != 0) {
    note_failure(c);
    return NAN;
  }
  return loss;
}

/* The refinement's residuals (train option `refine`): model - observation at every observation. */
static int residuals_at(void *ctx, const double *unknowns, double *r) {
  prp_model_check *c = ctx;
  if (!isfinite(misfit_at(ctx, unknowns))) return -1;
  for (size_t i = 0; i < c->scan.nobs; i++) r[i] = c->scan.model_u[i] - c->scan.obs_u[i];
  return 0;
}

/* Without a `refine` line the refinement is on only where one simulation of the model, timed
 * here at the guesses, takes less than PRP_REFINE_DEFAULT_MAX_SECONDS: a refinement costs
 * 21-106 of them on the 2D blind problems (docs/experiments.md, stop 13). */
static void refine_if_affordable(prp_model_check *c, prp_train_problem *pb) {
  if (!pb->refine_by_default || pb->refine_steps <= 0 || !pb->model_residuals) return;
  double guess[PRP_TRAIN_MAX_UNKNOWNS], start = prp_now();
  for (int u = 0; u < pb->n_unknowns; u++) guess[u] = pb->unknowns[u].guess;
  misfit_at(c, guess);
  double seconds = prp_now() - start;
  if (seconds < PRP_REFINE_DEFAULT_MAX_SECONDS) return;
  pb->refine_steps = 0;
  fprintf(stderr, "prpc: note: no refinement after training: one simulation of the model takes %.1f s (the default "
                  "refines below %g s; a 'refine N' line in the train block asks for it)\n", seconds,
          PRP_REFINE_DEFAULT_MAX_SECONDS);
}

prp_model_check *prp_model_check_open(const ast_program *prog, prp_jit *jit, prp_train_problem *pb) {
  prp_model_check *c = prp_xcalloc(1, sizeof *c);
  c->sink = open_memstream(&c->messages, &c->messages_len);
  PRP_ASSERT(c->sink);
  prp_diag_init(&c->diag, c->sink, 0);
  prp_landscape_options opt = {.param = ""};
  prp_landscape_options_defaults(&opt);
  opt.neps = 1, opt.eps[0] = 0, opt.ndilate = 1, opt.dilate[0] = 1, opt.quiet = 1;
  opt.given_x = pb->obs_x, opt.given_u = pb->obs_u, opt.given_nobs = pb->n_obs;   /* not simulated again */
  prp_landscape_setting settings[PRP_LANDSCAPE_MAX_SETTINGS];
  int nsettings = 0;
  const char *dilated = NULL;
  if (prp_landscape_scan_open(&c->scan, prog, jit, &opt, &c->diag, settings, &nsettings, &dilated) != 0)
    note_failure(c);
  pb->model_misfit = misfit_at;
  pb->model_residuals = c->scan.nobs == pb->n_obs ? residuals_at : NULL;
  pb->model_misfit_ctx = c;
  refine_if_affordable(c, pb);
  return c;
}

void prp_model_check_close(prp_model_check *c) {
  if (!c) return;
  prp_landscape_scan_close(&c->scan);
  fclose(c->sink);
  free(c->messages);
  free(c);
}
