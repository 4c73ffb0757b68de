/*
 * test_rsi.c - property tests of pg_rsi's fast paths against the plain
 * scalar recurrence (pandas' ewm(alpha=1/w, adjust=False) of the clipped
 * differences, KERNELS.md section 1 "RSI"), bit for bit.
 *
 * pg_rsi has three builds of its fast path, picked at run time: AVX-512
 * (k-mask compare and masked move for pandas' "y == c keeps y", no branch
 * per row), AVX2 and portable (one test per four-row group, then a
 * lane-wise re-step).  pgt_use_build forces the AVX2 and the portable
 * build; each must give the reference's bits on:
 *  - prices on a tick grid (many zero differences: gain == 0 and loss == 0
 *    rows, and equal differences);
 *  - ramps with an exact step (a constant difference: the average equals
 *    the input, y == c, row after row) mixed with noise;
 *  - NaN holes, +-inf, zeros, huge prices (differences that overflow);
 *  - windows 1..40 and a few long ones, lengths around the group (4) and
 *    chunk (256) edges and runs that start and end anywhere.
 * (The fast paths' kept division, for (1-a)+a != 1, is not reachable from
 * pg_rsi: for every window 1..200000 that sum rounds to exactly 1.)
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

#define MAX_N 3000

/* The reference: pandas' ewma() for adjust=False, ignore_na=False, one row
 * at a time; *eq_rows counts valid rows where y == c (pandas keeps y). */
static void ref_ewm(const double *x, size_t n, double alpha, size_t minp, double *out,
                    size_t *eq_rows)
{
    double y = NAN, w = 1.0;
    size_t k = 0;
    for (size_t t = 0; t < n; t++) {
        double c = x[t];
        int valid = isfinite(c);
        if (t == 0) {
            y = valid ? c : NAN;
            k = (size_t)valid;
        } else {
            k += (size_t)valid;
            if (!isnan(y)) {
                w = w * (1.0 - alpha);
                if (valid) {
                    if (y != c)
                        y = (w * y + alpha * c) / (w + alpha);
                    else
                        (*eq_rows)++;
                    w = 1.0;
                }
            } else if (valid) {
                y = c;
            }
        }
        out[t] = k >= minp ? y : NAN;
    }
}

/* _rsi of TradePulse: gains and losses of the raw differences (NaN stays
 * NaN), their EWMs with min_periods = w, 100 - 100 / (1 + g / (l + 1e-12)). */
static void ref_rsi(const double *p, size_t n, size_t w, double *out, double *g, double *l,
                    double *ga, double *la, size_t *eq_rows)
{
    double a = 1.0 / (double)w;
    double alpha = 1.0 / (1.0 + (1.0 - a) / a); /* pandas' round trip through com */
    for (size_t t = 0; t < n; t++) {
        double d = t == 0 ? NAN : p[t] - p[t - 1];
        g[t] = isnan(d) ? d : (d > 0.0 ? d : 0.0);
        l[t] = isnan(d) ? d : (d < 0.0 ? -d : 0.0);
    }
    ref_ewm(g, n, alpha, w, ga, eq_rows);
    ref_ewm(l, n, alpha, w, la, eq_rows);
    for (size_t t = 0; t < n; t++)
        out[t] = 100.0 - 100.0 / (1.0 + ga[t] / (la[t] + 1e-12));
}

/* kind 0: walk on a 0.01 tick near 100; 1: exact ramps (step 0.25, 0.5 or
 * 1, up or down) with noisy and flat stretches; 2: walk near 1e300 and
 * 1e308 (overflowing differences); 3: N(0,1) around 0 (zero crossings).
 * holes: rate of NaN / +-inf / 0. */
static void fill(pgt_rng *r, double *x, size_t n, int kind, double holes)
{
    double p = kind == 2 ? (pgt_rng_uniform(r) < 0.5 ? 1e300 : 8e307) : 100.0;
    double step = 0.25 * (double)(1 + pgt_rng_below(r, 4)) * (pgt_rng_uniform(r) < 0.5 ? 1 : -1);
    int mode = 0;
    for (size_t i = 0; i < n; i++) {
        double v;
        if (kind == 0) {
            p = round((p + 0.05 * pgt_rng_normal(r)) * 100.0) / 100.0;
            v = p;
        } else if (kind == 1) {
            if (pgt_rng_uniform(r) < 0.02)
                mode = (int)pgt_rng_below(r, 3);
            if (mode == 0)
                p += step; /* exact: p stays on the 0.25 grid below 2^50 */
            else if (mode == 1)
                p = round((p + pgt_rng_normal(r)) * 4.0) / 4.0;
            v = p; /* mode 2: flat */
        } else if (kind == 2) {
            p *= exp(0.05 * pgt_rng_normal(r));
            v = pgt_rng_uniform(r) < 0.05 ? -p : p;
        } else {
            v = pgt_rng_normal(r);
        }
        double u = pgt_rng_uniform(r);
        if (u < holes)
            v = NAN;
        else if (u < holes * 1.25)
            v = INFINITY;
        else if (u < holes * 1.5)
            v = -INFINITY;
        else if (u < holes * 1.75)
            v = 0.0;
        x[i] = v;
    }
}

static size_t rand_len(pgt_rng *r)
{
    static const size_t edges[] = { 1,   2,   3,   4,   5,   7,   8,   9,   255,
                                    256, 257, 258, 260, 511, 512, 513, 1027 };
    if (pgt_rng_uniform(r) < 0.3)
        return edges[pgt_rng_below(r, sizeof edges / sizeof edges[0])];
    return 1 + pgt_rng_below(r, MAX_N);
}

static size_t rand_window(pgt_rng *r)
{
    if (pgt_rng_uniform(r) < 0.85)
        return 1 + pgt_rng_below(r, 40);
    return 100 + pgt_rng_below(r, 400);
}

/* Bits equal, or both NaN (a NaN's payload is not part of the contract). */
static void expect_same(const char *what, int cs, size_t w, const double *got, const double *want,
                        size_t n)
{
    for (size_t t = 0; t < n; t++) {
        if (isnan(got[t]) && isnan(want[t]))
            continue;
        if (memcmp(&got[t], &want[t], sizeof(double)) != 0)
            fail_msg("%s: case %d n %zu w %zu row %zu: %.17g, want %.17g", what, cs, n, w, t,
                     got[t], want[t]);
    }
}

static void test_all_builds_bit_exact(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0x5151);
    double *x = malloc(MAX_N * sizeof *x), *e = malloc(MAX_N * sizeof *e),
           *o = malloc(MAX_N * sizeof *o), *s[4];
    assert_non_null(x);
    assert_non_null(e);
    assert_non_null(o);
    for (int i = 0; i < 4; i++) {
        s[i] = malloc(MAX_N * sizeof(double));
        assert_non_null(s[i]);
    }
    size_t eq_rows = 0, rows = 0;
    for (int cs = 0; cs < 600; cs++) {
        size_t n = rand_len(&r);
        int kind = (int)pgt_rng_below(&r, 4);
        double holes = cs % 3 == 0 ? 0.0 : cs % 3 == 1 ? 0.002 : 0.03;
        fill(&r, x, n, kind, holes);
        if (cs % 11 == 0)
            for (size_t i = 0; i < n && i < 1 + pgt_rng_below(&r, 30); i++)
                x[i] = NAN; /* leading NaNs */
        size_t w = rand_window(&r);
        ref_rsi(x, n, w, e, s[0], s[1], s[2], s[3], &eq_rows);
        rows += n;
        for (int b = 0; b < 3; b++) {
            pgt_use_build(b);
            assert_int_equal(pg_rsi(x, n, w, o), PG_OK);
            expect_same(pgt_build_name[b], cs, w, o, e, n);
        }
        pgt_use_build(0);
    }
    printf("pg_rsi: %zu rows, %zu rows with y == c; default, AVX2 and portable builds "
           "all bit-exact\n",
           rows, eq_rows);
    assert_true(eq_rows > 1000);
    for (int i = 0; i < 4; i++)
        free(s[i]);
    free(x);
    free(e);
    free(o);
}

/* A long benchmark-like walk, and long exact ramps up and down (y == c on
 * every row once they start, in a window where the update would not give
 * y back) followed by a walk, through chunk after chunk. */
static void test_long_runs(void **state)
{
    (void)state;
    const size_t n = 1 << 16;
    double *x = malloc(n * sizeof *x), *e = malloc(n * sizeof *e), *o = malloc(n * sizeof *o),
           *s[4];
    assert_non_null(x);
    assert_non_null(e);
    assert_non_null(o);
    for (int i = 0; i < 4; i++) {
        s[i] = malloc(n * sizeof(double));
        assert_non_null(s[i]);
    }
    pgt_rng r;
    pgt_rng_seed(&r, 77);
    for (int cs = 0; cs < 4; cs++) {
        if (cs < 2) {
            double p = 100.0;
            for (size_t i = 0; i < n; i++) {
                p *= exp(0.01 * pgt_rng_normal(&r));
                x[i] = p;
            }
        } else {
            /* A step of 29 significant bits: i * step and the differences
             * are exact, so the difference is the same on every row. */
            double step = ldexp(cs == 2 ? 0x12345679 : -0x1234567b, -33);
            for (size_t i = 0; i < n / 2; i++)
                x[i] = 100.0 + step * (double)i;
            /* Then a walk: the RSI shows the averages the ramp left. */
            for (size_t i = n / 2; i < n; i++)
                x[i] = x[i - 1] * exp(0.01 * pgt_rng_normal(&r));
        }
        size_t w = cs == 0 ? 20 : 14, eq_rows = 0;
        if (cs >= 2) {
            /* The first window where stepping y == c would not give y. */
            double c = fabs(x[1] - x[0]);
            for (w = 2;; w++) {
                double a = 1.0 / (double)w, alpha = 1.0 / (1.0 + (1.0 - a) / a);
                if ((1.0 - alpha) * c + alpha * c != c)
                    break;
            }
        }
        ref_rsi(x, n, w, e, s[0], s[1], s[2], s[3], &eq_rows);
        for (int b = 0; b < 3; b++) {
            pgt_use_build(b);
            assert_int_equal(pg_rsi(x, n, w, o), PG_OK);
            expect_same(pgt_build_name[b], cs, w, o, e, n);
        }
        pgt_use_build(0);
        if (cs >= 2)
            assert_true(eq_rows >= n - 4); /* both keep y on every ramp row */
    }
    for (int i = 0; i < 4; i++)
        free(s[i]);
    free(x);
    free(e);
    free(o);
}

/* The output on a prefix of the input is the prefix of the output. */
static void test_prefix_invariance(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 4242);
    enum { N = 700 };
    static double x[N], full[N], part[N];
    for (int c = 0; c < 40; c++) {
        fill(&r, x, N, (int)pgt_rng_below(&r, 4), c % 2 ? 0.01 : 0.0);
        size_t w = rand_window(&r);
        assert_int_equal(pg_rsi(x, N, w, full), PG_OK);
        for (size_t m = 1; m <= N; m += 1 + pgt_rng_below(&r, 29)) {
            assert_int_equal(pg_rsi(x, m, w, part), PG_OK);
            expect_same("prefix", c, w, part, full, m);
        }
    }
}

int main(void)
{
    printf("AVX-512 on this CPU: %s\n",
#if defined(__x86_64__)
           __builtin_cpu_supports("avx512f") ? "yes" : "no"
#else
           "no"
#endif
    );
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_builds_bit_exact),
        cmocka_unit_test(test_long_runs),
        cmocka_unit_test(test_prefix_invariance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
