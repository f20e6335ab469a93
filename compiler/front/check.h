/* Front end, stage 2: the checker. Resolves every name, rewrites derivative
 * calls into AST_DERIV nodes, evaluates constants and rejects what makes no
 * sense; on success fills prog->problem for the later stages. */
#ifndef PRP_CHECK_H
#define PRP_CHECK_H
#include "ast.h"

/* Returns the number of errors reported (0: the program is well formed). */
int prp_check(ast_program *prog, prp_diag *diag);

/* Value of an expression made only of numbers, constants, pi and functions
 * (builtin or `let`) of such; 0 if it is not constant. Needs a checked program. */
int prp_const_eval(const ast_expr *e, double *value);

/* Value of a `let` function of constants at the given arguments; 0 if not constant. */
int prp_eval_function(const ast_symbol *fn, const double *args, int nargs, double *value);

/* Looks up a global name (after checking); NULL if there is none. */
ast_symbol *prp_lookup(const ast_program *prog, const char *name);

/* The sensor file of `sensors from "F"`, relative to the source's directory. */
void prp_sensor_path(const ast_program *prog, const ast_decl *sensors, char *out, size_t len);

/* `relax auto`: the starting values derived from the problem (docs/language.md).
 * length: the largest extent of a space coordinate; duration: of time (0: steady).
 * eps_box: the smoothing the box asks for, length^2 / (4 duration) (first order in
 * time; a diffusion length sqrt(2 eps T) of 0.7 L), 4 length^2 / duration^2 (second
 * order: an extra wave speed sqrt(eps) that crosses the box twice), 0 when steady.
 * eps_flow: for first order in time with a measured flow of largest speed U > 0
 * (pb->flow_speed), U length / PRP_RELAX_AUTO_PECLET, the smoothing at which the flow
 * still carries a release over the box faster than the smoothing spreads it; else 0.
 * eps: the smoothing's start, min(eps_box, eps_flow) (eps_box without a flow bound);
 * flow_bound: 1 when eps is eps_flow. width: a dilated width starts at length / 2.
 * Each is held at its start until 25% of training, then falls linearly to its
 * physical value at 75%. */
enum { PRP_RELAX_AUTO_HOLD = 25, PRP_RELAX_AUTO_UNTIL = 75, PRP_RELAX_AUTO_PECLET = 15 };
typedef struct prp_relax_auto {
  double length, duration, eps, width;
  double eps_box, eps_flow;
  int flow_bound;
} prp_relax_auto;
void prp_relax_auto_rule(const prp_problem *pb, prp_relax_auto *out);

/* Sets the held start of the smoothing schedule that `relax auto` wrote out to the
 * rule's eps, once the flow is recorded in prog->problem (compiler/plan/relax_auto_flow.c).
 * Nothing to do without `relax auto` or its smoothing. */
void prp_relax_auto_update(ast_program *prog);

#endif
