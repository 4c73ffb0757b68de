/*
 * rsi.c - TradePulse's _rsi bit for bit (KERNELS.md section 1, "RSI"):
 * pandas' EWM (ewm.h) with alpha = 1/w of the gains and the losses of the
 * price differences, rs = gain/(loss + 1e-12), 100 - 100/(1 + rs).
 *
 * The general path steps both averages the pandas way (ema_step); runs of
 * finite differences take a fast path with three builds (portable, AVX2,
 * AVX-512), all with pandas' bits (tests/property/test_rsi.c).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ewm.h"
#include "features_internal.h"
#include "isa.h"
#include "pg_kernels.h"
#include "simd4.h"

#if PG_ISA_X86
#include <immintrin.h>
#endif

/* gain = clip(d, lower=0), loss = -clip(d, upper=0); NaN stays NaN. */
static inline double gain_of(double d)
{
    return d > 0.0 ? d : (d != d ? d : 0.0);
}

static inline double loss_of(double d)
{
    return d < 0.0 ? -d : (d != d ? d : 0.0);
}

static inline double rsi_of(double g, double l)
{
    double rs = g / (l + 1e-12);
    return 100.0 - 100.0 / (1.0 + rs);
}

/* Two-lane vectors: the RSI's gain and loss averages step together. */
typedef double rsi_v2d __attribute__((vector_size(16)));
typedef int64_t rsi_v2i __attribute__((vector_size(16)));

/* rsi_of on four rows. */
PGF_INLINE void rsi_out4(pgf_v4d g, pgf_v4d l, double *out)
{
    pgf_v4d rs = g / (l + 1e-12);
    pgf_v4d o = 100.0 - 100.0 / (1.0 + rs);
    memcpy(out, &o, sizeof o);
}

/* The RSI fast path from row t: while the differences are finite (gain and
 * loss both valid inputs).  No branch per row, four rows a group: the
 * differences and their clips are four-lane vector work; the two averages
 * run as one two-lane chain {gain, loss} (pandas' rounding: multiply,
 * multiply, add).  pandas keeps y when y == c; instead of a select on the
 * chain, the group's four updates are taken as they are and then checked
 * for any y == c lane (one test a group, which only a flat stretch or a
 * zero average fails; then the group is stepped again with a lane-wise
 * select).  The two divisions of rsi_of are four-lane and run one group
 * late, on inputs that are long ready, so they neither wait on the chain
 * nor fill the scheduler in front of it (that alone took RSI from 2.3 to
 * 1.8 ns a row).  A group holding a non-finite difference, and the last
 * rows, go one row at a time.  Same bits as pandas either way; returns the
 * rows done.  This is the portable and AVX2 build; on AVX-512 rsi_fast_v4
 * runs instead, with no test per group (the keep is a masked move). */
PGF_INLINE size_t rsi_fast_body(const double *price, size_t n, size_t t, size_t w, size_t k0,
                                int divide, double *gy, double *ly, double alpha, double omf,
                                double den, double *out)
{
    const size_t t0 = t;
    const rsi_v2d va = { alpha, alpha }, vo = { omf, omf }, vd = { den, den };
    rsi_v2d y = { *gy, *ly };
    pgf_v4d pg = pgf_bcast(0.0), pl = pgf_bcast(0.0); /* the group before */
    int pending = 0;
    for (; n - t >= 4; t += 4) {
        pgf_v4d d = pgf_load4(price + t) - pgf_load4(price + t - 1);
        pgf_v4d fin = d * 0.0;
        if (pgf_any((fin != 0.0) | (fin != fin)))
            break;
        const pgf_v4d zero = pgf_bcast(0.0);
        pgf_v4d gc = pgf_select(d > 0.0, d, zero);
        pgf_v4d lc = pgf_select(d < 0.0, -d, zero);
        rsi_v2d r[4], c[4];
        /* The updates with no select on the chain (multiply, add); then
         * whether any row had y == c, where pandas keeps y.  None (the
         * usual case): those are the exact values.  Else the group is
         * stepped again with the lane-wise select. */
        rsi_v2d yp = y;
        rsi_v2i eq = { 0, 0 };
        for (int k = 0; k < 4; k++) {
            c[k] = (rsi_v2d){ gc[k], lc[k] };
            rsi_v2d u = vo * yp + va * c[k];
            if (divide)
                u = u / vd;
            eq |= yp == c[k];
            r[k] = yp = u;
        }
        if (__builtin_expect((eq[0] | eq[1]) != 0, 0)) {
            for (int k = 0; k < 4; k++) {
                rsi_v2d u = vo * y + va * c[k];
                if (divide)
                    u = u / vd;
                rsi_v2i keep = y == c[k];
                r[k] = y = (rsi_v2d)((keep & (rsi_v2i)y) | (~keep & (rsi_v2i)u));
            }
        }
        y = r[3];
        /* The previous group's divisions: their inputs are long ready,
         * so they wait neither on the chain nor in the scheduler. */
        if (pending)
            rsi_out4(pg, pl, out + t - 4);
        pg = (pgf_v4d){ r[0][0], r[1][0], r[2][0], r[3][0] };
        pl = (pgf_v4d){ r[0][1], r[1][1], r[2][1], r[3][1] };
        pending = 1;
    }
    if (pending)
        rsi_out4(pg, pl, out + t - 4);
    double g = y[0], l = y[1];
    for (; t < n; t++) {
        double d = price[t] - price[t - 1];
        if (!isfinite(d))
            break;
        double gc = d > 0.0 ? d : 0.0;
        double lc = d < 0.0 ? -d : 0.0;
        g = ema_upd(g, gc, alpha, omf, den, divide);
        l = ema_upd(l, lc, alpha, omf, den, divide);
        out[t] = rsi_of(g, l);
    }
    /* The warm-up rows (a count below w) are NaN. */
    for (size_t q = 0; t0 + q < t && k0 + q + 1 < w; q++)
        out[t0 + q] = NAN;
    *gy = g;
    *ly = l;
    return t - t0;
}

#if PG_ISA_X86
/* The RSI fast path with AVX-512 masks: no data-dependent branch per row or
 * per group.  Each row is pandas' step on the two-lane state y = {gain,
 * loss}: s = omf*y + alpha*c [/ den], and y <- s unless y == c.  The keep
 * is a compare into a k-mask and a masked move, so it costs no branch; to
 * keep the compare's latency (vcmppd into a k-mask, ~5 cycles on Zen 4)
 * off the multiply-add chain, oy = omf*y is carried beside y and updated
 * by a merge-masked multiply, oy <- ne ? omf*s : oy, which is omf*y of the
 * new y either way.  So per row the chains are
 *   oy: add, masked multiply (6 cycles, the plain recurrence's), and
 *   y:  compare, masked move (~6 cycles),
 * and neither waits on the other's full path; the bits are the scalar
 * step's (the same multiply, multiply, add, [divide] on the same values,
 * the same keep rule).  With the masked add instead (the compare right in
 * front of the add on the chain) a row took 8.2 cycles, 2.05 ns.
 *
 * Non-finite differences end the fast path as before, but they are found
 * once a chunk of up to RSI_V4_CHUNK rows: the fpclass masks of the
 * chunk's differences are OR-ed with no branch and one test a chunk says
 * whether it is clean; only a chunk that is not looks for its first bad
 * row, and the run ends there.  A clean range goes four rows a group and
 * its last (up to three) rows one at a time with the same masked step.
 * rsi_of's two divisions run one group late, as in rsi_fast_body. */
#define RSI_V4_CHUNK 256

typedef struct rsi_v4c {
    __m128d va, vo, vd; /* alpha, omf, den in both lanes */
    __m256d va4;        /* alpha in four lanes */
    __m256i gi, li;     /* the gain and the loss lanes of two {g, l} pairs */
} rsi_v4c;

/* One row, lane-wise: y <- y == c ? y : (omf*y + alpha*c) [/ den], with
 * vac = alpha*c and *oy = omf*y before and after. */
PG_TARGET_V4 PGF_INLINE __m128d rsi_step_v4(__m128d *oy, __m128d y, __m128d c, __m128d vac,
                                            const rsi_v4c *k, int divide)
{
    __mmask8 ne = _mm_cmp_pd_mask(y, c, _CMP_NEQ_UQ);
    __m128d s = _mm_add_pd(*oy, vac);
    if (divide)
        s = _mm_div_pd(s, k->vd);
    *oy = _mm_mask_mul_pd(*oy, ne, k->vo, s);
    return _mm_mask_mov_pd(y, ne, s);
}

/* Rows t .. t+3 (finite differences): steps the state, and gives the four
 * rows' gain averages in *g4 and loss averages in *l4. */
PG_TARGET_V4 PGF_INLINE void rsi_group_v4(const double *price, size_t t, __m128d *y, __m128d *oy,
                                          const rsi_v4c *k, int divide, __m256d *g4, __m256d *l4)
{
    const __m256d zero = _mm256_setzero_pd();
    __m256d d = _mm256_sub_pd(_mm256_loadu_pd(price + t), _mm256_loadu_pd(price + t - 1));
    /* gain = d > 0 ? d : +0, loss = d < 0 ? -d : +0 (0 - d is -d exactly):
     * maxpd gives its second operand, +0, unless the first is greater. */
    __m256d gc = _mm256_max_pd(d, zero);
    __m256d lc = _mm256_max_pd(_mm256_sub_pd(zero, d), zero);
    /* {g0, l0, g2, l2} and {g1, l1, g3, l3}, and alpha times them. */
    __m256d c02 = _mm256_unpacklo_pd(gc, lc), c13 = _mm256_unpackhi_pd(gc, lc);
    __m256d a02 = _mm256_mul_pd(k->va4, c02), a13 = _mm256_mul_pd(k->va4, c13);
    __m128d r0 = *y =
        rsi_step_v4(oy, *y, _mm256_castpd256_pd128(c02), _mm256_castpd256_pd128(a02), k, divide);
    __m128d r1 = *y =
        rsi_step_v4(oy, *y, _mm256_castpd256_pd128(c13), _mm256_castpd256_pd128(a13), k, divide);
    __m128d r2 = *y = rsi_step_v4(oy, *y, _mm256_extractf128_pd(c02, 1),
                                  _mm256_extractf128_pd(a02, 1), k, divide);
    __m128d r3 = *y = rsi_step_v4(oy, *y, _mm256_extractf128_pd(c13, 1),
                                  _mm256_extractf128_pd(a13, 1), k, divide);
    __m256d lo = _mm256_set_m128d(r1, r0), hi = _mm256_set_m128d(r3, r2);
    *g4 = _mm256_permutex2var_pd(lo, k->gi, hi);
    *l4 = _mm256_permutex2var_pd(lo, k->li, hi);
}

/* Which of the (up to eight) rows t + i .. have a non-finite difference. */
PG_TARGET_V4 PGF_INLINE __mmask8 rsi_bad8_v4(const double *price, size_t t, size_t i, size_t m)
{
    __mmask8 lm = m - i >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (m - i)) - 1u);
    __m512d d = _mm512_sub_pd(_mm512_maskz_loadu_pd(lm, price + t + i),
                              _mm512_maskz_loadu_pd(lm, price + t + i - 1));
    return _mm512_fpclass_pd_mask(d, PG_FPCLASS_NONFINITE);
}

/* The number of leading rows of [t, t + m) whose difference is finite. */
PG_TARGET_V4 PGF_INLINE size_t rsi_clean_v4(const double *price, size_t t, size_t m)
{
    __mmask8 acc = 0;
    for (size_t i = 0; i < m; i += 8)
        acc |= rsi_bad8_v4(price, t, i, m);
    if (acc == 0)
        return m;
    /* Only in a chunk that holds a non-finite difference: find the first. */
    for (size_t i = 0;; i += 8) {
        __mmask8 bad = rsi_bad8_v4(price, t, i, m);
        if (bad)
            return i + (size_t)__builtin_ctz(bad);
    }
}

/* rsi_of on four rows. */
PG_TARGET_V4 PGF_INLINE void rsi_out4_v4(__m256d g, __m256d l, double *out)
{
    const __m256d one = _mm256_set1_pd(1.0), hundred = _mm256_set1_pd(100.0);
    __m256d rs = _mm256_div_pd(g, _mm256_add_pd(l, _mm256_set1_pd(1e-12)));
    _mm256_storeu_pd(out, _mm256_sub_pd(hundred, _mm256_div_pd(hundred, _mm256_add_pd(one, rs))));
}

PG_TARGET_V4 PGF_INLINE size_t rsi_v4_body(const double *price, size_t n, size_t t, size_t w,
                                           size_t k0, int divide, double *gy, double *ly,
                                           double alpha, double omf, double den, double *out)
{
    const size_t t0 = t;
    const rsi_v4c k = { _mm_set1_pd(alpha),
                        _mm_set1_pd(omf),
                        _mm_set1_pd(den),
                        _mm256_set1_pd(alpha),
                        _mm256_setr_epi64x(0, 2, 4, 6),
                        _mm256_setr_epi64x(1, 3, 5, 7) };
    __m128d y = _mm_setr_pd(*gy, *ly), oy = _mm_mul_pd(k.vo, y);
    for (;;) {
        const size_t m = n - t < RSI_V4_CHUNK ? n - t : RSI_V4_CHUNK;
        const size_t q = rsi_clean_v4(price, t, m), end = t + q;
        if (end - t >= 4) {
            __m256d g4, l4, ng4, nl4;
            rsi_group_v4(price, t, &y, &oy, &k, divide, &g4, &l4);
            for (t += 4; end - t >= 4; t += 4) {
                _mm_prefetch((const char *)(price + t + RSI_V4_CHUNK), _MM_HINT_T0);
                rsi_group_v4(price, t, &y, &oy, &k, divide, &ng4, &nl4);
                /* The group before: its averages are long ready. */
                rsi_out4_v4(g4, l4, out + t - 4);
                g4 = ng4;
                l4 = nl4;
            }
            rsi_out4_v4(g4, l4, out + t - 4);
        }
        for (; t < end; t++) {
            double d = price[t] - price[t - 1];
            __m128d c = _mm_max_pd(_mm_setr_pd(d, -d), _mm_setzero_pd());
            y = rsi_step_v4(&oy, y, c, _mm_mul_pd(k.va, c), &k, divide);
            out[t] = rsi_of(_mm_cvtsd_f64(y), _mm_cvtsd_f64(_mm_unpackhi_pd(y, y)));
        }
        if (q < m || t == n)
            break;
    }
    /* The warm-up rows (a count below w) are NaN. */
    for (size_t q = 0; t0 + q < t && k0 + q + 1 < w; q++)
        out[t0 + q] = NAN;
    *gy = _mm_cvtsd_f64(y);
    *ly = _mm_cvtsd_f64(_mm_unpackhi_pd(y, y));
    return t - t0;
}

PG_TARGET_V4 static size_t rsi_fast_v4(const double *price, size_t n, size_t t, size_t w, size_t k0,
                                       int no_div, double *gy, double *ly, double alpha, double omf,
                                       double den, double *out)
{
    if (no_div)
        return rsi_v4_body(price, n, t, w, k0, 0, gy, ly, alpha, omf, den, out);
    return rsi_v4_body(price, n, t, w, k0, 1, gy, ly, alpha, omf, den, out);
}
#endif

/* The RSI fast path in each level's build: AVX-512 runs rsi_fast_v4, the
 * others rsi_fast_body, with the division (den != 1) or without. */
PGF_INLINE size_t rsi_fast_level(int isa, const double *price, size_t n, size_t t, size_t w,
                                 size_t k0, int no_div, double *gy, double *ly, double alpha,
                                 double omf, double den, double *out)
{
#if PG_ISA_X86
    if (isa == PG_ISA_AVX512)
        return rsi_fast_v4(price, n, t, w, k0, no_div, gy, ly, alpha, omf, den, out);
#endif
    if (no_div)
        return rsi_fast_body(price, n, t, w, k0, 0, gy, ly, alpha, omf, den, out);
    return rsi_fast_body(price, n, t, w, k0, 1, gy, ly, alpha, omf, den, out);
}

PG_ISA_CLONES(AVX512, size_t, rsi_fast,
              (const double *price, size_t n, size_t t, size_t w, size_t k0, int no_div, double *gy,
               double *ly, double alpha, double omf, double den, double *out),
              rsi_fast_level, (price, n, t, w, k0, no_div, gy, ly, alpha, omf, den, out));

void pgf_rsi_span(const double *price, size_t t, size_t n, size_t w, ema_state *gs, ema_state *ls,
                  double *out)
{
    if (t >= n)
        return;
    const double alpha = pgf_alpha_from_alpha(1.0 / (double)w);
    const double omf = 1.0 - alpha;
    const double den = omf + alpha;
    const int isa = pg_isa();
    ema_state g = *gs, l = *ls;
    if (t == 0) {
        ema_init(&g, NAN); /* d_0 is NaN */
        ema_init(&l, NAN);
        out[0] = NAN;
        t = 1;
    }
    while (t < n) {
        if (g.y == g.y && l.y == l.y && g.w == 1.0 && l.w == 1.0) {
            /* Both averages valid: run while the differences are finite
             * (then gain and loss are both valid inputs, and their counts
             * move together). */
            /* The counts can differ (an infinite difference is a valid
             * loss of 0 but no gain); both move by one a row here. */
            size_t k0 = g.k < l.k ? g.k : l.k;
            size_t c =
                rsi_fast[isa](price, n, t, w, k0, den == 1.0, &g.y, &l.y, alpha, omf, den, out);
            g.k += c;
            l.k += c;
            t += c;
            if (t == n)
                break;
        }
        double d = price[t] - price[t - 1];
        ema_step(&g, gain_of(d), alpha, omf);
        ema_step(&l, loss_of(d), alpha, omf);
        out[t] = rsi_of(ema_value(&g, w), ema_value(&l, w));
        t++;
    }
    *gs = g;
    *ls = l;
}

void pgf_rsi_run(const double *price, size_t n, size_t w, double *out)
{
    ema_state g = { NAN, 1.0, 0 }, l = g;
    pgf_rsi_span(price, 0, n, w, &g, &l, out);
}

int pg_rsi(const double *price, size_t n, size_t window, double *out)
{
    if (window < 1)
        return PG_EINVAL;
    if (n > 0 && (price == NULL || out == NULL))
        return PG_EINVAL;
    pgf_rsi_run(price, n, window, out);
    return PG_OK;
}
