/* Runtime, run input: bounded whole-file reads; see input.h. */
#include "input.h"
#include "util.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *describe_limit(const char *path, size_t limit, const char *what) {
  double mib = (double)limit / (1024.0 * 1024.0);
  return prp_errorf("%s: too large for a %s (the limit is %.0f MiB)", path, what, mib);
}

static char *check_kind(const char *path, size_t limit, const char *what) {
  struct stat st;
  if (stat(path, &st) != 0) return prp_errorf("%s: cannot open: %s", path, strerror(errno));
  if (S_ISDIR(st.st_mode)) return prp_errorf("%s: is a directory", path);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode))
    return prp_errorf("%s: is a device, not a %s", path, what);
  if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > limit) return describe_limit(path, limit, what);
  return NULL;
}

char *prp_read_input(const char *path, size_t limit, const char *what, char **text, size_t *len) {
  *text = NULL;
  *len = 0;
  char *err = check_kind(path, limit, what);
  if (err) return err;
  FILE *f = fopen(path, "rb");
  if (!f) return prp_errorf("%s: cannot open: %s", path, strerror(errno));
  size_t cap = 1 << 16, n = 0;
  char *buf = prp_xmalloc(cap + 1, 1);
  for (size_t got; !err && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n > limit) err = describe_limit(path, limit, what);
    else if (n == cap) buf = prp_xrealloc(buf, (cap = cap * 2 > limit + 1 ? limit + 1 : cap * 2) + 1, 1);
  }
  if (!err && ferror(f)) err = prp_errorf("%s: read error: %s", path, strerror(errno));
  fclose(f);
  if (err) {
    free(buf);
    return err;
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return NULL;
}
