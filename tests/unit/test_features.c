/*
 * test_features.c - the feature kernels' contract (kernels/pg_kernels.h):
 * parameter validation (PG_EINVAL naming the field, nothing written),
 * the column layout for each set of present columns, n == 0, and small
 * hand-checked values of the KERNELS.md section 1 rules.
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
/* The vectorised atan2 of compute_phase is tested directly: its edge cases
 * (signed zeros, axes) hardly occur in a phase series. */
#include "cpu/features_internal.h"
#include "cpu/isa.h" /* pg_kernels_force_isa: the portable build */

static void test_config_default(void **state)
{
    (void)state;
    pg_features_config c;
    pg_features_config_default(&c);
    assert_int_equal(c.n_windows, 3);
    assert_int_equal(c.windows[0], 5);
    assert_int_equal(c.windows[1], 20);
    assert_int_equal(c.windows[2], 60);
    assert_int_equal(c.rsi_window, 14);
    assert_int_equal(c.macd_fast, 12);
    assert_int_equal(c.macd_slow, 26);
    assert_int_equal(c.macd_signal, 9);
    assert_int_equal(c.volatility_window, 20);
    assert_int_equal(c.microstructure_window, 50);
    assert_int_equal(pg_features_config_check(&c, NULL), PG_OK);
}

static void expect_bad(const pg_features_config *c, const char *field)
{
    pg_error err = { 0 };
    assert_int_equal(pg_features_config_check(c, &err), PG_EINVAL);
    assert_int_equal(err.code, PG_EINVAL);
    if (!strstr(err.message, field))
        fail_msg("message '%s' does not name '%s'", err.message, field);
    /* pg_features refuses the same config and writes nothing. */
    double close[3] = { 1, 2, 3 }, out[3 * 64];
    for (size_t i = 0; i < 3 * 64; i++)
        out[i] = 7.0;
    pg_ohlcv in = { 0 };
    in.n = 3;
    in.close = close;
    pg_error e2 = { 0 };
    assert_int_equal(pg_features(c, &in, out, &e2), PG_EINVAL);
    assert_non_null(strstr(e2.message, field));
    for (size_t i = 0; i < 3 * 64; i++)
        assert_true(out[i] == 7.0);
}

static void test_config_check_names_field(void **state)
{
    (void)state;
    pg_features_config c;
    pg_features_config_default(&c);
    c.windows[1] = 0;
    expect_bad(&c, "windows[1]");
    pg_features_config_default(&c);
    c.n_windows = PG_MAX_WINDOWS + 1;
    expect_bad(&c, "n_windows");
#define BAD_FIELD(f)                                                                               \
    do {                                                                                           \
        pg_features_config_default(&c);                                                            \
        c.f = 0;                                                                                   \
        expect_bad(&c, #f);                                                                        \
    } while (0)
    BAD_FIELD(rsi_window);
    BAD_FIELD(macd_fast);
    BAD_FIELD(macd_slow);
    BAD_FIELD(macd_signal);
    BAD_FIELD(volatility_window);
    BAD_FIELD(microstructure_window);
#undef BAD_FIELD
    assert_int_equal(pg_features_config_check(NULL, NULL), PG_EINVAL);
}

static void test_kernel_params(void **state)
{
    (void)state;
    double x[4] = { 1, 2, 3, 4 }, out[4] = { 9, 9, 9, 9 };
    assert_int_equal(pg_rolling_mean(x, 4, 0, out), PG_EINVAL);
    assert_int_equal(pg_rolling_std(x, 4, 0, out), PG_EINVAL);
    assert_int_equal(pg_sma(x, 4, 0, out), PG_EINVAL);
    assert_int_equal(pg_volatility(x, 4, 0, out), PG_EINVAL);
    assert_int_equal(pg_volume_z(x, 4, 0, out), PG_EINVAL);
    assert_int_equal(pg_rsi(x, 4, 0, out), PG_EINVAL);
    assert_int_equal(pg_kyles_lambda(x, x, 4, 0, out), PG_EINVAL);
    assert_int_equal(pg_hasbrouck(x, x, 4, 0, out), PG_EINVAL);
    assert_int_equal(pg_ema(x, 4, 0.5, 1, out), PG_EINVAL);
    assert_int_equal(pg_ema(x, 4, NAN, 1, out), PG_EINVAL);
    assert_int_equal(pg_ema_alpha(x, 4, 0.0, 1, out), PG_EINVAL);
    assert_int_equal(pg_ema_alpha(x, 4, 1.5, 1, out), PG_EINVAL);
    assert_int_equal(pg_ema_alpha(x, 4, NAN, 1, out), PG_EINVAL);
    assert_int_equal(pg_macd(x, 4, 0, 26, 9, NULL, NULL, out, out, out), PG_EINVAL);
    assert_int_equal(pg_macd(x, 4, 12, 26, 9, NULL, NULL, NULL, out, out), PG_EINVAL);
    assert_int_equal(pg_return_1(NULL, 4, out), PG_EINVAL);
    assert_int_equal(pg_price_range(x, NULL, 4, out), PG_EINVAL);
    assert_int_equal(pg_log_volume(x, 4, NULL), PG_EINVAL);
    assert_int_equal(pg_queue_imbalance(NULL, x, 4, out), PG_EINVAL);
    for (int i = 0; i < 4; i++)
        assert_true(out[i] == 9.0); /* nothing written */
    /* n == 0 is allowed and writes nothing, even with NULL buffers. */
    assert_int_equal(pg_rolling_mean(NULL, 0, 3, NULL), PG_OK);
    assert_int_equal(pg_ema(NULL, 0, 3.0, 3, NULL), PG_OK);
    assert_int_equal(pg_rsi(NULL, 0, 14, NULL), PG_OK);
    assert_int_equal(pg_kyles_lambda(NULL, NULL, 0, 50, NULL), PG_OK);
}

static void test_columns(void **state)
{
    (void)state;
    pg_features_config c;
    pg_features_config_default(&c);
    double v[1] = { 1 };
    pg_ohlcv in = { 0 };
    in.close = v;
    /* close only: return_1, 9 window columns, rsi, 5 macd, price_range */
    assert_int_equal(pg_features_ncols(&c, &in), 17);
    in.volume = v;
    assert_int_equal(pg_features_ncols(&c, &in), 19);
    in.bid_volume = v;
    assert_int_equal(pg_features_ncols(&c, &in), 19); /* needs both bid and ask */
    in.ask_volume = v;
    assert_int_equal(pg_features_ncols(&c, &in), 20);
    in.signed_volume = v;
    assert_int_equal(pg_features_ncols(&c, &in), 23);

    static const char *want[23] = {
        "return_1",
        "sma_5",
        "volatility_5",
        "ema_5",
        "sma_20",
        "volatility_20",
        "ema_20",
        "sma_60",
        "volatility_60",
        "ema_60",
        "rsi",
        "macd_ema_fast",
        "macd_ema_slow",
        "macd",
        "macd_signal",
        "macd_histogram",
        "price_range",
        "log_volume",
        "volume_z",
        "queue_imbalance",
        "kyles_lambda_50",
        "hasbrouck_50",
        "signed_volume_ema",
    };
    char buf[32];
    for (size_t i = 0; i < 23; i++) {
        assert_int_equal(pg_features_column_name(&c, &in, i, buf, sizeof buf), PG_OK);
        assert_string_equal(buf, want[i]);
    }
    assert_int_equal(pg_features_column_name(&c, &in, 23, buf, sizeof buf), PG_EINVAL);
    assert_int_equal(pg_features_column_name(&c, &in, 1, buf, 3), PG_EINVAL); /* too small */

    /* signed volume without volume or book columns */
    in.volume = in.bid_volume = in.ask_volume = NULL;
    assert_int_equal(pg_features_ncols(&c, &in), 20);
    assert_int_equal(pg_features_column_name(&c, &in, 17, buf, sizeof buf), PG_OK);
    assert_string_equal(buf, "kyles_lambda_50");

    /* no technical windows */
    c.n_windows = 0;
    assert_int_equal(pg_features_ncols(&c, &in), 11);
    assert_int_equal(pg_features_column_name(&c, &in, 1, buf, sizeof buf), PG_OK);
    assert_string_equal(buf, "rsi");
}

static void test_missing_close(void **state)
{
    (void)state;
    pg_features_config c;
    pg_features_config_default(&c);
    pg_ohlcv in = { 0 };
    double out[1];
    pg_error err = { 0 };
    assert_int_equal(pg_features(&c, &in, out, &err), PG_EMISSING);
    assert_non_null(strstr(err.message, "close"));
    in.n = 0;
    assert_int_equal(pg_features(&c, NULL, out, NULL), PG_EINVAL);
}

static void test_small_values(void **state)
{
    (void)state;
    /* return_1 with pad fill: a NaN row gives 0, the next spans the gap. */
    double p[6] = { NAN, 100, NAN, 110, 0, 5 }, r[6];
    assert_int_equal(pg_return_1(p, 6, r), PG_OK);
    assert_true(isnan(r[0]) && isnan(r[1]));
    assert_true(r[2] == 0.0);
    assert_true(r[3] == 110.0 / 100.0 - 1.0);
    assert_true(r[4] == -1.0);
    assert_true(isinf(r[5]) && r[5] > 0);

    /* rolling mean/std: NaN poisons w rows; min_periods = w. */
    double x[7] = { 1, 2, 3, NAN, 5, 6, 7 }, m[7], s[7];
    assert_int_equal(pg_rolling_mean(x, 7, 2, m), PG_OK);
    assert_int_equal(pg_rolling_std(x, 7, 2, s), PG_OK);
    assert_true(isnan(m[0]) && m[1] == 1.5 && m[2] == 2.5);
    assert_true(isnan(m[3]) && isnan(m[4]) && m[5] == 5.5 && m[6] == 6.5);
    assert_true(isnan(s[0]) && fabs(s[1] - sqrt(0.5)) < 1e-15 && isnan(s[4]));
    /* window 1: std is NaN (ddof 1), mean is the value */
    assert_int_equal(pg_rolling_std(x, 7, 1, s), PG_OK);
    assert_int_equal(pg_rolling_mean(x, 7, 1, m), PG_OK);
    for (int i = 0; i < 7; i++) {
        assert_true(isnan(s[i]));
        assert_true(i == 3 ? isnan(m[i]) : m[i] == x[i]);
    }

    /* log_volume: 0 and negatives give NaN */
    double vol[3] = { 0.0, -1.0, M_E }, lv[3];
    assert_int_equal(pg_log_volume(vol, 3, lv), PG_OK);
    assert_true(isnan(lv[0]) && isnan(lv[1]) && fabs(lv[2] - 1.0) < 1e-15);

    /* queue_imbalance: 0 when bid + ask == 0, NaN propagates */
    double bid[3] = { 0, 3, NAN }, ask[3] = { 0, 1, 1 }, qi[3];
    assert_int_equal(pg_queue_imbalance(bid, ask, 3, qi), PG_OK);
    assert_true(qi[0] == 0.0 && qi[1] == 0.5 && isnan(qi[2]));

    /* EMA with min_periods, and a NaN carrying the previous value */
    double e_in[4] = { 1, NAN, 3, 3 }, e[4];
    assert_int_equal(pg_ema(e_in, 4, 3.0, 2, e), PG_OK);
    assert_true(isnan(e[0]) && isnan(e[1]));
    /* alpha 0.5; after the gap the old value weighs (1-a)^2: (0.25*1 + 0.5*3)/0.75 */
    assert_true(fabs(e[2] - (0.25 + 1.5) / 0.75) < 1e-15);
}

/* The fast paths' portable build (forced with pg_kernels_force_isa) gives
 * the same bits as the process's own (AVX2 or AVX-512), on clean data,
 * data with equal runs and data with holes. */
static void test_portable_path_same_bits(void **state)
{
    (void)state;
    enum { N = 3000 };
    static double x[N], a[N], b[N];
    uint64_t s = 12345;
    double p = 100.0;
    for (size_t i = 0; i < N; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(s >> 11) / 9007199254740992.0;
        p *= 1.0 + 0.01 * (u - 0.5);
        x[i] = (i % 97 == 0 && i > 1500) ? NAN : (i % 7 == 0 && i > 0 ? x[i - 1] : p);
    }
    int (*const fns[])(const double *, size_t, size_t, double *) = { pg_rolling_mean,
                                                                     pg_rolling_std, pg_volatility,
                                                                     pg_volume_z, pg_rsi };
    const size_t ws[] = { 2, 5, 20, 60, 300 };
    for (size_t f = 0; f < 5; f++) {
        for (size_t k = 0; k < 5; k++) {
            pg_kernels_force_isa(-1);
            assert_int_equal(fns[f](x, N, ws[k], a), PG_OK);
            pg_kernels_force_isa(PG_ISA_PORTABLE);
            assert_int_equal(fns[f](x, N, ws[k], b), PG_OK);
            pg_kernels_force_isa(-1);
            for (size_t i = 0; i < N; i++)
                assert_true((isnan(a[i]) && isnan(b[i])) || memcmp(&a[i], &b[i], 8) == 0);
        }
    }
    /* Kyle / Hasbrouck: returns of x against a signed volume with holes,
     * repeats (the careful path) and clean stretches (the fast path). */
    static double r[N], q[N];
    assert_int_equal(pg_return_1(x, N, r), PG_OK);
    for (size_t i = 0; i < N; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        q[i] = (double)(s >> 11) / 9007199254740992.0 * 200.0 - 100.0;
        if (i % 331 == 0)
            q[i] = NAN;
        else if (i % 113 == 0)
            q[i] = q[i - 1];
    }
    /* MACD (with and without the two EMA columns). */
    {
        static double o1[5][N], o2[5][N];
        for (int emas = 0; emas < 2; emas++) {
            pg_kernels_force_isa(-1);
            assert_int_equal(pg_macd(x, N, 12, 26, 9, emas ? o1[0] : NULL, emas ? o1[1] : NULL,
                                     o1[2], o1[3], o1[4]),
                             PG_OK);
            pg_kernels_force_isa(PG_ISA_PORTABLE);
            assert_int_equal(pg_macd(x, N, 12, 26, 9, emas ? o2[0] : NULL, emas ? o2[1] : NULL,
                                     o2[2], o2[3], o2[4]),
                             PG_OK);
            pg_kernels_force_isa(-1);
            for (int c = emas ? 0 : 2; c < 5; c++)
                for (size_t i = 0; i < N; i++)
                    assert_true((isnan(o1[c][i]) && isnan(o2[c][i])) ||
                                memcmp(&o1[c][i], &o2[c][i], 8) == 0);
        }
    }
    /* return_1 (x has NaN holes) and queue_imbalance (zero sums, NaN). */
    static double r2[N];
    pg_kernels_force_isa(PG_ISA_PORTABLE);
    assert_int_equal(pg_return_1(x, N, r2), PG_OK);
    pg_kernels_force_isa(-1);
    assert_memory_equal(r, r2, sizeof r);
    for (size_t i = 0; i < N; i++)
        b[i] = i % 50 == 3 ? -q[i] : fabs(q[i]);
    assert_int_equal(pg_queue_imbalance(q, b, N, a), PG_OK);
    pg_kernels_force_isa(PG_ISA_PORTABLE);
    assert_int_equal(pg_queue_imbalance(q, b, N, r2), PG_OK);
    pg_kernels_force_isa(-1);
    for (size_t i = 0; i < N; i++)
        assert_true((isnan(a[i]) && isnan(r2[i])) || memcmp(&a[i], &r2[i], 8) == 0);
    for (int h = 0; h < 2; h++) {
        for (size_t k = 0; k < 5; k++) {
            int (*fn)(const double *, const double *, size_t, size_t, double *) =
                h ? pg_hasbrouck : pg_kyles_lambda;
            pg_kernels_force_isa(-1);
            assert_int_equal(fn(r, q, N, ws[k], a), PG_OK);
            pg_kernels_force_isa(PG_ISA_PORTABLE);
            assert_int_equal(fn(r, q, N, ws[k], b), PG_OK);
            pg_kernels_force_isa(-1);
            for (size_t i = 0; i < N; i++)
                assert_true((isnan(a[i]) && isnan(b[i])) || memcmp(&a[i], &b[i], 8) == 0);
        }
    }
}

/* libm's atan2 with compute_phase's cleaning of x (non-finite -> 0). */
static double ref_atan2(double y, double x)
{
    return atan2(y, isfinite(x) ? x : 0.0);
}

static void check_atan2(const double *y, const double *x, size_t n, double tol, double *worst)
{
    double out[64], out_p[64];
    assert_true(n <= 64);
    pg_kernels_force_isa(-1);
    pgf_phase_atan2_f64(y, 1.0, x, n, out);
    pg_kernels_force_isa(PG_ISA_PORTABLE);
    pgf_phase_atan2_f64(y, 1.0, x, n, out_p);
    pg_kernels_force_isa(-1);
    assert_memory_equal(out, out_p, n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double e = ref_atan2(y[i], x[i]);
        if (isnan(e)) {
            assert_true(isnan(out[i]));
            continue;
        }
        double d = fabs(out[i] - e);
        if (!(d <= tol) || !(fabs(out[i]) <= M_PI))
            fail_msg("atan2(%.17g, %.17g): %.17g, libm %.17g", y[i], x[i], out[i], e);
        /* Zeros and +-pi keep libm's sign; so does everything else. */
        if (!signbit(out[i]) != !signbit(e))
            fail_msg("atan2(%.17g, %.17g): sign of %.17g, libm %.17g", y[i], x[i], out[i], e);
        if (d > *worst)
            *worst = d;
    }
}

/* The vectorised atan2 (kernels/cpu/atan2_simd.c) against libm: within
 * 1e-15 absolute everywhere (float64), signs of zeros, the axes, NaN and
 * inf lanes (libm fallback), tails of 1..3 lanes; the float32 form within
 * an ulp of float of atan2f; portable and AVX2 builds give the same bits. */
static void test_atan2_simd(void **state)
{
    (void)state;
    const double z = 0.0, nz = -0.0, inf = INFINITY;
    const double ey[] = { z,   nz, z,  nz,     1,       -1,     1,     -1,   z,
                          nz,  2,  -2, 1e-310, -1e-310, 1e300,  5e299, inf,  -inf,
                          NAN, 1,  3,  3,      -3,      1e-300, 1,     0.66, 0.6600000001 };
    const double ex[] = { z, z,      nz, nz, z, z,   nz,  nz,   1,    -1,    2,      2, 1, -1,
                          1, -5e299, 1,  1,  1, NAN, inf, -inf, -inf, 1e300, 1e-300, 1, 1 };
    size_t ne = sizeof ey / sizeof ey[0];
    double worst = 0.0;
    /* Every tail length: 1..ne values from each start. */
    for (size_t s = 0; s < ne; s++)
        check_atan2(ey + s, ex + s, ne - s, 1e-15, &worst);
    /* Random angles and magnitudes, both signs, near the 0.66 switch and
     * the diagonal. */
    uint64_t st = 99;
    double y[64], x[64];
    for (int c = 0; c < 4000; c++) {
        for (size_t i = 0; i < 64; i++) {
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(st >> 11) / 9007199254740992.0;
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            double v = (double)(st >> 11) / 9007199254740992.0;
            double mag = pow(10.0, 40.0 * v - 20.0);
            double th = (2.0 * u - 1.0) * M_PI;
            if (c % 4 == 1)
                th = (i % 2 ? 1 : -1) * atan(0.66 + (u - 0.5) * 1e-6) + (i % 4 < 2 ? 0 : M_PI / 2);
            if (c % 4 == 2)
                th = M_PI / 4 * (double)(1 + 2 * (int)(i % 4)) + (u - 0.5) * 1e-9;
            y[i] = mag * sin(th);
            x[i] = mag * cos(th);
        }
        check_atan2(y, x, 64, 1e-15, &worst);
    }
    printf("atan2_simd vs libm: largest deviation %.3g\n", worst);
    assert_true(worst <= 1e-15);

    /* float32: within an ulp of float of atan2f on float inputs. */
    float hf[64];
    double xd[64], out[64];
    for (size_t i = 0; i < 64; i++) {
        hf[i] = (float)(y[i] * 1e-3);
        xd[i] = (double)(float)(x[i] * 1e-3);
    }
    hf[0] = 0.0f;
    xd[0] = -0.0;
    hf[1] = -0.0f;
    xd[1] = 0.0;
    pgf_phase_atan2_f32(hf, 1.0f, xd, 64, out);
    for (size_t i = 0; i < 64; i++) {
        float e = atan2f(hf[i], (float)xd[i]);
        assert_true(fabs(out[i] - (double)e) <= 2.4e-7 * fabs((double)e) + 1e-45);
        if (!signbit(out[i]) != !signbit(e))
            fail_msg("f32 %zu: atan2f(%.9g, %.9g) = %.9g, got %.17g", i, (double)hf[i], xd[i],
                     (double)e, out[i]);
        assert_true(out[i] == (double)(float)out[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_default),
        cmocka_unit_test(test_config_check_names_field),
        cmocka_unit_test(test_kernel_params),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_missing_close),
        cmocka_unit_test(test_small_values),
        cmocka_unit_test(test_portable_path_same_bits),
        cmocka_unit_test(test_atan2_simd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
