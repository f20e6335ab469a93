/* Front end, stage 1b: the grammar of .prp files (reentrant bison, with
 * locations). Builds the AST of compiler/front/ast.h; names are resolved later by
 * the checker. Declarations end at a newline; see docs/language.md. */
%require "3.8"
%define api.pure full
%define parse.error custom
%locations
%lex-param {void *scanner}
%parse-param {void *scanner} {prp_parse_state *ps}

%code requires {
#include "parse.h"
typedef struct YYLTYPE {
  int first_line, first_column, last_line, last_column;
  const prp_source *src;
} YYLTYPE;
#define YYLTYPE_IS_DECLARED 1
#define YYLTYPE_IS_TRIVIAL 1
#define YYLLOC_DEFAULT(Cur, Rhs, N) do {                                  \
    if (N) {                                                               \
      (Cur).first_line = YYRHSLOC(Rhs, 1).first_line;                      \
      (Cur).first_column = YYRHSLOC(Rhs, 1).first_column;                  \
      (Cur).last_line = YYRHSLOC(Rhs, N).last_line;                        \
      (Cur).last_column = YYRHSLOC(Rhs, N).last_column;                    \
      (Cur).src = YYRHSLOC(Rhs, 1).src;                                    \
    } else {                                                               \
      (Cur).first_line = (Cur).last_line = YYRHSLOC(Rhs, 0).last_line;     \
      (Cur).first_column = (Cur).last_column = YYRHSLOC(Rhs, 0).last_column; \
      (Cur).src = YYRHSLOC(Rhs, 0).src;                                    \
    }                                                                      \
  } while (0)

/* Growable lists built while parsing. */
typedef struct { ast_expr **items; int n; } expr_list;
typedef struct { const char **names; prp_loc *locs; int n; } name_list;
typedef struct { ast_arg *items; int n; } arg_list;
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);
}

%code {
#include <string.h>
#define P (ps->prog)
#define PUSH(list, count, value) ((list) = ast_list_push(P, (list), &(count), sizeof *(list), &(value)))

static prp_loc L(YYLTYPE l) { return (prp_loc){l.src, l.first_line, l.first_column, l.last_line, l.last_column}; }
static void yyerror(YYLTYPE *loc, void *scanner, prp_parse_state *ps, const char *msg);
static int too_deep(prp_parse_state *ps, ast_expr *e);
#define CHECK_DEPTH(e) do { if (too_deep(ps, (e))) YYABORT; } while (0)
static ast_decl *decl(prp_parse_state *ps, ast_decl_kind k, YYLTYPE l) {
  ast_decl *d = ast_decl_new(ps->prog, k, L(l));
  d->module = ps->module;
  return d;
}
static void names_add(prp_parse_state *ps, name_list *l, const char *name, prp_loc loc) {
  int n = l->n;
  l->names = ast_list_push(ps->prog, l->names, &n, sizeof *l->names, &name);
  l->locs = ast_list_push(ps->prog, l->locs, &l->n, sizeof *l->locs, &loc);
}
static ast_arg arg(ast_arg_kind kind, YYLTYPE l, double num, const char *text) {
  return (ast_arg){kind, L(l), num, text};
}
}

%union {
  double num;
  const char *str;
  ast_expr *expr;
  ast_decl *decl;
  expr_list exprs;
  name_list names;
  arg_list args;
  ast_arg arg;
  ast_coord coord;
  struct { ast_coord *items; int n; } coords;
  ast_face face;
  struct { ast_face *items; int n; } faces;
  ast_axis axis;
  struct { ast_axis *items; int n; } axes;
  ast_sensors sensors;
  ast_assign assign;
  struct { ast_assign *items; int n; } assigns;
  ast_schedule schedule;
  struct { ast_schedule *items; int n; } schedules;
  ast_pw_point pw;
  struct { ast_pw_point *items; int n; } pws;
  ast_option option;
  struct { ast_option *items; int n; } options;
  struct { ast_decl **items; int n; } decls;
  int flag;
  struct { ast_expr *lo, *hi; } bounds;
}

%token END 0 "end of file"
%token NEWLINE "end of line"
%token <num> NUMBER "number" PERCENT "percentage"
%token <str> IDENT "name" STRING "string"
%token DOTDOT ".."
%token PROBLEM "problem" IMPORT "import" SPACE "space" TIME "time" FIELD "field"
%token CONST "const" LET "let" UNKNOWN "unknown" AS "as" IN "in" PDE "pde"
%token INITIAL "initial" BOUNDARY "boundary" ON "on" HARD "hard" SOFT "soft"
%token SENSORS "sensors" FROM "from" AT "at" COUNT "count" TRUTH "truth" SET "set"
%token RELAX "relax" OFF "off" TO "to" UNTIL "until" PIECEWISE "piecewise"
%token NETWORK "network" TRAIN "train"

%type <expr> expr primary
%type <exprs> expr_list opt_expr_list point_list
%type <names> name_list dotted
%type <decl> decl truth_item
%type <decls> truth_items
%type <coord> coord
%type <coords> coord_list
%type <face> face
%type <faces> faces opt_faces
%type <axis> axis
%type <axes> axes opt_axes
%type <sensors> sensors_spec
%type <assign> assign
%type <assigns> assigns
%type <schedule> schedule
%type <schedules> schedules
%type <pw> pw_point
%type <pws> pw_points
%type <arg> arg until_value
%type <args> args arg_seq
%type <option> option
%type <options> options
%type <flag> opt_hard
%type <bounds> opt_bounds
%type <str> word

%left '+' '-'
%left '*' '/' '.'
%precedence UMINUS
%right '^'

%%

program
  : %empty
  | program decl NEWLINE      { if ($2) PUSH(P->decls, P->ndecls, $2); }
  | program error NEWLINE     { yyerrok; }
  ;

decl
  : PROBLEM IDENT             { $$ = decl(ps, DECL_PROBLEM, @$); $$->name = $2; $$->name_loc = L(@2); }
  | IMPORT dotted             { $$ = decl(ps, DECL_IMPORT, @$); $$->params = $2.names; $$->param_locs = $2.locs; $$->nparams = $2.n; }
  | SPACE coord_list          { $$ = decl(ps, DECL_SPACE, @$); $$->coords = $2.items; $$->ncoords = $2.n; }
  | TIME coord                { $$ = decl(ps, DECL_TIME, @$); $$->coords = ast_list_push(P, NULL, &$$->ncoords, sizeof(ast_coord), &$2); }
  | FIELD IDENT '(' name_list ')' {
      $$ = decl(ps, DECL_FIELD, @$); $$->name = $2; $$->name_loc = L(@2);
      $$->params = $4.names; $$->param_locs = $4.locs; $$->nparams = $4.n; }
  | CONST IDENT '=' expr      { $$ = decl(ps, DECL_CONST, @$); $$->name = $2; $$->name_loc = L(@2); $$->value = $4; }
  | LET IDENT '=' expr        { $$ = decl(ps, DECL_LET, @$); $$->name = $2; $$->name_loc = L(@2); $$->value = $4; }
  | LET IDENT '(' name_list ')' '=' expr {
      $$ = decl(ps, DECL_LET, @$); $$->name = $2; $$->name_loc = L(@2);
      $$->params = $4.names; $$->param_locs = $4.locs; $$->nparams = $4.n; $$->value = $7; }
  | UNKNOWN IDENT '=' expr opt_bounds {
      $$ = decl(ps, DECL_UNKNOWN, @$); $$->name = $2; $$->name_loc = L(@2);
      $$->value = $4; $$->lo = $5.lo; $$->hi = $5.hi; }
  | UNKNOWN IDENT '=' expr opt_bounds AS IDENT {
      $$ = decl(ps, DECL_UNKNOWN, @$); $$->name = $2; $$->name_loc = L(@2);
      $$->value = $4; $$->lo = $5.lo; $$->hi = $5.hi; $$->transform = $7; $$->transform_loc = L(@7); }
  | PDE expr '=' expr         { $$ = decl(ps, DECL_PDE, @$); $$->lhs = $2; $$->rhs = $4; }
  | INITIAL expr '=' expr opt_hard {
      $$ = decl(ps, DECL_INITIAL, @$); $$->lhs = $2; $$->rhs = $4; $$->hard = $5 == 1; $$->soft = $5 == 2; }
  | BOUNDARY expr '=' expr opt_faces opt_hard {
      $$ = decl(ps, DECL_BOUNDARY, @$); $$->lhs = $2; $$->rhs = $4;
      $$->faces = $5.items; $$->nfaces = $5.n; $$->hard = $6 == 1; $$->soft = $6 == 2; }
  | SENSORS sensors_spec      { $$ = decl(ps, DECL_SENSORS, @$); $$->sensors = $2; }
  | TRUTH '{' truth_items '}' { $$ = decl(ps, DECL_TRUTH, @$); $$->items = $3.items; $$->nitems = $3.n; }
  | TRUTH '{' truth_items truth_item '}' {
      $$ = decl(ps, DECL_TRUTH, @$); if ($4) PUSH($3.items, $3.n, $4); $$->items = $3.items; $$->nitems = $3.n; }
  | RELAX OFF                 { $$ = decl(ps, DECL_RELAX, @$); $$->relax_off = 1; }
  | RELAX IDENT               { $$ = decl(ps, DECL_RELAX, @$); $$->relax_auto = 1; $$->name = $2; $$->name_loc = L(@2); }
  | RELAX IDENT IDENT name_list {
      $$ = decl(ps, DECL_RELAX, @$); $$->relax_auto = 1; $$->name = $2; $$->name_loc = L(@2);
      $$->relax_with = $3; $$->relax_with_loc = L(@3);
      $$->params = $4.names; $$->param_locs = $4.locs; $$->nparams = $4.n; }
  | RELAX '{' schedules '}'   { $$ = decl(ps, DECL_RELAX, @$); $$->schedules = $3.items; $$->nschedules = $3.n; }
  | RELAX '{' schedules schedule '}' {
      $$ = decl(ps, DECL_RELAX, @$); PUSH($3.items, $3.n, $4); $$->schedules = $3.items; $$->nschedules = $3.n; }
  | NETWORK IDENT '(' opt_expr_list ')' args {
      $$ = decl(ps, DECL_NETWORK, @$); $$->name = $2; $$->name_loc = L(@2);
      $$->widths = $4.items; $$->nwidths = $4.n;
      ast_option o = {"network", L(@$), $6.items, $6.n};
      $$->options = ast_list_push(P, NULL, &$$->noptions, sizeof o, &o); }
  | TRAIN '{' options '}'     { $$ = decl(ps, DECL_TRAIN, @$); $$->options = $3.items; $$->noptions = $3.n; }
  | TRAIN '{' options option '}' {
      $$ = decl(ps, DECL_TRAIN, @$); PUSH($3.items, $3.n, $4); $$->options = $3.items; $$->noptions = $3.n; }
  ;

dotted
  : IDENT                     { $$ = (name_list){0}; names_add(ps, &$$, $1, L(@1)); }
  | dotted '.' IDENT          { $$ = $1; names_add(ps, &$$, $3, L(@3)); }
  ;

name_list
  : IDENT                     { $$ = (name_list){0}; names_add(ps, &$$, $1, L(@1)); }
  | name_list ',' IDENT       { $$ = $1; names_add(ps, &$$, $3, L(@3)); }
  ;

coord
  : IDENT IN '[' expr ',' expr ']'  { $$ = (ast_coord){$1, L(@1), $4, $6}; }
  ;

coord_list
  : coord                     { $$.items = NULL; $$.n = 0; PUSH($$.items, $$.n, $1); }
  | coord_list ',' coord      { $$ = $1; PUSH($$.items, $$.n, $3); }
  ;

opt_bounds
  : %empty                    { $$.lo = $$.hi = NULL; }
  | IN '[' expr ',' expr ']'  { $$.lo = $3; $$.hi = $5; }
  ;

opt_hard
  : %empty                    { $$ = 0; }
  | HARD                      { $$ = 1; }
  | SOFT                      { $$ = 2; }
  ;

opt_faces
  : %empty                    { $$.items = NULL; $$.n = 0; }
  | ON faces                  { $$ = $2; }
  ;

faces
  : face                      { $$.items = NULL; $$.n = 0; PUSH($$.items, $$.n, $1); }
  | faces ',' face            { $$ = $1; PUSH($$.items, $$.n, $3); }
  ;

face
  : IDENT '=' expr            { $$ = (ast_face){.coord = $1, .loc = L(@$), .value = $3}; }
  ;

sensors_spec
  : FROM STRING               { $$ = (ast_sensors){.kind = SENSORS_FILE, .path = $2, .path_loc = L(@2)}; }
  | axes                      { $$ = (ast_sensors){.kind = SENSORS_GRID, .axes = $1.items, .naxes = $1.n}; }
  | AT point_list opt_axes    {
      $$ = (ast_sensors){.kind = SENSORS_POINTS, .points = $2.items, .npoints = $2.n,
                         .axes = $3.items, .naxes = $3.n}; }
  ;

point_list
  : primary                   { $$.items = NULL; $$.n = 0; PUSH($$.items, $$.n, $1); }
  | point_list ',' primary    { $$ = $1; PUSH($$.items, $$.n, $3); }
  ;

opt_axes
  : %empty                    { $$.items = NULL; $$.n = 0; }
  | axes                      { $$ = $1; }
  ;

axes
  : axis                      { $$.items = NULL; $$.n = 0; PUSH($$.items, $$.n, $1); }
  | axes ',' axis             { $$ = $1; PUSH($$.items, $$.n, $3); }
  ;

axis
  : IDENT '=' expr DOTDOT expr COUNT expr { $$ = (ast_axis){$1, L(@$), $3, $5, $7}; }
  | IDENT '=' expr            { $$ = (ast_axis){$1, L(@$), $3, NULL, NULL}; }
  ;

truth_items
  : %empty                    { $$.items = NULL; $$.n = 0; }
  | truth_items truth_item NEWLINE { $$ = $1; if ($2) PUSH($$.items, $$.n, $2); }
  | truth_items error NEWLINE { $$ = $1; yyerrok; }
  ;

truth_item
  : SET assigns               { $$ = decl(ps, DECL_OPTION, @$); $$->name = "set"; $$->assigns = $2.items; $$->nassigns = $2.n; }
  | CONST IDENT '=' expr      { $$ = decl(ps, DECL_CONST, @$); $$->name = $2; $$->name_loc = L(@2); $$->value = $4; }
  | LET IDENT '=' expr        { $$ = decl(ps, DECL_LET, @$); $$->name = $2; $$->name_loc = L(@2); $$->value = $4; }
  | LET IDENT '(' name_list ')' '=' expr {
      $$ = decl(ps, DECL_LET, @$); $$->name = $2; $$->name_loc = L(@2);
      $$->params = $4.names; $$->param_locs = $4.locs; $$->nparams = $4.n; $$->value = $7; }
  | PDE expr '=' expr         { $$ = decl(ps, DECL_PDE, @$); $$->lhs = $2; $$->rhs = $4; }
  | SENSORS sensors_spec      { $$ = decl(ps, DECL_SENSORS, @$); $$->sensors = $2; }
  | option                    { $$ = decl(ps, DECL_OPTION, @$); $$->name = $1.name; $$->name_loc = $1.loc;
                                $$->options = ast_list_push(P, NULL, &$$->noptions, sizeof $1, &$1); }
  ;

assigns
  : assign                    { $$.items = NULL; $$.n = 0; PUSH($$.items, $$.n, $1); }
  | assigns ',' assign        { $$ = $1; PUSH($$.items, $$.n, $3); }
  ;

assign
  : IDENT '=' expr            { $$ = (ast_assign){$1, L(@1), $3, NULL}; }
  ;

schedules
  : %empty                    { $$.items = NULL; $$.n = 0; }
  | schedules schedule NEWLINE { $$ = $1; PUSH($$.items, $$.n, $2); }
  | schedules error NEWLINE   { $$ = $1; yyerrok; }
  ;

schedule
  : IDENT IDENT FROM expr TO expr UNTIL until_value args {
      $$ = (ast_schedule){.mechanism = $1, .mechanism_loc = L(@1), .var = $2, .var_loc = L(@2),
                          .from = $4, .to = $6, .until = $8.num, .until_percent = $8.kind == ARG_PERCENT,
                          .until_loc = $8.loc, .args = $9.items, .nargs = $9.n, .loc = L(@$)}; }
  | IDENT IDENT PIECEWISE '[' pw_points ']' args {
      $$ = (ast_schedule){.mechanism = $1, .mechanism_loc = L(@1), .var = $2, .var_loc = L(@2),
                          .pw = $5.items, .npw = $5.n, .args = $7.items, .nargs = $7.n, .loc = L(@$)}; }
  ;

until_value
  : NUMBER                    { $$ = arg(ARG_NUMBER, @1, $1, NULL); }
  | PERCENT                   { $$ = arg(ARG_PERCENT, @1, $1, NULL); }
  ;

pw_points
  : pw_point                  { $$.items = NULL; $$.n = 0; PUSH($$.items, $$.n, $1); }
  | pw_points ',' pw_point    { $$ = $1; PUSH($$.items, $$.n, $3); }
  ;

pw_point
  : until_value expr          { $$ = (ast_pw_point){$1.num, $1.kind == ARG_PERCENT, $1.loc, $2}; }
  ;

options
  : %empty                    { $$.items = NULL; $$.n = 0; }
  | options option NEWLINE    { $$ = $1; PUSH($$.items, $$.n, $2); }
  | options error NEWLINE     { $$ = $1; yyerrok; }
  ;

option
  : IDENT args                { $$ = (ast_option){$1, L(@$), $2.items, $2.n}; }
  ;

args
  : %empty                    { $$.items = NULL; $$.n = 0; }
  | arg_seq                   { $$ = $1; }
  ;

arg_seq
  : arg                       { $$.items = NULL; $$.n = 0; PUSH($$.items, $$.n, $1); }
  | arg_seq arg               { $$ = $1; PUSH($$.items, $$.n, $2); }
  | arg_seq ',' arg           { $$ = $1; PUSH($$.items, $$.n, $3); }
  ;

arg
  : NUMBER                    { $$ = arg(ARG_NUMBER, @1, $1, NULL); }
  | '-' NUMBER                { $$ = arg(ARG_NUMBER, @$, -$2, NULL); }
  | PERCENT                   { $$ = arg(ARG_PERCENT, @1, $1, NULL); }
  | STRING                    { $$ = arg(ARG_STRING, @1, 0, $1); }
  | word                      { $$ = arg(ARG_WORD, @1, 0, $1); }
  ;

word
  : IDENT                     { $$ = $1; }
  | INITIAL                   { $$ = "initial"; }
  | BOUNDARY                  { $$ = "boundary"; }
  | TIME                      { $$ = "time"; }
  | FIELD                     { $$ = "field"; }
  | AT                        { $$ = "at"; }
  | TO                        { $$ = "to"; }
  | IN                        { $$ = "in"; }
  | ON                        { $$ = "on"; }
  | OFF                       { $$ = "off"; }
  ;

opt_expr_list
  : %empty                    { $$.items = NULL; $$.n = 0; }
  | expr_list                 { $$ = $1; }
  ;

expr_list
  : expr                      { $$.items = NULL; $$.n = 0; PUSH($$.items, $$.n, $1); }
  | expr_list ',' expr        { $$ = $1; PUSH($$.items, $$.n, $3); }
  ;

expr
  : primary                   { $$ = $1; }
  | expr '+' expr             { $$ = ast_binop(P, L(@$), '+', $1, $3); CHECK_DEPTH($$); }
  | expr '-' expr             { $$ = ast_binop(P, L(@$), '-', $1, $3); CHECK_DEPTH($$); }
  | expr '*' expr             { $$ = ast_binop(P, L(@$), '*', $1, $3); CHECK_DEPTH($$); }
  | expr '/' expr             { $$ = ast_binop(P, L(@$), '/', $1, $3); CHECK_DEPTH($$); }
  | expr '.' expr             { $$ = ast_dot(P, L(@$), $1, $3); CHECK_DEPTH($$); }
  | expr '^' expr             { $$ = ast_binop(P, L(@$), '^', $1, $3); CHECK_DEPTH($$); }
  | '-' expr %prec UMINUS     { $$ = ast_unary_neg(P, L(@$), $2); CHECK_DEPTH($$); }
  | '+' expr %prec UMINUS     { $$ = $2; }
  ;

primary
  : NUMBER                    { $$ = ast_num(P, L(@1), $1); }
  | IDENT                     { $$ = ast_name(P, L(@1), $1); }
  | IDENT '(' opt_expr_list ')' { $$ = ast_call(P, L(@$), $1, $3.items, $3.n); CHECK_DEPTH($$); }
  | '(' expr ')'              { $$ = $2; }
  | '(' expr ',' expr_list ')' {
      ast_expr **items = NULL; int n = 0;
      items = ast_list_push(P, items, &n, sizeof *items, &$2);
      for (int i = 0; i < $4.n; i++) items = ast_list_push(P, items, &n, sizeof *items, &$4.items[i]);
      $$ = ast_tuple(P, L(@$), items, n); CHECK_DEPTH($$); }
  ;

%%

static int too_deep(prp_parse_state *ps, ast_expr *e) {
  if (e->depth <= 4 * PRP_MAX_NESTING) return 0;
  prp_error(ps->diag, e->loc, "expression nested too deeply (more than %d levels)", 4 * PRP_MAX_NESTING);
  ps->fatal = 1;
  return 1;
}

static void yyerror(YYLTYPE *loc, void *scanner, prp_parse_state *ps, const char *msg) {
  if (ps->fatal) return;
  if (strcmp(msg, "memory exhausted") == 0) {
    prp_error(ps->diag, L(*loc), "expression nested too deeply for the parser");
    ps->fatal = 1;
    return;
  }
  prp_error(ps->diag, L(*loc), "%s", msg);
}

/* The name of a token as users see it: 'pde', number, end of line. */
static const char *token_name(yysymbol_kind_t sym, char *buf, size_t len) {
  const char *name = yysymbol_name(sym);
  int quote = (sym >= YYSYMBOL_PROBLEM && sym <= YYSYMBOL_TRAIN) || sym == YYSYMBOL_DOTDOT;
  snprintf(buf, len, quote ? "'%s'" : "%s", name);
  return buf;
}

static int expects(const yysymbol_kind_t *list, int n, yysymbol_kind_t sym) {
  for (int i = 0; i < n; i++)
    if (list[i] == sym) return 1;
  return 0;
}

static int expects_char(const yysymbol_kind_t *list, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(yysymbol_name(list[i]), name) == 0) return 1;
  return 0;
}

/* The offending token, with its text where that helps: name 'foo', number 3. */
static void describe_token(yysymbol_kind_t got, const prp_parse_state *ps, char *buf, size_t len) {
  char name[64];
  token_name(got, name, sizeof name);
  int show = got == YYSYMBOL_IDENT || got == YYSYMBOL_NUMBER || got == YYSYMBOL_PERCENT;
  if (show && ps->token_text && ps->token_len > 0) {
    int n = ps->token_len > 40 ? 40 : ps->token_len;
    snprintf(buf, len, "%s '%.*s%s'", name, n, ps->token_text, ps->token_len > 40 ? "..." : "");
  } else {
    snprintf(buf, len, "%s", name);
  }
}

static void describe_expected(const yysymbol_kind_t *expected, int n, char *msg, size_t len) {
  char name[64];
  const char *summary = NULL;
  if (expects(expected, n, YYSYMBOL_PDE) && expects(expected, n, YYSYMBOL_CONST))
    summary = "a declaration (problem, space, time, field, const, let, unknown, pde, ...)";
  else if (expects(expected, n, YYSYMBOL_NUMBER) && expects(expected, n, YYSYMBOL_IDENT) && n >= 4)
    summary = "an expression";
  else if (n > 5 && expects_char(expected, n, "'='"))
    summary = "'=' or an operator";
  else if (n > 5 && expects(expected, n, YYSYMBOL_NEWLINE))
    summary = "an operator or the end of the line";
  if (summary) {
    snprintf(msg + strlen(msg), len - strlen(msg), "; expected %s", summary);
    return;
  }
  if (n == 0 || n > 5) return;
  strncat(msg, "; expected ", len - strlen(msg) - 1);
  for (int i = 0; i < n; i++) {
    if (i > 0) strncat(msg, i == n - 1 ? " or " : ", ", len - strlen(msg) - 1);
    strncat(msg, token_name(expected[i], name, sizeof name), len - strlen(msg) - 1);
  }
}

static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner, prp_parse_state *ps) {
  if (ps->fatal) return 0;
  yysymbol_kind_t expected[YYNTOKENS];
  int n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
  char msg[512];
  describe_token(yypcontext_token(ctx), ps, msg, sizeof msg);
  char full[600];
  snprintf(full, sizeof full, "unexpected %s", msg);
  describe_expected(expected, n < 0 ? 0 : n, full, sizeof full);
  YYLTYPE where = *yypcontext_location(ctx);
  prp_error(ps->diag, L(where), "%s", full);
  int top = ps->depth - 1;
  if (top >= 0 && top < PRP_MAX_NESTING && ps->open_line[top] < where.first_line) {
    prp_loc open = {ps->src, ps->open_line[top], ps->open_col[top], ps->open_line[top], ps->open_col[top]};
    prp_note(ps->diag, open, "the bracket opened here is not closed");
  }
  return 0;
}
