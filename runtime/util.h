/* Runtime, foundations: the exit codes, the one returned-message convention (a malloc'd
 * char * error, NULL on success) and allocation that reports and exits on exhaustion.
 * Used by every runtime file, by prpc and by built programs. */
#ifndef PRP_UTIL_H
#define PRP_UTIL_H
#include <stdarg.h>
#include <stddef.h>

/* The exit codes (PRP_EXIT_*, 4 I/O and 5 memory among them): one definition, in exit_codes.h. */
#include "exit_codes.h"

/* Functions that can fail return a malloc'd message (the caller frees it) or NULL. */
char *prp_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *prp_verrorf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* The name messages start with ("prpc", a built program's name); "prp" by default. */
void prp_set_program_name(const char *name);
const char *prp_program_name(void);

/* Allocation that never returns NULL: on exhaustion it prints
 * "NAME: error: out of memory (N bytes)" and exits with PRP_EXIT_MEMORY.
 * Counts are multiplied with an overflow check. */
void *prp_xmalloc(size_t n, size_t size);
void *prp_xcalloc(size_t n, size_t size);
void *prp_xrealloc(void *p, size_t n, size_t size);
char *prp_xstrdup(const char *s);
char *prp_xstrndup(const char *s, size_t n);
_Noreturn void prp_out_of_memory(size_t bytes);

/* At most PRP_EXCERPT_CHARS bytes of untrusted text for a message, control bytes shown as
 * '?' and "..." appended when cut; buf must hold PRP_EXCERPT_CHARS + 4 bytes. Returns buf. */
enum { PRP_EXCERPT_CHARS = 80 };
const char *prp_excerpt(char *buf, const char *text);

#endif
