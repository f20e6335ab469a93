/* The misfit landscape over two unknowns, computation: the model simulated at every point of the
 * grid and every level (landscape_common.h), progress on stderr, Ctrl-C; then the verdicts
 * (landscape_verdict.c). landscape2d_output.c writes and shows the result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "util.h"
#include "landscape2d.h"
#include "landscape_common.h"
#include "progress.h"

/* "xs,ys" into two names; PRP_EXIT_INPUT (reported) unless exactly two different ones. */
static int split_params(const char *text, char names[2][64], prp_diag *diag) {
  const char *comma = strchr(text, ',');
  size_t len0 = comma ? (size_t)(comma - text) : 0;
  if (!comma || strchr(comma + 1, ',') || len0 == 0 || !comma[1] || len0 >= 64 || strlen(comma + 1) >= 64) {
    prp_error_plain(diag, "landscape: --param takes one unknown or two separated by a comma (as xs,ys), not '%s'", text);
    return PRP_EXIT_INPUT;
  }
  memcpy(names[0], text, len0);
  names[0][len0] = '\0';
  snprintf(names[1], 64, "%s", comma + 1);
  if (strcmp(names[0], names[1]) == 0) {
    prp_error_plain(diag, "landscape: --param names '%s' twice; give two different unknowns", names[0]);
    return PRP_EXIT_INPUT;
  }
  return 0;
}

/* The two unknowns: names, ranges (their bounds), truth and guess. */
static int choose_unknowns(const ast_program *prog, const prp_landscape_options *opt, prp_diag *diag,
                           prp_landscape2d *out) {
  char names[2][64];
  if (!opt->param) {
    prp_error_plain(diag, "landscape: name the unknowns to scan with --param NAME1,NAME2");
    return PRP_EXIT_INPUT;
  }
  if (split_params(opt->param, names, diag)) return PRP_EXIT_INPUT;
  if (opt->has_range) {
    prp_error_plain(diag, "landscape: --range is for one unknown; with two the scan covers their bounds");
    return PRP_EXIT_INPUT;
  }
  for (int a = 0; a < 2; a++) {
    int k = prp_landscape_find_unknown(prog, names[a], diag);
    if (k < 0 || prp_landscape_range(prog, opt, k, diag, &out->lo[a], &out->hi[a])) return PRP_EXIT_INPUT;
    const ast_symbol *sym = prog->problem.unknowns[k];
    out->unknown[a] = k;
    out->param[a] = sym->name;
    out->truth[a] = prp_landscape_truth_value(prog, sym);
    if (!prp_const_eval(sym->decl->value, &out->guess[a])) out->guess[a] = NAN;
  }
  return 0;
}

static void allocate(prp_landscape2d *ls, int points) {
  size_t ncells = (size_t)points * (size_t)points;
  for (int a = 0; a < 2; a++) {
    ls->n[a] = (size_t)points;
    ls->p[a] = prp_xcalloc(ls->n[a], sizeof *ls->p[a]);
    PRP_ASSERT(ls->p[a]);
    for (size_t i = 0; i < ls->n[a]; i++)
      ls->p[a][i] = i + 1 == ls->n[a] ? ls->hi[a] : ls->lo[a] + (ls->hi[a] - ls->lo[a]) * (double)i / (double)(ls->n[a] - 1);
  }
  ls->loss = prp_xcalloc(ncells * (size_t)ls->nsettings + 1, sizeof *ls->loss);
  ls->basin = prp_xcalloc(ncells * (size_t)ls->nsettings + 1, sizeof *ls->basin);
  PRP_ASSERT(ls->loss && ls->basin);
}

/* ---- progress ------------------------------------------------------------------------ */

typedef struct progress {
  int show, live;
  long total;
  double start, last;
  int tenth;                           /* plain mode: tenths reported */
} progress;

static void progress_show(progress *pr, long done) {
  if (!pr->show) return;
  double now = prp_now();
  char eta[32] = "?";
  if (done > 0) prp_format_duration(eta, sizeof eta, (now - pr->start) * (double)(pr->total - done) / (double)done);
  if (pr->live && (now - pr->last >= 0.25 || done == pr->total)) {
    fprintf(stderr, "\rlandscape: %ld/%ld simulations, %s left   ", done, pr->total, eta);
    if (done == pr->total) fputc('\n', stderr);
    pr->last = now;
  } else if (!pr->live && done * 10 >= (long)(pr->tenth + 1) * pr->total) {
    while (done * 10 >= (long)(pr->tenth + 1) * pr->total) pr->tenth++;
    fprintf(stderr, "landscape: %ld/%ld simulations, %s left\n", done, pr->total, eta);
  }
  fflush(stderr);
}

/* ---- the scan ------------------------------------------------------------------------ */

static int run_grid(prp_landscape_scan *s, prp_landscape2d *ls, int quiet) {
  size_t ncells = ls->n[0] * ls->n[1];
  progress pr = {.show = !quiet, .live = isatty(fileno(stderr)), .total = (long)(ncells * (size_t)ls->nsettings),
                 .start = prp_now(), .last = -1};
  double loss[PRP_LANDSCAPE_MAX_SETTINGS];
  int rc = 0;
  prp_interrupt_install();
  for (size_t c = 0; !rc && c < ncells; c++) {
    s->base[ls->unknown[0]] = ls->p[0][c % ls->n[0]];
    s->base[ls->unknown[1]] = ls->p[1][c / ls->n[0]];
    rc = prp_landscape_scan_misfits(s, ls->settings, ls->nsettings, -1, 0, loss);
    for (int k = 0; !rc && k < ls->nsettings; k++) ls->loss[(size_t)k * ncells + c] = loss[k];
    if (!rc) progress_show(&pr, (long)((c + 1) * (size_t)ls->nsettings));
    if (!rc && prp_interrupt_requested()) {
      if (pr.live && pr.show) fputc('\n', stderr);
      prp_error_plain(s->diag, "landscape: interrupted after %ld of %ld simulations; nothing written",
                      (long)((c + 1) * (size_t)ls->nsettings), pr.total);
      rc = PRP_EXIT_INTERRUPT;
    }
  }
  prp_interrupt_restore();
  prp_interrupt_clear();
  return rc;
}

/* The truth in the grid's normalised coordinates (NAN if not known). */
static double normalised(const prp_landscape2d *ls, int a, double v) { return (v - ls->lo[a]) / (ls->hi[a] - ls->lo[a]); }

static int judge(prp_landscape2d *ls, prp_diag *diag) {
  size_t ncells = ls->n[0] * ls->n[1];
  double r1 = normalised(ls, 0, ls->truth[0]), r2 = normalised(ls, 1, ls->truth[1]);
  for (int k = 0; k < ls->nsettings; k++)
    if (prp_landscape_verdict_grid(&ls->loss[(size_t)k * ncells], ls->n[0], ls->n[1], r1, r2,
                                   &ls->basin[(size_t)k * ncells], &ls->verdict[k])) {
      prp_error_plain(diag, "landscape: the misfit at level '%s' is not finite somewhere", ls->settings[k].label);
      return PRP_EXIT_RUNTIME;
    }
  return 0;
}

int prp_landscape2d_compute(const ast_program *prog, prp_jit *jit, const prp_landscape_options *options, prp_diag *diag,
                            prp_landscape2d *out) {
  PRP_ASSERT(prog->checked);
  memset(out, 0, sizeof *out);
  out->truth[0] = out->truth[1] = NAN;
  prp_landscape_options opt = *options;
  if (opt.points <= 0) opt.points = PRP_LANDSCAPE_DEFAULT_POINTS_2D;
  int rc = prp_landscape_prepare_options(prog, &opt, 1, diag);
  if (!rc) rc = choose_unknowns(prog, &opt, diag, out);
  if (rc) return rc;
  prp_landscape_scan s;
  rc = prp_landscape_scan_open(&s, prog, jit, &opt, diag, out->settings, &out->nsettings, &out->dilated);
  memcpy(out->grid, s.grid, sizeof out->grid);
  out->nobs = s.nobs;
  allocate(out, opt.points);
  if (!rc) rc = run_grid(&s, out, opt.quiet);
  if (!rc) rc = judge(out, diag);
  out->simulations = s.runs;
  prp_landscape_scan_close(&s);
  return rc;
}

void prp_landscape2d_free(prp_landscape2d *ls) {
  if (!ls) return;
  free(ls->p[0]);
  free(ls->p[1]);
  free(ls->loss);
  free(ls->basin);
  memset(ls, 0, sizeof *ls);
}
