/* `prpc landscape --follow`, computation: rows of a run's history (landscape_follow_history.c)
 * replayed through the misfit landscape's simulator (landscape_common.h) at the logged
 * unknowns and relaxation level, the simulator's gradient set against the PINN's logged one.
 * landscape_follow_output.c writes and shows the result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "util.h"
#include "landscape_follow.h"
#include "landscape_common.h"
#include "progress.h"

/* 2 atan2(|a/|a| - b/|b||, |a/|a| + b/|b||): accurate near 0 and 180 degrees, where acos of
 * the cosine loses half the digits. */
double prp_follow_angle(const double *a, const double *b, int n) {
  double aa = 0, bb = 0;
  for (int k = 0; k < n; k++) aa += a[k] * a[k], bb += b[k] * b[k];
  if (!(aa > 0) || !(bb > 0) || !isfinite(aa) || !isfinite(bb)) return NAN;
  double na = sqrt(aa), nb = sqrt(bb), diff = 0, sum = 0;
  for (int k = 0; k < n; k++) {
    double d = a[k] / na - b[k] / nb, s = a[k] / na + b[k] / nb;
    diff += d * d, sum += s * s;
  }
  return 2 * atan2(sqrt(diff), sqrt(sum)) * 180.0 / M_PI;
}

size_t prp_follow_pick_rows(size_t n, size_t k, size_t *rows) {
  if (k >= n) k = n;
  for (size_t i = 0; i < k; i++)
    rows[i] = k == 1 ? n - 1 : (size_t)llround((double)i * (double)(n - 1) / (double)(k - 1));
  return k;
}

/* ---- the history's columns ------------------------------------------------------------ */

/* Where each quantity is in the history: -1 for a schedule the run did not log. */
typedef struct columns {
  int epoch, theta[PRP_TRAIN_MAX_UNKNOWNS], grad[PRP_TRAIN_MAX_UNKNOWNS];
  int eps, dilated[PRP_LANDSCAPE_MAX_LIST];
} columns;

static int require(const prp_run_history *h, const char *name, const char *path, const char *why, prp_diag *diag) {
  int c = prp_run_history_column(h, name);
  if (c < 0) prp_error_plain(diag, "landscape: %s has no column '%s'%s", path, name, why);
  return c;
}

static int find_columns(const prp_landscape_scan *s, const prp_run_history *h, const char *path,
                        char names[][PRP_LANDSCAPE_NAME_MAX], columns *c, prp_diag *diag) {
  const prp_problem *pb = &s->prog->problem;
  c->epoch = require(h, "epoch", path, " (not a history.csv of prpc run?)", diag);
  for (int k = 0; c->epoch >= 0 && k < pb->nunknowns; k++) {
    char grad[96];
    snprintf(grad, sizeof grad, "dL_d%s", pb->unknowns[k]->name);
    c->theta[k] = require(h, pb->unknowns[k]->name, path, " (a run of another problem?)", diag);
    c->grad[k] = c->theta[k] < 0 ? -1 : require(h, grad, path, " (the PINN's gradient per unknown: "
                                                 "the run is older than this prpc; run it again)", diag);
    if (c->grad[k] < 0) return PRP_EXIT_INPUT;
  }
  if (c->epoch < 0) return PRP_EXIT_INPUT;
  c->eps = names[0][0] ? prp_run_history_column(h, names[0]) : -1;
  for (int k = 0; k < s->ndilated; k++) c->dilated[k] = names[1 + k][0] ? prp_run_history_column(h, names[1 + k]) : -1;
  if (c->eps < 0 && names[0][0])
    fprintf(stderr, "prpc: note: landscape: %s has no column '%s': no smoothing (a run with --no-relax?)\n", path, names[0]);
  return 0;
}

/* ---- one sample ------------------------------------------------------------------------- */

/* The difference step of unknown k at value v. */
static double step_of(const ast_program *prog, int k, double v) {
  const ast_decl *d = prog->problem.unknowns[k]->decl;
  double lo, hi;
  if (d->lo && d->hi && prp_const_eval(d->lo, &lo) && prp_const_eval(d->hi, &hi) && hi > lo) return 1e-3 * (hi - lo);
  return 1e-3 * fmax(1.0, fabs(v));
}

/* The relaxation level of a row: the logged eps and dilated values. */
static prp_landscape_setting row_level(const prp_landscape_scan *s, const columns *c, const double *row,
                                       prp_follow_sample *out) {
  prp_landscape_setting st = {.at = NAN, .dilate = 1};
  st.eps = c->eps >= 0 ? fmax(0, row[c->eps]) : 0;
  for (int k = 0; k < PRP_LANDSCAPE_MAX_LIST; k++) st.factor[k] = 1;
  for (int k = 0; k < s->ndilated; k++)
    if (c->dilated[k] >= 0 && s->dilated_value[k] != 0) st.factor[k] = row[c->dilated[k]] / s->dilated_value[k];
  st.dilate = st.factor[0];
  out->eps = st.eps;
  out->width = s->ndilated ? st.factor[0] * s->dilated_value[0] : NAN;
  return st;
}

static int sample_row(prp_landscape_scan *s, const columns *c, const double *row, prp_follow_sample *out) {
  const prp_problem *pb = &s->prog->problem;
  int n = pb->nunknowns;
  out->epoch = row[c->epoch];
  for (int k = 0; k < n; k++) s->base[k] = out->theta[k] = row[c->theta[k]], out->grad_pinn[k] = row[c->grad[k]];
  prp_landscape_setting st = row_level(s, c, row, out);
  int rc = prp_landscape_scan_misfits(s, &st, 1, -1, 0, &out->loss);
  for (int k = 0; !rc && k < n; k++) {
    double h = step_of(s->prog, k, out->theta[k]), lower = NAN, upper = NAN;
    rc = prp_landscape_scan_misfits(s, &st, 1, k, out->theta[k] - h, &lower);
    if (!rc) rc = prp_landscape_scan_misfits(s, &st, 1, k, out->theta[k] + h, &upper);
    if (!rc) out->grad_sim[k] = (upper - lower) / (2 * h);
  }
  double ss = 0, pp = 0;
  for (int k = 0; k < n; k++) ss += out->grad_sim[k] * out->grad_sim[k], pp += out->grad_pinn[k] * out->grad_pinn[k];
  out->norm_sim = sqrt(ss);
  out->norm_pinn = sqrt(pp);
  out->angle = prp_follow_angle(out->grad_sim, out->grad_pinn, n);
  return rc;
}

/* ---- the samples ------------------------------------------------------------------------ */

static void show_progress(const prp_follow *f, size_t done, size_t total, double start) {
  const prp_follow_sample *x = &f->samples[done - 1];
  char eta[32];
  prp_format_duration(eta, sizeof eta, (prp_now() - start) * (double)(total - done) / (double)done);
  fprintf(stderr, "follow: %zu/%zu: epoch %g, angle %.1f deg, %s left\n", done, total, x->epoch, x->angle, eta);
  fflush(stderr);
}

static int run_samples(prp_landscape_scan *s, const prp_run_history *h, const columns *c, size_t k, int quiet,
                       prp_follow *f) {
  size_t *rows = prp_xcalloc(k, sizeof *rows);
  f->samples = prp_xcalloc(k, sizeof *f->samples);
  PRP_ASSERT(rows && f->samples);
  size_t n = prp_follow_pick_rows(h->nrows, k, rows);
  double start = prp_now();
  int rc = 0;
  prp_interrupt_install();
  for (size_t i = 0; !rc && i < n; i++) {
    rc = sample_row(s, c, &h->data[rows[i] * h->ncols], &f->samples[i]);
    if (rc) break;
    f->nsamples = i + 1;
    if (!quiet) show_progress(f, i + 1, n, start);
    if (i + 1 < n && prp_interrupt_requested()) {
      prp_error_plain(s->diag, "landscape: interrupted after %zu of %zu samples", i + 1, n);
      rc = PRP_EXIT_INTERRUPT;
    }
  }
  prp_interrupt_restore();
  prp_interrupt_clear();
  free(rows);
  return rc;
}

static int read_history(const prp_landscape_options *opt, prp_run_history *h, char *path, size_t size, prp_diag *diag) {
  snprintf(path, size, "%s/history.csv", opt->follow);
  if (access(opt->follow, F_OK) != 0) {
    prp_error_plain(diag, "landscape: --follow %s: no such directory (give the output directory of a prpc run)", opt->follow);
    return PRP_EXIT_INPUT;
  }
  char *err = prp_run_history_read(path, h);
  if (!err) return 0;
  prp_error_plain(diag, "landscape: %s", err);
  free(err);
  return PRP_EXIT_INPUT;
}

static int check_options(const ast_program *prog, const prp_landscape_options *opt, prp_diag *diag) {
  if (opt->param || opt->has_range || opt->neps || opt->ndilate || opt->schedule || opt->nat || opt->points) {
    prp_error_plain(diag, "landscape: --follow takes the unknowns and levels from the run; "
                          "--param, --range, --points, --eps, --dilate, --schedule and --at do not apply");
    return PRP_EXIT_INPUT;
  }
  if (prog->problem.nunknowns == 0 || prog->problem.nunknowns > PRP_TRAIN_MAX_UNKNOWNS) {
    prp_error_plain(diag, "landscape: --follow needs 1 to %d unknowns, this problem has %d", PRP_TRAIN_MAX_UNKNOWNS,
                    prog->problem.nunknowns);
    return PRP_EXIT_INPUT;
  }
  return 0;
}

int prp_follow_compute(const ast_program *prog, prp_jit *jit, const prp_landscape_options *opt, prp_diag *diag,
                       prp_follow *out) {
  PRP_ASSERT(prog->checked && opt->follow);
  memset(out, 0, sizeof *out);
  prp_run_history h;
  char path[4096];
  int rc = check_options(prog, opt, diag);
  if (!rc) rc = read_history(opt, &h, path, sizeof path, diag);
  if (rc) return rc;
  out->nrows = h.nrows;
  out->nunknowns = prog->problem.nunknowns;
  for (int k = 0; k < out->nunknowns; k++) out->names[k] = prog->problem.unknowns[k]->name;
  prp_landscape_options sopt = {.grid = opt->grid};
  prp_landscape_setting unused[PRP_LANDSCAPE_MAX_SETTINGS];
  int nunused;
  prp_landscape_scan s;
  char names[1 + PRP_LANDSCAPE_MAX_LIST][PRP_LANDSCAPE_NAME_MAX];
  columns c;
  rc = prp_landscape_scan_open(&s, prog, jit, &sopt, diag, unused, &nunused, &out->dilated);
  if (!rc) rc = prp_landscape_schedule_names(&s, names);
  if (!rc) rc = find_columns(&s, &h, path, names, &c, diag);
  out->dilated = s.ndilated ? s.dilated[0]->name : NULL;
  memcpy(out->grid, s.grid, sizeof out->grid);
  out->nobs = s.nobs;
  if (!rc) rc = run_samples(&s, &h, &c, (size_t)(opt->samples > 0 ? opt->samples : PRP_FOLLOW_DEFAULT_SAMPLES),
                            opt->quiet, out);
  out->simulations = s.runs;
  prp_landscape_scan_close(&s);
  prp_run_history_free(&h);
  return rc;
}

void prp_follow_free(prp_follow *f) {
  if (!f) return;
  free(f->samples);
  memset(f, 0, sizeof *f);
}
