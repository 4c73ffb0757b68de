/*
 * test_series.c - the series indicators (KERNELS.md sections 2-5) against
 * TradePulse's golden outputs: entropy and hurst (scalar_indicators_
 * expected.csv), compute_phase (phase_expected.csv, with the README's
 * wrapped-angle rule), kuramoto_order 1-D and 2-D (kuramoto_*.csv) and
 * every edge file for these kernels.  Where the `error` column is set the
 * port must fail.  Each group prints its largest deviation.
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

/* Tolerances from data/golden/README.md. */
#define ENTROPY_RTOL 1e-12
#define ENTROPY_ATOL 1e-12
#define HURST_RTOL 1e-9
#define HURST_ATOL 1e-12
#define R1D_RTOL 1e-12
#define R1D_ATOL 1e-14
#define R2D_ATOL 5e-6
#define PHASE_K_F64 1e-12
#define PHASE_K_F32 1e-5

/* ---- small helpers ---------------------------------------------------- */

static const char *cell(const pg_csv *csv, size_t row, const char *name)
{
    long col = pg_csv_find(csv, name);
    if (col < 0)
        fail_msg("column '%s' is missing", name);
    return pg_csv_cell(csv, row, (size_t)col);
}

static double cell_num(const pg_csv *csv, size_t row, const char *name)
{
    long col = pg_csv_find(csv, name);
    if (col < 0)
        fail_msg("column '%s' is missing", name);
    double v;
    pg_error err = { 0 };
    if (pg_csv_cell_double(csv, row, (size_t)col, &v, &err) != 0)
        fail_msg("bad number in column '%s' row %zu: %s", name, row, err.message);
    return v;
}

/* Integer parameter `key` of a variant such as "min_lag=2;max_lag=50;dtype=float32". */
static size_t variant_size(const char *variant, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = variant; p && *p;) {
        if (!strncmp(p, key, klen) && p[klen] == '=')
            return (size_t)strtoul(p + klen + 1, NULL, 10);
        p = strchr(p, ';');
        if (p)
            p++;
    }
    fail_msg("variant '%s' has no '%s'", variant, key);
    return 0;
}

static pg_dtype variant_dtype(const char *variant)
{
    if (strstr(variant, "dtype=float32"))
        return PG_FLOAT32;
    if (strstr(variant, "dtype=float64"))
        return PG_FLOAT64;
    fail_msg("variant '%s' has no dtype", variant);
    return PG_FLOAT64;
}

/* Entropy or Hurst per the `kernel` and `variant` cells; returns the code. */
static int run_scalar(const char *kernel, const char *variant, const double *x, size_t n,
                      double *value)
{
    if (!strcmp(kernel, "entropy")) {
        size_t bins = variant_size(variant, "bins");
        size_t *counts = malloc(bins * sizeof *counts);
        assert_non_null(counts);
        int rc = pg_entropy(x, n, bins, variant_dtype(variant), counts, value);
        if (rc == PG_OK && n > 0) {
            /* The counts are a histogram of (at most) the n values. */
            size_t total = 0;
            for (size_t b = 0; b < bins; b++)
                total += counts[b];
            assert_true(total <= n);
        }
        free(counts);
        return rc;
    }
    if (!strcmp(kernel, "hurst_exponent"))
        return pg_hurst(x, n, variant_size(variant, "min_lag"), variant_size(variant, "max_lag"),
                        variant_dtype(variant), value);
    if (!strcmp(kernel, "kuramoto_order_1d"))
        return pg_kuramoto_order_1d(x, n, value);
    fail_msg("unknown kernel '%s'", kernel);
    return PG_EINVAL;
}

typedef struct worst {
    double entropy, hurst, r1d, r2d, phase64, phase32;
} worst;

static void keep_max(double *w, double d)
{
    if (d > *w)
        *w = d;
}

/* Checks one scalar against its expected row; updates the worst figures. */
static void check_scalar(const char *label, const char *kernel, int rc, double got, double expected,
                         const char *error, worst *w)
{
    if (error && *error) {
        if (rc == PG_OK)
            fail_msg("%s: TradePulse raises (%s) but the port returned %.17g", label, error, got);
        return;
    }
    if (rc != PG_OK)
        fail_msg("%s: failed with %d", label, rc);
    double rtol, atol, *slot;
    if (!strcmp(kernel, "entropy")) {
        rtol = ENTROPY_RTOL, atol = ENTROPY_ATOL, slot = &w->entropy;
    } else if (!strcmp(kernel, "hurst_exponent")) {
        rtol = HURST_RTOL, atol = HURST_ATOL, slot = &w->hurst;
    } else {
        rtol = R1D_RTOL, atol = R1D_ATOL, slot = &w->r1d;
    }
    if (!pgt_close(got, expected, rtol, atol))
        fail_msg("%s: got %.17g, expected %.17g (rtol %g, atol %g)", label, got, expected, rtol,
                 atol);
    keep_max(slot, pgt_rel_dev(got, expected));
}

/*
 * The README's phase rule: wrapped angle d = min(|a-e|, 2pi-|a-e|) <=
 * k*S/amplitude, S = max|x| over the zeroed input, rows with amplitude 0
 * skipped.  Returns the largest d*amplitude/S (the "k" actually needed).
 */
static double check_phase(const char *label, const double *x, size_t n, pg_dtype dtype,
                          const double *expected, const double *amplitude)
{
    double k = dtype == PG_FLOAT32 ? PHASE_K_F32 : PHASE_K_F64;
    double S = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = dtype == PG_FLOAT32 ? (double)(float)x[i] : x[i];
        if (isfinite(v) && fabs(v) > S)
            S = fabs(v);
    }
    pg_phase_ws *ws = pg_phase_ws_create(n, dtype);
    assert_non_null(ws);
    assert_int_equal(pg_phase_ws_length(ws), n);
    double *got = malloc((n ? n : 1) * sizeof *got);
    assert_non_null(got);
    assert_int_equal(pg_phase(ws, x, n, got), PG_OK);
    /* atan2f can return float(pi), which is a little above pi. */
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
            fail_msg("%s[%zu]: got %.17g, expected %.17g (wrapped %.3g > %g*S/amp = %.3g)", label,
                     i, got[i], expected[i], d, k, k * S / amplitude[i]);
        if (S > 0)
            keep_max(&need, d * amplitude[i] / S);
    }
    free(got);
    pg_phase_ws_destroy(ws);
    return need;
}

/* ---- main golden set --------------------------------------------------- */

static void test_scalar_indicators(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("indicators_input.csv");
    pg_csv *ex = pgt_load("scalar_indicators_expected.csv");
    size_t n = pg_csv_nrows(in);
    assert_true(n > 0);
    double *noise = pgt_column(in, "noise");
    double *price = pgt_column(in, "price");
    worst w = { 0 };
    size_t checked = 0;
    for (size_t r = 0; r < pg_csv_nrows(ex); r++) {
        const char *series = cell(ex, r, "series");
        const char *kernel = cell(ex, r, "kernel");
        const char *variant = cell(ex, r, "variant");
        const double *x = !strcmp(series, "noise")   ? noise
                          : !strcmp(series, "price") ? price
                                                     : NULL;
        if (!x)
            fail_msg("unknown series '%s'", series);
        double got = NAN;
        int rc = run_scalar(kernel, variant, x, n, &got);
        char label[256];
        snprintf(label, sizeof label, "%s %s(%s)", series, kernel, variant);
        check_scalar(label, kernel, rc, got, cell_num(ex, r, "value"), cell(ex, r, "error"), &w);
        checked++;
    }
    assert_int_equal(checked, 12);
    printf("scalar_indicators: %zu values; max rel deviation entropy %.3g, hurst %.3g\n", checked,
           w.entropy, w.hurst);
    free(noise);
    free(price);
    pg_csv_free(in);
    pg_csv_free(ex);
}

static void test_phase(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("indicators_input.csv");
    pg_csv *ex = pgt_load("phase_expected.csv");
    size_t n = pg_csv_nrows(in);
    assert_int_equal(pg_csv_nrows(ex), n);
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
        keep_max(&need64, check_phase(names[s], x, n, PG_FLOAT64, e64, amp));
        keep_max(&need32, check_phase(names[s], x, n, PG_FLOAT32, e32, amp));
        free(x);
        free(amp);
        free(e64);
        free(e32);
    }
    printf("phase: n=%zu; max wrapped deviation float64 %.3g*S/amp (k=%g), "
           "float32 %.3g*S/amp (k=%g)\n",
           n, need64, PHASE_K_F64, need32, PHASE_K_F32);
    pg_csv_free(in);
    pg_csv_free(ex);
}

static void test_kuramoto(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("kuramoto_input.csv");
    pg_csv *ex = pgt_load("kuramoto_expected.csv");
    size_t T = pg_csv_nrows(in), N = 0;
    assert_int_equal(pg_csv_nrows(ex), T);
    char name[32];
    for (;; N++) {
        snprintf(name, sizeof name, "osc_%zu", N);
        if (pg_csv_find(in, name) < 0)
            break;
    }
    assert_true(N >= 2);
    /* TradePulse's matrix is the transpose of the file: N x T. */
    double *theta = malloc(N * T * sizeof *theta);
    double *column = malloc(N * sizeof *column);
    double *r2d = malloc(T * sizeof *r2d);
    assert_true(theta && column && r2d);
    for (size_t i = 0; i < N; i++) {
        snprintf(name, sizeof name, "osc_%zu", i);
        double *c = pgt_column(in, name);
        memcpy(theta + i * T, c, T * sizeof *c);
        free(c);
    }
    double *e2d = pgt_column(ex, "R_2d");
    double *e1d = pgt_column(ex, "R_1d_per_column");
    assert_int_equal(pg_kuramoto_order_2d(theta, N, T, r2d), PG_OK);
    double w2 = pgt_assert_close("R_2d", r2d, e2d, T, 0.0, R2D_ATOL);
    double abs2 = 0, w1 = 0;
    for (size_t t = 0; t < T; t++) {
        keep_max(&abs2, fabs(r2d[t] - e2d[t]));
        for (size_t i = 0; i < N; i++)
            column[i] = theta[i * T + t];
        double r;
        assert_int_equal(pg_kuramoto_order_1d(column, N, &r), PG_OK);
        if (!pgt_close(r, e1d[t], R1D_RTOL, R1D_ATOL))
            fail_msg("R_1d_per_column[%zu]: got %.17g, expected %.17g", t, r, e1d[t]);
        keep_max(&w1, fabs(r - e1d[t]));
    }
    /* The dispatcher gives the same as the direct calls. */
    size_t shape[2] = { N, T };
    double *again = malloc(T * sizeof *again);
    assert_non_null(again);
    assert_int_equal(pg_kuramoto_order(theta, 2, shape, again), PG_OK);
    assert_memory_equal(again, r2d, T * sizeof *again);
    printf("kuramoto: %zu snapshots of %zu oscillators; R_2d max abs deviation %.3g "
           "(rel %.3g), R_1d max abs deviation %.3g\n",
           T, N, abs2, w2, w1);
    free(again);
    free(theta);
    free(column);
    free(r2d);
    free(e2d);
    free(e1d);
    pg_csv_free(in);
    pg_csv_free(ex);
}

static void test_kuramoto_scalar(void **state)
{
    (void)state;
    pg_csv *ph = pgt_load("phase_expected.csv");
    pg_csv *ex = pgt_load("kuramoto_scalar_expected.csv");
    size_t n = pg_csv_nrows(ph);
    double worst_abs = 0;
    for (size_t r = 0; r < pg_csv_nrows(ex); r++) {
        const char *input = cell(ex, r, "input");
        const char *series = strstr(input, "(noise)")   ? "noise"
                             : strstr(input, "(price)") ? "price"
                                                        : NULL;
        if (!series)
            fail_msg("cannot tell the series of '%s'", input);
        char col[64];
        snprintf(col, sizeof col, "phase_%s_%s", series, strstr(input, "float32") ? "f32" : "f64");
        double *theta = pgt_column(ph, col);
        double got;
        assert_int_equal(pg_kuramoto_order_1d(theta, n, &got), PG_OK);
        double e = cell_num(ex, r, "value");
        if (!pgt_close(got, e, R1D_RTOL, R1D_ATOL))
            fail_msg("kuramoto_order_1d(%s): got %.17g, expected %.17g", col, got, e);
        keep_max(&worst_abs, fabs(got - e));
        free(theta);
    }
    assert_int_equal(pg_csv_nrows(ex), 4);
    printf("kuramoto_scalar: max abs deviation %.3g\n", worst_abs);
    pg_csv_free(ph);
    pg_csv_free(ex);
}

/* ---- edge files -------------------------------------------------------- */

/* The values of one case of edge/series_input.csv (malloc'd; may be empty). */
static double *edge_series(const pg_csv *in, const char *name, size_t *n)
{
    size_t cnt;
    size_t *rows = pgt_rows_where(in, "case", name, &cnt);
    double *x = malloc((cnt ? cnt : 1) * sizeof *x);
    assert_non_null(x);
    for (size_t j = 0; j < cnt; j++) {
        size_t i = (size_t)cell_num(in, rows[j], "i");
        assert_true(i < cnt);
        x[i] = cell_num(in, rows[j], "value");
    }
    free(rows);
    *n = cnt;
    return x;
}

static void test_edge_scalars(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("edge/series_input.csv");
    pg_csv *ex = pgt_load("edge/scalar_expected.csv");
    worst w = { 0 };
    size_t rows = pg_csv_nrows(ex);
    for (size_t r = 0; r < rows; r++) {
        const char *name = cell(ex, r, "case");
        const char *kernel = cell(ex, r, "kernel");
        const char *variant = cell(ex, r, "variant");
        size_t n;
        double *x = edge_series(in, name, &n);
        assert_int_equal(n, (size_t)cell_num(ex, r, "n"));
        double got = NAN;
        int rc = run_scalar(kernel, variant, x, n, &got);
        char label[256];
        snprintf(label, sizeof label, "edge %s %s(%s)", name, kernel, variant);
        check_scalar(label, kernel, rc, got, cell_num(ex, r, "value"), cell(ex, r, "error"), &w);
        /* The constant cases are -0.0 exactly (p = 1), the empty ones +0.0. */
        double e = cell_num(ex, r, "value");
        if (e == 0.0 && !strcmp(kernel, "entropy"))
            assert_int_equal(signbit(got) != 0, signbit(e) != 0);
        free(x);
    }
    assert_true(rows >= 80);
    printf("edge scalars: %zu values; max rel deviation entropy %.3g, hurst %.3g, "
           "kuramoto_order_1d %.3g\n",
           rows, w.entropy, w.hurst, w.r1d);
    pg_csv_free(in);
    pg_csv_free(ex);
}

static void test_edge_phase(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("edge/series_input.csv");
    pg_csv *ex = pgt_load("edge/phase_expected.csv");
    static const char *cases[] = { "constant_100", "constant_0", "constant_neg", "nan_middle",
                                   "inf_middle",   "short",      "length1",      "empty",
                                   "all_nan",      "odd7",       "docstring4",   "price_zero" };
    static const char *dtypes[] = { "float64", "float32" };
    double need[2] = { 0, 0 };
    size_t seen = 0;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t n;
        double *x = edge_series(in, cases[c], &n);
        for (int d = 0; d < 2; d++) {
            size_t cnt;
            size_t *rows = pgt_rows_where(ex, "case", cases[c], &cnt);
            double *e = malloc((n ? n : 1) * sizeof *e);
            double *amp = malloc((n ? n : 1) * sizeof *amp);
            assert_true(e && amp);
            size_t k = 0;
            for (size_t j = 0; j < cnt; j++) {
                if (strcmp(cell(ex, rows[j], "dtype"), dtypes[d]))
                    continue;
                if (*cell(ex, rows[j], "error"))
                    fail_msg("edge phase %s: unexpected error row", cases[c]);
                size_t i = (size_t)cell_num(ex, rows[j], "i");
                assert_true(i < n);
                e[i] = cell_num(ex, rows[j], "value");
                amp[i] = cell_num(ex, rows[j], "amplitude");
                k++;
            }
            assert_int_equal(k, n);
            seen += k;
            char label[64];
            snprintf(label, sizeof label, "edge phase %s %s", cases[c], dtypes[d]);
            keep_max(&need[d], check_phase(label, x, n, d ? PG_FLOAT32 : PG_FLOAT64, e, amp));
            free(rows);
            free(e);
            free(amp);
        }
        free(x);
    }
    assert_int_equal(seen, pg_csv_nrows(ex));
    printf("edge phase: %zu values; max wrapped deviation float64 %.3g*S/amp, "
           "float32 %.3g*S/amp\n",
           seen, need[0], need[1]);
    pg_csv_free(in);
    pg_csv_free(ex);
}

static void test_edge_kuramoto2d(void **state)
{
    (void)state;
    pg_csv *in = pgt_load("edge/kuramoto2d_input.csv");
    pg_csv *ex = pgt_load("edge/kuramoto2d_expected.csv");
    double worst_abs = 0;
    size_t checked = 0, errors = 0;
    const char *prev = "";
    for (size_t r = 0; r < pg_csv_nrows(ex); r++) {
        const char *name = cell(ex, r, "case");
        if (!strcmp(name, prev))
            continue;
        prev = name;
        size_t cnt;
        size_t *rows = pgt_rows_where(in, "case", name, &cnt);
        const char *error = cell(ex, r, "error");
        if (*error) {
            /* 0-D and 3-D input: TradePulse raises ValueError. */
            size_t shape3[3] = { 2, 2, 2 };
            double zeros[8] = { 0 }, out[8];
            size_t ndim = strstr(error, "at least one dimension") ? 0 : 3;
            assert_int_equal(pg_kuramoto_order(zeros, ndim, shape3, out), PG_EINVAL);
            errors++;
            free(rows);
            continue;
        }
        size_t N = 0, T = 0;
        for (size_t j = 0; j < cnt; j++) {
            size_t i = (size_t)cell_num(in, rows[j], "osc"), t = (size_t)cell_num(in, rows[j], "t");
            N = i + 1 > N ? i + 1 : N;
            T = t + 1 > T ? t + 1 : T;
        }
        assert_int_equal(N * T, cnt);
        double *theta = malloc(cnt * sizeof *theta), *got = malloc(T * sizeof *got);
        assert_true(theta && got);
        for (size_t j = 0; j < cnt; j++) {
            size_t i = (size_t)cell_num(in, rows[j], "osc"), t = (size_t)cell_num(in, rows[j], "t");
            theta[i * T + t] = cell_num(in, rows[j], "value");
        }
        size_t shape[2] = { N, T };
        assert_int_equal(pg_kuramoto_order(theta, 2, shape, got), PG_OK);
        size_t ecnt;
        size_t *erows = pgt_rows_where(ex, "case", name, &ecnt);
        assert_int_equal(ecnt, T);
        for (size_t j = 0; j < ecnt; j++) {
            size_t t = (size_t)cell_num(ex, erows[j], "t");
            double e = cell_num(ex, erows[j], "value");
            if (!pgt_close(got[t], e, 0.0, R2D_ATOL))
                fail_msg("edge kuramoto2d %s[t=%zu]: got %.17g, expected %.17g", name, t, got[t],
                         e);
            assert_true(got[t] >= 0.0 && got[t] <= 1.0);
            keep_max(&worst_abs, fabs(got[t] - e));
            checked++;
        }
        free(erows);
        free(theta);
        free(got);
        free(rows);
    }
    assert_int_equal(errors, 2);
    printf("edge kuramoto2d: %zu values, %zu error cases; max abs deviation %.3g\n", checked,
           errors, worst_abs);
    pg_csv_free(in);
    pg_csv_free(ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_indicators), cmocka_unit_test(test_phase),
        cmocka_unit_test(test_kuramoto),          cmocka_unit_test(test_kuramoto_scalar),
        cmocka_unit_test(test_edge_scalars),      cmocka_unit_test(test_edge_phase),
        cmocka_unit_test(test_edge_kuramoto2d),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
