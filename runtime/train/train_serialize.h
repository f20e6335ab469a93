/* Runtime, standalone binaries: a prp_train_problem as a text blob and back.
 * `prpc build` embeds the blob in the program it links; the program's main()
 * (runtime/standalone/main.c) reads it and binds the embedded kernels. */
#ifndef PRP_TRAIN_SERIALIZE_H
#define PRP_TRAIN_SERIALIZE_H
#include <stddef.h>
#include "train.h"

/* How the epoch count enters a problem besides `epochs` itself, so that a
 * built program's --epochs=N gives what `prpc run --epochs=N` gives: schedule
 * points written in epochs become shares of N, and a default log interval is
 * N / 200 (compiler/plan.c). */
typedef struct {
  int log_every_auto;                                   /* 1: log_every = max(1, N / 200) */
  double until_epochs[PRP_TRAIN_MAX_SCALARS];           /* schedule k's `until` in epochs; NAN: a share */
  double at_epochs[PRP_TRAIN_MAX_SCALARS][16];          /* its piecewise points in epochs; NAN: a share */
} prp_train_epoch_rules;

/* What travels with the problem. Strings are malloc'd after deserialising. */
typedef struct {
  char *producer;              /* e.g. "prpc 0.1.0 (LLVM 19.1.7)"; NULL if not known */
  char *source;                /* the .prp file it was built from; NULL if not known */
  prp_train_epoch_rules epochs;
} prp_train_meta;

/* Rules under which nothing but `epochs` changes with the epoch count. */
void prp_train_epoch_rules_none(prp_train_epoch_rules *rules);

/* The log interval when the train block gives none: max(1, epochs / 200). */
int prp_train_log_every_auto(int epochs);

/* Sets the epoch count and what follows from it under the rules. */
void prp_train_set_epochs(prp_train_problem *pb, const prp_train_epoch_rules *rules, int epochs);

/* --guess=NAME=VALUE: a new initial guess, checked against the unknown's
 * bounds (the checks and messages of compiler/plan.c). NULL, or a malloc'd
 * message such as "--guess: 'q' is not an unknown of this problem". */
char *prp_train_set_guess(prp_train_problem *pb, const char *name_eq_value);

/* The problem (all but the kernel pointers, observations and schedule tables
 * included) and meta (may be NULL) as text; malloc'd, NUL-terminated, *size
 * bytes without the NUL. Numbers are written exactly (hexadecimal floats). */
char *prp_train_serialize(const prp_train_problem *pb, const prp_train_meta *meta, size_t *size);

/* Reads a blob of `size` bytes into pb (kernels NULL) and meta (may be NULL).
 * Every string and the observation arrays of pb are malloc'd: free them with
 * prp_train_problem_free. Returns NULL, or a malloc'd message (pb and meta
 * are then left empty). */
char *prp_train_deserialize(const char *blob, size_t size, prp_train_problem *pb, prp_train_meta *meta);

/* Frees what prp_train_deserialize allocated in pb (not the kernels). */
void prp_train_problem_free(prp_train_problem *pb);
void prp_train_meta_free(prp_train_meta *meta);

/* Replaces the output directory of a deserialised problem (NULL: no files). */
void prp_train_problem_set_output(prp_train_problem *pb, const char *dir);

/* ---- what `prpc build` puts in the object it links with runtime/standalone ----
 * The names of the globals compiler/driver/build.c defines and standalone/main.c
 * declares extern:
 *   const char     prp_standalone_problem[];       the blob, NUL-terminated
 *   const uint64_t prp_standalone_problem_size;    its size without the NUL
 *   const prp_train_kernel_f64 prp_standalone_kernels[];  kernel of term k, then NULL
 *                                                   (prp_train_kernel_f32 ones, cast, when pb->single)
 *   const uint64_t prp_standalone_kernel_count;    number of kernels */
#define PRP_STANDALONE_PROBLEM "prp_standalone_problem"
#define PRP_STANDALONE_PROBLEM_SIZE "prp_standalone_problem_size"
#define PRP_STANDALONE_KERNELS "prp_standalone_kernels"
#define PRP_STANDALONE_KERNEL_COUNT "prp_standalone_kernel_count"

#endif
