/* Tests of standalone binaries (`prpc build`): the problem's text form round
 * trip (runtime/train/train_serialize.c) and its errors; --epochs at run time equal
 * to a plan built for that many epochs; a built program trains bitwise like
 * `prpc run`, links no LLVM, answers --help; build errors are reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "build.h"
#include "check.h"
#include "parse.h"
#include "plan.h"
#include "run.h"
#include "train_serialize.h"

static prp_jit *jit;
static char dir[] = "/tmp/prp-build-test-XXXXXX";

/* The Poisson problem of test_train.c (u = 2 sin(pi x), q = 2), relaxed with
 * schedules whose points are partly in epochs, partly shares of training. */
static const char poisson[] =
  "problem poisson1d\nspace x in [0, 1]\nfield u(x)\nconst w = 1\nunknown q = 0.5 in [0, 5]\n"
  "pde dxx(u) = -q * w * pi^2 * sin(pi * x)\nboundary u = 0\nsensors from \"poisson1d.csv\"\n"
  "relax {\n  smoothing eps from 0.05 to 0 until 300 cosine\n  dilatation w from 2 to w until 40% linear\n"
  "  nudging eta piecewise [0 30, 100 10, 250 0] width 0.05\n}\n"
  "network mlp(16, 16) tanh\ntrain {\n optimizer adam lr 5e-3 unknowns_lr 2e-2\n epochs 2000\n"
  " collocation 128 sobol\n weights data 10, residual 0.01, boundary 10\n seed 1\n}\n";

static void write_file(const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void path_in_dir(char *buf, size_t len, const char *name) { snprintf(buf, len, "%s/%s", dir, name); }

static int shell(const char *fmt, ...) {
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int status = system(cmd);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static ast_program *load(prp_diag *diag) {
  char path[512];
  path_in_dir(path, sizeof path, "poisson1d.prp");
  prp_diag_init(diag, stderr, 0);
  ast_program *prog = prp_parse_file(path, diag);
  assert_non_null(prog);
  assert_int_equal(prp_check(prog, diag), 0);
  return prog;
}

static prp_plan_options options(long epochs, const char *output) {
  return (prp_plan_options){.relax = 1, .epochs = epochs, .seed = -1, .output = output, .quiet = 1};
}

/* ---- round trip ------------------------------------------------------------------------ */

static void assert_same_string(const char *a, const char *b) {
  if (!a || !b) assert_ptr_equal(a, b);
  else assert_string_equal(a, b);
}

/* Equal field by field: strings by content, observations by value, everything
 * else (numbers, tables, padding of the zeroed structs) byte for byte. */
static void assert_same_problem(const prp_train_problem *a, const prp_train_problem *b) {
  static prp_train_problem ca, cb;
  memcpy(&ca, a, sizeof ca);
  memcpy(&cb, b, sizeof cb);
  const char **sa[] = {&ca.coord_names[0], &ca.coord_names[1], &ca.coord_names[2], &ca.coord_names[3],
                       &ca.field_name, &ca.problem_name, &ca.output_dir};
  const char **sb[] = {&cb.coord_names[0], &cb.coord_names[1], &cb.coord_names[2], &cb.coord_names[3],
                       &cb.field_name, &cb.problem_name, &cb.output_dir};
  for (size_t i = 0; i < sizeof sa / sizeof sa[0]; i++) { assert_same_string(*sa[i], *sb[i]); *sa[i] = *sb[i] = NULL; }
  for (int t = 0; t < PRP_TRAIN_MAX_TERMS; t++) {
    assert_same_string(ca.terms[t].name, cb.terms[t].name);
    ca.terms[t].name = cb.terms[t].name = NULL;
    ca.terms[t].kernel = cb.terms[t].kernel = NULL;
    ca.terms[t].kernel_f32 = cb.terms[t].kernel_f32 = NULL;
  }
  for (int u = 0; u < PRP_TRAIN_MAX_UNKNOWNS; u++) {
    assert_same_string(ca.unknowns[u].name, cb.unknowns[u].name);
    ca.unknowns[u].name = cb.unknowns[u].name = NULL;
  }
  for (int k = 0; k < PRP_TRAIN_MAX_SCALARS; k++) {
    assert_same_string(ca.schedules[k].name, cb.schedules[k].name);
    ca.schedules[k].name = cb.schedules[k].name = NULL;
  }
  assert_int_equal(a->n_obs, b->n_obs);
  if (a->n_obs) {
    assert_memory_equal(a->obs_x, b->obs_x, a->n_obs * (size_t)a->n_inputs * sizeof(double));
    assert_memory_equal(a->obs_u, b->obs_u, a->n_obs * sizeof(double));
  }
  ca.obs_x = cb.obs_x = ca.obs_u = cb.obs_u = NULL;
  assert_memory_equal(&ca, &cb, sizeof ca);
}

static prp_train_problem *round_trip(const prp_train_problem *pb, const prp_train_meta *meta, prp_train_meta *back) {
  size_t size;
  char *text = prp_train_serialize(pb, meta, &size);
  assert_int_equal(strlen(text), size);
  prp_train_problem *copy = calloc(1, sizeof *copy);
  char *err = prp_train_deserialize(text, size, copy, back);
  if (err) fail_msg("%s", err);
  /* writing the copy gives the same text */
  size_t size2;
  char *text2 = prp_train_serialize(copy, back, &size2);
  assert_string_equal(text, text2);
  free(text);
  free(text2);
  return copy;
}

static void test_round_trip_of_a_plan(void **state) {
  prp_diag diag;
  ast_program *prog = load(&diag);
  prp_plan plan;
  prp_plan_options opt = options(-1, NULL);
  assert_int_equal(prp_plan_build(prog, jit, &opt, &diag, &plan), 0);
  assert_true(plan.problem.n_obs == 9 && plan.problem.n_terms >= 3 && plan.problem.has_schedule[PRP_SCALAR_ETA]);
  prp_train_meta back;
  prp_train_problem *copy = round_trip(&plan.problem, NULL, &back);
  assert_same_problem(&plan.problem, copy);
  assert_null(copy->terms[0].kernel);
  assert_null(back.producer);
  assert_true(isnan(back.epochs.until_epochs[0]) && back.epochs.log_every_auto == 0);
  prp_train_problem_free(copy);
  prp_train_meta_free(&back);
  free(copy);
  prp_plan_free(&plan);
  ast_program_free(prog);
}

/* Every kind of value: infinities, NaN, a schedule table, awkward strings, no
 * observations, the largest seed. */
static void test_round_trip_of_odd_values(void **state) {
  static prp_train_problem pb;
  memset(&pb, 0, sizeof pb);
  pb.n_inputs = 2;
  pb.coord_names[0] = "x";
  pb.coord_names[1] = "t \"quoted\"\n\\ and \x01 tab\t";
  pb.problem_name = "p\xc3\xa9 ";
  pb.field_name = "";
  pb.n_terms = 2;
  pb.terms[1].name = "boundary x=0";
  pb.terms[1].weight = 0.1;
  pb.terms[1].spec.second[3][1] = 200;
  pb.terms[1].spec.lap = 5;
  pb.terms[1].jet_slot[15] = -3;
  pb.n_unknowns = 1;
  pb.unknowns[0] = (prp_train_unknown){"q", 1e-310, -INFINITY, INFINITY, PRP_TRANSFORM_POSITIVE, NAN};
  pb.has_schedule[3] = 1;
  pb.schedules[3].name = "sigma";
  pb.schedules[3].shape = PRP_SHAPE_TABLE;
  for (int i = 0; i <= 256; i++) pb.schedules[3].table[i] = sin(i * 0.1);
  pb.seed = UINT64_MAX;
  pb.lr = 0.1;
  pb.single = 1;
  pb.restarts = 3;
  pb.strict_epochs = 4000;
  pb.strict_resample = 100;
  pb.refine_steps = 30;
  prp_train_meta meta = {.producer = "prpc test", .source = NULL};
  prp_train_epoch_rules_none(&meta.epochs);
  meta.epochs.until_epochs[3] = 250;
  meta.epochs.log_every_auto = 1;
  prp_train_meta back;
  prp_train_problem *copy = round_trip(&pb, &meta, &back);
  assert_true(isnan(copy->unknowns[0].truth) && copy->unknowns[0].hi == INFINITY);
  /* NaN's bits may differ in sign; the rest must match exactly */
  copy->unknowns[0].truth = pb.unknowns[0].truth;
  assert_same_problem(&pb, copy);
  assert_string_equal(back.producer, "prpc test");
  assert_null(back.source);
  assert_true(back.epochs.until_epochs[3] == 250 && isnan(back.epochs.until_epochs[2]) && back.epochs.log_every_auto);
  prp_train_problem_free(copy);
  prp_train_meta_free(&back);
  free(copy);
}

static void assert_rejected(const char *text, const char *fragment) {
  prp_train_problem pb;
  prp_train_meta meta;
  char *err = prp_train_deserialize(text, strlen(text), &pb, &meta);
  assert_non_null(err);
  if (!strstr(err, fragment)) fail_msg("'%s' lacks '%s'", err, fragment);
  free(err);
  assert_null(pb.problem_name);
  assert_null(meta.producer);
}

static void test_bad_blobs_are_rejected(void **state) {
  static prp_train_problem pb;
  memset(&pb, 0, sizeof pb);
  pb.n_inputs = 1;
  pb.problem_name = "p";
  pb.n_obs = 2;
  double x[2] = {0.25, 0.5}, u[2] = {1, 2};
  pb.obs_x = x;
  pb.obs_u = u;
  prp_train_meta meta = {.producer = "me"};
  prp_train_epoch_rules_none(&meta.epochs);
  size_t size;
  char *text = prp_train_serialize(&pb, &meta, &size);
  assert_rejected("hello 1\n", "not a problem description");
  assert_rejected("prp-train-problem 6\n", "out of range");   /* a version after this one */
  /* cut short before the last key */
  char *cut = strndup(text, (size_t)(strstr(text, "\nend") - text));
  assert_rejected(cut, "ends before");
  free(cut);
  char *more = malloc(size + 8);
  snprintf(more, size + 8, "%sextra", text);
  assert_rejected(more, "text after the end");
  free(more);
  char *bad = strdup(text);
  char *n_terms = strstr(bad, "n_terms 0");
  n_terms[8] = '9';                                 /* n_terms 9 ... then no term sections */
  assert_rejected(bad, "expected 'term'");
  n_terms[8] = 'x';
  assert_rejected(bad, "not a whole number");
  free(bad);
  /* a huge observation count must not allocate what the text cannot hold */
  char *n_obs = strstr(text, "n_obs 2\n");
  assert_non_null(n_obs);
  size_t at = (size_t)(n_obs - text);
  char *huge = malloc(size + 32);
  snprintf(huge, size + 32, "%.*sn_obs 900000000000%s", (int)at, text, text + at + 7);
  assert_rejected(huge, "cannot fit");
  free(huge);
  /* a size that stops inside the text reads only that much */
  prp_train_problem back;
  char *err = prp_train_deserialize(text, size / 2, &back, NULL);
  assert_non_null(err);
  free(err);
  free(text);
}

/* ---- epochs at run time ------------------------------------------------------------------ */

/* A plan built for 2000 epochs, serialised with its rules and set to N epochs,
 * equals a plan built for N epochs (what `prpc run --epochs=N` trains). */
static void test_set_epochs_matches_the_plan(void **state) {
  prp_diag diag;
  ast_program *prog = load(&diag);
  char out[512];
  path_in_dir(out, sizeof out, "bin");
  prp_plan built, direct;
  prp_plan_options opt = options(-1, NULL);
  assert_int_equal(prp_plan_build(prog, jit, &opt, &diag, &built), 0);
  char obj[512];
  path_in_dir(obj, sizeof obj, "problem.o");
  char err[512];
  assert_int_equal(prp_build_object(jit, prog, &built, "poisson1d.prp", obj, err, sizeof err), 0);
  assert_int_equal(unlink(obj), 0);
  long counts[] = {200, 777, 50000};
  for (int i = 0; i < 3; i++) {
    opt = options(counts[i], NULL);
    assert_int_equal(prp_plan_build(prog, jit, &opt, &diag, &direct), 0);
    /* what build.c stores: the serialised plan with its rules */
    size_t size;
    prp_train_meta meta = {0};
    prp_train_epoch_rules_none(&meta.epochs);
    meta.epochs.log_every_auto = 1;
    meta.epochs.until_epochs[PRP_SCALAR_EPS] = 300;
    meta.epochs.at_epochs[PRP_SCALAR_ETA][0] = 0;
    meta.epochs.at_epochs[PRP_SCALAR_ETA][1] = 100;
    meta.epochs.at_epochs[PRP_SCALAR_ETA][2] = 250;
    char *text = prp_train_serialize(&built.problem, &meta, &size);
    prp_train_problem copy;
    prp_train_meta back;
    assert_null(prp_train_deserialize(text, size, &copy, &back));
    prp_train_set_epochs(&copy, &back.epochs, (int)counts[i]);
    assert_same_problem(&direct.problem, &copy);
    prp_train_problem_free(&copy);
    prp_train_meta_free(&back);
    free(text);
    prp_plan_free(&direct);
  }
  prp_plan_free(&built);
  ast_program_free(prog);
}

/* ---- the built program ------------------------------------------------------------------- */

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot read %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *text = calloc((size_t)n + 1, 1);
  assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  return text;
}

/* result.json without its "seconds" line (the only thing that may differ). */
static char *result_without_time(const char *path) {
  char *text = slurp(path);
  char *line = strstr(text, "\"seconds\"");
  assert_non_null(line);
  while (line > text && line[-1] != '\n') line--;
  char *next = strchr(line, '\n');
  memmove(line, next + 1, strlen(next + 1) + 1);
  return text;
}

static void assert_same_file(const char *a_dir, const char *b_dir, const char *name) {
  char a[600], b[600];
  snprintf(a, sizeof a, "%s/%s", a_dir, name);
  snprintf(b, sizeof b, "%s/%s", b_dir, name);
  if (strcmp(name, "result.json") != 0) {
    assert_int_equal(shell("cmp -s '%s' '%s'", a, b), 0);   /* byte for byte, binary files too */
    return;
  }
  char *ta = result_without_time(a), *tb = result_without_time(b);
  assert_true(strlen(ta) > 20);
  assert_string_equal(ta, tb);
  free(ta);
  free(tb);
}

/* Builds with the given precision (0: the file's), then trains 200 epochs (and the
 * file's strict phase: `total` in all) with `prpc run` and with the program (extra
 * options: both ways), and compares the files of `sub` (a restart's subdirectory or ""). */
static void build_and_compare(int precision, long restarts, const char *extra, const char *sub, long total) {
  prp_diag diag;
  ast_program *prog = load(&diag);
  char program[512], run_out[512], bin_out[512], a[700], b[600];
  path_in_dir(program, sizeof program, "poisson");
  path_in_dir(run_out, sizeof run_out, "run-out");
  path_in_dir(bin_out, sizeof bin_out, "bin-out");
  prp_plan_options opt = options(-1, NULL);
  opt.precision = precision;
  assert_int_equal(prp_build_command(prog, &opt, program, &diag), PRP_EXIT_OK);
  assert_int_equal(access(program, X_OK), 0);

  opt = options(200, run_out);
  opt.precision = precision;
  opt.restarts = restarts;
  assert_int_equal(prp_run(prog, &opt, &diag), PRP_EXIT_OK);
  assert_int_equal(shell("'%s' --epochs=200 --quiet '--output=%s' %s > '%s/stdout'", program, bin_out, extra, dir), 0);
  snprintf(a, sizeof a, "%s%s", run_out, sub);
  snprintf(b, sizeof b, "%s%s", bin_out, sub);
  assert_same_file(a, b, "history.csv");
  assert_same_file(a, b, "result.json");
  assert_same_file(a, b, "weights.prpstate");
  snprintf(a, sizeof a, "%s/history.csv", b);
  char *history = slurp(a);
  char last[64], trained[64];
  snprintf(last, sizeof last, "\n%ld,", total - 1);   /* logged every epoch */
  snprintf(trained, sizeof trained, "poisson1d: trained after %ld epochs", total);
  assert_non_null(strstr(history, last));
  free(history);
  path_in_dir(a, sizeof a, "stdout");
  char *summary = slurp(a);
  assert_non_null(strstr(summary, restarts > 1 ? "best (lowest loss): restart" : trained));
  free(summary);
  shell("rm -rf '%s' '%s' '%s/stdout'", run_out, bin_out, dir);
  ast_program_free(prog);
}

static void test_built_program_trains_like_run(void **state) {
  build_and_compare(0, -1, "", "", 200);
  char program[512];
  path_in_dir(program, sizeof program, "poisson");
  /* no LLVM at run time; the help names the problem and the options */
  assert_int_equal(shell("readelf -d '%s' | grep -q NEEDED", program), 0);
  assert_int_equal(shell("readelf -d '%s' | grep -qi llvm", program), 1);
  assert_int_equal(shell("'%s' --help | grep -q -- '--epochs=N'", program), 0);
  assert_int_equal(shell("'%s' --version | grep -q 'built by prpc'", program), 0);
  assert_int_equal(shell("'%s' --frobnicate 2>/dev/null", program), 2);
  assert_int_equal(shell("'%s' --guess=nope=1 2>/dev/null", program), 2);
  assert_int_equal(shell("'%s' --guess=q=9 2>&1 | grep -q 'outside its bounds'", program), 0);
  unlink(program);
}

static void test_built_program_f32_and_restarts(void **state) {
  build_and_compare(32, -1, "", "", 200);
  build_and_compare(0, 2, "--restarts=2", "/restart_1", 200);
  char program[512];
  path_in_dir(program, sizeof program, "poisson");
  unlink(program);
}

/* `strict 20 resample 5` travels into the program: 220 epochs, as prpc run trains them. */
static void test_built_program_strict_phase(void **state) {
  char strict[sizeof poisson + 64];
  const char *seed = strstr(poisson, " seed 1\n");
  assert_non_null(seed);
  snprintf(strict, sizeof strict, "%.*s strict 20 resample 5\n%s", (int)(seed - poisson), poisson, seed);
  write_file("poisson1d.prp", strict);
  build_and_compare(0, -1, "", "", 220);
  char program[512], out[600];
  path_in_dir(program, sizeof program, "poisson");
  path_in_dir(out, sizeof out, "strict-out");
  assert_int_equal(shell("'%s' --epochs=10 --quiet '--output=%s' > /dev/null", program, out), 0);
  assert_int_equal(shell("grep -q '\"strict_epochs\": 20' '%s/result.json'", out), 0);
  assert_int_equal(shell("grep -q '^29,' '%s/history.csv'", out), 0);
  shell("rm -rf '%s'", out);
  unlink(program);
  write_file("poisson1d.prp", poisson);
}

/* Number of entries in dir, to see that a failed build leaves nothing behind. */
static int entries(void) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

static void test_build_errors(void **state) {
  prp_diag diag;
  ast_program *prog = load(&diag);
  prp_plan_options opt = options(-1, NULL);
  char path[512];
  int before = entries();
  assert_int_equal(prp_build_command(prog, &opt, NULL, &diag), PRP_EXIT_USAGE);
  path_in_dir(path, sizeof path, "no/such/dir/prog");
  assert_int_equal(prp_build_command(prog, &opt, path, &diag), PRP_EXIT_IO);
  assert_int_equal(prp_build_command(prog, &opt, dir, &diag), PRP_EXIT_IO);   /* a directory */
  path_in_dir(path, sizeof path, "prog");
  setenv("PRP_CC", "/nonexistent/cc", 1);
  assert_int_equal(prp_build_command(prog, &opt, path, &diag), PRP_EXIT_RUNTIME);
  setenv("PRP_CC", "false", 1);                                                      /* a failing link */
  assert_int_equal(prp_build_command(prog, &opt, path, &diag), PRP_EXIT_RUNTIME);
  unsetenv("PRP_CC");
  setenv("PRP_MAIN_LIB", "/nonexistent/libprpmain.a", 1);
  assert_int_equal(prp_build_command(prog, &opt, path, &diag), PRP_EXIT_RUNTIME);
  unsetenv("PRP_MAIN_LIB");
  assert_int_equal(access(path, F_OK), -1);
  assert_int_equal(entries(), before);
  assert_true(diag.errors >= 6);
  ast_program_free(prog);
}

static int setup(void **state) {
  jit = prp_jit_create();
  if (!jit || !mkdtemp(dir)) return -1;
  write_file("poisson1d.prp", poisson);
  char csv[1024] = "x,u\n";
  for (int i = 1; i < 10; i++)
    snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "%.17g,%.17g\n", i / 10.0, 2 * sin(M_PI * i / 10.0));
  write_file("poisson1d.csv", csv);
  return 0;
}

static int teardown(void **state) {
  prp_jit_destroy(jit);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
  setenv("PRP_STDLIB", PRP_STDLIB_DIR, 0);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip_of_a_plan),
    cmocka_unit_test(test_round_trip_of_odd_values),
    cmocka_unit_test(test_bad_blobs_are_rejected),
    cmocka_unit_test(test_set_epochs_matches_the_plan),
    cmocka_unit_test(test_built_program_trains_like_run),
    cmocka_unit_test(test_built_program_f32_and_restarts),
    cmocka_unit_test(test_built_program_strict_phase),
    cmocka_unit_test(test_build_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
