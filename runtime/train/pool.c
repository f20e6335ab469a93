/* Runtime: the worker pool of pool.h. Workers sleep on a condition variable
 * between runs; a run hands out jobs through a counter under the pool's lock. */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT */
#include "pool.h"
#include "util.h"
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <stdlib.h>
#include <time.h>

struct prp_pool {
  int threads;                  /* the caller and the workers started */
  pthread_t *workers;
  pthread_mutex_t lock;
  pthread_cond_t start, done;
  unsigned long generation;     /* counts runs; a worker waits for the next one */
  int quit;
  int n_jobs, next_job, busy;   /* the current run: jobs handed out, workers still in it */
  prp_pool_job fn;
  void *ctx;
  double *busy_seconds;         /* per thread: CPU seconds spent in jobs */
};

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One job, its CPU time added to the thread's. */
static void run_job(prp_pool *p, int job, int thread) {
  double t0 = thread_cpu();
  p->fn(p->ctx, job, thread);
  p->busy_seconds[thread] += thread_cpu() - t0;   /* each thread writes only its own slot */
}

typedef struct {
  prp_pool *pool;
  int id;
} worker_arg;

/* Takes and runs the run's jobs until none is left. Called with the lock held. */
static void work(prp_pool *p, int thread) {
  while (p->next_job < p->n_jobs) {
    int job = p->next_job++;
    pthread_mutex_unlock(&p->lock);
    run_job(p, job, thread);
    pthread_mutex_lock(&p->lock);
  }
}

static void *worker(void *varg) {
  worker_arg arg = *(worker_arg *)varg;
  free(varg);
  prp_pool *p = arg.pool;
  pthread_mutex_lock(&p->lock);
  unsigned long seen = 0;       /* not read from the pool: a late worker must still join run 1 */
  for (;;) {
    while (!p->quit && p->generation == seen) pthread_cond_wait(&p->start, &p->lock);
    if (p->quit) break;
    seen = p->generation;
    work(p, arg.id);
    if (--p->busy == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

prp_pool *prp_pool_new(int threads) {
  prp_pool *p = prp_xcalloc(1, sizeof *p);
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->start, NULL);
  pthread_cond_init(&p->done, NULL);
  p->threads = 1;
  p->busy_seconds = prp_xcalloc(threads > 1 ? (size_t)threads : 1, sizeof *p->busy_seconds);
  if (threads > 1) p->workers = prp_xcalloc((size_t)threads - 1, sizeof *p->workers);
  for (int i = 1; i < threads; i++) {
    worker_arg *arg = prp_xmalloc(1, sizeof *arg);
    *arg = (worker_arg){p, i};
    if (pthread_create(&p->workers[i - 1], NULL, worker, arg) != 0) {
      free(arg);
      break;                    /* run with the threads there are */
    }
    p->threads++;
  }
  return p;
}

int prp_pool_threads(const prp_pool *p) { return p->threads; }

void prp_pool_run(prp_pool *p, int n_jobs, prp_pool_job fn, void *ctx) {
  if (p->threads == 1 || n_jobs <= 1) {
    p->fn = fn;
    p->ctx = ctx;
    for (int j = 0; j < n_jobs; j++) run_job(p, j, 0);
    return;
  }
  pthread_mutex_lock(&p->lock);
  p->fn = fn;
  p->ctx = ctx;
  p->n_jobs = n_jobs;
  p->next_job = 0;
  p->busy = p->threads - 1;
  p->generation++;
  pthread_cond_broadcast(&p->start);
  work(p, 0);
  while (p->busy > 0) pthread_cond_wait(&p->done, &p->lock);
  pthread_mutex_unlock(&p->lock);
}

double prp_pool_busy_seconds(const prp_pool *p, int thread) {
  return thread >= 0 && thread < p->threads ? p->busy_seconds[thread] : 0;
}

void prp_pool_free(prp_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->quit = 1;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->lock);
  for (int i = 0; i < p->threads - 1; i++) pthread_join(p->workers[i], NULL);
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->start);
  pthread_cond_destroy(&p->done);
  free(p->workers);
  free(p->busy_seconds);
  free(p);
}

int prp_pool_cores(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}
