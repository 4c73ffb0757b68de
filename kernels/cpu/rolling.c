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
 *   each running sum (x_in - x_out for the mean; for the std, the shifted
 *   sum and Welford's sliding update of the sum of squared deviations,
 *   fast_group) is prefix-summed inside a four-lane vector and added to a
 *   carried total, so the loop-carried dependency is one add per four rows
 *   instead of one per row.  pandas' same-value rule is kept with the
 *   length of the run of equal values ending at each row (the window is
 *   all one value iff the run is >= w); the sign clamp of the mean is a
 *   lane-wise select.  The first non-finite (or, for a mean, wrong-sign)
 *   value ends the fast path at that very row, and the careful path takes
 *   over from there.  The mean, the std and volume_z have AVX-512
 *   builds as well (mean8_body; roll8_body, whose volume_z adds the
 *   mean's sums to the std's; chosen at run time): eight rows a step with
 *   the pre-scan fused in as mask tests, the same operations in the same
 *   order, so the same bits as the four-lane one (one vsqrtpd per eight
 *   rows).  The Welford update needs no rebuild inside a block, however
 *   far a price trends.
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
 * The careful path rebuilds early (at the next row) when a std's window
 * mean has drifted far from K, so a trending series does not cancel.
 *
 * volatility_w takes the returns of the price through a small cursor (the
 * careful path) or a stack buffer of one block's returns (the fast path),
 * with no scratch column (the AVX-512 build fills the buffer eight
 * returns at a time where no price around them is NaN: returns_v4, the
 * same bits).  The fast path of a std is limited to windows of at most
 * FAST_STD_MAX_W rows (the buffer's size), for rolling_std as well,
 * so that volatility_w and rolling_std(return_1) stay bit-identical.
 */
#include <math.h>
#include <stddef.h>

#include "features_internal.h"
#include "isa.h"
#include "pg_kernels.h"
#include "simd4.h"

#if PG_ISA_X86
#include <immintrin.h>
#endif

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
        a.brk = a.brk + (size_t) !(vin == lprev) - (size_t) !(tnew == vout);
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
        if (want_std && i - lo >= w && a.cnt == w && 5.0 * a.s1 * a.s1 > 4.0 * (double)w * a.s2)
            return i + 1;
    }
    return hi;
}

/* Sign class of a fast block's values: the mean is clamped to >= 0 (all
 * non-negative) or <= 0 (all negative); a mixed window goes the careful way. */
enum { SIGN_POS = 0, SIGN_NEG = 1, SIGN_MIXED = 2 };

/* Whether the window a[0..w-1] may start a fast block; *cls gets its sign
 * class.  Vectorised: NaN-propagating x*0 for finiteness, OR/AND of the
 * bits for the signs.  It runs at every block start (once per 256 rows,
 * over w values): built for baseline x86-64 its vector code goes through
 * the stack, so it has AVX2 and AVX-512 builds too (window_clean[isa]).
 * All give the same answer. */
PGF_INLINE int window_clean_body(int isa, const double *a, size_t w, int *cls)
{
    (void)isa;
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

PG_ISA_CLONES(AVX512, int, window_clean, (const double *a, size_t w, int *cls), window_clean_body,
              (a, w, cls));

/* Running state of a fast block: the carried sums, broadcast to all lanes,
 * and the run of equal values ending at the last row done.  csum: the
 * plain sum (the mean); c1: sum of (x - K) over the window, m2: sum of
 * squared deviations from the window's mean (the std). */
typedef struct fast_state {
    pgf_v4d csum, c1, m2;
    pgf_v4d k, inv_w, inv_wm1;
    size_t run;
} fast_state;

/* Rows i .. i+m-1 (m = 1..4; lanes past m are zero padding and not
 * stored).  check_eq: some neighbouring values in the block are equal, so
 * the run of equal values has to be followed.
 *
 * The std is Welford's sliding update, prefix-summed four rows at a time.
 * With d = x - K (K: the window mean at the block's rebuild, so d carries
 * only the spread and the drift since), e = d_in - d_out and the mean's
 * offset from K after the row, a = s1/w:
 *   M2_t = M2_{t-1} + e (d_in - a_t + d_out - a_{t-1}),
 * and a_{t-1} = a_t - e/w, so each row adds u = e (d_in + d_out - 2 a_t +
 * e/w): a term as small as the spread times the change, whatever the
 * mean, so nothing cancels however far the series trends from K (the old
 * sums of (x - K)^2 did, and needed a rebuild every few dozen rows on a
 * price walk).  s1 and M2 are carried like the mean's sum: one add per
 * four rows on each loop-carried chain; the block's rebuild (every
 * max(PGF_ROLL_BLOCK, w) rows) bounds their rounding drift. */
PGF_INLINE void fast_group(fast_state *st, const double *in, const double *outv, size_t w, size_t m,
                           int mode, int cls, int check_eq, double *dst)
{
    const int want_mean = mode != ROLL_STD;
    const int want_std = mode != ROLL_MEAN;
    const pgf_v4d vzero = pgf_bcast(0.0);
    pgf_v4d vin = m == 4 ? pgf_load4(in) : pgf_load4_part(in, m);
    pgf_v4d vout = m == 4 ? pgf_load4(outv) : pgf_load4_part(outv, m);

    pgf_v4d mean = vzero, sd = vzero;
    if (want_mean) {
        pgf_v4d sc = pgf_scan4(vin - vout);
        pgf_v4d s = st->csum + sc;
        st->csum += pgf_bcast(sc[3]);
        mean = s * st->inv_w;
        if (cls == SIGN_POS)
            mean = pgf_select(mean < vzero, vzero, mean);
        else
            mean = pgf_select(mean > vzero, vzero, mean);
    }
    if (want_std) {
        pgf_v4d di = vin - st->k, dout = vout - st->k;
        pgf_v4d e = di - dout;
        pgf_v4d sc1 = pgf_scan4(e);
        pgf_v4d a = (st->c1 + sc1) * st->inv_w;
        pgf_v4d u = e * (((di + dout) - (a + a)) + e * st->inv_w);
        pgf_v4d sc2 = pgf_scan4(u);
        pgf_v4d m2 = st->m2 + sc2;
        st->c1 += pgf_bcast(sc1[3]);
        st->m2 += pgf_bcast(sc2[3]);
        pgf_v4d var = m2 * st->inv_wm1;
        var = pgf_select(var > vzero, var, vzero);
        for (int q = 0; q < 4; q++)
            sd[q] = __builtin_sqrt(var[q]);
    }

    /* pandas' same-value rule: lanes whose run of equal values covers the
     * window give exactly the value (mean) and exactly 0 (std). */
    if (check_eq) {
        pgf_v4d vprev = m == 4 ? pgf_load4(in - 1) : pgf_load4_part(in - 1, m);
        pgf_v4i eq = vin == vprev;
        pgf_v4i same = { 0, 0, 0, 0 };
        size_t run = st->run;
        for (size_t q = 0; q < m; q++) {
            run = eq[q] ? run + 1 : 1;
            same[q] = run >= w ? -1 : 0;
        }
        st->run = run;
        if (want_mean)
            mean = pgf_select(same, vin, mean);
        if (want_std)
            sd = pgf_select(same, vzero, sd);
    }

    pgf_v4d res;
    if (mode == ROLL_MEAN)
        res = mean;
    else if (mode == ROLL_STD)
        res = sd;
    else
        res = (vin - mean) / sd;
    if (m == 4)
        memcpy(dst, &res, sizeof res);
    else
        pgf_store4_part(dst, res, m);
}

/* Rows [from, to) of the block: whether any value there ends the fast path
 * (not finite; for a mean, the wrong sign), and whether any two
 * neighbouring values (x_{j-1}, x_j with j >= from) are equal. */
PGF_INLINE void fast_prescan(const double *x, size_t from, size_t to, int mean, int cls, int *bad,
                             int *eq)
{
    pgf_v4d fin = pgf_bcast(0.0);
    pgf_v4i sgn = { 0, 0, 0, 0 }, e = { 0, 0, 0, 0 };
    size_t j = from;
    for (; j + 4 <= to; j += 4) {
        pgf_v4d v = pgf_load4(x + j);
        fin += v * 0.0;
        sgn |= cls == SIGN_NEG ? ~(pgf_v4i)v : (pgf_v4i)v;
        e |= v == pgf_load4(x + j - 1);
    }
    int b = (fin[0] + fin[1]) + (fin[2] + fin[3]) != 0.0;
    int64_t sg = (sgn[0] | sgn[1]) | (sgn[2] | sgn[3]);
    int q = ((e[0] | e[1]) | (e[2] | e[3])) != 0;
    for (; j < to; j++) {
        double v = x[j];
        b |= v * 0.0 != 0.0;
        int wrong = cls == SIGN_NEG ? !signbit(v) : signbit(v) != 0;
        sg |= wrong ? -1 : 0;
        q |= v == x[j - 1];
    }
    if (mean && sg < 0)
        b = 1;
    *bad = b;
    *eq = q;
}

/* A fast block's rebuild at row lo: the plain sum of the window, K = its
 * mean, s1, s2 about K (a std), the run of equal values ending at lo
 * (capped at w); returns row lo's output (the start of a fast block, in
 * the four-lane and the AVX-512 mean's paths alike: the same bits). */
PGF_INLINE double fast_rebuild(const double *a, size_t base, size_t w, size_t lo, int mode, int cls,
                               double inv_w, double inv_wm1, double *psum, double *pk, double *ps1,
                               double *ps2, size_t *prun)
{
    const int want_std = mode != ROLL_MEAN;
    const double dw = (double)w;
#define ROW(j) (a[(j)-base])
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
        *psum = sum;
        *pk = k;
        *ps1 = s1;
        *ps2 = s2;
        *prun = run;
        return mode == ROLL_MEAN ? m : mode == ROLL_STD ? sd : (v - m) / sd;
    }
#undef ROW
}

#if PG_ISA_X86
/* The rolling mean's fast rows eight at a time with AVX-512 (the clones
 * fast_mean_*_avx512).  The arithmetic is that of two four-row fast_group
 * calls, the same IEEE operations in the same order, so the output has
 * the AVX2 and portable builds' bits:
 *
 *   d    = x_in - x_out, row by row;
 *   each half of the eight lanes is prefix-summed as pgf_scan4 does:
 *        [d0, d0+d1, (d1+d2)+d0, (d2+d3)+(d0+d1)];
 *   rows 0..3 add the carried total c, rows 4..7 add c1 = c + (row 3's
 *   prefix), and the next group carries c1 + (row 7's prefix): two adds
 *   per eight rows on the loop's dependency chain.
 *
 * Lane k of a group depends only on the rows of the group up to k (lanes
 * 4..7 on lane 3 through c1), so lanes past a group's last valid row may
 * hold anything: they are not stored.  The scan's first step takes
 * d_{k-1} from loads one row back (vprev - voutprev) instead of a
 * shuffle: on Zen 4 the shuffles were the slow part of the loop. */
PG_TARGET_V4 static inline __attribute__((always_inline)) __m512d mean8_math(
    __m512d vin, __m512d vprev, __m512d vout, __m512d voutprev, __m512d inv_w, int neg,
    __m512d *vsum)
{
    const __m512d zero = _mm512_setzero_pd();
    __m512d d = _mm512_sub_pd(vin, vout);
    d = _mm512_add_pd(d, _mm512_maskz_sub_pd(0xEE, vprev, voutprev));
    d = _mm512_add_pd(d, _mm512_maskz_permutex_pd(0xCC, d, 0x40));
    __m512d c1 = _mm512_add_pd(*vsum, _mm512_permutexvar_pd(_mm512_set1_epi64(3), d));
    __m512d s = _mm512_add_pd(_mm512_mask_blend_pd(0xF0, *vsum, c1), d);
    *vsum = _mm512_add_pd(c1, _mm512_permutexvar_pd(_mm512_set1_epi64(7), d));
    __m512d mean = _mm512_mul_pd(s, inv_w);
    /* pandas' sign clamp, as fast_group's select: max(0, m) is
     * (0 > m ? 0 : m), min(0, m) is (0 < m ? 0 : m). */
    return neg ? _mm512_min_pd(zero, mean) : _mm512_max_pd(zero, mean);
}

/* The rows that end the fast path: not finite, or of the wrong sign.  With
 * the sign bit flipped for a negative block, a good value's bits read as
 * an unsigned integer are below those of +inf. */
PG_TARGET_V4 static inline __attribute__((always_inline)) __mmask8 mean8_bad(__m512d v, int neg)
{
    __m512i bits = _mm512_castpd_si512(v);
    if (neg)
        bits = _mm512_xor_si512(bits, _mm512_set1_epi64(INT64_MIN));
    return _mm512_cmp_epu64_mask(bits, _mm512_set1_epi64(0x7ff0000000000000), _MM_CMPINT_NLT);
}

/* One group the general way: rows p[0 .. m-1] (m = 1..8, live = the mask
 * of m lanes; masked loads keep a short group inside the input), with
 * equal neighbours or a bad value among them.  pandas' same-value rule
 * follows the run of equal values (*run: ending at the row before p).
 * Returns m, or the lane of the first bad value: the rows before it are
 * stored and the fast block ends there. */
PG_TARGET_V4 static inline __attribute__((always_inline)) unsigned mean8_group(
    const double *p, size_t w, unsigned m, int neg, __m512d inv_w, __m512d *vsum, size_t *run,
    double *dst)
{
    __mmask8 live = (__mmask8)((1u << m) - 1u);
    __m512d vin = _mm512_maskz_loadu_pd(live, p);
    __m512d vprev = _mm512_maskz_loadu_pd(live, p - 1);
    __m512d vout = _mm512_maskz_loadu_pd(live, p - w);
    __m512d voutprev = _mm512_maskz_loadu_pd(live & 0xEE, p - w - 1);
    __mmask8 bad = mean8_bad(vin, neg) & live;
    unsigned done = m;
    if (bad != 0) {
        done = (unsigned)__builtin_ctz(bad);
        live = (__mmask8)((1u << done) - 1u);
    }
    __m512d mean = mean8_math(vin, vprev, vout, voutprev, inv_w, neg, vsum);

    /* pandas' same-value rule: the run of equal values ending at each row;
     * when it covers the window, the mean is exactly that value. */
    unsigned eq = _mm512_mask_cmp_pd_mask(live, vin, vprev, _CMP_EQ_OQ);
    unsigned same = 0;
    size_t r = *run;
    for (unsigned q = 0; q < done; q++) {
        r = (eq >> q) & 1u ? r + 1 : 1;
        same |= (unsigned)(r >= w) << q;
    }
    *run = r;
    mean = _mm512_mask_mov_pd(mean, (__mmask8)same, vin);
    _mm512_mask_storeu_pd(dst, live, mean);
    return done;
}

/* How far ahead the loop below prefetches its input and output, in bytes
 * (512 rows).  At 1M rows the arrays come from memory, and with the
 * hardware prefetcher alone the loop took ~20 % longer (0.43 against 0.36
 * ns/row, this host); in cache (64K rows) it makes no difference. */
#define MEAN8_PREFETCH 4096

/* Rows [i, hi) of a mean's fast block, from the carried total csum and
 * the run of equal values ending at row i-1.  Returns hi, or the row of
 * the first bad value.  The inner loop is the straight path, with the
 * four-lane path's pre-scan fused in: one mask test per eight rows for a
 * bad value or an equal neighbour.  Such a group, and a block's short last
 * group, go through mean8_group. */
PG_TARGET_V4 static inline __attribute__((always_inline)) size_t mean8_body(
    const double *a, size_t base, size_t w, size_t i, size_t hi, const int neg, double inv_w,
    double csum, size_t run, double *out)
{
    const __m512d vinv = _mm512_set1_pd(inv_w);
    __m512d vsum = _mm512_set1_pd(csum);
    /* The loop reads x_out one row back from row i-w-1: in the series'
     * first group that is row -1, so that group goes the general way
     * (which does not read lane 0 there). */
    if (i < hi && i - base <= w) {
        unsigned m = hi - i < 8 ? (unsigned)(hi - i) : 8u;
        unsigned done = mean8_group(a + (i - base), w, m, neg, vinv, &vsum, &run, out + i);
        i += done;
        if (done < m)
            return i; /* a bad value */
    }
    while (i < hi) {
        size_t start = i;
        for (; i + 8 <= hi; i += 8) {
            const double *p = a + (i - base);
            /* (integer arithmetic: the address may lie past the arrays) */
            __builtin_prefetch((const void *)((uintptr_t)p + MEAN8_PREFETCH), 0, 3);
            __builtin_prefetch((const void *)((uintptr_t)(out + i) + MEAN8_PREFETCH), 1, 3);
            __m512d vin = _mm512_loadu_pd(p);
            __m512d vprev = _mm512_loadu_pd(p - 1);
            __mmask8 bad = mean8_bad(vin, neg);
            __mmask8 eq = _mm512_cmp_pd_mask(vin, vprev, _CMP_EQ_OQ);
            if (__builtin_expect(!_kortestz_mask8_u8(bad, eq), 0))
                break;
            __m512d mean = mean8_math(vin, vprev, _mm512_loadu_pd(p - w),
                                      _mm512_loadu_pd(p - w - 1), vinv, neg, &vsum);
            _mm512_storeu_pd(out + i, mean);
        }
        /* Every row done above differs from its predecessor. */
        if (i > start)
            run = 1;
        if (i >= hi)
            break;
        unsigned m = hi - i < 8 ? (unsigned)(hi - i) : 8u;
        unsigned done = mean8_group(a + (i - base), w, m, neg, vinv, &vsum, &run, out + i);
        i += done;
        if (done < m)
            return i; /* a bad value */
    }
    return i;
}

PG_TARGET_V4 static size_t mean8_pos(const double *a, size_t base, size_t w, size_t i, size_t hi,
                                     double inv_w, double csum, size_t run, double *out)
{
    return mean8_body(a, base, w, i, hi, 0, inv_w, csum, run, out);
}

PG_TARGET_V4 static size_t mean8_neg(const double *a, size_t base, size_t w, size_t i, size_t hi,
                                     double inv_w, double csum, size_t run, double *out)
{
    return mean8_body(a, base, w, i, hi, 1, inv_w, csum, run, out);
}

/* The next m returns of a cursor in return mode into dst, eight at a time
 * where the eight prices and the eight before them are all non-NaN (then
 * the forward-filled price before row j is x_{j-1} itself and r_j =
 * x_j / x_{j-1} - 1.0, the scalar's operations: the same bits), row by
 * row (cursor_next) elsewhere. */
PG_TARGET_V4 static void returns_v4(cursor *c, double *dst, size_t m)
{
    const double *x = c->x;
    const __m512d one = _mm512_set1_pd(1.0);
    size_t q = 0;
    while (q < m) {
        size_t j = c->j;
        if (j >= 1 && m - q >= 8) {
            __m512d cur = _mm512_loadu_pd(x + j), prev = _mm512_loadu_pd(x + j - 1);
            if (_mm512_cmp_pd_mask(cur, prev, _CMP_UNORD_Q) == 0) {
                _mm512_storeu_pd(dst + q, _mm512_sub_pd(_mm512_div_pd(cur, prev), one));
                c->last = x[j + 7];
                c->j = j + 8;
                q += 8;
                continue;
            }
        }
        dst[q++] = cursor_next(c, 1);
    }
}

/* The std's fast rows eight at a time with AVX-512 (fast_std_avx512 and
 * fast_z_*_avx512): the arithmetic of two four-row fast_group calls, the
 * same IEEE operations in the same order, so the same bits as the AVX2 and
 * portable builds:
 *
 *   di = x_in - K, dout = x_out - K, e = di - dout;
 *   each half of e is prefix-summed as pgf_scan4 does and the carried s1
 *   added as two four-row groups do (pgf_scan8_halves, pgf_carry8 in
 *   simd4.h), a = s1 / w (as s1 * inv_w);
 *   u = e ((di + dout) - 2a + e/w), prefix-summed and carried the same way
 *   into M2 (Welford's sliding update, fast_group);
 *   var = M2 / (w-1) as M2 * inv_wm1, clamped at 0 (vmaxpd: NaN -> 0, as
 *   the select), one vsqrtpd for eight rows (the four-lane build's sqrt
 *   per lane is the scalar one). */
typedef struct std8_sums {
    __m512d c1, m2;
} std8_sums;

PG_TARGET_V4 static inline __attribute__((always_inline)) __m512d std8_math(
    __m512d vin, __m512d vout, __m512d k, __m512d inv_w, __m512d inv_wm1, std8_sums *c)
{
    const __m512d zero = _mm512_setzero_pd();
    __m512d di = _mm512_sub_pd(vin, k), dout = _mm512_sub_pd(vout, k);
    __m512d e = _mm512_sub_pd(di, dout);
    __m512d a = _mm512_mul_pd(pgf_carry8(&c->c1, pgf_scan8_halves(e)), inv_w);
    __m512d t = _mm512_sub_pd(_mm512_add_pd(di, dout), _mm512_add_pd(a, a));
    __m512d u = _mm512_mul_pd(e, _mm512_add_pd(t, _mm512_mul_pd(e, inv_w)));
    __m512d m2 = pgf_carry8(&c->m2, pgf_scan8_halves(u));
    __m512d var = _mm512_max_pd(_mm512_mul_pd(m2, inv_wm1), zero);
    return _mm512_sqrt_pd(var);
}

/* Not finite: NaN (quiet, signalling) or +-inf. */
PG_TARGET_V4 static inline __attribute__((always_inline)) __mmask8 std8_bad(__m512d v)
{
    return _mm512_fpclass_pd_mask(v, PG_FPCLASS_NONFINITE);
}

/* volume_z's lanes: the mean as mean8_math (the scan's first step by a
 * lane move instead of loads one row back: the same sums), with pandas'
 * same-value rule (lanes in `same`: the mean is the value, sd is 0
 * already), then (x - mean) / sd as fast_group. */
PG_TARGET_V4 static inline __attribute__((always_inline)) __m512d z8_same(__m512d vin, __m512d vout,
                                                                          __m512d sd, __m512d inv_w,
                                                                          int neg, __m512d *vsum,
                                                                          __mmask8 same)
{
    const __m512d zero = _mm512_setzero_pd();
    __m512d s = pgf_carry8(vsum, pgf_scan8_halves(_mm512_sub_pd(vin, vout)));
    __m512d mean = _mm512_mul_pd(s, inv_w);
    mean = neg ? _mm512_min_pd(zero, mean) : _mm512_max_pd(zero, mean);
    mean = _mm512_mask_mov_pd(mean, same, vin);
    return _mm512_div_pd(_mm512_sub_pd(vin, mean), sd);
}

/* A std's (or volume_z's) fast block with AVX-512: rows [lo, hi) of the
 * values a[j - base] (row j), the window at lo clean.  Returns hi, or the
 * row of the first value that is not finite (volume_z: or of the wrong
 * sign). */
PG_TARGET_V4 static inline __attribute__((always_inline)) size_t roll8_body(
    const double *a, size_t base, size_t w, size_t lo, size_t hi, double inv_w, double inv_wm1,
    const int mode, const int neg, double *out)
{
    const int cls = mode == ROLL_STD ? SIGN_MIXED : neg ? SIGN_NEG : SIGN_POS;
    const __m512d vinv = _mm512_set1_pd(inv_w), vinvm1 = _mm512_set1_pd(inv_wm1),
                  zero = _mm512_setzero_pd();
    double sum, k, s1, s2;
    size_t run;
    out[lo] = fast_rebuild(a, base, w, lo, mode, cls, inv_w, inv_wm1, &sum, &k, &s1, &s2, &run);
    const __m512d vk = _mm512_set1_pd(k);
    __m512d vsum = _mm512_set1_pd(sum);
    std8_sums c = { _mm512_set1_pd(s1), _mm512_set1_pd(s2 - s1 * s1 * inv_w) };
    size_t i = lo + 1;
    while (i < hi) {
        size_t start = i;
        for (; i + 8 <= hi; i += 8) {
            const double *p = a + (i - base);
            __builtin_prefetch((const void *)((uintptr_t)p + MEAN8_PREFETCH), 0, 3);
            __builtin_prefetch((const void *)((uintptr_t)(out + i) + MEAN8_PREFETCH), 1, 3);
            __m512d vin = _mm512_loadu_pd(p);
            __mmask8 bad = mode == ROLL_STD ? std8_bad(vin) : mean8_bad(vin, neg);
            __mmask8 eq = _mm512_cmp_pd_mask(vin, _mm512_loadu_pd(p - 1), _CMP_EQ_OQ);
            if (__builtin_expect(!_kortestz_mask8_u8(bad, eq), 0))
                break;
            __m512d vout = _mm512_loadu_pd(p - w);
            __m512d sd = std8_math(vin, vout, vk, vinv, vinvm1, &c);
            if (mode == ROLL_Z)
                sd = z8_same(vin, vout, sd, vinv, neg, &vsum, 0);
            _mm512_storeu_pd(out + i, sd);
        }
        /* Every row done above differs from its predecessor. */
        if (i > start)
            run = 1;
        if (i >= hi)
            break;
        /* The general group: equal neighbours, a bad value, or the
         * block's short last group.  Masked loads keep it inside the
         * input. */
        unsigned m = hi - i < 8 ? (unsigned)(hi - i) : 8u;
        const double *p = a + (i - base);
        __mmask8 live = (__mmask8)((1u << m) - 1u);
        __m512d vin = _mm512_maskz_loadu_pd(live, p);
        __m512d vprev = _mm512_maskz_loadu_pd(live, p - 1);
        __m512d vout = _mm512_maskz_loadu_pd(live, p - w);
        __mmask8 bad = (mode == ROLL_STD ? std8_bad(vin) : mean8_bad(vin, neg)) & live;
        unsigned done = m;
        if (bad != 0) {
            done = (unsigned)__builtin_ctz(bad);
            live = (__mmask8)((1u << done) - 1u);
        }
        __m512d sd = std8_math(vin, vout, vk, vinv, vinvm1, &c);
        unsigned eq = _mm512_mask_cmp_pd_mask(live, vin, vprev, _CMP_EQ_OQ);
        unsigned same = 0;
        for (unsigned q = 0; q < done; q++) {
            run = (eq >> q) & 1u ? run + 1 : 1;
            same |= (unsigned)(run >= w) << q;
        }
        sd = _mm512_mask_mov_pd(sd, (__mmask8)same, zero);
        if (mode == ROLL_Z)
            sd = z8_same(vin, vout, sd, vinv, neg, &vsum, (__mmask8)same);
        _mm512_mask_storeu_pd(out + i, live, sd);
        i += done;
        if (done < m)
            return i; /* a bad value */
    }
    return hi;
}

PG_TARGET_V4 static size_t std8_body(const double *a, size_t base, size_t w, size_t lo, size_t hi,
                                     double inv_w, double inv_wm1, double *out)
{
    return roll8_body(a, base, w, lo, hi, inv_w, inv_wm1, ROLL_STD, 0, out);
}

PG_TARGET_V4 static size_t z8_pos(const double *a, size_t base, size_t w, size_t lo, size_t hi,
                                  double inv_w, double inv_wm1, double *out)
{
    return roll8_body(a, base, w, lo, hi, inv_w, inv_wm1, ROLL_Z, 0, out);
}

PG_TARGET_V4 static size_t z8_neg(const double *a, size_t base, size_t w, size_t lo, size_t hi,
                                  double inv_w, double inv_wm1, double *out)
{
    return roll8_body(a, base, w, lo, hi, inv_w, inv_wm1, ROLL_Z, 1, out);
}

#endif

/* The fast block: rows [lo, hi) of the values a[j - base] (row j).  The
 * window at lo must be clean (window_clean) and, for a mean, of sign class
 * cls != SIGN_MIXED.  In the AVX-512 build (isa is each build's constant)
 * the rows go eight at a time: mean8_body after the rebuild at lo, and
 * roll8_body for a std and volume_z.  Returns the
 * next block's start: hi, or the row of the first value that is not finite
 * (or, for a mean, of the wrong sign). */
PGF_INLINE size_t rolling_fast_body(int isa, const double *a, size_t base, size_t w, size_t lo,
                                    size_t hi, int mode, int cls, double *out)
{
    const int v8 = isa == PG_ISA_AVX512;
    const int want_mean = mode != ROLL_STD;
    const double dw = (double)w;
    const double inv_w = 1.0 / dw;
    const double inv_wm1 = 1.0 / (dw - 1.0);
#if PG_ISA_X86
    if (v8 && mode == ROLL_STD)
        return std8_body(a, base, w, lo, hi, inv_w, inv_wm1, out);
    if (v8 && mode == ROLL_Z)
        return cls == SIGN_NEG ? z8_neg(a, base, w, lo, hi, inv_w, inv_wm1, out)
                               : z8_pos(a, base, w, lo, hi, inv_w, inv_wm1, out);
#endif
#define ROW(j) (a[(j)-base])

    double sum, k, s1, s2;
    size_t run;
    out[lo] = fast_rebuild(a, base, w, lo, mode, cls, inv_w, inv_wm1, &sum, &k, &s1, &s2, &run);

    /* The fast rows end at the first bad value: find it only if the
     * vectorised pre-scan of the block says there is one. */
    size_t i = lo + 1;
#if PG_ISA_X86
    if (v8 && mode == ROLL_MEAN)
        return cls == SIGN_NEG ? mean8_neg(a, base, w, i, hi, inv_w, sum, run, out)
                               : mean8_pos(a, base, w, i, hi, inv_w, sum, run, out);
#else
    (void)v8;
#endif
    /* The std's state: s1 about K, and M2 = s2 - s1^2/w, the sum of
     * squared deviations from the window's mean (row lo's variance is
     * M2/(w-1), as fast_rebuild computed it). */
    fast_state st = { pgf_bcast(sum),
                      pgf_bcast(s1),
                      pgf_bcast(s2 - s1 * s1 * inv_w),
                      pgf_bcast(k),
                      pgf_bcast(inv_w),
                      pgf_bcast(inv_wm1),
                      run };
    if (i >= hi)
        return hi;
    size_t end = hi;
    int bad, eq;
    fast_prescan(a, i - base, hi - base, want_mean, cls, &bad, &eq);
    if (bad) {
        size_t e = i;
        for (; e < hi; e++) {
            double v = ROW(e);
            if (!isfinite(v) || (want_mean && (cls == SIGN_NEG) != (signbit(v) != 0)))
                break;
        }
        end = e;
    }
    if (eq) {
        for (; i + 4 <= end; i += 4)
            fast_group(&st, &ROW(i), &ROW(i - w), w, 4, mode, cls, 1, out + i);
    } else {
        for (; i + 4 <= end; i += 4)
            fast_group(&st, &ROW(i), &ROW(i - w), w, 4, mode, cls, 0, out + i);
    }
    if (i < end)
        fast_group(&st, &ROW(i), &ROW(i - w), w, end - i, mode, cls, eq, out + i);
#undef ROW
    return end;
}

/* One build per mode and sign class, so each inner loop is straight-line
 * code, for every level (the AVX-512 builds: the eight-row bodies). */
#define FAST_PARAMS (const double *a, size_t base, size_t w, size_t lo, size_t hi, double *out)
PG_ISA_CLONES(AVX512, size_t, fast_mean_pos, FAST_PARAMS, rolling_fast_body,
              (a, base, w, lo, hi, ROLL_MEAN, SIGN_POS, out));
PG_ISA_CLONES(AVX512, size_t, fast_mean_neg, FAST_PARAMS, rolling_fast_body,
              (a, base, w, lo, hi, ROLL_MEAN, SIGN_NEG, out));
PG_ISA_CLONES(AVX512, size_t, fast_std, FAST_PARAMS, rolling_fast_body,
              (a, base, w, lo, hi, ROLL_STD, SIGN_MIXED, out));
PG_ISA_CLONES(AVX512, size_t, fast_z_pos, FAST_PARAMS, rolling_fast_body,
              (a, base, w, lo, hi, ROLL_Z, SIGN_POS, out));
PG_ISA_CLONES(AVX512, size_t, fast_z_neg, FAST_PARAMS, rolling_fast_body,
              (a, base, w, lo, hi, ROLL_Z, SIGN_NEG, out));
#undef FAST_PARAMS

typedef size_t (*rolling_fast_fn)(const double *, size_t, size_t, size_t, size_t, double *);

/* The fast block of a mode and sign class ([ROLL_STD] ignores the sign
 * class) for the level isa. */
static rolling_fast_fn pick_fast(int mode, int cls, int isa)
{
    if (mode == ROLL_STD)
        return fast_std[isa];
    if (mode == ROLL_MEAN)
        return cls == SIGN_POS ? fast_mean_pos[isa] : fast_mean_neg[isa];
    return cls == SIGN_POS ? fast_z_pos[isa] : fast_z_neg[isa];
}

static inline void roll_core(const double *x, size_t n, size_t w, int is_ret, int mode, double *out)
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
    const int isa = pg_isa();
    double rbuf[2 * FAST_STD_MAX_W];
    int (*const clean)(const double *, size_t, int *) = window_clean[isa];

    /* When the block before ran its fast path to its end, every row of
     * the window at lo but row lo itself was checked there (finite and,
     * for a mean, of sign class known): then only row lo needs checking.
     * known is -1 otherwise. */
    int known = -1;
    cursor trail = { x, 0, NAN }; /* at lo-w+1 */
    for (size_t lo = first; lo < n;) {
        size_t hi = (lo / block + 1) * block;
        if (hi > n)
            hi = n;
        size_t next;
        int cls = SIGN_MIXED;
        int clean_ok = 0;
        if (fast_ok && !is_ret) {
            if (known >= 0 && isfinite(x[lo]) &&
                (known == SIGN_MIXED || (known == SIGN_NEG) == (signbit(x[lo]) != 0))) {
                cls = known;
                clean_ok = 1;
            } else {
                clean_ok = clean(x + lo + 1 - w, w, &cls);
            }
        }
        known = -1;
        if (clean_ok && (!want_mean || cls != SIGN_MIXED)) {
            next = pick_fast(mode, cls, isa)(x, 0, w, lo, hi, out);
            /* (a std's fast rows are checked for finiteness only) */
            if (next == hi)
                known = want_mean ? cls : SIGN_MIXED;
        } else if (fast_ok && is_ret) {
            /* Returns of rows lo-w+1 .. hi-1 into the buffer. */
            cursor walk = trail;
            size_t base = lo + 1 - w;
#if PG_ISA_X86
            if (isa == PG_ISA_AVX512)
                returns_v4(&walk, rbuf, hi - base);
            else
#endif
                for (size_t j = base; j < hi; j++)
                    rbuf[j - base] = cursor_next(&walk, 1);
            if (clean(rbuf, w, &cls))
                next = pick_fast(mode, cls, isa)(rbuf, base, w, lo, hi, out);
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
