/* Plan layer, right after prp_check: the flow that bounds `relax auto`'s smoothing
 * (relax_auto_flow.h). The model PDE's coefficients come from the simulator's
 * extraction (simulate_pde.c); its velocity is sampled with the reference interpreter. */
#include "relax_auto_flow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lower.h"
#include "simulate.h"

/* The message of the first error in a diagnostics text, without its location. */
static const char *first_error(ast_program *prog, const char *text) {
  const char *at = text ? strstr(text, "error: ") : NULL;
  if (!at) return "the model PDE is outside the class whose coefficients can be extracted";
  at += strlen("error: ");
  return prp_arena_strndup(&prog->arena, at, strcspn(at, "\n"));
}

/* The model PDE's coefficients with the unknowns at their guesses; 0, or the extraction's
 * error code with *why set. */
static int model_coefficients(ast_program *prog, prp_truth_pde *pde, const char **why) {
  const prp_problem *pb = &prog->problem;
  prp_dag *dag = prp_dag_new();
  prp_lowering *l = prp_lowering_new(dag, prog);
  for (int k = 0; k < pb->nunknowns; k++) {
    double guess = 0;
    prp_const_eval(pb->unknowns[k]->decl->value, &guess);
    prp_lowering_override(l, pb->unknowns[k], prp_const(dag, guess));
  }
  prp_node residual = prp_sub(dag, prp_lower_expr(l, pb->pde->lhs, -1, 0), prp_lower_expr(l, pb->pde->rhs, -1, 0));
  prp_lowering_free(l);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) prp_internal_error("cannot open a memory stream");
  prp_diag quiet;
  prp_diag_init(&quiet, f, 0);
  int rc = prp_pde_coefficients_extract(prog, pb->pde, "model PDE", dag, residual, &quiet, pde);
  fclose(f);
  if (rc) *why = first_error(prog, text);
  free(text);
  return rc;
}

/* The sampling grid: PRP_FLOW_SAMPLES_SPACE points per space dimension and
 * PRP_FLOW_SAMPLES_TIME times, ends included, one point per row of ncoords. */
static double *sample_grid(const prp_problem *pb, size_t *n) {
  size_t count = PRP_FLOW_SAMPLES_TIME;
  for (int k = 0; k < pb->nspace; k++) count *= PRP_FLOW_SAMPLES_SPACE;
  double *x = prp_xcalloc(count * (size_t)pb->ncoords, sizeof *x);
  for (size_t i = 0; i < count; i++) {
    size_t rest = i;
    for (int k = 0; k < pb->ncoords; k++) {
      int m = k == pb->time_index ? PRP_FLOW_SAMPLES_TIME : PRP_FLOW_SAMPLES_SPACE;
      x[i * (size_t)pb->ncoords + (size_t)k] = pb->lo[k] + (pb->hi[k] - pb->lo[k]) * (double)(rest % (size_t)m) / (m - 1);
      rest /= (size_t)m;
    }
  }
  *n = count;
  return x;
}

/* U = max |v| over the sampling grid; NAN if v is not finite somewhere. */
static double largest_speed(const prp_problem *pb, const prp_truth_pde *pde) {
  size_t n;
  double *x = sample_grid(pb, &n);
  double *v = prp_xcalloc(n, sizeof *v), *speed2 = prp_xcalloc(n, sizeof *speed2);
  prp_env env = {.coord = x, .n_coord = (size_t)pb->ncoords};
  for (int d = 0; d < pde->nspace; d++) {
    prp_eval_points(pde->dag, pde->velocity[d], &env, n, (size_t)pb->ncoords, v);
    for (size_t i = 0; i < n; i++) speed2[i] += v[i] * v[i];
  }
  double most = 0;
  for (size_t i = 0; i < n && isfinite(most); i++) most = isfinite(speed2[i]) ? fmax(most, sqrt(speed2[i])) : NAN;
  free(speed2);
  free(v);
  free(x);
  return most;
}

static void measure(ast_program *prog) {
  prp_problem *pb = &prog->problem;
  prp_truth_pde pde;
  const char *why = NULL;
  if (model_coefficients(prog, &pde, &why) != 0) {
    pb->flow_status = PRP_FLOW_NOT_EXTRACTED;
    pb->flow_why = why;
  } else {
    double speed = pde.has_velocity ? largest_speed(pb, &pde) : 0;
    pb->flow_status = isfinite(speed) ? PRP_FLOW_MEASURED : PRP_FLOW_NOT_EXTRACTED;
    pb->flow_speed = isfinite(speed) ? speed : 0;
    if (!isfinite(speed)) pb->flow_why = "the model PDE's advection velocity is not finite everywhere in the box";
  }
  prp_truth_pde_free(&pde);
}

void prp_relax_auto_flow(ast_program *prog) {
  prp_problem *pb = &prog->problem;
  PRP_ASSERT(prog->checked);
  pb->flow_status = PRP_FLOW_UNMEASURED;
  pb->flow_speed = 0;
  pb->flow_why = NULL;
  if (!pb->relax || !pb->relax->relax_auto || pb->time_order != 1 || !pb->has_time || !pb->pde) return;
  measure(prog);
  prp_relax_auto_update(prog);
}

int prp_check_program(ast_program *prog, prp_diag *diag) {
  int errors = prp_check(prog, diag);
  if (errors == 0) prp_relax_auto_flow(prog);
  return errors;
}
