/* Tests of the stepping trainer (runtime/trainer*.c) on the REPL's Poisson problem:
 * steps in pieces equal one step, the callback stops training, the history has
 * its layout and rows, a loss that is not finite puts the last finite state back,
 * checkpoints and state files bring back parameters, epochs and history, and a
 * trainer of a re-planned problem carries the state over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "support_poisson.h"

static void plan_problem(planned *p) {
  plan_source(p, NULL, -1);
  p->plan.problem.log_every = 10;
}

static void assert_same_params(const prp_trainer *a, const prp_trainer *b) {
  assert_int_equal(prp_trainer_size(a), prp_trainer_size(b));
  assert_memory_equal(prp_trainer_params(a), prp_trainer_params(b), prp_trainer_size(a) * sizeof(double));
}

static void test_steps_in_pieces_are_one_step(void **state) {
  planned p;
  plan_problem(&p);
  prp_trainer *a = trainer_of(&p), *b = trainer_of(&p);
  assert_int_equal(prp_trainer_step(a, 23, NULL, NULL), PRP_TRAINER_DONE);
  assert_int_equal(prp_trainer_step(a, 37, NULL, NULL), PRP_TRAINER_DONE);
  assert_int_equal(prp_trainer_step(b, 60, NULL, NULL), PRP_TRAINER_DONE);
  assert_int_equal(prp_trainer_epochs_done(a), 60);
  assert_same_params(a, b);
  /* rows every 10 epochs and at the last epoch of each step: 0..50, 22 and 59 (a); 0..50, 59 (b) */
  size_t na, nb, ncols;
  const double *ra = prp_trainer_history(a, &na, &ncols);
  prp_trainer_history(b, &nb, &ncols);
  assert_int_equal(nb, 7);
  assert_int_equal(na, 8);
  assert_true(ra[3 * ncols] == 22 && ra[7 * ncols] == 59);
  prp_trainer_free(a);
  prp_trainer_free(b);
  free_problem(&p);
}

static int stop_at_7(void *ctx, const prp_trainer *t, const prp_trainer_epoch *e) {
  int *calls = ctx;
  ++*calls;
  assert_int_equal(e->epoch, prp_trainer_epochs_done(t));
  assert_true(isfinite(e->loss) && isfinite(e->term_loss[0]));
  return e->epoch == 7;
}

static void test_callback_stops(void **state) {
  planned p;
  plan_problem(&p);
  prp_trainer *t = trainer_of(&p);
  int calls = 0;
  assert_int_equal(prp_trainer_step(t, 100, stop_at_7, &calls), PRP_TRAINER_STOPPED);
  assert_int_equal(calls, 7);
  assert_int_equal(prp_trainer_epochs_done(t), 7);
  prp_trainer_free(t);
  free_problem(&p);
}

static void test_history_layout(void **state) {
  planned p;
  plan_problem(&p);
  prp_trainer *t = trainer_of(&p);
  prp_trainer_step(t, 1, NULL, NULL);
  size_t n, ncols;
  const double *rows = prp_trainer_history(t, &n, &ncols);
  const char *const *names = prp_trainer_history_names(t);
  const char *want[] = {"epoch", "loss", "loss_residual", "loss_boundary_x_lo", "loss_boundary_x_hi", "loss_data", "q",
                        "eta", "grad_unknowns", "dL_dq"};
  assert_int_equal(ncols, sizeof want / sizeof *want);
  for (size_t c = 0; c < ncols; c++) assert_string_equal(names[c], want[c]);
  assert_int_equal(prp_trainer_history_unknowns(t), 6);
  assert_int_equal(prp_trainer_history_schedules(t), 7);
  assert_int_equal(n, 1);
  assert_true(rows[0] == 0);
  assert_true(fabs(rows[6] - 0.5) < 1e-12);   /* q at its guess */
  assert_true(rows[7] == 5);                  /* eta at its start */
  assert_true(rows[8] == fabs(rows[9]));
  double sum = 0;
  for (int i = 0; i < 4; i++) sum += rows[2 + i];
  assert_true(fabs(sum - rows[1]) <= 1e-12 * rows[1]);
  prp_trainer_free(t);
  free_problem(&p);
}

static void test_not_finite_keeps_the_last_finite_state(void **state) {
  planned p;
  plan_problem(&p);
  p.plan.problem.lr = 1e306;   /* the first step throws the weights out of range */
  prp_trainer *t = trainer_of(&p);
  assert_int_equal(prp_trainer_step(t, 5, NULL, NULL), PRP_TRAINER_NOT_FINITE);
  long done = prp_trainer_epochs_done(t);
  assert_true(done >= 1 && done < 5);
  prp_trainer_epoch e;
  prp_trainer_last(t, &e);
  if (!isfinite(e.loss)) assert_true(prp_trainer_bad_term(t) >= 0);
  const double *x = prp_trainer_params(t);
  for (size_t i = 0; i < prp_trainer_size(t); i++) assert_true(isfinite(x[i]));
  assert_true(isfinite(prp_trainer_evaluate(t)));
  prp_trainer_free(t);
  free_problem(&p);
}

static void test_checkpoint_and_state_file(void **state) {
  planned p;
  plan_problem(&p);
  prp_trainer *t = trainer_of(&p), *ref = trainer_of(&p);
  prp_trainer_step(t, 25, NULL, NULL);
  prp_trainer_step(ref, 25, NULL, NULL);
  char path[] = "/tmp/prp-trainer-state-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_null(prp_trainer_save(t, path));
  prp_trainer_checkpoint *c = prp_trainer_checkpoint_take(t);
  prp_trainer_step(t, 30, NULL, NULL);
  assert_int_equal(prp_trainer_checkpoint_put(t, c), 0);
  assert_int_equal(prp_trainer_epochs_done(t), 25);
  assert_same_params(t, ref);
  size_t n, nref, ncols;
  prp_trainer_history(t, &n, &ncols);
  prp_trainer_history(ref, &nref, &ncols);
  assert_int_equal(n, nref);
  prp_trainer_checkpoint_free(c);

  prp_trainer_step(t, 30, NULL, NULL);
  assert_null(prp_trainer_restore(t, path));
  assert_int_equal(prp_trainer_epochs_done(t), 25);
  const double *rows = prp_trainer_history(t, &n, &ncols);
  assert_true(n > 0 && rows[(n - 1) * ncols] < 25);   /* rows from epoch 25 on dropped */
  size_t np = prp_trainer_network(t)->n_params;
  assert_memory_equal(prp_trainer_params(t), prp_trainer_params(ref), np * sizeof(double));
  assert_true(fabs(prp_trainer_unknown(t, 0) - prp_trainer_unknown(ref, 0)) < 1e-12);
  unlink(path);
  char *err = prp_trainer_restore(t, "/nonexistent/state.prpstate");
  assert_non_null(err);
  free(err);
  assert_int_equal(prp_trainer_epochs_done(t), 25);
  prp_trainer_free(t);
  prp_trainer_free(ref);
  free_problem(&p);
}

static void test_carry_over(void **state) {
  planned p, q;
  plan_problem(&p);
  plan_problem(&q);
  q.plan.problem.lr = 1e-2;   /* an edit that keeps the network */
  prp_trainer *old = trainer_of(&p);
  prp_trainer_step(old, 20, NULL, NULL);
  prp_trainer *t = trainer_of(&q);
  assert_int_equal(prp_trainer_carry_over(t, old, NULL), 1);
  assert_int_equal(prp_trainer_epochs_done(t), 20);
  assert_true(fabs(prp_trainer_unknown(t, 0) - prp_trainer_unknown(old, 0)) < 1e-12);
  size_t np = prp_trainer_network(t)->n_params, n, nold, ncols;
  assert_memory_equal(prp_trainer_params(t), prp_trainer_params(old), np * sizeof(double));
  prp_trainer_history(t, &n, &ncols);
  prp_trainer_history(old, &nold, &ncols);
  assert_int_equal(n, nold);
  prp_trainer_free(t);

  t = trainer_of(&q);
  assert_int_equal(prp_trainer_carry_over(t, old, "q"), 1);   /* q restarts from its guess */
  assert_true(fabs(prp_trainer_unknown(t, 0) - 0.5) < 1e-12);
  prp_trainer_free(t);

  free_problem(&q);
  plan_problem(&q);
  q.plan.problem.net.widths[1] = 8;   /* another shape: the new weights stay */
  t = trainer_of(&q);
  prp_trainer *fresh = trainer_of(&q);
  assert_int_equal(prp_trainer_carry_over(t, old, NULL), 0);
  assert_memory_equal(prp_trainer_params(t), prp_trainer_params(fresh), prp_trainer_network(t)->n_params * sizeof(double));
  prp_trainer_free(t);
  prp_trainer_free(fresh);
  prp_trainer_free(old);
  free_problem(&p);
  free_problem(&q);
}

int main(void) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_steps_in_pieces_are_one_step),
    cmocka_unit_test(test_callback_stops),
    cmocka_unit_test(test_history_layout),
    cmocka_unit_test(test_not_finite_keeps_the_last_finite_state),
    cmocka_unit_test(test_checkpoint_and_state_file),
    cmocka_unit_test(test_carry_over),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
