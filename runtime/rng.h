/* Runtime: the one seeded random number generator (xoshiro256**), used by the
 * samplers, network initialisation and sensor noise, so that a seed fixes a run. */
#ifndef PRP_RNG_H
#define PRP_RNG_H
#include <stdint.h>

typedef struct { uint64_t s[4]; } prp_rng;

void     prp_rng_seed(prp_rng *r, uint64_t seed);
uint64_t prp_rng_next(prp_rng *r);
double   prp_rng_uniform(prp_rng *r);           /* in [0, 1) with 53 random bits */
double   prp_rng_normal(prp_rng *r);            /* standard normal (Box-Muller) */
uint64_t prp_rng_below(prp_rng *r, uint64_t n); /* uniform in [0, n), n > 0 */

#endif
