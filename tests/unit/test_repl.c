/* Tests of the REPL's engine (compiler/repl/repl*.c) through prp_repl_exec: a
 * redefinition removes the old kernel from the JIT (twice in a row), errors
 * leave the problem and the trained state as they were, training in pieces
 * equals one run, weights survive edits that keep the network's shape, `set`
 * edits the text where it should, and saved states restore exactly. */
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
#include "repl_state.h"

static const char problem[] = PRP_SOURCE_DIR "/tests/repl/poisson1d.prp";

typedef struct {
  prp_repl *r;
  char *out, *err;
  size_t out_len, err_len;
  FILE *out_f, *err_f;
} session;

static void open_session(session *s) {
  memset(s, 0, sizeof *s);
  s->out_f = open_memstream(&s->out, &s->out_len);
  s->err_f = open_memstream(&s->err, &s->err_len);
  s->r = prp_repl_new(s->out_f, s->err_f, 0);
  char line[600];
  snprintf(line, sizeof line, "load %s", problem);
  assert_int_equal(prp_repl_exec(s->r, line, "<test>", 1), 0);
}

static void close_session(session *s) {
  prp_repl_free(s->r);
  fclose(s->out_f);
  fclose(s->err_f);
  free(s->out);
  free(s->err);
}

static int run(session *s, const char *line) { return prp_repl_exec(s->r, line, "<test>", 1); }

/* The name of the JIT symbol at address, among the REPL's kernels. */
static int kernel_symbol(session *s, void *address, char *name, size_t len) {
  for (long k = 1; k <= s->r->kernels_made; k++) {
    snprintf(name, len, "prp_repl_kernel_%ld", k);
    if (prp_jit_lookup(s->r->jit, name) == address) return 1;
  }
  return 0;
}

static void *pde_kernel(session *s) { return (void *)s->r->plan->problem.terms[0].kernel; }

static void test_redefinition_removes_old_code(void **state) {
  session s;
  open_session(&s);
  assert_int_equal(s.r->nkernels, 3);
  char first[64], second[64], boundary[64];
  assert_true(kernel_symbol(&s, pde_kernel(&s), first, sizeof first));
  assert_true(kernel_symbol(&s, (void *)s.r->plan->problem.terms[1].kernel, boundary, sizeof boundary));
  assert_int_equal(run(&s, "pde dxx(u) = -2 * q * pi^2 * sin(pi * x)"), 0);
  assert_int_equal(s.r->nkernels, 3);
  assert_int_equal(s.r->compiled, 1);
  assert_int_equal(s.r->removed, 1);
  assert_null(prp_jit_lookup(s.r->jit, first));           /* the old PDE kernel is gone */
  assert_non_null(prp_jit_lookup(s.r->jit, boundary));    /* the unchanged ones stay */
  assert_true(kernel_symbol(&s, pde_kernel(&s), second, sizeof second));
  assert_string_not_equal(first, second);
  assert_int_equal(run(&s, "pde dxx(u) + 0.1 * u = -q * pi^2 * sin(pi * x)"), 0);
  assert_int_equal(s.r->nkernels, 3);
  assert_null(prp_jit_lookup(s.r->jit, second));
  assert_non_null(prp_jit_lookup(s.r->jit, boundary));
  assert_int_equal(run(&s, "train 5"), 0);                 /* the new kernel runs */
  assert_true(strstr(s.r->text, "pde dxx(u) + 0.1 * u = -q * pi^2 * sin(pi * x)\n") != NULL);
  close_session(&s);
}

static void test_errors_keep_everything(void **state) {
  session s;
  open_session(&s);
  assert_int_equal(run(&s, "train 20"), 0);
  char *text = strdup(s.r->text);
  size_t n = prp_trainer_size(s.r->trainer);
  double *x = malloc(n * sizeof *x);
  memcpy(x, prp_trainer_params(s.r->trainer), n * sizeof *x);
  const char *bad[] = {"trian 5", "unknown q = 0.5 in [0, zz]", "pde dxx(u) = -q * (pi", "set nope 1",
                       "nudging eta from 5 to 1 until 50% linear", "epochs -5", "eval u(1, 2)", "load /nonexistent.prp",
                       "restore /nonexistent.prpstate", "train 0", "sweep q"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(run(&s, bad[i]), 1);
    assert_string_equal(s.r->text, text);
    assert_int_equal(repl_epoch(s.r), 20);
    assert_memory_equal(prp_trainer_params(s.r->trainer), x, n * sizeof *x);
  }
  fflush(s.err_f);
  assert_non_null(strstr(s.err, "<test>:1:1: error: unknown command 'trian'"));
  assert_non_null(strstr(s.err, "error: undefined name 'zz'"));
  assert_int_equal(run(&s, "train 5"), 0);
  assert_int_equal(repl_epoch(s.r), 25);
  free(text);
  free(x);
  close_session(&s);
}

static void test_training_in_pieces_is_one_run(void **state) {
  session a, b;
  open_session(&a);
  open_session(&b);
  assert_int_equal(run(&a, "train 70"), 0);
  assert_int_equal(run(&a, "train 30"), 0);
  assert_int_equal(run(&a, "train 50"), 0);
  assert_int_equal(run(&b, "train 150"), 0);
  size_t n = prp_trainer_size(a.r->trainer);
  assert_int_equal(n, prp_trainer_size(b.r->trainer));
  assert_memory_equal(prp_trainer_params(a.r->trainer), prp_trainer_params(b.r->trainer), n * sizeof(double));
  close_session(&a);
  close_session(&b);
}

static void test_weights_survive_edits(void **state) {
  session s;
  open_session(&s);
  assert_int_equal(run(&s, "train 40"), 0);
  size_t np = prp_trainer_network(s.r->trainer)->n_params;
  double *w = malloc(np * sizeof *w);
  memcpy(w, prp_trainer_params(s.r->trainer), np * sizeof *w);
  double q = repl_unknown_now(s.r, 0);
  assert_int_equal(run(&s, "const c = 2"), 0);
  assert_memory_equal(prp_trainer_params(s.r->trainer), w, np * sizeof *w);
  assert_true(repl_unknown_now(s.r, 0) == q || fabs(repl_unknown_now(s.r, 0) - q) < 1e-12);
  assert_int_equal(run(&s, "unknown q = 3 in [0, 5]"), 0);      /* a new guess restarts q */
  assert_true(fabs(repl_unknown_now(s.r, 0) - 3) < 1e-12);
  assert_memory_equal(prp_trainer_params(s.r->trainer), w, np * sizeof *w);
  assert_int_equal(repl_epoch(s.r), 40);
  assert_int_equal(run(&s, "network mlp(8, 8) tanh"), 0);       /* another shape: new weights */
  assert_int_not_equal(prp_trainer_network(s.r->trainer)->n_params, np);
  free(w);
  close_session(&s);
}

static void test_set_edits_the_text(void **state) {
  session s;
  open_session(&s);
  assert_int_equal(run(&s, "set lr 1e-2"), 0);
  assert_non_null(strstr(s.r->text, "optimizer adam lr 1e-2 unknowns_lr 2e-2\n"));
  assert_int_equal(run(&s, "set resample 50"), 0);
  assert_non_null(strstr(s.r->text, "collocation 128 sobol resample 50\n"));
  assert_int_equal(run(&s, "set eta.from 7"), 0);
  assert_int_equal(run(&s, "set eta.width 0.1"), 0);
  assert_non_null(strstr(s.r->text, "nudging eta from 7 to 0 until 50% linear width 0.1\n"));
  assert_int_equal(run(&s, "set q 1.5"), 0);
  assert_non_null(strstr(s.r->text, "unknown q = 1.5 in [0, 5]\n"));
  assert_int_equal(run(&s, "set epochs 123"), 0);
  assert_int_equal(s.r->plan->problem.epochs, 123);
  assert_int_equal(run(&s, "smoothing eps from 0.01 to 0 until 30% cosine"), 0);
  assert_non_null(strstr(s.r->text, "  smoothing eps from 0.01 to 0 until 30% cosine\n}"));
  assert_int_equal(run(&s, "relax off"), 0);
  assert_false(s.r->plan->problem.relaxed);
  assert_int_equal(run(&s, "nudging eta from 1 to 0 until 20% linear"), 0);
  assert_non_null(strstr(s.r->text, "relax {\n  nudging eta from 1 to 0 until 20% linear\n}"));
  assert_true(s.r->plan->problem.relaxed);
  assert_int_equal(run(&s, "set relax off"), 0);
  assert_false(s.r->plan->problem.relaxed);
  close_session(&s);
}

static void test_state_round_trip(void **state) {
  session s;
  open_session(&s);
  char path[] = "/tmp/prp-repl-state-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  char line[128];
  assert_int_equal(run(&s, "train 30"), 0);
  snprintf(line, sizeof line, "save %s", path);
  assert_int_equal(run(&s, line), 0);
  size_t n = prp_trainer_size(s.r->trainer);
  double *x = malloc(n * sizeof *x);
  memcpy(x, prp_trainer_params(s.r->trainer), n * sizeof *x);
  assert_int_equal(run(&s, "train 10"), 0);
  snprintf(line, sizeof line, "restore %s", path);
  assert_int_equal(run(&s, line), 0);
  assert_int_equal(repl_epoch(s.r), 30);
  const double *now = prp_trainer_params(s.r->trainer);
  for (size_t i = 0; i + 1 < n; i++) assert_true(now[i] == x[i]);
  assert_true(fabs(now[n - 1] - x[n - 1]) < 1e-9);   /* the unknown, through its transform */
  unlink(path);
  free(x);
  close_session(&s);
}

static void add_word(void *ctx, const char *w) {
  char *words = ctx;
  if (strlen(words) + strlen(w) + 3 < 4096) strcat(strcat(strcat(words, " "), w), " ");
}

static void test_completion(void **state) {
  session s;
  open_session(&s);
  char words[4096] = "";
  prp_repl_complete(s.r, "", "", add_word, words);
  assert_non_null(strstr(words, " train "));
  assert_non_null(strstr(words, " unknown "));
  words[0] = '\0';
  prp_repl_complete(s.r, "set ", "", add_word, words);
  assert_non_null(strstr(words, " q "));        /* the problem's unknown */
  assert_non_null(strstr(words, " c "));        /* and constant */
  assert_non_null(strstr(words, " eta.from ")); /* a schedule field */
  assert_non_null(strstr(words, " epochs "));
  words[0] = '\0';
  prp_repl_complete(s.r, "show ", "", add_word, words);
  assert_non_null(strstr(words, " unknowns "));
  assert_null(strstr(words, " train "));
  close_session(&s);
}

int main(void) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_redefinition_removes_old_code),
    cmocka_unit_test(test_errors_keep_everything),
    cmocka_unit_test(test_training_in_pieces_is_one_run),
    cmocka_unit_test(test_weights_survive_edits),
    cmocka_unit_test(test_set_edits_the_text),
    cmocka_unit_test(test_state_round_trip),
    cmocka_unit_test(test_completion),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
