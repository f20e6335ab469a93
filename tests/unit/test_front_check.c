/* Unit tests of the checker: names resolve to the right symbols, derivative
 * calls become AST_DERIV nodes, constants evaluate, and the problem summary
 * that later stages read is filled in. Ill-formed inputs are covered by the
 * golden tests (tests/golden/errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "check.h"
#include "parse.h"

static const char header[] =
  "problem p\n"
  "space x in [0, 2], y in [-1, 1]\n"
  "time t in [0, 3]\n"
  "field u(x, y, t)\n"
  "const D = 0.5 * 2\n"
  "const sigma = D / 10\n"
  "unknown xs = 0.5 in [0, 2]\n"
  "let g(a, b) = a * exp(-b)\n"
  "let s = g(xs, x) * sigma\n"
  "pde dt(u) + grad(u) . (1, 2) - D * lap(u) - dxy(u) = s\n"
  "initial u = 0\n"
  "boundary dn(u) = 0 on x = 2\n"
  "truth {\n set xs = 1.5\n sensors x = 0.5 .. 1.5 count 3, y = 0, t = 0 .. 3 count 4\n}\n";

typedef struct { ast_program *prog; prp_diag diag; char *out; size_t outlen; FILE *f; int errors; } checked;

static void check(checked *c, const char *text) {
  memset(c, 0, sizeof *c);
  c->f = open_memstream(&c->out, &c->outlen);
  prp_diag_init(&c->diag, c->f, 0);
  c->prog = prp_parse_string("t.prp", text, strlen(text), &c->diag);
  if (c->diag.errors == 0) prp_check(c->prog, &c->diag);
  c->errors = c->diag.errors;
  fflush(c->f);
}

static void done(checked *c) {
  ast_program_free(c->prog);
  fclose(c->f);
  free(c->out);
}

static void test_problem_summary(void **state) {
  checked c;
  check(&c, header);
  if (c.errors) fprintf(stderr, "%s", c.out);
  assert_int_equal(c.errors, 0);
  const prp_problem *pb = &c.prog->problem;
  assert_int_equal(pb->ncoords, 3);
  assert_int_equal(pb->nspace, 2);
  assert_true(pb->has_time);
  assert_int_equal(pb->time_index, 2);
  assert_string_equal(pb->coords[1]->name, "y");
  assert_true(pb->lo[1] == -1 && pb->hi[2] == 3);
  assert_string_equal(pb->field->name, "u");
  assert_int_equal(pb->nunknowns, 1);
  assert_int_equal(pb->nconsts, 2);
  assert_true(pb->consts[1]->value == 0.1);
  assert_int_equal(pb->time_order, 1);
  assert_non_null(pb->truth);
  assert_int_equal(pb->nboundaries, 1);
  assert_int_equal(pb->boundaries[0]->faces[0].coord_index, 0);
  assert_int_equal(pb->boundaries[0]->faces[0].upper, 1);
  done(&c);
}

static void test_derivatives_rewritten(void **state) {
  checked c;
  check(&c, header);
  const ast_expr *lhs = c.prog->problem.pde->lhs;   /* ((dt + dot) - D*lap) - dxy */
  const ast_expr *dxy = lhs->rhs;
  assert_int_equal(dxy->kind, AST_DERIV);
  assert_int_equal(dxy->deriv, DERIV_PARTIAL);
  assert_int_equal(dxy->orders[0], 1);
  assert_int_equal(dxy->orders[1], 1);
  assert_int_equal(dxy->orders[2], 0);
  const ast_expr *lap = lhs->lhs->rhs->rhs;
  assert_int_equal(lap->kind, AST_DERIV);
  assert_int_equal(lap->deriv, DERIV_LAP);
  const ast_expr *dt = lhs->lhs->lhs->lhs;
  assert_int_equal(dt->orders[2], 1);
  const ast_expr *dot = lhs->lhs->lhs->rhs;
  assert_int_equal(dot->kind, AST_DOT);
  assert_int_equal(dot->lhs->deriv, DERIV_GRAD);
  assert_int_equal(c.prog->problem.boundaries[0]->lhs->deriv, DERIV_NORMAL);
  done(&c);
}

static void test_names_resolve(void **state) {
  checked c;
  check(&c, header);
  ast_symbol *s = prp_lookup(c.prog, "s");
  assert_non_null(s);
  assert_int_equal(s->kind, SYM_LET);
  const ast_expr *call = s->decl->value->lhs;      /* g(xs, x) */
  assert_int_equal(call->sym->kind, SYM_FUNC);
  assert_int_equal(call->args[0]->sym->kind, SYM_UNKNOWN);
  assert_int_equal(call->args[1]->sym->kind, SYM_COORD);
  ast_symbol *g = prp_lookup(c.prog, "g");
  assert_int_equal(g->decl->value->lhs->sym->kind, SYM_PARAM);  /* a inside g */
  assert_int_equal(g->decl->value->rhs->args[0]->lhs->sym->index, 1);  /* b */
  assert_null(prp_lookup(c.prog, "nonexistent"));
  done(&c);
}

static void test_const_eval(void **state) {
  checked c;
  check(&c, "problem p\nspace x in [0, 1]\nfield u(x)\nconst a = 2\nlet sq(v) = v^2\n"
            "const b = sq(a) + max(1, 3) - sqrt(16) * cos(0) + pi\npde dxx(u) = 0\nsensors from \"/dev/null\"\n");
  assert_int_equal(c.errors, 1);  /* /dev/null is not a regular file */
  double v;
  ast_symbol *b = prp_lookup(c.prog, "b");
  assert_true(prp_const_eval(b->decl->value, &v));
  assert_true(fabs(v - (4 + 3 - 4 + M_PI)) < 1e-15);
  ast_symbol *x = prp_lookup(c.prog, "x");
  assert_int_equal(x->kind, SYM_COORD);
  done(&c);
}

static void test_schedules_checked(void **state) {
  char text[4096];
  snprintf(text, sizeof text, "%s%s", header,
           "relax {\n smoothing eps from 0.1 to 0 until 60% cosine\n"
           " dilatation sigma from 0.5 to sigma until 2000 linear conserve mass\n"
           " nudging eta from 5 to 0 until 40% exp width 0.05\n}\n");
  checked c;
  check(&c, text);
  if (c.errors) fprintf(stderr, "%s", c.out);
  assert_int_equal(c.errors, 0);
  const ast_decl *r = c.prog->problem.relax;
  assert_int_equal(r->schedules[0].kind, RELAX_SMOOTHING);
  assert_string_equal(r->schedules[0].shape, "cosine");
  assert_int_equal(r->schedules[1].kind, RELAX_DILATATION);
  assert_true(r->schedules[1].to_value == 0.1);
  assert_true(r->schedules[1].conserve_mass);
  assert_false(r->schedules[1].until_percent);
  assert_ptr_equal(r->schedules[1].target, prp_lookup(c.prog, "sigma"));
  assert_true(r->schedules[2].width == 0.05);
  done(&c);
}

static void test_truth_scope_shadows(void **state) {
  /* a truth-local let may use a name the model also defines; the model's
   * definitions keep seeing their own */
  checked c;
  check(&c, "problem p\nspace x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\nlet v = 1\n"
            "pde dt(u) + v * dx(u) = 0\ntruth {\n let v = 2\n pde dt(u) + v * dx(u) = 0\n"
            " sensors x = 0.5, t = 1\n}\n");
  if (c.errors) fprintf(stderr, "%s", c.out);
  assert_int_equal(c.errors, 0);
  const ast_decl *truth = c.prog->problem.truth;
  const ast_expr *model_v = c.prog->problem.pde->lhs->rhs->lhs;
  const ast_expr *truth_v = truth->items[1]->lhs->rhs->lhs;
  assert_ptr_not_equal(model_v->sym, truth_v->sym);
  assert_ptr_equal(truth_v->sym, truth->items[0]->sym);
  done(&c);
}

static void test_errors_are_counted_and_capped(void **state) {
  char text[8192] = "problem p\n";
  for (int i = 0; i < 40; i++) snprintf(text + strlen(text), sizeof text - strlen(text), "const c%d = nope%d\n", i, i);
  checked c;
  check(&c, text);
  assert_int_equal(c.errors, 21);  /* 20 reported, then the cap */
  assert_non_null(strstr(c.out, "too many errors (20)"));
  assert_null(strstr(c.out, "nope25"));
  done(&c);
}

static void test_imports_resolve(void **state) {
  checked c;
  check(&c, "problem p\nimport std.sources\nspace x in [0, 1]\ntime t in [0, 1]\nfield u(x, t)\n"
            "pde dt(u) = gaussian1d(x, 0.5, 0.1)\ntruth {\n sensors x = 0.5, t = 1\n}\n");
  if (c.errors) fprintf(stderr, "%s", c.out);
  assert_int_equal(c.errors, 0);
  ast_symbol *g = prp_lookup(c.prog, "gaussian1d");
  assert_non_null(g);
  assert_int_equal(g->arity, 3);
  assert_non_null(g->decl->module);
  assert_true(c.prog->nsources >= 2);
  done(&c);
}

int main(void) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_problem_summary),
    cmocka_unit_test(test_derivatives_rewritten),
    cmocka_unit_test(test_names_resolve),
    cmocka_unit_test(test_const_eval),
    cmocka_unit_test(test_schedules_checked),
    cmocka_unit_test(test_truth_scope_shadows),
    cmocka_unit_test(test_errors_are_counted_and_capped),
    cmocka_unit_test(test_imports_resolve),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
