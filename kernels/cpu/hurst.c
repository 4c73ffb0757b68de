/*
 * hurst.c - Hurst exponent as the log-log slope of the std of lagged
 * differences (KERNELS.md section 3, TradePulse core/indicators/hurst.py).
 *
 * For each lag L in min_lag..max_lag: d_t = x[t+L] - x[t] (t < n-L),
 * subtracted in the working dtype D and widened to double; the population
 * variance in one pass, var = sum(d^2)/m - (sum(d)/m)^2, tau_L = sqrt(var)
 * when var > 0 else 0; H = OLS slope of ln tau on ln L, clipped to [0, 1]
 * with NaN passing through.  A NaN anywhere gives var = NaN, hence tau = 0,
 * ln 0 = -inf for every lag and a NaN slope, as in TradePulse.
 *
 * Workload: 49 lags x n points for the default 2..50, about 98 flops per
 * point.  The points are taken in blocks that stay in L1 (converted to
 * float once per block on the float32 path) and every lag of a group runs
 * over the block with vector accumulators; the summation order differs
 * from numpy's pairwise sums by rounding only (well inside the 1e-9
 * tolerance).  The slope uses the closed form w_i = (u_i - mean u) /
 * sum (u - mean u)^2 of the pseudo-inverse TradePulse applies, so a single
 * -inf among the ln tau gives an infinite slope (clipped) just as pinv @ y.
 */
#include <math.h>
#include <string.h>

#include "pg_kernels.h"

/* Points per block, and the largest lag span the blocked path buffers. */
#define BLOCK 2048
#define LAG_GROUP 64
#define BUF_MAX_LAG 2048

typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

/* s1 += sum(b[j] - a[j]), s2 += sum((b[j] - a[j])^2), j < m, in double. */
static void lag_sums_f64(const double *a, const double *b, size_t m, double *s1, double *s2)
{
    v4d p0 = { 0 }, p1 = { 0 }, q0 = { 0 }, q1 = { 0 };
    size_t j = 0;
    for (; j + 8 <= m; j += 8) {
        v4d a0, a1, b0, b1;
        memcpy(&a0, a + j, sizeof a0);
        memcpy(&a1, a + j + 4, sizeof a1);
        memcpy(&b0, b + j, sizeof b0);
        memcpy(&b1, b + j + 4, sizeof b1);
        v4d d0 = b0 - a0, d1 = b1 - a1;
        p0 += d0;
        p1 += d1;
        q0 += d0 * d0;
        q1 += d1 * d1;
    }
    v4d p = p0 + p1, q = q0 + q1;
    double t1 = (p[0] + p[1]) + (p[2] + p[3]);
    double t2 = (q[0] + q[1]) + (q[2] + q[3]);
    for (; j < m; j++) {
        double d = b[j] - a[j];
        t1 += d;
        t2 += d * d;
    }
    *s1 += t1;
    *s2 += t2;
}

/* The same with the subtraction in float (a float32 np.subtract). */
static void lag_sums_f32(const float *a, const float *b, size_t m, double *s1, double *s2)
{
    v4d p0 = { 0 }, p1 = { 0 }, q0 = { 0 }, q1 = { 0 };
    size_t j = 0;
    for (; j + 8 <= m; j += 8) {
        v4f a0, a1, b0, b1;
        memcpy(&a0, a + j, sizeof a0);
        memcpy(&a1, a + j + 4, sizeof a1);
        memcpy(&b0, b + j, sizeof b0);
        memcpy(&b1, b + j + 4, sizeof b1);
        v4d d0 = __builtin_convertvector(b0 - a0, v4d);
        v4d d1 = __builtin_convertvector(b1 - a1, v4d);
        p0 += d0;
        p1 += d1;
        q0 += d0 * d0;
        q1 += d1 * d1;
    }
    v4d p = p0 + p1, q = q0 + q1;
    double t1 = (p[0] + p[1]) + (p[2] + p[3]);
    double t2 = (q[0] + q[1]) + (q[2] + q[3]);
    for (; j < m; j++) {
        double d = (double)(float)(b[j] - a[j]);
        t1 += d;
        t2 += d * d;
    }
    *s1 += t1;
    *s2 += t2;
}

/* Sums for lags lag0 .. lag0+nl-1 (all <= BUF_MAX_LAG), blocked over t. */
static void group_sums(const double *x, size_t n, size_t lag0, size_t nl, pg_dtype dtype,
                       double *s1, double *s2)
{
    float buf[BLOCK + BUF_MAX_LAG];
    size_t lag_max = lag0 + nl - 1;
    for (size_t l = 0; l < nl; l++)
        s1[l] = s2[l] = 0.0;
    for (size_t t0 = 0; t0 + lag0 < n; t0 += BLOCK) {
        if (dtype == PG_FLOAT32) {
            size_t end = t0 + BLOCK + lag_max < n ? t0 + BLOCK + lag_max : n;
            for (size_t t = t0; t < end; t++)
                buf[t - t0] = (float)x[t];
        }
        for (size_t l = 0; l < nl; l++) {
            size_t L = lag0 + l;
            if (t0 + L >= n)
                break;
            size_t stop = t0 + BLOCK < n - L ? t0 + BLOCK : n - L;
            if (dtype == PG_FLOAT32)
                lag_sums_f32(buf, buf + L, stop - t0, &s1[l], &s2[l]);
            else
                lag_sums_f64(x + t0, x + t0 + L, stop - t0, &s1[l], &s2[l]);
        }
    }
}

/* Unblocked sums for one lag (lags beyond the buffer). */
static void lag_sums_direct(const double *x, size_t n, size_t L, pg_dtype dtype, double *s1,
                            double *s2)
{
    double t1 = 0.0, t2 = 0.0;
    for (size_t t = 0; t + L < n; t++) {
        double d = dtype == PG_FLOAT32 ? (double)((float)x[t + L] - (float)x[t])
                                       : x[t + L] - x[t];
        t1 += d;
        t2 += d * d;
    }
    *s1 = t1;
    *s2 = t2;
}

int pg_hurst(const double *x, size_t n, size_t min_lag, size_t max_lag, pg_dtype dtype,
             double *result)
{
    if (min_lag < 2 || max_lag < min_lag || !result || (n > 0 && !x) ||
        (dtype != PG_FLOAT64 && dtype != PG_FLOAT32))
        return PG_EINVAL;
    /* n < 2*max_lag, written without overflow. */
    if (max_lag > n / 2) {
        *result = 0.5;
        return PG_OK;
    }

    /* Regression weights on u = ln L: slope = sum w_i y_i. */
    size_t nl = max_lag - min_lag + 1;
    double ubar = 0.0;
    for (size_t L = min_lag; L <= max_lag; L++)
        ubar += log((double)L);
    ubar /= (double)nl;
    double suu = 0.0;
    for (size_t L = min_lag; L <= max_lag; L++) {
        double du = log((double)L) - ubar;
        suu += du * du;
    }

    double slope = 0.0;
    double s1[LAG_GROUP], s2[LAG_GROUP];
    for (size_t lag0 = min_lag; lag0 <= max_lag; lag0 += LAG_GROUP) {
        size_t g = max_lag - lag0 + 1 < LAG_GROUP ? max_lag - lag0 + 1 : LAG_GROUP;
        if (lag0 + g - 1 <= BUF_MAX_LAG) {
            group_sums(x, n, lag0, g, dtype, s1, s2);
        } else {
            for (size_t l = 0; l < g; l++)
                lag_sums_direct(x, n, lag0 + l, dtype, &s1[l], &s2[l]);
        }
        for (size_t l = 0; l < g; l++) {
            size_t L = lag0 + l;
            double m = (double)(n - L);
            double mean = s1[l] / m;
            double var = s2[l] / m - mean * mean;
            double tau = sqrt(var > 0.0 ? var : 0.0);
            double w = (log((double)L) - ubar) / suu;
            slope += w * log(tau);
        }
    }

    if (nl == 1) {
        /* One lag: lstsq returns the minimum-norm solution of
         * [1, u] beta = y, whose slope is u*y/(1+u^2).  The loop above gave
         * 0/0; redo it. */
        double u = log((double)min_lag), s1v, s2v;
        if (min_lag <= BUF_MAX_LAG)
            group_sums(x, n, min_lag, 1, dtype, &s1v, &s2v);
        else
            lag_sums_direct(x, n, min_lag, dtype, &s1v, &s2v);
        double m = (double)(n - min_lag);
        double mean = s1v / m;
        double var = s2v / m - mean * mean;
        slope = u * log(sqrt(var > 0.0 ? var : 0.0)) / (1.0 + u * u);
    }

    /* np.clip: NaN passes through. */
    if (slope < 0.0)
        slope = 0.0;
    else if (slope > 1.0)
        slope = 1.0;
    *result = slope;
    return PG_OK;
}
