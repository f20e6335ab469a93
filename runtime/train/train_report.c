/* Runtime, training: train once or with restarts and print the summary; see
 * train_report.h. */
#include "train_report.h"
#include "util.h"
#include "train_verdict.h"
#include "dist.h"
#include "train_dist.h"
#include <math.h>
#include <stdlib.h>

/* What the search around the refined values (`hops`) did. */
static void print_search(FILE *out, const prp_train_problem *pb, const prp_train_result *res, const char *unit, double s2) {
  if (res->refine_search_screened == 0) return;
  if (res->refine_hops == 0) {
    fprintf(out, "refine: searched around the answer: none of %d points fits better\n", res->refine_search_screened);
    return;
  }
  fprintf(out, "refine: searched around the answer: %d point%s screened, %d lower minim%s; before the search (",
          res->refine_search_screened, res->refine_search_screened == 1 ? "" : "s", res->refine_hops,
          res->refine_hops == 1 ? "um" : "a");
  for (int u = 0; u < pb->n_unknowns; u++) fprintf(out, "%s%s = %.6g", u ? ", " : "", pb->unknowns[u].name, res->refine_before_search[u]);
  fprintf(out, ") %s %.3g\n", unit, res->refine_before_search_mse / s2);
}

/* What `refine N` did, the misfits against the noise level the verdict compares with. */
static void print_refine(FILE *out, const prp_train_problem *pb, const prp_train_result *res) {
  if (pb->refine_steps <= 0 || res->stopped || (pb->refine_by_default && !pb->model_residuals)) return;
  if (!pb->model_residuals) {
    fprintf(out, "refine: not done: the model cannot be simulated here (only prpc run and prpc experiments simulate it, for a PDE the truth simulator solves)\n");
    return;
  }
  const prp_refine_report *r = &res->refine;
  double s = res->verdict.noise_compared, s2 = s > 0 ? s * s : 1;
  if (!res->refined && !res->refine_rejected) {
    fprintf(out, "refine: not done: the model could not be simulated at the network's estimate\n");
    return;
  }
  const char *unit = s > 0 ? "mse/sigma^2" : "mse";
  fprintf(out, "refine: %d Levenberg-Marquardt step%s (%s), %d simulations of the model: %s %.3g -> %.3g\n",
          r->steps, r->steps == 1 ? "" : "s", prp_refine_status_name(r->status), r->evaluations, unit,
          r->mse_start / s2, r->mse_end / s2);
  if (res->refine_rejected)
    fprintf(out, "refine: not kept: the model's misfit fell by less than %g%%; the network's estimate stands\n",
            100 * PRP_REFINE_MIN_GAIN);
  if (res->refine_from_path)
    fprintf(out, "refine: from the path at epoch %d, the best of %d points by the model's misfit (the network's "
                 "estimate refined to %s %.3g)\n", res->refine_from_epoch, res->refine_screened, unit,
            res->refine_network_mse / s2);
  print_search(out, pb, res, unit, s2);
}

void prp_train_print_summary(FILE *out, const prp_train_problem *pb, const prp_train_result *res) {
  fprintf(out, "%s: %s after %d epochs in %.1f s, loss %.3e\n", pb->problem_name,
          res->stopped == 0 ? "trained" : res->stopped == 1 ? "interrupted" : "stopped",
          res->epochs_done, res->seconds, res->loss);
  for (int u = 0; u < pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &pb->unknowns[u];
    fprintf(out, "  %-10s = %-12.6g (guess %g", uk->name, res->unknowns[u], uk->guess);
    if (res->refined) fprintf(out, ", network %.6g", res->network_unknowns[u]);
    if (isfinite(uk->truth)) fprintf(out, ", truth %g, error %.3g", uk->truth, fabs(res->unknowns[u] - uk->truth));
    fprintf(out, ")\n");
  }
  print_refine(out, pb, res);
  prp_train_verdict_print(out, pb, &res->verdict);
  if (pb->output_dir && !res->output_error[0]) fprintf(out, "results in %s/\n", pb->output_dir);
}

void prp_train_print_restarts(FILE *out, const prp_train_problem *pb, const prp_train_result *res, int n, int best) {
  int successes = 0, known = 0;
  for (int u = 0; u < pb->n_unknowns; u++) known |= isfinite(pb->unknowns[u].truth);
  fprintf(out, "%-8s", "restart");
  for (int u = 0; u < pb->n_unknowns; u++) fprintf(out, " %12s", pb->unknowns[u].name);
  fprintf(out, " %12s %8s %9s\n", "loss", known ? "success" : "", "verdict");
  for (int k = 0; k < n; k++) {
    int ok = prp_train_success(pb, &res[k], PRP_TRAIN_SUCCESS_TOLERANCE);
    successes += ok;
    fprintf(out, "%-8d", k);
    for (int u = 0; u < pb->n_unknowns; u++) fprintf(out, " %12.6g", res[k].unknowns[u]);
    fprintf(out, " %12.4e %8s %9s\n", res[k].loss, known ? (ok ? "yes" : "no") : "", prp_verdict_name(res[k].verdict.verdict));
  }
  if (known)
    fprintf(out, "success rate: %d/%d (every unknown within %.0f%% of its bound width of the truth)\n", successes, n,
            100 * PRP_TRAIN_SUCCESS_TOLERANCE);
  if (best >= 0) {
    fprintf(out, "best (%s): restart %d:", prp_train_refines(pb) ? "lowest refined model misfit" : "lowest loss", best);
    for (int u = 0; u < pb->n_unknowns; u++) fprintf(out, " %s = %g", pb->unknowns[u].name, res[best].unknowns[u]);
    fprintf(out, "\n");
  }
}

int prp_train_exit_status(const prp_train_result *res) {
  if (res->output_error[0]) return PRP_EXIT_IO;
  return res->stopped == 0 ? PRP_EXIT_OK : res->stopped == 1 ? PRP_EXIT_INTERRUPT : PRP_EXIT_RUNTIME;
}

/* An error prp_train_run returned: printed, and its exit status (the runtime's by default). */
static int report_error(const char *program, char *err, int status) {
  fprintf(stderr, "%s: error: %s\n", program, err);
  free(err);
  return status ? status : PRP_EXIT_RUNTIME;
}

static int train_restarts(const prp_train_problem *pb, const char *program) {
  int n = pb->restarts > PRP_TRAIN_MAX_RESTARTS ? PRP_TRAIN_MAX_RESTARTS : pb->restarts, best, done = 0;
  prp_train_result *res = prp_xcalloc((size_t)n, sizeof *res);
  int workers = prp_train_restart_workers(pb, n);
  if (workers > 1 && !pb->quiet)
    fprintf(stderr, "%s: %d restarts, %d at a time (the progress shown is of those on the first thread)\n", program, n,
            workers);
  char *err = prp_train_restarts_done(pb, n, PRP_TRAIN_SUCCESS_TOLERANCE, res, &best, &done);
  int code = 0;
  if (!err) prp_dist_outcome_shared();   /* rank 0 has gathered every run */
  if (!err && prp_dist_rank() != 0) {
    /* under MPI the table, the verdict and their files are rank 0's */
  } else if (err) {
    code = report_error(program, err, done < n ? res[done].error_status : 0);
  } else {
    prp_train_print_restarts(stdout, pb, res, done, best);
    if (done > 0) {
      prp_train_verdict v;
      prp_train_verdict_restarts(pb, res, done, best, &v);
      prp_train_verdict_print(stdout, pb, &v);
      char *verr = prp_train_verdict_write_restarts(pb, &v, done, best);
      if (verr) code = report_error(program, verr, PRP_EXIT_IO);
    }
    for (int k = 0; k < done && !code; k++)
      if (res[k].output_error[0]) code = report_error(program, prp_xstrdup(res[k].output_error), PRP_EXIT_IO);
    if (!code && done < n) {
      fprintf(stderr, "%s: interrupted during restart %d of %d; the table shows the finished ones\n", program,
              done, n);
      code = PRP_EXIT_INTERRUPT;
    }
  }
  free(res);
  return code;
}

/* Under MPI with several ranks one training is data-parallel (train_dist.h): every
 * rank trains the same network on its share of the points, and only rank 0 writes
 * files and prints; the others compute the same result, silently. */
static int train_once(const prp_train_problem *pb, const char *program) {
  prp_train_result res;
  prp_train_problem quiet = *pb;
  int root = prp_dist_rank() == 0;
  if (!root) {
    quiet.output_dir = NULL;
    quiet.quiet = 1;
  }
  prp_train_dist_set_split(1);
  char *err = prp_train_run(&quiet, &res);
  prp_train_dist_set_split(0);
  if (err) return report_error(program, err, res.error_status);
  prp_dist_outcome_shared();   /* every rank has the same result */
  if (!root) return prp_train_exit_status(&res);
  prp_train_print_summary(stdout, pb, &res);
  if (res.stopped == 2) fprintf(stderr, "%s: error: %s\n", program, res.message);
  if (res.output_error[0]) fprintf(stderr, "%s: error: %s\n", program, res.output_error);
  return prp_train_exit_status(&res);
}

int prp_train_and_report(const prp_train_problem *pb, const char *program) {
  return pb->restarts > 1 ? train_restarts(pb, program) : train_once(pb, program);
}
