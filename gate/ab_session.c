/*
 * ab_session.c - a session of `perfgate ab`: the samples of many
 * benchmarks gathered round by round (pg_ab_add_round), the start of the
 * confirmation phase for those still undecided, and the looks that judge
 * them (ab.c) with the budgets' policies and waivers.  Running the builds
 * and interleaving them is the caller's (cli/cmd_ab.c, through
 * common/pg_process.h); writing the verdicts is ab_write.c's.
 */
#include "ab.h"
#include "ab_internal.h"
#include "internal.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    const char *p = pg_name_profile(name, profile);
    return p && !strcmp(p, "cold");
}

static int is_hot(const char *name, const char *profile)
{
    const char *p = pg_name_profile(name, profile);
    return p && !strcmp(p, "hot");
}

static pg_ab_row *row_for(pg_ab *ab, const pg_result *b)
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

static double run_value(const pg_result *b, int metric)
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

int pg_ab_add_round(pg_ab *ab, const pg_results *base, const pg_results *head)
{
    for (size_t i = 0; i < pg_results_count(head); i++) {
        const pg_result *h = pg_results_get(head, i);
        const pg_result *b = pg_results_find(base, h->name);
        pg_ab_row *r = row_for(ab, h);
        if (!r)
            return PG_ENOMEM;
        /* --metric, else the budget's, else CPU time for hot benchmarks
         * (time the core spent on another process is not counted: on a
         * shared machine wall time mostly measures the co-tenants) and
         * real time for cold and first ones (as perfgate check: older
         * files' and other programs' CPU time of those includes untimed
         * work; a budget's metric opts in, docs/harness.md). */
        int metric = ab->opt.metric >= 0           ? ab->opt.metric
                     : r->policy.has_regression    ? r->policy.regression_metric
                     : is_hot(r->name, r->profile) ? PG_METRIC_CPU
                                                   : PG_METRIC_REAL;
        r->metric = metric;
        double hv = h->error ? NAN : run_value(h, metric);
        double bv = !b || b->error ? NAN : run_value(b, metric);
        if (push(ab, r, bv, hv))
            return PG_ENOMEM;
    }
    for (size_t i = 0; i < pg_results_count(base); i++) {
        const pg_result *b = pg_results_get(base, i);
        if (pg_results_find(head, b->name))
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
        if (gate_glob_is_literal(w->match) ? !strcmp(w->match, name) : !fnmatch(w->match, name, 0))
            return w;
    }
    return NULL;
}

int gate_ab_state_fails(const pg_ab *ab, const pg_ab_row *r, pg_ab_state s)
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
        if (gate_ab_judge_at(r->base, r->head, r->n, r->tolerance, p->min_effect,
                             pg_ab_look_level(alpha, r->looks), det, &r->final))
            return PG_ENOMEM;
        if (r->looks == 1)
            r->first = r->final;
        r->confirmed = r->looks > 1;
        r->waiver = NULL;
        if (gate_ab_state_fails(ab, r, r->final.state) && r->final.state != PG_AB_MISSING) {
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
    return gate_ab_state_fails(ab, r, r->final.state);
}

int pg_ab_failed(const pg_ab *ab)
{
    for (size_t i = 0; ab && i < ab->n; i++)
        if (pg_ab_row_fails(ab, &ab->rows[i]))
            return 1;
    return 0;
}
