/* Unit tests of the PNG plots (runtime/io/plot.c): each file is a PNG of the requested size whose
 * pixels (decoded here with the system zlib, loaded at run time) show the drawn colours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "plot.h"

/* ---- a small PNG reader: chunks, CRCs, inflate, unfiltering (8-bit RGB/RGBA only) ---- */

typedef struct {
  uint32_t width, height;
  int bit_depth, colour_type, interlace;
  unsigned char *idat;
  size_t idat_len;
  unsigned char *pixels; /* height rows of width * channels bytes, or NULL */
  int channels;
} png_image;

typedef struct {
  int (*init)(z_streamp, const char *, int);
  int (*inflate)(z_streamp, int);
  int (*end)(z_streamp);
  uLong (*crc)(uLong, const Bytef *, uInt);
} zlib_api;

/* zlib is on every system with cairo, but not in this test's link line: load it. */
static bool load_zlib(zlib_api *z) {
  void *lib = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return false;
  *(void **)&z->init = dlsym(lib, "inflateInit_");
  *(void **)&z->inflate = dlsym(lib, "inflate");
  *(void **)&z->end = dlsym(lib, "inflateEnd");
  *(void **)&z->crc = dlsym(lib, "crc32");
  return z->init && z->inflate && z->end && z->crc;
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  rewind(f);
  unsigned char *buf = malloc(*len);
  assert_int_equal(fread(buf, 1, *len, f), *len);
  fclose(f);
  return buf;
}

/* Checks the signature, chunk layout and (with zlib) CRCs; gathers IHDR fields and IDAT. */
static void read_chunks(const unsigned char *buf, size_t len, png_image *img, const zlib_api *z) {
  static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  assert_true(len > 8);
  assert_memory_equal(buf, signature, 8);
  size_t pos = 8;
  bool ended = false;
  while (!ended) {
    assert_true(pos + 12 <= len);
    uint32_t n = be32(buf + pos);
    const unsigned char *type = buf + pos + 4, *data = buf + pos + 8;
    assert_true(pos + 12 + n <= len);
    if (z) assert_true(z->crc(0, type, n + 4) == be32(data + n));
    if (memcmp(type, "IHDR", 4) == 0) {
      img->width = be32(data), img->height = be32(data + 4);
      img->bit_depth = data[8], img->colour_type = data[9], img->interlace = data[12];
    } else if (memcmp(type, "IDAT", 4) == 0) {
      img->idat = realloc(img->idat, img->idat_len + n);
      memcpy(img->idat + img->idat_len, data, n);
      img->idat_len += n;
    }
    ended = memcmp(type, "IEND", 4) == 0;
    pos += 12 + n;
  }
  assert_int_equal(pos, len);
}

static int paeth(int a, int b, int c) {
  int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes the per-row filters in place (PNG specification, section 9). */
static void unfilter(png_image *img, unsigned char *raw) {
  size_t stride = (size_t)img->width * (size_t)img->channels, bpp = (size_t)img->channels;
  img->pixels = malloc(stride * img->height);
  for (size_t y = 0; y < img->height; y++) {
    int filter = raw[y * (stride + 1)];
    const unsigned char *in = raw + y * (stride + 1) + 1;
    unsigned char *out = img->pixels + y * stride, *up = y ? out - stride : NULL;
    assert_in_range(filter, 0, 4);
    for (size_t i = 0; i < stride; i++) {
      int a = i >= bpp ? out[i - bpp] : 0, b = up ? up[i] : 0, c = up && i >= bpp ? up[i - bpp] : 0;
      int pred = filter == 0 ? 0 : filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2 : paeth(a, b, c);
      out[i] = (unsigned char)(in[i] + pred);
    }
  }
}

static void decode_pixels(png_image *img, const zlib_api *z) {
  assert_int_equal(img->bit_depth, 8);
  assert_int_equal(img->interlace, 0);
  assert_true(img->colour_type == 2 || img->colour_type == 6);
  img->channels = img->colour_type == 6 ? 4 : 3;
  size_t raw_len = (size_t)img->height * ((size_t)img->width * (size_t)img->channels + 1);
  unsigned char *raw = malloc(raw_len);
  z_stream s = {.next_in = img->idat, .avail_in = (uInt)img->idat_len, .next_out = raw, .avail_out = (uInt)raw_len};
  assert_int_equal(z->init(&s, ZLIB_VERSION, (int)sizeof s), Z_OK);
  assert_int_equal(z->inflate(&s, Z_FINISH), Z_STREAM_END);
  assert_int_equal(s.total_out, raw_len);
  z->end(&s);
  unfilter(img, raw);
  free(raw);
}

/* Reads `path` and checks it is a PNG of width x height; decodes the pixels if it can. */
static png_image load_png(const char *path, uint32_t width, uint32_t height) {
  static zlib_api z;
  static int have_zlib = -1;
  if (have_zlib < 0) have_zlib = load_zlib(&z);
  size_t len;
  unsigned char *buf = read_file(path, &len);
  png_image img = {0};
  read_chunks(buf, len, &img, have_zlib ? &z : NULL);
  free(buf);
  assert_int_equal(img.width, width);
  assert_int_equal(img.height, height);
  if (have_zlib) decode_pixels(&img, &z);
  else assert_true(img.idat_len > 2000); /* a flat image compresses to a few hundred bytes */
  return img;
}

static void free_png(png_image *img) {
  free(img->idat);
  free(img->pixels);
}

/* Pixels within `tol` of an RGB colour (opaque). */
static size_t count_colour(const png_image *img, int r, int g, int b, int tol) {
  size_t n = 0;
  for (size_t i = 0; i < (size_t)img->width * img->height; i++) {
    const unsigned char *p = img->pixels + i * (size_t)img->channels;
    bool opaque = img->channels == 3 || p[3] == 255;
    n += opaque && abs(p[0] - r) <= tol && abs(p[1] - g) <= tol && abs(p[2] - b) <= tol;
  }
  return n;
}

/* Distinct colours, up to `cap`. */
static size_t distinct_colours(const png_image *img, size_t cap) {
  uint32_t *seen = calloc(cap, sizeof *seen);
  size_t n = 0;
  for (size_t i = 0; i < (size_t)img->width * img->height && n < cap; i++) {
    const unsigned char *p = img->pixels + i * (size_t)img->channels;
    uint32_t c = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    size_t k = 0;
    while (k < n && seen[k] != c) k++;
    if (k == n) seen[n++] = c;
  }
  free(seen);
  return n;
}

/* ---- tests ------------------------------------------------------------------------ */

/* Under LeakSanitizer: fontconfig (through cairo) keeps a one-time font cache for the life
 * of the process; its size does not grow with the number of plots. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

static char scratch[64];

static int make_scratch(void **st) {
  (void)st;
  strcpy(scratch, "/tmp/prp_test_plot_XXXXXX");
  return mkdtemp(scratch) ? 0 : -1;
}

static int remove_scratch(void **st) {
  (void)st;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
  return system(cmd) == 0 ? 0 : -1;
}

static const char *out(const char *name) {
  static char path[4][128];
  static int next;
  char *p = path[next++ % 4];
  snprintf(p, 128, "%s/%s", scratch, name);
  return p;
}

enum { N = 400 };

static void test_driver_is_there(void **st) {
  (void)st;
  assert_true(prp_plot_available());
}

static void test_loss_curves_on_log_scale(void **st) {
  (void)st;
  double total[N], res[N], data[N], epochs[N];
  for (int i = 0; i < N; i++) {
    epochs[i] = 10.0 * i;
    total[i] = exp(-i / 80.0);
    res[i] = 0.1 * exp(-i / 40.0);
    data[i] = i % 40 == 0 ? 0.0 : 1e-3 / (1 + i); /* zeros must be skipped on a log axis */
  }
  prp_plot_series s[3] = {{"total", epochs, total, N}, {"residual", epochs, res, N}, {"data", epochs, data, N}};
  prp_plot_frame fr = {out("loss.png"), 640, 480, "loss", "epoch", "loss"};
  char *err = prp_plot_lines(&fr, s, 3, true);
  assert_null(err);
  png_image img = load_png(fr.path, 640, 480);
  if (img.pixels) {
    assert_true(distinct_colours(&img, 64) >= 32);   /* not a flat image */
    assert_true(count_colour(&img, 31, 119, 180, 20) > 300); /* first series, blue */
    assert_true(count_colour(&img, 214, 39, 40, 20) > 300);  /* second series, red */
    assert_true(count_colour(&img, 44, 160, 44, 20) > 300);  /* third series, green */
    assert_true(count_colour(&img, 255, 255, 255, 0) > 640 * 480 / 2); /* white background */
  }
  free_png(&img);
}

static void test_several_plots_in_one_process(void **st) {
  (void)st;
  double y[N];
  for (int i = 0; i < N; i++) y[i] = sin(i / 30.0);
  prp_plot_series s = {"xs", NULL, y, N};
  const int sizes[3][2] = {{300, 200}, {1000, 700}, {0, 0}};
  for (int k = 0; k < 3; k++) {
    char name[32];
    snprintf(name, sizeof name, "xs%d.png", k);
    prp_plot_frame fr = {out(name), sizes[k][0], sizes[k][1], "trajectory of xs", "epoch", "xs"};
    assert_null(prp_plot_lines(&fr, &s, 1, false));
    png_image img = load_png(fr.path, k == 2 ? 800 : (uint32_t)sizes[k][0], k == 2 ? 600 : (uint32_t)sizes[k][1]);
    if (img.pixels) assert_true(count_colour(&img, 31, 119, 180, 20) > 100);
    free_png(&img);
  }
}

static void test_degenerate_series_still_plot(void **st) {
  (void)st;
  double neg[3] = {-1, 0, -2}, nan3[3] = {NAN, INFINITY, NAN}, one[1] = {5};
  prp_plot_series s[3] = {{"negative", NULL, neg, 3}, {"nan", NULL, nan3, 3}, {"single", NULL, one, 1}};
  prp_plot_frame fr = {out("odd.png"), 320, 240, NULL, NULL, NULL};
  assert_null(prp_plot_lines(&fr, s, 3, true));
  png_image img = load_png(fr.path, 320, 240);
  free_png(&img);
  prp_plot_frame empty = {out("empty.png"), 320, 240, "nothing", "x", "y"};
  assert_null(prp_plot_lines(&empty, NULL, 0, false));
  img = load_png(empty.path, 320, 240);
  free_png(&img);
}

static void test_field_with_path_sensors_and_truth(void **st) {
  (void)st;
  enum { NX = 60, NY = 40 };
  double *v = malloc(NX * NY * sizeof *v);
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      double x = 2.0 * (i + 0.5) / NX, y = (j + 0.5) / NY;
      v[j * NX + i] = exp(-((x - 0.5) * (x - 0.5) + (y - 0.4) * (y - 0.4)) / 0.05);
    }
  v[0] = NAN; /* shown as the lowest colour, not an error */
  double px[30], py[30], mx[9], my[9];
  for (int i = 0; i < 30; i++) px[i] = 1.7 - 1.2 * i / 29.0, py[i] = 0.85 - 0.45 * i / 29.0;
  for (int i = 0; i < 9; i++) mx[i] = 0.4 + 0.5 * (i % 3), my[i] = 0.2 + 0.3 * (i / 3);
  prp_plot_field f = {v, NX, NY, 0, 2, 0, 1, "u", px, py, 30, mx, my, 9, true, 0.5, 0.4};
  prp_plot_frame fr = {out("field.png"), 900, 600, "u at t = 1", "x", "y"};
  assert_null(prp_plot_field2d(&fr, &f));
  png_image img = load_png(fr.path, 900, 600);
  if (img.pixels) {
    assert_true(distinct_colours(&img, 200) >= 100); /* a colour ramp, not a few flat areas */
    assert_true(count_colour(&img, 255, 200, 0, 30) > 50);  /* the gold star of the truth */
    assert_true(count_colour(&img, 220, 20, 20, 30) > 100); /* the red trajectory and end mark */
    assert_true(count_colour(&img, 253, 232, 36, 30) > 50); /* the top of the colour map */
  }
  free_png(&img);

  prp_plot_field bare = {v, NX, NY, 0, 2, 0, 1, NULL, NULL, NULL, 0, NULL, NULL, 0, false, 0, 0};
  prp_plot_frame fr2 = {out("bare.png"), 400, 300, NULL, NULL, NULL};
  assert_null(prp_plot_field2d(&fr2, &bare));
  img = load_png(fr2.path, 400, 300);
  if (img.pixels) assert_true(count_colour(&img, 255, 200, 0, 30) == 0);
  free_png(&img);

  bare.x1 = bare.x0;
  char *err = prp_plot_field2d(&fr2, &bare);
  char want[160];
  snprintf(want, sizeof want, "%s: cannot plot: empty field grid or box", fr2.path);
  assert_string_equal(err, want);
  free(err);
  free(v);
}

/* The marks of a misfit landscape: a region outlined in red, the guess, markers named in the
 * key. A 4 x 3 grid fills the box: its corner cell's colour reaches the box's corner. */
static void test_field_with_marks(void **st) {
  (void)st;
  double v[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, mx[1] = {0.5}, my[1] = {0.5};
  unsigned char region[12] = {1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0};
  prp_plot_field f = {.values = v, .nx = 4, .ny = 3, .x0 = 0, .x1 = 4, .y0 = 0, .y1 = 3, .marker_x = mx,
                      .marker_y = my, .nmarkers = 1, .has_truth = true, .truth_x = 1, .truth_y = 1};
  prp_plot_field_marks m = {.marker_label = "minima", .has_guess = true, .guess_x = 3.5, .guess_y = 2.5,
                            .region = region, .region_label = "basin"};
  prp_plot_frame fr = {out("marked.png"), 640, 480, "marks", "x", "y"};
  assert_null(prp_plot_field2d_marked(&fr, &f, &m));
  png_image img = load_png(fr.path, 640, 480);
  if (img.pixels) {
    assert_true(count_colour(&img, 220, 20, 20, 30) > 200);  /* the region's outline and the key */
    assert_true(count_colour(&img, 253, 232, 36, 30) > 1000); /* the top cell (11) is a whole cell */
  }
  free_png(&img);
}

static void test_profiles_at_several_times(void **st) {
  (void)st;
  enum { NXP = 200, NT = 4 };
  double x[NXP], u[NT * NXP], t[NT] = {0, 0.1, 0.5, 1};
  for (int i = 0; i < NXP; i++) x[i] = i / (NXP - 1.0);
  for (int k = 0; k < NT; k++)
    for (int i = 0; i < NXP; i++) u[k * NXP + i] = sin(M_PI * x[i]) * exp(-t[k]);
  prp_plot_frame fr = {out("profiles.png"), 700, 500, "u(x, t)", "x", "u"};
  assert_null(prp_plot_profiles(&fr, x, NXP, u, t, NT));
  png_image img = load_png(fr.path, 700, 500);
  if (img.pixels) {
    assert_true(count_colour(&img, 31, 119, 180, 20) > 200);
    assert_true(count_colour(&img, 255, 127, 14, 20) > 200); /* the fourth time, orange */
  }
  free_png(&img);
}

static void test_unwritable_paths(void **st) {
  (void)st;
  double y[2] = {1, 2};
  prp_plot_series s = {"a", NULL, y, 2};
  prp_plot_frame fr = {"/nonexistent-dir/loss.png", 0, 0, NULL, NULL, NULL};
  char *err = prp_plot_lines(&fr, &s, 1, false);
  assert_string_equal(err, "/nonexistent-dir/loss.png: cannot write: No such file or directory");
  free(err);
  fr.path = scratch;
  err = prp_plot_lines(&fr, &s, 1, false);
  char want[160];
  snprintf(want, sizeof want, "%s: is a directory; not overwritten", scratch);
  assert_string_equal(err, want);
  free(err);
  /* and plotting still works afterwards */
  fr.path = out("after.png");
  assert_null(prp_plot_lines(&fr, &s, 1, false));
  png_image img = load_png(fr.path, 800, 600);
  free_png(&img);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_driver_is_there),
      cmocka_unit_test(test_loss_curves_on_log_scale),
      cmocka_unit_test(test_several_plots_in_one_process),
      cmocka_unit_test(test_degenerate_series_still_plot),
      cmocka_unit_test(test_field_with_path_sensors_and_truth),
      cmocka_unit_test(test_field_with_marks),
      cmocka_unit_test(test_profiles_at_several_times),
      cmocka_unit_test(test_unwritable_paths),
  };
  return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
