/* Runtime, run output: the progress line (live on a terminal, plain lines in a log); see
 * progress.h. */
#include "progress.h"
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 1024

double prp_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void prp_format_duration(char *buf, size_t cap, double s) {
  if (!isfinite(s) || s < 0) {
    snprintf(buf, cap, "?");
  } else if (s < 9.95) { /* so that rounding never shows "10.0s" */
    snprintf(buf, cap, "%.1fs", s);
  } else if (s < 60) {
    snprintf(buf, cap, "%.0fs", fmax(10, floor(s)));
  } else if (s < 3600) {
    long t = (long)s;
    snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
  } else if (s < 86400) {
    long t = (long)s / 60;
    snprintf(buf, cap, "%ldh%02ldm", t / 60, t % 60);
  } else if (s < 1e9) {
    long t = (long)s / 3600;
    snprintf(buf, cap, "%ldd%02ldh", t / 24, t % 24);
  } else {
    snprintf(buf, cap, "?");
  }
}

static size_t terminal_width(FILE *out) {
  struct winsize ws;
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10) return ws.ws_col - 1u;
  return 119;
}

void prp_progress_init(prp_progress *p, FILE *out, size_t total_epochs, size_t start_epoch,
                       size_t log_every) {
  bool tty = isatty(fileno(out));
  *p = (prp_progress){
      .out = out,
      .live = tty,
      .total_epochs = total_epochs,
      .log_every = log_every ? log_every : 1,
      .min_interval = 0.25,
      .width = tty ? terminal_width(out) : LINE_MAX_BYTES - 1,
      .start_time = prp_now(),
      .start_epoch = start_epoch,
      .last_draw = -1,
  };
}

/* snprintf that appends at *used and never runs past cap. */
static void append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t cap, size_t *used, const char *fmt, ...) {
  if (*used + 1 >= cap) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *used, cap - *used, fmt, ap);
  va_end(ap);
  if (n > 0) *used += (size_t)n < cap - *used ? (size_t)n : cap - *used - 1;
}

static void append_values(char *buf, size_t cap, size_t *used, const prp_named_value *v,
                          size_t n, const char *fmt) {
  for (size_t i = 0; i < n; i++) {
    append(buf, cap, used, "%s%s=", i ? " " : "  ", v[i].name);
    append(buf, cap, used, fmt, v[i].value);
  }
}

static void append_rate(const prp_progress *p, const prp_progress_state *s, double now,
                        char *buf, size_t cap, size_t *used) {
  double elapsed = now - p->start_time;
  size_t done = s->epoch > p->start_epoch ? s->epoch - p->start_epoch : 0;
  if (elapsed <= 0 || done == 0) return;
  double rate = (double)done / elapsed;
  char eta[32], took[32];
  prp_format_duration(took, sizeof took, elapsed);
  append(buf, cap, used, "  %.3g it/s  %s", rate, took);
  if (s->epoch < p->total_epochs) {
    prp_format_duration(eta, sizeof eta, (double)(p->total_epochs - s->epoch) / rate);
    append(buf, cap, used, "  ETA %s", eta);
  }
}

size_t prp_progress_format(const prp_progress *p, const prp_progress_state *s, double now,
                           char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  int digits = snprintf(NULL, 0, "%zu", p->total_epochs);
  double pct = p->total_epochs ? 100.0 * (double)s->epoch / (double)p->total_epochs : 100.0;
  append(buf, cap, &used, "epoch %*zu/%zu %3.0f%%", digits, s->epoch, p->total_epochs, pct);
  if (s->nlosses) {
    append(buf, cap, &used, "  loss %.3e", s->losses[0].value);
    if (s->nlosses > 1) {
      append(buf, cap, &used, " (");
      for (size_t i = 1; i < s->nlosses; i++)
        append(buf, cap, &used, "%s%s %.2e", i > 1 ? " " : "", s->losses[i].name, s->losses[i].value);
      append(buf, cap, &used, ")");
    }
  }
  append_values(buf, cap, &used, s->unknowns, s->nunknowns, "%.5g");
  append_values(buf, cap, &used, s->relax, s->nrelax, "%.3g");
  append_rate(p, s, now, buf, cap, &used);
  return used;
}

/* Rewrites the line in place, blanking what is left of a longer previous line. */
static void draw_live(prp_progress *p, const prp_progress_state *s, double now) {
  char line[LINE_MAX_BYTES];
  size_t cap = p->width + 1 < sizeof line ? p->width + 1 : sizeof line;
  size_t len = prp_progress_format(p, s, now, line, cap);
  fprintf(p->out, "\r%s", line);
  for (size_t i = len; i < p->last_len; i++) fputc(' ', p->out);
  fflush(p->out);
  p->last_len = len;
  p->last_draw = now;
}

static void write_plain(prp_progress *p, const prp_progress_state *s, double now, const char *tail) {
  char line[LINE_MAX_BYTES];
  prp_progress_format(p, s, now, line, sizeof line);
  fprintf(p->out, "%s%s%s\n", line, tail ? "  " : "", tail ? tail : "");
  fflush(p->out);
}

void prp_progress_update_at(prp_progress *p, const prp_progress_state *s, double now) {
  if (p->live) {
    if (p->last_draw < 0 || now - p->last_draw >= p->min_interval) draw_live(p, s, now);
  } else if (s->epoch % p->log_every == 0 || s->epoch == p->total_epochs) {
    write_plain(p, s, now, NULL);
  }
}

void prp_progress_update(prp_progress *p, const prp_progress_state *s) {
  prp_progress_update_at(p, s, prp_now());
}

void prp_progress_finish_at(prp_progress *p, const prp_progress_state *s, const char *reason,
                            double now) {
  if (p->live) {
    draw_live(p, s, now);
    fprintf(p->out, "%s%s\n", reason ? "  " : "", reason ? reason : "");
    fflush(p->out);
    p->last_len = 0;
  } else {
    write_plain(p, s, now, reason);
  }
}

void prp_progress_finish(prp_progress *p, const prp_progress_state *s, const char *reason) {
  prp_progress_finish_at(p, s, reason, prp_now());
}

/* ---- interruption --------------------------------------------------------------- */

/* Atomics: the training threads of concurrent restarts poll the count and install
 * and restore around their runs (lock-free, so safe in the handler too). */
static atomic_int interrupt_count;
static struct sigaction previous_int, previous_term;
static atomic_int installed;   /* nesting depth: restarts install around runs that install too */

/* Async-signal-safe: counts, and from the second signal on hands over to the old action. */
static void on_interrupt(int sig) {
  if (atomic_fetch_add(&interrupt_count, 1) == 0) return;
  sigaction(SIGINT, &previous_int, NULL);
  sigaction(SIGTERM, &previous_term, NULL);
  raise(sig);
}

void prp_interrupt_install(void) {
  if (atomic_fetch_add(&installed, 1) > 0) return;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  atomic_store(&interrupt_count, 0);
  sigaction(SIGINT, &sa, &previous_int);
  sigaction(SIGTERM, &sa, &previous_term);
}

void prp_interrupt_restore(void) {
  int depth = atomic_load(&installed);
  while (depth > 0 && !atomic_compare_exchange_weak(&installed, &depth, depth - 1)) {}
  if (depth != 1) return;   /* not installed, or still installed by an outer caller */
  sigaction(SIGINT, &previous_int, NULL);
  sigaction(SIGTERM, &previous_term, NULL);
}

bool prp_interrupt_requested(void) { return atomic_load(&interrupt_count) > 0; }

void prp_interrupt_clear(void) { atomic_store(&interrupt_count, 0); }
