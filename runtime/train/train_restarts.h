/* Runtime, training: what the two ways of running restarts share. train_restarts.c
 * draws the series' guesses, runs them one after the other (or dealt to the MPI ranks)
 * and gathers the results; train_restarts_threads.c runs them concurrently. */
#ifndef PRP_TRAIN_RESTARTS_H
#define PRP_TRAIN_RESTARTS_H
#include "train.h"

/* What is known about restart k once it has run: whether it ran to the end (finished,
 * interrupted or not finite, with no error), and its result. Under MPI these records
 * travel to rank 0. */
typedef struct {
  int ran;
  prp_train_result result;
} prp_restart_record;

/* One series of restarts: the problem, each restart's guesses (the first the file's,
 * the others drawn in order) and each restart's record. */
typedef struct {
  const prp_train_problem *pb;
  int n;
  double (*guess)[PRP_TRAIN_MAX_UNKNOWNS];
  prp_restart_record *runs;
} prp_restart_series;

/* Trains restart k with `run`, a copy of the problem its caller owns (its quiet, threads
 * and model check are the caller's choice; guess, seed and output directory are set
 * here): restart k's guesses, seed + k, output in restart_K. NULL, or the error, with its
 * exit status in the record's result. */
char *prp_restart_run(const prp_restart_series *s, int k, prp_train_problem *run);

/* Every restart of the series on `workers` threads (train_restarts_threads.c), in order,
 * each taken by the next free thread; no new one starts after an error or Ctrl-C.
 * NULL, or the error of the lowest restart that failed, with its status in *status. */
char *prp_restarts_concurrent(prp_restart_series *s, int workers, int *status);

#endif
