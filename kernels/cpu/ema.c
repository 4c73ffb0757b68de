/*
 * ema.c - pandas' ewm(adjust=False, ignore_na=False).mean() bit for bit
 * (KERNELS.md section 1, "EMA"): pg_ema, pg_ema_alpha, and the pass of
 * several EWMs of one series that pg_features' ema_w columns take.
 *
 * The recurrence is the one in pandas' ewma() (ewm.h): state y, weight w,
 * count k.  The update keeps the division (w*y + a*c) / (w + a): (1-a) + a
 * is not always exactly 1 in floating point, and the golden files are
 * bit-exact.  When it is exactly 1 the division is an identity and is
 * skipped; when it is not, it is kept.  Either way the result is the same
 * bits.
 *
 * Assumes IEEE double without contraction (the CMake file builds kernels
 * with -ffp-contract=off and no fast-math).
 */
#include <math.h>
#include <stddef.h>

#include "ewm.h"
#include "features_internal.h"
#include "pg_kernels.h"
#include "simd4.h"

double pgf_alpha_from_span(double span)
{
    /* pandas get_center_of_mass: comass = (span - 1) / 2, alpha = 1/(1+comass) */
    double comass = (span - 1.0) / 2.0;
    return 1.0 / (1.0 + comass);
}

double pgf_alpha_from_alpha(double a)
{
    double comass = (1.0 - a) / a;
    return 1.0 / (1.0 + comass);
}

void pgf_ema_span(const double *x, size_t t, size_t end, double alpha, size_t min_periods,
                  ema_state *st, double *out)
{
    const double omf = 1.0 - alpha;
    const double den = omf + alpha; /* w + alpha once w has been reset to 1 */
    ema_state s = *st;
    if (t == 0 && t < end) {
        ema_init(&s, x[0]);
        out[0] = ema_value(&s, min_periods);
        t = 1;
    }
    while (t < end) {
        if (s.y == s.y && s.w == 1.0) {
            /* Fast path: a run of valid inputs after a valid state.  The
             * weight is reset to 1 at every step, so w*omf == omf exactly and
             * the update is (omf*y + alpha*c) / den with den constant. */
            double y = s.y;
            size_t k = s.k;
            if (den == 1.0) {
                for (; t < end && isfinite(x[t]); t++) {
                    double c = x[t];
                    if (y != c)
                        y = omf * y + alpha * c;
                    k++;
                    out[t] = k >= min_periods ? y : NAN;
                }
            } else {
                for (; t < end && isfinite(x[t]); t++) {
                    double c = x[t];
                    if (y != c)
                        y = (omf * y + alpha * c) / den;
                    k++;
                    out[t] = k >= min_periods ? y : NAN;
                }
            }
            s.y = y;
            s.k = k;
            if (t == end)
                break;
        }
        ema_step(&s, x[t], alpha, omf);
        out[t] = ema_value(&s, min_periods);
        t++;
    }
    *st = s;
}

void pgf_ema_run(const double *x, size_t n, double alpha, size_t min_periods, double *out)
{
    ema_state s = { NAN, 1.0, 0 };
    pgf_ema_span(x, 0, n, alpha, min_periods, &s, out);
}

/* Several EWMs of one series in one pass (pg_features' ema_w columns): on
 * a chunk of finite inputs where every chain is valid with weight 1 the
 * chains step together, one row at a time, so their latencies overlap; any
 * other chunk steps each chain the general way.  Both are pgf_ema_run's
 * operations in its order, so each column is bit-identical to it. */
#define EMA_MULTI_CHUNK 128

PGF_INLINE void ema_multi_fast(const double *x, size_t t, size_t end, size_t K, ema_state *s,
                               const double *alpha, const double *omf, const size_t *mp,
                               double *const *out)
{
    double y[PGF_EMA_MULTI_MAX];
    for (size_t c = 0; c < K; c++)
        y[c] = s[c].y;
    size_t k0 = s[0].k;
    for (size_t i = t; i < end; i++) {
        double v = x[i];
        size_t kk = k0 + (i - t) + 1;
        for (size_t c = 0; c < K; c++) {
            double u = omf[c] * y[c] + alpha[c] * v;
            y[c] = y[c] != v ? u : y[c];
            out[c][i] = kk >= mp[c] ? y[c] : NAN;
        }
    }
    for (size_t c = 0; c < K; c++) {
        s[c].y = y[c];
        s[c].k += end - t;
    }
}

void pgf_ema_multi_span(const double *x, size_t t, size_t n, size_t K, const double *alpha,
                        const size_t *min_periods, ema_state *s, double *const *out)
{
    if (t >= n || K == 0)
        return;
    double omf[PGF_EMA_MULTI_MAX];
    int all_unit = K <= PGF_EMA_MULTI_MAX;
    for (size_t c = 0; c < K && all_unit; c++) {
        omf[c] = 1.0 - alpha[c];
        all_unit = omf[c] + alpha[c] == 1.0;
    }
    if (!all_unit) {
        /* (1-a)+a != 1 keeps a division: one chain at a time. */
        for (size_t c = 0; c < K; c++)
            pgf_ema_span(x, t, n, alpha[c], min_periods[c], &s[c], out[c]);
        return;
    }
    if (t == 0) {
        for (size_t c = 0; c < K; c++) {
            ema_init(&s[c], x[0]);
            out[c][0] = ema_value(&s[c], min_periods[c]);
        }
        t = 1;
    }
    while (t < n) {
        size_t end = n - t < EMA_MULTI_CHUNK ? n : t + EMA_MULTI_CHUNK;
        int fast = 1;
        for (size_t c = 0; c < K; c++)
            fast &= s[c].y == s[c].y && s[c].w == 1.0 && s[c].k == s[0].k;
        if (fast) {
            double f = 0.0;
            for (size_t i = t; i < end; i++)
                f += x[i] * 0.0; /* NaN unless all finite */
            fast = f == 0.0;
        }
        if (fast) {
            switch (K) {
            case 1: ema_multi_fast(x, t, end, 1, s, alpha, omf, min_periods, out); break;
            case 2: ema_multi_fast(x, t, end, 2, s, alpha, omf, min_periods, out); break;
            case 3: ema_multi_fast(x, t, end, 3, s, alpha, omf, min_periods, out); break;
            default: ema_multi_fast(x, t, end, 4, s, alpha, omf, min_periods, out); break;
            }
        } else {
            for (size_t i = t; i < end; i++)
                for (size_t c = 0; c < K; c++) {
                    ema_step(&s[c], x[i], alpha[c], omf[c]);
                    out[c][i] = ema_value(&s[c], min_periods[c]);
                }
        }
        t = end;
    }
}

void pgf_ema_multi_run(const double *x, size_t n, size_t K, const double *alpha,
                       const size_t *min_periods, double *const *out)
{
    if (K > PGF_EMA_MULTI_MAX) {
        for (size_t c = 0; c < K; c++)
            pgf_ema_run(x, n, alpha[c], min_periods[c], out[c]);
        return;
    }
    ema_state s[PGF_EMA_MULTI_MAX] = { { NAN, 1.0, 0 } };
    pgf_ema_multi_span(x, 0, n, K, alpha, min_periods, s, out);
}

int pg_ema_alpha(const double *x, size_t n, double alpha, size_t min_periods, double *out)
{
    if (!(alpha > 0.0 && alpha <= 1.0))
        return PG_EINVAL;
    if (n > 0 && (x == NULL || out == NULL))
        return PG_EINVAL;
    pgf_ema_run(x, n, alpha, min_periods, out);
    return PG_OK;
}

int pg_ema(const double *x, size_t n, double span, size_t min_periods, double *out)
{
    if (!(span >= 1.0) || !isfinite(span))
        return PG_EINVAL;
    return pg_ema_alpha(x, n, pgf_alpha_from_span(span), min_periods, out);
}
