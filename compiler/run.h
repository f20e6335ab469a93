/* The `prpc run` command: builds the training plan of a checked program,
 * trains it and prints the recovered unknowns. */
#ifndef PRP_RUN_H
#define PRP_RUN_H
#include "ast.h"
#include "plan.h"

/* Returns an exit code (diag.h). */
int prp_run(const ast_program *prog, const prp_plan_options *opt, prp_diag *diag);

#endif
