/* Runtime, run output: the streaming JSON writer behind result.json; see json.h.
 * Misuse (a value without a key in an object, unbalanced ends) is a bug in prp: it asserts. */
#include "json.h"
#include "state_io.h"
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef enum { CTX_TOP, CTX_OBJECT, CTX_ARRAY } json_ctx;

struct prp_json {
  FILE *f;
  prp_output file; /* used when opened by path */
  bool owns_file;
  int depth;
  json_ctx ctx[JSON_MAX_DEPTH];
  size_t count[JSON_MAX_DEPTH]; /* values written in each open container */
  bool key_pending;             /* a key was written, its value is next */
};

prp_json *prp_json_new(FILE *f) {
  prp_json *j = prp_xcalloc(1, sizeof *j);
  j->f = f;
  j->ctx[0] = CTX_TOP;
  return j;
}

char *prp_json_open_file(prp_json **j, const char *path) {
  *j = NULL;
  prp_output a;
  char *err = prp_output_open(&a, path);
  if (err) return err;
  *j = prp_json_new(a.f);
  (*j)->file = a;
  (*j)->owns_file = true;
  return NULL;
}

static void indent(prp_json *j) {
  fputc('\n', j->f);
  for (int i = 0; i < j->depth; i++) fputs("  ", j->f);
}

/* Separator and indentation before a value (or before a key in an object). */
static void before_value(prp_json *j) {
  json_ctx c = j->ctx[j->depth];
  if (c == CTX_OBJECT) {
    assert(j->key_pending && "JSON value inside an object needs a key first");
    j->key_pending = false;
    return; /* the key already placed separator and indentation */
  }
  if (c == CTX_TOP) {
    assert(j->count[0] == 0 && "JSON document has one top-level value");
  } else {
    if (j->count[j->depth]) fputc(',', j->f);
    indent(j);
  }
  j->count[j->depth]++;
}

static void open_container(prp_json *j, json_ctx c, char bracket) {
  before_value(j);
  fputc(bracket, j->f);
  assert(j->depth + 1 < JSON_MAX_DEPTH && "JSON nested too deeply");
  j->depth++;
  j->ctx[j->depth] = c;
  j->count[j->depth] = 0;
}

static void close_container(prp_json *j, json_ctx c, char bracket) {
  assert(j->depth > 0 && j->ctx[j->depth] == c && "JSON end does not match its begin");
  assert(!j->key_pending && "JSON key without a value");
  bool empty = j->count[j->depth] == 0;
  j->depth--;
  if (!empty) indent(j);
  fputc(bracket, j->f);
}

void prp_json_begin_object(prp_json *j) { open_container(j, CTX_OBJECT, '{'); }
void prp_json_end_object(prp_json *j) { close_container(j, CTX_OBJECT, '}'); }
void prp_json_begin_array(prp_json *j) { open_container(j, CTX_ARRAY, '['); }
void prp_json_end_array(prp_json *j) { close_container(j, CTX_ARRAY, ']'); }

/* Length of the valid UTF-8 sequence at s, or 0 if the bytes there are not one. */
static size_t utf8_length(const unsigned char *s) {
  unsigned char c = s[0];
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
  else return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
  if (overlong || surrogate || cp > 0x10ffff) return 0;
  return n;
}

static void write_escaped(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', f);
  while (*p) {
    unsigned char c = *p;
    size_t n = utf8_length(p);
    if (c == '"') fputs("\\\"", f);
    else if (c == '\\') fputs("\\\\", f);
    else if (c == '\n') fputs("\\n", f);
    else if (c == '\r') fputs("\\r", f);
    else if (c == '\t') fputs("\\t", f);
    else if (c == '\b') fputs("\\b", f);
    else if (c == '\f') fputs("\\f", f);
    else if (c < 0x20 || c == 0x7f) fprintf(f, "\\u%04x", c);
    else if (n == 0) fputs("\\ufffd", f);
    else fwrite(p, 1, n, f);
    p += n ? n : 1;
  }
  fputc('"', f);
}

void prp_json_key(prp_json *j, const char *key) {
  assert(j->ctx[j->depth] == CTX_OBJECT && !j->key_pending && "JSON key outside an object");
  if (j->count[j->depth]) fputc(',', j->f);
  indent(j);
  write_escaped(j->f, key);
  fputs(": ", j->f);
  j->count[j->depth]++;
  j->key_pending = true;
}

void prp_json_format_number(char buf[32], double v) {
  if (!isfinite(v)) {
    strcpy(buf, "null");
    return;
  }
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, 32, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) return;
  }
}

void prp_json_string(prp_json *j, const char *s) {
  before_value(j);
  write_escaped(j->f, s);
}

void prp_json_number(prp_json *j, double v) {
  char buf[32];
  prp_json_format_number(buf, v);
  before_value(j);
  fputs(buf, j->f);
}

void prp_json_int(prp_json *j, int64_t v) {
  before_value(j);
  fprintf(j->f, "%" PRId64, v);
}

void prp_json_bool(prp_json *j, bool v) {
  before_value(j);
  fputs(v ? "true" : "false", j->f);
}

void prp_json_null(prp_json *j) {
  before_value(j);
  fputs("null", j->f);
}

void prp_json_member_string(prp_json *j, const char *key, const char *s) {
  prp_json_key(j, key);
  prp_json_string(j, s);
}

void prp_json_member_number(prp_json *j, const char *key, double v) {
  prp_json_key(j, key);
  prp_json_number(j, v);
}

void prp_json_member_int(prp_json *j, const char *key, int64_t v) {
  prp_json_key(j, key);
  prp_json_int(j, v);
}

void prp_json_member_bool(prp_json *j, const char *key, bool v) {
  prp_json_key(j, key);
  prp_json_bool(j, v);
}

char *prp_json_finish(prp_json *j) {
  assert(j->depth == 0 && !j->key_pending && "JSON document left open");
  fputc('\n', j->f);
  char *err = NULL;
  if (j->owns_file) {
    err = prp_output_commit(&j->file);
  } else if (fflush(j->f) != 0 || ferror(j->f)) {
    err = prp_errorf("JSON output: write failed");
  }
  free(j);
  return err;
}
