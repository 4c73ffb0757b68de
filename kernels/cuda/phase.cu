/*
 * phase.cu - compute_phase on the GPU through cuFFT (KERNELS.md section 4).
 *
 *   k_clean: x with non-finite values as 0, in D;
 *   cuFFT D2Z (R2C for float32) into the spectrum;
 *   k_rotate: X <- -i X, X[0] = 0 and X[n/2] = 0 for even n;
 *   cuFFT Z2D (C2R), which overwrites its input (rebuilt every call);
 *   k_angle: theta = atan2(h / n, x) in D, widened to double.
 * The plans (and cuFFT's own work area) are made for one length and dtype
 * and kept in the context: a hot loop at one length plans once; the first
 * call pays for it.  n <= 2 needs no transform: with DC and Nyquist removed
 * h is 0, so theta = atan2(0, x).
 */
#include <limits.h>
#include <math.h>

#include "internal.cuh"

template <typename D> __global__ void k_clean(const double *x, long long n, D *re)
{
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        D v = (D)x[i];
        re[i] = v - v == (D)0 ? v : (D)0;
    }
}

/* -i (a + ib) = b - ia; DC and (for even n) Nyquist removed. */
template <typename C> __global__ void k_rotate(C *X, long long nc, long long n)
{
    for (long long k = (long long)blockIdx.x * blockDim.x + threadIdx.x; k < nc;
         k += (long long)gridDim.x * blockDim.x) {
        C v = X[k];
        C r;
        r.x = v.y;
        r.y = -v.x;
        if (k == 0 || (n % 2 == 0 && k == n / 2)) {
            r.x = 0;
            r.y = 0;
        }
        X[k] = r;
    }
}

__global__ void k_angle64(const double *h, const double *x, long long n, int zero_h, double *out)
{
    const double fct = 1.0 / (double)n;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        double v = x[i];
        v = v - v == 0.0 ? v : 0.0;
        double hv = zero_h ? 0.0 : h[i] * fct;
        out[i] = atan2(hv, v);
    }
}

__global__ void k_angle32(const float *h, const double *x, long long n, int zero_h, double *out)
{
    const float fct = (float)(1.0 / (double)n);
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        float v = (float)x[i];
        v = v - v == 0.0f ? v : 0.0f;
        float hv = zero_h ? 0.0f : h[i] * fct;
        out[i] = (double)atan2f(hv, v);
    }
}

/* Plans for (n, dtype), made when they differ from the kept ones. */
static int plan(pg_cuda_ctx *ctx, size_t n, pg_dtype dtype)
{
    if (ctx->have_plan && ctx->plan_n == n && ctx->plan_dtype == dtype)
        return PG_OK;
    if (ctx->have_plan) {
        cufftDestroy(ctx->fwd);
        cufftDestroy(ctx->inv);
        ctx->have_plan = 0;
        ctx->plan_bytes = 0;
    }
    cufftResult r;
    size_t wf = 0, wi = 0;
    int f64 = dtype == PG_FLOAT64;
    r = cufftPlan1d(&ctx->fwd, (int)n, f64 ? CUFFT_D2Z : CUFFT_R2C, 1);
    if (r != CUFFT_SUCCESS)
        return pgc_fail_fft(ctx, r, "cufftPlan1d (forward)");
    r = cufftPlan1d(&ctx->inv, (int)n, f64 ? CUFFT_Z2D : CUFFT_C2R, 1);
    if (r != CUFFT_SUCCESS) {
        cufftDestroy(ctx->fwd);
        return pgc_fail_fft(ctx, r, "cufftPlan1d (inverse)");
    }
    cufftSetStream(ctx->fwd, ctx->stream);
    cufftSetStream(ctx->inv, ctx->stream);
    cufftGetSize(ctx->fwd, &wf);
    cufftGetSize(ctx->inv, &wi);
    ctx->have_plan = 1;
    ctx->plan_n = n;
    ctx->plan_dtype = dtype;
    ctx->plan_bytes = wf + wi;
    return PG_OK;
}

extern "C" int pg_cuda_phase(pg_cuda_ctx *ctx, const double *x, size_t n, pg_dtype dtype,
                             double *out, pg_cuda_timing *t)
{
    if (!ctx)
        return PG_EUNSUP;
    if ((dtype != PG_FLOAT64 && dtype != PG_FLOAT32) || n > (size_t)INT_MAX ||
        (n > 0 && (!x || !out)))
        return PG_EINVAL;
    const int f64 = dtype == PG_FLOAT64;
    const int fft = n > 2;
    const size_t nc = n / 2 + 1;
    void *dx, *dre, *dspec, *dout;
    PGC_RC(pgc_reserve(ctx, PGC_IN, n * sizeof(double), &dx));
    PGC_RC(pgc_reserve(ctx, PGC_OUT0, n * sizeof(double), &dout));
    PGC_RC(pgc_reserve(ctx, PGC_OUT1, n * (f64 ? sizeof(double) : sizeof(float)), &dre));
    PGC_RC(pgc_reserve(ctx, PGC_TEMP,
                       nc * (f64 ? sizeof(cufftDoubleComplex) : sizeof(cufftComplex)), &dspec));
    if (fft)
        PGC_RC(plan(ctx, n, dtype));

    PGC_RC(pgc_begin(ctx));
    PGC_RC(pgc_h2d(ctx, dx, x, n * sizeof(double)));
    PGC_RC(pgc_mark(ctx, 1));
    if (n > 0) {
        unsigned b = pgc_blocks(n), bc = pgc_blocks(nc);
        const double *cx = (const double *)dx;
        if (f64) {
            if (fft) {
                k_clean<double>
                    <<<b, PGC_THREADS, 0, ctx->stream>>>(cx, (long long)n, (double *)dre);
                cufftResult r =
                    cufftExecD2Z(ctx->fwd, (cufftDoubleReal *)dre, (cufftDoubleComplex *)dspec);
                if (r != CUFFT_SUCCESS)
                    return pgc_fail_fft(ctx, r, "cufftExecD2Z");
                k_rotate<cufftDoubleComplex><<<bc, PGC_THREADS, 0, ctx->stream>>>(
                    (cufftDoubleComplex *)dspec, (long long)nc, (long long)n);
                r = cufftExecZ2D(ctx->inv, (cufftDoubleComplex *)dspec, (cufftDoubleReal *)dre);
                if (r != CUFFT_SUCCESS)
                    return pgc_fail_fft(ctx, r, "cufftExecZ2D");
            }
            k_angle64<<<b, PGC_THREADS, 0, ctx->stream>>>((const double *)dre, cx, (long long)n,
                                                          !fft, (double *)dout);
        } else {
            if (fft) {
                k_clean<float><<<b, PGC_THREADS, 0, ctx->stream>>>(cx, (long long)n, (float *)dre);
                cufftResult r = cufftExecR2C(ctx->fwd, (cufftReal *)dre, (cufftComplex *)dspec);
                if (r != CUFFT_SUCCESS)
                    return pgc_fail_fft(ctx, r, "cufftExecR2C");
                k_rotate<cufftComplex><<<bc, PGC_THREADS, 0, ctx->stream>>>(
                    (cufftComplex *)dspec, (long long)nc, (long long)n);
                r = cufftExecC2R(ctx->inv, (cufftComplex *)dspec, (cufftReal *)dre);
                if (r != CUFFT_SUCCESS)
                    return pgc_fail_fft(ctx, r, "cufftExecC2R");
            }
            k_angle32<<<b, PGC_THREADS, 0, ctx->stream>>>((const float *)dre, cx, (long long)n,
                                                          !fft, (double *)dout);
        }
    }
    PGC_RC(pgc_mark(ctx, 2));
    PGC_RC(pgc_d2h(ctx, out, dout, n * sizeof(double)));
    return pgc_end(ctx, t);
}
