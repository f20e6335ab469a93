/* Symbolic core: readable infix printing of DAG nodes with minimal parentheses
 * (a - b, x/y, -x, x^2, exp(x)); used by `prpc emit --residual` and in diagnostics. */
#include "expr.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* Binding strength, loosest first; a subexpression looser than its context gets
 * parentheses. */
enum { PREC_ADD = 1, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM };

typedef struct {
  char *s;
  size_t len, cap;
} strbuf;

static void sb_append(strbuf *b, const char *text, size_t n) {
  if (b->len + n + 1 > b->cap) {
    while (b->len + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 128;
    b->s = prp_xrealloc(b->s, b->cap, 1);
    if (!b->s) prp_internal_error("out of memory printing an expression");
  }
  memcpy(b->s + b->len, text, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void sb_puts(strbuf *b, const char *text) { sb_append(b, text, strlen(text)); }

/* The shortest text that reads back to exactly v: fixed notation for
 * moderate magnitudes (1250, 0.002), %g with an exponent otherwise (1e-07). */
static void sb_number(strbuf *b, double v) {
  char text[64];
  if (isnan(v)) {
    sb_puts(b, "nan");
    return;
  }
  if (isinf(v)) {
    sb_puts(b, v < 0 ? "-inf" : "inf");
    return;
  }
  bool fixed = fabs(v) >= 1e-4 && fabs(v) < 1e15;
  for (int digits = fixed ? 0 : 1; digits <= (fixed ? 24 : 17); digits++) {
    snprintf(text, sizeof text, fixed ? "%.*f" : "%.*g", digits, v);
    if (strtod(text, NULL) == v) break;
  }
  sb_puts(b, text);
}

static void print_node(const prp_dag *dag, prp_node n, int context, strbuf *b);

/* Is n a power with a negative constant exponent (printed as a divisor)? */
static bool is_divisor(const prp_dag *dag, prp_node n) {
  if (prp_node_kind(dag, n) != PRP_POW) return false;
  prp_node e = prp_node_operand(dag, n, 1);
  return prp_node_kind(dag, e) == PRP_CONST && prp_node_value(dag, e) < 0;
}

/* Numeric factor of a product (operand 0 if constant, else 1). */
static double coefficient(const prp_dag *dag, prp_node n) {
  if (prp_node_kind(dag, n) == PRP_MUL && prp_node_kind(dag, prp_node_operand(dag, n, 0)) == PRP_CONST)
    return prp_node_value(dag, prp_node_operand(dag, n, 0));
  if (prp_node_kind(dag, n) == PRP_CONST) return prp_node_value(dag, n);
  return 1.0;
}

/* Prints base^|exponent| of a divisor. */
static void print_divisor(const prp_dag *dag, prp_node n, strbuf *b) {
  prp_node base = prp_node_operand(dag, n, 0);
  double e = -prp_node_value(dag, prp_node_operand(dag, n, 1));
  if (e == 1.0) {
    print_node(dag, base, PREC_POW, b);
    return;
  }
  print_node(dag, base, PREC_ATOM, b);
  sb_puts(b, "^");
  sb_number(b, e);
}

/* Prints a product (or a lone divisor) as [-][c*]a*b/(d*e); negate flips its sign. */
static void print_product(const prp_dag *dag, prp_node n, bool negate, strbuf *b) {
  const prp_node *ops = &n;
  uint32_t k = 1;
  if (prp_node_kind(dag, n) == PRP_MUL) {
    ops = prp_node_operands(dag, n);
    k = prp_node_arity(dag, n);
  }
  double c = coefficient(dag, n);
  if (negate) c = -c;
  if (c < 0 || (c == 0 && signbit(c))) sb_puts(b, "-");
  c = fabs(c);
  bool wrote = false;
  if (c != 1.0) {
    sb_number(b, c);
    wrote = true;
  }
  uint32_t n_divisors = 0;
  for (uint32_t i = 0; i < k; i++) {
    if (prp_node_kind(dag, ops[i]) == PRP_CONST) continue;
    if (is_divisor(dag, ops[i])) {
      n_divisors++;
      continue;
    }
    if (wrote) sb_puts(b, "*");
    print_node(dag, ops[i], PREC_NEG, b);
    wrote = true;
  }
  if (!wrote) sb_puts(b, "1");
  if (n_divisors == 0) return;
  sb_puts(b, n_divisors > 1 ? "/(" : "/");
  bool first = true;
  for (uint32_t i = 0; i < k; i++) {
    if (!is_divisor(dag, ops[i])) continue;
    if (!first) sb_puts(b, "*");
    print_divisor(dag, ops[i], b);
    first = false;
  }
  if (n_divisors > 1) sb_puts(b, ")");
}

static bool is_negative_term(const prp_dag *dag, prp_node t) {
  double c = coefficient(dag, t);
  return c < 0;
}

/* Prints one term of a sum after the first: " + t" or " - |t|". */
static void print_later_term(const prp_dag *dag, prp_node t, strbuf *b) {
  if (!is_negative_term(dag, t)) {
    sb_puts(b, " + ");
    print_node(dag, t, PREC_MUL, b);
  } else if (prp_node_kind(dag, t) == PRP_CONST) {
    sb_puts(b, " - ");
    sb_number(b, -prp_node_value(dag, t));
  } else {
    sb_puts(b, " - ");
    print_product(dag, t, true, b);
  }
}

/* Sum: the terms in order but starting at the first positive one where there
 * is one (u - u_obs rather than -u_obs + u), the constant last (x - 1) unless
 * every other term is negative (1 - x); subtractions as a - b. */
static void print_sum(const prp_dag *dag, prp_node n, strbuf *b) {
  uint32_t k = prp_node_arity(dag, n);
  const prp_node *ops = prp_node_operands(dag, n);
  uint32_t first_term = prp_node_kind(dag, ops[0]) == PRP_CONST ? 1 : 0;
  uint32_t lead = first_term;
  while (lead < k && is_negative_term(dag, ops[lead])) lead++;
  bool constant_first = first_term == 1 && lead == k && prp_node_value(dag, ops[0]) > 0;
  if (lead == k) lead = first_term;
  if (constant_first)
    print_node(dag, ops[0], PREC_ADD, b);
  else
    print_node(dag, ops[lead], PREC_ADD, b);
  for (uint32_t i = first_term; i < k; i++)
    if (constant_first || i != lead) print_later_term(dag, ops[i], b);
  if (first_term == 1 && !constant_first) print_later_term(dag, ops[0], b);
}

static int precedence(const prp_dag *dag, prp_node n) {
  switch (prp_node_kind(dag, n)) {
  case PRP_CONST: return prp_node_value(dag, n) < 0 ? PREC_NEG : PREC_ATOM;
  case PRP_ADD: return PREC_ADD;
  case PRP_MUL: return coefficient(dag, n) < 0 ? PREC_NEG : PREC_MUL;
  case PRP_POW: return is_divisor(dag, n) ? PREC_MUL : PREC_POW;
  default: return PREC_ATOM;
  }
}

static void print_call(const prp_dag *dag, prp_node n, strbuf *b) {
  sb_puts(b, prp_kind_name(prp_node_kind(dag, n)));
  sb_puts(b, "(");
  for (uint32_t i = 0; i < prp_node_arity(dag, n); i++) {
    if (i) sb_puts(b, ", ");
    print_node(dag, prp_node_operand(dag, n, i), PREC_ADD, b);
  }
  sb_puts(b, ")");
}

static void print_node(const prp_dag *dag, prp_node n, int context, strbuf *b) {
  bool parens = precedence(dag, n) < context;
  if (parens) sb_puts(b, "(");
  switch (prp_node_kind(dag, n)) {
  case PRP_CONST: sb_number(b, prp_node_value(dag, n)); break;
  case PRP_VAR: sb_puts(b, prp_node_var(dag, n)->name); break;
  case PRP_ADD: print_sum(dag, n, b); break;
  case PRP_MUL: print_product(dag, n, false, b); break;
  case PRP_POW:
    if (is_divisor(dag, n)) {
      print_product(dag, n, false, b);
    } else {
      print_node(dag, prp_node_operand(dag, n, 0), PREC_ATOM, b);
      sb_puts(b, "^");
      print_node(dag, prp_node_operand(dag, n, 1), PREC_ATOM, b);
    }
    break;
  default: print_call(dag, n, b); break;
  }
  if (parens) sb_puts(b, ")");
}

char *prp_expr_to_string(const prp_dag *dag, prp_node f) {
  strbuf b = {0};
  print_node(dag, f, PREC_ADD, &b);
  return b.s;
}

void prp_expr_print(const prp_dag *dag, prp_node f, FILE *out) {
  char *text = prp_expr_to_string(dag, f);
  fputs(text, out);
  free(text);
}
