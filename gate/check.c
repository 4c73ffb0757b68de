/*
 * check.c - the verdict engine: one run against budgets and a baseline.
 *
 * For every benchmark in the run, the budgets resolve to a policy
 * (budget.c); each limit in it becomes one verdict per metric:
 *  - a ceiling (absolute, counter, relative to a calibration benchmark) is
 *    breached when the median is above it AND a one-sided test says so at
 *    the policy's alpha (sign test for absolute values, Mann-Whitney on
 *    the scaled samples for ratios to the calibration);
 *  - a regression needs a significant Mann-Whitney test against the
 *    baseline's samples AND a Hodges-Lehmann ratio beyond the tolerance
 *    (and beyond min_effect); an improvement is the mirror image;
 *  - with fewer samples than the policy requires, a verdict that is not a
 *    clear failure is "insufficient", which fails: too few repetitions are
 *    said plainly, never passed silently.
 * Waivers turn failing verdicts into "waived"; expired waivers fail.
 * docs/statistics.md gives the reasoning and references.
 *
 * The gate fails closed (SPEC.md): what it could not judge is never a
 * pass.  No benchmarks, or nothing any budget applies to, is an error; a
 * budget that matches no benchmark of the run is "missing" (unless it says
 * "optional"); a reference that cannot be divided by (a baseline or
 * calibration sample that is zero, negative or not finite) makes the
 * verdict "insufficient"; an allocation failure anywhere makes
 * pg_gate_check return NULL, never a report with verdicts left out.
 */
#include "internal.h"
#include "stats_internal.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct pg_verdicts {
    pg_verdict *v;
    size_t n, cap;
    const pg_waiver **active;
    size_t nactive;
    int failed;
    size_t judged; /* verdicts that some budget asked for */
    /* working memory, reused across benchmarks */
    gate_mw_cache cache;
    double *work;
    size_t work_cap;
    /* the history's typical spread between runs, by profile class and
     * metric (pool_spreads); NaN where it holds too few benchmarks */
    double pooled[4][2];
    /* 1: the run interleaved its repetitions and the baseline did not; -1:
     * the other way; 0: alike or not known */
    int interleave_differs;
};

static const char *const kind_names[PG_V_COUNT] = {
    "pass",    "improved",   "regression",  "breach",       "waived",
    "missing", "unbudgeted", "unavailable", "insufficient", "expired-waiver",
};

const char *pg_verdict_name(pg_verdict_kind k)
{
    return k < PG_V_COUNT ? kind_names[k] : "?";
}

static int kind_fails(pg_verdict_kind k)
{
    return k == PG_V_REGRESSION || k == PG_V_BREACH || k == PG_V_MISSING ||
           k == PG_V_INSUFFICIENT || k == PG_V_EXPIRED;
}

static pg_verdict *add(pg_verdicts *r, const char *bench, const char *metric, pg_verdict_kind kind)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        pg_verdict *nv = realloc(r->v, cap * sizeof *nv);
        if (!nv)
            return NULL;
        r->v = nv;
        r->cap = cap;
    }
    pg_verdict *v = &r->v[r->n++];
    memset(v, 0, sizeof *v);
    v->bench = bench;
    snprintf(v->metric, sizeof v->metric, "%s", metric);
    v->kind = kind;
    v->value = v->lo = v->hi = v->limit = v->base = NAN;
    v->ratio = v->ratio_lo = v->ratio_hi = v->p = v->run_spread = NAN;
    v->unit = "";
    return v;
}

static void note(pg_verdict *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void note(pg_verdict *v, const char *fmt, ...)
{
    size_t used = strlen(v->note);
    if (used + 3 >= sizeof v->note)
        return;
    if (used) {
        memcpy(v->note + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->note + used, sizeof v->note - used, fmt, ap);
    va_end(ap);
}

static double *work(pg_verdicts *r, size_t n)
{
    if (n > r->work_cap) {
        double *w = realloc(r->work, n * sizeof *w);
        if (!w)
            return NULL;
        r->work = w;
        r->work_cap = n;
    }
    return r->work;
}

/* A sample series: finite values only, scaled. */
typedef struct series {
    double *v; /* malloc'd */
    size_t n;
} series;

static int make_series(series *s, const double *src, size_t n, double scale)
{
    s->v = malloc((n ? n : 1) * sizeof *s->v);
    s->n = 0;
    if (!s->v)
        return PG_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (isfinite(src[i]))
            s->v[s->n++] = src[i] * scale;
    return 0;
}

static void fill_median(pg_verdict *v, series *s)
{
    gate_stats_sort(s->v, s->n);
    v->n = s->n;
    v->value = pg_stats_median(s->v, s->n);
    if (s->n)
        pg_stats_median_ci(s->v, s->n, PG_MEDIAN_CONF, &v->lo, &v->hi, NULL);
}

static void finish(pg_verdict *v, const pg_policy *p)
{
    v->owner = p->owner;
    v->n_required = (size_t)p->repetitions;
    if (kind_fails(v->kind)) {
        if (p->severity == PG_SEV_WARN)
            v->warn = 1;
        else
            v->fails = 1;
    }
}

/* A ceiling on a series: breach, insufficient or pass. */
static void judge_ceiling(pg_verdict *v, series *s, double limit, const pg_policy *p)
{
    fill_median(v, s);
    v->limit = limit;
    v->p = pg_stats_sign_test(s->v, s->n, limit, PG_ALT_GREATER);
    if (v->value > limit && v->p < p->alpha) {
        v->kind = PG_V_BREACH;
    } else if (s->n < (size_t)p->repetitions) {
        v->kind = PG_V_INSUFFICIENT;
        note(v, "only %zu of the %d repetitions required", s->n, p->repetitions);
    } else if (v->value > limit) {
        v->kind = PG_V_PASS;
        note(v, "median above the ceiling but not significantly (p=%.3g)", v->p);
    } else {
        v->kind = PG_V_PASS;
    }
}

/* A ceiling on a stored summary (pytest-benchmark or asv results without
 * samples): the median of summary_n rounds and the quantiles stored with
 * it, no samples, and none are invented.  The rounds above the ceiling
 * that the stored figures prove are counted -- all n when the minimum is
 * above it, at least floor(3n/4) when the first quartile is, floor(n/2)
 * when the median is -- and the one-sided sign test on that count is the
 * p-value: a breach needs it below alpha, as judge_ceiling's does.  A
 * pass needs the median at or under the ceiling and n at least the
 * required repetitions. */
static void judge_summary(pg_verdict *v, const pg_result *b, double limit, double scale,
                          const pg_policy *p)
{
    size_t n = b->summary_n, above = 0;
    double med = b->real_ns[0] * scale, q1 = b->summary_q1 * scale, mn = b->summary_min * scale;
    v->n = n;
    v->value = med;
    v->lo = v->hi = NAN; /* no interval without samples */
    v->limit = limit;
    if (mn > limit)
        above = n;
    else if (q1 > limit)
        above = (size_t)floor(0.75 * (double)n);
    else if (med > limit)
        above = n / 2;
    v->p = pg_stats_binom_half_cdf(n - above, n);
    if (med > limit && v->p < p->alpha) {
        v->kind = PG_V_BREACH;
    } else if (n < (size_t)p->repetitions) {
        v->kind = PG_V_INSUFFICIENT;
        note(v, "only %zu of the %d rounds required", n, p->repetitions);
    } else {
        v->kind = PG_V_PASS;
        if (med > limit)
            note(v, "median above the ceiling; the stored quartiles do not show it (p=%.3g)", v->p);
    }
    note(v, "judged on the stored median of %zu rounds%s", n,
         isnan(q1) ? " (no quartiles stored)" : " and its quartiles");
}

static int all_positive(const series *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (!(s->v[i] > 0))
            return 0;
    return s->n > 0;
}

/* Ratio x/y: Hodges-Lehmann on logs with Moses' 95 % interval; the ratio of
 * medians when some value is not positive. */
/* The exact Mann-Whitney table for m x n samples, made once into the
 * report's cache.  Without it the interval below would silently fall back
 * to its widest form (and a p-value to NaN): an allocation failure, not a
 * weaker verdict. */
static int mw_table(pg_verdicts *r, size_t m, size_t n)
{
    if (m > PG_MW_EXACT_MAX || n > PG_MW_EXACT_MAX || gate_mw_cache_cdf(&r->cache, m, n) == 0)
        return 0;
    return PG_ENOMEM;
}

static int ratio_of(pg_verdicts *r, const series *x, const series *y, double *ratio, double *lo,
                    double *hi)
{
    *ratio = *lo = *hi = NAN;
    if (!x->n || !y->n)
        return 0;
    if (!all_positive(x) || !all_positive(y)) {
        double mx = pg_stats_median(x->v, x->n), my = pg_stats_median(y->v, y->n);
        *ratio = my != 0 ? mx / my : NAN;
        return 0;
    }
    size_t m = x->n, n = y->n;
    double *w = work(r, m * n + m + n);
    if (!w || mw_table(r, m, n))
        return PG_ENOMEM;
    double *lx = w + m * n, *ly = lx + m;
    for (size_t i = 0; i < m; i++)
        lx[i] = log(x->v[i]);
    for (size_t j = 0; j < n; j++)
        ly[j] = log(y->v[j]);
    double s, l, h;
    gate_stats_hl_cached(lx, m, ly, n, 0.95, w, &s, &l, &h, &r->cache);
    *ratio = exp(s);
    *lo = exp(l);
    *hi = exp(h);
    return 0;
}

/* What is wrong with a reference the ratio divides by (the baseline's or
 * the calibration's samples, scaled), or NULL: every sample must be finite
 * and positive, or the ratio is NaN or infinite and no verdict holds. */
static const char *reference_problem(const double *src, size_t n, double scale)
{
    if (n == 0)
        return "has no samples";
    for (size_t i = 0; i < n; i++) {
        double x = src[i] * scale;
        if (!isfinite(x))
            return "has a sample that is not finite";
        if (x == 0)
            return "has a sample of 0";
        if (x < 0)
            return "has a negative sample";
    }
    return NULL;
}

/* The Mann-Whitney p-value through the report's cache.  NaN for samples
 * that are not empty means the cache could not be made: an error, never
 * "no evidence". */
static int mw(pg_verdicts *r, const series *x, const series *y, int alt, double *p)
{
    if (x->n && y->n && mw_table(r, x->n, y->n))
        return PG_ENOMEM;
    *p = gate_stats_mw_cached(x->v, x->n, y->v, y->n, alt, NULL, NULL, &r->cache);
    return x->n && y->n && isnan(*p) ? PG_ENOMEM : 0;
}

static int is_cold(const pg_result *b)
{
    const char *p = pg_result_profile(b);
    return p && !strcmp(p, "cold");
}

static int is_hot(const pg_result *b)
{
    const char *p = pg_result_profile(b);
    return p && !strcmp(p, "hot");
}

static const double *metric_values(const pg_result *b, int metric)
{
    return metric == PG_METRIC_CPU ? b->cpu_ns : b->real_ns;
}

/* The spread between runs assumed for a benchmark before the history
 * shows any (a log standard deviation; docs/statistics.md, "A baseline from
 * another run"), by profile: about the 75th percentile of the spreads
 * measured over repeated `make gate` runs (repetitions interleaved) on a
 * 2-core shared VM with the other core running a fuzzer (hot 7.8 %, cold
 * 7.6 %, first 12 %; with a shell busy loop beside it, 3.2 %, 5.5 %, 5 %).
 * A budget's "run_spread" replaces it. */
static const double default_spread[4] = { 0.05, 0.08, 0.10, 0.05 }; /* hot cold first other */
/* The weight of the prior, in run-to-run differences: the benchmark's own
 * estimate (a MAD, about a third as efficient as a variance) outweighs it
 * after a dozen runs. */
#define RUN_SPREAD_PRIOR_DIFFS 4.0
#define RUN_SPREAD_MAD_EFFICIENCY 0.37
/* A profile's pooled spread needs this many benchmarks measured. */
#define RUN_SPREAD_POOL_MIN 5

static int profile_class(const pg_result *b)
{
    const char *p = pg_result_profile(b);
    return !p ? 3 : !strcmp(p, "hot") ? 0 : !strcmp(p, "cold") ? 1 : !strcmp(p, "first") ? 2 : 3;
}

static int spread_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const pg_run_spread *)elem)->bench);
}

static const pg_run_spread *find_spread(const pg_gate_options *opt, const char *name, int metric)
{
    const pg_run_spread *s =
        opt->spreads ? bsearch(name, opt->spreads, opt->n_spreads, sizeof *opt->spreads, spread_cmp)
                     : NULL;
    if (!s || s->runs[metric] < 3 || !isfinite(s->log_sd[metric]) || s->log_sd[metric] < 0)
        return NULL;
    return s;
}

/* r->pooled: the median spread of the run's benchmarks the history has
 * measured, by profile class and metric, the prior of each one's own
 * estimate (so a quiet machine's history soon stops assuming a noisy
 * one's spread).  Returns 0 or PG_ENOMEM. */
static int pool_spreads(pg_verdicts *r, const pg_results *head, const pg_gate_options *opt)
{
    size_t n = pg_results_count(head);
    for (int c = 0; c < 4; c++)
        r->pooled[c][0] = r->pooled[c][1] = NAN;
    if (!opt->spreads || n == 0)
        return 0;
    double *v = malloc(n * sizeof *v);
    if (!v)
        return PG_ENOMEM;
    for (int c = 0; c < 4; c++)
        for (int metric = 0; metric < 2; metric++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                const pg_result *b = pg_results_get(head, i);
                const pg_run_spread *s = find_spread(opt, b->name, metric);
                if (s && profile_class(b) == c)
                    v[m++] = s->log_sd[metric];
            }
            if (m >= RUN_SPREAD_POOL_MIN) {
                gate_stats_sort(v, m);
                r->pooled[c][metric] = pg_stats_median(v, m);
            }
        }
    free(v);
    return 0;
}

/* The log spread between runs for b's metric: the prior (the budget's
 * "run_spread", else the history's pooled spread for b's profile, else the
 * default) pooled with b's own history, each weighted by the run-to-run
 * differences behind it.  *runs gets the history's runs of b (0: none). */
static double run_spread(const pg_verdicts *r, const pg_gate_options *opt, const pg_result *b,
                         const pg_policy *p, int metric, size_t *runs)
{
    int c = profile_class(b);
    double prior = !isnan(p->regression_spread)   ? p->regression_spread
                   : !isnan(r->pooled[c][metric]) ? r->pooled[c][metric]
                                                  : default_spread[c];
    *runs = 0;
    const pg_run_spread *s = find_spread(opt, b->name, metric);
    if (!s)
        return prior;
    *runs = s->runs[metric];
    double w = RUN_SPREAD_MAD_EFFICIENCY * (double)(s->runs[metric] - 1);
    double sd = s->log_sd[metric];
    return sqrt((RUN_SPREAD_PRIOR_DIFFS * prior * prior + w * sd * sd) /
                (RUN_SPREAD_PRIOR_DIFFS + w));
}

/* Widens a ratio's 95 % interval by the spread between runs: the log of a
 * ratio of two runs' medians carries each run's shift, 2 sd^2 of variance,
 * added in quadrature to the run's own half-widths. */
static void widen(double ratio, double *lo, double *hi, double sd)
{
    if (!(ratio > 0) || !(*lo > 0) || !(*hi > 0) || !(sd > 0))
        return;
    double between = 1.959964 * sqrt(2.0) * sd, c = log(ratio);
    double wl = c - log(*lo), wh = log(*hi) - c;
    *lo = exp(c - sqrt(wl * wl + between * between));
    *hi = exp(c + sqrt(wh * wh + between * between));
}

static int check_regression(pg_verdicts *r, const pg_result *b, const pg_result *base,
                            const pg_policy *p, const pg_gate_options *opt)
{
    /* The budget's metric, else CPU time for hot benchmarks (time the core
     * spent on other processes is left out; on a shared machine wall time
     * mostly measures the co-tenants) and real time for the others: tpbench
     * files before the "cpu_time" member of the perfgate block, and other
     * programs, give cold and first rows a CPU time that includes untimed
     * work; a budget opts in with "metric": "cpu_time".  docs/statistics.md. */
    int metric = p->has_regression ? p->regression_metric
                 : is_hot(b)       ? PG_METRIC_CPU
                                   : PG_METRIC_REAL;
    char name[80];
    snprintf(name, sizeof name, "regression:%s",
             metric == PG_METRIC_CPU ? "cpu_time" : "real_time");
    pg_verdict *v = add(r, b->name, name, PG_V_PASS);
    if (!v)
        return PG_ENOMEM;
    v->unit = "ns";
    v->budget_file = p->file;
    v->budget_line = p->line;
    double tol = p->has_regression ? p->regression_max : is_cold(b) ? 0.10 : 0.05;
    v->limit = tol;
    if (!p->has_regression)
        note(v, "default tolerance %g%% (%s)", tol * 100, is_cold(b) ? "cold" : "hot");
    if (!base) {
        v->kind = PG_V_UNAVAILABLE;
        note(v, "not in the baseline");
        finish(v, p);
        return 0;
    }
    if (b->input_digest && base->input_digest && strcmp(b->input_digest, base->input_digest)) {
        /* docs/harness.md: different inputs, incomparable timings */
        v->kind = PG_V_UNAVAILABLE;
        note(v,
             "input digests differ (%.40s vs baseline %.40s): not comparable; update the "
             "baseline on purpose",
             b->input_digest, base->input_digest);
        finish(v, p);
        return 0;
    }
    if (r->interleave_differs) {
        /* an SMA of 4096 points read 1.3x apart the two ways, unchanged */
        v->kind = PG_V_UNAVAILABLE;
        note(v,
             "the baseline's repetitions ran %s and this run's %s: they measure differently; "
             "update the baseline on purpose",
             r->interleave_differs > 0 ? "back to back" : "interleaved",
             r->interleave_differs > 0 ? "interleaved" : "back to back");
        finish(v, p);
        return 0;
    }
    series x = { NULL, 0 }, y = { NULL, 0 };
    int rc = make_series(&x, metric_values(b, metric), b->n, 1.0);
    if (!rc)
        rc = make_series(&y, metric_values(base, metric), base->n, 1.0);
    if (rc)
        goto done;
    fill_median(v, &x);
    gate_stats_sort(y.v, y.n);
    v->base = pg_stats_median(y.v, y.n);
    v->n_base = y.n;
    const char *bad = reference_problem(metric_values(base, metric), base->n, 1.0);
    if (bad) {
        v->kind = PG_V_INSUFFICIENT;
        note(v, "the baseline %s: no ratio to judge by", bad);
        goto done;
    }
    double pg, pl;
    rc = ratio_of(r, &x, &y, &v->ratio, &v->ratio_lo, &v->ratio_hi);
    if (!rc)
        rc = mw(r, &x, &y, PG_ALT_GREATER, &pg);
    if (!rc)
        rc = mw(r, &x, &y, PG_ALT_LESS, &pl);
    if (rc)
        goto done;
    /* The run's own interval, and the one the decision reads: the baseline
     * is another run, whose shift the run's repetitions cannot show. */
    double own_lo = v->ratio_lo;
    v->run_spread = run_spread(r, opt, b, p, metric, &v->run_spread_runs);
    widen(v->ratio, &v->ratio_lo, &v->ratio_hi, v->run_spread);
    double need = tol > p->min_effect ? tol : p->min_effect;
    size_t fewest = x.n < y.n ? x.n : y.n;
    /* A regression needs all three: significance, an estimate beyond the
     * tolerance and an interval that clears half of it (a drift or a
     * code-layout difference below need/2 cannot pass the interval except
     * by its 2.5 % chance, and a noisy pair of runs widens it instead of
     * failing the gate). */
    if (pg < p->alpha && v->ratio - 1.0 > need &&
        !(v->ratio_lo <= 1.0 + need / 2.0)) { /* NaN: no interval (values <= 0) */
        v->kind = PG_V_REGRESSION;
        v->p = pg;
        note(v, "%+.1f%% beyond the %g%% tolerance", (v->ratio - 1.0) * 100, tol * 100);
    } else if (pl < p->alpha && 1.0 - v->ratio > p->min_effect &&
               !(v->ratio_hi >= 1.0 - p->min_effect / 2.0)) {
        v->kind = PG_V_IMPROVED;
        v->p = pl;
    } else if (fewest < (size_t)p->repetitions) {
        v->kind = PG_V_INSUFFICIENT;
        v->p = pg;
        note(v, "only %zu of the %d repetitions required (run %zu, baseline %zu)", fewest,
             p->repetitions, x.n, y.n);
    } else if (!isfinite(v->ratio)) {
        /* no ratio, no verdict: never a pass by default */
        v->kind = PG_V_INSUFFICIENT;
        v->p = pg;
        note(v, "no ratio to the baseline could be formed");
    } else {
        v->kind = PG_V_PASS;
        v->p = pg;
        if (pg < p->alpha && v->ratio - 1.0 > need && own_lo > 1.0 + need / 2.0)
            note(v,
                 "slower by %.1f%%, within this benchmark's spread between runs (%.1f%%, %s): "
                 "its interval [%.3f, %.3f] does not clear %+g%%; perfgate ab decides it",
                 (v->ratio - 1.0) * 100, v->run_spread * 100,
                 v->run_spread_runs ? "with the history's runs" : "assumed", v->ratio_lo,
                 v->ratio_hi, need / 2 * 100);
        else if (pg < p->alpha && v->ratio - 1.0 > need)
            note(v, "slower by %.1f%%, but its interval [%.3f, %.3f] does not clear %+g%%",
                 (v->ratio - 1.0) * 100, v->ratio_lo, v->ratio_hi, need / 2 * 100);
        else if (pg < p->alpha && v->ratio > 1.0)
            note(v, "slower by %.1f%%, within the tolerance", (v->ratio - 1.0) * 100);
    }
done:
    free(x.v);
    free(y.v);
    finish(v, p);
    return rc;
}

static const char *const rss_counters[] = { "peak_rss_bytes", "peak_rss", "max_rss_bytes", NULL };
static const char *const gpu_kernel_counters[] = { "gpu_kernel_ns", "gpu_kernel_time_ns",
                                                   "gpu_kernel_time", NULL };
static const char *const gpu_transfer_counters[] = { "gpu_transfer_ns", "gpu_transfer_time_ns",
                                                     "gpu_transfer_time", NULL };

static const double *find_counter(const pg_result *b, const char *const *names, const char **which)
{
    for (size_t i = 0; names[i]; i++) {
        const double *c = pg_result_counter(b, names[i]);
        if (c) {
            *which = names[i];
            return c;
        }
    }
    return NULL;
}

static void unavailable(pg_verdict *v, const pg_results *run, const char *counter, const char *what)
{
    v->kind = PG_V_UNAVAILABLE;
    const char *why = counter ? pg_results_unavailable_reason(run, counter) : NULL;
    if (why)
        note(v, "%s: %s", what, why);
    else
        note(v, "%s", what);
}

static int check_absolute(pg_verdicts *r, const pg_results *run, const pg_result *b,
                          const pg_policy *p, int k)
{
    pg_verdict *v = add(r, b->name, pg_abs_name(k), PG_V_PASS);
    if (!v)
        return PG_ENOMEM;
    v->budget_file = p->file;
    v->budget_line = p->line;
    v->limit = p->absolute[k];
    const double *src = NULL;
    const char *counter = NULL;
    double scale = 1.0;
    v->unit = "ns";
    switch (k) {
    case PG_ABS_MEDIAN_REAL: src = b->real_ns; break;
    case PG_ABS_MEDIAN_CPU: src = b->cpu_ns; break;
    case PG_ABS_REAL_PER_ELEM:
    case PG_ABS_CPU_PER_ELEM:
        v->unit = "ns/elem";
        if (b->elements <= 0) {
            unavailable(v, run, NULL,
                        "elements per iteration unknown (no perfgate.elements, "
                        "items_per_second or numeric name suffix)");
            finish(v, p);
            return 0;
        }
        src = k == PG_ABS_REAL_PER_ELEM ? b->real_ns : b->cpu_ns;
        scale = 1.0 / b->elements;
        break;
    case PG_ABS_PEAK_RSS:
        v->unit = "bytes";
        src = find_counter(b, rss_counters, &counter);
        if (!src && !isnan(b->peak_rss_bytes)) {
            /* only in the perfgate block: one high-water mark for the run,
             * not a noisy sample, so the ceiling applies to it directly */
            series one = { NULL, 0 };
            pg_policy direct = *p;
            direct.repetitions = 1;
            direct.alpha = 1.0;
            int rc = make_series(&one, &b->peak_rss_bytes, 1, 1.0);
            if (!rc)
                judge_ceiling(v, &one, p->absolute[k], &direct);
            note(v, "one high-water mark per run (perfgate block)");
            free(one.v);
            finish(v, p);
            return rc;
        }
        if (!src) {
            unavailable(v, run, "peak_rss_bytes", "no peak RSS in the results");
            finish(v, p);
            return 0;
        }
        break;
    default:
        src = find_counter(b, k == PG_ABS_GPU_KERNEL ? gpu_kernel_counters : gpu_transfer_counters,
                           &counter);
        if (!src) {
            unavailable(v, run, k == PG_ABS_GPU_KERNEL ? "gpu_kernel_ns" : "gpu_transfer_ns",
                        k == PG_ABS_GPU_KERNEL ? "no GPU kernel time in the results (no GPU?)"
                                               : "no GPU transfer time in the results (no GPU?)");
            finish(v, p);
            return 0;
        }
        break;
    }
    if ((k == PG_ABS_MEDIAN_CPU || k == PG_ABS_CPU_PER_ELEM) && b->cpu_missing) {
        unavailable(v, run, NULL, b->cpu_missing);
        finish(v, p);
        return 0;
    }
    if (b->from_aggregate && b->summary_n &&
        (k == PG_ABS_MEDIAN_REAL || k == PG_ABS_REAL_PER_ELEM)) {
        judge_summary(v, b, p->absolute[k], scale, p);
        finish(v, p);
        return 0;
    }
    series s;
    int rc = make_series(&s, src, b->n, scale);
    if (rc == 0 && s.n == 0)
        unavailable(v, run, counter, "no values in the results");
    else if (rc == 0)
        judge_ceiling(v, &s, p->absolute[k], p);
    free(s.v);
    finish(v, p);
    return rc;
}

static int check_counter(pg_verdicts *r, const pg_results *run, const pg_result *b,
                         const pg_policy *p, const pg_counter_limit *cl)
{
    char name[80];
    snprintf(name, sizeof name, "counter:%.40s%s", cl->name, cl->per_element ? "/elem" : "");
    pg_verdict *v = add(r, b->name, name, PG_V_PASS);
    if (!v)
        return PG_ENOMEM;
    v->budget_file = p->file;
    v->budget_line = p->line;
    v->unit = cl->per_element ? "count/elem" : "count";
    v->limit = cl->max;
    const double *src = pg_result_counter(b, cl->name);
    int rc = 0;
    if (!src) {
        unavailable(v, run, cl->name, "counter not in the results");
    } else if (cl->per_element && b->elements <= 0) {
        unavailable(v, run, NULL, "elements per iteration unknown");
    } else {
        series s;
        rc = make_series(&s, src, b->n, cl->per_element ? 1.0 / b->elements : 1.0);
        if (rc == 0 && s.n == 0)
            unavailable(v, run, cl->name, "counter has no values");
        else if (rc == 0)
            judge_ceiling(v, &s, cl->max, p);
        free(s.v);
    }
    finish(v, p);
    return rc;
}

/* One ceiling relative to another benchmark of the same run.  With several
 * on one budget the verdict's metric names the benchmark divided by
 * ("relative:cpu_time/elem@calibration/fma_chain/hot/cpu/1048576"), so the
 * rows stay apart in every output. */
static int check_relative(pg_verdicts *r, const pg_results *run, const pg_result *b,
                          const pg_policy *p, const pg_relative_limit *rl)
{
    char name[80];
    snprintf(name, sizeof name, "relative:%s%s%s%.50s",
             rl->metric == PG_METRIC_CPU ? "cpu_time" : "real_time", rl->per_element ? "/elem" : "",
             p->nrelative > 1 ? "@" : "", p->nrelative > 1 ? rl->to : "");
    pg_verdict *v = add(r, b->name, name, PG_V_PASS);
    if (!v)
        return PG_ENOMEM;
    v->budget_file = p->file;
    v->budget_line = p->line;
    v->unit = "ratio";
    v->limit = rl->max_ratio;
    const pg_result *cal = pg_results_find(run, rl->to);
    if (!cal || cal->n == 0) {
        v->kind = PG_V_MISSING;
        note(v, "calibration benchmark '%.80s' is not in the run", rl->to);
        finish(v, p);
        return 0;
    }
    if (rl->per_element && (b->elements <= 0 || cal->elements <= 0)) {
        unavailable(v, run, NULL, "elements per iteration unknown");
        finish(v, p);
        return 0;
    }
    double sx = rl->per_element ? 1.0 / b->elements : 1.0;
    double sy = rl->per_element ? 1.0 / cal->elements : 1.0;
    series x = { NULL, 0 }, y = { NULL, 0 };
    int rc = make_series(&x, metric_values(b, rl->metric), b->n, sx);
    if (!rc)
        rc = make_series(&y, metric_values(cal, rl->metric), cal->n, sy);
    if (rc)
        goto done;
    fill_median(v, &x);
    gate_stats_sort(y.v, y.n);
    v->base = pg_stats_median(y.v, y.n);
    v->n_base = y.n;
    const char *bad = reference_problem(metric_values(cal, rl->metric), cal->n, sy);
    if (bad) {
        v->kind = PG_V_INSUFFICIENT;
        note(v, "calibration '%.80s' %s: no ratio to judge by", rl->to, bad);
        goto done;
    }
    rc = ratio_of(r, &x, &y, &v->ratio, &v->ratio_lo, &v->ratio_hi);
    if (rc)
        goto done;
    /* Is x / max_ratio still larger than the calibration? */
    for (size_t i = 0; i < x.n; i++)
        x.v[i] /= rl->max_ratio;
    rc = mw(r, &x, &y, PG_ALT_GREATER, &v->p);
    if (rc)
        goto done;
    size_t fewest = x.n < y.n ? x.n : y.n;
    if (v->ratio > rl->max_ratio && v->p < p->alpha) {
        v->kind = PG_V_BREACH;
        note(v, "%.3gx the calibration '%.60s', ceiling %.3gx", v->ratio, rl->to, rl->max_ratio);
    } else if (fewest < (size_t)p->repetitions) {
        v->kind = PG_V_INSUFFICIENT;
        note(v, "only %zu of the %d repetitions required", fewest, p->repetitions);
    } else if (!isfinite(v->ratio)) {
        v->kind = PG_V_INSUFFICIENT;
        note(v, "no ratio to the calibration could be formed");
    }
done:
    free(x.v);
    free(y.v);
    finish(v, p);
    return rc;
}

static const pg_waiver *active_waiver(const pg_verdicts *r, const char *name)
{
    for (size_t i = 0; i < r->nactive; i++) {
        const pg_waiver *w = r->active[i];
        if (gate_glob_is_literal(w->match) ? !strcmp(w->match, name) : !fnmatch(w->match, name, 0))
            return w;
    }
    return NULL;
}

static void apply_waiver(pg_verdicts *r, size_t from, const char *name)
{
    const pg_waiver *w = active_waiver(r, name);
    if (!w)
        return;
    for (size_t i = from; i < r->n; i++) {
        pg_verdict *v = &r->v[i];
        if (!kind_fails(v->kind))
            continue;
        v->waived_kind = v->kind;
        v->kind = PG_V_WAIVED;
        v->fails = 0;
        v->warn = 0;
        v->waiver = w;
        note(v, "waived until %s (%s: %s)", w->expires, w->ticket, w->reason);
    }
}

static int check_unbudgeted(pg_verdicts *r, const pg_result *b, const pg_result *bb)
{
    pg_verdict *v = add(r, b->name, "-", PG_V_UNBUDGETED);
    if (!v)
        return PG_ENOMEM;
    v->unit = "ns";
    if (b->error)
        note(v, "the benchmark reported an error: %.120s", b->error);
    series x = { NULL, 0 }, y = { NULL, 0 };
    int rc = make_series(&x, b->real_ns, b->n, 1.0);
    if (rc)
        goto done;
    fill_median(v, &x);
    if (!bb)
        goto done;
    rc = make_series(&y, bb->real_ns, bb->n, 1.0);
    if (rc)
        goto done;
    gate_stats_sort(y.v, y.n);
    v->base = pg_stats_median(y.v, y.n);
    v->n_base = y.n;
    rc = ratio_of(r, &x, &y, &v->ratio, &v->ratio_lo, &v->ratio_hi);
    if (!rc)
        rc = mw(r, &x, &y, PG_ALT_TWO_SIDED, &v->p);
done:
    free(x.v);
    free(y.v);
    return rc;
}

/* The figures of a ->Complexity() fit row a budget can cap through its
 * "counters" (docs/budgets.md). */
static int is_fit_figure(const char *name)
{
    return !strcmp(name, "real_coefficient") || !strcmp(name, "cpu_coefficient") ||
           !strcmp(name, "rms");
}

/* A fit row: judged only on the counter limits that name a fit figure; a
 * budget that names none (a broad glob, say) leaves it unjudged.  A named
 * figure the row lacks (rms on a BigO row) is missing: it fails. */
static int check_complexity(pg_verdicts *r, const pg_result *b, const pg_policy *p)
{
    size_t from = r->n;
    for (size_t i = 0; i < p->ncounters; i++) {
        const pg_counter_limit *cl = &p->counters[i];
        if (!is_fit_figure(cl->name))
            continue;
        char name[80];
        snprintf(name, sizeof name, "fit:%s", cl->name);
        pg_verdict *v = add(r, b->name, name, PG_V_PASS);
        if (!v)
            return PG_ENOMEM;
        v->budget_file = p->file;
        v->budget_line = p->line;
        v->unit = strcmp(cl->name, "rms") ? "ns" : "";
        v->limit = cl->max;
        v->n = 1;
        double x;
        /* What a budget asks of a fit that it does not have is missing, and
         * fails: never a pass, and not "unavailable" (the machine could
         * measure it; the row does not say it). */
        if (cl->per_element) {
            v->kind = PG_V_MISSING;
            note(v, "%s", "a complexity fit has no elements: per_element does not apply");
        } else if (!pg_result_complexity_figure(b, cl->name, &x)) {
            v->kind = PG_V_MISSING;
            note(v, "%s",
                 b->complexity == PG_CX_RMS ? "an RMS row has only rms" : "a BigO row has no rms");
        } else {
            v->value = x;
            if (x > cl->max) {
                v->kind = PG_V_BREACH;
                note(v, "the fit's %s %.4g is above the budget's %.4g", cl->name, x, cl->max);
            } else {
                note(v, "the fit's %s %.4g is within the budget's %.4g", cl->name, x, cl->max);
            }
        }
        finish(v, p);
        v->n_required = 1;
    }
    if (r->n > from)
        r->judged++;
    return 0;
}

/* Judges one benchmark of the run; hits marks the budgets that match it.
 * Returns 0 or PG_ENOMEM. */
static int check_bench(pg_verdicts *r, const pg_results *head, const pg_results *base,
                       const pg_budget_set *budgets, const pg_gate_options *opt, const pg_result *b,
                       unsigned char *hits)
{
    pg_policy p;
    size_t from = r->n;
    int budgeted = pg_budget_set_resolve_hits(budgets, b->name, &p, hits);
    if (budgeted < 0)
        return budgeted;
    const pg_result *bb = base ? pg_results_find(base, b->name) : NULL;
    if (b->complexity) {
        /* Fit rows are judged only where a budget asks (check_complexity). */
        size_t from = r->n;
        int rc = budgeted ? check_complexity(r, b, &p) : 0;
        if (!rc && r->n > from)
            apply_waiver(r, from, b->name);
        return rc;
    }
    if (!budgeted)
        return opt->with_unbudgeted ? check_unbudgeted(r, b, bb) : 0;
    r->judged++;
    if (b->error || b->n == 0) {
        pg_verdict *v = add(r, b->name, "-", PG_V_MISSING);
        if (!v)
            return PG_ENOMEM;
        v->budget_file = p.file;
        v->budget_line = p.line;
        if (b->error)
            note(v, "the benchmark reported an error: %.120s", b->error);
        else
            note(v, "no samples in the results");
        finish(v, &p);
        apply_waiver(r, from, b->name);
        return 0;
    }
    int rc = 0;
    for (int k = 0; k < PG_ABS_COUNT && !rc; k++)
        if (!isnan(p.absolute[k]))
            rc = check_absolute(r, head, b, &p, k);
    for (size_t i = 0; i < p.ncounters && !rc; i++)
        rc = check_counter(r, head, b, &p, &p.counters[i]);
    for (size_t i = 0; i < p.nrelative && !rc; i++)
        rc = check_relative(r, head, b, &p, &p.relative[i]);
    if (base && !rc)
        rc = check_regression(r, b, bb, &p, opt);
    if (rc)
        return rc;
    if (r->n == from) {
        /* Budgeted, but nothing to measure against: say so. */
        pg_verdict *v = add(r, b->name, "-", PG_V_PASS);
        if (!v)
            return PG_ENOMEM;
        v->unit = "ns";
        v->budget_file = p.file;
        v->budget_line = p.line;
        series x;
        rc = make_series(&x, b->real_ns, b->n, 1.0);
        if (rc)
            return rc;
        fill_median(v, &x);
        free(x.v);
        note(v, "no ceiling applies and no baseline was given");
        if (b->n < (size_t)p.repetitions) {
            v->kind = PG_V_INSUFFICIENT;
            note(v, "only %zu of the %d repetitions required", b->n, p.repetitions);
        }
        finish(v, &p);
    }
    for (size_t i = from; i < r->n; i++)
        if (b->source)
            note(&r->v[i], "%s", b->source);
        else if (b->from_aggregate)
            note(&r->v[i], "only aggregate rows in the results: one value stands for the run");
    apply_waiver(r, from, b->name);
    return 0;
}

static int add_missing(pg_verdicts *r, const pg_budget_set *budgets, const char *name,
                       const char *why)
{
    pg_policy p;
    int rc = pg_budget_set_resolve(budgets, name, &p);
    if (rc < 0)
        return rc;
    size_t from = r->n;
    pg_verdict *v = add(r, name, "-", PG_V_MISSING);
    if (!v)
        return PG_ENOMEM;
    v->budget_file = p.file;
    v->budget_line = p.line;
    note(v, "%s", why);
    finish(v, &p);
    apply_waiver(r, from, name);
    r->judged++;
    return 0;
}

/* A budget that matched no benchmark of the run: "missing", which fails
 * (a typo in its match would otherwise leave the benchmarks it meant
 * unjudged), unless the budget is optional.  Exact names keep the wording
 * they always had. */
static int add_unmatched(pg_verdicts *r, const pg_results *head, const pg_budget_info *info)
{
    size_t from = r->n;
    pg_verdict *v = add(r, info->match, "-", PG_V_MISSING);
    if (!v)
        return PG_ENOMEM;
    v->budget_file = info->file;
    v->budget_line = info->line;
    if (info->literal)
        note(v, "budgeted by name but not in the results (%.80s:%d)", info->file, info->line);
    else
        note(v, "budget '%.60s' (%.60s:%d) matches no benchmark in the results", info->match,
             info->file, info->line);
    const char *near = pg_glob_nearest(info->match, head);
    if (near)
        note(v, "did you mean '%.80s'?", near);
    pg_policy p;
    memset(&p, 0, sizeof p);
    p.severity = info->severity;
    p.owner = info->owner;
    finish(v, &p);
    apply_waiver(r, from, info->match);
    r->judged++;
    return 0;
}

static int unmatched_budgets(pg_verdicts *r, const pg_results *head, const pg_budget_set *budgets,
                             const unsigned char *hits)
{
    size_t n = pg_budget_set_nbudgets(budgets);
    for (size_t i = 0; i < n; i++) {
        pg_budget_info info;
        if (pg_budget_set_budget(budgets, i, &info))
            return PG_EINVAL;
        if (hits[i] || !info.applies || info.optional)
            continue;
        /* one verdict per pattern, however many files repeat it */
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++) {
            pg_budget_info other;
            pg_budget_set_budget(budgets, j, &other);
            dup = !hits[j] && other.applies && !other.optional && !strcmp(other.match, info.match);
        }
        if (!dup) {
            int rc = add_unmatched(r, head, &info);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* A verdict about waiver w itself (its pattern as the benchmark). */
static pg_verdict *waiver_verdict(pg_verdicts *r, const pg_waiver *w, pg_verdict_kind kind)
{
    pg_verdict *v = add(r, w->match, "waiver", kind);
    if (v) {
        v->waiver = w;
        v->budget_file = w->file;
        v->budget_line = w->line;
    }
    return v;
}

/* Active waivers that match no benchmark of the run: a warning in every
 * output (it excuses nothing, so it cannot hide a failure, but it is
 * usually a typo or a benchmark gone). */
static int unused_waivers(pg_verdicts *r, const pg_results *head)
{
    for (size_t i = 0; i < r->nactive; i++) {
        const pg_waiver *w = r->active[i];
        if (pg_results_has_match(head, w->match))
            continue;
        pg_verdict *v = waiver_verdict(r, w, PG_V_MISSING);
        if (!v)
            return PG_ENOMEM;
        v->warn = 1;
        note(v, "waiver %.40s (%.60s:%d) matches no benchmark in the results", w->ticket, w->file,
             w->line);
        const char *near = pg_glob_nearest(w->match, head);
        if (near)
            note(v, "did you mean '%.80s'?", near);
    }
    return 0;
}

/* Budget files for another kind of machine: left out, and said so in
 * every output (a verdict that does not fail). */
static int skipped_files(pg_verdicts *r, const pg_budget_set *budgets)
{
    for (size_t i = 0; i < pg_budget_set_nfiles(budgets); i++) {
        const char *path, *why = pg_budget_set_file_skipped(budgets, i);
        if (!why)
            continue;
        pg_budget_set_file_machine(budgets, i, &path, NULL);
        pg_verdict *v = add(r, path, "machine", PG_V_UNAVAILABLE);
        if (!v)
            return PG_ENOMEM;
        v->budget_file = path;
        note(v, "%s: its budgets were not applied", why);
    }
    return 0;
}

static int expired_waivers(pg_verdicts *r, const pg_budget_set *budgets, int today)
{
    size_t nw = pg_budget_set_nwaivers(budgets);
    for (size_t i = 0; i < nw; i++) {
        const pg_waiver *w = pg_budget_set_waiver(budgets, i);
        if (w->expires_ymd >= today) {
            r->active[r->nactive++] = w;
            continue;
        }
        pg_verdict *v = waiver_verdict(r, w, PG_V_EXPIRED);
        if (!v)
            return PG_ENOMEM;
        v->fails = 1;
        note(v, "waiver %s expired on %s (%s); renew it or fix the benchmark", w->ticket,
             w->expires, w->reason);
    }
    return 0;
}

/* Budgeted benchmarks of the baseline that the run lacks. */
static int gone_from_baseline(pg_verdicts *r, const pg_results *head, const pg_results *base,
                              const pg_budget_set *budgets)
{
    for (size_t i = 0; base && i < pg_results_count(base); i++) {
        const pg_result *b = pg_results_get(base, i);
        if (pg_results_find(head, b->name))
            continue;
        pg_policy p;
        int rc = pg_budget_set_resolve(budgets, b->name, &p);
        if (rc < 0)
            return rc;
        if (!rc || (p.match && !strcmp(p.match, b->name)))
            continue; /* unbudgeted, or already reported as an exact budget */
        rc = add_missing(r, budgets, b->name, "in the baseline but not in the results");
        if (rc)
            return rc;
    }
    return 0;
}

static int judge(pg_verdicts *r, const pg_results *head, const pg_results *base,
                 const pg_budget_set *budgets, const pg_gate_options *opt, int today)
{
    size_t nb = pg_budget_set_nbudgets(budgets);
    unsigned char *hits = calloc(nb ? nb : 1, 1);
    if (!hits)
        return PG_ENOMEM;
    int rc = skipped_files(r, budgets);
    if (!rc)
        rc = expired_waivers(r, budgets, today);
    for (size_t i = 0; i < pg_results_count(head) && !rc; i++)
        rc = check_bench(r, head, base, budgets, opt, pg_results_get(head, i), hits);
    if (!rc)
        rc = unmatched_budgets(r, head, budgets, hits);
    if (!rc)
        rc = gone_from_baseline(r, head, base, budgets);
    if (!rc)
        rc = unused_waivers(r, head);
    free(hits);
    return rc;
}

pg_verdicts *pg_gate_check(const pg_results *head, const pg_results *base, pg_budget_set *budgets,
                           const pg_gate_options *opt, pg_error *err)
{
    pg_gate_options defaults = { NULL, 1, NULL, 0 };
    if (!opt)
        opt = &defaults;
    if (!head || !budgets) {
        pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no results or no budgets");
        return NULL;
    }
    int today = 0;
    if (opt->today && pg_parse_date(opt->today, &today)) {
        pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "bad date '%s' (expected YYYY-MM-DD)",
                     opt->today);
        return NULL;
    }
    if (!today)
        today = pg_today_ymd();
    /* An empty baseline would make every regression "not in the baseline":
     * nothing compared, and passed. */
    const pg_results *empty = pg_results_count(head) == 0           ? head
                              : base && pg_results_count(base) == 0 ? base
                                                                    : NULL;
    if (empty) {
        pg_error_set(err, PG_EMISSING, NULL, 0, 0, NULL, "no benchmarks in %s",
                     pg_results_path(empty));
        return NULL;
    }
    /* Budget files made for one kind of machine ("machine") judge only its
     * results. */
    int rc = pg_budget_set_machine(budgets, head);
    if (rc) {
        pg_error_set(err, rc, NULL, 0, 0, NULL, "%s",
                     rc == PG_ENOMEM ? "out of memory" : pg_strerror(rc));
        return NULL;
    }
    pg_verdicts *r = calloc(1, sizeof *r);
    size_t nw = pg_budget_set_nwaivers(budgets);
    if (!r || !(r->active = malloc((nw ? nw : 1) * sizeof *r->active))) {
        free(r);
        pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        return NULL;
    }
    if (base) {
        int hi = pg_results_interleaved(head), bi = pg_results_interleaved(base);
        r->interleave_differs = hi >= 0 && bi >= 0 && hi != bi ? (hi ? 1 : -1) : 0;
    }
    rc = base ? pool_spreads(r, head, opt) : 0;
    if (!rc)
        rc = judge(r, head, base, budgets, opt, today);
    if (rc) {
        /* a report with verdicts left out would pass what was not judged */
        pg_verdicts_destroy(r);
        pg_error_set(err, rc, NULL, 0, 0, NULL, "%s",
                     rc == PG_ENOMEM ? "out of memory" : pg_strerror(rc));
        return NULL;
    }
    if (r->judged == 0) {
        pg_verdicts_destroy(r);
        pg_error_set(err, PG_EMISSING, NULL, 0, 0, NULL,
                     "no budget applies to any benchmark in %s (nothing was judged)",
                     pg_results_path(head));
        return NULL;
    }
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].fails)
            r->failed = 1;
    gate_mw_cache_free(&r->cache);
    free(r->work);
    r->work = NULL;
    r->work_cap = 0;
    return r;
}

void pg_verdicts_destroy(pg_verdicts *r)
{
    if (!r)
        return;
    free(r->v);
    free(r->active);
    gate_mw_cache_free(&r->cache);
    free(r->work);
    free(r);
}

int pg_verdict_confirmable(const pg_verdict *v)
{
    return v && v->fails && v->bench && (v->kind == PG_V_REGRESSION || v->kind == PG_V_BREACH);
}

size_t pg_verdicts_confirm(pg_verdicts *r, const pg_verdicts *again)
{
    size_t overturned = 0;
    for (size_t i = 0; r && again && i < r->n; i++) {
        pg_verdict *v = &r->v[i];
        if (!pg_verdict_confirmable(v))
            continue;
        const pg_verdict *w = NULL;
        for (size_t j = 0; j < again->n && !w; j++)
            if (again->v[j].bench && !strcmp(again->v[j].bench, v->bench) &&
                !strcmp(again->v[j].metric, v->metric))
                w = &again->v[j];
        if (!w)
            continue; /* not measured again: the first verdict stands */
        char first[96];
        if (!isnan(v->ratio))
            snprintf(first, sizeof first, "%.3fx [%.3f, %.3f]", v->ratio, v->ratio_lo, v->ratio_hi);
        else
            snprintf(first, sizeof first, "median %.4g", v->value);
        if (w->fails || w->kind == PG_V_INSUFFICIENT || w->kind == PG_V_MISSING ||
            w->kind == PG_V_UNAVAILABLE) {
            /* failed again, or could not be judged again: it stands */
            char again_text[96];
            if (!isnan(w->ratio))
                snprintf(again_text, sizeof again_text, "%.3fx", w->ratio);
            else
                snprintf(again_text, sizeof again_text, "median %.4g", w->value);
            v->note[0] = '\0';
            if (w->fails)
                note(v, "%s; confirmed: measured again, %s", first, again_text);
            else
                note(v, "%s; measured again, it could not be judged (%s)", first,
                     pg_verdict_name(w->kind));
            continue;
        }
        /* The second measurement passed: the first was the machine, not
         * the code.  The verdict shown is the second one's, with the
         * first's figures in the note. */
        pg_verdict_kind was = v->kind;
        const char *bench = v->bench;
        *v = *w;
        v->bench = bench;
        v->fails = 0;
        v->note[0] = '\0';
        note(v, "a %s at first (%s), not confirmed: measured again it passed", pg_verdict_name(was),
             first);
        overturned++;
    }
    if (r && overturned) {
        r->failed = 0;
        for (size_t i = 0; i < r->n; i++)
            if (r->v[i].fails)
                r->failed = 1;
    }
    return overturned;
}

size_t pg_verdicts_count(const pg_verdicts *r)
{
    return r ? r->n : 0;
}

const pg_verdict *pg_verdicts_get(const pg_verdicts *r, size_t i)
{
    return r && i < r->n ? &r->v[i] : NULL;
}

int pg_verdicts_failed(const pg_verdicts *r)
{
    return r ? r->failed : 0;
}

void pg_verdicts_counts(const pg_verdicts *r, size_t counts[PG_V_COUNT])
{
    memset(counts, 0, PG_V_COUNT * sizeof counts[0]);
    for (size_t i = 0; r && i < r->n; i++)
        counts[r->v[i].kind]++;
}

size_t pg_verdicts_nactive_waivers(const pg_verdicts *r)
{
    return r ? r->nactive : 0;
}

const pg_waiver *pg_verdicts_active_waiver(const pg_verdicts *r, size_t i)
{
    return r && i < r->nactive ? r->active[i] : NULL;
}
