/*
 * cmd_compute.c - `perfgate compute KERNEL --input F.csv [--param k=v ...]
 * [--output out.csv]`: runs one kernel, or the whole pipeline, on a CSV file
 * and writes CSV in the column layout and number format of TradePulse's
 * golden files (data/golden/), so the two can be diffed directly.
 *
 * Input layouts:
 *   - frames (features, normalize, strategy, pipeline and the single
 *     indicators): named columns in any order (close, high, low, volume, ...);
 *   - series (entropy, hurst, phase): every numeric column is a series
 *     ("wide", like indicators_input.csv), or a long file with columns
 *     case,i,value (like edge/series_input.csv) computed per case;
 *   - kuramoto: t,osc_0..osc_{N-1} (wide) or case,osc,t,value (long).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "internal.h"
#include "pg_csv.h"
#include "pg_io.h"
#include "pg_kernels.h"

/* ---------------------------------------------------------------------- */
/* Parameters                                                              */
/* ---------------------------------------------------------------------- */

struct params {
    pg_features_config fc;
    size_t entropy_bins;
    pg_dtype dtype;
    int dtype_set;
    size_t hurst_min, hurst_max;
    pg_strategy_params sp;
    char column[128];  /* series column for single indicators, "" = auto */
    char ts_col[128];  /* normalize: timestamp column, "" = none */
    int kuramoto_1d;   /* kuramoto: each series is one snapshot (1-D path) */
};

struct param_doc {
    const char *name, *def, *help;
};

static const struct param_doc param_docs[] = {
    { "windows", "5,20,60", "technical windows for sma/ema/volatility (comma list, each >= 1)" },
    { "rsi_window", "14", "RSI window (>= 1)" },
    { "macd", "12,26,9", "MACD fast,slow,signal spans (each >= 1)" },
    { "volatility_window", "20", "volume z-score window (>= 1)" },
    { "microstructure_window", "50", "Kyle/Hasbrouck window and signed-volume EMA span (>= 1)" },
    { "entropy_bins", "50", "entropy histogram bins (>= 1)" },
    { "dtype", "float64", "working precision of entropy/hurst/phase: float32 or float64" },
    { "hurst_lags", "2,50", "Hurst min_lag,max_lag (2 <= min <= max)" },
    { "lookback", "60", "strategy lookback (clamped to [5,500])" },
    { "threshold", "0.8", "strategy threshold (clamped to [0,5])" },
    { "risk_budget", "1.5", "strategy risk budget (clamped to [0.01,10])" },
    { "column", "close", "series column for single indicators and strategy (else price/value)" },
    { "ts_col", "ts", "normalize: timestamp column to sort by ('' = none)" },
    { "kuramoto_mode", "2d", "kuramoto: 2d (rows are snapshots) or 1d (each column is one snapshot)" },
};

struct kernel_doc {
    const char *name, *params, *help;
};

static const struct kernel_doc kernel_docs[] = {
    { "features", "windows rsi_window macd volatility_window microstructure_window",
      "TradePulse's SignalFeaturePipeline on an OHLCV frame" },
    { "sma", "windows column", "rolling mean of the price per window" },
    { "ema", "windows column", "EMA (span w, min_periods w) per window" },
    { "volatility", "windows column", "rolling std of return_1 per window" },
    { "rsi", "rsi_window column", "relative strength index" },
    { "macd", "macd column", "MACD: fast and slow EMAs, macd, signal, histogram" },
    { "entropy", "entropy_bins dtype", "Shannon entropy (nats) of each series" },
    { "hurst", "hurst_lags dtype", "Hurst exponent of each series" },
    { "phase", "dtype", "Hilbert phase (compute_phase) of each series" },
    { "kuramoto", "kuramoto_mode",
      "Kuramoto order: per snapshot of t,osc_* (2-D and 1-D paths), or per series (1d)" },
    { "normalize", "ts_col", "normalize_df: sort by ts, drop duplicates, interpolate" },
    { "strategy", "lookback threshold risk_budget column",
      "mean-reversion strategy: per-row positions and P&L (--summary for totals)" },
    { "pipeline", "all of the above",
      "raw CSV -> normalize -> features -> strategy (features to --output)" },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: perfgate compute KERNEL --input F.csv [--param k=v ...] [--output out.csv]\n"
               "                        [--summary S.csv] [--normalized N.csv] [--strategy T.csv]\n\n"
               "Runs a kernel on a CSV file and writes CSV (full precision, 'nan' for NaN) to\n"
               "--output or stdout.  --summary (strategy, pipeline) writes the strategy totals;\n"
               "--normalized and --strategy (pipeline) write the intermediate frames.\n\n"
               "kernels:\n");
    for (size_t i = 0; i < sizeof kernel_docs / sizeof kernel_docs[0]; i++)
        fprintf(f, "  %-11s %s\n  %-11s   params: %s\n", kernel_docs[i].name, kernel_docs[i].help, "",
                kernel_docs[i].params[0] ? kernel_docs[i].params : "none");
    fprintf(f, "\nparameters (--param name=value, repeatable):\n");
    for (size_t i = 0; i < sizeof param_docs / sizeof param_docs[0]; i++)
        fprintf(f, "  %-22s default %-8s %s\n", param_docs[i].name, param_docs[i].def,
                param_docs[i].help);
}

/* Size for malloc: never 0, so an empty table still gets a valid pointer. */
static size_t nz(size_t v)
{
    return v ? v : 1;
}

/* Parses a size_t >= min with nothing trailing. */
static int parse_size(const char *s, size_t min, size_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > (1ULL << 40))
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_real(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Parses a comma list of sizes >= min into out (at most max). */
static int parse_list(const char *s, size_t min, size_t *out, size_t max, size_t *count)
{
    char buf[256];
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    size_t n = 0;
    if (!*buf) {
        *count = 0;
        return 0;
    }
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        if (n == max || parse_size(tok, min, &out[n]) != 0)
            return -1;
        n++;
    }
    *count = n;
    return 0;
}

static int bad_param(const char *name, const char *value, const char *expected)
{
    fprintf(stderr, "perfgate compute: bad value '%s' for %s: expected %s\n", value, name, expected);
    return 2;
}

/* Applies one name=value; returns 0 or the exit code 2 (message printed). */
static int set_param(struct params *p, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, "perfgate compute: '%s': expected --param name=value\n", arg);
        return 2;
    }
    char name[64];
    size_t nl = (size_t)(eq - arg);
    if (nl >= sizeof name)
        nl = sizeof name - 1;
    memcpy(name, arg, nl);
    name[nl] = '\0';
    const char *v = eq + 1;
    size_t tmp[3], cnt;
    if (!strcmp(name, "windows")) {
        if (parse_list(v, 1, p->fc.windows, PG_MAX_WINDOWS, &p->fc.n_windows))
            return bad_param(name, v, "a comma list of up to 16 integers >= 1");
    } else if (!strcmp(name, "rsi_window")) {
        if (parse_size(v, 1, &p->fc.rsi_window))
            return bad_param(name, v, "an integer >= 1");
    } else if (!strcmp(name, "macd")) {
        if (parse_list(v, 1, tmp, 3, &cnt) || cnt != 3)
            return bad_param(name, v, "fast,slow,signal: three integers >= 1");
        p->fc.macd_fast = tmp[0];
        p->fc.macd_slow = tmp[1];
        p->fc.macd_signal = tmp[2];
    } else if (!strcmp(name, "volatility_window")) {
        if (parse_size(v, 1, &p->fc.volatility_window))
            return bad_param(name, v, "an integer >= 1");
    } else if (!strcmp(name, "microstructure_window")) {
        if (parse_size(v, 1, &p->fc.microstructure_window))
            return bad_param(name, v, "an integer >= 1");
    } else if (!strcmp(name, "entropy_bins")) {
        if (parse_size(v, 1, &p->entropy_bins))
            return bad_param(name, v, "an integer >= 1");
    } else if (!strcmp(name, "dtype")) {
        if (!strcmp(v, "float64"))
            p->dtype = PG_FLOAT64;
        else if (!strcmp(v, "float32"))
            p->dtype = PG_FLOAT32;
        else
            return bad_param(name, v, "float32 or float64");
        p->dtype_set = 1;
    } else if (!strcmp(name, "hurst_lags")) {
        if (parse_list(v, 2, tmp, 2, &cnt) || cnt != 2 || tmp[0] > tmp[1])
            return bad_param(name, v, "min_lag,max_lag with 2 <= min_lag <= max_lag");
        p->hurst_min = tmp[0];
        p->hurst_max = tmp[1];
    } else if (!strcmp(name, "lookback")) {
        if (parse_real(v, &p->sp.lookback))
            return bad_param(name, v, "a finite number");
    } else if (!strcmp(name, "threshold")) {
        if (parse_real(v, &p->sp.threshold))
            return bad_param(name, v, "a finite number");
    } else if (!strcmp(name, "risk_budget")) {
        if (parse_real(v, &p->sp.risk_budget))
            return bad_param(name, v, "a finite number");
    } else if (!strcmp(name, "column")) {
        snprintf(p->column, sizeof p->column, "%s", v);
    } else if (!strcmp(name, "kuramoto_mode")) {
        if (strcmp(v, "1d") && strcmp(v, "2d"))
            return bad_param(name, v, "1d or 2d");
        p->kuramoto_1d = !strcmp(v, "1d");
    } else if (!strcmp(name, "ts_col")) {
        snprintf(p->ts_col, sizeof p->ts_col, "%s", v);
    } else {
        const char *names[sizeof param_docs / sizeof param_docs[0]];
        for (size_t i = 0; i < sizeof param_docs / sizeof param_docs[0]; i++)
            names[i] = param_docs[i].name;
        const char *near = pg_cli_nearest(name, names, sizeof names / sizeof names[0]);
        fprintf(stderr, "perfgate compute: unknown parameter '%s'", name);
        if (near)
            fprintf(stderr, "; did you mean '%s'?", near);
        fprintf(stderr, " (see perfgate compute --help)\n");
        return 2;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Output                                                                  */
/* ---------------------------------------------------------------------- */

/* An output destination: stdout, or a file written atomically. */
struct out {
    FILE *f;
    pg_afile *af;
    const char *path;
};

static int out_open(struct out *o, const char *path)
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
        pg_cli_report("perfgate compute", &err);
        return 2;
    }
    o->f = pg_afile_stream(o->af);
    return 0;
}

static int out_close(struct out *o, int ok)
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
        pg_cli_report("perfgate compute", &err);
        return 2;
    }
    return 0;
}

static void put_num(FILE *f, double v)
{
    char buf[40];
    pg_format_double(v, buf, sizeof buf);
    fputs(buf, f);
}

/* Writes a CSV field, quoting it when it holds a comma, quote or newline. */
static void put_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Writes "row,<names...>" then one line per row of column-major data. */
static void write_table(FILE *f, const char *index_name, const char *const *names, size_t ncols,
                        const double *data, size_t n)
{
    fputs(index_name, f);
    for (size_t c = 0; c < ncols; c++) {
        fputc(',', f);
        put_field(f, names[c]);
    }
    fputc('\n', f);
    for (size_t r = 0; r < n; r++) {
        fprintf(f, "%zu", r);
        for (size_t c = 0; c < ncols; c++) {
            fputc(',', f);
            put_num(f, data[c * n + r]);
        }
        fputc('\n', f);
    }
}

/* ---------------------------------------------------------------------- */
/* Input                                                                   */
/* ---------------------------------------------------------------------- */

struct ctx {
    const char *input;
    pg_csv *csv;
    struct params p;
    const char *output, *summary, *normalized, *strategy_out;
};

static int report(const pg_error *err)
{
    pg_cli_report("perfgate compute", err);
    return 2;
}

/* A whole column as doubles (malloc'd), or NULL with the error printed. */
static double *column(struct ctx *c, size_t col)
{
    size_t n = pg_csv_nrows(c->csv);
    double *v = malloc(nz(n) * sizeof *v);
    if (!v) {
        fprintf(stderr, "perfgate compute: out of memory\n");
        return NULL;
    }
    pg_error err = { 0 };
    if (pg_csv_column_double(c->csv, col, v, &err) != 0) {
        report(&err);
        free(v);
        return NULL;
    }
    return v;
}

/* Column by name: NULL when absent (*absent set) or unreadable (printed). */
static double *named(struct ctx *c, const char *name, int *failed)
{
    long col = pg_csv_find(c->csv, name);
    if (col < 0)
        return NULL;
    double *v = column(c, (size_t)col);
    if (!v)
        *failed = 1;
    return v;
}

/* The price series for single indicators / strategy: --param column, else
 * close, price, value. */
static double *price_column(struct ctx *c, int *failed)
{
    const char *cands[] = { c->p.column, "close", "price", "value" };
    for (size_t i = c->p.column[0] ? 0 : 1; i < 4; i++) {
        double *v = named(c, cands[i], failed);
        if (v || *failed)
            return v;
        if (i == 0) {
            fprintf(stderr, "perfgate compute: %s: no column '%s' (from --param column)\n",
                    c->input, c->p.column);
            *failed = 1;
            return NULL;
        }
    }
    fprintf(stderr, "perfgate compute: %s:1: missing required column 'close': expected a "
                    "close, price or value column\n", c->input);
    *failed = 1;
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Kernels                                                                 */
/* ---------------------------------------------------------------------- */

static const char *ohlcv_names[] = { "ts", "open", "high", "low", "close", "volume",
                                     "bid_volume", "ask_volume", "signed_volume" };
#define N_OHLCV (sizeof ohlcv_names / sizeof ohlcv_names[0])

/* Feature frame of the columns in cols[] (indexed like ohlcv_names). */
static int features_of(struct ctx *c, double *const *cols, size_t n, FILE *f)
{
    pg_ohlcv in = { .n = n, .ts = cols[0], .open = cols[1], .high = cols[2], .low = cols[3],
                    .close = cols[4], .volume = cols[5], .bid_volume = cols[6],
                    .ask_volume = cols[7], .signed_volume = cols[8] };
    pg_error err = { 0 };
    if (!in.close) {
        fprintf(stderr, "perfgate compute: %s:1: missing required column 'close'\n", c->input);
        return 2;
    }
    if (pg_features_config_check(&c->p.fc, &err) != 0)
        return report(&err);
    size_t ncols = pg_features_ncols(&c->p.fc, &in);
    double *out = malloc(nz(ncols * n) * sizeof *out);
    char(*names)[64] = malloc(nz(ncols) * sizeof *names);
    const char **np = malloc(nz(ncols) * sizeof *np);
    int rc = 2;
    if (!out || !names || !np) {
        fprintf(stderr, "perfgate compute: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < ncols; i++) {
        if (pg_features_column_name(&c->p.fc, &in, i, names[i], sizeof names[i]) != 0)
            goto done;
        np[i] = names[i];
    }
    if (pg_features(&c->p.fc, &in, out, &err) != 0) {
        rc = report(&err);
        goto done;
    }
    write_table(f, "row", np, ncols, out, n);
    rc = 0;
done:
    free(out);
    free(names);
    free(np);
    return rc;
}

static int run_features(struct ctx *c, FILE *f)
{
    double *cols[N_OHLCV] = { 0 };
    int failed = 0, rc = 2;
    /* ts and open are not used by the features: not read, so any format passes. */
    for (size_t i = 2; i < N_OHLCV && !failed; i++)
        cols[i] = named(c, ohlcv_names[i], &failed);
    if (!failed)
        rc = features_of(c, cols, pg_csv_nrows(c->csv), f);
    for (size_t i = 0; i < N_OHLCV; i++)
        free(cols[i]);
    return rc;
}

/* sma / ema / volatility / rsi / macd on the price column. */
static int run_single(struct ctx *c, const char *kernel, FILE *f)
{
    int failed = 0;
    double *price = price_column(c, &failed);
    if (!price)
        return 2;
    size_t n = pg_csv_nrows(c->csv);
    const pg_features_config *fc = &c->p.fc;
    size_t ncols = !strcmp(kernel, "rsi") ? 1 : !strcmp(kernel, "macd") ? 5 : fc->n_windows;
    double *out = malloc(nz(ncols * n) * sizeof *out);
    char names[PG_MAX_WINDOWS + 5][64];
    const char *np[PG_MAX_WINDOWS + 5];
    int rc = 0;
    if (!out) {
        free(price);
        return 2;
    }
    if (!strcmp(kernel, "rsi")) {
        snprintf(names[0], 64, "rsi");
        rc = pg_rsi(price, n, fc->rsi_window, out);
    } else if (!strcmp(kernel, "macd")) {
        const char *mn[] = { "macd_ema_fast", "macd_ema_slow", "macd", "macd_signal",
                             "macd_histogram" };
        for (int i = 0; i < 5; i++)
            snprintf(names[i], 64, "%s", mn[i]);
        rc = pg_macd(price, n, fc->macd_fast, fc->macd_slow, fc->macd_signal, out, out + n,
                     out + 2 * n, out + 3 * n, out + 4 * n);
    } else {
        for (size_t w = 0; w < fc->n_windows && rc == 0; w++) {
            snprintf(names[w], 64, "%s_%zu", kernel, fc->windows[w]);
            if (!strcmp(kernel, "sma"))
                rc = pg_sma(price, n, fc->windows[w], out + w * n);
            else if (!strcmp(kernel, "ema"))
                rc = pg_ema(price, n, (double)fc->windows[w], fc->windows[w], out + w * n);
            else
                rc = pg_volatility(price, n, fc->windows[w], out + w * n);
        }
    }
    for (size_t i = 0; i < ncols; i++)
        np[i] = names[i];
    if (rc == 0)
        write_table(f, "row", np, ncols, out, n);
    else
        fprintf(stderr, "perfgate compute: %s failed: %s\n", kernel, pg_strerror(rc));
    free(out);
    free(price);
    return rc ? 2 : 0;
}

/* A series to run a scalar/phase kernel on. */
struct series {
    char name[128];
    double *x;
    size_t n;
};

/* Splits the input into series: long (case,i,value) or wide (every column
 * but the index columns i, t, row, ts). */
static int load_series(struct ctx *c, struct series **out, size_t *count, int *is_long)
{
    size_t nrows = pg_csv_nrows(c->csv), ncols = pg_csv_ncols(c->csv);
    long ccase = pg_csv_find(c->csv, "case"), cval = pg_csv_find(c->csv, "value");
    struct series *s = NULL;
    size_t k = 0;
    *is_long = ccase >= 0 && cval >= 0;
    if (*is_long) {
        double *vals = column(c, (size_t)cval);
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
        if (!strcmp(name, "i") || !strcmp(name, "t") || !strcmp(name, "row") ||
            !strcmp(name, "ts"))
            continue;
        if (c->p.column[0] && strcmp(name, c->p.column))
            continue;
        double *v = column(c, col);
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

static void free_series(struct series *s, size_t k, int is_long)
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

static int run_scalar(struct ctx *c, const char *kernel, FILE *f)
{
    struct series *s;
    size_t k;
    int is_long;
    if (load_series(c, &s, &k, &is_long))
        return 2;
    int is_entropy = !strcmp(kernel, "entropy");
    pg_dtype dt = c->p.dtype;
    const char *dtname = dt == PG_FLOAT32 ? "float32" : "float64";
    char variant[64];
    if (is_entropy)
        snprintf(variant, sizeof variant, "bins=%zu;dtype=%s", c->p.entropy_bins, dtname);
    else
        snprintf(variant, sizeof variant, "min_lag=%zu;max_lag=%zu;dtype=%s", c->p.hurst_min,
                 c->p.hurst_max, dtname);
    size_t *counts = malloc(c->p.entropy_bins * sizeof *counts);
    if (!counts) {
        free_series(s, k, is_long);
        return 2;
    }
    fputs(is_long ? "case,n,kernel,variant,value,error\n" : "series,kernel,variant,value,error\n",
          f);
    int rc = 0;
    for (size_t i = 0; i < k; i++) {
        double v = NAN;
        int krc = is_entropy
                      ? pg_entropy(s[i].x, s[i].n, c->p.entropy_bins, dt, counts, &v)
                      : pg_hurst(s[i].x, s[i].n, c->p.hurst_min, c->p.hurst_max, dt, &v);
        put_field(f, s[i].name);
        if (is_long)
            fprintf(f, ",%zu", s[i].n);
        fprintf(f, ",%s,%s,", is_entropy ? "entropy" : "hurst_exponent", variant);
        if (krc == 0) {
            put_num(f, v);
            fputs(",\n", f);
        } else {
            fprintf(f, ",%s\n", pg_strerror(krc));
            fprintf(stderr, "perfgate compute: %s on '%s' failed: %s\n", kernel, s[i].name,
                    pg_strerror(krc));
            rc = 2;
        }
    }
    free(counts);
    free_series(s, k, is_long);
    return rc;
}

static int run_phase(struct ctx *c, FILE *f)
{
    struct series *s;
    size_t k;
    int is_long;
    if (load_series(c, &s, &k, &is_long))
        return 2;
    pg_dtype dt = c->p.dtype;
    const char *suffix = dt == PG_FLOAT32 ? "f32" : "f64";
    int rc = 0;
    size_t maxn = 0;
    for (size_t i = 0; i < k; i++)
        if (s[i].n > maxn)
            maxn = s[i].n;
    double *out = malloc(nz(k * maxn) * sizeof *out);
    if (!out) {
        free_series(s, k, is_long);
        return 2;
    }
    for (size_t i = 0; i < k && rc == 0; i++) {
        if (s[i].n == 0)
            continue;
        pg_phase_ws *ws = pg_phase_ws_create(s[i].n, dt);
        if (!ws) {
            fprintf(stderr, "perfgate compute: cannot make an FFT workspace for %zu points\n",
                    s[i].n);
            rc = 2;
            break;
        }
        if (pg_phase(ws, s[i].x, s[i].n, out + i * maxn) != 0)
            rc = 2;
        pg_phase_ws_destroy(ws);
    }
    if (rc == 0 && is_long) {
        fputs("case,dtype,i,value,error\n", f);
        for (size_t i = 0; i < k; i++)
            for (size_t r = 0; r < s[i].n; r++) {
                put_field(f, s[i].name);
                fprintf(f, ",%s,%zu,", dt == PG_FLOAT32 ? "float32" : "float64", r);
                put_num(f, out[i * maxn + r]);
                fputs(",\n", f);
            }
    } else if (rc == 0) {
        fputs("i", f);
        for (size_t i = 0; i < k; i++) {
            char name[160];
            snprintf(name, sizeof name, "phase_%s_%s", s[i].name, suffix);
            fputc(',', f);
            put_field(f, name);
        }
        fputc('\n', f);
        for (size_t r = 0; r < maxn; r++) {
            fprintf(f, "%zu", r);
            for (size_t i = 0; i < k; i++) {
                fputc(',', f);
                put_num(f, out[i * maxn + r]);
            }
            fputc('\n', f);
        }
    }
    free(out);
    free_series(s, k, is_long);
    return rc;
}

/* Each series taken as one snapshot of oscillators: the 1-D path. */
static int run_kuramoto_1d(struct ctx *c, FILE *f)
{
    struct series *s;
    size_t k;
    int is_long;
    if (load_series(c, &s, &k, &is_long))
        return 2;
    fputs(is_long ? "case,n,kernel,variant,value,error\n" : "series,kernel,value\n", f);
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++) {
        double R;
        if (pg_kuramoto_order_1d(s[i].x, s[i].n, &R) != 0) {
            rc = 2;
            break;
        }
        put_field(f, s[i].name);
        if (is_long)
            fprintf(f, ",%zu,kuramoto_order_1d,phases=series,", s[i].n);
        else
            fputs(",kuramoto_order_1d,", f);
        put_num(f, R);
        fputs(is_long ? ",\n" : "\n", f);
    }
    free_series(s, k, is_long);
    return rc;
}

static int run_kuramoto(struct ctx *c, FILE *f)
{
    size_t nrows = pg_csv_nrows(c->csv), ncols = pg_csv_ncols(c->csv);
    long ccase = pg_csv_find(c->csv, "case"), cosc = pg_csv_find(c->csv, "osc"),
         ct = pg_csv_find(c->csv, "t"), cval = pg_csv_find(c->csv, "value");
    int rc = 0;
    if (c->p.kuramoto_1d || (ccase >= 0 && cval >= 0 && cosc < 0))
        return run_kuramoto_1d(c, f);
    if (ccase >= 0 && cosc >= 0 && ct >= 0 && cval >= 0) {
        /* Long: case,osc,t,value -> one matrix per case. */
        double *osc = column(c, (size_t)cosc), *t = column(c, (size_t)ct),
               *val = column(c, (size_t)cval);
        double *theta = malloc(nz(nrows) * sizeof *theta);
        double *R = malloc(nz(nrows) * sizeof *R);
        if (!osc || !t || !val || !theta || !R) {
            rc = 2;
            goto long_done;
        }
        fputs("case,t,value,error\n", f);
        for (size_t r0 = 0; r0 < nrows;) {
            const char *name = pg_csv_cell(c->csv, r0, (size_t)ccase);
            size_t r1 = r0, n_osc = 0, n_t = 0;
            while (r1 < nrows && !strcmp(pg_csv_cell(c->csv, r1, (size_t)ccase), name)) {
                if (!(osc[r1] >= 0 && t[r1] >= 0 && osc[r1] < 1e9 && t[r1] < 1e9)) {
                    int line, col;
                    pg_csv_cell_pos(c->csv, r1, (size_t)cosc, &line, &col);
                    fprintf(stderr, "perfgate compute: %s:%d:%d: expected non-negative "
                                    "integer osc and t\n", c->input, line, col);
                    rc = 2;
                    goto long_done;
                }
                if ((size_t)osc[r1] + 1 > n_osc)
                    n_osc = (size_t)osc[r1] + 1;
                if ((size_t)t[r1] + 1 > n_t)
                    n_t = (size_t)t[r1] + 1;
                r1++;
            }
            if (n_osc * n_t != r1 - r0) {
                fprintf(stderr, "perfgate compute: %s: case '%s' has %zu entries: expected "
                                "%zu oscillators x %zu snapshots\n", c->input, name, r1 - r0,
                        n_osc, n_t);
                rc = 2;
                goto long_done;
            }
            for (size_t r = r0; r < r1; r++)
                theta[(size_t)osc[r] * n_t + (size_t)t[r]] = val[r];
            if (pg_kuramoto_order_2d(theta, n_osc, n_t, R) != 0) {
                rc = 2;
                goto long_done;
            }
            for (size_t j = 0; j < n_t; j++) {
                put_field(f, name);
                fprintf(f, ",%zu,", j);
                put_num(f, R[j]);
                fputs(",\n", f);
            }
            r0 = r1;
        }
    long_done:
        free(osc);
        free(t);
        free(val);
        free(theta);
        free(R);
        return rc;
    }
    /* Wide: t, osc_0..: rows are snapshots, columns oscillators. */
    size_t n_osc = 0;
    double *theta = NULL, *R2 = NULL, *R1 = NULL, *snap = NULL;
    theta = malloc(nz(ncols * nrows) * sizeof *theta);
    R2 = malloc(nz(nrows) * sizeof *R2);
    R1 = malloc(nz(nrows) * sizeof *R1);
    snap = malloc(nz(ncols) * sizeof *snap);
    if (!theta || !R2 || !R1 || !snap) {
        rc = 2;
        goto wide_done;
    }
    for (size_t col = 0; col < ncols; col++) {
        const char *name = pg_csv_name(c->csv, col);
        if (!strcmp(name, "t") || !strcmp(name, "i") || !strcmp(name, "row"))
            continue;
        double *v = column(c, col);
        if (!v) {
            rc = 2;
            goto wide_done;
        }
        memcpy(theta + n_osc * nrows, v, nrows * sizeof *v);
        free(v);
        n_osc++;
    }
    if (pg_kuramoto_order_2d(theta, n_osc, nrows, R2) != 0) {
        rc = 2;
        goto wide_done;
    }
    for (size_t t = 0; t < nrows; t++) {
        for (size_t i = 0; i < n_osc; i++)
            snap[i] = theta[i * nrows + t];
        if (pg_kuramoto_order_1d(snap, n_osc, &R1[t]) != 0) {
            rc = 2;
            goto wide_done;
        }
    }
    fputs("t,R_2d,R_1d_per_column\n", f);
    for (size_t t = 0; t < nrows; t++) {
        fprintf(f, "%zu,", t);
        put_num(f, R2[t]);
        fputc(',', f);
        put_num(f, R1[t]);
        fputc('\n', f);
    }
wide_done:
    free(theta);
    free(R2);
    free(R1);
    free(snap);
    return rc;
}

/* The input's columns as a pg_frame (caller frees with free_frame). */
struct owned_frame {
    pg_frame fr;
    double *store;
};

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

static int load_frame(struct ctx *c, struct owned_frame *of)
{
    size_t nrows = pg_csv_nrows(c->csv), ncols = pg_csv_ncols(c->csv);
    memset(of, 0, sizeof *of);
    of->fr.nrows = nrows;
    of->fr.ncols = ncols;
    of->fr.names = calloc(ncols ? ncols : 1, sizeof *of->fr.names);
    of->fr.cols = calloc(ncols ? ncols : 1, sizeof *of->fr.cols);
    of->store = malloc(nz(ncols * nrows) * sizeof *of->store);
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
            return report(&err);
    }
    return 0;
}

static void free_frame(struct owned_frame *of)
{
    free(of->fr.names);
    free(of->fr.cols);
    free(of->store);
}

/* normalize_df of the input into *norm (same names, own storage). */
static int normalize_into(struct ctx *c, const struct owned_frame *in, struct owned_frame *norm)
{
    size_t nrows = in->fr.nrows, ncols = in->fr.ncols;
    memset(norm, 0, sizeof *norm);
    norm->fr.ncols = ncols;
    norm->fr.names = calloc(ncols ? ncols : 1, sizeof *norm->fr.names);
    norm->fr.cols = calloc(ncols ? ncols : 1, sizeof *norm->fr.cols);
    norm->store = malloc(nz(ncols * nrows) * sizeof *norm->store);
    size_t ss = pg_normalize_scratch_size(nrows, ncols);
    void *scratch = malloc(nz(ss));
    if (!norm->fr.names || !norm->fr.cols || !norm->store || !scratch) {
        free(scratch);
        return 2;
    }
    for (size_t col = 0; col < ncols; col++) {
        norm->fr.names[col] = in->fr.names[col];
        norm->fr.cols[col] = norm->store + col * nrows;
    }
    const char *ts = c->p.ts_col[0] && pg_csv_find(c->csv, c->p.ts_col) >= 0 ? c->p.ts_col : NULL;
    int rc = pg_normalize(&in->fr, ts, &norm->fr, scratch, ss);
    free(scratch);
    if (rc != 0) {
        fprintf(stderr, "perfgate compute: normalize failed: %s\n", pg_strerror(rc));
        return 2;
    }
    return 0;
}

/* Writes a frame with its own column names (no index column). */
static void write_frame(FILE *f, const pg_frame *fr)
{
    for (size_t col = 0; col < fr->ncols; col++) {
        if (col)
            fputc(',', f);
        put_field(f, fr->names[col]);
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
                put_num(f, v);
        }
        fputc('\n', f);
    }
}

static int run_normalize(struct ctx *c, FILE *f)
{
    struct owned_frame in, norm;
    int rc = load_frame(c, &in);
    memset(&norm, 0, sizeof norm);
    if (rc == 0)
        rc = normalize_into(c, &in, &norm);
    if (rc == 0)
        write_frame(f, &norm.fr);
    free_frame(&norm);
    free_frame(&in);
    return rc;
}

/* Runs the strategy on price[0..n) and writes rows (and the summary). */
static int strategy_of(struct ctx *c, const double *price, size_t n, FILE *rows_f)
{
    size_t ss = pg_strategy_scratch_size(n);
    void *scratch = malloc(nz(ss));
    size_t *row = malloc(nz(n) * sizeof *row);
    double *buf = malloc(nz(n) * 10 * sizeof *buf);
    int rc = 2;
    if (!scratch || !row || !buf)
        goto done;
    size_t m = n ? n : 1;
    pg_strategy_rows rows = { .row = row,
                              .price = buf,
                              .ret = buf + m,
                              .rolling_mean = buf + 2 * m,
                              .rolling_vol = buf + 3 * m,
                              .zscore = buf + 4 * m,
                              .signal = buf + 5 * m,
                              .position = buf + 6 * m,
                              .pnl = buf + 7 * m,
                              .equity = buf + 8 * m,
                              .drawdown = buf + 9 * m };
    pg_strategy_result res;
    int krc = pg_strategy(price, n, &c->p.sp, scratch, ss, &rows, &res);
    if (krc != 0) {
        fprintf(stderr, "perfgate compute: strategy failed: %s\n", pg_strerror(krc));
        goto done;
    }
    if (rows_f) {
        fputs("row,price,ret,rolling_mean,rolling_vol,zscore,signal,position,pnl,equity,"
              "drawdown\n", rows_f);
        for (size_t k = 0; k < res.n_equity; k++) {
            fprintf(rows_f, "%zu", row[k]);
            for (int j = 0; j < 10; j++) {
                fputc(',', rows_f);
                put_num(rows_f, buf[(size_t)j * m + k]);
            }
            fputc('\n', rows_f);
        }
    }
    if (c->summary) {
        struct out so;
        if (out_open(&so, c->summary))
            goto done;
        FILE *f = so.f;
        fputs("score,max_drawdown,trades,n_equity,effective_lookback,sharpe,terminal,raw_score,"
              "lookback,threshold,risk_budget,min_threshold_margin,error\n", f);
        double vals1[] = { res.score, res.max_drawdown };
        for (int j = 0; j < 2; j++) {
            put_num(f, vals1[j]);
            fputc(',', f);
        }
        fprintf(f, "%zu,%zu,%zu,", res.trades, res.n_equity, res.effective_lookback);
        double vals2[] = { res.sharpe, res.terminal, res.raw_score };
        for (int j = 0; j < 3; j++) {
            put_num(f, vals2[j]);
            fputc(',', f);
        }
        fprintf(f, "%.0f,", res.lookback);
        put_num(f, res.threshold);
        fputc(',', f);
        put_num(f, res.risk_budget);
        fputc(',', f);
        put_num(f, res.min_threshold_margin);
        fputs(",\n", f);
        if (out_close(&so, 1))
            goto done;
    }
    rc = 0;
done:
    free(scratch);
    free(row);
    free(buf);
    return rc;
}

static int run_strategy(struct ctx *c, FILE *f)
{
    int failed = 0;
    double *price = price_column(c, &failed);
    if (!price)
        return 2;
    int rc = strategy_of(c, price, pg_csv_nrows(c->csv), f);
    free(price);
    return rc;
}

static int run_pipeline(struct ctx *c, FILE *f)
{
    struct owned_frame in, norm;
    memset(&norm, 0, sizeof norm);
    int rc = load_frame(c, &in);
    if (rc == 0)
        rc = normalize_into(c, &in, &norm);
    if (rc == 0 && c->normalized) {
        struct out o;
        rc = out_open(&o, c->normalized);
        if (rc == 0) {
            write_frame(o.f, &norm.fr);
            rc = out_close(&o, 1);
        }
    }
    if (rc == 0) {
        double *cols[N_OHLCV] = { 0 };
        for (size_t i = 0; i < N_OHLCV; i++)
            for (size_t col = 0; col < norm.fr.ncols; col++)
                if (!strcmp(norm.fr.names[col], ohlcv_names[i]))
                    cols[i] = norm.fr.cols[col];
        rc = features_of(c, cols, norm.fr.nrows, f);
        if (rc == 0 && (c->strategy_out || c->summary)) {
            struct out o = { 0 };
            if (c->strategy_out)
                rc = out_open(&o, c->strategy_out);
            if (rc == 0)
                rc = strategy_of(c, cols[4], norm.fr.nrows, o.f);
            if (c->strategy_out)
                rc = out_close(&o, rc == 0) ? 2 : rc;
        }
    }
    free_frame(&norm);
    free_frame(&in);
    return rc;
}

/* ---------------------------------------------------------------------- */

int cmd_compute(int argc, char **argv)
{
    struct ctx c;
    memset(&c, 0, sizeof c);
    pg_features_config_default(&c.p.fc);
    pg_strategy_params_default(&c.p.sp);
    c.p.entropy_bins = 50;
    c.p.dtype = PG_FLOAT64;
    c.p.hurst_min = 2;
    c.p.hurst_max = 50;
    snprintf(c.p.ts_col, sizeof c.p.ts_col, "ts");
    const char *kernel = NULL;

    static const char *const opts[] = { "--input", "--output", "--param", "--summary",
                                        "--normalized", "--strategy", "--help" };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        const char **slot = !strcmp(a, "--input")        ? &c.input
                            : !strcmp(a, "--output") || !strcmp(a, "-o") ? &c.output
                            : !strcmp(a, "--summary")    ? &c.summary
                            : !strcmp(a, "--normalized") ? &c.normalized
                            : !strcmp(a, "--strategy")   ? &c.strategy_out
                                                         : NULL;
        if (slot || !strcmp(a, "--param") || !strcmp(a, "-p")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "perfgate compute: %s needs a value\n", a);
                return 2;
            }
            if (slot) {
                *slot = argv[++i];
            } else {
                int rc = set_param(&c.p, argv[++i]);
                if (rc)
                    return rc;
            }
        } else if (a[0] == '-' && a[1]) {
            const char *near = pg_cli_nearest(a, opts, sizeof opts / sizeof opts[0]);
            fprintf(stderr, "perfgate compute: unknown option '%s'", a);
            if (near)
                fprintf(stderr, "; did you mean '%s'?", near);
            fputc('\n', stderr);
            return 2;
        } else if (!kernel) {
            kernel = a;
        } else {
            fprintf(stderr, "perfgate compute: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!kernel) {
        usage(stderr);
        return 2;
    }
    size_t nk = sizeof kernel_docs / sizeof kernel_docs[0];
    const char *knames[sizeof kernel_docs / sizeof kernel_docs[0]];
    int known = 0;
    for (size_t i = 0; i < nk; i++) {
        knames[i] = kernel_docs[i].name;
        known |= !strcmp(kernel, knames[i]);
    }
    if (!known) {
        const char *near = pg_cli_nearest(kernel, knames, nk);
        fprintf(stderr, "perfgate compute: unknown kernel '%s'", kernel);
        if (near)
            fprintf(stderr, "; did you mean '%s'?", near);
        fprintf(stderr, " (see perfgate compute --help)\n");
        return 2;
    }
    if (!c.input) {
        fprintf(stderr, "perfgate compute: --input F.csv is required\n");
        return 2;
    }
    if (!c.p.dtype_set && !strcmp(kernel, "phase"))
        c.p.dtype = PG_FLOAT64;
    pg_error err = { 0 };
    c.csv = pg_csv_read_file(c.input, &err);
    if (!c.csv)
        return report(&err);

    struct out o;
    int rc = out_open(&o, c.output);
    if (rc == 0) {
        if (!strcmp(kernel, "features"))
            rc = run_features(&c, o.f);
        else if (!strcmp(kernel, "entropy") || !strcmp(kernel, "hurst"))
            rc = run_scalar(&c, kernel, o.f);
        else if (!strcmp(kernel, "phase"))
            rc = run_phase(&c, o.f);
        else if (!strcmp(kernel, "kuramoto"))
            rc = run_kuramoto(&c, o.f);
        else if (!strcmp(kernel, "normalize"))
            rc = run_normalize(&c, o.f);
        else if (!strcmp(kernel, "strategy"))
            rc = run_strategy(&c, o.f);
        else if (!strcmp(kernel, "pipeline"))
            rc = run_pipeline(&c, o.f);
        else
            rc = run_single(&c, kernel, o.f);
        rc = out_close(&o, rc == 0) ? 2 : rc;
    }
    pg_csv_free(c.csv);
    return rc;
}
