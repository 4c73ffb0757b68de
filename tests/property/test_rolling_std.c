/*
 * test_rolling_std.c - property tests of the rolling std's three builds
 * (kernels/cpu/rolling.c, pg_rolling_std and pg_volatility): AVX-512 (eight
 * rows a step, chosen at run time where the CPU has it), AVX2 and portable
 * (both forced with pgt_use_build).
 *
 * The AVX-512 build does the four-lane path's operations in the same order
 * (Welford's sliding update, prefix-summed four rows at a time), so the
 * three must agree bit for bit.  On seeded random inputs (price walks,
 * trends that drift away from the shift K, mixed signs, big jumps, tiny
 * values and subnormals, NaN holes, +-inf, runs of equal values, lengths
 * around the 256-row block edges, windows 1..300 and past the fast path's
 * limit of 1024) it checks:
 *  - AVX-512 == AVX2 == portable, bit for bit (NaN where NaN);
 *  - each against an O(n*w) long-double reference: the NaN pattern
 *    exactly; a window of one value gives exactly +0 (pandas' same-value
 *    rule); otherwise |sd^2 - ref^2| <= 1e-12 D^2 (+ a floor for values
 *    whose squares underflow), D the range of the values the sliding sums
 *    may still carry rounding from (2 max(w, 256) rows back);
 *  - prefix invariance, at and around block edges;
 *  - volatility_w(price) == rolling_std(return_1(price)), bit for bit,
 *    in every build;
 *  - a bad value and a run of equal values at every lane of a group;
 *  - volume_z (the same sums and the mean's) on the same inputs: AVX-512
 *    == AVX2 == portable, bit for bit.
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
#define MAX_N 2600

/* kind 7: a steady trend (drift rebuilds); kind 0: price walk near 100; 1: its negative; 2: N(0,1) (mixed signs);
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
        } else if (kind == 7) {
            p *= 1.002 + 1e-4 * pgt_rng_normal(r);
            v = p;
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

/* Windows 1..300 (and 1024, 1025: the fast path's limit), favouring the small ones and the block edges. */
static size_t rand_window(pgt_rng *r)
{
    static const size_t edge[] = { 1, 2, 3, 7, 8, 9, 16, 20, 255, 256, 257, 300, 1024, 1025 };
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

/* pandas rolling(w).std() the slow way: NaN unless w >= 2 and all w
 * values finite; *same when all are equal; *range: D above. */
static long double ref_std(const double *x, size_t i, size_t w, long double *range, int *same)
{
    *same = 0;
    *range = 0.0L;
    if (i + 1 < w || w < 2)
        return NAN;
    long double s = 0.0L;
    for (size_t j = i + 1 - w; j <= i; j++) {
        if (!isfinite(x[j]))
            return NAN;
        s += x[j];
    }
    long double m = s / (long double)w, ss = 0.0L;
    for (size_t j = i + 1 - w; j <= i; j++)
        ss += ((long double)x[j] - m) * ((long double)x[j] - m);
    size_t back = 2 * (w > 256 ? w : 256);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = i + 1 > back ? i + 1 - back : 0; j <= i; j++)
        if (isfinite(x[j])) {
            lo = x[j] < lo ? x[j] : lo;
            hi = x[j] > hi ? x[j] : hi;
        }
    *range = (long double)hi - (long double)lo;
    *same = 1;
    for (size_t j = i + 2 - w; j <= i; j++)
        if (!(x[j] == x[j - 1]))
            *same = 0;
    return sqrtl(ss / (long double)(w - 1));
}

static int same_bits(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static double max_rel_dev; /* largest |sd - ref| / ref seen, ref > 1e-6 D */

/* out of each path for x, and each against the reference; also the
 * volatility of x as a price against the std of its returns. */
static void check_case(const char *what, const double *x, size_t n, size_t w,
                       double *out[PGT_NBUILDS], size_t *rows)
{
    for (int p = 0; p < PGT_NBUILDS; p++) {
        pgt_use_build(p);
        assert_int_equal(pg_rolling_std(x, n, w, out[p]), PG_OK);
    }
    pgt_use_build(PGT_BUILD_DEFAULT);
    for (size_t i = 0; i < n; i++) {
        for (int p = 1; p < PGT_NBUILDS; p++)
            if (!same_bits(out[0][i], out[p][i]))
                fail_msg("%s n %zu w %zu row %zu: default %.17g, %s %.17g", what, n, w, i,
                         out[0][i], pgt_build_name[p], out[p][i]);
        long double range;
        int same;
        long double e = ref_std(x, i, w, &range, &same);
        double sd = out[0][i];
        if (isnan((double)e) != isnan(sd))
            fail_msg("%s n %zu w %zu row %zu: %.17g, expected %.17Lg", what, n, w, i, sd, e);
        if (isnan(sd))
            continue;
        (*rows)++;
        if (same && !same_bits(sd, 0.0))
            fail_msg("%s n %zu w %zu row %zu: window of one value gave %.17g", what, n, w, i, sd);
        long double d2 = fabsl((long double)sd * sd - e * e);
        if (!(sd >= 0.0) || d2 > 1e-12L * range * range + 1e-290L)
            fail_msg("%s n %zu w %zu row %zu: %.17g vs %.17Lg (range %Lg)", what, n, w, i, sd, e,
                     range);
        if (e > 1e-6L * range && e > 1e-150L) {
            double rel = (double)(fabsl((long double)sd - e) / e);
            if (rel > max_rel_dev)
                max_rel_dev = rel;
        }
    }
}

/* volatility_w(price) and rolling_std(return_1(price)), bit for bit. */
static void check_volatility(const double *x, size_t n, size_t w, double *ret, double *a, double *b)
{
    for (int p = 0; p < PGT_NBUILDS; p++) {
        pgt_use_build(p);
        assert_int_equal(pg_return_1(x, n, ret), PG_OK);
        assert_int_equal(pg_volatility(x, n, w, a), PG_OK);
        assert_int_equal(pg_rolling_std(ret, n, w, b), PG_OK);
        for (size_t i = 0; i < n; i++)
            if (!same_bits(a[i], b[i]))
                fail_msg("volatility n %zu w %zu %s row %zu: %.17g vs std of returns %.17g", n, w,
                         pgt_build_name[p], i, a[i], b[i]);
    }
    pgt_use_build(PGT_BUILD_DEFAULT);
}

/* volume_z (the z-score on the same sums) in every path, bit for bit
 * (NaN where NaN): its AVX-512 build is the std's plus the mean's. */
static size_t z_rows;
static void check_z(const char *what, const double *x, size_t n, size_t w, double *out[PGT_NBUILDS])
{
    for (int p = 0; p < PGT_NBUILDS; p++) {
        pgt_use_build(p);
        assert_int_equal(pg_volume_z(x, n, w, out[p]), PG_OK);
    }
    pgt_use_build(PGT_BUILD_DEFAULT);
    for (size_t i = 0; i < n; i++) {
        for (int p = 1; p < PGT_NBUILDS; p++)
            if (!same_bits(out[0][i], out[p][i]))
                fail_msg("volume_z %s n %zu w %zu row %zu: default %.17g, %s %.17g", what, n, w, i,
                         out[0][i], pgt_build_name[p], out[p][i]);
        z_rows += !isnan(out[0][i]);
    }
}

/* The output for x[0..m) is the output for x cut at m, in every path. */
static void check_prefix(const double *x, size_t n, size_t w, size_t m, double *full[PGT_NBUILDS],
                         double *part)
{
    for (int p = 0; p < PGT_NBUILDS; p++) {
        pgt_use_build(p);
        assert_int_equal(pg_rolling_std(x, m, w, part), PG_OK);
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
    pgt_rng_seed(&r, 0x5eed57d0);
    double *x = malloc(MAX_N * sizeof *x), *part = malloc(MAX_N * sizeof *part);
    double *ret = malloc(MAX_N * sizeof *ret), *va = malloc(MAX_N * sizeof *va);
    double *vb = malloc(MAX_N * sizeof *vb);
    double *out[PGT_NBUILDS];
    for (int p = 0; p < PGT_NBUILDS; p++)
        out[p] = malloc(MAX_N * sizeof *out[p]);
    assert_non_null(x);
    size_t rows = 0, prefixes = 0;
    for (size_t cs = 0; cs < CASES; cs++) {
        size_t n = rand_length(&r);
        int kind = (int)pgt_rng_below(&r, 8);
        double holes = pgt_rng_uniform(&r) < 0.5 ? 0.0 : 0.01 * pgt_rng_uniform(&r);
        double repeat = pgt_rng_uniform(&r) < 0.5 ? 0.0 : pgt_rng_uniform(&r);
        double flip = pgt_rng_uniform(&r) < 0.6 ? 0.0 : 0.005 * pgt_rng_uniform(&r);
        size_t w = rand_window(&r);
        if (w > 300 && n < 2 * w)
            n = 2 * w + pgt_rng_below(&r, MAX_N - 2 * w);
        fill(&r, x, n, kind, holes, repeat, flip);
        char what[64];
        snprintf(what, sizeof what, "case %zu kind %d", cs, kind);
        check_case(what, x, n, w, out, &rows);
        check_volatility(x, n, w, ret, va, vb);
        size_t cuts[4] = { 256 * (1 + pgt_rng_below(&r, 8)) + pgt_rng_below(&r, 3) - 1,
                           pgt_rng_below(&r, n + 1), 8 * pgt_rng_below(&r, n / 8 + 1) + 3, n / 2 };
        for (int k = 0; k < 4; k++) {
            if (cuts[k] == 0 || cuts[k] >= n)
                continue;
            check_prefix(x, n, w, cuts[k], out, part);
            prefixes++;
        }
        check_z(what, x, n, w, out); /* (overwrites out: after the prefixes) */
    }
    printf("rolling std: %zu cases, %zu finite rows, %zu prefixes, max rel. dev. from the "
           "long-double reference %.3g; AVX-512 build %s\n",
           (size_t)CASES, rows, prefixes, max_rel_dev,
           pgt_cpu_has_avx512() ? "exercised (default path)" : "not available on this CPU");
    for (int p = 0; p < PGT_NBUILDS; p++)
        free(out[p]);
    free(x);
    free(part);
    free(ret);
    free(va);
    free(vb);
}

/* A NaN or +-inf at every offset of a 120-row stretch (every lane of the
 * eight-row groups, both sides of a block edge), a run of w + 1 equal
 * values starting at every offset, on a walk and on a trend (drift
 * rebuilds at many rows). */
static void test_bad_value_every_lane(void **state)
{
    (void)state;
    enum { N = 700 };
    static double x[N], a[N], b[N], c[N], ret[N], va[N], vb[N];
    double *out[PGT_NBUILDS] = { a, b, c };
    const double bad[] = { NAN, INFINITY, -INFINITY };
    size_t rows = 0;
    for (int trend = 0; trend < 2; trend++) {
        for (size_t w = 2; w <= 20; w += 9) {
            for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
                for (size_t at = 200; at < 320; at++) {
                    for (size_t i = 0; i < N; i++)
                        x[i] = (trend ? 10.0 + 0.5 * (double)i : 50.0) +
                               (double)((i * 7919) % 101) * 0.25;
                    x[at] = bad[k];
                    check_case("one bad value", x, N, w, out, &rows);
                    check_volatility(x, N, w, ret, va, vb);
                    check_z("one bad value", x, N, w, out);
                }
            }
            for (size_t at = 200; at < 320; at++) {
                for (size_t i = 0; i < N; i++)
                    x[i] =
                        (trend ? 10.0 + 0.5 * (double)i : 50.0) + (double)((i * 7919) % 101) * 0.25;
                for (size_t j = at; j < at + w && j < N; j++)
                    x[j] = x[at - 1];
                check_case("one run", x, N, w, out, &rows);
                check_volatility(x, N, w, ret, va, vb);
                check_z("one run", x, N, w, out);
            }
        }
    }
    printf("rolling std: %zu rows with bad values and runs at every lane\n", rows);
}

/* A smooth trend, slow against the window's spread at first and then fast:
 * the window mean leaves K and the fast path rebuilds early, after four-row
 * groups at every lane offset, for windows of every residue mod 8. */
static void test_drift(void **state)
{
    (void)state;
    enum { N = 1500 };
    static double x[N], a[N], b[N], c[N];
    double *out[PGT_NBUILDS] = { a, b, c };
    size_t rows = 0;
    for (size_t w = 2; w <= 41; w++) {
        for (int s = 0; s < 4; s++) {
            double slope = 0.01 * (double)(1 << (2 * s));
            for (size_t i = 0; i < N; i++)
                x[i] =
                    1e4 + slope * (double)i * (double)i / 100.0 + (double)((i * 7919) % 13) * 0.01;
            check_case("trend", x, N, w, out, &rows);
            check_z("trend", x, N, w, out);
        }
    }
    printf("rolling std: %zu rows of trends; volume_z: %zu finite rows in all\n", rows, z_rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_random),
        cmocka_unit_test(test_bad_value_every_lane),
        cmocka_unit_test(test_drift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
