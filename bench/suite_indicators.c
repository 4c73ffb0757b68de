/*
 * suite_indicators.c - every kernel of kernels/pg_kernels.h, alone, at
 * 4096, 16384, 65536 and 1048576 points, hot and cold; phase also first
 * (its FFTW plans are the cold-start cost).
 *
 * Inputs (harness/pg_data.h, stream 0 of the seed unless cold refills):
 *   price kernels (sma, ema, ema_scan, volatility, rsi, macd, macd_scan,
 *     hurst): a random walk from 100 with sigma 0.001;
 *   features: a full OHLCV frame (pg_data_ohlcv, every column);
 *   volume_z: that frame's volume column; kyles_lambda, hasbrouck: its
 *     return_1 (computed when the input is made, untimed) and signed volume;
 *   entropy, phase: N(0, 1) noise (Irwin-Hall);
 *   kuramoto: phases uniform in [-pi, pi).
 * Parameters are TradePulse's defaults and its bench's choices: windows 20
 * (sma, ema, ema_scan, volatility, rolling_std of the price, volume_z),
 * microstructure window 50,
 * RSI 14, MACD 12/26/9 (macd and macd_scan), entropy 50 bins in float32,
 * Hurst lags 2..50 in float32, phase in float64.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_data.h"
#include "pg_kernels.h"
#include "suites.h"

enum input_kind { IN_PRICE, IN_OHLCV, IN_VOLUME, IN_MICRO, IN_NOISE, IN_PHASES };

typedef struct kernel_desc kernel_desc;

typedef struct ind_fx {
    const kernel_desc *k;
    size_t n;
    double *col[9]; /* ts open high low close volume bid ask signed (OHLCV) */
    double *x;      /* the one input of the other kinds */
    double *out;
    size_t out_cols;
    size_t *counts;
    pg_phase_ws *ws;
    pg_features_config cfg;
    pg_ohlcv frame;
    double result;
} ind_fx;

struct kernel_desc {
    const char *name;
    enum input_kind input;
    size_t out_cols; /* 0: scalar result */
    int (*run)(ind_fx *f);
    unsigned profiles;
};

static int run_sma(ind_fx *f)
{
    return pg_sma(f->x, f->n, 20, f->out);
}

static int run_ema(ind_fx *f)
{
    return pg_ema(f->x, f->n, 20.0, 20, f->out);
}

static int run_ema_scan(ind_fx *f)
{
    return pg_ema_scan(f->x, f->n, 20.0, 20, f->out);
}

static int run_rolling_std(ind_fx *f)
{
    return pg_rolling_std(f->x, f->n, 20, f->out);
}

static int run_volume_z(ind_fx *f)
{
    return pg_volume_z(f->col[5], f->n, 20, f->out);
}

static int run_kyles_lambda(ind_fx *f)
{
    return pg_kyles_lambda(f->x, f->col[8], f->n, 50, f->out);
}

static int run_hasbrouck(ind_fx *f)
{
    return pg_hasbrouck(f->x, f->col[8], f->n, 50, f->out);
}

static int run_volatility(ind_fx *f)
{
    return pg_volatility(f->x, f->n, 20, f->out);
}

static int run_rsi(ind_fx *f)
{
    return pg_rsi(f->x, f->n, 14, f->out);
}

static int run_macd(ind_fx *f)
{
    return pg_macd(f->x, f->n, 12, 26, 9, NULL, NULL, f->out, f->out + f->n, f->out + 2 * f->n);
}

static int run_macd_scan(ind_fx *f)
{
    return pg_macd_scan(f->x, f->n, 12, 26, 9, f->out, f->out + f->n, f->out + 2 * f->n);
}

static int run_features(ind_fx *f)
{
    return pg_features(&f->cfg, &f->frame, f->out, NULL);
}

static int run_entropy(ind_fx *f)
{
    return pg_entropy(f->x, f->n, 50, PG_FLOAT32, f->counts, &f->result);
}

static int run_hurst(ind_fx *f)
{
    return pg_hurst(f->x, f->n, 2, 50, PG_FLOAT32, &f->result);
}

static int run_phase(ind_fx *f)
{
    return pg_phase(f->ws, f->x, f->n, f->out);
}

static int run_kuramoto(ind_fx *f)
{
    return pg_kuramoto_order_1d(f->x, f->n, &f->result);
}

#define HC (PG_PROFILE_HOT | PG_PROFILE_COLD)
static const kernel_desc kernels[] = {
    { "sma", IN_PRICE, 1, run_sma, HC },
    { "ema", IN_PRICE, 1, run_ema, HC },
    { "ema_scan", IN_PRICE, 1, run_ema_scan, HC },
    { "volatility", IN_PRICE, 1, run_volatility, HC },
    { "rolling_std", IN_PRICE, 1, run_rolling_std, HC },
    { "volume_z", IN_VOLUME, 1, run_volume_z, HC },
    { "kyles_lambda", IN_MICRO, 1, run_kyles_lambda, HC },
    { "hasbrouck", IN_MICRO, 1, run_hasbrouck, HC },
    { "rsi", IN_PRICE, 1, run_rsi, HC },
    { "macd", IN_PRICE, 3, run_macd, HC },
    { "macd_scan", IN_PRICE, 3, run_macd_scan, HC },
    { "features", IN_OHLCV, 0 /* pg_features_ncols */, run_features, HC },
    { "entropy", IN_NOISE, 0, run_entropy, HC },
    { "hurst", IN_PRICE, 0, run_hurst, HC },
    { "phase", IN_NOISE, 1, run_phase, HC | PG_PROFILE_FIRST },
    { "kuramoto", IN_PHASES, 0, run_kuramoto, HC },
};

static const size_t sizes[] = { 4096, 16384, 65536, 1048576 };

static void fill(ind_fx *f, uint64_t seed)
{
    pg_rng r;
    pg_rng_seed(&r, seed);
    switch (f->k->input) {
    case IN_PRICE: pg_data_random_walk(&r, f->x, f->n, 100.0, 0.001); break;
    case IN_NOISE: pg_data_normal(&r, f->x, f->n, 0.0, 1.0); break;
    case IN_PHASES: pg_data_phases(&r, f->x, f->n); break;
    case IN_OHLCV:
    case IN_VOLUME:
    case IN_MICRO: {
        pg_data_ohlcv_cols c = { f->col[0], f->col[1], f->col[2], f->col[3], f->col[4],
                                 f->col[5], f->col[6], f->col[7], f->col[8] };
        pg_data_ohlcv(&r, f->n, &c);
        if (f->k->input == IN_MICRO)
            pg_return_1(f->col[4], f->n, f->x);
        break;
    }
    }
}

static void ind_teardown(void *p)
{
    ind_fx *f = p;
    if (!f)
        return;
    for (int i = 0; i < 9; i++)
        free(f->col[i]);
    free(f->x);
    free(f->out);
    free(f->counts);
    free(f);
}

static void *ind_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    const kernel_desc *k = arg;
    ind_fx *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->k = k;
    f->n = n;
    size_t bytes = n * sizeof(double);
    if (k->input == IN_OHLCV || k->input == IN_VOLUME || k->input == IN_MICRO) {
        for (int i = 0; i < 9; i++) {
            f->col[i] = malloc(bytes);
            if (!f->col[i])
                goto fail;
        }
        if (k->input == IN_MICRO) {
            f->x = malloc(bytes);
            if (!f->x)
                goto fail;
        }
        pg_features_config_default(&f->cfg);
        f->frame.n = n;
        f->frame.ts = f->col[0];
        f->frame.open = f->col[1];
        f->frame.high = f->col[2];
        f->frame.low = f->col[3];
        f->frame.close = f->col[4];
        f->frame.volume = f->col[5];
        f->frame.bid_volume = f->col[6];
        f->frame.ask_volume = f->col[7];
        f->frame.signed_volume = f->col[8];
        f->out_cols = k->input == IN_OHLCV ? pg_features_ncols(&f->cfg, &f->frame) : 1;
        fill(f, seed);
        /* What the kernel reads is its input (ts and open: never). */
        if (k->input == IN_OHLCV) {
            for (int i = 2; i < 9; i++)
                pg_bench_input(ctx, f->col[i], bytes);
        } else if (k->input == IN_VOLUME) {
            pg_bench_input(ctx, f->col[5], bytes);
        } else {
            pg_bench_input(ctx, f->x, bytes);
            pg_bench_input(ctx, f->col[8], bytes);
        }
    } else {
        f->x = malloc(bytes);
        if (!f->x)
            goto fail;
        f->out_cols = k->out_cols;
        fill(f, seed);
        pg_bench_input(ctx, f->x, bytes);
    }
    if (f->out_cols) {
        f->out = malloc(f->out_cols * bytes);
        if (!f->out)
            goto fail;
        pg_bench_output(ctx, f->out, f->out_cols * bytes);
    }
    if (k->run == run_entropy) {
        f->counts = calloc(50, sizeof(size_t));
        if (!f->counts)
            goto fail;
        pg_bench_output(ctx, f->counts, 50 * sizeof(size_t));
    }
    return f;
fail:
    ind_teardown(f);
    return NULL;
}

static int ind_reseed(void *p, uint64_t seed)
{
    fill(p, seed);
    return 0;
}

static int ind_init(void *p)
{
    ind_fx *f = p;
    if (f->k->run != run_phase)
        return 0;
    f->ws = pg_phase_ws_create(f->n, PG_FLOAT64);
    return f->ws ? 0 : PG_ENOMEM;
}

static void ind_fini(void *p)
{
    ind_fx *f = p;
    pg_phase_ws_destroy(f->ws);
    f->ws = NULL;
}

static int ind_run(void *p)
{
    ind_fx *f = p;
    return f->k->run(f);
}

int suite_indicators_register(pg_bench_registry *reg, pg_error *err)
{
    for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
        pg_bench_def d;
        memset(&d, 0, sizeof(d));
        d.suite = "indicators";
        d.kernel = kernels[i].name;
        d.profiles = kernels[i].profiles;
        d.sizes = sizes;
        d.n_sizes = sizeof(sizes) / sizeof(sizes[0]);
        d.arg = (void *)&kernels[i];
        d.setup = ind_setup;
        d.init = ind_init;
        d.run = ind_run;
        d.reseed = ind_reseed;
        d.fini = ind_fini;
        d.teardown = ind_teardown;
        int rc = pg_bench_register(reg, &d, err);
        if (rc)
            return rc;
    }
    return 0;
}
