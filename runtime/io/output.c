/* Runtime, run output: checked targets, temporary file + fsync + rename, the inputs no
 * output may replace, and the clearing of a run's old outputs; see output.h. */
#include "output.h"
#include "util.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const prp_run_output_names[] = {"history.csv", "result.json", "weights.prpstate", "loss.png",
                                            "unknowns.png", "source.png", "verdict.json", "field.pvd",
                                            "sensors.csv", "sensors.png", NULL};

/* ---- inputs of the run ------------------------------------------------------------ */

typedef struct {
  dev_t dev;
  ino_t ino;
  char *path;   /* an inode is only the input while its name still leads to it */
} file_id;

static file_id *inputs;
static size_t ninputs, inputs_cap;

void prp_output_protect(const char *path) {
  struct stat st;
  if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return;
  for (size_t i = 0; i < ninputs; i++)
    if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino) return;
  if (ninputs == inputs_cap) {
    inputs_cap = inputs_cap ? 2 * inputs_cap : 16;
    inputs = prp_xrealloc(inputs, inputs_cap, sizeof *inputs);
  }
  inputs[ninputs++] = (file_id){st.st_dev, st.st_ino, prp_xstrdup(path)};
}

static bool is_input(const struct stat *st) {
  for (size_t i = 0; i < ninputs; i++) {
    struct stat now;
    if (inputs[i].dev == st->st_dev && inputs[i].ino == st->st_ino && stat(inputs[i].path, &now) == 0 &&
        now.st_dev == st->st_dev && now.st_ino == st->st_ino)
      return true;   /* (a deleted input's inode number may have been reused) */
  }
  return false;
}

/* ---- targets ------------------------------------------------------------------------ */

static const char *kind_of(mode_t m) {
  return S_ISDIR(m) ? "a directory" : S_ISCHR(m) || S_ISBLK(m) ? "a device" : S_ISFIFO(m) ? "a FIFO"
         : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

char *prp_output_check_target(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return NULL;   /* nothing there (or unreachable: open will say) */
  if (S_ISLNK(st.st_mode)) return NULL;     /* the link is replaced, its target untouched */
  if (!S_ISREG(st.st_mode)) return prp_errorf("%s: is %s; not overwritten", path, kind_of(st.st_mode));
  if (is_input(&st)) return prp_errorf("%s: is an input of this run; not overwritten", path);
  return NULL;
}

/* ---- temporary file, then rename ------------------------------------------------------- */

char *prp_output_open(prp_output *o, const char *path) {
  memset(o, 0, sizeof *o);
  char *err = prp_output_check_target(path);
  if (err) return err;
  size_t n = strlen(path);
  o->tmp_path = prp_xmalloc(n + 8, 1);
  memcpy(o->tmp_path, path, n);
  memcpy(o->tmp_path + n, ".XXXXXX", 8);
  int fd = mkstemp(o->tmp_path);
  if (fd < 0) {
    err = prp_errorf("%s: cannot write: %s", path, strerror(errno));
    free(o->tmp_path);
    memset(o, 0, sizeof *o);
    return err;
  }
  fchmod(fd, 0644);   /* mkstemp makes 0600; results are meant to be read by others */
  o->path = prp_xstrdup(path);
  o->f = fdopen(fd, "wb");
  if (!o->f) {
    err = prp_errorf("%s: cannot write: %s", path, strerror(errno));
    close(fd);
    prp_output_abort(o);
  }
  return err;
}

char *prp_output_open_name(prp_output *o, const char *path) {
  char *err = prp_output_open(o, path);
  if (err) return err;
  if (fclose(o->f) != 0) {
    o->f = NULL;
    err = prp_errorf("%s: write failed: %s", path, strerror(errno));
    prp_output_abort(o);
    return err;
  }
  o->f = NULL;
  return NULL;
}

void prp_output_abort(prp_output *o) {
  if (o->f) fclose(o->f);
  if (o->tmp_path) unlink(o->tmp_path);
  free(o->tmp_path);
  free(o->path);
  memset(o, 0, sizeof *o);
}

/* fsync of a file that may already be closed (written by PLplot or the linker). */
static int sync_path(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  int rc = fsync(fd) != 0 && errno != EINVAL ? -1 : 0;
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

char *prp_output_commit(prp_output *o) {
  int saved = 0;
  bool ok = true;
  if (o->f) {
    ok = fflush(o->f) == 0 && !ferror(o->f);
    if (!ok) saved = errno ? errno : EIO;
    if (ok && fsync(fileno(o->f)) != 0 && errno != EINVAL) ok = false, saved = errno;
    if (fclose(o->f) != 0 && ok) ok = false, saved = errno;
    o->f = NULL;
  } else if (sync_path(o->tmp_path) != 0) {
    ok = false, saved = errno;
  }
  char *err = ok ? prp_output_check_target(o->path) : NULL;   /* changed while we wrote? */
  if (ok && !err && rename(o->tmp_path, o->path) != 0) ok = false, saved = errno;
  if (!ok) err = prp_errorf("%s: write failed: %s", o->path, strerror(saved));
  prp_output_abort(o);   /* the temporary name is gone after a successful rename */
  return err;
}

/* ---- a run's directory ------------------------------------------------------------------ */

static char *join(const char *dir, const char *name) { return prp_errorf("%s/%s", dir, name); }

/* NAME.XXXXXX for one of our names: a temporary left by a run that died. */
static bool is_our_temporary(const char *entry) {
  for (int i = 0; prp_run_output_names[i]; i++) {
    size_t n = strlen(prp_run_output_names[i]);
    if (strncmp(entry, prp_run_output_names[i], n) != 0 || entry[n] != '.' || strlen(entry + n + 1) != 6) continue;
    bool alnum = true;
    for (const char *p = entry + n + 1; *p; p++) alnum &= isalnum((unsigned char)*p) != 0;
    if (alnum) return true;
  }
  return false;
}

static bool is_restart_dir(const char *entry) {
  if (strncmp(entry, "restart_", 8) != 0 || !entry[8]) return false;
  for (const char *p = entry + 8; *p; p++)
    if (!isdigit((unsigned char)*p)) return false;
  return true;
}

/* Removes dir/NAME when it is ours to remove; an error for a target we could never write. */
static char *remove_output(const char *dir, const char *name) {
  char *path = join(dir, name), *err = NULL;
  struct stat st;
  if (lstat(path, &st) == 0) {
    if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) err = prp_errorf("%s: is %s; not overwritten", path, kind_of(st.st_mode));
    else if (S_ISREG(st.st_mode) && is_input(&st)) err = prp_errorf("%s: is an input of this run; not overwritten", path);
    else if (unlink(path) != 0) err = prp_errorf("%s: cannot remove the old output: %s", path, strerror(errno));
  }
  free(path);
  return err;
}

static char *clear_files(const char *dir, int depth) {
  char *err = NULL;
  for (int i = 0; prp_run_output_names[i] && !err; i++) err = remove_output(dir, prp_run_output_names[i]);
  DIR *d = err ? NULL : opendir(dir);
  if (!d) return err;
  for (struct dirent *e; !err && (e = readdir(d));) {
    struct stat st;
    char *path = join(dir, e->d_name);
    if (lstat(path, &st) == 0) {
      if (S_ISREG(st.st_mode) && is_our_temporary(e->d_name)) unlink(path);
      else if (depth == 0 && S_ISDIR(st.st_mode) && is_restart_dir(e->d_name) && !(err = clear_files(path, 1)))
        rmdir(path);   /* fails, as it should, when something else is in it */
    }
    free(path);
  }
  closedir(d);
  return err;
}

char *prp_output_clear_run(const char *dir) { return clear_files(dir, 0); }

char *prp_make_dirs(const char *path) {
  if (!*path) return prp_errorf("cannot create a directory with an empty name");
  char *copy = prp_xstrdup(path);
  char *err = NULL;
  /* create each prefix ending before a '/', then the whole path */
  for (char *p = copy + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    struct stat st;
    if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
      err = prp_errorf("%s: cannot create directory: %s", copy, strerror(errno));
    } else if (stat(copy, &st) != 0 || !S_ISDIR(st.st_mode)) {
      err = prp_errorf("%s: cannot create directory: a file of that name exists", copy);
    }
    *p = saved;
    if (err || saved == '\0') break;
  }
  free(copy);
  return err;
}
