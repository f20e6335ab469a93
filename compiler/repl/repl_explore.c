/* The REPL's ways of looking at a trained state: any expression of the problem
 * at a point (lowered into the DAG, the network's jets at the point, the
 * reference interpreter), the loss landscape along one unknown (the paper's
 * section 4: how the gradient vanishes far from the truth), and the field. */
#include "repl_state.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "jets.h"
#include "lower.h"
#include "parse.h"
#include "relax_auto_flow.h"
#include "plot.h"
#include "progress.h"
#include "transform.h"

/* ---- the network's jets at points ----------------------------------------------------- */

/* Network column of a jet (as plan.c maps kernel jets to columns). */
static int jet_column(const prp_jet_layout *layout, const prp_jet *j) {
  if (j->lap_mask) return layout->lap_col;
  int a = -1, b = -1, order = 0;
  for (int k = 0; k < PRP_MAX_INPUTS; k++)
    for (int i = 0; i < j->order[k]; i++) {
      if (order++ == 0) a = k;
      else b = k;
    }
  return order == 0 ? 0 : order == 1 ? prp_jet_col_first(layout, a) : prp_jet_col_second(layout, a, b);
}

/* ---- eval EXPR at POINT ----------------------------------------------------------------- */

/* The expression as `let repl_eval_ = (EXPR)`, laid out so that EXPR keeps the
 * line and columns it has in the input (the parentheses make the line breaks blank). */
static prp_source *expression_source(const char *where, int lineno, int col, const char *expr) {
  size_t len = strlen(expr);
  char *text = prp_xmalloc((size_t)lineno + (size_t)col + len + 64, 1), *q = text;
  if (lineno >= 2) {
    for (int i = 1; i < lineno - 1; i++) *q++ = '\n';
    q += sprintf(q, "let repl_eval_ = (\n");
    for (int i = 1; i < col; i++) *q++ = ' ';
    q += sprintf(q, "%s\n)\n", expr);
  } else {
    q += sprintf(q, "let repl_eval_ = (%s)\n", expr);
  }
  prp_source *s = prp_source_from_string(where, text, (size_t)(q - text));
  free(text);
  return s;
}

/* The value of node f at a point, with the network's jets and current unknowns. */
static int eval_node(prp_repl *r, prp_dag *dag, prp_node f, const double *point, double *value) {
  const prp_train_problem *pb = &r->plan->problem;
  prp_jet_set js;
  prp_jets_used(dag, &f, 1, &js);
  prp_jet_columns cols;
  if (prp_jet_set_columns(&js, &cols) != 0) {
    repl_error(r, "the network gives derivatives up to order 2");
    return -1;
  }
  prp_jet_spec spec = {.first = cols.first, .n_second = cols.n_second, .lap = cols.lap};
  memcpy(spec.second, cols.second, sizeof spec.second);
  prp_jet_layout layout;
  char msg[256];
  if (prp_jet_layout_init(&layout, &spec, pb->n_inputs, msg, sizeof msg) != 0) prp_internal_error("eval jets: %s", msg);
  prp_mlp_ws_f64 *ws = prp_mlp_ws_create_f64(prp_trainer_network(r->trainer), &layout, 1);
  double out[PRP_JET_MAX_COLS];
  prp_mlp_forward_f64(ws, prp_trainer_params(r->trainer), 1, point, out);
  prp_mlp_ws_free_f64(ws);
  uint32_t njets = prp_dag_jet_count(dag);
  double *jets = prp_xcalloc(njets + 1, sizeof *jets);
  for (int j = 0; j < js.n; j++) jets[prp_node_var(dag, js.nodes[j])->index] = out[jet_column(&layout, &js.jets[j])];
  double unknowns[PRP_TRAIN_MAX_UNKNOWNS + 1] = {0}, coord[PRP_MAX_INPUTS] = {0};
  for (int u = 0; u < pb->n_unknowns; u++) unknowns[u] = repl_unknown_now(r, u);
  memcpy(coord, point, (size_t)pb->n_inputs * sizeof *coord);
  prp_env env = {coord, PRP_MAX_INPUTS, unknowns, (size_t)pb->n_unknowns, jets, njets, NULL, 0, NULL, 0};
  *value = prp_eval(dag, f, &env);
  free(jets);
  return 0;
}

int repl_eval_expression(prp_repl *r, const char *where, int lineno, int col, const char *expr, const double *point,
                         int has_point) {
  ast_program *prog = prp_parse_string(r->path, r->text, strlen(r->text), &r->diag);
  prp_source *src = expression_source(where, lineno, col, expr);
  if (r->diag.errors == 0) prp_parse_source(prog, src, NULL, &r->diag);
  if (r->diag.errors == 0) prp_check_program(prog, &r->diag);
  int rc = -1;
  if (r->diag.errors == 0) {
    const ast_symbol *sym = prp_lookup(prog, "repl_eval_");
    PRP_ASSERT(sym && sym->decl);
    prp_dag *dag = prp_dag_new();
    prp_lowering *l = prp_lowering_new(dag, prog);
    prp_node f = prp_lower_expr(l, sym->decl->value, -1, 0);
    prp_output_transform tr;
    prp_output_transform_build(prog, dag, &tr);
    prp_output_transform_scale(dag, &tr, r->plan->output_scale);   /* as the plan's network output */
    if (tr.active) f = prp_output_transform_apply(prog, dag, &tr, f);
    int needs_point = 0;
    for (int k = 0; k < prog->problem.ncoords; k++) needs_point |= prp_depends_on(dag, f, prp_lower_coord(l, k));
    prp_jet_set js;
    prp_jets_used(dag, &f, 1, &js);
    double value;
    if ((needs_point || js.n > 0) && !has_point)
      repl_error(r, "this expression depends on the place: eval EXPR at %s%s", prog->problem.coords[0]->name,
                 prog->problem.ncoords > 1 ? ", ..." : "");
    else if (eval_node(r, dag, f, point, &value) == 0) {
      fprintf(r->out, "  %s = %.6g\n", expr, value);
      rc = 0;
    }
    prp_lowering_free(l);
    prp_dag_free(dag);
  }
  ast_program_free(prog);
  prp_source_free(src);
  return rc;
}

/* ---- the landscape along one unknown ------------------------------------------------------ */

int repl_landscape(prp_repl *r, int u, double lo, double hi, int n, const char *png) {
  const prp_train_problem *pb = &r->plan->problem;
  double *value = prp_xmalloc((size_t)n * sizeof *value, 1), *loss = prp_xmalloc((size_t)n * sizeof *loss, 1);
  double *slope = prp_xmalloc((size_t)n * sizeof *slope, 1);
  char slope_name[96];
  snprintf(slope_name, sizeof slope_name, "dloss/d%s", pb->unknowns[u].name);
  fprintf(r->out, "  %-12s %-12s %-12s  (network fixed, relaxation at epoch %ld)\n", pb->unknowns[u].name, "loss",
          slope_name, repl_epoch(r));
  prp_interrupt_clear();
  prp_interrupt_install();   /* Ctrl-C ends the scan, not the session */
  int done = 0;
  for (; done < n && !prp_interrupt_requested(); done++) {
    int i = done;
    value[i] = n == 1 ? lo : lo + (hi - lo) * i / (n - 1);
    loss[i] = prp_trainer_loss_with_unknown(r->trainer, u, value[i]);
    prp_trainer_epoch e;
    prp_trainer_last(r->trainer, &e);
    slope[i] = fabs(e.dloss_dunknowns[u]);
    fprintf(r->out, "  %-12.6g %-12.4e %-12.4e\n", value[i], loss[i], e.dloss_dunknowns[u]);
  }
  prp_interrupt_restore();
  if (done < n) fprintf(r->out, "interrupted after %d of %d points\n", done, n);
  prp_interrupt_clear();
  n = done;
  int rc = 0;
  if (png && n > 0) {
    char title[128], gname[96];
    snprintf(title, sizeof title, "loss landscape along %s", pb->unknowns[u].name);
    snprintf(gname, sizeof gname, "|dloss/d%s|", pb->unknowns[u].name);
    prp_plot_series series[2] = {{"loss", value, loss, (size_t)n}, {gname, value, slope, (size_t)n}};
    prp_plot_frame fr = {png, 900, 600, title, pb->unknowns[u].name, "loss, |gradient|"};
    char *err = prp_plot_lines(&fr, series, 2, true);
    if (err) {
      repl_error(r, "%s", err);
      free(err);
      rc = -1;
    } else fprintf(r->out, "wrote %s\n", png);
  }
  prp_trainer_evaluate(r->trainer);   /* the trainer's own point again */
  free(value);
  free(loss);
  free(slope);
  return rc;
}

/* ---- the field ------------------------------------------------------------------------------ */

static int plot_profiles(prp_repl *r, const char *png) {
  const prp_train_problem *pb = &r->plan->problem;
  enum { NX = 201, NT = 5 };
  int has_time = pb->time_index >= 0, nt = has_time ? NT : 1;
  double xs[NX], times[NT], *pts = prp_xmalloc((size_t)NX * (size_t)pb->n_inputs * sizeof *pts, 1);
  double *u = prp_xmalloc((size_t)NX * NT * sizeof *u, 1);
  for (int k = 0; k < nt; k++) {
    times[k] = has_time ? pb->lo[pb->time_index] + (pb->hi[pb->time_index] - pb->lo[pb->time_index]) * k / (NT - 1) : 0;
    for (int i = 0; i < NX; i++) {
      xs[i] = pb->lo[0] + (pb->hi[0] - pb->lo[0]) * i / (NX - 1);
      pts[i * pb->n_inputs] = xs[i];
      if (has_time) pts[i * pb->n_inputs + pb->time_index] = times[k];
    }
    repl_field_at(r, pts, NX, u + (size_t)k * NX);
  }
  prp_plot_frame fr = {png, 900, 600, pb->problem_name, pb->coord_names[0], pb->field_name};
  char *err;
  if (has_time) err = prp_plot_profiles(&fr, xs, NX, u, times, NT);
  else {
    prp_plot_series one = {pb->field_name, xs, u, NX};
    err = prp_plot_lines(&fr, &one, 1, false);
  }
  free(pts);
  free(u);
  if (err) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  fprintf(r->out, "wrote %s (%s at %d time%s)\n", png, pb->field_name, nt, nt == 1 ? "" : "s");
  return 0;
}

/* Distinct sensor places (x, y) of the observations. */
static size_t distinct_sensors(const prp_train_problem *pb, double *px, double *py, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < pb->n_obs && n < cap; i++) {
    double x = pb->obs_x[i * (size_t)pb->n_inputs], y = pb->obs_x[i * (size_t)pb->n_inputs + 1];
    size_t k = 0;
    while (k < n && (px[k] != x || py[k] != y)) k++;
    if (k == n) { px[n] = x; py[n] = y; n++; }
  }
  return n;
}

static int plot_map(prp_repl *r, const char *png, double t) {
  const prp_train_problem *pb = &r->plan->problem;
  enum { N = 101, MAX_SENSORS = 4096 };
  double *pts = prp_xmalloc((size_t)N * N * (size_t)pb->n_inputs * sizeof *pts, 1), *u = prp_xmalloc((size_t)N * N * sizeof *u, 1);
  for (int iy = 0; iy < N; iy++)
    for (int ix = 0; ix < N; ix++) {
      double *p = pts + ((size_t)iy * N + (size_t)ix) * (size_t)pb->n_inputs;
      p[0] = pb->lo[0] + (pb->hi[0] - pb->lo[0]) * ix / (N - 1);
      p[1] = pb->lo[1] + (pb->hi[1] - pb->lo[1]) * iy / (N - 1);
      if (pb->time_index >= 0) p[pb->time_index] = t;
    }
  repl_field_at(r, pts, (size_t)N * N, u);
  double *sx = prp_xmalloc(MAX_SENSORS * sizeof *sx, 1), *sy = prp_xmalloc(MAX_SENSORS * sizeof *sy, 1);
  prp_plot_field f = {u, N, N, pb->lo[0], pb->hi[0], pb->lo[1], pb->hi[1], pb->field_name, NULL, NULL, 0,
                      sx, sy, distinct_sensors(pb, sx, sy, MAX_SENSORS), false, 0, 0};
  /* the source estimate: the first two unknowns, as the history recorded them */
  size_t nrows, ncols;
  const double *rows = prp_trainer_history(r->trainer, &nrows, &ncols);
  double *path = NULL;
  if (pb->n_unknowns >= 2 && nrows > 0) {
    path = prp_xmalloc(2 * nrows * sizeof *path, 1);
    size_t c = prp_trainer_history_unknowns(r->trainer);
    for (size_t i = 0; i < nrows; i++) {
      path[i] = rows[i * ncols + c];
      path[nrows + i] = rows[i * ncols + c + 1];
    }
    f.path_x = path;
    f.path_y = path + nrows;
    f.npath = nrows;
    f.has_truth = isfinite(pb->unknowns[0].truth) && isfinite(pb->unknowns[1].truth);
    f.truth_x = pb->unknowns[0].truth;
    f.truth_y = pb->unknowns[1].truth;
  }
  char title[128];
  snprintf(title, sizeof title, "%s at %s = %g", pb->field_name, pb->time_index >= 0 ? pb->coord_names[pb->time_index] : "t", t);
  prp_plot_frame fr = {png, 800, 700, pb->time_index >= 0 ? title : pb->problem_name, pb->coord_names[0], pb->coord_names[1]};
  char *err = prp_plot_field2d(&fr, &f);
  free(pts);
  free(u);
  free(sx);
  free(sy);
  free(path);
  if (err) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  fprintf(r->out, "wrote %s (%s on %dx%d points, %zu sensors)\n", png, pb->field_name, N, N, f.nmarkers);
  return 0;
}

int repl_plot_field(prp_repl *r, const char *png, double t, int has_t) {
  const prp_train_problem *pb = &r->plan->problem;
  if (pb->n_space == 1) return plot_profiles(r, png);
  if (pb->n_space == 2) return plot_map(r, png, has_t || pb->time_index < 0 ? t : pb->hi[pb->time_index]);
  repl_error(r, "field plots are drawn for one or two space dimensions");
  return -1;
}
