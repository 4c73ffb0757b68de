/*
 * test_budget_check.c - the verdict engine (gate/check.c): each verdict
 * kind from a small run built here, with samples chosen so the statistics
 * are unambiguous.
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

#include "pg_gate.h"

/* A run of benchmarks; each gets n samples center * (1 + 0.001 * k),
 * k = 0..n-1, optionally a counter. */
typedef struct spec {
    const char *name;
    double center;
    int n;
    const char *counter; /* "name" or NULL */
    double counter_value;
} spec;

static pg_results *make_run(const spec *s, size_t count, const char *extra)
{
    size_t cap = 1 << 20, used = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    used += (size_t)snprintf(buf + used, cap - used, "{\"benchmarks\": [");
    int first = 1;
    for (size_t i = 0; i < count; i++)
        for (int k = 0; k < s[i].n; k++) {
            double t = s[i].center * (1.0 + 0.001 * k);
            used += (size_t)snprintf(buf + used, cap - used,
                                     "%s{\"name\": \"%s\", \"run_type\": \"iteration\", "
                                     "\"real_time\": %.17g, \"cpu_time\": %.17g",
                                     first ? "" : ",", s[i].name, t, t);
            if (s[i].counter)
                used += (size_t)snprintf(buf + used, cap - used, ", \"%s\": %.17g", s[i].counter,
                                         s[i].counter_value);
            used += (size_t)snprintf(buf + used, cap - used, "}");
            first = 0;
        }
    used += (size_t)snprintf(buf + used, cap - used, "]%s}", extra ? extra : "");
    pg_error err;
    pg_error_clear(&err);
    pg_results *run = pg_results_load_buffer(buf, used, "mem.json", &err);
    if (!run)
        fail_msg("%s", err.message);
    free(buf);
    return run;
}

/* Adds the budget file `text` to set; returns pg_budget_set_add_path's code. */
static int add_file(pg_budget_set *set, const char *text)
{
    char path[] = "/tmp/pg_test_check.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    int rc = pg_budget_set_add_path(set, path);
    remove(path);
    return rc;
}

static pg_budget_set *budgets(const char *text)
{
    pg_budget_set *set = pg_budget_set_create();
    if (add_file(set, text))
        fail_msg("%s", pg_budget_set_diag(set, 0)->message);
    return set;
}

static const pg_verdict *find(const pg_verdicts *r, const char *bench, const char *metric)
{
    for (size_t i = 0; i < pg_verdicts_count(r); i++) {
        const pg_verdict *v = pg_verdicts_get(r, i);
        if (!strcmp(v->bench, bench) && !strcmp(v->metric, metric))
            return v;
    }
    fail_msg("no verdict for %s %s", bench, metric);
    return NULL;
}

static const pg_gate_options opt = { "2026-06-01", 1, NULL, 0 };

static void test_ceilings(void **state)
{
    (void)state;
    spec s[] = {
        { "k/over/cpu/100", 2000, 10, "instructions", 900 }, /* 20 ns/elem */
        { "k/under/cpu/100", 500, 10, NULL, 0 },
        { "k/few/cpu/100", 500, 3, NULL, 0 },
        { "k/warn/cpu/100", 2000, 10, NULL, 0 },
    };
    pg_results *run = make_run(s, 4,
                               ", \"perfgate\": {\"counters\": {\"cycles\": "
                               "{\"available\": false, \"reason\": \"no PMU\"}}}");
    pg_budget_set *set = budgets("{\"version\": 1, \"defaults\": {\"repetitions\": 5},\n"
                                 " \"budgets\": [\n"
                                 "  {\"match\": \"k/*\", \"absolute\": {\"median_real_time\": "
                                 "\"1us\", \"real_time_per_element\": \"15ns\"},\n"
                                 "   \"counters\": {\"instructions\": {\"max\": 8, "
                                 "\"per_element\": true}, \"cycles\": {\"max\": 1}}},\n"
                                 "  {\"match\": \"k/warn/*\", \"severity\": \"warn\"}\n"
                                 " ]}");
    pg_error err;
    pg_verdicts *r = pg_gate_check(run, NULL, set, &opt, &err);
    assert_non_null(r);
    const pg_verdict *v = find(r, "k/over/cpu/100", "median_real_time");
    assert_int_equal(v->kind, PG_V_BREACH);
    assert_true(v->fails);
    assert_true(fabs(v->p - 1.0 / 1024.0) < 1e-15); /* sign test: 10 of 10 above */
    assert_int_equal(find(r, "k/over/cpu/100", "real_time_per_element")->kind, PG_V_BREACH);
    v = find(r, "k/over/cpu/100", "counter:instructions/elem");
    assert_int_equal(v->kind, PG_V_BREACH); /* 9 per element > 8 */
    assert_true(fabs(v->value - 9.0) < 1e-12);
    v = find(r, "k/over/cpu/100", "counter:cycles");
    assert_int_equal(v->kind, PG_V_UNAVAILABLE);
    assert_non_null(strstr(v->note, "no PMU"));
    assert_false(v->fails);
    assert_int_equal(find(r, "k/under/cpu/100", "median_real_time")->kind, PG_V_PASS);
    v = find(r, "k/few/cpu/100", "median_real_time");
    assert_int_equal(v->kind, PG_V_INSUFFICIENT); /* below the ceiling, but 3 < 5 */
    assert_true(v->fails);
    assert_non_null(strstr(v->note, "only 3 of the 5 repetitions required"));
    v = find(r, "k/warn/cpu/100", "median_real_time");
    assert_int_equal(v->kind, PG_V_BREACH);
    assert_true(v->warn);
    assert_false(v->fails);
    assert_true(pg_verdicts_failed(r));
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);
    pg_results_destroy(run);
}

/* A file with "machine" judges only results of that kind of machine; the
 * general file's globs take over elsewhere, and its exact names are not
 * "missing" where it does not apply. */
static const pg_verdict *find_or_null(const pg_verdicts *r, const char *bench, const char *metric)
{
    for (size_t i = 0; i < pg_verdicts_count(r); i++) {
        const pg_verdict *v = pg_verdicts_get(r, i);
        if (!strcmp(v->bench, bench) && !strcmp(v->metric, metric))
            return v;
    }
    return NULL;
}

static void test_machine(void **state)
{
    (void)state;
    spec s[] = { { "k/x/cpu/100", 500, 10, NULL, 0 } };
    static const char *const general = "{\"version\": 1, \"budgets\": [{\"match\": \"k/*\", "
                                       "\"absolute\": {\"median_real_time\": \"1us\"}}]}";
    static const char *const amd =
        "{\"version\": 1, \"machine\": {\"cpu_model\": \"AMD EPYC*\"}, \"budgets\": [\n"
        "  {\"match\": \"k/x/cpu/100\", \"absolute\": {\"median_real_time\": \"100ns\"}},\n"
        "  {\"match\": \"k/absent/cpu/100\", \"absolute\": {\"median_real_time\": \"100ns\"}}]}";
    const char *hosts[] = {
        ", \"perfgate\": {\"host\": {\"cpu_model\": \"AMD EPYC 9R14\"}}",
        ", \"perfgate\": {\"host\": {\"cpu_model\": \"Intel(R) Xeon(R) Processor\"}}", NULL
    };
    for (int h = 0; h < 3; h++) {
        pg_results *run = make_run(s, 1, hosts[h]);
        pg_budget_set *set = pg_budget_set_create();
        assert_int_equal(add_file(set, general), 0);
        assert_int_equal(add_file(set, amd), 0);
        pg_error err;
        pg_verdicts *r = pg_gate_check(run, NULL, set, &opt, &err);
        assert_non_null(r);
        const pg_verdict *v = find(r, "k/x/cpu/100", "median_real_time");
        const pg_verdict *missing = find_or_null(r, "k/absent/cpu/100", "-");
        const char *glob = NULL;
        int applies = pg_budget_set_file_machine(set, 1, NULL, &glob);
        assert_string_equal(glob, "AMD EPYC*");
        assert_int_equal(pg_budget_set_file_machine(set, 0, NULL, &glob), 1);
        assert_null(glob);
        if (h == 0) { /* the machine the file is for: its exact ceiling */
            assert_int_equal(applies, 1);
            assert_int_equal(v->kind, PG_V_BREACH);
            assert_non_null(missing);
            assert_int_equal(missing->kind, PG_V_MISSING);
        } else { /* another machine, or no host recorded: the general glob */
            assert_int_equal(applies, 0);
            assert_int_equal(v->kind, PG_V_PASS);
            assert_null(missing);
        }
        pg_verdicts_destroy(r);
        pg_budget_set_destroy(set);
        pg_results_destroy(run);
    }
    /* Bad "machine" entries: file:line:column and what was expected. */
    static const char *const bad[] = {
        "{\"version\": 1, \"machine\": \"AMD\", \"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"cpu\": \"AMD\"}, \"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"cpu_model\": 3}, \"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"cpu_model\": \"\"}, \"budgets\": []}",
        "{\"version\": 1, \"machine\": {}, \"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"cpu_flags\": []}, \"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"cpu_flags\": \"avx512f\"}, \"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"cpu_flags\": [\"avx512f avx2\"]}, \"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"calibration\": {}}, \"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"calibration\": {\"c/*\": {\"max_ns_per_element\": 1}}}, "
        "\"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"calibration\": {\"c\": {}}}, \"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"calibration\": {\"c\": {\"min_ns_per_element\": 2, "
        "\"max_ns_per_element\": 1}}}, \"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"calibration\": {\"c\": {\"max_ns_per_element\": 0}}}, "
        "\"budgets\": []}",
        "{\"version\": 1, \"machine\": {\"calibration\": {\"c\": {\"max_ns_per_element\": 1, "
        "\"metric\": \"wall\"}}}, \"budgets\": []}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pg_budget_set *set = pg_budget_set_create();
        assert_int_not_equal(add_file(set, bad[i]), 0);
        assert_true(pg_budget_set_ndiag(set) >= 1);
        const pg_error *e = pg_budget_set_diag(set, 0);
        assert_int_equal(e->line, 1);
        assert_true(e->column > 1);
        assert_non_null(strstr(e->pointer, "/machine"));
        pg_budget_set_destroy(set);
    }
}

static void test_regressions(void **state)
{
    (void)state;
    spec base[] = {
        { "i/a/hot/cpu/1", 1000, 10, NULL, 0 },    { "i/b/hot/cpu/1", 1000, 10, NULL, 0 },
        { "i/c/hot/cpu/1", 1000, 10, NULL, 0 },    { "i/d/cold/cpu/1", 1000, 10, NULL, 0 },
        { "i/gone/hot/cpu/1", 1000, 10, NULL, 0 }, { "u/x", 1000, 10, NULL, 0 },
    };
    spec head[] = {
        { "i/a/hot/cpu/1", 1100, 10, NULL, 0 },  /* +10 %: beyond 5 % */
        { "i/b/hot/cpu/1", 1030, 10, NULL, 0 },  /* +3 %: significant, within */
        { "i/c/hot/cpu/1", 900, 10, NULL, 0 },   /* -10 %: improved */
        { "i/d/cold/cpu/1", 1080, 10, NULL, 0 }, /* +8 %: within cold's default 10 % */
        { "u/x", 5000, 10, NULL, 0 },            /* unbudgeted: never fails */
    };
    pg_results *b = make_run(base, 6, NULL), *h = make_run(head, 5, NULL);
    /* "run_spread": "0%": the runs' own spread alone (the baseline as if
     * from the same run); test_run_spread adds the spread between runs */
    pg_budget_set *set = budgets("{\"version\": 1, \"budgets\": [\n"
                                 " {\"match\": \"i/*/hot/*\", \"regression\": {\"max\": \"5%\", "
                                 "\"run_spread\": \"0%\"}},\n"
                                 " {\"match\": \"i/*/cold/*\", \"owner\": \"team\"}\n"
                                 "]}");
    pg_error err;
    pg_verdicts *r = pg_gate_check(h, b, set, &opt, &err);
    assert_non_null(r);
    const pg_verdict *v = find(r, "i/a/hot/cpu/1", "regression:real_time");
    assert_int_equal(v->kind, PG_V_REGRESSION);
    assert_true(fabs(v->ratio - 1.1) < 1e-9);
    assert_true(v->ratio_lo <= 1.1 && v->ratio_hi >= 1.1);
    /* 10 vs 10 fully separated: exact p = 1/C(20,10) */
    assert_true(fabs(v->p - 1.0 / 184756.0) < 1e-15);
    v = find(r, "i/b/hot/cpu/1", "regression:real_time");
    assert_int_equal(v->kind, PG_V_PASS);
    assert_non_null(strstr(v->note, "within the tolerance"));
    assert_int_equal(find(r, "i/c/hot/cpu/1", "regression:real_time")->kind, PG_V_IMPROVED);
    v = find(r, "i/d/cold/cpu/1", "regression:real_time");
    assert_int_equal(v->kind, PG_V_PASS);
    assert_true(fabs(v->limit - 0.10) < 1e-15);
    assert_string_equal(v->owner, "team");
    v = find(r, "i/gone/hot/cpu/1", "-");
    assert_int_equal(v->kind, PG_V_MISSING);
    assert_non_null(strstr(v->note, "in the baseline but not in the results"));
    v = find(r, "u/x", "-");
    assert_int_equal(v->kind, PG_V_UNBUDGETED);
    assert_true(v->ratio > 4.9 && v->ratio < 5.1);
    assert_false(v->fails);
    size_t counts[PG_V_COUNT];
    pg_verdicts_counts(r, counts);
    assert_int_equal(counts[PG_V_REGRESSION], 1);
    assert_int_equal(counts[PG_V_MISSING], 1);
    assert_true(pg_verdicts_failed(r));
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);
    pg_results_destroy(h);
    pg_results_destroy(b);
}

/* A regression needs the shift's interval, not only its point estimate, to
 * clear the tolerance (its lower end above 1 + tolerance/2): a head that is
 * significantly slower, with a median shift beyond 5 % but spread so wide
 * that a shift of 2.5 % or less is not ruled out, is not a regression; the
 * same shift with a tight spread is. */
static pg_results *run_of(const char *name, const double *t, size_t n)
{
    char buf[4096];
    size_t used = (size_t)snprintf(buf, sizeof buf, "{\"benchmarks\": [");
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used,
                                 "%s{\"name\": \"%s\", \"run_type\": \"iteration\", "
                                 "\"real_time\": %.17g, \"cpu_time\": %.17g}",
                                 i ? "," : "", name, t[i], t[i]);
    used += (size_t)snprintf(buf + used, sizeof buf - used, "]}");
    pg_error err;
    pg_error_clear(&err);
    pg_results *run = pg_results_load_buffer(buf, used, "mem.json", &err);
    if (!run)
        fail_msg("%s", err.message);
    return run;
}

static void test_regression_needs_the_interval(void **state)
{
    (void)state;
    const double base[] = { 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009 };
    const double wide[] = { 960, 990, 1010, 1030, 1060, 1080, 1110, 1140, 1170, 1200 };
    const double tight[] = { 1060, 1061, 1062, 1063, 1064, 1065, 1066, 1067, 1068, 1069 };
    pg_budget_set *set = budgets("{\"version\": 1, \"budgets\": [\n"
                                 " {\"match\": \"i/*/hot/*\", \"regression\": {\"max\": \"5%\", "
                                 "\"run_spread\": \"0%\"}}\n"
                                 "]}");
    pg_results *b = run_of("i/a/hot/cpu/1", base, 10);
    const double *heads[] = { wide, tight };
    for (int k = 0; k < 2; k++) {
        pg_results *h = run_of("i/a/hot/cpu/1", heads[k], 10);
        pg_error err;
        pg_verdicts *r = pg_gate_check(h, b, set, &opt, &err);
        assert_non_null(r);
        const pg_verdict *v = find(r, "i/a/hot/cpu/1", "regression:real_time");
        /* Both are slower beyond the tolerance by the point estimate. */
        assert_true(v->ratio > 1.05);
        if (k == 0) {
            assert_true(v->ratio_lo <= 1.025);
            assert_true(v->p < 0.05); /* significant: the interval rule decides */
            assert_int_not_equal(v->kind, PG_V_REGRESSION);
            assert_false(v->fails);
        } else {
            assert_true(v->ratio_lo > 1.025);
            assert_int_equal(v->kind, PG_V_REGRESSION);
        }
        pg_verdicts_destroy(r);
        pg_results_destroy(h);
    }
    pg_results_destroy(b);
    pg_budget_set_destroy(set);
}

/* A baseline is another run: the ratio's interval is widened by how far
 * the benchmark moves between runs (gate/check.c run_spread), taken from
 * the history (pg_gate_options.spreads) and, before it knows, assumed by
 * profile.  Head and baseline are tight (0.1 % apart within each run), so
 * the within-run interval alone would call any shift beyond 5 % a
 * regression. */
static void check_shift(const char *budget_extra, const pg_gate_options *o, double shift,
                        pg_verdict_kind want, double want_spread, size_t want_runs)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"version\": 1, \"budgets\": [\n"
             " {\"match\": \"i/*\", \"regression\": {\"max\": \"5%%\"%s}}\n]}",
             budget_extra);
    pg_budget_set *set = budgets(text);
    spec base[] = {
        { "i/a/hot/cpu/1", 1000, 10, NULL, 0 }, { "i/b/hot/cpu/1", 1000, 10, NULL, 0 },
        { "i/c/hot/cpu/1", 1000, 10, NULL, 0 }, { "i/d/hot/cpu/1", 1000, 10, NULL, 0 },
        { "i/e/hot/cpu/1", 1000, 10, NULL, 0 }, { "i/f/cold/cpu/1", 1000, 10, NULL, 0 }
    };
    spec head[6];
    memcpy(head, base, sizeof head);
    head[0].center = 1000 * shift;
    pg_results *b = make_run(base, 6, NULL), *h = make_run(head, 6, NULL);
    pg_error err;
    pg_verdicts *r = pg_gate_check(h, b, set, o, &err);
    assert_non_null(r);
    const pg_verdict *v = find(r, "i/a/hot/cpu/1", "regression:real_time");
    if (v->kind != want)
        fail_msg("shift %g (%s): %s, not %s: %s", shift, budget_extra, pg_verdict_name(v->kind),
                 pg_verdict_name(want), v->note);
    assert_true(fabs(v->ratio - shift) < 1e-9);
    if (isnan(want_spread))
        assert_true(isnan(v->run_spread) || v->run_spread == 0);
    else if (fabs(v->run_spread - want_spread) > 1e-9)
        fail_msg("spread %.6f, expected %.6f", v->run_spread, want_spread);
    assert_int_equal(v->run_spread_runs, want_runs);
    /* the interval shown is the one judged: widened about the estimate */
    if (v->run_spread > 0) {
        double half = 1.959964 * sqrt(2.0) * v->run_spread;
        assert_true(log(v->ratio / v->ratio_lo) >= half - 1e-9);
        assert_true(log(v->ratio_hi / v->ratio) >= half - 1e-9);
    }
    pg_verdicts_destroy(r);
    pg_results_destroy(h);
    pg_results_destroy(b);
    pg_budget_set_destroy(set);
}

static void test_run_spread(void **state)
{
    (void)state;
    const pg_gate_options none = { "2026-06-01", 1, NULL, 0 };
    /* No history: hot's assumed 5 % widens the interval by 1.96 sqrt 2 x 5 %
     * (13.9 %): a 12 % shift that runs of such a benchmark show unchanged
     * passes, and says why; 1.2x and a threefold slowdown are regressions. */
    check_shift("", &none, 1.12, PG_V_PASS, 0.05, 0);
    check_shift("", &none, 1.20, PG_V_REGRESSION, 0.05, 0);
    check_shift("", &none, 3.0, PG_V_REGRESSION, 0.05, 0);
    check_shift("", &none, 0.92, PG_V_PASS, 0.05, 0); /* an improvement must clear it too */
    check_shift("", &none, 0.70, PG_V_IMPROVED, 0.05, 0);
    /* the budget's own spread: 0 % is the within-run rule, 10 % passes 1.2x */
    check_shift(", \"run_spread\": \"0%\"", &none, 1.07, PG_V_REGRESSION, NAN, 0);
    check_shift(", \"run_spread\": \"10%\"", &none, 1.20, PG_V_PASS, 0.10, 0);
    /* A history of 31 runs in which these benchmarks moved 0.5 % from run to
     * run: the pooled prior (the median of a..e) is 0.5 % and i/a's own
     * 0.5 %, so the 7 % shift is a regression again, as it should be on a
     * quiet machine. */
    pg_run_spread quiet[] = {
        { "i/a/hot/cpu/1", { 0.005, 0.005 }, { 31, 31 } },
        { "i/b/hot/cpu/1", { 0.004, 0.004 }, { 31, 31 } },
        { "i/c/hot/cpu/1", { 0.005, 0.005 }, { 31, 31 } },
        { "i/d/hot/cpu/1", { 0.006, 0.006 }, { 31, 31 } },
        { "i/e/hot/cpu/1", { 0.005, 0.005 }, { 31, 31 } },
        { "i/f/cold/cpu/1", { 0.5, 0.5 }, { 31, 31 } }, /* another profile: not pooled */
    };
    pg_gate_options o = { "2026-06-01", 1, quiet, 6 };
    check_shift("", &o, 1.07, PG_V_REGRESSION, 0.005, 31);
    /* i/a alone noisy (6 %): pooled prior 0.5 % (weight 4) with its own 6 %
     * (weight 0.37 x 30) */
    quiet[0].log_sd[0] = 0.06;
    double w = 0.37 * 30, want = sqrt((4 * 0.005 * 0.005 + w * 0.06 * 0.06) / (4 + w));
    check_shift("", &o, 1.07, PG_V_PASS, want, 31);
    check_shift("", &o, 1.5, PG_V_REGRESSION, want, 31);
    /* fewer than 3 runs of a benchmark: not measured, the default holds */
    for (size_t i = 0; i < 6; i++)
        quiet[i].runs[0] = 2;
    check_shift("", &o, 1.07, PG_V_PASS, 0.05, 0);
}

/* Measured again (pg_verdicts_confirm): a regression or breach that a
 * second measurement passes is replaced by that pass, with the first
 * figures in its note; one that fails again stands; one the second run
 * lacks stands; other failing kinds are never overturned. */
static void test_confirm(void **state)
{
    (void)state;
    spec base[] = { { "i/a/hot/cpu/1", 1000, 10, NULL, 0 },
                    { "i/b/hot/cpu/1", 1000, 10, NULL, 0 },
                    { "i/c/hot/cpu/1", 1000, 10, NULL, 0 },
                    { "i/d/hot/cpu/1", 1000, 10, NULL, 0 } };
    spec head[] = { { "i/a/hot/cpu/1", 1500, 10, NULL, 0 },  /* noise: passes again */
                    { "i/b/hot/cpu/1", 1500, 10, NULL, 0 },  /* real: fails again */
                    { "i/c/hot/cpu/1", 1500, 10, NULL, 0 },  /* not measured again */
                    { "i/d/hot/cpu/1", 1000, 3, NULL, 0 } }; /* insufficient: stays */
    spec again[] = { { "i/a/hot/cpu/1", 1001, 10, NULL, 0 },
                     { "i/b/hot/cpu/1", 1490, 10, NULL, 0 },
                     { "i/d/hot/cpu/1", 1000, 10, NULL, 0 } };
    pg_results *b = make_run(base, 4, NULL), *h = make_run(head, 4, NULL),
               *a = make_run(again, 3, NULL);
    pg_budget_set *set = budgets("{\"version\": 1, \"defaults\": {\"repetitions\": 10},\n"
                                 " \"budgets\": [{\"match\": \"i/*\", \"absolute\": "
                                 "{\"median_real_time\": \"1200ns\"}}]}");
    pg_error err;
    pg_verdicts *r = pg_gate_check(h, b, set, &opt, &err);
    assert_non_null(r);
    assert_int_equal(find(r, "i/a/hot/cpu/1", "regression:cpu_time")->kind, PG_V_REGRESSION);
    assert_int_equal(find(r, "i/a/hot/cpu/1", "median_real_time")->kind, PG_V_BREACH);
    assert_true(pg_verdict_confirmable(find(r, "i/a/hot/cpu/1", "median_real_time")));
    assert_false(pg_verdict_confirmable(find(r, "i/d/hot/cpu/1", "regression:cpu_time")));
    pg_verdicts *r2 = pg_gate_check(a, b, set, &opt, &err);
    assert_non_null(r2);
    /* i/a: a regression and a breach overturned */
    assert_int_equal(pg_verdicts_confirm(r, r2), 2);
    const pg_verdict *v = find(r, "i/a/hot/cpu/1", "regression:cpu_time");
    assert_int_equal(v->kind, PG_V_PASS);
    assert_false(v->fails);
    assert_true(fabs(v->ratio - 1.001) < 1e-3); /* the second measurement's figures */
    assert_non_null(strstr(v->note, "a regression at first (1.500x"));
    assert_non_null(strstr(v->note, "not confirmed"));
    v = find(r, "i/a/hot/cpu/1", "median_real_time");
    assert_int_equal(v->kind, PG_V_PASS);
    assert_non_null(strstr(v->note, "a breach at first (median 150"));
    v = find(r, "i/b/hot/cpu/1", "regression:cpu_time");
    assert_int_equal(v->kind, PG_V_REGRESSION);
    assert_true(v->fails);
    assert_true(fabs(v->ratio - 1.5) < 1e-3); /* the first figures stand */
    assert_non_null(strstr(v->note, "; confirmed: measured again, 1.490x"));
    assert_int_equal(find(r, "i/c/hot/cpu/1", "regression:cpu_time")->kind, PG_V_REGRESSION);
    assert_int_equal(find(r, "i/d/hot/cpu/1", "regression:cpu_time")->kind, PG_V_INSUFFICIENT);
    assert_true(pg_verdicts_failed(r));
    /* nothing left but i/a's: the gate passes */
    pg_verdicts *r3 = pg_gate_check(a, b, set, &opt, &err);
    spec only_a[] = { { "i/a/hot/cpu/1", 1500, 10, NULL, 0 },
                      { "i/b/hot/cpu/1", 1000, 10, NULL, 0 },
                      { "i/c/hot/cpu/1", 1000, 10, NULL, 0 },
                      { "i/d/hot/cpu/1", 1000, 10, NULL, 0 } };
    pg_results *h2 = make_run(only_a, 4, NULL);
    pg_verdicts *r4 = pg_gate_check(h2, b, set, &opt, &err);
    assert_true(pg_verdicts_failed(r4));
    assert_int_equal(pg_verdicts_confirm(r4, r3), 2);
    assert_false(pg_verdicts_failed(r4));
    pg_verdicts_destroy(r4);
    pg_verdicts_destroy(r3);
    pg_results_destroy(h2);
    pg_verdicts_destroy(r2);
    pg_verdicts_destroy(r);
    pg_results_destroy(a);
    pg_results_destroy(h);
    pg_results_destroy(b);
    pg_budget_set_destroy(set);
}

/* A baseline measured back to back (tpbench before it interleaved, which
 * wrote no "interleaved") against an interleaved run: not compared, said;
 * alike, or another program's JSON (not known), compared as before. */
static void test_interleaving_differs(void **state)
{
    (void)state;
    spec base[] = { { "i/a/hot/cpu/1", 1000, 10, NULL, 0 } };
    spec head[] = { { "i/a/hot/cpu/1", 3000, 10, NULL, 0 } };
    const char *kinds[][2] = {
        { ", \"perfgate\": {\"schema_version\": 1, \"interleaved\": true}",
          ", \"perfgate\": {\"schema_version\": 1}" },
        { ", \"perfgate\": {\"schema_version\": 1, \"interleaved\": false}",
          ", \"perfgate\": {\"schema_version\": 1, \"interleaved\": true}" },
        { ", \"perfgate\": {\"schema_version\": 1, \"interleaved\": true}",
          ", \"perfgate\": {\"schema_version\": 1, \"interleaved\": true}" },
        { ", \"perfgate\": {\"schema_version\": 1, \"interleaved\": true}", NULL },
    };
    pg_budget_set *set = budgets("{\"version\": 1, \"budgets\": [{\"match\": \"i/*\"}]}");
    for (int k = 0; k < 4; k++) {
        pg_results *h = make_run(head, 1, kinds[k][0]), *b = make_run(base, 1, kinds[k][1]);
        pg_error err;
        pg_verdicts *r = pg_gate_check(h, b, set, &opt, &err);
        assert_non_null(r);
        const pg_verdict *v = find(r, "i/a/hot/cpu/1", "regression:cpu_time");
        if (k < 2) {
            assert_int_equal(v->kind, PG_V_UNAVAILABLE);
            assert_non_null(strstr(v->note, k == 0
                                                ? "ran back to back and this run's interleaved"
                                                : "ran interleaved and this run's back to back"));
        } else {
            assert_int_equal(v->kind, PG_V_REGRESSION);
        }
        pg_verdicts_destroy(r);
        pg_results_destroy(h);
        pg_results_destroy(b);
    }
    pg_budget_set_destroy(set);
}

static void test_relative_and_missing(void **state)
{
    (void)state;
    spec s[] = {
        { "calibration/stream/hot/cpu/1000", 1000, 10, NULL, 0 }, /* 1 ns/elem */
        { "k/fast/hot/cpu/1000", 1100, 10, NULL, 0 },             /* 1.1x */
        { "k/slow/hot/cpu/2000", 3000, 10, NULL, 0 },             /* 1.5 ns/elem: 1.5x */
    };
    pg_results *run = make_run(s, 3, NULL);
    pg_budget_set *set = budgets(
        "{\"version\": 1, \"budgets\": [\n"
        " {\"match\": \"k/*\", \"relative\": {\"to\": \"calibration/stream/hot/cpu/1000\",\n"
        "   \"max_ratio\": 1.2, \"per_element\": true}},\n"
        " {\"match\": \"k/named/hot/cpu/1\", \"owner\": \"o\"},\n"
        " {\"match\": \"m/*\", \"relative\": {\"to\": \"calibration/none\", \"max_ratio\": 2}}\n"
        "]}");
    pg_error err;
    pg_verdicts *r = pg_gate_check(run, NULL, set, &opt, &err);
    assert_non_null(r);
    assert_int_equal(find(r, "k/fast/hot/cpu/1000", "relative:real_time/elem")->kind, PG_V_PASS);
    const pg_verdict *v = find(r, "k/slow/hot/cpu/2000", "relative:real_time/elem");
    assert_int_equal(v->kind, PG_V_BREACH);
    assert_true(fabs(v->ratio - 1.5) < 1e-9);
    v = find(r, "k/named/hot/cpu/1", "-");
    assert_int_equal(v->kind, PG_V_MISSING);
    assert_non_null(strstr(v->note, "budgeted by name but not in the results"));
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);

    /* the calibration itself absent: missing, never a silent pass */
    spec t[] = { { "m/x", 100, 10, NULL, 0 } };
    pg_results *run2 = make_run(t, 1, NULL);
    set = budgets("{\"version\": 1, \"budgets\": [{\"match\": \"m/*\", \"relative\": "
                  "{\"to\": \"calibration/none\", \"max_ratio\": 2}}]}");
    r = pg_gate_check(run2, NULL, set, &opt, &err);
    v = find(r, "m/x", "relative:real_time");
    assert_int_equal(v->kind, PG_V_MISSING);
    assert_true(v->fails);
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);
    pg_results_destroy(run2);
    pg_results_destroy(run);
}

/* "relative" as an array: one verdict per ceiling, each named after the
 * benchmark it divides by; a kernel against a floor and against itself at
 * another size (docs/budgets.md); a reference not in the run is missing. */
static void test_several_relatives(void **state)
{
    (void)state;
    spec s[] = {
        { "calibration/fma/hot/cpu/1000", 1000, 10, NULL, 0 }, /* 1 ns/elem */
        { "f/hot/cpu/100", 200, 10, NULL, 0 },                 /* 2 ns/elem */
        { "f/hot/cpu/1000", 2500, 10, NULL, 0 },               /* 2.5 ns/elem */
    };
    pg_results *run = make_run(s, 3, NULL);
    pg_budget_set *set = budgets(
        "{\"version\": 1, \"budgets\": [\n"
        " {\"match\": \"f/hot/cpu/1000\", \"relative\": [\n"
        "   {\"to\": \"calibration/fma/hot/cpu/1000\", \"max_ratio\": 3, \"per_element\": true},\n"
        "   {\"to\": \"f/hot/cpu/100\", \"max_ratio\": 1.1, \"per_element\": true,\n"
        "    \"metric\": \"cpu_time\"},\n"
        "   {\"to\": \"f/hot/cpu/4096\", \"max_ratio\": 9}]}\n"
        "]}");
    assert_int_equal(pg_budget_set_lint(set, "2026-06-01"), 0);
    pg_error err;
    pg_verdicts *r = pg_gate_check(run, NULL, set, &opt, &err);
    assert_non_null(r);
    const pg_verdict *v =
        find(r, "f/hot/cpu/1000", "relative:real_time/elem@calibration/fma/hot/cpu/1000");
    assert_int_equal(v->kind, PG_V_PASS);
    assert_true(fabs(v->ratio - 2.5) < 1e-9);
    v = find(r, "f/hot/cpu/1000", "relative:cpu_time/elem@f/hot/cpu/100");
    assert_int_equal(v->kind, PG_V_BREACH);
    assert_true(fabs(v->ratio - 1.25) < 1e-9);
    assert_non_null(strstr(v->note, "f/hot/cpu/100"));
    v = find(r, "f/hot/cpu/1000", "relative:real_time@f/hot/cpu/4096");
    assert_int_equal(v->kind, PG_V_MISSING);
    assert_true(v->fails);
    assert_true(pg_verdicts_failed(r));
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);
    pg_results_destroy(run);
}

static void test_waivers(void **state)
{
    (void)state;
    spec s[] = { { "p/a/cold/cpu/1", 5000, 10, NULL, 0 }, { "p/b/cold/cpu/1", 5000, 10, NULL, 0 } };
    pg_results *run = make_run(s, 2, NULL);
    pg_budget_set *set = budgets("{\"version\": 1, \"budgets\": [{\"match\": \"p/*\", "
                                 "\"absolute\": {\"median_real_time\": \"1us\"}}],\n"
                                 " \"waivers\": [\n"
                                 "  {\"match\": \"p/a/*\", \"reason\": \"new allocator\", "
                                 "\"ticket\": \"TP-1\", \"expires\": \"2026-06-01\"},\n"
                                 "  {\"match\": \"p/b/*\", \"reason\": \"old\", \"ticket\": "
                                 "\"TP-2\", \"expires\": \"2026-05-31\"}\n"
                                 " ]}");
    pg_error err;
    pg_verdicts *r = pg_gate_check(run, NULL, set, &opt, &err); /* today 2026-06-01 */
    const pg_verdict *v = find(r, "p/a/cold/cpu/1", "median_real_time");
    assert_int_equal(v->kind, PG_V_WAIVED); /* active through its last day */
    assert_int_equal(v->waived_kind, PG_V_BREACH);
    assert_false(v->fails);
    assert_string_equal(v->waiver->ticket, "TP-1");
    assert_int_equal(find(r, "p/b/cold/cpu/1", "median_real_time")->kind, PG_V_BREACH);
    v = find(r, "p/b/*", "waiver");
    assert_int_equal(v->kind, PG_V_EXPIRED);
    assert_true(v->fails);
    assert_int_equal(pg_verdicts_nactive_waivers(r), 1);
    assert_string_equal(pg_verdicts_active_waiver(r, 0)->ticket, "TP-1");
    /* every output shows the active waiver */
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    pg_verdicts_write_table(r, f, 0, PG_TABLE_ALL);
    pg_verdicts_write_junit(r, f);
    pg_verdicts_write_markdown(r, f);
    pg_verdicts_write_json(r, f);
    fclose(f);
    size_t hits = 0;
    for (char *p = buf; (p = strstr(p, "TP-1")); p++)
        hits++;
    assert_true(hits >= 4 + 4); /* each writer: waiver list + the waived verdict */
    free(buf);
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);
    pg_results_destroy(run);
}

static void test_escaping(void **state)
{
    (void)state;
    /* a hostile name: markup and terminal escapes stay data */
    spec s[] = { { "x/<b>&\\u001b[31m|`", 100, 10, NULL, 0 } };
    pg_results *run = make_run(s, 1, NULL);
    pg_budget_set *set =
        budgets("{\"version\": 1, \"budgets\": [{\"match\": \"x/*\", \"owner\": \"o\"}]}");
    pg_error err;
    pg_verdicts *r = pg_gate_check(run, NULL, set, &opt, &err);
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    pg_verdicts_write_table(r, f, 1, PG_TABLE_ALL); /* colour on: only ours */
    fclose(f);
    assert_null(strstr(buf, "\x1b[31m|"));
    assert_non_null(strstr(buf, "x/<b>&\\x1b[31m|`"));
    free(buf);
    f = open_memstream(&buf, &len);
    pg_verdicts_write_junit(r, f);
    pg_verdicts_write_markdown(r, f);
    fclose(f);
    assert_null(strchr(buf, '\x1b'));
    assert_null(strstr(buf, "<b>"));
    assert_non_null(strstr(buf, "classname=\"x/&lt;b&gt;&amp;?[31m|`\"")); /* JUnit */
    assert_non_null(strstr(buf, "| x/&lt;b&gt;&amp; \\[31m\\|\\` |"));     /* Markdown */
    free(buf);
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);
    pg_results_destroy(run);
}

/* docs/budgets.md promises the owner in every output (issue #20 item 3),
 * and a relative verdict's per-element time says it is per element. */
static void test_owner_everywhere(void **state)
{
    (void)state;
    spec s[] = { { "calibration/stream/hot/cpu/1000", 1000, 10, NULL, 0 },
                 { "k/slow/hot/cpu/2000", 3000, 10, NULL, 0 } };
    pg_results *run = make_run(s, 2, NULL);
    pg_budget_set *set = budgets(
        "{\"version\": 1, \"budgets\": [{\"match\": \"k/*\", \"owner\": \"signals-owner\",\n"
        "  \"relative\": {\"to\": \"calibration/stream/hot/cpu/1000\", \"max_ratio\": 1.2,\n"
        "  \"per_element\": true}}]}");
    pg_error err;
    pg_verdicts *r = pg_gate_check(run, NULL, set, &opt, &err);
    assert_non_null(r);
    const char *what[4] = { "table", "junit", "markdown", "json" };
    for (int k = 0; k < 4; k++) {
        char *buf;
        size_t len;
        FILE *f = open_memstream(&buf, &len);
        if (k == 0)
            pg_verdicts_write_table(r, f, 0, PG_TABLE_ALL);
        else if (k == 1)
            pg_verdicts_write_junit(r, f);
        else if (k == 2)
            pg_verdicts_write_markdown(r, f);
        else
            pg_verdicts_write_json(r, f);
        fclose(f);
        if (!strstr(buf, "signals-owner"))
            fail_msg("no owner in the %s output:\n%s", what[k], buf);
        if (k == 3 && !strstr(buf, "\"median_unit\": \"ns/elem\""))
            fail_msg("the JSON does not say the median is per element:\n%s", buf);
        /* 3000 ns over 2000 elements: 1.5 ns per element, 1.5x the calibration */
        if (k < 3 && !strstr(buf, "1.5ns/elem") && !strstr(buf, "1.51ns/elem"))
            fail_msg("no per-element time in the %s output:\n%s", what[k], buf);
        if (k < 3 && !strstr(buf, "1.500x"))
            fail_msg("no ratio in the %s output:\n%s", what[k], buf);
        free(buf);
    }
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);
    pg_results_destroy(run);
}

/* ---- the gate fails closed ------------------------------------------- */

static pg_verdicts *check_or_null(const pg_results *run, const pg_results *base, pg_budget_set *set,
                                  pg_error *err)
{
    pg_error_clear(err);
    return pg_gate_check(run, base, set, &opt, err);
}

/* The verdict for bench and metric: of kind, failing the gate or not, its
 * note holding each of the parts given (NULL ends them). */
static const pg_verdict *expect(const pg_verdicts *r, const char *bench, const char *metric,
                                pg_verdict_kind kind, int fails, const char *part, ...)
{
    const pg_verdict *v = find(r, bench, metric);
    assert_int_equal(v->kind, kind);
    assert_int_equal(v->fails, fails);
    va_list ap;
    va_start(ap, part);
    for (; part; part = va_arg(ap, const char *))
        if (!strstr(v->note, part))
            fail_msg("%s %s: note '%s' lacks '%s'", bench, metric, v->note, part);
    va_end(ap);
    return v;
}

/* No benchmarks, or no budget that applies to any: an error (exit 2 in
 * perfgate check), never "gate passed: 0 verdicts". */
static void test_nothing_to_judge(void **state)
{
    (void)state;
    pg_error err;
    pg_results *empty = make_run(NULL, 0, NULL);
    pg_budget_set *set = budgets("{\"version\": 1, \"budgets\": [{\"match\": \"k/*\", "
                                 "\"absolute\": {\"median_real_time\": \"1us\"}}]}");
    assert_null(check_or_null(empty, NULL, set, &err));
    assert_int_equal(err.code, PG_EMISSING);
    assert_string_equal(err.message, "no benchmarks in mem.json");
    spec s[] = { { "k/x/cpu/100", 500, 10, NULL, 0 } };
    pg_results *run = make_run(s, 1, NULL);
    /* an empty baseline: no regression could be judged */
    assert_null(check_or_null(run, empty, set, &err));
    assert_int_equal(err.code, PG_EMISSING);
    assert_string_equal(err.message, "no benchmarks in mem.json");
    pg_budget_set_destroy(set);

    static const char *const none_apply[] = {
        "{\"version\": 1, \"budgets\": []}",
        "{\"version\": 1, \"budgets\": [{\"match\": \"gpu/*\", \"optional\": true, "
        "\"absolute\": {\"median_real_time\": \"1us\"}}]}",
    };
    for (size_t i = 0; i < 2; i++) {
        set = budgets(none_apply[i]);
        assert_null(check_or_null(run, NULL, set, &err));
        assert_int_equal(err.code, PG_EMISSING);
        assert_non_null(strstr(err.message, "nothing was judged"));
        pg_budget_set_destroy(set);
    }
    pg_results_destroy(run);
    pg_results_destroy(empty);
}

/* A budget that matches nothing fails the gate as "missing", with its
 * file:line and a "did you mean" from the run; "optional" ones do not; a
 * warn budget's absence is a warning. */
static void test_unmatched_budget(void **state)
{
    (void)state;
    spec s[] = { { "example/dot/hot/cpu/1024", 500, 10, NULL, 0 } };
    pg_results *run = make_run(s, 1, NULL);
    pg_budget_set *set =
        budgets("{\"version\": 1, \"budgets\": [\n"
                " {\"match\": \"example/dot/*\", \"absolute\": {\"median_real_time\": \"1ms\"}},\n"
                " {\"match\": \"example/dott/*\", \"absolute\": {\"median_real_time\": \"1ms\"}},\n"
                " {\"match\": \"example/dot/hot/cpu/1025\", \"owner\": \"o\"},\n"
                " {\"match\": \"gpu/*\", \"optional\": true, \"absolute\": {\"median_real_time\": "
                "\"1ms\"}},\n"
                " {\"match\": \"zzz/*\", \"severity\": \"warn\"}\n"
                "]}");
    pg_error err;
    pg_verdicts *r = check_or_null(run, NULL, set, &err);
    assert_non_null(r);
    expect(r, "example/dot/hot/cpu/1024", "median_real_time", PG_V_PASS, 0, NULL);
    const pg_verdict *v =
        expect(r, "example/dott/*", "-", PG_V_MISSING, 1, "budget 'example/dott/*' (",
               ":3) matches no benchmark in the results",
               "did you mean 'example/dot/hot/cpu/1024'?", NULL);
    assert_int_equal(v->budget_line, 3);
    v = expect(r, "example/dot/hot/cpu/1025", "-", PG_V_MISSING, 1,
               "budgeted by name but not in the results",
               "did you mean 'example/dot/hot/cpu/1024'?", NULL);
    assert_string_equal(v->owner, "o");
    assert_null(find_or_null(r, "gpu/*", "-"));
    v = expect(r, "zzz/*", "-", PG_V_MISSING, 0, NULL);
    assert_true(v->warn);
    assert_null(strstr(v->note, "did you mean")); /* nothing close */
    assert_true(pg_verdicts_failed(r));
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);

    /* the same typo, optional: the gate passes */
    set =
        budgets("{\"version\": 1, \"budgets\": [\n"
                " {\"match\": \"example/dot/*\", \"absolute\": {\"median_real_time\": \"1ms\"}},\n"
                " {\"match\": \"example/dott/*\", \"optional\": true}\n"
                "]}");
    r = check_or_null(run, NULL, set, &err);
    assert_non_null(r);
    assert_null(find_or_null(r, "example/dott/*", "-"));
    assert_false(pg_verdicts_failed(r));
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);
    pg_results_destroy(run);
}

/* A reference the ratio divides by that is zero, negative, NaN or
 * infinite (a baseline sample, a calibration sample) is never a pass: the
 * verdict is "insufficient", which fails, and says why. */
static void test_bad_references(void **state)
{
    (void)state;
    const double head[] = { 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009 };
    const double one_zero[] = { 0, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009 };
    const double zeros[10] = { 0 };
    pg_budget_set *set = budgets("{\"version\": 1, \"budgets\": [\n"
                                 " {\"match\": \"i/*\", \"regression\": {\"max\": \"5%\"}},\n"
                                 " {\"match\": \"k/*\", \"relative\": {\"to\": \"cal/x/1000\", "
                                 "\"max_ratio\": 2, \"per_element\": true}}\n"
                                 "]}");
    pg_results *h = run_of("i/a/hot/cpu/1", head, 10);
    /* baseline: one zero sample; all zero (median 0); a negative and a NaN
     * sample, which no results file gives but another loader might */
    struct {
        const double *t;
        double poke;
        const char *why;
    } bases[] = {
        { one_zero, 1, "the baseline has a sample of 0" },
        { zeros, 1, "the baseline has a sample of 0" },
        { head, -5, "the baseline has a negative sample" },
        { head, NAN, "the baseline has a sample that is not finite" },
    };
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        pg_results *b = run_of("i/a/hot/cpu/1", bases[i].t, 10);
        if (bases[i].poke != 1)
            ((pg_result *)pg_results_find(b, "i/a/hot/cpu/1"))->real_ns[3] = bases[i].poke;
        pg_error err;
        pg_verdicts *r = check_or_null(h, b, set, &err);
        assert_non_null(r);
        expect(r, "i/a/hot/cpu/1", "regression:real_time", PG_V_INSUFFICIENT, 1, bases[i].why,
               NULL);
        assert_true(pg_verdicts_failed(r));
        pg_verdicts_destroy(r);
        pg_results_destroy(b);
    }
    pg_results_destroy(h);

    /* calibration: zero samples; infinite per element (elements 1e-310) */
    struct {
        double center;
        const char *extra;
        const char *why;
    } cals[] = {
        { 0, NULL, "calibration 'cal/x/1000' has a sample of 0" },
        { 1000, ", \"perfgate\": {\"benchmarks\": {\"cal/x/1000\": {\"elements\": 1e-310}}}",
          "calibration 'cal/x/1000' has a sample that is not finite" },
    };
    for (size_t i = 0; i < sizeof cals / sizeof cals[0]; i++) {
        spec s[] = { { "cal/x/1000", cals[i].center, 10, NULL, 0 },
                     { "k/y/1000", 1000, 10, NULL, 0 } };
        pg_results *run = make_run(s, 2, cals[i].extra);
        pg_error err;
        pg_verdicts *r = check_or_null(run, NULL, set, &err);
        assert_non_null(r);
        expect(r, "k/y/1000", "relative:real_time/elem", PG_V_INSUFFICIENT, 1, cals[i].why, NULL);
        pg_verdicts_destroy(r);
        pg_results_destroy(run);
    }
    pg_budget_set_destroy(set);
}

/* "machine" with CPU flags and a calibration range: a file tuned on an
 * AVX-512 Zen 4 takes part only where the run has the flag and its FMA
 * chain in range; anywhere else it is left out, and a verdict that does
 * not fail says so in every output. */
static void test_machine_flags_calibration(void **state)
{
    (void)state;
    static const char *const general =
        "{\"version\": 1, \"budgets\": [{\"match\": \"k/*\", \"absolute\": {\"median_real_time\": "
        "\"1us\"}},\n"
        " {\"match\": \"cal/*\", \"owner\": \"perfgate\", \"optional\": true}]}";
    static const char *const zen4 =
        "{\"version\": 1, \"machine\": {\"cpu_model\": \"AMD EPYC*\", \"cpu_flags\": "
        "[\"avx512f\"],\n"
        "  \"calibration\": {\"cal/fma/hot/cpu/1000\": {\"min_ns_per_element\": 0.85, "
        "\"max_ns_per_element\": 1.10}}},\n"
        " \"budgets\": [{\"match\": \"k/x/cpu/100\", \"absolute\": {\"median_real_time\": "
        "\"100ns\"}}]}";
    struct {
        const char *host; /* the perfgate block */
        double fma;       /* the calibration's ns per iteration (1000 elements); 0: absent */
        int applies;
        const char *why;
    } cases[] = {
        { "{\"cpu_model\": \"AMD EPYC\", \"cpu_flags\": \"fpu avx2 avx512f avx512bw\"}", 950, 1,
          NULL },
        { "{\"cpu_model\": \"AMD EPYC\", \"cpu_flags\": \"fpu avx2 avx512fx avx512\"}", 950, 0,
          "with the CPU flag 'avx512f'; these results' host lacks it" },
        { "{\"cpu_model\": \"AMD EPYC\"}", 950, 0, "these results record no CPU flags" },
        { "{\"cpu_model\": \"AMD EPYC\", \"cpu_flags\": \"avx512f\"}", 1400, 0,
          "takes 0.85-1.1 ns/elem (cpu_time); these results' median is 1.41" },
        { "{\"cpu_model\": \"AMD EPYC\", \"cpu_flags\": \"avx512f\"}", 0, 0,
          "'cal/fma/hot/cpu/1000' takes 0.85-1.1 ns/elem (cpu_time); it is not in these results" },
        { "{\"cpu_model\": \"Intel Xeon\", \"cpu_flags\": \"avx512f\"}", 950, 0,
          "cpu_model matches 'AMD EPYC*'; these results' is 'Intel Xeon'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spec s[] = { { "k/x/cpu/100", 500, 10, NULL, 0 },
                     { "cal/fma/hot/cpu/1000", cases[i].fma, 10, NULL, 0 } };
        char extra[256];
        snprintf(extra, sizeof extra, ", \"perfgate\": {\"host\": %s}", cases[i].host);
        pg_results *run = make_run(s, cases[i].fma > 0 ? 2 : 1, extra);
        pg_budget_set *set = pg_budget_set_create();
        assert_int_equal(add_file(set, general), 0);
        assert_int_equal(add_file(set, zen4), 0);
        pg_error err;
        pg_verdicts *r = check_or_null(run, NULL, set, &err);
        assert_non_null(r);
        const pg_verdict *v = find(r, "k/x/cpu/100", "median_real_time");
        const char *path = NULL;
        assert_int_equal(pg_budget_set_file_machine(set, 1, &path, NULL), cases[i].applies);
        const char *why = pg_budget_set_file_skipped(set, 1);
        const pg_verdict *note = find_or_null(r, path, "machine");
        if (cases[i].applies) {
            assert_int_equal(v->kind, PG_V_BREACH); /* the machine file's 100 ns */
            assert_null(why);
            assert_null(note);
        } else {
            assert_int_equal(v->kind, PG_V_PASS); /* the general 1 us */
            assert_non_null(why);
            if (!strstr(why, cases[i].why))
                fail_msg("case %zu: '%s' lacks '%s'", i, why, cases[i].why);
            expect(r, path, "machine", PG_V_UNAVAILABLE, 0, cases[i].why,
                   "its budgets were not applied", NULL);
        }
        assert_int_equal(pg_verdicts_failed(r), cases[i].applies);
        pg_verdicts_destroy(r);
        pg_budget_set_destroy(set);
        pg_results_destroy(run);
    }
}

/* An active waiver that matches no benchmark excuses nothing: a warning
 * in every output, not a failure. */
static void test_unused_waiver(void **state)
{
    (void)state;
    spec s[] = { { "p/a/cold/cpu/1", 500, 10, NULL, 0 } };
    pg_results *run = make_run(s, 1, NULL);
    pg_budget_set *set = budgets("{\"version\": 1, \"budgets\": [{\"match\": \"p/*\", "
                                 "\"absolute\": {\"median_real_time\": \"1us\"}}],\n"
                                 " \"waivers\": [{\"match\": \"p/b/*\", \"reason\": \"gone\", "
                                 "\"ticket\": \"TP-9\", \"expires\": \"2026-12-31\"}]}");
    pg_error err;
    pg_verdicts *r = check_or_null(run, NULL, set, &err);
    assert_non_null(r);
    const pg_verdict *v = expect(r, "p/b/*", "waiver", PG_V_MISSING, 0, "waiver TP-9 (",
                                 "matches no benchmark in the results", NULL);
    assert_true(v->warn);
    assert_false(pg_verdicts_failed(r));
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    pg_verdicts_write_table(r, f, 0, PG_TABLE_INTERESTING);
    pg_verdicts_write_junit(r, f);
    pg_verdicts_write_markdown(r, f);
    pg_verdicts_write_json(r, f);
    fclose(f);
    size_t hits = 0;
    for (char *p = buf; (p = strstr(p, "matches no benchmark")); p++)
        hits++;
    assert_true(hits >= 4);
    free(buf);
    pg_verdicts_destroy(r);
    pg_budget_set_destroy(set);
    pg_results_destroy(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ceilings),
        cmocka_unit_test(test_machine),
        cmocka_unit_test(test_regressions),
        cmocka_unit_test(test_regression_needs_the_interval),
        cmocka_unit_test(test_run_spread),
        cmocka_unit_test(test_confirm),
        cmocka_unit_test(test_interleaving_differs),
        cmocka_unit_test(test_relative_and_missing),
        cmocka_unit_test(test_several_relatives),
        cmocka_unit_test(test_waivers),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_owner_everywhere),
        cmocka_unit_test(test_nothing_to_judge),
        cmocka_unit_test(test_unmatched_budget),
        cmocka_unit_test(test_bad_references),
        cmocka_unit_test(test_machine_flags_calibration),
        cmocka_unit_test(test_unused_waiver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
