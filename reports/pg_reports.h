/*
 * pg_reports.h - trend reports drawn from the history: gnuplot charts
 * (PNG and SVG), a self-contained HTML page and a Markdown summary.
 *
 * Input is a pg_hist_trend (pg_history.h): benchmarks x runs, oldest run
 * first.  Output goes to a directory:
 *   charts/overview.{png,svg}   latest median / budget per benchmark, sorted
 *   charts/bNNNN.{png,svg}      one trend per benchmark (N: its index), from the
 *                               second run on: the median time, or for a
 *                               relative budget the ratio and its ceiling
 *   data/NAME.dat, charts-FMT.gp what gnuplot read (kept for inspection)
 *   index.html                  the decision first (a red or green banner, the
 *                               failing benchmarks with the limit they broke,
 *                               why and their owner), then every verdict; the
 *                               failing benchmarks' charts inline, the others
 *                               linked from charts/ (a small page); no network
 *   summary.md                  for a pull-request comment, worst first
 *
 * gnuplot runs as a child process on a command file; benchmark names reach
 * it only inside data files (as sanitised column headers and tick labels),
 * never in a command, and file names are indexes, never names.  One gnuplot
 * process draws every PNG and another every SVG, side by side.
 */
#ifndef PG_REPORTS_H
#define PG_REPORTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pg_error.h"
#include "pg_history.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pg_reports_options {
    const char *out_dir;          /* created when absent; required */
    const char *gnuplot;          /* the gnuplot program; NULL: the one found at build time */
    int no_png;                   /* 1: skip the PNG charts */
    int no_svg;                   /* 1: skip the SVG charts (the HTML then links PNGs) */
    const char *title;            /* page title; NULL: "perfgate trends" */
    const char *history_label;    /* shown on the page (e.g. the history path), or NULL */
    pg_hist_progress_fn progress; /* charts done of total while gnuplot works, or NULL */
    void *progress_arg;
    int64_t baseline_run; /* the history's baseline run (change vs baseline); 0: none */
    /* Links on the page when the CI provides them (GitHub's names); NULL
     * or a value of the wrong shape (not https://, not digits...) is left out. */
    const char *ci_server;     /* $GITHUB_SERVER_URL, e.g. https://github.com */
    const char *ci_repository; /* $GITHUB_REPOSITORY, owner/name */
    const char *ci_run_id;     /* $GITHUB_RUN_ID */
    const char *ci_sha;        /* $GITHUB_SHA; NULL: the newest run's commit */
    const char *ci_pr;         /* the pull request's number */
} pg_reports_options;

typedef struct pg_reports_summary {
    size_t n_benches, n_runs; /* the table drawn */
    size_t n_charts;          /* trend charts drawn (a benchmark with no median gets none) */
    size_t n_failed;          /* benchmarks failing in the newest run (pg_hist_verdict_fails) */
} pg_reports_summary;

/* Writes the report for trend t into opt->out_dir.  latest (may be NULL)
 * is the newest run as pg_history_show returns it: its environment and
 * waivers go on the page.  sum (may be NULL) says what was drawn.  Returns
 * 0, PG_EIO (a file, or gnuplot failed: err quotes its first error line),
 * PG_EUNSUP (no gnuplot) or PG_EINVAL. */
int pg_reports_write(const pg_hist_trend *t, const pg_hist_show *latest,
                     const pg_reports_options *opt, pg_reports_summary *sum, pg_error *err);

/* Writes the Markdown summary alone to f (the same text as summary.md):
 * per benchmark of the newest run, worst change first.  max_rows 0: all. */
int pg_reports_markdown(const pg_hist_trend *t, const pg_hist_show *latest, size_t max_rows,
                        FILE *f);

#ifdef __cplusplus
}
#endif
#endif
