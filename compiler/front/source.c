/* Front end, stage 0: loading source text and mapping lines; see source.h. */
#include "source.h"
#include "util.h"
#include "output.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void index_lines(prp_source *src) {
  int cap = 64, n = 0;
  size_t *starts = prp_xmalloc(sizeof *starts * (size_t)cap, 1);
  starts[n++] = 0;
  for (size_t i = 0; i < src->len; i++) {
    if (src->text[i] != '\n') continue;
    if (n == cap) starts = prp_xrealloc(starts, sizeof *starts * (size_t)(cap *= 2), 1);
    starts[n++] = i + 1;
  }
  src->line_starts = starts;
  src->nlines = n;
}

prp_source *prp_source_from_string(const char *name, const char *text, size_t len) {
  prp_source *src = prp_xcalloc(1, sizeof *src);
  src->path = prp_xstrdup(name);
  src->text = prp_xmalloc(len + 1, 1);
  memcpy(src->text, text, len);
  src->text[len] = '\0';
  src->len = len;
  index_lines(src);
  return src;
}

static char *read_all(FILE *f, size_t *len, int *too_big) {
  size_t cap = 1 << 16, n = 0;
  char *buf = prp_xmalloc(cap, 1);
  for (;;) {
    if (n == cap) {
      if (cap >= PRP_MAX_SOURCE_BYTES) { *too_big = 1; free(buf); return NULL; }
      buf = prp_xrealloc(buf, cap *= 2, 1);
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) { free(buf); return NULL; }
  *len = n;
  return buf;
}

prp_source *prp_source_load(const char *path, char *err, size_t errlen) {
  struct stat st;
  if (stat(path, &st) != 0) {
    snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "'%s' is a directory, not a source file", path);
    return NULL;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  size_t len = 0;
  int too_big = 0;
  char *text = read_all(f, &len, &too_big);
  fclose(f);
  if (!text) {
    if (too_big) snprintf(err, errlen, "'%s' is larger than %u MiB", path, PRP_MAX_SOURCE_BYTES >> 20);
    else snprintf(err, errlen, "cannot read '%s'", path);
    return NULL;
  }
  prp_output_protect(path);   /* no output of this run may replace its source */
  prp_source *src = prp_source_from_string(path, text, len);
  free(text);
  return src;
}

void prp_source_free(prp_source *src) {
  if (!src) return;
  free(src->path);
  free(src->text);
  free(src->line_starts);
  free(src);
}

const char *prp_source_line(const prp_source *src, int line, size_t *len) {
  if (line < 1 || line > src->nlines) { *len = 0; return ""; }
  size_t start = src->line_starts[line - 1];
  size_t end = start;
  while (end < src->len && src->text[end] != '\n') end++;
  if (end > start && src->text[end - 1] == '\r') end--;
  *len = end - start;
  return src->text + start;
}

int prp_utf8_column(const char *line_start, size_t byte_offset) {
  int col = 1;
  for (size_t i = 0; i < byte_offset; i++)
    if (((unsigned char)line_start[i] & 0xC0) != 0x80) col++;
  return col;
}

int prp_utf8_sequence_length(const unsigned char *s, size_t avail) {
  unsigned char c = s[0];
  int n;
  unsigned min;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; min = 0x10000; }
  else return 0;
  if ((size_t)n > avail) return 0;
  unsigned cp = c & (0x7F >> n);
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

static void offset_to_line_col(const prp_source *src, size_t off, int *line, int *col) {
  int lo = 0, hi = src->nlines - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (src->line_starts[mid] <= off) lo = mid; else hi = mid - 1;
  }
  *line = lo + 1;
  size_t start = src->line_starts[lo];
  *col = prp_utf8_column(src->text + start, off - start);
}

int prp_source_check_text(const prp_source *src, int *line, int *col, const char **what) {
  const unsigned char *s = (const unsigned char *)src->text;
  for (size_t i = 0; i < src->len;) {
    if (s[i] == 0) {
      offset_to_line_col(src, i, line, col);
      *what = "a NUL byte: this is not a text file";
      return 0;
    }
    int n = prp_utf8_sequence_length(s + i, src->len - i);
    if (n == 0) {
      offset_to_line_col(src, i, line, col);
      *what = "invalid UTF-8";
      return 0;
    }
    i += (size_t)n;
  }
  return 1;
}
