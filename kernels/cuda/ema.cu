/*
 * ema.cu - EMA, RSI and MACD on the GPU (KERNELS.md section 1).
 *
 * One long series: a chunked scan (ema_scan.cuh).  Each thread summarises
 * EMA_CHUNK inputs into the map they apply to the state, CUB's exclusive
 * scan composes the maps so every chunk knows its entry state, and each
 * thread re-runs the exact recurrence over its chunk from there.  Work is
 * O(n) twice plus a scan over n/EMA_CHUNK summaries.  RSI is two such
 * scans (gain and loss of the differences) and a combine; MACD three
 * (fast, slow, then the signal over fast - slow).
 *
 * Many series: one series a thread, time-major so that a warp reads one
 * row of 32 neighbouring series in one transaction; the recurrence is the
 * CPU's, so the results are bit-identical.  Built with --fmad=false: a
 * fused multiply-add would change the last bits of w*y + a*c.
 */
#include <math.h>

#include <cub/device/device_scan.cuh>

#include "ema_scan.cuh"
#include "internal.cuh"

/* Inputs one thread summarises and re-runs: the two serial walks are the
 * floor of a call (a 65,536-point RSI took 0.30 ms with 128), so chunks
 * are short and the scan over their summaries (CUB) does more. */
#define EMA_CHUNK 32

struct combine_op {
    double alpha;
    __host__ __device__ ema_sum operator()(const ema_sum &p, const ema_sum &q) const
    {
        return ema_combine(p, q, alpha);
    }
};

__global__ void k_ema_summarise(const double *x, long long n, int mode, double alpha, double omf,
                                ema_sum *sums, long long nchunks)
{
    long long c = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    for (; c < nchunks; c += (long long)gridDim.x * blockDim.x) {
        long long t0 = c * EMA_CHUNK, t1 = t0 + EMA_CHUNK < n ? t0 + EMA_CHUNK : n;
        sums[c] = ema_summarise(x, t0, t1, mode, alpha, omf);
    }
}

__global__ void k_ema_rerun(const double *x, long long n, int mode, double alpha, double omf,
                            long long min_periods, const ema_sum *prefix, long long nchunks,
                            double *out)
{
    long long c = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    for (; c < nchunks; c += (long long)gridDim.x * blockDim.x) {
        long long t0 = c * EMA_CHUNK, t1 = t0 + EMA_CHUNK < n ? t0 + EMA_CHUNK : n;
        ema_rerun(x, t0, t1, mode, alpha, omf, min_periods, ema_entry(prefix[c]), out);
    }
}

/* Device buffers one long-series EMA pass needs besides x and out. */
static int reserve_scan(pg_cuda_ctx *ctx, size_t n, ema_sum **sums, ema_sum **prefix, void **temp,
                        size_t *temp_bytes)
{
    size_t nchunks = (n + EMA_CHUNK - 1) / EMA_CHUNK;
    void *a, *b;
    PGC_RC(pgc_reserve(ctx, PGC_AUX, nchunks * sizeof(ema_sum), &a));
    PGC_RC(pgc_reserve(ctx, PGC_AUX2, nchunks * sizeof(ema_sum), &b));
    *sums = (ema_sum *)a;
    *prefix = (ema_sum *)b;
    size_t bytes = 0;
    combine_op op = { 0.5 };
    PGC_CK(ctx, cub::DeviceScan::ExclusiveScan(NULL, bytes, *sums, *prefix, op, ema_identity(),
                                               (long long)nchunks, ctx->stream));
    PGC_RC(pgc_reserve(ctx, PGC_TEMP, bytes, temp));
    *temp_bytes = bytes;
    return PG_OK;
}

/* One EMA pass over device x into device out (launches only). */
static int ema_pass(pg_cuda_ctx *ctx, const double *x, size_t n, int mode, double alpha,
                    size_t min_periods, double *out)
{
    size_t nchunks = (n + EMA_CHUNK - 1) / EMA_CHUNK;
    ema_sum *sums, *prefix;
    void *temp;
    size_t temp_bytes;
    PGC_RC(reserve_scan(ctx, n, &sums, &prefix, &temp, &temp_bytes));
    double omf = 1.0 - alpha;
    unsigned blocks = pgc_blocks_of(nchunks, PGC_SERIAL_THREADS);
    k_ema_summarise<<<blocks, PGC_SERIAL_THREADS, 0, ctx->stream>>>(x, (long long)n, mode, alpha,
                                                                    omf, sums, (long long)nchunks);
    PGC_LAUNCHED(ctx);
    combine_op op = { alpha };
    PGC_CK(ctx, cub::DeviceScan::ExclusiveScan(temp, temp_bytes, sums, prefix, op, ema_identity(),
                                               (long long)nchunks, ctx->stream));
    k_ema_rerun<<<blocks, PGC_SERIAL_THREADS, 0, ctx->stream>>>(
        x, (long long)n, mode, alpha, omf, (long long)min_periods, prefix, (long long)nchunks, out);
    PGC_LAUNCHED(ctx);
    return PG_OK;
}

__global__ void k_rsi_combine(const double *g, const double *l, long long n, double *out)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    for (; i < n; i += (long long)gridDim.x * blockDim.x) {
        double rs = g[i] / (l[i] + 1e-12);
        out[i] = 100.0 - 100.0 / (1.0 + rs);
    }
}

__global__ void k_sub(const double *a, const double *b, long long n, double *out)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    for (; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = a[i] - b[i];
}

/* The reservation of the scan buffers happens before the timed region, so
 * that a first call's allocations are not counted as kernel time. */
static int prepare(pg_cuda_ctx *ctx, size_t n, int nout, double **x, double **outs)
{
    void *p;
    ema_sum *s, *q;
    void *temp;
    size_t tb;
    PGC_RC(pgc_reserve(ctx, PGC_IN, n * sizeof(double), &p));
    *x = (double *)p;
    for (int i = 0; i < nout; i++) {
        PGC_RC(pgc_reserve(ctx, PGC_OUT0 + i, n * sizeof(double), &p));
        outs[i] = (double *)p;
    }
    return reserve_scan(ctx, n, &s, &q, &temp, &tb);
}

extern "C" int pg_cuda_ema(pg_cuda_ctx *ctx, const double *x, size_t n, double span,
                           size_t min_periods, double *out, pg_cuda_timing *t)
{
    if (!ctx)
        return PG_EUNSUP;
    if (!(span >= 1.0) || !isfinite(span) || (n > 0 && (!x || !out)))
        return PG_EINVAL;
    double *dx, *d[1];
    if (n > 0)
        PGC_RC(prepare(ctx, n, 1, &dx, d));
    PGC_RC(pgc_begin(ctx));
    if (n > 0)
        PGC_RC(pgc_h2d(ctx, dx, x, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    if (n > 0)
        PGC_RC(ema_pass(ctx, dx, n, EMA_RAW, pgc_alpha_from_span(span), min_periods, d[0]));
    PGC_RC(pgc_mark(ctx, 2));
    if (n > 0)
        PGC_RC(pgc_d2h(ctx, out, d[0], n * sizeof(double)));
    return pgc_end(ctx, t);
}

extern "C" int pg_cuda_rsi(pg_cuda_ctx *ctx, const double *price, size_t n, size_t window,
                           double *out, pg_cuda_timing *t)
{
    if (!ctx)
        return PG_EUNSUP;
    if (window < 1 || (n > 0 && (!price || !out)))
        return PG_EINVAL;
    double *dx, *d[3];
    if (n > 0)
        PGC_RC(prepare(ctx, n, 3, &dx, d));
    PGC_RC(pgc_begin(ctx));
    if (n > 0)
        PGC_RC(pgc_h2d(ctx, dx, price, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    if (n > 0) {
        double alpha = pgc_alpha_from_alpha(1.0 / (double)window);
        PGC_RC(ema_pass(ctx, dx, n, EMA_GAIN, alpha, window, d[0]));
        PGC_RC(ema_pass(ctx, dx, n, EMA_LOSS, alpha, window, d[1]));
        k_rsi_combine<<<pgc_blocks(n), PGC_THREADS, 0, ctx->stream>>>(d[0], d[1], (long long)n,
                                                                      d[2]);
    }
    PGC_RC(pgc_mark(ctx, 2));
    if (n > 0)
        PGC_RC(pgc_d2h(ctx, out, d[2], n * sizeof(double)));
    return pgc_end(ctx, t);
}

extern "C" int pg_cuda_macd(pg_cuda_ctx *ctx, const double *price, size_t n, size_t fast,
                            size_t slow, size_t signal, double *ema_fast, double *ema_slow,
                            double *macd, double *macd_signal, double *histogram, pg_cuda_timing *t)
{
    if (!ctx)
        return PG_EUNSUP;
    if (fast < 1 || slow < 1 || signal < 1)
        return PG_EINVAL;
    if (n > 0 && (!price || !macd || !macd_signal || !histogram))
        return PG_EINVAL;
    double *dx, *d[5];
    if (n > 0)
        PGC_RC(prepare(ctx, n, 5, &dx, d));
    PGC_RC(pgc_begin(ctx));
    if (n > 0)
        PGC_RC(pgc_h2d(ctx, dx, price, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    if (n > 0) {
        unsigned blocks = pgc_blocks(n);
        PGC_RC(ema_pass(ctx, dx, n, EMA_RAW, pgc_alpha_from_span((double)fast), 1, d[0]));
        PGC_RC(ema_pass(ctx, dx, n, EMA_RAW, pgc_alpha_from_span((double)slow), 1, d[1]));
        k_sub<<<blocks, PGC_THREADS, 0, ctx->stream>>>(d[0], d[1], (long long)n, d[2]);
        PGC_RC(ema_pass(ctx, d[2], n, EMA_RAW, pgc_alpha_from_span((double)signal), 1, d[3]));
        k_sub<<<blocks, PGC_THREADS, 0, ctx->stream>>>(d[2], d[3], (long long)n, d[4]);
    }
    PGC_RC(pgc_mark(ctx, 2));
    if (n > 0) {
        size_t b = n * sizeof(double);
        if (ema_fast)
            PGC_RC(pgc_d2h(ctx, ema_fast, d[0], b));
        if (ema_slow)
            PGC_RC(pgc_d2h(ctx, ema_slow, d[1], b));
        PGC_RC(pgc_d2h(ctx, macd, d[2], b));
        PGC_RC(pgc_d2h(ctx, macd_signal, d[3], b));
        PGC_RC(pgc_d2h(ctx, histogram, d[4], b));
    }
    return pgc_end(ctx, t);
}

/* ---- many series, one a thread ------------------------------------------ */

__device__ __forceinline__ double ema_value(const ema_state *s, long long m)
{
    return s->k >= m ? s->y : NAN;
}

__global__ void k_ema_batch(const double *x, long long ns, long long len, double alpha, double omf,
                            long long min_periods, double *out)
{
    long long s = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    for (; s < ns; s += (long long)gridDim.x * blockDim.x) {
        ema_state st = { NAN, 1.0, 0 };
        for (long long t = 0; t < len; t++) {
            ema_step(&st, x[t * ns + s], alpha, omf);
            out[t * ns + s] = ema_value(&st, min_periods);
        }
    }
}

__global__ void k_rsi_batch(const double *p, long long ns, long long len, double alpha, double omf,
                            long long w, double *out)
{
    long long s = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    for (; s < ns; s += (long long)gridDim.x * blockDim.x) {
        ema_state g = { NAN, 1.0, 0 }, l = { NAN, 1.0, 0 };
        double prev = NAN;
        for (long long t = 0; t < len; t++) {
            double cur = p[t * ns + s];
            double d = t == 0 ? NAN : cur - prev; /* d_0 is NaN */
            prev = cur;
            double gc = d > 0.0 ? d : (d != d ? d : 0.0);
            double lc = d < 0.0 ? -d : (d != d ? d : 0.0);
            ema_step(&g, gc, alpha, omf);
            ema_step(&l, lc, alpha, omf);
            double rs = ema_value(&g, w) / (ema_value(&l, w) + 1e-12);
            out[t * ns + s] = 100.0 - 100.0 / (1.0 + rs);
        }
    }
}

__global__ void k_macd_batch(const double *p, long long ns, long long len, double af, double as,
                             double ag, double *macd, double *sig, double *hist)
{
    long long s = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const double of = 1.0 - af, os = 1.0 - as, og = 1.0 - ag;
    for (; s < ns; s += (long long)gridDim.x * blockDim.x) {
        ema_state f = { NAN, 1.0, 0 }, sl = { NAN, 1.0, 0 }, g = { NAN, 1.0, 0 };
        for (long long t = 0; t < len; t++) {
            double c = p[t * ns + s];
            ema_step(&f, c, af, of);
            ema_step(&sl, c, as, os);
            double m = ema_value(&f, 1) - ema_value(&sl, 1);
            ema_step(&g, m, ag, og);
            double gv = ema_value(&g, 1);
            macd[t * ns + s] = m;
            sig[t * ns + s] = gv;
            hist[t * ns + s] = m - gv;
        }
    }
}

/* Common frame of the batch functions: n = n_series * len inputs, nout
 * output columns of n. */
static int batch_prepare(pg_cuda_ctx *ctx, size_t ns, size_t len, int nout, double **dx, double **d,
                         size_t *n)
{
    if (len != 0 && ns > ((size_t)-1 / sizeof(double)) / len)
        return PG_EINVAL;
    *n = ns * len;
    if (*n == 0)
        return PG_OK;
    void *p;
    PGC_RC(pgc_reserve(ctx, PGC_IN, *n * sizeof(double), &p));
    *dx = (double *)p;
    for (int i = 0; i < nout; i++) {
        PGC_RC(pgc_reserve(ctx, PGC_OUT0 + i, *n * sizeof(double), &p));
        d[i] = (double *)p;
    }
    return PG_OK;
}

/* Blocks of 128 threads: batches are often a few thousand series, and
 * smaller blocks spread them over more SMs. */
#define BATCH_THREADS 128

static unsigned batch_blocks(size_t ns)
{
    size_t b = (ns + BATCH_THREADS - 1) / BATCH_THREADS;
    return b < 1 ? 1u : (b > 65535u * 16u ? 65535u * 16u : (unsigned)b);
}

extern "C" int pg_cuda_ema_batch(pg_cuda_ctx *ctx, const double *x, size_t n_series, size_t len,
                                 double span, size_t min_periods, double *out, pg_cuda_timing *t)
{
    if (!ctx)
        return PG_EUNSUP;
    if (!(span >= 1.0) || !isfinite(span))
        return PG_EINVAL;
    double *dx = NULL, *d[1] = { NULL };
    size_t n;
    PGC_RC(batch_prepare(ctx, n_series, len, 1, &dx, d, &n));
    if (n > 0 && (!x || !out))
        return PG_EINVAL;
    PGC_RC(pgc_begin(ctx));
    PGC_RC(pgc_h2d(ctx, dx, x, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    if (n > 0) {
        double alpha = pgc_alpha_from_span(span);
        k_ema_batch<<<batch_blocks(n_series), BATCH_THREADS, 0, ctx->stream>>>(
            dx, (long long)n_series, (long long)len, alpha, 1.0 - alpha, (long long)min_periods,
            d[0]);
    }
    PGC_RC(pgc_mark(ctx, 2));
    PGC_RC(pgc_d2h(ctx, out, d[0], n * sizeof(double)));
    return pgc_end(ctx, t);
}

extern "C" int pg_cuda_rsi_batch(pg_cuda_ctx *ctx, const double *price, size_t n_series, size_t len,
                                 size_t window, double *out, pg_cuda_timing *t)
{
    if (!ctx)
        return PG_EUNSUP;
    if (window < 1)
        return PG_EINVAL;
    double *dx = NULL, *d[1] = { NULL };
    size_t n;
    PGC_RC(batch_prepare(ctx, n_series, len, 1, &dx, d, &n));
    if (n > 0 && (!price || !out))
        return PG_EINVAL;
    PGC_RC(pgc_begin(ctx));
    PGC_RC(pgc_h2d(ctx, dx, price, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    if (n > 0) {
        double alpha = pgc_alpha_from_alpha(1.0 / (double)window);
        k_rsi_batch<<<batch_blocks(n_series), BATCH_THREADS, 0, ctx->stream>>>(
            dx, (long long)n_series, (long long)len, alpha, 1.0 - alpha, (long long)window, d[0]);
    }
    PGC_RC(pgc_mark(ctx, 2));
    PGC_RC(pgc_d2h(ctx, out, d[0], n * sizeof(double)));
    return pgc_end(ctx, t);
}

extern "C" int pg_cuda_macd_batch(pg_cuda_ctx *ctx, const double *price, size_t n_series,
                                  size_t len, size_t fast, size_t slow, size_t signal, double *macd,
                                  double *macd_signal, double *histogram, pg_cuda_timing *t)
{
    if (!ctx)
        return PG_EUNSUP;
    if (fast < 1 || slow < 1 || signal < 1)
        return PG_EINVAL;
    double *dx = NULL, *d[3] = { NULL, NULL, NULL };
    size_t n;
    PGC_RC(batch_prepare(ctx, n_series, len, 3, &dx, d, &n));
    if (n > 0 && (!price || !macd || !macd_signal || !histogram))
        return PG_EINVAL;
    PGC_RC(pgc_begin(ctx));
    PGC_RC(pgc_h2d(ctx, dx, price, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    if (n > 0)
        k_macd_batch<<<batch_blocks(n_series), BATCH_THREADS, 0, ctx->stream>>>(
            dx, (long long)n_series, (long long)len, pgc_alpha_from_span((double)fast),
            pgc_alpha_from_span((double)slow), pgc_alpha_from_span((double)signal), d[0], d[1],
            d[2]);
    PGC_RC(pgc_mark(ctx, 2));
    size_t b = n * sizeof(double);
    PGC_RC(pgc_d2h(ctx, macd, d[0], b));
    PGC_RC(pgc_d2h(ctx, macd_signal, d[1], b));
    PGC_RC(pgc_d2h(ctx, histogram, d[2], b));
    return pgc_end(ctx, t);
}
