/* The misfit landscape, shared by the scans over one unknown (landscape.c) and over two
 * (landscape2d.c): the model simulated at given values of the unknowns under given relaxation
 * settings, and the settings themselves (lists, or the planner's schedules: landscape_levels.c). */
#ifndef PRP_LANDSCAPE_COMMON_H
#define PRP_LANDSCAPE_COMMON_H

#include "landscape.h"

typedef struct prp_landscape_scan {
  const ast_program *prog;
  prp_jit *jit;
  prp_diag *diag;
  int warned;                          /* warnings about missing conditions given once */
  double *base;                        /* every unknown's value: its truth, else its guess */
  const ast_symbol *dilated[PRP_LANDSCAPE_MAX_LIST];   /* constants under a dilatation schedule */
  double dilated_value[PRP_LANDSCAPE_MAX_LIST];         /* their values in the model */
  int ndilated;
  int grid[PRP_SIM_MAX_DIM];
  size_t nobs;
  double *obs_coords;                  /* the observations as the planner takes them (nobs x ncoords) */
  double *obs_x, *obs_t, *obs_u;       /* sensor positions (nobs x nspace), times, values */
  double *model_u;
  long runs;
} prp_landscape_scan;

/* Fills opt's unset fields, checks the lists; the schedule flag set when the levels come from
 * the schedules (--schedule or --at; or default_schedule, no --eps or --dilate and a relax
 * block). Returns 0 or PRP_EXIT_INPUT after a reported error. */
int prp_landscape_prepare_options(const ast_program *prog, prp_landscape_options *opt, int default_schedule,
                                  prp_diag *diag);
/* Index of the unknown called name, -1 after a reported error. */
int prp_landscape_find_unknown(const ast_program *prog, const char *name, prp_diag *diag);
/* The truth block's value of an unknown, NAN if it gives none. */
double prp_landscape_truth_value(const ast_program *prog, const ast_symbol *sym);
/* The unknown's bounds, or --range if has_range; 0 or PRP_EXIT_INPUT after a reported error. */
int prp_landscape_range(const ast_program *prog, const prp_landscape_options *opt, int k, prp_diag *diag, double *lo,
                        double *hi);

/* The scan's settings, base values, simulator grid and observations (simulated from the truth
 * block, or read), and with opt->schedule the levels (landscape_levels.c). settings has room for
 * PRP_LANDSCAPE_MAX_SETTINGS. Returns 0 or an exit code after a reported error. */
int prp_landscape_scan_open(prp_landscape_scan *s, const ast_program *prog, prp_jit *jit,
                            const prp_landscape_options *opt, prp_diag *diag, prp_landscape_setting *settings,
                            int *nsettings, const char **dilated);
void prp_landscape_scan_close(prp_landscape_scan *s);

/* L for every setting, the unknown `param` at p (-1: none) and the others at s->base: one
 * compilation per run of settings with the same factors. 0 or PRP_EXIT_RUNTIME (reported). */
int prp_landscape_scan_misfits(prp_landscape_scan *s, const prp_landscape_setting *settings, int nsettings, int param,
                               double p, double *loss);

/* The levels of the file's relax schedules at shares at[0..nat) (0..1) of training, from the
 * training plan (plan.h), and its dilated constants into s. 0 or PRP_EXIT_INPUT (reported). */
int prp_landscape_schedule_levels(prp_landscape_scan *s, const double *at, int nat, prp_landscape_setting *settings,
                                  int *nsettings);

/* The names of the plan's relax schedules (history.csv's columns): names[0] the smoothing's,
 * names[1 + k] the k-th dilated constant's ("" where there is none); the dilated constants into s
 * as prp_landscape_schedule_levels does. 0 or PRP_EXIT_INPUT (reported). */
enum { PRP_LANDSCAPE_NAME_MAX = 64 };
int prp_landscape_schedule_names(prp_landscape_scan *s, char names[][PRP_LANDSCAPE_NAME_MAX]);

/* What writing a scan's files gave (both malloc'd or NULL, freed here): the numbers
 * (csv_err) must be written; the plots may be missing when PLplot has no driver (a
 * warning), else their failure is one too. 0 or PRP_EXIT_IO (reported); *plotted: 1 if
 * the plots were written. */
int prp_landscape_report_writes(prp_diag *diag, char *csv_err, char *plot_err, int *plotted);

/* "no relaxation", "eps 0.005", "sigma x 4", "50%: eps 0.01, sigma x 2.5". */
void prp_landscape_label(const char *dilated, prp_landscape_setting *st);
/* A CSV column name without spaces or commas: L_eps0.005_sigmax4, L_at50. */
void prp_landscape_column_name(const char *dilated, const prp_landscape_setting *st, const char *what, char *out,
                               size_t size);

#endif
