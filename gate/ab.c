/*
 * ab.c - interleaved A/B gating (paired judgements, three-state verdicts,
 * writers).  Running the builds is common/pg_process.h's; callgrind's
 * output is read by callgrind.c.  See ab.h for the API and docs/accuracy.md for
 * the method and its measured error rates; the paired statistics are in
 * stats.c with the others.
 *
 * The paired tests work on d_i = log(head_i / base_i) of one round i, so a
 * slow minute of the machine that hits both members of a pair cancels.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#endif
#include "ab.h"
#include "pg_io.h"
#include "internal.h"
#include "stats_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- one judgement ------------------------------------------------------------ */

static const char *const state_names[PG_AB_STATE_COUNT] = {
    "pass", "improved", "regression", "inconclusive", "waived", "missing",
};

const char *pg_ab_state_name(pg_ab_state s)
{
    return s < PG_AB_STATE_COUNT ? state_names[s] : "?";
}

/* The one-sided error level of look `look` (1, 2, ...): alpha/5 spent as
 * alpha/10, alpha/20, ... so that the levels of all looks sum to at most
 * alpha/5 (1 % at alpha 0.05), whatever the stopping rule. */
double pg_ab_look_level(double alpha, unsigned look)
{
    if (!(alpha > 0 && alpha < 1))
        alpha = 0.05;
    if (look < 1)
        look = 1;
    if (look > 60)
        look = 60;
    return alpha / 5.0 * ldexp(1.0, -(int)look);
}

/* 1 when Tukey's interval of n Walsh averages can reach one-sided level
 * `level`: the smallest tail P(T+ <= 0) = 2^-n must not exceed it. */
static int level_reachable(size_t n, double level)
{
    return n > PG_SR_EXACT_MAX || ldexp(1.0, -(int)n) <= level;
}

static int judge(const double *base, const double *head, size_t n, double tolerance,
                 double min_effect, double level, int deterministic, pg_ab_judgement *out)
{
    memset(out, 0, sizeof *out);
    out->ratio = out->lo = out->hi = out->p_slower = out->p_faster = NAN;
    out->med_base = out->med_head = NAN;
    out->need = tolerance > min_effect ? tolerance : min_effect;
    out->level = level;
    out->state = PG_AB_MISSING;
    double *buf = malloc((n ? n : 1) * 3 * sizeof *buf);
    double *scratch = malloc((n ? n * (n + 1) / 2 : 1) * sizeof *scratch);
    if (!buf || !scratch) {
        free(buf);
        free(scratch);
        return PG_ENOMEM;
    }
    double *d = buf, *b = buf + n, *h = buf + 2 * n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(base[i]) && isfinite(head[i]) && base[i] > 0 && head[i] > 0) {
            b[k] = base[i];
            h[k] = head[i];
            d[k] = log(head[i] / base[i]);
            k++;
        }
    out->n = k;
    if (k == 0)
        goto done;
    pg_stats_sort(b, k);
    pg_stats_sort(h, k);
    out->med_base = pg_stats_median(b, k);
    out->med_head = pg_stats_median(h, k);
    out->p_slower = pg_stats_signed_rank(d, k, PG_ALT_GREATER, NULL);
    out->p_faster = pg_stats_signed_rank(d, k, PG_ALT_LESS, NULL);
    double est, lo, hi;
    pg_stats_walsh(d, k, 1.0 - 2.0 * level, scratch, &est, &lo, &hi);
    out->ratio = exp(est);
    out->lo = exp(lo);
    out->hi = exp(hi);
    /* Too few pairs for the level: the interval is the range, which does
     * not cover at 1 - level; it may rule a change out (pass) but never
     * show one. */
    int decisive = level_reachable(k, level);
    double need = out->need;
    if (deterministic) {
        /* Counts have no noise: the ratio is the answer. */
        out->lo = out->hi = out->ratio = out->med_head / out->med_base;
        out->p_slower = out->p_faster = NAN;
        if (out->ratio > 1.0 + need)
            out->state = PG_AB_FAIL;
        else if (out->ratio < 1.0 - min_effect)
            out->state = PG_AB_IMPROVED;
        else
            out->state = PG_AB_PASS;
    } else if (decisive && out->lo > 1.0 + need / 2.0 && out->ratio > 1.0 + need) {
        /* The interval clears 1 + need/2 and the estimate is beyond need:
         * with no change (ratio 1) this happens with probability <= level
         * (the one-sided error of the interval), and a systematic
         * difference smaller than need/2 (code layout) cannot do it either
         * except by the same chance. */
        out->state = PG_AB_FAIL;
    } else if (decisive && out->hi < 1.0 - min_effect / 2.0 && out->ratio < 1.0 - min_effect) {
        out->state = PG_AB_IMPROVED;
    } else if (out->hi <= 1.0 + need) {
        out->state = PG_AB_PASS;
    } else {
        out->state = PG_AB_INCONCLUSIVE;
    }
done:
    free(buf);
    free(scratch);
    return 0;
}

int pg_ab_judge(const double *base, const double *head, size_t n, double tolerance,
                double min_effect, double alpha, pg_ab_judgement *out)
{
    return judge(base, head, n, tolerance, min_effect, pg_ab_look_level(alpha, 1), 0, out);
}

int pg_ab_judge_look(const double *base, const double *head, size_t n, double tolerance,
                     double min_effect, double alpha, unsigned look, pg_ab_judgement *out)
{
    return judge(base, head, n, tolerance, min_effect, pg_ab_look_level(alpha, look), 0, out);
}

/* ---- the session ------------------------------------------------------------------ */

struct pg_ab {
    const pg_budget_set *budgets;
    pg_ab_options opt;
    int today;
    pg_ab_row *rows;
    size_t n, cap;
    size_t rounds;
    size_t *cap_of;        /* capacity of each row's sample arrays */
};

pg_ab *pg_ab_create(const pg_budget_set *budgets, const pg_ab_options *opt)
{
    pg_ab *ab = calloc(1, sizeof *ab);
    if (!ab)
        return NULL;
    ab->budgets = budgets;
    if (opt)
        ab->opt = *opt;
    else
        ab->opt.metric = -1;
    ab->today = 0;
    if (ab->opt.today)
        pg_parse_date(ab->opt.today, &ab->today);
    if (!ab->today)
        ab->today = pg_today_ymd();
    return ab;
}

void pg_ab_destroy(pg_ab *ab)
{
    if (!ab)
        return;
    for (size_t i = 0; i < ab->n; i++) {
        free((char *)ab->rows[i].name);
        free((char *)ab->rows[i].profile);
        free(ab->rows[i].base);
        free(ab->rows[i].head);
    }
    free(ab->rows);
    free(ab->cap_of);
    free(ab);
}

static char *dup_str(const char *s)
{
    if (!s)
        return NULL;
    size_t l = strlen(s) + 1;
    char *d = malloc(l);
    if (d)
        memcpy(d, s, l);
    return d;
}

static int is_cold(const char *name, const char *profile)
{
    if (profile)
        return !strcmp(profile, "cold");
    return strstr(name, "/cold/") != NULL || !strncmp(name, "cold/", 5);
}

static int is_hot(const char *name, const char *profile)
{
    if (profile)
        return !strcmp(profile, "hot");
    return strstr(name, "/hot/") != NULL || !strncmp(name, "hot/", 4);
}

static pg_ab_row *row_for(pg_ab *ab, const pg_bench *b)
{
    for (size_t i = 0; i < ab->n; i++)
        if (!strcmp(ab->rows[i].name, b->name))
            return &ab->rows[i];
    if (ab->n == ab->cap) {
        size_t cap = ab->cap ? ab->cap * 2 : 64;
        pg_ab_row *nr = realloc(ab->rows, cap * sizeof *nr);
        if (!nr)
            return NULL;
        ab->rows = nr;
        size_t *nc = realloc(ab->cap_of, cap * sizeof *nc);
        if (!nc)
            return NULL;
        ab->cap_of = nc;
        ab->cap = cap;
    }
    pg_ab_row *r = &ab->rows[ab->n];
    memset(r, 0, sizeof *r);
    r->budgeted = ab->budgets ? pg_budget_set_resolve(ab->budgets, b->name, &r->policy) : 0;
    if (r->budgeted < 0)
        return NULL; /* the budgets could not be ordered: no policy to judge by */
    r->name = dup_str(b->name);
    r->profile = dup_str(b->profile);
    if (!r->name)
        return NULL;
    ab->cap_of[ab->n] = 0;
    if (!ab->budgets) {
        memset(&r->policy, 0, sizeof r->policy);
        r->policy.repetitions = 5;
        r->policy.alpha = 0.05;
        r->policy.min_effect = 0.01;
    }
    if (ab->opt.tolerance > 0)
        r->tolerance = ab->opt.tolerance;
    else if (r->policy.has_regression)
        r->tolerance = r->policy.regression_max;
    else
        r->tolerance = is_cold(r->name, r->profile) ? 0.10 : 0.05;
    ab->n++;
    return r;
}

static double run_value(const pg_bench *b, int metric)
{
    const double *src = metric == PG_METRIC_CPU ? b->cpu_ns : b->real_ns;
    double *v = malloc((b->n ? b->n : 1) * sizeof *v);
    if (!v)
        return NAN;
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++)
        if (isfinite(src[i]))
            v[k++] = src[i];
    /* The fastest repetition of the run: a co-tenant's burst, a page
     * fault or an interrupt only ever adds time, so the minimum of a few
     * short repetitions is the least disturbed value of the round. */
    double m = k ? v[0] : NAN;
    for (size_t i = 1; i < k; i++)
        if (v[i] < m)
            m = v[i];
    free(v);
    return m;
}

static int push(pg_ab *ab, pg_ab_row *r, double bv, double hv)
{
    size_t idx = (size_t)(r - ab->rows);
    if (r->n == ab->cap_of[idx]) {
        size_t cap = r->n ? r->n * 2 : 16;
        double *nb = realloc(r->base, cap * sizeof *nb);
        if (!nb)
            return PG_ENOMEM;
        r->base = nb;
        double *nh = realloc(r->head, cap * sizeof *nh);
        if (!nh)
            return PG_ENOMEM;
        r->head = nh;
        ab->cap_of[idx] = cap;
    }
    r->base[r->n] = bv;
    r->head[r->n] = hv;
    r->n++;
    return 0;
}

int pg_ab_add_round(pg_ab *ab, const pg_run *base, const pg_run *head)
{
    for (size_t i = 0; i < pg_run_count(head); i++) {
        const pg_bench *h = pg_run_bench(head, i);
        const pg_bench *b = pg_run_find(base, h->name);
        pg_ab_row *r = row_for(ab, h);
        if (!r)
            return PG_ENOMEM;
        /* --metric, else the budget's, else CPU time for hot benchmarks
         * (time the core spent on another process is not counted: on a
         * shared machine wall time mostly measures the co-tenants) and
         * real time for cold and first ones (as perfgate check: older
         * files' and other programs' CPU time of those includes untimed
         * work; a budget's metric opts in, docs/harness.md). */
        int metric = ab->opt.metric >= 0 ? ab->opt.metric
                     : r->policy.has_regression ? r->policy.regression_metric
                     : is_hot(r->name, r->profile) ? PG_METRIC_CPU
                                                    : PG_METRIC_REAL;
        r->metric = metric;
        double hv = h->error ? NAN : run_value(h, metric);
        double bv = !b || b->error ? NAN : run_value(b, metric);
        if (push(ab, r, bv, hv))
            return PG_ENOMEM;
    }
    for (size_t i = 0; i < pg_run_count(base); i++) {
        const pg_bench *b = pg_run_bench(base, i);
        if (pg_run_find(head, b->name))
            continue;
        pg_ab_row *r = row_for(ab, b);
        if (!r || push(ab, r, NAN, NAN))
            return PG_ENOMEM;
        snprintf(r->note, sizeof r->note, "in the base build but not in the head build");
    }
    ab->rounds++;
    return 0;
}

int pg_ab_row_undecided(const pg_ab_row *row)
{
    return row->final.state == PG_AB_INCONCLUSIVE;
}

void pg_ab_begin_confirmation(pg_ab *ab)
{
    for (size_t i = 0; i < ab->n; i++) {
        pg_ab_row *r = &ab->rows[i];
        if (r->confirm_from)
            continue;
        r->initial = r->n;
        if (pg_ab_row_undecided(r))
            r->confirm_from = r->n;
    }
}

static const pg_waiver *active_waiver(const pg_ab *ab, const char *name)
{
    for (size_t i = 0; ab->budgets && i < pg_budget_set_nwaivers(ab->budgets); i++) {
        const pg_waiver *w = pg_budget_set_waiver(ab->budgets, i);
        if (w->expires_ymd < ab->today)
            continue;
        if (pg_glob_is_literal(w->match) ? !strcmp(w->match, name) : !fnmatch(w->match, name, 0))
            return w;
    }
    return NULL;
}

static int state_fails(const pg_ab *ab, const pg_ab_row *r, pg_ab_state s)
{
    if (s == PG_AB_FAIL)
        return 1;
    if (s == PG_AB_INCONCLUSIVE)
        return ab->opt.inconclusive_fails;
    if (s == PG_AB_MISSING)
        return r->budgeted;
    return 0;
}

int pg_ab_judge_all(pg_ab *ab)
{
    for (size_t i = 0; i < ab->n; i++) {
        pg_ab_row *r = &ab->rows[i];
        const pg_policy *p = &r->policy;
        double alpha = p->alpha > 0 ? p->alpha : 0.05;
        int det = ab->opt.instructions;
        /* A look judges all of the row's rounds so far.  A decided row
         * (pass, improved, regression) is final; an inconclusive one gets
         * another look when new rounds came in.  Look j spends
         * pg_ab_look_level(alpha, j), so the chance of any false alarm
         * over all looks stays below alpha/5 whatever the stopping. */
        if (r->looks > 0 && (r->n == r->judged_n || !pg_ab_row_undecided(r)))
            continue;
        r->looks++;
        r->judged_n = r->n;
        if (judge(r->base, r->head, r->n, r->tolerance, p->min_effect,
                  pg_ab_look_level(alpha, r->looks), det, &r->final))
            return PG_ENOMEM;
        if (r->looks == 1)
            r->first = r->final;
        r->confirmed = r->looks > 1;
        r->waiver = NULL;
        if (state_fails(ab, r, r->final.state) && r->final.state != PG_AB_MISSING) {
            r->waiver = active_waiver(ab, r->name);
        }
    }
    return 0;
}

size_t pg_ab_count(const pg_ab *ab)
{
    return ab ? ab->n : 0;
}

const pg_ab_row *pg_ab_get(const pg_ab *ab, size_t i)
{
    return ab && i < ab->n ? &ab->rows[i] : NULL;
}

int pg_ab_row_fails(const pg_ab *ab, const pg_ab_row *r)
{
    if (r->waiver || (r->budgeted && r->policy.severity == PG_SEV_WARN))
        return 0;
    return state_fails(ab, r, r->final.state);
}

int pg_ab_failed(const pg_ab *ab)
{
    for (size_t i = 0; ab && i < ab->n; i++)
        if (pg_ab_row_fails(ab, &ab->rows[i]))
            return 1;
    return 0;
}

/* ---- writers ------------------------------------------------------------------------ */

static const char *row_label(const pg_ab *ab, const pg_ab_row *r)
{
    if (r->waiver)
        return "waived";
    if (r->budgeted && r->policy.severity == PG_SEV_WARN && state_fails(ab, r, r->final.state))
        return "warn";
    return pg_ab_state_name(r->final.state);
}

static void safe(const char *s, char *buf, size_t len)
{
    size_t n = 0;
    for (; s && *s && n + 1 < len; s++) {
        unsigned char c = (unsigned char)*s;
        buf[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    buf[n] = '\0';
}

static void fmt_val(const pg_ab *ab, double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else if (ab->opt.instructions)
        snprintf(buf, len, "%.0f", v);
    else if (v < 1e3)
        snprintf(buf, len, "%.3gns", v);
    else if (v < 1e6)
        snprintf(buf, len, "%.3gus", v / 1e3);
    else if (v < 1e9)
        snprintf(buf, len, "%.3gms", v / 1e6);
    else
        snprintf(buf, len, "%.3gs", v / 1e9);
}

static void fmt_ratio(const pg_ab_judgement *j, char *buf, size_t len)
{
    if (isnan(j->ratio))
        snprintf(buf, len, "-");
    else if (j->lo == j->hi)
        snprintf(buf, len, "%.4fx", j->ratio);
    else
        snprintf(buf, len, "%.4fx [%.4f, %.4f]", j->ratio, j->lo, j->hi);
}

static void fmt_p(double p, char *buf, size_t len)
{
    if (isnan(p))
        snprintf(buf, len, "-");
    else if (p < 0.001)
        snprintf(buf, len, "<0.001");
    else
        snprintf(buf, len, "%.3f", p);
}

/* "confirmed after 10 more rounds" and the like. */
static void describe(const pg_ab *ab, const pg_ab_row *r, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    if (r->note[0])
        used += (size_t)snprintf(buf + used, len - used, "%s; ", r->note);
    if (r->confirm_from && used < len) {
        size_t extra = r->final.n > r->confirm_from ? r->final.n - r->confirm_from : 0;
        if (r->final.state == PG_AB_INCONCLUSIVE)
            used += (size_t)snprintf(buf + used, len - used,
                                     "first %zu rounds %s; still undecided after %zu more "
                                     "(%u looks); ",
                                     r->confirm_from, pg_ab_state_name(r->first.state), extra,
                                     r->looks);
        else
            used += (size_t)snprintf(buf + used, len - used,
                                     "first %zu rounds %s; decided by %zu more rounds "
                                     "(look %u, level %.2g%%); ",
                                     r->confirm_from, pg_ab_state_name(r->first.state), extra,
                                     r->looks, r->final.level * 100);
    }
    if (r->waiver && used < len)
        used += (size_t)snprintf(buf + used, len - used, "waived until %s (%s: %s); ",
                                 r->waiver->expires, r->waiver->ticket, r->waiver->reason);
    if (!r->budgeted && used < len && ab->budgets)
        used += (size_t)snprintf(buf + used, len - used, "no budget: default tolerance; ");
    if (used >= 2 && used < len)
        buf[used - 2] = '\0';
}

static void counts(const pg_ab *ab, size_t c[PG_AB_STATE_COUNT])
{
    memset(c, 0, PG_AB_STATE_COUNT * sizeof c[0]);
    for (size_t i = 0; i < ab->n; i++)
        c[ab->rows[i].waiver ? PG_AB_WAIVED : ab->rows[i].final.state]++;
}

static void summary(const pg_ab *ab, char *buf, size_t len)
{
    size_t c[PG_AB_STATE_COUNT];
    counts(ab, c);
    size_t used = (size_t)snprintf(buf, len, "%zu benchmarks, %zu rounds", ab->n, ab->rounds);
    for (int k = 0; k < PG_AB_STATE_COUNT && used < len; k++)
        if (c[k])
            used += (size_t)snprintf(buf + used, len - used, ", %zu %s", c[k],
                                     pg_ab_state_name((pg_ab_state)k));
}

int pg_ab_write_table(const pg_ab *ab, FILE *f, int colour)
{
    size_t width = 9;
    for (size_t i = 0; i < ab->n; i++)
        if (strlen(ab->rows[i].name) > width)
            width = strlen(ab->rows[i].name);
    if (width > 60)
        width = 60;
    const char *unit = ab->opt.instructions ? "INSTR" : "MEDIAN";
    fprintf(f, "%-13s %-*s %-12s %-12s %-30s %-7s %-6s %-5s %s\n", "VERDICT", (int)width,
            "BENCHMARK", unit[0] == 'I' ? "BASE INSTR" : "BASE", unit[0] == 'I' ? "HEAD INSTR" : "HEAD",
            "HEAD/BASE [CI]", "P", "TOL", "PAIRS", "NOTE");
    for (size_t i = 0; i < ab->n; i++) {
        const pg_ab_row *r = &ab->rows[i];
        char name[512], b[32], h[32], ratio[80], p[16], tol[16], note[512], safe_note[512];
        safe(r->name, name, sizeof name);
        fmt_val(ab, r->final.med_base, b, sizeof b);
        fmt_val(ab, r->final.med_head, h, sizeof h);
        fmt_ratio(&r->final, ratio, sizeof ratio);
        fmt_p(r->final.p_slower, p, sizeof p);
        snprintf(tol, sizeof tol, "+%g%%", r->tolerance * 100);
        describe(ab, r, note, sizeof note);
        safe(note, safe_note, sizeof safe_note);
        const char *lab = row_label(ab, r);
        int fails = pg_ab_row_fails(ab, r);
        if (colour)
            fprintf(f, "%s%-13s\033[0m", fails ? "\033[1;31m"
                                         : r->final.state == PG_AB_INCONCLUSIVE || r->waiver
                                             ? "\033[33m"
                                             : "\033[32m",
                    lab);
        else
            fprintf(f, "%-13s", lab);
        fprintf(f, " %-*s %-12s %-12s %-30s %-7s %-6s %-5zu %s\n", (int)width, name, b, h, ratio,
                p, tol, r->final.n, safe_note);
    }
    char sum[512];
    summary(ab, sum, sizeof sum);
    int failed = pg_ab_failed(ab);
    if (colour)
        fprintf(f, "\n%sgate %s\033[0m: %s\n", failed ? "\033[1;31m" : "\033[1;32m",
                failed ? "FAILED" : "passed", sum);
    else
        fprintf(f, "\ngate %s: %s\n", failed ? "FAILED" : "passed", sum);
    return ferror(f) ? PG_EIO : 0;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *judgement_json(const pg_ab_judgement *j)
{
    json_t *o = json_object();
    json_object_set_new(o, "verdict", json_string(pg_ab_state_name(j->state)));
    json_object_set_new(o, "pairs", json_integer((json_int_t)j->n));
    json_object_set_new(o, "ratio", num(j->ratio));
    json_object_set_new(o, "ratio_lo", num(j->lo));
    json_object_set_new(o, "ratio_hi", num(j->hi));
    json_object_set_new(o, "p_slower", num(j->p_slower));
    json_object_set_new(o, "p_faster", num(j->p_faster));
    json_object_set_new(o, "level", num(j->level));
    json_object_set_new(o, "median_base", num(j->med_base));
    json_object_set_new(o, "median_head", num(j->med_head));
    return o;
}

int pg_ab_write_json(const pg_ab *ab, FILE *f)
{
    json_t *root = json_object(), *arr = json_array();
    json_object_set_new(root, "tool", json_string("perfgate ab"));
    json_object_set_new(root, "mode", json_string(ab->opt.instructions ? "instructions" : "time"));
    json_object_set_new(root, "passed", json_boolean(!pg_ab_failed(ab)));
    json_object_set_new(root, "rounds", json_integer((json_int_t)ab->rounds));
    json_object_set_new(root, "inconclusive_fails", json_boolean(ab->opt.inconclusive_fails));
    for (size_t i = 0; i < ab->n; i++) {
        const pg_ab_row *r = &ab->rows[i];
        json_t *o = json_object();
        char note[512];
        describe(ab, r, note, sizeof note);
        json_object_set_new(o, "benchmark", json_string(r->name));
        json_object_set_new(o, "verdict", json_string(row_label(ab, r)));
        json_object_set_new(o, "fails", json_boolean(pg_ab_row_fails(ab, r)));
        json_object_set_new(o, "tolerance", json_real(r->tolerance));
        if (!ab->opt.instructions)
            json_object_set_new(o, "metric", json_string(r->metric == PG_METRIC_CPU ? "cpu_time"
                                                                                 : "real_time"));
        json_object_set_new(o, "rounds", json_integer((json_int_t)r->final.n));
        json_object_set_new(o, "looks", json_integer((json_int_t)r->looks));
        json_object_set_new(o, "confirmation_rounds",
                            json_integer((json_int_t)(r->confirm_from ? r->n - r->confirm_from : 0)));
        json_object_set_new(o, "first", judgement_json(&r->first));
        json_object_set_new(o, "final", judgement_json(&r->final));
        if (r->budgeted && r->policy.owner)
            json_object_set_new(o, "owner", json_string(r->policy.owner));
        if (r->budgeted && r->policy.file)
            json_object_set_new(o, "budget_file", json_string(r->policy.file));
        json_object_set_new(o, "note", json_string(note));
        json_array_append_new(arr, o);
    }
    json_object_set_new(root, "benchmarks", arr);
    int rc = json_dumpf(root, f, JSON_INDENT(2)) == 0 && fputc('\n', f) != EOF ? 0 : PG_EIO;
    json_decref(root);
    return rc == 0 && !ferror(f) ? 0 : PG_EIO;
}

static void md(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '&')
            fputs("&amp;", f);
        else if (c < 0x20 || c == 0x7f)
            fputc(' ', f);
        else if (strchr("|`*_[]\\#!~", c))
            fprintf(f, "\\%c", c);
        else
            fputc(c, f);
    }
}

int pg_ab_write_markdown(const pg_ab *ab, FILE *f)
{
    char sum[512];
    summary(ab, sum, sizeof sum);
    int failed = pg_ab_failed(ab);
    fprintf(f, "### perfgate ab (%s): %s\n\n%s\n\n",
            ab->opt.instructions ? "instruction counts" : "interleaved timings",
            failed ? "gate FAILED" : "gate passed", sum);
    fprintf(f, "| verdict | benchmark | base | head | head/base [CI] | p | tolerance | pairs | note |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < ab->n && i < 1000; i++) {
        const pg_ab_row *r = &ab->rows[i];
        char b[32], h[32], ratio[80], p[16], note[512];
        fmt_val(ab, r->final.med_base, b, sizeof b);
        fmt_val(ab, r->final.med_head, h, sizeof h);
        fmt_ratio(&r->final, ratio, sizeof ratio);
        fmt_p(r->final.p_slower, p, sizeof p);
        describe(ab, r, note, sizeof note);
        int fails = pg_ab_row_fails(ab, r);
        fprintf(f, "| %s%s%s | ", fails ? "**" : "", row_label(ab, r), fails ? "**" : "");
        md(f, r->name);
        fprintf(f, " | %s | %s | %s | %s | +%g%% | %zu | ", b, h, ratio, p, r->tolerance * 100,
                r->final.n);
        md(f, note);
        fprintf(f, " |\n");
    }
    return ferror(f) ? PG_EIO : 0;
}

static void xml(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '&')
            fputs("&amp;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c == '\'')
            fputs("&apos;", f);
        else if (c < 0x20 && c != '\t' && c != '\n')
            fputc('?', f);
        else
            fputc(c, f);
    }
}

int pg_ab_write_junit(const pg_ab *ab, FILE *f)
{
    size_t nfail = 0;
    for (size_t i = 0; i < ab->n; i++)
        nfail += (size_t)pg_ab_row_fails(ab, &ab->rows[i]);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"perfgate ab\" tests=\"%zu\" failures=\"%zu\">\n", ab->n, nfail);
    fprintf(f, "  <testsuite name=\"perfgate ab\" tests=\"%zu\" failures=\"%zu\">\n", ab->n, nfail);
    for (size_t i = 0; i < ab->n; i++) {
        const pg_ab_row *r = &ab->rows[i];
        char ratio[80], note[512];
        fmt_ratio(&r->final, ratio, sizeof ratio);
        describe(ab, r, note, sizeof note);
        fprintf(f, "    <testcase classname=\"perfgate.ab\" name=\"");
        xml(f, r->name);
        fprintf(f, "\">");
        if (pg_ab_row_fails(ab, r)) {
            fprintf(f, "\n      <failure message=\"%s: head/base %s, tolerance +%g%%\">",
                    row_label(ab, r), ratio, r->tolerance * 100);
            xml(f, note);
            fprintf(f, "</failure>\n    ");
        } else if (r->final.state == PG_AB_INCONCLUSIVE || r->waiver) {
            fprintf(f, "\n      <system-out>%s: head/base %s. ", row_label(ab, r), ratio);
            xml(f, note);
            fprintf(f, "</system-out>\n    ");
        }
        fprintf(f, "</testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    return ferror(f) ? PG_EIO : 0;
}
