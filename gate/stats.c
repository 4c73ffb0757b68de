/*
 * stats.c - the statistics behind the gate's verdicts (docs/statistics.md).
 *
 * Everything here is distribution-free, because timings on shared CI
 * machines are skewed, heavy-tailed and sometimes bimodal:
 *  - medians with exact order-statistic intervals (binomial, no bootstrap,
 *    so no seed and no Monte Carlo error);
 *  - the sign test for "median above a ceiling";
 *  - the Mann-Whitney U test between two runs, exact for small untied
 *    samples (the distribution of U is the coefficient list of the Gaussian
 *    binomial [m+n choose m]_q, computed in 64-bit integers, which hold
 *    C(60, 30) with room to spare) and normal with tie and continuity
 *    correction otherwise;
 *  - the Hodges-Lehmann shift with Moses' interval, read off the same
 *    distribution of U.
 * Numbers come from Hollander & Wolfe, "Nonparametric Statistical Methods"
 * (3rd ed., 2014), chapters 3 and 4; the unit tests check published values.
 */
#include "pg_gate.h"
#include "stats_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

double pg_stats_normal_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

/* Acklam's rational approximation (relative error 1.15e-9), then one
 * Newton step on the exact cdf, which brings it to machine precision. */
double pg_stats_normal_quantile(double p)
{
    static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00 };
    static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01 };
    static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00,  2.938163982698783e+00 };
    static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                3.754408661907416e+00 };
    if (!(p > 0.0 && p < 1.0))
        return p == 0.0 ? -INFINITY : p == 1.0 ? INFINITY : NAN;
    double x, q, r;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - 0.02425) {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double e = pg_stats_normal_cdf(x) - p;
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

/* P(B <= k), k < n/2: the lower tail summed from its largest term down.
 * term(i-1) = term(i) * i / (n - i + 1); only term(k) needs lgamma (C(n,k)
 * / 2^n underflows a double for n > 1074 long before the sum does).  The
 * terms fall at least geometrically below k, so the sum stops when one no
 * longer changes it: O(sqrt(n)) terms at worst (k near n/2), never n --
 * a results file may claim 10^12 rounds (asv's stats_repeat).  lgamma's
 * rounding leaves about n * 1e-16 relative error (1e-5 at n = 1e11):
 * exact to 1e-15 for the sample counts of a run, ample for a p-value. */
static double binom_half_lower(size_t k, size_t n)
{
    double term = exp(lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) -
                      (double)n * log(2.0));
    double sum = 0.0;
    for (size_t i = k;; i--) {
        double before = sum;
        sum += term;
        if (i == 0 || sum == before)
            break;
        term *= (double)i / (double)(n - i + 1);
    }
    return sum;
}

double pg_stats_binom_half_cdf(size_t k, size_t n)
{
    if (k >= n)
        return 1.0;
    /* Symmetry: P(B <= k) = 1 - P(B <= n - k - 1), and the smaller tail is
     * the one summed. */
    double p = 2 * k < n ? binom_half_lower(k, n) : 1.0 - binom_half_lower(n - k - 1, n);
    return p > 1.0 ? 1.0 : p < 0.0 ? 0.0 : p;
}

double pg_stats_median(const double *sorted, size_t n)
{
    if (n == 0)
        return NAN;
    if (n % 2)
        return sorted[n / 2];
    return 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

static int cmp_double(const void *a, const void *b);

double pg_stats_diff_sigma(const double *y, size_t n, double *scratch)
{
    if (n < 3)
        return NAN;
    size_t m = n - 1;
    for (size_t i = 0; i < m; i++)
        scratch[i] = y[i + 1] - y[i];
    qsort(scratch, m, sizeof *scratch, cmp_double);
    double med = pg_stats_median(scratch, m);
    for (size_t i = 0; i < m; i++)
        scratch[i] = fabs(scratch[i] - med);
    qsort(scratch, m, sizeof *scratch, cmp_double);
    return pg_stats_median(scratch, m) / 0.6745 / sqrt(2.0);
}

int pg_stats_median_ci(const double *sorted, size_t n, double conf, double *lo, double *hi,
                       double *achieved)
{
    if (n == 0)
        return PG_EINVAL;
    double tail = (1.0 - conf) / 2.0;
    /* k, the order statistics trimmed from each end, is the first j in
     * [0, n/2) with P(B <= j) > tail (or n/2): the distribution function
     * rises with j, so a bisection finds it in log2(n) evaluations. */
    size_t k = 0, hi_k = n / 2;
    while (k < hi_k) {
        size_t mid = k + (hi_k - k) / 2;
        if (pg_stats_binom_half_cdf(mid, n) <= tail)
            k = mid + 1;
        else
            hi_k = mid;
    }
    if (k == 0)
        k = 1;
    if (lo)
        *lo = sorted[k - 1];
    if (hi)
        *hi = sorted[n - k];
    if (achieved)
        *achieved = 1.0 - 2.0 * pg_stats_binom_half_cdf(k - 1, n);
    return 0;
}

double pg_stats_sign_test(const double *x, size_t n, double c, int alt)
{
    size_t above = 0, below = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] > c)
            above++;
        else if (x[i] < c)
            below++;
    }
    size_t m = above + below;
    if (m == 0)
        return 1.0;
    double pg = pg_stats_binom_half_cdf(below, m); /* P(B >= above) */
    double pl = pg_stats_binom_half_cdf(above, m);
    if (alt == PG_ALT_GREATER)
        return pg;
    if (alt == PG_ALT_LESS)
        return pl;
    double p = 2.0 * (pg < pl ? pg : pl);
    return p > 1.0 ? 1.0 : p;
}

/* ---- Mann-Whitney U ---------------------------------------------------- */

static void sort_small(double *v, size_t n)
{
    /* Insertion sort: samples are repetitions, a few dozen values. */
    for (size_t i = 1; i < n; i++) {
        double t = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > t) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void gate_stats_sort(double *v, size_t n)
{
    if (n <= 64)
        sort_small(v, n);
    else
        qsort(v, n, sizeof *v, cmp_double);
}

/* The number of arrangements with each value of U, for sample sizes m and n
 * without ties: the coefficients of [m+n choose m]_q = prod_{i=1..m}
 * (1 - q^(n+i)) / (1 - q^i).  Unsigned arithmetic wraps, but every final
 * coefficient is below C(m+n, m) < 2^64, so the results are exact. */
static void u_counts(size_t m, size_t n, uint64_t *f /* m*n + m + n + 1 */)
{
    size_t cap = m * n + m + n + 1;
    memset(f, 0, cap * sizeof *f);
    f[0] = 1;
    size_t deg = 0;
    for (size_t i = 1; i <= m; i++) {
        size_t s = n + i;
        for (size_t u = deg + s; u >= s; u--) {
            f[u] -= f[u - s];
            if (u == s)
                break;
        }
        for (size_t u = i; u <= deg + s; u++)
            f[u] += f[u - i];
        deg += n;
    }
}

int gate_mw_cache_cdf(gate_mw_cache *c, size_t m, size_t n)
{
    if (c->cdf && c->m == m && c->n == n)
        return 0;
    size_t cap = m * n + m + n + 1;
    uint64_t *f = malloc(cap * sizeof *f);
    double *cdf = realloc(c->cdf, (m * n + 1) * sizeof *cdf);
    if (!f || !cdf) {
        free(f);
        if (cdf)
            c->cdf = cdf;
        return PG_ENOMEM;
    }
    u_counts(m, n, f);
    long double total = 0, run = 0;
    for (size_t u = 0; u <= m * n; u++)
        total += (long double)f[u];
    for (size_t u = 0; u <= m * n; u++) {
        run += (long double)f[u];
        cdf[u] = (double)(run / total); /* P(U <= u) */
    }
    free(f);
    c->cdf = cdf;
    c->m = m;
    c->n = n;
    return 0;
}

void gate_mw_cache_free(gate_mw_cache *c)
{
    if (c) {
        free(c->cdf);
        c->cdf = NULL;
    }
}

double gate_stats_mw_cached(const double *x, size_t m, const double *y, size_t n, int alt,
                            double *u_out, int *exact_out, gate_mw_cache *cache)
{
    if (m == 0 || n == 0)
        return NAN;
    double stackbuf[256];
    double *xs = m + n <= 256 ? stackbuf : malloc((m + n) * sizeof *xs);
    if (!xs)
        return NAN;
    double *ys = xs + m;
    memcpy(xs, x, m * sizeof *xs);
    memcpy(ys, y, n * sizeof *ys);
    gate_stats_sort(xs, m);
    gate_stats_sort(ys, n);
    /* Walk both sorted samples in step, a group of equal values at a time:
     * the group gets the mean of the ranks it spans. */
    double r1 = 0.0, ties = 0.0;
    size_t i = 0, j = 0, pos = 0;
    while (i < m || j < n) {
        double v = i < m && (j >= n || xs[i] <= ys[j]) ? xs[i] : ys[j];
        size_t cx = 0, cy = 0;
        while (i < m && xs[i] == v) {
            i++;
            cx++;
        }
        while (j < n && ys[j] == v) {
            j++;
            cy++;
        }
        double t = (double)(cx + cy);
        if (cx + cy == 0) { /* NaN: not comparable */
            if (i < m && xs[i] != xs[i])
                i++;
            if (j < n && ys[j] != ys[j])
                j++;
            continue;
        }
        r1 += (double)cx * ((double)pos + (t + 1.0) / 2.0);
        if (t > 1)
            ties += t * t * t - t;
        pos += cx + cy;
    }
    if (xs != stackbuf)
        free(xs);
    double dm = (double)m, dn = (double)n;
    double u = r1 - dm * (dm + 1.0) / 2.0;
    if (u_out)
        *u_out = u;
    int exact = ties == 0.0 && m <= PG_MW_EXACT_MAX && n <= PG_MW_EXACT_MAX;
    if (exact_out)
        *exact_out = exact;
    double p;
    if (exact) {
        gate_mw_cache local = { 0 };
        gate_mw_cache *c = cache ? cache : &local;
        if (gate_mw_cache_cdf(c, m, n)) {
            gate_mw_cache_free(&local);
            return NAN;
        }
        size_t ui = (size_t)(u + 0.5);
        double le = c->cdf[ui]; /* P(U <= u) */
        /* P(U >= u) = P(U <= mn - u): U is symmetric about mn/2, and the
         * lower tail keeps its precision where 1 - cdf would round to 0. */
        double ge = c->cdf[m * n - ui];
        gate_mw_cache_free(&local);
        if (alt == PG_ALT_GREATER)
            p = ge;
        else if (alt == PG_ALT_LESS)
            p = le;
        else
            p = 2.0 * (le < ge ? le : ge);
    } else {
        double N = dm + dn, mu = dm * dn / 2.0;
        double var = dm * dn / 12.0 * ((N + 1.0) - ties / (N * (N - 1.0)));
        if (var <= 0.0)
            return 1.0; /* every value tied: no evidence either way */
        double sd = sqrt(var), d = u - mu;
        if (alt == PG_ALT_GREATER) {
            p = pg_stats_normal_cdf(-(d - 0.5) / sd);
        } else if (alt == PG_ALT_LESS) {
            p = pg_stats_normal_cdf((d + 0.5) / sd);
        } else {
            double z = (fabs(d) - 0.5) / sd;
            p = 2.0 * pg_stats_normal_cdf(-(z > 0 ? z : 0));
        }
    }
    if (p > 1.0)
        p = 1.0;
    if (p < 0.0)
        p = 0.0;
    return p;
}

double pg_stats_mann_whitney(const double *x, size_t m, const double *y, size_t n, int alt,
                             double *u, int *exact)
{
    return gate_stats_mw_cached(x, m, y, n, alt, u, exact, NULL);
}

/* ---- Hodges-Lehmann and Moses --------------------------------------- */

/* k-th smallest (0-based) of v[0..n), partially reordering v. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three as the pivot */
        double a = v[lo], b = v[mid], c = v[hi];
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

size_t gate_stats_moses_k(size_t m, size_t n, double conf, gate_mw_cache *cache)
{
    double tail = (1.0 - conf) / 2.0;
    size_t mn = m * n, k = 0;
    if (m <= PG_MW_EXACT_MAX && n <= PG_MW_EXACT_MAX) {
        gate_mw_cache local = { 0 };
        gate_mw_cache *c = cache ? cache : &local;
        if (gate_mw_cache_cdf(c, m, n) == 0) {
            /* largest k with P(U <= k-1) <= tail */
            while (k < mn / 2 && c->cdf[k] <= tail)
                k++;
        }
        gate_mw_cache_free(&local);
    } else {
        double z = pg_stats_normal_quantile(1.0 - tail);
        double kk = floor((double)mn / 2.0 - z * sqrt((double)mn * (double)(m + n + 1) / 12.0));
        k = kk > 0 ? (size_t)kk : 0;
    }
    return k < 1 ? 1 : k;
}

int gate_stats_hl_cached(const double *x, size_t m, const double *y, size_t n, double conf,
                         double *d, double *shift, double *lo, double *hi, gate_mw_cache *cache)
{
    if (m == 0 || n == 0)
        return PG_EINVAL;
    size_t mn = m * n, t = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            d[t++] = x[i] - y[j];
    double med = select_kth(d, mn, mn / 2);
    if (mn % 2 == 0) {
        /* the lower middle is the largest value left of mn/2 */
        double low = d[0];
        for (size_t i = 1; i < mn / 2; i++)
            if (d[i] > low)
                low = d[i];
        med = 0.5 * (med + low);
    }
    if (shift)
        *shift = med;
    size_t k = gate_stats_moses_k(m, n, conf, cache);
    if (lo)
        *lo = select_kth(d, mn, k - 1);
    if (hi)
        *hi = select_kth(d, mn, mn - k);
    return 0;
}

int pg_stats_hodges_lehmann(const double *x, size_t m, const double *y, size_t n, double conf,
                            double *scratch, double *shift, double *lo, double *hi)
{
    return gate_stats_hl_cached(x, m, y, n, conf, scratch, shift, lo, hi, NULL);
}

/* ---- paired statistics (one sample of differences: `perfgate ab`) ---------- */

/* Wilcoxon's signed-rank statistic T+ (the sum of the ranks of |d_i| over
 * the positive d_i) has, under H0, the distribution of the sum of a random
 * subset of 1..n: its counts are the coefficients of prod (1 + q^i), which
 * fit 64-bit integers for n <= 60 (2^60 subsets).  Tukey's interval for the
 * Hodges-Lehmann estimate is read from the same distribution. */

/* counts[s] = #subsets of {1..n} summing to s, s = 0..n(n+1)/2. */
static uint64_t *signed_rank_counts(size_t n)
{
    size_t m = n * (n + 1) / 2;
    uint64_t *c = calloc(m + 1, sizeof *c);
    if (!c)
        return NULL;
    c[0] = 1;
    size_t top = 0;
    for (size_t i = 1; i <= n; i++) {
        top += i;
        for (size_t s = top; s >= i; s--)
            c[s] += c[s - i];
    }
    return c;
}

typedef struct absrank {
    double a;
    int pos;
} absrank;

static int cmp_absrank(const void *x, const void *y)
{
    double a = ((const absrank *)x)->a, b = ((const absrank *)y)->a;
    return (a > b) - (a < b);
}

double pg_stats_signed_rank(const double *d, size_t n, int alt, int *exact)
{
    if (exact)
        *exact = 0;
    if (n == 0)
        return NAN;
    absrank *v = malloc(n * sizeof *v);
    if (!v)
        return NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (d[i] != 0 && !isnan(d[i])) {
            v[m].a = fabs(d[i]);
            v[m].pos = d[i] > 0;
            m++;
        }
    if (m == 0) {
        free(v);
        return 1.0;
    }
    qsort(v, m, sizeof *v, cmp_absrank);
    double tplus = 0, tiecorr = 0;
    int ties = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j + 1 < m && v[j + 1].a == v[i].a)
            j++;
        double rank = (double)(i + j + 2) / 2.0; /* mean of ranks i+1..j+1 */
        double t = (double)(j - i + 1);
        if (t > 1) {
            ties = 1;
            tiecorr += t * t * t - t;
        }
        for (size_t k = i; k <= j; k++)
            if (v[k].pos)
                tplus += rank;
        i = j + 1;
    }
    free(v);
    double total = (double)m * (double)(m + 1) / 2.0;
    double pg, pl;
    if (!ties && m <= PG_SR_EXACT_MAX) {
        uint64_t *c = signed_rank_counts(m);
        if (!c)
            return NAN;
        size_t t = (size_t)tplus, top = m * (m + 1) / 2;
        double all = ldexp(1.0, (int)m), ge = 0, le = 0;
        for (size_t s = 0; s <= top; s++) {
            if (s >= t)
                ge += (double)c[s];
            if (s <= t)
                le += (double)c[s];
        }
        free(c);
        pg = ge / all;
        pl = le / all;
        if (exact)
            *exact = 1;
    } else {
        double mean = total / 2.0;
        double var = (double)m * (m + 1) * (2.0 * m + 1) / 24.0 - tiecorr / 48.0;
        double sd = sqrt(var > 0 ? var : 0);
        if (sd == 0)
            return 1.0;
        pg = 1.0 - pg_stats_normal_cdf((tplus - mean - 0.5) / sd);
        pl = pg_stats_normal_cdf((tplus - mean + 0.5) / sd);
    }
    if (alt == PG_ALT_GREATER)
        return pg > 1 ? 1 : pg;
    if (alt == PG_ALT_LESS)
        return pl > 1 ? 1 : pl;
    double p = 2.0 * (pg < pl ? pg : pl);
    return p > 1.0 ? 1.0 : p;
}

int pg_stats_walsh(const double *d, size_t n, double conf, double *scratch, double *est, double *lo,
                   double *hi)
{
    *est = *lo = *hi = NAN;
    if (n == 0)
        return PG_EINVAL;
    size_t m = n * (n + 1) / 2, w = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            scratch[w++] = (d[i] + d[j]) / 2.0;
    gate_stats_sort(scratch, m);
    *est = pg_stats_median(scratch, m);
    /* k: the largest with P(T+ <= k - 1) <= (1 - conf) / 2; the interval
     * is [W(k), W(m + 1 - k)] (1-based). */
    double tail = (1.0 - conf) / 2.0;
    size_t k = 0;
    if (n <= PG_SR_EXACT_MAX) {
        uint64_t *c = signed_rank_counts(n);
        if (!c)
            return PG_ENOMEM;
        double all = ldexp(1.0, (int)n), cum = 0;
        for (size_t s = 0; s <= m; s++) {
            cum += (double)c[s] / all; /* P(T+ <= s) */
            if (cum > tail)
                break;
            k = s + 1;
        }
        free(c);
    } else {
        double sd = sqrt((double)n * (n + 1) * (2.0 * n + 1) / 24.0);
        double kk = floor((double)m / 2.0 - pg_stats_normal_quantile(1.0 - tail) * sd);
        k = kk > 0 ? (size_t)kk : 0;
    }
    if (k < 1)
        k = 1;
    if (k > (m + 1) / 2)
        k = (m + 1) / 2;
    *lo = scratch[k - 1];
    *hi = scratch[m - k];
    return 0;
}
