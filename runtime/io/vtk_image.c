/* Runtime, run output: the VTK XML writers of vtk_image.h. The binary section is
 * written byte by byte in little-endian order, whatever the host's order. */
#include "vtk_image.h"
#include "output.h"
#include "util.h"
#include <stdint.h>
#include <string.h>

static void put_u64_le(FILE *f, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
  fwrite(b, 1, sizeof b, f);
}

static void put_f64_le(FILE *f, double d) {
  uint64_t v;
  memcpy(&v, &d, sizeof v);
  put_u64_le(f, v);
}

static size_t grid_points(const prp_vtk_grid *g) { return (size_t)g->dims[0] * (size_t)g->dims[1] * (size_t)g->dims[2]; }

static char *check_grid(const char *path, const prp_vtk_grid *g, size_t n) {
  for (int d = 0; d < 3; d++)
    if (g->dims[d] < 1) return prp_errorf("%s: a grid needs at least one point along each axis", path);
  if (n == 0) return prp_errorf("%s: no arrays to write", path);
  return NULL;
}

static void write_header(FILE *f, const prp_vtk_grid *g, const prp_vtk_array *arrays, size_t n) {
  fprintf(f, "<?xml version=\"1.0\"?>\n");
  fprintf(f, "<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n");
  char extent[128];
  snprintf(extent, sizeof extent, "0 %d 0 %d 0 %d", g->dims[0] - 1, g->dims[1] - 1, g->dims[2] - 1);
  fprintf(f, "  <ImageData WholeExtent=\"%s\" Origin=\"%.17g %.17g %.17g\" Spacing=\"%.17g %.17g %.17g\">\n", extent,
          g->origin[0], g->origin[1], g->origin[2], g->spacing[0], g->spacing[1], g->spacing[2]);
  fprintf(f, "    <Piece Extent=\"%s\">\n", extent);
  fprintf(f, "      <PointData Scalars=\"%s\">\n", arrays[0].name);
  uint64_t offset = 0, bytes = (uint64_t)grid_points(g) * sizeof(double);
  for (size_t a = 0; a < n; a++, offset += 8 + bytes)
    fprintf(f, "        <DataArray type=\"Float64\" Name=\"%s\" NumberOfComponents=\"1\" format=\"appended\" offset=\"%llu\"/>\n",
            arrays[a].name, (unsigned long long)offset);
  fprintf(f, "      </PointData>\n      <CellData>\n      </CellData>\n    </Piece>\n  </ImageData>\n");
}

char *prp_vtk_image_write(const char *path, const prp_vtk_grid *grid, const prp_vtk_array *arrays, size_t n) {
  char *err = check_grid(path, grid, n);
  if (err) return err;
  prp_output a;
  if ((err = prp_output_open(&a, path))) return err;
  write_header(a.f, grid, arrays, n);
  fprintf(a.f, "  <AppendedData encoding=\"raw\">\n   _");
  size_t points = grid_points(grid);
  for (size_t k = 0; k < n; k++) {
    put_u64_le(a.f, (uint64_t)points * sizeof(double));
    for (size_t i = 0; i < points; i++) put_f64_le(a.f, arrays[k].values[i]);
  }
  fprintf(a.f, "\n  </AppendedData>\n</VTKFile>\n");
  return prp_output_commit(&a);
}

char *prp_vtk_collection_write(const char *path, const char *const *files, const double *times, size_t n) {
  prp_output a;
  char *err = prp_output_open(&a, path);
  if (err) return err;
  fprintf(a.f, "<?xml version=\"1.0\"?>\n");
  fprintf(a.f, "<VTKFile type=\"Collection\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n");
  fprintf(a.f, "  <Collection>\n");
  for (size_t i = 0; i < n; i++)
    fprintf(a.f, "    <DataSet timestep=\"%.17g\" group=\"\" part=\"0\" file=\"%s\"/>\n", times[i], files[i]);
  fprintf(a.f, "  </Collection>\n</VTKFile>\n");
  return prp_output_commit(&a);
}
