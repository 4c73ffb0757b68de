/*
 * test_compute.c - end-to-end: the real `perfgate compute` binary on the
 * golden input files, its CSV output compared with TradePulse's expected
 * files under the tolerances of data/golden/README.md; and bad input gives
 * exit 2 with the position of the fault.
 *
 * Prints the largest relative deviation seen per output column family, the
 * figures quoted in the foundation issue's closing note.
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
#include <unistd.h>

#include "pg_csv.h"
#include "pg_test.h"

static char perfgate[1024];
static char tmpdir[256];

/* Tolerance of a column (README's comparison table); exact = rtol = atol = 0. */
static void tol_for(const char *kernel, const char *col, double *rtol, double *atol)
{
    *rtol = 1e-12;
    *atol = 1e-12;
    if (!strncmp(col, "sma_", 4)) {
        *rtol = 1e-10;
    } else if (!strncmp(col, "volatility_", 11)) {
        *rtol = 1e-9;
        *atol = 1e-15;
    } else if (!strcmp(col, "volume_z")) {
        *rtol = 1e-9;
        *atol = 1e-9;
    } else if (!strncmp(col, "kyles_lambda", 12) || !strncmp(col, "hasbrouck", 9)) {
        *rtol = 1e-8;
        *atol = 1e-15;
    } else if (!strcmp(kernel, "hurst")) {
        *rtol = 1e-9;
    } else if (!strcmp(col, "R_1d_per_column")) {
        *atol = 1e-14;
    } else if (!strcmp(col, "R_2d") || (!strcmp(kernel, "kuramoto") && !strcmp(col, "value"))) {
        *rtol = 0;
        *atol = 5e-6;
    } else if (!strcmp(kernel, "normalize") || !strcmp(col, "signal") || !strcmp(col, "position") ||
               !strcmp(col, "trades") || !strcmp(col, "n_equity") ||
               !strcmp(col, "effective_lookback") || !strcmp(col, "row")) {
        *rtol = 0;
        *atol = 0;
    } else if (!strcmp(kernel, "strategy")) {
        if (!strcmp(col, "ret") || !strcmp(col, "rolling_mean") || !strcmp(col, "price")) {
            *atol = 1e-15;
        } else {
            *rtol = 1e-9;
        }
    }
}

/* Largest relative deviation per column family, for the report. */
struct worst {
    char name[64];
    double dev;
};
static struct worst worst[128];
static size_t n_worst;

static void note(const char *kernel, const char *col, double dev)
{
    char fam[64];
    snprintf(fam, sizeof fam, "%s/%s", kernel, col);
    char *us = strrchr(fam, '_');
    if (us && us[1] >= '0' && us[1] <= '9')
        *us = '\0';
    for (size_t i = 0; i < n_worst; i++)
        if (!strcmp(worst[i].name, fam)) {
            if (dev > worst[i].dev)
                worst[i].dev = dev;
            return;
        }
    if (n_worst < 128) {
        snprintf(worst[n_worst].name, sizeof worst[n_worst].name, "%s", fam);
        worst[n_worst++].dev = dev;
    }
}

static int is_text_column(const char *name)
{
    return !strcmp(name, "case") || !strcmp(name, "series") || !strcmp(name, "kernel") ||
           !strcmp(name, "variant") || !strcmp(name, "error") || !strcmp(name, "dtype") ||
           !strcmp(name, "param_set") || !strcmp(name, "input");
}

/* Runs perfgate compute; returns the output table. */
static pg_csv *compute(const char *kernel, const char *input, const char *params, const char *extra)
{
    char out[512], cmd[4096];
    snprintf(out, sizeof out, "%s/out.csv", tmpdir);
    snprintf(cmd, sizeof cmd, "'%s' compute %s --input '%s/%s' %s --output '%s' %s", perfgate,
             kernel, PG_GOLDEN_DIR, input, params, out, extra ? extra : "");
    char *so = NULL, *se = NULL;
    int rc = pgt_run(cmd, &so, &se);
    if (rc != 0)
        fail_msg("%s exited %d: %s", cmd, rc, se ? se : "");
    free(so);
    free(se);
    pg_error err = { 0 };
    pg_csv *csv = pg_csv_read_file(out, &err);
    assert_non_null(csv);
    return csv;
}

/* Row key: the text columns listed in keys (comma list), joined. */
static void row_key(const pg_csv *t, size_t r, const char *keys, char *buf, size_t len)
{
    char k[256];
    snprintf(k, sizeof k, "%s", keys);
    buf[0] = '\0';
    for (char *tok = strtok(k, ","); tok; tok = strtok(NULL, ",")) {
        long c = pg_csv_find(t, tok);
        assert_true(c >= 0);
        strncat(buf, pg_csv_cell(t, r, (size_t)c), len - strlen(buf) - 2);
        strncat(buf, "|", len - strlen(buf) - 1);
    }
}

/*
 * Compares actual with expected.  keys: columns that identify a row (NULL:
 * row by row, counts must match).  filter_col/filter_val: only expected rows
 * with that value take part (e.g. one dtype of two).  Every numeric column
 * of actual that expected also has is compared under its tolerance; an
 * expected non-empty `error` means actual must also carry one.
 */
static void compare(const char *kernel, pg_csv *act, pg_csv *exp, const char *keys,
                    const char *filter_col, const char *filter_val)
{
    size_t na = pg_csv_nrows(act), ne = pg_csv_nrows(exp);
    long fcol = filter_col ? pg_csv_find(exp, filter_col) : -1;
    /* A case with no rows (n = 0) cannot be written in a long CSV: those
     * expected rows are checked by test_empty_series instead. */
    long ncol = pg_csv_find(exp, "n");
    size_t wanted = 0;
    for (size_t r = 0; r < ne; r++)
        wanted += (fcol < 0 || !strcmp(pg_csv_cell(exp, r, (size_t)fcol), filter_val)) &&
                  !(ncol >= 0 && !strcmp(pg_csv_cell(exp, r, (size_t)ncol), "0"));
    assert_int_equal(na, wanted);
    size_t matched = 0, searched_from = 0;
    for (size_t ra = 0; ra < na; ra++) {
        size_t re;
        if (!keys) {
            re = ra;
        } else {
            char ka[512], ke[512];
            row_key(act, ra, keys, ka, sizeof ka);
            re = ne;
            /* Rows come in the same order: search forward from the last hit. */
            for (size_t step = 0; step < ne; step++) {
                size_t cand = (searched_from + step) % ne;
                if ((fcol >= 0 && strcmp(pg_csv_cell(exp, cand, (size_t)fcol), filter_val)) ||
                    (ncol >= 0 && !strcmp(pg_csv_cell(exp, cand, (size_t)ncol), "0")))
                    continue;
                row_key(exp, cand, keys, ke, sizeof ke);
                if (!strcmp(ka, ke)) {
                    re = cand;
                    break;
                }
            }
            if (re == ne)
                fail_msg("%s: output row %zu (%s) has no expected row", kernel, ra, ka);
            searched_from = re + 1;
        }
        matched++;
        long ecol = pg_csv_find(exp, "error");
        int exp_err = ecol >= 0 && pg_csv_cell(exp, re, (size_t)ecol)[0];
        long acol = pg_csv_find(act, "error");
        if (exp_err) {
            if (!(acol >= 0 && pg_csv_cell(act, ra, (size_t)acol)[0]))
                fail_msg("%s: row %zu: TradePulse raises here, perfgate gave a value", kernel, ra);
            continue;
        }
        for (size_t c = 0; c < pg_csv_ncols(act); c++) {
            const char *name = pg_csv_name(act, c);
            long ec = pg_csv_find(exp, name);
            if (ec < 0 || is_text_column(name))
                continue;
            double a, e, rtol, atol;
            assert_int_equal(pg_csv_cell_double(act, ra, c, &a, NULL), 0);
            assert_int_equal(pg_csv_cell_double(exp, re, (size_t)ec, &e, NULL), 0);
            tol_for(kernel, name, &rtol, &atol);
            if (!pgt_close(a, e, rtol, atol))
                fail_msg("%s: column %s, row %zu: got %.17g, expected %.17g", kernel, name, ra, a,
                         e);
            note(kernel, name, pgt_rel_dev(a, e));
        }
    }
    assert_int_equal(matched, wanted);
}

static void check(const char *kernel, const char *input, const char *params, const char *expected,
                  const char *keys, const char *filter_col, const char *filter_val)
{
    pg_csv *act = compute(kernel, input, params, NULL);
    pg_csv *exp = pgt_load(expected);
    compare(kernel, act, exp, keys, filter_col, filter_val);
    pg_csv_free(act);
    pg_csv_free(exp);
}

static void test_features(void **state)
{
    (void)state;
    check("features", "ohlcv_input.csv", "", "features_expected.csv", NULL, NULL, NULL);
    check("features", "pipeline_normalized_expected.csv", "", "pipeline_features_expected.csv",
          NULL, NULL, NULL);
    check("features", "indicator_macd_baseline.csv",
          "--param windows=", "indicator_macd_baseline_expected.csv", NULL, NULL, NULL);
    const char *cases[] = { "constant", "nan_middle",  "short",     "length1",
                            "empty",    "zero_guards", "close_only" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char in[128], ex[128];
        snprintf(in, sizeof in, "edge/features_%s_input.csv", cases[i]);
        snprintf(ex, sizeof ex, "edge/features_%s_expected.csv", cases[i]);
        pg_csv *act = compute("features", in, "", NULL);
        pg_csv *exp = pgt_load(ex);
        /* Same columns, in TradePulse's order. */
        assert_int_equal(pg_csv_ncols(act), pg_csv_ncols(exp));
        for (size_t c = 0; c < pg_csv_ncols(exp); c++)
            assert_string_equal(pg_csv_name(act, c), pg_csv_name(exp, c));
        compare("features", act, exp, NULL, NULL, NULL);
        pg_csv_free(act);
        pg_csv_free(exp);
    }
}

static void test_features_missing_close_fails(void **state)
{
    (void)state;
    char cmd[2048];
    char *so = NULL, *se = NULL;
    snprintf(cmd, sizeof cmd, "'%s' compute features --input '%s/edge/features_no_close_input.csv'",
             perfgate, PG_GOLDEN_DIR);
    assert_int_equal(pgt_run(cmd, &so, &se), 2);
    assert_non_null(strstr(se, "close"));
    free(so);
    free(se);
}

static void test_single_indicators(void **state)
{
    (void)state;
    /* Each single indicator equals the matching columns of the frame. */
    const char *kernels[] = { "sma", "ema", "volatility", "rsi", "macd" };
    for (size_t i = 0; i < 5; i++)
        check(kernels[i], "ohlcv_input.csv", "", "features_expected.csv", NULL, NULL, NULL);
}

static void test_scalars(void **state)
{
    (void)state;
    const char *dts[] = { "float64", "float32" };
    for (int d = 0; d < 2; d++) {
        char params[128], variant[128];
        snprintf(params, sizeof params, "--param dtype=%s --param entropy_bins=50", dts[d]);
        snprintf(variant, sizeof variant, "bins=50;dtype=%s", dts[d]);
        check("entropy", "indicators_input.csv", params, "scalar_indicators_expected.csv",
              "series,kernel,variant", "variant", variant);
        check("entropy", "edge/series_input.csv", params, "edge/scalar_expected.csv",
              "case,kernel,variant", "variant", variant);
        const char *lags[] = { "2,50", "2,20" };
        for (int l = 0; l < 2; l++) {
            snprintf(params, sizeof params, "--param dtype=%s --param hurst_lags=%s", dts[d],
                     lags[l]);
            snprintf(variant, sizeof variant, "min_lag=2;max_lag=%s;dtype=%s", lags[l] + 2, dts[d]);
            check("hurst", "indicators_input.csv", params, "scalar_indicators_expected.csv",
                  "series,kernel,variant", "variant", variant);
            check("hurst", "edge/series_input.csv", params, "edge/scalar_expected.csv",
                  "case,kernel,variant", "variant", variant);
        }
    }
}

/* The `empty` edge case: a header-only file gives TradePulse's values for n = 0. */
static void test_empty_series(void **state)
{
    (void)state;
    char in[512], cmd[4096];
    snprintf(in, sizeof in, "%s/empty.csv", tmpdir);
    FILE *f = fopen(in, "w");
    assert_non_null(f);
    fputs("value\n", f);
    fclose(f);
    pg_csv *exp = pgt_load("edge/scalar_expected.csv");
    size_t cnt;
    size_t *rows = pgt_rows_where(exp, "case", "empty", &cnt);
    assert_true(cnt >= 2);
    for (size_t i = 0; i < cnt; i++) {
        const char *kernel = pg_csv_cell(exp, rows[i], 2), *variant = pg_csv_cell(exp, rows[i], 3);
        if (!strcmp(kernel, "kuramoto_order_1d"))
            continue;
        char params[256];
        const char *dt = strstr(variant, "float32") ? "float32" : "float64";
        if (!strcmp(kernel, "entropy"))
            snprintf(params, sizeof params, "--param dtype=%s", dt);
        else
            snprintf(params, sizeof params, "--param dtype=%s --param hurst_lags=2,%s", dt,
                     strstr(variant, "max_lag=20") ? "20" : "50");
        snprintf(cmd, sizeof cmd, "'%s' compute %s --input '%s' %s", perfgate,
                 !strcmp(kernel, "entropy") ? "entropy" : "hurst", in, params);
        char *so = NULL, *se = NULL;
        assert_int_equal(pgt_run(cmd, &so, &se), 0);
        pg_csv *act = pg_csv_read_mem(so, strlen(so), "stdout", NULL);
        assert_non_null(act);
        assert_int_equal(pg_csv_nrows(act), 1);
        double a, e;
        assert_int_equal(pg_csv_cell_double(act, 0, 3, &a, NULL), 0);
        assert_int_equal(pg_csv_cell_double(exp, rows[i], 4, &e, NULL), 0);
        assert_true(pgt_close(a, e, 0, 0));
        pg_csv_free(act);
        free(so);
        free(se);
    }
    free(rows);
    pg_csv_free(exp);
}

/* The phase rule: wrapped angle within k*S/amplitude, rows with amplitude 0 skipped. */
static void phase_close(const char *what, double a, double e, double amp, double S, double k)
{
    if (isnan(e)) {
        assert_true(isnan(a));
        return;
    }
    if (amp == 0)
        return;
    double d = fabs(a - e);
    d = fmin(d, 2 * M_PI - d);
    if (!(d <= k * S / amp))
        fail_msg("phase %s: got %.17g, expected %.17g (amplitude %g)", what, a, e, amp);
    note("phase", "angle*amp/S", d * amp / S);
}

static void test_phase(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("indicators_input.csv");
    pg_csv *exp = pgt_load("phase_expected.csv");
    const char *dts[] = { "float64", "float32" }, *sfx[] = { "f64", "f32" };
    double ks[] = { 1e-12, 1e-5 };
    for (int d = 0; d < 2; d++) {
        char params[64];
        snprintf(params, sizeof params, "--param dtype=%s", dts[d]);
        pg_csv *act = compute("phase", "indicators_input.csv", params, NULL);
        assert_int_equal(pg_csv_nrows(act), pg_csv_nrows(exp));
        const char *series[] = { "noise", "price" };
        for (int s = 0; s < 2; s++) {
            double *x = pgt_column(in, series[s]);
            double S = 0;
            for (size_t i = 0; i < pg_csv_nrows(in); i++)
                if (isfinite(x[i]) && fabs(x[i]) > S)
                    S = fabs(x[i]);
            char col[64], amp[64];
            snprintf(col, sizeof col, "phase_%s_%s", series[s], sfx[d]);
            snprintf(amp, sizeof amp, "amplitude_%s", series[s]);
            double *a = pgt_column(act, col), *e = pgt_column(exp, col), *A = pgt_column(exp, amp);
            for (size_t i = 0; i < pg_csv_nrows(exp); i++)
                phase_close(col, a[i], e[i], A[i], S, ks[d]);
            free(x);
            free(a);
            free(e);
            free(A);
        }
        pg_csv_free(act);
        /* Edge series, long format. */
        act = compute("phase", "edge/series_input.csv", params, NULL);
        pg_csv *eexp = pgt_load("edge/phase_expected.csv");
        pg_csv *ein = pgt_load("edge/series_input.csv");
        size_t ne = pg_csv_nrows(eexp), na = pg_csv_nrows(act), ra = 0;
        for (size_t r = 0; r < ne; r++) {
            if (strcmp(pg_csv_cell(eexp, r, 1), dts[d]))
                continue;
            assert_true(ra < na);
            const char *cs = pg_csv_cell(eexp, r, 0);
            assert_string_equal(pg_csv_cell(act, ra, 0), cs);
            /* S of this case's input. */
            double S = 0;
            for (size_t q = 0; q < pg_csv_nrows(ein); q++) {
                double v;
                if (strcmp(pg_csv_cell(ein, q, 0), cs))
                    continue;
                pg_csv_cell_double(ein, q, 2, &v, NULL);
                if (isfinite(v) && fabs(v) > S)
                    S = fabs(v);
            }
            double a, e, A;
            pg_csv_cell_double(act, ra, 3, &a, NULL);
            pg_csv_cell_double(eexp, r, 3, &e, NULL);
            pg_csv_cell_double(eexp, r, 4, &A, NULL);
            phase_close(cs, a, e, A, S, ks[d]);
            ra++;
        }
        assert_int_equal(ra, na);
        pg_csv_free(act);
        pg_csv_free(eexp);
        pg_csv_free(ein);
    }
    pg_csv_free(in);
    pg_csv_free(exp);
}

static void test_kuramoto(void **state)
{
    (void)state;
    check("kuramoto", "kuramoto_input.csv", "", "kuramoto_expected.csv", NULL, NULL, NULL);
    /* Each edge series taken as one snapshot (the 1-D path). */
    check("kuramoto", "edge/series_input.csv", "", "edge/scalar_expected.csv", "case,kernel",
          "kernel", "kuramoto_order_1d");
    /* Each whole phase vector as one snapshot. */
    pg_csv *act = compute("phase", "indicators_input.csv", "--param dtype=float64", NULL);
    pg_csv_free(act);
    char phases[512];
    snprintf(phases, sizeof phases, "%s/phases.csv", tmpdir);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp '%s/out.csv' '%s'", tmpdir, phases);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' compute kuramoto --param kuramoto_mode=1d --input '%s'",
             perfgate, phases);
    char *so = NULL, *se = NULL;
    assert_int_equal(pgt_run(cmd, &so, &se), 0);
    act = pg_csv_read_mem(so, strlen(so), "stdout", NULL);
    pg_csv *exp = pgt_load("kuramoto_scalar_expected.csv");
    assert_int_equal(pg_csv_nrows(act), 2);
    double a, e;
    pg_csv_cell_double(act, 0, 2, &a, NULL); /* phase_noise_f64 */
    pg_csv_cell_double(exp, 0, 2, &e, NULL);
    assert_true(pgt_close(a, e, 1e-12, 1e-14));
    pg_csv_cell_double(act, 1, 2, &a, NULL); /* phase_price_f64 */
    pg_csv_cell_double(exp, 2, 2, &e, NULL);
    assert_true(pgt_close(a, e, 1e-12, 1e-14));
    note("kuramoto", "R_1d_whole_vector", pgt_rel_dev(a, e));
    pg_csv_free(act);
    pg_csv_free(exp);
    free(so);
    free(se);
    /* The 0-D and 3-D cases (TradePulse raises) cannot be written as a CSV
     * matrix: only the rows without an error take part. */
    check("kuramoto", "edge/kuramoto2d_input.csv", "", "edge/kuramoto2d_expected.csv", "case,t",
          "error", "");
}

static void test_normalize(void **state)
{
    (void)state;
    check("normalize", "pipeline_raw_input.csv", "", "pipeline_normalized_expected.csv", NULL, NULL,
          NULL);
    const char *cases[] = { "leading_trailing_nan", "duplicates_only", "length1", "all_nan_column",
                            "no_ts" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char in[128], ex[128];
        snprintf(in, sizeof in, "edge/normalize_%s_input.csv", cases[i]);
        snprintf(ex, sizeof ex, "edge/normalize_%s_expected.csv", cases[i]);
        check("normalize", in, "", ex, NULL, NULL, NULL);
    }
}

static void test_strategy_and_pipeline(void **state)
{
    (void)state;
    const char *sets[][2] = {
        { "bench", "--param lookback=60 --param threshold=0.8 --param risk_budget=1.5" },
        { "active", "--param lookback=10 --param threshold=0.3 --param risk_budget=1.0" }
    };
    for (int s = 0; s < 2; s++) {
        char ex[128], sum[512], extra[1100];
        snprintf(ex, sizeof ex, "pipeline_strategy_%s_expected.csv", sets[s][0]);
        snprintf(sum, sizeof sum, "%s/summary.csv", tmpdir);
        snprintf(extra, sizeof extra, "--summary '%s'", sum);
        pg_csv *act = compute("strategy", "pipeline_normalized_expected.csv", sets[s][1], extra);
        pg_csv *exp = pgt_load(ex);
        compare("strategy", act, exp, NULL, NULL, NULL);
        pg_csv_free(act);
        pg_csv_free(exp);
        pg_csv *sa = pg_csv_read_file(sum, NULL);
        assert_non_null(sa);
        pg_csv *se = pgt_load("pipeline_strategy_summary_expected.csv");
        /* Summary: compare against the expected row of this parameter set. */
        size_t cnt;
        size_t *rows = pgt_rows_where(se, "param_set", sets[s][0], &cnt);
        assert_int_equal(cnt, 1);
        assert_int_equal(pg_csv_nrows(sa), 1);
        for (size_t c = 0; c < pg_csv_ncols(sa); c++) {
            const char *name = pg_csv_name(sa, c);
            long ec = pg_csv_find(se, name);
            if (ec < 0 || is_text_column(name))
                continue;
            double a, e, rtol, atol;
            pg_csv_cell_double(sa, 0, c, &a, NULL);
            pg_csv_cell_double(se, rows[0], (size_t)ec, &e, NULL);
            tol_for("strategy", name, &rtol, &atol);
            if (!pgt_close(a, e, rtol, atol))
                fail_msg("strategy summary %s: got %.17g expected %.17g", name, a, e);
            note("strategy", name, pgt_rel_dev(a, e));
        }
        free(rows);
        pg_csv_free(sa);
        pg_csv_free(se);

        /* The whole path from the messy raw frame. */
        char norm[512], strat[512];
        snprintf(norm, sizeof norm, "%s/norm.csv", tmpdir);
        snprintf(strat, sizeof strat, "%s/strat.csv", tmpdir);
        snprintf(extra, sizeof extra, "--normalized '%s' --strategy '%s'", norm, strat);
        act = compute("pipeline", "pipeline_raw_input.csv", sets[s][1], extra);
        exp = pgt_load("pipeline_features_expected.csv");
        compare("features", act, exp, NULL, NULL, NULL);
        pg_csv_free(act);
        pg_csv_free(exp);
        act = pg_csv_read_file(norm, NULL);
        exp = pgt_load("pipeline_normalized_expected.csv");
        compare("normalize", act, exp, NULL, NULL, NULL);
        pg_csv_free(act);
        pg_csv_free(exp);
        act = pg_csv_read_file(strat, NULL);
        exp = pgt_load(ex);
        compare("strategy", act, exp, NULL, NULL, NULL);
        pg_csv_free(act);
        pg_csv_free(exp);
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    struct {
        const char *content, *args, *needle;
    } cases[] = {
        { "close,volume\n1,2\n3,oops\n", "features",
          ":3:3: 'oops' in column 'volume': expected a number" },
        { "close\n1\n\"2\n", "sma", ":3:1: unterminated quoted field" },
        { "close,x\n1,2\n3\n", "rsi", ":3:1: row has 1 fields: expected 2" },
        { "close\n1\n", "sma --param windows=0", "bad value '0' for windows" },
        { "close\n1\n", "entropy --param entropy_bins=-3", "bad value '-3' for entropy_bins" },
        { "close\n1\n", "hurst --param hurst_lags=9,3", "min_lag <= max_lag" },
        { "close\n1\n", "phase --param dtype=float16", "float32 or float64" },
        { "close\n1\n", "sma --param windos=3", "did you mean 'windows'" },
        { "close\n1\n", "smaa", "did you mean 'sma'" },
        { "open\n1\n", "strategy", "missing required column 'close'" },
        /* edge/errors_expected.csv: the calls TradePulse rejects. */
        { "value\n1\n2\n", "phase --param coupling=0.3", "unknown parameter 'coupling'" },
        { "value\n1\n2\n", "entropy --param backend=tpu", "unknown parameter 'backend'" },
    };
    char in[512], out[512];
    snprintf(in, sizeof in, "%s/bad.csv", tmpdir);
    snprintf(out, sizeof out, "%s/keep.csv", tmpdir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(in, "w");
        assert_non_null(f);
        fputs(cases[i].content, f);
        fclose(f);
        /* An output file that already exists must survive a failed run. */
        f = fopen(out, "w");
        fputs("precious\n", f);
        fclose(f);
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "'%s' compute %s --input '%s' --output '%s'", perfgate,
                 cases[i].args, in, out);
        char *so = NULL, *se = NULL;
        int rc = pgt_run(cmd, &so, &se);
        if (rc != 2 || !strstr(se, cases[i].needle))
            fail_msg("case %zu (%s): exit %d, stderr: %s", i, cases[i].args, rc, se);
        f = fopen(out, "r");
        char buf[32] = { 0 };
        assert_non_null(fgets(buf, sizeof buf, f));
        fclose(f);
        assert_string_equal(buf, "precious\n");
        free(so);
        free(se);
    }
}

static void test_help_lists_kernels_and_defaults(void **state)
{
    (void)state;
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%s' compute --help", perfgate);
    char *so = NULL, *se = NULL;
    assert_int_equal(pgt_run(cmd, &so, &se), 0);
    const char *needles[] = { "features",   "entropy",  "hurst",    "phase",   "kuramoto",
                              "normalize",  "strategy", "pipeline", "sma",     "ema",
                              "volatility", "rsi",      "macd",     "windows", "5,20,60",
                              "macd",       "12,26,9",  "lookback", "0.8" };
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        assert_non_null(strstr(so, needles[i]));
    free(so);
    free(se);
}

static int setup(void **state)
{
    (void)state;
    pgt_build_path("cli/perfgate", perfgate, sizeof perfgate);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pg_compute_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    printf("largest relative deviation per output (kernel/column):\n");
    for (size_t i = 0; i < n_worst; i++)
        printf("  %-36s %.3g\n", worst[i].name, worst[i].dev);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_features),
        cmocka_unit_test(test_features_missing_close_fails),
        cmocka_unit_test(test_single_indicators),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_empty_series),
        cmocka_unit_test(test_phase),
        cmocka_unit_test(test_kuramoto),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_strategy_and_pipeline),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_help_lists_kernels_and_defaults),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
