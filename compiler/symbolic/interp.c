/* Symbolic core: the reference interpreter. Evaluates DAG nodes in double
 * precision; the oracle against which generated code and residuals are tested. */
#include "expr.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>

#include "diag.h"

static double var_value(const prp_var_info *v, const prp_env *env) {
  const double *values = NULL;
  size_t count = 0;
  switch (v->kind) {
  case PRP_VAR_COORD:
    values = env->coord;
    count = env->n_coord;
    break;
  case PRP_VAR_UNKNOWN:
    values = env->unknown;
    count = env->n_unknown;
    break;
  case PRP_VAR_JET:
    values = env->jet;
    count = env->n_jet;
    break;
  case PRP_VAR_SCALAR:
    values = env->scalar;
    count = env->n_scalar;
    break;
  case PRP_VAR_POINTDATA:
    values = env->pointdata;
    count = env->n_pointdata;
    break;
  default: prp_internal_error("variable %s of unknown kind %d", v->name, (int)v->kind);
  }
  if (v->index >= count || !values)
    prp_internal_error("prp_eval: no value for variable %s (kind %d, index %u, %zu given)", v->name,
                       (int)v->kind, v->index, count);
  return values[v->index];
}

static double nan_min(double a, double b) { return isnan(a) || isnan(b) ? NAN : a < b ? a : b; }

static double nan_max(double a, double b) { return isnan(a) || isnan(b) ? NAN : a > b ? a : b; }

static double sign_of(double v) { return isnan(v) ? v : (double)((v > 0) - (v < 0)); }

/* Value of node n given the values of its operands (already in value[]). */
static double eval_node(const prp_dag *dag, prp_node n, const double *value, const prp_env *env) {
  prp_kind kind = prp_node_kind(dag, n);
  uint32_t k = prp_node_arity(dag, n);
  const prp_node *ops = prp_node_operands(dag, n);
  double acc;
  switch (kind) {
  case PRP_CONST: return prp_node_value(dag, n);
  case PRP_VAR: return var_value(prp_node_var(dag, n), env);
  case PRP_ADD:
    acc = 0.0;
    for (uint32_t i = 0; i < k; i++) acc += value[ops[i]];
    return acc;
  case PRP_MUL:
    acc = 1.0;
    for (uint32_t i = 0; i < k; i++) acc *= value[ops[i]];
    return acc;
  case PRP_POW: return pow(value[ops[0]], value[ops[1]]);
  case PRP_EXP: return exp(value[ops[0]]);
  case PRP_LOG: return log(value[ops[0]]);
  case PRP_SIN: return sin(value[ops[0]]);
  case PRP_COS: return cos(value[ops[0]]);
  case PRP_TANH: return tanh(value[ops[0]]);
  case PRP_SQRT: return sqrt(value[ops[0]]);
  case PRP_ABS: return fabs(value[ops[0]]);
  case PRP_SIGN: return sign_of(value[ops[0]]);
  case PRP_MIN: return nan_min(value[ops[0]], value[ops[1]]);
  case PRP_MAX: return nan_max(value[ops[0]], value[ops[1]]);
  default: prp_internal_error("prp_eval: no rule for kind %s (node %u)", prp_kind_name(kind), n);
  }
}

void prp_eval_n(const prp_dag *dag, const prp_node *roots, size_t n, const prp_env *env, double *out) {
  uint32_t size = prp_dag_size(dag);
  bool *mark = prp_xmalloc(size ? size * sizeof *mark : 1, 1);
  double *value = prp_xmalloc(size ? size * sizeof *value : 1, 1);
  if (!mark || !value) prp_internal_error("out of memory in prp_eval (%u nodes)", size);
  prp_dag_mark_reachable(dag, roots, n, mark);
  for (prp_node id = 0; id < size; id++)
    if (mark[id]) value[id] = eval_node(dag, id, value, env);
  for (size_t i = 0; i < n; i++) out[i] = value[roots[i]];
  free(value);
  free(mark);
}

void prp_eval_points(const prp_dag *dag, prp_node f, const prp_env *env, size_t n, size_t stride, double *out) {
  uint32_t size = prp_dag_size(dag);
  bool *mark = prp_xcalloc(size ? size : 1, sizeof *mark);
  double *value = prp_xmalloc(size ? size * sizeof *value : 1, 1);
  prp_node *order = prp_xmalloc(size ? size * sizeof *order : 1, 1);
  if (!mark || !value || !order) prp_internal_error("out of memory in prp_eval (%u nodes)", size);
  prp_dag_mark_reachable(dag, &f, 1, mark);
  size_t norder = 0;
  for (prp_node id = 0; id < size; id++)
    if (mark[id]) order[norder++] = id;
  prp_env e = *env;
  for (size_t i = 0; i < n; i++) {
    e.coord = env->coord + i * stride;
    for (size_t k = 0; k < norder; k++) value[order[k]] = eval_node(dag, order[k], value, &e);
    out[i] = value[f];
  }
  free(order);
  free(value);
  free(mark);
}

double prp_eval(const prp_dag *dag, prp_node f, const prp_env *env) {
  double out;
  prp_eval_n(dag, &f, 1, env, &out);
  return out;
}
