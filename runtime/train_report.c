/* Runtime, training: the summary printed after training; see train_report.h. */
#include "train_report.h"
#include <math.h>

void prp_train_print_summary(FILE *out, const prp_train_problem *pb, const prp_train_result *res) {
  fprintf(out, "%s: %s after %d epochs in %.1f s, loss %.3e\n", pb->problem_name,
          res->stopped == 0 ? "trained" : res->stopped == 1 ? "interrupted" : "stopped",
          res->epochs_done, res->seconds, res->loss);
  for (int u = 0; u < pb->n_unknowns; u++) {
    const prp_train_unknown *uk = &pb->unknowns[u];
    fprintf(out, "  %-10s = %-12.6g (guess %g", uk->name, res->unknowns[u], uk->guess);
    if (isfinite(uk->truth)) fprintf(out, ", truth %g, error %.3g", uk->truth, fabs(res->unknowns[u] - uk->truth));
    fprintf(out, ")\n");
  }
  if (pb->output_dir) fprintf(out, "results in %s/\n", pb->output_dir);
}

int prp_train_exit_status(const prp_train_result *res) {
  return res->stopped == 0 ? 0 : res->stopped == 1 ? 130 : 3;
}
