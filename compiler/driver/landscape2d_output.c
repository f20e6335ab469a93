/* The misfit landscape over two unknowns, output: landscape2d.csv, verdict.csv, one heat map per
 * level (runtime/plot.h), the verdict lines, and the command. landscape2d.c computes the scan. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"
#include "landscape2d.h"
#include "landscape_common.h"
#include "plot.h"
#include "state_io.h"

static size_t ncells(const prp_landscape2d *ls) { return ls->n[0] * ls->n[1]; }

/* ---- CSV ---------------------------------------------------------------------------- */

static char *write_table(const char *path, char (*names)[96], size_t ncols, prp_table *t) {
  const char **ptrs = prp_xcalloc(ncols, sizeof *ptrs);
  PRP_ASSERT(ptrs);
  for (size_t c = 0; c < ncols; c++) ptrs[c] = names[c];
  char *err = prp_csv_write_table(path, ptrs, t);
  free(ptrs);
  free(t->data);
  free(names);
  return err;
}

static char *write_grid(const prp_landscape2d *ls, const char *path) {
  size_t ncols = 2 + (size_t)ls->nsettings, n = ncells(ls);
  char (*names)[96] = prp_xcalloc(ncols, sizeof *names);
  prp_table t = {.nrows = n, .ncols = ncols, .data = prp_xcalloc(n * ncols, sizeof(double))};
  PRP_ASSERT(names && t.data);
  snprintf(names[0], sizeof names[0], "%s", ls->param[0]);
  snprintf(names[1], sizeof names[1], "%s", ls->param[1]);
  for (int s = 0; s < ls->nsettings; s++) prp_landscape_column_name(ls->dilated, &ls->settings[s], "L", names[2 + s], 96);
  for (size_t c = 0; c < n; c++) {
    double *row = &t.data[c * ncols];
    row[0] = ls->p[0][c % ls->n[0]], row[1] = ls->p[1][c / ls->n[0]];
    for (int s = 0; s < ls->nsettings; s++) row[2 + s] = ls->loss[(size_t)s * n + c];
  }
  return write_table(path, names, ncols, &t);
}

/* The target minimum's cell, or ncells if there is none. */
static size_t target_cell(const prp_landscape2d *ls, int s) {
  const prp_landscape_verdict *v = &ls->verdict[s];
  return v->target >= 0 ? v->minima[v->target] : ncells(ls);
}

static char *write_verdicts(const prp_landscape2d *ls, const char *path) {
  enum { NCOLS = 8 };
  static const char *const fixed[NCOLS] = {"at", "eps", "dilate", "minima", "share", NULL, NULL, "L_min"};
  char (*names)[96] = prp_xcalloc(NCOLS, sizeof *names);
  prp_table t = {.nrows = (size_t)ls->nsettings, .ncols = NCOLS, .data = prp_xcalloc((size_t)ls->nsettings * NCOLS + 1, sizeof(double))};
  PRP_ASSERT(names && t.data);
  for (int c = 0; c < NCOLS; c++) snprintf(names[c], 96, "%s", fixed[c] ? fixed[c] : "");
  snprintf(names[5], 96, "%s_min", ls->param[0]);
  snprintf(names[6], 96, "%s_min", ls->param[1]);
  for (int s = 0; s < ls->nsettings; s++) {
    const prp_landscape_setting *st = &ls->settings[s];
    size_t c = target_cell(ls, s);
    int has = c < ncells(ls);
    double row[NCOLS] = {100 * st->at, st->eps, st->dilate, ls->verdict[s].nminima, ls->verdict[s].share,
                         has ? ls->p[0][c % ls->n[0]] : NAN, has ? ls->p[1][c / ls->n[0]] : NAN,
                         has ? ls->loss[(size_t)s * ncells(ls) + c] : NAN};
    memcpy(&t.data[(size_t)s * NCOLS], row, sizeof row);
  }
  return write_table(path, names, NCOLS, &t);
}

char *prp_landscape2d_write_csv(const prp_landscape2d *ls, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/landscape2d.csv", dir);
  char *err = write_grid(ls, path);
  snprintf(path, sizeof path, "%s/verdict.csv", dir);
  return err ? err : write_verdicts(ls, path);
}

/* ---- heat maps ------------------------------------------------------------------------- */

typedef struct heat_map {
  double *values, *min_x, *min_y;
  unsigned char *region;
} heat_map;

/* log10 L, the counted minima kept and the target's basin of level s. */
static void heat_map_fill(const prp_landscape2d *ls, int s, heat_map *h) {
  size_t n = ncells(ls);
  const prp_landscape_verdict *v = &ls->verdict[s];
  h->values = prp_xmalloc(n * sizeof *h->values, 1);
  h->region = prp_xmalloc(n + 1, 1);
  h->min_x = prp_xmalloc(PRP_LANDSCAPE_MAX_MINIMA * sizeof(double), 1);
  h->min_y = prp_xmalloc(PRP_LANDSCAPE_MAX_MINIMA * sizeof(double), 1);
  PRP_ASSERT(h->values && h->region && h->min_x && h->min_y);
  for (size_t c = 0; c < n; c++) {
    double L = ls->loss[(size_t)s * n + c];
    h->values[c] = L > 0 ? log10(L) : NAN;
    h->region[c] = v->target >= 0 && ls->basin[(size_t)s * n + c] == v->target;
  }
  for (int k = 0; k < v->nminima && k < PRP_LANDSCAPE_MAX_MINIMA; k++)
    h->min_x[k] = ls->p[0][v->minima[k] % ls->n[0]], h->min_y[k] = ls->p[1][v->minima[k] / ls->n[0]];
}

static void heat_map_free(heat_map *h) {
  free(h->values);
  free(h->region);
  free(h->min_x);
  free(h->min_y);
}

static char *plot_level(const prp_landscape2d *ls, int s, const char *dir) {
  heat_map h;
  heat_map_fill(ls, s, &h);
  const prp_landscape_verdict *v = &ls->verdict[s];
  double half[2];
  for (int a = 0; a < 2; a++) half[a] = 0.5 * (ls->hi[a] - ls->lo[a]) / (double)(ls->n[a] - 1);
  prp_plot_field f = {.values = h.values, .nx = ls->n[0], .ny = ls->n[1], .x0 = ls->lo[0] - half[0],
                      .x1 = ls->hi[0] + half[0], .y0 = ls->lo[1] - half[1], .y1 = ls->hi[1] + half[1],
                      .value_label = "log10 L", .marker_x = h.min_x, .marker_y = h.min_y,
                      .nmarkers = (size_t)(v->nminima < PRP_LANDSCAPE_MAX_MINIMA ? v->nminima : PRP_LANDSCAPE_MAX_MINIMA),
                      .has_truth = isfinite(ls->truth[0]) && isfinite(ls->truth[1]), .truth_x = ls->truth[0],
                      .truth_y = ls->truth[1]};
  prp_plot_field_marks m = {.marker_label = "minima", .has_guess = isfinite(ls->guess[0]) && isfinite(ls->guess[1]),
                            .guess_x = ls->guess[0], .guess_y = ls->guess[1], .region = h.region,
                            .region_label = "basin"};
  char path[4096], title[160];
  snprintf(path, sizeof path, "%s/misfit2d_%d.png", dir, s);
  snprintf(title, sizeof title, "%s: %d minim%s, %.0f%% of the box in the basin", ls->settings[s].label, v->nminima,
           v->nminima == 1 ? "um" : "a", 100 * v->share);
  prp_plot_frame fr = {.path = path, .width = 800, .height = 700, .title = title, .xlabel = ls->param[0],
                       .ylabel = ls->param[1]};
  char *err = prp_plot_field2d_marked(&fr, &f, &m);
  heat_map_free(&h);
  return err;
}

char *prp_landscape2d_plot(const prp_landscape2d *ls, const char *dir) {
  if (!prp_plot_available()) return prp_errorf("PLplot has no PNG driver (pngcairo) on this machine");
  char *err = NULL;
  for (int s = 0; !err && s < ls->nsettings; s++) err = plot_level(ls, s, dir);
  return err;
}

/* ---- verdict lines ----------------------------------------------------------------------- */

void prp_landscape2d_print(const prp_landscape2d *ls, FILE *out) {
  fprintf(out, "misfit landscape of (%s, %s) over [%g, %g] x [%g, %g]: %zu x %zu values, %zu observations\n",
          ls->param[0], ls->param[1], ls->lo[0], ls->hi[0], ls->lo[1], ls->hi[1], ls->n[0], ls->n[1], ls->nobs);
  int has_truth = isfinite(ls->truth[0]) && isfinite(ls->truth[1]);
  for (int s = 0; s < ls->nsettings; s++) {
    const prp_landscape_verdict *v = &ls->verdict[s];
    fprintf(out, "verdict %s: ", ls->settings[s].label);
    if (v->target < 0) {
      fprintf(out, "flat (L the same everywhere)\n");
      continue;
    }
    size_t c = v->minima[v->target];
    fprintf(out, "%d local minim%s; %.1f%% of the box descends to the one at (%.4g, %.4g)", v->nminima,
            v->nminima == 1 ? "um" : "a", 100 * v->share, ls->p[0][c % ls->n[0]], ls->p[1][c / ls->n[0]]);
    if (has_truth) fprintf(out, ", nearest the truth (%g, %g)\n", ls->truth[0], ls->truth[1]);
    else fprintf(out, ", the lowest (no truth given)\n");
  }
}

/* ---- the command ------------------------------------------------------------------------- */

static char *output_dir(const ast_program *prog, const prp_landscape_options *opt) {
  if (opt->output) return prp_errorf("%s", opt->output);
  return prp_errorf("results/landscape-%s", prog->problem.name ? prog->problem.name : "problem");
}

static int write_outputs(const prp_landscape2d *ls, const char *dir, int quiet, prp_diag *diag) {
  char *err = prp_make_dirs(dir);
  if (!err) err = prp_landscape2d_write_csv(ls, dir);
  int plotted, code = prp_landscape_report_writes(diag, err, err ? NULL : prp_landscape2d_plot(ls, dir), &plotted);
  if (!code && !quiet)
    printf("%ld simulations; wrote %s/landscape2d.csv, verdict.csv%s\n", ls->simulations, dir,
           plotted ? ", misfit2d_K.png per level K" : "");
  return code;
}

int prp_landscape2d_command(const ast_program *prog, const prp_landscape_options *opt, prp_diag *diag) {
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_landscape2d ls;
  int code = prp_landscape2d_compute(prog, jit, opt, diag, &ls);
  if (!code) {
    char *dir = output_dir(prog, opt);
    if (!opt->quiet) prp_landscape2d_print(&ls, stdout);
    code = write_outputs(&ls, dir, opt->quiet, diag);
    free(dir);
  }
  prp_landscape2d_free(&ls);
  prp_jit_destroy(jit);
  return code;
}
