/* Runtime, training: what train_session.c calls in train_dist.c. */
#ifndef PRP_TRAIN_DIST_INTERNAL_H
#define PRP_TRAIN_DIST_INTERNAL_H
#include "train_internal.h"

/* The first of this rank's block of n_all points; its size in *count (all of
 * them when the session is not split). */
size_t prp_train_dist_block(const prp_train_session *s, size_t n_all, size_t *count);
/* After t's n_all points were drawn into t->x: this rank's block moved to the
 * front and t->n set to its size. */
void prp_train_dist_keep_block(const prp_train_session *s, term_state *t);
/* NULL, or an error when another rank was given another problem (collective). */
char *prp_train_dist_check(const prp_train_session *s);
/* The gradient (network then nothing: the unknowns' part is in dtheta), the terms'
 * losses and dL/dtheta summed over the ranks in rank order; returns the total loss
 * of the terms. */
double prp_train_dist_reduce(prp_train_session *s, double *grad, double *dtheta);

#endif
