/*
 * simd4.h - four-lane double vectors (GCC vector extensions) and the few
 * operations the kernels' fast paths build on them: loads and stores of a
 * partial group, broadcast, the in-vector prefix sum, lane-wise select.
 * kernels/cpu only.
 *
 * The logical width is always four doubles, whatever the ISA: a build for
 * plain x86-64 (SSE2) runs each vector as two halves, an AVX2 or AVX-512
 * build (PG_ISA_CLONES, isa.h) as one register.  Every build does the same
 * IEEE operations in the same order (no FMA: -ffp-contract=off), so they
 * give the same bits; the property tests and tests/unit/test_features.c
 * check that on random inputs.
 */
#ifndef PG_SIMD4_H
#define PG_SIMD4_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* ---------------------------------------------------------------------- */
/* Eight rows as two four-row groups (AVX-512 builds)                      */
/* ---------------------------------------------------------------------- */

/* The AVX-512 bodies of the four-lane scans (rolling.c, micro.c) take
 * eight rows a step with the operations of two four-row groups in the same
 * order, so they give the four-lane builds' bits.  Only for functions built
 * with PG_TARGET_V4 (isa.h), on x86-64. */
#if defined(__x86_64__)
#include <immintrin.h>

/* Lane k of each half: the sum of lanes 0..k of that half, added as
 * pgf_scan4 adds them (lanes 0 and 4 add +0). */
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,popcnt"))) static inline
    __attribute__((always_inline)) __m512d
    pgf_scan8_halves(__m512d e)
{
    e = _mm512_add_pd(e, _mm512_maskz_permutex_pd(0xEE, e, 0x90));
    return _mm512_add_pd(e, _mm512_maskz_permutex_pd(0xCC, e, 0x40));
}

/* The carried total *c (the same value in every lane) plus each half's
 * prefix sums e (pgf_scan8_halves): rows 0..3 add c, rows 4..7 add c +
 * (row 3's prefix), and *c becomes that plus row 7's prefix, as two
 * four-row groups carry it (c + bcast(scan[3]) each). */
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,popcnt"))) static inline
    __attribute__((always_inline)) __m512d
    pgf_carry8(__m512d *c, __m512d e)
{
    /* lane 3 and lane 7 of e in every lane: one vpermpd each */
    __m512d e3 = _mm512_permutexvar_pd(_mm512_set1_epi64(3), e);
    __m512d e7 = _mm512_permutexvar_pd(_mm512_set1_epi64(7), e);
    __m512d m = _mm512_add_pd(*c, e3);
    __m512d v = _mm512_mask_add_pd(_mm512_add_pd(*c, e), 0xF0, m, e);
    *c = _mm512_add_pd(m, e7);
    return v;
}
#endif

#endif
