/*
 * test_cuda_fallback.c - the GPU path's contract where there is no GPU,
 * which is everywhere CI runs (docs/gpu.md, "Fallback rule").
 *   - pg_cuda.h exists in every build; pg_cuda_available() answers 0 or 1
 *     and always says why: "no CUDA build", "no CUDA device: <reason>", or
 *     the device it found;
 *   - with no device, making a context fails with the same reason and every
 *     kernel called with no context returns PG_EUNSUP, never crashes;
 *   - the fallback a caller takes (the gpu suite does exactly this) runs
 *     the CPU kernel, says device=cpu, and its results match TradePulse's
 *     golden values.
 * On a machine with a GPU the same test checks the other branch: the
 * context is made and the dispatch says device=gpu.
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

#include "pg_cuda.h"
#include "pg_kernels.h"
#include "pg_test.h"

/* The caller's rule: the GPU when a context exists, else the CPU kernel;
 * *device says where it really ran. */
static int ema_anywhere(pg_cuda_ctx *ctx, const double *x, size_t n, double span, size_t m,
                        double *out, const char **device)
{
    if (ctx) {
        *device = "gpu";
        return pg_cuda_ema(ctx, x, n, span, m, out, NULL);
    }
    *device = "cpu";
    return pg_ema(x, n, span, m, out);
}

static int entropy_anywhere(pg_cuda_ctx *ctx, const double *x, size_t n, size_t bins, pg_dtype dt,
                            size_t *counts, double *h, const char **device)
{
    if (ctx) {
        *device = "gpu";
        return pg_cuda_entropy(ctx, x, n, bins, dt, counts, h, NULL);
    }
    *device = "cpu";
    return pg_entropy(x, n, bins, dt, counts, h);
}

static void test_available_says_why(void **state)
{
    (void)state;
    char why[256];
    memset(why, 'x', sizeof why);
    int ok = pg_cuda_available(why, sizeof why);
    assert_true(ok == 0 || ok == 1);
    assert_true(strlen(why) > 0 && strlen(why) < sizeof why);
    if (!pg_cuda_built()) {
        assert_int_equal(ok, 0);
        assert_string_equal(why, "no CUDA build");
    } else if (!ok) {
        assert_true(strncmp(why, "no CUDA device: ", 16) == 0);
    }
    printf("pg_cuda_available: %d (%s); built with CUDA: %d\n", ok, why, pg_cuda_built());
    /* NULL / short buffers are fine. */
    assert_int_equal(pg_cuda_available(NULL, 0), ok);
    char tiny[4];
    assert_int_equal(pg_cuda_available(tiny, sizeof tiny), ok);
    assert_true(strlen(tiny) < sizeof tiny);
    /* Asking twice gives the same answer. */
    char again[256];
    assert_int_equal(pg_cuda_available(again, sizeof again), ok);
    assert_string_equal(again, why);
}

static void test_no_device_no_crash(void **state)
{
    (void)state;
    char why[256], ctx_why[256] = "";
    if (pg_cuda_available(why, sizeof why)) {
        pg_cuda_ctx *ctx = pg_cuda_ctx_create(0, ctx_why, sizeof ctx_why);
        assert_non_null(ctx);
        pg_cuda_ctx_destroy(ctx);
        /* an ordinal beyond the devices is refused with a reason */
        assert_null(pg_cuda_ctx_create(1 << 20, ctx_why, sizeof ctx_why));
        assert_true(strncmp(ctx_why, "no CUDA device: ", 16) == 0);
        return;
    }
    assert_null(pg_cuda_ctx_create(0, ctx_why, sizeof ctx_why));
    assert_string_equal(ctx_why, why);
    assert_null(pg_cuda_host_alloc(1024));
    pg_cuda_host_free(NULL);
    pg_cuda_ctx_destroy(NULL);
    assert_int_equal(pg_cuda_ctx_bytes(NULL), 0);
    assert_int_equal(pg_cuda_ctx_set_transfers(NULL, 0), 0);
    assert_non_null(pg_cuda_ctx_error(NULL));
}

static void test_null_context_is_unsupported(void **state)
{
    (void)state;
    double x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, o[8], o2[8], o3[8], r;
    size_t counts[4];
    pg_cuda_timing t;
    assert_int_equal(pg_cuda_phase(NULL, x, 8, PG_FLOAT64, o, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_entropy(NULL, x, 8, 4, PG_FLOAT32, counts, &r, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_rolling_mean(NULL, x, 8, 3, o, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_rolling_std(NULL, x, 8, 3, o, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_volatility(NULL, x, 8, 3, o, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_ema(NULL, x, 8, 3.0, 1, o, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_rsi(NULL, x, 8, 3, o, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_macd(NULL, x, 8, 2, 4, 2, NULL, NULL, o, o2, o3, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_ema_batch(NULL, x, 2, 4, 3.0, 1, o, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_rsi_batch(NULL, x, 2, 4, 3, o, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_macd_batch(NULL, x, 2, 4, 2, 4, 2, o, o2, o3, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_kuramoto_order_1d(NULL, x, 8, &r, &t), PG_EUNSUP);
    assert_int_equal(pg_cuda_kuramoto_order_2d(NULL, x, 2, 4, o, &t), PG_EUNSUP);
}

/* The fallback computes TradePulse's values: ema_20 of the golden frame and
 * the golden entropy values. */
static void test_fallback_computes(void **state)
{
    (void)state;
    char why[256];
    pg_cuda_ctx *ctx = NULL;
    if (pg_cuda_available(why, sizeof why))
        ctx = pg_cuda_ctx_create(0, why, sizeof why);
    const char *expect_device = ctx ? "gpu" : "cpu";

    pg_csv *in = pgt_load("ohlcv_input.csv");
    pg_csv *ex = pgt_load("features_expected.csv");
    size_t n = pg_csv_nrows(in);
    double *close = pgt_column(in, "close");
    double *e = pgt_column(ex, "ema_20");
    double *got = malloc(n * sizeof *got);
    assert_non_null(got);
    const char *device = NULL;
    assert_int_equal(ema_anywhere(ctx, close, n, 20.0, 20, got, &device), PG_OK);
    assert_string_equal(device, expect_device);
    pgt_assert_close("ema_20", got, e, n, 1e-12, 1e-12);

    pg_csv *si = pgt_load("indicators_input.csv");
    pg_csv *se = pgt_load("scalar_indicators_expected.csv");
    double *noise = pgt_column(si, "noise");
    long ck = pg_csv_find(se, "kernel"), cs = pg_csv_find(se, "series");
    long cv = pg_csv_find(se, "variant"), cval = pg_csv_find(se, "value");
    assert_true(ck >= 0 && cs >= 0 && cv >= 0 && cval >= 0);
    size_t checked = 0;
    for (size_t r = 0; r < pg_csv_nrows(se); r++) {
        if (strcmp(pg_csv_cell(se, r, (size_t)ck), "entropy") != 0 ||
            strcmp(pg_csv_cell(se, r, (size_t)cs), "noise") != 0)
            continue;
        const char *variant = pg_csv_cell(se, r, (size_t)cv);
        size_t bins = (size_t)strtoul(strstr(variant, "bins=") + 5, NULL, 10);
        pg_dtype dt = strstr(variant, "float32") ? PG_FLOAT32 : PG_FLOAT64;
        double want, h;
        assert_int_equal(pg_csv_cell_double(se, r, (size_t)cval, &want, NULL), 0);
        size_t *counts = malloc(bins * sizeof *counts);
        assert_non_null(counts);
        assert_int_equal(
            entropy_anywhere(ctx, noise, pg_csv_nrows(si), bins, dt, counts, &h, &device), PG_OK);
        assert_string_equal(device, expect_device);
        if (!pgt_close(h, want, 1e-12, 1e-12))
            fail_msg("entropy(%s) on %s: %.17g, expected %.17g", variant, device, h, want);
        free(counts);
        checked++;
    }
    assert_true(checked >= 2);
    printf("fallback: ran on %s (%s); ema_20 and %zu entropy values match the golden files\n",
           expect_device, why, checked);
    free(noise);
    free(close);
    free(e);
    free(got);
    pg_csv_free(si);
    pg_csv_free(se);
    pg_csv_free(in);
    pg_csv_free(ex);
    pg_cuda_ctx_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_available_says_why),
        cmocka_unit_test(test_no_device_no_crash),
        cmocka_unit_test(test_null_context_is_unsupported),
        cmocka_unit_test(test_fallback_computes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
