/* test_data.c - the seeded generator of harness/pg_data.h: reference
 * outputs of its parts, same seed same bytes, other seed other bytes, and
 * the shape of what it generates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pg_data.h"
#include "pg_test.h"

/* FNV-1a 64 of pg_data_random_walk(seed 7, 4096 points, start 100, sigma
 * 0.001), as docs/harness.md records it. */
#define PG_TEST_SEED7_WALK_DIGEST "3c9618ae1f3f53ad"

static uint64_t digest(const double *x, size_t n)
{
    return pg_fnv1a64(x, n * sizeof(double), PG_FNV1A64_INIT);
}

/* Published reference values: splitmix64 from state 0, FNV-1a 64 of "",
 * "a" and "foobar"; xoshiro256** from state {1,2,3,4} is rotl(2*5,7)*9. */
static void test_reference_values(void **state)
{
    (void)state;
    uint64_t sm = 0;
    assert_true(pg_splitmix64(&sm) == 0xe220a8397b1dcdafull);
    assert_true(pg_splitmix64(&sm) == 0x6e789e6aa1b965f4ull);
    assert_true(pg_fnv1a64("", 0, PG_FNV1A64_INIT) == 0xcbf29ce484222325ull);
    assert_true(pg_fnv1a64("a", 1, PG_FNV1A64_INIT) == 0xaf63dc4c8601ec8cull);
    assert_true(pg_fnv1a64("foobar", 6, PG_FNV1A64_INIT) == 0x85944171f73967e8ull);
    pg_rng r = { { 1, 2, 3, 4 } };
    assert_true(pg_rng_next(&r) == 11520u);
    char hex[17];
    pg_digest_hex(0x0123456789abcdefull, hex);
    assert_string_equal(hex, "0123456789abcdef");
}

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    enum { N = 100000 };
    double *a = malloc(N * sizeof(double)), *b = malloc(N * sizeof(double));
    assert_non_null(a);
    assert_non_null(b);
    pg_rng r1, r2;
    pg_rng_seed(&r1, 7);
    pg_rng_seed(&r2, 7);
    pg_data_random_walk(&r1, a, N, 100.0, 0.001);
    pg_data_random_walk(&r2, b, N, 100.0, 0.001);
    assert_memory_equal(a, b, N * sizeof(double));
    assert_true(digest(a, N) == digest(b, N));
    /* another seed: other bytes */
    pg_rng_seed(&r2, 8);
    pg_data_random_walk(&r2, b, N, 100.0, 0.001);
    assert_true(digest(a, N) != digest(b, N));
    /* another stream of the same seed: other bytes; stream 0 is the seed */
    assert_true(pg_data_stream_seed(7, 0) == 7);
    assert_true(pg_data_stream_seed(7, 1) != pg_data_stream_seed(7, 2));
    assert_true(pg_data_stream_seed(7, 1) != pg_data_stream_seed(8, 1));
    pg_rng_seed(&r2, pg_data_stream_seed(7, 1));
    pg_data_random_walk(&r2, b, N, 100.0, 0.001);
    assert_true(digest(a, N) != digest(b, N));
    free(a);
    free(b);
}

/* The bytes of seed 7 are pinned: a change to the generator changes every
 * recorded input digest and makes old baselines incomparable, so it must be
 * a deliberate change of this value (and of docs/harness.md). */
static void test_seed7_bytes_pinned(void **state)
{
    (void)state;
    enum { N = 4096 };
    double x[N];
    pg_rng r;
    pg_rng_seed(&r, 7);
    pg_data_random_walk(&r, x, N, 100.0, 0.001);
    char hex[17];
    pg_digest_hex(digest(x, N), hex);
    print_message("seed 7 random walk, 4096 points: fnv1a64 %s\n", hex);
    assert_string_equal(hex, PG_TEST_SEED7_WALK_DIGEST);
}

static void test_distributions(void **state)
{
    (void)state;
    enum { N = 200000 };
    pg_rng r;
    pg_rng_seed(&r, 12345);
    double sum = 0, sum2 = 0, umin = 1, umax = 0;
    const double bound = 2.0 * sqrt(3.0);
    for (int i = 0; i < N; i++) {
        double z = pg_rng_normal(&r);
        assert_true(z >= -bound && z < bound);
        sum += z;
        sum2 += z * z;
        double u = pg_rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        umin = u < umin ? u : umin;
        umax = u > umax ? u : umax;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    /* standard error of the mean is 1/sqrt(N) ~ 0.0022 */
    assert_true(fabs(mean) < 0.01);
    assert_true(fabs(var - 1.0) < 0.02);
    assert_true(umin < 1e-3 && umax > 1.0 - 1e-3);

    double ph[1000];
    pg_data_phases(&r, ph, 1000);
    for (int i = 0; i < 1000; i++)
        assert_true(ph[i] >= -M_PI && ph[i] < M_PI);
}

static void test_random_walk_positive_no_drift(void **state)
{
    (void)state;
    enum { N = 1048576 };
    double *x = malloc(N * sizeof(double));
    assert_non_null(x);
    pg_rng r;
    pg_rng_seed(&r, 7);
    pg_data_random_walk(&r, x, N, 100.0, 0.001);
    for (size_t i = 0; i < N; i++)
        assert_true(x[i] > 0 && isfinite(x[i]));
    /* sd of the log price after N steps is sigma*sqrt(N) ~ 1: stays in a
     * sane range (no drift to 1e-20 as a plain (1 + sigma z) walk has). */
    assert_true(x[N - 1] > 100.0 * exp(-6.0) && x[N - 1] < 100.0 * exp(6.0));
    free(x);
}

static void test_ohlcv_shape(void **state)
{
    (void)state;
    enum { N = 5000 };
    static double ts[N], op[N], hi[N], lo[N], cl[N], vo[N], bid[N], ask[N], sv[N];
    pg_data_ohlcv_cols c = { ts, op, hi, lo, cl, vo, bid, ask, sv };
    pg_rng r;
    pg_rng_seed(&r, 3);
    pg_data_ohlcv(&r, N, &c);
    for (size_t i = 0; i < N; i++) {
        assert_true(ts[i] == 1.7e9 + 60.0 * (double)i);
        assert_true(op[i] == (i ? cl[i - 1] : 100.0));
        assert_true(hi[i] >= op[i] && hi[i] >= cl[i]);
        assert_true(lo[i] <= op[i] && lo[i] <= cl[i]);
        assert_true(lo[i] > 0);
        assert_true(vo[i] >= 500.0 && vo[i] < 1500.0);
        assert_true(bid[i] >= 0 && ask[i] >= 0);
        assert_true(fabs(bid[i] + ask[i] - vo[i]) <= 1e-9 * vo[i]);
        assert_true(sv[i] == bid[i] - ask[i]);
    }
    /* Asking for fewer columns leaves the others' values unchanged. */
    static double cl2[N], vo2[N];
    pg_data_ohlcv_cols only = { 0 };
    only.close = cl2;
    only.volume = vo2;
    pg_rng_seed(&r, 3);
    pg_data_ohlcv(&r, N, &only);
    assert_memory_equal(cl, cl2, sizeof(cl2));
    assert_memory_equal(vo, vo2, sizeof(vo2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_values),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_seed7_bytes_pinned),
        cmocka_unit_test(test_distributions),
        cmocka_unit_test(test_random_walk_positive_no_drift),
        cmocka_unit_test(test_ohlcv_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
