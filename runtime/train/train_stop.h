/* Runtime, training: the stopping rule of the train block, `stop settled TOL over N`
 * (docs/language.md): stop once the relaxation has ended and every unknown moved
 * less than TOL of its bound width over the last N epochs. */
#ifndef PRP_TRAIN_STOP_H
#define PRP_TRAIN_STOP_H
#include "train.h"
#include <stddef.h>

/* The share of training at which the last relaxation schedule ends (0: none). */
double prp_train_relaxation_end(const prp_train_problem *pb);

/* The largest range (max - min) of any unknown over `rows` epochs of `window`
 * (rows x n_unknowns, in any order), relative to the unknown's bound width, or to
 * the largest |value| in the window (at least 1e-12) when it has no finite bounds. */
double prp_train_stop_movement(const prp_train_problem *pb, const double *window, int rows);

/* The rule on a full window of the last stop_over epochs after the relaxation:
 * 1 when every unknown moved less than stop_tol. A pure function. */
int prp_train_settled(const prp_train_problem *pb, const double *window, int rows);

/* The window the training loop keeps: the unknowns of the epochs since the
 * relaxation ended (and the warm-up), the last stop_over of them in a ring. */
typedef struct {
  double *window;
  int rows, next;
} prp_train_stop;

void prp_train_stop_init(prp_train_stop *st, const prp_train_problem *pb);
/* Records the unknowns at which epoch `epoch` was evaluated; 1 when training should
 * stop after it, with the reason in msg. Never stops without a rule (stop_over 0). */
int prp_train_stop_check(prp_train_stop *st, const prp_train_problem *pb, int epoch, const double *unknowns,
                         char *msg, size_t len);
void prp_train_stop_free(prp_train_stop *st);

#endif
