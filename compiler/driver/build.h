/* The `prpc build` command: the training plan of a checked program as one
 * object file (kernels, serialised problem, kernel table), linked with the
 * static runtime (libprprt) and runtime/standalone's main() (libprpmain) into
 * an executable that trains like `prpc run` without prpc or libLLVM. */
#ifndef PRP_BUILD_H
#define PRP_BUILD_H
#include "ast.h"
#include "diag.h"
#include "jit.h"
#include "plan.h"

/* Writes the object of a built plan to obj_path: the kernels (compiled one
 * per module exactly as the JIT compiles them, then linked together), the
 * serialised problem and the kernel table (names in runtime/train_serialize.h).
 * source: the .prp file, recorded for --help (may be NULL). 0, or -1 with a
 * message in err. */
int prp_build_object(prp_jit *jit, const ast_program *prog, const prp_plan *plan, const char *source,
                     const char *obj_path, char *err, size_t err_size);

/* `prpc build FILE -o out`: plan (with opt's overrides baked in), object,
 * link with the system C compiler into `out` (written atomically). Returns an
 * exit code (diag.h): 1 input errors, 2 no output given, 3 the program could
 * not be written (no C compiler, link failure, unwritable path).
 * Environment: PRP_CC overrides the C compiler (default PRP_C_COMPILER);
 * PRP_MAIN_LIB and PRP_RUNTIME_LIB override the static libraries' paths
 * (default: found beside prpc, paths.h). */
int prp_build_command(const ast_program *prog, const prp_plan_options *opt, const char *out, prp_diag *diag);

#endif
