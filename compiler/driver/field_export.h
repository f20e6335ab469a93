/* Running, output: the trained field where a scientist looks at it. After `prpc run`
 * (run.c) or from a saved state (`prpc eval`), the network is evaluated on a regular
 * grid and written as VTK ImageData over time (field.pvd), beside the simulated truth,
 * and at the sensors against their observations (sensors.csv, sensors.png). */
#ifndef PRP_FIELD_EXPORT_H
#define PRP_FIELD_EXPORT_H
#include "ast.h"
#include "jit.h"
#include "mlp.h"
#include "field_limits.h"
#include "plan.h"

/* Points per space axis and number of times (1 without time). A 1D problem with time is
 * written as one space-time image of n[0] x times points. */
typedef struct {
  int n[3];
  int times;
} prp_field_grid;

/* The train block's `output field grid N x M times K`, the rest from the defaults:
 * 201 points in 1D, 64 per axis in 2D, 32 in 3D; 21 times (101 for a 1D image). */
void prp_field_grid_read(const ast_program *prog, prp_field_grid *out);
/* The command line's "64x64" (one size per space axis, each 2..PRP_FIELD_MAX_SIZE) and
 * times (0: keep). NULL, or a malloc'd message. */
char *prp_field_grid_parse(const char *grid, long times, int nspace, int has_time, prp_field_grid *g);

/* The trained field: the plan's network and output transform with a saved state. */
typedef struct {
  const prp_plan *plan;
  prp_mlp net;
  double *params;                 /* the state's weights */
  double unknowns[PRP_TRAIN_MAX_UNKNOWNS];
} prp_field_model;

/* Loads a weights file written for this plan's problem; a mismatched problem, network
 * shape or unknown is an error. NULL, or a malloc'd message. */
char *prp_field_model_load(const prp_plan *plan, const char *state_path, prp_field_model *m);
void prp_field_model_free(prp_field_model *m);
/* u at n points, x row-major with the problem's coordinates (space, then time). */
void prp_field_eval(const prp_field_model *m, size_t n, const double *x, double *u);

/* DIR/field.pvd and DIR/field/field_NNNN.vti: the field, and for a problem with a truth
 * block the simulated truth and the difference (FIELD_truth, FIELD_error = FIELD - truth).
 * NULL, or a malloc'd message. */
char *prp_field_export(const ast_program *prog, prp_jit *jit, const prp_field_model *m, const prp_field_grid *g,
                       const char *dir);

/* DIR/sensors.csv (every observation with the prediction) and DIR/sensors.png (observed
 * and predicted against time for the sensors of largest signal). NULL, or a message. */
char *prp_sensor_fit_write(const prp_field_model *m, const char *dir);

#endif
