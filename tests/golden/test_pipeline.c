/*
 * test_pipeline.c - the pipeline path (KERNELS.md sections 6-7 and the
 * feature pipeline of section 1 on a normalized frame) against
 * TradePulse's golden outputs:
 *   - normalize_df on pipeline_raw_input.csv and every edge/normalize_*
 *     case: every value identical;
 *   - the strategy on the normalized close with the bench and active
 *     parameter sets, per row and in summary, and on every 1-D edge series;
 *   - the whole path through one pipeline workspace: normalized frame,
 *     features (per-column tolerances) and strategy.
 * Tolerances are data/golden/README.md's.  Each group prints its largest
 * deviation.
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

#define RET_RTOL 1e-12 /* strategy ret, rolling_mean */
#define RET_ATOL 1e-15
#define STRAT_RTOL 1e-9 /* rolling_vol, zscore, pnl, equity, drawdown, summary */
#define STRAT_ATOL 1e-12

/* ---- helpers ----------------------------------------------------------- */

/* A golden CSV as a pg_frame (every column numeric); free with frame_free. */
typedef struct golden_frame {
    pg_csv *csv;
    pg_frame f;
} golden_frame;

static golden_frame frame_load(const char *rel)
{
    golden_frame g;
    g.csv = pgt_load(rel);
    g.f.nrows = pg_csv_nrows(g.csv);
    g.f.ncols = pg_csv_ncols(g.csv);
    g.f.names = calloc(g.f.ncols + 1, sizeof *g.f.names);
    g.f.cols = calloc(g.f.ncols + 1, sizeof *g.f.cols);
    assert_non_null(g.f.names);
    assert_non_null(g.f.cols);
    for (size_t c = 0; c < g.f.ncols; c++) {
        g.f.names[c] = pg_csv_name(g.csv, c);
        g.f.cols[c] = pgt_column(g.csv, g.f.names[c]);
    }
    return g;
}

static void frame_free(golden_frame *g)
{
    for (size_t c = 0; c < g->f.ncols; c++)
        free(g->f.cols[c]);
    free(g->f.cols);
    free(g->f.names);
    pg_csv_free(g->csv);
}

/* Compares a normalized frame with an expected file: same columns, same
 * rows, every value identical (NaN <=> NaN, -0.0 == 0.0). */
static void assert_frame_identical(const char *label, const pg_frame *got, const golden_frame *exp)
{
    assert_int_equal(got->ncols, exp->f.ncols);
    if (got->nrows != exp->f.nrows)
        fail_msg("%s: %zu rows kept, expected %zu", label, got->nrows, exp->f.nrows);
    for (size_t c = 0; c < got->ncols; c++) {
        assert_string_equal(got->names[c], exp->f.names[c]);
        char l[128];
        snprintf(l, sizeof l, "%s.%s", label, got->names[c]);
        pgt_assert_close(l, got->cols[c], exp->f.cols[c], got->nrows, 0.0, 0.0);
    }
}

/* Output frame with the input's names and capacity for its rows. */
static pg_frame frame_like(const pg_frame *in)
{
    pg_frame o = { 0, in->ncols, in->names, calloc(in->ncols + 1, sizeof(double *)) };
    assert_non_null(o.cols);
    for (size_t c = 0; c < in->ncols; c++) {
        o.cols[c] = malloc((in->nrows ? in->nrows : 1) * sizeof(double));
        assert_non_null(o.cols[c]);
    }
    return o;
}

static void frame_like_free(pg_frame *o)
{
    for (size_t c = 0; c < o->ncols; c++)
        free(o->cols[c]);
    free(o->cols);
}

static int run_normalize(const pg_frame *in, const char *ts, pg_frame *out)
{
    size_t sz = pg_normalize_scratch_size(in->nrows, in->ncols);
    void *scratch = malloc(sz);
    assert_non_null(scratch);
    int rc = pg_normalize(in, ts, out, scratch, sz);
    free(scratch);
    return rc;
}

/* ---- normalize ---------------------------------------------------------- */

static void check_normalize(const char *in_rel, const char *exp_rel)
{
    golden_frame in = frame_load(in_rel);
    golden_frame exp = frame_load(exp_rel);
    pg_frame out = frame_like(&in.f);
    assert_int_equal(run_normalize(&in.f, "ts", &out), PG_OK);
    assert_frame_identical(in_rel, &out, &exp);
    frame_like_free(&out);
    frame_free(&in);
    frame_free(&exp);
}

static void test_normalize_pipeline_input(void **state)
{
    (void)state;
    check_normalize("pipeline_raw_input.csv", "pipeline_normalized_expected.csv");
    printf("normalize pipeline_raw_input: 2021 -> 2000 rows, every value identical\n");
}

static void test_normalize_edges(void **state)
{
    (void)state;
    static const char *cases[] = { "leading_trailing_nan", "duplicates_only", "length1",
                                   "all_nan_column", "no_ts" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char a[256], b[256];
        snprintf(a, sizeof a, "edge/normalize_%s_input.csv", cases[i]);
        snprintf(b, sizeof b, "edge/normalize_%s_expected.csv", cases[i]);
        check_normalize(a, b);
    }
}

/* ---- strategy ------------------------------------------------------------- */

typedef struct row_buffers {
    size_t *row;
    double *d[10];
    pg_strategy_rows rows;
} row_buffers;

static row_buffers rows_alloc(size_t n)
{
    row_buffers b;
    size_t m = n ? n : 1;
    b.row = malloc(m * sizeof *b.row);
    assert_non_null(b.row);
    for (int i = 0; i < 10; i++) {
        b.d[i] = malloc(m * sizeof(double));
        assert_non_null(b.d[i]);
    }
    pg_strategy_rows r = { b.row,  b.d[0], b.d[1], b.d[2], b.d[3], b.d[4],
                           b.d[5], b.d[6], b.d[7], b.d[8], b.d[9] };
    b.rows = r;
    return b;
}

static void rows_free(row_buffers *b)
{
    free(b->row);
    for (int i = 0; i < 10; i++)
        free(b->d[i]);
}

static pg_strategy_params param_set(const char *name)
{
    pg_strategy_params p;
    pg_strategy_params_default(&p);
    if (!strcmp(name, "bench")) {
        p.lookback = 60;
        p.threshold = 0.8;
        p.risk_budget = 1.5;
    } else if (!strcmp(name, "active")) {
        p.lookback = 10;
        p.threshold = 0.3;
        p.risk_budget = 1.0;
    } else {
        fail_msg("unknown parameter set '%s'", name);
    }
    return p;
}

/* Worst deviations seen, for the closing figures. */
static double worst_ret, worst_vol;

/* Compares the strategy rows with golden rows sel[0..count) of csv. */
static void assert_rows(const char *label, const pg_strategy_rows *got, size_t m, const pg_csv *csv,
                        const size_t *sel, size_t count)
{
    if (m != count)
        fail_msg("%s: %zu strategy rows, expected %zu", label, m, count);
    static const char *names[] = { "row",         "price",  "ret",     "rolling_mean",
                                   "rolling_vol", "zscore", "signal",  "position",
                                   "pnl",         "equity", "drawdown" };
    double *exp = malloc((count ? count : 1) * sizeof *exp);
    double *act = malloc((count ? count : 1) * sizeof *act);
    assert_non_null(exp);
    assert_non_null(act);
    for (size_t k = 0; k < 11; k++) {
        long col = pg_csv_find(csv, names[k]);
        assert_true(col >= 0);
        for (size_t i = 0; i < count; i++) {
            pg_error err = { 0 };
            assert_int_equal(pg_csv_cell_double(csv, sel[i], (size_t)col, &exp[i], &err), 0);
        }
        const double *src = NULL;
        switch (k) {
        case 0:
            for (size_t i = 0; i < m; i++)
                act[i] = (double)got->row[i];
            src = act;
            break;
        case 1: src = got->price; break;
        case 2: src = got->ret; break;
        case 3: src = got->rolling_mean; break;
        case 4: src = got->rolling_vol; break;
        case 5: src = got->zscore; break;
        case 6: src = got->signal; break;
        case 7: src = got->position; break;
        case 8: src = got->pnl; break;
        case 9: src = got->equity; break;
        default: src = got->drawdown; break;
        }
        char l[160];
        snprintf(l, sizeof l, "%s.%s", label, names[k]);
        double w;
        if (k == 0 || k == 1 || k == 6 || k == 7) /* integers and the input price */
            w = pgt_assert_close(l, src, exp, m, 0.0, 0.0);
        else if (k == 2 || k == 3)
            w = pgt_assert_close(l, src, exp, m, RET_RTOL, RET_ATOL);
        else
            w = pgt_assert_close(l, src, exp, m, STRAT_RTOL, STRAT_ATOL);
        if ((k == 2 || k == 3) && w > worst_ret)
            worst_ret = w;
        if (k >= 4 && k != 6 && k != 7 && w > worst_vol)
            worst_vol = w;
    }
    free(exp);
    free(act);
}

static double num(const pg_csv *csv, size_t row, const char *name)
{
    long col = pg_csv_find(csv, name);
    if (col < 0)
        fail_msg("column '%s' is missing", name);
    double v;
    pg_error err = { 0 };
    if (pg_csv_cell_double(csv, row, (size_t)col, &v, &err) != 0)
        fail_msg("bad number in '%s' row %zu", name, row);
    return v;
}

static void assert_count(const char *label, size_t got, double exp)
{
    /* an empty field (NaN) means "not applicable": the port reports 0 */
    double e = isnan(exp) ? 0.0 : exp;
    if ((double)got != e)
        fail_msg("%s: got %zu, expected %g", label, got, exp);
}

static void assert_summary(const char *label, const pg_strategy_result *r, const pg_csv *csv,
                           size_t row)
{
    char l[160];
#define SUMMARY_CLOSE(field, rtol, atol)                                                           \
    do {                                                                                           \
        double e_ = num(csv, row, #field);                                                         \
        snprintf(l, sizeof l, "%s.%s", label, #field);                                             \
        pgt_assert_close(l, &r->field, &e_, 1, rtol, atol);                                        \
    } while (0)
    SUMMARY_CLOSE(score, STRAT_RTOL, STRAT_ATOL);
    SUMMARY_CLOSE(max_drawdown, STRAT_RTOL, STRAT_ATOL);
    SUMMARY_CLOSE(sharpe, STRAT_RTOL, STRAT_ATOL);
    SUMMARY_CLOSE(terminal, STRAT_RTOL, STRAT_ATOL);
    SUMMARY_CLOSE(raw_score, STRAT_RTOL, STRAT_ATOL);
    SUMMARY_CLOSE(min_threshold_margin, STRAT_RTOL, STRAT_ATOL);
    SUMMARY_CLOSE(lookback, 0.0, 0.0);
    SUMMARY_CLOSE(threshold, 0.0, 0.0);
    SUMMARY_CLOSE(risk_budget, 0.0, 0.0);
#undef SUMMARY_CLOSE
    snprintf(l, sizeof l, "%s.trades", label);
    assert_count(l, r->trades, num(csv, row, "trades"));
    snprintf(l, sizeof l, "%s.n_equity", label);
    assert_count(l, r->n_equity, num(csv, row, "n_equity"));
    snprintf(l, sizeof l, "%s.effective_lookback", label);
    assert_count(l, r->effective_lookback, num(csv, row, "effective_lookback"));
}

static void run_strategy(const double *price, size_t n, const char *set, row_buffers *b,
                         pg_strategy_result *res)
{
    pg_strategy_params p = param_set(set);
    size_t sz = pg_strategy_scratch_size(n);
    void *scratch = malloc(sz);
    assert_non_null(scratch);
    assert_int_equal(pg_strategy(price, n, &p, scratch, sz, &b->rows, res), PG_OK);
    free(scratch);
}

static const double *gcol(const golden_frame *g, const char *name)
{
    for (size_t c = 0; c < g->f.ncols; c++)
        if (!strcmp(g->f.names[c], name))
            return g->f.cols[c];
    fail_msg("column '%s' is missing", name);
    return NULL;
}

/* The strategy on the golden normalized close, both parameter sets. */
static void test_strategy_pipeline_close(void **state)
{
    (void)state;
    golden_frame norm = frame_load("pipeline_normalized_expected.csv");
    pg_csv *summary = pgt_load("pipeline_strategy_summary_expected.csv");
    const double *close = gcol(&norm, "close");
    size_t n = norm.f.nrows;
    static const char *sets[] = { "bench", "active" };
    for (size_t s = 0; s < 2; s++) {
        char rel[128];
        snprintf(rel, sizeof rel, "pipeline_strategy_%s_expected.csv", sets[s]);
        pg_csv *rows = pgt_load(rel);
        size_t count = pg_csv_nrows(rows);
        size_t *sel = malloc(count * sizeof *sel);
        assert_non_null(sel);
        for (size_t i = 0; i < count; i++)
            sel[i] = i;
        row_buffers b = rows_alloc(n);
        pg_strategy_result res;
        run_strategy(close, n, sets[s], &b, &res);
        assert_rows(rel, &b.rows, res.n_equity, rows, sel, count);
        size_t cnt = 0;
        size_t *srow = pgt_rows_where(summary, "param_set", sets[s], &cnt);
        assert_int_equal(cnt, 1);
        assert_summary(sets[s], &res, summary, srow[0]);
        printf("strategy %s on the normalized close: score %g, %zu trades, %zu rows\n", sets[s],
               res.score, res.trades, res.n_equity);
        free(srow);
        free(sel);
        rows_free(&b);
        pg_csv_free(rows);
    }
    printf("largest relative deviation: ret/rolling_mean %.3g, others %.3g\n", worst_ret,
           worst_vol);
    frame_free(&norm);
    pg_csv_free(summary);
}

/* Both parameter sets on every 1-D edge series. */
static void test_strategy_edges(void **state)
{
    (void)state;
    pg_csv *series = pgt_load("edge/series_input.csv");
    pg_csv *summary = pgt_load("edge/strategy_summary_expected.csv");
    pg_csv *rows = pgt_load("edge/strategy_rows_expected.csv");
    long ccase = pg_csv_find(summary, "case");
    long cset = pg_csv_find(summary, "param_set");
    long cerr = pg_csv_find(summary, "error");
    assert_true(ccase >= 0 && cset >= 0 && cerr >= 0);
    size_t nsum = pg_csv_nrows(summary);
    assert_true(nsum >= 24);
    for (size_t i = 0; i < nsum; i++) {
        const char *name = pg_csv_cell(summary, i, (size_t)ccase);
        const char *set = pg_csv_cell(summary, i, (size_t)cset);
        assert_string_equal(pg_csv_cell(summary, i, (size_t)cerr), "");
        size_t n = 0;
        size_t *in_rows = pgt_rows_where(series, "case", name, &n);
        double *price = malloc((n ? n : 1) * sizeof *price);
        assert_non_null(price);
        for (size_t k = 0; k < n; k++)
            price[k] = num(series, in_rows[k], "value");
        /* the rows of this case and set */
        size_t nc = 0, nr = 0;
        size_t *case_rows = pgt_rows_where(rows, "case", name, &nc);
        size_t *sel = malloc((nc ? nc : 1) * sizeof *sel);
        assert_non_null(sel);
        long rset = pg_csv_find(rows, "param_set");
        for (size_t k = 0; k < nc; k++)
            if (!strcmp(pg_csv_cell(rows, case_rows[k], (size_t)rset), set))
                sel[nr++] = case_rows[k];
        row_buffers b = rows_alloc(n);
        pg_strategy_result res;
        run_strategy(price, n, set, &b, &res);
        char label[128];
        snprintf(label, sizeof label, "%s/%s", name, set);
        assert_rows(label, &b.rows, res.n_equity, rows, sel, nr);
        assert_summary(label, &res, summary, i);
        rows_free(&b);
        free(sel);
        free(case_rows);
        free(price);
        free(in_rows);
    }
    printf("strategy edges: %zu case/set pairs\n", nsum);
    pg_csv_free(series);
    pg_csv_free(summary);
    pg_csv_free(rows);
}

/* Bad parameters fail; NULL rows and params work. */
static void test_strategy_params(void **state)
{
    (void)state;
    double price[6] = { 100, 101, 99, 102, 98, 103 };
    size_t sz = pg_strategy_scratch_size(6);
    void *scratch = malloc(sz);
    assert_non_null(scratch);
    pg_strategy_result r;
    pg_strategy_params p = { NAN, 0.5, 1.0 };
    assert_int_equal(pg_strategy(price, 6, &p, scratch, sz, NULL, &r), PG_EINVAL);
    p.lookback = INFINITY;
    assert_int_equal(pg_strategy(price, 6, &p, scratch, sz, NULL, &r), PG_EINVAL);
    assert_int_equal(pg_strategy(price, 6, NULL, scratch, sz - 1, NULL, &r), PG_EINVAL);
    /* Python's int() truncates and max(lo, min(x, hi)) clamps; NaN -> lo */
    pg_strategy_params q = { -3.7, NAN, 99.0 };
    assert_int_equal(pg_strategy(price, 6, &q, scratch, sz, NULL, &r), PG_OK);
    assert_true(r.lookback == 5.0 && r.threshold == 0.0 && r.risk_budget == 10.0);
    assert_int_equal(r.effective_lookback, 5);
    q.lookback = 777.9;
    q.threshold = 9;
    q.risk_budget = NAN;
    assert_int_equal(pg_strategy(price, 6, &q, scratch, sz, NULL, &r), PG_OK);
    assert_true(r.lookback == 500.0 && r.threshold == 5.0 && r.risk_budget == 0.01);
    assert_int_equal(pg_strategy(price, 6, NULL, scratch, sz, NULL, &r), PG_OK);
    assert_true(r.lookback == 60.0 && r.threshold == 0.8 && r.risk_budget == 1.5);
    assert_int_equal(r.n_equity, 5);
    free(scratch);
}

/* ---- the whole path through a workspace ----------------------------------- */

/* README tolerances for a feature column. */
static void feature_tol(const char *name, double *rtol, double *atol)
{
    if (!strncmp(name, "sma_", 4)) {
        *rtol = 1e-10;
        *atol = 1e-12;
    } else if (!strncmp(name, "volatility_", 11)) {
        *rtol = 1e-9;
        *atol = 1e-15;
    } else if (!strcmp(name, "volume_z")) {
        *rtol = 1e-9;
        *atol = 1e-9;
    } else if (!strncmp(name, "kyles_lambda_", 13) || !strncmp(name, "hasbrouck_", 10)) {
        *rtol = 1e-8;
        *atol = 1e-15;
    } else {
        *rtol = 1e-12; /* return_1, ema, rsi, macd*, price_range, log_volume, ... */
        *atol = 1e-12;
    }
}

static void test_pipeline_workspace(void **state)
{
    (void)state;
    golden_frame raw = frame_load("pipeline_raw_input.csv");
    golden_frame norm = frame_load("pipeline_normalized_expected.csv");
    golden_frame feat = frame_load("pipeline_features_expected.csv");
    pg_csv *rows = pgt_load("pipeline_strategy_bench_expected.csv");
    pg_csv *summary = pgt_load("pipeline_strategy_summary_expected.csv");

    pg_strategy_params sp = param_set("bench");
    pg_error err = { 0 };
    /* room for more rows than this frame: runs must not depend on max_rows */
    pg_pipeline_ws *ws = pg_pipeline_ws_create(raw.f.nrows + 17, raw.f.ncols, NULL, &sp, &err);
    assert_non_null(ws);
    assert_true(pg_pipeline_ws_bytes(ws) > raw.f.nrows * raw.f.ncols * sizeof(double));
    pg_pipeline_out out;
    assert_int_equal(pg_pipeline_run(ws, &raw.f, &out, &err), PG_OK);

    assert_frame_identical("pipeline.normalized", &out.normalized, &norm);

    size_t n = out.normalized.nrows;
    assert_int_equal(out.n_features + 1, feat.f.ncols); /* + the row column */
    assert_int_equal(feat.f.nrows, n);
    double worst = 0;
    for (size_t c = 0; c < out.n_features; c++) {
        char name[64];
        assert_int_equal(pg_pipeline_feature_name(ws, c, name, sizeof name), PG_OK);
        assert_string_equal(name, feat.f.names[c + 1]);
        double rtol, atol;
        feature_tol(name, &rtol, &atol);
        char l[96];
        snprintf(l, sizeof l, "pipeline.%s", name);
        double w = pgt_assert_close(l, out.features + c * n, feat.f.cols[c + 1], n, rtol, atol);
        if (w > worst)
            worst = w;
    }
    printf("pipeline features: %zu columns x %zu rows, largest relative deviation %.3g\n",
           out.n_features, n, worst);

    size_t count = pg_csv_nrows(rows);
    size_t *sel = malloc(count * sizeof *sel);
    assert_non_null(sel);
    for (size_t i = 0; i < count; i++)
        sel[i] = i;
    assert_rows("pipeline.strategy", &out.rows, out.strategy.n_equity, rows, sel, count);
    size_t cnt = 0;
    size_t *srow = pgt_rows_where(summary, "param_set", "bench", &cnt);
    assert_int_equal(cnt, 1);
    assert_summary("pipeline.bench", &out.strategy, summary, srow[0]);

    /* errors: too many rows, wrong shape, no close */
    pg_frame big = raw.f;
    big.nrows = raw.f.nrows + 18;
    pg_error e2 = { 0 };
    assert_int_equal(pg_pipeline_run(ws, &big, &out, &e2), PG_ELIMIT);
    assert_int_equal(e2.code, PG_ELIMIT);
    pg_frame narrow = raw.f;
    narrow.ncols = raw.f.ncols - 1;
    assert_int_equal(pg_pipeline_run(ws, &narrow, &out, NULL), PG_EINVAL);
    pg_frame noclose = raw.f;
    const char **names = malloc(raw.f.ncols * sizeof *names);
    assert_non_null(names);
    memcpy(names, raw.f.names, raw.f.ncols * sizeof *names);
    for (size_t c = 0; c < raw.f.ncols; c++)
        if (!strcmp(names[c], "close"))
            names[c] = "last";
    noclose.names = names;
    pg_error e3 = { 0 };
    assert_int_equal(pg_pipeline_run(ws, &noclose, &out, &e3), PG_EMISSING);
    assert_non_null(strstr(e3.message, "close"));
    free(names);

    pg_pipeline_ws_destroy(ws);
    pg_pipeline_ws_destroy(NULL);
    free(sel);
    free(srow);
    pg_csv_free(rows);
    pg_csv_free(summary);
    frame_free(&raw);
    frame_free(&norm);
    frame_free(&feat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_pipeline_input), cmocka_unit_test(test_normalize_edges),
        cmocka_unit_test(test_strategy_pipeline_close),  cmocka_unit_test(test_strategy_edges),
        cmocka_unit_test(test_strategy_params),          cmocka_unit_test(test_pipeline_workspace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
