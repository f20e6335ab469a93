/* Runtime, run output: PNG plots of a run through PLplot's cairo driver: loss curves and
 * unknowns' trajectories (line plots), a 2D field with the source estimate's path, and a 1D
 * field at several times.  Each call writes one file and leaves PLplot as it found it. */
#ifndef PRP_PLOT_H
#define PRP_PLOT_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *path;      /* the PNG file to write */
  int width, height;     /* pixels; 0 means 800 x 600 */
  const char *title;     /* may be NULL, like the labels */
  const char *xlabel, *ylabel;
} prp_plot_frame;

typedef struct {
  const char *name;      /* legend entry */
  const double *x;       /* NULL means 0, 1, 2, ... */
  const double *y;
  size_t n;
} prp_plot_series;

/* Several named series on common axes, with a legend.  Non-finite points (and, with log_y,
 * non-positive ones) are skipped: the line breaks there. */
char *prp_plot_lines(const prp_plot_frame *fr, const prp_plot_series *series, size_t nseries,
                     bool log_y);

/* Several line plots on one page, `columns` across: panel k shows panels[k].n series
 * (common axes within a panel, the legend in the first), titled panels[k].title. */
typedef struct {
  const char *title;
  const prp_plot_series *series;
  size_t n;
} prp_plot_panel;

char *prp_plot_panels(const prp_plot_frame *fr, const prp_plot_panel *panels, size_t npanels, int columns);

/* A 2D field as a colour map with a colour bar, and what localises the source on top. */
typedef struct {
  const double *values;        /* values[iy * nx + ix]: nx x ny cells covering the box */
  size_t nx, ny;
  double x0, x1, y0, y1;       /* the box */
  const char *value_label;     /* colour bar label, may be NULL */
  const double *path_x, *path_y; /* the source estimate's trajectory (start and end marked) */
  size_t npath;
  const double *marker_x, *marker_y; /* the sensors */
  size_t nmarkers;
  bool has_truth;              /* a star at the true source */
  double truth_x, truth_y;
} prp_plot_field;

char *prp_plot_field2d(const prp_plot_frame *fr, const prp_plot_field *f);

/* More on a field (the misfit landscape over two unknowns marks its minima, the basin of one
 * and the initial guess). */
typedef struct {
  const char *marker_label;    /* the markers' name in the key; NULL: "sensors" */
  bool has_guess;              /* a white circle at the initial guess */
  double guess_x, guess_y;
  const unsigned char *region; /* region[iy * nx + ix] != 0: cells outlined together; may be NULL */
  const char *region_label;    /* its name in the key */
} prp_plot_field_marks;

/* prp_plot_field2d with the marks m (NULL: none). */
char *prp_plot_field2d_marked(const prp_plot_frame *fr, const prp_plot_field *f, const prp_plot_field_marks *m);

/* u(x) at several times: u[k * nx + i] is the value at x[i] and times[k]. */
char *prp_plot_profiles(const prp_plot_frame *fr, const double *x, size_t nx, const double *u,
                        const double *times, size_t ntimes);

/* True if PLplot has its PNG (pngcairo) driver. */
bool prp_plot_available(void);

#endif
