/*
 * atan2_simd.c - atan2 four lanes at a time, for compute_phase (phase.c).
 *
 * glibc's atan2 costs about 20 ns a call and was most of pg_phase's time
 * (not the FFT).  This is the Cephes atan (S. L. Moshier) made branch-free:
 *
 *   a = |y|, b = |x|; t = min(a,b)/max(a,b) in [0, 1];
 *   t <= 0.66: atan t = u + u z P(z)/Q(z), u = t, z = u^2;
 *   t >  0.66: atan t = pi/4 + (same with u = (min-max)/(min+max));
 *   then pi/2 - r when |y| > |x|, pi - r when x is negative (sign bit, so
 *   -0.0 counts), and the sign of y.
 * P/Q is Cephes' degree 4/5 rational approximation, relative error about
 * 1e-16 on [-0.66, 0.66]; the constants' rounding (pi/2, pi/4) is put back
 * with MOREBITS.  Measured against glibc: at most 4.5e-16 absolute (tests/
 * unit/test_features.c), far inside the golden rule (1e-12*S/amplitude).
 * The result is never above pi in magnitude: pi - r + 2*MOREBITS rounds to
 * at most the double pi.  Zeros and signs follow C's atan2: atan2(+-0, +0)
 * = +-0, atan2(+-0, -0) = +-pi, atan2(y, +-0) = +-pi/2.
 *
 * Lanes with a NaN, an infinity or a magnitude of 1e300 or more (where
 * min+max could overflow) go to libm's atan2 instead, one at a time.
 *
 * float32 (TradePulse's float32 phase): the float inputs are widened, the
 * double atan2 above is rounded to float, so the result is atan2f's to
 * within an ulp of float.
 *
 * Built for baseline x86-64 and for AVX2 (PG_ISA_CLONES, isa.h), chosen by
 * the process's level; both do the same IEEE operations in the same order
 * (no FMA: -ffp-contract=off), so they give the same bits.
 */
#include <math.h>
#include <stddef.h>

#include "features_internal.h"
#include "isa.h"
#include "simd4.h"

typedef float pgf_v4f __attribute__((vector_size(16)));

#define PIO2 1.57079632679489661923
#define PIO4 0.78539816339744830962
#define PI_D 3.14159265358979323846
#define MOREBITS 6.123233995736765886130e-17 /* pi/2 - PIO2 */

/* atan2(y, x) of four lanes whose magnitudes are finite and below 1e300. */
PGF_INLINE pgf_v4d atan2_v4(pgf_v4d y, pgf_v4d x)
{
    const pgf_v4i sgn = { INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN };
    const pgf_v4d zero = pgf_bcast(0.0), one = pgf_bcast(1.0);
    pgf_v4i xb = (pgf_v4i)x, yb = (pgf_v4i)y;
    pgf_v4d ax = (pgf_v4d)(xb & ~sgn), ay = (pgf_v4d)(yb & ~sgn);
    pgf_v4i swap = ay > ax;
    pgf_v4d num = pgf_select(swap, ax, ay), den = pgf_select(swap, ay, ax);
    pgf_v4i big = num > pgf_bcast(0.66) * den;
    pgf_v4d nn = pgf_select(big, num - den, num);
    pgf_v4d dd = pgf_select(big, num + den, den);
    dd = pgf_select(dd == zero, one, dd); /* 0/0 (both zero): t = 0 */
    pgf_v4d u = nn / dd;
    pgf_v4d z = u * u;
    pgf_v4d p = pgf_bcast(-8.750608600031904122785e-1);
    p = p * z + pgf_bcast(-1.615753718733365076637e1);
    p = p * z + pgf_bcast(-7.500855792314704667340e1);
    p = p * z + pgf_bcast(-1.228866684490136173410e2);
    p = p * z + pgf_bcast(-6.485021904942025371773e1);
    pgf_v4d q = z + pgf_bcast(2.485846490142306297962e1);
    q = q * z + pgf_bcast(1.650270098316988542046e2);
    q = q * z + pgf_bcast(4.328810604912902668951e2);
    q = q * z + pgf_bcast(4.853903996359136964868e2);
    q = q * z + pgf_bcast(1.945506571482613964425e2);
    pgf_v4d r = u * (z * p / q) + u;
    r = pgf_select(big, (r + pgf_bcast(0.5 * MOREBITS)) + pgf_bcast(PIO4), r);
    r = pgf_select(swap, (pgf_bcast(PIO2) - r) + pgf_bcast(MOREBITS), r);
    r = pgf_select(xb < (pgf_v4i){ 0, 0, 0, 0 }, (pgf_bcast(PI_D) - r) + pgf_bcast(2.0 * MOREBITS),
                   r);
    return (pgf_v4d)((pgf_v4i)r | (yb & sgn));
}

/* Whether every lane may take atan2_v4 (NaN fails the compare). */
PGF_INLINE int v4_ok(pgf_v4d y, pgf_v4d x)
{
    const pgf_v4d lim = pgf_bcast(1e300);
    pgf_v4i ok = (y < lim) & (y > -lim) & (x < lim) & (x > -lim);
    return (ok[0] & ok[1] & ok[2] & ok[3]) != 0;
}

/* x with NaN and +-inf as 0 (compute_phase's cleaning), lane-wise. */
PGF_INLINE pgf_v4d clean4(pgf_v4d x)
{
    return pgf_select(x * 0.0 == pgf_bcast(0.0), x, pgf_bcast(0.0));
}

/* out[t] = atan2(h[t]*scale, x'[t]) for t < n; returns n. */
PGF_INLINE size_t phase_f64_body(int isa, const double *h, double scale, const double *x, size_t n,
                                 double *out)
{
    (void)isa;
    const pgf_v4d s = pgf_bcast(scale);
    size_t t = 0;
    for (; t < n; t += 4) {
        size_t m = n - t < 4 ? n - t : 4;
        pgf_v4d hv = (m == 4 ? pgf_load4(h + t) : pgf_load4_part(h + t, m)) * s;
        pgf_v4d xv = clean4(m == 4 ? pgf_load4(x + t) : pgf_load4_part(x + t, m));
        pgf_v4d r;
        if (v4_ok(hv, xv)) {
            r = atan2_v4(hv, xv);
        } else {
            for (int k = 0; k < 4; k++)
                r[k] = atan2(hv[k], xv[k]);
        }
        if (m == 4)
            memcpy(out + t, &r, sizeof r);
        else
            pgf_store4_part(out + t, r, m);
    }
    return n;
}

/* The same in float32 (TradePulse's float32 path); returns n. */
PGF_INLINE size_t phase_f32_body(int isa, const float *h, float scale, const double *x, size_t n,
                                 double *out)
{
    (void)isa;
    const pgf_v4f s = { scale, scale, scale, scale };
    for (size_t t = 0; t < n; t += 4) {
        size_t m = n - t < 4 ? n - t : 4;
        pgf_v4f hf = { 0.0f, 0.0f, 0.0f, 0.0f };
        memcpy(&hf, h + t, m * sizeof(float));
        hf *= s; /* in float, as TradePulse's irfft scaling */
        pgf_v4d xd = m == 4 ? pgf_load4(x + t) : pgf_load4_part(x + t, m);
        /* The input in float32, non-finite (also after rounding) as 0. */
        pgf_v4d xv = clean4(__builtin_convertvector(__builtin_convertvector(xd, pgf_v4f), pgf_v4d));
        pgf_v4d hv = __builtin_convertvector(hf, pgf_v4d);
        pgf_v4d r;
        if (v4_ok(hv, xv)) {
            r = atan2_v4(hv, xv);
        } else {
            for (int k = 0; k < 4; k++)
                r[k] = atan2(hv[k], xv[k]);
        }
        r = __builtin_convertvector(__builtin_convertvector(r, pgf_v4f), pgf_v4d);
        if (m == 4)
            memcpy(out + t, &r, sizeof r);
        else
            pgf_store4_part(out + t, r, m);
    }
    return n;
}

PG_ISA_CLONES(AVX2, size_t, phase_f64,
              (const double *h, double scale, const double *x, size_t n, double *out),
              phase_f64_body, (h, scale, x, n, out));
PG_ISA_CLONES(AVX2, size_t, phase_f32,
              (const float *h, float scale, const double *x, size_t n, double *out), phase_f32_body,
              (h, scale, x, n, out));

void pgf_phase_atan2_f64(const double *h, double scale, const double *x, size_t n, double *out)
{
    phase_f64[pg_isa()](h, scale, x, n, out);
}

void pgf_phase_atan2_f32(const float *h, float scale, const double *x, size_t n, double *out)
{
    phase_f32[pg_isa()](h, scale, x, n, out);
}
