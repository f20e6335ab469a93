/* Running, output: the trained field as a function -- a saved state loaded into the
 * plan's network, evaluated through the output transform u = g + m * N -- and the
 * grid it is written on (field_export.h). */
#include "field_export.h"
#include "util.h"
#include "state_io.h"
#include "train_options.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void prp_field_grid_read(const ast_program *prog, prp_field_grid *out) {
  static const int default_size[4] = {0, 201, 64, 32};
  const prp_problem *pb = &prog->problem;
  *out = (prp_field_grid){{1, 1, 1}, 1};
  for (int d = 0; d < pb->nspace && d < 3; d++) out->n[d] = default_size[pb->nspace];
  if (pb->time_index >= 0) out->times = pb->nspace == 1 ? 101 : 21;
  const ast_option *o = prp_train_field_line(prog->problem.train);
  for (int i = 1, d = 0; o && i < o->nargs; i++) {
    const ast_arg *a = &o->args[i];
    if (a->kind == ARG_WORD && strcmp(a->text, "times") == 0 && i + 1 < o->nargs) out->times = (int)o->args[++i].num;
    else if (a->kind == ARG_NUMBER && d < 3) out->n[d++] = (int)a->num;
  }
}

char *prp_field_grid_parse(const char *grid, long times, int nspace, int has_time, prp_field_grid *g) {
  const char *p = grid;
  for (int d = 0; grid && d < nspace; d++) {
    char *end;
    errno = 0;
    long n = strtol(p, &end, 10);
    if (end == p || errno || n < 2 || n > PRP_FIELD_MAX_SIZE || (*end && (*end != 'x' || d + 1 == nspace)))
      return prp_errorf("--grid expects %d size%s from 2 to %d written as 64%s, not '%s'", nspace, nspace == 1 ? "" : "s",
                        PRP_FIELD_MAX_SIZE, nspace == 1 ? "" : nspace == 2 ? "x64" : "x64x64", grid);
    g->n[d] = (int)n;
    p = end + (*end == 'x');
  }
  if (times > 0 && !has_time) return prp_errorf("--times: this problem has no time coordinate");
  if (times > PRP_FIELD_MAX_TIMES) return prp_errorf("--times: at most %d times", PRP_FIELD_MAX_TIMES);
  if (times > 0) g->times = (int)times;
  if ((double)g->n[0] * g->n[1] * g->n[2] > PRP_FIELD_MAX_POINTS)
    return prp_errorf("--grid: %s has more than %d points", grid, PRP_FIELD_MAX_POINTS);
  return NULL;
}

/* The state the plan's training would have written: its problem, widths and unknowns. */
static void expected_state(const prp_train_problem *tp, size_t *widths, char **names, prp_state *st) {
  size_t nw = 0;
  widths[nw++] = (size_t)tp->net.n_inputs;
  for (int l = 0; l < tp->net.n_hidden; l++) widths[nw++] = (size_t)tp->net.widths[l];
  widths[nw++] = 1;
  for (int u = 0; u < tp->n_unknowns; u++) names[u] = (char *)tp->unknowns[u].name;
  *st = (prp_state){(char *)(tp->problem_name ? tp->problem_name : "problem"), PRP_PREC_F64, 0, nw, widths,
                    (size_t)tp->n_unknowns, names, NULL, 0, NULL};
}

char *prp_field_model_load(const prp_plan *plan, const char *state_path, prp_field_model *m) {
  const prp_train_problem *tp = &plan->problem;
  memset(m, 0, sizeof *m);
  m->plan = plan;
  char err[256];
  if (prp_mlp_init(&m->net, &tp->net, err, sizeof err) != 0) return prp_errorf("the network: %s", err);
  size_t widths[PRP_MLP_MAX_HIDDEN + 2];
  char *names[PRP_TRAIN_MAX_UNKNOWNS];
  prp_state expect, st;
  expected_state(tp, widths, names, &expect);
  char *e = prp_state_load(state_path, &expect, &st);
  if (e) return e;
  if (st.nweights != m->net.n_params) {
    e = prp_errorf("%s: %zu weights, but the network of this problem has %zu", state_path, st.nweights, m->net.n_params);
    prp_state_free(&st);
    return e;
  }
  m->params = prp_xmalloc(st.nweights * sizeof(double), 1);
  memcpy(m->params, st.weights, st.nweights * sizeof(double));
  for (size_t u = 0; u < st.nunknowns; u++) m->unknowns[u] = st.unknown_values[u];
  prp_state_free(&st);
  return NULL;
}

void prp_field_model_free(prp_field_model *m) {
  free(m->params);
  m->params = NULL;
}

/* The network's output N at n points. */
static void network_values(const prp_field_model *m, size_t n, const double *x, double *out) {
  prp_jet_layout jl;
  prp_jet_spec value_only = {0};
  char err[256];
  if (prp_jet_layout_init(&jl, &value_only, m->net.shape.n_inputs, err, sizeof err) != 0)
    prp_internal_error("field evaluation: %s", err);
  prp_mlp_ws_f64 *ws = prp_mlp_ws_create_f64(&m->net, &jl, PRP_MLP_DEFAULT_CHUNK);
  double *chunk = prp_xmalloc((size_t)jl.n_cols * PRP_MLP_DEFAULT_CHUNK * sizeof *chunk, 1);
  for (size_t p = 0; p < n; p += PRP_MLP_DEFAULT_CHUNK) {
    size_t k = n - p < PRP_MLP_DEFAULT_CHUNK ? n - p : PRP_MLP_DEFAULT_CHUNK;
    prp_mlp_forward_f64(ws, m->params, k, x + p * (size_t)m->net.shape.n_inputs, chunk);
    memcpy(out + p, chunk, k * sizeof *chunk);  /* column 0: the value */
  }
  free(chunk);
  prp_mlp_ws_free_f64(ws);
}

void prp_field_eval(const prp_field_model *m, size_t n, const double *x, double *u) {
  const prp_train_problem *tp = &m->plan->problem;
  const prp_residuals *r = &m->plan->residuals;
  network_values(m, n, x, u);
  if (!r->transform.active || n == 0) return;
  double scalars[PRP_TRAIN_MAX_SCALARS];
  for (int k = 0; k < tp->n_scalars; k++) scalars[k] = tp->has_schedule[k] ? tp->schedules[k].to : tp->scalar_fixed[k];
  prp_env env = {.coord = x, .n_coord = (size_t)tp->n_inputs, .unknown = m->unknowns, .n_unknown = (size_t)tp->n_unknowns,
                 .scalar = scalars, .n_scalar = (size_t)tp->n_scalars};
  double *g = prp_xmalloc(n * sizeof *g, 1), *f = prp_xmalloc(n * sizeof *f, 1);
  prp_eval_points(r->dag, r->transform.g, &env, n, (size_t)tp->n_inputs, g);
  prp_eval_points(r->dag, r->transform.m, &env, n, (size_t)tp->n_inputs, f);
  for (size_t i = 0; i < n; i++) u[i] = g[i] + f[i] * u[i];
  free(g);
  free(f);
}
