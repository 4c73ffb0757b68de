/*
 * test_ema_scan.c - property tests of pg_ema_scan, the vectorised
 * parallel-scan EMA, against pg_ema (the bit-exact pandas recurrence).
 *
 * pg_ema_scan reassociates the recurrence, so it is held to its documented
 * bound rather than to bits: |scan_t - ema_t| <= 1e-12 * max_{j<=t} |x_j|
 * (finite x_j), which for a positive series is 1e-12 relative.  Also:
 *  - the NaN pattern (warm-up, leading NaNs) is pg_ema's exactly;
 *  - the output on a prefix of the input is the prefix of the output, bit
 *    for bit (the groups of eight rows are cut before a non-finite value
 *    and at the end of the input with zero padding);
 *  - the three builds of the scan give the same bits: AVX-512 (eight rows
 *    a register, the same IEEE operations in the same order, no FMA), AVX2
 *    and portable (forced with pgt_use_build on any machine), on inputs
 *    with NaN holes, infinities, huge values (up to overflow), spans
 *    1..500, min_periods and lengths around the group (8) and block (32)
 *    edges; each build is also checked against pg_ema and for prefix
 *    invariance;
 *  - a constant input gives the constant (to the bound), span 1 the input;
 *  - bad arguments are PG_EINVAL and n = 0 writes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_kernels.h"
#include "pg_test.h"

#define CASES 300
#define MAX_N 3000
#define TOL 1e-12

/* Checks scan against ema on one input; returns the largest error in units
 * of the bound's scale. */
static double check_one(const double *x, size_t n, double span, size_t mp, double *ema,
                        double *scan)
{
    assert_int_equal(pg_ema(x, n, span, mp, ema), PG_OK);
    assert_int_equal(pg_ema_scan(x, n, span, mp, scan), PG_OK);
    double scale = 0.0, worst = 0.0;
    for (size_t t = 0; t < n; t++) {
        if (isfinite(x[t]) && fabs(x[t]) > scale)
            scale = fabs(x[t]);
        if (isnan(ema[t]) || isnan(scan[t])) {
            if (isnan(ema[t]) != isnan(scan[t]))
                fail_msg("span %g mp %zu n %zu row %zu: ema %.17g scan %.17g (NaN pattern)", span,
                         mp, n, t, ema[t], scan[t]);
            continue;
        }
        double err = fabs(scan[t] - ema[t]) / scale;
        if (!(err <= TOL))
            fail_msg("span %g mp %zu n %zu row %zu: ema %.17g scan %.17g (err %.3g of max|x| "
                     "%.6g)",
                     span, mp, n, t, ema[t], scan[t], err, scale);
        if (err > worst)
            worst = err;
    }
    return worst;
}

static double rand_span(pgt_rng *r)
{
    double u = pgt_rng_uniform(r);
    if (u < 0.1)
        return 1.0 + pgt_rng_below(r, 3);
    if (u < 0.7)
        return 2.0 + pgt_rng_below(r, 100);
    if (u < 0.9)
        return 1.0 + 999.0 * pgt_rng_uniform(r); /* not an integer */
    return 1000.0;
}

static void test_against_ema(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 20240611);
    double *x = malloc(MAX_N * sizeof *x), *a = malloc(MAX_N * sizeof *a),
           *b = malloc(MAX_N * sizeof *b);
    assert_non_null(x);
    assert_non_null(a);
    assert_non_null(b);
    double worst_pos = 0.0, worst_any = 0.0;
    for (int c = 0; c < CASES; c++) {
        size_t n = 1 + pgt_rng_below(&r, MAX_N);
        int kind = (int)pgt_rng_below(&r, 4);
        double holes = c % 3 == 0 ? 0.0 : c % 3 == 1 ? 0.002 : 0.05;
        pgt_fill_series(&r, x, n, kind, holes);
        if (c % 7 == 0)
            for (size_t i = 0; i < n && i < 1 + pgt_rng_below(&r, 40); i++)
                x[i] = NAN; /* leading NaNs */
        double span = rand_span(&r);
        size_t mp = pgt_rng_below(&r, 4) == 0 ? 0 : pgt_rng_below(&r, 120);
        double w = check_one(x, n, span, mp, a, b);
        if (kind != 1 && w > worst_pos)
            worst_pos = w;
        if (w > worst_any)
            worst_any = w;
        /* Positive series: the bound is relative to the value itself. */
        if (kind != 1)
            for (size_t t = 0; t < n; t++)
                if (isfinite(a[t]) && a[t] > 0.0 && fabs(b[t] - a[t]) > 1e-11 * a[t])
                    fail_msg("positive series row %zu: ema %.17g scan %.17g", t, a[t], b[t]);
    }
    printf("pg_ema_scan vs pg_ema: largest error %.3g (positive series %.3g) of max|x|\n",
           worst_any, worst_pos);
    free(x);
    free(a);
    free(b);
}

/* The benchmark's input at a size where the carried state runs long. */
static void test_long_price_walk(void **state)
{
    (void)state;
    const size_t n = 1 << 18;
    double *x = malloc(n * sizeof *x), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    assert_non_null(x);
    assert_non_null(a);
    assert_non_null(b);
    pgt_rng r;
    pgt_rng_seed(&r, 7);
    pgt_fill_series(&r, x, n, 0, 0.0);
    static const double spans[] = { 1.0, 2.0, 9.0, 20.0, 26.0, 50.0, 200.0, 1000.0 };
    for (size_t s = 0; s < sizeof spans / sizeof spans[0]; s++) {
        check_one(x, n, spans[s], (size_t)spans[s], a, b);
        for (size_t t = 0; t < n; t++)
            if (isfinite(a[t]) && fabs(b[t] - a[t]) > TOL * fabs(a[t]))
                fail_msg("span %g row %zu: ema %.17g scan %.17g", spans[s], t, a[t], b[t]);
    }
    free(x);
    free(a);
    free(b);
}

static void test_prefix_invariance(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 99);
    enum { N = 700 };
    double x[N], full[N], part[N];
    for (int c = 0; c < 60; c++) {
        pgt_fill_series(&r, x, N, (int)pgt_rng_below(&r, 4), c % 2 ? 0.01 : 0.0);
        double span = rand_span(&r);
        size_t mp = pgt_rng_below(&r, 30);
        assert_int_equal(pg_ema_scan(x, N, span, mp, full), PG_OK);
        for (size_t m = 1; m <= N; m += 1 + pgt_rng_below(&r, 13)) {
            assert_int_equal(pg_ema_scan(x, m, span, mp, part), PG_OK);
            if (memcmp(full, part, m * sizeof(double)) != 0)
                fail_msg("case %d span %g: prefix of %zu rows differs", c, span, m);
        }
    }
}

/* Same bits from every build (NaN as NaN, whatever its payload). */
static void test_builds_same_bits(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0xb175);
    enum { N = 2000 };
    static double x[N], out[3][N];
    for (int c = 0; c < 400; c++) {
        size_t n = c % 2 ? pgt_scan_edge_len(&r) : 1 + pgt_rng_below(&r, N);
        pgt_fill_series(&r, x, n, (int)pgt_rng_below(&r, 4),
                        c % 3 == 0   ? 0.0
                        : c % 3 == 1 ? 0.003
                                     : 0.05);
        if (c % 5 == 0) {
            /* Huge values: 1e300, and near DBL_MAX where the scan overflows. */
            double scale = c % 10 == 0 ? 1e306 : 1e300;
            for (size_t i = 0; i < n; i++)
                x[i] *= scale;
        }
        double span = c % 4 == 0 ? 1.0 + 499.0 * pgt_rng_uniform(&r) : rand_span(&r);
        if (span > 500.0)
            span = 500.0;
        size_t mp = pgt_rng_below(&r, 3) == 0 ? 0 : pgt_rng_below(&r, 60);
        for (int b = 0; b < 3; b++) {
            pgt_use_build(b);
            assert_int_equal(pg_ema_scan(x, n, span, mp, out[b]), PG_OK);
        }
        pgt_use_build(0);
        for (int b = 1; b < 3; b++)
            for (size_t t = 0; t < n; t++) {
                if (isnan(out[0][t]) && isnan(out[b][t]))
                    continue;
                if (memcmp(&out[0][t], &out[b][t], sizeof(double)) != 0)
                    fail_msg("case %d n %zu span %g row %zu: default %.17g, %s %.17g", c, n, span,
                             t, out[0][t], pgt_build_name[b], out[b][t]);
            }
    }
}

/* Each build against pg_ema (the bound) and for prefix invariance; scaled
 * inputs to 1e300 stay within the bound relative to max|x|. */
static void test_each_build(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0xe4c);
    enum { N = 1500 };
    static double x[N], a[N], b[N], part[N];
    for (int bld = 0; bld < 3; bld++) {
        double worst = 0.0;
        for (int c = 0; c < 120; c++) {
            size_t n = c % 2 ? pgt_scan_edge_len(&r) : 1 + pgt_rng_below(&r, N);
            pgt_fill_series(&r, x, n, (int)pgt_rng_below(&r, 4), c % 3 == 0 ? 0.0 : 0.01);
            if (c % 6 == 0)
                for (size_t i = 0; i < n; i++)
                    x[i] *= 1e300;
            double span = 1.0 + 499.0 * pgt_rng_uniform(&r);
            size_t mp = pgt_rng_below(&r, 40);
            pgt_use_build(bld);
            double w = check_one(x, n, span, mp, a, b);
            if (w > worst)
                worst = w;
            for (size_t m = 1; m <= n; m += 1 + pgt_rng_below(&r, 97)) {
                assert_int_equal(pg_ema_scan(x, m, span, mp, part), PG_OK);
                if (memcmp(b, part, m * sizeof(double)) != 0)
                    fail_msg("%s case %d: prefix of %zu rows differs", pgt_build_name[bld], c, m);
            }
            pgt_use_build(0);
        }
        printf("%s build: largest error %.3g of max|x|\n", pgt_build_name[bld], worst);
    }
}

static void test_portable_same_bits(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 5);
    enum { N = 2000 };
    static double x[N], v[N], p[N];
    for (int c = 0; c < 40; c++) {
        pgt_fill_series(&r, x, N, (int)pgt_rng_below(&r, 4), c % 2 ? 0.01 : 0.0);
        double span = rand_span(&r);
        assert_int_equal(pg_ema_scan(x, N, span, 5, v), PG_OK);
        pgt_use_build(PGT_BUILD_PORTABLE);
        assert_int_equal(pg_ema_scan(x, N, span, 5, p), PG_OK);
        pgt_use_build(PGT_BUILD_DEFAULT);
        if (memcmp(v, p, sizeof v) != 0)
            fail_msg("case %d: portable and default builds differ", c);
    }
}

static void test_edges(void **state)
{
    (void)state;
    double x[37], y[37], e[37];
    for (size_t i = 0; i < 37; i++)
        x[i] = 3.25;
    assert_int_equal(pg_ema_scan(x, 37, 20.0, 0, y), PG_OK);
    for (size_t i = 0; i < 37; i++)
        assert_true(fabs(y[i] - 3.25) <= TOL * 3.25);
    /* span 1: alpha 1, the output is the input. */
    for (size_t i = 0; i < 37; i++)
        x[i] = (double)i * 0.5 - 4.0;
    assert_int_equal(pg_ema_scan(x, 37, 1.0, 1, y), PG_OK);
    assert_memory_equal(x, y, sizeof x);
    /* n = 1, 0; bad arguments write nothing. */
    assert_int_equal(pg_ema_scan(x, 1, 5.0, 1, y), PG_OK);
    assert_true(y[0] == x[0]);
    assert_int_equal(pg_ema_scan(x, 1, 5.0, 2, y), PG_OK);
    assert_true(isnan(y[0]));
    e[0] = 42.0;
    assert_int_equal(pg_ema_scan(x, 0, 5.0, 1, e), PG_OK);
    assert_true(e[0] == 42.0);
    assert_int_equal(pg_ema_scan(x, 5, 0.5, 1, e), PG_EINVAL);
    assert_int_equal(pg_ema_scan(x, 5, NAN, 1, e), PG_EINVAL);
    assert_int_equal(pg_ema_scan(x, 5, INFINITY, 1, e), PG_EINVAL);
    assert_int_equal(pg_ema_scan(NULL, 5, 5.0, 1, e), PG_EINVAL);
    assert_int_equal(pg_ema_scan(x, 5, 5.0, 1, NULL), PG_EINVAL);
    assert_true(e[0] == 42.0);
    /* All NaN: all NaN, as pg_ema. */
    for (size_t i = 0; i < 37; i++)
        x[i] = NAN;
    assert_int_equal(pg_ema_scan(x, 37, 5.0, 0, y), PG_OK);
    for (size_t i = 0; i < 37; i++)
        assert_true(isnan(y[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_ema),
        cmocka_unit_test(test_long_price_walk),
        cmocka_unit_test(test_prefix_invariance),
        cmocka_unit_test(test_portable_same_bits),
        cmocka_unit_test(test_builds_same_bits),
        cmocka_unit_test(test_each_build),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
