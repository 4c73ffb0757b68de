/* ab_internal.h - what ab.c, ab_session.c and ab_write.c share inside
 * gate/: the session's layout, the judgement at a given level, and which
 * states fail the gate. */
#ifndef PG_AB_INTERNAL_H
#define PG_AB_INTERNAL_H

#include "ab.h"

struct pg_ab {
    const pg_budget_set *budgets;
    pg_ab_options opt;
    int today;
    pg_ab_row *rows;
    size_t n, cap;
    size_t rounds;
    size_t *cap_of; /* capacity of each row's sample arrays */
};

/* One judgement at one-sided level `level`; deterministic: the values are
 * counts without noise (the ratio of the medians is the answer).  0 or
 * PG_ENOMEM. */
int gate_ab_judge_at(const double *base, const double *head, size_t n, double tolerance,
                     double min_effect, double level, int deterministic, pg_ab_judgement *out);

/* 1 when state s of row r fails the gate before waivers and severity. */
int gate_ab_state_fails(const pg_ab *ab, const pg_ab_row *r, pg_ab_state s);

#endif
