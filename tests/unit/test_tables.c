/* Unit tests of the front end's tables: every row of the train option table
 * (compiler/front/train_options.c) is accepted by the checker with its default and
 * at its limits and rejected outside them, its default is what the planner
 * applies when the line is absent, and the REPL completes exactly the table's
 * names, which docs/language.md documents; every keyword of compiler/front/keywords.c
 * is a keyword to the lexer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "check.h"
#include "keywords.h"
#include "parse.h"
#include "repl.h"
#include "train_options.h"

static const char header[] =
  "problem p\n"
  "space x in [0, 2]\n"
  "time t in [0, 3]\n"
  "field u(x, t)\n"
  "unknown xs = 0.5 in [0, 2]\n"
  "pde dt(u) - lap(u) = xs\n"
  "initial u = 0\n"
  "boundary u = 0\n"
  "truth {\n set xs = 1.5\n sensors x = 0.5 .. 1.5 count 3, t = 0 .. 3 count 4\n}\n";

typedef struct { ast_program *prog; prp_diag diag; char *out; size_t outlen; FILE *f; } checked;

/* The header with `train { LINE }` (no train block if line is NULL), parsed and checked. */
static int check_line(checked *c, const char *line) {
  char text[2048];
  snprintf(text, sizeof text, "%s%s%s%s", header, line ? "train {\n  " : "", line ? line : "", line ? "\n}\n" : "");
  memset(c, 0, sizeof *c);
  c->f = open_memstream(&c->out, &c->outlen);
  prp_diag_init(&c->diag, c->f, 0);
  c->prog = prp_parse_string("t.prp", text, strlen(text), &c->diag);
  if (c->diag.errors == 0) prp_check(c->prog, &c->diag);
  fflush(c->f);
  return c->diag.errors;
}

static void done(checked *c) {
  ast_program_free(c->prog);
  fclose(c->f);
  free(c->out);
}

static void expect(const char *name, const char *args, int errors) {
  char line[256];
  snprintf(line, sizeof line, "%s %s", name, args);
  checked c;
  int got = check_line(&c, line);
  if ((got > 0) != (errors > 0)) fail_msg("'%s': %d errors, expected %s\n%s", line, got, errors ? "some" : "none", c.out);
  done(&c);
}

static void expect_number(const char *name, double v, const char *suffix, int errors) {
  char args[64];
  snprintf(args, sizeof args, "%.17g%s", v, suffix);
  expect(name, args, errors);
}

/* Each row: its default, its limits and one step beyond them. */
static void test_rows_accept_defaults_and_limits(void **state) {
  (void)state;
  for (int i = 0; i < prp_train_noptions; i++) {
    const prp_train_option *row = &prp_train_options[i];
    if (row->dflt) expect(row->name, row->dflt, 0);
    switch (row->kind) {
    case PRP_TRAIN_ARG_COUNT: case PRP_TRAIN_ARG_SEED:
      expect_number(row->name, row->lo, "", 0);
      expect_number(row->name, row->hi, "", 0);
      expect_number(row->name, row->lo - 1, "", 1);
      expect_number(row->name, row->hi + 1, "", 1);
      expect_number(row->name, row->lo + 0.5, "", 1);   /* not whole */
      break;
    case PRP_TRAIN_ARG_SHARE:
      expect_number(row->name, row->hi, "", 0);
      expect_number(row->name, row->lo, "", 1);
      expect_number(row->name, row->hi + 0.5, "", 1);
      break;
    case PRP_TRAIN_ARG_WARMUP:
      expect_number(row->name, row->lo, "", 0);
      expect_number(row->name, row->lo - 1, "", 1);
      expect_number(row->name, row->hi - 1, "%", 0);
      expect_number(row->name, row->hi, "%", 1);
      break;
    case PRP_TRAIN_ARG_DIRECTORY:
      expect(row->name, "\"dir\"", 0);
      expect(row->name, "3", 1);
      break;
    case PRP_TRAIN_ARG_WEIGHTS:
      expect(row->name, "nonsense 1", 1);
      break;
    case PRP_TRAIN_ARG_COUNT_KEYS:   /* a count, then keys (tested below) */
      expect_number(row->name, row->lo, "", 0);
      expect_number(row->name, row->hi, "", 0);
      expect_number(row->name, row->lo - 1, "", 1);
      expect_number(row->name, row->hi + 1, "", 1);
      expect_number(row->name, row->lo + 0.5, "", 1);
      expect_number(row->name, row->lo, " nonsense 5", 1);
      expect_number(row->name, row->lo, " 5", 1);
      break;
    case PRP_TRAIN_ARG_STOP:
      expect(row->name, "settled 0.001 over 1", 0);
      expect_number(row->name, row->lo, " over 10", 1);   /* the word comes first */
      expect(row->name, "settled 0 over 10", 1);
      expect(row->name, "settled 1 over 10", 1);
      expect(row->name, "settled 0.5 over 0", 1);
      expect(row->name, "settled 0.5 10", 1);
      expect(row->name, "nonsense 0.5 over 10", 1);
      break;
    default:   /* a word of the row's */
      for (int k = 0; row->words[k]; k++) {
        char args[64];
        snprintf(args, sizeof args, "%s%s", row->kind == PRP_TRAIN_ARG_COLLOCATION ? "10 " : "", row->words[k]);
        expect(row->name, args, 0);
      }
      expect(row->name, row->kind == PRP_TRAIN_ARG_COLLOCATION ? "10 nonsense" : "nonsense", 1);
    }
    expect(row->name, "", 1);   /* every line takes an argument */
  }
}

/* What a key's line says before its keys: its default, or for a line without one
 * that needs a count, its least count. */
static const char *line_start(const prp_train_option *row, char *buf, size_t size) {
  if (row->dflt) return row->dflt;
  if (row->kind != PRP_TRAIN_ARG_COUNT_KEYS) return "";
  snprintf(buf, size, "%g", row->lo);
  return buf;
}

/* Each key, after its line's default: the boundary of its limits. */
static void test_keys_accept_their_limits(void **state) {
  (void)state;
  for (int i = 0; i < prp_train_nkeys; i++) {
    const prp_train_key *key = &prp_train_keys[i];
    const prp_train_option *row = prp_train_option_find(key->line);
    assert_non_null(row);
    assert_true(row->set == PRP_TRAIN_SET_KEYS || row->kind == PRP_TRAIN_ARG_COLLOCATION ||
                row->kind == PRP_TRAIN_ARG_COUNT_KEYS);
    char ok[128], bad[128], start[32];
    const char *pre = line_start(row, start, sizeof start), *sp = *pre ? " " : "";
    int whole = key->kind == PRP_TRAIN_KEY_EPOCHS || key->kind == PRP_TRAIN_KEY_COUNT;
    int from0 = key->kind == PRP_TRAIN_KEY_WEIGHT || key->kind == PRP_TRAIN_KEY_WHOLE;
    double lo = from0 ? 0 : whole ? 1 : 1e-9;
    double out = from0 ? -1 : 0;
    snprintf(ok, sizeof ok, "%s%s%s %g", pre, sp, key->name, lo);
    snprintf(bad, sizeof bad, "%s%s%s %g", pre, sp, key->name, out);
    expect(row->name, ok, 0);
    expect(row->name, bad, 1);
    if (key->dflt) {
      snprintf(ok, sizeof ok, "%s%s%s %s", pre, sp, key->name, key->dflt);
      expect(row->name, ok, 0);
    }
  }
}

static void apply_line(const char *line, prp_train_problem *tp) {
  checked c;
  assert_int_equal(check_line(&c, line), 0);
  memset(tp, 0, sizeof *tp);
  prp_train_options_apply(c.prog->problem.train, tp);
  done(&c);
}

/* A line giving the default sets what its absence sets. */
static void test_defaults_are_what_the_planner_applies(void **state) {
  (void)state;
  prp_train_problem none, given;
  apply_line(NULL, &none);
  assert_int_equal(none.epochs, 5000);
  assert_int_equal(none.n_collocation, 2048);
  for (int i = 0; i < prp_train_noptions; i++) {
    const prp_train_option *row = &prp_train_options[i];
    if (!row->dflt) continue;
    char line[128];
    snprintf(line, sizeof line, "%s %s", row->name, row->dflt);
    apply_line(line, &given);
    given.refine_by_default = none.refine_by_default;   /* the one field that records the line's absence */
    if (memcmp(&none, &given, sizeof none) != 0) fail_msg("'%s' sets other values than its absence", line);
  }
  for (int i = 0; i < prp_train_nkeys; i++) {   /* a key's default is what the line without the key sets */
    const prp_train_key *key = &prp_train_keys[i];
    const prp_train_option *row = prp_train_option_find(key->line);
    if (!key->dflt || !row->apply) continue;
    char line[128], start[32], bare[128];
    prp_train_problem without;
    const char *pre = line_start(row, start, sizeof start), *sp = *pre ? " " : "";
    snprintf(bare, sizeof bare, "%s %s", row->name, pre);
    snprintf(line, sizeof line, "%s %s%s%s %s", row->name, pre, sp, key->name, key->dflt);
    apply_line(row->dflt ? NULL : bare, &without);
    apply_line(line, &given);
    given.refine_by_default = without.refine_by_default;
    if (memcmp(&without, &given, sizeof without) != 0) fail_msg("'%s' sets other values than '%s'", line, bare);
  }
}

/* `output field ...` is a line of its own: the directory is the other output line. */
static void test_output_field_is_a_line_of_its_own(void **state) {
  (void)state;
  checked c;
  assert_int_equal(check_line(&c, "output field grid 9\n  output \"dir\""), 0);
  const ast_option *dir = prp_train_line(c.prog->problem.train, "output"), *field = prp_train_field_line(c.prog->problem.train);
  assert_non_null(dir);
  assert_non_null(field);
  assert_int_equal(dir->args[0].kind, ARG_STRING);
  assert_string_equal(dir->args[0].text, "dir");
  assert_true(prp_train_is_output_field(field) && !prp_train_is_output_field(dir));
  assert_false(prp_train_same_line(dir, field));
  done(&c);
  assert_int_not_equal(check_line(&c, "output field grid 9\n  output field times 3"), 0);   /* twice */
  done(&c);
}

/* docs/language.md documents every option and key. */
static void test_language_reference_names_every_option(void **state) {
  (void)state;
  FILE *f = fopen(PRP_SOURCE_DIR "/docs/language.md", "rb");
  assert_non_null(f);
  static char doc[1 << 18];
  size_t n = fread(doc, 1, sizeof doc - 1, f);
  fclose(f);
  doc[n] = '\0';
  char quoted[64];
  for (int i = 0; i < prp_train_noptions; i++) {
    snprintf(quoted, sizeof quoted, "`%s`", prp_train_options[i].name);
    if (!strstr(doc, quoted)) fail_msg("docs/language.md does not document the train option %s", quoted);
  }
  for (int i = 0; i < prp_train_nkeys; i++)
    if (!strstr(doc, prp_train_keys[i].name)) fail_msg("docs/language.md does not name the key %s", prp_train_keys[i].name);
}

/* ---- the REPL's completion -------------------------------------------------------------- */

typedef struct { char words[128][48]; int n; } word_set;

static void collect(void *ctx, const char *w) {
  word_set *s = ctx;
  assert_true(s->n < 128);
  snprintf(s->words[s->n++], sizeof s->words[0], "%s", w);
}

static int contains(const word_set *s, const char *w) {
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->words[i], w) == 0) return 1;
  return 0;
}

/* Without a problem, `set ` completes exactly the table's settable names and relax. */
static void test_repl_completes_the_tables_names(void **state) {
  (void)state;
  prp_repl *r = prp_repl_new(stdout, stderr, 0);
  word_set set = {0}, first = {0};
  prp_repl_complete(r, "set ", "", collect, &set);
  int expected = 1;
  assert_true(contains(&set, "relax"));
  for (int i = 0; i < prp_train_noptions; i++) {
    const prp_train_option *row = &prp_train_options[i];
    if (row->set != PRP_TRAIN_SET_KEYS) expected++, assert_true(contains(&set, row->name));
    else assert_false(contains(&set, row->name));
  }
  for (int i = 0; i < prp_train_nkeys; i++) expected++, assert_true(contains(&set, prp_train_keys[i].set_name));
  assert_int_equal(set.n, expected);
  prp_repl_complete(r, "", "", collect, &first);   /* every line can be typed */
  for (int i = 0; i < prp_train_noptions; i++) assert_true(contains(&first, prp_train_options[i].name));
  for (int k = 0; k < PRP_NKEYWORDS; k++)
    if (prp_keywords[k].decl >= 0) assert_true(contains(&first, prp_keywords[k].word));
  prp_repl_free(r);
}

/* ---- keywords ------------------------------------------------------------------------------ */

static int parse_errors(const char *text) {
  char *out;
  size_t len;
  FILE *f = open_memstream(&out, &len);
  prp_diag diag;
  prp_diag_init(&diag, f, 0);
  ast_program *prog = prp_parse_string("k.prp", text, strlen(text), &diag);
  ast_program_free(prog);
  fclose(f);
  free(out);
  return diag.errors;
}

/* A table word cannot name a constant; the same word with a letter added can. */
static void test_keywords_are_the_lexers(void **state) {
  (void)state;
  char text[128];
  for (int k = 0; k < PRP_NKEYWORDS; k++) {
    const char *w = prp_keywords[k].word;
    assert_int_equal(prp_keyword_find(w), k);
    snprintf(text, sizeof text, "const %s = 1\n", w);
    if (parse_errors(text) == 0) fail_msg("'%s' is in the keyword table but lexes as a name", w);
    snprintf(text, sizeof text, "const %sx = 1\n", w);
    assert_int_equal(parse_errors(text), 0);
  }
  assert_int_equal(prp_keyword_find("smoothing"), -1);
  for (int d = DECL_PROBLEM; d < DECL_OPTION; d++) {   /* each declaration is named by its keyword */
    int k = prp_keyword_find(ast_decl_kind_name((ast_decl_kind)d));
    assert_true(k >= 0 && prp_keywords[k].decl == d);
  }
  assert_string_equal(ast_decl_kind_name(DECL_OPTION), "option");
}

int main(void) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rows_accept_defaults_and_limits),
    cmocka_unit_test(test_keys_accept_their_limits),
    cmocka_unit_test(test_defaults_are_what_the_planner_applies),
    cmocka_unit_test(test_output_field_is_a_line_of_its_own),
    cmocka_unit_test(test_language_reference_names_every_option),
    cmocka_unit_test(test_repl_completes_the_tables_names),
    cmocka_unit_test(test_keywords_are_the_lexers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
