/*
 * test_report.c - trend reports from a real history: a step regression at
 * run 20 of 30, benchmarks that appear and vanish, a waived span, hostile
 * names; charts made by gnuplot, the HTML page, the Markdown summary.
 *
 * The report is left in $PG_BUILD_DIR/test-report (overwritten each run)
 * so a person, or the browser test, can look at it.
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
#include <sys/stat.h>

#include "pg_history.h"
#include "pg_reports.h"
#include "pg_test.h"

#define NRUNS 30
#define STEP_AT 20 /* runs 20..30 (1-based) are 30 % slower */

static const char *const NAMES[] = {
    "indicators/ema/hot/cpu/65536", /* the step regression, budget 1.2 us */
    "indicators/rsi/hot/cpu/65536", /* steady, waived in runs 10..14 */
    "pipeline/new/hot/cpu/1024",    /* appears at run 12 */
    "pipeline/old/hot/cpu/1024",    /* vanishes after run 8 */
    /* one name, split over two lines */
    ("evil\"quote'\n<script>alert(1)</script> system('touch /tmp/pg_pwned') ../../x '; DROP TABLE "
     "runs; --"),
};
enum { NB = 5 };

static char outdir[512];
static char histpath[512];

static long file_size(const char *rel)
{
    char path[1024];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", outdir, rel);
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static char *slurp(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", outdir, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    s[fread(s, 1, (size_t)n, f)] = '\0';
    fclose(f);
    return s;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void fill_history(void)
{
    pg_error err = { 0 };
    remove(histpath);
    pg_history *h = pg_history_open(histpath, &err);
    if (!h)
        fail_msg("open: %s", err.message);
    pgt_rng rng;
    pgt_rng_seed(&rng, 42);
    enum { NS = 15 };
    for (int r = 1; r <= NRUNS; r++) {
        pg_hist_bench b[NB];
        pg_hist_verdict v[NB];
        double samples[NB][NS];
        size_t nb = 0, nv = 0;
        for (int k = 0; k < NB; k++) {
            if (k == 2 && r < 12)
                continue;
            if (k == 3 && r > 8)
                continue;
            double base = k == 0 ? 1000.0 : 400.0 * (k + 1);
            if (k == 0 && r >= STEP_AT)
                base *= 1.3;
            for (int j = 0; j < NS; j++)
                samples[nb][j] = base * (1.0 + 0.02 * pgt_rng_normal(&rng));
            b[nb] = (pg_hist_bench){ NAMES[k], samples[nb], NULL, NS, 100 };
            nb++;
            const char *verdict = "pass";
            double budget = NAN;
            if (k == 0) {
                budget = 1200.0;
                verdict = r >= STEP_AT ? "breach" : "pass";
            } else if (k == 1) {
                budget = 1000.0;
                verdict = r >= 10 && r <= 14 ? "waived" : "pass";
            } else if (k == 4) {
                budget = 2500.0;
            }
            v[nv++] = (pg_hist_verdict){ NAMES[k], "median_real_time",
                                         verdict,  "budgets/x.json",
                                         budget,   NAN,
                                         NULL,     NULL,
                                         NAN,      0 };
        }
        char commit[16];
        snprintf(commit, sizeof commit, "c%02d%s", r, r == 5 ? "\"x" : "");
        pg_hist_kv env[] = { { "cpu_model", "Test <CPU> \"9000\"" }, { "compiler", "gcc" } };
        pg_hist_waiver w = { NAMES[4], "hostile <b>name</b> | waived", "T-1", "2099-12-31" };
        pg_hist_run run = { "R.json", commit, "main", NULL, env, 2, b, nb, v, nv, &w, 1 };
        assert_int_equal(pg_history_add(h, &run, NULL, NULL, NULL, &err), 0);
    }
    pg_history_close(h);
}

static void test_report_files(void **state)
{
    (void)state;
    fill_history();
    pg_error err = { 0 };
    pg_history *h = pg_history_open(histpath, &err);
    assert_non_null(h);
    pg_hist_trend *t = NULL;
    assert_int_equal(pg_history_trend(h, 0, &t, &err), 0);
    int64_t latest_id = 0;
    assert_int_equal(pg_history_latest(h, &latest_id, &err), 0);
    pg_hist_show *latest = NULL;
    assert_int_equal(pg_history_show(h, latest_id, &latest, &err), 0);
    assert_int_equal(t->n_runs, NRUNS);
    assert_int_equal(t->n_benches, NB);

    pg_reports_options opt = { 0 };
    opt.out_dir = outdir;
    opt.history_label = histpath;
    pg_reports_summary sum;
    int rc = pg_reports_write(t, latest, &opt, &sum, &err);
    if (rc < 0)
        fail_msg("report: %s", err.message);
    assert_int_equal(sum.n_charts, NB);
    assert_int_equal(sum.n_failed, 1);
    assert_true(sum.n_changes >= 1); /* the 30 % step */

    /* Every chart exists in both formats, non-empty, named by index. */
    for (int b = 0; b < NB; b++) {
        char rel[64];
        snprintf(rel, sizeof rel, "charts/b%04d.png", b);
        assert_true(file_size(rel) > 5000);
        snprintf(rel, sizeof rel, "charts/b%04d.svg", b);
        assert_true(file_size(rel) > 5000);
    }
    assert_true(file_size("charts/overview.png") > 2000);
    assert_true(file_size("charts/overview.svg") > 2000);
    /* PNG signature */
    char *png = slurp("charts/b0000.png");
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    free(png);

    /* The hostile name never reached a command: the scripts hold no name. */
    char *gp = slurp("charts-png.gp");
    assert_null(strstr(gp, "system("));
    assert_null(strstr(gp, "indicators/"));
    assert_null(strstr(gp, "script"));
    /* the step is marked on its chart (b0001), between runs 19 and 20 */
    const char *chart = strstr(gp, "set output 'charts/b0001.png'");
    assert_non_null(chart);
    const char *arrow = strstr(chart, "set arrow 1 from 19.5, graph 0");
    assert_non_null(arrow);
    assert_true(arrow < strstr(chart, "plot "));
    assert_non_null(strstr(chart, "set label 1 '+29.5 % ["));
    free(gp);
    struct stat sb;
    assert_int_not_equal(stat("/tmp/pg_pwned", &sb), 0);

    char *html = slurp("index.html");
    assert_non_null(html);
    assert_null(strstr(html, "<script>alert"));
    assert_int_equal(count(html, "<script>"), 1); /* ours, the sorter */
    assert_non_null(strstr(html, "evil&quot;quote&#39;&#10;&lt;script&gt;alert(1)&lt;/script&gt;"));
    /* the failing benchmark's chart inline, the others and the overview
     * linked: the page stays small */
    assert_int_equal(count(html, "<svg"), 1);
    assert_int_equal(count(html, "<img alt=\"overview chart\""), 1);
    assert_int_equal(count(html, "<img alt=\"trend chart\" loading=\"lazy\""), NB - 1);
    assert_non_null(strstr(html, "<div id=\"banner\" class=\"banner fail\">FAIL: 1 of 5"));
    /* the change points after the decision, before the tables */
    const char *changes = strstr(html, "<table id=\"change-points\">");
    assert_non_null(changes);
    assert_true(strstr(html, "id=\"banner\"") < changes);
    assert_true(changes < strstr(html, "<table id=\"failing\">"));
    assert_true(changes < strstr(html, "<table id=\"verdicts\">"));
    /* the failing benchmark leads the table */
    const char *rows = strstr(html, "<table id=\"verdicts\">");
    assert_non_null(rows);
    rows = strstr(rows, "<tbody>");
    assert_non_null(rows);
    assert_non_null(strstr(rows, "<tr data-b=\"b0001\" data-suite=\"indicators\""));
    assert_true(strstr(rows, "<tr data-b=\"b0001\"") == strstr(rows, "<tr "));
    assert_non_null(strstr(html, "id=\"verdicts\""));
    assert_non_null(strstr(html, "Test &lt;CPU&gt; &quot;9000&quot;"));
    assert_non_null(strstr(html, "hostile &lt;b&gt;name&lt;/b&gt; | waived"));
    /* nothing fetched from a network (xmlns URIs are names, not fetches) */
    assert_null(strstr(html, "src=\"http"));
    assert_null(strstr(html, "href=\"http"));
    assert_null(strstr(html, "href='http"));
    assert_null(strstr(html, "@import"));
    /* the vanished benchmark is said to have vanished */
    assert_non_null(strstr(html, ">vanished</td>"));
    free(html);

    /* Markdown: the change points first, then the breach first, names
     * escaped, nothing raw. */
    char *md = slurp("summary.md");
    assert_non_null(md);
    const char *cps = strstr(md, "**Change points**"), *table = strstr(md, "| benchmark | verdict");
    assert_non_null(cps);
    assert_non_null(table);
    assert_true(cps < table);
    assert_non_null(strstr(cps, "| indicators/ema/hot/cpu/65536 | 20 | c20 | +29.5 % ["));
    const char *first_row = strstr(table, "|---|");
    assert_non_null(first_row);
    first_row = strchr(first_row, '\n') + 1;
    assert_int_equal(strncmp(first_row, "| indicators/ema/hot/cpu/65536 | **breach**", 43), 0);
    assert_null(strstr(md, "<script>"));
    assert_non_null(strstr(md, "evil\"quote' &lt;script&gt;"));
    assert_non_null(strstr(md, "\\| waived"));
    assert_non_null(strstr(md, ":x: **1 failing** of 5"));
    free(md);

    /* The data behind the stepped chart: 30 % up from run 20 on. */
    char *dat = slurp("data/b0001.dat") /* sorted: the evil name is b0000 */;
    double med[NRUNS + 1];
    const char *p = strchr(dat, '\n') + 1;
    for (int r = 1; r <= NRUNS; r++) {
        int idx;
        assert_int_equal(sscanf(p, "%d %lf", &idx, &med[r]), 2);
        assert_int_equal(idx, r);
        p = strchr(p, '\n') + 1;
    }
    for (int r = 1; r <= NRUNS; r++) {
        double expect = r >= STEP_AT ? 1300.0 : 1000.0;
        assert_true(fabs(med[r] - expect) / expect < 0.03);
    }
    free(dat);

    pg_hist_show_free(latest);
    pg_hist_trend_free(t);
    pg_history_close(h);
}

static void test_single_run_and_empty(void **state)
{
    (void)state;
    char dir[600], hp[600];
    snprintf(dir, sizeof dir, "%s-single", outdir);
    snprintf(hp, sizeof hp, "%s-single.sqlite", outdir);
    remove(hp);
    pg_error err = { 0 };
    pg_history *h = pg_history_open(hp, &err);
    assert_non_null(h);
    pg_hist_trend *t = NULL;
    pg_reports_options opt = { 0 };
    opt.out_dir = dir;
    opt.no_png = 1;
    /* empty history: a page that says so, no chart */
    assert_int_equal(pg_history_trend(h, 0, &t, &err), 0);
    assert_int_equal(pg_reports_write(t, NULL, &opt, NULL, &err), 0);
    pg_hist_trend_free(t);

    double s[1] = { 5.0 };
    pg_hist_bench b = { "only/one", s, NULL, 1, 1 };
    pg_hist_verdict v = {
        "ghost/bench", "median_real_time", "missing", NULL, 10.0, NAN, NULL, NULL, NAN, 0
    };
    pg_hist_run run = { NULL, NULL, NULL, NULL, NULL, 0, &b, 1, &v, 1, NULL, 0 };
    assert_int_equal(pg_history_add(h, &run, NULL, NULL, NULL, &err), 0);
    assert_int_equal(pg_history_trend(h, 0, &t, &err), 0);
    pg_reports_summary sum;
    if (pg_reports_write(t, NULL, &opt, &sum, &err) < 0)
        fail_msg("report: %s", err.message);
    /* one run: the table, no one-point trend charts */
    assert_int_equal(sum.n_charts, 0);
    assert_int_equal(sum.n_benches, 2);
    pg_hist_trend_free(t);

    /* A budget so small the ratio to it is infinite (1e-320 ns, recorded
     * before budgets refused it) is left out of the overview chart, not
     * handed to gnuplot as "inf". */
    double tiny[1] = { 7.0 };
    pg_hist_bench tb = { "tiny/budget", tiny, NULL, 1, 1 };
    pg_hist_verdict tv = {
        "tiny/budget", "median_real_time", "breach", "b.json", 1e-320, NAN, NULL, NULL, NAN, 0
    };
    pg_hist_run trun = { NULL, NULL, NULL, NULL, NULL, 0, &tb, 1, &tv, 1, NULL, 0 };
    assert_int_equal(pg_history_add(h, &trun, NULL, NULL, NULL, &err), 0);
    assert_int_equal(pg_history_trend(h, 0, &t, &err), 0);
    if (pg_reports_write(t, NULL, &opt, &sum, &err) < 0)
        fail_msg("report with a 1e-320 ns budget: %s", err.message);
    assert_int_equal(sum.n_failed, 1);
    pg_hist_trend_free(t);
    pg_history_close(h);
    h = NULL;

    /* A gnuplot that is not there is an error, not a crash. */
    opt.gnuplot = "/nonexistent/gnuplot";
    h = pg_history_open(hp, &err);
    assert_int_equal(pg_history_trend(h, 0, &t, &err), 0);
    pg_error_clear(&err);
    assert_int_equal(pg_reports_write(t, NULL, &opt, NULL, &err), PG_EIO);
    assert_non_null(strstr(err.message, "gnuplot"));
    pg_hist_trend_free(t);
    pg_history_close(h);
}

/* scripts_only: the scripts and data gnuplot would read, the page and the
 * summary, and no gnuplot run (so none need be there) nor chart drawn. */
static void test_scripts_only(void **state)
{
    (void)state;
    pg_error err = { 0 };
    pg_history *h = pg_history_open(":memory:", &err);
    assert_non_null(h);
    for (int r = 0; r < 2; r++) {
        double s[3] = { 5.0 + r, 6.0 + r, 7.0 + r };
        pg_hist_bench b = { "<x>/only", s, NULL, 3, 1 };
        pg_hist_run run = { NULL, NULL, NULL, NULL, NULL, 0, &b, 1, NULL, 0, NULL, 0 };
        assert_int_equal(pg_history_add(h, &run, NULL, NULL, NULL, &err), 0);
    }
    pg_hist_trend *t = NULL;
    assert_int_equal(pg_history_trend(h, 0, &t, &err), 0);
    char saved[sizeof outdir];
    memcpy(saved, outdir, sizeof saved);
    if (snprintf(outdir, sizeof outdir, "%s-scripts", saved) >= (int)sizeof outdir)
        fail_msg("build folder path too long");
    pg_reports_options opt = { 0 };
    opt.out_dir = outdir;
    opt.gnuplot = "/nonexistent/gnuplot";
    opt.scripts_only = 1;
    pg_reports_summary sum;
    if (pg_reports_write(t, NULL, &opt, &sum, &err) < 0)
        fail_msg("report, scripts only: %s", err.message);
    assert_int_equal(sum.n_charts, 1);
    assert_true(file_size("charts-png.gp") > 0);
    assert_true(file_size("charts-svg.gp") > 0);
    assert_true(file_size("data/b0000.dat") > 0);
    assert_true(file_size("summary.md") > 0);
    assert_int_equal(file_size("charts/b0000.png"), -1);
    assert_int_equal(file_size("charts/b0000.svg"), -1);
    assert_int_equal(file_size("gnuplot-svg.log"), -1);
    char *html = slurp("index.html");
    assert_non_null(html);
    assert_null(strstr(html, "<x>"));
    assert_non_null(strstr(html, "&lt;x&gt;/only"));
    free(html);
    memcpy(outdir, saved, sizeof saved);
    pg_hist_trend_free(t);
    pg_history_close(h);
}

int main(void)
{
    const char *b = getenv("PG_BUILD_DIR");
    snprintf(outdir, sizeof outdir, "%s/test-report", b ? b : PG_BINARY_DIR);
    snprintf(histpath, sizeof histpath, "%s/test-report.sqlite", b ? b : PG_BINARY_DIR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_files),
        cmocka_unit_test(test_single_run_and_empty),
        cmocka_unit_test(test_scripts_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
