/* Runtime: the network's architecture, jet layouts and initialisation; the
 * precision-generic passes live in mlp_impl.h, instantiated here for f32 and f64. */
#include "mlp.h"
#include "util.h"
#include <assert.h>
#include <cblas.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The elementwise loops of the jet propagation run once per feature per point per
 * column: compile them with the vectoriser on (the build is -O2) and, on x86-64,
 * in AVX2 and AVX-512 variants chosen at load time. */
#if defined(__GNUC__) && !defined(__clang__)
#define PRP_OPTIMIZE_LOOPS __attribute__((optimize("O3")))
#else
#define PRP_OPTIMIZE_LOOPS
#endif
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define PRP_VECTOR_LOOPS                                                                    \
  PRP_OPTIMIZE_LOOPS __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define PRP_VECTOR_LOOPS PRP_OPTIMIZE_LOOPS
#endif

#if defined(__GNUC__)
#define PRP_ALWAYS_INLINE __attribute__((always_inline))
#else
#define PRP_ALWAYS_INLINE
#endif

/* tanh in single precision, branch-free so that the activation loops vectorise
 * (libm's tanhf is a call per element). |x| < 0.4: the odd Taylor series to x^13
 * (next term < 3e-8 relative); otherwise 1 - 2 / (e^{2|x|} + 1) with e^y = 2^k e^r,
 * |r| <= ln2/2, e^r by its Taylor polynomial of degree 7 (error < 5e-9); |x| is
 * clamped at 9.5, where tanh rounds to 1 in float. NaN stays NaN.
 * Both branches are computed and blended through bit masks, and the clamp is an
 * integer min on the bits (non-negative floats order like their bit patterns):
 * float selects here made GCC thread jumps and give up vectorising. */
static inline uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static inline float bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

PRP_ALWAYS_INLINE static inline float fast_tanhf(float x) {
  float ax = fabsf(x), x2 = x * x;
  uint32_t ax_bits = float_bits(ax), cap_bits = float_bits(9.5f);
  float big = bits_float(ax_bits < cap_bits ? ax_bits : cap_bits); /* NaN -> 9.5 too */
  float series =
      x * (1 + x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315 + x2 * (62.0f / 2835 +
          x2 * (-1382.0f / 155925 + x2 * (21844.0f / 6081075)))))));
  float y = 2 * big;
  int k = (int)(y * 1.44269504f + 0.5f);                 /* round(y / ln2), 0 <= k <= 27 */
  float r = (y - (float)k * 0.693145752f) - (float)k * 1.42860677e-6f; /* ln2 in two parts */
  float er = 1 + r * (1 + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 +
             r * (1.0f / 720 + r * (1.0f / 5040)))))));
  float far = copysignf(1 - 2 / (er * (float)(1 << k) + 1), x);
  uint32_t small = -(uint32_t)(ax < 0.4f), nan = -(uint32_t)(x != x);
  uint32_t blend = (float_bits(series) & small) | (float_bits(far) & ~small);
  return bits_float((blend & ~nan) | (float_bits(x) & nan));
}

/* The same in double precision: |x| < 0.4 through expm1(-2|x|) by its Taylor
 * polynomial of degree 18 (error < 1e-17 relative), tanh = -em / (2 + em);
 * otherwise as above with e^r to degree 13 (error < 2e-16); clamp at 20. */
static inline uint64_t double_bits(double f) {
  uint64_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static inline double bits_double(uint64_t u) {
  double f;
  memcpy(&f, &u, sizeof f);
  return f;
}

PRP_ALWAYS_INLINE static inline double fast_tanh(double x) {
  double ax = fabs(x);
  uint64_t ax_bits = double_bits(ax), cap_bits = double_bits(20.0);
  double big = bits_double(ax_bits < cap_bits ? ax_bits : cap_bits); /* NaN -> 20 too */
  double m = -2 * ax; /* expm1(m), used only where |m| < 0.8 */
  double em = m * (1 + m * (1.0 / 2 + m * (1.0 / 6 + m * (1.0 / 24 + m * (1.0 / 120 +
              m * (1.0 / 720 + m * (1.0 / 5040 + m * (1.0 / 40320 + m * (1.0 / 362880 +
              m * (1.0 / 3628800 + m * (1.0 / 39916800 + m * (1.0 / 479001600 +
              m * (1.0 / 6227020800 + m * (1.0 / 87178291200 + m * (1.0 / 1307674368000 +
              m * (1.0 / 20922789888000 + m * (1.0 / 355687428096000 +
              m * (1.0 / 6402373705728000))))))))))))))))));
  double series = copysign(-em / (2 + em), x);
  double y = 2 * big;
  int k = (int)(y * 1.4426950408889634 + 0.5);            /* round(y / ln2), 0 <= k <= 58 */
  double r = (y - k * 0.6931467056274414) - k * 4.7493250387997676e-07; /* ln2 in two parts */
  double er = 1 + r * (1 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 +
               r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 +
               r * (1.0 / 3628800 + r * (1.0 / 39916800 + r * (1.0 / 479001600 +
               r * (1.0 / 6227020800)))))))))))));
  double e = er * bits_double((uint64_t)(k + 1023) << 52);
  double far = copysign(1 - 2 / (e + 1), x);
  uint64_t small = -(uint64_t)(ax < 0.4), nan = -(uint64_t)(x != x);
  uint64_t blend = (double_bits(series) & small) | (double_bits(far) & ~small);
  return bits_double((blend & ~nan) | (double_bits(x) & nan));
}

float prp_mlp_tanhf(float x) { return fast_tanhf(x); }
double prp_mlp_tanh(double x) { return fast_tanh(x); }

static int fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

int prp_mlp_init(prp_mlp *net, const prp_mlp_shape *shape, char *err, size_t errlen) {
  memset(net, 0, sizeof *net);
  int d = shape->n_inputs, L = shape->n_hidden;
  if (d < 1 || d > PRP_MLP_MAX_INPUTS)
    return fail(err, errlen, "network: %d inputs, expected 1 to %d", d, PRP_MLP_MAX_INPUTS);
  if (L < 1 || L > PRP_MLP_MAX_HIDDEN)
    return fail(err, errlen, "network: %d hidden layers, expected 1 to %d", L, PRP_MLP_MAX_HIDDEN);
  if ((unsigned)shape->activation > PRP_ACT_SOFTPLUS)
    return fail(err, errlen, "network: unknown activation %d", (int)shape->activation);
  for (int i = 0; i < d; i++)
    if (!(shape->hi[i] > shape->lo[i]) || !isfinite(shape->hi[i] - shape->lo[i]))
      return fail(err, errlen, "network: input %d has an empty or infinite range [%g, %g]", i,
                  shape->lo[i], shape->hi[i]);
  net->shape = *shape;
  size_t offset = 0;
  int fan = d;
  for (int l = 0; l < L; l++) {
    int w = shape->widths[l];
    if (w < 1 || w > 1 << 16)
      return fail(err, errlen, "network: hidden layer %d has width %d", l + 1, w);
    net->fan_in[l] = fan;
    net->w_offset[l] = offset;
    offset += (size_t)w * fan;
    net->b_offset[l] = offset;
    offset += w;
    if (w > net->max_width) net->max_width = w;
    fan = w;
  }
  net->w_out_offset = offset;
  offset += fan;
  net->b_out_offset = offset;
  net->n_params = offset + 1;
  for (int i = 0; i < d; i++) {
    double lo = shape->lo[i], hi = shape->hi[i];
    net->in_scale[i] = 2 / (hi - lo);
    net->in_shift[i] = -(hi + lo) / (hi - lo);
  }
  return 0;
}

/* Finds or adds the first-derivative slot of input i. */
static int first_slot(prp_jet_layout *jl, int i) {
  for (int f = 0; f < jl->n_first; f++)
    if (jl->first_input[f] == i) return f;
  jl->first_input[jl->n_first] = i;
  return jl->n_first++;
}

int prp_jet_layout_init(prp_jet_layout *jl, const prp_jet_spec *spec, int n_inputs, char *err,
                        size_t errlen) {
  memset(jl, 0, sizeof *jl);
  unsigned all = (1u << n_inputs) - 1;
  if (n_inputs < 1 || n_inputs > PRP_MLP_MAX_INPUTS)
    return fail(err, errlen, "jets: %d inputs, expected 1 to %d", n_inputs, PRP_MLP_MAX_INPUTS);
  if ((spec->first | spec->lap) & ~all)
    return fail(err, errlen, "jets: derivative with respect to an input beyond the %d inputs",
                n_inputs);
  if (spec->n_second < 0 || spec->n_second > PRP_JET_MAX_SECOND)
    return fail(err, errlen, "jets: %d second derivatives, at most %d", spec->n_second,
                PRP_JET_MAX_SECOND);
  jl->n_inputs = n_inputs;
  for (int i = 0; i < n_inputs; i++)
    if (spec->first >> i & 1) first_slot(jl, i);
  for (int q = 0; q < spec->n_second; q++) {
    int i = spec->second[q][0], j = spec->second[q][1];
    if (i >= n_inputs || j >= n_inputs)
      return fail(err, errlen, "jets: second derivative (%d, %d) beyond the %d inputs", i, j,
                  n_inputs);
    first_slot(jl, i);
    first_slot(jl, j);
  }
  for (int i = 0; i < n_inputs; i++)
    if (spec->lap >> i & 1) jl->lap_slot[jl->n_lap++] = first_slot(jl, i);
  for (int i = 0; i < PRP_MLP_MAX_INPUTS; i++) {
    jl->first_col[i] = -1;
    for (int j = 0; j < PRP_MLP_MAX_INPUTS; j++) jl->second_col[i][j] = -1;
  }
  for (int f = 0; f < jl->n_first; f++) jl->first_col[jl->first_input[f]] = 1 + f;
  for (int q = 0; q < spec->n_second; q++) {
    int i = spec->second[q][0], j = spec->second[q][1];
    if (jl->second_col[i][j] >= 0)
      return fail(err, errlen, "jets: second derivative (%d, %d) asked for twice", i, j);
    int c = 1 + jl->n_first + jl->n_second;
    jl->second_a[jl->n_second] = first_slot(jl, i);
    jl->second_b[jl->n_second] = first_slot(jl, j);
    jl->second_col[i][j] = jl->second_col[j][i] = c;
    jl->n_second++;
  }
  jl->lap_col = spec->lap ? 1 + jl->n_first + jl->n_second : -1;
  jl->n_cols = 1 + jl->n_first + jl->n_second + (spec->lap ? 1 : 0);
  return 0;
}

int prp_jet_col_first(const prp_jet_layout *jl, int i) {
  return i >= 0 && i < jl->n_inputs ? jl->first_col[i] : -1;
}

int prp_jet_col_second(const prp_jet_layout *jl, int i, int j) {
  return i >= 0 && j >= 0 && i < jl->n_inputs && j < jl->n_inputs ? jl->second_col[i][j] : -1;
}

/* One Glorot draw for a layer with the given fans. */
static double glorot(prp_init init, int fan_in, int fan_out, prp_rng *rng) {
  double sum = (double)fan_in + fan_out;
  if (init == PRP_INIT_XAVIER_UNIFORM) return sqrt(6 / sum) * (2 * prp_rng_uniform(rng) - 1);
  return sqrt(2 / sum) * prp_rng_normal(rng);
}

void prp_mlp_init_params_f64(const prp_mlp *net, prp_init init, prp_rng *rng, double *params) {
  memset(params, 0, sizeof(double) * net->n_params);
  int L = net->shape.n_hidden;
  for (int l = 0; l < L; l++) {
    int w = net->shape.widths[l], fan = net->fan_in[l];
    for (size_t k = 0; k < (size_t)w * fan; k++)
      params[net->w_offset[l] + k] = glorot(init, fan, w, rng);
  }
  int last = net->shape.widths[L - 1];
  for (int k = 0; k < last; k++) params[net->w_out_offset + k] = glorot(init, last, 1, rng);
}

void prp_mlp_init_params_f32(const prp_mlp *net, prp_init init, prp_rng *rng, float *params) {
  double *tmp = prp_xmalloc(sizeof(double) * net->n_params, 1);
  assert(tmp && "out of memory initialising the network");
  prp_mlp_init_params_f64(net, init, rng, tmp);
  prp_convert_f64_to_f32(net->n_params, tmp, params);
  free(tmp);
}

double prp_mlp_gemm_flops(const prp_mlp *net, const prp_jet_layout *jl, size_t n) {
  double flops = 0;
  for (int l = 1; l < net->shape.n_hidden; l++) /* forward, dW and dA: three GEMMs */
    flops += 3 * 2.0 * net->shape.widths[l] * net->fan_in[l] * jl->n_cols * (double)n;
  return flops;
}

void prp_convert_f64_to_f32(size_t n, const double *src, float *dst) {
  for (size_t i = 0; i < n; i++) dst[i] = (float)src[i];
}

void prp_convert_f32_to_f64(size_t n, const float *src, double *dst) {
  for (size_t i = 0; i < n; i++) dst[i] = src[i];
}

#define T double
#define FN(name) name##_f64
#define GEMM cblas_dgemm
#define GEMV cblas_dgemv
#define MTANH fast_tanh
#define MSIN sin
#define MCOS cos
#define MEXP exp
#define MLOG1P log1p
#include "mlp_impl.h"
#undef T
#undef FN
#undef GEMM
#undef GEMV
#undef MTANH
#undef MSIN
#undef MCOS
#undef MEXP
#undef MLOG1P

#define T float
#define FN(name) name##_f32
#define GEMM cblas_sgemm
#define GEMV cblas_sgemv
#define MTANH fast_tanhf
#define MSIN sinf
#define MCOS cosf
#define MEXP expf
#define MLOG1P log1pf
#include "mlp_impl.h"
#undef T
#undef FN
#undef GEMM
#undef GEMV
#undef MTANH
#undef MSIN
#undef MCOS
#undef MEXP
#undef MLOG1P
