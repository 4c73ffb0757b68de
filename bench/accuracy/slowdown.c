/*
 * slowdown.c - a calibrated slowdown of pg_sma for the accuracy harness
 * (bench/accuracy/): tpbench's sources compiled with -Dpg_sma=pg_sma_slowed
 * (as tests/CMakeLists.txt does for tpbench_slowed) and linked with this
 * file instead of tests/e2e/slowed_sma.c.
 *
 * PG_ACC_SLOWDOWN (a compile-time fraction: 0, 0.02, 0.05, 0.10) adds that
 * fraction of pg_sma's own work: after the full call it runs pg_sma again
 * on the first PG_ACC_SLOWDOWN * n points (which rewrites out[0..k) with
 * the values a trailing window gives them).  The instructions added are
 * that fraction of the kernel's (measured exactly by callgrind); the time
 * added is close to it (the prefix is warm in cache), and the harness
 * reports what it measured, not what was asked for.  Every other kernel is
 * untouched, so their verdicts in the same trials are A/A.
 */
#undef pg_sma
#include <stddef.h>

#include "pg_kernels.h"

#ifndef PG_ACC_SLOWDOWN
#define PG_ACC_SLOWDOWN 0.0
#endif

int pg_sma_slowed(const double *price, size_t n, size_t window, double *out);

int pg_sma_slowed(const double *price, size_t n, size_t window, double *out)
{
    int rc = pg_sma(price, n, window, out);
    size_t k = (size_t)((double)n * (PG_ACC_SLOWDOWN) + 0.5);
    if (rc == 0 && k > 0)
        rc = pg_sma(price, k, window, out);
    return rc;
}
