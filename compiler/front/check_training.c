/* Front end, stage 2: checking the training side of a problem: the relax
 * schedules (which must end at the physical values), network and train. */
#include "check_context.h"
#include "keywords.h"
#include <math.h>
#include <string.h>

/* The option-line helpers are small; these mirror check_blocks.c's for the
 * schedule arguments, which are not option lines of their own. */
static int is_word(const ast_arg *a, const char *w) { return a->kind == ARG_WORD && strcmp(a->text, w) == 0; }

static int same_value(double a, double b) { return a == b || fabs(a - b) <= 1e-12 * fmax(fabs(a), fabs(b)); }

static int mechanism_kind(checker *c, ast_schedule *s) {
  for (int k = 0; prp_relax_mechanisms[k]; k++)
    if (strcmp(s->mechanism, prp_relax_mechanisms[k]) == 0) return k;
  prp_error(c->diag, s->mechanism_loc, "unknown relaxation '%s'; expected smoothing, dilatation or nudging", s->mechanism);
  return -1;
}

/* The physical value a schedule must end at: 0, or the dilated constant's value. */
static int physical_value(checker *c, ast_schedule *s, double *out) {
  if (s->kind != RELAX_DILATATION) { *out = 0; return 1; }
  if (!check_dilated_constant(c, s)) return 0;
  *out = s->target->value;
  return 1;
}

int check_dilated_constant(checker *c, ast_schedule *s) {
  ast_symbol *sym = prp_lookup(c->prog, s->var);
  const ast_decl *pde = c->pb->pde;
  if (!sym || sym->kind != SYM_CONST) {
    prp_error(c->diag, s->var_loc, "dilatation widens a constant of the source; '%s' is %s", s->var,
              sym ? symbol_kind_name(sym->kind) : "not declared");
    if (sym) note_declared(c, sym);
    return 0;
  }
  if (pde && !uses_symbol(pde->rhs, sym, 0)) {
    prp_error(c->diag, s->var_loc, "dilatation of '%s', which is not a constant of the source (the right side of the PDE)", s->var);
    prp_note(c->diag, pde->rhs->loc, "the source is this");
    return 0;
  }
  s->target = sym;
  return 1;
}

static int check_until(checker *c, double until, int percent, prp_loc loc) {
  if (percent && (until <= 0 || until > 100)) {
    prp_error(c->diag, loc, "a share of training lies in (0%%, 100%%], not %g%%", until);
    return 0;
  }
  if (!percent && (until < 1 || until != floor(until))) {
    prp_error(c->diag, loc, "'until' is a percentage of training (60%%) or a whole number of epochs");
    return 0;
  }
  return 1;
}

/* Shape of the decay: a built-in name or a user function f(p) with f(0) = 1, f(1) = 0. */
static int check_shape(checker *c, ast_schedule *s, const ast_arg *a) {
  static const char *shapes[] = {"linear", "cosine", "exp", "step", NULL};
  for (int k = 0; shapes[k]; k++)
    if (strcmp(a->text, shapes[k]) == 0) { s->shape = shapes[k]; return 1; }
  ast_symbol *fn = prp_lookup(c->prog, a->text);
  if (!fn || fn->kind != SYM_FUNC || fn->arity != 1) {
    prp_error(c->diag, a->loc, "unknown schedule shape '%s'; expected linear, cosine, exp, step or a function f(p) of one argument", a->text);
    return 0;
  }
  double p0 = 0, p1 = 1, f0, f1;
  if (!check_let(c, fn)) return 0;
  if (!const_eval_env(fn->decl->value, &p0, 1, &f0, NULL) || !const_eval_env(fn->decl->value, &p1, 1, &f1, NULL) ||
      !same_value(f0, 1) || fabs(f1) > 1e-12) {
    prp_error(c->diag, a->loc, "a schedule shape f(p) must go from f(0) = 1 to f(1) = 0; '%s' does not", a->text);
    note_declared(c, fn);
    return 0;
  }
  s->shape = fn->name;
  s->shape_fn = fn;
  return 1;
}

static void check_schedule_args(checker *c, ast_schedule *s) {
  s->shape = "linear";
  for (int i = 0; i < s->nargs; i++) {
    const ast_arg *a = &s->args[i];
    if (is_word(a, "width") && s->kind == RELAX_NUDGING) {
      if (i + 1 >= s->nargs || s->args[i + 1].kind != ARG_NUMBER || s->args[i + 1].num <= 0)
        prp_error(c->diag, a->loc, "'width' needs a positive number, the width h of the nudging kernel");
      else s->width = s->args[++i].num;
    } else if (is_word(a, "conserve") && s->kind == RELAX_DILATATION) {
      s->conserve_mass = 1;
      if (i + 1 < s->nargs && is_word(&s->args[i + 1], "mass")) i++;
    } else if (a->kind == ARG_WORD && i == 0) {
      check_shape(c, s, a);
    } else {
      prp_error(c->diag, a->loc, "unexpected argument of a %s schedule", s->mechanism);
    }
  }
}

static void check_piecewise(checker *c, ast_schedule *s, double physical) {
  double last_at = -1, v = 0;
  for (int i = 0; i < s->npw; i++) {
    ast_pw_point *p = &s->pw[i];
    if (!check_until(c, p->at == 0 ? 1 : p->at, p->percent, p->loc)) continue;
    if (p->at <= last_at) prp_error(c->diag, p->loc, "the points of a piecewise schedule must be in increasing order");
    last_at = p->at;
    if (eval_constant(c, p->value, NULL, &v, "a schedule value") && i == 0) s->from_value = v;
  }
  s->to_value = v;
  if (s->npw > 0 && !same_value(v, physical))
    prp_error(c->diag, s->pw[s->npw - 1].value->loc, "the %s schedule must end at the physical value %g, not %g", s->mechanism, physical, v);
}

static void check_schedule(checker *c, ast_schedule *s) {
  int kind = mechanism_kind(c, s);
  if (kind < 0) return;
  s->kind = (ast_relax_kind)kind;
  double physical;
  if (!physical_value(c, s, &physical)) return;
  check_schedule_args(c, s);
  if (s->npw) {
    check_piecewise(c, s, physical);
    return;
  }
  check_until(c, s->until, s->until_percent, s->until_loc);
  eval_constant(c, s->from, NULL, &s->from_value, "the start of a schedule");
  if (!eval_constant(c, s->to, NULL, &s->to_value, "the end of a schedule")) return;
  if (!same_value(s->to_value, physical)) {
    prp_error(c->diag, s->to->loc, "the %s schedule must end at the physical value %g, not %g", s->mechanism, physical, s->to_value);
    if (s->target) note_declared(c, s->target);
  }
  if (s->kind != RELAX_DILATATION && s->from_value < 0)
    prp_error(c->diag, s->from->loc, "%s starts at a negative value %g", s->mechanism, s->from_value);
}

void check_relax(checker *c, ast_decl *d) {
  if (d->relax_auto) {
    check_relax_auto(c, d);
    return;
  }
  for (int i = 0; i < d->nschedules; i++) {
    ast_schedule *s = &d->schedules[i];
    check_schedule(c, s);
    for (int j = 0; j < i; j++)
      if (strcmp(d->schedules[j].mechanism, s->mechanism) == 0 && strcmp(d->schedules[j].var, s->var) == 0) {
        prp_error(c->diag, s->loc, "a second %s schedule for '%s'", s->mechanism, s->var);
        prp_note(c->diag, d->schedules[j].loc, "the first one is here");
      }
  }
}

/* ---- network and train --------------------------------------------------- */

void check_network(checker *c, ast_decl *d) {
  if (strcmp(d->name, "mlp") != 0) {
    prp_error(c->diag, d->name_loc, "unknown network '%s'; the available one is mlp(width, ...)", d->name);
    return;
  }
  if (d->nwidths == 0) prp_error(c->diag, d->loc, "the network has no layers: give the hidden widths, as mlp(64, 64, 64)");
  for (int i = 0; i < d->nwidths; i++) {
    long w;
    if (check_count(c, d->widths[i], "a layer width", &w) && w > 4096)
      prp_error(c->diag, d->widths[i]->loc, "a layer width of %ld is too large (at most 4096)", w);
  }
  static const char *activations[] = {"tanh", "sin", "sigmoid", "softplus", NULL};
  const ast_option *o = &d->options[0];
  for (int i = 0; i < o->nargs; i++) {
    const ast_arg *a = &o->args[i];
    int known = 0;
    for (int k = 0; activations[k]; k++) known |= is_word(a, activations[k]);
    if (known) continue;
    if ((is_word(a, "init") || is_word(a, "scaling")) && i + 1 < o->nargs && o->args[i + 1].kind == ARG_WORD) {
      const char *v = o->args[++i].text;
      int ok = is_word(a, "init") ? (strcmp(v, "xavier") == 0 || strcmp(v, "glorot") == 0)
                                  : (strcmp(v, "box") == 0 || strcmp(v, "none") == 0);
      if (!ok) prp_error(c->diag, o->args[i].loc, "'%s' %s is not known; init is xavier (or glorot, the same); scaling is box or none", a->text, v);
      continue;
    }
    prp_error(c->diag, a->loc, "unexpected network argument; expected an activation (tanh, sin, sigmoid, softplus), 'init NAME' or 'scaling box|none'");
  }
}
