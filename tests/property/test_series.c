/*
 * test_series.c - properties of the series indicators (KERNELS.md sections
 * 2-5) on many seeded random inputs, and each fast kernel against a slow,
 * obvious one (written here unless named):
 *   entropy: counts identical to a binary-search histogram over the edges,
 *     value in [0, ln bins], invariant to permutation;
 *   hurst: equal to a per-lag loop (pgt_hurst_reference, tests/support),
 *     in [0, 1] or NaN, invariant to x -> c*x + b, near 0.5 on random
 *     walks;
 *   phase: equal to an O(n^2) DFT Hilbert transform, in [-pi, pi],
 *     phase(c*x) == phase(x) for c > 0, identical bytes on workspace reuse;
 *   kuramoto: R in [0, 1], 1 for equal phases, 1-D and 2-D paths agree;
 *   bad parameters give PG_EINVAL and write nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_kernels.h"
#include "pg_test.h"

#define SEED 20240917u

static size_t rng_range(pgt_rng *r, size_t lo, size_t hi) /* [lo, hi] */
{
    return lo + (size_t)(pgt_rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* A random series of one of several shapes, with occasional NaN / inf. */
static void random_series(pgt_rng *r, double *x, size_t n, int allow_bad)
{
    int shape = (int)rng_range(r, 0, 4);
    double scale = pow(10.0, (double)rng_range(r, 0, 12) - 6.0);
    double level = 0.0, acc = 100.0;
    for (size_t i = 0; i < n; i++) {
        double z = pgt_rng_normal(r);
        switch (shape) {
        case 0: x[i] = scale * z; break; /* noise */
        case 1:
            acc *= exp(0.01 * z);
            x[i] = acc;
            break; /* price */
        case 2:
            level += z;
            x[i] = scale * level;
            break;                                                   /* random walk */
        case 3: x[i] = floor(4 * pgt_rng_uniform(r)) * scale; break; /* few values */
        default: x[i] = scale * (pgt_rng_uniform(r) - 0.25); break;  /* uniform */
        }
    }
    if (allow_bad && n > 0 && rng_range(r, 0, 3) == 0) {
        size_t bad = rng_range(r, 1, 3);
        for (size_t b = 0; b < bad; b++) {
            double v = b == 0 ? NAN : b == 1 ? INFINITY : -INFINITY;
            x[rng_range(r, 0, n - 1)] = v;
        }
    }
}

/* ---- entropy ------------------------------------------------------------ */

/* numpy.histogram by the book: edges from linspace, bin k holds
 * e_k <= v < e_{k+1} (the last bin closed), found by binary search. */
static double slow_entropy(const double *x, size_t n, size_t bins, int f32, size_t *counts)
{
    double mn = INFINITY, mx = -INFINITY;
    size_t valid = 0;
    for (size_t i = 0; i < n; i++) {
        double v = f32 ? (double)(float)x[i] : x[i];
        if (!isfinite(v))
            continue;
        valid++;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
    }
    memset(counts, 0, bins * sizeof *counts);
    if (!valid)
        return 0.0;
    double S = fmax(fabs(mn), fabs(mx));
    double lo = S ? mn / S : mn, hi = S ? mx / S : mx;
    if (!(hi > lo))
        return -0.0;
    double *edges = malloc((bins + 1) * sizeof *edges);
    assert_non_null(edges);
    double step = (hi - lo) / (double)bins;
    for (size_t k = 0; k < bins; k++) {
        volatile double y = (double)k * step; /* no FMA */
        double e = y + lo;
        edges[k] = f32 ? (double)(float)e : e;
    }
    edges[bins] = f32 ? (double)(float)hi : hi;
    for (size_t i = 0; i < n; i++) {
        double v;
        if (f32) {
            float fv = (float)x[i];
            if (!isfinite(fv))
                continue;
            v = (double)(fv / (float)S);
        } else {
            if (!isfinite(x[i]))
                continue;
            v = x[i] / S;
        }
        if (!(v >= edges[0] && v <= edges[bins]))
            continue;
        size_t a = 0, b = bins; /* largest k < bins with edges[k] <= v */
        while (b - a > 1) {
            size_t m = (a + b) / 2;
            if (edges[m] <= v)
                a = m;
            else
                b = m;
        }
        counts[a]++;
    }
    free(edges);
    size_t tot = 0;
    for (size_t k = 0; k < bins; k++)
        tot += counts[k];
    double total = f32 ? (double)(float)tot : (double)tot, h = 0.0;
    for (size_t k = 0; k < bins; k++)
        if (counts[k]) {
            double p = (double)counts[k] / total;
            h += p * log(p);
        }
    return -h;
}

static void test_entropy_properties(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, SEED);
    size_t cases = 0;
    for (int iter = 0; iter < 400; iter++) {
        size_t n = rng_range(&r, 0, 3000);
        size_t bins = iter % 7 == 0 ? rng_range(&r, 513, 2000) : rng_range(&r, 1, 120);
        int f32 = iter & 1;
        pg_dtype dt = f32 ? PG_FLOAT32 : PG_FLOAT64;
        double *x = malloc((n + 1) * sizeof *x);
        size_t *c = malloc(bins * sizeof *c), *cs = malloc(bins * sizeof *cs);
        assert_true(x && c && cs);
        random_series(&r, x, n, 1);
        double h, hs = slow_entropy(x, n, bins, f32, cs);
        assert_int_equal(pg_entropy(x, n, bins, dt, c, &h), PG_OK);
        if (isfinite(hs) && hs != 0.0) {
            /* Integer counts identical to the obvious histogram. */
            for (size_t k = 0; k < bins; k++)
                if (c[k] != cs[k])
                    fail_msg("iter %d: bin %zu of %zu: %zu vs slow %zu (n %zu, %s)", iter, k, bins,
                             c[k], cs[k], n, f32 ? "f32" : "f64");
        }
        assert_true(pgt_close(h, hs, 1e-12, 1e-12));
        assert_true(h >= 0.0 && h <= log((double)bins) + 1e-12);

        /* Permuting the input changes nothing, bit for bit. */
        for (size_t i = n; i > 1; i--) {
            size_t j = rng_range(&r, 0, i - 1);
            double t = x[i - 1];
            x[i - 1] = x[j];
            x[j] = t;
        }
        double hp;
        assert_int_equal(pg_entropy(x, n, bins, dt, c, &hp), PG_OK);
        assert_memory_equal(&hp, &h, sizeof h);
        free(x);
        free(c);
        free(cs);
        cases++;
    }
    /* Values on and next to every edge (times S), where the binning is
     * decided by the last ulp: still identical to the slow histogram. */
    for (int iter = 0; iter < 60; iter++) {
        size_t bins = rng_range(&r, 1, 200), per = 7, n = (bins + 1) * per + 2;
        int f32 = iter & 1;
        double *x = malloc(n * sizeof *x);
        size_t *c = malloc(bins * sizeof *c), *cs = malloc(bins * sizeof *cs);
        assert_true(x && c && cs);
        double lo = -1.0 + pgt_rng_uniform(&r),
               S = pow(2.0, (double)rng_range(&r, 0, 20)) * (1 + pgt_rng_uniform(&r));
        x[0] = lo * S;
        x[1] = S; /* max|x| = S, range [lo, 1] after scaling */
        for (size_t k = 0; k <= bins; k++) {
            double e = lo + (double)k * ((1.0 - lo) / (double)bins);
            double v = e * S;
            for (size_t q = 0; q < per; q++) {
                double w = v;
                int steps = (int)q - 3;
                for (int st = 0; st < (steps < 0 ? -steps : steps); st++)
                    w = f32 ? (double)nextafterf((float)w, steps < 0 ? -INFINITY : INFINITY)
                            : nextafter(w, steps < 0 ? -INFINITY : INFINITY);
                x[2 + k * per + q] = fmin(fmax(w, lo * S), S);
            }
        }
        double h, hs = slow_entropy(x, n, bins, f32, cs);
        assert_int_equal(pg_entropy(x, n, bins, f32 ? PG_FLOAT32 : PG_FLOAT64, c, &h), PG_OK);
        for (size_t k = 0; k < bins; k++)
            if (c[k] != cs[k])
                fail_msg("edge values, iter %d: bin %zu of %zu: %zu vs slow %zu", iter, k, bins,
                         c[k], cs[k]);
        assert_true(pgt_close(h, hs, 1e-12, 1e-12));
        free(x);
        free(c);
        free(cs);
    }

    /* Edges closer than a few ulps (a range of a few ulps, many bins): the
     * numpy-mimicking pass.  Every value is counted exactly once. */
    for (int iter = 0; iter < 20; iter++) {
        size_t bins = rng_range(&r, 20, 300), n = rng_range(&r, 1, 2000);
        int f32 = iter & 1;
        double *x = malloc(n * sizeof *x), base = 1.0 + pgt_rng_uniform(&r);
        size_t *c = malloc(bins * sizeof *c);
        assert_true(x && c);
        for (size_t i = 0; i < n; i++) {
            double w = f32 ? (double)(float)base : base;
            size_t steps = rng_range(&r, 0, 12);
            for (size_t st = 0; st < steps; st++)
                w = f32 ? (double)nextafterf((float)w, INFINITY) : nextafter(w, INFINITY);
            x[i] = w;
        }
        double h;
        assert_int_equal(pg_entropy(x, n, bins, f32 ? PG_FLOAT32 : PG_FLOAT64, c, &h), PG_OK);
        size_t tot = 0;
        for (size_t k = 0; k < bins; k++)
            tot += c[k];
        assert_int_equal(tot, n);
        assert_true(h >= 0.0 && h <= log((double)bins) + 1e-12);
        free(x);
        free(c);
    }

    /* Uniform data over many points fills the bins: H close to ln bins. */
    size_t n = 200000, bins = 50, c[50];
    double *x = malloc(n * sizeof *x), h;
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = pgt_rng_uniform(&r);
    assert_int_equal(pg_entropy(x, n, bins, PG_FLOAT32, c, &h), PG_OK);
    assert_true(h > log(50.0) - 1e-3 && h <= log(50.0));
    free(x);
    printf("entropy: %zu random cases, counts identical to the slow histogram\n", cases);
}

/* ---- hurst -------------------------------------------------------------- */

static void test_hurst_properties(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, SEED + 1);
    double worst = 0;
    for (int iter = 0; iter < 120; iter++) {
        size_t lo = rng_range(&r, 2, 6), hi = lo + rng_range(&r, 1, 60);
        if (iter % 10 == 0)
            hi = lo + rng_range(&r, 2100, 2300); /* beyond the buffered lags */
        size_t n = rng_range(&r, 2 * hi - 3, 2 * hi + 3000);
        int f32 = iter & 1;
        double *x = malloc((n + 1) * sizeof *x);
        assert_non_null(x);
        random_series(&r, x, n, iter % 5 == 0);
        double h;
        assert_int_equal(pg_hurst(x, n, lo, hi, f32 ? PG_FLOAT32 : PG_FLOAT64, &h), PG_OK);
        assert_true(isnan(h) || (h >= 0.0 && h <= 1.0));
        double hs = pgt_hurst_reference(x, n, lo, hi, f32);
        if (!pgt_close(h, hs, 1e-9, 1e-12))
            fail_msg("iter %d (n %zu, lags %zu..%zu, %s): %.17g vs slow %.17g", iter, n, lo, hi,
                     f32 ? "f32" : "f64", h, hs);
        /* Absolute: slopes near 0 (noise) make relative figures meaningless. */
        double d = isnan(hs) ? 0.0 : fabs(h - hs);
        worst = d > worst ? d : worst;
        if (n < 2 * hi)
            assert_true(h == 0.5);
        free(x);
    }

    /* Affine invariance on the float64 path, and random walks near 0.5. */
    size_t n = 20000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_true(x && y);
    double level = 0;
    for (size_t i = 0; i < n; i++) {
        level += pgt_rng_normal(&r);
        x[i] = level;
        y[i] = 3.7 * level - 12.5;
    }
    double hx, hy;
    assert_int_equal(pg_hurst(x, n, 2, 50, PG_FLOAT64, &hx), PG_OK);
    assert_int_equal(pg_hurst(y, n, 2, 50, PG_FLOAT64, &hy), PG_OK);
    assert_true(pgt_close(hy, hx, 1e-9, 1e-12));
    assert_true(hx > 0.4 && hx < 0.6);
    /* A constant gives ln 0 = -inf for every lag: NaN. */
    for (size_t i = 0; i < n; i++)
        x[i] = 42.0;
    assert_int_equal(pg_hurst(x, n, 2, 50, PG_FLOAT32, &hx), PG_OK);
    assert_true(isnan(hx));
    free(x);
    free(y);
    printf("hurst: 120 random cases, max abs deviation from the slow loop %.3g\n", worst);
}

/* ---- phase -------------------------------------------------------------- */

/* The Hilbert phase by an O(n^2) DFT in long double. */
static void slow_phase(const double *x, size_t n, double *out)
{
    long double *re = calloc(n / 2 + 1, sizeof *re), *im = calloc(n / 2 + 1, sizeof *im);
    assert_true(re && im);
    const long double tau = 6.283185307179586476925286766559L;
    for (size_t k = 0; k <= n / 2; k++)
        for (size_t t = 0; t < n; t++) {
            long double a = tau * (long double)((k * t) % n) / (long double)n;
            long double v = isfinite(x[t]) ? x[t] : 0.0;
            re[k] += v * cosl(a);
            im[k] -= v * sinl(a);
        }
    for (size_t t = 0; t < n; t++) {
        long double h = 0;
        for (size_t k = 1; k < (n + 1) / 2; k++) {
            /* -i X_k and its mirror: 2 Re(-i X_k e^{i a}) / n */
            long double a = tau * (long double)((k * t) % n) / (long double)n;
            h += 2 * (im[k] * cosl(a) + re[k] * sinl(a));
        }
        double v = isfinite(x[t]) ? x[t] : 0.0;
        out[t] = atan2((double)(h / (long double)n), v);
    }
    free(re);
    free(im);
}

static double wrapped(double a, double b)
{
    double d = fabs(a - b);
    return d < 2 * M_PI - d ? d : 2 * M_PI - d;
}

static void test_phase_properties(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, SEED + 2);
    double need64 = 0, need32 = 0;
    for (int iter = 0; iter < 160; iter++) {
        size_t n = rng_range(&r, 1, 300);
        int f32 = iter & 1;
        pg_dtype dt = f32 ? PG_FLOAT32 : PG_FLOAT64;
        double pi = f32 ? (double)(float)M_PI : M_PI;
        double *x = malloc(n * sizeof *x), *xs = malloc(n * sizeof *xs);
        double *p = malloc(n * sizeof *p), *ps = malloc(n * sizeof *ps),
               *ref = malloc(n * sizeof *ref);
        assert_true(x && xs && p && ps && ref);
        random_series(&r, x, n, 1);
        pg_phase_ws *ws = pg_phase_ws_create(n, dt);
        assert_non_null(ws);
        assert_int_equal(pg_phase(ws, x, n, p), PG_OK);
        slow_phase(x, n, ref);
        double S = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(x[i]) && (!f32 || isfinite((float)x[i])))
                S = fmax(S, fabs(x[i]));
        /* amplitude of the analytic signal, from the reference */
        for (size_t i = 0; i < n; i++) {
            assert_true(p[i] >= -pi && p[i] <= pi);
            double xi = isfinite(x[i]) ? x[i] : 0.0;
            double amp = fabs(xi) / fmax(fabs(cos(ref[i])), 1e-300);
            if (fabs(cos(ref[i])) < 1e-3) /* x ~ 0: amplitude from h instead */
                continue;
            if (amp == 0.0 || S == 0.0)
                continue;
            double need = wrapped(p[i], ref[i]) * amp / S;
            double k = f32 ? 1e-5 : 1e-11;
            if (!(need <= k))
                fail_msg("iter %d n %zu [%zu]: %.17g vs slow %.17g (needs k = %.3g)", iter, n, i,
                         p[i], ref[i], need);
            if (f32)
                need32 = fmax(need32, need);
            else
                need64 = fmax(need64, need);
        }
        /* phase(c*x) == phase(x): a power of two is exact on every path. */
        for (size_t i = 0; i < n; i++)
            xs[i] = 0.25 * x[i];
        assert_int_equal(pg_phase(ws, xs, n, ps), PG_OK);
        assert_memory_equal(ps, p, n * sizeof *p);
        /* ... and any c > 0 agrees where the signal is not tiny. */
        double c = 0.5 + 3 * pgt_rng_uniform(&r);
        for (size_t i = 0; i < n; i++)
            xs[i] = c * x[i];
        assert_int_equal(pg_phase(ws, xs, n, ps), PG_OK);
        for (size_t i = 0; i < n; i++) {
            double xi = isfinite(x[i]) ? x[i] : 0.0;
            if (fabs(xi) < 1e-2 * S)
                continue;
            assert_true(wrapped(ps[i], p[i]) <= (f32 ? 1e-3 : 1e-9));
        }
        /* Reusing the workspace gives the same bytes. */
        assert_int_equal(pg_phase(ws, x, n, ps), PG_OK);
        assert_memory_equal(ps, p, n * sizeof *p);
        /* Wrong length: PG_EINVAL, nothing written. */
        memset(ps, 0x5a, n * sizeof *ps);
        assert_int_equal(pg_phase(ws, x, n + 1, ps), PG_EINVAL);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(((unsigned char *)ps)[i * sizeof *ps], 0x5a);
        pg_phase_ws_destroy(ws);
        free(x);
        free(xs);
        free(p);
        free(ps);
        free(ref);
    }

    /* One large workspace reused many times on alternating inputs. */
    size_t n = 1 << 14;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    double *pa = malloc(n * sizeof *pa), *pb = malloc(n * sizeof *pb), *q = malloc(n * sizeof *q);
    assert_true(a && b && pa && pb && q);
    random_series(&r, a, n, 0);
    random_series(&r, b, n, 0);
    for (int d = 0; d < 2; d++) {
        pg_phase_ws *ws = pg_phase_ws_create(n, d ? PG_FLOAT32 : PG_FLOAT64);
        assert_non_null(ws);
        assert_int_equal(pg_phase(ws, a, n, pa), PG_OK);
        assert_int_equal(pg_phase(ws, b, n, pb), PG_OK);
        for (int rep = 0; rep < 20; rep++) {
            assert_int_equal(pg_phase(ws, rep & 1 ? b : a, n, q), PG_OK);
            assert_memory_equal(q, rep & 1 ? pb : pa, n * sizeof *q);
        }
        pg_phase_ws_destroy(ws);
    }
    /* n = 1: 0 for x >= 0, pi for x < 0; n = 0 writes nothing. */
    pg_phase_ws *one = pg_phase_ws_create(1, PG_FLOAT64), *zero = pg_phase_ws_create(0, PG_FLOAT32);
    assert_true(one && zero);
    double v = -3.0, out = 7.0;
    assert_int_equal(pg_phase(one, &v, 1, &out), PG_OK);
    assert_true(out == M_PI);
    v = 2.0;
    assert_int_equal(pg_phase(one, &v, 1, &out), PG_OK);
    assert_true(out == 0.0);
    assert_int_equal(pg_phase(zero, NULL, 0, NULL), PG_OK);
    assert_int_equal(pg_phase_ws_length(zero), 0);
    pg_phase_ws_destroy(one);
    pg_phase_ws_destroy(zero);
    pg_phase_ws_destroy(NULL);
    free(a);
    free(b);
    free(pa);
    free(pb);
    free(q);
    printf("phase: 160 random cases vs an O(n^2) DFT; max k needed float64 %.3g, float32 %.3g\n",
           need64, need32);
}

/* ---- kuramoto ----------------------------------------------------------- */

static void test_kuramoto_properties(void **state)
{
    (void)state;
    pgt_rng r;
    pgt_rng_seed(&r, SEED + 3);
    double worst12 = 0;
    for (int iter = 0; iter < 300; iter++) {
        size_t N = rng_range(&r, 1, 40), T = rng_range(&r, 1, 700);
        double *th = malloc(N * T * sizeof *th), *R = malloc(T * sizeof *R);
        double *col = malloc(N * sizeof *col);
        assert_true(th && R && col);
        double spread = pgt_rng_uniform(&r) * 4;
        for (size_t t = 0; t < T; t++) {
            double centre = 20 * (pgt_rng_uniform(&r) - 0.5);
            for (size_t i = 0; i < N; i++)
                th[i * T + t] = centre + spread * pgt_rng_normal(&r);
        }
        if (iter % 4 == 0)
            th[rng_range(&r, 0, N * T - 1)] = iter % 8 ? NAN : 1e300; /* invalid as float32 */
        assert_int_equal(pg_kuramoto_order_2d(th, N, T, R), PG_OK);
        for (size_t t = 0; t < T; t++) {
            assert_true(R[t] >= 0.0 && R[t] <= 1.0);
            for (size_t i = 0; i < N; i++)
                col[i] = th[i * T + t];
            double r1;
            assert_int_equal(pg_kuramoto_order_1d(col, N, &r1), PG_OK);
            assert_true(r1 >= 0.0 && r1 <= 1.0);
            /* float32 inside against float64: about 1e-7 apart */
            assert_true(fabs(r1 - R[t]) <= 5e-6);
            worst12 = fmax(worst12, fabs(r1 - R[t]));
        }
        free(th);
        free(R);
        free(col);
    }
    /* Equal phases: R = 1 (to rounding); k = 0: R = 0. */
    for (int iter = 0; iter < 200; iter++) {
        size_t N = rng_range(&r, 1, 5000);
        double *th = malloc(N * sizeof *th), R1, R2;
        assert_non_null(th);
        double v = 100 * (pgt_rng_uniform(&r) - 0.5);
        for (size_t i = 0; i < N; i++)
            th[i] = v;
        assert_int_equal(pg_kuramoto_order_1d(th, N, &R1), PG_OK);
        assert_int_equal(pg_kuramoto_order_2d(th, N, 1, &R2), PG_OK);
        assert_true(fabs(R1 - 1.0) <= 1e-12);
        assert_true(fabs(R2 - 1.0) <= 1e-3); /* N float32 additions */
        for (size_t i = 0; i < N; i++)
            th[i] = NAN;
        assert_int_equal(pg_kuramoto_order_1d(th, N, &R1), PG_OK);
        assert_int_equal(pg_kuramoto_order_2d(th, N, 1, &R2), PG_OK);
        assert_true(R1 == 0.0 && R2 == 0.0);
        free(th);
    }
    /* Evenly spread phases cancel: R below 1e-8 becomes exactly 0. */
    double ring[64];
    for (int i = 0; i < 64; i++)
        ring[i] = 2 * M_PI * i / 64.0;
    double R1;
    assert_int_equal(pg_kuramoto_order_1d(ring, 64, &R1), PG_OK);
    assert_true(R1 == 0.0);
    printf("kuramoto: 300 random matrices; 1-D vs 2-D paths max abs difference %.3g\n", worst12);
}

/* ---- parameters --------------------------------------------------------- */

static void test_bad_parameters(void **state)
{
    (void)state;
    double x[200], out = 123.0;
    size_t counts[8];
    for (int i = 0; i < 200; i++)
        x[i] = i;
    assert_int_equal(pg_entropy(x, 200, 0, PG_FLOAT64, counts, &out), PG_EINVAL);
    assert_int_equal(pg_entropy(x, 200, 8, PG_FLOAT64, NULL, &out), PG_EINVAL);
    assert_int_equal(pg_entropy(x, 200, 8, (pg_dtype)7, counts, &out), PG_EINVAL);
    assert_int_equal(pg_entropy(NULL, 200, 8, PG_FLOAT64, counts, &out), PG_EINVAL);
    assert_int_equal(pg_hurst(x, 200, 1, 50, PG_FLOAT64, &out), PG_EINVAL);
    assert_int_equal(pg_hurst(x, 200, 10, 9, PG_FLOAT64, &out), PG_EINVAL);
    assert_int_equal(pg_hurst(x, 200, 2, 50, (pg_dtype)3, &out), PG_EINVAL);
    assert_true(out == 123.0);
    assert_null(pg_phase_ws_create(16, (pg_dtype)9));
    assert_int_equal(pg_phase(NULL, x, 0, &out), PG_EINVAL);
    size_t shape[3] = { 2, 2, 2 };
    assert_int_equal(pg_kuramoto_order(x, 0, shape, &out), PG_EINVAL);
    assert_int_equal(pg_kuramoto_order(x, 3, shape, &out), PG_EINVAL);
    assert_true(out == 123.0);
    /* n == 0 is allowed everywhere. */
    assert_int_equal(pg_entropy(NULL, 0, 8, PG_FLOAT32, counts, &out), PG_OK);
    assert_true(out == 0.0);
    assert_int_equal(pg_hurst(NULL, 0, 2, 50, PG_FLOAT32, &out), PG_OK);
    assert_true(out == 0.5);
    assert_int_equal(pg_kuramoto_order_2d(NULL, 0, 0, NULL), PG_OK);
    /* min_lag == max_lag: lstsq's minimum-norm slope u*y/(1+u^2). */
    double walk[400], acc = 0;
    pgt_rng r;
    pgt_rng_seed(&r, SEED + 4);
    for (int i = 0; i < 400; i++)
        walk[i] = acc += pgt_rng_normal(&r);
    assert_int_equal(pg_hurst(walk, 400, 7, 7, PG_FLOAT64, &out), PG_OK);
    double s1 = 0, s2 = 0;
    for (int t = 0; t + 7 < 400; t++) {
        double d = walk[t + 7] - walk[t];
        s1 += d, s2 += d * d;
    }
    double m = 393, mean = s1 / m, y = log(sqrt(s2 / m - mean * mean)), u = log(7.0);
    double h = u * y / (1 + u * u);
    assert_true(pgt_close(out, h < 0 ? 0 : h > 1 ? 1 : h, 1e-12, 1e-12));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entropy_properties), cmocka_unit_test(test_hurst_properties),
        cmocka_unit_test(test_phase_properties),   cmocka_unit_test(test_kuramoto_properties),
        cmocka_unit_test(test_bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
