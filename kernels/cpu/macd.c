/*
 * macd.c - TradePulse's MACD bit for bit (KERNELS.md section 1, "MACD"):
 * the fast and the slow EWM of the price (ewm.h, min_periods 1), macd =
 * fast - slow, the signal EWM of macd and histogram = macd - signal.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "ewm.h"
#include "features_internal.h"
#include "isa.h"
#include "pg_kernels.h"
#include "simd4.h"

/* MACD's fast path: all three EWMs valid with weight 1 and a run of finite
 * prices (and finite macd values).  The three chains step one row at a time
 * as pandas does (the signal reads this row's macd, so the CPU overlaps
 * them), four rows a group.  The per-row finiteness tests are replaced by
 * one vector test a group: while every price and the three states are
 * within +-1e300, each EWM is a convex combination of such values (its
 * weights sum to exactly 1 here) and stays within 1e300 (1 + 2^-52)^rows,
 * so macd, signal and histogram are finite without being tested.  Rows
 * where that does not hold go the tested way, one at a time. */
#define MACD_SAFE 1e300

/* Rows t .. end-1 with the finiteness tests, stopping before a non-finite
 * price or macd; returns the row reached. */
PGF_INLINE size_t macd_rows_tested(const double *price, size_t end, size_t t, double *fyp,
                                   double *syp, double *gyp, double af, double of, double as,
                                   double os, double ag, double og, double *ema_fast,
                                   double *ema_slow, double *macd, double *macd_signal,
                                   double *histogram, int with_emas)
{
    double fy = *fyp, sy = *syp, gy = *gyp;
    for (; t < end; t++) {
        double c = price[t];
        if (!isfinite(c))
            break;
        double nf = ema_upd(fy, c, af, of, 1.0, 0);
        double ns = ema_upd(sy, c, as, os, 1.0, 0);
        double m = nf - ns;
        if (!isfinite(m))
            break;
        fy = nf;
        sy = ns;
        gy = ema_upd(gy, m, ag, og, 1.0, 0);
        if (with_emas) {
            ema_fast[t] = fy;
            ema_slow[t] = sy;
        }
        macd[t] = m;
        macd_signal[t] = gy;
        histogram[t] = m - gy;
    }
    *fyp = fy;
    *syp = sy;
    *gyp = gy;
    return t;
}

PGF_INLINE size_t macd_fast_body(const double *price, size_t n, size_t t, ema_state *f,
                                 ema_state *s, ema_state *g, double af, double of, double as,
                                 double os, double ag, double og, double *ema_fast,
                                 double *ema_slow, double *macd, double *macd_signal,
                                 double *histogram, int with_emas)
{
    double fy = f->y, sy = s->y, gy = g->y;
    size_t t0 = t;
    const pgf_v4d lim = pgf_bcast(MACD_SAFE);
    const pgf_v4i absmask = { INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX };
    for (;;) {
        if (!(fabs(fy) <= MACD_SAFE && fabs(sy) <= MACD_SAFE && fabs(gy) <= 2.0 * MACD_SAFE))
            goto tested;
        for (; n - t >= 4; t += 4) {
            pgf_v4d c4 = pgf_load4(price + t);
            pgf_v4d a4 = (pgf_v4d)((pgf_v4i)c4 & absmask);
            if (pgf_any(~(a4 <= lim)))
                break;
            for (int k = 0; k < 4; k++) {
                double c = price[t + k];
                fy = ema_upd(fy, c, af, of, 1.0, 0);
                sy = ema_upd(sy, c, as, os, 1.0, 0);
                double m = fy - sy;
                gy = ema_upd(gy, m, ag, og, 1.0, 0);
                if (with_emas) {
                    ema_fast[t + k] = fy;
                    ema_slow[t + k] = sy;
                }
                macd[t + k] = m;
                macd_signal[t + k] = gy;
                histogram[t + k] = m - gy;
            }
        }
    tested:;
        /* Up to four rows tested one at a time, then groups again. */
        size_t end = n - t < 4 ? n : t + 4;
        size_t t1 = t;
        t = macd_rows_tested(price, end, t, &fy, &sy, &gy, af, of, as, os, ag, og, ema_fast,
                             ema_slow, macd, macd_signal, histogram, with_emas);
        if (t < end || t == n || t == t1)
            break;
    }
    f->y = fy;
    s->y = sy;
    g->y = gy;
    f->k += t - t0;
    s->k += t - t0;
    g->k += t - t0;
    return t;
}

/* The fast path in each level's build (AVX-512 runs the AVX2 one), with
 * the two EMA columns written or not. */
PGF_INLINE size_t macd_fast_level(int isa, const double *price, size_t n, size_t t, ema_state *f,
                                  ema_state *s, ema_state *g, double af, double of, double as,
                                  double os, double ag, double og, double *ema_fast,
                                  double *ema_slow, double *macd, double *macd_signal,
                                  double *histogram)
{
    (void)isa;
    if (ema_fast != NULL && ema_slow != NULL)
        return macd_fast_body(price, n, t, f, s, g, af, of, as, os, ag, og, ema_fast, ema_slow,
                              macd, macd_signal, histogram, 1);
    return macd_fast_body(price, n, t, f, s, g, af, of, as, os, ag, og, NULL, NULL, macd,
                          macd_signal, histogram, 0);
}

PG_ISA_CLONES(AVX2, size_t, macd_fast,
              (const double *price, size_t n, size_t t, ema_state *f, ema_state *s, ema_state *g,
               double af, double of, double as, double os, double ag, double og, double *ema_fast,
               double *ema_slow, double *macd, double *macd_signal, double *histogram),
              macd_fast_level,
              (price, n, t, f, s, g, af, of, as, os, ag, og, ema_fast, ema_slow, macd, macd_signal,
               histogram));

/* Row t of the five columns from the states after row t. */
static inline void macd_write(size_t t, const ema_state *f, const ema_state *s, const ema_state *g,
                              double m, double *ema_fast, double *ema_slow, double *macd,
                              double *macd_signal, double *histogram)
{
    double gv = ema_value(g, 1);
    if (ema_fast)
        ema_fast[t] = ema_value(f, 1);
    if (ema_slow)
        ema_slow[t] = ema_value(s, 1);
    macd[t] = m;
    macd_signal[t] = gv;
    histogram[t] = m - gv;
}

void pgf_macd_span(const double *price, size_t t, size_t n, size_t fast, size_t slow, size_t signal,
                   pgf_macd_state *st, double *ema_fast, double *ema_slow, double *macd,
                   double *macd_signal, double *histogram)
{
    if (t >= n)
        return;
    const double af = pgf_alpha_from_span((double)fast), of = 1.0 - af;
    const double as = pgf_alpha_from_span((double)slow), os = 1.0 - as;
    const double ag = pgf_alpha_from_span((double)signal), og = 1.0 - ag;
    /* The fast path skips the division: only when (1-a)+a is exactly 1. */
    const int no_div = of + af == 1.0 && os + as == 1.0 && og + ag == 1.0;
    const int isa = pg_isa();
    ema_state f = st->fast, s = st->slow, g = st->signal;
    if (t == 0) {
        ema_init(&f, price[0]);
        ema_init(&s, price[0]);
        double m = ema_value(&f, 1) - ema_value(&s, 1);
        ema_init(&g, m);
        macd_write(0, &f, &s, &g, m, ema_fast, ema_slow, macd, macd_signal, histogram);
        t = 1;
    }
    while (t < n) {
        /* Row t, from the states after row t-1. */
        if (no_div && f.y == f.y && s.y == s.y && g.y == g.y && f.w == 1.0 && s.w == 1.0 &&
            g.w == 1.0) {
            /* Rows t .. u-1 are written; step the general way from u. */
            t = macd_fast[isa](price, n, t, &f, &s, &g, af, of, as, os, ag, og, ema_fast, ema_slow,
                               macd, macd_signal, histogram);
            if (t == n)
                break;
        }
        /* Three independent chains per row: the CPU overlaps them. */
        ema_step(&f, price[t], af, of);
        ema_step(&s, price[t], as, os);
        double m = ema_value(&f, 1) - ema_value(&s, 1);
        ema_step(&g, m, ag, og);
        macd_write(t, &f, &s, &g, m, ema_fast, ema_slow, macd, macd_signal, histogram);
        t++;
    }
    st->fast = f;
    st->slow = s;
    st->signal = g;
}

void pgf_macd_run(const double *price, size_t n, size_t fast, size_t slow, size_t signal,
                  double *ema_fast, double *ema_slow, double *macd, double *macd_signal,
                  double *histogram)
{
    pgf_macd_state st = { { NAN, 1.0, 0 }, { NAN, 1.0, 0 }, { NAN, 1.0, 0 } };
    pgf_macd_span(price, 0, n, fast, slow, signal, &st, ema_fast, ema_slow, macd, macd_signal,
                  histogram);
}

int pg_macd(const double *price, size_t n, size_t fast, size_t slow, size_t signal,
            double *ema_fast, double *ema_slow, double *macd, double *macd_signal,
            double *histogram)
{
    if (fast < 1 || slow < 1 || signal < 1)
        return PG_EINVAL;
    if (n > 0 && (price == NULL || macd == NULL || macd_signal == NULL || histogram == NULL))
        return PG_EINVAL;
    pgf_macd_run(price, n, fast, slow, signal, ema_fast, ema_slow, macd, macd_signal, histogram);
    return PG_OK;
}
