/* Front end and planner: the table of the train block's options and how each
 * sets the runtime problem; see train_options.h. */
#include "train_options.h"
#include "sampling.h"
#include "train_serialize.h"
#include <stdlib.h>
#include <string.h>

/* ---- reading a line ------------------------------------------------------------- */

static int word_at(const ast_option *o, int i, const char *w) {
  return o && i < o->nargs && o->args[i].kind == ARG_WORD && strcmp(o->args[i].text, w) == 0;
}

static int has_word(const ast_option *o, const char *w) {
  for (int i = 0; o && i < o->nargs; i++)
    if (word_at(o, i, w)) return 1;
  return 0;
}

/* The line's first number, else the first number of the row's default, else 0. */
static double number(const prp_train_option *row, const ast_option *o) {
  if (o && o->nargs > 0 && o->args[0].kind == ARG_NUMBER) return o->args[0].num;
  return row->dflt ? strtod(row->dflt, NULL) : 0;
}

/* The line's first word, else the default's last word (its only one for a choice). */
static const char *word(const prp_train_option *row, const ast_option *o) {
  if (o && o->nargs > 0 && o->args[0].kind == ARG_WORD) return o->args[0].text;
  const char *space = strrchr(row->dflt, ' ');
  return space ? space + 1 : row->dflt;
}

/* The number after key's word in line o; 0 with *given = 0 if there is none. */
static double key_number(const ast_option *o, const prp_train_key *key, int *given) {
  for (int i = 0; o && i + 1 < o->nargs; i++)
    if (word_at(o, i, key->name) && o->args[i + 1].kind == ARG_NUMBER) {
      *given = 1;
      return o->args[i + 1].num;
    }
  *given = 0;
  return key->dflt ? strtod(key->dflt, NULL) : 0;
}

static double key_value(const ast_option *o, const char *line, const char *name) {
  int given;
  return key_number(o, prp_train_key_find(line, name), &given);
}

/* ---- how each option sets the problem -------------------------------------------------- */

static void apply_optimizer(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  int given;
  tp->lr = key_value(o, row->name, "lr");
  tp->lr_unknowns = key_number(o, prp_train_key_find(row->name, "unknowns_lr"), &given);
  if (!given) tp->lr_unknowns = tp->lr;
  tp->lr_decay = key_value(o, row->name, "decay");
  tp->lr_every = (int)key_value(o, row->name, "every");
}

static void apply_lbfgs(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->lbfgs_iterations = (int)number(row, o);
}

/* refine N [path K] [hops H]; absent: the default, 30 steps when affordable (train.h); refine 0: none */
static void apply_refine(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->refine_steps = (int)number(row, o);
  tp->refine_path = (int)key_value(o, row->name, "path");
  tp->refine_hops = (int)key_value(o, row->name, "hops");
  tp->refine_by_default = o == NULL;
}

static void apply_epochs(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->epochs = (int)number(row, o);
}

static void apply_collocation(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->n_collocation = (int)number(row, o);
  tp->sampler = has_word(o, "uniform") ? PRP_SAMPLE_UNIFORM : has_word(o, "lhs") ? PRP_SAMPLE_LHS
              : (prp_sample_kind)prp_sample_kind_parse(word(row, NULL));
  tp->resample_every = (int)key_value(o, row->name, "resample");
}

static void apply_boundary_points(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->n_boundary = (int)number(row, o);
}

static void apply_initial_points(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->n_initial = (int)number(row, o);
}

static void apply_seed(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->seed = (uint64_t)number(row, o);
}

static void apply_precision(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->single = strcmp(word(row, o), "f32") == 0;
}

static void apply_restarts(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->restarts = (int)number(row, o);
}

static void apply_threads(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->threads = (int)number(row, o);
}

/* After epochs, whose count the automatic interval follows. */
static void apply_log(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->log_every = o ? (int)number(row, o) : prp_train_log_every_auto(tp->epochs);
}

static void apply_warmup(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  if (o && o->nargs > 0 && o->args[0].kind == ARG_PERCENT) tp->warmup_share = o->args[0].num / 100;
  else tp->warmup_epochs = (int)number(row, o);
}

static void apply_source_energy(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->source_energy_free = strcmp(word(row, o), "free") == 0;
}

static void apply_unknowns_slowdown(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->unknowns_slowdown = number(row, o);
}

/* stop settled TOL over N (runtime/train/train_stop.h); absent: no rule */
static void apply_stop(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  (void)row;
  tp->stop_tol = o && o->nargs == 4 ? o->args[1].num : 0;
  tp->stop_over = o && o->nargs == 4 ? (int)o->args[3].num : 0;
}

/* strict N [resample K] (train.h: prp_train_strict_phase); absent: no strict phase */
static void apply_strict(const prp_train_option *row, const ast_option *o, prp_train_problem *tp) {
  tp->strict_epochs = o ? (int)number(row, o) : 0;
  tp->strict_resample = o ? (int)key_value(o, row->name, "resample") : 0;
}

/* ---- the table ------------------------------------------------------------------------- */

static const char *const optimizers[] = {"adam", NULL};
static const char *const samplers[] = {"uniform", "sobol", "lhs", NULL};
static const char *const precisions[] = {"f32", "f64", NULL};
static const char *const energies[] = {"free", "box", NULL};
static const char *const stop_rules[] = {"settled", NULL};

/* Designated fields: a row names what it has; counts are [1, PRP_TRAIN_MAX_COUNT]. */
#define COUNT_ARG .kind = PRP_TRAIN_ARG_COUNT, .lo = 1, .hi = PRP_TRAIN_MAX_COUNT, .set = PRP_TRAIN_SET_ARGS
/* The order is the checker's: the first near name is its "did you mean" hint. */
const prp_train_option prp_train_options[] = {
  {.name = "optimizer", .kind = PRP_TRAIN_ARG_OPTIMIZER, .what = "the optimizer", .dflt = "adam", .words = optimizers,
   .set = PRP_TRAIN_SET_KEYS, .apply = apply_optimizer,
   .help = "adam, then lr R (0.001), unknowns_lr R (the lr), decay F every N (none)"},
  {.name = "lbfgs", COUNT_ARG, .what = "a count", .apply = apply_lbfgs, .help = "L-BFGS iterations after Adam (none)"},
  {.name = "epochs", COUNT_ARG, .what = "a count", .dflt = "5000", .apply = apply_epochs, .help = "Adam epochs"},
  {.name = "collocation", .kind = PRP_TRAIN_ARG_COLLOCATION, .what = "a number of collocation points",
   .dflt = "2048 sobol", .lo = 1, .hi = PRP_TRAIN_MAX_COUNT, .words = samplers, .set = PRP_TRAIN_SET_FIRST,
   .apply = apply_collocation, .help = "residual points, then uniform, sobol or lhs, then resample N (never)"},
  {.name = "boundary_points", COUNT_ARG, .what = "a count", .dflt = "256", .apply = apply_boundary_points,
   .help = "points on the boundary per boundary condition"},
  {.name = "initial_points", COUNT_ARG, .what = "a count", .dflt = "512", .apply = apply_initial_points,
   .help = "points at the initial time per initial condition"},
  {.name = "weights", .kind = PRP_TRAIN_ARG_WEIGHTS, .what = "a loss term", .set = PRP_TRAIN_SET_KEYS,
   .help = "pairs of data, residual, initial, boundary and a weight >= 0 (1)"},   /* applied per term by plan.c */
  {.name = "seed", .kind = PRP_TRAIN_ARG_SEED, .what = "a seed", .dflt = "0", .lo = 0, .hi = 1e15 - 1,
   .limit_message = "a seed is a whole number >= 0", .set = PRP_TRAIN_SET_ARGS, .apply = apply_seed,
   .help = "the random seed"},
  {.name = "precision", .kind = PRP_TRAIN_ARG_CHOICE, .what = "the precision", .dflt = "f64", .words = precisions,
   .set = PRP_TRAIN_SET_ARGS, .apply = apply_precision, .help = "f32 or f64: the network's arithmetic"},
  {.name = "restarts", COUNT_ARG, .what = "a count", .dflt = "1", .apply = apply_restarts,
   .help = "independent runs from different seeds; the best is kept"},
  {.name = "threads", COUNT_ARG, .what = "a count", .dflt = "1", .apply = apply_threads,
   .help = "threads over the chunks of points of each step (the results do not depend on it)"},
  {.name = "output", .kind = PRP_TRAIN_ARG_DIRECTORY, .what = "a directory name in quotes", .set = PRP_TRAIN_SET_ARGS,
   .help = "\"directory\" of the results (results/PROBLEM); output field [grid N x M] [times K]"},   /* plan.c, field_model.c */
  {.name = "log", COUNT_ARG, .what = "a number of epochs", .apply = apply_log,
   .help = "a history row every N epochs (epochs / 200)"},
  {.name = "warmup", .kind = PRP_TRAIN_ARG_WARMUP, .what = "a number of epochs or a share of training (10%)",
   .dflt = "0", .lo = 0, .hi = 100, .set = PRP_TRAIN_SET_ARGS, .apply = apply_warmup,
   .help = "epochs (500) or a share (10%) at the start with the unknowns frozen"},
  {.name = "source_energy", .kind = PRP_TRAIN_ARG_CHOICE, .what = "the source energy", .dflt = "free", .words = energies,
   .set = PRP_TRAIN_SET_ARGS, .apply = apply_source_energy,
   .help = "free or box: whether a dilated source's energy outside the box counts"},
  {.name = "unknowns_slowdown", .kind = PRP_TRAIN_ARG_SHARE, .what = "a share in (0, 1]", .dflt = "0.05", .lo = 0, .hi = 1,
   .limit_message = "'unknowns_slowdown' is a share in (0, 1] of the unknowns' rate (1: no slowdown), not %g",
   .set = PRP_TRAIN_SET_ARGS, .apply = apply_unknowns_slowdown,
   .help = "the share of the unknowns' rate left once relaxation has ended"},
  {.name = "stop", .kind = PRP_TRAIN_ARG_STOP, .what = "the rule after 'stop'", .lo = 0, .hi = 1, .words = stop_rules,
   .limit_message = "the tolerance of 'stop settled' is a share of the bound width in (0, 1), not %g",
   .set = PRP_TRAIN_SET_ARGS, .apply = apply_stop,
   .help = "settled TOL over N: stop once relaxed and every unknown moved < TOL of its width over N epochs (never)"},
  {.name = "refine", .kind = PRP_TRAIN_ARG_COUNT_KEYS, .what = "a count", .dflt = "30", .lo = 0, .hi = PRP_TRAIN_MAX_COUNT,
   .set = PRP_TRAIN_SET_FIRST, .apply = apply_refine,
   .help = "at most N Levenberg-Marquardt steps on the unknowns after training, the model solved by the simulator, "
           "from the network's estimate and the best of path K (10) points of the unknowns' path; 0: none "
           "(30, when affordable)"},
  {.name = "strict", .kind = PRP_TRAIN_ARG_COUNT_KEYS, .what = "a number of epochs", .lo = 1, .hi = PRP_TRAIN_MAX_COUNT,
   .set = PRP_TRAIN_SET_FIRST, .apply = apply_strict,
   .help = "N Adam epochs of the strict problem after the epochs, unknowns at full rate, then resample K (100) (none)"},
};
#undef COUNT_ARG
const int prp_train_noptions = (int)(sizeof prp_train_options / sizeof prp_train_options[0]);

const prp_train_key prp_train_keys[] = {
  {"optimizer", "lr", "lr", PRP_TRAIN_KEY_POSITIVE, "0.001", "the network's learning rate"},
  {"optimizer", "unknowns_lr", "unknowns_lr", PRP_TRAIN_KEY_POSITIVE, NULL, "the unknowns' learning rate (the lr)"},
  {"optimizer", "decay", "decay", PRP_TRAIN_KEY_POSITIVE, NULL, "the factor of the rates every N epochs (none)"},
  {"optimizer", "every", "every", PRP_TRAIN_KEY_EPOCHS, NULL, "epochs between two decays"},
  {"collocation", "resample", "resample", PRP_TRAIN_KEY_EPOCHS, NULL, "epochs between two draws (never)"},
  {"strict", "resample", "strict.resample", PRP_TRAIN_KEY_EPOCHS, "100", "epochs between two draws in the strict phase"},
  {"refine", "path", "refine.path", PRP_TRAIN_KEY_COUNT, "10",
   "points of the unknowns' path screened by the model's misfit (1: the network's estimate alone)"},
  {"refine", "hops", "refine.hops", PRP_TRAIN_KEY_WHOLE, "3",
   "rounds of the search around the refined values while the model misfits the data above the noise (0: none)"},
  {"weights", "data", "weight.data", PRP_TRAIN_KEY_WEIGHT, "1", "the weight of the data misfit"},
  {"weights", "residual", "weight.residual", PRP_TRAIN_KEY_WEIGHT, "1", "the weight of the PDE residual"},
  {"weights", "initial", "weight.initial", PRP_TRAIN_KEY_WEIGHT, "1", "the weight of the initial conditions"},
  {"weights", "boundary", "weight.boundary", PRP_TRAIN_KEY_WEIGHT, "1", "the weight of the boundary conditions"},
};
const int prp_train_nkeys = (int)(sizeof prp_train_keys / sizeof prp_train_keys[0]);

/* ---- look-ups ------------------------------------------------------------------------------ */

const prp_train_option *prp_train_option_find(const char *name) {
  for (int i = 0; i < prp_train_noptions; i++)
    if (strcmp(prp_train_options[i].name, name) == 0) return &prp_train_options[i];
  return NULL;
}

const prp_train_key *prp_train_key_find(const char *line, const char *name) {
  for (int i = 0; i < prp_train_nkeys; i++)
    if (strcmp(prp_train_keys[i].line, line) == 0 && strcmp(prp_train_keys[i].name, name) == 0) return &prp_train_keys[i];
  return NULL;
}

const prp_train_key *prp_train_key_by_set_name(const char *set_name) {
  for (int i = 0; i < prp_train_nkeys; i++)
    if (strcmp(prp_train_keys[i].set_name, set_name) == 0) return &prp_train_keys[i];
  return NULL;
}

int prp_train_is_output_field(const ast_option *o) { return strcmp(o->name, "output") == 0 && word_at(o, 0, "field"); }

int prp_train_same_line(const ast_option *a, const ast_option *b) {
  return strcmp(a->name, b->name) == 0 && prp_train_is_output_field(a) == prp_train_is_output_field(b);
}

const ast_option *prp_train_line(const ast_decl *train, const char *name) {
  for (int i = 0; train && i < train->noptions; i++)
    if (strcmp(train->options[i].name, name) == 0 && !prp_train_is_output_field(&train->options[i])) return &train->options[i];
  return NULL;
}

const ast_option *prp_train_field_line(const ast_decl *train) {
  for (int i = 0; train && i < train->noptions; i++)
    if (prp_train_is_output_field(&train->options[i])) return &train->options[i];
  return NULL;
}

double prp_train_key_value(const ast_decl *train, const prp_train_key *key) {
  int given;
  return key_number(prp_train_line(train, key->line), key, &given);
}

void prp_train_options_apply(const ast_decl *train, prp_train_problem *tp) {
  for (int i = 0; i < prp_train_noptions; i++) {
    const prp_train_option *row = &prp_train_options[i];
    if (row->apply) row->apply(row, prp_train_line(train, row->name), tp);
  }
}
