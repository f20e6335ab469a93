/* The `prpc run` command: plan, JIT, train, report (the report is the
 * runtime's, shared with standalone binaries). */
#include "run.h"
#include "plan.h"
#include "train_report.h"
#include "dist.h"
#include <stdlib.h>
#include <stdio.h>

/* The field and the sensor fit from the weights training just wrote. */
static int write_field(const ast_program *prog, prp_jit *jit, const prp_plan *plan, prp_diag *diag) {
  char path[4096];
  snprintf(path, sizeof path, "%s/weights.prpstate", plan->output_dir);
  prp_field_grid grid;
  prp_field_grid_read(prog, &grid);
  return prp_run_write_field(prog, jit, plan, path, &grid, plan->output_dir, diag);
}

int prp_run(const ast_program *prog, const prp_plan_options *opt, prp_diag *diag) {
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_plan plan;
  int rc = prp_plan_build(prog, jit, opt, diag, &plan);
  int code = rc == PRP_PLAN_BAD_OPTION ? PRP_EXIT_USAGE : PRP_EXIT_INPUT;
  if (rc == 0) {
    prp_model_check *check = prp_model_check_open(prog, jit, &plan.problem);
    code = prp_train_and_report(&plan.problem, "prpc");
    prp_model_check_close(check);
    int one_run = plan.problem.restarts <= 1 && prp_dist_rank() == 0;   /* under MPI, rank 0 writes */
    char *err = code == PRP_EXIT_OK && one_run ? prp_run_plot_source(prog, jit, &plan.problem) : NULL;
    if (err) {
      prp_error_plain(diag, "%s", err);
      free(err);
      code = PRP_EXIT_IO;
    } else if (code == PRP_EXIT_OK && one_run) {
      code = write_field(prog, jit, &plan, diag);
    }
    prp_plan_free(&plan);
  }
  prp_jit_destroy(jit);
  return code;
}
