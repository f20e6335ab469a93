/* The misfit landscape, output: landscape.csv, the PNG plots (runtime/plot.h), the table on
 * stdout, and the `prpc landscape` command with its options. landscape.c computes the scan. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"
#include "landscape.h"
#include "landscape_common.h"
#include "plot.h"
#include "state_io.h"

/* ---- landscape.csv --------------------------------------------------------------- */

static void column_name(const prp_landscape *ls, const char *what, int s, char *out, size_t size) {
  prp_landscape_column_name(ls->dilated, &ls->settings[s], what, out, size);
}

char *prp_landscape_write_csv(const prp_landscape *ls, const char *path) {
  size_t ncols = 1 + 2 * (size_t)ls->nsettings;
  char (*names)[96] = prp_xcalloc(ncols, sizeof *names);
  const char **name_ptrs = prp_xcalloc(ncols, sizeof *name_ptrs);
  prp_table t = {.nrows = ls->npoints, .ncols = ncols, .data = prp_xcalloc(ls->npoints * ncols, sizeof(double))};
  PRP_ASSERT(names && name_ptrs && t.data);
  snprintf(names[0], sizeof names[0], "%s", ls->param);
  for (int s = 0; s < ls->nsettings; s++) {
    column_name(ls, "L", s, names[1 + 2 * s], sizeof names[0]);
    column_name(ls, "dLdp", s, names[2 + 2 * s], sizeof names[0]);
  }
  for (size_t c = 0; c < ncols; c++) name_ptrs[c] = names[c];
  for (size_t i = 0; i < ls->npoints; i++) {
    double *row = &t.data[i * ncols];
    row[0] = ls->p[i];
    for (int s = 0; s < ls->nsettings; s++) {
      row[1 + 2 * s] = ls->loss[(size_t)s * ls->npoints + i];
      row[2 + 2 * s] = ls->grad[(size_t)s * ls->npoints + i];
    }
  }
  char *err = prp_csv_write_table(path, name_ptrs, &t);
  free(t.data);
  free(name_ptrs);
  free(names);
  return err;
}

/* ---- plots ------------------------------------------------------------------------ */

typedef enum { PLOT_LOSS, PLOT_GRAD, PLOT_GRAD_ABS } plot_kind;

/* The values one plot shows: L, dL/dp or |dL/dp|, setting after setting. */
static double *plot_values(const prp_landscape *ls, plot_kind kind) {
  size_t n = ls->npoints * (size_t)ls->nsettings;
  double *v = prp_xcalloc(n, sizeof *v);
  PRP_ASSERT(v);
  for (size_t i = 0; i < n; i++)
    v[i] = kind == PLOT_LOSS ? ls->loss[i] : kind == PLOT_GRAD ? ls->grad[i] : fabs(ls->grad[i]);
  return v;
}

/* The extent of the values shown (positive ones only on a log scale), for the truth line. */
static void shown_extent(const double *v, size_t n, int log_y, double *lo, double *hi) {
  *lo = INFINITY, *hi = -INFINITY;
  for (size_t i = 0; i < n; i++)
    if (isfinite(v[i]) && (!log_y || v[i] > 0)) *lo = fmin(*lo, v[i]), *hi = fmax(*hi, v[i]);
}

static char *plot_one(const prp_landscape *ls, const char *dir, plot_kind kind) {
  static const char *const files[] = {"misfit.png", "gradient.png", "gradient_abs.png"};
  int log_y = kind != PLOT_GRAD;
  double *v = plot_values(ls, kind);
  prp_plot_series series[PRP_LANDSCAPE_MAX_SETTINGS + 1];
  size_t ns = 0;
  for (int s = 0; s < ls->nsettings; s++)
    series[ns++] = (prp_plot_series){.name = ls->settings[s].label, .x = ls->p, .y = v + (size_t)s * ls->npoints,
                                     .n = ls->npoints};
  double truth_x[2] = {ls->truth, ls->truth}, truth_y[2];
  shown_extent(v, ls->npoints * (size_t)ls->nsettings, log_y, &truth_y[0], &truth_y[1]);
  if (isfinite(ls->truth) && truth_y[0] < truth_y[1])
    series[ns++] = (prp_plot_series){.name = "truth", .x = truth_x, .y = truth_y, .n = 2};
  char path[4096], title[160], ylabel[96], xlabel[64];
  snprintf(path, sizeof path, "%s/%s", dir, files[kind]);
  snprintf(xlabel, sizeof xlabel, "%s", ls->param);
  if (kind == PLOT_LOSS) snprintf(ylabel, sizeof ylabel, "data misfit L");
  else snprintf(ylabel, sizeof ylabel, kind == PLOT_GRAD ? "dL/d%s" : "|dL/d%s|", ls->param);
  snprintf(title, sizeof title, "%s over %s, forward simulator (%zu observations)",
           kind == PLOT_LOSS ? "misfit" : "gradient of the misfit", ls->param, ls->nobs);
  prp_plot_frame fr = {.path = path, .title = title, .xlabel = xlabel, .ylabel = ylabel};
  char *err = prp_plot_lines(&fr, series, ns, log_y);
  free(v);
  return err;
}

char *prp_landscape_plot(const prp_landscape *ls, const char *dir) {
  if (!prp_plot_available()) return prp_errorf("PLplot has no PNG driver (pngcairo) on this machine");
  char *err = NULL;
  for (int kind = PLOT_LOSS; !err && kind <= PLOT_GRAD_ABS; kind++) err = plot_one(ls, dir, (plot_kind)kind);
  return err;
}

/* ---- the table ------------------------------------------------------------------------ */

/* The row of the truth: the value of p nearest to it, if within half a spacing; else npoints. */
static size_t truth_row(const prp_landscape *ls) {
  if (!isfinite(ls->truth)) return ls->npoints;
  size_t i = prp_landscape_nearest(ls, ls->truth);
  double half_spacing = 0.5 * (ls->hi - ls->lo) / (double)(ls->npoints - 1);
  return fabs(ls->p[i] - ls->truth) <= half_spacing * (1 + 1e-9) ? i : ls->npoints;
}

/* About 11 evenly spaced rows and the one of the truth, in order, without repeats. */
static size_t table_rows(const prp_landscape *ls, size_t *rows) {
  size_t n = 0, want = ls->npoints < 11 ? ls->npoints : 11;
  size_t at_truth = truth_row(ls);
  for (size_t r = 0; r < want; r++) {
    size_t i = want == 1 ? 0 : (size_t)lround((double)r * (double)(ls->npoints - 1) / (double)(want - 1));
    if (at_truth < i && (n == 0 || rows[n - 1] < at_truth)) rows[n++] = at_truth;
    if (n == 0 || rows[n - 1] != i) rows[n++] = i;
  }
  return n;
}

static void print_block(const prp_landscape *ls, FILE *out, const double *values, const char *what,
                        const size_t *rows, size_t nrows) {
  fprintf(out, "%s\n%10s", what, ls->param);
  for (int s = 0; s < ls->nsettings; s++) fprintf(out, " %14.14s", ls->settings[s].label);
  fputc('\n', out);
  for (size_t r = 0; r < nrows; r++) {
    size_t i = rows[r];
    int is_truth = i == truth_row(ls);
    fprintf(out, "%10.4g", ls->p[i]);
    for (int s = 0; s < ls->nsettings; s++) fprintf(out, " %14.4g", values[(size_t)s * ls->npoints + i]);
    if (is_truth && ls->p[i] == ls->truth) fprintf(out, "  <- truth");
    else if (is_truth) fprintf(out, "  <- nearest the truth (%g)", ls->truth);
    fputc('\n', out);
  }
}

void prp_landscape_print(const prp_landscape *ls, FILE *out) {
  size_t rows[24];
  size_t nrows = table_rows(ls, rows);
  char title[96];
  fprintf(out, "misfit landscape of %s over [%g, %g]: %zu values, %zu observations, dL/d%s by central differences "
          "(h = %g)\n", ls->param, ls->lo, ls->hi, ls->npoints, ls->nobs, ls->param, ls->step);
  print_block(ls, out, ls->loss, "L", rows, nrows);
  snprintf(title, sizeof title, "dL/d%s", ls->param);
  print_block(ls, out, ls->grad, title, rows, nrows);
  fprintf(out, "%-22s %-12s %-20s %-11s %s\n", "setting", "min L at", "descent basin", "dL/dp at lo", "at hi");
  for (int s = 0; s < ls->nsettings; s++) {
    const double *g = &ls->grad[(size_t)s * ls->npoints];
    size_t first, last;
    prp_landscape_basin(ls, s, &first, &last);
    char basin[48];
    snprintf(basin, sizeof basin, "[%.4g, %.4g]", ls->p[first], ls->p[last]);
    fprintf(out, "%-22s %-12.4g %-20s %-11.3g %.3g\n", ls->settings[s].label, ls->p[prp_landscape_argmin(ls, s)], basin,
            g[0], g[ls->npoints - 1]);
  }
}

/* ---- the command ------------------------------------------------------------------------ */

static char *output_dir(const ast_program *prog, const prp_landscape_options *opt) {
  if (opt->output) return prp_errorf("%s", opt->output);
  return prp_errorf("results/landscape-%s", prog->problem.name ? prog->problem.name : "problem");
}

int prp_landscape_report_writes(prp_diag *diag, char *csv_err, char *plot_err, int *plotted) {
  *plotted = 0;
  char *err = csv_err ? csv_err : plot_err && prp_plot_available() ? plot_err : NULL;
  if (err) {
    prp_error_plain(diag, "landscape: %s", err);
    free(csv_err);
    free(plot_err);
    return PRP_EXIT_IO;
  }
  if (plot_err) {   /* the numbers are written; a missing plot driver is not worth failing for */
    fprintf(stderr, "prpc: warning: landscape: no plots: %s\n", plot_err);
    free(plot_err);
    return 0;
  }
  *plotted = 1;
  return 0;
}

static int write_outputs(const prp_landscape *ls, const char *dir, int quiet, prp_diag *diag) {
  char path[4096];
  snprintf(path, sizeof path, "%s/landscape.csv", dir);
  char *err = prp_make_dirs(dir);
  if (!err) err = prp_landscape_write_csv(ls, path);
  int plotted, code = prp_landscape_report_writes(diag, err, err ? NULL : prp_landscape_plot(ls, dir), &plotted);
  if (!code && !quiet)
    printf("%ld simulations; wrote %s/landscape.csv%s\n", ls->simulations, dir,
           plotted ? ", misfit.png, gradient.png, gradient_abs.png" : "");
  return code;
}

int prp_landscape_command(const ast_program *prog, const prp_landscape_options *opt, prp_diag *diag) {
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_landscape ls;
  int code = prp_landscape_compute(prog, jit, opt, diag, &ls);
  if (!code) {
    char *dir = output_dir(prog, opt);
    if (!opt->quiet) prp_landscape_print(&ls, stdout);
    code = write_outputs(&ls, dir, opt->quiet, diag);
    free(dir);
  }
  prp_landscape_free(&ls);
  prp_jit_destroy(jit);
  return code;
}

/* ---- options ------------------------------------------------------------------------------ */

static int parse_number(const char *text, double *v) {
  char *end;
  errno = 0;
  *v = strtod(text, &end);
  return end != text && *end == '\0' && errno == 0 && isfinite(*v);
}

/* "0,0.005,0.02" into at most PRP_LANDSCAPE_MAX_LIST numbers. */
static int parse_list(const char *text, double *values, int *n) {
  char buf[512];
  if (strlen(text) >= sizeof buf) return 0;
  strcpy(buf, text);
  *n = 0;
  for (char *save = NULL, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save))
    if (*n == PRP_LANDSCAPE_MAX_LIST || !parse_number(item, &values[(*n)++])) return 0;
  return *n > 0;
}

static int parse_range(const char *text, prp_landscape_options *opt) {
  const char *colon = strchr(text, ':');
  char lo[128];
  if (!colon || (size_t)(colon - text) >= sizeof lo) return 0;
  memcpy(lo, text, (size_t)(colon - text));
  lo[colon - text] = '\0';
  opt->has_range = parse_number(lo, &opt->lo) && parse_number(colon + 1, &opt->hi);
  return opt->has_range;
}

static int parse_whole(const char *text, int min, int *out) {
  char *end;
  long n = strtol(text, &end, 10);
  if (end == text || *end || n < min || n > 100000) return 0;
  *out = (int)n;
  return 1;
}

static int store_option(prp_landscape_options *opt, const char *name, const char *value) {
  if (strcmp(name, "param") == 0) {
    opt->param = value;
    return *value != '\0';
  }
  if (strcmp(name, "follow") == 0) {
    opt->follow = value;
    return *value != '\0';
  }
  if (strcmp(name, "samples") == 0) return parse_whole(value, 1, &opt->samples);
  if (strcmp(name, "range") == 0) return parse_range(value, opt);
  if (strcmp(name, "points") == 0) return parse_whole(value, 2, &opt->points);
  if (strcmp(name, "grid") == 0) return parse_whole(value, 5, &opt->grid);
  if (strcmp(name, "eps") == 0) return parse_list(value, opt->eps, &opt->neps);
  if (strcmp(name, "at") == 0) return parse_list(value, opt->at, &opt->nat);
  return parse_list(value, opt->dilate, &opt->ndilate);
}

static const char *const option_help[] = {
    "param", "NAME or NAME1,NAME2 (unknowns)", "range", "LO:HI", "points", "N >= 2", "grid", "N >= 5",
    "eps", "a list of at most 8 numbers, as 0,0.005,0.02", "dilate", "a list of at most 8 numbers, as 1,4,10",
    "at", "a list of at most 8 percentages, as 0,50,100", "follow", "RUN_DIR (the output directory of a prpc run)",
    "samples", "K >= 1 (rows of the run's history)"};

int prp_landscape_parse_arg(prp_landscape_options *opt, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  if (strncmp(a, "--", 2) != 0) return 0;
  if (strcmp(a, "--schedule") == 0) return opt->schedule = 1;
  for (size_t k = 0; k < sizeof option_help / sizeof *option_help; k += 2) {
    size_t len = strlen(option_help[k]);
    if (strncmp(a + 2, option_help[k], len) != 0 || (a[2 + len] != '\0' && a[2 + len] != '=')) continue;
    const char *value = a[2 + len] == '=' ? a + 3 + len : *i + 1 < argc ? argv[*i + 1] : NULL;
    if (value && a[2 + len] != '=') (*i)++;
    if (!value || !store_option(opt, option_help[k], value)) {
      if (value) fprintf(stderr, "prpc: error: --%s expects %s, not '%s'\n", option_help[k], option_help[k + 1], value);
      else fprintf(stderr, "prpc: error: --%s expects %s\n", option_help[k], option_help[k + 1]);
      return -1;
    }
    return 1;
  }
  return 0;
}
