/* The REPL's commands: one input line is split into words, then either run as
 * a command (load, show, set, train, eval, plot, sweep, ...) or, if it starts
 * with a declaration keyword, spliced into the problem (repl_problem.c). Every
 * error is a located diagnostic; none ends the session. */
#include "repl_state.h"
#include "util.h"
#include "output.h"
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "codegen.h"
#include "field_export.h"
#include "residual.h"
#include "run.h"
#include "source.h"

enum { MAX_WORDS = 64 };
enum { QUIT = 2 };   /* a handler's result: leave the session (0 done, -1 an error) */

typedef struct {
  prp_source *src;           /* the line, at its line number */
  int lineno;
  const char *line;
  int n;
  char *word[MAX_WORDS];
  int col[MAX_WORDS], len[MAX_WORDS];   /* columns (code points) and byte lengths */
  size_t start[MAX_WORDS];              /* byte offsets in line */
} input;

static const char *const show_whats[] = {"state", "unknowns", "losses", "relax", "options", "source", NULL};
static const char *const emit_whats[] = {"residual", "llvm", "asm", "ast", NULL};
static const char *const plot_whats[] = {"loss", "unknowns", "relax", "field", NULL};

/* ---- input ---------------------------------------------------------------------- */

static void split(input *in, const char *line) {
  in->line = line;
  in->n = 0;
  size_t i = 0;
  while (line[i] && in->n < MAX_WORDS) {
    while (line[i] && isspace((unsigned char)line[i])) i++;
    if (!line[i]) break;
    size_t b = i;
    while (line[i] && !isspace((unsigned char)line[i])) i++;
    in->start[in->n] = b;
    in->len[in->n] = (int)(i - b);
    in->col[in->n] = prp_utf8_column(line, b);
    in->word[in->n] = prp_xstrndup(line + b, i - b);
    in->n++;
  }
}

/* Where word i is on the line; past the last word, the end of the line. */
static prp_loc word_loc(const input *in, int i) {
  if (i >= in->n) {
    int end = prp_utf8_column(in->line, strlen(in->line));
    return (prp_loc){in->src, in->lineno, end, in->lineno, end};
  }
  return (prp_loc){in->src, in->lineno, in->col[i], in->lineno, in->col[i] + in->len[i] - 1};
}

/* The rest of the line from word i on. */
static const char *rest(const input *in, int i) { return in->line + in->start[i]; }

static int need_problem(prp_repl *r, const input *in) {
  if (r->prog) return 1;
  prp_error(&r->diag, word_loc(in, 0), "no problem is loaded; load a file first");
  return 0;
}

static int need_args(prp_repl *r, const input *in, int min, int max, const char *usage) {
  if (in->n - 1 >= min && in->n - 1 <= max) return 1;
  prp_error(&r->diag, word_loc(in, in->n - 1 >= min ? max + 1 : 0), "usage: %s", usage);
  return 0;
}

/* A whole number >= min in word i; 1 on success. */
static int count_arg(prp_repl *r, const input *in, int i, long min, long *out) {
  char *end;
  long v = strtol(in->word[i], &end, 10);
  if (*end || v < min || v > 100000000L) {
    prp_error(&r->diag, word_loc(in, i), "expected a whole number >= %ld", min);
    return 0;
  }
  *out = v;
  return 1;
}

/* ---- commands ----------------------------------------------------------------------
 * Each runs after the checks its entry in the table below asks for (a problem
 * is loaded, the number of arguments). */

static int cmd_emit(prp_repl *r, const input *in) {
  const char *what = in->word[1];
  if (strcmp(what, "residual") == 0) return prp_emit_residuals(r->prog, r->relax, r->out);
  if (strcmp(what, "ast") == 0) {
    ast_dump(r->prog, r->out);
    return 0;
  }
  int llvm = strcmp(what, "llvm") == 0;
  if (!llvm && strcmp(what, "asm") != 0) {
    prp_error(&r->diag, word_loc(in, 1), "emit prints residual, llvm, asm or ast");
    return -1;
  }
  char err[512];
  const prp_kernel_plan *kp = &r->plan->kernels;
  int rc = llvm ? prp_codegen_emit_ir(r->jit, kp->specs, kp->n, r->out, err, sizeof err)
                : prp_codegen_emit_asm(r->jit, kp->specs, kp->n, r->out, err, sizeof err);
  if (rc != 0) prp_internal_error("cannot emit the kernels: %s", err);
  return 0;
}

static int cmd_train(prp_repl *r, const input *in) {
  long n;
  if (in->n == 2) {
    if (!count_arg(r, in, 1, 1, &n)) return -1;
  } else {
    n = prp_train_total_epochs(&r->plan->problem) - repl_epoch(r);
    if (n <= 0) {
      prp_error(&r->diag, word_loc(in, 0), "all %ld planned epochs are done; say how many more (train N)",
                prp_train_total_epochs(&r->plan->problem));
      return -1;
    }
  }
  return repl_train(r, n) < 0 ? -1 : 0;
}

/* Numbers of the form u(0.5, 0.2) u(0.7, 0.2) or 0.5 0.2 0.7 0.2, grouped by the
 * field's arity; malloc'd, NULL if the text is not of that form. */
static double *field_points(const char *p, const prp_train_problem *pb, size_t *count) {
  const char *field = pb->field_name;
  size_t cap = 16, n = 0, group = (size_t)-1;   /* where the numbers of the last u(...) began */
  double *x = prp_xmalloc(cap * sizeof *x, 1);
  int bad = 0;
  while (*p && !bad) {
    if (isspace((unsigned char)*p) || *p == ',' || *p == '(' || *p == ')') { p++; continue; }
    if (strncmp(p, field, strlen(field)) == 0 && !isalnum((unsigned char)p[strlen(field)]) && p[strlen(field)] != '_') {
      if (group != (size_t)-1 && n - group != (size_t)pb->n_inputs) bad = 1;
      group = n;
      p += strlen(field);
      continue;
    }
    char *end;
    double v = strtod(p, &end);
    if (end == p || !isfinite(v)) { bad = 1; break; }
    if (n == cap) x = prp_xrealloc(x, (cap *= 2) * sizeof *x, 1);
    x[n++] = v;
    p = end;
  }
  if (group != (size_t)-1 && n - group != (size_t)pb->n_inputs) bad = 1;
  if (bad || n == 0 || n % (size_t)pb->n_inputs) {
    free(x);
    return NULL;
  }
  *count = n / (size_t)pb->n_inputs;
  return x;
}

static int eval_field(prp_repl *r, double *x, size_t np) {
  const prp_train_problem *pb = &r->plan->problem;
  double *u = prp_xmalloc(np * sizeof *u, 1);
  repl_field_at(r, x, np, u);
  for (size_t i = 0; i < np; i++) {
    fprintf(r->out, "  %s(", pb->field_name);
    for (int k = 0; k < pb->n_inputs; k++) fprintf(r->out, "%s%g", k ? ", " : "", x[i * (size_t)pb->n_inputs + (size_t)k]);
    fprintf(r->out, ") = %.6g\n", u[i]);
  }
  free(u);
  free(x);
  return 0;
}

static int cmd_polish(prp_repl *r, const input *in) {
  long n = r->plan->problem.lbfgs_iterations;
  if (in->n == 2 && !count_arg(r, in, 1, 1, &n)) return -1;
  if (n <= 0) {
    prp_error(&r->diag, word_loc(in, 0), "the problem sets no lbfgs iterations; say how many (polish N)");
    return -1;
  }
  return repl_polish(r, n);
}

/* eval u(0.5, 0.2) ...: the field at points; eval EXPR [at X, T]: any expression. */
static int cmd_eval(prp_repl *r, const input *in) {
  const prp_train_problem *pb = &r->plan->problem;
  const char *text = rest(in, 1), *at = strstr(text, " at ");
  size_t np;
  double *x = at ? NULL : field_points(text, pb, &np);
  if (x) return eval_field(r, x, np);
  double point[PRP_MAX_INPUTS] = {0};
  if (at) {
    double *p = field_points(at + 4, pb, &np);
    if (!p || np != 1) {
      prp_loc loc = word_loc(in, 1);
      loc.col = loc.end_col = prp_utf8_column(in->line, (size_t)(at + 4 - in->line));
      prp_error(&r->diag, loc, "expected one point of %d coordinate%s after 'at'", pb->n_inputs, pb->n_inputs == 1 ? "" : "s");
      free(p);
      return -1;
    }
    memcpy(point, p, (size_t)pb->n_inputs * sizeof *point);
    free(p);
  }
  char *expr = prp_xstrndup(text, at ? (size_t)(at - text) : strlen(text));
  int rc = repl_eval_expression(r, in->src->path, in->lineno, in->col[1], expr, point, at != NULL);
  free(expr);
  return rc;
}

/* landscape NAME LO HI [N] [FILE.png] */
static int cmd_landscape(prp_repl *r, const input *in) {
  const prp_train_problem *pb = &r->plan->problem;
  int u = -1;
  for (int k = 0; k < pb->n_unknowns; k++)
    if (strcmp(pb->unknowns[k].name, in->word[1]) == 0) u = k;
  if (u < 0) {
    prp_error(&r->diag, word_loc(in, 1), "'%s' is not an unknown of %s", in->word[1], pb->problem_name);
    return -1;
  }
  double bound[2];
  for (int i = 0; i < 2; i++) {
    char *end;
    bound[i] = strtod(in->word[2 + i], &end);
    if (*end || !isfinite(bound[i])) {
      prp_error(&r->diag, word_loc(in, 2 + i), "expected a number");
      return -1;
    }
  }
  long n = 11;
  int next = 4;
  if (in->n > 4 && isdigit((unsigned char)in->word[4][0]) && !strchr(in->word[4], '.')) {
    if (!count_arg(r, in, 4, 1, &n) ) return -1;
    next = 5;
  }
  if (n > 10000) {
    prp_error(&r->diag, word_loc(in, 4), "at most 10000 points");
    return -1;
  }
  return repl_landscape(r, u, bound[0], bound[1], (int)n, next < in->n ? in->word[next] : NULL);
}

static int cmd_write(prp_repl *r, const input *in) {
  prp_output o;
  char *err = prp_output_open(&o, in->word[1]);
  if (!err) {
    fputs(r->text, o.f);
    err = prp_output_commit(&o);
  }
  if (err) {
    prp_error(&r->diag, word_loc(in, 1), "%s", err);
    free(err);
    return -1;
  }
  fprintf(r->out, "wrote %s\n", in->word[1]);
  return 0;
}

static int cmd_show(prp_repl *r, const input *in) {
  const char *what = in->n == 2 ? in->word[1] : "state";
  for (int i = 0; show_whats[i]; i++)
    if (strcmp(show_whats[i], what) == 0) {
      repl_show_state(r, what);
      return 0;
    }
  prp_error(&r->diag, word_loc(in, 1), "show prints state, unknowns, losses, relax, options or source");
  return -1;
}

static int cmd_plot(prp_repl *r, const input *in) {
  if (in->n >= 2 && strcmp(in->word[1], "field") == 0) {
    if (!need_args(r, in, 2, 3, "plot field FILE.png [T]")) return -1;
    double t = 0;
    char *end = NULL;
    if (in->n == 4) t = strtod(in->word[3], &end);
    if (in->n == 4 && (*end || !isfinite(t))) {
      prp_error(&r->diag, word_loc(in, 3), "expected the time, a number");
      return -1;
    }
    return repl_plot_field(r, in->word[2], t, in->n == 4);
  }
  if (!need_args(r, in, 2, 2, "plot loss|unknowns|relax|field FILE.png")) return -1;
  if (strcmp(in->word[1], "loss") != 0 && strcmp(in->word[1], "unknowns") != 0 && strcmp(in->word[1], "relax") != 0) {
    prp_error(&r->diag, word_loc(in, 1), "plot draws loss, unknowns, relax or field");
    return -1;
  }
  return repl_plot(r, in->word[1], in->word[2]);
}

/* ---- sweep ---------------------------------------------------------------------------- */

/* What a sweep puts back: the text, and the trainer's parameters, epoch and history. */
typedef struct {
  char *text;
  prp_trainer_checkpoint *state;
} snapshot;

static void sweep_row(prp_repl *r, const char *value, int ok) {
  const prp_train_problem *pb = &r->plan->problem;
  fprintf(r->out, "  %-12s", value);
  if (!ok) {
    fprintf(r->out, " failed\n");
    return;
  }
  fprintf(r->out, " %-12.4e", repl_current_loss(r));
  for (int u = 0; u < pb->n_unknowns; u++) {
    double v = repl_unknown_now(r, u);
    fprintf(r->out, " %-12.6g", v);
    if (isfinite(pb->unknowns[u].truth)) fprintf(r->out, " %-12.3g", fabs(v - pb->unknowns[u].truth));
  }
  fprintf(r->out, "\n");
}

static void sweep_header(prp_repl *r, const char *name) {
  const prp_train_problem *pb = &r->plan->problem;
  fprintf(r->out, "  %-12s %-12s", name, "loss");
  for (int u = 0; u < pb->n_unknowns; u++) {
    fprintf(r->out, " %-12s", pb->unknowns[u].name);
    if (isfinite(pb->unknowns[u].truth)) {
      char err[64];
      snprintf(err, sizeof err, "|%s-truth|", pb->unknowns[u].name);
      fprintf(r->out, " %-12s", err);
    }
  }
  fprintf(r->out, "\n");
}

static void restore_snapshot(prp_repl *r, snapshot *snap) {
  if (repl_apply_text(r, snap->text, NULL) == 0) prp_trainer_checkpoint_put(r->trainer, snap->state);
  prp_trainer_checkpoint_free(snap->state);
  free(snap->text);
}

static int cmd_sweep(prp_repl *r, const input *in) {
  int last = in->n;
  long epochs = 0;
  if (in->n >= 4 && strcmp(in->word[in->n - 2], "epochs") == 0) {
    if (!count_arg(r, in, in->n - 1, 1, &epochs)) return -1;
    last = in->n - 2;
  }
  if (last < 3) {
    prp_error(&r->diag, word_loc(in, 0), "usage: sweep NAME V1 V2 ... [epochs N]");
    return -1;
  }
  snapshot snap = {prp_xstrdup(r->text), prp_trainer_checkpoint_take(r->trainer)};
  FILE *out = r->out;
  FILE *quiet = fopen("/dev/null", "w");
  int failures = 0;
  for (int i = 2; i < last; i++) {
    r->out = quiet ? quiet : out;
    int ok = repl_set(r, in->word[1], in->word[i], word_loc(in, i)) == 0, status = 0;
    if (ok) {
      repl_reset(r);
      status = repl_train(r, epochs > 0 ? epochs : prp_train_total_epochs(&r->plan->problem));
      ok = status == 0;
    }
    r->out = out;
    if (i == 2) sweep_header(r, in->word[1]);
    if (status == 1) {   /* Ctrl-C ends the whole sweep */
      fprintf(r->out, "  %-12s interrupted\n", in->word[i]);
      failures++;
      break;
    }
    sweep_row(r, in->word[i], ok);
    failures += !ok;
  }
  r->out = quiet ? quiet : out;
  restore_snapshot(r, &snap);
  r->out = out;
  if (quiet) fclose(quiet);
  return failures ? -1 : 0;
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static int edit_distance(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b);
  if (la > 30 || lb > 30) return 99;
  int d[32][32];
  for (int i = 0; i <= la; i++) d[i][0] = i;
  for (int j = 0; j <= lb; j++) d[0][j] = j;
  for (int i = 1; i <= la; i++)
    for (int j = 1; j <= lb; j++) {
      int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      d[i][j] = best;
    }
  return d[la][lb];
}

static int cmd_quit(prp_repl *r, const input *in) { return QUIT; }

static int cmd_load(prp_repl *r, const input *in) { return repl_load(r, in->word[1]); }

static int cmd_reload(prp_repl *r, const input *in) {
  char *path = prp_xstrdup(r->path);
  int rc = repl_load(r, path);
  free(path);
  return rc;
}

static int cmd_set(prp_repl *r, const input *in) { return repl_set(r, in->word[1], rest(in, 2), word_loc(in, 1)); }

static int cmd_reset(prp_repl *r, const input *in) {
  repl_reset(r);
  return 0;
}

static int cmd_save(prp_repl *r, const input *in) { return repl_save_state(r, in->word[1]); }

/* The trained field for ParaView and the fit at the sensors, as `prpc run` writes them:
 * the state is saved to DIR/weights.prpstate and exported from there (run_field.c). */
static int cmd_export(prp_repl *r, const input *in) {
  const char *dir = in->word[1];
  char *err = prp_make_dirs(dir);
  if (err) {
    repl_error(r, "%s", err);
    free(err);
    return -1;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/weights.prpstate", dir);
  if (repl_save_state(r, path) != 0) return -1;
  prp_field_grid grid;
  prp_field_grid_read(r->prog, &grid);
  if (prp_run_write_field(r->prog, r->jit, r->plan, path, &grid, dir, &r->diag) != 0) return -1;
  fprintf(r->out, "wrote %s/field.pvd, %s/sensors.csv and %s/sensors.png\n", dir, dir, dir);
  return 0;
}
static int cmd_restore(prp_repl *r, const input *in) { return repl_restore_state(r, in->word[1]); }
static int cmd_help(prp_repl *r, const input *in);

/* ---- the command table ------------------------------------------------------------------- */

typedef struct { const char *usage, *text; } command_help;   /* text: lines joined by \n */

typedef struct {
  const char *name;
  int needs_problem;
  int min_args, max_args;     /* checked before the handler; min < 0: the handler checks */
  const char *args;           /* for "usage: NAME ARGS" */
  int (*run)(prp_repl *r, const input *in);
  void (*complete)(const prp_repl *r, void (*add)(void *ctx, const char *word), void *ctx);   /* 1st argument */
  command_help help[2];       /* shown by help; none: a hidden alias */
} repl_command;

static void add_words(void (*add)(void *, const char *), void *ctx, const char *const *words) {
  for (int i = 0; words[i]; i++) add(ctx, words[i]);
}
static void complete_show(const prp_repl *r, void (*add)(void *, const char *), void *ctx) { add_words(add, ctx, show_whats); }
static void complete_emit(const prp_repl *r, void (*add)(void *, const char *), void *ctx) { add_words(add, ctx, emit_whats); }
static void complete_plot(const prp_repl *r, void (*add)(void *, const char *), void *ctx) { add_words(add, ctx, plot_whats); }

static void complete_unknown(const prp_repl *r, void (*add)(void *, const char *), void *ctx) {
  for (int i = 0; r->prog && i < r->prog->problem.nunknowns; i++) add(ctx, r->prog->problem.unknowns[i]->name);
}

static void complete_field(const prp_repl *r, void (*add)(void *, const char *), void *ctx) {
  if (r->prog && r->prog->problem.field) add(ctx, r->prog->problem.field->name);
}

static const repl_command commands[] = {
    {"help", 0, -1, 0, "", cmd_help, NULL, {{NULL, NULL}}},
    {"load", 0, 1, 1, "FILE", cmd_load, NULL, {{"load FILE", "load a problem (training starts from scratch)"}}},
    {"reload", 1, 0, 0, "", cmd_reload, NULL, {{"reload", "load the file again, dropping the edits"}}},
    {"show", 1, 0, 1, "[state|unknowns|losses|relax|options|source]", cmd_show, complete_show,
     {{"show [WHAT]", "state, unknowns, losses, relax, options or source"}}},
    {"emit", 1, 1, 1, "residual|llvm|asm|ast", cmd_emit, complete_emit,
     {{"emit WHAT", "residual, llvm, asm or ast of the current problem"}}},
    {"set", 1, 2, MAX_WORDS, "NAME VALUE", cmd_set, repl_settable_names,
     {{"set NAME VALUE", "an option (epochs, lr, seed, collocation, weight.data, ...),\n"
                         "a constant, an unknown's guess, a schedule field (eta.from),\nor relax on|off"}}},
    {"train", 1, 0, 1, "[N]", cmd_train, NULL, {{"train [N]", "N more epochs (default: up to the planned epochs)"}}},
    {"polish", 1, 0, 1, "[N]", cmd_polish, NULL,
     {{"polish [N]", "N L-BFGS iterations (default: the file's lbfgs) at the\n"
                     "schedules' end values, as after Adam in prpc run"}}},
    {"reset", 1, -1, 0, "", cmd_reset, NULL, {{"reset", "a fresh network, unknowns at their guesses, epoch 0"}}},
    {"eval", 1, 1, MAX_WORDS, "u(X, ...) ... | eval EXPR [at X, ...]", cmd_eval, complete_field,
     {{"eval u(X, ...) ...", "the field at points"},
      {"eval EXPR [at X, ...]", "any expression of the problem (dx(u), s, q * D, ...)"}}},
    {"save", 1, 1, 1, "FILE", cmd_save, NULL, {{"save FILE", "save the trained state (weights and unknowns)"}}},
    {"restore", 1, 1, 1, "FILE", cmd_restore, NULL, {{"restore FILE", "load a saved state"}}},
    {"export", 1, 1, 1, "DIR", cmd_export, NULL, {{"export DIR", "write the trained field (field.pvd, for ParaView) and the fit at the sensors"}}},
    {"write", 1, 1, 1, "FILE", cmd_write, NULL, {{"write FILE", "write the current source text, edits included"}}},
    {"plot", 1, -1, 0, "", cmd_plot, complete_plot,   /* the arguments depend on what is plotted */
     {{"plot loss|unknowns|relax FILE.png", "loss curves, unknowns' or relaxation values' trajectories"},
      {"plot field FILE.png [T]", "the field: profiles (1D) or a map at time T with the\n"
                                  "source estimate's path over the sensors (2D)"}}},
    {"landscape", 1, 3, 5, "UNKNOWN LO HI [N] [FILE.png]", cmd_landscape, complete_unknown,
     {{"landscape UNKNOWN LO HI [N] [FILE.png]", "loss and its slope along one unknown, the rest fixed"}}},
    {"sweep", 1, -1, 0, "", cmd_sweep, repl_settable_names,   /* ends in an optional `epochs N` */
     {{"sweep NAME V1 V2 ... [epochs N]", "train from scratch for each value; print a table"}}},
    {"quit", 0, -1, 0, "", cmd_quit, NULL, {{"quit", "leave (also Ctrl-D)"}}},
    {"exit", 0, -1, 0, "", cmd_quit, NULL, {{NULL, NULL}}},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

/* One form of a command: usage and text aligned in two columns, a long usage on its own line. */
static void print_help_form(FILE *out, const command_help *h) {
  if (strlen(h->usage) <= 21) fprintf(out, "  %-21s ", h->usage);
  else fprintf(out, "  %s\n%24s", h->usage, "");
  for (const char *t = h->text; *t;) {
    size_t n = strcspn(t, "\n");
    fprintf(out, "%.*s\n", (int)n, t);
    t += n;
    if (*t) fprintf(out, "%24s", ""), t++;
  }
}

static int cmd_help(prp_repl *r, const input *in) {
  fputs("commands:\n", r->out);
  for (int i = 0; i < N_COMMANDS; i++)
    for (int f = 0; f < 2 && commands[i].help[f].usage; f++)
      if (strcmp(commands[i].name, "help") != 0) print_help_form(r->out, &commands[i].help[f]);
  fputs("declarations: type one (`unknown xs = 0.3 in [0, 1]`, `const D = 0.01`, `pde ...`,\n"
        "  a relax line `nudging eta from 20 to 0 until 50% linear`, a train line\n"
        "  `epochs 2000`) to replace the one it redefines; Ctrl-C stops training.\n", r->out);
  return 0;
}

static const repl_command *find_command(const char *name) {
  for (int i = 0; i < N_COMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

static int unknown_command(prp_repl *r, const input *in) {
  prp_error(&r->diag, word_loc(in, 0), "unknown command '%s'", in->word[0]);
  const char *best = NULL;
  int best_d = 3;
  for (int i = 0; i < N_COMMANDS; i++) {
    int d = edit_distance(in->word[0], commands[i].name);
    if (d < best_d) { best_d = d; best = commands[i].name; }
  }
  if (best) prp_hint(&r->diag, word_loc(in, 0), "did you mean '%s'?", best);
  else prp_hint(&r->diag, word_loc(in, 0), "type 'help' for the commands");
  return -1;
}

static int dispatch(prp_repl *r, input *in) {
  int decl_train = strcmp(in->word[0], "train") == 0 && in->n > 1 && in->word[1][0] == '{';
  if (repl_is_declaration(in->word[0]) || decl_train) return repl_declare(r, in->src, in->lineno, in->line);
  const repl_command *c = find_command(in->word[0]);
  if (!c) return unknown_command(r, in);
  if (c->needs_problem && !need_problem(r, in)) return -1;
  char usage[128];
  snprintf(usage, sizeof usage, "%s%s%s", c->name, c->args[0] ? " " : "", c->args);
  if (c->min_args >= 0 && !need_args(r, in, c->min_args, c->max_args, usage)) return -1;
  return c->run(r, in);
}

/* The line as a source with the line at number lineno (blank lines before it). */
static prp_source *line_source(const char *where, int lineno, const char *line) {
  size_t len = strlen(line);
  char *text = prp_xmalloc((size_t)lineno + len + 2, 1);
  memset(text, '\n', (size_t)lineno - 1);
  memcpy(text + lineno - 1, line, len);
  text[lineno - 1 + len] = '\n';
  prp_source *s = prp_source_from_string(where, text, (size_t)lineno + len);
  free(text);
  return s;
}

/* Calls f on each character of text outside comments and strings, with its
 * offset; stops early if f returns nonzero. */
static size_t scan_code(const char *text, int (*f)(void *ctx, size_t at), void *ctx) {
  int in_string = 0;
  for (size_t i = 0; text[i]; i++) {
    char c = text[i];
    if (in_string) {
      in_string = c != '"' && c != '\n';
      continue;
    }
    if (c == '"') in_string = 1;
    else if (c == '#') {
      while (text[i + 1] && text[i + 1] != '\n') i++;
    } else if (f(ctx, i)) return i;
  }
  return strlen(text);
}

typedef struct { const char *text; int depth; } brace_count;

static int count_brace(void *ctx, size_t at) {
  brace_count *b = ctx;
  b->depth += b->text[at] == '{' ? 1 : b->text[at] == '}' ? -1 : 0;
  return 0;
}

int repl_open_braces(const char *text) {
  brace_count b = {text, 0};
  scan_code(text, count_brace, &b);
  return b.depth;
}

/* The text without its comments (so that `set lr 1e-3  # faster` sets 1e-3). */
static char *strip_comments(const char *text) {
  char *out = prp_xstrdup(text);
  size_t n = 0;
  int in_string = 0;
  for (size_t i = 0; text[i]; i++) {
    char c = text[i];
    if (!in_string && c == '#') {
      while (text[i + 1] && text[i + 1] != '\n') i++;
      continue;
    }
    if (c == '"') in_string = !in_string;
    if (c == '\n') in_string = 0;
    out[n++] = c;
  }
  out[n] = '\0';
  return out;
}

int prp_repl_exec(prp_repl *r, const char *line, const char *where, int lineno) {
  input in = {0};
  char *clean = strip_comments(line);
  size_t len = strlen(clean);
  while (len && isspace((unsigned char)clean[len - 1])) clean[--len] = '\0';
  split(&in, clean);
  if (in.n == 0) {
    free(clean);
    return 0;
  }
  in.lineno = lineno > 0 ? lineno : 1;
  in.src = line_source(where, in.lineno, clean);
  int rc = dispatch(r, &in);
  int errors = repl_flush_errors(r);
  for (int i = 0; i < in.n; i++) free(in.word[i]);
  prp_source_free(in.src);
  free(clean);
  if (rc == QUIT) return -1;
  return rc != 0 || errors ? 1 : 0;
}

void prp_repl_complete(const prp_repl *r, const char *line, const char *prefix,
                       void (*add)(void *ctx, const char *word), void *ctx) {
  char first[32] = "";
  int nwords = 0;
  for (const char *p = line; *p;) {
    while (*p && isspace((unsigned char)*p)) p++;
    if (!*p) break;
    if (nwords == 0) sscanf(p, "%31s", first);
    nwords++;
    while (*p && !isspace((unsigned char)*p)) p++;
  }
  int at_word = *prefix ? nwords - 1 : nwords;   /* index of the word being completed */
  if (at_word == 0) {
    for (int i = 0; i < N_COMMANDS; i++) add(ctx, commands[i].name);
    repl_declaration_words(add, ctx);
    return;
  }
  if (at_word != 1) return;
  const repl_command *c = find_command(first);
  if (c && c->complete) {
    c->complete(r, add, ctx);
  } else if (strcmp(first, "const") == 0 || strcmp(first, "unknown") == 0 || strcmp(first, "let") == 0) {
    for (int i = 0; r->prog && i < r->prog->nsymbols; i++) {
      const ast_symbol *s = r->prog->symbols[i];
      if (s->decl && !s->decl->module && (s->kind == SYM_CONST || s->kind == SYM_UNKNOWN || s->kind == SYM_LET || s->kind == SYM_FUNC))
        add(ctx, s->name);
    }
  }
}
