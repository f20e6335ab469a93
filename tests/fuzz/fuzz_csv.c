/* libFuzzer target for the sensor-file reader (runtime/io/csv.c): any byte string is parsed
 * as a 2D + time sensor file; the result is an error or a table of finite points inside
 * the box. Built with clang when PRP_FUZZ=ON; run by scripts/test.sh. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[] = {"x", "y", "t", "u"};
  static const prp_interval box[] = {{0, 1}, {0, 1}, {0, 2}};
  prp_table t;
  char *err = prp_csv_parse_sensors("fuzz.csv", (const char *)data, size, names, 4, box, 3, &t);
  if (!err) {
    for (size_t i = 0; i < t.nrows * t.ncols; i++)
      if (!isfinite(t.data[i])) abort();
    for (size_t r = 0; r < t.nrows; r++)
      for (size_t c = 0; c < 3; c++)
        if (t.data[r * 4 + c] < box[c].lo || t.data[r * 4 + c] > box[c].hi) abort();
  }
  free(err);
  prp_table_free(&t);
  return 0;
}
