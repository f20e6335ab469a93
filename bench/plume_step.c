/* Benchmark (not a test): one whole training step of the 2D plume problem as
 * prpc run does it -- network jets, the JIT-compiled residual kernels of every
 * loss term, reverse mode, Adam -- with the file's network (3x128 tanh) and
 * 4096 collocation points, in f32 and f64, against the machine's SGEMM/DGEMM
 * rate measured in the same run. Prints ms per step, GFLOP/s and the ratio.
 * PRP_BENCH_PROFILE=1 in the environment: only the f32 step at one thread, 60
 * steps (for perf record). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "relax_auto_flow.h"
#include "optim.h"
#include "parse.h"
#include "plan.h"
#include "train.h"

enum { N_OBS = 320 };

static int steps = 8;

static int threads = 1;

/* One thread: the thread's CPU time (steady on a shared machine); more: wall time. */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the whole process (all threads). */
static double process_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The machine's 1-minute load average (NAN if unknown): the 2-thread figures need idle cores. */
static double load_average(void) {
  double l = NAN;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = NAN;
    fclose(f);
  }
  return l;
}

/* GFLOP/s of 128x128 times 128x2560 GEMMs (the shape of a hidden layer over a chunk). */
static double gemm_rate(int single) {
  int m = 128, n = 2560;
  void *a = calloc((size_t)m * m, 8), *b = calloc((size_t)m * n, 8), *c = calloc((size_t)m * n, 8);
  double best = INFINITY;
  for (int r = 0; r < 5; r++) {
    double t0 = cpu_now();
    for (int k = 0; k < 10; k++) {
      if (single) cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, n, m, 1, a, m, b, m, 0, c, m);
      else cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, n, m, 1, a, m, b, m, 0, c, m);
    }
    double t = (cpu_now() - t0) / 10;
    if (t < best) best = t;
  }
  free(a);
  free(b);
  free(c);
  return 2.0 * m * m * n / best * 1e-9;
}

/* GEMM flops of one loss/gradient evaluation: each term's columns through the hidden layers. */
static double step_flops(const prp_train_problem *tp) {
  prp_mlp net;
  char err[128];
  prp_mlp_init(&net, &tp->net, err, sizeof err);
  double flops = 0;
  for (int i = 0; i < tp->n_terms; i++) {
    prp_jet_layout jl;
    prp_jet_layout_init(&jl, &tp->terms[i].spec, tp->n_inputs, err, sizeof err);
    size_t n = tp->terms[i].kind == PRP_TERM_KIND_PDE ? (size_t)tp->n_collocation
             : tp->terms[i].kind == PRP_TERM_KIND_DATA ? tp->n_obs
             : tp->terms[i].kind == PRP_TERM_KIND_INITIAL ? (size_t)tp->n_initial : (size_t)tp->n_boundary;
    flops += prp_mlp_gemm_flops(&net, &jl, n);
  }
  return flops;
}

static void bench(const ast_program *prog, prp_jit *jit, int precision, double gemm) {
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  double x[N_OBS * 3], u[N_OBS];
  for (int i = 0; i < N_OBS; i++) {
    x[3 * i] = (i % 4 + 0.5) / 4, x[3 * i + 1] = (i / 4 % 4 + 0.5) / 4, x[3 * i + 2] = (i / 16 + 1) / 20.0;
    u[i] = 0.1 * sin(i);
  }
  prp_plan plan;
  prp_plan_options opt = {.relax = 1, .epochs = -1, .seed = -1, .quiet = 1, .precision = precision};
  if (prp_plan_compile(prog, jit, &opt, &diag, N_OBS, x, u, &plan) != 0) exit(1);
  prp_train_problem *tp = &plan.problem;
  tp->n_collocation = 4096;
  tp->threads = threads;     /* chunks of points on the session's threads, BLAS single-threaded */
  tp->output_dir = NULL;
  char *err;
  prp_train_session *s = prp_train_session_new(tp, &err);
  size_t n = prp_train_session_size(s);
  double *g = malloc(n * sizeof *g), *params = prp_train_session_params(s);
  prp_adam adam;
  prp_adam_init(&adam, n, 0.9, 0.999, 1e-8);
  prp_train_session_loss_grad(s, params, g);   /* warm up */
  double best = INFINITY, best_cpu = INFINITY, best_estimate = INFINITY;
  for (int k = 0; k < steps; k++) {
    double busy0[2] = {prp_train_session_busy_seconds(s, 0), prp_train_session_busy_seconds(s, 1)};
    double t0 = cpu_now(), c0 = process_cpu();
    prp_train_session_set_progress(s, (double)k / steps);
    prp_train_session_loss_grad(s, params, g);
    prp_adam_step(&adam, params, g, 1e-4, 1e-4);
    double t = cpu_now() - t0, c = process_cpu() - c0;
    double b0 = prp_train_session_busy_seconds(s, 0) - busy0[0], b1 = prp_train_session_busy_seconds(s, 1) - busy0[1];
    double estimate = (c - b0 - b1) + (b0 > b1 ? b0 : b1);   /* serial part + the busiest thread's jobs */
    if (t < best) best = t;
    if (c < best_cpu) best_cpu = c;
    if (estimate < best_estimate) best_estimate = estimate;
  }
  double flops = step_flops(tp);
  printf("plume2d step, f%d, %d thread%s: %7.1f ms  %6.1f GFLOP/s of GEMM work (%.2f GFLOP)  = %3.0f%% of %s %.1f GFLOP/s\n",
         precision, threads, threads == 1 ? "" : "s", best * 1e3, flops / best * 1e-9, flops * 1e-9, 100 * flops / best * 1e-9 / gemm,
         precision == 32 ? "SGEMM" : "DGEMM", gemm);
  if (threads > 1)
    printf("  (CPU time of the step over all threads %.1f ms; on %d idle cores it would take about %.1f ms:"
           " the serial part plus the busiest thread's chunks; load average %.1f)\n",
           best_cpu * 1e3, threads, best_estimate * 1e3, load_average());
  free(g);
  prp_adam_free(&adam);
  prp_train_session_free(s);
  prp_plan_free(&plan);
}

int main(int argc, char **argv) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  openblas_set_num_threads(1);
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  char path[4096];
  snprintf(path, sizeof path, "%s/examples/plume2d.prp", argc > 1 ? argv[1] : PRP_SOURCE_DIR);
  ast_program *prog = prp_parse_file(path, &diag);
  if (!prog || diag.errors || prp_check_program(prog, &diag)) return 1;
  prp_jit *jit = prp_jit_create();
  if (getenv("PRP_BENCH_PROFILE")) { /* for perf: the f32 step at one thread only, many steps */
    steps = 60;
    bench(prog, jit, 32, gemm_rate(1));
    prp_jit_destroy(jit);
    ast_program_free(prog);
    return 0;
  }
  for (threads = 1; threads <= 2; threads++) {
    openblas_set_num_threads(threads);
    double sgemm = gemm_rate(1), dgemm = gemm_rate(0);
    openblas_set_num_threads(1);
    printf("machine, %d thread%s: SGEMM %.1f GFLOP/s, DGEMM %.1f GFLOP/s (128x128 by 128x2560)\n", threads,
           threads == 1 ? " (CPU time)" : "s (wall time)", sgemm, dgemm);
    bench(prog, jit, 32, sgemm);
    bench(prog, jit, 64, dgemm);
  }
  prp_jit_destroy(jit);
  ast_program_free(prog);
  return 0;
}
