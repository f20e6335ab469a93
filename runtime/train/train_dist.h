/* Runtime, training: data-parallel training over MPI ranks (dist.h). Every rank
 * holds the same network and takes a contiguous block of each term's points:
 * the points are drawn as in a one-process run and each rank keeps its block, so
 * the union of the ranks' points is the one-process run's points. Each loss and
 * gradient evaluation then sums the ranks' gradients and loss terms in rank
 * order, so every rank takes bitwise the same optimiser step. */
#ifndef PRP_TRAIN_DIST_H
#define PRP_TRAIN_DIST_H
#include <stddef.h>

/* Whether sessions created from now on split their points over the ranks
 * (train_report.c turns it on for one training under MPI; off by default, so
 * restarts, the REPL and the tests each train whole). */
void prp_train_dist_set_split(int on);
/* The number of parts a new session splits its points into (1: not split). */
int prp_train_dist_parts(void);

#endif
