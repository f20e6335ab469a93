/* The misfit landscape, computation: the model's PDE lowered with the scanned unknown and the
 * relaxations fixed, its coefficients extracted and JIT-compiled (simulate.h), simulated at
 * every value of the scan and compared with the observations. landscape_output.c shows it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util.h"
#include "landscape.h"
#include "landscape_common.h"
#include "lower.h"
#include "plan.h"
#include "simulate.h"

static const double default_eps[] = {0, 0.005, 0.02};
static const double default_dilate[] = {1, 4, 10};

void prp_landscape_options_defaults(prp_landscape_options *opt) {
  if (opt->points <= 0) opt->points = PRP_LANDSCAPE_DEFAULT_POINTS;
  if (opt->neps <= 0) {
    opt->neps = (int)(sizeof default_eps / sizeof *default_eps);
    memcpy(opt->eps, default_eps, sizeof default_eps);
  }
  if (opt->ndilate <= 0) {
    opt->ndilate = (int)(sizeof default_dilate / sizeof *default_dilate);
    memcpy(opt->dilate, default_dilate, sizeof default_dilate);
  }
}

typedef prp_landscape_scan scan;

static void scan_free(scan *s) {
  free(s->base);
  free(s->obs_coords);
  free(s->obs_x);
  free(s->obs_t);
  free(s->obs_u);
  free(s->model_u);
  memset(s, 0, sizeof *s);
}

void prp_landscape_scan_close(prp_landscape_scan *s) { scan_free(s); }

/* ---- setting up ------------------------------------------------------------------- */

int prp_landscape_find_unknown(const ast_program *prog, const char *name, prp_diag *diag) {
  const prp_problem *pb = &prog->problem;
  for (int k = 0; k < pb->nunknowns; k++)
    if (strcmp(pb->unknowns[k]->name, name) == 0) return k;
  char names[512] = "";
  for (int k = 0; k < pb->nunknowns; k++) {
    size_t used = strlen(names);
    snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "", pb->unknowns[k]->name);
  }
  if (pb->nunknowns) prp_error_plain(diag, "landscape: '%s' is not an unknown of this problem (its unknowns: %s)", name, names);
  else prp_error_plain(diag, "landscape: this problem declares no unknown to scan");
  return -1;
}

double prp_landscape_truth_value(const ast_program *prog, const ast_symbol *sym) {
  const ast_decl *truth = prog->problem.truth;
  for (int i = 0; truth && i < truth->nitems; i++) {
    const ast_decl *item = truth->items[i];
    for (int a = 0; item->kind == DECL_OPTION && a < item->nassigns; a++) {
      double v;
      if (item->assigns[a].sym == sym && prp_const_eval(item->assigns[a].value, &v)) return v;
    }
  }
  return NAN;
}

static void fix_other_unknowns(scan *s) {
  const prp_problem *pb = &s->prog->problem;
  s->base = prp_xcalloc((size_t)pb->nunknowns + 1, sizeof *s->base);
  PRP_ASSERT(s->base);
  for (int k = 0; k < pb->nunknowns; k++) {
    double v = prp_landscape_truth_value(s->prog, pb->unknowns[k]);
    if (isnan(v) && !prp_const_eval(pb->unknowns[k]->decl->value, &v))
      prp_internal_error("landscape: the initial guess of '%s' is not a number", pb->unknowns[k]->name);
    s->base[k] = v;
  }
}

static void find_dilated(scan *s) {
  const ast_decl *relax = s->prog->problem.relax;
  for (int i = 0; relax && !relax->relax_off && i < relax->nschedules; i++) {
    const ast_schedule *sc = &relax->schedules[i];
    if (sc->kind != RELAX_DILATATION || !sc->target || s->ndilated == PRP_LANDSCAPE_MAX_LIST) continue;
    double v;
    if (!sc->target->decl || !prp_const_eval(sc->target->decl->value, &v))
      prp_internal_error("landscape: the dilated constant '%s' has no value", sc->target->name);
    s->dilated[s->ndilated] = sc->target;
    s->dilated_value[s->ndilated++] = v;
  }
}

static void choose_grid(const ast_program *prog, const prp_landscape_options *opt, int *grid) {
  static const int default_grid[PRP_SIM_MAX_DIM] = {201, 129, 49};
  const prp_problem *pb = &prog->problem;
  int nspace = pb->nspace < PRP_SIM_MAX_DIM ? pb->nspace : PRP_SIM_MAX_DIM;
  prp_truth_settings set;
  if (pb->truth) prp_truth_settings_read(prog, &set);
  for (int d = 0; d < nspace; d++)
    grid[d] = opt->grid > 0 ? opt->grid : pb->truth ? set.grid[d] : default_grid[nspace - 1];
}

int prp_landscape_range(const ast_program *prog, const prp_landscape_options *opt, int k, prp_diag *diag, double *lo,
                        double *hi) {
  const ast_decl *d = prog->problem.unknowns[k]->decl;
  if (opt->has_range) *lo = opt->lo, *hi = opt->hi;
  else if (!d->lo || !prp_const_eval(d->lo, lo) || !prp_const_eval(d->hi, hi)) {
    prp_error(diag, d->loc, "landscape: '%s' has no bounds; give the range to scan with --range LO:HI", d->name);
    return PRP_EXIT_INPUT;
  }
  if (!(*lo < *hi) || !isfinite(*lo) || !isfinite(*hi)) {
    prp_error_plain(diag, "landscape: the range [%g, %g] of '%s' is empty", *lo, *hi, d->name);
    return PRP_EXIT_INPUT;
  }
  return 0;
}

static int check_lists(const prp_landscape_options *opt, prp_diag *diag) {
  if (opt->points < 2) {
    prp_error_plain(diag, "landscape: --points must be at least 2, not %d", opt->points);
    return PRP_EXIT_INPUT;
  }
  for (int i = 0; i < opt->neps; i++)
    if (!(opt->eps[i] >= 0) || !isfinite(opt->eps[i])) {
      prp_error_plain(diag, "landscape: the smoothing eps must be >= 0, not %g", opt->eps[i]);
      return PRP_EXIT_INPUT;
    }
  for (int i = 0; i < opt->ndilate; i++)
    if (!(opt->dilate[i] > 0) || !isfinite(opt->dilate[i])) {
      prp_error_plain(diag, "landscape: a dilatation factor must be > 0, not %g", opt->dilate[i]);
      return PRP_EXIT_INPUT;
    }
  for (int i = 0; i < opt->nat; i++)
    if (!(opt->at[i] >= 0 && opt->at[i] <= 100)) {
      prp_error_plain(diag, "landscape: --at takes percentages of training in [0, 100], not %g", opt->at[i]);
      return PRP_EXIT_INPUT;
    }
  return 0;
}

static int has_relax(const ast_program *prog) { return prog->problem.relax && !prog->problem.relax->relax_off; }

static int has_dilatation(const ast_program *prog) {
  const ast_decl *relax = prog->problem.relax;
  for (int i = 0; has_relax(prog) && i < relax->nschedules; i++)
    if (relax->schedules[i].kind == RELAX_DILATATION && relax->schedules[i].target) return 1;
  return 0;
}

int prp_landscape_prepare_options(const ast_program *prog, prp_landscape_options *opt, int default_schedule,
                                  prp_diag *diag) {
  int lists = opt->neps > 0 || opt->ndilate > 0;
  if (opt->samples > 0) {
    prp_error_plain(diag, "landscape: --samples counts the rows of a run compared with --follow RUN_DIR; give --follow");
    return PRP_EXIT_INPUT;
  }
  if (lists && (opt->schedule || opt->nat > 0)) {
    prp_error_plain(diag, "landscape: --eps/--dilate and --schedule/--at both choose the relaxation levels; give one");
    return PRP_EXIT_INPUT;
  }
  opt->schedule = opt->schedule || opt->nat > 0 || (default_schedule && !lists && has_relax(prog));
  if (opt->schedule && !has_relax(prog)) {
    prp_error_plain(diag, "landscape: --schedule needs a relax block in the file (its schedules are the levels)");
    return PRP_EXIT_INPUT;
  }
  if (!opt->schedule && opt->ndilate > 0 && !has_dilatation(prog)) {
    prp_error_plain(diag, "landscape: --dilate needs a 'dilatation' schedule in the relax block (the constant to widen)");
    return PRP_EXIT_INPUT;
  }
  if (opt->schedule && opt->nat == 0) {
    static const double default_at[] = {0, 25, 50, 75, 100};
    opt->nat = (int)(sizeof default_at / sizeof *default_at);
    memcpy(opt->at, default_at, sizeof default_at);
  }
  if (!opt->schedule) prp_landscape_options_defaults(opt);
  else if (opt->points <= 0) opt->points = PRP_LANDSCAPE_DEFAULT_POINTS;
  return check_lists(opt, diag);
}

void prp_landscape_label(const char *dilated, prp_landscape_setting *st) {
  char at[16] = "";
  if (!isnan(st->at)) snprintf(at, sizeof at, "%g%%: ", 100 * st->at);
  if (st->eps == 0 && st->dilate == 1) snprintf(st->label, sizeof st->label, "%sno relaxation", at);
  else if (st->dilate == 1) snprintf(st->label, sizeof st->label, "%seps %.3g", at, st->eps);
  else if (st->eps == 0) snprintf(st->label, sizeof st->label, "%s%s x %.3g", at, dilated, st->dilate);
  else snprintf(st->label, sizeof st->label, "%seps %.3g, %s x %.3g", at, st->eps, dilated, st->dilate);
}

void prp_landscape_column_name(const char *dilated, const prp_landscape_setting *st, const char *what, char *out,
                               size_t size) {
  if (!isnan(st->at)) snprintf(out, size, "%s_at%g", what, 100 * st->at);
  else if (dilated) snprintf(out, size, "%s_eps%g_%sx%g", what, st->eps, dilated, st->dilate);
  else snprintf(out, size, "%s_eps%g", what, st->eps);
}

static prp_landscape_setting list_setting(double eps, double f) {
  prp_landscape_setting st = {.eps = eps, .dilate = f, .at = NAN};
  for (int k = 0; k < PRP_LANDSCAPE_MAX_LIST; k++) st.factor[k] = f;
  return st;
}

/* The settings of the lists: every eps with the first factor, then every other factor with
 * the first eps; without a dilated constant only the eps (factor 1). */
static void make_settings(const prp_landscape_options *opt, const scan *s, prp_landscape_setting *settings, int *n) {
  double first_dilate = s->ndilated ? opt->dilate[0] : 1;
  const char *dilated = s->ndilated ? s->dilated[0]->name : NULL;
  *n = 0;
  for (int i = 0; i < opt->neps; i++) settings[(*n)++] = list_setting(opt->eps[i], first_dilate);
  for (int j = 1; s->ndilated && j < opt->ndilate; j++) settings[(*n)++] = list_setting(opt->eps[0], opt->dilate[j]);
  for (int k = 0; k < *n; k++) prp_landscape_label(dilated, &settings[k]);
}

/* The observations, split into positions, times and values for the simulator. */
static int load_observations(scan *s, const prp_landscape_options *opt) {
  const prp_problem *pb = &s->prog->problem;
  double *x = NULL, *u = NULL;
  size_t n = 0;
  if (pb->time_index < 0) {   /* the observations' times are split off below */
    prp_error_plain(s->diag, "the truth simulator integrates in time, and this problem declares no 'time'");
    return PRP_EXIT_INPUT;
  }
  if (opt->given_x) {
    n = opt->given_nobs;
    x = prp_xmalloc(n * (size_t)pb->ncoords + 1, sizeof *x);
    u = prp_xmalloc(n + 1, sizeof *u);
    memcpy(x, opt->given_x, n * (size_t)pb->ncoords * sizeof *x);
    memcpy(u, opt->given_u, n * sizeof *u);
  } else if (prp_plan_observations(s->prog, s->jit, s->diag, &n, &x, &u) != 0) {
    free(x);
    free(u);
    return PRP_EXIT_INPUT;
  }
  size_t ns = (size_t)pb->nspace, nc = (size_t)pb->ncoords;
  s->nobs = n;
  s->obs_x = prp_xcalloc(n * ns + 1, sizeof *s->obs_x);
  s->obs_t = prp_xcalloc(n + 1, sizeof *s->obs_t);
  s->model_u = prp_xcalloc(n + 1, sizeof *s->model_u);
  PRP_ASSERT(s->obs_x && s->obs_t && s->model_u);
  for (size_t i = 0; i < n; i++) {
    for (size_t d = 0; d < ns; d++) s->obs_x[i * ns + d] = x[i * nc + d];
    s->obs_t[i] = x[i * nc + (size_t)pb->time_index];
  }
  s->obs_u = u;
  s->obs_coords = x;
  if (n == 0) {
    prp_error_plain(s->diag, "landscape: there are no observations to compare the model with");
    return PRP_EXIT_INPUT;
  }
  return 0;
}

int prp_landscape_scan_open(prp_landscape_scan *s, const ast_program *prog, prp_jit *jit,
                            const prp_landscape_options *opt, prp_diag *diag, prp_landscape_setting *settings,
                            int *nsettings, const char **dilated) {
  *s = (scan){.prog = prog, .jit = jit, .diag = diag};
  fix_other_unknowns(s);
  choose_grid(prog, opt, s->grid);
  if (!opt->schedule) {
    find_dilated(s);
    make_settings(opt, s, settings, nsettings);
  }
  int rc = load_observations(s, opt);
  if (!rc && opt->schedule) {
    double at[PRP_LANDSCAPE_MAX_LIST];
    for (int i = 0; i < opt->nat; i++) at[i] = opt->at[i] / 100;
    rc = prp_landscape_schedule_levels(s, at, opt->nat, settings, nsettings);
  }
  *dilated = s->ndilated ? s->dilated[0]->name : NULL;
  return rc;
}

/* ---- one model, several smoothings --------------------------------------------------- */

/* A lowering of the model with the scanned unknown at p, the others at their base values and
 * the k-th dilated constant multiplied by factor[k]. */
static prp_lowering *model_lowering(const scan *s, prp_dag *dag, int param, double p, const double *factor) {
  const prp_problem *pb = &s->prog->problem;
  prp_lowering *l = prp_lowering_new(dag, s->prog);
  for (int k = 0; k < pb->nunknowns; k++)
    prp_lowering_override(l, pb->unknowns[k], prp_const(dag, k == param ? p : s->base[k]));
  for (int i = 0; i < s->ndilated; i++)
    prp_lowering_override(l, s->dilated[i], prp_const(dag, factor[i] * s->dilated_value[i]));
  return l;
}

static double mean_square_misfit(const scan *s) {
  double sum = 0;
  for (size_t i = 0; i < s->nobs; i++) {
    double r = s->model_u[i] - s->obs_u[i];
    sum += r * r;
  }
  return sum / (double)s->nobs;
}

static int simulate_misfit(scan *s, const prp_sim_problem *base, double eps, double scale, double *loss) {
  prp_sim_problem p = *base;
  for (int d = 0; d < p.dim; d++) p.diffusivity[d] += eps / scale;
  prp_sim_request req = {.n_sensors = s->nobs, .sensor_x = s->obs_x, .sensor_t = s->obs_t, .sensor_u = s->model_u};
  /* Without smoothing the model runs exactly like the truth did (so at the truth L is the
   * noise alone); the smoothing makes the diffusion stiff, where IMEX steps are 3x cheaper
   * overall and change L by < 0.1% (source1d). */
  prp_sim_options options = {.diffusion = eps > 0 ? PRP_SIM_DIFFUSION_IMPLICIT : PRP_SIM_DIFFUSION_AUTO};
  char *err = prp_sim_run(&p, &options, &req, NULL);
  s->runs++;
  if (err) {
    const char *why = strncmp(err, "simulate: ", 10) == 0 ? err + 10 : err;
    prp_error(s->diag, s->prog->problem.pde->loc, "landscape: the simulation of the model with eps = %g failed: %s", eps, why);
    free(err);
    return PRP_EXIT_RUNTIME;
  }
  *loss = mean_square_misfit(s);
  return 0;
}

/* L for the model at p with the settings' factors (all the same) and their smoothings: one
 * compilation, n runs. */
static int model_misfits(scan *s, int param, double p, const prp_landscape_setting *settings, int n, double *loss) {
  const prp_problem *pb = &s->prog->problem;
  prp_dag *dag = prp_dag_new();
  prp_lowering *l = model_lowering(s, dag, param, p, settings[0].factor);
  prp_node residual = prp_sub(dag, prp_lower_expr(l, pb->pde->lhs, -1, 0), prp_lower_expr(l, pb->pde->rhs, -1, 0));
  prp_truth_pde pde;
  int rc = prp_pde_coefficients_extract(s->prog, pb->pde, "model PDE", dag, residual, s->diag, &pde);
  if (!rc) {
    prp_sim_problem problem;
    prp_sim_compiled *compiled = prp_sim_compile(s->prog, s->jit, &pde, l, s->grid, s->warned ? NULL : s->diag, &problem);
    s->warned = 1;
    for (int e = 0; !rc && e < n; e++) rc = simulate_misfit(s, &problem, settings[e].eps, pde.scale, &loss[e]);
    prp_sim_compiled_free(compiled);
  }
  prp_lowering_free(l);
  prp_truth_pde_free(&pde);
  return rc;
}

static int same_factors(const scan *s, const prp_landscape_setting *a, const prp_landscape_setting *b) {
  for (int k = 0; k < s->ndilated; k++)
    if (a->factor[k] != b->factor[k]) return 0;
  return 1;
}

int prp_landscape_scan_misfits(prp_landscape_scan *s, const prp_landscape_setting *settings, int nsettings, int param,
                               double p, double *loss) {
  int rc = 0;
  for (int first = 0, last; !rc && first < nsettings; first = last) {
    for (last = first + 1; last < nsettings && same_factors(s, &settings[first], &settings[last]); last++) {}
    rc = model_misfits(s, param, p, &settings[first], last - first, &loss[first]);
  }
  return rc;
}

static int run_scan(scan *s, prp_landscape *ls) {
  double lower[PRP_LANDSCAPE_MAX_SETTINGS], upper[PRP_LANDSCAPE_MAX_SETTINGS], centre[PRP_LANDSCAPE_MAX_SETTINGS];
  for (size_t i = 0; i < ls->npoints; i++) {
    double p = ls->p[i];
    int rc = prp_landscape_scan_misfits(s, ls->settings, ls->nsettings, ls->unknown, p, centre);
    if (!rc) rc = prp_landscape_scan_misfits(s, ls->settings, ls->nsettings, ls->unknown, p - ls->step, lower);
    if (!rc) rc = prp_landscape_scan_misfits(s, ls->settings, ls->nsettings, ls->unknown, p + ls->step, upper);
    if (rc) return rc;
    for (int set = 0; set < ls->nsettings; set++) {
      ls->loss[(size_t)set * ls->npoints + i] = centre[set];
      ls->grad[(size_t)set * ls->npoints + i] = (upper[set] - lower[set]) / (2 * ls->step);
    }
  }
  return 0;
}

static void allocate(prp_landscape *ls, int points) {
  ls->npoints = (size_t)points;
  ls->p = prp_xcalloc(ls->npoints, sizeof *ls->p);
  ls->loss = prp_xcalloc(ls->npoints * (size_t)ls->nsettings + 1, sizeof *ls->loss);
  ls->grad = prp_xcalloc(ls->npoints * (size_t)ls->nsettings + 1, sizeof *ls->grad);
  PRP_ASSERT(ls->p && ls->loss && ls->grad);
  for (size_t i = 0; i < ls->npoints; i++)
    ls->p[i] = i + 1 == ls->npoints ? ls->hi : ls->lo + (ls->hi - ls->lo) * (double)i / (double)(ls->npoints - 1);
  ls->step = 1e-3 * (ls->hi - ls->lo);
}

int prp_landscape_compute(const ast_program *prog, prp_jit *jit, const prp_landscape_options *options, prp_diag *diag,
                          prp_landscape *out) {
  PRP_ASSERT(prog->checked);
  memset(out, 0, sizeof *out);
  out->truth = NAN;
  prp_landscape_options opt = *options;
  if (!opt.param) {
    prp_error_plain(diag, "landscape: name the unknown to scan with --param NAME");
    return PRP_EXIT_INPUT;
  }
  int rc = prp_landscape_prepare_options(prog, &opt, 0, diag);
  int k = rc ? -1 : prp_landscape_find_unknown(prog, opt.param, diag);
  if (k < 0) return PRP_EXIT_INPUT;
  rc = prp_landscape_range(prog, &opt, k, diag, &out->lo, &out->hi);
  if (rc) return rc;
  out->unknown = k;
  out->param = prog->problem.unknowns[k]->name;
  out->truth = prp_landscape_truth_value(prog, prog->problem.unknowns[k]);
  scan s;
  rc = prp_landscape_scan_open(&s, prog, jit, &opt, diag, out->settings, &out->nsettings, &out->dilated);
  if (s.ndilated) out->dilated_value = s.dilated_value[0];
  memcpy(out->grid, s.grid, sizeof out->grid);
  allocate(out, opt.points);
  if (!rc) rc = run_scan(&s, out);
  out->nobs = s.nobs;
  out->simulations = s.runs;
  scan_free(&s);
  return rc;
}

void prp_landscape_free(prp_landscape *ls) {
  if (!ls) return;
  free(ls->p);
  free(ls->loss);
  free(ls->grad);
  memset(ls, 0, sizeof *ls);
}

size_t prp_landscape_nearest(const prp_landscape *ls, double v) {
  size_t best = 0;
  for (size_t i = 1; i < ls->npoints; i++)
    if (fabs(ls->p[i] - v) < fabs(ls->p[best] - v)) best = i;
  return best;
}

size_t prp_landscape_argmin(const prp_landscape *ls, int s) {
  const double *L = &ls->loss[(size_t)s * ls->npoints];
  size_t best = 0;
  for (size_t i = 1; i < ls->npoints; i++)
    if (L[i] < L[best]) best = i;
  return best;
}

void prp_landscape_basin(const prp_landscape *ls, int s, size_t *first, size_t *last) {
  const double *g = &ls->grad[(size_t)s * ls->npoints];
  double tau = 0;
  for (size_t i = 0; i < ls->npoints; i++) tau = fmax(tau, 1e-3 * fabs(g[i]));
  size_t min = prp_landscape_argmin(ls, s);
  *first = *last = min;
  while (*first > 0 && g[*first - 1] < -tau) (*first)--;
  while (*last + 1 < ls->npoints && g[*last + 1] > tau) (*last)++;
}
