/*
 * pg_reports.h - trend reports drawn from the history: gnuplot charts
 * (PNG and SVG), a self-contained HTML page and a Markdown summary.
 *
 * Input is a pg_hist_trend (pg_history.h): benchmarks x runs, oldest run
 * first.  Output goes to a directory:
 *   charts/overview.{png,svg}   latest median / budget per benchmark, sorted
 *   charts/bNNNN.{png,svg}      one trend per benchmark (N: its index), from the
 *                               second run on: the median time, or for a
 *                               relative budget the ratio and its ceiling;
 *                               each change point a line labelled with its
 *                               shift, a creep a label
 *   data/NAME.dat, charts-FMT.gp what gnuplot read (kept for inspection)
 *   index.html                  the decision first (a red or green banner), then
 *                               the change points and creep (newest first),
 *                               the failing benchmarks with the limit they
 *                               broke, why and their owner, then every verdict; the
 *                               failing benchmarks' charts inline, the others
 *                               linked from charts/ (a small page); no network
 *   summary.md                  for a pull-request comment: the change points
 *                               and creep, then the benchmarks worst first
 *
 * gnuplot runs as a child process on a command file; benchmark names reach
 * it only inside data files (as sanitised column headers and tick labels),
 * never in a command, and file names are indexes, never names; a change
 * point's marker is a run number and a label of formatted numbers.  One gnuplot
 * process draws every PNG and another every SVG, side by side.
 */
#ifndef PG_REPORTS_H
#define PG_REPORTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pg_changepoint.h"
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
    double tolerance;          /* creep: a drift beyond this fraction; 0: 5 % */
    /* 1: write the gnuplot scripts and data files but run no gnuplot, so
     * no chart is drawn (the page links charts that are not there): for
     * drawing elsewhere, and for tests that check what gnuplot is handed. */
    int scripts_only;
} pg_reports_options;

/* ---- Change points over a trend ----------------------------------------
 * What `perfgate history changes` prints and what the report marks on its
 * charts and lists first: one analysis (reports/changes.c), each
 * benchmark's median per run handed to pg_changepoints_news
 * (gate/pg_changepoint.h). */
typedef struct pg_reports_changes {
    size_t n;         /* benchmarks analysed */
    size_t *bench;    /* their rows in the trend (t->benches), ascending */
    pg_cp_news *news; /* what each one's series shows, per analysed benchmark */
    size_t reference; /* the trend's index of the reference run creep is measured from */
    double tolerance; /* creep: a drift beyond this fraction */
    size_t n_changes; /* change points of every benchmark (news[].now) */
    size_t n_creep;   /* benchmarks that crept */
    int new_slowdown; /* the newest run brought a slowdown or a creep */
} pg_reports_changes;

/* Analyses every benchmark of t matching glob (fnmatch; NULL: all).
 * Creep is measured from reference_run: the first run whose id is not
 * below it (a run older than the trend gives its first run); 0 or less:
 * the first run.  tolerance 0: 5 %.  out is filled; free it with
 * pg_reports_changes_free even on error.  Returns 0, PG_EINVAL or
 * PG_ENOMEM (err says so). */
int pg_reports_changes_find(const pg_hist_trend *t, const char *glob, int64_t reference_run,
                            double tolerance, pg_reports_changes *out, pg_error *err);
void pg_reports_changes_free(pg_reports_changes *c); /* NULL is a no-op */

typedef struct pg_reports_summary {
    size_t n_benches, n_runs; /* the table drawn */
    size_t n_charts;          /* trend charts drawn (a benchmark with no median gets none) */
    size_t n_failed;          /* benchmarks failing in the newest run (pg_hist_verdict_fails) */
    size_t n_changes;         /* change points listed and marked (pg_reports_changes) */
    size_t n_creep;           /* benchmarks that crept */
} pg_reports_summary;

/* Writes the report for trend t into opt->out_dir.  latest (may be NULL)
 * is the newest run as pg_history_show returns it: its environment and
 * waivers go on the page.  sum (may be NULL) says what was drawn.  Returns
 * 0, PG_EIO (a file, or gnuplot failed: err quotes its first error line;
 * never gnuplot with opt->scripts_only), PG_EUNSUP (no gnuplot) or
 * PG_EINVAL. */
int pg_reports_write(const pg_hist_trend *t, const pg_hist_show *latest,
                     const pg_reports_options *opt, pg_reports_summary *sum, pg_error *err);

/* Writes the Markdown summary alone to f (the same text as summary.md):
 * the change points and creep first, then per benchmark of the newest
 * run, worst change first.  opt (may be NULL) gives the baseline run creep
 * is measured from and the tolerance.  max_rows 0: all. */
int pg_reports_markdown(const pg_hist_trend *t, const pg_hist_show *latest,
                        const pg_reports_options *opt, size_t max_rows, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
