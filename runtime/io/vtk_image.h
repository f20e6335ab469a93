/* Runtime, run output: a field on a regular grid as VTK XML ImageData (.vti,
 * raw little-endian appended data) and a .pvd collection of such files over time,
 * the formats ParaView opens. */
#ifndef PRP_VTK_IMAGE_H
#define PRP_VTK_IMAGE_H
#include <stddef.h>

/* A regular grid of dims[0] x dims[1] x dims[2] points (unused axes have 1 point),
 * point (i, j, k) at origin + (i, j, k) * spacing. */
typedef struct {
  int dims[3];
  double origin[3], spacing[3];
} prp_vtk_grid;

/* One point-data array: dims[0] * dims[1] * dims[2] values, i fastest, then j, then k. */
typedef struct {
  const char *name;
  const double *values;
} prp_vtk_array;

/* Writes the arrays as Float64 point data, each preceded by its UInt64 byte count in
 * the appended section (header_type="UInt64"); written atomically. NULL or a malloc'd error. */
char *prp_vtk_image_write(const char *path, const prp_vtk_grid *grid, const prp_vtk_array *arrays, size_t n);

/* A ParaView collection: n data sets, files[i] (relative to the .pvd) at times[i]. */
char *prp_vtk_collection_write(const char *path, const char *const *files, const double *times, size_t n);

#endif
