/* Runtime, training: the source's energy outside the box, while a source is
 * dilated. The residual loss holds the integral of s^2 over the collocation
 * points; a wide source loses part of it through the walls, so that part of
 * the loss falls as the source leaves the box and its gradient pushes the
 * source into the nearest wall or corner whatever the data say
 * (docs/language.md, "source energy"). Adding the integral of s^2 over a margin
 * of three widths around the box makes the source's total energy independent
 * of its position: the unknowns then follow only the network's implied source.
 * Kept while the dilatation schedule runs (off once the width is the true one). */
#include "train_internal.h"
#include "util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { PAD_CHUNK = PRP_TRAIN_CHUNK, PAD_POINTS_PER_COLLOCATION = 1 };

int prp_source_energy_active(const prp_train_session *s) {
  const prp_train_problem *pb = s->pb;
  return pb->source_energy_free && pb->source_width_scalar >= 0 && s->progress < prp_schedule_end(&pb->schedules[pb->source_width_scalar]);
}

int prp_source_energy_init(prp_train_session *s, char **err) {
  const prp_train_problem *pb = s->pb;
  source_pad *pad = &s->pad;
  if (!pb->source_energy_free || pb->source_width_scalar < 0 || pb->n_collocation <= 0) return 0;
  for (int i = 0; i < pb->n_terms; i++)
    if (pb->terms[i].kind == PRP_TERM_KIND_PDE) pad->term = &pb->terms[i];
  if (!pad->term) return 0;
  pad->n = (size_t)pb->n_collocation * PAD_POINTS_PER_COLLOCATION;
  pad->unit = prp_xcalloc(pad->n * (size_t)pb->n_inputs + 1, sizeof(double));
  pad->zeros = prp_xcalloc(PAD_CHUNK, sizeof(double));
  pad->zeros32 = prp_xcalloc(PAD_CHUNK, sizeof(float));
  for (int i = 0; i < pb->n_inputs; i++) {
    pad->cols[i] = prp_xcalloc(PAD_CHUNK, sizeof(double));
    pad->cols32[i] = prp_xcalloc(PAD_CHUNK, sizeof(float));
  }
  double lo[PRP_SAMPLE_MAX_DIM] = {0}, hi[PRP_SAMPLE_MAX_DIM] = {1, 1, 1, 1, 1};
  prp_sampler smp;
  char msg[256];
  if (prp_sampler_init(&smp, PRP_SAMPLE_SOBOL, pb->n_inputs, lo, hi, pb->seed * 7919 + 97, 1, msg, sizeof msg) != 0) {
    *err = prp_errorf("source energy points: %s", msg);
    return -1;
  }
  prp_sampler_draw(&smp, pad->n, pad->unit);
  return 0;
}

void prp_source_energy_free(prp_train_session *s) {
  source_pad *pad = &s->pad;
  free(pad->unit);
  free(pad->zeros);
  free(pad->zeros32);
  for (int i = 0; i < 4; i++) {
    free(pad->cols[i]);
    free(pad->cols32[i]);
  }
}

/* The kernel of the PDE term at n points with the network's jets at zero:
 * r = -s (and dr/dtheta); adds scale * sum r dr/dtheta to dtheta, returns sum r^2. */
static double pad_chunk(prp_train_session *s, size_t n, double scale, double *dtheta) {
  const prp_train_problem *pb = s->pb;
  source_pad *pad = &s->pad;
  const prp_train_term *term = pad->term;
  int nout = 1 + term->n_jets + pb->n_unknowns;
  double loss = 0;
  if (pb->single) {
    const float *in[64] = {0};
    float *out[1 + PRP_TRAIN_MAX_JETS + PRP_TRAIN_MAX_UNKNOWNS];
    for (int i = 0; i < pb->n_inputs; i++) {
      prp_convert_f64_to_f32(n, pad->cols[i], pad->cols32[i]);
      in[i] = pad->cols32[i];
    }
    for (int k = 0; k < pb->n_kernel_jets + pb->n_pointdata && pb->n_coord_slots + k < 64; k++) in[pb->n_coord_slots + k] = pad->zeros32;
    for (int o = 0; o < nout; o++) out[o] = s->kernel_out32 + (size_t)o * PAD_CHUNK;
    term->kernel_f32((int64_t)n, in, s->uniforms32, out);
    for (size_t p = 0; p < n; p++) loss += (double)out[0][p] * out[0][p];
    for (int u = 0; u < pb->n_unknowns; u++) {
      double acc = 0;
      for (size_t p = 0; p < n; p++) acc += (double)out[0][p] * out[1 + term->n_jets + u][p];
      dtheta[u] += scale * acc;
    }
    return loss;
  }
  const double *in[64] = {0};
  double *out[1 + PRP_TRAIN_MAX_JETS + PRP_TRAIN_MAX_UNKNOWNS];
  for (int i = 0; i < pb->n_inputs; i++) in[i] = pad->cols[i];
  for (int k = 0; k < pb->n_kernel_jets + pb->n_pointdata && pb->n_coord_slots + k < 64; k++) in[pb->n_coord_slots + k] = pad->zeros;
  for (int o = 0; o < nout; o++) out[o] = s->kernel_out + (size_t)o * PAD_CHUNK;
  term->kernel((int64_t)n, in, s->uniforms, out);
  for (size_t p = 0; p < n; p++) loss += out[0][p] * out[0][p];
  for (int u = 0; u < pb->n_unknowns; u++) {
    double acc = 0;
    for (size_t p = 0; p < n; p++) acc += out[0][p] * out[1 + term->n_jets + u][p];
    dtheta[u] += scale * acc;
  }
  return loss;
}

/* Maps a unit point into the box grown by margin m in space; 1 if it lies outside the box. */
static int pad_point(const prp_train_problem *pb, const double *unit, double m, double *x) {
  int outside = 0;
  for (int i = 0; i < pb->n_inputs; i++) {
    double lo = pb->lo[i], hi = pb->hi[i];
    if (i != pb->time_index) { lo -= m; hi += m; }
    x[i] = lo + unit[i] * (hi - lo);
    if (x[i] < pb->lo[i] || x[i] > pb->hi[i]) outside = 1;
  }
  return outside;
}

double prp_source_energy_add(prp_train_session *s, double *dtheta) {
  const prp_train_problem *pb = s->pb;
  source_pad *pad = &s->pad;
  s->source_energy_loss = 0;
  if (!pad->term || !prp_source_energy_active(s) || pad->term->weight == 0) return 0;
  double m = 3 * fabs(s->scalars[pb->source_width_scalar]);
  double grown = 1, box = 1;
  for (int i = 0; i < pb->n_space; i++) {
    box *= pb->hi[i] - pb->lo[i];
    grown *= pb->hi[i] - pb->lo[i] + 2 * m;
  }
  /* the residual term is w mean_box r^2 ~ w/V int_box r^2; this adds w/V int_margin s^2 */
  double scale = 2 * pad->term->weight * (grown / box) / (double)pad->n, loss = 0;
  size_t fill = 0;
  for (size_t p = 0; p < pad->n; p++) {
    double x[PRP_SAMPLE_MAX_DIM];
    if (!pad_point(pb, pad->unit + p * (size_t)pb->n_inputs, m, x)) continue;
    for (int i = 0; i < pb->n_inputs; i++) pad->cols[i][fill] = x[i];
    if (++fill == PAD_CHUNK) {
      loss += pad_chunk(s, fill, scale, dtheta);
      fill = 0;
    }
  }
  if (fill) loss += pad_chunk(s, fill, scale, dtheta);
  s->source_energy_loss = loss * scale / 2;
  return s->source_energy_loss;
}
