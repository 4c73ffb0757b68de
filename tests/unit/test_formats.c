/*
 * test_formats.c - the pytest-benchmark, hyperfine and asv readers
 * (gate/formats.c), format detection (gate/results.c), the summary rule
 * (gate/check.c judge_summary) and budget matches on their names.  The
 * asv files are written by hand to asv's results format version 2
 * (asv 0.5 / 0.6, asv/results.py), as asv is not in Debian.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_gate.h"

static pg_results *load(const char *text, int format, pg_error *err)
{
    pg_error_clear(err);
    return pg_results_load_buffer_as(text, strlen(text), "mem.json", format, err);
}

/* A pytest-benchmark 3.2 file: two parametrised benchmarks, one with
 * stats.data (--benchmark-save-data), one with only its summary. */
static const char pytest_text[] =
    "{\"machine_info\": {\"node\": \"ci-7\", \"python_implementation\": \"CPython\",\n"
    "  \"python_version\": \"3.11.2\", \"cpu\": {\"brand\": \"AMD EPYC\", \"count\": 16}},\n"
    " \"commit_info\": {\"id\": \"0123abc\", \"branch\": \"main\", \"dirty\": false},\n"
    " \"benchmarks\": [\n"
    "  {\"name\": \"test_sma[65536]\", \"fullname\": "
    "\"tests/test_indicators.py::test_sma[65536]\",\n"
    "   \"stats\": {\"min\": 1e-3, \"median\": 2e-3, \"rounds\": 3, \"data\": [1e-3, 2e-3, "
    "4e-3]}},\n"
    "  {\"name\": \"test_rsi[1024]\", \"fullname\": \"tests/test_indicators.py::test_rsi[1024]\",\n"
    "   \"stats\": {\"min\": 1e-6, \"q1\": 2e-6, \"median\": 3e-6, \"q3\": 4e-6, \"rounds\": 40}}\n"
    " ], \"datetime\": \"2026-12-07T10:00:00\", \"version\": \"3.2.2\"}\n";

static const char hyperfine_text[] =
    "{\"results\": [\n"
    " {\"command\": \"perfgate compute sma --n 100\", \"mean\": 0.002, \"user\": 0.001,\n"
    "  \"system\": 0.0005, \"times\": [0.001, 0.002, 0.003], \"exit_codes\": [0, 0, 0]},\n"
    " {\"command\": \"false\", \"times\": [0.001, 0.001], \"exit_codes\": [0, 1]}\n"
    "]}\n";

/* asv 0.6 writes compact JSON; a hand-written one with every column. */
static const char asv_text[] =
    "{\"commit_hash\": \"feedbeef\", \"env_name\": \"virtualenv-py3.11-numpy\",\n"
    " \"date\": 1765101600000,\n"
    " \"params\": {\"arch\": \"x86_64\", \"cpu\": \"AMD EPYC\", \"machine\": \"ci-7\",\n"
    "            \"num_cpu\": \"16\", \"os\": \"Linux\", \"python\": \"3.11\"},\n"
    " \"python\": \"3.11\", \"requirements\": {}, \"env_vars\": {},\n"
    " \"result_columns\": [\"result\", \"params\", \"version\", \"started_at\", \"duration\",\n"
    "   \"stats_ci_99_a\", \"stats_ci_99_b\", \"stats_q_25\", \"stats_q_75\", \"stats_number\",\n"
    "   \"stats_repeat\", \"samples\", \"profile\"],\n"
    " \"results\": {\n"
    "  \"benchmarks.Indicators.time_sma\": [[0.001, 0.002, 0.003, 0.004],\n"
    "     [[\"1024\", \"65536\"], [\"'float32'\", \"'float64'\"]], \"abc\", 1765101600000, 1.5,\n"
    "     [0.0009, 0.0019, 0.0029, 0.0039], [0.0011, 0.0021, 0.0031, 0.0041],\n"
    "     [0.0009, 0.0019, 0.0029, 0.0039], [0.0011, 0.0021, 0.0031, 0.0041],\n"
    "     [10, 10, 10, 10], [20, 20, 20, 20]],\n"
    "  \"benchmarks.Indicators.time_rsi\": [[0.005], [], \"abc\", 1765101600000, 0.5,\n"
    "     null, null, null, null, null, null, [[0.004, 0.005, 0.006]]],\n"
    "  \"benchmarks.Indicators.time_broken\": [[null], [], \"abc\"],\n"
    "  \"benchmarks.Indicators.peakmem_sma\": [[123456], [], \"abc\"]\n"
    " },\n"
    " \"durations\": {}, \"version\": 2}\n";

static void test_detection(void **state)
{
    (void)state;
    assert_int_equal(pg_results_format_detect(pytest_text, strlen(pytest_text)), PG_FORMAT_PYTEST);
    assert_int_equal(pg_results_format_detect(hyperfine_text, strlen(hyperfine_text)),
                     PG_FORMAT_HYPERFINE);
    assert_int_equal(pg_results_format_detect(asv_text, strlen(asv_text)), PG_FORMAT_ASV);
    const char *gb = "{\"context\": {}, \"benchmarks\": []}";
    assert_int_equal(pg_results_format_detect(gb, strlen(gb)), PG_FORMAT_GBENCH);
    /* keys inside strings and nested objects do not count */
    const char *tricky = "{\"benchmarks\": [{\"name\": \"results\\\"\", \"machine_info\": 1}]}";
    assert_int_equal(pg_results_format_detect(tricky, strlen(tricky)), PG_FORMAT_GBENCH);
    assert_int_equal(pg_results_format_detect("[", 1), PG_FORMAT_GBENCH);
    assert_int_equal(pg_results_format_parse("pytest-benchmark"), PG_FORMAT_PYTEST);
    assert_int_equal(pg_results_format_parse("asv"), PG_FORMAT_ASV);
    assert_int_equal(pg_results_format_parse("json"), -1);
    assert_string_equal(pg_results_format_name(PG_FORMAT_HYPERFINE), "hyperfine");
}

static int find_env(const char *key, const char *value, void *arg)
{
    const char **kv = arg;
    if (!strcmp(key, kv[0])) {
        kv[1] = value[0] ? "found" : "empty";
        return 1;
    }
    return 0;
}

static void test_pytest(void **state)
{
    (void)state;
    pg_error err;
    pg_results *run = load(pytest_text, PG_FORMAT_AUTO, &err);
    assert_non_null(run);
    assert_int_equal(pg_results_format(run), PG_FORMAT_PYTEST);
    assert_int_equal(pg_results_count(run), 2);
    const pg_result *b = pg_results_find(run, "tests/test_indicators.py::test_sma[65536]");
    assert_non_null(b);
    assert_int_equal(b->n, 3); /* one sample per round of stats.data */
    assert_true(b->real_ns[0] == 1e6 && b->real_ns[2] == 4e6);
    assert_true(isnan(b->cpu_ns[0]));
    assert_non_null(b->cpu_missing);
    assert_false(b->from_aggregate);
    assert_non_null(strstr(b->source, "stats.data"));
    const pg_result *s = pg_results_find(run, "tests/test_indicators.py::test_rsi[1024]");
    assert_non_null(s);
    /* only the summary: one value (the median) standing for 40 rounds */
    assert_int_equal(s->n, 1);
    assert_true(s->from_aggregate);
    assert_int_equal(s->summary_n, 40);
    assert_true(fabs(s->real_ns[0] - 3000.0) < 1e-6 && fabs(s->summary_q1 - 2000.0) < 1e-6 &&
                fabs(s->summary_q3 - 4000.0) < 1e-6 && fabs(s->summary_min - 1000.0) < 1e-6);
    assert_non_null(strstr(s->source, "summary only"));
    /* machine and commit in Google Benchmark's and the harness's places */
    assert_string_equal(pg_results_context(run, "host_name"), "ci-7");
    assert_string_equal(pg_results_context(run, "num_cpus"), "16");
    assert_string_equal(pg_results_context(run, "executable"), "CPython 3.11.2");
    assert_string_equal(pg_results_context(run, "results_format"), "pytest-benchmark 3.2.2");
    assert_string_equal(pg_results_host(run, "cpu_model"), "AMD EPYC");
    const char *kv[2] = { "perfgate.git_commit", NULL };
    pg_results_environment(run, 4, find_env, kv);
    assert_non_null(kv[1]);
    pg_results_destroy(run);
}

static void test_hyperfine(void **state)
{
    (void)state;
    pg_error err;
    pg_results *run = load(hyperfine_text, PG_FORMAT_AUTO, &err);
    assert_non_null(run);
    assert_int_equal(pg_results_format(run), PG_FORMAT_HYPERFINE);
    const pg_result *b = pg_results_find(run, "perfgate compute sma --n 100");
    assert_non_null(b);
    assert_int_equal(b->n, 3);
    assert_true(b->real_ns[1] == 2e6);
    assert_null(b->error);
    assert_non_null(b->cpu_missing); /* only mean user/system: no per-run CPU time */
    const pg_result *f = pg_results_find(run, "false");
    assert_non_null(f);
    assert_non_null(strstr(f->error, "run 2"));
    pg_results_destroy(run);
}

static void test_asv(void **state)
{
    (void)state;
    pg_error err;
    pg_results *run = load(asv_text, PG_FORMAT_AUTO, &err);
    assert_non_null(run);
    assert_int_equal(pg_results_format(run), PG_FORMAT_ASV);
    /* 2 x 2 combinations of time_sma, time_rsi, time_broken; not peakmem_ */
    assert_int_equal(pg_results_count(run), 6);
    assert_null(pg_results_find(run, "benchmarks.Indicators.peakmem_sma"));
    /* itertools.product order: the last parameter varies fastest */
    const pg_result *b = pg_results_find(run, "benchmarks.Indicators.time_sma(65536, 'float32')");
    assert_non_null(b);
    assert_true(b->from_aggregate);
    assert_int_equal(b->summary_n, 20); /* stats_repeat */
    assert_true(fabs(b->real_ns[0] - 3e6) < 1e-3);
    assert_true(fabs(b->summary_q1 - 2.9e6) < 1e-3 && fabs(b->summary_q3 - 3.1e6) < 1e-3);
    assert_true(isnan(b->summary_min));
    const pg_result *r = pg_results_find(run, "benchmarks.Indicators.time_rsi");
    assert_non_null(r);
    assert_int_equal(r->n, 3); /* samples win over the summary */
    assert_false(r->from_aggregate);
    const pg_result *x = pg_results_find(run, "benchmarks.Indicators.time_broken");
    assert_non_null(x);
    assert_non_null(x->error);
    assert_string_equal(pg_results_context(run, "host_name"), "ci-7");
    assert_string_equal(pg_results_context(run, "date"), "2025-12-07T10:00:00Z");
    assert_string_equal(pg_results_host(run, "cpu_model"), "AMD EPYC");
    pg_results_destroy(run);
}

static void expect_error(const char *text, int format, int line, int column, const char *pointer,
                         const char *words)
{
    pg_error err;
    pg_results *run = load(text, format, &err);
    assert_null(run);
    if (err.line != line || err.column != column || strcmp(err.pointer, pointer))
        fail_msg("%d:%d at '%s' (%s), expected %d:%d at '%s'", err.line, err.column, err.pointer,
                 err.message, line, column, pointer);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    assert_string_equal(err.pointer, pointer);
    if (!strstr(err.message, words))
        fail_msg("message '%s' lacks '%s'", err.message, words);
    assert_string_equal(err.file, "mem.json");
}

static void test_errors(void **state)
{
    (void)state;
    expect_error(
        "{\"machine_info\": {},\n \"benchmarks\": [{\"fullname\": \"a\",\n"
        "  \"stats\": {\"median\": \"fast\", \"q1\": 1, \"q3\": 1, \"min\": 1, \"rounds\": 1}}]}",
        PG_FORMAT_AUTO, 3, 23, "/benchmarks/0/stats/median", "expected a number");
    expect_error("{\"machine_info\": {}, \"benchmarks\": [{\"fullname\": \"a\", \"stats\": "
                 "{\"data\": [1, -2]}}]}",
                 PG_FORMAT_AUTO, 1, 77, "/benchmarks/0/stats/data/1", "non-negative time");
    expect_error("{\"commit_info\": {}, \"benchmarks\": [{\"fullname\": \"a\", \"stats\": "
                 "{\"data\": [1]}},\n"
                 " {\"fullname\": \"a\", \"stats\": {\"data\": [1]}}]}",
                 PG_FORMAT_AUTO, 2, 2, "/benchmarks/1", "first is at line 1");
    expect_error("{\"results\": [{\"command\": \"x\"}]}", PG_FORMAT_AUTO, 1, 14, "/results/0",
                 "\"times\"");
    expect_error("{\"results\": [{\"command\": \"x\", \"times\": [0.1, null]}]}",
                 PG_FORMAT_HYPERFINE, 1, 46, "/results/0/times/1", "non-negative time");
    expect_error("{\"result_columns\": [\"result\"], \"results\": {}, \"version\": 1}",
                 PG_FORMAT_AUTO, 1, 58, "/version", "version 2");
    expect_error("{\"version\": 2, \"result_columns\": [\"result\", \"params\"],\n"
                 " \"results\": {\"a.time_x\": [[1, 2], [[\"1\", \"2\", \"3\"]]]}}",
                 PG_FORMAT_ASV, 2, 27, "/results/a.time_x", "one result per parameter");
    /* forcing a format that the content is not */
    expect_error(hyperfine_text, PG_FORMAT_PYTEST, 1, 1, "", "\"benchmarks\"");
    /* a syntax error keeps its position */
    expect_error("{\"results\": [\n  {\"command\": \"x\",}]}", PG_FORMAT_AUTO, 2, 19, "/results/0",
                 "member name");
}

static pg_budget_set *budgets(const char *json)
{
    char path[] = "/tmp/pg_test_formats_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
    close(fd);
    pg_budget_set *set = pg_budget_set_create();
    assert_int_equal(pg_budget_set_add_path(set, path), 0);
    unlink(path);
    return set;
}

static const pg_verdict *verdict(const pg_verdicts *r, const char *bench, const char *metric)
{
    for (size_t i = 0; i < pg_verdicts_count(r); i++) {
        const pg_verdict *v = pg_verdicts_get(r, i);
        if (!strcmp(v->bench, bench) && !strcmp(v->metric, metric))
            return v;
    }
    fail_msg("no %s verdict for %s", metric, bench);
    return NULL;
}

/* The summary rule: a breach only where the stored quantiles prove enough
 * rounds above the ceiling; CPU ceilings are unavailable, not invented;
 * bracketed names match budgets written as the name. */
static void test_summary_rule_and_names(void **state)
{
    (void)state;
    pg_error err;
    pg_results *run = load(pytest_text, PG_FORMAT_AUTO, &err);
    assert_non_null(run);
    const char *rsi = "tests/test_indicators.py::test_rsi[1024]";
    const char *cases[][2] = {
        /* ceiling, expected verdict: q1 2us, median 3us, q3 4us, min 1us, 40 rounds */
        { "1.5us", "breach" }, /* q1 above: >= 30 of 40 rounds above, p < 0.05 */
        { "2.5us", "pass" },   /* only the median above: 20 of 40 proven, not significant */
        { "3us", "pass" },
        { "0.5us", "breach" }, /* min above: all 40 */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char json[512];
        snprintf(
            json, sizeof json,
            "{\"version\": 1, \"defaults\": {\"repetitions\": 10}, \"budgets\": [\n"
            " {\"match\": \"%s\", \"absolute\": {\"median_real_time\": \"%s\",\n"
            "  \"median_cpu_time\": \"1s\"}},\n"
            " {\"match\": \"tests/test_indicators.py::test_sma\\\\[*\\\\]\", \"repetitions\": 3,\n"
            "  \"absolute\": {\"median_real_time\": \"1s\"}}]}",
            rsi, cases[c][0]);
        pg_budget_set *set = budgets(json);
        pg_gate_options opt = { "2026-12-07", 0, NULL, 0 };
        pg_verdicts *r = pg_gate_check(run, NULL, set, &opt, &err);
        assert_non_null(r);
        const pg_verdict *v = verdict(r, rsi, "median_real_time");
        if (strcmp(pg_verdict_name(v->kind), cases[c][1]))
            fail_msg("ceiling %s: %s, expected %s", cases[c][0], pg_verdict_name(v->kind),
                     cases[c][1]);
        assert_int_equal(v->n, 40);
        assert_non_null(strstr(v->note, "stored median of 40 rounds"));
        assert_string_equal(pg_verdict_name(verdict(r, rsi, "median_cpu_time")->kind),
                            "unavailable");
        /* the escaped glob matches the bracketed id */
        assert_string_equal(
            pg_verdict_name(
                verdict(r, "tests/test_indicators.py::test_sma[65536]", "median_real_time")->kind),
            "pass");
        pg_verdicts_destroy(r);
        pg_budget_set_destroy(set);
    }
    /* fewer rounds than the budget requires: insufficient, never a pass */
    pg_budget_set *set =
        budgets("{\"version\": 1, \"budgets\": [{\"match\": "
                "\"tests/test_indicators.py::test_rsi[1024]\", \"repetitions\": 50,"
                " \"absolute\": {\"median_real_time\": \"1ms\"}}]}");
    pg_gate_options opt = { "2026-12-07", 0, NULL, 0 };
    pg_verdicts *r = pg_gate_check(run, NULL, set, &opt, &err);
    assert_non_null(r);
    assert_string_equal(pg_verdict_name(verdict(r, rsi, "median_real_time")->kind), "insufficient");
    assert_true(pg_verdicts_failed(r));
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);
    pg_results_destroy(run);
}

/* Property: over seeded random summaries and ceilings, a breach always has
 * the median above the ceiling, and a pass never has q1 above it with a
 * count of rounds that proves it (>= 3n/4 above, sign test p < alpha). */
static void test_summary_rule_property(void **state)
{
    (void)state;
    srand(20261207);
    pg_budget_set *set =
        budgets("{\"version\": 1, \"defaults\": {\"repetitions\": 1}, \"budgets\": "
                "[{\"match\": \"x\", \"absolute\": {\"median_real_time\": \"1us\"}}]}");
    for (int t = 0; t < 300; t++) {
        double med = 0.2 + 2.0 * rand() / RAND_MAX, q1 = med * (0.5 + 0.5 * rand() / RAND_MAX);
        double q3 = med * (1 + rand() / (double)RAND_MAX), mn = q1 * rand() / RAND_MAX;
        int rounds = 1 + rand() % 60;
        char text[512];
        snprintf(text, sizeof text,
                 "{\"machine_info\": {}, \"benchmarks\": [{\"fullname\": \"x\", \"stats\": "
                 "{\"median\": %.9g, \"q1\": %.9g, \"q3\": %.9g, \"min\": %.9g, \"rounds\": %d}}]}",
                 med * 1e-6, q1 * 1e-6, q3 * 1e-6, mn * 1e-6, rounds);
        pg_error err;
        pg_results *run = load(text, PG_FORMAT_AUTO, &err);
        assert_non_null(run);
        pg_gate_options opt = { "2026-12-07", 0, NULL, 0 };
        pg_verdicts *r = pg_gate_check(run, NULL, set, &opt, &err);
        assert_non_null(r);
        const pg_verdict *v = verdict(r, "x", "median_real_time");
        if (v->kind == PG_V_BREACH)
            assert_true(med > 1.0 && v->p < 0.05);
        size_t proven = mn > 1.0 ? (size_t)rounds : q1 > 1.0 ? (size_t)(0.75 * rounds) : 0;
        if (proven && pg_stats_binom_half_cdf((size_t)rounds - proven, (size_t)rounds) < 0.05)
            assert_int_equal(v->kind, PG_V_BREACH);
        if (med <= 1.0)
            assert_int_equal(v->kind, PG_V_PASS);
        pg_verdicts_destroy(r);
        pg_results_destroy(run);
    }
    pg_budget_set_destroy(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detection),
        cmocka_unit_test(test_pytest),
        cmocka_unit_test(test_hyperfine),
        cmocka_unit_test(test_asv),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_summary_rule_and_names),
        cmocka_unit_test(test_summary_rule_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
