/* Unit tests of the runtime network (runtime/train/mlp.c): jets against finite differences
 * of the network's value, backward against finite differences of a scalar loss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlp.h"

enum { N_POINTS = 7 };

/* A small 3-input network over a box that is not [-1, 1]^3, so the input
 * scaling enters every derivative. Three hidden layers: two go through GEMM. */
static prp_mlp make_net(int d, prp_activation act) {
  prp_mlp_shape shape = {.n_inputs = d, .n_hidden = 3, .widths = {6, 5, 4}, .activation = act};
  double lo[] = {0, -1, 0, 2}, hi[] = {2, 1, 0.5, 3};
  for (int i = 0; i < d; i++) {
    shape.lo[i] = lo[i];
    shape.hi[i] = hi[i];
  }
  prp_mlp net;
  char err[128];
  assert_int_equal(prp_mlp_init(&net, &shape, err, sizeof err), 0);
  return net;
}

/* Every derivative the layout can carry: all first, all second pairs, and the
 * Laplacian over all inputs but the last (space, not time), or the only one. */
static prp_jet_spec full_spec(int d) {
  prp_jet_spec spec = {.first = (1u << d) - 1, .lap = d > 1 ? (1u << (d - 1)) - 1 : 1u};
  for (int i = 0; i < d; i++)
    for (int j = i; j < d; j++) {
      spec.second[spec.n_second][0] = (unsigned char)i;
      spec.second[spec.n_second][1] = (unsigned char)j;
      spec.n_second++;
    }
  return spec;
}

static void random_points(prp_rng *rng, const prp_mlp *net, size_t n, double *x) {
  int d = net->shape.n_inputs;
  for (size_t p = 0; p < n; p++)
    for (int i = 0; i < d; i++) {
      double lo = net->shape.lo[i], hi = net->shape.hi[i];
      x[p * d + i] = lo + (hi - lo) * prp_rng_uniform(rng);
    }
}

/* Random parameters with nonzero biases, so that bias paths are exercised. */
static double *random_params(const prp_mlp *net, uint64_t seed) {
  prp_rng rng;
  prp_rng_seed(&rng, seed);
  double *params = malloc(sizeof(double) * net->n_params);
  prp_mlp_init_params_f64(net, PRP_INIT_XAVIER_NORMAL, &rng, params);
  for (size_t k = 0; k < net->n_params; k++) params[k] += 0.3 * (prp_rng_uniform(&rng) - 0.5);
  return params;
}

/* The network's value at one point, through the same forward pass. */
static double value_at(prp_mlp_ws_f64 *ws, const double *params, const double *x) {
  double out[PRP_JET_MAX_COLS];
  prp_mlp_forward_f64(ws, params, 1, x, out);
  return out[0];
}

static double fd_first(prp_mlp_ws_f64 *ws, const double *params, const double *x0, int d, int i,
                       double h) {
  double x[PRP_MLP_MAX_INPUTS];
  memcpy(x, x0, sizeof(double) * d);
  x[i] = x0[i] + h;
  double up = value_at(ws, params, x);
  x[i] = x0[i] - h;
  double down = value_at(ws, params, x);
  return (up - down) / (2 * h);
}

static double fd_second(prp_mlp_ws_f64 *ws, const double *params, const double *x0, int d, int i,
                        int j, double h) {
  double x[PRP_MLP_MAX_INPUTS];
  memcpy(x, x0, sizeof(double) * d);
  if (i == j) {
    double mid = value_at(ws, params, x);
    x[i] = x0[i] + h;
    double up = value_at(ws, params, x);
    x[i] = x0[i] - h;
    double down = value_at(ws, params, x);
    return (up - 2 * mid + down) / (h * h);
  }
  double sum = 0;
  for (int si = -1; si <= 1; si += 2)
    for (int sj = -1; sj <= 1; sj += 2) {
      x[i] = x0[i] + si * h;
      x[j] = x0[j] + sj * h;
      sum += si * sj * value_at(ws, params, x);
    }
  return sum / (4 * h * h);
}

/* |a - b| relative to the larger of the two and a floor `scale`. */
static double rel_err(double a, double b, double scale) {
  return fabs(a - b) / fmax(scale, fmax(fabs(a), fabs(b)));
}

static void check_jets_against_fd(int d, prp_activation act) {
  prp_mlp net = make_net(d, act);
  prp_jet_spec spec = full_spec(d);
  prp_jet_layout jl;
  char err[128];
  assert_int_equal(prp_jet_layout_init(&jl, &spec, d, err, sizeof err), 0);
  prp_mlp_ws_f64 *ws = prp_mlp_ws_create_f64(&net, &jl, N_POINTS);
  assert_non_null(ws);
  prp_mlp_ws_f64 *probe = prp_mlp_ws_create_f64(&net, &jl, 1);
  double *params = random_params(&net, 11 + act);
  prp_rng rng;
  prp_rng_seed(&rng, 5);
  double x[N_POINTS * PRP_MLP_MAX_INPUTS], out[PRP_JET_MAX_COLS * N_POINTS];
  random_points(&rng, &net, N_POINTS, x);
  prp_mlp_forward_f64(ws, params, N_POINTS, x, out);
  double worst1 = 0, worst2 = 0;
  for (int p = 0; p < N_POINTS; p++) {
    const double *xp = x + p * d;
    assert_true(out[p] == value_at(probe, params, xp)); /* chunk size does not matter */
    double lap = 0;
    for (int i = 0; i < d; i++) {
      double fd = fd_first(probe, params, xp, d, i, 1e-5);
      worst1 = fmax(worst1, rel_err(out[prp_jet_col_first(&jl, i) * N_POINTS + p], fd, 1e-2));
      for (int j = 0; j < d; j++) {
        double fd2 = fd_second(probe, params, xp, d, i, j, 2e-4);
        int c = prp_jet_col_second(&jl, i, j);
        worst2 = fmax(worst2, rel_err(out[c * N_POINTS + p], fd2, 1e-2));
        if (i == j && (spec.lap >> i & 1)) lap += fd2;
      }
    }
    worst2 = fmax(worst2, rel_err(out[jl.lap_col * N_POINTS + p], lap, 1e-2));
  }
  /* central differences: O(h^2) truncation, round-off eps/h (first) and eps/h^2
   * (second); measured worst 6e-10 and 3e-6 (second: h = 2e-4, where the
   * error stopped shrinking as h^2) */
  assert_true(worst1 < 1e-7);
  assert_true(worst2 < 1e-5);
  free(params);
  prp_mlp_ws_free_f64(ws);
  prp_mlp_ws_free_f64(probe);
}

static void test_jets_tanh(void **state) {
  (void)state;
  for (int d = 1; d <= 4; d++) check_jets_against_fd(d, PRP_ACT_TANH);
}

static void test_jets_other_activations(void **state) {
  (void)state;
  check_jets_against_fd(3, PRP_ACT_SIN);
  check_jets_against_fd(3, PRP_ACT_SIGMOID);
  check_jets_against_fd(3, PRP_ACT_SOFTPLUS);
  check_jets_against_fd(2, PRP_ACT_SIN);
}

/* The layout adds the first derivatives a Laplacian needs, and only those. */
static void test_layout_laplacian_only(void **state) {
  (void)state;
  prp_jet_spec spec = {.first = 1u << 2, .lap = 3u}; /* u_t and lap over x, y */
  prp_jet_layout jl;
  char err[128];
  assert_int_equal(prp_jet_layout_init(&jl, &spec, 3, err, sizeof err), 0);
  assert_int_equal(jl.n_cols, 5); /* value, u_t, u_x, u_y, lap */
  assert_int_equal(prp_jet_col_first(&jl, 2), 1);
  assert_true(prp_jet_col_first(&jl, 0) > 1 && prp_jet_col_first(&jl, 1) > 1);
  assert_int_equal(jl.lap_col, 4);
  assert_int_equal(prp_jet_col_second(&jl, 0, 0), -1);
  prp_jet_spec value_only = {0};
  assert_int_equal(prp_jet_layout_init(&jl, &value_only, 2, err, sizeof err), 0);
  assert_int_equal(jl.n_cols, 1);
  assert_int_equal(jl.lap_col, -1);
}

static void test_bad_shapes_and_specs(void **state) {
  (void)state;
  char err[128];
  prp_mlp net;
  prp_mlp_shape shape = {.n_inputs = 5, .n_hidden = 1, .widths = {4}};
  assert_int_equal(prp_mlp_init(&net, &shape, err, sizeof err), -1);
  assert_non_null(strstr(err, "5 inputs"));
  shape.n_inputs = 1;
  shape.lo[0] = shape.hi[0] = 1;
  assert_int_equal(prp_mlp_init(&net, &shape, err, sizeof err), -1);
  assert_non_null(strstr(err, "range"));
  shape.hi[0] = 2;
  shape.widths[0] = 0;
  assert_int_equal(prp_mlp_init(&net, &shape, err, sizeof err), -1);
  assert_non_null(strstr(err, "width"));
  prp_jet_layout jl;
  prp_jet_spec beyond = {.first = 1u << 3};
  assert_int_equal(prp_jet_layout_init(&jl, &beyond, 2, err, sizeof err), -1);
  assert_non_null(strstr(err, "beyond"));
  prp_jet_spec twice = {.n_second = 2, .second = {{0, 1}, {1, 0}}};
  assert_int_equal(prp_jet_layout_init(&jl, &twice, 2, err, sizeof err), -1);
  assert_non_null(strstr(err, "twice"));
}

/* A loss that is nonlinear in the outputs and weights every column differently:
 * L = sum_c sum_p (k_c * out + out^2 / 2), so dL/dout = k_c + out. */
typedef struct {
  int n_cols;
} loss_ctx;

static double column_weight(int c) { return 0.7 - 0.3 * c; }

static double quadratic_loss(void *ctx_, size_t first, size_t n, const double *out,
                             double *gout) {
  loss_ctx *ctx = ctx_;
  (void)first;
  double loss = 0;
  for (int c = 0; c < ctx->n_cols; c++)
    for (size_t p = 0; p < n; p++) {
      double o = out[c * n + p];
      loss += column_weight(c) * o + 0.5 * o * o;
      gout[c * n + p] = column_weight(c) + o;
    }
  return loss;
}

static double quadratic_loss_f32(void *ctx_, size_t first, size_t n, const float *out,
                                 float *gout) {
  loss_ctx *ctx = ctx_;
  (void)first;
  double loss = 0;
  for (int c = 0; c < ctx->n_cols; c++)
    for (size_t p = 0; p < n; p++) {
      double o = out[c * n + p];
      loss += column_weight(c) * o + 0.5 * o * o;
      gout[c * n + p] = (float)(column_weight(c) + o);
    }
  return loss;
}

/* Backward against central differences (h = 1e-5) of the whole loss, for every
 * weight and bias, over 13 points in three chunks. Error relative to the larger of
 * the two values, floored at 1e-3 of the largest gradient entry (entries near zero
 * are compared absolutely): below 1e-6 (measured worst 6e-8, sigmoid). */
static void check_gradient(prp_activation act, const prp_jet_spec *spec) {
  prp_mlp net = make_net(3, act);
  prp_jet_layout jl;
  char err[128];
  assert_int_equal(prp_jet_layout_init(&jl, spec, 3, err, sizeof err), 0);
  enum { N = 13 };
  prp_mlp_ws_f64 *ws = prp_mlp_ws_create_f64(&net, &jl, 5); /* three chunks: 5, 5, 3 */
  double *params = random_params(&net, 3 + act);
  double *grad = calloc(net.n_params, sizeof(double));
  double x[N * 3];
  prp_rng rng;
  prp_rng_seed(&rng, 9);
  random_points(&rng, &net, N, x);
  loss_ctx ctx = {jl.n_cols};
  prp_mlp_loss_grad_f64(ws, params, N, x, quadratic_loss, &ctx, grad);
  double worst = 0, gnorm = 0;
  for (size_t k = 0; k < net.n_params; k++) gnorm = fmax(gnorm, fabs(grad[k]));
  double *scratch = calloc(net.n_params, sizeof(double));
  for (size_t k = 0; k < net.n_params; k++) {
    double saved = params[k], h = 1e-5;
    params[k] = saved + h;
    double up = prp_mlp_loss_grad_f64(ws, params, N, x, quadratic_loss, &ctx, scratch);
    params[k] = saved - h;
    double down = prp_mlp_loss_grad_f64(ws, params, N, x, quadratic_loss, &ctx, scratch);
    params[k] = saved;
    double fd = (up - down) / (2 * h);
    worst = fmax(worst, rel_err(grad[k], fd, 1e-3 * gnorm));
  }
  assert_true(worst < 1e-6);
  free(scratch);
  free(grad);
  free(params);
  prp_mlp_ws_free_f64(ws);
}

static void test_gradient_all_jets(void **state) {
  (void)state;
  prp_jet_spec spec = full_spec(3);
  check_gradient(PRP_ACT_TANH, &spec);
  check_gradient(PRP_ACT_SIN, &spec);
  check_gradient(PRP_ACT_SIGMOID, &spec);
  check_gradient(PRP_ACT_SOFTPLUS, &spec);
}

static void test_gradient_plume_jets(void **state) {
  (void)state;
  prp_jet_spec plume = {.first = 1u << 2, .lap = 3u};
  prp_jet_spec value_only = {0};
  prp_jet_spec mixed_only = {.n_second = 1, .second = {{0, 2}}};
  check_gradient(PRP_ACT_TANH, &plume);
  check_gradient(PRP_ACT_TANH, &value_only);
  check_gradient(PRP_ACT_SIN, &mixed_only);
  prp_jet_spec lap_only = {.lap = 7u}; /* first derivatives only inside the Laplacian */
  check_gradient(PRP_ACT_SIGMOID, &lap_only);
  check_gradient(PRP_ACT_SOFTPLUS, &lap_only);
  /* first derivatives and no second-order column (a flux boundary condition):
   * the value column's gradient still needs sigma'' (a bug once) */
  for (unsigned i = 0; i < 3; i++) {
    prp_jet_spec first_only = {.first = 1u << i};
    check_gradient(PRP_ACT_TANH, &first_only);
    check_gradient(PRP_ACT_SIN, &first_only);
  }
  prp_jet_spec gradient = {.first = 7u};
  check_gradient(PRP_ACT_SOFTPLUS, &gradient);
}

/* Accumulating chunk by chunk gives the single-pass result up to round-off. */
static void test_chunking_matches_one_pass(void **state) {
  (void)state;
  prp_mlp net = make_net(3, PRP_ACT_TANH);
  prp_jet_spec spec = full_spec(3);
  prp_jet_layout jl;
  assert_int_equal(prp_jet_layout_init(&jl, &spec, 3, NULL, 0), 0);
  enum { N = 37 };
  prp_mlp_ws_f64 *one = prp_mlp_ws_create_f64(&net, &jl, N);
  prp_mlp_ws_f64 *many = prp_mlp_ws_create_f64(&net, &jl, 8);
  double *params = random_params(&net, 1);
  double *g1 = calloc(net.n_params, sizeof(double)), *g2 = calloc(net.n_params, sizeof(double));
  double x[N * 3];
  prp_rng rng;
  prp_rng_seed(&rng, 2);
  random_points(&rng, &net, N, x);
  loss_ctx ctx = {jl.n_cols};
  double l1 = prp_mlp_loss_grad_f64(one, params, N, x, quadratic_loss, &ctx, g1);
  double l2 = prp_mlp_loss_grad_f64(many, params, N, x, quadratic_loss, &ctx, g2);
  assert_true(rel_err(l1, l2, 1) < 1e-13);
  for (size_t k = 0; k < net.n_params; k++) assert_true(rel_err(g1[k], g2[k], 1) < 1e-12);
  free(g1);
  free(g2);
  free(params);
  prp_mlp_ws_free_f64(one);
  prp_mlp_ws_free_f64(many);
}

/* f32 runs the same code in single precision: outputs and gradients agree with
 * f64 to a few times the f32 epsilon relative to their scale (tolerance 1e-4). */
static void test_f32_agrees_with_f64(void **state) {
  (void)state;
  prp_mlp_shape shape = {.n_inputs = 3, .n_hidden = 3, .widths = {32, 32, 32},
                         .activation = PRP_ACT_TANH, .lo = {0, 0, 0}, .hi = {1, 1, 1}};
  prp_mlp net;
  assert_int_equal(prp_mlp_init(&net, &shape, NULL, 0), 0);
  prp_jet_spec spec = {.first = 1u << 2, .lap = 3u};
  prp_jet_layout jl;
  assert_int_equal(prp_jet_layout_init(&jl, &spec, 3, NULL, 0), 0);
  enum { N = 50 };
  prp_rng rng;
  prp_rng_seed(&rng, 4);
  double *p64 = malloc(sizeof(double) * net.n_params);
  float *p32 = malloc(sizeof(float) * net.n_params);
  prp_mlp_init_params_f64(&net, PRP_INIT_XAVIER_UNIFORM, &rng, p64);
  prp_rng_seed(&rng, 4);
  prp_mlp_init_params_f32(&net, PRP_INIT_XAVIER_UNIFORM, &rng, p32);
  for (size_t k = 0; k < net.n_params; k++) assert_true(p32[k] == (float)p64[k]);
  prp_convert_f32_to_f64(net.n_params, p32, p64); /* identical weights in both */
  double x[N * 3];
  random_points(&rng, &net, N, x);
  prp_mlp_ws_f64 *w64 = prp_mlp_ws_create_f64(&net, &jl, 16);
  prp_mlp_ws_f32 *w32 = prp_mlp_ws_create_f32(&net, &jl, 16);
  double *g64 = calloc(net.n_params, sizeof(double));
  float *g32 = calloc(net.n_params, sizeof(float));
  loss_ctx ctx = {jl.n_cols};
  double l64 = prp_mlp_loss_grad_f64(w64, p64, N, x, quadratic_loss, &ctx, g64);
  double l32 = prp_mlp_loss_grad_f32(w32, p32, N, x, quadratic_loss_f32, &ctx, g32);
  assert_true(rel_err(l64, l32, 1) < 1e-4);
  double gmax = 0, diff = 0;
  for (size_t k = 0; k < net.n_params; k++) {
    gmax = fmax(gmax, fabs(g64[k]));
    diff = fmax(diff, fabs(g64[k] - g32[k]));
  }
  assert_true(diff < 1e-4 * gmax);
  free(g64);
  free(g32);
  free(p64);
  free(p32);
  prp_mlp_ws_free_f64(w64);
  prp_mlp_ws_free_f32(w32);
}

/* Same seed, same weights; Glorot variances as stated; biases start at zero. */
static void test_init_seeded_and_scaled(void **state) {
  (void)state;
  prp_mlp_shape shape = {.n_inputs = 2, .n_hidden = 2, .widths = {128, 128},
                         .activation = PRP_ACT_TANH, .lo = {0, 0}, .hi = {1, 1}};
  prp_mlp net;
  assert_int_equal(prp_mlp_init(&net, &shape, NULL, 0), 0);
  assert_int_equal(net.n_params, 2 * 128 + 128 + 128 * 128 + 128 + 128 + 1);
  double *a = malloc(sizeof(double) * net.n_params), *b = malloc(sizeof(double) * net.n_params);
  for (int init = PRP_INIT_XAVIER_NORMAL; init <= PRP_INIT_XAVIER_UNIFORM; init++) {
    prp_rng r1, r2;
    prp_rng_seed(&r1, 77);
    prp_rng_seed(&r2, 77);
    prp_mlp_init_params_f64(&net, init, &r1, a);
    prp_mlp_init_params_f64(&net, init, &r2, b);
    assert_memory_equal(a, b, sizeof(double) * net.n_params);
    double sum2 = 0, limit = sqrt(6.0 / 256);
    const double *W2 = a + net.w_offset[1];
    for (int k = 0; k < 128 * 128; k++) {
      sum2 += W2[k] * W2[k];
      if (init == PRP_INIT_XAVIER_UNIFORM) assert_true(fabs(W2[k]) <= limit);
    }
    double var = sum2 / (128 * 128), expected = 2.0 / 256;
    assert_true(fabs(var - expected) < 0.05 * expected);
    for (int k = 0; k < 128; k++) assert_true(a[net.b_offset[1] + k] == 0);
  }
  prp_rng r3;
  prp_rng_seed(&r3, 78);
  prp_mlp_init_params_f64(&net, PRP_INIT_XAVIER_NORMAL, &r3, b);
  assert_true(memcmp(a, b, sizeof(double) * net.n_params) != 0);
  free(a);
  free(b);
}

/* The f32 tanh against libm's double tanh over the whole range, also tiny and
 * huge arguments: within 4 float ulp (2.4e-7 relative), odd. */
static void test_fast_tanhf(void **state) {
  (void)state;
  double worst = 0;
  for (int i = -200000; i <= 200000; i++) {
    float x = (float)i * 6e-5f;
    double exact = tanh((double)x);
    float got = prp_mlp_tanhf(x);
    if (x != 0) worst = fmax(worst, fabs(got - exact) / fabs(exact));
    assert_true(prp_mlp_tanhf(-x) == -got);
  }
  assert_true(worst < 2.4e-7);
  assert_true(prp_mlp_tanhf(0) == 0);
  assert_true(prp_mlp_tanhf(1e-20f) == 1e-20f);
  assert_true(prp_mlp_tanhf(9.5f) == 1 && prp_mlp_tanhf(1e30f) == 1 && prp_mlp_tanhf(-INFINITY) == -1);
  assert_true(isnan(prp_mlp_tanhf(NAN))); /* a diverging network must stay visible */
}

/* The f64 tanh against libm's: within 4 ulp (9e-16 relative), odd, NaN kept. */
static void test_fast_tanh(void **state) {
  (void)state;
  double worst = 0;
  for (int i = -400000; i <= 400000; i++) {
    double x = i * 6.1e-5 + 1e-9;
    double exact = tanh(x), got = prp_mlp_tanh(x);
    worst = fmax(worst, fabs(got - exact) / fabs(exact));
    assert_true(prp_mlp_tanh(-x) == -got);
  }
  for (double x = 1e-300; x < 1; x *= 3.7)
    worst = fmax(worst, fabs(prp_mlp_tanh(x) - tanh(x)) / tanh(x));
  assert_true(worst < 9e-16);
  assert_true(prp_mlp_tanh(0) == 0 && prp_mlp_tanh(20) == 1 && prp_mlp_tanh(-1e300) == -1);
  assert_true(isnan(prp_mlp_tanh(NAN)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jets_tanh),
      cmocka_unit_test(test_jets_other_activations),
      cmocka_unit_test(test_layout_laplacian_only),
      cmocka_unit_test(test_bad_shapes_and_specs),
      cmocka_unit_test(test_gradient_all_jets),
      cmocka_unit_test(test_gradient_plume_jets),
      cmocka_unit_test(test_chunking_matches_one_pass),
      cmocka_unit_test(test_f32_agrees_with_f64),
      cmocka_unit_test(test_init_seeded_and_scaled),
      cmocka_unit_test(test_fast_tanhf),
      cmocka_unit_test(test_fast_tanh),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
