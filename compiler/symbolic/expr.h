/* Symbolic core: the immutable, hash-consed expression DAG shared by lowering,
 * differentiation, the reference interpreter, the printer and LLVM code generation.
 *
 * A prp_dag owns every node. A node is a small integer id (prp_node). Nodes are
 * never mutated or freed individually; the whole DAG is freed at once.
 *
 * Invariants a consumer may rely on:
 *  - Topological ids: every operand id is strictly smaller than the id of the
 *    node using it, so visiting ids 0, 1, ..., prp_dag_size()-1 in order visits
 *    operands before their users (code generation walks the DAG this way).
 *  - Hash-consing: one node per distinct canonical expression. Building the same
 *    expression twice returns the same id; equality of ids is equality of
 *    (canonical) expressions, and common subexpressions are shared.
 *  - Canonical forms at construction (constructors below never return a
 *    non-canonical node):
 *      * constants folded: an operator whose operands are all constants is a
 *        constant; -0.0 is stored as +0.0 and every NaN as one quiet NaN, and
 *        constants are compared by bit pattern after that;
 *      * PRP_ADD and PRP_MUL are n-ary (>= 2 operands) and flattened (no add
 *        operand is an add, no mul operand is a mul); at most one constant
 *        operand, which is then operand 0 (it is never 0 in an add, never 0 or 1
 *        in a mul); the other operands are sorted by prp_node_compare (a
 *        structural order, so the printed form does not depend on the order
 *        in which the expression was built) -- the terms of a sum by the
 *        comparison of the terms without their numeric factors;
 *      * like terms collected: x + x -> 2*x, (a - b) + b -> a, x * x -> x^2,
 *        x^a * x^b -> x^(a+b); a constant times a lone sum is distributed
 *        (2*(x + y) -> 2*x + 2*y; but 2*(x + y)*z stays a product);
 *      * x + 0, x * 1, x^1 -> x;  x * 0, x^0 -> 0, 1 (also when x may be
 *        infinite or NaN: simplification assumes values inside the domain where
 *        the expression is defined, like every computer-algebra system);
 *      * (x^a)^n -> x^(a*n) and (x*y)^n -> x^n * y^n for integer constants n,
 *        exp(a)^e -> exp(a*e), sqrt(a)^(2k) -> a^k, exp(log(a)) -> a,
 *        log(exp(a)) -> a, abs(abs(a)) -> abs(a), sign(sign(a)) -> sign(a),
 *        abs(exp(a)) -> exp(a), abs(sqrt(a)) -> sqrt(a);
 *      * operands of MIN and MAX are sorted likewise; min(a, a) = max(a, a) = a.
 *  - Derived operators are not node kinds: a - b = a + (-1)*b, -a = (-1)*a,
 *    a / b = a * b^(-1). The printer shows them as a - b, -a and a / b again.
 *
 * Not thread-safe: a DAG is built and read by one thread at a time.
 */
#ifndef PRP_EXPR_H
#define PRP_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef uint32_t prp_node;          /* node id, index into the DAG */
#define PRP_NODE_NONE UINT32_MAX    /* "no node" sentinel; never a valid id */

typedef struct prp_dag prp_dag;

/* Node kinds. Arity in brackets. */
typedef enum {
  PRP_CONST,  /* [0] a double constant: prp_node_value() */
  PRP_VAR,    /* [0] a variable: prp_node_var() */
  PRP_ADD,    /* [n >= 2] sum of the operands */
  PRP_MUL,    /* [n >= 2] product of the operands */
  PRP_POW,    /* [2] operand 0 ^ operand 1 (the exponent is any node; C pow()) */
  PRP_EXP,    /* [1] */
  PRP_LOG,    /* [1] natural logarithm */
  PRP_SIN,    /* [1] */
  PRP_COS,    /* [1] */
  PRP_TANH,   /* [1] */
  PRP_SQRT,   /* [1] */
  PRP_ABS,    /* [1] */
  PRP_SIGN,   /* [1] -1, 0 or 1 (sign(0) = 0, sign(NaN) = NaN); abs' = sign */
  PRP_MIN,    /* [2] fmin-like but NaN-propagating: NaN if either is NaN */
  PRP_MAX,    /* [2] */
  PRP_KIND_COUNT
} prp_kind;

/* Name of a kind ("add", "exp", ...), for diagnostics. */
const char *prp_kind_name(prp_kind kind);

/* Variable kinds: each has its own index space (and array in prp_env). */
typedef enum {
  PRP_VAR_COORD,     /* a coordinate: index 0..3 in the problem's order, space
                          coordinates first, then time: x=0, y=1, t=2 */
  PRP_VAR_UNKNOWN,   /* an unknown parameter of the problem (source location...), index */
  PRP_VAR_JET,       /* a derivative component of the network field (u, u_t, u_xx,
                          a collapsed Laplacian...); its index is assigned by the DAG */
  PRP_VAR_SCALAR,    /* a run-time scalar, uniform over a batch: schedule values
                          eps, eta, a dilated constant's current value... index */
  PRP_VAR_POINTDATA, /* a per-point input array computed by the runtime
                          (e.g. the nudging sums), index */
  PRP_VAR_KIND_COUNT
} prp_var_kind;

/* At most this many inputs to the field (3 space + time). */
#define PRP_MAX_INPUTS 4

/* A jet component: which derivative of the field u it stands for (orders are
 * indexed like PRP_VAR_COORD).
 * Either a mixed partial derivative  d^|order| u / prod_k d(input_k)^order[k]
 * (all orders zero: u itself), with lap_mask == 0;
 * or a Laplacian  sum_{k in lap_mask} d^2 u / d(input_k)^2  (bit k of lap_mask
 * set for each input summed, normally the spatial ones), with all orders zero.
 * Always zero-initialise (prp_jet j = {0}) before filling, so that unused
 * entries compare equal. */
typedef struct {
  uint8_t order[PRP_MAX_INPUTS];
  uint8_t lap_mask;
} prp_jet;

bool     prp_jet_equal(const prp_jet *a, const prp_jet *b);
unsigned prp_jet_total_order(const prp_jet *j);   /* 2 for a Laplacian */
/* Writes a readable name into buf: "u", "u_t", "u_xx", "u_xy", "lap_u" given the
 * field name and its input names (n_inputs of them). Returns buf. */
char    *prp_jet_format(const prp_jet *j, const char *field, const char *const *input_names,
                        unsigned n_inputs, char *buf, size_t size);

/* What a PRP_VAR node stands for. */
typedef struct {
  prp_var_kind kind;
  uint32_t index;    /* index in the array of its kind (prp_env) */
  const char *name;  /* owned by the DAG; for printing */
  prp_jet jet;       /* for PRP_VAR_JET only, else zero */
} prp_var_info;

/* ---- the DAG ------------------------------------------------------------- */

prp_dag *prp_dag_new(void);
void     prp_dag_free(prp_dag *dag);            /* NULL is fine */
uint32_t prp_dag_size(const prp_dag *dag);      /* number of nodes; ids are 0..size-1 */

/* ---- reading nodes (for code generators) --------------------------------- */

prp_kind             prp_node_kind(const prp_dag *dag, prp_node n);
uint32_t             prp_node_arity(const prp_dag *dag, prp_node n);
prp_node             prp_node_operand(const prp_dag *dag, prp_node n, uint32_t i);
/* Pointer to the arity() operand ids; valid until the next node is created. */
const prp_node      *prp_node_operands(const prp_dag *dag, prp_node n);
double               prp_node_value(const prp_dag *dag, prp_node n);   /* PRP_CONST only */
const prp_var_info  *prp_node_var(const prp_dag *dag, prp_node n);     /* PRP_VAR only;
                          pointer valid until the next variable is created */
bool                 prp_node_is_const(const prp_dag *dag, prp_node n, double value);

/* The canonical order of operands: a total order on nodes that depends only on
 * their structure (not on ids, so not on construction history), chosen to
 * read well: variables first (scalars, coordinates, unknowns, point data, then
 * the field's jets by derivative order), then products, sums, functions,
 * constants last; a power sits next to its base (x < x^2 < y). Returns <0, 0
 * (same node) or >0. */
int                  prp_node_compare(const prp_dag *dag, prp_node a, prp_node b);

/* Marks (mark[id] = true) every node reachable from the n roots; mark has
 * prp_dag_size() entries and is cleared first. Returns the number marked. */
uint32_t prp_dag_mark_reachable(const prp_dag *dag, const prp_node *roots, size_t n, bool *mark);

/* Jet variables get dense indices 0..prp_dag_jet_count()-1 in order of creation. */
uint32_t prp_dag_jet_count(const prp_dag *dag);
prp_node prp_dag_jet_node(const prp_dag *dag, uint32_t jet_index);  /* its PRP_VAR node */

/* ---- building nodes (all canonicalising, all hash-consed) ---------------- */

prp_node prp_const(prp_dag *dag, double value);
/* A variable of a kind other than PRP_VAR_JET, identified by (kind, index); the
 * name of the first creation is kept (NULL gives a generated name). */
prp_node prp_var(prp_dag *dag, prp_var_kind kind, uint32_t index, const char *name);
/* The jet variable for *jet (identified by the jet), name as for prp_var. */
prp_node prp_jet_var(prp_dag *dag, const prp_jet *jet, const char *name);

prp_node prp_add(prp_dag *dag, prp_node a, prp_node b);
prp_node prp_sub(prp_dag *dag, prp_node a, prp_node b);      /* a + (-1)*b */
prp_node prp_mul(prp_dag *dag, prp_node a, prp_node b);
prp_node prp_div(prp_dag *dag, prp_node a, prp_node b);      /* a * b^(-1) */
prp_node prp_neg(prp_dag *dag, prp_node a);                  /* (-1)*a */
prp_node prp_add_n(prp_dag *dag, const prp_node *ops, size_t n);  /* n = 0 gives 0 */
prp_node prp_mul_n(prp_dag *dag, const prp_node *ops, size_t n);  /* n = 0 gives 1 */
prp_node prp_pow(prp_dag *dag, prp_node base, prp_node exponent);
prp_node prp_powc(prp_dag *dag, prp_node base, double exponent);
/* Any unary (EXP..SIGN) or binary (ADD, MUL, POW, MIN, MAX) kind by its enum. */
prp_node prp_unary(prp_dag *dag, prp_kind kind, prp_node a);
prp_node prp_binary(prp_dag *dag, prp_kind kind, prp_node a, prp_node b);
/* The elementary functions by name. Inline, so that the library exports no
 * symbol with a math-like name (the runtime has its own prp_tanh(double)). */
static inline prp_node prp_exp(prp_dag *dag, prp_node a) { return prp_unary(dag, PRP_EXP, a); }
static inline prp_node prp_log(prp_dag *dag, prp_node a) { return prp_unary(dag, PRP_LOG, a); }
static inline prp_node prp_sin(prp_dag *dag, prp_node a) { return prp_unary(dag, PRP_SIN, a); }
static inline prp_node prp_cos(prp_dag *dag, prp_node a) { return prp_unary(dag, PRP_COS, a); }
static inline prp_node prp_tanh(prp_dag *dag, prp_node a) { return prp_unary(dag, PRP_TANH, a); }
static inline prp_node prp_sqrt(prp_dag *dag, prp_node a) { return prp_unary(dag, PRP_SQRT, a); }
static inline prp_node prp_abs(prp_dag *dag, prp_node a) { return prp_unary(dag, PRP_ABS, a); }
static inline prp_node prp_sign(prp_dag *dag, prp_node a) { return prp_unary(dag, PRP_SIGN, a); }
static inline prp_node prp_min(prp_dag *dag, prp_node a, prp_node b) { return prp_binary(dag, PRP_MIN, a, b); }
static inline prp_node prp_max(prp_dag *dag, prp_node a, prp_node b) { return prp_binary(dag, PRP_MAX, a, b); }
/* Rebuilds node n's kind with new operands (canonicalising again); for
 * CONST and VAR returns n. Used by substitution and rewriting passes. */
prp_node prp_rebuild(prp_dag *dag, prp_node n, const prp_node *ops);

/* Replaces every occurrence of from[i] by to[i] (i < count) in f, simplifying. */
prp_node prp_subst(prp_dag *dag, prp_node f, const prp_node *from, const prp_node *to,
                   size_t count);
/* True if var occurs in f. */
bool     prp_depends_on(const prp_dag *dag, prp_node f, prp_node var);

/* ---- differentiation (diff.c) ---------------------------------------------
 * d f / d var, var a PRP_VAR node. One rule per kind; the result is simplified
 * and shared (memoised within the call). Conventions where a function is not
 * differentiable: abs'(0) = sign(0) = 0; sign' = 0; at a tie a = b the
 * derivative of min(a, b) and max(a, b) is (a' + b') / 2 (a subgradient);
 * d(b^e) = e*b^(e-1)*b' + b^e*log(b)*e', the second term only if e depends on var. */
prp_node prp_diff(prp_dag *dag, prp_node f, prp_node var);

/* ---- reference interpreter (interp.c) -------------------------------------
 * Values of the variables, one array per variable kind, indexed by the
 * variable's index (jets by their DAG jet index); n_* are the lengths, checked. */
typedef struct {
  const double *coord;     size_t n_coord;
  const double *unknown;   size_t n_unknown;
  const double *jet;       size_t n_jet;
  const double *scalar;    size_t n_scalar;
  const double *pointdata; size_t n_pointdata;
} prp_env;

/* Evaluates f in double precision (C libm semantics: pow, exp, ...), each shared
 * node once. Aborts with a message if a variable's index is outside env. */
double prp_eval(const prp_dag *dag, prp_node f, const prp_env *env);
/* Evaluates n roots at once, sharing work between them; out has n entries. */
void   prp_eval_n(const prp_dag *dag, const prp_node *roots, size_t n, const prp_env *env,
                  double *out);
/* Evaluates f at n points: point i's coordinates are env->coord + i * stride
 * (env->n_coord of them), the other variables as in env. The reachable nodes
 * are found once, so this is cheap for a small f in a large DAG. */
void   prp_eval_points(const prp_dag *dag, prp_node f, const prp_env *env, size_t n, size_t stride,
                       double *out);

/* ---- readable infix (expr_print.c) ----------------------------------------
 * Minimal parentheses, a - b, a / b, -a, x^2, exp(x); constants with %.17g
 * shortened to the shortest form that reads back exactly. */
void  prp_expr_print(const prp_dag *dag, prp_node f, FILE *out);
char *prp_expr_to_string(const prp_dag *dag, prp_node f);   /* malloc'd; free() it */

#endif
