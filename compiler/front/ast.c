/* Front end, stage 1: AST construction helpers and the `emit --ast` dump. */
#include "ast.h"
#include "keywords.h"
#include "util.h"
#include <stdlib.h>
#include <string.h>

ast_program *ast_program_new(void) { return prp_xcalloc(1, sizeof(ast_program)); }

void ast_program_free(ast_program *p) {
  if (!p) return;
  for (int i = 0; i < p->nsources; i++) prp_source_free(p->sources[i]);
  free(p->sources);
  prp_arena_free(&p->arena);
  free(p);
}

/* Appends value to an arena array whose capacity is the next power of two. */
void *ast_list_push(ast_program *p, void *items, int *n, size_t elem, const void *value) {
  int count = *n;
  if (count == 0 || (count >= 4 && (count & (count - 1)) == 0)) {
    int cap = count == 0 ? 4 : count * 2;
    void *grown = prp_arena_alloc(&p->arena, elem * (size_t)cap);
    if (count) memcpy(grown, items, elem * (size_t)count);
    items = grown;
  }
  memcpy((char *)items + elem * (size_t)count, value, elem);
  *n = count + 1;
  return items;
}

static ast_expr *node(ast_program *p, ast_expr_kind kind, prp_loc loc) {
  ast_expr *e = prp_arena_alloc(&p->arena, sizeof *e);
  e->kind = kind;
  e->loc = loc;
  e->depth = 1;
  return e;
}

static int max_depth(ast_expr *a, ast_expr *b) {
  int da = a ? a->depth : 0, db = b ? b->depth : 0;
  return 1 + (da > db ? da : db);
}

ast_expr *ast_num(ast_program *p, prp_loc loc, double v) {
  ast_expr *e = node(p, AST_NUM, loc);
  e->num = v;
  return e;
}

ast_expr *ast_name(ast_program *p, prp_loc loc, const char *name) {
  ast_expr *e = node(p, AST_NAME, loc);
  e->name = name;
  return e;
}

ast_expr *ast_call(ast_program *p, prp_loc loc, const char *name, ast_expr **args, int nargs) {
  ast_expr *e = node(p, AST_CALL, loc);
  e->name = name;
  e->args = args;
  e->nargs = nargs;
  for (int i = 0; i < nargs; i++)
    if (args[i]->depth + 1 > e->depth) e->depth = args[i]->depth + 1;
  return e;
}

ast_expr *ast_unary_neg(ast_program *p, prp_loc loc, ast_expr *x) {
  ast_expr *e = node(p, AST_NEG, loc);
  e->lhs = x;
  e->depth = max_depth(x, NULL);
  return e;
}

ast_expr *ast_binop(ast_program *p, prp_loc loc, char op, ast_expr *l, ast_expr *r) {
  ast_expr *e = node(p, AST_BINOP, loc);
  e->op = op;
  e->lhs = l;
  e->rhs = r;
  e->depth = max_depth(l, r);
  return e;
}

ast_expr *ast_dot(ast_program *p, prp_loc loc, ast_expr *l, ast_expr *r) {
  ast_expr *e = ast_binop(p, loc, '.', l, r);
  e->kind = AST_DOT;
  return e;
}

ast_expr *ast_tuple(ast_program *p, prp_loc loc, ast_expr **items, int n) {
  ast_expr *e = ast_call(p, loc, NULL, items, n);
  e->kind = AST_TUPLE;
  return e;
}

ast_decl *ast_decl_new(ast_program *p, ast_decl_kind kind, prp_loc loc) {
  ast_decl *d = prp_arena_alloc(&p->arena, sizeof *d);
  d->kind = kind;
  d->loc = loc;
  return d;
}

/* The keyword that starts the declaration (keywords.h); an option line has none. */
const char *ast_decl_kind_name(ast_decl_kind k) {
  for (int i = 0; i < PRP_NKEYWORDS; i++)
    if (prp_keywords[i].decl == (int)k) return prp_keywords[i].word;
  return "option";
}

const char *ast_builtin_name(ast_builtin b) {
  static const char *names[] = {"exp", "log", "sin", "cos", "tanh", "sqrt", "abs", "min", "max", "pi"};
  return b < BUILTIN_COUNT ? names[b] : "?";
}

/* ---- dump ---------------------------------------------------------------- */

/* Prints the shortest decimal form that reads back as the same double. */
static void print_number(FILE *out, double v) {
  char buf[40];
  for (int digits = 6; digits <= 17; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) break;
  }
  fputs(buf, out);
}

static void range(FILE *out, prp_loc l) {
  if (l.src) fprintf(out, "  <%d:%d-%d:%d>", l.line, l.col, l.end_line, l.end_col);
  fputc('\n', out);
}

static void indent(FILE *out, int depth) { fprintf(out, "%*s", 2 * depth, ""); }

static void dump_expr(const ast_expr *e, FILE *out, int depth, const char *label);

static void dump_label(FILE *out, int depth, const char *label) {
  indent(out, depth);
  if (label) fprintf(out, "%s: ", label);
}

static void dump_deriv(const ast_expr *e, FILE *out) {
  static const char *kinds[] = {"partial", "laplacian", "gradient", "normal"};
  fprintf(out, "derivative %s %s", e->name, kinds[e->deriv]);
  if (e->deriv == DERIV_PARTIAL) {
    fprintf(out, " orders");
    for (int i = 0; i < PRP_MAX_COORDS; i++) fprintf(out, " %d", e->orders[i]);
  }
}

static void dump_expr(const ast_expr *e, FILE *out, int depth, const char *label) {
  if (!e) return;
  dump_label(out, depth, label);
  switch (e->kind) {
  case AST_NUM: fprintf(out, "number "); print_number(out, e->num); break;
  case AST_NAME: fprintf(out, "name %s", e->name); break;
  case AST_CALL: fprintf(out, "call %s", e->name); break;
  case AST_NEG: fprintf(out, "negate"); break;
  case AST_BINOP: fprintf(out, "binary %c", e->op); break;
  case AST_TUPLE: fprintf(out, "tuple"); break;
  case AST_DOT: fprintf(out, "dot"); break;
  case AST_DERIV: dump_deriv(e, out); break;
  }
  range(out, e->loc);
  if (e->lhs) dump_expr(e->lhs, out, depth + 1, NULL);
  if (e->rhs) dump_expr(e->rhs, out, depth + 1, NULL);
  for (int i = 0; i < e->nargs; i++) dump_expr(e->args[i], out, depth + 1, NULL);
}

void ast_dump_expr(const ast_expr *e, FILE *out) { dump_expr(e, out, 0, NULL); }

static void dump_args(FILE *out, int depth, const ast_arg *args, int n) {
  for (int i = 0; i < n; i++) {
    const ast_arg *a = &args[i];
    indent(out, depth);
    switch (a->kind) {
    case ARG_NUMBER: fprintf(out, "number "); print_number(out, a->num); break;
    case ARG_PERCENT: fprintf(out, "percent "); print_number(out, a->num); fputc('%', out); break;
    case ARG_STRING: fprintf(out, "string \"%s\"", a->text); break;
    case ARG_WORD: fprintf(out, "word %s", a->text); break;
    }
    range(out, a->loc);
  }
}

static void dump_options(FILE *out, int depth, const ast_option *opts, int n) {
  for (int i = 0; i < n; i++) {
    indent(out, depth);
    fprintf(out, "option %s", opts[i].name);
    range(out, opts[i].loc);
    dump_args(out, depth + 1, opts[i].args, opts[i].nargs);
  }
}

static void dump_sensors(FILE *out, int depth, const ast_sensors *s) {
  static const char *kinds[] = {"file", "grid", "points"};
  indent(out, depth);
  fprintf(out, "layout %s", kinds[s->kind]);
  if (s->kind == SENSORS_FILE) fprintf(out, " \"%s\"", s->path);
  fputc('\n', out);
  for (int i = 0; i < s->npoints; i++) dump_expr(s->points[i], out, depth + 1, "point");
  for (int i = 0; i < s->naxes; i++) {
    indent(out, depth + 1);
    fprintf(out, "axis %s", s->axes[i].coord);
    range(out, s->axes[i].loc);
    dump_expr(s->axes[i].lo, out, depth + 2, s->axes[i].hi ? "from" : "at");
    dump_expr(s->axes[i].hi, out, depth + 2, "to");
    dump_expr(s->axes[i].count, out, depth + 2, "count");
  }
}

static void dump_schedule(FILE *out, int depth, const ast_schedule *s) {
  indent(out, depth);
  fprintf(out, "schedule %s %s", s->mechanism, s->var);
  range(out, s->loc);
  dump_expr(s->from, out, depth + 1, "from");
  dump_expr(s->to, out, depth + 1, "to");
  if (s->from) {
    indent(out, depth + 1);
    fprintf(out, "until ");
    print_number(out, s->until);
    fprintf(out, "%s", s->until_percent ? "%" : " epochs");
    range(out, s->until_loc);
  }
  for (int i = 0; i < s->npw; i++) {
    indent(out, depth + 1);
    fprintf(out, "at ");
    print_number(out, s->pw[i].at);
    fprintf(out, "%s", s->pw[i].percent ? "%" : " epochs");
    range(out, s->pw[i].loc);
    dump_expr(s->pw[i].value, out, depth + 2, "value");
  }
  dump_args(out, depth + 1, s->args, s->nargs);
}

static void dump_decl(const ast_decl *d, FILE *out, int depth);

static void dump_decl_body(const ast_decl *d, FILE *out, int depth) {
  for (int i = 0; i < d->ncoords; i++) {
    indent(out, depth);
    fprintf(out, "coordinate %s", d->coords[i].name);
    range(out, d->coords[i].loc);
    dump_expr(d->coords[i].lo, out, depth + 1, "lo");
    dump_expr(d->coords[i].hi, out, depth + 1, "hi");
  }
  for (int i = 0; i < d->nparams; i++) {
    indent(out, depth);
    fprintf(out, "%s %s", d->kind == DECL_IMPORT ? "part" : d->kind == DECL_RELAX ? "dilate" : "parameter", d->params[i]);
    range(out, d->param_locs[i]);
  }
  dump_expr(d->value, out, depth, d->kind == DECL_UNKNOWN ? "guess" : "value");
  dump_expr(d->lo, out, depth, "lower");
  dump_expr(d->hi, out, depth, "upper");
  if (d->transform) { indent(out, depth); fprintf(out, "transform %s", d->transform); range(out, d->transform_loc); }
  dump_expr(d->lhs, out, depth, "lhs");
  dump_expr(d->rhs, out, depth, "rhs");
  for (int i = 0; i < d->nfaces; i++) {
    indent(out, depth);
    fprintf(out, "face %s", d->faces[i].coord);
    range(out, d->faces[i].loc);
    dump_expr(d->faces[i].value, out, depth + 1, "at");
  }
  if (d->hard || d->soft) { indent(out, depth); fprintf(out, "%s\n", d->hard ? "hard" : "soft"); }
  if (d->kind == DECL_SENSORS) dump_sensors(out, depth, &d->sensors);
  for (int i = 0; i < d->nassigns; i++) dump_expr(d->assigns[i].value, out, depth, d->assigns[i].name);
  if (d->relax_off) { indent(out, depth); fprintf(out, "off\n"); }
  if (d->relax_auto) {
    indent(out, depth);
    fprintf(out, "auto");
    range(out, d->name_loc);
  } else {
    for (int i = 0; i < d->nschedules; i++) dump_schedule(out, depth, &d->schedules[i]);
  }
  for (int i = 0; i < d->nwidths; i++) dump_expr(d->widths[i], out, depth, "width");
  dump_options(out, depth, d->options, d->noptions);
  for (int i = 0; i < d->nitems; i++) dump_decl(d->items[i], out, depth);
}

static void dump_decl(const ast_decl *d, FILE *out, int depth) {
  indent(out, depth);
  fprintf(out, "%s", ast_decl_kind_name(d->kind));
  if (d->name) fprintf(out, " %s", d->name);
  range(out, d->loc);
  dump_decl_body(d, out, depth + 1);
}

void ast_dump(const ast_program *p, FILE *out) {
  fprintf(out, "program %s\n", p->main ? p->main->path : "?");
  for (int i = 0; i < p->ndecls; i++) {
    const ast_decl *d = p->decls[i];
    if (d->module) continue;  /* imported declarations are dumped with their module */
    dump_decl(d, out, 1);
  }
}
