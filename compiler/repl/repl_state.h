/* The REPL's shared state: the problem's source text and checked program
 * (repl_problem.c), its plan and JIT kernels under resource trackers
 * (repl_plan.c), the live training state (repl_train.c), what looks at it
 * (repl_explore.c) and the command loop (repl.c, repl_commands.c). */
#ifndef PRP_REPL_STATE_H
#define PRP_REPL_STATE_H
#include <stdio.h>
#include "ast.h"
#include "diag.h"
#include "jit.h"
#include "plan.h"
#include "repl.h"
#include "train.h"
#include "train_stop.h"

/* One compiled kernel, in its own ORC resource tracker, kept while a plan uses it. */
typedef struct {
  char *key;                 /* what it computes, canonically (repl_plan.c) */
  prp_jit_module *module;
  void *address;
  long generation;           /* the last plan that used it */
} repl_kernel;

struct prp_repl {
  FILE *out;                 /* results */
  FILE *err;                 /* diagnostics */
  prp_diag diag;
  int interactive;
  prp_jit *jit;
  /* the problem */
  char *path;                /* its file (load, reload, relative sensor files) */
  char *text;                /* the current source text, edits included */
  ast_program *prog;         /* text, parsed and checked */
  int relax;                 /* 0: `set relax off`, the vanilla PINN */
  /* the plan and its kernels */
  prp_plan *plan;            /* NULL until a problem is loaded */
  repl_kernel *kernels;
  int nkernels;
  long generation;
  long kernels_made;         /* for unique symbol names */
  int compiled, reused, removed;  /* kernels, by the last planning */
  int untracked;             /* kernels compiled outside the REPL's trackers (none expected) */
  char *obs_key;             /* observations are reused while this text is unchanged */
  size_t n_obs;
  double *obs_x, *obs_u;
  /* training: the trainer of the plan's problem (its epochs, history, state) */
  prp_trainer *trainer;
  /* the train block's stopping rule: the unknowns of the epochs trained since the trainer
   * started, its state was restored or the rule last stopped a `train` (repl_train.c) */
  prp_train_stop stop;
  long stop_epoch;           /* the epochs done when the window took its last row */
};

/* ---- the problem's text (repl_problem.c) ---------------------------------- */

/* Loads path as the session's problem; 0, or -1 with the errors reported. */
int repl_load(prp_repl *r, const char *path);
/* Makes text the problem's text if it checks and plans; `reset_unknown` (may be
 * NULL) names an unknown whose guess was redefined: it restarts from the guess.
 * On failure the previous problem stays. 0 or -1. */
int repl_apply_text(prp_repl *r, const char *text, const char *reset_unknown);
/* A typed declaration (or relax schedule, or train option line), spliced into
 * the text in place of the one it redefines. line_src is the input line as a
 * source (located errors). 0 or -1. */
int repl_declare(prp_repl *r, const prp_source *line_src, int lineno, const char *line);
/* `set NAME VALUE`: an option, constant, unknown guess or schedule field.
 * at: where NAME is on the input line, for errors. 0 or -1. */
int repl_set(prp_repl *r, const char *name, const char *value, prp_loc at);
/* True if word starts a declaration, a schedule line or a train option line. */
int repl_is_declaration(const char *word);
/* Those words (keywords.h, the relax mechanisms, train_options.h), for completion. */
void repl_declaration_words(void (*add)(void *ctx, const char *word), void *ctx);
/* The settable names of the loaded problem, for completion and help. */
void repl_settable_names(const prp_repl *r, void (*add)(void *ctx, const char *word), void *ctx);

/* ---- the plan and kernels (repl_plan.c) ----------------------------------- */

/* Plans prog (kernels compiled or reused, observations read or reused) into
 * *plan; 0, or -1 with errors reported. */
int repl_plan_build(prp_repl *r, const ast_program *prog, prp_plan *plan);
/* Removes the kernels the current generation does not use. */
void repl_kernels_collect(prp_repl *r);
void repl_kernels_free(prp_repl *r);

/* ---- training (repl_train.c) ---------------------------------------------- */

/* A fresh trainer for the current plan; keeps the network weights of old (if the
 * shape fits), the unknowns' values (except reset_unknown), the epochs and the
 * history (prp_trainer_carry_over). */
int repl_session_start(prp_repl *r, prp_trainer *old, const char *reset_unknown);
void repl_session_stop(prp_repl *r);
void repl_reset(prp_repl *r);
/* Trains n Adam epochs from the current state; 0, 1 if interrupted, -1 on NaN. */
int repl_train(prp_repl *r, long n);
/* L-BFGS from the current state with the schedules at their end (as after the
 * Adam phase of `prpc run`); 0, or -1 if the loss stopped being finite. */
int repl_polish(prp_repl *r, long iterations);
void repl_show_state(prp_repl *r, const char *what);
/* The loss at the current parameters and schedule values. */
double repl_current_loss(prp_repl *r);
/* The current value of unknown u. */
double repl_unknown_now(const prp_repl *r, int u);
/* Adam epochs done since the last reset. */
long repl_epoch(const prp_repl *r);
/* The field at n points (n x n_inputs, row-major) into u. */
void repl_field_at(prp_repl *r, const double *x, size_t n, double *u);
int repl_save_state(prp_repl *r, const char *path);
int repl_restore_state(prp_repl *r, const char *path);
int repl_plot(prp_repl *r, const char *what, const char *path);

/* ---- looking at the state (repl_explore.c) ------------------------------------- */

/* Any expression of the problem (col: its column in the input line) at a point. */
int repl_eval_expression(prp_repl *r, const char *where, int lineno, int col, const char *expr, const double *point,
                         int has_point);
/* Loss and its derivative along unknown u from lo to hi, n values; a plot if png. */
int repl_landscape(prp_repl *r, int u, double lo, double hi, int n, const char *png);
/* The field: profiles at several times (1D) or a map at time t (2D). */
int repl_plot_field(prp_repl *r, const char *png, double t, int has_t);

/* ---- input (repl_commands.c) ------------------------------------------------------ */

/* Braces opened and not closed in text (outside comments and strings): a block
 * typed over several lines goes on while this is positive. */
int repl_open_braces(const char *text);

/* ---- helpers (repl.c) -------------------------------------------------------- */

/* Prints diagnostics' summary and resets the counters; returns the errors seen. */
int repl_flush_errors(prp_repl *r);
/* An error with no source place. */
void repl_error(prp_repl *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
