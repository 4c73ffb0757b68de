/*
 * compute.h - what `perfgate compute` (cmd_compute.c) shares with its CSV
 * and frame adapters (compute_io.c): the run's context, and reading the
 * input CSV as columns, series or a frame, and writing CSV in the layout
 * and number format of TradePulse's golden files (data/golden/).
 *
 * Every function that can fail prints why, prefixed "perfgate compute:",
 * and returns 2 (the exit status) or NULL.
 */
#ifndef PG_CLI_COMPUTE_H
#define PG_CLI_COMPUTE_H

#include <stddef.h>
#include <stdio.h>

#include "pg_csv.h"
#include "pg_error.h"
#include "pg_escape.h" /* pg_escape_csv: every CSV field */
#include "pg_io.h"
#include "pg_kernels.h"

/* --param values (defaults: pg_features_config_default and the table in
 * cmd_compute.c). */
struct compute_params {
    pg_features_config fc;
    size_t entropy_bins;
    pg_dtype dtype;
    size_t hurst_min, hurst_max;
    pg_strategy_params sp;
    char column[128]; /* series column for single indicators, "" = auto */
    char ts_col[128]; /* normalize: timestamp column, "" = none */
    int kuramoto_1d;  /* kuramoto: each series is one snapshot (1-D path) */
};

/* An output destination: stdout, or a file written atomically. */
struct compute_out {
    FILE *f;
    pg_afile *af;
    const char *path;
};

/* What a kernel runs on: the input, its parameters, the extra outputs. */
struct compute_ctx {
    const char *input;
    pg_csv *csv;
    struct compute_params p;
    const char *output, *summary, *normalized, *strategy_out;
};

/* A series to run a scalar/phase kernel on. */
struct compute_series {
    char name[128];
    double *x;
    size_t n;
};

/* The input's columns as a pg_frame (caller frees with pg_compute_free_frame). */
struct compute_frame {
    pg_frame fr;
    double *store;
};

/* Size for malloc: never 0, so an empty table still gets a valid pointer. */
static inline size_t pg_compute_nz(size_t v)
{
    return v ? v : 1;
}

/* ---- output ---- */

/* Opens path for writing ("-" or NULL: stdout), through a temporary file
 * and a rename (pg_io.h).  Returns 0 or 2. */
int pg_compute_out_open(struct compute_out *o, const char *path);

/* Commits the file when ok, else discards it (the old file stays).
 * Returns 0, or 2 when not ok or not written. */
int pg_compute_out_close(struct compute_out *o, int ok);

/* A number at full precision, "nan" for NaN (pg_format_double). */
void pg_compute_put_num(FILE *f, double v);

/* "index_name,<names...>" then one line per row of column-major data
 * (ncols columns of n rows). */
void pg_compute_write_table(FILE *f, const char *index_name, const char *const *names, size_t ncols,
                            const double *data, size_t n);

/* A frame with its own column names (no index column); "ts" as an integer
 * when integral. */
void pg_compute_write_frame(FILE *f, const pg_frame *fr);

/* ---- input ---- */

/* Prints err prefixed "perfgate compute"; returns 2. */
int pg_compute_report(const pg_error *err);

/* A whole column as doubles (caller frees), or NULL with the error printed. */
double *pg_compute_column(struct compute_ctx *c, size_t col);

/* A column by name: NULL when absent, or unreadable (then *failed = 1). */
double *pg_compute_named(struct compute_ctx *c, const char *name, int *failed);

/* The price series of single indicators and the strategy: --param column,
 * else close, price, value; NULL (and *failed = 1) when none. */
double *pg_compute_price_column(struct compute_ctx *c, int *failed);

/* Splits the input into series: long (case,i,value; *is_long = 1, the
 * series share one array) or wide (every column but i, t, row, ts).
 * Returns 0 or 2; free with pg_compute_free_series. */
int pg_compute_load_series(struct compute_ctx *c, struct compute_series **out, size_t *count,
                           int *is_long);
void pg_compute_free_series(struct compute_series *s, size_t k, int is_long);

/* Every column of the input as a frame; the --param ts_col column is read
 * as timestamps (epoch seconds, as pandas' to_datetime(utc=True)).
 * Returns 0 or 2; free with pg_compute_free_frame (also after a failure). */
int pg_compute_load_frame(struct compute_ctx *c, struct compute_frame *of);
void pg_compute_free_frame(struct compute_frame *of);

#endif
