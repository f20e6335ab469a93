/* Runtime, training: restarts run concurrently in one process, one per core (see
 * train_restarts.h). A pool of threads (pool.h) takes the restarts in order; each run is
 * a whole prp_train_run on one thread, with its own trainer, points and buffers and no
 * pool of its own, so the cores are not oversubscribed. What the runs share is read-only
 * (the problem, its observations, the compiled kernels), except the model check's
 * simulator, which runs one at a time. */
#include "train_restarts.h"
#include "pool.h"
#include "progress.h"
#include "train_memory.h"
#include "dist.h"
#include "util.h"
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

int prp_train_restart_workers(const prp_train_problem *pb, int n) {
  if (n <= 1 || prp_dist_size() > 1) return 1;   /* under MPI the ranks share the restarts */
  int workers = pb->restart_workers > 0 ? pb->restart_workers : prp_pool_cores();
  double fit = prp_memory_available() / fmax(prp_train_memory_needed(pb), 1);
  if (fit < workers) workers = fit >= 2 ? (int)fit : 1;
  return workers < n ? workers : n;
}

typedef struct {
  prp_restart_series *s;
  prp_train_problem *run;        /* one copy of the problem per thread */
  char **err;                    /* per restart */
  atomic_int failed;
  pthread_mutex_t check_lock;    /* the model check (prpc run's simulator) is not reentrant */
} concurrent;

static double model_misfit_locked(void *ctx, const double *unknowns) {
  concurrent *c = ctx;
  pthread_mutex_lock(&c->check_lock);
  double mse = c->s->pb->model_misfit(c->s->pb->model_misfit_ctx, unknowns);
  pthread_mutex_unlock(&c->check_lock);
  return mse;
}

static int model_residuals_locked(void *ctx, const double *unknowns, double *r) {
  concurrent *c = ctx;
  pthread_mutex_lock(&c->check_lock);
  int rc = c->s->pb->model_residuals(c->s->pb->model_misfit_ctx, unknowns, r);
  pthread_mutex_unlock(&c->check_lock);
  return rc;
}

/* Restart k on the pool's thread `thread`; after an error or Ctrl-C no new run starts. */
static void restart_job(void *ctx, int k, int thread) {
  concurrent *c = ctx;
  if (atomic_load(&c->failed) || prp_interrupt_requested()) return;
  c->err[k] = prp_restart_run(c->s, k, &c->run[thread]);
  if (c->err[k]) atomic_store(&c->failed, 1);
}

char *prp_restarts_concurrent(prp_restart_series *s, int workers, int *status) {
  concurrent c = {.s = s, .run = prp_xcalloc((size_t)workers, sizeof *c.run), .err = prp_xcalloc((size_t)s->n, sizeof *c.err)};
  atomic_init(&c.failed, 0);
  pthread_mutex_init(&c.check_lock, NULL);
  for (int w = 0; w < workers; w++) {
    c.run[w] = *s->pb;
    c.run[w].threads = 1;                        /* a core per run (the results do not depend on it) */
    c.run[w].quiet = s->pb->quiet || w != 0;     /* the calling thread shows its runs' progress */
    if (s->pb->model_misfit) {
      c.run[w].model_misfit = model_misfit_locked;
      c.run[w].model_residuals = s->pb->model_residuals ? model_residuals_locked : NULL;
      c.run[w].model_misfit_ctx = &c;
    }
  }
  prp_pool *pool = prp_pool_new(workers);
  prp_pool_run(pool, s->n, restart_job, &c);
  prp_pool_free(pool);
  char *err = NULL;
  for (int k = 0; k < s->n; k++) {
    if (c.err[k] && !err) {
      err = c.err[k];
      *status = s->runs[k].result.error_status;
    } else {
      free(c.err[k]);
    }
  }
  pthread_mutex_destroy(&c.check_lock);
  free(c.err);
  free(c.run);
  return err;
}
