/* The `prpc run` command: builds the training plan of a checked program,
 * trains it and prints the recovered unknowns. */
#ifndef PRP_RUN_H
#define PRP_RUN_H
#include "ast.h"
#include "plan.h"
#include "field_export.h"

/* Returns an exit code (diag.h). */
int prp_run(const ast_program *prog, const prp_plan_options *opt, prp_diag *diag);

/* After training a 2D problem with a truth block: source.png in the output
 * directory, the trajectory of the estimate over the true field and the sensors.
 * NULL, or a malloc'd message when the PNG could not be written. */
char *prp_run_plot_source(const ast_program *prog, prp_jit *jit, const prp_train_problem *tp);

/* After training (or from a saved state): the trained field on the grid as DIR/field.pvd,
 * and the fit at the sensors, DIR/sensors.csv and sensors.png (field_export.h). Reports
 * errors through diag; returns an exit code. */
int prp_run_write_field(const ast_program *prog, prp_jit *jit, const prp_plan *plan, const char *state_path,
                        const prp_field_grid *grid, const char *dir, prp_diag *diag);

/* `prpc eval FILE --state WEIGHTS [--grid NxM] [--times K] [-o DIR]`. */
typedef struct {
  const char *state;    /* the weights file (required) */
  const char *grid;     /* "64x64", NULL: the file's or the default */
  long times;           /* 0: the file's or the default */
  const char *output;   /* NULL: the problem's results directory */
  int quiet;
} prp_eval_options;
int prp_eval_command(const ast_program *prog, const prp_eval_options *opt, prp_diag *diag);

#endif
