/* The driver: `prpc COMMAND FILE`. Parses the command line and runs the
 * pipeline stages in order: parse, check, (lower, compile, train). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ast.h"
#include "check.h"
#include "diag.h"
#include "parse.h"
#include "codegen.h"
#include "relax_auto_flow.h"
#include "residual.h"
#include "build.h"
#include "repl.h"
#include "run.h"
#include "simulate.h"
#include "landscape.h"
#include "options.h"
#include "output.h"
#include "train_report.h"
#include "landscape2d.h"
#include "landscape_follow.h"
#include "dist.h"
#include "experiments.h"

static const char usage_text[] =
  "usage: prpc COMMAND [OPTIONS] FILE.prp\n"
  "\n"
  "Compiles a .prp inverse source-localization problem (PR-PINN).\n"
  "\n"
  "commands:\n"
  "  check FILE...         parse and check each FILE; print diagnostics only\n"
  "  emit --ast FILE       print the checked syntax tree\n"
  "  emit --residual FILE  print the PR-PINN residuals, their jets and every partial derivative\n"
  "  emit --llvm FILE      print the residual kernels as optimised LLVM IR (--f32: single precision)\n"
  "  emit --asm FILE       print the residual kernels as assembly for this machine\n"
  "  simulate FILE -o OUT  simulate the truth block; write its observations as CSV (default sensors.csv)\n"
  "  build FILE -o PROG    compile FILE into a standalone program that trains like run (no prpc or LLVM needed)\n"
  "  run FILE              compile the residual kernels, train, and write results, history and plots\n"
  "  repl [FILE]           interactive experiments (docs/repl.md); commands from --script FILE, or\n"
  "                        from standard input when it is not a terminal\n"
  "  experiments FILE      the sweep of docs/experiments.md: methods x initial guesses x seeds, one run\n"
  "                        each (in -o DIR, default results/experiments/PROBLEM), then table.md,\n"
  "                        table.csv and summary.txt; under mpirun the runs are spread over the ranks\n"
  "  eval FILE --state WEIGHTS [--grid NxM] [--times K] [-o DIR]\n"
  "                        the trained field of a saved state on a grid (field.pvd, VTK) and at the\n"
  "                        sensors (sensors.csv, sensors.png), as run writes them after training\n"
  "  landscape FILE --param NAME\n"
  "  landscape FILE --param NAME1,NAME2\n"
  "                        the data misfit L and dL/dNAME over a range, through the simulator, without\n"
  "                        and with relaxation (the paper's section 4); CSV, plots and a table. With two\n"
  "                        unknowns: L over a grid of both, heat maps and a verdict per relaxation level\n"
  "                        (local minima, share of the box descending to the one nearest the truth)\n"
  "  landscape FILE --follow RUN_DIR\n"
  "                        after a run: at rows of RUN_DIR/history.csv, the angle between the PINN's\n"
  "                        gradient with respect to the unknowns and the simulator's at the same point\n"
  "                        and relaxation level (0 follows the landscape, 90 unrelated, 180 against)\n"
  "\n"
  "options:\n"
  "  --color=WHEN          colour diagnostics: auto (default, on a terminal), always, never\n"
  "  --max-errors=N        stop after N errors (default 20)\n"
  "  --no-relax            the vanilla PINN of the same file (ignore the relax block)\n"
  "  --no-refine           run, experiments: no refinement after training (as 'refine 0')\n"
  "  --epochs=N            run: train N epochs instead of the file's number\n"
  "  --seed=N              run: use this seed instead of the file's\n"
  "  --output=DIR          run, landscape: the results directory (default results/PROBLEM)\n"
  "  -o PATH               build: the program; simulate: the CSV file; run, landscape: as --output\n"
  "  --quiet               run: no progress line\n"
  "  --restarts=N          run: train from N initial guesses (the file's, then drawn in the bounds)\n"
  "  --restart-workers=N   run: train N restarts at once, one per thread (default 0: one per core;\n"
  "                        1: one after the other); the results are the same\n"
  "  --guess=NAME=VALUE    run: start unknown NAME at VALUE instead of the file's guess (repeatable)\n"
  "  --methods LIST        experiments: vanilla, pr or both (default vanilla,pr)\n"
  "  --guesses LIST        experiments: initial guesses separated by spaces or ';', each NAME=V[,NAME=V]\n"
  "                        (default: the file's)\n"
  "  --seeds LIST          experiments: seeds, comma-separated (default: the file's)\n"
  "  --tol X               experiments: success when every unknown is within X of its bound width of\n"
  "                        its truth (default 0.05)\n"
  "  --param NAME[,NAME2]  landscape: the unknown to scan, or two\n"
  "  --range LO:HI         landscape: the range of the unknown (default: its bounds; one unknown only)\n"
  "  --points N            landscape: values of each unknown (default 61; 21 with two unknowns)\n"
  "  --eps LIST            landscape: smoothings added to the diffusivity (default 0,0.005,0.02)\n"
  "  --dilate LIST         landscape: factors of the dilated constant (default 1,4,10)\n"
  "  --schedule            landscape: the levels of the file's relax schedules instead (the default\n"
  "                        with two unknowns and a relax block)\n"
  "  --at LIST             landscape: where in training to take them, percent (default 0,25,50,75,100)\n"
  "  --grid N              landscape: simulator nodes per space dimension (default: the truth's)\n"
  "  --follow RUN_DIR      landscape: compare with the run in RUN_DIR (follow.csv, follow.png there,\n"
  "                        or in -o DIR)\n"
  "  --samples K           landscape --follow: history rows compared, spread over the run (default 12)\n"
  "  --grid NxM            eval: points of the field grid per space axis (default: the file's\n"
  "                        'output field grid', else 201 in 1D, 64x64 in 2D, 32x32x32 in 3D)\n"
  "  --times K             eval: times the field is written at (default: 'output field times', else 21;\n"
  "                        101 for the space-time image of a 1D problem)\n"
  "  --state FILE          eval: the weights file written by run (weights.prpstate)\n"
  "  --f32, --f64          run, emit: precision of the network and kernels (default: the file's)\n"
  "  -h, --help            show this help\n"
  "  --version             show the version of prpc and of LLVM\n"
  "\n"
  "environment:\n"
  "  PRP_STDLIB            directory of the standard library (import std.NAME)\n"
  "  PRP_CC                build: the C compiler that links programs (default: the one prp was built with)\n"
  "  NO_COLOR              if set, never colour diagnostics\n"
  "\n";

enum { MAX_FILES = 256 };

typedef struct options {
  const char *command;
  const char *file;
  const char *files[MAX_FILES];   /* check takes several files */
  int nfiles;
  const char *emit;     /* ast, residual */
  int no_relax;         /* the vanilla PINN of the same file */
  int no_refine;        /* no refinement after training */
  long epochs, seed, restarts;  /* run: overrides, -1 when not given */
  long restart_workers;         /* run: 0 one per core */
  const char *guesses[PRP_TRAIN_MAX_UNKNOWNS];
  int nguesses;
  const char *output;
  const char *program;  /* -o: the program of build, the CSV file of simulate */
  int quiet;
  int f32, f64;         /* precision of the kernels (and of the network in run) */
  int color;            /* -1 auto */
  int max_errors;
  prp_landscape_options landscape;
  prp_eval_options eval;
  prp_experiments_options experiments;
} options;

static int usage_error(const char *fmt, const char *arg) {
  char quoted[PRP_EXCERPT_CHARS + 4];
  fprintf(stderr, "prpc: error: ");
  fprintf(stderr, fmt, prp_excerpt(quoted, arg));
  fprintf(stderr, "\nTry 'prpc --help'.\n");
  return PRP_EXIT_USAGE;
}

/* --NAME=N in [min, max]: 1, or -1 after printing what is wrong. */
static int count_option(const char *a, long min, long max, long *out) {
  char *err = prp_option_count(a, min, max, out);
  if (!err) return 1;
  fprintf(stderr, "prpc: error: %s\nTry 'prpc --help'.\n", err);
  free(err);
  return -1;
}

/* 1 if a is an option (and its value is good), 0 if it is no option of prpc, -1 after
 * printing why its value is wrong. */
static int parse_option(options *o, const char *a) {
  if (strcmp(a, "--ast") == 0) o->emit = "ast";
  else if (strcmp(a, "--residual") == 0) o->emit = "residual";
  else if (strcmp(a, "--llvm") == 0) o->emit = "llvm";
  else if (strcmp(a, "--asm") == 0) o->emit = "asm";
  else if (strcmp(a, "--f32") == 0) o->f32 = 1;
  else if (strcmp(a, "--f64") == 0) o->f64 = 1;
  else if (strcmp(a, "--no-relax") == 0) o->no_relax = 1;
  else if (strcmp(a, "--no-refine") == 0) o->no_refine = 1, o->experiments.no_refine = 1;
  else if (strcmp(a, "--quiet") == 0) o->quiet = 1;
  else if (strncmp(a, "--epochs=", 9) == 0) return count_option(a, 1, PRP_OPTION_COUNT_MAX, &o->epochs);
  else if (strncmp(a, "--seed=", 7) == 0) return count_option(a, 0, PRP_OPTION_COUNT_MAX, &o->seed);
  else if (strncmp(a, "--restarts=", 11) == 0) return count_option(a, 1, PRP_TRAIN_MAX_RESTARTS, &o->restarts);
  else if (strncmp(a, "--restart-workers=", 18) == 0)
    return count_option(a, 0, PRP_TRAIN_MAX_RESTART_WORKERS, &o->restart_workers);
  else if (strncmp(a, "--guess=", 8) == 0 && o->nguesses < PRP_TRAIN_MAX_UNKNOWNS) o->guesses[o->nguesses++] = a + 8;
  else if (strncmp(a, "--guess=", 8) == 0) {
    usage_error("at most 16 --guess options, from '%s' on", a);
    return -1;
  } else if (strncmp(a, "--output=", 9) == 0) {
    if (!a[9]) {
      usage_error("%s", "--output= needs a directory name");
      return -1;
    }
    o->output = a + 9;
  }
  else if (strcmp(a, "--color=always") == 0) o->color = 1;
  else if (strcmp(a, "--color=never") == 0) o->color = 0;
  else if (strcmp(a, "--color=auto") == 0) o->color = -1;
  else if (strncmp(a, "--color=", 8) == 0) {
    usage_error("--color: expected always, never or auto, not '%s'", a + 8);
    return -1;
  } else if (strncmp(a, "--max-errors=", 13) == 0) {
    long n;
    if (count_option(a, 1, 10000, &n) < 0) return -1;
    o->max_errors = (int)n;
  } else return 0;
  return 1;
}

/* eval's --state, --grid and --times (before landscape's --grid): 1 taken, 0 not
 * eval's, -1 bad. */
static int parse_eval_arg(options *o, int argc, char **argv, int *i) {
  static const char *const names[] = {"--state", "--grid", "--times"};
  const char *a = argv[*i];
  for (int k = 0; k < 3; k++) {
    size_t len = strlen(names[k]);
    if (strncmp(a, names[k], len) != 0 || (a[len] && a[len] != '=')) continue;
    const char *value = a[len] == '=' ? a + len + 1 : *i + 1 < argc ? argv[++*i] : NULL;
    if (!value || !*value) return usage_error("%s needs a value", names[k]), -1;
    if (k == 0) o->eval.state = value;
    else if (k == 1) o->eval.grid = value;
    else {
      size_t size = strlen(value) + sizeof "--times=";
      char *arg = prp_xmalloc(size, 1);
      snprintf(arg, size, "--times=%s", value);
      char *err = prp_option_count(arg, 1, PRP_OPTION_COUNT_MAX, &o->eval.times);
      free(arg);
      int bad = err != NULL;
      free(err);
      if (bad) return usage_error("--times expects a whole number from 1 to 1000000000, not '%s'", value), -1;
    }
    return 1;
  }
  return 0;
}

/* Fills o from argv; returns -1 to go on, or an exit code. */
static int parse_command_line(options *o, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(usage_text, stdout);
      prp_dist_help(stdout, "prpc run FILE");
      prp_exit_codes_help(stdout, 1);
      return PRP_EXIT_OK;
    }
    if (strcmp(a, "--version") == 0) {
      printf("prpc %s (LLVM %s)\n", PRP_VERSION, PRP_LLVM_VERSION);
      return PRP_EXIT_OK;
    }
    if (strcmp(a, "-o") == 0) {
      if (i + 1 >= argc) return usage_error("%s", "-o needs a file name");
      o->program = argv[++i];
      continue;
    }
    if (o->command && strcmp(o->command, "eval") == 0) {
      int eval_arg = parse_eval_arg(o, argc, argv, &i);
      if (eval_arg < 0) return PRP_EXIT_USAGE;
      if (eval_arg) continue;
    }
    int experiments_arg = prp_experiments_parse_arg(&o->experiments, argc, argv, &i);
    if (experiments_arg < 0) return PRP_EXIT_USAGE;
    if (experiments_arg) continue;
    int landscape_arg = prp_landscape_parse_arg(&o->landscape, argc, argv, &i);
    if (landscape_arg < 0) return PRP_EXIT_USAGE;
    if (landscape_arg) continue;
    if (a[0] == '-' && a[1]) {
      int known = parse_option(o, a);
      if (known < 0) return PRP_EXIT_USAGE;
      if (!known) return usage_error("unknown option '%s'", a);
    } else if (!o->command) o->command = a;
    else if (o->nfiles < MAX_FILES) o->files[o->nfiles++] = a;
    else return usage_error("too many files, from '%s' on", a);
  }
  if (!o->command) return usage_error("%s", "no command given");
  o->file = o->nfiles ? o->files[0] : NULL;
  if (o->nfiles > 1 && strcmp(o->command, "check") != 0)
    return usage_error("'%s' takes one file", o->command);
  return -1;
}

static int color_for(const options *o) {
  if (o->color >= 0) return o->color;
  return getenv("NO_COLOR") == NULL && isatty(fileno(stderr));
}

/* Parses and checks o->file; NULL (with diagnostics printed) if it has errors. */
static ast_program *front_end(const options *o, prp_diag *diag) {
  ast_program *prog = prp_parse_file(o->file, diag);
  if (prog && diag->errors == 0) prp_check_program(prog, diag);
  if (diag->errors == 0) return prog;
  if (diag->errors > 0 && diag->errors <= diag->max_errors)
    fprintf(stderr, "%d error%s\n", diag->errors, diag->errors == 1 ? "" : "s");
  ast_program_free(prog);
  return NULL;
}

/* Prints the residual kernels of prog as optimised LLVM IR or assembly. */
static int emit_kernels(const options *o, const ast_program *prog) {
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_residuals r;
  prp_residuals_build(prog, !o->no_relax, &r);
  prp_kernel_plan plan;
  prp_kernel_plan_build(&r, o->f32 ? PRP_ELEM_F32 : PRP_ELEM_F64, &plan);
  char err[512];
  int rc = strcmp(o->emit, "llvm") == 0 ? prp_codegen_emit_ir(jit, plan.specs, plan.n, stdout, err, sizeof err)
                                        : prp_codegen_emit_asm(jit, plan.specs, plan.n, stdout, err, sizeof err);
  if (rc != 0) prp_internal_error("cannot emit the kernels: %s", err);
  prp_kernel_plan_free(&plan);
  prp_residuals_free(&r);
  prp_jit_destroy(jit);
  return PRP_EXIT_OK;
}

/* prpc simulate: the truth block's observations, written as a sensor file. */
static int simulate_command(const options *o, const ast_program *prog, prp_diag *diag) {
  prp_jit *jit = prp_jit_create();
  if (!jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  prp_observations obs;
  int code = prp_simulate_truth(prog, jit, diag, &obs);
  const char *path = o->program ? o->program : o->output ? o->output : "sensors.csv";
  char *err = code ? NULL : prp_observations_write_csv(prog, &obs, path);
  if (err) {
    prp_error_plain(diag, "%s", err);
    free(err);
    code = PRP_EXIT_IO;
  }
  if (!code && !o->quiet) printf("%zu observations written to %s (noise std %g)\n", obs.n, path, obs.noise_std);
  prp_observations_free(&obs);
  prp_jit_destroy(jit);
  return code;
}

/* Runs the front end on one file and prints what `emit` asks for. */
static int compile_one(const options *o, const char *file) {
  prp_diag diag;
  prp_diag_init(&diag, stderr, color_for(o));
  diag.max_errors = o->max_errors;
  options one = *o;
  one.file = file;
  ast_program *prog = front_end(&one, &diag);
  if (!prog) return PRP_EXIT_INPUT;
  if (o->emit && strcmp(o->emit, "ast") == 0) ast_dump(prog, stdout);
  if (o->emit && strcmp(o->emit, "residual") == 0) prp_emit_residuals(prog, !o->no_relax, stdout);
  int code = PRP_EXIT_OK;
  if (o->emit && (strcmp(o->emit, "llvm") == 0 || strcmp(o->emit, "asm") == 0)) code = emit_kernels(o, prog);
  if (strcmp(o->command, "simulate") == 0) code = simulate_command(o, prog, &diag);
  if (strcmp(o->command, "landscape") == 0) {
    prp_landscape_options lopt = o->landscape;
    lopt.output = o->program ? o->program : o->output;
    lopt.quiet = o->quiet;
    code = lopt.follow                                  ? prp_follow_command(prog, &lopt, &diag)
           : strchr(lopt.param ? lopt.param : "", ',') ? prp_landscape2d_command(prog, &lopt, &diag)
                                                       : prp_landscape_command(prog, &lopt, &diag);
  }
  if (strcmp(o->command, "eval") == 0) {
    prp_eval_options eopt = o->eval;
    eopt.output = o->program ? o->program : o->output;
    eopt.quiet = o->quiet;
    code = prp_eval_command(prog, &eopt, &diag);
  }
  if (strcmp(o->command, "experiments") == 0) {
    prp_experiments_options xopt = o->experiments;
    xopt.epochs = o->epochs;
    xopt.output = o->program ? o->program : o->output;
    xopt.precision = o->f32 ? 32 : o->f64 ? 64 : 0;
    code = prp_experiments_command(prog, &xopt, &diag);
  }
  if (strcmp(o->command, "run") == 0 || strcmp(o->command, "build") == 0) {
    const char *results = strcmp(o->command, "run") == 0 && o->program ? o->program : o->output;
    prp_plan_options popt = {.relax = !o->no_relax, .epochs = o->epochs, .seed = o->seed, .output = results,
                             .quiet = o->quiet, .precision = o->f32 ? 32 : o->f64 ? 64 : 0, .restarts = o->restarts,
                             .restart_workers = o->restart_workers, .nguesses = o->nguesses,
                             .no_refine = o->no_refine};
    memcpy(popt.guesses, o->guesses, sizeof o->guesses);
    code = strcmp(o->command, "run") == 0 ? prp_run(prog, &popt, &diag)
                                          : prp_build_command(prog, &popt, o->program, &diag);
  }
  ast_program_free(prog);
  return code;
}

static int run_command(const options *o) {
  int is_check = strcmp(o->command, "check") == 0, is_emit = strcmp(o->command, "emit") == 0;
  int is_build = strcmp(o->command, "build") == 0;
  int is_run = strcmp(o->command, "run") == 0 || strcmp(o->command, "simulate") == 0 || is_build ||
               strcmp(o->command, "landscape") == 0 || strcmp(o->command, "eval") == 0 ||
               strcmp(o->command, "experiments") == 0;
  if (!is_check && !is_emit && !is_run) return usage_error("unknown command '%s'", o->command);
  if (is_build && !o->program) return usage_error("%s", "build needs -o PROG");
  if (strcmp(o->command, "eval") == 0 && !o->eval.state) return usage_error("%s", "eval needs --state WEIGHTS (the weights.prpstate of a run)");
  if (!o->file) return usage_error("'%s' needs a FILE.prp", o->command);
  if (is_emit && !o->emit) return usage_error("%s", "emit needs what to print: --ast, --residual, --llvm or --asm");
  int worst = PRP_EXIT_OK;
  for (int i = 0; i < o->nfiles; i++) {
    int code = compile_one(o, o->files[i]);
    if (code > worst) worst = code;
  }
  return worst;
}

int main(int argc, char **argv) {
  prp_set_program_name("prpc");
  if (argc >= 2 && strcmp(argv[1], "repl") == 0) return prp_repl_main(argc - 1, argv + 1);
  prp_dist_init(&argc, &argv);   /* nothing unless started by mpirun or srun */
  options o = {.color = -1, .max_errors = 20, .epochs = -1, .seed = -1, .restarts = -1};
  int code = parse_command_line(&o, argc, argv);
  if (code < 0 && prp_dist_size() > 1 && strcmp(o.command, "run") != 0 && strcmp(o.command, "experiments") != 0)
    code = usage_error("'%s' runs in one process: start it without mpirun (run and experiments use several)", o.command);
  if (code < 0) code = run_command(&o);
  if (code != PRP_EXIT_OK) prp_dist_exit(code, NULL);   /* under MPI: ends every rank */
  prp_dist_finalize();
  return code;
}
