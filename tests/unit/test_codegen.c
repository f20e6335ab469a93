/* Unit tests of compiler/llvm/codegen.c: JIT kernels agree with the reference
 * interpreter (prp_eval_n) on random expressions and batches, in f64 and f32;
 * shared subexpressions are computed once; object code gives the JIT's numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen.h"
#include "rng.h"

/* ---- variables: 2 coords, 2 jets, 1 point datum, 2 unknowns, 1 scalar ------ */

enum { V_X, V_Y, V_U, V_UXX, V_W, V_P, V_Q, V_EPS, N_VARS };
enum { N_POINT_SLOTS = 5, N_UNIFORM_SLOTS = 3 };
static const prp_kernel_layout layout = {.n_coord = 2, .n_jet = 2, .n_pointdata = 1, .n_unknown = 2, .n_scalar = 1};

typedef struct vars {
  prp_node node[N_VARS];
} vars;

static vars make_vars(prp_dag *dag) {
  vars v;
  prp_jet u = {0}, uxx = {0};
  uxx.order[0] = 2;
  v.node[V_X] = prp_var(dag, PRP_VAR_COORD, 0, "x");
  v.node[V_Y] = prp_var(dag, PRP_VAR_COORD, 1, "y");
  v.node[V_U] = prp_jet_var(dag, &u, "u");
  v.node[V_UXX] = prp_jet_var(dag, &uxx, "u_xx");
  v.node[V_W] = prp_var(dag, PRP_VAR_POINTDATA, 0, "w");
  v.node[V_P] = prp_var(dag, PRP_VAR_UNKNOWN, 0, "p");
  v.node[V_Q] = prp_var(dag, PRP_VAR_UNKNOWN, 1, "q");
  v.node[V_EPS] = prp_var(dag, PRP_VAR_SCALAR, 0, "eps");
  return v;
}

/* ---- random expressions, every operator, arguments inside their domains ------ */

typedef struct gen {
  prp_dag *dag;
  vars v;
  prp_rng rng;
} gen;

static int pick(gen *g, int n) { return (int)prp_rng_below(&g->rng, (uint64_t)n); }
static double uniform(gen *g, double lo, double hi) { return lo + (hi - lo) * prp_rng_uniform(&g->rng); }

static prp_node expr(gen *g, int depth);

static prp_node leaf(gen *g) {
  if (pick(g, 10) < 7)
    return g->v.node[pick(g, N_VARS)];
  return prp_const(g->dag, round(uniform(g, -3, 3) * 8) / 8);
}

static prp_node bounded(gen *g, int depth) { /* in [-1, 1] */
  static const prp_kind kinds[] = {PRP_SIN, PRP_COS, PRP_TANH};
  return prp_unary(g->dag, kinds[pick(g, 3)], expr(g, depth));
}

static prp_node positive(gen *g, int depth) { /* >= 0.5 */
  prp_dag *d = g->dag;
  prp_node e = expr(g, depth);
  switch (pick(g, 3)) {
  case 0: return prp_add(d, prp_const(d, 1.5), prp_sin(d, e));
  case 1: return prp_add(d, prp_const(d, 1.0), prp_powc(d, e, 2.0));
  default: return prp_exp(d, prp_tanh(d, e));
  }
}

static prp_node expr(gen *g, int depth) {
  static const double fractional[] = {-1.0, -2.0, 0.5, -0.5, 1.5, 3.0, 0.3};
  prp_dag *d = g->dag;
  if (depth == 0 || pick(g, 5) == 0)
    return leaf(g);
  int k = depth - 1;
  switch (pick(g, 16)) {
  case 0: return prp_add(d, expr(g, k), expr(g, k));
  case 1: return prp_sub(d, expr(g, k), expr(g, k));
  case 2: return prp_mul(d, expr(g, k), expr(g, k));
  case 3: return prp_div(d, expr(g, k), positive(g, k));
  case 4: return prp_powc(d, expr(g, k), pick(g, 2) ? 2.0 : 3.0);
  case 5: return prp_powc(d, positive(g, k), fractional[pick(g, 7)]);
  case 6: return prp_pow(d, positive(g, k), bounded(g, k));
  case 7: return prp_exp(d, bounded(g, k));
  case 8: return prp_log(d, positive(g, k));
  case 9: return prp_sin(d, expr(g, k));
  case 10: return prp_cos(d, expr(g, k));
  case 11: return prp_tanh(d, expr(g, k));
  case 12: return prp_sqrt(d, positive(g, k));
  case 13: return pick(g, 2) ? prp_abs(d, expr(g, k)) : prp_sign(d, expr(g, k));
  case 14: return prp_min(d, expr(g, k), expr(g, k));
  default: return prp_max(d, expr(g, k), expr(g, k));
  }
}

/* ---- batches ------------------------------------------------------------------- */

enum { MAX_POINTS = 300, MAX_OUTPUTS = 8, CANARY = 2 };

typedef struct batch {
  int64_t n;
  double point[N_POINT_SLOTS][MAX_POINTS]; /* values as doubles (floats for f32 batches) */
  double uniform[N_UNIFORM_SLOTS];
  float point_f[N_POINT_SLOTS][MAX_POINTS];
  float uniform_f[N_UNIFORM_SLOTS];
} batch;

static void fill_batch(batch *bt, prp_rng *rng, int64_t n, bool as_float) {
  bt->n = n;
  for (int s = 0; s < N_POINT_SLOTS; s++)
    for (int i = 0; i < MAX_POINTS; i++) {
      double v = -1.5 + 3.0 * prp_rng_uniform(rng);
      bt->point_f[s][i] = (float)v;
      bt->point[s][i] = as_float ? (double)(float)v : v;
    }
  for (int s = 0; s < N_UNIFORM_SLOTS; s++) {
    double v = -1.5 + 3.0 * prp_rng_uniform(rng);
    bt->uniform_f[s] = (float)v;
    bt->uniform[s] = as_float ? (double)(float)v : v;
  }
}

static prp_env env_at(const batch *bt, int i, double *coord, double *jet, double *pd) {
  coord[0] = bt->point[0][i];
  coord[1] = bt->point[1][i];
  jet[0] = bt->point[2][i];
  jet[1] = bt->point[3][i];
  pd[0] = bt->point[4][i];
  return (prp_env){.coord = coord, .n_coord = 2, .jet = jet, .n_jet = 2, .pointdata = pd,
                   .n_pointdata = 1, .unknown = bt->uniform, .n_unknown = 2,
                   .scalar = &bt->uniform[2], .n_scalar = 1};
}

/* Runs the kernel of spec on the batch; out[o][i] as doubles. NULL arrays
 * when n == 0 check that nothing is read; canaries that nothing else is written. */
static void run_kernel(void *fn, prp_elem_type type, size_t n_outputs, const batch *bt,
                       double out[][MAX_POINTS + CANARY]) {
  const double *in64[N_POINT_SLOTS];
  const float *in32[N_POINT_SLOTS];
  double *out64[MAX_OUTPUTS];
  float *out32[MAX_OUTPUTS];
  static float out_f[MAX_OUTPUTS][MAX_POINTS + CANARY];
  for (int s = 0; s < N_POINT_SLOTS; s++) {
    in64[s] = bt->point[s];
    in32[s] = bt->point_f[s];
  }
  for (size_t o = 0; o < n_outputs; o++) {
    for (int i = 0; i < MAX_POINTS + CANARY; i++) {
      out[o][i] = -12345.0;
      out_f[o][i] = -12345.0f;
    }
    out64[o] = out[o];
    out32[o] = out_f[o];
  }
  if (type == PRP_ELEM_F64) {
    if (bt->n == 0)
      ((prp_kernel_f64)fn)(0, NULL, NULL, NULL);
    else
      ((prp_kernel_f64)fn)(bt->n, in64, bt->uniform, out64);
  } else {
    if (bt->n == 0)
      ((prp_kernel_f32)fn)(0, NULL, NULL, NULL);
    else
      ((prp_kernel_f32)fn)(bt->n, in32, bt->uniform_f, out32);
    for (size_t o = 0; o < n_outputs; o++)
      for (int i = 0; i < MAX_POINTS + CANARY; i++)
        out[o][i] = out_f[o][i];
  }
  for (size_t o = 0; o < n_outputs; o++)
    for (int i = (int)bt->n; i < MAX_POINTS + CANARY; i++)
      assert_true(out[o][i] == -12345.0);
}

/* ---- comparison with the interpreter --------------------------------------------- */

/* Largest |value| of the nodes reachable from f, and whether a SIGN, MIN or MAX
 * there is within `near` (relative to that scale) of its discontinuity. */
static double node_scale(const prp_dag *dag, prp_node f, const prp_env *env, double near, bool *at_kink) {
  uint32_t size = prp_dag_size(dag);
  bool *mark = calloc(size, sizeof *mark);
  prp_dag_mark_reachable(dag, &f, 1, mark);
  prp_node *roots = malloc(size * sizeof *roots);
  double *values = malloc(size * sizeof *values);
  size_t n = 0;
  for (prp_node id = 0; id < size; id++)
    if (mark[id])
      roots[n++] = id;
  prp_eval_n(dag, roots, n, env, values);
  double scale = 0.0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(values[i]) && fabs(values[i]) > scale)
      scale = fabs(values[i]);
  *at_kink = false;
  for (size_t i = 0; i < n; i++) {
    prp_kind kind = prp_node_kind(dag, roots[i]);
    if (kind != PRP_SIGN && kind != PRP_MIN && kind != PRP_MAX && kind != PRP_ABS)
      continue;
    double a = prp_eval(dag, prp_node_operand(dag, roots[i], 0), env);
    double gap = kind == PRP_SIGN || kind == PRP_ABS ? a : a - prp_eval(dag, prp_node_operand(dag, roots[i], 1), env);
    if (fabs(gap) <= near * (scale + 1.0))
      *at_kink = true;
  }
  free(values);
  free(roots);
  free(mark);
  return scale;
}

typedef struct agreement {
  long points, skipped_at_kinks;
  double worst; /* max |got - ref| / (scale + tiny) */
} agreement;

static void compare(const prp_dag *dag, const prp_node *outputs, size_t n_outputs, const batch *bt,
                    double got[][MAX_POINTS + CANARY], double tol, agreement *ag) {
  double coord[2], jet[2], pd[1];
  for (int i = 0; i < bt->n; i++) {
    prp_env env = env_at(bt, i, coord, jet, pd);
    for (size_t o = 0; o < n_outputs; o++) {
      double ref = prp_eval(dag, outputs[o], &env);
      bool at_kink;
      double scale = node_scale(dag, outputs[o], &env, tol, &at_kink);
      ag->points++;
      if (at_kink) {
        ag->skipped_at_kinks++;
        continue;
      }
      double g = got[o][i];
      if (isnan(ref) || isinf(ref)) {
        if (!(isnan(ref) ? isnan(g) : g == ref))
          fail_msg("output %zu point %d: got %.17g, interpreter %.17g", o, i, g, ref);
        continue;
      }
      double err = fabs(g - ref) / (scale + 1e-300);
      if (err > ag->worst)
        ag->worst = err;
      if (!(err <= tol)) {
        char *text = prp_expr_to_string(dag, outputs[o]);
        fail_msg("output %zu point %d: got %.17g, interpreter %.17g (scale %g) for %s", o, i, g, ref,
                 scale, text);
        free(text);
      }
    }
  }
}

/* A random kernel: f and its derivatives by x, u_xx and p (shared subexpressions). */
static size_t random_outputs(gen *g, prp_node *outputs) {
  prp_node f = expr(g, 4);
  outputs[0] = f;
  outputs[1] = prp_diff(g->dag, f, g->v.node[V_X]);
  outputs[2] = prp_diff(g->dag, f, g->v.node[V_UXX]);
  outputs[3] = prp_diff(g->dag, f, g->v.node[V_P]);
  return 4;
}

static const int64_t batch_sizes[] = {0, 1, 7, 16, 17, 33, 100, 257, MAX_POINTS};
#define N_BATCH_SIZES (sizeof batch_sizes / sizeof batch_sizes[0])

static void check_random_kernels(prp_elem_type type, double tol, int n_expressions) {
  prp_jit *jit = prp_jit_create();
  assert_non_null(jit);
  gen g = {.dag = prp_dag_new()};
  g.v = make_vars(g.dag);
  prp_rng_seed(&g.rng, type == PRP_ELEM_F64 ? 1234 : 4321);
  batch *bt = malloc(sizeof *bt);
  static double got[MAX_OUTPUTS][MAX_POINTS + CANARY];
  agreement ag = {0};
  char err[512];
  for (int e = 0; e < n_expressions; e++) {
    prp_node outputs[MAX_OUTPUTS];
    size_t n_outputs = random_outputs(&g, outputs);
    char name[32];
    snprintf(name, sizeof name, "random%d", e);
    prp_kernel_spec spec = {.name = name, .dag = g.dag, .outputs = outputs, .n_outputs = n_outputs,
                            .layout = layout, .type = type};
    void *fn = prp_codegen_jit(jit, &spec, err, sizeof err);
    if (!fn)
      fail_msg("%s", err);
    fill_batch(bt, &g.rng, batch_sizes[e % N_BATCH_SIZES], type == PRP_ELEM_F32);
    run_kernel(fn, type, n_outputs, bt, got);
    compare(g.dag, outputs, n_outputs, bt, got, tol, &ag);
  }
  printf("  %s: %d kernels, %ld point values, %ld skipped at kinks, worst error / scale %.3g (bound %g)\n",
         type == PRP_ELEM_F64 ? "f64" : "f32", n_expressions, ag.points, ag.skipped_at_kinks, ag.worst, tol);
  assert_true(ag.skipped_at_kinks * 100 <= ag.points); /* kinks are rare */
  free(bt);
  prp_dag_free(g.dag);
  prp_jit_destroy(jit);
}

static void test_random_kernels_f64(void **state) {
  (void)state;
  check_random_kernels(PRP_ELEM_F64, 1e-12, 45);
}

static void test_random_kernels_f32(void **state) {
  (void)state;
  check_random_kernels(PRP_ELEM_F32, 1e-5, 45);
}

/* ---- a residual like the plume's: r = u_t - D lap u - q exp(-|x - s|^2 / 2 sigma^2) ---- */

typedef struct residual {
  prp_dag *dag;
  prp_node outputs[MAX_OUTPUTS];
  size_t n_outputs;
} residual;

static residual make_residual(void) {
  residual r = {.dag = prp_dag_new()};
  prp_dag *d = r.dag;
  vars v = make_vars(d);
  /* reuse the slots: u plays u_t, u_xx the Laplacian, p and q the source position, w unused */
  prp_node dx = prp_sub(d, v.node[V_X], v.node[V_P]);
  prp_node dy = prp_sub(d, v.node[V_Y], v.node[V_Q]);
  prp_node dist2 = prp_add(d, prp_powc(d, dx, 2), prp_powc(d, dy, 2));
  prp_node source = prp_mul(d, prp_const(d, 2.0), prp_exp(d, prp_div(d, prp_neg(d, dist2), prp_const(d, 2 * 0.02 * 0.02))));
  prp_node diffusion = prp_mul(d, prp_add(d, prp_const(d, 0.002), v.node[V_EPS]), v.node[V_UXX]);
  prp_node res = prp_sub(d, prp_sub(d, v.node[V_U], diffusion), source);
  r.outputs[0] = res;
  r.outputs[1] = prp_diff(d, res, v.node[V_U]);
  r.outputs[2] = prp_diff(d, res, v.node[V_UXX]);
  r.outputs[3] = prp_diff(d, res, v.node[V_P]);
  r.outputs[4] = prp_diff(d, res, v.node[V_Q]);
  r.outputs[5] = prp_tanh(d, res); /* a transcendental the vectorizer must not scalarize */
  r.n_outputs = 6;
  return r;
}

static int count(const char *haystack, const char *needle) {
  int n = 0;
  for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

static void test_shared_subexpressions_once(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  residual r = make_residual();
  prp_kernel_spec spec = {.name = "residual", .dag = r.dag, .outputs = r.outputs,
                          .n_outputs = r.n_outputs, .layout = layout, .type = PRP_ELEM_F64};
  char err[256];
  LLVMModuleRef m = prp_codegen_module(jit, &spec, 1, err, sizeof err);
  assert_non_null(m);
  char *body = LLVMPrintValueToString(LLVMGetNamedFunction(m, "residual.body"));
  /* exp(-|x - s|^2 / 2 sigma^2) occurs in r and both position derivatives */
  assert_int_equal(count(body, "call double @prp.vm.exp.f64("), 1);
  assert_int_equal(count(body, "call double @prp.vm.tanh.f64("), 1);
  LLVMDisposeMessage(body);
  LLVMDisposeModule(m);
  prp_dag_free(r.dag);
  prp_jit_destroy(jit);
}

static void test_residual_assembly_is_wide_and_call_free(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  residual r = make_residual();
  char err[256];
  for (int t = 0; t < 2; t++) {
    prp_kernel_spec spec = {.name = "residual", .dag = r.dag, .outputs = r.outputs,
                            .n_outputs = r.n_outputs, .layout = layout,
                            .type = t ? PRP_ELEM_F32 : PRP_ELEM_F64};
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_int_equal(prp_codegen_emit_asm(jit, &spec, 1, out, err, sizeof err), 0);
    fclose(out);
    assert_non_null(strstr(text, "residual:"));
    if (prp_jit_vector_bits(jit) == 512)
      assert_non_null(strstr(text, "%zmm"));
    assert_null(strstr(text, "\tcall"));
    assert_null(strstr(text, "tanh"));
    assert_null(strstr(text, "exp@"));
    free(text);
    text = NULL;
    out = open_memstream(&text, &size);
    assert_int_equal(prp_codegen_emit_ir(jit, &spec, 1, out, err, sizeof err), 0);
    fclose(out);
    assert_non_null(strstr(text, t ? "<16 x float>" : "<8 x double>"));
    free(text);
  }
  prp_dag_free(r.dag);
  prp_jit_destroy(jit);
}

static void test_residual_values(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  residual r = make_residual();
  char err[256];
  prp_kernel_spec spec = {.name = "residual", .dag = r.dag, .outputs = r.outputs,
                          .n_outputs = r.n_outputs, .layout = layout, .type = PRP_ELEM_F64};
  void *fn = prp_codegen_jit(jit, &spec, err, sizeof err);
  assert_non_null(fn);
  batch *bt = malloc(sizeof *bt);
  prp_rng rng;
  prp_rng_seed(&rng, 99);
  static double got[MAX_OUTPUTS][MAX_POINTS + CANARY];
  agreement ag = {0};
  fill_batch(bt, &rng, MAX_POINTS, false);
  /* sources near the points, so the Gaussian is not just 0 */
  bt->uniform[0] = bt->point[0][5];
  bt->uniform[1] = bt->point[1][5];
  run_kernel(fn, PRP_ELEM_F64, r.n_outputs, bt, got);
  compare(r.dag, r.outputs, r.n_outputs, bt, got, 1e-12, &ag);
  assert_true(ag.points == MAX_POINTS * (long)r.n_outputs);
  free(bt);
  prp_dag_free(r.dag);
  prp_jit_destroy(jit);
}

/* ---- cache, errors, object code ------------------------------------------------------ */

static void test_cache_and_redefinition(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  prp_dag *d = prp_dag_new();
  vars v = make_vars(d);
  prp_node f = prp_mul(d, v.node[V_X], v.node[V_P]);
  prp_node g = prp_add(d, v.node[V_X], v.node[V_P]);
  char err[256];
  prp_kernel_spec spec = {.name = "k", .dag = d, .outputs = &f, .n_outputs = 1, .layout = layout};
  prp_kernel_f64 k1 = (prp_kernel_f64)prp_codegen_jit(jit, &spec, err, sizeof err);
  prp_kernel_f64 k2 = (prp_kernel_f64)prp_codegen_jit(jit, &spec, err, sizeof err);
  assert_non_null(k1);
  assert_ptr_equal(k1, k2);
  spec.name = "other_name_same_code";
  assert_ptr_equal(prp_codegen_jit(jit, &spec, err, sizeof err), k1);
  long hits, misses;
  prp_jit_cache_stats(jit, &hits, &misses);
  assert_int_equal(hits, 2);
  assert_int_equal(misses, 1);
  /* a redefinition under the same name: new code, the old one still works */
  spec.name = "k";
  spec.outputs = &g;
  prp_kernel_f64 k3 = (prp_kernel_f64)prp_codegen_jit(jit, &spec, err, sizeof err);
  assert_non_null(k3);
  assert_ptr_not_equal(k1, k3);
  double x[2] = {3, 4}, unknowns[3] = {2, 0, 0}, out[2];
  const double *in[N_POINT_SLOTS] = {x};
  double *outs[1] = {out};
  k1(2, in, unknowns, outs);
  assert_true(out[0] == 6 && out[1] == 8);
  k3(2, in, unknowns, outs);
  assert_true(out[0] == 5 && out[1] == 6);
  prp_dag_free(d);
  prp_jit_destroy(jit);
}

static void test_layout_errors(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  prp_dag *d = prp_dag_new();
  prp_node far = prp_var(d, PRP_VAR_SCALAR, 5, "lambda");
  prp_node f = prp_exp(d, far);
  char err[256] = "";
  prp_kernel_spec spec = {.name = "bad", .dag = d, .outputs = &f, .n_outputs = 1, .layout = layout};
  assert_int_equal(prp_codegen_check(&spec, err, sizeof err), -1);
  assert_non_null(strstr(err, "lambda"));
  assert_null(prp_codegen_jit(jit, &spec, err, sizeof err));
  assert_int_equal(prp_codegen_emit_ir(jit, &spec, 1, stdout, err, sizeof err), -1);
  prp_node nonsense = prp_dag_size(d) + 10;
  spec.outputs = &nonsense;
  assert_int_equal(prp_codegen_check(&spec, err, sizeof err), -1);
  prp_dag_free(d);
  prp_jit_destroy(jit);
}

static unsigned read_mxcsr(void) {
  unsigned csr = 0;
#if defined(__x86_64__)
  __asm__ volatile("stmxcsr %0" : "=m"(csr));
#endif
  return csr;
}

/* Kernels flush subnormal results to zero unless asked not to, and leave the
 * caller's floating-point mode as it was. */
static void test_subnormals_flushed_and_mode_restored(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  prp_dag *d = prp_dag_new();
  vars v = make_vars(d);
  prp_node f = prp_mul(d, prp_const(d, 1e-30), v.node[V_X]);
  char err[256];
  prp_kernel_spec spec = {.name = "tiny", .dag = d, .outputs = &f, .n_outputs = 1, .layout = layout,
                          .type = PRP_ELEM_F32};
  prp_kernel_f32 flushing = (prp_kernel_f32)prp_codegen_jit(jit, &spec, err, sizeof err);
  spec.keep_subnormals = true;
  prp_kernel_f32 ieee = (prp_kernel_f32)prp_codegen_jit(jit, &spec, err, sizeof err);
  assert_non_null(flushing);
  assert_non_null(ieee);
  assert_ptr_not_equal(flushing, ieee);
  float x[1] = {1e-10f}, out[1];
  const float *in[N_POINT_SLOTS] = {x};
  float *outs[1] = {out};
  unsigned before = read_mxcsr();
  ieee(1, in, NULL, outs);
  assert_true(out[0] > 0.0f && out[0] < 1e-38f); /* subnormal */
  flushing(1, in, NULL, outs);
#if defined(__x86_64__)
  assert_true(out[0] == 0.0f);
#endif
  assert_int_equal(read_mxcsr(), before);
  prp_dag_free(d);
  prp_jit_destroy(jit);
}

static void run_residual_f64(void *kernel, const residual *r, double got[][MAX_POINTS + CANARY]) {
  batch *bt = malloc(sizeof *bt);
  prp_rng rng;
  prp_rng_seed(&rng, 5);
  fill_batch(bt, &rng, 50, false);
  run_kernel(kernel, PRP_ELEM_F64, r->n_outputs, bt, got);
  free(bt);
}

/* A second process (here: a second JIT session) finds the object on disk and
 * computes the same numbers; a file holding another key is not used. */
static void test_disk_cache(void **state) {
  (void)state;
  char dir[] = "/tmp/prp_cache_XXXXXX", cache[96], err[256];
  assert_non_null(mkdtemp(dir));
  snprintf(cache, sizeof cache, "%s/objects", dir); /* created on demand */
  residual r = make_residual();
  prp_kernel_spec spec = {.name = "residual", .dag = r.dag, .outputs = r.outputs,
                          .n_outputs = r.n_outputs, .layout = layout, .type = PRP_ELEM_F64};
  static double first[MAX_OUTPUTS][MAX_POINTS + CANARY], second[MAX_OUTPUTS][MAX_POINTS + CANARY];

  prp_jit *jit = prp_jit_create();
  prp_jit_set_disk_cache(jit, cache);
  void *k1 = prp_codegen_jit(jit, &spec, err, sizeof err);
  assert_non_null(k1);
  assert_int_equal(prp_jit_disk_cache_hits(jit), 0);
  run_residual_f64(k1, &r, first);
  char *key = prp_codegen_key(jit, &spec);
  char path[160];
  snprintf(path, sizeof path, "%s/%016llx.prpo", cache, (unsigned long long)prp_jit_hash(key));
  assert_int_equal(access(path, R_OK), 0);
  prp_jit_destroy(jit);

  jit = prp_jit_create();
  prp_jit_set_disk_cache(jit, cache);
  void *k2 = prp_codegen_jit(jit, &spec, err, sizeof err);
  assert_non_null(k2);
  assert_int_equal(prp_jit_disk_cache_hits(jit), 1);
  run_residual_f64(k2, &r, second);
  for (size_t o = 0; o < r.n_outputs; o++)
    assert_memory_equal(first[o], second[o], 50 * sizeof(double));
  prp_jit_destroy(jit);

  FILE *f = fopen(path, "wb"); /* same hash, other key: must be ignored */
  fputs("another key", f);
  fputc('\0', f);
  fputs("not an object", f);
  fclose(f);
  jit = prp_jit_create();
  prp_jit_set_disk_cache(jit, cache);
  void *k3 = prp_codegen_jit(jit, &spec, err, sizeof err);
  assert_non_null(k3);
  assert_int_equal(prp_jit_disk_cache_hits(jit), 0);
  run_residual_f64(k3, &r, second);
  for (size_t o = 0; o < r.n_outputs; o++)
    assert_memory_equal(first[o], second[o], 50 * sizeof(double));
  prp_jit_destroy(jit);

  free(key);
  remove(path);
  rmdir(cache);
  rmdir(dir);
  prp_dag_free(r.dag);
}

/* The emitted object, linked by cc into a shared library, computes exactly what
 * the JIT computes. */
static void test_object_code_matches_jit(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  gen g = {.dag = prp_dag_new()};
  g.v = make_vars(g.dag);
  prp_rng_seed(&g.rng, 777);
  enum { N_KERNELS = 6 };
  prp_node outputs[N_KERNELS][MAX_OUTPUTS];
  prp_kernel_spec specs[N_KERNELS];
  char names[N_KERNELS][16];
  for (int k = 0; k < N_KERNELS; k++) {
    snprintf(names[k], sizeof names[k], "obj%d", k);
    specs[k] = (prp_kernel_spec){.name = names[k], .dag = g.dag, .outputs = outputs[k],
                                 .n_outputs = random_outputs(&g, outputs[k]), .layout = layout,
                                 .type = k % 2 ? PRP_ELEM_F32 : PRP_ELEM_F64};
  }
  char dir[] = "/tmp/prp_codegen_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char obj[128], lib[128], cmd[1024], err[256];
  snprintf(obj, sizeof obj, "%s/kernels.o", dir);
  snprintf(lib, sizeof lib, "%s/kernels.so", dir);
  assert_int_equal(prp_codegen_emit_object(jit, specs, N_KERNELS, obj, err, sizeof err), 0);
  snprintf(cmd, sizeof cmd, "cc -shared -o %s %s", lib, obj);
  assert_int_equal(system(cmd), 0);
  void *handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    fail_msg("dlopen: %s", dlerror());
  batch *bt = malloc(sizeof *bt);
  static double from_jit[MAX_OUTPUTS][MAX_POINTS + CANARY], from_object[MAX_OUTPUTS][MAX_POINTS + CANARY];
  for (int k = 0; k < N_KERNELS; k++) {
    void *jitted = prp_codegen_jit(jit, &specs[k], err, sizeof err);
    void *linked = dlsym(handle, names[k]);
    assert_non_null(jitted);
    assert_non_null(linked);
    fill_batch(bt, &g.rng, 37 + k, specs[k].type == PRP_ELEM_F32);
    run_kernel(jitted, specs[k].type, specs[k].n_outputs, bt, from_jit);
    run_kernel(linked, specs[k].type, specs[k].n_outputs, bt, from_object);
    for (size_t o = 0; o < specs[k].n_outputs; o++)
      for (int i = 0; i < bt->n; i++)
        assert_memory_equal(&from_jit[o][i], &from_object[o][i], sizeof(double));
  }
  dlclose(handle);
  free(bt);
  remove(obj);
  remove(lib);
  rmdir(dir);
  prp_dag_free(g.dag);
  prp_jit_destroy(jit);
}

/* ---- the kernel key: by structure, not by creation order ------------------------------ */

/* eps * sin(x) + 2 * p + u, in a DAG whose nodes were made in the given order
 * (0: constants and variables first; 1: the reverse, with unrelated nodes between). */
static prp_node sample_kernel(prp_dag *d, int order) {
  vars v;
  if (order == 1) {
    prp_unary(d, PRP_COS, prp_const(d, 7.0));   /* not reachable: not in the key */
    prp_node p = prp_var(d, PRP_VAR_UNKNOWN, 0, "p"), two_p = prp_mul(d, prp_const(d, 2.0), p);
    prp_node eps = prp_var(d, PRP_VAR_SCALAR, 0, "eps");
    prp_node sin_x = prp_unary(d, PRP_SIN, prp_var(d, PRP_VAR_COORD, 0, "x"));
    v = make_vars(d);
    return prp_add(d, prp_add(d, prp_mul(d, eps, sin_x), two_p), v.node[V_U]);
  }
  v = make_vars(d);
  prp_node sin_x = prp_unary(d, PRP_SIN, v.node[V_X]), two_p = prp_mul(d, prp_const(d, 2.0), v.node[V_P]);
  return prp_add(d, v.node[V_U], prp_add(d, two_p, prp_mul(d, v.node[V_EPS], sin_x)));
}

static char *key_of(prp_jit *jit, prp_dag *d, prp_node f) {
  prp_kernel_spec spec = {.name = "k", .dag = d, .outputs = &f, .n_outputs = 1, .layout = layout};
  return prp_codegen_key(jit, &spec);
}

static void test_key_is_structural(void **state) {
  (void)state;
  prp_jit *jit = prp_jit_create();
  prp_dag *a = prp_dag_new(), *b = prp_dag_new(), *c = prp_dag_new();
  prp_node fa = sample_kernel(a, 0), fb = sample_kernel(b, 1);
  assert_int_not_equal(fa, fb);   /* the ids differ ... */
  char *ka = key_of(jit, a, fa), *kb = key_of(jit, b, fb);
  assert_string_equal(ka, kb);    /* ... the key does not */
  vars v = make_vars(c);          /* eps * cos(x) + 2 * p + u: another structure */
  prp_node other = prp_add(c, v.node[V_U], prp_add(c, prp_mul(c, prp_const(c, 2.0), v.node[V_P]),
                                                   prp_mul(c, v.node[V_EPS], prp_unary(c, PRP_COS, v.node[V_X]))));
  char *kc = key_of(jit, c, other), *kq = key_of(jit, c, prp_add(c, other, v.node[V_Q]));
  assert_string_not_equal(ka, kc);
  assert_string_not_equal(kc, kq);
  free(ka), free(kb), free(kc), free(kq);
  prp_dag_free(a), prp_dag_free(b), prp_dag_free(c);
  prp_jit_destroy(jit);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_kernels_f64),
      cmocka_unit_test(test_random_kernels_f32),
      cmocka_unit_test(test_shared_subexpressions_once),
      cmocka_unit_test(test_residual_assembly_is_wide_and_call_free),
      cmocka_unit_test(test_residual_values),
      cmocka_unit_test(test_cache_and_redefinition),
      cmocka_unit_test(test_layout_errors),
      cmocka_unit_test(test_subnormals_flushed_and_mode_restored),
      cmocka_unit_test(test_disk_cache),
      cmocka_unit_test(test_object_code_matches_jit),
      cmocka_unit_test(test_key_is_structural),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
