/* Runtime, run output and input: CSV tables.  Reads sensor files (observations the data
 * loss fits) with located errors, and writes tables such as history.csv and sensors.csv. */
#ifndef PRP_CSV_H
#define PRP_CSV_H
#include <stdbool.h>
#include <stddef.h>

/* A table of doubles, row-major: data[row * ncols + col]. */
typedef struct {
  size_t nrows, ncols;
  double *data;
} prp_table;

void prp_table_free(prp_table *t);

typedef struct {
  double lo, hi;
} prp_interval;

/* Reads a sensor file.  The format:
 *   - optional comment lines and blank lines anywhere; '#' starts a comment that runs to the
 *     end of the line (also after values);
 *   - a header line naming every column exactly once, separated by commas, in any order;
 *     names are trimmed and may be written in double quotes;
 *   - rows of comma-separated finite numbers (anything strtod reads), one per column;
 *   - LF, CRLF or CR line endings; a UTF-8 byte order mark (spreadsheet exports) is skipped;
 *   - at most PRP_CSV_MAX_BYTES bytes;
 *   - two rows at the same point (the coordinate columns) must have the same value.
 * `names` lists the ncols columns the caller expects (the problem's coordinates, then the
 * field); the result's columns follow the order of `names`, whatever the file's order.
 * A column the caller did not ask for is an error (a misspelt name must not be dropped
 * silently).  When `box` is not NULL, the first nbox columns are coordinates that must lie in
 * box[i] (closed interval).  A file without data rows is an error.
 * Returns NULL and fills `out`, or returns a malloc'd message "FILE:LINE: what" (the caller
 * frees it) and leaves `out` empty. */
/* Sensor files larger than this are refused (with a message naming the limit). */
#define PRP_CSV_MAX_BYTES ((size_t)256 << 20)

char *prp_csv_read_sensors(const char *path, const char *const *names, size_t ncols,
                           const prp_interval *box, size_t nbox, prp_table *out);

/* Same, from text already in memory; `path` only names the source in messages. */
char *prp_csv_parse_sensors(const char *path, const char *text, size_t len,
                            const char *const *names, size_t ncols,
                            const prp_interval *box, size_t nbox, prp_table *out);

/* A table written row by row (history.csv grows during training): the header is written at
 * open, each row with %.17g (so doubles read back exactly; NaN and Inf as nan, inf, -inf) and
 * flushed into a temporary file beside the final name (output.h), which close renames over
 * it. The first write error is kept: row returns it, and close returns it again. */
typedef struct prp_csv_writer prp_csv_writer;

char *prp_csv_writer_open(prp_csv_writer **w, const char *path,
                          const char *const *names, size_t ncols);
char *prp_csv_writer_row(prp_csv_writer *w, const double *values); /* ncols values */
char *prp_csv_writer_close(prp_csv_writer *w);                     /* frees w */

/* Writes a whole table at once, atomically (sensors.csv). */
char *prp_csv_write_table(const char *path, const char *const *names, const prp_table *t);

#endif
