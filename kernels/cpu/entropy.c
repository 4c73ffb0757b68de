/*
 * entropy.c - Shannon entropy of a series over equal-width bins
 * (KERNELS.md section 2, TradePulse core/indicators/entropy.py, CPU path).
 *
 * The bin counts must equal numpy.histogram's exactly, so this file mirrors
 * numpy 1.24's uniform-bin fast path rather than a textbook histogram:
 *   - values are converted to the working dtype D first, then non-finite
 *     ones are dropped (a double beyond FLT_MAX is inf on the float32 path);
 *   - the data are scaled by S = max|x| in D, the range [lo, hi] = [min/S,
 *     max/S] is formed in double;
 *   - edges e_k = fl(fl(k*step) + lo) in double, then rounded to D, with
 *     e_B = hi (np.linspace; pg_kernels is built with -ffp-contract=off so
 *     the multiply and add are never fused);
 *   - a first guess k = (intp)(fl_D(v - e_0) * fl_D(B/(hi-lo))) is corrected
 *     once down (v < e_k) and once up (v >= e_{k+1}, not for the last bin),
 *     which is numpy's rule: bin k holds e_k <= v < e_{k+1}, the last bin
 *     closed.
 * p = c/N over the non-empty bins (N summed in D, as counts.sum(dtype=D))
 * and H = -(sum of p ln p) with numpy's pairwise summation order.
 *
 * Workload: one pass for min/max/count, one to bin.  No allocation: the
 * caller gives `bins` counters; small bin counts also use four private
 * sub-histograms on the stack so that runs of equal bins do not serialise
 * on one counter.
 */
#include <math.h>
#include <string.h>

#include <immintrin.h>

#include "isa.h"
#include "pairwise.h"
#include "pg_kernels.h"

/* Elements handled per block by the vectorisable scale-and-guess loop. */
#define BLOCK 256
/* Sub-histograms on the stack are used up to this many bins. */
#define SUBHIST_MAX_BINS 512

/* H = -(sum p ln p) over the non-empty bins, summed as numpy's add.reduce
 * does (first element, then the pairwise sum of the rest). */
static double entropy_from_counts(const size_t *counts, size_t bins, double total)
{
    double terms[128];
    double acc = 0.0;
    size_t m = 0;
    int first = 1;
    /* Stream in chunks of 128 terms; numpy sums the whole array pairwise,
     * which for <= 129 non-empty bins is exactly this. */
    for (size_t b = 0; b < bins; b++) {
        if (counts[b] == 0)
            continue;
        double p = (double)counts[b] / total;
        double t = p * log(p);
        if (first) {
            acc = t;
            first = 0;
            continue;
        }
        terms[m++] = t;
        if (m == 128) {
            acc += pg_pairwise_sum(terms, m);
            m = 0;
        }
    }
    if (first)
        return 0.0;
    acc += pg_pairwise_sum(terms, m);
    return -acc;
}

/* Finite count, min and max in D (float32 path: of (float)x). */
static size_t scan_f64(const double *x, size_t n, double *mn, double *mx)
{
    size_t cnt = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        int fin = isfinite(v);
        cnt += (size_t)fin;
        lo = fin && v < lo ? v : lo;
        hi = fin && v > hi ? v : hi;
    }
    *mn = lo;
    *mx = hi;
    return cnt;
}

static size_t scan_f32(const double *x, size_t n, float *mn, float *mx)
{
    size_t cnt = 0;
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        float v = (float)x[i];
        int fin = isfinite(v);
        cnt += (size_t)fin;
        lo = fin && v < lo ? v : lo;
        hi = fin && v > hi ? v : hi;
    }
    *mn = lo;
    *mx = hi;
    return cnt;
}

/* AVX-512 versions of the scans (NaN and inf lanes masked out). */
PG_TARGET_V4 static size_t scan_f64_v4(const double *x, size_t n, double *mn, double *mx)
{
    __m512d lo = _mm512_set1_pd(INFINITY), hi = _mm512_set1_pd(-INFINITY);
    const __m512d zero = _mm512_setzero_pd();
    size_t cnt = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512d v = _mm512_loadu_pd(x + i);
        __mmask8 fin = _mm512_cmp_pd_mask(_mm512_sub_pd(v, v), zero, _CMP_EQ_OQ);
        lo = _mm512_mask_min_pd(lo, fin, lo, v);
        hi = _mm512_mask_max_pd(hi, fin, hi, v);
        cnt += (size_t)__builtin_popcount(fin);
    }
    double l = _mm512_reduce_min_pd(lo), h = _mm512_reduce_max_pd(hi);
    for (; i < n; i++) {
        double v = x[i];
        if (!isfinite(v))
            continue;
        cnt++;
        l = v < l ? v : l;
        h = v > h ? v : h;
    }
    *mn = l;
    *mx = h;
    return cnt;
}

PG_TARGET_V4 static size_t scan_f32_v4(const double *x, size_t n, float *mn, float *mx)
{
    __m512 lo = _mm512_set1_ps(INFINITY), hi = _mm512_set1_ps(-INFINITY);
    const __m512 zero = _mm512_setzero_ps();
    size_t cnt = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm512_cvtpd_ps(_mm512_loadu_pd(x + i));
        __m256 b = _mm512_cvtpd_ps(_mm512_loadu_pd(x + i + 8));
        __m512 v = _mm512_insertf32x8(_mm512_castps256_ps512(a), b, 1);
        __mmask16 fin = _mm512_cmp_ps_mask(_mm512_sub_ps(v, v), zero, _CMP_EQ_OQ);
        lo = _mm512_mask_min_ps(lo, fin, lo, v);
        hi = _mm512_mask_max_ps(hi, fin, hi, v);
        cnt += (size_t)__builtin_popcount(fin);
    }
    float l = _mm512_reduce_min_ps(lo), h = _mm512_reduce_max_ps(hi);
    for (; i < n; i++) {
        float v = (float)x[i];
        if (!isfinite(v))
            continue;
        cnt++;
        l = v < l ? v : l;
        h = v > h ? v : h;
    }
    *mn = l;
    *mx = h;
    return cnt;
}

/* Edge k of np.linspace(lo, hi, B+1) before rounding to D. */
static inline double edge_f64(size_t k, size_t bins, double step, double lo, double hi)
{
    if (k >= bins)
        return hi;
    /* np.linspace: y = k*step, or k/B*(hi-lo) when step underflows to 0. */
    double y = step != 0.0 ? (double)k * step : (double)k / (double)bins * (hi - lo);
    return y + lo;
}

/*
 * The binning pass for bins <= SUBHIST_MAX_BINS, written once per dtype D.
 * S is the scale (unused when !scaled); lo/hi the range in double; norm =
 * B/(hi-lo) in D; edges[0..B] in D.  hist holds four lanes of bins+1 slots;
 * slot `bins` swallows dropped values so the guess loop has no branch.  The
 * first loop (scale, range test, guess) vectorises; the second applies
 * numpy's one-step correction and counts, rotating over the lanes.
 */
#define DEFINE_BIN_PASS(SUFFIX, D)                                                                 \
    static void bin_pass_##SUFFIX(const double *x, size_t n, size_t bins, int scaled, D S,         \
                                  double lo, double hi, D norm, const D *edges, size_t *hist,      \
                                  size_t stride)                                                   \
    {                                                                                              \
        const D e0 = (D)lo, eB = (D)hi, top = (D)(bins - 1);                                       \
        D vb[BLOCK];                                                                               \
        long kb[BLOCK];                                                                            \
        for (size_t i0 = 0; i0 < n; i0 += BLOCK) {                                                 \
            size_t len = n - i0 < BLOCK ? n - i0 : BLOCK;                                          \
            for (size_t j = 0; j < len; j++) {                                                     \
                D v = (D)x[i0 + j];                                                                \
                v = scaled ? v / S : v;                                                            \
                int ok = v >= e0 && v <= eB; /* false for NaN and inf */                           \
                D f = (v - e0) * norm;                                                             \
                f = f > (D)0 ? f : (D)0;                                                           \
                f = f < top ? f : top; /* numpy: index B becomes B-1 */                            \
                vb[j] = v;                                                                         \
                kb[j] = ok ? (long)f : (long)bins;                                                 \
            }                                                                                      \
            for (size_t j = 0; j < len; j++) {                                                     \
                long k = kb[j];                                                                    \
                if (k < (long)bins) {                                                              \
                    D v = vb[j];                                                                   \
                    if (v < edges[k])                                                              \
                        k--;                                                                       \
                    if (k != (long)bins - 1 && v >= edges[k + 1])                                  \
                        k++;                                                                       \
                }                                                                                  \
                hist[(j & 3) * stride + (size_t)k]++;                                              \
            }                                                                                      \
        }                                                                                          \
    }

DEFINE_BIN_PASS(f64, double)
DEFINE_BIN_PASS(f32, float)

/* The same rule for many bins: edges computed on demand, one histogram. */
#define DEFINE_BIN_SLOW(SUFFIX, D)                                                                 \
    static void bin_slow_##SUFFIX(const double *x, size_t n, size_t bins, int scaled, D S,         \
                                  double lo, double hi, double step, D norm, size_t *counts)       \
    {                                                                                              \
        const D e0 = (D)lo, eB = (D)hi;                                                            \
        for (size_t i = 0; i < n; i++) {                                                           \
            D v = (D)x[i];                                                                         \
            v = scaled ? v / S : v;                                                                \
            if (!(v >= e0 && v <= eB))                                                             \
                continue;                                                                          \
            D f = (v - e0) * norm;                                                                 \
            size_t k = f < (D)bins ? (size_t)f : bins - 1;                                         \
            if (k > bins - 1)                                                                      \
                k = bins - 1;                                                                      \
            if (k > 0 && v < (D)edge_f64(k, bins, step, lo, hi))                                   \
                k--;                                                                               \
            if (k != bins - 1 && v >= (D)edge_f64(k + 1, bins, step, lo, hi))                      \
                k++;                                                                               \
            counts[k]++;                                                                           \
        }                                                                                          \
    }

DEFINE_BIN_SLOW(f64, double)
DEFINE_BIN_SLOW(f32, float)

/*
 * The fast path.  fl_D(x/S) is monotone in x, so "v >= e_k" is "x >= T_k"
 * with T_k the least x in D whose scaled value reaches e_k: the binning
 * needs neither the division nor numpy's guess.  Bin k holds T_k <= x <
 * T_{k+1} (T_0 = -inf, T_B = +inf: the last bin is closed), which is
 * numpy's rule whenever numpy's one-step correction cannot fall short,
 * that is whenever its guess is within one bin: edges at least four ulps
 * apart guarantee it (well_spaced), else the numpy-mimicking pass runs.
 * Every finite value is in [e_0, e_B] by construction (fl(min/S) = e_0,
 * fl(max/S) = e_B), so the fast path needs no range test.
 */
#define DEFINE_THRESHOLD(SUFFIX, D, NEXT)                                                          \
    static D threshold_##SUFFIX(D e, D S)                                                          \
    {                                                                                              \
        D t = (D)((double)e * (double)S);                                                          \
        if (t / S >= e) {                                                                          \
            for (;;) {                                                                             \
                D p = NEXT(t, -INFINITY);                                                          \
                if (!(p / S >= e))                                                                 \
                    break;                                                                         \
                t = p;                                                                             \
            }                                                                                      \
        } else {                                                                                   \
            do                                                                                     \
                t = NEXT(t, INFINITY);                                                             \
            while (!(t / S >= e));                                                                 \
        }                                                                                          \
        return t;                                                                                  \
    }                                                                                              \
    static int well_spaced_##SUFFIX(const D *e, size_t bins)                                       \
    {                                                                                              \
        for (size_t k = 0; k < bins; k++) {                                                        \
            D a = fabs(e[k]) > fabs(e[k + 1]) ? fabs(e[k]) : fabs(e[k + 1]);                       \
            D ulp = NEXT(a, INFINITY) - a;                                                         \
            if (!(e[k + 1] - e[k] >= 4 * ulp))                                                     \
                return 0;                                                                          \
        }                                                                                          \
        return 1;                                                                                  \
    }

DEFINE_THRESHOLD(f64, double, nextafter)
DEFINE_THRESHOLD(f32, float, nextafterf)

/* One block loop that vectorises (gathers of T on AVX-512/AVX2), then the
 * counting into four lanes; slot `bins` takes the non-finite values. */
#define DEFINE_FAST(NAME, D)                                                                       \
    static void NAME(const double *x, size_t n, size_t bins, D xmin, D inv, D eps, const D *T,     \
                     size_t *hist, size_t stride)                                                  \
    {                                                                                              \
        (void)eps;                                                                                 \
        const D top = (D)(bins - 1);                                                               \
        const int nb = (int)bins;                                                                  \
        int kb[BLOCK];                                                                             \
        for (size_t i0 = 0; i0 < n; i0 += BLOCK) {                                                 \
            size_t len = n - i0 < BLOCK ? n - i0 : BLOCK;                                          \
            const double *xs = x + i0;                                                             \
            for (size_t j = 0; j < len; j++) {                                                     \
                D v = (D)xs[j];                                                                    \
                int fin = v - v == (D)0;                                                           \
                D f = (v - xmin) * inv;                                                            \
                f = f > (D)0 ? f : (D)0;                                                           \
                f = f < top ? f : top;                                                             \
                int k = (int)f;                                                                    \
                k = k - (v < T[k]) + (v >= T[k + 1]);                                              \
                kb[j] = fin ? k : nb;                                                              \
            }                                                                                      \
            for (size_t j = 0; j < len; j++)                                                       \
                hist[(j & 3) * stride + (size_t)kb[j]]++;                                          \
        }                                                                                          \
    }

/* Threshold correction for one value (the scalar fix-up). */
#define FIX(T, v, k)                                                                               \
    do {                                                                                           \
        while ((k) > 0 && (v) < (T)[k])                                                            \
            (k)--;                                                                                 \
        while ((v) >= (T)[(k) + 1])                                                                \
            (k)++;                                                                                 \
    } while (0)

/*
 * AVX-512 versions of the block loop, 8 doubles or 16 floats a step.  The
 * thresholds lie within `eps` bins of the linear positions k (eps covers
 * their measured offsets and the rounding of the guess), so a lane whose
 * guess has a fractional part in [eps, 1-eps] is in bin floor(f) without
 * looking at T; the rare others are fixed up one by one.
 */
PG_TARGET_V4 static void fast_f64_v4(const double *x, size_t n, size_t bins, double xmin,
                                     double inv, double eps, const double *T, size_t *hist,
                                     size_t stride)
{
    const __m512d vmin = _mm512_set1_pd(xmin), vinv = _mm512_set1_pd(inv);
    const __m512d vtop = _mm512_set1_pd((double)(bins - 1)), zero = _mm512_setzero_pd();
    const __m512d veps = _mm512_set1_pd(eps), vhi = _mm512_set1_pd(1.0 - eps);
    const __m256i vnb = _mm256_set1_epi32((int)bins);
    int kb[BLOCK];
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
        size_t len = n - i0 < BLOCK ? n - i0 : BLOCK, j = 0;
        const double *xs = x + i0;
        for (; j + 8 <= len; j += 8) {
            __m512d v = _mm512_loadu_pd(xs + j);
            __mmask8 fin = _mm512_cmp_pd_mask(_mm512_sub_pd(v, v), zero, _CMP_EQ_OQ);
            __m512d f = _mm512_mul_pd(_mm512_sub_pd(v, vmin), vinv);
            f = _mm512_min_pd(_mm512_max_pd(f, zero), vtop); /* NaN -> 0 */
            __m512d fl = _mm512_roundscale_pd(f, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
            __m512d fr = _mm512_sub_pd(f, fl);
            /* bin 0 has no lower threshold, the last bin no upper one */
            __mmask8 near = (_mm512_cmp_pd_mask(fr, veps, _CMP_LT_OQ) &
                             _mm512_cmp_pd_mask(fl, zero, _CMP_NEQ_OQ)) |
                            (_mm512_cmp_pd_mask(fr, vhi, _CMP_GT_OQ) &
                             _mm512_cmp_pd_mask(fl, vtop, _CMP_NEQ_OQ));
            __m256i k = _mm256_mask_mov_epi32(vnb, fin, _mm512_cvttpd_epi32(fl));
            _mm256_storeu_si256((__m256i *)(kb + j), k);
            near &= fin;
            while (near) {
                int l = __builtin_ctz(near);
                near &= (__mmask8)(near - 1);
                FIX(T, xs[j + l], kb[j + l]);
            }
        }
        for (; j < len; j++) {
            double v = xs[j];
            if (!isfinite(v)) {
                kb[j] = (int)bins;
                continue;
            }
            double f = (v - xmin) * inv;
            f = f > 0.0 ? f : 0.0;
            int k = (int)(f < (double)(bins - 1) ? f : (double)(bins - 1));
            FIX(T, v, k);
            kb[j] = k;
        }
        size_t *h0 = hist, *h1 = hist + stride, *h2 = hist + 2 * stride, *h3 = hist + 3 * stride;
        for (j = 0; j + 4 <= len; j += 4) {
            h0[kb[j]]++;
            h1[kb[j + 1]]++;
            h2[kb[j + 2]]++;
            h3[kb[j + 3]]++;
        }
        for (; j < len; j++)
            h0[kb[j]]++;
    }
}

PG_TARGET_V4 static void fast_f32_v4(const double *x, size_t n, size_t bins, float xmin, float inv,
                                     float eps, const float *T, size_t *hist, size_t stride)
{
    const __m512 vmin = _mm512_set1_ps(xmin), vinv = _mm512_set1_ps(inv);
    const __m512 vtop = _mm512_set1_ps((float)(bins - 1)), zero = _mm512_setzero_ps();
    const __m512 veps = _mm512_set1_ps(eps), vhi = _mm512_set1_ps(1.0f - eps);
    const __m512i vnb = _mm512_set1_epi32((int)bins);
    int kb[BLOCK];
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
        size_t len = n - i0 < BLOCK ? n - i0 : BLOCK, j = 0;
        const double *xs = x + i0;
        for (; j + 16 <= len; j += 16) {
            __m256 lo = _mm512_cvtpd_ps(_mm512_loadu_pd(xs + j));
            __m256 hi = _mm512_cvtpd_ps(_mm512_loadu_pd(xs + j + 8));
            __m512 v = _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
            __mmask16 fin = _mm512_cmp_ps_mask(_mm512_sub_ps(v, v), zero, _CMP_EQ_OQ);
            __m512 f = _mm512_mul_ps(_mm512_sub_ps(v, vmin), vinv);
            f = _mm512_min_ps(_mm512_max_ps(f, zero), vtop);
            __m512 fl = _mm512_roundscale_ps(f, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
            __m512 fr = _mm512_sub_ps(f, fl);
            __mmask16 near = (_mm512_cmp_ps_mask(fr, veps, _CMP_LT_OQ) &
                              _mm512_cmp_ps_mask(fl, zero, _CMP_NEQ_OQ)) |
                             (_mm512_cmp_ps_mask(fr, vhi, _CMP_GT_OQ) &
                              _mm512_cmp_ps_mask(fl, vtop, _CMP_NEQ_OQ));
            __m512i k = _mm512_mask_mov_epi32(vnb, fin, _mm512_cvttps_epi32(fl));
            _mm512_storeu_si512((void *)(kb + j), k);
            near &= fin;
            while (near) {
                int l = __builtin_ctz(near);
                near &= (__mmask16)(near - 1);
                float vl = (float)xs[j + l];
                FIX(T, vl, kb[j + l]);
            }
        }
        for (; j < len; j++) {
            float v = (float)xs[j];
            if (!isfinite(v)) {
                kb[j] = (int)bins;
                continue;
            }
            float f = (v - xmin) * inv;
            f = f > 0.0f ? f : 0.0f;
            int k = (int)(f < (float)(bins - 1) ? f : (float)(bins - 1));
            FIX(T, v, k);
            kb[j] = k;
        }
        size_t *h0 = hist, *h1 = hist + stride, *h2 = hist + 2 * stride, *h3 = hist + 3 * stride;
        for (j = 0; j + 4 <= len; j += 4) {
            h0[kb[j]]++;
            h1[kb[j + 1]]++;
            h2[kb[j + 2]]++;
            h3[kb[j + 3]]++;
        }
        for (; j < len; j++)
            h0[kb[j]]++;
    }
}

DEFINE_FAST(fast_f64_v0, double)
DEFINE_FAST(fast_f32_v0, float)

/* Largest |position of T_k - k| in bins, k = 1..bins-1 (one of Tf, Td). */
static double max_offset(const float *Tf, const double *Td, size_t bins, double xmin, double inv)
{
    double worst = 0.0;
    for (size_t k = 1; k < bins; k++) {
        double t = Tf ? (double)Tf[k] : Td[k];
        double off = fabs((t - xmin) * inv - (double)k);
        worst = off > worst ? off : worst;
    }
    return worst;
}

/* Bins by thresholds when the edges allow it; 0 when they do not. */
static int bin_fast(const double *x, size_t n, size_t bins, pg_dtype dtype, double S, double mn,
                    double mx, const double *edges64, const float *edges32, size_t *hist,
                    size_t stride)
{
    if (dtype == PG_FLOAT32) {
        float T[SUBHIST_MAX_BINS + 1];
        if (!well_spaced_f32(edges32, bins))
            return 0;
        T[0] = -INFINITY;
        T[bins] = INFINITY;
        for (size_t k = 1; k < bins; k++)
            T[k] = threshold_f32(edges32[k], (float)S);
        float xmin = (float)mn, inv = (float)((double)bins / (mx - mn));
        /* float guess: three roundings of up to 2^-24 relative on a value
         * <= bins, far below the 1e-3 bins allowed for them */
        double eps = max_offset(T, NULL, bins, mn, (double)inv) + 1e-3;
        if (eps > 0.25)
            return 0;
        if (pg_isa() == PG_ISA_AVX512)
            fast_f32_v4(x, n, bins, xmin, inv, (float)eps, T, hist, stride);
        else
            fast_f32_v0(x, n, bins, xmin, inv, (float)eps, T, hist, stride);
    } else {
        double T[SUBHIST_MAX_BINS + 1];
        if (!well_spaced_f64(edges64, bins))
            return 0;
        T[0] = -INFINITY;
        T[bins] = INFINITY;
        for (size_t k = 1; k < bins; k++)
            T[k] = threshold_f64(edges64[k], S);
        double inv = (double)bins / (mx - mn);
        double eps = max_offset(NULL, T, bins, mn, inv) + 1e-9;
        if (eps > 0.25)
            return 0;
        if (pg_isa() == PG_ISA_AVX512)
            fast_f64_v4(x, n, bins, mn, inv, eps, T, hist, stride);
        else
            fast_f64_v0(x, n, bins, mn, inv, eps, T, hist, stride);
    }
    return 1;
}

int pg_entropy(const double *x, size_t n, size_t bins, pg_dtype dtype, size_t *counts,
               double *result)
{
    if (bins < 1 || !counts || !result || (n > 0 && !x) ||
        (dtype != PG_FLOAT64 && dtype != PG_FLOAT32))
        return PG_EINVAL;

    double mn, mx;
    size_t valid;
    if (dtype == PG_FLOAT32) {
        float fmn, fmx;
        valid =
            pg_isa() == PG_ISA_AVX512 ? scan_f32_v4(x, n, &fmn, &fmx) : scan_f32(x, n, &fmn, &fmx);
        mn = fmn;
        mx = fmx;
    } else {
        valid = pg_isa() == PG_ISA_AVX512 ? scan_f64_v4(x, n, &mn, &mx) : scan_f64(x, n, &mn, &mx);
    }
    memset(counts, 0, bins * sizeof *counts);
    if (valid == 0) {
        *result = 0.0;
        return PG_OK;
    }

    /* S = max|x| is exact in D; it is zero only for an all-zero input. */
    double S = fabs(mn) > fabs(mx) ? fabs(mn) : fabs(mx);
    int scaled = S != 0.0;
    double lo = scaled ? mn / S : mn;
    double hi = scaled ? mx / S : mx;
    if (!(hi > lo)) {
        /* Constant input: numpy uses [v-0.5, v+0.5] and every value lands
         * in the middle bin, so p = 1 and H = -(1 * ln 1) = -0.0. */
        counts[bins / 2] = valid;
        *result = -0.0;
        return PG_OK;
    }

    double step = (hi - lo) / (double)bins;
    double norm = (double)bins / (hi - lo);

    if (bins <= SUBHIST_MAX_BINS) {
        /* The edges, rounded to D, and four sub-histograms with a slot for
         * dropped values, all on the stack. */
        size_t hist[4 * (SUBHIST_MAX_BINS + 1)];
        size_t stride = bins + 1;
        memset(hist, 0, 4 * stride * sizeof *hist);
        float edges32[SUBHIST_MAX_BINS + 1];
        double edges64[SUBHIST_MAX_BINS + 1];
        for (size_t k = 0; k <= bins; k++) {
            edges64[k] = edge_f64(k, bins, step, lo, hi);
            edges32[k] = (float)edges64[k];
        }
        if (!bin_fast(x, n, bins, dtype, S, mn, mx, edges64, edges32, hist, stride)) {
            if (dtype == PG_FLOAT32)
                bin_pass_f32(x, n, bins, scaled, (float)S, lo, hi, (float)norm, edges32, hist,
                             stride);
            else
                bin_pass_f64(x, n, bins, scaled, S, lo, hi, norm, edges64, hist, stride);
        }
        for (size_t l = 0; l < 4; l++)
            for (size_t k = 0; k < bins; k++)
                counts[k] += hist[l * stride + k];
    } else if (dtype == PG_FLOAT32) {
        bin_slow_f32(x, n, bins, scaled, (float)S, lo, hi, step, (float)norm, counts);
    } else {
        bin_slow_f64(x, n, bins, scaled, S, lo, hi, step, norm, counts);
    }

    size_t total_n = 0;
    for (size_t k = 0; k < bins; k++)
        total_n += counts[k];
    if (total_n == 0) {
        *result = 0.0;
        return PG_OK;
    }
    /* counts.sum(dtype=D): on the float32 path the total is a float. */
    double total = dtype == PG_FLOAT32 ? (double)(float)total_n : (double)total_n;
    *result = entropy_from_counts(counts, bins, total);
    return PG_OK;
}
