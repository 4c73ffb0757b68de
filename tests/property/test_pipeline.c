/*
 * test_pipeline.c - properties of the pipeline path on seeded random data
 * (pgt_rng), each fast kernel checked against a slow, obvious one:
 *   - pg_normalize against a reference with an insertion sort, an O(n^2)
 *     duplicate scan and a per-cell neighbour search for the
 *     interpolation: identical output, on frames with shuffled, tied and
 *     NaN timestamps, duplicate rows, NaN holes, infinities, all-NaN
 *     columns, and without a ts column; plus the invariants (sorted, no
 *     duplicates, no NaN left in a column that had a valid value) and exact
 *     recovery of linear data;
 *   - pg_strategy: score in [-1, 2], drawdown <= 0, trades <= n, equity the
 *     running sum of pnl, positions in {-risk, 0, +risk} and one row behind
 *     the signal, strict thresholds, and the rolling mean and std against
 *     windowed two-pass sums;
 *   - a pipeline workspace run twice (with another frame between) gives the
 *     same bytes.
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

#define TS_LIMIT 9223372036.854775

/* ---- random frames ------------------------------------------------------- */

typedef struct rframe {
    pg_frame f;
    const char *names[8];
    double *cols[8];
} rframe;

static size_t rnd_below(pgt_rng *r, size_t n)
{
    return n ? (size_t)(pgt_rng_next(r) % n) : 0;
}

/* A messy frame: column 0 is "ts" (unless with_ts is 0), the others random
 * walks with NaN holes, a few infinities and perhaps an all-NaN column;
 * ts drawn from `distinct` values so ties happen; some rows duplicated. */
static void rframe_make(rframe *fr, pgt_rng *r, size_t n, size_t ncols, size_t distinct,
                        int with_ts)
{
    static const char *names[] = { "ts", "close", "volume", "open", "extra", "x5", "x6", "x7" };
    memset(fr, 0, sizeof *fr);
    fr->f.nrows = n;
    fr->f.ncols = ncols;
    fr->f.names = fr->names;
    fr->f.cols = fr->cols;
    size_t allnan = ncols > 2 && pgt_rng_uniform(r) < 0.3 ? 1 + rnd_below(r, ncols - 1) : 0;
    for (size_t c = 0; c < ncols; c++) {
        fr->names[c] = with_ts ? names[c] : names[c + 1];
        fr->cols[c] = malloc((n ? n : 1) * sizeof(double));
        assert_non_null(fr->cols[c]);
        double level = 100.0;
        for (size_t i = 0; i < n; i++) {
            double v;
            if (with_ts && c == 0) {
                double u = pgt_rng_uniform(r);
                if (u < 0.02)
                    v = NAN;
                else if (u < 0.025)
                    v = 1e12; /* out of datetime64[ns] range: NaT */
                else
                    v = 1704067200.0 + 60.0 * (double)rnd_below(r, distinct);
            } else {
                level *= exp(0.01 * pgt_rng_normal(r));
                double u = pgt_rng_uniform(r);
                v = u < 0.08 ? NAN : (u < 0.085 ? INFINITY : level);
                if (c == allnan)
                    v = NAN;
            }
            fr->cols[c][i] = v;
        }
    }
    /* exact duplicates of earlier rows */
    for (size_t i = 1; i < n; i++) {
        if (pgt_rng_uniform(r) < 0.1) {
            size_t src = rnd_below(r, i);
            for (size_t c = 0; c < ncols; c++)
                fr->cols[c][i] = fr->cols[c][src];
        }
    }
}

static void rframe_free(rframe *fr)
{
    for (size_t c = 0; c < fr->f.ncols; c++)
        free(fr->cols[c]);
}

static pg_frame out_alloc(const pg_frame *in)
{
    pg_frame o = { 0, in->ncols, in->names, calloc(in->ncols + 1, sizeof(double *)) };
    assert_non_null(o.cols);
    for (size_t c = 0; c < in->ncols; c++) {
        o.cols[c] = malloc((in->nrows ? in->nrows : 1) * sizeof(double));
        assert_non_null(o.cols[c]);
    }
    return o;
}

static void out_free(pg_frame *o)
{
    for (size_t c = 0; c < o->ncols; c++)
        free(o->cols[c]);
    free(o->cols);
}

static int fast_normalize(const pg_frame *in, const char *ts, pg_frame *out)
{
    size_t sz = pg_normalize_scratch_size(in->nrows, in->ncols);
    void *scratch = malloc(sz);
    assert_non_null(scratch);
    int rc = pg_normalize(in, ts, out, scratch, sz);
    free(scratch);
    return rc;
}

/* ---- the slow reference -------------------------------------------------- */

static int is_nat(double t)
{
    return !(fabs(t) <= TS_LIMIT);
}

static int ts_less(double a, double b)
{
    return !is_nat(a) && (is_nat(b) || a < b);
}

static int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static int row_same(const pg_frame *in, long ts, size_t a, size_t b)
{
    for (size_t c = 0; c < in->ncols; c++) {
        double x = in->cols[c][a], y = in->cols[c][b];
        if ((long)c == ts ? !(same(x, y) || (is_nat(x) && is_nat(y))) : !same(x, y))
            return 0;
    }
    return 1;
}

/* np.interp for cell i between valid a < i < b. */
static double interp(double ya, double yb, size_t a, size_t b, size_t i)
{
    double slope = (yb - ya) / ((double)b - (double)a);
    double v = slope * ((double)i - (double)a) + ya;
    if (isnan(v)) {
        v = slope * ((double)i - (double)b) + yb;
        if (isnan(v) && ya == yb)
            v = ya;
    }
    return v;
}

static void ref_normalize(const pg_frame *in, long ts, pg_frame *out)
{
    size_t n = in->nrows;
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    size_t *keep = malloc((n ? n : 1) * sizeof *keep);
    assert_non_null(order);
    assert_non_null(keep);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (ts >= 0) { /* stable insertion sort */
        const double *t = in->cols[ts];
        for (size_t i = 1; i < n; i++) {
            size_t v = order[i], j = i;
            while (j > 0 && ts_less(t[v], t[order[j - 1]])) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = v;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int dup = 0;
        for (size_t q = 0; q < k && !dup; q++)
            dup = row_same(in, ts, keep[q], order[i]);
        if (!dup)
            keep[k++] = order[i];
    }
    out->nrows = k;
    for (size_t c = 0; c < in->ncols; c++) {
        double *o = out->cols[c];
        for (size_t i = 0; i < k; i++)
            o[i] = in->cols[c][keep[i]];
        if ((long)c == ts) {
            for (size_t i = 0; i < k; i++)
                if (is_nat(o[i]))
                    o[i] = NAN;
            continue;
        }
        for (size_t i = 0; i < k; i++) {
            double v = in->cols[c][keep[i]];
            if (!isnan(v))
                continue;
            size_t a = i, b = i;
            int has_a = 0, has_b = 0;
            while (a > 0) {
                a--;
                if (!isnan(in->cols[c][keep[a]])) {
                    has_a = 1;
                    break;
                }
            }
            for (b = i + 1; b < k; b++) {
                if (!isnan(in->cols[c][keep[b]])) {
                    has_b = 1;
                    break;
                }
            }
            double ya = has_a ? in->cols[c][keep[a]] : NAN;
            double yb = has_b ? in->cols[c][keep[b]] : NAN;
            if (has_a && has_b)
                o[i] = interp(ya, yb, a, b, i);
            else if (has_a)
                o[i] = ya;
            else if (has_b)
                o[i] = yb;
        }
    }
    free(order);
    free(keep);
}

static void assert_identical(const char *what, uint64_t seed, const pg_frame *a, const pg_frame *b)
{
    if (a->nrows != b->nrows)
        fail_msg("%s seed %llu: %zu rows, reference %zu", what, (unsigned long long)seed, a->nrows,
                 b->nrows);
    for (size_t c = 0; c < a->ncols; c++)
        for (size_t i = 0; i < a->nrows; i++)
            if (!same(a->cols[c][i], b->cols[c][i]))
                fail_msg("%s seed %llu: column %zu row %zu: %.17g, reference %.17g", what,
                         (unsigned long long)seed, c, i, a->cols[c][i], b->cols[c][i]);
}

/* ---- normalize properties ------------------------------------------------ */

static void check_invariants(const pg_frame *in, const pg_frame *out, long ts)
{
    size_t k = out->nrows;
    if (ts >= 0) {
        const double *t = out->cols[ts];
        for (size_t i = 1; i < k; i++) /* ascending, NaN (NaT) last */
            assert_false(ts_less(t[i], t[i - 1]) || (isnan(t[i - 1]) && !isnan(t[i])));
    }
    for (size_t c = 0; c < in->ncols; c++) {
        if ((long)c == ts)
            continue;
        int had_valid = 0;
        for (size_t i = 0; i < in->nrows && !had_valid; i++)
            had_valid = !isnan(in->cols[c][i]);
        for (size_t i = 0; i < k; i++)
            assert_true(had_valid ? !isnan(out->cols[c][i]) : isnan(out->cols[c][i]));
    }
}

static void test_normalize_matches_reference(void **state)
{
    (void)state;
    size_t frames = 0, rows_in = 0, rows_out = 0;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        pgt_rng r;
        pgt_rng_seed(&r, seed);
        size_t n = rnd_below(&r, 700);
        size_t ncols = 2 + rnd_below(&r, 5);
        /* few distinct stamps: long runs of ties (the hash path); many: the
         * usual run-of-one path */
        size_t distinct = seed % 3 == 0 ? 3 : (seed % 3 == 1 ? 40 : 100000);
        int with_ts = seed % 7 != 0;
        rframe fr;
        rframe_make(&fr, &r, n, ncols, distinct, with_ts);
        pg_frame fast = out_alloc(&fr.f), slow = out_alloc(&fr.f);
        assert_int_equal(fast_normalize(&fr.f, "ts", &fast), PG_OK);
        long ts = with_ts ? 0 : -1;
        ref_normalize(&fr.f, ts, &slow);
        assert_identical("normalize", seed, &fast, &slow);
        check_invariants(&fr.f, &fast, ts);
        /* as many rows as the input has distinct rows, counted naively */
        size_t distinct_rows = 0;
        for (size_t i = 0; i < n; i++) {
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = row_same(&fr.f, ts, j, i);
            distinct_rows += !seen;
        }
        assert_int_equal(fast.nrows, distinct_rows);
        frames++;
        rows_in += n;
        rows_out += fast.nrows;
        out_free(&fast);
        out_free(&slow);
        rframe_free(&fr);
    }
    printf("normalize = reference on %zu random frames (%zu -> %zu rows)\n", frames, rows_in,
           rows_out);
}

/* Sorted input without duplicates or holes comes back unchanged; a sorted
 * frame with every row doubled loses exactly the copies. */
static void test_normalize_sorted_and_doubled(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 99);
    size_t n = 5000;
    rframe fr;
    rframe_make(&fr, &r, 2 * n, 3, 1, 1);
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < 3; c++) {
            double v = c == 0 ? 1704067200.0 + 60.0 * (double)i : 100.0 + pgt_rng_normal(&r);
            fr.cols[c][2 * i] = fr.cols[c][2 * i + 1] = v;
        }
    }
    pg_frame out = out_alloc(&fr.f);
    assert_int_equal(fast_normalize(&fr.f, "ts", &out), PG_OK);
    assert_int_equal(out.nrows, n);
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < 3; c++)
            assert_true(out.cols[c][i] == fr.cols[c][2 * i]);
    /* the undoubled, sorted first half is returned as is */
    pg_frame half = fr.f;
    half.nrows = n;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < 3; c++)
            fr.cols[c][i] = out.cols[c][i];
    pg_frame out2 = out_alloc(&half);
    assert_int_equal(fast_normalize(&half, "ts", &out2), PG_OK);
    assert_int_equal(out2.nrows, n);
    for (size_t c = 0; c < 3; c++)
        assert_memory_equal(out2.cols[c], fr.cols[c], n * sizeof(double));
    out_free(&out);
    out_free(&out2);
    rframe_free(&fr);
}

/* pg_normalize_view gives pg_normalize's bytes, and skips the copy of
 * exactly the columns normalize returns unchanged: on sorted frames those
 * without NaN (ts: without NaT or -0.0), on any other frame none. */
static void test_normalize_view(void **state)
{
    (void)state;
    size_t aliased = 0, copied = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        pgt_rng r;
        pgt_rng_seed(&r, 5000 + seed);
        size_t n = 1 + rnd_below(&r, 600);
        size_t ncols = 2 + rnd_below(&r, 5);
        rframe fr;
        rframe_make(&fr, &r, n, ncols, seed % 2 ? 100000 : 40, 1);
        int sorted = seed % 4 != 0;
        int dirty[8] = { 0 };
        if (sorted) {
            for (size_t c = 0; c < ncols; c++) {
                int kind = (int)rnd_below(&r, 4); /* 0, 1: clean; 2: a gap; 3: ts quirk */
                for (size_t i = 0; i < n; i++)
                    fr.cols[c][i] =
                        c == 0 ? 1704067200.0 + 60.0 * (double)i : 100.0 + pgt_rng_normal(&r);
                size_t at = rnd_below(&r, n);
                if (c > 0 && kind >= 2) {
                    fr.cols[c][at] = NAN;
                    dirty[c] = 1;
                } else if (c > 0 && kind == 1) {
                    fr.cols[c][at] = INFINITY; /* kept as is: no copy needed */
                } else if (c == 0 && kind == 2) {
                    fr.cols[0][n - 1] = NAN; /* a trailing NaT keeps ts increasing */
                    dirty[0] = 1;
                } else if (c == 0 && kind == 3 && n == 1) {
                    fr.cols[0][0] = -0.0;
                    dirty[0] = 1;
                }
            }
        }
        pg_frame plain = out_alloc(&fr.f), view = out_alloc(&fr.f);
        double **bufs = malloc(ncols * sizeof *bufs);
        assert_non_null(bufs);
        memcpy(bufs, view.cols, ncols * sizeof *bufs);
        assert_int_equal(fast_normalize(&fr.f, "ts", &plain), PG_OK);
        size_t sz = pg_normalize_scratch_size(n, ncols);
        void *scratch = malloc(sz);
        assert_non_null(scratch);
        assert_int_equal(pg_normalize_view(&fr.f, "ts", &view, scratch, sz), PG_OK);
        assert_int_equal(view.nrows, plain.nrows);
        for (size_t c = 0; c < ncols; c++) {
            assert_memory_equal(view.cols[c], plain.cols[c], plain.nrows * sizeof(double));
            int alias = view.cols[c] == fr.cols[c];
            assert_true(alias || view.cols[c] == bufs[c]);
            if (sorted)
                assert_int_equal(alias, !dirty[c]);
            aliased += (size_t)alias;
            copied += (size_t)!alias;
        }
        memcpy(view.cols, bufs, ncols * sizeof *bufs);
        free(bufs);
        free(scratch);
        out_free(&plain);
        out_free(&view);
        rframe_free(&fr);
    }
    assert_true(aliased > 0 && copied > 0);
    printf("normalize_view = normalize on 40 frames (%zu columns viewed, %zu copied)\n", aliased,
           copied);
}

/* Linear data with holes is recovered (to rounding), ends included. */
static void test_normalize_linear(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        pgt_rng r;
        pgt_rng_seed(&r, 1000 + seed);
        size_t n = 50 + rnd_below(&r, 500);
        rframe fr;
        rframe_make(&fr, &r, n, 2, 1, 1);
        double a = 100.0 * pgt_rng_normal(&r), b = pgt_rng_normal(&r);
        /* rows shuffled; the sorted order is by ts = i */
        for (size_t i = 0; i < n; i++) {
            fr.cols[0][i] = 1704067200.0 + (double)i;
            fr.cols[1][i] = a + b * (double)i;
        }
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = rnd_below(&r, i + 1);
            for (size_t c = 0; c < 2; c++) {
                double t = fr.cols[c][i];
                fr.cols[c][i] = fr.cols[c][j];
                fr.cols[c][j] = t;
            }
        }
        /* holes, but keep at least one value */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            if (pgt_rng_uniform(&r) < 0.4)
                fr.cols[1][i] = NAN;
            else
                kept++;
        }
        if (kept == 0)
            fr.cols[1][0] = a + b * (fr.cols[0][0] - 1704067200.0);
        pg_frame out = out_alloc(&fr.f);
        assert_int_equal(fast_normalize(&fr.f, "ts", &out), PG_OK);
        assert_int_equal(out.nrows, n);
        /* interior holes reproduce the line; the ends are flat */
        size_t first = n, last = 0;
        double vfirst = 0, vlast = 0;
        for (size_t i = 0; i < n; i++) {
            if (!isnan(fr.cols[1][i])) {
                size_t pos = (size_t)(fr.cols[0][i] - 1704067200.0);
                if (pos < first) {
                    first = pos;
                    vfirst = fr.cols[1][i];
                }
                if (pos >= last) {
                    last = pos;
                    vlast = fr.cols[1][i];
                }
            }
        }
        for (size_t i = 0; i < n; i++) {
            double e = i < first ? vfirst : (i > last ? vlast : a + b * (double)i);
            assert_true(out.cols[0][i] == 1704067200.0 + (double)i);
            if (!pgt_close(out.cols[1][i], e, 1e-12, 1e-9))
                fail_msg("seed %llu row %zu: %.17g, line %.17g", (unsigned long long)seed, i,
                         out.cols[1][i], e);
        }
        out_free(&out);
        rframe_free(&fr);
    }
}

/* ---- strategy properties ------------------------------------------------- */

typedef struct sbufs {
    size_t *row;
    double *d[10];
    pg_strategy_rows rows;
} sbufs;

static sbufs sbufs_alloc(size_t n)
{
    sbufs b;
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

static void sbufs_free(sbufs *b)
{
    free(b->row);
    for (int i = 0; i < 10; i++)
        free(b->d[i]);
}

static void test_strategy_invariants(void **state)
{
    (void)state;
    double worst_mean = 0, worst_std = 0;
    size_t runs = 0, total_trades = 0;
    for (uint64_t seed = 1; seed <= 120; seed++) {
        pgt_rng r;
        pgt_rng_seed(&r, 5000 + seed);
        size_t n = rnd_below(&r, 3000);
        double *price = malloc((n ? n : 1) * sizeof *price);
        assert_non_null(price);
        double level = 100.0, vol = 0.001 + 0.02 * pgt_rng_uniform(&r);
        for (size_t i = 0; i < n; i++) {
            level *= exp(vol * pgt_rng_normal(&r));
            double u = pgt_rng_uniform(&r);
            price[i] = u < 0.01 ? NAN : (u < 0.012 ? INFINITY : (u < 0.014 ? 0.0 : level));
            if (seed % 11 == 0 && i % 50 < 20)
                price[i] = 100.0; /* flat stretches: std 0, fills */
        }
        pg_strategy_params p = { 2.0 + 100.0 * pgt_rng_uniform(&r), 1.2 * pgt_rng_uniform(&r),
                                 0.1 + 3.0 * pgt_rng_uniform(&r) };
        sbufs b = sbufs_alloc(n);
        size_t sz = pg_strategy_scratch_size(n);
        void *scratch = malloc(sz);
        assert_non_null(scratch);
        pg_strategy_result res;
        assert_int_equal(pg_strategy(price, n, &p, scratch, sz, &b.rows, &res), PG_OK);
        size_t m = res.n_equity;
        const pg_strategy_rows *o = &b.rows;
        assert_true(res.score >= -1.0 && res.score <= 2.0);
        assert_true(res.max_drawdown <= 0.0);
        assert_true(res.trades <= m);
        assert_true(m < (n ? n : 1));
        double risk = res.risk_budget, thr = res.threshold;
        size_t L = res.effective_lookback;
        if (m > 0)
            assert_true(L >= 1 && L <= m && L <= (size_t)res.lookback);
        double eq = 0, peak = 0, mdd = 0;
        size_t trades = 0;
        for (size_t k = 0; k < m; k++) {
            assert_true(o->row[k] >= 1 && o->row[k] < n);
            if (k > 0)
                assert_true(o->row[k] > o->row[k - 1]);
            assert_true(isfinite(o->ret[k]));
            double pos = o->position[k];
            assert_true(pos == 0.0 || pos == risk || pos == -risk);
            assert_true(pos == (k == 0 ? 0.0 : o->signal[k - 1] * risk));
            double z = o->zscore[k], s = o->signal[k];
            assert_true(s == (z > thr ? -1.0 : (z < -thr ? 1.0 : 0.0)));
            assert_true(o->pnl[k] == pos * o->ret[k]);
            eq += o->pnl[k];
            assert_true(o->equity[k] == eq);
            peak = eq > peak ? eq : peak;
            assert_true(o->drawdown[k] == eq - peak && o->drawdown[k] <= 0.0);
            mdd = o->drawdown[k] < mdd ? o->drawdown[k] : mdd;
            if (k > 0 && o->position[k] != o->position[k - 1])
                trades++;
            /* the rolling stats against windowed two-pass sums */
            size_t lo = k + 1 >= L ? k + 1 - L : 0;
            size_t w = k - lo + 1;
            double sum = 0;
            for (size_t j = lo; j <= k; j++)
                sum += o->ret[j];
            double mean = sum / (double)w, ss = 0, scale = 0;
            for (size_t j = lo; j <= k; j++)
                scale += fabs(o->ret[j]) / (double)w;
            for (size_t j = lo; j <= k; j++)
                ss += (o->ret[j] - mean) * (o->ret[j] - mean);
            double sd = sqrt(ss / (double)w);
            double exp_mean = w < L ? 0.0 : mean;
            /* the sums cancel: allow rounding at the scale of the values */
            if (!pgt_close(o->rolling_mean[k], exp_mean, 1e-9, 1e-13 * scale))
                fail_msg("seed %llu row %zu: mean %.17g, naive %.17g", (unsigned long long)seed, k,
                         o->rolling_mean[k], exp_mean);
            double dm = pgt_rel_dev(o->rolling_mean[k], exp_mean);
            if (dm > worst_mean && fabs(exp_mean) > 1e-3 * scale)
                worst_mean = dm;
            if (sd > 1e-12 * fabs(mean) + 1e-15) { /* else: a fill, checked below */
                if (!pgt_close(o->rolling_vol[k], sd, 1e-8, 1e-15))
                    fail_msg("seed %llu row %zu: std %.17g, naive %.17g", (unsigned long long)seed,
                             k, o->rolling_vol[k], sd);
                double ds = pgt_rel_dev(o->rolling_vol[k], sd);
                worst_std = ds > worst_std ? ds : worst_std;
            }
            assert_true(o->rolling_vol[k] > 0.0);
        }
        if (m > 0) {
            assert_true(res.terminal == eq);
            assert_true(res.max_drawdown == mdd);
            assert_int_equal(res.trades, trades);
        } else {
            assert_true(res.score == 0.0 && res.max_drawdown == 0.0 && res.trades == 0);
        }
        runs++;
        total_trades += res.trades;
        free(scratch);
        free(price);
        sbufs_free(&b);
    }
    printf("strategy invariants on %zu random series (%zu trades); rolling mean within "
           "%.3g, std within %.3g of two-pass sums\n",
           runs, total_trades, worst_mean, worst_std);
}

/* NULL rows give the same summary as full rows. */
static void test_strategy_rows_optional(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 77);
    size_t n = 1500;
    double *price = malloc(n * sizeof *price);
    assert_non_null(price);
    double level = 50;
    for (size_t i = 0; i < n; i++)
        price[i] = level *= exp(0.01 * pgt_rng_normal(&r));
    pg_strategy_params p = { 10, 0.3, 1.0 };
    size_t sz = pg_strategy_scratch_size(n);
    void *scratch = malloc(sz);
    assert_non_null(scratch);
    sbufs b = sbufs_alloc(n);
    pg_strategy_result a, c;
    assert_int_equal(pg_strategy(price, n, &p, scratch, sz, &b.rows, &a), PG_OK);
    assert_int_equal(pg_strategy(price, n, &p, scratch, sz, NULL, &c), PG_OK);
    assert_memory_equal(&a, &c, sizeof a);
    assert_true(a.trades > 0);
    sbufs_free(&b);
    free(scratch);
    free(price);
}

/* ---- the workspace ------------------------------------------------------- */

typedef struct snapshot {
    size_t nrows, nfeat, m;
    double *norm, *feat, *rows;
    pg_strategy_result res;
} snapshot;

static snapshot take(const pg_pipeline_out *o)
{
    snapshot s;
    s.nrows = o->normalized.nrows;
    s.nfeat = o->n_features;
    s.m = o->strategy.n_equity;
    s.res = o->strategy;
    size_t nc = o->normalized.ncols;
    s.norm = malloc((s.nrows * nc + 1) * sizeof(double));
    s.feat = malloc((s.nrows * s.nfeat + 1) * sizeof(double));
    s.rows = malloc((s.m * 10 + 1) * sizeof(double));
    assert_non_null(s.norm);
    assert_non_null(s.feat);
    assert_non_null(s.rows);
    for (size_t c = 0; c < nc; c++)
        memcpy(s.norm + c * s.nrows, o->normalized.cols[c], s.nrows * sizeof(double));
    memcpy(s.feat, o->features, s.nrows * s.nfeat * sizeof(double));
    const double *cols[10] = { o->rows.price,       o->rows.ret,    o->rows.rolling_mean,
                               o->rows.rolling_vol, o->rows.zscore, o->rows.signal,
                               o->rows.position,    o->rows.pnl,    o->rows.equity,
                               o->rows.drawdown };
    for (size_t k = 0; k < 10; k++)
        memcpy(s.rows + k * s.m, cols[k], s.m * sizeof(double));
    return s;
}

static void snapshot_free(snapshot *s)
{
    free(s->norm);
    free(s->feat);
    free(s->rows);
}

/* A workspace gives the same bytes run after run, with a shorter frame in
 * between.  6,000 rows make a block of more than 2 MiB, so this runs on the
 * workspace's mmap'd (huge-page) block, faulted in by the first run. */
static void test_workspace_repeatable(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 4242);
    static const char *names[] = { "ts",     "open",       "high",       "low",          "close",
                                   "volume", "bid_volume", "ask_volume", "signed_volume" };
    size_t n = 6000, nc = 9;
    double *cols[9];
    for (size_t c = 0; c < nc; c++) {
        cols[c] = malloc(n * sizeof(double));
        assert_non_null(cols[c]);
    }
    double level = 100;
    for (size_t i = 0; i < n; i++) {
        level *= exp(0.005 * pgt_rng_normal(&r));
        cols[0][i] = 1704067200.0 + 60.0 * (double)((i * 7919) % n); /* shuffled */
        cols[1][i] = level;
        cols[2][i] = level * 1.01;
        cols[3][i] = level * 0.99;
        cols[4][i] = pgt_rng_uniform(&r) < 0.01 ? NAN : level;
        cols[5][i] = 1000 * pgt_rng_uniform(&r);
        cols[6][i] = 500 * pgt_rng_uniform(&r);
        cols[7][i] = 500 * pgt_rng_uniform(&r);
        cols[8][i] = 100 * pgt_rng_normal(&r);
    }
    pg_frame raw = { n, nc, names, cols };
    pg_error err = { 0 };
    pg_pipeline_ws *ws = pg_pipeline_ws_create(n, nc, NULL, NULL, &err);
    assert_non_null(ws);
    pg_pipeline_out out;
    assert_int_equal(pg_pipeline_run(ws, &raw, &out, &err), PG_OK);
    assert_int_equal(out.normalized.nrows, n);
    snapshot first = take(&out);

    /* another, shorter frame in between */
    pg_frame other = raw;
    other.nrows = n / 3;
    assert_int_equal(pg_pipeline_run(ws, &other, &out, &err), PG_OK);
    assert_true(out.normalized.nrows <= n / 3);

    assert_int_equal(pg_pipeline_run(ws, &raw, &out, &err), PG_OK);
    snapshot again = take(&out);
    assert_int_equal(first.nrows, again.nrows);
    assert_int_equal(first.nfeat, again.nfeat);
    assert_int_equal(first.m, again.m);
    assert_memory_equal(first.norm, again.norm, first.nrows * nc * sizeof(double));
    assert_memory_equal(first.feat, again.feat, first.nrows * first.nfeat * sizeof(double));
    assert_memory_equal(first.rows, again.rows, first.m * 10 * sizeof(double));
    assert_memory_equal(&first.res, &again.res, sizeof first.res);

    /* the strategy in the run is the strategy on the normalized close */
    size_t sz = pg_strategy_scratch_size(first.nrows);
    void *scratch = malloc(sz);
    assert_non_null(scratch);
    pg_strategy_result direct;
    assert_int_equal(
        pg_strategy(first.norm + 4 * first.nrows, first.nrows, NULL, scratch, sz, NULL, &direct),
        PG_OK);
    assert_memory_equal(&direct, &first.res, sizeof direct);
    free(scratch);

    snapshot_free(&first);
    snapshot_free(&again);
    pg_pipeline_ws_destroy(ws);
    for (size_t c = 0; c < nc; c++)
        free(cols[c]);
}

/* Empty and one-row frames run; the strategy then has no equity curve. */
static void test_workspace_tiny_frames(void **state)
{
    (void)state;
    static const char *names[] = { "ts", "close" };
    double ts[1] = { 1704067200.0 }, close[1] = { 100.0 };
    double *cols[2] = { ts, close };
    pg_frame raw = { 0, 2, names, cols };
    pg_pipeline_ws *ws = pg_pipeline_ws_create(0, 2, NULL, NULL, NULL);
    assert_non_null(ws);
    pg_pipeline_out out;
    assert_int_equal(pg_pipeline_run(ws, &raw, &out, NULL), PG_OK);
    assert_int_equal(out.normalized.nrows, 0);
    assert_int_equal(out.strategy.n_equity, 0);
    assert_true(out.strategy.score == 0.0 && isnan(out.strategy.sharpe));
    raw.nrows = 1;
    assert_int_equal(pg_pipeline_run(ws, &raw, &out, NULL), PG_ELIMIT);
    pg_pipeline_ws_destroy(ws);
    ws = pg_pipeline_ws_create(1, 2, NULL, NULL, NULL);
    assert_non_null(ws);
    assert_int_equal(pg_pipeline_run(ws, &raw, &out, NULL), PG_OK);
    assert_int_equal(out.normalized.nrows, 1);
    assert_true(out.normalized.cols[1][0] == 100.0);
    assert_int_equal(out.n_features, 1 + 3 * 3 + 6 + 1); /* close only: no volume columns */
    assert_int_equal(out.strategy.n_equity, 0);
    pg_pipeline_ws_destroy(ws);
    assert_null(pg_pipeline_ws_create(10, 0, NULL, NULL, NULL));
    /* a column count whose sizes would wrap around is refused, not allocated */
    pg_error err = { 0 };
    assert_null(pg_pipeline_ws_create(10, SIZE_MAX - 3, NULL, NULL, &err));
    assert_int_equal(err.code, PG_ELIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_matches_reference),
        cmocka_unit_test(test_normalize_sorted_and_doubled),
        cmocka_unit_test(test_normalize_view),
        cmocka_unit_test(test_normalize_linear),
        cmocka_unit_test(test_strategy_invariants),
        cmocka_unit_test(test_strategy_rows_optional),
        cmocka_unit_test(test_workspace_repeatable),
        cmocka_unit_test(test_workspace_tiny_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
