/* Running, output: the trained field on a regular grid as VTK ImageData over time
 * (runtime/vtk_image.h), with the simulated truth interpolated onto the same grid. */
#include "field_export.h"
#include "util.h"
#include "simulate.h"
#include "state_io.h"
#include "vtk_image.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The images to write: up to three axes, each a coordinate, and the frames' times. A 1D
 * problem with time is one space-time image whose second axis is time. */
typedef struct {
  int ncoords, nspace, time_index, time_on_axis;
  int axis_coord[3];
  prp_vtk_grid grid;
  size_t points;          /* per image */
  int nframes;            /* images */
  double *t;              /* the frames' times (or the time axis' values) */
  int ntimes;
} layout;

static double *even_times(const prp_train_problem *tp, int n) {
  double *t = prp_xmalloc((size_t)n * sizeof *t, 1);
  double t0 = tp->lo[tp->time_index], t1 = tp->hi[tp->time_index];
  for (int k = 0; k < n; k++) t[k] = n == 1 || k + 1 == n ? t1 : t0 + (t1 - t0) * k / (n - 1);
  return t;
}

static void set_axis(layout *l, int a, int coord, int n, double lo, double hi) {
  l->axis_coord[a] = coord;
  l->grid.dims[a] = n;
  l->grid.origin[a] = n > 1 ? lo : hi;
  l->grid.spacing[a] = n > 1 ? (hi - lo) / (n - 1) : 1;
}

static void make_layout(const prp_train_problem *tp, const prp_field_grid *g, layout *l) {
  memset(l, 0, sizeof *l);
  l->ncoords = tp->n_inputs, l->nspace = tp->n_space, l->time_index = tp->time_index;
  for (int a = 0; a < 3; a++) set_axis(l, a, -1, 1, 0, 0);
  for (int d = 0; d < tp->n_space && d < 3; d++) set_axis(l, d, d, g->n[d], tp->lo[d], tp->hi[d]);
  l->ntimes = tp->time_index >= 0 ? g->times : 0;
  l->t = l->ntimes ? even_times(tp, l->ntimes) : NULL;
  l->time_on_axis = tp->n_space == 1 && l->ntimes > 0;
  if (l->time_on_axis) {
    set_axis(l, 1, tp->time_index, g->times, tp->lo[tp->time_index], tp->hi[tp->time_index]);
    l->grid.origin[1] = l->t[0];
  }
  l->nframes = l->ntimes && !l->time_on_axis ? l->ntimes : 1;
  l->points = (size_t)l->grid.dims[0] * (size_t)l->grid.dims[1] * (size_t)l->grid.dims[2];
}

/* The coordinates of frame f's points (row-major, the problem's coordinate order), and
 * the truth frame each point belongs to. */
static void frame_points(const layout *l, int f, double *x, size_t *truth_frame) {
  for (size_t p = 0; p < l->points; p++) {
    size_t idx[3] = {p % (size_t)l->grid.dims[0], p / (size_t)l->grid.dims[0] % (size_t)l->grid.dims[1],
                     p / ((size_t)l->grid.dims[0] * (size_t)l->grid.dims[1])};
    double *xp = x + p * (size_t)l->ncoords;
    for (int a = 0; a < 3; a++)
      if (l->axis_coord[a] >= 0) xp[l->axis_coord[a]] = l->grid.origin[a] + (double)idx[a] * l->grid.spacing[a];
    if (l->time_on_axis) xp[l->time_index] = l->t[idx[1]];
    else if (l->ntimes) xp[l->time_index] = l->t[f];
    truth_frame[p] = l->time_on_axis ? idx[1] : (size_t)f;
  }
}

/* The simulated field at space point x of a frame, multilinear between the nodes. */
static double truth_at(const prp_observations *o, size_t frame, const double *x) {
  const double *u = o->frame_u + frame * o->frame_points;
  size_t base[PRP_SIM_MAX_DIM], stride[PRP_SIM_MAX_DIM], s = 1;
  double w[PRP_SIM_MAX_DIM];
  for (int d = 0; d < o->nspace; d++) {
    int n = o->grid[d];
    double q = (x[d] - o->lo[d]) / ((o->hi[d] - o->lo[d]) / (n - 1));
    double i = fmin(fmax(floor(q), 0), n - 2);
    base[d] = (size_t)i, w[d] = fmin(fmax(q - i, 0), 1), stride[d] = s;
    s *= (size_t)n;
  }
  double sum = 0;
  for (int c = 0; c < 1 << o->nspace; c++) {
    double weight = 1;
    size_t at = 0;
    for (int d = 0; d < o->nspace; d++) {
      int up = (c >> d) & 1;
      weight *= up ? w[d] : 1 - w[d];
      at += (base[d] + (size_t)up) * stride[d];
    }
    if (weight != 0) sum += weight * u[at];
  }
  return sum;
}

/* The truth's frames at the layout's times; 0 if there is no truth or it cannot be run. */
static int simulate_frames(const ast_program *prog, prp_jit *jit, const layout *l, prp_observations *obs) {
  memset(obs, 0, sizeof *obs);
  if (!prog->problem.truth || !l->ntimes) return 0;
  FILE *sink = fopen("/dev/null", "w");
  prp_diag quiet;
  prp_diag_init(&quiet, sink, 0);
  prp_simulate_options opt = {.n_frames = (size_t)l->ntimes};
  int ok = prp_simulate_truth_with(prog, jit, &opt, &quiet, obs) == 0 && obs->n_frames == (size_t)l->ntimes;
  if (sink) fclose(sink);
  return ok;
}

static char *write_frame(const layout *l, const char *dir, int f, const char *field, const double *u,
                         const double *truth, char *relative, size_t relsize) {
  char names[3][80], path[4096];
  snprintf(names[0], sizeof names[0], "%s", field);
  snprintf(names[1], sizeof names[1], "%s_truth", field);
  snprintf(names[2], sizeof names[2], "%s_error", field);
  double *err = NULL;
  prp_vtk_array arrays[3] = {{names[0], u}, {names[1], truth}, {names[2], NULL}};
  if (truth) {
    err = prp_xmalloc(l->points * sizeof *err, 1);
    for (size_t p = 0; p < l->points; p++) err[p] = u[p] - truth[p];
    arrays[2].values = err;
  }
  snprintf(relative, relsize, "field/field_%04d.vti", f);
  snprintf(path, sizeof path, "%s/%s", dir, relative);
  char *e = prp_vtk_image_write(path, &l->grid, arrays, truth ? 3 : 1);
  free(err);
  return e;
}

static char *write_frames(const ast_program *prog, const prp_field_model *m, const layout *l, const prp_observations *obs,
                          int has_truth, const char *dir) {
  double *x = prp_xcalloc(l->points * (size_t)l->ncoords, sizeof *x), *u = prp_xmalloc(l->points * sizeof *u, 1);
  double *truth = has_truth ? prp_xmalloc(l->points * sizeof *truth, 1) : NULL;
  size_t *tf = prp_xmalloc(l->points * sizeof *tf, 1);
  char (*files)[64] = prp_xcalloc((size_t)l->nframes, sizeof *files);
  const char **names = prp_xcalloc((size_t)l->nframes, sizeof *names);
  double *times = prp_xcalloc((size_t)l->nframes, sizeof *times);
  char *err = NULL;
  for (int f = 0; f < l->nframes && !err; f++) {
    frame_points(l, f, x, tf);
    prp_field_eval(m, l->points, x, u);
    for (size_t p = 0; truth && p < l->points; p++) truth[p] = truth_at(obs, tf[p], x + p * (size_t)l->ncoords);
    err = write_frame(l, dir, f, prog->problem.field->name, u, truth, files[f], sizeof files[f]);
    names[f] = files[f];
    times[f] = l->ntimes && !l->time_on_axis ? l->t[f] : 0;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/field.pvd", dir);
  if (!err) err = prp_vtk_collection_write(path, names, times, (size_t)l->nframes);
  free(x), free(u), free(truth), free(tf), free(files), free(names), free(times);
  return err;
}

char *prp_field_export(const ast_program *prog, prp_jit *jit, const prp_field_model *m, const prp_field_grid *g,
                       const char *dir) {
  layout l;
  make_layout(&m->plan->problem, g, &l);
  char sub[4096];
  snprintf(sub, sizeof sub, "%s/field", dir);
  char *err = prp_make_dirs(sub);
  if (!err) {
    prp_observations obs;
    int has_truth = simulate_frames(prog, jit, &l, &obs);
    err = write_frames(prog, m, &l, &obs, has_truth, dir);
    prp_observations_free(&obs);
  }
  free(l.t);
  return err;
}
