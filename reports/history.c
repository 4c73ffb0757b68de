/*
 * history.c - the history store: schema, migrations, and every query.
 *
 * The SQL here is written once for both back ends (see internal.h): only
 * the auto-increment key type differs, substituted into the DDL as @ID@.
 * Schema versions:
 *   1  runs, benchmarks (median and interval), samples
 *   2  + environment, verdicts, baselines, waivers; CPU median per benchmark
 * A file at version N is brought to PG_HISTORY_SCHEMA_VERSION by running the
 * steps after N, in one transaction, under the back end's schema lock; a
 * file newer than this build is refused rather than guessed at.
 *
 * Runs are ordered by id, which increases with insertion: "newest" means
 * "added last".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "pg_gate.h"
#include "pg_redact.h"
#include "pg_history.h"

struct pg_history {
    hdb *db;
    int version;
};

/* ---- Schema --------------------------------------------------------- */

/* qsort that accepts an empty (possibly NULL) array: qsort(NULL, 0, ...) is
 * undefined behaviour by glibc's nonnull annotation. */
static void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

static const char *const migration_v1[] = {
    "CREATE TABLE runs (id @ID@, created TEXT NOT NULL, commit_id TEXT, branch TEXT,"
    " source TEXT)",
    "CREATE TABLE benchmarks (id @ID@, run_id BIGINT NOT NULL REFERENCES runs (id),"
    " name TEXT NOT NULL, n_samples BIGINT NOT NULL, iterations BIGINT,"
    " median_ns DOUBLE PRECISION, lo_ns DOUBLE PRECISION, hi_ns DOUBLE PRECISION)",
    "CREATE INDEX benchmarks_run ON benchmarks (run_id, name)",
    "CREATE TABLE samples (bench_id BIGINT NOT NULL REFERENCES benchmarks (id),"
    " idx BIGINT NOT NULL, real_ns DOUBLE PRECISION, cpu_ns DOUBLE PRECISION)",
    "CREATE INDEX samples_bench ON samples (bench_id, idx)",
    NULL,
};

static const char *const migration_v2[] = {
    "ALTER TABLE benchmarks ADD COLUMN cpu_median_ns DOUBLE PRECISION",
    "CREATE TABLE environment (run_id BIGINT NOT NULL REFERENCES runs (id),"
    " key TEXT NOT NULL, value TEXT)",
    "CREATE INDEX environment_run ON environment (run_id)",
    "CREATE TABLE verdicts (run_id BIGINT NOT NULL REFERENCES runs (id), bench TEXT NOT NULL,"
    " metric TEXT NOT NULL, verdict TEXT NOT NULL, budget TEXT, budget_ns DOUBLE PRECISION,"
    " ratio DOUBLE PRECISION, detail TEXT)",
    "CREATE INDEX verdicts_run ON verdicts (run_id, bench)",
    "CREATE TABLE baselines (id @ID@, run_id BIGINT NOT NULL REFERENCES runs (id),"
    " reason TEXT NOT NULL, who TEXT, created TEXT NOT NULL)",
    "CREATE TABLE waivers (run_id BIGINT NOT NULL REFERENCES runs (id), bench TEXT NOT NULL,"
    " reason TEXT, ticket TEXT, expires TEXT)",
    "CREATE INDEX waivers_run ON waivers (run_id)",
    NULL,
};

/* v3: the owner and a relative budget's ceiling ratio, for the report;
 * whether the verdict fails the gate, so every reader counts one way
 * (older rows: by the verdict's name, as pg_hist_verdict_fails does). */
static const char *const migration_v3[] = {
    "ALTER TABLE verdicts ADD COLUMN owner TEXT",
    "ALTER TABLE verdicts ADD COLUMN max_ratio DOUBLE PRECISION",
    "ALTER TABLE verdicts ADD COLUMN fails INTEGER",
    "UPDATE verdicts SET fails = CASE WHEN verdict IN ('regression', 'breach', 'missing',"
    " 'insufficient', 'expired-waiver') THEN 1 ELSE 0 END",
    NULL,
};

static const char *const *const migrations[] = { migration_v1, migration_v2, migration_v3 };

int pg_hist_verdict_fails(const char *verdict, int warn)
{
    static const char *const failing[] = { "regression", "breach", "missing", "insufficient",
                                           "expired-waiver" };
    if (!verdict || warn)
        return 0;
    for (size_t i = 0; i < sizeof failing / sizeof *failing; i++)
        if (!strcmp(verdict, failing[i]))
            return 1;
    return 0;
}

/* The DDL with @ID@ replaced by the back end's key type. */
static int exec_ddl(hdb *db, const char *ddl, pg_error *err)
{
    char sql[1024];
    const char *at = strstr(ddl, "@ID@");
    if (at)
        snprintf(sql, sizeof sql, "%.*s%s%s", (int)(at - ddl), ddl, db->ops->id_type, at + 4);
    else
        snprintf(sql, sizeof sql, "%s", ddl);
    return db->ops->exec(db, sql, err);
}

/* A schema version below 0: no perfgate wrote it, and no migration
 * starts there (migrations[] is indexed by it). */
static int unknown_version(int version, pg_error *err)
{
    return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                        "not a perfgate history: schema version %d", version);
}

static int migrate(hdb *db, int *version_out, pg_error *err)
{
    int version = 0;
    int rc = db->ops->get_version(db, &version, err);
    if (rc < 0)
        return rc;
    *version_out = version;
    if (version == PG_HISTORY_SCHEMA_VERSION)
        return 0;
    if (version < 0)
        return unknown_version(version, err);
    if (version > PG_HISTORY_SCHEMA_VERSION)
        return pg_error_set(err, PG_EUNSUP, NULL, 0, 0, NULL,
                            "history schema version %d is newer than this perfgate's (%d)", version,
                            PG_HISTORY_SCHEMA_VERSION);
    /* Lock first, then begin: a transaction that waited for the lock would
     * still see PostgreSQL's catalog as it was before the wait. */
    rc = db->ops->lock_schema(db, err);
    if (rc < 0)
        return rc;
    rc = db->ops->begin(db, err);
    /* Another process may have migrated while we waited for the lock. */
    if (rc == 0)
        rc = db->ops->get_version(db, &version, err);
    if (rc == 0 && version < 0)
        rc = unknown_version(version, err);
    for (int v = version; rc == 0 && v < PG_HISTORY_SCHEMA_VERSION; v++) {
        for (const char *const *s = migrations[v]; rc == 0 && *s; s++)
            rc = exec_ddl(db, *s, err);
    }
    if (rc == 0 && version < PG_HISTORY_SCHEMA_VERSION)
        rc = db->ops->set_version(db, PG_HISTORY_SCHEMA_VERSION, err);
    if (rc == 0)
        rc = db->ops->exec(db, "COMMIT", err);
    if (rc < 0)
        db->ops->exec(db, "ROLLBACK", NULL);
    db->ops->unlock_schema(db);
    if (rc < 0)
        return rc;
    *version_out = PG_HISTORY_SCHEMA_VERSION;
    return 0;
}

int pg_history_is_uri(const char *where)
{
    return !strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11);
}

/* An empty handle for where, or NULL (err filled). */
static pg_history *new_history(const char *where, pg_error *err)
{
    if (!where || !*where) {
        pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no history given");
        return NULL;
    }
    pg_history *h = calloc(1, sizeof *h);
    if (!h)
        pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    return h;
}

pg_history *pg_history_open(const char *where, pg_error *err)
{
    pg_history *h = new_history(where, err);
    if (!h)
        return NULL;
    h->db = pg_history_is_uri(where) ? reports_hdb_pq_open(where, err)
                                     : reports_hdb_sqlite_open(where, err);
    if (!h->db || migrate(h->db, &h->version, err) < 0) {
        if (err && !pg_history_is_uri(where) && !err->file[0])
            snprintf(err->file, sizeof err->file, "%s", where);
        /* A message that quotes the URI never carries its password. */
        if (err && pg_history_is_uri(where))
            pg_redact_secret(err->message, sizeof err->message, where);
        pg_history_close(h);
        return NULL;
    }
    return h;
}

/* Reads the schema version of h->db, just opened for reading: 0 when it is
 * this build's, 1 when it is older (the caller upgrades it where it can),
 * else a negative code (err says why: not a history, or a newer one). */
static int read_version(pg_history *h, pg_error *err)
{
    int rc = h->db ? h->db->ops->get_version(h->db, &h->version, err) : PG_EIO;
    if (rc < 0)
        return rc;
    if (h->version == 0)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "not a perfgate history, or an empty one (perfgate history add "
                            "records the first run)");
    if (h->version < 0)
        return unknown_version(h->version, err);
    if (h->version > PG_HISTORY_SCHEMA_VERSION)
        return pg_error_set(err, PG_EUNSUP, NULL, 0, 0, NULL,
                            "history schema version %d is newer than this perfgate's (%d)",
                            h->version, PG_HISTORY_SCHEMA_VERSION);
    return h->version < PG_HISTORY_SCHEMA_VERSION;
}

pg_history *pg_history_open_readonly(const char *where, pg_error *err)
{
    pg_history *h = new_history(where, err);
    if (!h)
        return NULL;
    int pg = pg_history_is_uri(where);
    h->db = pg ? reports_hdb_pq_open(where, err) : reports_hdb_sqlite_open_ro(where, err);
    int rc = read_version(h, err);
    if (rc == 1) {
        /* An older schema is upgraded where the history may be written. */
        int old = h->version;
        pg_history_close(h);
        pg_error why;
        pg_error_clear(&why);
        if ((h = pg_history_open(where, &why)) != NULL)
            return h;
        pg_error_set(err, PG_EUNSUP, pg ? NULL : where, 0, 0, NULL,
                     "history schema version %d is older than this perfgate's (%d), and it "
                     "cannot be upgraded here: %s",
                     old, PG_HISTORY_SCHEMA_VERSION, why.message);
        if (err && pg)
            pg_redact_secret(err->message, sizeof err->message, where);
        return NULL;
    }
    if (rc < 0) {
        if (err && !pg && !err->file[0])
            snprintf(err->file, sizeof err->file, "%s", where);
        if (err && pg)
            pg_redact_secret(err->message, sizeof err->message, where);
        pg_history_close(h);
        return NULL;
    }
    return h;
}

pg_history *pg_history_open_image(const void *data, size_t len, pg_error *err)
{
    if (!data && len) {
        pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no history image given");
        return NULL;
    }
    pg_history *h = new_history("(history image)", err);
    if (!h)
        return NULL;
    h->db = reports_hdb_sqlite_open_image(data, len, err);
    int rc = read_version(h, err);
    /* An older schema is upgraded in the copy, as pg_history_open_readonly
     * upgrades a file where it may be written (the copy's journal, and its
     * write-ahead log, are kept in memory too). */
    if (rc == 1)
        rc = migrate(h->db, &h->version, err);
    if (rc < 0) {
        pg_history_close(h);
        return NULL;
    }
    return h;
}

void pg_history_close(pg_history *h)
{
    if (!h)
        return;
    if (h->db)
        h->db->ops->close(h->db);
    free(h);
}

const char *pg_history_backend(const pg_history *h)
{
    return h && h->db ? h->db->ops->name : NULL;
}

int pg_history_schema_version(const pg_history *h)
{
    return h ? h->version : 0;
}

/* ---- Small helpers -------------------------------------------------- */

char *reports_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void now_iso(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void copy_text(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

/* Column i as text, NULL for SQL NULL.  *bad is set when a value that is
 * there could not be had (no memory to convert it): never read as NULL. */
static const char *col_text(const hdb_ops *o, hstmt *st, int i, int *bad)
{
    if (o->col_is_null(st, i))
        return NULL;
    const char *t = o->col_text(st, i);
    if (!t)
        *bad = 1;
    return t;
}

/* A malloc'd copy of column i, NULL for SQL NULL; *bad as col_text, or
 * when the copy could not be made. */
static char *col_dup(const hdb_ops *o, hstmt *st, int i, int *bad)
{
    const char *t = col_text(o, st, i, bad);
    char *d = reports_strdup(t);
    if (t && !d)
        *bad = 1;
    return d;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void reports_median_ci(double *x, size_t n, double *median, double *lo, double *hi)
{
    /* NaN samples (a failed repetition) carry no information: drop them. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            x[m++] = x[i];
    if (m == 0) {
        *median = *lo = *hi = NAN;
        return;
    }
    sort_n(x, m, sizeof *x, cmp_double);
    *median = pg_stats_median(x, m);
    /* The gate's interval, so that the history and its report show the
     * interval check judged on. */
    pg_stats_median_ci(x, m, PG_MEDIAN_CONF, lo, hi, NULL);
}

/* A statement that is finalized by the caller's cleanup label. */
#define PREPARE(var, sql)                                                                          \
    do {                                                                                           \
        var = h->db->ops->prepare(h->db, sql, err);                                                \
        if (!var) {                                                                                \
            rc = PG_EIO;                                                                           \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        rc = (expr);                                                                               \
        if (rc < 0)                                                                                \
            goto done;                                                                             \
    } while (0)

/* ---- Adding a run --------------------------------------------------- */

/* Rows per multi-row samples INSERT: fewer round trips for PostgreSQL, and
 * 4 x 32 parameters stays within every back end's limit. */
#define SAMPLE_CHUNK 32

static char *samples_sql(size_t rows)
{
    size_t len = 64 + rows * 12;
    char *sql = malloc(len);
    if (!sql)
        return NULL;
    size_t used =
        (size_t)snprintf(sql, len, "INSERT INTO samples (bench_id, idx, real_ns, cpu_ns) VALUES ");
    for (size_t i = 0; i < rows; i++)
        used += (size_t)snprintf(sql + used, len - used, i ? ",(?,?,?,?)" : "(?,?,?,?)");
    return sql;
}

static int insert_samples(pg_history *h, hstmt *chunk, const pg_hist_bench *b, int64_t bench_id,
                          pg_error *err)
{
    const hdb_ops *o = h->db->ops;
    hstmt *one = NULL;
    int rc = 0;
    size_t i = 0;
    for (; i + SAMPLE_CHUNK <= b->n_samples; i += SAMPLE_CHUNK) {
        o->reset(chunk);
        for (size_t k = 0; k < SAMPLE_CHUNK; k++) {
            int p = (int)k * 4;
            o->bind_int(chunk, p + 1, bench_id);
            o->bind_int(chunk, p + 2, (int64_t)(i + k));
            o->bind_double(chunk, p + 3, b->real_ns[i + k]);
            o->bind_double(chunk, p + 4, b->cpu_ns ? b->cpu_ns[i + k] : NAN);
        }
        CHECK(o->step(chunk, err));
    }
    if (i < b->n_samples) {
        char *sql = samples_sql(b->n_samples - i);
        if (!sql)
            return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        one = o->prepare(h->db, sql, err);
        free(sql);
        if (!one)
            return PG_EIO;
        for (size_t k = 0; i + k < b->n_samples; k++) {
            int p = (int)k * 4;
            o->bind_int(one, p + 1, bench_id);
            o->bind_int(one, p + 2, (int64_t)(i + k));
            o->bind_double(one, p + 3, b->real_ns[i + k]);
            o->bind_double(one, p + 4, b->cpu_ns ? b->cpu_ns[i + k] : NAN);
        }
        CHECK(o->step(one, err));
    }
    rc = 0;
done:
    o->finalize(one);
    return rc;
}

static int validate_run(const pg_hist_run *run, pg_error *err)
{
    if (!run)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no run given");
    for (size_t i = 0; i < run->n_benches; i++) {
        const pg_hist_bench *b = &run->benches[i];
        if (!b->name || (b->n_samples && !b->real_ns))
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                "benchmark %zu has no name or no samples", i);
    }
    for (size_t i = 0; i < run->n_verdicts; i++) {
        const pg_hist_verdict *v = &run->verdicts[i];
        if (!v->bench || !v->metric || !v->verdict)
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                "verdict %zu lacks a benchmark, metric or verdict", i);
    }
    for (size_t i = 0; i < run->n_waivers; i++)
        if (!run->waivers[i].bench)
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "waiver %zu names no benchmark",
                                i);
    return 0;
}

/* The run, and with bl_reason the baseline mark on it, in one transaction. */
static int add_run(pg_history *h, const pg_hist_run *run, pg_hist_progress_fn progress,
                   void *progress_arg, const char *bl_reason, const char *bl_who, int64_t *run_id,
                   pg_error *err)
{
    if (!h)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no history");
    int rc = validate_run(run, err);
    if (rc < 0)
        return rc;
    const hdb_ops *o = h->db->ops;
    hstmt *ins_run = NULL, *ins_env = NULL, *ins_bench = NULL, *chunk = NULL, *ins_verdict = NULL,
          *ins_waiver = NULL;
    double *scratch = NULL;
    int in_tx = 0;
    int64_t id = 0;
    char now[40];
    now_iso(now, sizeof now);

    size_t max_samples = 1;
    for (size_t i = 0; i < run->n_benches; i++)
        if (run->benches[i].n_samples > max_samples)
            max_samples = run->benches[i].n_samples;
    scratch = malloc(max_samples * sizeof *scratch);
    char *chunk_sql = samples_sql(SAMPLE_CHUNK);
    if (!scratch || !chunk_sql) {
        free(chunk_sql);
        rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    CHECK(o->begin(h->db, err));
    in_tx = 1;
    PREPARE(ins_run, "INSERT INTO runs (created, commit_id, branch, source) VALUES (?, ?, ?, ?)"
                     " RETURNING id");
    PREPARE(ins_env, "INSERT INTO environment (run_id, key, value) VALUES (?, ?, ?)");
    PREPARE(ins_bench,
            "INSERT INTO benchmarks (run_id, name, n_samples, iterations, median_ns,"
            " lo_ns, hi_ns, cpu_median_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    chunk = o->prepare(h->db, chunk_sql, err);
    free(chunk_sql);
    if (!chunk) {
        rc = PG_EIO;
        goto done;
    }
    PREPARE(ins_verdict, "INSERT INTO verdicts (run_id, bench, metric, verdict, budget, budget_ns,"
                         " ratio, detail, owner, max_ratio, fails)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    PREPARE(ins_waiver, "INSERT INTO waivers (run_id, bench, reason, ticket, expires)"
                        " VALUES (?, ?, ?, ?, ?)");

    o->bind_text(ins_run, 1, run->timestamp ? run->timestamp : now);
    o->bind_text(ins_run, 2, run->commit);
    o->bind_text(ins_run, 3, run->branch);
    o->bind_text(ins_run, 4, run->source);
    CHECK(o->step(ins_run, err));
    if (rc != 1) {
        rc = pg_error_set(err, PG_EIO, NULL, 0, 0, NULL, "the new run got no id");
        goto done;
    }
    id = o->col_int(ins_run, 0);

    for (size_t i = 0; i < run->n_env; i++) {
        if (!run->env[i].key)
            continue;
        o->reset(ins_env);
        o->bind_int(ins_env, 1, id);
        o->bind_text(ins_env, 2, run->env[i].key);
        o->bind_text(ins_env, 3, run->env[i].value);
        CHECK(o->step(ins_env, err));
    }
    for (size_t i = 0; i < run->n_benches; i++) {
        const pg_hist_bench *b = &run->benches[i];
        double med, lo, hi, cmed = NAN, clo, chi;
        memcpy(scratch, b->real_ns, b->n_samples * sizeof *scratch);
        reports_median_ci(scratch, b->n_samples, &med, &lo, &hi);
        if (b->cpu_ns) {
            memcpy(scratch, b->cpu_ns, b->n_samples * sizeof *scratch);
            reports_median_ci(scratch, b->n_samples, &cmed, &clo, &chi);
        }
        o->reset(ins_bench);
        o->bind_int(ins_bench, 1, id);
        o->bind_text(ins_bench, 2, b->name);
        o->bind_int(ins_bench, 3, (int64_t)b->n_samples);
        o->bind_int(ins_bench, 4, b->iterations);
        o->bind_double(ins_bench, 5, med);
        o->bind_double(ins_bench, 6, lo);
        o->bind_double(ins_bench, 7, hi);
        o->bind_double(ins_bench, 8, cmed);
        CHECK(o->step(ins_bench, err));
        int64_t bench_id = o->col_int(ins_bench, 0);
        CHECK(insert_samples(h, chunk, b, bench_id, err));
        if (progress)
            progress(progress_arg, i + 1, run->n_benches);
    }
    for (size_t i = 0; i < run->n_verdicts; i++) {
        const pg_hist_verdict *v = &run->verdicts[i];
        o->reset(ins_verdict);
        o->bind_int(ins_verdict, 1, id);
        o->bind_text(ins_verdict, 2, v->bench);
        o->bind_text(ins_verdict, 3, v->metric);
        o->bind_text(ins_verdict, 4, v->verdict);
        o->bind_text(ins_verdict, 5, v->budget);
        o->bind_double(ins_verdict, 6, v->budget_ns);
        o->bind_double(ins_verdict, 7, v->ratio);
        o->bind_text(ins_verdict, 8, v->detail);
        o->bind_text(ins_verdict, 9, v->owner);
        o->bind_double(ins_verdict, 10, v->max_ratio > 0 ? v->max_ratio : NAN);
        o->bind_int(ins_verdict, 11, pg_hist_verdict_fails(v->verdict, v->warn));
        CHECK(o->step(ins_verdict, err));
    }
    for (size_t i = 0; i < run->n_waivers; i++) {
        const pg_hist_waiver *w = &run->waivers[i];
        o->reset(ins_waiver);
        o->bind_int(ins_waiver, 1, id);
        o->bind_text(ins_waiver, 2, w->bench);
        o->bind_text(ins_waiver, 3, w->reason);
        o->bind_text(ins_waiver, 4, w->ticket);
        o->bind_text(ins_waiver, 5, w->expires);
        CHECK(o->step(ins_waiver, err));
    }
    /* Statements must be done before COMMIT (SQLite keeps RETURNING rows). */
    o->reset(ins_run);
    o->reset(ins_bench);
    if (bl_reason) {
        /* ins_env, done with, marks the baseline: a run recorded as one is
         * never left recorded without the mark. */
        o->finalize(ins_env);
        PREPARE(ins_env, "INSERT INTO baselines (run_id, reason, who, created)"
                         " VALUES (?, ?, ?, ?)");
        o->bind_int(ins_env, 1, id);
        o->bind_text(ins_env, 2, bl_reason);
        o->bind_text(ins_env, 3, bl_who);
        o->bind_text(ins_env, 4, now);
        CHECK(o->step(ins_env, err));
        o->reset(ins_env);
    }
    CHECK(o->exec(h->db, "COMMIT", err));
    in_tx = 0;
    if (run_id)
        *run_id = id;
    rc = 0;
done:
    o->finalize(ins_run);
    o->finalize(ins_env);
    o->finalize(ins_bench);
    o->finalize(chunk);
    o->finalize(ins_verdict);
    o->finalize(ins_waiver);
    if (in_tx)
        o->exec(h->db, "ROLLBACK", NULL);
    free(scratch);
    return rc;
}

int pg_history_add(pg_history *h, const pg_hist_run *run, pg_hist_progress_fn progress,
                   void *progress_arg, int64_t *run_id, pg_error *err)
{
    return add_run(h, run, progress, progress_arg, NULL, NULL, run_id, err);
}

int pg_history_add_baseline(pg_history *h, const pg_hist_run *run, const char *reason,
                            const char *who, pg_hist_progress_fn progress, void *progress_arg,
                            int64_t *run_id, pg_error *err)
{
    if (!reason || !*reason)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "a baseline needs a reason");
    return add_run(h, run, progress, progress_arg, reason, who, run_id, err);
}

/* ---- Listing -------------------------------------------------------- */

#define RUN_COLUMNS                                                                                \
    "r.id, r.created, r.commit_id, r.branch, r.source,"                                            \
    " (SELECT COUNT(*) FROM benchmarks b WHERE b.run_id = r.id),"                                  \
    " (SELECT COUNT(DISTINCT v.bench) FROM verdicts v WHERE v.run_id = r.id"                       \
    "   AND v.fails = 1),"                                                                         \
    " (SELECT COUNT(*) FROM baselines l WHERE l.run_id = r.id)"

/* 0, or PG_ENOMEM when a text column could not be read. */
static int read_run_info(const hdb_ops *o, hstmt *st, pg_hist_run_info *ri)
{
    int bad = 0;
    memset(ri, 0, sizeof *ri);
    ri->id = o->col_int(st, 0);
    copy_text(ri->timestamp, sizeof ri->timestamp, col_text(o, st, 1, &bad));
    copy_text(ri->commit, sizeof ri->commit, col_text(o, st, 2, &bad));
    copy_text(ri->branch, sizeof ri->branch, col_text(o, st, 3, &bad));
    copy_text(ri->source, sizeof ri->source, col_text(o, st, 4, &bad));
    ri->n_benches = (long)o->col_int(st, 5);
    ri->n_failed = (long)o->col_int(st, 6);
    ri->is_baseline = o->col_int(st, 7) > 0;
    return bad ? PG_ENOMEM : 0;
}

int pg_history_list(pg_history *h, size_t limit, pg_hist_run_info **runs, size_t *n, pg_error *err)
{
    if (!h || !runs || !n)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "bad arguments");
    const hdb_ops *o = h->db->ops;
    hstmt *st = NULL;
    pg_hist_run_info *out = NULL;
    size_t count = 0, cap = 0;
    int rc;
    *runs = NULL;
    *n = 0;
    PREPARE(st, "SELECT " RUN_COLUMNS " FROM runs r ORDER BY r.id DESC LIMIT ?");
    o->bind_int(st, 1, limit ? (int64_t)limit : INT64_MAX);
    while ((rc = o->step(st, err)) == 1) {
        if (count == cap) {
            size_t nc = cap ? cap * 2 : 16;
            pg_hist_run_info *g = realloc(out, nc * sizeof *g);
            if (!g) {
                rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
                goto done;
            }
            out = g;
            cap = nc;
        }
        if (read_run_info(o, st, &out[count++]) < 0) {
            rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            goto done;
        }
    }
    if (rc < 0)
        goto done;
    *runs = out;
    *n = count;
    out = NULL;
    rc = 0;
done:
    o->finalize(st);
    free(out);
    return rc;
}

int pg_history_latest(pg_history *h, int64_t *run_id, pg_error *err)
{
    if (!h || !run_id)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "bad arguments");
    const hdb_ops *o = h->db->ops;
    hstmt *st = NULL;
    int rc;
    PREPARE(st, "SELECT MAX(id) FROM runs");
    CHECK(o->step(st, err));
    if (rc == 0 || o->col_is_null(st, 0)) {
        rc = pg_error_set(err, PG_EMISSING, NULL, 0, 0, NULL, "the history holds no runs");
        goto done;
    }
    *run_id = o->col_int(st, 0);
    rc = 0;
done:
    o->finalize(st);
    return rc;
}

/* ---- Showing one run ------------------------------------------------ */

void pg_hist_show_free(pg_hist_show *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_env; i++) {
        free((char *)s->env[i].key);
        free((char *)s->env[i].value);
    }
    for (size_t i = 0; i < s->n_rows; i++)
        free(s->rows[i].name);
    for (size_t i = 0; i < s->n_verdicts; i++) {
        pg_hist_verdict *v = &s->verdicts[i];
        free((char *)v->bench);
        free((char *)v->metric);
        free((char *)v->verdict);
        free((char *)v->budget);
        free((char *)v->detail);
        free((char *)v->owner);
    }
    for (size_t i = 0; i < s->n_waivers; i++) {
        pg_hist_waiver *w = &s->waivers[i];
        free((char *)w->bench);
        free((char *)w->reason);
        free((char *)w->ticket);
        free((char *)w->expires);
    }
    free(s->env);
    free(s->rows);
    free(s->verdicts);
    free(s->waivers);
    free(s);
}

/* Grows *arr (element size sz) to hold one more; returns the new slot. */
static void *grow(void **arr, size_t *n, size_t *cap, size_t sz)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        void *g = realloc(*arr, nc * sz);
        if (!g)
            return NULL;
        *arr = g;
        *cap = nc;
    }
    void *slot = (char *)*arr + (*n)++ * sz;
    memset(slot, 0, sz);
    return slot;
}

#define GROW(arr, n, cap) ((__typeof__(arr))grow((void **)&(arr), &(n), &(cap), sizeof *(arr)))

/* How bad a verdict is, to pick one per benchmark and run when several
 * metrics were judged. */
static int severity(const char *v)
{
    static const char *const order[] = { "unavailable",   "unbudgeted", "insufficient",
                                         "pass",          "improved",   "missing",
                                         "waived",        "regression", "breach",
                                         "expired-waiver" };
    for (int i = 0; i < 10; i++)
        if (!strcmp(v, order[i]))
            return i + 1;
    return 0;
}

/* Verdicts sort real-time metrics first, so "the first budget given" is
 * the real-time one the charts draw against. */
#define REAL_FIRST "CASE WHEN metric LIKE '%real_time%' THEN 0 ELSE 1 END"

static int is_real_metric(const char *m)
{
    return strstr(m, "real_time") != NULL;
}

/* Sorting in C, not in SQL: PostgreSQL's collation follows the locale,
 * SQLite's compares bytes, and both back ends must answer alike. */
static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const pg_hist_row *)a)->name, ((const pg_hist_row *)b)->name);
}

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const pg_hist_kv *)a)->key, ((const pg_hist_kv *)b)->key);
}

static int cmp_str0(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_verdict(const void *a, const void *b)
{
    const pg_hist_verdict *x = a, *y = b;
    int c = strcmp(x->bench, y->bench);
    if (c)
        return c;
    c = is_real_metric(y->metric) - is_real_metric(x->metric);
    return c ? c : strcmp(x->metric, y->metric);
}

static int cmp_waiver(const void *a, const void *b)
{
    const pg_hist_waiver *x = a, *y = b;
    int c = strcmp(x->bench, y->bench);
    return c ? c : cmp_str0(x->reason, y->reason);
}

/* Per row: the worst verdict over its metrics, the first budget and ratio
 * (rows and verdicts both sorted by name, real-time metrics first). */
static void summarise_verdicts(pg_hist_show *s)
{
    sort_n(s->env, s->n_env, sizeof *s->env, cmp_kv);
    sort_n(s->rows, s->n_rows, sizeof *s->rows, cmp_row);
    sort_n(s->verdicts, s->n_verdicts, sizeof *s->verdicts, cmp_verdict);
    size_t r = 0;
    for (size_t i = 0; i < s->n_verdicts; i++) {
        const pg_hist_verdict *v = &s->verdicts[i];
        while (r < s->n_rows && strcmp(s->rows[r].name, v->bench) < 0)
            r++;
        for (size_t k = r; k < s->n_rows && !strcmp(s->rows[k].name, v->bench); k++) {
            pg_hist_row *row = &s->rows[k];
            if (isnan(row->budget_ns))
                row->budget_ns = v->budget_ns;
            if (isnan(row->ratio))
                row->ratio = v->ratio;
            if (severity(v->verdict) > severity(row->verdict))
                copy_text(row->verdict, sizeof row->verdict, v->verdict);
        }
    }
}

int pg_history_show(pg_history *h, int64_t run_id, pg_hist_show **out, pg_error *err)
{
    if (!h || !out)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "bad arguments");
    const hdb_ops *o = h->db->ops;
    hstmt *st = NULL;
    size_t cap_env = 0, cap_rows = 0, cap_v = 0, cap_w = 0;
    int rc, bad = 0;
    pg_hist_show *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");

    PREPARE(st, "SELECT " RUN_COLUMNS " FROM runs r WHERE r.id = ?");
    o->bind_int(st, 1, run_id);
    CHECK(o->step(st, err));
    if (rc == 0) {
        rc = pg_error_set(err, PG_EMISSING, NULL, 0, 0, NULL, "no run %lld in the history",
                          (long long)run_id);
        goto done;
    }
    if (read_run_info(o, st, &s->info) < 0)
        goto nomem;
    o->finalize(st);
    st = NULL;

    PREPARE(st, "SELECT key, value FROM environment WHERE run_id = ?");
    o->bind_int(st, 1, run_id);
    while ((rc = o->step(st, err)) == 1) {
        pg_hist_kv *kv = GROW(s->env, s->n_env, cap_env);
        if (!kv)
            goto nomem;
        kv->key = col_dup(o, st, 0, &bad);
        kv->value = col_dup(o, st, 1, &bad);
        if (bad || !kv->key) /* NOT NULL: not there means not read */
            goto nomem;
    }
    if (rc < 0)
        goto done;
    o->finalize(st);
    st = NULL;

    PREPARE(st, "SELECT name, n_samples, iterations, median_ns, lo_ns, hi_ns, cpu_median_ns"
                " FROM benchmarks WHERE run_id = ?");
    o->bind_int(st, 1, run_id);
    while ((rc = o->step(st, err)) == 1) {
        pg_hist_row *r = GROW(s->rows, s->n_rows, cap_rows);
        if (!r)
            goto nomem;
        r->name = col_dup(o, st, 0, &bad);
        if (bad || !r->name)
            goto nomem;
        r->n_samples = (size_t)o->col_int(st, 1);
        r->iterations = o->col_int(st, 2);
        r->median_ns = o->col_double(st, 3);
        r->lo_ns = o->col_double(st, 4);
        r->hi_ns = o->col_double(st, 5);
        r->cpu_median_ns = o->col_double(st, 6);
        r->budget_ns = r->ratio = NAN;
    }
    if (rc < 0)
        goto done;
    o->finalize(st);
    st = NULL;

    PREPARE(st, "SELECT bench, metric, verdict, budget, budget_ns, ratio, detail, owner,"
                " max_ratio, fails FROM verdicts WHERE run_id = ?");
    o->bind_int(st, 1, run_id);
    while ((rc = o->step(st, err)) == 1) {
        pg_hist_verdict *v = GROW(s->verdicts, s->n_verdicts, cap_v);
        if (!v)
            goto nomem;
        v->bench = col_dup(o, st, 0, &bad);
        v->metric = col_dup(o, st, 1, &bad);
        v->verdict = col_dup(o, st, 2, &bad);
        v->budget = col_dup(o, st, 3, &bad);
        v->budget_ns = o->col_double(st, 4);
        v->ratio = o->col_double(st, 5);
        v->detail = col_dup(o, st, 6, &bad);
        v->owner = col_dup(o, st, 7, &bad);
        v->max_ratio = o->col_double(st, 8);
        /* a failing name that did not fail was a warning */
        v->warn = pg_hist_verdict_fails(v->verdict, 0) && o->col_int(st, 9) == 0;
        if (bad || !v->bench || !v->metric || !v->verdict)
            goto nomem;
    }
    if (rc < 0)
        goto done;
    o->finalize(st);
    st = NULL;
    summarise_verdicts(s);

    PREPARE(st, "SELECT bench, reason, ticket, expires FROM waivers WHERE run_id = ?");
    o->bind_int(st, 1, run_id);
    while ((rc = o->step(st, err)) == 1) {
        pg_hist_waiver *w = GROW(s->waivers, s->n_waivers, cap_w);
        if (!w)
            goto nomem;
        w->bench = col_dup(o, st, 0, &bad);
        w->reason = col_dup(o, st, 1, &bad);
        w->ticket = col_dup(o, st, 2, &bad);
        w->expires = col_dup(o, st, 3, &bad);
        if (bad || !w->bench)
            goto nomem;
    }
    if (rc < 0)
        goto done;
    sort_n(s->waivers, s->n_waivers, sizeof *s->waivers, cmp_waiver);
    *out = s;
    s = NULL;
    rc = 0;
    goto done;
nomem:
    rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
done:
    o->finalize(st);
    pg_hist_show_free(s);
    return rc;
}

int pg_history_samples(pg_history *h, int64_t run_id, const char *bench, double **real_ns,
                       double **cpu_ns, size_t *n, pg_error *err)
{
    if (!h || !bench || !real_ns || !n)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "bad arguments");
    const hdb_ops *o = h->db->ops;
    hstmt *st = NULL;
    double *r = NULL, *c = NULL;
    size_t count = 0, cap = 0;
    int rc;
    *real_ns = NULL;
    if (cpu_ns)
        *cpu_ns = NULL;
    *n = 0;
    PREPARE(st, "SELECT s.real_ns, s.cpu_ns FROM samples s JOIN benchmarks b ON s.bench_id = b.id"
                " WHERE b.run_id = ? AND b.name = ? ORDER BY s.idx");
    o->bind_int(st, 1, run_id);
    o->bind_text(st, 2, bench);
    while ((rc = o->step(st, err)) == 1) {
        if (count == cap) {
            size_t nc = cap ? cap * 2 : 32;
            double *gr = realloc(r, nc * sizeof *gr);
            if (gr)
                r = gr;
            double *gc = realloc(c, nc * sizeof *gc);
            if (gc)
                c = gc;
            if (!gr || !gc) {
                rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
                goto done;
            }
            cap = nc;
        }
        r[count] = o->col_double(st, 0);
        c[count] = o->col_double(st, 1);
        count++;
    }
    if (rc < 0)
        goto done;
    *real_ns = r;
    *n = count;
    r = NULL;
    if (cpu_ns) {
        *cpu_ns = c;
        c = NULL;
    }
    rc = 0;
done:
    o->finalize(st);
    free(r);
    free(c);
    return rc;
}

/* ---- Pruning and baselines ------------------------------------------ */

int pg_history_prune(pg_history *h, size_t keep, size_t *removed, pg_error *err)
{
    if (!h)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no history");
    static const char *const deletes[] = {
        "DELETE FROM samples WHERE bench_id IN (SELECT b.id FROM benchmarks b"
        " WHERE b.run_id IN (SELECT id FROM doomed))",
        "DELETE FROM benchmarks WHERE run_id IN (SELECT id FROM doomed)",
        "DELETE FROM environment WHERE run_id IN (SELECT id FROM doomed)",
        "DELETE FROM verdicts WHERE run_id IN (SELECT id FROM doomed)",
        "DELETE FROM waivers WHERE run_id IN (SELECT id FROM doomed)",
        "DELETE FROM runs WHERE id IN (SELECT id FROM doomed)",
        NULL,
    };
    const hdb_ops *o = h->db->ops;
    hstmt *st = NULL;
    int rc, in_tx = 0;
    size_t count = 0;
    CHECK(o->begin(h->db, err));
    in_tx = 1;
    CHECK(o->exec(h->db, "CREATE TEMPORARY TABLE doomed (id BIGINT PRIMARY KEY)", err));
    PREPARE(st, "INSERT INTO doomed (id) SELECT id FROM runs WHERE id NOT IN"
                " (SELECT id FROM runs ORDER BY id DESC LIMIT ?)"
                " AND id NOT IN (SELECT run_id FROM baselines)");
    o->bind_int(st, 1, (int64_t)keep);
    CHECK(o->step(st, err));
    o->finalize(st);
    PREPARE(st, "SELECT COUNT(*) FROM doomed");
    CHECK(o->step(st, err));
    count = (size_t)o->col_int(st, 0);
    o->finalize(st);
    st = NULL;
    for (const char *const *d = deletes; *d; d++)
        CHECK(o->exec(h->db, *d, err));
    CHECK(o->exec(h->db, "DROP TABLE doomed", err));
    CHECK(o->exec(h->db, "COMMIT", err));
    in_tx = 0;
    if (removed)
        *removed = count;
    rc = 0;
done:
    o->finalize(st);
    if (in_tx) {
        o->exec(h->db, "ROLLBACK", NULL);
        o->exec(h->db, "DROP TABLE IF EXISTS doomed", NULL);
    }
    return rc;
}

int pg_history_baseline_set(pg_history *h, int64_t run_id, const char *reason, const char *who,
                            pg_error *err)
{
    if (!h)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no history");
    if (!reason || !*reason)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "a baseline needs a reason");
    const hdb_ops *o = h->db->ops;
    hstmt *st = NULL;
    int rc, in_tx = 0;
    char now[40];
    now_iso(now, sizeof now);
    CHECK(o->begin(h->db, err));
    in_tx = 1;
    PREPARE(st, "SELECT COUNT(*) FROM runs WHERE id = ?");
    o->bind_int(st, 1, run_id);
    CHECK(o->step(st, err));
    if (o->col_int(st, 0) == 0) {
        rc = pg_error_set(err, PG_EMISSING, NULL, 0, 0, NULL, "no run %lld in the history",
                          (long long)run_id);
        goto done;
    }
    o->finalize(st);
    PREPARE(st, "INSERT INTO baselines (run_id, reason, who, created) VALUES (?, ?, ?, ?)");
    o->bind_int(st, 1, run_id);
    o->bind_text(st, 2, reason);
    o->bind_text(st, 3, who);
    o->bind_text(st, 4, now);
    CHECK(o->step(st, err));
    o->finalize(st);
    st = NULL;
    CHECK(o->exec(h->db, "COMMIT", err));
    in_tx = 0;
    rc = 0;
done:
    o->finalize(st);
    if (in_tx)
        o->exec(h->db, "ROLLBACK", NULL);
    return rc;
}

int pg_history_baseline_get(pg_history *h, pg_hist_baseline *out, pg_error *err)
{
    if (!h || !out)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "bad arguments");
    const hdb_ops *o = h->db->ops;
    hstmt *st = NULL;
    int rc;
    PREPARE(st, "SELECT id, run_id, reason, who, created FROM baselines ORDER BY id DESC LIMIT 1");
    CHECK(o->step(st, err));
    if (rc == 0) {
        rc = pg_error_set(err, PG_EMISSING, NULL, 0, 0, NULL, "no baseline has been recorded");
        goto done;
    }
    memset(out, 0, sizeof *out);
    out->id = o->col_int(st, 0);
    out->run_id = o->col_int(st, 1);
    int bad = 0;
    copy_text(out->reason, sizeof out->reason, col_text(o, st, 2, &bad));
    copy_text(out->who, sizeof out->who, col_text(o, st, 3, &bad));
    copy_text(out->created, sizeof out->created, col_text(o, st, 4, &bad));
    rc = bad ? pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory") : 0;
done:
    o->finalize(st);
    return rc;
}

/* ---- Trend table ---------------------------------------------------- */

void pg_hist_trend_free(pg_hist_trend *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_benches; i++)
        free(t->benches[i]);
    free(t->benches);
    free(t->runs);
    free(t->points);
    free(t);
}

typedef struct raw_cell {
    long bench;
    size_t run;
    int is_verdict;
    double a, b, c; /* median, lo, hi; or budget_ns, ratio, max_ratio */
    double d;       /* the CPU median (NaN for a verdict) */
    int fails;
    char verdict[16];
} raw_cell;

typedef struct name_idx {
    const char *name;
    long idx;
} name_idx;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const name_idx *)a)->name, ((const name_idx *)b)->name);
}

int pg_history_trend(pg_history *h, size_t max_runs, pg_hist_trend **out, pg_error *err)
{
    if (!h || !out)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "bad arguments");
    const hdb_ops *o = h->db->ops;
    hstmt *st = NULL;
    reports_strmap *map = reports_strmap_create();
    pg_hist_run_info *runs = NULL;
    raw_cell *cells = NULL;
    size_t n_runs = 0, n_cells = 0, cap_cells = 0, cap_names = 0, n_names = 0;
    char **names = NULL;
    name_idx *order = NULL;
    long *rank = NULL;
    pg_hist_trend *t = NULL;
    int rc;
    *out = NULL;
    if (!map)
        return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    CHECK(pg_history_list(h, max_runs, &runs, &n_runs, err));
    /* list is newest first; the trend reads oldest first */
    for (size_t i = 0; i < n_runs / 2; i++) {
        pg_hist_run_info tmp = runs[i];
        runs[i] = runs[n_runs - 1 - i];
        runs[n_runs - 1 - i] = tmp;
    }
    int64_t first_id = n_runs ? runs[0].id : INT64_MAX;

    for (int pass = 0; pass < 2; pass++) {
        PREPARE(st, pass == 0
                        ? "SELECT run_id, name, median_ns, lo_ns, hi_ns, NULL, 0, cpu_median_ns"
                          " FROM benchmarks WHERE run_id >= ? ORDER BY run_id, id"
                        : "SELECT run_id, bench, budget_ns, ratio, max_ratio, verdict, fails, NULL"
                          " FROM verdicts"
                          " WHERE run_id >= ? ORDER BY run_id, bench, " REAL_FIRST ", metric");
        o->bind_int(st, 1, first_id);
        size_t ri = 0;
        while ((rc = o->step(st, err)) == 1) {
            int64_t rid = o->col_int(st, 0);
            while (ri < n_runs && runs[ri].id < rid)
                ri++;
            if (ri == n_runs || runs[ri].id != rid)
                continue; /* added after we listed */
            int bad = 0;
            const char *name = col_text(o, st, 1, &bad);
            if (bad)
                goto nomem;
            if (!name)
                continue;
            long b = reports_strmap_get(map, name);
            if (b < 0) {
                char **slot = GROW(names, n_names, cap_names);
                if (!slot)
                    goto nomem;
                *slot = strdup(name);
                b = (long)n_names - 1;
                if (!*slot || reports_strmap_put(map, name, b) < 0)
                    goto nomem;
            }
            raw_cell *c = GROW(cells, n_cells, cap_cells);
            if (!c)
                goto nomem;
            c->bench = b;
            c->run = ri;
            c->is_verdict = pass;
            c->a = o->col_double(st, 2);
            c->b = o->col_double(st, 3);
            c->c = o->col_double(st, 4);
            c->d = o->col_double(st, 7);
            c->fails = o->col_int(st, 6) != 0;
            copy_text(c->verdict, sizeof c->verdict, col_text(o, st, 5, &bad));
            if (bad)
                goto nomem;
        }
        if (rc < 0)
            goto done;
        o->finalize(st);
        st = NULL;
    }

    t = calloc(1, sizeof *t);
    order = malloc((n_names ? n_names : 1) * sizeof *order);
    rank = malloc((n_names ? n_names : 1) * sizeof *rank);
    if (!t || !order || !rank)
        goto nomem;
    for (size_t i = 0; i < n_names; i++) {
        order[i].name = names[i];
        order[i].idx = (long)i;
    }
    sort_n(order, n_names, sizeof *order, cmp_name);
    for (size_t i = 0; i < n_names; i++)
        rank[order[i].idx] = (long)i;
    t->runs = runs;
    runs = NULL;
    t->n_runs = n_runs;
    t->benches = calloc(n_names ? n_names : 1, sizeof *t->benches);
    t->points = malloc((n_names * n_runs > 0 ? n_names * n_runs : 1) * sizeof *t->points);
    if (!t->benches || !t->points)
        goto nomem;
    t->n_benches = n_names;
    for (size_t i = 0; i < n_names; i++) {
        t->benches[rank[i]] = names[i];
        names[i] = NULL;
    }
    for (size_t i = 0; i < n_names * n_runs; i++) {
        pg_hist_point *p = &t->points[i];
        p->median_ns = p->lo_ns = p->hi_ns = p->cpu_median_ns = p->budget_ns = p->ratio =
            p->max_ratio = NAN;
        p->fails = 0;
        p->verdict[0] = '\0';
    }
    for (size_t i = 0; i < n_cells; i++) {
        const raw_cell *c = &cells[i];
        pg_hist_point *p = &t->points[(size_t)rank[c->bench] * n_runs + c->run];
        if (!c->is_verdict) {
            p->median_ns = c->a;
            p->lo_ns = c->b;
            p->hi_ns = c->c;
            p->cpu_median_ns = c->d;
            continue;
        }
        if (!isnan(c->a) && isnan(p->budget_ns))
            p->budget_ns = c->a;
        /* a relative budget's ratio is the one its chart draws */
        if (!isnan(c->c) && isnan(p->max_ratio)) {
            p->max_ratio = c->c;
            p->ratio = c->b;
        }
        p->fails |= c->fails;
        if (severity(c->verdict) > severity(p->verdict)) {
            copy_text(p->verdict, sizeof p->verdict, c->verdict);
            if (!isnan(c->b) && isnan(p->max_ratio))
                p->ratio = c->b;
        }
        if (isnan(p->ratio))
            p->ratio = c->b;
    }
    *out = t;
    t = NULL;
    rc = 0;
    goto done;
nomem:
    rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
done:
    o->finalize(st);
    reports_strmap_destroy(map);
    if (names)
        for (size_t i = 0; i < n_names; i++)
            free(names[i]);
    free(names);
    free(cells);
    free(runs);
    free(order);
    free(rank);
    pg_hist_trend_free(t);
    return rc;
}

void pg_run_spreads_free(pg_run_spread *s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free((char *)s[i].bench);
    free(s);
}

int pg_history_run_spreads(pg_history *h, size_t max_runs, pg_run_spread **out, size_t *n,
                           pg_error *err)
{
    pg_hist_trend *t = NULL;
    *out = NULL;
    *n = 0;
    int rc = pg_history_trend(h, max_runs, &t, err);
    if (rc)
        return rc;
    pg_run_spread *s = calloc(t->n_benches ? t->n_benches : 1, sizeof *s);
    double *y = malloc((t->n_runs ? t->n_runs : 1) * 2 * sizeof *y), *scratch;
    if (!s || !y)
        goto nomem;
    scratch = y + t->n_runs;
    for (size_t b = 0; b < t->n_benches; b++) { /* the trend's names are sorted */
        if (!(s[b].bench = strdup(t->benches[b])))
            goto nomem;
        *n = b + 1;
        for (int metric = 0; metric < 2; metric++) {
            size_t m = 0;
            for (size_t r = 0; r < t->n_runs; r++) {
                const pg_hist_point *p = &t->points[b * t->n_runs + r];
                double x = metric == PG_METRIC_CPU ? p->cpu_median_ns : p->median_ns;
                if (x > 0 && isfinite(x))
                    y[m++] = log(x);
            }
            s[b].log_sd[metric] = pg_stats_diff_sigma(y, m, scratch);
            s[b].runs[metric] = m;
        }
    }
    free(y);
    pg_hist_trend_free(t);
    *out = s;
    return 0;
nomem:
    free(y);
    pg_run_spreads_free(s, *n);
    *n = 0;
    pg_hist_trend_free(t);
    return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
}
