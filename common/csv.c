/*
 * csv.c - the CSV reader behind pg_csv.h.
 *
 * The file is read whole into one buffer and unquoted in place: every cell
 * becomes a NUL-terminated string inside that buffer, so a table costs one
 * copy of its text plus an index of cell pointers and positions.  Positions
 * (1-based line and column, in bytes) are kept per cell for error messages.
 * Limits (pg_csv_limits): the text, the cells and the header's columns are
 * capped; lines and columns beyond INT_MAX are reported as INT_MAX.
 */
#include "pg_csv.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct cell {
    char *text;
    int line, column;
};

struct pg_csv {
    pg_csv_limits lim;  /* the caps, defaults filled in */
    char *buf;          /* the unquoted text, cells point into it */
    struct cell *cells; /* (nrows + 1) * ncols, header first */
    size_t nrows, ncols;
    char name[256];
};

static int clamp_int(size_t v)
{
    return v > INT_MAX ? INT_MAX : (int)v;
}

/* Appends a cell to the index, growing it geometrically. */
static int push_cell(struct pg_csv *t, size_t *cap, size_t *count, char *text, size_t line,
                     size_t column)
{
    if (*count >= t->lim.max_cells)
        return PG_ELIMIT;
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        if (ncap > SIZE_MAX / sizeof(struct cell))
            return PG_ENOMEM;
        struct cell *n = realloc(t->cells, ncap * sizeof *n);
        if (!n)
            return PG_ENOMEM;
        t->cells = n;
        *cap = ncap;
    }
    t->cells[*count].text = text;
    t->cells[*count].line = clamp_int(line);
    t->cells[*count].column = clamp_int(column);
    (*count)++;
    return PG_OK;
}

static int cell_error(const struct pg_csv *t, int rc, size_t line, size_t column, pg_error *err)
{
    if (rc == PG_ELIMIT)
        return pg_error_set(err, rc, t->name, clamp_int(line), clamp_int(column), NULL,
                            "more than %zu cells in the table", t->lim.max_cells);
    return pg_error_set(err, rc, t->name, clamp_int(line), 0, NULL,
                        "out of memory while indexing cells");
}

static pg_csv_limits fill_limits(const pg_csv_limits *lim)
{
    pg_csv_limits l = lim ? *lim : (pg_csv_limits){ 0, 0, 0 };
    if (!l.max_bytes)
        l.max_bytes = PG_CSV_MAX_BYTES;
    if (!l.max_cells)
        l.max_cells = PG_CSV_MAX_CELLS;
    if (!l.max_columns)
        l.max_columns = PG_CSV_MAX_COLUMNS;
    return l;
}

/* Splits t->buf (len bytes, NUL at buf[len]) into cells, unquoting in place. */
static int parse(struct pg_csv *t, size_t len, pg_error *err)
{
    char *p = t->buf, *end = t->buf + len;
    size_t cap = 0, count = 0, line = 1, fields_in_row = 0, row = 0;
    char *line_start = p;
    int rc;

    if (len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF) {
        p += 3; /* UTF-8 byte-order mark */
        line_start = p;
    }
    if (p == end)
        return pg_error_set(err, PG_EPARSE, t->name, 1, 1, NULL,
                            "empty file: expected a header row");

    while (p < end) {
        /* One field starts at p. */
        size_t column = (size_t)(p - line_start) + 1;
        char *out = p, *text = p;
        if (*p == '"') {
            char *q = p + 1;
            size_t qline = line;
            char *qline_start = line_start;
            for (;;) {
                if (q >= end)
                    return pg_error_set(err, PG_EPARSE, t->name, clamp_int(qline),
                                        clamp_int(column), NULL,
                                        "unterminated quoted field: expected a closing '\"'");
                if (*q == '"') {
                    if (q + 1 < end && q[1] == '"') {
                        *out++ = '"';
                        q += 2;
                        continue;
                    }
                    q++;
                    break;
                }
                if (*q == '\n') {
                    line++;
                    line_start = q + 1;
                }
                *out++ = *q++;
            }
            (void)qline_start;
            if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n')
                q++;
            if (q < end && *q != ',' && *q != '\n')
                return pg_error_set(err, PG_EPARSE, t->name, clamp_int(line),
                                    clamp_int((size_t)(q - line_start) + 1), NULL,
                                    "unexpected character after a quoted field: expected ',' or "
                                    "the end of the line");
            p = q;
        } else {
            while (p < end && *p != ',' && *p != '\n') {
                if (*p == '"')
                    return pg_error_set(err, PG_EPARSE, t->name, clamp_int(line),
                                        clamp_int((size_t)(p - line_start) + 1), NULL,
                                        "stray '\"' inside an unquoted field: expected the "
                                        "whole field to be quoted");
                if (*p == '\0')
                    return pg_error_set(err, PG_EPARSE, t->name, clamp_int(line),
                                        clamp_int((size_t)(p - line_start) + 1), NULL,
                                        "NUL byte in a field: expected text");
                p++;
            }
            out = p;
            if (out > text && out[-1] == '\r' && (p == end || *p == '\n'))
                out--; /* CRLF */
        }
        char sep = p < end ? *p : '\n';
        *out = '\0';
        rc = push_cell(t, &cap, &count, text, line, column);
        if (rc)
            return cell_error(t, rc, line, column, err);
        fields_in_row++;
        if (row == 0 && fields_in_row > t->lim.max_columns)
            return pg_error_set(err, PG_ELIMIT, t->name, clamp_int(line), clamp_int(column), NULL,
                                "more than %zu columns in the header", t->lim.max_columns);
        if (p < end)
            p++; /* past ',' or '\n' */
        if (sep == ',' && p == end) {
            /* A trailing comma at end of file: one more empty field. */
            *p = '\0';
            rc = push_cell(t, &cap, &count, p, line, (size_t)(p - line_start) + 1);
            if (rc)
                return cell_error(t, rc, line, (size_t)(p - line_start) + 1, err);
            fields_in_row++;
            sep = '\n';
        }
        if (sep == '\n') {
            if (row == 0) {
                t->ncols = fields_in_row;
            } else if (fields_in_row == 1 && t->cells[count - 1].text[0] == '\0' && t->ncols != 1) {
                count--; /* a blank line: skip it */
                fields_in_row = 0;
                line++;
                line_start = p;
                continue;
            } else if (fields_in_row != t->ncols) {
                return pg_error_set(
                    err, PG_EPARSE, t->name, clamp_int(line), t->cells[count - 1].column, NULL,
                    "row has %zu fields: expected %zu, as in the header", fields_in_row, t->ncols);
            }
            row++;
            fields_in_row = 0;
            line++;
            line_start = p;
        }
    }
    /* A lone-column table whose last line was blank leaves an empty row: keep
     * it only if it was written explicitly (it always is, by the loop). */
    t->nrows = row ? row - 1 : 0;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->cells[c].text[0] == '\0')
            return pg_error_set(err, PG_EPARSE, t->name, t->cells[c].line, t->cells[c].column, NULL,
                                "empty column name in the header: expected a name");
    }
    return PG_OK;
}

pg_csv *pg_csv_read_mem(const char *data, size_t len, const char *name, pg_error *err)
{
    return pg_csv_read_mem_limited(data, len, name, NULL, err);
}

pg_csv *pg_csv_read_file(const char *path, pg_error *err)
{
    return pg_csv_read_file_limited(path, NULL, err);
}

/* A table over buf (len bytes and room for a NUL after them), which it
 * takes: freed here on failure. */
static pg_csv *parse_owned(char *buf, size_t len, const char *name, const pg_csv_limits *l,
                           pg_error *err)
{
    struct pg_csv *t = calloc(1, sizeof *t);
    if (!t) {
        free(buf);
        pg_error_set(err, PG_ENOMEM, name, 0, 0, NULL, "out of memory");
        return NULL;
    }
    t->lim = *l;
    snprintf(t->name, sizeof t->name, "%s", name ? name : "<csv>");
    t->buf = buf;
    t->buf[len] = '\0';
    if (parse(t, len, err) != PG_OK) {
        pg_csv_free(t);
        return NULL;
    }
    return t;
}

static void too_large(const char *name, size_t max, pg_error *err)
{
    pg_error_set(err, PG_ELIMIT, name, 0, 0, NULL, "more than %zu bytes to read (the CSV limit)",
                 max);
}

pg_csv *pg_csv_read_mem_limited(const char *data, size_t len, const char *name,
                                const pg_csv_limits *lim, pg_error *err)
{
    pg_csv_limits l = fill_limits(lim);
    if (!data && len)
        return pg_error_set(err, PG_EINVAL, name, 0, 0, NULL, "no data"), NULL;
    if (len > l.max_bytes) {
        too_large(name, l.max_bytes, err);
        return NULL;
    }
    char *buf = malloc(len + 1);
    if (!buf) {
        pg_error_set(err, PG_ENOMEM, name, 0, 0, NULL, "out of memory reading %zu bytes", len);
        return NULL;
    }
    if (len)
        memcpy(buf, data, len);
    return parse_owned(buf, len, name, &l, err);
}

/* A NUL byte among the got bytes just read at data + len: its position. */
static int nul_error(const char *path, const char *data, size_t len, size_t got, pg_error *err)
{
    const char *z = memchr(data + len, '\0', got);
    if (!z)
        return 0;
    size_t line = 1;
    const char *line_start = data;
    for (const char *p = data; p < z; p++)
        if (*p == '\n') {
            line++;
            line_start = p + 1;
        }
    return pg_error_set(err, PG_EPARSE, path, clamp_int(line),
                        clamp_int((size_t)(z - line_start) + 1), NULL,
                        "NUL byte in a field: expected text");
}

pg_csv *pg_csv_read_file_limited(const char *path, const pg_csv_limits *lim, pg_error *err)
{
    pg_csv_limits l = fill_limits(lim);
    FILE *f = fopen(path, "rb");
    if (!f) {
        pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    /* A regular file too large is refused before anything is read. */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > l.max_bytes) {
        fclose(f);
        pg_error_set(err, PG_ELIMIT, path, 0, 0, NULL,
                     "the file is %jd bytes, larger than the %zu-byte CSV limit",
                     (intmax_t)st.st_size, l.max_bytes);
        return NULL;
    }
    char *data = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (cap - len < 65536) {
            /* One byte over the cap is read to tell "exactly" from "more". */
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > l.max_bytes + 2)
                ncap = l.max_bytes + 2;
            char *n = ncap > cap ? realloc(data, ncap) : NULL;
            if (!n && ncap > cap) {
                rc = pg_error_set(err, PG_ENOMEM, path, 0, 0, NULL,
                                  "out of memory reading the file");
                break;
            }
            if (n) {
                data = n;
                cap = ncap;
            }
        }
        size_t room = cap - 1 - len; /* the NUL's byte stays free */
        size_t got = room ? fread(data + len, 1, room, f) : 0;
        if (got && (rc = nul_error(path, data, len, got, err)) < 0)
            break;
        len += got;
        if (len > l.max_bytes) {
            too_large(path, l.max_bytes, err);
            rc = PG_ELIMIT;
            break;
        }
        if (got == 0)
            break;
    }
    if (rc == 0 && ferror(f))
        rc = pg_error_set(err, PG_EIO, path, 0, 0, NULL, "read error");
    fclose(f);
    if (rc < 0) {
        free(data);
        return NULL;
    }
    if (!data && !(data = malloc(1))) {
        pg_error_set(err, PG_ENOMEM, path, 0, 0, NULL, "out of memory");
        return NULL;
    }
    return parse_owned(data, len, path, &l, err);
}

void pg_csv_free(pg_csv *csv)
{
    if (!csv)
        return;
    free(csv->buf);
    free(csv->cells);
    free(csv);
}

size_t pg_csv_nrows(const pg_csv *csv)
{
    return csv ? csv->nrows : 0;
}
size_t pg_csv_ncols(const pg_csv *csv)
{
    return csv ? csv->ncols : 0;
}

const char *pg_csv_name(const pg_csv *csv, size_t col)
{
    return csv && col < csv->ncols ? csv->cells[col].text : NULL;
}

long pg_csv_find(const pg_csv *csv, const char *name)
{
    if (!csv || !name)
        return -1;
    for (size_t c = 0; c < csv->ncols; c++)
        if (!strcmp(csv->cells[c].text, name))
            return (long)c;
    return -1;
}

const char *pg_csv_cell(const pg_csv *csv, size_t row, size_t col)
{
    if (!csv || row >= csv->nrows || col >= csv->ncols)
        return NULL;
    return csv->cells[(row + 1) * csv->ncols + col].text;
}

void pg_csv_cell_pos(const pg_csv *csv, size_t row, size_t col, int *line, int *column)
{
    int l = 0, c = 0;
    if (csv && row < csv->nrows && col < csv->ncols) {
        l = csv->cells[(row + 1) * csv->ncols + col].line;
        c = csv->cells[(row + 1) * csv->ncols + col].column;
    }
    if (line)
        *line = l;
    if (column)
        *column = c;
}

/* Parses text as a double: strtod for the whole string (surrounding blanks
 * allowed), empty / nan -> NaN.  Returns 0 or -1. */
static int parse_double(const char *s, double *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0') {
        *out = NAN;
        return 0;
    }
    const char *body = s + (*s == '-' || *s == '+');
    if (!strncasecmp(body, "nan", 3)) {
        const char *rest = body + 3;
        while (*rest == ' ' || *rest == '\t')
            rest++;
        if (*rest == '\0') {
            *out = NAN;
            return 0;
        }
        return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s)
        return -1;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != '\0')
        return -1;
    *out = v; /* ERANGE: strtod's +-HUGE_VAL or a denormal/0 is the closest value */
    return 0;
}

int pg_csv_cell_double(const pg_csv *csv, size_t row, size_t col, double *out, pg_error *err)
{
    const char *s = pg_csv_cell(csv, row, col);
    if (!s)
        return pg_error_set(err, PG_EINVAL, csv ? csv->name : NULL, 0, 0, NULL,
                            "cell %zu,%zu is outside the table", row, col);
    if (parse_double(s, out) != 0) {
        int line, column;
        pg_csv_cell_pos(csv, row, col, &line, &column);
        char shown[48];
        size_t l = strlen(s);
        snprintf(shown, sizeof shown, "%.40s%s", s, l > 40 ? "..." : "");
        for (char *c = shown; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = '?';
        return pg_error_set(err, PG_EPARSE, csv->name, line, column, NULL,
                            "'%s' in column '%.64s': expected a number, nan or an empty cell",
                            shown, csv->cells[col].text);
    }
    return PG_OK;
}

int pg_csv_column_double(const pg_csv *csv, size_t col, double *out, pg_error *err)
{
    if (!csv || col >= csv->ncols)
        return pg_error_set(err, PG_EINVAL, csv ? csv->name : NULL, 0, 0, NULL,
                            "column %zu does not exist", col);
    for (size_t r = 0; r < csv->nrows; r++) {
        int rc = pg_csv_cell_double(csv, r, col, &out[r], err);
        if (rc)
            return rc;
    }
    return PG_OK;
}

void pg_format_double(double v, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    if (isnan(v)) {
        snprintf(buf, len, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, len, v > 0 ? "inf" : "-inf");
        return;
    }
    if (v == 0) {
        snprintf(buf, len, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    /* Shortest digits that read back exactly (Python's repr). */
    char digits[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(digits, sizeof digits, "%.*e", prec - 1, v);
        if (strtod(digits, NULL) == v)
            break;
    }
    /* digits: [-]d[.ddd]e[+-]XX; split mantissa digits and exponent. */
    const char *p = digits;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    char mant[24];
    size_t m = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            mant[m++] = *p;
    mant[m] = '\0';
    while (m > 1 && mant[m - 1] == '0')
        mant[--m] = '\0';
    int exp = atoi(p + 1);
    char out[64];
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (exp < -4 || exp >= 16) {
        /* d[.ddd]e[+-]XX, at least two exponent digits, as repr does. */
        out[o++] = mant[0];
        if (m > 1) {
            out[o++] = '.';
            for (size_t i = 1; i < m; i++)
                out[o++] = mant[i];
        }
        o += (size_t)snprintf(out + o, sizeof out - o, "e%c%02d", exp < 0 ? '-' : '+',
                              exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = -1; i > exp; i--)
            out[o++] = '0';
        for (size_t i = 0; i < m; i++)
            out[o++] = mant[i];
        out[o] = '\0';
    } else {
        size_t int_digits = (size_t)exp + 1;
        for (size_t i = 0; i < int_digits; i++)
            out[o++] = i < m ? mant[i] : '0';
        out[o++] = '.';
        if (m > int_digits) {
            for (size_t i = int_digits; i < m; i++)
                out[o++] = mant[i];
        } else {
            out[o++] = '0';
        }
        out[o] = '\0';
    }
    snprintf(buf, len, "%s", out);
}
