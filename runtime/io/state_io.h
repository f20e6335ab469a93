/* Runtime, run output: save and load a trained state (network weights and unknowns) as a
 * checksummed binary file. */
#ifndef PRP_STATE_IO_H
#define PRP_STATE_IO_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "output.h"
#include "util.h"

/* FNV-1a, 64 bit; `h` is the running hash (start from PRP_FNV64_OFFSET). */
#define PRP_FNV64_OFFSET 0xcbf29ce484222325ULL
uint64_t prp_fnv64(uint64_t h, const void *data, size_t n);

/* The trained state.  File layout (version 1): a text header of lines
 *   PRPSTATE 1
 *   endian little
 *   problem NAME
 *   precision f32|f64
 *   epoch N
 *   widths W0 W1 ... WL          (input width, hidden widths, output width)
 *   unknowns K
 *   unknown NAME VALUE           (K lines, VALUE printed with %.17g, so exact)
 *   weights N                    (number of scalars in the payload)
 *   checksum HHHHHHHHHHHHHHHH    (FNV-1a 64 of every header byte before this line, then the payload)
 * then the payload: N raw scalars of the given precision, native (little-endian) byte order.
 * N must equal sum over layers of (W[i] * W[i+1] + W[i+1]) (weights and biases); their
 * order inside the payload belongs to the network code. */
typedef enum { PRP_PREC_F32 = 4, PRP_PREC_F64 = 8 } prp_precision;

typedef struct {
  char *problem;          /* identifier, no white space */
  prp_precision precision;
  uint64_t epoch;         /* epochs trained when the state was saved */
  size_t nwidths;         /* number of entries in widths (layers + 1), at least 2 */
  size_t *widths;
  size_t nunknowns;
  char **unknown_names;   /* identifiers, no white space */
  double *unknown_values;
  size_t nweights;
  void *weights;          /* nweights scalars of `precision` */
} prp_state;

/* Limits of what prp_state_load accepts; it also refuses unknowns and weights that are not
 * finite. Bounds of the unknowns belong to the problem: the caller checks them. */
#define PRP_STATE_MAX_BYTES ((size_t)1 << 30)
#define PRP_STATE_MAX_EPOCH 2147483647u

size_t prp_state_weight_count(const size_t *widths, size_t nwidths);

/* Writes atomically. */
char *prp_state_save(const char *path, const prp_state *s);

/* Reads and verifies `path` into `out` (allocated; free with prp_state_free).  When `expect`
 * is not NULL its problem, precision, widths and unknown names (not values) must match. */
char *prp_state_load(const char *path, const prp_state *expect, prp_state *out);

/* The same, from len bytes in memory; `path` only names the source in messages. */
char *prp_state_parse(const char *path, const char *data, size_t len, const prp_state *expect, prp_state *out);

void prp_state_free(prp_state *s);

#endif
