/* Front end, stage 2: checking the blocks made of option lines and layouts:
 * truth, sensor layouts, relax schedules, network and train. */
#include "check_context.h"
#include "field_limits.h"
#include "train_options.h"
#include <math.h>
#include <string.h>

enum { MAX_COUNT = PRP_TRAIN_MAX_COUNT, MAX_SENSORS = 10000000 };

static int integral(double v) { return v == floor(v) && fabs(v) < 1e15; }

static int bad_count(checker *c, prp_loc loc, const char *what, double v) {
  if (v < 0) prp_error(c->diag, loc, "%s cannot be negative (it is %g)", what, v);
  else if (!integral(v)) prp_error(c->diag, loc, "%s must be a whole number, not %g", what, v);
  else if (v == 0) prp_error(c->diag, loc, "%s must be at least 1", what);
  else if (v > MAX_COUNT) prp_error(c->diag, loc, "%s is too large (%g; at most %d)", what, v, MAX_COUNT);
  else return 0;
  return 1;
}

int check_count(checker *c, ast_expr *e, const char *what, long *out) {
  double v;
  if (!eval_constant(c, e, NULL, &v, what)) return 0;
  if (bad_count(c, e->loc, what, v)) return 0;
  *out = (long)v;
  return 1;
}

/* ---- option lines -------------------------------------------------------- */

static const ast_arg *arg_at(checker *c, const ast_option *o, int i, const char *what) {
  if (i < o->nargs) return &o->args[i];
  prp_error(c->diag, o->loc, "'%s' needs %s", o->name, what);
  return NULL;
}

static int arg_number(checker *c, const ast_option *o, int i, const char *what, double *out) {
  const ast_arg *a = arg_at(c, o, i, what);
  if (!a) return 0;
  if (a->kind != ARG_NUMBER) {
    prp_error(c->diag, a->loc, "'%s' expects %s here", o->name, what);
    return 0;
  }
  *out = a->num;
  return 1;
}

static int arg_count(checker *c, const ast_option *o, int i, const char *what, long *out) {
  double v;
  if (!arg_number(c, o, i, what, &v)) return 0;
  if (bad_count(c, o->args[i].loc, what, v)) return 0;
  *out = (long)v;
  return 1;
}

static int word_is(const ast_arg *a, const char *w) { return a->kind == ARG_WORD && strcmp(a->text, w) == 0; }

/* Index of the word among choices (NULL-terminated), or -1 with an error. */
static int arg_choice(checker *c, const ast_option *o, int i, const char *what, const char *const *choices) {
  const ast_arg *a = arg_at(c, o, i, what);
  if (!a) return -1;
  for (int k = 0; a->kind == ARG_WORD && choices[k]; k++)
    if (strcmp(a->text, choices[k]) == 0) return k;
  char list[256] = "";
  for (int k = 0; choices[k]; k++) {
    if (k) strncat(list, k + 1 == 0 || !choices[k + 1] ? " or " : ", ", sizeof list - strlen(list) - 1);
    strncat(list, choices[k], sizeof list - strlen(list) - 1);
  }
  prp_error(c->diag, a->loc, "%s must be %s", what, list);
  return -1;
}

static void extra_arg(checker *c, const ast_option *o, int i) {
  if (i < o->nargs) prp_error(c->diag, o->args[i].loc, "unexpected argument to '%s'", o->name);
}

static void unknown_option(checker *c, const ast_option *o, const char *block, const char *const *known) {
  prp_error(c->diag, o->loc, "unknown %s option '%s'", block, o->name);
  for (int k = 0; known[k]; k++) {
    size_t la = strlen(o->name), lb = strlen(known[k]);
    if ((la > 2 && strncmp(o->name, known[k], 3) == 0) || (la == lb && la > 3 && strncmp(o->name, known[k], la - 1) == 0)) {
      prp_hint(c->diag, o->loc, "did you mean '%s'?", known[k]);
      return;
    }
  }
}

/* `output "DIR"` and `output field ...` are different lines of one name. */
static int duplicate_option(checker *c, const ast_option *opts, int i) {
  for (int j = 0; j < i; j++)
    if (prp_train_same_line(&opts[j], &opts[i])) {
      prp_error(c->diag, opts[i].loc, "'%s%s' is given twice", opts[i].name, prp_train_is_output_field(&opts[i]) ? " field" : "");
      prp_note(c->diag, opts[j].loc, "first given here");
      return 1;
    }
  return 0;
}

/* ---- sensor layouts ------------------------------------------------------ */

static ast_symbol *coordinate(checker *c, const char *name) {
  ast_symbol *sym = prp_lookup(c->prog, name);
  return sym && sym->kind == SYM_COORD ? sym : NULL;
}

static int inside(checker *c, int k, double v, prp_loc loc) {
  if (v >= c->pb->lo[k] && v <= c->pb->hi[k]) return 1;
  prp_error(c->diag, loc, "%g lies outside the domain of '%s', [%g, %g]", v, c->pb->coords[k]->name, c->pb->lo[k], c->pb->hi[k]);
  return 0;
}

/* Checks one axis; returns how many positions it has (0 on error). */
static long check_axis(checker *c, ast_axis *a, int *seen) {
  ast_symbol *sym = coordinate(c, a->coord);
  if (!sym) {
    prp_error(c->diag, a->loc, "'%s' is not a coordinate", a->coord);
    return 0;
  }
  if (seen[sym->index]++) {
    prp_error(c->diag, a->loc, "coordinate '%s' is laid out twice", a->coord);
    return 0;
  }
  double lo, hi;
  if (!eval_constant(c, a->lo, NULL, &lo, "a sensor position") || !inside(c, sym->index, lo, a->lo->loc)) return 0;
  if (!a->hi) return 1;
  if (!eval_constant(c, a->hi, NULL, &hi, "a sensor position") || !inside(c, sym->index, hi, a->hi->loc)) return 0;
  if (hi < lo) {
    prp_error(c->diag, a->loc, "the range of '%s' runs backwards: %g .. %g", a->coord, lo, hi);
    return 0;
  }
  long n;
  return check_count(c, a->count, "a sensor count", &n) ? n : 0;
}

static long check_points(checker *c, ast_sensors *s) {
  int nspace = c->pb->nspace;
  for (int i = 0; i < s->npoints; i++) {
    ast_expr *p = s->points[i];
    int n = p->kind == AST_TUPLE ? p->nargs : 1;
    if (n != nspace) {
      prp_error(c->diag, p->loc, "a sensor point needs %d coordinate%s, this one has %d", nspace, nspace == 1 ? "" : "s", n);
      continue;
    }
    for (int k = 0; k < n; k++) {
      ast_expr *e = p->kind == AST_TUPLE ? p->args[k] : p;
      double v;
      if (eval_constant(c, e, NULL, &v, "a sensor position")) inside(c, k, v, e->loc);
    }
  }
  return s->npoints;
}

void check_sensor_layout(checker *c, ast_sensors *s, prp_loc loc) {
  int seen[PRP_MAX_COORDS] = {0};
  double total = 1;
  if (s->kind == SENSORS_POINTS) {
    total = (double)check_points(c, s);
    for (int k = 0; k < c->pb->nspace; k++) seen[k] = 1;
  }
  for (int i = 0; i < s->naxes; i++) {
    if (s->kind == SENSORS_POINTS) {
      ast_symbol *sym = coordinate(c, s->axes[i].coord);
      if (sym && sym->index < c->pb->nspace) {
        prp_error(c->diag, s->axes[i].loc, "the points give the space positions; only time can be laid out after them");
        continue;
      }
    }
    total *= (double)check_axis(c, &s->axes[i], seen);
  }
  for (int k = 0; k < c->pb->ncoords; k++)
    if (!seen[k]) prp_error(c->diag, loc, "the sensor layout does not say where along '%s'", c->pb->coords[k]->name);
  if (total > MAX_SENSORS) prp_error(c->diag, loc, "the layout has %.0f observations; at most %d are supported", total, MAX_SENSORS);
}

/* ---- truth --------------------------------------------------------------- */

static void truth_option(checker *c, ast_decl *item) {
  static const char *const known[] = {"grid", "noise", "seed", NULL};
  ast_option *o = &item->options[0];
  if (strcmp(o->name, "grid") == 0) {
    int n = 0;
    for (int i = 0; i < o->nargs; i++) {
      if (i % 2 == 1) {
        if (!word_is(&o->args[i], "x")) prp_error(c->diag, o->args[i].loc, "a grid is written N x N");
        continue;
      }
      long cells;
      if (arg_count(c, o, i, "a number of grid points", &cells) && cells < 3)
        prp_error(c->diag, o->args[i].loc, "a grid needs at least 3 points along each axis");
      n++;
    }
    if (n != c->pb->nspace)
      prp_error(c->diag, o->loc, "the grid needs %d size%s, one per space coordinate; %d given", c->pb->nspace, c->pb->nspace == 1 ? "" : "s", n);
  } else if (strcmp(o->name, "noise") == 0) {
    const ast_arg *a = arg_at(c, o, 0, "a level, as 1% or 0.001");
    if (a && a->kind != ARG_NUMBER && a->kind != ARG_PERCENT) prp_error(c->diag, a->loc, "noise is a percentage (1%%) or an absolute level (0.001)");
    else if (a && a->num < 0) prp_error(c->diag, a->loc, "noise cannot be negative");
    extra_arg(c, o, 1);
  } else if (strcmp(o->name, "seed") == 0) {
    double v;
    if (arg_number(c, o, 0, "a seed", &v) && (v < 0 || !integral(v))) prp_error(c->diag, o->args[0].loc, "a seed is a whole number >= 0");
    extra_arg(c, o, 1);
  } else {
    unknown_option(c, o, "truth", known);
  }
}

static void truth_set(checker *c, ast_decl *item, ast_assign **seen, int *nseen) {
  for (int i = 0; i < item->nassigns; i++) {
    ast_assign *a = &item->assigns[i];
    ast_symbol *sym = prp_lookup(c->prog, a->name);
    if (!sym || (sym->kind != SYM_UNKNOWN && sym->kind != SYM_CONST)) {
      prp_error(c->diag, a->loc, "'set' gives the truth's value of an unknown or a constant; '%s' is %s", a->name,
                sym ? symbol_kind_name(sym->kind) : "not declared");
      continue;
    }
    for (int j = 0; j < *nseen; j++)
      if (seen[j]->sym == sym) {
        prp_error(c->diag, a->loc, "'%s' is set twice", a->name);
        break;
      }
    a->sym = sym;
    double v;
    eval_constant(c, a->value, NULL, &v, "a truth value");
    if (*nseen < 64) seen[(*nseen)++] = a;
  }
}

static void truth_define(checker *c, ast_decl *item, scope *s) {
  ast_symbol *old = NULL;
  for (int i = 0; i < s->nsymbols; i++)
    if (strcmp(s->symbols[i]->name, item->name) == 0) old = s->symbols[i];
  if (old) {
    prp_error(c->diag, item->name_loc, "'%s' is already declared in this truth block", item->name);
    note_declared(c, old);
    return;
  }
  ast_symbol_kind kind = item->kind == DECL_CONST ? SYM_CONST : item->nparams ? SYM_FUNC : SYM_LET;
  ast_symbol *sym = new_symbol(c, kind, item->name, item->name_loc, item);
  sym->arity = item->nparams;
  item->sym = sym;
  s->symbols = ast_list_push(c->prog, s->symbols, &s->nsymbols, sizeof sym, &sym);
}

void check_truth(checker *c, ast_decl *d) {
  scope s = {0};
  ast_assign *seen[64];
  int nseen = 0, npde = 0, nsensors = 0;
  for (int i = 0; i < d->nitems; i++) {
    d->items[i]->in_truth = 1;
    if (d->items[i]->kind == DECL_CONST || d->items[i]->kind == DECL_LET) truth_define(c, d->items[i], &s);
  }
  c->truth_scope = &s;
  for (int i = 0; i < d->nitems; i++) {
    ast_decl *item = d->items[i];
    double v;
    switch (item->kind) {
    case DECL_CONST: eval_constant(c, item->value, NULL, &v, "the value of a constant"); break;
    case DECL_LET: if (item->sym) check_let(c, item->sym); break;
    case DECL_PDE:
      if (npde++) prp_error(c->diag, item->loc, "the truth block has a second PDE");
      else if (c->pb->field) check_scalar(c, item->lhs, NULL, CTX_PDE), check_scalar(c, item->rhs, NULL, CTX_PDE);
      break;
    case DECL_SENSORS:
      if (nsensors++) prp_error(c->diag, item->loc, "the truth block has a second sensor layout");
      else if (item->sensors.kind == SENSORS_FILE) prp_error(c->diag, item->loc, "inside 'truth', sensors are a layout (x = a .. b count n, ...), not a file");
      else check_sensor_layout(c, &item->sensors, item->loc);
      break;
    case DECL_OPTION:
      if (item->assigns) truth_set(c, item, seen, &nseen);
      else truth_option(c, item);
      break;
    default: break;
    }
  }
  c->truth_scope = NULL;
  if (!nsensors) prp_error(c->diag, d->loc, "the truth block needs a sensor layout, as 'sensors x = 0.1 .. 0.9 count 5, t = 0 .. 1 count 10'");
  for (int k = 0; k < c->pb->nunknowns; k++) {
    int found = 0;
    for (int j = 0; j < nseen; j++) found |= seen[j]->sym == c->pb->unknowns[k];
    if (!found) {
      prp_error(c->diag, d->loc, "the truth block does not give the true value of unknown '%s'", c->pb->unknowns[k]->name);
      prp_note(c->diag, c->pb->unknowns[k]->loc, "add 'set %s = ...'; '%s' is declared here", c->pb->unknowns[k]->name, c->pb->unknowns[k]->name);
    }
  }
}

/* ---- train --------------------------------------------------------------- */

/* "lr, unknowns_lr, decay or every": the keys of a line. */
static void key_list(const char *line, char *out, size_t size) {
  const prp_train_key *keys[16];
  int n = 0;
  for (int k = 0; k < prp_train_nkeys && n < 16; k++)
    if (strcmp(prp_train_keys[k].line, line) == 0) keys[n++] = &prp_train_keys[k];
  out[0] = '\0';
  for (int k = 0; k < n; k++) {
    if (k) strncat(out, k + 1 == n ? " or " : ", ", size - strlen(out) - 1);
    strncat(out, keys[k]->name, size - strlen(out) - 1);
  }
}

/* The number after key a (at i) in line o; returns the index of that number. */
static int train_key(checker *c, const ast_option *o, int i, const prp_train_key *key) {
  double v;
  long n;
  switch (key->kind) {
  case PRP_TRAIN_KEY_POSITIVE:
    if (arg_number(c, o, i + 1, "a positive number", &v) && v <= 0)
      prp_error(c->diag, o->args[i + 1].loc, "'%s' must be positive", key->name);
    break;
  case PRP_TRAIN_KEY_EPOCHS: arg_count(c, o, i + 1, "a number of epochs", &n); break;
  case PRP_TRAIN_KEY_COUNT: arg_count(c, o, i + 1, "a whole number", &n); break;
  case PRP_TRAIN_KEY_WHOLE:
    if (arg_number(c, o, i + 1, "a whole number", &v) && (v < 0 || !integral(v) || v > MAX_COUNT))
      prp_error(c->diag, o->args[i + 1].loc, "'%s' is a whole number from 0 to %d, not %g", key->name, MAX_COUNT, v);
    break;
  case PRP_TRAIN_KEY_WEIGHT:
    if (arg_number(c, o, i + 1, "a weight", &v) && v < 0) prp_error(c->diag, o->args[i + 1].loc, "a weight cannot be negative");
    break;
  }
  return i + 1;
}

static const prp_train_key *key_at(const ast_option *o, int i) {
  return o->args[i].kind == ARG_WORD ? prp_train_key_find(o->name, o->args[i].text) : NULL;
}

/* From argument `first` on, only the line's keys, each with its number (an unknown
 * word's number is not an error of its own). */
static void train_keys(checker *c, const ast_option *o, int first) {
  for (int i = first; i < o->nargs; i++) {
    const prp_train_key *key = key_at(o, i);
    if (key) {
      i = train_key(c, o, i, key);
      continue;
    }
    char keys[128];
    key_list(o->name, keys, sizeof keys);
    prp_error(c->diag, o->args[i].loc, "unexpected %s argument; expected %s", o->name, keys);
    if (o->args[i].kind == ARG_WORD && i + 1 < o->nargs && o->args[i + 1].kind == ARG_NUMBER) i++;
  }
}

static void train_optimizer(checker *c, const prp_train_option *row, const ast_option *o) {
  if (arg_choice(c, o, 0, row->what, row->words) < 0) return;
  train_keys(c, o, 1);
}

static void train_collocation(checker *c, const prp_train_option *row, const ast_option *o) {
  long n;
  arg_count(c, o, 0, row->what, &n);
  for (int i = 1; i < o->nargs; i++) {
    const prp_train_key *key = key_at(o, i);
    if (key) i = train_key(c, o, i, key);
    else arg_choice(c, o, i, "the sampler", row->words);
  }
}

/* `strict N resample K`: a count, then the line's keys. */
static void train_count_keys(checker *c, const prp_train_option *row, const ast_option *o) {
  long n;
  int zero = row->lo == 0 && o->nargs > 0 && o->args[0].kind == ARG_NUMBER && o->args[0].num == 0;   /* refine 0 */
  if (zero || arg_count(c, o, 0, row->what, &n)) train_keys(c, o, 1);
}

static void train_weights(checker *c, const prp_train_option *row, const ast_option *o) {
  const char *terms[16];
  int n = 0;
  for (int k = 0; k < prp_train_nkeys && n < 15; k++)
    if (strcmp(prp_train_keys[k].line, o->name) == 0) terms[n++] = prp_train_keys[k].name;
  terms[n] = NULL;
  if (o->nargs == 0) prp_error(c->diag, o->loc, "'weights' needs pairs such as 'data 10, residual 1'");
  for (int i = 0; i < o->nargs; i += 2)
    if (arg_choice(c, o, i, row->what, terms) >= 0) train_key(c, o, i, prp_train_key_find(o->name, o->args[i].text));
}

/* `stop settled TOL over N`: TOL a share of the bound widths in (0, 1), N epochs. */
static void train_stop(checker *c, const prp_train_option *row, const ast_option *o) {
  double v;
  long n;
  if (arg_choice(c, o, 0, row->what, row->words) < 0) return;
  if (arg_number(c, o, 1, "a tolerance (a share of each unknown's bound width)", &v) && !(v > row->lo && v < row->hi))
    prp_error(c->diag, o->args[1].loc, row->limit_message, v);
  if (o->nargs > 2 && !word_is(&o->args[2], "over")) prp_error(c->diag, o->args[2].loc, "expected 'over' and a number of epochs after the tolerance");
  else if (arg_count(c, o, 3, "a number of epochs after 'over'", &n)) extra_arg(c, o, 4);
}

/* `output field grid N x M times K`: the grid of the exported field (.vti files). */
static void train_output_field(checker *c, const ast_option *o) {
  int i = 1;
  long n;
  if (i < o->nargs && word_is(&o->args[i], "grid")) {
    int sizes = 0;
    double total = 1;
    for (i++; i < o->nargs && (sizes == 0 || word_is(&o->args[i], "x")); sizes++) {
      if (sizes > 0) i++;
      if (arg_count(c, o, i, "a number of grid points", &n) && (n < 2 || n > PRP_FIELD_MAX_SIZE))
        prp_error(c->diag, o->args[i].loc, "a field grid has 2 to %d points along each axis, not %ld", PRP_FIELD_MAX_SIZE, n);
      else if (i < o->nargs && o->args[i].kind == ARG_NUMBER) total *= o->args[i].num;
      i++;
    }
    if (total > PRP_FIELD_MAX_POINTS)
      prp_error(c->diag, o->loc, "the field grid has %.0f points; at most %d are written per time", total, PRP_FIELD_MAX_POINTS);
    if (sizes != c->pb->nspace)
      prp_error(c->diag, o->loc, "the field grid needs %d size%s, one per space coordinate; %d given", c->pb->nspace,
                c->pb->nspace == 1 ? "" : "s", sizes);
  }
  if (i < o->nargs && word_is(&o->args[i], "times")) {
    if (c->pb->time_index < 0) prp_error(c->diag, o->args[i].loc, "'times' needs a time coordinate; this problem has none");
    else if (arg_count(c, o, i + 1, "a number of times", &n) && (n < 1 || n > PRP_FIELD_MAX_TIMES))
      prp_error(c->diag, o->args[i + 1].loc, "a field is written at 1 to %d times, not %ld", PRP_FIELD_MAX_TIMES, n);
    i += 2;
  }
  if (i < o->nargs) prp_error(c->diag, o->args[i].loc, "unexpected argument; 'output field' takes 'grid N x M' and 'times K'");
}

static void train_warmup(checker *c, const prp_train_option *row, const ast_option *o) {
  double v;
  const ast_arg *a = arg_at(c, o, 0, row->what);
  if (a && a->kind == ARG_PERCENT && (a->num < row->lo || a->num >= row->hi))
    prp_error(c->diag, a->loc, "a warm-up share lies in [%g%%, %g%%), not %g%%", row->lo, row->hi, a->num);
  else if (a && a->kind != ARG_PERCENT && arg_number(c, o, 0, "a number of epochs or a share (10%)", &v) && (v < row->lo || !integral(v)))
    prp_error(c->diag, a->loc, "a warm-up is a whole number of epochs >= %g or a share of training, not %g", row->lo, v);
}

/* An option line of one argument. */
static void train_simple(checker *c, const prp_train_option *row, const ast_option *o) {
  long n;
  double v;
  switch (row->kind) {
  case PRP_TRAIN_ARG_SEED:
    if (arg_number(c, o, 0, row->what, &v) && (v < row->lo || v > row->hi || !integral(v)))
      prp_error(c->diag, o->args[0].loc, row->limit_message, v);
    break;
  case PRP_TRAIN_ARG_CHOICE: arg_choice(c, o, 0, row->what, row->words); break;
  case PRP_TRAIN_ARG_SHARE:
    if (arg_number(c, o, 0, row->what, &v) && !(v > row->lo && v <= row->hi)) prp_error(c->diag, o->args[0].loc, row->limit_message, v);
    break;
  case PRP_TRAIN_ARG_WARMUP: train_warmup(c, row, o); break;
  case PRP_TRAIN_ARG_DIRECTORY:
    if (prp_train_is_output_field(o)) {
      train_output_field(c, o);
      return;
    }
    const ast_arg *a = arg_at(c, o, 0, row->what);
    if (a && a->kind != ARG_STRING) prp_error(c->diag, a->loc, "'%s' expects %s", o->name, row->what);
    break;
  default: arg_count(c, o, 0, row->what, &n); break;
  }
  extra_arg(c, o, 1);
}

void check_train(checker *c, ast_decl *d) {
  const char *known[64];
  for (int k = 0; k < prp_train_noptions && k < 63; k++) known[k] = prp_train_options[k].name;
  known[prp_train_noptions < 63 ? prp_train_noptions : 63] = NULL;
  for (int i = 0; i < d->noptions; i++) {
    const ast_option *o = &d->options[i];
    if (duplicate_option(c, d->options, i)) continue;
    const prp_train_option *row = prp_train_option_find(o->name);
    if (!row) unknown_option(c, o, "train", known);
    else if (row->kind == PRP_TRAIN_ARG_OPTIMIZER) train_optimizer(c, row, o);
    else if (row->kind == PRP_TRAIN_ARG_COLLOCATION) train_collocation(c, row, o);
    else if (row->kind == PRP_TRAIN_ARG_WEIGHTS) train_weights(c, row, o);
    else if (row->kind == PRP_TRAIN_ARG_STOP) train_stop(c, row, o);
    else if (row->kind == PRP_TRAIN_ARG_COUNT_KEYS) train_count_keys(c, row, o);
    else train_simple(c, row, o);
  }
}
