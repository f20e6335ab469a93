/* Unit tests of the progress line (runtime/io/progress.c): duration formatting, the exact
 * line, throttling of the live line and the plain log cadence, with an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"

static void expect_duration(double s, const char *want) {
  char buf[32];
  prp_format_duration(buf, sizeof buf, s);
  assert_string_equal(buf, want);
}

static void test_durations(void **st) {
  (void)st;
  expect_duration(0, "0.0s");
  expect_duration(0.44, "0.4s");
  expect_duration(9.96, "10s");
  expect_duration(59.9, "59s");
  expect_duration(60, "1m00s");
  expect_duration(83, "1m23s");
  expect_duration(3599.9, "59m59s");
  expect_duration(3600, "1h00m");
  expect_duration(7500, "2h05m");
  expect_duration(86399, "23h59m");
  expect_duration(90000, "1d01h");
  expect_duration(-1, "?");
  expect_duration(NAN, "?");
  expect_duration(INFINITY, "?");
}

static const prp_named_value losses[] = {{"loss", 1.234e-3}, {"res", 1e-3}, {"data", 2.34e-4}};
static const prp_named_value unknowns[] = {{"xs", 0.251234}, {"ys", 0.4}};
static const prp_named_value relax[] = {{"eps", 0.0125}, {"eta", 12.5}};

static prp_progress_state at_epoch(size_t epoch) {
  return (prp_progress_state){.epoch = epoch, .losses = losses, .nlosses = 3, .unknowns = unknowns,
                              .nunknowns = 2, .relax = relax, .nrelax = 2};
}

/* A progress writer into memory with a clock starting at 0. */
static prp_progress make(FILE *f, bool live, size_t total, size_t log_every) {
  prp_progress p;
  prp_progress_init(&p, f, total, 0, log_every);
  p.live = live;
  p.width = 200;
  p.start_time = 0;
  return p;
}

static void test_line_contents(void **st) {
  (void)st;
  prp_progress p = make(stdout, false, 20000, 100);
  prp_progress_state s = at_epoch(1200);
  char line[256];
  size_t n = prp_progress_format(&p, &s, 10.0, line, sizeof line);
  assert_string_equal(line, "epoch  1200/20000   6%  loss 1.234e-03 (res 1.00e-03 data 2.34e-04)"
                            "  xs=0.25123 ys=0.4  eps=0.0125 eta=12.5  120 it/s  10s  ETA 2m36s");
  assert_int_equal(n, strlen(line));
  /* the last epoch has no ETA; a run resumed at 1000 counts only its own epochs */
  p.start_epoch = 1000;
  s = at_epoch(20000);
  prp_progress_format(&p, &s, 95.0, line, sizeof line);
  assert_non_null(strstr(line, "  200 it/s  1m35s"));
  assert_null(strstr(line, "ETA"));
  /* truncated like snprintf */
  n = prp_progress_format(&p, &s, 95.0, line, 21);
  assert_int_equal(n, 20);
  assert_string_equal(line, "epoch 20000/20000 10");
  /* no losses, no rate before the first epoch */
  prp_progress_state bare = {.epoch = 0};
  p.start_epoch = 0;
  prp_progress_format(&p, &bare, 1.0, line, sizeof line);
  assert_string_equal(line, "epoch     0/20000   0%");
}

static size_t count_char(const char *s, char c) {
  size_t n = 0;
  for (; *s; s++) n += *s == c;
  return n;
}

static void test_plain_lines_every_k_epochs(void **st) {
  (void)st;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  prp_progress p;
  prp_progress_init(&p, f, 1050, 0, 100);
  assert_false(p.live); /* a memory stream is not a terminal */
  for (size_t e = 1; e <= 1050; e++) {
    prp_progress_state s = at_epoch(e);
    prp_progress_update_at(&p, &s, 0.01 * (double)e);
  }
  prp_progress_state last = at_epoch(1050);
  prp_progress_finish_at(&p, &last, "done", 10.5);
  fclose(f);
  /* epochs 100..1000 (10 lines), the last epoch 1050, then the final line */
  assert_int_equal(count_char(buf, '\n'), 12);
  assert_int_equal(count_char(buf, '\r'), 0);
  assert_non_null(strstr(buf, "epoch  100/1050"));
  assert_null(strstr(buf, "epoch  150/1050"));
  const char *final = strstr(buf, "epoch 1050/1050 100%");
  assert_non_null(final);
  assert_string_equal(buf + len - strlen("  done\n"), "  done\n");
  free(buf);
}

static void test_live_line_is_throttled_and_rewritten(void **st) {
  (void)st;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  prp_progress p = make(f, true, 1000, 100);
  const double times[] = {0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.61, 2.0};
  for (size_t i = 0; i < 8; i++) {
    prp_progress_state s = at_epoch(10 * (i + 1));
    prp_progress_update_at(&p, &s, times[i]);
  }
  fflush(f);
  /* draws at 0.0, 0.3, 0.6 and 2.0 (0.25 s apart at least); nothing ends the line yet */
  assert_int_equal(count_char(buf, '\r'), 4);
  assert_int_equal(count_char(buf, '\n'), 0);
  prp_progress_state s = at_epoch(1000);
  prp_progress_finish_at(&p, &s, "interrupted", 3.0);
  fclose(f);
  assert_int_equal(count_char(buf, '\r'), 5);
  assert_int_equal(count_char(buf, '\n'), 1);
  assert_string_equal(buf + len - strlen("  interrupted\n"), "  interrupted\n");
  free(buf);
}

static void test_live_line_blanks_a_longer_previous_line(void **st) {
  (void)st;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  prp_progress p = make(f, true, 100, 10);
  prp_progress_state s = at_epoch(50);
  prp_progress_update_at(&p, &s, 1.0);
  fflush(f);
  size_t first = len - 1; /* without the leading \r */
  prp_progress_state shorter = {.epoch = 60};
  prp_progress_update_at(&p, &shorter, 2.0);
  fflush(f);
  const char *second = strrchr(buf, '\r') + 1;
  assert_int_equal(strlen(second), first); /* padded with spaces to cover the old text */
  assert_int_equal(second[first - 1], ' ');
  fclose(f);
  free(buf);
}

static void test_live_line_fits_the_terminal(void **st) {
  (void)st;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  prp_progress p = make(f, true, 100, 10);
  p.width = 40;
  prp_progress_state s = at_epoch(50);
  prp_progress_update_at(&p, &s, 1.0);
  fclose(f);
  assert_int_equal(len, 1 + 40);
  free(buf);
}

static volatile sig_atomic_t custom_calls;
static void custom_handler(int sig) { (void)sig; custom_calls++; }

static void test_interrupt_flag_and_restore(void **st) {
  (void)st;
  struct sigaction mine, seen;
  memset(&mine, 0, sizeof mine);
  mine.sa_handler = custom_handler;
  sigemptyset(&mine.sa_mask);
  sigaction(SIGINT, &mine, NULL);
  custom_calls = 0;

  assert_false(prp_interrupt_requested());
  prp_interrupt_install();
  raise(SIGINT);
  assert_true(prp_interrupt_requested());
  assert_int_equal(custom_calls, 0);
  prp_interrupt_clear();
  assert_false(prp_interrupt_requested());

  /* a second signal goes to the previous action (here the custom handler, not death) */
  raise(SIGINT);
  assert_int_equal(custom_calls, 0);
  raise(SIGINT);
  assert_int_equal(custom_calls, 1);

  prp_interrupt_restore();
  sigaction(SIGINT, NULL, &seen);
  assert_ptr_equal(seen.sa_handler, custom_handler);
  raise(SIGINT);
  assert_int_equal(custom_calls, 2);
  assert_true(prp_interrupt_requested()); /* flag stays until cleared */
  prp_interrupt_clear();

  /* installing again starts from a clean flag, and restore twice is harmless */
  prp_interrupt_install();
  assert_false(prp_interrupt_requested());
  prp_interrupt_restore();
  prp_interrupt_restore();
  signal(SIGINT, SIG_DFL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_durations),
      cmocka_unit_test(test_line_contents),
      cmocka_unit_test(test_plain_lines_every_k_epochs),
      cmocka_unit_test(test_live_line_is_throttled_and_rewritten),
      cmocka_unit_test(test_live_line_blanks_a_longer_previous_line),
      cmocka_unit_test(test_live_line_fits_the_terminal),
      cmocka_unit_test(test_interrupt_flag_and_restore),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
