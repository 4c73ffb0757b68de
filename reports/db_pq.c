/*
 * db_pq.c - the PostgreSQL back end of the history store, over libpq.
 *
 * For a team whose CI runners share one history.  The SQL in history.c is
 * written once with `?` placeholders; here they become $1..$n and the
 * statement is prepared server-side once (PQprepare), then run with text
 * parameters (PQexecPrepared).  Doubles travel as "%.17g", which round-trips
 * exactly, so both back ends return the same numbers.  Schema migrations
 * take a session advisory lock (before their transaction), so two runners upgrading the same
 * database at once take turns.  Built only when libpq was found.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pg_redact.h"

#ifdef PG_HAVE_LIBPQ
#include <libpq-fe.h>

#define MAX_PARAMS 128
/* An arbitrary constant naming perfgate's migration lock. */
#define SCHEMA_LOCK_KEY 0x70657266 /* "perf" */

typedef struct qdb {
    hdb base;
    PGconn *conn;
    int next_stmt;
    char *conninfo; /* kept to scrub its password from libpq's messages */
} qdb;

typedef struct qstmt {
    qdb *owner;
    char name[32];
    int nparams;
    char *params[MAX_PARAMS];
    PGresult *res;
    int row, nrows, executed;
} qstmt;

static int q_fail(qdb *d, pg_error *err, const char *what, const PGresult *res)
{
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(d->conn);
    char clean[200];
    snprintf(clean, sizeof clean, "%s", msg && *msg ? msg : "error");
    pg_redact_secret(clean, sizeof clean, d->conninfo);
    size_t n = strlen(clean);
    while (n && (clean[n - 1] == '\n' || clean[n - 1] == ' '))
        clean[--n] = '\0';
    return pg_error_set(err, PG_EIO, NULL, 0, 0, NULL, "postgresql: %s: %s", what, clean);
}

static int q_exec(hdb *db, const char *sql, pg_error *err)
{
    qdb *d = (qdb *)db;
    PGresult *r = PQexec(d->conn, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        rc = q_fail(d, err, "statement failed", r);
    PQclear(r);
    return rc;
}

/* Rewrites `?` placeholders as $1..$n.  Our SQL has no '?' in literals. */
static char *number_params(const char *sql, int *count)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    char *o = out;
    int n = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '?')
            o += sprintf(o, "$%d", ++n);
        else
            *o++ = *p;
    }
    *o = '\0';
    *count = n;
    return out;
}

static hstmt *q_prepare(hdb *db, const char *sql, pg_error *err)
{
    qdb *d = (qdb *)db;
    int n = 0;
    char *text = number_params(sql, &n);
    qstmt *s = calloc(1, sizeof *s);
    if (!text || !s || n > MAX_PARAMS) {
        pg_error_set(err, n > MAX_PARAMS ? PG_ELIMIT : PG_ENOMEM, NULL, 0, 0, NULL,
                     "cannot prepare statement");
        free(text);
        free(s);
        return NULL;
    }
    s->owner = d;
    s->nparams = n;
    snprintf(s->name, sizeof s->name, "pg_s%d", d->next_stmt++);
    PGresult *r = PQprepare(d->conn, s->name, text, 0, NULL);
    free(text);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        q_fail(d, err, "cannot prepare statement", r);
        PQclear(r);
        free(s);
        return NULL;
    }
    PQclear(r);
    return (hstmt *)s;
}

static int set_param(qstmt *s, int i, const char *v)
{
    if (i < 1 || i > s->nparams)
        return PG_EINVAL;
    free(s->params[i - 1]);
    s->params[i - 1] = NULL;
    if (v) {
        s->params[i - 1] = strdup(v);
        if (!s->params[i - 1])
            return PG_ENOMEM;
    }
    return 0;
}

static int q_bind_int(hstmt *st, int i, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return set_param((qstmt *)st, i, buf);
}

static int q_bind_double(hstmt *st, int i, double v)
{
    if (isnan(v))
        return set_param((qstmt *)st, i, NULL);
    char buf[40];
    if (isinf(v))
        snprintf(buf, sizeof buf, "%s", v > 0 ? "Infinity" : "-Infinity");
    else
        snprintf(buf, sizeof buf, "%.17g", v);
    return set_param((qstmt *)st, i, buf);
}

static int q_bind_text(hstmt *st, int i, const char *v)
{
    return set_param((qstmt *)st, i, v);
}

static int q_step(hstmt *st, pg_error *err)
{
    qstmt *s = (qstmt *)st;
    if (!s->executed) {
        s->executed = 1;
        s->res = PQexecPrepared(s->owner->conn, s->name, s->nparams, (const char *const *)s->params,
                                NULL, NULL, 0);
        ExecStatusType t = PQresultStatus(s->res);
        if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK)
            return q_fail(s->owner, err, "statement failed", s->res);
        s->nrows = t == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        s->row = -1;
    }
    if (s->row + 1 >= s->nrows)
        return 0;
    s->row++;
    return 1;
}

static int q_col_is_null(hstmt *st, int i)
{
    qstmt *s = (qstmt *)st;
    return PQgetisnull(s->res, s->row, i);
}

static int64_t q_col_int(hstmt *st, int i)
{
    qstmt *s = (qstmt *)st;
    return q_col_is_null(st, i) ? 0 : strtoll(PQgetvalue(s->res, s->row, i), NULL, 10);
}

static double q_col_double(hstmt *st, int i)
{
    qstmt *s = (qstmt *)st;
    if (q_col_is_null(st, i))
        return NAN;
    return strtod(PQgetvalue(s->res, s->row, i), NULL);
}

static const char *q_col_text(hstmt *st, int i)
{
    qstmt *s = (qstmt *)st;
    return q_col_is_null(st, i) ? NULL : PQgetvalue(s->res, s->row, i);
}

static void q_reset(hstmt *st)
{
    qstmt *s = (qstmt *)st;
    PQclear(s->res);
    s->res = NULL;
    s->executed = 0;
    s->row = -1;
    s->nrows = 0;
    for (int i = 0; i < s->nparams; i++) {
        free(s->params[i]);
        s->params[i] = NULL;
    }
}

static void q_finalize(hstmt *st)
{
    qstmt *s = (qstmt *)st;
    if (!s)
        return;
    q_reset(st);
    char sql[64];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
    PQclear(PQexec(s->owner->conn, sql));
    free(s);
}

static int q_begin(hdb *db, pg_error *err)
{
    return q_exec(db, "BEGIN", err);
}

static int q_lock_schema(hdb *db, pg_error *err)
{
    char sql[80];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%d)", SCHEMA_LOCK_KEY);
    return q_exec(db, sql, err);
}

static void q_unlock_schema(hdb *db)
{
    char sql[80];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%d)", SCHEMA_LOCK_KEY);
    q_exec(db, sql, NULL);
}

static int q_get_version(hdb *db, int *version, pg_error *err)
{
    qdb *d = (qdb *)db;
    /* No CREATE here: two runners creating the table at once collide; the
     * table is made by q_set_version, under the schema lock.  Nor a query
     * that may fail: inside the migration transaction it would abort it. */
    PGresult *r = PQexec(d->conn, "SELECT to_regclass('perfgate_meta') IS NOT NULL");
    int rc = 0;
    *version = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        rc = q_fail(d, err, "cannot read the schema version", r);
    } else if (PQgetvalue(r, 0, 0)[0] == 't') {
        PQclear(r);
        r = PQexec(d->conn, "SELECT value FROM perfgate_meta WHERE key = 'user_version'");
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            rc = q_fail(d, err, "cannot read the schema version", r);
        else if (PQntuples(r))
            *version = atoi(PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    return rc;
}

static int q_set_version(hdb *db, int version, pg_error *err)
{
    int rc = q_exec(db,
                    "CREATE TABLE IF NOT EXISTS perfgate_meta"
                    " (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                    err);
    if (rc < 0)
        return rc;
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT INTO perfgate_meta (key, value) VALUES ('user_version', '%d')"
             " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
             version);
    return q_exec(db, sql, err);
}

static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void q_close(hdb *db)
{
    qdb *d = (qdb *)db;
    if (!d)
        return;
    PQfinish(d->conn);
    free(d->conninfo);
    free(d);
}

static const hdb_ops pq_ops = {
    "postgresql",    "BIGSERIAL PRIMARY KEY",
    q_exec,          q_prepare,
    q_bind_int,      q_bind_double,
    q_bind_text,     q_step,
    q_col_is_null,   q_col_int,
    q_col_double,    q_col_text,
    q_reset,         q_finalize,
    q_begin,         q_lock_schema,
    q_unlock_schema, q_get_version,
    q_set_version,   q_close,
};

hdb *reports_hdb_pq_open(const char *conninfo, pg_error *err)
{
    qdb *d = calloc(1, sizeof *d);
    if (!d) {
        pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        return NULL;
    }
    d->base.ops = &pq_ops;
    if (!(d->conninfo = strdup(conninfo))) {
        free(d);
        pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        return NULL;
    }
    /* A password left out of the URI comes from libpq's usual places:
     * PGPASSWORD, PGSERVICE (pg_service.conf) or ~/.pgpass (PGPASSFILE). */
    d->conn = PQconnectdb(conninfo);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        q_fail(d, err, "cannot connect", NULL);
        q_close(&d->base);
        return NULL;
    }
    /* Notices (e.g. "relation already exists, skipping") are not ours to print. */
    PQsetNoticeProcessor(d->conn, quiet_notice, NULL);
    if (q_exec(&d->base, "SET client_min_messages = warning", err) < 0) {
        q_close(&d->base);
        return NULL;
    }
    return &d->base;
}

#else /* !PG_HAVE_LIBPQ */

hdb *reports_hdb_pq_open(const char *conninfo, pg_error *err)
{
    (void)conninfo;
    pg_error_set(err, PG_EUNSUP, NULL, 0, 0, NULL,
                 "this perfgate was built without PostgreSQL support (libpq-dev)");
    return NULL;
}

#endif
