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
          "{\"items_per_iteration\":4096}}}}", f);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callgrind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
