/* Front end: diagnostic printing with source excerpts; see diag.h. */
#include "diag.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { EXCERPT_WIDTH = 100 };  /* longer lines are shown as a window around the caret */

void prp_diag_init(prp_diag *d, FILE *out, int color) {
  memset(d, 0, sizeof *d);
  d->out = out;
  d->color = color;
  d->max_errors = 20;
}

prp_loc prp_loc_none(void) { return (prp_loc){0}; }

prp_loc prp_loc_join(prp_loc a, prp_loc b) {
  if (!a.src) return b;
  if (!b.src) return a;
  prp_loc r = a;
  if (b.end_line > a.end_line || (b.end_line == a.end_line && b.end_col > a.end_col)) {
    r.end_line = b.end_line;
    r.end_col = b.end_col;
  }
  return r;
}

static const char *paint(const prp_diag *d, const char *code) { return d->color ? code : ""; }

/* Byte offset in line of display column col (1-based). */
static size_t byte_of_column(const char *line, size_t len, int col) {
  size_t i = 0;
  for (int c = 1; c < col && i < len; c++) {
    i++;
    while (i < len && ((unsigned char)line[i] & 0xC0) == 0x80) i++;
  }
  return i;
}

/* Writes text, showing control bytes and malformed UTF-8 as '?'. */
static void print_printable(FILE *out, const char *text, size_t len) {
  const unsigned char *s = (const unsigned char *)text;
  for (size_t i = 0; i < len;) {
    int n = prp_utf8_sequence_length(s + i, len - i);
    if (n == 0 || (n == 1 && ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f))) {
      fputc('?', out);
      i++;
    } else {
      fwrite(s + i, 1, (size_t)n, out);
      i += (size_t)n;
    }
  }
}

/* Prints the line and the underline, cut to a window if the line is long. */
static void print_excerpt(const prp_diag *d, prp_loc loc, const char *colour) {
  size_t len;
  const char *line = prp_source_line(loc.src, loc.line, &len);
  int ncols = prp_utf8_column(line, len) - 1;
  int first = 1, last = ncols;
  if (ncols > EXCERPT_WIDTH) {
    first = loc.col > EXCERPT_WIDTH / 2 ? loc.col - EXCERPT_WIDTH / 2 : 1;
    last = first + EXCERPT_WIDTH - 1;
    if (last > ncols) last = ncols;
  }
  size_t b0 = byte_of_column(line, len, first), b1 = byte_of_column(line, len, last + 1);
  const char *lead = first > 1 ? "..." : "";
  fputs(lead, d->out);
  print_printable(d->out, line + b0, b1 - b0);
  fprintf(d->out, "%s\n", last < ncols ? "..." : "");
  int end = (loc.end_line == loc.line && loc.end_col >= loc.col) ? loc.end_col : last;
  if (end > last) end = last;
  fprintf(d->out, "%s", lead);
  for (int c = first; c < loc.col && c <= last; c++) {
    size_t b = byte_of_column(line, len, c);
    fputc(line[b] == '\t' ? '\t' : ' ', d->out);
  }
  fprintf(d->out, "%s^", paint(d, colour));
  for (int c = loc.col + 1; c <= end; c++) fputc('~', d->out);
  fprintf(d->out, "%s\n", paint(d, "\033[0m"));
}

static void report(prp_diag *d, prp_loc loc, const char *kind, const char *colour,
                   const char *fmt, va_list ap) {
  int excerpt = 1;
  if (kind[0] == '-') { kind++; excerpt = 0; }
  fprintf(d->out, "%s", paint(d, "\033[1m"));
  if (loc.src) fprintf(d->out, "%s:%d:%d: ", loc.src->path, loc.line, loc.col);
  else fprintf(d->out, "prpc: ");
  fprintf(d->out, "%s%s:%s%s ", paint(d, colour), kind, paint(d, "\033[0m"), paint(d, "\033[1m"));
  vfprintf(d->out, fmt, ap);
  fprintf(d->out, "%s\n", paint(d, "\033[0m"));
  if (excerpt && loc.src && loc.line >= 1 && loc.line <= loc.src->nlines) print_excerpt(d, loc, colour);
}

static int admit_error(prp_diag *d) {
  if (d->errors >= d->max_errors) {
    if (d->errors == d->max_errors) {
      fprintf(d->out, "prpc: too many errors (%d), stopping here\n", d->max_errors);
      d->errors++;
    }
    d->suppressing = 1;
    return 0;
  }
  d->errors++;
  d->suppressing = 0;
  return 1;
}

void prp_error(prp_diag *d, prp_loc loc, const char *fmt, ...) {
  if (!admit_error(d)) return;
  va_list ap;
  va_start(ap, fmt);
  report(d, loc, "error", "\033[31m", fmt, ap);
  va_end(ap);
}

void prp_warning(prp_diag *d, prp_loc loc, const char *fmt, ...) {
  d->warnings++;
  d->suppressing = 0;
  va_list ap;
  va_start(ap, fmt);
  report(d, loc, "warning", "\033[35m", fmt, ap);
  va_end(ap);
}

void prp_note(prp_diag *d, prp_loc loc, const char *fmt, ...) {
  if (d->suppressing) return;
  va_list ap;
  va_start(ap, fmt);
  report(d, loc, "note", "\033[36m", fmt, ap);
  va_end(ap);
}

void prp_hint(prp_diag *d, prp_loc loc, const char *fmt, ...) {
  if (d->suppressing) return;
  va_list ap;
  va_start(ap, fmt);
  report(d, loc, "-note", "\033[36m", fmt, ap);
  va_end(ap);
}

void prp_error_plain(prp_diag *d, const char *fmt, ...) {
  if (!admit_error(d)) return;
  va_list ap;
  va_start(ap, fmt);
  report(d, prp_loc_none(), "error", "\033[31m", fmt, ap);
  va_end(ap);
}

void prp_internal_error_at(const char *file, int line, const char *fmt, ...) {
  fflush(stdout);
  fprintf(stderr, "prpc: internal error: ");
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n  at %s:%d\n  this is a bug in prpc, not in your input; please report it\n", file, line);
  exit(PRP_EXIT_INTERNAL);
}
