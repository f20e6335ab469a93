/* Unit tests of the scanner and parser: tokens become the right AST nodes
 * with the right source ranges, and malformed input is reported, located. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "parse.h"

typedef struct { ast_program *prog; prp_diag diag; char *out; size_t outlen; FILE *f; } parsed;

/* Parses text; diagnostics are collected in p->out. */
static void parse(parsed *p, const char *text) {
  memset(p, 0, sizeof *p);
  p->f = open_memstream(&p->out, &p->outlen);
  prp_diag_init(&p->diag, p->f, 0);
  p->prog = prp_parse_string("t.prp", text, strlen(text), &p->diag);
  fflush(p->f);
}

static void done(parsed *p) {
  ast_program_free(p->prog);
  fclose(p->f);
  free(p->out);
}

static const ast_decl *decl(const parsed *p, int i) {
  assert_true(i < p->prog->ndecls);
  return p->prog->decls[i];
}

static void test_declarations_in_order(void **state) {
  parsed p; parse(&p, "problem a\nspace x in [0, 2]\ntime t in [0, 1]\nfield u(x, t)\nconst D = 0.5\n");
  assert_int_equal(p.diag.errors, 0);
  assert_int_equal(p.prog->ndecls, 5);
  assert_int_equal(decl(&p, 0)->kind, DECL_PROBLEM);
  assert_string_equal(decl(&p, 0)->name, "a");
  assert_int_equal(decl(&p, 1)->kind, DECL_SPACE);
  assert_int_equal(decl(&p, 1)->ncoords, 1);
  assert_string_equal(decl(&p, 1)->coords[0].name, "x");
  assert_int_equal(decl(&p, 3)->nparams, 2);
  assert_string_equal(decl(&p, 3)->params[1], "t");
  assert_true(decl(&p, 4)->value->num == 0.5);
  done(&p);
}

static void test_precedence_and_associativity(void **state) {
  /* -a^2 is -(a^2); 2^3^2 is 2^(3^2); a - b - c is (a - b) - c */
  parsed p; parse(&p, "const a = -b^2\nconst c = 2^3^2\nconst d = a - b - c\n");
  assert_int_equal(p.diag.errors, 0);
  const ast_expr *e = decl(&p, 0)->value;
  assert_int_equal(e->kind, AST_NEG);
  assert_int_equal(e->lhs->kind, AST_BINOP);
  assert_int_equal(e->lhs->op, '^');
  e = decl(&p, 1)->value;
  assert_int_equal(e->op, '^');
  assert_int_equal(e->rhs->kind, AST_BINOP);
  e = decl(&p, 2)->value;
  assert_int_equal(e->op, '-');
  assert_int_equal(e->lhs->kind, AST_BINOP);
  assert_string_equal(e->rhs->name, "c");
  done(&p);
}

static void test_source_ranges(void **state) {
  parsed p; parse(&p, "problem a\nconst Dee = 12.5 * xyz\n");
  const ast_decl *d = decl(&p, 1);
  assert_int_equal(d->loc.line, 2);
  assert_int_equal(d->loc.col, 1);
  assert_int_equal(d->loc.end_col, 22);
  assert_int_equal(d->name_loc.col, 7);
  assert_int_equal(d->name_loc.end_col, 9);
  assert_int_equal(d->value->rhs->loc.col, 20);
  assert_int_equal(d->value->lhs->loc.end_col, 16);
  done(&p);
}

static void test_columns_count_code_points(void **state) {
  parsed p; parse(&p, "# é è\nconst a = 1 # ü\nconst b = × 2\n");
  assert_int_equal(p.diag.errors, 1);
  assert_non_null(strstr(p.out, "t.prp:3:11: error: unexpected character"));
  done(&p);
}

static void test_newlines_inside_brackets_are_blank(void **state) {
  parsed p; parse(&p, "const a = (1 +\n  2)\n\n\nconst b = 3\n");
  assert_int_equal(p.diag.errors, 0);
  assert_int_equal(p.prog->ndecls, 2);
  done(&p);
}

static void test_blocks_and_options(void **state) {
  parsed p; parse(&p, "train {\n  epochs 100\n  weights data 10, initial 1\n}\nrelax off\n"
                   "relax {\n smoothing eps from 0.1 to 0 until 50% cosine\n nudging eta piecewise [0% 5, 40 0] width 0.1 }\n");
  assert_int_equal(p.diag.errors, 0);
  const ast_decl *t = decl(&p, 0);
  assert_int_equal(t->noptions, 2);
  assert_string_equal(t->options[1].name, "weights");
  assert_int_equal(t->options[1].nargs, 4);
  assert_string_equal(t->options[1].args[2].text, "initial");
  assert_true(decl(&p, 1)->relax_off);
  const ast_decl *r = decl(&p, 2);
  assert_int_equal(r->nschedules, 2);
  assert_true(r->schedules[0].until_percent);
  assert_true(r->schedules[0].until == 50);
  assert_int_equal(r->schedules[1].npw, 2);
  assert_false(r->schedules[1].pw[1].percent);
  done(&p);
}

static void test_sensor_layouts(void **state) {
  parsed p; parse(&p, "sensors from \"a b.csv\"\ntruth {\n sensors at (0.1, 0.2), (0.3, 0.4) t = 0 .. 1 count 5\n}\n");
  assert_int_equal(p.diag.errors, 0);
  assert_int_equal(decl(&p, 0)->sensors.kind, SENSORS_FILE);
  assert_string_equal(decl(&p, 0)->sensors.path, "a b.csv");
  const ast_decl *s = decl(&p, 1)->items[0];
  assert_int_equal(s->sensors.kind, SENSORS_POINTS);
  assert_int_equal(s->sensors.npoints, 2);
  assert_int_equal(s->sensors.points[0]->kind, AST_TUPLE);
  assert_int_equal(s->sensors.naxes, 1);
  done(&p);
}

static void test_error_recovery_reports_each_line(void **state) {
  parsed p; parse(&p, "const a = = 1\nconst b = 2\nconst c 3\nconst d = 4\n");
  assert_int_equal(p.diag.errors, 2);
  assert_int_equal(p.prog->ndecls, 2);  /* b and d survive */
  assert_non_null(strstr(p.out, "t.prp:1:11: error: unexpected '='"));
  assert_non_null(strstr(p.out, "t.prp:3:9: error: unexpected number '3'; expected '='"));
  done(&p);
}

static void test_numbers(void **state) {
  parsed p; parse(&p, "const a = 1.5e-3\nconst b = .25\nconst c = 1e400\nconst d = 60%\n");
  assert_true(decl(&p, 0)->value->num == 1.5e-3);
  assert_true(decl(&p, 1)->value->num == 0.25);
  assert_non_null(strstr(p.out, "t.prp:3:11: error: number 1e400 is too large for a double"));
  assert_non_null(strstr(p.out, "t.prp:4:11: error: unexpected percentage"));
  done(&p);
}

static void test_deep_nesting_stops_cleanly(void **state) {
  size_t n = 5000;
  char *text = malloc(2 * n + 32);
  strcpy(text, "const a = ");
  memset(text + 10, '(', n);
  text[10 + n] = '1';
  memset(text + 11 + n, ')', n);
  strcpy(text + 11 + 2 * n, "\n");
  parsed p; parse(&p, text);
  assert_int_equal(p.diag.errors, 1);
  assert_non_null(strstr(p.out, "brackets nested too deeply"));
  done(&p);
  free(text);
}

static void test_unterminated_comment_is_located(void **state) {
  parsed p; parse(&p, "const a = 1\n  /* open\n\n");
  assert_int_equal(p.diag.errors, 1);
  assert_non_null(strstr(p.out, "t.prp:2:3: error: unterminated comment"));
  done(&p);
}

static void test_invalid_utf8_is_located(void **state) {
  parsed p; parse(&p, "const a = 1\nconst b = \"\xc3\x28\"\n");
  assert_int_equal(p.diag.errors, 1);
  assert_non_null(strstr(p.out, "t.prp:2:12: error: invalid UTF-8"));
  done(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_declarations_in_order),
    cmocka_unit_test(test_precedence_and_associativity),
    cmocka_unit_test(test_source_ranges),
    cmocka_unit_test(test_columns_count_code_points),
    cmocka_unit_test(test_newlines_inside_brackets_are_blank),
    cmocka_unit_test(test_blocks_and_options),
    cmocka_unit_test(test_sensor_layouts),
    cmocka_unit_test(test_error_recovery_reports_each_line),
    cmocka_unit_test(test_numbers),
    cmocka_unit_test(test_deep_nesting_stops_cleanly),
    cmocka_unit_test(test_unterminated_comment_is_located),
    cmocka_unit_test(test_invalid_utf8_is_located),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
