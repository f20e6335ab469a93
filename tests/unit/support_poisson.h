/* Test support shared by the trainer's tests on the REPL's Poisson problem
 * (tests/repl/poisson1d.prp; test_trainer.c, test_train_strict.c): a JIT set up per
 * group, the problem planned from its file or from an edited copy of its text, and
 * trainers of it. Include after cmocka.h. */
#ifndef PRP_TEST_SUPPORT_POISSON_H
#define PRP_TEST_SUPPORT_POISSON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "parse.h"
#include "plan.h"
#include "train.h"

static prp_jit *jit;
static char problem_path[600];

typedef struct {
  ast_program *prog;
  prp_plan plan;
} planned;

/* The problem from text (NULL: its file; the file's directory holds the sensors either
 * way), checked and planned for `epochs` (-1: the file's), writing no files. */
static inline void plan_source(planned *p, const char *text, long epochs) {
  prp_diag diag;
  prp_diag_init(&diag, stderr, 0);
  p->prog = text ? prp_parse_string(problem_path, text, strlen(text), &diag) : prp_parse_file(problem_path, &diag);
  assert_non_null(p->prog);
  assert_int_equal(prp_check(p->prog, &diag), 0);
  prp_plan_options opt = {.relax = 1, .epochs = epochs, .seed = -1, .quiet = 1};
  assert_int_equal(prp_plan_build(p->prog, jit, &opt, &diag, &p->plan), 0);
  p->plan.problem.output_dir = NULL;
}

static inline void free_problem(planned *p) {
  prp_plan_free(&p->plan);
  ast_program_free(p->prog);
}

static inline prp_trainer *trainer_of(const planned *p) {
  char *err = NULL;
  prp_trainer *t = prp_trainer_new(&p->plan.problem, &err);
  assert_null(err);
  assert_non_null(t);
  return t;
}

static inline int setup(void **state) {
  (void)state;
  jit = prp_jit_create();
  const char *src = getenv("PRP_SOURCE_DIR");
  snprintf(problem_path, sizeof problem_path, "%s/tests/repl/poisson1d.prp", src ? src : PRP_SOURCE_DIR);
  return jit ? 0 : -1;
}

static inline int teardown(void **state) {
  (void)state;
  prp_jit_destroy(jit);
  return 0;
}

#endif
