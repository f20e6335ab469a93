/* Front end, stage 1: the abstract syntax tree built by grammar/parser.y.
 * Every node carries its source range; the checker (check.c) resolves names
 * and fills the problem summary that later stages read. */
#ifndef PRP_AST_H
#define PRP_AST_H
#include <stdio.h>
#include "arena.h"
#include "diag.h"

enum { PRP_MAX_COORDS = 4, PRP_MAX_NESTING = 200 };

typedef enum {
  AST_NUM, AST_NAME, AST_CALL, AST_NEG, AST_BINOP, AST_TUPLE, AST_DOT,
  AST_DERIV   /* made by the checker from calls such as dt(u), dxx(u), lap(u) */
} ast_expr_kind;

typedef enum {
  DERIV_PARTIAL,  /* orders[] counts derivatives per coordinate (dt, dxy, d(u, x, x)) */
  DERIV_LAP,      /* sum of pure second derivatives over the space coordinates */
  DERIV_GRAD,     /* the vector of first space derivatives; only as grad(u) . v */
  DERIV_NORMAL    /* outward normal derivative dn(u), only in boundary conditions */
} ast_deriv_kind;

struct ast_symbol;

typedef struct ast_expr {
  ast_expr_kind kind;
  prp_loc loc;
  int depth;                   /* nesting depth, bounded by PRP_MAX_NESTING */
  double num;                  /* AST_NUM */
  const char *name;            /* AST_NAME, AST_CALL (callee) */
  char op;                     /* AST_BINOP: + - * / ^ */
  struct ast_expr *lhs, *rhs;  /* AST_BINOP, AST_NEG (lhs), AST_DOT */
  struct ast_expr **args;      /* AST_CALL, AST_TUPLE */
  int nargs;
  struct ast_symbol *sym;      /* resolved name or callee (checker) */
  ast_deriv_kind deriv;        /* AST_DERIV */
  int orders[PRP_MAX_COORDS];  /* AST_DERIV, DERIV_PARTIAL: order per coordinate */
} ast_expr;

/* One argument of an option line such as `collocation 4096 sobol resample 200`. */
typedef enum { ARG_NUMBER, ARG_PERCENT, ARG_STRING, ARG_WORD } ast_arg_kind;
typedef struct ast_arg {
  ast_arg_kind kind;
  prp_loc loc;
  double num;        /* ARG_NUMBER, ARG_PERCENT (the percentage, 60 for 60%) */
  const char *text;  /* ARG_STRING, ARG_WORD */
} ast_arg;

typedef struct ast_option {
  const char *name;
  prp_loc loc;
  ast_arg *args;
  int nargs;
} ast_option;

typedef struct ast_coord {       /* x in [lo, hi] */
  const char *name;
  prp_loc loc;
  ast_expr *lo, *hi;
} ast_coord;

typedef struct ast_face {        /* on x = 0 */
  const char *coord;
  prp_loc loc;
  ast_expr *value;
  int coord_index, upper;        /* filled by the checker */
} ast_face;

typedef struct ast_axis {        /* x = 0.3 .. 0.9 count 4, or x = 0.5 */
  const char *coord;
  prp_loc loc;
  ast_expr *lo, *hi, *count;     /* hi and count are NULL for a single value */
} ast_axis;

typedef enum { SENSORS_FILE, SENSORS_GRID, SENSORS_POINTS } ast_sensors_kind;
typedef struct ast_sensors {
  ast_sensors_kind kind;
  const char *path; prp_loc path_loc;   /* SENSORS_FILE */
  ast_axis *axes; int naxes;            /* SENSORS_GRID; time axis of SENSORS_POINTS */
  ast_expr **points; int npoints;       /* SENSORS_POINTS: tuples or numbers */
} ast_sensors;

typedef struct ast_assign { const char *name; prp_loc loc; ast_expr *value; struct ast_symbol *sym; } ast_assign;

typedef struct ast_pw_point { double at; int percent; prp_loc loc; ast_expr *value; } ast_pw_point;

typedef enum { RELAX_SMOOTHING, RELAX_DILATATION, RELAX_NUDGING } ast_relax_kind;
typedef struct ast_schedule {
  const char *mechanism; prp_loc mechanism_loc; ast_relax_kind kind;
  const char *var; prp_loc var_loc;      /* eps, eta, or the dilated constant */
  ast_expr *from, *to;                   /* NULL for piecewise */
  double until; int until_percent; prp_loc until_loc;
  ast_pw_point *pw; int npw;             /* piecewise schedule */
  ast_arg *args; int nargs;              /* shape and options: cosine, width 0.03 */
  prp_loc loc;
  /* filled by the checker */
  const char *shape; struct ast_symbol *shape_fn; struct ast_symbol *target;
  double from_value, to_value, width; int conserve_mass;
} ast_schedule;

typedef enum {
  DECL_PROBLEM, DECL_IMPORT, DECL_SPACE, DECL_TIME, DECL_FIELD, DECL_CONST,
  DECL_LET, DECL_UNKNOWN, DECL_PDE, DECL_INITIAL, DECL_BOUNDARY, DECL_SENSORS,
  DECL_TRUTH, DECL_RELAX, DECL_NETWORK, DECL_TRAIN, DECL_OPTION
} ast_decl_kind;

typedef struct ast_decl {
  ast_decl_kind kind;
  prp_loc loc;                  /* the whole declaration */
  const char *name; prp_loc name_loc;
  ast_expr *value;              /* const, let, unknown guess */
  ast_expr *lhs, *rhs;          /* pde, initial, boundary */
  const char **params; prp_loc *param_locs; int nparams;  /* let f(a, b), field u(x, t) */
  ast_coord *coords; int ncoords;                         /* space, time (one) */
  ast_expr *lo, *hi;            /* unknown bounds */
  const char *transform; prp_loc transform_loc;           /* unknown ... as positive */
  ast_face *faces; int nfaces; int hard; int soft;        /* conditions */
  ast_sensors sensors;
  struct ast_decl **items; int nitems;                    /* truth block */
  ast_assign *assigns; int nassigns;                      /* truth: set a = 1, b = 2 */
  ast_schedule *schedules; int nschedules; int relax_off; /* relax */
  int relax_auto;               /* relax auto [dilate NAMES]: name is "auto", params the names; */
  const char *relax_with; prp_loc relax_with_loc;         /* the checker fills schedules */
  ast_expr **widths; int nwidths;                         /* network mlp(...) */
  ast_option *options; int noptions;                      /* train lines; network words */
  const prp_source *module;     /* set for declarations imported from stdlib */
  int in_truth;                 /* declared inside the truth block */
  int check_state;              /* checker: 0 new, 1 in progress, 2 good, 3 bad */
  struct ast_symbol *sym;
} ast_decl;

typedef enum {
  SYM_COORD, SYM_FIELD, SYM_CONST, SYM_LET, SYM_FUNC, SYM_UNKNOWN, SYM_PARAM, SYM_BUILTIN
} ast_symbol_kind;

typedef enum {
  BUILTIN_EXP, BUILTIN_LOG, BUILTIN_SIN, BUILTIN_COS, BUILTIN_TANH, BUILTIN_SQRT,
  BUILTIN_ABS, BUILTIN_MIN, BUILTIN_MAX, BUILTIN_PI, BUILTIN_COUNT
} ast_builtin;

typedef struct ast_symbol {
  ast_symbol_kind kind;
  const char *name;
  ast_decl *decl;      /* NULL for builtins and parameters */
  prp_loc loc;
  int index;           /* coordinate, unknown or parameter index; builtin id */
  int arity;           /* functions and builtins */
  double value;        /* constants, once evaluated */
  int evaluated;       /* 1: value known; -1: being evaluated (cycle guard) */
} ast_symbol;

typedef enum {
  PRP_FLOW_UNMEASURED,     /* not asked for (no relax auto, not first order in time) or not yet run */
  PRP_FLOW_MEASURED,       /* flow_speed holds U (0: no advection) */
  PRP_FLOW_NOT_EXTRACTED   /* the model PDE is outside the class whose coefficients can be extracted */
} prp_flow_status;

/* What the checker found: the facts later stages need, in declaration order. */
typedef struct prp_problem {
  const char *name;
  ast_symbol *coords[PRP_MAX_COORDS]; int ncoords;  /* space coordinates, then time */
  int nspace, has_time, time_index;
  double lo[PRP_MAX_COORDS], hi[PRP_MAX_COORDS];
  ast_symbol *field;
  ast_decl *pde;
  ast_decl **initials; int ninitials;
  ast_decl **boundaries; int nboundaries;
  ast_symbol **unknowns; int nunknowns;
  ast_symbol **consts; int nconsts;
  ast_decl *sensors;    /* sensors from a file, or NULL */
  ast_decl *truth;      /* truth block, or NULL */
  ast_decl *relax;      /* relax block, or NULL (no relaxation) */
  ast_decl *network, *train;
  int time_order;       /* highest order of dt in the PDE (0, 1 or 2) */
  /* The flow that bounds `relax auto`'s smoothing (check.h), measured after the check by
   * compiler/plan/relax_auto_flow.c, which the front end cannot do (it cannot lower the PDE). */
  prp_flow_status flow_status;
  double flow_speed;    /* PRP_FLOW_MEASURED: U, the largest |v| of the model PDE's advection */
  const char *flow_why; /* PRP_FLOW_NOT_EXTRACTED: why (arena text) */
} prp_problem;

typedef struct ast_program {
  prp_arena arena;
  const prp_source *main;
  prp_source **sources; int nsources;     /* main first, then imported modules */
  ast_decl **decls; int ndecls;
  ast_symbol **symbols; int nsymbols;     /* global scope, declaration order */
  prp_problem problem;
  int checked;
} ast_program;

/* Constructors used by the parser (arena-allocated). */
ast_expr *ast_num(ast_program *p, prp_loc loc, double v);
ast_expr *ast_name(ast_program *p, prp_loc loc, const char *name);
ast_expr *ast_call(ast_program *p, prp_loc loc, const char *name, ast_expr **args, int nargs);
ast_expr *ast_unary_neg(ast_program *p, prp_loc loc, ast_expr *e);
ast_expr *ast_binop(ast_program *p, prp_loc loc, char op, ast_expr *l, ast_expr *r);
ast_expr *ast_dot(ast_program *p, prp_loc loc, ast_expr *l, ast_expr *r);
ast_expr *ast_tuple(ast_program *p, prp_loc loc, ast_expr **items, int n);
ast_decl *ast_decl_new(ast_program *p, ast_decl_kind kind, prp_loc loc);

/* Growable arrays inside the arena, for parser lists. */
void *ast_list_push(ast_program *p, void *items, int *n, size_t elem, const void *value);

ast_program *ast_program_new(void);
void ast_program_free(ast_program *p);

/* A readable dump of the tree with source ranges (prpc emit --ast). */
void ast_dump(const ast_program *p, FILE *out);
void ast_dump_expr(const ast_expr *e, FILE *out);

const char *ast_decl_kind_name(ast_decl_kind k);
const char *ast_builtin_name(ast_builtin b);

#endif
