/* Unit tests of trained-state files (runtime/io/state_io.c): save/load round trips in f32 and
 * f64, shape checks, and detection of every kind of damage with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rng.h"
#include "state_io.h"

static char scratch[64];
static char state_path[128];

static int make_scratch(void **st) {
  (void)st;
  strcpy(scratch, "/tmp/prp_test_state_XXXXXX");
  if (!mkdtemp(scratch)) return -1;
  snprintf(state_path, sizeof state_path, "%s/weights.prpstate", scratch);
  return 0;
}

static int remove_scratch(void **st) {
  (void)st;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
  return system(cmd) == 0 ? 0 : -1;
}

static size_t widths_3_16_8_1[] = {3, 16, 8, 1};
static char *names[] = {"xs", "ys", "q"};

/* A state with random weights; the caller frees `weights`. */
static prp_state make_state(prp_precision prec, uint64_t seed) {
  static double values[] = {0.25, -1.0 / 3.0, 2e-300};
  prp_state s = {.problem = "plume2d", .precision = prec, .epoch = 12345, .nwidths = 4,
                 .widths = widths_3_16_8_1, .nunknowns = 3, .unknown_names = names,
                 .unknown_values = values};
  s.nweights = prp_state_weight_count(s.widths, s.nwidths);
  s.weights = malloc(s.nweights * (size_t)prec);
  prp_rng rng;
  prp_rng_seed(&rng, seed);
  for (size_t i = 0; i < s.nweights; i++) {
    double v = prp_rng_normal(&rng);
    if (prec == PRP_PREC_F32) ((float *)s.weights)[i] = (float)v;
    else ((double *)s.weights)[i] = v;
  }
  return s;
}

static void assert_same_state(const prp_state *a, const prp_state *b) {
  assert_string_equal(a->problem, b->problem);
  assert_int_equal(a->precision, b->precision);
  assert_int_equal(a->epoch, b->epoch);
  assert_int_equal(a->nwidths, b->nwidths);
  assert_memory_equal(a->widths, b->widths, a->nwidths * sizeof *a->widths);
  assert_int_equal(a->nunknowns, b->nunknowns);
  for (size_t i = 0; i < a->nunknowns; i++) {
    assert_string_equal(a->unknown_names[i], b->unknown_names[i]);
    assert_memory_equal(&a->unknown_values[i], &b->unknown_values[i], sizeof(double));
  }
  assert_int_equal(a->nweights, b->nweights);
  assert_memory_equal(a->weights, b->weights, a->nweights * (size_t)a->precision);
}

static void test_weight_count(void **st) {
  (void)st;
  /* 3*16+16 + 16*8+8 + 8*1+1 */
  assert_int_equal(prp_state_weight_count(widths_3_16_8_1, 4), 64 + 136 + 9);
}

static void test_round_trip_f64_and_f32(void **st) {
  (void)st;
  for (int k = 0; k < 2; k++) {
    prp_state s = make_state(k ? PRP_PREC_F32 : PRP_PREC_F64, 7 + (uint64_t)k), back;
    assert_null(prp_state_save(state_path, &s));
    assert_null(prp_state_load(state_path, NULL, &back));
    assert_same_state(&s, &back);
    prp_state_free(&back);
    assert_null(back.weights);
    assert_null(prp_state_load(state_path, &s, &back)); /* matches its own shape */
    prp_state_free(&back);
    free(s.weights);
  }
}

static void test_header_is_readable_text(void **st) {
  (void)st;
  prp_state s = make_state(PRP_PREC_F64, 1);
  assert_null(prp_state_save(state_path, &s));
  free(s.weights);
  FILE *f = fopen(state_path, "rb");
  char head[512] = {0};
  assert_true(fread(head, 1, sizeof head - 1, f) > 0);
  fclose(f);
  const char *want = "PRPSTATE 1\nendian little\nproblem plume2d\nprecision f64\nepoch 12345\n"
                     "widths 3 16 8 1\nunknowns 3\nunknown xs 0.25\n"
                     "unknown ys -0.33333333333333331\nunknown q 2.0000000000000001e-300\n"
                     "weights 209\nchecksum ";
  assert_memory_equal(head, want, strlen(want));
}

static void expect_load_error(const char *want_suffix) {
  prp_state back;
  char *err = prp_state_load(state_path, NULL, &back);
  char want[512];
  snprintf(want, sizeof want, "%s%s", state_path, want_suffix);
  assert_non_null(err);
  assert_string_equal(err, want);
  assert_null(back.weights);
  assert_null(back.problem);
  free(err);
}

static char *read_all(size_t *len) {
  FILE *f = fopen(state_path, "rb");
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  rewind(f);
  char *buf = malloc(*len + 1);
  assert_int_equal(fread(buf, 1, *len, f), *len);
  fclose(f);
  buf[*len] = '\0';
  return buf;
}

static void write_all(const char *buf, size_t len) {
  FILE *f = fopen(state_path, "wb");
  assert_int_equal(fwrite(buf, 1, len, f), len);
  fclose(f);
}

/* Saves a fresh f64 state, applies `damage` to its bytes, and expects `message`. */
static void damaged(void (*damage)(char **buf, size_t *len), const char *message) {
  prp_state s = make_state(PRP_PREC_F64, 3);
  assert_null(prp_state_save(state_path, &s));
  free(s.weights);
  size_t len;
  char *buf = read_all(&len);
  damage(&buf, &len);
  write_all(buf, len);
  free(buf);
  expect_load_error(message);
}

static void flip_payload_bit(char **b, size_t *n) { (*b)[*n - 100] ^= 0x10; }
static void change_unknown_digit(char **b, size_t *n) { (void)n; *strstr(*b, "0.25") = '1'; }
static void drop_last_byte(char **b, size_t *n) { (void)b; (*n)--; }
static void append_bytes(char **b, size_t *n) { *b = realloc(*b, *n + 3); memcpy(*b + *n, "abc", 3); *n += 3; }
static void cut_in_header(char **b, size_t *n) { *n = (size_t)(strstr(*b, "unknowns") - *b) + 4; }
static void wrong_magic(char **b, size_t *n) { (void)n; (*b)[2] = 'X'; }
static void newer_version(char **b, size_t *n) { (void)n; (*b)[9] = '2'; }
static void bad_precision(char **b, size_t *n) { (void)n; memcpy(strstr(*b, "f64"), "f16", 3); }
static void wider_layer(char **b, size_t *n) { (void)n; memcpy(strstr(*b, "widths 3 16"), "widths 3 17", 11); }
static void empty_file(char **b, size_t *n) { (void)b; *n = 0; }
static void bad_checksum_text(char **b, size_t *n) { (void)n; memset(strstr(*b, "checksum ") + 9, 'z', 16); }

static void test_detects_damage(void **st) {
  (void)st;
  damaged(flip_payload_bit, ": checksum mismatch (the file is corrupted)");
  damaged(change_unknown_digit, ": checksum mismatch (the file is corrupted)");
  damaged(drop_last_byte, ": truncated file (1671 bytes of weights, expected 1672)");
  damaged(append_bytes, ": 3 unexpected bytes after the weights");
  damaged(cut_in_header, ": truncated file (header ends at line 7)");
  damaged(wrong_magic, ": not a prp state file (wrong magic)");
  damaged(empty_file, ": not a prp state file (wrong magic)");
  damaged(newer_version, ": unsupported state version 2 (this prp reads version 1)");
  damaged(bad_precision, ":4: bad precision 'f16'");
  damaged(wider_layer, ":11: weight count '209' does not fit the widths");
  damaged(bad_checksum_text, ":12: bad checksum 'zzzzzzzzzzzzzzzz'");
}

static void test_shape_and_identity_checks(void **st) {
  (void)st;
  prp_state s = make_state(PRP_PREC_F64, 5), back;
  assert_null(prp_state_save(state_path, &s));
  char want[512], *err;

  size_t other_widths[] = {3, 32, 1};
  prp_state expect = s;
  expect.widths = other_widths;
  expect.nwidths = 3;
  err = prp_state_load(state_path, &expect, &back);
  snprintf(want, sizeof want, "%s: shape mismatch: the file has widths 3 16 8 1, the problem has 3 32 1",
           state_path);
  assert_string_equal(err, want);
  free(err);

  expect = s;
  expect.precision = PRP_PREC_F32;
  err = prp_state_load(state_path, &expect, &back);
  snprintf(want, sizeof want, "%s: precision mismatch: the file has f64, the problem uses f32", state_path);
  assert_string_equal(err, want);
  free(err);

  expect = s;
  expect.problem = "wave1d";
  err = prp_state_load(state_path, &expect, &back);
  snprintf(want, sizeof want, "%s: state of problem 'plume2d', not 'wave1d'", state_path);
  assert_string_equal(err, want);
  free(err);

  char *other_names[] = {"xs", "ys", "rate"};
  expect = s;
  expect.unknown_names = other_names;
  err = prp_state_load(state_path, &expect, &back);
  snprintf(want, sizeof want, "%s: the file's unknowns differ from the problem's", state_path);
  assert_string_equal(err, want);
  free(err);
  assert_null(back.weights);
  free(s.weights);
}

static void test_file_system_errors(void **st) {
  (void)st;
  prp_state back;
  char want[256], *err;
  err = prp_state_load(scratch, NULL, &back);
  snprintf(want, sizeof want, "%s: is a directory", scratch);
  assert_string_equal(err, want);
  free(err);
  err = prp_state_load("/nonexistent-dir/w.prpstate", NULL, &back);
  assert_string_equal(err, "/nonexistent-dir/w.prpstate: cannot open: No such file or directory");
  free(err);
  prp_state s = make_state(PRP_PREC_F32, 2);
  err = prp_state_save("/nonexistent-dir/w.prpstate", &s);
  assert_string_equal(err, "/nonexistent-dir/w.prpstate: cannot write: No such file or directory");
  free(err);
  free(s.weights);
}

static size_t files_in_scratch(void) {
  DIR *d = opendir(scratch);
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

static void test_failed_save_keeps_the_old_file(void **st) {
  (void)st;
  prp_state good = make_state(PRP_PREC_F64, 11), back;
  assert_null(prp_state_save(state_path, &good));
  size_t before = files_in_scratch();

  prp_state bad = make_state(PRP_PREC_F64, 12);
  bad.nweights--;
  char *err = prp_state_save(state_path, &bad);
  char want[256];
  snprintf(want, sizeof want, "%s: 208 weights do not fit widths (209 expected)", state_path);
  assert_string_equal(err, want);
  free(err);
  char *spaced[] = {"xs", "y s", "q"};
  bad.nweights++;
  bad.unknown_names = spaced;
  err = prp_state_save(state_path, &bad);
  snprintf(want, sizeof want, "%s: unknown name 'y s' must be one word", state_path);
  assert_string_equal(err, want);
  free(err);

  assert_int_equal(files_in_scratch(), before); /* no temporary left behind */
  assert_null(prp_state_load(state_path, NULL, &back));
  assert_same_state(&good, &back);
  prp_state_free(&back);
  free(good.weights);
  free(bad.weights);
}

/* FNV-1a changes its result for any change of one byte, and everything but the checksum
 * itself is hashed, so every single-byte change anywhere in the file must be refused. */
static void test_every_single_byte_change_is_refused(void **st) {
  (void)st;
  prp_state s = make_state(PRP_PREC_F32, 21);
  assert_null(prp_state_save(state_path, &s));
  free(s.weights);
  size_t len;
  char *orig = read_all(&len);
  char *buf = malloc(len);
  prp_rng rng;
  prp_rng_seed(&rng, 99);
  for (size_t pos = 0; pos < len; pos++) {
    memcpy(buf, orig, len);
    unsigned char delta = (unsigned char)(1 + prp_rng_below(&rng, 255));
    buf[pos] = (char)((unsigned char)buf[pos] ^ delta);
    write_all(buf, len);
    prp_state back;
    char *err = prp_state_load(state_path, NULL, &back);
    if (!err) fail_msg("byte %zu changed by 0x%02x and the file still loads", pos, delta);
    free(err);
  }
  free(buf);
  free(orig);
}

static void test_make_dirs(void **st) {
  (void)st;
  char path[256], want[512];
  snprintf(path, sizeof path, "%s/results/run1/plots/", scratch);
  assert_null(prp_make_dirs(path));
  assert_null(prp_make_dirs(path)); /* again: nothing to do */
  snprintf(path, sizeof path, "%s/results/run1/plots", scratch);
  DIR *d = opendir(path);
  assert_non_null(d);
  closedir(d);

  snprintf(path, sizeof path, "%s/results/run1/plots/p.png", scratch);
  FILE *f = fopen(path, "w");
  fclose(f);
  snprintf(path, sizeof path, "%s/results/run1/plots/p.png/deeper", scratch);
  char *err = prp_make_dirs(path);
  snprintf(want, sizeof want, "%s/results/run1/plots/p.png: cannot create directory: a file of that name exists", scratch);
  assert_string_equal(err, want);
  free(err);
  err = prp_make_dirs("");
  assert_string_equal(err, "cannot create a directory with an empty name");
  free(err);
  assert_null(prp_make_dirs("/"));
  err = prp_make_dirs("/proc/prp-test-cannot-exist");
  assert_non_null(err);
  assert_true(strncmp(err, "/proc/prp-test-cannot-exist: cannot create directory: ", 54) == 0);
  free(err);
}

/* Saved with a valid checksum, still refused on load: an epoch past the limit, an unknown
 * or a weight that is not finite; a file larger than the limit, a device. */
static void expect_refused(prp_state *s, const char *what) {
  assert_null(prp_state_save(state_path, s));
  prp_state got;
  char *err = prp_state_load(state_path, NULL, &got);
  assert_non_null(err);
  if (!strstr(err, what)) fail_msg("'%s' lacks '%s'", err, what);
  free(err);
}

static void test_refuses_values_out_of_range(void **st) {
  (void)st;
  prp_state s = make_state(PRP_PREC_F64, 3);
  s.epoch = UINT64_C(9223372036854775807);
  expect_refused(&s, "bad epoch '9223372036854775807'");
  s.epoch = 7;
  double values[3] = {0.5, NAN, 1};
  s.unknown_values = values;
  expect_refused(&s, "bad unknown value");
  values[1] = INFINITY;
  expect_refused(&s, "bad unknown value");
  values[1] = 0;
  ((double *)s.weights)[5] = NAN;
  expect_refused(&s, "a weight is not a finite number");
  free(s.weights);
  prp_state got;
  char *err = prp_state_load("/dev/zero", NULL, &got);
  assert_string_equal(err, "/dev/zero: is a device, not a state file");
  free(err);
}

static void test_checksum_is_fnv1a(void **st) {
  (void)st;
  /* published FNV-1a 64 test vectors */
  assert_true(prp_fnv64(PRP_FNV64_OFFSET, "", 0) == 0xcbf29ce484222325ULL);
  assert_true(prp_fnv64(PRP_FNV64_OFFSET, "a", 1) == 0xaf63dc4c8601ec8cULL);
  assert_true(prp_fnv64(PRP_FNV64_OFFSET, "foobar", 6) == 0x85944171f73967e8ULL);
  /* running: hashing in two parts equals hashing at once */
  assert_true(prp_fnv64(prp_fnv64(PRP_FNV64_OFFSET, "foo", 3), "bar", 3) ==
              prp_fnv64(PRP_FNV64_OFFSET, "foobar", 6));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_weight_count),
      cmocka_unit_test(test_round_trip_f64_and_f32),
      cmocka_unit_test(test_header_is_readable_text),
      cmocka_unit_test(test_detects_damage),
      cmocka_unit_test(test_shape_and_identity_checks),
      cmocka_unit_test(test_file_system_errors),
      cmocka_unit_test(test_failed_save_keeps_the_old_file),
      cmocka_unit_test(test_every_single_byte_change_is_refused),
      cmocka_unit_test(test_make_dirs),
      cmocka_unit_test(test_refuses_values_out_of_range),
      cmocka_unit_test(test_checksum_is_fnv1a),
  };
  return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
