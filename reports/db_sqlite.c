/*
 * db_sqlite.c - the SQLite back end of the history store (the default).
 *
 * Assumes one process may hold the file open while others write to it:
 * WAL journal (readers never block the writer), a busy timeout so that a
 * second writer waits instead of failing, and BEGIN IMMEDIATE so a writer
 * takes the write lock before it reads anything (no upgrade deadlocks).
 * synchronous=NORMAL in WAL mode keeps every committed run across a crash of
 * the process; only a power cut may lose the last commit, never corrupt.
 *
 * A reader (history list/show, report, baseline show/export, evidence)
 * opens the file read-only and changes nothing, so a history it may read
 * but not write (a read-only file, folder or mount) serves it too.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "internal.h"

/* A writer waits this long for another writer's transaction to end. */
#define BUSY_TIMEOUT_MS 30000

typedef struct sdb {
    hdb base;
    sqlite3 *db;
    char path[256];
} sdb;

typedef struct sstmt {
    sdb *owner;
    sqlite3_stmt *st;
    int bind_rc; /* the first bind that failed since the last reset, as SQLITE_... */
} sstmt;

/* SQLite's answer as a PG_E... code: running out of memory is said as such. */
static int code_of(int sqlite_rc)
{
    return (sqlite_rc & 0xff) == SQLITE_NOMEM ? PG_ENOMEM : PG_EIO;
}

static int fail(sdb *d, int code, pg_error *err, const char *what)
{
    if (code == PG_EIO)
        code = code_of(sqlite3_errcode(d->db));
    return pg_error_set(err, code, d->path, 0, 0, NULL, "%s: %s", what, sqlite3_errmsg(d->db));
}

static int s_exec(hdb *db, const char *sql, pg_error *err)
{
    sdb *d = (sdb *)db;
    char *msg = NULL;
    int rc = sqlite3_exec(d->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        /* no message when there was no memory for one */
        rc = pg_error_set(err, code_of(rc), d->path, 0, 0, NULL, "sqlite: %s",
                          msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

static hstmt *s_prepare(hdb *db, const char *sql, pg_error *err)
{
    sdb *d = (sdb *)db;
    sstmt *s = calloc(1, sizeof *s);
    if (!s) {
        pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        return NULL;
    }
    s->owner = d;
    if (sqlite3_prepare_v2(d->db, sql, -1, &s->st, NULL) != SQLITE_OK) {
        fail(d, PG_EIO, err, "cannot prepare statement");
        free(s);
        return NULL;
    }
    return (hstmt *)s;
}

/* A bind that failed (a text copy SQLite had no memory for) leaves the
 * parameter NULL; callers bind a row's values without checking each, so
 * the failure is kept and the next step refuses to run the statement:
 * never a row with a value missing. */
static int bound(sstmt *s, int rc)
{
    if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
        s->bind_rc = rc;
    return rc == SQLITE_OK ? 0 : code_of(rc);
}

static int s_bind_int(hstmt *st, int i, int64_t v)
{
    return bound((sstmt *)st, sqlite3_bind_int64(((sstmt *)st)->st, i, v));
}

static int s_bind_double(hstmt *st, int i, double v)
{
    sqlite3_stmt *s = ((sstmt *)st)->st;
    int rc = isnan(v) ? sqlite3_bind_null(s, i) : sqlite3_bind_double(s, i, v);
    return bound((sstmt *)st, rc);
}

static int s_bind_text(hstmt *st, int i, const char *v)
{
    sqlite3_stmt *s = ((sstmt *)st)->st;
    int rc = v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
    return bound((sstmt *)st, rc);
}

static int s_step(hstmt *st, pg_error *err)
{
    sstmt *s = (sstmt *)st;
    if (s->bind_rc != SQLITE_OK)
        return pg_error_set(err, code_of(s->bind_rc), s->owner->path, 0, 0, NULL,
                            "sqlite: cannot bind a value: %s", sqlite3_errstr(s->bind_rc));
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return fail(s->owner, PG_EIO, err, "sqlite");
}

static int s_col_is_null(hstmt *st, int i)
{
    return sqlite3_column_type(((sstmt *)st)->st, i) == SQLITE_NULL;
}

static int64_t s_col_int(hstmt *st, int i)
{
    return sqlite3_column_int64(((sstmt *)st)->st, i);
}

static double s_col_double(hstmt *st, int i)
{
    sqlite3_stmt *s = ((sstmt *)st)->st;
    if (sqlite3_column_type(s, i) == SQLITE_NULL)
        return NAN;
    return sqlite3_column_double(s, i);
}

static const char *s_col_text(hstmt *st, int i)
{
    return (const char *)sqlite3_column_text(((sstmt *)st)->st, i);
}

static void s_reset(hstmt *st)
{
    sqlite3_reset(((sstmt *)st)->st);
    sqlite3_clear_bindings(((sstmt *)st)->st);
    ((sstmt *)st)->bind_rc = SQLITE_OK;
}

static void s_finalize(hstmt *st)
{
    if (!st)
        return;
    sqlite3_finalize(((sstmt *)st)->st);
    free(st);
}

static int s_begin(hdb *db, pg_error *err)
{
    return s_exec(db, "BEGIN IMMEDIATE", err);
}

static int s_lock_schema(hdb *db, pg_error *err)
{
    (void)db;
    (void)err;
    return 0; /* the BEGIN IMMEDIATE that follows makes us the only writer */
}

static void s_unlock_schema(hdb *db)
{
    (void)db;
}

static int s_get_version(hdb *db, int *version, pg_error *err)
{
    hstmt *st = s_prepare(db, "PRAGMA user_version", err);
    if (!st)
        return PG_EIO;
    int rc = s_step(st, err);
    if (rc == 1) {
        *version = (int)s_col_int(st, 0);
        rc = 0;
    }
    s_finalize(st);
    return rc < 0 ? rc : 0;
}

static int s_set_version(hdb *db, int version, pg_error *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
    return s_exec(db, sql, err);
}

static void s_close(hdb *db)
{
    sdb *d = (sdb *)db;
    if (!d)
        return;
    sqlite3_close_v2(d->db);
    free(d);
}

static const hdb_ops sqlite_ops = {
    "sqlite",        "INTEGER PRIMARY KEY",
    s_exec,          s_prepare,
    s_bind_int,      s_bind_double,
    s_bind_text,     s_step,
    s_col_is_null,   s_col_int,
    s_col_double,    s_col_text,
    s_reset,         s_finalize,
    s_begin,         s_lock_schema,
    s_unlock_schema, s_get_version,
    s_set_version,   s_close,
};

static sdb *new_sdb(const char *path, pg_error *err)
{
    sdb *d = calloc(1, sizeof *d);
    if (!d) {
        pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        return NULL;
    }
    d->base.ops = &sqlite_ops;
    snprintf(d->path, sizeof d->path, "%s", path);
    return d;
}

hdb *reports_hdb_sqlite_open(const char *path, pg_error *err)
{
    sdb *d = new_sdb(path, err);
    if (!d)
        return NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &d->db, flags, NULL) != SQLITE_OK) {
        pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot open history: %s",
                     d->db ? sqlite3_errmsg(d->db) : "out of memory");
        s_close(&d->base);
        return NULL;
    }
    sqlite3_busy_timeout(d->db, BUSY_TIMEOUT_MS);
    /* Switching to WAL needs a moment of exclusive access, and SQLite
     * answers SQLITE_BUSY at once (without the busy handler) when another
     * process is switching the same fresh file: retry for a while. */
    int rc = SQLITE_BUSY;
    for (int tries = 0; tries < BUSY_TIMEOUT_MS / 10 && rc == SQLITE_BUSY; tries++) {
        rc = sqlite3_exec(d->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if (rc == SQLITE_BUSY) {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    if (rc != SQLITE_OK) {
        fail(d, PG_EIO, err, "cannot switch the history to WAL mode");
        s_close(&d->base);
        return NULL;
    }
    if (s_exec(&d->base, "PRAGMA synchronous = NORMAL", err) < 0) {
        s_close(&d->base);
        return NULL;
    }
    return &d->base;
}

/* path as a SQLite URI ("file:" and the path percent-encoded), so that '?',
 * '#' or '%' in a file name stay part of it.  -1 when it does not fit. */
static int file_uri(const char *path, const char *query, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    int n = snprintf(out, len, "file:");
    if (n < 0 || (size_t)n >= len)
        return -1;
    o = (size_t)n;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (o + 4 >= len)
            return -1;
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/._-~", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    n = snprintf(out + o, len - o, "%s", query);
    return n < 0 || (size_t)n >= len - o ? -1 : 0;
}

/* Opens uri with flags (read-only, or the memory a history image is
 * copied into), or fills err. */
static int open_uri(sdb *d, const char *uri, int flags, pg_error *err)
{
    if (d->db) {
        sqlite3_close_v2(d->db);
        d->db = NULL;
    }
    if (sqlite3_open_v2(uri, &d->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return pg_error_set(err, PG_EIO, d->path, 0, 0, NULL, "cannot open history: %s",
                            d->db ? sqlite3_errmsg(d->db) : "out of memory");
    return 0;
}

/* Opens uri (SQLITE_OPEN_URI, read-only) and reads the schema version, so
 * that a file SQLite cannot read this way fails here, not later. */
static int open_ro_try(sdb *d, const char *uri, pg_error *err)
{
    int rc = open_uri(d, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, err);
    if (rc < 0)
        return rc;
    sqlite3_busy_timeout(d->db, BUSY_TIMEOUT_MS);
    int version;
    return s_get_version(&d->base, &version, err);
}

hdb *reports_hdb_sqlite_open_ro(const char *path, pg_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot read history: %s%s", strerror(errno),
                     errno == ENOENT ? " (perfgate history add creates one)" : "");
        return NULL;
    }
    sdb *d = new_sdb(path, err);
    if (!d)
        return NULL;
    char uri[4096];
    pg_error first;
    pg_error_clear(&first);
    if (file_uri(path, "?mode=ro", uri, sizeof uri) != 0) {
        pg_error_set(err, PG_ELIMIT, path, 0, 0, NULL, "history path too long");
        s_close(&d->base);
        return NULL;
    }
    if (open_ro_try(d, uri, &first) == 0)
        return &d->base;
    /* A WAL file in a folder we cannot write: SQLite cannot make the
     * shared-memory file it reads WAL through.  A reader that may not
     * write there cannot race a writer there either (no writer can make
     * the -wal file it would need), so the file is read as immutable. */
    if (file_uri(path, "?immutable=1", uri, sizeof uri) == 0 && open_ro_try(d, uri, NULL) == 0)
        return &d->base;
    if (err && !err->code)
        *err = first;
    s_close(&d->base);
    return NULL;
}

/* The bytes are copied into memory SQLite owns (the memdb VFS, through
 * sqlite3_deserialize) and read there like the file they would be; the
 * schema version is read at once, as open_ro_try does. */
hdb *reports_hdb_sqlite_open_image(const void *data, size_t len, pg_error *err)
{
    sdb *d = new_sdb("(history image)", err);
    if (!d)
        return NULL;
    if (open_uri(d, ":memory:", SQLITE_OPEN_READWRITE, err) < 0) {
        s_close(&d->base);
        return NULL;
    }
    /* A history SQLite wrote in WAL mode is read through a WAL index,
     * kept in a shared-memory file beside a real file; an image has none,
     * so the one connection holds it alone and keeps the index on the heap. */
    if (s_exec(&d->base, "PRAGMA locking_mode = EXCLUSIVE", err) < 0) {
        s_close(&d->base);
        return NULL;
    }
    unsigned char *copy = sqlite3_malloc64(len ? len : 1);
    if (!copy) {
        pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        s_close(&d->base);
        return NULL;
    }
    if (len)
        memcpy(copy, data, len);
    /* FREEONCLOSE: SQLite frees the copy, on failure here too. */
    int rc = sqlite3_deserialize(d->db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
                                 SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
    int version;
    if (rc != SQLITE_OK) {
        pg_error_set(err, code_of(rc), d->path, 0, 0, NULL, "cannot open history: %s",
                     sqlite3_errstr(rc));
    } else if (s_get_version(&d->base, &version, err) == 0) {
        return &d->base;
    }
    s_close(&d->base);
    return NULL;
}
