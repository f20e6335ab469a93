/* Runtime, training: the trainer's history, the rows of history.csv (epoch, loss,
 * the terms' losses, the unknowns, the scheduled scalars, |dL/dtheta| and dL/dtheta)
 * kept in memory for plots and the verdict and written as they come when a driver
 * opens the file. */
#include "trainer_internal.h"
#include "util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tidy: blanks and '=' become '_' (loss_boundary x=0 -> loss_boundary_x_0). */
static void add_name(trainer_history *h, const char *prefix, const char *name, int tidy) {
  char buf[96];
  snprintf(buf, sizeof buf, "%s%s", prefix, name);
  if (tidy)
    for (char *q = buf; *q; q++)
      if (*q == ' ' || *q == '=') *q = '_';
  h->names[h->ncols++] = prp_xstrdup(buf);
}

void prp_trainer_history_init(prp_trainer *t) {
  const prp_train_problem *pb = t->pb;
  trainer_history *h = &t->hist;
  size_t cap = 3 + (size_t)pb->n_terms + 2 * (size_t)pb->n_unknowns + (size_t)pb->n_scalars;
  h->names = prp_xcalloc(cap, sizeof *h->names);
  add_name(h, "", "epoch", 0);
  add_name(h, "", "loss", 0);
  for (int i = 0; i < pb->n_terms; i++) add_name(h, "loss_", pb->terms[i].name, 1);
  for (int u = 0; u < pb->n_unknowns; u++) add_name(h, "", pb->unknowns[u].name, 0);
  for (int k = 0; k < pb->n_scalars; k++)
    if (pb->has_schedule[k]) add_name(h, "", pb->schedules[k].name, 0);
  add_name(h, "", "grad_unknowns", 0);
  for (int u = 0; u < pb->n_unknowns; u++) add_name(h, "dL_d", pb->unknowns[u].name, 0);   /* `prpc landscape --follow` */
}

void prp_trainer_record(prp_trainer *t, long epoch, double loss) {
  const prp_train_problem *pb = t->pb;
  const prp_train_session *s = t->s;
  trainer_history *h = &t->hist;
  if (h->n == h->cap) {
    h->cap = h->cap ? 2 * h->cap : 256;
    h->rows = prp_xrealloc(h->rows, h->cap * h->ncols, sizeof(double));
  }
  double *row = h->rows + h->n++ * h->ncols;
  size_t c = 0;
  row[c++] = (double)epoch;
  row[c++] = loss;
  for (int i = 0; i < pb->n_terms; i++) row[c++] = s->term_loss[i];
  for (int u = 0; u < pb->n_unknowns; u++) row[c++] = s->uniforms[u];
  for (int k = 0; k < pb->n_scalars; k++)
    if (pb->has_schedule[k]) row[c++] = s->scalars[k];
  double g = 0;
  for (int u = 0; u < pb->n_unknowns; u++) g += s->dtheta[u] * s->dtheta[u];
  row[c++] = sqrt(g);
  for (int u = 0; u < pb->n_unknowns; u++) row[c++] = s->dtheta[u];
  if (h->csv) free(prp_csv_writer_row(h->csv, row));   /* the writer keeps the error for close */
}

void prp_trainer_history_free(trainer_history *h) {
  if (h->csv) free(prp_csv_writer_close(h->csv));
  for (size_t c = 0; c < h->ncols; c++) free(h->names[c]);
  free(h->names);
  free(h->rows);
  memset(h, 0, sizeof *h);
}

void prp_trainer_history_trim(prp_trainer *t, long epoch) {
  trainer_history *h = &t->hist;
  while (h->n > 0 && h->rows[(h->n - 1) * h->ncols] >= (double)epoch) h->n--;
}

int prp_trainer_history_same_columns(const trainer_history *a, const trainer_history *b) {
  if (a->ncols != b->ncols) return 0;
  for (size_t c = 0; c < a->ncols; c++)
    if (strcmp(a->names[c], b->names[c]) != 0) return 0;
  return 1;
}

void prp_trainer_history_copy(trainer_history *dst, const trainer_history *src) {
  memset(dst, 0, sizeof *dst);
  dst->ncols = src->ncols;
  dst->names = prp_xcalloc(src->ncols + 1, sizeof *dst->names);
  for (size_t c = 0; c < src->ncols; c++) dst->names[c] = prp_xstrdup(src->names[c]);
  dst->n = dst->cap = src->n;
  dst->rows = prp_xmalloc(src->n * src->ncols + 1, sizeof(double));
  if (src->n) memcpy(dst->rows, src->rows, src->n * src->ncols * sizeof(double));
}

/* ---- reading and writing it -------------------------------------------------------- */

const double *prp_trainer_history(const prp_trainer *t, size_t *nrows, size_t *ncols) {
  *nrows = t->hist.n;
  *ncols = t->hist.ncols;
  return t->hist.rows;
}

const char *const *prp_trainer_history_names(const prp_trainer *t) { return (const char *const *)t->hist.names; }

size_t prp_trainer_history_unknowns(const prp_trainer *t) { return 2 + (size_t)t->pb->n_terms; }

size_t prp_trainer_history_schedules(const prp_trainer *t) {
  return prp_trainer_history_unknowns(t) + (size_t)t->pb->n_unknowns;
}

char *prp_trainer_history_csv(prp_trainer *t, const char *path) {
  trainer_history *h = &t->hist;
  if (h->csv) free(prp_csv_writer_close(h->csv));
  h->csv = NULL;
  char *err = prp_csv_writer_open(&h->csv, path, (const char *const *)h->names, h->ncols);
  if (err) {
    h->csv = NULL;
    return err;
  }
  for (size_t i = 0; i < h->n && !err; i++) err = prp_csv_writer_row(h->csv, h->rows + i * h->ncols);
  free(err);   /* kept by the writer for close */
  return NULL;
}

char *prp_trainer_history_csv_close(prp_trainer *t) {
  trainer_history *h = &t->hist;
  if (!h->csv) return NULL;
  char *err = prp_csv_writer_close(h->csv);
  h->csv = NULL;
  return err;
}
