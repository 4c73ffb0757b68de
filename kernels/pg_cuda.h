/*
 * pg_cuda.h - the CUDA path of perfgate's kernels, and how to tell when
 * there is none.
 *
 * The same math as pg_kernels.h (shared/KERNELS.md), run on an NVIDIA GPU:
 * compute_phase through cuFFT, the entropy histogram with shared-memory
 * bins, rolling mean / std / volatility, EMA / MACD / RSI over one long
 * series (a chunked parallel scan of the EWM recurrence) or over many
 * series at once (one series a thread), and the Kuramoto order parameter
 * as a reduction.  Results agree with the CPU kernels within the golden
 * tolerances (data/golden/README.md); docs/gpu.md says how close each is.
 *
 * Every kernel function takes the caller's host buffers, copies the inputs
 * in, runs, copies the outputs back and fills a pg_cuda_timing: the copies
 * in, the kernels and the copies out are each timed with CUDA events on the
 * context's stream, so transfers are reported apart from the kernel.
 *
 * Fallback rule.  This header exists in every build.  A build without CUDA
 * (PERFGATE_CUDA=OFF, or no nvcc) compiles kernels/cpu/cuda_stub.c, where
 * pg_cuda_available() says "no CUDA build" and every kernel returns
 * PG_EUNSUP.  A CUDA build on a machine without a GPU or driver says "no
 * CUDA device: <the runtime's reason>".  Callers then run the CPU kernel of
 * pg_kernels.h and record device=cpu with that reason; nothing here ever
 * crashes, prints or exits for want of a GPU.
 *
 * Errors: 0 or a negative PG_E... code (common/pg_error.h).  PG_EUNSUP: no
 * CUDA build, no device, or a NULL context; PG_EINVAL: a bad parameter
 * (nothing is run); PG_ENOMEM: device memory ran out; PG_EIO: the CUDA
 * runtime or cuFFT failed during the call (pg_cuda_ctx_error() says how).
 */
#ifndef PG_CUDA_H
#define PG_CUDA_H

#include <stddef.h>

#include "pg_error.h"
#include "pg_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Availability and the context                                            */
/* ---------------------------------------------------------------------- */

/* 1 when a CUDA device can be used, else 0.  why (may be NULL) gets the
 * reason in words: the device ("NVIDIA H100 80GB HBM3, sm_90, 132 SMs")
 * when there is one, else "no CUDA build" or "no CUDA device: <the CUDA
 * runtime's error string>".  Cheap enough to call once at start-up; it
 * initialises the CUDA runtime the first time. */
int pg_cuda_available(char *why, size_t len);

/* 1 when this library was built with CUDA (whatever the machine has). */
int pg_cuda_built(void);

/* The GPU state kernels share: device, stream, timing events, device
 * buffers and cuFFT plans.  Buffers grow to the largest problem seen and
 * are kept, so a hot loop at a fixed size allocates nothing after its first
 * call; the cuFFT plans are those of the last (length, dtype) of
 * pg_cuda_phase.  Making a context (CUDA context creation included) is the
 * cold-start cost.  One context is used by one thread at a time. */
typedef struct pg_cuda_ctx pg_cuda_ctx;

/* device: the CUDA device ordinal (0 for the first).  NULL when there is no
 * usable device; why (may be NULL) then gets the reason, as above. */
pg_cuda_ctx *pg_cuda_ctx_create(int device, char *why, size_t len);
void pg_cuda_ctx_destroy(pg_cuda_ctx *ctx); /* NULL is a no-op */

/* What the last failing call reported (a CUDA or cuFFT error), or "". */
const char *pg_cuda_ctx_error(const pg_cuda_ctx *ctx);

/* Kernel-only mode, for timing the kernels without the bus.  With
 * transfers off (on = 0) the kernel functions copy nothing: they run on
 * what the context's device buffers hold from the last call of the same
 * kernel and size made with transfers on, and leave the host outputs
 * (scalar results and counts included) untouched.  On by default.
 * Returns the previous setting; a NULL ctx gives 0. */
int pg_cuda_ctx_set_transfers(pg_cuda_ctx *ctx, int on);

/* Bytes of device memory the context holds now (buffers and plans). */
size_t pg_cuda_ctx_bytes(const pg_cuda_ctx *ctx);

/* Page-locked host memory for inputs and outputs: copies from it run at
 * full bus speed and asynchronously.  NULL when there is no device (use
 * malloc then) or on failure.  pg_cuda_host_free(NULL) is a no-op. */
void *pg_cuda_host_alloc(size_t bytes);
void pg_cuda_host_free(void *p);

/* ---------------------------------------------------------------------- */
/* Timing                                                                  */
/* ---------------------------------------------------------------------- */

/* Where the time of one call went, from CUDA events recorded on the
 * context's stream (resolution about 0.5 us).  Every kernel function fills
 * it when the pointer is not NULL. */
typedef struct pg_cuda_timing {
    double h2d_ms;    /* host-to-device copies of the inputs */
    double kernel_ms; /* the kernels alone (every launch of the call) */
    double d2h_ms;    /* device-to-host copies of the outputs */
    double total_ms;  /* first copy in to last copy out */
    size_t h2d_bytes; /* bytes copied in */
    size_t d2h_bytes; /* bytes copied out */
} pg_cuda_timing;

/* ---------------------------------------------------------------------- */
/* Kernels on host buffers (same contracts as pg_kernels.h)                */
/* ---------------------------------------------------------------------- */

/* compute_phase (KERNELS.md 4) through cuFFT (D2Z/Z2D or R2C/C2R): out
 * gets n angles in [-pi, pi]. */
int pg_cuda_phase(pg_cuda_ctx *ctx, const double *x, size_t n, pg_dtype dtype, double *out,
                  pg_cuda_timing *t);

/* Entropy (KERNELS.md 2): numpy's binning, counts identical to the CPU
 * kernel's.  counts: `bins` size_t (the histogram, returned). */
int pg_cuda_entropy(pg_cuda_ctx *ctx, const double *x, size_t n, size_t bins, pg_dtype dtype,
                    size_t *counts, double *result, pg_cuda_timing *t);

/* Rolling mean / sample std over `window` (min_periods = window), and
 * volatility_w = rolling std of return_1 of the price. */
int pg_cuda_rolling_mean(pg_cuda_ctx *ctx, const double *x, size_t n, size_t window, double *out,
                         pg_cuda_timing *t);
int pg_cuda_rolling_std(pg_cuda_ctx *ctx, const double *x, size_t n, size_t window, double *out,
                        pg_cuda_timing *t);
int pg_cuda_volatility(pg_cuda_ctx *ctx, const double *price, size_t n, size_t window, double *out,
                       pg_cuda_timing *t);

/* EMA / RSI / MACD of one long series, by a chunked parallel scan of the
 * EWM recurrence (the chunks then re-run it exactly from their entry
 * state).  Same parameters and NaN rules as pg_ema, pg_rsi, pg_macd;
 * ema_fast and ema_slow may be NULL. */
int pg_cuda_ema(pg_cuda_ctx *ctx, const double *x, size_t n, double span, size_t min_periods,
                double *out, pg_cuda_timing *t);
int pg_cuda_rsi(pg_cuda_ctx *ctx, const double *price, size_t n, size_t window, double *out,
                pg_cuda_timing *t);
int pg_cuda_macd(pg_cuda_ctx *ctx, const double *price, size_t n, size_t fast, size_t slow,
                 size_t signal, double *ema_fast, double *ema_slow, double *macd,
                 double *macd_signal, double *histogram, pg_cuda_timing *t);

/* The same over many series at once, one series a thread: bit-identical to
 * the CPU recurrence.  Layout is time-major, like a frame with one column a
 * series: x[t * n_series + s] is series s at time t; outputs likewise. */
int pg_cuda_ema_batch(pg_cuda_ctx *ctx, const double *x, size_t n_series, size_t len, double span,
                      size_t min_periods, double *out, pg_cuda_timing *t);
int pg_cuda_rsi_batch(pg_cuda_ctx *ctx, const double *price, size_t n_series, size_t len,
                      size_t window, double *out, pg_cuda_timing *t);
int pg_cuda_macd_batch(pg_cuda_ctx *ctx, const double *price, size_t n_series, size_t len,
                       size_t fast, size_t slow, size_t signal, double *macd, double *macd_signal,
                       double *histogram, pg_cuda_timing *t);

/* Kuramoto order parameter (KERNELS.md 5): one snapshot of n phases
 * (float64 path, a deterministic two-pass reduction), or one R per snapshot
 * of an n_osc x n_t row-major matrix (float32 path). */
int pg_cuda_kuramoto_order_1d(pg_cuda_ctx *ctx, const double *theta, size_t n, double *result,
                              pg_cuda_timing *t);
int pg_cuda_kuramoto_order_2d(pg_cuda_ctx *ctx, const double *theta, size_t n_osc, size_t n_t,
                              double *out, pg_cuda_timing *t);

#ifdef __cplusplus
}
#endif
#endif
