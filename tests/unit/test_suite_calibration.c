/* test_suite_calibration.c - bench/suite_calibration.c registers what
 * budgets are stated against, and its process calibration (what a fresh
 * process pays: start /bin/true, touch n MiB of fresh memory) runs as a
 * `first` benchmark whose children are this test binary started again,
 * reporting sane values: items = pages touched, wall and CPU time of the
 * timed part, CPU no more than wall, page faults seen. */
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
#include "suites.h"

static pg_bench_registry *calibration_registry(void)
{
    pg_error err = { 0 };
    pg_bench_registry *reg = pg_bench_registry_create();
    if (reg && suite_calibration_register(reg, &err) != 0) {
        pg_bench_registry_destroy(reg);
        return NULL;
    }
    return reg;
}

static void test_names(void **state)
{
    (void)state;
    pg_bench_registry *reg = calibration_registry();
    assert_non_null(reg);
    const char *want[] = {
        "calibration/stream/hot/cpu/4194304",    "calibration/stream_1r3w/hot/cpu/1048576",
        "calibration/fma_chain/hot/cpu/1048576", "calibration/muladd_chain/hot/cpu/1048576",
        "calibration/fft/hot/cpu/65536",         "calibration/process/first/cpu/4",
        "calibration/process/first/cpu/64"
    };
    size_t nwant = sizeof want / sizeof want[0];
    assert_int_equal(pg_bench_count(reg), nwant);
    for (size_t i = 0; i < nwant; i++) {
        pg_bench_info info;
        assert_int_equal(pg_bench_get(reg, i, &info), 0);
        assert_string_equal(info.name, want[i]);
    }
    pg_bench_registry_destroy(reg);
}

static void test_process_first(void **state)
{
    (void)state;
    pg_bench_registry *reg = calibration_registry();
    assert_non_null(reg);
    char out[] = "/tmp/pg_test_calibration_XXXXXX", outflag[64];
    pgt_results_file(out, outflag, sizeof outflag);
    char *argv[] = { "test", "--profile=first", "--size=4", "--first-children=3", outflag, NULL };
    int argc = 5;
    pg_bench_options o;
    pg_error err = { 0 };
    pg_bench_options_default(&o);
    assert_int_equal(pg_bench_parse_args(&o, &argc, argv, &err), 0);
    assert_int_equal(pg_bench_select(reg, &o, &err), 1);
    if (pg_bench_run(reg, &o, argc, argv, &err) != 0)
        fail_msg("pg_bench_run: %s", err.message);
    json_error_t jerr;
    json_t *root = json_load_file(out, 0, &jerr);
    assert_non_null(root);

    const char *name = "calibration/process/first/cpu/4";
    double pages = (double)(4u << 20) / (double)sysconf(_SC_PAGESIZE);
    json_t *pb =
        json_object_get(json_object_get(json_object_get(root, "perfgate"), "benchmarks"), name);
    assert_non_null(pb);
    assert_true(json_number_value(json_object_get(pb, "items_per_iteration")) == pages);
    assert_true(json_number_value(json_object_get(pb, "bytes_per_iteration")) == 4u << 20);

    size_t i, samples = 0;
    json_t *b;
    json_array_foreach(json_object_get(root, "benchmarks"), i, b)
    {
        if (strcmp(json_string_value(json_object_get(b, "name")), name) != 0)
            continue;
        assert_null(json_object_get(b, "error_occurred"));
        double real = json_number_value(json_object_get(b, "real_time"));
        double cpu = json_number_value(json_object_get(b, "cpu_time"));
        double faults = json_number_value(json_object_get(b, "page_faults"));
        /* ns: a process start and 4 MiB of faults take tens of us to some
         * ms; CPU no more than wall (one thread at a time: the child, then
         * /bin/true while the child waits), beyond the rusage rounding. */
        if (!(real > 10e3 && real < 2e9 && cpu > 10e3 && cpu <= 1.02 * real + 20e3 && faults > 0))
            fail_msg("%s: real %g ns, cpu %g ns, %g page faults", name, real, cpu, faults);
        samples++;
    }
    assert_int_equal(samples, 3);
    json_decref(root);
    unlink(out);
    pg_bench_registry_destroy(reg);
}

int main(int argc, char **argv)
{
    /* Started again by the `first` profile: be the child and nothing else. */
    int child = pgt_bench_child_main(argc, argv, calibration_registry);
    if (child >= 0)
        return child;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_process_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
