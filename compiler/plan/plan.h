/* Training plan: turns a checked program into the runtime's prp_train_problem
 * (runtime/train.h): the residual terms compiled into JIT kernels, the jets
 * each term needs, schedules, unknowns, network and training options. The
 * observations come from a sensor file or from the truth simulation. */
#ifndef PRP_PLAN_H
#define PRP_PLAN_H
#include "ast.h"
#include "codegen.h"
#include "jit.h"
#include "residual.h"
#include "train.h"

typedef struct {
  int relax;            /* 0: --no-relax */
  long epochs;          /* > 0 overrides the file */
  long seed;            /* >= 0 overrides the file */
  const char *output;   /* overrides the file's output directory */
  int quiet;
  int precision;        /* 32 or 64 overrides the file's precision; 0 keeps it */
  long restarts;        /* > 0 overrides the file's `restarts` */
  long restart_workers; /* restarts trained at once (0: one per core; problem.restart_workers) */
  const char *guesses[PRP_TRAIN_MAX_UNKNOWNS];  /* "NAME=VALUE": initial guesses overriding the file's */
  int nguesses;
  int no_refine;        /* --no-refine: no refinement after training, whatever the file says */
} prp_plan_options;

typedef struct {
  prp_train_problem problem;
  prp_residuals residuals;
  prp_kernel_plan kernels;        /* kernel k serves problem.terms[k] */
  char term_names[PRP_TRAIN_MAX_TERMS][48];
  double output_scale;            /* u = g + m * output_scale * N: the largest |observation| */
  char *output_dir;
  double *obs_x, *obs_u;
} prp_plan;

/* The size of the field, from the observations: the largest |u_obs| (1 if there
 * is none). The network's output is scaled by it (u = scale * N), so that N is
 * O(1) whatever the units of u; the kernels depend on it. */
double prp_plan_output_scale(size_t n, const double *u);

/* Like prp_plan_build, with the observations given (n points; copied); their
 * noise level is then not known (problem.noise_std NAN). */
int prp_plan_compile(const ast_program *prog, prp_jit *jit, const prp_plan_options *opt, prp_diag *diag,
                     size_t n_obs, const double *obs_x, const double *obs_u, prp_plan *plan);

/* 0 on success; otherwise diagnostics were reported and the plan is freed: -1 for errors in
 * the input, PRP_PLAN_BAD_OPTION for a command-line value the problem refuses (--guess). */
enum { PRP_PLAN_BAD_OPTION = -2 };
int prp_plan_build(const ast_program *prog, prp_jit *jit, const prp_plan_options *opt, prp_diag *diag,
                   prp_plan *plan);
void prp_plan_free(prp_plan *plan);

/* Observations: from `sensors from "FILE"` (read and checked) or the truth
 * block (simulated). n points of ncoords coordinates, row-major. */
int prp_plan_observations(const ast_program *prog, prp_jit *jit, prp_diag *diag, size_t *n, double **x,
                          double **u);
/* The same and the noise standard deviation added to them: the truth block's
 * (0 without noise), NAN for a sensor file. */
int prp_plan_observations_noise(const ast_program *prog, prp_jit *jit, prp_diag *diag, size_t *n, double **x,
                                double **u, double *noise_std);

#endif
