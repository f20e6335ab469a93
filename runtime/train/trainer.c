/* Runtime, training: the stepping trainer, the one training loop. Adam epochs
 * (schedules, resampling, the strict phase's rates and draws, the non-finite
 * check and the last finite state, the rates' schedules), L-BFGS to polish, and
 * what the drivers read: the last evaluation, the unknowns, the network.
 * prp_train_run (train.c) and the REPL (compiler/repl_train.c) drive it; its
 * history is trainer_history.c, its saved states and carry-over trainer_state.c. */
#include "trainer_internal.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

double prp_trainer_progress_at(const prp_train_problem *pb, long epoch) {
  if (pb->epochs <= 0) return 1;
  double p = (double)epoch / pb->epochs;
  return p < 1 ? p : 1;
}

/* A base rate after lr_decay every lr_every epochs. */
static double rate_at(const prp_train_problem *pb, long epoch, double base) {
  if (pb->lr_every <= 0 || pb->lr_decay <= 0) return base;
  return base * pow(pb->lr_decay, (double)(epoch / pb->lr_every));
}

static int all_finite(const double *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) return 0;
  return 1;
}

/* ---- life cycle ------------------------------------------------------------------ */

prp_trainer *prp_trainer_new(const prp_train_problem *pb, char **err) {
  prp_train_session *s = prp_train_session_new(pb, err);
  if (!s) return NULL;
  prp_trainer *t = prp_xcalloc(1, sizeof *t);
  t->pb = pb;
  t->s = s;
  size_t n = prp_train_session_size(s);
  t->grad = prp_xcalloc(n, sizeof(double));
  t->scratch = prp_xcalloc(n, sizeof(double));
  t->last_good = prp_xmalloc(n, sizeof(double));
  memcpy(t->last_good, s->x, n * sizeof(double));
  if (prp_adam_init(&t->adam, n, 0.9, 0.999, 1e-8) != 0) prp_out_of_memory(2 * n * sizeof(double));
  prp_adam_set_group(&t->adam, s->net.n_params, n);
  t->loss = NAN;
  prp_trainer_history_init(t);
  return t;
}

void prp_trainer_free(prp_trainer *t) {
  if (!t) return;
  prp_trainer_history_free(&t->hist);
  prp_adam_free(&t->adam);
  free(t->grad);
  free(t->scratch);
  free(t->last_good);
  prp_train_session_free(t->s);
  free(t);
}

const prp_train_problem *prp_trainer_problem(const prp_trainer *t) { return t->pb; }

/* ---- Adam ------------------------------------------------------------------------- */

/* One epoch; 0, or -1 if the loss or its gradient is not finite (the last finite
 * parameters put back). */
static int adam_epoch(prp_trainer *t, int last) {
  const prp_train_problem *pb = t->pb;
  prp_train_session *s = t->s;
  size_t n = prp_train_session_size(s);
  long epoch = t->epochs_done;
  prp_train_session_set_progress(s, prp_trainer_progress_at(pb, epoch));
  if (prp_train_resample_at(pb, epoch)) prp_train_session_resample(s);
  t->loss = prp_train_session_loss_grad(s, s->x, t->grad);
  if (!isfinite(t->loss) || !all_finite(t->grad, n)) {
    memcpy(s->x, t->last_good, n * sizeof(double));
    return -1;
  }
  memcpy(t->last_good, s->x, n * sizeof(double));
  if (epoch % (pb->log_every > 0 ? pb->log_every : 1) == 0 || last) prp_trainer_record(t, epoch, t->loss);
  double lr_unknowns = prp_train_unknowns_rate(pb, (int)epoch, rate_at(pb, epoch, pb->lr_unknowns));
  prp_adam_step(&t->adam, s->x, t->grad, rate_at(pb, epoch, pb->lr), lr_unknowns);
  t->epochs_done++;
  return 0;
}

prp_trainer_status prp_trainer_step(prp_trainer *t, long n, prp_trainer_callback cb, void *ctx) {
  for (long k = 0; k < n; k++) {
    if (adam_epoch(t, k + 1 == n) != 0) return PRP_TRAINER_NOT_FINITE;
    if (cb) {
      prp_trainer_epoch e;
      prp_trainer_last(t, &e);
      if (cb(ctx, t, &e)) return PRP_TRAINER_STOPPED;
    }
  }
  return PRP_TRAINER_DONE;
}

/* ---- L-BFGS ----------------------------------------------------------------------- */

typedef struct {
  prp_trainer *t;
  prp_trainer_callback cb;
  void *ctx;
} polish_ctx;

static double polish_loss(void *ctx, const double *x, double *grad) {
  polish_ctx *c = ctx;
  return prp_train_session_loss_grad(c->t->s, x, grad);
}

/* A row every log_every iterations, of the last evaluation (which may be a trial point
 * of the line search) with the iteration's loss f. */
static int polish_progress(void *ctx, int iteration, double f, const double *x, const double *g) {
  (void)x; (void)g;
  polish_ctx *c = ctx;
  const prp_train_problem *pb = c->t->pb;
  long epoch = c->t->epochs_done + iteration;
  if (iteration % (pb->log_every > 0 ? pb->log_every : 1) == 0) prp_trainer_record(c->t, epoch, f);
  if (!c->cb) return 0;
  prp_trainer_epoch e;
  prp_trainer_last(c->t, &e);
  e.epoch = epoch;
  e.loss = f;
  return c->cb(c->ctx, c->t, &e);
}

prp_lbfgs_result prp_trainer_polish(prp_trainer *t, int iterations, prp_trainer_callback cb, void *ctx) {
  prp_train_session_set_progress(t->s, 1.0);
  prp_lbfgs_options opt;
  prp_lbfgs_default_options(&opt);
  opt.max_iterations = iterations;
  polish_ctx c = {t, cb, ctx};
  opt.progress = polish_progress;
  opt.progress_ctx = &c;
  prp_lbfgs_result res = prp_lbfgs_minimize(prp_train_session_size(t->s), t->s->x, polish_loss, &c, &opt);
  t->loss = prp_train_session_loss_grad(t->s, t->s->x, t->grad);
  return res;
}

/* ---- evaluations ------------------------------------------------------------------ */

double prp_trainer_evaluate(prp_trainer *t) {
  prp_train_session_set_progress(t->s, prp_trainer_progress_at(t->pb, t->epochs_done));
  t->loss = prp_train_session_loss_grad(t->s, t->s->x, t->grad);
  return t->loss;
}

double prp_trainer_loss_with_unknown(prp_trainer *t, int u, double value) {
  size_t n = prp_train_session_size(t->s);
  memcpy(t->scratch, t->s->x, n * sizeof(double));
  t->scratch[t->s->net.n_params + (size_t)u] = prp_unknown_raw(&t->pb->unknowns[u], value);
  prp_train_session_set_progress(t->s, prp_trainer_progress_at(t->pb, t->epochs_done));
  t->loss = prp_train_session_loss_grad(t->s, t->scratch, t->grad);
  return t->loss;
}

void prp_trainer_last(const prp_trainer *t, prp_trainer_epoch *e) {
  *e = (prp_trainer_epoch){t->epochs_done, t->loss, t->s->term_loss, t->s->uniforms, t->s->scalars, t->s->dtheta};
}

int prp_trainer_bad_term(const prp_trainer *t) {
  for (int i = 0; i < t->pb->n_terms; i++)
    if (!isfinite(t->s->term_loss[i])) return i;
  return -1;
}

/* ---- the state ------------------------------------------------------------------------ */

long prp_trainer_epochs_done(const prp_trainer *t) { return t->epochs_done; }

double prp_trainer_scalar(const prp_trainer *t, int k) {
  const prp_train_problem *pb = t->pb;
  if (!pb->has_schedule[k]) return pb->scalar_fixed[k];
  return prp_schedule_value(&pb->schedules[k], prp_trainer_progress_at(pb, t->epochs_done));
}

double prp_trainer_unknown(const prp_trainer *t, int u) {
  double d;
  return prp_unknown_value(&t->pb->unknowns[u], t->s->x[t->s->net.n_params + (size_t)u], &d);
}

const prp_mlp *prp_trainer_network(const prp_trainer *t) { return &t->s->net; }
const double *prp_trainer_params(const prp_trainer *t) { return t->s->x; }
size_t prp_trainer_size(const prp_trainer *t) { return prp_train_session_size(t->s); }

/* ---- the progress line -------------------------------------------------------------- */

void prp_trainer_show(prp_progress *pr, const prp_train_problem *pb, const prp_trainer_epoch *e, const char *final) {
  prp_named_value losses[1 + PRP_TRAIN_MAX_TERMS], unknowns[PRP_TRAIN_MAX_UNKNOWNS], relax[PRP_TRAIN_MAX_SCALARS];
  losses[0] = (prp_named_value){"loss", e->loss};
  for (int i = 0; i < pb->n_terms; i++) losses[1 + i] = (prp_named_value){pb->terms[i].name, e->term_loss[i]};
  for (int u = 0; u < pb->n_unknowns; u++) unknowns[u] = (prp_named_value){pb->unknowns[u].name, e->unknowns[u]};
  int nrelax = 0;
  for (int k = 0; k < pb->n_scalars; k++)
    if (pb->has_schedule[k]) relax[nrelax++] = (prp_named_value){pb->schedules[k].name, e->scalars[k]};
  prp_progress_state st = {(size_t)e->epoch, losses, 1 + (size_t)pb->n_terms, unknowns, (size_t)pb->n_unknowns,
                           relax, (size_t)nrelax};
  if (final) prp_progress_finish(pr, &st, final);
  else prp_progress_update(pr, &st);
}
