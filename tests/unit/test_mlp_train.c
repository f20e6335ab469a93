/* Runtime end to end, without the compiler: a small network trained by Adam then
 * L-BFGS on Sobol collocation points solves u'' = -pi^2 sin(pi x), u(0) = u(1) = 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlp.h"
#include "optim.h"
#include "sampling.h"

enum { N_COLLOCATION = 64 };

/* u = x (1 - x) N(x) satisfies the boundary conditions exactly (a hard constraint,
 * as an output transform would), so u'' = -2 N + 2 (1 - 2x) N' + x (1 - x) N''. */
typedef struct {
  prp_mlp net;
  prp_jet_layout jl;
  prp_mlp_ws_f64 *ws;
  double x[N_COLLOCATION];
} problem;

static double poisson_chunk_loss(void *ctx, size_t first, size_t n, const double *out,
                                 double *gout) {
  problem *pb = ctx;
  int c1 = prp_jet_col_first(&pb->jl, 0), c2 = prp_jet_col_second(&pb->jl, 0, 0);
  double loss = 0;
  memset(gout, 0, sizeof(double) * (size_t)pb->jl.n_cols * n);
  for (size_t p = 0; p < n; p++) {
    double x = pb->x[first + p], b = x * (1 - x), db = 1 - 2 * x;
    double N = out[p], dN = out[c1 * n + p], ddN = out[c2 * n + p];
    double r = -2 * N + 2 * db * dN + b * ddN + M_PI * M_PI * sin(M_PI * x);
    loss += r * r / N_COLLOCATION;
    double g = 2 * r / N_COLLOCATION;
    gout[p] = -2 * g;
    gout[c1 * n + p] = 2 * db * g;
    gout[c2 * n + p] = b * g;
  }
  return loss;
}

static double loss_and_grad(void *ctx, const double *params, double *grad) {
  problem *pb = ctx;
  memset(grad, 0, sizeof(double) * pb->net.n_params);
  return prp_mlp_loss_grad_f64(pb->ws, params, N_COLLOCATION, pb->x, poisson_chunk_loss, pb,
                               grad);
}

static double max_error(problem *pb, const double *params) {
  prp_jet_spec value_only = {0};
  prp_jet_layout jl;
  prp_jet_layout_init(&jl, &value_only, 1, NULL, 0);
  enum { GRID = 101 };
  prp_mlp_ws_f64 *ws = prp_mlp_ws_create_f64(&pb->net, &jl, GRID);
  double x[GRID], N[GRID], worst = 0;
  for (int i = 0; i < GRID; i++) x[i] = i / (GRID - 1.0);
  prp_mlp_forward_f64(ws, params, GRID, x, N);
  for (int i = 0; i < GRID; i++)
    worst = fmax(worst, fabs(x[i] * (1 - x[i]) * N[i] - sin(M_PI * x[i])));
  prp_mlp_ws_free_f64(ws);
  return worst;
}

static void test_poisson_1d(void **state) {
  (void)state;
  problem pb;
  prp_mlp_shape shape = {.n_inputs = 1, .n_hidden = 2, .widths = {16, 16},
                         .activation = PRP_ACT_TANH, .lo = {0}, .hi = {1}};
  assert_int_equal(prp_mlp_init(&pb.net, &shape, NULL, 0), 0);
  prp_jet_spec spec = {.first = 1u, .n_second = 1, .second = {{0, 0}}};
  assert_int_equal(prp_jet_layout_init(&pb.jl, &spec, 1, NULL, 0), 0);
  pb.ws = prp_mlp_ws_create_f64(&pb.net, &pb.jl, 32); /* two chunks */
  prp_sampler sampler;
  double lo = 0, hi = 1;
  assert_int_equal(prp_sampler_init(&sampler, PRP_SAMPLE_SOBOL, 1, &lo, &hi, 1, 1, NULL, 0), 0);
  prp_sampler_draw(&sampler, N_COLLOCATION, pb.x);

  size_t n = pb.net.n_params;
  double *params = malloc(sizeof(double) * n), *grad = malloc(sizeof(double) * n);
  prp_rng rng;
  prp_rng_seed(&rng, 1);
  prp_mlp_init_params_f64(&pb.net, PRP_INIT_XAVIER_NORMAL, &rng, params);
  double initial_error = max_error(&pb, params);

  prp_adam adam;
  assert_int_equal(prp_adam_init(&adam, n, 0.9, 0.999, 1e-8), 0);
  double first_loss = loss_and_grad(&pb, params, grad), loss = first_loss;
  for (int epoch = 0; epoch < 500; epoch++) {
    loss = loss_and_grad(&pb, params, grad);
    prp_adam_step(&adam, params, grad, 1e-2, 1e-2);
  }
  prp_adam_free(&adam);
  assert_true(loss < 0.05 * first_loss);

  prp_lbfgs_options opt;
  prp_lbfgs_default_options(&opt);
  opt.max_iterations = 400;
  prp_lbfgs_result r = prp_lbfgs_minimize(n, params, loss_and_grad, &pb, &opt);
  assert_true(r.status != PRP_LBFGS_NOT_FINITE && r.status != PRP_LBFGS_OUT_OF_MEMORY);
  assert_true(r.f < 1e-6); /* measured 3e-8 */
  double error = max_error(&pb, params);
  assert_true(initial_error > 0.5);
  assert_true(error < 1e-5); /* measured 8e-7; the solution's maximum is 1 */
  free(params);
  free(grad);
  prp_mlp_ws_free_f64(pb.ws);
}

/* Seed, sample, initialise, 50 Adam epochs with resampling every 10: the
 * parameters reached, in a fresh buffer. */
static double *short_run(problem *pb, uint64_t seed) {
  size_t n = pb->net.n_params;
  double *params = malloc(sizeof(double) * n), *grad = malloc(sizeof(double) * n);
  prp_sampler sampler;
  double lo = 0, hi = 1;
  assert_int_equal(prp_sampler_init(&sampler, PRP_SAMPLE_LHS, 1, &lo, &hi, seed, 0, NULL, 0), 0);
  prp_rng rng;
  prp_rng_seed(&rng, seed);
  prp_mlp_init_params_f64(&pb->net, PRP_INIT_XAVIER_UNIFORM, &rng, params);
  prp_adam adam;
  assert_int_equal(prp_adam_init(&adam, n, 0.9, 0.999, 1e-8), 0);
  for (int epoch = 0; epoch < 50; epoch++) {
    if (epoch % 10 == 0) prp_sampler_draw(&sampler, N_COLLOCATION, pb->x);
    loss_and_grad(pb, params, grad);
    prp_adam_step(&adam, params, grad, 1e-2, 1e-2);
  }
  prp_adam_free(&adam);
  free(grad);
  return params;
}

/* Same seed: bitwise the same parameters; another seed: different ones. */
static void test_same_seed_same_run(void **state) {
  (void)state;
  problem pb;
  prp_mlp_shape shape = {.n_inputs = 1, .n_hidden = 2, .widths = {16, 16},
                         .activation = PRP_ACT_TANH, .lo = {0}, .hi = {1}};
  assert_int_equal(prp_mlp_init(&pb.net, &shape, NULL, 0), 0);
  prp_jet_spec spec = {.first = 1u, .n_second = 1, .second = {{0, 0}}};
  assert_int_equal(prp_jet_layout_init(&pb.jl, &spec, 1, NULL, 0), 0);
  pb.ws = prp_mlp_ws_create_f64(&pb.net, &pb.jl, 32);
  double *a = short_run(&pb, 5), *b = short_run(&pb, 5), *c = short_run(&pb, 6);
  assert_memory_equal(a, b, sizeof(double) * pb.net.n_params);
  assert_true(memcmp(a, c, sizeof(double) * pb.net.n_params) != 0);
  free(a);
  free(b);
  free(c);
  prp_mlp_ws_free_f64(pb.ws);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_poisson_1d),
                                     cmocka_unit_test(test_same_seed_same_run)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
