/* The `prpc run` command: builds the training plan of a checked program,
 * trains it and prints the recovered unknowns. */
#ifndef PRP_RUN_H
#define PRP_RUN_H
#include "ast.h"
#include "plan.h"

/* Returns an exit code (diag.h). */
int prp_run(const ast_program *prog, const prp_plan_options *opt, prp_diag *diag);

/* After training a 2D problem with a truth block: source.png in the output
 * directory, the trajectory of the estimate over the true field and the sensors.
 * NULL, or a malloc'd message when the PNG could not be written. */
char *prp_run_plot_source(const ast_program *prog, prp_jit *jit, const prp_train_problem *tp);

#endif
