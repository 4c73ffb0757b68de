/* stats_internal.h - statistics helpers shared inside gate/: a cache of the
 * exact distribution of U, which the gate reuses across thousands of
 * benchmarks that all have the same sample sizes. */
#ifndef PG_STATS_INTERNAL_H
#define PG_STATS_INTERNAL_H

#include <stddef.h>

typedef struct gate_mw_cache {
    size_t m, n;
    double *cdf; /* P(U <= u), u = 0..m*n */
} gate_mw_cache;

int gate_mw_cache_cdf(gate_mw_cache *c, size_t m, size_t n);
void gate_mw_cache_free(gate_mw_cache *c);
void gate_stats_sort(double *v, size_t n);
double gate_stats_mw_cached(const double *x, size_t m, const double *y, size_t n, int alt,
                            double *u, int *exact, gate_mw_cache *cache);
size_t gate_stats_moses_k(size_t m, size_t n, double conf, gate_mw_cache *cache);
int gate_stats_hl_cached(const double *x, size_t m, const double *y, size_t n, double conf,
                         double *scratch, double *shift, double *lo, double *hi,
                         gate_mw_cache *cache);

#endif
