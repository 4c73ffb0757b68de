/*
 * internal.h - helpers shared inside reports/ (never included from another
 * folder).
 *
 * The history store speaks to its back end through `hdb`, a deliberately
 * small SQL interface: prepared statements with `?` placeholders, typed
 * binds, row stepping.  SQLite implements it directly; PostgreSQL implements
 * it over libpq (placeholders become $1..$n, values travel as text).  One set
 * of SQL statements in history.c then serves both back ends, which is what
 * keeps their results identical.
 */
#ifndef PG_REPORTS_INTERNAL_H
#define PG_REPORTS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pg_error.h"

typedef struct hdb hdb;
typedef struct hstmt hstmt;

typedef struct hdb_ops {
    const char *name;                                     /* "sqlite" or "postgresql" */
    const char *id_type;                                  /* DDL for an auto-increment key */
    int (*exec)(hdb *db, const char *sql, pg_error *err); /* no parameters, no rows */
    hstmt *(*prepare)(hdb *db, const char *sql, pg_error *err);
    int (*bind_int)(hstmt *st, int i, int64_t v);      /* i is 1-based */
    int (*bind_double)(hstmt *st, int i, double v);    /* NaN binds NULL */
    int (*bind_text)(hstmt *st, int i, const char *v); /* NULL binds NULL; copied */
    int (*step)(hstmt *st, pg_error *err);             /* 1 a row, 0 done, <0 error */
    int (*col_is_null)(hstmt *st, int i);              /* i is 0-based */
    int64_t (*col_int)(hstmt *st, int i);
    double (*col_double)(hstmt *st, int i);     /* NULL reads NaN */
    const char *(*col_text)(hstmt *st, int i);  /* NULL reads NULL; valid until next step */
    void (*reset)(hstmt *st);                   /* ready to bind and step again */
    void (*finalize)(hstmt *st);                /* NULL is a no-op */
    int (*begin)(hdb *db, pg_error *err);       /* a write transaction */
    int (*lock_schema)(hdb *db, pg_error *err); /* serialise migrations (before begin) */
    void (*unlock_schema)(hdb *db);             /* after commit or rollback */
    int (*get_version)(hdb *db, int *version, pg_error *err);
    int (*set_version)(hdb *db, int version, pg_error *err);
    void (*close)(hdb *db);
} hdb_ops;

struct hdb {
    const hdb_ops *ops;
};

/* Back ends.  Both return NULL and fill err on failure. */
hdb *reports_hdb_sqlite_open(const char *path, pg_error *err);
/* Read only: never creates the file, never switches its journal mode; a
 * file in a read-only folder is read as immutable (db_sqlite.c). */
hdb *reports_hdb_sqlite_open_ro(const char *path, pg_error *err);
/* A history file's bytes (len of them at data) read from a private copy in
 * memory: no file is opened or made; the caller's bytes are never changed. */
hdb *reports_hdb_sqlite_open_image(const void *data, size_t len, pg_error *err);
hdb *reports_hdb_pq_open(const char *conninfo, pg_error *err);

/* A string -> index map for benchmark names (open addressing, FNV-1a). */
typedef struct reports_strmap reports_strmap;
reports_strmap *reports_strmap_create(void);
void reports_strmap_destroy(reports_strmap *m);
/* The index of key, or -1. */
long reports_strmap_get(const reports_strmap *m, const char *key);
/* Adds key -> value (key copied); returns 0, or PG_ENOMEM. */
int reports_strmap_put(reports_strmap *m, const char *key, long value);

/* The median of x[0..n) and the gate's interval for it
 * (pg_stats_median_ci at PG_MEDIAN_CONF: the one check judges on), NaN
 * samples left out.  Sorts x in place.  NaN for all three when n == 0. */
void reports_median_ci(double *x, size_t n, double *median, double *lo, double *hi);

/* strdup that tolerates NULL. */
char *reports_strdup(const char *s);

/* The change points and creep of a report (report_changes.c). */
#include <stdio.h>

#include "pg_reports.h"

/* The set commands that mark nw's change points (a line at each, its
 * location interval shaded, a label of numbers) and its creep on the chart
 * plotted next; returns 1 when it wrote any (then reports_gp_markers_end
 * after the plot), else 0.  nw may be NULL. */
int reports_gp_markers(FILE *g, const pg_hist_trend *t, const pg_cp_news *nw);
void reports_gp_markers_end(FILE *g);
/* The list of change points and creep, newest first, as an HTML section
 * (<h2 id="changes">, table#change-points, table#creep, p#no-changes) or
 * as Markdown (max_rows 0: every change point).  0 or PG_ENOMEM. */
int reports_html_changes(FILE *f, const pg_hist_trend *t, const pg_reports_changes *cs);
int reports_md_changes(FILE *f, const pg_hist_trend *t, const pg_reports_changes *cs,
                       size_t max_rows);

#endif
