/* Runtime, training: what the trainer's files share (trainer.c, trainer_history.c,
 * trainer_state.c); outside runtime/, the trainer is the opaque prp_trainer of train.h. */
#ifndef PRP_TRAINER_INTERNAL_H
#define PRP_TRAINER_INTERNAL_H
#include "train_internal.h"
#include "csv.h"

typedef struct {
  size_t n, cap, ncols;
  double *rows;                      /* n rows of ncols values */
  char **names;                      /* ncols column names */
  prp_csv_writer *csv;               /* history.csv while it is written, else NULL */
} trainer_history;

struct prp_trainer {
  const prp_train_problem *pb;
  prp_train_session *s;
  prp_adam adam;
  double *grad, *last_good, *scratch;
  long epochs_done;
  double loss;                       /* at the last evaluation */
  trainer_history hist;
};

/* The share of training at which the schedules stand after `epoch` epochs (at most 1). */
double prp_trainer_progress_at(const prp_train_problem *pb, long epoch);
void prp_trainer_history_init(prp_trainer *t);
/* A row of the last evaluation at `epoch` with this loss (and to history.csv while it is open). */
void prp_trainer_record(prp_trainer *t, long epoch, double loss);
void prp_trainer_history_free(trainer_history *h);
/* Drops the rows from `epoch` on. */
void prp_trainer_history_trim(prp_trainer *t, long epoch);
/* 1 if the two histories have the same column names. */
int prp_trainer_history_same_columns(const trainer_history *a, const trainer_history *b);
/* A copy of h's rows and names. */
void prp_trainer_history_copy(trainer_history *dst, const trainer_history *src);

#endif
