/* Runtime, training: the PR-PINN training loop. The compiler (or a standalone
 * binary's generated code) fills a prp_train_problem -- kernels, jets, points,
 * schedules, unknowns, sensors -- and prp_train_run trains the network and the
 * unknowns with Adam (then L-BFGS), writing history, results and plots.
 * Nothing here knows about LLVM or the .prp language. */
#ifndef PRP_TRAIN_H
#define PRP_TRAIN_H
#include <stddef.h>
#include <stdint.h>
#include "mlp.h"
#include "optim.h"
#include "progress.h"
#include "sampling.h"
#include "refine.h"

/* The generated kernel ABI (compiler/codegen.h): outputs[o][p] for every point p. */
typedef void (*prp_train_kernel_f64)(int64_t n, const double *const *point_inputs,
                                     const double *uniforms, double *const *outputs);
typedef void (*prp_train_kernel_f32)(int64_t n, const float *const *point_inputs,
                                     const float *uniforms, float *const *outputs);

enum { PRP_TRAIN_MAX_JETS = 16, PRP_TRAIN_MAX_UNKNOWNS = 16, PRP_TRAIN_MAX_TERMS = 16,
       PRP_TRAIN_MAX_SCALARS = 8 };

typedef enum { PRP_TERM_KIND_PDE, PRP_TERM_KIND_INITIAL, PRP_TERM_KIND_BOUNDARY, PRP_TERM_KIND_DATA } prp_train_term_kind;

/* One loss term: weight * mean over its points of r^2, r from its kernel.
 * The kernel's outputs are r, dr/d(jet k) for k < n_jets, dr/d(unknown i). */
typedef struct {
  prp_train_term_kind kind;
  const char *name;                    /* "residual", "initial", "boundary x=0", "data" */
  int coord, upper;                    /* face (boundary) or time slice (initial) */
  double weight;
  prp_train_kernel_f64 kernel;        /* the kernel of the problem's precision: */
  prp_train_kernel_f32 kernel_f32;    /* one of the two is set */
  int n_jets;
  int jet_slot[PRP_TRAIN_MAX_JETS];    /* kernel point-input slot of each jet */
  prp_jet_spec spec;                   /* what the network must propagate for this term */
  int jet_kind[PRP_TRAIN_MAX_JETS];    /* 0 value, 1 first (a), 2 second (a, b), 3 Laplacian */
  int jet_a[PRP_TRAIN_MAX_JETS], jet_b[PRP_TRAIN_MAX_JETS];
} prp_train_term;

typedef enum { PRP_SHAPE_LINEAR, PRP_SHAPE_COSINE, PRP_SHAPE_EXP, PRP_SHAPE_STEP, PRP_SHAPE_PIECEWISE,
               PRP_SHAPE_TABLE } prp_shape;

/* value(p) = to + (from - to) * f(p / until) for p < until, else `to`; p is the
 * share of training done (0..1). Piecewise: linear between (at[i], value[i]).
 * TABLE: f sampled at 257 points of [0, 1] (user shapes), linear in between. */
typedef struct {
  const char *name;      /* eps, eta, sigma */
  double from, to, until;
  prp_shape shape;
  int npoints;
  double at[16], value[16];
  double table[257];
} prp_schedule;

typedef enum { PRP_TRANSFORM_IDENTITY, PRP_TRANSFORM_BOUNDED, PRP_TRANSFORM_POSITIVE } prp_transform;

typedef struct {
  const char *name;
  double guess, lo, hi;      /* lo/hi are -inf/+inf when unbounded */
  prp_transform transform;
  double truth;              /* NAN if unknown */
} prp_train_unknown;

typedef struct {
  /* domain */
  int n_inputs, n_space, time_index;   /* time_index -1 without time */
  double lo[4], hi[4];
  const char *coord_names[4];
  const char *field_name, *problem_name;
  /* kernel layout (codegen.h): coordinates, jets, point data, then uniforms */
  int n_coord_slots, n_kernel_jets, n_pointdata, n_scalars;
  prp_train_term terms[PRP_TRAIN_MAX_TERMS];
  int n_terms;
  /* unknowns */
  prp_train_unknown unknowns[PRP_TRAIN_MAX_UNKNOWNS];
  int n_unknowns;
  /* relaxation: scalar k of the kernels follows schedules[k] (NULL: fixed at 0) */
  int relaxed;
  prp_schedule schedules[PRP_TRAIN_MAX_SCALARS];
  int has_schedule[PRP_TRAIN_MAX_SCALARS];
  double scalar_fixed[PRP_TRAIN_MAX_SCALARS];
  int nudge_obs_slot, nudge_w_slot, u_obs_slot;  /* point-data indices, -1 if unused */
  double nudge_width;
  int source_width_scalar;   /* scalar of the dilated source width, -1 if none */
  int source_energy_free;    /* count the dilated source's energy outside the box too */
  /* observations: n points (n_inputs coordinates each) and values */
  size_t n_obs;
  double *obs_x, *obs_u;
  /* network and training */
  int single;                /* f32 network and kernels (Adam keeps f64 master weights) */
  prp_mlp_shape net;
  int epochs, lbfgs_iterations;
  int warmup_epochs;         /* epochs at the start with the unknowns frozen, */
  double warmup_share;       /* or, when > 0, this share of the epochs (prp_train_warmup) */
  double unknowns_slowdown;  /* in (0, 1): the unknowns' rate falls to this share of itself as the
                                relaxation ends (prp_train_unknowns_rate); 1: constant */
  double lr, lr_unknowns, lr_decay;
  int lr_every;
  int n_collocation, n_boundary, n_initial;
  prp_sample_kind sampler;
  int resample_every;
  uint64_t seed;
  int log_every;
  int restarts;              /* runs from different initial guesses (1: just the file's) */
  const char *output_dir;    /* NULL: no files */
  int quiet;
  int threads;               /* threads over chunks of points (0: 1); results do not depend on it */
  int restart_workers;       /* restarts trained at once, each on one thread (train_restarts.c): 0 one
                              * per core, 1 one after the other; results do not depend on it */
  double noise_std;          /* the observations' noise standard deviation: known from a truth block
                              * (0: none added); NAN when not known (the verdict estimates it) */
  double stop_tol;           /* `stop settled TOL over N` (train_stop.h): TOL, a share of the bound width */
  int stop_over;             /* N epochs; 0: no stopping rule, train all the epochs */
  int strict_epochs;         /* `strict N [resample K]`: N Adam epochs of the strict problem after the
                              * epochs (prp_train_strict_phase); 0: none */
  int strict_resample;       /* K: the points are redrawn every K epochs of the strict phase */
  /* An independent check of the answer for the verdict (NULL: none; prpc run sets it, built
   * programs do not): the model's strict PDE solved by the simulator with the unknowns at the
   * given values; returns the mean squared misfit to the observations, NAN when it cannot. */
  double (*model_misfit)(void *ctx, const double *unknowns);
  /* The same model's residuals, model - observation, at every observation (n_obs of them):
   * 0, or -1 when it cannot be solved there. NULL: no refinement possible. */
  int (*model_residuals)(void *ctx, const double *unknowns, double *r);
  void *model_misfit_ctx;
  int refine_steps;          /* `refine N`: at most N Levenberg-Marquardt steps on the unknowns over
                              * model_residuals after training (train_refine.c); 0: none */
  int refine_by_default;     /* no `refine` line: refine only where one simulation of the model takes
                              * less than PRP_REFINE_DEFAULT_MAX_SECONDS, and say nothing when the
                              * model cannot be simulated */
  int refine_path;           /* `refine N path K`: K points of the unknowns' path (the history, its
                              * last row the network's estimate) screened by the model's misfit;
                              * the refinement also starts from the best (1: the estimate alone) */
  int refine_hops;           /* `refine N hops H`: at most H rounds of the search around the refined
                              * values while the model's misfit is above the noise (train_refine.c) */
} prp_train_problem;

#define PRP_REFINE_DEFAULT_MAX_SECONDS 10.0  /* the default refinement's limit on one simulation */
#define PRP_REFINE_MIN_GAIN 0.01   /* refined values replace the network's if the misfit falls by this share */

/* ---- the verdict: whether to trust the answer (train_verdict.c) ---- */
typedef enum { PRP_VERDICT_CONVERGED, PRP_VERDICT_SUSPECT, PRP_VERDICT_FAILED } prp_verdict;
typedef enum { PRP_WARN_NOT_FINITE, PRP_WARN_INTERRUPTED, PRP_WARN_AT_BOUND, PRP_WARN_MISFIT_ABOVE_NOISE,
               PRP_WARN_STILL_MOVING, PRP_WARN_RESTARTS_DISAGREE } prp_warning_kind;
enum { PRP_VERDICT_MAX_WARNINGS = 4 * PRP_TRAIN_MAX_UNKNOWNS + 4 };

/* One warning: the measured number and the limit it passed; unknown -1 when
 * the warning is about the run as a whole, else estimate is its final value. */
typedef struct {
  prp_warning_kind kind;
  int unknown;
  double value, limit, estimate;
} prp_train_warning;

typedef enum { PRP_NOISE_TRUTH, PRP_NOISE_ESTIMATED, PRP_NOISE_UNKNOWN } prp_noise_source;
enum { PRP_JUDGED_NETWORK, PRP_JUDGED_REFINED, PRP_JUDGED_NOT_KEPT };

typedef struct {
  prp_verdict verdict;
  int n_warnings;
  prp_train_warning warnings[PRP_VERDICT_MAX_WARNINGS];
  double misfit_mse;         /* mean squared data misfit in the data's units (NAN: no data term) */
  double zero_field_mse;     /* the misfit of u = 0: the mean squared observation (NAN: no data term);
                              * misfit_mse above PRP_VERDICT_DATA_UNFITTED of it adds a note, not a warning */
  double model_mse;          /* the same for the simulated model at the estimate (NAN: no check); shown,
                              * not a warning (docs/running.md says why), unless refined: */
  int misfit_judged_model;   /* misfit_above_noise judges model_mse: PRP_JUDGED_REFINED, the estimate is
                              * refine's; PRP_JUDGED_NOT_KEPT, refine ran and fitted no better than the
                              * network's estimate, whose model misfit is judged; 0: the network's misfit */
  double noise_std;          /* the noise level, known or estimated (NAN: unknown) */
  double noise_compared;     /* the level compared with: noise_std, at least the floor */
  prp_noise_source noise_source;
  double movement[PRP_TRAIN_MAX_UNKNOWNS];  /* range over the last 10% of the history / width */
  double spread[PRP_TRAIN_MAX_UNKNOWNS];    /* restarts: spread of the good runs / width (NAN: none) */
  int restarts_compared;     /* restarts within the loss factor of the best (0: no restarts) */
} prp_train_verdict;

typedef struct {
  double unknowns[PRP_TRAIN_MAX_UNKNOWNS];
  double loss, term_loss[PRP_TRAIN_MAX_TERMS];
  int epochs_done;
  int stopped;               /* 0 done, 1 interrupted, 2 not finite */
  int settled;               /* done early by the stopping rule (the reason in message) */
  char message[256];
  double seconds;
  char output_error[512];    /* the first output that could not be written ("" if none) */
  int error_status;          /* the exit status of an error prp_train_run returned (util.h) */
  prp_train_verdict verdict; /* of this run alone (prp_train_verdict_run) */
  double network_unknowns[PRP_TRAIN_MAX_UNKNOWNS];  /* the network's estimate (= unknowns unless refined) */
  int refined;               /* 1: unknowns are the refinement's (refine below), 0: the network's */
  int refine_rejected;       /* 1: the refinement ran but lowered the model's misfit by less than
                              * PRP_REFINE_MIN_GAIN: the network's estimate is kept */
  prp_refine_report refine;  /* of the start that won; evaluations: every simulation, screening included;
                              * mse_start: the model's misfit at the network's estimate */
  int refine_screened;       /* path points whose misfit was computed (the estimate's not counted) */
  int refine_from_path;      /* 1: the start that won is a point of the path, 0: the network's estimate */
  int refine_from_epoch;     /* the epoch of that start (the run's last for the network's estimate) */
  double refine_from[PRP_TRAIN_MAX_UNKNOWNS];   /* that start's unknowns */
  double refine_network_mse; /* the model's misfit the network's estimate refined to (NAN: not refined) */
  int refine_hops;           /* rounds of the search around the refined values that found a lower minimum */
  int refine_search_screened;   /* the search's points whose misfit was computed */
  double refine_before_search[PRP_TRAIN_MAX_UNKNOWNS];   /* the refined values before the search */
  double refine_before_search_mse;   /* their misfit (NAN: no search) */
} prp_train_result;

/* The nudging kernel delta_h at squared distance r2 from a sensor: a Gaussian
 * of width h and unit peak, in any dimension (compiler/residual.h says why). */
double prp_nudging_kernel(double r2, double h);

/* Epochs at the start with the unknowns frozen. */
int prp_train_warmup(const prp_train_problem *pb);

/* The unknowns' rate at an epoch, from their base rate: 0 during the warm-up;
 * while relaxed, rate * (F + (1 - F) * left), F = unknowns_slowdown and left the
 * share of relaxation still to anneal (1 while the schedules hold, 0 after), so
 * that the unknowns slow down as the physics is restored and the network leads;
 * the full rate again in the strict phase. */
double prp_train_unknowns_rate(const prp_train_problem *pb, int epoch, double rate);

/* The strict phase (`strict N`): the Adam epochs from pb->epochs on, when N > 0. The
 * schedules stand at their end values there, the unknowns move at their full rate (no
 * unknowns_slowdown) and the points are redrawn every strict_resample epochs of it. */
int prp_train_strict_phase(const prp_train_problem *pb, long epoch);
/* The Adam epochs of a whole run: epochs, then strict_epochs. */
long prp_train_total_epochs(const prp_train_problem *pb);
/* Whether the points are redrawn before Adam epoch `epoch`: every resample_every epochs
 * before the strict phase, every strict_resample epochs of it from its first. */
int prp_train_resample_at(const prp_train_problem *pb, long epoch);

/* The share of training at which the schedule reaches its final value. */
double prp_schedule_end(const prp_schedule *s);

/* The schedule's value after a share p (0..1) of training. */
double prp_schedule_value(const prp_schedule *s, double p);

/* ---- the stepping trainer (trainer.c, trainer_history.c, trainer_state.c) ----
 * The one training loop: `prpc run` and built programs (prp_train_run), restarts and
 * the REPL all drive it. A trainer owns the network, the unknowns, Adam's moments, the
 * point sets and the history; it trains its problem, which must outlive it and does
 * not change under it (to change a setting, plan the problem again, make a new trainer
 * and carry the old one's state over). Nothing here prints or writes files but
 * prp_trainer_save. */
typedef struct prp_trainer prp_trainer;

/* What the trainer saw at its last evaluation of the loss (an Adam epoch, an L-BFGS
 * iteration, or prp_trainer_evaluate). The pointers stay valid until the next call
 * that trains or evaluates. */
typedef struct {
  long epoch;                  /* epochs done (L-BFGS: epochs done + iteration) */
  double loss;
  const double *term_loss;     /* pb->n_terms, weighted */
  const double *unknowns;      /* pb->n_unknowns values the loss was evaluated at */
  const double *scalars;       /* pb->n_scalars kernel scalars (pb->has_schedule: scheduled) */
  const double *dloss_dunknowns;  /* dL/dtheta, pb->n_unknowns */
} prp_trainer_epoch;

/* Called after each Adam epoch (after its step) and each L-BFGS iteration; a nonzero
 * return stops training there (Ctrl-C: return prp_interrupt_requested()). May be NULL. */
typedef int (*prp_trainer_callback)(void *ctx, const prp_trainer *t, const prp_trainer_epoch *e);

typedef enum { PRP_TRAINER_DONE, PRP_TRAINER_STOPPED, PRP_TRAINER_NOT_FINITE } prp_trainer_status;

/* A new trainer: weights drawn from pb->seed, the unknowns at their guesses, epoch 0,
 * an empty history. NULL with *err a malloc'd message if the problem cannot be trained. */
prp_trainer *prp_trainer_new(const prp_train_problem *pb, char **err);
void prp_trainer_free(prp_trainer *t);
const prp_train_problem *prp_trainer_problem(const prp_trainer *t);

/* n Adam epochs from where the trainer is. Each epoch: the schedules at the share of
 * pb->epochs done (at most 1), the points redrawn as prp_train_resample_at says (past
 * pb->epochs, the strict phase's rule when the problem has one), the
 * loss and gradient, a history row every pb->log_every epochs and at the last of the n,
 * then one Adam step at the scheduled rates. A loss or gradient that is not finite
 * stops with the parameters of the last finite epoch put back: PRP_TRAINER_NOT_FINITE,
 * and prp_trainer_last tells which (its loss, the first term that is not finite). */
prp_trainer_status prp_trainer_step(prp_trainer *t, long n, prp_trainer_callback cb, void *ctx);
/* L-BFGS for at most `iterations` from the current parameters, with the schedules at
 * their end (the physical problem); a history row every pb->log_every iterations
 * (epoch = epochs done + iteration); ends with an evaluation at the final parameters.
 * The epoch count does not change. */
prp_lbfgs_result prp_trainer_polish(prp_trainer *t, int iterations, prp_trainer_callback cb, void *ctx);
/* Evaluates the loss at the current parameters with the schedules at the epochs done. */
double prp_trainer_evaluate(prp_trainer *t);
/* The loss at the current weights with unknown u set to value (the others as they
 * are), schedules at the epochs done; the parameters do not change (prp_trainer_last
 * has the evaluation; prp_trainer_evaluate goes back to the trainer's own point). */
double prp_trainer_loss_with_unknown(prp_trainer *t, int u, double value);
void prp_trainer_last(const prp_trainer *t, prp_trainer_epoch *e);
/* The first term whose loss at the last evaluation is not finite, or -1. */
int prp_trainer_bad_term(const prp_trainer *t);

long prp_trainer_epochs_done(const prp_trainer *t);
/* Kernel scalar k with the schedules at the epochs done (its fixed value if not scheduled). */
double prp_trainer_scalar(const prp_trainer *t, int k);
/* The current value of unknown u (from the parameters, not the last evaluation). */
double prp_trainer_unknown(const prp_trainer *t, int u);
/* The network and its weights, then the unknowns' raw values (prp_trainer_size in all). */
const prp_mlp *prp_trainer_network(const prp_trainer *t);
const double *prp_trainer_params(const prp_trainer *t);
size_t prp_trainer_size(const prp_trainer *t);

/* The history: rows of ncols values, laid out as history.csv -- epoch, loss, the terms'
 * losses, the unknowns, the scheduled scalars, grad_unknowns (|dL/dtheta|), then dL/dtheta
 * of each unknown. prp_trainer_history_names gives the ncols column names. */
const double *prp_trainer_history(const prp_trainer *t, size_t *nrows, size_t *ncols);
const char *const *prp_trainer_history_names(const prp_trainer *t);
/* Column of the first unknown, and of the first scheduled scalar (their count: the
 * problem's has_schedule). */
size_t prp_trainer_history_unknowns(const prp_trainer *t);
size_t prp_trainer_history_schedules(const prp_trainer *t);
/* history.csv: the history so far is written, and each row recorded from now on. */
char *prp_trainer_history_csv(prp_trainer *t, const char *path);
/* Closes history.csv; NULL or the first write error (malloc'd). */
char *prp_trainer_history_csv_close(prp_trainer *t);

/* Continues from old, a trainer of an earlier plan of the same problem: its weights
 * if the network has the same shape (returns 1, else 0 and the new weights stay), the
 * unknowns of the same name (except reset_unknown, which may be NULL, and starts from
 * its guess), its epoch count, and its history when the columns are the same. Adam
 * starts afresh. */
int prp_trainer_carry_over(prp_trainer *t, const prp_trainer *old, const char *reset_unknown);
/* The weights and unknowns to a state file (runtime/state_io.h, f64), with the epochs done. */
char *prp_trainer_save(const prp_trainer *t, const char *path);
/* Loads a state saved for the same problem and network; the unknowns must lie in their
 * bounds. Sets the epoch count, drops history rows from that epoch on, forgets Adam's
 * moments. NULL or a malloc'd error (the trainer unchanged). */
char *prp_trainer_restore(prp_trainer *t, const char *path);
/* A copy of the parameters, epoch count and history in memory, to put back later in
 * this trainer or in a trainer of the same problem planned again. */
typedef struct prp_trainer_checkpoint prp_trainer_checkpoint;
prp_trainer_checkpoint *prp_trainer_checkpoint_take(const prp_trainer *t);
/* 0, or -1 (nothing changed) if the parameter counts differ; the history comes back when
 * its columns are the same. Adam's moments are forgotten. */
int prp_trainer_checkpoint_put(prp_trainer *t, const prp_trainer_checkpoint *c);
void prp_trainer_checkpoint_free(prp_trainer_checkpoint *c);

/* The progress line of a trainer's evaluation (progress.h); final: the closing reason,
 * or NULL for an update. */
void prp_trainer_show(prp_progress *pr, const prp_train_problem *pb, const prp_trainer_epoch *e, const char *final);

/* Trains; returns NULL on success (result filled) or a malloc'd error message, with
 * result->error_status the exit status it deserves (PRP_EXIT_IO, PRP_EXIT_MEMORY, ...).
 * Outputs that fail after training leave result->output_error set. */
char *prp_train_run(const prp_train_problem *pb, prp_train_result *result);

/* Restarts: n runs of the same problem, the first from the file's guesses, the
 * others from guesses drawn in the bounds (seeded), each with seed + k and its
 * own output subdirectory restart_K. *best is the finished run of lowest loss
 * (-1 if none). Returns NULL or a malloc'd error. */
char *prp_train_restarts(const prp_train_problem *pb, int n, double tol, prp_train_result *results, int *best);
/* The same, stopping at Ctrl-C: *done runs finished (results[0..done-1]), the interrupted
 * one not counted; an error leaves results[*done].error_status set. Without MPI the runs
 * go to prp_train_restart_workers(pb, n) threads, each run on one, taking the next
 * restart when free: every restart's result, history and files are bitwise those of
 * the runs one after the other (their guesses and seeds are the restart's own). */
/* What ranks restarts (lower is better): the loss; with `refine` (and a model to refine
 * through), the refined model's mean squared misfit -- the answer's own fit -- and a restart
 * whose refinement failed last. */
double prp_train_restart_score(const prp_train_problem *pb, const prp_train_result *res);
char *prp_train_restarts_done(const prp_train_problem *pb, int n, double tol, prp_train_result *results, int *best,
                              int *done);
/* How many restarts of n run at once: 1 under MPI with several ranks (the ranks share
 * them out), else pb->restart_workers, or when 0 the cores this process may use (its CPU
 * affinity), at most n and at most as many runs as the memory the plan needs allows. */
int prp_train_restart_workers(const prp_train_problem *pb, int n);
/* 1 if every unknown with a known truth is within tol of it, relative to the
 * width of its bounds (or to max(1, |truth|) when unbounded), and the run finished. */
int prp_train_success(const prp_train_problem *pb, const prp_train_result *res, double tol);

/* The verdict's limits (docs/running.md says why these values). */
#define PRP_VERDICT_BOUND_TOL 0.01      /* at_bound: within 1% of the bound width of a bound */
#define PRP_VERDICT_MISFIT_RATIO 4.0    /* misfit_above_noise: mean squared misfit > 4 sigma^2 */
#define PRP_VERDICT_NOISE_FLOOR 0.01    /* sigma is at least 1% of the largest |observation| */
#define PRP_VERDICT_WINDOW 0.1          /* still_moving: over the last 10% of the history, */
#define PRP_VERDICT_MOVE_TOL 0.02       /* a range above 2% of the bound width */
#define PRP_VERDICT_RESTART_LOSS 2.0    /* restarts_disagree: among runs of loss <= 2 x the best, */
#define PRP_VERDICT_RESTART_TOL 0.1     /* a spread above 10% of the bound width */
#define PRP_VERDICT_DATA_UNFITTED 0.5   /* the note "data fit": the network misses the sensors by more
                                         * than half of what u = 0 would */

/* The verdict of one run from its result and its history (n rows of ncols
 * values laid out as history.csv: epoch, loss, the terms' losses, then the
 * unknowns; rows may be NULL). */
/* Whether training ends with `refine`: the option is set and the model can be simulated. */
int prp_train_refines(const prp_train_problem *pb);
/* The unknowns' path: n rows of ncols values laid out as history.csv (the epoch first, the
 * unknowns from column first_unknown on), the last row the network's estimate. */
typedef struct {
  const double *rows;
  size_t n, ncols, first_unknown;
} prp_train_path;
/* The train option `refine N path K` (train_refine.c): keeps the network's estimate in
 * res->network_unknowns and, when pb->refine_steps > 0, the model can be solved and training
 * ended normally, replaces res->unknowns by the refined values (res->refined, res->refine):
 * Levenberg-Marquardt from the estimate, and from the best of K points of the path (may be
 * NULL) by the model's misfit; the lower refined misfit wins. */
void prp_train_refine(const prp_train_problem *pb, const prp_train_path *path, prp_train_result *res);

void prp_train_verdict_run(const prp_train_problem *pb, const prp_train_result *res, const double *rows, size_t n,
                           size_t ncols, prp_train_verdict *v);
/* The verdict of n restarts: the best run's, plus restarts_disagree. */
void prp_train_verdict_restarts(const prp_train_problem *pb, const prp_train_result *res, int n, int best,
                                prp_train_verdict *v);
const char *prp_verdict_name(prp_verdict v);
const char *prp_warning_name(prp_warning_kind k);
/* The noise standard deviation estimated from the observations (second
 * differences in time at each sensor); NAN when it cannot be. */
double prp_train_estimate_noise(const prp_train_problem *pb);

/* The level the verdict compares misfits with: the noise (known, else estimated), at least
 * a floor of the largest observation; NAN when it is unknown. */
double prp_train_noise_compared(const prp_train_problem *pb);

/* The loss and its gradient at given network parameters and unknowns (as the
 * optimiser sees them: params then the unknowns' raw values), on fixed point
 * sets drawn with seed; for gradient checks. */
typedef struct prp_train_session prp_train_session;
prp_train_session *prp_train_session_new(const prp_train_problem *pb, char **err);
void prp_train_session_free(prp_train_session *s);
size_t prp_train_session_size(const prp_train_session *s);  /* params + unknowns */
double *prp_train_session_params(prp_train_session *s);      /* current vector */
void prp_train_session_set_progress(prp_train_session *s, double p);  /* schedules at share p */
double prp_train_session_loss_grad(prp_train_session *s, const double *x, double *grad);
/* CPU seconds thread k of the session's pool has spent on chunks so far (benchmarks). */
double prp_train_session_busy_seconds(const prp_train_session *s, int thread);

#endif
