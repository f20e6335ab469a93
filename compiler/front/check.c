/* Front end, stage 2: the checker's top level. Collects the declarations into
 * the global scope, then checks each one and fills prog->problem. */
#include "check_context.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *symbol_kind_name(ast_symbol_kind k) {
  static const char *names[] = {"a coordinate", "the field", "a constant", "a definition",
                                "a function", "an unknown", "a parameter", "a built-in"};
  return names[k];
}

ast_symbol *new_symbol(checker *c, ast_symbol_kind kind, const char *name, prp_loc loc, ast_decl *d) {
  ast_symbol *sym = prp_arena_alloc(&c->prog->arena, sizeof *sym);
  *sym = (ast_symbol){.kind = kind, .name = name, .loc = loc, .decl = d};
  return sym;
}

static ast_symbol *find_in(ast_symbol *const *syms, int n, const char *name) {
  for (int i = n - 1; i >= 0; i--)
    if (strcmp(syms[i]->name, name) == 0) return syms[i];
  return NULL;
}

ast_symbol *lookup(const checker *c, const scope *s, const char *name) {
  for (; s; s = s->parent) {
    ast_symbol *sym = find_in(s->symbols, s->nsymbols, name);
    if (sym) return sym;
  }
  if (c->truth_scope) {
    ast_symbol *sym = find_in(c->truth_scope->symbols, c->truth_scope->nsymbols, name);
    if (sym) return sym;
  }
  ast_symbol *sym = find_in(c->prog->symbols, c->prog->nsymbols, name);
  if (sym) return sym;
  for (int i = 0; i < BUILTIN_COUNT; i++)
    if (strcmp(c->builtins[i]->name, name) == 0) return c->builtins[i];
  return NULL;
}

ast_symbol *prp_lookup(const ast_program *prog, const char *name) {
  return find_in(prog->symbols, prog->nsymbols, name);
}

void note_declared(checker *c, const ast_symbol *sym) {
  if (!sym->loc.src) return;
  prp_note(c->diag, sym->loc, "'%s' is declared here", sym->name);
}

/* Edit distance, capped: for "did you mean" notes. */
static int distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 32 || lb > 32) return 99;
  int row[33];
  for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    int prev = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int cur = row[j];
      int best = prev + (a[i - 1] != b[j - 1]);
      if (row[j] + 1 < best) best = row[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      prev = cur;
    }
  }
  return row[lb];
}

static void consider(const char *name, const char *cand, const char **best, int *best_d) {
  int d = distance(name, cand);
  if (d < *best_d) { *best_d = d; *best = cand; }
}

void suggest_name(checker *c, const scope *s, const char *name, prp_loc loc) {
  const char *best = NULL;
  size_t len = strlen(name);
  int best_d = len >= 4 ? 3 : (int)len / 2 + 1;
  for (const scope *p = s; p; p = p->parent)
    for (int i = 0; i < p->nsymbols; i++) consider(name, p->symbols[i]->name, &best, &best_d);
  for (int i = 0; i < c->prog->nsymbols; i++) consider(name, c->prog->symbols[i]->name, &best, &best_d);
  for (int i = 0; i < BUILTIN_COUNT; i++) consider(name, c->builtins[i]->name, &best, &best_d);
  if (best) prp_hint(c->diag, loc, "did you mean '%s'?", best);
}

/* Adds a global name, refusing duplicates and the names of built-ins. */
static ast_symbol *define_global(checker *c, ast_symbol_kind kind, const char *name, prp_loc loc, ast_decl *d) {
  ast_symbol *old = find_in(c->prog->symbols, c->prog->nsymbols, name);
  if (old) {
    prp_error(c->diag, loc, "'%s' is already declared", name);
    note_declared(c, old);
    return NULL;
  }
  for (int i = 0; i < BUILTIN_COUNT; i++)
    if (strcmp(c->builtins[i]->name, name) == 0) {
      prp_error(c->diag, loc, "'%s' is a built-in %s and cannot be redefined", name,
                i == BUILTIN_PI ? "constant" : "function");
      return NULL;
    }
  ast_symbol *sym = new_symbol(c, kind, name, loc, d);
  c->prog->symbols = ast_list_push(c->prog, c->prog->symbols, &c->prog->nsymbols, sizeof sym, &sym);
  if (d) d->sym = sym;
  return sym;
}

static void init_builtins(checker *c) {
  for (int i = 0; i < BUILTIN_COUNT; i++) {
    ast_symbol *b = new_symbol(c, SYM_BUILTIN, ast_builtin_name((ast_builtin)i), prp_loc_none(), NULL);
    b->index = i;
    b->arity = (i == BUILTIN_MIN || i == BUILTIN_MAX) ? 2 : i == BUILTIN_PI ? 0 : 1;
    c->builtins[i] = b;
  }
}

/* ---- `let` definitions -------------------------------------------------- */

static scope params_scope(checker *c, ast_decl *d) {
  scope s = {0};
  for (int i = 0; i < d->nparams; i++) {
    if (find_in(s.symbols, s.nsymbols, d->params[i])) {
      prp_error(c->diag, d->param_locs[i], "parameter '%s' appears twice", d->params[i]);
      continue;
    }
    ast_symbol *p = new_symbol(c, SYM_PARAM, d->params[i], d->param_locs[i], NULL);
    p->index = i;
    s.symbols = ast_list_push(c->prog, s.symbols, &s.nsymbols, sizeof p, &p);
  }
  return s;
}

/* Checks a let body once, in the scope where it was written. */
int check_let(checker *c, ast_symbol *sym) {
  ast_decl *d = sym->decl;
  if (!d || d->check_state == 2) return 1;
  if (d->check_state == 3) return 0;
  if (d->check_state == 1) {
    prp_error(c->diag, d->name_loc, "'%s' is defined in terms of itself", sym->name);
    d->check_state = 3;
    return 0;
  }
  d->check_state = 1;
  scope s = params_scope(c, d);
  const scope *saved = c->truth_scope;
  if (!d->in_truth) c->truth_scope = NULL;
  expr_type t = check_expr(c, d->value, &s, CTX_DEFINITION);
  c->truth_scope = saved;
  int ok = t.kind == TYPE_SCALAR || t.kind == TYPE_VECTOR;
  if (t.kind == TYPE_GRADIENT)
    prp_error(c->diag, d->value->loc, "a definition cannot be grad(u) alone; use grad(u) . v where it is needed");
  if (d->check_state == 1) d->check_state = ok ? 2 : 3;
  return d->check_state == 2;
}

/* ---- collecting declarations -------------------------------------------- */

typedef struct singles {
  ast_decl *problem, *space, *time, *field, *pde, *sensors, *truth, *relax, *network, *train;
} singles;

static void keep_single(checker *c, ast_decl **slot, ast_decl *d) {
  if (*slot) {
    prp_error(c->diag, d->loc, "a second '%s' declaration", ast_decl_kind_name(d->kind));
    prp_note(c->diag, (*slot)->loc, "the first one is here");
    return;
  }
  *slot = d;
}

static ast_decl **single_slot(singles *one, ast_decl_kind k) {
  switch (k) {
  case DECL_PROBLEM: return &one->problem;
  case DECL_SPACE: return &one->space;
  case DECL_TIME: return &one->time;
  case DECL_FIELD: return &one->field;
  case DECL_PDE: return &one->pde;
  case DECL_SENSORS: return &one->sensors;
  case DECL_TRUTH: return &one->truth;
  case DECL_RELAX: return &one->relax;
  case DECL_NETWORK: return &one->network;
  case DECL_TRAIN: return &one->train;
  default: return NULL;
  }
}

static void push_decl(checker *c, ast_decl ***list, int *n, ast_decl *d) {
  *list = ast_list_push(c->prog, *list, n, sizeof d, &d);
}

static void collect(checker *c, singles *one) {
  prp_problem *pb = c->pb;
  for (int i = 0; i < c->prog->ndecls; i++) {
    ast_decl *d = c->prog->decls[i];
    if (d->module && d->kind != DECL_CONST && d->kind != DECL_LET && d->kind != DECL_IMPORT) {
      prp_error(c->diag, d->loc, "a standard-library module may only hold 'const', 'let' and 'import'");
      continue;
    }
    ast_decl **slot = single_slot(one, d->kind);
    if (slot) keep_single(c, slot, d);
    else if (d->kind == DECL_INITIAL) push_decl(c, &pb->initials, &pb->ninitials, d);
    else if (d->kind == DECL_BOUNDARY) push_decl(c, &pb->boundaries, &pb->nboundaries, d);
  }
}

/* Coordinates: space first (in order), then time. */
static void define_coordinates(checker *c, const singles *one) {
  prp_problem *pb = c->pb;
  const ast_decl *parts[2] = {one->space, one->time};
  for (int k = 0; k < 2; k++) {
    const ast_decl *d = parts[k];
    for (int i = 0; d && i < d->ncoords; i++) {
      if (k == 0 && pb->nspace == 3) {
        prp_error(c->diag, d->coords[i].loc, "at most 3 space coordinates are supported");
        break;
      }
      if (k == 1 && i > 0) {
        prp_error(c->diag, d->coords[i].loc, "there is one time coordinate");
        break;
      }
      ast_symbol *sym = define_global(c, SYM_COORD, d->coords[i].name, d->coords[i].loc, NULL);
      if (!sym) continue;
      sym->index = pb->ncoords;
      double lo = 0, hi = 1;
      int ok = eval_constant(c, d->coords[i].lo, NULL, &lo, "a domain bound");
      ok &= eval_constant(c, d->coords[i].hi, NULL, &hi, "a domain bound");
      if (ok && !(lo < hi))
        prp_error(c->diag, prp_loc_join(d->coords[i].lo->loc, d->coords[i].hi->loc),
                  "the interval of '%s' is empty: %g is not below %g", sym->name, lo, hi);
      pb->lo[pb->ncoords] = lo;
      pb->hi[pb->ncoords] = hi;
      pb->coords[pb->ncoords++] = sym;
      if (k == 0) pb->nspace++;
    }
  }
  pb->has_time = one->time != NULL && pb->ncoords > pb->nspace;
  pb->time_index = pb->has_time ? pb->nspace : -1;
}

static void define_field(checker *c, ast_decl *d) {
  prp_problem *pb = c->pb;
  pb->field = define_global(c, SYM_FIELD, d->name, d->name_loc, d);
  int seen[PRP_MAX_COORDS] = {0};
  for (int i = 0; i < d->nparams; i++) {
    ast_symbol *sym = find_in(c->prog->symbols, c->prog->nsymbols, d->params[i]);
    if (!sym || sym->kind != SYM_COORD) {
      prp_error(c->diag, d->param_locs[i], "the field depends on coordinates; '%s' is not one", d->params[i]);
      continue;
    }
    if (seen[sym->index]++) prp_error(c->diag, d->param_locs[i], "coordinate '%s' is listed twice", d->params[i]);
  }
  for (int k = 0; k < pb->ncoords; k++)
    if (!seen[k]) {
      prp_error(c->diag, d->loc, "the field must depend on every coordinate; '%s' is missing", pb->coords[k]->name);
      note_declared(c, pb->coords[k]);
    }
}

static void define_names(checker *c) {
  prp_problem *pb = c->pb;
  for (int i = 0; i < c->prog->ndecls; i++) {
    ast_decl *d = c->prog->decls[i];
    ast_symbol *sym;
    switch (d->kind) {
    case DECL_CONST:
      if ((sym = define_global(c, SYM_CONST, d->name, d->name_loc, d)))
        pb->consts = ast_list_push(c->prog, pb->consts, &pb->nconsts, sizeof sym, &sym);
      break;
    case DECL_LET:
      if ((sym = define_global(c, d->nparams ? SYM_FUNC : SYM_LET, d->name, d->name_loc, d))) sym->arity = d->nparams;
      break;
    case DECL_UNKNOWN:
      if ((sym = define_global(c, SYM_UNKNOWN, d->name, d->name_loc, d))) {
        sym->index = pb->nunknowns;
        pb->unknowns = ast_list_push(c->prog, pb->unknowns, &pb->nunknowns, sizeof sym, &sym);
      }
      break;
    default: break;
    }
  }
}

/* ---- checking each declaration ------------------------------------------ */

static void check_unknown(checker *c, ast_decl *d) {
  double guess, lo = -INFINITY, hi = INFINITY;
  int ok = eval_constant(c, d->value, NULL, &guess, "the initial guess");
  int bounded = d->lo != NULL;
  if (bounded) {
    int b = eval_constant(c, d->lo, NULL, &lo, "a bound") & eval_constant(c, d->hi, NULL, &hi, "a bound");
    if (b && !(lo < hi)) {
      prp_error(c->diag, prp_loc_join(d->lo->loc, d->hi->loc), "the bounds of '%s' are empty: %g is not below %g", d->name, lo, hi);
      return;
    }
    if (b && ok && !(guess >= lo && guess <= hi)) {
      prp_error(c->diag, d->value->loc, "the initial guess %g of '%s' lies outside its bounds [%g, %g]", guess, d->name, lo, hi);
      prp_note(c->diag, prp_loc_join(d->lo->loc, d->hi->loc), "bounds given here");
    }
  }
  if (!d->transform) return;
  if (bounded && (strcmp(d->transform, "positive") == 0 || strcmp(d->transform, "identity") == 0)) {
    /* the value is reported and trusted inside its bounds: only `bounded` keeps it there */
    prp_error(c->diag, d->transform_loc, "'as %s' does not keep '%s' inside its bounds [%g, %g]", d->transform,
              d->name, lo, hi);
    prp_note(c->diag, prp_loc_join(d->lo->loc, d->hi->loc),
             "with bounds, leave the transform out (bounded is the default) or drop the bounds");
    return;
  }
  if (strcmp(d->transform, "positive") == 0) {
    if (ok && guess <= 0)
      prp_error(c->diag, d->value->loc, "'%s' is declared positive, but its initial guess is %g", d->name, guess);
  } else if (strcmp(d->transform, "bounded") == 0) {
    if (!bounded) prp_error(c->diag, d->transform_loc, "'as bounded' needs bounds: 'in [lo, hi]'");
  } else if (strcmp(d->transform, "identity") != 0) {
    prp_error(c->diag, d->transform_loc, "unknown transform '%s'; expected positive, bounded or identity", d->transform);
  }
}

/* Checks `pde lhs = rhs` and records the order in time. */
static void check_pde(checker *c, ast_decl *d) {
  c->time_order = 0;
  int ok = check_scalar(c, d->lhs, NULL, CTX_PDE) & check_scalar(c, d->rhs, NULL, CTX_PDE);
  if (ok && !uses_symbol(d->lhs, c->pb->field, 0) && !uses_symbol(d->rhs, c->pb->field, 0))
    prp_error(c->diag, d->loc, "the PDE does not involve the field '%s'", c->pb->field->name);
  if (!d->in_truth) c->pb->time_order = c->time_order;
}

static int is_time_derivative_of_field(const checker *c, const ast_expr *e) {
  if (e->kind != AST_DERIV || e->deriv != DERIV_PARTIAL || !c->pb->has_time) return 0;
  for (int k = 0; k < c->pb->ncoords; k++)
    if (e->orders[k] != (k == c->pb->time_index ? 1 : 0)) return 0;
  return 1;
}

static int check_condition_rhs(checker *c, ast_decl *d, expr_context ctx) {
  if (!check_scalar(c, d->rhs, NULL, ctx)) return 0;
  if (uses_symbol(d->rhs, c->pb->field, 0)) {
    prp_error(c->diag, d->rhs->loc, "the right side of a condition gives a value; it cannot use the field '%s'", c->pb->field->name);
    return 0;
  }
  return 1;
}

static void check_initial(checker *c, ast_decl *d, int *has_value, int *has_rate) {
  if (!c->pb->has_time) {
    prp_error(c->diag, d->loc, "an initial condition needs a time coordinate; this problem declares no 'time'");
    return;
  }
  if (!check_scalar(c, d->lhs, NULL, CTX_PDE)) return;
  if (is_field(c, d->lhs)) (*has_value)++;
  else if (is_time_derivative_of_field(c, d->lhs)) (*has_rate)++;
  else {
    prp_error(c->diag, d->lhs->loc, "an initial condition sets %s or dt(%s)", c->pb->field->name, c->pb->field->name);
    return;
  }
  check_condition_rhs(c, d, CTX_PDE);
  if (d->hard && !is_field(c, d->lhs))
    prp_error(c->diag, d->loc, "only 'initial %s = ...' can be hard (built into the network's output)", c->pb->field->name);
}

static void check_face(checker *c, ast_face *f) {
  ast_symbol *sym = find_in(c->prog->symbols, c->prog->nsymbols, f->coord);
  if (!sym || sym->kind != SYM_COORD || sym->index >= c->pb->nspace) {
    prp_error(c->diag, f->loc, "a boundary face is 'COORD = BOUND' for a space coordinate; '%s' is not one", f->coord);
    return;
  }
  double v;
  if (!eval_constant(c, f->value, NULL, &v, "a face position")) return;
  f->coord_index = sym->index;
  if (v == c->pb->lo[sym->index]) f->upper = 0;
  else if (v == c->pb->hi[sym->index]) f->upper = 1;
  else {
    prp_error(c->diag, f->value->loc, "%s = %g is not a face of the domain: '%s' lies in [%g, %g]", f->coord, v,
              f->coord, c->pb->lo[sym->index], c->pb->hi[sym->index]);
    note_declared(c, sym);
  }
}

static void check_boundary(checker *c, ast_decl *d) {
  if (c->pb->nspace == 0) {
    prp_error(c->diag, d->loc, "a boundary condition needs space coordinates");
    return;
  }
  if (!check_scalar(c, d->lhs, NULL, CTX_BOUNDARY)) return;
  int is_flux = d->lhs->kind == AST_DERIV && d->lhs->deriv == DERIV_NORMAL;
  if (!is_field(c, d->lhs) && !is_flux) {
    prp_error(c->diag, d->lhs->loc, "a boundary condition sets %s (value) or dn(%s) (flux)", c->pb->field->name, c->pb->field->name);
    return;
  }
  if (is_flux && d->hard)
    prp_error(c->diag, d->loc, "only value conditions can be hard; a flux condition is always soft");
  check_condition_rhs(c, d, CTX_BOUNDARY);
  for (int i = 0; i < d->nfaces; i++) check_face(c, &d->faces[i]);
}

static void check_conditions(checker *c) {
  int has_value = 0, has_rate = 0;
  for (int i = 0; i < c->pb->ninitials; i++) check_initial(c, c->pb->initials[i], &has_value, &has_rate);
  for (int i = 0; i < c->pb->nboundaries; i++) check_boundary(c, c->pb->boundaries[i]);
  if (c->pb->time_order == 2 && has_value && !has_rate && c->pb->pde)
    prp_error(c->diag, c->pb->pde->loc, "the PDE is second order in time: add 'initial dt(%s) = ...'", c->pb->field->name);
  if (has_value > 1 || has_rate > 1)
    prp_error(c->diag, c->pb->initials[c->pb->ninitials - 1]->loc, "the same initial condition is given twice");
}

static void check_required(checker *c, const singles *one) {
  prp_loc top = {c->prog->main, 1, 1, 1, 1};
  if (c->prog->ndecls == 0) {
    prp_error(c->diag, top, "the file declares nothing: a problem needs at least 'space' or 'time', 'field' and 'pde'");
    return;
  }
  if (!one->space && !one->time) prp_error(c->diag, top, "no coordinates: declare 'space' and/or 'time'");
  if (!one->field) prp_error(c->diag, top, "no field: declare one, as 'field u(x, t)'");
  if (!one->pde) prp_error(c->diag, top, "no PDE: declare one, as 'pde dt(u) - D * lap(u) = s'");
  if (!one->sensors && !one->truth)
    prp_error(c->diag, top, "no observations: add 'sensors from \"FILE.csv\"' or a 'truth { ... }' block");
}

static void check_sensors_decl(checker *c, ast_decl *d, const singles *one) {
  if (d->sensors.kind != SENSORS_FILE) {
    if (!one->truth)
      prp_error(c->diag, d->loc, "a sensor layout gives places, not values: the values come from a 'truth' block or 'sensors from \"FILE.csv\"'");
    check_sensor_layout(c, &d->sensors, d->loc);
    return;
  }
  char path[4096];
  prp_sensor_path(c->prog, d, path, sizeof path);
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    prp_error(c->diag, d->sensors.path_loc, "cannot open sensor file '%s'%s", d->sensors.path,
              stat(path, &st) == 0 ? ": it is not a regular file" : "");
  if (one->truth) {
    prp_error(c->diag, d->loc, "observations come either from a file or from a 'truth' block, not both");
    prp_note(c->diag, one->truth->loc, "the truth block is here");
  }
}

void prp_sensor_path(const ast_program *prog, const ast_decl *d, char *out, size_t len) {
  const char *file = d->sensors.path;
  const char *src = prog->main ? prog->main->path : "";
  const char *slash = strrchr(src, '/');
  if (file[0] == '/' || !slash) snprintf(out, len, "%s", file);
  else snprintf(out, len, "%.*s/%s", (int)(slash - src), src, file);
}

static void check_all(checker *c, const singles *one) {
  for (int i = 0; i < c->pb->nconsts; i++) {
    double v;
    ast_symbol *sym = c->pb->consts[i];
    if (eval_constant(c, sym->decl->value, NULL, &v, "the value of a constant")) sym->value = v;
  }
  for (int i = 0; i < c->prog->nsymbols; i++) {
    ast_symbol *sym = c->prog->symbols[i];
    if (sym->kind == SYM_LET || sym->kind == SYM_FUNC) check_let(c, sym);
    if (sym->kind == SYM_UNKNOWN) check_unknown(c, sym->decl);
  }
  if (!c->pb->field) return;
  if (one->pde) check_pde(c, one->pde);
  check_conditions(c);
  if (one->sensors) check_sensors_decl(c, one->sensors, one);
  if (one->truth) check_truth(c, one->truth);
  if (one->relax) check_relax(c, one->relax);
  if (one->network) check_network(c, one->network);
  if (one->train) check_train(c, one->train);
}

int prp_check(ast_program *prog, prp_diag *diag) {
  int before = diag->errors;
  checker c = {.prog = prog, .diag = diag, .pb = &prog->problem};
  init_builtins(&c);
  singles one = {0};
  collect(&c, &one);
  check_required(&c, &one);
  define_coordinates(&c, &one);
  if (one.field) define_field(&c, one.field);
  define_names(&c);
  prp_problem *pb = c.pb;
  pb->name = one.problem ? one.problem->name : NULL;
  pb->pde = one.pde;
  pb->sensors = one.sensors;
  pb->truth = one.truth;
  pb->relax = one.relax;
  pb->network = one.network;
  pb->train = one.train;
  check_all(&c, &one);
  prog->checked = diag->errors == before;
  return diag->errors - before;
}
