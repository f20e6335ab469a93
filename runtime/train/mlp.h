/* Runtime: the fully connected network of a PR-PINN, with forward jets (value and
 * input derivatives stacked as GEMM columns) and reverse mode through them. */
#ifndef PRP_MLP_H
#define PRP_MLP_H
#include "rng.h"
#include <stddef.h>

#define PRP_MLP_MAX_INPUTS 4
#define PRP_MLP_MAX_HIDDEN 16
#define PRP_JET_MAX_SECOND 10 /* every pair i <= j of 4 inputs */
#define PRP_JET_MAX_COLS (1 + PRP_MLP_MAX_INPUTS + PRP_JET_MAX_SECOND + 1)
/* Points per chunk: a 128-wide layer's jets then stay within L2 (bench/train_step.c:
 * 128 and 256 were equally fast, 512 a few per cent slower). */
#define PRP_MLP_DEFAULT_CHUNK 256

typedef enum { PRP_ACT_TANH, PRP_ACT_SIN, PRP_ACT_SIGMOID, PRP_ACT_SOFTPLUS } prp_activation;
typedef enum { PRP_INIT_XAVIER_NORMAL, PRP_INIT_XAVIER_UNIFORM } prp_init;

/* What the .prp file says about the network. The box [lo, hi] is mapped to [-1, 1]. */
typedef struct {
  int n_inputs;                     /* 1..4: space coordinates, then time */
  int n_hidden;                     /* number of hidden layers, 1..PRP_MLP_MAX_HIDDEN */
  int widths[PRP_MLP_MAX_HIDDEN];   /* their widths */
  prp_activation activation;
  double lo[PRP_MLP_MAX_INPUTS], hi[PRP_MLP_MAX_INPUTS];
} prp_mlp_shape;

/* The architecture resolved: where each weight lives in the flat parameter vector.
 * Layer l (1..n_hidden) has W_l (widths[l-1] x fan_in, column-major) then b_l;
 * the output layer has w_out (widths[last]) then b_out. Same layout for gradients. */
typedef struct {
  prp_mlp_shape shape;
  int fan_in[PRP_MLP_MAX_HIDDEN];
  size_t w_offset[PRP_MLP_MAX_HIDDEN], b_offset[PRP_MLP_MAX_HIDDEN];
  size_t w_out_offset, b_out_offset;
  size_t n_params;
  int max_width;
  double in_scale[PRP_MLP_MAX_INPUTS], in_shift[PRP_MLP_MAX_INPUTS]; /* xhat = s*x + c */
} prp_mlp;

/* Which derivatives of the output with respect to the inputs to propagate.
 * The value is always propagated. `lap` is a bit set of inputs whose pure second
 * derivatives are summed into ONE column (forward Laplacian). */
typedef struct {
  unsigned first;                           /* bit i: d/dx_i */
  int n_second;
  unsigned char second[PRP_JET_MAX_SECOND][2]; /* pairs (i, j): d2/dx_i dx_j */
  unsigned lap;                             /* 0: no Laplacian column */
} prp_jet_spec;

/* The columns actually propagated: value, first derivatives (those asked for plus
 * those a second derivative or the Laplacian needs), second derivatives, Laplacian. */
typedef struct {
  int n_inputs;
  int n_cols;
  int n_first;
  int first_input[PRP_MLP_MAX_INPUTS];      /* column 1 + f holds d/dx_{first_input[f]} */
  int first_col[PRP_MLP_MAX_INPUTS];        /* column of d/dx_i, or -1 */
  int n_second;
  int second_a[PRP_JET_MAX_SECOND], second_b[PRP_JET_MAX_SECOND]; /* first-derivative slots f */
  int second_col[PRP_MLP_MAX_INPUTS][PRP_MLP_MAX_INPUTS];         /* column or -1 */
  int n_lap;
  int lap_slot[PRP_MLP_MAX_INPUTS];         /* first-derivative slots summed in the Laplacian */
  int lap_col;                              /* -1 if none */
} prp_jet_layout;

/* Fills `net` from `shape`; returns 0, or -1 with a message in err (size errlen). */
int prp_mlp_init(prp_mlp *net, const prp_mlp_shape *shape, char *err, size_t errlen);
/* Resolves a jet spec for a network with n_inputs inputs; 0, or -1 with a message. */
int prp_jet_layout_init(prp_jet_layout *jl, const prp_jet_spec *spec, int n_inputs,
                        char *err, size_t errlen);
int prp_jet_col_first(const prp_jet_layout *jl, int i);          /* -1 if absent */
int prp_jet_col_second(const prp_jet_layout *jl, int i, int j);  /* either order; -1 if absent */

/* Glorot/Xavier initialisation with zero biases. The f32 version draws the same
 * numbers as the f64 one and rounds them. */
void prp_mlp_init_params_f64(const prp_mlp *net, prp_init init, prp_rng *rng, double *params);
void prp_mlp_init_params_f32(const prp_mlp *net, prp_init init, prp_rng *rng, float *params);

/* GEMM floating-point operations of one forward+backward pass over n points. */
double prp_mlp_gemm_flops(const prp_mlp *net, const prp_jet_layout *jl, size_t n);

/* The networks' tanh: within a few ulp of tanh, written to vectorise. */
float prp_mlp_tanhf(float x);
double prp_mlp_tanh(double x);

void prp_convert_f64_to_f32(size_t n, const double *src, float *dst);
void prp_convert_f32_to_f64(size_t n, const float *src, double *dst);

/* Workspaces and passes, in both precisions. A workspace holds every buffer one chunk
 * of at most max_chunk points needs, so no pass allocates.
 *
 * forward: x is n x n_inputs row-major (n <= max_chunk); out[c*n + p] receives jet
 *   column c at point p. Keeps what backward needs in the workspace.
 * backward: after forward on the same points; gout[c*n + p] = dLoss/d out[c*n + p];
 *   ADDS dLoss/d params to grad (same layout as params).
 * loss_grad: loops over chunks of the n points: forward, then `chunk_loss` (which
 *   fills gout for its chunk and returns the chunk's loss), then backward. Returns
 *   the sum of the chunk losses; grad is accumulated, not cleared. */
#define PRP_MLP_DECLARE(T, SFX)                                                              \
  typedef struct prp_mlp_ws_##SFX prp_mlp_ws_##SFX;                                          \
  typedef double (*prp_mlp_chunk_loss_##SFX)(void *ctx, size_t first_point, size_t n,        \
                                              const T *out, T *gout);                        \
  prp_mlp_ws_##SFX *prp_mlp_ws_create_##SFX(const prp_mlp *net, const prp_jet_layout *jl,    \
                                            size_t max_chunk);                               \
  void prp_mlp_ws_free_##SFX(prp_mlp_ws_##SFX *ws);                                          \
  size_t prp_mlp_ws_max_chunk_##SFX(const prp_mlp_ws_##SFX *ws);                             \
  void prp_mlp_forward_##SFX(prp_mlp_ws_##SFX *ws, const T *params, size_t n,                \
                             const double *x, T *out);                                       \
  void prp_mlp_backward_##SFX(prp_mlp_ws_##SFX *ws, const T *params, const T *gout,          \
                              T *grad);                                                      \
  double prp_mlp_loss_grad_##SFX(prp_mlp_ws_##SFX *ws, const T *params, size_t n,            \
                                 const double *x, prp_mlp_chunk_loss_##SFX chunk_loss,       \
                                 void *ctx, T *grad);

PRP_MLP_DECLARE(float, f32)
PRP_MLP_DECLARE(double, f64)
#undef PRP_MLP_DECLARE

#endif
