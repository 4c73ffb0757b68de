/*
 * pg_csv.h - a CSV reader a user can trust.
 *
 * RFC 4180 with the usual extensions: a header row, fields quoted with '"'
 * (doubled quotes inside), LF or CRLF line ends, a final line with or without
 * its newline.  Every row must have as many fields as the header.  Numbers
 * are read with strtod: empty cells and nan/NaN read as NaN, inf/-inf as
 * infinities.  Every error names file:line:column and what was expected.
 * The whole table is held in memory (one allocation for the text, one for
 * the cell index), so what one table may take is capped (pg_csv_limits,
 * docs/limits.md): beyond a cap the read fails with PG_ELIMIT before the
 * memory is spent, and a NUL byte (never text; /dev/zero) fails at once.
 */
#ifndef PG_CSV_H
#define PG_CSV_H

#include <stddef.h>

#include "pg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pg_csv pg_csv;

/* The default caps: 1 GiB of text (a regular file larger than that is
 * refused before reading; a pipe or device once that much was read), 64 Mi
 * cells, header included (a 1 GiB cell index), and 65,536 columns. */
#define PG_CSV_MAX_BYTES ((size_t)1 << 30)
#define PG_CSV_MAX_CELLS ((size_t)1 << 26)
#define PG_CSV_MAX_COLUMNS ((size_t)65536)

/* Caps on one table; a zero field takes its default above. */
typedef struct pg_csv_limits {
    size_t max_bytes;   /* bytes of text */
    size_t max_cells;   /* cells, header included */
    size_t max_columns; /* fields of the header */
} pg_csv_limits;

/* Reads and parses a file under the default caps; NULL on error (err says
 * where and why). */
pg_csv *pg_csv_read_file(const char *path, pg_error *err);

/* Parses len bytes; name is used in error messages (may be NULL). */
pg_csv *pg_csv_read_mem(const char *data, size_t len, const char *name, pg_error *err);

/* The same under the caps in lim (NULL: the defaults). */
pg_csv *pg_csv_read_file_limited(const char *path, const pg_csv_limits *lim, pg_error *err);
pg_csv *pg_csv_read_mem_limited(const char *data, size_t len, const char *name,
                                const pg_csv_limits *lim, pg_error *err);

void pg_csv_free(pg_csv *csv); /* NULL is a no-op */

size_t pg_csv_nrows(const pg_csv *csv); /* data rows, header excluded */
size_t pg_csv_ncols(const pg_csv *csv);
const char *pg_csv_name(const pg_csv *csv, size_t col); /* header field */

/* Index of the column called name, or -1. */
long pg_csv_find(const pg_csv *csv, const char *name);

/* Unquoted text of a cell (row is 0-based among data rows). */
const char *pg_csv_cell(const pg_csv *csv, size_t row, size_t col);

/* 1-based line and column of a cell in the file (for messages). */
void pg_csv_cell_pos(const pg_csv *csv, size_t row, size_t col, int *line, int *column);

/* Converts a whole column to doubles (out: nrows).  An empty cell or
 * nan/NaN gives NaN; inf/-inf/infinity give infinities; anything else that
 * is not a complete number is PG_EPARSE naming the cell's position. */
int pg_csv_column_double(const pg_csv *csv, size_t col, double *out, pg_error *err);

/* Parses one cell as a double under the rules above. */
int pg_csv_cell_double(const pg_csv *csv, size_t row, size_t col, double *out, pg_error *err);

/* Writes v as Python's repr does (shortest round-trip: "0.1", "1.0",
 * "1e-06", "-0.0", "nan", "inf", "-inf"), so output diffs against
 * TradePulse's golden files.  buf needs 32 bytes. */
void pg_format_double(double v, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
