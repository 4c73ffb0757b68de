/*
 * test_stats.c - the gate's statistics (gate/stats.c), unpaired and
 * paired, against published values and values worked out by hand here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "pg_gate.h"

#define CLOSE(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void test_normal(void **state)
{
    (void)state;
    CLOSE(pg_stats_normal_cdf(0.0), 0.5, 1e-15);
    CLOSE(pg_stats_normal_cdf(1.959963984540054), 0.975, 1e-12);
    CLOSE(pg_stats_normal_cdf(-1.0), 0.15865525393145707, 1e-14);
    /* z quantiles from any table: 1.96, 2.326, 2.576 */
    CLOSE(pg_stats_normal_quantile(0.975), 1.959963984540054, 1e-12);
    CLOSE(pg_stats_normal_quantile(0.99), 2.3263478740408408, 1e-12);
    CLOSE(pg_stats_normal_quantile(0.005), -2.5758293035489004, 1e-12);
    CLOSE(pg_stats_normal_quantile(1e-10), -6.361340902404056, 1e-9);
}

static void test_binomial(void **state)
{
    (void)state;
    /* C(10,0..2) = 1, 10, 45: 56/1024 */
    CLOSE(pg_stats_binom_half_cdf(2, 10), 56.0 / 1024.0, 1e-15);
    CLOSE(pg_stats_binom_half_cdf(0, 10), 1.0 / 1024.0, 1e-17);
    CLOSE(pg_stats_binom_half_cdf(10, 10), 1.0, 0);
    /* symmetric: P(B <= 49) for n = 99 is exactly 1/2 */
    CLOSE(pg_stats_binom_half_cdf(49, 99), 0.5, 1e-12);
    /* large n must not underflow: P(B <= 1000) for n = 2000 ~ 0.5089 */
    double p = pg_stats_binom_half_cdf(1000, 2000);
    assert_true(p > 0.50 && p < 0.52);
    /* every k of n <= 160 against the plain sum of every term */
    for (size_t n = 1; n <= 160; n++) {
        double ln2n = (double)n * log(2.0), lgn1 = lgamma((double)n + 1), sum = 0;
        for (size_t k = 0; k <= n; k++) {
            sum += exp(lgn1 - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) - ln2n);
            CLOSE(pg_stats_binom_half_cdf(k, n), sum > 1 ? 1 : sum, 1e-12 + 1e-11 * sum);
        }
    }
    /* A results file may claim 9e9 rounds (asv's stats_repeat): the tail is
     * summed from its largest term and stops, so this is instant (it took
     * minutes term by term) and agrees with the normal approximation to
     * the precision lgamma(n) leaves (about n * 1e-16 relative: 1e-5 here,
     * plenty for a p-value). */
    size_t big = 9000000000u, sd2 = 94868; /* sqrt(n) = 2 sd */
    CLOSE(pg_stats_binom_half_cdf(big / 2, big), 0.5, 1e-4);
    CLOSE(pg_stats_binom_half_cdf(big / 2 - 3 * sd2 / 2, big), pg_stats_normal_cdf(-3.0), 1e-4);
    CLOSE(pg_stats_binom_half_cdf(big / 2 + 3 * sd2 / 2, big), pg_stats_normal_cdf(3.0), 1e-4);
    assert_true(pg_stats_binom_half_cdf(big / 4, big) == 0.0);
    assert_true(pg_stats_binom_half_cdf(3 * (big / 4), big) == 1.0);
}

static void test_median(void **state)
{
    (void)state;
    double odd[] = { 1, 2, 7 }, even[] = { 1, 2, 4, 10 };
    CLOSE(pg_stats_median(odd, 3), 2.0, 0);
    CLOSE(pg_stats_median(even, 4), 3.0, 0);
    assert_true(isnan(pg_stats_median(odd, 0)));
}

static void test_median_ci(void **state)
{
    (void)state;
    double x[10], lo, hi, cov;
    for (int i = 0; i < 10; i++)
        x[i] = i + 1; /* x(k) = k */
    /* n = 10 at 95 %: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024,
     * so the interval is [x(2), x(9)] with coverage 1 - 22/1024 (the
     * published table, e.g. Hollander & Wolfe table A.3 / Conover). */
    assert_int_equal(pg_stats_median_ci(x, 10, 0.95, &lo, &hi, &cov), 0);
    CLOSE(lo, 2.0, 0);
    CLOSE(hi, 9.0, 0);
    CLOSE(cov, 1.0 - 22.0 / 1024.0, 1e-15);
    /* n = 5 cannot reach 95 %: the whole range, covering 1 - 2/32 */
    assert_int_equal(pg_stats_median_ci(x, 5, 0.95, &lo, &hi, &cov), 0);
    CLOSE(lo, 1.0, 0);
    CLOSE(hi, 5.0, 0);
    CLOSE(cov, 1.0 - 2.0 / 32.0, 1e-15);
    /* n = 6 reaches it: [x(1), x(6)] covers 1 - 2/64 = 0.96875 */
    assert_int_equal(pg_stats_median_ci(x, 6, 0.95, &lo, &hi, &cov), 0);
    CLOSE(cov, 0.96875, 1e-15);
    assert_int_equal(pg_stats_median_ci(x, 0, 0.95, &lo, &hi, &cov), PG_EINVAL);
    /* The bisection trims as many order statistics as counting up did. */
    static double y[400];
    for (int i = 0; i < 400; i++)
        y[i] = i + 1; /* y(k) = k */
    for (size_t n = 1; n <= 400; n++) {
        for (int c = 0; c < 3; c++) {
            double conf = c == 0 ? 0.95 : c == 1 ? 0.99 : 0.8, tail = (1 - conf) / 2;
            size_t k = 0;
            while (k + 1 <= n / 2 && pg_stats_binom_half_cdf(k, n) <= tail)
                k++;
            if (k == 0)
                k = 1;
            assert_int_equal(pg_stats_median_ci(y, n, conf, &lo, &hi, NULL), 0);
            CLOSE(lo, (double)k, 0);
            CLOSE(hi, (double)(n - k + 1), 0);
        }
    }
}

static void test_sign_test(void **state)
{
    (void)state;
    double x[10];
    for (int i = 0; i < 10; i++)
        x[i] = 10 + i;
    /* all 10 above the ceiling 5: p = 1/1024 */
    CLOSE(pg_stats_sign_test(x, 10, 5.0, PG_ALT_GREATER), 1.0 / 1024.0, 1e-17);
    CLOSE(pg_stats_sign_test(x, 10, 5.0, PG_ALT_LESS), 1.0, 1e-15);
    /* 8 above, 2 below 11.5 -> P(B >= 8) = 56/1024; ties with c dropped */
    CLOSE(pg_stats_sign_test(x, 10, 11.5, PG_ALT_GREATER), 56.0 / 1024.0, 1e-15);
    CLOSE(pg_stats_sign_test(x, 10, 12.0, PG_ALT_GREATER), pg_stats_binom_half_cdf(2, 9), 1e-15);
    /* one sample can never be significant */
    CLOSE(pg_stats_sign_test(x, 1, 0.0, PG_ALT_GREATER), 0.5, 0);
}

static void test_mann_whitney_exact(void **state)
{
    (void)state;
    /* R's ?wilcox.test example (Hollander & Wolfe 1973, p. 69):
     * wilcox.test(x, y, alternative = "g") gives W = 35, p-value = 0.1272 */
    double x[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 };
    double y[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };
    double u;
    int exact;
    double p = pg_stats_mann_whitney(x, 10, y, 5, PG_ALT_GREATER, &u, &exact);
    assert_true(exact);
    CLOSE(u, 35.0, 0);
    CLOSE(p, 0.1272061272061272, 1e-12);
    /* the mirror image */
    CLOSE(pg_stats_mann_whitney(y, 5, x, 10, PG_ALT_LESS, NULL, NULL), p, 1e-12);

    /* Complete separation, m = n = 3: only 1 of C(6,3) = 20 orderings */
    double a[] = { 4, 5, 6 }, b[] = { 1, 2, 3 };
    CLOSE(pg_stats_mann_whitney(a, 3, b, 3, PG_ALT_GREATER, &u, NULL), 0.05, 1e-15);
    CLOSE(u, 9.0, 0);
    CLOSE(pg_stats_mann_whitney(a, 3, b, 3, PG_ALT_TWO_SIDED, NULL, NULL), 0.10, 1e-15);
    CLOSE(pg_stats_mann_whitney(a, 3, b, 3, PG_ALT_LESS, NULL, NULL), 1.0, 1e-15);

    /* 30 x 30 fully separated: 1 / C(60, 30), where the 64-bit counts are
     * at their largest */
    double big_a[30], big_b[30];
    for (int i = 0; i < 30; i++) {
        big_a[i] = 100 + i;
        big_b[i] = i;
    }
    p = pg_stats_mann_whitney(big_a, 30, big_b, 30, PG_ALT_GREATER, &u, &exact);
    assert_true(exact);
    CLOSE(u, 900.0, 0);
    CLOSE(p / (1.0 / 1.1826458156486142e17), 1.0, 1e-9);
}

static void test_mann_whitney_ties(void **state)
{
    (void)state;
    /* Worked by hand.  m = 8, n = 9, N = 17.
     * U = #{x > y} + #{x == y}/2 = 18.5 (counted pair by pair).
     * Tied groups: 2 (x3), 3 (x3), 4 (x2), 5 (x2), 9 (x2):
     * T = sum(t^3 - t) = 24 + 24 + 6 + 6 + 6 = 66.
     * mu = mn/2 = 36; var = mn/12 * ((N+1) - T/(N(N-1))) = 6 * (18 - 66/272)
     *   = 106.544117647...; z = (18.5 - 36 + 0.5)/sqrt(var) = -1.646968...
     * p(less) = Phi(z) = 0.0497827; two-sided 2 * Phi(-(17.5 - 0.5)/sd). */
    double x[] = { 1, 2, 2, 3, 4, 5, 5, 6 };
    double y[] = { 2, 3, 3, 4, 7, 8, 9, 9, 10 };
    double u;
    int exact;
    double p = pg_stats_mann_whitney(x, 8, y, 9, PG_ALT_LESS, &u, &exact);
    assert_false(exact);
    CLOSE(u, 18.5, 0);
    CLOSE(p, 0.049782692984650656, 1e-9);
    CLOSE(pg_stats_mann_whitney(x, 8, y, 9, PG_ALT_TWO_SIDED, NULL, NULL), 0.09956538596930131,
          1e-9);
    /* everything tied: no evidence */
    double t[] = { 1, 1, 1 };
    CLOSE(pg_stats_mann_whitney(t, 3, t, 3, PG_ALT_GREATER, NULL, NULL), 1.0, 0);
    assert_true(isnan(pg_stats_mann_whitney(t, 0, t, 3, PG_ALT_GREATER, NULL, NULL)));
}

static void test_mann_whitney_normal_large(void **state)
{
    (void)state;
    /* m = n = 40 (beyond the exact limit), no ties: x = 20.5..59.5,
     * y = 0..39.  For x = 20.5 + k, #{y < x} = 21 + k while k <= 18, and
     * 40 after: U = (19*21 + 0+1+...+18) + 21*40 = 570 + 840 = 1410.
     * mu = 800, sd = sqrt(mn(N+1)/12) = sqrt(1600*81/12) = sqrt(10800);
     * with continuity correction z = (1410 - 800 - 0.5)/sd, p = Phi(-z). */
    double x[40], y[40], u;
    int exact;
    for (int i = 0; i < 40; i++) {
        x[i] = 20 + i + 0.5;
        y[i] = i;
    }
    double p = pg_stats_mann_whitney(x, 40, y, 40, PG_ALT_GREATER, &u, &exact);
    assert_false(exact);
    CLOSE(u, 1410.0, 0);
    CLOSE(p, pg_stats_normal_cdf(-(609.5 / sqrt(10800.0))), 1e-15);
    assert_true(p < 1e-7);
}

static void test_hodges_lehmann(void **state)
{
    (void)state;
    double scratch[400], s, lo, hi;
    /* differences {1, 2, 3}: median 2 */
    double a[] = { 1, 2, 3 }, z[] = { 0 };
    assert_int_equal(pg_stats_hodges_lehmann(a, 3, z, 1, 0.95, scratch, &s, &lo, &hi), 0);
    CLOSE(s, 2.0, 0);
    /* {1,5} - {0,2} = {1, -1, 5, 3}: median of -1 1 3 5 is 2 */
    double b[] = { 1, 5 }, c[] = { 0, 2 };
    pg_stats_hodges_lehmann(b, 2, c, 2, 0.95, scratch, &s, NULL, NULL);
    CLOSE(s, 2.0, 0);
    /* m = n = 10: Moses' interval at 95 % is [D(24), D(77)], since the
     * exact P(U <= 23) = 0.0216 <= 0.025 < P(U <= 24) (the tabled critical
     * value 23).  With x = y + 100 + tiny distinct offsets, all 100
     * differences are 100 + (i - j) -> sorted differences known. */
    double x[10], y[10];
    for (int i = 0; i < 10; i++) {
        x[i] = 100 + i * 10;
        y[i] = i;
    }
    /* differences 100 + 10i - j: every value distinct; sorted, D(24) and
     * D(77) are found by sorting here the slow way. */
    double d[100];
    int k = 0;
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++)
            d[k++] = x[i] - y[j];
    for (int i = 1; i < 100; i++)
        for (int j = i; j > 0 && d[j - 1] > d[j]; j--) {
            double t = d[j];
            d[j] = d[j - 1];
            d[j - 1] = t;
        }
    pg_stats_hodges_lehmann(x, 10, y, 10, 0.95, scratch, &s, &lo, &hi);
    CLOSE(s, 0.5 * (d[49] + d[50]), 0);
    CLOSE(lo, d[23], 0);
    CLOSE(hi, d[76], 0);
    assert_int_equal(pg_stats_hodges_lehmann(x, 0, y, 10, 0.95, scratch, &s, &lo, &hi), PG_EINVAL);
}

static void test_units(void **state)
{
    (void)state;
    double v;
    assert_int_equal(pg_parse_time("250us", &v), 0);
    CLOSE(v, 250000.0, 0);
    assert_int_equal(pg_parse_time("1.5ms", &v), 0);
    CLOSE(v, 1.5e6, 0);
    assert_int_equal(pg_parse_time("2s", &v), 0);
    CLOSE(v, 2e9, 0);
    assert_int_equal(pg_parse_time("7ns", &v), 0);
    CLOSE(v, 7.0, 0);
    assert_int_equal(pg_parse_time("250 us", &v), PG_EPARSE);
    assert_int_equal(pg_parse_time("250", &v), PG_EPARSE);
    assert_int_equal(pg_parse_time("-3ms", &v), PG_EPARSE);
    assert_int_equal(pg_parse_time("infms", &v), PG_EPARSE);
    assert_int_equal(pg_parse_time("1h", &v), PG_EPARSE);
    assert_int_equal(pg_parse_percent("5%", &v), 0);
    CLOSE(v, 0.05, 1e-17);
    assert_int_equal(pg_parse_percent("12.5%", &v), 0);
    CLOSE(v, 0.125, 1e-17);
    assert_int_equal(pg_parse_percent("5", &v), PG_EPARSE);
    assert_int_equal(pg_parse_percent("5 %", &v), PG_EPARSE);
    assert_int_equal(pg_parse_bytes("64MiB", &v), 0);
    CLOSE(v, 67108864.0, 0);
    assert_int_equal(pg_parse_bytes("2kB", &v), 0);
    CLOSE(v, 2000.0, 0);
    assert_int_equal(pg_parse_bytes("2kb", &v), PG_EPARSE);
    int d;
    assert_int_equal(pg_parse_date("2026-12-31", &d), 0);
    assert_int_equal(d, 20261231);
    assert_int_equal(pg_parse_date("2028-02-29", &d), 0);
    assert_int_equal(pg_parse_date("2027-02-29", &d), PG_EPARSE);
    assert_int_equal(pg_parse_date("2026-13-01", &d), PG_EPARSE);
    assert_int_equal(pg_parse_date("26-12-31", &d), PG_EPARSE);
    CLOSE(pg_time_unit_ns("us"), 1e3, 0);
    CLOSE(pg_time_unit_ns("min"), 0, 0);
}

/* ---- paired statistics (pg_stats_signed_rank, pg_stats_walsh) ---- */

static void test_signed_rank_exact(void **state)
{
    (void)state;
    int exact = 0;
    /* all five positive: T+ = 15, P(T+ >= 15) = 1/32 */
    double d1[] = { 1, 2, 3, 4, 5 };
    CLOSE(pg_stats_signed_rank(d1, 5, PG_ALT_GREATER, &exact), 1.0 / 32, 1e-15);
    assert_int_equal(exact, 1);
    CLOSE(pg_stats_signed_rank(d1, 5, PG_ALT_LESS, NULL), 1.0, 1e-15);
    CLOSE(pg_stats_signed_rank(d1, 5, PG_ALT_TWO_SIDED, NULL), 2.0 / 32, 1e-15);
    /* rank 2 negative: T+ = 13; subsets of 1..5 summing to <= 2 are {}, {1},
     * {2}, so P(T+ >= 13) = 3/32 */
    double d2[] = { 0.1, -0.2, 0.3, 0.4, 0.5 };
    CLOSE(pg_stats_signed_rank(d2, 5, PG_ALT_GREATER, NULL), 3.0 / 32, 1e-15);
    /* zeros are dropped; all zero: nothing left, p = 1 */
    double z[] = { 0, 0, 0 };
    CLOSE(pg_stats_signed_rank(z, 3, PG_ALT_GREATER, NULL), 1.0, 0);
    double d3[] = { 0, 1, 2, 3, 4, 5 };
    CLOSE(pg_stats_signed_rank(d3, 6, PG_ALT_GREATER, NULL), 1.0 / 32, 1e-15);
    assert_true(isnan(pg_stats_signed_rank(d1, 0, PG_ALT_GREATER, NULL)));
}

static void test_signed_rank_normal(void **state)
{
    (void)state;
    /* ties force the normal approximation; symmetric data gives p near 1/2 */
    double d[80];
    for (int i = 0; i < 80; i++)
        d[i] = (i % 2 ? 1 : -1) * (double)(1 + i / 4);
    int exact = 1;
    double p = pg_stats_signed_rank(d, 80, PG_ALT_GREATER, &exact);
    assert_int_equal(exact, 0);
    assert_true(p > 0.3 && p < 0.7);
    for (int i = 0; i < 80; i++)
        d[i] = fabs(d[i]);
    assert_true(pg_stats_signed_rank(d, 80, PG_ALT_GREATER, NULL) < 1e-10);
}

static void test_walsh(void **state)
{
    (void)state;
    double scratch[64], est, lo, hi;
    /* Walsh averages of {1,2,3}: 1, 1.5, 2, 2, 2.5, 3 -> median 2; n = 3 is
     * too small for 90 %: the interval is their range */
    double d[] = { 3, 1, 2 };
    assert_int_equal(pg_stats_walsh(d, 3, 0.90, scratch, &est, &lo, &hi), 0);
    CLOSE(est, 2.0, 0);
    CLOSE(lo, 1.0, 0);
    CLOSE(hi, 3.0, 0);
    /* n = 6 at 90 %: P(T+ <= 2) = 3/64 <= 0.05 < P(T+ <= 3) = 5/64, so
     * k = 3: [W(3), W(19)] of the 21 sorted averages */
    double e[] = { 1, 2, 3, 4, 5, 6 };
    assert_int_equal(pg_stats_walsh(e, 6, 0.90, scratch, &est, &lo, &hi), 0);
    CLOSE(est, 3.5, 1e-15);
    CLOSE(lo, 2.0, 1e-15); /* sorted: 1, 1.5, 2, ... */
    CLOSE(hi, 5.0, 1e-15); /* ..., 5, 5.5, 6 */
    assert_int_equal(pg_stats_walsh(e, 0, 0.9, scratch, &est, &lo, &hi), PG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal),
        cmocka_unit_test(test_binomial),
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_median_ci),
        cmocka_unit_test(test_sign_test),
        cmocka_unit_test(test_mann_whitney_exact),
        cmocka_unit_test(test_mann_whitney_ties),
        cmocka_unit_test(test_mann_whitney_normal_large),
        cmocka_unit_test(test_hodges_lehmann),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_signed_rank_exact),
        cmocka_unit_test(test_signed_rank_normal),
        cmocka_unit_test(test_walsh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
