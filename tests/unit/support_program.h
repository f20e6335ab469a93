/* Test support shared by the tests that load a .prp program and run the
 * simulator on it (test_simulate_run.c, test_landscape.c): a JIT set up per
 * group, programs parsed and checked with their diagnostics captured as text,
 * the examples read from the source tree. Include after cmocka.h. */
#ifndef PRP_TEST_SUPPORT_PROGRAM_H
#define PRP_TEST_SUPPORT_PROGRAM_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "relax_auto_flow.h"
#include "jit.h"
#include "parse.h"

static prp_jit *jit;

/* Under LeakSanitizer: fontconfig (through cairo, for the plots) keeps a one-time font cache
 * for the life of the process. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

static inline int setup(void **state) {
  (void)state;
  jit = prp_jit_create();
  return jit ? 0 : -1;
}

static inline int teardown(void **state) {
  (void)state;
  prp_jit_destroy(jit);
  return 0;
}

/* A parsed and checked program, with the diagnostics captured as text. */
typedef struct loaded {
  ast_program *prog;
  prp_diag diag;
  FILE *f;
  char *text;
  size_t len;
} loaded;

static inline void load_text(loaded *l, const char *name, const char *text) {
  memset(l, 0, sizeof *l);
  l->f = open_memstream(&l->text, &l->len);
  assert_non_null(l->f);
  prp_diag_init(&l->diag, l->f, 0);
  l->prog = prp_parse_string(name, text, strlen(text), &l->diag);
  assert_non_null(l->prog);
  if (l->diag.errors == 0) prp_check_program(l->prog, &l->diag);   /* as prpc checks */
  fflush(l->f);
  if (l->diag.errors) fail_msg("the test's program has errors:\n%s", l->text);
}

/* The text of examples/NAME (malloc'd). */
static inline char *read_example(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/examples/%s", PRP_SOURCE_DIR, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *text = malloc(n + 1);
  assert_non_null(text);
  memcpy(text, buf, n + 1);
  return text;
}

static inline void load_example(loaded *l, const char *name) {
  char *text = read_example(name);
  load_text(l, name, text);
  free(text);
}

static inline const char *diag_text(loaded *l) {
  fflush(l->f);
  return l->text ? l->text : "";
}

static inline void unload(loaded *l) {
  ast_program_free(l->prog);
  fclose(l->f);
  free(l->text);
}

#endif
