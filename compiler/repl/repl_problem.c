/* The REPL's problem: the source text of the loaded file with the user's edits.
 * A typed declaration or a `set` is spliced into the text in place of what it
 * redefines, then the whole text is parsed, checked and planned again; if that
 * fails the previous text, program, plan and training state stay. */
#include "repl_state.h"
#include "util.h"
#include "input.h"
#include "output.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "keywords.h"
#include "parse.h"
#include "relax_auto_flow.h"
#include "source.h"
#include "train_options.h"

/* ---- positions in the text --------------------------------------------------- */

/* Byte offset of (line, col), col counting code points from 1. */
static size_t byte_at(const prp_source *s, int line, int col) {
  PRP_ASSERT(line >= 1 && line <= s->nlines);
  size_t b = s->line_starts[line - 1];
  for (int c = 1; c < col && b < s->len && s->text[b] != '\n'; c++) {
    int k = prp_utf8_sequence_length((const unsigned char *)s->text + b, s->len - b);
    b += k > 0 ? (size_t)k : 1;
  }
  return b;
}

/* The bytes [*b, *e) that loc covers (end_col is the last column, inclusive). */
static void loc_bytes(const prp_source *s, prp_loc loc, size_t *b, size_t *e) {
  *b = byte_at(s, loc.line, loc.col);
  *e = byte_at(s, loc.end_line, loc.end_col);
  if (*e < s->len) {
    int k = prp_utf8_sequence_length((const unsigned char *)s->text + *e, s->len - *e);
    *e += k > 0 ? (size_t)k : 1;
  }
}

/* text with [b, e) replaced by ins; malloc'd. */
static char *splice(const char *text, size_t b, size_t e, const char *ins) {
  size_t len = strlen(text), n = strlen(ins);
  char *out = prp_xmalloc(len - (e - b) + n + 1, 1);
  memcpy(out, text, b);
  memcpy(out + b, ins, n);
  memcpy(out + b + n, text + e, len - e + 1);
  return out;
}

static char *splice_loc(const prp_source *s, prp_loc loc, const char *ins) {
  size_t b, e;
  loc_bytes(s, loc, &b, &e);
  return splice(s->text, b, e, ins);
}

/* The text of loc without white space, to compare two expressions. */
static char *loc_squeezed(const prp_source *s, prp_loc loc) {
  size_t b, e;
  loc_bytes(s, loc, &b, &e);
  char *out = prp_xmalloc(e - b + 1, 1), *q = out;
  for (size_t i = b; i < e; i++)
    if (!isspace((unsigned char)s->text[i])) *q++ = s->text[i];
  *q = '\0';
  return out;
}

static int same_text(const prp_source *a, prp_loc la, const prp_source *b, prp_loc lb) {
  char *x = loc_squeezed(a, la), *y = loc_squeezed(b, lb);
  int same = strcmp(x, y) == 0;
  free(x);
  free(y);
  return same;
}

/* The text with `line` appended as a line of its own; malloc'd. */
static char *append_line(const char *text, const char *line) {
  size_t len = strlen(text);
  const char *sep = len && text[len - 1] != '\n' ? "\n" : "";
  char *out = prp_xmalloc(len + strlen(sep) + strlen(line) + 2, 1);
  sprintf(out, "%s%s%s\n", text, sep, line);
  return out;
}

/* `line` inserted as the last line of the block whose declaration is d. */
static char *block_insert(const prp_source *s, const ast_decl *d, const char *line) {
  size_t close = byte_at(s, d->loc.end_line, d->loc.end_col);   /* the '}' */
  size_t start = s->line_starts[d->loc.end_line - 1];
  int alone = 1;
  for (size_t i = start; i < close; i++) alone &= isspace((unsigned char)s->text[i]) != 0;
  char *ins = prp_xmalloc(strlen(line) + 8, 1);
  sprintf(ins, alone ? "  %s\n" : "\n  %s\n", line);
  char *out = splice(s->text, alone ? start : close, alone ? start : close, ins);
  free(ins);
  return out;
}

/* ---- loading and applying a text ---------------------------------------------- */

static ast_decl *main_decl(const ast_program *prog, ast_decl_kind kind) {
  for (int i = 0; i < prog->ndecls; i++)
    if (prog->decls[i]->kind == kind && !prog->decls[i]->module) return prog->decls[i];
  return NULL;
}

/* Parses and checks text; NULL (errors reported) if it has errors. */
static ast_program *front_end(prp_repl *r, const char *text) {
  ast_program *prog = prp_parse_string(r->path ? r->path : "<repl>", text, strlen(text), &r->diag);
  if (prog && r->diag.errors == 0) prp_check_program(prog, &r->diag);
  if (prog && r->diag.errors == 0) return prog;
  ast_program_free(prog);
  return NULL;
}

static void report_kernels(prp_repl *r) {
  fprintf(r->out, "kernels: %d compiled, %d reused, %d removed", r->compiled, r->reused, r->removed);
  if (r->untracked) fprintf(r->out, "; %d compiled outside the REPL's resource trackers", r->untracked);
  fprintf(r->out, "\n");
}

/* fresh: a new problem, whose training starts from scratch. */
static int apply(prp_repl *r, const char *text, const char *reset_unknown, int fresh) {
  ast_program *prog = front_end(r, text);
  if (!prog) return -1;
  /* on the heap: the plan's terms and the trainer point into it, so it never moves */
  prp_plan *plan = prp_xcalloc(1, sizeof *plan);
  if (repl_plan_build(r, prog, plan) != 0) {
    free(plan);
    ast_program_free(prog);
    return -1;
  }
  prp_trainer *old = r->trainer;
  prp_plan *old_plan = r->plan;
  r->plan = plan;
  r->trainer = NULL;
  if (repl_session_start(r, fresh ? NULL : old, reset_unknown) != 0) {
    prp_plan_free(plan);
    free(plan);
    r->plan = old_plan;
    r->trainer = old;
    ast_program_free(prog);
    return -1;
  }
  prp_trainer_free(old);
  if (old_plan) prp_plan_free(old_plan);
  free(old_plan);
  ast_program_free(r->prog);
  r->prog = prog;
  if (r->text != text) {
    free(r->text);
    r->text = prp_xstrdup(text);
  }
  repl_kernels_collect(r);
  report_kernels(r);
  return 0;
}

int repl_apply_text(prp_repl *r, const char *text, const char *reset_unknown) {
  return apply(r, text, reset_unknown, 0);
}

int repl_load(prp_repl *r, const char *path) {
  char *text = NULL, *err;
  size_t len;
  if ((err = prp_read_input(path, PRP_MAX_SOURCE_BYTES, "source file", &text, &len))) {
    prp_error_plain(&r->diag, "%s", err);   /* a directory, a device, too large, unreadable */
    free(err);
    return -1;
  }
  prp_output_protect(path);
  char *old_path = r->path;
  r->path = prp_xstrdup(path);
  free(r->obs_key);                /* a new problem reads its observations again */
  r->obs_key = NULL;
  int rc = apply(r, text, NULL, 1);
  if (rc != 0) {
    free(r->path);
    r->path = old_path;
  } else {
    free(old_path);
    const prp_train_problem *tp = &r->plan->problem;
    fprintf(r->out, "loaded %s: problem %s, %d unknown%s, %d loss term%s, %zu observations\n", path,
            tp->problem_name, tp->n_unknowns, tp->n_unknowns == 1 ? "" : "s", tp->n_terms,
            tp->n_terms == 1 ? "" : "s", tp->n_obs);
  }
  free(text);
  return rc;
}

/* ---- typed declarations ----------------------------------------------------------- */

static int in_list(const char *const *list, const char *w) {
  for (int i = 0; list[i]; i++)
    if (strcmp(list[i], w) == 0) return 1;
  return 0;
}

/* A keyword that starts a declaration; `train` alone is the command (train {...} is declared). */
static int declaration_keyword(const char *word) {
  int k = prp_keyword_find(word);
  return k >= 0 && prp_keywords[k].decl >= 0 && prp_keywords[k].decl != DECL_TRAIN;
}

int repl_is_declaration(const char *word) {
  return declaration_keyword(word) || in_list(prp_relax_mechanisms, word) || prp_train_option_find(word);
}

void repl_declaration_words(void (*add)(void *ctx, const char *word), void *ctx) {
  for (int k = 0; k < PRP_NKEYWORDS; k++)
    if (declaration_keyword(prp_keywords[k].word)) add(ctx, prp_keywords[k].word);
  for (int k = 0; prp_relax_mechanisms[k]; k++) add(ctx, prp_relax_mechanisms[k]);
  for (int k = 0; k < prp_train_noptions; k++) add(ctx, prp_train_options[k].name);
}

/* Does the typed declaration t (in source ts) redefine the existing d? */
static int redefines(const prp_source *ms, const ast_decl *d, const prp_source *ts, const ast_decl *t) {
  switch (t->kind) {
  case DECL_CONST: case DECL_LET: case DECL_UNKNOWN:
    return (d->kind == DECL_CONST || d->kind == DECL_LET || d->kind == DECL_UNKNOWN) && strcmp(d->name, t->name) == 0;
  case DECL_INITIAL:
    return d->kind == DECL_INITIAL && same_text(ms, d->lhs->loc, ts, t->lhs->loc);
  case DECL_BOUNDARY:
    if (d->kind != DECL_BOUNDARY || d->nfaces != t->nfaces || !same_text(ms, d->lhs->loc, ts, t->lhs->loc)) return 0;
    for (int i = 0; i < d->nfaces; i++)
      if (!same_text(ms, d->faces[i].loc, ts, t->faces[i].loc)) return 0;
    return 1;
  case DECL_IMPORT:
    return d->kind == DECL_IMPORT && same_text(ms, d->loc, ts, t->loc);
  default:
    return d->kind == t->kind;
  }
}

static char *declare_top(prp_repl *r, const prp_source *ts, const ast_decl *t, const char *line) {
  const prp_source *ms = r->prog->main;
  for (int i = 0; i < r->prog->ndecls; i++) {
    const ast_decl *d = r->prog->decls[i];
    if (!d->module && redefines(ms, d, ts, t)) return splice_loc(ms, d->loc, line);
  }
  return append_line(r->text, line);
}

static int same_schedule(const ast_schedule *a, const ast_schedule *b) {
  if (strcmp(a->mechanism, b->mechanism) != 0) return 0;
  return strcmp(a->mechanism, "dilatation") != 0 || strcmp(a->var, b->var) == 0;
}

static char *declare_schedule(prp_repl *r, const ast_schedule *t, const char *line) {
  const prp_source *ms = r->prog->main;
  const ast_decl *relax = main_decl(r->prog, DECL_RELAX);
  if (relax && !relax->relax_off && !relax->relax_auto) {   /* `relax auto` is replaced by a block of this line */
    for (int i = 0; i < relax->nschedules; i++)
      if (same_schedule(&relax->schedules[i], t)) return splice_loc(ms, relax->schedules[i].loc, line);
    return block_insert(ms, relax, line);
  }
  char *block = prp_xmalloc(strlen(line) + 16, 1);
  sprintf(block, "relax {\n  %s\n}", line);
  char *out = relax ? splice_loc(ms, relax->loc, block) : append_line(r->text, block);
  free(block);
  return out;
}

static char *declare_train_line(prp_repl *r, const ast_option *t, const char *line) {
  const prp_source *ms = r->prog->main;
  const ast_decl *train = main_decl(r->prog, DECL_TRAIN);
  if (train) {
    for (int i = 0; i < train->noptions; i++)
      if (prp_train_same_line(&train->options[i], t)) return splice_loc(ms, train->options[i].loc, line);
    return block_insert(ms, train, line);
  }
  char *block = prp_xmalloc(strlen(line) + 16, 1);
  sprintf(block, "train {\n  %s\n}", line);
  char *out = append_line(r->text, block);
  free(block);
  return out;
}

/* The input line as a source whose line `lineno` holds the line, wrapped in
 * `relax {` or `train {` (on the line before it when there is one, so that
 * columns stay those of the input). */
static prp_source *line_as_source(const char *where, int lineno, const char *line, const char *block) {
  size_t len = strlen(line);
  char *text = prp_xmalloc((size_t)lineno + len + 32, 1), *q = text;
  for (int i = 1; i < lineno - 1; i++) *q++ = '\n';
  if (block && lineno >= 2) q += sprintf(q, "%s {\n", block);
  else if (block) q += sprintf(q, "%s { ", block);
  else if (lineno >= 2) *q++ = '\n';
  q += sprintf(q, "%s%s\n", line, block ? " }" : "");
  prp_source *s = prp_source_from_string(where, text, (size_t)(q - text));
  free(text);
  return s;
}

int repl_declare(prp_repl *r, const prp_source *line_src, int lineno, const char *line) {
  char word[32] = "";
  sscanf(line, " %31[A-Za-z_0-9]", word);
  const char *block = in_list(prp_relax_mechanisms, word) ? "relax" : prp_train_option_find(word) ? "train" : NULL;
  prp_source *ts = line_as_source(line_src->path, lineno, line, block);
  ast_program *typed = prp_parse_string(ts->path, ts->text, ts->len, &r->diag);
  prp_source_free(ts);
  if (!typed || r->diag.errors) {
    ast_program_free(typed);
    return -1;
  }
  const ast_decl *t = NULL;
  for (int i = 0; i < typed->ndecls && !t; i++)
    if (!typed->decls[i]->module) t = typed->decls[i];
  char *text = NULL;
  const char *reset = NULL;
  if (!t) prp_error_plain(&r->diag, "nothing to declare");
  else if (!r->prog) prp_error(&r->diag, t->loc, "no problem is loaded; load a file first");
  else if (block && t->kind == DECL_RELAX && t->nschedules == 1) text = declare_schedule(r, &t->schedules[0], line);
  else if (block && t->kind == DECL_TRAIN && t->noptions == 1) text = declare_train_line(r, &t->options[0], line);
  else if (!block) {
    text = declare_top(r, typed->main, t, line);
    if (t->kind == DECL_UNKNOWN) reset = t->name;
  } else prp_error(&r->diag, t->loc, "one %s line at a time", block);
  int rc = -1;
  if (text) {
    char *reset_name = reset ? prp_xstrdup(reset) : NULL;
    rc = repl_apply_text(r, text, reset_name);
    free(reset_name);
    free(text);
  }
  ast_program_free(typed);
  return rc;
}

/* ---- set ----------------------------------------------------------------------------- */

static const ast_option *train_option(const ast_program *prog, const char *name) {
  return prp_train_line(main_decl(prog, DECL_TRAIN), name);
}

/* The option line `name` with the number after `word` set to value (or
 * `word value` added); a new line `name fresh word value` if there is none. */
static char *set_option_word(prp_repl *r, const char *name, const char *fresh, const char *word, const char *value) {
  const prp_source *ms = r->prog->main;
  const ast_option *o = train_option(r->prog, name);
  char buf[256];
  if (!o) {
    snprintf(buf, sizeof buf, "%s %s%s%s %s", name, fresh, *fresh ? " " : "", word, value);
    return declare_train_line(r, &(ast_option){.name = name}, buf);
  }
  for (int i = 0; i + 1 < o->nargs; i++)
    if (o->args[i].kind == ARG_WORD && strcmp(o->args[i].text, word) == 0) return splice_loc(ms, o->args[i + 1].loc, value);
  size_t end = byte_at(ms, o->loc.end_line, o->loc.end_col) + 1;
  snprintf(buf, sizeof buf, " %s %s", word, value);
  return splice(ms->text, end, end, buf);
}

/* The option line `name` with its first argument (or all of them) replaced. */
static char *set_option_args(prp_repl *r, const char *name, const char *value, int first_only) {
  const ast_option *o = train_option(r->prog, name);
  char buf[256];
  snprintf(buf, sizeof buf, "%s %s", name, value);
  if (!o || o->nargs == 0) return declare_train_line(r, &(ast_option){.name = name}, buf);
  prp_loc loc = o->args[0].loc;
  if (!first_only) loc = prp_loc_join(loc, o->args[o->nargs - 1].loc);
  return splice_loc(r->prog->main, loc, value);
}

static char *set_schedule_field(prp_repl *r, const char *var, const char *field, const char *value, prp_loc at) {
  const ast_decl *relax = main_decl(r->prog, DECL_RELAX);
  const prp_source *ms = r->prog->main;
  for (int i = 0; relax && i < relax->nschedules; i++) {
    const ast_schedule *s = &relax->schedules[i];
    if (strcmp(s->var, var) != 0) continue;
    if (strcmp(field, "from") == 0 && s->from) return splice_loc(ms, s->from->loc, value);
    if (strcmp(field, "to") == 0 && s->to) return splice_loc(ms, s->to->loc, value);
    if (strcmp(field, "until") == 0 && s->from) return splice_loc(ms, s->until_loc, value);
    if (strcmp(field, "width") == 0) {
      for (int k = 0; k + 1 < s->nargs; k++)
        if (s->args[k].kind == ARG_WORD && strcmp(s->args[k].text, "width") == 0) return splice_loc(ms, s->args[k + 1].loc, value);
      size_t end = byte_at(ms, s->loc.end_line, s->loc.end_col) + 1;
      char buf[128];
      snprintf(buf, sizeof buf, " width %s", value);
      return splice(ms->text, end, end, buf);
    }
    prp_error(&r->diag, at, "a schedule has the fields from, to, until and width%s", s->npw ? " (from/to/until: not for piecewise)" : "");
    return NULL;
  }
  prp_error(&r->diag, at, "no relaxation schedule of '%s'", var);
  return NULL;
}

static char *set_text(prp_repl *r, const char *name, const char *value, prp_loc at, const char **reset) {
  const prp_train_option *row = prp_train_option_find(name);
  const prp_train_key *key = prp_train_key_by_set_name(name);
  if (row && row->set != PRP_TRAIN_SET_KEYS) return set_option_args(r, name, value, row->set == PRP_TRAIN_SET_FIRST);
  if (key) {   /* a new line starts from the line's default (optimizer adam, collocation 2048 sobol) */
    const char *fresh = prp_train_option_find(key->line)->dflt;
    return set_option_word(r, key->line, fresh ? fresh : "", key->name, value);
  }
  const char *dot = strchr(name, '.');
  if (dot) {
    char var[64];
    snprintf(var, sizeof var, "%.*s", (int)(dot - name), name);
    return set_schedule_field(r, var, dot + 1, value, at);
  }
  const ast_symbol *sym = prp_lookup(r->prog, name);
  if (sym && sym->decl && !sym->decl->module && (sym->kind == SYM_CONST || sym->kind == SYM_UNKNOWN)) {
    if (sym->kind == SYM_UNKNOWN) *reset = sym->name;
    return splice_loc(r->prog->main, sym->decl->value->loc, value);
  }
  prp_error(&r->diag, at, "nothing called '%s' can be set", name);
  prp_hint(&r->diag, at, "settable: an option (epochs, lr, seed, collocation, weight.data, ...), a constant, "
                         "an unknown's guess, or a schedule field such as eta.from");
  return NULL;
}

int repl_set(prp_repl *r, const char *name, const char *value, prp_loc at) {
  if (!r->prog) {
    prp_error(&r->diag, at, "no problem is loaded; load a file first");
    return -1;
  }
  if (strcmp(name, "relax") == 0) {
    int on = strcmp(value, "on") == 0;
    if (!on && strcmp(value, "off") != 0) {
      prp_error(&r->diag, at, "relax is on or off");
      return -1;
    }
    int keep = r->relax;
    r->relax = on;
    if (repl_apply_text(r, r->text, NULL) == 0) return 0;
    r->relax = keep;
    return -1;
  }
  const char *reset = NULL;
  char *text = set_text(r, name, value, at, &reset);
  if (!text) return -1;
  char *reset_name = reset ? prp_xstrdup(reset) : NULL;
  int rc = repl_apply_text(r, text, reset_name);
  free(reset_name);
  free(text);
  return rc;
}

void repl_settable_names(const prp_repl *r, void (*add)(void *ctx, const char *word), void *ctx) {
  for (int i = 0; i < prp_train_noptions; i++)
    if (prp_train_options[i].set != PRP_TRAIN_SET_KEYS) add(ctx, prp_train_options[i].name);
  for (int i = 0; i < prp_train_nkeys; i++) add(ctx, prp_train_keys[i].set_name);
  add(ctx, "relax");
  char buf[96];
  if (!r->prog) return;
  const prp_problem *pb = &r->prog->problem;
  for (int i = 0; i < pb->nunknowns; i++) add(ctx, pb->unknowns[i]->name);
  for (int i = 0; i < pb->nconsts; i++)
    if (pb->consts[i]->decl && !pb->consts[i]->decl->module) add(ctx, pb->consts[i]->name);
  const ast_decl *relax = main_decl(r->prog, DECL_RELAX);
  static const char *const fields[] = {"from", "to", "until", "width"};
  for (int i = 0; relax && i < relax->nschedules; i++)
    for (int f = 0; f < 4; f++) {
      snprintf(buf, sizeof buf, "%s.%s", relax->schedules[i].var, fields[f]);
      add(ctx, buf);
    }
}
