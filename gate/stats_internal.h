/* stats_internal.h - statistics helpers shared inside gate/: a cache of the
 * exact distribution of U, which the gate reuses across thousands of
 * benchmarks that all have the same sample sizes. */
#ifndef PG_STATS_INTERNAL_H
#define PG_STATS_INTERNAL_H

#include <stddef.h>

typedef struct pg_mw_cache {
    size_t m, n;
    double *cdf; /* P(U <= u), u = 0..m*n */
} pg_mw_cache;

int pg_mw_cache_cdf(pg_mw_cache *c, size_t m, size_t n);
void pg_mw_cache_free(pg_mw_cache *c);
void pg_stats_sort(double *v, size_t n);
double pg_stats_mw_cached(const double *x, size_t m, const double *y, size_t n, int alt,
                          double *u, int *exact, pg_mw_cache *cache);
size_t pg_stats_moses_k(size_t m, size_t n, double conf, pg_mw_cache *cache);
int pg_stats_hl_cached(const double *x, size_t m, const double *y, size_t n, double conf,
                       double *scratch, double *shift, double *lo, double *hi,
                       pg_mw_cache *cache);

#endif
