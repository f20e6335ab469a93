/* Front end: bump allocator; see arena.h. */
#include "arena.h"
#include "util.h"
#include <stdlib.h>
#include <string.h>

struct prp_arena_block {
  prp_arena_block *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

enum { BLOCK_SIZE = 64 * 1024 };

void *prp_arena_alloc(prp_arena *a, size_t size) {
  size = (size + 15) & ~(size_t)15;
  prp_arena_block *b = a->head;
  if (!b || b->used + size > b->cap) {
    size_t cap = size > BLOCK_SIZE ? size : BLOCK_SIZE;
    b = prp_xmalloc(sizeof *b + cap, 1);
    b->used = 0;
    b->cap = cap;
    b->next = a->head;
    a->head = b;
  }
  void *p = b->data + b->used;
  b->used += size;
  memset(p, 0, size);
  return p;
}

char *prp_arena_strndup(prp_arena *a, const char *s, size_t n) {
  char *p = prp_arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *prp_arena_strdup(prp_arena *a, const char *s) { return prp_arena_strndup(a, s, strlen(s)); }

void prp_arena_free(prp_arena *a) {
  for (prp_arena_block *b = a->head, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  a->head = NULL;
}
