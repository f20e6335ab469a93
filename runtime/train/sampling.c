/* Runtime: the collocation samplers of sampling.h; Sobol direction numbers are
 * generated here from primitive polynomials, not read from a table. */
#include "sampling.h"
#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- Sobol direction numbers ---------------------------------------------------
 * Dimension 0 is the van der Corput sequence (all m_k = 1). Dimension j >= 1 uses
 * the j-th primitive polynomial over GF(2), ordered by degree and then by its
 * coefficient bits (x+1, x^2+x+1, x^3+x+1, x^3+x^2+1, ...), found by testing that
 * x has order 2^s - 1 modulo the polynomial. Its free initial numbers m_1..m_s
 * (odd, m_k < 2^k) are chosen by exhaustive search: the choice minimising
 * sum over N = 8, 16, ..., 256 of N * D_N, where D_N is the L2-star discrepancy of
 * the two-dimensional projections (dimension i, dimension j), i < j, of the first
 * N points. Searching costs a few milliseconds, once per process. */

static uint32_t sobol_v[PRP_SAMPLE_MAX_DIM][PRP_SOBOL_BITS];
static pthread_once_t sobol_once = PTHREAD_ONCE_INIT;

/* Degree of a polynomial given as a coefficient bit mask. */
static int degree(unsigned poly) {
  int s = -1;
  while (poly) s++, poly >>= 1;
  return s;
}

static int is_primitive(unsigned poly) {
  int s = degree(poly);
  unsigned period = (1u << s) - 1, state = 1;
  for (unsigned k = 1; k <= period; k++) {
    state <<= 1; /* multiply by x, reduce modulo poly */
    if (state >> s & 1) state ^= poly;
    if (state == 1) return k == period;
  }
  return 0;
}

/* The j-th primitive polynomial (j >= 1), with constant term 1. */
static unsigned primitive_polynomial(int j) {
  int found = 0;
  for (unsigned poly = 3;; poly += 2)
    if (is_primitive(poly) && ++found == j) return poly;
}

/* Direction numbers from the initial m_1..m_s by the recurrence
 * m_k = XOR_{r=1..s-1} 2^r a_r m_{k-r}  XOR  2^s m_{k-s}  XOR  m_{k-s}. */
static void directions_from(unsigned poly, const uint32_t *m_init, uint32_t *v) {
  int s = degree(poly);
  uint32_t m[PRP_SOBOL_BITS + 1];
  for (int k = 1; k <= s; k++) m[k] = m_init[k - 1];
  for (int k = s + 1; k <= PRP_SOBOL_BITS; k++) {
    uint32_t next = m[k - s] ^ (m[k - s] << s);
    for (int r = 1; r < s; r++)
      if (poly >> (s - r) & 1) next ^= m[k - r] << r;
    m[k] = next;
  }
  for (int k = 1; k <= PRP_SOBOL_BITS; k++) v[k - 1] = m[k] << (PRP_SOBOL_BITS - k);
}

/* Index of the lowest zero bit of n: which direction the Gray-code step flips. */
static int lowest_zero_bit(uint64_t n) {
  int c = 0;
  while (n & 1) n >>= 1, c++;
  return c;
}

/* First n points (from index 0) of one dimension, in [0, 1). */
static void sobol_column(const uint32_t *v, size_t n, double *out) {
  uint32_t x = 0;
  for (size_t p = 0; p < n; p++) {
    out[p] = x * 0x1p-32;
    x ^= v[lowest_zero_bit(p)];
  }
}

static double pair_cost(const double *a, const double *b, double *pair) {
  double cost = 0;
  for (size_t n = 8; n <= 256; n *= 2) {
    for (size_t p = 0; p < n; p++) {
      pair[2 * p] = a[p];
      pair[2 * p + 1] = b[p];
    }
    cost += (double)n * sqrt(fmax(prp_l2_star_discrepancy(n, 2, pair), 0));
  }
  return cost;
}

static void generate_directions(void) {
  enum { N = 256 };
  static double column[PRP_SAMPLE_MAX_DIM][N], trial[N], pair[2 * N];
  for (int k = 0; k < PRP_SOBOL_BITS; k++) sobol_v[0][k] = 1u << (PRP_SOBOL_BITS - 1 - k);
  sobol_column(sobol_v[0], N, column[0]);
  for (int j = 1; j < PRP_SAMPLE_MAX_DIM; j++) {
    unsigned poly = primitive_polynomial(j);
    int s = degree(poly);
    unsigned n_choices = 1u << (s * (s - 1) / 2); /* m_k has 2^(k-1) odd values */
    double best = INFINITY;
    for (unsigned choice = 0; choice < n_choices; choice++) {
      uint32_t m[PRP_SOBOL_BITS], v[PRP_SOBOL_BITS];
      unsigned bits = choice;
      for (int k = 1; k <= s; k++) { /* the k-1 free bits of m_k, lowest bit set */
        m[k - 1] = ((bits & ((1u << (k - 1)) - 1)) << 1) | 1;
        bits >>= k - 1;
      }
      directions_from(poly, m, v);
      sobol_column(v, N, trial);
      double cost = 0;
      for (int i = 0; i < j; i++) cost += pair_cost(column[i], trial, pair);
      if (cost < best) {
        best = cost;
        memcpy(sobol_v[j], v, sizeof v);
        memcpy(column[j], trial, sizeof trial);
      }
    }
  }
}

const uint32_t *prp_sobol_directions(int j) {
  assert(j >= 0 && j < PRP_SAMPLE_MAX_DIM && "Sobol dimension out of range");
  pthread_once(&sobol_once, generate_directions);
  return sobol_v[j];
}

double prp_l2_star_discrepancy(size_t n, int dim, const double *x) {
  double single = 0, both = 0;
  for (size_t p = 0; p < n; p++) {
    double prod = 1;
    for (int i = 0; i < dim; i++) prod *= (1 - x[p * dim + i] * x[p * dim + i]) / 2;
    single += prod;
    for (size_t q = 0; q < n; q++) {
      double pq = 1;
      for (int i = 0; i < dim; i++) pq *= 1 - fmax(x[p * dim + i], x[q * dim + i]);
      both += pq;
    }
  }
  double nn = (double)n;
  return pow(3, -dim) - 2 * single / nn + both / (nn * nn);
}

/* ---- samplers ----------------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

int prp_sampler_init(prp_sampler *s, prp_sample_kind kind, int dim, const double *lo,
                     const double *hi, uint64_t seed, int scramble, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  if ((unsigned)kind > PRP_SAMPLE_LHS) return fail(err, errlen, "sampler: unknown kind %d", kind);
  if (dim < 1 || dim > PRP_SAMPLE_MAX_DIM)
    return fail(err, errlen, "sampler: %d dimensions, expected 1 to %d", dim, PRP_SAMPLE_MAX_DIM);
  for (int i = 0; i < dim; i++)
    if (!(hi[i] >= lo[i]) || !isfinite(hi[i] - lo[i]))
      return fail(err, errlen, "sampler: dimension %d has a bad range [%g, %g]", i, lo[i], hi[i]);
  s->kind = kind;
  s->dim = dim;
  s->scramble = scramble;
  memcpy(s->lo, lo, sizeof(double) * dim);
  memcpy(s->hi, hi, sizeof(double) * dim);
  prp_rng_seed(&s->rng, seed);
  if (kind == PRP_SAMPLE_SOBOL) {
    prp_sobol_directions(0);
    for (int i = 0; i < dim; i++)
      s->sobol_shift[i] = scramble ? (uint32_t)(prp_rng_next(&s->rng) >> 32) : 0;
    s->sobol_index = 1; /* skip the corner point 0 */
    for (int i = 0; i < dim; i++) s->sobol_x[i] = sobol_v[i][0];
  }
  return 0;
}

static double to_box(const prp_sampler *s, int i, double u) {
  return s->lo[i] + (s->hi[i] - s->lo[i]) * u;
}

static void draw_uniform(prp_sampler *s, size_t n, double *x) {
  for (size_t p = 0; p < n; p++)
    for (int i = 0; i < s->dim; i++) x[p * s->dim + i] = to_box(s, i, prp_rng_uniform(&s->rng));
}

/* Point sobol_index is in sobol_x; the Gray-code step then moves to the next. */
static void draw_sobol(prp_sampler *s, size_t n, double *x) {
  for (size_t p = 0; p < n; p++) {
    for (int i = 0; i < s->dim; i++)
      x[p * s->dim + i] = to_box(s, i, (s->sobol_x[i] ^ s->sobol_shift[i]) * 0x1p-32);
    int c = lowest_zero_bit(s->sobol_index++);
    assert(c < PRP_SOBOL_BITS && "Sobol sequence exhausted (2^32 points)");
    for (int i = 0; i < s->dim; i++) s->sobol_x[i] ^= sobol_v[i][c];
  }
}

/* Each dimension: a random permutation of the n strata (shuffled in place in the
 * output column, Fisher-Yates), then a uniform point inside each stratum. */
static void draw_lhs(prp_sampler *s, size_t n, double *x) {
  int d = s->dim;
  for (int i = 0; i < d; i++) {
    for (size_t p = 0; p < n; p++) x[p * d + i] = (double)p;
    for (size_t p = n; p > 1; p--) {
      size_t q = (size_t)prp_rng_below(&s->rng, p);
      double t = x[(p - 1) * d + i];
      x[(p - 1) * d + i] = x[q * d + i];
      x[q * d + i] = t;
    }
    for (size_t p = 0; p < n; p++) {
      double stratum = x[p * d + i], t = stratum + prp_rng_uniform(&s->rng);
      if (t >= stratum + 1) t = nextafter(stratum + 1, 0); /* rounding must not leave it */
      x[p * d + i] = to_box(s, i, t / (double)n);
    }
  }
}

void prp_sampler_draw(prp_sampler *s, size_t n, double *x) {
  switch (s->kind) {
  case PRP_SAMPLE_UNIFORM: draw_uniform(s, n, x); break;
  case PRP_SAMPLE_SOBOL: draw_sobol(s, n, x); break;
  case PRP_SAMPLE_LHS: draw_lhs(s, n, x); break;
  default: assert(!"unknown sampler kind");
  }
}

const char *prp_sample_kind_name(prp_sample_kind kind) {
  switch (kind) {
  case PRP_SAMPLE_UNIFORM: return "uniform";
  case PRP_SAMPLE_SOBOL: return "sobol";
  case PRP_SAMPLE_LHS: return "lhs";
  }
  return "unknown";
}

int prp_sample_kind_parse(const char *name) {
  if (strcmp(name, "uniform") == 0) return PRP_SAMPLE_UNIFORM;
  if (strcmp(name, "sobol") == 0) return PRP_SAMPLE_SOBOL;
  if (strcmp(name, "lhs") == 0 || strcmp(name, "latin") == 0) return PRP_SAMPLE_LHS;
  return -1;
}
