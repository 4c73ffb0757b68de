/*
 * changes.c - the change points and creep of every benchmark of a trend:
 * the one analysis `perfgate history changes` prints and `perfgate report`
 * draws and lists (pg_reports.h; the method is gate/pg_changepoint.h).
 *
 * Each benchmark's series is its median per run, oldest first, NaN where
 * it did not run (pg_changepoints leaves those out and keeps the trend's
 * indices).  Workload: a few hundred benchmarks of up to a few thousand
 * runs, two analyses each (with and without the newest run).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "pg_reports.h"

void pg_reports_changes_free(pg_reports_changes *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->news && i < c->n; i++)
        pg_cp_news_free(&c->news[i]);
    free(c->news);
    free(c->bench);
    c->news = NULL;
    c->bench = NULL;
    c->n = 0;
}

int pg_reports_changes_find(const pg_hist_trend *t, const char *glob, int64_t reference_run,
                            double tolerance, pg_reports_changes *out, pg_error *err)
{
    memset(out, 0, sizeof *out);
    if (!t)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no trend to analyse");
    size_t R = t->n_runs, B = t->n_benches;
    out->tolerance = tolerance > 0 ? tolerance : 0.05;
    /* the reference: the first run not older than reference_run */
    if (reference_run > 0) {
        size_t r = 0;
        while (r < R && t->runs[r].id < reference_run)
            r++;
        out->reference = r < R ? r : 0;
    }
    double *x = malloc((R ? R : 1) * sizeof *x);
    out->bench = malloc((B ? B : 1) * sizeof *out->bench);
    out->news = calloc(B ? B : 1, sizeof *out->news);
    if (!x || !out->bench || !out->news)
        goto nomem;
    pg_cp_options opt = { 0 };
    opt.tolerance = out->tolerance;
    opt.reference = out->reference;
    for (size_t b = 0; b < B; b++) {
        if (glob && fnmatch(glob, t->benches[b], 0) != 0)
            continue;
        for (size_t r = 0; r < R; r++)
            x[r] = t->points[b * R + r].median_ns;
        pg_cp_news *nw = &out->news[out->n];
        out->bench[out->n++] = b;
        int rc = pg_changepoints_news(x, R, &opt, nw);
        if (rc < 0) {
            free(x);
            return pg_error_set(err, rc, NULL, 0, 0, NULL, "change points: %s", pg_strerror(rc));
        }
        out->n_changes += nw->now.n_changes;
        out->n_creep += nw->now.creep != 0;
        out->new_slowdown |= nw->new_slowdown;
    }
    free(x);
    return 0;
nomem:
    free(x);
    return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
}
