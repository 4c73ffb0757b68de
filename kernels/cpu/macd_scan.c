/*
 * macd_scan.c - pg_macd_scan: MACD, signal and histogram of pg_macd
 * (macd.c) from three fused vectorised scans (docs/kernels.md).
 *
 * pg_ema_scan's linear scan applied three times in one pass over the price:
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
 * same IEEE operations in the same order, one range test per 32 rows).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ewm.h"
#include "ewm_scan.h"
#include "features_internal.h"
#include "isa.h"
#include "pg_kernels.h"
#include "simd4.h"

#if PG_ISA_X86
#include <immintrin.h>
#endif

#define MACD_SCAN_SAFE 1e300
#define MACD_SCAN_STATE 1e301
#define MACD_SCAN_SIGNAL 1e302
#define MACD_PF 512
#define MACD_PF_MIN ((size_t)1 << 17)

typedef struct macd_scan_consts {
    scan_consts e[3]; /* fast, slow, signal */
    pgf_v4d ab[2];    /* b*a of fast and slow */
} macd_scan_consts;

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
PGF_INLINE void macd_scan_group(pgf_v4d xlo, pgf_v4d xhi, size_t m, double *F, double *S, double *G,
                                const macd_scan_consts *k, double *macd, double *sig, double *hist)
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
                                 double *G, const macd_scan_consts *k, double *macd, double *sig,
                                 double *hist)
{
    const size_t t0 = t;
    double f = *F, s = *S, g = *G;
    for (;;) {
        size_t m = n - t < 8 ? n - t : 8;
        if (m == 0)
            break;
        pgf_v4d lo = m >= 4 ? pgf_load4(x + t) : pgf_load4_part(x + t, m);
        pgf_v4d hi = m >= 8  ? pgf_load4(x + t + 4)
                     : m > 4 ? pgf_load4_part(x + t + 4, m - 4)
                             : pgf_bcast(0.0);
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
PG_TARGET_V4 PGF_INLINE __m512d macd_scan8x_v4(__m512d x, __m512d sx, const scan_v4c *k, __m512d ab)
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

PG_TARGET_V4 static size_t macd_scan_v4(const double *x, size_t n, size_t t, double *Fp, double *Sp,
                                        double *Gp, const macd_scan_consts *c, double *macd,
                                        double *sig, double *hist)
{
    scan_v4c k[5];
    memset(k, 0, sizeof k);
    for (int e = 0; e < 3; e++)
        scan_v4c_make(&k[e], &c->e[e]);
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
        __m512d yf = _mm512_add_pd(macd_scan8x_v4(v, sx, &k[0], k[3].b), _mm512_mul_pd(k[0].p, F));
        __m512d ys = _mm512_add_pd(macd_scan8x_v4(v, sx, &k[1], k[4].b), _mm512_mul_pd(k[1].p, S));
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
                                  double *S, double *G, const macd_scan_consts *k, double *macd,
                                  double *sig, double *hist)
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
                              size_t signal, double *macd, double *macd_signal, double *histogram)
{
    if (n == 0)
        return;
    const double af = pgf_alpha_from_span((double)fast), of = 1.0 - af;
    const double as = pgf_alpha_from_span((double)slow), os = 1.0 - as;
    const double ag = pgf_alpha_from_span((double)signal), og = 1.0 - ag;
    macd_scan_consts k;
    scan_consts_init(&k.e[0], af);
    scan_consts_init(&k.e[1], as);
    scan_consts_init(&k.e[2], ag);
    k.ab[0] = pgf_bcast(k.e[0].bs * k.e[0].p[1]);
    k.ab[1] = pgf_bcast(k.e[1].bs * k.e[1].p[1]);
    size_t (*const body)(const double *, size_t, size_t, double *, double *, double *,
                         const macd_scan_consts *, double *, double *, double *) =
        macd_scan_rows[pg_isa_for(PG_VG_MACD_SCAN)];
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
        if (f.y == f.y && s.y == s.y && g.y == g.y && f.w == 1.0 && s.w == 1.0 && g.w == 1.0 &&
            fabs(f.y) <= MACD_SCAN_STATE && fabs(s.y) <= MACD_SCAN_STATE &&
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
