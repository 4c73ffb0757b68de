/*
 * micro.c - the element-wise features and the microstructure regressions of
 * TradePulse's feature pipeline (KERNELS.md section 1): return_1,
 * price_range, log_volume, queue_imbalance, kyles_lambda_M, hasbrouck_M.
 *
 * Kyle's lambda and Hasbrouck's measure are the OLS slope of return_1 on
 * (transformed) signed volume over the last M rows, using the pairs where
 * both are finite.  TradePulse re-centres every window; here the sums
 * k, sum q, sum r, sum q^2, sum q*r slide in O(1) a row, shifted by the
 * window's means so the centred moments do not cancel badly, and are rebuilt
 * from the window every max(PGF_ROLL_BLOCK, M) rows (absolute positions).
 *
 * TradePulse returns 0 when the centred q are all exactly 0, i.e. when every
 * kept q in the window is the same value (with an exactly representable
 * mean, as in every golden case).  Sliding sums cannot see that exactly, so
 * the kernel counts, among the kept pairs of the window, how many q differ
 * from the kept q before them (ignoring the window's first kept pair).
 */
#include <math.h>
#include <stddef.h>

#include "features_internal.h"
#include "pg_kernels.h"

void pgf_return_1_run(const double *price, size_t n, double *out)
{
    /* pct_change(fill_method='pad'): forward-fill NaN (not inf), then
     * p'_t / p'_{t-1} - 1; leading NaNs stay NaN. */
    double last = NAN;
    for (size_t t = 0; t < n; t++) {
        double v = price[t];
        double cur = v != v ? last : v;
        out[t] = cur / last - 1.0;
        last = cur;
    }
}

int pg_return_1(const double *price, size_t n, double *out)
{
    if (n > 0 && (price == NULL || out == NULL))
        return PG_EINVAL;
    pgf_return_1_run(price, n, out);
    return PG_OK;
}

void pgf_price_range_run(const double *high, const double *low, size_t n, double *out)
{
    for (size_t t = 0; t < n; t++)
        out[t] = high[t] - low[t];
}

int pg_price_range(const double *high, const double *low, size_t n, double *out)
{
    if (n > 0 && (high == NULL || low == NULL || out == NULL))
        return PG_EINVAL;
    pgf_price_range_run(high, low, n, out);
    return PG_OK;
}

void pgf_log_volume_run(const double *v, size_t n, double *out)
{
    /* ln(v) with v == 0 taken as missing; v < 0 gives NaN (not -inf). */
    for (size_t t = 0; t < n; t++) {
        double x = v[t];
        out[t] = x > 0.0 ? log(x) : NAN; /* 0, negative and NaN */
    }
}

int pg_log_volume(const double *volume, size_t n, double *out)
{
    if (n > 0 && (volume == NULL || out == NULL))
        return PG_EINVAL;
    pgf_log_volume_run(volume, n, out);
    return PG_OK;
}

void pgf_queue_imbalance_run(const double *bid, const double *ask, size_t n, double *out)
{
    for (size_t t = 0; t < n; t++) {
        double s = bid[t] + ask[t];
        out[t] = s == 0.0 ? 0.0 : (bid[t] - ask[t]) / s;
    }
}

int pg_queue_imbalance(const double *bid, const double *ask, size_t n, double *out)
{
    if (n > 0 && (bid == NULL || ask == NULL || out == NULL))
        return PG_EINVAL;
    pgf_queue_imbalance_run(bid, ask, n, out);
    return PG_OK;
}

/* ---------------------------------------------------------------------- */
/* Kyle / Hasbrouck                                                        */
/* ---------------------------------------------------------------------- */

/* Hasbrouck's q -> sign(q) sqrt(|q|), sign(0) = 0, NaN stays NaN.
 * copysign(sqrt|q|, q) gives the same bits (q for 0, -0 and NaN) without
 * a branch on the sign of q, which signed volume flips at random. */
static inline double signed_sqrt(double q)
{
    return copysign(sqrt(fabs(q)), q);
}

static inline double tq_of(double q, int hasbrouck)
{
    return hasbrouck ? signed_sqrt(q) : q;
}

typedef struct micro_acc {
    double kq, kr;            /* shifts: the window means at the last rebuild */
    double sq, sr, sqq, sqr;  /* sums of shifted q, r, q^2, q*r over kept pairs */
    size_t k;                 /* kept pairs in the window */
    size_t first;             /* index of the window's first kept pair (k > 0) */
    size_t diff;              /* kept pairs, other than the first, whose q differs
                                 from the previous kept q */
    double last_q;            /* the most recent kept q (transformed) */
} micro_acc;

static inline double micro_emit(const micro_acc *a)
{
    if (a->k == 0)
        return NAN;
    if (a->diff == 0)
        return 0.0; /* every centred q is exactly 0: TradePulse's guard */
    /* One division for 1/k instead of two by k (well inside the 1e-8
     * tolerance: the sums are shifted by the window means, so these
     * products are small corrections). */
    double ik = 1.0 / (double)a->k;
    double den = a->sqq - a->sq * a->sq * ik;
    if (!(den > 0.0))
        return 0.0;
    return (a->sqr - a->sq * a->sr * ik) / den;
}

static inline void micro_add(micro_acc *a, size_t j, double r, double q)
{
    if (a->k == 0)
        a->first = j;
    else
        a->diff += !(q == a->last_q);
    a->last_q = q;
    a->k++;
    double dq = q - a->kq, dr = r - a->kr;
    a->sq += dq;
    a->sr += dr;
    a->sqq += dq * dq;
    a->sqr += dq * dr;
}

/* Rows [lo, hi) of one block (lo: the block's first row, where the sums are
 * rebuilt).  q is read as Q(j) = q[j - base] for rows j >= lo+1-w; with
 * hasbrouck set it is transformed on the fly. */
PGF_INLINE void micro_block(const double *ret, const double *q, size_t base, size_t w,
                            size_t lo, size_t hi, int hasbrouck, double *out)
{
#define Q(j) tq_of(q[(j) - base], hasbrouck)
    micro_acc a;
    /* Rebuild over lo-w+1 .. lo, shifted by the window's means so the
     * centred sums lose as little as the re-centring TradePulse does. */
    double mq = 0.0, mr = 0.0;
    size_t kept = 0;
    for (size_t j = lo + 1 - w; j <= lo; j++) {
        double r = ret[j], tq = Q(j);
        if (isfinite(r) && isfinite(tq)) {
            mq += tq;
            mr += r;
            kept++;
        }
    }
    a = (micro_acc){ 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0.0 };
    if (kept > 0) {
        a.kq = mq / (double)kept;
        a.kr = mr / (double)kept;
    }
    for (size_t j = lo + 1 - w; j <= lo; j++) {
        double r = ret[j], tq = Q(j);
        if (isfinite(r) && isfinite(tq))
            micro_add(&a, j, r, tq);
    }
    out[lo] = micro_emit(&a);
    size_t cached_row = (size_t)-1; /* a row whose tq is in cached_tq */
    double cached_tq = 0.0;

    for (size_t i = lo + 1; i < hi; i++) {
        /* Drop row i-w. */
        size_t o = i - w;
        /* The dropped row's tq was computed one row ago, as the next
         * first pair's: reuse it (one sqrt a row less for Hasbrouck). */
        double ro = ret[o], qo = o == cached_row ? cached_tq : Q(o);
        if (isfinite(ro) && isfinite(qo)) {
            /* A kept pair leaving is always the window's first one. */
            a.k--;
            double dq = qo - a.kq, dr = ro - a.kr;
            a.sq -= dq;
            a.sr -= dr;
            a.sqq -= dq * dq;
            a.sqr -= dq * dr;
            if (a.k == 0) {
                a.diff = 0;
            } else {
                /* The next kept pair (within o+1 .. i-1) becomes first;
                 * its q was compared with qo, so drop that comparison. */
                size_t f = o + 1;
                double tf = 0.0;
                for (;; f++) {
                    tf = Q(f);
                    if (isfinite(ret[f]) && isfinite(tf))
                        break;
                }
                a.first = f;
                a.diff -= !(tf == qo);
                cached_row = f;
                cached_tq = tf;
            }
        }
        /* Add row i. */
        double ri = ret[i], qi = Q(i);
        if (isfinite(ri) && isfinite(qi))
            micro_add(&a, i, ri, qi);
        out[i] = micro_emit(&a);
    }
#undef Q
}

/* Hasbrouck's blocks take sign(q) sqrt|q| from a stack buffer filled once a
 * block (a loop the compiler vectorises), instead of up to three scalar
 * square roots a row; same bits.  Windows above this many rows transform
 * on the fly. */
#define MICRO_BUF_MAX_W 1024

static void micro_core(const double *ret, const double *q, size_t n, size_t w, int hasbrouck,
                       double *out)
{
    if (w <= 1) {
        for (size_t i = 0; i < n; i++)
            out[i] = NAN;
        return;
    }
    const size_t firstrow = w - 1;
    const size_t block = w > PGF_ROLL_BLOCK ? w : PGF_ROLL_BLOCK;
    for (size_t i = 0; i < n && i < firstrow; i++)
        out[i] = NAN;
    const int buffered = hasbrouck && w <= MICRO_BUF_MAX_W;
    double tqbuf[2 * MICRO_BUF_MAX_W];

    for (size_t lo = firstrow; lo < n;) {
        size_t hi = (lo / block + 1) * block;
        if (hi > n)
            hi = n;
        if (buffered) {
            size_t base = lo + 1 - w;
            for (size_t j = base; j < hi; j++)
                tqbuf[j - base] = signed_sqrt(q[j]);
            micro_block(ret, tqbuf, base, w, lo, hi, 0, out);
        } else if (hasbrouck) {
            micro_block(ret, q, 0, w, lo, hi, 1, out);
        } else {
            micro_block(ret, q, 0, w, lo, hi, 0, out);
        }
        lo = hi;
    }
}

void pgf_micro_run(const double *ret, const double *q, size_t n, size_t w, int hasbrouck,
                   double *out)
{
    micro_core(ret, q, n, w, hasbrouck, out);
}

static int micro_check(const double *ret, const double *q, size_t n, size_t window,
                       const double *out)
{
    if (window < 1)
        return PG_EINVAL;
    if (n > 0 && (ret == NULL || q == NULL || out == NULL))
        return PG_EINVAL;
    return PG_OK;
}

int pg_kyles_lambda(const double *ret, const double *signed_volume, size_t n, size_t window,
                    double *out)
{
    int rc = micro_check(ret, signed_volume, n, window, out);
    if (rc == PG_OK)
        pgf_micro_run(ret, signed_volume, n, window, 0, out);
    return rc;
}

int pg_hasbrouck(const double *ret, const double *signed_volume, size_t n, size_t window,
                 double *out)
{
    int rc = micro_check(ret, signed_volume, n, window, out);
    if (rc == PG_OK)
        pgf_micro_run(ret, signed_volume, n, window, 1, out);
    return rc;
}
