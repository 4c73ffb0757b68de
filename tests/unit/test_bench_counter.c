/* test_bench_counter.c - pg_bench_add_counter: a fixture's own running total
 * (the GPU suite's CUDA-event times) reported per iteration as a Google
 * Benchmark user counter, without the warm-up call, hot and cold, and
 * sent back by the child process of the `first` profile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_bench.h"
#include "pg_test_bench.h"

typedef struct fx {
    double x[16];
    double ns;   /* 3 per run */
    double warm; /* never declared: not reported */
} fx;

/* What setup saw when it declared bad counters (checked by the test). */
static int rc_bad_name, rc_long_name, rc_ninth;

static void *setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    (void)n;
    (void)seed;
    (void)arg;
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    pg_bench_input(ctx, f->x, sizeof f->x);
    if (pg_bench_add_counter(ctx, "my_ns", &f->ns) != 0) {
        free(f);
        return NULL;
    }
    rc_bad_name = pg_bench_add_counter(ctx, "Bad-Name\"<x>", &f->warm);
    char long_name[64];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    rc_long_name = pg_bench_add_counter(ctx, long_name, &f->warm);
    /* 7 more good ones fill the table (8); the ninth is refused. */
    rc_ninth = 0;
    for (int i = 0; i < 8 && rc_ninth == 0; i++) {
        char name[16];
        snprintf(name, sizeof name, "extra_%d", i);
        rc_ninth = pg_bench_add_counter(ctx, name, &f->warm);
    }
    return f;
}

static int run(void *p)
{
    fx *f = p;
    f->ns += 3.0;
    return 0;
}

static int reseed(void *p, uint64_t s)
{
    ((fx *)p)->x[0] = (double)s;
    return 0;
}

static void teardown(void *p)
{
    free(p);
}

static pg_bench_registry *counter_registry(void)
{
    pg_error err = { 0 };
    static const size_t sizes[] = { 16 };
    pg_bench_def d = { .suite = "t",
                       .kernel = "count",
                       .profiles = PG_PROFILE_HOT | PG_PROFILE_COLD | PG_PROFILE_FIRST,
                       .sizes = sizes,
                       .n_sizes = 1,
                       .setup = setup,
                       .run = run,
                       .reseed = reseed,
                       .teardown = teardown };
    pg_bench_registry *reg = pg_bench_registry_create();
    if (reg && pg_bench_register(reg, &d, &err) != 0) {
        pg_bench_registry_destroy(reg);
        return NULL;
    }
    return reg;
}

static void test_counter_per_iteration(void **state)
{
    (void)state;
    pg_error err = { 0 };
    pg_bench_registry *reg = counter_registry();
    assert_non_null(reg);
    char out[] = "/tmp/pg_test_counter_XXXXXX", outflag[64];
    pgt_results_file(out, outflag, sizeof outflag);
    char *argv[] = { "test", "--benchmark_min_time=0.001", "--first-children=2", outflag, NULL };
    int argc = 4;
    pg_bench_options o;
    pg_bench_options_default(&o);
    assert_int_equal(pg_bench_parse_args(&o, &argc, argv, &err), 0);
    assert_int_equal(pg_bench_select(reg, &o, &err), 3);
    assert_int_equal(pg_bench_run(reg, &o, argc, argv, &err), 0);
    json_error_t jerr;
    json_t *root = json_load_file(out, 0, &jerr);
    assert_non_null(root);
    json_t *benchmarks = json_object_get(root, "benchmarks"), *b;
    size_t i, seen = 0;
    json_array_foreach(benchmarks, i, b)
    {
        if (strcmp(json_string_value(json_object_get(b, "run_type")), "iteration") != 0)
            continue; /* first's mean/median/stddev rows */
        json_t *c = json_object_get(b, "my_ns"), *pi = json_object_get(b, "my_ns_per_item");
        assert_non_null(c);
        assert_non_null(pi);
        /* Exactly what the timed calls added: 3 a call, the warm-up excluded
         * (first: the one call of each child). */
        assert_true(json_number_value(c) == 3.0);
        assert_true(json_number_value(pi) == 3.0 / 16);
        seen++;
    }
    assert_int_equal(seen, 4); /* hot, cold, and first's two children */
    /* Names that could break the JSON or a report are refused; 8 at most. */
    assert_int_equal(rc_bad_name, PG_EINVAL);
    assert_int_equal(rc_long_name, PG_EINVAL);
    assert_int_equal(rc_ninth, PG_ELIMIT);
    double v = 0;
    assert_int_equal(pg_bench_add_counter(NULL, "a", &v), PG_EINVAL);
    json_decref(root);
    unlink(out);
    pg_bench_registry_destroy(reg);
}

int main(int argc, char **argv)
{
    /* Started again by the `first` profile: be the child and nothing else. */
    int child = pgt_bench_child_main(argc, argv, counter_registry);
    if (child >= 0)
        return child;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_per_iteration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
