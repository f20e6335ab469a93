/* Running, output: the fit at the sensors -- each observation beside the trained
 * field's value there (sensors.csv), and observed and predicted against time for the
 * sensors of largest signal (sensors.png). */
#include "field_export.h"
#include "util.h"
#include "csv.h"
#include "plot.h"
#include "state_io.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_PANELS = 6 };

/* Sensor number of each observation: its place in space, numbered in order of appearance. */
static size_t group_sensors(const prp_train_problem *tp, size_t *sensor, size_t **first_of) {
  size_t nc = (size_t)tp->n_inputs, ns = 0;
  *first_of = prp_xmalloc(tp->n_obs + 1, sizeof **first_of);
  for (size_t i = 0; i < tp->n_obs; i++) {
    size_t s = 0;
    for (; s < ns; s++) {
      const double *a = tp->obs_x + (*first_of)[s] * nc, *b = tp->obs_x + i * nc;
      int same = 1;
      for (int d = 0; d < tp->n_space; d++) same &= a[d] == b[d];
      if (same) break;
    }
    if (s == ns) (*first_of)[ns++] = i;
    sensor[i] = s;
  }
  return ns;
}

static char *write_csv(const prp_train_problem *tp, const size_t *sensor, const double *pred, const char *dir) {
  const char *names[3 + PRP_MLP_MAX_INPUTS];
  size_t nc = 0;
  names[nc++] = "sensor";
  for (int k = 0; k < tp->n_inputs; k++) names[nc++] = tp->coord_names[k];
  names[nc++] = "observed";
  names[nc++] = "predicted";
  char path[4096];
  snprintf(path, sizeof path, "%s/sensors.csv", dir);
  prp_csv_writer *w;
  char *err = prp_csv_writer_open(&w, path, names, nc);
  double row[3 + PRP_MLP_MAX_INPUTS];
  for (size_t i = 0; !err && i < tp->n_obs; i++) {
    size_t c = 0;
    row[c++] = (double)sensor[i];
    for (int k = 0; k < tp->n_inputs; k++) row[c++] = tp->obs_x[i * (size_t)tp->n_inputs + (size_t)k];
    row[c++] = tp->obs_u[i];
    row[c++] = pred[i];
    err = prp_csv_writer_row(w, row);
  }
  char *cerr = err ? (free(prp_csv_writer_close(w)), NULL) : prp_csv_writer_close(w);
  return err ? err : cerr;
}

/* The up to MAX_PANELS sensors of largest max |observation|, largest first. */
static size_t strongest(const prp_train_problem *tp, const size_t *sensor, size_t ns, size_t *pick) {
  double *peak = prp_xcalloc(ns ? ns : 1, sizeof *peak);
  for (size_t i = 0; i < tp->n_obs; i++)
    if (isfinite(tp->obs_u[i])) peak[sensor[i]] = fmax(peak[sensor[i]], fabs(tp->obs_u[i]));
  size_t n = ns < MAX_PANELS ? ns : MAX_PANELS;
  for (size_t k = 0; k < n; k++) {
    size_t best = 0;
    for (size_t s = 1; s < ns; s++)
      if (peak[s] > peak[best]) best = s;
    pick[k] = best;
    peak[best] = -1;
  }
  free(peak);
  return n;
}

/* One panel: observed and predicted of sensor s against time (or observation number). */
static void sensor_panel(const prp_train_problem *tp, const size_t *sensor, const double *pred, size_t s, double *buf,
                         prp_plot_series *series, const char *title, prp_plot_panel *panel) {
  size_t n = 0, nc = (size_t)tp->n_inputs;
  double *t = buf, *obs = buf + tp->n_obs, *pr = buf + 2 * tp->n_obs;
  for (size_t i = 0; i < tp->n_obs; i++)
    if (sensor[i] == s) {
      t[n] = tp->time_index >= 0 ? tp->obs_x[i * nc + (size_t)tp->time_index] : (double)n;
      obs[n] = tp->obs_u[i], pr[n++] = pred[i];
    }
  series[0] = (prp_plot_series){"observed", t, obs, n};
  series[1] = (prp_plot_series){"predicted", t, pr, n};
  *panel = (prp_plot_panel){title, series, 2};
}

static char *plot_sensors(const prp_train_problem *tp, const size_t *sensor, const size_t *first_of, size_t ns,
                          const double *pred, const char *dir) {
  size_t pick[MAX_PANELS], np = strongest(tp, sensor, ns, pick);
  double *buf = prp_xmalloc(3 * tp->n_obs * MAX_PANELS * sizeof *buf + 1, 1);
  prp_plot_series series[MAX_PANELS][2];
  prp_plot_panel panels[MAX_PANELS];
  char titles[MAX_PANELS][128];
  for (size_t k = 0; k < np; k++) {
    int len = snprintf(titles[k], sizeof titles[k], "sensor %zu at", pick[k]);
    for (int d = 0; d < tp->n_space && len > 0 && (size_t)len < sizeof titles[k]; d++)
      len += snprintf(titles[k] + len, sizeof titles[k] - (size_t)len, " %s=%g", tp->coord_names[d],
                      tp->obs_x[first_of[pick[k]] * (size_t)tp->n_inputs + (size_t)d]);
    sensor_panel(tp, sensor, pred, pick[k], buf + 3 * tp->n_obs * k, series[k], titles[k], &panels[k]);
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/sensors.png", dir);
  int columns = np > 3 ? 3 : (int)(np ? np : 1);
  prp_plot_frame fr = {path, 400 * columns, 340 * (int)((np + (size_t)columns - 1) / (size_t)columns + (np == 0)),
                       NULL, tp->time_index >= 0 ? tp->coord_names[tp->time_index] : "observation", tp->field_name};
  char *err = prp_plot_panels(&fr, panels, np, columns);
  free(buf);
  return err;
}

char *prp_sensor_fit_write(const prp_field_model *m, const char *dir) {
  const prp_train_problem *tp = &m->plan->problem;
  if (tp->n_obs == 0) return NULL;
  size_t *sensor = prp_xmalloc(tp->n_obs * sizeof *sensor, 1), *first_of = NULL;
  double *pred = prp_xmalloc(tp->n_obs * sizeof *pred, 1);
  size_t ns = group_sensors(tp, sensor, &first_of);
  prp_field_eval(m, tp->n_obs, tp->obs_x, pred);
  char *err = write_csv(tp, sensor, pred, dir);
  if (!err && prp_plot_available()) err = plot_sensors(tp, sensor, first_of, ns, pred, dir);
  free(sensor), free(first_of), free(pred);
  return err;
}
