/*
 * pg_kernels.h - the TradePulse kernels under test, in C11, double precision.
 *
 * The one public header of kernels/.  Math and NaN rules follow
 * shared/KERNELS.md (TradePulse @ 0a51e938676f); section numbers below refer
 * to it.  Conventions (docs/kernels.md):
 *   - inputs are const, then the length, then parameters, then the caller's
 *     output buffers last; outputs hold n doubles unless stated;
 *   - kernels never allocate, print or exit; what needs preparing (FFT plans,
 *     scratch) lives in a workspace made once and reused (its creation is the
 *     cost the `first` benchmark profile measures);
 *   - every function returns PG_OK (0) or a negative PG_E... code from
 *     common/pg_error.h; a bad parameter gives PG_EINVAL and writes nothing;
 *   - "valid" means finite: like pandas, +-inf counts as missing in rolling
 *     and EWM steps;
 *   - n == 0 is always allowed and writes nothing.
 */
#ifndef PG_KERNELS_H
#define PG_KERNELS_H

#include <stddef.h>

#include "pg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Working precision of the kernels TradePulse runs in float32 or float64. */
typedef enum pg_dtype { PG_FLOAT64 = 0, PG_FLOAT32 = 1 } pg_dtype;

/* ---------------------------------------------------------------------- */
/* Single indicators (KERNELS.md section 1)                                */
/* ---------------------------------------------------------------------- */

/* return_1: pct_change with pad fill.  out[0] = NaN. */
int pg_return_1(const double *price, size_t n, double *out);

/* Rolling mean over `window` (min_periods = window), O(n) streaming.
 * window >= 1. */
int pg_rolling_mean(const double *x, size_t n, size_t window, double *out);

/* Rolling sample std (ddof = 1, min_periods = window), numerically stable
 * streaming Welford.  window >= 1 (window 1 gives NaN: ddof 1). */
int pg_rolling_std(const double *x, size_t n, size_t window, double *out);

/* sma_w = rolling mean of the price. */
int pg_sma(const double *price, size_t n, size_t window, double *out);

/* volatility_w = rolling std of return_1 (computed from the price). */
int pg_volatility(const double *price, size_t n, size_t window, double *out);

/* pandas ewm(span, adjust=False, min_periods, ignore_na=False), bit-exact.
 * span >= 1. */
int pg_ema(const double *x, size_t n, double span, size_t min_periods, double *out);

/* The same recurrence with alpha given directly (0 < alpha <= 1). */
int pg_ema_alpha(const double *x, size_t n, double alpha, size_t min_periods, double *out);

/* pg_ema computed as a vectorised parallel scan (the recurrence
 * reassociated, eight rows a step): the same NaN and min_periods rules, but
 * not bit-exact: |out_t - pg_ema_t| <= 1e-12 * max_{j<=t, x_j finite} |x_j|
 * (for a positive series such as a price: 1e-12 relative), tested for spans
 * up to 1000.  Prefix-invariant: row t depends only on rows <= t.
 * span >= 1. */
int pg_ema_scan(const double *x, size_t n, double span, size_t min_periods, double *out);

/* RSI over `window` (>= 1), TradePulse's _rsi; values in [0, 100]. */
int pg_rsi(const double *price, size_t n, size_t window, double *out);

/* MACD: fast/slow EMAs (min_periods 1), macd = fast - slow, signal EMA,
 * histogram.  1 <= fast, slow, signal.  Any output pointer may be NULL
 * except macd, signal and hist. */
int pg_macd(const double *price, size_t n, size_t fast, size_t slow, size_t signal,
            double *ema_fast, double *ema_slow, double *macd, double *macd_signal,
            double *histogram);

/* MACD as pg_macd (same arguments, validation, NaN and warm-up rules; no
 * fast/slow EMA outputs) from three fused vectorised scans in one pass
 * over the price: macd, signal and histogram within 1e-12 of
 * max_{j<=t} |price_j| (finite prices) of pg_macd's, not bit-exact (tested
 * with prices to 1e306); ~2.3x faster than pg_macd on AVX-512.  Same bits
 * on every build (AVX-512, AVX2, portable); prefix-invariant: row t
 * depends only on rows <= t.  The exact pg_macd stays the golden one.
 * 1 <= fast, slow, signal (any order). */
int pg_macd_scan(const double *price, size_t n, size_t fast, size_t slow, size_t signal,
                 double *macd, double *macd_signal, double *histogram);

/* price_range = high - low. */
int pg_price_range(const double *high, const double *low, size_t n, double *out);

/* log_volume = ln(v); v <= 0 gives NaN. */
int pg_log_volume(const double *volume, size_t n, double *out);

/* volume_z = (v - mean_W(v)) / std_W(v), no guard. window >= 1. */
int pg_volume_z(const double *volume, size_t n, size_t window, double *out);

/* queue_imbalance = (bid-ask)/(bid+ask), 0 when bid+ask == 0. */
int pg_queue_imbalance(const double *bid, const double *ask, size_t n, double *out);

/* Kyle's lambda over `window` rows of (return_1, signed_volume). */
int pg_kyles_lambda(const double *ret, const double *signed_volume, size_t n, size_t window,
                    double *out);

/* Hasbrouck's measure: as Kyle's lambda with q -> sign(q) sqrt(|q|). */
int pg_hasbrouck(const double *ret, const double *signed_volume, size_t n, size_t window,
                 double *out);

/* ---------------------------------------------------------------------- */
/* The feature pipeline (KERNELS.md section 1)                             */
/* ---------------------------------------------------------------------- */

#define PG_MAX_WINDOWS 16

typedef struct pg_features_config {
    size_t windows[PG_MAX_WINDOWS]; /* technical windows, each >= 1 (default 5, 20, 60) */
    size_t n_windows;               /* how many of windows[] are used (0..PG_MAX_WINDOWS) */
    size_t rsi_window;              /* >= 1, default 14 */
    size_t macd_fast;               /* >= 1, default 12 */
    size_t macd_slow;               /* >= 1, default 26 */
    size_t macd_signal;             /* >= 1, default 9 */
    size_t volatility_window;       /* volume_z window, >= 1, default 20 */
    size_t microstructure_window;   /* Kyle / Hasbrouck / signed-volume EMA, >= 1, default 50 */
} pg_features_config;

/* Fills cfg with TradePulse's FeaturePipelineConfig defaults. */
void pg_features_config_default(pg_features_config *cfg);

/* PG_OK, or PG_EINVAL with a message in err naming the bad field. */
int pg_features_config_check(const pg_features_config *cfg, pg_error *err);

/* An OHLCV frame, column-wise; the caller owns every array.  close is
 * required; high/low fall back to close when NULL; volume, bid/ask and
 * signed-volume features are left out when their columns are NULL. */
typedef struct pg_ohlcv {
    size_t n;                    /* rows */
    const double *ts;            /* epoch seconds, may be NULL (not used by features) */
    const double *open;          /* may be NULL (not used by features) */
    const double *high;          /* may be NULL */
    const double *low;           /* may be NULL */
    const double *close;         /* required */
    const double *volume;        /* may be NULL */
    const double *bid_volume;    /* may be NULL; queue_imbalance needs both bid and ask */
    const double *ask_volume;    /* may be NULL */
    const double *signed_volume; /* may be NULL */
} pg_ohlcv;

/* Number of feature columns the frame gives under cfg (TradePulse's order). */
size_t pg_features_ncols(const pg_features_config *cfg, const pg_ohlcv *in);

/* Name of feature column `col` (e.g. "sma_20", "kyles_lambda_50") into buf.
 * PG_EINVAL when col >= ncols or buf is too small. */
int pg_features_column_name(const pg_features_config *cfg, const pg_ohlcv *in, size_t col,
                            char *buf, size_t len);

/* Computes every feature column.  out is column-major: column c occupies
 * out[c*in->n .. c*in->n + n-1], pg_features_ncols() columns.  No
 * allocation.  PG_EMISSING when close is NULL, PG_EINVAL for a bad config
 * (err, if not NULL, says which). */
int pg_features(const pg_features_config *cfg, const pg_ohlcv *in, double *out, pg_error *err);

/* ---------------------------------------------------------------------- */
/* Series indicators (KERNELS.md sections 2-5)                             */
/* ---------------------------------------------------------------------- */

/* Shannon entropy (nats) of x over `bins` (>= 1) equal bins, computed in
 * dtype as TradePulse does (bin counts identical to numpy's histogram).
 * counts: scratch of `bins` size_t the caller owns (no allocation).
 * Writes the result to *result. */
int pg_entropy(const double *x, size_t n, size_t bins, pg_dtype dtype, size_t *counts,
               double *result);

/* Hurst exponent: OLS slope of ln std(x[t+L]-x[t]) on ln L, L = min_lag..max_lag
 * inclusive (2 <= min_lag <= max_lag); 0.5 when n < 2*max_lag; clipped to
 * [0,1], NaN passes through.  Differences taken in dtype. */
int pg_hurst(const double *x, size_t n, size_t min_lag, size_t max_lag, pg_dtype dtype,
             double *result);

/* compute_phase: Hilbert phase through FFTW.  The workspace holds the
 * plans and scratch for one length n and dtype; making it is the cold-start
 * cost.  pg_phase requires n == the workspace's n; out gets n angles in
 * [-pi, pi] (float32 results widened to double). */
typedef struct pg_phase_ws pg_phase_ws;
pg_phase_ws *pg_phase_ws_create(size_t n, pg_dtype dtype); /* NULL on failure */
void pg_phase_ws_destroy(pg_phase_ws *ws);                 /* NULL is a no-op */
size_t pg_phase_ws_length(const pg_phase_ws *ws);
int pg_phase(pg_phase_ws *ws, const double *x, size_t n, double *out);

/* What the phase workspaces of this process plan with: the path of the
 * wisdom file imported (with a note if only one precision was), or
 * "none: <reason>" (PERFGATE_FFTW_WISDOM=none, no file, a file made with
 * another FFTW or for SIMD this CPU lacks, a malformed file, or no
 * workspace made yet: the file is read by the first pg_phase_ws_create).
 * A static string, valid for the life of the process; thread-safe. */
const char *pg_phase_wisdom_status(void);

/* The instruction-set build the kernels of this process run (chosen once,
 * docs/kernels.md): "portable", "avx2" or "avx512", and under valgrind
 * the kernels that run a lower build there, e.g. "avx2 under valgrind
 * (macd_scan: portable, a build valgrind cannot decode)".  A static
 * string, valid for the life of the process. */
const char *pg_kernels_isa_status(void);

/* How many of the workspace's two FFTW plans (r2c, c2r) came from PATIENT
 * wisdom (0, 1 or 2; 0 for NULL or n = 0); the others were planned with
 * FFTW_ESTIMATE. */
int pg_phase_ws_from_wisdom(const pg_phase_ws *ws);

/* Kuramoto order parameter of one snapshot of n phases (float64 path). */
int pg_kuramoto_order_1d(const double *theta, size_t n, double *result);

/* One R per snapshot of an n_osc x n_t phase matrix, row-major
 * (theta[i*n_t + t] is oscillator i at snapshot t), float32 path.
 * out: n_t doubles. */
int pg_kuramoto_order_2d(const double *theta, size_t n_osc, size_t n_t, double *out);

/* kuramoto_order on an array of any rank, as TradePulse dispatches it:
 * ndim 1 (shape[0] phases) writes one R to out[0] (1-D path); ndim 2
 * (shape[0] oscillators x shape[1] snapshots, row-major) writes shape[1]
 * values (2-D path); any other ndim is PG_EINVAL (TradePulse's ValueError
 * for 0-D and 3-D input). */
int pg_kuramoto_order(const double *theta, size_t ndim, const size_t *shape, double *out);

/* ---------------------------------------------------------------------- */
/* Pipeline path: normalise -> features -> strategy (sections 6-7)         */
/* ---------------------------------------------------------------------- */

/* A frame of named numeric columns, column-wise; the caller owns the arrays. */
typedef struct pg_frame {
    size_t nrows;
    size_t ncols;
    const char **names; /* ncols names */
    double **cols;      /* ncols arrays of nrows doubles (capacity for outputs) */
} pg_frame;

/* Bytes of scratch pg_normalize needs for a frame of nrows x ncols (about
 * 88 bytes a row, whatever ncols). */
size_t pg_normalize_scratch_size(size_t nrows, size_t ncols);

/* normalize_df (section 6).  ts_col names the timestamp column (epoch
 * seconds); NULL or absent means no sort.
 *   1. sort by ts ascending, stable, NaT last (NaT: a non-finite ts or one
 *      outside pandas' datetime64[ns] range, about +-9.22e9 s);
 *   2. drop exact duplicate rows keeping the first (NaN equals NaN, -0.0
 *      equals 0.0);
 *   3. interpolate every column but ts linearly by row position, bit-exact
 *      with np.interp; leading NaNs take the first valid value, trailing
 *      NaNs the last, an all-NaN column stays NaN.  ts is not interpolated
 *      (pandas holds it as a datetime): NaT comes back as NaN.
 * O(n) for sorted input or distinct timestamps, O(n log n) at worst (radix
 * sort, hash-based duplicate removal).  out must have in's ncols and
 * columns with capacity in->nrows (not aliasing in's); out->nrows is set to
 * the rows kept.  scratch: pg_normalize_scratch_size() bytes, any
 * alignment.  PG_EINVAL for a NULL column, a shape mismatch or too little
 * scratch (nothing is written then). */
int pg_normalize(const pg_frame *in, const char *ts_col, pg_frame *out, void *scratch,
                 size_t scratch_size);

/* pg_normalize without the copies it need not make: when the rows stay as
 * they are (ts strictly increasing: no sort, no duplicate), a column that
 * normalize would return unchanged (no NaN to interpolate; for ts, no NaT
 * and no -0.0) is not copied: out->cols[c] is set to in->cols[c], a view
 * of the input valid while it is.  The other columns are written to the
 * arrays out->cols held on entry, as pg_normalize writes them.  Same
 * values, same errors as pg_normalize. */
int pg_normalize_view(const pg_frame *in, const char *ts_col, pg_frame *out, void *scratch,
                      size_t scratch_size);

typedef struct pg_strategy_params {
    double lookback;    /* truncated to int, then clamped to [5, 500]; default 60 */
    double threshold;   /* clamped to [0, 5] (NaN gives 0); default 0.8 */
    double risk_budget; /* clamped to [0.01, 10] (NaN gives 0.01); default 1.5 */
} pg_strategy_params;

/* The bench's parameters (bench/bench_pipeline.py): 60, 0.8, 1.5. */
void pg_strategy_params_default(pg_strategy_params *p);

/* Per-row outputs; each array holds up to n entries and may be NULL.
 * Row k describes the k-th kept return; row[k] is its index in the price.
 * price is the filled price at row[k]; rolling_mean and rolling_vol are the
 * values after their fills; signal is -1, 0 or +1; position is
 * signal[k-1]*risk (0 at k = 0); drawdown is equity - max(0, peak). */
typedef struct pg_strategy_rows {
    size_t *row;
    double *price, *ret, *rolling_mean, *rolling_vol, *zscore;
    double *signal, *position, *pnl, *equity, *drawdown;
} pg_strategy_rows;

/* With an empty equity curve (no finite price, or no finite return):
 * score = max_drawdown = 0, trades = n_equity = effective_lookback = 0, and
 * sharpe, terminal, raw_score and min_threshold_margin are NaN. */
typedef struct pg_strategy_result {
    double score, max_drawdown, sharpe, terminal, raw_score;
    size_t trades, n_equity, effective_lookback;
    double lookback, threshold, risk_budget; /* after clamping */
    double min_threshold_margin;             /* min over rows of ||z| - thr| */
} pg_strategy_result;

/* Bytes of scratch pg_strategy needs for n prices (about 48 bytes a price). */
size_t pg_strategy_scratch_size(size_t n);

/* Strategy.simulate_performance (section 7) on the price series.  params
 * NULL means the defaults; rows may be NULL.  O(n), no allocation.
 * PG_EINVAL for a non-finite lookback (Python's int() raises), a NULL
 * price with n > 0 or too little scratch. */
int pg_strategy(const double *price, size_t n, const pg_strategy_params *params, void *scratch,
                size_t scratch_size, pg_strategy_rows *rows, pg_strategy_result *result);

/* The whole pipeline path: raw frame -> normalize (ts column "ts") ->
 * features of the normalized frame -> strategy on the normalized close.
 * The workspace holds every buffer for frames of up to max_rows x ncols:
 * the normalized columns, the feature matrix, the strategy rows and all
 * scratch, in one block, so a run never allocates.  Creating it touches
 * none of that memory: the first run maps in the pages it writes (2 MiB
 * huge pages where the system allows, for blocks of 2 MiB and more), later
 * runs reuse them.  Creation + first run is the cold-start cost. */
typedef struct pg_pipeline_ws pg_pipeline_ws;

/* fcfg / sp NULL mean the defaults; both are copied.  NULL on a bad
 * config, ncols == 0 or out of memory (err, if not NULL, says which). */
pg_pipeline_ws *pg_pipeline_ws_create(size_t max_rows, size_t ncols, const pg_features_config *fcfg,
                                      const pg_strategy_params *sp, pg_error *err);
void pg_pipeline_ws_destroy(pg_pipeline_ws *ws); /* NULL is a no-op */

/* Bytes the workspace holds (for reports). */
size_t pg_pipeline_ws_bytes(const pg_pipeline_ws *ws);

/* What a run produced: views into the workspace, valid until the next run
 * or destroy; normalized columns that normalize leaves unchanged (the usual
 * sorted feed without gaps) are the raw frame's own arrays
 * (pg_normalize_view), valid while raw is. */
typedef struct pg_pipeline_out {
    pg_frame normalized;    /* rows kept; names are the raw frame's */
    const double *features; /* column-major, n_features x normalized.nrows */
    size_t n_features;
    pg_strategy_rows rows;       /* strategy.n_equity entries each */
    pg_strategy_result strategy; /* summary */
} pg_pipeline_out;

/* Runs the path.  raw must have the workspace's ncols and at most max_rows
 * rows (else PG_ELIMIT), and a column named "close" (else PG_EMISSING);
 * the other OHLCV columns are found by name (open, high, low, volume,
 * bid_volume, ask_volume, signed_volume) and features left out when
 * absent, as pg_features does.  Same input, same workspace: same bytes. */
int pg_pipeline_run(pg_pipeline_ws *ws, const pg_frame *raw, pg_pipeline_out *out, pg_error *err);

/* Name of feature column col of the last run (as pg_features_column_name). */
int pg_pipeline_feature_name(const pg_pipeline_ws *ws, size_t col, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
