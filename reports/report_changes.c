/*
 * report_changes.c - the change points and creep in a trend report: the
 * markers on each benchmark's chart, and the list the page and the
 * Markdown summary give first (pg_reports.h; the analysis is
 * reports/changes.c, the same `perfgate history changes` prints).
 *
 * Order of the list: newest first (the change a nightly has to act on),
 * then slowdowns before speed-ups, then the largest shift; creep after
 * the change points, the largest drift first.
 *
 * Hostile names.  A benchmark name reaches gnuplot not at all from here:
 * a marker is a line at a run number and a label made of numbers this file
 * formats.  The page escapes names for HTML, the summary for Markdown
 * (common/pg_escape.h), and commits the same way.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pg_escape.h"

typedef struct finding {
    size_t i;     /* the benchmark's place in cs->news */
    size_t j;     /* its change in news.now */
    size_t index; /* the trend's index of the first run of the new level */
    int slower;   /* ratio > 1 */
    double size;  /* |log ratio| */
} finding;

static int cmp_finding(const void *a, const void *b)
{
    const finding *x = a, *y = b;
    if (x->index != y->index)
        return x->index < y->index ? 1 : -1;
    if (x->slower != y->slower)
        return y->slower - x->slower;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    if (x->i != y->i)
        return x->i < y->i ? -1 : 1;
    return (x->j > y->j) - (x->j < y->j);
}

static int cmp_creep(const void *a, const void *b)
{
    const pg_cp_news *x = *(const pg_cp_news *const *)a, *y = *(const pg_cp_news *const *)b;
    double dx = isnan(x->now.drift) ? 0 : x->now.drift, dy = isnan(y->now.drift) ? 0 : y->now.drift;
    return (dx < dy) - (dx > dy);
}

/* The list, sorted: every change point, then the creeping benchmarks. */
typedef struct listing {
    finding *v;
    size_t n;
    const pg_cp_news **cr;
    size_t nc;
} listing;

static void listing_free(listing *L)
{
    free(L->v);
    free(L->cr);
}

/* 0, or PG_ENOMEM (L freed). */
static int listing_make(const pg_reports_changes *cs, listing *L)
{
    memset(L, 0, sizeof *L);
    if (cs->n_changes && !(L->v = malloc(cs->n_changes * sizeof *L->v)))
        return PG_ENOMEM;
    if (cs->n_creep && !(L->cr = malloc(cs->n_creep * sizeof *L->cr))) {
        listing_free(L);
        return PG_ENOMEM;
    }
    for (size_t i = 0; i < cs->n; i++) {
        const pg_cp_news *nw = &cs->news[i];
        for (size_t j = 0; j < nw->now.n_changes && L->n < cs->n_changes; j++) {
            const pg_cp_change *c = &nw->now.changes[j];
            L->v[L->n++] = (finding){ i, j, c->index, c->ratio > 1, fabs(log(c->ratio)) };
        }
        if (nw->now.creep && L->nc < cs->n_creep)
            L->cr[L->nc++] = nw;
    }
    if (L->n)
        qsort(L->v, L->n, sizeof *L->v, cmp_finding);
    if (L->nc)
        qsort(L->cr, L->nc, sizeof *L->cr, cmp_creep);
    return 0;
}

/* One line of the list, resolved: a change point (c) or a creep (c NULL). */
typedef struct row {
    size_t bench;          /* the trend's row */
    const pg_cp_change *c; /* the change, or NULL for a creep */
    int is_new;            /* brought by the newest run */
    char shift[96];        /* the shift, or the drift, with its interval */
} row;

/* "+3.1 % [2.4, 3.9]": a ratio and its interval as a change in percent. */
static void fmt_shift(char *buf, size_t len, double ratio, double lo, double hi)
{
    snprintf(buf, len, "%+.1f %% [%.1f, %.1f]", (ratio - 1) * 100, (lo - 1) * 100, (hi - 1) * 100);
}

static row change_row(const pg_reports_changes *cs, const finding *fd)
{
    const pg_cp_news *nw = &cs->news[fd->i];
    row r = { cs->bench[fd->i], &nw->now.changes[fd->j], nw->is_new[fd->j], "" };
    fmt_shift(r.shift, sizeof r.shift, r.c->ratio, r.c->lo, r.c->hi);
    return r;
}

static row creep_row(const pg_reports_changes *cs, const pg_cp_news *nw)
{
    row r = { cs->bench[(size_t)(nw - cs->news)], NULL, nw->creep_new, "" };
    fmt_shift(r.shift, sizeof r.shift, nw->now.drift, nw->now.drift_lo, nw->now.drift_hi);
    return r;
}

static const char *direction(double ratio)
{
    return ratio > 1 ? "regression" : "improvement";
}

static const char *commit_of(const pg_hist_trend *t, size_t r)
{
    return r < t->n_runs && t->runs[r].commit[0] ? t->runs[r].commit : "-";
}

/* ---- gnuplot ---------------------------------------------------------- */

int reports_gp_markers(FILE *g, const pg_hist_trend *t, const pg_cp_news *nw)
{
    if (!nw || (!nw->now.n_changes && !nw->now.creep))
        return 0;
    size_t R = t->n_runs;
    for (size_t j = 0; j < nw->now.n_changes; j++) {
        const pg_cp_change *c = &nw->now.changes[j];
        const char *colour = c->ratio > 1 ? "#d62728" : "#2ca02c";
        char text[96];
        fmt_shift(text, sizeof text, c->ratio, c->lo, c->hi);
        if (nw->is_new && nw->is_new[j])
            strncat(text, " new", sizeof text - strlen(text) - 1);
        /* run r is drawn at x = r + 1: the level changes between the
         * run before index (x = index) and index (x = index + 1); the
         * shade spans the same boundary of every run it may have been */
        double x = (double)c->index + 0.5;
        if (c->index_hi > c->index_lo)
            fprintf(g,
                    "set object %zu rect from %.1f, graph 0 to %.1f, graph 1 behind"
                    " fc rgb '%s' fs transparent solid 0.10 noborder\n",
                    j + 1, (double)c->index_lo + 0.5, (double)c->index_hi + 0.5, colour);
        fprintf(g,
                "set arrow %zu from %.1f, graph 0 to %.1f, graph 1 nohead dt 3 lw 2"
                " lc rgb '%s' front\n",
                j + 1, x, x, colour);
        /* labels step down so that neighbours do not overlap; on the right
         * half they end at the line instead of starting there */
        int right = (double)c->index > 0.6 * (double)R;
        fprintf(g, "set label %zu '%s' at %.1f, graph %.2f %s offset %d,0 tc rgb '%s' front\n",
                j + 1, text, x, 0.95 - 0.07 * (double)(j % 4), right ? "right" : "left",
                right ? -1 : 1, colour);
    }
    if (nw->now.creep) {
        char text[128], shift[96];
        fmt_shift(shift, sizeof shift, nw->now.drift, nw->now.drift_lo, nw->now.drift_hi);
        snprintf(text, sizeof text, "creep %s%s", shift, nw->creep_new ? " new" : "");
        fprintf(g, "set label %zu '%s' at graph 0.01, graph 0.06 left tc rgb '#b8860b' front\n",
                nw->now.n_changes + 1, text);
    }
    return 1;
}

void reports_gp_markers_end(FILE *g)
{
    fputs("unset object\nunset arrow\nunset label\n", g);
}

/* ---- HTML ------------------------------------------------------------- */

static void no_changes(FILE *f, const pg_hist_trend *t, const pg_reports_changes *cs, int html)
{
    fprintf(f,
            html ? "<p id=\"no-changes\">No change points in %zu runs of %zu benchmarks.</p>\n"
                 : "No change points in %zu runs of %zu benchmarks.\n\n",
            t->n_runs, cs->n);
}

static long long reference_id(const pg_hist_trend *t, const pg_reports_changes *cs)
{
    return t->n_runs ? (long long)t->runs[cs->reference].id : 0LL;
}

int reports_html_changes(FILE *f, const pg_hist_trend *t, const pg_reports_changes *cs)
{
    listing L;
    if (listing_make(cs, &L) < 0)
        return PG_ENOMEM;
    fputs("<h2 id=\"changes\">Change points</h2>\n", f);
    if (L.n || L.nc)
        fprintf(f,
                "<p class=\"meta\">Where a benchmark's median shifted over the %zu runs shown "
                "(PELT, each change held to a rank test), newest first; the shift is new level / "
                "old level with its 95%% interval; <i>new</i>: brought by the newest run.</p>\n",
                t->n_runs);
    if (!L.n)
        no_changes(f, t, cs, 1);
    else
        fputs("<table id=\"change-points\"><thead><tr><th>benchmark</th><th>run</th>"
              "<th>commit</th><th>may have happened</th><th>shift [95% interval]</th>"
              "<th>direction</th><th>new</th></tr></thead><tbody>\n",
              f);
    for (size_t k = 0; k < L.n; k++) {
        row r = change_row(cs, &L.v[k]);
        fprintf(f, "<tr class=\"cp-%s\"><td class=\"name\"><a href=\"#b%04zu\">",
                r.c->ratio > 1 ? "slower" : "faster", r.bench);
        pg_escape_html(f, t->benches[r.bench]);
        fprintf(f, "</a></td><td class=\"n\">%lld</td><td>", (long long)t->runs[r.c->index].id);
        pg_escape_html(f, commit_of(t, r.c->index));
        fprintf(f,
                "</td><td>runs %lld-%lld</td><td class=\"n\">%s</td><td>%s</td><td>%s</td>"
                "</tr>\n",
                (long long)t->runs[r.c->index_lo].id, (long long)t->runs[r.c->index_hi].id, r.shift,
                direction(r.c->ratio), r.is_new ? "new" : "");
    }
    if (L.n)
        fputs("</tbody></table>\n", f);
    if (L.nc)
        fprintf(f,
                "<p>Creep: drifted beyond %g%% since run %lld through steps each under it.</p>\n"
                "<table id=\"creep\"><thead><tr><th>benchmark</th><th>drift [95%% interval]"
                "</th><th>new</th></tr></thead><tbody>\n",
                cs->tolerance * 100, reference_id(t, cs));
    for (size_t k = 0; k < L.nc; k++) {
        row r = creep_row(cs, L.cr[k]);
        fprintf(f, "<tr class=\"cp-creep\"><td class=\"name\"><a href=\"#b%04zu\">", r.bench);
        pg_escape_html(f, t->benches[r.bench]);
        fprintf(f, "</a></td><td class=\"n\">%s</td><td>%s</td></tr>\n", r.shift,
                r.is_new ? "new" : "");
    }
    if (L.nc)
        fputs("</tbody></table>\n", f);
    listing_free(&L);
    return 0;
}

/* ---- Markdown --------------------------------------------------------- */

int reports_md_changes(FILE *f, const pg_hist_trend *t, const pg_reports_changes *cs,
                       size_t max_rows)
{
    listing L;
    if (listing_make(cs, &L) < 0)
        return PG_ENOMEM;
    if (!L.n)
        no_changes(f, t, cs, 0);
    size_t rows = max_rows && max_rows < L.n ? max_rows : L.n;
    if (rows)
        fprintf(f,
                "**Change points** (%zu, newest first; new level / old level with its 95 %% "
                "interval):\n\n| benchmark | run | commit | shift | direction | new |\n"
                "|---|--:|---|--:|---|---|\n",
                L.n);
    for (size_t k = 0; k < rows; k++) {
        row r = change_row(cs, &L.v[k]);
        fputs("| ", f);
        pg_escape_md(f, t->benches[r.bench]);
        fprintf(f, " | %lld | ", (long long)t->runs[r.c->index].id);
        pg_escape_md(f, commit_of(t, r.c->index));
        fprintf(f, " | %s | %s | %s |\n", r.shift, direction(r.c->ratio), r.is_new ? "new" : "");
    }
    if (rows < L.n)
        fprintf(f, "\n... and %zu more in the full report.\n", L.n - rows);
    if (rows)
        fputc('\n', f);
    if (L.nc)
        fprintf(f,
                "**Creep** (drifted beyond %g %% since run %lld through steps each under it):\n\n",
                cs->tolerance * 100, reference_id(t, cs));
    for (size_t k = 0; k < L.nc; k++) {
        row r = creep_row(cs, L.cr[k]);
        fputs("- ", f);
        pg_escape_md(f, t->benches[r.bench]);
        fprintf(f, ": %s%s\n", r.shift, r.is_new ? " (new)" : "");
    }
    if (L.nc)
        fputc('\n', f);
    listing_free(&L);
    return 0;
}
