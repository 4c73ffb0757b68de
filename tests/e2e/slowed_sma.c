/*
 * slowed_sma.c - the deliberately slowed kernel behind tpbench_slowed, a
 * test-only build of tpbench (tests/CMakeLists.txt compiles the bench
 * sources with -Dpg_sma=pg_sma_slowed).  It computes the same result as
 * pg_sma, PG_SLOW_FACTOR times over (default 5), so the gate must turn red
 * on indicators/sma/... while every other benchmark is untouched.
 */
#undef pg_sma
#include <stdlib.h>

#include "pg_kernels.h"

int pg_sma_slowed(const double *price, size_t n, size_t window, double *out);

int pg_sma_slowed(const double *price, size_t n, size_t window, double *out)
{
    const char *env = getenv("PG_SLOW_FACTOR");
    int factor = env ? atoi(env) : 5;
    int rc = 0;
    for (int i = 0; i < (factor > 1 ? factor : 1) && rc == 0; i++)
        rc = pg_sma(price, n, window, out);
    return rc;
}
