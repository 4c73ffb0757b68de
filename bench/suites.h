/*
 * suites.h - the benchmark suites tpbench carries; each registers its
 * benchmarks through harness/pg_bench.h.  Add a suite: write suite_x.c with
 * suite_x_register, declare it here, list it in tpbench.c's table.
 */
#ifndef PG_BENCH_SUITES_H
#define PG_BENCH_SUITES_H

#include "pg_bench.h"

int suite_indicators_register(pg_bench_registry *reg, pg_error *err);
int suite_pipeline_register(pg_bench_registry *reg, pg_error *err);
int suite_calibration_register(pg_bench_registry *reg, pg_error *err);
int suite_gpu_register(pg_bench_registry *reg, pg_error *err);

#endif
