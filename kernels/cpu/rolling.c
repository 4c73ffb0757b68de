/*
 * rolling.c - pandas rolling(w, min_periods=w) mean and sample std, O(n),
 * and the features built on them: sma_w, volatility_w, volume_z
 * (KERNELS.md section 1, "Rolling window w").
 *
 * One streaming pass keeps, over the valid (finite) values of the window:
 *   cnt   how many there are (the output is NaN unless cnt == w);
 *   sum   their plain sum (the mean);
 *   s1,s2 sums of (x-K) and (x-K)^2 with K the window's mean when the
 *         sums were last rebuilt, so the variance (s2 - s1^2/w)/(w-1) does
 *         not cancel catastrophically when the mean is large against the
 *         spread (a rebuild is also forced when the mean drifts from K);
 *   neg   how many are negative (pandas' sign clamp of the mean);
 *   brk   how many neighbouring pairs in the window differ: 0 means every
 *         value is the same, and then pandas returns exactly that value
 *         (mean) or exactly 0 (std).
 * Every max(PGF_ROLL_BLOCK, w) rows, at absolute row positions, the sums
 * are rebuilt from the window itself.  That bounds add/remove drift (and
 * lets K follow a trending series) for at most one extra pass over the data,
 * and makes row i's output independent of how long the input is.
 *
 * The values come through a small cursor so that volatility_w can take the
 * returns of the price on the fly, without a scratch column.
 */
#include <math.h>
#include <stddef.h>

#include "features_internal.h"
#include "pg_kernels.h"

enum { ROLL_MEAN = 1, ROLL_STD = 2, ROLL_Z = 3 };

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

static inline void roll_core(const double *x, size_t n, size_t w, int is_ret, int mode,
                             double *out)
{
    const size_t first = w - 1;
    const size_t block = w > PGF_ROLL_BLOCK ? w : PGF_ROLL_BLOCK;
    const int want_mean = mode != ROLL_STD;
    const int want_std = mode != ROLL_MEAN;

    for (size_t i = 0; i < n && i < first; i++)
        out[i] = NAN;
    if (first >= n)
        return;

    cursor trail = { x, 0, NAN };
    cursor lead;
    double tprev = 0.0, lprev = 0.0;
    roll_acc a;

    for (size_t lo = first; lo < n;) {
        size_t hi = (lo / block + 1) * block;
        if (hi > n)
            hi = n;

        /* Rebuild the sums over the window lo-w+1 .. lo.  The trail cursor
         * stands at lo-w+1.  For the std the shift K is the window's mean
         * (a first pass), so s2 holds little more than the spread. */
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
        a = (roll_acc){ 0.0, 0.0, 0.0, k, 0, 0, 0 };
        double v = 0.0, prev = 0.0;
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
        lead = walk; /* at lo+1 */
        lprev = v;
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
                5.0 * a.s1 * a.s1 > 4.0 * (double)w * a.s2) {
                hi = i + 1;
                break;
            }
        }
        lo = hi;
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
