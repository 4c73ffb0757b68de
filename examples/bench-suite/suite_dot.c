/*
 * suite_dot.c - one benchmark suite on perfgate's harness: "example/dot",
 * the dot product of two seeded vectors, hot (same input every iteration)
 * and cold (fresh input, caches evicted, each iteration).
 *
 * The harness calls setup once per size (untimed), run in the timed loop,
 * reseed between cold iterations (untimed) and teardown at the end.
 */
#include <stdlib.h>

#include <pg_bench.h>
#include <pg_data.h>

#include "suite.h"

struct dot {
    double *x, *y;
    size_t n;
    double result; /* kept so the compiler cannot drop the loop */
};

static void fill(struct dot *d, uint64_t seed)
{
    pg_rng r;
    pg_rng_seed(&r, seed);
    pg_data_normal(&r, d->x, d->n, 0.0, 1.0);
    pg_data_normal(&r, d->y, d->n, 0.0, 1.0);
}

static void *dot_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    (void)arg;
    struct dot *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->n = n;
    d->x = malloc(n * sizeof *d->x);
    d->y = malloc(n * sizeof *d->y);
    if (!d->x || !d->y) {
        free(d->x);
        free(d->y);
        free(d);
        return NULL;
    }
    fill(d, pg_data_stream_seed(seed, 0));
    /* Declared inputs are digested into the results (same seed, same bytes). */
    pg_bench_input(ctx, d->x, n * sizeof *d->x);
    pg_bench_input(ctx, d->y, n * sizeof *d->y);
    return d;
}

static int dot_run(void *p)
{
    struct dot *d = p;
    double s = 0.0;
    for (size_t i = 0; i < d->n; i++)
        s += d->x[i] * d->y[i];
    d->result = s;
    return 0;
}

static int dot_reseed(void *p, uint64_t stream_seed)
{
    fill(p, stream_seed);
    return 0;
}

static void dot_teardown(void *p)
{
    struct dot *d = p;
    if (!d)
        return;
    free(d->x);
    free(d->y);
    free(d);
}

int example_suite_register(pg_bench_registry *reg, pg_error *err)
{
    static const size_t sizes[] = { 1024, 65536 };
    pg_bench_def def = { 0 };
    def.suite = "example";
    def.kernel = "dot";
    def.profiles = PG_PROFILE_HOT | PG_PROFILE_COLD;
    def.sizes = sizes;
    def.n_sizes = sizeof sizes / sizeof sizes[0];
    def.setup = dot_setup;
    def.run = dot_run;
    def.reseed = dot_reseed;
    def.teardown = dot_teardown;
    return pg_bench_register(reg, &def, err);
}
