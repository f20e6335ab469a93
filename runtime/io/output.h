/* Runtime, run output: every file prp writes (history.csv, result.json, weights.prpstate,
 * PNGs, simulate's CSV, `prpc build -o`, the REPL's save) goes through here.
 *
 * The policy: a file is written under a temporary name in its own directory (mkstemp, so
 * never through a link), flushed, fsync'd and renamed over the final name, so a reader sees
 * the old file or the whole new one. A symbolic link at the final name is replaced, never
 * followed. A final name that is a directory, device, FIFO or socket, or that is a file the
 * run reads (registered with prp_output_protect), is refused. Failures of write, flush,
 * fsync, close and rename are reported as "PATH: write failed: REASON". */
#ifndef PRP_OUTPUT_H
#define PRP_OUTPUT_H
#include <stdio.h>

typedef struct {
  FILE *f;          /* write here */
  char *path;       /* the final name */
  char *tmp_path;   /* the temporary name beside it */
} prp_output;

/* Checks the final name and opens a temporary file beside it. */
char *prp_output_open(prp_output *o, const char *path);
/* Flush, fsync, close, rename over the final name; the temporary file is removed on error. */
char *prp_output_commit(prp_output *o);
/* Closes and removes the temporary file (nothing is written at the final name). */
void prp_output_abort(prp_output *o);

/* For writers that do not write through a FILE (PLplot, the linker): the temporary name of
 * a just-opened output (o->f closed); after the writer is done, prp_output_commit renames. */
char *prp_output_open_name(prp_output *o, const char *path);

/* NULL if path may be written: it does not exist, is a regular file that is no input of the
 * run, or is a symbolic link (replaced, not followed). */
char *prp_output_check_target(const char *path);

/* Registers a file the run reads (the .prp file, its imports, sensor files, states), so
 * that no output replaces it. Files that do not exist are ignored. */
void prp_output_protect(const char *path);

/* The files a training run writes into its directory (NULL-terminated). */
extern const char *const prp_run_output_names[];

/* Before a run writes into dir: removes the files of prp_run_output_names there, their
 * leftover temporaries (NAME.XXXXXX) and the restart_K subdirectories holding only such
 * files, and nothing else. A name that exists and is not a regular file or a link is an
 * error, found before training rather than after it. */
char *prp_output_clear_run(const char *dir);

/* Creates directory `path` and its missing parents (like mkdir -p); an existing directory is
 * fine. */
char *prp_make_dirs(const char *path);

#endif
