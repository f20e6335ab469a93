/* Runtime, run output: PNG plots through PLplot (pngcairo driver); see plot.h.
 * PLplot keeps global state, so every plot runs under one lock in a fresh stream of its own
 * (plmkstrm ... plend1) and the caller's current stream is restored afterwards. */
#include "plot.h"
#include "output.h"
#include "util.h"
#include <errno.h>
#include <math.h>
#include <plplot.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t plot_lock = PTHREAD_MUTEX_INITIALIZER;

/* cmap0: background, foreground, ten series colours, then marker colours. */
enum { COL_BG = 0, COL_FG = 1, COL_SERIES = 2, NSERIES_COLOURS = 10,
       COL_WHITE = 12, COL_GOLD = 13, COL_RED = 14, NCOLOURS = 15 };
static const PLINT palette[NCOLOURS][3] = {
    {255, 255, 255}, {0, 0, 0},
    {31, 119, 180}, {214, 39, 40}, {44, 160, 44}, {255, 127, 14}, {148, 103, 189},
    {140, 86, 75}, {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
    {255, 255, 255}, {255, 200, 0}, {220, 20, 20},
};

typedef enum { MARK_CIRCLE, MARK_SQUARE, MARK_TRIANGLE, MARK_STAR } marker_kind;

/* The plot being drawn (only touched under plot_lock). */
static struct {
  PLINT previous_stream;
  int width, height;
} session;

static bool device_available_locked(void) {
  enum { MAX_DEVICES = 256 };
  const char *menus[MAX_DEVICES], *names[MAX_DEVICES];
  const char **m = menus, **d = names;
  int n = MAX_DEVICES;
  plgDevs(&m, &d, &n);
  for (int i = 0; i < n; i++)
    if (strcmp(d[i], "pngcairo") == 0) return true;
  return false;
}

bool prp_plot_available(void) {
  pthread_mutex_lock(&plot_lock);
  bool ok = device_available_locked();
  pthread_mutex_unlock(&plot_lock);
  return ok;
}

static void set_palette(void) {
  PLINT r[NCOLOURS], g[NCOLOURS], b[NCOLOURS];
  for (int i = 0; i < NCOLOURS; i++) r[i] = palette[i][0], g[i] = palette[i][1], b[i] = palette[i][2];
  plscmap0(r, g, b, NCOLOURS);
}

/* Opens a fresh stream writing a temporary file beside fr->path (output.h), renamed by
 * end_plot, with columns x rows pages.  PLplot exits the process when it cannot open its
 * output file or find its driver, so both are checked here first. */
static char *begin_plot_pages(const prp_plot_frame *fr, prp_output *o, int columns, int rows) {
  if (!device_available_locked())
    return prp_errorf("%s: cannot plot: PLplot has no pngcairo driver (package plplot-driver-cairo)",
                      fr->path);
  char *err = prp_output_open_name(o, fr->path);
  if (err) return err;
  session.width = fr->width > 0 ? fr->width : 800;
  session.height = fr->height > 0 ? fr->height : 600;
  plgstrm(&session.previous_stream);
  PLINT stream = -1;
  plmkstrm(&stream);
  if (stream < 0) {
    prp_output_abort(o);
    return prp_errorf("%s: cannot plot: no free PLplot stream", fr->path);
  }
  plsdev("pngcairo");
  plsfnam(o->tmp_path);
  plspage(0, 0, session.width, session.height, 0, 0);
  set_palette();
  if (columns > 1 || rows > 1) plssub(columns, rows);
  plinit();
  pladv(0);
  plschr(0, 0.9);
  return NULL;
}

/* A PNG file ends with its IEND chunk; PLplot does not report a failed write, this does. */
static bool png_complete(const char *path) {
  static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  unsigned char tail[12];
  FILE *f = fopen(path, "rb");
  bool ok = f && fseek(f, -12, SEEK_END) == 0 && fread(tail, 1, 12, f) == 12 && memcmp(tail, iend, 12) == 0;
  if (f) fclose(f);
  return ok;
}

static char *begin_plot(const prp_plot_frame *fr, prp_output *o) { return begin_plot_pages(fr, o, 1, 1); }

/* Closes the stream and renames the PNG into place, or reports why not. */
static char *end_plot(prp_output *o) {
  plend1();
  plsstrm(session.previous_stream);
  if (!png_complete(o->tmp_path)) {
    char *err = prp_errorf("%s: write failed: the PNG is incomplete (disk full?)", o->path);
    prp_output_abort(o);
    return err;
  }
  return prp_output_commit(o);
}

/* World-coordinate size of one pixel in the current viewport and window. */
static void pixel_size(double *px, double *py) {
  PLFLT vx0, vx1, vy0, vy1, wx0, wx1, wy0, wy1;
  plgvpd(&vx0, &vx1, &vy0, &vy1);
  plgvpw(&wx0, &wx1, &wy0, &wy1);
  *px = (wx1 - wx0) / ((vx1 - vx0) * session.width);
  *py = (wy1 - wy0) / ((vy1 - vy0) * session.height);
}

/* A filled marker with a black outline, `radius` pixels across, whatever the axes' scales. */
static void draw_marker(marker_kind kind, double x, double y, double radius, PLINT fill) {
  enum { MAXV = 24 };
  PLFLT xs[MAXV + 1], ys[MAXV + 1];
  double px, py;
  pixel_size(&px, &py);
  int n = kind == MARK_CIRCLE ? MAXV : kind == MARK_SQUARE ? 4 : kind == MARK_TRIANGLE ? 3 : 10;
  double start = kind == MARK_SQUARE ? M_PI / 4 : M_PI / 2;
  for (int i = 0; i < n; i++) {
    double a = start + 2 * M_PI * i / n;
    double r = (kind == MARK_STAR && i % 2) ? 0.42 * radius : radius;
    xs[i] = x + r * cos(a) * px;
    ys[i] = y + r * sin(a) * py;
  }
  xs[n] = xs[0], ys[n] = ys[0];
  plcol0(fill);
  plfill(n, xs, ys);
  plcol0(COL_FG);
  plwidth(1.2);
  plline(n + 1, xs, ys);
}

/* ---- line plots ------------------------------------------------------------------ */

static bool plottable(double y, bool log_y) { return isfinite(y) && (!log_y || y > 0); }

static double series_x(const prp_plot_series *s, size_t i) { return s->x ? s->x[i] : (double)i; }

/* Range of the plottable points over all series (y in log10 when log_y). */
static void data_range(const prp_plot_series *s, size_t ns, bool log_y, double r[4]) {
  r[0] = r[2] = INFINITY, r[1] = r[3] = -INFINITY;
  for (size_t k = 0; k < ns; k++)
    for (size_t i = 0; i < s[k].n; i++) {
      double x = series_x(&s[k], i), y = s[k].y[i];
      if (!isfinite(x) || !plottable(y, log_y)) continue;
      if (log_y) y = log10(y);
      r[0] = fmin(r[0], x), r[1] = fmax(r[1], x);
      r[2] = fmin(r[2], y), r[3] = fmax(r[3], y);
    }
  for (int a = 0; a < 4; a += 2) {
    if (!(r[a] <= r[a + 1])) r[a] = 0, r[a + 1] = 1;       /* no data */
    if (r[a] == r[a + 1]) {
      double pad = r[a] == 0 ? 0.5 : 0.1 * fabs(r[a]);
      r[a] -= pad, r[a + 1] += pad;
    }
  }
  double margin = 0.05 * (r[3] - r[2]);
  r[2] -= margin, r[3] += margin;
}

/* Draws one series as polylines broken at the points that cannot be shown. */
static void draw_series(const prp_plot_series *s, bool log_y, PLFLT *xs, PLFLT *ys) {
  size_t run = 0;
  for (size_t i = 0; i <= s->n; i++) {
    bool ok = i < s->n && isfinite(series_x(s, i)) && plottable(s->y[i], log_y);
    if (ok) {
      xs[run] = series_x(s, i);
      ys[run] = log_y ? log10(s->y[i]) : s->y[i];
      run++;
      continue;
    }
    if (run == 1) plpoin(1, xs, ys, 17);
    if (run > 1) plline((PLINT)run, xs, ys);
    run = 0;
  }
}

static void draw_legend(const prp_plot_series *s, size_t ns) {
  PLINT *opts = prp_xcalloc(ns, sizeof *opts), *colours = prp_xcalloc(ns, sizeof *colours);
  PLINT *styles = prp_xcalloc(ns, sizeof *styles), *text_colours = prp_xcalloc(ns, sizeof *text_colours);
  PLFLT *widths = prp_xcalloc(ns, sizeof *widths);
  const char **text = prp_xcalloc(ns, sizeof *text);
  for (size_t k = 0; k < ns; k++) {
    opts[k] = PL_LEGEND_LINE;
    colours[k] = COL_SERIES + (PLINT)(k % NSERIES_COLOURS);
    styles[k] = 1;
    text_colours[k] = COL_FG;
    widths[k] = 2.0;
    text[k] = s[k].name ? s[k].name : "";
  }
  PLFLT w, h;
  pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_TOP | PL_POSITION_RIGHT | PL_POSITION_INSIDE, 0.02, 0.02, 0.08,
           COL_BG, COL_FG, 1, 0, 0, (PLINT)ns, opts, 1.0, 0.9, 2.0, 0.0, text_colours, text,
           NULL, NULL, NULL, NULL, colours, styles, widths, NULL, NULL, NULL, NULL);
  free(opts), free(colours), free(styles), free(text_colours), free(widths), free(text);
}

/* A panel is a subpage: more room for its title and labels. */
static void draw_lines(const prp_plot_frame *fr, const prp_plot_series *s, size_t ns, bool log_y, bool legend,
                       bool panel) {
  double r[4];
  data_range(s, ns, log_y, r);
  if (panel) plvpor(0.14, 0.95, 0.2, 0.86);
  else plvpor(0.1, 0.95, 0.12, 0.9);
  plwind(r[0], r[1], r[2], r[3]);
  plcol0(COL_FG);
  plwidth(1.0);
  plbox("bcnst", 0, 0, log_y ? "bcnstlv" : "bcnstv", 0, 0);
  pllab(fr->xlabel ? fr->xlabel : "", fr->ylabel ? fr->ylabel : "", fr->title ? fr->title : "");
  size_t longest = 1;
  for (size_t k = 0; k < ns; k++) longest = s[k].n > longest ? s[k].n : longest;
  PLFLT *xs = prp_xmalloc(longest, sizeof *xs), *ys = prp_xmalloc(longest, sizeof *ys);
  for (size_t k = 0; k < ns; k++) {
    plcol0(COL_SERIES + (PLINT)(k % NSERIES_COLOURS));
    plwidth(2.0);
    draw_series(&s[k], log_y, xs, ys);
  }
  free(xs), free(ys);
  if (ns && legend) draw_legend(s, ns);
}

char *prp_plot_lines(const prp_plot_frame *fr, const prp_plot_series *series, size_t nseries,
                     bool log_y) {
  pthread_mutex_lock(&plot_lock);
  prp_output o;
  char *err = begin_plot(fr, &o);
  if (!err) {
    draw_lines(fr, series, nseries, log_y, true, false);
    err = end_plot(&o);
  }
  pthread_mutex_unlock(&plot_lock);
  return err;
}

char *prp_plot_panels(const prp_plot_frame *fr, const prp_plot_panel *panels, size_t npanels, int columns) {
  if (columns < 1) columns = 1;
  int rows = npanels ? (int)((npanels + (size_t)columns - 1) / (size_t)columns) : 1;
  pthread_mutex_lock(&plot_lock);
  prp_output o;
  char *err = begin_plot_pages(fr, &o, columns, rows);
  if (!err) {
    for (size_t k = 0; k < npanels; k++) {
      pladv((PLINT)k + 1);
      prp_plot_frame sub = {fr->path, fr->width, fr->height, panels[k].title, fr->xlabel, fr->ylabel};
      draw_lines(&sub, panels[k].series, panels[k].n, false, k == 0, true);
    }
    err = end_plot(&o);
  }
  pthread_mutex_unlock(&plot_lock);
  return err;
}

char *prp_plot_profiles(const prp_plot_frame *fr, const double *x, size_t nx, const double *u,
                        const double *times, size_t ntimes) {
  prp_plot_series *s = prp_xcalloc(ntimes ? ntimes : 1, sizeof *s);
  char (*names)[48] = prp_xcalloc(ntimes ? ntimes : 1, sizeof *names);
  for (size_t k = 0; k < ntimes; k++) {
    snprintf(names[k], sizeof names[k], "t = %g", times[k]);
    s[k] = (prp_plot_series){.name = names[k], .x = x, .y = u + k * nx, .n = nx};
  }
  char *err = prp_plot_lines(fr, s, ntimes, false);
  free(s);
  free(names);
  return err;
}

/* ---- 2D field -------------------------------------------------------------------- */

/* A colour map from dark blue through teal and green to yellow, easy to read in grey too. */
static void set_colour_map(void) {
  PLFLT pos[] = {0.0, 0.25, 0.5, 0.75, 1.0};
  PLFLT r[] = {0.27, 0.23, 0.13, 0.37, 0.99};
  PLFLT g[] = {0.00, 0.32, 0.57, 0.79, 0.91};
  PLFLT b[] = {0.33, 0.55, 0.55, 0.38, 0.14};
  plscmap1n(256);
  plscmap1l(1, 5, pos, r, g, b, NULL);
}

static void value_range(const prp_plot_field *f, double *lo, double *hi) {
  *lo = INFINITY, *hi = -INFINITY;
  for (size_t i = 0; i < f->nx * f->ny; i++)
    if (isfinite(f->values[i])) *lo = fmin(*lo, f->values[i]), *hi = fmax(*hi, f->values[i]);
  if (!(*lo <= *hi)) *lo = 0, *hi = 1;
  if (*lo == *hi) *lo -= 0.5, *hi += 0.5;
}

/* plimagefr takes its matrix as the corners of (nx - 1) x (ny - 1) cells, each cell the colour
 * of its lower-left corner: an (nx + 1) x (ny + 1) matrix, the last column and row repeated, so
 * that the nx x ny values are nx x ny cells covering the box. */
static void draw_image(const prp_plot_field *f, double lo, double hi) {
  PLFLT **z = prp_xmalloc(f->nx + 1, sizeof *z);
  for (size_t i = 0; i <= f->nx; i++) {
    z[i] = prp_xmalloc(f->ny + 1, sizeof **z);
    for (size_t j = 0; j <= f->ny; j++) {
      double v = f->values[(j < f->ny ? j : f->ny - 1) * f->nx + (i < f->nx ? i : f->nx - 1)];
      z[i][j] = isfinite(v) ? v : lo;
    }
  }
  plimagefr((PLFLT_MATRIX)z, (PLINT)f->nx + 1, (PLINT)f->ny + 1, f->x0, f->x1, f->y0, f->y1, lo, hi, lo,
            hi, NULL, NULL);
  for (size_t i = 0; i <= f->nx; i++) free(z[i]);
  free(z);
}

static void draw_path(const prp_plot_field *f) {
  if (f->npath == 0) return;
  PLFLT *xs = prp_xmalloc(f->npath * sizeof *xs, 1), *ys = prp_xmalloc(f->npath * sizeof *ys, 1);
  for (size_t i = 0; i < f->npath; i++) xs[i] = f->path_x[i], ys[i] = f->path_y[i];
  plcol0(COL_WHITE); /* a white casing keeps the line visible on any colour */
  plwidth(4.0);
  plline((PLINT)f->npath, xs, ys);
  plcol0(COL_RED);
  plwidth(2.0);
  plline((PLINT)f->npath, xs, ys);
  free(xs), free(ys);
  draw_marker(MARK_CIRCLE, f->path_x[0], f->path_y[0], 6, COL_WHITE);
  draw_marker(MARK_SQUARE, f->path_x[f->npath - 1], f->path_y[f->npath - 1], 6, COL_RED);
}

static void draw_colour_bar(const prp_plot_field *f, double lo, double hi) {
  PLINT n_values[1] = {2};
  PLFLT range[2] = {lo, hi};
  const PLFLT *values[1] = {range};
  const char *axis_opts[1] = {"bcvtm"};
  PLFLT ticks[1] = {0};
  PLINT sub_ticks[1] = {0};
  PLINT label_opts[1] = {PL_COLORBAR_LABEL_TOP};
  const char *labels[1] = {f->value_label ? f->value_label : ""};
  PLFLT w, h;
  plcol0(COL_FG);
  plwidth(1.0);
  plcolorbar(&w, &h, PL_COLORBAR_IMAGE, PL_POSITION_RIGHT | PL_POSITION_OUTSIDE | PL_POSITION_VIEWPORT,
             0.03, 0.0, 0.04, 1.0, COL_BG, COL_FG, 1, 0.0, 0.0, 0, 0.0, f->value_label ? 1 : 0,
             label_opts, labels, 1, axis_opts, ticks, sub_ticks, n_values, values);
}

/* The edges between the region's cells and the others (or the box), white under red. */
static void draw_region(const prp_plot_field *f, const prp_plot_field_marks *m) {
  if (!m->region) return;
  double dx = (f->x1 - f->x0) / (double)f->nx, dy = (f->y1 - f->y0) / (double)f->ny;
  for (int pass = 0; pass < 2; pass++) {
    plcol0(pass ? COL_RED : COL_WHITE);
    plwidth(pass ? 2.0 : 4.0);
    for (size_t j = 0; j < f->ny; j++)
      for (size_t i = 0; i < f->nx; i++) {
        if (!m->region[j * f->nx + i]) continue;
        double x0 = f->x0 + (double)i * dx, y0 = f->y0 + (double)j * dy;
        PLFLT ex[4][2] = {{x0, x0 + dx}, {x0, x0 + dx}, {x0, x0}, {x0 + dx, x0 + dx}};
        PLFLT ey[4][2] = {{y0, y0}, {y0 + dy, y0 + dy}, {y0, y0 + dy}, {y0, y0 + dy}};
        bool out[4] = {j == 0 || !m->region[(j - 1) * f->nx + i], j + 1 == f->ny || !m->region[(j + 1) * f->nx + i],
                       i == 0 || !m->region[j * f->nx + i - 1], i + 1 == f->nx || !m->region[j * f->nx + i + 1]};
        for (int e = 0; e < 4; e++)
          if (out[e]) plline(2, ex[e], ey[e]);
      }
  }
}

/* A key below the axes: one entry per kind of mark that was drawn. */
static void draw_key(const prp_plot_field *f, const prp_plot_field_marks *m) {
  plvpor(0.0, 1.0, 0.0, 0.06);
  plwind(0, 1, 0, 1);
  plcol0(COL_FG);
  double x = 0.12, step = 0.17;
  if (f->npath) {
    PLFLT lx[2] = {x - 0.02, x + 0.02}, ly[2] = {0.5, 0.5};
    plcol0(COL_RED), plwidth(2.0), plline(2, lx, ly);
    plcol0(COL_FG), plptex(x + 0.03, 0.5, 1, 0, 0, "estimate"), x += step;
    draw_marker(MARK_CIRCLE, x, 0.5, 6, COL_WHITE);
    plcol0(COL_FG), plptex(x + 0.015, 0.5, 1, 0, 0, "start"), x += step;
    draw_marker(MARK_SQUARE, x, 0.5, 6, COL_RED);
    plcol0(COL_FG), plptex(x + 0.015, 0.5, 1, 0, 0, "end"), x += step;
  }
  if (f->nmarkers) {
    draw_marker(MARK_TRIANGLE, x, 0.5, 6, COL_WHITE);
    plcol0(COL_FG), plptex(x + 0.015, 0.5, 1, 0, 0, m->marker_label ? m->marker_label : "sensors"), x += step;
  }
  if (m->region) {
    PLFLT lx[2] = {x - 0.02, x + 0.02}, ly[2] = {0.5, 0.5};
    plcol0(COL_RED), plwidth(2.0), plline(2, lx, ly);
    plcol0(COL_FG), plptex(x + 0.03, 0.5, 1, 0, 0, m->region_label ? m->region_label : ""), x += step;
  }
  if (m->has_guess) {
    draw_marker(MARK_CIRCLE, x, 0.5, 6, COL_WHITE);
    plcol0(COL_FG), plptex(x + 0.015, 0.5, 1, 0, 0, "guess"), x += step;
  }
  if (f->has_truth) {
    draw_marker(MARK_STAR, x, 0.5, 9, COL_GOLD);
    plcol0(COL_FG), plptex(x + 0.015, 0.5, 1, 0, 0, "truth");
  }
}

static void draw_field(const prp_plot_frame *fr, const prp_plot_field *f, const prp_plot_field_marks *m) {
  double lo, hi;
  value_range(f, &lo, &hi);
  set_colour_map();
  plvpor(0.1, 0.8, 0.18, 0.9);
  plwind(f->x0, f->x1, f->y0, f->y1);
  draw_image(f, lo, hi);
  draw_region(f, m);
  for (size_t i = 0; i < f->nmarkers; i++) draw_marker(MARK_TRIANGLE, f->marker_x[i], f->marker_y[i], 5, COL_WHITE);
  draw_path(f);
  if (m->has_guess) draw_marker(MARK_CIRCLE, m->guess_x, m->guess_y, 7, COL_WHITE);
  if (f->has_truth) draw_marker(MARK_STAR, f->truth_x, f->truth_y, 11, COL_GOLD);
  plcol0(COL_FG);
  plwidth(1.0);
  plbox("bcnst", 0, 0, "bcnstv", 0, 0);
  pllab(fr->xlabel ? fr->xlabel : "", fr->ylabel ? fr->ylabel : "", fr->title ? fr->title : "");
  draw_colour_bar(f, lo, hi);
  draw_key(f, m);
}

char *prp_plot_field2d(const prp_plot_frame *fr, const prp_plot_field *f) { return prp_plot_field2d_marked(fr, f, NULL); }

char *prp_plot_field2d_marked(const prp_plot_frame *fr, const prp_plot_field *f, const prp_plot_field_marks *m) {
  static const prp_plot_field_marks none = {0};
  if (!m) m = &none;
  if (f->nx < 1 || f->ny < 1 || !(f->x0 < f->x1) || !(f->y0 < f->y1))
    return prp_errorf("%s: cannot plot: empty field grid or box", fr->path);
  pthread_mutex_lock(&plot_lock);
  prp_output o;
  char *err = begin_plot(fr, &o);
  if (!err) {
    draw_field(fr, f, m);
    err = end_plot(&o);
  }
  pthread_mutex_unlock(&plot_lock);
  return err;
}
