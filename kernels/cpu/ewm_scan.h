/*
 * ewm_scan.h - the EWM as a linear scan, eight rows a group: the constants
 * and the four-lane local scan, and for AVX-512 the constants of one
 * register and the short last group, shared by ema_scan.c and
 * macd_scan.c (which describe the scan).  kernels/cpu only.
 */
#ifndef PG_EWM_SCAN_H
#define PG_EWM_SCAN_H

#include <stddef.h>

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
#endif

#endif
