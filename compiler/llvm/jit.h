/* jit.h: the LLVM 19 back end's machine layer: host target machine, ORC LLJIT,
 * new-pass-manager optimisation, object/assembly emission and a kernel cache. */
#ifndef PRP_JIT_H
#define PRP_JIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

/* One JIT session. Not thread-safe: use it from one thread at a time.
 *
 * Modules that are to be optimised, emitted or JIT-compiled must be created in
 * the session's context (prp_jit_new_module does that and also stamps the
 * host triple and data layout).
 *
 * Errors: functions that can fail return NULL or a negative value and leave a
 * message readable with prp_jit_error(); they are internal errors from the
 * compiler's point of view (LLVM refused what codegen produced). */
typedef struct prp_jit prp_jit;

/* Code added to the JIT under its own ORC ResourceTracker, so that it can be
 * removed (a REPL redefining a kernel removes the old one first). */
typedef struct prp_jit_module prp_jit_module;

typedef enum prp_emit_kind {
  PRP_EMIT_OBJECT,   /* ELF relocatable object for the host, PIC, links with cc */
  PRP_EMIT_ASSEMBLY, /* the same code as assembly text (AT&T syntax) */
} prp_emit_kind;

/* A session for the host CPU (name and features as LLVM detects them). */
prp_jit *prp_jit_create(void);
/* A session for a named CPU and feature string ("x86-64", "+avx2,+fma");
 * NULL for either means "the host's". NULL result: see prp_jit_create_error(). */
prp_jit *prp_jit_create_for_cpu(const char *cpu, const char *features);
/* Why the last prp_jit_create* returned NULL. */
const char *prp_jit_create_error(void);
void prp_jit_destroy(prp_jit *jit);

const char *prp_jit_error(const prp_jit *jit);
LLVMContextRef prp_jit_context(prp_jit *jit);
LLVMTargetMachineRef prp_jit_target_machine(prp_jit *jit);
const char *prp_jit_cpu_name(const prp_jit *jit);
const char *prp_jit_cpu_features(const prp_jit *jit);
const char *prp_jit_triple(const prp_jit *jit);
/* Widest vector registers the target has, in bits: 512 with AVX-512F, 256
 * with AVX, otherwise 128. */
int prp_jit_vector_bits(const prp_jit *jit);

/* An empty module in the session's context with the target triple and data
 * layout set. The caller owns it until it is given to prp_jit_add_module. */
LLVMModuleRef prp_jit_new_module(prp_jit *jit, const char *name);

/* Attributes that let the loop vectorizer use the widest registers
 * ("prefer-vector-width"), plus the target CPU and features, so that the
 * function compiles the same way in an object file as in the JIT. */
void prp_jit_mark_kernel(prp_jit *jit, LLVMValueRef function);

/* Verify, then run the new pass manager's default<O3> pipeline with the
 * target machine (so the vectorizer has a cost model). 0 on success. */
int prp_jit_optimize(prp_jit *jit, LLVMModuleRef module);

/* Define a symbol that JIT code may call, at a known address. Runtime
 * functions are resolved this way, never by searching the process. The JIT
 * pre-defines memcpy, memmove, memset and the libm functions exp, log, sin,
 * cos, tanh, pow, sqrt, fabs, fmin, fmax, fma (and their float versions),
 * because LLVM may lower intrinsics to them. 0 on success. */
int prp_jit_define_symbol(prp_jit *jit, const char *name, void *address);

/* Compile a module into the JIT under a new resource tracker. Takes ownership
 * of the module in all cases. NULL on failure. */
prp_jit_module *prp_jit_add_module(prp_jit *jit, LLVMModuleRef module);
/* Address of a defined symbol (JIT code or defined runtime symbol), NULL if
 * absent. */
void *prp_jit_lookup(prp_jit *jit, const char *name);
/* Remove the module's code and symbols, free the handle, and drop the cache
 * entries that pointed into it. 0 on success. */
int prp_jit_remove_module(prp_jit *jit, prp_jit_module *module);

/* Emit a (typically optimised) module for the target; the module itself is
 * not changed (a clone goes through the code generator). 0 on success. */
int prp_jit_emit(prp_jit *jit, LLVMModuleRef module, prp_emit_kind kind, FILE *out);
/* The same, to a file written atomically (temporary file, then rename). */
int prp_jit_emit_file(prp_jit *jit, LLVMModuleRef module, prp_emit_kind kind, const char *path);
/* The module's textual IR. 0 on success. */
int prp_jit_print_ir(LLVMModuleRef module, FILE *out);

/* In-process cache of compiled kernels. The key is a canonical text of what
 * was compiled (for codegen: the printed DAG of the outputs, element type and
 * target); equal keys mean interchangeable code. Entries die with the module
 * that holds their code. */
uint64_t prp_jit_hash(const char *text);
void *prp_jit_cache_get(prp_jit *jit, const char *key);
void prp_jit_cache_put(prp_jit *jit, const char *key, prp_jit_module *owner, void *address);
/* Number of cache hits and misses since creation (for tests and -v output). */
void prp_jit_cache_stats(const prp_jit *jit, long *hits, long *misses);

/* On-disk cache of object code, shared between processes: one file per key
 * in dir (created if missing), named by the key's hash, holding the full key
 * text, a NUL, then the object; written atomically (temporary file, rename);
 * a file whose key text differs is ignored. NULL (the default) disables it. */
void prp_jit_set_disk_cache(prp_jit *jit, const char *dir);
/* The conventional directory: $XDG_CACHE_HOME/prp, else $HOME/.cache/prp;
 * written into buf (size bytes). NULL if neither variable is set. */
const char *prp_jit_default_cache_dir(char *buf, size_t size);
const char *prp_jit_disk_cache(const prp_jit *jit);
/* The cached object for key (malloc'd, *size bytes), or NULL. */
char *prp_jit_disk_cache_load(prp_jit *jit, const char *key, size_t *size);
/* Store an object under key. 0 on success (no cache directory: -1). */
int prp_jit_disk_cache_store(prp_jit *jit, const char *key, const char *object, size_t size);
/* Objects found on disk since creation. */
long prp_jit_disk_cache_hits(const prp_jit *jit);

/* The module's object code in memory (malloc'd, *size bytes); module unchanged. */
char *prp_jit_emit_object_bytes(prp_jit *jit, LLVMModuleRef module, size_t *size);
/* Link an object file (as from prp_jit_emit_object_bytes) into the JIT under
 * a new resource tracker; NULL on failure. */
prp_jit_module *prp_jit_add_object(prp_jit *jit, const char *object, size_t size);

#endif
