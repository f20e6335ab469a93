/* Runtime: the Adam optimiser (see optim.h), stepped once per epoch by the
 * training loop with the learning rate its schedule gives. */
#include "optim.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int prp_adam_init(prp_adam *a, size_t n, double beta1, double beta2, double eps) {
  memset(a, 0, sizeof *a);
  a->n = n;
  a->beta1 = beta1;
  a->beta2 = beta2;
  a->eps = eps;
  a->m = prp_xcalloc(n ? n : 1, sizeof(double));
  a->v = prp_xcalloc(n ? n : 1, sizeof(double));
  if (!a->m || !a->v) {
    prp_adam_free(a);
    return -1;
  }
  prp_adam_reset(a);
  return 0;
}

void prp_adam_free(prp_adam *a) {
  free(a->m);
  free(a->v);
  a->m = a->v = NULL;
}

void prp_adam_set_group(prp_adam *a, size_t begin, size_t end) {
  a->group_begin = begin < a->n ? begin : a->n;
  a->group_end = end < a->n ? end : a->n;
}

void prp_adam_reset(prp_adam *a) {
  memset(a->m, 0, sizeof(double) * a->n);
  memset(a->v, 0, sizeof(double) * a->n);
  a->beta1_t = a->beta2_t = 1;
  a->steps = 0;
}

/* Updates x[begin, end) with one learning rate; the bias corrections are folded
 * into the step size and into eps, which saves two divisions per entry. */
static void adam_range(prp_adam *a, double *x, const double *g, size_t begin, size_t end,
                       double lr) {
  double b1 = a->beta1, b2 = a->beta2;
  double c1 = 1 - a->beta1_t, c2 = 1 - a->beta2_t;
  double step = lr * sqrt(c2) / c1, eps = a->eps * sqrt(c2);
  for (size_t i = begin; i < end; i++) {
    a->m[i] = b1 * a->m[i] + (1 - b1) * g[i];
    a->v[i] = b2 * a->v[i] + (1 - b2) * g[i] * g[i];
    x[i] -= step * a->m[i] / (sqrt(a->v[i]) + eps);
  }
}

void prp_adam_step(prp_adam *a, double *x, const double *grad, double lr, double lr_group) {
  a->steps++;
  a->beta1_t *= a->beta1;
  a->beta2_t *= a->beta2;
  size_t gb = a->group_begin, ge = a->group_end > gb ? a->group_end : gb;
  adam_range(a, x, grad, 0, gb, lr);
  adam_range(a, x, grad, gb, ge, lr_group);
  adam_range(a, x, grad, ge, a->n, lr);
}
