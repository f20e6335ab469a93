/* vecmath.h: vectorizable elementary functions emitted as LLVM IR (LLVM 19 back end).
 * Codegen calls these instead of libm so that kernel loops vectorize. */
#ifndef PRP_VECMATH_H
#define PRP_VECMATH_H

#include <llvm-c/Core.h>

/* The functions are emitted once per module as internal, alwaysinline
 * functions made of arithmetic, compare/select and bit operations only (no
 * libm, no branches; the f32 sin, cos and pow call their f64 versions, which
 * are inlined too), for float or double or fixed vectors of them. After
 * inlining, the loop vectorizer widens them like any other arithmetic.
 *
 * Accuracy, against long double libm (f64) and double libm (f32), in ulp of
 * the exact result; "bound" is what tests/unit/test_vecmath.c asserts over
 * dense sweeps, log-uniform random arguments of the stated domain and the
 * special values, "seen" the largest error it measured (x86-64 with
 * AVX-512 and FMA, LLVM 19):
 *
 *   fn     domain               f64 bound (seen)     f32 bound (seen)
 *   exp    all x                1 (0.95)             1.5 (1.01)
 *   log    all x                1 (0.88)             1 (0.75)
 *   tanh   all x                2 (1.82)             2 (1.78)
 *   sin    |x| <= 2^20 pi/2     1 (0.75)             1 (0.50)
 *   cos    |x| <= 2^20 pi/2     1 (0.74)             1 (0.50)
 *   pow    x > 0, |y| <= 8      2 + 2|y ln x| (0.85 of it)   1 (0.50)
 *
 * Special arguments follow C99 Annex F where it matters to a PINN:
 *   exp: NaN -> NaN, +Inf -> +Inf, -Inf -> 0, overflow -> +Inf, results in
 *        the subnormal range are correctly scaled, below it -> 0.
 *   log: NaN -> NaN, x < 0 -> NaN, +-0 -> -Inf, +Inf -> +Inf, subnormals exact
 *        in exponent.
 *   tanh: NaN -> NaN, +-Inf -> +-1, saturates to +-1 for |x| > 20 (f64) or
 *        10 (f32), odd (sign of zero kept), tiny x -> x.
 *   sin, cos: NaN, +-Inf -> NaN. Argument reduction by pi/2 in four parts,
 *        exact for |x| < 2^20 pi/2 (1.6e6); beyond, accuracy degrades
 *        gradually (absolute error about 5e-8 at 1e9, 3e-6 at 1e12); beyond
 *        2^40 the result is NaN (total loss of significance) rather than a
 *        meaningless number.
 *        sin(x) = x for tiny x (sign of zero kept). f32 versions compute in
 *        double and round once.
 *   pow(x, y) = exp(y log|x|) computed in double (f32 rounds once at the
 *        end): y == 0 or x == 1 -> 1 (even for NaN); x < 0 -> NaN unless y is
 *        an integer, then the sign of an odd power; x = 0 -> 0 for y > 0,
 *        +Inf for y < 0. Codegen uses prp_vecmath_powi for integer constant
 *        exponents (exact multiplication chains, no exp/log).
 *   sqrt, fabs: LLVM intrinsics (correctly rounded / exact).
 *   min, max: NaN-propagating (NaN if either operand is NaN), as in expr.h.
 *   sign: -1, 0 (sign of zero kept) or 1; NaN -> NaN. */

typedef enum prp_vm_fn {
  PRP_VM_EXP,
  PRP_VM_LOG,
  PRP_VM_TANH,
  PRP_VM_SIN,
  PRP_VM_COS,
  PRP_VM_FN_COUNT
} prp_vm_fn;

/* Name of fn ("exp", ...). */
const char *prp_vm_fn_name(prp_vm_fn fn);

/* The module's function computing fn for values of type `type` (float,
 * double, or a fixed vector of either), created on first use. */
LLVMValueRef prp_vecmath_function(LLVMModuleRef module, prp_vm_fn fn, LLVMTypeRef type);

/* Emit a call of fn on x at the builder's position. */
LLVMValueRef prp_vecmath_call(LLVMBuilderRef builder, LLVMModuleRef module, prp_vm_fn fn,
                              LLVMValueRef x);
/* x^y for arbitrary y (see above). */
LLVMValueRef prp_vecmath_pow(LLVMBuilderRef builder, LLVMModuleRef module, LLVMValueRef x,
                             LLVMValueRef y);
/* x^n for an integer constant n, by repeated squaring (1/x^|n| for n < 0). */
LLVMValueRef prp_vecmath_powi(LLVMBuilderRef builder, LLVMValueRef x, long long n);
LLVMValueRef prp_vecmath_sqrt(LLVMBuilderRef builder, LLVMModuleRef module, LLVMValueRef x);
LLVMValueRef prp_vecmath_fabs(LLVMBuilderRef builder, LLVMModuleRef module, LLVMValueRef x);
LLVMValueRef prp_vecmath_min(LLVMBuilderRef builder, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef prp_vecmath_max(LLVMBuilderRef builder, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef prp_vecmath_sign(LLVMBuilderRef builder, LLVMValueRef x);

#endif
