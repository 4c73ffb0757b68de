/*
 * compute_io.c - the CSV and frame adapters of `perfgate compute`
 * (compute.h): the input CSV as columns, series or a frame, and CSV out in
 * the layout and number format of TradePulse's golden files.  No kernel is
 * called here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "internal.h"

/* ---- output ---- */

int pg_compute_out_open(struct compute_out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    if (!path || !strcmp(path, "-")) {
        o->f = stdout;
        return 0;
    }
    pg_error err = { 0 };
    o->af = pg_afile_open(path, &err);
    if (!o->af) {
        cli_report("perfgate compute", &err);
        return 2;
    }
    o->f = pg_afile_stream(o->af);
    return 0;
}

int pg_compute_out_close(struct compute_out *o, int ok)
{
    if (!o->af) {
        if (o->f && fflush(o->f) != 0) {
            fprintf(stderr, "perfgate compute: cannot write to stdout\n");
            return 2;
        }
        return ok ? 0 : 2;
    }
    if (!ok) {
        pg_afile_abort(o->af);
        return 2;
    }
    pg_error err = { 0 };
    if (pg_afile_commit(o->af, &err) != 0) {
        cli_report("perfgate compute", &err);
        return 2;
    }
    return 0;
}

void pg_compute_put_num(FILE *f, double v)
{
    char buf[40];
    pg_format_double(v, buf, sizeof buf);
    fputs(buf, f);
}

/* Writes "row,<names...>" then one line per row of column-major data. */
void pg_compute_write_table(FILE *f, const char *index_name, const char *const *names, size_t ncols,
                            const double *data, size_t n)
{
    fputs(index_name, f);
    for (size_t c = 0; c < ncols; c++) {
        fputc(',', f);
        pg_escape_csv(f, names[c]);
    }
    fputc('\n', f);
    for (size_t r = 0; r < n; r++) {
        fprintf(f, "%zu", r);
        for (size_t c = 0; c < ncols; c++) {
            fputc(',', f);
            pg_compute_put_num(f, data[c * n + r]);
        }
        fputc('\n', f);
    }
}

/* ---- input ---- */

int pg_compute_report(const pg_error *err)
{
    cli_report("perfgate compute", err);
    return 2;
}

/* A whole column as doubles (malloc'd), or NULL with the error printed. */
double *pg_compute_column(struct compute_ctx *c, size_t col)
{
    size_t n = pg_csv_nrows(c->csv);
    double *v = malloc(pg_compute_nz(n) * sizeof *v);
    if (!v) {
        fprintf(stderr, "perfgate compute: out of memory\n");
        return NULL;
    }
    pg_error err = { 0 };
    if (pg_csv_column_double(c->csv, col, v, &err) != 0) {
        pg_compute_report(&err);
        free(v);
        return NULL;
    }
    return v;
}

/* Column by name: NULL when absent (*absent set) or unreadable (printed). */
double *pg_compute_named(struct compute_ctx *c, const char *name, int *failed)
{
    long col = pg_csv_find(c->csv, name);
    if (col < 0)
        return NULL;
    double *v = pg_compute_column(c, (size_t)col);
    if (!v)
        *failed = 1;
    return v;
}

/* The price series for single indicators / strategy: --param column, else
 * close, price, value. */
double *pg_compute_price_column(struct compute_ctx *c, int *failed)
{
    const char *cands[] = { c->p.column, "close", "price", "value" };
    for (size_t i = c->p.column[0] ? 0 : 1; i < 4; i++) {
        double *v = pg_compute_named(c, cands[i], failed);
        if (v || *failed)
            return v;
        if (i == 0) {
            fprintf(stderr, "perfgate compute: %s: no column '%s' (from --param column)\n",
                    c->input, c->p.column);
            *failed = 1;
            return NULL;
        }
    }
    fprintf(stderr,
            "perfgate compute: %s:1: missing required column 'close': expected a "
            "close, price or value column\n",
            c->input);
    *failed = 1;
    return NULL;
}

/* Splits the input into series: long (case,i,value) or wide (every column
 * but the index columns i, t, row, ts). */
int pg_compute_load_series(struct compute_ctx *c, struct compute_series **out, size_t *count,
                           int *is_long)
{
    size_t nrows = pg_csv_nrows(c->csv), ncols = pg_csv_ncols(c->csv);
    long ccase = pg_csv_find(c->csv, "case"), cval = pg_csv_find(c->csv, "value");
    struct compute_series *s = NULL;
    size_t k = 0;
    *is_long = ccase >= 0 && cval >= 0;
    if (*is_long) {
        double *vals = pg_compute_column(c, (size_t)cval);
        if (!vals)
            return 2;
        s = calloc(nrows ? nrows : 1, sizeof *s);
        if (!s) {
            free(vals);
            return 2;
        }
        for (size_t r = 0; r < nrows; r++) {
            const char *name = pg_csv_cell(c->csv, r, (size_t)ccase);
            if (k == 0 || strcmp(s[k - 1].name, name)) {
                snprintf(s[k].name, sizeof s[k].name, "%s", name);
                s[k].x = vals + r;
                k++;
            }
            s[k - 1].n++;
        }
        /* Series point into one shared array; the first owns it. */
        *out = s;
        *count = k;
        return 0;
    }
    s = calloc(ncols ? ncols : 1, sizeof *s);
    if (!s)
        return 2;
    for (size_t col = 0; col < ncols; col++) {
        const char *name = pg_csv_name(c->csv, col);
        if (!strcmp(name, "i") || !strcmp(name, "t") || !strcmp(name, "row") || !strcmp(name, "ts"))
            continue;
        if (c->p.column[0] && strcmp(name, c->p.column))
            continue;
        double *v = pg_compute_column(c, col);
        if (!v) {
            for (size_t j = 0; j < k; j++)
                free(s[j].x);
            free(s);
            return 2;
        }
        snprintf(s[k].name, sizeof s[k].name, "%s", name);
        s[k].x = v;
        s[k].n = nrows;
        k++;
    }
    *out = s;
    *count = k;
    return 0;
}

void pg_compute_free_series(struct compute_series *s, size_t k, int is_long)
{
    if (!s)
        return;
    if (is_long) {
        if (k)
            free(s[0].x);
    } else {
        for (size_t i = 0; i < k; i++)
            free(s[i].x);
    }
    free(s);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's
 * days_from_civil. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* A timestamp cell as epoch seconds, as pandas' to_datetime(utc=True) reads
 * it: a number is epoch seconds; ISO 8601 "YYYY-MM-DD[ T]HH:MM[:SS[.f]]" with
 * an optional Z or +-HH:MM offset is converted; anything else is NaT (NaN). */
static double parse_timestamp(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end != s && *end == '\0')
        return v;
    int y, mo, d, h = 0, mi = 0, n = 0;
    double sec = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return NAN;
    const char *p = s + n;
    if (*p == 'T' || *p == ' ') {
        int m2 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m2) != 2)
            return NAN;
        p += 1 + m2;
        if (*p == ':') {
            char *e2;
            sec = strtod(p + 1, &e2);
            if (e2 == p + 1)
                return NAN;
            p = e2;
        }
    }
    double off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om = 0, m3 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m3) < 1)
            return NAN;
        off = (p[0] == '-' ? -1 : 1) * (oh * 3600.0 + om * 60.0);
        p += 1 + (m3 ? m3 : 2);
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61)
        return NAN;
    return (double)days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400.0 + h * 3600.0 +
           mi * 60.0 + sec - off;
}

int pg_compute_load_frame(struct compute_ctx *c, struct compute_frame *of)
{
    size_t nrows = pg_csv_nrows(c->csv), ncols = pg_csv_ncols(c->csv);
    memset(of, 0, sizeof *of);
    of->fr.nrows = nrows;
    of->fr.ncols = ncols;
    of->fr.names = calloc(ncols ? ncols : 1, sizeof *of->fr.names);
    of->fr.cols = calloc(ncols ? ncols : 1, sizeof *of->fr.cols);
    of->store = malloc(pg_compute_nz(ncols * nrows) * sizeof *of->store);
    if (!of->fr.names || !of->fr.cols || !of->store)
        return 2;
    for (size_t col = 0; col < ncols; col++) {
        of->fr.names[col] = pg_csv_name(c->csv, col);
        of->fr.cols[col] = of->store + col * nrows;
        if (c->p.ts_col[0] && !strcmp(of->fr.names[col], c->p.ts_col)) {
            for (size_t r = 0; r < nrows; r++)
                of->fr.cols[col][r] = parse_timestamp(pg_csv_cell(c->csv, r, col));
            continue;
        }
        pg_error err = { 0 };
        if (pg_csv_column_double(c->csv, col, of->fr.cols[col], &err) != 0)
            return pg_compute_report(&err);
    }
    return 0;
}

void pg_compute_free_frame(struct compute_frame *of)
{
    free(of->fr.names);
    free(of->fr.cols);
    free(of->store);
}
/* Writes a frame with its own column names (no index column). */
void pg_compute_write_frame(FILE *f, const pg_frame *fr)
{
    for (size_t col = 0; col < fr->ncols; col++) {
        if (col)
            fputc(',', f);
        pg_escape_csv(f, fr->names[col]);
    }
    fputc('\n', f);
    for (size_t r = 0; r < fr->nrows; r++) {
        for (size_t col = 0; col < fr->ncols; col++) {
            if (col)
                fputc(',', f);
            /* ts is integral epoch seconds: write it as an integer. */
            double v = fr->cols[col][r];
            if (!strcmp(fr->names[col], "ts") && isfinite(v) && v == floor(v) && fabs(v) < 9e15)
                fprintf(f, "%.0f", v);
            else
                pg_compute_put_num(f, v);
        }
        fputc('\n', f);
    }
}
