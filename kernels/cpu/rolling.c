/*
 * rolling.c - pandas rolling(w, min_periods=w) mean and sample std, O(n),
 * and the features built on them: sma_w, volatility_w, volume_z
 * (KERNELS.md section 1, "Rolling window w").
 *
 * Rows are cut into blocks at absolute positions (multiples of
 * max(PGF_ROLL_BLOCK, w)); at the start of each block the sums are rebuilt
 * from the window itself.  That bounds the add/remove drift to one block and
 * makes row i's output independent of how long the input is.  Each block
 * runs one of two paths, chosen from data at or before the row where it
 * starts, so the choice is prefix-invariant too:
 *
 * - fast path (rolling_fast): the window at the block start is all finite
 *   (and, for a mean, all of one sign).  Four rows at a time, the change of
 *   each running sum (x_in - x_out, and the shifted squares for the std) is
 *   prefix-summed inside a four-lane vector and added to a carried total,
 *   so the loop-carried dependency is one add per four rows instead of one
 *   per row.  pandas' same-value rule is kept with the length of the run of
 *   equal values ending at each row (the window is all one value iff the
 *   run is >= w); the sign clamp of the mean is a lane-wise select.  The
 *   first non-finite (or, for a mean, wrong-sign) value ends the fast path
 *   at that very row, and the careful path takes over from there.
 *
 * - careful path (rolling_careful): one row at a time, keeping over the
 *   valid (finite) values of the window:
 *   cnt   how many there are (the output is NaN unless cnt == w);
 *   sum   their plain sum (the mean);
 *   s1,s2 sums of (x-K) and (x-K)^2 with K the window's mean when the
 *         sums were last rebuilt, so the variance (s2 - s1^2/w)/(w-1) does
 *         not cancel catastrophically when the mean is large against the
 *         spread;
 *   neg   how many are negative (pandas' sign clamp of the mean);
 *   brk   how many neighbouring pairs in the window differ: 0 means every
 *         value is the same, and then pandas returns exactly that value
 *         (mean) or exactly 0 (std).
 *
 * Both paths rebuild early (at the next row or group of rows) when a std's
 * window mean has drifted far from K, so a trending series does not cancel.
 *
 * volatility_w takes the returns of the price through a small cursor (the
 * careful path) or a stack buffer of one block's returns (the fast path),
 * with no scratch column.  The fast path of a std is limited to windows of
 * at most FAST_STD_MAX_W rows (the buffer's size), for rolling_std as well,
 * so that volatility_w and rolling_std(return_1) stay bit-identical.
 */
#include <math.h>
#include <stddef.h>

#include "features_internal.h"
#include "pg_kernels.h"

enum { ROLL_MEAN = 1, ROLL_STD = 2, ROLL_Z = 3 };

/* Largest window of a std that takes the fast path (see the top). */
#define FAST_STD_MAX_W 1024

/* Sequential reader of x (is_ret = 0) or of return_1 of the price x
 * (is_ret = 1: pct_change with pad fill, r_0 = NaN). */
typedef struct cursor {
    const double *x;
    size_t j;
    double last; /* return mode: forward-filled price at j-1, NaN before any */
} cursor;

static inline double cursor_next(cursor *c, int is_ret)
{
    double v = c->x[c->j++];
    if (!is_ret)
        return v;
    double cur = v != v ? c->last : v;
    double r = cur / c->last - 1.0;
    c->last = cur;
    return r;
}

typedef struct roll_acc {
    double sum, s1, s2, k;
    size_t cnt, neg, brk;
} roll_acc;

static inline double mean_of(const roll_acc *a, size_t w, double v)
{
    if (a->brk == 0)
        return v; /* every value equal: exactly that value */
    double m = a->sum / (double)w;
    if (a->neg == 0 && m < 0.0)
        m = 0.0;
    else if (a->neg == w && m > 0.0)
        m = 0.0;
    return m;
}

static inline double std_of(const roll_acc *a, size_t w)
{
    if (w < 2)
        return NAN; /* ddof = 1 */
    if (a->brk == 0)
        return 0.0;
    double dw = (double)w;
    double var = (a->s2 - a->s1 * a->s1 / dw) / (dw - 1.0);
    return var > 0.0 ? sqrt(var) : 0.0;
}

static inline double emit(const roll_acc *a, size_t w, double v, int mode)
{
    if (a->cnt != w)
        return NAN;
    if (mode == ROLL_MEAN)
        return mean_of(a, w, v);
    if (mode == ROLL_STD)
        return std_of(a, w);
    return (v - mean_of(a, w, v)) / std_of(a, w);
}

/* Advance a cursor by m rows without reading the returns: only the
 * forward-filled price (the last non-NaN value) has to follow. */
static inline void cursor_skip(cursor *c, size_t m, int is_ret)
{
    size_t end = c->j + m;
    if (is_ret) {
        for (size_t k = end; k > c->j; k--) {
            double v = c->x[k - 1];
            if (v == v) {
                c->last = v;
                break;
            }
        }
    }
    c->j = end;
}

/* One block [lo, hi) the careful way; trail stands at row lo-w+1.  Returns
 * the row where the next block starts (hi, or earlier for a rebuild). */
static inline size_t rolling_careful(cursor trail, size_t w, size_t lo, size_t hi, int is_ret,
                                     int mode, double *out)
{
    const int want_mean = mode != ROLL_STD;
    const int want_std = mode != ROLL_MEAN;

    /* Rebuild the sums over the window lo-w+1 .. lo.  For the std the shift
     * K is the window's mean (a first pass), so s2 holds little more than
     * the spread. */
    double k = 0.0;
    if (want_std) {
        cursor walk = trail;
        double s = 0.0;
        size_t c = 0;
        for (size_t j = 0; j < w; j++) {
            double v = cursor_next(&walk, is_ret);
            if (isfinite(v)) {
                s += v;
                c++;
            }
        }
        if (c > 0)
            k = s / (double)c;
    }
    cursor walk = trail;
    roll_acc a = { 0.0, 0.0, 0.0, k, 0, 0, 0 };
    double v = 0.0, prev = 0.0, tprev = 0.0;
    for (size_t j = 0; j < w; j++) {
        v = cursor_next(&walk, is_ret);
        if (j == 0) {
            tprev = v;
            trail = walk; /* now at lo-w+2 */
        } else {
            a.brk += !(v == prev);
        }
        prev = v;
        if (isfinite(v)) {
            a.cnt++;
            a.sum += v;
            a.neg += signbit(v) != 0;
            double d = v - k;
            a.s1 += d;
            a.s2 += d * d;
        }
    }
    cursor lead = walk; /* at lo+1 */
    double lprev = v;
    out[lo] = emit(&a, w, v, mode);

    /* Slide: row i adds x_i and drops x_{i-w}. */
    for (size_t i = lo + 1; i < hi; i++) {
        double vin = cursor_next(&lead, is_ret);
        double vout = tprev;
        double tnew = cursor_next(&trail, is_ret);
        a.brk = a.brk + (size_t)!(vin == lprev) - (size_t)!(tnew == vout);
        lprev = vin;
        tprev = tnew;
        int fin = isfinite(vin) != 0, fout = isfinite(vout) != 0;
        a.cnt = a.cnt + (size_t)fin - (size_t)fout;
        if (want_mean) {
            double ai = fin ? vin : 0.0, ao = fout ? vout : 0.0;
            a.sum += ai - ao;
            a.neg = a.neg + (size_t)(fin && signbit(vin)) - (size_t)(fout && signbit(vout));
        }
        if (want_std) {
            double di = fin ? vin - k : 0.0, dout = fout ? vout - k : 0.0;
            a.s1 += di - dout;
            a.s2 += di * di - dout * dout;
        }
        out[i] = emit(&a, w, vin, mode);
        /* A series that trends away from K makes s2 large against the
         * spread and the variance cancel.  When the window's mean has
         * moved more than ~2 std from K (5 s1^2 > 4 w s2), rebuild at the
         * next row, at most once every w rows (amortised O(1)). */
        if (want_std && i - lo >= w && a.cnt == w &&
            5.0 * a.s1 * a.s1 > 4.0 * (double)w * a.s2)
            return i + 1;
    }
    return hi;
}

/* Sign class of a fast block's values: the mean is clamped to >= 0 (all
 * non-negative) or <= 0 (all negative); a mixed window goes the careful way. */
enum { SIGN_POS = 0, SIGN_NEG = 1, SIGN_MIXED = 2 };

/* Whether the window a[0..w-1] may start a fast block; *cls gets its sign
 * class.  Vectorised: NaN-propagating x*0 for finiteness, OR/AND of the
 * bits for the signs. */
PGF_INLINE int window_clean(const double *a, size_t w, int *cls)
{
    pgf_v4d fin = pgf_bcast(0.0);
    pgf_v4i or_bits = { 0, 0, 0, 0 }, and_bits = { -1, -1, -1, -1 };
    size_t j = 0;
    for (; j + 4 <= w; j += 4) {
        pgf_v4d v = pgf_load4(a + j);
        fin += v * 0.0;
        or_bits |= (pgf_v4i)v;
        and_bits &= (pgf_v4i)v;
    }
    double f = fin[0] + fin[1] + fin[2] + fin[3];
    int64_t o = or_bits[0] | or_bits[1] | or_bits[2] | or_bits[3];
    int64_t n = and_bits[0] & and_bits[1] & and_bits[2] & and_bits[3];
    for (; j < w; j++) {
        int64_t b;
        memcpy(&b, a + j, sizeof b);
        f += a[j] * 0.0;
        o |= b;
        n &= b;
    }
    *cls = o >= 0 ? SIGN_POS : n < 0 ? SIGN_NEG : SIGN_MIXED;
    return f == 0.0;
}

/* The fast block: rows [lo, hi) of the values a[j - base] (row j).  The
 * window at lo must be clean (window_clean) and, for a mean, of sign class
 * cls != SIGN_MIXED.  Returns the next block's start: hi; the row of the
 * first value that is not finite (or of the wrong sign); or the row after
 * a group whose std drifted (rebuild). */
PGF_INLINE size_t rolling_fast_body(const double *a, size_t base, size_t w, size_t lo,
                                    size_t hi, int mode, int cls, double *out)
{
    const int want_mean = mode != ROLL_STD;
    const int want_std = mode != ROLL_MEAN;
    const double dw = (double)w;
    const double inv_w = 1.0 / dw;
    const double inv_wm1 = 1.0 / (dw - 1.0);
#define ROW(j) (a[(j) - base])

    /* Rebuild at lo: plain sums over the window, K = its mean. */
    const double *win = &ROW(lo + 1 - w);
    pgf_v4d acc = pgf_bcast(0.0);
    size_t j = 0;
    for (; j + 4 <= w; j += 4)
        acc += pgf_load4(win + j);
    double sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; j < w; j++)
        sum += win[j];
    double k = sum / dw;
    double s1 = 0.0, s2 = 0.0;
    if (want_std) {
        pgf_v4d a1 = pgf_bcast(0.0), a2 = pgf_bcast(0.0), kk = pgf_bcast(k);
        for (j = 0; j + 4 <= w; j += 4) {
            pgf_v4d d = pgf_load4(win + j) - kk;
            a1 += d;
            a2 += d * d;
        }
        s1 = (a1[0] + a1[1]) + (a1[2] + a1[3]);
        s2 = (a2[0] + a2[1]) + (a2[2] + a2[3]);
        for (; j < w; j++) {
            double d = win[j] - k;
            s1 += d;
            s2 += d * d;
        }
    }
    /* Run of equal values ending at lo (capped at w). */
    size_t run = 1;
    while (run < w && ROW(lo - run) == ROW(lo - run + 1))
        run++;

    const pgf_v4d vzero = pgf_bcast(0.0);
    pgf_v4d csum = pgf_bcast(sum), c1 = pgf_bcast(s1), c2 = pgf_bcast(s2);
    const pgf_v4d kk = pgf_bcast(k), vinv_w = pgf_bcast(inv_w), vinv_wm1 = pgf_bcast(inv_wm1);

    /* Row lo itself, from the rebuilt sums. */
    {
        double v = ROW(lo);
        double m = run >= w ? v : sum * inv_w;
        if (run < w) {
            if (cls == SIGN_POS && m < 0.0)
                m = 0.0;
            else if (cls == SIGN_NEG && m > 0.0)
                m = 0.0;
        }
        double var = (s2 - s1 * s1 * inv_w) * inv_wm1;
        double sd = run >= w ? 0.0 : (var > 0.0 ? sqrt(var) : 0.0);
        out[lo] = mode == ROLL_MEAN ? m : mode == ROLL_STD ? sd : (v - m) / sd;
    }

    for (size_t i = lo + 1; i < hi; i += 4) {
        size_t m = hi - i < 4 ? hi - i : 4;
        pgf_v4d vin = pgf_load4_part(&ROW(i), m);
        pgf_v4d vout = pgf_load4_part(&ROW(i - w), m);
        pgf_v4d vprev = pgf_load4_part(&ROW(i - 1), m);

        /* Lanes that end the fast path: not finite, or (mean) the wrong
         * sign.  Padding lanes are 0: finite, and of either sign class. */
        pgf_v4i bad = (vin * 0.0) != vzero;
        if (want_mean) {
            if (cls == SIGN_POS)
                bad |= ((pgf_v4i)vin) < 0;
            else
                bad |= ((pgf_v4i)vin) >= 0;
            if (m < 4) /* padding lanes are never bad */
                for (size_t q = m; q < 4; q++)
                    bad[q] = 0;
        }
        size_t good = m;
        if (pgf_any(bad)) {
            good = 0;
            while (!bad[good])
                good++;
        }

        pgf_v4d res;
        pgf_v4d mean = vzero, sd = vzero;
        if (want_mean) {
            pgf_v4d d = vin - vout;
            pgf_v4d sc = pgf_scan4(d);
            pgf_v4d s = csum + sc;
            csum += pgf_bcast(sc[3]);
            mean = s * vinv_w;
            if (cls == SIGN_POS)
                mean = pgf_select(mean < vzero, vzero, mean);
            else
                mean = pgf_select(mean > vzero, vzero, mean);
        }
        pgf_v4d v1 = vzero, v2 = vzero;
        if (want_std) {
            pgf_v4d di = vin - kk, dout = vout - kk;
            pgf_v4d sc1 = pgf_scan4(di - dout);
            pgf_v4d sc2 = pgf_scan4(di * di - dout * dout);
            v1 = c1 + sc1;
            v2 = c2 + sc2;
            c1 += pgf_bcast(sc1[3]);
            c2 += pgf_bcast(sc2[3]);
            pgf_v4d var = (v2 - v1 * v1 * vinv_w) * vinv_wm1;
            var = pgf_select(var > vzero, var, vzero);
            for (int q = 0; q < 4; q++)
                sd[q] = __builtin_sqrt(var[q]);
        }

        /* pandas' same-value rule: lanes whose run of equal values covers
         * the window give exactly the value (mean) and exactly 0 (std). */
        pgf_v4i eq = vin == vprev;
        pgf_v4i same = { 0, 0, 0, 0 };
        if (pgf_any(eq)) {
            for (size_t q = 0; q < 4; q++) {
                run = eq[q] ? run + 1 : 1;
                same[q] = run >= w ? -1 : 0;
            }
            if (want_mean)
                mean = pgf_select(same, vin, mean);
            if (want_std)
                sd = pgf_select(same, vzero, sd);
        } else {
            run = 1;
        }

        if (mode == ROLL_MEAN)
            res = mean;
        else if (mode == ROLL_STD)
            res = sd;
        else
            res = (vin - mean) / sd;

        pgf_store4_part(&out[i], res, good);
        if (good < m)
            return i + good;
        /* Drift: the window mean moved ~2 std from K (see the careful
         * path); rebuild after this group, at most once every w rows. */
        if (want_std && i + m - 1 - lo >= w &&
            5.0 * v1[m - 1] * v1[m - 1] > 4.0 * dw * v2[m - 1])
            return i + m;
    }
#undef ROW
    return hi;
}

static size_t rolling_fast_base(const double *a, size_t base, size_t w, size_t lo, size_t hi,
                                int mode, int cls, double *out)
{
    return rolling_fast_body(a, base, w, lo, hi, mode, cls, out);
}

#if PGF_HAVE_AVX2_CLONE
PGF_TARGET_AVX2 static size_t rolling_fast_avx2(const double *a, size_t base, size_t w,
                                                size_t lo, size_t hi, int mode, int cls,
                                                double *out)
{
    return rolling_fast_body(a, base, w, lo, hi, mode, cls, out);
}
#endif

typedef size_t (*rolling_fast_fn)(const double *, size_t, size_t, size_t, size_t, int, int,
                                  double *);

static inline void roll_core(const double *x, size_t n, size_t w, int is_ret, int mode,
                             double *out)
{
    const size_t first = w - 1;
    const size_t block = w > PGF_ROLL_BLOCK ? w : PGF_ROLL_BLOCK;
    const int want_mean = mode != ROLL_STD;

    for (size_t i = 0; i < n && i < first; i++)
        out[i] = NAN;
    if (first >= n)
        return;

    /* The fast path needs w >= 2 (a window of one is all the same value)
     * and, for a std, a window that fits the returns buffer. */
    int fast_ok = w >= 2 && (mode != ROLL_STD || w <= FAST_STD_MAX_W);
    rolling_fast_fn fast = rolling_fast_base;
#if PGF_HAVE_AVX2_CLONE
    if (pgf_use_avx2())
        fast = rolling_fast_avx2;
#endif
    double rbuf[2 * FAST_STD_MAX_W];

    cursor trail = { x, 0, NAN }; /* at lo-w+1 */
    for (size_t lo = first; lo < n;) {
        size_t hi = (lo / block + 1) * block;
        if (hi > n)
            hi = n;
        size_t next;
        int cls = SIGN_MIXED;
        if (fast_ok && !is_ret && window_clean(x + lo + 1 - w, w, &cls) &&
            (!want_mean || cls != SIGN_MIXED)) {
            next = fast(x, 0, w, lo, hi, mode, cls, out);
        } else if (fast_ok && is_ret) {
            /* Returns of rows lo-w+1 .. hi-1 into the buffer. */
            cursor walk = trail;
            size_t base = lo + 1 - w;
            for (size_t j = base; j < hi; j++)
                rbuf[j - base] = cursor_next(&walk, 1);
            if (window_clean(rbuf, w, &cls))
                next = fast(rbuf, base, w, lo, hi, mode, cls, out);
            else
                next = rolling_careful(trail, w, lo, hi, is_ret, mode, out);
        } else {
            next = rolling_careful(trail, w, lo, hi, is_ret, mode, out);
        }
        cursor_skip(&trail, next - lo, is_ret);
        lo = next;
    }
}

void pgf_rolling_mean_run(const double *x, size_t n, size_t w, double *out)
{
    roll_core(x, n, w, 0, ROLL_MEAN, out);
}

void pgf_rolling_std_run(const double *x, size_t n, size_t w, double *out)
{
    roll_core(x, n, w, 0, ROLL_STD, out);
}

void pgf_volatility_run(const double *price, size_t n, size_t w, double *out)
{
    roll_core(price, n, w, 1, ROLL_STD, out);
}

void pgf_volume_z_run(const double *v, size_t n, size_t w, double *out)
{
    roll_core(v, n, w, 0, ROLL_Z, out);
}

static int check(const double *x, size_t n, size_t window, const double *out)
{
    if (window < 1)
        return PG_EINVAL;
    if (n > 0 && (x == NULL || out == NULL))
        return PG_EINVAL;
    return PG_OK;
}

int pg_rolling_mean(const double *x, size_t n, size_t window, double *out)
{
    int rc = check(x, n, window, out);
    if (rc == PG_OK)
        pgf_rolling_mean_run(x, n, window, out);
    return rc;
}

int pg_rolling_std(const double *x, size_t n, size_t window, double *out)
{
    int rc = check(x, n, window, out);
    if (rc == PG_OK)
        pgf_rolling_std_run(x, n, window, out);
    return rc;
}

int pg_sma(const double *price, size_t n, size_t window, double *out)
{
    return pg_rolling_mean(price, n, window, out);
}

int pg_volatility(const double *price, size_t n, size_t window, double *out)
{
    int rc = check(price, n, window, out);
    if (rc == PG_OK)
        pgf_volatility_run(price, n, window, out);
    return rc;
}

int pg_volume_z(const double *volume, size_t n, size_t window, double *out)
{
    int rc = check(volume, n, window, out);
    if (rc == PG_OK)
        pgf_volume_z_run(volume, n, window, out);
    return rc;
}
