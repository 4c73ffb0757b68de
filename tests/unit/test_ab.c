/*
 * test_ab.c - the paired verdicts of `perfgate ab` (gate/ab.c), and the
 * callgrind readers, on values worked out by hand.  The paired statistics
 * are tested in test_stats.c.
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

#include "ab.h"

#define CLOSE(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void test_judge(void **state)
{
    (void)state;
    double base[12], head[12];
    pg_ab_judgement j;
    /* 10 % slower in every pair, noise 0.5 %: a regression at 5 % */
    for (int i = 0; i < 12; i++) {
        base[i] = 1000.0 * (1 + 0.3 * (i % 3));
        head[i] = base[i] * (1.10 + 0.005 * ((i * 7) % 5 - 2) / 2.0);
    }
    assert_int_equal(pg_ab_judge(base, head, 12, 0.05, 0.01, 0.05, &j), 0);
    assert_int_equal(j.state, PG_AB_FAIL);
    assert_int_equal(j.n, 12);
    assert_true(j.ratio > 1.09 && j.ratio < 1.11 && j.lo <= j.ratio && j.ratio <= j.hi);
    assert_true(j.p_slower < 0.01); /* ties: normal approximation */
    /* the same pairs, 0.2 % apart either way: pass (interval inside 5 %) */
    for (int i = 0; i < 12; i++)
        head[i] = base[i] * (1 + 0.002 * (i % 2 ? 1 : -1) * (1 + i % 3));
    assert_int_equal(pg_ab_judge(base, head, 12, 0.05, 0.01, 0.05, &j), 0);
    assert_int_equal(j.state, PG_AB_PASS);
    /* 10 % faster: improved */
    for (int i = 0; i < 12; i++)
        head[i] = base[i] * (0.90 + 0.001 * (i % 4));
    assert_int_equal(pg_ab_judge(base, head, 12, 0.05, 0.01, 0.05, &j), 0);
    assert_int_equal(j.state, PG_AB_IMPROVED);
    /* three noisy pairs cannot rule 5 % out, nor show it: inconclusive */
    double b3[] = { 100, 100, 100 }, h3[] = { 92, 101, 112 };
    assert_int_equal(pg_ab_judge(b3, h3, 3, 0.05, 0.01, 0.05, &j), 0);
    assert_int_equal(j.state, PG_AB_INCONCLUSIVE);
    /* unusable pairs are left out; none usable: missing */
    double bn[] = { NAN, -1 }, hn[] = { 1, 1 };
    assert_int_equal(pg_ab_judge(bn, hn, 2, 0.05, 0.01, 0.05, &j), 0);
    assert_int_equal(j.state, PG_AB_MISSING);
    assert_int_equal(j.n, 0);
    assert_string_equal(pg_ab_state_name(PG_AB_INCONCLUSIVE), "inconclusive");
    assert_string_equal(pg_ab_state_name(PG_AB_FAIL), "regression");
}

static void test_judge_levels(void **state)
{
    (void)state;
    /* alpha 0.05: look j spends 0.01 * 2^-j; all looks together <= 1 % */
    CLOSE(pg_ab_look_level(0.05, 1), 0.005, 1e-15);
    CLOSE(pg_ab_look_level(0.05, 2), 0.0025, 1e-15);
    double sum = 0;
    for (unsigned j = 1; j <= 40; j++)
        sum += pg_ab_look_level(0.05, j);
    assert_true(sum <= 0.01);
    pg_ab_judgement j;
    /* 7 pairs all 20 % slower: 2^-7 = 0.0078 > 0.005, too few pairs for
     * look 1 to show anything (the interval is the range): inconclusive,
     * never a regression on a coverage it does not have */
    double b7[7], h7[7];
    for (int i = 0; i < 7; i++) {
        b7[i] = 100 + i;
        h7[i] = b7[i] * (1.20 + 0.001 * i);
    }
    assert_int_equal(pg_ab_judge(b7, h7, 7, 0.05, 0.01, 0.05, &j), 0);
    assert_int_equal(j.state, PG_AB_INCONCLUSIVE);
    CLOSE(j.level, 0.005, 1e-15);
    /* 8 pairs: 2^-8 = 0.0039 <= 0.005, the interval is [W(1), W(36)] of
     * the 36 Walsh averages, lo = 1.20 > 1.025: a regression */
    double b8[8], h8[8];
    for (int i = 0; i < 8; i++) {
        b8[i] = 100 + i;
        h8[i] = b8[i] * (1.20 + 0.001 * i);
    }
    assert_int_equal(pg_ab_judge(b8, h8, 8, 0.05, 0.01, 0.05, &j), 0);
    assert_int_equal(j.state, PG_AB_FAIL);
    CLOSE(j.lo, 1.20, 1e-12);
    /* ... but not at look 2 (0.25 % needs 9 pairs) */
    assert_int_equal(pg_ab_judge_look(b8, h8, 8, 0.05, 0.01, 0.05, 2, &j), 0);
    assert_int_equal(j.state, PG_AB_INCONCLUSIVE);
    /* 20 pairs: the estimate is 6 % (beyond 5 %) but half the pairs are 2 %
     * and half 10 %: the interval's lower end (2 %) does not clear 2.5 %:
     * not a regression, and not ruled out either */
    double b[20], h[20];
    for (int i = 0; i < 20; i++) {
        b[i] = 1000;
        h[i] = 1000 * (i % 2 ? 1.02 + 0.0001 * i : 1.10 + 0.0001 * i);
    }
    assert_int_equal(pg_ab_judge(b, h, 20, 0.05, 0.01, 0.05, &j), 0);
    assert_true(j.ratio > 1.05 && j.lo < 1.025);
    assert_int_equal(j.state, PG_AB_INCONCLUSIVE);
    /* the same 20 pairs all 6 % +- 0.5 %: the interval clears 2.5 % */
    for (int i = 0; i < 20; i++)
        h[i] = 1000 * (1.06 + 0.0005 * (i % 5 - 2));
    assert_int_equal(pg_ab_judge(b, h, 20, 0.05, 0.01, 0.05, &j), 0);
    assert_int_equal(j.state, PG_AB_FAIL);
    assert_true(j.lo > 1.025 && j.lo <= j.ratio);
}

static const char dump[] =
    "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 1\npart: 1\n\n"
    "desc: Trigger: Client Request: perfgate:indicators/sma/hot/cpu/4096\n\n"
    "positions: line\nevents: Ir\nsummary: 1500\n\n"
    "ob=(1) /x/tpbench\nfl=(1) ???\nfn=(1) outer\n0 100\ncfn=(2) inner\ncalls=4 0\n0 1400\n"
    "fn=(2)\n0 1000\n+2 400\ntotals: 99999\n";

static void test_callgrind(void **state)
{
    (void)state;
    char dir[] = "/tmp/pg_test_ab.XXXXXX";
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
    pg_run *run = pg_run_load(res, &err);
    assert_non_null(run);
    assert_int_equal(pg_run_count(run), 1); /* "other" has no count: left out */
    const pg_bench *b = pg_run_bench(run, 0);
    assert_int_equal(b->n, 4);
    CLOSE(b->real_ns[3], 4096.0 * 3, 0);
    const double *per = pg_bench_counter(b, "instructions_per_item");
    assert_non_null(per);
    CLOSE(per[0], 3.0, 1e-12);
    pg_run_destroy(run);
    unlink(res);
    unlink(path);
    unlink(other);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_judge_levels),
        cmocka_unit_test(test_callgrind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
