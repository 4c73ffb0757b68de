/*
 * rolling.cu - rolling mean, sample std and volatility_w on the GPU
 * (KERNELS.md section 1, "Rolling window w").
 *
 * The CPU kernel (kernels/cpu/rolling.c) streams add/remove sums and
 * rebuilds them from the window every B = max(256, w) rows, at absolute
 * row positions.  Those rebuild points make every block of B rows
 * independent: one thread here takes one block, rebuilds at its start and
 * slides to its end with the operations of the CPU's careful path (and its
 * drift rule), so the outputs equal that path's bit for bit and the CPU's
 * four-lane fast path within rounding (it sums the same deltas in another
 * order).  Work is O(n + n/B * w) = O(n).  Windows of a std up to
 * DIRECT_STD_MAX_W rows are summed directly, in two passes, instead.  Reads are strided across a warp (each thread walks its own
 * block) and lean on L1/L2; the returns for volatility are made first, with
 * the pad fill of pct_change done by a max-scan of the last non-NaN index.
 */
#include <math.h>

#include <cub/device/device_scan.cuh>

#include "internal.cuh"

/* Must equal PGF_ROLL_BLOCK of the CPU kernel for bit-identical output. */
#define ROLL_BLOCK 256

enum { ROLL_MEAN = 1, ROLL_STD = 2 };

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
        long long i;
        for (i = lo + 1; i < hi; i++) {
            double vin = x[i];
            double vout = x[i - w];
            double tnew = x[i - w + 1];
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
                break;
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
                                                       (long long *)dlast, max_op(),
                                                       (long long)n, ctx->stream));
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
            k_valid_index<<<pgc_blocks(n), PGC_THREADS, 0, ctx->stream>>>(src, (long long)n,
                                                                          valid);
            PGC_CK(ctx, cub::DeviceScan::InclusiveScan(temp, temp_bytes, valid, last, max_op(),
                                                       (long long)n, ctx->stream));
            k_returns<<<pgc_blocks(n), PGC_THREADS, 0, ctx->stream>>>(src, last, (long long)n,
                                                                      (double *)dret);
            src = (const double *)dret;
        }
        long long block = (long long)(w > ROLL_BLOCK ? w : ROLL_BLOCK);
        size_t nb = (n + (size_t)block - 1) / (size_t)block;
        k_roll<<<pgc_blocks(nb), PGC_THREADS, 0, ctx->stream>>>(src, (long long)n, (long long)w,
                                                                block, mode, (double *)dout);
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

extern "C" int pg_cuda_volatility(pg_cuda_ctx *ctx, const double *price, size_t n,
                                  size_t window, double *out, pg_cuda_timing *t)
{
    return run(ctx, price, n, window, ROLL_STD, 1, out, t);
}
