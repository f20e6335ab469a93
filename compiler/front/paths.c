/* Driver support: resolves run-time paths from the executable's own location
 * (PRP_INSTALL_*_REL are bin/-relative, set by CMake), never from the source tree. */
#include "paths.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PRP_INSTALL_DATA_REL
#define PRP_INSTALL_DATA_REL "../share/prp"
#endif
#ifndef PRP_INSTALL_LIB_REL
#define PRP_INSTALL_LIB_REL "../lib"
#endif

const char *prp_exe_dir(void) {
  static char dir[PATH_MAX];
  static int done;
  if (!done) {
    done = 1;
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    dir[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
  }
  return dir;
}

/* exe_dir/installed if it exists, else exe_dir/build_tree if that exists,
 * else the installed candidate (so that messages name where it belongs). */
static void locate(const char *installed, const char *build_tree, char *path, size_t size) {
  char alt[PATH_MAX];
  snprintf(path, size, "%s/%s", prp_exe_dir(), installed);
  int n = snprintf(alt, sizeof alt, "%s/%s", prp_exe_dir(), build_tree);
  if (n < 0 || (size_t)n >= sizeof alt || (size_t)n >= size) return;
  if (access(path, F_OK) != 0 && access(alt, F_OK) == 0) memcpy(path, alt, (size_t)n + 1);
}

const char *prp_stdlib_dir(void) {
  const char *env = getenv("PRP_STDLIB");
  if (env && *env) return env;
  static char dir[PATH_MAX];
  if (!dir[0]) locate(PRP_INSTALL_DATA_REL "/stdlib", "stdlib", dir, sizeof dir);
  return dir;
}

void prp_runtime_lib(const char *name, char *path, size_t size) {
  char installed[PATH_MAX];
  snprintf(installed, sizeof installed, "%s/%s", PRP_INSTALL_LIB_REL, name);
  locate(installed, name, path, size);
}
