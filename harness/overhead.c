/*
 * overhead.c - the harness's own suite: what one iteration of the C API
 * costs.  harness/overhead/hot/cpu/1 calls an empty run() through a function
 * pointer in the shim's loop; harness/overhead_native/hot/cpu/1 is the same
 * empty loop written directly against Google Benchmark (in shim.cc).  Both
 * run in the same process, so their difference is measured in one run.
 */
#include <string.h>

#include "internal.h"

static int token; /* a fixture must be non-NULL; nothing else is needed */

static void *empty_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    (void)ctx;
    (void)n;
    (void)seed;
    (void)arg;
    return &token;
}

/* Not static inline-able across the shim boundary: it is called through a
 * pointer, exactly as a suite's run() is. */
static int empty_run(void *fixture)
{
    (void)fixture;
    return 0;
}

int pg_bench_register_harness_suite(pg_bench_registry *reg, pg_error *err)
{
    static const size_t one[] = { 1 };
    pg_bench_def def;
    memset(&def, 0, sizeof(def));
    def.suite = "harness";
    def.kernel = "overhead";
    def.profiles = PG_PROFILE_HOT;
    def.sizes = one;
    def.n_sizes = 1;
    def.setup = empty_setup;
    def.run = empty_run;
    int rc = pg_bench_register(reg, &def, err);
    if (rc)
        return rc;
    return harness_registry_add_native(reg, "harness", "overhead_native", 1, err);
}
