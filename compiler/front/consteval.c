/* Front end, stage 2: evaluation of constant expressions at check time (bounds,
 * counts, schedule end points, the check that a schedule ends where it must). */
#include "check_context.h"
#include <math.h>

static int eval_builtin(ast_builtin b, const double *a, double *out) {
  switch (b) {
  case BUILTIN_EXP: *out = exp(a[0]); break;
  case BUILTIN_LOG: *out = log(a[0]); break;
  case BUILTIN_SIN: *out = sin(a[0]); break;
  case BUILTIN_COS: *out = cos(a[0]); break;
  case BUILTIN_TANH: *out = tanh(a[0]); break;
  case BUILTIN_SQRT: *out = sqrt(a[0]); break;
  case BUILTIN_ABS: *out = fabs(a[0]); break;
  case BUILTIN_MIN: *out = fmin(a[0], a[1]); break;
  case BUILTIN_MAX: *out = fmax(a[0], a[1]); break;
  case BUILTIN_PI: *out = M_PI; break;
  default: return 0;
  }
  return 1;
}

static int eval_symbol(const ast_expr *e, const double *params, int nparams, double *out,
                       const ast_expr **culprit) {
  ast_symbol *sym = e->sym;
  switch (sym->kind) {
  case SYM_PARAM:
    if (sym->index >= nparams) break;
    *out = params[sym->index];
    return 1;
  case SYM_BUILTIN:
    if (sym->index != BUILTIN_PI) break;
    *out = M_PI;
    return 1;
  case SYM_CONST:
  case SYM_LET:
    if (sym->evaluated == 1) { *out = sym->value; return 1; }
    if (sym->evaluated == -1 || !sym->decl) break;
    sym->evaluated = -1;
    int ok = const_eval_env(sym->decl->value, NULL, 0, out, culprit);
    sym->evaluated = ok ? 1 : 0;
    if (ok) sym->value = *out;
    return ok;
  default: break;
  }
  if (culprit && !*culprit) *culprit = e;
  return 0;
}

static int eval_call(const ast_expr *e, const double *params, int nparams, double *out,
                     const ast_expr **culprit) {
  double args[16];
  if (!e->sym || e->nargs > 16) return 0;
  for (int i = 0; i < e->nargs; i++)
    if (!const_eval_env(e->args[i], params, nparams, &args[i], culprit)) return 0;
  if (e->sym->kind == SYM_BUILTIN) return eval_builtin((ast_builtin)e->sym->index, args, out);
  if (e->sym->kind == SYM_FUNC && e->sym->decl)
    return const_eval_env(e->sym->decl->value, args, e->nargs, out, culprit);
  if (culprit && !*culprit) *culprit = e;
  return 0;
}

int const_eval_env(const ast_expr *e, const double *params, int nparams, double *out,
                   const ast_expr **culprit) {
  double a, b;
  switch (e->kind) {
  case AST_NUM: *out = e->num; return 1;
  case AST_NAME: return e->sym && eval_symbol(e, params, nparams, out, culprit);
  case AST_CALL: return eval_call(e, params, nparams, out, culprit);
  case AST_NEG:
    if (!const_eval_env(e->lhs, params, nparams, &a, culprit)) return 0;
    *out = -a;
    return 1;
  case AST_BINOP:
    if (!const_eval_env(e->lhs, params, nparams, &a, culprit)) return 0;
    if (!const_eval_env(e->rhs, params, nparams, &b, culprit)) return 0;
    switch (e->op) {
    case '+': *out = a + b; break;
    case '-': *out = a - b; break;
    case '*': *out = a * b; break;
    case '/': *out = a / b; break;
    default: *out = pow(a, b); break;
    }
    return 1;
  default:
    if (culprit && !*culprit) *culprit = e;
    return 0;
  }
}

int prp_const_eval(const ast_expr *e, double *value) { return const_eval_env(e, NULL, 0, value, NULL); }

int prp_eval_function(const ast_symbol *fn, const double *args, int nargs, double *value) {
  if (!fn->decl || fn->arity != nargs) return 0;
  return const_eval_env(fn->decl->value, args, nargs, value, NULL);
}

/* Checks e in a constant context and evaluates it; reports why it is not constant. */
int eval_constant(checker *c, ast_expr *e, const scope *s, double *out, const char *what) {
  if (!check_scalar(c, e, s, CTX_CONSTANT)) return 0;
  const ast_expr *culprit = NULL;
  if (!const_eval_env(e, NULL, 0, out, &culprit)) {
    if (culprit && culprit->sym)
      prp_error(c->diag, culprit->loc, "%s must be a constant, but it uses %s '%s'", what,
                symbol_kind_name(culprit->sym->kind), culprit->sym->name);
    else
      prp_error(c->diag, culprit ? culprit->loc : e->loc, "%s must be a constant", what);
    return 0;
  }
  if (!isfinite(*out)) {
    prp_error(c->diag, e->loc, "%s is not a finite number (it evaluates to %g)", what, *out);
    return 0;
  }
  return 1;
}
