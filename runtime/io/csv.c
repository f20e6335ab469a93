/* Runtime, run output and input: the sensor-file reader (every error located by file and
 * line) and the CSV table writers; see csv.h. */
#include "csv.h"
#include "input.h"
#include "output.h"
#include "util.h"
#include <ctype.h>
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
  int *row_line;          /* the line of each row, for messages */
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
  char *s = prp_xmalloc(n, 1);
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
    r->buf = prp_xrealloc(r->buf, r->buf_cap, 1);
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
      r->fields = prp_xrealloc(r->fields, r->fields_cap, sizeof *r->fields);
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

/* A name worth quoting back: an identifier of at most PRP_EXCERPT_CHARS bytes. Anything
 * else may be a line of a file that is no sensor file at all, which is not repeated. */
static bool quotable_name(const char *s) {
  if (!isalpha((unsigned char)*s) && *s != '_') return false;
  size_t n = 0;
  for (; *s; s++, n++)
    if (!isalnum((unsigned char)*s) && *s != '_') return false;
  return n <= PRP_EXCERPT_CHARS;
}

static char *unknown_column(csv_reader *r, size_t f, const char *name) {
  char *list = expected_list(r);
  char *err = quotable_name(name) ? located(r, "unknown column '%s' (expected %s)", name, list)
                                  : located(r, "column %zu is not a column name (expected a header naming the "
                                               "columns %s; is this a sensor file?)", f + 1, list);
  free(list);
  return err;
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
  r->file_to_caller = prp_xmalloc(r->nfields, sizeof *r->file_to_caller);
  size_t *seen_at = prp_xcalloc(r->ncols, sizeof *seen_at); /* file column + 1, or 0 */
  char *err = NULL;
  for (size_t f = 0; f < r->nfields && !err; f++) {
    char *name = unquote(r->fields[f]);
    size_t c = 0;
    while (c < r->ncols && strcmp(name, r->names[c]) != 0) c++;
    if (!*name) {
      err = located(r, "empty column name (column %zu)", f + 1);
    } else if (c == r->ncols && r->nfields == 1 && strpbrk(name, ";\t")) {
      err = located(r, "columns must be separated by commas, found %s", strchr(name, ';') ? "';'" : "tabs");
    } else if (c == r->ncols) {
      err = unknown_column(r, f, name);
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
  char quoted[PRP_EXCERPT_CHARS + 4];
  if (c < r->nbox && (v < r->box[c].lo || v > r->box[c].hi))
    return located(r, "point outside the domain: %s = %s is not in [%g, %g]", r->names[c],
                   prp_excerpt(quoted, text), r->box[c].lo, r->box[c].hi);
  return NULL;
}

/* A value strtod cannot read, or one that is not finite. */
static char *bad_number(csv_reader *r, size_t c, const char *text, const char *what) {
  char quoted[PRP_EXCERPT_CHARS + 4];
  return located(r, "column '%s': '%s' is not a %s", r->names[c], prp_excerpt(quoted, text), what);
}

static char *parse_row(csv_reader *r, char *text) {
  split_fields(r, text);
  if (r->nfields != r->nfile_cols)
    return located(r, "expected %zu value%s, found %zu", r->nfile_cols,
                   r->nfile_cols == 1 ? "" : "s", r->nfields);
  if (r->nrows == r->rows_cap) {
    r->rows_cap = r->rows_cap ? 2 * r->rows_cap : 64;
    r->rows = prp_xrealloc(r->rows, r->rows_cap * r->ncols, sizeof *r->rows);
    r->row_line = prp_xrealloc(r->row_line, r->rows_cap, sizeof *r->row_line);
  }
  double *row = r->rows + r->nrows * r->ncols;
  for (size_t f = 0; f < r->nfields; f++) {
    size_t c = r->file_to_caller[f];
    const char *s = r->fields[f];
    double v;
    if (!*s) return located(r, "column '%s': empty value", r->names[c]);
    if (!parse_number(s, &v)) return bad_number(r, c, s, "number");
    if (!isfinite(v)) return bad_number(r, c, s, "finite number");
    char *err = check_value(r, c, s, v);
    if (err) return err;
    row[c] = v;
  }
  r->row_line[r->nrows++] = r->line;
  return NULL;
}

/* Lines end at LF, CRLF or a lone CR (old Mac exports). */
static size_t line_length(const char *p, const char *end) {
  const char *q = p;
  while (q < end && *q != '\n' && *q != '\r') q++;
  return (size_t)(q - p);
}

static const char *skip_line_end(const char *p, const char *end) {
  if (p < end && *p == '\r') p++;
  if (p < end && *p == '\n') p++;
  return p;
}

/* ---- the same point twice ------------------------------------------------------------ */

static _Thread_local const csv_reader *sorting;

/* The coordinates: the box's columns, or all but the last (the field). */
static size_t point_columns(const csv_reader *r) { return r->nbox ? r->nbox : r->ncols - 1; }

static bool same_point(const csv_reader *r, const double *a, const double *b) {
  for (size_t c = 0; c < point_columns(r); c++)
    if (a[c] != b[c]) return false;
  return true;
}   /* qsort has no context argument */

static int compare_points(const void *a, const void *b) {
  const csv_reader *r = sorting;
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  for (size_t c = 0; c < point_columns(r); c++) {
    double x = r->rows[i * r->ncols + c], y = r->rows[j * r->ncols + c];
    if (x != y) return x < y ? -1 : 1;
  }
  return i < j ? -1 : i > j;
}

/* Two rows at the same point (every column but the last, the field) with different values
 * cannot both be observations of one field: an error naming both lines. Equal repeats are fine. */
static char *check_duplicates(csv_reader *r) {
  if (point_columns(r) == 0) return NULL;
  size_t *order = prp_xmalloc(r->nrows, sizeof *order), nc = r->ncols;
  for (size_t i = 0; i < r->nrows; i++) order[i] = i;
  sorting = r;
  qsort(order, r->nrows, sizeof *order, compare_points);
  char *err = NULL;
  for (size_t k = 1; k < r->nrows && !err; k++) {
    const double *a = r->rows + order[k - 1] * nc, *b = r->rows + order[k] * nc;
    if (!same_point(r, a, b) || a[nc - 1] == b[nc - 1]) continue;
    r->line = r->row_line[order[k]];
    err = located(r, "a second observation of the same point with a different value (%s = %.17g here, "
                  "%.17g on line %d)", r->names[nc - 1], b[nc - 1], a[nc - 1], r->row_line[order[k - 1]]);
  }
  free(order);
  return err;
}

static char *parse_lines(csv_reader *r, const char *text, size_t len) {
  bool have_header = false;
  const char *p = text, *end = text + len;
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) p += 3; /* UTF-8 byte order mark */
  while (p < end) {
    size_t n = line_length(p, end);
    r->line++;
    if (memchr(p, '\0', n)) return located(r, "unexpected NUL byte (not a text file?)");
    char *line = load_line(r, p, n);
    p = skip_line_end(p + n, end);
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
  return check_duplicates(r);
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
  free(r.row_line);
  free(r.buf);
  free(r.fields);
  free(r.file_to_caller);
  return err;
}

char *prp_csv_read_sensors(const char *path, const char *const *names, size_t ncols,
                           const prp_interval *box, size_t nbox, prp_table *out) {
  memset(out, 0, sizeof *out);
  char *text = NULL;
  size_t len = 0;
  char *err = prp_read_input(path, PRP_CSV_MAX_BYTES, "sensor file", &text, &len);
  if (!err) prp_output_protect(path);   /* no output of this run may replace it */
  if (!err) err = prp_csv_parse_sensors(path, text, len, names, ncols, box, nbox, out);
  free(text);
  return err;
}

/* ---- writing -------------------------------------------------------------------- */

struct prp_csv_writer {
  prp_output out;
  size_t ncols;
  char *error;            /* the first write error, kept until close */
};

static void write_header(FILE *f, const char *const *names, size_t ncols) {
  for (size_t c = 0; c < ncols; c++) fprintf(f, "%s%s", c ? "," : "", names[c]);
  fputc('\n', f);
}

static void write_row(FILE *f, const double *v, size_t ncols) {
  for (size_t c = 0; c < ncols; c++) fprintf(f, "%s%.17g", c ? "," : "", v[c]);
  fputc('\n', f);
}

/* Flushes; the first failure is kept in w->error. A copy of it, or NULL. */
static char *flush_checked(prp_csv_writer *w) {
  if (!w->error && (fflush(w->out.f) != 0 || ferror(w->out.f)))
    w->error = prp_errorf("%s: write failed: %s", w->out.path, strerror(errno ? errno : EIO));
  return w->error ? prp_xstrdup(w->error) : NULL;
}

char *prp_csv_writer_open(prp_csv_writer **w, const char *path,
                          const char *const *names, size_t ncols) {
  *w = NULL;
  prp_csv_writer *nw = prp_xcalloc(1, sizeof *nw);
  char *err = prp_output_open(&nw->out, path);
  if (err) {
    free(nw);
    return err;
  }
  nw->ncols = ncols;
  write_header(nw->out.f, names, ncols);
  if ((err = flush_checked(nw))) {
    prp_output_abort(&nw->out);
    free(nw->error);
    free(nw);
    return err;
  }
  *w = nw;
  return NULL;
}

char *prp_csv_writer_row(prp_csv_writer *w, const double *values) {
  if (!w->error) write_row(w->out.f, values, w->ncols);
  return flush_checked(w);
}

char *prp_csv_writer_close(prp_csv_writer *w) {
  if (!w) return NULL;
  char *err = w->error;
  if (err) prp_output_abort(&w->out);
  else err = prp_output_commit(&w->out);
  free(w);
  return err;
}

char *prp_csv_write_table(const char *path, const char *const *names, const prp_table *t) {
  prp_output a;
  char *err = prp_output_open(&a, path);
  if (err) return err;
  write_header(a.f, names, t->ncols);
  for (size_t r = 0; r < t->nrows; r++) write_row(a.f, t->data + r * t->ncols, t->ncols);
  return prp_output_commit(&a);
}
