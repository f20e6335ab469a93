/* Benchmark (not a test): one training step's forward+backward of the 2D plume
 * network (3x128 tanh, inputs x, y, t, 4096 points, jets u, u_t, u_x, u_y, lap u)
 * in f32 and f64, against the machine's own GEMM rate measured in the same run. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlp.h"
#include "sampling.h"

enum { N_POINTS = 4096, WIDTH = 128, REPEATS = 10 };

/* Wall time, and the calling thread's CPU time: on a shared machine the second
 * is the steadier figure for one thread (time slices lost to others don't count). */
static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu_now(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

typedef struct { double wall, cpu; } timing; /* best of the repeats, seconds */

static void keep_best(timing *best, double wall0, double cpu0, int reps) {
  double wall = (now() - wall0) / reps, cpu = (cpu_now() - cpu0) / reps;
  if (wall < best->wall) best->wall = wall;
  if (cpu < best->cpu) best->cpu = cpu;
}

/* Best of several GEMMs shaped like the network's: 128x128 times 128 x cols. */
static timing gemm_time(int single, int cols) {
  size_t a_n = WIDTH * WIDTH, b_n = (size_t)WIDTH * cols;
  void *a = calloc(a_n, 8), *b = calloc(b_n, 8), *c = calloc(b_n, 8);
  for (size_t i = 0; i < a_n; i++) {
    if (single) ((float *)a)[i] = (float)(i % 7) * 0.1f;
    else ((double *)a)[i] = (double)(i % 7) * 0.1;
  }
  timing best = {INFINITY, INFINITY};
  for (int r = 0; r < REPEATS; r++) {
    double t0 = now(), c0 = cpu_now();
    for (int k = 0; k < 10; k++) {
      if (single)
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, WIDTH, cols, WIDTH, 1, a, WIDTH,
                    b, WIDTH, 0, c, WIDTH);
      else
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, WIDTH, cols, WIDTH, 1, a, WIDTH,
                    b, WIDTH, 0, c, WIDTH);
    }
    keep_best(&best, t0, c0, 10);
  }
  free(a);
  free(b);
  free(c);
  return best;
}

/* The plume residual r = u_t + 0.4 u_x + 0.1 u_y - D lap u, loss mean r^2. */
typedef struct {
  const prp_jet_layout *jl;
} plume;

#define PLUME_LOSS(T, SFX)                                                                    \
  static double plume_loss_##SFX(void *ctx_, size_t first, size_t n, const T *out, T *gout) { \
    const prp_jet_layout *jl = ((plume *)ctx_)->jl;                                           \
    int ct = prp_jet_col_first(jl, 2), cx = prp_jet_col_first(jl, 0);                         \
    int cy = prp_jet_col_first(jl, 1), cl = jl->lap_col;                                      \
    const T D = (T)0.002, scale = (T)(2.0 / N_POINTS);                                        \
    double loss = 0;                                                                          \
    (void)first;                                                                              \
    memset(gout, 0, sizeof(T) * (size_t)jl->n_cols * n);                                      \
    for (size_t p = 0; p < n; p++) {                                                          \
      T r = out[ct * n + p] + (T)0.4 * out[cx * n + p] + (T)0.1 * out[cy * n + p] -           \
            D * out[cl * n + p];                                                              \
      loss += (double)r * r / N_POINTS;                                                       \
      gout[ct * n + p] = scale * r;                                                           \
      gout[cx * n + p] = (T)0.4 * scale * r;                                                  \
      gout[cy * n + p] = (T)0.1 * scale * r;                                                  \
      gout[cl * n + p] = -D * scale * r;                                                      \
    }                                                                                         \
    return loss;                                                                              \
  }
PLUME_LOSS(float, f32)
PLUME_LOSS(double, f64)

/* Best-of-REPEATS time of one forward+backward step over all points. */
#define TIME_STEP(T, SFX)                                                                     \
  static timing time_step_##SFX(const prp_mlp *net, const prp_jet_layout *jl,                 \
                                const double *x, size_t chunk) {                              \
    prp_mlp_ws_##SFX *ws = prp_mlp_ws_create_##SFX(net, jl, chunk);                           \
    T *params = malloc(sizeof(T) * net->n_params), *grad = malloc(sizeof(T) * net->n_params); \
    prp_rng rng;                                                                              \
    prp_rng_seed(&rng, 1);                                                                    \
    prp_mlp_init_params_##SFX(net, PRP_INIT_XAVIER_NORMAL, &rng, params);                     \
    plume ctx = {jl};                                                                         \
    timing best = {INFINITY, INFINITY};                                                       \
    for (int r = 0; r < REPEATS + 1; r++) { /* the first one warms up */                      \
      memset(grad, 0, sizeof(T) * net->n_params);                                             \
      double t0 = now(), c0 = cpu_now();                                                      \
      prp_mlp_loss_grad_##SFX(ws, params, N_POINTS, x, plume_loss_##SFX, &ctx, grad);          \
      if (r > 0) keep_best(&best, t0, c0, 1);                                                 \
    }                                                                                         \
    free(params);                                                                             \
    free(grad);                                                                               \
    prp_mlp_ws_free_##SFX(ws);                                                                \
    return best;                                                                              \
  }
TIME_STEP(float, f32)
TIME_STEP(double, f64)

int main(void) {
  prp_mlp_shape shape = {.n_inputs = 3, .n_hidden = 3, .widths = {WIDTH, WIDTH, WIDTH},
                         .activation = PRP_ACT_TANH, .lo = {0, 0, 0}, .hi = {1, 1, 1}};
  prp_mlp net;
  char err[200];
  if (prp_mlp_init(&net, &shape, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  prp_jet_spec spec = {.first = 7u, .lap = 3u}; /* u_x, u_y, u_t; lap over x, y */
  prp_jet_layout jl;
  prp_jet_layout_init(&jl, &spec, 3, NULL, 0);
  double *x = malloc(sizeof(double) * N_POINTS * 3);
  prp_sampler sampler;
  prp_sampler_init(&sampler, PRP_SAMPLE_SOBOL, 3, shape.lo, shape.hi, 1, 1, NULL, 0);
  prp_sampler_draw(&sampler, N_POINTS, x);
  double flops = prp_mlp_gemm_flops(&net, &jl, N_POINTS);
  printf("train step: MLP 3x%d tanh, 3 inputs, %d points, %d jet columns, %.2f GFLOP (GEMM)\n",
         WIDTH, N_POINTS, jl.n_cols, flops * 1e-9);
  size_t chunks[] = {128, 256, 512};
  for (int threads = 1; threads <= 2; threads++) {
    openblas_set_num_threads(threads);
    int cols = jl.n_cols * 256;
    timing ts = gemm_time(1, cols), td = gemm_time(0, cols);
    double gemm_flops = 2.0 * WIDTH * WIDTH * cols;
    /* one thread: rates from the thread's CPU time; two: from wall time */
    double sgemm = gemm_flops / (threads == 1 ? ts.cpu : ts.wall) * 1e-9;
    double dgemm = gemm_flops / (threads == 1 ? td.cpu : td.wall) * 1e-9;
    printf("\n%d thread%s (%s time): SGEMM %.1f GFLOP/s, DGEMM %.1f GFLOP/s"
           " (128x128 * 128x%d)\n", threads, threads > 1 ? "s" : "",
           threads == 1 ? "CPU" : "wall", sgemm, dgemm, cols);
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
      timing t32 = time_step_f32(&net, &jl, x, chunks[c]);
      timing t64 = time_step_f64(&net, &jl, x, chunks[c]);
      double s32 = threads == 1 ? t32.cpu : t32.wall, s64 = threads == 1 ? t64.cpu : t64.wall;
      double g32 = flops / s32 * 1e-9, g64 = flops / s64 * 1e-9;
      printf("  chunk %4zu  f32 %6.1f ms (wall %6.1f) %5.1f GFLOP/s = %3.0f%% of SGEMM"
             "   f64 %6.1f ms (wall %6.1f) %5.1f GFLOP/s = %3.0f%% of DGEMM\n",
             chunks[c], s32 * 1e3, t32.wall * 1e3, g32, 100 * g32 / sgemm, s64 * 1e3,
             t64.wall * 1e3, g64, 100 * g64 / dgemm);
    }
  }
  free(x);
  return 0;
}
