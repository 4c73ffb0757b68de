/*
 * features_internal.h - private helpers of the feature-pipeline kernels
 * (KERNELS.md section 1), shared by kernels/cpu/{ema,rolling,micro,features}.c.
 *
 * The pgf_*_run functions do the work without validating anything: the
 * public pg_* wrappers check their arguments once, and pg_features checks
 * the whole configuration once and then calls these directly, so a frame is
 * validated a single time.  None of them allocates.
 */
#ifndef PG_FEATURES_INTERNAL_H
#define PG_FEATURES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isa.h"

/* Rolling kernels restart their running sums from scratch at every multiple
 * of this many rows (or of the window, if larger).  That bounds the rounding
 * drift of add/remove updates to one block, costs at most one extra pass,
 * and, because the restart rows are absolute, makes the output at row i
 * independent of n (a prefix of the input gives a prefix of the output). */
#define PGF_ROLL_BLOCK 256

/* alpha of ewm(span=s): 1/(1 + (s-1)/2), as pandas computes it. */
double pgf_alpha_from_span(double span);

/* alpha of ewm(alpha=a) after pandas' round trip through the centre of
 * mass: 1/(1 + (1-a)/a).  Can differ from a by an ulp. */
double pgf_alpha_from_alpha(double a);

/* ewm(adjust=False, ignore_na=False) mean with the given alpha. */
void pgf_ema_run(const double *x, size_t n, double alpha, size_t min_periods, double *out);

/* Up to PGF_EMA_MULTI_MAX EWMs of one series in one pass, each column
 * bit-identical to pgf_ema_run's. */
#define PGF_EMA_MULTI_MAX 4
void pgf_ema_multi_run(const double *x, size_t n, size_t k, const double *alpha,
                       const size_t *min_periods, double *const *out);

/* The same EWM as a vectorised scan (pg_ema_scan): within 1e-12 relative,
 * not bit-exact. */
void pgf_ema_scan_run(const double *x, size_t n, double alpha, size_t min_periods,
                      double *out);

/* _rsi over window w. */
void pgf_rsi_run(const double *price, size_t n, size_t w, double *out);

/* MACD; ema_fast / ema_slow may be NULL. */
void pgf_macd_run(const double *price, size_t n, size_t fast, size_t slow, size_t signal,
                  double *ema_fast, double *ema_slow, double *macd, double *macd_signal,
                  double *histogram);

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
void pgf_phase_atan2_f64(const double *h, double scale, const double *x, size_t n,
                         double *out);
void pgf_phase_atan2_f32(const float *h, float scale, const double *x, size_t n, double *out);

/* ---------------------------------------------------------------------- */
/* Four-lane vectors for the fast paths                                    */
/* ---------------------------------------------------------------------- */

/* The fast paths work on four rows at a time with GCC vector extensions.
 * The logical width is always four doubles, whatever the ISA: a build for
 * plain x86-64 (SSE2) runs each as two halves, an AVX2 clone (chosen by
 * pg_isa(), isa.h) as one register.  Both do the same IEEE operations
 * in the same order (no FMA: -ffp-contract=off), so the two give the same
 * bits; tests/unit/test_features.c checks that on random inputs. */
/* The helpers are static inline: GCC's AVX argument-passing note (-Wpsabi)
 * is moot, and files outside the -Wno-psabi list include this one too. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef double pgf_v4d __attribute__((vector_size(32)));
typedef int64_t pgf_v4i __attribute__((vector_size(32)));

static inline pgf_v4d pgf_load4(const double *p)
{
    pgf_v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The first m (1..4) values of p, zeros after them. */
static inline pgf_v4d pgf_load4_part(const double *p, size_t m)
{
    pgf_v4d v = { 0.0, 0.0, 0.0, 0.0 };
    if (m >= 4)
        return pgf_load4(p);
    for (size_t k = 0; k < m; k++)
        v[k] = p[k];
    return v;
}

static inline void pgf_store4_part(double *p, pgf_v4d v, size_t m)
{
    if (m >= 4) {
        memcpy(p, &v, sizeof v);
        return;
    }
    for (size_t k = 0; k < m; k++)
        p[k] = v[k];
}

static inline pgf_v4d pgf_bcast(double x)
{
    return (pgf_v4d){ x, x, x, x };
}

/* Inclusive prefix sum of the lanes: lane k = d0 + ... + dk (two steps).
 * Lane k depends only on lanes 0..k, so zero padding past the end of the
 * data leaves the lanes before it unchanged (the prefix property). */
static inline pgf_v4d pgf_scan4(pgf_v4d d)
{
    const pgf_v4d z = { 0.0, 0.0, 0.0, 0.0 };
    /* __builtin_shufflevector: clang's, and GCC's since 12 (GCC's older
     * __builtin_shuffle does not exist in clang, the fuzz build's compiler). */
    d += __builtin_shufflevector(z, d, 0, 4, 5, 6);
    d += __builtin_shufflevector(z, d, 0, 1, 4, 5);
    return d;
}

/* Lane-wise mask ? a : b (mask lanes all ones or all zeros). */
static inline pgf_v4d pgf_select(pgf_v4i mask, pgf_v4d a, pgf_v4d b)
{
    return (pgf_v4d)((mask & (pgf_v4i)a) | (~mask & (pgf_v4i)b));
}

static inline int pgf_any(pgf_v4i m)
{
    return (m[0] | m[1] | m[2] | m[3]) != 0;
}

#define PGF_INLINE static inline __attribute__((always_inline))

#endif
