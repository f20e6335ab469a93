/* Front end, stage 2: `relax auto [dilate NAMES]`, the relaxation derived from
 * the problem. The checker writes it out as ordinary schedules, so every later
 * stage (residual, planner, REPL, landscape, built programs) sees what a written
 * relax block would give. The rule, and why: docs/language.md, "relax auto". */
#include "check_context.h"
#include <math.h>
#include <string.h>

/* The flow's bound, for first order in time with a measured flow (check.h). */
static double flow_bound(const prp_problem *pb, double length) {
  if (pb->time_order != 1 || pb->flow_status != PRP_FLOW_MEASURED || !(pb->flow_speed > 0)) return 0;
  return pb->flow_speed * length / PRP_RELAX_AUTO_PECLET;
}

void prp_relax_auto_rule(const prp_problem *pb, prp_relax_auto *out) {
  double length = 0, duration = pb->has_time ? pb->hi[pb->time_index] - pb->lo[pb->time_index] : 0;
  for (int k = 0; k < pb->nspace; k++) length = fmax(length, pb->hi[k] - pb->lo[k]);
  *out = (prp_relax_auto){.length = length, .duration = duration, .width = 0.5 * length};
  if (duration <= 0) return;                 /* steady: smoothing only rescales the field */
  if (pb->time_order == 2) out->eps_box = 4 * length * length / (duration * duration);
  else out->eps_box = length * length / (4 * duration);
  out->eps_flow = flow_bound(pb, length);
  out->flow_bound = out->eps_flow > 0 && out->eps_flow < out->eps_box;
  out->eps = out->flow_bound ? out->eps_flow : out->eps_box;
}

/* A schedule held at `from` until PRP_RELAX_AUTO_HOLD% of training, then linear
 * to `to` at PRP_RELAX_AUTO_UNTIL%: written as the piecewise schedule
 * [0% from, HOLD% from, UNTIL% to], so that it prints and plans like one. */
static ast_schedule auto_schedule(checker *c, const ast_decl *d, const char *mechanism, const char *var, prp_loc var_loc,
                                  double from, double to) {
  ast_schedule s = {0};
  s.mechanism = mechanism;
  s.mechanism_loc = d->name_loc;
  s.var = var;
  s.var_loc = var_loc;
  s.loc = d->loc;
  s.shape = "piecewise";
  s.from_value = from;
  s.to_value = to;
  const double at[3] = {0, PRP_RELAX_AUTO_HOLD, PRP_RELAX_AUTO_UNTIL}, value[3] = {from, from, to};
  for (int i = 0; i < 3; i++) {
    ast_pw_point p = {at[i], 1, d->name_loc, ast_num(c->prog, d->name_loc, value[i])};
    s.pw = ast_list_push(c->prog, s.pw, &s.npw, sizeof p, &p);
  }
  return s;
}

/* The dilatation of one named constant: from max(value, the rule's width) to its value. */
static int auto_dilatation(checker *c, ast_decl *d, int i, const prp_relax_auto *rule) {
  ast_schedule probe = {.var = d->params[i], .var_loc = d->param_locs[i], .kind = RELAX_DILATATION};
  if (!check_dilated_constant(c, &probe)) return 0;
  for (int j = 0; j < i; j++)
    if (strcmp(d->params[j], d->params[i]) == 0) {
      prp_error(c->diag, d->param_locs[i], "'%s' is dilated twice", d->params[i]);
      return 0;
    }
  double to = probe.target->value;
  ast_schedule s = auto_schedule(c, d, "dilatation", d->params[i], d->param_locs[i], fmax(to, rule->width), to);
  s.kind = RELAX_DILATATION;
  s.target = probe.target;
  s.conserve_mass = 1;
  d->schedules = ast_list_push(c->prog, d->schedules, &d->nschedules, sizeof s, &s);
  return 1;
}

void check_relax_auto(checker *c, ast_decl *d) {
  if (strcmp(d->name, "auto") != 0) {
    prp_error(c->diag, d->name_loc, "expected 'relax off', 'relax auto [dilate NAME, ...]' or 'relax { ... }', not 'relax %s'", d->name);
    return;
  }
  if (d->relax_with && strcmp(d->relax_with, "dilate") != 0) {
    prp_error(c->diag, d->relax_with_loc, "expected 'dilate NAME, ...' after 'relax auto', not '%s'", d->relax_with);
    return;
  }
  prp_relax_auto rule;
  prp_relax_auto_rule(c->pb, &rule);
  if (rule.eps > 0) {
    ast_schedule s = auto_schedule(c, d, "smoothing", "eps", d->name_loc, rule.eps, 0);
    s.kind = RELAX_SMOOTHING;
    d->schedules = ast_list_push(c->prog, d->schedules, &d->nschedules, sizeof s, &s);
  }
  for (int i = 0; i < d->nparams; i++) auto_dilatation(c, d, i, &rule);
  if (rule.eps == 0 && d->nparams == 0)
    prp_error(c->diag, d->loc, "'relax auto' finds nothing to relax in a steady problem; name a source width with 'relax auto dilate NAME'");
}

void prp_relax_auto_update(ast_program *prog) {
  ast_decl *d = prog->problem.relax;
  if (!d || !d->relax_auto) return;
  prp_relax_auto rule;
  prp_relax_auto_rule(&prog->problem, &rule);
  for (int i = 0; i < d->nschedules; i++) {
    ast_schedule *s = &d->schedules[i];
    if (s->kind != RELAX_SMOOTHING) continue;
    s->from_value = rule.eps;
    for (int k = 0; k < s->npw; k++)   /* [0% eps, 25% eps, 75% 0] (auto_schedule) */
      if (s->pw[k].at < PRP_RELAX_AUTO_UNTIL) s->pw[k].value = ast_num(prog, s->pw[k].loc, rule.eps);
  }
}
