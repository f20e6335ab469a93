/* codegen.c: lowers DAG nodes (expr.h) to LLVM IR loop kernels over batches of
 * points (ABI in codegen.h); the JIT (jit.c) optimises, compiles and caches them. */
#include "codegen.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "vecmath.h"

enum { NO_SLOT = -1, MAX_SMALL_EXPONENT = 64 };

static void set_err(char *err, size_t size, const char *fmt, ...) {
  if (!err || size == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, size, fmt, ap);
  va_end(ap);
}

static bool is_uniform(prp_var_kind kind) {
  return kind == PRP_VAR_UNKNOWN || kind == PRP_VAR_SCALAR;
}

/* The variable's slot in point_inputs or uniforms (see codegen.h), or
 * NO_SLOT if the layout has none for it. */
static long slot_of(const prp_kernel_layout *l, const prp_var_info *v) {
  uint32_t count = 0;
  long base = 0;
  switch (v->kind) {
  case PRP_VAR_COORD: count = l->n_coord; break;
  case PRP_VAR_JET: base = l->n_coord; count = l->n_jet; break;
  case PRP_VAR_POINTDATA: base = (long)l->n_coord + l->n_jet; count = l->n_pointdata; break;
  case PRP_VAR_UNKNOWN: count = l->n_unknown; break;
  case PRP_VAR_SCALAR: base = l->n_unknown; count = l->n_scalar; break;
  case PRP_VAR_KIND_COUNT: break;
  }
  return v->index < count ? base + v->index : NO_SLOT;
}

static long point_slot_count(const prp_kernel_layout *l) {
  return (long)l->n_coord + l->n_jet + l->n_pointdata;
}
static long uniform_slot_count(const prp_kernel_layout *l) { return (long)l->n_unknown + l->n_scalar; }

/* mark[] of the nodes reachable from the outputs; malloc'd. */
static bool *reachable(const prp_kernel_spec *spec) {
  uint32_t size = prp_dag_size(spec->dag);
  bool *mark = prp_xcalloc(size ? size : 1, sizeof *mark);
  prp_dag_mark_reachable(spec->dag, spec->outputs, spec->n_outputs, mark);
  return mark;
}

int prp_codegen_check(const prp_kernel_spec *spec, char *err, size_t err_size) {
  uint32_t size = prp_dag_size(spec->dag);
  for (size_t o = 0; o < spec->n_outputs; o++)
    if (spec->outputs[o] >= size) {
      set_err(err, err_size, "kernel %s: output %zu is not a node of the DAG", spec->name, o);
      return -1;
    }
  bool *mark = reachable(spec);
  int status = 0;
  for (prp_node id = 0; id < size && status == 0; id++) {
    if (!mark[id] || prp_node_kind(spec->dag, id) != PRP_VAR)
      continue;
    const prp_var_info *v = prp_node_var(spec->dag, id);
    if (slot_of(&spec->layout, v) == NO_SLOT) {
      set_err(err, err_size, "kernel %s: variable %s (kind %d, index %u) has no slot in the layout",
              spec->name, v->name, (int)v->kind, v->index);
      status = -1;
    }
  }
  free(mark);
  return status;
}

/* ---- the kernel builder ----------------------------------------------------- */

typedef struct kernel_builder {
  prp_jit *jit;
  LLVMModuleRef m;
  LLVMContextRef ctx;
  LLVMBuilderRef b;
  const prp_kernel_spec *spec;
  LLVMTypeRef t, i64, ptr;
  bool *mark;
  long *point_param;   /* per point slot: body parameter index, or NO_SLOT if unused */
  long *uniform_param; /* per uniform slot: body parameter index, or NO_SLOT */
  long n_point_used, n_uniform_used;
  LLVMValueRef body;
  LLVMValueRef index;  /* the loop's point index */
  LLVMValueRef *value; /* per node, inside the loop */
} kernel_builder;

static LLVMValueRef real(const kernel_builder *kb, double v) { return LLVMConstReal(kb->t, v); }

static void add_enum_attribute(LLVMContextRef ctx, LLVMValueRef fn, LLVMAttributeIndex at, const char *name) {
  unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
  PRP_ASSERT(kind != 0 && "codegen: unknown attribute");
  LLVMAddAttributeAtIndex(fn, at, LLVMCreateEnumAttribute(ctx, kind, 0));
}

/* Which slots the outputs use; they become the body's parameters, in slot order. */
static void assign_parameters(kernel_builder *kb) {
  const prp_kernel_layout *l = &kb->spec->layout;
  long np = point_slot_count(l), nu = uniform_slot_count(l);
  kb->point_param = prp_xmalloc((size_t)(np + 1) * sizeof *kb->point_param, 1);
  kb->uniform_param = prp_xmalloc((size_t)(nu + 1) * sizeof *kb->uniform_param, 1);
  PRP_ASSERT(kb->point_param && kb->uniform_param && "out of memory");
  for (long s = 0; s < np; s++)
    kb->point_param[s] = NO_SLOT;
  for (long s = 0; s < nu; s++)
    kb->uniform_param[s] = NO_SLOT;
  uint32_t size = prp_dag_size(kb->spec->dag);
  for (prp_node id = 0; id < size; id++) {
    if (!kb->mark[id] || prp_node_kind(kb->spec->dag, id) != PRP_VAR)
      continue;
    const prp_var_info *v = prp_node_var(kb->spec->dag, id);
    long slot = slot_of(l, v);
    PRP_ASSERT(slot != NO_SLOT && "codegen: unchecked spec");
    if (is_uniform(v->kind))
      kb->uniform_param[slot] = 0;
    else
      kb->point_param[slot] = 0;
  }
  /* body(n, point arrays..., uniform values..., output arrays...) */
  long next = 1;
  for (long s = 0; s < np; s++)
    if (kb->point_param[s] != NO_SLOT)
      kb->point_param[s] = next++;
  kb->n_point_used = next - 1;
  for (long s = 0; s < nu; s++)
    if (kb->uniform_param[s] != NO_SLOT)
      kb->uniform_param[s] = next++;
  kb->n_uniform_used = next - 1 - kb->n_point_used;
}

static unsigned body_param_count(const kernel_builder *kb) {
  return (unsigned)(1 + kb->n_point_used + kb->n_uniform_used + (long)kb->spec->n_outputs);
}

static LLVMValueRef variable_value(kernel_builder *kb, prp_node id) {
  const prp_var_info *v = prp_node_var(kb->spec->dag, id);
  long slot = slot_of(&kb->spec->layout, v);
  if (is_uniform(v->kind))
    return LLVMGetParam(kb->body, (unsigned)kb->uniform_param[slot]);
  LLVMValueRef array = LLVMGetParam(kb->body, (unsigned)kb->point_param[slot]);
  LLVMValueRef at = LLVMBuildGEP2(kb->b, kb->t, array, &kb->index, 1, "");
  return LLVMBuildLoad2(kb->b, kb->t, at, v->name ? v->name : "");
}

/* x^e for a constant e: multiplication chains and sqrt where exact forms exist. */
static LLVMValueRef constant_power(kernel_builder *kb, LLVMValueRef x, double e) {
  if (e == rint(e) && fabs(e) <= MAX_SMALL_EXPONENT)
    return prp_vecmath_powi(kb->b, x, (long long)e);
  double twice = 2.0 * e;
  if (twice == rint(twice) && fabs(e) <= MAX_SMALL_EXPONENT) {
    /* |e| = k + 1/2: x^k sqrt(x), inverted for e < 0 (so 0^-0.5 = Inf) */
    LLVMValueRef root = prp_vecmath_sqrt(kb->b, kb->m, x);
    long long k = (long long)floor(fabs(e));
    LLVMValueRef y = k ? LLVMBuildFMul(kb->b, prp_vecmath_powi(kb->b, x, k), root, "") : root;
    return e < 0 ? LLVMBuildFDiv(kb->b, real(kb, 1.0), y, "") : y;
  }
  return prp_vecmath_pow(kb->b, kb->m, x, real(kb, e));
}

static LLVMValueRef node_value(kernel_builder *kb, prp_node id) {
  const prp_dag *dag = kb->spec->dag;
  prp_kind kind = prp_node_kind(dag, id);
  uint32_t arity = prp_node_arity(dag, id);
  const prp_node *ops = arity ? prp_node_operands(dag, id) : NULL;
  LLVMValueRef a = arity > 0 ? kb->value[ops[0]] : NULL;
  LLVMValueRef c = arity > 1 ? kb->value[ops[1]] : NULL;
  switch (kind) {
  case PRP_CONST: return real(kb, prp_node_value(dag, id));
  case PRP_VAR: return variable_value(kb, id);
  case PRP_ADD:
  case PRP_MUL: {
    LLVMValueRef acc = a; /* in operand order, as prp_eval */
    for (uint32_t i = 1; i < arity; i++)
      acc = kind == PRP_ADD ? LLVMBuildFAdd(kb->b, acc, kb->value[ops[i]], "")
                            : LLVMBuildFMul(kb->b, acc, kb->value[ops[i]], "");
    return acc;
  }
  case PRP_POW:
    if (prp_node_kind(dag, ops[1]) == PRP_CONST)
      return constant_power(kb, a, prp_node_value(dag, ops[1]));
    return prp_vecmath_pow(kb->b, kb->m, a, c);
  case PRP_EXP: return prp_vecmath_call(kb->b, kb->m, PRP_VM_EXP, a);
  case PRP_LOG: return prp_vecmath_call(kb->b, kb->m, PRP_VM_LOG, a);
  case PRP_SIN: return prp_vecmath_call(kb->b, kb->m, PRP_VM_SIN, a);
  case PRP_COS: return prp_vecmath_call(kb->b, kb->m, PRP_VM_COS, a);
  case PRP_TANH: return prp_vecmath_call(kb->b, kb->m, PRP_VM_TANH, a);
  case PRP_SQRT: return prp_vecmath_sqrt(kb->b, kb->m, a);
  case PRP_ABS: return prp_vecmath_fabs(kb->b, kb->m, a);
  case PRP_SIGN: return prp_vecmath_sign(kb->b, a);
  case PRP_MIN: return prp_vecmath_min(kb->b, a, c);
  case PRP_MAX: return prp_vecmath_max(kb->b, a, c);
  case PRP_KIND_COUNT: break;
  }
  prp_internal_error("codegen: no rule for node kind %s (node %u)", prp_kind_name(kind), id);
}

/* The loop: for (i = 0; i < n; i++) { nodes in id order; stores }; n > 0. */
static void emit_body(kernel_builder *kb) {
  const prp_kernel_spec *spec = kb->spec;
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(kb->ctx, kb->body, "entry");
  LLVMBasicBlockRef loop = LLVMAppendBasicBlockInContext(kb->ctx, kb->body, "points");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(kb->ctx, kb->body, "done");
  LLVMPositionBuilderAtEnd(kb->b, entry);
  LLVMValueRef n = LLVMGetParam(kb->body, 0);
  LLVMValueRef zero = LLVMConstInt(kb->i64, 0, 0);
  LLVMBuildCondBr(kb->b, LLVMBuildICmp(kb->b, LLVMIntSGT, n, zero, ""), loop, done);

  LLVMPositionBuilderAtEnd(kb->b, loop);
  kb->index = LLVMBuildPhi(kb->b, kb->i64, "i");
  uint32_t size = prp_dag_size(spec->dag);
  kb->value = prp_xcalloc(size ? size : 1, sizeof *kb->value);
  for (prp_node id = 0; id < size; id++)
    if (kb->mark[id])
      kb->value[id] = node_value(kb, id);
  unsigned first_output = (unsigned)(1 + kb->n_point_used + kb->n_uniform_used);
  for (size_t o = 0; o < spec->n_outputs; o++) {
    LLVMValueRef array = LLVMGetParam(kb->body, first_output + (unsigned)o);
    LLVMValueRef at = LLVMBuildGEP2(kb->b, kb->t, array, &kb->index, 1, "");
    LLVMBuildStore(kb->b, kb->value[spec->outputs[o]], at);
  }
  LLVMValueRef next = LLVMBuildNUWAdd(kb->b, kb->index, LLVMConstInt(kb->i64, 1, 0), "");
  LLVMAddIncoming(kb->index, (LLVMValueRef[]){zero, next}, (LLVMBasicBlockRef[]){entry, loop}, 2);
  LLVMBuildCondBr(kb->b, LLVMBuildICmp(kb->b, LLVMIntSLT, next, n, ""), loop, done);
  LLVMPositionBuilderAtEnd(kb->b, done);
  LLVMBuildRetVoid(kb->b);
}

static LLVMValueRef declare_body(kernel_builder *kb) {
  unsigned count = body_param_count(kb);
  LLVMTypeRef *params = prp_xmalloc(count * sizeof *params, 1);
  params[0] = kb->i64;
  for (unsigned i = 1; i < count; i++)
    params[i] = kb->ptr;
  for (long u = 0; u < kb->n_uniform_used; u++)
    params[1 + kb->n_point_used + u] = kb->t;
  size_t len = strlen(kb->spec->name) + 8;
  char *name = prp_xmalloc(len, 1);
  snprintf(name, len, "%s.body", kb->spec->name);
  LLVMValueRef fn = LLVMAddFunction(kb->m, name, LLVMFunctionType(LLVMVoidTypeInContext(kb->ctx), params, count, 0));
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  add_enum_attribute(kb->ctx, fn, LLVMAttributeFunctionIndex, "nounwind");
  /* noalias arrays: after inlining they become alias scopes, so the loop
   * vectorizer needs no run-time overlap checks however many arrays there are */
  for (unsigned i = 1; i < count; i++)
    if (params[i] == kb->ptr)
      add_enum_attribute(kb->ctx, fn, i + 1, "noalias");
  prp_jit_mark_kernel(kb->jit, fn);
  free(name);
  free(params);
  return fn;
}

static LLVMValueRef load_slot(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base, long slot) {
  LLVMValueRef at = LLVMBuildGEP2(kb->b, type, base, (LLVMValueRef[]){LLVMConstInt(kb->i64, (unsigned long long)slot, 0)}, 1, "");
  return LLVMBuildLoad2(kb->b, type, at, "");
}

static void call_mxcsr_intrinsic(kernel_builder *kb, const char *name, LLVMValueRef slot) {
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  PRP_ASSERT(id != 0 && "codegen: no MXCSR intrinsic");
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(kb->m, id, NULL, 0);
  LLVMBuildCall2(kb->b, LLVMIntrinsicGetType(kb->ctx, id, NULL, 0), fn, &slot, 1, "");
}

static bool wants_flush(const kernel_builder *kb) {
  return !kb->spec->keep_subnormals && strncmp(prp_jit_triple(kb->jit), "x86_64", 6) == 0;
}

/* Sets flush-to-zero and denormals-are-zero in MXCSR, keeping the caller's
 * mode in `saved` (restored after the loop); `fast` is scratch. Why: a narrow
 * Gaussian source underflows for most points, and every subnormal result
 * costs a microcode assist (5x slower f32 kernels). */
static void flush_subnormals(kernel_builder *kb, LLVMValueRef saved, LLVMValueRef fast) {
  LLVMTypeRef i32 = LLVMInt32TypeInContext(kb->ctx);
  call_mxcsr_intrinsic(kb, "llvm.x86.sse.stmxcsr", saved);
  LLVMValueRef mode = LLVMBuildLoad2(kb->b, i32, saved, "");
  const unsigned long long ftz_daz = 0x8040; /* FTZ (bit 15) | DAZ (bit 6) */
  LLVMBuildStore(kb->b, LLVMBuildOr(kb->b, mode, LLVMConstInt(i32, ftz_daz, 0), ""), fast);
  call_mxcsr_intrinsic(kb, "llvm.x86.sse.ldmxcsr", fast);
}

/* The exported entry: name(n, point_inputs, uniforms, outputs) unpacks the
 * arrays the outputs use and calls the body; n <= 0 returns at once. */
static void emit_entry(kernel_builder *kb) {
  const prp_kernel_spec *spec = kb->spec;
  LLVMTypeRef params[4] = {kb->i64, kb->ptr, kb->ptr, kb->ptr};
  LLVMValueRef fn = LLVMAddFunction(kb->m, spec->name, LLVMFunctionType(LLVMVoidTypeInContext(kb->ctx), params, 4, 0));
  add_enum_attribute(kb->ctx, fn, LLVMAttributeFunctionIndex, "nounwind");
  prp_jit_mark_kernel(kb->jit, fn);
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(kb->ctx, fn, "entry");
  LLVMBasicBlockRef run = LLVMAppendBasicBlockInContext(kb->ctx, fn, "run");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(kb->ctx, fn, "done");
  LLVMPositionBuilderAtEnd(kb->b, entry);
  LLVMValueRef saved_mode = NULL, fast_mode = NULL;
  if (wants_flush(kb)) {
    saved_mode = LLVMBuildAlloca(kb->b, LLVMInt32TypeInContext(kb->ctx), "saved_mxcsr");
    fast_mode = LLVMBuildAlloca(kb->b, LLVMInt32TypeInContext(kb->ctx), "fast_mxcsr");
  }
  LLVMValueRef n = LLVMGetParam(fn, 0);
  LLVMBuildCondBr(kb->b, LLVMBuildICmp(kb->b, LLVMIntSGT, n, LLVMConstInt(kb->i64, 0, 0), ""), run, done);

  LLVMPositionBuilderAtEnd(kb->b, run);
  unsigned count = body_param_count(kb);
  LLVMValueRef *args = prp_xmalloc(count * sizeof *args, 1);
  args[0] = n;
  unsigned next = 1;
  for (long s = 0; s < point_slot_count(&spec->layout); s++)
    if (kb->point_param[s] != NO_SLOT)
      args[next++] = load_slot(kb, kb->ptr, LLVMGetParam(fn, 1), s);
  for (long s = 0; s < uniform_slot_count(&spec->layout); s++)
    if (kb->uniform_param[s] != NO_SLOT)
      args[next++] = load_slot(kb, kb->t, LLVMGetParam(fn, 2), s);
  for (size_t o = 0; o < spec->n_outputs; o++)
    args[next++] = load_slot(kb, kb->ptr, LLVMGetParam(fn, 3), (long)o);
  PRP_ASSERT(next == count);
  if (saved_mode)
    flush_subnormals(kb, saved_mode, fast_mode);
  LLVMBuildCall2(kb->b, LLVMGlobalGetValueType(kb->body), kb->body, args, count, "");
  if (saved_mode)
    call_mxcsr_intrinsic(kb, "llvm.x86.sse.ldmxcsr", saved_mode);
  free(args);
  LLVMBuildBr(kb->b, done);
  LLVMPositionBuilderAtEnd(kb->b, done);
  LLVMBuildRetVoid(kb->b);
}

static void add_kernel(prp_jit *jit, LLVMModuleRef m, const prp_kernel_spec *spec) {
  kernel_builder kb = {.jit = jit, .m = m, .ctx = prp_jit_context(jit), .spec = spec};
  kb.b = LLVMCreateBuilderInContext(kb.ctx);
  kb.t = spec->type == PRP_ELEM_F32 ? LLVMFloatTypeInContext(kb.ctx) : LLVMDoubleTypeInContext(kb.ctx);
  kb.i64 = LLVMInt64TypeInContext(kb.ctx);
  kb.ptr = LLVMPointerTypeInContext(kb.ctx, 0);
  kb.mark = reachable(spec);
  assign_parameters(&kb);
  kb.body = declare_body(&kb);
  emit_body(&kb);
  emit_entry(&kb);
  LLVMDisposeBuilder(kb.b);
  free(kb.value);
  free(kb.point_param);
  free(kb.uniform_param);
  free(kb.mark);
}

LLVMModuleRef prp_codegen_module(prp_jit *jit, const prp_kernel_spec *specs, size_t n, char *err,
                                 size_t err_size) {
  for (size_t k = 0; k < n; k++)
    if (prp_codegen_check(&specs[k], err, err_size) != 0)
      return NULL;
  LLVMModuleRef m = prp_jit_new_module(jit, n == 1 ? specs[0].name : "prp_kernels");
  for (size_t k = 0; k < n; k++)
    add_kernel(jit, m, &specs[k]);
  return m;
}

/* ---- cache key ----------------------------------------------------------------- */

/* The nodes reachable from the outputs in depth-first post-order (operands in
 * their order before their user, outputs in theirs): a numbering that depends
 * on the DAG's structure only, not on the order its nodes were created in.
 * number[id] = 1 + position in order[], 0 for unreached; returns the count. */
static uint32_t structural_order(const prp_kernel_spec *spec, uint32_t *number, prp_node *order) {
  const prp_dag *dag = spec->dag;
  uint32_t size = prp_dag_size(dag), n = 0, depth = 0;
  struct frame { prp_node id; uint32_t next; } *stack = prp_xmalloc(size ? size : 1, sizeof *stack);
  for (size_t o = 0; o < spec->n_outputs; o++) {
    if (number[spec->outputs[o]]) continue;
    stack[depth++] = (struct frame){spec->outputs[o], 0};
    while (depth > 0) {   /* the stack is a path of the DAG: no node twice */
      struct frame *f = &stack[depth - 1];
      if (f->next < prp_node_arity(dag, f->id)) {
        prp_node op = prp_node_operands(dag, f->id)[f->next++];
        if (!number[op]) stack[depth++] = (struct frame){op, 0};
      } else {
        order[n] = f->id;
        number[f->id] = ++n;
        depth--;
      }
    }
  }
  free(stack);
  return n;
}

static void key_node(FILE *out, const prp_kernel_spec *spec, prp_node id, const uint32_t *number) {
  const prp_dag *dag = spec->dag;
  prp_kind kind = prp_node_kind(dag, id);
  if (kind == PRP_CONST) {
    double v = prp_node_value(dag, id);
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    fprintf(out, "c%016llx\n", (unsigned long long)bits);
    return;
  }
  if (kind == PRP_VAR) {
    const prp_var_info *v = prp_node_var(dag, id);
    fprintf(out, "%c%ld\n", is_uniform(v->kind) ? 'u' : 'p', slot_of(&spec->layout, v));
    return;
  }
  fprintf(out, "%s", prp_kind_name(kind));
  uint32_t arity = prp_node_arity(dag, id);
  const prp_node *ops = prp_node_operands(dag, id);
  for (uint32_t i = 0; i < arity; i++)
    fprintf(out, " %u", number[ops[i]] - 1);
  fputc('\n', out);
}

char *prp_codegen_key(const prp_jit *jit, const prp_kernel_spec *spec) {
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  PRP_ASSERT(out && "out of memory");
  const prp_kernel_layout *l = &spec->layout;
  fprintf(out, "prp %s llvm %s %s %s %s\n%s%s layout %u %u %u %u %u\n", PRP_VERSION,
          PRP_LLVM_VERSION, prp_jit_triple(jit), prp_jit_cpu_name(jit), prp_jit_cpu_features(jit),
          spec->type == PRP_ELEM_F32 ? "f32" : "f64", spec->keep_subnormals ? " subnormals" : "",
          l->n_coord, l->n_jet, l->n_pointdata, l->n_unknown, l->n_scalar);
  uint32_t dag_size = prp_dag_size(spec->dag) + 1;
  uint32_t *number = prp_xcalloc(dag_size, sizeof *number);
  prp_node *order = prp_xmalloc(dag_size, sizeof *order);
  uint32_t n = structural_order(spec, number, order);
  for (uint32_t i = 0; i < n; i++)
    key_node(out, spec, order[i], number);
  fprintf(out, "out");
  for (size_t o = 0; o < spec->n_outputs; o++)
    fprintf(out, " %u", number[spec->outputs[o]] - 1);
  fclose(out);
  free(order);
  free(number);
  return text;
}

/* ---- JIT and emission ---------------------------------------------------------- */

/* Builds and optimises the module of the n kernels; NULL on failure. */
static LLVMModuleRef optimized_module(prp_jit *jit, const prp_kernel_spec *specs, size_t n, char *err,
                                      size_t err_size) {
  LLVMModuleRef m = prp_codegen_module(jit, specs, n, err, err_size);
  if (!m)
    return NULL;
  if (prp_jit_optimize(jit, m) != 0) {
    set_err(err, err_size, "%s", prp_jit_error(jit));
    LLVMDisposeModule(m);
    return NULL;
  }
  return m;
}

/* Compiles the spec into the JIT: the object from the disk cache if there,
 * else codegen and O3 (and the object stored on disk when a cache is set). */
static prp_jit_module *compile_into_jit(prp_jit *jit, const prp_kernel_spec *spec, const char *key,
                                        char *err, size_t err_size) {
  size_t size;
  char *object = prp_jit_disk_cache_load(jit, key, &size);
  if (!object) {
    LLVMModuleRef m = optimized_module(jit, spec, 1, err, err_size);
    if (!m)
      return NULL;
    if (!prp_jit_disk_cache(jit))
      return prp_jit_add_module(jit, m);
    object = prp_jit_emit_object_bytes(jit, m, &size);
    LLVMDisposeModule(m);
    if (!object)
      return NULL;
    prp_jit_disk_cache_store(jit, key, object, size); /* a cache that cannot be written only costs time */
  }
  prp_jit_module *owner = prp_jit_add_object(jit, object, size);
  free(object);
  return owner;
}

void *prp_codegen_jit(prp_jit *jit, const prp_kernel_spec *spec, char *err, size_t err_size) {
  if (prp_codegen_check(spec, err, err_size) != 0)
    return NULL;
  char *key = prp_codegen_key(jit, spec);
  void *address = prp_jit_cache_get(jit, key);
  if (address) {
    free(key);
    return address;
  }
  /* The symbol is named by the key's hash, not by spec->name: equal code is
   * one symbol whatever its name (also in the disk cache), and kernels of the
   * same name but other content (a REPL redefinition) coexist. */
  char symbol[64];
  snprintf(symbol, sizeof symbol, "prp_kernel_%016llx", (unsigned long long)prp_jit_hash(key));
  prp_kernel_spec renamed = *spec;
  renamed.name = symbol;
  err_size = err ? err_size : 0;
  if (err_size)
    err[0] = '\0';
  prp_jit_module *owner = compile_into_jit(jit, &renamed, key, err, err_size);
  if (owner)
    address = prp_jit_lookup(jit, symbol);
  if (address)
    prp_jit_cache_put(jit, key, owner, address);
  else if (err_size && !err[0])
    set_err(err, err_size, "kernel %s: %s", spec->name, prp_jit_error(jit));
  free(key);
  return address;
}

int prp_codegen_emit_ir(prp_jit *jit, const prp_kernel_spec *specs, size_t n, FILE *out, char *err,
                        size_t err_size) {
  LLVMModuleRef m = optimized_module(jit, specs, n, err, err_size);
  if (!m)
    return -1;
  int status = prp_jit_print_ir(m, out);
  if (status != 0)
    set_err(err, err_size, "cannot write the IR");
  LLVMDisposeModule(m);
  return status;
}

static int emit_code(prp_jit *jit, const prp_kernel_spec *specs, size_t n, prp_emit_kind kind,
                     FILE *out, const char *path, char *err, size_t err_size) {
  LLVMModuleRef m = optimized_module(jit, specs, n, err, err_size);
  if (!m)
    return -1;
  int status = path ? prp_jit_emit_file(jit, m, kind, path) : prp_jit_emit(jit, m, kind, out);
  if (status != 0)
    set_err(err, err_size, "%s", prp_jit_error(jit));
  LLVMDisposeModule(m);
  return status;
}

int prp_codegen_emit_asm(prp_jit *jit, const prp_kernel_spec *specs, size_t n, FILE *out,
                         char *err, size_t err_size) {
  return emit_code(jit, specs, n, PRP_EMIT_ASSEMBLY, out, NULL, err, err_size);
}

int prp_codegen_emit_object(prp_jit *jit, const prp_kernel_spec *specs, size_t n, const char *path,
                            char *err, size_t err_size) {
  return emit_code(jit, specs, n, PRP_EMIT_OBJECT, NULL, path, err, err_size);
}

/* ---- the kernel plan ---------------------------------------------------------- */

static const char *term_kind_name(prp_term_kind kind) {
  switch (kind) {
  case PRP_TERM_PDE: return "pde";
  case PRP_TERM_INITIAL: return "initial";
  case PRP_TERM_BOUNDARY: return "boundary";
  case PRP_TERM_DATA: return "data";
  }
  prp_internal_error("codegen: unknown residual term kind %d", (int)kind);
}

static prp_kernel_spec term_spec(const prp_residuals *r, int t, prp_elem_type type) {
  const prp_residual_term *term = &r->terms[t];
  size_t n_outputs = 1 + (size_t)term->jets.n + (size_t)r->nunknowns;
  prp_node *outputs = prp_xmalloc(n_outputs * sizeof *outputs, 1);
  char *name = prp_xmalloc(48, 1);
  PRP_ASSERT(outputs && name && "out of memory");
  snprintf(name, 48, "prp_%s_%d", term_kind_name(term->kind), t);
  size_t o = 0;
  outputs[o++] = term->value;
  for (int j = 0; j < term->jets.n; j++)
    outputs[o++] = term->d_jet[j];
  for (int k = 0; k < r->nunknowns; k++)
    outputs[o++] = term->d_unknown[k];
  return (prp_kernel_spec){
      .name = name, .dag = r->dag, .outputs = outputs, .n_outputs = n_outputs, .type = type,
      .layout = {.n_coord = PRP_MAX_INPUTS, .n_jet = prp_dag_jet_count(r->dag),
                 .n_pointdata = PRP_POINT_COUNT, .n_unknown = (uint32_t)r->nunknowns,
                 .n_scalar = (uint32_t)r->nscalars}};
}

void prp_kernel_plan_build(const prp_residuals *r, prp_elem_type type, prp_kernel_plan *plan) {
  size_t count = (size_t)(r->nterms > 0 ? r->nterms : 1);
  plan->specs = prp_xmalloc(count * sizeof *plan->specs, 1);
  plan->term = prp_xmalloc(count * sizeof *plan->term, 1);
  PRP_ASSERT(plan->specs && plan->term && "out of memory");
  plan->n = 0;
  for (int t = 0; t < r->nterms; t++) {
    if (r->terms[t].hard)
      continue;
    plan->term[plan->n] = t;
    plan->specs[plan->n++] = term_spec(r, t, type);
  }
}

void prp_kernel_plan_free(prp_kernel_plan *plan) {
  for (size_t k = 0; k < plan->n; k++) {
    free((void *)plan->specs[k].name);
    free((void *)plan->specs[k].outputs);
  }
  free(plan->specs);
  free(plan->term);
  *plan = (prp_kernel_plan){0};
}
