/*
 * pairwise.h - numpy's pairwise summation (np.add.reduce on a contiguous
 * float64 array), so that means and stds round as TradePulse's numpy calls
 * do: pg_strategy's Sharpe ratio, pg_entropy's sum of p ln p.  kernels/cpu
 * only.
 */
#ifndef PG_PAIRWISE_H
#define PG_PAIRWISE_H

#include <stddef.h>

/* numpy's pairwise sum of a[0..n-1]. */
double pg_pairwise_sum(const double *a, size_t n);

/* The same tree over (a[i] - mean)^2, as np.std squares the deviations. */
double pg_pairwise_sumsq_dev(const double *a, size_t n, double mean);

#endif
