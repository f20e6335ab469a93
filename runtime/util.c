/* Runtime, foundations: messages, checked allocation and excerpts of untrusted text; see
 * util.h. */
#include "util.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program_name = "prp";

void prp_set_program_name(const char *name) { program_name = name && *name ? name : "prp"; }
const char *prp_program_name(void) { return program_name; }

_Noreturn void prp_out_of_memory(size_t bytes) {
  fprintf(stderr, "%s: error: out of memory (%zu bytes requested)\n", program_name, bytes);
  exit(PRP_EXIT_MEMORY);
}

static size_t product(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) prp_out_of_memory(SIZE_MAX);
  return n * size;
}

void *prp_xmalloc(size_t n, size_t size) {
  size_t bytes = product(n, size);
  void *p = malloc(bytes ? bytes : 1);
  if (!p) prp_out_of_memory(bytes);
  return p;
}

void *prp_xcalloc(size_t n, size_t size) {
  size_t bytes = product(n, size);
  void *p = calloc(bytes ? n : 1, bytes ? size : 1);
  if (!p) prp_out_of_memory(bytes);
  return p;
}

void *prp_xrealloc(void *p, size_t n, size_t size) {
  size_t bytes = product(n, size);
  void *q = realloc(p, bytes ? bytes : 1);
  if (!q) prp_out_of_memory(bytes);
  return q;
}

char *prp_xstrndup(const char *s, size_t n) {
  size_t len = strnlen(s, n);
  char *d = prp_xmalloc(len + 1, 1);
  memcpy(d, s, len);
  d[len] = '\0';
  return d;
}

char *prp_xstrdup(const char *s) { return prp_xstrndup(s, SIZE_MAX); }

char *prp_verrorf(const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0) n = 0;
  char *msg = prp_xmalloc((size_t)n + 1, 1);
  vsnprintf(msg, (size_t)n + 1, fmt, ap);
  return msg;
}

char *prp_errorf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = prp_verrorf(fmt, ap);
  va_end(ap);
  return msg;
}

const char *prp_excerpt(char *buf, const char *text) {
  size_t i = 0;
  for (; text[i] && i < PRP_EXCERPT_CHARS; i++) {
    unsigned char c = (unsigned char)text[i];
    buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
  }
  if (text[i]) {
    while (i > 0 && ((unsigned char)text[i] & 0xC0) == 0x80) i--;   /* not inside a UTF-8 sequence */
    memcpy(buf + i, "...", 3), i += 3;
  }
  buf[i] = '\0';
  return buf;
}
