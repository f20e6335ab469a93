/* Truth simulation, step 1: the truth PDE's residual (residual.h) differentiated with respect
 * to the jets into the coefficients of the simulator's class (runtime/sim.h), with located
 * errors for everything outside that class. simulate.c compiles and runs the result. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jets.h"
#include "residual.h"
#include "simulate.h"

/* What one jet of the truth residual stands for in the simulator's class. */
typedef enum {
  ROLE_VALUE,        /* u itself: only inside g */
  ROLE_RATE,         /* u_t -> a1 */
  ROLE_ACCELERATION, /* u_tt -> a2 */
  ROLE_GRADIENT,     /* u_{x_d} -> v_d */
  ROLE_DIFFUSION,    /* u_{x_d x_d} -> D_d */
  ROLE_UNSUPPORTED   /* mixed, third order and beyond */
} jet_role;

static jet_role classify_jet(const prp_jet *j, int nspace, int time_index, int *dim) {
  unsigned total = prp_jet_total_order(j);
  *dim = -1;
  if (j->lap_mask) return ROLE_UNSUPPORTED;
  if (total == 0) return ROLE_VALUE;
  if (j->order[time_index] == total) return total == 1 ? ROLE_RATE : total == 2 ? ROLE_ACCELERATION : ROLE_UNSUPPORTED;
  for (int d = 0; d < nspace; d++)
    if (j->order[d] == total && total <= 2) {
      *dim = d;
      return total == 1 ? ROLE_GRADIENT : ROLE_DIFFUSION;
    }
  return ROLE_UNSUPPORTED;
}

/* ---- where a jet is written in the PDE, for the error's caret -------------- */

static int deriv_matches(const ast_expr *e, const prp_jet *j, const prp_problem *pb) {
  int dim;
  jet_role role = classify_jet(j, pb->nspace, pb->time_index, &dim);
  switch (e->deriv) {
  case DERIV_PARTIAL:
    for (int k = 0; k < pb->ncoords; k++)
      if (e->orders[k] != j->order[k]) return 0;
    return 1;
  case DERIV_LAP: return role == ROLE_DIFFUSION;
  case DERIV_GRAD: return role == ROLE_GRADIENT;
  case DERIV_NORMAL: return 0;
  }
  return 0;
}

/* The first place in e (not inside `let` bodies) that lowers to jet j. */
static const ast_expr *find_jet_use(const ast_expr *e, const prp_jet *j, const prp_problem *pb) {
  if (!e) return NULL;
  if (e->kind == AST_DERIV && deriv_matches(e, j, pb)) return e;
  if (e->kind == AST_NAME && e->sym && e->sym->kind == SYM_FIELD && prp_jet_total_order(j) == 0) return e;
  const ast_expr *found = find_jet_use(e->lhs, j, pb);
  if (!found) found = find_jet_use(e->rhs, j, pb);
  for (int i = 0; !found && i < e->nargs; i++) found = find_jet_use(e->args[i], j, pb);
  return found;
}

static prp_loc jet_loc(const ast_program *prog, const ast_decl *pde, const prp_jet *j) {
  const ast_expr *use = find_jet_use(pde->lhs, j, &prog->problem);
  if (!use) use = find_jet_use(pde->rhs, j, &prog->problem);
  return use ? use->loc : pde->loc;
}

/* ---- extraction ---------------------------------------------------------------- */

typedef struct extraction {
  const ast_program *prog;
  const char *what;                 /* "truth PDE", "model PDE": in messages */
  prp_diag *diag;
  prp_truth_pde *out;
  prp_node residual;
  prp_jet_set jets;
  int role[PRP_JET_SET_MAX], dim[PRP_JET_SET_MAX];
  prp_node coef[PRP_JET_SET_MAX];   /* dR / d jet */
} extraction;

static const char *jet_name(const extraction *x, int i) {
  return prp_node_var(x->out->dag, x->jets.nodes[i])->name;
}

static void note_class(extraction *x, prp_loc loc) {
  prp_note(x->diag, loc, "the truth simulator solves a2 u_tt + a1 u_t + v(x, t) . grad(u) - sum_d D_d u_{x_d x_d} = g(x, t, u) "
           "with constant a2, a1, D_d");
}

static int fail_at_jet(extraction *x, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_at_jet(extraction *x, int i, const char *fmt, ...) {
  char message[640];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  prp_error(x->diag, jet_loc(x->prog, x->out->decl, &x->jets.jets[i]), "%s", message);
  note_class(x, x->out->decl->loc);
  return PRP_EXIT_INPUT;
}

/* Every jet has a role, and R is linear in the derivative jets: their coefficients
 * depend on no jet at all (so also not on u: no u * u_x). */
static int check_jets(extraction *x) {
  const prp_problem *pb = &x->prog->problem;
  for (int i = 0; i < x->jets.n; i++) {
    x->role[i] = (int)classify_jet(&x->jets.jets[i], pb->nspace, pb->time_index, &x->dim[i]);
    if (x->role[i] == ROLE_UNSUPPORTED)
      return fail_at_jet(x, i, "the %s uses %s (%s), which the truth simulator does not support", x->what, jet_name(x, i),
                         prp_jet_total_order(&x->jets.jets[i]) > 2 ? "a derivative of order above 2" : "a mixed derivative");
  }
  for (int i = 0; i < x->jets.n; i++) {
    if (x->role[i] == ROLE_VALUE) continue;
    x->coef[i] = prp_diff(x->out->dag, x->residual, x->jets.nodes[i]);
    for (int k = 0; k < x->jets.n; k++)
      if (prp_depends_on(x->out->dag, x->coef[i], x->jets.nodes[k])) {
        char *c = prp_expr_to_string(x->out->dag, x->coef[i]);
        int rc = fail_at_jet(x, i, "the %s is not linear in %s: its coefficient %.200s depends on %s; the truth "
                             "simulator needs the derivatives of the field to enter linearly", x->what, jet_name(x, i), c,
                             jet_name(x, k));
        free(c);
        return rc;
      }
  }
  return 0;
}

/* A coefficient that must be a number (a1, a2, D_d); *value = 0 when the jet is absent. */
static int constant_coef(extraction *x, jet_role role, int dim, double *value) {
  *value = 0;
  for (int i = 0; i < x->jets.n; i++) {
    if (x->role[i] != (int)role || x->dim[i] != dim) continue;
    if (prp_node_kind(x->out->dag, x->coef[i]) != PRP_CONST) {
      int diffusion = role == ROLE_DIFFUSION;   /* shown as D in - D * u_xx, the way it is written */
      char *c = prp_expr_to_string(x->out->dag, diffusion ? prp_neg(x->out->dag, x->coef[i]) : x->coef[i]);
      int rc = fail_at_jet(x, i, "the %s of %s in the %s must be a constant, not %.200s",
                           diffusion ? "diffusion coefficient" : "coefficient", jet_name(x, i), x->what, c);
      free(c);
      return rc;
    }
    *value = prp_node_value(x->out->dag, x->coef[i]);
  }
  return 0;
}

static int jet_index_of_role(const extraction *x, jet_role role) {
  for (int i = 0; i < x->jets.n; i++)
    if (x->role[i] == (int)role) return i;
  return -1;
}

/* a2, a1 and D_d as numbers, the equation divided by its leading time coefficient. */
static int time_and_diffusion(extraction *x) {
  prp_truth_pde *p = x->out;
  double a2, a1;
  int rc = constant_coef(x, ROLE_ACCELERATION, -1, &a2);
  if (!rc) rc = constant_coef(x, ROLE_RATE, -1, &a1);
  for (int d = 0; !rc && d < p->nspace; d++) rc = constant_coef(x, ROLE_DIFFUSION, d, &p->diffusivity[d]);
  if (rc) return rc;
  if (a2 == 0 && a1 == 0) {
    prp_error(x->diag, p->decl->loc, "the %s has no time derivative of the field; the truth simulator integrates in time "
              "from the initial condition", x->what);
    note_class(x, p->decl->loc);
    return PRP_EXIT_INPUT;
  }
  p->scale = a2 != 0 ? a2 : a1;
  p->a2 = a2 != 0;
  p->a1 = a1 / p->scale;
  for (int d = 0; d < p->nspace; d++) {
    p->diffusivity[d] = -p->diffusivity[d] / p->scale;
    if (p->diffusivity[d] < 0) {
      int i = 0;
      while (x->role[i] != ROLE_DIFFUSION || x->dim[i] != d) i++;
      return fail_at_jet(x, i, "the diffusion coefficient of %s is %g once the PDE is divided by %g, the coefficient of its "
                         "time derivative: backward diffusion is ill-posed", jet_name(x, i), p->diffusivity[d], p->scale);
    }
  }
  if (p->a2 && p->a1 < 0) {
    int i = jet_index_of_role(x, ROLE_RATE);
    return fail_at_jet(x, i, "the damping coefficient of %s in a wave equation must have the sign of the coefficient of "
                       "the second time derivative", jet_name(x, i));
  }
  return 0;
}

/* v_d = dR/du_{x_d} / scale; no advection in a wave equation. */
static int velocity(extraction *x) {
  prp_truth_pde *p = x->out;
  prp_node t = prp_var(p->dag, PRP_VAR_COORD, (uint32_t)p->time_index, NULL);
  prp_node inv_scale = prp_const(p->dag, 1.0 / p->scale);
  p->velocity_steady = 1;
  for (int d = 0; d < p->nspace; d++) p->velocity[d] = prp_const(p->dag, 0);
  for (int i = 0; i < x->jets.n; i++) {
    if (x->role[i] != ROLE_GRADIENT) continue;
    prp_node v = prp_mul(p->dag, x->coef[i], inv_scale);
    p->velocity[x->dim[i]] = v;
    if (prp_node_is_const(p->dag, v, 0)) continue;
    if (p->a2)
      return fail_at_jet(x, i, "the %s is second order in time and has an advection term in %s; the truth simulator "
                         "supports advection only in equations of first order in time", x->what, jet_name(x, i));
    p->has_velocity = 1;
    if (prp_depends_on(p->dag, v, t)) p->velocity_steady = 0;
  }
  return 0;
}

/* g = -R / scale with every derivative jet set to 0. */
static void source(extraction *x) {
  prp_truth_pde *p = x->out;
  prp_node from[PRP_JET_SET_MAX], to[PRP_JET_SET_MAX];
  size_t n = 0;
  prp_node zero = prp_const(p->dag, 0);
  for (int i = 0; i < x->jets.n; i++)
    if (x->role[i] != ROLE_VALUE) from[n] = x->jets.nodes[i], to[n++] = zero;
  prp_node rest = prp_subst(p->dag, x->residual, from, to, n);
  p->source = prp_mul(p->dag, rest, prp_const(p->dag, -1.0 / p->scale));
  prp_jet value = {0};
  p->u = prp_jet_var(p->dag, &value, x->prog->problem.field->name);
  p->source_uses_u = prp_depends_on(p->dag, p->source, p->u);
}

/* A truth block to simulate (when asked for), time, and 1 to 3 space coordinates; errors at loc. */
static int check_problem(const ast_program *prog, int need_truth, prp_loc loc, prp_diag *diag) {
  const prp_problem *pb = &prog->problem;
  PRP_ASSERT(prog->checked);
  if (need_truth && !pb->truth) {
    prp_error(diag, (prp_loc){prog->main, 1, 1, 1, 1}, "there is no 'truth { ... }' block to simulate");
    return PRP_EXIT_INPUT;
  }
  if (!pb->has_time) {
    prp_error(diag, loc, "the truth simulator integrates in time, and this problem declares no 'time'");
    return PRP_EXIT_INPUT;
  }
  if (pb->nspace < 1 || pb->nspace > PRP_SIM_MAX_DIM) {
    prp_error(diag, loc, "the truth simulator needs 1 to %d space coordinates, not %d", PRP_SIM_MAX_DIM, pb->nspace);
    return PRP_EXIT_INPUT;
  }
  return 0;
}

static const ast_decl *truth_pde_decl(const prp_problem *pb) {
  for (int i = 0; i < pb->truth->nitems; i++)
    if (pb->truth->items[i]->kind == DECL_PDE) return pb->truth->items[i];
  return pb->pde;
}

int prp_pde_coefficients_extract(const ast_program *prog, const ast_decl *decl, const char *what, prp_dag *dag,
                                 prp_node residual, prp_diag *diag, prp_truth_pde *out) {
  memset(out, 0, sizeof *out);
  out->dag = dag;
  out->decl = decl;
  int rc = check_problem(prog, 0, decl->loc, diag);
  if (rc) return rc;
  out->nspace = prog->problem.nspace;
  out->time_index = prog->problem.time_index;
  extraction x = {.prog = prog, .what = what, .diag = diag, .out = out, .residual = residual};
  prp_jets_used(dag, &x.residual, 1, &x.jets);
  rc = check_jets(&x);
  if (!rc) rc = time_and_diffusion(&x);
  if (!rc) rc = velocity(&x);
  if (!rc) source(&x);
  return rc;
}

int prp_truth_pde_extract(const ast_program *prog, prp_diag *diag, prp_truth_pde *out) {
  memset(out, 0, sizeof *out);
  int rc = check_problem(prog, 1, prog->problem.truth ? prog->problem.truth->loc : prp_loc_none(), diag);
  if (rc) return rc;
  prp_dag *dag = prp_dag_new();
  prp_node residual = prp_truth_residual(prog, dag);
  PRP_ASSERT(residual != PRP_NODE_NONE);
  return prp_pde_coefficients_extract(prog, truth_pde_decl(&prog->problem), "truth PDE", dag, residual, diag, out);
}

void prp_truth_pde_free(prp_truth_pde *pde) {
  if (!pde) return;
  prp_dag_free(pde->dag);
  memset(pde, 0, sizeof *pde);
}
