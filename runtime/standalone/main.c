/* The main() of programs built by `prpc build` (library prpmain): reads the
 * problem embedded by compiler/driver/build.c, binds its kernels, applies the command
 * line and trains exactly as `prpc run` does. Links no LLVM. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"
#include "dist.h"
#include "exit_codes.h"
#include "train.h"
#include "train_report.h"
#include "train_serialize.h"
#include "util.h"

/* Defined in the object compiler/driver/build.c emits (names in train_serialize.h). */
extern const char prp_standalone_problem[];
extern const uint64_t prp_standalone_problem_size;
extern const prp_train_kernel_f64 prp_standalone_kernels[];
extern const uint64_t prp_standalone_kernel_count;

typedef struct {
  long epochs, seed, restarts;   /* -1 when not given */
  long restart_workers;          /* 0: one per core */
  const char *output;
  int quiet;
  const char *guesses[PRP_TRAIN_MAX_UNKNOWNS];   /* NAME=VALUE */
  int nguesses;
} options;

static const char *program_name(const char *argv0) {
  const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
  return slash ? slash + 1 : argv0 ? argv0 : "prp-program";
}

static void print_help(const char *prog, const prp_train_problem *pb, const prp_train_meta *meta) {
  printf("usage: %s [OPTIONS]\n\n", prog);
  printf("Trains the PR-PINN of problem '%s'%s%s%s as `prpc run` would\n"
         "and prints the recovered unknowns.\n\n", pb->problem_name ? pb->problem_name : "",
         meta->source ? " (built from " : "", meta->source ? meta->source : "", meta->source ? ")" : "");
  printf("options:\n"
         "  --epochs=N     train N epochs instead of %d\n"
         "  --seed=N       use this seed instead of %llu\n"
         "  --output=DIR   write results to DIR instead of %s\n"
         "  --quiet        no progress line\n"
         "  --restarts=N   train from N initial guesses (the built-in ones, then drawn in the bounds)\n"
         "  --restart-workers=N  train N restarts at once, one per thread (default 0: one per core;\n"
         "                 1: one after the other); the results are the same\n"
         "  --guess=NAME=VALUE  start unknown NAME at VALUE (repeatable)\n"
         "  -h, --help     show this help\n"
         "  --version      show what built this program\n\n",
         pb->epochs, (unsigned long long)pb->seed, pb->output_dir ? pb->output_dir : "nowhere");
  printf("The precision (%s), the relaxation and the observations were fixed by `prpc build`.\n\n",
         pb->single ? "f32" : "f64");
  prp_dist_help(stdout, prog);
  prp_exit_codes_help(stdout, 0);
}

static int usage_error(const char *prog, const char *what, const char *arg) {
  char quoted[PRP_EXCERPT_CHARS + 4];
  fprintf(stderr, "%s: error: %s '%s'\nTry '%s --help'.\n", prog, what, prp_excerpt(quoted, arg), prog);
  return PRP_EXIT_USAGE;
}

/* --NAME=N in [min, max] (the same limits as prpc): -1 to go on, or the exit status after
 * printing what is wrong. */
static int count_option(const char *prog, const char *arg, long min, long max, long *out) {
  char *err = prp_option_count(arg, min, max, out);
  if (!err) return -1;
  fprintf(stderr, "%s: error: %s\nTry '%s --help'.\n", prog, err, prog);
  free(err);
  return PRP_EXIT_USAGE;
}

/* Fills o; returns -1 to go on, or an exit status (after --help, --version, errors). */
static int parse_command_line(options *o, int argc, char **argv, const prp_train_problem *pb,
                              const prp_train_meta *meta) {
  const char *prog = program_name(argv[0]);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { print_help(prog, pb, meta); return 0; }
    if (strcmp(a, "--version") == 0) {
      printf("%s: problem %s, built by %s\n", prog, pb->problem_name ? pb->problem_name : "",
             meta->producer ? meta->producer : "prpc");
      return 0;
    }
    int code = -1;
    if (strcmp(a, "--quiet") == 0) o->quiet = 1;
    else if (strncmp(a, "--epochs=", 9) == 0) code = count_option(prog, a, 1, PRP_OPTION_COUNT_MAX, &o->epochs);
    else if (strncmp(a, "--seed=", 7) == 0) code = count_option(prog, a, 0, PRP_OPTION_COUNT_MAX, &o->seed);
    else if (strncmp(a, "--restarts=", 11) == 0) code = count_option(prog, a, 1, PRP_TRAIN_MAX_RESTARTS, &o->restarts);
    else if (strncmp(a, "--restart-workers=", 18) == 0)
      code = count_option(prog, a, 0, PRP_TRAIN_MAX_RESTART_WORKERS, &o->restart_workers);
    else if (strncmp(a, "--guess=", 8) == 0 && o->nguesses < PRP_TRAIN_MAX_UNKNOWNS) o->guesses[o->nguesses++] = a + 8;
    else if (strncmp(a, "--output=", 9) == 0 && a[9]) o->output = a + 9;
    else if (strcmp(a, "--output=") == 0) return usage_error(prog, "--output= needs a directory name, not", "");
    else if (strncmp(a, "--guess=", 8) == 0) return usage_error(prog, "at most 16 --guess options, from", a);
    else return usage_error(prog, a[0] == '-' ? "unknown option" : "unexpected argument", a);
    if (code >= 0) return code;
  }
  return -1;
}

/* Kernel k of the embedded table serves term k; single-precision problems
 * have f32 kernels there (the table's type is nominal). 0, or -1 if the
 * object is inconsistent. */
static int bind_kernels(prp_train_problem *pb) {
  if (prp_standalone_kernel_count != (uint64_t)pb->n_terms) return -1;
  for (int k = 0; k < pb->n_terms; k++) {
    if (!prp_standalone_kernels[k]) return -1;
    if (pb->single) pb->terms[k].kernel_f32 = (prp_train_kernel_f32)prp_standalone_kernels[k];
    else pb->terms[k].kernel = prp_standalone_kernels[k];
  }
  return 0;
}

/* The command line's overrides; -1 to go on, or an exit status after an error. */
static int apply_options(const char *prog, prp_train_problem *pb, const prp_train_meta *meta, const options *o) {
  if (o->epochs > 0) prp_train_set_epochs(pb, &meta->epochs, (int)o->epochs);
  if (o->seed >= 0) pb->seed = (uint64_t)o->seed;
  if (o->restarts > 0) pb->restarts = (int)o->restarts;
  pb->restart_workers = (int)o->restart_workers;
  if (o->output) prp_train_problem_set_output(pb, o->output);
  if (o->quiet) pb->quiet = 1;
  for (int i = 0; i < o->nguesses; i++) {
    char *err = prp_train_set_guess(pb, o->guesses[i]);
    if (err) {
      fprintf(stderr, "%s: error: %s\n", prog, err);
      free(err);
      return PRP_EXIT_USAGE;
    }
  }
  return -1;
}

int main(int argc, char **argv) {
  const char *prog = program_name(argc > 0 ? argv[0] : NULL);
  prp_set_program_name(prog);
  prp_dist_init(&argc, &argv);   /* nothing unless started by mpirun or srun */
  prp_train_problem pb;
  prp_train_meta meta;
  char *err = prp_train_deserialize(prp_standalone_problem, (size_t)prp_standalone_problem_size, &pb, &meta);
  if (err) {
    fprintf(stderr, "%s: internal error: %s\n", prog, err);
    free(err);
    return PRP_EXIT_INTERNAL;
  }
  options o = {.epochs = -1, .seed = -1, .restarts = -1};
  int code = parse_command_line(&o, argc, argv, &pb, &meta);
  if (code < 0 && bind_kernels(&pb) != 0) {
    fprintf(stderr, "%s: internal error: %llu kernels embedded for %d loss terms\n", prog,
            (unsigned long long)prp_standalone_kernel_count, pb.n_terms);
    code = PRP_EXIT_INTERNAL;
  }
  if (code < 0) code = apply_options(prog, &pb, &meta, &o);
  if (code < 0) code = prp_train_and_report(&pb, prog);
  prp_train_problem_free(&pb);
  prp_train_meta_free(&meta);
  if (code != PRP_EXIT_OK) prp_dist_exit(code, NULL);   /* under MPI: ends every rank */
  prp_dist_finalize();
  return code;
}
