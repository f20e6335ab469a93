/* Runtime, run output: the live progress line of a training run.  On a terminal one line
 * is rewritten in place (\r), at most a few times per second; otherwise (a log file, a pipe)
 * a plain line is written every k epochs. */
#ifndef PRP_PROGRESS_H
#define PRP_PROGRESS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
  const char *name;
  double value;
} prp_named_value;

/* What one line shows.  losses[0] is the total, the rest its terms (residual, data, ...). */
typedef struct {
  size_t epoch; /* epochs completed, 1..total */
  const prp_named_value *losses;
  size_t nlosses;
  const prp_named_value *unknowns;
  size_t nunknowns;
  const prp_named_value *relax; /* relaxation values (eps, eta, dilated width) */
  size_t nrelax;
} prp_progress_state;

typedef struct {
  FILE *out;
  bool live;              /* rewrite one line in place (a terminal) */
  size_t total_epochs;
  size_t log_every;       /* plain mode: a line every log_every epochs */
  double min_interval;    /* live mode: seconds between redraws */
  size_t width;           /* live mode: longest line shown (terminal columns - 1) */
  double start_time;
  size_t start_epoch;
  double last_draw;       /* time of the last live redraw, < 0 before the first */
  size_t last_len;        /* length of the line on screen, to blank what is left of it */
} prp_progress;

/* Live mode if `out` is a terminal.  `start_epoch` is the epoch the run starts from (0, or
 * the epoch of a resumed state), so the rate counts only this run's epochs. */
void prp_progress_init(prp_progress *p, FILE *out, size_t total_epochs, size_t start_epoch,
                       size_t log_every);

/* Shows the state if it is time to (live: throttled; plain: every log_every epochs and the
 * last epoch).  prp_progress_update_at takes the time (seconds, monotonic) for tests. */
void prp_progress_update(prp_progress *p, const prp_progress_state *s);
void prp_progress_update_at(prp_progress *p, const prp_progress_state *s, double now);

/* The final line, always written and ended with a newline; `reason` says why training
 * stopped ("done", "interrupted", "NaN in residual at epoch 1234"), may be NULL. */
void prp_progress_finish(prp_progress *p, const prp_progress_state *s, const char *reason);
void prp_progress_finish_at(prp_progress *p, const prp_progress_state *s, const char *reason,
                            double now);

/* The text of one line (no line ending), at time `now`; returns its length (it is truncated to
 * cap - 1 bytes like snprintf). */
size_t prp_progress_format(const prp_progress *p, const prp_progress_state *s, double now,
                           char *buf, size_t cap);

/* Durations for people: "0.4s", "45s", "1m23s", "2h05m", "3d04h"; "?" if not finite or < 0. */
void prp_format_duration(char *buf, size_t cap, double seconds);

/* Seconds on the monotonic clock. */
double prp_now(void);

/* Ctrl-C during training.  Nothing is installed unless the driver calls
 * prp_interrupt_install (around the training loop), which replaces the SIGINT and SIGTERM
 * actions: the first signal only sets a flag that the loop polls with
 * prp_interrupt_requested, so it can stop at the end of the epoch and write what it reached;
 * a second signal gets the previous action (by default: the process ends), so a stuck run can
 * still be stopped.  prp_interrupt_restore puts the previous actions back.  The pair nests:
 * only the outermost install and restore change the actions. */
void prp_interrupt_install(void);
void prp_interrupt_restore(void);
bool prp_interrupt_requested(void);
void prp_interrupt_clear(void);

#endif
