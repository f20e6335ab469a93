/* Front end, stage 2: what the parts of the checker share (check.c,
 * check_expr.c, check_blocks.c, consteval.c). Not used outside the checker. */
#ifndef PRP_CHECK_CONTEXT_H
#define PRP_CHECK_CONTEXT_H
#include "check.h"

/* A lexical scope: function parameters, or the names a truth block defines. */
typedef struct scope {
  const struct scope *parent;
  ast_symbol **symbols;
  int nsymbols;
} scope;

/* Where an expression stands, which decides what it may use. */
typedef enum {
  CTX_CONSTANT,   /* const values, bounds, counts: numbers, constants, pi */
  CTX_DEFINITION, /* let bodies: anything; checked again where used */
  CTX_PDE,        /* the PDE and conditions: the field and its derivatives */
  CTX_BOUNDARY    /* boundary conditions: also dn(u) */
} expr_context;

typedef enum { TYPE_ERROR, TYPE_SCALAR, TYPE_VECTOR, TYPE_GRADIENT } expr_type_kind;
typedef struct { expr_type_kind kind; int dim; } expr_type;

typedef struct checker {
  ast_program *prog;
  prp_diag *diag;
  prp_problem *pb;
  ast_symbol *builtins[BUILTIN_COUNT];
  const scope *truth_scope;   /* while checking inside a truth block */
  int time_order;             /* highest dt order met in the PDE being checked */
} checker;

/* Symbols */
ast_symbol *new_symbol(checker *c, ast_symbol_kind kind, const char *name, prp_loc loc, ast_decl *d);
ast_symbol *lookup(const checker *c, const scope *s, const char *name);
void note_declared(checker *c, const ast_symbol *sym);
void suggest_name(checker *c, const scope *s, const char *name, prp_loc loc);
const char *symbol_kind_name(ast_symbol_kind k);

/* Expressions */
expr_type check_expr(checker *c, ast_expr *e, const scope *s, expr_context ctx);
int check_scalar(checker *c, ast_expr *e, const scope *s, expr_context ctx);
int check_let(checker *c, ast_symbol *sym);
/* Is this (checked) expression the field itself? */
int is_field(const checker *c, const ast_expr *e);
/* Does e use the named symbol, looking through `let` definitions? */
int uses_symbol(const ast_expr *e, const ast_symbol *sym, int depth);

/* Constants: evaluates or reports which name made it non-constant. */
int eval_constant(checker *c, ast_expr *e, const scope *s, double *out, const char *what);
int const_eval_env(const ast_expr *e, const double *params, int nparams, double *out, const ast_expr **culprit);

/* Blocks */
void check_relax(checker *c, ast_decl *d);
void check_relax_auto(checker *c, ast_decl *d);
/* A dilatation's constant: a const of the source; sets s->target or reports. */
int check_dilated_constant(checker *c, ast_schedule *s);
void check_network(checker *c, ast_decl *d);
void check_train(checker *c, ast_decl *d);
void check_truth(checker *c, ast_decl *d);
void check_sensor_layout(checker *c, ast_sensors *s, prp_loc loc);
int check_count(checker *c, ast_expr *e, const char *what, long *out);

#endif
