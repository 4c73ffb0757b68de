/*
 * report.c - trend reports: gnuplot charts, the HTML page, the Markdown
 * summary (see pg_reports.h for the layout of the output directory).
 *
 * Hostile names.  A benchmark name may hold quotes, newlines, "<script>",
 * "system(...)", "../" or SQL quotes.  Here it meets four languages:
 *   gnuplot  only in data files: a double-quoted column header with '"'
 *            and control characters replaced, read by `columnheader`, never
 *            evaluated; commands hold numbers and fixed relative paths;
 *            gnuplot runs in the output directory, so no user path is
 *            pasted either;
 *   files    charts and data are named by index (b0007.svg);
 *   HTML     escaped (& < > " ') everywhere, including inside the SVG that
 *            gnuplot wrote (gnuplot escapes its text; we re-check);
 *   Markdown escaped for table cells (| ` * _ [ ] < > and line breaks).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "pg_escape.h"
#include "internal.h"
#include "pg_io.h"
#include "pg_process.h"
#include "pg_reports.h"

#ifndef PG_GNUPLOT_PATH
#define PG_GNUPLOT_PATH "gnuplot"
#endif

/* What the report knows about one benchmark. */
typedef struct bstat {
    size_t idx;                                 /* row in the trend table */
    long last;                                  /* newest run index with a median, -1 if none */
    long prev;                                  /* the one before it, -1 if none */
    size_t present;                             /* runs with a median */
    double median, lo, hi, prev_median, change; /* change: median/prev - 1, NaN if none */
    double base_median, base_change;            /* the baseline run's; NaN if none */
    double budget, budget_ratio; /* newest run's ceiling; value / limit (1 = at the limit) */
    double ratio, max_ratio;     /* relative budget: newest ratio and its ceiling, else NaN */
    int relative;                /* judged relative to a calibration: the chart draws the ratio */
    int fails;                   /* the newest run fails the gate */
    int rank;                    /* verdict severity, higher first (verdict_rank) */
    const char *verdict;         /* newest run's verdict, "" when none */
    const char *owner;           /* from the newest run's verdicts, or NULL */
    int in_latest;               /* has a median in the newest run */
    int charted;
    int inlined;            /* its chart is drawn into the page (failing ones) */
    const pg_cp_news *news; /* its change points and creep (reports/changes.c), or NULL */
} bstat;

static const double NS_SCALE[] = { 1.0, 1e3, 1e6, 1e9 };
static const char *const NS_UNIT[] = { "ns", "us", "ms", "s" };

static int unit_for(double maxv)
{
    int u = 0;
    while (u < 3 && maxv >= 1e4 * NS_SCALE[u])
        u++;
    return u;
}

/* Severity for ordering, worst highest: what fails the gate, then a
 * warning that would have, waived, not judged, then the good ones. */
static int verdict_rank(const char *v, int fails)
{
    static const char *const order[] = { "unbudgeted", "pass", "improved", "unavailable",
                                         "waived" };
    if (fails)
        return 10;
    if (pg_hist_verdict_fails(v, 0))
        return 8; /* a warning */
    for (int i = 0; i < 5; i++)
        if (!strcmp(v, order[i]))
            return i + 1;
    return 0;
}

/* ---- Output helpers --------------------------------------------------- */

static int mkdir_p(const char *path, pg_error *err)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return pg_error_set(err, PG_ELIMIT, path, 0, 0, NULL, "output path too long");
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            return pg_error_set(err, PG_EIO, buf, 0, 0, NULL, "cannot create directory: %s",
                                strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) < 0 && errno != EEXIST)
        return pg_error_set(err, PG_EIO, buf, 0, 0, NULL, "cannot create directory: %s",
                            strerror(errno));
    return 0;
}

static void join(char *buf, size_t len, const char *dir, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

/* A name as a gnuplot data-file string: double quotes (gnuplot has no
 * escape inside them) become single quotes, control bytes spaces. */
static void gp_data_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"')
            fputc('\'', f);
        else if (*p < 0x20 || *p == 0x7f)
            fputc(' ', f);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* A name as an axis label: the data string, cut to keep the plot wide. */
static void gp_data_label(FILE *f, const char *s)
{
    char buf[64];
    size_t n = strlen(s);
    if (n < sizeof buf)
        snprintf(buf, sizeof buf, "%s", s);
    else {
        const char *tail = s + n - (sizeof buf - 4);
        while ((*tail & 0xC0) == 0x80) /* not inside a UTF-8 sequence */
            tail++;
        snprintf(buf, sizeof buf, "...%s", tail);
    }
    gp_data_string(f, buf);
}

/* A tick label, "MM-DD commit": the run's UTC date, then its commit (or
 * #id).  Only [A-Za-z0-9#._-] and one space get through. */
static void tick_label(char *buf, size_t len, const pg_hist_run_info *r)
{
    char date[8] = "";
    if (strlen(r->timestamp) >= 10)
        snprintf(date, sizeof date, "%.5s ", r->timestamp + 5);
    if (r->commit[0])
        snprintf(buf, len, "%s%.8s", date, r->commit);
    else
        snprintf(buf, len, "%s#%lld", date, (long long)r->id);
    for (char *p = buf; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '#' || c == '.' || c == '_' || c == '-' || (c == ' ' && p == buf + 5);
        if (!ok)
            *p = '_';
    }
}

static void gp_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        fputs(" NaN", f);
    else
        fprintf(f, " %.6g", v);
}

static void fmt_time(char *buf, size_t len, double ns)
{
    if (isnan(ns)) {
        snprintf(buf, len, "-");
        return;
    }
    int u = unit_for(ns);
    snprintf(buf, len, "%.4g %s", ns / NS_SCALE[u], NS_UNIT[u]);
}

/* ---- Per-benchmark statistics ----------------------------------------- */

/* The first verdict of bench in latest (verdicts sorted by name), or the
 * end: a lower bound. */
static size_t first_verdict(const pg_hist_show *latest, const char *bench)
{
    size_t lo = 0, hi = latest ? latest->n_verdicts : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(latest->verdicts[mid].bench, bench) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* base: the baseline run's index in the trend, -1 when none is shown. */
static void compute_stats(const pg_hist_trend *t, const pg_hist_show *latest, long base, bstat *st)
{
    size_t R = t->n_runs;
    for (size_t b = 0; b < t->n_benches; b++) {
        bstat *s = &st[b];
        const pg_hist_point *row = &t->points[b * R];
        memset(s, 0, sizeof *s);
        s->idx = b;
        s->last = s->prev = -1;
        for (size_t r = 0; r < R; r++) {
            if (isnan(row[r].median_ns))
                continue;
            s->present++;
            s->prev = s->last;
            s->last = (long)r;
        }
        s->median = s->lo = s->hi = s->prev_median = s->change = NAN;
        s->base_median = s->base_change = NAN;
        if (s->last >= 0) {
            s->median = row[s->last].median_ns;
            s->lo = row[s->last].lo_ns;
            s->hi = row[s->last].hi_ns;
        }
        if (s->prev >= 0) {
            s->prev_median = row[s->prev].median_ns;
            s->change = s->median / s->prev_median - 1.0;
        }
        if (base >= 0 && (size_t)base < R && !isnan(row[base].median_ns)) {
            s->base_median = row[base].median_ns;
            s->base_change = s->median / s->base_median - 1.0;
        }
        const pg_hist_point *now = R ? &row[R - 1] : NULL;
        s->in_latest = now && !isnan(now->median_ns);
        s->verdict = now ? now->verdict : "";
        s->fails = now && now->fails;
        s->rank = verdict_rank(s->verdict, s->fails);
        s->budget = now ? now->budget_ns : NAN;
        s->ratio = now ? now->ratio : NAN;
        s->max_ratio = now ? now->max_ratio : NAN;
        for (size_t r = 0; r < R; r++)
            s->relative |= !isnan(row[r].max_ratio);
        if (!s->relative)
            s->ratio = NAN;
        if (s->relative)
            s->budget_ratio = !isnan(s->ratio) && s->max_ratio > 0 ? s->ratio / s->max_ratio : NAN;
        else
            s->budget_ratio =
                s->in_latest && !isnan(s->budget) && s->budget > 0 ? s->median / s->budget : NAN;
        for (size_t i = first_verdict(latest, t->benches[b]);
             latest && i < latest->n_verdicts && !strcmp(latest->verdicts[i].bench, t->benches[b]);
             i++)
            if (!s->owner && latest->verdicts[i].owner)
                s->owner = latest->verdicts[i].owner;
    }
}

/* ---- gnuplot ---------------------------------------------------------- */

/* One run's value on a benchmark's chart: the median time, or for a
 * relative budget the ratio to the calibration (with its ceiling). */
static double chart_value(const bstat *s, const pg_hist_point *p)
{
    return s->relative ? p->ratio : p->median_ns;
}

/* Writes data/bNNNN.dat and the commands for its chart to png and svg. */
static int write_trend(const pg_hist_trend *t, bstat *s, const char *out, FILE *gp_png,
                       FILE *gp_svg, pg_error *err)
{
    size_t R = t->n_runs, b = s->idx;
    const pg_hist_point *row = &t->points[b * R];
    double maxv = 0;
    int has_budget = 0, has_breach = 0, has_waived = 0, has_value = 0;
    for (size_t r = 0; r < R; r++) {
        const pg_hist_point *p = &row[r];
        double v[3] = { chart_value(s, p), s->relative ? NAN : p->hi_ns,
                        s->relative ? p->max_ratio : p->budget_ns };
        for (int k = 0; k < 3; k++)
            if (!isnan(v[k]) && !isinf(v[k]) && v[k] > maxv)
                maxv = v[k];
        has_value |= !isnan(v[0]);
        has_budget |= !isnan(v[2]);
        has_breach |= !isnan(v[0]) && p->fails;
        has_waived |= !strcmp(p->verdict, "waived");
    }
    if (!has_value)
        return 0; /* a relative budget never judged: no ratio to draw */
    int u = s->relative ? 0 : unit_for(maxv);
    double sc = s->relative ? 1.0 : NS_SCALE[u], ymax = maxv / sc * 1.15;
    if (!(ymax > 0))
        ymax = 1;

    char rel[64], path[1200];
    snprintf(rel, sizeof rel, "data/b%04zu.dat", b);
    join(path, sizeof path, out, rel);
    FILE *f = fopen(path, "w");
    if (!f)
        return pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(errno));
    /* The header row: gnuplot takes the median line's title from it. */
    fputs("run ", f);
    gp_data_string(f, t->benches[b]);
    fputs(" lo hi budget breach waived label\n", f);
    for (size_t r = 0; r < R; r++) {
        const pg_hist_point *p = &row[r];
        char label[32];
        double v = chart_value(s, p);
        tick_label(label, sizeof label, &t->runs[r]);
        fprintf(f, "%zu", r + 1);
        gp_num(f, v / sc);
        gp_num(f, s->relative ? NAN : p->lo_ns / sc);
        gp_num(f, s->relative ? NAN : p->hi_ns / sc);
        gp_num(f, (s->relative ? p->max_ratio : p->budget_ns) / sc);
        gp_num(f, !isnan(v) && p->fails ? v / sc : NAN);
        gp_num(f, !strcmp(p->verdict, "waived") ? ymax : NAN);
        fprintf(f, " \"%s\"\n", label);
    }
    if (fclose(f) != 0)
        return pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(errno));

    size_t every = R > 12 ? (R + 11) / 12 : 1;
    FILE *gps[2] = { gp_png, gp_svg };
    const char *ext[2] = { "png", "svg" };
    for (int k = 0; k < 2; k++) {
        FILE *g = gps[k];
        if (!g)
            continue;
        fprintf(g, "set output 'charts/b%04zu.%s'\n", b, ext[k]);
        fprintf(g, "set xrange [0.5:%zu.5]\nset yrange [0:%.6g]\n", R, ymax);
        if (s->relative)
            fprintf(g, "set ylabel 'ratio to the calibration (x)'\n");
        else
            fprintf(g, "set ylabel 'median time per iteration (%s)'\n", NS_UNIT[u]);
        /* Every plot element has a defined point (an all-undefined one is
         * an error that would end the whole script). */
        int marked = reports_gp_markers(g, t, s->news);
        fprintf(g, "plot ");
        if (has_waived)
            fprintf(g,
                    "'data/b%04zu.dat' using 1:7 with boxes fs transparent solid 0.18 noborder"
                    " lc rgb '#b8860b' title 'waived', ",
                    b);
        if (!s->relative)
            fprintf(g,
                    "'data/b%04zu.dat' using 1:3:4 with filledcurves fs transparent solid 0.35"
                    " lc rgb '#6baed6' title '95%% interval', ",
                    b);
        /* Markers only while they can be told apart (and keep SVGs small). */
        fprintf(g,
                "'data/b%04zu.dat' using 1:2:xticlabels(int($1-1)%%%zu==0 ? stringcolumn(8) : '')"
                " with %s lw 1.5 pt 7 ps 0.45 lc rgb '#08519c' title columnheader(2)",
                b, every, R <= 120 ? "linespoints" : "lines");
        if (has_budget)
            fprintf(g, ", '' using 1:5 with steps dt 2 lw 1.5 lc rgb '#d62728' title '%s'",
                    s->relative ? "ceiling" : "budget");
        if (has_breach)
            fprintf(g, ", '' using 1:6 with points pt 6 ps 1.6 lw 2 lc rgb '#d62728'"
                       " title 'fails the gate'");
        fprintf(g, "\n");
        if (marked)
            reports_gp_markers_end(g);
    }
    s->charted = 1;
    return 0;
}

static int cmp_ratio(const void *a, const void *b)
{
    const bstat *x = *(const bstat *const *)a, *y = *(const bstat *const *)b;
    double rx = x->budget_ratio, ry = y->budget_ratio;
    return (rx > ry) - (rx < ry);
}

/* The overview: newest median / budget per budgeted benchmark, ascending,
 * so the worst sits on top of the chart. */
static int write_overview(const pg_hist_trend *t, bstat *st, const char *out, FILE *gp_png,
                          FILE *gp_svg, size_t *drawn, pg_error *err)
{
    size_t n = 0;
    bstat **v = malloc((t->n_benches ? t->n_benches : 1) * sizeof *v);
    if (!v)
        return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    /* Only ratios gnuplot can place (the table still shows the others). */
    for (size_t b = 0; b < t->n_benches; b++)
        if (isfinite(st[b].budget_ratio))
            v[n++] = &st[b];
    qsort(v, n, sizeof *v, cmp_ratio);
    *drawn = n;
    char path[1200];
    join(path, sizeof path, out, "data/overview.dat");
    FILE *f = fopen(path, "w");
    if (!f) {
        free(v);
        return pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(errno));
    }
    double maxr = 1.0;
    for (size_t i = 0; i < n; i++) {
        const bstat *s = v[i];
        unsigned colour = s->fails || s->budget_ratio > 1.0 ? 0xd62728
                          : !strcmp(s->verdict, "waived")   ? 0xb8860b
                                                            : 0x2ca02c;
        fprintf(f, "%zu %.6g %u ", i, s->budget_ratio, colour);
        gp_data_label(f, t->benches[s->idx]);
        fputc('\n', f);
        if (s->budget_ratio > maxr)
            maxr = s->budget_ratio;
    }
    free(v);
    if (fclose(f) != 0)
        return pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(errno));
    if (n == 0)
        return 0;
    FILE *gps[2] = { gp_png, gp_svg };
    const char *ext[2] = { "png", "svg" };
    int height = 120 + 16 * (int)n;
    for (int k = 0; k < 2; k++) {
        FILE *g = gps[k];
        if (!g)
            continue;
        fprintf(g,
                k == 0 ? "set terminal pngcairo size 1000,%d noenhanced font 'sans,9'\n"
                       : "set terminal svg size 1000,%d noenhanced font 'sans,9'\n",
                height);
        fprintf(g, "set output 'charts/overview.%s'\n", ext[k]);
        fprintf(g,
                "set key noautotitle\nunset key\nset xtics norotate\nset xrange [0:%.6g]\nset "
                "yrange [-1:%zu]\n",
                maxr * 1.08, n);
        fprintf(
            g,
            "set xlabel 'newest run: median / budget, or ratio / ceiling for a relative budget'\n"
            "set ylabel ''\nset xtics auto\n");
        fprintf(g,
                "set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'\n");
        fprintf(g, "plot 'data/overview.dat' using ($2/2):1:(0):2:($1-0.4):($1+0.4):3:"
                   "ytic(stringcolumn(4)) with boxxyerror fs solid 0.8 noborder lc rgb variable\n");
        fprintf(g, "unset arrow 1\n");
    }
    return 0;
}

static const char *gp_preamble_png =
    "set terminal pngcairo size 900,420 noenhanced font 'sans,9'\n";
static const char *gp_preamble_svg =
    "set terminal svg size 900,420 noenhanced font 'sans,9' background rgb 'white'\n";
static const char *gp_common = "set encoding utf8\n"
                               "set datafile missing NaN\n"
                               "set key autotitle columnheader\n"
                               "set key below horizontal\n"
                               "set grid ytics lc rgb '#dddddd'\n"
                               "set xlabel 'run (UTC date MM-DD, commit)'\n"
                               "set xtics rotate by -30 nomirror\n"
                               "set boxwidth 1.0\n"
                               "set style fill transparent solid 0.3\n";

/* One gnuplot child: `gnuplot script` run in the output folder. */
typedef struct gnuplot_run {
    const char *argv[3];
    char log[1200]; /* its stderr, inside the output folder */
    pg_process p;
    int running;
} gnuplot_run;

/* Starts `gnuplot script` in dir (argv, no shell), stderr to log (a name
 * inside dir), stdin and stdout to /dev/null.  PG_EIO with err filled
 * when it does not start. */
static int spawn_gnuplot(gnuplot_run *g, const char *gnuplot, const char *dir, const char *script,
                         const char *log, pg_error *err)
{
    memset(g, 0, sizeof *g);
    join(g->log, sizeof g->log, dir, log);
    g->argv[0] = gnuplot;
    g->argv[1] = script;
    g->argv[2] = NULL;
    g->p.argv = g->argv;
    g->p.dir = dir;
    g->p.in = g->p.out = PG_PROCESS_NULL;
    g->p.err = PG_PROCESS_FILE;
    g->p.err_path = g->log;
    pg_error why;
    pg_error_clear(&why);
    if (pg_process_start(&g->p, &why) != 0) {
        pg_process_clear(&g->p);
        return pg_error_set(err, PG_EIO, NULL, 0, 0, NULL, "gnuplot failed: %s", why.message);
    }
    g->running = 1;
    return 0;
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* First line of gnuplot's log that says something, for the error. */
static void first_log_line(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
            line[--n] = '\0';
        if (n && strstr(line, "rror")) {
            snprintf(buf, len, "%s", line);
            break;
        }
        if (n && !buf[0])
            snprintf(buf, len, "%s", line);
    }
    fclose(f);
}

/* Waits for the gnuplot children, reporting progress by the charts that
 * have appeared (they are drawn in index order). */
static int wait_gnuplot(gnuplot_run *runs, int n, const char *out, const bstat *st,
                        size_t n_benches, size_t total, int per_chart,
                        const pg_reports_options *opt, pg_error *err)
{
    int alive = 0, rc = 0;
    for (int i = 0; i < n; i++)
        alive += runs[i].running;
    size_t cursor = 0, done = 0;
    while (alive) {
        for (int i = 0; i < n; i++) {
            if (!runs[i].running)
                continue;
            pg_error why;
            pg_error_clear(&why);
            int w = opt->progress ? pg_process_poll(&runs[i].p, &why)
                                  : pg_process_finish(&runs[i].p, &why);
            if (w == 1)
                continue;
            alive--;
            runs[i].running = 0;
            pg_process_clear(&runs[i].p);
            if (w != 0) {
                char line[200];
                first_log_line(runs[i].log, line, sizeof line);
                rc = pg_error_set(err, PG_EIO, NULL, 0, 0, NULL, "gnuplot failed: %s",
                                  line[0] ? line : "no message");
            }
        }
        if (!opt->progress || !alive)
            continue;
        /* Probe the next chart files: cheap, and ordered. */
        while (cursor < n_benches) {
            if (!st[cursor].charted) {
                cursor++;
                continue;
            }
            char rel[64], path[1200];
            snprintf(rel, sizeof rel, "charts/b%04zu.%s", st[cursor].idx,
                     per_chart == 2 ? "svg" : (opt->no_png ? "svg" : "png"));
            join(path, sizeof path, out, rel);
            if (!file_exists(path))
                break;
            cursor++;
            done++;
        }
        opt->progress(opt->progress_arg, done, total);
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    if (opt->progress && rc == 0)
        opt->progress(opt->progress_arg, total, total);
    return rc;
}

static int draw_charts(const pg_hist_trend *t, bstat *st, const pg_reports_options *opt,
                       size_t *n_charts, size_t *n_overview, pg_error *err)
{
    const char *out = opt->out_dir;
    char path[1200];
    FILE *gp[2] = { NULL, NULL };
    const char *script[2] = { "charts-png.gp", "charts-svg.gp" };
    const char *logs[2] = { "gnuplot-png.log", "gnuplot-svg.log" };
    const char *pre[2] = { gp_preamble_png, gp_preamble_svg };
    int want[2] = { !opt->no_png, !opt->no_svg };
    int rc = 0;
    for (int k = 0; k < 2; k++) {
        if (!want[k])
            continue;
        join(path, sizeof path, out, script[k]);
        gp[k] = fopen(path, "w");
        if (!gp[k]) {
            rc = pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(errno));
            goto done;
        }
        fputs("# written by perfgate report: every chart of one report, in one process\n", gp[k]);
        fputs(pre[k], gp[k]);
        fputs(gp_common, gp[k]);
    }
    *n_charts = 0;
    /* One run is no trend: the first report is the table (and the
     * overview), not a page of one-point charts. */
    for (size_t b = 0; t->n_runs >= 2 && b < t->n_benches; b++) {
        if (st[b].present == 0)
            continue; /* nothing measured: no chart (the table says so) */
        rc = write_trend(t, &st[b], out, gp[0], gp[1], err);
        if (rc < 0)
            goto done;
        *n_charts += (size_t)st[b].charted;
    }
    rc = write_overview(t, st, out, gp[0], gp[1], n_overview, err);
    if (rc < 0)
        goto done;
    for (int k = 0; k < 2; k++) {
        if (gp[k]) {
            int bad = fclose(gp[k]) != 0;
            gp[k] = NULL;
            if (bad) {
                rc = pg_error_set(err, PG_EIO, script[k], 0, 0, NULL, "cannot write");
                goto done;
            }
        }
    }
    gnuplot_run runs[2];
    memset(runs, 0, sizeof runs);
    const char *gnuplot = opt->gnuplot ? opt->gnuplot : PG_GNUPLOT_PATH;
    for (int k = 0; k < 2 && !opt->scripts_only; k++)
        if (want[k] && spawn_gnuplot(&runs[k], gnuplot, out, script[k], logs[k], err))
            rc = PG_EIO;
    int wrc = wait_gnuplot(runs, 2, out, st, t->n_benches, *n_charts, want[1] && !want[0] ? 2 : 1,
                           opt, err);
    if (rc == 0)
        rc = wrc;
done:
    for (int k = 0; k < 2; k++)
        if (gp[k])
            fclose(gp[k]);
    return rc;
}

/* ---- HTML ------------------------------------------------------------- */

static const char *css =
    "body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em;"
    "color:#222}h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}"
    "h3{font-size:1em;word-break:break-all;white-space:pre-wrap}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:3px 6px;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3;cursor:pointer;user-select:none}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}td.name{word-break:break-all;"
    "white-space:pre-wrap;font-family:monospace}"
    ".banner{padding:.8em 1em;font-size:1.25em;font-weight:bold;color:#fff;border-radius:4px}"
    ".banner.fail{background:#d62728}.banner.pass{background:#2ca02c}"
    ".banner a{color:#fff}.links{font-size:.75em;font-weight:normal}"
    ".v-fails{color:#fff;background:#d62728}.v-fails "
    ".meta{color:#fde0dd}.v-warn{background:#fdae6b}"
    ".v-improved{background:#c7e9c0}.v-pass{background:#e5f5e0}.v-waived{background:#fdd49e}"
    ".v-none{background:#eee}.chart svg,.chart img{max-width:100%;height:auto}"
    ".filters select{margin-right:1em}.meta{color:#666}";

/* Sorts the verdict table by a clicked header (numbers by data-v), and
 * filters the rows and the charts by suite, kernel, profile and size. */
static const char *js =
    "(function(){'use strict';\n"
    "var t=document.getElementById('verdicts');if(!t)return;\n"
    "var heads=t.tHead.rows[0].cells,body=t.tBodies[0];\n"
    "function key(row,i){var c=row.cells[i];var v=c.getAttribute('data-v');\n"
    " return v!==null?parseFloat(v):c.textContent;}\n"
    "function sortBy(i,dir){var rows=Array.prototype.slice.call(body.rows);\n"
    " rows.sort(function(x,y){var a=key(x,i),c=key(y,i);\n"
    "  if(typeof a==='number'&&typeof c==='number'){if(isNaN(a))return 1;if(isNaN(c))return -1;"
    "return dir*(a-c);}\n"
    "  return dir*(a<c?-1:a>c?1:0);});\n"
    " rows.forEach(function(r){body.appendChild(r);});}\n"
    "Array.prototype.forEach.call(heads,function(h,i){var dir=1;\n"
    " h.addEventListener('click',function(){sortBy(i,dir);dir=-dir;});});\n"
    "var keys=['suite','kernel','profile','size'],sel={};\n"
    "function apply(){Array.prototype.forEach.call(body.rows,function(r){\n"
    "  var ok=keys.every(function(k){return "
    "!sel[k].value||r.getAttribute('data-'+k)===sel[k].value;});\n"
    "  r.hidden=!ok;var "
    "c=document.getElementById(r.getAttribute('data-b'));if(c)c.hidden=!ok;});}\n"
    "keys.forEach(function(k){var s=document.getElementById('f-'+k);sel[k]=s;var seen={};\n"
    " Array.prototype.forEach.call(body.rows,function(r){var v=r.getAttribute('data-'+k);\n"
    "  if(v&&!seen[v]){seen[v]=1;var o=document.createElement('option');o.value=v;\n"
    "  o.textContent=v;s.appendChild(o);}});s.addEventListener('change',apply);});\n"
    "document.body.setAttribute('data-sortable','ready');\n"
    "})();\n";

/* Copies an SVG file gnuplot wrote into the page: from "<svg" on, with
 * element ids prefixed per chart (gnuplot reuses the same ids in every
 * file) and nothing executable let through. */
static int inline_svg(FILE *f, const char *path, const char *prefix)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return PG_EIO;
    fseek(in, 0, SEEK_END);
    long len = ftell(in);
    fseek(in, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    if (!buf) {
        fclose(in);
        return PG_ENOMEM;
    }
    size_t got = fread(buf, 1, (size_t)len, in);
    fclose(in);
    buf[got] = '\0';
    char *p = strstr(buf, "<svg");
    if (!p || strstr(p, "<script") || strstr(p, "<foreignObject")) {
        free(buf);
        return PG_EPARSE;
    }
    int in_tag = 0;
    for (; *p; p++) {
        if (*p == '<')
            in_tag = 1;
        else if (*p == '>')
            in_tag = 0;
        if (in_tag && (!strncmp(p, "id='", 4) || !strncmp(p, "id=\"", 4))) {
            fwrite(p, 1, 4, f);
            fputs(prefix, f);
            p += 3;
            continue;
        }
        if (in_tag && *p == '#' && (!strncmp(p + 1, "gp", 2) || !strncmp(p + 1, "gnuplot", 7))) {
            fputc('#', f);
            fputs(prefix, f);
            continue;
        }
        fputc(*p, f);
    }
    free(buf);
    return 0;
}

/* A chart: drawn into the page (inline), or linked (a small page for a
 * long suite: the browser fetches it when it scrolls into view). */
static void html_chart(FILE *f, const char *out, const char *stem, int use_svg, int inlined,
                       const char *prefix)
{
    char rel[64], path[1200];
    snprintf(rel, sizeof rel, "charts/%s.svg", stem);
    join(path, sizeof path, out, rel);
    fputs("<div class=\"chart\">", f);
    if (!use_svg || !inlined || inline_svg(f, path, prefix) < 0)
        fprintf(f, "<img alt=\"%s chart\" loading=\"lazy\" src=\"charts/%s.%s\">",
                strcmp(stem, "overview") ? "trend" : "overview", stem, use_svg ? "svg" : "png");
    fputs("</div>\n", f);
}

static const char *row_verdict(const bstat *s)
{
    if (s->verdict[0])
        return s->verdict;
    return s->in_latest ? "" : "vanished";
}

/* The verdict cell's class: what it means for the gate. */
static const char *verdict_class(const bstat *s)
{
    if (s->fails)
        return "fails";
    if (s->rank == 8)
        return "warn";
    const char *v = row_verdict(s);
    if (!strcmp(v, "pass") || !strcmp(v, "improved") || !strcmp(v, "waived"))
        return v;
    return "none";
}

static void html_num(FILE *f, double v, const char *text)
{
    if (isnan(v))
        fprintf(f, "<td class=\"n\" data-v=\"NaN\">%s</td>", text);
    else
        fprintf(f, "<td class=\"n\" data-v=\"%.9g\">%s</td>", v, text);
}

/* The limit a verdict judges by: "ceiling 910x" (relative), "ceiling
 * 1.2 us" (absolute), or "-". */
static void fmt_limit(char *buf, size_t len, double max_ratio, double budget_ns)
{
    if (max_ratio > 0)
        snprintf(buf, len, "ceiling %.3gx", max_ratio);
    else if (!isnan(budget_ns)) {
        char tm[48];
        fmt_time(tm, sizeof tm, budget_ns);
        snprintf(buf, len, "ceiling %s", tm);
    } else
        snprintf(buf, len, "-");
}

/* Worst first: failing, warnings, waived...; then nearest its limit;
 * then by name. */
static int cmp_severity(const void *a, const void *b)
{
    const bstat *x = *(const bstat *const *)a, *y = *(const bstat *const *)b;
    if (x->rank != y->rank)
        return y->rank - x->rank;
    double rx = isnan(x->budget_ratio) ? -INFINITY : x->budget_ratio;
    double ry = isnan(y->budget_ratio) ? -INFINITY : y->budget_ratio;
    if (rx != ry)
        return rx < ry ? 1 : -1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* A CI value of an expected shape: digits, hex, owner/name, an http(s)
 * origin; anything else is left off the page. */
static int ci_ok(const char *v, const char *allowed, size_t max)
{
    if (!v || !*v || strlen(v) > max)
        return 0;
    for (const char *p = v; *p; p++)
        if (!strchr(allowed, *p))
            return 0;
    return 1;
}

#define CI_DIGITS "0123456789"
#define CI_HEX CI_DIGITS "abcdefABCDEF"
#define CI_NAME CI_DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-"

static void ci_links(FILE *f, const pg_hist_show *latest, const pg_reports_options *opt)
{
    const char *server = opt->ci_server, *repo = opt->ci_repository;
    int base_ok = server && (!strncmp(server, "https://", 8) || !strncmp(server, "http://", 7)) &&
                  ci_ok(strchr(server, ':') + 3, CI_NAME ":", 200) &&
                  ci_ok(repo, CI_NAME "/", 200) && strchr(repo, '/');
    if (!base_ok)
        return;
    const char *sha = opt->ci_sha ? opt->ci_sha : latest ? latest->info.commit : NULL;
    fputs("<div class=\"links\">", f);
    if (ci_ok(sha, CI_HEX, 64))
        fprintf(f, "<a id=\"commit-link\" href=\"%s/%s/commit/%s\">commit %.10s</a> ", server, repo,
                sha, sha);
    if (ci_ok(opt->ci_pr, CI_DIGITS, 12))
        fprintf(f, "<a id=\"pr-link\" href=\"%s/%s/pull/%s\">pull request #%s</a> ", server, repo,
                opt->ci_pr, opt->ci_pr);
    if (ci_ok(opt->ci_run_id, CI_DIGITS, 24))
        fprintf(f, "<a id=\"run-link\" href=\"%s/%s/actions/runs/%s\">CI run %s</a>", server, repo,
                opt->ci_run_id, opt->ci_run_id);
    fputs("</div>", f);
}

/* bench's index in the trend (names sorted), or -1. */
static long find_bench(const pg_hist_trend *t, const char *bench)
{
    size_t lo = 0, hi = t->n_benches;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t->benches[mid], bench);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The verdicts that fail the gate, each with the limit it broke, why, and
 * its owner; the benchmark links to its chart. */
static void html_failing(FILE *f, const pg_hist_trend *t, const bstat *st,
                         const pg_hist_show *latest)
{
    size_t n = 0;
    for (size_t i = 0; latest && i < latest->n_verdicts; i++)
        n += (size_t)pg_hist_verdict_fails(latest->verdicts[i].verdict, latest->verdicts[i].warn);
    if (!n)
        return;
    fputs("<h2>Failing</h2>\n<table id=\"failing\"><thead><tr><th>benchmark</th><th>verdict</th>"
          "<th>limit broken</th><th>why</th><th>owner</th><th>budget</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < latest->n_verdicts; i++) {
        const pg_hist_verdict *v = &latest->verdicts[i];
        if (!pg_hist_verdict_fails(v->verdict, v->warn))
            continue;
        char lim[64];
        fmt_limit(lim, sizeof lim, v->max_ratio, v->budget_ns);
        long b = find_bench(t, v->bench);
        fputs("<tr><td class=\"name\">", f);
        if (b >= 0 && st[b].charted)
            fprintf(f, "<a href=\"#b%04ld\">", b);
        pg_escape_html(f, v->bench);
        if (b >= 0 && st[b].charted)
            fputs("</a>", f);
        fputs("</td><td class=\"v-fails\">", f);
        pg_escape_html(f, v->verdict);
        fputs(" <span class=\"meta\">(", f);
        pg_escape_html(f, v->metric);
        fprintf(f, ")</span></td><td class=\"limit\">%s</td><td>", lim);
        if (v->detail)
            pg_escape_html(f, v->detail);
        else if (b >= 0 && !isnan(v->budget_ns) && !isnan(st[b].median)) {
            char med[48];
            fmt_time(med, sizeof med, st[b].median);
            fprintf(f, "median %s above the %s", med, lim);
        } else
            fputs("-", f);
        fputs("</td><td class=\"owner\">", f);
        pg_escape_html(f, v->owner ? v->owner : "-");
        fputs("</td><td>", f);
        pg_escape_html(f, v->budget ? v->budget : "-");
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* A name's parts for the filters: suite/kernel/profile/.../size. */
static void name_attr(FILE *f, const char *key, const char *name, int part, int last)
{
    const char *p = name, *end;
    int slashes = 0;
    for (const char *q = name; *q; q++)
        slashes += *q == '/';
    if (last) {
        if (slashes < 3)
            return;
        p = strrchr(name, '/') + 1;
        for (const char *q = p; *q; q++)
            if (*q < '0' || *q > '9')
                return;
    } else {
        if (part > slashes)
            return;
        for (int i = 0; i < part; i++)
            p = strchr(p, '/') + 1;
    }
    end = strchr(p, '/');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char buf[128];
    if (!n || n >= sizeof buf)
        return;
    memcpy(buf, p, n);
    buf[n] = '\0';
    fprintf(f, " data-%s=\"", key);
    pg_escape_html(f, buf);
    fputc('"', f);
}

static void html_row(FILE *f, const pg_hist_trend *t, const bstat *s)
{
    char med[48], lo[48], hi[48], lim[64], ratio[64], chg[48], bchg[48], iv[100];
    fmt_time(med, sizeof med, s->median);
    fmt_time(lo, sizeof lo, s->lo);
    fmt_time(hi, sizeof hi, s->hi);
    fmt_limit(lim, sizeof lim, s->relative ? s->max_ratio : NAN, s->budget);
    snprintf(iv, sizeof iv, "%s - %s", lo, hi);
    if (s->relative && !isnan(s->ratio))
        snprintf(ratio, sizeof ratio, "%.3gx calibration (%.2f of the ceiling)", s->ratio,
                 s->budget_ratio);
    else
        snprintf(ratio, sizeof ratio, isnan(s->budget_ratio) ? "-" : "%.3f", s->budget_ratio);
    snprintf(chg, sizeof chg, isnan(s->change) ? "-" : "%+.1f%%", s->change * 100);
    snprintf(bchg, sizeof bchg, isnan(s->base_change) ? "-" : "%+.1f%%", s->base_change * 100);
    const char *v = row_verdict(s), *name = t->benches[s->idx];
    fprintf(f, "<tr data-b=\"b%04zu\"", s->idx);
    name_attr(f, "suite", name, 0, 0);
    name_attr(f, "kernel", name, 1, 0);
    name_attr(f, "profile", name, 2, 0);
    name_attr(f, "size", name, 0, 1);
    fputs("><td class=\"name\">", f);
    if (s->charted)
        fprintf(f, "<a href=\"#b%04zu\">", s->idx);
    pg_escape_html(f, name);
    if (s->charted)
        fputs("</a>", f);
    fprintf(f, "</td><td class=\"v-%s\" data-v=\"%d\">%s</td>", verdict_class(s), -s->rank,
            v[0] ? v : "-");
    html_num(f, s->median, med);
    html_num(f, s->lo, iv);
    fprintf(f, "<td class=\"limit\">%s</td>", lim);
    html_num(f, s->budget_ratio, ratio);
    html_num(f, s->base_change, bchg);
    html_num(f, s->change, chg);
    fputs("<td class=\"owner\">", f);
    pg_escape_html(f, s->owner ? s->owner : "-");
    fprintf(f, "</td><td class=\"n\" data-v=\"%zu\">%zu</td></tr>\n", s->present, s->present);
}

static int write_html(const pg_hist_trend *t, bstat *st, const pg_hist_show *latest,
                      const pg_reports_options *opt, const pg_reports_changes *cs, long base,
                      int base_oldest, size_t n_overview, pg_error *err)
{
    size_t n = t->n_benches, failed = 0;
    const bstat **order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    for (size_t b = 0; b < n; b++) {
        order[b] = &st[b];
        failed += (size_t)st[b].fails;
        /* the first failing charts are drawn into the page; a wholesale
         * failure links the rest, like the passing ones */
        st[b].inlined = st[b].fails && failed <= 20;
    }
    qsort(order, n, sizeof *order, cmp_severity);
    char path[1200];
    join(path, sizeof path, opt->out_dir, "index.html");
    pg_afile *af = pg_afile_open(path, err);
    if (!af) {
        free(order);
        return PG_EIO;
    }
    FILE *f = pg_afile_stream(af);
    const char *title = opt->title ? opt->title : "perfgate trends";
    int use_svg = !opt->no_svg;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n", f);
    fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "img-src 'self' data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n",
          f);
    fputs("<title>", f);
    pg_escape_html(f, title);
    fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1>", css);
    pg_escape_html(f, title);
    fputs("</h1>\n", f);

    /* The decision first. */
    if (!latest)
        fputs("<div id=\"banner\" class=\"banner pass\">No run recorded yet.", f);
    else if (failed)
        fprintf(f,
                "<div id=\"banner\" class=\"banner fail\">FAIL: %zu of %zu benchmarks fail "
                "the gate.",
                failed, n);
    else
        fprintf(f,
                "<div id=\"banner\" class=\"banner pass\">PASS: none of %zu benchmarks fails "
                "the gate.",
                n);
    ci_links(f, latest, opt);
    fputs("</div>\n<p class=\"meta\">", f);
    fprintf(f, "%zu benchmarks over %zu runs", n, t->n_runs);
    if (t->n_runs) {
        fputs(", from ", f);
        pg_escape_html(f, t->runs[0].timestamp);
        fputs(" to ", f);
        pg_escape_html(f, t->runs[t->n_runs - 1].timestamp);
    }
    if (latest && latest->info.commit[0]) {
        fputs("; newest at commit ", f);
        pg_escape_html(f, latest->info.commit);
    }
    if (base >= 0) {
        fprintf(f,
                base_oldest ? "; no baseline recorded: changes are against the oldest run "
                              "shown, run %lld"
                            : "; baseline run %lld",
                (long long)t->runs[base].id);
        if (t->runs[base].commit[0]) {
            fputs(" (", f);
            pg_escape_html(f, t->runs[base].commit);
            fputs(")", f);
        }
    }
    if (opt->history_label) {
        fputs(". History: ", f);
        pg_escape_html(f, opt->history_label);
    }
    fputs(".</p>\n", f);
    fprintf(f, "<p id=\"status\">Newest run: <b>%zu failing</b> of %zu benchmarks.</p>\n", failed,
            n);
    /* After the decision, before every per-benchmark table: where the
     * levels shifted, and what crept. */
    if (reports_html_changes(f, t, cs) < 0) {
        pg_afile_abort(af);
        free(order);
        return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    html_failing(f, t, st, latest);

    fputs("<h2>Verdicts of the newest run</h2>\n<p class=\"meta\">Worst first; click a column "
          "to sort. A relative budget is a ratio to its calibration benchmark of the same run, "
          "under a ceiling.</p>\n<p class=\"filters\">",
          f);
    const char *keys[4] = { "suite", "kernel", "profile", "size" };
    for (int k = 0; k < 4; k++)
        fprintf(f,
                "<label>%s <select id=\"f-%s\"><option value=\"\">all</option></select>"
                "</label>",
                keys[k], keys[k]);
    fputs("</p>\n", f);
    fprintf(f, "<table id=\"verdicts\"><thead><tr><th>benchmark</th><th>verdict</th>"
               "<th>median</th><th>95%% interval</th><th>limit</th><th>vs limit</th>"
               "<th>change vs baseline</th><th>change vs previous</th><th>owner</th>"
               "<th>runs</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < n; i++)
        html_row(f, t, order[i]);
    fputs("</tbody></table>\n", f);

    fputs("<h2>Overview</h2>\n", f);
    if (n_overview)
        html_chart(f, opt->out_dir, "overview", use_svg, 0, "ov-");
    else
        fputs("<p>No benchmark of the newest run has a budget to compare with.</p>\n", f);

    fputs("<h2>Waivers</h2>\n", f);
    if (!latest || latest->n_waivers == 0) {
        fputs("<p>No waivers in force.</p>\n", f);
    } else {
        fputs("<table id=\"waivers\"><tr><th>benchmark</th><th>reason</th><th>ticket</th>"
              "<th>expires</th></tr>\n",
              f);
        for (size_t i = 0; i < latest->n_waivers; i++) {
            const pg_hist_waiver *w = &latest->waivers[i];
            const char *cells[4] = { w->bench, w->reason, w->ticket, w->expires };
            fputs("<tr>", f);
            for (int k = 0; k < 4; k++) {
                fputs(k == 0 ? "<td class=\"name\">" : "<td>", f);
                pg_escape_html(f, cells[k] ? cells[k] : "");
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
        fputs("</table>\n", f);
    }

    fputs("<h2>Trends</h2>\n", f);
    if (t->n_runs < 2) {
        fputs("<p>The first run: trends are drawn from the second run on.</p>\n", f);
    } else {
        fputs("<p class=\"meta\">Worst first. Median per run with its 95% interval (band) and "
              "the budget (dashed); for a relative budget, the ratio to the calibration and its "
              "ceiling (dashed). Runs that failed the gate are circled in red, waived runs "
              "shaded; gaps are runs without the benchmark. A change point is a dotted line where "
              "the level shifted (red slower, green faster), labelled with the shift of the "
              "median and its 95% interval, the runs where it may have happened shaded; a "
              "creep is labelled at the bottom.</p>\n",
              f);
        for (size_t i = 0; i < n; i++) {
            const bstat *s = order[i];
            if (!s->present)
                continue;
            fprintf(f, "<section id=\"b%04zu\"><h3>", s->idx);
            pg_escape_html(f, t->benches[s->idx]);
            fputs("</h3>\n", f);
            if (s->charted) {
                char stem[16], prefix[16];
                snprintf(stem, sizeof stem, "b%04zu", s->idx);
                snprintf(prefix, sizeof prefix, "c%zu-", s->idx);
                html_chart(f, opt->out_dir, stem, use_svg, s->inlined, prefix);
            } else {
                fputs("<p>No ratio to the calibration recorded.</p>\n", f);
            }
            fputs("</section>\n", f);
        }
    }
    fputs("<h2>Environment of the newest run</h2>\n", f);
    if (!latest) {
        fputs("<p>No run recorded.</p>\n", f);
    } else {
        fputs("<table id=\"environment\">", f);
        const char *fixed[4][2] = { { "run", NULL },
                                    { "commit", latest->info.commit },
                                    { "branch", latest->info.branch },
                                    { "recorded", latest->info.timestamp } };
        char idbuf[32];
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)latest->info.id);
        fixed[0][1] = idbuf;
        for (int k = 0; k < 4; k++) {
            fputs("<tr><th>", f);
            pg_escape_html(f, fixed[k][0]);
            fputs("</th><td>", f);
            pg_escape_html(f, fixed[k][1]);
            fputs("</td></tr>\n", f);
        }
        for (size_t i = 0; i < latest->n_env; i++) {
            fputs("<tr><th>", f);
            pg_escape_html(f, latest->env[i].key);
            fputs("</th><td>", f);
            pg_escape_html(f, latest->env[i].value ? latest->env[i].value : "");
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    fprintf(f, "<script>%s</script>\n</body></html>\n", js);
    free(order);
    return pg_afile_commit(af, err);
}

/* ---- Markdown --------------------------------------------------------- */

/* Worst first: by verdict severity, then the largest slow-down. */
static int cmp_worst(const void *a, const void *b)
{
    const bstat *x = *(const bstat *const *)a, *y = *(const bstat *const *)b;
    if (x->rank != y->rank)
        return y->rank - x->rank;
    double cx = isnan(x->change) ? -INFINITY : x->change;
    double cy = isnan(y->change) ? -INFINITY : y->change;
    if (cx != cy)
        return cx < cy ? 1 : -1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static int markdown(const pg_hist_trend *t, const bstat *st, const pg_hist_show *latest,
                    const pg_reports_changes *cs, size_t max_rows, FILE *f)
{
    size_t n = t->n_benches, failed = 0;
    const bstat **v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return PG_ENOMEM;
    for (size_t b = 0; b < n; b++) {
        v[b] = &st[b];
        failed += (size_t)st[b].fails;
    }
    qsort(v, n, sizeof *v, cmp_worst);
    fprintf(f, "### perfgate trends\n\n");
    fprintf(f, "%s **%zu failing** of %zu benchmarks in the newest run (%zu runs in the history",
            failed ? ":x:" : ":white_check_mark:", failed, n, t->n_runs);
    if (latest && latest->info.commit[0]) {
        fputs(", newest at commit `", f);
        for (const char *p = latest->info.commit; *p; p++)
            fputc(*p == '`' || *p == '\n' ? ' ' : *p, f);
        fputc('`', f);
    }
    fputs(").\n\n", f);
    int rc = reports_md_changes(f, t, cs, max_rows);
    if (rc < 0) {
        free(v);
        return rc;
    }
    size_t rows = max_rows && max_rows < n ? max_rows : n;
    if (rows) {
        fputs("| benchmark | verdict | median | change vs previous | limit | vs limit | owner |\n",
              f);
        fputs("|---|---|--:|--:|--:|--:|---|\n", f);
    }
    for (size_t i = 0; i < rows; i++) {
        const bstat *s = v[i];
        char med[48];
        fmt_time(med, sizeof med, s->median);
        fputs("| ", f);
        pg_escape_md(f, t->benches[s->idx]);
        const char *verdict = row_verdict(s);
        fprintf(f, " | %s%s%s | %s | ", s->fails ? "**" : "", verdict[0] ? verdict : "-",
                s->fails ? "**" : "", med);
        if (isnan(s->change))
            fputs("- | ", f);
        else
            fprintf(f, "%+.1f%% | ", s->change * 100);
        char lim[64];
        fmt_limit(lim, sizeof lim, s->relative ? s->max_ratio : NAN, s->budget);
        fprintf(f, "%s | ", lim);
        if (isnan(s->budget_ratio))
            fputs("- | ", f);
        else if (s->relative && !isnan(s->ratio))
            fprintf(f, "%.3gx (%.3f) | ", s->ratio, s->budget_ratio);
        else
            fprintf(f, "%.3f | ", s->budget_ratio);
        pg_escape_md(f, s->owner ? s->owner : "-");
        fputs(" |\n", f);
    }
    if (rows < n)
        fprintf(f, "\n... and %zu more in the full report.\n", n - rows);
    if (latest && latest->n_waivers) {
        fprintf(f, "\n**Waivers in force (%zu):**\n\n", latest->n_waivers);
        for (size_t i = 0; i < latest->n_waivers; i++) {
            const pg_hist_waiver *w = &latest->waivers[i];
            fputs("- ", f);
            pg_escape_md(f, w->bench);
            fputs(": ", f);
            pg_escape_md(f, w->reason ? w->reason : "");
            if (w->ticket) {
                fputs(" (", f);
                pg_escape_md(f, w->ticket);
                fputs(")", f);
            }
            if (w->expires) {
                fputs(", expires ", f);
                pg_escape_md(f, w->expires);
            }
            fputc('\n', f);
        }
    }
    free(v);
    return ferror(f) ? PG_EIO : 0;
}

int pg_reports_markdown(const pg_hist_trend *t, const pg_hist_show *latest,
                        const pg_reports_options *opt, size_t max_rows, FILE *f)
{
    if (!t || !f)
        return PG_EINVAL;
    pg_reports_changes cs;
    int rc = pg_reports_changes_find(t, NULL, opt ? opt->baseline_run : 0, opt ? opt->tolerance : 0,
                                     &cs, NULL);
    bstat *st = calloc(t->n_benches ? t->n_benches : 1, sizeof *st);
    if (rc == 0 && !st)
        rc = PG_ENOMEM;
    if (rc == 0) {
        compute_stats(t, latest, -1, st);
        rc = markdown(t, st, latest, &cs, max_rows, f);
    }
    free(st);
    pg_reports_changes_free(&cs);
    return rc;
}

/* ---- Entry point ------------------------------------------------------ */

/* What a report folder holds at its top: an existing --out with anything
 * else in it is not ours to replace. */
static int report_entry(const char *name)
{
    static const char *const ours[] = {
        "index.html",    "summary.md",    "charts",          "data",
        "charts-png.gp", "charts-svg.gp", "gnuplot-png.log", "gnuplot-svg.log",
    };
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
        if (!strcmp(name, ours[i]))
            return 1;
    return 0;
}

/* The whole report into opt->out_dir, a fresh folder of our own. */
static int write_report(const pg_hist_trend *t, const pg_hist_show *latest,
                        const pg_reports_options *opt, pg_reports_summary *sum, pg_error *err)
{
    char path[1200];
    int rc;
    join(path, sizeof path, opt->out_dir, "charts");
    if ((rc = mkdir_p(path, err)) < 0)
        return rc;
    join(path, sizeof path, opt->out_dir, "data");
    if ((rc = mkdir_p(path, err)) < 0)
        return rc;

    bstat *st = calloc(t->n_benches ? t->n_benches : 1, sizeof *st);
    if (!st)
        return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    long base = -1;
    for (size_t r = 0; opt->baseline_run && r < t->n_runs; r++)
        if (t->runs[r].id == opt->baseline_run)
            base = (long)r;
    /* No baseline recorded (or it is older than the runs shown): the
     * change is against the oldest run shown, and the page says so. */
    int base_oldest = base < 0 && t->n_runs >= 2;
    if (base_oldest)
        base = 0;
    compute_stats(t, latest, base, st);
    /* The change points of every benchmark, as `history changes` finds
     * them: creep from the baseline run (else the first shown). */
    pg_reports_changes cs;
    rc = pg_reports_changes_find(t, NULL, opt->baseline_run, opt->tolerance, &cs, err);
    for (size_t b = 0; rc == 0 && b < t->n_benches; b++)
        st[b].news = &cs.news[b]; /* every benchmark analysed: news[b] is bench b */
    size_t n_charts = 0, n_overview = 0;
    if (rc == 0)
        rc = draw_charts(t, st, opt, &n_charts, &n_overview, err);
    if (rc == 0)
        rc = write_html(t, st, latest, opt, &cs, base, base_oldest, n_overview, err);
    if (rc == 0) {
        join(path, sizeof path, opt->out_dir, "summary.md");
        pg_afile *af = pg_afile_open(path, err);
        if (!af)
            rc = PG_EIO;
        else if ((rc = markdown(t, st, latest, &cs, 50, pg_afile_stream(af))) < 0)
            pg_afile_abort(af);
        else
            rc = pg_afile_commit(af, err);
    }
    if (sum) {
        sum->n_benches = t->n_benches;
        sum->n_runs = t->n_runs;
        sum->n_charts = n_charts;
        sum->n_failed = 0;
        for (size_t b = 0; b < t->n_benches; b++)
            sum->n_failed += (size_t)st[b].fails;
        sum->n_changes = cs.n_changes;
        sum->n_creep = cs.n_creep;
    }
    pg_reports_changes_free(&cs);
    free(st);
    return rc;
}

/* The report is drawn in a fresh folder beside out_dir (mkdtemp: made by
 * this process, empty, so no link planted in out_dir is ever written
 * through) and put in place as a whole (pg_dir_commit), so two reports
 * into one out_dir leave one of them, never one's table with the other's
 * charts, and a reader or a kill sees the old report or the new one. */
int pg_reports_write(const pg_hist_trend *t, const pg_hist_show *latest,
                     const pg_reports_options *opt, pg_reports_summary *sum, pg_error *err)
{
    if (!t || !opt || !opt->out_dir || !*opt->out_dir)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no output directory given");
    if (opt->no_png && opt->no_svg)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no chart format left to draw");
    /* "out/" names the folder, not what a link called out points to */
    char dest[1024];
    size_t n = (size_t)snprintf(dest, sizeof dest, "%s", opt->out_dir);
    if (n >= sizeof dest)
        return pg_error_set(err, PG_ELIMIT, opt->out_dir, 0, 0, NULL, "output path too long");
    while (n > 1 && dest[n - 1] == '/')
        dest[--n] = '\0';
    int rc = pg_dir_replaceable(dest, report_entry, err);
    if (rc < 0)
        return rc;
    char tmp[1024]; /* room below the 1200 bytes of the paths made in it */
    if ((rc = pg_dir_begin(dest, tmp, sizeof tmp, err)) < 0)
        return rc;
    pg_reports_options inner = *opt;
    inner.out_dir = tmp;
    rc = write_report(t, latest, &inner, sum, err);
    if (rc == 0)
        return pg_dir_commit(tmp, dest, report_entry, err);
    pg_remove_tree(tmp);
    return rc;
}
