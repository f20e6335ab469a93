/* Front end, stage 0: a source file loaded whole into memory, checked to be
 * UTF-8 text, with line lookup for diagnostics. */
#ifndef PRP_SOURCE_H
#define PRP_SOURCE_H
#include <stddef.h>

typedef struct prp_source {
  char *path;          /* as given by the user, used in diagnostics */
  char *text;          /* contents, NUL-terminated (a NUL inside is rejected) */
  size_t len;
  size_t *line_starts; /* byte offset of each line's first byte */
  int nlines;
} prp_source;

/* Largest source file accepted; beyond it the loader reports an error. */
#define PRP_MAX_SOURCE_BYTES (64u << 20)

/* Loads path; on failure returns NULL and writes a message into err. */
prp_source *prp_source_load(const char *path, char *err, size_t errlen);
/* Wraps text already in memory (REPL cells, tests, the fuzzer). */
prp_source *prp_source_from_string(const char *name, const char *text, size_t len);
void prp_source_free(prp_source *src);

/* The bytes of line (1-based), without its newline. */
const char *prp_source_line(const prp_source *src, int line, size_t *len);

/* Validates UTF-8 and NUL bytes; on a bad byte returns 0 and its line/col. */
int prp_source_check_text(const prp_source *src, int *line, int *col, const char **what);

/* Length (1..4) of the valid UTF-8 sequence at s, or 0 if it is malformed. */
int prp_utf8_sequence_length(const unsigned char *s, size_t avail);

/* Display column (1-based, counting code points) of byte offset in its line. */
int prp_utf8_column(const char *line_start, size_t byte_offset);

#endif
