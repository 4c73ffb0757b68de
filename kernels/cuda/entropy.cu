/*
 * entropy.cu - Shannon entropy over equal bins on the GPU (KERNELS.md
 * section 2), with numpy's histogram binning so that the counts equal the
 * CPU kernel's (kernels/cpu/entropy.c) exactly.
 *
 *   1. k_scan: finite count, min and max in the working dtype D, one
 *      partial a block; k_setup (one block) folds the partials, forms S,
 *      lo, hi, step and norm in double as the CPU does and writes the edges
 *      e_k = fl(fl(k*step) + lo) rounded to D (--fmad=false keeps the
 *      multiply and the add apart, as -ffp-contract=off does on the CPU);
 *   2. k_hist: per element v = fl_D(x/S); counted when e_0 <= v <= e_B;
 *      guess k = (intp)(fl_D(v - e_0) * norm_D) clamped to [0, B-1], then
 *      numpy's one-step correction down (v < e_k) and up (v >= e_{k+1},
 *      not for the last bin).  Each block counts into privatised bins in
 *      shared memory (with the edges beside them) and adds them to the
 *      global histogram at the end; with more bins than fit, it counts in
 *      global memory directly;
 *   3. the counts come back and H = -sum p ln p is taken on the host, in
 *      numpy's pairwise order, as the CPU kernel does.
 */
#include <math.h>
#include <string.h>

#include "internal.cuh"

/* Bins counted in shared memory up to this many (4 + 8 bytes a bin). */
#define SHARED_MAX_BINS 3072
/* Partials of the scan: blocks of the first pass, at most. */
#define SCAN_BLOCKS 1024

/* What k_setup leaves on the device for k_hist and the host. */
struct ent_info {
    unsigned long long valid; /* finite values in D */
    double S, lo, hi, norm;   /* scale (0: not scaled), range, B/(hi-lo) */
    int state;                /* 0 empty, 1 constant, 2 histogram */
};

template <typename D> struct partial {
    D mn, mx;
    unsigned long long cnt;
};

template <typename D> __device__ __forceinline__ int fin(D v)
{
    return v - v == (D)0;
}

template <typename D> __global__ void k_scan(const double *x, long long n, partial<D> *parts)
{
    __shared__ D smn[PGC_THREADS], smx[PGC_THREADS];
    __shared__ unsigned long long scnt[PGC_THREADS];
    D mn = (D)INFINITY, mx = (D)-INFINITY;
    unsigned long long cnt = 0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        D v = (D)x[i];
        if (!fin(v))
            continue;
        cnt++;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
    }
    unsigned t = threadIdx.x;
    smn[t] = mn;
    smx[t] = mx;
    scnt[t] = cnt;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) {
            smn[t] = smn[t + s] < smn[t] ? smn[t + s] : smn[t];
            smx[t] = smx[t + s] > smx[t] ? smx[t + s] : smx[t];
            scnt[t] += scnt[t + s];
        }
        __syncthreads();
    }
    if (t == 0) {
        parts[blockIdx.x].mn = smn[0];
        parts[blockIdx.x].mx = smx[0];
        parts[blockIdx.x].cnt = scnt[0];
    }
}

/* Edge k of np.linspace(lo, hi, B+1) before rounding to D (the CPU's
 * edge_f64). */
__host__ __device__ __forceinline__ double edge_f64(long long k, long long bins, double step,
                                                    double lo, double hi)
{
    if (k >= bins)
        return hi;
    double y = step != 0.0 ? (double)k * step : (double)k / (double)bins * (hi - lo);
    return y + lo;
}

template <typename D>
__global__ void k_setup(const partial<D> *parts, int nparts, long long bins, ent_info *info,
                        D *edges)
{
    __shared__ double s_lo, s_hi, s_step;
    __shared__ int s_go;
    if (threadIdx.x == 0) {
        D mn = (D)INFINITY, mx = (D)-INFINITY;
        unsigned long long cnt = 0;
        for (int i = 0; i < nparts; i++) {
            cnt += parts[i].cnt;
            mn = parts[i].mn < mn ? parts[i].mn : mn;
            mx = parts[i].mx > mx ? parts[i].mx : mx;
        }
        ent_info in;
        in.valid = cnt;
        in.S = in.lo = in.hi = in.norm = 0.0;
        in.state = 0;
        s_go = 0;
        if (cnt > 0) {
            double dmn = (double)mn, dmx = (double)mx;
            /* S = max|x| is exact in D; zero only for an all-zero input */
            double S = fabs(dmn) > fabs(dmx) ? fabs(dmn) : fabs(dmx);
            double lo = S != 0.0 ? dmn / S : dmn;
            double hi = S != 0.0 ? dmx / S : dmx;
            in.S = S;
            in.lo = lo;
            in.hi = hi;
            in.state = 1;
            if (hi > lo) {
                in.state = 2;
                in.norm = (double)bins / (hi - lo);
                s_lo = lo;
                s_hi = hi;
                s_step = (hi - lo) / (double)bins;
                s_go = 1;
            }
        }
        *info = in;
    }
    __syncthreads();
    if (!s_go)
        return;
    for (long long k = threadIdx.x; k <= bins; k += blockDim.x)
        edges[k] = (D)edge_f64(k, bins, s_step, s_lo, s_hi);
}

/* The bin of value v (already in D and scaled), or -1 when not counted. */
template <typename D>
__host__ __device__ __forceinline__ long long bin_of(D v, D e0, D eB, D norm, D top, long long bins,
                                                     const D *edges)
{
    if (!(v >= e0 && v <= eB)) /* false for NaN and inf */
        return -1;
    D f = (v - e0) * norm;
    f = f > (D)0 ? f : (D)0;
    f = f < top ? f : top; /* numpy: index B becomes B-1 */
    long long k = (long long)f;
    if (v < edges[k])
        k--;
    if (k != bins - 1 && v >= edges[k + 1])
        k++;
    return k;
}

template <typename D>
__global__ void k_hist_shared(const double *x, long long n, long long bins, const ent_info *info,
                              const D *edges, unsigned long long *counts)
{
    extern __shared__ unsigned char smem[];
    D *se = (D *)smem;
    unsigned *sc = (unsigned *)(smem + (bins + 1) * sizeof(D));
    if (info->state != 2)
        return;
    for (long long k = threadIdx.x; k <= bins; k += blockDim.x)
        se[k] = edges[k];
    for (long long k = threadIdx.x; k < bins; k += blockDim.x)
        sc[k] = 0;
    __syncthreads();
    const D S = (D)info->S, e0 = se[0], eB = se[bins], norm = (D)info->norm;
    const D top = (D)(bins - 1);
    const int scaled = info->S != 0.0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        D v = (D)x[i];
        v = scaled ? v / S : v;
        long long k = bin_of(v, e0, eB, norm, top, bins, se);
        if (k >= 0)
            atomicAdd(&sc[k], 1u);
    }
    __syncthreads();
    for (long long k = threadIdx.x; k < bins; k += blockDim.x)
        if (sc[k])
            atomicAdd(&counts[k], (unsigned long long)sc[k]);
}

template <typename D>
__global__ void k_hist_global(const double *x, long long n, long long bins, const ent_info *info,
                              const D *edges, unsigned long long *counts)
{
    if (info->state != 2)
        return;
    const D S = (D)info->S, e0 = edges[0], eB = edges[bins], norm = (D)info->norm;
    const D top = (D)(bins - 1);
    const int scaled = info->S != 0.0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        D v = (D)x[i];
        v = scaled ? v / S : v;
        long long k = bin_of(v, e0, eB, norm, top, bins, edges);
        if (k >= 0)
            atomicAdd(&counts[k], 1ull);
    }
}

/* numpy's pairwise_sum for float64 (as in kernels/cpu/entropy.c). */
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

/* H = -(sum p ln p) over the non-empty bins: the first term, then the
 * pairwise sum of the rest in chunks of 128 (numpy's add.reduce order). */
static double entropy_from_counts(const size_t *counts, size_t bins, double total)
{
    double terms[128];
    double acc = 0.0;
    size_t m = 0;
    int first = 1;
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

template <typename D>
static int launch(pg_cuda_ctx *ctx, const double *dx, long long n, long long bins, void *dparts,
                  ent_info *dinfo, void *dedges, unsigned long long *dcounts)
{
    unsigned blocks = pgc_blocks((size_t)n);
    if (blocks > SCAN_BLOCKS)
        blocks = SCAN_BLOCKS;
    k_scan<D><<<blocks, PGC_THREADS, 0, ctx->stream>>>(dx, n, (partial<D> *)dparts);
    k_setup<D><<<1, PGC_THREADS, 0, ctx->stream>>>((partial<D> *)dparts, (int)blocks, bins, dinfo,
                                                   (D *)dedges);
    PGC_LAUNCHED(ctx);
    unsigned hb = pgc_blocks((size_t)n);
    if (hb > 4 * SCAN_BLOCKS)
        hb = 4 * SCAN_BLOCKS;
    if (bins <= SHARED_MAX_BINS) {
        size_t shm = (size_t)(bins + 1) * sizeof(D) + (size_t)bins * sizeof(unsigned);
        k_hist_shared<D>
            <<<hb, PGC_THREADS, shm, ctx->stream>>>(dx, n, bins, dinfo, (const D *)dedges, dcounts);
    } else {
        k_hist_global<D>
            <<<hb, PGC_THREADS, 0, ctx->stream>>>(dx, n, bins, dinfo, (const D *)dedges, dcounts);
    }
    PGC_LAUNCHED(ctx);
    return PG_OK;
}

extern "C" int pg_cuda_entropy(pg_cuda_ctx *ctx, const double *x, size_t n, size_t bins,
                               pg_dtype dtype, size_t *counts, double *result, pg_cuda_timing *t)
{
    if (!ctx)
        return PG_EUNSUP;
    if (bins < 1 || bins > (size_t)1 << 40 || !counts || !result || (n > 0 && !x) ||
        (dtype != PG_FLOAT64 && dtype != PG_FLOAT32))
        return PG_EINVAL;
    void *dx, *dparts, *daux, *dedges;
    size_t esize = dtype == PG_FLOAT32 ? sizeof(float) : sizeof(double);
    PGC_RC(pgc_reserve(ctx, PGC_IN, n * sizeof(double), &dx));
    PGC_RC(pgc_reserve(ctx, PGC_AUX, SCAN_BLOCKS * sizeof(partial<double>), &dparts));
    /* the info record, then the counts (u64, 8-aligned) */
    PGC_RC(pgc_reserve(ctx, PGC_AUX2, sizeof(ent_info) + bins * sizeof(unsigned long long), &daux));
    PGC_RC(pgc_reserve(ctx, PGC_OUT0, (bins + 1) * esize, &dedges));
    ent_info *dinfo = (ent_info *)daux;
    unsigned long long *dcounts = (unsigned long long *)((char *)daux + sizeof(ent_info));
    static_assert(sizeof(ent_info) % 8 == 0, "counts must stay 8-aligned");
    static_assert(sizeof(size_t) == sizeof(unsigned long long), "size_t is 64 bits");

    PGC_RC(pgc_begin(ctx));
    PGC_RC(pgc_h2d(ctx, dx, x, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    PGC_CK(ctx, cudaMemsetAsync(dcounts, 0, bins * sizeof(unsigned long long), ctx->stream));
    if (n > 0) {
        if (dtype == PG_FLOAT32)
            PGC_RC(launch<float>(ctx, (const double *)dx, (long long)n, (long long)bins, dparts,
                                 dinfo, dedges, dcounts));
        else
            PGC_RC(launch<double>(ctx, (const double *)dx, (long long)n, (long long)bins, dparts,
                                  dinfo, dedges, dcounts));
    }
    PGC_RC(pgc_mark(ctx, 2));
    ent_info info;
    memset(&info, 0, sizeof info);
    if (n > 0) {
        PGC_RC(pgc_d2h(ctx, &info, dinfo, sizeof info));
        PGC_RC(pgc_d2h(ctx, counts, dcounts, bins * sizeof(size_t)));
    }
    PGC_RC(pgc_end(ctx, t));
    if (ctx->no_transfers)
        return PG_OK; /* kernel-only: the results stay on the device */

    if (n == 0 || info.state == 0) {
        memset(counts, 0, bins * sizeof *counts);
        *result = 0.0;
        return PG_OK;
    }
    if (info.state == 1) {
        /* constant input: numpy's [v-0.5, v+0.5] puts every value in the
         * middle bin, p = 1 and H = -(1 ln 1) = -0.0 */
        memset(counts, 0, bins * sizeof *counts);
        counts[bins / 2] = (size_t)info.valid;
        *result = -0.0;
        return PG_OK;
    }
    size_t total_n = 0;
    for (size_t k = 0; k < bins; k++)
        total_n += counts[k];
    if (total_n == 0) {
        *result = 0.0;
        return PG_OK;
    }
    /* counts.sum(dtype=D): on the float32 path the total is a float */
    double total = dtype == PG_FLOAT32 ? (double)(float)total_n : (double)total_n;
    *result = entropy_from_counts(counts, bins, total);
    return PG_OK;
}
