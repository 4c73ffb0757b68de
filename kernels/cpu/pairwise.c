/*
 * pairwise.c - numpy's pairwise summation (pairwise.h), in numpy's order
 * of operations, so that the sums round as numpy's do.
 */
#include <stddef.h>

#include "pairwise.h"

/* numpy's blocking for pairwise summation (PW_BLOCKSIZE). */
#define PW_BLOCK 128

/* numpy's pairwise_sum: eight accumulators over blocks of up to 128,
 * halves (rounded to a multiple of 8) above that. */
double pg_pairwise_sum(const double *a, size_t n)
{
    if (n < 8) {
        double res = 0.0;
        for (size_t i = 0; i < n; i++)
            res += a[i];
        return res;
    }
    if (n <= PW_BLOCK) {
        double r[8];
        for (int j = 0; j < 8; j++)
            r[j] = a[j];
        size_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pg_pairwise_sum(a, n2) + pg_pairwise_sum(a + n2, n - n2);
}

static double sqdev(double v, double mean)
{
    double d = v - mean;
    return d * d;
}

double pg_pairwise_sumsq_dev(const double *a, size_t n, double mean)
{
    if (n < 8) {
        double res = 0.0;
        for (size_t i = 0; i < n; i++)
            res += sqdev(a[i], mean);
        return res;
    }
    if (n <= PW_BLOCK) {
        double r[8];
        for (int j = 0; j < 8; j++)
            r[j] = sqdev(a[j], mean);
        size_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += sqdev(a[i + j], mean);
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += sqdev(a[i], mean);
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pg_pairwise_sumsq_dev(a, n2, mean) + pg_pairwise_sumsq_dev(a + n2, n - n2, mean);
}
