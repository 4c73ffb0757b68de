/*
 * features.c - TradePulse's SignalFeaturePipeline.transform in C
 * (KERNELS.md section 1): configuration, the column layout and the driver
 * that fills a caller-owned, column-major matrix.
 *
 * Column order (TradePulse's): return_1; for each window w: sma_w,
 * volatility_w, ema_w; rsi, macd_ema_fast, macd_ema_slow, macd, macd_signal,
 * macd_histogram, price_range; then log_volume, volume_z if there is a
 * volume column; queue_imbalance if there are bid and ask volumes;
 * kyles_lambda_M, hasbrouck_M, signed_volume_ema if there is signed volume.
 * Missing high or low fall back to close (price_range 0, NaN where close is).
 *
 * The columns are made PGF_FEATURE_BLOCK rows at a time (pgf_features_run):
 * the EWMs (ema_w, rsi, macd, signed_volume_ema) carry their state from a
 * block to the next; return_1 restarts at the last non-NaN price before the
 * block; the rolling kernels (rolling.c, micro.c) are called from one
 * restart span before the block's last restart row, and the rows before
 * the block keep their values.  Every block size gives the same bits.
 */
#include <stdio.h>
#include <string.h>

#include "features_internal.h"
#include "pg_kernels.h"

void pg_features_config_default(pg_features_config *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->windows[0] = 5;
    cfg->windows[1] = 20;
    cfg->windows[2] = 60;
    cfg->n_windows = 3;
    cfg->rsi_window = 14;
    cfg->macd_fast = 12;
    cfg->macd_slow = 26;
    cfg->macd_signal = 9;
    cfg->volatility_window = 20;
    cfg->microstructure_window = 50;
}

int pg_features_config_check(const pg_features_config *cfg, pg_error *err)
{
    if (cfg == NULL)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no feature configuration given");
    if (cfg->n_windows > PG_MAX_WINDOWS)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "n_windows is %zu, expected at most %d", cfg->n_windows,
                            PG_MAX_WINDOWS);
    for (size_t i = 0; i < cfg->n_windows; i++)
        if (cfg->windows[i] < 1)
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                "windows[%zu] is 0, expected a window of at least 1", i);
    static const struct {
        const char *name;
        size_t offset;
    } fields[] = {
        { "rsi_window", offsetof(pg_features_config, rsi_window) },
        { "macd_fast", offsetof(pg_features_config, macd_fast) },
        { "macd_slow", offsetof(pg_features_config, macd_slow) },
        { "macd_signal", offsetof(pg_features_config, macd_signal) },
        { "volatility_window", offsetof(pg_features_config, volatility_window) },
        { "microstructure_window", offsetof(pg_features_config, microstructure_window) },
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t v;
        memcpy(&v, (const char *)cfg + fields[i].offset, sizeof v);
        if (v < 1)
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "%s is 0, expected at least 1",
                                fields[i].name);
    }
    return PG_OK;
}

/* What one output column is. */
enum col_kind {
    COL_RETURN,
    COL_SMA,
    COL_VOLATILITY,
    COL_EMA,
    COL_RSI,
    COL_MACD_FAST,
    COL_MACD_SLOW,
    COL_MACD,
    COL_MACD_SIGNAL,
    COL_MACD_HIST,
    COL_PRICE_RANGE,
    COL_LOG_VOLUME,
    COL_VOLUME_Z,
    COL_QUEUE_IMBALANCE,
    COL_KYLE,
    COL_HASBROUCK,
    COL_SIGNED_VOLUME_EMA
};

static int has_volume(const pg_ohlcv *in)
{
    return in->volume != NULL;
}
static int has_book(const pg_ohlcv *in)
{
    return in->bid_volume != NULL && in->ask_volume != NULL;
}
static int has_signed(const pg_ohlcv *in)
{
    return in->signed_volume != NULL;
}

size_t pg_features_ncols(const pg_features_config *cfg, const pg_ohlcv *in)
{
    if (cfg == NULL || in == NULL || cfg->n_windows > PG_MAX_WINDOWS)
        return 0;
    size_t c = 1 + 3 * cfg->n_windows + 7;
    if (has_volume(in))
        c += 2;
    if (has_book(in))
        c += 1;
    if (has_signed(in))
        c += 3;
    return c;
}

/* Maps column index -> kind (and the window for per-window columns).
 * Returns 0 when col is out of range. */
static int column_kind(const pg_features_config *cfg, const pg_ohlcv *in, size_t col,
                       enum col_kind *kind, size_t *param)
{
    *param = 0;
    if (col == 0) {
        *kind = COL_RETURN;
        return 1;
    }
    col -= 1;
    if (col < 3 * cfg->n_windows) {
        static const enum col_kind per[3] = { COL_SMA, COL_VOLATILITY, COL_EMA };
        *kind = per[col % 3];
        *param = cfg->windows[col / 3];
        return 1;
    }
    col -= 3 * cfg->n_windows;
    static const enum col_kind fixed[7] = { COL_RSI,        COL_MACD_FAST,   COL_MACD_SLOW,
                                            COL_MACD,       COL_MACD_SIGNAL, COL_MACD_HIST,
                                            COL_PRICE_RANGE };
    if (col < 7) {
        *kind = fixed[col];
        return 1;
    }
    col -= 7;
    if (has_volume(in)) {
        if (col < 2) {
            *kind = col == 0 ? COL_LOG_VOLUME : COL_VOLUME_Z;
            return 1;
        }
        col -= 2;
    }
    if (has_book(in)) {
        if (col == 0) {
            *kind = COL_QUEUE_IMBALANCE;
            return 1;
        }
        col -= 1;
    }
    if (has_signed(in) && col < 3) {
        static const enum col_kind sv[3] = { COL_KYLE, COL_HASBROUCK, COL_SIGNED_VOLUME_EMA };
        *kind = sv[col];
        *param = cfg->microstructure_window;
        return 1;
    }
    return 0;
}

int pg_features_column_name(const pg_features_config *cfg, const pg_ohlcv *in, size_t col,
                            char *buf, size_t len)
{
    if (cfg == NULL || in == NULL || buf == NULL || len == 0 || cfg->n_windows > PG_MAX_WINDOWS)
        return PG_EINVAL;
    enum col_kind kind;
    size_t p;
    if (!column_kind(cfg, in, col, &kind, &p))
        return PG_EINVAL;
    static const char *const names[] = {
        [COL_RETURN] = "return_1",
        [COL_SMA] = "sma_",
        [COL_VOLATILITY] = "volatility_",
        [COL_EMA] = "ema_",
        [COL_RSI] = "rsi",
        [COL_MACD_FAST] = "macd_ema_fast",
        [COL_MACD_SLOW] = "macd_ema_slow",
        [COL_MACD] = "macd",
        [COL_MACD_SIGNAL] = "macd_signal",
        [COL_MACD_HIST] = "macd_histogram",
        [COL_PRICE_RANGE] = "price_range",
        [COL_LOG_VOLUME] = "log_volume",
        [COL_VOLUME_Z] = "volume_z",
        [COL_QUEUE_IMBALANCE] = "queue_imbalance",
        [COL_KYLE] = "kyles_lambda_",
        [COL_HASBROUCK] = "hasbrouck_",
        [COL_SIGNED_VOLUME_EMA] = "signed_volume_ema",
    };
    int with_param = kind == COL_SMA || kind == COL_VOLATILITY || kind == COL_EMA ||
                     kind == COL_KYLE || kind == COL_HASBROUCK;
    int w = with_param ? snprintf(buf, len, "%s%zu", names[kind], p)
                       : snprintf(buf, len, "%s", names[kind]);
    if (w < 0 || (size_t)w >= len)
        return PG_EINVAL;
    return PG_OK;
}

/* The restart span of a rolling kernel over window w (features_internal.h). */
static size_t roll_span(size_t w)
{
    return w > PGF_ROLL_BLOCK ? w : PGF_ROLL_BLOCK;
}

/* Where a rolling kernel must start for rows b0 .. b1-1 to come out with the
 * whole column's bits: s0, a restart row at least one span before the last
 * restart r <= b0 (so the kernel restarts at r from the whole window, as
 * the whole column does).  Rows s0 .. r-1 come out differently (a fresh
 * start); the caller keeps the whole column's values there. */
static size_t roll_from(size_t w, size_t b0, size_t *keep)
{
    size_t p = roll_span(w), r = b0 / p * p;
    if (r < p) {
        *keep = 0; /* from row 0: rows before b0 come out the same */
        return 0;
    }
    *keep = p;
    return r - p;
}

typedef void (*roll_fn)(const double *x, size_t n, size_t w, double *out);

/* Rows b0 .. b1-1 of a rolling kernel into out (a whole column whose rows
 * before b0 are done); save holds PGF_FEATURE_MAX_SPAN doubles. */
static void roll_rows(roll_fn fn, const double *x, size_t w, size_t b0, size_t b1, double *out,
                      double *save)
{
    size_t keep;
    size_t s0 = roll_from(w, b0, &keep);
    if (keep == 0) {
        fn(x, b1, w, out);
        return;
    }
    memcpy(save, out + s0, keep * sizeof *save);
    fn(x + s0, b1 - s0, w, out + s0);
    memcpy(out + s0, save, keep * sizeof *save);
}

/* The same for the pair of microstructure measures. */
static void micro_rows(const double *ret, const double *q, size_t w, size_t b0, size_t b1,
                       double *kyle, double *hasb, double *save)
{
    size_t keep;
    size_t s0 = roll_from(w, b0, &keep);
    if (keep == 0) {
        pgf_micro_pair_run(ret, q, b1, w, kyle, hasb);
        return;
    }
    memcpy(save, kyle + s0, keep * sizeof *save);
    memcpy(save + keep, hasb + s0, keep * sizeof *save);
    pgf_micro_pair_run(ret + s0, q + s0, b1 - s0, w, kyle + s0, hasb + s0);
    memcpy(kyle + s0, save, keep * sizeof *save);
    memcpy(hasb + s0, save + keep, keep * sizeof *save);
}

/* return_1 of rows b0 .. b1-1: from the last non-NaN price before b0 (what
 * the pad fill holds there), whose own row the call makes NaN (restored);
 * the NaN rows after it come out as in the whole column. */
static void return_rows(const double *price, size_t b0, size_t b1, double *out)
{
    size_t j = b0;
    while (j > 0 && price[j - 1] != price[j - 1])
        j--;
    if (j == 0) {
        pgf_return_1_run(price, b1, out);
        return;
    }
    j--;
    double kept = out[j];
    pgf_return_1_run(price + j, b1 - j, out + j);
    out[j] = kept;
}

/* pgf_features_run's work; save: 2 * PGF_FEATURE_MAX_SPAN doubles, or NULL
 * when block >= n (one block: nothing to keep). */
static void features_blocks(const pg_features_config *cfg, const pg_ohlcv *in, double *out,
                            size_t block, double *save)
{
    const size_t n = in->n;
    const double *close = in->close;
    const double *high = in->high ? in->high : close;
    const double *low = in->low ? in->low : close;
    const size_t nw = cfg->n_windows, mw = cfg->microstructure_window;

    /* The columns, in order (the layout pg_features_column_name gives). */
    double *col = out;
#define NEXT_COL() (col += n, col - n)
    double *ret = NEXT_COL();
    double *sma[PG_MAX_WINDOWS], *vol[PG_MAX_WINDOWS], *emas[PG_MAX_WINDOWS];
    double alphas[PG_MAX_WINDOWS];
    size_t mps[PG_MAX_WINDOWS];
    for (size_t i = 0; i < nw; i++) {
        sma[i] = NEXT_COL();
        vol[i] = NEXT_COL();
        emas[i] = NEXT_COL();
        alphas[i] = pgf_alpha_from_span((double)cfg->windows[i]);
        mps[i] = cfg->windows[i];
    }
    double *rsi = NEXT_COL();
    double *mf = NEXT_COL(), *ms = NEXT_COL(), *m = NEXT_COL(), *sig = NEXT_COL();
    double *hist = NEXT_COL(), *range = NEXT_COL();
    double *logv = NULL, *vz = NULL, *qi = NULL, *kyle = NULL, *hasb = NULL, *sve = NULL;
    if (has_volume(in)) {
        logv = NEXT_COL();
        vz = NEXT_COL();
    }
    if (has_book(in))
        qi = NEXT_COL();
    if (has_signed(in)) {
        kyle = NEXT_COL();
        hasb = NEXT_COL();
        sve = NEXT_COL();
    }
#undef NEXT_COL

    /* The recurrences' states between blocks (t == 0 starts them). */
    ema_state ema_st[PG_MAX_WINDOWS], gain = { NAN, 1.0, 0 }, loss = gain, sv_st = gain;
    for (size_t i = 0; i < nw; i++)
        ema_st[i] = gain;
    pgf_macd_state macd_st = { gain, gain, gain };
    const double sv_alpha = pgf_alpha_from_span((double)mw);

    for (size_t b0 = 0; b0 < n; b0 += block) {
        size_t b1 = n - b0 < block ? n : b0 + block, len = b1 - b0;
        return_rows(close, b0, b1, ret);
        for (size_t i = 0; i < nw; i++) {
            roll_rows(pgf_rolling_mean_run, close, cfg->windows[i], b0, b1, sma[i], save);
            roll_rows(pgf_rolling_std_run, ret, cfg->windows[i], b0, b1, vol[i], save);
        }
        /* The window EMAs of close in one pass, up to PGF_EMA_MULTI_MAX
         * chains at a time (their latencies overlap; same bits). */
        for (size_t i = 0; i < nw; i += PGF_EMA_MULTI_MAX) {
            size_t k = nw - i < PGF_EMA_MULTI_MAX ? nw - i : PGF_EMA_MULTI_MAX;
            pgf_ema_multi_span(close, b0, b1, k, alphas + i, mps + i, ema_st + i, emas + i);
        }
        pgf_rsi_span(close, b0, b1, cfg->rsi_window, &gain, &loss, rsi);
        pgf_macd_span(close, b0, b1, cfg->macd_fast, cfg->macd_slow, cfg->macd_signal, &macd_st, mf,
                      ms, m, sig, hist);
        pgf_price_range_run(high + b0, low + b0, len, range + b0);
        if (logv != NULL) {
            pgf_log_volume_run(in->volume + b0, len, logv + b0);
            roll_rows(pgf_volume_z_run, in->volume, cfg->volatility_window, b0, b1, vz, save);
        }
        if (qi != NULL)
            pgf_queue_imbalance_run(in->bid_volume + b0, in->ask_volume + b0, len, qi + b0);
        if (kyle != NULL) {
            micro_rows(ret, in->signed_volume, mw, b0, b1, kyle, hasb, save);
            pgf_ema_span(in->signed_volume, b0, b1, sv_alpha, mw, &sv_st, sve);
        }
    }
}

/* The blocked run, with the rows a rolling column keeps on this frame's
 * stack: not on the one-block path, whose kernels then run no deeper in
 * the stack than whole columns did (a first call faults in no more stack
 * pages). */
static __attribute__((noinline)) void features_blocked(const pg_features_config *cfg,
                                                       const pg_ohlcv *in, double *out,
                                                       size_t block)
{
    double save[2 * PGF_FEATURE_MAX_SPAN];
    features_blocks(cfg, in, out, block, save);
}

void pgf_features_run(const pg_features_config *cfg, const pg_ohlcv *in, double *out, size_t block)
{
    const size_t n = in->n, mw = cfg->microstructure_window;
    /* Blocks need every restart span to fit the save buffer. */
    size_t widest = roll_span(cfg->volatility_window);
    for (size_t i = 0; i < cfg->n_windows; i++)
        if (roll_span(cfg->windows[i]) > widest)
            widest = roll_span(cfg->windows[i]);
    if (has_signed(in) && roll_span(mw) > widest)
        widest = roll_span(mw);
    if (block == 0 || block >= n || widest > PGF_FEATURE_MAX_SPAN)
        features_blocks(cfg, in, out, n, NULL);
    else
        features_blocked(cfg, in, out, block);
}

int pg_features(const pg_features_config *cfg, const pg_ohlcv *in, double *out, pg_error *err)
{
    if (in == NULL)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no input frame given");
    if (in->close == NULL)
        return pg_error_set(err, PG_EMISSING, NULL, 0, 0, NULL, "missing required column 'close'");
    int rc = pg_features_config_check(cfg, err);
    if (rc != PG_OK)
        return rc;
    const size_t n = in->n;
    if (n == 0)
        return PG_OK;
    if (out == NULL)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no output buffer given");

    pgf_features_run(cfg, in, out, PGF_FEATURE_BLOCK);
    return PG_OK;
}
