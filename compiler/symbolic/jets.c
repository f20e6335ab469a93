/* Symbolic core, stage 3: the jet analysis (see jets.h): which derivatives of
 * the field the residuals need, with the Laplacian collapsed where it can be. */
#include "jets.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"

int prp_jet_compare(const prp_jet *a, const prp_jet *b) {
  unsigned ta = prp_jet_total_order(a), tb = prp_jet_total_order(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  if ((a->lap_mask != 0) != (b->lap_mask != 0)) return a->lap_mask ? 1 : -1;
  if (a->lap_mask != b->lap_mask) return a->lap_mask < b->lap_mask ? -1 : 1;
  /* u_x before u_y: more derivatives in a lower coordinate first */
  for (int k = 0; k < PRP_MAX_INPUTS; k++)
    if (a->order[k] != b->order[k]) return a->order[k] > b->order[k] ? -1 : 1;
  return 0;
}

static void insert_sorted(prp_jet_set *set, const prp_jet *jet, prp_node node) {
  PRP_ASSERT(set->n < PRP_JET_SET_MAX);
  int i = set->n;
  while (i > 0 && prp_jet_compare(&set->jets[i - 1], jet) > 0) {
    set->jets[i] = set->jets[i - 1];
    set->nodes[i] = set->nodes[i - 1];
    i--;
  }
  set->jets[i] = *jet;
  set->nodes[i] = node;
  set->n++;
}

void prp_jets_used(const prp_dag *dag, const prp_node *roots, size_t n, prp_jet_set *out) {
  memset(out, 0, sizeof *out);
  uint32_t size = prp_dag_size(dag);
  bool *mark = prp_xmalloc(size ? size : 1, 1);
  if (!mark) prp_internal_error("out of memory in the jet analysis");
  prp_dag_mark_reachable(dag, roots, n, mark);
  for (uint32_t j = 0; j < prp_dag_jet_count(dag); j++) {
    prp_node node = prp_dag_jet_node(dag, j);
    if (mark[node]) insert_sorted(out, &prp_node_var(dag, node)->jet, node);
  }
  free(mark);
}

int prp_jet_set_find(const prp_jet_set *set, const prp_jet *jet) {
  for (int i = 0; i < set->n; i++)
    if (prp_jet_equal(&set->jets[i], jet)) return i;
  return -1;
}

/* The DAG's node of this jet, or PRP_NODE_NONE if it was never created. */
static prp_node find_jet(const prp_dag *dag, const prp_jet *jet) {
  for (uint32_t j = 0; j < prp_dag_jet_count(dag); j++) {
    prp_node node = prp_dag_jet_node(dag, j);
    if (prp_jet_equal(&prp_node_var(dag, node)->jet, jet)) return node;
  }
  return PRP_NODE_NONE;
}

int prp_jets_collapse_laplacian(prp_dag *dag, prp_node *roots, size_t n, unsigned space_mask) {
  int coords[PRP_MAX_INPUTS], n_coords = 0;
  for (int k = 0; k < PRP_MAX_INPUTS; k++)
    if (space_mask & (1u << k)) coords[n_coords++] = k;
  if (n_coords < 2) return 0;
  /* Look the u_kk up without creating them: a root that has none needs no collapse. */
  prp_node second[PRP_MAX_INPUTS];
  for (int i = 0; i < n_coords; i++) {
    prp_jet jet = {0};
    jet.order[coords[i]] = 2;
    second[i] = find_jet(dag, &jet);
  }
  bool any_use = false;
  for (size_t r = 0; r < n; r++) {
    prp_node partial = PRP_NODE_NONE;
    for (int i = 0; i < n_coords; i++) {
      prp_node d = second[i] == PRP_NODE_NONE ? prp_const(dag, 0.0) : prp_diff(dag, roots[r], second[i]);
      if (i > 0 && d != partial) return 0;
      partial = d;
    }
    any_use |= !prp_node_is_const(dag, partial, 0.0);
  }
  if (!any_use) return 0;
  prp_jet lap = {.lap_mask = (uint8_t)space_mask};
  prp_node lap_node = find_jet(dag, &lap);
  if (lap_node == PRP_NODE_NONE) {
    char name[64];
    const char *field = prp_node_var(dag, second[0])->name;
    size_t len = strcspn(field, "_");   /* "u_xx" -> "u" */
    snprintf(name, sizeof name, "lap_%.*s", (int)len, field);
    lap_node = prp_jet_var(dag, &lap, name);
  }
  prp_node to[PRP_MAX_INPUTS];
  for (int i = 0; i < n_coords; i++) {
    PRP_ASSERT(second[i] != PRP_NODE_NONE);   /* equal non-zero partials: all are used */
    to[i] = i == 0 ? lap_node : prp_const(dag, 0.0);
  }
  for (size_t r = 0; r < n; r++) roots[r] = prp_subst(dag, roots[r], second, to, (size_t)n_coords);
  return 1;
}

void prp_jets_analyse(prp_dag *dag, prp_node *roots, size_t n, unsigned space_mask, int allow_collapse,
                      prp_jet_set *out) {
  if (allow_collapse) prp_jets_collapse_laplacian(dag, roots, n, space_mask);
  prp_jets_used(dag, roots, n, out);
}

int prp_jet_set_columns(const prp_jet_set *set, prp_jet_columns *columns) {
  memset(columns, 0, sizeof *columns);
  for (int i = 0; i < set->n; i++) {
    const prp_jet *j = &set->jets[i];
    if (j->lap_mask) {
      columns->lap = j->lap_mask;
      continue;
    }
    int first = -1, second = -1, total = 0;
    for (int k = 0; k < PRP_MAX_INPUTS; k++) {
      total += j->order[k];
      for (int r = 0; r < j->order[k]; r++) {
        if (first < 0) first = k;
        else second = k;
      }
    }
    if (total > 2) return -1;
    if (total == 1) columns->first |= 1u << first;
    if (total == 2) {
      PRP_ASSERT(columns->n_second < 10);
      columns->second[columns->n_second][0] = (unsigned char)first;
      columns->second[columns->n_second][1] = (unsigned char)second;
      columns->n_second++;
    }
  }
  return 0;
}

void prp_jet_set_print(const prp_dag *dag, const prp_jet_set *set, FILE *out) {
  for (int i = 0; i < set->n; i++)
    fprintf(out, "%s%s", i ? ", " : "", prp_node_var(dag, set->nodes[i])->name);
}
