/*
 * pg_test_bench.h - helpers for the tests that run benchmarks through the
 * harness (harness/pg_bench.h) in their own process.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h>, <stdint.h> and <cmocka.h>.
 */
#ifndef PG_TEST_BENCH_H
#define PG_TEST_BENCH_H

#include <stddef.h>

#include "pg_bench.h"

/* The `first` profile starts the test binary again with
 * PG_BENCH_CHILD_FLAG.  Call first thing in main: when argv carries the
 * flag, runs that child on the registry make() returns and gives the exit
 * status the program should return (0, or 1 on any failure); otherwise -1,
 * and the caller runs its tests. */
int pgt_bench_child_main(int argc, char **argv, pg_bench_registry *(*make)(void));

/* Makes an empty results file from out, a mkstemp template such as
 * "/tmp/pg_test_x_XXXXXX" (rewritten in place), and writes "--out=PATH"
 * into flag; fails the test when it cannot. */
void pgt_results_file(char *out, char *flag, size_t flen);

#endif
