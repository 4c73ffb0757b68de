/*
 * test_feature_blocks.c - pg_features works through the frame in row
 * blocks (pgf_features_run, kernels/cpu/features.c): the EWMs carry their
 * state from one block to the next, the rolling kernels restart before the
 * block and the whole column's rows are kept.  Every block size must give
 * the bits of whole columns, one after another (block 0), on every build:
 * block sizes 1, 7, 255, 256, 300, 4096, n-1 and n, windows wider than the
 * block, spans wider than the blocked driver takes (whole columns then),
 * prices with NaN, inf, flat stretches, a leading NaN run and a NaN run
 * across a block boundary.
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

#include "cpu/features_internal.h"
#include "pg_kernels.h"
#include "pg_test.h"

enum { NIN = 7 };

typedef struct frame {
    size_t n;
    double *x[NIN]; /* close, high, low, volume, bid, ask, signed volume */
    pg_ohlcv in;
} frame;

static void frame_make(frame *f, size_t n, uint64_t seed, double holes, int flat)
{
    pgt_rng r;
    pgt_rng_seed(&r, seed);
    f->n = n;
    for (int c = 0; c < NIN; c++) {
        f->x[c] = malloc(n * sizeof(double));
        assert_non_null(f->x[c]);
    }
    pgt_fill_series(&r, f->x[0], n, 0, holes);
    for (size_t i = 0; i < n; i++) {
        double c = f->x[0][i], u = pgt_rng_uniform(&r);
        f->x[1][i] = c + u;
        f->x[2][i] = c - u;
        f->x[3][i] = 1000.0 * (1.0 + pgt_rng_uniform(&r));
        f->x[4][i] = floor(100.0 * pgt_rng_uniform(&r));
        f->x[5][i] = floor(100.0 * pgt_rng_uniform(&r));
    }
    pgt_fill_series(&r, f->x[6], n, 1, holes);
    if (flat && n > 2000) {
        /* a flat stretch (same-value rules, zero variance), a leading NaN
         * run, and a NaN run across the 1024- and 4096-row boundaries */
        for (size_t i = 700; i < 1100; i++) {
            f->x[0][i] = 101.25;
            f->x[3][i] = 1500.0;
            f->x[6][i] = 2.0;
        }
        for (size_t i = 0; i < 30; i++)
            f->x[0][i] = NAN;
        for (size_t i = 1000; i < 1040 && i < n; i++)
            f->x[0][i] = NAN;
        for (size_t i = 4090; i < 4100 && i < n; i++)
            f->x[0][i] = NAN;
    }
    pg_ohlcv in = { n, NULL, NULL, f->x[1], f->x[2], f->x[0], f->x[3], f->x[4], f->x[5], f->x[6] };
    f->in = in;
}

static void frame_free(frame *f)
{
    for (int c = 0; c < NIN; c++)
        free(f->x[c]);
}

/* Bits equal, or both NaN. */
static int same(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b);
}

static void check_blocks(const pg_features_config *cfg, const frame *f, const size_t *blocks,
                         size_t nb, const char *what)
{
    size_t nc = pg_features_ncols(cfg, &f->in), n = f->n;
    double *whole = malloc(nc * n * sizeof(double));
    double *got = malloc(nc * n * sizeof(double));
    assert_non_null(whole);
    assert_non_null(got);
    pgf_features_run(cfg, &f->in, whole, 0);
    /* the public entry point is one of the blocked runs */
    for (size_t i = 0; i < nc * n; i++)
        got[i] = -7.0;
    assert_int_equal(pg_features(cfg, &f->in, got, NULL), PG_OK);
    for (size_t i = 0; i < nc * n; i++)
        if (!same(got[i], whole[i]))
            fail_msg("%s: pg_features column %zu row %zu: %.17g, whole columns %.17g", what, i / n,
                     i % n, got[i], whole[i]);
    for (size_t b = 0; b < nb; b++) {
        for (size_t i = 0; i < nc * n; i++)
            got[i] = -7.0;
        pgf_features_run(cfg, &f->in, got, blocks[b]);
        for (size_t i = 0; i < nc * n; i++)
            if (!same(got[i], whole[i])) {
                char name[64];
                pg_features_column_name(cfg, &f->in, i / n, name, sizeof name);
                fail_msg("%s, block %zu: %s row %zu: %.17g, whole columns %.17g", what, blocks[b],
                         name, i % n, got[i], whole[i]);
            }
    }
    free(whole);
    free(got);
}

static void run_builds(const pg_features_config *cfg, size_t n, const size_t *extra, size_t nextra,
                       const char *what)
{
    size_t blocks[16] = { 1, 7, 255, 256, 300, 4096, n - 1, n, n + 5 };
    size_t nb = 9;
    for (size_t i = 0; i < nextra && nb < 16; i++)
        blocks[nb++] = extra[i];
    for (int build = 0; build < PGT_NBUILDS; build++) {
        pgt_use_build(build);
        for (int k = 0; k < 3; k++) {
            frame f;
            frame_make(&f, n, 0x5eed0000u + 31u * (uint64_t)k + n, k == 1 ? 0.02 : 0.0, k == 2);
            char label[96];
            snprintf(label, sizeof label, "%s, %s build, data %d", what, pgt_build_name[build], k);
            check_blocks(cfg, &f, blocks, nb, label);
            frame_free(&f);
        }
    }
    pgt_use_build(PGT_BUILD_DEFAULT);
}

static void test_default_config(void **state)
{
    (void)state;
    pg_features_config cfg;
    pg_features_config_default(&cfg);
    const size_t extra[] = { PGF_FEATURE_BLOCK, 1000 };
    run_builds(&cfg, 2 * 4096 + 300, extra, 2, "default config");
}

/* Windows wider than PGF_ROLL_BLOCK (restart spans of w rows, not a
 * divisor of the block), wider than the blocks tried, and spans wider than
 * the blocked driver takes (it goes column by column: still the bits). */
static void test_wide_windows(void **state)
{
    (void)state;
    pg_features_config cfg;
    pg_features_config_default(&cfg);
    cfg.windows[0] = 2;
    cfg.windows[1] = 300;
    cfg.windows[2] = 777;
    cfg.windows[3] = 1;
    cfg.n_windows = 4;
    cfg.volatility_window = 513;
    cfg.microstructure_window = 257;
    cfg.rsi_window = 500;
    cfg.macd_fast = 3;
    cfg.macd_slow = 700;
    cfg.macd_signal = 2;
    const size_t extra[] = { 299, 301, 777 };
    run_builds(&cfg, 5000, extra, 3, "wide windows");

    cfg.windows[2] = PGF_FEATURE_MAX_SPAN + 1;
    run_builds(&cfg, 3000, NULL, 0, "a span over PGF_FEATURE_MAX_SPAN");
}

/* A frame longer than pg_features' own block (so its public path runs
 * more than one block). */
static void test_public_blocks(void **state)
{
    (void)state;
    pg_features_config cfg;
    pg_features_config_default(&cfg);
    size_t n = PGF_FEATURE_BLOCK + 1000;
    for (int k = 0; k < 2; k++) {
        frame f;
        frame_make(&f, n, 991 + (uint64_t)k, k == 0 ? 0.0 : 0.01, k == 1);
        const size_t blocks[] = { PGF_FEATURE_BLOCK - 1, 3 * PGF_ROLL_BLOCK };
        check_blocks(&cfg, &f, blocks, 2, "longer than PGF_FEATURE_BLOCK");
        frame_free(&f);
    }
}

/* Frames without the optional columns, and tiny frames. */
static void test_missing_columns_and_small_n(void **state)
{
    (void)state;
    pg_features_config cfg;
    pg_features_config_default(&cfg);
    for (size_t n = 1; n < 80; n += 13) {
        frame f;
        frame_make(&f, n, 77 + n, 0.05, 0);
        f.in.volume = NULL;
        f.in.bid_volume = NULL;
        f.in.signed_volume = NULL;
        f.in.high = NULL;
        const size_t blocks[] = { 1, 2, 7, n };
        check_blocks(&cfg, &f, blocks, 4, "close only");
        frame_free(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_config),
        cmocka_unit_test(test_wide_windows),
        cmocka_unit_test(test_public_blocks),
        cmocka_unit_test(test_missing_columns_and_small_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
