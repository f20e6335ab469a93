/* Runtime, training: a trainer's state beyond one run -- carried over to the
 * trainer of a problem planned again (the REPL's edits), saved to and restored
 * from a state file (state_io.h), and kept in memory as a checkpoint. */
#include "trainer_internal.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- carrying over ------------------------------------------------------------------ */

static int same_network(const prp_train_problem *a, const prp_train_problem *b) {
  if (a->net.n_inputs != b->net.n_inputs || a->net.n_hidden != b->net.n_hidden || a->net.activation != b->net.activation)
    return 0;
  for (int l = 0; l < a->net.n_hidden; l++)
    if (a->net.widths[l] != b->net.widths[l]) return 0;
  return 1;
}

int prp_trainer_carry_over(prp_trainer *t, const prp_trainer *old, const char *reset_unknown) {
  const prp_train_problem *pb = t->pb, *opb = old->pb;
  prp_train_session *s = t->s;
  int kept = same_network(pb, opb);
  if (kept) memcpy(s->x, old->s->x, s->net.n_params * sizeof(double));
  for (int u = 0; u < pb->n_unknowns; u++) {
    if (reset_unknown && strcmp(pb->unknowns[u].name, reset_unknown) == 0) continue;
    for (int j = 0; j < opb->n_unknowns; j++)
      if (strcmp(opb->unknowns[j].name, pb->unknowns[u].name) == 0)
        s->x[s->net.n_params + (size_t)u] = prp_unknown_raw(&pb->unknowns[u], prp_trainer_unknown(old, j));
  }
  memcpy(t->last_good, s->x, prp_train_session_size(s) * sizeof(double));
  t->epochs_done = old->epochs_done;
  if (prp_trainer_history_same_columns(&t->hist, &old->hist)) {
    prp_trainer_history_free(&t->hist);
    prp_trainer_history_copy(&t->hist, &old->hist);
  }
  return kept;
}

/* ---- state files ------------------------------------------------------------------------ */

/* What a state file of this trainer holds; values and weights left to the caller. */
static void state_shape(const prp_trainer *t, prp_state *st, size_t *widths, char **names) {
  const prp_train_problem *pb = t->pb;
  size_t nw = 0;
  widths[nw++] = (size_t)pb->net.n_inputs;
  for (int l = 0; l < pb->net.n_hidden; l++) widths[nw++] = (size_t)pb->net.widths[l];
  widths[nw++] = 1;
  for (int u = 0; u < pb->n_unknowns; u++) names[u] = (char *)pb->unknowns[u].name;
  /* the master weights are f64 in both precisions (Adam and L-BFGS run in f64) */
  *st = (prp_state){(char *)(pb->problem_name ? pb->problem_name : "problem"), PRP_PREC_F64,
                    (uint64_t)t->epochs_done, nw, widths, (size_t)pb->n_unknowns, names, NULL, t->s->net.n_params, NULL};
}

char *prp_trainer_save(const prp_trainer *t, const char *path) {
  size_t widths[PRP_MLP_MAX_HIDDEN + 2];
  char *names[PRP_TRAIN_MAX_UNKNOWNS];
  double values[PRP_TRAIN_MAX_UNKNOWNS];
  prp_state st;
  state_shape(t, &st, widths, names);
  for (int u = 0; u < t->pb->n_unknowns; u++) values[u] = prp_trainer_unknown(t, u);
  st.unknown_values = values;
  st.weights = t->s->x;
  return prp_state_save(path, &st);
}

/* A state's unknowns must lie in the problem's bounds (prp_state_load checked they are finite). */
static char *check_state_bounds(const char *path, const prp_train_problem *pb, const prp_state *st) {
  for (int u = 0; u < pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &pb->unknowns[u];
    double v = st->unknown_values[u];
    if (!(v >= uk->lo && v <= uk->hi))
      return prp_errorf("%s: unknown %s = %g lies outside its bounds [%g, %g]", path, uk->name, v, uk->lo, uk->hi);
  }
  return NULL;
}

char *prp_trainer_restore(prp_trainer *t, const char *path) {
  const prp_train_problem *pb = t->pb;
  prp_train_session *s = t->s;
  size_t widths[PRP_MLP_MAX_HIDDEN + 2];
  char *names[PRP_TRAIN_MAX_UNKNOWNS];
  prp_state expect, st;
  state_shape(t, &expect, widths, names);
  char *err = prp_state_load(path, &expect, &st);
  if (err) return err;
  if ((err = check_state_bounds(path, pb, &st))) {
    prp_state_free(&st);
    return err;
  }
  memcpy(s->x, st.weights, s->net.n_params * sizeof(double));
  for (int u = 0; u < pb->n_unknowns; u++)
    s->x[s->net.n_params + (size_t)u] = prp_unknown_raw(&pb->unknowns[u], st.unknown_values[u]);
  memcpy(t->last_good, s->x, prp_train_session_size(s) * sizeof(double));
  t->epochs_done = (long)st.epoch;
  prp_state_free(&st);
  prp_trainer_history_trim(t, t->epochs_done);
  prp_adam_reset(&t->adam);
  return NULL;
}

/* ---- checkpoints in memory ------------------------------------------------------------------ */

struct prp_trainer_checkpoint {
  double *x;
  size_t n;
  long epochs_done;
  trainer_history hist;
};

prp_trainer_checkpoint *prp_trainer_checkpoint_take(const prp_trainer *t) {
  prp_trainer_checkpoint *c = prp_xcalloc(1, sizeof *c);
  c->n = prp_train_session_size(t->s);
  c->x = prp_xmalloc(c->n, sizeof(double));
  memcpy(c->x, t->s->x, c->n * sizeof(double));
  c->epochs_done = t->epochs_done;
  prp_trainer_history_copy(&c->hist, &t->hist);
  return c;
}

int prp_trainer_checkpoint_put(prp_trainer *t, const prp_trainer_checkpoint *c) {
  if (c->n != prp_train_session_size(t->s)) return -1;
  memcpy(t->s->x, c->x, c->n * sizeof(double));
  memcpy(t->last_good, c->x, c->n * sizeof(double));
  t->epochs_done = c->epochs_done;
  if (prp_trainer_history_same_columns(&t->hist, &c->hist)) {
    prp_trainer_history_free(&t->hist);
    prp_trainer_history_copy(&t->hist, &c->hist);
  }
  prp_adam_reset(&t->adam);
  return 0;
}

void prp_trainer_checkpoint_free(prp_trainer_checkpoint *c) {
  if (!c) return;
  prp_trainer_history_free(&c->hist);
  free(c->x);
  free(c);
}
