/* Front end, stage 2: checking the blocks made of option lines and layouts:
 * truth, sensor layouts, relax schedules, network and train. */
#include "check_internal.h"
#include "field_export.h"
#include <math.h>
#include <string.h>

enum { MAX_COUNT = 1000000000, MAX_SENSORS = 10000000 };

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
static int is_output_field(const ast_option *o) {
  return strcmp(o->name, "output") == 0 && o->nargs > 0 && word_is(&o->args[0], "field");
}

static int duplicate_option(checker *c, const ast_option *opts, int i) {
  for (int j = 0; j < i; j++)
    if (strcmp(opts[j].name, opts[i].name) == 0 && is_output_field(&opts[j]) == is_output_field(&opts[i])) {
      prp_error(c->diag, opts[i].loc, "'%s%s' is given twice", opts[i].name, is_output_field(&opts[i]) ? " field" : "");
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

static void train_optimizer(checker *c, const ast_option *o) {
  static const char *const optimizers[] = {"adam", NULL};
  if (arg_choice(c, o, 0, "the optimizer", optimizers) < 0) return;
  for (int i = 1; i < o->nargs; i++) {
    const ast_arg *a = &o->args[i];
    double v;
    if (word_is(a, "lr") || word_is(a, "unknowns_lr") || word_is(a, "decay")) {
      if (arg_number(c, o, i + 1, "a positive number", &v) && v <= 0)
        prp_error(c->diag, o->args[i + 1].loc, "'%s' must be positive", a->text);
      i++;
    } else if (word_is(a, "every")) {
      long n;
      arg_count(c, o, i + 1, "a number of epochs", &n);
      i++;
    } else {
      prp_error(c->diag, a->loc, "unexpected optimizer argument; expected lr, unknowns_lr, decay or every");
    }
  }
}

static void train_collocation(checker *c, const ast_option *o) {
  static const char *const samplers[] = {"uniform", "sobol", "lhs", NULL};
  long n;
  arg_count(c, o, 0, "a number of collocation points", &n);
  for (int i = 1; i < o->nargs; i++) {
    if (word_is(&o->args[i], "resample")) arg_count(c, o, ++i, "a number of epochs", &n);
    else arg_choice(c, o, i, "the sampler", samplers);
  }
}

static void train_weights(checker *c, const ast_option *o) {
  static const char *const terms[] = {"data", "residual", "initial", "boundary", NULL};
  if (o->nargs == 0) prp_error(c->diag, o->loc, "'weights' needs pairs such as 'data 10, residual 1'");
  for (int i = 0; i < o->nargs; i += 2) {
    double v;
    if (arg_choice(c, o, i, "a loss term", terms) < 0) continue;
    if (arg_number(c, o, i + 1, "a weight", &v) && v < 0) prp_error(c->diag, o->args[i + 1].loc, "a weight cannot be negative");
  }
}

/* `stop settled TOL over N`: TOL a share of the bound widths in (0, 1), N epochs. */
static void train_stop(checker *c, const ast_option *o) {
  static const char *const rules[] = {"settled", NULL};
  double v;
  long n;
  if (arg_choice(c, o, 0, "the rule after 'stop'", rules) < 0) return;
  if (arg_number(c, o, 1, "a tolerance (a share of each unknown's bound width)", &v) && !(v > 0 && v < 1))
    prp_error(c->diag, o->args[1].loc, "the tolerance of 'stop settled' is a share of the bound width in (0, 1), not %g", v);
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

static void train_simple(checker *c, const ast_option *o) {
  long n;
  double v;
  if (strcmp(o->name, "seed") == 0) {
    if (arg_number(c, o, 0, "a seed", &v) && (v < 0 || !integral(v))) prp_error(c->diag, o->args[0].loc, "a seed is a whole number >= 0");
  } else if (strcmp(o->name, "precision") == 0) {
    static const char *const precisions[] = {"f32", "f64", NULL};
    arg_choice(c, o, 0, "the precision", precisions);
  } else if (strcmp(o->name, "source_energy") == 0) {
    static const char *const kinds[] = {"free", "box", NULL};
    arg_choice(c, o, 0, "the source energy", kinds);
  } else if (strcmp(o->name, "unknowns_slowdown") == 0) {
    if (arg_number(c, o, 0, "a share in (0, 1]", &v) && !(v > 0 && v <= 1))
      prp_error(c->diag, o->args[0].loc, "'unknowns_slowdown' is a share in (0, 1] of the unknowns' rate (1: no slowdown), not %g", v);
  } else if (strcmp(o->name, "warmup") == 0) {
    const ast_arg *a = arg_at(c, o, 0, "a number of epochs or a share of training (10%)");
    if (a && a->kind == ARG_PERCENT && (a->num < 0 || a->num >= 100))
      prp_error(c->diag, a->loc, "a warm-up share lies in [0%%, 100%%), not %g%%", a->num);
    else if (a && a->kind != ARG_PERCENT && arg_number(c, o, 0, "a number of epochs or a share (10%)", &v) && (v < 0 || !integral(v)))
      prp_error(c->diag, a->loc, "a warm-up is a whole number of epochs >= 0 or a share of training, not %g", v);
  } else if (is_output_field(o)) {
    train_output_field(c, o);
    return;
  } else if (strcmp(o->name, "output") == 0) {
    const ast_arg *a = arg_at(c, o, 0, "a directory name in quotes");
    if (a && a->kind != ARG_STRING) prp_error(c->diag, a->loc, "'output' expects a directory name in quotes");
  } else {
    arg_count(c, o, 0, o->name[0] == 'l' && o->name[1] == 'o' ? "a number of epochs" : "a count", &n);
  }
  extra_arg(c, o, 1);
}

void check_train(checker *c, ast_decl *d) {
  static const char *const known[] = {"optimizer", "lbfgs", "epochs", "collocation", "boundary_points",
                                      "initial_points", "weights", "seed", "precision", "restarts",
                                      "threads", "output", "log", "warmup", "source_energy",
                                      "unknowns_slowdown", "stop", NULL};
  for (int i = 0; i < d->noptions; i++) {
    const ast_option *o = &d->options[i];
    if (duplicate_option(c, d->options, i)) continue;
    int k = 0;
    while (known[k] && strcmp(known[k], o->name) != 0) k++;
    if (!known[k]) unknown_option(c, o, "train", known);
    else if (k == 0) train_optimizer(c, o);
    else if (k == 3) train_collocation(c, o);
    else if (k == 6) train_weights(c, o);
    else if (k == 16) train_stop(c, o);
    else train_simple(c, o);
  }
}
