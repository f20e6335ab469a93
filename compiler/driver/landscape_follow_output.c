/* `prpc landscape --follow`, output: follow.csv, follow.png (runtime/plot.h), the table on
 * stdout, and the command. landscape_follow.c computes the samples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"
#include "landscape_follow.h"
#include "landscape_common.h"
#include "plot.h"
#include "state_io.h"

/* ---- follow.csv ---------------------------------------------------------------------- */

enum { FIXED_AFTER_UNKNOWNS = 6 };   /* eps, width, angle, grad_sim, grad_pinn, L */

static size_t csv_columns(const prp_follow *f, char (*names)[96]) {
  static const char *const fixed[FIXED_AFTER_UNKNOWNS] = {"eps", "width", "angle", "grad_sim", "grad_pinn", "L"};
  size_t c = 0;
  snprintf(names[c++], 96, "epoch");
  for (int k = 0; k < f->nunknowns; k++) snprintf(names[c++], 96, "%s", f->names[k]);
  for (int i = 0; i < FIXED_AFTER_UNKNOWNS; i++) snprintf(names[c++], 96, "%s", fixed[i]);
  for (int k = 0; k < f->nunknowns; k++) snprintf(names[c++], 96, "dLsim_d%s", f->names[k]);
  for (int k = 0; k < f->nunknowns; k++) snprintf(names[c++], 96, "dLpinn_d%s", f->names[k]);
  return c;
}

static void csv_row(const prp_follow *f, const prp_follow_sample *x, double *row) {
  size_t c = 0;
  row[c++] = x->epoch;
  for (int k = 0; k < f->nunknowns; k++) row[c++] = x->theta[k];
  row[c++] = x->eps;
  row[c++] = x->width;
  row[c++] = x->angle;
  row[c++] = x->norm_sim;
  row[c++] = x->norm_pinn;
  row[c++] = x->loss;
  for (int k = 0; k < f->nunknowns; k++) row[c++] = x->grad_sim[k];
  for (int k = 0; k < f->nunknowns; k++) row[c++] = x->grad_pinn[k];
}

char *prp_follow_write_csv(const prp_follow *f, const char *path) {
  size_t ncols = 1 + FIXED_AFTER_UNKNOWNS + 3 * (size_t)f->nunknowns;
  char (*names)[96] = prp_xcalloc(ncols, sizeof *names);
  const char **ptrs = prp_xcalloc(ncols, sizeof *ptrs);
  prp_table t = {.nrows = f->nsamples, .ncols = ncols, .data = prp_xcalloc(f->nsamples * ncols + 1, sizeof(double))};
  PRP_ASSERT(names && ptrs && t.data);
  csv_columns(f, names);
  for (size_t c = 0; c < ncols; c++) ptrs[c] = names[c];
  for (size_t i = 0; i < f->nsamples; i++) csv_row(f, &f->samples[i], &t.data[i * ncols]);
  char *err = prp_csv_write_table(path, ptrs, &t);
  free(t.data);
  free(ptrs);
  free(names);
  return err;
}

/* ---- follow.png ---------------------------------------------------------------------- */

char *prp_follow_plot(const prp_follow *f, const char *path) {
  if (!prp_plot_available()) return prp_xstrdup("PLplot has no PNG driver (pngcairo) on this machine");
  size_t n = f->nsamples;
  double *epoch = prp_xcalloc(n + 1, sizeof *epoch), *angle = prp_xcalloc(n + 1, sizeof *angle);
  PRP_ASSERT(epoch && angle);
  for (size_t i = 0; i < n; i++) epoch[i] = f->samples[i].epoch, angle[i] = f->samples[i].angle;
  double e0 = n ? epoch[0] : 0, e1 = n ? epoch[n - 1] : 1;
  double line_x[2] = {e0, e1}, line_y[2] = {90, 90};
  double ends_x[5] = {e0, e1, e1, e0, e1}, ends_y[5] = {0, 0, NAN, 180, 180};   /* NAN breaks the line */
  prp_plot_series series[3] = {
      {"angle between the PINN's and the simulator's -dL/dtheta", epoch, angle, n},
      {"90: unrelated", line_x, line_y, 2},
      {"0: follows, 180: against", ends_x, ends_y, 5}};
  char title[160];
  snprintf(title, sizeof title, "does the PINN follow the relaxed landscape? (%zu samples)", n);
  prp_plot_frame fr = {.path = path, .title = title, .xlabel = "epoch", .ylabel = "angle (degrees)"};
  char *err = prp_plot_lines(&fr, series, 3, false);
  free(epoch);
  free(angle);
  return err;
}

/* ---- the table ------------------------------------------------------------------------ */

void prp_follow_print(const prp_follow *f, FILE *out) {
  fprintf(out, "PINN gradient against the simulator's, %zu of %zu history rows, grid %d, %zu observations\n",
          f->nsamples, f->nrows, f->grid[0], f->nobs);
  fprintf(out, "%8s", "epoch");
  for (int k = 0; k < f->nunknowns; k++) fprintf(out, " %9s", f->names[k]);
  fprintf(out, " %9s %9s %7s %10s %10s\n", "eps", f->dilated ? f->dilated : "width", "angle", "|g_sim|", "|g_pinn|");
  for (size_t i = 0; i < f->nsamples; i++) {
    const prp_follow_sample *x = &f->samples[i];
    fprintf(out, "%8g", x->epoch);
    for (int k = 0; k < f->nunknowns; k++) fprintf(out, " %9.4g", x->theta[k]);
    fprintf(out, " %9.3g %9.3g %7.1f %10.3g %10.3g\n", x->eps, x->width, x->angle, x->norm_sim, x->norm_pinn);
  }
  fprintf(out, "angle: 0 = the PINN moves the unknowns down the relaxed landscape, 90 = unrelated, 180 = against it\n");
}

/* ---- the command ------------------------------------------------------------------------ */

static int write_outputs(const prp_follow *f, const char *dir, int quiet, prp_diag *diag) {
  char csv[4096], png[4096];
  snprintf(csv, sizeof csv, "%s/follow.csv", dir);
  snprintf(png, sizeof png, "%s/follow.png", dir);
  char *err = prp_make_dirs(dir);
  if (!err) err = prp_follow_write_csv(f, csv);
  int plotted, code = prp_landscape_report_writes(diag, err, err ? NULL : prp_follow_plot(f, png), &plotted);
  if (!code && !quiet) printf("%ld simulations; wrote %s/follow.csv%s\n", f->simulations, dir, plotted ? ", follow.png" : "");
  return code;
}

int prp_follow_command(const ast_program *prog, const prp_landscape_options *opt, prp_diag *diag) {
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_follow f;
  int code = prp_follow_compute(prog, jit, opt, diag, &f);
  if ((!code || code == PRP_EXIT_INTERRUPT) && f.nsamples > 0) {
    if (!opt->quiet) prp_follow_print(&f, stdout);
    int written = write_outputs(&f, opt->output ? opt->output : opt->follow, opt->quiet, diag);
    if (!code) code = written;
  }
  prp_follow_free(&f);
  prp_jit_destroy(jit);
  return code;
}
