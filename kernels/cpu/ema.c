/*
 * ema.c - pandas' ewm(adjust=False, ignore_na=False).mean() bit for bit,
 * and the two indicators TradePulse builds on it: RSI and MACD
 * (KERNELS.md section 1, "EMA", "RSI", "MACD").
 *
 * The recurrence is the one in pandas' ewma(): state y, weight w, count k.
 * The update keeps the division (w*y + a*c) / (w + a): (1-a) + a is not
 * always exactly 1 in floating point, and the golden files are bit-exact.
 * When it is exactly 1 the division is an identity and is skipped; when it
 * is not, it is kept.  Either way the result is the same bits.
 *
 * Assumes IEEE double without contraction (the CMake file builds kernels
 * with -ffp-contract=off and no fast-math).
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

double pgf_alpha_from_span(double span)
{
    /* pandas get_center_of_mass: comass = (span - 1) / 2, alpha = 1/(1+comass) */
    double comass = (span - 1.0) / 2.0;
    return 1.0 / (1.0 + comass);
}

double pgf_alpha_from_alpha(double a)
{
    double comass = (1.0 - a) / a;
    return 1.0 / (1.0 + comass);
}

/* One EWM accumulator.  y is NaN until the first valid input. */
typedef struct ema_state {
    double y;
    double w;
    size_t k;
} ema_state;

static inline void ema_init(ema_state *s, double x0)
{
    int v = isfinite(x0) != 0;
    s->y = v ? x0 : NAN;
    s->w = 1.0;
    s->k = (size_t)v;
}

/* pandas ewma() inner step for adjust=False, ignore_na=False. */
static inline void ema_step(ema_state *s, double c, double alpha, double omf)
{
    int v = isfinite(c) != 0;
    s->k += (size_t)v;
    if (s->y == s->y) {
        s->w *= omf;
        if (v) {
            if (s->y != c)
                s->y = (s->w * s->y + alpha * c) / (s->w + alpha);
            s->w = 1.0;
        }
    } else if (v) {
        s->y = c;
    }
}

static inline double ema_value(const ema_state *s, size_t min_periods)
{
    return s->k >= min_periods ? s->y : NAN;
}

void pgf_ema_run(const double *x, size_t n, double alpha, size_t min_periods, double *out)
{
    if (n == 0)
        return;
    const double omf = 1.0 - alpha;
    const double den = omf + alpha; /* w + alpha once w has been reset to 1 */
    ema_state s;
    ema_init(&s, x[0]);
    out[0] = ema_value(&s, min_periods);
    size_t t = 1;
    while (t < n) {
        if (s.y == s.y && s.w == 1.0) {
            /* Fast path: a run of valid inputs after a valid state.  The
             * weight is reset to 1 at every step, so w*omf == omf exactly and
             * the update is (omf*y + alpha*c) / den with den constant. */
            double y = s.y;
            size_t k = s.k;
            if (den == 1.0) {
                for (; t < n && isfinite(x[t]); t++) {
                    double c = x[t];
                    if (y != c)
                        y = omf * y + alpha * c;
                    k++;
                    out[t] = k >= min_periods ? y : NAN;
                }
            } else {
                for (; t < n && isfinite(x[t]); t++) {
                    double c = x[t];
                    if (y != c)
                        y = (omf * y + alpha * c) / den;
                    k++;
                    out[t] = k >= min_periods ? y : NAN;
                }
            }
            s.y = y;
            s.k = k;
            if (t == n)
                break;
        }
        ema_step(&s, x[t], alpha, omf);
        out[t] = ema_value(&s, min_periods);
        t++;
    }
}

/* Several EWMs of one series in one pass (pg_features' ema_w columns): on
 * a chunk of finite inputs where every chain is valid with weight 1 the
 * chains step together, one row at a time, so their latencies overlap; any
 * other chunk steps each chain the general way.  Both are pgf_ema_run's
 * operations in its order, so each column is bit-identical to it. */
#define EMA_MULTI_CHUNK 128

PGF_INLINE void ema_multi_fast(const double *x, size_t t, size_t end, size_t K, ema_state *s,
                               const double *alpha, const double *omf, const size_t *mp,
                               double *const *out)
{
    double y[PGF_EMA_MULTI_MAX];
    for (size_t c = 0; c < K; c++)
        y[c] = s[c].y;
    size_t k0 = s[0].k;
    for (size_t i = t; i < end; i++) {
        double v = x[i];
        size_t kk = k0 + (i - t) + 1;
        for (size_t c = 0; c < K; c++) {
            double u = omf[c] * y[c] + alpha[c] * v;
            y[c] = y[c] != v ? u : y[c];
            out[c][i] = kk >= mp[c] ? y[c] : NAN;
        }
    }
    for (size_t c = 0; c < K; c++) {
        s[c].y = y[c];
        s[c].k += end - t;
    }
}

void pgf_ema_multi_run(const double *x, size_t n, size_t K, const double *alpha,
                       const size_t *min_periods, double *const *out)
{
    if (n == 0 || K == 0)
        return;
    double omf[PGF_EMA_MULTI_MAX];
    int all_unit = K <= PGF_EMA_MULTI_MAX;
    for (size_t c = 0; c < K && all_unit; c++) {
        omf[c] = 1.0 - alpha[c];
        all_unit = omf[c] + alpha[c] == 1.0;
    }
    if (!all_unit) {
        /* (1-a)+a != 1 keeps a division: one chain at a time. */
        for (size_t c = 0; c < K; c++)
            pgf_ema_run(x, n, alpha[c], min_periods[c], out[c]);
        return;
    }
    ema_state s[PGF_EMA_MULTI_MAX];
    for (size_t c = 0; c < K; c++) {
        ema_init(&s[c], x[0]);
        out[c][0] = ema_value(&s[c], min_periods[c]);
    }
    for (size_t t = 1; t < n;) {
        size_t end = n - t < EMA_MULTI_CHUNK ? n : t + EMA_MULTI_CHUNK;
        int fast = 1;
        for (size_t c = 0; c < K; c++)
            fast &= s[c].y == s[c].y && s[c].w == 1.0 && s[c].k == s[0].k;
        if (fast) {
            double f = 0.0;
            for (size_t i = t; i < end; i++)
                f += x[i] * 0.0; /* NaN unless all finite */
            fast = f == 0.0;
        }
        if (fast) {
            switch (K) {
            case 1: ema_multi_fast(x, t, end, 1, s, alpha, omf, min_periods, out); break;
            case 2: ema_multi_fast(x, t, end, 2, s, alpha, omf, min_periods, out); break;
            case 3: ema_multi_fast(x, t, end, 3, s, alpha, omf, min_periods, out); break;
            default: ema_multi_fast(x, t, end, 4, s, alpha, omf, min_periods, out); break;
            }
        } else {
            for (size_t i = t; i < end; i++)
                for (size_t c = 0; c < K; c++) {
                    ema_step(&s[c], x[i], alpha[c], omf[c]);
                    out[c][i] = ema_value(&s[c], min_periods[c]);
                }
        }
        t = end;
    }
}

int pg_ema_alpha(const double *x, size_t n, double alpha, size_t min_periods, double *out)
{
    if (!(alpha > 0.0 && alpha <= 1.0))
        return PG_EINVAL;
    if (n > 0 && (x == NULL || out == NULL))
        return PG_EINVAL;
    pgf_ema_run(x, n, alpha, min_periods, out);
    return PG_OK;
}

int pg_ema(const double *x, size_t n, double span, size_t min_periods, double *out)
{
    if (!(span >= 1.0) || !isfinite(span))
        return PG_EINVAL;
    return pg_ema_alpha(x, n, pgf_alpha_from_span(span), min_periods, out);
}

/* ---------------------------------------------------------------------- */
/* pg_ema_scan: the same EWM as a vectorised linear scan                   */
/* ---------------------------------------------------------------------- */

/* On a run of finite inputs with a valid state the update is linear:
 * y_t = a*y_{t-1} + b*x_t with a = (1-alpha)/den, b = alpha/den (den =
 * (1-alpha)+alpha, usually exactly 1).  Eight rows at a time, as two
 * four-lane vectors:
 *   z = b*x, then a log-step prefix scan inside each vector (lane k gets
 *   z_k + a z_{k-1} + ... from lanes <= k only), the high half adds
 *   a^(1..4) times the low half's last lane, and the carried state Y enters
 *   as y = z + (a, a^2, ..., a^8) Y.
 * The loop-carried dependency is one scalar multiply and add per eight rows
 * (Y <- z_7 + a^8 Y); everything else is independent work.  The result is
 * the recurrence reassociated: not pandas' bits, but within 1e-12 relative
 * (docs/kernels.md; tests/property/test_ema_scan.c).  pandas' "y == c: keep
 * y" shortcut is dropped (the update gives y to within an ulp then).
 *
 * A group that meets a non-finite input is cut before it (zero padding: a
 * lane reads only lanes below it, so the rows before the cut get the same
 * bits as in a full group) and that row takes pandas' exact step; so the
 * output at row i depends only on rows <= i (prefix invariance).
 *
 * Three builds, picked at run time: portable, AVX2 (this body) and AVX-512
 * (ema_scan_v4, eight rows a register: 2x faster); all three give the same
 * bits (tests/property/test_ema_scan.c). */
typedef struct scan_consts {
    pgf_v4d b, a1, a2, plo, phi;
    double a8;
    double p[9]; /* a^0 .. a^8 */
    double bs;   /* b */
} scan_consts;

PGF_INLINE pgf_v4d scan_local4(pgf_v4d z, const scan_consts *c)
{
    const pgf_v4d zero = pgf_bcast(0.0);
    z += c->a1 * __builtin_shufflevector(zero, z, 0, 4, 5, 6);
    z += c->a2 * __builtin_shufflevector(zero, z, 0, 1, 4, 5);
    return z;
}

/* Rows t.. of the run while x is finite; y is the state before row t.
 * Returns the rows written; *yp gets the state after them. */
PGF_INLINE size_t ema_scan_body(const double *x, size_t n, size_t t, double *yp,
                                const scan_consts *c, double *out)
{
    double y = *yp;
    const size_t t0 = t;
    for (;;) {
        size_t m = n - t < 8 ? n - t : 8;
        if (m == 0)
            break;
        pgf_v4d lo = m >= 4 ? pgf_load4(x + t) : pgf_load4_part(x + t, m);
        pgf_v4d hi = m >= 8 ? pgf_load4(x + t + 4)
                            : m > 4 ? pgf_load4_part(x + t + 4, m - 4) : pgf_bcast(0.0);
        pgf_v4d fin = lo * 0.0 + hi * 0.0;
        if (fin[0] + fin[1] + fin[2] + fin[3] != 0.0) {
            /* A non-finite value in the group: cut the group before it. */
            size_t q = 0;
            while (isfinite(x[t + q]))
                q++;
            if (q == 0)
                break;
            m = q;
            lo = m >= 4 ? pgf_load4(x + t) : pgf_load4_part(x + t, m);
            hi = m > 4 ? pgf_load4_part(x + t + 4, m - 4) : pgf_bcast(0.0);
        }
        lo = scan_local4(c->b * lo, c);
        hi = scan_local4(c->b * hi, c);
        hi += c->plo * pgf_bcast(lo[3]);
        pgf_v4d yv = pgf_bcast(y);
        pgf_v4d ylo = lo + c->plo * yv, yhi = hi + c->phi * yv;
        if (m == 8) {
            memcpy(out + t, &ylo, sizeof ylo);
            memcpy(out + t + 4, &yhi, sizeof yhi);
            y = hi[3] + c->a8 * y; /* == yhi[3], off the vector path */
        } else {
            pgf_store4_part(out + t, ylo, m);
            if (m > 4)
                pgf_store4_part(out + t + 4, yhi, m - 4);
            y = m > 4 ? yhi[m - 5] : ylo[m - 1];
            t += m;
            break;
        }
        t += 8;
    }
    *yp = y;
    return t - t0;
}

#if PG_ISA_X86
/* The same scan, eight rows a register (AVX-512), with the same IEEE
 * operations in the same order as ema_scan_body (no FMA), so it gives the
 * portable and AVX2 clones' bits:
 *   z = b*x; the two in-half log-steps (lanes 0 and 4 add a*(+0), as the
 *   portable shuffle with a zero vector does); the high half adds
 *   (a..a^4) * z_3 (a masked add: the low half is left as it is); then
 *   y = z + (a..a^8) Y and Y <- z_7 + a^8 Y.
 * Y is kept broadcast in a register, so the loop-carried dependency is one
 * multiply and add per eight rows with no shuffle on it.  Full blocks of 32
 * rows are tested for non-finite values once (four fpclass masks, one
 * branch); a block holding one goes group by group as ema_scan_body does
 * (cut before the first non-finite value, zero padding). */
typedef struct scan_v4c {
    __m512d b, a1, a2, c3, p, a8;
    __m512i i1, i2, i3, i7;
} scan_v4c;

#define SCAN_V4_BAD 0x99 /* fpclass: QNaN, SNaN, +inf, -inf */

/* The last, short group of a scan: *m = min(8, n - t) inputs loaded, cut
 * before the first lane of bad(v) (zero from there); *lm the live lanes.
 * *m == 0 when row t itself is bad. */
#define SCAN_V4_TAIL(x, t, n, m, lm, v, bad_of)                                                    \
    do {                                                                                           \
        *(m) = (n) - (t) < 8 ? (n) - (t) : 8;                                                      \
        *(lm) = (__mmask8)((1u << *(m)) - 1u);                                                     \
        *(v) = _mm512_maskz_loadu_pd(*(lm), (x) + (t));                                            \
        __mmask8 bad_ = (bad_of);                                                                  \
        if (bad_) {                                                                                \
            *(m) = (size_t)__builtin_ctz(bad_);                                                    \
            *(lm) = (__mmask8)((1u << *(m)) - 1u);                                                 \
            *(v) = _mm512_maskz_mov_pd(*(lm), *(v));                                               \
        }                                                                                          \
    } while (0)

PG_TARGET_V4 PGF_INLINE __m512d scan8_v4(__m512d x, const scan_v4c *k)
{
    __m512d z = _mm512_mul_pd(k->b, x);
    z = _mm512_add_pd(z, _mm512_mul_pd(k->a1, _mm512_maskz_permutexvar_pd(0xEE, k->i1, z)));
    z = _mm512_add_pd(z, _mm512_mul_pd(k->a2, _mm512_maskz_permutexvar_pd(0xCC, k->i2, z)));
    return _mm512_mask_add_pd(z, 0xF0, z, _mm512_mul_pd(k->c3, _mm512_permutexvar_pd(k->i3, z)));
}

/* One full group: stores y, returns the new broadcast state. */
PG_TARGET_V4 PGF_INLINE __m512d scan_group_v4(__m512d x, __m512d Y, const scan_v4c *k,
                                              double *out)
{
    __m512d z = scan8_v4(x, k);
    _mm512_storeu_pd(out, _mm512_add_pd(z, _mm512_mul_pd(k->p, Y)));
    return _mm512_add_pd(_mm512_permutexvar_pd(k->i7, z), _mm512_mul_pd(k->a8, Y));
}

PG_TARGET_V4 static size_t ema_scan_v4(const double *x, size_t n, size_t t, double *yp,
                                       const scan_consts *c, double *out)
{
    const double *p = c->p;
    const scan_v4c k = {
        _mm512_set1_pd(c->bs),
        _mm512_set1_pd(p[1]),
        _mm512_set1_pd(p[2]),
        _mm512_setr_pd(0.0, 0.0, 0.0, 0.0, p[1], p[2], p[3], p[4]),
        _mm512_setr_pd(p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]),
        _mm512_set1_pd(p[8]),
        _mm512_setr_epi64(0, 0, 1, 2, 0, 4, 5, 6),
        _mm512_setr_epi64(0, 0, 0, 1, 0, 0, 4, 5),
        _mm512_set1_epi64(3),
        _mm512_set1_epi64(7),
    };
    __m512d Y = _mm512_set1_pd(*yp);
    const size_t t0 = t;
    for (; n - t >= 32; t += 32) {
        __m512d v0 = _mm512_loadu_pd(x + t), v1 = _mm512_loadu_pd(x + t + 8);
        __m512d v2 = _mm512_loadu_pd(x + t + 16), v3 = _mm512_loadu_pd(x + t + 24);
        __mmask8 bad = _mm512_fpclass_pd_mask(v0, SCAN_V4_BAD) |
                       _mm512_fpclass_pd_mask(v1, SCAN_V4_BAD) |
                       _mm512_fpclass_pd_mask(v2, SCAN_V4_BAD) |
                       _mm512_fpclass_pd_mask(v3, SCAN_V4_BAD);
        if (bad)
            break;
        Y = scan_group_v4(v0, Y, &k, out + t);
        Y = scan_group_v4(v1, Y, &k, out + t + 8);
        Y = scan_group_v4(v2, Y, &k, out + t + 16);
        Y = scan_group_v4(v3, Y, &k, out + t + 24);
    }
    /* Group by group: up to the first non-finite value or the end. */
    while (t < n) {
        size_t m;
        __mmask8 lm;
        __m512d v;
        SCAN_V4_TAIL(x, t, n, &m, &lm, &v, _mm512_fpclass_pd_mask(v, SCAN_V4_BAD));
        if (m == 0)
            break;
        if (m == 8) {
            Y = scan_group_v4(v, Y, &k, out + t);
            t += 8;
            continue;
        }
        __m512d y = _mm512_add_pd(scan8_v4(v, &k), _mm512_mul_pd(k.p, Y));
        _mm512_mask_storeu_pd(out + t, lm, y);
        Y = _mm512_permutexvar_pd(_mm512_set1_epi64((long long)m - 1), y);
        t += m;
        break;
    }
    *yp = _mm512_cvtsd_f64(Y);
    return t - t0;
}
#endif

/* The scan's rows in each level's build: AVX-512 runs ema_scan_v4, the
 * others the four-lane body. */
PGF_INLINE size_t ema_scan_level(int isa, const double *x, size_t n, size_t t, double *yp,
                                 const scan_consts *c, double *out)
{
#if PG_ISA_X86
    if (isa == PG_ISA_AVX512)
        return ema_scan_v4(x, n, t, yp, c, out);
#endif
    return ema_scan_body(x, n, t, yp, c, out);
}

PG_ISA_CLONES(AVX512, size_t, ema_scan_rows,
              (const double *x, size_t n, size_t t, double *yp, const scan_consts *c,
               double *out),
              ema_scan_level, (x, n, t, yp, c, out));

void pgf_ema_scan_run(const double *x, size_t n, double alpha, size_t min_periods, double *out)
{
    if (n == 0)
        return;
    const double omf = 1.0 - alpha;
    const double den = omf + alpha;
    const double a = omf / den, b = alpha / den;
    double p[9];
    p[0] = 1.0;
    for (int k = 1; k <= 8; k++)
        p[k] = p[k - 1] * a;
    scan_consts c = { pgf_bcast(b),
                      pgf_bcast(a),
                      pgf_bcast(p[2]),
                      (pgf_v4d){ p[1], p[2], p[3], p[4] },
                      (pgf_v4d){ p[5], p[6], p[7], p[8] },
                      p[8],
                      { 0 },
                      b };
    memcpy(c.p, p, sizeof p);
    size_t (*const body)(const double *, size_t, size_t, double *, const scan_consts *,
                         double *) = ema_scan_rows[pg_isa()];
    ema_state s;
    ema_init(&s, x[0]);
    out[0] = ema_value(&s, min_periods);
    size_t t = 1;
    while (t < n) {
        if (s.y == s.y && s.w == 1.0) {
            size_t k0 = s.k;
            size_t done = body(x, n, t, &s.y, &c, out);
            s.k += done;
            /* Warm-up rows (count below min_periods) are NaN. */
            for (size_t q = 0; q < done && k0 + q + 1 < min_periods; q++)
                out[t + q] = NAN;
            t += done;
            if (t == n)
                break;
        }
        ema_step(&s, x[t], alpha, omf);
        out[t] = ema_value(&s, min_periods);
        t++;
    }
}

int pg_ema_scan(const double *x, size_t n, double span, size_t min_periods, double *out)
{
    if (!(span >= 1.0) || !isfinite(span))
        return PG_EINVAL;
    if (n > 0 && (x == NULL || out == NULL))
        return PG_EINVAL;
    pgf_ema_scan_run(x, n, pgf_alpha_from_span(span), min_periods, out);
    return PG_OK;
}

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

/* y <- the update unless y == c.  Written as a select; GCC keeps the
 * compare as a branch that the data never flips in practice (y == c only
 * on a flat stretch), which measured faster than a lane-wise blend
 * (docs/performance.md).  den == 1: no division. */
static inline double ema_upd(double y, double c, double alpha, double omf, double den,
                             int divide)
{
    double u = omf * y + alpha * c;
    if (divide)
        u = u / den;
    return y != c ? u : y;
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
PG_TARGET_V4 PGF_INLINE void rsi_group_v4(const double *price, size_t t, __m128d *y,
                                          __m128d *oy, const rsi_v4c *k, int divide,
                                          __m256d *g4, __m256d *l4)
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
    __m128d r0 = *y = rsi_step_v4(oy, *y, _mm256_castpd256_pd128(c02),
                                  _mm256_castpd256_pd128(a02), k, divide);
    __m128d r1 = *y = rsi_step_v4(oy, *y, _mm256_castpd256_pd128(c13),
                                  _mm256_castpd256_pd128(a13), k, divide);
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
    return _mm512_fpclass_pd_mask(d, SCAN_V4_BAD);
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

PG_TARGET_V4 static size_t rsi_fast_v4(const double *price, size_t n, size_t t, size_t w,
                                       size_t k0, int no_div, double *gy, double *ly,
                                       double alpha, double omf, double den, double *out)
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
              (const double *price, size_t n, size_t t, size_t w, size_t k0, int no_div,
               double *gy, double *ly, double alpha, double omf, double den, double *out),
              rsi_fast_level, (price, n, t, w, k0, no_div, gy, ly, alpha, omf, den, out));

void pgf_rsi_run(const double *price, size_t n, size_t w, double *out)
{
    if (n == 0)
        return;
    const double alpha = pgf_alpha_from_alpha(1.0 / (double)w);
    const double omf = 1.0 - alpha;
    const double den = omf + alpha;
    const int isa = pg_isa();
    ema_state g, l;
    ema_init(&g, NAN); /* d_0 is NaN */
    ema_init(&l, NAN);
    out[0] = NAN;
    size_t t = 1;
    while (t < n) {
        if (g.y == g.y && l.y == l.y && g.w == 1.0 && l.w == 1.0) {
            /* Both averages valid: run while the differences are finite
             * (then gain and loss are both valid inputs, and their counts
             * move together). */
            /* The counts can differ (an infinite difference is a valid
             * loss of 0 but no gain); both move by one a row here. */
            size_t k0 = g.k < l.k ? g.k : l.k;
            size_t c = rsi_fast[isa](price, n, t, w, k0, den == 1.0, &g.y, &l.y, alpha, omf,
                                     den, out);
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

/* MACD's fast path: all three EWMs valid with weight 1 and a run of finite
 * prices (and finite macd values).  The three chains step one row at a time
 * as pandas does (the signal reads this row's macd, so the CPU overlaps
 * them), four rows a group.  The per-row finiteness tests are replaced by
 * one vector test a group: while every price and the three states are
 * within +-1e300, each EWM is a convex combination of such values (its
 * weights sum to exactly 1 here) and stays within 1e300 (1 + 2^-52)^rows,
 * so macd, signal and histogram are finite without being tested.  Rows
 * where that does not hold go the tested way, one at a time. */
#define MACD_SAFE 1e300

/* Rows t .. end-1 with the finiteness tests, stopping before a non-finite
 * price or macd; returns the row reached. */
PGF_INLINE size_t macd_rows_tested(const double *price, size_t end, size_t t, double *fyp,
                                   double *syp, double *gyp, double af, double of, double as,
                                   double os, double ag, double og, double *ema_fast,
                                   double *ema_slow, double *macd, double *macd_signal,
                                   double *histogram, int with_emas)
{
    double fy = *fyp, sy = *syp, gy = *gyp;
    for (; t < end; t++) {
        double c = price[t];
        if (!isfinite(c))
            break;
        double nf = ema_upd(fy, c, af, of, 1.0, 0);
        double ns = ema_upd(sy, c, as, os, 1.0, 0);
        double m = nf - ns;
        if (!isfinite(m))
            break;
        fy = nf;
        sy = ns;
        gy = ema_upd(gy, m, ag, og, 1.0, 0);
        if (with_emas) {
            ema_fast[t] = fy;
            ema_slow[t] = sy;
        }
        macd[t] = m;
        macd_signal[t] = gy;
        histogram[t] = m - gy;
    }
    *fyp = fy;
    *syp = sy;
    *gyp = gy;
    return t;
}

PGF_INLINE size_t macd_fast_body(const double *price, size_t n, size_t t, ema_state *f,
                                 ema_state *s, ema_state *g, double af, double of, double as,
                                 double os, double ag, double og, double *ema_fast,
                                 double *ema_slow, double *macd, double *macd_signal,
                                 double *histogram, int with_emas)
{
    double fy = f->y, sy = s->y, gy = g->y;
    size_t t0 = t;
    const pgf_v4d lim = pgf_bcast(MACD_SAFE);
    const pgf_v4i absmask = { INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX };
    for (;;) {
        if (!(fabs(fy) <= MACD_SAFE && fabs(sy) <= MACD_SAFE && fabs(gy) <= 2.0 * MACD_SAFE))
            goto tested;
        for (; n - t >= 4; t += 4) {
            pgf_v4d c4 = pgf_load4(price + t);
            pgf_v4d a4 = (pgf_v4d)((pgf_v4i)c4 & absmask);
            if (pgf_any(~(a4 <= lim)))
                break;
            for (int k = 0; k < 4; k++) {
                double c = price[t + k];
                fy = ema_upd(fy, c, af, of, 1.0, 0);
                sy = ema_upd(sy, c, as, os, 1.0, 0);
                double m = fy - sy;
                gy = ema_upd(gy, m, ag, og, 1.0, 0);
                if (with_emas) {
                    ema_fast[t + k] = fy;
                    ema_slow[t + k] = sy;
                }
                macd[t + k] = m;
                macd_signal[t + k] = gy;
                histogram[t + k] = m - gy;
            }
        }
    tested:;
        /* Up to four rows tested one at a time, then groups again. */
        size_t end = n - t < 4 ? n : t + 4;
        size_t t1 = t;
        t = macd_rows_tested(price, end, t, &fy, &sy, &gy, af, of, as, os, ag, og, ema_fast,
                             ema_slow, macd, macd_signal, histogram, with_emas);
        if (t < end || t == n || t == t1)
            break;
    }
    f->y = fy;
    s->y = sy;
    g->y = gy;
    f->k += t - t0;
    s->k += t - t0;
    g->k += t - t0;
    return t;
}

/* The fast path in each level's build (AVX-512 runs the AVX2 one), with
 * the two EMA columns written or not. */
PGF_INLINE size_t macd_fast_level(int isa, const double *price, size_t n, size_t t, ema_state *f,
                                  ema_state *s, ema_state *g, double af, double of, double as,
                                  double os, double ag, double og, double *ema_fast,
                                  double *ema_slow, double *macd, double *macd_signal,
                                  double *histogram)
{
    (void)isa;
    if (ema_fast != NULL && ema_slow != NULL)
        return macd_fast_body(price, n, t, f, s, g, af, of, as, os, ag, og, ema_fast, ema_slow,
                              macd, macd_signal, histogram, 1);
    return macd_fast_body(price, n, t, f, s, g, af, of, as, os, ag, og, NULL, NULL, macd,
                          macd_signal, histogram, 0);
}

PG_ISA_CLONES(AVX2, size_t, macd_fast,
              (const double *price, size_t n, size_t t, ema_state *f, ema_state *s,
               ema_state *g, double af, double of, double as, double os, double ag, double og,
               double *ema_fast, double *ema_slow, double *macd, double *macd_signal,
               double *histogram),
              macd_fast_level,
              (price, n, t, f, s, g, af, of, as, os, ag, og, ema_fast, ema_slow, macd,
               macd_signal, histogram));

void pgf_macd_run(const double *price, size_t n, size_t fast, size_t slow, size_t signal,
                  double *ema_fast, double *ema_slow, double *macd, double *macd_signal,
                  double *histogram)
{
    if (n == 0)
        return;
    const double af = pgf_alpha_from_span((double)fast), of = 1.0 - af;
    const double as = pgf_alpha_from_span((double)slow), os = 1.0 - as;
    const double ag = pgf_alpha_from_span((double)signal), og = 1.0 - ag;
    /* The fast path skips the division: only when (1-a)+a is exactly 1. */
    const int no_div = of + af == 1.0 && os + as == 1.0 && og + ag == 1.0;
    const int isa = pg_isa();
    ema_state f, s, g;
    ema_init(&f, price[0]);
    ema_init(&s, price[0]);
    double m = ema_value(&f, 1) - ema_value(&s, 1);
    ema_init(&g, m);
    for (size_t t = 0;;) {
        double fv = ema_value(&f, 1), sv = ema_value(&s, 1), gv = ema_value(&g, 1);
        if (ema_fast)
            ema_fast[t] = fv;
        if (ema_slow)
            ema_slow[t] = sv;
        macd[t] = m;
        macd_signal[t] = gv;
        histogram[t] = m - gv;
        if (++t == n)
            break;
        if (no_div && f.y == f.y && s.y == s.y && g.y == g.y && f.w == 1.0 && s.w == 1.0 &&
            g.w == 1.0) {
            size_t u = macd_fast[isa](price, n, t, &f, &s, &g, af, of, as, os, ag, og, ema_fast,
                                      ema_slow, macd, macd_signal, histogram);
            if (u > t) {
                /* Rows t .. u-1 are written; step the general way from u. */
                t = u;
                if (t == n)
                    break;
                m = ema_value(&f, 1) - ema_value(&s, 1);
            }
        }
        /* Three independent chains per row: the CPU overlaps them. */
        ema_step(&f, price[t], af, of);
        ema_step(&s, price[t], as, os);
        m = ema_value(&f, 1) - ema_value(&s, 1);
        ema_step(&g, m, ag, og);
    }
}

int pg_macd(const double *price, size_t n, size_t fast, size_t slow, size_t signal,
            double *ema_fast, double *ema_slow, double *macd, double *macd_signal,
            double *histogram)
{
    if (fast < 1 || slow < 1 || signal < 1)
        return PG_EINVAL;
    if (n > 0 && (price == NULL || macd == NULL || macd_signal == NULL || histogram == NULL))
        return PG_EINVAL;
    pgf_macd_run(price, n, fast, slow, signal, ema_fast, ema_slow, macd, macd_signal,
                 histogram);
    return PG_OK;
}

/* ---------------------------------------------------------------------- */
/* pg_macd_scan: MACD from three fused vectorised scans                    */
/* ---------------------------------------------------------------------- */

/* pg_ema_scan's linear scan applied three times in one pass over the price:
 * each group of eight rows scans the fast and the slow EWM of the price
 * (local log-step scan, then the carried state times a^1..a^8), takes
 * macd = fast - slow in the vector, scans the signal EWM of that macd the
 * same way, and stores macd, signal and histogram = macd - signal.  Unlike
 * pg_ema_scan, the first step of the fast and the slow scan is
 * b*x + (b*a)*x_{-1}, so the two share the shift of the price, and the
 * carried state is the group's last output (a broadcast of its last lane):
 * each saves one vector operation a group, and the pass is bound by its
 * ~40 vector operations per eight rows (the loop-carried chains, a
 * multiply, an add and a broadcast per eight rows each, are not).  So it
 * runs near the cost of its loads and stores instead of pandas' dependent
 * chain (pg_macd).  Not pandas' bits: within 1e-12 of max|price|
 * (tests/property/test_macd_scan.c; measured 4.4e-15).
 *
 * Which rows take the scan: while the three states are valid with weight 1
 * and bounded (|fast|, |slow| <= 1e301, |signal| <= 1e302), the rows whose
 * price is within +-1e300.  There every scanned value is a sum of terms of
 * such a size with weights summing to about 1, so fast, slow, macd, signal
 * and histogram are finite untested (as in pg_macd's fast path).  A group
 * that meets a NaN, an infinity or a price beyond 1e300 is cut before it
 * (zero padding: a lane reads only lanes below it) and that row takes
 * pandas' exact step, the way pg_macd's general path does (so the NaN and
 * warm-up rules are pg_macd's: a NaN price carries the states, the weights
 * decay over the gap, a non-finite macd is no input to the signal).  What
 * path a row takes depends on rows <= it only: prefix invariance.
 *
 * Three builds, same bits: portable, AVX2 (macd_scan_body, two four-lane
 * halves a group) and AVX-512 (macd_scan_v4, one register a group, the
 * same IEEE operations in the same order, one range test per 32 rows). */
#define MACD_SCAN_SAFE 1e300
#define MACD_SCAN_STATE 1e301
#define MACD_SCAN_SIGNAL 1e302
#define MACD_PF 512
#define MACD_PF_MIN ((size_t)1 << 17)

typedef struct macd_scan_consts {
    scan_consts e[3]; /* fast, slow, signal */
    pgf_v4d ab[2];    /* b*a of fast and slow */
} macd_scan_consts;

static void macd_scan_consts_init(scan_consts *c, double alpha)
{
    const double omf = 1.0 - alpha;
    const double den = omf + alpha;
    const double a = omf / den, b = alpha / den;
    memset(c, 0, sizeof *c);
    c->p[0] = 1.0;
    for (int k = 1; k <= 8; k++)
        c->p[k] = c->p[k - 1] * a;
    c->b = pgf_bcast(b);
    c->a1 = pgf_bcast(a);
    c->a2 = pgf_bcast(c->p[2]);
    c->plo = (pgf_v4d){ c->p[1], c->p[2], c->p[3], c->p[4] };
    c->phi = (pgf_v4d){ c->p[5], c->p[6], c->p[7], c->p[8] };
    c->a8 = c->p[8];
    c->bs = b;
}

/* The local scan of eight rows in two halves: z = b*x, the in-half log
 * steps, the high half adds a^(1..4) times the low half's last lane. */
PGF_INLINE void macd_scan8(pgf_v4d *lo, pgf_v4d *hi, const scan_consts *c)
{
    pgf_v4d l = scan_local4(c->b * *lo, c), h = scan_local4(c->b * *hi, c);
    h += c->plo * pgf_bcast(l[3]);
    *lo = l;
    *hi = h;
}

/* macd_scan8 for the fast and the slow EWM of the price, which share its
 * shift: the first step is z = b*x + (b*a)*x_{-1}. */
PGF_INLINE void macd_scan8x(pgf_v4d xlo, pgf_v4d xhi, pgf_v4d slo, pgf_v4d shi,
                            const scan_consts *c, pgf_v4d ab, pgf_v4d *lo, pgf_v4d *hi)
{
    const pgf_v4d zero = pgf_bcast(0.0);
    pgf_v4d l = c->b * xlo + ab * slo, h = c->b * xhi + ab * shi;
    l += c->a2 * __builtin_shufflevector(zero, l, 0, 1, 4, 5);
    h += c->a2 * __builtin_shufflevector(zero, h, 0, 1, 4, 5);
    h += c->plo * pgf_bcast(l[3]);
    *lo = l;
    *hi = h;
}

/* One group of m (1..8) rows, x zero past m: writes the three outputs and
 * steps the states F, S, G. */
PGF_INLINE void macd_scan_group(pgf_v4d xlo, pgf_v4d xhi, size_t m, double *F, double *S,
                                double *G, const macd_scan_consts *k, double *macd,
                                double *sig, double *hist)
{
    const scan_consts *cf = &k->e[0], *cs = &k->e[1], *cg = &k->e[2];
    const pgf_v4d zero = pgf_bcast(0.0);
    const pgf_v4d s1lo = __builtin_shufflevector(zero, xlo, 0, 4, 5, 6);
    const pgf_v4d s1hi = __builtin_shufflevector(zero, xhi, 0, 4, 5, 6);
    pgf_v4d flo, fhi, slo, shi;
    macd_scan8x(xlo, xhi, s1lo, s1hi, cf, k->ab[0], &flo, &fhi);
    macd_scan8x(xlo, xhi, s1lo, s1hi, cs, k->ab[1], &slo, &shi);
    const pgf_v4d vF = pgf_bcast(*F), vS = pgf_bcast(*S), vG = pgf_bcast(*G);
    pgf_v4d yflo = flo + cf->plo * vF, yfhi = fhi + cf->phi * vF;
    pgf_v4d yslo = slo + cs->plo * vS, yshi = shi + cs->phi * vS;
    pgf_v4d dlo = yflo - yslo, dhi = yfhi - yshi;
    pgf_v4d glo = dlo, ghi = dhi;
    macd_scan8(&glo, &ghi, cg);
    pgf_v4d yglo = glo + cg->plo * vG, yghi = ghi + cg->phi * vG;
    pgf_v4d hlo = dlo - yglo, hhi = dhi - yghi;
    if (m == 8) {
        memcpy(macd, &dlo, sizeof dlo);
        memcpy(macd + 4, &dhi, sizeof dhi);
        memcpy(sig, &yglo, sizeof yglo);
        memcpy(sig + 4, &yghi, sizeof yghi);
        memcpy(hist, &hlo, sizeof hlo);
        memcpy(hist + 4, &hhi, sizeof hhi);
        *F = yfhi[3];
        *S = yshi[3];
        *G = yghi[3];
        return;
    }
    pgf_store4_part(macd, dlo, m);
    pgf_store4_part(sig, yglo, m);
    pgf_store4_part(hist, hlo, m);
    if (m > 4) {
        pgf_store4_part(macd + 4, dhi, m - 4);
        pgf_store4_part(sig + 4, yghi, m - 4);
        pgf_store4_part(hist + 4, hhi, m - 4);
        *F = yfhi[m - 5];
        *S = yshi[m - 5];
        *G = yghi[m - 5];
    } else {
        *F = yflo[m - 1];
        *S = yslo[m - 1];
        *G = yglo[m - 1];
    }
}

/* Whether any of the four lanes is beyond +-MACD_SCAN_SAFE or NaN. */
PGF_INLINE int macd_scan_bad4(pgf_v4d v)
{
    const pgf_v4i absmask = { INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX };
    pgf_v4d a = (pgf_v4d)((pgf_v4i)v & absmask);
    return pgf_any(~(a <= pgf_bcast(MACD_SCAN_SAFE)));
}

/* Rows t.. while the price is within +-MACD_SCAN_SAFE; returns the rows
 * written and leaves the states after them in *F, *S, *G. */
PGF_INLINE size_t macd_scan_body(const double *x, size_t n, size_t t, double *F, double *S,
                                 double *G, const macd_scan_consts *k, double *macd,
                                 double *sig, double *hist)
{
    const size_t t0 = t;
    double f = *F, s = *S, g = *G;
    for (;;) {
        size_t m = n - t < 8 ? n - t : 8;
        if (m == 0)
            break;
        pgf_v4d lo = m >= 4 ? pgf_load4(x + t) : pgf_load4_part(x + t, m);
        pgf_v4d hi = m >= 8 ? pgf_load4(x + t + 4)
                            : m > 4 ? pgf_load4_part(x + t + 4, m - 4) : pgf_bcast(0.0);
        if (macd_scan_bad4(lo) || macd_scan_bad4(hi)) {
            /* Cut the group before the first such price. */
            size_t q = 0;
            while (fabs(x[t + q]) <= MACD_SCAN_SAFE)
                q++;
            if (q == 0)
                break;
            m = q;
            lo = m >= 4 ? pgf_load4(x + t) : pgf_load4_part(x + t, m);
            hi = m > 4 ? pgf_load4_part(x + t + 4, m - 4) : pgf_bcast(0.0);
        }
        macd_scan_group(lo, hi, m, &f, &s, &g, k, macd + t, sig + t, hist + t);
        t += m;
        if (m < 8)
            break;
    }
    *F = f;
    *S = s;
    *G = g;
    return t - t0;
}

#if PG_ISA_X86
PG_TARGET_V4 PGF_INLINE void macd_v4c_make(scan_v4c *k, const scan_consts *c)
{
    const double *p = c->p;
    k->b = _mm512_set1_pd(c->bs);
    k->a1 = _mm512_set1_pd(p[1]);
    k->a2 = _mm512_set1_pd(p[2]);
    k->c3 = _mm512_setr_pd(0.0, 0.0, 0.0, 0.0, p[1], p[2], p[3], p[4]);
    k->p = _mm512_setr_pd(p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
    k->a8 = _mm512_set1_pd(p[8]);
    k->i1 = _mm512_setr_epi64(0, 0, 1, 2, 0, 4, 5, 6);
    k->i2 = _mm512_setr_epi64(0, 0, 0, 1, 0, 0, 4, 5);
    k->i3 = _mm512_set1_epi64(3);
    k->i7 = _mm512_set1_epi64(7);
}

/* scan8_v4's operations (the same values) with in-half immediate
 * permutes for the first two steps. */
PG_TARGET_V4 PGF_INLINE __m512d macd_scan8_v4(__m512d x, const scan_v4c *k)
{
    __m512d z = _mm512_mul_pd(k->b, x);
    z = _mm512_add_pd(z, _mm512_mul_pd(k->a1, _mm512_maskz_permutex_pd(0xEE, z, 0x90)));
    z = _mm512_add_pd(z, _mm512_mul_pd(k->a2, _mm512_maskz_permutex_pd(0xCC, z, 0x40)));
    return _mm512_mask_add_pd(z, 0xF0, z, _mm512_mul_pd(k->c3, _mm512_permutexvar_pd(k->i3, z)));
}

/* macd_scan8x (the shared shift of the price), eight rows a register. */
PG_TARGET_V4 PGF_INLINE __m512d macd_scan8x_v4(__m512d x, __m512d sx, const scan_v4c *k,
                                               __m512d ab)
{
    __m512d z = _mm512_add_pd(_mm512_mul_pd(k->b, x), _mm512_mul_pd(ab, sx));
    z = _mm512_add_pd(z, _mm512_mul_pd(k->a2, _mm512_maskz_permutex_pd(0xCC, z, 0x40)));
    return _mm512_mask_add_pd(z, 0xF0, z, _mm512_mul_pd(k->c3, _mm512_permutexvar_pd(k->i3, z)));
}

/* One full group of eight rows (AVX-512): macd_scan_group's operations.
 * The carried states are the last lanes of the outputs, broadcast.  k[3]
 * and k[4] hold b*a of fast and slow in their b field. */
PG_TARGET_V4 PGF_INLINE void macd_group_v4(__m512d x, __m512d *F, __m512d *S, __m512d *G,
                                           const scan_v4c *k, double *macd, double *sig,
                                           double *hist)
{
    const __m512d sx = _mm512_maskz_permutex_pd(0xEE, x, 0x90);
    __m512d yf = _mm512_add_pd(macd_scan8x_v4(x, sx, &k[0], k[3].b), _mm512_mul_pd(k[0].p, *F));
    __m512d ys = _mm512_add_pd(macd_scan8x_v4(x, sx, &k[1], k[4].b), _mm512_mul_pd(k[1].p, *S));
    __m512d d = _mm512_sub_pd(yf, ys);
    *F = _mm512_permutexvar_pd(k[0].i7, yf);
    *S = _mm512_permutexvar_pd(k[1].i7, ys);
    __m512d yg = _mm512_add_pd(macd_scan8_v4(d, &k[2]), _mm512_mul_pd(k[2].p, *G));
    *G = _mm512_permutexvar_pd(k[2].i7, yg);
    _mm512_storeu_pd(macd, d);
    _mm512_storeu_pd(sig, yg);
    _mm512_storeu_pd(hist, _mm512_sub_pd(d, yg));
}

PG_TARGET_V4 PGF_INLINE __mmask8 macd_bad_v4(__m512d v, __m512d lim)
{
    /* |v| > lim, or NaN (unordered) */
    return _mm512_cmp_pd_mask(_mm512_abs_pd(v), lim, _CMP_NLE_UQ);
}

PG_TARGET_V4 static size_t macd_scan_v4(const double *x, size_t n, size_t t, double *Fp,
                                        double *Sp, double *Gp, const macd_scan_consts *c,
                                        double *macd, double *sig, double *hist)
{
    scan_v4c k[5];
    memset(k, 0, sizeof k);
    for (int e = 0; e < 3; e++)
        macd_v4c_make(&k[e], &c->e[e]);
    k[3].b = _mm512_set1_pd(c->ab[0][0]);
    k[4].b = _mm512_set1_pd(c->ab[1][0]);
    const __m512d lim = _mm512_set1_pd(MACD_SCAN_SAFE);
    __m512d F = _mm512_set1_pd(*Fp), S = _mm512_set1_pd(*Sp), G = _mm512_set1_pd(*Gp);
    const size_t t0 = t;
    /* Past a few MiB of data (n - t >= MACD_PF_MIN rows) each 32-row block
     * also prefetches the price and the three outputs MACD_PF rows ahead:
     * at 1M rows that took the pass from ~0.80 to ~0.73 ns a row (the
     * outputs' prefetch alone was slower); in cache it cost ~5 %. */
    const int pf = n - t >= MACD_PF_MIN;
    for (; n - t >= 32; t += 32) {
        if (pf && n - t >= MACD_PF + 32) {
            for (size_t q = 0; q < 32; q += 8) {
                _mm_prefetch((const char *)(x + t + MACD_PF + q), _MM_HINT_T0);
                _mm_prefetch((const char *)(macd + t + MACD_PF + q), _MM_HINT_T0);
                _mm_prefetch((const char *)(sig + t + MACD_PF + q), _MM_HINT_T0);
                _mm_prefetch((const char *)(hist + t + MACD_PF + q), _MM_HINT_T0);
            }
        }
        __m512d v0 = _mm512_loadu_pd(x + t), v1 = _mm512_loadu_pd(x + t + 8);
        __m512d v2 = _mm512_loadu_pd(x + t + 16), v3 = _mm512_loadu_pd(x + t + 24);
        __mmask8 bad = macd_bad_v4(v0, lim) | macd_bad_v4(v1, lim) | macd_bad_v4(v2, lim) |
                       macd_bad_v4(v3, lim);
        if (bad)
            break;
        macd_group_v4(v0, &F, &S, &G, k, macd + t, sig + t, hist + t);
        macd_group_v4(v1, &F, &S, &G, k, macd + t + 8, sig + t + 8, hist + t + 8);
        macd_group_v4(v2, &F, &S, &G, k, macd + t + 16, sig + t + 16, hist + t + 16);
        macd_group_v4(v3, &F, &S, &G, k, macd + t + 24, sig + t + 24, hist + t + 24);
    }
    /* Group by group: up to the first bad price or the end. */
    while (t < n) {
        size_t m;
        __mmask8 lm;
        __m512d v;
        SCAN_V4_TAIL(x, t, n, &m, &lm, &v, macd_bad_v4(v, lim));
        if (m == 0)
            break;
        if (m == 8) {
            macd_group_v4(v, &F, &S, &G, k, macd + t, sig + t, hist + t);
            t += 8;
            continue;
        }
        const __m512d sx = _mm512_maskz_permutex_pd(0xEE, v, 0x90);
        __m512d yf = _mm512_add_pd(macd_scan8x_v4(v, sx, &k[0], k[3].b),
                                   _mm512_mul_pd(k[0].p, F));
        __m512d ys = _mm512_add_pd(macd_scan8x_v4(v, sx, &k[1], k[4].b),
                                   _mm512_mul_pd(k[1].p, S));
        __m512d d = _mm512_sub_pd(yf, ys);
        __m512d yg = _mm512_add_pd(macd_scan8_v4(d, &k[2]), _mm512_mul_pd(k[2].p, G));
        _mm512_mask_storeu_pd(macd + t, lm, d);
        _mm512_mask_storeu_pd(sig + t, lm, yg);
        _mm512_mask_storeu_pd(hist + t, lm, _mm512_sub_pd(d, yg));
        const __m512i last = _mm512_set1_epi64((long long)m - 1);
        F = _mm512_permutexvar_pd(last, yf);
        S = _mm512_permutexvar_pd(last, ys);
        G = _mm512_permutexvar_pd(last, yg);
        t += m;
        break;
    }
    *Fp = _mm512_cvtsd_f64(F);
    *Sp = _mm512_cvtsd_f64(S);
    *Gp = _mm512_cvtsd_f64(G);
    return t - t0;
}
#endif

/* The fused scan's rows in each level's build: AVX-512 runs macd_scan_v4,
 * the others the four-lane body. */
PGF_INLINE size_t macd_scan_level(int isa, const double *x, size_t n, size_t t, double *F,
                                  double *S, double *G, const macd_scan_consts *k,
                                  double *macd, double *sig, double *hist)
{
#if PG_ISA_X86
    if (isa == PG_ISA_AVX512)
        return macd_scan_v4(x, n, t, F, S, G, k, macd, sig, hist);
#endif
    return macd_scan_body(x, n, t, F, S, G, k, macd, sig, hist);
}

PG_ISA_CLONES(AVX512, size_t, macd_scan_rows,
              (const double *x, size_t n, size_t t, double *F, double *S, double *G,
               const macd_scan_consts *k, double *macd, double *sig, double *hist),
              macd_scan_level, (x, n, t, F, S, G, k, macd, sig, hist));

static void pgf_macd_scan_run(const double *price, size_t n, size_t fast, size_t slow,
                              size_t signal, double *macd, double *macd_signal,
                              double *histogram)
{
    if (n == 0)
        return;
    const double af = pgf_alpha_from_span((double)fast), of = 1.0 - af;
    const double as = pgf_alpha_from_span((double)slow), os = 1.0 - as;
    const double ag = pgf_alpha_from_span((double)signal), og = 1.0 - ag;
    macd_scan_consts k;
    macd_scan_consts_init(&k.e[0], af);
    macd_scan_consts_init(&k.e[1], as);
    macd_scan_consts_init(&k.e[2], ag);
    k.ab[0] = pgf_bcast(k.e[0].bs * k.e[0].p[1]);
    k.ab[1] = pgf_bcast(k.e[1].bs * k.e[1].p[1]);
    size_t (*const body)(const double *, size_t, size_t, double *, double *, double *,
                         const macd_scan_consts *, double *, double *, double *) =
        macd_scan_rows[pg_isa()];
    ema_state f, s, g;
    ema_init(&f, price[0]);
    ema_init(&s, price[0]);
    double m = ema_value(&f, 1) - ema_value(&s, 1);
    ema_init(&g, m);
    double gv = ema_value(&g, 1);
    macd[0] = m;
    macd_signal[0] = gv;
    histogram[0] = m - gv;
    size_t t = 1;
    while (t < n) {
        if (f.y == f.y && s.y == s.y && g.y == g.y && f.w == 1.0 && s.w == 1.0 &&
            g.w == 1.0 && fabs(f.y) <= MACD_SCAN_STATE && fabs(s.y) <= MACD_SCAN_STATE &&
            fabs(g.y) <= MACD_SCAN_SIGNAL) {
            size_t done = body(price, n, t, &f.y, &s.y, &g.y, &k, macd, macd_signal, histogram);
            f.k += done;
            s.k += done;
            g.k += done;
            t += done;
            if (t == n)
                break;
        }
        /* pg_macd's general step. */
        ema_step(&f, price[t], af, of);
        ema_step(&s, price[t], as, os);
        m = ema_value(&f, 1) - ema_value(&s, 1);
        ema_step(&g, m, ag, og);
        gv = ema_value(&g, 1);
        macd[t] = m;
        macd_signal[t] = gv;
        histogram[t] = m - gv;
        t++;
    }
}

int pg_macd_scan(const double *price, size_t n, size_t fast, size_t slow, size_t signal,
                 double *macd, double *macd_signal, double *histogram)
{
    if (fast < 1 || slow < 1 || signal < 1)
        return PG_EINVAL;
    if (n > 0 && (price == NULL || macd == NULL || macd_signal == NULL || histogram == NULL))
        return PG_EINVAL;
    pgf_macd_scan_run(price, n, fast, slow, signal, macd, macd_signal, histogram);
    return PG_OK;
}
