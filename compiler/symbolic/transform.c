/* Symbolic core: the output transform of hard conditions; see transform.h. */
#include "transform.h"
#include "jets.h"
#include "lower.h"

/* d^orders f / d coords, by repeated symbolic differentiation. */
static prp_node derivative(prp_dag *dag, prp_lowering *l, prp_node f, const int *orders, int ncoords) {
  for (int k = 0; k < ncoords; k++)
    for (int i = 0; i < orders[k]; i++) f = prp_diff(dag, f, prp_lower_coord(l, k));
  return f;
}

static void add_factor(prp_dag *dag, prp_output_transform *tr, prp_node factor) {
  tr->m = tr->active ? prp_mul(dag, tr->m, factor) : factor;
  tr->active = 1;
}

/* Each hard condition contributes its factor, and its right side must agree. */
static void add_condition(const ast_program *prog, prp_dag *dag, prp_lowering *l, prp_output_transform *tr,
                          const ast_decl *d, prp_node factor) {
  prp_node g = prp_lower_expr(l, d->rhs, -1, 0);
  if (!tr->active) {
    tr->g = g;
    tr->first = d;
  } else if (g != tr->g && !tr->conflict) {
    tr->conflict = d;
  }
  add_factor(dag, tr, factor);
}

static prp_node face_factor(prp_dag *dag, prp_lowering *l, const prp_problem *pb, int k, int upper) {
  prp_node x = prp_lower_coord(l, k);
  double lo = pb->lo[k], hi = pb->hi[k], len = hi - lo;
  prp_node d = upper ? prp_sub(dag, prp_const(dag, hi), x) : prp_sub(dag, x, prp_const(dag, lo));
  return prp_mul(dag, prp_const(dag, 1 / len), d);
}

void prp_output_transform_build(const ast_program *prog, prp_dag *dag, prp_output_transform *tr) {
  const prp_problem *pb = &prog->problem;
  *tr = (prp_output_transform){0};
  prp_lowering *l = prp_lowering_new(dag, prog);
  for (int i = 0; i < pb->ninitials; i++) {
    const ast_decl *d = pb->initials[i];
    if (!d->hard) continue;
    int k = pb->time_index;
    prp_node f = prp_mul(dag, prp_const(dag, 1 / (pb->hi[k] - pb->lo[k])),
                         prp_sub(dag, prp_lower_coord(l, k), prp_const(dag, pb->lo[k])));
    add_condition(prog, dag, l, tr, d, f);
  }
  for (int i = 0; i < pb->nboundaries; i++) {
    const ast_decl *d = pb->boundaries[i];
    if (!d->hard) continue;
    if (d->nfaces == 0)
      for (int k = 0; k < pb->nspace; k++)
        for (int upper = 0; upper < 2; upper++) add_condition(prog, dag, l, tr, d, face_factor(dag, l, pb, k, upper));
    for (int f = 0; f < d->nfaces; f++)
      add_condition(prog, dag, l, tr, d, face_factor(dag, l, pb, d->faces[f].coord_index, d->faces[f].upper));
  }
  prp_lowering_free(l);
}

void prp_output_transform_scale(prp_dag *dag, prp_output_transform *tr, double scale) {
  if (scale == 1) return;
  if (!tr->active) {
    tr->m = prp_const(dag, 1);
    tr->g = prp_const(dag, 0);
    tr->active = 1;
  }
  tr->m = prp_mul(dag, prp_const(dag, scale), tr->m);
}

static int binomial(int n, int k) { return k == 0 || k == n ? 1 : n; }  /* n <= 2 */

/* The jet of u with these orders, in the jets of N (Leibniz rule, order <= 2). */
static prp_node expand(prp_dag *dag, prp_lowering *l, const prp_output_transform *tr, const int *alpha, int ncoords) {
  prp_node sum = derivative(dag, l, tr->g, alpha, ncoords);
  int beta[PRP_MAX_INPUTS] = {0};
  for (int b0 = 0; b0 <= (ncoords > 0 ? alpha[0] : 0); b0++)
    for (int b1 = 0; b1 <= (ncoords > 1 ? alpha[1] : 0); b1++)
      for (int b2 = 0; b2 <= (ncoords > 2 ? alpha[2] : 0); b2++)
        for (int b3 = 0; b3 <= (ncoords > 3 ? alpha[3] : 0); b3++) {
          beta[0] = b0, beta[1] = b1, beta[2] = b2, beta[3] = b3;
          int rest[PRP_MAX_INPUTS] = {0}, coef = 1;
          for (int k = 0; k < ncoords; k++) {
            rest[k] = alpha[k] - beta[k];
            coef *= binomial(alpha[k], beta[k]);
          }
          prp_node dm = derivative(dag, l, tr->m, beta, ncoords);
          prp_node term = prp_mul(dag, prp_const(dag, coef), prp_mul(dag, dm, prp_lower_field(l, rest)));
          sum = prp_add(dag, sum, term);
        }
  return sum;
}

prp_node prp_output_transform_apply(const ast_program *prog, prp_dag *dag, const prp_output_transform *tr,
                                    prp_node value) {
  if (!tr->active) return value;
  prp_jet_set used;
  prp_jets_used(dag, &value, 1, &used);
  prp_lowering *l = prp_lowering_new(dag, prog);
  prp_node from[PRP_JET_SET_MAX], to[PRP_JET_SET_MAX];
  int n = 0, ncoords = prog->problem.ncoords;
  for (int j = 0; j < used.n; j++) {
    PRP_ASSERT(used.jets[j].lap_mask == 0);   /* applied before the Laplacian collapse */
    int alpha[PRP_MAX_INPUTS] = {0};
    for (int k = 0; k < ncoords; k++) alpha[k] = used.jets[j].order[k];
    from[n] = used.nodes[j];
    to[n++] = expand(dag, l, tr, alpha, ncoords);
  }
  prp_lowering_free(l);
  return prp_subst(dag, value, from, to, (size_t)n);
}
