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

#include "pg_kernels.h"

/* Elements handled per block by the vectorisable scale-and-guess loop. */
#define BLOCK 256
/* Sub-histograms on the stack are used up to this many bins. */
#define SUBHIST_MAX_BINS 512

/* numpy's pairwise_sum for float64 (n < 8 plain, <= 128 eight lanes, else
 * halves on a multiple of 8). */
static double pairwise_sum(const double *a, size_t n)
{
    if (n < 8) {
        double res = 0.;
        for (size_t i = 0; i < n; i++)
            res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        size_t i;
        for (int j = 0; j < 8; j++)
            r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

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
            acc += pairwise_sum(terms, m);
            m = 0;
        }
    }
    if (first)
        return 0.0;
    acc += pairwise_sum(terms, m);
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
#define DEFINE_BIN_PASS(SUFFIX, D)                                                         \
    static void bin_pass_##SUFFIX(const double *x, size_t n, size_t bins, int scaled,      \
                                  D S, double lo, double hi, D norm, const D *edges,        \
                                  size_t *hist, size_t stride)                              \
    {                                                                                      \
        const D e0 = (D)lo, eB = (D)hi, top = (D)(bins - 1);                               \
        D vb[BLOCK];                                                                       \
        long kb[BLOCK];                                                                    \
        for (size_t i0 = 0; i0 < n; i0 += BLOCK) {                                         \
            size_t len = n - i0 < BLOCK ? n - i0 : BLOCK;                                  \
            for (size_t j = 0; j < len; j++) {                                             \
                D v = (D)x[i0 + j];                                                        \
                v = scaled ? v / S : v;                                                    \
                int ok = v >= e0 && v <= eB; /* false for NaN and inf */                   \
                D f = (v - e0) * norm;                                                     \
                f = f > (D)0 ? f : (D)0;                                                   \
                f = f < top ? f : top; /* numpy: index B becomes B-1 */                    \
                vb[j] = v;                                                                 \
                kb[j] = ok ? (long)f : (long)bins;                                         \
            }                                                                              \
            for (size_t j = 0; j < len; j++) {                                             \
                long k = kb[j];                                                            \
                if (k < (long)bins) {                                                      \
                    D v = vb[j];                                                           \
                    if (v < edges[k])                                                      \
                        k--;                                                               \
                    if (k != (long)bins - 1 && v >= edges[k + 1])                          \
                        k++;                                                               \
                }                                                                          \
                hist[(j & 3) * stride + (size_t)k]++;                                      \
            }                                                                              \
        }                                                                                  \
    }

DEFINE_BIN_PASS(f64, double)
DEFINE_BIN_PASS(f32, float)

/* The same rule for many bins: edges computed on demand, one histogram. */
#define DEFINE_BIN_SLOW(SUFFIX, D)                                                         \
    static void bin_slow_##SUFFIX(const double *x, size_t n, size_t bins, int scaled,      \
                                  D S, double lo, double hi, double step, D norm,           \
                                  size_t *counts)                                           \
    {                                                                                      \
        const D e0 = (D)lo, eB = (D)hi;                                                    \
        for (size_t i = 0; i < n; i++) {                                                   \
            D v = (D)x[i];                                                                 \
            v = scaled ? v / S : v;                                                        \
            if (!(v >= e0 && v <= eB))                                                     \
                continue;                                                                  \
            D f = (v - e0) * norm;                                                         \
            size_t k = f < (D)bins ? (size_t)f : bins - 1;                                 \
            if (k > bins - 1)                                                              \
                k = bins - 1;                                                              \
            if (k > 0 && v < (D)edge_f64(k, bins, step, lo, hi))                           \
                k--;                                                                       \
            if (k != bins - 1 && v >= (D)edge_f64(k + 1, bins, step, lo, hi))              \
                k++;                                                                       \
            counts[k]++;                                                                   \
        }                                                                                  \
    }

DEFINE_BIN_SLOW(f64, double)
DEFINE_BIN_SLOW(f32, float)

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
        valid = scan_f32(x, n, &fmn, &fmx);
        mn = fmn;
        mx = fmx;
    } else {
        valid = scan_f64(x, n, &mn, &mx);
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
        if (dtype == PG_FLOAT32) {
            float edges[SUBHIST_MAX_BINS + 1];
            for (size_t k = 0; k <= bins; k++)
                edges[k] = (float)edge_f64(k, bins, step, lo, hi);
            bin_pass_f32(x, n, bins, scaled, (float)S, lo, hi, (float)norm, edges, hist,
                         stride);
        } else {
            double edges[SUBHIST_MAX_BINS + 1];
            for (size_t k = 0; k <= bins; k++)
                edges[k] = edge_f64(k, bins, step, lo, hi);
            bin_pass_f64(x, n, bins, scaled, S, lo, hi, norm, edges, hist, stride);
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
