/*
 * ab.h - interleaved A/B gating: paired judgements and a session of rounds.
 *
 * `perfgate ab` runs two builds of one suite in alternating order on one
 * CPU, pairs their samples round by round and gates on the paired ratios
 * head/base: a drift of the machine (another tenant, a thermal change)
 * hits both members of a pair alike and cancels in the ratio, which an
 * unpaired comparison against a baseline recorded an hour ago cannot do.
 *
 * The statistics are the one-sample ones on d_i = log(head_i / base_i),
 * pg_stats_signed_rank and pg_stats_walsh (pg_gate.h, gate/stats.c):
 * Wilcoxon's signed-rank test and the Hodges-Lehmann estimate with Tukey's
 * interval; ratios are exp() of those.
 *
 * Verdicts have three states (and "improved"): pass, fail, inconclusive.
 * The rule is in pg_ab_judge.  The method and the measured false-alarm and
 * detection rates are in docs/accuracy.md.
 *
 * The files: ab.c judges one benchmark, ab_session.c gathers the rounds of
 * a session, ab_write.c writes its verdicts.  Running the builds is
 * common/pg_process.h's; reading callgrind's dumps (the instruction count
 * mode) is pg_callgrind.h's.
 *
 * Conventions as pg_gate.h: 0 or a negative PG_E... code, pg_error filled
 * by parsers, NULL-safe destroy; nothing here prints or exits.
 */
#ifndef PG_AB_H
#define PG_AB_H

#include <stddef.h>
#include <stdio.h>

#include "pg_error.h"
#include "pg_gate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- one paired judgement ------------------------------------------------ */

typedef enum pg_ab_state {
    PG_AB_PASS,
    PG_AB_IMPROVED,
    PG_AB_FAIL,
    PG_AB_INCONCLUSIVE,
    PG_AB_WAIVED,
    PG_AB_MISSING,
    PG_AB_STATE_COUNT
} pg_ab_state;

/* "pass", "improved", "regression", "inconclusive", "waived", "missing". */
const char *pg_ab_state_name(pg_ab_state s);

typedef struct pg_ab_judgement {
    pg_ab_state state;
    size_t n;                  /* pairs used (both values finite and positive) */
    double ratio;              /* head/base: exp(Hodges-Lehmann of the log ratios) */
    double lo, hi;             /* its interval at 1 - 2*alpha (one-sided alpha each side) */
    double p_slower;           /* signed-rank p-value, head slower */
    double p_faster;           /* signed-rank p-value, head faster */
    double med_base, med_head; /* medians of the two series */
    double need;               /* max(tolerance, min_effect): the change that fails */
    double level;              /* one-sided error level of the interval (pg_ab_look_level) */
} pg_ab_judgement;

/* The one-sided error level of look `look` (1, 2, ...) of a sequential
 * judgement at the budget's alpha: alpha/5 * 2^-look (0.5 %, 0.25 %, ...
 * at alpha 0.05), which sum to at most alpha/5 over any number of looks. */
double pg_ab_look_level(double alpha, unsigned look);

/* Judges n pairs (base[i], head[i]) at look 1 (pg_ab_judge_look: at look
 * `look`).  [lo, hi] is Tukey's interval of the Hodges-Lehmann ratio at
 * 1 - 2*level, level = pg_ab_look_level(alpha, look).  The rule:
 *   regression    lo > 1 + need/2 and ratio > 1 + need (and n large enough
 *                 for the level: 2^-n <= level);
 *   improved      hi < 1 - min_effect/2 and ratio < 1 - min_effect (same);
 *   pass          hi <= 1 + need (a change beyond the tolerance is ruled out);
 *   inconclusive  anything else: neither shown nor ruled out.
 * With no change at all, a regression needs lo > 1, which has probability
 * <= level.  Non-positive or non-finite pairs are left out.  Returns 0 or
 * PG_ENOMEM; out->state is PG_AB_MISSING when no pair is usable. */
int pg_ab_judge(const double *base, const double *head, size_t n, double tolerance,
                double min_effect, double alpha, pg_ab_judgement *out);
int pg_ab_judge_look(const double *base, const double *head, size_t n, double tolerance,
                     double min_effect, double alpha, unsigned look, pg_ab_judgement *out);

/* ---- a session: samples of many benchmarks over rounds -------------------- */

typedef struct pg_ab pg_ab;

typedef struct pg_ab_row {
    const char *name;
    const char *profile;     /* "hot", "cold", "first" or NULL */
    double *base, *head;     /* one value per round: the fastest repetition of the run
                              (ns per iteration), or a count */
    size_t n;                /* rounds with both values */
    size_t initial;          /* rounds of the first phase */
    size_t confirm_from;     /* first round of the confirmation phase; 0 when none */
    pg_policy policy;        /* from the budgets (pg_budget_set_resolve) */
    int budgeted;            /* some budget matched */
    double tolerance;        /* the regression tolerance in force */
    pg_ab_judgement first;   /* the judgement after the first phase */
    pg_ab_judgement final;   /* the judgement the gate uses (the last look) */
    int confirmed;           /* 1: a look after the first decided it */
    unsigned looks;          /* looks taken (pg_ab_judge_all) */
    int metric;              /* PG_METRIC_REAL or PG_METRIC_CPU (of the last round) */
    size_t judged_n;         /* rounds at the last look */
    const pg_waiver *waiver; /* active waiver that covers a failure, or NULL */
    char note[200];
} pg_ab_row;

typedef struct pg_ab_options {
    int metric;             /* PG_METRIC_REAL or PG_METRIC_CPU; -1: the budget's */
    double tolerance;       /* > 0: overrides every budget's tolerance (a fraction) */
    int inconclusive_fails; /* 1: an inconclusive verdict fails the gate */
    int instructions;       /* 1: values are instruction counts, deterministic */
    const char *today;      /* "YYYY-MM-DD" for waivers; NULL: today (UTC) */
} pg_ab_options;

/* A session borrowing budgets (kept alive by the caller). */
pg_ab *pg_ab_create(const pg_budget_set *budgets, const pg_ab_options *opt);
void pg_ab_destroy(pg_ab *ab); /* NULL is a no-op */
/* Adds one round: the base run and the head run (loaded results).  Each
 * benchmark in both contributes the median of its samples in that run.
 * Returns 0 or PG_ENOMEM. */
int pg_ab_add_round(pg_ab *ab, const pg_results *base, const pg_results *head);
/* Marks the start of the confirmation phase for the benchmarks not yet
 * decided (inconclusive); every later look judges all their rounds at the
 * next look's level. */
void pg_ab_begin_confirmation(pg_ab *ab);
/* Judges every benchmark (first phase, and confirmation where it ran). */
int pg_ab_judge_all(pg_ab *ab);
size_t pg_ab_count(const pg_ab *ab);
const pg_ab_row *pg_ab_get(const pg_ab *ab, size_t i);
/* 1 when the row's final verdict fails the gate. */
int pg_ab_row_fails(const pg_ab *ab, const pg_ab_row *row);
int pg_ab_failed(const pg_ab *ab);
/* 1 when the row still needs rounds (inconclusive). */
int pg_ab_row_undecided(const pg_ab_row *row);

/* Writers, like pg_verdicts_write_*: names escaped for each format.  0 or
 * PG_EIO. */
int pg_ab_write_table(const pg_ab *ab, FILE *f, int colour);
int pg_ab_write_json(const pg_ab *ab, FILE *f);
int pg_ab_write_markdown(const pg_ab *ab, FILE *f);
int pg_ab_write_junit(const pg_ab *ab, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
