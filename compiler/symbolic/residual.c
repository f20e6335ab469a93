/* Symbolic core, stage 2: building the PR-PINN residuals of a checked program
 * (see residual.h for the formula and the meaning of delta_h and u_obs_i),
 * their jets and partial derivatives, and printing them (prpc emit --residual). */
#include "residual.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lower.h"

/* Default nudging width when the schedule gives none: 5% of the smallest
 * space extent, narrow enough to stay local to a sensor. */
static double default_nudge_width(const prp_problem *pb) {
  double extent = INFINITY;
  for (int k = 0; k < pb->nspace; k++) extent = fmin(extent, pb->hi[k] - pb->lo[k]);
  return isfinite(extent) ? 0.05 * extent : 0.05;
}

/* Reads the relax block: which mechanisms exist, and the scalar of each. */
static void setup_relaxation(const ast_program *prog, prp_residuals *r) {
  const prp_problem *pb = &prog->problem;
  const ast_decl *relax = pb->relax;
  r->eps = r->eta = PRP_NODE_NONE;
  r->relaxed = relax && !relax->relax_off;
  r->dilated = prp_xcalloc((size_t)(relax ? relax->nschedules : 0), sizeof *r->dilated);
  r->nscalars = PRP_SCALAR_DILATED;
  if (!r->relaxed) return;
  for (int i = 0; i < relax->nschedules; i++) {
    const ast_schedule *s = &relax->schedules[i];
    switch (s->kind) {
    case RELAX_SMOOTHING:
      r->smoothing = s;
      r->eps = prp_var(r->dag, PRP_VAR_SCALAR, PRP_SCALAR_EPS, s->var);
      break;
    case RELAX_NUDGING:
      r->nudging = s;
      r->eta = prp_var(r->dag, PRP_VAR_SCALAR, PRP_SCALAR_ETA, s->var);
      r->nudge_width = s->width > 0 ? s->width : default_nudge_width(pb);
      break;
    case RELAX_DILATATION: {
      const ast_symbol *sym = s->target ? s->target : prp_lookup(prog, s->var);
      PRP_ASSERT(sym != NULL);
      uint32_t index = PRP_SCALAR_DILATED + (uint32_t)r->ndilated;
      r->dilated[r->ndilated++] = (prp_dilated){sym, s, prp_var(r->dag, PRP_VAR_SCALAR, index, sym->name)};
      break;
    }
    }
  }
  r->nscalars = PRP_SCALAR_DILATED + r->ndilated;
}

/* Partial derivatives of a term with respect to its jets and the unknowns. */
static void finish_term(prp_residuals *r, prp_residual_term *t, unsigned space_mask) {
  prp_node roots[1] = {t->value};
  prp_jet_set before;
  prp_jets_used(r->dag, roots, 1, &before);
  prp_jets_analyse(r->dag, roots, 1, space_mask, 1, &t->jets);
  t->value = roots[0];
  t->laplacian_collapsed = prp_jet_set_find(&before, &(prp_jet){.lap_mask = (uint8_t)space_mask}) < 0 &&
                           prp_jet_set_find(&t->jets, &(prp_jet){.lap_mask = (uint8_t)space_mask}) >= 0;
  for (int j = 0; j < t->jets.n; j++) t->d_jet[j] = prp_diff(r->dag, t->value, t->jets.nodes[j]);
  t->d_unknown = prp_xcalloc((size_t)r->nunknowns, sizeof *t->d_unknown);
  for (int k = 0; k < r->nunknowns; k++) t->d_unknown[k] = prp_diff(r->dag, t->value, r->unknowns[k]);
}

static prp_residual_term *new_term(prp_residuals *r, prp_term_kind kind, const ast_decl *decl) {
  prp_residual_term *t = &r->terms[r->nterms++];
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->decl = decl;
  t->coord = -1;
  return t;
}

/* R = lhs - rhs - eps lap(u) - eta (nudge_obs - u nudge_w), dilated constants as scalars. */
static prp_node pde_residual(const ast_program *prog, prp_residuals *r) {
  const prp_problem *pb = &prog->problem;
  prp_dag *dag = r->dag;
  prp_lowering *l = prp_lowering_new(dag, prog);
  for (int i = 0; i < r->ndilated; i++) prp_lowering_override(l, r->dilated[i].constant, r->dilated[i].scalar);
  prp_node value = prp_sub(dag, prp_lower_expr(l, pb->pde->lhs, -1, 0), prp_lower_expr(l, pb->pde->rhs, -1, 0));
  if (r->eps != PRP_NODE_NONE && pb->nspace > 0)
    value = prp_sub(dag, value, prp_mul(dag, r->eps, prp_lower_laplacian(l)));
  if (r->eta != PRP_NODE_NONE) {
    prp_node obs = prp_var(dag, PRP_VAR_POINTDATA, PRP_POINT_NUDGE_OBS, "nudge_obs");
    prp_node w = prp_var(dag, PRP_VAR_POINTDATA, PRP_POINT_NUDGE_W, "nudge_w");
    prp_node pull = prp_sub(dag, obs, prp_mul(dag, prp_lower_field(l, NULL), w));
    value = prp_sub(dag, value, prp_mul(dag, r->eta, pull));
  }
  prp_lowering_free(l);
  return prp_output_transform_apply(prog, dag, &r->transform, value);
}

/* lhs - rhs of a condition with coordinate k fixed at value v (and dn(u) on that face). */
static prp_node condition_residual(const ast_program *prog, prp_residuals *r, const ast_decl *d, int k,
                                   double v, int face_coord, int upper) {
  prp_dag *dag = r->dag;
  prp_lowering *l = prp_lowering_new(dag, prog);
  prp_node value = prp_sub(dag, prp_lower_expr(l, d->lhs, face_coord, upper),
                           prp_lower_expr(l, d->rhs, face_coord, upper));
  value = prp_output_transform_apply(prog, dag, &r->transform, value);   /* before fixing the coordinate */
  prp_node from[1] = {prp_lower_coord(l, k)}, to[1] = {prp_const(dag, v)};
  value = prp_subst(dag, value, from, to, 1);
  prp_lowering_free(l);
  return value;
}

static void add_boundary_face(const ast_program *prog, prp_residuals *r, const ast_decl *d, int k, int upper) {
  const prp_problem *pb = &prog->problem;
  prp_residual_term *t = new_term(r, PRP_TERM_BOUNDARY, d);
  t->coord = k;
  t->upper = upper;
  t->hard = d->hard;
  t->value = condition_residual(prog, r, d, k, upper ? pb->hi[k] : pb->lo[k], k, upper);
}

void prp_residuals_build(const ast_program *prog, int relax, prp_residuals *r) {
  prp_residuals_build_ex(prog, relax, 1, r);
}

static void build_residuals(const ast_program *prog, int relax, int transform, double scale, prp_residuals *r);

void prp_residuals_build_ex(const ast_program *prog, int relax, int transform, prp_residuals *r) {
  build_residuals(prog, relax, transform, 1, r);
}

void prp_residuals_build_scaled(const ast_program *prog, int relax, double output_scale, prp_residuals *r) {
  build_residuals(prog, relax, 1, output_scale, r);
}

static void build_residuals(const ast_program *prog, int relax, int transform, double scale, prp_residuals *r) {
  PRP_ASSERT(prog->checked && prog->problem.pde && prog->problem.field);
  const prp_problem *pb = &prog->problem;
  memset(r, 0, sizeof *r);
  r->dag = prp_dag_new();
  r->nunknowns = pb->nunknowns;
  r->unknowns = prp_xcalloc((size_t)pb->nunknowns, sizeof *r->unknowns);
  for (int k = 0; k < pb->nunknowns; k++)
    r->unknowns[k] = prp_var(r->dag, PRP_VAR_UNKNOWN, (uint32_t)k, pb->unknowns[k]->name);
  if (relax) setup_relaxation(prog, r);
  else {
    r->eps = r->eta = PRP_NODE_NONE;
    r->nscalars = PRP_SCALAR_DILATED;
  }
  if (transform) {
    prp_output_transform_build(prog, r->dag, &r->transform);
    prp_output_transform_scale(r->dag, &r->transform, scale);
  }
  int max_terms = 2 + pb->ninitials;
  for (int i = 0; i < pb->nboundaries; i++)
    max_terms += pb->boundaries[i]->nfaces ? pb->boundaries[i]->nfaces : 2 * pb->nspace;
  r->terms = prp_xcalloc((size_t)max_terms, sizeof *r->terms);

  new_term(r, PRP_TERM_PDE, pb->pde)->value = pde_residual(prog, r);
  for (int i = 0; i < pb->ninitials; i++) {
    const ast_decl *d = pb->initials[i];
    prp_residual_term *t = new_term(r, PRP_TERM_INITIAL, d);
    t->coord = pb->time_index;
    t->hard = d->hard;
    t->value = condition_residual(prog, r, d, pb->time_index, pb->lo[pb->time_index], -1, 0);
  }
  for (int i = 0; i < pb->nboundaries; i++) {
    const ast_decl *d = pb->boundaries[i];
    if (d->nfaces == 0)
      for (int k = 0; k < pb->nspace; k++)
        for (int upper = 0; upper < 2; upper++) add_boundary_face(prog, r, d, k, upper);
    for (int f = 0; f < d->nfaces; f++) add_boundary_face(prog, r, d, d->faces[f].coord_index, d->faces[f].upper);
  }
  prp_residual_term *data = new_term(r, PRP_TERM_DATA, NULL);
  prp_jet u = {0};
  data->value = prp_sub(r->dag, prp_jet_var(r->dag, &u, pb->field->name),
                        prp_var(r->dag, PRP_VAR_POINTDATA, PRP_POINT_U_OBS, "u_obs"));
  data->value = prp_output_transform_apply(prog, r->dag, &r->transform, data->value);

  unsigned space_mask = (1u << pb->nspace) - 1;
  for (int i = 0; i < r->nterms; i++) finish_term(r, &r->terms[i], space_mask);
}

prp_node prp_truth_residual(const ast_program *prog, prp_dag *dag) {
  const ast_decl *truth = prog->problem.truth;
  if (!truth) return PRP_NODE_NONE;
  const ast_decl *pde = prog->problem.pde;
  prp_lowering *l = prp_lowering_new(dag, prog);
  for (int i = 0; i < truth->nitems; i++) {
    const ast_decl *item = truth->items[i];
    if (item->kind == DECL_PDE) pde = item;
    for (int a = 0; item->kind == DECL_OPTION && a < item->nassigns; a++)
      if (item->assigns[a].sym)
        prp_lowering_override(l, item->assigns[a].sym, prp_lower_expr(l, item->assigns[a].value, -1, 0));
  }
  prp_node value = prp_sub(dag, prp_lower_expr(l, pde->lhs, -1, 0), prp_lower_expr(l, pde->rhs, -1, 0));
  prp_lowering_free(l);
  return value;
}

void prp_residuals_free(prp_residuals *r) {
  if (!r) return;
  for (int i = 0; i < r->nterms; i++) free(r->terms[i].d_unknown);
  free(r->terms);
  free(r->dilated);
  free(r->unknowns);
  prp_dag_free(r->dag);
  memset(r, 0, sizeof *r);
}

/* ---- printing ------------------------------------------------------------ */

static void print_schedule(FILE *out, const char *name, const char *what, const ast_schedule *s, int index) {
  fprintf(out, "  %-10s scalar %d: %s, ", name, index, what);
  if (s->npw) {
    fprintf(out, "piecewise [");
    for (int i = 0; i < s->npw; i++) {
      double v = 0;
      prp_const_eval(s->pw[i].value, &v);
      fprintf(out, "%s%g%s %g", i ? ", " : "", s->pw[i].at, s->pw[i].percent ? "%" : "", v);
    }
    fprintf(out, "]\n");
    return;
  }
  fprintf(out, "%g -> %g until %g%s (%s)\n", s->from_value, s->to_value, s->until, s->until_percent ? "%" : " epochs",
          s->shape ? s->shape : "linear");
}

/* How `relax auto` chose its starting smoothing: the box's value, the flow's bound
 * (U L / Pe, with U measured by compiler/plan/relax_auto_flow.c) and which was taken. */
static void print_auto_smoothing(const prp_problem *pb, const prp_relax_auto *rule, FILE *out) {
  if (pb->time_order == 0 || rule->duration <= 0) {
    fprintf(out, "  no smoothing (steady)\n");
    return;
  }
  if (pb->time_order == 2) {
    fprintf(out, "  smoothing from 4 L^2/T^2 = %g (second order in time: no bound from a flow)\n", rule->eps_box);
    return;
  }
  if (pb->flow_status == PRP_FLOW_MEASURED && pb->flow_speed > 0) {
    fprintf(out, "  smoothing from min(L^2/(4 T), U L/Pe) = min(%g, %g) = %g, %s; U = %g, the largest speed of the model's "
            "flow, Pe = %d\n", rule->eps_box, rule->eps_flow, rule->eps, rule->flow_bound ? "U L/Pe" : "L^2/(4 T)",
            pb->flow_speed, PRP_RELAX_AUTO_PECLET);
    return;
  }
  fprintf(out, "  smoothing from L^2/(4 T) = %g; %s%s\n", rule->eps_box,
          pb->flow_status == PRP_FLOW_MEASURED ? "U = 0: the model PDE has no advection"
          : pb->flow_status == PRP_FLOW_NOT_EXTRACTED ? "no bound from the flow, whose speed cannot be measured: "
                                                       : "the flow was not measured",
          pb->flow_status == PRP_FLOW_NOT_EXTRACTED && pb->flow_why ? pb->flow_why : "");
}

/* How `relax auto` chose its values (check.h). */
static void print_auto(const prp_problem *pb, FILE *out) {
  if (!pb->relax || !pb->relax->relax_auto) return;
  prp_relax_auto rule;
  prp_relax_auto_rule(pb, &rule);
  fprintf(out, "relax auto: box length L = %g, duration T = %g, widths from L/2 = %g\n", rule.length, rule.duration,
          rule.width);
  print_auto_smoothing(pb, &rule, out);
}

static void print_header(const ast_program *prog, const prp_residuals *r, FILE *out) {
  const prp_problem *pb = &prog->problem;
  fprintf(out, "# residuals of %s%s\n", pb->name ? pb->name : "(unnamed problem)",
          r->relaxed ? ", relaxed (PR-PINN, eq. 3)" : ", not relaxed");
  fprintf(out, "coordinates:");
  for (int k = 0; k < pb->ncoords; k++) fprintf(out, " %s in [%g, %g]", pb->coords[k]->name, pb->lo[k], pb->hi[k]);
  fprintf(out, "\nunknowns:");
  for (int k = 0; k < pb->nunknowns; k++) fprintf(out, " %s", pb->unknowns[k]->name);
  fprintf(out, "%s\n", pb->nunknowns ? "" : " (none)");
  if (r->transform.active) {
    fprintf(out, "output transform (hard conditions): %s = g + m * N, the jets below are N's\n  m = ", pb->field->name);
    prp_expr_print(r->dag, r->transform.m, out);
    fprintf(out, "\n  g = ");
    prp_expr_print(r->dag, r->transform.g, out);
    fputc('\n', out);
  }
  if (!r->relaxed) return;
  print_auto(pb, out);
  fprintf(out, "run-time scalars (one kernel for the whole schedule):\n");
  if (r->smoothing) print_schedule(out, r->smoothing->var, "smoothing eps", r->smoothing, PRP_SCALAR_EPS);
  if (r->nudging) print_schedule(out, r->nudging->var, "nudging eta", r->nudging, PRP_SCALAR_ETA);
  for (int i = 0; i < r->ndilated; i++)
    print_schedule(out, r->dilated[i].constant->name, "dilated constant", r->dilated[i].schedule,
                   PRP_SCALAR_DILATED + i);
  if (r->nudging) {
    fprintf(out, "point data (computed by the runtime at each collocation point):\n");
    fprintf(out, "  nudge_obs = sum_i u_obs_i(t) delta_h(x - x_i)   (u_obs_i linear in time)\n");
    fprintf(out, "  nudge_w   = sum_i delta_h(x - x_i)\n");
    fprintf(out, "  delta_h   = Gaussian of unit peak and width h = %g in space\n", r->nudge_width);
  }
}

static void print_term_title(const ast_program *prog, const prp_residual_term *t, FILE *out) {
  const prp_problem *pb = &prog->problem;
  switch (t->kind) {
  case PRP_TERM_PDE: fprintf(out, "\npde residual, at interior collocation points:\n"); break;
  case PRP_TERM_INITIAL:
    fprintf(out, "\ninitial condition (line %d), at %s = %g%s:\n", t->decl->loc.line, pb->coords[t->coord]->name,
            pb->lo[t->coord], t->hard ? ", hard: built into the network output" : "");
    break;
  case PRP_TERM_BOUNDARY:
    fprintf(out, "\nboundary condition (line %d), on %s = %g%s:\n", t->decl->loc.line, pb->coords[t->coord]->name,
            t->upper ? pb->hi[t->coord] : pb->lo[t->coord], t->hard ? ", hard: built into the network output" : "");
    break;
  case PRP_TERM_DATA: fprintf(out, "\ndata misfit, at the sensor points:\n"); break;
  }
}

static void print_term(const ast_program *prog, const prp_residuals *r, const prp_residual_term *t, FILE *out) {
  print_term_title(prog, t, out);
  fprintf(out, "  R = ");
  prp_expr_print(r->dag, t->value, out);
  fprintf(out, "\n  jets: ");
  prp_jet_set_print(r->dag, &t->jets, out);
  fprintf(out, "%s\n", t->laplacian_collapsed ? "   (Laplacian collapsed into one component)" : "");
  for (int j = 0; j < t->jets.n; j++) {
    fprintf(out, "  dR/d%s = ", prp_node_var(r->dag, t->jets.nodes[j])->name);
    prp_expr_print(r->dag, t->d_jet[j], out);
    fputc('\n', out);
  }
  for (int k = 0; k < r->nunknowns; k++) {
    fprintf(out, "  dR/d%s = ", prog->problem.unknowns[k]->name);
    prp_expr_print(r->dag, t->d_unknown[k], out);
    fputc('\n', out);
  }
}

int prp_emit_residual(const ast_program *prog, FILE *out) { return prp_emit_residuals(prog, 1, out); }

int prp_emit_residuals(const ast_program *prog, int relax, FILE *out) {
  prp_residuals r;
  prp_residuals_build(prog, relax, &r);
  print_header(prog, &r, out);
  for (int i = 0; i < r.nterms; i++) print_term(prog, &r, &r.terms[i], out);
  prp_residuals_free(&r);
  return 0;
}
