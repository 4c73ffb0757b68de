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

    const double *close = in->close;
    const double *high = in->high ? in->high : close;
    const double *low = in->low ? in->low : close;
    double *col = out;
#define NEXT_COL() (col += n, col - n)

    double *ret = NEXT_COL();
    pgf_return_1_run(close, n, ret);
    /* The window EMAs of close go in one pass, up to PGF_EMA_MULTI_MAX
     * chains at a time (their latencies overlap; same bits). */
    double alphas[PG_MAX_WINDOWS], *emas[PG_MAX_WINDOWS];
    size_t mps[PG_MAX_WINDOWS];
    for (size_t i = 0; i < cfg->n_windows; i++) {
        size_t w = cfg->windows[i];
        pgf_rolling_mean_run(close, n, w, NEXT_COL());
        pgf_rolling_std_run(ret, n, w, NEXT_COL());
        alphas[i] = pgf_alpha_from_span((double)w);
        mps[i] = w;
        emas[i] = NEXT_COL();
    }
    for (size_t i = 0; i < cfg->n_windows; i += PGF_EMA_MULTI_MAX) {
        size_t k = cfg->n_windows - i < PGF_EMA_MULTI_MAX ? cfg->n_windows - i : PGF_EMA_MULTI_MAX;
        pgf_ema_multi_run(close, n, k, alphas + i, mps + i, emas + i);
    }
    pgf_rsi_run(close, n, cfg->rsi_window, NEXT_COL());
    double *mf = NEXT_COL(), *ms = NEXT_COL(), *m = NEXT_COL(), *sig = NEXT_COL();
    double *hist = NEXT_COL();
    pgf_macd_run(close, n, cfg->macd_fast, cfg->macd_slow, cfg->macd_signal, mf, ms, m, sig, hist);
    pgf_price_range_run(high, low, n, NEXT_COL());
    if (has_volume(in)) {
        pgf_log_volume_run(in->volume, n, NEXT_COL());
        pgf_volume_z_run(in->volume, n, cfg->volatility_window, NEXT_COL());
    }
    if (has_book(in))
        pgf_queue_imbalance_run(in->bid_volume, in->ask_volume, n, NEXT_COL());
    if (has_signed(in)) {
        size_t mw = cfg->microstructure_window;
        double *kyle = NEXT_COL(), *hasb = NEXT_COL();
        pgf_micro_pair_run(ret, in->signed_volume, n, mw, kyle, hasb);
        pgf_ema_run(in->signed_volume, n, pgf_alpha_from_span((double)mw), mw, NEXT_COL());
    }
#undef NEXT_COL
    return PG_OK;
}
