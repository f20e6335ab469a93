/* Runtime, training: what the parts of the training loop share
 * (train_session.c, train_nudging.c, train_schedule.c, train.c). */
#ifndef PRP_TRAIN_INTERNAL_H
#define PRP_TRAIN_INTERNAL_H
#include "train.h"
#include "pool.h"
#include "state_io.h"

enum { PRP_TRAIN_CHUNK = 256 };     /* points per kernel call and network pass: a layer's jets stay near L2 (docs/performance.md) */

typedef struct {
  const prp_train_term *term;
  prp_jet_layout layout;
  int jet_col[PRP_TRAIN_MAX_JETS];   /* network output column of each kernel jet */
  prp_mlp_ws_f64 **ws;               /* one workspace per thread */
  prp_mlp_ws_f32 **ws32;             /* the same, f32 problems */
  float *cols32[4], *pointdata32[3]; /* f32 copies of the per-point inputs */
  size_t n;                          /* this rank's points (all of them in one process) */
  size_t n_all;                      /* the one-process run's points: the mean is over these */
  int dim;
  double *x;                         /* n points, row-major */
  double *cols[4];                   /* the same, one array per coordinate */
  double *pointdata[3];              /* per-point inputs: nudging sums, observations */
  prp_sampler sampler;
} term_state;

/* The loss and gradient are summed over chunks of points. Each chunk belongs to
 * one of PRP_TRAIN_LANES lanes, fixed by the chunk list alone; a lane's chunks
 * add into the lane's gradient in order, the lanes are summed in order, and
 * per-chunk losses and dL/dtheta in chunk order: the result is bitwise the same
 * on any number of threads (a thread takes whole lanes). */
enum { PRP_TRAIN_LANES = 8, PRP_TRAIN_MAX_THREADS = 64 };

typedef struct {
  int term;                          /* index in the session's terms */
  size_t first, n;                   /* its points first .. first + n - 1 */
  int lane;
  double loss;                       /* the chunk's part of the term's loss */
  double dtheta[PRP_TRAIN_MAX_UNKNOWNS];
} chunk_task;

/* Sensors grouped by place, for the nudging sums. */
typedef struct {
  size_t n_places;
  double *place;                     /* n_places x n_space */
  size_t *first, *count;             /* each place's observations, sorted by time */
  double *t, *u;                     /* all observations, grouped by place */
} sensor_places;

/* Points of the margin around the box where the source's energy is counted
 * while it is dilated (train_source_energy.c). */
typedef struct {
  const prp_train_term *term;        /* the PDE term, whose kernel gives r = -s at zero jets */
  size_t n;
  double *unit;                      /* n fixed points in the unit cube, mapped every evaluation */
  double *cols[4], *zeros;           /* one chunk of mapped points; zero jets and point data */
  float *cols32[4], *zeros32;
} source_pad;

struct prp_train_session {
  const prp_train_problem *pb;
  prp_mlp net;
  term_state terms[PRP_TRAIN_MAX_TERMS];
  double *x;                         /* network parameters, then raw unknowns */
  double uniforms[PRP_TRAIN_MAX_UNKNOWNS + PRP_TRAIN_MAX_SCALARS];
  double scalars[PRP_TRAIN_MAX_SCALARS];
  int threads;                       /* threads of the pool (train block's `threads`) */
  prp_pool *pool;
  double *kernel_out;                /* threads x PRP_TRAIN_KERNEL_OUT (thread 0's first) */
  float *kernel_out32, *params32;
  double *lane_grad;                 /* PRP_TRAIN_LANES x n_params, f64 problems */
  float *lane_grad32;                /* the same, f32 problems */
  chunk_task *tasks;                 /* this evaluation's chunks */
  int max_tasks;
  float uniforms32[PRP_TRAIN_MAX_UNKNOWNS + PRP_TRAIN_MAX_SCALARS];
  double term_loss[PRP_TRAIN_MAX_TERMS];
  double dtheta[PRP_TRAIN_MAX_UNKNOWNS];  /* dL/dtheta at the last evaluation */
  sensor_places places;
  double progress;                   /* share of training of the current schedules */
  source_pad pad;
  double source_energy_loss;         /* the margin's part of the loss at the last evaluation */
  int parts;                         /* ranks the points are split over (train_dist.h); 1 */
};

double prp_unknown_value(const prp_train_unknown *u, double z, double *dtheta_dz);
double prp_unknown_raw(const prp_train_unknown *u, double theta);
void prp_train_session_resample(prp_train_session *s);

int prp_source_energy_init(prp_train_session *s, char **err);
int prp_source_energy_active(const prp_train_session *s);
double prp_source_energy_add(prp_train_session *s, double *dtheta);
void prp_source_energy_free(prp_train_session *s);

void prp_nudging_init(prp_train_session *s);
void prp_nudging_fill(prp_train_session *s, term_state *t);
void prp_nudging_free(prp_train_session *s);

/* kernel outputs of one chunk: r, dr/d(jet), dr/d(unknown) */
#define PRP_TRAIN_KERNEL_OUT ((size_t)PRP_TRAIN_CHUNK * (1 + PRP_TRAIN_MAX_JETS + PRP_TRAIN_MAX_UNKNOWNS))

#endif
