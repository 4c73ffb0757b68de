/*
 * cmd_report.c - `perfgate report`: trend charts (gnuplot PNG and SVG), a
 * self-contained HTML page and a Markdown summary from the history
 * (reports/pg_reports.h), the change points and creep listed first and
 * marked on the charts (the analysis of `perfgate history changes`).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_gate.h"
#include "pg_history.h"
#include "pg_redact.h"
#include "pg_reports.h"

static const char usage_text[] =
    "usage: perfgate report [--history H] [--out DIR] [--runs N] [--no-png] [--no-svg]\n"
    "                       [--title T] [--markdown] [--tolerance P%]\n";

static void progress(void *arg, size_t done, size_t total)
{
    (void)arg;
    fprintf(stderr, "\rdrawing charts: %zu/%zu", done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

/* The pull request's number: $PERFGATE_PR, else from $GITHUB_REF
 * (refs/pull/N/merge); NULL when neither says. */
static const char *pr_number(char *buf, size_t len)
{
    const char *pr = getenv("PERFGATE_PR"), *ref = getenv("GITHUB_REF");
    if (pr && *pr)
        return pr;
    if (!ref || strncmp(ref, "refs/pull/", 10) != 0)
        return NULL;
    snprintf(buf, len, "%s", ref + 10);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    return buf;
}

int cmd_report(int argc, char **argv)
{
    char pr_buf[32];
    pg_reports_options opt = { 0 };
    const char *history = getenv("PERFGATE_HISTORY");
    if (!history || !*history)
        history = PG_CLI_DEFAULT_HISTORY;
    opt.out_dir = PG_CLI_OUT_DIR "/out";
    long runs = 500;
    int markdown = 0;
    const char *tolerance = NULL;
    const pg_option options[] = {
        PG_OPT_STRING(0, "history", &history, "H",
                      "SQLite file (default " PG_CLI_DEFAULT_HISTORY ") or postgresql:// URI"),
        PG_OPT_STRING(0, "out", &opt.out_dir, "DIR",
                      "where to write index.html, summary.md and charts/ (default " PG_CLI_OUT_DIR
                      "/out)"),
        PG_OPT_INT(0, "runs", &runs, "N", 0, LONG_MAX, "the newest N runs (default 500; 0: all)"),
        PG_OPT_BOOL(0, "no-png", &opt.no_png, "skip the PNG charts"),
        PG_OPT_BOOL(0, "no-svg", &opt.no_svg, "skip the SVG charts"),
        PG_OPT_STRING(0, "title", &opt.title, "T", "the page's title"),
        PG_OPT_BOOL(0, "markdown", &markdown,
                    "also print the Markdown summary to stdout (for $GITHUB_STEP_SUMMARY)"),
        PG_OPT_STRING(0, "tolerance", &tolerance, "P%",
                      "creep is a drift beyond this since the baseline (default 5%,\n"
                      "as history changes)"),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = {
        "report",
        usage_text,
        options,
        NULL,
        "exit status: 0 written (also when benchmarks fail: the gate is check),\n"
        "2 no such history, gnuplot failed, or usage\n",
        0
    };
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos > 0)
        return pg_opt_usage_error(&spec, "unexpected argument '%s'", argv[0]);
    opt.tolerance = 0.05;
    if (tolerance && (pg_parse_percent(tolerance, &opt.tolerance) || !(opt.tolerance > 0) ||
                      opt.tolerance >= 1)) {
        fprintf(stderr, "perfgate: report: --tolerance takes a percentage such as 5%%, not '%s'\n",
                tolerance);
        return 2;
    }
    if (opt.no_png && opt.no_svg) {
        fprintf(stderr, "perfgate: --no-png and --no-svg leave nothing to draw\n");
        return 2;
    }
    pg_history *h = cli_open_history_ro(history);
    if (!h)
        return 2;
    pg_error err = { 0 };
    pg_hist_trend *t = NULL;
    pg_hist_show *latest = NULL;
    int64_t latest_id;
    int rc = pg_history_trend(h, (size_t)runs, &t, &err);
    if (rc == 0 && pg_history_latest(h, &latest_id, NULL) == 0)
        rc = pg_history_show(h, latest_id, &latest, &err);
    char label[1024];
    opt.history_label = pg_redact_dsn(history, label, sizeof label);
    pg_hist_baseline bl;
    if (rc == 0 && pg_history_baseline_get(h, &bl, NULL) == 0)
        opt.baseline_run = bl.run_id;
    /* Links to the commit, the pull request and the CI run (GitHub's
     * variables; the report checks their shape before it links them). */
    opt.ci_server = getenv("GITHUB_SERVER_URL");
    opt.ci_repository = getenv("GITHUB_REPOSITORY");
    opt.ci_run_id = getenv("GITHUB_RUN_ID");
    opt.ci_sha = getenv("GITHUB_SHA");
    opt.ci_pr = pr_number(pr_buf, sizeof pr_buf);
    if (isatty(2))
        opt.progress = progress;
    pg_reports_summary sum = { 0 };
    if (rc == 0)
        rc = pg_reports_write(t, latest, &opt, &sum, &err);
    if (rc == 0 && markdown)
        rc = pg_reports_markdown(t, latest, &opt, 50, stdout);
    if (rc == 0) {
        FILE *say = markdown ? stderr : stdout;
        fprintf(
            say,
            "wrote %s/index.html: %zu benchmarks over %zu runs, %zu trend charts, %zu failing\n",
            opt.out_dir, sum.n_benches, sum.n_runs, sum.n_charts, sum.n_failed);
        fprintf(say, "%zu change points, %zu creeping (listed first, marked on the charts)\n",
                sum.n_changes, sum.n_creep);
    }
    pg_hist_show_free(latest);
    pg_hist_trend_free(t);
    pg_history_close(h);
    if (rc < 0) {
        if (err.code)
            cli_report("perfgate", &err);
        else
            fprintf(stderr, "perfgate: cannot write the report: %s\n", pg_strerror(rc));
        return 2;
    }
    return 0;
}
