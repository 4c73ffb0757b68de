/*
 * pg_history.h - perfgate's history of runs: one C interface, two back ends.
 *
 * A history holds every recorded run: its environment (commit, compiler,
 * CPU...), its benchmarks with their samples, the gate's verdicts, the
 * waivers in force, and the baselines chosen on purpose.  The default back
 * end is a SQLite file (perfgate-out/history.sqlite); a `postgresql://` or
 * `postgres://` URI selects PostgreSQL, for a team whose CI runners share one
 * history.  Both hold the same schema, versioned and migrated on open.
 *
 * Writes: one transaction per run, so a run is recorded whole or not at all,
 * whatever happens to the writer; several processes may add at once.
 *
 * Times are nanoseconds per iteration.  NaN means "none" and is stored as
 * NULL.  Strings are UTF-8 or any bytes except NUL; names are stored as
 * given and never interpreted.
 */
#ifndef PG_HISTORY_H
#define PG_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "pg_error.h"
#include "pg_gate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The schema version this build writes (older files are migrated). */
#define PG_HISTORY_SCHEMA_VERSION 3

typedef struct pg_history pg_history;

/* ---- Recording a run ------------------------------------------------ */

typedef struct pg_hist_kv {
    const char *key;   /* e.g. "cpu_model" */
    const char *value; /* NULL is stored as NULL */
} pg_hist_kv;

typedef struct pg_hist_bench {
    const char *name;      /* full benchmark name */
    const double *real_ns; /* n_samples real times per iteration, ns */
    const double *cpu_ns;  /* n_samples CPU times per iteration, or NULL */
    size_t n_samples;
    int64_t iterations; /* iterations behind each sample, 0 if unknown */
} pg_hist_bench;

typedef struct pg_hist_verdict {
    const char *bench;   /* benchmark name (may name a missing one) */
    const char *metric;  /* "real_time", "cpu_time", a counter... */
    const char *verdict; /* "pass", "regression", "breach", "improved",
                                       "waived", "missing", "unbudgeted", "unavailable" */
    const char *budget;  /* which budget applied (file or name), or NULL */
    double budget_ns;    /* the ceiling in ns, NaN when none */
    double ratio;        /* measured / reference, NaN when none */
    const char *detail;  /* one human line, or NULL */
    const char *owner;   /* the budget's owner, or NULL */
    double max_ratio;    /* a relative budget's ceiling ratio; 0 or NaN when none */
    int warn;            /* 1: severity warn, shown but never failing */
} pg_hist_verdict;

/* 1 when a verdict of that name fails the gate (regression, breach,
 * missing, insufficient, expired-waiver) and is not a warning: the one
 * rule by which `history list`, the report and the gate count failures. */
int pg_hist_verdict_fails(const char *verdict, int warn);

typedef struct pg_hist_waiver {
    const char *bench; /* name or glob the waiver covers */
    const char *reason;
    const char *ticket;  /* or NULL */
    const char *expires; /* ISO date, or NULL */
} pg_hist_waiver;

typedef struct pg_hist_run {
    const char *source;    /* where the results came from (a path), or NULL */
    const char *commit;    /* VCS commit, or NULL */
    const char *branch;    /* or NULL */
    const char *timestamp; /* ISO 8601 UTC; NULL records the current time */
    const pg_hist_kv *env; /* environment fingerprint */
    size_t n_env;
    const pg_hist_bench *benches;
    size_t n_benches;
    const pg_hist_verdict *verdicts;
    size_t n_verdicts;
    const pg_hist_waiver *waivers;
    size_t n_waivers;
} pg_hist_run;

/* Called after each benchmark is written (done of total); the CLI draws a
 * progress line with it.  May be NULL. */
typedef void (*pg_hist_progress_fn)(void *arg, size_t done, size_t total);

/* ---- Reading -------------------------------------------------------- */

typedef struct pg_hist_run_info {
    int64_t id; /* increasing with insertion */
    char timestamp[40];
    char commit[72];
    char branch[128];
    char source[256];
    long n_benches;
    long n_failed;   /* benchmarks with a failing verdict (pg_hist_verdict_fails) */
    int is_baseline; /* a baseline was recorded on this run */
} pg_hist_run_info;

typedef struct pg_hist_row {
    char *name; /* benchmark name (owned by the result) */
    size_t n_samples;
    int64_t iterations;
    double median_ns, lo_ns, hi_ns; /* median of real time and its ~95 % interval */
    double cpu_median_ns;           /* NaN when no CPU times were given */
    char verdict[16];               /* real_time verdict, or "" when none */
    double budget_ns;               /* NaN when none */
    double ratio;                   /* NaN when none */
} pg_hist_row;

typedef struct pg_hist_show {
    pg_hist_run_info info;
    pg_hist_kv *env; /* owned strings */
    size_t n_env;
    pg_hist_row *rows; /* ordered by name */
    size_t n_rows;
    pg_hist_verdict *verdicts; /* every verdict, owned strings */
    size_t n_verdicts;
    pg_hist_waiver *waivers; /* owned strings */
    size_t n_waivers;
} pg_hist_show;

typedef struct pg_hist_baseline {
    int64_t id;
    int64_t run_id;
    char reason[512];
    char who[128];
    char created[40];
} pg_hist_baseline;

/* ---- The store ------------------------------------------------------ */

/* Opens (creating and migrating as needed) the history at `where`: a file
 * path for SQLite, or a postgresql:// / postgres:// URI.  NULL on failure
 * (err says why: unreadable file, not a perfgate history, a schema newer
 * than this build, no server). */
pg_history *pg_history_open(const char *where, pg_error *err);

/* Opens the history at `where` for reading only, changing nothing: a
 * SQLite file is opened read-only (no journal switch, nothing created, so
 * a read-only file, folder or mount works).  A missing file, an empty
 * store or a newer schema is an error that says so; an older schema is
 * upgraded through pg_history_open where the store may be written, else
 * it is an error too.  For list, show, trend and baseline reads. */
pg_history *pg_history_open_readonly(const char *where, pg_error *err);

/* Opens a SQLite history file's bytes (len of them at data) as
 * pg_history_open_readonly opens the file: the same checks and the same
 * reads, from a private copy in memory, so no file is read, made or
 * changed (the caller's bytes neither).  An older schema is upgraded in
 * the copy, and the copy may be written (pg_history_add...): what is
 * written is gone at pg_history_close.  For tests and fuzzing that hand a
 * history over as bytes. */
pg_history *pg_history_open_image(const void *data, size_t len, pg_error *err);

/* 1 when where is a postgresql:// or postgres:// URI, 0 for a file path. */
int pg_history_is_uri(const char *where);

/* Closes h; NULL is a no-op. */
void pg_history_close(pg_history *h);

/* "sqlite" or "postgresql". */
const char *pg_history_backend(const pg_history *h);

/* The schema version of the open store (PG_HISTORY_SCHEMA_VERSION after a
 * successful open). */
int pg_history_schema_version(const pg_history *h);

/* Records run in one transaction; *run_id (may be NULL) gets its id.
 * Medians and intervals are computed here from the samples.  Returns 0 or a
 * negative PG_E... code; on error nothing of the run is recorded. */
int pg_history_add(pg_history *h, const pg_hist_run *run, pg_hist_progress_fn progress,
                   void *progress_arg, int64_t *run_id, pg_error *err);

/* As pg_history_add, and marks the run as the baseline (reason required,
 * who may be NULL) in the same transaction: the run is recorded as the
 * baseline, or nothing is (a kill in between cannot leave a new run with
 * the old baseline). */
int pg_history_add_baseline(pg_history *h, const pg_hist_run *run, const char *reason,
                            const char *who, pg_hist_progress_fn progress, void *progress_arg,
                            int64_t *run_id, pg_error *err);

/* The newest `limit` runs (0: all), newest first, in a malloc'd array
 * (free() it). */
int pg_history_list(pg_history *h, size_t limit, pg_hist_run_info **runs, size_t *n, pg_error *err);

/* The id of the newest run, or PG_EMISSING when the history is empty. */
int pg_history_latest(pg_history *h, int64_t *run_id, pg_error *err);

/* Everything recorded for one run.  PG_EMISSING when there is no such run.
 * Free the result with pg_hist_show_free. */
int pg_history_show(pg_history *h, int64_t run_id, pg_hist_show **out, pg_error *err);
void pg_hist_show_free(pg_hist_show *s);

/* The samples (real and CPU ns; cpu may be NULL) of one benchmark of one
 * run, in recorded order, malloc'd (free() them). */
int pg_history_samples(pg_history *h, int64_t run_id, const char *bench, double **real_ns,
                       double **cpu_ns, size_t *n, pg_error *err);

/* Deletes all but the newest `keep` runs; runs that carry a baseline are
 * always kept.  *removed (may be NULL) gets how many were deleted. */
int pg_history_prune(pg_history *h, size_t keep, size_t *removed, pg_error *err);

/* Records that run_id is the baseline from now on, with who, why and when
 * (now).  reason must be non-empty. */
int pg_history_baseline_set(pg_history *h, int64_t run_id, const char *reason, const char *who,
                            pg_error *err);

/* The current (most recently recorded) baseline; PG_EMISSING when none. */
int pg_history_baseline_get(pg_history *h, pg_hist_baseline *out, pg_error *err);

/* ---- Results files (reports/record.c) ------------------------------ */

struct pg_verdicts;
struct pg_results;

typedef struct pg_hist_add_options {
    const struct pg_verdicts *verdicts; /* what `perfgate check` decided on these results: recorded
                                           as they are (budgets, baseline and today unused) */
    const struct pg_results *loaded;    /* the results as check already read them (path still
                                           names them), or NULL: read path */
    const char *budgets;                /* else a budget file or folder: judge (pg_gate_check) and
                                       record the verdicts; NULL: none */
    const char *baseline;               /* baseline results for regression verdicts, or NULL */
    const char *commit;                 /* NULL: the results' perfgate.git_commit */
    const char *branch;                 /* NULL: $GITHUB_REF_NAME, if set */
    const char *today;                  /* "YYYY-MM-DD" for waiver expiry; NULL: today (UTC) */
    pg_hist_progress_fn progress;       /* see pg_history_add */
    void *progress_arg;
    const char *baseline_reason; /* non-NULL: record the run as the baseline, in the same
                                       transaction (pg_history_add_baseline) */
    const char *baseline_who;    /* who set it, or NULL */
    int reuse_same;              /* 1: when the newest 50 runs hold these very results
                                       (same environment, same samples), record nothing
                                       and return 1 with that run's id */
    int format;                  /* the results' format, PG_FORMAT_* of pg_gate.h (0: detect) */
} pg_hist_add_options;

/* Loads a results file (any format the gate reads) with the gate's loader
 * (pg_gate.h), records the verdicts check made on it (opt->verdicts) or
 * judges it when opt->budgets is set, and records it with its
 * environment (the results' "context" and "perfgate" objects, flattened to
 * dotted keys).  opt may be NULL.  Errors name the file, line and column.
 * Returns 0 (recorded), 1 (opt->reuse_same: already recorded as *run_id),
 * or a negative PG_E... code; PG_EUNSUP when built without the gate. */
int pg_history_add_results(pg_history *h, const char *results, const pg_hist_add_options *opt,
                           int64_t *run_id, pg_error *err);

/* Writes run_id as a Google Benchmark JSON file (one row per sample, times
 * in ns) that the gate reads as a --baseline; temp file, then rename. */
int pg_history_export(pg_history *h, int64_t run_id, const char *path, pg_error *err);

/* ---- Trend data for reports ----------------------------------------- */

/* One cell of the benchmark x run table. */
typedef struct pg_hist_point {
    double median_ns, lo_ns, hi_ns; /* NaN when the benchmark is absent from the run */
    double cpu_median_ns;           /* NaN when absent or recorded without CPU times */
    double budget_ns;               /* NaN when no budget applied */
    double ratio;                   /* the verdict's ratio, NaN when none */
    double max_ratio;               /* a relative budget's ceiling ratio, NaN when none */
    int fails;                      /* some verdict of this cell fails the gate */
    char verdict[16];               /* "" when none */
} pg_hist_point;

typedef struct pg_hist_trend {
    size_t n_runs, n_benches;
    pg_hist_run_info *runs; /* oldest first */
    char **benches;         /* sorted by name */
    pg_hist_point *points;  /* points[b * n_runs + r] */
} pg_hist_trend;

/* The last `max_runs` runs (0: all) as a dense table.  A benchmark that
 * appears, vanishes or skips runs has NaN medians where it is absent; one
 * with only a "missing" verdict gets a row with NaN medians.  Free with
 * pg_hist_trend_free. */
int pg_history_trend(pg_history *h, size_t max_runs, pg_hist_trend **out, pg_error *err);
void pg_hist_trend_free(pg_hist_trend *t);

/* The runs check and history add read a benchmark's spread from. */
#define PG_HIST_SPREAD_RUNS 30

/* How far each benchmark's median moved from run to run over the last
 * `max_runs` runs (pg_run_spread, pg_stats_diff_sigma of the logs of its
 * real and CPU medians, oldest first; NaN where it ran fewer than 3 times),
 * sorted by name for pg_gate_options.  Free with pg_run_spreads_free. */
int pg_history_run_spreads(pg_history *h, size_t max_runs, pg_run_spread **out, size_t *n,
                           pg_error *err);
void pg_run_spreads_free(pg_run_spread *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif
