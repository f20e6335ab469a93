/* Runtime, training: the data-parallel parts of a training session; see
 * train_dist.h. train_session.c calls these where it draws points and after it
 * has summed a loss and gradient over its own points. */
#include "train_dist.h"
#include "train_dist_internal.h"
#include "dist.h"
#include "util.h"
#include <stdlib.h>
#include <string.h>

static int split;

void prp_train_dist_set_split(int on) { split = on; }
int prp_train_dist_parts(void) { return split ? prp_dist_size() : 1; }

size_t prp_train_dist_block(const prp_train_session *s, size_t n_all, size_t *count) {
  size_t first;
  if (s->parts <= 1) {
    *count = n_all;
    return 0;
  }
  prp_dist_share(n_all, prp_dist_rank(), s->parts, &first, count);
  return first;
}

void prp_train_dist_keep_block(const prp_train_session *s, term_state *t) {
  size_t first = prp_train_dist_block(s, t->n_all, &t->n), d = (size_t)t->dim;
  if (first) memmove(t->x, t->x + first * d, t->n * d * sizeof *t->x);
}

/* A summary of the problem every rank must share; differing ranks were started
 * on different files or options. */
static long problem_key(const prp_train_session *s) {
  const prp_train_problem *pb = s->pb;
  unsigned long h = 1469598103u;
  long parts[] = {(long)s->net.n_params, pb->n_unknowns, pb->n_terms, pb->n_collocation, pb->n_boundary,
                  pb->n_initial, (long)pb->n_obs, pb->epochs, pb->lbfgs_iterations, (long)pb->seed,
                  pb->resample_every, pb->single, pb->relaxed, pb->strict_epochs, pb->strict_resample};
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) h = (h ^ (unsigned long)parts[i]) * 1099511628211ul;
  return (long)(h >> 1);
}

char *prp_train_dist_check(const prp_train_session *s) {
  if (s->parts <= 1) return NULL;
  int r = prp_dist_check_same(problem_key(s));
  if (!r) return NULL;
  return prp_errorf("rank %d trains another problem than rank 0 (network, points, epochs or seed differ): "
                    "every rank must run the same file with the same options", r);
}

double prp_train_dist_reduce(prp_train_session *s, double *grad, double *dtheta) {
  const prp_train_problem *pb = s->pb;
  size_t np = s->net.n_params, nt = (size_t)pb->n_terms, nu = (size_t)pb->n_unknowns;
  double *v = prp_xmalloc(np + nt + nu + 1, sizeof *v);
  memcpy(v, grad, np * sizeof *v);
  memcpy(v + np, s->term_loss, nt * sizeof *v);
  memcpy(v + np + nt, dtheta, nu * sizeof *v);
  prp_dist_sum(v, np + nt + nu);
  memcpy(grad, v, np * sizeof *v);
  memcpy(s->term_loss, v + np, nt * sizeof *v);
  memcpy(dtheta, v + np + nt, nu * sizeof *v);
  free(v);
  double total = 0;
  for (size_t i = 0; i < nt; i++) total += s->term_loss[i];
  return total;
}
