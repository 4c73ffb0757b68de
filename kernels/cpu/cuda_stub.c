/*
 * cuda_stub.c - pg_cuda.h in a build without CUDA (PERFGATE_CUDA=OFF, or no
 * nvcc found).  Compiled only when PERFGATE_HAVE_CUDA is 0, in place of
 * kernels/cuda/.  Every call says "no CUDA build" or returns PG_EUNSUP, so
 * callers take the CPU path of pg_kernels.h and record device=cpu.
 */
#include <stdio.h>

#include "pg_cuda.h"

static const char no_build[] = "no CUDA build";

static void say(char *why, size_t len)
{
    if (why && len > 0)
        snprintf(why, len, "%s", no_build);
}

int pg_cuda_available(char *why, size_t len)
{
    say(why, len);
    return 0;
}

int pg_cuda_built(void)
{
    return 0;
}

pg_cuda_ctx *pg_cuda_ctx_create(int device, char *why, size_t len)
{
    (void)device;
    say(why, len);
    return NULL;
}

void pg_cuda_ctx_destroy(pg_cuda_ctx *ctx)
{
    (void)ctx;
}

const char *pg_cuda_ctx_error(const pg_cuda_ctx *ctx)
{
    (void)ctx;
    return no_build;
}

int pg_cuda_ctx_set_transfers(pg_cuda_ctx *ctx, int on)
{
    (void)ctx, (void)on;
    return 0;
}

size_t pg_cuda_ctx_bytes(const pg_cuda_ctx *ctx)
{
    (void)ctx;
    return 0;
}

void *pg_cuda_host_alloc(size_t bytes)
{
    (void)bytes;
    return NULL;
}

void pg_cuda_host_free(void *p)
{
    (void)p;
}

int pg_cuda_phase(pg_cuda_ctx *ctx, const double *x, size_t n, pg_dtype dtype, double *out,
                  pg_cuda_timing *t)
{
    (void)ctx, (void)x, (void)n, (void)dtype, (void)out, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_entropy(pg_cuda_ctx *ctx, const double *x, size_t n, size_t bins, pg_dtype dtype,
                    size_t *counts, double *result, pg_cuda_timing *t)
{
    (void)ctx, (void)x, (void)n, (void)bins, (void)dtype, (void)counts, (void)result, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_rolling_mean(pg_cuda_ctx *ctx, const double *x, size_t n, size_t window, double *out,
                         pg_cuda_timing *t)
{
    (void)ctx, (void)x, (void)n, (void)window, (void)out, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_rolling_std(pg_cuda_ctx *ctx, const double *x, size_t n, size_t window, double *out,
                        pg_cuda_timing *t)
{
    (void)ctx, (void)x, (void)n, (void)window, (void)out, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_volatility(pg_cuda_ctx *ctx, const double *price, size_t n, size_t window, double *out,
                       pg_cuda_timing *t)
{
    (void)ctx, (void)price, (void)n, (void)window, (void)out, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_ema(pg_cuda_ctx *ctx, const double *x, size_t n, double span, size_t min_periods,
                double *out, pg_cuda_timing *t)
{
    (void)ctx, (void)x, (void)n, (void)span, (void)min_periods, (void)out, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_rsi(pg_cuda_ctx *ctx, const double *price, size_t n, size_t window, double *out,
                pg_cuda_timing *t)
{
    (void)ctx, (void)price, (void)n, (void)window, (void)out, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_macd(pg_cuda_ctx *ctx, const double *price, size_t n, size_t fast, size_t slow,
                 size_t signal, double *ema_fast, double *ema_slow, double *macd,
                 double *macd_signal, double *histogram, pg_cuda_timing *t)
{
    (void)ctx, (void)price, (void)n, (void)fast, (void)slow, (void)signal, (void)ema_fast;
    (void)ema_slow, (void)macd, (void)macd_signal, (void)histogram, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_ema_batch(pg_cuda_ctx *ctx, const double *x, size_t n_series, size_t len, double span,
                      size_t min_periods, double *out, pg_cuda_timing *t)
{
    (void)ctx, (void)x, (void)n_series, (void)len, (void)span, (void)min_periods, (void)out;
    (void)t;
    return PG_EUNSUP;
}

int pg_cuda_rsi_batch(pg_cuda_ctx *ctx, const double *price, size_t n_series, size_t len,
                      size_t window, double *out, pg_cuda_timing *t)
{
    (void)ctx, (void)price, (void)n_series, (void)len, (void)window, (void)out, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_macd_batch(pg_cuda_ctx *ctx, const double *price, size_t n_series, size_t len,
                       size_t fast, size_t slow, size_t signal, double *macd, double *macd_signal,
                       double *histogram, pg_cuda_timing *t)
{
    (void)ctx, (void)price, (void)n_series, (void)len, (void)fast, (void)slow, (void)signal;
    (void)macd, (void)macd_signal, (void)histogram, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_kuramoto_order_1d(pg_cuda_ctx *ctx, const double *theta, size_t n, double *result,
                              pg_cuda_timing *t)
{
    (void)ctx, (void)theta, (void)n, (void)result, (void)t;
    return PG_EUNSUP;
}

int pg_cuda_kuramoto_order_2d(pg_cuda_ctx *ctx, const double *theta, size_t n_osc, size_t n_t,
                              double *out, pg_cuda_timing *t)
{
    (void)ctx, (void)theta, (void)n_osc, (void)n_t, (void)out, (void)t;
    return PG_EUNSUP;
}
