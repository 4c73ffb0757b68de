/* pg_test.c - helpers shared by perfgate's cmocka tests (see pg_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu/isa.h"
#include "pg_test.h"

pg_csv *pgt_load(const char *relpath)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PG_GOLDEN_DIR, relpath);
    pg_error err = { 0 };
    pg_csv *csv = pg_csv_read_file(path, &err);
    if (!csv) {
        char msg[1024];
        pg_error_format(&err, msg, sizeof msg);
        fail_msg("cannot load golden file: %s", msg);
    }
    return csv;
}

double *pgt_column(const pg_csv *csv, const char *name)
{
    long col = pg_csv_find(csv, name);
    if (col < 0)
        fail_msg("golden column '%s' is missing", name);
    size_t n = pg_csv_nrows(csv);
    double *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    pg_error err = { 0 };
    if (pg_csv_column_double(csv, (size_t)col, v, &err) != 0) {
        char msg[1024];
        pg_error_format(&err, msg, sizeof msg);
        fail_msg("golden column '%s': %s", name, msg);
    }
    return v;
}

size_t *pgt_rows_where(const pg_csv *csv, const char *key, const char *value, size_t *count)
{
    long col = pg_csv_find(csv, key);
    if (col < 0)
        fail_msg("column '%s' is missing", key);
    size_t n = pg_csv_nrows(csv), k = 0;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    assert_non_null(idx);
    for (size_t r = 0; r < n; r++)
        if (!strcmp(pg_csv_cell(csv, r, (size_t)col), value))
            idx[k++] = r;
    *count = k;
    return idx;
}

int pgt_close(double a, double e, double rtol, double atol)
{
    if (isnan(e) || isnan(a))
        return isnan(e) && isnan(a);
    if (isinf(e) || isinf(a))
        return a == e;
    return fabs(a - e) <= atol + rtol * fabs(e);
}

double pgt_rel_dev(double a, double e)
{
    if (isnan(e) || isnan(a))
        return isnan(e) && isnan(a) ? 0.0 : INFINITY;
    if (isinf(e) || isinf(a))
        return a == e ? 0.0 : INFINITY;
    double d = fabs(a - e);
    return e != 0 ? d / fabs(e) : d;
}

double pgt_assert_close(const char *label, const double *actual, const double *expected, size_t n,
                        double rtol, double atol)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        if (!pgt_close(actual[i], expected[i], rtol, atol))
            fail_msg("%s[%zu]: got %.17g, expected %.17g (rtol %g, atol %g)", label, i, actual[i],
                     expected[i], rtol, atol);
        double d = pgt_rel_dev(actual[i], expected[i]);
        if (d > worst)
            worst = d;
    }
    return worst;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void pgt_rng_seed(pgt_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t pgt_rng_next(pgt_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double pgt_rng_uniform(pgt_rng *r)
{
    return (double)(pgt_rng_next(r) >> 11) * 0x1.0p-53;
}

double pgt_rng_normal(pgt_rng *r)
{
    double u1, u2;
    do
        u1 = pgt_rng_uniform(r);
    while (u1 <= 0);
    u2 = pgt_rng_uniform(r);
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

size_t pgt_rng_below(pgt_rng *r, size_t k)
{
    return (size_t)(pgt_rng_uniform(r) * (double)k);
}

void pgt_fill_series(pgt_rng *r, double *x, size_t n, int kind, double holes)
{
    double p = kind == 2 ? 1e6 : 100.0;
    for (size_t i = 0; i < n; i++) {
        double v;
        if (kind == 1) {
            v = pgt_rng_normal(r);
        } else {
            p *= exp((kind == 3 ? 0.2 : 0.01) * pgt_rng_normal(r));
            v = p;
        }
        if (pgt_rng_uniform(r) < 0.05 && i > 0 && isfinite(x[i - 1]))
            v = x[i - 1];
        double u = pgt_rng_uniform(r);
        if (u < holes)
            v = NAN;
        else if (u < holes * 1.2)
            v = INFINITY;
        else if (u < holes * 1.4)
            v = -INFINITY;
        x[i] = v;
    }
}

size_t pgt_scan_edge_len(pgt_rng *r)
{
    if (pgt_rng_uniform(r) < 0.5)
        return 1 + pgt_rng_below(r, 80);
    size_t base = 8 * (1 + pgt_rng_below(r, 40));
    return base + pgt_rng_below(r, 3) - 1 +
           (pgt_rng_uniform(r) < 0.5 ? 0 : 32 * pgt_rng_below(r, 8));
}

double pgt_hurst_reference(const double *x, size_t n, size_t lo, size_t hi, int f32)
{
    if (n < 2 * hi)
        return 0.5;
    size_t m = hi - lo + 1;
    double su = 0, sy = 0, suu = 0, suy = 0;
    for (size_t L = lo; L <= hi; L++) {
        long double s1 = 0, s2 = 0;
        for (size_t t = 0; t + L < n; t++) {
            double d = f32 ? (double)((float)x[t + L] - (float)x[t]) : x[t + L] - x[t];
            s1 += d;
            s2 += (long double)d * d;
        }
        double cnt = (double)(n - L), mean = (double)s1 / cnt;
        double var = (double)s2 / cnt - mean * mean;
        double y = log(sqrt(var > 0 ? var : 0)), u = log((double)L);
        su += u, sy += y, suu += u * u, suy += u * y;
    }
    double H = (suy - su * sy / (double)m) / (suu - su * su / (double)m);
    return isnan(H) ? H : H < 0 ? 0.0 : H > 1 ? 1.0 : H;
}

const char *const pgt_build_name[PGT_NBUILDS] = { "default", "avx2", "portable" };

void pgt_use_build(int build)
{
    static const int level[PGT_NBUILDS] = { -1, PG_ISA_AVX2, PG_ISA_PORTABLE };
    pg_kernels_force_isa(build > PGT_BUILD_DEFAULT && build < PGT_NBUILDS ? level[build] : -1);
}

int pgt_cpu_has_avx512(void)
{
    return pg_isa_cpu() == PG_ISA_AVX512;
}

static char *slurp_fd(int fd)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (;;) {
        if (cap - len < 1024) {
            char *n = realloc(buf, cap * 2);
            if (!n)
                break;
            buf = n;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    return buf;
}

int pgt_run(const char *cmdline, char **out, char **err)
{
    char outpath[] = "/tmp/pgt_outXXXXXX", errpath[] = "/tmp/pgt_errXXXXXX";
    int ofd = mkstemp(outpath), efd = mkstemp(errpath);
    if (ofd < 0 || efd < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(ofd, 1);
        dup2(efd, 2);
        execl("/bin/sh", "sh", "-c", cmdline, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    lseek(ofd, 0, SEEK_SET);
    lseek(efd, 0, SEEK_SET);
    if (out)
        *out = slurp_fd(ofd);
    if (err)
        *err = slurp_fd(efd);
    close(ofd);
    close(efd);
    unlink(outpath);
    unlink(errpath);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char *pgt_build_path(const char *rel, char *buf, size_t len)
{
    const char *dir = getenv("PG_BUILD_DIR");
    snprintf(buf, len, "%s/%s", dir && *dir ? dir : PG_BINARY_DIR, rel);
    return buf;
}
