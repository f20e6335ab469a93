/* The REPL's plans: observations reused while what they depend on is unchanged,
 * and the residual kernels compiled into the JIT each under its own ORC
 * resource tracker, so that a redefinition recompiles only the kernels whose
 * code changed and removes the ones no plan uses any more. */
#include "repl_state.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "codegen.h"
#include "residual.h"

/* ---- observations ------------------------------------------------------------------ */

/* The text with the declarations that cannot change the observations blanked
 * out: relax, network, train, and the unknowns (a truth block must set each). */
static char *observation_key(const prp_repl *r, const ast_program *prog) {
  const prp_source *s = prog->main;
  char *key = prp_xmalloc(s->len + strlen(r->path ? r->path : "") + 2, 1);
  sprintf(key, "%s\n%s", r->path ? r->path : "", s->text);
  char *text = key + strlen(r->path ? r->path : "") + 1;
  for (int i = 0; i < prog->ndecls; i++) {
    const ast_decl *d = prog->decls[i];
    if (d->module || (d->kind != DECL_RELAX && d->kind != DECL_NETWORK && d->kind != DECL_TRAIN && d->kind != DECL_UNKNOWN))
      continue;
    for (int line = d->loc.line; line <= d->loc.end_line; line++) {
      size_t b = s->line_starts[line - 1];
      size_t e = line < s->nlines ? s->line_starts[line] : s->len;
      memset(text + b, ' ', e - b);
    }
  }
  return key;
}

static int observations(prp_repl *r, const ast_program *prog) {
  char *key = observation_key(r, prog);
  if (r->obs_key && strcmp(key, r->obs_key) == 0) {
    free(key);
    return 0;
  }
  size_t n = 0;
  double *x = NULL, *u = NULL;
  /* A truth simulation compiles its own kernels: in a JIT of its own, gone with it. */
  prp_jit *sim_jit = prog->problem.truth ? prp_jit_create() : NULL;
  if (prog->problem.truth && !sim_jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  int rc = prp_plan_observations(prog, sim_jit ? sim_jit : r->jit, &r->diag, &n, &x, &u);
  if (sim_jit) prp_jit_destroy(sim_jit);
  if (rc != 0) {
    free(key);
    return -1;
  }
  free(r->obs_key);
  free(r->obs_x);
  free(r->obs_u);
  r->obs_key = key;
  r->n_obs = n;
  r->obs_x = x;
  r->obs_u = u;
  return 0;
}

/* ---- kernels under resource trackers ------------------------------------------------- */

static repl_kernel *find_kernel(prp_repl *r, const char *key) {
  for (int i = 0; i < r->nkernels; i++)
    if (strcmp(r->kernels[i].key, key) == 0) return &r->kernels[i];
  return NULL;
}

/* Compiles one kernel into a module of its own and enters it in the JIT's
 * cache, where prp_plan_compile (through prp_codegen_jit) finds it. */
static void compile_kernel(prp_repl *r, const prp_kernel_spec *spec, char *key) {
  char symbol[64], err[512];
  /* a name never used before: the old kernel may still be in the JIT */
  snprintf(symbol, sizeof symbol, "prp_repl_kernel_%ld", ++r->kernels_made);
  prp_kernel_spec renamed = *spec;
  renamed.name = symbol;
  LLVMModuleRef m = prp_codegen_module(r->jit, &renamed, 1, err, sizeof err);
  if (!m) prp_internal_error("cannot generate kernel %s: %s", spec->name, err);
  if (prp_jit_optimize(r->jit, m) != 0) prp_internal_error("cannot optimise kernel %s: %s", spec->name, prp_jit_error(r->jit));
  prp_jit_module *module = prp_jit_add_module(r->jit, m);
  void *address = module ? prp_jit_lookup(r->jit, symbol) : NULL;
  if (!address) prp_internal_error("cannot compile kernel %s: %s", spec->name, prp_jit_error(r->jit));
  prp_jit_cache_put(r->jit, key, module, address);
  r->kernels = prp_xrealloc(r->kernels, (size_t)(r->nkernels + 1), sizeof *r->kernels);
  r->kernels[r->nkernels++] = (repl_kernel){key, module, address, r->generation};
  r->compiled++;
}

/* Single precision, as plan.c decides it: `precision f32` in the train block. */
static int single_precision(const ast_program *prog) {
  const ast_decl *t = prog->problem.train;
  for (int i = 0; t && i < t->noptions; i++) {
    const ast_option *o = &t->options[i];
    for (int a = 0; strcmp(o->name, "precision") == 0 && a < o->nargs; a++)
      if (o->args[a].kind == ARG_WORD && strcmp(o->args[a].text, "f32") == 0) return 1;
  }
  return 0;
}

static void prepare_kernels(prp_repl *r, const ast_program *prog) {
  prp_residuals res;
  prp_residuals_build_scaled(prog, r->relax, prp_plan_output_scale(r->n_obs, r->obs_u), &res);
  r->compiled = r->reused = 0;
  if (!res.transform.conflict) {   /* else prp_plan_compile reports it */
    prp_kernel_plan kp;
    prp_kernel_plan_build(&res, single_precision(prog) ? PRP_ELEM_F32 : PRP_ELEM_F64, &kp);
    for (size_t k = 0; k < kp.n; k++) {
      char *key = prp_codegen_key(r->jit, &kp.specs[k]);   /* by structure: a redefinition finds it */
      repl_kernel *known = find_kernel(r, key);
      if (!known) {
        compile_kernel(r, &kp.specs[k], key);
      } else {
        if (known->generation != r->generation) r->reused++;
        known->generation = r->generation;
        free(key);
      }
    }
    prp_kernel_plan_free(&kp);
  }
  prp_residuals_free(&res);
}

int repl_plan_build(prp_repl *r, const ast_program *prog, prp_plan *plan) {
  if (observations(r, prog) != 0) return -1;
  r->generation++;
  prepare_kernels(r, prog);
  long hits, misses, misses_after;
  prp_jit_cache_stats(r->jit, &hits, &misses);
  prp_plan_options opt = {.relax = r->relax, .epochs = -1, .seed = -1, .quiet = 1};
  if (prp_plan_compile(prog, r->jit, &opt, &r->diag, r->n_obs, r->obs_x, r->obs_u, plan) != 0) return -1;
  prp_jit_cache_stats(r->jit, &hits, &misses_after);
  /* Every kernel of the plan should live in a tracker the REPL can remove; one
   * that prp_plan_compile had to compile itself stays in the JIT until the end
   * (a mismatch between prepare_kernels and plan.c, shown by `kernels:`). */
  r->untracked += (int)(misses_after - misses);
  plan->problem.output_dir = NULL;
  plan->problem.quiet = 1;
  return 0;
}

void repl_kernels_collect(prp_repl *r) {
  int kept = 0;
  r->removed = 0;
  for (int i = 0; i < r->nkernels; i++) {
    repl_kernel *k = &r->kernels[i];
    if (k->generation == r->generation) {
      r->kernels[kept++] = *k;
      continue;
    }
    if (prp_jit_remove_module(r->jit, k->module) != 0)
      prp_internal_error("cannot remove a kernel: %s", prp_jit_error(r->jit));
    free(k->key);
    r->removed++;
  }
  r->nkernels = kept;
}

void repl_kernels_free(prp_repl *r) {
  for (int i = 0; i < r->nkernels; i++) free(r->kernels[i].key);
  free(r->kernels);
  r->kernels = NULL;
  r->nkernels = 0;
}
