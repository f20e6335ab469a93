/* Unit tests of compiler/llvm/jit.c: host target machine, runtime symbols resolved
 * only by explicit definition, removable modules, object/assembly emission. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jit.h"

/* Exported by this executable (ENABLE_EXPORTS), but only reachable from JIT
 * code when defined explicitly. */
double prp_test_runtime_scale(double x);
double prp_test_runtime_scale(double x) { return 3.0 * x; }

/* A module with `double name(double x)` returning x * factor + call(x) if
 * callee is given, else x * factor. */
static LLVMModuleRef make_module(prp_jit *jit, const char *name, double factor, const char *callee) {
  LLVMContextRef ctx = prp_jit_context(jit);
  LLVMModuleRef m = prp_jit_new_module(jit, name);
  LLVMTypeRef dbl = LLVMDoubleTypeInContext(ctx);
  LLVMTypeRef fn_type = LLVMFunctionType(dbl, &dbl, 1, 0);
  LLVMValueRef fn = LLVMAddFunction(m, name, fn_type);
  LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
  LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
  LLVMValueRef x = LLVMGetParam(fn, 0);
  LLVMValueRef y = LLVMBuildFMul(b, x, LLVMConstReal(dbl, factor), "");
  if (callee) {
    LLVMValueRef ext = LLVMAddFunction(m, callee, fn_type);
    y = LLVMBuildFAdd(b, y, LLVMBuildCall2(b, fn_type, ext, &x, 1, ""), "");
  }
  LLVMBuildRet(b, y);
  LLVMDisposeBuilder(b);
  return m;
}

typedef double (*unary)(double);

static bool cpuinfo_has(const char *flag) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f)
    return false;
  char line[8192];
  bool found = false;
  size_t len = strlen(flag);
  while (!found && fgets(line, sizeof line, f))
    if (strncmp(line, "flags", 5) == 0)
      for (char *p = strstr(line, flag); p && !found; p = strstr(p + 1, flag))
        found = (p[-1] == ' ' || p[-1] == '\t') && (p[len] == ' ' || p[len] == '\n');
  fclose(f);
  return found;
}

static void test_host_target(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  assert_non_null(jit);
  printf("  host: %s, cpu %s, %d-bit vectors\n", prp_jit_triple(jit), prp_jit_cpu_name(jit),
         prp_jit_vector_bits(jit));
  assert_non_null(strstr(prp_jit_triple(jit), "x86_64"));
  assert_int_equal(prp_jit_vector_bits(jit) == 512, cpuinfo_has("avx512f"));
  prp_jit_destroy(jit);
}

static void test_add_lookup_call(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  LLVMModuleRef m = make_module(jit, "twice", 2.0, NULL);
  assert_int_equal(prp_jit_optimize(jit, m), 0);
  assert_non_null(prp_jit_add_module(jit, m));
  unary twice = (unary)prp_jit_lookup(jit, "twice");
  assert_non_null(twice);
  assert_true(twice(21.0) == 42.0);
  assert_null(prp_jit_lookup(jit, "no_such_symbol"));
  assert_non_null(strstr(prp_jit_error(jit), "no_such_symbol"));
  prp_jit_destroy(jit);
}

/* A symbol the process exports is not found unless defined: resolution is
 * deliberate. After prp_jit_define_symbol the same call works. */
static void test_runtime_symbols_are_explicit(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  assert_non_null(prp_jit_add_module(jit, make_module(jit, "calls_runtime", 1.0, "prp_test_runtime_scale")));
  assert_null(prp_jit_lookup(jit, "calls_runtime"));
  prp_jit_destroy(jit);

  jit = prp_jit_create();
  assert_int_equal(prp_jit_define_symbol(jit, "prp_test_runtime_scale", (void *)prp_test_runtime_scale), 0);
  assert_ptr_equal(prp_jit_lookup(jit, "prp_test_runtime_scale"), (void *)prp_test_runtime_scale);
  assert_non_null(prp_jit_add_module(jit, make_module(jit, "calls_runtime", 1.0, "prp_test_runtime_scale")));
  unary f = (unary)prp_jit_lookup(jit, "calls_runtime");
  assert_non_null(f);
  assert_true(f(2.0) == 2.0 + 6.0);
  /* a second definition of the same name is refused, with a message */
  assert_int_equal(prp_jit_define_symbol(jit, "prp_test_runtime_scale", (void *)prp_test_runtime_scale), -1);
  assert_true(strlen(prp_jit_error(jit)) > 0);
  /* libm is defined deliberately too */
  assert_non_null(prp_jit_lookup(jit, "tanh"));
  assert_non_null(prp_jit_lookup(jit, "memcpy"));
  prp_jit_destroy(jit);
}

/* A REPL cell redefines a function: remove the old module, add the new one. */
static void test_remove_and_redefine(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  prp_jit_module *first = prp_jit_add_module(jit, make_module(jit, "cell", 2.0, NULL));
  assert_non_null(first);
  unary f = (unary)prp_jit_lookup(jit, "cell");
  assert_true(f(1.0) == 2.0);
  prp_jit_cache_put(jit, "cell-key", first, (void *)f);
  assert_ptr_equal(prp_jit_cache_get(jit, "cell-key"), (void *)f);
  assert_int_equal(prp_jit_remove_module(jit, first), 0);
  assert_null(prp_jit_cache_get(jit, "cell-key")); /* the cache forgot the removed code */
  assert_null(prp_jit_lookup(jit, "cell"));
  prp_jit_module *second = prp_jit_add_module(jit, make_module(jit, "cell", 5.0, NULL));
  assert_non_null(second);
  f = (unary)prp_jit_lookup(jit, "cell");
  assert_non_null(f);
  assert_true(f(1.0) == 5.0);
  long hits, misses;
  prp_jit_cache_stats(jit, &hits, &misses);
  assert_int_equal(hits, 1);
  assert_int_equal(misses, 1);
  prp_jit_destroy(jit); /* frees `second` */
}

static char *emit_to_string(prp_jit *jit, LLVMModuleRef m, prp_emit_kind kind, size_t *size) {
  char *text = NULL;
  FILE *out = open_memstream(&text, size);
  assert_int_equal(prp_jit_emit(jit, m, kind, out), 0);
  fclose(out);
  return text;
}

static void test_emit_object_and_assembly(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  LLVMModuleRef m = make_module(jit, "scaled", 4.0, NULL);
  assert_int_equal(prp_jit_optimize(jit, m), 0);
  size_t size;
  char *object = emit_to_string(jit, m, PRP_EMIT_OBJECT, &size);
  assert_true(size > 16);
  assert_memory_equal(object, "\177ELF", 4);
  free(object);
  char *assembly = emit_to_string(jit, m, PRP_EMIT_ASSEMBLY, &size);
  assert_non_null(strstr(assembly, "scaled:"));
  free(assembly);
  char *ir = NULL;
  FILE *out = open_memstream(&ir, &size);
  assert_int_equal(prp_jit_print_ir(m, out), 0);
  fclose(out);
  assert_non_null(strstr(ir, "define double @scaled(double"));
  free(ir);

  /* to a file, atomically; cc links it with a main() that calls it */
  char dir[] = "/tmp/prp_jit_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char obj[128], src[128], exe[128], cmd[1024];
  snprintf(obj, sizeof obj, "%s/scaled.o", dir);
  snprintf(src, sizeof src, "%s/main.c", dir);
  snprintf(exe, sizeof exe, "%s/main", dir);
  assert_int_equal(prp_jit_emit_file(jit, m, PRP_EMIT_OBJECT, obj), 0);
  FILE *c = fopen(src, "w");
  fputs("double scaled(double);\nint main(void) { return scaled(10.5) == 42.0 ? 0 : 1; }\n", c);
  fclose(c);
  snprintf(cmd, sizeof cmd, "cc -o %s %s %s && %s", exe, src, obj, exe);
  assert_int_equal(system(cmd), 0);
  /* the module was not consumed by emission: it still JIT-compiles */
  assert_non_null(prp_jit_add_module(jit, m));
  assert_true(((unary)prp_jit_lookup(jit, "scaled"))(1.0) == 4.0);
  /* an unwritable path is reported, not fatal */
  LLVMModuleRef m2 = make_module(jit, "scaled2", 1.0, NULL);
  assert_int_equal(prp_jit_emit_file(jit, m2, PRP_EMIT_OBJECT, "/nonexistent-dir/x.o"), -1);
  assert_non_null(strstr(prp_jit_error(jit), "/nonexistent-dir"));
  LLVMDisposeModule(m2);
  remove(obj);
  remove(src);
  remove(exe);
  rmdir(dir);
  prp_jit_destroy(jit);
}

static void test_invalid_ir_is_reported(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  LLVMContextRef ctx = prp_jit_context(jit);
  LLVMModuleRef m = prp_jit_new_module(jit, "broken");
  LLVMTypeRef dbl = LLVMDoubleTypeInContext(ctx);
  LLVMValueRef fn = LLVMAddFunction(m, "broken", LLVMFunctionType(dbl, &dbl, 1, 0));
  LLVMAppendBasicBlockInContext(ctx, fn, "entry"); /* no terminator */
  assert_int_equal(prp_jit_optimize(jit, m), -1);
  assert_non_null(strstr(prp_jit_error(jit), "invalid IR"));
  LLVMDisposeModule(m);
  prp_jit_destroy(jit);
}

static void test_generic_cpu_target(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create_for_cpu("x86-64", "+sse2");
  assert_non_null(jit);
  assert_int_equal(prp_jit_vector_bits(jit), 128);
  assert_string_equal(prp_jit_cpu_name(jit), "x86-64");
  LLVMModuleRef m = make_module(jit, "g", 2.0, NULL);
  assert_non_null(prp_jit_add_module(jit, m));
  assert_true(((unary)prp_jit_lookup(jit, "g"))(3.0) == 6.0);
  prp_jit_destroy(jit);
}

static void test_default_cache_dir(void **state) {
  (void)state;
  char buf[256];
  const char *saved = getenv("XDG_CACHE_HOME");
  char *copy = saved ? strdup(saved) : NULL;
  setenv("XDG_CACHE_HOME", "/somewhere", 1);
  assert_string_equal(prp_jit_default_cache_dir(buf, sizeof buf), "/somewhere/prp");
  unsetenv("XDG_CACHE_HOME");
  if (getenv("HOME")) {
    assert_non_null(prp_jit_default_cache_dir(buf, sizeof buf));
    assert_non_null(strstr(buf, "/.cache/prp"));
  }
  if (copy)
    setenv("XDG_CACHE_HOME", copy, 1);
  free(copy);
}

static void test_hash(void **state) {
  (void)state;
  assert_true(prp_jit_hash("a") != prp_jit_hash("b"));
  assert_true(prp_jit_hash("residual") == prp_jit_hash("residual"));
  assert_true(prp_jit_hash("") == 0xcbf29ce484222325u);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_host_target),
      cmocka_unit_test(test_add_lookup_call),
      cmocka_unit_test(test_runtime_symbols_are_explicit),
      cmocka_unit_test(test_remove_and_redefine),
      cmocka_unit_test(test_emit_object_and_assembly),
      cmocka_unit_test(test_invalid_ir_is_reported),
      cmocka_unit_test(test_generic_cpu_target),
      cmocka_unit_test(test_default_cache_dir),
      cmocka_unit_test(test_hash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
