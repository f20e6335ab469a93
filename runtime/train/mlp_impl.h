/* Runtime: the network's jet propagation, written once for both precisions and
 * included twice by mlp.c with T = float / double (see the macros defined there). */

/* One workspace: the per-layer pre-activation jets Z and activated jets A of the
 * current chunk (needed by backward), two gradient buffers, and per-point scratch.
 * Jet block c of a layer of width w over n points starts at c*w*n, so the C blocks
 * are one contiguous w x (C*n) column-major matrix: one GEMM per layer. */
struct FN(prp_mlp_ws) {
  prp_mlp net;
  prp_jet_layout jl;
  size_t max_chunk;
  size_t n;              /* points of the chunk last forwarded */
  T *xhat;               /* scaled inputs, xhat[i*n + p] */
  T *z[PRP_MLP_MAX_HIDDEN], *a[PRP_MLP_MAX_HIDDEN];
  T *abar, *zbar;        /* dLoss/dA and dLoss/dZ of the layer being differentiated */
  T *s1, *s2, *s3, *acc2, *acc3; /* activation derivatives and sums at one point */
  T *out, *gout;         /* chunk outputs and their adjoints, for loss_grad */
};

FN(prp_mlp_ws) *FN(prp_mlp_ws_create)(const prp_mlp *net, const prp_jet_layout *jl,
                                      size_t max_chunk) {
  assert(max_chunk > 0 && jl->n_inputs == net->shape.n_inputs);
  /* BLAS dimensions are int: C * chunk columns of max_width rows must fit */
  assert((double)jl->n_cols * (double)max_chunk * net->max_width < 2147483647.0 &&
         "chunk too large for BLAS int dimensions");
  FN(prp_mlp_ws) *ws = prp_xcalloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->net = *net;
  ws->jl = *jl;
  ws->max_chunk = max_chunk;
  size_t cols = (size_t)jl->n_cols * max_chunk;
  size_t w_max = (size_t)net->max_width;
  int ok = (ws->xhat = prp_xmalloc(sizeof(T) * (size_t)net->shape.n_inputs * max_chunk, 1)) != NULL;
  for (int l = 0; l < net->shape.n_hidden; l++) {
    size_t w = (size_t)net->shape.widths[l];
    ok &= (ws->z[l] = prp_xmalloc(sizeof(T) * w * cols, 1)) != NULL;
    ok &= (ws->a[l] = prp_xmalloc(sizeof(T) * w * cols, 1)) != NULL;
  }
  ok &= (ws->abar = prp_xmalloc(sizeof(T) * w_max * cols, 1)) != NULL;
  ok &= (ws->zbar = prp_xmalloc(sizeof(T) * w_max * cols, 1)) != NULL;
  T **scratch[] = {&ws->s1, &ws->s2, &ws->s3, &ws->acc2, &ws->acc3};
  for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++)
    ok &= (*scratch[i] = prp_xcalloc(w_max, sizeof(T))) != NULL;
  ok &= (ws->out = prp_xmalloc(sizeof(T) * cols, 1)) != NULL;
  ok &= (ws->gout = prp_xmalloc(sizeof(T) * cols, 1)) != NULL;
  if (!ok) {
    FN(prp_mlp_ws_free)(ws);
    return NULL;
  }
  return ws;
}

void FN(prp_mlp_ws_free)(FN(prp_mlp_ws) *ws) {
  if (!ws) return;
  free(ws->xhat);
  for (int l = 0; l < ws->net.shape.n_hidden; l++) {
    free(ws->z[l]);
    free(ws->a[l]);
  }
  free(ws->abar);
  free(ws->zbar);
  free(ws->s1);
  free(ws->s2);
  free(ws->s3);
  free(ws->acc2);
  free(ws->acc3);
  free(ws->out);
  free(ws->gout);
  free(ws);
}

size_t FN(prp_mlp_ws_max_chunk)(const FN(prp_mlp_ws) *ws) { return ws->max_chunk; }

/* The derivatives s1..s3 of sigma at z, given a = sigma(z); tanh and sigmoid
 * take them from a, which is cheaper than from z. s2, s3 may be NULL. */
PRP_ALWAYS_INLINE static inline void FN(derivatives)(prp_activation act, int w, const T *z,
                                                     const T *a, T *restrict s1,
                                                     T *restrict s2, T *restrict s3) {
  switch (act) {
  case PRP_ACT_TANH:
    for (int k = 0; k < w; k++) s1[k] = 1 - a[k] * a[k];
    if (s2)
      for (int k = 0; k < w; k++) s2[k] = -2 * a[k] * s1[k];
    if (s3)
      for (int k = 0; k < w; k++) s3[k] = -2 * s1[k] * (1 - 3 * a[k] * a[k]);
    break;
  case PRP_ACT_SIGMOID:
    for (int k = 0; k < w; k++) s1[k] = a[k] * (1 - a[k]);
    if (s2)
      for (int k = 0; k < w; k++) s2[k] = s1[k] * (1 - 2 * a[k]);
    if (s3)
      for (int k = 0; k < w; k++) s3[k] = s1[k] * (1 - 6 * a[k] + 6 * a[k] * a[k]);
    break;
  case PRP_ACT_SIN:
    for (int k = 0; k < w; k++) s1[k] = MCOS(z[k]);
    if (s2)
      for (int k = 0; k < w; k++) s2[k] = -a[k];
    if (s3)
      for (int k = 0; k < w; k++) s3[k] = -s1[k];
    break;
  case PRP_ACT_SOFTPLUS: /* sigma' is the logistic function */
    for (int k = 0; k < w; k++) s1[k] = 1 / (1 + MEXP(-z[k]));
    if (s2)
      for (int k = 0; k < w; k++) s2[k] = s1[k] * (1 - s1[k]);
    if (s3)
      for (int k = 0; k < w; k++) s3[k] = s1[k] * (1 - s1[k]) * (1 - 2 * s1[k]);
    break;
  default:
    assert(!"unknown activation");
  }
}

/* sigma(z) into a, and its first three derivatives into s1, s2, s3 (s2, s3 may be
 * NULL when no second-order column needs them). Each quantity has its own loop
 * without branches, so that every loop vectorises. */
PRP_ALWAYS_INLINE static inline void FN(activate)(prp_activation act, int w, const T *z,
                                                  T *restrict a, T *restrict s1,
                                                  T *restrict s2, T *restrict s3) {
  switch (act) {
  case PRP_ACT_TANH:
    for (int k = 0; k < w; k++) a[k] = MTANH(z[k]);
    break;
  case PRP_ACT_SIN:
    for (int k = 0; k < w; k++) a[k] = MSIN(z[k]);
    break;
  case PRP_ACT_SIGMOID:
    for (int k = 0; k < w; k++) a[k] = 1 / (1 + MEXP(-z[k]));
    break;
  case PRP_ACT_SOFTPLUS: /* log(1 + e^z) without overflow on either side */
    for (int k = 0; k < w; k++) a[k] = z[k] > 0 ? z[k] + MLOG1P(MEXP(-z[k])) : MLOG1P(MEXP(z[k]));
    break;
  default:
    assert(!"unknown activation");
  }
  FN(derivatives)(act, w, z, a, s1, s2, s3);
}

/* Pointer to jet column c of point p in a layer buffer of width w over n points. */
static inline T *FN(col)(T *buf, int w, size_t n, int c, size_t p) {
  return buf + ((size_t)c * n + p) * (size_t)w;
}

/* Layer 1 without a GEMM: Z = W1 xhat + b1 for the value; the first-derivative
 * columns are columns of W1 times the input scale; higher columns are zero. */
PRP_VECTOR_LOOPS static void FN(first_layer_forward)(FN(prp_mlp_ws) *ws, const T *params,
                                                     size_t n, const double *x) {
  const prp_mlp *net = &ws->net;
  const prp_jet_layout *jl = &ws->jl;
  int d = net->shape.n_inputs, w = net->shape.widths[0];
  const T *W = params + net->w_offset[0], *b = params + net->b_offset[0];
  for (int i = 0; i < d; i++)
    for (size_t p = 0; p < n; p++)
      ws->xhat[i * n + p] = (T)(net->in_scale[i] * x[p * d + i] + net->in_shift[i]);
  T *Z = ws->z[0];
  for (size_t p = 0; p < n; p++) {
    T *zp = FN(col)(Z, w, n, 0, p);
    for (int k = 0; k < w; k++) zp[k] = b[k];
    for (int i = 0; i < d; i++) {
      T xi = ws->xhat[i * n + p];
      const T *Wi = W + (size_t)i * w;
      for (int k = 0; k < w; k++) zp[k] += Wi[k] * xi;
    }
  }
  for (int f = 0; f < jl->n_first; f++) {
    int i = jl->first_input[f];
    T scale = (T)net->in_scale[i];
    const T *Wi = W + (size_t)i * w;
    for (size_t p = 0; p < n; p++) {
      T *zp = FN(col)(Z, w, n, 1 + f, p);
      for (int k = 0; k < w; k++) zp[k] = Wi[k] * scale;
    }
  }
  int higher = jl->n_cols - 1 - jl->n_first;
  if (higher > 0)
    memset(FN(col)(Z, w, n, 1 + jl->n_first, 0), 0, sizeof(T) * (size_t)higher * n * w);
}

/* A = sigma applied to the jets Z of one layer (chain rule up to second order);
 * the bias is added to the value column here, where Z is already in cache. */
PRP_VECTOR_LOOPS static void FN(activation_forward)(FN(prp_mlp_ws) *ws, int layer, size_t n,
                                                    const T *bias) {
  const prp_jet_layout *jl = &ws->jl;
  int w = ws->net.shape.widths[layer];
  T *Z = ws->z[layer], *A = ws->a[layer];
  int need_s2 = jl->n_second > 0 || jl->lap_col >= 0;
  T *restrict s1 = ws->s1, *restrict s2 = need_s2 ? ws->s2 : NULL;
  for (size_t p = 0; p < n; p++) {
    T *z0 = FN(col)(Z, w, n, 0, p);
    if (bias)
      for (int k = 0; k < w; k++) z0[k] += bias[k];
    FN(activate)(ws->net.shape.activation, w, z0, FN(col)(A, w, n, 0, p), s1, s2, NULL);
    for (int f = 0; f < jl->n_first; f++) {
      const T *zf = FN(col)(Z, w, n, 1 + f, p);
      T *af = FN(col)(A, w, n, 1 + f, p);
      for (int k = 0; k < w; k++) af[k] = s1[k] * zf[k];
    }
    for (int q = 0; q < jl->n_second; q++) {
      int c = 1 + jl->n_first + q;
      const T *za = FN(col)(Z, w, n, 1 + jl->second_a[q], p);
      const T *zb = FN(col)(Z, w, n, 1 + jl->second_b[q], p);
      const T *zq = FN(col)(Z, w, n, c, p);
      T *aq = FN(col)(A, w, n, c, p);
      for (int k = 0; k < w; k++) aq[k] = s2[k] * za[k] * zb[k] + s1[k] * zq[k];
    }
    if (jl->lap_col >= 0) {
      T *sq = ws->acc2;
      for (int k = 0; k < w; k++) sq[k] = 0;
      for (int s = 0; s < jl->n_lap; s++) {
        const T *zs = FN(col)(Z, w, n, 1 + jl->lap_slot[s], p);
        for (int k = 0; k < w; k++) sq[k] += zs[k] * zs[k];
      }
      const T *zl = FN(col)(Z, w, n, jl->lap_col, p);
      T *al = FN(col)(A, w, n, jl->lap_col, p);
      for (int k = 0; k < w; k++) al[k] = s2[k] * sq[k] + s1[k] * zl[k];
    }
  }
}

void FN(prp_mlp_forward)(FN(prp_mlp_ws) *ws, const T *params, size_t n, const double *x,
                         T *out) {
  const prp_mlp *net = &ws->net;
  assert(n > 0 && n <= ws->max_chunk);
  int L = net->shape.n_hidden, C = ws->jl.n_cols;
  ws->n = n;
  FN(first_layer_forward)(ws, params, n, x);
  for (int l = 0; l < L; l++) {
    int w = net->shape.widths[l];
    if (l > 0) {
      int fan = net->fan_in[l];
      GEMM(CblasColMajor, CblasNoTrans, CblasNoTrans, w, C * (int)n, fan, 1,
           params + net->w_offset[l], w, ws->a[l - 1], fan, 0, ws->z[l], w);
    }
    const T *bias = l > 0 ? params + net->b_offset[l] : NULL; /* layer 1 has it already */
    FN(activation_forward)(ws, l, n, bias);
  }
  /* output layer: one GEMV over all columns while A_L is still in cache */
  int wL = net->shape.widths[L - 1];
  GEMV(CblasColMajor, CblasTrans, wL, C * (int)n, 1, ws->a[L - 1], wL,
       params + net->w_out_offset, 1, 0, out, 1);
  T b_out = params[net->b_out_offset];
  for (size_t p = 0; p < n; p++) out[p] += b_out;
}

/* dLoss/dZ of one layer at every point from dLoss/dA (in ws->abar), reversing
 * activation_forward; writes ws->zbar. s3 enters through the second-order terms. */
PRP_VECTOR_LOOPS static void FN(activation_backward)(FN(prp_mlp_ws) *ws, int layer, size_t n) {
  const prp_jet_layout *jl = &ws->jl;
  int w = ws->net.shape.widths[layer];
  T *Z = ws->z[layer], *A = ws->a[layer], *AB = ws->abar, *ZB = ws->zbar;
  int second_order = jl->n_second > 0 || jl->lap_col >= 0;
  /* sigma'' is needed as soon as a first-derivative column exists: a_f = sigma'(z) z_f
   * depends on z through sigma''(z); sigma''' only with second-order columns */
  int need_s2 = second_order || jl->n_first > 0;
  T *restrict s1 = ws->s1, *restrict s2 = ws->s2, *restrict s3 = ws->s3;
  T *restrict acc2 = ws->acc2, *restrict acc3 = ws->acc3;
  for (size_t p = 0; p < n; p++) {
    FN(derivatives)(ws->net.shape.activation, w, FN(col)(Z, w, n, 0, p), FN(col)(A, w, n, 0, p),
                    s1, need_s2 ? s2 : NULL, second_order ? s3 : NULL);
    for (int k = 0; k < w; k++) acc2[k] = acc3[k] = 0;
    for (int f = 0; f < jl->n_first; f++) {
      const T *zf = FN(col)(Z, w, n, 1 + f, p), *af = FN(col)(AB, w, n, 1 + f, p);
      T *gf = FN(col)(ZB, w, n, 1 + f, p);
      for (int k = 0; k < w; k++) {
        acc2[k] += zf[k] * af[k];
        gf[k] = s1[k] * af[k];
      }
    }
    for (int q = 0; q < jl->n_second; q++) {
      int c = 1 + jl->n_first + q, fa = jl->second_a[q], fb = jl->second_b[q];
      const T *za = FN(col)(Z, w, n, 1 + fa, p), *zb = FN(col)(Z, w, n, 1 + fb, p);
      const T *zq = FN(col)(Z, w, n, c, p), *aq = FN(col)(AB, w, n, c, p);
      T *ga = FN(col)(ZB, w, n, 1 + fa, p), *gb = FN(col)(ZB, w, n, 1 + fb, p);
      T *gq = FN(col)(ZB, w, n, c, p);
      for (int k = 0; k < w; k++) {
        acc2[k] += zq[k] * aq[k];
        acc3[k] += za[k] * zb[k] * aq[k];
        gq[k] = s1[k] * aq[k];
      }
      /* separate loops: ga and gb alias when fa == fb (a pure second derivative) */
      for (int k = 0; k < w; k++) ga[k] += s2[k] * aq[k] * zb[k];
      for (int k = 0; k < w; k++) gb[k] += s2[k] * aq[k] * za[k];
    }
    if (jl->lap_col >= 0) {
      const T *zl = FN(col)(Z, w, n, jl->lap_col, p), *al = FN(col)(AB, w, n, jl->lap_col, p);
      T *gl = FN(col)(ZB, w, n, jl->lap_col, p);
      for (int k = 0; k < w; k++) {
        acc2[k] += zl[k] * al[k];
        gl[k] = s1[k] * al[k];
      }
      for (int s = 0; s < jl->n_lap; s++) {
        const T *zs = FN(col)(Z, w, n, 1 + jl->lap_slot[s], p);
        T *gs = FN(col)(ZB, w, n, 1 + jl->lap_slot[s], p);
        for (int k = 0; k < w; k++) {
          acc3[k] += zs[k] * zs[k] * al[k];
          gs[k] += 2 * s2[k] * zs[k] * al[k];
        }
      }
    }
    const T *a0 = FN(col)(AB, w, n, 0, p);
    T *g0 = FN(col)(ZB, w, n, 0, p);
    if (second_order)
      for (int k = 0; k < w; k++) g0[k] = s1[k] * a0[k] + s2[k] * acc2[k] + s3[k] * acc3[k];
    else if (need_s2)
      for (int k = 0; k < w; k++) g0[k] = s1[k] * a0[k] + s2[k] * acc2[k];
    else
      for (int k = 0; k < w; k++) g0[k] = s1[k] * a0[k];
  }
}

/* Adds the sum over points of the value column of zbar (the bias gradient). */
PRP_VECTOR_LOOPS static void FN(add_bias_grad)(const T *zbar, int w, size_t n, T *gb) {
  for (size_t p = 0; p < n; p++) {
    const T *g0 = zbar + p * (size_t)w;
    for (int k = 0; k < w; k++) gb[k] += g0[k];
  }
}

/* Layer 1's weight gradient: from the value column through xhat, and from each
 * first-derivative column through the constant dZ_i/dW1[:, i] = input scale. */
PRP_VECTOR_LOOPS static void FN(first_layer_backward)(FN(prp_mlp_ws) *ws, size_t n, T *grad) {
  const prp_mlp *net = &ws->net;
  const prp_jet_layout *jl = &ws->jl;
  int d = net->shape.n_inputs, w = net->shape.widths[0];
  T *gW = grad + net->w_offset[0];
  for (int i = 0; i < d; i++) {
    T *gWi = gW + (size_t)i * w;
    const T *xi = ws->xhat + (size_t)i * n;
    for (size_t p = 0; p < n; p++) {
      const T *g0 = FN(col)(ws->zbar, w, n, 0, p);
      for (int k = 0; k < w; k++) gWi[k] += g0[k] * xi[p];
    }
  }
  for (int f = 0; f < jl->n_first; f++) {
    int i = jl->first_input[f];
    T scale = (T)net->in_scale[i];
    T *gWi = gW + (size_t)i * w;
    for (size_t p = 0; p < n; p++) {
      const T *gf = FN(col)(ws->zbar, w, n, 1 + f, p);
      for (int k = 0; k < w; k++) gWi[k] += scale * gf[k];
    }
  }
}

/* m[k + j*rows] = u[k] v[j] */
PRP_VECTOR_LOOPS static void FN(outer_product)(int rows, size_t cols, const T *u, const T *v,
                                               T *restrict m) {
  for (size_t j = 0; j < cols; j++)
    for (int k = 0; k < rows; k++) m[j * (size_t)rows + k] = u[k] * v[j];
}

void FN(prp_mlp_backward)(FN(prp_mlp_ws) *ws, const T *params, const T *gout, T *grad) {
  const prp_mlp *net = &ws->net;
  int L = net->shape.n_hidden, C = ws->jl.n_cols;
  size_t n = ws->n;
  assert(n > 0 && "prp_mlp_backward called before prp_mlp_forward");
  int wL = net->shape.widths[L - 1];
  const T *w_out = params + net->w_out_offset;
  /* output layer: dA_L = w_out gout^T; dw_out = A_L gout; db_out = sum gout_value */
  FN(outer_product)(wL, (size_t)C * n, w_out, gout, ws->abar);
  GEMV(CblasColMajor, CblasNoTrans, wL, C * (int)n, 1, ws->a[L - 1], wL, gout, 1, 1,
       grad + net->w_out_offset, 1);
  T gb = 0;
  for (size_t p = 0; p < n; p++) gb += gout[p];
  grad[net->b_out_offset] += gb;
  for (int l = L - 1; l >= 0; l--) {
    int w = net->shape.widths[l];
    FN(activation_backward)(ws, l, n);
    FN(add_bias_grad)(ws->zbar, w, n, grad + net->b_offset[l]);
    if (l == 0) {
      FN(first_layer_backward)(ws, n, grad);
      break;
    }
    int fan = net->fan_in[l];
    /* dW_l += dZ_l A_{l-1}^T ; dA_{l-1} = W_l^T dZ_l : one GEMM each over all columns */
    GEMM(CblasColMajor, CblasNoTrans, CblasTrans, w, fan, C * (int)n, 1, ws->zbar, w,
         ws->a[l - 1], fan, 1, grad + net->w_offset[l], w);
    GEMM(CblasColMajor, CblasTrans, CblasNoTrans, fan, C * (int)n, w, 1,
         params + net->w_offset[l], w, ws->zbar, w, 0, ws->abar, fan);
  }
}

double FN(prp_mlp_loss_grad)(FN(prp_mlp_ws) *ws, const T *params, size_t n, const double *x,
                             FN(prp_mlp_chunk_loss) chunk_loss, void *ctx, T *grad) {
  double loss = 0;
  int d = ws->net.shape.n_inputs;
  for (size_t start = 0; start < n; start += ws->max_chunk) {
    size_t m = n - start < ws->max_chunk ? n - start : ws->max_chunk;
    FN(prp_mlp_forward)(ws, params, m, x + start * (size_t)d, ws->out);
    loss += chunk_loss(ctx, start, m, ws->out, ws->gout);
    FN(prp_mlp_backward)(ws, params, ws->gout, grad);
  }
  return loss;
}
