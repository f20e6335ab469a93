/* Truth simulation, output: the observations as a sensor CSV file (runtime/csv.h), the
 * simulated field as a PNG plot (runtime/plot.h), and the extracted coefficients as text. */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "plot.h"
#include "simulate.h"

char *prp_observations_write_csv(const ast_program *prog, const prp_observations *obs, const char *path) {
  const prp_problem *pb = &prog->problem;
  const char *names[PRP_MAX_COORDS + 1];
  size_t nc = (size_t)obs->ncoords;
  PRP_ASSERT(obs->ncoords == pb->ncoords);
  for (int k = 0; k < pb->ncoords; k++) names[k] = pb->coords[k]->name;
  names[nc] = pb->field->name;
  prp_table table = {.nrows = obs->n, .ncols = nc + 1, .data = prp_xcalloc(obs->n * (nc + 1), sizeof(double))};
  for (size_t i = 0; i < obs->n; i++) {
    memcpy(&table.data[i * (nc + 1)], &obs->coords[i * nc], nc * sizeof(double));
    table.data[i * (nc + 1) + nc] = obs->u[i];
  }
  char *err = prp_csv_write_table(path, names, &table);
  free(table.data);
  return err;
}

/* ---- plots --------------------------------------------------------------------------- */

/* 1D: the field at every frame time. */
static char *plot_profiles(const ast_program *prog, const prp_observations *obs, const prp_plot_frame *fr) {
  size_t nx = (size_t)obs->grid[0];
  double *x = prp_xcalloc(nx, sizeof *x);
  for (size_t i = 0; i < nx; i++) x[i] = obs->lo[0] + (obs->hi[0] - obs->lo[0]) * (double)i / (double)(nx - 1);
  char *err = prp_plot_profiles(fr, x, nx, obs->frame_u, obs->frame_t, obs->n_frames);
  free(x);
  return err;
}

/* 2D (3D: the slice through the middle of the third coordinate): the last frame, with the
 * sensors' positions marked (consecutive observations at one position counted once). */
static char *plot_map(const ast_program *prog, const prp_observations *obs, const prp_plot_frame *fr) {
  size_t nx = (size_t)obs->grid[0], ny = (size_t)obs->grid[1];
  size_t slice = obs->nspace == 3 ? (size_t)obs->grid[2] / 2 : 0;
  const double *last = obs->frame_u + (obs->n_frames - 1) * obs->frame_points + slice * nx * ny;
  double *mx = prp_xcalloc(obs->n, sizeof *mx), *my = prp_xcalloc(obs->n, sizeof *my);
  size_t nm = 0, nc = (size_t)obs->ncoords;
  for (size_t i = 0; i < obs->n; i++) {
    const double *c = &obs->coords[i * nc];
    if (nm && mx[nm - 1] == c[0] && my[nm - 1] == c[1]) continue;
    mx[nm] = c[0], my[nm++] = c[1];
  }
  prp_plot_field f = {.values = last, .nx = nx, .ny = ny, .x0 = obs->lo[0], .x1 = obs->hi[0], .y0 = obs->lo[1],
                      .y1 = obs->hi[1], .value_label = prog->problem.field->name, .marker_x = mx, .marker_y = my,
                      .nmarkers = nm};
  char *err = prp_plot_field2d(fr, &f);
  free(mx);
  free(my);
  return err;
}

char *prp_observations_plot(const ast_program *prog, const prp_observations *obs, const char *path) {
  if (!obs->n_frames) return prp_xstrdup("no frames were simulated to plot");
  if (!prp_plot_available()) return prp_xstrdup("PLplot has no PNG driver (pngcairo) on this machine");
  const prp_problem *pb = &prog->problem;
  char title[160];
  if (obs->nspace == 1)
    snprintf(title, sizeof title, "truth of %s", pb->name ? pb->name : "the problem");
  else
    snprintf(title, sizeof title, "truth of %s at %s = %g%s", pb->name ? pb->name : "the problem",
             pb->coords[pb->time_index]->name, obs->frame_t[obs->n_frames - 1], obs->nspace == 3 ? ", middle slice" : "");
  prp_plot_frame fr = {.path = path, .title = title, .xlabel = pb->coords[0]->name,
                       .ylabel = obs->nspace == 1 ? pb->field->name : pb->coords[1]->name};
  return obs->nspace == 1 ? plot_profiles(prog, obs, &fr) : plot_map(prog, obs, &fr);
}

/* ---- the coefficients as text ------------------------------------------------------- */

/* The shortest %g form that reads back as the same double (5e-4, not 0.00050000000000000001). */
static void print_number(FILE *out, double v) {
  char buf[32];
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) break;
  }
  fputs(buf, out);
}

void prp_truth_pde_print(const ast_program *prog, const prp_truth_pde *pde, FILE *out) {
  const prp_problem *pb = &prog->problem;
  const char *u = pb->field->name;
  fprintf(out, "# truth PDE (line %d), as a2 %s_tt + a1 %s_t + v . grad(%s) - sum_d D_d %s_dd = g\n", pde->decl->loc.line,
          u, u, u, u);
  if (pde->scale != 1) fprintf(out, "# divided by %g, the coefficient of its highest time derivative\n", pde->scale);
  fprintf(out, "a2 = %d\na1 = ", pde->a2);
  print_number(out, pde->a1);
  for (int d = 0; d < pde->nspace; d++) {
    fprintf(out, "\nD_%s = ", pb->coords[d]->name);
    print_number(out, pde->diffusivity[d]);
  }
  fputc('\n', out);
  for (int d = 0; d < pde->nspace; d++) {
    fprintf(out, "v_%s = ", pb->coords[d]->name);
    prp_expr_print(pde->dag, pde->velocity[d], out);
    fputc('\n', out);
  }
  if (pde->has_velocity) fprintf(out, "# the velocity %s on time\n", pde->velocity_steady ? "does not depend" : "depends");
  fprintf(out, "g = ");
  prp_expr_print(pde->dag, pde->source, out);
  fputc('\n', out);
}
