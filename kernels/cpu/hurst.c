/*
 * hurst.c - Hurst exponent as the log-log slope of the std of lagged
 * differences (KERNELS.md section 3, TradePulse core/indicators/hurst.py).
 *
 * For each lag L in min_lag..max_lag: d_t = x[t+L] - x[t] (t < n-L),
 * subtracted in the working dtype D and widened to double; the population
 * variance in one pass, var = sum(d^2)/m - (sum(d)/m)^2, tau_L = sqrt(var)
 * when var > 0 else 0; H = OLS slope of ln tau on ln L, clipped to [0, 1]
 * with NaN passing through.  A NaN anywhere gives var = NaN, hence tau = 0,
 * ln 0 = -inf for every lag and a NaN slope, as in TradePulse.
 *
 * Workload: 49 lags x n points for the default 2..50, about 98 flops per
 * point.  The points are taken in blocks that stay in L1 (converted to
 * float once per block on the float32 path) and every lag of a group runs
 * over the block with vector accumulators; the summation order differs
 * from numpy's pairwise sums by rounding only (well inside the 1e-9
 * tolerance).  The slope uses the closed form w_i = (u_i - mean u) /
 * sum (u - mean u)^2 of the pseudo-inverse TradePulse applies, so a single
 * -inf among the ln tau gives an infinite slope (clipped) just as pinv @ y.
 */
#include <math.h>
#include <string.h>

#include <immintrin.h>

#include "isa.h"
#include "pg_kernels.h"

/*
 * The hot loop is sum((x[t+L] - x[t])^2): about 49 x n terms.  It runs over
 * blocks of BLOCK points (converted to float once per block on the float32
 * path), with lags in register groups of 8 that share the load of x[t].
 * The kernels are instantiated for x86-64-v4 (8 doubles a vector), v3 (4)
 * and the baseline (GCC vector types), and square_sums() picks one per
 * call from the CPU.  Contraction to FMA is allowed for these loops only:
 * the sum of squares needs no bit-exactness (tolerance 1e-9), unlike the
 * EMA elsewhere in pg_kernels.
 *
 * sum(d) mostly needs no loop: sum_{t<n-L} (x[t+L] - x[t]) telescopes to
 * (sum of the last L values) - (sum of the first L).  On the float64 path
 * that differs from numpy's sum of rounded differences by rounding only.
 * On the float32 path each difference is rounded to float, and that
 * rounding is TradePulse's semantics (the differences of the float values
 * are what numpy sums), so it may not be dropped where it matters.  It
 * rarely exists, though: b - a for two floats of one sign within a factor
 * 2 of each other is exact (Sterbenz), and a price moves far less than 2x
 * over the 50 or so points of a lag.  So each float32 block checks, once
 * converted, that every window of CHUNK + max_lag points is within a factor
 * 2 (or constant).  When every block passes, each rounded difference is the
 * exact difference of the float values and the telescoped sum of the float
 * values IS numpy's sum (up to the rounding of the summation): one pass.
 * Without the check a price walk would need a second pass with sum(d) in
 * the hot loop: its mean is not negligible against its rms in the sense
 * of lag_sums.  An exact block also needs no float subtraction in the hot
 * loop: the difference of the float values widened to double is the same
 * double, so it runs the float64 kernel on them (no conversion per term;
 * the same bits as the float kernel, which sums in the same order).
 * Blocks that fail (noise around 0, a price doubling within a window,
 * NaN/inf) make the telescoped sum an approximation; when that is not
 * negligible against the rms (see lag_sums) a second pass sums the rounded
 * differences of just those blocks and telescopes the exact ones per
 * block.  A lag whose sums are not finite (inf/NaN input, overflow) is
 * redone term by term so that the NaN/inf rules are TradePulse's exactly.
 */
/* The baseline kernel returns 32-byte GCC vectors from static inline
 * helpers: no ABI crosses this file, so the psABI note does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"
#if !defined(__clang__)
/* clang has no per-region optimize pragma; its builds (fuzzing) simply keep
 * separate multiply and add here. */
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
#endif

#define BLOCK 2048
#define BUF_MAX_LAG 2048
#define GROUP_LAGS 64 /* lags summed in one pass over the data */
#define CHUNK 32      /* points per range of the float32 exactness check */
#define MAX_CHUNKS ((BLOCK + BUF_MAX_LAG + CHUNK - 1) / CHUNK)

typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef double v8d __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

/* Per-ISA vector primitives: VD holds W doubles; LOADD loads W doubles;
 * DIFF32(a, b) is float(b - a) for W floats, widened to VD. */
#define V4_ATTR PG_TARGET_V4
#define V4_VD __m512d
#define V4_W 8
#define V4_LOADD(p) _mm512_loadu_pd(p)
#define V4_DIFF32(a, b) _mm512_cvtps_pd(_mm256_sub_ps(_mm256_loadu_ps(b), _mm256_loadu_ps(a)))

#define V3_ATTR PG_TARGET_V3
#define V3_VD __m256d
#define V3_W 4
#define V3_LOADD(p) _mm256_loadu_pd(p)
#define V3_DIFF32(a, b) _mm256_cvtps_pd(_mm_sub_ps(_mm_loadu_ps(b), _mm_loadu_ps(a)))

#define V0_ATTR
#define V0_VD v4d
#define V0_W 4
#define V0_LOADD(p) load4d(p)
#define V0_DIFF32(a, b) diff4f(a, b)

static inline v4d load4d(const double *p)
{
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline v4d diff4f(const float *a, const float *b)
{
    v4f va, vb;
    memcpy(&va, a, sizeof va);
    memcpy(&vb, b, sizeof vb);
    return __builtin_convertvector(vb - va, v4d);
}

/* s2[g] += sum_{t in [t0,t1)} d^2 (and s1[g] += sum d when SUM), d = x[t+L0+g]
 * - x[t], g < G; every term in range.  T is double or float. */
#define DEFINE_SQ(ISA, NAME, T, G, SUM)                                                            \
    static inline __attribute__((always_inline)) ISA##_ATTR void NAME##_##G(                       \
        const T *x, size_t t0, size_t t1, size_t L0, double *s1, double *s2)                       \
    {                                                                                              \
        /* U point vectors a step, so that at least four FMA chains are in  \
         * flight (one lag alone was bound by the FMA's latency). */                      \
        enum { U = G >= 4 ? 1 : 4 / G };                                                           \
        ISA##_VD acc[G], sum[G], acc2[U][G], sum2[U][G];                                           \
        for (int g = 0; g < G; g++) {                                                              \
            acc[g] = sum[g] = (ISA##_VD){ 0 };                                                     \
            for (int u = 0; u < U; u++)                                                            \
                acc2[u][g] = sum2[u][g] = (ISA##_VD){ 0 };                                         \
        }                                                                                          \
        size_t t = t0;                                                                             \
        if (U > 1) {                                                                               \
            for (; t + U * ISA##_W <= t1; t += U * ISA##_W) {                                      \
                for (int u = 0; u < U; u++) {                                                      \
                    for (int g = 0; g < G; g++) {                                                  \
                        const size_t tu = t + (size_t)u * ISA##_W;                                 \
                        ISA##_VD d = DIFF_##T(ISA, x + tu, x + tu + L0 + (size_t)g);               \
                        if (SUM)                                                                   \
                            sum2[u][g] += d;                                                       \
                        acc2[u][g] += d * d;                                                       \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
            for (int g = 0; g < G; g++)                                                            \
                for (int u = 0; u < U; u++) {                                                      \
                    acc[g] += acc2[u][g];                                                          \
                    sum[g] += sum2[u][g];                                                          \
                }                                                                                  \
        }                                                                                          \
        for (; t + ISA##_W <= t1; t += ISA##_W) {                                                  \
            for (int g = 0; g < G; g++) {                                                          \
                ISA##_VD d = DIFF_##T(ISA, x + t, x + t + L0 + (size_t)g);                         \
                if (SUM)                                                                           \
                    sum[g] += d;                                                                   \
                acc[g] += d * d;                                                                   \
            }                                                                                      \
        }                                                                                          \
        for (int g = 0; g < G; g++) {                                                              \
            double r = 0.0, q = 0.0;                                                               \
            for (int i = 0; i < ISA##_W; i++) {                                                    \
                r += acc[g][i];                                                                    \
                q += sum[g][i];                                                                    \
            }                                                                                      \
            for (size_t u = t; u < t1; u++) {                                                      \
                double d = (double)(T)(x[u + L0 + (size_t)g] - x[u]);                              \
                q += d;                                                                            \
                r += d * d;                                                                        \
            }                                                                                      \
            if (SUM)                                                                               \
                s1[g] += q;                                                                        \
            s2[g] += r;                                                                            \
        }                                                                                          \
    }
#define DIFF_double(ISA, a, b) (ISA##_LOADD(b) - ISA##_LOADD(a))
#define DIFF_float(ISA, a, b) ISA##_DIFF32(a, b)

/* Lags lag0 .. lag0+nl-1 over the points [base, t1) of p (p[0] is point
 * base), each lag clipped to t < n - L. */
#define DEFINE_GROUPS(ISA, NAME, T, SUM)                                                           \
    DEFINE_SQ(ISA, NAME, T, 8, SUM)                                                                \
    DEFINE_SQ(ISA, NAME, T, 4, SUM)                                                                \
    DEFINE_SQ(ISA, NAME, T, 2, SUM)                                                                \
    DEFINE_SQ(ISA, NAME, T, 1, SUM)                                                                \
    static inline __attribute__((always_inline))                                                   \
    ISA##_ATTR void groups_##NAME(const T *p, size_t base, size_t t1, size_t n, size_t lag0,       \
                                  size_t nl, double *s1, double *s2)                               \
    {                                                                                              \
        size_t l = 0;                                                                              \
        while (l < nl) {                                                                           \
            size_t rem = nl - l, G = rem >= 8 ? 8 : rem >= 4 ? 4 : rem >= 2 ? 2 : 1;               \
            size_t L0 = lag0 + l, Lhi = L0 + G - 1;                                                \
            size_t stop = t1 < n - Lhi ? t1 : n - Lhi; /* common range */                          \
            if (stop > base) {                                                                     \
                switch (G) {                                                                       \
                case 8: NAME##_8(p, 0, stop - base, L0, s1 + l, s2 + l); break;                    \
                case 4: NAME##_4(p, 0, stop - base, L0, s1 + l, s2 + l); break;                    \
                case 2: NAME##_2(p, 0, stop - base, L0, s1 + l, s2 + l); break;                    \
                default: NAME##_1(p, 0, stop - base, L0, s1 + l, s2 + l); break;                   \
                }                                                                                  \
            }                                                                                      \
            /* the few points the smaller lags of the group still have */                          \
            for (size_t g = 0; g + 1 < G; g++) {                                                   \
                size_t L = L0 + g, from = stop > base ? stop : base;                               \
                size_t to = t1 < n - L ? t1 : n - L;                                               \
                double q = 0.0, r = 0.0;                                                           \
                for (size_t t = from; t < to; t++) {                                               \
                    double d = (double)(T)(p[t - base + L] - p[t - base]);                         \
                    q += d;                                                                        \
                    r += d * d;                                                                    \
                }                                                                                  \
                if (SUM)                                                                           \
                    s1[l + g] += q;                                                                \
                s2[l + g] += r;                                                                    \
            }                                                                                      \
            l += G;                                                                                \
        }                                                                                          \
    }

/* Lane-wise min and max of v8f (a NaN lane is caught separately); macros,
 * not functions, so that no 32-byte vector is passed by value in the
 * baseline build. */
#define MIN8(a, b) ((v8f)(((v8i)(a) & ((a) < (b))) | ((v8i)(b) & ~((a) < (b)))))
#define MAX8(a, b) ((v8f)(((v8i)(a) & ((a) > (b))) | ((v8i)(b) & ~((a) > (b)))))

/* Whether every float difference b - a with a, b in [lo, hi] is exact:
 * one sign and within a factor 2 (Sterbenz: |b - a| <= min(|a|, |b|), so
 * it needs no more bits than the operands have), or all equal.  2*lo may
 * round to inf: then 2*lo > FLT_MAX >= hi holds in the reals too.  NaN
 * bounds give 0. */
static inline int exact_range(float lo, float hi)
{
    return (lo > 0.0f && hi <= 2.0f * lo) || (hi < 0.0f && lo >= 2.0f * hi) || lo == hi;
}

/* *lo, *hi = the range of p[0 .. len-1], len >= 1; (-inf, inf) when a
 * value is NaN or inf (or the values' sum overflows: then too the range
 * check fails, which is only conservative).  Four accumulators of each
 * kind: a single chain of compare-and-blend would bound the loop. */
static inline __attribute__((always_inline)) void range_of(const float *p, size_t len, float *lo,
                                                           float *hi)
{
    float l = p[0], h = p[0], z = 0.0f;
    size_t i = 0;
    if (len >= 32) {
        v8f vl[4], vh[4], vz[4];
        for (int k = 0; k < 4; k++) {
            memcpy(&vl[k], p + 8 * k, sizeof vl[k]);
            vh[k] = vz[k] = vl[k];
        }
        for (i = 32; i + 32 <= len; i += 32) {
            for (int k = 0; k < 4; k++) {
                v8f f;
                memcpy(&f, p + i + 8 * k, sizeof f);
                vl[k] = MIN8(f, vl[k]);
                vh[k] = MAX8(f, vh[k]);
                vz[k] += f;
            }
        }
        for (int k = 1; k < 4; k++) {
            vl[0] = MIN8(vl[k], vl[0]);
            vh[0] = MAX8(vh[k], vh[0]);
            vz[0] += vz[k];
        }
        for (int j = 0; j < 8; j++) {
            l = vl[0][j] < l ? vl[0][j] : l;
            h = vh[0][j] > h ? vh[0][j] : h;
            z += vz[0][j];
        }
    }
    for (; i < len; i++) {
        l = p[i] < l ? p[i] : l;
        h = p[i] > h ? p[i] : h;
        z += p[i];
    }
    if (!isfinite(z))
        l = -INFINITY, h = INFINITY;
    *lo = l;
    *hi = h;
}

/* Whether every float difference buf[i + L] - buf[i] with i < nt,
 * 1 <= L <= lag_max, i + L < len is exact: exact_range over the window of
 * each CHUNK points and the lag_max points after it. */
static inline __attribute__((always_inline)) int windows_exact(const float *buf, size_t len,
                                                               size_t nt, size_t lag_max)
{
    float lo[MAX_CHUNKS], hi[MAX_CHUNKS];
    size_t nch = (len + CHUNK - 1) / CHUNK;
    for (size_t c = 0; c < nch; c++) {
        size_t i0 = c * CHUNK;
        range_of(buf + i0, len - i0 < CHUNK ? len - i0 : CHUNK, &lo[c], &hi[c]);
    }
    for (size_t c = 0; c * CHUNK < nt; c++) {
        size_t last = (c * CHUNK + CHUNK - 1 + lag_max) / CHUNK;
        if (last >= nch)
            last = nch - 1;
        float l = lo[c], h = hi[c];
        for (size_t k = c + 1; k <= last; k++) {
            l = lo[k] < l ? lo[k] : l;
            h = hi[k] > h ? hi[k] : h;
        }
        if (!exact_range(l, h))
            return 0;
    }
    return 1;
}

/* buf[i] = (float)x[i], dbuf[i] = (double)buf[i] for i < len; returns
 * whether every float difference the block takes is exact (windows_exact).
 * Cheap on the usual data: noise fails on the first window, a price block
 * passes on its whole range; only the rest is checked window by window.  Inlined into each ISA's
 * square_sums, where the loops vectorise with that ISA. */
static inline __attribute__((always_inline)) int convert_block(const double *x, size_t len,
                                                               size_t nt, size_t lag_max,
                                                               float *buf, double *dbuf)
{
    /* dbuf gets the float values widened in the same pass (what an exact
     * block's float64 kernel reads), instead of a pass of its own */
    for (size_t i = 0; i < len; i++) {
        float f = (float)x[i];
        buf[i] = f;
        dbuf[i] = (double)f;
    }
    float lo, hi;
    range_of(buf, len < CHUNK + lag_max ? len : CHUNK + lag_max, &lo, &hi);
    if (!exact_range(lo, hi))
        return 0;
    range_of(buf, len, &lo, &hi);
    if (exact_range(lo, hi))
        return 1;
    return windows_exact(buf, len, nt, lag_max);
}

/* s1[l] += sum_{t0 <= t < min(t1, n-L)} (buf[t+L-t0] - buf[t-t0]), L = lag0+l,
 * telescoped: (sum of the L values from min(t1, n-L)) - (sum of the first
 * L of the block).  Equal to the sum of the float-rounded differences in
 * an exact block (convert_block); an approximation elsewhere.  buf holds
 * the points t0 .. min(t1 + lag0 + nl - 1, n) - 1. */
static void block_telescoped(const float *buf, size_t t0, size_t t1, size_t n, size_t lag0,
                             size_t nl, double *s1)
{
    size_t lag_max = lag0 + nl - 1;
    double head = 0.0, tail = 0.0;
    for (size_t i = 0; i + 1 < lag0; i++)
        head += (double)buf[i];
    if (t1 + lag_max <= n) { /* every lag runs to t1 */
        const float *p = buf + (t1 - t0);
        for (size_t i = 0; i + 1 < lag0; i++)
            tail += (double)p[i];
        for (size_t l = 0; l < nl; l++) {
            size_t L = lag0 + l;
            head += (double)buf[L - 1];
            tail += (double)p[L - 1];
            s1[l] += tail - head;
        }
        return;
    }
    for (size_t l = 0; l < nl; l++) { /* the end of the data: lag by lag */
        size_t L = lag0 + l, e = t1 < n - L ? t1 : n - L;
        if (e <= t0) /* no terms, nor for the longer lags */
            break;
        head += (double)buf[L - 1];
        tail = 0.0;
        for (size_t i = e - t0; i < e - t0 + L; i++)
            tail += (double)buf[i];
        s1[l] += tail - head;
    }
}

/* Adds to s2[l] (pass 0) or to s1[l] (pass 1, redo: float32 only) the sums
 * over the lag-(lag0+l) differences, l < nl <= GROUP_LAGS, lags <=
 * BUF_MAX_LAG, n > lag0+nl-1.  The redo telescopes the exact blocks and sums
 * the others term by term.  Returns the number of float32 blocks that are
 * not exact. */
#define DEFINE_SQUARE_SUMS(ISA)                                                                    \
    DEFINE_GROUPS(ISA, ISA##sq64, double, 0)                                                       \
    DEFINE_GROUPS(ISA, ISA##sq32, float, 0)                                                        \
    DEFINE_GROUPS(ISA, ISA##sq32s, float, 1)                                                       \
    static ISA##_ATTR size_t square_sums_##ISA(const double *x, size_t n, size_t lag0, size_t nl,  \
                                               pg_dtype dtype, int redo, double *s1, double *s2)   \
    {                                                                                              \
        float buf[BLOCK + BUF_MAX_LAG];                                                            \
        double dbuf[BLOCK + BUF_MAX_LAG];                                                          \
        double scratch[GROUP_LAGS] = { 0 };                                                        \
        size_t lag_max = lag0 + nl - 1, inexact = 0;                                               \
        for (size_t t0 = 0; t0 + lag0 < n; t0 += BLOCK) {                                          \
            size_t t1 = t0 + BLOCK < n ? t0 + BLOCK : n;                                           \
            if (dtype == PG_FLOAT32) {                                                             \
                size_t end = t1 + lag_max < n ? t1 + lag_max : n;                                  \
                int exact = convert_block(x + t0, end - t0, t1 - t0, lag_max, buf, dbuf);          \
                inexact += !exact;                                                                 \
                if (!redo && exact) {                                                              \
                    groups_##ISA##sq64(dbuf, t0, t1, n, lag0, nl, s1, s2);                         \
                } else if (!redo)                                                                  \
                    groups_##ISA##sq32(buf, t0, t1, n, lag0, nl, s1, s2);                          \
                else if (exact)                                                                    \
                    block_telescoped(buf, t0, t1, n, lag0, nl, s1);                                \
                else                                                                               \
                    groups_##ISA##sq32s(buf, t0, t1, n, lag0, nl, s1, scratch);                    \
            } else {                                                                               \
                groups_##ISA##sq64(x + t0, t0, t1, n, lag0, nl, s1, s2);                           \
            }                                                                                      \
        }                                                                                          \
        return inexact;                                                                            \
    }

DEFINE_SQUARE_SUMS(V4)
DEFINE_SQUARE_SUMS(V3)
DEFINE_SQUARE_SUMS(V0)

#if !defined(__clang__)
#pragma GCC pop_options
#endif

/* The build of the process's level (pg_isa, isa.h). */
static size_t square_sums(const double *x, size_t n, size_t lag0, size_t nl, pg_dtype dtype,
                          int redo, double *s1, double *s2)
{
    switch (pg_isa()) {
    case PG_ISA_AVX512: return square_sums_V4(x, n, lag0, nl, dtype, redo, s1, s2);
    case PG_ISA_AVX2: return square_sums_V3(x, n, lag0, nl, dtype, redo, s1, s2);
    default: return square_sums_V0(x, n, lag0, nl, dtype, redo, s1, s2);
    }
}

/* Both sums for one lag, term by term (any lag, any input). */
static void lag_sums_direct(const double *x, size_t n, size_t L, pg_dtype dtype, double *s1,
                            double *s2)
{
    double t1 = 0.0, t2 = 0.0;
    for (size_t t = 0; t + L < n; t++) {
        double d = dtype == PG_FLOAT32 ? (double)((float)x[t + L] - (float)x[t]) : x[t + L] - x[t];
        t1 += d;
        t2 += d * d;
    }
    *s1 = t1;
    *s2 = t2;
}

/* tau_L from the sums over m = n - L differences (numpy's one-pass
 * variance, negative or NaN variance -> 0). */
static double tau_of(double s1, double s2, double m)
{
    double mean = s1 / m;
    double var = s2 / m - mean * mean;
    return sqrt(var > 0.0 ? var : 0.0);
}

/* Sums for lags lag0 .. lag0+nl-1 (nl <= GROUP_LAGS): s2 by the fast path
 * where it applies, s1 telescoped (float32: see the top of the file), both
 * redone directly when not finite. */
static void lag_sums(const double *x, size_t n, size_t lag0, size_t nl, pg_dtype dtype, double *s1,
                     double *s2)
{
    for (size_t l = 0; l < nl; l++)
        s1[l] = s2[l] = 0.0;
    if (lag0 + nl - 1 <= BUF_MAX_LAG) {
        size_t inexact = square_sums(x, n, lag0, nl, dtype, 0, s1, s2);
        /* head = sum of the first L values, tail = of the last L, in D. */
        double head = 0.0, tail = 0.0;
        size_t have = 0;
        for (size_t l = 0; l < nl; l++) {
            size_t L = lag0 + l;
            for (; have < L; have++) {
                if (dtype == PG_FLOAT32) {
                    head += (double)(float)x[have];
                    tail += (double)(float)x[n - 1 - have];
                } else {
                    head += x[have];
                    tail += x[n - 1 - have];
                }
            }
            s1[l] = tail - head;
        }
        /* With every block exact the telescoped sum is the sum of the
         * rounded float32 differences.  In the inexact blocks each
         * difference is rounded (|error| <= 2^-24 |d|), so the telescoped
         * sum is off by up to m*2^-24*rms(d); through var = s2/m - mean^2
         * that matters only when the mean is not small against the rms:
         * then those blocks' rounded differences are summed. */
        int redo = 0;
        for (size_t l = 0; inexact && l < nl; l++) {
            double m = (double)(n - lag0 - l), mean = s1[l] / m;
            redo |= !(mean * mean <= 1e-6 * (s2[l] / m));
        }
        if (redo) {
            for (size_t l = 0; l < nl; l++)
                s1[l] = 0.0;
            square_sums(x, n, lag0, nl, dtype, 1, s1, s2);
        }
    } else {
        for (size_t l = 0; l < nl; l++)
            s2[l] = INFINITY; /* forces the direct path below */
    }
    for (size_t l = 0; l < nl; l++)
        if (!isfinite(s2[l]) || !isfinite(s1[l]))
            lag_sums_direct(x, n, lag0 + l, dtype, &s1[l], &s2[l]);
}

int pg_hurst(const double *x, size_t n, size_t min_lag, size_t max_lag, pg_dtype dtype,
             double *result)
{
    if (min_lag < 2 || max_lag < min_lag || !result || (n > 0 && !x) ||
        (dtype != PG_FLOAT64 && dtype != PG_FLOAT32))
        return PG_EINVAL;
    /* n < 2*max_lag, written without overflow. */
    if (max_lag > n / 2) {
        *result = 0.5;
        return PG_OK;
    }

    /* Regression weights on u = ln L: slope = sum w_i y_i. */
    size_t nl = max_lag - min_lag + 1;
    double ubar = 0.0;
    for (size_t L = min_lag; L <= max_lag; L++)
        ubar += log((double)L);
    ubar /= (double)nl;
    double suu = 0.0;
    for (size_t L = min_lag; L <= max_lag; L++) {
        double du = log((double)L) - ubar;
        suu += du * du;
    }

    double slope = 0.0;
    double s1[GROUP_LAGS], s2[GROUP_LAGS];
    if (nl == 1) {
        /* One lag: lstsq returns the minimum-norm solution of
         * [1, u] beta = y, whose slope is u*y/(1+u^2). */
        double u = log((double)min_lag);
        lag_sums(x, n, min_lag, 1, dtype, s1, s2);
        slope = u * log(tau_of(s1[0], s2[0], (double)(n - min_lag))) / (1.0 + u * u);
    } else {
        for (size_t lag0 = min_lag; lag0 <= max_lag; lag0 += GROUP_LAGS) {
            size_t g = max_lag - lag0 + 1 < GROUP_LAGS ? max_lag - lag0 + 1 : GROUP_LAGS;
            lag_sums(x, n, lag0, g, dtype, s1, s2);
            for (size_t l = 0; l < g; l++) {
                size_t L = lag0 + l;
                double w = (log((double)L) - ubar) / suu;
                slope += w * log(tau_of(s1[l], s2[l], (double)(n - L)));
            }
        }
    }

    /* np.clip: NaN passes through. */
    if (slope < 0.0)
        slope = 0.0;
    else if (slope > 1.0)
        slope = 1.0;
    *result = slope;
    return PG_OK;
}
