/* The misfit landscape's relaxation levels from the training plan (plan.h): the values the
 * plan's relax schedules take at shares of training, so the landscape shows the levels that
 * training goes through, however the planner derives them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "landscape_common.h"
#include "plan.h"

/* The dilated constants the plan relaxes, with their values in the model. */
static void plan_dilated(prp_landscape_scan *s, const prp_plan *plan) {
  s->ndilated = 0;
  for (int i = 0; i < plan->residuals.ndilated && i < PRP_LANDSCAPE_MAX_LIST; i++) {
    const ast_symbol *c = plan->residuals.dilated[i].constant;
    double v;
    if (!c->decl || !prp_const_eval(c->decl->value, &v))
      prp_internal_error("landscape: the dilated constant '%s' has no value", c->name);
    s->dilated[s->ndilated] = c;
    s->dilated_value[s->ndilated++] = v;
  }
}

/* The level at share `at`: eps the smoothing schedule's value, factor[k] the k-th dilated
 * constant's schedule value over its value in the model (training puts the schedule's value in
 * place of the constant). */
static prp_landscape_setting level(const prp_landscape_scan *s, const prp_train_problem *tp, double at) {
  prp_landscape_setting st = {.at = at, .dilate = 1};
  if (tp->has_schedule[PRP_SCALAR_EPS]) st.eps = fmax(0, prp_schedule_value(&tp->schedules[PRP_SCALAR_EPS], at));
  for (int k = 0; k < PRP_LANDSCAPE_MAX_LIST; k++) st.factor[k] = 1;
  for (int k = 0; k < s->ndilated; k++) {
    int slot = PRP_SCALAR_DILATED + k;
    if (tp->has_schedule[slot] && s->dilated_value[k] != 0)
      st.factor[k] = prp_schedule_value(&tp->schedules[slot], at) / s->dilated_value[k];
  }
  st.dilate = st.factor[0];
  prp_landscape_label(s->ndilated ? s->dilated[0]->name : NULL, &st);
  return st;
}

int prp_landscape_schedule_levels(prp_landscape_scan *s, const double *at, int nat, prp_landscape_setting *settings,
                                  int *nsettings) {
  prp_plan_options popt = {.relax = 1, .epochs = -1, .seed = -1, .quiet = 1, .restarts = -1};
  prp_plan plan;
  if (prp_plan_compile(s->prog, s->jit, &popt, s->diag, s->nobs, s->obs_coords, s->obs_u, &plan) != 0)
    return PRP_EXIT_INPUT;
  int rc = 0;
  if (!plan.problem.relaxed) {
    prp_error_plain(s->diag, "landscape: --schedule needs a relax block in the file (its schedules are the levels)");
    rc = PRP_EXIT_INPUT;
  }
  plan_dilated(s, &plan);
  *nsettings = 0;
  for (int i = 0; !rc && i < nat && i < PRP_LANDSCAPE_MAX_SETTINGS; i++) settings[(*nsettings)++] = level(s, &plan.problem, at[i]);
  prp_plan_free(&plan);
  return rc;
}

int prp_landscape_schedule_names(prp_landscape_scan *s, char names[][PRP_LANDSCAPE_NAME_MAX]) {
  prp_plan_options popt = {.relax = 1, .epochs = -1, .seed = -1, .quiet = 1, .restarts = -1};
  prp_plan plan;
  if (prp_plan_compile(s->prog, s->jit, &popt, s->diag, s->nobs, s->obs_coords, s->obs_u, &plan) != 0)
    return PRP_EXIT_INPUT;
  plan_dilated(s, &plan);
  const prp_train_problem *tp = &plan.problem;
  for (int k = 0; k <= s->ndilated; k++) {
    int slot = k == 0 ? PRP_SCALAR_EPS : PRP_SCALAR_DILATED + k - 1;
    snprintf(names[k], PRP_LANDSCAPE_NAME_MAX, "%s", tp->relaxed && tp->has_schedule[slot] ? tp->schedules[slot].name : "");
  }
  prp_plan_free(&plan);
  return 0;
}
