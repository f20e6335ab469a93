/* The `prpc run` picture of a 2D source search: the true field at the final
 * time (simulated from the truth block), the sensors, the true source and the
 * trajectory of the estimate read back from history.csv. */
#include "run.h"
#include "plot.h"
#include "simulate.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The unknown whose bounds are the domain of space coordinate k: the source's
 * k-th coordinate (-1 if there is none). */
static int location_unknown(const prp_train_problem *tp, int k, int other) {
  for (int u = 0; u < tp->n_unknowns; u++)
    if (u != other && tp->unknowns[u].lo == tp->lo[k] && tp->unknowns[u].hi == tp->hi[k]) return u;
  return -1;
}

/* Reads columns named a and b of history.csv; returns the number of rows. */
static size_t read_trajectory(const char *path, const char *a, const char *b, double **xa, double **xb) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[8192];
  int ca = -1, cb = -1, col = 0;
  if (fgets(line, sizeof line, f))
    for (char *tok = strtok(line, ",\r\n"); tok; tok = strtok(NULL, ",\r\n"), col++) {
      if (strcmp(tok, a) == 0) ca = col;
      if (strcmp(tok, b) == 0) cb = col;
    }
  size_t n = 0, cap = 256;
  *xa = prp_xmalloc(cap, sizeof **xa);
  *xb = prp_xmalloc(cap, sizeof **xb);
  while (ca >= 0 && cb >= 0 && fgets(line, sizeof line, f)) {
    if (n == cap) {
      cap *= 2;
      *xa = prp_xrealloc(*xa, cap, sizeof **xa);
      *xb = prp_xrealloc(*xb, cap, sizeof **xb);
    }
    col = 0;
    for (char *tok = strtok(line, ",\r\n"); tok; tok = strtok(NULL, ",\r\n"), col++) {
      if (col == ca) (*xa)[n] = strtod(tok, NULL);
      if (col == cb) (*xb)[n] = strtod(tok, NULL);
    }
    n++;
  }
  fclose(f);
  return n;
}

/* The sensors' distinct places (x, y) among the observations. */
static size_t sensor_places(const prp_train_problem *tp, double *sx, double *sy, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < tp->n_obs && n < cap; i++) {
    double x = tp->obs_x[i * (size_t)tp->n_inputs], y = tp->obs_x[i * (size_t)tp->n_inputs + 1];
    size_t j = 0;
    while (j < n && !(sx[j] == x && sy[j] == y)) j++;
    if (j == n) sx[n] = x, sy[n++] = y;
  }
  return n;
}

char *prp_run_plot_source(const ast_program *prog, prp_jit *jit, const prp_train_problem *tp) {
  if (!tp->output_dir || !prog->problem.truth || tp->n_space != 2 || !prp_plot_available()) return NULL;
  int ix = location_unknown(tp, 0, -1), iy = location_unknown(tp, 1, ix);
  if (ix < 0 || iy < 0) return NULL;
  char *err = NULL;
  FILE *sink = fopen("/dev/null", "w");
  prp_diag quiet;
  prp_diag_init(&quiet, sink, 0);
  prp_observations obs;
  prp_simulate_options opt = {.n_frames = 1};
  if (prp_simulate_truth_with(prog, jit, &opt, &quiet, &obs) == 0 && obs.n_frames == 1) {
    char path[4096];
    snprintf(path, sizeof path, "%s/history.csv", tp->output_dir);
    double *px = NULL, *py = NULL, sx[256], sy[256];
    size_t n = read_trajectory(path, tp->unknowns[ix].name, tp->unknowns[iy].name, &px, &py);
    prp_plot_field field = {obs.frame_u, (size_t)obs.grid[0], (size_t)obs.grid[1], tp->lo[0], tp->hi[0], tp->lo[1],
                            tp->hi[1], "u (truth)", px, py, n, sx, sy, sensor_places(tp, sx, sy, 256),
                            isfinite(tp->unknowns[ix].truth) && isfinite(tp->unknowns[iy].truth),
                            tp->unknowns[ix].truth, tp->unknowns[iy].truth};
    char title[256];
    snprintf(title, sizeof title, "true field at t = %g, sensors, and the source estimate", obs.frame_t[0]);
    snprintf(path, sizeof path, "%s/source.png", tp->output_dir);
    prp_plot_frame frame = {path, 800, 700, title, tp->coord_names[0], tp->coord_names[1]};
    err = prp_plot_field2d(&frame, &field);
    free(px);
    free(py);
  }
  prp_observations_free(&obs);
  fclose(sink);
  return err;
}
