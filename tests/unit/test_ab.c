/*
 * test_ab.c - the paired verdicts of `perfgate ab` (gate/ab.c) on values
 * worked out by hand.  The paired statistics are tested in test_stats.c,
 * the callgrind readers in test_callgrind.c.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_judge_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
