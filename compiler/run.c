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

int prp_run(const ast_program *prog, const prp_plan_options *opt, prp_diag *diag) {
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_plan plan;
  int code = PRP_EXIT_INPUT;
  if (prp_plan_build(prog, jit, opt, diag, &plan) == 0) {
    prp_train_result res;
    char *err = prp_train_run(&plan.problem, &res);
    if (err) {
      fprintf(stderr, "prpc: error: %s\n", err);
      free(err);
      code = PRP_EXIT_RUNTIME;
    } else {
      print_summary(&plan.problem, &res);
      if (res.stopped == 2) fprintf(stderr, "prpc: error: %s\n", res.message);
      code = res.stopped == 0 ? PRP_EXIT_OK : res.stopped == 1 ? PRP_EXIT_INTERRUPT : PRP_EXIT_RUNTIME;
    }
    prp_plan_free(&plan);
  }
  prp_jit_destroy(jit);
  return code;
}
