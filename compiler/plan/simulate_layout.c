/* Truth simulation, settings: the truth block's grid, noise and seed, and the points of a
 * sensor layout (ast_sensors) where simulate.c samples the simulated field. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util.h"
#include "simulate.h"

static const int default_grid[PRP_SIM_MAX_DIM + 1] = {0, 201, 129, 49};

static double const_value(const ast_expr *e) {
  double v;
  if (!prp_const_eval(e, &v)) prp_internal_error("a checked sensor position or count is not constant (line %d)", e->loc.line);
  return v;
}

static void read_grid(const ast_option *o, int nspace, prp_truth_settings *out) {
  int d = 0;
  for (int i = 0; i < o->nargs; i += 2)   /* N x M x K: the numbers sit at even positions */
    if (d < nspace && o->args[i].kind == ARG_NUMBER) out->grid[d++] = (int)o->args[i].num;
  out->grid_loc = o->loc;
}

static void read_option(const ast_decl *item, int nspace, prp_truth_settings *out) {
  const ast_option *o = &item->options[0];
  if (strcmp(o->name, "grid") == 0) {
    read_grid(o, nspace, out);
  } else if (strcmp(o->name, "noise") == 0 && o->nargs > 0) {
    out->noise = o->args[0].kind == ARG_PERCENT ? PRP_SIM_NOISE_RELATIVE : PRP_SIM_NOISE_ABSOLUTE;
    out->noise_level = o->args[0].num;
    if (out->noise_level == 0) out->noise = PRP_SIM_NOISE_NONE;
  } else if (strcmp(o->name, "seed") == 0 && o->nargs > 0) {
    out->seed = (uint64_t)o->args[0].num;
  }
}

void prp_truth_settings_read(const ast_program *prog, prp_truth_settings *out) {
  const prp_problem *pb = &prog->problem;
  const ast_decl *truth = pb->truth;
  PRP_ASSERT(truth && pb->nspace >= 1 && pb->nspace <= PRP_SIM_MAX_DIM);
  memset(out, 0, sizeof *out);
  for (int d = 0; d < pb->nspace; d++) out->grid[d] = default_grid[pb->nspace];
  out->grid_loc = truth->loc;
  out->sensors_loc = truth->loc;
  for (int i = 0; i < truth->nitems; i++) {
    const ast_decl *item = truth->items[i];
    if (item->kind == DECL_OPTION && !item->assigns && item->noptions > 0) read_option(item, pb->nspace, out);
    if (item->kind == DECL_SENSORS && item->sensors.kind != SENSORS_FILE) {
      out->sensors = &item->sensors;
      out->sensors_loc = item->loc;
    }
  }
  if (!out->sensors && pb->sensors && pb->sensors->sensors.kind != SENSORS_FILE) {
    out->sensors = &pb->sensors->sensors;
    out->sensors_loc = pb->sensors->loc;
  }
}

/* ---- sensor layouts ---------------------------------------------------------- */

/* The values one coordinate takes: a list owned by the caller. */
typedef struct axis_values {
  double *v;
  size_t n;
} axis_values;

static int coord_index(const ast_program *prog, const char *name) {
  const prp_problem *pb = &prog->problem;
  for (int k = 0; k < pb->ncoords; k++)
    if (strcmp(pb->coords[k]->name, name) == 0) return k;
  prp_internal_error("a checked sensor axis names '%s', which is not a coordinate", name);
}

static void expand_axis(const ast_axis *a, axis_values *out) {
  double lo = const_value(a->lo);
  if (!a->hi) {
    out->n = 1;
    out->v = prp_xmalloc(sizeof *out->v, 1);
    PRP_ASSERT(out->v);
    out->v[0] = lo;
    return;
  }
  double hi = const_value(a->hi), count = const_value(a->count);
  PRP_ASSERT(count >= 1 && count <= 1e9);
  out->n = (size_t)count;
  out->v = prp_xmalloc(out->n * sizeof *out->v, 1);
  PRP_ASSERT(out->v);
  for (size_t i = 0; i < out->n; i++)
    out->v[i] = out->n == 1 ? lo : i + 1 == out->n ? hi : lo + (hi - lo) * (double)i / (double)(out->n - 1);
}

/* The tensor product of per-coordinate values, coordinate 0 slowest. */
static void tensor_product(const axis_values *axes, int ncoords, double **coords, size_t *n) {
  size_t total = 1;
  for (int k = 0; k < ncoords; k++) total *= axes[k].n;
  double *c = prp_xmalloc((total ? total : 1) * (size_t)ncoords * sizeof *c, 1);
  PRP_ASSERT(c);
  for (size_t p = 0; p < total; p++) {
    size_t rest = p;
    for (int k = ncoords - 1; k >= 0; k--) {
      c[p * (size_t)ncoords + (size_t)k] = axes[k].v[rest % axes[k].n];
      rest /= axes[k].n;
    }
  }
  *coords = c;
  *n = total;
}

/* Points written as tuples (or numbers in 1D), each at every time of the time axis. */
static void points_layout(const ast_program *prog, const ast_sensors *s, axis_values *time, double **coords, size_t *n) {
  const prp_problem *pb = &prog->problem;
  size_t nc = (size_t)pb->ncoords, total = (size_t)s->npoints * time->n;
  double *c = prp_xmalloc((total ? total : 1) * nc * sizeof *c, 1);
  PRP_ASSERT(c);
  size_t row = 0;
  for (int i = 0; i < s->npoints; i++) {
    const ast_expr *p = s->points[i];
    for (size_t j = 0; j < time->n; j++, row++) {
      for (int k = 0; k < pb->nspace; k++) c[row * nc + (size_t)k] = const_value(p->kind == AST_TUPLE ? p->args[k] : p);
      if (pb->has_time) c[row * nc + (size_t)pb->time_index] = time->v[j];
    }
  }
  *coords = c;
  *n = total;
}

void prp_sensor_layout_points(const ast_program *prog, const ast_sensors *layout, double **coords, size_t *n) {
  const prp_problem *pb = &prog->problem;
  PRP_ASSERT(layout->kind == SENSORS_GRID || layout->kind == SENSORS_POINTS);
  axis_values axes[PRP_MAX_COORDS] = {{0}};
  for (int i = 0; i < layout->naxes; i++) {
    int k = coord_index(prog, layout->axes[i].coord);
    PRP_ASSERT(!axes[k].v);
    expand_axis(&layout->axes[i], &axes[k]);
  }
  if (layout->kind == SENSORS_POINTS) {
    double no_time = 0;
    axis_values single = {&no_time, 1};   /* a problem without time: one observation per point */
    axis_values *time = pb->has_time ? &axes[pb->time_index] : &single;
    PRP_ASSERT(time->v);
    points_layout(prog, layout, time, coords, n);
  } else {
    for (int k = 0; k < pb->ncoords; k++) PRP_ASSERT(axes[k].v);
    tensor_product(axes, pb->ncoords, coords, n);
  }
  for (int k = 0; k < PRP_MAX_COORDS; k++) free(axes[k].v);
}
