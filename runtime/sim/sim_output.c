/* Runtime, truth simulator: writes the synthetic sensor data as CSV, the format that
 * `sensors from "file.csv"` reads back; see sim.h. */
#include "sim.h"
#include "util.h"
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *write_error(int err) {
  return prp_errorf("simulate: cannot write the sensor CSV: %s", err ? strerror(err) : "write error");
}

char *prp_sim_write_sensors_csv(FILE *f, int dim, const char *const *coord_names, const char *time_name,
                                const char *value_name, size_t n, const double *x, const double *t,
                                const double *u) {
  assert(dim >= 1 && dim <= PRP_SIM_MAX_DIM && "sensor CSV with a bad dimension");
  errno = 0;
  for (int d = 0; d < dim; d++) fprintf(f, "%s,", coord_names[d]);
  fprintf(f, "%s,%s\n", time_name, value_name);
  for (size_t i = 0; i < n; i++) {
    for (int d = 0; d < dim; d++) fprintf(f, "%.17g,", x[i * (size_t)dim + (size_t)d]);
    fprintf(f, "%.17g,%.17g\n", t[i], u[i]);
  }
  if (fflush(f) != 0 || ferror(f)) return write_error(errno);
  return NULL;
}
