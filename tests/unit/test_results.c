/*
 * test_results.c - loading Google Benchmark JSON (gate/results.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pg_gate.h"

static pg_results *load(const char *text, pg_error *err)
{
    pg_error_clear(err);
    return pg_results_load_buffer(text, strlen(text), "mem.json", err);
}

static void test_repetitions_and_aggregates(void **state)
{
    (void)state;
    /* Two repetitions in microseconds plus Google Benchmark's aggregate
     * rows, which must be ignored when repetitions exist. */
    const char *text = "{\"context\": {\"host_name\": \"box\"}, \"benchmarks\": [\n"
                       " {\"name\": \"BM_a/64/repeats:2\", \"run_name\": \"BM_a/64/repeats:2\", "
                       "\"run_type\": \"iteration\",\n"
                       "  \"repetition_index\": 0, \"real_time\": 1.5, \"cpu_time\": 1.25, "
                       "\"time_unit\": \"us\",\n"
                       "  \"items_per_second\": 5.12e7, \"cache_misses\": 3},\n"
                       " {\"name\": \"BM_a/64/repeats:2\", \"run_name\": \"BM_a/64/repeats:2\", "
                       "\"run_type\": \"iteration\",\n"
                       "  \"repetition_index\": 1, \"real_time\": 2.5, \"cpu_time\": 1.25, "
                       "\"time_unit\": \"us\",\n"
                       "  \"items_per_second\": 5.12e7},\n"
                       " {\"name\": \"BM_a/64/repeats:2_mean\", \"run_name\": "
                       "\"BM_a/64/repeats:2\", \"run_type\": \"aggregate\",\n"
                       "  \"aggregate_name\": \"mean\", \"real_time\": 99, \"cpu_time\": 99, "
                       "\"time_unit\": \"us\"}\n"
                       "]}";
    pg_error err;
    pg_results *run = load(text, &err);
    assert_non_null(run);
    assert_int_equal(pg_results_count(run), 1);
    const pg_result *b = pg_results_find(run, "BM_a/64"); /* "/repeats:2" stripped */
    assert_non_null(b);
    assert_int_equal(b->n, 2);
    assert_true(b->real_ns[0] == 1500.0 && b->real_ns[1] == 2500.0);
    assert_true(b->cpu_ns[1] == 1250.0);
    assert_false(b->from_aggregate);
    /* items per iteration = 5.12e7 items/s * 1.25e-6 s = 64 */
    assert_true(b->elements == 64.0);
    assert_string_equal(b->elements_from, "items_per_second");
    const double *cm = pg_result_counter(b, "cache_misses");
    assert_non_null(cm);
    assert_true(cm[0] == 3.0 && isnan(cm[1])); /* absent in the second row */
    assert_null(pg_result_counter(b, "real_time"));
    assert_string_equal(pg_results_context(run, "host_name"), "box");
    pg_results_destroy(run);
}

static void test_aggregates_only(void **state)
{
    (void)state;
    const char *text = "{\"benchmarks\": [\n"
                       " {\"name\": \"x/8_mean\", \"run_name\": \"x/8\", \"run_type\": "
                       "\"aggregate\", \"aggregate_name\": \"mean\",\n"
                       "  \"real_time\": 10, \"cpu_time\": 9, \"time_unit\": \"ms\"},\n"
                       " {\"name\": \"x/8_median\", \"run_name\": \"x/8\", \"run_type\": "
                       "\"aggregate\", \"aggregate_name\": \"median\",\n"
                       "  \"real_time\": 8, \"cpu_time\": 7, \"time_unit\": \"ms\"},\n"
                       " {\"name\": \"x/8_cv\", \"run_name\": \"x/8\", \"run_type\": "
                       "\"aggregate\", \"aggregate_name\": \"cv\",\n"
                       "  \"aggregate_unit\": \"percentage\", \"real_time\": 0.1, \"cpu_time\": "
                       "0.1, \"time_unit\": \"ms\"}\n"
                       "]}";
    pg_error err;
    pg_results *run = load(text, &err);
    assert_non_null(run);
    const pg_result *b = pg_results_find(run, "x/8");
    assert_non_null(b);
    assert_int_equal(b->n, 1);
    assert_true(b->from_aggregate);
    assert_true(b->real_ns[0] == 8e6); /* the median, not the mean */
    assert_true(b->elements == 8.0);   /* from the name */
    assert_string_equal(b->elements_from, "name");
    pg_results_destroy(run);
}

/* ->Complexity() rows: kept under their own names, coefficients in ns, no
 * samples; a fit row without its figures is an error at its position. */
static void test_complexity_rows(void **state)
{
    (void)state;
    const char *text =
        "{\"benchmarks\": [\n"
        " {\"name\": \"BM_S/8\", \"run_name\": \"BM_S/8\", \"run_type\": \"iteration\",\n"
        "  \"real_time\": 10, \"cpu_time\": 9, \"time_unit\": \"ns\"},\n"
        " {\"name\": \"BM_S_BigO\", \"run_name\": \"BM_S\", \"run_type\": \"aggregate\",\n"
        "  \"aggregate_name\": \"BigO\", \"aggregate_unit\": \"time\", \"cpu_coefficient\": 0.5,\n"
        "  \"real_coefficient\": 1.5, \"big_o\": \"NlgN\", \"time_unit\": \"us\"},\n"
        " {\"name\": \"BM_S_RMS\", \"run_name\": \"BM_S\", \"run_type\": \"aggregate\",\n"
        "  \"aggregate_name\": \"RMS\", \"aggregate_unit\": \"percentage\", \"rms\": 0.02}\n"
        "]}";
    pg_error err;
    pg_results *run = load(text, &err);
    assert_non_null(run);
    assert_int_equal(pg_results_count(run), 3);
    const pg_result *s = pg_results_find(run, "BM_S/8"), *o = pg_results_find(run, "BM_S_BigO");
    const pg_result *rms = pg_results_find(run, "BM_S_RMS");
    assert_non_null(s);
    assert_non_null(o);
    assert_non_null(rms);
    assert_null(pg_results_find(run, "BM_S"));
    assert_int_equal(s->complexity, PG_CX_NONE);
    assert_int_equal(o->complexity, PG_CX_BIGO);
    assert_int_equal(o->n, 0);
    assert_string_equal(o->big_o, "NlgN");
    double v = 0;
    assert_true(pg_result_complexity_figure(o, "real_coefficient", &v) && v == 1500.0);
    assert_true(pg_result_complexity_figure(o, "cpu_coefficient", &v) && v == 500.0);
    assert_false(pg_result_complexity_figure(o, "rms", &v));
    assert_int_equal(rms->complexity, PG_CX_RMS);
    assert_true(pg_result_complexity_figure(rms, "rms", &v) && v == 0.02);
    assert_false(pg_result_complexity_figure(s, "rms", &v));
    pg_results_destroy(run);

    const char *bad =
        "{\"benchmarks\": [\n"
        " {\"name\": \"BM_S_BigO\", \"run_type\": \"aggregate\", \"aggregate_name\": \"BigO\",\n"
        "  \"real_coefficient\": 1.5, \"cpu_coefficient\": \"fast\"}\n"
        "]}";
    assert_null(load(bad, &err));
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.pointer, "cpu_coefficient"));
}

/* The one benchmark-name parser, and the profile read from a name. */
static void test_bench_names(void **state)
{
    (void)state;
    pg_name n;
    assert_true(pg_name_parse("indicators/sma/cold/cpu/4096", &n));
    assert_string_equal(n.suite, "indicators");
    assert_string_equal(n.kernel, "sma");
    assert_string_equal(n.profile, "cold");
    assert_string_equal(n.device, "cpu");
    assert_true(n.n == 4096);
    const char *bad[] = { "indicators/sma/cold/cpu",
                          "indicators/sma/warm/cpu/4096",
                          "indicators//cold/cpu/4096",
                          "indicators/sma/cold/cpu/0",
                          "indicators/sma/cold/cpu/40x",
                          "a/b/hot/cpu/1/2",
                          "BM_Sum/4096",
                          "",
                          "a/b/hot/cpu/99999999999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(pg_name_parse(bad[i], &n));
    pg_result r = { 0 };
    r.name = "x/cold";
    assert_string_equal(pg_result_profile(&r), "cold");
    r.name = "hot/x";
    assert_string_equal(pg_result_profile(&r), "hot");
    r.name = "BM_hotter/4096";
    assert_null(pg_result_profile(&r));
    r.profile = "first"; /* the perfgate block wins */
    assert_string_equal(pg_result_profile(&r), "first");
}

static void test_perfgate_object(void **state)
{
    (void)state;
    const char *text =
        "{\"benchmarks\": [{\"name\": \"k/hot/cpu/100\", \"real_time\": 5, \"cpu_time\": 5}],\n"
        " \"perfgate\": {\"context\": {\"seed\": \"7\"},\n"
        "   \"benchmarks\": {\"k/hot/cpu/100\": {\"elements\": 250, \"input_digest\": \"ab\"}},\n"
        "   \"counters\": {\"instructions\": {\"available\": false, \"reason\": \"no PMU in this "
        "VM\"}}}}";
    pg_error err;
    pg_results *run = load(text, &err);
    assert_non_null(run);
    const pg_result *b = pg_results_find(run, "k/hot/cpu/100");
    assert_true(b->elements == 250.0);
    assert_string_equal(b->elements_from, "perfgate");
    assert_true(b->real_ns[0] == 5.0); /* no time_unit: ns */
    assert_string_equal(pg_results_context(run, "seed"), "7");
    assert_string_equal(pg_results_unavailable_reason(run, "instructions"), "no PMU in this VM");
    assert_null(pg_results_unavailable_reason(run, "cycles"));
    pg_results_destroy(run);
}

static void test_errors_and_escapes(void **state)
{
    (void)state;
    const char *text =
        "{\"benchmarks\": [\n"
        " {\"name\": \"bad\", \"error_occurred\": true, \"error_message\": \"no GPU\"},\n"
        " {\"name\": \"esc\\u00e9\\/\\\"q\\\"\", \"real_time\": 1, \"cpu_time\": 1}\n"
        "]}";
    pg_error err;
    pg_results *run = load(text, &err);
    assert_non_null(run);
    assert_int_equal(pg_results_count(run), 2);
    const pg_result *b = pg_results_find(run, "bad");
    assert_int_equal(b->n, 0);
    assert_string_equal(b->error, "no GPU");
    assert_non_null(pg_results_find(run, "esc\xc3\xa9/\"q\""));
    pg_results_destroy(run);
}

static void test_positions(void **state)
{
    (void)state;
    pg_error err;
    /* a string where a time belongs: line 3, column 44 */
    const char *text = "{\"benchmarks\": [\n"
                       " {\"name\": \"a\", \"real_time\": 1, \"cpu_time\": 1},\n"
                       " {\"name\": \"a\", \"real_time\": 1, \"cpu_time\": \"slow\"}\n"
                       "]}";
    assert_null(load(text, &err));
    assert_int_equal(err.code, PG_ETYPE);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 44);
    assert_string_equal(err.pointer, "/benchmarks/1/cpu_time");
    assert_string_equal(err.message, "expected a number, found a string");
    /* truncated */
    assert_null(load("{\"benchmarks\": [{\"name\": \"a\", \"real", &err));
    assert_int_equal(err.code, PG_EPARSE);
    assert_int_equal(err.line, 1);
    assert_string_equal(err.file, "mem.json");
    /* RFC 6901 escaping of '/' and '~' in member names */
    assert_null(load("{\"benchmarks\": [], \"perfgate\": {\"benchmarks\": {\"a/b~c\": 3}}}", &err));
    assert_string_equal(err.pointer, "/perfgate/benchmarks/a~1b~0c");
    /* hostile nesting is refused, not recursed into */
    char deep[4096];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "{\"context\": ");
    for (int i = 0; i < 1000; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    assert_null(load(deep, &err));
    assert_int_equal(err.code, PG_ELIMIT);
    /* NUL inside a string */
    pg_error_clear(&err);
    assert_null(
        pg_results_load_buffer("{\"benchmarks\": [{\"name\": \"a\0b\"}]}", 33, "nul", &err));
    assert_int_equal(err.code, PG_EPARSE);
}

static void test_numbers(void **state)
{
    (void)state;
    /* the fast path and strtod agree */
    const char *text =
        "{\"benchmarks\": [{\"name\": \"n\", \"real_time\": 2.0568260988697216e+03,\n"
        " \"cpu_time\": 0.000123456789012345678901, \"time_unit\": \"s\"}]}";
    pg_error err;
    pg_results *run = load(text, &err);
    assert_non_null(run);
    const pg_result *b = pg_results_get(run, 0);
    assert_true(fabs(b->real_ns[0] / 2.0568260988697216e+12 - 1.0) < 1e-15);
    assert_true(fabs(b->cpu_ns[0] / 123456.789012345678901 - 1.0) < 1e-15);
    pg_results_destroy(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repetitions_and_aggregates),
        cmocka_unit_test(test_aggregates_only),
        cmocka_unit_test(test_complexity_rows),
        cmocka_unit_test(test_bench_names),
        cmocka_unit_test(test_perfgate_object),
        cmocka_unit_test(test_errors_and_escapes),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
