/* test_harness.c - the C API of harness/pg_bench.h: registration rules,
 * names, tpbench's flags and selection, and a real run through Google
 * Benchmark in this process (hot, cold and first, whose children are this
 * test binary started again with the hidden child flag), checked through the
 * results JSON and its perfgate block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "pg_bench.h"
#include "pg_data.h"
#include "pg_test.h"
#include "pg_test_bench.h"

/* ---- a probe benchmark that records how it is called ---- */

typedef struct probe {
    size_t n;
    double *in, *out;
} probe;

static struct {
    int setup, init, run, reseed, fini, teardown;
    uint64_t seeds[4096];
    size_t nseeds;
} calls;

static void fill(probe *p, uint64_t seed)
{
    pg_rng r;
    pg_rng_seed(&r, seed);
    pg_data_random_walk(&r, p->in, p->n, 100.0, 0.01);
}

static void *probe_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    (void)arg;
    calls.setup++;
    probe *p = calloc(1, sizeof(*p));
    p->n = n;
    p->in = malloc(n * sizeof(double));
    p->out = calloc(n, sizeof(double));
    fill(p, seed);
    pg_bench_input(ctx, p->in, n * sizeof(double));
    pg_bench_output(ctx, p->out, n * sizeof(double));
    return p;
}

static int probe_init(void *f)
{
    (void)f;
    calls.init++;
    return 0;
}

static int probe_run(void *f)
{
    probe *p = f;
    calls.run++;
    for (size_t i = 0; i < p->n; i++)
        p->out[i] = 2.0 * p->in[i];
    return 0;
}

static int probe_reseed(void *f, uint64_t seed)
{
    if (calls.nseeds < sizeof(calls.seeds) / sizeof(calls.seeds[0]))
        calls.seeds[calls.nseeds++] = seed;
    calls.reseed++;
    fill(f, seed);
    return 0;
}

static void probe_fini(void *f)
{
    (void)f;
    calls.fini++;
}

static void probe_teardown(void *f)
{
    probe *p = f;
    calls.teardown++;
    free(p->in);
    free(p->out);
    free(p);
}

static const size_t probe_sizes[] = { 64, 256 };

static pg_bench_def probe_def(void)
{
    pg_bench_def d;
    memset(&d, 0, sizeof(d));
    d.suite = "t";
    d.kernel = "probe";
    d.profiles = PG_PROFILE_ALL;
    d.sizes = probe_sizes;
    d.n_sizes = 2;
    d.setup = probe_setup;
    d.init = probe_init;
    d.run = probe_run;
    d.reseed = probe_reseed;
    d.fini = probe_fini;
    d.teardown = probe_teardown;
    return d;
}

static pg_bench_registry *probe_registry(void)
{
    pg_bench_registry *reg = pg_bench_registry_create();
    assert_non_null(reg);
    pg_bench_def d = probe_def();
    pg_error err = { 0 };
    assert_int_equal(pg_bench_register(reg, &d, &err), 0);
    return reg;
}

/* ---- registration ---- */

static void expect_register_error(pg_bench_def d, const char *needle)
{
    pg_bench_registry *reg = pg_bench_registry_create();
    pg_error err = { 0 };
    assert_int_equal(pg_bench_register(reg, &d, &err), PG_EINVAL);
    if (!strstr(err.message, needle))
        fail_msg("message '%s' lacks '%s'", err.message, needle);
    assert_int_equal(pg_bench_count(reg), 0);
    pg_bench_registry_destroy(reg);
}

static void test_register_rules(void **state)
{
    (void)state;
    pg_bench_def d = probe_def();
    d.suite = "Bad Suite";
    expect_register_error(d, "bad name part");
    d = probe_def();
    d.kernel = "a/b";
    expect_register_error(d, "bad name part");
    d = probe_def();
    d.run = NULL;
    expect_register_error(d, "no run callback");
    d = probe_def();
    d.reseed = NULL;
    expect_register_error(d, "needs a reseed");
    d = probe_def();
    d.profiles = 0;
    expect_register_error(d, "profiles");
    d = probe_def();
    d.n_sizes = 0;
    expect_register_error(d, "sizes");
    static const size_t zero[] = { 8, 0 };
    d = probe_def();
    d.sizes = zero;
    expect_register_error(d, "size 0");

    /* A cold-less family needs no reseed. */
    pg_bench_registry *reg = pg_bench_registry_create();
    pg_error err = { 0 };
    d = probe_def();
    d.reseed = NULL;
    d.profiles = PG_PROFILE_HOT | PG_PROFILE_FIRST;
    assert_int_equal(pg_bench_register(reg, &d, &err), 0);
    assert_int_equal(pg_bench_count(reg), 4);
    /* The same names again: refused, and nothing half-added. */
    assert_int_equal(pg_bench_register(reg, &d, &err), PG_EINVAL);
    assert_non_null(strstr(err.message, "already registered"));
    assert_int_equal(pg_bench_count(reg), 4);
    pg_bench_registry_destroy(reg);
    pg_bench_registry_destroy(NULL); /* NULL is a no-op */
}

static void test_names(void **state)
{
    (void)state;
    pg_bench_registry *reg = probe_registry();
    assert_int_equal(pg_bench_count(reg), 6); /* 2 sizes x 3 profiles */
    const char *want[] = { "t/probe/hot/cpu/64",  "t/probe/cold/cpu/64",  "t/probe/first/cpu/64",
                           "t/probe/hot/cpu/256", "t/probe/cold/cpu/256", "t/probe/first/cpu/256" };
    for (size_t i = 0; i < 6; i++) {
        pg_bench_info info;
        assert_int_equal(pg_bench_get(reg, i, &info), 0);
        assert_string_equal(info.name, want[i]);
        assert_string_equal(info.suite, "t");
        assert_string_equal(info.kernel, "probe");
        assert_string_equal(info.device, "cpu");
        char rebuilt[160];
        snprintf(rebuilt, sizeof(rebuilt), "%s/%s/%s/%s/%zu", info.suite, info.kernel,
                 pg_bench_profile_name(info.profile), info.device, info.n);
        assert_string_equal(rebuilt, info.name);
    }
    pg_bench_info info;
    assert_int_equal(pg_bench_get(reg, 6, &info), PG_EINVAL);
    assert_null(pg_bench_profile_name(3));
    pg_bench_registry_destroy(reg);
}

/* ---- flags ---- */

static int parse(pg_bench_options *o, pg_error *err, int *argc, char **argv)
{
    pg_bench_options_default(o);
    memset(err, 0, sizeof(*err));
    return pg_bench_parse_args(o, argc, argv, err);
}

static void test_parse_args(void **state)
{
    (void)state;
    pg_bench_options o;
    pg_error err;
    char *argv[] = { "tpbench",
                     "--seed=9",
                     "--suite",
                     "a,b",
                     "--profile=hot,cold",
                     "--size=10,20",
                     "--counters=software",
                     "--benchmark_min_time=0.01",
                     "--first-children=3",
                     "--out=r.json",
                     "--list",
                     NULL };
    int argc = 11;
    assert_int_equal(parse(&o, &err, &argc, argv), 0);
    assert_true(o.seed == 9);
    assert_string_equal(o.suites, "a,b");
    assert_int_equal(o.profiles, PG_PROFILE_HOT | PG_PROFILE_COLD);
    assert_int_equal(o.n_sizes, 2);
    assert_int_equal(o.sizes[1], 20);
    assert_string_equal(o.counters, "software");
    assert_int_equal(o.first_children, 3);
    assert_string_equal(o.out_path, "r.json");
    assert_true(o.out_json && o.min_time_given && o.list);
    /* Google Benchmark's flags stay for it. */
    assert_int_equal(argc, 2);
    assert_string_equal(argv[1], "--benchmark_min_time=0.01");

    pg_bench_options_default(&o);
    assert_true(o.seed == 7 && o.profiles == PG_PROFILE_ALL && o.first_children == 10);

    struct {
        const char *arg, *needle;
    } bad[] = {
        { "--nope", "unknown option '--nope': expected --seed=N, --suite=LIST" },
        { "--profile=warm", "unknown profile 'warm': expected hot, cold, first or all" },
        { "--seed=-1", "bad --seed '-1'" },
        { "--seed=x", "bad --seed 'x'" },
        { "--size=0", "bad size '0'" },
        { "--size=12,abc", "bad size 'abc'" },
        { "--first-children=0", "bad --first-children '0'" },
        { "stray", "unexpected argument 'stray'" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *av[] = { "tpbench", (char *)bad[i].arg, NULL };
        int ac = 2;
        assert_int_equal(parse(&o, &err, &ac, av), PG_EINVAL);
        if (!strstr(err.message, bad[i].needle))
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].arg, err.message, bad[i].needle);
    }
}

static void test_select(void **state)
{
    (void)state;
    pg_bench_registry *reg = probe_registry();
    pg_error err = { 0 };
    assert_int_equal(pg_bench_register_harness_suite(reg, &err), 0);
    pg_bench_options o;
    pg_bench_options_default(&o);
    assert_int_equal(pg_bench_select(reg, &o, &err), 8);

    snprintf(o.suites, sizeof(o.suites), "t,nosuch");
    assert_int_equal(pg_bench_select(reg, &o, &err), PG_EINVAL);
    assert_string_equal(err.message, "unknown suite 'nosuch': expected one of t, harness");

    pg_error_clear(&err);
    snprintf(o.suites, sizeof(o.suites), "t");
    o.profiles = PG_PROFILE_COLD | PG_PROFILE_FIRST;
    o.sizes[0] = 256;
    o.n_sizes = 1;
    assert_int_equal(pg_bench_select(reg, &o, &err), 2);
    pg_bench_info info;
    pg_bench_get(reg, 4, &info);
    assert_string_equal(info.name, "t/probe/cold/cpu/256");
    assert_true(info.selected);
    pg_bench_get(reg, 3, &info);
    assert_false(info.selected);

    o.sizes[0] = 999;
    assert_int_equal(pg_bench_select(reg, &o, &err), PG_EINVAL);
    assert_non_null(strstr(err.message, "no benchmark matches"));
    pg_bench_registry_destroy(reg);
}

/* ---- a real run ---- */

static json_t *find_bench(json_t *benchmarks, const char *name, const char *run_type)
{
    size_t i;
    json_t *b;
    json_array_foreach(benchmarks, i, b)
    {
        if (strcmp(json_string_value(json_object_get(b, "name")), name) == 0 &&
            strcmp(json_string_value(json_object_get(b, "run_type")), run_type) == 0)
            return b;
    }
    return NULL;
}

/* The program's CUDA probe reaches the context block: a CPU fallback on a
 * machine with a device node (CUDA_VISIBLE_DEVICES=) must not say
 * "available". */
static void test_context_cuda_probe(void **state)
{
    (void)state;
    char out[] = "/tmp/pg_test_harness_XXXXXX", outflag[64];
    pgt_results_file(out, outflag, sizeof outflag);
    pg_bench_registry *reg = probe_registry();
    pg_bench_options o;
    pg_error err = { 0 };
    char *argv[] = { "test_harness", "--size=64", "--profile=hot", "--benchmark_min_time=0.001",
                     outflag,        NULL };
    int argc = 5;
    assert_int_equal(parse(&o, &err, &argc, argv), 0);
    o.cuda_probed = 1;
    o.cuda_available = 0;
    snprintf(o.cuda_status, sizeof o.cuda_status, "no CUDA device: test says so");
    assert_int_equal(pg_bench_select(reg, &o, &err), 1);
    int rc = pg_bench_run(reg, &o, argc, argv, &err);
    if (rc)
        fail_msg("pg_bench_run: %s", err.message);
    json_error_t jerr;
    json_t *root = json_load_file(out, 0, &jerr);
    if (!root)
        fail_msg("results JSON: %s at %d:%d", jerr.text, jerr.line, jerr.column);
    json_t *cuda = json_object_get(json_object_get(root, "perfgate"), "cuda");
    assert_non_null(cuda);
    assert_true(json_is_false(json_object_get(cuda, "available")));
    assert_string_equal(json_string_value(json_object_get(cuda, "status")),
                        "no CUDA device: test says so");
    assert_null(json_object_get(cuda, "device"));
    json_decref(root);
    unlink(out);
    pg_bench_registry_destroy(reg);
}

static void test_run_through_google_benchmark(void **state)
{
    (void)state;
    char out[] = "/tmp/pg_test_harness_XXXXXX", outflag[64];
    pgt_results_file(out, outflag, sizeof outflag);

    pg_bench_registry *reg = probe_registry();
    pg_bench_options o;
    pg_error err = { 0 };
    char *argv[] = { "test_harness", "--seed=11", "--size=64", "--first-children=3",
                     "--counters=software,instructions,nosuch::EVENT", "--benchmark_min_time=0.002",
                     "--benchmark_repetitions=3",
                     /* back to back, so one run serves every call below;
                      * interleaved (the default) sets up per repetition */
                     "--benchmark_enable_random_interleaving=false", NULL, NULL };
    argv[8] = outflag;
    int argc = 9;
    assert_int_equal(parse(&o, &err, &argc, argv), 0);
    assert_int_equal(pg_bench_select(reg, &o, &err), 3);
    memset(&calls, 0, sizeof(calls));
    int rc = pg_bench_run(reg, &o, argc, argv, &err);
    if (rc)
        fail_msg("pg_bench_run: %s", err.message);

    /* Life cycle in this process (first ran in children): hot and cold each
     * set up, init, fini and tear down once per benchmark, however many
     * times Google Benchmark calls it (iteration-count search, then three
     * repetitions): the run is kept between calls of the same benchmark. */
    assert_int_equal(calls.setup, 2);
    assert_int_equal(calls.setup, calls.teardown);
    assert_int_equal(calls.init, calls.fini);
    assert_int_equal(calls.init, calls.setup);
    assert_true(calls.run > calls.setup);
    /* Cold: a fresh stream before every iteration, never the recorded one. */
    assert_true(calls.reseed > 0);
    for (size_t i = 0; i < calls.nseeds; i++) {
        assert_true(calls.seeds[i] != 11);
        for (size_t j = 0; j < i; j++)
            assert_true(calls.seeds[i] != calls.seeds[j]);
    }

    json_error_t jerr;
    json_t *root = json_load_file(out, 0, &jerr);
    if (!root)
        fail_msg("results JSON: %s at %d:%d", jerr.text, jerr.line, jerr.column);
    json_t *benchmarks = json_object_get(root, "benchmarks");
    assert_non_null(json_object_get(root, "context"));
    /* Every profile present, named without Google Benchmark's suffixes. */
    json_t *hot = find_bench(benchmarks, "t/probe/hot/cpu/64", "iteration");
    json_t *cold = find_bench(benchmarks, "t/probe/cold/cpu/64", "iteration");
    json_t *first = find_bench(benchmarks, "t/probe/first/cpu/64", "iteration");
    assert_non_null(hot);
    assert_non_null(cold);
    assert_non_null(first);
    assert_string_equal(json_string_value(json_object_get(cold, "run_name")),
                        "t/probe/cold/cpu/64");
    assert_int_equal(json_integer_value(json_object_get(first, "repetitions")), 3);
    assert_int_equal(json_integer_value(json_object_get(first, "iterations")), 1);
    assert_non_null(find_bench(benchmarks, "t/probe/first/cpu/64_median", "aggregate"));
    assert_true(json_real_value(json_object_get(first, "page_faults")) >= 0);
    assert_true(json_number_value(json_object_get(hot, "items_per_second")) > 0);
    assert_true(json_number_value(json_object_get(cold, "real_time")) > 0);

    /* The perfgate block. */
    json_t *pg = json_object_get(root, "perfgate");
    assert_non_null(pg);
    const char *keys[] = {
        "schema_version", "perfgate_version", "timestamp",      "seed",          "generator",
        "profiles",       "suites",           "first_children", "cold_eviction", "git_commit",
        "build_type",     "compiler",         "host",           "papi",          "cuda",
        "counters",       "benchmarks"
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!json_object_get(pg, keys[i]))
            fail_msg("perfgate block lacks '%s'", keys[i]);
    assert_int_equal(json_integer_value(json_object_get(pg, "seed")), 11);
    json_t *host = json_object_get(pg, "host");
    const char *hkeys[] = { "cpu_model", "cores", "governor", "kernel" };
    for (size_t i = 0; i < 4; i++)
        assert_non_null(json_object_get(host, hkeys[i]));
    assert_non_null(json_object_get(json_object_get(pg, "papi"), "available"));
    assert_non_null(json_object_get(json_object_get(pg, "cuda"), "available"));

    /* Input digests: FNV-1a 64 of the seed-11 input, the same for every
     * profile (first's comes from its child). */
    probe p = { 64, malloc(64 * sizeof(double)), NULL };
    fill(&p, 11);
    char hex[17], want[32];
    pg_digest_hex(pg_fnv1a64(p.in, 64 * sizeof(double), PG_FNV1A64_INIT), hex);
    snprintf(want, sizeof(want), "fnv1a64:%s", hex);
    free(p.in);
    json_t *pb = json_object_get(pg, "benchmarks");
    const char *names[] = { "t/probe/hot/cpu/64", "t/probe/cold/cpu/64", "t/probe/first/cpu/64" };
    for (size_t i = 0; i < 3; i++) {
        json_t *b = json_object_get(pb, names[i]);
        assert_non_null(b);
        assert_string_equal(json_string_value(json_object_get(b, "input_digest")), want);
        assert_int_equal(json_integer_value(json_object_get(b, "n")), 64);
        assert_true(json_number_value(json_object_get(b, "peak_rss_bytes")) > 0);
    }

    /* Counters: an event nobody can read is unavailable with a reason and
     * the benchmark still ran; an available one shows up as a counter per
     * iteration and per item, an unavailable one does not. */
    json_t *events = json_object_get(json_object_get(pg, "counters"), "events");
    const char *nosuch = json_string_value(json_object_get(events, "nosuch::EVENT"));
    assert_non_null(nosuch);
    assert_true(strncmp(nosuch, "unavailable: ", 13) == 0);
    const char *ev;
    json_t *status;
    json_object_foreach(events, ev, status)
    {
        int ok = strncmp(json_string_value(status), "available", 9) == 0;
        char per_item[96];
        snprintf(per_item, sizeof(per_item), "%s_per_item", ev);
        assert_int_equal(json_object_get(hot, ev) != NULL, ok);
        assert_int_equal(json_object_get(hot, per_item) != NULL, ok);
        const char *short_status = json_string_value(
            json_object_get(json_object_get(json_object_get(pb, names[0]), "counters"), ev));
        assert_non_null(short_status);
        assert_true(ok ? strcmp(short_status, "available") == 0
                       : strncmp(short_status, "unavailable: ", 13) == 0);
    }
    json_decref(root);
    unlink(out);
    pg_bench_registry_destroy(reg);
}

int main(int argc, char **argv)
{
    /* Started again by the `first` profile: be the child and nothing else. */
    int child = pgt_bench_child_main(argc, argv, probe_registry);
    if (child >= 0)
        return child;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_rules),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_parse_args),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_run_through_google_benchmark),
        cmocka_unit_test(test_context_cuda_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
