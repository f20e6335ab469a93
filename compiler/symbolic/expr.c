/* Symbolic core: the hash-consed expression DAG and its canonicalising
 * constructors (see expr.h for the invariants). Lowering builds into it; diff.c,
 * interp.c, expr_print.c and the code generator read it. */
#include "expr.h"
#include "util.h"

#include "diag.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint8_t kind;
  uint32_t nops;
  uint32_t first_op; /* index into dag->ops; for PRP_VAR the slot in dag->vars */
  uint64_t payload;  /* PRP_CONST: the value's bits; PRP_VAR: the variable's key */
} node_rec;

struct prp_dag {
  node_rec *nodes;
  uint32_t n_nodes, cap_nodes;
  prp_node *ops;
  size_t n_ops, cap_ops;
  uint32_t *table;  /* open addressing: node id + 1, 0 = empty */
  size_t cap_table; /* power of two */
  prp_var_info *vars;
  uint32_t n_vars, cap_vars;
  prp_node *jets; /* jet index -> its PRP_VAR node */
  uint32_t n_jets, cap_jets;
};

static const uint64_t canonical_nan_bits = 0x7ff8000000000000ull;

/* ---- small helpers ----------------------------------------------------------- */

static uint64_t double_bits(double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  return bits;
}

static double bits_double(uint64_t bits) {
  double v;
  memcpy(&v, &bits, sizeof v);
  return v;
}

/* One bit pattern per value: -0 is +0, every NaN the same quiet NaN. */
static uint64_t canonical_bits(double v) {
  if (isnan(v)) return canonical_nan_bits;
  if (v == 0.0) return 0;
  return double_bits(v);
}

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 33);
}

static uint64_t hash_key(prp_kind kind, const prp_node *ops, uint32_t nops, uint64_t payload) {
  uint64_t h = mix(kind + 1, payload);
  h = mix(h, nops);
  for (uint32_t i = 0; i < nops; i++) h = mix(h, ops[i]);
  return h;
}

static bool node_matches(const prp_dag *dag, const node_rec *r, prp_kind kind, const prp_node *ops,
                         uint32_t nops, uint64_t payload) {
  return r->kind == kind && r->nops == nops && r->payload == payload &&
         (nops == 0 || memcmp(dag->ops + r->first_op, ops, nops * sizeof *ops) == 0);
}

static void table_insert(prp_dag *dag, prp_node id) {
  const node_rec *r = &dag->nodes[id];
  uint64_t h = hash_key(r->kind, r->kind == PRP_VAR ? NULL : dag->ops + r->first_op,
                        r->kind == PRP_VAR ? 0 : r->nops, r->payload);
  size_t mask = dag->cap_table - 1;
  size_t slot = h & mask;
  while (dag->table[slot]) slot = (slot + 1) & mask;
  dag->table[slot] = id + 1;
}

static void table_grow(prp_dag *dag) {
  free(dag->table);
  dag->cap_table = dag->cap_table ? dag->cap_table * 2 : 1024;
  dag->table = prp_xcalloc(dag->cap_table, sizeof *dag->table);
  if (!dag->table) {
    prp_internal_error("out of memory (expression DAG hash table)");
  }
  for (prp_node id = 0; id < dag->n_nodes; id++) table_insert(dag, id);
}

/* Finds the node (kind, ops, payload) or appends it. ops must be canonical. */
static prp_node intern(prp_dag *dag, prp_kind kind, const prp_node *ops, uint32_t nops, uint64_t payload) {
  if ((dag->n_nodes + 1) * 2 > dag->cap_table) table_grow(dag);
  uint64_t h = hash_key(kind, ops, nops, payload);
  size_t mask = dag->cap_table - 1;
  size_t slot = h & mask;
  for (; dag->table[slot]; slot = (slot + 1) & mask) {
    prp_node id = dag->table[slot] - 1;
    if (node_matches(dag, &dag->nodes[id], kind, ops, nops, payload)) return id;
  }
  for (uint32_t i = 0; i < nops; i++)
    PRP_ASSERT(ops[i] < dag->n_nodes && "operand must exist before its user");
  if (dag->n_nodes == dag->cap_nodes) {
    dag->cap_nodes = dag->cap_nodes ? dag->cap_nodes * 2 : 256;
    dag->nodes = prp_xrealloc(dag->nodes, 1, dag->cap_nodes * sizeof *dag->nodes);
  }
  if (dag->n_ops + nops > dag->cap_ops) {
    while (dag->n_ops + nops > dag->cap_ops) dag->cap_ops = dag->cap_ops ? dag->cap_ops * 2 : 1024;
    dag->ops = prp_xrealloc(dag->ops, 1, dag->cap_ops * sizeof *dag->ops);
  }
  prp_node id = dag->n_nodes++;
  node_rec *r = &dag->nodes[id];
  r->kind = (uint8_t)kind;
  r->nops = nops;
  r->first_op = (uint32_t)dag->n_ops;
  r->payload = payload;
  if (nops) memcpy(dag->ops + dag->n_ops, ops, nops * sizeof *ops);
  dag->n_ops += nops;
  dag->table[slot] = id + 1;
  return id;
}

static const node_rec *rec(const prp_dag *dag, prp_node n) {
  PRP_ASSERT(n < dag->n_nodes && "node id out of range");
  return &dag->nodes[n];
}

static bool is_const(const prp_dag *dag, prp_node n) { return rec(dag, n)->kind == PRP_CONST; }

static double const_value(const prp_dag *dag, prp_node n) { return bits_double(rec(dag, n)->payload); }

static bool is_integer(double v) { return isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0; }

/* Sorts n elements of the given size, stably, with a comparison that reads the DAG. */
typedef int (*dag_compare)(const prp_dag *dag, const void *a, const void *b);

static void merge_sort(const prp_dag *dag, char *v, char *tmp, size_t n, size_t size, dag_compare cmp) {
  if (n < 2) return;
  size_t half = n / 2;
  merge_sort(dag, v, tmp, half, size, cmp);
  merge_sort(dag, v + half * size, tmp, n - half, size, cmp);
  size_t i = 0, j = half, k = 0;
  while (i < half && j < n) {
    bool take_right = cmp(dag, v + j * size, v + i * size) < 0;
    memcpy(tmp + k++ * size, v + (take_right ? j++ : i++) * size, size);
  }
  while (i < half) memcpy(tmp + k++ * size, v + i++ * size, size);
  while (j < n) memcpy(tmp + k++ * size, v + j++ * size, size);
  memcpy(v, tmp, n * size);
}

static void sort_with(const prp_dag *dag, void *v, size_t n, size_t size, dag_compare cmp) {
  if (n < 2) return;
  char *tmp = prp_xrealloc(NULL, 1, n * size);
  merge_sort(dag, v, tmp, n, size, cmp);
  free(tmp);
}

static int compare_node_ids(const prp_dag *dag, const void *a, const void *b) {
  return prp_node_compare(dag, *(const prp_node *)a, *(const prp_node *)b);
}

/* A growable list of node ids, for building operand lists. */
typedef struct {
  prp_node *v;
  size_t n, cap;
} node_list;

static void list_push(node_list *l, prp_node x) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 8;
    l->v = prp_xrealloc(l->v, 1, l->cap * sizeof *l->v);
  }
  l->v[l->n++] = x;
}

/* ---- the DAG ----------------------------------------------------------------- */

prp_dag *prp_dag_new(void) {
  prp_dag *dag = prp_xcalloc(1, sizeof *dag);
  if (!dag) {
    prp_internal_error("out of memory (expression DAG)");
  }
  table_grow(dag);
  return dag;
}

void prp_dag_free(prp_dag *dag) {
  if (!dag) return;
  for (uint32_t i = 0; i < dag->n_vars; i++) free((char *)dag->vars[i].name);
  free(dag->vars);
  free(dag->jets);
  free(dag->nodes);
  free(dag->ops);
  free(dag->table);
  free(dag);
}

uint32_t prp_dag_size(const prp_dag *dag) { return dag->n_nodes; }

const char *prp_kind_name(prp_kind kind) {
  static const char *const names[PRP_KIND_COUNT] = {
      [PRP_CONST] = "const", [PRP_VAR] = "var", [PRP_ADD] = "add",   [PRP_MUL] = "mul", [PRP_POW] = "pow",
      [PRP_EXP] = "exp",     [PRP_LOG] = "log", [PRP_SIN] = "sin",   [PRP_COS] = "cos", [PRP_TANH] = "tanh",
      [PRP_SQRT] = "sqrt",   [PRP_ABS] = "abs", [PRP_SIGN] = "sign", [PRP_MIN] = "min", [PRP_MAX] = "max",
  };
  return (unsigned)kind < PRP_KIND_COUNT ? names[kind] : "?";
}

/* ---- reading ------------------------------------------------------------------- */

prp_kind prp_node_kind(const prp_dag *dag, prp_node n) { return (prp_kind)rec(dag, n)->kind; }

uint32_t prp_node_arity(const prp_dag *dag, prp_node n) {
  const node_rec *r = rec(dag, n);
  return r->kind == PRP_VAR ? 0 : r->nops;
}

const prp_node *prp_node_operands(const prp_dag *dag, prp_node n) {
  const node_rec *r = rec(dag, n);
  return r->kind == PRP_VAR ? NULL : dag->ops + r->first_op;
}

prp_node prp_node_operand(const prp_dag *dag, prp_node n, uint32_t i) {
  PRP_ASSERT(i < prp_node_arity(dag, n) && "operand index out of range");
  return dag->ops[rec(dag, n)->first_op + i];
}

double prp_node_value(const prp_dag *dag, prp_node n) {
  PRP_ASSERT(is_const(dag, n) && "prp_node_value on a non-constant");
  return const_value(dag, n);
}

const prp_var_info *prp_node_var(const prp_dag *dag, prp_node n) {
  const node_rec *r = rec(dag, n);
  PRP_ASSERT(r->kind == PRP_VAR && "prp_node_var on a non-variable");
  return &dag->vars[r->first_op];
}

bool prp_node_is_const(const prp_dag *dag, prp_node n, double value) {
  return is_const(dag, n) && rec(dag, n)->payload == canonical_bits(value);
}

/* Rank of the kinds in the canonical order (powers are ordered by their base). */
static int kind_rank(prp_kind kind) {
  switch (kind) {
  case PRP_VAR: return 0;
  case PRP_MUL: return 1;
  case PRP_ADD: return 2;
  case PRP_CONST: return 100;
  default: return 10 + (int)kind;
  }
}

static prp_node power_base(const prp_dag *dag, prp_node n) {
  return rec(dag, n)->kind == PRP_POW ? dag->ops[rec(dag, n)->first_op] : n;
}

/* Variables in reading order: coefficients (scalars, coordinates, unknowns,
 * point data) before the field's jets, jets by total order then coordinate. */
static int compare_vars(const prp_var_info *a, const prp_var_info *b) {
  static const int rank[PRP_VAR_KIND_COUNT] = {
      [PRP_VAR_SCALAR] = 0,    [PRP_VAR_COORD] = 1, [PRP_VAR_UNKNOWN] = 2,
      [PRP_VAR_POINTDATA] = 3, [PRP_VAR_JET] = 4,
  };
  if (a->kind != b->kind) return rank[a->kind] < rank[b->kind] ? -1 : 1;
  if (a->kind != PRP_VAR_JET) return (a->index > b->index) - (a->index < b->index);
  unsigned ta = prp_jet_total_order(&a->jet), tb = prp_jet_total_order(&b->jet);
  if (ta != tb) return ta < tb ? -1 : 1;
  if (a->jet.lap_mask != b->jet.lap_mask) return a->jet.lap_mask < b->jet.lap_mask ? -1 : 1;
  for (int k = 0; k < PRP_MAX_INPUTS; k++)
    if (a->jet.order[k] != b->jet.order[k]) return a->jet.order[k] > b->jet.order[k] ? -1 : 1;
  return 0;
}

/* Order of two nodes that are not powers: by kind, then payload, then operands. */
static int compare_plain(const prp_dag *dag, prp_node a, prp_node b) {
  const node_rec *ra = rec(dag, a), *rb = rec(dag, b);
  int ka = kind_rank((prp_kind)ra->kind), kb = kind_rank((prp_kind)rb->kind);
  if (ka != kb) return ka < kb ? -1 : 1;
  if (ra->kind == PRP_CONST) {
    double x = bits_double(ra->payload), y = bits_double(rb->payload);
    if (isnan(x) || isnan(y)) return isnan(x) ? 1 : -1;
    return x < y ? -1 : 1;
  }
  if (ra->kind == PRP_VAR) return compare_vars(&dag->vars[ra->first_op], &dag->vars[rb->first_op]);
  /* A sum or product's numeric operand (operand 0) counts last: x + 1 < y - 2. */
  const prp_node *oa = dag->ops + ra->first_op, *ob = dag->ops + rb->first_op;
  uint32_t skip_a = ra->nops && rec(dag, oa[0])->kind == PRP_CONST;
  uint32_t skip_b = rb->nops && rec(dag, ob[0])->kind == PRP_CONST;
  uint32_t na = ra->nops - skip_a, nb = rb->nops - skip_b;
  for (uint32_t i = 0; i < na && i < nb; i++) {
    int c = prp_node_compare(dag, oa[skip_a + i], ob[skip_b + i]);
    if (c) return c;
  }
  if (na != nb) return na < nb ? -1 : 1;
  if (skip_a != skip_b) return skip_a < skip_b ? -1 : 1;
  return prp_node_compare(dag, oa[0], ob[0]);
}

int prp_node_compare(const prp_dag *dag, prp_node a, prp_node b) {
  if (a == b) return 0;
  prp_node base_a = power_base(dag, a), base_b = power_base(dag, b);
  bool pow_a = base_a != a, pow_b = base_b != b;
  if (!pow_a && !pow_b) return compare_plain(dag, a, b);
  if (base_a != base_b) return prp_node_compare(dag, base_a, base_b);
  if (!pow_a || !pow_b) /* x before x^e */
    return pow_a ? 1 : -1;
  return prp_node_compare(dag, dag->ops[rec(dag, a)->first_op + 1], dag->ops[rec(dag, b)->first_op + 1]);
}

uint32_t prp_dag_mark_reachable(const prp_dag *dag, const prp_node *roots, size_t n, bool *mark) {
  memset(mark, 0, dag->n_nodes * sizeof *mark);
  prp_node top = 0;
  for (size_t i = 0; i < n; i++) {
    PRP_ASSERT(roots[i] < dag->n_nodes && "root out of range");
    mark[roots[i]] = true;
    if (roots[i] > top) top = roots[i];
  }
  if (n == 0) return 0;
  uint32_t count = 0;
  /* Operands have smaller ids, so one downward sweep suffices. */
  for (prp_node id = top + 1; id-- > 0;) {
    if (!mark[id]) continue;
    count++;
    uint32_t k = prp_node_arity(dag, id);
    const prp_node *ops = prp_node_operands(dag, id);
    for (uint32_t i = 0; i < k; i++) mark[ops[i]] = true;
  }
  return count;
}

uint32_t prp_dag_jet_count(const prp_dag *dag) { return dag->n_jets; }

prp_node prp_dag_jet_node(const prp_dag *dag, uint32_t jet_index) {
  PRP_ASSERT(jet_index < dag->n_jets && "jet index out of range");
  return dag->jets[jet_index];
}

/* ---- jets ---------------------------------------------------------------------- */

bool prp_jet_equal(const prp_jet *a, const prp_jet *b) {
  return a->lap_mask == b->lap_mask && memcmp(a->order, b->order, sizeof a->order) == 0;
}

unsigned prp_jet_total_order(const prp_jet *j) {
  if (j->lap_mask) return 2;
  unsigned total = 0;
  for (int k = 0; k < PRP_MAX_INPUTS; k++) total += j->order[k];
  return total;
}

char *prp_jet_format(const prp_jet *j, const char *field, const char *const *input_names, unsigned n_inputs,
                     char *buf, size_t size) {
  static const char *const default_names[PRP_MAX_INPUTS] = {"x", "y", "z", "t"};
  if (size == 0) return buf;
  if (j->lap_mask) {
    snprintf(buf, size, "lap_%s", field);
    return buf;
  }
  size_t used = (size_t)snprintf(buf, size, "%s", field);
  bool first = true;
  for (unsigned k = 0; k < PRP_MAX_INPUTS; k++) {
    const char *name = input_names && k < n_inputs ? input_names[k] : default_names[k];
    for (unsigned r = 0; r < j->order[k] && used < size; r++) {
      used += (size_t)snprintf(buf + used, size - used, "%s%s", first ? "_" : "", name);
      first = false;
    }
  }
  return buf;
}

/* ---- variables ----------------------------------------------------------------- */

static uint64_t var_key(prp_var_kind kind, uint32_t index) { return ((uint64_t)kind << 40) | index; }

static uint64_t jet_key(const prp_jet *j) {
  uint64_t orders = 0;
  for (int k = 0; k < PRP_MAX_INPUTS; k++) orders |= (uint64_t)j->order[k] << (8 * k);
  return ((uint64_t)PRP_VAR_JET << 40) | ((uint64_t)j->lap_mask << 32) | orders;
}

/* Finds the variable with this key, or creates it with the given info. */
static prp_node intern_var(prp_dag *dag, uint64_t key, const prp_var_info *info) {
  uint32_t before = dag->n_nodes;
  prp_node id = intern(dag, PRP_VAR, NULL, 0, key);
  if (id < before) return id;
  if (dag->n_vars == dag->cap_vars) {
    dag->cap_vars = dag->cap_vars ? dag->cap_vars * 2 : 32;
    dag->vars = prp_xrealloc(dag->vars, 1, dag->cap_vars * sizeof *dag->vars);
  }
  dag->nodes[id].first_op = dag->n_vars;
  dag->vars[dag->n_vars++] = *info;
  return id;
}

prp_node prp_var(prp_dag *dag, prp_var_kind kind, uint32_t index, const char *name) {
  static const char *const prefix[PRP_VAR_KIND_COUNT] = {
      [PRP_VAR_COORD] = "coord",   [PRP_VAR_UNKNOWN] = "unknown",     [PRP_VAR_JET] = "jet",
      [PRP_VAR_SCALAR] = "scalar", [PRP_VAR_POINTDATA] = "pointdata",
  };
  PRP_ASSERT(kind < PRP_VAR_KIND_COUNT && kind != PRP_VAR_JET && "use prp_jet_var for jets");
  PRP_ASSERT(index < (1u << 31) && "variable index out of range");
  uint64_t key = var_key(kind, index);
  uint32_t before = dag->n_nodes;
  char generated[32];
  if (!name) {
    snprintf(generated, sizeof generated, "%s%u", prefix[kind], index);
    name = generated;
  }
  prp_var_info info = {.kind = kind, .index = index, .name = NULL};
  prp_node id = intern_var(dag, key, &info);
  if (id >= before) dag->vars[dag->nodes[id].first_op].name = prp_xstrdup(name);
  return id;
}

prp_node prp_jet_var(prp_dag *dag, const prp_jet *jet, const char *name) {
  if (jet->lap_mask)
    for (int k = 0; k < PRP_MAX_INPUTS; k++)
      PRP_ASSERT(jet->order[k] == 0 && "a Laplacian jet has no other orders");
  uint32_t before = dag->n_nodes;
  prp_var_info info = {.kind = PRP_VAR_JET, .index = dag->n_jets, .jet = *jet};
  prp_node id = intern_var(dag, jet_key(jet), &info);
  if (id < before) return id;
  char generated[64];
  if (!name) name = prp_jet_format(jet, "u", NULL, 0, generated, sizeof generated);
  dag->vars[dag->nodes[id].first_op].name = prp_xstrdup(name);
  if (dag->n_jets == dag->cap_jets) {
    dag->cap_jets = dag->cap_jets ? dag->cap_jets * 2 : 16;
    dag->jets = prp_xrealloc(dag->jets, 1, dag->cap_jets * sizeof *dag->jets);
  }
  dag->jets[dag->n_jets++] = id;
  return id;
}

/* ---- constants ----------------------------------------------------------------- */

prp_node prp_const(prp_dag *dag, double value) {
  return intern(dag, PRP_CONST, NULL, 0, canonical_bits(value));
}

/* ---- sums ---------------------------------------------------------------------- */

typedef struct {
  double coef;
  prp_node rest;
} term;

static int compare_terms(const prp_dag *dag, const void *a, const void *b) {
  return prp_node_compare(dag, ((const term *)a)->rest, ((const term *)b)->rest);
}

/* Splits t into coef * rest, rest without a numeric factor. */
static term split_term(prp_dag *dag, prp_node t) {
  const node_rec *r = rec(dag, t);
  if (r->kind != PRP_MUL || !is_const(dag, dag->ops[r->first_op])) return (term){1.0, t};
  double coef = const_value(dag, dag->ops[r->first_op]);
  uint32_t nops = r->nops;
  if (nops == 2) return (term){coef, dag->ops[r->first_op + 1]};
  prp_node *rest_ops = prp_xrealloc(NULL, 1, (nops - 1) * sizeof *rest_ops);
  memcpy(rest_ops, dag->ops + r->first_op + 1, (nops - 1) * sizeof *rest_ops);
  prp_node rest = intern(dag, PRP_MUL, rest_ops, nops - 1, 0);
  free(rest_ops);
  return (term){coef, rest};
}

/* coef * rest for a rest that is canonical and carries no numeric factor. */
static prp_node scale_term(prp_dag *dag, double coef, prp_node rest) {
  if (coef == 1.0) return rest;
  const node_rec *r = rec(dag, rest);
  PRP_ASSERT(r->kind != PRP_ADD && r->kind != PRP_CONST && "a term's rest is never a sum or constant");
  uint32_t nrest = r->kind == PRP_MUL ? r->nops : 1;
  prp_node *ops = prp_xrealloc(NULL, 1, (nrest + 1) * sizeof *ops);
  ops[0] = prp_const(dag, coef);
  r = rec(dag, rest); /* prp_const may have moved the node array */
  if (r->kind == PRP_MUL)
    memcpy(ops + 1, dag->ops + r->first_op, nrest * sizeof *ops);
  else
    ops[1] = rest;
  prp_node result = intern(dag, PRP_MUL, ops, nrest + 1, 0);
  free(ops);
  return result;
}

prp_node prp_add_n(prp_dag *dag, const prp_node *in, size_t n) {
  node_list flat = {0};
  for (size_t i = 0; i < n; i++) {
    const node_rec *r = rec(dag, in[i]);
    if (r->kind == PRP_ADD)
      for (uint32_t k = 0; k < r->nops; k++) list_push(&flat, dag->ops[r->first_op + k]);
    else
      list_push(&flat, in[i]);
  }
  double constant = 0.0;
  term *terms = prp_xrealloc(NULL, 1, (flat.n + 1) * sizeof *terms);
  size_t nterms = 0;
  for (size_t i = 0; i < flat.n; i++) {
    if (is_const(dag, flat.v[i]))
      constant += const_value(dag, flat.v[i]);
    else
      terms[nterms++] = split_term(dag, flat.v[i]);
  }
  sort_with(dag, terms, nterms, sizeof *terms, compare_terms);
  node_list out = {0};
  for (size_t i = 0; i < nterms;) {
    size_t j = i;
    double coef = 0.0;
    for (; j < nterms && terms[j].rest == terms[i].rest; j++) coef += terms[j].coef;
    if (coef != 0.0) list_push(&out, scale_term(dag, coef, terms[i].rest));
    i = j;
  }
  free(terms);
  free(flat.v);
  /* out is in the order of the terms without their numeric factors, so that
   * x - 2*y and 3*x - y list x and y alike. */
  prp_node result;
  bool has_constant = constant != 0.0 || isnan(constant);
  if (out.n == 0) {
    result = prp_const(dag, constant);
  } else if (out.n == 1 && !has_constant) {
    result = out.v[0];
  } else {
    node_list ops = {0};
    if (has_constant) list_push(&ops, prp_const(dag, constant));
    for (size_t i = 0; i < out.n; i++) list_push(&ops, out.v[i]);
    result = intern(dag, PRP_ADD, ops.v, (uint32_t)ops.n, 0);
    free(ops.v);
  }
  free(out.v);
  return result;
}

prp_node prp_add(prp_dag *dag, prp_node a, prp_node b) {
  prp_node ops[2] = {a, b};
  return prp_add_n(dag, ops, 2);
}

prp_node prp_neg(prp_dag *dag, prp_node a) { return prp_mul(dag, prp_const(dag, -1.0), a); }

prp_node prp_sub(prp_dag *dag, prp_node a, prp_node b) { return prp_add(dag, a, prp_neg(dag, b)); }

/* ---- products ------------------------------------------------------------------- */

typedef struct {
  prp_node base, exponent;
} factor;

static int compare_factors(const prp_dag *dag, const void *a, const void *b) {
  return prp_node_compare(dag, ((const factor *)a)->base, ((const factor *)b)->base);
}

static prp_node mul_n_depth(prp_dag *dag, const prp_node *in, size_t n, int depth);

/* Multiplies the sum s by a constant, term by term. */
static prp_node distribute(prp_dag *dag, double coef, prp_node s) {
  uint32_t nops = rec(dag, s)->nops;
  prp_node *scaled = prp_xrealloc(NULL, 1, nops * sizeof *scaled);
  for (uint32_t i = 0; i < nops; i++) {
    prp_node ops[2] = {prp_const(dag, coef), dag->ops[rec(dag, s)->first_op + i]};
    scaled[i] = mul_n_depth(dag, ops, 2, 0);
  }
  prp_node result = prp_add_n(dag, scaled, nops);
  free(scaled);
  return result;
}

static prp_node mul_n_depth(prp_dag *dag, const prp_node *in, size_t n, int depth) {
  PRP_ASSERT(depth < 64 && "product canonicalisation does not converge");
  node_list flat = {0};
  for (size_t i = 0; i < n; i++) {
    const node_rec *r = rec(dag, in[i]);
    if (r->kind == PRP_MUL)
      for (uint32_t k = 0; k < r->nops; k++) list_push(&flat, dag->ops[r->first_op + k]);
    else
      list_push(&flat, in[i]);
  }
  double coef = 1.0;
  factor *factors = prp_xrealloc(NULL, 1, (flat.n + 1) * sizeof *factors);
  size_t nfactors = 0;
  for (size_t i = 0; i < flat.n; i++) {
    prp_node f = flat.v[i];
    const node_rec *r = rec(dag, f);
    if (r->kind == PRP_CONST)
      coef *= const_value(dag, f);
    else if (r->kind == PRP_POW)
      factors[nfactors++] = (factor){dag->ops[r->first_op], dag->ops[r->first_op + 1]};
    else
      factors[nfactors++] = (factor){f, PRP_NODE_NONE};
  }
  free(flat.v);
  if (coef == 0.0) {
    free(factors);
    return prp_const(dag, 0.0);
  }
  sort_with(dag, factors, nfactors, sizeof *factors, compare_factors);
  node_list out = {0};
  bool again = false; /* a merged power became a constant or a product */
  for (size_t i = 0; i < nfactors;) {
    size_t j = i + 1;
    while (j < nfactors && factors[j].base == factors[i].base) j++;
    prp_node power;
    if (j == i + 1 && factors[i].exponent == PRP_NODE_NONE) {
      power = factors[i].base;
    } else {
      node_list exps = {0};
      for (size_t k = i; k < j; k++)
        list_push(&exps, factors[k].exponent == PRP_NODE_NONE ? prp_const(dag, 1.0) : factors[k].exponent);
      prp_node e = prp_add_n(dag, exps.v, exps.n);
      free(exps.v);
      power = prp_pow(dag, factors[i].base, e);
      prp_kind k = prp_node_kind(dag, power);
      if (j > i + 1 && (k == PRP_CONST || k == PRP_MUL)) again = true;
    }
    list_push(&out, power);
    i = j;
  }
  free(factors);
  prp_node result;
  if (again) {
    list_push(&out, prp_const(dag, coef));
    result = mul_n_depth(dag, out.v, out.n, depth + 1);
  } else if (out.n == 0) {
    result = prp_const(dag, coef);
  } else if (out.n == 1 && coef == 1.0) {
    result = out.v[0];
  } else if (out.n == 1 && prp_node_kind(dag, out.v[0]) == PRP_ADD) {
    result = distribute(dag, coef, out.v[0]);
  } else {
    sort_with(dag, out.v, out.n, sizeof *out.v, compare_node_ids);
    node_list ops = {0};
    if (coef != 1.0) list_push(&ops, prp_const(dag, coef));
    for (size_t i = 0; i < out.n; i++) list_push(&ops, out.v[i]);
    result = intern(dag, PRP_MUL, ops.v, (uint32_t)ops.n, 0);
    free(ops.v);
  }
  free(out.v);
  return result;
}

prp_node prp_mul_n(prp_dag *dag, const prp_node *ops, size_t n) { return mul_n_depth(dag, ops, n, 0); }

prp_node prp_mul(prp_dag *dag, prp_node a, prp_node b) {
  prp_node ops[2] = {a, b};
  return prp_mul_n(dag, ops, 2);
}

prp_node prp_div(prp_dag *dag, prp_node a, prp_node b) { return prp_mul(dag, a, prp_powc(dag, b, -1.0)); }

/* ---- powers --------------------------------------------------------------------- */

/* base^e for a constant exponent e. */
static prp_node pow_const_exponent(prp_dag *dag, prp_node base, prp_node exponent) {
  double e = const_value(dag, exponent);
  if (e == 0.0) return prp_const(dag, 1.0);
  if (e == 1.0) return base;
  const node_rec *r = rec(dag, base);
  switch ((prp_kind)r->kind) {
  case PRP_CONST: return prp_const(dag, pow(const_value(dag, base), e));
  case PRP_POW:
    if (is_integer(e)) {
      prp_node inner_base = dag->ops[r->first_op], inner_exp = dag->ops[r->first_op + 1];
      return prp_pow(dag, inner_base, prp_mul(dag, inner_exp, exponent));
    }
    break;
  case PRP_MUL:
    if (is_integer(e)) {
      uint32_t nops = r->nops;
      prp_node *powers = prp_xrealloc(NULL, 1, nops * sizeof *powers);
      for (uint32_t i = 0; i < nops; i++)
        powers[i] = prp_pow(dag, dag->ops[rec(dag, base)->first_op + i], exponent);
      prp_node result = prp_mul_n(dag, powers, nops);
      free(powers);
      return result;
    }
    break;
  case PRP_EXP: return prp_exp(dag, prp_mul(dag, dag->ops[r->first_op], exponent));
  case PRP_SQRT:
    /* sqrt(a)^(2k) = a^k on the domain of sqrt */
    if (is_integer(e / 2.0)) return prp_powc(dag, dag->ops[r->first_op], e / 2.0);
    break;
  default: break;
  }
  prp_node ops[2] = {base, exponent};
  return intern(dag, PRP_POW, ops, 2, 0);
}

prp_node prp_pow(prp_dag *dag, prp_node base, prp_node exponent) {
  if (is_const(dag, exponent)) return pow_const_exponent(dag, base, exponent);
  if (prp_node_is_const(dag, base, 1.0)) return base;
  if (prp_node_kind(dag, base) == PRP_EXP)
    return prp_exp(dag, prp_mul(dag, prp_node_operand(dag, base, 0), exponent));
  prp_node ops[2] = {base, exponent};
  return intern(dag, PRP_POW, ops, 2, 0);
}

prp_node prp_powc(prp_dag *dag, prp_node base, double exponent) {
  return prp_pow(dag, base, prp_const(dag, exponent));
}

/* ---- elementary functions -------------------------------------------------------- */

static double sign_of(double v) {
  if (isnan(v)) return v;
  return (v > 0) - (v < 0);
}

/* min/max that propagate NaN, as the generated code does (llvm.minimum). */
static double min_of(double a, double b) {
  if (isnan(a) || isnan(b)) return NAN;
  return a < b ? a : b;
}

static double max_of(double a, double b) {
  if (isnan(a) || isnan(b)) return NAN;
  return a > b ? a : b;
}

static double fold_unary(prp_kind kind, double v) {
  switch (kind) {
  case PRP_EXP: return exp(v);
  case PRP_LOG: return log(v);
  case PRP_SIN: return sin(v);
  case PRP_COS: return cos(v);
  case PRP_TANH: return tanh(v);
  case PRP_SQRT: return sqrt(v);
  case PRP_ABS: return fabs(v);
  case PRP_SIGN: return sign_of(v);
  default: prp_internal_error("fold_unary of %s", prp_kind_name(kind));
  }
}

prp_node prp_unary(prp_dag *dag, prp_kind kind, prp_node a) {
  PRP_ASSERT(kind >= PRP_EXP && kind <= PRP_SIGN && "not a unary kind");
  if (is_const(dag, a)) return prp_const(dag, fold_unary(kind, const_value(dag, a)));
  prp_kind inner = prp_node_kind(dag, a);
  if (kind == PRP_EXP && inner == PRP_LOG) /* on log's domain */
    return prp_node_operand(dag, a, 0);
  if (kind == PRP_LOG && inner == PRP_EXP) return prp_node_operand(dag, a, 0);
  if ((kind == PRP_ABS || kind == PRP_SIGN) && inner == kind) return a;
  if (kind == PRP_ABS && (inner == PRP_EXP || inner == PRP_SQRT)) /* never negative */
    return a;
  return intern(dag, kind, &a, 1, 0);
}


static prp_node min_max(prp_dag *dag, prp_kind kind, prp_node a, prp_node b) {
  if (is_const(dag, a) && is_const(dag, b)) {
    double x = const_value(dag, a), y = const_value(dag, b);
    return prp_const(dag, kind == PRP_MIN ? min_of(x, y) : max_of(x, y));
  }
  if (a == b) return a;
  bool in_order = prp_node_compare(dag, a, b) < 0;
  prp_node ops[2] = {in_order ? a : b, in_order ? b : a};
  return intern(dag, kind, ops, 2, 0);
}


prp_node prp_binary(prp_dag *dag, prp_kind kind, prp_node a, prp_node b) {
  switch (kind) {
  case PRP_ADD: return prp_add(dag, a, b);
  case PRP_MUL: return prp_mul(dag, a, b);
  case PRP_POW: return prp_pow(dag, a, b);
  case PRP_MIN:
  case PRP_MAX: return min_max(dag, kind, a, b);
  default: prp_internal_error("prp_binary of %s", prp_kind_name(kind));
  }
}

prp_node prp_rebuild(prp_dag *dag, prp_node n, const prp_node *ops) {
  prp_kind kind = prp_node_kind(dag, n);
  switch (kind) {
  case PRP_CONST:
  case PRP_VAR: return n;
  case PRP_ADD: return prp_add_n(dag, ops, prp_node_arity(dag, n));
  case PRP_MUL: return prp_mul_n(dag, ops, prp_node_arity(dag, n));
  case PRP_POW:
  case PRP_MIN:
  case PRP_MAX: return prp_binary(dag, kind, ops[0], ops[1]);
  case PRP_EXP:
  case PRP_LOG:
  case PRP_SIN:
  case PRP_COS:
  case PRP_TANH:
  case PRP_SQRT:
  case PRP_ABS:
  case PRP_SIGN: return prp_unary(dag, kind, ops[0]);
  default: prp_internal_error("prp_rebuild of node %u, kind %d", n, (int)kind);
  }
}

/* ---- rewriting ------------------------------------------------------------------- */

prp_node prp_subst(prp_dag *dag, prp_node f, const prp_node *from, const prp_node *to, size_t count) {
  uint32_t size = dag->n_nodes;
  bool *mark = prp_xrealloc(NULL, 1, size * sizeof *mark);
  prp_dag_mark_reachable(dag, &f, 1, mark);
  prp_node *image = prp_xrealloc(NULL, 1, size * sizeof *image);
  node_list ops = {0};
  for (prp_node id = 0; id <= f; id++) {
    if (!mark[id]) continue;
    image[id] = id;
    for (size_t i = 0; i < count; i++)
      if (from[i] == id) image[id] = to[i];
    if (image[id] != id) continue;
    uint32_t k = prp_node_arity(dag, id);
    ops.n = 0;
    bool changed = false;
    for (uint32_t i = 0; i < k; i++) {
      prp_node op = prp_node_operand(dag, id, i);
      list_push(&ops, image[op]);
      changed |= image[op] != op;
    }
    if (changed) image[id] = prp_rebuild(dag, id, ops.v);
  }
  prp_node result = image[f];
  free(ops.v);
  free(image);
  free(mark);
  return result;
}

bool prp_depends_on(const prp_dag *dag, prp_node f, prp_node var) {
  if (var > f) return false;
  bool *mark = prp_xrealloc(NULL, 1, dag->n_nodes * sizeof *mark);
  prp_dag_mark_reachable(dag, &f, 1, mark);
  bool found = mark[var];
  free(mark);
  return found;
}
