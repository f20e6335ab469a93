/* The misfit landscape, computation: the model's PDE lowered with the scanned unknown and the
 * relaxations fixed, its coefficients extracted and JIT-compiled (simulate.h), simulated at
 * every value of the scan and compared with the observations. landscape_output.c shows it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util.h"
#include "landscape.h"
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

/* Everything one scan needs. */
typedef struct scan {
  const ast_program *prog;
  prp_jit *jit;
  prp_diag *diag;
  int warned;                          /* warnings about missing conditions given once */
  double *base;                        /* value of every unknown, the scanned one excepted */
  const ast_symbol *dilated[PRP_LANDSCAPE_MAX_LIST];   /* constants under a dilatation schedule */
  double dilated_value[PRP_LANDSCAPE_MAX_LIST];         /* their values in the model */
  int ndilated;
  int grid[PRP_SIM_MAX_DIM];
  size_t nobs;
  double *obs_x, *obs_t, *obs_u;       /* sensor positions (nobs x nspace), times, values */
  double *model_u;
  long runs;
} scan;

static void scan_free(scan *s) {
  free(s->base);
  free(s->obs_x);
  free(s->obs_t);
  free(s->obs_u);
  free(s->model_u);
}

/* ---- setting up ------------------------------------------------------------------- */

static int find_unknown(const ast_program *prog, const char *name, prp_diag *diag) {
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

/* The truth block's `set` value of an unknown, NAN if it gives none. */
static double truth_value(const ast_program *prog, const ast_symbol *sym) {
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
    double v = truth_value(s->prog, pb->unknowns[k]);
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

/* The range: --range, else the unknown's bounds. */
static int choose_range(const ast_program *prog, const prp_landscape_options *opt, int k, prp_diag *diag,
                        prp_landscape *out) {
  const ast_decl *d = prog->problem.unknowns[k]->decl;
  if (opt->has_range) out->lo = opt->lo, out->hi = opt->hi;
  else if (!d->lo || !prp_const_eval(d->lo, &out->lo) || !prp_const_eval(d->hi, &out->hi)) {
    prp_error(diag, d->loc, "landscape: '%s' has no bounds; give the range to scan with --range LO:HI", d->name);
    return PRP_EXIT_INPUT;
  }
  if (!(out->lo < out->hi) || !isfinite(out->lo) || !isfinite(out->hi)) {
    prp_error_plain(diag, "landscape: the range [%g, %g] of '%s' is empty", out->lo, out->hi, d->name);
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
  return 0;
}

static void label_setting(const prp_landscape *ls, prp_landscape_setting *st) {
  if (st->eps == 0 && st->dilate == 1) snprintf(st->label, sizeof st->label, "no relaxation");
  else if (st->dilate == 1) snprintf(st->label, sizeof st->label, "eps %g", st->eps);
  else if (st->eps == 0) snprintf(st->label, sizeof st->label, "%s x %g", ls->dilated, st->dilate);
  else snprintf(st->label, sizeof st->label, "eps %g, %s x %g", st->eps, ls->dilated, st->dilate);
}

/* The settings: every eps with the first factor, then every other factor with the first eps;
 * without a dilated constant only the eps (factor 1). */
static void make_settings(const prp_landscape_options *opt, int ndilated, prp_landscape *out) {
  double first_dilate = ndilated ? opt->dilate[0] : 1;
  for (int i = 0; i < opt->neps; i++)
    out->settings[out->nsettings++] = (prp_landscape_setting){.eps = opt->eps[i], .dilate = first_dilate};
  for (int j = 1; ndilated && j < opt->ndilate; j++)
    out->settings[out->nsettings++] = (prp_landscape_setting){.eps = opt->eps[0], .dilate = opt->dilate[j]};
  for (int s = 0; s < out->nsettings; s++) label_setting(out, &out->settings[s]);
}

/* The observations, split into positions, times and values for the simulator. */
static int load_observations(scan *s) {
  const prp_problem *pb = &s->prog->problem;
  double *x = NULL, *u = NULL;
  size_t n = 0;
  if (prp_plan_observations(s->prog, s->jit, s->diag, &n, &x, &u) != 0) {
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
  free(x);
  if (n == 0) {
    prp_error_plain(s->diag, "landscape: there are no observations to compare the model with");
    return PRP_EXIT_INPUT;
  }
  return 0;
}

/* ---- one model, several smoothings --------------------------------------------------- */

/* A lowering of the model with the scanned unknown at p, the others at their base values and
 * every dilated constant multiplied by f. */
static prp_lowering *model_lowering(const scan *s, prp_dag *dag, int param, double p, double f) {
  const prp_problem *pb = &s->prog->problem;
  prp_lowering *l = prp_lowering_new(dag, s->prog);
  for (int k = 0; k < pb->nunknowns; k++)
    prp_lowering_override(l, pb->unknowns[k], prp_const(dag, k == param ? p : s->base[k]));
  for (int i = 0; i < s->ndilated; i++)
    prp_lowering_override(l, s->dilated[i], prp_const(dag, f * s->dilated_value[i]));
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

/* L for the model at (p, f) and each of the neps smoothings: one compilation, neps runs. */
static int model_misfits(scan *s, int param, double p, double f, const double *eps, int neps, double *loss) {
  const prp_problem *pb = &s->prog->problem;
  prp_dag *dag = prp_dag_new();
  prp_lowering *l = model_lowering(s, dag, param, p, f);
  prp_node residual = prp_sub(dag, prp_lower_expr(l, pb->pde->lhs, -1, 0), prp_lower_expr(l, pb->pde->rhs, -1, 0));
  prp_truth_pde pde;
  int rc = prp_pde_coefficients_extract(s->prog, pb->pde, "model PDE", dag, residual, s->diag, &pde);
  if (!rc) {
    prp_sim_problem problem;
    prp_sim_compiled *compiled = prp_sim_compile(s->prog, s->jit, &pde, l, s->grid, s->warned ? NULL : s->diag, &problem);
    s->warned = 1;
    for (int e = 0; !rc && e < neps; e++) rc = simulate_misfit(s, &problem, eps[e], pde.scale, &loss[e]);
    prp_sim_compiled_free(compiled);
  }
  prp_lowering_free(l);
  prp_truth_pde_free(&pde);
  return rc;
}

/* L at p for every setting, in the settings' order. */
static int misfits_at(scan *s, const prp_landscape_options *opt, prp_landscape *ls, double p, double *loss) {
  int rc = model_misfits(s, ls->unknown, p, ls->settings[0].dilate, opt->eps, opt->neps, loss);
  for (int set = opt->neps; !rc && set < ls->nsettings; set++)
    rc = model_misfits(s, ls->unknown, p, ls->settings[set].dilate, &ls->settings[set].eps, 1, &loss[set]);
  return rc;
}

static int run_scan(scan *s, const prp_landscape_options *opt, prp_landscape *ls) {
  double lower[PRP_LANDSCAPE_MAX_SETTINGS], upper[PRP_LANDSCAPE_MAX_SETTINGS], centre[PRP_LANDSCAPE_MAX_SETTINGS];
  for (size_t i = 0; i < ls->npoints; i++) {
    double p = ls->p[i];
    int rc = misfits_at(s, opt, ls, p, centre);
    if (!rc) rc = misfits_at(s, opt, ls, p - ls->step, lower);
    if (!rc) rc = misfits_at(s, opt, ls, p + ls->step, upper);
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
  ls->loss = prp_xcalloc(ls->npoints * (size_t)ls->nsettings, sizeof *ls->loss);
  ls->grad = prp_xcalloc(ls->npoints * (size_t)ls->nsettings, sizeof *ls->grad);
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
  prp_landscape_options_defaults(&opt);
  if (!opt.param) {
    prp_error_plain(diag, "landscape: name the unknown to scan with --param NAME");
    return PRP_EXIT_INPUT;
  }
  int rc = check_lists(&opt, diag);
  int k = rc ? -1 : find_unknown(prog, opt.param, diag);
  if (k < 0) return PRP_EXIT_INPUT;
  rc = choose_range(prog, &opt, k, diag, out);
  if (rc) return rc;
  scan s = {.prog = prog, .jit = jit, .diag = diag};
  find_dilated(&s);
  if (!s.ndilated && options->ndilate > 0) {
    prp_error_plain(diag, "landscape: --dilate needs a 'dilatation' schedule in the relax block (the constant to widen)");
    return PRP_EXIT_INPUT;
  }
  out->unknown = k;
  out->param = prog->problem.unknowns[k]->name;
  out->truth = truth_value(prog, prog->problem.unknowns[k]);
  if (s.ndilated) out->dilated = s.dilated[0]->name, out->dilated_value = s.dilated_value[0];
  make_settings(&opt, s.ndilated, out);
  allocate(out, opt.points);
  fix_other_unknowns(&s);
  choose_grid(prog, &opt, s.grid);
  memcpy(out->grid, s.grid, sizeof out->grid);
  rc = load_observations(&s);
  if (!rc) rc = run_scan(&s, &opt, out);
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
