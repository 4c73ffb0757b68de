/*
 * test_hurst.c - property tests of pg_hurst (kernels/cpu/hurst.c) on many
 * seeded inputs, against TradePulse's computation done slowly
 * (pgt_hurst_reference, tests/support: a per-lag loop with long double
 * sums over the differences rounded in the working dtype, KERNELS.md
 * section 3), within the golden tolerance for hurst_exponent (rtol 1e-9,
 * atol 1e-12, data/golden/README.md), NaN <=> NaN.  Also: the portable
 * build (4 lanes, no FMA) agrees with the process's own one (AVX-512 or
 * AVX2) within PORTABLE_ATOL, and the same input gives the same bits twice.
 *
 * The inputs are the shapes that take the different float32 paths: price
 * walks at levels 1e-39 (subnormal floats) to 3e38 (floats that overflow),
 * whose blocks are "exact" (every lag difference of the floats is exact)
 * at low volatility and not at high; noise and walks through 0 (inexact);
 * trends (a mean that is not negligible against the rms: the second pass
 * over the inexact blocks); a price that triples within a block among
 * exact blocks; constant stretches; NaN and inf holes.  Lengths sit on
 * and around the 2048-point block edges and 2*max_lag; lag ranges cross
 * the 64-lag groups.
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

#define SEED 20261126u
#define CASES 480
#define RTOL 1e-9 /* golden: hurst_exponent */
#define ATOL 1e-12
#define PORTABLE_ATOL 1e-12

static size_t pick(pgt_rng *r, size_t lo, size_t hi) /* [lo, hi] */
{
    return lo + (size_t)(pgt_rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* One of the shapes above; returns a short name for messages. */
static const char *fill(pgt_rng *r, int kind, double *x, size_t n)
{
    static const double levels[] = { 1.0, 100.0, 1e4, 1e6, 1e-39, 1e37, 3e38 };
    static const double vols[] = { 0.0005, 0.001, 0.01, 0.05, 0.2 };
    double level = levels[pick(r, 0, 3)], vol = vols[pick(r, 0, 4)];
    double p = level, acc = 0.0, drift = (pgt_rng_uniform(r) - 0.5) * 0.02;
    size_t jump = pick(r, 0, n - 1), hold = 0;
    switch (kind) {
    case 0: /* noise */
        for (size_t i = 0; i < n; i++)
            x[i] = level * pgt_rng_normal(r);
        return "noise";
    case 1: /* geometric price walk */
        for (size_t i = 0; i < n; i++) {
            p *= exp(vol * pgt_rng_normal(r));
            x[i] = p;
        }
        return "walk";
    case 2: /* additive walk from 0: signs mixed */
        for (size_t i = 0; i < n; i++) {
            acc += pgt_rng_normal(r);
            x[i] = level * acc;
        }
        return "walk0";
    case 3: /* trend plus noise, sometimes through 0 */
        for (size_t i = 0; i < n; i++)
            x[i] = level * (drift * ((double)i - 0.3 * (double)n) + 0.05 * pgt_rng_normal(r));
        return "trend";
    case 4: /* walk with constant stretches */
        for (size_t i = 0; i < n; i++) {
            if (hold) {
                hold--;
            } else {
                p *= exp(vol * pgt_rng_normal(r));
                if (pgt_rng_uniform(r) < 0.02)
                    hold = pick(r, 1, 300);
            }
            x[i] = p;
        }
        return "stretches";
    case 5: /* walk with NaN / inf holes */
        for (size_t i = 0; i < n; i++) {
            p *= exp(0.001 * pgt_rng_normal(r));
            x[i] = p;
        }
        x[pick(r, 0, n - 1)] = pick(r, 0, 2) == 0 ? NAN : pick(r, 0, 1) ? INFINITY : -INFINITY;
        return "holes";
    case 6: /* extreme levels: subnormal floats, near and past FLT_MAX */
        level = levels[pick(r, 4, 6)];
        p = level;
        for (size_t i = 0; i < n; i++) {
            p *= exp(0.002 * pgt_rng_normal(r));
            x[i] = p;
        }
        return "extreme";
    default: /* a trending walk that triples at one point (one inexact block) */
        for (size_t i = 0; i < n; i++) {
            p *= exp(0.001 * pgt_rng_normal(r) + 0.0005);
            if (i == jump)
                p *= 3.0;
            x[i] = p;
        }
        return "jump";
    }
}

typedef struct worst {
    double slow[2]; /* max |H - reference| by dtype (0 float64, 1 float32) */
    double portable;
} worst;

static void check_case(int iter, const char *shape, const double *x, size_t n, size_t lo, size_t hi,
                       int f32, worst *w)
{
    pg_dtype dt = f32 ? PG_FLOAT32 : PG_FLOAT64;
    double h, h2, hv, hs = pgt_hurst_reference(x, n, lo, hi, f32);
    assert_int_equal(pg_hurst(x, n, lo, hi, dt, &h), PG_OK);
    assert_int_equal(pg_hurst(x, n, lo, hi, dt, &h2), PG_OK);
    pgt_use_build(PGT_BUILD_PORTABLE);
    assert_int_equal(pg_hurst(x, n, lo, hi, dt, &hv), PG_OK);
    pgt_use_build(PGT_BUILD_DEFAULT);

    if (memcmp(&h, &h2, sizeof h) != 0)
        fail_msg("case %d: two calls differ: %.17g, %.17g", iter, h, h2);
    const char *what = NULL;
    double ref = 0.0;
    if (!pgt_close(h, hs, RTOL, ATOL))
        what = "the slow loop", ref = hs;
    else if (!pgt_close(hv, h, 0.0, PORTABLE_ATOL))
        what = "the portable build", ref = hv;
    if (what)
        fail_msg("case %d (%s, n %zu, lags %zu..%zu, %s): %.17g vs %s %.17g", iter, shape, n, lo,
                 hi, f32 ? "f32" : "f64", h, what, ref);
    if (!isnan(h)) {
        double ds = fabs(h - hs), dv = fabs(h - hv);
        w->slow[f32] = ds > w->slow[f32] ? ds : w->slow[f32];
        w->portable = dv > w->portable ? dv : w->portable;
    }
}

static void test_hurst_many_inputs(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, SEED);
    worst w = { { 0, 0 }, 0 };
    for (int iter = 0; iter < CASES; iter++) {
        size_t lo = 2, hi = 50;
        switch (iter % 4) {
        case 1: hi = 20; break;
        case 2: lo = pick(&r, 2, 6), hi = lo + pick(&r, 1, 60); break;
        case 3: lo = pick(&r, 2, 4), hi = lo + pick(&r, 60, 130); break; /* two groups */
        default: break;
        }
        size_t n;
        switch ((iter / 4) % 5) {
        case 0: n = 2 * hi + pick(&r, 0, 5) - 1; break; /* 2*max_lag - 1 gives 0.5 */
        case 1: n = 2048 + hi + pick(&r, 0, 6) - 3; break;
        case 2: n = 4096 + pick(&r, 0, 6) - 3; break;
        case 3: n = 2048 * pick(&r, 1, 4) + pick(&r, 0, 2 * hi); break;
        default: n = pick(&r, 2 * hi, 12000); break;
        }
        int kind = (int)pick(&r, 0, 7), f32 = (iter & 1) || kind == 6;
        double *x = malloc(n * sizeof *x);
        assert_non_null(x);
        const char *shape = fill(&r, kind, x, n);
        check_case(iter, shape, x, n, lo, hi, f32, &w);
        free(x);
    }
    printf("hurst: %d cases; max |H - slow loop| f64 %.3g, f32 %.3g; max |H - portable build| "
           "%.3g\n",
           CASES, w.slow[0], w.slow[1], w.portable);
}

/* The benchmark's input (a walk from 100 with sigma 0.001, lags 2..50,
 * float32) at a size with many blocks, and the same walk made to need the
 * second pass: a trend through 0 (inexact blocks, mean >> 1e-3 rms) and a
 * trending price with one tripling (exact blocks and one inexact). */
static void test_hurst_long_series(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, SEED + 1);
    size_t n = 1u << 17;
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    worst w = { { 0, 0 }, 0 };
    double p = 100.0;
    for (size_t i = 0; i < n; i++) {
        p *= 1.0 + (0.001 * pgt_rng_normal(&r) + 0.5e-6);
        x[i] = p;
    }
    check_case(-1, "bench walk", x, n, 2, 50, 1, &w);
    check_case(-1, "bench walk", x, n, 2, 50, 0, &w);
    for (size_t i = 0; i < n; i++)
        x[i] = 1e-4 * ((double)i - 0.5 * (double)n) + 0.01 * pgt_rng_normal(&r);
    check_case(-2, "trend through 0", x, n, 2, 50, 1, &w);
    p = 100.0;
    for (size_t i = 0; i < n; i++) {
        p *= exp(0.001 * pgt_rng_normal(&r) + 2e-5);
        if (i == n / 3)
            p *= 3.0;
        x[i] = p;
    }
    check_case(-3, "trending walk with a jump", x, n, 2, 50, 1, &w);
    free(x);
    printf("hurst long series: max |H - slow loop| %.3g; max |H - portable build| %.3g\n",
           w.slow[1] > w.slow[0] ? w.slow[1] : w.slow[0], w.portable);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hurst_many_inputs),
        cmocka_unit_test(test_hurst_long_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
