/*
 * kuramoto.cu - the Kuramoto order parameter on the GPU (KERNELS.md
 * section 5).
 *
 * 1-D (float64 path): a phase counts when it is finite as a float32.  Each
 * block sums cos and sin in double over a grid-stride slice and reduces in
 * shared memory; one block then folds the partials in a fixed order, so the
 * result does not depend on scheduling (no floating-point atomics).  The
 * sum order differs from numpy's pairwise sum by rounding only (tolerance
 * 1e-12 rel, 1e-14 abs).
 * 2-D (float32 path): one thread per snapshot walks the oscillators in row
 * order with float sums, as numpy does; a warp reads 32 neighbouring
 * snapshots of a row in one transaction.
 */
#include <math.h>

#include "internal.cuh"

#define R_BLOCKS 1024

struct r_part {
    double c, s;
    unsigned long long k;
};

__device__ __forceinline__ int valid32(double v)
{
    float f = (float)v;
    return f - f == 0.0f;
}

__global__ void k_r1d_parts(const double *th, long long n, r_part *parts)
{
    __shared__ double sc[PGC_THREADS], ss[PGC_THREADS];
    __shared__ unsigned long long sk[PGC_THREADS];
    double c = 0.0, s = 0.0;
    unsigned long long k = 0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        double v = th[i];
        if (!valid32(v))
            continue;
        double sv, cv;
        sincos(v, &sv, &cv);
        c += cv;
        s += sv;
        k++;
    }
    unsigned t = threadIdx.x;
    sc[t] = c;
    ss[t] = s;
    sk[t] = k;
    __syncthreads();
    for (unsigned h = blockDim.x / 2; h > 0; h >>= 1) {
        if (t < h) {
            sc[t] += sc[t + h];
            ss[t] += ss[t + h];
            sk[t] += sk[t + h];
        }
        __syncthreads();
    }
    if (t == 0) {
        parts[blockIdx.x].c = sc[0];
        parts[blockIdx.x].s = ss[0];
        parts[blockIdx.x].k = sk[0];
    }
}

__global__ void k_r1d_final(const r_part *parts, int nparts, double *out)
{
    __shared__ double sc[PGC_THREADS], ss[PGC_THREADS];
    __shared__ unsigned long long sk[PGC_THREADS];
    unsigned t = threadIdx.x;
    double c = 0.0, s = 0.0;
    unsigned long long k = 0;
    for (int i = (int)t; i < nparts; i += blockDim.x) {
        c += parts[i].c;
        s += parts[i].s;
        k += parts[i].k;
    }
    sc[t] = c;
    ss[t] = s;
    sk[t] = k;
    __syncthreads();
    for (unsigned h = blockDim.x / 2; h > 0; h >>= 1) {
        if (t < h) {
            sc[t] += sc[t + h];
            ss[t] += ss[t + h];
            sk[t] += sk[t + h];
        }
        __syncthreads();
    }
    if (t == 0) {
        double R = 0.0;
        if (sk[0] > 0) {
            R = sqrt(sc[0] * sc[0] + ss[0] * ss[0]) / (double)sk[0];
            if (R < 1e-8)
                R = 0.0;
            if (R > 1.0)
                R = 1.0;
        }
        *out = R;
    }
}

__global__ void k_r2d(const double *th, long long n_osc, long long n_t, double *out)
{
    long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    for (; t < n_t; t += (long long)gridDim.x * blockDim.x) {
        float C = 0.0f, S = 0.0f;
        long long k = 0;
        for (long long i = 0; i < n_osc; i++) {
            float v = (float)th[i * n_t + t];
            if (!(v - v == 0.0f))
                continue;
            float sv, cv;
            sincosf(v, &sv, &cv);
            C += cv;
            S += sv;
            k++;
        }
        double R = 0.0;
        if (k > 0) {
            R = hypot((double)C, (double)S) / (double)k;
            if (R > 1.0)
                R = 1.0;
            if (R < 1e-8)
                R = 0.0;
        }
        out[t] = R;
    }
}

extern "C" int pg_cuda_kuramoto_order_1d(pg_cuda_ctx *ctx, const double *theta, size_t n,
                                         double *result, pg_cuda_timing *t)
{
    if (!ctx)
        return PG_EUNSUP;
    if (!result || (n > 0 && !theta))
        return PG_EINVAL;
    void *dx, *dparts, *dres;
    unsigned blocks = pgc_blocks(n);
    if (blocks > R_BLOCKS)
        blocks = R_BLOCKS;
    PGC_RC(pgc_reserve(ctx, PGC_IN, n * sizeof(double), &dx));
    PGC_RC(pgc_reserve(ctx, PGC_AUX, R_BLOCKS * sizeof(r_part), &dparts));
    PGC_RC(pgc_reserve(ctx, PGC_AUX2, sizeof(double), &dres));
    PGC_RC(pgc_begin(ctx));
    PGC_RC(pgc_h2d(ctx, dx, theta, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    k_r1d_parts<<<blocks, PGC_THREADS, 0, ctx->stream>>>((const double *)dx, (long long)n,
                                                         (r_part *)dparts);
    k_r1d_final<<<1, PGC_THREADS, 0, ctx->stream>>>((const r_part *)dparts, (int)blocks,
                                                    (double *)dres);
    PGC_RC(pgc_mark(ctx, 2));
    PGC_RC(pgc_d2h(ctx, result, dres, sizeof(double)));
    return pgc_end(ctx, t);
}

extern "C" int pg_cuda_kuramoto_order_2d(pg_cuda_ctx *ctx, const double *theta, size_t n_osc,
                                         size_t n_t, double *out, pg_cuda_timing *t)
{
    if (!ctx)
        return PG_EUNSUP;
    if (n_t > 0 && (!out || (n_osc > 0 && !theta)))
        return PG_EINVAL;
    if (n_t != 0 && n_osc > ((size_t)-1 / sizeof(double)) / n_t)
        return PG_EINVAL;
    size_t n = n_osc * n_t;
    void *dx, *dout;
    PGC_RC(pgc_reserve(ctx, PGC_IN, n * sizeof(double), &dx));
    PGC_RC(pgc_reserve(ctx, PGC_OUT0, n_t * sizeof(double), &dout));
    PGC_RC(pgc_begin(ctx));
    PGC_RC(pgc_h2d(ctx, dx, theta, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    if (n_t > 0)
        k_r2d<<<pgc_blocks(n_t), PGC_THREADS, 0, ctx->stream>>>(
            (const double *)dx, (long long)n_osc, (long long)n_t, (double *)dout);
    PGC_RC(pgc_mark(ctx, 2));
    PGC_RC(pgc_d2h(ctx, out, dout, n_t * sizeof(double)));
    return pgc_end(ctx, t);
}
