/*
 * test_features.c - the feature pipeline (KERNELS.md section 1) against
 * TradePulse's golden outputs: the OHLCV frame (features_expected.csv), the
 * normalised messy frame (pipeline_features_expected.csv), the repo's MACD
 * baseline, and every edge frame under data/golden/edge/features_*.
 *
 * Checks, per file: the column set and order equal the expected header; the
 * NaN/inf pattern is identical; every value is within the README's
 * per-column tolerance; and the columns KERNELS.md calls bit-identical
 * (return_1, ema_*, rsi, macd*, signed_volume_ema) are bit-identical.
 * The last test prints the largest relative deviation per column group.
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

/* Column groups and their tolerances (data/golden/README.md). */
enum group { G_EXACT, G_SMA, G_VOL, G_VZ, G_MICRO, G_LEVELS, N_GROUPS };

static const struct {
    const char *label;
    double rtol, atol;
    int bit_exact;
} groups[N_GROUPS] = {
    [G_EXACT] = { "return_1/ema/rsi/macd/signed_volume_ema", 1e-12, 1e-12, 1 },
    [G_SMA] = { "sma_*", 1e-10, 1e-12, 0 },
    [G_VOL] = { "volatility_*", 1e-9, 1e-15, 0 },
    [G_VZ] = { "volume_z", 1e-9, 1e-9, 0 },
    [G_MICRO] = { "kyles_lambda/hasbrouck", 1e-8, 1e-15, 0 },
    [G_LEVELS] = { "price_range/log_volume/queue_imbalance", 1e-12, 1e-12, 0 },
};

static double worst[N_GROUPS];
static size_t compared[N_GROUPS];

static enum group group_of(const char *name)
{
    if (!strncmp(name, "sma_", 4))
        return G_SMA;
    if (!strncmp(name, "volatility_", 11))
        return G_VOL;
    if (!strcmp(name, "volume_z"))
        return G_VZ;
    if (!strncmp(name, "kyles_lambda_", 13) || !strncmp(name, "hasbrouck_", 10))
        return G_MICRO;
    if (!strcmp(name, "price_range") || !strcmp(name, "log_volume") ||
        !strcmp(name, "queue_imbalance"))
        return G_LEVELS;
    return G_EXACT;
}

/* A frame loaded from an input CSV; columns that are absent stay NULL. */
typedef struct frame {
    pg_csv *csv;
    pg_ohlcv in;
    double *cols[7];
} frame;

static double *optional_column(const pg_csv *csv, const char *name)
{
    return pg_csv_find(csv, name) >= 0 ? pgt_column(csv, name) : NULL;
}

static void frame_load(frame *f, const char *rel)
{
    memset(f, 0, sizeof *f);
    f->csv = pgt_load(rel);
    static const char *names[7] = { "high",       "low",        "close",        "volume",
                                    "bid_volume", "ask_volume", "signed_volume" };
    for (int i = 0; i < 7; i++)
        f->cols[i] = optional_column(f->csv, names[i]);
    f->in.n = pg_csv_nrows(f->csv);
    f->in.high = f->cols[0];
    f->in.low = f->cols[1];
    f->in.close = f->cols[2];
    f->in.volume = f->cols[3];
    f->in.bid_volume = f->cols[4];
    f->in.ask_volume = f->cols[5];
    f->in.signed_volume = f->cols[6];
}

static void frame_free(frame *f)
{
    for (int i = 0; i < 7; i++)
        free(f->cols[i]);
    pg_csv_free(f->csv);
}

static int same_bits_or_nan(double a, double e)
{
    if (isnan(a) || isnan(e))
        return isnan(a) && isnan(e);
    return a == e; /* -0.0 == 0.0, as the README allows */
}

/* Runs the pipeline on input `in_rel` and compares with `exp_rel`. */
static void check_case(const char *in_rel, const char *exp_rel, const pg_features_config *cfg)
{
    frame f;
    frame_load(&f, in_rel);
    pg_csv *exp = pgt_load(exp_rel);
    size_t n = f.in.n;
    assert_int_equal(pg_csv_nrows(exp), n);

    size_t ncols = pg_features_ncols(cfg, &f.in);
    /* The expected header is `row` plus the feature columns, in order. */
    assert_int_equal(pg_csv_ncols(exp), ncols + 1);
    assert_string_equal(pg_csv_name(exp, 0), "row");

    double *out = malloc((n > 0 && ncols > 0 ? n * ncols : 1) * sizeof *out);
    assert_non_null(out);
    for (size_t i = 0; i < n * ncols; i++)
        out[i] = -12345.678; /* every cell must be written */
    pg_error err = { 0 };
    int rc = pg_features(cfg, &f.in, out, &err);
    if (rc != PG_OK)
        fail_msg("%s: pg_features failed (%d): %s", in_rel, rc, err.message);

    for (size_t c = 0; c < ncols; c++) {
        char name[64], label[256];
        assert_int_equal(pg_features_column_name(cfg, &f.in, c, name, sizeof name), PG_OK);
        assert_string_equal(name, pg_csv_name(exp, c + 1));
        double *e = pgt_column(exp, name);
        const double *a = out + c * n;
        enum group g = group_of(name);
        snprintf(label, sizeof label, "%s:%s", exp_rel, name);
        double d = pgt_assert_close(label, a, e, n, groups[g].rtol, groups[g].atol);
        if (groups[g].bit_exact)
            for (size_t i = 0; i < n; i++)
                if (!same_bits_or_nan(a[i], e[i]))
                    fail_msg("%s[%zu]: not bit-identical: got %.17g, expected %.17g", label, i,
                             a[i], e[i]);
        if (d > worst[g])
            worst[g] = d;
        compared[g] += n;
        free(e);
    }
    free(out);
    pg_csv_free(exp);
    frame_free(&f);
}

static void test_ohlcv(void **state)
{
    (void)state;
    pg_features_config cfg;
    pg_features_config_default(&cfg);
    check_case("ohlcv_input.csv", "features_expected.csv", &cfg);
}

static void test_pipeline_normalized(void **state)
{
    (void)state;
    pg_features_config cfg;
    pg_features_config_default(&cfg);
    check_case("pipeline_normalized_expected.csv", "pipeline_features_expected.csv", &cfg);
}

static void test_macd_baseline(void **state)
{
    (void)state;
    pg_features_config cfg;
    pg_features_config_default(&cfg);
    cfg.n_windows = 0;
    check_case("indicator_macd_baseline.csv", "indicator_macd_baseline_expected.csv", &cfg);

    /* And against the repo's own 6-dp file, with its tolerance. */
    pg_csv *csv = pgt_load("indicator_macd_baseline.csv");
    size_t n = pg_csv_nrows(csv);
    double *close = pgt_column(csv, "close");
    double *cols[5], *want[5];
    static const char *names[5] = { "ema_12", "ema_26", "macd", "signal", "histogram" };
    for (int i = 0; i < 5; i++) {
        cols[i] = malloc(n * sizeof(double));
        assert_non_null(cols[i]);
        want[i] = pgt_column(csv, names[i]);
    }
    assert_int_equal(pg_macd(close, n, 12, 26, 9, cols[0], cols[1], cols[2], cols[3], cols[4]),
                     PG_OK);
    for (int i = 0; i < 5; i++) {
        pgt_assert_close(names[i], cols[i], want[i], n, 2e-6, 5e-7);
        free(cols[i]);
        free(want[i]);
    }
    free(close);
    pg_csv_free(csv);
}

static void edge(const char *name)
{
    char in[128], exp[128];
    snprintf(in, sizeof in, "edge/features_%s_input.csv", name);
    snprintf(exp, sizeof exp, "edge/features_%s_expected.csv", name);
    pg_features_config cfg;
    pg_features_config_default(&cfg);
    check_case(in, exp, &cfg);
}

static void test_edge_constant(void **state)
{
    (void)state;
    edge("constant");
}
static void test_edge_nan_middle(void **state)
{
    (void)state;
    edge("nan_middle");
}
static void test_edge_short(void **state)
{
    (void)state;
    edge("short");
}
static void test_edge_length1(void **state)
{
    (void)state;
    edge("length1");
}
static void test_edge_empty(void **state)
{
    (void)state;
    edge("empty");
}
static void test_edge_zero_guards(void **state)
{
    (void)state;
    edge("zero_guards");
}
static void test_edge_close_only(void **state)
{
    (void)state;
    edge("close_only");
}

static void test_edge_no_close(void **state)
{
    (void)state;
    frame f;
    frame_load(&f, "edge/features_no_close_input.csv");
    assert_null(f.in.close);
    assert_true(f.in.n > 0);
    pg_csv *exp = pgt_load("edge/features_no_close_expected.csv");
    long ecol = pg_csv_find(exp, "error");
    assert_true(ecol >= 0);
    assert_non_null(strstr(pg_csv_cell(exp, 0, (size_t)ecol), "close"));

    pg_features_config cfg;
    pg_features_config_default(&cfg);
    size_t ncols = pg_features_ncols(&cfg, &f.in);
    double *out = malloc(f.in.n * ncols * sizeof *out);
    assert_non_null(out);
    pg_error err = { 0 };
    assert_int_equal(pg_features(&cfg, &f.in, out, &err), PG_EMISSING);
    assert_int_equal(err.code, PG_EMISSING);
    assert_non_null(strstr(err.message, "close"));
    free(out);
    pg_csv_free(exp);
    frame_free(&f);
}

static void test_report(void **state)
{
    (void)state;
    printf("features golden: largest relative deviation per column group\n");
    for (int g = 0; g < N_GROUPS; g++)
        printf("  %-42s %.3g over %zu values (rtol %g, atol %g%s)\n", groups[g].label, worst[g],
               compared[g], groups[g].rtol, groups[g].atol,
               groups[g].bit_exact ? ", asserted bit-identical" : "");
    for (int g = 0; g < N_GROUPS; g++)
        assert_true(compared[g] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ohlcv),
        cmocka_unit_test(test_pipeline_normalized),
        cmocka_unit_test(test_macd_baseline),
        cmocka_unit_test(test_edge_constant),
        cmocka_unit_test(test_edge_nan_middle),
        cmocka_unit_test(test_edge_short),
        cmocka_unit_test(test_edge_length1),
        cmocka_unit_test(test_edge_empty),
        cmocka_unit_test(test_edge_zero_guards),
        cmocka_unit_test(test_edge_close_only),
        cmocka_unit_test(test_edge_no_close),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
