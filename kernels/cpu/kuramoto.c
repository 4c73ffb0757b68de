/*
 * kuramoto.c - the Kuramoto order parameter R = |mean(exp(i theta))|
 * (KERNELS.md section 5, TradePulse core/indicators/kuramoto.py).
 *
 * A phase is valid when it is finite after conversion to float32 (so a
 * double beyond FLT_MAX is invalid too); invalid phases are left out of
 * the sums and the count k.  k = 0 gives 0.
 *   1-D (float64 path): C, S = sums of cos, sin of the double phases;
 *       R = sqrt(C^2 + S^2)/k; R < 1e-8 -> 0; clip to [0, 1].
 *   2-D (float32 path): cosf/sinf of float(theta), summed over the
 *       oscillators in float, in row order; R = hypot(C, S)/k in double;
 *       clip to [0, 1]; R < 1e-8 -> 0.
 * The 2-D matrix is n_osc x n_t, row-major; it is walked in column blocks
 * so that each row segment is read contiguously while the float sums of a
 * block stay on the stack.
 */
#include <math.h>

#include "pg_kernels.h"

/* Snapshots per block of the 2-D path. */
#define TBLOCK 256

static inline int valid32(double v)
{
    return isfinite((float)v);
}

int pg_kuramoto_order_1d(const double *theta, size_t n, double *result)
{
    if (!result || (n > 0 && !theta))
        return PG_EINVAL;
    /* Four partial sums, combined pairwise: within rounding of numpy's
     * pairwise sum (tolerance 1e-12 rel, 1e-14 abs). */
    double c[4] = { 0 }, s[4] = { 0 };
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double v = theta[i];
        if (!valid32(v))
            continue;
        c[k & 3] += cos(v);
        s[k & 3] += sin(v);
        k++;
    }
    if (k == 0) {
        *result = 0.0;
        return PG_OK;
    }
    double C = (c[0] + c[1]) + (c[2] + c[3]);
    double S = (s[0] + s[1]) + (s[2] + s[3]);
    double R = sqrt(C * C + S * S) / (double)k;
    if (R < 1e-8)
        R = 0.0;
    if (R > 1.0)
        R = 1.0;
    *result = R;
    return PG_OK;
}

int pg_kuramoto_order_2d(const double *theta, size_t n_osc, size_t n_t, double *out)
{
    if (n_t > 0 && (!out || (n_osc > 0 && !theta)))
        return PG_EINVAL;
    for (size_t t0 = 0; t0 < n_t; t0 += TBLOCK) {
        size_t len = n_t - t0 < TBLOCK ? n_t - t0 : TBLOCK;
        float C[TBLOCK], S[TBLOCK];
        size_t k[TBLOCK];
        for (size_t j = 0; j < len; j++) {
            C[j] = S[j] = 0.0f;
            k[j] = 0;
        }
        for (size_t i = 0; i < n_osc; i++) {
            const double *row = theta + i * n_t + t0;
            for (size_t j = 0; j < len; j++) {
                float v = (float)row[j];
                if (!isfinite(v))
                    continue;
                C[j] += cosf(v);
                S[j] += sinf(v);
                k[j]++;
            }
        }
        for (size_t j = 0; j < len; j++) {
            double R = 0.0;
            if (k[j] > 0) {
                R = hypot((double)C[j], (double)S[j]) / (double)k[j];
                if (R > 1.0)
                    R = 1.0;
                if (R < 1e-8)
                    R = 0.0;
            }
            out[t0 + j] = R;
        }
    }
    return PG_OK;
}

int pg_kuramoto_order(const double *theta, size_t ndim, const size_t *shape, double *out)
{
    if (ndim == 1 && shape)
        return pg_kuramoto_order_1d(theta, shape[0], out);
    if (ndim == 2 && shape)
        return pg_kuramoto_order_2d(theta, shape[0], shape[1], out);
    return PG_EINVAL;
}
