/*
 * cmd_report.c - `perfgate report`: trend charts (gnuplot PNG and SVG), a
 * self-contained HTML page and a Markdown summary from the history
 * (reports/pg_reports.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "internal.h"
#include "pg_history.h"
#include "pg_reports.h"

static const char *usage_text =
    "usage: perfgate report [--history H] [--out DIR] [--runs N] [--no-png] [--no-svg]\n"
    "                       [--title T] [--markdown]\n"
    "\n"
    "  --history H   SQLite file (default reports/history.sqlite) or postgresql:// URI\n"
    "  --out DIR     where to write index.html, summary.md and charts/ (default reports/out)\n"
    "  --runs N      the newest N runs (default 500; 0: all)\n"
    "  --no-png, --no-svg   skip a chart format\n"
    "  --markdown    also print the Markdown summary to stdout (for $GITHUB_STEP_SUMMARY)\n";

static void progress(void *arg, size_t done, size_t total)
{
    (void)arg;
    fprintf(stderr, "\rdrawing charts: %zu/%zu", done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

int cmd_report(int argc, char **argv)
{
    pg_reports_options opt = { 0 };
    const char *history = getenv("PERFGATE_HISTORY");
    if (!history || !*history)
        history = "reports/history.sqlite";
    opt.out_dir = "reports/out";
    long runs = 500;
    int markdown = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (!strcmp(a, "--no-png")) {
            opt.no_png = 1;
            continue;
        }
        if (!strcmp(a, "--no-svg")) {
            opt.no_svg = 1;
            continue;
        }
        if (!strcmp(a, "--markdown")) {
            markdown = 1;
            continue;
        }
        const char **slot = !strcmp(a, "--history") ? &history
                             : !strcmp(a, "--out")  ? &opt.out_dir
                             : !strcmp(a, "--title") ? &opt.title
                                                     : NULL;
        int is_runs = !strcmp(a, "--runs");
        if (!slot && !is_runs) {
            static const char *const known[] = { "--history", "--out", "--runs", "--no-png",
                                                 "--no-svg", "--title", "--markdown", "--help" };
            pg_cli_unknown_option("report", a, known, sizeof known / sizeof known[0]);
            fputs(usage_text, stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "perfgate: option '%s' needs a value\n%s", a, usage_text);
            return 2;
        }
        const char *v = argv[++i];
        if (slot) {
            *slot = v;
            continue;
        }
        char *end;
        errno = 0;
        runs = strtol(v, &end, 10);
        if (errno || *end || end == v || runs < 0) {
            fprintf(stderr, "perfgate: '%s' is not a count of runs\n", v);
            return 2;
        }
    }
    if (opt.no_png && opt.no_svg) {
        fprintf(stderr, "perfgate: --no-png and --no-svg leave nothing to draw\n");
        return 2;
    }
    pg_history *h = pg_cli_open_history(history);
    if (!h)
        return 2;
    pg_error err = { 0 };
    pg_hist_trend *t = NULL;
    pg_hist_show *latest = NULL;
    int64_t latest_id;
    int rc = pg_history_trend(h, (size_t)runs, &t, &err);
    if (rc == 0 && pg_history_latest(h, &latest_id, NULL) == 0)
        rc = pg_history_show(h, latest_id, &latest, &err);
    opt.history_label = history;
    if (isatty(2))
        opt.progress = progress;
    pg_reports_summary sum = { 0 };
    if (rc == 0)
        rc = pg_reports_write(t, latest, &opt, &sum, &err);
    if (rc == 0 && markdown)
        rc = pg_reports_markdown(t, latest, 50, stdout);
    if (rc == 0)
        fprintf(markdown ? stderr : stdout,
                "wrote %s/index.html: %zu benchmarks over %zu runs, %zu trend charts, %zu failing\n",
                opt.out_dir, sum.n_benches, sum.n_runs, sum.n_charts, sum.n_failed);
    pg_hist_show_free(latest);
    pg_hist_trend_free(t);
    pg_history_close(h);
    if (rc < 0) {
        if (err.code)
            pg_cli_report("perfgate", &err);
        else
            fprintf(stderr, "perfgate: cannot write the report: %s\n", pg_strerror(rc));
        return 2;
    }
    return 0;
}
