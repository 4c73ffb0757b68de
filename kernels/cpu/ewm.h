/*
 * ewm.h - one step of pandas' ewma() for adjust=False, ignore_na=False
 * (KERNELS.md section 1, "EMA"), the recurrence every EWM kernel takes on
 * its general path: ema.c, ema_scan.c, rsi.c, macd.c, macd_scan.c.
 * kernels/cpu only.
 *
 * State y, weight w, count k.  The update keeps the division
 * (w*y + a*c) / (w + a): (1-a) + a is not always exactly 1 in floating
 * point, and the golden files are bit-exact.
 */
#ifndef PG_EWM_H
#define PG_EWM_H

#include <math.h>
#include <stddef.h>

/* One EWM accumulator.  y is NaN until the first valid input. */
typedef struct ema_state {
    double y;
    double w;
    size_t k;
} ema_state;

static inline void ema_init(ema_state *s, double x0)
{
    int v = isfinite(x0) != 0;
    s->y = v ? x0 : NAN;
    s->w = 1.0;
    s->k = (size_t)v;
}

/* pandas ewma() inner step for adjust=False, ignore_na=False. */
static inline void ema_step(ema_state *s, double c, double alpha, double omf)
{
    int v = isfinite(c) != 0;
    s->k += (size_t)v;
    if (s->y == s->y) {
        s->w *= omf;
        if (v) {
            if (s->y != c)
                s->y = (s->w * s->y + alpha * c) / (s->w + alpha);
            s->w = 1.0;
        }
    } else if (v) {
        s->y = c;
    }
}

static inline double ema_value(const ema_state *s, size_t min_periods)
{
    return s->k >= min_periods ? s->y : NAN;
}

/* y <- the update unless y == c.  Written as a select; GCC keeps the
 * compare as a branch that the data never flips in practice (y == c only
 * on a flat stretch), which measured faster than a lane-wise blend
 * (docs/performance.md).  den == 1: no division. */
static inline double ema_upd(double y, double c, double alpha, double omf, double den, int divide)
{
    double u = omf * y + alpha * c;
    if (divide)
        u = u / den;
    return y != c ? u : y;
}

#endif
