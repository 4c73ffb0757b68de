/*
 * test_features.c - property tests of the feature-pipeline kernels
 * (KERNELS.md section 1): each fast, streaming kernel against a slow,
 * obvious reference written from the KERNELS.md text, on many seeded random
 * inputs with NaN/inf holes, runs of repeated values and random windows.
 *
 *  - rolling mean / std / volume_z against an O(n*w) two-pass reference,
 *    with pandas' exact rules (all-equal window: the value, std exactly 0);
 *  - EMA, RSI and MACD bit-identical to a plain loop of the recurrence;
 *    EMA of a constant is the constant; RSI stays in [0, 100];
 *  - return_1 bit-identical to forward-fill-then-divide;
 *  - Kyle / Hasbrouck against per-window re-centred regressions;
 *  - the output on a prefix of the input is the prefix of the output
 *    (bit for bit), for every kernel and for pg_features.
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

#define CASES 160
#define MAX_N 2500

/* ---- random inputs ------------------------------------------------------ */

/* A series of kind: 0 random walk near `level`, 1 standard normal,
 * 2 positive volumes; with holes (NaN, +-inf) at rate `holes` and runs of
 * the previous value at rate `repeat`. */
static void fill_series(pgt_rng *r, double *x, size_t n, int kind, double level, double holes,
                        double repeat)
{
    double p = level;
    for (size_t i = 0; i < n; i++) {
        double v;
        if (kind == 0) {
            p *= exp(0.01 * pgt_rng_normal(r));
            v = p;
        } else if (kind == 1) {
            v = pgt_rng_normal(r);
        } else {
            v = floor(1000.0 * pgt_rng_uniform(r)) + 0.25;
        }
        if (i > 0 && pgt_rng_uniform(r) < repeat && isfinite(x[i - 1]))
            v = x[i - 1];
        double u = pgt_rng_uniform(r);
        if (u < holes)
            v = NAN;
        else if (u < holes * 1.3)
            v = INFINITY;
        else if (u < holes * 1.5)
            v = -INFINITY;
        x[i] = v;
    }
}

static size_t rand_window(pgt_rng *r, size_t n)
{
    double u = pgt_rng_uniform(r);
    if (u < 0.1)
        return 1 + pgt_rng_below(r, 3);
    if (u < 0.2)
        return n + 1 + pgt_rng_below(r, 5); /* longer than the input */
    if (u < 0.3)
        return 250 + pgt_rng_below(r, 300); /* around the rebuild block */
    return 1 + pgt_rng_below(r, 80);
}

/* ---- references ---------------------------------------------------------- */

/* Window stats of x[i-w+1..i]: NaN unless all w are finite. */
static int window_ok(const double *x, size_t i, size_t w)
{
    if (i + 1 < w)
        return 0;
    for (size_t j = i + 1 - w; j <= i; j++)
        if (!isfinite(x[j]))
            return 0;
    return 1;
}

static int window_same(const double *x, size_t i, size_t w)
{
    for (size_t j = i + 1 - w; j <= i; j++)
        if (!(x[j] == x[i]))
            return 0;
    return 1;
}

static double ref_mean(const double *x, size_t i, size_t w)
{
    if (!window_ok(x, i, w))
        return NAN;
    if (window_same(x, i, w))
        return x[i];
    double s = 0.0;
    size_t neg = 0;
    for (size_t j = i + 1 - w; j <= i; j++) {
        s += x[j];
        neg += signbit(x[j]) != 0;
    }
    double m = s / (double)w;
    if (neg == 0 && m < 0)
        m = 0;
    if (neg == w && m > 0)
        m = 0;
    return m;
}

static double ref_std(const double *x, size_t i, size_t w)
{
    if (w < 2 || !window_ok(x, i, w))
        return NAN;
    if (window_same(x, i, w))
        return 0.0;
    double s = 0.0;
    for (size_t j = i + 1 - w; j <= i; j++)
        s += x[j];
    double m = s / (double)w, ss = 0.0;
    for (size_t j = i + 1 - w; j <= i; j++)
        ss += (x[j] - m) * (x[j] - m);
    return sqrt(ss / (double)(w - 1));
}

/* Mean |x| over the window: the scale of rounding in its sums. */
static double window_scale(const double *x, size_t i, size_t w)
{
    double s = 0.0;
    for (size_t j = i + 1 - w; j <= i; j++)
        s += fabs(x[j]);
    return s / (double)w;
}

static double hasb(double q)
{
    return (q > 0 ? 1.0 : q < 0 ? -1.0 : q) * sqrt(fabs(q));
}

/* Range (max - min) of the finite values of x (of hasb(x) if h) over the
 * rows a sliding kernel may still carry rounding from: 2*max(w, 256) back.
 * With `also`, only rows where also[] is finite count. */
static double recent_range(const double *x, const double *also, size_t i, size_t w, int h)
{
    size_t back = 2 * (w > 256 ? w : 256);
    size_t from = i + 1 > back ? i + 1 - back : 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = from; j <= i; j++) {
        double v = h ? hasb(x[j]) : x[j];
        if (!isfinite(v) || (also && !isfinite(also[j])))
            continue;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    return hi >= lo ? hi - lo : 0.0;
}

/* The EWM recurrence exactly as KERNELS.md writes it. */
static void ref_ema(const double *x, size_t n, double alpha, size_t m, double *out)
{
    double y = 0, w = 1;
    size_t k = 0;
    for (size_t t = 0; t < n; t++) {
        double c = x[t];
        int valid = isfinite(c);
        if (t == 0) {
            y = valid ? c : NAN;
            k = (size_t)valid;
            w = 1;
        } else {
            if (valid)
                k++;
            if (!isnan(y)) {
                w = w * (1 - alpha);
                if (valid) {
                    if (y != c)
                        y = (w * y + alpha * c) / (w + alpha);
                    w = 1;
                }
            } else if (valid) {
                y = c;
            }
        }
        out[t] = k >= m ? y : NAN;
    }
}

static double span_alpha(double s)
{
    return 1.0 / (1.0 + (s - 1.0) / 2.0);
}

static void ref_return(const double *p, size_t n, double *out)
{
    double prev = NAN;
    for (size_t t = 0; t < n; t++) {
        double cur = isnan(p[t]) ? prev : p[t];
        out[t] = t == 0 ? NAN : cur / prev - 1.0;
        prev = cur;
    }
}

/* Per-window re-centred regression (TradePulse's _rolling_microstructure),
 * with the guard read as "every kept q is the same value".  *den and *k get
 * the centred sum of squares and the number of kept pairs. */
static double ref_micro(const double *r, const double *q, size_t i, size_t w, int hasbrouck,
                        double *den_out, size_t *k_out)
{
    *den_out = 0.0;
    *k_out = 0;
    if (w <= 1 || i + 1 < w)
        return NAN;
    double sq = 0, sr = 0, first = NAN;
    size_t k = 0;
    int same = 1;
    for (size_t j = i + 1 - w; j <= i; j++) {
        double qq = hasbrouck ? hasb(q[j]) : q[j];
        if (!isfinite(qq) || !isfinite(r[j]))
            continue;
        if (k == 0)
            first = qq;
        else if (qq != first)
            same = 0;
        k++;
        sq += qq;
        sr += r[j];
    }
    *k_out = k;
    if (k == 0)
        return NAN;
    if (same)
        return 0.0; /* every centred q exactly 0 */
    double mq = sq / (double)k, mr = sr / (double)k, num = 0, den = 0;
    for (size_t j = i + 1 - w; j <= i; j++) {
        double qq = hasbrouck ? hasb(q[j]) : q[j];
        if (!isfinite(qq) || !isfinite(r[j]))
            continue;
        num += (qq - mq) * (r[j] - mr);
        den += (qq - mq) * (qq - mq);
    }
    *den_out = den;
    return den <= 0 ? 0.0 : num / den;
}

/* ---- helpers ------------------------------------------------------------- */

static int nan_pattern_equal(double a, double e)
{
    if (isnan(a) || isnan(e))
        return isnan(a) && isnan(e);
    if (isinf(a) || isinf(e))
        return a == e;
    return 1;
}

static void expect_bits(const char *what, size_t cs, const double *a, const double *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int ok = (isnan(a[i]) && isnan(e[i])) || a[i] == e[i];
        if (!ok)
            fail_msg("case %zu %s[%zu]: got %.17g, expected %.17g (bit-identical)", cs, what, i,
                     a[i], e[i]);
    }
}

typedef struct bufs {
    double *x, *y, *q, *a, *b, *e, *big;
} bufs;

static void bufs_alloc(bufs *B)
{
    B->x = malloc(MAX_N * sizeof(double));
    B->y = malloc(MAX_N * sizeof(double));
    B->q = malloc(MAX_N * sizeof(double));
    B->a = malloc(MAX_N * sizeof(double));
    B->b = malloc(MAX_N * sizeof(double));
    B->e = malloc(MAX_N * sizeof(double));
    B->big = malloc(MAX_N * 64 * sizeof(double));
    assert_true(B->x && B->y && B->q && B->a && B->b && B->e && B->big);
}

static void bufs_free(bufs *B)
{
    free(B->x);
    free(B->y);
    free(B->q);
    free(B->a);
    free(B->b);
    free(B->e);
    free(B->big);
}

/* ---- tests --------------------------------------------------------------- */

static void test_rolling_vs_naive(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0x5eed0001);
    bufs B;
    bufs_alloc(&B);
    size_t same_rows = 0, checked = 0;
    double worst_std = 0.0; /* largest error / tolerance */
    for (size_t cs = 0; cs < CASES; cs++) {
        size_t n = 1 + pgt_rng_below(&r, MAX_N);
        int kind = (int)pgt_rng_below(&r, 3);
        double holes = pgt_rng_uniform(&r) < 0.5 ? 0.0 : 0.02 * pgt_rng_uniform(&r);
        double repeat = pgt_rng_uniform(&r) < 0.5 ? 0.0 : 0.9 * pgt_rng_uniform(&r);
        fill_series(&r, B.x, n, kind, 100.0, holes, repeat);
        size_t w = rand_window(&r, n);

        assert_int_equal(pg_rolling_mean(B.x, n, w, B.a), PG_OK);
        assert_int_equal(pg_rolling_std(B.x, n, w, B.b), PG_OK);
        assert_int_equal(pg_volume_z(B.x, n, w, B.e), PG_OK);
        for (size_t i = 0; i < n; i++) {
            double em = ref_mean(B.x, i, w), es = ref_std(B.x, i, w);
            if (!nan_pattern_equal(B.a[i], em) || !nan_pattern_equal(B.b[i], es))
                fail_msg("case %zu n %zu w %zu row %zu: NaN pattern: mean %g/%g std %g/%g", cs, n,
                         w, i, B.a[i], em, B.b[i], es);
            if (isnan(em))
                continue;
            checked++;
            double sc = window_scale(B.x, i, w);
            if (window_same(B.x, i, w)) {
                /* pandas' same-value rule holds exactly. */
                same_rows++;
                assert_true(B.a[i] == B.x[i]);
                if (w >= 2)
                    assert_true(B.b[i] == 0.0);
            }
            if (fabs(B.a[i] - em) > 1e-13 * sc + 1e-300)
                fail_msg("case %zu n %zu w %zu row %zu: mean %.17g vs %.17g", cs, n, w, i, B.a[i],
                         em);
            /* Sliding sums keep the rounding of the rows since the last
             * rebuild (at most max(w, 256) back), so the variance is exact
             * to a few ulps of the recent range squared, not of itself. */
            double rng = recent_range(B.x, NULL, i, w, 0);
            double stol = 1e-11 * es * es + 1e-14 * rng * rng;
            if (!isnan(es) && stol > 0 && fabs(B.b[i] * B.b[i] - es * es) / stol > worst_std)
                worst_std = fabs(B.b[i] * B.b[i] - es * es) / stol;
            if (!isnan(es) && fabs(B.b[i] * B.b[i] - es * es) > stol)
                fail_msg("case %zu n %zu w %zu row %zu: std %.17g vs %.17g", cs, n, w, i, B.b[i],
                         es);
            /* volume_z = (x - mean) / std, the same rules. */
            double ez = (B.x[i] - em) / es;
            if (!nan_pattern_equal(B.e[i], ez))
                fail_msg("case %zu row %zu: volume_z %g vs %g", cs, i, B.e[i], ez);
            if (isfinite(ez) &&
                fabs(B.e[i] - ez) > 1e-8 * fabs(ez) + 1e-11 * (sc + rng * rng / es) / es)
                fail_msg("case %zu row %zu: volume_z %.17g vs %.17g", cs, i, B.e[i], ez);
        }
    }
    printf("rolling: %zu window rows checked, %zu with all-equal windows; "
           "worst std error %.3g of its tolerance\n",
           checked, same_rows, worst_std);
    assert_true(same_rows > 100);
    bufs_free(&B);
}

static void test_volatility_is_std_of_return(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0x5eed0002);
    bufs B;
    bufs_alloc(&B);
    for (size_t cs = 0; cs < CASES; cs++) {
        size_t n = 1 + pgt_rng_below(&r, MAX_N);
        fill_series(&r, B.x, n, 0, 50.0, pgt_rng_uniform(&r) < 0.5 ? 0.0 : 0.03,
                    pgt_rng_uniform(&r) < 0.3 ? 0.5 : 0.0);
        if (pgt_rng_uniform(&r) < 0.2 && n > 3)
            B.x[pgt_rng_below(&r, n)] = 0.0; /* a zero price: -1 then inf */
        size_t w = rand_window(&r, n);
        assert_int_equal(pg_return_1(B.x, n, B.y), PG_OK);
        ref_return(B.x, n, B.e);
        expect_bits("return_1", cs, B.y, B.e, n);
        assert_int_equal(pg_volatility(B.x, n, w, B.a), PG_OK);
        assert_int_equal(pg_rolling_std(B.y, n, w, B.b), PG_OK);
        expect_bits("volatility vs rolling_std(return_1)", cs, B.a, B.b, n);
        assert_int_equal(pg_sma(B.x, n, w, B.a), PG_OK);
        assert_int_equal(pg_rolling_mean(B.x, n, w, B.b), PG_OK);
        expect_bits("sma", cs, B.a, B.b, n);
    }
    bufs_free(&B);
}

static void test_ema_rsi_macd_exact(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0x5eed0003);
    bufs B;
    bufs_alloc(&B);
    double *m[10];
    for (int i = 0; i < 10; i++) {
        m[i] = malloc(MAX_N * sizeof(double));
        assert_non_null(m[i]);
    }
    for (size_t cs = 0; cs < CASES; cs++) {
        size_t n = 1 + pgt_rng_below(&r, MAX_N);
        double holes = pgt_rng_uniform(&r) < 0.4 ? 0.0 : 0.05 * pgt_rng_uniform(&r);
        fill_series(&r, B.x, n, (int)pgt_rng_below(&r, 2), 100.0, holes,
                    pgt_rng_uniform(&r) < 0.5 ? 0.0 : 0.6);
        double span = 1.0 + (double)pgt_rng_below(&r, 100);
        if (pgt_rng_uniform(&r) < 0.3)
            span += pgt_rng_uniform(&r); /* non-integer spans */
        size_t minp = pgt_rng_below(&r, 2 * (size_t)span + 2);

        assert_int_equal(pg_ema(B.x, n, span, minp, B.a), PG_OK);
        ref_ema(B.x, n, span_alpha(span), minp, B.e);
        expect_bits("ema", cs, B.a, B.e, n);

        double alpha = pgt_rng_uniform(&r);
        if (alpha > 0) {
            assert_int_equal(pg_ema_alpha(B.x, n, alpha, minp, B.a), PG_OK);
            ref_ema(B.x, n, alpha, minp, B.e);
            expect_bits("ema_alpha", cs, B.a, B.e, n);
        }

        /* RSI: gains/losses of the raw differences through the same EWM. */
        size_t w = 1 + pgt_rng_below(&r, 40);
        double a = 1.0 / (double)w;
        double ra = 1.0 / (1.0 + (1.0 - a) / a);
        B.y[0] = NAN;
        B.q[0] = NAN;
        for (size_t t = 1; t < n; t++) {
            double d = B.x[t] - B.x[t - 1];
            B.y[t] = isnan(d) ? d : fmax(d, 0.0);
            B.q[t] = isnan(d) ? d : -fmin(d, 0.0);
        }
        ref_ema(B.y, n, ra, w, m[0]);
        ref_ema(B.q, n, ra, w, m[1]);
        for (size_t t = 0; t < n; t++)
            B.e[t] = 100.0 - 100.0 / (1.0 + m[0][t] / (m[1][t] + 1e-12));
        assert_int_equal(pg_rsi(B.x, n, w, B.a), PG_OK);
        expect_bits("rsi", cs, B.a, B.e, n);
        for (size_t t = 0; t < n; t++)
            if (!isnan(B.a[t]))
                assert_true(B.a[t] >= 0.0 && B.a[t] <= 100.0);

        /* MACD from three reference EMAs.  Some cases are scaled past
         * 1e300 (the fast path's bound) and to where fast - slow
         * overflows. */
        if (cs % 5 == 0) {
            double scale = cs % 10 == 0 ? 3e307 : 1e299;
            for (size_t t = 0; t < n; t++)
                B.x[t] *= scale;
        }
        size_t f = 1 + pgt_rng_below(&r, 20), s = 1 + pgt_rng_below(&r, 40),
               g = 1 + pgt_rng_below(&r, 15);
        ref_ema(B.x, n, span_alpha((double)f), 1, m[0]);
        ref_ema(B.x, n, span_alpha((double)s), 1, m[1]);
        for (size_t t = 0; t < n; t++)
            m[2][t] = m[0][t] - m[1][t];
        ref_ema(m[2], n, span_alpha((double)g), 1, m[3]);
        for (size_t t = 0; t < n; t++)
            m[4][t] = m[2][t] - m[3][t];
        assert_int_equal(pg_macd(B.x, n, f, s, g, m[5], m[6], m[7], m[8], m[9]), PG_OK);
        for (int i = 0; i < 5; i++)
            expect_bits("macd", cs, m[5 + i], m[i], n);
        /* NULL fast/slow outputs are allowed. */
        assert_int_equal(pg_macd(B.x, n, f, s, g, NULL, NULL, m[7], m[8], m[9]), PG_OK);
        expect_bits("macd (no ema outputs)", cs, m[7], m[2], n);
    }
    for (int i = 0; i < 10; i++)
        free(m[i]);
    bufs_free(&B);
}

static void test_ema_of_constant(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0x5eed0004);
    bufs B;
    bufs_alloc(&B);
    for (size_t cs = 0; cs < CASES; cs++) {
        size_t n = 1 + pgt_rng_below(&r, MAX_N);
        double c = pgt_rng_normal(&r) * pow(10.0, (double)pgt_rng_below(&r, 12) - 6.0);
        for (size_t i = 0; i < n; i++)
            B.x[i] = pgt_rng_uniform(&r) < 0.05 ? NAN : c;
        double span = 1.0 + 200.0 * pgt_rng_uniform(&r);
        assert_int_equal(pg_ema(B.x, n, span, 0, B.a), PG_OK);
        size_t first = 0;
        while (first < n && isnan(B.x[first]))
            first++;
        for (size_t i = first; i < n; i++)
            if (B.a[i] != c)
                fail_msg("case %zu: ema of constant %.17g is %.17g at %zu", cs, c, B.a[i], i);
        /* RSI of a constant price is 0 (not 50) once warmed up. */
        size_t w = 1 + pgt_rng_below(&r, 30);
        for (size_t i = 0; i < n; i++)
            B.x[i] = c;
        assert_int_equal(pg_rsi(B.x, n, w, B.a), PG_OK);
        for (size_t i = 0; i < n; i++)
            assert_true(i < w ? isnan(B.a[i]) : B.a[i] == 0.0);
    }
    bufs_free(&B);
}

static void test_micro_vs_naive(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0x5eed0005);
    bufs B;
    bufs_alloc(&B);
    size_t zero_rows = 0;
    double worst_micro = 0.0;
    for (size_t cs = 0; cs < CASES; cs++) {
        size_t n = 1 + pgt_rng_below(&r, MAX_N);
        fill_series(&r, B.x, n, 0, 100.0, pgt_rng_uniform(&r) < 0.5 ? 0.0 : 0.02, 0.0);
        pg_return_1(B.x, n, B.y);
        /* Signed volume: normal, with runs of one value (often 0). */
        double repeat = pgt_rng_uniform(&r) < 0.5 ? 0.0 : 0.95;
        fill_series(&r, B.q, n, 1, 0.0, pgt_rng_uniform(&r) < 0.5 ? 0.0 : 0.02, repeat);
        for (size_t i = 0; i < n; i++)
            B.q[i] *= 200.0;
        if (repeat > 0 && n > 10) {
            size_t at = pgt_rng_below(&r, n - 5), len = pgt_rng_below(&r, 120);
            double v = pgt_rng_uniform(&r) < 0.5 ? 0.0 : 25.0 * pgt_rng_normal(&r);
            for (size_t i = at; i < n && i < at + len; i++)
                B.q[i] = v;
        }
        size_t w = rand_window(&r, n);
        for (int h = 0; h < 2; h++) {
            int rc = h ? pg_hasbrouck(B.y, B.q, n, w, B.a) : pg_kyles_lambda(B.y, B.q, n, w, B.a);
            assert_int_equal(rc, PG_OK);
            for (size_t i = 0; i < n; i++) {
                double den;
                size_t k;
                double e = ref_micro(B.y, B.q, i, w, h, &den, &k);
                if (!nan_pattern_equal(B.a[i], e))
                    fail_msg("case %zu %s w %zu row %zu: %g vs %g", cs, h ? "hasbrouck" : "kyle", w,
                             i, B.a[i], e);
                if (isnan(e))
                    continue;
                if (e == 0.0 && den == 0.0) {
                    zero_rows++;
                    assert_true(B.a[i] == 0.0);
                    continue;
                }
                /* Sliding sums: rounding of a few ulps of the recent ranges
                 * of q and r (see recent_range), relative to den. */
                double dq = recent_range(B.q, B.y, i, w, h), dr = recent_range(B.y, B.q, i, w, 0);
                double tol =
                    1e-8 * fabs(e) + 1e-14 * (double)k * (dq * dr + fabs(e) * dq * dq) / den;
                if (tol > 0 && fabs(B.a[i] - e) / tol > worst_micro)
                    worst_micro = fabs(B.a[i] - e) / tol;
                if (!(fabs(B.a[i] - e) <= tol))
                    fail_msg("case %zu %s w %zu row %zu: %.17g vs %.17g (tol %g)", cs,
                             h ? "hasbrouck" : "kyle", w, i, B.a[i], e, tol);
            }
        }
    }
    printf("microstructure: %zu rows hit the zero-deviation guard; worst error %.3g of its "
           "tolerance\n",
           zero_rows, worst_micro);
    assert_true(zero_rows > 0);
    bufs_free(&B);
}

/* Output on a prefix of the input == prefix of the output, bit for bit. */
static void test_prefix_invariance(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0x5eed0006);
    bufs B;
    bufs_alloc(&B);
    double *vol = malloc(MAX_N * sizeof(double)), *bid = malloc(MAX_N * sizeof(double));
    double *ask = malloc(MAX_N * sizeof(double)), *hi = malloc(MAX_N * sizeof(double));
    double *big2 = malloc(MAX_N * 64 * sizeof(double));
    assert_true(vol && bid && ask && hi && big2);
    for (size_t cs = 0; cs < CASES / 2; cs++) {
        size_t n = 2 + pgt_rng_below(&r, MAX_N - 2);
        size_t m = 1 + pgt_rng_below(&r, n - 1);
        double holes = pgt_rng_uniform(&r) < 0.5 ? 0.0 : 0.01;
        fill_series(&r, B.x, n, 0, 100.0, holes, 0.1);
        fill_series(&r, vol, n, 2, 0.0, holes, 0.1);
        fill_series(&r, bid, n, 2, 0.0, holes, 0.0);
        fill_series(&r, ask, n, 2, 0.0, holes, 0.0);
        fill_series(&r, B.q, n, 1, 0.0, holes, 0.2);
        for (size_t i = 0; i < n; i++)
            hi[i] = B.x[i] * 1.001;

        pg_features_config cfg;
        pg_features_config_default(&cfg);
        cfg.n_windows = 1 + pgt_rng_below(&r, 4);
        for (size_t i = 0; i < cfg.n_windows; i++)
            cfg.windows[i] = rand_window(&r, n);
        cfg.volatility_window = rand_window(&r, n);
        cfg.microstructure_window = rand_window(&r, n);
        cfg.rsi_window = 1 + pgt_rng_below(&r, 30);

        pg_ohlcv in = { 0 };
        in.n = n;
        in.high = hi;
        in.close = B.x;
        in.volume = vol;
        in.bid_volume = bid;
        in.ask_volume = ask;
        in.signed_volume = B.q;
        size_t nc = pg_features_ncols(&cfg, &in);
        assert_true(nc <= 64);
        assert_int_equal(pg_features(&cfg, &in, B.big, NULL), PG_OK);
        pg_ohlcv pre = in;
        pre.n = m;
        assert_int_equal(pg_features_ncols(&cfg, &pre), nc);
        assert_int_equal(pg_features(&cfg, &pre, big2, NULL), PG_OK);
        for (size_t c = 0; c < nc; c++) {
            char name[64];
            assert_int_equal(pg_features_column_name(&cfg, &in, c, name, sizeof name), PG_OK);
            expect_bits(name, cs, big2 + c * m, B.big + c * n, m);
        }
        /* The single kernels agree with the pipeline's columns. */
        size_t w0 = cfg.windows[0];
        assert_int_equal(pg_sma(B.x, n, w0, B.a), PG_OK);
        expect_bits("pg_sma vs sma column", cs, B.a, B.big + 1 * n, n);
        assert_int_equal(pg_volatility(B.x, n, w0, B.a), PG_OK);
        expect_bits("pg_volatility vs column", cs, B.a, B.big + 2 * n, n);
        assert_int_equal(pg_ema(B.x, n, (double)w0, w0, B.a), PG_OK);
        expect_bits("pg_ema vs column", cs, B.a, B.big + 3 * n, n);
        /* RSI and MACD (MACD shares the window EMAs' pass in pg_features). */
        size_t rc = 1 + 3 * cfg.n_windows;
        assert_int_equal(pg_rsi(B.x, n, cfg.rsi_window, B.a), PG_OK);
        expect_bits("pg_rsi vs column", cs, B.a, B.big + rc * n, n);
        double *mc[5];
        for (int i = 0; i < 5; i++) {
            mc[i] = malloc(n * sizeof(double));
            assert_non_null(mc[i]);
        }
        assert_int_equal(pg_macd(B.x, n, cfg.macd_fast, cfg.macd_slow, cfg.macd_signal, mc[0],
                                 mc[1], mc[2], mc[3], mc[4]),
                         PG_OK);
        for (int i = 0; i < 5; i++) {
            expect_bits("pg_macd vs column", cs, mc[i], B.big + (rc + 1 + (size_t)i) * n, n);
            free(mc[i]);
        }
        /* Kyle and Hasbrouck, one pass in pg_features, two calls here. */
        size_t kc = 1 + 3 * cfg.n_windows + 7 + 2 + 1;
        size_t mw = cfg.microstructure_window;
        assert_int_equal(pg_kyles_lambda(B.big, B.q, n, mw, B.a), PG_OK);
        expect_bits("pg_kyles_lambda vs column", cs, B.a, B.big + kc * n, n);
        assert_int_equal(pg_hasbrouck(B.big, B.q, n, mw, B.a), PG_OK);
        expect_bits("pg_hasbrouck vs column", cs, B.a, B.big + (kc + 1) * n, n);
    }
    free(vol);
    free(bid);
    free(ask);
    free(hi);
    free(big2);
    bufs_free(&B);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rolling_vs_naive),
        cmocka_unit_test(test_volatility_is_std_of_return),
        cmocka_unit_test(test_ema_rsi_macd_exact),
        cmocka_unit_test(test_ema_of_constant),
        cmocka_unit_test(test_micro_vs_naive),
        cmocka_unit_test(test_prefix_invariance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
