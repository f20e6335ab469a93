/* Symbolic core, stage 1: lowering checked AST expressions into the expression
 * DAG (see lower.h). Everything is inlined; hash-consing shares what repeats. */
#include "lower.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

typedef struct {
  const ast_symbol *sym;
  prp_node node;
} binding;

/* The arguments of the function call being inlined (innermost last). */
typedef struct {
  prp_node *args;
  int n;
} frame;

struct prp_lowering {
  prp_dag *dag;
  const ast_program *prog;
  const prp_problem *pb;
  binding *overrides;
  int n_overrides, cap_overrides;
  binding *lets;  /* memo: parameterless `let` -> its lowered value */
  int n_lets, cap_lets;
  frame *frames;
  int n_frames, cap_frames;
};

static void *grow(void *p, int *cap, size_t elem) {
  *cap = *cap ? *cap * 2 : 16;
  void *q = prp_xrealloc(p, (size_t)*cap * elem, 1);
  if (!q) prp_internal_error("out of memory while lowering");
  return q;
}

static const binding *find_binding(const binding *list, int n, const ast_symbol *sym) {
  for (int i = 0; i < n; i++)
    if (list[i].sym == sym) return &list[i];
  return NULL;
}

prp_lowering *prp_lowering_new(prp_dag *dag, const ast_program *prog) {
  PRP_ASSERT(prog->checked);
  prp_lowering *l = prp_xcalloc(1, sizeof *l);
  if (!l) prp_internal_error("out of memory while lowering");
  l->dag = dag;
  l->prog = prog;
  l->pb = &prog->problem;
  return l;
}

void prp_lowering_free(prp_lowering *l) {
  if (!l) return;
  free(l->overrides);
  free(l->lets);
  free(l->frames);
  free(l);
}

void prp_lowering_override(prp_lowering *l, const ast_symbol *sym, prp_node node) {
  if (l->n_overrides == l->cap_overrides)
    l->overrides = grow(l->overrides, &l->cap_overrides, sizeof *l->overrides);
  l->overrides[l->n_overrides++] = (binding){sym, node};
  l->n_lets = 0;  /* memoised lets may have used the old meaning */
}

prp_node prp_lower_coord(prp_lowering *l, int k) {
  PRP_ASSERT(k >= 0 && k < l->pb->ncoords);
  return prp_var(l->dag, PRP_VAR_COORD, (uint32_t)k, l->pb->coords[k]->name);
}

prp_node prp_lower_unknown(prp_lowering *l, int k) {
  PRP_ASSERT(k >= 0 && k < l->pb->nunknowns);
  return prp_var(l->dag, PRP_VAR_UNKNOWN, (uint32_t)k, l->pb->unknowns[k]->name);
}

prp_node prp_lower_field(prp_lowering *l, const int *orders) {
  prp_jet jet = {0};
  for (int k = 0; orders && k < l->pb->ncoords; k++) {
    PRP_ASSERT(orders[k] >= 0 && orders[k] < 16);
    jet.order[k] = (uint8_t)orders[k];
  }
  const char *names[PRP_MAX_COORDS];
  for (int k = 0; k < l->pb->ncoords; k++) names[k] = l->pb->coords[k]->name;
  char name[64];
  prp_jet_format(&jet, l->pb->field->name, names, (unsigned)l->pb->ncoords, name, sizeof name);
  return prp_jet_var(l->dag, &jet, name);
}

prp_node prp_lower_laplacian(prp_lowering *l) {
  prp_node terms[PRP_MAX_COORDS];
  for (int k = 0; k < l->pb->nspace; k++) {
    int orders[PRP_MAX_COORDS] = {0};
    orders[k] = 2;
    terms[k] = prp_lower_field(l, orders);
  }
  return prp_add_n(l->dag, terms, (size_t)l->pb->nspace);
}

static prp_node lower(prp_lowering *l, const ast_expr *e, int face_coord, int upper);

/* Lowers the arguments of a call and makes them the current parameters. */
static void push_frame(prp_lowering *l, const ast_expr *call, int face_coord, int upper) {
  frame f = {.args = prp_xmalloc((size_t)(call->nargs ? call->nargs : 1) * sizeof(prp_node), 1), .n = call->nargs};
  if (!f.args) prp_internal_error("out of memory while lowering");
  for (int i = 0; i < call->nargs; i++) f.args[i] = lower(l, call->args[i], face_coord, upper);
  if (l->n_frames == l->cap_frames) l->frames = grow(l->frames, &l->cap_frames, sizeof *l->frames);
  l->frames[l->n_frames++] = f;
}

static void pop_frame(prp_lowering *l) {
  PRP_ASSERT(l->n_frames > 0);
  free(l->frames[--l->n_frames].args);
}

/* Components of a vector expression (a tuple, or a let/function whose value is one). */
static int lower_vector(prp_lowering *l, const ast_expr *e, prp_node *out, int face_coord, int upper) {
  if (e->kind == AST_TUPLE) {
    PRP_ASSERT(e->nargs <= PRP_MAX_COORDS);
    for (int i = 0; i < e->nargs; i++) out[i] = lower(l, e->args[i], face_coord, upper);
    return e->nargs;
  }
  const ast_symbol *sym = e->sym;
  if (e->kind == AST_NAME && sym && sym->kind == SYM_LET)
    return lower_vector(l, sym->decl->value, out, face_coord, upper);
  if (e->kind == AST_CALL && sym && sym->kind == SYM_FUNC) {
    push_frame(l, e, face_coord, upper);
    int n = lower_vector(l, sym->decl->value, out, face_coord, upper);
    pop_frame(l);
    return n;
  }
  prp_internal_error("lowering: expected a vector expression (tuple) at line %d", e->loc.line);
}

/* grad(u) . v = sum_i u_{x_i} v_i over the space coordinates. */
static prp_node lower_dot(prp_lowering *l, const ast_expr *e, int face_coord, int upper) {
  PRP_ASSERT(e->lhs->kind == AST_DERIV && e->lhs->deriv == DERIV_GRAD);
  prp_node v[PRP_MAX_COORDS];
  int n = lower_vector(l, e->rhs, v, face_coord, upper);
  PRP_ASSERT(n == l->pb->nspace);
  prp_node terms[PRP_MAX_COORDS];
  for (int k = 0; k < n; k++) {
    int orders[PRP_MAX_COORDS] = {0};
    orders[k] = 1;
    terms[k] = prp_mul(l->dag, prp_lower_field(l, orders), v[k]);
  }
  return prp_add_n(l->dag, terms, (size_t)n);
}

static prp_node lower_derivative(prp_lowering *l, const ast_expr *e, int face_coord, int upper) {
  switch (e->deriv) {
  case DERIV_PARTIAL: return prp_lower_field(l, e->orders);
  case DERIV_LAP: return prp_lower_laplacian(l);
  case DERIV_NORMAL: {
    if (face_coord < 0 || face_coord >= l->pb->nspace)
      prp_internal_error("lowering: dn(u) outside a boundary face (line %d)", e->loc.line);
    int orders[PRP_MAX_COORDS] = {0};
    orders[face_coord] = 1;
    prp_node d = prp_lower_field(l, orders);
    return upper ? d : prp_neg(l->dag, d);
  }
  case DERIV_GRAD: break;
  }
  prp_internal_error("lowering: grad(u) used outside grad(u) . v (line %d)", e->loc.line);
}

static prp_node lower_builtin(prp_lowering *l, const ast_expr *e, int face_coord, int upper) {
  prp_dag *dag = l->dag;
  ast_builtin b = (ast_builtin)e->sym->index;
  if (b == BUILTIN_PI) return prp_const(dag, M_PI);
  prp_node a = lower(l, e->args[0], face_coord, upper);
  switch (b) {
  case BUILTIN_EXP: return prp_exp(dag, a);
  case BUILTIN_LOG: return prp_log(dag, a);
  case BUILTIN_SIN: return prp_sin(dag, a);
  case BUILTIN_COS: return prp_cos(dag, a);
  case BUILTIN_TANH: return prp_tanh(dag, a);
  case BUILTIN_SQRT: return prp_sqrt(dag, a);
  case BUILTIN_ABS: return prp_abs(dag, a);
  case BUILTIN_MIN: return prp_min(dag, a, lower(l, e->args[1], face_coord, upper));
  case BUILTIN_MAX: return prp_max(dag, a, lower(l, e->args[1], face_coord, upper));
  default: break;
  }
  prp_internal_error("lowering: no rule for builtin '%s'", ast_builtin_name(b));
}

static prp_node lower_call(prp_lowering *l, const ast_expr *e, int face_coord, int upper) {
  const ast_symbol *sym = e->sym;
  PRP_ASSERT(sym != NULL);
  if (sym->kind == SYM_BUILTIN) return lower_builtin(l, e, face_coord, upper);
  if (sym->kind != SYM_FUNC)
    prp_internal_error("lowering: call of '%s', which is not a function (line %d)", e->name, e->loc.line);
  push_frame(l, e, face_coord, upper);
  prp_node value = lower(l, sym->decl->value, face_coord, upper);
  pop_frame(l);
  return value;
}

/* A constant: its checked value, unless an override (a dilated constant) changes
 * what it depends on, in which case its definition is lowered. */
static prp_node lower_constant(prp_lowering *l, const ast_symbol *sym, int face_coord, int upper) {
  if (sym->evaluated == 1 && l->n_overrides == 0) return prp_const(l->dag, sym->value);
  if (sym->decl && sym->decl->value) return lower(l, sym->decl->value, face_coord, upper);
  double v;
  if (sym->decl && prp_const_eval(sym->decl->value, &v)) return prp_const(l->dag, v);
  prp_internal_error("lowering: constant '%s' has no value", sym->name);
}

static prp_node lower_name(prp_lowering *l, const ast_expr *e, int face_coord, int upper) {
  const ast_symbol *sym = e->sym;
  PRP_ASSERT(sym != NULL);
  const binding *b = find_binding(l->overrides, l->n_overrides, sym);
  if (b) return b->node;
  switch (sym->kind) {
  case SYM_COORD: return prp_lower_coord(l, sym->index);
  case SYM_FIELD: return prp_lower_field(l, NULL);
  case SYM_CONST: return lower_constant(l, sym, face_coord, upper);
  case SYM_UNKNOWN: return prp_lower_unknown(l, sym->index);
  case SYM_BUILTIN: return lower_builtin(l, e, face_coord, upper);
  case SYM_PARAM: {
    PRP_ASSERT(l->n_frames > 0);
    const frame *f = &l->frames[l->n_frames - 1];
    PRP_ASSERT(sym->index >= 0 && sym->index < f->n);
    return f->args[sym->index];
  }
  case SYM_LET: {
    /* dn(u) makes a let's value depend on the face, so memoise only without one */
    const binding *memo = face_coord < 0 ? find_binding(l->lets, l->n_lets, sym) : NULL;
    if (memo) return memo->node;
    prp_node value = lower(l, sym->decl->value, face_coord, upper);
    if (face_coord < 0) {
      if (l->n_lets == l->cap_lets) l->lets = grow(l->lets, &l->cap_lets, sizeof *l->lets);
      l->lets[l->n_lets++] = (binding){sym, value};
    }
    return value;
  }
  case SYM_FUNC: break;
  }
  prp_internal_error("lowering: '%s' cannot be used as a value (line %d)", sym->name, e->loc.line);
}

static prp_node lower_binop(prp_lowering *l, const ast_expr *e, int face_coord, int upper) {
  prp_node a = lower(l, e->lhs, face_coord, upper);
  prp_node b = lower(l, e->rhs, face_coord, upper);
  switch (e->op) {
  case '+': return prp_add(l->dag, a, b);
  case '-': return prp_sub(l->dag, a, b);
  case '*': return prp_mul(l->dag, a, b);
  case '/': return prp_div(l->dag, a, b);
  case '^': return prp_pow(l->dag, a, b);
  default: prp_internal_error("lowering: unknown operator '%c' (line %d)", e->op, e->loc.line);
  }
}

static prp_node lower(prp_lowering *l, const ast_expr *e, int face_coord, int upper) {
  switch (e->kind) {
  case AST_NUM: return prp_const(l->dag, e->num);
  case AST_NAME: return lower_name(l, e, face_coord, upper);
  case AST_CALL: return lower_call(l, e, face_coord, upper);
  case AST_NEG: return prp_neg(l->dag, lower(l, e->lhs, face_coord, upper));
  case AST_BINOP: return lower_binop(l, e, face_coord, upper);
  case AST_DOT: return lower_dot(l, e, face_coord, upper);
  case AST_DERIV: return lower_derivative(l, e, face_coord, upper);
  case AST_TUPLE: break;
  }
  prp_internal_error("lowering: a vector where a number is needed (line %d)", e->loc.line);
}

prp_node prp_lower_expr(prp_lowering *l, const ast_expr *e, int face_coord, int upper) {
  return lower(l, e, face_coord, upper);
}
