/* `prpc experiments FILE`: the command line's lists, one plan (kernels compiled
 * once) per method, the runs dealt to the MPI ranks (all of them in one process),
 * gathered on rank 0, which writes the tables (experiments_table.c). */
#include "experiments.h"
#include "dist.h"
#include "landscape_follow.h"
#include "options.h"
#include "output.h"
#include "plan.h"
#include "run.h"
#include "train_report.h"
#include "train_serialize.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LIST = 64 };

/* ---- the command line ------------------------------------------------------------- */

int prp_experiments_parse_arg(prp_experiments_options *o, int argc, char **argv, int *i) {
  static const char *const names[] = {"--guesses", "--seeds", "--methods", "--tol"};
  const char *a = argv[*i];
  for (int k = 0; k < 4; k++) {
    size_t len = strlen(names[k]);
    if (strncmp(a, names[k], len) != 0 || (a[len] && a[len] != '=')) continue;
    const char *value = a[len] == '=' ? a + len + 1 : *i + 1 < argc ? argv[++*i] : NULL;
    if (!value || !*value) {
      fprintf(stderr, "prpc: error: %s needs a value\nTry 'prpc --help'.\n", names[k]);
      return -1;
    }
    if (k == 0) o->guesses = value;
    else if (k == 1) o->seeds = value;
    else if (k == 2) o->methods = value;
    else {
      char *end;
      errno = 0;
      o->tol = strtod(value, &end);
      if (*end || errno || !(o->tol > 0 && o->tol <= 1)) {
        fprintf(stderr, "prpc: error: --tol expects a share of the bound width in (0, 1], not '%s'\n", value);
        return -1;
      }
    }
    return 1;
  }
  return 0;
}

/* The words of text separated by any of seps (copied into *store). */
static int split(const char *text, const char *seps, char **store, char **words, int max) {
  *store = prp_xstrdup(text);
  int n = 0;
  for (char *save = NULL, *w = strtok_r(*store, seps, &save); w && n < max; w = strtok_r(NULL, seps, &save))
    words[n++] = w;
  return n;
}

static int parse_methods(const char *text, int *methods, prp_diag *diag) {
  char *store, *words[MAX_LIST];
  int n = split(text ? text : "vanilla,pr", ", ", &store, words, MAX_LIST), nm = 0, seen[2] = {0, 0};
  for (int i = 0; i < n && nm >= 0; i++) {
    int m = strcmp(words[i], "vanilla") == 0 ? 0 : strcmp(words[i], "pr") == 0 || strcmp(words[i], "pr-pinn") == 0 ? 1 : -1;
    if (m < 0) {
      prp_error_plain(diag, "--methods: '%s' is no method (vanilla, pr)", words[i]);
      nm = -1;
    } else if (!seen[m]++) methods[nm++] = m;
  }
  free(store);
  if (nm == 0) prp_error_plain(diag, "%s", "--methods names no method (vanilla, pr)");
  return nm > 0 ? nm : -1;
}

static int parse_seeds(const char *text, long *seeds, prp_diag *diag) {
  if (!text) {
    seeds[0] = -1;   /* the file's */
    return 1;
  }
  char *store, *words[MAX_LIST];
  int n = split(text, ", ", &store, words, MAX_LIST), bad = n == 0;
  for (int i = 0; i < n && !bad; i++) {
    char arg[128];
    snprintf(arg, sizeof arg, "--seeds=%s", words[i]);
    char *err = prp_option_count(arg, 0, PRP_OPTION_COUNT_MAX, &seeds[i]);
    if (err) {
      prp_error_plain(diag, "%s", err);
      free(err);
      bad = 1;
    }
  }
  if (n == 0) prp_error_plain(diag, "%s", "--seeds names no seed");
  free(store);
  return bad ? -1 : n;
}

/* ---- one run ----------------------------------------------------------------------- */

/* The first epoch from which every unknown with a truth stays within tol of its width
 * of it, from the run's history.csv; -1 if none. */
static int epochs_to_success(const prp_train_problem *pb, const char *dir, double tol) {
  char path[4200];
  snprintf(path, sizeof path, "%s/history.csv", dir);
  prp_run_history h;
  char *err = prp_run_history_read(path, &h);
  if (err) {
    free(err);
    return -1;
  }
  int col[PRP_TRAIN_MAX_UNKNOWNS], first = -1;
  for (int u = 0; u < pb->n_unknowns; u++) col[u] = prp_run_history_column(&h, pb->unknowns[u].name);
  for (size_t r = 0; r < h.nrows; r++) {
    int ok = 1;
    for (int u = 0; u < pb->n_unknowns; u++) {
      const prp_train_unknown *uk = &pb->unknowns[u];
      if (!isfinite(uk->truth) || col[u] < 0) continue;
      double width = isfinite(uk->lo) && isfinite(uk->hi) ? uk->hi - uk->lo : 1;
      if (!(fabs(h.data[r * h.ncols + (size_t)col[u]] - uk->truth) <= tol * width)) ok = 0;
    }
    if (!ok) first = -1;
    else if (first < 0) first = (int)h.data[r * h.ncols];
  }
  prp_run_history_free(&h);
  return first;
}

/* The guess text "xs=0.1,ys=0.2" applied to pb; NULL or an error. */
static char *apply_guess(prp_train_problem *pb, const char *guess) {
  char *store, *parts[PRP_TRAIN_MAX_UNKNOWNS], *err = NULL;
  int n = split(guess, ",", &store, parts, PRP_TRAIN_MAX_UNKNOWNS);
  for (int i = 0; i < n && !err; i++) err = prp_train_set_guess(pb, parts[i]);
  free(store);
  return err;
}

static void run_one(const prp_plan *plan, const prp_experiments_table *t, prp_experiment_run *r) {
  prp_train_problem pb = plan->problem;
  char name[1024], dir[4096];
  prp_experiment_run_name(t, r, name, sizeof name);
  if (snprintf(dir, sizeof dir, "%s/", t->dir) + strlen(name) >= sizeof dir) {
    snprintf(r->error, sizeof r->error, "the run directory's name is too long");
    return;
  }
  strcat(dir, name);
  pb.output_dir = dir;
  pb.quiet = 1;
  pb.restarts = 1;
  if (r->seed >= 0) pb.seed = (uint64_t)r->seed;
  char *err = r->guess >= 0 ? apply_guess(&pb, t->guesses[r->guess]) : NULL;
  if (!err) err = prp_train_run(&pb, &r->result);
  if (err) {
    snprintf(r->error, sizeof r->error, "%s", err);
    free(err);
    return;
  }
  r->ran = 1;
  r->epochs_to_success = epochs_to_success(&pb, dir, t->tol);
}

/* ---- the sweep ----------------------------------------------------------------------- */

static int build_plans(const ast_program *prog, prp_jit *jit, const prp_experiments_options *opt, const int *methods,
                       int nm, prp_plan *plans, prp_diag *diag) {
  for (int i = 0; i < nm; i++) {
    prp_plan_options popt = {.relax = methods[i] == 1, .epochs = opt->epochs, .seed = -1, .quiet = 1,
                             .precision = opt->precision, .restarts = 1, .no_refine = opt->no_refine};
    int rc = prp_plan_build(prog, jit, &popt, diag, &plans[methods[i]]);
    if (rc != 0) {
      for (int j = 0; j < i; j++) prp_plan_free(&plans[methods[j]]);
      return rc == PRP_PLAN_BAD_OPTION ? PRP_EXIT_USAGE : PRP_EXIT_INPUT;
    }
  }
  return 0;
}

/* Every guess checked before any run (the names and bounds of the problem). */
static int check_guesses(const prp_train_problem *pb, char **guesses, int ng, prp_diag *diag) {
  for (int g = 0; g < ng; g++) {
    prp_train_problem copy = *pb;
    char *err = apply_guess(&copy, guesses[g]);
    if (err) {
      prp_error_plain(diag, "--guesses: %s", err);
      free(err);
      return -1;
    }
  }
  return 0;
}

/* Methods x guesses x seeds, in the script's order. */
static prp_experiment_run *list_runs(const int *methods, int nm, int ng, const long *seeds, int ns, int *n) {
  int ngs = ng > 0 ? ng : 1;
  prp_experiment_run *runs = prp_xcalloc((size_t)(nm * ngs * ns), sizeof *runs);
  *n = 0;
  for (int m = 0; m < nm; m++)
    for (int g = 0; g < ngs; g++)
      for (int s = 0; s < ns; s++)
        runs[(*n)++] = (prp_experiment_run){.method = methods[m], .guess = ng > 0 ? g : -1, .seed = seeds[s],
                                            .epochs_to_success = -1};
  return runs;
}

static int sweep(const prp_plan *plans, prp_experiments_table *t, prp_experiment_run *runs, int n, prp_diag *diag) {
  int rank = prp_dist_rank(), size = prp_dist_size();
  char *err = rank == 0 ? prp_make_dirs(t->dir) : NULL;
  if (err) {
    prp_error_plain(diag, "%s", err);
    free(err);
    return PRP_EXIT_IO;
  }
  prp_dist_barrier();
  for (int k = rank; k < n; k += size) {
    run_one(&plans[runs[k].method], t, &runs[k]);
    if (size > 1) fprintf(stderr, "rank %d: run %d of %d done\n", rank, k + 1, n);
  }
  prp_dist_gather_dealt(runs, sizeof *runs, (size_t)n);
  prp_dist_outcome_shared();
  if (rank != 0) return PRP_EXIT_OK;
  err = prp_experiments_write(t, runs, n);
  int code = PRP_EXIT_OK;
  for (int k = 0; k < n; k++)
    if (!runs[k].ran || runs[k].result.output_error[0]) code = PRP_EXIT_RUNTIME;
  if (err) {
    prp_error_plain(diag, "%s", err);
    free(err);
    code = PRP_EXIT_IO;
  }
  return code;
}

int prp_experiments_command(const ast_program *prog, const prp_experiments_options *opt, prp_diag *diag) {
  int methods[2], nm = parse_methods(opt->methods, methods, diag);
  long seeds[MAX_LIST];
  int ns = parse_seeds(opt->seeds, seeds, diag);
  char *guess_store = NULL, *guesses[MAX_LIST];
  int ng = opt->guesses ? split(opt->guesses, " ;", &guess_store, guesses, MAX_LIST) : 0;
  if (nm < 0 || ns < 0) {
    free(guess_store);
    return PRP_EXIT_USAGE;
  }
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_plan plans[2];
  int code = build_plans(prog, jit, opt, methods, nm, plans, diag);
  if (code == 0 && check_guesses(&plans[methods[0]].problem, guesses, ng, diag) != 0) {
    for (int i = 0; i < nm; i++) prp_plan_free(&plans[methods[i]]);
    code = PRP_EXIT_USAGE;
  }
  if (code == 0) {
    char dir[4096];
    const char *name = prog->problem.name ? prog->problem.name : "problem";
    if (opt->output) snprintf(dir, sizeof dir, "%s", opt->output);
    else snprintf(dir, sizeof dir, "results/experiments/%s", name);
    prp_experiments_table t = {name, dir, &plans[methods[0]].problem, opt->tol > 0 ? opt->tol : PRP_TRAIN_SUCCESS_TOLERANCE,
                               guesses, ng};
    int n;
    prp_experiment_run *runs = list_runs(methods, nm, ng, seeds, ns, &n);
    prp_model_check *checks[2] = {NULL, NULL};   /* as prpc run: the verdict's model check, refine's model */
    for (int i = 0; i < nm; i++) checks[i] = prp_model_check_open(prog, jit, &plans[methods[i]].problem);
    code = sweep(plans, &t, runs, n, diag);
    for (int i = 0; i < nm; i++) prp_model_check_close(checks[i]);
    free(runs);
    for (int i = 0; i < nm; i++) prp_plan_free(&plans[methods[i]]);
  }
  prp_jit_destroy(jit);
  free(guess_store);
  return code;
}
