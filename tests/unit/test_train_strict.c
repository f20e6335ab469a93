/* Tests of the strict phase, the train option `strict N resample K` (runtime/train/
 * train_schedule.c, the trainer, prp_train_run): on the REPL's Poisson problem, 30
 * epochs then `strict 20 resample 5` train 50 epochs in all, the first 30 exactly as
 * without the line; the unknowns move at their full rate from epoch 30 on; the
 * collocation points are redrawn at epochs 30, 35, 40 and 45 (looking inside the
 * trainer: trainer_internal.h) and, without the line, never past the epochs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support_poisson.h"
#include "trainer_internal.h"

enum { EPOCHS = 30, STRICT = 20, TOTAL = EPOCHS + STRICT };

/* The problem file, its collocation line with `collocation` appended (" resample 7" or
 * "") and the train line `strict` added ("" for none), planned for 30 epochs. */
static void plan_with(planned *p, const char *collocation, const char *strict) {
  FILE *f = fopen(problem_path, "rb");
  assert_non_null(f);
  static char file[4096], text[4096];
  size_t n = fread(file, 1, sizeof file - 1, f);
  fclose(f);
  file[n] = '\0';
  const char *line = "collocation 128 sobol";
  char *at = strstr(file, line);
  assert_non_null(at);
  at += strlen(line);
  snprintf(text, sizeof text, "%.*s%s\n  %s%s", (int)(at - file), file, collocation, strict, at);
  plan_source(p, text, EPOCHS);
}

/* The line sets the problem; the epochs are the file's, not the strict phase's. */
static void test_the_line_sets_the_problem(void **state) {
  planned p, q;
  plan_with(&p, "", "strict 20 resample 5");
  plan_with(&q, "", "strict 20");
  assert_int_equal(p.plan.problem.strict_epochs, STRICT);
  assert_int_equal(p.plan.problem.strict_resample, 5);
  assert_int_equal(q.plan.problem.strict_resample, 100);
  assert_int_equal(p.plan.problem.epochs, EPOCHS);
  assert_int_equal(prp_train_total_epochs(&p.plan.problem), TOTAL);
  free_problem(&p);
  free_problem(&q);
  plan_with(&p, "", "");   /* no line: no strict phase */
  assert_int_equal(p.plan.problem.strict_epochs, 0);
  assert_int_equal(prp_train_total_epochs(&p.plan.problem), EPOCHS);
  free_problem(&p);
}

/* The unknowns' rate: slowed once the relaxation has ended (at 50%), full in the strict
 * phase (and past it, as the REPL's train goes on); without the line, slowed still. */
static void test_unknowns_at_full_rate(void **state) {
  planned p, q;
  plan_with(&p, "", "strict 20 resample 5");
  plan_with(&q, "", "");
  const prp_train_problem *pb = &p.plan.problem, *plain = &q.plan.problem;
  double f = pb->unknowns_slowdown;
  assert_true(f > 0 && f < 1);
  assert_true(fabs(prp_train_unknowns_rate(pb, EPOCHS - 1, 1) - f) < 1e-15);
  assert_false(prp_train_strict_phase(pb, EPOCHS - 1));
  for (int e = EPOCHS; e < TOTAL + 10; e++) {
    assert_true(prp_train_strict_phase(pb, e));
    assert_true(prp_train_unknowns_rate(pb, e, 1) == 1);
    assert_false(prp_train_strict_phase(plain, e));
    assert_true(fabs(prp_train_unknowns_rate(plain, e, 1) - f) < 1e-15);
  }
  free_problem(&p);
  free_problem(&q);
}

/* ---- the points ------------------------------------------------------------------------ */

typedef struct {
  const double *points;   /* the residual term's points (moved in place when redrawn) */
  size_t n;
  double *seen;           /* a copy as of the last epoch */
  int redrawn[TOTAL + 10], nredrawn;
} watch;

static const term_state *residual_term(const prp_trainer *t) {
  for (int i = 0; i < t->pb->n_terms; i++)
    if (t->pb->terms[i].kind == PRP_TERM_KIND_PDE) return &t->s->terms[i];
  fail_msg("no residual term");
  return NULL;
}

/* After each epoch: was it trained on other points than the epoch before? */
static int note_redraws(void *ctx, const prp_trainer *t, const prp_trainer_epoch *e) {
  (void)t;
  watch *w = ctx;
  if (memcmp(w->seen, w->points, w->n * sizeof(double)) != 0) w->redrawn[w->nredrawn++] = (int)e->epoch - 1;
  memcpy(w->seen, w->points, w->n * sizeof(double));
  return 0;
}

/* The epochs (at most 60) before which a trainer of this problem redrew its points. */
static int redraws(const char *collocation, const char *strict, long epochs, int *at) {
  planned p;
  plan_with(&p, collocation, strict);
  prp_trainer *t = trainer_of(&p);
  const term_state *r = residual_term(t);
  watch w = {r->x, r->n * (size_t)p.plan.problem.n_inputs, NULL, {0}, 0};
  w.seen = malloc(w.n * sizeof(double));
  memcpy(w.seen, w.points, w.n * sizeof(double));
  assert_int_equal(prp_trainer_step(t, epochs, note_redraws, &w), PRP_TRAINER_DONE);
  memcpy(at, w.redrawn, (size_t)w.nredrawn * sizeof(int));
  free(w.seen);
  prp_trainer_free(t);
  free_problem(&p);
  return w.nredrawn;
}

static void assert_redraws(const char *collocation, const char *strict, long epochs, const int *want, int nwant) {
  int at[TOTAL + 10];
  int n = redraws(collocation, strict, epochs, at);
  for (int i = 0; i < n && i < nwant; i++)
    if (at[i] != want[i]) fail_msg("'%s%s': redraw %d at epoch %d, not %d", collocation, strict, i, at[i], want[i]);
  assert_int_equal(n, nwant);
}

static void test_points_redrawn_in_the_strict_phase_only(void **state) {
  static const int strict[] = {30, 35, 40, 45}, both[] = {7, 14, 21, 28, 30, 35, 40, 45}, past[] = {30, 35, 40, 45, 50, 55};
  assert_redraws("", "strict 20 resample 5", TOTAL, strict, 4);
  assert_redraws(" resample 7", "strict 20 resample 5", TOTAL, both, 8);   /* not 42, 49: strict's rule */
  assert_redraws("", "strict 20 resample 5", TOTAL + 10, past, 6);       /* the REPL's train past the strict epochs */
  assert_redraws("", "", TOTAL, NULL, 0);                                /* no line: never */
}

/* ---- whole runs -------------------------------------------------------------------------- */

/* prp_train_run trains the 50 epochs of the trainer; the first 30 are those without the line. */
static void test_run_trains_epochs_then_strict(void **state) {
  planned p, q;
  plan_with(&p, "", "strict 20 resample 5");
  plan_with(&q, "", "");
  prp_trainer *a = trainer_of(&p), *plain = trainer_of(&q);
  prp_trainer_step(a, EPOCHS, NULL, NULL);
  prp_trainer_step(plain, EPOCHS, NULL, NULL);
  assert_memory_equal(prp_trainer_params(a), prp_trainer_params(plain), prp_trainer_size(a) * sizeof(double));
  prp_trainer_step(a, STRICT, NULL, NULL);
  prp_train_result res;
  char *err = prp_train_run(&p.plan.problem, &res);
  assert_null(err);
  assert_int_equal(res.epochs_done, TOTAL);
  assert_int_equal(res.stopped, 0);
  assert_true(res.unknowns[0] == prp_trainer_unknown(a, 0));
  prp_train_run(&q.plan.problem, &res);
  assert_int_equal(res.epochs_done, EPOCHS);
  prp_trainer_free(a);
  prp_trainer_free(plain);
  free_problem(&p);
  free_problem(&q);
}

int main(void) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_the_line_sets_the_problem),
    cmocka_unit_test(test_unknowns_at_full_rate),
    cmocka_unit_test(test_points_redrawn_in_the_strict_phase_only),
    cmocka_unit_test(test_run_trains_epochs_then_strict),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
