/*
 * internal.cuh - what the CUDA files of kernels/cuda/ share: the context
 * struct, its buffer slots, error capture and the event timing of a call.
 * Never included from outside this folder.
 *
 * A kernel function follows one shape (see any *.cu here):
 *   check the parameters (PG_EINVAL before anything runs);
 *   reserve the device buffers it needs (they grow and are kept);
 *   pgc_begin  - event 0, then the copies in (pgc_h2d);
 *   pgc_mark   - event 1, then the launches;
 *   pgc_mark   - event 2, then the copies out (pgc_d2h);
 *   pgc_end    - event 3, wait for it, fill the pg_cuda_timing.
 */
#ifndef PG_CUDA_INTERNAL_CUH
#define PG_CUDA_INTERNAL_CUH

#include <cuda_runtime.h>
#include <cufft.h>

#include "pg_cuda.h"

/* Device buffer slots of a context; each grows to the largest need. */
enum pgc_slot {
    PGC_IN,   /* the main input */
    PGC_OUT0, /* outputs and intermediate columns */
    PGC_OUT1,
    PGC_OUT2,
    PGC_OUT3,
    PGC_OUT4,
    PGC_AUX,  /* per-chunk or per-block summaries, small results */
    PGC_AUX2, /* their scan */
    PGC_TEMP, /* CUB temporary storage, FFT spectrum */
    PGC_NSLOT
};

struct pg_cuda_ctx {
    int device;
    cudaStream_t stream;
    cudaEvent_t ev[4]; /* begin, copies in done, kernels done, copies out done */
    void *buf[PGC_NSLOT];
    size_t cap[PGC_NSLOT];
    /* cuFFT plans of the last pg_cuda_phase length and dtype */
    cufftHandle fwd, inv;
    int have_plan;
    size_t plan_n;
    pg_dtype plan_dtype;
    size_t plan_bytes;
    int no_transfers; /* pg_cuda_ctx_set_transfers(ctx, 0) */
    /* bytes moved by the call in progress */
    size_t h2d_bytes, d2h_bytes;
    char err[256];
};

/* Threads a block for the element-wise and chunked kernels. */
#define PGC_THREADS 256

/* Records a CUDA error in ctx->err; PG_ENOMEM for an allocation failure,
 * else PG_EIO. */
int pgc_fail(pg_cuda_ctx *ctx, cudaError_t e, const char *what);
/* The same for a cuFFT status. */
int pgc_fail_fft(pg_cuda_ctx *ctx, cufftResult r, const char *what);

#define PGC_CK(ctx, call)                                                                          \
    do {                                                                                           \
        cudaError_t pgc_e_ = (call);                                                               \
        if (pgc_e_ != cudaSuccess)                                                                 \
            return pgc_fail((ctx), pgc_e_, #call);                                                 \
    } while (0)

/* After launches: reports a launch failure. */
#define PGC_LAUNCHED(ctx) PGC_CK(ctx, cudaGetLastError())

#define PGC_RC(call)                                                                               \
    do {                                                                                           \
        int pgc_rc_ = (call);                                                                      \
        if (pgc_rc_ != PG_OK)                                                                      \
            return pgc_rc_;                                                                        \
    } while (0)

/* Device pointer of slot with at least `bytes` (contents not kept on
 * growth). */
int pgc_reserve(pg_cuda_ctx *ctx, int slot, size_t bytes, void **p);

int pgc_begin(pg_cuda_ctx *ctx);
int pgc_mark(pg_cuda_ctx *ctx, int which); /* which: 1 or 2 */
int pgc_h2d(pg_cuda_ctx *ctx, void *dst, const void *src, size_t bytes);
int pgc_d2h(pg_cuda_ctx *ctx, void *dst, const void *src, size_t bytes);
int pgc_end(pg_cuda_ctx *ctx, pg_cuda_timing *t);

/* Threads a block for kernels whose threads each walk a serial stretch
 * (rolling blocks, EWM chunks): few items, so small blocks spread them over
 * more SMs; a warp's dependent chain is the floor, and one SM would
 * otherwise run every warp of a 65,536-point series (H100: 0.18 ms). */
#define PGC_SERIAL_THREADS 32

/* Blocks for n items at `threads` a block, capped for grid-stride loops. */
static inline unsigned pgc_blocks_of(size_t n, unsigned threads)
{
    size_t b = (n + threads - 1) / threads;
    if (b < 1)
        b = 1;
    if (b > 65535u * 16u)
        b = 65535u * 16u;
    return (unsigned)b;
}

/* Blocks for n items at PGC_THREADS a block. */
static inline unsigned pgc_blocks(size_t n)
{
    return pgc_blocks_of(n, PGC_THREADS);
}

/* pandas' alpha from a span and from an alpha (get_center_of_mass), as the
 * CPU kernels compute them. */
static inline double pgc_alpha_from_span(double span)
{
    double comass = (span - 1.0) / 2.0;
    return 1.0 / (1.0 + comass);
}

static inline double pgc_alpha_from_alpha(double a)
{
    double comass = (1.0 - a) / a;
    return 1.0 / (1.0 + comass);
}

#endif
