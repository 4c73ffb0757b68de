/*
 * suite_gpu.c - the GPU path (kernels/pg_cuda.h) under the harness:
 * gpu/<kernel>/<profile>/<device>/<n>, n = 65536, 1048576 and 16777216.
 *
 * <device> says where the benchmark really runs.  At registration the suite
 * asks pg_cuda_available(): with a usable GPU every benchmark is .../gpu/...
 * and calls the CUDA kernel; without one (no CUDA build, no driver, no
 * device) the same kernels are registered as .../cpu/... and call the CPU
 * kernel of pg_kernels.h instead: the recorded fallback, never a failure.
 * The reason is kept (device_of) for the day the harness can record it.
 *
 * Two timings per kernel on a GPU:
 *   <kernel>         end to end, what a caller with host data pays: copies
 *                    in, kernels, copies out (hot, cold; phase also first,
 *                    whose init makes the CUDA context and the first call
 *                    plans cuFFT);
 *   <kernel>.kernel  the kernels alone (hot): init loads the inputs once,
 *                    then transfers are switched off
 *                    (pg_cuda_ctx_set_transfers) and run() times only the
 *                    launches up to their completion.
 * Each call's CUDA-event split (H2D, kernel, D2H) is summed in the fixture
 * (gpu_fx.acc); the harness has no per-benchmark user counters yet, so it
 * is not reported in the results (docs/gpu.md).
 *
 * Inputs as in the indicators suite: a random walk from 100 (sigma 0.001)
 * for the price kernels, N(0,1) noise for entropy and phase, uniform phases
 * for kuramoto.  Parameters: windows 20, RSI 14, MACD 12/26/9, entropy 50
 * bins float32, phase float64; ema_batch is 1024 series of n/1024 points.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_cuda.h"
#include "pg_data.h"
#include "pg_kernels.h"
#include "suites.h"

enum input_kind { IN_PRICE, IN_NOISE, IN_PHASES };

/* Series of the batched EMA. */
#define BATCH_SERIES 1024

typedef struct gpu_kernel gpu_kernel;

typedef struct gpu_fx {
    const gpu_kernel *k;
    size_t n;
    int kernel_only; /* the .kernel variant */
    double *x, *out; /* pinned on a GPU when possible */
    int pinned;
    size_t *counts;     /* entropy */
    double result;      /* scalar kernels */
    pg_cuda_ctx *cuda;  /* GPU: made in init */
    pg_phase_ws *ws;    /* CPU phase: made in init */
    pg_cuda_timing acc; /* summed CUDA-event split of the timed calls */
    size_t calls;
    /* Running totals in ns, reported per iteration through pg_bench_add_counter
     * (gpu_kernel_ns, gpu_h2d_ns, gpu_d2h_ns, gpu_transfer_ns, gpu_total_ns):
     * declared only when the benchmark really runs on a GPU, so a CPU
     * fallback never reports a zero GPU time a budget would pass. */
    double kernel_ns, h2d_ns, d2h_ns, transfer_ns, total_ns;
} gpu_fx;

struct gpu_kernel {
    const char *name; /* end-to-end name; "<name>.kernel" for kernels only */
    const char *kname;
    enum input_kind input;
    size_t out_cols; /* 0: scalar result */
    int (*gpu)(gpu_fx *f, pg_cuda_timing *t);
    int (*cpu)(gpu_fx *f);
    unsigned profiles; /* of the end-to-end variant */
};

/* ---- the kernels, on each device ---------------------------------------- */

static int g_phase(gpu_fx *f, pg_cuda_timing *t)
{
    return pg_cuda_phase(f->cuda, f->x, f->n, PG_FLOAT64, f->out, t);
}

static int c_phase(gpu_fx *f)
{
    return pg_phase(f->ws, f->x, f->n, f->out);
}

static int g_entropy(gpu_fx *f, pg_cuda_timing *t)
{
    return pg_cuda_entropy(f->cuda, f->x, f->n, 50, PG_FLOAT32, f->counts, &f->result, t);
}

static int c_entropy(gpu_fx *f)
{
    return pg_entropy(f->x, f->n, 50, PG_FLOAT32, f->counts, &f->result);
}

static int g_sma(gpu_fx *f, pg_cuda_timing *t)
{
    return pg_cuda_rolling_mean(f->cuda, f->x, f->n, 20, f->out, t);
}

static int c_sma(gpu_fx *f)
{
    return pg_sma(f->x, f->n, 20, f->out);
}

static int g_volatility(gpu_fx *f, pg_cuda_timing *t)
{
    return pg_cuda_volatility(f->cuda, f->x, f->n, 20, f->out, t);
}

static int c_volatility(gpu_fx *f)
{
    return pg_volatility(f->x, f->n, 20, f->out);
}

static int g_ema(gpu_fx *f, pg_cuda_timing *t)
{
    return pg_cuda_ema(f->cuda, f->x, f->n, 20.0, 20, f->out, t);
}

static int c_ema(gpu_fx *f)
{
    return pg_ema(f->x, f->n, 20.0, 20, f->out);
}

static int g_rsi(gpu_fx *f, pg_cuda_timing *t)
{
    return pg_cuda_rsi(f->cuda, f->x, f->n, 14, f->out, t);
}

static int c_rsi(gpu_fx *f)
{
    return pg_rsi(f->x, f->n, 14, f->out);
}

static int g_macd(gpu_fx *f, pg_cuda_timing *t)
{
    return pg_cuda_macd(f->cuda, f->x, f->n, 12, 26, 9, NULL, NULL, f->out, f->out + f->n,
                        f->out + 2 * f->n, t);
}

static int c_macd(gpu_fx *f)
{
    return pg_macd(f->x, f->n, 12, 26, 9, NULL, NULL, f->out, f->out + f->n, f->out + 2 * f->n);
}

/* GPU: time-major, one series a thread; CPU: the same 1024 series, each
 * contiguous (the layout each device reads best). */
static int g_ema_batch(gpu_fx *f, pg_cuda_timing *t)
{
    return pg_cuda_ema_batch(f->cuda, f->x, BATCH_SERIES, f->n / BATCH_SERIES, 20.0, 20, f->out, t);
}

static int c_ema_batch(gpu_fx *f)
{
    size_t len = f->n / BATCH_SERIES;
    for (size_t s = 0; s < BATCH_SERIES; s++) {
        int rc = pg_ema(f->x + s * len, len, 20.0, 20, f->out + s * len);
        if (rc)
            return rc;
    }
    return 0;
}

static int g_kuramoto(gpu_fx *f, pg_cuda_timing *t)
{
    return pg_cuda_kuramoto_order_1d(f->cuda, f->x, f->n, &f->result, t);
}

static int c_kuramoto(gpu_fx *f)
{
    return pg_kuramoto_order_1d(f->x, f->n, &f->result);
}

#define HC (PG_PROFILE_HOT | PG_PROFILE_COLD)
static const gpu_kernel kernels[] = {
    { "phase", "phase.kernel", IN_NOISE, 1, g_phase, c_phase, HC | PG_PROFILE_FIRST },
    { "entropy", "entropy.kernel", IN_NOISE, 0, g_entropy, c_entropy, HC },
    { "sma", "sma.kernel", IN_PRICE, 1, g_sma, c_sma, HC },
    { "volatility", "volatility.kernel", IN_PRICE, 1, g_volatility, c_volatility, HC },
    { "ema", "ema.kernel", IN_PRICE, 1, g_ema, c_ema, HC },
    { "rsi", "rsi.kernel", IN_PRICE, 1, g_rsi, c_rsi, HC },
    { "macd", "macd.kernel", IN_PRICE, 3, g_macd, c_macd, HC },
    { "ema_batch", "ema_batch.kernel", IN_PRICE, 1, g_ema_batch, c_ema_batch, HC },
    { "kuramoto", "kuramoto.kernel", IN_PHASES, 0, g_kuramoto, c_kuramoto, HC },
};

static const size_t sizes[] = { 65536, 1048576, 16777216 };

/* ---- where the suite runs ------------------------------------------------ */

static int on_gpu = -1;
static char reason[256];

static const char *device_of(int *gpu)
{
    if (on_gpu < 0)
        on_gpu = pg_cuda_available(reason, sizeof(reason));
    if (gpu)
        *gpu = on_gpu;
    return reason;
}

/* ---- fixture ------------------------------------------------------------- */

static void fill(gpu_fx *f, uint64_t seed)
{
    pg_rng r;
    pg_rng_seed(&r, seed);
    if (f->k->input == IN_PRICE)
        pg_data_random_walk(&r, f->x, f->n, 100.0, 0.001);
    else if (f->k->input == IN_NOISE)
        pg_data_normal(&r, f->x, f->n, 0.0, 1.0);
    else
        pg_data_phases(&r, f->x, f->n);
}

static void *buffer(gpu_fx *f, size_t bytes)
{
    if (f->pinned)
        return pg_cuda_host_alloc(bytes);
    return malloc(bytes);
}

static void release(gpu_fx *f, void *p)
{
    if (f->pinned)
        pg_cuda_host_free(p);
    else
        free(p);
}

static void gpu_teardown(void *p)
{
    gpu_fx *f = p;
    if (!f)
        return;
    release(f, f->x);
    release(f, f->out);
    free(f->counts);
    free(f);
}

static void *setup_common(pg_bench_ctx *ctx, size_t n, uint64_t seed, const gpu_kernel *k,
                          int kernel_only)
{
    gpu_fx *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->k = k;
    f->n = n;
    f->kernel_only = kernel_only;
    f->pinned = on_gpu == 1;
    size_t bytes = n * sizeof(double);
    f->x = buffer(f, bytes);
    if (!f->x && f->pinned) {
        f->pinned = 0; /* no page-locked memory: pageable copies */
        f->x = buffer(f, bytes);
    }
    if (!f->x)
        goto fail;
    fill(f, seed);
    pg_bench_input(ctx, f->x, bytes);
    if (k->out_cols) {
        f->out = buffer(f, k->out_cols * bytes);
        if (!f->out)
            goto fail;
        pg_bench_output(ctx, f->out, k->out_cols * bytes);
    }
    if (k->gpu == g_entropy) {
        f->counts = calloc(50, sizeof(size_t));
        if (!f->counts)
            goto fail;
        pg_bench_output(ctx, f->counts, 50 * sizeof(size_t));
    }
    if (on_gpu == 1) {
        const struct {
            const char *name;
            const double *v;
        } c[] = { { "gpu_kernel_ns", &f->kernel_ns },
                  { "gpu_h2d_ns", &f->h2d_ns },
                  { "gpu_d2h_ns", &f->d2h_ns },
                  { "gpu_transfer_ns", &f->transfer_ns },
                  { "gpu_total_ns", &f->total_ns } };
        for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
            if (pg_bench_add_counter(ctx, c[i].name, c[i].v) != 0)
                goto fail;
    }
    return f;
fail:
    gpu_teardown(f);
    return NULL;
}

static void *gpu_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    return setup_common(ctx, n, seed, arg, 0);
}

static void *gpu_setup_kernel_only(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    return setup_common(ctx, n, seed, arg, 1);
}

static int gpu_reseed(void *p, uint64_t seed)
{
    fill(p, seed);
    return 0;
}

/* GPU: the CUDA context (the cold-start cost `first` measures, with the
 * first call's cuFFT plans); kernel-only: one call that loads the inputs,
 * then transfers off.  CPU: the FFTW workspace of phase. */
static int gpu_init(void *p)
{
    gpu_fx *f = p;
    if (on_gpu == 1) {
        f->cuda = pg_cuda_ctx_create(0, NULL, 0);
        if (!f->cuda)
            return PG_EUNSUP;
        if (f->kernel_only) {
            int rc = f->k->gpu(f, NULL);
            if (rc)
                return rc;
            pg_cuda_ctx_set_transfers(f->cuda, 0);
        }
        return 0;
    }
    if (f->k->cpu == c_phase) {
        f->ws = pg_phase_ws_create(f->n, PG_FLOAT64);
        return f->ws ? 0 : PG_ENOMEM;
    }
    return 0;
}

static void gpu_fini(void *p)
{
    gpu_fx *f = p;
    pg_cuda_ctx_destroy(f->cuda);
    f->cuda = NULL;
    pg_phase_ws_destroy(f->ws);
    f->ws = NULL;
}

static int gpu_run(void *p)
{
    gpu_fx *f = p;
    if (!f->cuda)
        return f->k->cpu(f);
    pg_cuda_timing t;
    int rc = f->k->gpu(f, &t);
    if (rc == 0) {
        f->acc.h2d_ms += t.h2d_ms;
        f->acc.kernel_ms += t.kernel_ms;
        f->acc.d2h_ms += t.d2h_ms;
        f->acc.total_ms += t.total_ms;
        f->acc.h2d_bytes += t.h2d_bytes;
        f->acc.d2h_bytes += t.d2h_bytes;
        f->kernel_ns += t.kernel_ms * 1e6;
        f->h2d_ns += t.h2d_ms * 1e6;
        f->d2h_ns += t.d2h_ms * 1e6;
        f->transfer_ns += (t.h2d_ms + t.d2h_ms) * 1e6;
        f->total_ns += t.total_ms * 1e6;
        f->calls++;
    }
    return rc;
}

int suite_gpu_register(pg_bench_registry *reg, pg_error *err)
{
    int gpu;
    device_of(&gpu);
    for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
        for (int kernel_only = 0; kernel_only <= gpu; kernel_only++) {
            pg_bench_def d;
            memset(&d, 0, sizeof(d));
            d.suite = "gpu";
            d.kernel = kernel_only ? kernels[i].kname : kernels[i].name;
            d.device = gpu ? "gpu" : "cpu";
            d.profiles = kernel_only ? PG_PROFILE_HOT : kernels[i].profiles;
            d.sizes = sizes;
            d.n_sizes = sizeof(sizes) / sizeof(sizes[0]);
            d.arg = (void *)&kernels[i];
            d.setup = kernel_only ? gpu_setup_kernel_only : gpu_setup;
            d.init = gpu_init;
            d.run = gpu_run;
            d.reseed = gpu_reseed;
            d.fini = gpu_fini;
            d.teardown = gpu_teardown;
            int rc = pg_bench_register(reg, &d, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}
