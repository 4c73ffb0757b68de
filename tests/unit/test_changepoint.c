/*
 * test_changepoint.c - gate/changepoint.c on small series whose answer is
 * known exactly: noise-free steps (instruction counts), absent runs,
 * series too short to judge, the reference of the creep, bad arguments.
 * The statistical properties on noisy series are in
 * tests/property/test_changepoint.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "pg_changepoint.h"
#include "pg_error.h"
#include "pg_test.h"

static void noise_free_step(void **state)
{
    (void)state;
    double x[20];
    for (size_t i = 0; i < 20; i++)
        x[i] = i < 12 ? 1000 : 1100;
    pg_cp_result r;
    assert_int_equal(pg_changepoints(x, 20, NULL, &r), 0);
    assert_int_equal(r.n_changes, 1);
    assert_int_equal(r.changes[0].index, 12);
    assert_int_equal(r.changes[0].index_lo, 12);
    assert_int_equal(r.changes[0].index_hi, 12);
    assert_true(fabs(r.changes[0].ratio - 1.1) < 1e-9);
    assert_int_equal(r.creep, 0); /* one step beyond tolerance: a step, not creep */
    pg_cp_result_free(&r);
}

static void absent_runs_keep_indices(void **state)
{
    (void)state;
    double x[24];
    for (size_t i = 0; i < 24; i++)
        x[i] = i < 15 ? 50 : 40; /* an improvement at run 15 */
    x[3] = NAN;
    x[14] = NAN;
    x[20] = 0;
    pg_cp_result r;
    assert_int_equal(pg_changepoints(x, 24, NULL, &r), 0);
    assert_int_equal(r.n_used, 21);
    assert_int_equal(r.n_changes, 1);
    assert_int_equal(r.changes[0].index, 15);
    assert_true(fabs(r.changes[0].ratio - 0.8) < 1e-9);
    pg_cp_result_free(&r);
}

static void flat_and_short(void **state)
{
    (void)state;
    double x[30];
    for (size_t i = 0; i < 30; i++)
        x[i] = 7;
    pg_cp_result r;
    assert_int_equal(pg_changepoints(x, 30, NULL, &r), 0);
    assert_int_equal(r.n_changes, 0);
    assert_true(fabs(r.drift - 1) < 1e-12);
    assert_int_equal(r.creep, 0);
    pg_cp_result_free(&r);
    x[3] = 9;
    assert_int_equal(pg_changepoints(x, 5, NULL, &r), 0); /* < 2 * min_segment */
    assert_int_equal(r.n_changes, 0);
    assert_true(isnan(r.drift));
    pg_cp_result_free(&r);
    assert_int_equal(pg_changepoints(NULL, 0, NULL, &r), 0);
    assert_int_equal(pg_changepoints(NULL, 3, NULL, &r), PG_EINVAL);
    pg_cp_result_free(NULL);
}

/* Creep is measured from the reference run on: a ramp that stopped before
 * the baseline is not creep since the baseline. */
static void creep_since_reference(void **state)
{
    (void)state;
    double x[60];
    for (size_t i = 0; i < 60; i++)
        x[i] = 100 * pow(1.005, (double)(i < 40 ? i : 40)) * (1 + 0.001 * (double)(i % 3));
    pg_cp_options o = { 0 };
    pg_cp_result r;
    assert_int_equal(pg_changepoints(x, 60, &o, &r), 0);
    assert_int_equal(r.creep, 1);
    assert_true(r.drift > 1.15);
    for (size_t j = 0; j < r.n_changes; j++)
        assert_true(r.changes[j].step < 1.05); /* each step under tolerance */
    pg_cp_result_free(&r);
    o.reference = 45;
    assert_int_equal(pg_changepoints(x, 60, &o, &r), 0);
    assert_int_equal(r.creep, 0);
    assert_true(fabs(r.drift - 1) < 0.01);
    pg_cp_result_free(&r);
}

/* Too short a history to show a 10 % step at alpha (6 runs a side): no
 * change is kept, and the step is still not called creep. */
static void short_step_is_not_creep(void **state)
{
    (void)state;
    double x[12];
    for (size_t i = 0; i < 12; i++)
        x[i] = (i < 6 ? 100 : 110) * (1 + 0.002 * (double)(i % 3));
    pg_cp_result r;
    assert_int_equal(pg_changepoints(x, 12, NULL, &r), 0);
    assert_int_equal(r.n_changes, 0);
    assert_true(r.drift > 1.08);
    assert_true(r.max_step > 1.08);
    assert_int_equal(r.creep, 0);
    pg_cp_result_free(&r);
}

/* What the newest run brought: a step that only the newest runs show is
 * new (and a slowdown); the same step a run later is old news; a new
 * speed-up is new but no slowdown. */
static void news_of_the_newest_run(void **state)
{
    (void)state;
    double x[20];
    for (size_t i = 0; i < 20; i++)
        x[i] = i < 14 ? 1000 : 1100;
    pg_cp_news nw;
    /* 2 runs after the step: the first time it shows (at min_segment
     * runs from the end); without the newest run, nothing */
    assert_int_equal(pg_changepoints_news(x, 16, NULL, &nw), 0);
    assert_int_equal(nw.now.n_changes, 1);
    assert_int_equal(nw.before.n_changes, 0);
    assert_int_equal(nw.is_new[0], 1);
    assert_int_equal(nw.new_slowdown, 1);
    pg_cp_news_free(&nw);
    assert_int_equal(pg_changepoints_news(x, 20, NULL, &nw), 0);
    assert_int_equal(nw.now.n_changes, 1);
    assert_int_equal(nw.is_new[0], 0);
    assert_int_equal(nw.new_slowdown, 0);
    pg_cp_news_free(&nw);
    for (size_t i = 0; i < 20; i++)
        x[i] = i < 14 ? 1000 : 900;
    assert_int_equal(pg_changepoints_news(x, 16, NULL, &nw), 0);
    assert_int_equal(nw.now.n_changes, 1);
    assert_int_equal(nw.is_new[0], 1);
    assert_int_equal(nw.new_slowdown, 0);
    pg_cp_news_free(&nw);
    assert_int_equal(pg_changepoints_news(NULL, 3, NULL, &nw), PG_EINVAL);
    pg_cp_news_free(&nw);
    pg_cp_news_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(noise_free_step),         cmocka_unit_test(absent_runs_keep_indices),
        cmocka_unit_test(flat_and_short),          cmocka_unit_test(creep_since_reference),
        cmocka_unit_test(short_step_is_not_creep), cmocka_unit_test(news_of_the_newest_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
