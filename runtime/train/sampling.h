/* Runtime: collocation points in the domain box (uniform, Sobol, Latin hypercube),
 * seeded and resampled by the training loop every k epochs. */
#ifndef PRP_SAMPLING_H
#define PRP_SAMPLING_H
#include "rng.h"
#include <stddef.h>
#include <stdint.h>

#define PRP_SAMPLE_MAX_DIM 5
#define PRP_SOBOL_BITS 32

typedef enum { PRP_SAMPLE_UNIFORM, PRP_SAMPLE_SOBOL, PRP_SAMPLE_LHS } prp_sample_kind;

typedef struct {
  prp_sample_kind kind;
  int dim;
  int scramble;                 /* Sobol: XOR every coordinate with a seeded random shift */
  double lo[PRP_SAMPLE_MAX_DIM], hi[PRP_SAMPLE_MAX_DIM];
  prp_rng rng;
  uint64_t sobol_index;         /* index of the next Sobol point */
  uint32_t sobol_x[PRP_SAMPLE_MAX_DIM];
  uint32_t sobol_shift[PRP_SAMPLE_MAX_DIM];
} prp_sampler;

/* 0, or -1 with a message in err. The box is [lo_i, hi_i] per dimension.
 * Sobol starts at point 1 (point 0 is the corner lo) and continues the sequence
 * on every draw, so successive sets are different and fill the box together. */
int prp_sampler_init(prp_sampler *s, prp_sample_kind kind, int dim, const double *lo,
                     const double *hi, uint64_t seed, int scramble, char *err, size_t errlen);
/* n new points, x[p*dim + i]. The same seed gives bitwise the same sets. */
void prp_sampler_draw(prp_sampler *s, size_t n, double *x);

const char *prp_sample_kind_name(prp_sample_kind kind);
/* "uniform", "sobol", "lhs" (or "latin"); -1 if unknown. */
int prp_sample_kind_parse(const char *name);

/* The Sobol direction numbers v_k (k = 1..PRP_SOBOL_BITS, as 32-bit fractions) of
 * dimension j (0-based), generated at first use; see sampling.c for how. */
const uint32_t *prp_sobol_directions(int j);

/* Warnock's L2-star discrepancy of n points in [0, 1]^dim (x[p*dim + i]). */
double prp_l2_star_discrepancy(size_t n, int dim, const double *x);

#endif
