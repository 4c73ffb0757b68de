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
 * On a clean stretch (micro_fast_body) the sums move four rows at a time,
 * prefix-summed in a vector; the AVX-512 build takes eight rows a step (two
 * four-row groups' operations in the same order: the same bits), testing
 * the rows as it goes so that their loads from memory overlap the
 * arithmetic, and both build the window sums at a block's start with four
 * lanes of accumulators.
 *
 * TradePulse returns 0 when the centred q are all exactly 0, i.e. when every
 * kept q in the window is the same value (with an exactly representable
 * mean, as in every golden case).  Sliding sums cannot see that exactly, so
 * the kernel counts, among the kept pairs of the window, how many q differ
 * from the kept q before them (ignoring the window's first kept pair).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "features_internal.h"
#include "isa.h"
#include "pg_kernels.h"
#include "simd4.h"

#if PG_ISA_X86
#include <immintrin.h>
#endif

/* pct_change(fill_method='pad'): forward-fill NaN (not inf), then
 * p'_t / p'_{t-1} - 1; leading NaNs stay NaN.  Where p_{t-1} .. p_{t+3} hold
 * no NaN the fill is the identity and four rows divide at once (the same
 * division and subtraction a row, so the same bits); a row next to a NaN
 * goes the scalar way.  Returns n (the rows written). */
PGF_INLINE size_t return_1_body(int isa, const double *price, size_t n, double *out)
{
    (void)isa;
    double last = NAN;
    size_t t = 0;
    while (t < n) {
        if (t > 0 && price[t - 1] == price[t - 1]) {
            for (; n - t >= 4; t += 4) {
                pgf_v4d c = pgf_load4(price + t), p = pgf_load4(price + t - 1);
                if (pgf_any(c != c))
                    break;
                pgf_v4d r = c / p - 1.0;
                memcpy(out + t, &r, sizeof r);
            }
            last = price[t - 1]; /* not NaN: what the fill holds */
            if (t == n)
                break;
        }
        double v = price[t];
        double cur = v != v ? last : v;
        out[t] = cur / last - 1.0;
        last = cur;
        t++;
    }
    return n;
}

/* queue_imbalance four rows at a time: the division runs on every lane and
 * a select gives 0 where bid + ask == 0 (same operations, same bits).
 * Returns n. */
PGF_INLINE size_t queue_imbalance_body(int isa, const double *bid, const double *ask, size_t n,
                                       double *out)
{
    (void)isa;
    size_t t = 0;
    for (; n - t >= 4; t += 4) {
        pgf_v4d b = pgf_load4(bid + t), a = pgf_load4(ask + t);
        pgf_v4d s = b + a;
        pgf_v4d q = (b - a) / s;
        q = pgf_select(s == 0.0, pgf_bcast(0.0), q);
        memcpy(out + t, &q, sizeof q);
    }
    for (; t < n; t++) {
        double s = bid[t] + ask[t];
        out[t] = s == 0.0 ? 0.0 : (bid[t] - ask[t]) / s;
    }
    return n;
}

PG_ISA_CLONES(AVX2, size_t, return_1, (const double *price, size_t n, double *out), return_1_body,
              (price, n, out));
PG_ISA_CLONES(AVX2, size_t, queue_imbalance,
              (const double *bid, const double *ask, size_t n, double *out), queue_imbalance_body,
              (bid, ask, n, out));

void pgf_return_1_run(const double *price, size_t n, double *out)
{
    return_1[pg_isa()](price, n, out);
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
    queue_imbalance[pg_isa()](bid, ask, n, out);
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
    double kq, kr;           /* shifts: the window means at the last rebuild */
    double sq, sr, sqq, sqr; /* sums of shifted q, r, q^2, q*r over kept pairs */
    size_t k;                /* kept pairs in the window */
    size_t first;            /* index of the window's first kept pair (k > 0) */
    size_t diff;             /* kept pairs, other than the first, whose q differs
                                 from the previous kept q */
    double last_q;           /* the most recent kept q (transformed) */
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

/* The careful path: rows [from, hi) one at a time, from the state a holds
 * after row from-1.  q is read as Q(j) = q[j - base] for rows j >= from-w;
 * with hasbrouck set it is transformed on the fly. */
PGF_INLINE void micro_walk(const double *ret, const double *q, size_t base, size_t w, size_t from,
                           size_t hi, int hasbrouck, micro_acc *ap, double *out)
{
#define Q(j) tq_of(q[(j)-base], hasbrouck)
    micro_acc a = *ap;
    size_t cached_row = (size_t)-1; /* a row whose tq is in cached_tq */
    double cached_tq = 0.0;

    for (size_t i = from; i < hi; i++) {
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
    *ap = a;
#undef Q
}

/* Rows [lo, hi) of one block the careful way (lo: the block's first row,
 * where the sums are rebuilt). */
PGF_INLINE void micro_block(const double *ret, const double *q, size_t base, size_t w, size_t lo,
                            size_t hi, int hasbrouck, double *out)
{
#define Q(j) tq_of(q[(j)-base], hasbrouck)
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
    micro_walk(ret, q, base, w, lo + 1, hi, hasbrouck, &a, out);
#undef Q
}

/* ---- the fast path: a clean stretch, four rows at a time ---------------
 *
 * A row j is clean when r_j and q_j are finite and the (transformed) q_j
 * differs from q_{j-1}; with Hasbrouck's measure wanted, tq_j must differ
 * from tq_{j-1} (which covers q too: equal q give equal tq).  While the
 * window is all clean rows, every pair is kept (k = w, the first pair is
 * row i-w+1) and no two neighbours are equal (diff = w-1 > 0), so the
 * regression needs only the sums.  Each sum moves by (added term) - (dropped
 * term) a row; four rows of those changes are prefix-summed inside a vector
 * and added to a carried total, as the rolling fast paths do (rolling.c),
 * and Kyle and Hasbrouck share r, its shift and the loads.  The first
 * unclean row hands the state to the careful path (micro_walk) at that very
 * row, so the path a row takes depends on rows <= it only (prefix
 * invariance).  Same IEEE operations in the portable and AVX2 builds. */
typedef struct micro_fast {
    double kq, kr, kt;                     /* shifts (window means at lo) */
    double sr, sq, sqq, sqr, st, stt, str; /* shifted sums over the window */
} micro_fast;

/* The lane-wise emit of micro_emit with k = w and diff > 0. */
PGF_INLINE pgf_v4d micro_emit4(pgf_v4d sqq, pgf_v4d sq, pgf_v4d sqr, pgf_v4d sr, pgf_v4d ik)
{
    pgf_v4d den = sqq - sq * sq * ik;
    pgf_v4d num = sqr - sq * sr * ik;
    pgf_v4d res = num / den;
    return pgf_select(den > 0.0, res, pgf_bcast(0.0));
}

/* One group of m (1..4) rows of micro_fast_body. */
PGF_INLINE void micro_fast_group(const double *ret, const double *q, const double *t, size_t base,
                                 size_t w, size_t i, size_t m, pgf_v4d kq, pgf_v4d kr, pgf_v4d kt,
                                 pgf_v4d ik, pgf_v4d *csr, pgf_v4d *csq, pgf_v4d *csqq,
                                 pgf_v4d *csqr, pgf_v4d *cst, pgf_v4d *cstt, pgf_v4d *cstr,
                                 double *ok, double *oh, int do_k, int do_h)
{
    pgf_v4d dr = pgf_load4_part(ret + i, m) - kr;
    pgf_v4d dro = pgf_load4_part(ret + i - w, m) - kr;
    pgf_v4d sr = *csr + pgf_scan4(dr - dro);
    *csr = pgf_bcast(sr[m - 1]);
    if (do_k) {
        pgf_v4d dq = pgf_load4_part(q + i, m) - kq;
        pgf_v4d dqo = pgf_load4_part(q + i - w, m) - kq;
        pgf_v4d sq = *csq + pgf_scan4(dq - dqo);
        pgf_v4d sqq = *csqq + pgf_scan4(dq * dq - dqo * dqo);
        pgf_v4d sqr = *csqr + pgf_scan4(dq * dr - dqo * dro);
        *csq = pgf_bcast(sq[m - 1]);
        *csqq = pgf_bcast(sqq[m - 1]);
        *csqr = pgf_bcast(sqr[m - 1]);
        pgf_store4_part(ok + i, micro_emit4(sqq, sq, sqr, sr, ik), m);
    }
    if (do_h) {
        pgf_v4d dt = pgf_load4_part(t + (i - base), m) - kt;
        pgf_v4d dto = pgf_load4_part(t + (i - w - base), m) - kt;
        pgf_v4d st = *cst + pgf_scan4(dt - dto);
        pgf_v4d stt = *cstt + pgf_scan4(dt * dt - dto * dto);
        pgf_v4d str = *cstr + pgf_scan4(dt * dr - dto * dro);
        *cst = pgf_bcast(st[m - 1]);
        *cstt = pgf_bcast(stt[m - 1]);
        *cstr = pgf_bcast(str[m - 1]);
        pgf_store4_part(oh + i, micro_emit4(stt, st, str, sr, ik), m);
    }
}

/* The first unclean row in [from, hi) (hi if none); the neighbour test
 * starts at row from+1 when first_free (the window's first row has no
 * predecessor in it). */
PGF_INLINE size_t micro_first_bad(const double *ret, const double *q, const double *t, size_t base,
                                  size_t from, size_t hi, int first_free)
{
    /* tq (Hasbrouck wanted) or q itself, as c[j - cb]. */
    const double *c = t != NULL ? t : q;
    const size_t cb = t != NULL ? base : 0;
    size_t j = from;
    if (first_free && j < hi) {
        if (!isfinite(ret[j]) || !isfinite(q[j]))
            return j;
        j++;
    }
    /* Sixteen rows a test (the OR of the lanes is the slow part); the
     * scalar loop below finds the row in a group that fails. */
    for (; j + 16 <= hi; j += 16) {
        pgf_v4i bad = { 0, 0, 0, 0 };
        for (size_t g = j; g < j + 16; g += 4) {
            pgf_v4d f = pgf_load4(ret + g) * 0.0 + pgf_load4(q + g) * 0.0;
            bad |= (f != 0.0) | (pgf_load4(c + (g - cb)) == pgf_load4(c + (g - 1 - cb)));
        }
        if (pgf_any(bad))
            break;
    }
    for (; j < hi; j++)
        if (!isfinite(ret[j]) || !isfinite(q[j]) || c[j - cb] == c[j - 1 - cb])
            return j;
    return hi;
}

#if PG_ISA_X86
/* Eight rows a step with AVX-512: the operations of two micro_fast_group
 * calls (m = 4) in the same order (each half prefix-summed as pgf_scan4,
 * the carried totals added as two four-row groups: pgf_scan8_halves,
 * pgf_carry8), so the four-lane builds' bits.  From row i, whole groups of
 * eight clean rows before stop; returns the row after the last one done
 * (a group with an unclean row is left to the caller).  c: the carried sr,
 * sq, sqq, sqr, st, stt, str (broadcast four-lane vectors, as
 * micro_fast_body keeps them). */

/* How far ahead the eight-row loop prefetches its inputs, in bytes. */
#define MICRO8_AHEAD 4096

PG_TARGET_V4 static inline __attribute__((always_inline)) __m512d micro_emit8(
    __m512d sqq, __m512d sq, __m512d sqr, __m512d sr, __m512d ik)
{
    __m512d den = _mm512_sub_pd(sqq, _mm512_mul_pd(_mm512_mul_pd(sq, sq), ik));
    __m512d num = _mm512_sub_pd(sqr, _mm512_mul_pd(_mm512_mul_pd(sq, sr), ik));
    __m512d res = _mm512_div_pd(num, den);
    return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(den, _mm512_setzero_pd(), _CMP_GT_OQ), res);
}

/* One measure's three sums for eight rows (q or tq: dq, dqo about its
 * shift), written as micro_emit8 into o. */
PG_TARGET_V4 static inline __attribute__((always_inline)) void micro_measure8(
    __m512d dq, __m512d dqo, __m512d dr, __m512d dro, __m512d sr, __m512d ik, __m512d *csq,
    __m512d *csqq, __m512d *csqr, double *o)
{
    __m512d sq = pgf_carry8(csq, pgf_scan8_halves(_mm512_sub_pd(dq, dqo)));
    __m512d sqq = pgf_carry8(
        csqq, pgf_scan8_halves(_mm512_sub_pd(_mm512_mul_pd(dq, dq), _mm512_mul_pd(dqo, dqo))));
    __m512d sqr = pgf_carry8(
        csqr, pgf_scan8_halves(_mm512_sub_pd(_mm512_mul_pd(dq, dr), _mm512_mul_pd(dqo, dro))));
    _mm512_storeu_pd(o, micro_emit8(sqq, sq, sqr, sr, ik));
}

PG_TARGET_V4 static inline __attribute__((always_inline)) size_t micro_fast8_body(
    const double *ret, const double *q, const double *t, size_t base, size_t w, size_t i,
    size_t stop, const micro_fast *s, pgf_v4d *c[7], double *ok, double *oh, int do_k, int do_h)
{
    const __m512d kq = _mm512_set1_pd(s->kq), kr = _mm512_set1_pd(s->kr),
                  kt = _mm512_set1_pd(s->kt), ik = _mm512_set1_pd(1.0 / (double)w);
    __m512d cc[7];
    for (int k = 0; k < 7; k++)
        cc[k] = _mm512_set1_pd((*c[k])[0]);
    for (; stop - i >= 8; i += 8) {
        /* The rows must be clean (micro_first_bad's test, fused in so
         * the loads from memory overlap the arithmetic): r and the q of
         * the neighbour test (tq with Hasbrouck wanted: finite iff q is)
         * finite, that q unequal to the one before. */
        __builtin_prefetch((const void *)((uintptr_t)(ret + i) + MICRO8_AHEAD), 0, 3);
        __builtin_prefetch((const void *)((uintptr_t)(q + i) + MICRO8_AHEAD), 0, 3);
        __m512d vr = _mm512_loadu_pd(ret + i);
        __m512d vc = do_h ? _mm512_loadu_pd(t + (i - base)) : _mm512_loadu_pd(q + i);
        __m512d vcp = do_h ? _mm512_loadu_pd(t + (i - 1 - base)) : _mm512_loadu_pd(q + i - 1);
        __mmask8 bad = _mm512_fpclass_pd_mask(vr, PG_FPCLASS_NONFINITE) |
                       _mm512_fpclass_pd_mask(vc, PG_FPCLASS_NONFINITE) |
                       _mm512_cmp_pd_mask(vc, vcp, _CMP_EQ_OQ);
        if (__builtin_expect(bad != 0, 0))
            break;
        __m512d dr = _mm512_sub_pd(vr, kr);
        __m512d dro = _mm512_sub_pd(_mm512_loadu_pd(ret + i - w), kr);
        __m512d sr = pgf_carry8(&cc[0], pgf_scan8_halves(_mm512_sub_pd(dr, dro)));
        if (do_k) {
            __m512d dq = _mm512_sub_pd(do_h ? _mm512_loadu_pd(q + i) : vc, kq);
            __m512d dqo = _mm512_sub_pd(_mm512_loadu_pd(q + i - w), kq);
            micro_measure8(dq, dqo, dr, dro, sr, ik, &cc[1], &cc[2], &cc[3], ok + i);
        }
        if (do_h) {
            __m512d dt = _mm512_sub_pd(vc, kt);
            __m512d dto = _mm512_sub_pd(_mm512_loadu_pd(t + (i - w - base)), kt);
            micro_measure8(dt, dto, dr, dro, sr, ik, &cc[4], &cc[5], &cc[6], oh + i);
        }
    }
    for (int k = 0; k < 7; k++) {
        /* (not pgf_bcast: clang refuses its 32-byte return here) */
        double v = _mm512_cvtsd_f64(cc[k]);
        *c[k] = (pgf_v4d){ v, v, v, v };
    }
    return i;
}

/* One build per pair of measures (a call per block, from the AVX-512
 * build of micro_fast_body only). */
#define MICRO8_PARAMS                                                                              \
    (const double *ret, const double *q, const double *t, size_t base, size_t w, size_t i,         \
     size_t stop, const micro_fast *s, pgf_v4d *c[7], double *ok, double *oh)
PG_TARGET_V4 static size_t micro_fast8_k MICRO8_PARAMS
{
    return micro_fast8_body(ret, q, t, base, w, i, stop, s, c, ok, oh, 1, 0);
}

PG_TARGET_V4 static size_t micro_fast8_h MICRO8_PARAMS
{
    return micro_fast8_body(ret, q, t, base, w, i, stop, s, c, ok, oh, 0, 1);
}

PG_TARGET_V4 static size_t micro_fast8_kh MICRO8_PARAMS
{
    return micro_fast8_body(ret, q, t, base, w, i, stop, s, c, ok, oh, 1, 1);
}
#undef MICRO8_PARAMS
#endif

/* Rows [from, stop), all clean (and the window at from-1 too); s holds the
 * sums after row from-1 and gets those after row stop-1; returns stop.  The
 * AVX-512 build is called with stop == from (only the window checked) and
 * finds stop itself, the first unclean row before hi (micro_fast8 tests
 * eight rows at a time, micro_first_bad the group that failed).  t is the
 * transformed q as t[j - base] (NULL without Hasbrouck).  Whole groups of
 * four take micro_fast_group with m = 4 as a constant (the carried totals'
 * broadcasts of lane 3 then stay in registers: a variable lane went
 * through memory, on the loop-carried path), the last partial group the
 * same operations on its m rows. */
PGF_INLINE size_t micro_fast_body(int isa, const double *ret, const double *q, const double *t,
                                  size_t base, size_t w, size_t from, size_t stop, size_t hi,
                                  micro_fast *s, double *ok, double *oh, int do_k, int do_h)
{
    const pgf_v4d kq = pgf_bcast(s->kq), kr = pgf_bcast(s->kr), kt = pgf_bcast(s->kt);
    const pgf_v4d ik = pgf_bcast(1.0 / (double)w);
    pgf_v4d csr = pgf_bcast(s->sr), csq = pgf_bcast(s->sq), csqq = pgf_bcast(s->sqq);
    pgf_v4d csqr = pgf_bcast(s->sqr), cst = pgf_bcast(s->st), cstt = pgf_bcast(s->stt);
    pgf_v4d cstr = pgf_bcast(s->str);
    size_t i = from;
#if PG_ISA_X86
    if (isa == PG_ISA_AVX512) {
        /* stop == from: the rows from there on are not checked yet */
        pgf_v4d *c[7] = { &csr, &csq, &csqq, &csqr, &cst, &cstt, &cstr };
        i = (do_k && do_h ? micro_fast8_kh
             : do_k       ? micro_fast8_k
                          : micro_fast8_h)(ret, q, t, base, w, i, hi, s, c, ok, oh);
        stop = micro_first_bad(ret, q, do_h ? t : NULL, base, i, hi, 0);
    }
#else
    (void)isa;
#endif
    for (; stop - i >= 4 && i < stop; i += 4)
        micro_fast_group(ret, q, t, base, w, i, 4, kq, kr, kt, ik, &csr, &csq, &csqq, &csqr, &cst,
                         &cstt, &cstr, ok, oh, do_k, do_h);
    if (i < stop)
        micro_fast_group(ret, q, t, base, w, i, stop - i, kq, kr, kt, ik, &csr, &csq, &csqq, &csqr,
                         &cst, &cstt, &cstr, ok, oh, do_k, do_h);
    s->sr = csr[0];
    s->sq = csq[0];
    s->sqq = csqq[0];
    s->sqr = csqr[0];
    s->st = cst[0];
    s->stt = cstt[0];
    s->str = cstr[0];
    return stop;
}

/* The clean window's sums, four lanes at a time (the loop-carried adds
 * of a scalar loop were a tenth of the kernel): s->kq, kr, kt = the means
 * of q, r, tq over rows base .. base+w-1, then the sums of the shifted
 * values, their squares and products about them.  Lane j takes rows
 * base+j, base+j+4, ...; the rows past the last whole four add after the
 * lanes' total, in order. */
static inline __attribute__((always_inline)) double micro_hsum(pgf_v4d v)
{
    return (v[0] + v[1]) + (v[2] + v[3]);
}

PGF_INLINE void micro_rebuild(const double *ret, const double *q, const double *t, size_t base,
                              size_t w, micro_fast *s, int do_k, int do_h)
{
    const double *r = ret + base, *qq = q + base;
    const pgf_v4d z = pgf_bcast(0.0);
    pgf_v4d ar = z, aq = z, at = z;
    size_t j = 0;
    for (; j + 4 <= w; j += 4) {
        ar += pgf_load4(r + j);
        aq += pgf_load4(qq + j);
        if (do_h)
            at += pgf_load4(t + j);
    }
    double mr = micro_hsum(ar), mq = micro_hsum(aq), mt = do_h ? micro_hsum(at) : 0.0;
    for (size_t k = j; k < w; k++) {
        mr += r[k];
        mq += qq[k];
        if (do_h)
            mt += t[k];
    }
    const double dw = (double)w;
    s->kq = mq / dw;
    s->kr = mr / dw;
    s->kt = mt / dw;
    const pgf_v4d kr = pgf_bcast(s->kr), kq = pgf_bcast(s->kq), kt = pgf_bcast(s->kt);
    pgf_v4d a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
    for (j = 0; j + 4 <= w; j += 4) {
        pgf_v4d dr = pgf_load4(r + j) - kr;
        a1 += dr;
        if (do_k) {
            pgf_v4d dq = pgf_load4(qq + j) - kq;
            a2 += dq;
            a3 += dq * dq;
            a4 += dq * dr;
        }
        if (do_h) {
            pgf_v4d dt = pgf_load4(t + j) - kt;
            a5 += dt;
            a6 += dt * dt;
            a7 += dt * dr;
        }
    }
    s->sr = micro_hsum(a1);
    s->sq = micro_hsum(a2);
    s->sqq = micro_hsum(a3);
    s->sqr = micro_hsum(a4);
    s->st = micro_hsum(a5);
    s->stt = micro_hsum(a6);
    s->str = micro_hsum(a7);
    for (; j < w; j++) {
        double dr = r[j] - s->kr;
        s->sr += dr;
        if (do_k) {
            double dq = qq[j] - s->kq;
            s->sq += dq;
            s->sqq += dq * dq;
            s->sqr += dq * dr;
        }
        if (do_h) {
            double dt = t[j] - s->kt;
            s->st += dt;
            s->stt += dt * dt;
            s->str += dt * dr;
        }
    }
}

/* One block [lo, hi) of either or both measures (ok / oh, NULL when not
 * wanted).  t: Hasbrouck's transformed q for rows base.. (NULL: transform
 * on the fly, careful path only). */
PGF_INLINE void micro_block_pair(int isa, const double *ret, const double *q, const double *t,
                                 size_t w, size_t lo, size_t hi, double *ok, double *oh, int do_k,
                                 int do_h)
{
    const size_t base = lo + 1 - w;
    size_t stop = lo;
    /* (the AVX-512 build checks the rows after the window as it goes) */
    if (!do_h || t != NULL)
        stop = micro_first_bad(ret, q, do_h ? t : NULL, base, base,
                               isa == PG_ISA_AVX512 ? lo + 1 : hi, 1);
    if (stop <= lo) {
        /* the window at lo is not clean: the careful path for the block */
        if (do_k)
            micro_block(ret, q, 0, w, lo, hi, 0, ok);
        if (do_h) {
            if (t != NULL)
                micro_block(ret, t, base, w, lo, hi, 0, oh);
            else
                micro_block(ret, q, 0, w, lo, hi, 1, oh);
        }
        return;
    }
    /* Rebuild at lo over the clean window base..lo: means, then sums. */
    micro_fast s = { 0 };
    micro_rebuild(ret, q, t, base, w, &s, do_k, do_h);
    micro_acc ak = { s.kq, s.kr, s.sq, s.sr, s.sqq, s.sqr, w, base, w - 1, q[lo] };
    micro_acc ah = {
        s.kt, s.kr, s.st, s.sr, s.stt, s.str, w, base, w - 1, do_h ? t[lo - base] : 0.0
    };
    if (do_k)
        ok[lo] = micro_emit(&ak);
    if (do_h)
        oh[lo] = micro_emit(&ah);
    stop = micro_fast_body(isa, ret, q, t, base, w, lo + 1, stop, hi, &s, ok, oh, do_k, do_h);
    if (stop == hi)
        return;
    /* Hand over at the first unclean row: every pair of the window is kept,
     * the first is stop-w, and all w-1 neighbours differ. */
    if (do_k) {
        ak = (micro_acc){ s.kq, s.kr, s.sq, s.sr, s.sqq, s.sqr, w, stop - w, w - 1, q[stop - 1] };
        micro_walk(ret, q, 0, w, stop, hi, 0, &ak, ok);
    }
    if (do_h) {
        ah = (micro_acc){ s.kt,  s.kr, s.st,     s.sr,  s.stt,
                          s.str, w,    stop - w, w - 1, t[stop - 1 - base] };
        micro_walk(ret, t, base, w, stop, hi, 0, &ah, oh);
    }
}

/* Hasbrouck's blocks take sign(q) sqrt|q| from a stack buffer filled once a
 * block (a loop the compiler vectorises, in each level's build), instead
 * of up to three scalar square roots a row; same bits.  Windows above this
 * many rows transform on the fly (and take the careful path). */
#define MICRO_BUF_MAX_W 1024

/* micro_block_pair in each level's build (one per pair of measures), the
 * block [lo, hi); tbuf (NULL: none) gets Hasbrouck's transformed q of rows
 * lo-w+1 .. hi-1 first.  Returns hi, the rows done. */
PGF_INLINE size_t micro_blocks(int isa, const double *ret, const double *q, double *tbuf, size_t w,
                               size_t lo, size_t hi, double *ok, double *oh, int do_k, int do_h)
{
    if (tbuf != NULL) {
        const double *qb = q + (lo + 1 - w);
        size_t len = hi - (lo + 1 - w);
        for (size_t j = 0; j < len; j++)
            tbuf[j] = signed_sqrt(qb[j]);
    }
    micro_block_pair(isa, ret, q, tbuf, w, lo, hi, ok, oh, do_k, do_h);
    return hi;
}

#define MICRO_PARAMS                                                                               \
    (const double *ret, const double *q, double *tbuf, size_t w, size_t lo, size_t hi, double *ok, \
     double *oh)
PG_ISA_CLONES(AVX512, size_t, micro_k, MICRO_PARAMS, micro_blocks,
              (ret, q, tbuf, w, lo, hi, ok, oh, 1, 0));
PG_ISA_CLONES(AVX512, size_t, micro_h, MICRO_PARAMS, micro_blocks,
              (ret, q, tbuf, w, lo, hi, ok, oh, 0, 1));
PG_ISA_CLONES(AVX512, size_t, micro_kh, MICRO_PARAMS, micro_blocks,
              (ret, q, tbuf, w, lo, hi, ok, oh, 1, 1));
#undef MICRO_PARAMS

typedef size_t (*micro_block_fn)(const double *, const double *, double *, size_t, size_t, size_t,
                                 double *, double *);

/* Kyle's lambda into ok and/or Hasbrouck's measure into oh (NULL: not
 * wanted), in one pass over the blocks. */
static void micro_core(const double *ret, const double *q, size_t n, size_t w, double *ok,
                       double *oh)
{
    if (w <= 1) {
        for (size_t i = 0; i < n; i++) {
            if (ok)
                ok[i] = NAN;
            if (oh)
                oh[i] = NAN;
        }
        return;
    }
    const size_t firstrow = w - 1;
    const size_t block = w > PGF_ROLL_BLOCK ? w : PGF_ROLL_BLOCK;
    for (size_t i = 0; i < n && i < firstrow; i++) {
        if (ok)
            ok[i] = NAN;
        if (oh)
            oh[i] = NAN;
    }
    const int buffered = oh != NULL && w <= MICRO_BUF_MAX_W;
    double tqbuf[2 * MICRO_BUF_MAX_W];
    const int isa = pg_isa();
    const micro_block_fn fn = oh == NULL ? micro_k[isa] : ok == NULL ? micro_h[isa] : micro_kh[isa];

    for (size_t lo = firstrow; lo < n;) {
        size_t hi = (lo / block + 1) * block;
        if (hi > n)
            hi = n;
        fn(ret, q, buffered ? tqbuf : NULL, w, lo, hi, ok, oh);
        lo = hi;
    }
}

void pgf_micro_run(const double *ret, const double *q, size_t n, size_t w, int hasbrouck,
                   double *out)
{
    micro_core(ret, q, n, w, hasbrouck ? NULL : out, hasbrouck ? out : NULL);
}

void pgf_micro_pair_run(const double *ret, const double *q, size_t n, size_t w, double *kyle,
                        double *hasbrouck)
{
    micro_core(ret, q, n, w, kyle, hasbrouck);
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
