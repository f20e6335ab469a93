/* Runtime: a small pool of worker threads for the training step (train_session.c
 * runs its lanes of point chunks on it). The calling thread works too. */
#ifndef PRP_POOL_H
#define PRP_POOL_H

typedef struct prp_pool prp_pool;

/* job j of a run, on thread `thread` (0 = the caller, 1..threads-1 the workers) */
typedef void (*prp_pool_job)(void *ctx, int job, int thread);

/* A pool of `threads` threads in all (at least 1; fewer if the system refuses threads). */
prp_pool *prp_pool_new(int threads);
int prp_pool_threads(const prp_pool *pool);
/* Runs jobs 0..n_jobs-1, each once, on whichever thread is free; returns when all are done. */
void prp_pool_run(prp_pool *pool, int n_jobs, prp_pool_job fn, void *ctx);
/* CPU time thread `thread` has spent in jobs since the pool was made (for benchmarks:
 * on a busy machine the busiest thread's share tells what idle cores would give). */
double prp_pool_busy_seconds(const prp_pool *pool, int thread);
void prp_pool_free(prp_pool *pool);
/* The cores this process may run on (its CPU affinity: taskset, cgroups, Slurm), at least 1. */
int prp_pool_cores(void);

#endif
