/* codegen.h: LLVM IR kernels over batches of points from the expression DAG
 * (expr.h), for f32 or f64; JIT-compiled (jit.h) or emitted as IR/asm/object. */
#ifndef PRP_CODEGEN_H
#define PRP_CODEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "expr.h"
#include "jit.h"
#include "residual.h"

typedef enum prp_elem_type { PRP_ELEM_F64, PRP_ELEM_F32 } prp_elem_type;

/* How the DAG's variables reach a kernel. Per-point variables (coordinates,
 * jets, point data) come as arrays of n values; uniform ones (unknowns,
 * schedule scalars) as single values. Slots follow prp_env's order:
 *
 *   point_inputs[i]                          coordinate i   (i < n_coord)
 *   point_inputs[n_coord + j]                jet j          (the DAG's jet index, j < n_jet)
 *   point_inputs[n_coord + n_jet + k]        point data k   (k < n_pointdata)
 *   uniforms[i]                              unknown i      (i < n_unknown)
 *   uniforms[n_unknown + k]                  scalar k       (k < n_scalar)
 *
 * Slots of variables that the outputs do not use are never read (may be NULL). */
typedef struct prp_kernel_layout {
  uint32_t n_coord, n_jet, n_pointdata;
  uint32_t n_unknown, n_scalar;
} prp_kernel_layout;

/* One kernel: the values of n_outputs DAG nodes at every point of a batch.
 *
 * ABI (T = double for PRP_ELEM_F64, float for PRP_ELEM_F32):
 *
 *   void name(int64_t n, const T *const *point_inputs, const T *uniforms,
 *             T *const *outputs);
 *
 * For every point p < n: outputs[o][p] = value of outputs node o with each
 * per-point variable read at point_inputs[slot][p] and each uniform at
 * uniforms[slot]. With n <= 0 nothing is read or written. Output arrays must
 * not overlap each other or the inputs (they are noalias); inputs may overlap.
 * Each node reachable from the outputs is computed once per point (shared
 * subexpressions, e.g. between a residual and its derivatives).
 *
 * Numerics: sums and products in the DAG's operand order, like prp_eval;
 * integer constant exponents (|e| <= 64) by multiplication chains, half-integer
 * ones with sqrt; exp, log, tanh, sin, cos and general pow from vecmath.h
 * (accuracy documented there). Error bounds, relative to the largest |value|
 * among the nodes an output depends on, asserted by tests/unit/test_codegen.c
 * (random expressions and their derivatives) and test_codegen_examples.c:
 *   f64: 1e-12 (measured at most 3e-16);
 *   f32: 1e-5 against prp_eval in double on the same float inputs (measured
 *        at most 2e-7 on random expressions, 1.5e-6 on the examples); f32
 *        kernels compute in f32 throughout, constants rounded to float. */
typedef struct prp_kernel_spec {
  const char *name; /* symbol name in emitted code */
  const prp_dag *dag;
  const prp_node *outputs;
  size_t n_outputs;
  prp_kernel_layout layout;
  prp_elem_type type;
  /* By default (false) an x86-64 kernel runs with flush-to-zero and
   * denormals-are-zero set in MXCSR, restoring the caller's mode on return:
   * results below the smallest normal number (2^-126 in f32, 2^-1022 in
   * f64) become 0, which is far below any tolerance of a residual, and the
   * kernel avoids the slow path of subnormal arithmetic (measured 5x on f32
   * kernels with narrow Gaussian sources). true keeps IEEE subnormals. */
  bool keep_subnormals;
} prp_kernel_spec;

typedef void (*prp_kernel_f64)(int64_t n, const double *const *point_inputs, const double *uniforms,
                               double *const *outputs);
typedef void (*prp_kernel_f32)(int64_t n, const float *const *point_inputs, const float *uniforms,
                               float *const *outputs);

/* Checks that every variable the outputs reach has a slot in the layout.
 * 0 if so; else -1 and a message in err (err may be NULL). */
int prp_codegen_check(const prp_kernel_spec *spec, char *err, size_t err_size);

/* A new, unoptimised module (in the JIT's context) holding the n kernels.
 * NULL (and a message in err) if a spec fails prp_codegen_check. */
LLVMModuleRef prp_codegen_module(prp_jit *jit, const prp_kernel_spec *specs, size_t n, char *err,
                                 size_t err_size);

/* The kernel compiled in the JIT, as a prp_kernel_f64 or prp_kernel_f32
 * according to spec->type; from the JIT's cache if an identical kernel (same
 * DAG of the outputs, layout, type and target) was compiled before, whatever
 * its name. NULL on failure, with a message in err. */
void *prp_codegen_jit(prp_jit *jit, const prp_kernel_spec *spec, char *err, size_t err_size);

/* Canonical text of what a kernel computes (the one kernel key: the JIT's
 * caches and the REPL's kernel table): the nodes reachable from the outputs,
 * numbered depth first from them (so by structure, not by the order the DAG's
 * nodes were created in), constants by bit pattern, variables by kind and
 * slot, plus the element type, layout, compiler version, LLVM version and
 * target. Equal keys mean interchangeable code. malloc'd. */
char *prp_codegen_key(const prp_jit *jit, const prp_kernel_spec *spec);

/* The n kernels, optimised as for the JIT, written to out as LLVM IR text,
 * assembly text, or to path as an object file for the host (written
 * atomically; the symbols are the specs' names). 0 on success, else -1 with
 * a message in err. */
int prp_codegen_emit_ir(prp_jit *jit, const prp_kernel_spec *specs, size_t n, FILE *out, char *err,
                        size_t err_size);
int prp_codegen_emit_asm(prp_jit *jit, const prp_kernel_spec *specs, size_t n, FILE *out,
                         char *err, size_t err_size);
int prp_codegen_emit_object(prp_jit *jit, const prp_kernel_spec *specs, size_t n, const char *path,
                            char *err, size_t err_size);

/* ---- the kernel plan of a program ------------------------------------------
 * One kernel per loss term of prp_residuals (hard conditions, built into the
 * network, have none), named prp_<kind>_<term index> (prp_pde_0,
 * prp_boundary_2, ...). Outputs of the kernel of term t:
 *   0                     the residual value
 *   1 + j                 d value / d jets.nodes[j], j < jets.n
 *   1 + jets.n + k        d value / d unknown k, k < nunknowns
 * One layout for all of them: n_coord = PRP_MAX_INPUTS (slots of coordinates
 * the field does not have are never read), n_jet = every jet of the DAG,
 * n_pointdata = PRP_POINT_COUNT, n_unknown = nunknowns, n_scalar = nscalars. */
typedef struct prp_kernel_plan {
  size_t n;
  prp_kernel_spec *specs;
  int *term;  /* specs[k] computes residuals->terms[term[k]] */
} prp_kernel_plan;

void prp_kernel_plan_build(const prp_residuals *r, prp_elem_type type, prp_kernel_plan *plan);
void prp_kernel_plan_free(prp_kernel_plan *plan);

#endif
