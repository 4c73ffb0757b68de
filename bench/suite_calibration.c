/*
 * suite_calibration.c - fixed loops that measure the machine, not perfgate,
 * so budgets can be stated relative to them (a kernel's time divided by the
 * stream time of the same run holds across kinds of machine).
 *
 *   calibration/stream/hot/cpu/4194304   b[i] = 0.5*a[i] + 1 over two
 *       32 MiB arrays (read + write, 16 bytes a point): memory bandwidth;
 *   calibration/stream_1r3w/hot/cpu/1048576   b = 0.5*a + 1, c = a - b,
 *       d = b*c over one 8 MiB input and three 8 MiB outputs (32 bytes a
 *       point): the memory floor of a kernel that reads one column and
 *       writes three, such as the fused MACD scan (macd, signal,
 *       histogram).  Its size is the kernels' own 1M points, not stream's
 *       4M: the 32 MiB it touches is the size of the L3 here (32 MiB), as
 *       the 1M kernel's 32 MiB is, so the floor sees the same cache
 *       residency as the kernel it bounds.  At 4M (128 MiB, DRAM only) the
 *       same loop measured 1.08 ns a point against 0.75 at 1M in the same
 *       run (CPU time; 0.64-0.75 at 1M over several runs): a floor ~1.45x
 *       too lenient for a 1M kernel, so only the 1M size is registered;
 *   calibration/fma_chain/hot/cpu/1048576   x = fma(x, a, c), each step
 *       depending on the last: FMA latency;
 *   calibration/muladd_chain/hot/cpu/1048576   x = x*a + c as a multiply
 *       then an add (this file is built with -ffp-contract=off): mul+add
 *       latency;
 *   calibration/fft/hot/cpu/65536   FFTW's real-to-complex transform, plan
 *       made once with FFTW_ESTIMATE (as the phase kernel's size 65536);
 *   calibration/process/first/cpu/{4,64}   (n in MiB; first profile only)
 *       what a fresh process pays before it computes anything: start the
 *       smallest program there is (/bin/true: exec, the dynamic loader,
 *       libc's start-up, exit) and wait for it, then malloc n MiB and write
 *       one byte a page, as a workspace's creation does (page faults and
 *       the kernel zeroing the pages).  These costs are the kernel's and the
 *       hypervisor's, not the core's: a first call's time relative to an
 *       FMA chain moved 3x between two EPYC hosts.  The CPU time a page is
 *       the same at 4, 64 and 416 MiB (what pipeline/path/first/cpu/1000000
 *       touches), so 64 MiB gives the time a page at a sixth of the cost;
 *       4 MiB is about what the 10,000-row one does (1,145 faults).
 *       Items are the pages touched.  /bin/true rather than this program:
 *       tpbench's own start-up grows with every library it links, and a
 *       calibration must measure the machine, not perfgate.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fftw3.h>

#include "pg_data.h"
#include "suites.h"

typedef struct cal_fx {
    size_t n;
    double *a, *b, *c, *d; /* c, d: stream_1r3w only */
    fftw_complex *spec;
    fftw_plan plan;
    volatile double sink;
} cal_fx;

static void cal_teardown(void *p)
{
    cal_fx *f = p;
    if (!f)
        return;
    if (f->plan)
        fftw_destroy_plan(f->plan);
    fftw_free(f->spec);
    free(f->a);
    free(f->b);
    free(f->c);
    free(f->d);
    free(f);
}

static void *cal_setup_arrays(pg_bench_ctx *ctx, size_t n, uint64_t seed, int two)
{
    cal_fx *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->n = n;
    f->a = malloc(n * sizeof(double));
    f->b = two ? malloc(n * sizeof(double)) : NULL;
    if (!f->a || (two && !f->b)) {
        cal_teardown(f);
        return NULL;
    }
    pg_rng r;
    pg_rng_seed(&r, seed);
    pg_data_uniform(&r, f->a, n, 0.0, 1.0);
    pg_bench_input(ctx, f->a, n * sizeof(double));
    if (two) {
        memset(f->b, 0, n * sizeof(double));
        pg_bench_output(ctx, f->b, n * sizeof(double));
    }
    return f;
}

static void *stream_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    (void)arg;
    return cal_setup_arrays(ctx, n, seed, 1);
}

static int stream_run(void *p)
{
    cal_fx *f = p;
    const double *restrict a = f->a;
    double *restrict b = f->b;
    for (size_t i = 0; i < f->n; i++)
        b[i] = 0.5 * a[i] + 1.0;
    f->sink = b[f->n - 1];
    return 0;
}

static void *stream_1r3w_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    (void)arg;
    cal_fx *f = cal_setup_arrays(ctx, n, seed, 1);
    if (!f)
        return NULL;
    f->c = malloc(n * sizeof(double));
    f->d = malloc(n * sizeof(double));
    if (!f->c || !f->d) {
        cal_teardown(f);
        return NULL;
    }
    memset(f->c, 0, n * sizeof(double));
    memset(f->d, 0, n * sizeof(double));
    pg_bench_output(ctx, f->c, n * sizeof(double));
    pg_bench_output(ctx, f->d, n * sizeof(double));
    return f; /* items n, bytes 32 a point (the declared buffers) */
}

static int stream_1r3w_run(void *p)
{
    cal_fx *f = p;
    const double *restrict a = f->a;
    double *restrict b = f->b, *restrict c = f->c, *restrict d = f->d;
    for (size_t i = 0; i < f->n; i++) {
        double x = a[i], y = 0.5 * x + 1.0, z = x - y;
        b[i] = y;
        c[i] = z;
        d[i] = y * z;
    }
    f->sink = b[f->n - 1] + c[f->n - 1] + d[f->n - 1];
    return 0;
}

/* The chains read their constants from the seeded input so the compiler
 * cannot fold them. */
static void *chain_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    (void)arg;
    cal_fx *f = cal_setup_arrays(ctx, 2, seed, 0);
    if (f) {
        f->n = n;
        pg_bench_set_items(ctx, (double)n);
        pg_bench_set_bytes(ctx, 0);
    }
    return f;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("fma"))) static double fma_chain_hw(double x, double a, double c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x = __builtin_fma(x, a, c);
    return x;
}
#endif

static double fma_chain_sw(double x, double a, double c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x = fma(x, a, c);
    return x;
}

static int fma_run(void *p)
{
    cal_fx *f = p;
    double a = 0.999999 + 1e-9 * f->a[0], c = 1e-6 * f->a[1];
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("fma")) {
        f->sink = fma_chain_hw(1.0, a, c, f->n);
        return 0;
    }
#endif
    f->sink = fma_chain_sw(1.0, a, c, f->n);
    return 0;
}

static int muladd_run(void *p)
{
    cal_fx *f = p;
    double a = 0.999999 + 1e-9 * f->a[0], c = 1e-6 * f->a[1];
    double x = 1.0;
    for (size_t i = 0; i < f->n; i++)
        x = x * a + c;
    f->sink = x;
    return 0;
}

static void *fft_setup(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg)
{
    (void)arg;
    cal_fx *f = cal_setup_arrays(ctx, n, seed, 0);
    if (!f)
        return NULL;
    f->spec = fftw_malloc((n / 2 + 1) * sizeof(fftw_complex));
    if (!f->spec) {
        cal_teardown(f);
        return NULL;
    }
    pg_bench_output(ctx, f->spec, (n / 2 + 1) * sizeof(fftw_complex));
    return f;
}

static int fft_init(void *p)
{
    cal_fx *f = p;
    /* FFTW_ESTIMATE leaves the input alone while planning. */
    f->plan = fftw_plan_dft_r2c_1d((int)f->n, f->a, f->spec, FFTW_ESTIMATE);
    return f->plan ? 0 : PG_ENOMEM;
}

static int fft_run(void *p)
{
    cal_fx *f = p;
    fftw_execute(f->plan);
    return 0;
}

/* ---- calibration/process/first ---- */

extern char **environ;

typedef struct proc_fx {
    size_t bytes, page;
    unsigned char *mem;
} proc_fx;

static void process_teardown(void *p)
{
    proc_fx *f = p;
    if (f)
        free(f->mem);
    free(f);
}

static void *process_setup(pg_bench_ctx *ctx, size_t mib, uint64_t seed, void *arg)
{
    (void)seed;
    (void)arg;
    proc_fx *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    long page = sysconf(_SC_PAGESIZE);
    f->page = page > 0 ? (size_t)page : 4096;
    f->bytes = mib << 20;
    pg_bench_set_items(ctx, (double)(f->bytes / f->page));
    pg_bench_set_bytes(ctx, (double)f->bytes);
    return f;
}

/* The loader's start-up: /bin/true, its output to /dev/null (the first
 * child's stdout is the pipe to its parent), waited for.  posix_spawn is
 * vfork + exec: no copy of this process's page tables, so what is timed is
 * the new program's start, not the size of its parent.  This is the one
 * program perfgate starts without common/pg_process.h, on purpose: here
 * the start itself is the measured work, and pg_process's fork (page
 * tables copied), close-on-exec report pipe, environment copy and 5 ms
 * polling would be timed with it. */
static int process_init(void *p)
{
    (void)p;
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return PG_ENOMEM;
    int rc = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    char *argv[] = { "true", NULL };
    if (rc == 0)
        rc = posix_spawn(&pid, "/bin/true", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return PG_EIO;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return PG_EIO;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : PG_EIO;
}

/* Fresh memory, one write a page, the ordinary way (malloc's mmap path,
 * one 4 KiB fault a page: what pg_pipeline_ws_create paid before its
 * workspace became a lazily mapped huge-page block).  Freed in teardown,
 * untimed, like a workspace. */
static int process_run(void *p)
{
    proc_fx *f = p;
    if (f->mem)
        return 0; /* the first call only: there is no second one */
    f->mem = malloc(f->bytes);
    if (!f->mem)
        return PG_ENOMEM;
    volatile unsigned char *v = f->mem;
    for (size_t i = 0; i < f->bytes; i += f->page)
        v[i] = 1;
    return 0;
}

static int register_process(pg_bench_registry *reg, pg_error *err)
{
    static const size_t mib[] = { 4, 64 };
    pg_bench_def d;
    memset(&d, 0, sizeof(d));
    d.suite = "calibration";
    d.kernel = "process";
    d.profiles = PG_PROFILE_FIRST;
    d.sizes = mib;
    d.n_sizes = sizeof(mib) / sizeof(mib[0]);
    d.setup = process_setup;
    d.init = process_init;
    d.run = process_run;
    d.teardown = process_teardown;
    return pg_bench_register(reg, &d, err);
}

int suite_calibration_register(pg_bench_registry *reg, pg_error *err)
{
    static const size_t stream_n[] = { 4194304 }, chain_n[] = { 1048576 }, fft_n[] = { 65536 };
    static const size_t stream_1r3w_n[] = { 1048576 };
    struct {
        const char *kernel;
        const size_t *sizes;
        size_t n_sizes;
        void *(*setup)(pg_bench_ctx *, size_t, uint64_t, void *);
        int (*init)(void *);
        int (*run)(void *);
    } t[] = {
        { "stream", stream_n, 1, stream_setup, NULL, stream_run },
        { "stream_1r3w", stream_1r3w_n, 1, stream_1r3w_setup, NULL, stream_1r3w_run },
        { "fma_chain", chain_n, 1, chain_setup, NULL, fma_run },
        { "muladd_chain", chain_n, 1, chain_setup, NULL, muladd_run },
        { "fft", fft_n, 1, fft_setup, fft_init, fft_run },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        pg_bench_def d;
        memset(&d, 0, sizeof(d));
        d.suite = "calibration";
        d.kernel = t[i].kernel;
        d.profiles = PG_PROFILE_HOT;
        d.sizes = t[i].sizes;
        d.n_sizes = t[i].n_sizes;
        d.setup = t[i].setup;
        d.init = t[i].init;
        d.run = t[i].run;
        d.teardown = cal_teardown;
        int rc = pg_bench_register(reg, &d, err);
        if (rc)
            return rc;
    }
    return register_process(reg, err);
}
