/*
 * test_bisect.c - the search of `perfgate bisect` (gate/bisect.c) against
 * simulated verdicts, and the reader of `perfgate ab --json`.
 *
 * The oracle knows the first bad commit k: commits before it run at 1.0,
 * from it on at R.  A question "is cand slower than ref beyond tol" gets
 * the true answer, except that with probability `wrong` it gets the wrong
 * one and with probability `unsure / effort` an inconclusive one: a far
 * noisier judge than `perfgate ab` (whose wrong answers are <= 1 %), to
 * show that the search's own checks catch its wrong turns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_bisect.h"
#include "pg_test.h"

typedef struct oracle {
    size_t k;      /* first bad commit */
    double R;      /* its slowdown */
    double wrong;  /* chance of the wrong verdict */
    double unsure; /* chance of inconclusive at effort 1 */
    size_t broken; /* a commit that does not build (0: none) */
    pgt_rng rng;
    size_t asked;
} oracle;

static double level(const oracle *o, size_t i)
{
    return i >= o->k ? o->R : 1.0;
}

static pg_bisect_outcome answer(oracle *o, const pg_bisect_step *q, double *ratio)
{
    o->asked++;
    if (o->broken && q->cand == o->broken)
        return PG_BISECT_SKIP;
    *ratio = level(o, q->cand) / level(o, q->ref);
    if (pgt_rng_uniform(&o->rng) < o->unsure / q->effort)
        return PG_BISECT_INCONCLUSIVE;
    int slower = *ratio > 1 + q->tolerance;
    if (pgt_rng_uniform(&o->rng) < o->wrong)
        slower = !slower;
    return slower ? PG_BISECT_REGRESSION : PG_BISECT_PASS;
}

static pg_bisect_status run(oracle *o, size_t n, size_t *found, size_t *steps)
{
    pg_bisect *b = pg_bisect_create(n, 0.02, 3, 2);
    assert_non_null(b);
    pg_bisect_step q;
    while (pg_bisect_next(b, &q)) {
        assert_true(q.cand < n && q.ref < n && q.ref != q.cand);
        double r = NAN;
        pg_bisect_outcome out = answer(o, &q, &r);
        assert_int_equal(pg_bisect_answer(b, out, r, r, r), 0);
        assert_true(o->asked < 200);
    }
    pg_bisect_status st = pg_bisect_status_of(b, found, NULL, NULL);
    pg_bisect_steps(b, steps);
    pg_bisect_destroy(b);
    return st;
}

static void perfect_oracle_every_position(void **state)
{
    (void)state;
    for (size_t n = 2; n <= 40; n++)
        for (size_t k = 1; k < n; k++) {
            oracle o = { .k = k, .R = 1.05 };
            pgt_rng_seed(&o.rng, 1);
            size_t found = 0, steps = 0;
            assert_int_equal(run(&o, n, &found, &steps), PG_BISECT_FOUND);
            assert_int_equal(found, k);
            /* ends + binary search + confirmation */
            size_t log2n = 0;
            while (((size_t)1 << log2n) < n - 1)
                log2n++;
            assert_true(steps <= log2n + 2);
        }
}

static void no_regression(void **state)
{
    (void)state;
    oracle o = { .k = 100, .R = 1.0 };
    pgt_rng_seed(&o.rng, 1);
    size_t found, steps;
    assert_int_equal(run(&o, 16, &found, &steps), PG_BISECT_NO_REGRESSION);
    assert_int_equal(steps, 1);
}

static void broken_build_is_skipped(void **state)
{
    (void)state;
    /* the broken commit is not next to the first bad one: found around it */
    oracle o = { .k = 9, .R = 1.10, .broken = 5 };
    pgt_rng_seed(&o.rng, 1);
    size_t found, steps;
    assert_int_equal(run(&o, 17, &found, &steps), PG_BISECT_FOUND);
    assert_int_equal(found, 9);
    /* the broken commit is the first bad one's parent: a range, not a name */
    oracle o2 = { .k = 9, .R = 1.10, .broken = 9 };
    pgt_rng_seed(&o2.rng, 1);
    pg_bisect *b = pg_bisect_create(17, 0.02, 3, 2);
    pg_bisect_step q;
    while (pg_bisect_next(b, &q)) {
        double r = NAN;
        pg_bisect_outcome out = answer(&o2, &q, &r);
        pg_bisect_answer(b, out, r, r, r);
    }
    size_t lo, hi;
    assert_int_equal(pg_bisect_status_of(b, NULL, &lo, &hi), PG_BISECT_UNDECIDED);
    assert_true(lo < 9 && hi >= 9 && hi - lo == 2);
    pg_bisect_destroy(b);
}

/* The ends undecided after every try: on only when leaning beyond the
 * threshold, and a lean never names a commit without the confirmation. */
static void ends_lean(void **state)
{
    (void)state;
    pg_bisect *b = pg_bisect_create(5, 0.02, 1, 0);
    pg_bisect_step q;
    pg_bisect_next(b, &q);
    pg_bisect_answer(b, PG_BISECT_INCONCLUSIVE, 1.01, 0.9, 1.1);
    assert_int_equal(pg_bisect_next(b, &q), 0);
    assert_int_equal(pg_bisect_status_of(b, NULL, NULL, NULL), PG_BISECT_UNDECIDED);
    pg_bisect_destroy(b);
    b = pg_bisect_create(5, 0.02, 1, 0);
    pg_bisect_next(b, &q);
    pg_bisect_answer(b, PG_BISECT_INCONCLUSIVE, 1.05, 0.9, 1.2);
    assert_int_equal(pg_bisect_next(b, &q), 1);
    assert_int_equal(q.phase, PG_BISECT_SEARCH);
    /* every later answer a pass: the confirmation fails, no name */
    do
        pg_bisect_answer(b, PG_BISECT_PASS, 1.0, 0.99, 1.01);
    while (pg_bisect_next(b, &q));
    assert_int_equal(pg_bisect_status_of(b, NULL, NULL, NULL), PG_BISECT_UNDECIDED);
    pg_bisect_destroy(b);
}

static void answer_without_question(void **state)
{
    (void)state;
    pg_bisect *b = pg_bisect_create(4, 0.02, 3, 2);
    assert_int_equal(pg_bisect_answer(b, PG_BISECT_PASS, 1, 1, 1), PG_EINVAL);
    pg_bisect_destroy(b);
    assert_null(pg_bisect_create(1, 0.02, 3, 2));
    assert_null(pg_bisect_create(4, 0, 3, 2));
    pg_bisect_destroy(NULL);
}

/* The tolerance after the ends is half way to R, in log terms. */
static void tolerance_from_ends(void **state)
{
    (void)state;
    pg_bisect *b = pg_bisect_create(8, 0.02, 3, 2);
    pg_bisect_step q;
    assert_int_equal(pg_bisect_next(b, &q), 1);
    assert_int_equal(q.phase, PG_BISECT_ENDS);
    assert_true(fabs(q.tolerance - 0.02) < 1e-12);
    /* the interval's lower end: sqrt(1.21) - 1 */
    pg_bisect_answer(b, PG_BISECT_REGRESSION, 1.3, 1.21, 1.4);
    assert_int_equal(pg_bisect_next(b, &q), 1);
    assert_int_equal(q.phase, PG_BISECT_SEARCH);
    assert_true(fabs(q.tolerance - 0.1) < 1e-12);
    assert_int_equal(q.ref, 0);
    /* inconclusive: the same question, twice the effort, then skipped */
    size_t cand = q.cand;
    pg_bisect_answer(b, PG_BISECT_INCONCLUSIVE, NAN, NAN, NAN);
    assert_int_equal(pg_bisect_next(b, &q), 1);
    assert_int_equal(q.cand, cand);
    assert_int_equal(q.effort, 2);
    pg_bisect_answer(b, PG_BISECT_INCONCLUSIVE, NAN, NAN, NAN);
    assert_int_equal(pg_bisect_next(b, &q), 1);
    assert_int_equal(q.effort, 4);
    pg_bisect_answer(b, PG_BISECT_INCONCLUSIVE, NAN, NAN, NAN);
    assert_int_equal(pg_bisect_next(b, &q), 1);
    assert_true(q.cand != cand);
    assert_int_equal(q.effort, 1);
    pg_bisect_destroy(b);

    /* undecided after every try, with an estimate: it leans to a side */
    b = pg_bisect_create(9, 0.02, 2, 2);
    pg_bisect_next(b, &q);
    pg_bisect_answer(b, PG_BISECT_REGRESSION, 1.21, 1.2, 1.22);
    pg_bisect_next(b, &q);
    cand = q.cand;
    assert_int_equal(cand, 4);
    pg_bisect_answer(b, PG_BISECT_INCONCLUSIVE, 1.15, 0.9, 1.4);
    pg_bisect_next(b, &q);
    pg_bisect_answer(b, PG_BISECT_INCONCLUSIVE, 1.13, 0.95, 1.3); /* above 1.1: bad */
    pg_bisect_next(b, &q);
    assert_true(q.cand < cand);
    size_t lo, hi;
    pg_bisect_status_of(b, NULL, &lo, &hi);
    assert_int_equal(hi, cand);
    pg_bisect_destroy(b);
}

/* A noisy judge: 5 % wrong verdicts, 20 % inconclusive at effort 1.  The
 * confirmation and the re-checks keep the named commit right. */
static void noisy_oracle(void **state)
{
    (void)state;
    size_t found_right = 0, found_wrong = 0, undecided = 0, trials = 0, asked = 0;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        pgt_rng pick;
        pgt_rng_seed(&pick, seed);
        size_t n = 33, k = 1 + pgt_rng_below(&pick, n - 1);
        oracle o = { .k = k, .R = 1.05, .wrong = 0.05, .unsure = 0.2 };
        pgt_rng_seed(&o.rng, seed * 7919);
        size_t found = 0, steps;
        pg_bisect_status st = run(&o, n, &found, &steps);
        trials++;
        asked += o.asked;
        if (st == PG_BISECT_FOUND)
            found_right += found == k, found_wrong += found != k;
        else
            undecided++;
    }
    printf("noisy judge (5 %% wrong, 20 %% inconclusive), 33 commits, %zu searches: right %zu, "
           "wrong %zu, undecided %zu, %.1f questions each\n",
           trials, found_right, found_wrong, undecided, (double)asked / trials);
    /* a wrong name needs a false alarm on the confirmation (5 % here) after
     * a wrong turn (about 1 - 0.95^7 of searches) */
    assert_true(found_wrong * 100 <= trials * 3);
    assert_true(found_right * 100 >= trials * 80);
}

static void read_verdict(void **state)
{
    (void)state;
    const char *json =
        "{\"tool\":\"perfgate ab\",\"benchmarks\":["
        "{\"benchmark\":\"a/b/hot/cpu/8\",\"verdict\":\"pass\",\"final\":{\"verdict\":\"pass\","
        "\"pairs\":12,\"ratio\":1.001,\"ratio_lo\":0.99,\"ratio_hi\":1.01}},"
        "{\"benchmark\":\"BM_x/64/manual_time\",\"verdict\":\"warn\",\"final\":{\"verdict\":"
        "\"regression\",\"pairs\":24,\"ratio\":1.5,\"ratio_lo\":1.4,\"ratio_hi\":1.6}}]}";
    pg_bisect_verdict v;
    pg_error err = { 0 };
    assert_int_equal(
        pg_bisect_parse_verdict(json, strlen(json), "v.json", "a/b/hot/cpu/8", &v, &err), 0);
    assert_int_equal(v.outcome, PG_BISECT_PASS);
    assert_int_equal(v.pairs, 12);
    assert_true(fabs(v.ratio - 1.001) < 1e-12);
    assert_int_equal(pg_bisect_parse_verdict(json, strlen(json), "v.json", "BM_x/64", &v, &err), 0);
    assert_int_equal(v.outcome, PG_BISECT_REGRESSION);
    assert_string_equal(v.benchmark, "BM_x/64/manual_time");
    assert_true(fabs(v.lo - 1.4) < 1e-12);
    /* a name that did not run: a skip */
    assert_int_equal(pg_bisect_parse_verdict(json, strlen(json), "v.json", "nope", &v, &err), 0);
    assert_int_equal(v.outcome, PG_BISECT_SKIP);
    /* malformed: file, line and column */
    const char *bad = "{\"benchmarks\": [\n  {\"benchmark\": }]}";
    assert_int_equal(pg_bisect_parse_verdict(bad, strlen(bad), "v.json", "x", &v, &err), PG_EPARSE);
    assert_string_equal(err.file, "v.json");
    assert_int_equal(err.line, 2);
    pg_error_clear(&err);
    const char *odd = "{\"benchmarks\":[{\"benchmark\":\"x\",\"final\":{\"verdict\":\"maybe\"}}]}";
    assert_int_equal(pg_bisect_parse_verdict(odd, strlen(odd), "v.json", "x", &v, &err), PG_ETYPE);
    pg_error_clear(&err);
    assert_int_equal(pg_bisect_read_verdict("/nonexistent/v.json", "x", &v, &err), PG_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(perfect_oracle_every_position),
        cmocka_unit_test(no_regression),
        cmocka_unit_test(broken_build_is_skipped),
        cmocka_unit_test(ends_lean),
        cmocka_unit_test(answer_without_question),
        cmocka_unit_test(tolerance_from_ends),
        cmocka_unit_test(noisy_oracle),
        cmocka_unit_test(read_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
