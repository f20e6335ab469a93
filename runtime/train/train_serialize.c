/* Runtime, standalone binaries: a prp_train_problem as text and back (see
 * train_serialize.h). The text is a fixed sequence of `key value...` tokens:
 * tables of field descriptors below drive both directions, so writer and
 * reader cannot drift apart; the reader checks every key and range. */
#include "train_serialize.h"
#include "util.h"
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOB_MAGIC "prp-train-problem"
#define BLOB_VERSION 5

/* A field added to one of these structs must be added to the tables below
 * (the sizes are those of x86-64 and AArch64 Linux). */
#if defined(__x86_64__) || defined(__aarch64__)
static_assert(sizeof(prp_train_problem) == 25744, "prp_train_problem changed: update train_serialize.c");
/* Not serialized: kernel pointers (a built program links its own), the model check
 * (model_misfit, model_residuals: built programs have no simulator of the model) and restart_workers (the
 * machine's, not the problem's: a built program's --restart-workers). */
static_assert(sizeof(prp_train_term) == 344, "prp_train_term changed: update train_serialize.c");
static_assert(sizeof(prp_schedule) == 2352, "prp_schedule changed: update train_serialize.c");
static_assert(sizeof(prp_train_unknown) == 48, "prp_train_unknown changed: update train_serialize.c");
static_assert(sizeof(prp_mlp_shape) == 144, "prp_mlp_shape changed: update train_serialize.c");
#endif
static_assert(sizeof(prp_train_term_kind) == sizeof(int) && sizeof(prp_shape) == sizeof(int) &&
              sizeof(prp_transform) == sizeof(int) && sizeof(prp_activation) == sizeof(int) &&
              sizeof(prp_sample_kind) == sizeof(int), "enums are read and written as int");

typedef enum { F_INT, F_UINT, F_UCHAR, F_U64, F_SIZE, F_REAL, F_STR, F_TABLE } field_type;

typedef struct {
  const char *key;
  field_type type;
  size_t offset;
  int count;          /* array length (1 for a scalar) */
  long long lo, hi;   /* range of integer fields */
} field;

#define FLD(S, key, type, member, count, lo, hi) {key, type, offsetof(S, member), count, lo, hi}
#define INT(S, m, lo, hi) FLD(S, #m, F_INT, m, 1, lo, hi)
#define INTS(S, m, n, lo, hi) FLD(S, #m, F_INT, m, n, lo, hi)
#define REAL(S, m) FLD(S, #m, F_REAL, m, 1, 0, 0)
#define REALS(S, m, n) FLD(S, #m, F_REAL, m, n, 0, 0)
#define STR(S, m) FLD(S, #m, F_STR, m, 1, 0, 0)
#define STRS(S, m, n) FLD(S, #m, F_STR, m, n, 0, 0)

enum { BIG = 1000000000 };

static const field term_fields[] = {
  INT(prp_train_term, kind, PRP_TERM_KIND_PDE, PRP_TERM_KIND_DATA),
  STR(prp_train_term, name),
  INT(prp_train_term, coord, -BIG, BIG),
  INT(prp_train_term, upper, -BIG, BIG),
  REAL(prp_train_term, weight),
  INT(prp_train_term, n_jets, 0, PRP_TRAIN_MAX_JETS),
  INTS(prp_train_term, jet_slot, PRP_TRAIN_MAX_JETS, -BIG, BIG),
  FLD(prp_train_term, "spec.first", F_UINT, spec.first, 1, 0, 0xffffffffLL),
  FLD(prp_train_term, "spec.n_second", F_INT, spec.n_second, 1, 0, PRP_JET_MAX_SECOND),
  FLD(prp_train_term, "spec.second", F_UCHAR, spec.second, 2 * PRP_JET_MAX_SECOND, 0, 255),
  FLD(prp_train_term, "spec.lap", F_UINT, spec.lap, 1, 0, 0xffffffffLL),
  INTS(prp_train_term, jet_kind, PRP_TRAIN_MAX_JETS, -BIG, BIG),
  INTS(prp_train_term, jet_a, PRP_TRAIN_MAX_JETS, -BIG, BIG),
  INTS(prp_train_term, jet_b, PRP_TRAIN_MAX_JETS, -BIG, BIG),
};

static const field unknown_fields[] = {
  STR(prp_train_unknown, name),
  REAL(prp_train_unknown, guess),
  REAL(prp_train_unknown, lo),
  REAL(prp_train_unknown, hi),
  INT(prp_train_unknown, transform, PRP_TRANSFORM_IDENTITY, PRP_TRANSFORM_POSITIVE),
  REAL(prp_train_unknown, truth),
};

static const field schedule_fields[] = {
  STR(prp_schedule, name),
  REAL(prp_schedule, from),
  REAL(prp_schedule, to),
  REAL(prp_schedule, until),
  INT(prp_schedule, shape, PRP_SHAPE_LINEAR, PRP_SHAPE_TABLE),
  INT(prp_schedule, npoints, 0, 16),
  REALS(prp_schedule, at, 16),
  REALS(prp_schedule, value, 16),
  FLD(prp_schedule, "table", F_TABLE, table, 257, 0, 0),
};

/* The problem's own fields; the terms, unknowns, schedules and observations follow. */
static const field problem_fields[] = {
  INT(prp_train_problem, n_inputs, 1, 4),
  INT(prp_train_problem, n_space, 0, 4),
  INT(prp_train_problem, time_index, -1, 3),
  REALS(prp_train_problem, lo, 4),
  REALS(prp_train_problem, hi, 4),
  STRS(prp_train_problem, coord_names, 4),
  STR(prp_train_problem, field_name),
  STR(prp_train_problem, problem_name),
  INT(prp_train_problem, n_coord_slots, 0, BIG),
  INT(prp_train_problem, n_kernel_jets, 0, BIG),
  INT(prp_train_problem, n_pointdata, 0, BIG),
  INT(prp_train_problem, n_scalars, 0, PRP_TRAIN_MAX_SCALARS),
  INT(prp_train_problem, n_terms, 0, PRP_TRAIN_MAX_TERMS),
  INT(prp_train_problem, n_unknowns, 0, PRP_TRAIN_MAX_UNKNOWNS),
  INT(prp_train_problem, relaxed, 0, 1),
  INTS(prp_train_problem, has_schedule, PRP_TRAIN_MAX_SCALARS, 0, 1),
  REALS(prp_train_problem, scalar_fixed, PRP_TRAIN_MAX_SCALARS),
  INT(prp_train_problem, nudge_obs_slot, -1, BIG),
  INT(prp_train_problem, nudge_w_slot, -1, BIG),
  INT(prp_train_problem, u_obs_slot, -1, BIG),
  REAL(prp_train_problem, nudge_width),
  INT(prp_train_problem, source_width_scalar, -1, PRP_TRAIN_MAX_SCALARS - 1),
  INT(prp_train_problem, source_energy_free, 0, 1),
  FLD(prp_train_problem, "n_obs", F_SIZE, n_obs, 1, 0, (long long)1 << 40),
  INT(prp_train_problem, single, 0, 1),
  FLD(prp_train_problem, "net.n_inputs", F_INT, net.n_inputs, 1, 0, PRP_MLP_MAX_INPUTS),
  FLD(prp_train_problem, "net.n_hidden", F_INT, net.n_hidden, 1, 0, PRP_MLP_MAX_HIDDEN),
  FLD(prp_train_problem, "net.widths", F_INT, net.widths, PRP_MLP_MAX_HIDDEN, 0, BIG),
  FLD(prp_train_problem, "net.activation", F_INT, net.activation, 1, PRP_ACT_TANH, PRP_ACT_SOFTPLUS),
  FLD(prp_train_problem, "net.lo", F_REAL, net.lo, PRP_MLP_MAX_INPUTS, 0, 0),
  FLD(prp_train_problem, "net.hi", F_REAL, net.hi, PRP_MLP_MAX_INPUTS, 0, 0),
  INT(prp_train_problem, epochs, 0, BIG),
  INT(prp_train_problem, lbfgs_iterations, 0, BIG),
  INT(prp_train_problem, warmup_epochs, 0, BIG),
  REAL(prp_train_problem, warmup_share),
  REAL(prp_train_problem, unknowns_slowdown),
  REAL(prp_train_problem, lr),
  REAL(prp_train_problem, lr_unknowns),
  REAL(prp_train_problem, lr_decay),
  INT(prp_train_problem, lr_every, -BIG, BIG),
  INT(prp_train_problem, n_collocation, 0, BIG),
  INT(prp_train_problem, n_boundary, 0, BIG),
  INT(prp_train_problem, n_initial, 0, BIG),
  INT(prp_train_problem, sampler, PRP_SAMPLE_UNIFORM, PRP_SAMPLE_LHS),
  INT(prp_train_problem, resample_every, -BIG, BIG),
  FLD(prp_train_problem, "seed", F_U64, seed, 1, 0, 0),
  INT(prp_train_problem, log_every, -BIG, BIG),
  INT(prp_train_problem, restarts, -BIG, BIG),
  INT(prp_train_problem, threads, -BIG, BIG),
  STR(prp_train_problem, output_dir),
  INT(prp_train_problem, quiet, 0, 1),
  REAL(prp_train_problem, noise_std),
  REAL(prp_train_problem, stop_tol),
  INT(prp_train_problem, stop_over, 0, BIG),
  INT(prp_train_problem, strict_epochs, 0, BIG),
  INT(prp_train_problem, strict_resample, 0, BIG),
  INT(prp_train_problem, refine_steps, 0, BIG),
  INT(prp_train_problem, refine_path, 0, BIG),
  INT(prp_train_problem, refine_hops, 0, BIG),
  INT(prp_train_problem, refine_by_default, 0, 1),
};

static const field meta_fields[] = {
  STR(prp_train_meta, producer),
  STR(prp_train_meta, source),
  FLD(prp_train_meta, "log_every_auto", F_INT, epochs.log_every_auto, 1, 0, 1),
  FLD(prp_train_meta, "until_epochs", F_REAL, epochs.until_epochs, PRP_TRAIN_MAX_SCALARS, 0, 0),
  FLD(prp_train_meta, "at_epochs", F_REAL, epochs.at_epochs, PRP_TRAIN_MAX_SCALARS * 16, 0, 0),
};

#define NFIELDS(t) (sizeof t / sizeof t[0])

/* ---- epoch rules ------------------------------------------------------------------ */

void prp_train_epoch_rules_none(prp_train_epoch_rules *rules) {
  rules->log_every_auto = 0;
  for (int k = 0; k < PRP_TRAIN_MAX_SCALARS; k++) {
    rules->until_epochs[k] = NAN;
    for (int i = 0; i < 16; i++) rules->at_epochs[k][i] = NAN;
  }
}

int prp_train_log_every_auto(int epochs) { return epochs / 200 > 0 ? epochs / 200 : 1; }

/* The same arithmetic as compiler/plan.c, so the shares are bitwise equal. */
void prp_train_set_epochs(prp_train_problem *pb, const prp_train_epoch_rules *rules, int epochs) {
  pb->epochs = epochs;
  double per = epochs > 0 ? epochs : 1;
  for (int k = 0; k < PRP_TRAIN_MAX_SCALARS; k++) {
    if (!pb->has_schedule[k]) continue;
    prp_schedule *s = &pb->schedules[k];
    if (!isnan(rules->until_epochs[k])) s->until = rules->until_epochs[k] / per;
    for (int i = 0; i < s->npoints && i < 16; i++)
      if (!isnan(rules->at_epochs[k][i])) s->at[i] = rules->at_epochs[k][i] / per;
  }
  if (rules->log_every_auto) pb->log_every = prp_train_log_every_auto(epochs);
}


char *prp_train_set_guess(prp_train_problem *pb, const char *arg) {
  const char *eq = strchr(arg, '=');
  char *end = NULL;
  double v = eq ? strtod(eq + 1, &end) : 0;
  char quoted[PRP_EXCERPT_CHARS + 4];
  if (!eq || end == eq + 1 || *end || !isfinite(v))
    return prp_errorf("--guess expects NAME=VALUE with a finite number, not '%s'", prp_excerpt(quoted, arg));
  size_t len = (size_t)(eq - arg);
  int k = 0;
  while (k < pb->n_unknowns && (strncmp(pb->unknowns[k].name, arg, len) != 0 || pb->unknowns[k].name[len] != '\0')) k++;
  if (k == pb->n_unknowns) return prp_errorf("--guess: '%.*s' is not an unknown of this problem",
                                             (int)(len > PRP_EXCERPT_CHARS ? PRP_EXCERPT_CHARS : len), arg);
  prp_train_unknown *u = &pb->unknowns[k];
  if (!(v >= u->lo && v <= u->hi)) return prp_errorf("--guess: %s = %g lies outside its bounds [%g, %g]", u->name, v, u->lo, u->hi);
  u->guess = v;
  return NULL;
}

/* ---- writing ---------------------------------------------------------------------- */

static void write_string(FILE *f, const char *s) {
  if (!s) { fputs(" -", f); return; }
  fputs(" \"", f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\x%02x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

static void write_reals(FILE *f, const double *v, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(f, (i % 8 == 7 && i + 1 < n) ? " %a\n " : " %a", v[i]);
}

static void write_field(FILE *f, const void *base, const field *fd) {
  const char *p = (const char *)base + fd->offset;
  fputs(fd->key, f);
  for (int i = 0; i < fd->count; i++) {
    switch (fd->type) {
    case F_INT: fprintf(f, " %d", ((const int *)p)[i]); break;
    case F_UINT: fprintf(f, " %u", ((const unsigned *)p)[i]); break;
    case F_UCHAR: fprintf(f, " %u", ((const unsigned char *)p)[i]); break;
    case F_U64: fprintf(f, " %llu", (unsigned long long)((const uint64_t *)p)[i]); break;
    case F_SIZE: fprintf(f, " %zu", ((const size_t *)p)[i]); break;
    case F_REAL: write_reals(f, (const double *)p + i, 1); break;
    case F_STR: write_string(f, ((const char *const *)p)[i]); break;
    case F_TABLE: break;
    }
  }
  if (fd->type == F_TABLE) {
    /* Only user-defined shapes have a table: an all-zero one is written as its count 0. */
    const double *t = (const double *)p;
    int used = 0;
    for (int i = 0; i < fd->count; i++) used |= t[i] != 0;
    fprintf(f, " %d", used ? fd->count : 0);
    if (used) write_reals(f, t, (size_t)fd->count);
  }
  fputc('\n', f);
}

static void write_fields(FILE *f, const void *base, const field *fields, size_t n) {
  for (size_t i = 0; i < n; i++) write_field(f, base, &fields[i]);
}

static _Noreturn void out_of_memory(void) {
  fputs("prp: out of memory while serialising the problem\n", stderr);
  abort();
}

char *prp_train_serialize(const prp_train_problem *pb, const prp_train_meta *meta, size_t *size) {
  char *text = NULL;
  FILE *f = open_memstream(&text, size);
  if (!f) out_of_memory();
  prp_train_meta none = {0};
  prp_train_epoch_rules_none(&none.epochs);
  if (!meta) meta = &none;
  fprintf(f, "%s %d\n", BLOB_MAGIC, BLOB_VERSION);
  write_fields(f, meta, meta_fields, NFIELDS(meta_fields));
  fputs("problem\n", f);
  write_fields(f, pb, problem_fields, NFIELDS(problem_fields));
  for (int i = 0; i < pb->n_terms; i++) {
    fprintf(f, "term %d\n", i);
    write_fields(f, &pb->terms[i], term_fields, NFIELDS(term_fields));
  }
  for (int i = 0; i < pb->n_unknowns; i++) {
    fprintf(f, "unknown %d\n", i);
    write_fields(f, &pb->unknowns[i], unknown_fields, NFIELDS(unknown_fields));
  }
  for (int k = 0; k < PRP_TRAIN_MAX_SCALARS; k++) {
    fprintf(f, "schedule %d\n", k);
    write_fields(f, &pb->schedules[k], schedule_fields, NFIELDS(schedule_fields));
  }
  fputs("obs_x", f);
  write_reals(f, pb->obs_x, pb->n_obs * (size_t)pb->n_inputs);
  fputs("\nobs_u", f);
  write_reals(f, pb->obs_u, pb->n_obs);
  fputs("\nend\n", f);
  if (ferror(f) | fclose(f)) out_of_memory();
  return text;
}

/* ---- reading ---------------------------------------------------------------------- */

typedef struct {
  const char *start, *p, *end;   /* the text, NUL-terminated at end */
  char *err;
} reader;

static int fail(reader *r, const char *fmt, ...) {
  if (r->err) return -1;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int line = 1;
  for (const char *q = r->start; q < r->p; q++) line += *q == '\n';
  r->err = prp_errorf("problem description, line %d: %s", line, msg);
  return -1;
}

static void skip_space(reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r')) r->p++;
}

/* The next space-separated token, copied into buf (size len); 0 or -1. */
static int token(reader *r, char *buf, size_t len, const char *what) {
  skip_space(r);
  size_t n = 0;
  while (r->p < r->end && *r->p != ' ' && *r->p != '\n' && *r->p != '\t' && *r->p != '\r') {
    if (n + 1 >= len) return fail(r, "%s is too long", what);
    buf[n++] = *r->p++;
  }
  buf[n] = '\0';
  if (n == 0) return fail(r, "ends before %s", what);
  return 0;
}

static int expect_key(reader *r, const char *key) {
  char buf[64];
  if (token(r, buf, sizeof buf, key) != 0) return -1;
  if (strcmp(buf, key) != 0) return fail(r, "expected '%s', found '%s'", key, buf);
  return 0;
}

static int read_integer(reader *r, const field *fd, long long *out) {
  char buf[64], *end;
  if (token(r, buf, sizeof buf, fd->key) != 0) return -1;
  errno = 0;
  long long v = fd->type == F_U64 ? (long long)strtoull(buf, &end, 10) : strtoll(buf, &end, 10);
  if (*end || errno) return fail(r, "'%s' is not a whole number (%s)", buf, fd->key);
  if (fd->type != F_U64 && (v < fd->lo || v > fd->hi))
    return fail(r, "%s = %lld is out of range [%lld, %lld]", fd->key, v, fd->lo, fd->hi);
  *out = v;
  return 0;
}

static int read_real(reader *r, const char *what, double *out) {
  char buf[64], *end;
  if (token(r, buf, sizeof buf, what) != 0) return -1;
  *out = strtod(buf, &end);
  if (*end) return fail(r, "'%s' is not a number (%s)", buf, what);
  return 0;
}

static int hex_digit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A quoted string (malloc'd into *out) or '-' for NULL. */
static int read_string(reader *r, const char *what, char **out) {
  skip_space(r);
  *out = NULL;
  if (r->p < r->end && *r->p == '-') { r->p++; return 0; }
  if (r->p >= r->end || *r->p != '"') return fail(r, "expected a string (%s)", what);
  const char *start = ++r->p;
  char *s = prp_xmalloc((size_t)(r->end - start) + 1, 1), *q = s;
  while (r->p < r->end && *r->p != '"') {
    char c = *r->p++;
    if (c == '\\' && r->p < r->end && *r->p == 'x' && r->end - r->p >= 3 &&
        hex_digit(r->p[1]) >= 0 && hex_digit(r->p[2]) >= 0) {
      c = (char)(hex_digit(r->p[1]) * 16 + hex_digit(r->p[2]));
      r->p += 3;
    } else if (c == '\\' && r->p < r->end) c = *r->p++;
    *q++ = c;
  }
  if (r->p >= r->end) { free(s); return fail(r, "unterminated string (%s)", what); }
  r->p++;
  *q = '\0';
  *out = s;
  return 0;
}

static int read_table(reader *r, const field *fd, double *t) {
  long long n;
  field count = {fd->key, F_INT, 0, 1, 0, fd->count};
  if (read_integer(r, &count, &n) != 0) return -1;
  if (n != 0 && n != fd->count) return fail(r, "%s has %lld values, not %d", fd->key, n, fd->count);
  for (long long i = 0; i < n; i++)
    if (read_real(r, fd->key, &t[i]) != 0) return -1;
  return 0;
}

static int read_field(reader *r, void *base, const field *fd) {
  char *p = (char *)base + fd->offset;
  if (expect_key(r, fd->key) != 0) return -1;
  if (fd->type == F_TABLE) return read_table(r, fd, (double *)p);
  for (int i = 0; i < fd->count; i++) {
    long long v = 0;
    int rc = 0;
    switch (fd->type) {
    case F_REAL: rc = read_real(r, fd->key, (double *)p + i); break;
    case F_STR: rc = read_string(r, fd->key, (char **)p + i); break;
    default: rc = read_integer(r, fd, &v); break;
    }
    if (rc != 0) return -1;
    switch (fd->type) {
    case F_INT: ((int *)p)[i] = (int)v; break;
    case F_UINT: ((unsigned *)p)[i] = (unsigned)v; break;
    case F_UCHAR: ((unsigned char *)p)[i] = (unsigned char)v; break;
    case F_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
    case F_SIZE: ((size_t *)p)[i] = (size_t)v; break;
    default: break;
    }
  }
  return 0;
}

static int read_fields(reader *r, void *base, const field *fields, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (read_field(r, base, &fields[i]) != 0) return -1;
  return 0;
}

/* `key index` heading a section, then its fields. */
static int read_section(reader *r, const char *key, int index, void *base, const field *fields, size_t n) {
  long long i;
  field fd = {key, F_INT, 0, 1, index, index};
  if (expect_key(r, key) != 0 || read_integer(r, &fd, &i) != 0) return -1;
  return read_fields(r, base, fields, n);
}

static int read_reals(reader *r, const char *key, size_t n, double **out) {
  if (expect_key(r, key) != 0) return -1;
  /* every value takes at least two characters: a count beyond that is a lie */
  if (n > (size_t)(r->end - r->p) / 2) return fail(r, "%s: %zu values cannot fit in the rest of the text", key, n);
  *out = malloc(n * sizeof **out + 1);
  if (!*out) return fail(r, "%s: out of memory for %zu values", key, n);
  for (size_t i = 0; i < n; i++)
    if (read_real(r, key, &(*out)[i]) != 0) return -1;
  return 0;
}

static int read_header(reader *r) {
  char magic[64];
  long long version;
  field fd = {"version", F_INT, 0, 1, BLOB_VERSION, BLOB_VERSION};
  if (token(r, magic, sizeof magic, "the header") != 0) return -1;
  if (strcmp(magic, BLOB_MAGIC) != 0) return fail(r, "not a problem description (starts with '%s')", magic);
  return read_integer(r, &fd, &version);
}

static int read_problem(reader *r, prp_train_problem *pb, prp_train_meta *meta) {
  if (read_header(r) != 0 || read_fields(r, meta, meta_fields, NFIELDS(meta_fields)) != 0) return -1;
  if (expect_key(r, "problem") != 0 || read_fields(r, pb, problem_fields, NFIELDS(problem_fields)) != 0) return -1;
  for (int i = 0; i < pb->n_terms; i++)
    if (read_section(r, "term", i, &pb->terms[i], term_fields, NFIELDS(term_fields)) != 0) return -1;
  for (int i = 0; i < pb->n_unknowns; i++)
    if (read_section(r, "unknown", i, &pb->unknowns[i], unknown_fields, NFIELDS(unknown_fields)) != 0) return -1;
  for (int k = 0; k < PRP_TRAIN_MAX_SCALARS; k++)
    if (read_section(r, "schedule", k, &pb->schedules[k], schedule_fields, NFIELDS(schedule_fields)) != 0) return -1;
  if (read_reals(r, "obs_x", pb->n_obs * (size_t)pb->n_inputs, &pb->obs_x) != 0) return -1;
  if (read_reals(r, "obs_u", pb->n_obs, &pb->obs_u) != 0) return -1;
  if (expect_key(r, "end") != 0) return -1;
  skip_space(r);
  if (r->p != r->end) return fail(r, "text after the end");
  return 0;
}

char *prp_train_deserialize(const char *blob, size_t size, prp_train_problem *pb, prp_train_meta *meta) {
  prp_train_meta own;
  if (!meta) meta = &own;
  memset(pb, 0, sizeof *pb);
  memset(meta, 0, sizeof *meta);
  char *text = prp_xmalloc(size + 1, 1);   /* NUL-terminated for strtod */
  memcpy(text, blob, size);
  text[size] = '\0';
  if (memchr(text, '\0', size)) size = strlen(text);
  reader r = {text, text, text + size, NULL};
  read_problem(&r, pb, meta);
  free(text);
  if (r.err) {
    prp_train_problem_free(pb);
    prp_train_meta_free(meta);
  } else if (meta == &own) prp_train_meta_free(meta);
  return r.err;
}

/* ---- freeing ---------------------------------------------------------------------- */

static void free_strings(void *base, const field *fields, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (fields[i].type == F_STR)
      for (int k = 0; k < fields[i].count; k++) {
        char **s = (char **)((char *)base + fields[i].offset) + k;
        free(*s);
        *s = NULL;
      }
}

void prp_train_problem_free(prp_train_problem *pb) {
  free_strings(pb, problem_fields, NFIELDS(problem_fields));
  for (int i = 0; i < PRP_TRAIN_MAX_TERMS; i++) free_strings(&pb->terms[i], term_fields, NFIELDS(term_fields));
  for (int i = 0; i < PRP_TRAIN_MAX_UNKNOWNS; i++)
    free_strings(&pb->unknowns[i], unknown_fields, NFIELDS(unknown_fields));
  for (int k = 0; k < PRP_TRAIN_MAX_SCALARS; k++)
    free_strings(&pb->schedules[k], schedule_fields, NFIELDS(schedule_fields));
  free(pb->obs_x);
  free(pb->obs_u);
  memset(pb, 0, sizeof *pb);
}

void prp_train_meta_free(prp_train_meta *meta) {
  free_strings(meta, meta_fields, NFIELDS(meta_fields));
}

void prp_train_problem_set_output(prp_train_problem *pb, const char *dir) {
  free((char *)pb->output_dir);
  pb->output_dir = dir ? prp_xstrdup(dir) : NULL;
}
