/* Runtime, training: train once or with restarts and print the summary; shared
 * by `prpc run` (compiler/run.c) and built programs (runtime/standalone/main.c),
 * so both print the same lines and exit with the same status. */
#ifndef PRP_TRAIN_REPORT_H
#define PRP_TRAIN_REPORT_H
#include <stdio.h>
#include "train.h"

enum { PRP_TRAIN_MAX_RESTARTS = 1000, PRP_TRAIN_MAX_RESTART_WORKERS = 256 };
/* A restart succeeds when every unknown is this close to its truth, relative
 * to its bound width (prp_train_success). */
#define PRP_TRAIN_SUCCESS_TOLERANCE 0.05

/* "NAME: trained after N epochs in S s, loss L", one line per unknown (value,
 * guess, truth and error where known), and where the results are. */
void prp_train_print_summary(FILE *out, const prp_train_problem *pb, const prp_train_result *res);

/* The table of n restarts (unknowns, loss, success where the truth is known),
 * the success rate and the best run (-1: none). */
void prp_train_print_restarts(FILE *out, const prp_train_problem *pb, const prp_train_result *res, int n, int best);

/* The exit status for a finished run (exit_codes.h): PRP_EXIT_OK done, PRP_EXIT_INTERRUPT
 * interrupted, PRP_EXIT_RUNTIME stopped on a value that is not finite, PRP_EXIT_IO an
 * output could not be written. */
int prp_train_exit_status(const prp_train_result *res);

/* Trains pb (pb->restarts > 1: that many restarts), prints the summary on
 * stdout and errors on stderr as "PROGRAM: error: ..."; returns the exit status
 * (exit_codes.h: also PRP_EXIT_MEMORY, and PRP_EXIT_INTERRUPT after the table of the
 * finished restarts). */
int prp_train_and_report(const prp_train_problem *pb, const char *program);

#endif
