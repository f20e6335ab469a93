/* Runtime, training: relaxation schedules, evaluated every epoch, the unknowns'
 * rate that follows them (two time scales), and the strict phase after them
 * (`strict N`): which epochs it covers and when it redraws the points. */
#include "train.h"
#include <math.h>

/* f(q) for q in [0, 1], going from 1 to 0. */
static double shape_value(const prp_schedule *s, double q) {
  switch (s->shape) {
  case PRP_SHAPE_COSINE: return 0.5 * (1 + cos(M_PI * q));
  case PRP_SHAPE_EXP: return (exp(-5 * q) - exp(-5.0)) / (1 - exp(-5.0));  /* e-folding every 20% */
  case PRP_SHAPE_STEP: return q < 1 ? 1 : 0;
  case PRP_SHAPE_TABLE: {
    double pos = q * 256;
    int i = (int)pos;
    if (i >= 256) return s->table[256];
    return s->table[i] + (pos - i) * (s->table[i + 1] - s->table[i]);
  }
  default: return 1 - q;
  }
}

static double piecewise_value(const prp_schedule *s, double p) {
  if (s->npoints == 0) return s->to;
  if (p <= s->at[0]) return s->value[0];
  for (int i = 1; i < s->npoints; i++)
    if (p <= s->at[i]) {
      double w = (p - s->at[i - 1]) / (s->at[i] - s->at[i - 1]);
      return s->value[i - 1] + w * (s->value[i] - s->value[i - 1]);
    }
  return s->value[s->npoints - 1];
}

double prp_schedule_end(const prp_schedule *s) {
  if (s->shape == PRP_SHAPE_PIECEWISE) return s->npoints > 0 ? s->at[s->npoints - 1] : 0;
  return s->until;
}

double prp_schedule_value(const prp_schedule *s, double p) {
  if (s->shape == PRP_SHAPE_PIECEWISE) return piecewise_value(s, p);
  if (p >= s->until || s->until <= 0) return s->to;
  double q = p / s->until;
  return s->to + (s->from - s->to) * shape_value(s, q);
}

/* How much relaxation is left at share p: the largest (value - end) / (start - end)
 * over the schedules (1 while they hold, 0 once all have ended). */
static double relaxation_left(const prp_train_problem *pb, double p) {
  double left = 0;
  for (int k = 0; k < pb->n_scalars && k < PRP_TRAIN_MAX_SCALARS; k++) {
    const prp_schedule *s = &pb->schedules[k];
    double start = s->shape == PRP_SHAPE_PIECEWISE && s->npoints > 0 ? s->value[0] : s->from;
    if (!pb->has_schedule[k] || start == s->to) continue;
    double r = (prp_schedule_value(s, p) - s->to) / (start - s->to);
    if (r > left) left = r;
  }
  return left > 1 ? 1 : left;
}

int prp_train_warmup(const prp_train_problem *pb) {
  return pb->warmup_share > 0 ? (int)(pb->warmup_share * pb->epochs) : pb->warmup_epochs;
}

int prp_train_strict_phase(const prp_train_problem *pb, long epoch) {
  return pb->strict_epochs > 0 && epoch >= pb->epochs;
}

long prp_train_total_epochs(const prp_train_problem *pb) {
  return (long)pb->epochs + (pb->strict_epochs > 0 ? pb->strict_epochs : 0);
}

int prp_train_resample_at(const prp_train_problem *pb, long epoch) {
  if (prp_train_strict_phase(pb, epoch))
    return pb->strict_resample > 0 && (epoch - pb->epochs) % pb->strict_resample == 0;
  return pb->resample_every > 0 && epoch > 0 && epoch % pb->resample_every == 0;
}

double prp_train_unknowns_rate(const prp_train_problem *pb, int epoch, double rate) {
  if (epoch < prp_train_warmup(pb)) return 0;
  double f = pb->unknowns_slowdown;
  if (!pb->relaxed || !(f > 0 && f < 1) || prp_train_strict_phase(pb, epoch)) return rate;
  return rate * (f + (1 - f) * relaxation_left(pb, pb->epochs > 0 ? (double)epoch / pb->epochs : 1));
}
