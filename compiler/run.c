/* The `prpc run` command: plan, JIT, train, report. */
#include "run.h"
#include "plan.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void print_summary(const prp_train_problem *tp, const prp_train_result *res) {
  printf("%s: %s after %d epochs in %.1f s, loss %.3e\n", tp->problem_name,
         res->stopped == 0 ? "trained" : res->stopped == 1 ? "interrupted" : "stopped",
         res->epochs_done, res->seconds, res->loss);
  for (int u = 0; u < tp->n_unknowns; u++) {
    const prp_train_unknown *uk = &tp->unknowns[u];
    printf("  %-10s = %-12.6g (guess %g", uk->name, res->unknowns[u], uk->guess);
    if (isfinite(uk->truth)) printf(", truth %g, error %.3g", uk->truth, fabs(res->unknowns[u] - uk->truth));
    printf(")\n");
  }
  if (tp->output_dir) printf("results in %s/\n", tp->output_dir);
}

enum { MAX_RESTARTS = 1000 };
static const double SUCCESS_TOLERANCE = 0.05;   /* of each unknown's bound width */

/* A table of the restarts, on stdout and in restarts.csv. */
static void report_restarts(const prp_train_problem *tp, const prp_train_result *res, int n, int best) {
  int successes = 0, known = 0;
  for (int u = 0; u < tp->n_unknowns; u++) known |= isfinite(tp->unknowns[u].truth);
  printf("%-8s", "restart");
  for (int u = 0; u < tp->n_unknowns; u++) printf(" %12s", tp->unknowns[u].name);
  printf(" %12s %8s\n", "loss", known ? "success" : "");
  for (int k = 0; k < n; k++) {
    int ok = prp_train_success(tp, &res[k], SUCCESS_TOLERANCE);
    successes += ok;
    printf("%-8d", k);
    for (int u = 0; u < tp->n_unknowns; u++) printf(" %12.6g", res[k].unknowns[u]);
    printf(" %12.4e %8s\n", res[k].loss, known ? (ok ? "yes" : "no") : "");
  }
  if (known)
    printf("success rate: %d/%d (every unknown within %.0f%% of its bound width of the truth)\n", successes, n,
           100 * SUCCESS_TOLERANCE);
  if (best >= 0) {
    printf("best (lowest loss): restart %d:", best);
    for (int u = 0; u < tp->n_unknowns; u++) printf(" %s = %g", tp->unknowns[u].name, res[best].unknowns[u]);
    printf("\n");
  }
}

static int run_restarts(const prp_train_problem *tp) {
  int n = tp->restarts > MAX_RESTARTS ? MAX_RESTARTS : tp->restarts, best;
  prp_train_result *res = calloc((size_t)n, sizeof *res);
  char *err = prp_train_restarts(tp, n, SUCCESS_TOLERANCE, res, &best);
  int code = PRP_EXIT_OK;
  if (err) {
    fprintf(stderr, "prpc: error: %s\n", err);
    free(err);
    code = PRP_EXIT_RUNTIME;
  } else {
    report_restarts(tp, res, n, best);
  }
  free(res);
  return code;
}

static int run_once(const prp_train_problem *tp) {
  prp_train_result res;
  char *err = prp_train_run(tp, &res);
  if (err) {
    fprintf(stderr, "prpc: error: %s\n", err);
    free(err);
    return PRP_EXIT_RUNTIME;
  }
  print_summary(tp, &res);
  if (res.stopped == 2) fprintf(stderr, "prpc: error: %s\n", res.message);
  return res.stopped == 0 ? PRP_EXIT_OK : res.stopped == 1 ? PRP_EXIT_INTERRUPT : PRP_EXIT_RUNTIME;
}

int prp_run(const ast_program *prog, const prp_plan_options *opt, prp_diag *diag) {
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_plan plan;
  int code = PRP_EXIT_INPUT;
  if (prp_plan_build(prog, jit, opt, diag, &plan) == 0) {
    code = plan.problem.restarts > 1 ? run_restarts(&plan.problem) : run_once(&plan.problem);
    prp_plan_free(&plan);
  }
  prp_jit_destroy(jit);
  return code;
}
