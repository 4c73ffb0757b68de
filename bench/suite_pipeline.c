/*
 * suite_pipeline.c - the whole pipeline path (pg_pipeline_run: normalize ->
 * features -> strategy) on a synthetic OHLCV frame of 10,000 and 1,000,000
 * one-minute rows, hot, cold and first.
 *
 * The frame has TradePulse's columns ts, open, high, low, close, volume,
 * bid_volume, ask_volume and signed_volume (pg_data_ohlcv).  The workspace
 * (pg_pipeline_ws_create) is made in init: untimed for hot and cold, timed
 * for first, where creation + the first run (which maps in the pages it
 * writes) is the cold-start cost.  Its buffers live inside the kernels'
 * library, so cold also sweeps the whole cache.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_data.h"
#include "pg_kernels.h"
#include "suites.h"

#define NCOLS 9

static const char *col_names[NCOLS] = { "ts",         "open",       "high",
                                        "low",        "close",      "volume",
                                        "bid_volume", "ask_volume", "signed_volume" };

typedef struct pipe_fx {
    size_t n;
    double *cols[NCOLS];
    pg_frame raw;
    pg_pipeline_ws *ws;
    pg_pipeline_out out;
} pipe_fx;

static void fill(pipe_fx *f, uint64_t seed)
{
    pg_rng r;
    pg_rng_seed(&r, seed);
    pg_data_ohlcv_cols c = { f->cols[0], f->cols[1], f->cols[2], f->cols[3], f->cols[4],
                             f->cols[5], f->cols[6], f->cols[7], f->cols[8] };
    pg_data_ohlcv(&r, f->n, &c);
}

static void pipe_teardown(void *p)
{
    pipe_fx *f = p;
    if (!f)
        return;
    for (int i = 0; i < NCOLS; i++)
        free(f->cols[i]);
    free(f);
}

static void *pipe_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    (void)arg;
    pipe_fx *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->n = n;
    for (int i = 0; i < NCOLS; i++) {
        f->cols[i] = malloc(n * sizeof(double));
        if (!f->cols[i]) {
            pipe_teardown(f);
            return NULL;
        }
        pg_bench_input(ctx, f->cols[i], n * sizeof(double));
    }
    f->raw.nrows = n;
    f->raw.ncols = NCOLS;
    f->raw.names = col_names;
    f->raw.cols = f->cols;
    pg_bench_evict_caches(ctx);
    fill(f, seed);
    return f;
}

static int pipe_reseed(void *p, uint64_t seed)
{
    fill(p, seed);
    return 0;
}

static int pipe_init(void *p)
{
    pipe_fx *f = p;
    f->ws = pg_pipeline_ws_create(f->n, NCOLS, NULL, NULL, NULL);
    return f->ws ? 0 : PG_ENOMEM;
}

static void pipe_fini(void *p)
{
    pipe_fx *f = p;
    pg_pipeline_ws_destroy(f->ws);
    f->ws = NULL;
}

static int pipe_run(void *p)
{
    pipe_fx *f = p;
    return pg_pipeline_run(f->ws, &f->raw, &f->out, NULL);
}

int suite_pipeline_register(pg_bench_registry *reg, pg_error *err)
{
    static const size_t sizes[] = { 10000, 1000000 };
    pg_bench_def d;
    memset(&d, 0, sizeof(d));
    d.suite = "pipeline";
    d.kernel = "path";
    d.profiles = PG_PROFILE_ALL;
    d.sizes = sizes;
    d.n_sizes = 2;
    d.setup = pipe_setup;
    d.init = pipe_init;
    d.run = pipe_run;
    d.reseed = pipe_reseed;
    d.fini = pipe_fini;
    d.teardown = pipe_teardown;
    return pg_bench_register(reg, &d, err);
}
