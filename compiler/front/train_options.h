/* Front end and planner: the one table of the train block's options. A row gives
 * an option line's name, the kind of its arguments, its default, its limits, a
 * line of help and how it sets the runtime problem; the checker, the planner,
 * the REPL (set, completion, typed lines) and `prpc build` all read it. Adding
 * an option is one row here (and its field in prp_train_problem). */
#ifndef PRP_TRAIN_OPTIONS_H
#define PRP_TRAIN_OPTIONS_H
#include "ast.h"
#include "train.h"

/* The largest count an option takes (epochs, points, restarts, ...). */
#define PRP_TRAIN_MAX_COUNT 1000000000

typedef enum {
  PRP_TRAIN_ARG_COUNT,        /* a whole number in [lo, hi] */
  PRP_TRAIN_ARG_SEED,         /* a whole number in [lo, hi] */
  PRP_TRAIN_ARG_SHARE,        /* a number in (lo, hi] */
  PRP_TRAIN_ARG_CHOICE,       /* one of the row's words */
  PRP_TRAIN_ARG_WARMUP,       /* a whole number of epochs >= lo, or a share of training in [lo%, hi%) */
  PRP_TRAIN_ARG_DIRECTORY,    /* a directory name in quotes; `output field ...` is the line's other form */
  PRP_TRAIN_ARG_OPTIMIZER,    /* one of the row's words, then keys (lr 1e-3, ...) */
  PRP_TRAIN_ARG_COLLOCATION,  /* a count, a sampler (the row's words) and the key resample */
  PRP_TRAIN_ARG_WEIGHTS,      /* pairs of a loss term (a key) and its weight */
  PRP_TRAIN_ARG_STOP,         /* a rule (the row's words), a tolerance in (lo, hi), `over` and a count */
  PRP_TRAIN_ARG_COUNT_KEYS,   /* a count, then the line's keys (strict N resample K) */
} prp_train_arg;

/* How the REPL's `set NAME VALUE` edits the line. */
typedef enum {
  PRP_TRAIN_SET_ARGS,    /* VALUE replaces the arguments */
  PRP_TRAIN_SET_FIRST,   /* VALUE replaces the first argument */
  PRP_TRAIN_SET_KEYS,    /* only through its keys (lr, weight.data, ...) */
} prp_train_set;

typedef struct prp_train_option prp_train_option;
struct prp_train_option {
  const char *name;
  prp_train_arg kind;
  const char *what;              /* the argument, as diagnostics name it */
  const char *dflt;              /* the default, as written after the name; NULL: the line's absence */
  double lo, hi;                 /* the limits of a number */
  const char *limit_message;     /* SEED, SHARE: the error outside the limits (%g: the value) */
  const char *const *words;      /* CHOICE, OPTIMIZER, COLLOCATION: the words, NULL-terminated */
  prp_train_set set;
  void (*apply)(const prp_train_option *row, const ast_option *o, prp_train_problem *tp);   /* o NULL: not given */
  const char *help;
};

/* A word of an option line followed by a number: optimizer's lr, collocation's
 * and strict's resample, a loss term of weights. */
typedef enum {
  PRP_TRAIN_KEY_POSITIVE,   /* a number > 0 */
  PRP_TRAIN_KEY_EPOCHS,     /* a whole number of epochs >= 1 */
  PRP_TRAIN_KEY_WEIGHT,     /* a number >= 0 */
  PRP_TRAIN_KEY_COUNT,      /* a whole number >= 1 */
  PRP_TRAIN_KEY_WHOLE,      /* a whole number >= 0 */
} prp_train_key_kind;

typedef struct {
  const char *line;       /* the option line it belongs to */
  const char *name;       /* the word in the line */
  const char *set_name;   /* the name the REPL's set knows it by */
  prp_train_key_kind kind;
  const char *dflt;       /* the default; NULL: see help */
  const char *help;
} prp_train_key;

extern const prp_train_option prp_train_options[];
extern const int prp_train_noptions;
extern const prp_train_key prp_train_keys[];
extern const int prp_train_nkeys;

/* The row of an option line, or NULL. */
const prp_train_option *prp_train_option_find(const char *name);
/* The key `name` of line `line`, or NULL. */
const prp_train_key *prp_train_key_find(const char *line, const char *name);
/* The key the REPL's set calls set_name, or NULL. */
const prp_train_key *prp_train_key_by_set_name(const char *set_name);

/* `output field ...`: the output line's other form, a line of its own. */
int prp_train_is_output_field(const ast_option *o);
/* Do two lines set the same option (one name, both or neither `output field`)? */
int prp_train_same_line(const ast_option *a, const ast_option *b);
/* The line `name` of a train block (which may be NULL), not an `output field`
 * line, or NULL. */
const ast_option *prp_train_line(const ast_decl *train, const char *name);
/* The `output field` line of a train block, or NULL. */
const ast_option *prp_train_field_line(const ast_decl *train);
/* The number after key's word in its line, else the key's default (0 without one). */
double prp_train_key_value(const ast_decl *train, const prp_train_key *key);

/* Sets the option fields of tp from a checked train block (NULL: none), the
 * defaults for the lines it does not give. */
void prp_train_options_apply(const ast_decl *train, prp_train_problem *tp);

#endif
