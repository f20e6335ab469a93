/* Tests of the training step's threads (train_session.c, pool.c): the loss, the
 * gradient and a few Adam steps of plume2d are bitwise the same on 1, 2 and 3
 * threads, in f32 and f64, with enough points for several chunks per lane. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "optim.h"
#include "parse.h"
#include "plan.h"
#include "pool.h"
#include "train.h"

enum { N_OBS = 40, STEPS = 4 };

static prp_jit *jit;
static ast_program *prog;

/* The loss history and final parameters after STEPS Adam steps on `threads` threads. */
static void run_steps(int precision, int threads, double *losses, double **params, size_t *n) {
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  double x[N_OBS * 3], u[N_OBS];
  for (int i = 0; i < N_OBS; i++) {
    x[3 * i] = (i % 4 + 0.5) / 4, x[3 * i + 1] = (i / 4 % 4 + 0.5) / 4, x[3 * i + 2] = (i / 16 + 1) / 4.0;
    u[i] = 0.1 * (i % 7);
  }
  prp_plan plan;
  prp_plan_options opt = {.relax = 1, .epochs = -1, .seed = -1, .quiet = 1, .precision = precision};
  assert_int_equal(prp_plan_compile(prog, jit, &opt, &diag, N_OBS, x, u, &plan), 0);
  prp_train_problem *tp = &plan.problem;
  tp->n_collocation = 2100;   /* 9 chunks of 256: more chunks than lanes, a short last one */
  tp->n_boundary = 300;
  tp->net.widths[0] = tp->net.widths[1] = tp->net.widths[2] = 12;
  tp->output_dir = NULL;
  tp->threads = threads;
  char *err = NULL;
  prp_train_session *s = prp_train_session_new(tp, &err);
  assert_non_null(s);
  *n = prp_train_session_size(s);
  double *p = prp_train_session_params(s), *g = calloc(*n, sizeof *g);
  prp_adam adam;
  assert_int_equal(prp_adam_init(&adam, *n, 0.9, 0.999, 1e-8), 0);
  for (int k = 0; k < STEPS; k++) {
    prp_train_session_set_progress(s, 0.1 * k);
    losses[k] = prp_train_session_loss_grad(s, p, g);
    prp_adam_step(&adam, p, g, 1e-3, 5e-3);
  }
  *params = malloc(*n * sizeof **params);
  memcpy(*params, p, *n * sizeof **params);
  free(g);
  prp_adam_free(&adam);
  prp_train_session_free(s);
  prp_plan_free(&plan);
}

static void same_on_any_thread_count(int precision) {
  double loss1[STEPS], *p1;
  size_t n1;
  run_steps(precision, 1, loss1, &p1, &n1);
  for (int threads = 2; threads <= 3; threads++) {
    double loss[STEPS], *p;
    size_t n;
    run_steps(precision, threads, loss, &p, &n);
    assert_int_equal(n, n1);
    if (memcmp(loss, loss1, sizeof loss) != 0)
      fail_msg("f%d: the losses on %d threads differ from those on 1 (%.17g vs %.17g)", precision, threads,
               loss[STEPS - 1], loss1[STEPS - 1]);
    if (memcmp(p, p1, n * sizeof *p) != 0)
      fail_msg("f%d: the parameters after %d steps on %d threads differ from those on 1", precision, STEPS, threads);
    free(p);
  }
  assert_true(loss1[0] > 0 && loss1[STEPS - 1] == loss1[STEPS - 1]);
  free(p1);
}

static void test_threads_bitwise_f32(void **state) { same_on_any_thread_count(32); }
static void test_threads_bitwise_f64(void **state) { same_on_any_thread_count(64); }

/* The pool runs each job exactly once, on a valid thread, on every run. */
static int hits[100], bad_thread;
static void count_job(void *ctx, int job, int thread) {
  __atomic_add_fetch(&hits[job], 1, __ATOMIC_RELAXED);
  if (thread < 0 || thread >= *(int *)ctx) __atomic_store_n(&bad_thread, 1, __ATOMIC_RELAXED);
}

static void test_pool_runs_each_job_once(void **state) {
  for (int threads = 1; threads <= 4; threads++) {
    prp_pool *pool = prp_pool_new(threads);
    int have = prp_pool_threads(pool);
    assert_true(have >= 1 && have <= threads);
    for (int run = 0; run < 50; run++) {
      memset(hits, 0, sizeof hits);
      int jobs = run % 2 ? 100 : run % 7;
      prp_pool_run(pool, jobs, count_job, &have);
      for (int j = 0; j < 100; j++) assert_int_equal(hits[j], j < jobs ? 1 : 0);
    }
    assert_int_equal(bad_thread, 0);
    prp_pool_free(pool);
  }
}

static int setup(void **state) {
  jit = prp_jit_create();
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  prog = prp_parse_file(PRP_SOURCE_DIR "/examples/plume2d.prp", &diag);
  return jit && prog && !diag.errors && prp_check(prog, &diag) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  ast_program_free(prog);
  prp_jit_destroy(jit);
  return 0;
}

int main(void) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pool_runs_each_job_once),
    cmocka_unit_test(test_threads_bitwise_f32),
    cmocka_unit_test(test_threads_bitwise_f64),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
