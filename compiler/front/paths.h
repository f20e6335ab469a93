/* Driver support: where an installed (or build-tree) prpc finds the files it
 * needs at run time: the stdlib and the static runtime that `prpc build` links. */
#ifndef PRP_PATHS_H
#define PRP_PATHS_H
#include <stddef.h>

/* The directory of the running executable (from /proc/self/exe), "" if unknown. */
const char *prp_exe_dir(void);

/* Directory of the standard library: $PRP_STDLIB if set, else the installed
 * share/prp/stdlib next to the executable's bin/, else the build tree's
 * stdlib link beside the executable. */
const char *prp_stdlib_dir(void);

/* Path of a static runtime library ("libprprt.a", "libprpmain.a") in
 * path[size]: the installed lib/ next to bin/, else the build tree's copy
 * beside the executable. The installed candidate if neither exists. */
void prp_runtime_lib(const char *name, char *path, size_t size);

#endif
