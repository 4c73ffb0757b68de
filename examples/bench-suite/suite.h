/* suite.h - the example's suites. */
#ifndef EXAMPLE_SUITE_H
#define EXAMPLE_SUITE_H

#include <pg_bench.h>

int example_suite_register(pg_bench_registry *reg, pg_error *err);

#endif
