/* Symbolic core, stage 1: lowering checked AST expressions into the expression
 * DAG (expr.h). `let` definitions and functions (also from the standard library)
 * are inlined, constants substituted, derivatives of the field become jet
 * variables. Reads a checked program (check.h); residual.c drives it. */
#ifndef PRP_LOWER_H
#define PRP_LOWER_H

#include "ast.h"
#include "expr.h"

typedef struct prp_lowering prp_lowering;

/* A lowering of prog's expressions into dag. Variables it creates:
 *   PRP_VAR_COORD   index = the coordinate's index in prog->problem.coords
 *                   (space coordinates first, then time), named as declared;
 *   PRP_VAR_UNKNOWN index = the unknown's index in prog->problem.unknowns;
 *   PRP_VAR_JET     the field and its derivatives, jet orders indexed like the
 *                   coordinates; lap(u) is lowered to the sum of the pure second
 *                   space derivatives (jets.c may collapse it again), grad(u) . v
 *                   to sum_i u_{x_i} v_i.
 * prog must have passed prp_check. */
prp_lowering *prp_lowering_new(prp_dag *dag, const ast_program *prog);
void          prp_lowering_free(prp_lowering *l);

/* From now on every use of sym (a constant or an unknown) lowers to node:
 * dilated constants become schedule scalars, a truth block's `set` fixes
 * unknowns. Call before lowering the expressions it should affect. */
void prp_lowering_override(prp_lowering *l, const ast_symbol *sym, prp_node node);

/* The DAG variable of coordinate k, of unknown k, of the field's derivative
 * with the given orders per coordinate (NULL orders: the field itself). */
prp_node prp_lower_coord(prp_lowering *l, int k);
prp_node prp_lower_unknown(prp_lowering *l, int k);
prp_node prp_lower_field(prp_lowering *l, const int *orders);
/* The Laplacian of the field as the sum of its pure second space derivatives. */
prp_node prp_lower_laplacian(prp_lowering *l);

/* Lowers a scalar expression. A normal derivative dn(u) needs the face it is
 * evaluated on: face_coord (a space coordinate) and upper (1: the face at the
 * upper bound, outward normal +e_k; 0: lower bound, normal -e_k); pass
 * face_coord = -1 where there is no face (dn(u) is then an internal error,
 * since the checker only admits it in boundary conditions). */
prp_node prp_lower_expr(prp_lowering *l, const ast_expr *e, int face_coord, int upper);

#endif
