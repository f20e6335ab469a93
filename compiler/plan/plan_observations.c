/* Training plan: the observations, read from the sensor file (checked against
 * the domain, errors located at the file's line) or simulated from the truth. */
#include "plan.h"
#include "check.h"
#include "csv.h"
#include "simulate.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int read_sensor_file(const ast_program *prog, prp_diag *diag, size_t *n, double **x, double **u) {
  const prp_problem *pb = &prog->problem;
  const ast_decl *d = pb->sensors;
  char path[4096];
  prp_sensor_path(prog, d, path, sizeof path);
  const char *names[PRP_MAX_COORDS + 1];
  for (int k = 0; k < pb->ncoords; k++) names[k] = pb->coords[k]->name;
  names[pb->ncoords] = pb->field->name;
  prp_interval box[PRP_MAX_COORDS];
  for (int k = 0; k < pb->ncoords; k++) box[k] = (prp_interval){pb->lo[k], pb->hi[k]};
  prp_table table;
  char *err = prp_csv_read_sensors(path, names, (size_t)pb->ncoords + 1, box, (size_t)pb->ncoords, &table);
  if (err) {
    prp_error(diag, d->sensors.path_loc, "%s", err);
    free(err);
    return -1;
  }
  size_t cols = (size_t)pb->ncoords + 1;
  *n = table.nrows;
  *x = prp_xmalloc(*n * (size_t)pb->ncoords + 1, sizeof **x);
  *u = prp_xmalloc(*n + 1, sizeof **u);
  for (size_t i = 0; i < *n; i++) {
    memcpy(*x + i * (size_t)pb->ncoords, table.data + i * cols, (size_t)pb->ncoords * sizeof(double));
    (*u)[i] = table.data[i * cols + (size_t)pb->ncoords];
  }
  prp_table_free(&table);
  return 0;
}

int prp_plan_observations(const ast_program *prog, prp_jit *jit, prp_diag *diag, size_t *n, double **x, double **u) {
  double noise_std;
  return prp_plan_observations_noise(prog, jit, diag, n, x, u, &noise_std);
}

int prp_plan_observations_noise(const ast_program *prog, prp_jit *jit, prp_diag *diag, size_t *n, double **x,
                                double **u, double *noise_std) {
  *noise_std = NAN;
  if (prog->problem.sensors && prog->problem.sensors->sensors.kind == SENSORS_FILE)
    return read_sensor_file(prog, diag, n, x, u);
  prp_observations obs;
  if (prp_simulate_truth(prog, jit, diag, &obs) != 0) {
    prp_observations_free(&obs);
    return -1;
  }
  *n = obs.n;
  *x = obs.coords;
  *u = obs.u;
  *noise_std = obs.noise_std;
  obs.coords = obs.u = NULL;
  prp_observations_free(&obs);
  return 0;
}
