/* Front end: a bump allocator; everything of one compilation unit (AST, names)
 * lives in one arena and is freed at once. */
#ifndef PRP_ARENA_H
#define PRP_ARENA_H
#include <stddef.h>

typedef struct prp_arena_block prp_arena_block;
typedef struct prp_arena { prp_arena_block *head; } prp_arena;

void *prp_arena_alloc(prp_arena *a, size_t size);   /* zeroed, 16-byte aligned */
char *prp_arena_strndup(prp_arena *a, const char *s, size_t n);
char *prp_arena_strdup(prp_arena *a, const char *s);
void prp_arena_free(prp_arena *a);

#endif
