/*
 * test_cuda.c - the CUDA kernels (kernels/pg_cuda.h) against TradePulse's
 * golden outputs and against the CPU kernels, within the golden
 * tolerances (data/golden/README.md):
 *   phase (wrapped-angle rule), entropy (value, and bin counts identical to
 *   the CPU's), rolling mean / std / volatility, EMA / RSI / MACD of one
 *   long series (the chunked scan) and in batches (bit-identical to the
 *   CPU), Kuramoto 1-D and 2-D, and the timing record.
 * Needs a GPU.  Without one (no CUDA build, no driver, no device) it prints
 * "skipped: <reason>" and passes, so CI without a GPU stays green; run it
 * on a GPU machine with `ctest -L gpu` (docs/gpu.md).
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

#include "pg_cuda.h"
#include "pg_kernels.h"
#include "pg_test.h"

static pg_cuda_ctx *ctx;

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    assert_non_null(p);
    return p;
}

/* A seeded random walk with NaN holes (and one inf) when holes is set. */
static double *walk(size_t n, uint64_t seed, int holes)
{
    pgt_rng r;
    pgt_rng_seed(&r, seed);
    double *x = xmalloc(n * sizeof *x);
    double p = 100.0;
    for (size_t i = 0; i < n; i++) {
        p *= exp(0.01 * pgt_rng_normal(&r));
        x[i] = p;
        if (holes && pgt_rng_uniform(&r) < 0.002)
            x[i] = NAN;
    }
    if (holes && n > 5000) {
        for (size_t i = 3000; i < 3400; i++) /* a long gap across chunks */
            x[i] = NAN;
        x[4000] = INFINITY;
    }
    return x;
}

static void check_timing(const pg_cuda_timing *t, size_t in_bytes, size_t out_bytes)
{
    assert_true(t->h2d_ms >= 0 && t->kernel_ms >= 0 && t->d2h_ms >= 0);
    assert_true(t->total_ms + 1e-3 >= t->kernel_ms);
    assert_int_equal(t->h2d_bytes, in_bytes);
    assert_int_equal(t->d2h_bytes, out_bytes);
}

/* Equal bits, or both NaN. */
static void assert_identical(const char *label, const double *a, const double *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) && isnan(e[i]))
            continue;
        if (memcmp(&a[i], &e[i], sizeof a[i]) != 0)
            fail_msg("%s[%zu]: got %.17g, expected %.17g (bit-identical)", label, i, a[i], e[i]);
    }
}

/* ---- phase --------------------------------------------------------------- */

static double phase_need(const char *label, const double *x, size_t n, pg_dtype dtype,
                         const double *expected, const double *amplitude)
{
    double k = dtype == PG_FLOAT32 ? 1e-5 : 1e-12;
    double S = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = dtype == PG_FLOAT32 ? (double)(float)x[i] : x[i];
        if (isfinite(v) && fabs(v) > S)
            S = fabs(v);
    }
    double *got = xmalloc(n * sizeof *got);
    pg_cuda_timing t;
    assert_int_equal(pg_cuda_phase(ctx, x, n, dtype, got, &t), PG_OK);
    check_timing(&t, n * sizeof(double), n * sizeof(double));
    double pi = dtype == PG_FLOAT32 ? (double)(float)M_PI : M_PI;
    double need = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!(got[i] >= -pi && got[i] <= pi))
            fail_msg("%s[%zu]: phase %.17g outside [-pi, pi]", label, i, got[i]);
        if (amplitude[i] == 0.0)
            continue;
        double a = fabs(got[i] - expected[i]);
        double d = a < 2 * M_PI - a ? a : 2 * M_PI - a;
        if (!(d <= k * S / amplitude[i]))
            fail_msg("%s[%zu]: got %.17g, expected %.17g (wrapped %.3g > %g*S/amp)", label, i,
                     got[i], expected[i], d, k);
        if (S > 0 && d * amplitude[i] / S > need)
            need = d * amplitude[i] / S;
    }
    free(got);
    return need;
}

static void test_phase(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("indicators_input.csv");
    pg_csv *ex = pgt_load("phase_expected.csv");
    size_t n = pg_csv_nrows(in);
    const char *names[2] = { "noise", "price" };
    double need64 = 0, need32 = 0;
    for (int s = 0; s < 2; s++) {
        char col[64];
        double *x = pgt_column(in, names[s]);
        snprintf(col, sizeof col, "amplitude_%s", names[s]);
        double *amp = pgt_column(ex, col);
        snprintf(col, sizeof col, "phase_%s_f64", names[s]);
        double *e64 = pgt_column(ex, col);
        snprintf(col, sizeof col, "phase_%s_f32", names[s]);
        double *e32 = pgt_column(ex, col);
        double a = phase_need(names[s], x, n, PG_FLOAT64, e64, amp);
        double b = phase_need(names[s], x, n, PG_FLOAT32, e32, amp);
        need64 = a > need64 ? a : need64;
        need32 = b > need32 ? b : need32;
        free(x);
        free(amp);
        free(e64);
        free(e32);
    }
    /* Tiny lengths take the no-transform path: atan2(0, x). */
    double small[3] = { -2.0, 3.0, NAN }, out[3], cpu[3];
    for (size_t m = 1; m <= 2; m++) {
        pg_phase_ws *ws = pg_phase_ws_create(m, PG_FLOAT64);
        assert_non_null(ws);
        assert_int_equal(pg_phase(ws, small, m, cpu), PG_OK);
        assert_int_equal(pg_cuda_phase(ctx, small, m, PG_FLOAT64, out, NULL), PG_OK);
        assert_identical("phase small", out, cpu, m);
        pg_phase_ws_destroy(ws);
    }
    printf("cuda phase: n=%zu; max wrapped deviation float64 %.3g*S/amp, float32 %.3g*S/amp\n", n,
           need64, need32);
    pg_csv_free(in);
    pg_csv_free(ex);
}

/* ---- entropy ------------------------------------------------------------- */

static void entropy_against_cpu(const double *x, size_t n, size_t bins, pg_dtype dtype)
{
    size_t *cg = xmalloc(bins * sizeof *cg), *cc = xmalloc(bins * sizeof *cc);
    double hg, hc;
    pg_cuda_timing t;
    assert_int_equal(pg_cuda_entropy(ctx, x, n, bins, dtype, cg, &hg, &t), PG_OK);
    assert_int_equal(pg_entropy(x, n, bins, dtype, cc, &hc), PG_OK);
    for (size_t b = 0; b < bins; b++)
        if (cg[b] != cc[b])
            fail_msg("entropy n=%zu bins=%zu dtype=%d: bin %zu has %zu, CPU %zu", n, bins,
                     (int)dtype, b, cg[b], cc[b]);
    if (!pgt_close(hg, hc, 1e-12, 1e-12))
        fail_msg("entropy n=%zu bins=%zu: %.17g, CPU %.17g", n, bins, hg, hc);
    free(cg);
    free(cc);
}

static void test_entropy(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("indicators_input.csv");
    pg_csv *ex = pgt_load("scalar_indicators_expected.csv");
    size_t n = pg_csv_nrows(in);
    double *noise = pgt_column(in, "noise"), *price = pgt_column(in, "price");
    long ck = pg_csv_find(ex, "kernel"), cs = pg_csv_find(ex, "series");
    long cv = pg_csv_find(ex, "variant"), cval = pg_csv_find(ex, "value");
    assert_true(ck >= 0 && cs >= 0 && cv >= 0 && cval >= 0);
    size_t checked = 0;
    double worst = 0;
    for (size_t r = 0; r < pg_csv_nrows(ex); r++) {
        if (strcmp(pg_csv_cell(ex, r, (size_t)ck), "entropy") != 0)
            continue;
        const char *variant = pg_csv_cell(ex, r, (size_t)cv);
        const double *x = !strcmp(pg_csv_cell(ex, r, (size_t)cs), "noise") ? noise : price;
        size_t bins = (size_t)strtoul(strstr(variant, "bins=") + 5, NULL, 10);
        pg_dtype dt = strstr(variant, "float32") ? PG_FLOAT32 : PG_FLOAT64;
        double e, got;
        assert_int_equal(pg_csv_cell_double(ex, r, (size_t)cval, &e, NULL), 0);
        size_t *counts = xmalloc(bins * sizeof *counts);
        assert_int_equal(pg_cuda_entropy(ctx, x, n, bins, dt, counts, &got, NULL), PG_OK);
        if (!pgt_close(got, e, 1e-12, 1e-12))
            fail_msg("entropy(%s): got %.17g, expected %.17g", variant, got, e);
        double d = pgt_rel_dev(got, e);
        worst = d > worst ? d : worst;
        entropy_against_cpu(x, n, bins, dt);
        free(counts);
        checked++;
    }
    assert_true(checked >= 4);
    /* Larger inputs, both binning kernels (shared and global), edge cases. */
    double *big = walk(1u << 20, 11, 1);
    size_t bins_list[4] = { 1, 50, 3072, 5000 };
    for (int b = 0; b < 4; b++) {
        entropy_against_cpu(big, 1u << 20, bins_list[b], PG_FLOAT64);
        entropy_against_cpu(big, 1u << 20, bins_list[b], PG_FLOAT32);
    }
    double cst[5] = { 3, 3, 3, 3, 3 }, nan5[5] = { NAN, NAN, INFINITY, NAN, NAN };
    entropy_against_cpu(cst, 5, 50, PG_FLOAT64);
    entropy_against_cpu(nan5, 5, 50, PG_FLOAT32);
    entropy_against_cpu(noise, 0, 50, PG_FLOAT64);
    printf("cuda entropy: %zu golden values (max rel deviation %.3g); counts identical to the "
           "CPU on 2^20 values, bins 1..5000\n",
           checked, worst);
    free(big);
    free(noise);
    free(price);
    pg_csv_free(in);
    pg_csv_free(ex);
}

/* ---- rolling and EWM on the golden frame ---------------------------------- */

static void test_features_columns(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("ohlcv_input.csv");
    pg_csv *ex = pgt_load("features_expected.csv");
    size_t n = pg_csv_nrows(in);
    double *close = pgt_column(in, "close");
    double *got = xmalloc(n * sizeof *got), *e;
    size_t windows[3] = { 5, 20, 60 };
    char col[64];
    for (int i = 0; i < 3; i++) {
        size_t w = windows[i];
        snprintf(col, sizeof col, "sma_%zu", w);
        e = pgt_column(ex, col);
        assert_int_equal(pg_cuda_rolling_mean(ctx, close, n, w, got, NULL), PG_OK);
        pgt_assert_close(col, got, e, n, 1e-10, 1e-12);
        free(e);
        snprintf(col, sizeof col, "volatility_%zu", w);
        e = pgt_column(ex, col);
        assert_int_equal(pg_cuda_volatility(ctx, close, n, w, got, NULL), PG_OK);
        pgt_assert_close(col, got, e, n, 1e-9, 1e-15);
        free(e);
        snprintf(col, sizeof col, "ema_%zu", w);
        e = pgt_column(ex, col);
        assert_int_equal(pg_cuda_ema(ctx, close, n, (double)w, w, got, NULL), PG_OK);
        pgt_assert_close(col, got, e, n, 1e-12, 1e-12);
        free(e);
    }
    e = pgt_column(ex, "rsi");
    assert_int_equal(pg_cuda_rsi(ctx, close, n, 14, got, NULL), PG_OK);
    pgt_assert_close("rsi", got, e, n, 1e-12, 1e-12);
    free(e);

    double *f = xmalloc(n * sizeof *f), *s = xmalloc(n * sizeof *s), *m = xmalloc(n * sizeof *m);
    double *g = xmalloc(n * sizeof *g), *h = xmalloc(n * sizeof *h);
    pg_cuda_timing t;
    assert_int_equal(pg_cuda_macd(ctx, close, n, 12, 26, 9, f, s, m, g, h, &t), PG_OK);
    check_timing(&t, n * sizeof(double), 5 * n * sizeof(double));
    const char *names[5] = { "macd_ema_fast", "macd_ema_slow", "macd", "macd_signal",
                             "macd_histogram" };
    double *outs[5] = { f, s, m, g, h };
    for (int i = 0; i < 5; i++) {
        e = pgt_column(ex, names[i]);
        pgt_assert_close(names[i], outs[i], e, n, 1e-12, 1e-12);
        free(e);
    }
    printf("cuda features: sma, volatility, ema (5, 20, 60), rsi, macd on %zu golden rows\n", n);
    free(f), free(s), free(m), free(g), free(h);
    free(got);
    free(close);
    pg_csv_free(in);
    pg_csv_free(ex);
}

/* ---- long series against the CPU kernels ---------------------------------- */

static void test_long_series(void **state)
{
    (void)state;
    const size_t n = (1u << 20) + 12345;
    double *x = walk(n, 21, 1);
    double *a = xmalloc(n * sizeof *a), *b = xmalloc(n * sizeof *b);
    double worst_ema = 0, worst_roll = 0;
    const size_t ws[3] = { 1, 20, 300 };
    for (int i = 0; i < 3; i++) {
        size_t w = ws[i];
        assert_int_equal(pg_cuda_rolling_mean(ctx, x, n, w, a, NULL), PG_OK);
        assert_int_equal(pg_rolling_mean(x, n, w, b), PG_OK);
        double d = pgt_assert_close("rolling_mean", a, b, n, 1e-10, 1e-12);
        worst_roll = d > worst_roll ? d : worst_roll;
        assert_int_equal(pg_cuda_rolling_std(ctx, x, n, w, a, NULL), PG_OK);
        assert_int_equal(pg_rolling_std(x, n, w, b), PG_OK);
        d = pgt_assert_close("rolling_std", a, b, n, 1e-9, 1e-15);
        worst_roll = d > worst_roll ? d : worst_roll;
        assert_int_equal(pg_cuda_volatility(ctx, x, n, w, a, NULL), PG_OK);
        assert_int_equal(pg_volatility(x, n, w, b), PG_OK);
        pgt_assert_close("volatility", a, b, n, 1e-9, 1e-15);
        pg_cuda_timing t;
        assert_int_equal(pg_cuda_ema(ctx, x, n, (double)w, w, a, &t), PG_OK);
        check_timing(&t, n * sizeof(double), n * sizeof(double));
        assert_int_equal(pg_ema(x, n, (double)w, w, b), PG_OK);
        d = pgt_assert_close("ema", a, b, n, 1e-12, 1e-12);
        worst_ema = d > worst_ema ? d : worst_ema;
        assert_int_equal(pg_cuda_rsi(ctx, x, n, w, a, NULL), PG_OK);
        assert_int_equal(pg_rsi(x, n, w, b), PG_OK);
        pgt_assert_close("rsi", a, b, n, 1e-12, 1e-10);
    }
    /* Leading NaNs and an all-NaN series. */
    for (size_t i = 0; i < 1000; i++)
        x[i] = NAN;
    assert_int_equal(pg_cuda_ema(ctx, x, n, 26.0, 1, a, NULL), PG_OK);
    assert_int_equal(pg_ema(x, n, 26.0, 1, b), PG_OK);
    pgt_assert_close("ema leading NaN", a, b, n, 1e-12, 1e-12);
    assert_int_equal(pg_cuda_ema(ctx, x, 1000, 26.0, 1, a, NULL), PG_OK);
    for (size_t i = 0; i < 1000; i++)
        assert_true(isnan(a[i]));
    printf("cuda long series: n=%zu with NaN holes; max rel deviation from the CPU: rolling "
           "%.3g, ema %.3g\n",
           n, worst_roll, worst_ema);
    free(x);
    free(a);
    free(b);
}

/* ---- batches: one series a thread, bit-identical ----------------------------- */

static void test_batches(void **state)
{
    (void)state;
    const size_t ns = 300, len = 2000;
    double *x = xmalloc(ns * len * sizeof *x); /* time-major */
    double *col = xmalloc(len * sizeof *col), *ref = xmalloc(len * sizeof *ref);
    double *out = xmalloc(ns * len * sizeof *out), *o2 = xmalloc(ns * len * sizeof *o2);
    double *o3 = xmalloc(ns * len * sizeof *o3);
    double *r2 = xmalloc(len * sizeof *r2), *r3 = xmalloc(len * sizeof *r3);
    for (size_t s = 0; s < ns; s++) {
        double *w = walk(len, 100 + s, s % 3 == 0);
        for (size_t t = 0; t < len; t++)
            x[t * ns + s] = w[t];
        free(w);
    }
    pg_cuda_timing t;
    assert_int_equal(pg_cuda_ema_batch(ctx, x, ns, len, 20.0, 20, out, &t), PG_OK);
    check_timing(&t, ns * len * sizeof(double), ns * len * sizeof(double));
    for (size_t s = 0; s < ns; s++) {
        for (size_t i = 0; i < len; i++)
            col[i] = x[i * ns + s];
        assert_int_equal(pg_ema(col, len, 20.0, 20, ref), PG_OK);
        for (size_t i = 0; i < len; i++)
            r2[i] = out[i * ns + s];
        assert_identical("ema_batch", r2, ref, len);
    }
    assert_int_equal(pg_cuda_rsi_batch(ctx, x, ns, len, 14, out, NULL), PG_OK);
    for (size_t s = 0; s < ns; s++) {
        for (size_t i = 0; i < len; i++)
            col[i] = x[i * ns + s];
        assert_int_equal(pg_rsi(col, len, 14, ref), PG_OK);
        for (size_t i = 0; i < len; i++)
            r2[i] = out[i * ns + s];
        assert_identical("rsi_batch", r2, ref, len);
    }
    assert_int_equal(pg_cuda_macd_batch(ctx, x, ns, len, 12, 26, 9, out, o2, o3, NULL), PG_OK);
    double *m = xmalloc(len * sizeof *m), *g = xmalloc(len * sizeof *g);
    for (size_t s = 0; s < ns; s++) {
        for (size_t i = 0; i < len; i++)
            col[i] = x[i * ns + s];
        assert_int_equal(pg_macd(col, len, 12, 26, 9, NULL, NULL, m, g, ref), PG_OK);
        for (size_t i = 0; i < len; i++) {
            r2[i] = out[i * ns + s];
            r3[i] = o2[i * ns + s];
        }
        assert_identical("macd_batch", r2, m, len);
        assert_identical("macd_batch signal", r3, g, len);
        for (size_t i = 0; i < len; i++)
            r3[i] = o3[i * ns + s];
        assert_identical("macd_batch histogram", r3, ref, len);
    }
    printf("cuda batches: %zu series x %zu, ema / rsi / macd bit-identical to the CPU\n", ns, len);
    free(m), free(g), free(x), free(col), free(ref), free(out), free(o2), free(o3), free(r2),
        free(r3);
}

/* ---- kuramoto ------------------------------------------------------------- */

static void test_kuramoto(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("kuramoto_input.csv");
    pg_csv *ex = pgt_load("kuramoto_expected.csv");
    size_t T = pg_csv_nrows(in), N = 0;
    char name[32];
    for (;; N++) {
        snprintf(name, sizeof name, "osc_%zu", N);
        if (pg_csv_find(in, name) < 0)
            break;
    }
    double *theta = xmalloc(N * T * sizeof *theta), *r2d = xmalloc(T * sizeof *r2d);
    double *column = xmalloc(N * sizeof *column);
    for (size_t i = 0; i < N; i++) {
        snprintf(name, sizeof name, "osc_%zu", i);
        double *c = pgt_column(in, name);
        memcpy(theta + i * T, c, T * sizeof *c);
        free(c);
    }
    double *e2d = pgt_column(ex, "R_2d"), *e1d = pgt_column(ex, "R_1d_per_column");
    assert_int_equal(pg_cuda_kuramoto_order_2d(ctx, theta, N, T, r2d, NULL), PG_OK);
    double w2 = pgt_assert_close("R_2d", r2d, e2d, T, 0.0, 5e-6);
    for (size_t t = 0; t < T; t += 7) {
        for (size_t i = 0; i < N; i++)
            column[i] = theta[i * T + t];
        double r;
        assert_int_equal(pg_cuda_kuramoto_order_1d(ctx, column, N, &r, NULL), PG_OK);
        if (!pgt_close(r, e1d[t], 1e-12, 1e-14))
            fail_msg("R_1d_per_column[%zu]: got %.17g, expected %.17g", t, r, e1d[t]);
    }
    /* A long snapshot with invalid entries, against the CPU. */
    size_t n = 1u << 20;
    double *big = walk(n, 5, 1), rg, rc;
    assert_int_equal(pg_cuda_kuramoto_order_1d(ctx, big, n, &rg, NULL), PG_OK);
    assert_int_equal(pg_kuramoto_order_1d(big, n, &rc), PG_OK);
    if (!pgt_close(rg, rc, 1e-12, 1e-14))
        fail_msg("R_1d of 2^20 phases: %.17g, CPU %.17g", rg, rc);
    assert_int_equal(pg_cuda_kuramoto_order_1d(ctx, big, 0, &rg, NULL), PG_OK);
    assert_true(rg == 0.0);
    printf("cuda kuramoto: R_2d on %zu x %zu (max rel deviation %.3g), R_1d per column\n", N, T,
           w2);
    free(big), free(theta), free(r2d), free(column), free(e2d), free(e1d);
    pg_csv_free(in);
    pg_csv_free(ex);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    double x[4] = { 1, 2, 3, 4 }, out[4], r;
    size_t counts[4];
    assert_int_equal(pg_cuda_rolling_mean(ctx, x, 4, 0, out, NULL), PG_EINVAL);
    assert_int_equal(pg_cuda_ema(ctx, x, 4, 0.5, 1, out, NULL), PG_EINVAL);
    assert_int_equal(pg_cuda_entropy(ctx, x, 4, 0, PG_FLOAT64, counts, &r, NULL), PG_EINVAL);
    assert_int_equal(pg_cuda_phase(ctx, x, 4, (pg_dtype)7, out, NULL), PG_EINVAL);
    assert_int_equal(pg_cuda_macd(ctx, x, 4, 0, 26, 9, NULL, NULL, out, out, out, NULL), PG_EINVAL);
    assert_int_equal(pg_cuda_ema(ctx, x, 0, 5.0, 1, NULL, NULL), PG_OK); /* n = 0 */
    assert_string_equal(pg_cuda_ctx_error(ctx), "");
    assert_true(pg_cuda_ctx_bytes(ctx) > 0);
}

/* Kernel-only mode: no copies, host outputs untouched, then back to normal. */
static void test_transfers_off(void **state)
{
    (void)state;
    const size_t n = 100000;
    double *x = walk(n, 9, 0), *a = xmalloc(n * sizeof *a), *b = xmalloc(n * sizeof *b);
    pg_cuda_timing t;
    assert_int_equal(pg_cuda_ema(ctx, x, n, 12.0, 1, a, &t), PG_OK);
    assert_int_equal(pg_cuda_ctx_set_transfers(ctx, 0), 1);
    for (size_t i = 0; i < n; i++)
        b[i] = -1.0;
    assert_int_equal(pg_cuda_ema(ctx, x, n, 12.0, 1, b, &t), PG_OK);
    check_timing(&t, 0, 0);
    for (size_t i = 0; i < n; i++)
        assert_true(b[i] == -1.0);
    assert_int_equal(pg_cuda_ctx_set_transfers(ctx, 1), 0);
    assert_int_equal(pg_cuda_ema(ctx, x, n, 12.0, 1, b, &t), PG_OK);
    assert_identical("ema after kernel-only calls", b, a, n);
    free(x), free(a), free(b);
}

int main(void)
{
    char why[256];
    if (!pg_cuda_available(why, sizeof why)) {
        printf("test_cuda: skipped: %s\n", why);
        return 0;
    }
    ctx = pg_cuda_ctx_create(0, why, sizeof why);
    if (!ctx) {
        printf("test_cuda: skipped: %s\n", why);
        return 0;
    }
    printf("test_cuda: on %s\n", why);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phase),
        cmocka_unit_test(test_entropy),
        cmocka_unit_test(test_features_columns),
        cmocka_unit_test(test_long_series),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_kuramoto),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_transfers_off),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    pg_cuda_ctx_destroy(ctx);
    return rc;
}
