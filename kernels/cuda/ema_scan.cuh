/*
 * ema_scan.cuh - the EWM recurrence of pandas (adjust=False,
 * ignore_na=False; KERNELS.md section 1 "EMA") split into chunks for a
 * parallel scan.  __host__ __device__ so that the pieces can be checked on
 * a machine without a GPU.
 *
 * The state between inputs is (y, w, k): the average, the weight of y and
 * the count of valid inputs.  A chunk maps an entry state to an exit state;
 * that map has a closed form that composes:
 *   - before its first valid input c0 the chunk only decays w (when y is
 *     valid); at c0 the weight is w_in * lead_w, lead_w = (1-a)^(lead+1),
 *     and y1 = (w y + a c0) / (w + a) (or c0 when y is NaN);
 *   - after c0 each valid input is an affine step y <- (w y + a c)/(w + a)
 *     with w = 1 * (1-a)^(gap+1) known inside the chunk, so the rest of the
 *     chunk is y_out = A y1 + B;
 *   - w_out = tail_w = (1-a)^(NaNs after the last valid), or w_in times
 *     (1-a)^len for a chunk with no valid input (when y is valid).
 * Composition (ema_combine) keeps that form, so CUB's scan gives every
 * chunk its entry state; the chunk then re-runs the exact recurrence from
 * it (ema_step, the CPU's), so outputs differ from the CPU's only through
 * the rounding of the entry state (a few ulps).
 *
 * The pandas shortcut "y stays when y == c" is an identity up to rounding
 * in the affine form and is kept exactly in the re-run.
 */
#ifndef PG_CUDA_EMA_SCAN_CUH
#define PG_CUDA_EMA_SCAN_CUH

#include <math.h>

#ifndef __CUDACC__
#define __host__
#define __device__
#define __forceinline__ inline
#endif

/* Input modes: the raw series, or RSI's gain / loss of its differences. */
enum { EMA_RAW = 0, EMA_GAIN = 1, EMA_LOSS = 2 };

typedef struct ema_sum {
    double A, B;   /* y_out = A * y1 + B (has_valid) */
    double c0;     /* first valid input (has_valid) */
    double lead_w; /* (1-a)^(lead+1), lead = inputs before c0 */
    double tail_w; /* has_valid: (1-a)^(trailing NaNs); else (1-a)^len */
    long long cnt; /* valid inputs */
    int has_valid;
} ema_sum;

typedef struct ema_state {
    double y, w;
    long long k;
} ema_state;

__host__ __device__ __forceinline__ int ema_finite(double v)
{
    return v - v == 0.0; /* false for NaN and +-inf */
}

/* Input t of the series in mode `mode` (x is the price for GAIN / LOSS). */
__host__ __device__ __forceinline__ double ema_input(const double *x, long long t, int mode)
{
    if (mode == EMA_RAW)
        return x[t];
    if (t == 0)
        return NAN; /* d_0 is NaN */
    double d = x[t] - x[t - 1];
    if (mode == EMA_GAIN)
        return d > 0.0 ? d : (d != d ? d : 0.0);
    return d < 0.0 ? -d : (d != d ? d : 0.0);
}

__host__ __device__ __forceinline__ ema_sum ema_identity(void)
{
    ema_sum s;
    s.A = 1.0;
    s.B = 0.0;
    s.c0 = 0.0;
    s.lead_w = 1.0;
    s.tail_w = 1.0;
    s.cnt = 0;
    s.has_valid = 0;
    return s;
}

/* The map of inputs [t0, t1). */
/* Inputs a thread loads ahead of the recurrence: a chunk's loads are
 * independent of its chain, so issuing EMA_AHEAD of them at once hides the
 * memory latency that one strided load a step would pay (each thread walks
 * its own chunk, so a warp's loads do not coalesce). */
#define EMA_AHEAD 16

#ifdef __CUDA_ARCH__
#define EMA_UNROLL _Pragma("unroll")
#else
#define EMA_UNROLL
#endif

/* Inputs [t, t + EMA_AHEAD) clipped to t1 into c (zero past t1). */
__host__ __device__ __forceinline__ void ema_load_ahead(const double *x, long long t, long long t1,
                                                        int mode, double *c)
{
    EMA_UNROLL
    for (int q = 0; q < EMA_AHEAD; q++)
        c[q] = t + q < t1 ? ema_input(x, t + q, mode) : 0.0;
}

/* One input of a chunk's summary; wl is (1-a)^(NaNs since the last valid). */
__host__ __device__ __forceinline__ void ema_summarise_step(ema_sum *s, double *wl, double c,
                                                            double alpha, double omf)
{
    if (!ema_finite(c)) {
        if (s->has_valid) {
            *wl *= omf;
        } else {
            s->lead_w *= omf;
            s->tail_w *= omf;
        }
        return;
    }
    s->cnt++;
    if (!s->has_valid) {
        s->has_valid = 1;
        s->c0 = c;
    } else {
        double w = *wl * omf;
        double d = w + alpha;
        double a = w / d;
        double b = alpha * c / d;
        s->A = a * s->A;
        s->B = a * s->B + b;
    }
    *wl = 1.0;
}

__host__ __device__ __forceinline__ ema_sum ema_summarise(const double *x, long long t0,
                                                          long long t1, int mode, double alpha,
                                                          double omf)
{
    ema_sum s = ema_identity();
    s.lead_w = omf;
    double wl = 1.0;
    for (long long t = t0; t < t1; t += EMA_AHEAD) {
        double c[EMA_AHEAD];
        ema_load_ahead(x, t, t1, mode, c);
        EMA_UNROLL
        for (int q = 0; q < EMA_AHEAD; q++)
            if (t + q < t1)
                ema_summarise_step(&s, &wl, c[q], alpha, omf);
    }
    if (s.has_valid)
        s.tail_w = wl;
    return s;
}

/* The map of p (earlier) followed by q (later). */
__host__ __device__ __forceinline__ ema_sum ema_combine(const ema_sum p, const ema_sum q,
                                                        double alpha)
{
    ema_sum r;
    r.cnt = p.cnt + q.cnt;
    if (!p.has_valid) {
        r = q;
        r.cnt = p.cnt + q.cnt;
        if (q.has_valid)
            r.lead_w = p.tail_w * q.lead_w;
        else
            r.tail_w = p.tail_w * q.tail_w;
        return r;
    }
    r = p;
    r.cnt = p.cnt + q.cnt;
    if (!q.has_valid) {
        r.tail_w = p.tail_w * q.tail_w;
        return r;
    }
    double w = p.tail_w * q.lead_w;
    double d = w + alpha;
    double a1 = w / d;
    double b1 = alpha * q.c0 / d;
    r.A = q.A * a1 * p.A;
    r.B = q.A * (a1 * p.B + b1) + q.B;
    r.tail_w = q.tail_w;
    return r;
}

/* The state after the prefix p, from the series' start (y NaN, w 1). */
__host__ __device__ __forceinline__ ema_state ema_entry(const ema_sum p)
{
    ema_state s;
    s.k = p.cnt;
    if (p.has_valid) {
        s.y = p.A * p.c0 + p.B;
        s.w = p.tail_w;
    } else {
        s.y = NAN;
        s.w = 1.0;
    }
    return s;
}

/* pandas ewma() inner step, exactly the CPU kernel's. */
__host__ __device__ __forceinline__ void ema_step(ema_state *s, double c, double alpha, double omf)
{
    int v = ema_finite(c);
    s->k += v;
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

/* Re-runs inputs [t0, t1) from state s, writing y (or NaN below
 * min_periods) to out. */
__host__ __device__ __forceinline__ void ema_rerun(const double *x, long long t0, long long t1,
                                                   int mode, double alpha, double omf,
                                                   long long min_periods, ema_state s, double *out)
{
    for (long long t = t0; t < t1; t += EMA_AHEAD) {
        double c[EMA_AHEAD];
        ema_load_ahead(x, t, t1, mode, c);
        EMA_UNROLL
        for (int q = 0; q < EMA_AHEAD; q++)
            if (t + q < t1) {
                ema_step(&s, c[q], alpha, omf);
                out[t + q] = s.k >= min_periods ? s.y : NAN;
            }
    }
}

#endif
