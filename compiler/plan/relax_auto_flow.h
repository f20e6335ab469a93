/* Plan layer, run right after prp_check wherever a program is checked (through
 * prp_check_program: prpc's front end, the REPL, the tests' loader): `relax auto`'s starting smoothing bounded by the flow (docs/language.md,
 * "relax auto"). The checker writes `relax auto` out before the PDE can be lowered, so
 * this pass measures the flow afterwards and has the front end's rule
 * (prp_relax_auto_rule, check.h) lower the held smoothing. */
#ifndef PRP_RELAX_AUTO_FLOW_H
#define PRP_RELAX_AUTO_FLOW_H
#include "ast.h"
#include "diag.h"

/* Points of the sampling grid per space dimension and in time (corners included). */
enum { PRP_FLOW_SAMPLES_SPACE = 9, PRP_FLOW_SAMPLES_TIME = 5 };

/* For a checked program with `relax auto` and a PDE of first order in time: U, the
 * largest |v(x, t)| of the model PDE's advection velocity over a grid of the box and
 * the duration (the unknowns at their guesses, constants at their values), recorded in
 * prog->problem (flow_status, flow_speed; flow_why when the PDE is outside the class
 * whose coefficients can be extracted), then the smoothing schedule restarted from the
 * rule (prp_relax_auto_update). Reports nothing; does nothing for other programs. */
void prp_relax_auto_flow(ast_program *prog);

/* The check every tool runs on a parsed program: prp_check, then, if it passed, the
 * measurements that need the lowered PDE (prp_relax_auto_flow). Returns prp_check's
 * result: 0, or the number of errors (reported through diag). */
int prp_check_program(ast_program *prog, prp_diag *diag);

#endif
