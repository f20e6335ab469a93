/* Tests of `prpc landscape --follow`'s pieces (compiler/driver/landscape_follow*.c): the angle between
 * two gradients, the rows sampled from a history, and history.csv read back (an unfinished
 * last line left out, a bad row in the middle reported). The command itself:
 * tests/landscape_follow.sh. */
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

#include "landscape_follow.h"

static void test_angle(void **state) {
  double x[2] = {1, 0}, y[2] = {0, 2}, d[2] = {1, 1}, md[2] = {-3, -3}, zero[2] = {0, 0};
  assert_true(fabs(prp_follow_angle(x, y, 2) - 90) < 1e-12);
  assert_true(fabs(prp_follow_angle(d, md, 2) - 180) < 1e-12);
  assert_true(fabs(prp_follow_angle(d, d, 2)) < 1e-12);
  assert_true(fabs(prp_follow_angle(x, d, 2) - 45) < 1e-12);
  assert_true(isnan(prp_follow_angle(x, zero, 2)));
  double one[1] = {-0.5}, other[1] = {2};
  assert_true(fabs(prp_follow_angle(one, other, 1) - 180) < 1e-12);   /* 1D: 0 or 180 */
}

static void test_pick_rows(void **state) {
  size_t rows[16];
  assert_int_equal(prp_follow_pick_rows(201, 12, rows), 12);
  assert_int_equal(rows[0], 0);
  assert_int_equal(rows[11], 200);
  for (int i = 1; i < 12; i++) assert_true(rows[i] > rows[i - 1]);
  assert_int_equal(prp_follow_pick_rows(3, 12, rows), 3);   /* fewer rows than samples: all */
  assert_int_equal(rows[0], 0);
  assert_int_equal(rows[1], 1);
  assert_int_equal(rows[2], 2);
  assert_int_equal(prp_follow_pick_rows(60, 3, rows), 3);
  assert_int_equal(rows[1], 30);   /* 29.5 rounds up */
  assert_int_equal(prp_follow_pick_rows(10, 1, rows), 1);
  assert_int_equal(rows[0], 9);    /* one sample: the end of the run */
}

static char *write_text(const char *text) {
  char *path = strdup("/tmp/prp-follow-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

static void test_history_read(void **state) {
  char *path = write_text("epoch,xs,grad_unknowns,dL_dxs\n0,0.1,2,-2\r\n15,0.125,1.5,1.5e-3\n30,0.2,1");
  prp_run_history h;
  char *err = prp_run_history_read(path, &h);
  assert_null(err);
  assert_int_equal(h.ncols, 4);
  assert_int_equal(h.nrows, 2);   /* the unfinished last line is left out */
  assert_int_equal(prp_run_history_column(&h, "dL_dxs"), 3);
  assert_int_equal(prp_run_history_column(&h, "ys"), -1);
  assert_true(h.data[1 * 4 + 3] == 1.5e-3);
  prp_run_history_free(&h);
  unlink(path);
  free(path);
}

static void test_history_errors(void **state) {
  char *path = write_text("epoch,xs\n0,0.1\n15\n30,0.2\n");
  prp_run_history h;
  char *err = prp_run_history_read(path, &h);
  assert_non_null(err);
  assert_non_null(strstr(err, ":3: not a row of 2 numbers"));
  assert_null(h.data);
  free(err);
  unlink(path);
  free(path);
  err = prp_run_history_read("/nonexistent/history.csv", &h);
  assert_string_equal(err, "/nonexistent/history.csv: cannot open: No such file or directory");
  free(err);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_angle),
      cmocka_unit_test(test_pick_rows),
      cmocka_unit_test(test_history_read),
      cmocka_unit_test(test_history_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
