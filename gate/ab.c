/*
 * ab.c - one paired judgement of `perfgate ab`: the n pairs (base_i,
 * head_i) of one benchmark become a Hodges-Lehmann ratio with Tukey's
 * interval at the level of the look, and a three-state verdict.  See ab.h
 * for the rule and docs/accuracy.md for its measured error rates.  The
 * paired statistics themselves are in stats.c with the others, the session
 * (rounds, confirmation) in ab_session.c, the writers in ab_write.c.
 *
 * The paired tests work on d_i = log(head_i / base_i) of one round i, so a
 * slow minute of the machine that hits both members of a pair cancels.
 */
#include "ab.h"
#include "ab_internal.h"
#include "stats_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

int gate_ab_judge_at(const double *base, const double *head, size_t n, double tolerance,
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
    gate_stats_sort(b, k);
    gate_stats_sort(h, k);
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
    return gate_ab_judge_at(base, head, n, tolerance, min_effect, pg_ab_look_level(alpha, 1), 0,
                            out);
}

int pg_ab_judge_look(const double *base, const double *head, size_t n, double tolerance,
                     double min_effect, double alpha, unsigned look, pg_ab_judgement *out)
{
    return gate_ab_judge_at(base, head, n, tolerance, min_effect, pg_ab_look_level(alpha, look), 0,
                            out);
}
