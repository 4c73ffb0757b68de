/*
 * pg_test.h - helpers shared by perfgate's cmocka tests.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h>, <stdint.h> and <cmocka.h>.
 * Golden files live under PG_GOLDEN_DIR (data/golden in the source tree).
 */
#ifndef PG_TEST_H
#define PG_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "pg_csv.h"

/* Loads data/golden/<relpath>; fails the test when it cannot. */
pg_csv *pgt_load(const char *relpath);

/* Column `name` of csv as a malloc'd array of nrows doubles (free() it);
 * fails the test when the column is missing or not numeric. */
double *pgt_column(const pg_csv *csv, const char *name);

/* The rows of a long-format file whose column `key` equals `value`, as a
 * malloc'd index array; *count gets how many. */
size_t *pgt_rows_where(const pg_csv *csv, const char *key, const char *value, size_t *count);

/* The golden comparison rule (data/golden/README.md): NaN <=> NaN, +-inf
 * exactly, -0.0 == 0.0, else |a - e| <= atol + rtol*|e|. */
int pgt_close(double actual, double expected, double rtol, double atol);

/* Relative deviation |a-e|/|e| (absolute when e == 0); 0 for matching
 * NaN/inf; +inf when the NaN/inf pattern differs. */
double pgt_rel_dev(double actual, double expected);

/* Asserts every element close; on failure prints label, index and both
 * values and fails the test.  Returns the largest relative deviation seen
 * (for the closing figures). */
double pgt_assert_close(const char *label, const double *actual, const double *expected, size_t n,
                        double rtol, double atol);

/* Seeded generator for property tests (splitmix64 -> xoshiro256**). */
typedef struct pgt_rng {
    uint64_t s[4];
} pgt_rng;
void pgt_rng_seed(pgt_rng *r, uint64_t seed);
uint64_t pgt_rng_next(pgt_rng *r);
double pgt_rng_uniform(pgt_rng *r);         /* [0, 1) */
double pgt_rng_normal(pgt_rng *r);          /* N(0, 1) */
size_t pgt_rng_below(pgt_rng *r, size_t k); /* 0 .. k-1 */
/* n values of kind 0: a price walk near 100; 1: N(0,1) noise (signs mixed,
 * values near 0); 2: a walk near 1e6; 3: a walk with big jumps.  5 % of the
 * values repeat the one before (runs of equal values); holes is the rate of
 * NaN, with +inf and -inf at a fifth of it each. */
void pgt_fill_series(pgt_rng *r, double *x, size_t n, int kind, double holes);
/* A length for the vectorised scans' edges: 1..80, or around a multiple
 * of 8 rows (one less, equal, one more), sometimes plus whole 32-row blocks. */
size_t pgt_scan_edge_len(pgt_rng *r);

/* TradePulse's hurst_exponent (KERNELS.md section 3), slowly: for lags
 * lo..hi every difference rounded in the working dtype (float32 when f32),
 * the sums in long double, the slope an ordinary least-squares fit of
 * ln tau on ln L, clipped to [0, 1] (NaN passes); 0.5 when n < 2*hi.  The
 * reference the property tests hold pg_hurst to. */
double pgt_hurst_reference(const double *x, size_t n, size_t lo, size_t hi, int f32);

/* The kernels' ISA builds (kernels/cpu/isa.h): what the CPU gets by
 * default, AVX2 (on an AVX-512 machine too) and portable.  pgt_use_build
 * makes every kernel run that build from then on, through the kernels'
 * test hook pg_kernels_force_isa (a build above the CPU's runs the CPU's). */
enum { PGT_BUILD_DEFAULT, PGT_BUILD_AVX2, PGT_BUILD_PORTABLE, PGT_NBUILDS };
extern const char *const pgt_build_name[PGT_NBUILDS];
void pgt_use_build(int build);
int pgt_cpu_has_avx512(void); /* the default build is the AVX-512 one */

/* Runs a command line via /bin/sh (test-controlled strings only); captures
 * stdout and stderr into malloc'd strings (may be NULL if not wanted).
 * Returns the exit status, or -1. */
int pgt_run(const char *cmdline, char **out, char **err);

/* Path of a file under the build directory (PG_BUILD_DIR env or compile-time). */
const char *pgt_build_path(const char *rel, char *buf, size_t len);

#endif
