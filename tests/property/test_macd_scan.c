/*
 * test_macd_scan.c - property tests of pg_macd_scan, MACD from three fused
 * vectorised scans, against pg_macd (the bit-exact pandas recurrences).
 *
 * pg_macd_scan reassociates the EWM recurrences, so it is held to its
 * documented bound rather than to bits: for each of macd, signal and
 * histogram, |scan_t - exact_t| <= 1e-12 * max_{j<=t} |price_j| (finite
 * prices).  Also:
 *  - the NaN pattern (leading NaNs, holes) is pg_macd's exactly;
 *  - the output on a prefix of the input is the prefix of the output, bit
 *    for bit (groups of eight rows are cut before a non-finite or huge
 *    price and at the end of the input, with zero padding);
 *  - the three builds give the same bits: AVX-512 (eight rows a register),
 *    AVX2 and portable (forced with pgt_use_build on any machine), on
 *    inputs with NaN holes, infinities, huge values (up to overflow of
 *    fast - slow), fast/slow/signal spans 1..200 in any order (fast >=
 *    slow included) and lengths around the group (8) and block (32)
 *    edges; each build is also checked against
 *    pg_macd and for prefix invariance;
 *  - a constant input gives macd 0 (to the bound); spans 1/1/1 give 0;
 *  - bad arguments are PG_EINVAL and write nothing; n = 0 writes nothing.
 * The largest deviation seen is printed.
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

#define CASES 400
#define MAX_N 3000
#define TOL 1e-12

static size_t rand_span(pgt_rng *r)
{
    double u = pgt_rng_uniform(r);
    if (u < 0.15)
        return 1 + pgt_rng_below(r, 3);
    if (u < 0.9)
        return 2 + pgt_rng_below(r, 60);
    return 1 + pgt_rng_below(r, 200);
}

typedef struct outs {
    double *m, *s, *h;
} outs;

static outs outs_new(size_t n)
{
    outs o = { malloc(n * sizeof(double)), malloc(n * sizeof(double)), malloc(n * sizeof(double)) };
    assert_non_null(o.m);
    assert_non_null(o.s);
    assert_non_null(o.h);
    return o;
}

static void outs_free(outs o)
{
    free(o.m);
    free(o.s);
    free(o.h);
}

static double check_col(const double *x, size_t n, const double *e, const double *v,
                        const char *col, size_t f, size_t sl, size_t sg)
{
    double scale = 0.0, worst = 0.0;
    for (size_t t = 0; t < n; t++) {
        if (isfinite(x[t]) && fabs(x[t]) > scale)
            scale = fabs(x[t]);
        if (isnan(e[t]) || isnan(v[t])) {
            if (isnan(e[t]) != isnan(v[t]))
                fail_msg("%zu/%zu/%zu n %zu %s row %zu: exact %.17g scan %.17g (NaN pattern)", f,
                         sl, sg, n, col, t, e[t], v[t]);
            continue;
        }
        if (e[t] == v[t])
            continue;
        double err = fabs(v[t] - e[t]) / scale;
        if (!(err <= TOL))
            fail_msg("%zu/%zu/%zu n %zu %s row %zu: exact %.17g scan %.17g (err %.3g of "
                     "max|x| %.6g)",
                     f, sl, sg, n, col, t, e[t], v[t], err, scale);
        if (err > worst)
            worst = err;
    }
    return worst;
}

/* pg_macd_scan against pg_macd on one input; returns the largest error in
 * units of max|price|.  v gets the scan's outputs. */
static double check_one(const double *x, size_t n, size_t f, size_t sl, size_t sg, outs e, outs v)
{
    assert_int_equal(pg_macd(x, n, f, sl, sg, NULL, NULL, e.m, e.s, e.h), PG_OK);
    assert_int_equal(pg_macd_scan(x, n, f, sl, sg, v.m, v.s, v.h), PG_OK);
    double w = check_col(x, n, e.m, v.m, "macd", f, sl, sg);
    double w2 = check_col(x, n, e.s, v.s, "signal", f, sl, sg);
    double w3 = check_col(x, n, e.h, v.h, "hist", f, sl, sg);
    w = w2 > w ? w2 : w;
    return w3 > w ? w3 : w;
}

static double worst_seen = 0.0;

static void test_against_macd(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 20261126);
    double *x = malloc(MAX_N * sizeof *x);
    assert_non_null(x);
    outs e = outs_new(MAX_N), v = outs_new(MAX_N);
    double worst = 0.0, worst_huge = 0.0;
    for (int c = 0; c < CASES; c++) {
        size_t n = c % 3 == 2 ? pgt_scan_edge_len(&r) : 1 + pgt_rng_below(&r, MAX_N);
        int kind = (int)pgt_rng_below(&r, 4);
        double holes = c % 3 == 0 ? 0.0 : c % 3 == 1 ? 0.002 : 0.05;
        pgt_fill_series(&r, x, n, kind, holes);
        if (c % 7 == 0)
            for (size_t i = 0; i < n && i < 1 + pgt_rng_below(&r, 40); i++)
                x[i] = NAN; /* leading NaNs */
        int huge = c % 8 == 0;
        if (huge) {
            /* Past the scan's +-1e300 range: those rows take the exact step. */
            double scale = c % 16 == 0 ? 1e306 : 1e299;
            for (size_t i = 0; i < n; i++)
                x[i] *= scale;
        }
        size_t f = rand_span(&r), sl = rand_span(&r), sg = rand_span(&r);
        if (c % 5 == 0) {
            f = 12;
            sl = 26;
            sg = 9;
        }
        double w = check_one(x, n, f, sl, sg, e, v);
        if (huge && w > worst_huge)
            worst_huge = w;
        if (w > worst)
            worst = w;
    }
    printf("pg_macd_scan vs pg_macd: largest error %.3g of max|price| (huge inputs %.3g)\n", worst,
           worst_huge);
    if (worst > worst_seen)
        worst_seen = worst;
    free(x);
    outs_free(e);
    outs_free(v);
}

/* The benchmark's kind of input at a size where the carried states run
 * long; TradePulse's 12/26/9 and a few others. */
static void test_long_price_walk(void **state)
{
    (void)state;
    const size_t n = 1 << 18;
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    outs e = outs_new(n), v = outs_new(n);
    pgt_rng r;
    pgt_rng_seed(&r, 7);
    pgt_fill_series(&r, x, n, 0, 0.0);
    static const size_t spans[][3] = {
        { 12, 26, 9 }, { 1, 1, 1 }, { 26, 12, 9 }, { 5, 35, 5 }, { 100, 200, 50 }
    };
    double worst = 0.0;
    for (size_t s = 0; s < sizeof spans / sizeof spans[0]; s++) {
        double w = check_one(x, n, spans[s][0], spans[s][1], spans[s][2], e, v);
        if (w > worst)
            worst = w;
    }
    printf("long walk (2^18 rows): largest error %.3g of max|price|\n", worst);
    if (worst > worst_seen)
        worst_seen = worst;
    free(x);
    outs_free(e);
    outs_free(v);
}

static void test_prefix_invariance(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 99);
    enum { N = 700 };
    static double x[N], fm[N], fs[N], fh[N], pm[N], ps[N], ph[N];
    for (int c = 0; c < 60; c++) {
        pgt_fill_series(&r, x, N, (int)pgt_rng_below(&r, 4), c % 2 ? 0.01 : 0.0);
        if (c % 6 == 0)
            for (size_t i = 0; i < N; i += 1 + pgt_rng_below(&r, 50))
                x[i] *= 1e301; /* some rows beyond the scan's range */
        size_t f = rand_span(&r), sl = rand_span(&r), sg = rand_span(&r);
        assert_int_equal(pg_macd_scan(x, N, f, sl, sg, fm, fs, fh), PG_OK);
        for (size_t m = 1; m <= N; m += 1 + pgt_rng_below(&r, 13)) {
            assert_int_equal(pg_macd_scan(x, m, f, sl, sg, pm, ps, ph), PG_OK);
            if (memcmp(fm, pm, m * sizeof(double)) != 0 ||
                memcmp(fs, ps, m * sizeof(double)) != 0 || memcmp(fh, ph, m * sizeof(double)) != 0)
                fail_msg("case %d %zu/%zu/%zu: prefix of %zu rows differs", c, f, sl, sg, m);
        }
    }
}

static int same_bits(const double *a, const double *b, size_t n, size_t *row)
{
    for (size_t t = 0; t < n; t++) {
        if (isnan(a[t]) && isnan(b[t]))
            continue;
        if (memcmp(&a[t], &b[t], sizeof(double)) != 0) {
            *row = t;
            return 0;
        }
    }
    return 1;
}

/* Same bits from every build (NaN as NaN, whatever its payload). */
static void test_builds_same_bits(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0xb175);
    enum { N = 2000 };
    static double x[N], m[3][N], s[3][N], h[3][N];
    for (int c = 0; c < 400; c++) {
        size_t n = c % 2 ? pgt_scan_edge_len(&r) : 1 + pgt_rng_below(&r, N);
        pgt_fill_series(&r, x, n, (int)pgt_rng_below(&r, 4),
                        c % 3 == 0   ? 0.0
                        : c % 3 == 1 ? 0.003
                                     : 0.05);
        if (c % 5 == 0) {
            /* Huge values: around the 1e300 range, and near DBL_MAX where
             * fast - slow overflows. */
            double scale = c % 10 == 0 ? 1e307 : c % 15 == 0 ? 3e299 : 1e300;
            for (size_t i = 0; i < n; i++)
                x[i] *= scale;
        }
        size_t f = rand_span(&r), sl = rand_span(&r), sg = rand_span(&r);
        for (int b = 0; b < 3; b++) {
            pgt_use_build(b);
            assert_int_equal(pg_macd_scan(x, n, f, sl, sg, m[b], s[b], h[b]), PG_OK);
        }
        pgt_use_build(0);
        for (int b = 1; b < 3; b++) {
            size_t t = 0;
            if (!same_bits(m[0], m[b], n, &t) || !same_bits(s[0], s[b], n, &t) ||
                !same_bits(h[0], h[b], n, &t))
                fail_msg("case %d n %zu %zu/%zu/%zu row %zu: default and %s differ", c, n, f, sl,
                         sg, t, pgt_build_name[b]);
        }
    }
}

/* Each build against pg_macd (the bound) and for prefix invariance. */
static void test_each_build(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0xe4c);
    enum { N = 1500 };
    static double x[N], pm[N], ps[N], ph[N];
    outs e = outs_new(N), v = outs_new(N);
    for (int bld = 0; bld < 3; bld++) {
        double worst = 0.0;
        for (int c = 0; c < 120; c++) {
            size_t n = c % 2 ? pgt_scan_edge_len(&r) : 1 + pgt_rng_below(&r, N);
            pgt_fill_series(&r, x, n, (int)pgt_rng_below(&r, 4), c % 3 == 0 ? 0.0 : 0.01);
            if (c % 6 == 0)
                for (size_t i = 0; i < n; i++)
                    x[i] *= 1e300;
            size_t f = rand_span(&r), sl = rand_span(&r), sg = rand_span(&r);
            pgt_use_build(bld);
            double w = check_one(x, n, f, sl, sg, e, v);
            if (w > worst)
                worst = w;
            for (size_t q = 1; q <= n; q += 1 + pgt_rng_below(&r, 97)) {
                assert_int_equal(pg_macd_scan(x, q, f, sl, sg, pm, ps, ph), PG_OK);
                if (memcmp(v.m, pm, q * sizeof(double)) != 0 ||
                    memcmp(v.s, ps, q * sizeof(double)) != 0 ||
                    memcmp(v.h, ph, q * sizeof(double)) != 0)
                    fail_msg("%s case %d: prefix of %zu rows differs", pgt_build_name[bld], c, q);
            }
            pgt_use_build(0);
        }
        printf("%s build: largest error %.3g of max|price|\n", pgt_build_name[bld], worst);
        if (worst > worst_seen)
            worst_seen = worst;
    }
    outs_free(e);
    outs_free(v);
}

static void test_edges(void **state)
{
    (void)state;
    enum { N = 37 };
    double x[N], m[N], s[N], h[N], e[3] = { 42.0, 43.0, 44.0 };
    for (size_t i = 0; i < N; i++)
        x[i] = 3.25;
    assert_int_equal(pg_macd_scan(x, N, 12, 26, 9, m, s, h), PG_OK);
    for (size_t i = 0; i < N; i++) {
        assert_true(fabs(m[i]) <= TOL * 3.25);
        assert_true(fabs(s[i]) <= TOL * 3.25);
        assert_true(fabs(h[i]) <= TOL * 3.25);
    }
    /* Spans 1/1/1: fast = slow = price, macd = signal = hist = 0. */
    for (size_t i = 0; i < N; i++)
        x[i] = (double)i * 0.5 - 4.0;
    assert_int_equal(pg_macd_scan(x, N, 1, 1, 1, m, s, h), PG_OK);
    for (size_t i = 0; i < N; i++)
        assert_true(m[i] == 0.0 && s[i] == 0.0 && h[i] == 0.0);
    /* n = 1: row 0 is 0 for a valid price, NaN for a NaN one. */
    assert_int_equal(pg_macd_scan(x, 1, 12, 26, 9, m, s, h), PG_OK);
    assert_true(m[0] == 0.0 && s[0] == 0.0 && h[0] == 0.0);
    double nan1 = NAN;
    assert_int_equal(pg_macd_scan(&nan1, 1, 12, 26, 9, m, s, h), PG_OK);
    assert_true(isnan(m[0]) && isnan(s[0]) && isnan(h[0]));
    /* n = 0 writes nothing (NULL pointers allowed, as pg_macd). */
    assert_int_equal(pg_macd_scan(x, 0, 12, 26, 9, &e[0], &e[1], &e[2]), PG_OK);
    assert_int_equal(pg_macd_scan(NULL, 0, 12, 26, 9, NULL, NULL, NULL), PG_OK);
    /* Bad arguments: PG_EINVAL, as pg_macd, and nothing written. */
    static const size_t bad[][3] = { { 0, 26, 9 }, { 12, 0, 9 }, { 12, 26, 0 } };
    for (size_t b = 0; b < 3; b++) {
        assert_int_equal(pg_macd_scan(x, 5, bad[b][0], bad[b][1], bad[b][2], &e[0], &e[1], &e[2]),
                         PG_EINVAL);
        assert_int_equal(
            pg_macd(x, 5, bad[b][0], bad[b][1], bad[b][2], NULL, NULL, &e[0], &e[1], &e[2]),
            PG_EINVAL);
    }
    assert_int_equal(pg_macd_scan(NULL, 5, 12, 26, 9, &e[0], &e[1], &e[2]), PG_EINVAL);
    assert_int_equal(pg_macd_scan(x, 5, 12, 26, 9, NULL, &e[1], &e[2]), PG_EINVAL);
    assert_int_equal(pg_macd_scan(x, 5, 12, 26, 9, &e[0], NULL, &e[2]), PG_EINVAL);
    assert_int_equal(pg_macd_scan(x, 5, 12, 26, 9, &e[0], &e[1], NULL), PG_EINVAL);
    assert_true(e[0] == 42.0 && e[1] == 43.0 && e[2] == 44.0);
    /* All NaN: all NaN, as pg_macd. */
    for (size_t i = 0; i < N; i++)
        x[i] = NAN;
    assert_int_equal(pg_macd_scan(x, N, 12, 26, 9, m, s, h), PG_OK);
    for (size_t i = 0; i < N; i++)
        assert_true(isnan(m[i]) && isnan(s[i]) && isnan(h[i]));
}

static int report(void **state)
{
    (void)state;
    printf("pg_macd_scan: largest deviation from pg_macd over all checks %.3g of max|price| "
           "(bound %g)\n",
           worst_seen, TOL);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_macd),      cmocka_unit_test(test_long_price_walk),
        cmocka_unit_test(test_prefix_invariance), cmocka_unit_test(test_builds_same_bits),
        cmocka_unit_test(test_each_build),        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, report);
}
