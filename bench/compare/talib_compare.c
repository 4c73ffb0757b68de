/*
 * talib_compare.c - perfgate's kernels side by side with TA-Lib's, in one
 * process, through perfgate's harness (Google Benchmark underneath).
 *
 * Not part of the product: bench/compare/run.sh builds it (with TA-Lib
 * compiled from a source tree the user names) outside `make build`, and
 * docs/performance.md ("Side by side") has the table it gives.
 *
 * Names: compare/<kernel>.<impl>/hot/cpu/<n>, impl "perfgate" or "talib";
 * n 4096 and 1048576.  Inputs as tpbench's indicators suite makes them
 * (harness/pg_data.h, same seed): a price walk from 100 (sigma 0.001) for
 * the price kernels, an OHLCV frame for the rest.  Parameters are
 * TradePulse's: windows 20, RSI 14, MACD 12/26/9, microstructure 50,
 * entropy 50 bins and Hurst lags 2..50 in float32, phase in float64.
 *
 * TA-Lib rows compute what perfgate's kernel computes, from TA-Lib's own
 * functions (compositions where TA-Lib has no single one):
 *   sma          TA_SMA(20)
 *   ema          TA_EMA(20)         (ema_scan too: the same EMA)
 *   rsi          TA_RSI(14)         (Wilder's smoothing: pandas' ewm(alpha=1/14))
 *   macd         TA_MACD(12, 26, 9) (macd_scan too)
 *   rolling_std  TA_STDDEV(20) * sqrt(20/19)  (TA-Lib's is the population std)
 *   volatility   TA_ROCP(1), then the rolling_std above
 *   volume_z     (v - TA_SMA(v, 20)) / (TA_STDDEV(v, 20) * sqrt(20/19))
 * TA-Lib seeds its EMAs with the mean of the first window where pandas
 * starts from the first value; the two agree once the seed has decayed, so
 * the check compares rows from `skip` on (a few thousand rows: (1-alpha)^k
 * below 1e-30).  `--check` (and every run, before timing) compares each
 * pair on both sizes and refuses to time a pair that differs beyond its
 * tolerance: a comparison of different math is worthless.
 *
 * `--dump=DIR` writes the inputs and perfgate's outputs as raw float64
 * (DIR/<n>/<name>.f64) for bench/compare/pandas_side.py, which checks
 * TradePulse's pandas/numpy definitions against them before timing those.
 *
 * Built without TA-Lib (PG_HAVE_TALIB 0) it times perfgate's kernels alone.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pg_bench.h"
#include "pg_data.h"
#include "pg_kernels.h"

#if PG_HAVE_TALIB
#include "ta_libc.h"
#endif

enum input_kind { IN_PRICE, IN_OHLCV, IN_VOLUME, IN_MICRO, IN_NOISE, IN_PHASES };

typedef struct fx fx;

typedef struct impl {
    const char *kernel; /* perfgate's kernel, as tpbench names it */
    const char *impl;   /* "perfgate" or "talib" */
    enum input_kind input;
    size_t out_cols; /* 0: a scalar */
    int (*run)(fx *f);
} impl;

struct fx {
    const impl *k;
    size_t n;
    double *col[9]; /* ts open high low close volume bid ask signed */
    double *x;      /* the one input of the other kinds */
    double *out;    /* out_cols * n */
    double *tmp;    /* 2 * n: TA-Lib's intermediate columns */
    size_t *counts;
    pg_phase_ws *ws;
    pg_features_config cfg;
    pg_ohlcv frame;
    double result;
};

/* ---- perfgate ------------------------------------------------------- */

static int pg_run_sma(fx *f)
{
    return pg_sma(f->x, f->n, 20, f->out);
}
static int pg_run_ema(fx *f)
{
    return pg_ema(f->x, f->n, 20.0, 20, f->out);
}
static int pg_run_ema_scan(fx *f)
{
    return pg_ema_scan(f->x, f->n, 20.0, 20, f->out);
}
static int pg_run_volatility(fx *f)
{
    return pg_volatility(f->x, f->n, 20, f->out);
}
static int pg_run_rolling_std(fx *f)
{
    return pg_rolling_std(f->x, f->n, 20, f->out);
}
static int pg_run_volume_z(fx *f)
{
    return pg_volume_z(f->col[5], f->n, 20, f->out);
}
static int pg_run_kyles_lambda(fx *f)
{
    return pg_kyles_lambda(f->x, f->col[8], f->n, 50, f->out);
}
static int pg_run_hasbrouck(fx *f)
{
    return pg_hasbrouck(f->x, f->col[8], f->n, 50, f->out);
}
static int pg_run_rsi(fx *f)
{
    return pg_rsi(f->x, f->n, 14, f->out);
}
static int pg_run_macd(fx *f)
{
    return pg_macd(f->x, f->n, 12, 26, 9, NULL, NULL, f->out, f->out + f->n, f->out + 2 * f->n);
}
static int pg_run_macd_scan(fx *f)
{
    return pg_macd_scan(f->x, f->n, 12, 26, 9, f->out, f->out + f->n, f->out + 2 * f->n);
}
static int pg_run_features(fx *f)
{
    return pg_features(&f->cfg, &f->frame, f->out, NULL);
}
static int pg_run_entropy(fx *f)
{
    return pg_entropy(f->x, f->n, 50, PG_FLOAT32, f->counts, &f->result);
}
static int pg_run_hurst(fx *f)
{
    return pg_hurst(f->x, f->n, 2, 50, PG_FLOAT32, &f->result);
}
static int pg_run_phase(fx *f)
{
    return pg_phase(f->ws, f->x, f->n, f->out);
}
static int pg_run_kuramoto(fx *f)
{
    return pg_kuramoto_order_1d(f->x, f->n, &f->result);
}

/* ---- TA-Lib --------------------------------------------------------- */

#if PG_HAVE_TALIB
/* TA-Lib writes the output of input row beg + j to out[j]; perfgate's
 * callers want row i at out[i], so each wrapper passes out + beg (TA-Lib's
 * lookback, fixed by the parameters: the offsets below).  The first beg
 * rows are left as they were (perfgate writes NaN there); the check skips
 * them. */
static int ta_ok(TA_RetCode rc)
{
    return rc == TA_SUCCESS ? 0 : PG_EINVAL;
}

static int ta_run_sma(fx *f)
{
    int beg, nb;
    return ta_ok(TA_SMA(0, (int)f->n - 1, f->x, 20, &beg, &nb, f->out + 19));
}
static int ta_run_ema(fx *f)
{
    int beg, nb;
    return ta_ok(TA_EMA(0, (int)f->n - 1, f->x, 20, &beg, &nb, f->out + 19));
}
static int ta_run_rsi(fx *f)
{
    int beg, nb;
    return ta_ok(TA_RSI(0, (int)f->n - 1, f->x, 14, &beg, &nb, f->out + 14));
}
static int ta_run_macd(fx *f)
{
    int beg, nb;
    size_t n = f->n;
    return ta_ok(TA_MACD(0, (int)n - 1, f->x, 12, 26, 9, &beg, &nb, f->out + 33, f->out + n + 33,
                         f->out + 2 * n + 33));
}

/* The sample std (ddof 1) of TA-Lib's population STDDEV over 20 rows of
 * in[0..m), written at out + 19. */
static int ta_sample_std(const double *in, size_t m, double *out)
{
    int beg, nb;
    TA_RetCode rc = TA_STDDEV(0, (int)m - 1, in, 20, 1.0, &beg, &nb, out + 19);
    if (rc != TA_SUCCESS)
        return PG_EINVAL;
    const double k = sqrt(20.0 / 19.0);
    for (int i = 0; i < nb; i++)
        out[19 + i] *= k;
    return 0;
}

static int ta_run_rolling_std(fx *f)
{
    return ta_sample_std(f->x, f->n, f->out);
}
static int ta_run_volatility(fx *f)
{
    int beg, nb;
    /* returns at tmp[1..]: pct_change's row i is ROCP's output i-1 */
    TA_RetCode rc = TA_ROCP(0, (int)f->n - 1, f->x, 1, &beg, &nb, f->tmp + 1);
    if (rc != TA_SUCCESS)
        return PG_EINVAL;
    return ta_sample_std(f->tmp + 1, (size_t)nb, f->out + 1);
}
static int ta_run_volume_z(fx *f)
{
    int beg, nb;
    const double *v = f->col[5];
    double *mean = f->tmp, *sd = f->out;
    if (TA_SMA(0, (int)f->n - 1, v, 20, &beg, &nb, mean + 19) != TA_SUCCESS)
        return PG_EINVAL;
    int rc = ta_sample_std(v, f->n, sd);
    if (rc)
        return rc;
    for (size_t i = 19; i < f->n; i++)
        f->out[i] = (v[i] - mean[i]) / sd[i];
    return 0;
}
#endif

/* ---- the table ------------------------------------------------------ */

/* How a pair is checked: rows skip.. of each output column, |a - b| <=
 * atol + rtol * max|b| over those rows.  skip covers TA-Lib's seed (see
 * the top) and its lookback. */
typedef struct tolerance {
    size_t skip;
    double rtol, atol;
} tolerance;

static const impl impls[] = {
    { "sma", "perfgate", IN_PRICE, 1, pg_run_sma },
    { "ema", "perfgate", IN_PRICE, 1, pg_run_ema },
    { "ema_scan", "perfgate", IN_PRICE, 1, pg_run_ema_scan },
    { "volatility", "perfgate", IN_PRICE, 1, pg_run_volatility },
    { "rolling_std", "perfgate", IN_PRICE, 1, pg_run_rolling_std },
    { "volume_z", "perfgate", IN_VOLUME, 1, pg_run_volume_z },
    { "kyles_lambda", "perfgate", IN_MICRO, 1, pg_run_kyles_lambda },
    { "hasbrouck", "perfgate", IN_MICRO, 1, pg_run_hasbrouck },
    { "rsi", "perfgate", IN_PRICE, 1, pg_run_rsi },
    { "macd", "perfgate", IN_PRICE, 3, pg_run_macd },
    { "macd_scan", "perfgate", IN_PRICE, 3, pg_run_macd_scan },
    { "features", "perfgate", IN_OHLCV, 0, pg_run_features },
    { "entropy", "perfgate", IN_NOISE, 0, pg_run_entropy },
    { "hurst", "perfgate", IN_PRICE, 0, pg_run_hurst },
    { "phase", "perfgate", IN_NOISE, 1, pg_run_phase },
    { "kuramoto", "perfgate", IN_PHASES, 0, pg_run_kuramoto },
#if PG_HAVE_TALIB
    { "sma", "talib", IN_PRICE, 1, ta_run_sma },
    { "ema", "talib", IN_PRICE, 1, ta_run_ema },
    { "volatility", "talib", IN_PRICE, 1, ta_run_volatility },
    { "rolling_std", "talib", IN_PRICE, 1, ta_run_rolling_std },
    { "volume_z", "talib", IN_VOLUME, 1, ta_run_volume_z },
    { "rsi", "talib", IN_PRICE, 1, ta_run_rsi },
    { "macd", "talib", IN_PRICE, 3, ta_run_macd },
#endif
};
#define NIMPLS (sizeof impls / sizeof impls[0])

static const size_t sizes[] = { 4096, 1048576 };
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* Which perfgate kernels each TA-Lib row is checked against (ema_scan and
 * macd_scan compute the same EMA and MACD), and how closely. */
typedef struct pairing {
    const char *talib, *perfgate;
    tolerance tol;
} pairing;

static const pairing pairs[] = {
    /* running sums against perfgate's compensated ones: drift ~1e-13 */
    { "sma", "sma", { 19, 1e-12, 0 } },
    /* the SMA seed decays as (19/21)^k; from row 2000 below 1e-80 */
    { "ema", "ema", { 2000, 1e-13, 0 } },
    { "ema", "ema_scan", { 2000, 1e-12, 0 } },
    /* TA-Lib's variance is E[x^2] - E[x]^2 from running sums; on a price
     * near 100 that loses ~8 digits of the std's 16 */
    { "rolling_std", "rolling_std", { 19, 1e-6, 0 } },
    { "volatility", "volatility", { 20, 1e-6, 0 } },
    { "volume_z", "volume_z", { 19, 1e-6, 0 } },
    /* Wilder's seed (the mean of 14) decays as (13/14)^k; TradePulse adds
     * 1e-12 to the average loss, ~1e-9 of RSI points */
    { "rsi", "rsi", { 2000, 0, 1e-7 } },
    /* the MACD seeds decay as (25/27)^k; three columns compared */
    { "macd", "macd", { 3000, 1e-12, 0 } },
    { "macd", "macd_scan", { 3000, 1e-12, 0 } },
};

/* ---- fixtures ------------------------------------------------------- */

static void fill(fx *f, uint64_t seed)
{
    pg_rng r;
    pg_rng_seed(&r, seed);
    switch (f->k->input) {
    case IN_PRICE: pg_data_random_walk(&r, f->x, f->n, 100.0, 0.001); break;
    case IN_NOISE: pg_data_normal(&r, f->x, f->n, 0.0, 1.0); break;
    case IN_PHASES: pg_data_phases(&r, f->x, f->n); break;
    case IN_OHLCV:
    case IN_VOLUME:
    case IN_MICRO: {
        pg_data_ohlcv_cols c = { f->col[0], f->col[1], f->col[2], f->col[3], f->col[4],
                                 f->col[5], f->col[6], f->col[7], f->col[8] };
        pg_data_ohlcv(&r, f->n, &c);
        if (f->k->input == IN_MICRO)
            pg_return_1(f->col[4], f->n, f->x);
        break;
    }
    }
}

static void fx_free(fx *f)
{
    if (!f)
        return;
    for (int i = 0; i < 9; i++)
        free(f->col[i]);
    free(f->x);
    free(f->out);
    free(f->tmp);
    free(f->counts);
    pg_phase_ws_destroy(f->ws);
    free(f);
}

static fx *fx_make(const impl *k, size_t n, uint64_t seed)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->k = k;
    f->n = n;
    size_t bytes = n * sizeof(double);
    int frame = k->input == IN_OHLCV || k->input == IN_VOLUME || k->input == IN_MICRO;
    for (int i = 0; frame && i < 9; i++)
        if (!(f->col[i] = malloc(bytes)))
            goto fail;
    if (k->input != IN_OHLCV && k->input != IN_VOLUME && !(f->x = malloc(bytes)))
        goto fail;
    pg_features_config_default(&f->cfg);
    f->frame = (pg_ohlcv){ n,         f->col[0], f->col[1], f->col[2], f->col[3],
                           f->col[4], f->col[5], f->col[6], f->col[7], f->col[8] };
    size_t cols = k->input == IN_OHLCV ? pg_features_ncols(&f->cfg, &f->frame) : k->out_cols;
    if (cols && !(f->out = calloc(cols * n, sizeof(double))))
        goto fail;
    if (!(f->tmp = calloc(2 * n, sizeof(double))))
        goto fail;
    if (!(f->counts = calloc(50, sizeof(size_t))))
        goto fail;
    if (k->run == pg_run_phase && !(f->ws = pg_phase_ws_create(n, PG_FLOAT64)))
        goto fail;
    fill(f, seed);
    return f;
fail:
    fx_free(f);
    return NULL;
}

static void *cmp_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    fx *f = fx_make(arg, n, seed);
    if (!f)
        return NULL;
    size_t bytes = n * sizeof(double);
    if (f->x)
        pg_bench_input(ctx, f->x, bytes);
    for (int i = 2; f->col[0] && i < 9; i++)
        pg_bench_input(ctx, f->col[i], bytes);
    if (f->out)
        pg_bench_output(
            ctx, f->out,
            (f->k->input == IN_OHLCV ? pg_features_ncols(&f->cfg, &f->frame) : f->k->out_cols) *
                bytes);
    return f;
}

static int cmp_run(void *p)
{
    fx *f = p;
    return f->k->run(f);
}

static void cmp_teardown(void *p)
{
    fx_free(p);
}

static const impl *find_impl(const char *kernel, const char *which)
{
    for (size_t i = 0; i < NIMPLS; i++)
        if (!strcmp(impls[i].kernel, kernel) && !strcmp(impls[i].impl, which))
            return &impls[i];
    return NULL;
}

/* ---- the check ------------------------------------------------------ */

/* Runs both sides of a pairing at n and compares them; prints one line.
 * Returns 0 when they agree, 1 when not, PG_E... on trouble. */
static int check_pair(const pairing *p, size_t n, uint64_t seed)
{
    const impl *a = find_impl(p->talib, "talib"), *b = find_impl(p->perfgate, "perfgate");
    if (!a || !b)
        return PG_EINVAL;
    fx *fa = fx_make(a, n, seed), *fb = fx_make(b, n, seed);
    int rc = PG_ENOMEM;
    if (!fa || !fb)
        goto out;
    rc = a->run(fa);
    if (!rc)
        rc = b->run(fb);
    if (rc)
        goto out;
    double worst = 0, scale = 0, diff = 0;
    for (size_t c = 0; c < b->out_cols; c++) {
        const double *x = fa->out + c * n, *y = fb->out + c * n;
        double m = 0, d = 0;
        for (size_t i = p->tol.skip; i < n; i++) {
            m = fmax(m, fabs(y[i]));
            double e = fabs(x[i] - y[i]);
            d = isnan(e) ? INFINITY : fmax(d, e);
        }
        double ratio = d / (p->tol.atol + p->tol.rtol * m);
        if (ratio >= worst) {
            worst = ratio;
            scale = m;
            diff = d;
        }
    }
    rc = worst <= 1.0 ? 0 : 1;
    printf("check %-12s talib vs perfgate %-12s n=%-8zu rows %zu..: max |diff| %.3g (max |x| "
           "%.3g; tolerance %.3g + %.3g max|x|): %s\n",
           p->talib, p->perfgate, n, p->tol.skip, diff, scale, p->tol.atol, p->tol.rtol,
           rc ? "DIFFERENT" : "same");
out:
    fx_free(fa);
    fx_free(fb);
    return rc;
}

static int check_all(uint64_t seed)
{
    int bad = 0;
    for (size_t s = 0; s < NSIZES; s++)
        for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
            int rc = check_pair(&pairs[i], sizes[s], seed);
            if (rc < 0) {
                fprintf(stderr, "talib_compare: cannot run the check of %s\n", pairs[i].talib);
                return 2;
            }
            bad |= rc;
        }
    return bad;
}

/* ---- the dump ------------------------------------------------------- */

static int write_f64(const char *dir, const char *name, const double *v, size_t n)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.f64", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return PG_EIO;
    int ok = fwrite(v, sizeof(double), n, fp) == n;
    ok &= fclose(fp) == 0;
    return ok ? 0 : PG_EIO;
}

/* DIR/<n>/: every input kind, and each perfgate kernel's output (scalars
 * as one value; features column-major with DIR/<n>/features.names). */
static int dump(const char *root, uint64_t seed)
{
    static const char *const frame_names[9] = { "ts",         "open",       "high",
                                                "low",        "close",      "volume",
                                                "bid_volume", "ask_volume", "signed_volume" };
    for (size_t s = 0; s < NSIZES; s++) {
        size_t n = sizes[s];
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/%zu", root, n);
        if (mkdir(root, 0755) && errno != EEXIST)
            return PG_EIO;
        if (mkdir(dir, 0755) && errno != EEXIST)
            return PG_EIO;
        for (size_t i = 0; i < NIMPLS; i++) {
            const impl *k = &impls[i];
            if (strcmp(k->impl, "perfgate"))
                continue;
            fx *f = fx_make(k, n, seed);
            if (!f)
                return PG_ENOMEM;
            int rc = k->run(f);
            char name[64];
            if (!rc && f->x) {
                snprintf(name, sizeof name, "in_%s", k->kernel);
                rc = write_f64(dir, name, f->x, n);
            }
            for (int c = 0; !rc && f->col[0] && c < 9; c++) {
                snprintf(name, sizeof name, "in_%s_%s", k->kernel, frame_names[c]);
                rc = write_f64(dir, name, f->col[c], n);
            }
            size_t cols =
                k->input == IN_OHLCV ? pg_features_ncols(&f->cfg, &f->frame) : k->out_cols;
            snprintf(name, sizeof name, "out_%s", k->kernel);
            if (!rc)
                rc = cols ? write_f64(dir, name, f->out, cols * n)
                          : write_f64(dir, name, &f->result, 1);
            if (!rc && k->input == IN_OHLCV) {
                char path[1200];
                snprintf(path, sizeof path, "%s/features.names", dir);
                FILE *fp = fopen(path, "w");
                rc = fp ? 0 : PG_EIO;
                for (size_t c = 0; !rc && c < cols; c++) {
                    char col[64];
                    rc = pg_features_column_name(&f->cfg, &f->frame, c, col, sizeof col);
                    if (!rc)
                        fprintf(fp, "%s\n", col);
                }
                if (fp && fclose(fp))
                    rc = PG_EIO;
            }
            fx_free(f);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* ---- main ----------------------------------------------------------- */

static const char usage[] =
    "usage: talib_compare [--check] [--dump=DIR] [tpbench options] [--benchmark_* flags]\n"
    "\n"
    "Times perfgate's kernels and TA-Lib's (when built with it) side by side:\n"
    "compare/<kernel>.<perfgate|talib>/hot/cpu/<n>.  Every run first checks that\n"
    "each TA-Lib row computes what its perfgate kernel computes, and stops (exit 1)\n"
    "when one does not.\n"
    "  --check      only the check\n"
    "  --dump=DIR   write inputs and perfgate's outputs for pandas_side.py, then exit\n";

int main(int argc, char **argv)
{
    int only_check = 0;
    const char *dump_dir = NULL;
    int k = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--check"))
            only_check = 1;
        else if (!strncmp(argv[i], "--dump=", 7))
            dump_dir = argv[i] + 7;
        else
            argv[k++] = argv[i];
    }
    argc = k;
    pg_error err;
    pg_error_clear(&err);
    pg_bench_options opts;
    pg_bench_options_default(&opts);
    if (pg_bench_parse_args(&opts, &argc, argv, &err) != 0) {
        char msg[600];
        pg_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "talib_compare: %s\n", msg);
        return 2;
    }
    if (opts.help) {
        fputs(usage, stdout);
        return 0;
    }
    if (dump_dir) {
        int rc = dump(dump_dir, opts.seed);
        if (rc)
            fprintf(stderr, "talib_compare: cannot write '%s'\n", dump_dir);
        return rc ? 2 : 0;
    }
#if PG_HAVE_TALIB
    if (TA_Initialize() != TA_SUCCESS) {
        fprintf(stderr, "talib_compare: TA_Initialize failed\n");
        return 2;
    }
    int bad = check_all(opts.seed);
    if (bad) {
        fprintf(stderr, "talib_compare: %s\n",
                bad == 2 ? "the check could not run"
                         : "a TA-Lib row does not compute what its perfgate kernel computes");
        return bad == 2 ? 2 : 1;
    }
#else
    printf("check: built without TA-Lib (bench/compare/run.sh --talib-src DIR): perfgate "
           "rows only\n");
#endif
    if (only_check)
        return 0;
    pg_bench_registry *reg = pg_bench_registry_create();
    if (!reg)
        return 2;
    int code = 0;
    static char kernels[NIMPLS][48]; /* the registry keeps the pointers */
    for (size_t i = 0; i < NIMPLS && !code; i++) {
        char *kernel = kernels[i];
        snprintf(kernel, sizeof kernels[i], "%s.%s", impls[i].kernel, impls[i].impl);
        pg_bench_def d;
        memset(&d, 0, sizeof d);
        d.suite = "compare";
        d.kernel = kernel;
        d.profiles = PG_PROFILE_HOT;
        d.sizes = sizes;
        d.n_sizes = NSIZES;
        d.arg = (void *)&impls[i];
        d.setup = cmp_setup;
        d.run = cmp_run;
        d.teardown = cmp_teardown;
        if (pg_bench_register(reg, &d, &err) != 0)
            code = 2;
    }
    if (!code && pg_bench_select(reg, &opts, &err) < 0)
        code = 2;
    if (!code && pg_bench_run(reg, &opts, argc, argv, &err) != 0)
        code = 1;
    if (code) {
        char msg[600];
        pg_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "talib_compare: %s\n", msg);
    }
    pg_bench_registry_destroy(reg);
#if PG_HAVE_TALIB
    TA_Shutdown();
#endif
    return code;
}
