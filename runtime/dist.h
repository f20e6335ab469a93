/* Runtime: running as one of several processes under an MPI launcher (mpirun,
 * srun). The only place that knows MPI: rank and size, start and end, a sum of a
 * double vector over the ranks in a fixed order, gathering items dealt to the
 * ranks, a barrier, and ending the whole job with a message. Without MPI in the
 * build, or when not started by a launcher, there is one rank and every call
 * is a cheap no-op: MPI_Init is called only when a launcher's environment says
 * the process is one of a job (docs/running.md). */
#ifndef PRP_DIST_H
#define PRP_DIST_H
#include <stddef.h>
#include <stdio.h>

/* 1 when the build has MPI support (PRP_MPI). */
int prp_dist_available(void);
/* 1 when a launcher's environment variables say this process belongs to a job
 * (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK, PMI_SIZE, SLURM_PROCID). */
int prp_dist_launched(void);

/* Starts MPI when available and launched (else nothing). Idempotent. */
void prp_dist_init(int *argc, char ***argv);
/* Ends MPI after a successful run (collective: every rank must reach it). */
void prp_dist_finalize(void);
/* Ends the process with status; under MPI with more than one rank an error status
 * ends the whole job (MPI_Abort, unless prp_dist_outcome_shared was called), so
 * that no rank waits forever for one that failed. The message,
 * if any, is printed first as "NAME: error: [rank R] message". */
_Noreturn void prp_dist_exit(int status, const char *message);

/* Says that every rank has reached the end of the collective work and agrees on
 * its outcome (e.g. the same data-parallel training result): from then on an
 * error status ends this process alone, after MPI_Finalize, so that rank 0 can
 * still write its files instead of being killed by another rank's abort. */
void prp_dist_outcome_shared(void);

int prp_dist_rank(void);   /* 0 without MPI */
int prp_dist_size(void);   /* 1 without MPI */

/* v[0..n) summed over the ranks; every rank gets bitwise the same result: the
 * ranks' vectors are gathered and added in rank order (0, 1, ..., P-1), so the
 * result depends on neither MPI's reduction algorithm nor the network. */
void prp_dist_sum(double *v, size_t n);
/* Items 0..n-1 of item_size bytes dealt to the ranks, item k to rank k % P:
 * after the call rank 0 holds every item (the others keep theirs). Collective. */
void prp_dist_gather_dealt(void *items, size_t item_size, size_t n);
/* The first integer of every rank must be equal (e.g. a checksum of the problem);
 * 0 if so, else the lowest rank that differs from rank 0. Collective. */
int prp_dist_check_same(long value);
void prp_dist_barrier(void);

/* The "parallel runs" section of --help: how to start several ranks, and whether
 * this build has MPI support; command is what is started ("prpc run FILE"). */
void prp_dist_help(FILE *out, const char *command);

/* This rank's block of n items (contiguous, the ranks in order cover 0..n). */
void prp_dist_share(size_t n, int rank, int size, size_t *first, size_t *count);

#endif
