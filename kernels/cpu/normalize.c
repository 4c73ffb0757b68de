/*
 * normalize.c - TradePulse's normalize_df (KERNELS.md section 6,
 * core/data/preprocess.py) on a column-wise frame of doubles.
 *
 *   1. If the timestamp column exists, read it as epoch seconds (non-finite
 *      or outside pandas' datetime64[ns] range is NaT) and sort the rows by
 *      it, ascending, NaT last.  pandas' quicksort is not stable; we are, so
 *      rows with equal timestamps keep their input order.
 *   2. Drop exact duplicate rows, keeping the first (NaN equals NaN, -0.0
 *      equals 0.0, as pandas' float hash table has it).
 *   3. Interpolate every other column linearly by row position with
 *      np.interp's arithmetic (one subtraction, one division, one multiply,
 *      one add, in that order, so the result is bit-identical), leading NaNs
 *      taking the first valid value and trailing ones the last.  The
 *      timestamp column is a datetime in pandas, not a number, so it is not
 *      interpolated: NaT stays NaN.
 *
 * Work is O(n) for the common cases and O(n log n) at worst:
 *   - sorting is an LSD radix sort on the timestamp's order-preserving
 *     64-bit key, skipping every byte all keys share (epoch seconds share
 *     most), and no sort at all when the input is already in order;
 *   - exact duplicates have equal timestamps, so after sorting they sit in
 *     the same run of equal keys.  A run of one row (the usual case) needs no
 *     comparison, a short run is compared pairwise and a long one (no ts
 *     column: the whole frame is one run) goes through an open-addressing
 *     hash table of whole-row hashes.
 * Every array lives in the caller's scratch: nothing is allocated.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "frame.h"
#include "pg_kernels.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Runs of equal timestamps up to this size are compared pairwise. */
#define SMALL_RUN 8
/* The key NaT maps to: above every finite or infinite double's key. */
#define NAT_KEY UINT64_MAX
/* pandas' datetime64[ns] range in seconds (about 1677 to 2262). */
#define TS_LIMIT 9223372036.854775

typedef struct slot {
    uint64_t hash;
    size_t row; /* source row index */
    size_t gen; /* run that wrote it; other values mean empty */
} slot;

long pg_frame_find(const pg_frame *f, const char *name)
{
    if (name == NULL || f == NULL || f->names == NULL)
        return -1;
    for (size_t c = 0; c < f->ncols; c++) {
        if (f->names[c] != NULL && strcmp(f->names[c], name) == 0)
            return (long)c;
    }
    return -1;
}

static size_t table_size(size_t nrows)
{
    size_t t = 16;
    while (t < 2 * nrows)
        t <<= 1;
    return t;
}

size_t pg_normalize_scratch_size(size_t nrows, size_t ncols)
{
    (void)ncols;
    size_t n = nrows ? nrows : 1;
    size_t bytes = PG_SCRATCH_ALIGN;                    /* alignment of the base */
    bytes += 2 * pg_align_up(n * sizeof(uint64_t));     /* keys, keys2 */
    bytes += 3 * pg_align_up(n * sizeof(size_t));       /* idx, idx2, keep */
    bytes += pg_align_up(8 * 256 * sizeof(size_t));     /* radix histograms */
    bytes += pg_align_up(table_size(n) * sizeof(slot)); /* hash table */
    return bytes;
}

/* The timestamp as pandas sees it after to_datetime(unit="s"): NaT for
 * non-finite or out-of-range values (written back as NaN), and -0.0 is the
 * epoch like 0.0. */
static int ts_is_nat(double v)
{
    return !(fabs(v) <= TS_LIMIT); /* NaN compares false */
}

/* Order-preserving map of a double to an unsigned key. */
static uint64_t ts_key(double v)
{
    if (ts_is_nat(v))
        return NAT_KEY;
    if (v == 0.0)
        v = 0.0;
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return (b & UINT64_C(0x8000000000000000)) ? ~b : b | UINT64_C(0x8000000000000000);
}

/* Stable LSD radix sort of (keys, idx) by keys; bytes every key shares are
 * skipped.  Returns which buffer pair holds the result (0: keys/idx). */
static int radix_sort(uint64_t *keys, size_t *idx, uint64_t *keys2, size_t *idx2, size_t n,
                      size_t (*hist)[256])
{
    memset(hist, 0, 8 * 256 * sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        uint64_t k = keys[i];
        for (int d = 0; d < 8; d++)
            hist[d][(k >> (8 * d)) & 0xff]++;
    }
    int flip = 0;
    for (int d = 0; d < 8; d++) {
        size_t *h = hist[d];
        if (h[(keys[0] >> (8 * d)) & 0xff] == n)
            continue; /* every key has this byte: the pass would be the identity */
        size_t sum = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t k = keys[i];
            size_t pos = h[(k >> (8 * d)) & 0xff]++;
            keys2[pos] = k;
            idx2[pos] = idx[i];
        }
        uint64_t *tk = keys;
        keys = keys2;
        keys2 = tk;
        size_t *ti = idx;
        idx = idx2;
        idx2 = ti;
        flip ^= 1;
    }
    return flip;
}

/* Equality as drop_duplicates has it: NaN equals NaN, -0.0 equals 0.0. */
static int cell_equal(double a, double b)
{
    return a == b || (a != a && b != b);
}

static int rows_equal(const pg_frame *in, long ts, size_t a, size_t b)
{
    for (size_t c = 0; c < in->ncols; c++) {
        if ((long)c == ts)
            continue; /* same run: the timestamps are equal already */
        if (!cell_equal(in->cols[c][a], in->cols[c][b]))
            return 0;
    }
    return 1;
}

static uint64_t row_hash(const pg_frame *in, long ts, size_t r)
{
    uint64_t h = UINT64_C(0x243F6A8885A308D3);
    for (size_t c = 0; c < in->ncols; c++) {
        if ((long)c == ts)
            continue;
        double v = in->cols[c][r];
        uint64_t b;
        if (v != v)
            b = UINT64_C(0x7ff8000000000000); /* every NaN alike */
        else if (v == 0.0)
            b = 0; /* -0.0 alike 0.0 */
        else
            memcpy(&b, &v, sizeof b);
        h = (h ^ b) * UINT64_C(0x9E3779B97F4A7C15);
        h ^= h >> 29;
    }
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h;
}

typedef struct dedup_ctx {
    const pg_frame *in;
    long ts;
    slot *table;
    size_t mask;
    size_t gen;      /* current run's stamp */
    int table_ready; /* the table is cleared lazily, on the first long run */
} dedup_ctx;

/* Appends the rows order[0..len) of one run of equal timestamps to keep,
 * skipping exact duplicates of rows already kept from the run. */
static size_t dedup_run(dedup_ctx *cx, const size_t *order, size_t len, size_t *keep, size_t k)
{
    if (len == 1) {
        keep[k++] = order[0];
        return k;
    }
    if (len <= SMALL_RUN) {
        size_t first = k;
        for (size_t i = 0; i < len; i++) {
            size_t r = order[i];
            int dup = 0;
            for (size_t q = first; q < k && !dup; q++)
                dup = rows_equal(cx->in, cx->ts, keep[q], r);
            if (!dup)
                keep[k++] = r;
        }
        return k;
    }
    if (!cx->table_ready) {
        memset(cx->table, 0, (cx->mask + 1) * sizeof(slot));
        cx->table_ready = 1;
    }
    size_t gen = ++cx->gen;
    for (size_t i = 0; i < len; i++) {
        size_t r = order[i];
        uint64_t h = row_hash(cx->in, cx->ts, r);
        size_t s = (size_t)h & cx->mask;
        int dup = 0;
        while (cx->table[s].gen == gen) {
            if (cx->table[s].hash == h && rows_equal(cx->in, cx->ts, cx->table[s].row, r)) {
                dup = 1;
                break;
            }
            s = (s + 1) & cx->mask;
        }
        if (!dup) {
            cx->table[s].hash = h;
            cx->table[s].row = r;
            cx->table[s].gen = gen;
            keep[k++] = r;
        }
    }
    return k;
}

/* np.interp(i, valid positions, valid values) for the NaN cells of x, with
 * limit_direction="both": the ends take the nearest valid value.  An
 * all-NaN column is left alone. */
static void interpolate(double *x, size_t n)
{
    size_t a = 0;
    while (a < n && isnan(x[a]))
        a++;
    if (a == n)
        return;
    for (size_t i = 0; i < a; i++)
        x[i] = x[a];
    for (;;) {
        size_t b = a + 1;
        while (b < n && !isnan(x[b]))
            b++;
        /* x[a .. b-1] valid; a NaN gap starts at b (or the column ended) */
        if (b >= n)
            return;
        a = b - 1;
        while (b < n && isnan(x[b]))
            b++;
        if (b == n) {
            for (size_t i = a + 1; i < n; i++)
                x[i] = x[a];
            return;
        }
        /* numpy's arr_interp: slope from the two neighbours, then
         * slope*(x - xa) + ya; on NaN (infinite neighbours) try from the
         * right, and if still NaN with equal neighbours, take that value. */
        double ya = x[a], yb = x[b];
        double xa = (double)a, xb = (double)b;
        double slope = (yb - ya) / (xb - xa);
        for (size_t i = a + 1; i < b; i++) {
            double xi = (double)i;
            double v = slope * (xi - xa) + ya;
            if (isnan(v)) {
                v = slope * (xi - xb) + yb;
                if (isnan(v) && ya == yb)
                    v = ya;
            }
            x[i] = v;
        }
        a = b;
    }
}

/* The usual feed's timestamps, read once: every one in range (no NaT),
 * above the one before, and none zero.  Then their keys are strictly
 * increasing (ts_key orders such values as < does) and fix_ts leaves the
 * column as it is (it changes only NaT and -0.0).  A zero or any other
 * miss only sends the caller to the exact checks.  Two lanes a step with
 * SSE2 (GCC turns the plain loop, and an OR of vector compares, into
 * scalar code with a cmov a lane: 23 % of a 10,000-row pipeline). */
static int ts_plain_increasing(const double *t, size_t n)
{
    if (!(fabs(t[0]) <= TS_LIMIT) || t[0] == 0.0)
        return 0;
    size_t i = 1;
#ifdef __SSE2__
    const __m128d lim = _mm_set1_pd(TS_LIMIT), zero = _mm_setzero_pd();
    const __m128d absm = _mm_castsi128_pd(_mm_set1_epi64x(INT64_MAX));
    __m128d bad = zero;
    for (; n - i >= 2; i += 2) {
        __m128d v = _mm_loadu_pd(t + i), p = _mm_loadu_pd(t + i - 1);
        /* the "not" compares are true for NaN */
        __m128d b = _mm_or_pd(_mm_cmpnle_pd(_mm_and_pd(v, absm), lim), _mm_cmpngt_pd(v, p));
        bad = _mm_or_pd(bad, _mm_or_pd(b, _mm_cmpeq_pd(v, zero)));
    }
    if (_mm_movemask_pd(bad) != 0)
        return 0;
#endif
    for (; i < n; i++)
        if (!(fabs(t[i]) <= TS_LIMIT) || !(t[i] > t[i - 1]) || t[i] == 0.0)
            return 0;
    return 1;
}

/* True when every timestamp's key is above the previous one. */
static int strictly_increasing(const double *t, size_t n)
{
    uint64_t prev = ts_key(t[0]);
    for (size_t i = 1; i < n; i++) {
        uint64_t k = ts_key(t[i]);
        if (k <= prev)
            return 0;
        prev = k;
    }
    return 1;
}

/* Steps 1-2 in general: sort by ts (if any) and drop duplicates.  Writes the
 * kept source rows, in output order, to keep; returns how many. */
static size_t sort_and_dedup(const pg_frame *in, long ts, size_t n, uint64_t *keys, uint64_t *keys2,
                             size_t *idx, size_t *idx2, size_t *keep, size_t (*hist)[256],
                             slot *table)
{
    dedup_ctx cx = { in, ts, table, table_size(n) - 1, 0, 0 };
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    if (ts < 0) /* no timestamps: the whole frame is one run */
        return dedup_run(&cx, idx, n, keep, 0);

    const double *t = in->cols[ts];
    int sorted = 1;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = ts_key(t[i]);
        keys[i] = k;
        sorted &= k >= prev;
        prev = k;
    }
    const size_t *order = idx;
    if (!sorted && radix_sort(keys, idx, keys2, idx2, n, hist)) {
        keys = keys2;
        order = idx2;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && keys[j] == keys[i])
            j++;
        kept = dedup_run(&cx, order + i, j - i, keep, kept);
        i = j;
    }
    return kept;
}

/* dst[i] = src[rows[i]] (src[i] when rows is NULL) for i < k; returns
 * whether any NaN was copied, so clean columns skip interpolation. */
static int gather(const double *src, const size_t *rows, size_t k, double *dst)
{
    int any = 0;
    if (rows == NULL) {
        /* Four lanes at a time (GCC leaves the scalar form unvectorised).
         * v * 0 is NaN for NaN and for +-inf: an infinite value only
         * costs a needless interpolation scan, which fills NaN cells. */
        typedef double v2d __attribute__((vector_size(16))); /* SSE2's width */
        v2d acc0 = { 0.0, 0.0 }, acc1 = { 0.0, 0.0 };
        size_t i = 0;
        for (; k - i >= 4; i += 4) {
            v2d v0, v1;
            memcpy(&v0, src + i, sizeof v0);
            memcpy(&v1, src + i + 2, sizeof v1);
            memcpy(dst + i, &v0, sizeof v0);
            memcpy(dst + i + 2, &v1, sizeof v1);
            acc0 += v0 * 0.0;
            acc1 += v1 * 0.0;
        }
        acc0 += acc1;
        any = !(acc0[0] + acc0[1] == 0.0);
        for (; i < k; i++) {
            double v = src[i];
            dst[i] = v;
            any |= v != v;
        }
    } else {
        for (size_t i = 0; i < k; i++) {
            double v = src[rows[i]];
            dst[i] = v;
            any |= v != v;
        }
    }
    return any;
}

/* The timestamp column comes back as pandas writes datetimes as epoch
 * seconds: NaT as NaN, -0.0 as the epoch. */
static void fix_ts(double *t, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        if (ts_is_nat(t[i]))
            t[i] = NAN;
        else if (t[i] == 0.0)
            t[i] = 0.0;
    }
}

/* Whether normalize would copy column src (k rows, in order) unchanged:
 * no NaN to interpolate; for ts, no NaT and no -0.0 for fix_ts to turn
 * into NaN or +0.0.  Read only, four lanes at a time. */
static int column_unchanged(const double *src, size_t k, int is_ts)
{
    size_t i = 0;
    if (!is_ts) {
#ifdef __SSE2__
        __m128d acc = _mm_setzero_pd();
        for (; k - i >= 4; i += 4) {
            __m128d v0 = _mm_loadu_pd(src + i), v1 = _mm_loadu_pd(src + i + 2);
            acc = _mm_or_pd(acc, _mm_or_pd(_mm_cmpunord_pd(v0, v0), _mm_cmpunord_pd(v1, v1)));
        }
        int any = _mm_movemask_pd(acc) != 0; /* NaN only: inf is kept as is */
#else
        int any = 0;
#endif
        for (; i < k; i++)
            any |= src[i] != src[i];
        return !any;
    }
    for (; i < k; i++) {
        double t = src[i];
        if (ts_is_nat(t) || (t == 0.0 && signbit(t)))
            return 0;
    }
    return 1;
}

static int normalize(const pg_frame *in, const char *ts_col, pg_frame *out, void *scratch,
                     size_t scratch_size, int view)
{
    if (in == NULL || out == NULL || out->ncols != in->ncols)
        return PG_EINVAL;
    if (in->nrows > 0 && in->ncols > 0 && (in->cols == NULL || out->cols == NULL))
        return PG_EINVAL;
    for (size_t c = 0; in->nrows > 0 && c < in->ncols; c++) {
        if (in->cols[c] == NULL || out->cols[c] == NULL)
            return PG_EINVAL;
    }
    size_t n = in->nrows;
    if (scratch_size < pg_normalize_scratch_size(n, in->ncols) || (scratch == NULL && n > 0))
        return PG_EINVAL;
    out->nrows = 0;
    if (n == 0 || in->ncols == 0) {
        /* nothing to write (a frame without columns is empty to pandas) */
        return PG_OK;
    }

    pg_arena ar;
    pg_arena_init(&ar, scratch, scratch_size);
    uint64_t *keys = pg_arena_take(&ar, n * sizeof *keys);
    uint64_t *keys2 = pg_arena_take(&ar, n * sizeof *keys2);
    size_t *idx = pg_arena_take(&ar, n * sizeof *idx);
    size_t *idx2 = pg_arena_take(&ar, n * sizeof *idx2);
    size_t *keep = pg_arena_take(&ar, n * sizeof *keep);
    size_t(*hist)[256] = pg_arena_take(&ar, 8 * 256 * sizeof(size_t));
    slot *table = pg_arena_take(&ar, table_size(n) * sizeof(slot));
    if (table == NULL)
        return PG_EINVAL;

    long ts = pg_frame_find(in, ts_col);
    size_t k = n;
    const size_t *rows = NULL; /* kept source rows; NULL: all, in order */
    /* Strictly increasing timestamps (the usual feed) need neither a sort
     * nor a duplicate scan: every row differs in ts. */
    int ts_plain = ts >= 0 && ts_plain_increasing(in->cols[ts], n);
    if (ts < 0 || !(ts_plain || strictly_increasing(in->cols[ts], n))) {
        k = sort_and_dedup(in, ts, n, keys, keys2, idx, idx2, keep, hist, table);
        rows = keep;
    }
    for (size_t c = 0; c < in->ncols; c++) {
        if (view && rows == NULL &&
            (((long)c == ts && ts_plain) || column_unchanged(in->cols[c], k, (long)c == ts))) {
            out->cols[c] = in->cols[c];
            continue;
        }
        int any_nan = gather(in->cols[c], rows, k, out->cols[c]);
        if ((long)c == ts)
            fix_ts(out->cols[c], k);
        else if (any_nan)
            interpolate(out->cols[c], k);
    }
    out->nrows = k;
    return PG_OK;
}

int pg_normalize(const pg_frame *in, const char *ts_col, pg_frame *out, void *scratch,
                 size_t scratch_size)
{
    return normalize(in, ts_col, out, scratch, scratch_size, 0);
}

int pg_normalize_view(const pg_frame *in, const char *ts_col, pg_frame *out, void *scratch,
                      size_t scratch_size)
{
    return normalize(in, ts_col, out, scratch, scratch_size, 1);
}
