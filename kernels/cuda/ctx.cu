/*
 * ctx.cu - availability, the context (device, stream, events, buffers) and
 * the event timing every kernel function uses.
 *
 * Availability is cudaGetDeviceCount: with no driver or no device it
 * returns an error (cudaErrorInsufficientDriver, cudaErrorNoDevice), which
 * is the fallback trigger and is passed on in words, never a crash.  The
 * runtime is linked statically, so a machine without CUDA needs nothing
 * installed for this library to load; only libcufft is dynamic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.cuh"

static void say(char *why, size_t len, const char *fmt, const char *a, int b, int c)
{
    if (why && len > 0)
        snprintf(why, len, fmt, a, b, c);
}

/* 0 and the device's description, or the reason there is none. */
static int probe(int device, char *why, size_t len)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        say(why, len, "no CUDA device: %s", cudaGetErrorString(e), 0, 0);
        cudaGetLastError(); /* clear it: availability is not an error */
        return -1;
    }
    if (count < 1) {
        say(why, len, "no CUDA device: %s", "the runtime counts none", 0, 0);
        return -1;
    }
    if (device < 0 || device >= count) {
        if (why && len > 0)
            snprintf(why, len, "no CUDA device: ordinal %d out of %d", device, count);
        return -1;
    }
    cudaDeviceProp prop;
    e = cudaGetDeviceProperties(&prop, device);
    if (e != cudaSuccess) {
        say(why, len, "no CUDA device: %s", cudaGetErrorString(e), 0, 0);
        cudaGetLastError();
        return -1;
    }
    if (why && len > 0)
        snprintf(why, len, "%s, sm_%d%d, %d SMs", prop.name, prop.major, prop.minor,
                 prop.multiProcessorCount);
    return 0;
}

extern "C" int pg_cuda_available(char *why, size_t len)
{
    return probe(0, why, len) == 0;
}

extern "C" int pg_cuda_built(void)
{
    return 1;
}

extern "C" pg_cuda_ctx *pg_cuda_ctx_create(int device, char *why, size_t len)
{
    if (probe(device, why, len) != 0)
        return NULL;
    pg_cuda_ctx *ctx = (pg_cuda_ctx *)calloc(1, sizeof *ctx);
    if (!ctx) {
        if (why && len > 0)
            snprintf(why, len, "out of memory");
        return NULL;
    }
    ctx->device = device;
    cudaError_t e = cudaSetDevice(device);
    if (e == cudaSuccess)
        e = cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking);
    for (int i = 0; i < 4 && e == cudaSuccess; i++)
        e = cudaEventCreate(&ctx->ev[i]);
    /* Touch the device so that context creation is paid here. */
    if (e == cudaSuccess)
        e = cudaFree(0);
    if (e != cudaSuccess) {
        if (why && len > 0)
            snprintf(why, len, "no CUDA device: %s", cudaGetErrorString(e));
        cudaGetLastError();
        pg_cuda_ctx_destroy(ctx);
        return NULL;
    }
    return ctx;
}

extern "C" void pg_cuda_ctx_destroy(pg_cuda_ctx *ctx)
{
    if (!ctx)
        return;
    cudaSetDevice(ctx->device);
    if (ctx->have_plan) {
        cufftDestroy(ctx->fwd);
        cufftDestroy(ctx->inv);
    }
    for (int i = 0; i < PGC_NSLOT; i++)
        if (ctx->buf[i])
            cudaFree(ctx->buf[i]);
    for (int i = 0; i < 4; i++)
        if (ctx->ev[i])
            cudaEventDestroy(ctx->ev[i]);
    if (ctx->stream)
        cudaStreamDestroy(ctx->stream);
    cudaGetLastError();
    free(ctx);
}

extern "C" const char *pg_cuda_ctx_error(const pg_cuda_ctx *ctx)
{
    return ctx ? ctx->err : "no CUDA context";
}

extern "C" int pg_cuda_ctx_set_transfers(pg_cuda_ctx *ctx, int on)
{
    if (!ctx)
        return 0;
    int was = !ctx->no_transfers;
    ctx->no_transfers = !on;
    return was;
}

extern "C" size_t pg_cuda_ctx_bytes(const pg_cuda_ctx *ctx)
{
    if (!ctx)
        return 0;
    size_t b = ctx->plan_bytes;
    for (int i = 0; i < PGC_NSLOT; i++)
        b += ctx->cap[i];
    return b;
}

extern "C" void *pg_cuda_host_alloc(size_t bytes)
{
    void *p = NULL;
    if (bytes == 0 || cudaMallocHost(&p, bytes) != cudaSuccess) {
        cudaGetLastError();
        return NULL;
    }
    return p;
}

extern "C" void pg_cuda_host_free(void *p)
{
    if (p)
        cudaFreeHost(p);
}

int pgc_fail(pg_cuda_ctx *ctx, cudaError_t e, const char *what)
{
    if (ctx)
        snprintf(ctx->err, sizeof ctx->err, "%s: %s", what, cudaGetErrorString(e));
    cudaGetLastError();
    return e == cudaErrorMemoryAllocation ? PG_ENOMEM : PG_EIO;
}

int pgc_fail_fft(pg_cuda_ctx *ctx, cufftResult r, const char *what)
{
    if (ctx)
        snprintf(ctx->err, sizeof ctx->err, "%s: cuFFT error %d", what, (int)r);
    return r == CUFFT_ALLOC_FAILED ? PG_ENOMEM : PG_EIO;
}

int pgc_reserve(pg_cuda_ctx *ctx, int slot, size_t bytes, void **p)
{
    if (bytes == 0)
        bytes = 1;
    if (ctx->cap[slot] < bytes) {
        if (ctx->buf[slot]) {
            PGC_CK(ctx, cudaStreamSynchronize(ctx->stream));
            cudaFree(ctx->buf[slot]);
            ctx->buf[slot] = NULL;
            ctx->cap[slot] = 0;
        }
        PGC_CK(ctx, cudaMalloc(&ctx->buf[slot], bytes));
        ctx->cap[slot] = bytes;
    }
    *p = ctx->buf[slot];
    return PG_OK;
}

int pgc_begin(pg_cuda_ctx *ctx)
{
    ctx->err[0] = '\0';
    ctx->h2d_bytes = ctx->d2h_bytes = 0;
    PGC_CK(ctx, cudaSetDevice(ctx->device));
    PGC_CK(ctx, cudaEventRecord(ctx->ev[0], ctx->stream));
    return PG_OK;
}

int pgc_mark(pg_cuda_ctx *ctx, int which)
{
    if (which == 2)
        PGC_LAUNCHED(ctx);
    PGC_CK(ctx, cudaEventRecord(ctx->ev[which], ctx->stream));
    return PG_OK;
}

int pgc_h2d(pg_cuda_ctx *ctx, void *dst, const void *src, size_t bytes)
{
    if (bytes == 0 || ctx->no_transfers)
        return PG_OK;
    PGC_CK(ctx, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, ctx->stream));
    ctx->h2d_bytes += bytes;
    return PG_OK;
}

int pgc_d2h(pg_cuda_ctx *ctx, void *dst, const void *src, size_t bytes)
{
    if (bytes == 0 || ctx->no_transfers)
        return PG_OK;
    PGC_CK(ctx, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, ctx->stream));
    ctx->d2h_bytes += bytes;
    return PG_OK;
}

int pgc_end(pg_cuda_ctx *ctx, pg_cuda_timing *t)
{
    PGC_CK(ctx, cudaEventRecord(ctx->ev[3], ctx->stream));
    PGC_CK(ctx, cudaEventSynchronize(ctx->ev[3]));
    if (t) {
        float a = 0.f, b = 0.f, c = 0.f, d = 0.f;
        PGC_CK(ctx, cudaEventElapsedTime(&a, ctx->ev[0], ctx->ev[1]));
        PGC_CK(ctx, cudaEventElapsedTime(&b, ctx->ev[1], ctx->ev[2]));
        PGC_CK(ctx, cudaEventElapsedTime(&c, ctx->ev[2], ctx->ev[3]));
        PGC_CK(ctx, cudaEventElapsedTime(&d, ctx->ev[0], ctx->ev[3]));
        t->h2d_ms = a;
        t->kernel_ms = b;
        t->d2h_ms = c;
        t->total_ms = d;
        t->h2d_bytes = ctx->h2d_bytes;
        t->d2h_bytes = ctx->d2h_bytes;
    }
    return PG_OK;
}
