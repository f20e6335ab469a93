/* Runtime: the MPI layer of dist.h. Built with MPI when PRP_HAVE_MPI is defined
 * (CMake option PRP_MPI), else every function is the one-rank version. */
#include "dist.h"
#include "util.h"
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef PRP_HAVE_MPI
#include <mpi.h>
#endif

static int started, the_rank, the_size = 1, shared_outcome;

void prp_dist_outcome_shared(void) { shared_outcome = 1; }

int prp_dist_launched(void) {
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return 1;
  }
  return 0;
}

int prp_dist_rank(void) { return the_rank; }
int prp_dist_size(void) { return the_size; }

void prp_dist_share(size_t n, int rank, int size, size_t *first, size_t *count) {
  size_t p = size > 0 ? (size_t)size : 1, r = (size_t)rank, base = n / p, extra = n % p;
  *first = r * base + (r < extra ? r : extra);
  *count = base + (r < extra ? 1 : 0);
}

void prp_dist_help(FILE *out, const char *command) {
  fprintf(out, "parallel runs (docs/running.md):\n"
               "  mpirun -np P %s --restarts=N   the N restarts dealt to P processes\n"
               "  mpirun -np P %s                one training, 1/P of the points in each process\n"
               "  MPI support in this build: %s\n\n",
          command, command, prp_dist_available() ? "on" : "off (more than one process is refused)");
}

/* Messages of rank R > 0 say which rank they come from: "NAME (rank R): error: ...". */
static void name_the_rank(void) {
  static char name[128];
  if (the_rank == 0) return;
  snprintf(name, sizeof name, "%s (rank %d)", prp_program_name(), the_rank);
  prp_set_program_name(name);
}

#ifdef PRP_HAVE_MPI

int prp_dist_available(void) { return 1; }

void prp_dist_init(int *argc, char ***argv) {
  if (started || !prp_dist_launched()) return;
  if (MPI_Init(argc, argv) != MPI_SUCCESS) {
    fprintf(stderr, "%s: error: MPI_Init failed\n", prp_program_name());
    exit(PRP_EXIT_RUNTIME);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &the_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &the_size);
  started = 1;
  name_the_rank();
}

void prp_dist_finalize(void) {
  if (!started) return;
  fflush(NULL);
  MPI_Finalize();
  started = 0;
}

_Noreturn void prp_dist_exit(int status, const char *message) {
  if (message) fprintf(stderr, "%s: error: %s\n", prp_program_name(), message);
  fflush(NULL);
  if (started && status != 0 && the_size > 1 && !shared_outcome) MPI_Abort(MPI_COMM_WORLD, status);
  if (started) MPI_Finalize();
  exit(status);
}

/* A byte count MPI can take (an int), else the job ends. */
static int mpi_count(size_t n) {
  if (n > (size_t)INT_MAX) prp_dist_exit(PRP_EXIT_RUNTIME, "a message to the other ranks is too large for MPI");
  return (int)n;
}

void prp_dist_sum(double *v, size_t n) {
  if (!started || the_size == 1 || n == 0) return;
  size_t p = (size_t)the_size;
  double *all = prp_xmalloc(n * p, sizeof *all);
  MPI_Allgather(v, mpi_count(n), MPI_DOUBLE, all, mpi_count(n), MPI_DOUBLE, MPI_COMM_WORLD);
  for (size_t i = 0; i < n; i++) {
    double s = all[i];
    for (size_t r = 1; r < p; r++) s += all[r * n + i];
    v[i] = s;
  }
  free(all);
}

void prp_dist_gather_dealt(void *items, size_t item_size, size_t n) {
  if (!started || the_size == 1 || n == 0) return;
  size_t p = (size_t)the_size, per = (n + p - 1) / p, r = (size_t)the_rank;
  unsigned char *mine = prp_xcalloc(per, item_size), *all = NULL, *it = items;
  for (size_t k = r, j = 0; k < n; k += p, j++) memcpy(mine + j * item_size, it + k * item_size, item_size);
  if (the_rank == 0) all = prp_xmalloc(per * p, item_size);
  int bytes = mpi_count(per * item_size);
  mpi_count(per * p * item_size);
  MPI_Gather(mine, bytes, MPI_BYTE, all, bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
  if (the_rank == 0)
    for (size_t k = 0; k < n; k++) memcpy(it + k * item_size, all + ((k % p) * per + k / p) * item_size, item_size);
  free(mine);
  free(all);
}

int prp_dist_check_same(long value) {
  if (!started || the_size == 1) return 0;
  long *all = prp_xmalloc((size_t)the_size, sizeof *all);
  MPI_Allgather(&value, 1, MPI_LONG, all, 1, MPI_LONG, MPI_COMM_WORLD);
  int differs = 0;
  for (int r = 1; r < the_size && !differs; r++)
    if (all[r] != all[0]) differs = r;
  free(all);
  return differs;
}

void prp_dist_barrier(void) {
  if (started && the_size > 1) MPI_Barrier(MPI_COMM_WORLD);
}

#else /* one rank */

int prp_dist_available(void) { return 0; }
/* Under a launcher with several processes each would run the whole job: refused. */
void prp_dist_init(int *argc, char ***argv) {
  (void)started;
  (void)name_the_rank;
  const char *size = getenv("OMPI_COMM_WORLD_SIZE");
  if (!size) size = getenv("PMI_SIZE");
  if (size && atoi(size) > 1) {
    fprintf(stderr, "%s: error: started as one of %s processes, but built without MPI support "
                    "(every process would run the whole job); rebuild with MPI (docs/running.md)\n",
            prp_program_name(), size);
    exit(PRP_EXIT_USAGE);
  }
}
void prp_dist_finalize(void) {}
_Noreturn void prp_dist_exit(int status, const char *message) {
  if (message) fprintf(stderr, "%s: error: %s\n", prp_program_name(), message);
  exit(status);
}
void prp_dist_sum(double *v, size_t n) {}
void prp_dist_gather_dealt(void *items, size_t item_size, size_t n) {}
int prp_dist_check_same(long value) { return 0; }
void prp_dist_barrier(void) {}

#endif
