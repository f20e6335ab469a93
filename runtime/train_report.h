/* Runtime, training: the summary printed after training, shared by `prpc run`
 * (compiler/run.c) and built programs (runtime/standalone/main.c). */
#ifndef PRP_TRAIN_REPORT_H
#define PRP_TRAIN_REPORT_H
#include <stdio.h>
#include "train.h"

/* "NAME: trained after N epochs in S s, loss L", one line per unknown (value,
 * guess, truth and error where known), and where the results are. */
void prp_train_print_summary(FILE *out, const prp_train_problem *pb, const prp_train_result *res);

/* The exit status for a finished run, as compiler/diag.h numbers them:
 * 0 done, 130 interrupted, 3 stopped on a value that is not finite. */
int prp_train_exit_status(const prp_train_result *res);

#endif
