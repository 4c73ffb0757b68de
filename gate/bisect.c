/*
 * bisect.c - the search behind `perfgate bisect` (pg_bisect.h says how it
 * goes and why it bounds its own error), and the reader of the verdicts
 * `perfgate ab --json` writes, which it is fed.
 *
 * Workload: a few dozen questions per search, each one a whole `perfgate
 * ab` session outside; nothing here is hot.  The state is small: the
 * current good/bad pair, a mark per commit, the questions asked.
 */
#include "pg_bisect.h"
#include "pg_json_read.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { UNTESTED, GOOD, BAD, SKIPPED };

struct pg_bisect {
    size_t n;
    double threshold; /* the ends' tolerance */
    double tol;       /* every later question's: sqrt(R) - 1 */
    unsigned max_tries, max_reopen, reopens, tries;
    pg_bisect_status status;
    int ends_done;
    size_t g, b; /* last known good, first known bad */
    size_t first_bad;
    unsigned char *mark; /* per commit */
    int recheck;         /* 0: none; 1: asking g again; 2: asking b again */
    int g_bad, b_good;   /* what the re-check found */
    int pending;
    pg_bisect_step cur;
    pg_bisect_step *steps;
    size_t nsteps, cap;
};

const char *pg_bisect_outcome_name(pg_bisect_outcome o)
{
    static const char *const names[] = { "pass", "improved", "regression", "inconclusive", "skip" };
    return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

const char *pg_bisect_phase_name(pg_bisect_phase p)
{
    static const char *const names[] = { "ends", "search", "confirm", "recheck" };
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "?";
}

pg_bisect *pg_bisect_create(size_t n, double threshold, unsigned max_tries, unsigned max_reopen)
{
    if (n < 2 || !(threshold > 0) || threshold >= 10 || max_tries < 1)
        return NULL;
    pg_bisect *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    if (!(b->mark = calloc(n, 1))) {
        free(b);
        return NULL;
    }
    b->n = n;
    b->threshold = threshold;
    b->tol = threshold / 2;
    b->max_tries = max_tries;
    b->max_reopen = max_reopen;
    b->g = 0;
    b->b = n - 1;
    b->mark[0] = GOOD;
    b->mark[n - 1] = BAD;
    b->status = PG_BISECT_RUNNING;
    return b;
}

void pg_bisect_destroy(pg_bisect *b)
{
    if (!b)
        return;
    free(b->mark);
    free(b->steps);
    free(b);
}

/* The untested commit of (g, b) nearest the middle; 0 when none is left
 * (every one in between was skipped). */
static void reopen(pg_bisect *b);

static size_t pick(const pg_bisect *b)
{
    size_t mid = b->g + (b->b - b->g) / 2;
    for (size_t d = 0; d < b->b - b->g; d++) {
        if (mid >= d && mid - d > b->g && b->mark[mid - d] != SKIPPED)
            return mid - d;
        if (mid + d < b->b && mid + d > b->g && b->mark[mid + d] != SKIPPED)
            return mid + d;
    }
    return 0;
}

static void ask(pg_bisect *b, pg_bisect_phase phase, size_t ref, size_t cand, double tol,
                unsigned effort, pg_bisect_step *q)
{
    memset(&b->cur, 0, sizeof b->cur);
    b->cur.phase = phase;
    b->cur.ref = ref;
    b->cur.cand = cand;
    b->cur.tolerance = tol;
    b->cur.effort = effort;
    b->cur.ratio = b->cur.lo = b->cur.hi = NAN;
    b->pending = 1;
    *q = b->cur;
}

int pg_bisect_next(pg_bisect *b, pg_bisect_step *q)
{
    if (b->status != PG_BISECT_RUNNING)
        return 0;
    unsigned effort = 1u << (b->tries < 16 ? b->tries : 16);
    if (!b->ends_done) {
        ask(b, PG_BISECT_ENDS, 0, b->n - 1, b->threshold, effort, q);
        return 1;
    }
    if (b->recheck == 1 && b->g == 0)
        b->recheck = 2; /* the good end itself is not asked again */
    if (b->recheck == 2 && b->b == b->n - 1)
        reopen(b);
    if (b->status != PG_BISECT_RUNNING)
        return 0;
    if (b->recheck) {
        ask(b, PG_BISECT_RECHECK, 0, b->recheck == 1 ? b->g : b->b, b->tol, 2 * effort, q);
        return 1;
    }
    size_t m = pick(b);
    if (m) {
        ask(b, PG_BISECT_SEARCH, 0, m, b->tol, effort, q);
        return 1;
    }
    if (b->b - b->g == 1) {
        ask(b, PG_BISECT_CONFIRM, b->g, b->b, b->tol, effort, q);
        return 1;
    }
    b->status = PG_BISECT_UNDECIDED; /* only skipped commits between g and b */
    return 0;
}

static int record(pg_bisect *b)
{
    if (b->nsteps == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        pg_bisect_step *s = realloc(b->steps, cap * sizeof *s);
        if (!s)
            return PG_ENOMEM;
        b->steps = s;
        b->cap = cap;
    }
    b->steps[b->nsteps++] = b->cur;
    return 0;
}

/* After both re-checks: re-open the search where they now point. */
static void reopen(pg_bisect *b)
{
    b->recheck = 0;
    if (b->g_bad) {
        /* the "good" end was slow after all: the first bad is at or before it */
        size_t old = b->g;
        b->mark[old] = BAD;
        b->b = old;
        b->g = 0;
        for (size_t i = old; i-- > 0;)
            if (b->mark[i] == GOOD) {
                b->g = i;
                break;
            }
    } else if (b->b_good) {
        size_t old = b->b;
        b->mark[old] = GOOD;
        b->g = old;
        b->b = b->n - 1;
        for (size_t i = old + 1; i < b->n; i++)
            if (b->mark[i] == BAD) {
                b->b = i;
                break;
            }
    } else {
        /* both ends stand and the pair does not differ: the slowdown is
         * spread over several commits, none of which is the one */
        b->status = PG_BISECT_UNDECIDED;
    }
    b->g_bad = b->b_good = 0;
}

int pg_bisect_answer(pg_bisect *b, pg_bisect_outcome o, double ratio, double lo, double hi)
{
    if (!b->pending)
        return PG_EINVAL;
    b->pending = 0;
    b->cur.outcome = o;
    b->cur.ratio = ratio;
    b->cur.lo = lo;
    b->cur.hi = hi;
    if (record(b))
        return PG_ENOMEM;
    const pg_bisect_step *q = &b->cur;
    int pass = o == PG_BISECT_PASS || o == PG_BISECT_IMPROVED;
    if (o == PG_BISECT_INCONCLUSIVE && ++b->tries < b->max_tries)
        return 0; /* asked again, twice the effort */
    b->tries = 0;
    switch (q->phase) {
    case PG_BISECT_ENDS:
        /* Undecided after every try but leaning slower beyond the
         * threshold: search on.  Only the confirmation names a commit, so a
         * wrong lean ends as "no single commit", never as a wrong name. */
        if (o == PG_BISECT_INCONCLUSIVE && isfinite(ratio) && ratio > 1 + b->threshold)
            o = PG_BISECT_REGRESSION;
        if (o == PG_BISECT_REGRESSION) {
            b->ends_done = 1;
            /* half way between 1 and R in log terms: as far from "as good"
             * as from "as bad".  R is the interval's lower end when there is
             * one: a noisy high estimate would put the line next to the bad
             * commits, where they would look undecided */
            double r = isfinite(lo) && lo > 1 ? lo : ratio;
            if (isfinite(r) && r > 1)
                b->tol = sqrt(r) - 1;
            if (b->tol < b->threshold / 2)
                b->tol = b->threshold / 2;
            /* a tolerance is a fraction below 1 (`perfgate ab` refuses 100 %
             * and more); a slowdown of 4x or more still splits cleanly */
            if (b->tol > 0.95)
                b->tol = 0.95;
        } else {
            b->status = pass ? PG_BISECT_NO_REGRESSION : PG_BISECT_UNDECIDED;
        }
        break;
    case PG_BISECT_SEARCH:
        /* Still undecided after every try: the estimate of the last, largest
         * try says which side the commit leans to.  A wrong lean is a wrong
         * turn like any other, which the confirmation catches; skipping the
         * commit instead would leave its range unresolved. */
        if (o == PG_BISECT_INCONCLUSIVE && isfinite(ratio))
            o = ratio > 1 + q->tolerance ? PG_BISECT_REGRESSION : PG_BISECT_PASS;
        if (o == PG_BISECT_REGRESSION) {
            b->b = q->cand;
            b->mark[q->cand] = BAD;
        } else if (o == PG_BISECT_PASS || o == PG_BISECT_IMPROVED) {
            b->g = q->cand;
            b->mark[q->cand] = GOOD;
        } else {
            b->mark[q->cand] = SKIPPED; /* failed, or no estimate at all */
        }
        break;
    case PG_BISECT_CONFIRM:
        if (o == PG_BISECT_REGRESSION) {
            b->status = PG_BISECT_FOUND;
            b->first_bad = q->cand;
        } else if (pass && b->reopens < b->max_reopen) {
            b->reopens++;
            b->recheck = 1;
        } else {
            b->status = PG_BISECT_UNDECIDED;
        }
        break;
    case PG_BISECT_RECHECK:
        if (b->recheck == 1) {
            b->g_bad = o == PG_BISECT_REGRESSION && q->cand != 0;
            b->recheck = 2;
        } else {
            b->b_good = pass && q->cand != b->n - 1;
            reopen(b);
        }
        break;
    }
    return 0;
}

pg_bisect_status pg_bisect_status_of(const pg_bisect *b, size_t *first_bad, size_t *lo_good,
                                     size_t *hi_bad)
{
    if (first_bad)
        *first_bad = b->status == PG_BISECT_FOUND ? b->first_bad : 0;
    if (lo_good)
        *lo_good = b->g;
    if (hi_bad)
        *hi_bad = b->b;
    return b->status;
}

const pg_bisect_step *pg_bisect_steps(const pg_bisect *b, size_t *n)
{
    *n = b->nsteps;
    return b->steps;
}

/* ---- reading `perfgate ab --json` ---- */

static double num_or_nan(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int outcome_of(const char *s, pg_bisect_outcome *o)
{
    static const struct {
        const char *name;
        pg_bisect_outcome o;
    } map[] = {
        { "pass", PG_BISECT_PASS },
        { "improved", PG_BISECT_IMPROVED },
        { "regression", PG_BISECT_REGRESSION },
        { "inconclusive", PG_BISECT_INCONCLUSIVE },
        { "missing", PG_BISECT_SKIP },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(s, map[i].name)) {
            *o = map[i].o;
            return 0;
        }
    return -1;
}

/* The row for bench: named exactly so, else the only "bench/..." one. */
static const json_t *find_row(const json_t *rows, const char *bench)
{
    const json_t *prefixed = NULL;
    size_t nprefixed = 0, len = strlen(bench), i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *name = json_string_value(json_object_get(row, "benchmark"));
        if (!name)
            continue;
        if (!strcmp(name, bench))
            return row;
        if (!strncmp(name, bench, len) && name[len] == '/') {
            prefixed = row;
            nprefixed++;
        }
    }
    return nprefixed == 1 ? prefixed : NULL;
}

int pg_bisect_parse_verdict(const char *text, size_t len, const char *name, const char *bench,
                            pg_bisect_verdict *out, pg_error *err)
{
    memset(out, 0, sizeof *out);
    out->outcome = PG_BISECT_SKIP;
    out->ratio = out->lo = out->hi = NAN;
    json_t *root = pg_json_tree(text, len, name, err);
    if (!root)
        return err ? err->code : PG_EPARSE;
    int rc = 0;
    const json_t *rows = json_object_get(root, "benchmarks");
    if (!json_is_object(root) || !json_is_array(rows)) {
        rc = pg_error_set(err, PG_ETYPE, name, 0, 0, "/benchmarks",
                          "expected a `perfgate ab --json` verdict with a benchmarks array");
        goto done;
    }
    const json_t *row = find_row(rows, bench);
    if (!row)
        goto done; /* the benchmark did not run: a skip */
    const json_t *fin = json_object_get(row, "final");
    const char *verdict = json_string_value(json_object_get(fin, "verdict"));
    if (!json_is_object(fin) || !verdict || outcome_of(verdict, &out->outcome)) {
        rc = pg_error_set(err, PG_ETYPE, name, 0, 0, "/benchmarks/final/verdict",
                          "expected pass, improved, regression, inconclusive or missing");
        goto done;
    }
    snprintf(out->benchmark, sizeof out->benchmark, "%s",
             json_string_value(json_object_get(row, "benchmark")));
    out->ratio = num_or_nan(fin, "ratio");
    out->lo = num_or_nan(fin, "ratio_lo");
    out->hi = num_or_nan(fin, "ratio_hi");
    json_int_t pairs = json_integer_value(json_object_get(fin, "pairs"));
    out->pairs = pairs > 0 ? (size_t)pairs : 0;
done:
    json_decref(root);
    return rc;
}

int pg_bisect_read_verdict(const char *path, const char *bench, pg_bisect_verdict *out,
                           pg_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        memset(out, 0, sizeof *out);
        out->outcome = PG_BISECT_SKIP;
        return pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot read the verdict");
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *bigger = cap < ((size_t)64 << 20) ? realloc(buf, 2 * cap) : NULL;
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (!buf || ferror(f))
        rc = pg_error_set(err, buf ? PG_EIO : PG_ENOMEM, path, 0, 0, NULL,
                          "cannot read the verdict");
    fclose(f);
    if (rc == 0)
        rc = pg_bisect_parse_verdict(buf, n, path, bench, out, err);
    free(buf);
    return rc;
}
