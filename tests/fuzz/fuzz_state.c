/* libFuzzer target for the trained-state reader (runtime/io/state_io.c): any byte string is
 * parsed as a state file; the result is an error or a state whose weights fit its widths
 * and whose unknowns are finite. Built with clang when PRP_FUZZ=ON; run by scripts/test.sh. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "state_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  prp_state s;
  char *err = prp_state_parse("fuzz.prpstate", (const char *)data, size, NULL, &s);
  if (!err) {
    if (s.nweights != prp_state_weight_count(s.widths, s.nwidths) || s.epoch > PRP_STATE_MAX_EPOCH) abort();
    for (size_t i = 0; i < s.nunknowns; i++)
      if (!isfinite(s.unknown_values[i])) abort();
    prp_state_free(&s);
  }
  free(err);
  return 0;
}
