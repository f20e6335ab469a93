/* `prpc landscape --follow`, input: a run's history.csv (written by runtime/train/train.c) read back
 * into names and rows of numbers. landscape_follow.c samples it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"
#include "input.h"
#include "output.h"
#include "csv.h"
#include "landscape_follow.h"

static char *failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *failure(const char *fmt, ...) {
  char buf[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char *m = prp_xstrdup(buf);
  PRP_ASSERT(m);
  return m;
}

/* The header's comma-separated names (a trailing CR or LF dropped). */
static void read_names(char *line, prp_run_history *h) {
  line[strcspn(line, "\r\n")] = '\0';
  size_t cap = 16;
  h->names = prp_xcalloc(cap, sizeof *h->names);
  PRP_ASSERT(h->names);
  for (char *save = NULL, *tok = strtok_r(line, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (h->ncols == cap) {
      cap *= 2;
      h->names = prp_xrealloc(h->names, cap * sizeof *h->names, 1);
      PRP_ASSERT(h->names);
    }
    h->names[h->ncols] = prp_xstrdup(tok);
    PRP_ASSERT(h->names[h->ncols]);
    h->ncols++;
  }
}

/* One row of ncols numbers into row; 0 if the count or a number is wrong. */
static int read_row(const char *line, size_t ncols, double *row) {
  const char *p = line;
  for (size_t c = 0; c < ncols; c++) {
    char *end;
    errno = 0;
    row[c] = strtod(p, &end);
    if (end == p || errno == ERANGE) return 0;
    p = end;
    if (c + 1 < ncols && *p++ != ',') return 0;
  }
  return *p == '\n' || *p == '\0' || (*p == '\r' && (p[1] == '\n' || p[1] == '\0'));
}

static void add_row(prp_run_history *h, const double *row, size_t *cap) {
  if (h->nrows == *cap) {
    *cap = *cap ? 2 * *cap : 256;
    h->data = prp_xrealloc(h->data, *cap * h->ncols * sizeof *h->data, 1);
    PRP_ASSERT(h->data);
  }
  memcpy(&h->data[h->nrows++ * h->ncols], row, h->ncols * sizeof *row);
}

static char *read_rows(FILE *f, const char *path, prp_run_history *h) {
  char *line = NULL;
  size_t size = 0, cap = 0;
  double *row = prp_xcalloc(h->ncols, sizeof *row);
  PRP_ASSERT(row);
  char *err = NULL;
  ssize_t len;
  for (size_t lineno = 2; !err && (len = getline(&line, &size, f)) > 0; lineno++) {
    int complete = line[len - 1] == '\n';
    if (read_row(line, h->ncols, row)) add_row(h, row, &cap);
    else if (complete) err = failure("%s:%zu: not a row of %zu numbers", path, lineno, h->ncols);
  }
  free(row);
  free(line);
  return err;
}

char *prp_run_history_read(const char *path, prp_run_history *h) {
  memset(h, 0, sizeof *h);
  char *text = NULL;
  size_t text_len = 0;
  char *err = prp_read_input(path, PRP_CSV_MAX_BYTES, "history file", &text, &text_len);
  if (err) return err;
  prp_output_protect(path);   /* no output of this scan may replace it */
  FILE *f = text_len ? fmemopen(text, text_len, "r") : NULL;
  if (!f) {
    free(text);
    return text_len ? failure("%s: cannot read: %s", path, strerror(errno)) : failure("%s: empty (no header)", path);
  }
  char *line = NULL;
  size_t size = 0;
  if (getline(&line, &size, f) <= 0) err = failure("%s: empty (no header)", path);
  else read_names(line, h);
  free(line);
  if (!err && h->ncols == 0) err = failure("%s: the header names no column", path);
  if (!err) err = read_rows(f, path, h);
  if (!err && h->nrows == 0) err = failure("%s: no rows yet", path);
  fclose(f);
  free(text);
  if (err) prp_run_history_free(h);
  return err;
}

int prp_run_history_column(const prp_run_history *h, const char *name) {
  for (size_t c = 0; c < h->ncols; c++)
    if (strcmp(h->names[c], name) == 0) return (int)c;
  return -1;
}

void prp_run_history_free(prp_run_history *h) {
  for (size_t c = 0; c < h->ncols; c++) free(h->names[c]);
  free(h->names);
  free(h->data);
  memset(h, 0, sizeof *h);
}
