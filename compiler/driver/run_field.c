/* `prpc run` after training, and `prpc eval` from a saved state: the field over the
 * grid (field.pvd) and the fit at the sensors (sensors.csv, sensors.png). */
#include "run.h"
#include "field_export.h"
#include "state_io.h"
#include <stdio.h>
#include <stdlib.h>

int prp_run_write_field(const ast_program *prog, prp_jit *jit, const prp_plan *plan, const char *state_path,
                        const prp_field_grid *grid, const char *dir, prp_diag *diag) {
  prp_field_model m;
  char *err = prp_field_model_load(plan, state_path, &m);
  int code = err ? PRP_EXIT_INPUT : PRP_EXIT_IO;  /* a bad state file is bad input; then only writes fail */
  if (!err) err = prp_make_dirs(dir);
  if (!err) err = prp_field_export(prog, jit, &m, grid, dir);
  if (!err) err = prp_sensor_fit_write(&m, dir);
  prp_field_model_free(&m);
  if (!err) return PRP_EXIT_OK;
  prp_error_plain(diag, "%s", err);
  free(err);
  return code;
}

int prp_eval_command(const ast_program *prog, const prp_eval_options *opt, prp_diag *diag) {
  prp_field_grid grid;
  prp_field_grid_read(prog, &grid);
  char *err = prp_field_grid_parse(opt->grid, opt->times, prog->problem.nspace, prog->problem.time_index >= 0, &grid);
  if (err) {
    prp_error_plain(diag, "%s", err);
    free(err);
    return PRP_EXIT_USAGE;
  }
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_plan_options popt = {.relax = 1, .quiet = 1};
  prp_plan plan;
  int code = PRP_EXIT_INPUT;
  if (prp_plan_build(prog, jit, &popt, diag, &plan) == 0) {
    const char *dir = opt->output ? opt->output : plan.output_dir;
    code = prp_run_write_field(prog, jit, &plan, opt->state, &grid, dir, diag);
    if (code == PRP_EXIT_OK && !opt->quiet) printf("field.pvd, sensors.csv and sensors.png written to %s\n", dir);
    prp_plan_free(&plan);
  }
  prp_jit_destroy(jit);
  return code;
}
