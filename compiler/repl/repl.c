/* The REPL's session and input: `prpc repl [FILE] [--script FILE]`. On a
 * terminal, libedit gives line editing, a history file and tab completion;
 * otherwise (a script, a pipe) each line is echoed after the prompt so that the
 * output reads as a transcript. */
#include "repl_state.h"
#include "util.h"
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <editline/readline.h>

/* ---- the session ------------------------------------------------------------- */

prp_repl *prp_repl_new(FILE *out, FILE *err, int interactive) {
  prp_repl *r = prp_xcalloc(1, sizeof *r);
  r->out = out;
  r->err = err;
  r->interactive = interactive;
  r->relax = 1;
  prp_diag_init(&r->diag, err, interactive && getenv("NO_COLOR") == NULL && isatty(fileno(err)));
  r->diag.max_errors = 20;
  r->jit = prp_jit_create();
  if (!r->jit) prp_internal_error("cannot start the JIT: %s", prp_jit_create_error());
  return r;
}

void prp_repl_free(prp_repl *r) {
  if (!r) return;
  repl_session_stop(r);
  if (r->plan) prp_plan_free(r->plan);
  free(r->plan);
  ast_program_free(r->prog);
  repl_kernels_free(r);
  prp_jit_destroy(r->jit);
  free(r->obs_key);
  free(r->obs_x);
  free(r->obs_u);
  free(r->path);
  free(r->text);
  free(r);
}

int repl_flush_errors(prp_repl *r) {
  int errors = r->diag.errors;
  r->diag.errors = r->diag.warnings = 0;
  r->diag.suppressing = 0;
  fflush(r->out);
  fflush(r->err);
  return errors;
}

void repl_error(prp_repl *r, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fflush(r->out);
  prp_error_plain(&r->diag, "%s", msg);
}

/* block + "\n" + line (or a copy of line, starting a block at line lineno). */
static char *append_line(char *block, const char *line, int *first, int lineno) {
  if (!block) {
    *first = lineno;
    return prp_xstrdup(line);
  }
  size_t n = strlen(block);
  block = prp_xrealloc(block, n + strlen(line) + 2, 1);
  sprintf(block + n, "\n%s", line);
  return block;
}

/* ---- line editing ------------------------------------------------------------------ */

static prp_repl *completing;   /* the session libedit's callbacks complete for */

typedef struct {
  char **words;
  int n, cap;
  const char *prefix;
} candidates;

static void add_candidate(void *ctx, const char *word) {
  candidates *c = ctx;
  if (strncmp(word, c->prefix, strlen(c->prefix)) != 0) return;
  for (int i = 0; i < c->n; i++)
    if (strcmp(c->words[i], word) == 0) return;
  if (c->n == c->cap) c->words = prp_xrealloc(c->words, (size_t)(c->cap = c->cap ? 2 * c->cap : 16) * sizeof *c->words, 1);
  c->words[c->n++] = prp_xstrdup(word);
}

static candidates current;
static int next_candidate;

static char *candidate_generator(const char *text, int state) {
  (void)text;
  if (state == 0) next_candidate = 0;
  return next_candidate < current.n ? prp_xstrdup(current.words[next_candidate++]) : NULL;
}

static char **complete(const char *text, int start, int end) {
  (void)end;
  for (int i = 0; i < current.n; i++) free(current.words[i]);
  current.n = 0;
  current.prefix = text;
  char *before = prp_xstrndup(rl_line_buffer, (size_t)start + strlen(text));
  prp_repl_complete(completing, before, text, add_candidate, &current);
  free(before);
  if (current.n == 0) return NULL;    /* file names, e.g. after load */
  rl_attempted_completion_over = 1;
  return rl_completion_matches(text, candidate_generator);
}

static char *history_path(void) {
  const char *env = getenv("PRP_HISTORY");
  if (env && *env) return prp_xstrdup(env);
  const char *home = getenv("HOME");
  if (!home) return NULL;
  char *path = prp_xmalloc(strlen(home) + 16, 1);
  sprintf(path, "%s/.prp_history", home);
  return path;
}

/* Ctrl-C at the prompt only abandons the line: readline returns (NULL or the
 * partial line) and the loop asks again. */
static volatile sig_atomic_t prompt_interrupted;

static void on_prompt_interrupt(int sig) {
  (void)sig;
  prompt_interrupted = 1;
  static const char nl[] = "\n";
  ssize_t w = write(STDOUT_FILENO, nl, 1);
  (void)w;
}

static int run_terminal(prp_repl *r) {
  char *hist = history_path();
  using_history();
  stifle_history(2000);
  if (hist) read_history(hist);
  completing = r;
  rl_attempted_completion_function = complete;
  struct sigaction sa = {0}, old;
  sa.sa_handler = on_prompt_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old);
  int lineno = 0, first = 0;
  char *block = NULL;   /* the lines of a declaration whose braces are still open */
  for (;;) {
    prompt_interrupted = 0;
    char *line = readline(block ? "...> " : "prp> ");
    if (prompt_interrupted) {
      free(line);
      free(block);
      block = NULL;
      continue;
    }
    if (!line) break;
    lineno++;
    if (line[strspn(line, " \t")]) {
      add_history(line);
      if (hist) write_history(hist);
    }
    block = append_line(block, line, &first, lineno);
    free(line);
    if (repl_open_braces(block) > 0) continue;
    int rc = prp_repl_exec(r, block, "<input>", first);
    free(block);
    block = NULL;
    if (rc < 0) break;
  }
  free(block);
  sigaction(SIGINT, &old, NULL);
  for (int i = 0; i < current.n; i++) free(current.words[i]);
  free(current.words);
  current = (candidates){0};
  free(hist);
  fputc('\n', r->out);
  return 0;
}

/* A script: every line echoed after the prompt; the exit code says whether any failed. */
static int run_script(prp_repl *r, FILE *in, const char *where) {
  char *line = NULL, *block = NULL;
  size_t cap = 0;
  int lineno = 0, first = 0, failed = 0;
  while (getline(&line, &cap, in) >= 0) {
    lineno++;
    line[strcspn(line, "\r\n")] = '\0';
    if (!block && !line[strspn(line, " \t")]) continue;
    fprintf(r->out, "%s%s\n", block ? "...> " : "prp> ", line);
    fflush(r->out);
    block = append_line(block, line, &first, lineno);
    if (repl_open_braces(block) > 0) continue;
    int rc = prp_repl_exec(r, block, where, first);
    free(block);
    block = NULL;
    if (rc < 0) break;
    failed |= rc;
  }
  if (block) {   /* the input ended inside a block: run it for its error */
    failed |= prp_repl_exec(r, block, where, first) != 0;
    free(block);
  }
  free(line);
  return failed ? PRP_EXIT_INPUT : PRP_EXIT_OK;
}

static int repl_usage(const char *msg) {
  fprintf(stderr, "prpc: error: %s\nusage: prpc repl [FILE.prp] [--script FILE]\n", msg);
  return PRP_EXIT_USAGE;
}

int prp_repl_main(int argc, char **argv) {
  const char *file = NULL, *script = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--script") == 0 && i + 1 < argc) script = argv[++i];
    else if (strncmp(argv[i], "--script=", 9) == 0) script = argv[i] + 9;
    else if (argv[i][0] == '-' && argv[i][1]) return repl_usage("unknown option for repl");
    else if (!file) file = argv[i];
    else return repl_usage("repl takes one problem file");
  }
  FILE *in = stdin;
  if (script && !(in = fopen(script, "r"))) {
    fprintf(stderr, "prpc: error: cannot open script '%s'\n", script);
    return PRP_EXIT_USAGE;
  }
  int interactive = !script && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  setvbuf(stdout, NULL, _IOLBF, 0);
  prp_repl *r = prp_repl_new(stdout, stderr, interactive);
  int code = PRP_EXIT_OK;
  if (file) {
    if (repl_load(r, file) != 0) code = PRP_EXIT_INPUT;
    repl_flush_errors(r);
  }
  int rc = interactive ? run_terminal(r) : run_script(r, in, script ? script : "<stdin>");
  if (rc > code) code = rc;
  if (in != stdin) fclose(in);
  prp_repl_free(r);
  return code;
}
