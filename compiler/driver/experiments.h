/* `prpc experiments FILE`: the sweep examples/experiments.sh runs, as a command:
 * methods (vanilla PINN, PR-PINN) x initial guesses x seeds, each a training run in
 * its own directory, then table.md, table.csv and summary.txt (experiments_table.c).
 * Under mpirun the runs are dealt to the ranks and rank 0 writes the tables. */
#ifndef PRP_EXPERIMENTS_H
#define PRP_EXPERIMENTS_H
#include "ast.h"
#include "diag.h"
#include "train.h"

typedef struct {
  const char *guesses;   /* --guesses: "xs=0.1,ys=0.2 xs=0.9,ys=0.9" (or ';' between guesses); NULL: the file's */
  const char *seeds;     /* --seeds: "1,2"; NULL: the file's seed */
  const char *methods;   /* --methods: "vanilla,pr" (default both) */
  double tol;            /* --tol: success tolerance, share of the bound width (default 0.05) */
  long epochs;           /* > 0 overrides the file */
  const char *output;    /* the sweep's directory (default results/experiments/PROBLEM) */
  int precision;         /* 32, 64, or 0: the file's */
  int no_refine;         /* --no-refine */
} prp_experiments_options;

/* One run of the sweep and what it gave (what rank 0 gathers). */
typedef struct {
  int method;            /* 0 vanilla, 1 PR-PINN */
  int guess;             /* index into the guess list (-1: the file's) */
  long seed;
  int ran;               /* trained (result filled) */
  char error[256];       /* prp_train_run's error, "" if none */
  int epochs_to_success; /* first epoch from which every unknown stays within tol of its truth; -1 none */
  prp_train_result result;
} prp_experiment_run;

/* The sweep's table and summary; the problem of each method's plan (for names,
 * bounds and truths: the same in both). */
typedef struct {
  const char *problem_name, *dir;
  const prp_train_problem *pb;
  double tol;
  char **guesses;        /* the guess list's texts ("xs=0.1,ys=0.2") */
  int nguesses;
} prp_experiments_table;

/* --guesses, --seeds, --methods, --tol (with '=' or as two words): 1 taken, 0 not
 * one of these, -1 after printing what is wrong. */
int prp_experiments_parse_arg(prp_experiments_options *o, int argc, char **argv, int *i);

int prp_experiments_command(const ast_program *prog, const prp_experiments_options *opt, prp_diag *diag);

/* Writes table.md, table.csv and summary.txt into t->dir and prints a line per run
 * and the summary; NULL or a malloc'd error. */
char *prp_experiments_write(const prp_experiments_table *t, const prp_experiment_run *runs, int n);

/* The run directory's name: METHOD-GUESS-sSEED with '=' and ',' as '_' (as the
 * script named them). */
void prp_experiment_run_name(const prp_experiments_table *t, const prp_experiment_run *r, char *buf, size_t size);
const char *prp_experiment_method_name(int method);

#endif
