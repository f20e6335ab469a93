/* jit.c: the LLVM 19 back end's machine layer (see jit.h): target machine for
 * the host, ORC LLJIT, default<O3> pipeline, object/assembly emission, cache. */
#include "jit.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "diag.h"

struct prp_jit_module {
  LLVMOrcResourceTrackerRef tracker;
  prp_jit_module *next;
};

typedef struct cache_entry {
  char *key;
  uint64_t hash;
  prp_jit_module *owner;
  void *address;
  struct cache_entry *next;
} cache_entry;

struct prp_jit {
  LLVMOrcThreadSafeContextRef tsc;
  LLVMContextRef context;
  LLVMOrcLLJITRef lljit;
  /* All code and runtime symbols live in this JITDylib. Unlike LLJIT's main
   * JITDylib it does not link against the process's symbols, so JIT code
   * sees only what prp_jit_define_symbol defined. */
  LLVMOrcJITDylibRef dylib;
  LLVMTargetMachineRef machine; /* for passes and emission; the JIT has its own copy */
  char *triple;
  char *cpu;
  char *features;
  char *data_layout;
  int vector_bits;
  prp_jit_module *modules;
  cache_entry *cache;
  long cache_hits, cache_misses;
  char *disk_cache_dir;
  long disk_hits;
  char error[1024];
};

static _Thread_local char create_error_text[1024];

const char *prp_jit_create_error(void) { return create_error_text; }

const char *prp_jit_error(const prp_jit *jit) { return jit->error; }

static void set_error(prp_jit *jit, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(jit->error, sizeof jit->error, fmt, ap);
  va_end(ap);
}

/* Turn an LLVMErrorRef into the session's message; consumes it. 0 if no error. */
static int take_error(prp_jit *jit, LLVMErrorRef err, const char *what) {
  if (!err)
    return 0;
  char *msg = LLVMGetErrorMessage(err); /* consumes err */
  set_error(jit, "%s: %s", what, msg);
  LLVMDisposeErrorMessage(msg);
  return -1;
}

static bool feature_enabled(const char *features, const char *name) {
  size_t len = strlen(name);
  for (const char *p = features; p && *p;) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n == len + 1 && p[0] == '+' && memcmp(p + 1, name, len) == 0)
      return true;
    p = end ? end + 1 : NULL;
  }
  return false;
}

static int widest_vector_bits(const char *features) {
  if (feature_enabled(features, "avx512f"))
    return 512;
  if (feature_enabled(features, "avx"))
    return 256;
  return 128;
}

static LLVMTargetMachineRef make_machine(prp_jit *jit, LLVMTargetRef target, LLVMRelocMode reloc,
                                         LLVMCodeModel model) {
  return LLVMCreateTargetMachine(target, jit->triple, jit->cpu, jit->features,
                                 LLVMCodeGenLevelAggressive, reloc, model);
}

/* Symbols LLVM may emit calls to when it lowers intrinsics or memory idioms. */
typedef struct runtime_symbol {
  const char *name;
  void *address;
} runtime_symbol;

static int define_runtime_symbols(prp_jit *jit) {
  const runtime_symbol table[] = {
      {"memcpy", (void *)memcpy}, {"memmove", (void *)memmove}, {"memset", (void *)memset},
      {"exp", (void *)exp},       {"expf", (void *)expf},       {"log", (void *)log},
      {"logf", (void *)logf},     {"sin", (void *)sin},         {"sinf", (void *)sinf},
      {"cos", (void *)cos},       {"cosf", (void *)cosf},       {"tanh", (void *)tanh},
      {"tanhf", (void *)tanhf},   {"pow", (void *)pow},         {"powf", (void *)powf},
      {"sqrt", (void *)sqrt},     {"sqrtf", (void *)sqrtf},     {"fabs", (void *)fabs},
      {"fabsf", (void *)fabsf},   {"fmin", (void *)fmin},       {"fminf", (void *)fminf},
      {"fmax", (void *)fmax},     {"fmaxf", (void *)fmaxf},     {"fma", (void *)fma},
      {"fmaf", (void *)fmaf},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (prp_jit_define_symbol(jit, table[i].name, table[i].address) != 0)
      return -1;
  return 0;
}

static int build_lljit(prp_jit *jit, LLVMTargetRef target) {
  LLVMTargetMachineRef jit_machine =
      make_machine(jit, target, LLVMRelocDefault, LLVMCodeModelJITDefault);
  if (!jit_machine) {
    set_error(jit, "cannot create the JIT's target machine for %s", jit->triple);
    return -1;
  }
  LLVMOrcJITTargetMachineBuilderRef jtmb =
      LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(jit_machine); /* takes jit_machine */
  LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
  LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, jtmb); /* takes jtmb */
  return take_error(jit, LLVMOrcCreateLLJIT(&jit->lljit, builder), "creating LLJIT");
}

/* Errors ORC meets outside a call that returns them (failed materialisation)
 * go to the session's message instead of stderr; the failing call reports. */
static void report_session_error(void *ctx, LLVMErrorRef err) {
  take_error(ctx, err, "JIT session");
}

static void release_strings(prp_jit *jit) {
  if (jit->triple)
    LLVMDisposeMessage(jit->triple);
  if (jit->cpu)
    LLVMDisposeMessage(jit->cpu);
  if (jit->features)
    LLVMDisposeMessage(jit->features);
  if (jit->data_layout)
    LLVMDisposeMessage(jit->data_layout);
}

static int setup(prp_jit *jit, const char *cpu, const char *features) {
  if (LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter() ||
      LLVMInitializeNativeAsmParser()) {
    set_error(jit, "LLVM has no native target for this host");
    return -1;
  }
  jit->triple = LLVMGetDefaultTargetTriple();
  jit->cpu = cpu ? LLVMCreateMessage(cpu) : LLVMGetHostCPUName();
  jit->features = features ? LLVMCreateMessage(features) : LLVMGetHostCPUFeatures();
  jit->vector_bits = widest_vector_bits(jit->features);

  LLVMTargetRef target;
  char *msg = NULL;
  if (LLVMGetTargetFromTriple(jit->triple, &target, &msg)) {
    set_error(jit, "target %s: %s", jit->triple, msg);
    LLVMDisposeMessage(msg);
    return -1;
  }
  jit->machine = make_machine(jit, target, LLVMRelocPIC, LLVMCodeModelDefault);
  if (!jit->machine) {
    set_error(jit, "cannot create a target machine for %s (cpu %s)", jit->triple, jit->cpu);
    return -1;
  }
  LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(jit->machine);
  jit->data_layout = LLVMCopyStringRepOfTargetData(layout);
  LLVMDisposeTargetData(layout);

  jit->tsc = LLVMOrcCreateNewThreadSafeContext();
  jit->context = LLVMOrcThreadSafeContextGetContext(jit->tsc);
  if (build_lljit(jit, target) != 0)
    return -1;
  LLVMOrcExecutionSessionRef session = LLVMOrcLLJITGetExecutionSession(jit->lljit);
  LLVMOrcExecutionSessionSetErrorReporter(session, report_session_error, jit);
  if (take_error(jit, LLVMOrcExecutionSessionCreateJITDylib(session, &jit->dylib, "prp"),
                 "creating the kernels' JITDylib") != 0)
    return -1;
  return define_runtime_symbols(jit);
}

prp_jit *prp_jit_create_for_cpu(const char *cpu, const char *features) {
  prp_jit *jit = prp_xcalloc(1, sizeof *jit);
  if (!jit) {
    snprintf(create_error_text, sizeof create_error_text, "out of memory");
    return NULL;
  }
  if (setup(jit, cpu, features) != 0) {
    snprintf(create_error_text, sizeof create_error_text, "%s", jit->error);
    prp_jit_destroy(jit);
    return NULL;
  }
  create_error_text[0] = '\0';
  return jit;
}

prp_jit *prp_jit_create(void) { return prp_jit_create_for_cpu(NULL, NULL); }

static void free_cache(prp_jit *jit) {
  for (cache_entry *e = jit->cache, *next; e; e = next) {
    next = e->next;
    free(e->key);
    free(e);
  }
  jit->cache = NULL;
}

void prp_jit_destroy(prp_jit *jit) {
  if (!jit)
    return;
  free_cache(jit);
  free(jit->disk_cache_dir);
  for (prp_jit_module *m = jit->modules, *next; m; m = next) {
    next = m->next;
    LLVMOrcReleaseResourceTracker(m->tracker);
    free(m);
  }
  if (jit->lljit) {
    LLVMErrorRef err = LLVMOrcDisposeLLJIT(jit->lljit);
    if (err) {
      char *msg = LLVMGetErrorMessage(err);
      fprintf(stderr, "prp: internal error disposing the JIT: %s\n", msg);
      LLVMDisposeErrorMessage(msg);
    }
  }
  if (jit->tsc)
    LLVMOrcDisposeThreadSafeContext(jit->tsc);
  if (jit->machine)
    LLVMDisposeTargetMachine(jit->machine);
  release_strings(jit);
  free(jit);
}

LLVMContextRef prp_jit_context(prp_jit *jit) { return jit->context; }
LLVMTargetMachineRef prp_jit_target_machine(prp_jit *jit) { return jit->machine; }
const char *prp_jit_cpu_name(const prp_jit *jit) { return jit->cpu; }
const char *prp_jit_cpu_features(const prp_jit *jit) { return jit->features; }
const char *prp_jit_triple(const prp_jit *jit) { return jit->triple; }
int prp_jit_vector_bits(const prp_jit *jit) { return jit->vector_bits; }

LLVMModuleRef prp_jit_new_module(prp_jit *jit, const char *name) {
  LLVMModuleRef module = LLVMModuleCreateWithNameInContext(name, jit->context);
  LLVMSetTarget(module, jit->triple);
  LLVMSetDataLayout(module, jit->data_layout);
  return module;
}

static void add_string_attribute(prp_jit *jit, LLVMValueRef fn, const char *key, const char *value) {
  LLVMAttributeRef attr = LLVMCreateStringAttribute(jit->context, key, (unsigned)strlen(key), value,
                                                    (unsigned)strlen(value));
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, attr);
}

void prp_jit_mark_kernel(prp_jit *jit, LLVMValueRef function) {
  char width[16];
  snprintf(width, sizeof width, "%d", jit->vector_bits);
  add_string_attribute(jit, function, "prefer-vector-width", width);
  add_string_attribute(jit, function, "min-legal-vector-width", width);
  add_string_attribute(jit, function, "target-cpu", jit->cpu);
  add_string_attribute(jit, function, "target-features", jit->features);
}

int prp_jit_optimize(prp_jit *jit, LLVMModuleRef module) {
  char *msg = NULL;
  if (LLVMVerifyModule(module, LLVMReturnStatusAction, &msg)) {
    set_error(jit, "invalid IR from codegen: %s", msg);
    LLVMDisposeMessage(msg);
    return -1;
  }
  LLVMDisposeMessage(msg);
  LLVMPassBuilderOptionsRef options = LLVMCreatePassBuilderOptions();
  LLVMPassBuilderOptionsSetLoopVectorization(options, 1);
  LLVMPassBuilderOptionsSetSLPVectorization(options, 1);
  LLVMPassBuilderOptionsSetLoopInterleaving(options, 1);
  LLVMPassBuilderOptionsSetLoopUnrolling(options, 1);
  LLVMErrorRef err = LLVMRunPasses(module, "default<O3>", jit->machine, options);
  LLVMDisposePassBuilderOptions(options);
  return take_error(jit, err, "optimising");
}

int prp_jit_define_symbol(prp_jit *jit, const char *name, void *address) {
  LLVMOrcCSymbolMapPair pair = {
      .Name = LLVMOrcLLJITMangleAndIntern(jit->lljit, name),
      .Sym = {.Address = (LLVMOrcExecutorAddress)(uintptr_t)address,
              .Flags = {.GenericFlags = LLVMJITSymbolGenericFlagsExported |
                                        LLVMJITSymbolGenericFlagsCallable,
                        .TargetFlags = 0}},
  };
  LLVMOrcMaterializationUnitRef unit = LLVMOrcAbsoluteSymbols(&pair, 1); /* takes pair.Name */
  LLVMErrorRef err = LLVMOrcJITDylibDefine(jit->dylib, unit);
  if (err) {
    LLVMOrcDisposeMaterializationUnit(unit);
    return take_error(jit, err, name);
  }
  return 0;
}

prp_jit_module *prp_jit_add_module(prp_jit *jit, LLVMModuleRef module) {
  prp_jit_module *handle = prp_xcalloc(1, sizeof *handle);
  handle->tracker = LLVMOrcJITDylibCreateResourceTracker(jit->dylib);
  LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(module, jit->tsc);
  LLVMErrorRef err = LLVMOrcLLJITAddLLVMIRModuleWithRT(jit->lljit, handle->tracker, tsm);
  if (take_error(jit, err, "adding a module to the JIT") != 0) {
    LLVMOrcReleaseResourceTracker(handle->tracker);
    free(handle);
    return NULL;
  }
  handle->next = jit->modules;
  jit->modules = handle;
  return handle;
}

typedef struct lookup_result {
  bool done;
  LLVMOrcExecutorAddress address;
  LLVMErrorRef error;
} lookup_result;

static void on_lookup(LLVMErrorRef err, LLVMOrcCSymbolMapPairs result, size_t n, void *ctx) {
  lookup_result *r = ctx;
  r->done = true;
  r->error = err;
  if (!err && n > 0)
    r->address = result[0].Sym.Address;
}

void *prp_jit_lookup(prp_jit *jit, const char *name) {
  LLVMOrcCJITDylibSearchOrderElement order[2] = {
      {.JD = jit->dylib, .JDLookupFlags = LLVMOrcJITDylibLookupFlagsMatchAllSymbols}, {0}};
  LLVMOrcCLookupSetElement symbols[2] = {
      {.Name = LLVMOrcLLJITMangleAndIntern(jit->lljit, name), /* the lookup takes it */
       .LookupFlags = LLVMOrcSymbolLookupFlagsRequiredSymbol},
      {0}};
  lookup_result r = {0};
  LLVMOrcExecutionSessionLookup(LLVMOrcLLJITGetExecutionSession(jit->lljit), LLVMOrcLookupKindStatic,
                                order, 1, symbols, 1, on_lookup, &r);
  /* LLJIT without compile threads materialises in place: done on return */
  PRP_ASSERT(r.done && "prp_jit_lookup: asynchronous completion is not expected");
  if (take_error(jit, r.error, "looking up a symbol") != 0)
    return NULL;
  return (void *)(uintptr_t)r.address;
}

static void drop_cache_entries_of(prp_jit *jit, const prp_jit_module *owner) {
  cache_entry **link = &jit->cache;
  while (*link) {
    cache_entry *e = *link;
    if (e->owner == owner) {
      *link = e->next;
      free(e->key);
      free(e);
    } else {
      link = &e->next;
    }
  }
}

int prp_jit_remove_module(prp_jit *jit, prp_jit_module *module) {
  prp_jit_module **link = &jit->modules;
  while (*link && *link != module)
    link = &(*link)->next;
  PRP_ASSERT(*link && "prp_jit_remove_module: module not in this JIT");
  *link = module->next;
  drop_cache_entries_of(jit, module);
  int status = take_error(jit, LLVMOrcResourceTrackerRemove(module->tracker), "removing a module");
  LLVMOrcReleaseResourceTracker(module->tracker);
  free(module);
  return status;
}

static int emit_to_buffer(prp_jit *jit, LLVMModuleRef module, prp_emit_kind kind,
                          LLVMMemoryBufferRef *buffer) {
  /* The code generator rewrites IR (CodeGenPrepare), so it gets a clone. */
  LLVMModuleRef clone = LLVMCloneModule(module);
  char *msg = NULL;
  LLVMCodeGenFileType type = kind == PRP_EMIT_OBJECT ? LLVMObjectFile : LLVMAssemblyFile;
  LLVMBool failed = LLVMTargetMachineEmitToMemoryBuffer(jit->machine, clone, type, &msg, buffer);
  LLVMDisposeModule(clone);
  if (failed) {
    set_error(jit, "code generation failed: %s", msg ? msg : "(no message)");
    LLVMDisposeMessage(msg);
    return -1;
  }
  return 0;
}

int prp_jit_emit(prp_jit *jit, LLVMModuleRef module, prp_emit_kind kind, FILE *out) {
  LLVMMemoryBufferRef buffer;
  if (emit_to_buffer(jit, module, kind, &buffer) != 0)
    return -1;
  size_t size = LLVMGetBufferSize(buffer);
  size_t written = fwrite(LLVMGetBufferStart(buffer), 1, size, out);
  LLVMDisposeMemoryBuffer(buffer);
  if (written != size) {
    set_error(jit, "writing emitted code failed");
    return -1;
  }
  return 0;
}

int prp_jit_emit_file(prp_jit *jit, LLVMModuleRef module, prp_emit_kind kind, const char *path) {
  size_t len = strlen(path) + 32;
  char *temp = prp_xmalloc(len, 1);
  snprintf(temp, len, "%s.tmp%ld", path, (long)getpid());
  FILE *out = fopen(temp, "wb");
  if (!out) {
    set_error(jit, "cannot write %s", temp);
    free(temp);
    return -1;
  }
  int status = prp_jit_emit(jit, module, kind, out);
  if (fclose(out) != 0 && status == 0) {
    set_error(jit, "cannot write %s", temp);
    status = -1;
  }
  if (status == 0 && rename(temp, path) != 0) {
    set_error(jit, "cannot rename %s to %s", temp, path);
    status = -1;
  }
  if (status != 0)
    remove(temp);
  free(temp);
  return status;
}

int prp_jit_print_ir(LLVMModuleRef module, FILE *out) {
  char *text = LLVMPrintModuleToString(module);
  int status = fputs(text, out) < 0 ? -1 : 0;
  LLVMDisposeMessage(text);
  return status;
}

uint64_t prp_jit_hash(const char *text) {
  /* FNV-1a, 64 bit: keys are short canonical texts and are compared in full
   * on a hit, so the hash only has to spread them. */
  uint64_t h = 0xcbf29ce484222325u;
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    h ^= *p;
    h *= 0x100000001b3u;
  }
  return h;
}

void *prp_jit_cache_get(prp_jit *jit, const char *key) {
  uint64_t h = prp_jit_hash(key);
  for (cache_entry *e = jit->cache; e; e = e->next)
    if (e->hash == h && strcmp(e->key, key) == 0) {
      jit->cache_hits++;
      return e->address;
    }
  jit->cache_misses++;
  return NULL;
}

void prp_jit_cache_put(prp_jit *jit, const char *key, prp_jit_module *owner, void *address) {
  cache_entry *e = prp_xcalloc(1, sizeof *e);
  e->key = prp_xstrdup(key);
  e->hash = prp_jit_hash(key);
  e->owner = owner;
  e->address = address;
  e->next = jit->cache;
  jit->cache = e;
}

void prp_jit_cache_stats(const prp_jit *jit, long *hits, long *misses) {
  *hits = jit->cache_hits;
  *misses = jit->cache_misses;
}

void prp_jit_set_disk_cache(prp_jit *jit, const char *dir) {
  free(jit->disk_cache_dir);
  jit->disk_cache_dir = dir ? prp_xstrdup(dir) : NULL;
}

const char *prp_jit_default_cache_dir(char *buf, size_t size) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (xdg && *xdg)
    snprintf(buf, size, "%s/prp", xdg);
  else if (home && *home)
    snprintf(buf, size, "%s/.cache/prp", home);
  else
    return NULL;
  return buf;
}

const char *prp_jit_disk_cache(const prp_jit *jit) { return jit->disk_cache_dir; }
long prp_jit_disk_cache_hits(const prp_jit *jit) { return jit->disk_hits; }

static char *cache_path(const prp_jit *jit, const char *key) {
  size_t len = strlen(jit->disk_cache_dir) + 40;
  char *path = prp_xmalloc(len, 1);
  snprintf(path, len, "%s/%016llx.prpo", jit->disk_cache_dir, (unsigned long long)prp_jit_hash(key));
  return path;
}

/* Whole file in memory (malloc'd), or NULL. */
static char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *data = NULL;
  long len = -1;
  if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
    data = prp_xmalloc((size_t)len + 1, 1);
    if (fread(data, 1, (size_t)len, f) != (size_t)len) {
      free(data);
      data = NULL;
    }
  }
  fclose(f);
  *size = data ? (size_t)len : 0;
  return data;
}

char *prp_jit_disk_cache_load(prp_jit *jit, const char *key, size_t *size) {
  if (!jit->disk_cache_dir)
    return NULL;
  char *path = cache_path(jit, key);
  size_t file_size;
  char *data = read_file(path, &file_size);
  free(path);
  size_t key_len = strlen(key);
  if (!data || file_size <= key_len || memcmp(data, key, key_len) != 0 || data[key_len] != '\0') {
    free(data);
    return NULL;
  }
  *size = file_size - key_len - 1;
  memmove(data, data + key_len + 1, *size);
  jit->disk_hits++;
  return data;
}

int prp_jit_disk_cache_store(prp_jit *jit, const char *key, const char *object, size_t size) {
  if (!jit->disk_cache_dir)
    return -1;
  if (mkdir(jit->disk_cache_dir, 0777) != 0 && errno != EEXIST) {
    set_error(jit, "cannot create the cache directory %s", jit->disk_cache_dir);
    return -1;
  }
  char *path = cache_path(jit, key);
  size_t len = strlen(path) + 32;
  char *temp = prp_xmalloc(len, 1);
  snprintf(temp, len, "%s.tmp%ld", path, (long)getpid());
  FILE *out = fopen(temp, "wb");
  int status = out ? 0 : -1;
  if (out) {
    if (fwrite(key, 1, strlen(key) + 1, out) != strlen(key) + 1 || fwrite(object, 1, size, out) != size)
      status = -1;
    if (fclose(out) != 0)
      status = -1;
  }
  if (status == 0 && rename(temp, path) != 0)
    status = -1;
  if (status != 0) {
    set_error(jit, "cannot write the cache file %s", path);
    remove(temp);
  }
  free(temp);
  free(path);
  return status;
}

char *prp_jit_emit_object_bytes(prp_jit *jit, LLVMModuleRef module, size_t *size) {
  LLVMMemoryBufferRef buffer;
  if (emit_to_buffer(jit, module, PRP_EMIT_OBJECT, &buffer) != 0)
    return NULL;
  *size = LLVMGetBufferSize(buffer);
  char *bytes = prp_xmalloc(*size ? *size : 1, 1);
  memcpy(bytes, LLVMGetBufferStart(buffer), *size);
  LLVMDisposeMemoryBuffer(buffer);
  return bytes;
}

prp_jit_module *prp_jit_add_object(prp_jit *jit, const char *object, size_t size) {
  prp_jit_module *handle = prp_xcalloc(1, sizeof *handle);
  handle->tracker = LLVMOrcJITDylibCreateResourceTracker(jit->dylib);
  LLVMMemoryBufferRef buffer = LLVMCreateMemoryBufferWithMemoryRangeCopy(object, size, "prp-object");
  LLVMErrorRef err = LLVMOrcLLJITAddObjectFileWithRT(jit->lljit, handle->tracker, buffer); /* takes buffer */
  if (take_error(jit, err, "adding an object to the JIT") != 0) {
    LLVMOrcReleaseResourceTracker(handle->tracker);
    free(handle);
    return NULL;
  }
  handle->next = jit->modules;
  jit->modules = handle;
  return handle;
}
