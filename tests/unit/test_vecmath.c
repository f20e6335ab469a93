/* Unit tests of compiler/llvm/vecmath.c: JIT-compiled loop kernels of exp, log, tanh,
 * sin, cos, pow against libm (long double for f64) over dense and extreme inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"
#include "rng.h"
#include "vecmath.h"

/* ---- kernels: void k(int64_t n, const T *x, const T *y, T *out) ----------- */

typedef enum { OP_EXP, OP_LOG, OP_TANH, OP_SIN, OP_COS, OP_POW, OP_POWI5, OP_POWIM3,
               OP_MIN, OP_MAX, OP_SIGN, OP_SQRT, OP_ABS, OP_COUNT } op;
static const char *const op_names[OP_COUNT] = {"exp", "log", "tanh", "sin", "cos", "pow", "powi5",
                                               "powim3", "min", "max", "sign", "sqrt", "abs"};

static LLVMValueRef emit_op(LLVMBuilderRef b, LLVMModuleRef m, op o, LLVMValueRef x, LLVMValueRef y) {
  switch (o) {
  case OP_EXP: return prp_vecmath_call(b, m, PRP_VM_EXP, x);
  case OP_LOG: return prp_vecmath_call(b, m, PRP_VM_LOG, x);
  case OP_TANH: return prp_vecmath_call(b, m, PRP_VM_TANH, x);
  case OP_SIN: return prp_vecmath_call(b, m, PRP_VM_SIN, x);
  case OP_COS: return prp_vecmath_call(b, m, PRP_VM_COS, x);
  case OP_POW: return prp_vecmath_pow(b, m, x, y);
  case OP_POWI5: return prp_vecmath_powi(b, x, 5);
  case OP_POWIM3: return prp_vecmath_powi(b, x, -3);
  case OP_MIN: return prp_vecmath_min(b, x, y);
  case OP_MAX: return prp_vecmath_max(b, x, y);
  case OP_SIGN: return prp_vecmath_sign(b, x);
  case OP_SQRT: return prp_vecmath_sqrt(b, m, x);
  case OP_ABS: return prp_vecmath_fabs(b, m, x);
  case OP_COUNT: break;
  }
  fail_msg("unknown op %d", o);
  return NULL;
}

/* Adds `void name(i64 n, T *noalias x, T *noalias y, T *noalias out)`. */
static void add_loop_kernel(prp_jit *jit, LLVMModuleRef m, const char *name, LLVMTypeRef t, op o) {
  LLVMContextRef ctx = prp_jit_context(jit);
  LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
  LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
  LLVMTypeRef params[4] = {i64, ptr, ptr, ptr};
  LLVMValueRef fn = LLVMAddFunction(m, name, LLVMFunctionType(LLVMVoidTypeInContext(ctx), params, 4, 0));
  unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
  for (unsigned i = 2; i <= 4; i++)
    LLVMAddAttributeAtIndex(fn, i, LLVMCreateEnumAttribute(ctx, noalias, 0));
  prp_jit_mark_kernel(jit, fn);
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(ctx, fn, "entry");
  LLVMBasicBlockRef loop = LLVMAppendBasicBlockInContext(ctx, fn, "loop");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(ctx, fn, "done");
  LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
  LLVMPositionBuilderAtEnd(b, entry);
  LLVMValueRef n = LLVMGetParam(fn, 0);
  LLVMValueRef zero = LLVMConstInt(i64, 0, 0);
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSGT, n, zero, ""), loop, done);
  LLVMPositionBuilderAtEnd(b, loop);
  LLVMValueRef i = LLVMBuildPhi(b, i64, "i");
  LLVMValueRef px = LLVMBuildGEP2(b, t, LLVMGetParam(fn, 1), &i, 1, "");
  LLVMValueRef py = LLVMBuildGEP2(b, t, LLVMGetParam(fn, 2), &i, 1, "");
  LLVMValueRef po = LLVMBuildGEP2(b, t, LLVMGetParam(fn, 3), &i, 1, "");
  LLVMValueRef x = LLVMBuildLoad2(b, t, px, "x");
  LLVMValueRef y = LLVMBuildLoad2(b, t, py, "y");
  LLVMBuildStore(b, emit_op(b, m, o, x, y), po);
  LLVMValueRef next = LLVMBuildAdd(b, i, LLVMConstInt(i64, 1, 0), "");
  LLVMAddIncoming(i, (LLVMValueRef[]){zero, next}, (LLVMBasicBlockRef[]){entry, loop}, 2);
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, next, n, ""), loop, done);
  LLVMPositionBuilderAtEnd(b, done);
  LLVMBuildRetVoid(b);
  LLVMDisposeBuilder(b);
}

typedef void (*kernel_f64)(int64_t, const double *, const double *, double *);
typedef void (*kernel_f32)(int64_t, const float *, const float *, float *);

typedef struct fixture {
  prp_jit *jit;
  kernel_f64 f64[OP_COUNT];
  kernel_f32 f32[OP_COUNT];
  LLVMModuleRef optimized; /* a copy kept for the assembly test */
} fixture;

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof *fx);
  fx->jit = prp_jit_create();
  assert_non_null(fx->jit);
  LLVMModuleRef m = prp_jit_new_module(fx->jit, "vecmath_test");
  LLVMContextRef ctx = prp_jit_context(fx->jit);
  char name[64];
  for (int o = 0; o < OP_COUNT; o++) {
    snprintf(name, sizeof name, "k_%s_f64", op_names[o]);
    add_loop_kernel(fx->jit, m, name, LLVMDoubleTypeInContext(ctx), (op)o);
    snprintf(name, sizeof name, "k_%s_f32", op_names[o]);
    add_loop_kernel(fx->jit, m, name, LLVMFloatTypeInContext(ctx), (op)o);
  }
  assert_int_equal(prp_jit_optimize(fx->jit, m), 0);
  fx->optimized = LLVMCloneModule(m);
  assert_non_null(prp_jit_add_module(fx->jit, m));
  for (int o = 0; o < OP_COUNT; o++) {
    snprintf(name, sizeof name, "k_%s_f64", op_names[o]);
    fx->f64[o] = (kernel_f64)prp_jit_lookup(fx->jit, name);
    assert_non_null(fx->f64[o]);
    snprintf(name, sizeof name, "k_%s_f32", op_names[o]);
    fx->f32[o] = (kernel_f32)prp_jit_lookup(fx->jit, name);
    assert_non_null(fx->f32[o]);
  }
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;
  LLVMDisposeModule(fx->optimized);
  prp_jit_destroy(fx->jit);
  free(fx);
  return 0;
}

/* ---- error measurement ---------------------------------------------------- */

/* |got - ref| in units in the last place of the correctly rounded result. */
static double ulp_error_f64(double got, long double ref) {
  double rounded = (double)ref;
  if (isnan(rounded))
    return isnan(got) ? 0.0 : INFINITY;
  if (isinf(rounded) || rounded == 0.0)
    return got == rounded ? 0.0 : (fabs(got) <= DBL_TRUE_MIN && rounded == 0.0 ? 1.0 : INFINITY);
  int e;
  frexpl(ref, &e);
  long double ulp = ldexpl(1.0L, e - 53 < -1074 ? -1074 : e - 53);
  return (double)(fabsl((long double)got - ref) / ulp);
}

static double ulp_error_f32(float got, double ref) {
  float rounded = (float)ref;
  if (isnan(rounded))
    return isnan(got) ? 0.0 : INFINITY;
  if (isinf(rounded) || rounded == 0.0f)
    return got == rounded ? 0.0 : (fabsf(got) <= FLT_TRUE_MIN && rounded == 0.0f ? 1.0 : INFINITY);
  int e;
  frexp(ref, &e);
  double ulp = ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
  return fabs((double)got - ref) / ulp;
}

static long double reference_f64(op o, long double x, long double y) {
  switch (o) {
  case OP_EXP: return expl(x);
  case OP_LOG: return logl(x);
  case OP_TANH: return tanhl(x);
  case OP_SIN: return sinl(x);
  case OP_COS: return cosl(x);
  case OP_POW: return powl(x, y);
  default: fail_msg("no reference for %s", op_names[o]);
  }
  return 0;
}

static double reference_f32(op o, double x, double y) {
  switch (o) {
  case OP_EXP: return exp(x);
  case OP_LOG: return log(x);
  case OP_TANH: return tanh(x);
  case OP_SIN: return sin(x);
  case OP_COS: return cos(x);
  case OP_POW: return pow(x, y);
  default: fail_msg("no reference for %s", op_names[o]);
  }
  return 0;
}

/* Runs the f64 kernel on xs (and ys) and returns the largest ulp error. */
static double max_error_f64(fixture *fx, op o, const double *xs, const double *ys, size_t n) {
  double *out = malloc(n * sizeof *out);
  fx->f64[o]((int64_t)n, xs, ys, out);
  double worst = 0.0;
  size_t worst_at = 0;
  for (size_t i = 0; i < n; i++) {
    double err = ulp_error_f64(out[i], reference_f64(o, xs[i], ys[i]));
    if (!(err <= worst)) {
      worst = err;
      worst_at = i;
    }
  }
  if (worst > 0.5)
    printf("  %-5s f64: max %.3f ulp at x = %.17g, y = %.17g (got %.17g)\n", op_names[o], worst,
           xs[worst_at], ys[worst_at], out[worst_at]);
  free(out);
  return worst;
}

static double max_error_f32(fixture *fx, op o, const float *xs, const float *ys, size_t n) {
  float *out = malloc(n * sizeof *out);
  fx->f32[o]((int64_t)n, xs, ys, out);
  double worst = 0.0;
  size_t worst_at = 0;
  for (size_t i = 0; i < n; i++) {
    double err = ulp_error_f32(out[i], reference_f32(o, xs[i], ys[i]));
    if (!(err <= worst)) {
      worst = err;
      worst_at = i;
    }
  }
  if (worst > 0.5)
    printf("  %-5s f32: max %.3f ulp at x = %.9g, y = %.9g (got %.9g)\n", op_names[o], worst,
           (double)xs[worst_at], (double)ys[worst_at], (double)out[worst_at]);
  free(out);
  return worst;
}

/* ---- argument sets -------------------------------------------------------- */

enum { N_DENSE = 60000, N_RANDOM = 60000, N_ARGS = N_DENSE + N_RANDOM + 64 };

typedef struct args {
  double x[N_ARGS], y[N_ARGS];
  float xf[N_ARGS], yf[N_ARGS];
  size_t n;
} args;

static void push(args *a, double x, double y) {
  assert_true(a->n < N_ARGS);
  a->x[a->n] = x;
  a->y[a->n] = y;
  a->xf[a->n] = (float)x;
  a->yf[a->n] = (float)y;
  a->n++;
}

/* Dense sweep of [lo, hi], random log-uniform magnitudes 2^[elo, ehi] of both
 * signs (when signed), and the given extreme values. */
static args *make_args(double lo, double hi, double elo, double ehi, bool signed_random,
                       const double *extremes, size_t n_extremes) {
  args *a = calloc(1, sizeof *a);
  for (int i = 0; i < N_DENSE; i++)
    push(a, lo + (hi - lo) * i / (N_DENSE - 1), 0.0);
  prp_rng rng;
  prp_rng_seed(&rng, 42);
  for (int i = 0; i < N_RANDOM; i++) {
    double mag = exp2(elo + (ehi - elo) * prp_rng_uniform(&rng));
    push(a, signed_random && (i & 1) ? -mag : mag, 0.0);
  }
  for (size_t i = 0; i < n_extremes; i++)
    push(a, extremes[i], 0.0);
  return a;
}

static void check_accuracy(fixture *fx, op o, args *a, double bound64, double bound32, bool check32) {
  double e64 = max_error_f64(fx, o, a->x, a->y, a->n);
  printf("  %-5s f64 max error %.3f ulp (bound %.1f)\n", op_names[o], e64, bound64);
  assert_true(e64 <= bound64);
  if (check32) {
    double e32 = max_error_f32(fx, o, a->xf, a->yf, a->n);
    printf("  %-5s f32 max error %.3f ulp (bound %.1f)\n", op_names[o], e32, bound32);
    assert_true(e32 <= bound32);
  }
}

static const double specials[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, DBL_MIN, DBL_TRUE_MIN,
                                  -DBL_TRUE_MIN, DBL_MAX, -DBL_MAX, 1.0, -1.0, FLT_MIN, FLT_TRUE_MIN,
                                  FLT_MAX, 1e-300, -1e-300, 0.5, 2.0};
#define N_SPECIALS (sizeof specials / sizeof specials[0])

static void test_exp_accuracy(void **state) {
  static const double more[] = {709.78, 709.79, 710.0, -745.0, -745.2, -744.0, -708.5, 88.72,
                                88.73, -87.3, -103.0, -104.0, 1e3, -1e3};
  args *a = make_args(-750, 712, -60, 3, true, specials, N_SPECIALS);
  for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
    push(a, more[i], 0);
  check_accuracy(*state, OP_EXP, a, 1.0, 1.0, false);
  free(a);
  /* f32 over its own range, the f64 sweep would be mostly 0 and Inf */
  a = make_args(-105, 90, -40, 3, true, specials, N_SPECIALS);
  check_accuracy(*state, OP_EXP, a, 1.0, 1.5, true);
  free(a);
}

static void test_log_accuracy(void **state) {
  args *a = make_args(0.25, 4.0, -1074, 1023.9, false, specials, N_SPECIALS);
  static const double more[] = {-1.0, -1e-300, 1.0 + DBL_EPSILON, 1.0 - DBL_EPSILON / 2, 0.7071067811865476,
                                1.4142135623730951, 1.4142135623730954};
  for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
    push(a, more[i], 0);
  check_accuracy(*state, OP_LOG, a, 1.0, 1.0, true);
  free(a);
}

static void test_tanh_accuracy(void **state) {
  args *a = make_args(-25, 25, -1074, 6, true, specials, N_SPECIALS);
  check_accuracy(*state, OP_TANH, a, 2.0, 2.0, true);
  free(a);
}

static void test_sin_cos_accuracy(void **state) {
  args *a = make_args(-10, 10, -60, 20.6, true, specials, 5); /* 0, -0, +-Inf, NaN */
  static const double more[] = {M_PI, -M_PI, M_PI_2, 3 * M_PI_2, 1e5 * M_PI, 1.5e6, -1.5e6};
  for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
    push(a, more[i], 0);
  check_accuracy(*state, OP_SIN, a, 1.0, 1.0, true);
  check_accuracy(*state, OP_COS, a, 1.0, 1.0, true);
  free(a);
}

static void test_pow_accuracy(void **state) {
  fixture *fx = *state;
  args *a = calloc(1, sizeof *a);
  prp_rng rng;
  prp_rng_seed(&rng, 7);
  double worst_scaled = 0.0;
  for (int i = 0; i < 20000; i++) {
    double x = exp2(-20 + 40 * prp_rng_uniform(&rng));
    double y = -8 + 16 * prp_rng_uniform(&rng);
    push(a, x, y);
  }
  double *out = malloc(a->n * sizeof *out);
  fx->f64[OP_POW]((int64_t)a->n, a->x, a->y, out);
  for (size_t i = 0; i < a->n; i++) {
    double err = ulp_error_f64(out[i], powl(a->x[i], a->y[i]));
    double allowed = 2.0 + 2.0 * fabs(a->y[i] * log(a->x[i]));
    if (err / allowed > worst_scaled)
      worst_scaled = err / allowed;
  }
  printf("  pow   f64 max error / (2 + 2 |y ln x|) = %.3f\n", worst_scaled);
  assert_true(worst_scaled <= 1.0);
  double e32 = max_error_f32(fx, OP_POW, a->xf, a->yf, a->n);
  printf("  pow   f32 max error %.3f ulp\n", e32);
  assert_true(e32 <= 1.0);
  free(out);
  free(a);
}

/* ---- special values, exactly ---------------------------------------------- */

static double run1(fixture *fx, op o, double x, double y) {
  double out;
  fx->f64[o](1, &x, &y, &out);
  return out;
}

static float run1f(fixture *fx, op o, float x, float y) {
  float out;
  fx->f32[o](1, &x, &y, &out);
  return out;
}

static void test_special_values(void **state) {
  fixture *fx = *state;
  assert_true(isnan(run1(fx, OP_EXP, NAN, 0)));
  assert_true(run1(fx, OP_EXP, INFINITY, 0) == INFINITY);
  assert_true(run1(fx, OP_EXP, -INFINITY, 0) == 0.0);
  assert_true(run1(fx, OP_EXP, 1e4, 0) == INFINITY);
  assert_true(run1(fx, OP_EXP, -1e4, 0) == 0.0);
  assert_true(run1(fx, OP_EXP, -745.0, 0) == exp(-745.0)); /* smallest subnormal */
  assert_true(run1f(fx, OP_EXP, 100.0f, 0) == INFINITY);
  assert_true(run1f(fx, OP_EXP, -200.0f, 0) == 0.0f);
  assert_true(isnan(run1f(fx, OP_EXP, NAN, 0)));

  assert_true(isnan(run1(fx, OP_LOG, -1.0, 0)));
  assert_true(isnan(run1(fx, OP_LOG, -INFINITY, 0)));
  assert_true(isnan(run1(fx, OP_LOG, NAN, 0)));
  assert_true(run1(fx, OP_LOG, 0.0, 0) == -INFINITY);
  assert_true(run1(fx, OP_LOG, -0.0, 0) == -INFINITY);
  assert_true(run1(fx, OP_LOG, INFINITY, 0) == INFINITY);
  assert_true(run1(fx, OP_LOG, 1.0, 0) == 0.0);
  assert_true(run1(fx, OP_LOG, DBL_TRUE_MIN, 0) == log(DBL_TRUE_MIN));
  assert_true(run1f(fx, OP_LOG, 0.0f, 0) == -INFINITY);
  assert_true(isnan(run1f(fx, OP_LOG, -2.0f, 0)));

  assert_true(run1(fx, OP_TANH, INFINITY, 0) == 1.0);
  assert_true(run1(fx, OP_TANH, -INFINITY, 0) == -1.0);
  assert_true(run1(fx, OP_TANH, 1e300, 0) == 1.0);
  assert_true(isnan(run1(fx, OP_TANH, NAN, 0)));
  assert_true(signbit(run1(fx, OP_TANH, -0.0, 0)) && run1(fx, OP_TANH, -0.0, 0) == 0.0);
  assert_true(run1(fx, OP_TANH, 1e-310, 0) == 1e-310);
  assert_true(run1f(fx, OP_TANH, -INFINITY, 0) == -1.0f);
  assert_true(isnan(run1f(fx, OP_TANH, NAN, 0)));

  assert_true(isnan(run1(fx, OP_SIN, INFINITY, 0)));
  assert_true(isnan(run1(fx, OP_COS, -INFINITY, 0)));
  assert_true(isnan(run1(fx, OP_SIN, NAN, 0)));
  assert_true(isnan(run1(fx, OP_COS, 1e300, 0))); /* beyond 2^40: documented NaN */
  assert_true(signbit(run1(fx, OP_SIN, -0.0, 0)));
  assert_true(run1(fx, OP_COS, 0.0, 0) == 1.0);
  assert_true(run1(fx, OP_SIN, 1e-300, 0) == 1e-300);
  assert_true(isnan(run1f(fx, OP_SIN, INFINITY, 0)));
  /* degraded but finite between 2^20 pi/2 and 2^40 */
  for (double x = 1e7; x <= 1e12; x *= 10)
    printf("  sin(%g): absolute error %.3g\n", x, fabs(run1(fx, OP_SIN, x, 0) - sin(x)));
  assert_true(fabs(run1(fx, OP_SIN, 1e9, 0) - sin(1e9)) < 1e-7);
  assert_true(fabs(run1(fx, OP_COS, 1e12, 0) - cos(1e12)) < 1e-5);

  assert_true(run1(fx, OP_POW, NAN, 0.0) == 1.0);
  assert_true(run1(fx, OP_POW, 1.0, NAN) == 1.0);
  assert_true(fabs(run1(fx, OP_POW, -2.0, 3.0) + 8.0) <= 8 * 4 * DBL_EPSILON); /* odd: negative */
  assert_true(fabs(run1(fx, OP_POW, -2.0, 2.0) - 4.0) <= 4 * 4 * DBL_EPSILON);
  assert_true(isnan(run1(fx, OP_POW, -2.0, 0.5)));
  assert_true(run1(fx, OP_POW, 0.0, 2.0) == 0.0);
  assert_true(run1(fx, OP_POW, 0.0, -1.0) == INFINITY);
  assert_true(run1(fx, OP_POW, INFINITY, -1.0) == 0.0);
  assert_true(run1(fx, OP_POW, 0.5, INFINITY) == 0.0);
  assert_true(fabs(run1(fx, OP_POW, 2.0, 0.5) - M_SQRT2) <= 2 * DBL_EPSILON);
  assert_true(run1f(fx, OP_POW, -3.0f, 3.0f) == -27.0f);
}

static void test_simple_ops(void **state) {
  fixture *fx = *state;
  assert_true(run1(fx, OP_POWI5, 1.5, 0) == 1.5 * 1.5 * 1.5 * 1.5 * 1.5);
  assert_true(run1(fx, OP_POWIM3, 2.0, 0) == 0.125);
  assert_true(run1f(fx, OP_POWI5, -2.0f, 0) == -32.0f);
  assert_true(run1(fx, OP_MIN, 1.0, 2.0) == 1.0);
  assert_true(run1(fx, OP_MAX, 1.0, 2.0) == 2.0);
  assert_true(isnan(run1(fx, OP_MIN, NAN, 2.0)) && isnan(run1(fx, OP_MIN, 2.0, NAN)));
  assert_true(isnan(run1(fx, OP_MAX, NAN, 2.0)) && isnan(run1(fx, OP_MAX, 2.0, NAN)));
  assert_true(run1(fx, OP_SIGN, -3.0, 0) == -1.0);
  assert_true(run1(fx, OP_SIGN, 3.0, 0) == 1.0);
  assert_true(run1(fx, OP_SIGN, 0.0, 0) == 0.0);
  assert_true(isnan(run1(fx, OP_SIGN, NAN, 0)));
  assert_true(run1(fx, OP_SQRT, 2.0, 0) == sqrt(2.0));
  assert_true(isnan(run1(fx, OP_SQRT, -1.0, 0)));
  assert_true(run1(fx, OP_ABS, -2.5, 0) == 2.5);
  assert_true(run1f(fx, OP_ABS, -2.5f, 0) == 2.5f);
}

/* The loops vectorize to 512-bit registers and call nothing. */
static void test_assembly_is_vector_code(void **state) {
  fixture *fx = *state;
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  assert_int_equal(prp_jit_emit(fx->jit, fx->optimized, PRP_EMIT_ASSEMBLY, out), 0);
  fclose(out);
  assert_non_null(strstr(text, "k_tanh_f32:"));
  if (prp_jit_vector_bits(fx->jit) == 512) {
    assert_non_null(strstr(text, "%zmm"));
  } else {
    printf("  host has no AVX-512 (%s): zmm check skipped\n", prp_jit_cpu_name(fx->jit));
  }
  static const char *const banned[] = {"tanh", "tanhf", "exp", "expf", "log", "logf",
                                       "sin", "sinf", "cos", "cosf", "pow", "powf"};
  for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++) {
    char call[32];
    snprintf(call, sizeof call, "call\t%s", banned[i]);
    const char *hit = strstr(text, call);
    if (hit) {
      const char *after = hit + strlen(call);
      assert_false(*after == '\n' || *after == '@');
    }
  }
  /* no calls at all: everything inlined */
  assert_null(strstr(text, "\tcall"));
  free(text);
}

/* Each kernel's loop body in the f32 tanh kernel uses 16-lane vectors. */
static void test_tanh_kernel_ir_is_wide(void **state) {
  fixture *fx = *state;
  if (prp_jit_vector_bits(fx->jit) != 512)
    skip();
  LLVMValueRef fn = LLVMGetNamedFunction(fx->optimized, "k_tanh_f32");
  assert_non_null(fn);
  char *ir = LLVMPrintValueToString(fn);
  assert_non_null(strstr(ir, "<16 x float>"));
  LLVMDisposeMessage(ir);
  fn = LLVMGetNamedFunction(fx->optimized, "k_exp_f64");
  ir = LLVMPrintValueToString(fn);
  assert_non_null(strstr(ir, "<8 x double>"));
  LLVMDisposeMessage(ir);
}

/* The functions are branch-free (one basic block) and also accept vector
 * types directly, giving the same numbers as the scalar loop kernels. */
static void test_vector_types_and_single_block(void **state) {
  fixture *fx = *state;
  prp_jit *jit = prp_jit_create();
  LLVMContextRef ctx = prp_jit_context(jit);
  LLVMModuleRef m = prp_jit_new_module(jit, "vector_types");
  LLVMTypeRef v8 = LLVMVectorType(LLVMDoubleTypeInContext(ctx), 8);
  LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
  LLVMTypeRef params[2] = {ptr, ptr};
  static const prp_vm_fn fns[] = {PRP_VM_EXP, PRP_VM_LOG, PRP_VM_TANH, PRP_VM_SIN, PRP_VM_COS};
  enum { N_FNS = sizeof fns / sizeof fns[0] };
  for (int k = 0; k < N_FNS; k++) {
    char name[32];
    snprintf(name, sizeof name, "v8_%s", prp_vm_fn_name(fns[k]));
    LLVMValueRef fn = LLVMAddFunction(m, name, LLVMFunctionType(LLVMVoidTypeInContext(ctx), params, 2, 0));
    LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
    LLVMValueRef x = LLVMBuildLoad2(b, v8, LLVMGetParam(fn, 0), "");
    LLVMSetAlignment(x, 8); /* the test's arrays are only double-aligned */
    LLVMSetAlignment(LLVMBuildStore(b, prp_vecmath_call(b, m, fns[k], x), LLVMGetParam(fn, 1)), 8);
    LLVMBuildRetVoid(b);
    LLVMDisposeBuilder(b);
    assert_int_equal(LLVMCountBasicBlocks(prp_vecmath_function(m, fns[k], v8)), 1);
  }
  assert_int_equal(prp_jit_optimize(jit, m), 0);
  assert_non_null(prp_jit_add_module(jit, m));
  static const op ops[] = {OP_EXP, OP_LOG, OP_TANH, OP_SIN, OP_COS};
  double x[8] = {-3.5, -0.25, 1e-3, 0.5, 1.0, 2.75, 10.0, 700.0}, y[8] = {0}, vec[8], scalar[8];
  for (int k = 0; k < N_FNS; k++) {
    char name[32];
    snprintf(name, sizeof name, "v8_%s", prp_vm_fn_name(fns[k]));
    void (*vf)(const double *, double *) = (void (*)(const double *, double *))prp_jit_lookup(jit, name);
    assert_non_null(vf);
    vf(x, vec);
    fx->f64[ops[k]](8, x, y, scalar);
    for (int i = 0; i < 8; i++)
      assert_memory_equal(&vec[i], &scalar[i], sizeof(double));
  }
  prp_jit_destroy(jit);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exp_accuracy),
      cmocka_unit_test(test_log_accuracy),
      cmocka_unit_test(test_tanh_accuracy),
      cmocka_unit_test(test_sin_cos_accuracy),
      cmocka_unit_test(test_pow_accuracy),
      cmocka_unit_test(test_special_values),
      cmocka_unit_test(test_simple_ops),
      cmocka_unit_test(test_assembly_is_vector_code),
      cmocka_unit_test(test_tanh_kernel_ir_is_wide),
      cmocka_unit_test(test_vector_types_and_single_block),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
