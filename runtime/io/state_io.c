/* Runtime, run output: trained-state files (text header, checksum, raw weights); see
 * state_io.h. */
#include "state_io.h"
#include "input.h"
#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAGIC "PRPSTATE"
#define STATE_VERSION 1
#define HEADER_LINE_MAX 4096

uint64_t prp_fnv64(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* ---- saving --------------------------------------------------------------------- */

size_t prp_state_weight_count(const size_t *widths, size_t nwidths) {
  size_t n = 0;
  for (size_t i = 0; i + 1 < nwidths; i++) n += widths[i] * widths[i + 1] + widths[i + 1];
  return n;
}

static bool is_word(const char *s) {
  if (!s || !*s) return false;
  for (; *s; s++)
    if (!isgraph((unsigned char)*s)) return false;
  return true;
}

static bool little_endian(void) {
  const uint16_t one = 1;
  return *(const unsigned char *)&one == 1;
}

static const char *precision_name(prp_precision p) { return p == PRP_PREC_F32 ? "f32" : "f64"; }

/* The header up to (not including) the checksum line. */
static char *format_header(const prp_state *s, size_t *len) {
  char *buf = NULL;
  FILE *m = open_memstream(&buf, len);
  if (!m) prp_out_of_memory(0);
  fprintf(m, "%s %d\nendian little\nproblem %s\nprecision %s\nepoch %" PRIu64 "\nwidths",
          STATE_MAGIC, STATE_VERSION, s->problem, precision_name(s->precision), s->epoch);
  for (size_t i = 0; i < s->nwidths; i++) fprintf(m, " %zu", s->widths[i]);
  fprintf(m, "\nunknowns %zu\n", s->nunknowns);
  for (size_t i = 0; i < s->nunknowns; i++)
    fprintf(m, "unknown %s %.17g\n", s->unknown_names[i], s->unknown_values[i]);
  fprintf(m, "weights %zu\n", s->nweights);
  fclose(m);
  return buf;
}

static char *check_savable(const char *path, const prp_state *s) {
  if (!little_endian()) return prp_errorf("%s: state files are little-endian only", path);
  if (!is_word(s->problem)) return prp_errorf("%s: problem name must be one word", path);
  if (s->precision != PRP_PREC_F32 && s->precision != PRP_PREC_F64)
    return prp_errorf("%s: precision must be f32 or f64", path);
  if (s->nwidths < 2) return prp_errorf("%s: a network needs at least two widths", path);
  for (size_t i = 0; i < s->nunknowns; i++)
    if (!is_word(s->unknown_names[i]))
      return prp_errorf("%s: unknown name '%s' must be one word", path, s->unknown_names[i]);
  if (s->nweights != prp_state_weight_count(s->widths, s->nwidths))
    return prp_errorf("%s: %zu weights do not fit widths (%zu expected)", path, s->nweights,
                      prp_state_weight_count(s->widths, s->nwidths));
  return NULL;
}

char *prp_state_save(const char *path, const prp_state *s) {
  char *err = check_savable(path, s);
  if (err) return err;
  size_t header_len = 0;
  char *header = format_header(s, &header_len);
  size_t payload = s->nweights * (size_t)s->precision;
  uint64_t sum = prp_fnv64(prp_fnv64(PRP_FNV64_OFFSET, header, header_len), s->weights, payload);

  prp_output o;
  err = prp_output_open(&o, path);
  if (!err) {
    fwrite(header, 1, header_len, o.f);
    fprintf(o.f, "checksum %016" PRIx64 "\n", sum);
    if (payload) fwrite(s->weights, 1, payload, o.f);
    err = prp_output_commit(&o);   /* checks the stream's error flag */
  }
  free(header);
  return err;
}

/* ---- loading -------------------------------------------------------------------- */

typedef struct {
  const char *path;
  const char *data, *pos, *end;
  int line;
  char text[HEADER_LINE_MAX];
} header_reader;

/* Copies the next header line into r->text; false (and *err) when the file ends first. */
static bool next_line(header_reader *r, char **err) {
  const char *nl = memchr(r->pos, '\n', (size_t)(r->end - r->pos));
  r->line++;
  if (!nl) {
    *err = prp_errorf("%s: truncated file (header ends at line %d)", r->path, r->line);
    return false;
  }
  size_t n = (size_t)(nl - r->pos);
  if (n >= HEADER_LINE_MAX || memchr(r->pos, '\0', n)) {
    *err = prp_errorf("%s:%d: corrupted header line", r->path, r->line);
    return false;
  }
  memcpy(r->text, r->pos, n);
  r->text[n] = '\0';
  r->pos = nl + 1;
  return true;
}

/* Expects "KEY rest"; returns rest or NULL with *err set. */
static const char *expect_key(header_reader *r, const char *key, char **err) {
  if (!next_line(r, err)) return NULL;
  size_t k = strlen(key);
  if (strncmp(r->text, key, k) != 0 || r->text[k] != ' ') {
    *err = prp_errorf("%s:%d: expected '%s', found '%.40s'", r->path, r->line, key, r->text);
    return NULL;
  }
  return r->text + k + 1;
}

static bool parse_count(const char *s, uint64_t *v) {
  if (!isdigit((unsigned char)*s)) return false;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno || *end) return false;
  *v = x;
  return true;
}

static char *bad_value(header_reader *r, const char *what) {
  const char *space = strchr(r->text, ' ');
  return prp_errorf("%s:%d: bad %s '%.40s'", r->path, r->line, what, space ? space + 1 : r->text);
}

static char *read_identity(header_reader *r, prp_state *s) {
  char *err = NULL;
  const char *v;
  if (!(v = expect_key(r, "endian", &err))) return err;
  if (strcmp(v, "little") != 0 || !little_endian())
    return prp_errorf("%s:%d: byte order '%s' is not this machine's", r->path, r->line, v);
  if (!(v = expect_key(r, "problem", &err))) return err;
  if (!is_word(v)) return bad_value(r, "problem name");
  s->problem = prp_xstrdup(v);
  if (!(v = expect_key(r, "precision", &err))) return err;
  if (strcmp(v, "f32") == 0) s->precision = PRP_PREC_F32;
  else if (strcmp(v, "f64") == 0) s->precision = PRP_PREC_F64;
  else return bad_value(r, "precision");
  if (!(v = expect_key(r, "epoch", &err))) return err;
  if (!parse_count(v, &s->epoch) || s->epoch > PRP_STATE_MAX_EPOCH) return bad_value(r, "epoch");
  return NULL;
}

static char *read_widths(header_reader *r, prp_state *s) {
  char *err = NULL;
  const char *v = expect_key(r, "widths", &err);
  if (!v) return err;
  size_t cap = strlen(v) / 2 + 1;
  s->widths = prp_xcalloc(cap, sizeof *s->widths);
  char buf[HEADER_LINE_MAX];
  strcpy(buf, v);
  for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    uint64_t w;
    if (!parse_count(tok, &w) || w == 0 || w > (1u << 24) || s->nwidths == cap)
      return bad_value(r, "widths");
    s->widths[s->nwidths++] = (size_t)w;
  }
  if (s->nwidths < 2) return bad_value(r, "widths");
  return NULL;
}

static char *read_unknowns(header_reader *r, prp_state *s) {
  char *err = NULL;
  const char *v = expect_key(r, "unknowns", &err);
  uint64_t k;
  if (!v) return err;
  if (!parse_count(v, &k) || k > 100000) return bad_value(r, "unknown count");
  s->unknown_names = prp_xcalloc(k + 1, sizeof *s->unknown_names);
  s->unknown_values = prp_xcalloc(k + 1, sizeof *s->unknown_values);
  for (; s->nunknowns < k; s->nunknowns++) {
    if (!(v = expect_key(r, "unknown", &err))) return err;
    const char *sp = strchr(v, ' ');
    char *end;
    if (!sp || sp == v) return bad_value(r, "unknown");
    double x = strtod(sp + 1, &end);
    if (end == sp + 1 || *end || !isfinite(x)) return bad_value(r, "unknown value");
    s->unknown_names[s->nunknowns] = prp_xstrndup(v, (size_t)(sp - v));
    s->unknown_values[s->nunknowns] = x;
  }
  return NULL;
}

/* Parses the header; leaves r->pos at the payload, *stored = the checksum written in the
 * file, *covered = the header bytes it covers (all before the checksum line). */
static char *read_header(header_reader *r, prp_state *s, uint64_t *stored, size_t *covered) {
  char *err = NULL;
  if ((size_t)(r->end - r->data) < strlen(STATE_MAGIC) + 1 ||
      memcmp(r->data, STATE_MAGIC " ", strlen(STATE_MAGIC) + 1) != 0)
    return prp_errorf("%s: not a prp state file (wrong magic)", r->path);
  const char *v = expect_key(r, STATE_MAGIC, &err);
  uint64_t version;
  if (!v) return err;
  if (!parse_count(v, &version)) return bad_value(r, "version");
  if (version != STATE_VERSION)
    return prp_errorf("%s: unsupported state version %" PRIu64 " (this prp reads version %d)",
                      r->path, version, STATE_VERSION);
  if ((err = read_identity(r, s)) || (err = read_widths(r, s)) || (err = read_unknowns(r, s)))
    return err;
  uint64_t n;
  if (!(v = expect_key(r, "weights", &err))) return err;
  if (!parse_count(v, &n) || n != prp_state_weight_count(s->widths, s->nwidths))
    return prp_errorf("%s:%d: weight count '%s' does not fit the widths", r->path, r->line, v);
  s->nweights = (size_t)n;
  *covered = (size_t)(r->pos - r->data);
  if (!(v = expect_key(r, "checksum", &err))) return err;
  if (strlen(v) != 16 || strspn(v, "0123456789abcdef") != 16) return bad_value(r, "checksum");
  *stored = strtoull(v, NULL, 16);
  return NULL;
}

static bool weights_finite(const prp_state *s) {
  for (size_t i = 0; i < s->nweights; i++) {
    double w = s->precision == PRP_PREC_F32 ? (double)((const float *)s->weights)[i] : ((const double *)s->weights)[i];
    if (!isfinite(w)) return false;
  }
  return true;
}

static char *read_payload(header_reader *r, prp_state *s, uint64_t stored, size_t covered) {
  size_t want = s->nweights * (size_t)s->precision;
  size_t have = (size_t)(r->end - r->pos);
  if (have < want)
    return prp_errorf("%s: truncated file (%zu bytes of weights, expected %zu)", r->path, have, want);
  if (have > want)
    return prp_errorf("%s: %zu unexpected bytes after the weights", r->path, have - want);
  uint64_t actual = prp_fnv64(prp_fnv64(PRP_FNV64_OFFSET, r->data, covered), r->pos, want);
  if (actual != stored)
    return prp_errorf("%s: checksum mismatch (the file is corrupted)", r->path);
  s->weights = prp_xmalloc(want ? want : 1, 1);
  memcpy(s->weights, r->pos, want);
  return weights_finite(s) ? NULL : prp_errorf("%s: a weight is not a finite number", r->path);
}

static void format_widths(char *buf, size_t cap, const size_t *w, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%zu", i ? " " : "", w[i]);
}

static char *check_expected(const char *path, const prp_state *got, const prp_state *want) {
  if (strcmp(got->problem, want->problem) != 0)
    return prp_errorf("%s: state of problem '%s', not '%s'", path, got->problem, want->problem);
  if (got->precision != want->precision)
    return prp_errorf("%s: precision mismatch: the file has %s, the problem uses %s", path,
                      precision_name(got->precision), precision_name(want->precision));
  if (got->nwidths != want->nwidths ||
      memcmp(got->widths, want->widths, got->nwidths * sizeof *got->widths) != 0) {
    char a[256], b[256];
    format_widths(a, sizeof a, got->widths, got->nwidths);
    format_widths(b, sizeof b, want->widths, want->nwidths);
    return prp_errorf("%s: shape mismatch: the file has widths %s, the problem has %s", path, a, b);
  }
  bool same = got->nunknowns == want->nunknowns;
  for (size_t i = 0; same && i < got->nunknowns; i++)
    same = strcmp(got->unknown_names[i], want->unknown_names[i]) == 0;
  if (!same) return prp_errorf("%s: the file's unknowns differ from the problem's", path);
  return NULL;
}

char *prp_state_parse(const char *path, const char *data, size_t len, const prp_state *expect, prp_state *out) {
  memset(out, 0, sizeof *out);
  header_reader r = {.path = path, .data = data, .pos = data, .end = data + len};
  uint64_t stored = 0;
  size_t covered = 0;
  char *err = read_header(&r, out, &stored, &covered);
  if (!err) err = read_payload(&r, out, stored, covered);
  if (!err && expect) err = check_expected(path, out, expect);
  if (err) prp_state_free(out);
  return err;
}

char *prp_state_load(const char *path, const prp_state *expect, prp_state *out) {
  memset(out, 0, sizeof *out);
  char *data = NULL;
  size_t len = 0;
  char *err = prp_read_input(path, PRP_STATE_MAX_BYTES, "state file", &data, &len);
  if (err) return err;
  err = prp_state_parse(path, data, len, expect, out);
  free(data);
  return err;
}

void prp_state_free(prp_state *s) {
  free(s->problem);
  free(s->widths);
  for (size_t i = 0; i < s->nunknowns; i++) free(s->unknown_names[i]);
  free(s->unknown_names);
  free(s->unknown_values);
  free(s->weights);
  memset(s, 0, sizeof *s);
}
