/* Runtime, training: the memory estimate of a plan and the check against what the process
 * may allocate; see train_memory.h. */
#include "train_memory.h"
#include "util.h"
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

enum { LBFGS_HISTORY = 10 };

static double term_points(const prp_train_problem *pb, const prp_train_term *t) {
  switch (t->kind) {
  case PRP_TERM_KIND_PDE: return pb->n_collocation;
  case PRP_TERM_KIND_INITIAL: return pb->n_initial;
  case PRP_TERM_KIND_BOUNDARY: return pb->n_boundary;
  default: return (double)pb->n_obs;
  }
}

static double network_params(const prp_train_problem *pb) {
  double n = 0, in = pb->net.n_inputs;
  for (int l = 0; l < pb->net.n_hidden; l++) {
    n += in * pb->net.widths[l] + pb->net.widths[l];
    in = pb->net.widths[l];
  }
  return n + in + 1;
}

double prp_train_memory_needed(const prp_train_problem *pb) {
  double d = pb->n_inputs, bytes = 0;
  /* per point: coordinates twice (rows and columns), three point-data columns; f32 copies */
  double per_point = (2 * d + 3) * 8 + (pb->single ? (d + 3) * 4 : 0);
  for (int i = 0; i < pb->n_terms; i++) bytes += term_points(pb, &pb->terms[i]) * per_point;
  /* source energy outside the box (train_source_energy.c): one point per collocation point */
  if (pb->source_energy_free && pb->source_width_scalar >= 0) bytes += (double)pb->n_collocation * d * 8;
  /* parameters: x, gradient, last good, Adam's two moments, L-BFGS pairs */
  double params = network_params(pb) + pb->n_unknowns;
  bytes += params * 8 * (5 + (pb->lbfgs_iterations > 0 ? 2 * LBFGS_HISTORY + 4 : 0));
  return bytes;
}

/* Pages of address space in use, from /proc (0 when unreadable). */
static double address_space_used(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (f) {
    if (fscanf(f, "%lu", &pages) != 1) pages = 0;
    fclose(f);
  }
  return (double)pages * (double)sysconf(_SC_PAGESIZE);
}

static double limit_of(int resource) {
  struct rlimit rl;
  if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return INFINITY;
  return (double)rl.rlim_cur;
}

double prp_memory_available(void) {
  double avail = INFINITY;
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  if (pages > 0 && size > 0) avail = (double)pages * (double)size;
  double used = address_space_used();
  avail = fmin(avail, limit_of(RLIMIT_AS) - used);
  avail = fmin(avail, limit_of(RLIMIT_DATA) - used);
  return avail > 0 ? avail : 0;
}

char *prp_train_check_memory(const prp_train_problem *pb) {
  double need = prp_train_memory_needed(pb), avail = prp_memory_available();
  if (need <= avail) return NULL;
  double gib = 1024.0 * 1024.0 * 1024.0;
  return prp_errorf("out of memory for %d collocation points (needs %.1f GiB, %.1f GiB available)",
                    pb->n_collocation, need / gib, avail / gib);
}
