/*
 * ema_scan.c - pg_ema_scan: the EWM of pg_ema (ema.c) as a vectorised
 * linear scan (KERNELS.md section 1, "EMA"; docs/kernels.md).
 *
 * On a run of finite inputs with a valid state the update is linear:
 * y_t = a*y_{t-1} + b*x_t with a = (1-alpha)/den, b = alpha/den (den =
 * (1-alpha)+alpha, usually exactly 1).  Eight rows at a time, as two
 * four-lane vectors:
 *   z = b*x, then a log-step prefix scan inside each vector (lane k gets
 *   z_k + a z_{k-1} + ... from lanes <= k only), the high half adds
 *   a^(1..4) times the low half's last lane, and the carried state Y enters
 *   as y = z + (a, a^2, ..., a^8) Y.
 * The loop-carried dependency is one scalar multiply and add per eight rows
 * (Y <- z_7 + a^8 Y); everything else is independent work.  The result is
 * the recurrence reassociated: not pandas' bits, but within 1e-12 relative
 * (docs/kernels.md; tests/property/test_ema_scan.c).  pandas' "y == c: keep
 * y" shortcut is dropped (the update gives y to within an ulp then).
 *
 * A group that meets a non-finite input is cut before it (zero padding: a
 * lane reads only lanes below it, so the rows before the cut get the same
 * bits as in a full group) and that row takes pandas' exact step; so the
 * output at row i depends only on rows <= i (prefix invariance).
 *
 * Three builds (PG_ISA_CLONES, isa.h): portable and AVX2 (ema_scan_body)
 * and AVX-512 (ema_scan_v4, eight rows a register: 2x faster); all three
 * give the same bits (tests/property/test_ema_scan.c).
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "ewm.h"
#include "ewm_scan.h"
#include "features_internal.h"
#include "isa.h"
#include "pg_kernels.h"
#include "simd4.h"

/* Rows t.. of the run while x is finite; y is the state before row t.
 * Returns the rows written; *yp gets the state after them. */
PGF_INLINE size_t ema_scan_body(const double *x, size_t n, size_t t, double *yp,
                                const scan_consts *c, double *out)
{
    double y = *yp;
    const size_t t0 = t;
    for (;;) {
        size_t m = n - t < 8 ? n - t : 8;
        if (m == 0)
            break;
        pgf_v4d lo = m >= 4 ? pgf_load4(x + t) : pgf_load4_part(x + t, m);
        pgf_v4d hi = m >= 8  ? pgf_load4(x + t + 4)
                     : m > 4 ? pgf_load4_part(x + t + 4, m - 4)
                             : pgf_bcast(0.0);
        pgf_v4d fin = lo * 0.0 + hi * 0.0;
        if (fin[0] + fin[1] + fin[2] + fin[3] != 0.0) {
            /* A non-finite value in the group: cut the group before it. */
            size_t q = 0;
            while (isfinite(x[t + q]))
                q++;
            if (q == 0)
                break;
            m = q;
            lo = m >= 4 ? pgf_load4(x + t) : pgf_load4_part(x + t, m);
            hi = m > 4 ? pgf_load4_part(x + t + 4, m - 4) : pgf_bcast(0.0);
        }
        lo = scan_local4(c->b * lo, c);
        hi = scan_local4(c->b * hi, c);
        hi += c->plo * pgf_bcast(lo[3]);
        pgf_v4d yv = pgf_bcast(y);
        pgf_v4d ylo = lo + c->plo * yv, yhi = hi + c->phi * yv;
        if (m == 8) {
            memcpy(out + t, &ylo, sizeof ylo);
            memcpy(out + t + 4, &yhi, sizeof yhi);
            y = hi[3] + c->a8 * y; /* == yhi[3], off the vector path */
        } else {
            pgf_store4_part(out + t, ylo, m);
            if (m > 4)
                pgf_store4_part(out + t + 4, yhi, m - 4);
            y = m > 4 ? yhi[m - 5] : ylo[m - 1];
            t += m;
            break;
        }
        t += 8;
    }
    *yp = y;
    return t - t0;
}

#if PG_ISA_X86
/* The same scan, eight rows a register (AVX-512), with the same IEEE
 * operations in the same order as ema_scan_body (no FMA), so it gives the
 * portable and AVX2 clones' bits:
 *   z = b*x; the two in-half log-steps (lanes 0 and 4 add a*(+0), as the
 *   portable shuffle with a zero vector does); the high half adds
 *   (a..a^4) * z_3 (a masked add: the low half is left as it is); then
 *   y = z + (a..a^8) Y and Y <- z_7 + a^8 Y.
 * Y is kept broadcast in a register, so the loop-carried dependency is one
 * multiply and add per eight rows with no shuffle on it.  Full blocks of 32
 * rows are tested for non-finite values once (four fpclass masks, one
 * branch); a block holding one goes group by group as ema_scan_body does
 * (cut before the first non-finite value, zero padding). */
PG_TARGET_V4 PGF_INLINE __m512d scan8_v4(__m512d x, const scan_v4c *k)
{
    __m512d z = _mm512_mul_pd(k->b, x);
    z = _mm512_add_pd(z, _mm512_mul_pd(k->a1, _mm512_maskz_permutexvar_pd(0xEE, k->i1, z)));
    z = _mm512_add_pd(z, _mm512_mul_pd(k->a2, _mm512_maskz_permutexvar_pd(0xCC, k->i2, z)));
    return _mm512_mask_add_pd(z, 0xF0, z, _mm512_mul_pd(k->c3, _mm512_permutexvar_pd(k->i3, z)));
}

/* One full group: stores y, returns the new broadcast state. */
PG_TARGET_V4 PGF_INLINE __m512d scan_group_v4(__m512d x, __m512d Y, const scan_v4c *k, double *out)
{
    __m512d z = scan8_v4(x, k);
    _mm512_storeu_pd(out, _mm512_add_pd(z, _mm512_mul_pd(k->p, Y)));
    return _mm512_add_pd(_mm512_permutexvar_pd(k->i7, z), _mm512_mul_pd(k->a8, Y));
}

PG_TARGET_V4 static size_t ema_scan_v4(const double *x, size_t n, size_t t, double *yp,
                                       const scan_consts *c, double *out)
{
    scan_v4c k;
    scan_v4c_make(&k, c);
    __m512d Y = _mm512_set1_pd(*yp);
    const size_t t0 = t;
    for (; n - t >= 32; t += 32) {
        __m512d v0 = _mm512_loadu_pd(x + t), v1 = _mm512_loadu_pd(x + t + 8);
        __m512d v2 = _mm512_loadu_pd(x + t + 16), v3 = _mm512_loadu_pd(x + t + 24);
        __mmask8 bad = _mm512_fpclass_pd_mask(v0, PG_FPCLASS_NONFINITE) |
                       _mm512_fpclass_pd_mask(v1, PG_FPCLASS_NONFINITE) |
                       _mm512_fpclass_pd_mask(v2, PG_FPCLASS_NONFINITE) |
                       _mm512_fpclass_pd_mask(v3, PG_FPCLASS_NONFINITE);
        if (bad)
            break;
        Y = scan_group_v4(v0, Y, &k, out + t);
        Y = scan_group_v4(v1, Y, &k, out + t + 8);
        Y = scan_group_v4(v2, Y, &k, out + t + 16);
        Y = scan_group_v4(v3, Y, &k, out + t + 24);
    }
    /* Group by group: up to the first non-finite value or the end. */
    while (t < n) {
        size_t m;
        __mmask8 lm;
        __m512d v;
        SCAN_V4_TAIL(x, t, n, &m, &lm, &v, _mm512_fpclass_pd_mask(v, PG_FPCLASS_NONFINITE));
        if (m == 0)
            break;
        if (m == 8) {
            Y = scan_group_v4(v, Y, &k, out + t);
            t += 8;
            continue;
        }
        __m512d y = _mm512_add_pd(scan8_v4(v, &k), _mm512_mul_pd(k.p, Y));
        _mm512_mask_storeu_pd(out + t, lm, y);
        Y = _mm512_permutexvar_pd(_mm512_set1_epi64((long long)m - 1), y);
        t += m;
        break;
    }
    *yp = _mm512_cvtsd_f64(Y);
    return t - t0;
}
#endif

/* The scan's rows in each level's build: AVX-512 runs ema_scan_v4, the
 * others the four-lane body. */
PGF_INLINE size_t ema_scan_level(int isa, const double *x, size_t n, size_t t, double *yp,
                                 const scan_consts *c, double *out)
{
#if PG_ISA_X86
    if (isa == PG_ISA_AVX512)
        return ema_scan_v4(x, n, t, yp, c, out);
#endif
    return ema_scan_body(x, n, t, yp, c, out);
}

PG_ISA_CLONES(AVX512, size_t, ema_scan_rows,
              (const double *x, size_t n, size_t t, double *yp, const scan_consts *c, double *out),
              ema_scan_level, (x, n, t, yp, c, out));

void pgf_ema_scan_run(const double *x, size_t n, double alpha, size_t min_periods, double *out)
{
    if (n == 0)
        return;
    const double omf = 1.0 - alpha;
    scan_consts c;
    scan_consts_init(&c, alpha);
    size_t (*const body)(const double *, size_t, size_t, double *, const scan_consts *, double *) =
        ema_scan_rows[pg_isa()];
    ema_state s;
    ema_init(&s, x[0]);
    out[0] = ema_value(&s, min_periods);
    size_t t = 1;
    while (t < n) {
        if (s.y == s.y && s.w == 1.0) {
            size_t k0 = s.k;
            size_t done = body(x, n, t, &s.y, &c, out);
            s.k += done;
            /* Warm-up rows (count below min_periods) are NaN. */
            for (size_t q = 0; q < done && k0 + q + 1 < min_periods; q++)
                out[t + q] = NAN;
            t += done;
            if (t == n)
                break;
        }
        ema_step(&s, x[t], alpha, omf);
        out[t] = ema_value(&s, min_periods);
        t++;
    }
}

int pg_ema_scan(const double *x, size_t n, double span, size_t min_periods, double *out)
{
    if (!(span >= 1.0) || !isfinite(span))
        return PG_EINVAL;
    if (n > 0 && (x == NULL || out == NULL))
        return PG_EINVAL;
    pgf_ema_scan_run(x, n, pgf_alpha_from_span(span), min_periods, out);
    return PG_OK;
}
