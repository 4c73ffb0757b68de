/*
 * ewm_scan.h - the EWM as a linear scan, eight rows a group: the constants
 * and the four-lane local scan, and for AVX-512 the constants of one
 * register and the short last group, shared by ema_scan.c and
 * macd_scan.c (which describe the scan).  kernels/cpu only.
 */
#ifndef PG_EWM_SCAN_H
#define PG_EWM_SCAN_H

#include <stddef.h>
#include <string.h>

#include "isa.h"
#include "simd4.h"

#if PG_ISA_X86
#include <immintrin.h>
#endif

/* y_t = a*y_{t-1} + b*x_t: b, a, a^2 and a^1..a^8 (plo, phi) in four
 * lanes, and as scalars. */
typedef struct scan_consts {
    pgf_v4d b, a1, a2, plo, phi;
    double a8;
    double p[9]; /* a^0 .. a^8 */
    double bs;   /* b */
} scan_consts;

PGF_INLINE pgf_v4d scan_local4(pgf_v4d z, const scan_consts *c)
{
    const pgf_v4d zero = pgf_bcast(0.0);
    z += c->a1 * __builtin_shufflevector(zero, z, 0, 4, 5, 6);
    z += c->a2 * __builtin_shufflevector(zero, z, 0, 1, 4, 5);
    return z;
}

/* The constants of the EWM with this alpha: a = (1-alpha)/den and
 * b = alpha/den, den = (1-alpha)+alpha (usually exactly 1). */
static inline void scan_consts_init(scan_consts *c, double alpha)
{
    const double omf = 1.0 - alpha;
    const double den = omf + alpha;
    const double a = omf / den, b = alpha / den;
    memset(c, 0, sizeof *c);
    c->p[0] = 1.0;
    for (int k = 1; k <= 8; k++)
        c->p[k] = c->p[k - 1] * a;
    c->b = pgf_bcast(b);
    c->a1 = pgf_bcast(a);
    c->a2 = pgf_bcast(c->p[2]);
    c->plo = (pgf_v4d){ c->p[1], c->p[2], c->p[3], c->p[4] };
    c->phi = (pgf_v4d){ c->p[5], c->p[6], c->p[7], c->p[8] };
    c->a8 = c->p[8];
    c->bs = b;
}

#if PG_ISA_X86
/* The same constants in AVX-512 registers, eight rows a register:
 * b, a, a^2 broadcast; c3 = (0, 0, 0, 0, a..a^4); p = (a..a^8); a^8
 * broadcast; the lane indices of the in-register log-steps (i1, i2), of
 * lane 3 and of lane 7. */
typedef struct scan_v4c {
    __m512d b, a1, a2, c3, p, a8;
    __m512i i1, i2, i3, i7;
} scan_v4c;

/* The last, short group of a scan: *m = min(8, n - t) inputs loaded, cut
 * before the first lane of bad(v) (zero from there); *lm the live lanes.
 * *m == 0 when row t itself is bad. */
#define SCAN_V4_TAIL(x, t, n, m, lm, v, bad_of)                                                    \
    do {                                                                                           \
        *(m) = (n) - (t) < 8 ? (n) - (t) : 8;                                                      \
        *(lm) = (__mmask8)((1u << *(m)) - 1u);                                                     \
        *(v) = _mm512_maskz_loadu_pd(*(lm), (x) + (t));                                            \
        __mmask8 bad_ = (bad_of);                                                                  \
        if (bad_) {                                                                                \
            *(m) = (size_t)__builtin_ctz(bad_);                                                    \
            *(lm) = (__mmask8)((1u << *(m)) - 1u);                                                 \
            *(v) = _mm512_maskz_mov_pd(*(lm), *(v));                                               \
        }                                                                                          \
    } while (0)

/* c's constants in AVX-512 registers. */
PG_TARGET_V4 PGF_INLINE void scan_v4c_make(scan_v4c *k, const scan_consts *c)
{
    const double *p = c->p;
    k->b = _mm512_set1_pd(c->bs);
    k->a1 = _mm512_set1_pd(p[1]);
    k->a2 = _mm512_set1_pd(p[2]);
    k->c3 = _mm512_setr_pd(0.0, 0.0, 0.0, 0.0, p[1], p[2], p[3], p[4]);
    k->p = _mm512_setr_pd(p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
    k->a8 = _mm512_set1_pd(p[8]);
    k->i1 = _mm512_setr_epi64(0, 0, 1, 2, 0, 4, 5, 6);
    k->i2 = _mm512_setr_epi64(0, 0, 0, 1, 0, 0, 4, 5);
    k->i3 = _mm512_set1_epi64(3);
    k->i7 = _mm512_set1_epi64(7);
}
#endif

#endif
