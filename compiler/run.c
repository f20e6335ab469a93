/* The `prpc run` command: plan, JIT, train, report (the report is the
 * runtime's, shared with standalone binaries). */
#include "run.h"
#include "plan.h"
#include "train_report.h"
#include <stdlib.h>

int prp_run(const ast_program *prog, const prp_plan_options *opt, prp_diag *diag) {
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_plan plan;
  int rc = prp_plan_build(prog, jit, opt, diag, &plan);
  int code = rc == PRP_PLAN_BAD_OPTION ? PRP_EXIT_USAGE : PRP_EXIT_INPUT;
  if (rc == 0) {
    code = prp_train_and_report(&plan.problem, "prpc");
    char *err = code == PRP_EXIT_OK && plan.problem.restarts <= 1 ? prp_run_plot_source(prog, jit, &plan.problem) : NULL;
    if (err) {
      prp_error_plain(diag, "%s", err);
      free(err);
      code = PRP_EXIT_IO;
    }
    prp_plan_free(&plan);
  }
  prp_jit_destroy(jit);
  return code;
}
