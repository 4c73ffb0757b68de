/*
 * test_callgrind.c - the callgrind readers (gate/callgrind.c) on a dump
 * written by hand: per-benchmark counts, per-function costs, and a
 * results file rewritten with the counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_callgrind.h"
#include "pg_gate.h"

#define CLOSE(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static const char dump[] =
    "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 1\npart: 1\n\n"
    "desc: Trigger: Client Request: perfgate:indicators/sma/hot/cpu/4096\n\n"
    "positions: line\nevents: Ir\nsummary: 1500\n\n"
    "ob=(1) /x/tpbench\nfl=(1) ???\nfn=(1) outer\n0 100\ncfn=(2) inner\ncalls=4 0\n0 1400\n"
    "fn=(2)\n0 1000\n+2 400\ntotals: 99999\n";

static void test_callgrind(void **state)
{
    (void)state;
    char dir[] = "/tmp/pg_test_callgrind.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], other[256], prefix[256];
    snprintf(prefix, sizeof prefix, "%s/cg", dir);
    snprintf(path, sizeof path, "%s/cg.1", dir);
    snprintf(other, sizeof other, "%s/cg", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(dump, f);
    fclose(f);
    /* the final dump (program termination) is not a benchmark's */
    f = fopen(other, "w");
    assert_non_null(f);
    fputs("events: Ir\ndesc: Trigger: Program termination\nsummary: 5\n", f);
    fclose(f);
    pg_cg_count *c = NULL;
    size_t n = 0;
    pg_error err;
    pg_error_clear(&err);
    assert_int_equal(pg_callgrind_read_dumps(prefix, &c, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].name, "indicators/sma/hot/cpu/4096");
    CLOSE(c[0].ir, 1500, 0); /* summary, not the (cumulative) totals */
    assert_true(isnan(c[0].d1mr));
    free(c);

    pg_cg_fn *fns = NULL;
    double total = 0;
    assert_int_equal(pg_callgrind_functions(path, &fns, &n, &total, &err), 0);
    CLOSE(total, 1500, 0);
    assert_int_equal(n, 2);
    assert_string_equal(fns[0].name, "inner"); /* largest self cost first */
    CLOSE(fns[0].ir, 1400, 0);
    assert_string_equal(fns[1].name, "outer");
    CLOSE(fns[1].ir, 100, 0);
    CLOSE(fns[1].incl, 1500, 0);
    free(fns);

    /* a results file gains the counts, as identical repetitions */
    char res[256];
    snprintf(res, sizeof res, "%s/r.json", dir);
    f = fopen(res, "w");
    assert_non_null(f);
    fputs("{\"context\":{},\"benchmarks\":[{\"name\":\"indicators/sma/hot/cpu/4096\","
          "\"run_name\":\"indicators/sma/hot/cpu/4096\",\"run_type\":\"iteration\","
          "\"repetitions\":1,\"repetition_index\":0,\"iterations\":9,\"real_time\":5,"
          "\"cpu_time\":5,\"time_unit\":\"us\"},{\"name\":\"other\",\"run_name\":\"other\","
          "\"run_type\":\"iteration\",\"iterations\":1,\"real_time\":1,\"cpu_time\":1,"
          "\"time_unit\":\"ns\"}],\"perfgate\":{\"benchmarks\":{\"indicators/sma/hot/cpu/4096\":"
          "{\"items_per_iteration\":4096}}}}",
          f);
    fclose(f);
    pg_cg_count one = { "indicators/sma/hot/cpu/4096", 4096.0 * 3, NAN, NAN, NAN, NAN, NAN, NAN };
    assert_int_equal(pg_callgrind_rewrite_results(res, &one, 1, 4, &err), 0);
    pg_results *run = pg_results_load(res, &err);
    assert_non_null(run);
    assert_int_equal(pg_results_count(run), 1); /* "other" has no count: left out */
    const pg_result *b = pg_results_get(run, 0);
    assert_int_equal(b->n, 4);
    CLOSE(b->real_ns[3], 4096.0 * 3, 0);
    const double *per = pg_result_counter(b, "instructions_per_item");
    assert_non_null(per);
    CLOSE(per[0], 3.0, 1e-12);
    pg_results_destroy(run);
    unlink(res);
    unlink(path);
    unlink(other);
    rmdir(dir);
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A Google Benchmark loop's dump: the trigger, then the cost. */
static void gb_dump(const char *dir, int seq, double ir)
{
    char name[32], text[512];
    snprintf(name, sizeof name, "cg.%d", seq);
    snprintf(text, sizeof text,
             "# callgrind format\nversion: 1\npart: %d\n\n"
             "desc: Trigger: --dump-before=" PG_CG_GB_STOP "\n\n"
             "positions: line\nevents: Ir\nsummary: %.0f\n\nfl=(1) ???\nfn=(1) BM_x\n0 %.0f\n",
             seq, ir, ir);
    put(dir, name, text);
}

static const char gb_results[] =
    "{\"context\":{},\"benchmarks\":["
    "{\"name\":\"BM_A/8\",\"run_name\":\"BM_A/8\",\"run_type\":\"iteration\","
    "\"repetitions\":2,\"repetition_index\":0,\"threads\":1,\"iterations\":1,"
    "\"real_time\":5,\"cpu_time\":4,\"time_unit\":\"ns\",\"items_per_second\":2e9},"
    "{\"name\":\"BM_A/8\",\"run_name\":\"BM_A/8\",\"run_type\":\"iteration\","
    "\"repetitions\":2,\"repetition_index\":1,\"threads\":1,\"iterations\":1,"
    "\"real_time\":5,\"cpu_time\":4,\"time_unit\":\"ns\",\"items_per_second\":2e9},"
    "{\"name\":\"BM_A/8_mean\",\"run_name\":\"BM_A/8\",\"run_type\":\"aggregate\","
    "\"aggregate_name\":\"mean\",\"iterations\":2,\"real_time\":5,\"cpu_time\":4,"
    "\"time_unit\":\"ns\"},"
    "{\"name\":\"BM_B\",\"run_name\":\"BM_B\",\"run_type\":\"iteration\","
    "\"repetitions\":2,\"repetition_index\":0,\"threads\":1,\"iterations\":4,"
    "\"real_time\":1,\"cpu_time\":1,\"time_unit\":\"us\"},"
    "{\"name\":\"BM_B\",\"run_name\":\"BM_B\",\"run_type\":\"iteration\","
    "\"repetitions\":2,\"repetition_index\":1,\"threads\":1,\"iterations\":4,"
    "\"real_time\":1,\"cpu_time\":1,\"time_unit\":\"us\"}]}";

/* A plain Google Benchmark program's dumps: one a run of the timed loop,
 * in file order, the last repetition counted, per iteration; the results
 * gain a perfgate block of their own. */
static void test_callgrind_gb(void **state)
{
    (void)state;
    char dir[] = "/tmp/pg_test_callgrind_gb.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char prefix[256], res[256], last[8300];
    snprintf(prefix, sizeof prefix, "%s/cg", dir);
    snprintf(res, sizeof res, "%s/r.json", dir);
    put(dir, "r.json", gb_results);
    /* the termination dump, and a harness dump, are no loop's */
    put(dir, "cg", "desc: Trigger: Program termination\nevents: Ir\nsummary: 7\n");
    assert_int_equal(pg_callgrind_gb_last_dump(prefix, last, sizeof last), -1);
    gb_dump(dir, 1, 900); /* BM_A/8, first run: pays for lazy binding */
    gb_dump(dir, 2, 40);  /* BM_A/8, last run: counted */
    gb_dump(dir, 3, 404); /* BM_B, 4 iterations a run */
    pg_cg_count *c = NULL;
    size_t n = 0;
    pg_error err;
    pg_error_clear(&err);
    /* three dumps for four runs: which is which cannot be told */
    assert_int_equal(pg_callgrind_gb_counts(prefix, res, &c, &n, &err), PG_EPARSE);
    assert_non_null(strstr(err.message, "4 runs of benchmarks but 3 callgrind dumps"));
    assert_null(c);
    gb_dump(dir, 10, 400); /* numeric order: 10 after 3 */
    pg_error_clear(&err);
    assert_int_equal(pg_callgrind_gb_counts(prefix, res, &c, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].name, "BM_A/8");
    CLOSE(c[0].ir, 40, 0);
    assert_string_equal(c[1].name, "BM_B");
    CLOSE(c[1].ir, 100, 0);
    assert_int_equal(pg_callgrind_gb_last_dump(prefix, last, sizeof last), 0);
    assert_non_null(strstr(last, "/cg.10"));

    assert_int_equal(pg_callgrind_rewrite_results(res, c, n, 3, &err), 0);
    free(c);
    pg_results *run = pg_results_load(res, &err);
    assert_non_null(run);
    assert_int_equal(pg_results_count(run), 2);
    const pg_result *a = pg_results_find(run, "BM_A/8");
    assert_non_null(a);
    assert_int_equal(a->n, 3);
    CLOSE(a->cpu_ns[2], 40, 0);
    /* items per iteration: 2e9 items/s times 4 ns of CPU = 8 */
    const double *per = pg_result_counter(a, "instructions_per_item");
    assert_non_null(per);
    CLOSE(per[0], 5.0, 1e-9);
    pg_results_destroy(run);

    /* ->Threads(2): one dump per thread, not countable apart */
    put(dir, "r.json",
        "{\"benchmarks\":[{\"name\":\"BM_T/threads:2\",\"run_type\":\"iteration\","
        "\"threads\":2,\"iterations\":1,\"real_time\":1,\"cpu_time\":1}]}");
    pg_error_clear(&err);
    assert_int_equal(pg_callgrind_gb_counts(prefix, res, &c, &n, &err), PG_EUNSUP);
    assert_non_null(strstr(err.message, "BM_T/threads:2"));
    const char *names[] = { "cg", "cg.1", "cg.2", "cg.3", "cg.10", "r.json" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callgrind),
        cmocka_unit_test(test_callgrind_gb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
