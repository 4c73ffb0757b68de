/*
 * test_budget.c - budget files (gate/budget.c): the shipped example, which
 * budget wins, lint, and the schema file agreeing with the loader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_gate.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pg_test_budget.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_tmp(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static pg_budget_set *load_text(const char *text)
{
    pg_budget_set *set = pg_budget_set_create();
    assert_non_null(set);
    pg_budget_set_add_path(set, write_tmp("b.json", text));
    return set;
}

static void test_example(void **state)
{
    (void)state;
    pg_budget_set *set = pg_budget_set_create();
    assert_int_equal(pg_budget_set_add_path(set, PG_SOURCE_DIR "/budgets/examples/example.json"),
                     0);
    assert_int_equal(pg_budget_set_ndiag(set), 0);
    assert_int_equal(pg_budget_set_nbudgets(set), 3);
    assert_int_equal(pg_budget_set_lint(set, "2026-06-01"), 0);

    pg_policy p;
    /* the exact budget wins the owner and the ceiling; the glob still
     * supplies the 5 % tolerance; the file's defaults the noise policy */
    assert_int_equal(pg_budget_set_resolve(set, "indicators/macd/hot/cpu/65536", &p), 1);
    assert_string_equal(p.owner, "signals");
    assert_true(p.absolute[PG_ABS_MEDIAN_REAL] == 250000.0);
    assert_true(isnan(p.absolute[PG_ABS_MEDIAN_CPU]));
    assert_true(p.has_regression);
    assert_true(fabs(p.regression_max - 0.05) < 1e-15);
    assert_int_equal(p.repetitions, 10);
    assert_true(fabs(p.min_effect - 0.02) < 1e-15);
    assert_true(p.alpha == 0.05);
    assert_string_equal(p.match, "indicators/macd/hot/cpu/65536");
    assert_int_equal(p.line, 8);

    assert_int_equal(pg_budget_set_resolve(set, "indicators/ema/cold/cpu/1024", &p), 1);
    assert_true(fabs(p.regression_max - 0.10) < 1e-15);
    assert_null(p.owner);
    assert_int_equal(pg_budget_set_resolve(set, "pipeline/full/cold/cpu/1000000", &p), 0);
    assert_int_equal(p.repetitions, 5); /* built-in defaults */

    assert_int_equal(pg_budget_set_nwaivers(set), 1);
    const pg_waiver *w = pg_budget_set_waiver(set, 0);
    assert_string_equal(w->ticket, "TP-123");
    assert_int_equal(w->expires_ymd, 20261231);
    assert_int_equal(pg_budget_set_nexact(set), 1);

    /* the day after expiry, lint fails at the date's position */
    assert_int_equal(pg_budget_set_lint(set, "2027-01-01"), PG_EINVAL);
    assert_int_equal(pg_budget_set_ndiag(set), 1);
    const pg_error *e = pg_budget_set_diag(set, 0);
    assert_int_equal(e->line, 13);
    assert_int_equal(e->column, 38);
    assert_string_equal(e->pointer, "/waivers/0/expires");
    pg_budget_set_destroy(set);
}

static void test_specificity(void **state)
{
    (void)state;
    /* exact > fewer wildcards > longer literal prefix > more literals,
     * whatever order the file lists them in */
    pg_budget_set *set = load_text("{\"version\": 1, \"budgets\": [\n"
                                   " {\"match\": \"*\", \"owner\": \"any\"},\n"
                                   " {\"match\": \"a/*/*\", \"owner\": \"two-wild\"},\n"
                                   " {\"match\": \"a/*\", \"owner\": \"short-prefix\"},\n"
                                   " {\"match\": \"a/b*\", \"owner\": \"long-prefix\"},\n"
                                   " {\"match\": \"a/b/c\", \"owner\": \"exact\"}\n"
                                   "]}");
    assert_int_equal(pg_budget_set_ndiag(set), 0);
    pg_policy p;
    pg_budget_set_resolve(set, "a/b/c", &p);
    assert_string_equal(p.owner, "exact");
    pg_budget_set_resolve(set, "a/b/d", &p);
    assert_string_equal(p.owner, "long-prefix");
    pg_budget_set_resolve(set, "a/x/d", &p);
    assert_string_equal(p.owner, "short-prefix");
    pg_budget_set_resolve(set, "z", &p);
    assert_string_equal(p.owner, "any");
    pg_budget_set_destroy(set);
}

static void test_lint_all_problems(void **state)
{
    (void)state;
    /* loading goes on past the first problem: all three are reported */
    pg_budget_set *set =
        load_text("{\n"
                  "  \"version\": 1,\n"
                  "  \"budgets\": [\n"
                  "    {\"match\": \"a\", \"absolute\": {\"median_real_time\": 5}},\n"
                  "    {\"match\": \"b[\", \"owner\": \"x\"},\n"
                  "    {\"match\": \"c\", \"serverity\": \"warn\"}\n"
                  "  ]\n"
                  "}\n");
    assert_int_equal(pg_budget_set_ndiag(set), 3);
    const pg_error *e = pg_budget_set_diag(set, 0);
    assert_int_equal(e->line, 4);
    assert_int_equal(e->column, 53);
    assert_string_equal(e->pointer, "/budgets/0/absolute/median_real_time");
    assert_non_null(strstr(e->message, "expected a time such as \"250us\", found a number"));
    e = pg_budget_set_diag(set, 1);
    assert_int_equal(e->line, 5);
    assert_string_equal(e->pointer, "/budgets/1/match");
    e = pg_budget_set_diag(set, 2);
    assert_string_equal(e->pointer, "/budgets/2/serverity");
    assert_non_null(strstr(e->message, "did you mean \"severity\"?"));
    pg_budget_set_destroy(set);
}

/* "1e-320ns" is a positive, finite number of nanoseconds, but a subnormal
 * one: every ratio to it is infinite, and report used to fail on it.  A
 * limit must be at least a femtosecond (a size at least a byte). */
static void test_unusable_limits(void **state)
{
    (void)state;
    pg_budget_set *set =
        load_text("{\"version\": 1, \"budgets\": [\n"
                  " {\"match\": \"a\", \"absolute\": {\"median_real_time\": \"1e-320ns\"}},\n"
                  " {\"match\": \"b\", \"absolute\": {\"cpu_time\": \"0.0000001ns\"}},\n"
                  " {\"match\": \"c\", \"absolute\": {\"peak_rss\": \"0.5B\"}},\n"
                  " {\"match\": \"d\", \"absolute\": {\"median_real_time\": \"0.000001ns\"}},\n"
                  " {\"match\": \"e\", \"absolute\": {\"peak_rss\": \"1B\"}}\n"
                  "]}");
    assert_int_equal(pg_budget_set_ndiag(set), 3);
    const pg_error *e = pg_budget_set_diag(set, 0);
    assert_int_equal(e->line, 2);
    assert_string_equal(e->pointer, "/budgets/0/absolute/median_real_time");
    assert_non_null(strstr(e->message, "at least 1e-06ns"));
    assert_non_null(strstr(e->message, "1e-320ns"));
    assert_int_equal(pg_budget_set_diag(set, 1)->line, 3);
    assert_int_equal(pg_budget_set_diag(set, 2)->line, 4);
    pg_budget_set_destroy(set);
}

static void test_lint_overlaps(void **state)
{
    (void)state;
    /* equal specificity, overlapping, different tolerance: a conflict */
    pg_budget_set *set = load_text("{\"version\": 1, \"budgets\": [\n"
                                   " {\"match\": \"k/*x*\", \"regression\": {\"max\": \"5%\"}},\n"
                                   " {\"match\": \"k/*y*\", \"regression\": {\"max\": \"8%\"}},\n"
                                   " {\"match\": \"k/*z*\", \"regression\": {\"max\": \"5%\"}},\n"
                                   " {\"match\": \"q/*y*\", \"regression\": {\"max\": \"9%\"}}\n"
                                   "]}");
    assert_int_equal(pg_budget_set_ndiag(set), 0);
    assert_int_equal(pg_budget_set_lint(set, "2026-01-01"), PG_EINVAL);
    /* "k/ *x*" vs "k/ *y*" conflict (k/xy), "k/ *y*" vs "k/ *z*" too; the
     * x and z budgets agree; q/ never meets k/ (blanks keep the comment) */
    assert_int_equal(pg_budget_set_ndiag(set), 2);
    assert_int_equal(pg_budget_set_diag(set, 0)->line, 3);
    assert_int_equal(pg_budget_set_diag(set, 1)->line, 4);
    pg_budget_set_destroy(set);

    /* classes and '?' are understood: [ab]? and c* never meet */
    set = load_text("{\"version\": 1, \"budgets\": [\n"
                    " {\"match\": \"[ab]?\", \"owner\": \"p\"},\n"
                    " {\"match\": \"c?\", \"owner\": \"q\"}\n"
                    "]}");
    assert_int_equal(pg_budget_set_lint(set, "2026-01-01"), 0);
    pg_budget_set_destroy(set);
}

static void test_directory(void **state)
{
    (void)state;
    write_tmp("schema.json", "{ \"not\": \"a budget file\" }");
    write_tmp("a.json", "{\"version\": 1, \"budgets\": [{\"match\": \"x\", \"owner\": \"A\"}]}");
    write_tmp("z.json", "{\"version\": 1, \"budgets\": [{\"match\": \"y\", \"owner\": \"Z\"}]}");
    unlink(write_tmp("b.json", ""));
    /* files for one kind of machine live in a folder of their own, which
     * the directory's gate does not read (budgets/machines/) */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/machines", tmpdir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_tmp("machines/m.json", "{\"version\": 1, \"budgets\": [{\"match\": \"m\"}]}");
    pg_budget_set *set = pg_budget_set_create();
    assert_int_equal(pg_budget_set_add_path(set, tmpdir), 0); /* schema.json skipped */
    assert_int_equal(pg_budget_set_nfiles(set), 2);
    assert_int_equal(pg_budget_set_nbudgets(set), 2);
    pg_budget_set_destroy(set);
    unlink(write_tmp("machines/m.json", ""));
    rmdir(sub);
}

/* The shipped budgets: budgets/ is default.json alone, and the machine
 * files (the AVX-512 Zen 4 EPYC's speed file, the Zen 3 KVM's cold-start
 * file) load without a diagnostic. */
static void test_shipped(void **state)
{
    (void)state;
    pg_budget_set *set = pg_budget_set_create();
    assert_int_equal(pg_budget_set_add_path(set, PG_SOURCE_DIR "/budgets"), 0);
    assert_int_equal(pg_budget_set_nfiles(set), 1);
    const char *path = NULL;
    pg_budget_set_file_machine(set, 0, &path, NULL);
    assert_non_null(strstr(path, "default.json"));
    assert_int_equal(
        pg_budget_set_add_path(set, PG_SOURCE_DIR "/budgets/machines/epyc-zen4-avx512.json"), 0);
    assert_int_equal(
        pg_budget_set_add_path(set, PG_SOURCE_DIR "/budgets/machines/epyc-zen3-avx2.json"), 0);
    assert_int_equal(pg_budget_set_nfiles(set), 3);
    assert_int_equal(pg_budget_set_ndiag(set), 0);
    pg_budget_set_destroy(set);
}

/* "relative" takes one ceiling or an array of 1..4; each element is
 * checked as the single form is, at its own pointer. */
static void test_relative_array(void **state)
{
    (void)state;
    pg_budget_set *set = load_text(
        "{\"version\": 1, \"budgets\": [\n"
        " {\"match\": \"a\", \"relative\": [{\"to\": \"c/1\", \"max_ratio\": 2},\n"
        "                         {\"to\": \"a4096\", \"max_ratio\": 1.1, \"per_element\": "
        "true}]},\n"
        " {\"match\": \"b\", \"relative\": []},\n"
        " {\"match\": \"c\", \"relative\": [{\"to\": \"x\", \"max_ratio\": 1}, {\"to\": \"x\", "
        "\"max_ratio\": 1},\n"
        "   {\"to\": \"x\", \"max_ratio\": 1}, {\"to\": \"x\", \"max_ratio\": 1}, {\"to\": \"x\", "
        "\"max_ratio\": 1}]},\n"
        " {\"match\": \"d\", \"relative\": [{\"to\": \"x\", \"max_ratio\": 1}, 3]},\n"
        " {\"match\": \"e\", \"relative\": [{\"to\": \"x*\", \"max_ratio\": 0}]}\n"
        "]}");
    static const char *const want[][2] = {
        { "/budgets/1/relative", "expected an array of 1 to 4 relative ceilings, found 0" },
        { "/budgets/2/relative", "expected an array of 1 to 4 relative ceilings, found 5" },
        { "/budgets/3/relative/1", "expected an object such as" },
        { "/budgets/4/relative/0/to", "expected the exact name of a calibration benchmark" },
        { "/budgets/4/relative/0/max_ratio", "positive" },
    };
    assert_int_equal(pg_budget_set_ndiag(set), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const pg_error *e = pg_budget_set_diag(set, i);
        assert_string_equal(e->pointer, want[i][0]);
        if (!strstr(e->message, want[i][1]))
            fail_msg("diagnostic %zu: '%s' lacks '%s'", i, e->message, want[i][1]);
    }
    pg_budget_set_destroy(set);

    /* two budgets of equal specificity setting different arrays conflict */
    set = load_text("{\"version\": 1, \"budgets\": [\n"
                    " {\"match\": \"k/*\", \"relative\": [{\"to\": \"c\", \"max_ratio\": 2}]},\n"
                    " {\"match\": \"k/*\", \"relative\": [{\"to\": \"c\", \"max_ratio\": 2},\n"
                    "                         {\"to\": \"d\", \"max_ratio\": 2}]}\n"
                    "]}");
    assert_int_equal(pg_budget_set_ndiag(set), 0);
    assert_int_equal(pg_budget_set_lint(set, "2026-01-01"), PG_EINVAL);
    pg_budget_set_destroy(set);
    /* the same array twice does not */
    set = load_text("{\"version\": 1, \"budgets\": [\n"
                    " {\"match\": \"k/*\", \"relative\": [{\"to\": \"c\", \"max_ratio\": 2}]},\n"
                    " {\"match\": \"k/*\", \"relative\": {\"to\": \"c\", \"max_ratio\": 2}}\n"
                    "]}");
    assert_int_equal(pg_budget_set_lint(set, "2026-01-01"), 0);
    pg_budget_set_destroy(set);
}

/* Every property the schema allows is known to the loader, and the loader
 * knows no property the schema lacks: a budget carrying each property
 * name (with a null value) draws type errors, never "unknown member". */
static void check_object(json_t *schema_obj, const char *wrap_before, const char *wrap_after)
{
    json_t *props = json_object_get(schema_obj, "properties");
    assert_non_null(props);
    const char *key;
    json_t *v;
    json_object_foreach(props, key, v)
    {
        (void)v;
        char text[1024];
        snprintf(text, sizeof text, "%s\"%s\": null%s", wrap_before, key, wrap_after);
        pg_budget_set *set = load_text(text);
        for (size_t i = 0; i < pg_budget_set_ndiag(set); i++) {
            const pg_error *e = pg_budget_set_diag(set, i);
            if (strstr(e->message, "unknown member"))
                fail_msg("schema property '%s' unknown to the loader: %s", key, e->message);
        }
        pg_budget_set_destroy(set);
    }
    /* and a name the schema lacks is refused */
    char text[1024];
    snprintf(text, sizeof text, "%s\"zz_not_in_schema\": null%s", wrap_before, wrap_after);
    pg_budget_set *set = load_text(text);
    int unknown = 0;
    for (size_t i = 0; i < pg_budget_set_ndiag(set); i++)
        unknown |= strstr(pg_budget_set_diag(set, i)->message, "unknown member") != NULL;
    assert_true(unknown);
    assert_int_equal(json_is_false(json_object_get(schema_obj, "additionalProperties")), 1);
    pg_budget_set_destroy(set);
}

static void test_schema_matches_loader(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *schema = json_load_file(PG_SOURCE_DIR "/budgets/schema.json", 0, &jerr);
    assert_non_null(schema);
    json_t *defs = json_object_get(schema, "$defs");
    json_t *budget = json_object_get(defs, "budget");
    json_t *bprops = json_object_get(budget, "properties");
    check_object(schema, "{\"version\": 1, ", "}");
    check_object(json_object_get(json_object_get(schema, "properties"), "defaults"),
                 "{\"version\": 1, \"defaults\": {", "}}");
    check_object(budget, "{\"version\": 1, \"budgets\": [{\"match\": \"m\", ", "}]}");
    check_object(json_object_get(bprops, "absolute"),
                 "{\"version\": 1, \"budgets\": [{\"match\": \"m\", \"absolute\": {", "}}]}");
    check_object(json_object_get(bprops, "regression"),
                 "{\"version\": 1, \"budgets\": [{\"match\": \"m\", \"regression\": {", "}}]}");
    check_object(json_object_get(defs, "relative"),
                 "{\"version\": 1, \"budgets\": [{\"match\": \"m\", \"relative\": {", "}}]}");
    check_object(json_object_get(json_object_get(bprops, "counters"), "additionalProperties"),
                 "{\"version\": 1, \"budgets\": [{\"match\": \"m\", \"counters\": {\"c\": {",
                 "}}}]}");
    check_object(json_object_get(defs, "waiver"), "{\"version\": 1, \"waivers\": [{", "}]}");
    json_t *machine = json_object_get(json_object_get(schema, "properties"), "machine");
    check_object(machine, "{\"version\": 1, \"machine\": {", "}}");
    check_object(
        json_object_get(json_object_get(json_object_get(machine, "properties"), "calibration"),
                        "additionalProperties"),
        "{\"version\": 1, \"machine\": {\"calibration\": {\"c\": {", "}}}}");
    json_decref(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),           cmocka_unit_test(test_specificity),
        cmocka_unit_test(test_lint_all_problems), cmocka_unit_test(test_lint_overlaps),
        cmocka_unit_test(test_unusable_limits),   cmocka_unit_test(test_directory),
        cmocka_unit_test(test_shipped),           cmocka_unit_test(test_schema_matches_loader),
        cmocka_unit_test(test_relative_array),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
