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
#include <stdlib.h>
#include <string.h>

#include "pg_kernels.h"

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
#define BAD_FIELD(f)                                                                          \
    do {                                                                                      \
        pg_features_config_default(&c);                                                       \
        c.f = 0;                                                                              \
        expect_bad(&c, #f);                                                                   \
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
        "return_1",    "sma_5",         "volatility_5",  "ema_5",       "sma_20",
        "volatility_20", "ema_20",      "sma_60",        "volatility_60", "ema_60",
        "rsi",         "macd_ema_fast", "macd_ema_slow", "macd",        "macd_signal",
        "macd_histogram", "price_range", "log_volume",   "volume_z",    "queue_imbalance",
        "kyles_lambda_50", "hasbrouck_50", "signed_volume_ema",
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

/* The fast paths' portable build (forced with PG_KERNELS_PORTABLE) gives
 * the same bits as the AVX2 build, on clean data, data with equal runs and
 * data with holes. */
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
    int (*const fns[])(const double *, size_t, size_t, double *) = {
        pg_rolling_mean, pg_rolling_std, pg_volatility, pg_volume_z
    };
    const size_t ws[] = { 2, 5, 20, 60, 300 };
    for (size_t f = 0; f < 4; f++) {
        for (size_t k = 0; k < 5; k++) {
            unsetenv("PG_KERNELS_PORTABLE");
            assert_int_equal(fns[f](x, N, ws[k], a), PG_OK);
            setenv("PG_KERNELS_PORTABLE", "1", 1);
            assert_int_equal(fns[f](x, N, ws[k], b), PG_OK);
            unsetenv("PG_KERNELS_PORTABLE");
            for (size_t i = 0; i < N; i++)
                assert_true((isnan(a[i]) && isnan(b[i])) || memcmp(&a[i], &b[i], 8) == 0);
        }
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
