/*
 * pg_changepoint.h - where a benchmark's level shifted over a series of
 * runs, and whether it crept (gate/changepoint.c, docs/statistics.md).
 *
 * `perfgate history changes` gives this the per-run medians of one
 * benchmark, oldest first.  The method:
 *   1. values are taken as logs, so a shift is a ratio and the noise of a
 *      10 ns and of a 10 ms benchmark look alike;
 *   2. the noise sigma is estimated robustly from the run-to-run
 *      differences (their MAD), which a level shift barely moves;
 *   3. PELT (Killick, Fearnhead & Eckley, JASA 2012) finds the segmentation
 *      that minimises the squared-error cost plus a penalty per change
 *      (penalty * sigma^2 * log n, Zhang & Siegmund's MBIC scale), exactly
 *      and in about linear time;
 *   4. each change is then tested on its own: the runs of the segment
 *      before against the segment after (Mann-Whitney, level alpha) and its
 *      Hodges-Lehmann ratio must be beyond min_effect; a change that fails
 *      is merged away and its neighbours are tested again;
 *   5. creep: the level of the last runs against the level of the reference
 *      runs (the baseline's, or the first ones): beyond tolerance while no
 *      change PELT proposed since the reference (kept, or merged away by
 *      its test: a short history cannot show a change at alpha) stepped
 *      beyond it (its local step, over `window` runs a side), the
 *      benchmark crept there through steps each under the tolerance.
 *
 * Conventions as pg_gate.h: 0 or a negative PG_E... code, caller-owned
 * results freed by their own function; nothing here prints or exits.
 */
#ifndef PG_CHANGEPOINT_H
#define PG_CHANGEPOINT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the caller may tune; a zeroed struct gives the defaults. */
typedef struct pg_cp_options {
    double penalty;     /* PELT penalty per change, in sigma^2 * log n units; 0: 3 */
    double alpha;       /* level of each change's Mann-Whitney test; 0: 0.001 */
    double min_effect;  /* a shift smaller than this fraction is not a change; 0: 0.01 */
    size_t min_segment; /* fewest runs in a level; 0: 3 */
    double tolerance;   /* creep: drift beyond this fraction; 0: 0.05 */
    size_t reference;   /* creep: index (into the caller's series) of the reference
                            run, e.g. the baseline's; the level is taken over it and
                            the runs after it (window runs) */
    size_t window;      /* runs on each end the drift compares; 0: 5 */
} pg_cp_options;

/* One shift of level. */
typedef struct pg_cp_change {
    size_t index;              /* the first run of the new level (caller's index) */
    size_t index_lo, index_hi; /* the runs where it may have happened (likelihood
                                  interval, caller's indices) */
    double ratio;              /* new level / old level: Hodges-Lehmann of the two segments
                            (the nearest 30 runs of each) */
    double lo, hi;             /* its 95 % interval (Moses) */
    double step;               /* the same over `window` runs a side: the local step, which
                            the creep rule holds under the tolerance */
    double p;                  /* two-sided Mann-Whitney p-value of the two segments */
    size_t n_before, n_after;  /* runs in the segments compared */
} pg_cp_change;

typedef struct pg_cp_result {
    pg_cp_change *changes; /* oldest first; malloc'd, pg_cp_result_free frees them */
    size_t n_changes;
    size_t n_used;             /* finite positive values in the series */
    double sigma;              /* the noise estimate, in log units (~ a fraction) */
    double drift;              /* last window's level / reference window's (NaN: too few runs) */
    double drift_lo, drift_hi; /* its 95 % interval */
    double drift_p;            /* one-sided Mann-Whitney p-value, last window slower */
    double max_step;           /* the largest local step (pg_cp_change.step) of any
                            change PELT proposed after the reference, kept or
                            merged away by its test (NaN: none) */
    int creep;                 /* 1: drifted slower beyond tolerance (drift_lo above
                            1 + tolerance), and max_step is not beyond it */
} pg_cp_result;

/* Finds the changes of level in x[0..n) (times, oldest first; NaN,
 * zero or negative values are runs where the benchmark is absent: left
 * out, indices stay the caller's).  opt may be NULL.  out is filled; free
 * it with pg_cp_result_free even on error.  Returns 0, PG_EINVAL (n > 0 and
 * x NULL) or PG_ENOMEM.  Fewer than 2 * min_segment values give no change. */
int pg_changepoints(const double *x, size_t n, const pg_cp_options *opt, pg_cp_result *out);
void pg_cp_result_free(pg_cp_result *r); /* NULL is a no-op */

/* What the newest run brought: the analysis of x[0..n) and of x[0..n-1)
 * (without the newest run), and which of the first's findings the second
 * lacks.  A change is not new when the older analysis has one in the same
 * direction within two runs of its location interval (a change found a run
 * later or earlier is the same change, seen with one more run). */
typedef struct pg_cp_news {
    pg_cp_result now;    /* over x[0..n) */
    pg_cp_result before; /* over x[0..n-1) */
    int *is_new;         /* per change of `now`, 1: new; malloc'd (n_changes + 1 ints) */
    int creep_new;       /* now.creep and not before.creep */
    int new_slowdown;    /* a new change that is a slowdown (ratio > 1), or creep_new */
} pg_cp_news;

/* pg_changepoints twice, as above; opt may be NULL.  out is filled; free it
 * with pg_cp_news_free even on error.  Returns 0, PG_EINVAL or PG_ENOMEM. */
int pg_changepoints_news(const double *x, size_t n, const pg_cp_options *opt, pg_cp_news *out);
void pg_cp_news_free(pg_cp_news *r); /* NULL is a no-op */

#ifdef __cplusplus
}
#endif
#endif
