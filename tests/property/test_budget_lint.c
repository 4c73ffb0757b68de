/*
 * test_budget_lint.c - `budgets lint` finds overlaps without comparing
 * every pair (gate/budget.c groups budgets by specificity and literal
 * prefix).  Invariant, on seeded random budget sets: the overlaps it
 * reports are exactly the pairs the obvious quadratic rule gives (same
 * specificity, patterns that intersect, a limit set differently), in the
 * order that rule visits them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_gate.h"
#include "pg_test.h"

/* gate/internal.h's, the rule the lint states: not included from outside
 * gate/, so declared here. */
long gate_budget_specificity(const char *pattern);
int gate_glob_intersect(const char *a, const char *b);

enum { NSETS = 60, MAXB = 120 };

static void random_pattern(pgt_rng *r, char *out)
{
    static const char *const atoms[] = { "a", "b", "*", "?", "ab", "[ab]", "\\\\*" };
    size_t len = 1 + pgt_rng_below(r, 4), o = 0;
    o += (size_t)sprintf(out + o, "%s", pgt_rng_below(r, 2) ? "x/" : "x/y");
    for (size_t k = 0; k < len; k++)
        o += (size_t)sprintf(out + o, "%s", atoms[pgt_rng_below(r, 7)]);
}

/* The pattern as the loader sees it (the JSON escape undone). */
static void unjson(const char *in, char *out)
{
    for (; *in; in++) {
        if (*in == '\\' && in[1])
            in++;
        *out++ = *in;
    }
    *out = '\0';
}

static void test_same_as_every_pair(void **state)
{
    (void)state;
    char path[] = "/tmp/pg_lint_XXXXXX.json";
    int total = 0;
    for (int s = 0; s < NSETS; s++) {
        pgt_rng r;
        pgt_rng_seed(&r, 1000 + (uint64_t)s);
        size_t n = 2 + pgt_rng_below(&r, MAXB - 1); /* 2 .. MAXB */
        static char pat[MAXB][64], raw[MAXB][64];
        int fd = mkstemps(path, 5);
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "w");
        fprintf(f, "{ \"version\": 1, \"budgets\": [\n");
        for (size_t i = 0; i < n; i++) {
            random_pattern(&r, raw[i]);
            unjson(raw[i], pat[i]);
            /* every budget its own limit: any same-rank overlap is a finding */
            fprintf(f,
                    "%s{ \"match\": \"%s\", \"absolute\": { \"median_real_time\": \"%zuus\" } }\n",
                    i ? "," : "", raw[i], i + 1);
        }
        fprintf(f, "] }\n");
        fclose(f);

        size_t want = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                want += gate_budget_specificity(pat[i]) == gate_budget_specificity(pat[j]) &&
                        gate_glob_intersect(pat[i], pat[j]);
        pg_budget_set *set = pg_budget_set_create();
        assert_int_equal(pg_budget_set_add_path(set, path), 0);
        int rc = pg_budget_set_lint(set, "2026-01-01");
        assert_int_equal(pg_budget_set_ndiag(set), want);
        assert_int_equal(rc, want ? PG_EINVAL : 0);
        /* the order of the pair loop: by the earlier budget, then the later */
        int last_i = 0, last_j = 0;
        for (size_t d = 0; d < want; d++) {
            const pg_error *e = pg_budget_set_diag(set, d);
            const char *at = strstr(e->message, ".json:");
            assert_non_null(at);
            int li = atoi(at + 6), lj = e->line;
            assert_true(li < lj);
            assert_true(li > last_i || (li == last_i && lj > last_j));
            last_i = li;
            last_j = lj;
        }
        total += (int)want;
        pg_budget_set_destroy(set);
        unlink(path);
        memcpy(path + strlen(path) - 11, "XXXXXX.json", 11);
    }
    /* the sets do hold overlaps to find */
    assert_true(total > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_every_pair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
