/* Runtime, run output and input: the sensor-file reader (every error located by file and
 * line) and the CSV table writers; see csv.h. */
#include "csv.h"
#include "state_io.h"
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void prp_table_free(prp_table *t) {
  free(t->data);
  memset(t, 0, sizeof *t);
}

/* ---- reading -------------------------------------------------------------------- */

typedef struct {
  const char *path;
  const char *const *names;
  size_t ncols;
  const prp_interval *box;
  size_t nbox;
  int line;
  size_t *file_to_caller; /* file column index -> caller column index */
  size_t nfile_cols;
  char *buf;              /* the current line, split in place */
  size_t buf_cap;
  char **fields;
  size_t nfields, fields_cap;
  double *rows;
  size_t nrows, rows_cap;
} csv_reader;

static char *located(csv_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *located(csv_reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *what = prp_verrorf(fmt, ap);
  va_end(ap);
  char *msg = prp_errorf("%s:%d: %s", r->path, r->line, what);
  free(what);
  return msg;
}

/* "x, y, t, u", for messages. */
static char *expected_list(csv_reader *r) {
  size_t n = 1;
  for (size_t i = 0; i < r->ncols; i++) n += strlen(r->names[i]) + 2;
  char *s = malloc(n);
  s[0] = '\0';
  for (size_t i = 0; i < r->ncols; i++) {
    if (i) strcat(s, ", ");
    strcat(s, r->names[i]);
  }
  return s;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  return s;
}

/* Copies one line into r->buf without its line ending and comment; returns the trimmed text. */
static char *load_line(csv_reader *r, const char *start, size_t len) {
  if (len + 1 > r->buf_cap) {
    r->buf_cap = len + 1;
    r->buf = realloc(r->buf, r->buf_cap);
  }
  memcpy(r->buf, start, len);
  r->buf[len] = '\0';
  if (len && r->buf[len - 1] == '\r') r->buf[len - 1] = '\0';
  char *hash = strchr(r->buf, '#');
  if (hash) *hash = '\0';
  return trim(r->buf);
}

static void split_fields(csv_reader *r, char *text) {
  r->nfields = 0;
  for (char *p = text;;) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    if (r->nfields == r->fields_cap) {
      r->fields_cap = r->fields_cap ? 2 * r->fields_cap : 16;
      r->fields = realloc(r->fields, r->fields_cap * sizeof *r->fields);
    }
    r->fields[r->nfields++] = trim(p);
    if (!comma) break;
    p = comma + 1;
  }
}

static char *unquote(char *s) {
  size_t n = strlen(s);
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = '\0';
    return trim(s + 1);
  }
  return s;
}

static bool parse_number(const char *s, double *v) {
  if (!*s) return false;
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  return *end == '\0';
}

static char *parse_header(csv_reader *r, char *text) {
  split_fields(r, text);
  double dummy;
  if (parse_number(r->fields[0], &dummy)) {
    char *list = expected_list(r);
    char *err = located(r, "expected a header naming the columns %s, found numbers", list);
    free(list);
    return err;
  }
  r->nfile_cols = r->nfields;
  r->file_to_caller = malloc(r->nfields * sizeof *r->file_to_caller);
  size_t *seen_at = calloc(r->ncols, sizeof *seen_at); /* file column + 1, or 0 */
  char *err = NULL;
  for (size_t f = 0; f < r->nfields && !err; f++) {
    char *name = unquote(r->fields[f]);
    size_t c = 0;
    while (c < r->ncols && strcmp(name, r->names[c]) != 0) c++;
    if (!*name) {
      err = located(r, "empty column name (column %zu)", f + 1);
    } else if (c == r->ncols && r->nfields == 1 && strpbrk(name, ";\t")) {
      err = located(r, "columns must be separated by commas, found '%s'", name);
    } else if (c == r->ncols) {
      char *list = expected_list(r);
      err = located(r, "unknown column '%s' (expected %s)", name, list);
      free(list);
    } else if (seen_at[c]) {
      err = located(r, "column '%s' appears twice", name);
    } else {
      seen_at[c] = f + 1;
      r->file_to_caller[f] = c;
    }
  }
  for (size_t c = 0; c < r->ncols && !err; c++) {
    if (!seen_at[c]) {
      char *list = expected_list(r);
      err = located(r, "missing column '%s' (expected %s)", r->names[c], list);
      free(list);
    }
  }
  free(seen_at);
  return err;
}

static char *check_value(csv_reader *r, size_t c, const char *text, double v) {
  if (c < r->nbox && (v < r->box[c].lo || v > r->box[c].hi))
    return located(r, "point outside the domain: %s = %s is not in [%g, %g]", r->names[c], text,
                   r->box[c].lo, r->box[c].hi);
  return NULL;
}

static char *parse_row(csv_reader *r, char *text) {
  split_fields(r, text);
  if (r->nfields != r->nfile_cols)
    return located(r, "expected %zu value%s, found %zu", r->nfile_cols,
                   r->nfile_cols == 1 ? "" : "s", r->nfields);
  if (r->nrows == r->rows_cap) {
    r->rows_cap = r->rows_cap ? 2 * r->rows_cap : 64;
    r->rows = realloc(r->rows, r->rows_cap * r->ncols * sizeof *r->rows);
  }
  double *row = r->rows + r->nrows * r->ncols;
  for (size_t f = 0; f < r->nfields; f++) {
    size_t c = r->file_to_caller[f];
    const char *s = r->fields[f];
    double v;
    if (!*s) return located(r, "column '%s': empty value", r->names[c]);
    if (!parse_number(s, &v)) return located(r, "column '%s': '%s' is not a number", r->names[c], s);
    if (!isfinite(v)) return located(r, "column '%s': '%s' is not a finite number", r->names[c], s);
    char *err = check_value(r, c, s, v);
    if (err) return err;
    row[c] = v;
  }
  r->nrows++;
  return NULL;
}

static char *parse_lines(csv_reader *r, const char *text, size_t len) {
  bool have_header = false;
  const char *p = text, *end = text + len;
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) p += 3; /* UTF-8 byte order mark */
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    r->line++;
    if (memchr(p, '\0', n)) return located(r, "unexpected NUL byte (not a text file?)");
    char *line = load_line(r, p, n);
    p += n + (nl != NULL);
    if (!*line) continue;
    char *err = have_header ? parse_row(r, line) : parse_header(r, line);
    if (err) return err;
    have_header = true;
  }
  if (!have_header) {
    char *list = expected_list(r);
    char *err = prp_errorf("%s: empty file (expected a header naming the columns %s)", r->path, list);
    free(list);
    return err;
  }
  if (r->nrows == 0) return prp_errorf("%s: no data rows after the header", r->path);
  return NULL;
}

char *prp_csv_parse_sensors(const char *path, const char *text, size_t len,
                            const char *const *names, size_t ncols,
                            const prp_interval *box, size_t nbox, prp_table *out) {
  memset(out, 0, sizeof *out);
  csv_reader r = {.path = path, .names = names, .ncols = ncols, .box = box, .nbox = box ? nbox : 0};
  char *err = parse_lines(&r, text, len);
  if (!err) {
    out->nrows = r.nrows;
    out->ncols = ncols;
    out->data = r.rows;
    r.rows = NULL;
  }
  free(r.rows);
  free(r.buf);
  free(r.fields);
  free(r.file_to_caller);
  return err;
}

char *prp_csv_read_sensors(const char *path, const char *const *names, size_t ncols,
                           const prp_interval *box, size_t nbox, prp_table *out) {
  memset(out, 0, sizeof *out);
  struct stat st;
  if (stat(path, &st) != 0) return prp_errorf("%s: cannot open: %s", path, strerror(errno));
  if (S_ISDIR(st.st_mode)) return prp_errorf("%s: is a directory", path);
  FILE *f = fopen(path, "rb");
  if (!f) return prp_errorf("%s: cannot open: %s", path, strerror(errno));
  size_t cap = 1 << 14, len = 0;
  char *text = malloc(cap);
  for (size_t got; (got = fread(text + len, 1, cap - len, f)) > 0;) {
    len += got;
    if (len == cap) text = realloc(text, cap *= 2);
  }
  char *err = ferror(f) ? prp_errorf("%s: read error", path) : NULL;
  fclose(f);
  if (!err) err = prp_csv_parse_sensors(path, text, len, names, ncols, box, nbox, out);
  free(text);
  return err;
}

/* ---- writing -------------------------------------------------------------------- */

struct prp_csv_writer {
  FILE *f;
  char *path;
  size_t ncols;
};

static void write_header(FILE *f, const char *const *names, size_t ncols) {
  for (size_t c = 0; c < ncols; c++) fprintf(f, "%s%s", c ? "," : "", names[c]);
  fputc('\n', f);
}

static void write_row(FILE *f, const double *v, size_t ncols) {
  for (size_t c = 0; c < ncols; c++) fprintf(f, "%s%.17g", c ? "," : "", v[c]);
  fputc('\n', f);
}

char *prp_csv_writer_open(prp_csv_writer **w, const char *path,
                          const char *const *names, size_t ncols) {
  *w = NULL;
  FILE *f = fopen(path, "w");
  if (!f) return prp_errorf("%s: cannot write: %s", path, strerror(errno));
  write_header(f, names, ncols);
  if (fflush(f) != 0) {
    char *err = prp_errorf("%s: write failed: %s", path, strerror(errno));
    fclose(f);
    return err;
  }
  prp_csv_writer *nw = malloc(sizeof *nw);
  *nw = (prp_csv_writer){.f = f, .path = strdup(path), .ncols = ncols};
  *w = nw;
  return NULL;
}

char *prp_csv_writer_row(prp_csv_writer *w, const double *values) {
  write_row(w->f, values, w->ncols);
  if (fflush(w->f) != 0 || ferror(w->f))
    return prp_errorf("%s: write failed: %s", w->path, strerror(errno));
  return NULL;
}

char *prp_csv_writer_close(prp_csv_writer *w) {
  if (!w) return NULL;
  char *err = NULL;
  if (ferror(w->f) | fclose(w->f)) err = prp_errorf("%s: write failed: %s", w->path, strerror(errno));
  free(w->path);
  free(w);
  return err;
}

char *prp_csv_write_table(const char *path, const char *const *names, const prp_table *t) {
  prp_atomic_file a;
  char *err = prp_atomic_open(&a, path);
  if (err) return err;
  write_header(a.f, names, t->ncols);
  for (size_t r = 0; r < t->nrows; r++) write_row(a.f, t->data + r * t->ncols, t->ncols);
  return prp_atomic_commit(&a);
}
