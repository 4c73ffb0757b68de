/*
 * changepoint.c - changes of level in a series of runs, and creep
 * (pg_changepoint.h says what; docs/statistics.md says why this method).
 *
 * Workload: one benchmark's per-run medians, tens to a few thousand runs,
 * once per benchmark per `perfgate history changes`.  PELT's pruning keeps
 * the search near linear; the tests after it are on at most a few dozen
 * runs per change.
 *
 * All arithmetic is on logs of the times: a level is a geometric mean, a
 * shift a ratio.  The squared-error cost is measured in units of the noise
 * variance, so the penalty means the same thing for every benchmark.
 */
#include "pg_changepoint.h"
#include "pg_error.h"
#include "pg_gate.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Runs of each segment the test of a change compares (the nearest ones):
 * enough for power, few enough that a slow drift far away does not count. */
#define SEG_MAX 30
/* The likelihood interval of a change's location: the places whose cost is
 * within this many units (chi-square(1) at 95 %) of the best. */
#define LOCATION_LR 3.84

typedef struct series {
    double *y;       /* logs, compacted */
    size_t *idx;     /* caller's index of each */
    double *s1, *s2; /* prefix sums of y and y^2, n + 1 each */
    size_t n;
    double inv_var; /* 1 / sigma^2 */
} series;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Squared error of y[s..t) about its mean, in units of sigma^2. */
static double cost(const series *S, size_t s, size_t t)
{
    double len = (double)(t - s);
    double a = S->s1[t] - S->s1[s], b = S->s2[t] - S->s2[s];
    double c = b - a * a / len;
    return (c > 0 ? c : 0) * S->inv_var;
}

/* The prefix sums the cost reads, of the values clipped to 3 sigma about
 * their running median of 5: a run slowed by a busy neighbour is an
 * outlier to the squared-error cost, which would bend a change's place
 * toward it; a shift of level moves the running median with it within two
 * runs, so it is not clipped away.  The tests after PELT use the values
 * as they are (ranks), so clipping never decides a change alone. */
static void prefix_sums(series *S, double sigma, double *win)
{
    S->s1[0] = S->s2[0] = 0;
    for (size_t i = 0; i < S->n; i++) {
        size_t a = i >= 2 ? i - 2 : 0, b = i + 3 < S->n ? i + 3 : S->n, k = b - a;
        memcpy(win, S->y + a, k * sizeof *win);
        qsort(win, k, sizeof *win, cmp_double);
        double med = pg_stats_median(win, k), v = S->y[i];
        if (v > med + 3 * sigma)
            v = med + 3 * sigma;
        if (v < med - 3 * sigma)
            v = med - 3 * sigma;
        S->s1[i + 1] = S->s1[i] + v;
        S->s2[i + 1] = S->s2[i] + v * v;
    }
}

/* PELT (Killick, Fearnhead & Eckley 2012) for the squared-error cost with
 * minimum segment length m: F[t] = min over admissible s of F[s] + C(s,t)
 * + beta, pruning any s with F[s] + C(s,t) > F[t] (valid since adding a
 * change never raises this cost, K = 0).  Writes the change positions
 * (compact indices, ascending) to cps; returns how many, or -1 (memory). */
static long pelt(const series *S, size_t m, double beta, size_t *cps)
{
    size_t n = S->n;
    double *F = malloc((n + 1) * sizeof *F);
    size_t *last = malloc((n + 1) * sizeof *last), *R = malloc((n + 1) * sizeof *R);
    long k = -1;
    if (!F || !last || !R)
        goto done;
    size_t nr = 0;
    F[0] = -beta;
    last[0] = 0;
    R[nr++] = 0;
    for (size_t t = m; t <= n; t++) {
        if (t >= 2 * m)
            R[nr++] = t - m;
        double best = DBL_MAX;
        size_t arg = 0;
        for (size_t i = 0; i < nr; i++) {
            double v = F[R[i]] + cost(S, R[i], t) + beta;
            if (v < best) {
                best = v;
                arg = R[i];
            }
        }
        F[t] = best;
        last[t] = arg;
        size_t keep = 0;
        for (size_t i = 0; i < nr; i++)
            if (F[R[i]] + cost(S, R[i], t) <= F[t])
                R[keep++] = R[i];
        nr = keep;
    }
    k = 0;
    for (size_t t = n; t > 0 && last[t] > 0; t = last[t])
        cps[k++] = last[t];
    for (long i = 0; i < k / 2; i++) { /* oldest first */
        size_t tmp = cps[i];
        cps[i] = cps[k - 1 - i];
        cps[k - 1 - i] = tmp;
    }
done:
    free(F);
    free(last);
    free(R);
    return k;
}

/* Hodges-Lehmann ratio of y[at..at+na) over y[at-nb..at), Moses 95 %. */
static void shift_at(const series *S, size_t at, size_t nb, size_t na, double *scratch,
                     double *ratio, double *lo, double *hi)
{
    double shift = NAN, slo = NAN, shi = NAN;
    pg_stats_hodges_lehmann(S->y + at, na, S->y + at - nb, nb, 0.95, scratch, &shift, &slo, &shi);
    *ratio = exp(shift);
    if (lo)
        *lo = exp(slo);
    if (hi)
        *hi = exp(shi);
}

/* The change between [from, at) and [at, to): best local position, its
 * likelihood interval, the shift between the segments (at most SEG_MAX
 * runs a side) and the local step (at most `window` runs a side). */
static void judge_change(const series *S, size_t from, size_t at, size_t to, size_t m,
                         size_t window, double *scratch, pg_cp_change *c, size_t *pos)
{
    double best = DBL_MAX;
    size_t arg = at;
    for (size_t t = from + m; t + m <= to; t++) {
        double v = cost(S, from, t) + cost(S, t, to);
        if (v < best) {
            best = v;
            arg = t;
        }
    }
    size_t lo = arg, hi = arg;
    for (size_t t = from + m; t + m <= to; t++)
        if (cost(S, from, t) + cost(S, t, to) - best <= LOCATION_LR) {
            if (t < lo)
                lo = t;
            if (t > hi)
                hi = t;
        }
    *pos = arg;
    size_t nb = arg - from < SEG_MAX ? arg - from : SEG_MAX;
    size_t na = to - arg < SEG_MAX ? to - arg : SEG_MAX;
    c->index = S->idx[arg];
    c->index_lo = S->idx[lo];
    c->index_hi = S->idx[hi];
    shift_at(S, arg, nb, na, scratch, &c->ratio, &c->lo, &c->hi);
    shift_at(S, arg, nb < window ? nb : window, na < window ? na : window, scratch, &c->step, NULL,
             NULL);
    c->p = pg_stats_mann_whitney(S->y + arg, na, S->y + arg - nb, nb, PG_ALT_TWO_SIDED, NULL, NULL);
    c->n_before = nb;
    c->n_after = na;
}

/* Drift of the last `w` values against the `w` from the reference on. */
static void drift(const series *S, size_t ref, size_t w, double *scratch, pg_cp_result *out)
{
    out->drift = out->drift_lo = out->drift_hi = out->drift_p = NAN;
    if (w < 2 || ref + w > S->n - w)
        return;
    const double *a = S->y + ref, *b = S->y + S->n - w;
    double shift, lo, hi;
    if (pg_stats_hodges_lehmann(b, w, a, w, 0.95, scratch, &shift, &lo, &hi) == 0) {
        out->drift = exp(shift);
        out->drift_lo = exp(lo);
        out->drift_hi = exp(hi);
    }
    out->drift_p = pg_stats_mann_whitney(b, w, a, w, PG_ALT_GREATER, NULL, NULL);
}

void pg_cp_result_free(pg_cp_result *r)
{
    if (!r)
        return;
    free(r->changes);
    r->changes = NULL;
    r->n_changes = 0;
}

int pg_changepoints(const double *x, size_t n, const pg_cp_options *opt, pg_cp_result *out)
{
    pg_cp_options o = { 0 };
    if (opt)
        o = *opt;
    if (!(o.penalty > 0))
        o.penalty = 3;
    if (!(o.alpha > 0))
        o.alpha = 0.001;
    if (!(o.min_effect > 0))
        o.min_effect = 0.01;
    if (!o.min_segment)
        o.min_segment = 3;
    if (!(o.tolerance > 0))
        o.tolerance = 0.05;
    if (!o.window)
        o.window = 5;
    memset(out, 0, sizeof *out);
    out->sigma = out->drift = out->drift_lo = out->drift_hi = out->drift_p = NAN;
    out->max_step = NAN;
    if (n && !x)
        return PG_EINVAL;

    int rc = PG_ENOMEM;
    series S = { 0 };
    size_t *cps = NULL;
    pg_cp_change *ch = NULL;
    size_t scratch_n = n > SEG_MAX * SEG_MAX ? n : SEG_MAX * SEG_MAX;
    if (o.window * o.window > scratch_n)
        scratch_n = o.window * o.window;
    double *scratch = malloc((scratch_n + 1) * sizeof *scratch);
    S.y = malloc((n + 1) * sizeof *S.y);
    S.idx = malloc((n + 1) * sizeof *S.idx);
    S.s1 = malloc((n + 1) * sizeof *S.s1);
    S.s2 = malloc((n + 1) * sizeof *S.s2);
    cps = malloc((n + 1) * sizeof *cps);
    if (!scratch || !S.y || !S.idx || !S.s1 || !S.s2 || !cps)
        goto done;
    size_t ref = 0;
    int ref_set = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(x[i]) && x[i] > 0))
            continue;
        if (!ref_set && i >= o.reference) {
            ref = S.n;
            ref_set = 1;
        }
        S.idx[S.n] = i;
        S.y[S.n++] = log(x[i]);
    }
    out->n_used = S.n;
    rc = 0;
    if (S.n < 2 * o.min_segment)
        goto done;
    out->sigma = pg_stats_diff_sigma(S.y, S.n, scratch);
    /* a series with no noise at all (instruction counts): any change that
     * is there is real; a floor keeps the cost finite */
    double sigma = out->sigma > 1e-6 ? out->sigma : 1e-6;
    S.inv_var = 1 / (sigma * sigma);
    prefix_sums(&S, sigma, scratch);
    long k = pelt(&S, o.min_segment, o.penalty * log((double)S.n), cps);
    if (k < 0) {
        rc = PG_ENOMEM;
        goto done;
    }
    if (k > 0 && !(ch = malloc((size_t)k * sizeof *ch))) {
        rc = PG_ENOMEM;
        goto done;
    }
    /* Test every change against its neighbours' segments; merge away the
     * weakest failing one and test again, until all stand. */
    size_t nk = (size_t)k;
    for (;;) {
        long worst = -1;
        double worst_p = -1;
        for (size_t j = 0; j < nk; j++) {
            size_t from = j ? cps[j - 1] : 0, to = j + 1 < nk ? cps[j + 1] : S.n, pos;
            judge_change(&S, from, cps[j], to, o.min_segment, o.window, scratch, &ch[j], &pos);
            cps[j] = pos;
            if (pos > ref && (isnan(out->max_step) || ch[j].step > out->max_step))
                out->max_step = ch[j].step;
            int weak = !(ch[j].p <= o.alpha) || !(fabs(ch[j].ratio - 1) >= o.min_effect);
            /* with no noise, a difference is the change itself */
            if (out->sigma <= 1e-6 && ch[j].ratio != 1)
                weak = !(fabs(ch[j].ratio - 1) >= o.min_effect);
            double score = isnan(ch[j].p) ? 2 : ch[j].p;
            if (weak && score > worst_p) {
                worst_p = score;
                worst = (long)j;
            }
        }
        if (worst < 0)
            break;
        memmove(cps + worst, cps + worst + 1, (nk - (size_t)worst - 1) * sizeof *cps);
        nk--;
    }
    out->changes = ch;
    out->n_changes = nk;
    ch = NULL;
    if (!ref_set)
        ref = S.n;
    drift(&S, ref, o.window, scratch, out);
    /* a single step beyond the tolerance, whether or not it stood as a
     * change (a short history cannot show one at alpha), is not creep */
    int stepped = out->max_step > 1 + o.tolerance;
    /* beyond the tolerance with confidence: the interval's lower end */
    out->creep = !stepped && out->drift_lo > 1 + o.tolerance;
done:
    free(ch);
    free(cps);
    free(scratch);
    free(S.y);
    free(S.idx);
    free(S.s1);
    free(S.s2);
    if (rc)
        pg_cp_result_free(out);
    return rc;
}

/* ---- What the newest run brought --------------------------------------- */

/* A change of `now` that `before` has too (its place within two runs of
 * the other's location interval, the same direction) is not new. */
static int seen_before(const pg_cp_change *c, const pg_cp_result *before)
{
    for (size_t j = 0; j < before->n_changes; j++) {
        const pg_cp_change *b = &before->changes[j];
        if (c->index + 2 >= b->index_lo && c->index <= b->index_hi + 2 &&
            (c->ratio > 1) == (b->ratio > 1))
            return 1;
    }
    return 0;
}

void pg_cp_news_free(pg_cp_news *r)
{
    if (!r)
        return;
    pg_cp_result_free(&r->now);
    pg_cp_result_free(&r->before);
    free(r->is_new);
    r->is_new = NULL;
}

int pg_changepoints_news(const double *x, size_t n, const pg_cp_options *opt, pg_cp_news *out)
{
    memset(out, 0, sizeof *out);
    int rc = pg_changepoints(x, n, opt, &out->now);
    if (rc == 0)
        rc = pg_changepoints(x, n ? n - 1 : 0, opt, &out->before);
    if (rc == 0 && !(out->is_new = calloc(out->now.n_changes + 1, sizeof *out->is_new)))
        rc = PG_ENOMEM;
    if (rc)
        return rc;
    for (size_t j = 0; j < out->now.n_changes; j++) {
        out->is_new[j] = !seen_before(&out->now.changes[j], &out->before);
        out->new_slowdown |= out->is_new[j] && out->now.changes[j].ratio > 1;
    }
    out->creep_new = out->now.creep && !out->before.creep;
    out->new_slowdown |= out->creep_new;
    return 0;
}
