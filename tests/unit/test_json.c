/* Unit tests of the streaming JSON writer (runtime/io/json.c): exact layout, string escaping
 * checked by an independent decoder, double round trips through the printed text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "rng.h"

/* ---- an independent JSON reader (RFC 8259 grammar), used to validate the output ---- */

typedef struct {
  const char *p;
  char *decoded; /* last string decoded, UTF-8 */
  size_t decoded_len;
} reader;

static void skip_ws(reader *r) {
  while (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r') r->p++;
}

static void put_utf8(reader *r, unsigned cp) {
  unsigned char *o = (unsigned char *)r->decoded + r->decoded_len;
  if (cp < 0x80) o[0] = (unsigned char)cp, r->decoded_len += 1;
  else if (cp < 0x800) o[0] = (unsigned char)(0xc0 | cp >> 6), o[1] = (unsigned char)(0x80 | (cp & 0x3f)), r->decoded_len += 2;
  else o[0] = (unsigned char)(0xe0 | cp >> 12), o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)),
       o[2] = (unsigned char)(0x80 | (cp & 0x3f)), r->decoded_len += 3;
}

static bool read_string(reader *r) {
  if (*r->p != '"') return false;
  r->p++;
  free(r->decoded);
  r->decoded = malloc(strlen(r->p) * 3 + 1);
  r->decoded_len = 0;
  for (;;) {
    unsigned char c = (unsigned char)*r->p++;
    if (c == '"') break;
    if (c < 0x20) return false; /* raw control characters are not allowed */
    if (c != '\\') {
      r->decoded[r->decoded_len++] = (char)c;
      continue;
    }
    char e = *r->p++;
    const char *simple = strchr("\"\\/bfnrt", e);
    if (e && simple) {
      r->decoded[r->decoded_len++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
    } else if (e == 'u') {
      unsigned cp = 0;
      for (int i = 0; i < 4; i++) {
        if (!isxdigit((unsigned char)r->p[i])) return false;
        cp = cp * 16 + (unsigned)(isdigit((unsigned char)r->p[i]) ? r->p[i] - '0' : (tolower(r->p[i]) - 'a' + 10));
      }
      r->p += 4;
      put_utf8(r, cp);
    } else {
      return false;
    }
  }
  r->decoded[r->decoded_len] = '\0';
  return true;
}

static bool read_number(reader *r) {
  const char *p = r->p;
  if (*p == '-') p++;
  if (*p == '0') p++;
  else if (*p >= '1' && *p <= '9') while (isdigit((unsigned char)*p)) p++;
  else return false;
  if (*p == '.') {
    p++;
    if (!isdigit((unsigned char)*p)) return false;
    while (isdigit((unsigned char)*p)) p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return false;
    while (isdigit((unsigned char)*p)) p++;
  }
  r->p = p;
  return true;
}

static bool read_value(reader *r);

static bool read_container(reader *r, char close, bool object) {
  r->p++;
  skip_ws(r);
  if (*r->p == close) return r->p++, true;
  for (;;) {
    skip_ws(r);
    if (object) {
      if (!read_string(r)) return false;
      skip_ws(r);
      if (*r->p++ != ':') return false;
    }
    if (!read_value(r)) return false;
    skip_ws(r);
    if (*r->p == close) return r->p++, true;
    if (*r->p++ != ',') return false;
  }
}

static bool read_value(reader *r) {
  skip_ws(r);
  if (*r->p == '{') return read_container(r, '}', true);
  if (*r->p == '[') return read_container(r, ']', false);
  if (*r->p == '"') return read_string(r);
  for (const char *const *w = (const char *const[]){"true", "false", "null", NULL}; *w; w++)
    if (strncmp(r->p, *w, strlen(*w)) == 0) return r->p += strlen(*w), true;
  return read_number(r);
}

static bool valid_json(const char *text) {
  reader r = {.p = text};
  bool ok = read_value(&r);
  skip_ws(&r);
  free(r.decoded);
  return ok && *r.p == '\0';
}

/* The writer's text for one string value, decoded back by the reader above. */
static char *round_trip_string(const char *s, char **encoded) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  prp_json *j = prp_json_new(f);
  prp_json_string(j, s);
  assert_null(prp_json_finish(j));
  fclose(f);
  reader r = {.p = buf};
  assert_true(read_string(&r));
  *encoded = buf;
  return r.decoded;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_layout_of_a_document(void **state) {
  (void)state;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  prp_json *j = prp_json_new(f);
  prp_json_begin_object(j);
  prp_json_member_string(j, "problem", "plume2d");
  prp_json_member_int(j, "seed", -12);
  prp_json_key(j, "unknowns");
  prp_json_begin_object(j);
  prp_json_member_number(j, "xs", 0.25);
  prp_json_member_number(j, "q", NAN);
  prp_json_end_object(j);
  prp_json_key(j, "empty");
  prp_json_begin_array(j);
  prp_json_end_array(j);
  prp_json_key(j, "list");
  prp_json_begin_array(j);
  prp_json_bool(j, true);
  prp_json_null(j);
  prp_json_number(j, -INFINITY);
  prp_json_end_array(j);
  prp_json_member_bool(j, "relaxed", false);
  prp_json_end_object(j);
  assert_null(prp_json_finish(j));
  fclose(f);
  assert_string_equal(buf,
                      "{\n"
                      "  \"problem\": \"plume2d\",\n"
                      "  \"seed\": -12,\n"
                      "  \"unknowns\": {\n"
                      "    \"xs\": 0.25,\n"
                      "    \"q\": null\n"
                      "  },\n"
                      "  \"empty\": [],\n"
                      "  \"list\": [\n"
                      "    true,\n"
                      "    null,\n"
                      "    null\n"
                      "  ],\n"
                      "  \"relaxed\": false\n"
                      "}\n");
  assert_true(valid_json(buf));
  free(buf);
}

static void test_escapes_quotes_backslashes_and_controls(void **state) {
  (void)state;
  char *enc;
  char *dec = round_trip_string("say \"hi\" \\ back/slash", &enc);
  assert_string_equal(enc, "\"say \\\"hi\\\" \\\\ back/slash\"\n");
  assert_string_equal(dec, "say \"hi\" \\ back/slash");
  free(enc), free(dec);

  dec = round_trip_string("a\nb\tc\rd\be\ff\x01g\x1fh\x7f", &enc);
  assert_string_equal(enc, "\"a\\nb\\tc\\rd\\be\\ff\\u0001g\\u001fh\\u007f\"\n");
  assert_string_equal(dec, "a\nb\tc\rd\be\ff\x01g\x1fh\x7f");
  free(enc), free(dec);

  /* every control character, in one string, survives the trip */
  char all[33];
  for (int c = 1; c < 32; c++) all[c - 1] = (char)c;
  all[31] = '\0';
  dec = round_trip_string(all, &enc);
  assert_string_equal(dec, all);
  for (const char *p = enc; *p; p++) assert_true((unsigned char)*p >= 0x20 || *p == '\n');
  free(enc), free(dec);
}

static void test_utf8_passes_and_invalid_bytes_are_replaced(void **state) {
  (void)state;
  char *enc;
  char *dec = round_trip_string("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e", &enc); /* été € 𝄞 */
  assert_string_equal(enc, "\"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e\"\n");
  free(enc), free(dec);
  /* a stray continuation byte, 0xff, an overlong '/', a surrogate, a truncated sequence */
  dec = round_trip_string("a\x80" "b\xff" "c\xc0\xaf" "d\xed\xa0\x80" "e\xe2\x82", &enc);
  assert_string_equal(enc, "\"a\\ufffdb\\ufffdc\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffde\\ufffd\\ufffd\"\n");
  free(enc), free(dec);
}

static void test_keys_are_escaped(void **state) {
  (void)state;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  prp_json *j = prp_json_new(f);
  prp_json_begin_object(j);
  prp_json_member_int(j, "we\"ird\nkey", 1);
  prp_json_end_object(j);
  assert_null(prp_json_finish(j));
  fclose(f);
  assert_string_equal(buf, "{\n  \"we\\\"ird\\nkey\": 1\n}\n");
  assert_true(valid_json(buf));
  free(buf);
}

static void check_number_round_trip(double v) {
  char text[32];
  prp_json_format_number(text, v);
  assert_true(valid_json(text));
  char *end;
  double back = strtod(text, &end);
  assert_int_equal(*end, '\0');
  assert_memory_equal(&back, &v, sizeof v); /* bitwise, so -0 stays -0 */
}

static void test_numbers_round_trip_exactly(void **state) {
  (void)state;
  const double special[] = {0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3.0, 2.0 / 3.0, M_PI, 1e23, 5e-324,
                            DBL_MIN, DBL_MAX, -DBL_MAX, DBL_EPSILON, 123456789012345678.0,
                            9007199254740993.0, 0.30000000000000004};
  for (size_t i = 0; i < sizeof special / sizeof *special; i++) check_number_round_trip(special[i]);
  prp_rng rng;
  prp_rng_seed(&rng, 42);
  for (int i = 0; i < 100000; i++) {
    uint64_t bits = prp_rng_next(&rng);
    double v;
    memcpy(&v, &bits, sizeof v);
    if (isfinite(v)) check_number_round_trip(v);
    check_number_round_trip(prp_rng_uniform(&rng) * pow(10, (double)prp_rng_below(&rng, 40) - 20));
  }
}

static void test_numbers_are_short(void **state) {
  (void)state;
  char text[32];
  prp_json_format_number(text, 0.1);
  assert_string_equal(text, "0.1");
  prp_json_format_number(text, 2.0);
  assert_string_equal(text, "2");
  prp_json_format_number(text, 1e-7);
  assert_string_equal(text, "1e-07");
  prp_json_format_number(text, 0.30000000000000004);
  assert_string_equal(text, "0.30000000000000004");
  prp_json_format_number(text, NAN);
  assert_string_equal(text, "null");
  prp_json_format_number(text, INFINITY);
  assert_string_equal(text, "null");
}

static void test_file_appears_only_when_finished(void **state) {
  (void)state;
  char dir[] = "/tmp/prp_test_json_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[64];
  snprintf(path, sizeof path, "%s/result.json", dir);
  prp_json *j;
  assert_null(prp_json_open_file(&j, path));
  prp_json_begin_array(j);
  prp_json_number(j, 1.5);
  prp_json_end_array(j);
  assert_int_not_equal(access(path, F_OK), 0);
  assert_null(prp_json_finish(j));
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char text[64] = {0};
  assert_true(fread(text, 1, sizeof text - 1, f) > 0);
  fclose(f);
  assert_string_equal(text, "[\n  1.5\n]\n");
  unlink(path);
  assert_int_equal(rmdir(dir), 0); /* fails if a temporary file was left behind */

  char *err = prp_json_open_file(&j, "/nonexistent-dir/result.json");
  assert_string_equal(err, "/nonexistent-dir/result.json: cannot write: No such file or directory");
  assert_null(j);
  free(err);
}

static void test_reports_write_errors(void **state) {
  (void)state;
  FILE *full = fopen("/dev/full", "w");
  if (!full) skip();
  prp_json *j = prp_json_new(full);
  prp_json_begin_array(j);
  for (int i = 0; i < 10000; i++) prp_json_number(j, i);
  prp_json_end_array(j);
  char *err = prp_json_finish(j);
  assert_non_null(err);
  assert_string_equal(err, "JSON output: write failed");
  free(err);
  fclose(full);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layout_of_a_document),
      cmocka_unit_test(test_escapes_quotes_backslashes_and_controls),
      cmocka_unit_test(test_utf8_passes_and_invalid_bytes_are_replaced),
      cmocka_unit_test(test_keys_are_escaped),
      cmocka_unit_test(test_numbers_round_trip_exactly),
      cmocka_unit_test(test_numbers_are_short),
      cmocka_unit_test(test_file_appears_only_when_finished),
      cmocka_unit_test(test_reports_write_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
