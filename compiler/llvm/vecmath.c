/* vecmath.c: exp, log, tanh, sin, cos, pow emitted as branch-free LLVM IR (see
 * vecmath.h); used by codegen so that kernel loops vectorize without libm. */
#include "vecmath.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

/* Constants that depend on the precision. The hi parts of the splits of ln 2
 * and pi/2 have trailing zero bits so that n * hi is exact for the n that
 * occur (Cody and Waite's argument reduction without FMA). */
typedef struct precision {
  int mantissa_bits;      /* stored fraction bits: 52 or 23 */
  int exponent_bias;      /* 1023 or 127 */
  double exp_min, exp_max; /* clamp for exp: beyond these the result is 0 / Inf anyway */
  int expm1_degree;       /* Taylor degree of expm1 on |r| <= ln2/2 */
  double ln2_hi, ln2_lo;
  double tanh_saturation; /* tanh(|x|) rounds to 1 beyond this */
  int log_terms;          /* terms of the atanh series in log */
  double min_normal;
  int subnormal_shift;    /* scale subnormals up by 2^shift in log */
} precision;

static const precision precision_f64 = {
    .mantissa_bits = 52,
    .exponent_bias = 1023,
    .exp_min = -746.0,
    .exp_max = 710.0,
    .expm1_degree = 13,
    .ln2_hi = 0x1.62e42fefa38p-1, /* 42 significant bits */
    .ln2_lo = 0x1.ef35793c7673p-45,
    .tanh_saturation = 20.0,
    .log_terms = 9,
    .min_normal = 0x1p-1022,
    .subnormal_shift = 54,
};

static const precision precision_f32 = {
    .mantissa_bits = 23,
    .exponent_bias = 127,
    .exp_min = -104.0,
    .exp_max = 89.0,
    .expm1_degree = 7,
    .ln2_hi = 0x1.62e4p-1, /* 16 significant bits */
    .ln2_lo = 0x1.7f7d1cp-20,
    .tanh_saturation = 10.0,
    .log_terms = 4,
    .min_normal = 0x1p-126,
    .subnormal_shift = 25,
};

/* pi/2 in 33-bit pieces plus a tail (for f64 reduction; f32 computes in f64). */
static const double pio2_1 = 0x1.921fb544p+0;
static const double pio2_2 = 0x1.0b4611a6p-34;
static const double pio2_3 = 0x1.3198a2ep-69;
static const double pio2_4 = 0x1.b839a252049c1p-104;
static const double two_over_pi = 0x1.45f306dc9c883p-1;
static const double log2_e = 0x1.71547652b82fep+0;
static const double sin_cos_limit = 0x1p40;

/* An emission context: builder, module, and the float/int types of one shape. */
typedef struct emitter {
  LLVMBuilderRef b;
  LLVMModuleRef m;
  LLVMContextRef ctx;
  LLVMTypeRef fty, ity;         /* float and same-width integer type (or vectors) */
  LLVMTypeRef f_elem, i_elem;
  unsigned lanes;               /* 0 for scalars */
  const precision *p;
} emitter;

static LLVMTypeRef shaped(const emitter *e, LLVMTypeRef elem) {
  return e->lanes ? LLVMVectorType(elem, e->lanes) : elem;
}

static emitter make_emitter(LLVMBuilderRef b, LLVMModuleRef m, LLVMTypeRef type) {
  emitter e = {.b = b, .m = m, .ctx = LLVMGetTypeContext(type), .fty = type};
  e.lanes = LLVMGetTypeKind(type) == LLVMVectorTypeKind ? LLVMGetVectorSize(type) : 0;
  e.f_elem = e.lanes ? LLVMGetElementType(type) : type;
  bool is_f64 = LLVMGetTypeKind(e.f_elem) == LLVMDoubleTypeKind;
  PRP_ASSERT((is_f64 || LLVMGetTypeKind(e.f_elem) == LLVMFloatTypeKind) &&
         "vecmath: element type must be float or double");
  e.i_elem = LLVMIntTypeInContext(e.ctx, is_f64 ? 64 : 32);
  e.ity = shaped(&e, e.i_elem);
  e.p = is_f64 ? &precision_f64 : &precision_f32;
  return e;
}

static bool is_f64(const emitter *e) { return e->p == &precision_f64; }

static LLVMValueRef splat(const emitter *e, LLVMValueRef scalar) {
  if (!e->lanes)
    return scalar;
  LLVMValueRef elems[64];
  PRP_ASSERT(e->lanes <= 64 && "vecmath: vector too wide");
  for (unsigned i = 0; i < e->lanes; i++)
    elems[i] = scalar;
  return LLVMConstVector(elems, e->lanes);
}

static LLVMValueRef fc(const emitter *e, double v) { return splat(e, LLVMConstReal(e->f_elem, v)); }
static LLVMValueRef ic(const emitter *e, long long v) {
  return splat(e, LLVMConstInt(e->i_elem, (unsigned long long)v, 1));
}

static LLVMValueRef add(const emitter *e, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildFAdd(e->b, a, b, ""); }
static LLVMValueRef sub(const emitter *e, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildFSub(e->b, a, b, ""); }
static LLVMValueRef mul(const emitter *e, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildFMul(e->b, a, b, ""); }
static LLVMValueRef fdiv(const emitter *e, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildFDiv(e->b, a, b, ""); }
static LLVMValueRef cmp(const emitter *e, LLVMRealPredicate p, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFCmp(e->b, p, a, b, "");
}
static LLVMValueRef sel(const emitter *e, LLVMValueRef c, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildSelect(e->b, c, a, b, "");
}
static LLVMValueRef is_nan(const emitter *e, LLVMValueRef x) { return cmp(e, LLVMRealUNO, x, x); }

static LLVMValueRef intrinsic(const emitter *e, const char *name, LLVMValueRef *args, unsigned n) {
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  PRP_ASSERT(id != 0 && "vecmath: unknown intrinsic");
  LLVMTypeRef overload = e->fty;
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(e->m, id, &overload, 1);
  LLVMTypeRef fn_type = LLVMIntrinsicGetType(e->ctx, id, &overload, 1);
  return LLVMBuildCall2(e->b, fn_type, fn, args, n, "");
}
static LLVMValueRef intrinsic1(const emitter *e, const char *name, LLVMValueRef x) {
  return intrinsic(e, name, &x, 1);
}
/* a*b + c, fused where the target has FMA. */
static LLVMValueRef muladd(const emitter *e, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c) {
  LLVMValueRef args[3] = {a, b, c};
  return intrinsic(e, "llvm.fmuladd", args, 3);
}

/* sum_{k<n} coef[k] * x^k by Horner's rule. */
static LLVMValueRef horner(const emitter *e, LLVMValueRef x, const double *coef, int n) {
  LLVMValueRef acc = fc(e, coef[n - 1]);
  for (int k = n - 2; k >= 0; k--)
    acc = muladd(e, acc, x, fc(e, coef[k]));
  return acc;
}

/* 2^k for an integer vector k whose values are normal exponents. */
static LLVMValueRef pow2_int(const emitter *e, LLVMValueRef k) {
  LLVMValueRef biased = LLVMBuildAdd(e->b, k, ic(e, e->p->exponent_bias), "");
  LLVMValueRef bits = LLVMBuildShl(e->b, biased, ic(e, e->p->mantissa_bits), "");
  return LLVMBuildBitCast(e->b, bits, e->fty, "");
}

/* x = n ln2 + r with |r| <= ln2/2 (plus rounding); n is returned as a float. */
static LLVMValueRef reduce_ln2(const emitter *e, LLVMValueRef x, LLVMValueRef *n_out) {
  LLVMValueRef n = intrinsic1(e, "llvm.rint", mul(e, x, fc(e, log2_e)));
  LLVMValueRef r = sub(e, x, mul(e, n, fc(e, e->p->ln2_hi))); /* exact */
  *n_out = n;
  return sub(e, r, mul(e, n, fc(e, e->p->ln2_lo)));
}

/* expm1(r) for |r| <= ln2/2: r + r^2 * sum_{k>=2} r^(k-2)/k!. */
static LLVMValueRef expm1_small(const emitter *e, LLVMValueRef r) {
  double coef[16];
  int degree = e->p->expm1_degree;
  double factorial = 1.0;
  for (int k = 2; k <= degree; k++) {
    factorial *= k;
    coef[k - 2] = 1.0 / factorial;
  }
  LLVMValueRef poly = horner(e, r, coef, degree - 1);
  return muladd(e, mul(e, r, r), poly, r);
}

static LLVMValueRef emit_exp(const emitter *e, LLVMValueRef x) {
  /* Clamping keeps n in range; exp of the clamp bounds already over/underflows. */
  LLVMValueRef xc = sel(e, cmp(e, LLVMRealOGT, x, fc(e, e->p->exp_max)), fc(e, e->p->exp_max), x);
  xc = sel(e, cmp(e, LLVMRealOLT, xc, fc(e, e->p->exp_min)), fc(e, e->p->exp_min), xc);
  xc = sel(e, is_nan(e, x), fc(e, 0.0), xc); /* keeps fptosi defined */
  LLVMValueRef n;
  LLVMValueRef r = reduce_ln2(e, xc, &n);
  LLVMValueRef mantissa = add(e, fc(e, 1.0), expm1_small(e, r));
  /* 2^n in two factors, so that results in the subnormal range and 2^1024
   * (-> Inf) come out right with one rounding. */
  LLVMValueRef ni = LLVMBuildFPToSI(e->b, n, e->ity, "");
  LLVMValueRef n1 = LLVMBuildAShr(e->b, ni, ic(e, 1), "");
  LLVMValueRef n2 = LLVMBuildSub(e->b, ni, n1, "");
  LLVMValueRef y = mul(e, mul(e, mantissa, pow2_int(e, n1)), pow2_int(e, n2));
  return sel(e, is_nan(e, x), x, y);
}

static LLVMValueRef emit_tanh(const emitter *e, LLVMValueRef x) {
  LLVMValueRef a = intrinsic1(e, "llvm.fabs", x);
  LLVMValueRef sat = fc(e, e->p->tanh_saturation);
  LLVMValueRef ac = sel(e, cmp(e, LLVMRealOLT, a, sat), a, sat); /* NaN -> sat, fixed below */
  /* tanh a = m / (m + 2) with m = expm1(2a) = 2^n (expm1(r) + 1) - 1, n >= 0:
   * accurate in relative terms down to the tiniest a. */
  LLVMValueRef n;
  LLVMValueRef r = reduce_ln2(e, add(e, ac, ac), &n);
  LLVMValueRef q = expm1_small(e, r);
  LLVMValueRef two_n = pow2_int(e, LLVMBuildFPToSI(e->b, n, e->ity, ""));
  LLVMValueRef m = muladd(e, q, two_n, sub(e, two_n, fc(e, 1.0)));
  LLVMValueRef t = fdiv(e, m, add(e, m, fc(e, 2.0)));
  LLVMValueRef args[2] = {t, x};
  LLVMValueRef y = intrinsic(e, "llvm.copysign", args, 2);
  return sel(e, is_nan(e, x), x, y);
}

/* x = 2^k m with m in [sqrt(1/2), sqrt 2) for finite x > 0 (subnormals
 * included); returns m, and k as a float by pointer. */
static LLVMValueRef split_exponent(const emitter *e, LLVMValueRef x, LLVMValueRef *k_out) {
  const precision *p = e->p;
  LLVMValueRef tiny = cmp(e, LLVMRealOLT, x, fc(e, p->min_normal));
  LLVMValueRef xs = sel(e, tiny, mul(e, x, fc(e, ldexp(1.0, p->subnormal_shift))), x);
  LLVMValueRef shift = sel(e, tiny, fc(e, -p->subnormal_shift), fc(e, 0.0));
  LLVMValueRef bits = LLVMBuildBitCast(e->b, xs, e->ity, "");
  LLVMValueRef biased = LLVMBuildLShr(e->b, bits, ic(e, p->mantissa_bits), "");
  LLVMValueRef k = LLVMBuildSub(e->b, biased, ic(e, p->exponent_bias), "");
  long long fraction_mask = (1LL << p->mantissa_bits) - 1;
  LLVMValueRef m_bits = LLVMBuildOr(e->b, LLVMBuildAnd(e->b, bits, ic(e, fraction_mask), ""),
                                    ic(e, (long long)p->exponent_bias << p->mantissa_bits), "");
  LLVMValueRef m = LLVMBuildBitCast(e->b, m_bits, e->fty, ""); /* in [1, 2) */
  LLVMValueRef big = cmp(e, LLVMRealOGT, m, fc(e, M_SQRT2));
  LLVMValueRef kf = add(e, LLVMBuildSIToFP(e->b, k, e->fty, ""), shift);
  *k_out = add(e, kf, sel(e, big, fc(e, 1.0), fc(e, 0.0)));
  return sel(e, big, mul(e, m, fc(e, 0.5)), m);
}

static LLVMValueRef emit_log(const emitter *e, LLVMValueRef x) {
  const precision *p = e->p;
  LLVMValueRef kf;
  LLVMValueRef m = split_exponent(e, x, &kf);
  /* log(1 + f) with s = f / (2 + f): 2 atanh(s) = f - (hfsq - s (hfsq + R)),
   * R = sum_k 2 s^(2k) / (2k + 1); f = m - 1 is exact (Sterbenz). */
  LLVMValueRef f = sub(e, m, fc(e, 1.0));
  LLVMValueRef s = fdiv(e, f, add(e, fc(e, 2.0), f));
  LLVMValueRef z = mul(e, s, s);
  double coef[16];
  for (int i = 0; i < p->log_terms; i++)
    coef[i] = 2.0 / (2 * i + 3);
  LLVMValueRef big_r = mul(e, z, horner(e, z, coef, p->log_terms));
  LLVMValueRef hfsq = mul(e, fc(e, 0.5), mul(e, f, f));
  LLVMValueRef inner = muladd(e, s, add(e, hfsq, big_r), mul(e, kf, fc(e, p->ln2_lo)));
  LLVMValueRef y = sub(e, mul(e, kf, fc(e, p->ln2_hi)), sub(e, sub(e, hfsq, inner), f));
  /* Special values: x < 0 -> NaN, 0 -> -Inf, +Inf and NaN -> themselves. */
  LLVMValueRef special = sel(e, cmp(e, LLVMRealOLT, x, fc(e, 0.0)), fc(e, NAN), x);
  special = sel(e, cmp(e, LLVMRealOEQ, x, fc(e, 0.0)), fc(e, -INFINITY), special);
  LLVMValueRef finite_positive = LLVMBuildAnd(e->b, cmp(e, LLVMRealOGT, x, fc(e, 0.0)),
                                              cmp(e, LLVMRealOLT, x, fc(e, INFINITY)), "");
  return sel(e, finite_positive, y, special);
}

/* x = n pi/2 + r + r_lo, |r| <= pi/4 (plus rounding), r_lo the low part:
 * the first two products are exact, the rounding error of the second
 * subtraction is recovered (Fast2Sum). Returns r; n and r_lo by pointer. */
static LLVMValueRef reduce_pio2(const emitter *e, LLVMValueRef x, LLVMValueRef *n_out,
                                LLVMValueRef *r_lo) {
  LLVMValueRef n = intrinsic1(e, "llvm.rint", mul(e, x, fc(e, two_over_pi)));
  LLVMValueRef r1 = sub(e, x, mul(e, n, fc(e, pio2_1)));
  LLVMValueRef w = mul(e, n, fc(e, pio2_2));
  LLVMValueRef r2 = sub(e, r1, w);
  LLVMValueRef err2 = sub(e, sub(e, r1, r2), w);
  LLVMValueRef tail = sub(e, muladd(e, n, fc(e, pio2_3), mul(e, n, fc(e, pio2_4))), err2);
  LLVMValueRef r = sub(e, r2, tail);
  *r_lo = sub(e, sub(e, r2, r), tail);
  *n_out = n;
  return r;
}

/* sin(r + r_lo) and cos(r + r_lo) for |r| <= pi/4 by Taylor polynomials
 * (degree 17 and 18: truncation below 2^-60 relative). */
static void sin_cos_small(const emitter *e, LLVMValueRef r, LLVMValueRef r_lo, LLVMValueRef *sin_r,
                          LLVMValueRef *cos_r) {
  double sin_coef[8], cos_coef[8]; /* sin: -1/3!, 1/5!, ...; cos: 1/4!, -1/6!, ... */
  double factorial = 2.0;
  for (int k = 3; k <= 18; k++) {
    factorial *= k;
    double sign = (k / 2) % 2 ? -1.0 : 1.0; /* k = 2,3 -> -, 4,5 -> +, ... */
    if (k % 2 == 1)
      sin_coef[(k - 3) / 2] = sign / factorial;
    else
      cos_coef[(k - 4) / 2] = sign / factorial;
  }
  LLVMValueRef z = mul(e, r, r);
  LLVMValueRef half_z = mul(e, fc(e, 0.5), z);
  /* sin(r + r_lo) = sin r + r_lo cos r, with cos r ~ 1 - z/2 */
  LLVMValueRef sin_tail = muladd(e, mul(e, r, z), horner(e, z, sin_coef, 8),
                                 mul(e, r_lo, sub(e, fc(e, 1.0), half_z)));
  *sin_r = add(e, r, sin_tail);
  /* cos(r + r_lo) = 1 - z/2 + z^2 C(z) - r r_lo; 1 - z/2 is rounded as w and
   * its rounding error (1 - w) - z/2 is added back. */
  LLVMValueRef w = sub(e, fc(e, 1.0), half_z);
  LLVMValueRef small = sub(e, mul(e, mul(e, z, z), horner(e, z, cos_coef, 8)), mul(e, r, r_lo));
  *cos_r = add(e, w, add(e, sub(e, sub(e, fc(e, 1.0), w), half_z), small));
}

/* sin or cos in double; f32 callers extend and round. */
static LLVMValueRef emit_sin_cos_f64(const emitter *e, LLVMValueRef x, bool want_cos) {
  LLVMValueRef ax = intrinsic1(e, "llvm.fabs", x);
  LLVMValueRef in_domain = cmp(e, LLVMRealOLE, ax, fc(e, sin_cos_limit)); /* false for NaN */
  LLVMValueRef n, r_lo, sin_r, cos_r;
  LLVMValueRef r = reduce_pio2(e, sel(e, in_domain, x, fc(e, 0.0)), &n, &r_lo);
  sin_cos_small(e, r, r_lo, &sin_r, &cos_r);
  /* quadrant = n mod 4, computed in floating point (exact: |n| < 2^53);
   * cos x = sin(x + pi/2). Quadrant q takes sin r, cos r, -sin r, -cos r. */
  LLVMValueRef quarter = intrinsic1(e, "llvm.floor", mul(e, n, fc(e, 0.25)));
  LLVMValueRef quadrant = LLVMBuildFPToSI(e->b, sub(e, n, mul(e, quarter, fc(e, 4.0))), e->ity, "");
  if (want_cos)
    quadrant = LLVMBuildAdd(e->b, quadrant, ic(e, 1), "");
  LLVMValueRef odd = LLVMBuildICmp(e->b, LLVMIntNE, LLVMBuildAnd(e->b, quadrant, ic(e, 1), ""), ic(e, 0), "");
  LLVMValueRef negate = LLVMBuildICmp(e->b, LLVMIntNE, LLVMBuildAnd(e->b, quadrant, ic(e, 2), ""), ic(e, 0), "");
  LLVMValueRef y = sel(e, odd, cos_r, sin_r);
  y = sel(e, negate, LLVMBuildFNeg(e->b, y, ""), y);
  if (!want_cos)
    y = sel(e, cmp(e, LLVMRealOLT, ax, fc(e, 0x1p-27)), x, y); /* sin x = x, keeps -0 */
  return sel(e, in_domain, y, fc(e, NAN));
}

static LLVMValueRef emit_pow_f64(const emitter *e, LLVMValueRef x, LLVMValueRef y) {
  LLVMValueRef log_ax = prp_vecmath_call(e->b, e->m, PRP_VM_LOG, intrinsic1(e, "llvm.fabs", x));
  LLVMValueRef magnitude = prp_vecmath_call(e->b, e->m, PRP_VM_EXP, mul(e, y, log_ax));
  LLVMValueRef y_integer = cmp(e, LLVMRealOEQ, intrinsic1(e, "llvm.rint", y), y);
  LLVMValueRef half_y = mul(e, y, fc(e, 0.5));
  LLVMValueRef y_odd = LLVMBuildAnd(e->b, y_integer,
                                    cmp(e, LLVMRealUNE, intrinsic1(e, "llvm.rint", half_y), half_y), "");
  LLVMValueRef negative = cmp(e, LLVMRealOLT, x, fc(e, 0.0));
  LLVMValueRef result = sel(e, LLVMBuildAnd(e->b, negative, y_odd, ""),
                            LLVMBuildFNeg(e->b, magnitude, ""), magnitude);
  result = sel(e, LLVMBuildAnd(e->b, negative, LLVMBuildNot(e->b, y_integer, ""), ""), fc(e, NAN), result);
  LLVMValueRef trivial = LLVMBuildOr(e->b, cmp(e, LLVMRealOEQ, y, fc(e, 0.0)),
                                     cmp(e, LLVMRealOEQ, x, fc(e, 1.0)), "");
  return sel(e, trivial, fc(e, 1.0), result);
}

const char *prp_vm_fn_name(prp_vm_fn fn) {
  static const char *const names[PRP_VM_FN_COUNT] = {"exp", "log", "tanh", "sin", "cos"};
  PRP_ASSERT(fn < PRP_VM_FN_COUNT);
  return names[fn];
}

/* The double-precision type of the same shape as e's type. */
static LLVMTypeRef f64_shape(const emitter *e) { return shaped(e, LLVMDoubleTypeInContext(e->ctx)); }

/* Emit f on the double version of x and round back (for the f32 sin/cos/pow). */
static LLVMValueRef call_in_f64(const emitter *e, prp_vm_fn fn, LLVMValueRef x) {
  LLVMValueRef wide = LLVMBuildFPExt(e->b, x, f64_shape(e), "");
  LLVMValueRef y = prp_vecmath_call(e->b, e->m, fn, wide);
  return LLVMBuildFPTrunc(e->b, y, e->fty, "");
}

static LLVMValueRef emit_body(const emitter *e, prp_vm_fn fn, LLVMValueRef x) {
  switch (fn) {
  case PRP_VM_EXP: return emit_exp(e, x);
  case PRP_VM_LOG: return emit_log(e, x);
  case PRP_VM_TANH: return emit_tanh(e, x);
  case PRP_VM_SIN:
  case PRP_VM_COS:
    if (!is_f64(e))
      return call_in_f64(e, fn, x);
    return emit_sin_cos_f64(e, x, fn == PRP_VM_COS);
  case PRP_VM_FN_COUNT: break;
  }
  prp_internal_error("vecmath: unknown function %d", (int)fn);
}

static void function_name(char *buf, size_t size, const char *fn, LLVMTypeRef type) {
  emitter e = make_emitter(NULL, NULL, type);
  if (e.lanes)
    snprintf(buf, size, "prp.vm.%s.v%u%s", fn, e.lanes, is_f64(&e) ? "f64" : "f32");
  else
    snprintf(buf, size, "prp.vm.%s.%s", fn, is_f64(&e) ? "f64" : "f32");
}

static void add_enum_attribute(LLVMContextRef ctx, LLVMValueRef fn, const char *name) {
  unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
  PRP_ASSERT(kind != 0 && "vecmath: unknown attribute");
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(ctx, kind, 0));
}

/* Creates an internal alwaysinline function `name` of n_params arguments of
 * `type`, positions a fresh builder in its body and returns both. */
static LLVMValueRef begin_function(LLVMModuleRef module, const char *name, LLVMTypeRef type,
                                   unsigned n_params, LLVMBuilderRef *builder) {
  LLVMContextRef ctx = LLVMGetTypeContext(type);
  LLVMTypeRef params[2] = {type, type};
  LLVMValueRef fn = LLVMAddFunction(module, name, LLVMFunctionType(type, params, n_params, 0));
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  add_enum_attribute(ctx, fn, "alwaysinline");
  add_enum_attribute(ctx, fn, "nounwind");
  *builder = LLVMCreateBuilderInContext(ctx);
  LLVMPositionBuilderAtEnd(*builder, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
  return fn;
}

LLVMValueRef prp_vecmath_function(LLVMModuleRef module, prp_vm_fn fn, LLVMTypeRef type) {
  char name[64];
  function_name(name, sizeof name, prp_vm_fn_name(fn), type);
  LLVMValueRef existing = LLVMGetNamedFunction(module, name);
  if (existing)
    return existing;
  LLVMBuilderRef b;
  LLVMValueRef f = begin_function(module, name, type, 1, &b);
  emitter e = make_emitter(b, module, type);
  LLVMBuildRet(b, emit_body(&e, fn, LLVMGetParam(f, 0)));
  LLVMDisposeBuilder(b);
  return f;
}

static LLVMValueRef call_function(LLVMBuilderRef builder, LLVMValueRef f, LLVMValueRef *args, unsigned n) {
  return LLVMBuildCall2(builder, LLVMGlobalGetValueType(f), f, args, n, "");
}

LLVMValueRef prp_vecmath_call(LLVMBuilderRef builder, LLVMModuleRef module, prp_vm_fn fn,
                              LLVMValueRef x) {
  return call_function(builder, prp_vecmath_function(module, fn, LLVMTypeOf(x)), &x, 1);
}

/* pow as a function of its own, like the unary ones. */
static LLVMValueRef pow_function(LLVMModuleRef module, LLVMTypeRef type) {
  char name[64];
  function_name(name, sizeof name, "pow", type);
  LLVMValueRef existing = LLVMGetNamedFunction(module, name);
  if (existing)
    return existing;
  LLVMBuilderRef b;
  LLVMValueRef f = begin_function(module, name, type, 2, &b);
  emitter e = make_emitter(b, module, type);
  LLVMValueRef x = LLVMGetParam(f, 0), y = LLVMGetParam(f, 1);
  LLVMValueRef result;
  if (is_f64(&e)) {
    result = emit_pow_f64(&e, x, y);
  } else {
    LLVMValueRef args[2] = {LLVMBuildFPExt(b, x, f64_shape(&e), ""), LLVMBuildFPExt(b, y, f64_shape(&e), "")};
    LLVMValueRef wide = call_function(b, pow_function(module, f64_shape(&e)), args, 2);
    result = LLVMBuildFPTrunc(b, wide, type, "");
  }
  LLVMBuildRet(b, result);
  LLVMDisposeBuilder(b);
  return f;
}

LLVMValueRef prp_vecmath_pow(LLVMBuilderRef builder, LLVMModuleRef module, LLVMValueRef x,
                             LLVMValueRef y) {
  LLVMValueRef args[2] = {x, y};
  return call_function(builder, pow_function(module, LLVMTypeOf(x)), args, 2);
}

LLVMValueRef prp_vecmath_powi(LLVMBuilderRef builder, LLVMValueRef x, long long n) {
  emitter e = make_emitter(builder, NULL, LLVMTypeOf(x));
  unsigned long long k = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
  LLVMValueRef result = NULL, square = x;
  for (; k; k >>= 1) {
    if (k & 1)
      result = result ? mul(&e, result, square) : square;
    if (k > 1)
      square = mul(&e, square, square);
  }
  if (!result)
    return fc(&e, 1.0);
  return n < 0 ? fdiv(&e, fc(&e, 1.0), result) : result;
}

LLVMValueRef prp_vecmath_sqrt(LLVMBuilderRef builder, LLVMModuleRef module, LLVMValueRef x) {
  emitter e = make_emitter(builder, module, LLVMTypeOf(x));
  return intrinsic1(&e, "llvm.sqrt", x);
}

LLVMValueRef prp_vecmath_fabs(LLVMBuilderRef builder, LLVMModuleRef module, LLVMValueRef x) {
  emitter e = make_emitter(builder, module, LLVMTypeOf(x));
  return intrinsic1(&e, "llvm.fabs", x);
}

/* min/max with compare and select: NaN-propagating and vectorizable. */
static LLVMValueRef min_or_max(LLVMBuilderRef builder, LLVMValueRef a, LLVMValueRef b, bool want_max) {
  emitter e = make_emitter(builder, NULL, LLVMTypeOf(a));
  LLVMValueRef pick_a = cmp(&e, want_max ? LLVMRealOGT : LLVMRealOLT, a, b);
  LLVMValueRef y = sel(&e, pick_a, a, b);
  return sel(&e, cmp(&e, LLVMRealUNO, a, b), add(&e, a, b), y); /* a + b is NaN there */
}

LLVMValueRef prp_vecmath_min(LLVMBuilderRef builder, LLVMValueRef a, LLVMValueRef b) {
  return min_or_max(builder, a, b, false);
}

LLVMValueRef prp_vecmath_max(LLVMBuilderRef builder, LLVMValueRef a, LLVMValueRef b) {
  return min_or_max(builder, a, b, true);
}

LLVMValueRef prp_vecmath_sign(LLVMBuilderRef builder, LLVMValueRef x) {
  emitter e = make_emitter(builder, NULL, LLVMTypeOf(x));
  LLVMValueRef y = sel(&e, cmp(&e, LLVMRealOLT, x, fc(&e, 0.0)), fc(&e, -1.0), x);
  return sel(&e, cmp(&e, LLVMRealOGT, x, fc(&e, 0.0)), fc(&e, 1.0), y);
}
