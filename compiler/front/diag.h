/* Front end: diagnostics. Every user-facing error goes through here and prints
 * `file:line:col: error: message`, the source line and a caret under the range. */
#ifndef PRP_DIAG_H
#define PRP_DIAG_H
#include <stdio.h>
#include "source.h"
#include "util.h"

/* A source range; columns count code points from 1, end_col is the last column. */
typedef struct prp_loc {
  const prp_source *src;
  int line, col, end_line, end_col;
} prp_loc;

typedef struct prp_diag {
  FILE *out;
  int color;        /* ANSI colours: only when out is a terminal (or forced) */
  int errors, warnings;
  int max_errors;   /* after this many errors the rest are dropped */
  int suppressing;  /* the last error was dropped, so drop its notes too */
} prp_diag;

/* Exit codes of prpc: PRP_EXIT_* in runtime/exit_codes.h (included by runtime/util.h). */

void prp_diag_init(prp_diag *d, FILE *out, int color);
prp_loc prp_loc_join(prp_loc a, prp_loc b);
prp_loc prp_loc_none(void);

void prp_error(prp_diag *d, prp_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void prp_warning(prp_diag *d, prp_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void prp_note(prp_diag *d, prp_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A one-line note at loc, without the source excerpt ("did you mean"). */
void prp_hint(prp_diag *d, prp_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error that has no place in a source file (missing file, bad option). */
void prp_error_plain(prp_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A bug in prpc, not in the user's input: message, then exit PRP_EXIT_INTERNAL. */
_Noreturn void prp_internal_error_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define prp_internal_error(...) prp_internal_error_at(__FILE__, __LINE__, __VA_ARGS__)
#define PRP_ASSERT(cond) \
  ((cond) ? (void)0 : prp_internal_error("assertion failed: %s", #cond))

#endif
