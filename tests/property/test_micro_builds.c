/*
 * test_micro_builds.c - Kyle's lambda and Hasbrouck's measure
 * (kernels/cpu/micro.c) give the same bits in every build: the AVX-512
 * one (eight rows a step, the clean rows tested as it goes; the default
 * where the CPU has it), AVX2 and portable (four rows a step, forced with
 * pgt_use_build).  The eight-row path does the operations of two four-row
 * groups in the same order, so the three must agree bit for bit.
 *
 * Inputs: return_1 of a price walk and a signed volume, clean (every row
 * takes the fast path: whole blocks of eight-row groups and the four-row
 * tail) or with NaN / inf holes and runs of equal q (the fast path stops
 * at every lane of a group and the careful path takes over); windows 2 to
 * 300 and the eight-row edges; lengths around the 256-row block edges.
 * The values themselves are checked against TradePulse's per-window
 * regression in test_features.c (test_micro_vs_naive).
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

#define CASES 300
#define MAX_N 2100

static int same_bits(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Price walk -> ret (return_1), signed volume q; holes: rate of NaN/inf in
 * either, repeat: chance that q repeats the value before. */
static void fill(pgt_rng *r, double *ret, double *q, size_t n, double holes, double repeat)
{
    double *price = malloc(n * sizeof *price);
    assert_non_null(price);
    double p = 100.0;
    for (size_t i = 0; i < n; i++) {
        p *= exp(0.01 * pgt_rng_normal(r));
        price[i] = p;
        q[i] = 300.0 * pgt_rng_normal(r);
        if (i > 0 && pgt_rng_uniform(r) < repeat)
            q[i] = q[i - 1];
        double u = pgt_rng_uniform(r);
        if (u < holes)
            price[i] = NAN;
        else if (u < 2 * holes)
            q[i] = pgt_rng_uniform(r) < 0.5 ? NAN : INFINITY;
    }
    assert_int_equal(pg_return_1(price, n, ret), PG_OK);
    free(price);
}

static size_t rand_window(pgt_rng *r)
{
    static const size_t edge[] = { 2, 3, 4, 7, 8, 9, 15, 16, 17, 50, 255, 256, 257, 300 };
    if (pgt_rng_uniform(r) < 0.4)
        return edge[pgt_rng_below(r, sizeof edge / sizeof edge[0])];
    return 2 + pgt_rng_below(r, 120);
}

static size_t rand_length(pgt_rng *r)
{
    if (pgt_rng_uniform(r) < 0.5) {
        size_t n = (1 + pgt_rng_below(r, 7)) * 256 + pgt_rng_below(r, 19);
        return n < 10 ? 1 : n - 9;
    }
    return 1 + pgt_rng_below(r, MAX_N);
}

static void test_builds_agree(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, 0x6d696372u);
    double *ret = malloc(MAX_N * sizeof *ret), *q = malloc(MAX_N * sizeof *q);
    double *out[PGT_NBUILDS][2];
    for (int b = 0; b < PGT_NBUILDS; b++)
        for (int h = 0; h < 2; h++) {
            out[b][h] = malloc(MAX_N * sizeof(double));
            assert_non_null(out[b][h]);
        }
    assert_non_null(ret);
    assert_non_null(q);
    size_t rows = 0;
    for (size_t cs = 0; cs < CASES; cs++) {
        size_t n = rand_length(&r), w = rand_window(&r);
        int clean = pgt_rng_uniform(&r) < 0.5;
        fill(&r, ret, q, n, clean ? 0.0 : 0.004, clean ? 0.0 : 0.01);
        for (int b = 0; b < PGT_NBUILDS; b++) {
            pgt_use_build(b);
            assert_int_equal(pg_kyles_lambda(ret, q, n, w, out[b][0]), PG_OK);
            assert_int_equal(pg_hasbrouck(ret, q, n, w, out[b][1]), PG_OK);
        }
        pgt_use_build(PGT_BUILD_DEFAULT);
        for (int h = 0; h < 2; h++)
            for (size_t i = 0; i < n; i++) {
                rows += !isnan(out[0][h][i]);
                for (int b = 1; b < PGT_NBUILDS; b++)
                    if (!same_bits(out[0][h][i], out[b][h][i]))
                        fail_msg("case %zu %s n %zu w %zu row %zu: %s %.17g, %s %.17g", cs,
                                 h ? "hasbrouck" : "kyle", n, w, i, pgt_build_name[0], out[0][h][i],
                                 pgt_build_name[b], out[b][h][i]);
            }
    }
    printf("micro builds: %zu cases, %zu finite rows bit-identical in %d builds%s\n", (size_t)CASES,
           rows, PGT_NBUILDS, pgt_cpu_has_avx512() ? " (AVX-512 exercised)" : "");
    assert_true(rows > 0);
    for (int b = 0; b < PGT_NBUILDS; b++)
        for (int h = 0; h < 2; h++)
            free(out[b][h]);
    free(ret);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builds_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
