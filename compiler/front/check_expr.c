/* Front end, stage 2: checking expressions. Resolves names through the scopes,
 * checks calls and their arity, and turns derivative calls (dt(u), dxy(u),
 * d(u, x, x), lap(u), grad(u), dn(u)) into AST_DERIV nodes. */
#include "check_context.h"
#include "util.h"
#include <stdlib.h>
#include <string.h>

static const expr_type ERROR_TYPE = {TYPE_ERROR, 0};
static const expr_type SCALAR = {TYPE_SCALAR, 1};

int is_field(const checker *c, const ast_expr *e) {
  return e->kind == AST_NAME && e->sym && e->sym == c->pb->field;
}

/* Coordinate index named by a one-letter suffix character, or -1. */
static int coord_by_letter(const checker *c, char letter) {
  for (int i = 0; i < c->pb->ncoords; i++) {
    const char *n = c->pb->coords[i]->name;
    if (n[0] == letter && n[1] == '\0') return i;
  }
  return -1;
}

static int coord_by_name(const checker *c, const char *name) {
  for (int i = 0; i < c->pb->ncoords; i++)
    if (strcmp(c->pb->coords[i]->name, name) == 0) return i;
  return -1;
}

/* Is name of the shape of a derivative operator (d + 1..3 lowercase letters)? */
static int looks_like_derivative(const char *name) {
  size_t n = strlen(name);
  if (name[0] != 'd' || n < 2 || n > 4) return 0;
  for (size_t i = 1; i < n; i++)
    if (name[i] < 'a' || name[i] > 'z') return 0;
  return 1;
}

static int is_derivative_name(const char *name) {
  return strcmp(name, "lap") == 0 || strcmp(name, "grad") == 0 || strcmp(name, "d") == 0 ||
         looks_like_derivative(name);
}

static int require_field_argument(checker *c, ast_expr *e, const scope *s) {
  if (e->nargs < 1) {
    prp_error(c->diag, e->loc, "'%s' needs the field as its argument, as in %s(%s)", e->name, e->name,
              c->pb->field ? c->pb->field->name : "u");
    return 0;
  }
  ast_expr *arg = e->args[0];
  if (arg->kind == AST_NAME) arg->sym = lookup(c, s, arg->name);
  if (is_field(c, arg)) return 1;
  if (!c->pb->field) {
    prp_error(c->diag, arg->loc, "derivative of '%s', but no field is declared", arg->kind == AST_NAME ? arg->name : "an expression");
    return 0;
  }
  if (arg->kind == AST_NAME)
    prp_error(c->diag, arg->loc, "derivative of '%s', which is not the field '%s'", arg->name, c->pb->field->name);
  else
    prp_error(c->diag, arg->loc, "derivatives apply to the field '%s' only, not to an expression", c->pb->field->name);
  if (arg->kind == AST_NAME && arg->sym) note_declared(c, arg->sym);
  return 0;
}

/* Reads the coordinates of dxy-style names (or d(u, x, y)) into orders[]. */
static int derivative_orders(checker *c, ast_expr *e) {
  int total = 0;
  if (strcmp(e->name, "d") == 0) {
    if (e->nargs < 2) {
      prp_error(c->diag, e->loc, "d(u, x, ...) needs the coordinates to differentiate by");
      return 0;
    }
    for (int i = 1; i < e->nargs; i++) {
      ast_expr *a = e->args[i];
      int k = a->kind == AST_NAME ? coord_by_name(c, a->name) : -1;
      if (k < 0) {
        prp_error(c->diag, a->loc, "d(u, ...) differentiates by coordinates; '%s' is not one",
                  a->kind == AST_NAME ? a->name : "this expression");
        return 0;
      }
      e->orders[k]++;
      total++;
    }
  } else {
    if (e->nargs != 1) {
      prp_error(c->diag, e->loc, "'%s' takes one argument, the field", e->name);
      return 0;
    }
    for (const char *p = e->name + 1; *p; p++) {
      int k = coord_by_letter(c, *p);
      if (k < 0 && *p == 't' && !c->pb->has_time) {
        prp_error(c->diag, e->loc, "'%s' differentiates in time, but this problem declares no time coordinate", e->name);
        return 0;
      }
      if (k < 0) {
        prp_error(c->diag, e->loc, "'%s' differentiates by '%c', which is not a declared coordinate", e->name, *p);
        return 0;
      }
      e->orders[k]++;
      total++;
    }
  }
  if (total > 2) {
    prp_error(c->diag, e->loc, "derivatives of order %d are not supported (at most 2)", total);
    return 0;
  }
  if (c->pb->has_time && e->orders[c->pb->time_index] > c->time_order)
    c->time_order = e->orders[c->pb->time_index];
  return 1;
}

static expr_type check_derivative(checker *c, ast_expr *e, const scope *s, expr_context ctx) {
  if (ctx == CTX_CONSTANT) {
    prp_error(c->diag, e->loc, "a derivative of the field cannot appear in a constant");
    return ERROR_TYPE;
  }
  int is_lap = strcmp(e->name, "lap") == 0, is_grad = strcmp(e->name, "grad") == 0;
  int is_normal = strcmp(e->name, "dn") == 0 && coord_by_letter(c, 'n') < 0;
  if (!require_field_argument(c, e, s)) return ERROR_TYPE;
  expr_type result = SCALAR;
  if (is_normal) {
    if (ctx != CTX_BOUNDARY && ctx != CTX_DEFINITION) {
      prp_error(c->diag, e->loc, "the normal derivative dn(u) only has a meaning in a boundary condition");
      return ERROR_TYPE;
    }
    e->deriv = DERIV_NORMAL;
  } else if (is_lap || is_grad) {
    if (c->pb->nspace == 0) {
      prp_error(c->diag, e->loc, "'%s' needs space coordinates", e->name);
      return ERROR_TYPE;
    }
    e->deriv = is_lap ? DERIV_LAP : DERIV_GRAD;
    if (is_grad) result = (expr_type){TYPE_GRADIENT, c->pb->nspace};
  } else {
    e->deriv = DERIV_PARTIAL;
    if (!derivative_orders(c, e)) return ERROR_TYPE;
  }
  e->kind = AST_DERIV;
  return result;
}

static expr_type check_call_args(checker *c, ast_expr *e, const scope *s, expr_context ctx, int arity) {
  if (e->nargs != arity) {
    prp_error(c->diag, e->loc, "'%s' takes %d argument%s, but %d %s given", e->name, arity,
              arity == 1 ? "" : "s", e->nargs, e->nargs == 1 ? "is" : "are");
    if (e->sym && e->sym->decl) note_declared(c, e->sym);
    return ERROR_TYPE;
  }
  int ok = 1;
  for (int i = 0; i < e->nargs; i++) ok &= check_scalar(c, e->args[i], s, ctx);
  return ok ? SCALAR : ERROR_TYPE;
}

static expr_type check_call(checker *c, ast_expr *e, const scope *s, expr_context ctx) {
  ast_symbol *sym = lookup(c, s, e->name);
  if (!sym && is_derivative_name(e->name)) return check_derivative(c, e, s, ctx);
  if (!sym) {
    prp_error(c->diag, e->loc, "call of undefined function '%s'", e->name);
    suggest_name(c, s, e->name, e->loc);
    return ERROR_TYPE;
  }
  e->sym = sym;
  if (sym->kind == SYM_FUNC) {
    if (!check_let(c, sym)) return ERROR_TYPE;
    expr_type t = check_call_args(c, e, s, ctx, sym->arity);
    if (t.kind == TYPE_ERROR) return t;
    if (sym->decl->value->kind == AST_TUPLE) return (expr_type){TYPE_VECTOR, sym->decl->value->nargs};
    return t;
  }
  if (sym->kind == SYM_BUILTIN && sym->arity > 0) return check_call_args(c, e, s, ctx, sym->arity);
  prp_error(c->diag, e->loc, "'%s' is %s, not a function", e->name,
            sym->kind == SYM_FIELD ? "the field" : symbol_kind_name(sym->kind));
  note_declared(c, sym);
  return ERROR_TYPE;
}

static int allowed_in_constant(const ast_symbol *sym) {
  return sym->kind == SYM_CONST || sym->kind == SYM_PARAM || sym->kind == SYM_LET ||
         (sym->kind == SYM_BUILTIN && sym->arity == 0);
}

static expr_type check_name(checker *c, ast_expr *e, const scope *s, expr_context ctx) {
  ast_symbol *sym = lookup(c, s, e->name);
  if (!sym) {
    prp_error(c->diag, e->loc, "undefined name '%s'", e->name);
    suggest_name(c, s, e->name, e->loc);
    return ERROR_TYPE;
  }
  e->sym = sym;
  if (sym->kind == SYM_FUNC || (sym->kind == SYM_BUILTIN && sym->arity > 0)) {
    prp_error(c->diag, e->loc, "'%s' is a function of %d argument%s; call it as %s(...)", e->name,
              sym->arity, sym->arity == 1 ? "" : "s", e->name);
    return ERROR_TYPE;
  }
  if (ctx == CTX_CONSTANT && !allowed_in_constant(sym)) {
    prp_error(c->diag, e->loc, "this must be a constant, but '%s' is %s", e->name,
              sym->kind == SYM_FIELD ? "the field" : symbol_kind_name(sym->kind));
    return ERROR_TYPE;
  }
  if (sym->kind == SYM_FIELD && ctx == CTX_CONSTANT) return ERROR_TYPE;
  if (sym->kind == SYM_LET) {
    if (!check_let(c, sym)) return ERROR_TYPE;
    if (sym->decl->value->kind == AST_TUPLE) return (expr_type){TYPE_VECTOR, sym->decl->value->nargs};
  }
  return SCALAR;
}

static expr_type check_dot(checker *c, ast_expr *e, const scope *s, expr_context ctx) {
  expr_type l = check_expr(c, e->lhs, s, ctx), r = check_expr(c, e->rhs, s, ctx);
  if (l.kind == TYPE_ERROR || r.kind == TYPE_ERROR) return ERROR_TYPE;
  if (l.kind != TYPE_GRADIENT) {
    prp_error(c->diag, e->lhs->loc, "the left side of '.' must be grad(%s)", c->pb->field ? c->pb->field->name : "u");
    return ERROR_TYPE;
  }
  if (r.kind != TYPE_VECTOR || r.dim != l.dim) {
    prp_error(c->diag, e->rhs->loc, "grad(%s) has %d component%s; the right side of '.' must be a vector of %d, like (a, b)",
              c->pb->field->name, l.dim, l.dim == 1 ? "" : "s", l.dim);
    return ERROR_TYPE;
  }
  return SCALAR;
}

expr_type check_expr(checker *c, ast_expr *e, const scope *s, expr_context ctx) {
  switch (e->kind) {
  case AST_NUM: return SCALAR;
  case AST_NAME: return check_name(c, e, s, ctx);
  case AST_CALL: return check_call(c, e, s, ctx);
  case AST_DERIV: return e->deriv == DERIV_GRAD ? (expr_type){TYPE_GRADIENT, c->pb->nspace} : SCALAR;
  case AST_NEG: return check_scalar(c, e->lhs, s, ctx) ? SCALAR : ERROR_TYPE;
  case AST_BINOP: {
    int ok = check_scalar(c, e->lhs, s, ctx);
    ok &= check_scalar(c, e->rhs, s, ctx);
    return ok ? SCALAR : ERROR_TYPE;
  }
  case AST_DOT: return check_dot(c, e, s, ctx);
  case AST_TUPLE: {
    int ok = 1;
    for (int i = 0; i < e->nargs; i++) ok &= check_scalar(c, e->args[i], s, ctx);
    return ok ? (expr_type){TYPE_VECTOR, e->nargs} : ERROR_TYPE;
  }
  }
  return ERROR_TYPE;
}

int check_scalar(checker *c, ast_expr *e, const scope *s, expr_context ctx) {
  expr_type t = check_expr(c, e, s, ctx);
  if (t.kind == TYPE_SCALAR) return 1;
  if (t.kind == TYPE_VECTOR)
    prp_error(c->diag, e->loc, "a vector is only allowed on the right of grad(u) . v");
  else if (t.kind == TYPE_GRADIENT)
    prp_error(c->diag, e->loc, "grad(u) is a vector; use it as grad(u) . v");
  return 0;
}

/* The definitions (let, func) already looked through in one query: each is read once, so
 * a definition used many times (or, in a bad file, by itself) costs its size once, not
 * once per use (a fuzzer's `let s = exp(-(x - s - s)^2)` took 2^64 steps). */
typedef struct {
  const ast_symbol **defs;
  int n, cap;
} defs_seen;

static int first_visit(defs_seen *seen, const ast_symbol *def) {
  for (int i = 0; i < seen->n; i++)
    if (seen->defs[i] == def) return 0;
  if (seen->n == seen->cap) {
    seen->cap = seen->cap ? 2 * seen->cap : 16;
    seen->defs = prp_xrealloc(seen->defs, (size_t)seen->cap, sizeof *seen->defs);
  }
  seen->defs[seen->n++] = def;
  return 1;
}

static int uses_symbol_seen(const ast_expr *e, const ast_symbol *sym, int depth, defs_seen *seen) {
  if (!e || depth > 64) return 0;
  if (e->sym == sym) return 1;
  if (e->sym && (e->sym->kind == SYM_LET || e->sym->kind == SYM_FUNC) && e->sym->decl && first_visit(seen, e->sym) &&
      uses_symbol_seen(e->sym->decl->value, sym, depth + 1, seen))
    return 1;
  if (uses_symbol_seen(e->lhs, sym, depth, seen) || uses_symbol_seen(e->rhs, sym, depth, seen)) return 1;
  for (int i = 0; i < e->nargs; i++)
    if (uses_symbol_seen(e->args[i], sym, depth, seen)) return 1;
  return 0;
}

int uses_symbol(const ast_expr *e, const ast_symbol *sym, int depth) {
  defs_seen seen = {NULL, 0, 0};
  int used = uses_symbol_seen(e, sym, depth, &seen);
  free(seen.defs);
  return used;
}
