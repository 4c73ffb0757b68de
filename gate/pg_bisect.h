/*
 * pg_bisect.h - finding the commit that slowed a benchmark, one paired
 * verdict at a time (gate/bisect.c; `perfgate bisect`, docs/ci.md).
 *
 * The search knows nothing of git, builds or processes: it asks questions
 * ("is commit `cand` slower than commit `ref`, by more than `tolerance`?")
 * and is told the paired verdict `perfgate ab` gave.  cli/cmd_bisect.c
 * builds the commits and runs ab; the unit tests answer with a simulated,
 * noisy oracle.  Commits are indices into the first-parent line, 0 the
 * known-good commit and n-1 the known-bad one.
 *
 * The search, and how it bounds its own error:
 *   1. the ends: good against bad at the caller's threshold.  A pass (or an
 *      improvement) ends it: nothing to find; still inconclusive after
 *      every try, it goes on only when the estimate is beyond the
 *      threshold (the confirmation still has to show it).  The ratio R
 *      (the lower end of its interval, when there is one) sets the
 *      tolerance of every later question to sqrt(R) - 1, half way (in log
 *      terms) between "as good" and "as bad" (at least threshold/2, at
 *      most 95 %);
 *   2. binary search, each candidate against the good commit.  An
 *      inconclusive verdict is asked again with twice the rounds (effort 2,
 *      4, ... up to max_tries); a commit still undecided then goes to the
 *      side its last ratio estimate leans to (above 1 + tolerance: bad),
 *      a wrong turn step 3 catches; a commit whose build or run failed (or
 *      that has no estimate) is skipped (git bisect's `skip`) and its
 *      neighbour asked instead;
 *   3. the confirmation: the last good commit against the first bad one, a
 *      paired verdict of the pair itself.  Only a regression there names
 *      the commit.  A pass means some step of the search was wrong: both
 *      ends of the pair are asked again (against the good commit, twice the
 *      effort), the search re-opens where they now point, at most
 *      `max_reopen` times.
 * So a wrong commit is named only when the final paired check is a false
 * alarm between two builds that do not differ: at most ab's error level
 * (alpha/5 per look); the wrong turns of step 2 cost time, not the answer.
 *
 * Conventions as pg_gate.h: 0 or a negative PG_E... code, NULL-safe
 * destroy, nothing here prints or exits.
 */
#ifndef PG_BISECT_H
#define PG_BISECT_H

#include <stddef.h>

#include "pg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a question's verdict was. */
typedef enum pg_bisect_outcome {
    PG_BISECT_PASS,         /* cand is not slower than ref beyond the tolerance */
    PG_BISECT_IMPROVED,     /* cand is faster (a pass, for the search) */
    PG_BISECT_REGRESSION,   /* cand is slower beyond the tolerance */
    PG_BISECT_INCONCLUSIVE, /* neither shown nor ruled out */
    PG_BISECT_SKIP          /* cand could not be built or run, or lacks the benchmark */
} pg_bisect_outcome;

/* "pass", "improved", "regression", "inconclusive", "skip". */
const char *pg_bisect_outcome_name(pg_bisect_outcome o);

typedef enum pg_bisect_phase {
    PG_BISECT_ENDS,
    PG_BISECT_SEARCH,
    PG_BISECT_CONFIRM,
    PG_BISECT_RECHECK
} pg_bisect_phase;

/* "ends", "search", "confirm", "recheck". */
const char *pg_bisect_phase_name(pg_bisect_phase p);

/* One question, and (once answered) its verdict. */
typedef struct pg_bisect_step {
    pg_bisect_phase phase;
    size_t ref, cand; /* commit indices */
    double tolerance; /* the fraction the question is asked at */
    unsigned effort;  /* 1, 2, 4, ...: multiply the rounds by this */
    pg_bisect_outcome outcome;
    double ratio, lo, hi; /* cand/ref and its interval; NaN when none */
} pg_bisect_step;

typedef enum pg_bisect_status {
    PG_BISECT_RUNNING,
    PG_BISECT_FOUND,         /* first_bad confirmed against its parent */
    PG_BISECT_NO_REGRESSION, /* bad is not slower than good */
    PG_BISECT_UNDECIDED      /* the search could not name one commit (see range) */
} pg_bisect_status;

typedef struct pg_bisect pg_bisect;

/* A search over n >= 2 commits (0 good, n-1 bad).  threshold: the
 * smallest slowdown worth finding (a fraction, > 0); max_tries: how many
 * times a question is asked (effort doubling) before giving up on it;
 * max_reopen: how often a failed confirmation may re-open the search.
 * NULL on bad arguments or no memory. */
pg_bisect *pg_bisect_create(size_t n, double threshold, unsigned max_tries, unsigned max_reopen);
void pg_bisect_destroy(pg_bisect *b); /* NULL is a no-op */

/* The next question into *q (its outcome fields unset); returns 1, or 0
 * when the search is over (pg_bisect_status says how). */
int pg_bisect_next(pg_bisect *b, pg_bisect_step *q);

/* The verdict of the question pg_bisect_next last gave: outcome and the
 * measured ratio with its interval (NaN when unknown).  Returns 0,
 * PG_EINVAL (no question pending) or PG_ENOMEM. */
int pg_bisect_answer(pg_bisect *b, pg_bisect_outcome outcome, double ratio, double lo, double hi);

/* Where the search stands.  *first_bad gets the first bad commit when
 * FOUND; *lo_good and *hi_bad (may be NULL) the narrowest pair known: the
 * first bad commit lies in (lo_good, hi_bad]. */
pg_bisect_status pg_bisect_status_of(const pg_bisect *b, size_t *first_bad, size_t *lo_good,
                                     size_t *hi_bad);

/* The questions asked, in order, with their verdicts. */
const pg_bisect_step *pg_bisect_steps(const pg_bisect *b, size_t *n);

/* ---- reading `perfgate ab --json` --------------------------------------- */

typedef struct pg_bisect_verdict {
    pg_bisect_outcome outcome; /* from the row's final judgement */
    double ratio, lo, hi;      /* final.ratio, ratio_lo, ratio_hi (NaN: none) */
    size_t pairs;              /* final.pairs */
    char benchmark[512];       /* the row's name */
} pg_bisect_verdict;

/* Reads the verdict of `bench` from the JSON `perfgate ab --json` wrote
 * (path).  The row named exactly bench, else the one row whose name is
 * bench followed by '/' (Google Benchmark's suffixes such as /manual_time).
 * A "missing" row, or none, is PG_BISECT_SKIP.  Returns 0, or PG_EIO /
 * PG_EPARSE / PG_ETYPE with err naming the file, line and column. */
int pg_bisect_read_verdict(const char *path, const char *bench, pg_bisect_verdict *out,
                           pg_error *err);
/* The same from a buffer (name: what errors call it). */
int pg_bisect_parse_verdict(const char *text, size_t len, const char *name, const char *bench,
                            pg_bisect_verdict *out, pg_error *err);

#ifdef __cplusplus
}
#endif
#endif
