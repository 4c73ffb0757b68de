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
#include "compute.h"
#include "internal.h"
#include "parse_options.h"

/* ---------------------------------------------------------------------- */
/* Parameters                                                              */
/* ---------------------------------------------------------------------- */

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
    fprintf(stderr, "perfgate compute: bad value '%s' for %s: expected %s\n", value, name,
            expected);
    return 2;
}

/* One setter a parameter: 0, or -1 when v is not what its entry expects. */

static int set_windows(struct compute_params *p, const char *v)
{
    return parse_list(v, 1, p->fc.windows, PG_MAX_WINDOWS, &p->fc.n_windows);
}

static int set_rsi_window(struct compute_params *p, const char *v)
{
    return parse_size(v, 1, &p->fc.rsi_window);
}

static int set_macd(struct compute_params *p, const char *v)
{
    size_t spans[3], n;
    if (parse_list(v, 1, spans, 3, &n) || n != 3)
        return -1;
    p->fc.macd_fast = spans[0];
    p->fc.macd_slow = spans[1];
    p->fc.macd_signal = spans[2];
    return 0;
}

static int set_volatility_window(struct compute_params *p, const char *v)
{
    return parse_size(v, 1, &p->fc.volatility_window);
}

static int set_microstructure_window(struct compute_params *p, const char *v)
{
    return parse_size(v, 1, &p->fc.microstructure_window);
}

static int set_entropy_bins(struct compute_params *p, const char *v)
{
    return parse_size(v, 1, &p->entropy_bins);
}

static int set_dtype(struct compute_params *p, const char *v)
{
    if (strcmp(v, "float64") && strcmp(v, "float32"))
        return -1;
    p->dtype = !strcmp(v, "float32") ? PG_FLOAT32 : PG_FLOAT64;
    return 0;
}

static int set_hurst_lags(struct compute_params *p, const char *v)
{
    size_t lags[2], n;
    if (parse_list(v, 2, lags, 2, &n) || n != 2 || lags[0] > lags[1])
        return -1;
    p->hurst_min = lags[0];
    p->hurst_max = lags[1];
    return 0;
}

static int set_lookback(struct compute_params *p, const char *v)
{
    return parse_real(v, &p->sp.lookback);
}

static int set_threshold(struct compute_params *p, const char *v)
{
    return parse_real(v, &p->sp.threshold);
}

static int set_risk_budget(struct compute_params *p, const char *v)
{
    return parse_real(v, &p->sp.risk_budget);
}

static int set_column(struct compute_params *p, const char *v)
{
    snprintf(p->column, sizeof p->column, "%s", v);
    return 0;
}

static int set_ts_col(struct compute_params *p, const char *v)
{
    snprintf(p->ts_col, sizeof p->ts_col, "%s", v);
    return 0;
}

static int set_kuramoto_mode(struct compute_params *p, const char *v)
{
    if (strcmp(v, "1d") && strcmp(v, "2d"))
        return -1;
    p->kuramoto_1d = !strcmp(v, "1d");
    return 0;
}

/* The --param names: --help lists them with their defaults, set_param
 * finds the setter here. */
struct param {
    const char *name, *def, *help;
    int (*set)(struct compute_params *p, const char *v);
    const char *expected; /* what set accepts, for the error */
};

static const struct param params[] = {
    { "windows", "5,20,60", "technical windows for sma/ema/volatility (comma list, each >= 1)",
      set_windows, "a comma list of up to 16 integers >= 1" },
    { "rsi_window", "14", "RSI window (>= 1)", set_rsi_window, "an integer >= 1" },
    { "macd", "12,26,9", "MACD fast,slow,signal spans (each >= 1)", set_macd,
      "fast,slow,signal: three integers >= 1" },
    { "volatility_window", "20", "volume z-score window (>= 1)", set_volatility_window,
      "an integer >= 1" },
    { "microstructure_window", "50", "Kyle/Hasbrouck window and signed-volume EMA span (>= 1)",
      set_microstructure_window, "an integer >= 1" },
    { "entropy_bins", "50", "entropy histogram bins (>= 1)", set_entropy_bins, "an integer >= 1" },
    { "dtype", "float64", "working precision of entropy/hurst/phase: float32 or float64", set_dtype,
      "float32 or float64" },
    { "hurst_lags", "2,50", "Hurst min_lag,max_lag (2 <= min <= max)", set_hurst_lags,
      "min_lag,max_lag with 2 <= min_lag <= max_lag" },
    { "lookback", "60", "strategy lookback (clamped to [5,500])", set_lookback, "a finite number" },
    { "threshold", "0.8", "strategy threshold (clamped to [0,5])", set_threshold,
      "a finite number" },
    { "risk_budget", "1.5", "strategy risk budget (clamped to [0.01,10])", set_risk_budget,
      "a finite number" },
    { "column", "close", "series column for single indicators and strategy (else price/value)",
      set_column, "a column name" },
    { "ts_col", "ts", "normalize: timestamp column to sort by ('' = none)", set_ts_col,
      "a column name" },
    { "kuramoto_mode", "2d",
      "kuramoto: 2d (rows are snapshots) or 1d (each column is one snapshot)", set_kuramoto_mode,
      "1d or 2d" },
};

#define N_PARAMS (sizeof params / sizeof params[0])

/* Applies one name=value; returns 0 or the exit code 2 (message printed). */
static int set_param(struct compute_params *p, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, "perfgate compute: '%s': expected --param name=value\n", arg);
        return 2;
    }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
    const char *v = eq + 1;
    const char *names[N_PARAMS];
    for (size_t i = 0; i < N_PARAMS; i++) {
        if (!strcmp(name, params[i].name)) {
            if (params[i].set(p, v))
                return bad_param(name, v, params[i].expected);
            return 0;
        }
        names[i] = params[i].name;
    }
    fprintf(stderr, "perfgate compute: unknown parameter '%s'", name);
    cli_did_you_mean(name, names, N_PARAMS);
    fprintf(stderr, " (see perfgate compute --help)\n");
    return 2;
}

/* ---------------------------------------------------------------------- */
/* Kernels                                                                 */
/* ---------------------------------------------------------------------- */

static const char *ohlcv_names[] = { "ts",     "open",       "high",       "low",          "close",
                                     "volume", "bid_volume", "ask_volume", "signed_volume" };
#define N_OHLCV (sizeof ohlcv_names / sizeof ohlcv_names[0])

/* Feature frame of the columns in cols[] (indexed like ohlcv_names). */
static int features_of(struct compute_ctx *c, double *const *cols, size_t n, FILE *f)
{
    pg_ohlcv in = { .n = n,
                    .ts = cols[0],
                    .open = cols[1],
                    .high = cols[2],
                    .low = cols[3],
                    .close = cols[4],
                    .volume = cols[5],
                    .bid_volume = cols[6],
                    .ask_volume = cols[7],
                    .signed_volume = cols[8] };
    pg_error err = { 0 };
    if (!in.close) {
        fprintf(stderr, "perfgate compute: %s:1: missing required column 'close'\n", c->input);
        return 2;
    }
    if (pg_features_config_check(&c->p.fc, &err) != 0)
        return pg_compute_report(&err);
    size_t ncols = pg_features_ncols(&c->p.fc, &in);
    double *out = malloc(pg_compute_nz(ncols * n) * sizeof *out);
    char(*names)[64] = malloc(pg_compute_nz(ncols) * sizeof *names);
    const char **np = malloc(pg_compute_nz(ncols) * sizeof *np);
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
        rc = pg_compute_report(&err);
        goto done;
    }
    pg_compute_write_table(f, "row", np, ncols, out, n);
    rc = 0;
done:
    free(out);
    free(names);
    free(np);
    return rc;
}

static int run_features(struct compute_ctx *c, FILE *f)
{
    double *cols[N_OHLCV] = { 0 };
    int failed = 0, rc = 2;
    /* ts and open are not used by the features: not read, so any format passes. */
    for (size_t i = 2; i < N_OHLCV && !failed; i++)
        cols[i] = pg_compute_named(c, ohlcv_names[i], &failed);
    if (!failed)
        rc = features_of(c, cols, pg_csv_nrows(c->csv), f);
    for (size_t i = 0; i < N_OHLCV; i++)
        free(cols[i]);
    return rc;
}

/* sma / ema / volatility / rsi / macd on the price column. */
static int run_single(struct compute_ctx *c, const char *kernel, FILE *f)
{
    int failed = 0;
    double *price = pg_compute_price_column(c, &failed);
    if (!price)
        return 2;
    size_t n = pg_csv_nrows(c->csv);
    const pg_features_config *fc = &c->p.fc;
    size_t ncols = !strcmp(kernel, "rsi") ? 1 : !strcmp(kernel, "macd") ? 5 : fc->n_windows;
    double *out = malloc(pg_compute_nz(ncols * n) * sizeof *out);
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
        pg_compute_write_table(f, "row", np, ncols, out, n);
    else
        fprintf(stderr, "perfgate compute: %s failed: %s\n", kernel, pg_strerror(rc));
    free(out);
    free(price);
    return rc ? 2 : 0;
}

static int run_scalar(struct compute_ctx *c, const char *kernel, FILE *f)
{
    struct compute_series *s;
    size_t k;
    int is_long;
    if (pg_compute_load_series(c, &s, &k, &is_long))
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
        pg_compute_free_series(s, k, is_long);
        return 2;
    }
    fputs(is_long ? "case,n,kernel,variant,value,error\n" : "series,kernel,variant,value,error\n",
          f);
    int rc = 0;
    for (size_t i = 0; i < k; i++) {
        double v = NAN;
        int krc = is_entropy ? pg_entropy(s[i].x, s[i].n, c->p.entropy_bins, dt, counts, &v)
                             : pg_hurst(s[i].x, s[i].n, c->p.hurst_min, c->p.hurst_max, dt, &v);
        pg_escape_csv(f, s[i].name);
        if (is_long)
            fprintf(f, ",%zu", s[i].n);
        fprintf(f, ",%s,%s,", is_entropy ? "entropy" : "hurst_exponent", variant);
        if (krc == 0) {
            pg_compute_put_num(f, v);
            fputs(",\n", f);
        } else {
            fprintf(f, ",%s\n", pg_strerror(krc));
            fprintf(stderr, "perfgate compute: %s on '%s' failed: %s\n", kernel, s[i].name,
                    pg_strerror(krc));
            rc = 2;
        }
    }
    free(counts);
    pg_compute_free_series(s, k, is_long);
    return rc;
}

static int run_phase(struct compute_ctx *c, FILE *f)
{
    struct compute_series *s;
    size_t k;
    int is_long;
    if (pg_compute_load_series(c, &s, &k, &is_long))
        return 2;
    pg_dtype dt = c->p.dtype;
    const char *suffix = dt == PG_FLOAT32 ? "f32" : "f64";
    int rc = 0;
    size_t maxn = 0;
    for (size_t i = 0; i < k; i++)
        if (s[i].n > maxn)
            maxn = s[i].n;
    double *out = malloc(pg_compute_nz(k * maxn) * sizeof *out);
    if (!out) {
        pg_compute_free_series(s, k, is_long);
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
                pg_escape_csv(f, s[i].name);
                fprintf(f, ",%s,%zu,", dt == PG_FLOAT32 ? "float32" : "float64", r);
                pg_compute_put_num(f, out[i * maxn + r]);
                fputs(",\n", f);
            }
    } else if (rc == 0) {
        fputs("i", f);
        for (size_t i = 0; i < k; i++) {
            char name[160];
            snprintf(name, sizeof name, "phase_%s_%s", s[i].name, suffix);
            fputc(',', f);
            pg_escape_csv(f, name);
        }
        fputc('\n', f);
        for (size_t r = 0; r < maxn; r++) {
            fprintf(f, "%zu", r);
            for (size_t i = 0; i < k; i++) {
                fputc(',', f);
                pg_compute_put_num(f, out[i * maxn + r]);
            }
            fputc('\n', f);
        }
    }
    free(out);
    pg_compute_free_series(s, k, is_long);
    return rc;
}

/* Each series taken as one snapshot of oscillators: the 1-D path. */
static int run_kuramoto_1d(struct compute_ctx *c, FILE *f)
{
    struct compute_series *s;
    size_t k;
    int is_long;
    if (pg_compute_load_series(c, &s, &k, &is_long))
        return 2;
    fputs(is_long ? "case,n,kernel,variant,value,error\n" : "series,kernel,value\n", f);
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++) {
        double R;
        if (pg_kuramoto_order_1d(s[i].x, s[i].n, &R) != 0) {
            rc = 2;
            break;
        }
        pg_escape_csv(f, s[i].name);
        if (is_long)
            fprintf(f, ",%zu,kuramoto_order_1d,phases=series,", s[i].n);
        else
            fputs(",kuramoto_order_1d,", f);
        pg_compute_put_num(f, R);
        fputs(is_long ? ",\n" : "\n", f);
    }
    pg_compute_free_series(s, k, is_long);
    return rc;
}

static int run_kuramoto(struct compute_ctx *c, FILE *f)
{
    size_t nrows = pg_csv_nrows(c->csv), ncols = pg_csv_ncols(c->csv);
    long ccase = pg_csv_find(c->csv, "case"), cosc = pg_csv_find(c->csv, "osc"),
         ct = pg_csv_find(c->csv, "t"), cval = pg_csv_find(c->csv, "value");
    int rc = 0;
    if (c->p.kuramoto_1d || (ccase >= 0 && cval >= 0 && cosc < 0))
        return run_kuramoto_1d(c, f);
    if (ccase >= 0 && cosc >= 0 && ct >= 0 && cval >= 0) {
        /* Long: case,osc,t,value -> one matrix per case. */
        double *osc = pg_compute_column(c, (size_t)cosc), *t = pg_compute_column(c, (size_t)ct),
               *val = pg_compute_column(c, (size_t)cval);
        double *theta = malloc(pg_compute_nz(nrows) * sizeof *theta);
        double *R = malloc(pg_compute_nz(nrows) * sizeof *R);
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
                    fprintf(stderr,
                            "perfgate compute: %s:%d:%d: expected non-negative "
                            "integer osc and t\n",
                            c->input, line, col);
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
                fprintf(stderr,
                        "perfgate compute: %s: case '%s' has %zu entries: expected "
                        "%zu oscillators x %zu snapshots\n",
                        c->input, name, r1 - r0, n_osc, n_t);
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
                pg_escape_csv(f, name);
                fprintf(f, ",%zu,", j);
                pg_compute_put_num(f, R[j]);
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
    theta = malloc(pg_compute_nz(ncols * nrows) * sizeof *theta);
    R2 = malloc(pg_compute_nz(nrows) * sizeof *R2);
    R1 = malloc(pg_compute_nz(nrows) * sizeof *R1);
    snap = malloc(pg_compute_nz(ncols) * sizeof *snap);
    if (!theta || !R2 || !R1 || !snap) {
        rc = 2;
        goto wide_done;
    }
    for (size_t col = 0; col < ncols; col++) {
        const char *name = pg_csv_name(c->csv, col);
        if (!strcmp(name, "t") || !strcmp(name, "i") || !strcmp(name, "row"))
            continue;
        double *v = pg_compute_column(c, col);
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
        pg_compute_put_num(f, R2[t]);
        fputc(',', f);
        pg_compute_put_num(f, R1[t]);
        fputc('\n', f);
    }
wide_done:
    free(theta);
    free(R2);
    free(R1);
    free(snap);
    return rc;
}

/* normalize_df of the input into *norm (same names, own storage). */
static int normalize_into(struct compute_ctx *c, const struct compute_frame *in,
                          struct compute_frame *norm)
{
    size_t nrows = in->fr.nrows, ncols = in->fr.ncols;
    memset(norm, 0, sizeof *norm);
    norm->fr.ncols = ncols;
    norm->fr.names = calloc(ncols ? ncols : 1, sizeof *norm->fr.names);
    norm->fr.cols = calloc(ncols ? ncols : 1, sizeof *norm->fr.cols);
    norm->store = malloc(pg_compute_nz(ncols * nrows) * sizeof *norm->store);
    size_t ss = pg_normalize_scratch_size(nrows, ncols);
    void *scratch = malloc(pg_compute_nz(ss));
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

static int run_normalize(struct compute_ctx *c, FILE *f)
{
    struct compute_frame in, norm;
    int rc = pg_compute_load_frame(c, &in);
    memset(&norm, 0, sizeof norm);
    if (rc == 0)
        rc = normalize_into(c, &in, &norm);
    if (rc == 0)
        pg_compute_write_frame(f, &norm.fr);
    pg_compute_free_frame(&norm);
    pg_compute_free_frame(&in);
    return rc;
}

/* Runs the strategy on price[0..n) and writes rows (and the summary). */
static int strategy_of(struct compute_ctx *c, const double *price, size_t n, FILE *rows_f)
{
    size_t ss = pg_strategy_scratch_size(n);
    void *scratch = malloc(pg_compute_nz(ss));
    size_t *row = malloc(pg_compute_nz(n) * sizeof *row);
    double *buf = malloc(pg_compute_nz(n) * 10 * sizeof *buf);
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
              "drawdown\n",
              rows_f);
        for (size_t k = 0; k < res.n_equity; k++) {
            fprintf(rows_f, "%zu", row[k]);
            for (int j = 0; j < 10; j++) {
                fputc(',', rows_f);
                pg_compute_put_num(rows_f, buf[(size_t)j * m + k]);
            }
            fputc('\n', rows_f);
        }
    }
    if (c->summary) {
        struct compute_out so;
        if (pg_compute_out_open(&so, c->summary))
            goto done;
        FILE *f = so.f;
        fputs("score,max_drawdown,trades,n_equity,effective_lookback,sharpe,terminal,raw_score,"
              "lookback,threshold,risk_budget,min_threshold_margin,error\n",
              f);
        double vals1[] = { res.score, res.max_drawdown };
        for (int j = 0; j < 2; j++) {
            pg_compute_put_num(f, vals1[j]);
            fputc(',', f);
        }
        fprintf(f, "%zu,%zu,%zu,", res.trades, res.n_equity, res.effective_lookback);
        double vals2[] = { res.sharpe, res.terminal, res.raw_score };
        for (int j = 0; j < 3; j++) {
            pg_compute_put_num(f, vals2[j]);
            fputc(',', f);
        }
        fprintf(f, "%.0f,", res.lookback);
        pg_compute_put_num(f, res.threshold);
        fputc(',', f);
        pg_compute_put_num(f, res.risk_budget);
        fputc(',', f);
        pg_compute_put_num(f, res.min_threshold_margin);
        fputs(",\n", f);
        if (pg_compute_out_close(&so, 1))
            goto done;
    }
    rc = 0;
done:
    free(scratch);
    free(row);
    free(buf);
    return rc;
}

static int run_strategy(struct compute_ctx *c, FILE *f)
{
    int failed = 0;
    double *price = pg_compute_price_column(c, &failed);
    if (!price)
        return 2;
    int rc = strategy_of(c, price, pg_csv_nrows(c->csv), f);
    free(price);
    return rc;
}

static int run_pipeline(struct compute_ctx *c, FILE *f)
{
    struct compute_frame in, norm;
    memset(&norm, 0, sizeof norm);
    int rc = pg_compute_load_frame(c, &in);
    if (rc == 0)
        rc = normalize_into(c, &in, &norm);
    if (rc == 0 && c->normalized) {
        struct compute_out o;
        rc = pg_compute_out_open(&o, c->normalized);
        if (rc == 0) {
            pg_compute_write_frame(o.f, &norm.fr);
            rc = pg_compute_out_close(&o, 1);
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
            struct compute_out o = { 0 };
            if (c->strategy_out)
                rc = pg_compute_out_open(&o, c->strategy_out);
            if (rc == 0)
                rc = strategy_of(c, cols[4], norm.fr.nrows, o.f);
            if (c->strategy_out)
                rc = pg_compute_out_close(&o, rc == 0) ? 2 : rc;
        }
    }
    pg_compute_free_frame(&norm);
    pg_compute_free_frame(&in);
    return rc;
}

/* ---------------------------------------------------------------------- */

static int run_sma(struct compute_ctx *c, FILE *f)
{
    return run_single(c, "sma", f);
}

static int run_ema(struct compute_ctx *c, FILE *f)
{
    return run_single(c, "ema", f);
}

static int run_volatility(struct compute_ctx *c, FILE *f)
{
    return run_single(c, "volatility", f);
}

static int run_rsi(struct compute_ctx *c, FILE *f)
{
    return run_single(c, "rsi", f);
}

static int run_macd(struct compute_ctx *c, FILE *f)
{
    return run_single(c, "macd", f);
}

static int run_entropy(struct compute_ctx *c, FILE *f)
{
    return run_scalar(c, "entropy", f);
}

static int run_hurst(struct compute_ctx *c, FILE *f)
{
    return run_scalar(c, "hurst", f);
}

/* ---------------------------------------------------------------------- */
/* The kernels: dispatch and --help                                        */
/* ---------------------------------------------------------------------- */

struct kernel {
    const char *name;
    const char *params; /* the --param names it reads (defaults: params[]) */
    const char *help;
    int (*run)(struct compute_ctx *c, FILE *f); /* writes CSV to f; returns 0 or 2 */
};

static const struct kernel kernels[] = {
    { "features", "windows rsi_window macd volatility_window microstructure_window",
      "TradePulse's SignalFeaturePipeline on an OHLCV frame", run_features },
    { "sma", "windows column", "rolling mean of the price per window", run_sma },
    { "ema", "windows column", "EMA (span w, min_periods w) per window", run_ema },
    { "volatility", "windows column", "rolling std of return_1 per window", run_volatility },
    { "rsi", "rsi_window column", "relative strength index", run_rsi },
    { "macd", "macd column", "MACD: fast and slow EMAs, macd, signal, histogram", run_macd },
    { "entropy", "entropy_bins dtype", "Shannon entropy (nats) of each series", run_entropy },
    { "hurst", "hurst_lags dtype", "Hurst exponent of each series", run_hurst },
    { "phase", "dtype", "Hilbert phase (compute_phase) of each series", run_phase },
    { "kuramoto", "kuramoto_mode",
      "Kuramoto order: per snapshot of t,osc_* (2-D and 1-D paths), or per series (1d)",
      run_kuramoto },
    { "normalize", "ts_col", "normalize_df: sort by ts, drop duplicates, interpolate",
      run_normalize },
    { "strategy", "lookback threshold risk_budget column",
      "mean-reversion strategy: per-row positions and P&L (--summary for totals)", run_strategy },
    { "pipeline", "all of the above",
      "raw CSV -> normalize -> features -> strategy (features to --output)", run_pipeline },
};

#define N_KERNELS (sizeof kernels / sizeof kernels[0])

static const char usage_text[] =
    "usage: perfgate compute KERNEL --input F.csv [--param k=v ...] [--output out.csv]\n"
    "                        [--summary S.csv] [--normalized N.csv] [--strategy T.csv]\n"
    "\n"
    "Runs a kernel on a CSV file and writes CSV (full precision, 'nan' for NaN) to\n"
    "--output or stdout.  --summary (strategy, pipeline) writes the strategy totals;\n"
    "--normalized and --strategy (pipeline) write the intermediate frames.\n";

/* The kernels and parameters, after the options in --help. */
static void list_kernels(FILE *f)
{
    fprintf(f, "kernels:\n");
    for (size_t i = 0; i < N_KERNELS; i++)
        fprintf(f, "  %-11s %s\n  %-11s   params: %s\n", kernels[i].name, kernels[i].help, "",
                kernels[i].params[0] ? kernels[i].params : "none");
    fprintf(f, "\nparameters (--param name=value, repeatable):\n");
    for (size_t i = 0; i < N_PARAMS; i++)
        fprintf(f, "  %-22s default %-8s %s\n", params[i].name, params[i].def, params[i].help);
}

static int param_option(const pg_option *opt, const char *arg)
{
    return set_param(opt->value, arg) ? -1 : 0;
}

static const struct kernel *find_kernel(const char *name)
{
    const char *names[N_KERNELS];
    for (size_t i = 0; i < N_KERNELS; i++) {
        if (!strcmp(name, kernels[i].name))
            return &kernels[i];
        names[i] = kernels[i].name;
    }
    fprintf(stderr, "perfgate compute: unknown kernel '%s'", name);
    cli_did_you_mean(name, names, N_KERNELS);
    fprintf(stderr, " (see perfgate compute --help)\n");
    return NULL;
}

int cmd_compute(int argc, char **argv)
{
    struct compute_ctx c;
    memset(&c, 0, sizeof c);
    pg_features_config_default(&c.p.fc);
    pg_strategy_params_default(&c.p.sp);
    c.p.entropy_bins = 50;
    c.p.dtype = PG_FLOAT64;
    c.p.hurst_min = 2;
    c.p.hurst_max = 50;
    snprintf(c.p.ts_col, sizeof c.p.ts_col, "ts");

    const pg_option options[] = {
        PG_OPT_STRING(0, "input", &c.input, "F.csv", "the input CSV (required)"),
        PG_OPT_STRING('o', "output", &c.output, "FILE", "where the CSV goes (default: stdout)"),
        PG_OPT_CALLBACK('p', "param", &c.p, "NAME=VALUE",
                        "set a kernel parameter (repeatable; listed below)", param_option),
        PG_OPT_STRING(0, "summary", &c.summary, "FILE",
                      "strategy, pipeline: write the strategy totals"),
        PG_OPT_STRING(0, "normalized", &c.normalized, "FILE",
                      "pipeline: write the normalized frame"),
        PG_OPT_STRING(0, "strategy", &c.strategy_out, "FILE",
                      "pipeline: write the strategy's per-row frame"),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = { "compute",
                               usage_text,
                               options,
                               list_kernels,
                               "exit status: 0 computed, 2 bad input (file:line:column) or usage\n",
                               0 };
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos == 0) {
        pg_opt_usage(&spec, stderr);
        return 2;
    }
    if (npos > 1) {
        fprintf(stderr, "perfgate compute: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    const struct kernel *k = find_kernel(argv[0]);
    if (!k)
        return 2;
    if (!c.input) {
        fprintf(stderr, "perfgate compute: --input F.csv is required\n");
        return 2;
    }
    pg_error err = { 0 };
    c.csv = pg_csv_read_file(c.input, &err);
    if (!c.csv)
        return pg_compute_report(&err);

    struct compute_out o;
    int rc = pg_compute_out_open(&o, c.output);
    if (rc == 0) {
        rc = k->run(&c, o.f);
        rc = pg_compute_out_close(&o, rc == 0) ? 2 : rc;
    }
    pg_csv_free(c.csv);
    return rc;
}
