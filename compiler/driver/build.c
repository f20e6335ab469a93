/* The `prpc build` command (see build.h): plan, one object file with the kernels
 * and the serialised problem, then the system C compiler links it with the
 * static runtime into a standalone executable. */
#include "build.h"
#include "util.h"
#include "codegen.h"
#include "paths.h"
#include "train_options.h"
#include "train_serialize.h"
#include "output.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <llvm-c/Linker.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { MAX_LINK_ARGS = 64 };

/* ---- how --epochs at run time changes the problem (as compiler/plan.c does) ---------- */

static int log_interval_given(const ast_program *prog) {
  const ast_option *o = prp_train_line(prog->problem.train, "log");
  return o && o->nargs > 0 && o->args[0].kind == ARG_NUMBER;
}

static void schedule_rule(const ast_schedule *s, prp_train_epoch_rules *rules, int k) {
  if (!s) return;
  rules->until_epochs[k] = s->until_percent ? NAN : s->until;
  for (int i = 0; i < s->npw && i < 16; i++) rules->at_epochs[k][i] = s->pw[i].percent ? NAN : s->pw[i].at;
}

/* Which schedule points are in epochs: the scalars follow plan.c's relaxation(). */
static void epoch_rules(const ast_program *prog, const prp_residuals *r, prp_train_epoch_rules *rules) {
  prp_train_epoch_rules_none(rules);
  rules->log_every_auto = !log_interval_given(prog);
  schedule_rule(r->smoothing, rules, PRP_SCALAR_EPS);
  schedule_rule(r->nudging, rules, PRP_SCALAR_ETA);
  for (int i = 0; i < r->ndilated && PRP_SCALAR_DILATED + i < PRP_TRAIN_MAX_SCALARS; i++)
    schedule_rule(r->dilated[i].schedule, rules, PRP_SCALAR_DILATED + i);
}

/* ---- the object ------------------------------------------------------------------------ */

/* Every kernel optimised in a module of its own, as prp_codegen_jit does (so the
 * built program computes bitwise what `prpc run` computes), then linked into one. */
static LLVMModuleRef kernels_module(prp_jit *jit, const prp_kernel_plan *kp, char *err, size_t err_size) {
  LLVMModuleRef all = prp_jit_new_module(jit, "prp_standalone");
  for (size_t k = 0; k < kp->n; k++) {
    LLVMModuleRef m = prp_codegen_module(jit, &kp->specs[k], 1, err, err_size);
    if (!m) { LLVMDisposeModule(all); return NULL; }
    if (prp_jit_optimize(jit, m) != 0) {
      snprintf(err, err_size, "kernel %s: %s", kp->specs[k].name, prp_jit_error(jit));
      LLVMDisposeModule(m);
      LLVMDisposeModule(all);
      return NULL;
    }
    if (LLVMLinkModules2(all, m)) {   /* consumes m */
      snprintf(err, err_size, "cannot link kernel %s into the program's module", kp->specs[k].name);
      LLVMDisposeModule(all);
      return NULL;
    }
  }
  return all;
}

static LLVMValueRef add_constant(LLVMModuleRef m, const char *name, LLVMValueRef init, unsigned align) {
  LLVMValueRef g = LLVMAddGlobal(m, LLVMTypeOf(init), name);
  LLVMSetInitializer(g, init);
  LLVMSetGlobalConstant(g, 1);
  LLVMSetAlignment(g, align);
  return g;
}

/* The globals runtime/standalone/main.c declares extern. */
static void add_problem_globals(prp_jit *jit, LLVMModuleRef m, const prp_kernel_plan *kp, const char *blob,
                                size_t blob_size) {
  LLVMContextRef ctx = prp_jit_context(jit);
  LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx), ptr = LLVMPointerTypeInContext(ctx, 0);
  add_constant(m, PRP_STANDALONE_PROBLEM, LLVMConstStringInContext(ctx, blob, (unsigned)blob_size, 0), 1);
  add_constant(m, PRP_STANDALONE_PROBLEM_SIZE, LLVMConstInt(i64, blob_size, 0), 8);
  LLVMValueRef *fns = prp_xcalloc(kp->n + 1, sizeof *fns);
  for (size_t k = 0; k < kp->n; k++) {
    fns[k] = LLVMGetNamedFunction(m, kp->specs[k].name);
    PRP_ASSERT(fns[k] != NULL);
  }
  fns[kp->n] = LLVMConstPointerNull(ptr);
  add_constant(m, PRP_STANDALONE_KERNELS, LLVMConstArray2(ptr, fns, kp->n + 1), 8);
  add_constant(m, PRP_STANDALONE_KERNEL_COUNT, LLVMConstInt(i64, kp->n, 0), 8);
  free(fns);
}

static char *serialise_plan(const ast_program *prog, const prp_plan *plan, const char *source, size_t *size) {
  prp_train_meta meta = {.producer = "prpc " PRP_VERSION " (LLVM " PRP_LLVM_VERSION ")", .source = (char *)source};
  epoch_rules(prog, &plan->residuals, &meta.epochs);
  return prp_train_serialize(&plan->problem, &meta, size);
}

int prp_build_object(prp_jit *jit, const ast_program *prog, const prp_plan *plan, const char *source,
                     const char *obj_path, char *err, size_t err_size) {
  PRP_ASSERT(plan->kernels.n == (size_t)plan->problem.n_terms);
  LLVMModuleRef m = kernels_module(jit, &plan->kernels, err, err_size);
  if (!m) return -1;
  size_t size;
  char *blob = serialise_plan(prog, plan, source, &size);
  add_problem_globals(jit, m, &plan->kernels, blob, size);
  free(blob);
  int rc = prp_jit_emit_file(jit, m, PRP_EMIT_OBJECT, obj_path);
  if (rc != 0) snprintf(err, err_size, "cannot write the object file: %s", prp_jit_error(jit));
  LLVMDisposeModule(m);
  return rc;
}

/* ---- linking ----------------------------------------------------------------------------- */

static const char *setting(const char *env, const char *built_in) {
  const char *v = getenv(env);
  return v && *v ? v : built_in;
}

/* Appends the whitespace-separated words of text (copied into store) to argv. */
static void add_words(char *text, const char **argv, int *argc) {
  for (char *w = strtok(text, " \t\n"); w && *argc < MAX_LINK_ARGS - 8; w = strtok(NULL, " \t\n")) argv[(*argc)++] = w;
}

/* The libraries libprprt needs: pkg-config's answer where it has one (the
 * BLAS prpc itself links), else the plain names. */
static void runtime_libraries(char *store, size_t size, const char **argv, int *argc) {
  snprintf(store, size, "-lopenblas -lplplot");
  FILE *p = popen("pkg-config --libs openblas plplot 2>/dev/null", "r");
  if (p) {
    char line[1024];
    size_t n = fread(line, 1, sizeof line - 1, p);
    line[n] = '\0';
    if (pclose(p) == 0 && n > 0) snprintf(store, size, "%s", line);
  }
  add_words(store, argv, argc);
#ifdef PRP_MPI_LIBRARIES
  static char mpi[2048];   /* libprprt calls MPI (runtime/dist.c) */
  snprintf(mpi, sizeof mpi, "%s", PRP_MPI_LIBRARIES);
  add_words(mpi, argv, argc);
#endif
  argv[(*argc)++] = "-lm";
  argv[(*argc)++] = "-lpthread";
#if defined(__SANITIZE_ADDRESS__)
  argv[(*argc)++] = "-fsanitize=address,undefined";   /* the static libraries were built with it */
#endif
}

/* Runs argv; 0 if it exited with status 0, else reports and returns -1. */
static int run_compiler(const char **argv, prp_diag *diag) {
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv, environ);
  if (rc != 0) {
    prp_error_plain(diag, "cannot run the C compiler '%s': %s (set PRP_CC to use another)", argv[0], strerror(rc));
    return -1;
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      prp_error_plain(diag, "cannot wait for the C compiler: %s", strerror(errno));
      return -1;
    }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFEXITED(status)) prp_error_plain(diag, "linking failed: '%s' exited with status %d", argv[0], WEXITSTATUS(status));
  else prp_error_plain(diag, "linking failed: '%s' was killed by signal %d", argv[0], WTERMSIG(status));
  return -1;
}

/* The library named by env, else the one paths.c finds beside prpc. */
static const char *runtime_lib(const char *env, const char *name, char *path, size_t size) {
  const char *v = getenv(env);
  if (v && *v) return v;
  prp_runtime_lib(name, path, size);
  return path;
}

static int check_libraries(const char *main_lib, const char *rt_lib, prp_diag *diag) {
  const char *libs[] = {main_lib, rt_lib};
  for (int i = 0; i < 2; i++)
    if (access(libs[i], R_OK) != 0) {
      prp_error_plain(diag, "cannot read the runtime library '%s': %s", libs[i], strerror(errno));
      return -1;
    }
  return 0;
}

static int link_program(const char *obj, const char *exe, prp_diag *diag) {
  char main_path[PATH_MAX], rt_path[PATH_MAX];
  const char *main_lib = runtime_lib("PRP_MAIN_LIB", "libprpmain.a", main_path, sizeof main_path);
  const char *rt_lib = runtime_lib("PRP_RUNTIME_LIB", "libprprt.a", rt_path, sizeof rt_path);
  if (check_libraries(main_lib, rt_lib, diag) != 0) return -1;
  const char *argv[MAX_LINK_ARGS];
  int argc = 0;
  argv[argc++] = setting("PRP_CC", PRP_C_COMPILER);
  argv[argc++] = "-o";
  argv[argc++] = exe;
  argv[argc++] = obj;
  argv[argc++] = main_lib;
  argv[argc++] = rt_lib;
  char libs[1024];
  runtime_libraries(libs, sizeof libs, argv, &argc);
  argv[argc] = NULL;
  return run_compiler(argv, diag);
}

/* ---- the command ------------------------------------------------------------------------- */

/* The object in a fresh temporary directory; 0, or -1 after reporting. */
static int write_object(prp_jit *jit, const ast_program *prog, const prp_plan *plan, char *dir, char *obj,
                        size_t obj_size, prp_diag *diag) {
  if (!mkdtemp(dir)) {
    prp_error_plain(diag, "cannot create a temporary directory '%s': %s", dir, strerror(errno));
    dir[0] = '\0';
    return -1;
  }
  snprintf(obj, obj_size, "%s/problem.o", dir);
  char err[512];
  if (prp_build_object(jit, prog, plan, prog->main ? prog->main->path : NULL, obj, err, sizeof err) != 0)
    prp_internal_error("%s", err);
  return 0;
}

/* rwxr-xr-x less the umask, as the linker would create it (mkstemp made it 0600). */
static mode_t executable_mode(void) {
  mode_t mask = umask(0);
  umask(mask);
  return 0755 & ~mask;
}

/* The program is linked into a temporary file beside out (output.h: the target is checked
 * first, the file fsync'd and renamed over out only when complete). */
static int build_program(const ast_program *prog, prp_jit *jit, const prp_plan *plan, const char *out,
                         prp_diag *diag) {
  prp_output exe;
  char *err = prp_output_open_name(&exe, out);
  if (err) {
    prp_error_plain(diag, "%s", err);
    free(err);
    return PRP_EXIT_IO;
  }
  const char *tmpdir = setting("TMPDIR", "/tmp");
  char dir[4096], obj[4200];
  snprintf(dir, sizeof dir, "%s/prpc-build-XXXXXX", tmpdir);
  int ok = write_object(jit, prog, plan, dir, obj, sizeof obj, diag) == 0 && link_program(obj, exe.tmp_path, diag) == 0;
  int code = ok ? PRP_EXIT_OK : PRP_EXIT_RUNTIME;
  if (ok && chmod(exe.tmp_path, executable_mode()) != 0) err = prp_errorf("%s: cannot write: %s", out, strerror(errno));
  if (ok && !err) err = prp_output_commit(&exe);
  else prp_output_abort(&exe);
  if (err) {
    prp_error_plain(diag, "%s", err);
    free(err);
    code = PRP_EXIT_IO;
  }
  if (dir[0]) {
    unlink(obj);
    rmdir(dir);
  }
  return code;
}

int prp_build_command(const ast_program *prog, const prp_plan_options *opt, const char *out, prp_diag *diag) {
  if (!out || !out[0]) {
    prp_error_plain(diag, "build needs the program's name: -o PROG");
    return PRP_EXIT_USAGE;
  }
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_plan plan;
  int rc = prp_plan_build(prog, jit, opt, diag, &plan);
  int code = rc == PRP_PLAN_BAD_OPTION ? PRP_EXIT_USAGE : PRP_EXIT_INPUT;
  if (rc == 0) {
    code = build_program(prog, jit, &plan, out, diag);
    prp_plan_free(&plan);
  }
  prp_jit_destroy(jit);
  return code;
}
