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

#endif
