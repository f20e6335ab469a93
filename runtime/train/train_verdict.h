/* Runtime, training: the verdict of a run (train_verdict.c) as result.json
 * members and as console lines; the struct and its computation are in train.h. */
#ifndef PRP_TRAIN_VERDICT_H
#define PRP_TRAIN_VERDICT_H
#include <stdio.h>
#include "json.h"
#include "train.h"

/* "verdict": "suspect", "warnings": [{"name", "unknown", "value", "limit",
 * "message"}...], "checks": {the numbers, whether they warn or not}. */
void prp_train_verdict_json(prp_json *j, const prp_train_problem *pb, const prp_train_verdict *v);

/* "verdict: suspect" and one indented line per warning. */
void prp_train_verdict_print(FILE *out, const prp_train_problem *pb, const prp_train_verdict *v);

/* One warning in words, e.g. "xs = 0.999 is 0.1% of its bound width from
 * its upper bound 1 (limit 1%)". */
void prp_train_warning_text(const prp_train_problem *pb, const prp_train_verdict *v, const prp_train_warning *w,
                            char *buf, size_t len);

/* Writes DIR/verdict.json for restarts: the best restart and the verdict (through
 * output.h); NULL, or a malloc'd message when it could not be written. */
char *prp_train_verdict_write_restarts(const prp_train_problem *pb, const prp_train_verdict *v, int n, int best);

#endif
