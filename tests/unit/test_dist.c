/* Unit tests of the one-process side of runtime/dist.c and train_dist.c: the blocks
 * the ranks take cover every point once, in order; without a launcher there is one
 * rank and the collective calls change nothing. (Several ranks: tests/mpi.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "train_dist.h"

/* For several n and P: rank r's block starts where rank r-1's ends, the last ends at
 * n, and the sizes differ by at most one. */
static void test_blocks_cover_the_points(void **state) {
  (void)state;
  const size_t ns[] = {0, 1, 5, 511, 2048, 2049};
  const int ps[] = {1, 2, 3, 7, 64};
  for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
    for (size_t j = 0; j < sizeof ps / sizeof *ps; j++) {
      size_t next = 0, smallest = (size_t)-1, largest = 0;
      for (int r = 0; r < ps[j]; r++) {
        size_t first, count;
        prp_dist_share(ns[i], r, ps[j], &first, &count);
        assert_int_equal(first, next);
        next = first + count;
        if (count < smallest) smallest = count;
        if (count > largest) largest = count;
      }
      assert_int_equal(next, ns[i]);
      assert_true(largest - smallest <= 1);
    }
}

static void test_one_rank_without_launcher(void **state) {
  (void)state;
  unsetenv("OMPI_COMM_WORLD_SIZE");
  unsetenv("PMIX_RANK");
  unsetenv("PMI_RANK");
  unsetenv("PMI_SIZE");
  assert_false(prp_dist_launched());
  int argc = 1;
  char *args[] = {"test_dist", NULL}, **argv = args;
  prp_dist_init(&argc, &argv);
  assert_int_equal(prp_dist_rank(), 0);
  assert_int_equal(prp_dist_size(), 1);
  double v[3] = {1.5, -2, 1e300};
  prp_dist_sum(v, 3);
  assert_true(v[0] == 1.5 && v[1] == -2 && v[2] == 1e300);
  int items[5] = {1, 2, 3, 4, 5};
  prp_dist_gather_dealt(items, sizeof *items, 5);
  for (int k = 0; k < 5; k++) assert_int_equal(items[k], k + 1);
  assert_int_equal(prp_dist_check_same(42), 0);
  prp_dist_barrier();
  prp_train_dist_set_split(1);
  assert_int_equal(prp_train_dist_parts(), 1);   /* one rank: nothing to split */
  prp_train_dist_set_split(0);
  prp_dist_finalize();
}

static void test_launcher_detected(void **state) {
  (void)state;
  setenv("PMI_RANK", "0", 1);
  assert_true(prp_dist_launched());
  unsetenv("PMI_RANK");
  setenv("OMPI_COMM_WORLD_SIZE", "", 1);   /* empty: not a launcher's */
  assert_false(prp_dist_launched());
  unsetenv("OMPI_COMM_WORLD_SIZE");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_blocks_cover_the_points),
    cmocka_unit_test(test_one_rank_without_launcher),
    cmocka_unit_test(test_launcher_detected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
