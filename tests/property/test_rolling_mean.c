/*
 * test_rolling_mean.c - property tests of the rolling mean's three builds
 * (kernels/cpu/rolling.c): AVX-512 (eight rows a step, chosen at run time
 * where the CPU has it), AVX2 and portable (both forced with
 * pgt_use_build).
 *
 * The AVX-512 build does the four-lane path's operations in the same order,
 * so the three must agree bit for bit.  On seeded random inputs (price
 * walks, negative walks, mixed signs near zero, signed zeros, subnormals,
 * NaN holes, +-inf, runs of equal values longer and shorter than the
 * window, lengths around the 256-row block edges, windows 1..300) it
 * checks:
 *  - AVX-512 == AVX2 == portable, bit for bit (NaN where NaN);
 *  - each against an O(n*w) long-double reference: the NaN pattern exactly,
 *    the value within 1e-13 of the largest finite |x| the sliding sum may
 *    still carry rounding from (2 max(w, 256) rows back), or two subnormal
 *    ulps; a window of one value gives exactly that value (pandas'
 *    same-value rule); a window of one sign gives a mean that is not of the
 *    other sign (the sign clamp);
 *  - prefix invariance: the output for x[0..m) is the first m values of the
 *    output for x, bit for bit, for prefixes at and around block edges;
 *  - the rows where a bad value ends a fast block, and the rows right after
 *    it, follow the same rules (they are among the random inputs; a few
 *    fixed cases put them at each lane of an eight-row group).
 * It says whether the AVX-512 build ran (it needs AVX-512 F/BW/DQ/VL).
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

#include "pg_kernels.h"
#include "pg_test.h"

#define CASES 400
#define MAX_N 2100
#define TOL 1e-13

/* kind 0: price walk near 100; 1: its negative; 2: N(0,1) (mixed signs);
 * 3: walk near 1e6 with big jumps; 4: tiny values (1e-300 scale), signed
 * zeros among them; 5, 6: zeros and subnormals, all negative / all
 * positive.  holes: rate of NaN / +-inf; repeat: chance that a
 * value repeats the one before (runs); flip: rate of single wrong-sign
 * values (including -0.0 in a positive series). */
static void fill(pgt_rng *r, double *x, size_t n, int kind, double holes, double repeat,
                 double flip)
{
    double p = kind == 3 ? 1e6 : 100.0;
    for (size_t i = 0; i < n; i++) {
        double v;
        if (kind == 2) {
            v = pgt_rng_normal(r);
        } else if (kind == 4) {
            double u = pgt_rng_uniform(r);
            v = u < 0.1 ? 0.0 : u < 0.2 ? -0.0 : 1e-300 * pgt_rng_normal(r);
        } else if (kind >= 5) {
            /* zeros and the smallest subnormals, of one sign: the mean of
             * a negative window can round to -0.0, which the clamp keeps */
            double u = pgt_rng_uniform(r);
            v = u < 0.7 ? 0.0 : 4.9406564584124654e-324 * (double)(1 + pgt_rng_below(r, 4));
            v = kind == 5 ? -v : v;
        } else {
            p *= exp((kind == 3 ? 0.2 : 0.01) * pgt_rng_normal(r));
            v = kind == 1 ? -p : p;
        }
        if (i > 0 && pgt_rng_uniform(r) < repeat)
            v = x[i - 1];
        double u = pgt_rng_uniform(r);
        if (u < holes)
            v = NAN;
        else if (u < holes * 1.2)
            v = INFINITY;
        else if (u < holes * 1.4)
            v = -INFINITY;
        else if (u < holes * 1.4 + flip)
            v = pgt_rng_uniform(r) < 0.3 ? copysign(0.0, -v) : -v;
        x[i] = v;
    }
}

/* Windows 1..300, favouring the small ones and the block edges. */
static size_t rand_window(pgt_rng *r)
{
    static const size_t edge[] = { 1, 2, 3, 7, 8, 9, 16, 20, 255, 256, 257, 300 };
    if (pgt_rng_uniform(r) < 0.3)
        return edge[pgt_rng_below(r, sizeof edge / sizeof edge[0])];
    return pgt_rng_uniform(r) < 0.6 ? 2 + pgt_rng_below(r, 40) : 2 + pgt_rng_below(r, 299);
}

/* Lengths around the block edges (multiples of 256, +-9) or anywhere. */
static size_t rand_length(pgt_rng *r)
{
    if (pgt_rng_uniform(r) < 0.5) {
        size_t k = 1 + pgt_rng_below(r, 8);
        size_t n = k * 256 + pgt_rng_below(r, 19);
        return n < 9 ? 1 : n - 9;
    }
    return 1 + pgt_rng_below(r, MAX_N);
}

/* pandas rolling(w).mean() the slow, obvious way: NaN unless all w values
 * are finite; then the value itself if all are equal, else the mean. */
static double ref_mean(const double *x, size_t i, size_t w, double *scale, int *same, int *sign)
{
    *same = 0;
    *sign = 0;
    *scale = 0.0;
    if (i + 1 < w)
        return NAN;
    long double s = 0.0L;
    int pos = 1, neg = 1;
    for (size_t j = i + 1 - w; j <= i; j++) {
        if (!isfinite(x[j]))
            return NAN;
        s += x[j];
        if (signbit(x[j]))
            pos = 0;
        else
            neg = 0;
    }
    /* Sliding sums carry the rounding of every value since the last
     * rebuild (at most 2 max(w, 256) rows back): the bound is relative to
     * the largest of those, not to the window alone. */
    size_t back = 2 * (w > 256 ? w : 256);
    for (size_t j = i + 1 > back ? i + 1 - back : 0; j <= i; j++)
        if (isfinite(x[j]) && fabs(x[j]) > *scale)
            *scale = fabs(x[j]);
    *sign = pos ? 1 : neg ? -1 : 0;
    *same = 1;
    for (size_t j = i + 2 - w; j <= i; j++)
        if (!(x[j] == x[j - 1]))
            *same = 0;
    return (double)(s / (long double)w);
}

static int same_bits(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* out of each path for x, and each against the reference. */
static void check_case(const char *what, const double *x, size_t n, size_t w,
                       double *out[PGT_NBUILDS], size_t *rows)
{
    for (int p = 0; p < PGT_NBUILDS; p++) {
        pgt_use_build(p);
        assert_int_equal(pg_rolling_mean(x, n, w, out[p]), PG_OK);
    }
    pgt_use_build(PGT_BUILD_DEFAULT);
    for (size_t i = 0; i < n; i++) {
        for (int p = 1; p < PGT_NBUILDS; p++)
            if (!same_bits(out[0][i], out[p][i]))
                fail_msg("%s n %zu w %zu row %zu: default %.17g, %s %.17g", what, n, w, i,
                         out[0][i], pgt_build_name[p], out[p][i]);
        double scale;
        int same, sign;
        double e = ref_mean(x, i, w, &scale, &same, &sign);
        double m = out[0][i];
        if (isnan(e) != isnan(m))
            fail_msg("%s n %zu w %zu row %zu: %.17g, expected %.17g", what, n, w, i, m, e);
        if (isnan(e))
            continue;
        (*rows)++;
        if (same && !same_bits(m, x[i]))
            fail_msg("%s n %zu w %zu row %zu: window of one value %.17g gave %.17g", what, n, w, i,
                     x[i], m);
        if ((sign > 0 && m < 0.0) || (sign < 0 && m > 0.0))
            fail_msg("%s n %zu w %zu row %zu: window of one sign gave %.17g", what, n, w, i, m);
        /* (plus one subnormal ulp or two: m = sum * (1/w) is rounded twice) */
        if (fabs(m - e) > TOL * scale + 2.0 * 4.9406564584124654e-324)
            fail_msg("%s n %zu w %zu row %zu: %.17g vs %.17g (scale %g)", what, n, w, i, m, e,
                     scale);
    }
}

/* The output for x[0..m) is the output for x cut at m, in every path. */
static void check_prefix(const double *x, size_t n, size_t w, size_t m, double *full[PGT_NBUILDS],
                         double *part)
{
    for (int p = 0; p < PGT_NBUILDS; p++) {
        pgt_use_build(p);
        assert_int_equal(pg_rolling_mean(x, m, w, part), PG_OK);
        for (size_t i = 0; i < m; i++)
            if (!same_bits(part[i], full[p][i]))
                fail_msg("prefix %zu of %zu, w %zu, %s: row %zu %.17g vs %.17g", m, n, w,
                         pgt_build_name[p], i, part[i], full[p][i]);
    }
    pgt_use_build(PGT_BUILD_DEFAULT);
}

static void test_paths_random(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0x5eed0e81);
    double *x = malloc(MAX_N * sizeof *x), *part = malloc(MAX_N * sizeof *part);
    double *out[PGT_NBUILDS];
    for (int p = 0; p < PGT_NBUILDS; p++)
        out[p] = malloc(MAX_N * sizeof *out[p]);
    assert_non_null(x);
    size_t rows = 0, prefixes = 0;
    for (size_t cs = 0; cs < CASES; cs++) {
        size_t n = rand_length(&r);
        if (n > MAX_N)
            n = MAX_N;
        int kind = (int)pgt_rng_below(&r, 7);
        double holes = pgt_rng_uniform(&r) < 0.5 ? 0.0 : 0.01 * pgt_rng_uniform(&r);
        double repeat = pgt_rng_uniform(&r) < 0.5 ? 0.0 : pgt_rng_uniform(&r);
        double flip = pgt_rng_uniform(&r) < 0.6 ? 0.0 : 0.005 * pgt_rng_uniform(&r);
        fill(&r, x, n, kind, holes, repeat, flip);
        size_t w = rand_window(&r);
        char what[64];
        snprintf(what, sizeof what, "case %zu kind %d", cs, kind);
        check_case(what, x, n, w, out, &rows);
        /* Prefixes: at a block edge +-1, inside an eight-row group, random. */
        size_t cuts[4] = { 256 * (1 + pgt_rng_below(&r, 8)) + pgt_rng_below(&r, 3) - 1,
                           pgt_rng_below(&r, n + 1), 8 * pgt_rng_below(&r, n / 8 + 1) + 3, n / 2 };
        for (int k = 0; k < 4; k++) {
            if (cuts[k] == 0 || cuts[k] >= n)
                continue;
            check_prefix(x, n, w, cuts[k], out, part);
            prefixes++;
        }
    }
    printf("rolling mean: %zu cases, %zu finite rows, %zu prefixes; AVX-512 build %s\n",
           (size_t)CASES, rows, prefixes,
           pgt_cpu_has_avx512() ? "exercised (default path)" : "not available on this CPU");
    for (int p = 0; p < PGT_NBUILDS; p++)
        free(out[p]);
    free(x);
    free(part);
}

/* A single bad value (NaN, inf, wrong sign, -0.0 in a positive series) at
 * every offset of a 300-row stretch: every lane of the eight-row groups,
 * both sides of a block edge; and an equal pair at every offset.  Each
 * case checks all paths and the reference. */
static void test_bad_value_every_lane(void **state)
{
    (void)state;
    enum { N = 700 };
    static double x[N], a[N], b[N], c[N];
    double *out[PGT_NBUILDS] = { a, b, c };
    const double bad[] = { NAN, INFINITY, -INFINITY, -1.0, -0.0 };
    size_t rows = 0;
    for (size_t w = 2; w <= 20; w += 9) {
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            for (size_t at = 200; at < 320; at++) {
                for (size_t i = 0; i < N; i++)
                    x[i] = 50.0 + (double)((i * 7919) % 101) * 0.25;
                x[at] = bad[k];
                check_case("one bad value", x, N, w, out, &rows);
                /* The same on the negative series (-1.0 -> +1.0 there). */
                for (size_t i = 0; i < N; i++)
                    x[i] = -x[i];
                check_case("one bad value, negative series", x, N, w, out, &rows);
            }
        }
        for (size_t at = 200; at < 320; at++) {
            for (size_t i = 0; i < N; i++)
                x[i] = 50.0 + (double)((i * 7919) % 101) * 0.25;
            for (size_t j = at; j < at + w && j < N; j++)
                x[j] = x[at - 1]; /* a run of w + 1 equal values from at-1 */
            check_case("one run", x, N, w, out, &rows);
        }
    }
    printf("rolling mean: %zu rows with bad values and runs at every lane\n", rows);
}

/* Two runs of equal values a gap apart: the run length has to be followed
 * across groups with no equal neighbours (it restarts at 1 there), with
 * the first run ending at every lane and the second starting at every
 * lane of a group. */
static void test_two_runs(void **state)
{
    (void)state;
    enum { N = 300 };
    static double x[N], a[N], b[N], c[N];
    double *out[PGT_NBUILDS] = { a, b, c };
    static const size_t ws[] = { 2, 3, 4, 5, 9 };
    size_t rows = 0;
    for (size_t k = 0; k < sizeof ws / sizeof ws[0]; k++) {
        size_t w = ws[k];
        for (size_t len = 2; len <= w + 1; len++) {
            for (size_t gap = 1; gap <= 17; gap++) {
                for (size_t at = 40; at < 48; at++) {
                    for (size_t i = 0; i < N; i++)
                        x[i] = 50.0 + (double)((i * 7919) % 101) * 0.25;
                    for (size_t j = at + 1 - len; j <= at; j++)
                        x[j] = x[at]; /* a run of len ending at at */
                    for (size_t j = at + gap + 1; j <= at + gap + w; j++)
                        x[j] = x[at + gap]; /* then one of w + 1 */
                    check_case("two runs", x, N, w, out, &rows);
                }
            }
        }
    }
    printf("rolling mean: %zu rows with two runs\n", rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_random),
        cmocka_unit_test(test_bad_value_every_lane),
        cmocka_unit_test(test_two_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
