/*
 * rolling.cu - rolling mean, sample std and volatility_w on the GPU
 * (KERNELS.md section 1, "Rolling window w").
 *
 * The CPU kernel (kernels/cpu/rolling.c) streams add/remove sums and
 * rebuilds them from the window every max(256, w) rows, at absolute row
 * positions, which makes every block independent.  Here one thread takes
 * one block of B = max(ROLL_BLOCK, w) rows (ROLL_BLOCK 64: more threads,
 * shorter serial walks), rebuilds at its start and slides to its end with
 * the operations of the CPU's careful path (and its drift rule), loading
 * ROLL_AHEAD rows ahead of the sums.  The outputs agree with the CPU's
 * within rounding (more frequent rebuilds; the fast path sums the same
 * deltas in another order).  Work is O(n + n/B * w) = O(n).  Windows of a
 * std up to DIRECT_STD_MAX_W rows are summed directly, in two passes,
 * instead.  The returns for volatility are made first, with the pad fill
 * of pct_change done by a max-scan of the last non-NaN index.
 */
#include <math.h>

#include <cub/device/device_scan.cuh>

#include "internal.cuh"

/* Rows a thread walks (blocks start at multiples of max(ROLL_BLOCK, w),
 * the sums rebuilt there).  Shorter than the CPU's PGF_ROLL_BLOCK (256):
 * the walk is the GPU's floor (0.18 ms for 65,536 rows at 256), and a
 * rebuild more often only bounds the drift tighter.  The results agree
 * with the CPU's within the golden tolerances, not bit for bit. */
#define ROLL_BLOCK 64

enum { ROLL_MEAN = 1, ROLL_STD = 2 };

/* Rows a thread loads ahead in its block (see roll_block). */
#define ROLL_AHEAD 8
#ifdef __CUDA_ARCH__
#define ROLL_UNROLL _Pragma("unroll")
#else
#define ROLL_UNROLL
#endif

struct roll_acc {
    double sum, s1, s2, k;
    long long cnt, neg, brk;
};

__host__ __device__ __forceinline__ int is_fin(double v)
{
    return v - v == 0.0;
}

__host__ __device__ __forceinline__ double emit(const roll_acc &a, long long w, double v, int mode)
{
    if (a.cnt != w)
        return NAN;
    if (mode == ROLL_MEAN) {
        if (a.brk == 0)
            return v; /* every value equal: exactly that value */
        double m = a.sum / (double)w;
        if (a.neg == 0 && m < 0.0)
            m = 0.0;
        else if (a.neg == w && m > 0.0)
            m = 0.0;
        return m;
    }
    if (w < 2)
        return NAN; /* ddof = 1 */
    if (a.brk == 0)
        return 0.0;
    double dw = (double)w;
    double var = (a.s2 - a.s1 * a.s1 / dw) / (dw - 1.0);
    return var > 0.0 ? sqrt(var) : 0.0;
}

/* Rows [start, end) of one block, as roll_core does them. */
__host__ __device__ void roll_block(const double *x, long long start, long long end, long long w,
                                    int mode, double *out)
{
    const int want_std = mode == ROLL_STD;
    for (long long lo = start; lo < end;) {
        long long hi = end;
        double k = 0.0;
        if (want_std) {
            double s = 0.0;
            long long c = 0;
            for (long long j = lo - w + 1; j <= lo; j++) {
                double v = x[j];
                if (is_fin(v)) {
                    s += v;
                    c++;
                }
            }
            if (c > 0)
                k = s / (double)c;
        }
        roll_acc a = { 0.0, 0.0, 0.0, k, 0, 0, 0 };
        double v = 0.0, prev = 0.0;
        for (long long j = lo - w + 1; j <= lo; j++) {
            v = x[j];
            if (j != lo - w + 1)
                a.brk += !(v == prev);
            prev = v;
            if (is_fin(v)) {
                a.cnt++;
                a.sum += v;
                a.neg += signbit(v) != 0;
                double d = v - k;
                a.s1 += d;
                a.s2 += d * d;
            }
        }
        double lprev = v;
        out[lo] = emit(a, w, v, mode);
        /* ROLL_AHEAD rows' values are loaded before they are used: the loads
         * do not depend on the sums, and a thread's block is its own (a
         * warp's loads do not coalesce), so one load a row would pay the
         * memory latency row after row. */
        int drifted = 0;
        for (long long i0 = lo + 1; i0 < hi && !drifted; i0 += ROLL_AHEAD) {
            double bin[ROLL_AHEAD], bout[ROLL_AHEAD + 1];
            ROLL_UNROLL
            for (int q = 0; q < ROLL_AHEAD; q++)
                bin[q] = i0 + q < hi ? x[i0 + q] : 0.0;
            ROLL_UNROLL
            for (int q = 0; q <= ROLL_AHEAD; q++)
                bout[q] = i0 + q <= hi ? x[i0 + q - w] : 0.0; /* i0 + q - w < hi <= n */
            ROLL_UNROLL
            for (int q = 0; q < ROLL_AHEAD; q++) {
                long long i = i0 + q;
                if (i >= hi || drifted)
                    continue;
                double vin = bin[q];
                double vout = bout[q];
                double tnew = bout[q + 1];
                a.brk = a.brk + !(vin == lprev) - !(tnew == vout);
                lprev = vin;
                int fin = is_fin(vin), fout = is_fin(vout);
                a.cnt = a.cnt + fin - fout;
                if (!want_std) {
                    double ai = fin ? vin : 0.0, ao = fout ? vout : 0.0;
                    a.sum += ai - ao;
                    a.neg = a.neg + (fin && signbit(vin)) - (fout && signbit(vout));
                } else {
                    double di = fin ? vin - k : 0.0, dout = fout ? vout - k : 0.0;
                    a.s1 += di - dout;
                    a.s2 += di * di - dout * dout;
                }
                out[i] = emit(a, w, vin, mode);
                if (want_std && i - lo >= w && a.cnt == w &&
                    5.0 * a.s1 * a.s1 > 4.0 * (double)w * a.s2) {
                    hi = i + 1;
                    drifted = 1;
                }
            }
        }
        lo = hi;
    }
}

/* Windows this small get their std from a two-pass sum over each window:
 * O(w) a row, and free of the cancellation that add/remove sums suffer
 * when w is tiny against the drift of K between rebuilds (at w = 2 on a
 * price level that costs the streaming form ~1e-4 relative). */
#define DIRECT_STD_MAX_W 8

__host__ __device__ __forceinline__ double direct_std(const double *x, long long i, long long w)
{
    double s = 0.0;
    long long cnt = 0, brk = 0;
    for (long long j = i - w + 1; j <= i; j++) {
        double v = x[j];
        if (j > i - w + 1)
            brk += !(v == x[j - 1]);
        if (is_fin(v)) {
            s += v;
            cnt++;
        }
    }
    if (cnt != w || w < 2)
        return NAN;
    if (brk == 0)
        return 0.0; /* pandas' same-value rule */
    double m = s / (double)w, s2 = 0.0;
    for (long long j = i - w + 1; j <= i; j++) {
        double d = x[j] - m;
        s2 += d * d;
    }
    double var = s2 / (double)(w - 1);
    return var > 0.0 ? sqrt(var) : 0.0;
}

__global__ void k_roll(const double *x, long long n, long long w, long long block, int mode,
                       double *out)
{
    long long nb = (n + block - 1) / block;
    long long b = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    for (; b < nb; b += (long long)gridDim.x * blockDim.x) {
        long long b0 = b * block, end = b0 + block < n ? b0 + block : n;
        long long first = w - 1;
        long long start = b0 > first ? b0 : first;
        for (long long i = b0; i < end && i < start; i++)
            out[i] = NAN;
        if (start < end && mode == ROLL_STD && w <= DIRECT_STD_MAX_W) {
            for (long long i = start; i < end; i++)
                out[i] = direct_std(x, i, w);
        } else if (start < end) {
            roll_block(x, start, end, w, mode, out);
        }
    }
}

/* last[i] = i when price[i] is not NaN, else -1 (pct_change pads NaN only). */
__global__ void k_valid_index(const double *p, long long n, long long *last)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    for (; i < n; i += (long long)gridDim.x * blockDim.x)
        last[i] = p[i] != p[i] ? -1 : i;
}

/* return_1 from the padded price: r_i = p'_i / p'_{i-1} - 1, r_0 = NaN. */
__global__ void k_returns(const double *p, const long long *last, long long n, double *r)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    for (; i < n; i += (long long)gridDim.x * blockDim.x) {
        if (i == 0) {
            r[0] = NAN;
            continue;
        }
        long long a = last[i], b = last[i - 1];
        double cur = a < 0 ? NAN : p[a];
        double prev = b < 0 ? NAN : p[b];
        r[i] = cur / prev - 1.0;
    }
}

struct max_op {
    __host__ __device__ long long operator()(long long a, long long b) const
    {
        return a > b ? a : b;
    }
};

static int check(const pg_cuda_ctx *ctx, const double *x, size_t n, size_t w, const double *out)
{
    if (!ctx)
        return PG_EUNSUP;
    if (w < 1 || (n > 0 && (!x || !out)))
        return PG_EINVAL;
    return PG_OK;
}

static int run(pg_cuda_ctx *ctx, const double *x, size_t n, size_t w, int mode, int returns,
               double *out, pg_cuda_timing *t)
{
    PGC_RC(check(ctx, x, n, w, out));
    void *dx = NULL, *dout = NULL, *dret = NULL, *dvalid = NULL, *dlast = NULL, *temp = NULL;
    size_t temp_bytes = 0;
    if (n > 0) {
        PGC_RC(pgc_reserve(ctx, PGC_IN, n * sizeof(double), &dx));
        PGC_RC(pgc_reserve(ctx, PGC_OUT0, n * sizeof(double), &dout));
        if (returns) {
            PGC_RC(pgc_reserve(ctx, PGC_OUT1, n * sizeof(double), &dret));
            PGC_RC(pgc_reserve(ctx, PGC_AUX, n * sizeof(long long), &dvalid));
            PGC_RC(pgc_reserve(ctx, PGC_AUX2, n * sizeof(long long), &dlast));
            PGC_CK(ctx, cub::DeviceScan::InclusiveScan(NULL, temp_bytes, (long long *)dvalid,
                                                       (long long *)dlast, max_op(), (long long)n,
                                                       ctx->stream));
            PGC_RC(pgc_reserve(ctx, PGC_TEMP, temp_bytes, &temp));
        }
    }
    PGC_RC(pgc_begin(ctx));
    PGC_RC(pgc_h2d(ctx, dx, x, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    if (n > 0) {
        const double *src = (const double *)dx;
        if (returns) {
            long long *valid = (long long *)dvalid, *last = (long long *)dlast;
            k_valid_index<<<pgc_blocks(n), PGC_THREADS, 0, ctx->stream>>>(src, (long long)n, valid);
            PGC_CK(ctx, cub::DeviceScan::InclusiveScan(temp, temp_bytes, valid, last, max_op(),
                                                       (long long)n, ctx->stream));
            k_returns<<<pgc_blocks(n), PGC_THREADS, 0, ctx->stream>>>(src, last, (long long)n,
                                                                      (double *)dret);
            src = (const double *)dret;
        }
        long long block = (long long)(w > ROLL_BLOCK ? w : ROLL_BLOCK);
        size_t nb = (n + (size_t)block - 1) / (size_t)block;
        k_roll<<<pgc_blocks_of(nb, PGC_SERIAL_THREADS), PGC_SERIAL_THREADS, 0, ctx->stream>>>(
            src, (long long)n, (long long)w, block, mode, (double *)dout);
    }
    PGC_RC(pgc_mark(ctx, 2));
    PGC_RC(pgc_d2h(ctx, out, dout, n * sizeof(double)));
    return pgc_end(ctx, t);
}

extern "C" int pg_cuda_rolling_mean(pg_cuda_ctx *ctx, const double *x, size_t n, size_t window,
                                    double *out, pg_cuda_timing *t)
{
    return run(ctx, x, n, window, ROLL_MEAN, 0, out, t);
}

extern "C" int pg_cuda_rolling_std(pg_cuda_ctx *ctx, const double *x, size_t n, size_t window,
                                   double *out, pg_cuda_timing *t)
{
    return run(ctx, x, n, window, ROLL_STD, 0, out, t);
}

extern "C" int pg_cuda_volatility(pg_cuda_ctx *ctx, const double *price, size_t n, size_t window,
                                  double *out, pg_cuda_timing *t)
{
    return run(ctx, price, n, window, ROLL_STD, 1, out, t);
}
