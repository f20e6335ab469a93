/* The misfit landscape over two unknowns, its verdict: counted local minima and the descent
 * basin of the one nearest the truth, on a grid of misfit values (landscape2d.h defines both). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"
#include "landscape2d.h"

typedef struct grid {
  const double *L;
  size_t n1, n2, ncells;
  size_t *order;                       /* cells by increasing (L, index) */
  size_t *rank;                        /* position of each cell in order */
} grid;

typedef struct keyed {
  double value;
  size_t cell;
} keyed;

static int by_value(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->value != y->value) return x->value < y->value ? -1 : 1;
  return x->cell < y->cell ? -1 : x->cell > y->cell;
}

static void sort_cells(grid *g) {
  keyed *k = prp_xmalloc(g->ncells * sizeof *k, 1);
  PRP_ASSERT(k);
  for (size_t c = 0; c < g->ncells; c++) k[c] = (keyed){g->L[c], c};
  qsort(k, g->ncells, sizeof *k, by_value);
  for (size_t r = 0; r < g->ncells; r++) g->order[r] = k[r].cell, g->rank[k[r].cell] = r;
  free(k);
}

/* The 8 neighbours of c inside the grid; returns how many. */
static int neighbours(const grid *g, size_t c, size_t *out, double *dist) {
  size_t i = c % g->n1, j = c / g->n1;
  int n = 0;
  for (int dj = -1; dj <= 1; dj++)
    for (int di = -1; di <= 1; di++) {
      if ((!di && !dj) || (di < 0 && i == 0) || (dj < 0 && j == 0) || (di > 0 && i + 1 == g->n1) ||
          (dj > 0 && j + 1 == g->n2))
        continue;
      out[n] = (j + (size_t)dj) * g->n1 + i + (size_t)di;
      if (dist) dist[n] = di && dj ? M_SQRT2 : 1;
      n++;
    }
  return n;
}

static size_t find(size_t *parent, size_t c) {
  while (parent[c] != c) c = parent[c] = parent[parent[c]];
  return c;
}

/* Depth of every grid minimum (0-dimensional persistence, +inf for the global one; -1 for cells
 * that are not minima): cells join in increasing order; where components meet, the one with
 * the higher minimum ends, its depth the height of the meeting cell above its minimum. */
static void depths(const grid *g, double *depth) {
  size_t *parent = prp_xmalloc(g->ncells * sizeof *parent, 1), *low = prp_xmalloc(g->ncells * sizeof *low, 1);
  PRP_ASSERT(parent && low);
  for (size_t r = 0; r < g->ncells; r++) {
    size_t c = g->order[r], nb[8];
    int nn = neighbours(g, c, nb, NULL);
    parent[c] = c, low[c] = c, depth[c] = -1;
    size_t oldest = c;
    for (int k = 0; k < nn; k++)
      if (g->rank[nb[k]] < r && g->rank[low[find(parent, nb[k])]] < g->rank[low[oldest]]) oldest = find(parent, nb[k]);
    if (oldest == c) { depth[c] = INFINITY; continue; }   /* a new minimum (depth until it meets) */
    for (int k = 0; k < nn; k++) {
      if (g->rank[nb[k]] > r) continue;
      size_t root = find(parent, nb[k]);
      if (root == oldest) continue;
      depth[low[root]] = g->L[c] - g->L[low[root]];
      parent[root] = oldest;
    }
    parent[c] = oldest;
  }
  free(parent);
  free(low);
}

/* The counted minima (depth > tol), by increasing L; returns their number. */
static int counted_minima(const grid *g, const double *depth, double tol, size_t *cells) {
  int n = 0;
  for (size_t r = 0; r < g->ncells; r++) {
    size_t c = g->order[r];
    if (depth[c] > tol) {
      if (n < PRP_LANDSCAPE_MAX_MINIMA) cells[n] = c;
      n++;
    }
  }
  return n;
}

/* floor[c] = k if c is connected to minimum k through values <= L[minimum k] + tol. */
static void floors(const grid *g, const size_t *minima, int nkept, double tol, int *floor) {
  size_t *stack = prp_xmalloc(g->ncells * sizeof *stack, 1);
  PRP_ASSERT(stack);
  for (size_t c = 0; c < g->ncells; c++) floor[c] = -1;
  for (int k = 0; k < nkept; k++) {
    double top = g->L[minima[k]] + tol;
    size_t n = 0;
    if (floor[minima[k]] < 0) floor[minima[k]] = k, stack[n++] = minima[k];
    while (n) {
      size_t c = stack[--n], nb[8];
      int nn = neighbours(g, c, nb, NULL);
      for (int q = 0; q < nn; q++)
        if (floor[nb[q]] < 0 && g->L[nb[q]] <= top) floor[nb[q]] = k, stack[n++] = nb[q];
    }
  }
  free(stack);
}

/* Steepest descent from every cell, in increasing order so a cell's next step is resolved:
 * the cell where it stops, then the minimum whose floor that is. */
static void descend(const grid *g, const int *floor, int *basin) {
  size_t *end = prp_xmalloc(g->ncells * sizeof *end, 1);
  PRP_ASSERT(end);
  for (size_t r = 0; r < g->ncells; r++) {
    size_t c = g->order[r], nb[8], next = c;
    double dist[8], best = 0;
    int nn = neighbours(g, c, nb, dist);
    for (int k = 0; k < nn; k++) {
      double drop = (g->L[c] - g->L[nb[k]]) / dist[k];
      if (drop > best) best = drop, next = nb[k];
    }
    end[c] = next == c ? c : end[next];
    basin[c] = floor[end[c]];
  }
  free(end);
}

static int nearest_minimum(const grid *g, const prp_landscape_verdict *v, double r1, double r2) {
  if (isnan(r1) || isnan(r2)) return 0;
  int best = 0, kept = v->nminima < PRP_LANDSCAPE_MAX_MINIMA ? v->nminima : PRP_LANDSCAPE_MAX_MINIMA;
  double best_d = INFINITY;
  for (int k = 0; k < kept; k++) {
    double x = g->n1 > 1 ? (double)(v->minima[k] % g->n1) / (double)(g->n1 - 1) : 0.5;
    double y = g->n2 > 1 ? (double)(v->minima[k] / g->n1) / (double)(g->n2 - 1) : 0.5;
    double d = hypot(x - r1, y - r2);
    if (d < best_d) best_d = d, best = k;
  }
  return best;
}

static double value_span(const double *L, size_t n, int *finite) {
  double lo = INFINITY, hi = -INFINITY;
  *finite = 1;
  for (size_t c = 0; c < n; c++) {
    if (!isfinite(L[c])) *finite = 0;
    lo = fmin(lo, L[c]), hi = fmax(hi, L[c]);
  }
  return hi - lo;
}

int prp_landscape_verdict_grid(const double *L, size_t n1, size_t n2, double r1, double r2, int *basin,
                               prp_landscape_verdict *v) {
  memset(v, 0, sizeof *v);
  v->target = -1;
  size_t ncells = n1 * n2;
  int finite;
  double span = value_span(L, ncells, &finite);
  for (size_t c = 0; basin && c < ncells; c++) basin[c] = -1;
  if (!finite) return -1;
  if (!(span > 0)) return 0;   /* flat */
  v->tol = PRP_LANDSCAPE_DEPTH_TOL * span;
  grid g = {.L = L, .n1 = n1, .n2 = n2, .ncells = ncells, .order = prp_xmalloc(ncells * sizeof(size_t), 1),
            .rank = prp_xmalloc(ncells * sizeof(size_t), 1)};
  double *depth = prp_xmalloc(ncells * sizeof *depth, 1);
  int *floor = prp_xmalloc(ncells * sizeof *floor, 1), *reached = basin ? basin : prp_xmalloc(ncells * sizeof *reached, 1);
  PRP_ASSERT(g.order && g.rank && depth && floor && reached);
  sort_cells(&g);
  depths(&g, depth);
  v->nminima = counted_minima(&g, depth, v->tol, v->minima);
  int kept = v->nminima < PRP_LANDSCAPE_MAX_MINIMA ? v->nminima : PRP_LANDSCAPE_MAX_MINIMA;
  floors(&g, v->minima, kept, v->tol, floor);
  descend(&g, floor, reached);
  v->target = nearest_minimum(&g, v, r1, r2);
  size_t in = 0;
  for (size_t c = 0; c < ncells; c++) in += reached[c] == v->target;
  v->share = (double)in / (double)ncells;
  if (!basin) free(reached);
  free(floor);
  free(depth);
  free(g.order);
  free(g.rank);
  return 0;
}
