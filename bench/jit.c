/* bench/jit.c: time to JIT-compile the kernels of each example (codegen.c's
 * kernel plan) and of a hand-built plume residual, and their throughput in points/s. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "relax_auto_flow.h"
#include "codegen.h"
#include "parse.h"

enum { N_POINTS = 4096, N_POINT_SLOTS = 5, N_UNIFORMS = 4, N_OUTPUTS = 7 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* r = u_t - (D + eps) lap(u) - q exp(-((x - xs)^2 + (y - ys)^2) / (2 sigma^2)) * (1 + 0.5 sin(pi t)),
 * and dr/du_t, dr/dlap_u, dr/dxs, dr/dys, dr/dq, tanh(r). */
static prp_kernel_spec plume_residual(prp_dag *d, prp_node *outputs) {
  prp_jet jt = {0}, lap = {0};
  jt.order[2] = 1;
  lap.lap_mask = 3;
  prp_node x = prp_var(d, PRP_VAR_COORD, 0, "x"), y = prp_var(d, PRP_VAR_COORD, 1, "y");
  prp_node t = prp_var(d, PRP_VAR_COORD, 2, "t");
  prp_node u_t = prp_jet_var(d, &jt, "u_t"), lap_u = prp_jet_var(d, &lap, "lap_u");
  prp_node xs = prp_var(d, PRP_VAR_UNKNOWN, 0, "xs"), ys = prp_var(d, PRP_VAR_UNKNOWN, 1, "ys");
  prp_node q = prp_var(d, PRP_VAR_UNKNOWN, 2, "q"), eps = prp_var(d, PRP_VAR_SCALAR, 0, "eps");
  prp_node dist2 = prp_add(d, prp_powc(d, prp_sub(d, x, xs), 2), prp_powc(d, prp_sub(d, y, ys), 2));
  prp_node gauss = prp_exp(d, prp_div(d, prp_neg(d, dist2), prp_const(d, 2 * 0.02 * 0.02)));
  prp_node pulse = prp_add(d, prp_const(d, 1), prp_mul(d, prp_const(d, 0.5), prp_sin(d, prp_mul(d, prp_const(d, 3.141592653589793), t))));
  prp_node source = prp_mul(d, prp_mul(d, q, gauss), pulse);
  prp_node r = prp_sub(d, prp_sub(d, u_t, prp_mul(d, prp_add(d, prp_const(d, 0.002), eps), lap_u)), source);
  outputs[0] = r;
  outputs[1] = prp_diff(d, r, u_t);
  outputs[2] = prp_diff(d, r, lap_u);
  outputs[3] = prp_diff(d, r, xs);
  outputs[4] = prp_diff(d, r, ys);
  outputs[5] = prp_diff(d, r, q);
  outputs[6] = prp_tanh(d, r);
  return (prp_kernel_spec){.name = "plume_residual", .dag = d, .outputs = outputs, .n_outputs = N_OUTPUTS,
                           .layout = {.n_coord = 3, .n_jet = 2, .n_unknown = 3, .n_scalar = 1}};
}

/* Points per second of a kernel with a layout's slots, measured for about
 * 0.2 s on N_POINTS points: coordinates in [0, 1], jets and point data in
 * [-1, 1], unknowns and scalars in [0.05, 1]. */
static double layout_throughput(void *kernel, const prp_kernel_spec *spec) {
  const prp_kernel_layout *l = &spec->layout;
  size_t n_point = (size_t)l->n_coord + l->n_jet + l->n_pointdata, n_uniform = (size_t)l->n_unknown + l->n_scalar;
  bool f64 = spec->type == PRP_ELEM_F64;
  size_t elem = f64 ? sizeof(double) : sizeof(float);
  char *storage = malloc((n_point + spec->n_outputs) * N_POINTS * elem + (n_uniform + 1) * elem);
  void **ptrs = malloc((n_point + spec->n_outputs) * sizeof *ptrs);
  for (size_t s = 0; s < n_point + spec->n_outputs; s++)
    ptrs[s] = storage + s * N_POINTS * elem;
  char *uniforms = storage + (n_point + spec->n_outputs) * N_POINTS * elem;
  for (size_t s = 0; s < n_point; s++)
    for (int i = 0; i < N_POINTS; i++) {
      double v = (double)((i * 7919 + (int)s * 104729) % 1000) / 1000.0;
      v = s < l->n_coord ? v : 2 * v - 1;
      if (f64)
        ((double *)ptrs[s])[i] = v;
      else
        ((float *)ptrs[s])[i] = (float)v;
    }
  for (size_t s = 0; s < n_uniform; s++) {
    double v = 0.05 + 0.95 * (double)((s * 37) % 10) / 10.0;
    if (f64)
      ((double *)uniforms)[s] = v;
    else
      ((float *)uniforms)[s] = (float)v;
  }
  long calls = 0;
  double start = now(), elapsed;
  do {
    for (int k = 0; k < 20; k++, calls++)
      if (f64)
        ((prp_kernel_f64)kernel)(N_POINTS, (const double *const *)ptrs, (const double *)uniforms, (double *const *)(ptrs + n_point));
      else
        ((prp_kernel_f32)kernel)(N_POINTS, (const float *const *)ptrs, (const float *)uniforms, (float *const *)(ptrs + n_point));
    elapsed = now() - start;
  } while (elapsed < 0.2);
  free(ptrs);
  free(storage);
  return (double)calls * N_POINTS / elapsed;
}

/* JIT time of all kernels of an example's plan (relaxed residuals), and the
 * PDE kernel's throughput, in f64 and f32. */
static void bench_example(const char *path, const char *name) {
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  ast_program *prog = prp_parse_file(path, &diag);
  if (!prog || diag.errors || prp_check_program(prog, &diag) != 0) {
    fprintf(stderr, "bench_jit: %s does not check\n", path);
    if (prog)
      ast_program_free(prog);
    return;
  }
  prp_residuals r;
  prp_residuals_build(prog, 1, &r);
  for (int t = 0; t < 2; t++) {
    prp_elem_type type = t ? PRP_ELEM_F32 : PRP_ELEM_F64;
    prp_kernel_plan plan;
    prp_kernel_plan_build(&r, type, &plan);
    prp_jit *jit = prp_jit_create();
    char err[256];
    void *pde = NULL;
    double start = now();
    for (size_t k = 0; k < plan.n; k++) {
      void *kernel = prp_codegen_jit(jit, &plan.specs[k], err, sizeof err);
      if (!kernel)
        fprintf(stderr, "bench_jit: %s: %s\n", name, err);
      if (k == 0)
        pde = kernel;
    }
    double t_jit = now() - start;
    printf("  %-20s %s: JIT of %zu kernels %7.1f ms; PDE kernel (%zu outputs) %9.3g points/s\n", name,
           t ? "f32" : "f64", plan.n, 1e3 * t_jit, plan.specs[0].n_outputs,
           pde ? layout_throughput(pde, &plan.specs[0]) : 0.0);
    prp_jit_destroy(jit);
    prp_kernel_plan_free(&plan);
  }
  prp_residuals_free(&r);
  ast_program_free(prog);
}

static void bench_examples(void) {
  char dir_path[512];
  snprintf(dir_path, sizeof dir_path, "%s/examples", PRP_SOURCE_DIR);
  DIR *dir = opendir(dir_path);
  if (!dir)
    return;
  printf("examples (relaxed residuals; kernels: residual + d/d jets + d/d unknowns):\n");
  for (struct dirent *e; (e = readdir(dir));) {
    size_t len = strlen(e->d_name);
    if (len < 5 || strcmp(e->d_name + len - 4, ".prp") != 0)
      continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
    bench_example(path, e->d_name);
  }
  closedir(dir);
}

/* Points per second of a kernel, measured for about 0.3 s. */
static double throughput(void *kernel, prp_elem_type type) {
  size_t elem = type == PRP_ELEM_F64 ? sizeof(double) : sizeof(float);
  char *in_storage = malloc(N_POINT_SLOTS * N_POINTS * elem);
  char *out_storage = malloc(N_OUTPUTS * N_POINTS * elem);
  void *in[N_POINT_SLOTS], *out[N_OUTPUTS];
  double uniforms64[N_UNIFORMS] = {0.4, 0.5, 2.0, 0.01};
  float uniforms32[N_UNIFORMS] = {0.4f, 0.5f, 2.0f, 0.01f};
  for (int s = 0; s < N_POINT_SLOTS; s++) {
    in[s] = in_storage + (size_t)s * N_POINTS * elem;
    for (int i = 0; i < N_POINTS; i++) {
      double v = (double)((i * 7919 + s * 104729) % 1000) / 1000.0;
      if (type == PRP_ELEM_F64)
        ((double *)in[s])[i] = v;
      else
        ((float *)in[s])[i] = (float)v;
    }
  }
  for (int o = 0; o < N_OUTPUTS; o++)
    out[o] = out_storage + (size_t)o * N_POINTS * elem;
  long calls = 0;
  double start = now(), elapsed;
  do {
    for (int k = 0; k < 50; k++, calls++)
      if (type == PRP_ELEM_F64)
        ((prp_kernel_f64)kernel)(N_POINTS, (const double *const *)in, uniforms64, (double *const *)out);
      else
        ((prp_kernel_f32)kernel)(N_POINTS, (const float *const *)in, uniforms32, (float *const *)out);
    elapsed = now() - start;
  } while (elapsed < 0.3);
  free(in_storage);
  free(out_storage);
  return (double)calls * N_POINTS / elapsed;
}

/* The interpreter's rate on the same kernel, for scale. */
static double interpreter_throughput(const prp_kernel_spec *spec) {
  double coord[3] = {0.3, 0.6, 0.2}, jet[2] = {0.1, -0.4}, unknown[3] = {0.4, 0.5, 2.0}, scalar[1] = {0.01};
  prp_env env = {.coord = coord, .n_coord = 3, .jet = jet, .n_jet = 2, .unknown = unknown,
                 .n_unknown = 3, .scalar = scalar, .n_scalar = 1};
  double out[N_OUTPUTS], sink = 0.0;
  long points = 0;
  double start = now(), elapsed;
  do {
    for (int k = 0; k < 1000; k++, points++) {
      coord[0] = (double)k / 1000.0;
      prp_eval_n(spec->dag, spec->outputs, spec->n_outputs, &env, out);
      sink += out[0];
    }
    elapsed = now() - start;
  } while (elapsed < 0.2);
  if (sink == 12345.678)
    printf("%g\n", sink);
  return (double)points / elapsed;
}

/* Compile with an on-disk cache (miss, stores), then load in a new session (hit). */
static void disk_cache_times(const prp_kernel_spec *spec) {
  char dir[] = "/tmp/prp_bench_cache_XXXXXX", err[256];
  if (!mkdtemp(dir))
    return;
  double times[2];
  for (int pass = 0; pass < 2; pass++) {
    prp_jit *jit = prp_jit_create();
    prp_jit_set_disk_cache(jit, dir);
    double start = now();
    void *kernel = prp_codegen_jit(jit, spec, err, sizeof err);
    times[pass] = now() - start;
    if (!kernel)
      fprintf(stderr, "bench_jit: %s\n", err);
    if (pass == 1) {
      char *key = prp_codegen_key(jit, spec);
      char path[256];
      snprintf(path, sizeof path, "%s/%016llx.prpo", dir, (unsigned long long)prp_jit_hash(key));
      remove(path);
      free(key);
    }
    prp_jit_destroy(jit);
  }
  rmdir(dir);
  printf("  f64: with disk cache: compile + store %8.1f ms, load in a new session %.1f ms\n",
         1e3 * times[0], 1e3 * times[1]);
}

int main(void) {
  double t0 = now();
  prp_jit *jit = prp_jit_create();
  if (!jit) {
    fprintf(stderr, "bench_jit: %s\n", prp_jit_create_error());
    return 1;
  }
  double t_create = now() - t0;
  prp_dag *dag = prp_dag_new();
  prp_node outputs[N_OUTPUTS];
  prp_kernel_spec spec = plume_residual(dag, outputs);
  printf("bench_jit: plume residual + 5 derivatives + tanh, %u DAG nodes, cpu %s, %d-bit vectors\n",
         prp_dag_size(dag), prp_jit_cpu_name(jit), prp_jit_vector_bits(jit));
  printf("  JIT session creation              %8.1f ms\n", 1e3 * t_create);
  char err[256];
  for (int t = 0; t < 2; t++) {
    spec.type = t ? PRP_ELEM_F32 : PRP_ELEM_F64;
    const char *tn = t ? "f32" : "f64";
    double start = now();
    void *kernel = prp_codegen_jit(jit, &spec, err, sizeof err);
    double t_jit = now() - start;
    if (!kernel) {
      fprintf(stderr, "bench_jit: %s\n", err);
      return 1;
    }
    start = now();
    void *again = prp_codegen_jit(jit, &spec, err, sizeof err);
    double t_hit = now() - start;
    printf("  %s: JIT compile (codegen + O3 + machine code) %8.1f ms, cache hit %.3f ms%s\n", tn,
           1e3 * t_jit, 1e3 * t_hit, again == kernel ? "" : " (MISS?)");
    printf("  %s: throughput %10.3g points/s (%d points per call, %d outputs)\n", tn,
           throughput(kernel, spec.type), N_POINTS, N_OUTPUTS);
  }
  spec.type = PRP_ELEM_F64;
  double start = now();
  FILE *sink = fopen("/dev/null", "w");
  int status = prp_codegen_emit_asm(jit, &spec, 1, sink, err, sizeof err);
  fclose(sink);
  printf("  f64: emit assembly (codegen + O3 + asm)  %8.1f ms%s\n", 1e3 * (now() - start), status ? " FAILED" : "");
  printf("  reference interpreter: %10.3g points/s\n", interpreter_throughput(&spec));
  disk_cache_times(&spec);
  bench_examples();
  prp_dag_free(dag);
  prp_jit_destroy(jit);
  return 0;
}
