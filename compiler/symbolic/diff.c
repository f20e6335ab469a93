/* Symbolic core: differentiation of a DAG with respect to one variable, one rule
 * per node kind (expr.h lists the conventions at non-differentiable points).
 * Used for gradients wrt the unknowns and wrt the jet components (back-propagation). */
#include "expr.h"
#include "util.h"

#include "diag.h"
#include <stdlib.h>

/* Working state of one prp_diff call: derivative of each reachable node, by id. */
typedef struct {
  prp_dag *dag;
  prp_node *deriv;
  prp_node zero, one;
} diff_state;

static prp_node operand(const diff_state *s, prp_node n, uint32_t i) {
  return prp_node_operand(s->dag, n, i);
}

static prp_node d_of(const diff_state *s, prp_node n, uint32_t i) { return s->deriv[operand(s, n, i)]; }

/* (a + b + ...)' = a' + b' + ... */
static prp_node diff_add(diff_state *s, prp_node n) {
  uint32_t k = prp_node_arity(s->dag, n);
  prp_node *terms = prp_xmalloc(k * sizeof *terms, 1);
  PRP_ASSERT(terms && "out of memory in prp_diff");
  for (uint32_t i = 0; i < k; i++) terms[i] = d_of(s, n, i);
  prp_node sum = prp_add_n(s->dag, terms, k);
  free(terms);
  return sum;
}

/* (a b c ...)' = sum_i a_i' prod_{j != i} a_j */
static prp_node diff_mul(diff_state *s, prp_node n) {
  uint32_t k = prp_node_arity(s->dag, n);
  prp_node *terms = prp_xmalloc(k * sizeof *terms, 1);
  prp_node *factors = prp_xmalloc(k * sizeof *factors, 1);
  PRP_ASSERT(terms && factors && "out of memory in prp_diff");
  uint32_t nterms = 0;
  for (uint32_t i = 0; i < k; i++) {
    prp_node di = d_of(s, n, i);
    if (di == s->zero) continue;
    for (uint32_t j = 0; j < k; j++) factors[j] = j == i ? di : operand(s, n, j);
    terms[nterms++] = prp_mul_n(s->dag, factors, k);
  }
  prp_node sum = prp_add_n(s->dag, terms, nterms);
  free(factors);
  free(terms);
  return sum;
}

/* (b^e)' = e b^(e-1) b' + b^e log(b) e' */
static prp_node diff_pow(diff_state *s, prp_node n) {
  prp_dag *dag = s->dag;
  prp_node b = operand(s, n, 0), e = operand(s, n, 1);
  prp_node db = d_of(s, n, 0), de = d_of(s, n, 1);
  prp_node result = s->zero;
  if (db != s->zero) {
    prp_node power = prp_pow(dag, b, prp_add(dag, e, prp_const(dag, -1.0)));
    prp_node ops[3] = {e, power, db};
    result = prp_mul_n(dag, ops, 3);
  }
  if (de != s->zero) {
    prp_node ops[3] = {n, prp_log(dag, b), de};
    result = prp_add(dag, result, prp_mul_n(dag, ops, 3));
  }
  return result;
}

/* f(a)' = f'(a) a' for the unary elementary functions */
static prp_node diff_unary(diff_state *s, prp_node n, prp_kind kind) {
  prp_dag *dag = s->dag;
  prp_node a = operand(s, n, 0), da = d_of(s, n, 0);
  prp_node outer;
  switch (kind) {
  case PRP_EXP: outer = n; break;
  case PRP_LOG: outer = prp_powc(dag, a, -1.0); break;
  case PRP_SIN: outer = prp_cos(dag, a); break;
  case PRP_COS: outer = prp_neg(dag, prp_sin(dag, a)); break;
  case PRP_TANH: outer = prp_sub(dag, prp_const(dag, 1.0), prp_powc(dag, n, 2.0)); break;
  case PRP_SQRT: outer = prp_mul(dag, prp_const(dag, 0.5), prp_powc(dag, n, -1.0)); break;
  case PRP_ABS: outer = prp_sign(dag, a); break;
  case PRP_SIGN: return s->zero; /* zero almost everywhere */
  default: prp_internal_error("prp_diff has no unary rule for %s (node %u)", prp_kind_name(kind), n);
  }
  return prp_mul(dag, outer, da);
}

/* min(a, b)' = a' (1 - s)/2 + b' (1 + s)/2 and max(a, b)' = a' (1 + s)/2 + b' (1 - s)/2
 * with s = sign(a - b): the derivative of the selected operand, the average at a tie. */
static prp_node diff_min_max(diff_state *s, prp_node n, prp_kind kind) {
  prp_dag *dag = s->dag;
  prp_node a = operand(s, n, 0), b = operand(s, n, 1);
  prp_node sgn = prp_sign(dag, prp_sub(dag, a, b));
  prp_node half = prp_const(dag, 0.5);
  prp_node half_sgn = prp_mul(dag, half, sgn);
  prp_node pick_a = prp_sub(dag, half, half_sgn); /* 1 where a < b */
  prp_node pick_b = prp_add(dag, half, half_sgn); /* 1 where a > b */
  if (kind == PRP_MAX) {
    prp_node t = pick_a;
    pick_a = pick_b;
    pick_b = t;
  }
  return prp_add(dag, prp_mul(dag, pick_a, d_of(s, n, 0)), prp_mul(dag, pick_b, d_of(s, n, 1)));
}

static prp_node diff_node(diff_state *s, prp_node n, prp_node var) {
  prp_kind kind = prp_node_kind(s->dag, n);
  if (kind == PRP_CONST) return s->zero;
  if (kind == PRP_VAR) return n == var ? s->one : s->zero;
  bool all_zero = true;
  for (uint32_t i = 0; i < prp_node_arity(s->dag, n); i++) all_zero &= d_of(s, n, i) == s->zero;
  if (all_zero) return s->zero;
  switch (kind) {
  case PRP_ADD: return diff_add(s, n);
  case PRP_MUL: return diff_mul(s, n);
  case PRP_POW: return diff_pow(s, n);
  case PRP_EXP:
  case PRP_LOG:
  case PRP_SIN:
  case PRP_COS:
  case PRP_TANH:
  case PRP_SQRT:
  case PRP_ABS:
  case PRP_SIGN: return diff_unary(s, n, kind);
  case PRP_MIN:
  case PRP_MAX: return diff_min_max(s, n, kind);
  default: prp_internal_error("prp_diff has no rule for kind %s (node %u)", prp_kind_name(kind), n);
  }
}

prp_node prp_diff(prp_dag *dag, prp_node f, prp_node var) {
  PRP_ASSERT(prp_node_kind(dag, var) == PRP_VAR && "prp_diff: differentiate wrt a variable");
  diff_state s = {.dag = dag, .zero = prp_const(dag, 0.0), .one = prp_const(dag, 1.0)};
  uint32_t size = prp_dag_size(dag); /* after creating 0 and 1 */
  bool *mark = prp_xmalloc(size * sizeof *mark, 1);
  s.deriv = prp_xmalloc(size * sizeof *s.deriv, 1);
  PRP_ASSERT(mark && s.deriv && "out of memory in prp_diff");
  prp_dag_mark_reachable(dag, &f, 1, mark);
  /* Ids are a topological order: operands' derivatives are ready before their users'. */
  for (prp_node id = 0; id <= f; id++)
    if (mark[id]) s.deriv[id] = diff_node(&s, id, var);
  prp_node result = s.deriv[f];
  free(s.deriv);
  free(mark);
  return result;
}
