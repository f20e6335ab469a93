/* Runtime, training: the loss of one chunk of a term's points, written once for
 * both precisions. Included by train_session.c with T (double or float), CHUNK_LOSS
 * (the function's name) and the session's arrays of that precision (COLS, POINTDATA,
 * KERNEL_OUT, UNIFORMS, KERNEL). The kernel gives r and its partials; the
 * network's output gradient is scale * r * dr/djet, the unknowns' accumulates
 * in double. Sums of squares are in double in both precisions. */
static double CHUNK_LOSS(void *vctx, size_t first, size_t n, const T *out, T *gout) {
  chunk_ctx *c = vctx;
  prp_train_session *s = c->s;
  term_state *t = c->t;
  const prp_train_problem *pb = s->pb;
  const prp_train_term *term = t->term;
  const T *inputs[64] = {0};
  for (int i = 0; i < pb->n_inputs; i++) inputs[i] = t->COLS[i] + first;
  for (int k = 0; k < term->n_jets; k++) inputs[term->jet_slot[k]] = out + (size_t)t->jet_col[k] * n;
  for (int k = 0; k < pb->n_pointdata && k < 3; k++)
    inputs[pb->n_coord_slots + pb->n_kernel_jets + k] = t->POINTDATA[k] + first;
  int nout = 1 + term->n_jets + pb->n_unknowns;
  T *outputs[1 + PRP_TRAIN_MAX_JETS + PRP_TRAIN_MAX_UNKNOWNS];
  for (int o = 0; o < nout; o++) outputs[o] = s->KERNEL_OUT + (size_t)o * CHUNK;
  term->KERNEL((int64_t)n, inputs, s->UNIFORMS, outputs);
  const T *r = outputs[0];
  memset(gout, 0, (size_t)t->layout.n_cols * n * sizeof *gout);
  double loss = 0;
  for (size_t p = 0; p < n; p++) loss += (double)r[p] * r[p];
  T scale = (T)c->scale;
  for (int k = 0; k < term->n_jets; k++) {
    T *g = gout + (size_t)t->jet_col[k] * n;
    const T *dr = outputs[1 + k];
    for (size_t p = 0; p < n; p++) g[p] += scale * r[p] * dr[p];
  }
  for (int u = 0; u < pb->n_unknowns; u++) {
    const T *dr = outputs[1 + term->n_jets + u];
    double acc = 0;
    for (size_t p = 0; p < n; p++) acc += (double)r[p] * dr[p];
    c->dtheta[u] += c->scale * acc;
  }
  return loss * c->scale / 2;
}
