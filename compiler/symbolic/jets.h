/* Symbolic core, stage 3: the jet analysis. Finds the smallest set of jet
 * components (derivatives of the network field) that residual expressions need,
 * collapsing the pure second space derivatives into one Laplacian component
 * (forward Laplacian) when they only enter through their sum. This set decides
 * which columns the network propagates (runtime/mlp.h prp_jet_spec). */
#ifndef PRP_JETS_H
#define PRP_JETS_H

#include "expr.h"

/* value + 4 first + 10 second (i <= j) + Laplacian */
#define PRP_JET_SET_MAX 16

typedef struct {
  int n;
  prp_jet jets[PRP_JET_SET_MAX];    /* in canonical order: value, first derivatives,
                                       second derivatives, Laplacian (see prp_jet_compare) */
  prp_node nodes[PRP_JET_SET_MAX];  /* the PRP_VAR_JET node of each */
} prp_jet_set;

/* Canonical order of jets: by total order, then the Laplacian last among
 * second-order ones, then by orders of coordinate 0, 1, ... (u_x before u_y). */
int prp_jet_compare(const prp_jet *a, const prp_jet *b);

/* The jets the n roots depend on, in canonical order. */
void prp_jets_used(const prp_dag *dag, const prp_node *roots, size_t n, prp_jet_set *out);

/* The Laplacian collapse. space_mask has bit k set for each space coordinate k
 * (at least two for a collapse to pay off). If every root depends on the pure
 * second derivatives u_kk (k in space_mask) only through their sum -- tested
 * exactly in the hash-consed DAG: the partial derivatives of each root with
 * respect to the u_kk are one node -- the roots are rewritten in place with
 * u_kk := LAP for the first k and 0 for the others, where LAP is the jet with
 * lap_mask = space_mask, and 1 is returned. Otherwise (including when no root
 * uses any u_kk) the roots are unchanged and 0 is returned. */
int prp_jets_collapse_laplacian(prp_dag *dag, prp_node *roots, size_t n, unsigned space_mask);

/* Collapse (when allowed and possible), then the jets used, in one call. */
void prp_jets_analyse(prp_dag *dag, prp_node *roots, size_t n, unsigned space_mask, int allow_collapse,
                      prp_jet_set *out);

/* Index of jet in set, or -1. */
int prp_jet_set_find(const prp_jet_set *set, const prp_jet *jet);

/* The columns a network must propagate for a jet set, in the form of the
 * runtime's prp_jet_spec (runtime/mlp.h; field for field, so a copy converts):
 * the value always; first derivatives as a bit set of inputs, second
 * derivatives as pairs (i <= j), the Laplacian as the bit set it sums.
 * Kept apart from mlp.h, whose fast prp_tanh(double) shares a name with the
 * DAG constructor. */
typedef struct {
  unsigned first;
  int n_second;
  unsigned char second[10][2];
  unsigned lap;
} prp_jet_columns;

/* Returns 0, or -1 if a jet is beyond what the runtime network propagates
 * (order > 2). */
int prp_jet_set_columns(const prp_jet_set *set, prp_jet_columns *columns);

/* A one-line readable list: "u, u_t, u_x, lap_u", with the dag's jet names. */
void prp_jet_set_print(const prp_dag *dag, const prp_jet_set *set, FILE *out);

#endif
