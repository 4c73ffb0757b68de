/*
 * test_normalize_ts.c - pg_normalize_view's two-lane check of the usual
 * feed's timestamps (kernels/cpu/normalize.c, ts_plain_increasing): for
 * every timestamp pattern that check must refuse (a -0.0 or +0.0 among
 * increasing times, NaN, inf, out-of-range NaT, equal or decreasing
 * neighbours) at every position and odd and even lengths, the view gives
 * pg_normalize's bytes, and it hands back the input's own ts column exactly
 * when normalize would copy it unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pg_kernels.h"

enum { NC = 2, MAXN = 19 };

/* One pattern: increasing times -300 + 60 i, then row `at` set to v. */
static void check(size_t n, size_t at, double v)
{
    static const char *names[NC] = { "ts", "close" };
    double ts[MAXN], px[MAXN], o_plain[NC][MAXN], o_view[NC][MAXN];
    for (size_t i = 0; i < n; i++) {
        ts[i] = -300.0 + 60.0 * (double)i;
        px[i] = 100.0 + (double)i;
    }
    if (at < n)
        ts[at] = v;
    double *in_cols[NC] = { ts, px };
    pg_frame in = { n, NC, names, in_cols };
    double *pc[NC] = { o_plain[0], o_plain[1] }, *vc[NC] = { o_view[0], o_view[1] };
    pg_frame plain = { 0, NC, names, pc }, view = { 0, NC, names, vc };
    size_t sz = pg_normalize_scratch_size(n, NC);
    void *scratch = malloc(sz ? sz : 1);
    assert_non_null(scratch);
    assert_int_equal(pg_normalize(&in, "ts", &plain, scratch, sz), PG_OK);
    assert_int_equal(pg_normalize_view(&in, "ts", &view, scratch, sz), PG_OK);
    assert_int_equal(view.nrows, plain.nrows);
    for (size_t c = 0; c < NC; c++)
        assert_memory_equal(view.cols[c], plain.cols[c], plain.nrows * sizeof(double));
    /* the input's ts itself exactly when the times are strictly increasing
     * epoch seconds in pandas' range with no -0.0 (nothing to sort, drop
     * or fix) */
    int plain_ts = 1;
    for (size_t i = 0; i < n; i++)
        plain_ts &= fabs(ts[i]) <= 9223372036.0 && !(ts[i] == 0.0 && signbit(ts[i])) &&
                    (i == 0 || ts[i] > ts[i - 1]);
    if (plain_ts != (view.cols[0] == ts))
        fail_msg("n %zu, row %zu = %g: the view %s ts", n, at, v,
                 view.cols[0] == ts ? "aliases" : "copies");
    free(scratch);
}

static void test_ts_patterns(void **state)
{
    (void)state;
    const double vals[] = { -0.0, 0.0, NAN, INFINITY, -INFINITY, 1e19, -1e19, 1e300 };
    for (size_t n = 1; n <= MAXN; n++) {
        check(n, n, 0.0); /* untouched: -300 + 60 i passes 0.0 at i = 5 */
        for (size_t at = 0; at < n; at++) {
            for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++)
                check(n, at, vals[k]);
            /* equal to the row before, and below it */
            if (at > 0) {
                check(n, at, -300.0 + 60.0 * (double)(at - 1));
                check(n, at, -300.0 + 60.0 * (double)(at - 1) - 1.0);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ts_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
