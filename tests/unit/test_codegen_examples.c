/* Tests of compiler/llvm/codegen.c on the examples: for every loss term of every
 * example in examples/ (relaxed and vanilla), the JIT kernel of the residual and its
 * partial derivatives agrees with the reference interpreter, in f64 and f32. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "codegen.h"
#include "parse.h"
#include "residual.h"
#include "rng.h"

enum { N_POINTS = 77, MAX_SLOTS = 64 };

static ast_program *load_example(const char *path) {
  prp_diag d;
  prp_diag_init(&d, stderr, 0);
  ast_program *prog = prp_parse_file(path, &d);
  assert_non_null(prog);
  assert_int_equal(d.errors, 0);
  assert_int_equal(prp_check(prog, &d), 0);
  return prog;
}

/* Inputs of one batch, as doubles and as floats of the same values when
 * as_float (so the interpreter sees exactly what the f32 kernel sees). */
typedef struct inputs {
  double point[MAX_SLOTS][N_POINTS];
  float point_f[MAX_SLOTS][N_POINTS];
  double uniform[MAX_SLOTS];
  float uniform_f[MAX_SLOTS];
} inputs;

static double draw(prp_rng *rng, double lo, double hi, bool as_float) {
  double v = lo + (hi - lo) * prp_rng_uniform(rng);
  return as_float ? (double)(float)v : v;
}

/* Coordinates in the unit box, jets and point data in [-1, 1], unknowns and
 * schedule scalars (widths, strengths) in [0.05, 1]. */
static void fill(inputs *in, const prp_kernel_layout *l, prp_rng *rng, bool as_float) {
  long n_point = (long)l->n_coord + l->n_jet + l->n_pointdata;
  for (long s = 0; s < n_point; s++)
    for (int i = 0; i < N_POINTS; i++) {
      double v = s < l->n_coord ? draw(rng, 0, 1, as_float) : draw(rng, -1, 1, as_float);
      in->point[s][i] = v;
      in->point_f[s][i] = (float)v;
    }
  for (long s = 0; s < (long)l->n_unknown + l->n_scalar; s++) {
    in->uniform[s] = draw(rng, 0.05, 1, as_float);
    in->uniform_f[s] = (float)in->uniform[s];
  }
}

/* Largest |value| over the nodes the output reaches at one point: the scale of
 * the rounding errors of the evaluation. */
static double scale_at(const prp_dag *dag, const prp_node *outputs, size_t n, const prp_env *env) {
  uint32_t size = prp_dag_size(dag);
  bool *mark = calloc(size, sizeof *mark);
  prp_node *roots = malloc(size * sizeof *roots);
  double *values = malloc(size * sizeof *values);
  prp_dag_mark_reachable(dag, outputs, n, mark);
  size_t k = 0;
  for (prp_node id = 0; id < size; id++)
    if (mark[id])
      roots[k++] = id;
  prp_eval_n(dag, roots, k, env, values);
  double scale = 0;
  for (size_t i = 0; i < k; i++)
    if (isfinite(values[i]) && fabs(values[i]) > scale)
      scale = fabs(values[i]);
  free(values);
  free(roots);
  free(mark);
  return scale;
}

static double check_kernel(prp_jit *jit, const prp_kernel_spec *plan_spec, prp_elem_type type, prp_rng *rng) {
  prp_kernel_spec spec = *plan_spec;
  spec.type = type;
  const prp_node *outputs = spec.outputs;
  size_t n_out = spec.n_outputs;
  const prp_dag *dag = spec.dag;
  assert_true(spec.layout.n_coord + spec.layout.n_jet + spec.layout.n_pointdata <= MAX_SLOTS);
  char err[512];
  void *kernel = prp_codegen_jit(jit, &spec, err, sizeof err);
  if (!kernel)
    fail_msg("%s", err);
  inputs *in = malloc(sizeof *in);
  fill(in, &spec.layout, rng, type == PRP_ELEM_F32);
  const void *point_ptr[MAX_SLOTS];
  void *out_ptr[1 + PRP_JET_SET_MAX + MAX_SLOTS];
  double (*got)[N_POINTS] = malloc(n_out * sizeof *got);
  float (*got_f)[N_POINTS] = malloc(n_out * sizeof *got_f);
  for (int s = 0; s < MAX_SLOTS; s++)
    point_ptr[s] = type == PRP_ELEM_F64 ? (const void *)in->point[s] : (const void *)in->point_f[s];
  for (size_t o = 0; o < n_out; o++)
    out_ptr[o] = type == PRP_ELEM_F64 ? (void *)got[o] : (void *)got_f[o];
  if (type == PRP_ELEM_F64)
    ((prp_kernel_f64)kernel)(N_POINTS, (const double *const *)point_ptr, in->uniform, (double *const *)out_ptr);
  else
    ((prp_kernel_f32)kernel)(N_POINTS, (const float *const *)point_ptr, in->uniform_f, (float *const *)out_ptr);

  const prp_kernel_layout *l = &spec.layout;
  double tol = type == PRP_ELEM_F64 ? 1e-12 : 1e-5, worst = 0;
  for (int i = 0; i < N_POINTS; i++) {
    double coord[PRP_MAX_INPUTS], jet[MAX_SLOTS], pd[PRP_POINT_COUNT];
    for (uint32_t s = 0; s < l->n_coord; s++)
      coord[s] = in->point[s][i];
    for (uint32_t s = 0; s < l->n_jet; s++)
      jet[s] = in->point[l->n_coord + s][i];
    for (uint32_t s = 0; s < l->n_pointdata; s++)
      pd[s] = in->point[l->n_coord + l->n_jet + s][i];
    prp_env env = {.coord = coord, .n_coord = l->n_coord, .jet = jet, .n_jet = l->n_jet,
                   .pointdata = pd, .n_pointdata = l->n_pointdata, .unknown = in->uniform,
                   .n_unknown = l->n_unknown, .scalar = in->uniform + l->n_unknown, .n_scalar = l->n_scalar};
    double ref[1 + PRP_JET_SET_MAX + MAX_SLOTS];
    prp_eval_n(dag, outputs, n_out, &env, ref);
    for (size_t o = 0; o < n_out; o++) {
      double scale = scale_at(dag, &outputs[o], 1, &env);
      double g = type == PRP_ELEM_F64 ? got[o][i] : (double)got_f[o][i];
      double err_rel = fabs(g - ref[o]) / (scale + 1e-300);
      if (!(err_rel <= tol))
        fail_msg("output %zu at point %d: kernel %.17g, interpreter %.17g (scale %g)", o, i, g, ref[o], scale);
      if (err_rel > worst)
        worst = err_rel;
    }
  }
  free(got);
  free(got_f);
  free(in);
  return worst;
}

/* The plan's kernels as IR text name every kernel of the plan. */
static void check_plan_ir(prp_jit *jit, const prp_kernel_plan *plan) {
  char *text = NULL, err[256];
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  assert_int_equal(prp_codegen_emit_ir(jit, plan->specs, plan->n, out, err, sizeof err), 0);
  fclose(out);
  for (size_t k = 0; k < plan->n; k++) {
    char define[96];
    snprintf(define, sizeof define, "@%s(", plan->specs[k].name);
    assert_non_null(strstr(text, define));
  }
  free(text);
}

static void check_example(const char *path, prp_jit *jit, prp_rng *rng) {
  ast_program *prog = load_example(path);
  for (int relax = 0; relax <= 1; relax++) {
    prp_residuals r;
    prp_residuals_build(prog, relax, &r);
    prp_kernel_plan plan;
    prp_kernel_plan_build(&r, PRP_ELEM_F64, &plan);
    assert_true(plan.n >= 1);
    assert_int_equal(plan.term[0], 0); /* the PDE */
    assert_true(plan.specs[0].n_outputs == 1 + (size_t)r.terms[0].jets.n + (size_t)r.nunknowns);
    double worst[2] = {0, 0};
    for (size_t k = 0; k < plan.n; k++)
      for (int type = 0; type < 2; type++) {
        double w = check_kernel(jit, &plan.specs[k], type ? PRP_ELEM_F32 : PRP_ELEM_F64, rng);
        worst[type] = w > worst[type] ? w : worst[type];
      }
    check_plan_ir(jit, &plan);
    printf("  %s%s: %zu kernels for %d terms, worst error / scale f64 %.2g, f32 %.2g\n",
           strrchr(path, '/') + 1, relax ? " (relaxed)" : "", plan.n, r.nterms, worst[0], worst[1]);
    prp_kernel_plan_free(&plan);
    prp_residuals_free(&r);
  }
  ast_program_free(prog);
}

static void test_examples(void **state) {
  (void)state;
  char dir_path[512];
  snprintf(dir_path, sizeof dir_path, "%s/examples", PRP_SOURCE_DIR);
  DIR *dir = opendir(dir_path);
  assert_non_null(dir);
  prp_jit *jit = prp_jit_create();
  assert_non_null(jit);
  prp_rng rng;
  prp_rng_seed(&rng, 31337);
  int n_examples = 0;
  for (struct dirent *e; (e = readdir(dir));) {
    size_t len = strlen(e->d_name);
    if (len < 5 || strcmp(e->d_name + len - 4, ".prp") != 0)
      continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
    check_example(path, jit, &rng);
    n_examples++;
  }
  closedir(dir);
  prp_jit_destroy(jit);
  assert_true(n_examples >= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_examples),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
