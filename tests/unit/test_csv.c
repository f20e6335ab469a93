/* Unit tests of the sensor-file reader and the table writers (runtime/io/csv.c): every error
 * path with its exact message, column reordering, CRLF and comments, writer round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "rng.h"

static const char *const xytu[] = {"x", "y", "t", "u"};
static const prp_interval unit_box[] = {{0, 1}, {0, 1}, {0, 2}};

/* Parses `text` as "sensors.csv" with columns x, y, t, u in the box [0,1]^2 x [0,2]. */
static char *parse(const char *text, prp_table *t) {
  return prp_csv_parse_sensors("sensors.csv", text, strlen(text), xytu, 4, unit_box, 3, t);
}

static void expect_error(const char *text, const char *message) {
  prp_table t;
  char *err = parse(text, &t);
  assert_non_null(err);
  assert_string_equal(err, message);
  assert_null(t.data);
  assert_int_equal(t.nrows, 0);
  free(err);
}

static void test_reads_rows_in_caller_order(void **state) {
  (void)state;
  prp_table t;
  char *err = parse("u, t, x, y\n1.5, 0.5, 0.25, 0.75\n-2e-3,2,0,1\n", &t);
  assert_null(err);
  assert_int_equal(t.nrows, 2);
  assert_int_equal(t.ncols, 4);
  const double want[] = {0.25, 0.75, 0.5, 1.5, 0, 1, 2, -2e-3};
  for (int i = 0; i < 8; i++) assert_true(t.data[i] == want[i]);
  prp_table_free(&t);
  assert_null(t.data);
}

static void test_crlf_comments_quotes_blank_lines(void **state) {
  (void)state;
  prp_table t;
  const char *text = "# sensors of run 7\r\n\r\n\"x\",\"y\" , t,u   # the header\r\n"
                     "0.1,0.2,0.3,0.4\r\n  # a comment line\r\n\t\r\n0.5,0.6,0.7,0.8 # trailing\r\n";
  char *err = parse(text, &t);
  assert_null(err);
  assert_int_equal(t.nrows, 2);
  assert_true(t.data[0] == 0.1 && t.data[3] == 0.4 && t.data[4] == 0.5 && t.data[7] == 0.8);
  prp_table_free(&t);
}

static void test_byte_order_mark_is_skipped(void **state) {
  (void)state;
  prp_table t;
  assert_null(parse("\xef\xbb\xbfx,y,t,u\r\n0.5,0.5,1,2\r\n", &t));
  assert_int_equal(t.nrows, 1);
  assert_true(t.data[0] == 0.5 && t.data[3] == 2);
  prp_table_free(&t);
}

static void test_last_line_without_newline(void **state) {
  (void)state;
  prp_table t;
  assert_null(parse("x,y,t,u\n0,0,0,1", &t));
  assert_int_equal(t.nrows, 1);
  assert_true(t.data[3] == 1.0);
  prp_table_free(&t);
}

static void test_box_is_optional(void **state) {
  (void)state;
  prp_table t;
  const char *text = "x,y,t,u\n5,-5,9,1\n";
  assert_null(prp_csv_parse_sensors("s.csv", text, strlen(text), xytu, 4, NULL, 0, &t));
  assert_true(t.data[0] == 5 && t.data[1] == -5);
  prp_table_free(&t);
}

static void test_short_and_long_rows(void **state) {
  (void)state;
  expect_error("x,y,t,u\n0,0,0,0\n\n# c\n0,0,0\n", "sensors.csv:5: expected 4 values, found 3");
  expect_error("x,y,t,u\n0,0,0,0,0\n", "sensors.csv:2: expected 4 values, found 5");
  expect_error("x,y,t,u\n\n", "sensors.csv: no data rows after the header");
}

static void test_bad_headers(void **state) {
  (void)state;
  expect_error("0.1,0.2,0.3,0.4\n",
               "sensors.csv:1: expected a header naming the columns x, y, t, u, found numbers");
  expect_error("x,y,t,v\n", "sensors.csv:1: unknown column 'v' (expected x, y, t, u)");
  expect_error("x,y,t\n", "sensors.csv:1: missing column 'u' (expected x, y, t, u)");
  expect_error("x,y,x,t,u\n", "sensors.csv:1: column 'x' appears twice");
  expect_error("x,,y,t,u\n", "sensors.csv:1: empty column name (column 2)");
  expect_error("x,y,t,u,extra\n", "sensors.csv:1: unknown column 'extra' (expected x, y, t, u)");
  expect_error("X,Y,T,U\n", "sensors.csv:1: unknown column 'X' (expected x, y, t, u)");
  expect_error("x;y;t;u\n", "sensors.csv:1: columns must be separated by commas, found ';'");
  expect_error("x\ty\tt\tu\n", "sensors.csv:1: columns must be separated by commas, found tabs");
  /* a line that is no header is not repeated (the file may be anything) */
  expect_error("root:x:0:0:root:/root:/bin/bash\n",
               "sensors.csv:1: column 1 is not a column name (expected a header naming the columns x, y, t, u; "
               "is this a sensor file?)");
  /* CR-only line endings, and at most 80 bytes of a bad value */
  prp_table t;
  assert_null(parse("x,y,t,u\r0.1,0.2,0.3,0.4\r0.5,0.6,0.7,0.8\r", &t));
  assert_int_equal(t.nrows, 2);
  prp_table_free(&t);
  char line[400] = "x,y,t,u\n0,0,0,";
  size_t head = strlen(line);
  memset(line + head, 'z', 300);
  char want[200];
  snprintf(want, sizeof want, "sensors.csv:2: column 'u': '%.80s...' is not a number", line + head);
  expect_error(line, want);
}

static void test_bad_values(void **state) {
  (void)state;
  expect_error("x,y,t,u\n0,abc,0,0\n", "sensors.csv:2: column 'y': 'abc' is not a number");
  expect_error("x,y,t,u\n0,0.5x,0,0\n", "sensors.csv:2: column 'y': '0.5x' is not a number");
  expect_error("x,y,t,u\n0,,0,0\n", "sensors.csv:2: column 'y': empty value");
  expect_error("x,y,t,u\n0,0,0,nan\n", "sensors.csv:2: column 'u': 'nan' is not a finite number");
  expect_error("x,y,t,u\n0,0,0,-inf\n", "sensors.csv:2: column 'u': '-inf' is not a finite number");
  expect_error("x,y,t,u\n0,0,0,1e999\n", "sensors.csv:2: column 'u': '1e999' is not a finite number");
  /* the column is named by the caller's name even when the file orders columns differently */
  expect_error("u,t,y,x\n1,1,1,one\n", "sensors.csv:2: column 'x': 'one' is not a number");
}

static void test_duplicate_points(void **state) {
  (void)state;
  expect_error("x,y,t,u\n0,0,0,1\n0.5,0,0,1\n0,0,0,2\n",
               "sensors.csv:4: a second observation of the same point with a different value (u = 2 here, 1 on line 2)");
  prp_table t;
  assert_null(parse("x,y,t,u\n0,0,0,1\n0,0,0,1\n", &t));   /* the same value twice is fine */
  assert_int_equal(t.nrows, 2);
  prp_table_free(&t);
}

static void test_points_outside_the_domain(void **state) {
  (void)state;
  expect_error("x,y,t,u\n0,0,0,0\n1.5,0,0,0\n",
               "sensors.csv:3: point outside the domain: x = 1.5 is not in [0, 1]");
  expect_error("x,y,t,u\n0,-0.001,0,0\n",
               "sensors.csv:2: point outside the domain: y = -0.001 is not in [0, 1]");
  expect_error("x,y,t,u\n0,0,2.0000001,0\n",
               "sensors.csv:2: point outside the domain: t = 2.0000001 is not in [0, 2]");
  /* the field value is not a coordinate: any finite value is fine; the box is closed */
  prp_table t;
  assert_null(parse("x,y,t,u\n1,1,2,1e30\n", &t));
  prp_table_free(&t);
}

static void test_empty_and_binary_files(void **state) {
  (void)state;
  expect_error("", "sensors.csv: empty file (expected a header naming the columns x, y, t, u)");
  expect_error("# only a comment\n\n  \r\n",
               "sensors.csv: empty file (expected a header naming the columns x, y, t, u)");
  prp_table t;
  const char bin[] = "x,y,t,u\n0,0\0,0,0\n";
  char *err = prp_csv_parse_sensors("sensors.csv", bin, sizeof bin - 1, xytu, 4, unit_box, 3, &t);
  assert_string_equal(err, "sensors.csv:2: unexpected NUL byte (not a text file?)");
  free(err);
}

/* Random edits of a valid file: every outcome is either a located error or a table whose
 * points are finite and inside the box (run under ASan, this is also a small fuzzer). */
static void test_random_edits_give_errors_or_valid_tables(void **state) {
  (void)state;
  static const char base[] = "# sensors\nx,y,t,u\n0.1,0.2,0.3,0.4\r\n1,1,2,-5e-3\n0,0,0,0 # c\n";
  static const char alphabet[] = ",\n\r#\"-+.eE0123456789 \txyutnaNfi\0";
  prp_rng rng;
  prp_rng_seed(&rng, 2024);
  size_t ok = 0;
  for (int iter = 0; iter < 5000; iter++) {
    char text[128];
    size_t len = sizeof base - 1;
    memcpy(text, base, len);
    for (int e = 0, edits = 1 + (int)prp_rng_below(&rng, 4); e < edits; e++) {
      size_t at = prp_rng_below(&rng, len);
      char c = alphabet[prp_rng_below(&rng, sizeof alphabet - 1)];
      int kind = (int)prp_rng_below(&rng, 3);
      if (kind == 0) text[at] = c;
      else if (kind == 1 && len > 1) memmove(text + at, text + at + 1, --len - at);
      else if (len < sizeof text - 1) memmove(text + at + 1, text + at, len++ - at), text[at] = c;
    }
    prp_table t;
    char *err = prp_csv_parse_sensors("sensors.csv", text, len, xytu, 4, unit_box, 3, &t);
    if (err) {
      assert_true(strncmp(err, "sensors.csv:", 12) == 0);
      assert_null(t.data);
      free(err);
      continue;
    }
    ok++;
    assert_true(t.nrows > 0 && t.ncols == 4);
    for (size_t r = 0; r < t.nrows; r++)
      for (size_t c = 0; c < 4; c++) {
        double v = t.data[r * 4 + c];
        assert_true(isfinite(v));
        if (c < 3) assert_true(v >= unit_box[c].lo && v <= unit_box[c].hi);
      }
    prp_table_free(&t);
  }
  assert_true(ok > 100); /* many edits (in comments, digits) keep the file valid */
}

/* A scratch directory for the file-system tests, removed at the end. */
static char scratch[64];

static int make_scratch(void **state) {
  (void)state;
  strcpy(scratch, "/tmp/prp_test_csv_XXXXXX");
  return mkdtemp(scratch) ? 0 : -1;
}

static int remove_scratch(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
  return system(cmd) == 0 ? 0 : -1;
}

static char *scratch_path(const char *name) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", scratch, name);
  return path;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_file_errors(void **state) {
  (void)state;
  prp_table t;
  char want[256], *err;
  char *missing = strdup(scratch_path("missing.csv"));
  err = prp_csv_read_sensors(missing, xytu, 4, unit_box, 3, &t);
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory", missing);
  assert_string_equal(err, want);
  free(err);
  free(missing);

  err = prp_csv_read_sensors(scratch, xytu, 4, unit_box, 3, &t);
  snprintf(want, sizeof want, "%s: is a directory", scratch);
  assert_string_equal(err, want);
  free(err);

  char *empty = strdup(scratch_path("empty.csv"));
  write_text(empty, "");
  err = prp_csv_read_sensors(empty, xytu, 4, unit_box, 3, &t);
  snprintf(want, sizeof want, "%s: empty file (expected a header naming the columns x, y, t, u)", empty);
  assert_string_equal(err, want);
  free(err);
  free(empty);

  char *bad = strdup(scratch_path("bad.csv"));
  write_text(bad, "x,y,t,u\n0,0,0,0\n0,0,0,0\n0,0,0,0\n0,0,0,0\n0,0,0,0\n0,0,0\n");
  err = prp_csv_read_sensors(bad, xytu, 4, unit_box, 3, &t);
  snprintf(want, sizeof want, "%s:7: expected 4 values, found 3", bad);
  assert_string_equal(err, want);
  free(err);
  free(bad);
}

static void test_reads_a_large_file(void **state) {
  (void)state;
  char *path = strdup(scratch_path("big.csv"));
  FILE *f = fopen(path, "w");
  fputs("t,x,u\r\n", f);
  for (int i = 0; i < 20000; i++) fprintf(f, "%.17g,%.17g,%.17g\r\n", i / 20000.0, 1.0 - i / 20000.0, sin(i));
  fclose(f);
  static const char *const xtu[] = {"x", "t", "u"};
  prp_table t;
  assert_null(prp_csv_read_sensors(path, xtu, 3, NULL, 0, &t));
  assert_int_equal(t.nrows, 20000);
  for (int i = 0; i < 20000; i += 997) {
    assert_true(t.data[i * 3 + 0] == 1.0 - i / 20000.0);
    assert_true(t.data[i * 3 + 1] == i / 20000.0);
    assert_true(t.data[i * 3 + 2] == sin(i));
  }
  prp_table_free(&t);
  free(path);
}

static void test_writer_round_trip(void **state) {
  (void)state;
  char *path = strdup(scratch_path("history.csv"));
  static const char *const cols[] = {"epoch", "loss", "xs"};
  prp_csv_writer *w;
  assert_null(prp_csv_writer_open(&w, path, cols, 3));
  double rows[3][3] = {{0, 0.1, 1.0 / 3.0}, {100, 1e-300, -2.5e17}, {200, M_PI, 0.0}};
  for (int r = 0; r < 3; r++) assert_null(prp_csv_writer_row(w, rows[r]));
  assert_null(prp_csv_writer_close(w));

  static const char *const by_name[] = {"xs", "epoch", "loss"};
  prp_table t;
  assert_null(prp_csv_read_sensors(path, by_name, 3, NULL, 0, &t));
  assert_int_equal(t.nrows, 3);
  for (int r = 0; r < 3; r++) {
    assert_true(t.data[r * 3 + 0] == rows[r][2]); /* bit-exact through %.17g */
    assert_true(t.data[r * 3 + 1] == rows[r][0]);
    assert_true(t.data[r * 3 + 2] == rows[r][1]);
  }
  prp_table_free(&t);
  free(path);
}

static void test_writer_reports_unwritable_path(void **state) {
  (void)state;
  prp_csv_writer *w;
  static const char *const cols[] = {"a"};
  char *err = prp_csv_writer_open(&w, "/nonexistent-dir/history.csv", cols, 1);
  assert_string_equal(err, "/nonexistent-dir/history.csv: cannot write: No such file or directory");
  assert_null(w);
  free(err);
  prp_table t = {.nrows = 1, .ncols = 1, .data = (double[]){1}};
  err = prp_csv_write_table("/nonexistent-dir/sensors.csv", cols, &t);
  assert_string_equal(err, "/nonexistent-dir/sensors.csv: cannot write: No such file or directory");
  free(err);
}

static void test_write_table_is_atomic_and_complete(void **state) {
  (void)state;
  char *path = strdup(scratch_path("sensors_out.csv"));
  write_text(path, "old contents\n");
  double data[] = {0.5, 0.25, 1.0, 0.125, 0.75, 1.0, 0.5, -3.0};
  prp_table t = {.nrows = 2, .ncols = 4, .data = data}, back;
  assert_null(prp_csv_write_table(path, xytu, &t));
  assert_null(prp_csv_read_sensors(path, xytu, 4, unit_box, 3, &back));
  assert_int_equal(back.nrows, 2);
  assert_memory_equal(back.data, data, sizeof data);
  prp_table_free(&back);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0644);
  /* no temporary file left behind */
  char cmd[256];
  snprintf(cmd, sizeof cmd, "test $(ls '%s' | grep -c 'sensors_out.csv.') -eq 0", scratch);
  assert_int_equal(system(cmd), 0);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reads_rows_in_caller_order),
      cmocka_unit_test(test_crlf_comments_quotes_blank_lines),
      cmocka_unit_test(test_byte_order_mark_is_skipped),
      cmocka_unit_test(test_last_line_without_newline),
      cmocka_unit_test(test_box_is_optional),
      cmocka_unit_test(test_short_and_long_rows),
      cmocka_unit_test(test_bad_headers),
      cmocka_unit_test(test_bad_values),
      cmocka_unit_test(test_duplicate_points),
      cmocka_unit_test(test_points_outside_the_domain),
      cmocka_unit_test(test_empty_and_binary_files),
      cmocka_unit_test(test_random_edits_give_errors_or_valid_tables),
      cmocka_unit_test(test_file_errors),
      cmocka_unit_test(test_reads_a_large_file),
      cmocka_unit_test(test_writer_round_trip),
      cmocka_unit_test(test_writer_reports_unwritable_path),
      cmocka_unit_test(test_write_table_is_atomic_and_complete),
  };
  return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
