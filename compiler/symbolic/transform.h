/* Symbolic core: hard conditions as an output transform. The network's output
 * N becomes the field through  u = g + m * N,  where m vanishes where a hard
 * condition holds (m = (t - t0) for `initial u = f hard`, the product of
 * (x_k - lo_k)/(hi_k - lo_k) or (hi_k - x_k)/(hi_k - lo_k) over the hard faces)
 * and g is the conditions' common right side. Every jet of u in a residual is
 * replaced by its Leibniz expansion in the jets of N, so the kernels and their
 * partials take N's jets and back-propagation through the transform comes from
 * symbolic differentiation like everything else. */
#ifndef PRP_TRANSFORM_H
#define PRP_TRANSFORM_H
#include "ast.h"
#include "expr.h"

typedef struct {
  int active;          /* some condition is hard */
  prp_node m, g;       /* the factor and the lift */
  const ast_decl *first, *conflict;  /* two hard conditions with different right sides */
} prp_output_transform;

/* Builds m and g from prog's hard conditions. */
void prp_output_transform_build(const ast_program *prog, prp_dag *dag, prp_output_transform *tr);

/* Output scaling: u = g + m * scale * N, so a network whose output is O(1)
 * represents a field of size `scale` (the observations' size). Activates the
 * transform (m = 1, g = 0) when no condition is hard. */
void prp_output_transform_scale(prp_dag *dag, prp_output_transform *tr, double scale);

/* Rewrites value (in the jets of u) into the jets of N. */
prp_node prp_output_transform_apply(const ast_program *prog, prp_dag *dag, const prp_output_transform *tr,
                                    prp_node value);

#endif
