/*
 * features_internal.h - the unchecked entry points of the feature-pipeline
 * kernels (KERNELS.md section 1), defined in kernels/cpu/{ema,ema_scan,rsi,
 * macd,rolling,micro,atan2_simd}.c and called by features.c and phase.c.
 *
 * The pgf_*_run functions do the work without validating anything: the
 * public pg_* wrappers check their arguments once, and pg_features checks
 * the whole configuration once and then calls these directly, so a frame is
 * validated a single time.  None of them allocates.
 */
#ifndef PG_FEATURES_INTERNAL_H
#define PG_FEATURES_INTERNAL_H

#include <stddef.h>

#include "ewm.h"
#include "pg_kernels.h"

/* Rolling kernels restart their running sums from scratch at every multiple
 * of this many rows (or of the window, if larger).  That bounds the rounding
 * drift of add/remove updates to one block, costs at most one extra pass,
 * and, because the restart rows are absolute, makes the output at row i
 * independent of n (a prefix of the input gives a prefix of the output).
 * pg_features' row blocks rely on this: a rolling kernel called from a
 * restart row s0 gives, from the next restart row on, the bits the whole
 * column has there (tests/property/test_feature_blocks.c checks it). */
#define PGF_ROLL_BLOCK 256

/* pg_features works through the frame this many rows at a time (every
 * column of one block, then the next block), so a block's inputs stay in
 * cache while the columns are made from them.  A multiple of
 * PGF_ROLL_BLOCK: the rolling kernels then restart at the block start, and
 * each rolling column recomputes one restart span (256 rows) before each
 * block.  At 1M rows, 8,192 to 131,072 measured the same as whole columns
 * within noise here (4,096: 5-9 % slower, the recomputed spans), the
 * per-row growth being the 184 output bytes a row written to memory
 * (docs/performance.md, issue 21); 65,536 measured best. */
#define PGF_FEATURE_BLOCK 65536

/* The most rows a rolling kernel's restart span (max(PGF_ROLL_BLOCK, w))
 * may hold for pg_features to work in row blocks; a wider window makes it
 * go column by column (the blocked driver saves that many rows on its
 * stack). */
#define PGF_FEATURE_MAX_SPAN 1024

/* pg_features with its checks done, in blocks of `block` rows (0 or >= n:
 * whole columns, one after another).  Every block size gives the same
 * bits (tests/property/test_feature_blocks.c). */
void pgf_features_run(const pg_features_config *cfg, const pg_ohlcv *in, double *out, size_t block);

/* alpha of ewm(span=s): 1/(1 + (s-1)/2), as pandas computes it. */
double pgf_alpha_from_span(double span);

/* alpha of ewm(alpha=a) after pandas' round trip through the centre of
 * mass: 1/(1 + (1-a)/a).  Can differ from a by an ulp. */
double pgf_alpha_from_alpha(double a);

/* ewm(adjust=False, ignore_na=False) mean with the given alpha. */
void pgf_ema_run(const double *x, size_t n, double alpha, size_t min_periods, double *out);

/* Rows t .. n-1 of pgf_ema_run, from the state *s has after row t-1
 * (t == 0: starts it); leaves the state after row n-1 in *s.  Running a
 * series in consecutive spans gives pgf_ema_run's bits. */
void pgf_ema_span(const double *x, size_t t, size_t n, double alpha, size_t min_periods,
                  ema_state *s, double *out);

/* Up to PGF_EMA_MULTI_MAX EWMs of one series in one pass, each column
 * bit-identical to pgf_ema_run's. */
#define PGF_EMA_MULTI_MAX 4
void pgf_ema_multi_run(const double *x, size_t n, size_t k, const double *alpha,
                       const size_t *min_periods, double *const *out);

/* Rows t .. n-1 of pgf_ema_multi_run (K <= PGF_EMA_MULTI_MAX), carrying
 * the K states in s as pgf_ema_span does. */
void pgf_ema_multi_span(const double *x, size_t t, size_t n, size_t K, const double *alpha,
                        const size_t *min_periods, ema_state *s, double *const *out);

/* The same EWM as a vectorised scan (pg_ema_scan): within 1e-12 relative,
 * not bit-exact. */
void pgf_ema_scan_run(const double *x, size_t n, double alpha, size_t min_periods, double *out);

/* _rsi over window w. */
void pgf_rsi_run(const double *price, size_t n, size_t w, double *out);

/* Rows t .. n-1 of pgf_rsi_run, carrying the gain and loss averages. */
void pgf_rsi_span(const double *price, size_t t, size_t n, size_t w, ema_state *gain,
                  ema_state *loss, double *out);

/* MACD's three EWMs between spans. */
typedef struct pgf_macd_state {
    ema_state fast, slow, signal;
} pgf_macd_state;

/* MACD; ema_fast / ema_slow may be NULL. */
void pgf_macd_run(const double *price, size_t n, size_t fast, size_t slow, size_t signal,
                  double *ema_fast, double *ema_slow, double *macd, double *macd_signal,
                  double *histogram);

/* Rows t .. n-1 of pgf_macd_run, carrying the three EWMs in *st. */
void pgf_macd_span(const double *price, size_t t, size_t n, size_t fast, size_t slow, size_t signal,
                   pgf_macd_state *st, double *ema_fast, double *ema_slow, double *macd,
                   double *macd_signal, double *histogram);

/* return_1 (pct_change, pad fill). */
void pgf_return_1_run(const double *price, size_t n, double *out);

/* Rolling mean / sample std (min_periods = w) of x. out must not alias x. */
void pgf_rolling_mean_run(const double *x, size_t n, size_t w, double *out);
void pgf_rolling_std_run(const double *x, size_t n, size_t w, double *out);

/* Rolling std of return_1 computed on the fly from the price. */
void pgf_volatility_run(const double *price, size_t n, size_t w, double *out);

/* (v - mean_w(v)) / std_w(v). */
void pgf_volume_z_run(const double *v, size_t n, size_t w, double *out);

void pgf_price_range_run(const double *high, const double *low, size_t n, double *out);
void pgf_log_volume_run(const double *v, size_t n, double *out);
void pgf_queue_imbalance_run(const double *bid, const double *ask, size_t n, double *out);

/* Kyle's lambda (hasbrouck = 0) or Hasbrouck's measure (hasbrouck = 1). */
void pgf_micro_run(const double *ret, const double *q, size_t n, size_t w, int hasbrouck,
                   double *out);

/* Both in one pass (pg_features): same bits as two pgf_micro_run calls
 * unless two neighbouring q differ while their sign(q) sqrt|q| are equal
 * (then Kyle's column may differ in the last bits, within tolerance). */
void pgf_micro_pair_run(const double *ret, const double *q, size_t n, size_t w, double *kyle,
                        double *hasbrouck);

/* compute_phase's last step (atan2_simd.c): out[t] = atan2(h[t]*scale,
 * x'[t]) with x' = x where finite, else 0; vectorised, within 4.5e-16 of
 * libm.  The float32 form scales h in float, takes x in float and rounds
 * the angle to float (TradePulse's float32 path). */
void pgf_phase_atan2_f64(const double *h, double scale, const double *x, size_t n, double *out);
void pgf_phase_atan2_f32(const float *h, float scale, const double *x, size_t n, double *out);

#endif
