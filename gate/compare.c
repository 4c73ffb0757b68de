/*
 * compare.c - two runs side by side, as benchstat does: medians with their
 * intervals, the ratio B/A (Hodges-Lehmann on logs, Moses' interval), a
 * two-sided Mann-Whitney p-value and a marker when it is significant.
 */
#include "internal.h"
#include "stats_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void med_ci(const double *src, size_t n, double *tmp, double *med, double *lo, double *hi)
{
    *med = *lo = *hi = NAN;
    if (n == 0)
        return;
    memcpy(tmp, src, n * sizeof *tmp);
    gate_stats_sort(tmp, n);
    *med = pg_stats_median(tmp, n);
    pg_stats_median_ci(tmp, n, PG_MEDIAN_CONF, lo, hi, NULL);
}

static int positive(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(v[i] > 0))
            return 0;
    return n > 0;
}

/* The figure a fit row is compared on: the metric's coefficient (BigO) or
 * the RMS; NaN for NULL. */
static double fit_value(const pg_result *r, int metric)
{
    if (!r)
        return NAN;
    if (r->complexity == PG_CX_RMS)
        return r->rms;
    return metric == PG_METRIC_CPU ? r->cpu_coefficient : r->real_coefficient;
}

static int fill(pg_comparison *c, const pg_result *a, const pg_result *b, int metric, double alpha,
                gate_mw_cache *cache)
{
    memset(c, 0, sizeof *c);
    c->name = a ? a->name : b->name;
    c->metric = metric;
    c->med_a = c->lo_a = c->hi_a = c->med_b = c->lo_b = c->hi_b = NAN;
    c->ratio = c->ratio_lo = c->ratio_hi = c->p = NAN;
    if ((a && a->complexity) || (b && b->complexity)) {
        c->fit_a = a && a->complexity ? a : NULL;
        c->fit_b = b && b->complexity ? b : NULL;
        double fa = fit_value(c->fit_a, metric), fb = fit_value(c->fit_b, metric);
        if (fa > 0 && !isnan(fb))
            c->ratio = fb / fa;
        return 0;
    }
    const double *xa = a ? (metric == PG_METRIC_CPU ? a->cpu_ns : a->real_ns) : NULL;
    const double *xb = b ? (metric == PG_METRIC_CPU ? b->cpu_ns : b->real_ns) : NULL;
    c->na = a ? a->n : 0;
    c->nb = b ? b->n : 0;
    size_t m = c->na, n = c->nb;
    double *w = malloc((m * n + 2 * (m + n) + 1) * sizeof *w);
    if (!w)
        return PG_ENOMEM;
    double *la = w + m * n, *lb = la + m;
    med_ci(xa, m, la, &c->med_a, &c->lo_a, &c->hi_a);
    med_ci(xb, n, lb, &c->med_b, &c->lo_b, &c->hi_b);
    if (m && n) {
        c->p = gate_stats_mw_cached(xb, n, xa, m, PG_ALT_TWO_SIDED, NULL, NULL, cache);
        c->significant = c->p < alpha;
        if (positive(xa, m) && positive(xb, n)) {
            for (size_t i = 0; i < m; i++)
                la[i] = log(xa[i]);
            for (size_t j = 0; j < n; j++)
                lb[j] = log(xb[j]);
            double s, l, h;
            gate_stats_hl_cached(lb, n, la, m, 0.95, w, &s, &l, &h, cache);
            c->ratio = exp(s);
            c->ratio_lo = exp(l);
            c->ratio_hi = exp(h);
        } else if (c->med_a != 0) {
            c->ratio = c->med_b / c->med_a;
        }
    }
    free(w);
    return 0;
}

int pg_compare_runs(const pg_results *a, const pg_results *b, int metric, double alpha,
                    pg_comparison **out, size_t *count, pg_error *err)
{
    size_t cap = pg_results_count(a) + pg_results_count(b), n = 0;
    pg_comparison *list = malloc((cap ? cap : 1) * sizeof *list);
    if (!list)
        return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    gate_mw_cache cache = { 0 };
    int rc = 0;
    for (size_t i = 0; i < pg_results_count(a) && !rc; i++) {
        const pg_result *x = pg_results_get(a, i);
        rc = fill(&list[n++], x, pg_results_find(b, x->name), metric, alpha, &cache);
    }
    for (size_t i = 0; i < pg_results_count(b) && !rc; i++) {
        const pg_result *y = pg_results_get(b, i);
        if (!pg_results_find(a, y->name))
            rc = fill(&list[n++], NULL, y, metric, alpha, &cache);
    }
    gate_mw_cache_free(&cache);
    if (rc) {
        free(list);
        return pg_error_set(err, rc, NULL, 0, 0, NULL, "out of memory");
    }
    *out = list;
    *count = n;
    return 0;
}

static void fmt_time(double ns, char *buf, size_t len)
{
    if (isnan(ns))
        snprintf(buf, len, "-");
    else if (fabs(ns) < 1e3)
        snprintf(buf, len, "%.3gns", ns);
    else if (fabs(ns) < 1e6)
        snprintf(buf, len, "%.3gus", ns / 1e3);
    else if (fabs(ns) < 1e9)
        snprintf(buf, len, "%.3gms", ns / 1e6);
    else
        snprintf(buf, len, "%.3gs", ns / 1e9);
}

/* A fit row's cell: "BigO 31.4ps * NlgN" or "RMS 2.25%". */
static void fit_cell(const pg_result *r, int metric, char *buf, size_t len)
{
    char big_o[24];
    pg_escape_term(r->big_o ? r->big_o : "f(N)", big_o, sizeof big_o);
    if (r->complexity == PG_CX_RMS)
        snprintf(buf, len, "RMS %.3g%%", 100.0 * r->rms);
    else
        snprintf(buf, len, "BigO %.4gns * %s", fit_value(r, metric), big_o);
}

static void cell(double med, double lo, double hi, size_t n, char *buf, size_t len)
{
    char m[24], l[24], h[24];
    if (n == 0) {
        snprintf(buf, len, "(absent)");
        return;
    }
    fmt_time(med, m, sizeof m);
    fmt_time(lo, l, sizeof l);
    fmt_time(hi, h, sizeof h);
    snprintf(buf, len, "%s [%s, %s] n=%zu", m, l, h, n);
}

int pg_compare_write_table(const pg_comparison *c, size_t n, double alpha, FILE *f, int colour)
{
    size_t width = 9;
    for (size_t i = 0; i < n; i++)
        if (strlen(c[i].name) > width)
            width = strlen(c[i].name);
    if (width > 60)
        width = 60;
    fprintf(f, "%-*s  %-36s  %-36s  %-28s  %s\n", (int)width, "BENCHMARK", "A: MEDIAN [95% CI]",
            "B: MEDIAN [95% CI]", "B/A [95% CI]", "P");
    size_t slower = 0, faster = 0;
    for (size_t i = 0; i < n; i++) {
        char name[512], a[128], b[128], r[64], p[32];
        pg_escape_term(c[i].name, name, sizeof name);
        if (c[i].fit_a || c[i].fit_b) {
            if (c[i].fit_a)
                fit_cell(c[i].fit_a, c[i].metric, a, sizeof a);
            else
                snprintf(a, sizeof a, "(absent)");
            if (c[i].fit_b)
                fit_cell(c[i].fit_b, c[i].metric, b, sizeof b);
            else
                snprintf(b, sizeof b, "(absent)");
        } else {
            cell(c[i].med_a, c[i].lo_a, c[i].hi_a, c[i].na, a, sizeof a);
            cell(c[i].med_b, c[i].lo_b, c[i].hi_b, c[i].nb, b, sizeof b);
        }
        if (isnan(c[i].ratio))
            snprintf(r, sizeof r, "-");
        else if (isnan(c[i].ratio_lo))
            snprintf(r, sizeof r, "%.3fx", c[i].ratio);
        else
            snprintf(r, sizeof r, "%.3fx [%.3f, %.3f]", c[i].ratio, c[i].ratio_lo, c[i].ratio_hi);
        if (isnan(c[i].p))
            snprintf(p, sizeof p, "-");
        else
            snprintf(p, sizeof p, "p=%.3f%s", c[i].p, c[i].significant ? " *" : "");
        const char *on = "", *off = "";
        if (colour && c[i].significant) {
            on = c[i].ratio > 1 ? "\033[31m" : "\033[32m";
            off = "\033[0m";
        }
        if (c[i].significant) {
            if (c[i].ratio > 1)
                slower++;
            else
                faster++;
        }
        fprintf(f, "%-*s  %-36s  %-36s  %s%-28s%s  %s\n", (int)width, name, a, b, on, r, off, p);
    }
    fprintf(f,
            "\n%zu benchmarks; %zu significantly slower in B, %zu faster (* p < %g, "
            "two-sided Mann-Whitney)\n",
            n, slower, faster, alpha);
    return ferror(f) ? PG_EIO : 0;
}
