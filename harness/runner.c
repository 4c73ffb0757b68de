/*
 * runner.c - the plain-C half of each profile: fixture life cycle, cache
 * eviction, manual timing of cold iterations, peak RSS, and the `first`
 * children (this very program run again with PG_BENCH_CHILD_FLAG, through
 * common/pg_process.h).
 *
 * The loops themselves live in shim.cc, because Google Benchmark's State is
 * C++; everything they call per iteration is here.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "internal.h"
#include "pg_process.h"

/* Client requests of valgrind's callgrind: no-ops (a few instructions that
 * do nothing) outside valgrind.  `perfgate ab --mode instructions` runs
 * tpbench under callgrind with instrumentation off and counts one kernel
 * call per benchmark (measure_instructions below). */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define PG_HAVE_CALLGRIND 1
#endif
#endif

struct harness_run {
    pg_bench_registry *reg;
    size_t idx;
    const pg_bench_def *def;
    pg_bench_ctx ctx;
    void *fixture;
    int inited;
    harness_run_summary sum;
};

/* ---- the ctx API of pg_bench.h ---- */

static int add_buf(pg_bench_ctx *ctx, const void *data, size_t bytes, int input)
{
    if (!ctx || (!data && bytes))
        return PG_EINVAL;
    if (ctx->nbufs == PG_MAX_BUFS)
        return PG_ELIMIT;
    ctx->bufs[ctx->nbufs].data = data;
    ctx->bufs[ctx->nbufs].bytes = bytes;
    ctx->bufs[ctx->nbufs].input = input;
    ctx->nbufs++;
    return PG_OK;
}

int pg_bench_input(pg_bench_ctx *ctx, const void *data, size_t bytes)
{
    return add_buf(ctx, data, bytes, 1);
}

int pg_bench_output(pg_bench_ctx *ctx, const void *data, size_t bytes)
{
    return add_buf(ctx, data, bytes, 0);
}

void pg_bench_set_items(pg_bench_ctx *ctx, double items)
{
    if (ctx) {
        ctx->items = items;
        ctx->items_set = 1;
    }
}

void pg_bench_set_bytes(pg_bench_ctx *ctx, double bytes)
{
    if (ctx) {
        ctx->bytes = bytes;
        ctx->bytes_set = 1;
    }
}

int pg_bench_add_counter(pg_bench_ctx *ctx, const char *name, const double *total)
{
    if (!ctx || !name || !total || !*name || strlen(name) >= sizeof ctx->user_name[0])
        return PG_EINVAL;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return PG_EINVAL;
    if (ctx->nuser == PG_MAX_USER)
        return PG_ELIMIT;
    snprintf(ctx->user_name[ctx->nuser], sizeof ctx->user_name[0], "%s", name);
    ctx->user_total[ctx->nuser++] = total;
    return PG_OK;
}

/* Remembers the fixture's running totals: what timed calls add from here on
 * is reported. */
static void user_snapshot(harness_run *r)
{
    r->sum.nuser = r->ctx.nuser;
    for (size_t i = 0; i < r->ctx.nuser; i++) {
        memcpy(r->sum.user_name[i], r->ctx.user_name[i], sizeof r->sum.user_name[i]);
        r->sum.user_start[i] = *r->ctx.user_total[i];
    }
}

void pg_bench_evict_caches(pg_bench_ctx *ctx)
{
    if (ctx)
        ctx->sweep = 1;
}

/* ---- eviction ---- */

/* Flushing exactly the lines the kernel touches costs time in proportion to
 * the data, not to the last-level cache, which keeps cold runs of small
 * inputs affordable; sweeping a buffer twice the LLC is the portable
 * fallback. */
#if defined(__x86_64__) || defined(__i386__)
const char *harness_evict_method(void)
{
    return "clflush";
}

static void evict(const void *p, size_t bytes)
{
    const char *c = p;
    for (size_t off = 0; off < bytes; off += 64)
        _mm_clflush(c + off);
    if (bytes)
        _mm_clflush(c + bytes - 1);
    _mm_mfence();
}
#elif defined(__aarch64__)
const char *harness_evict_method(void)
{
    return "dc civac";
}

static void evict(const void *p, size_t bytes)
{
    const char *c = p;
    for (size_t off = 0; off < bytes; off += 64)
        __asm__ volatile("dc civac, %0" ::"r"(c + off) : "memory");
    __asm__ volatile("dsb ish" ::: "memory");
}
#else
const char *harness_evict_method(void)
{
    return "sweep";
}

static void evict(const void *p, size_t bytes)
{
    static volatile unsigned char sweep[64u << 20];
    (void)p;
    (void)bytes;
    for (size_t i = 0; i < sizeof(sweep); i += 64)
        sweep[i]++;
}
#endif

/* Twice the last-level cache (64 MiB when sysconf cannot tell), written
 * once per cold iteration for fixtures that asked for it. */
static void sweep_caches(void)
{
    static unsigned char *buf;
    static size_t size;
    if (!buf) {
        long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
        if (llc <= 0)
            llc = sysconf(_SC_LEVEL2_CACHE_SIZE);
        size = llc > 0 ? 2 * (size_t)llc : (size_t)64 << 20;
        if (size < ((size_t)8 << 20))
            size = (size_t)8 << 20;
        buf = malloc(size);
        if (!buf)
            return;
    }
    for (size_t i = 0; i < size; i += 64)
        buf[i]++;
    __asm__ volatile("" ::: "memory");
}

static void evict_all(const pg_bench_ctx *ctx)
{
    if (ctx->sweep)
        sweep_caches();
    for (size_t i = 0; i < ctx->nbufs; i++)
        evict(ctx->bufs[i].data, ctx->bufs[i].bytes);
}

/* ---- time and memory ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time, seconds (NaN if the clock cannot be read, so that a missing
 * time is never judged as fast).  The thread's clock counts what the thread
 * ran, system calls and page faults on its behalf included, and leaves out
 * the time it waited for a core: on a shared machine it is the cost of the
 * call, where wall time adds whatever else ran. */
static double cpu_clock_s(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0)
        return NAN;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Reading the thread CPU clock is a system call, and a window between two
 * reads holds about one of them: 1.0-1.3 us on this project's VM, as much
 * as a 4096-point kernel.  That constant, the median of empty windows
 * (the same reads in the same order as a cold iteration), is subtracted
 * from each cold iteration's CPU time.  NaN when the clock fails. */
static double cpu_window_overhead(void)
{
    enum { N = 201 };
    double v[N];
    for (int i = 0; i < N; i++) {
        double c0 = cpu_clock_s(CLOCK_THREAD_CPUTIME_ID);
        volatile double t0 = now_s(), t1 = now_s();
        (void)t0;
        (void)t1;
        v[i] = cpu_clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    }
    qsort(v, N, sizeof v[0], cmp_double);
    return v[N / 2];
}

/* The first child's CPU time: every thread of this process (a kernel that
 * started threads, a GPU driver's helpers) plus the processes it started
 * and waited for (the process calibration's helper), which
 * CLOCK_PROCESS_CPUTIME_ID leaves out. */
static double process_cpu_s(void)
{
    struct rusage ru;
    double self = cpu_clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
        return NAN;
    return self + (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Resets the kernel's RSS high-water mark for this process (Linux >= 4.0:
 * writing 5 to clear_refs), so each benchmark's peak is its own. */
static void reset_peak_rss(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "5", 1) != 1) {
            /* fall through: the peak then includes earlier benchmarks */
        }
        close(fd);
    }
}

static double peak_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1;
    if (f) {
        while (fgets(line, sizeof(line), f))
            if (strncmp(line, "VmHWM:", 6) == 0) {
                kb = strtod(line + 6, NULL);
                break;
            }
        fclose(f);
    }
    if (kb < 0) {
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0)
            kb = (double)ru.ru_maxrss;
    }
    return kb < 0 ? -1 : kb * 1024.0;
}

static double faults_now(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_minflt + (double)ru.ru_majflt;
}

/* ---- life cycle ---- */

static void record_digest(harness_bench_entry *e, const pg_bench_ctx *ctx)
{
    uint64_t h = PG_FNV1A64_INIT;
    double in = 0;
    for (size_t i = 0; i < ctx->nbufs; i++) {
        if (!ctx->bufs[i].input)
            continue;
        h = pg_fnv1a64(ctx->bufs[i].data, ctx->bufs[i].bytes, h);
        in += (double)ctx->bufs[i].bytes;
    }
    pg_digest_hex(h, e->digest);
    e->input_bytes = in;
    e->have_digest = 1;
}

static double ctx_bytes(const pg_bench_ctx *ctx)
{
    if (ctx->bytes_set)
        return ctx->bytes;
    double all = 0;
    for (size_t i = 0; i < ctx->nbufs; i++)
        all += (double)ctx->bufs[i].bytes;
    return all;
}

/* Under callgrind only: one call of the kernel on the recorded input
 * (stream 0) with collection switched on around it and nothing else, then
 * a dump whose trigger names the benchmark ("perfgate:NAME").  A first
 * call runs instrumented but uncollected so that the cache simulation sees
 * warm caches, as the hot profile does.  Outside valgrind this is a test
 * of RUNNING_ON_VALGRIND and nothing more. */
static void measure_instructions(harness_run *r, const harness_bench_entry *e)
{
#ifdef PG_HAVE_CALLGRIND
    if (!RUNNING_ON_VALGRIND || e->ran)
        return;
    char reason[sizeof e->name + 16];
    snprintf(reason, sizeof reason, "perfgate:%s", e->name);
    CALLGRIND_START_INSTRUMENTATION;
    int rc = r->def->run(r->fixture);
    CALLGRIND_TOGGLE_COLLECT;
    if (rc == 0)
        rc = r->def->run(r->fixture);
    CALLGRIND_TOGGLE_COLLECT;
    if (rc == 0)
        CALLGRIND_DUMP_STATS_AT(reason);
    else
        CALLGRIND_ZERO_STATS;
        /* Instrumentation stays on: after a STOP, a later START does not see
     * code already translated uninstrumented (callgrind 3.19 counted 0 for
     * a kernel that ran natively in between); uncollected code runs at
     * instrumented speed, which only costs time. */
#else
    (void)r;
    (void)e;
#endif
}

/* The same benchmark again with the same init: reuse its fixture.  Its
 * input is the recorded one for a hot run (nothing writes to inputs) and is
 * refilled before every cold iteration, so a reused run measures what a new
 * one would, without the seeded set-up and first-touch page faults that
 * otherwise cost more than the timed calls in a short gate. */
static harness_run *reuse(pg_bench_registry *reg, size_t idx, int do_init)
{
    harness_run *r = reg->kept;
    if (!r)
        return NULL;
    if (r->idx != idx || r->inited != (do_init && r->def->init)) {
        harness_run_release(reg);
        return NULL;
    }
    reset_peak_rss();
    memset(r->sum.counter_total, 0, sizeof r->sum.counter_total);
    r->sum.page_faults = 0;
    r->sum.cpu_seconds = 0;
    user_snapshot(r);
    return r;
}

harness_run *harness_run_begin(pg_bench_registry *reg, size_t idx, int do_init, pg_error *err)
{
    harness_run *r = reuse(reg, idx, do_init);
    if (r)
        return r;
    harness_bench_entry *e = &reg->e[idx];
    r = calloc(1, sizeof(*r));
    if (!r) {
        pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        return NULL;
    }
    r->reg = reg;
    r->idx = idx;
    r->def = &reg->defs[e->def];
    reset_peak_rss();
    uint64_t seed = reg->opts ? reg->opts->seed : PG_DATA_DEFAULT_SEED;
    if (r->def->setup) {
        r->fixture = r->def->setup(&r->ctx, e->n, seed, r->def->arg);
        if (!r->fixture) {
            pg_error_set(err, PG_EIO, NULL, 0, 0, NULL, "%s: setup failed", e->name);
            free(r);
            return NULL;
        }
    }
    if (!e->have_digest)
        record_digest(e, &r->ctx);
    r->sum.items = r->ctx.items_set ? r->ctx.items : (double)e->n;
    r->sum.bytes = ctx_bytes(&r->ctx);
    r->sum.ncounters = harness_counters_count(reg->counters);
    for (size_t i = 0; i < r->sum.ncounters; i++)
        r->sum.counter_ok[i] = harness_counters_available(reg->counters, i);
    if (do_init && r->def->init) {
        int rc = r->def->init(r->fixture);
        if (rc) {
            pg_error_set(err, rc, NULL, 0, 0, NULL, "%s: init failed: %s", e->name,
                         pg_strerror(rc));
            harness_run_discard(r, NULL);
            return NULL;
        }
        r->inited = 1;
    }
    if (do_init)
        measure_instructions(r, e);
    user_snapshot(r);
    return r;
}

void harness_run_loop_fn(harness_run *r, int (**fn)(void *), void **fixture)
{
    *fn = r->def->run;
    *fixture = r->fixture;
}

int harness_run_once(harness_run *r)
{
    return r->def->run(r->fixture);
}

int harness_run_counters_start(harness_run *r)
{
    user_snapshot(r); /* the hot warm-up call is not reported */
    return harness_counters_start(r->reg->counters);
}

int harness_run_counters_stop(harness_run *r)
{
    return harness_counters_stop(r->reg->counters, r->sum.counter_total);
}

int harness_run_cold_iteration(harness_run *r, double *seconds)
{
    harness_bench_entry *e = &r->reg->e[r->idx];
    uint64_t seed = r->reg->opts ? r->reg->opts->seed : PG_DATA_DEFAULT_SEED;
    /* Stream 0 is the recorded input; every cold iteration gets a new one. */
    uint64_t stream = ++e->next_stream;
    int rc = r->def->reseed(r->fixture, pg_data_stream_seed(seed, stream));
    if (rc)
        return rc;
    if (!r->reg->have_cpu_overhead) {
        r->reg->cpu_overhead_s = cpu_window_overhead();
        r->reg->have_cpu_overhead = 1;
    }
    evict_all(&r->ctx);
    harness_counters_start(r->reg->counters);
    /* The CPU clock is a system call, the wall clock is not: reading the
     * CPU clock outside the wall clock keeps real_time as it was. */
    double c0 = cpu_clock_s(CLOCK_THREAD_CPUTIME_ID);
    double t0 = now_s();
    rc = r->def->run(r->fixture);
    double t1 = now_s();
    double c1 = cpu_clock_s(CLOCK_THREAD_CPUTIME_ID);
    harness_counters_stop(r->reg->counters, r->sum.counter_total);
    *seconds = t1 - t0;
    /* Never below zero: a call shorter than the clock's own jitter. */
    double cpu = c1 - c0 - r->reg->cpu_overhead_s;
    r->sum.cpu_seconds += cpu > 0 || isnan(cpu) ? cpu : 0;
    return rc;
}

/* Fills s and the entry from the run just ended. */
static void summarise(harness_run *r, harness_run_summary *s)
{
    harness_bench_entry *e = &r->reg->e[r->idx];
    for (size_t i = 0; i < r->sum.nuser; i++)
        r->sum.user_total[i] = *r->ctx.user_total[i] - r->sum.user_start[i];
    r->sum.peak_rss_bytes = peak_rss_bytes();
    e->ran = 1;
    e->items = r->sum.items;
    e->bytes = r->sum.bytes;
    if (r->sum.peak_rss_bytes > e->peak_rss_bytes)
        e->peak_rss_bytes = r->sum.peak_rss_bytes;
    if (s)
        *s = r->sum;
}

static void destroy(harness_run *r)
{
    if (r->inited && r->def->fini)
        r->def->fini(r->fixture);
    if (r->def->teardown && r->fixture)
        r->def->teardown(r->fixture);
    free(r);
}

void harness_run_end(harness_run *r, harness_run_summary *s)
{
    if (!r)
        return;
    summarise(r, s);
    if (r->reg->kept && r->reg->kept != r)
        harness_run_release(r->reg);
    r->reg->kept = r;
}

void harness_run_discard(harness_run *r, harness_run_summary *s)
{
    if (!r)
        return;
    if (r->reg->kept == r)
        r->reg->kept = NULL;
    /* The fixture's totals are read before teardown frees them. */
    summarise(r, s);
    destroy(r);
}

void harness_run_release(pg_bench_registry *reg)
{
    if (!reg || !reg->kept)
        return;
    harness_run *r = reg->kept;
    reg->kept = NULL;
    destroy(r);
}

/* ---- first: the child side ---- */

static void put(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(int fd, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (len <= 0)
        return;
    size_t todo = (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1;
    const char *p = line;
    while (todo) {
        ssize_t w = write(fd, p, todo);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        todo -= (size_t)w;
    }
}

int pg_bench_child(pg_bench_registry *reg, const pg_bench_options *opts, int fd, pg_error *err)
{
    int idx = -1;
    for (size_t i = 0; reg && i < reg->n; i++)
        if (strcmp(reg->e[i].name, opts->child) == 0 && !reg->e[i].native)
            idx = (int)i;
    if (idx < 0)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no benchmark named '%s'",
                            opts->child);
    reg->opts = opts;
    reg->counters = harness_counters_create(opts->counters, err);
    if (!reg->counters)
        return err && err->code ? err->code : PG_ENOMEM;
    int rc = PG_OK;
    harness_run *r = harness_run_begin(reg, (size_t)idx, 0, err);
    if (!r) {
        rc = err && err->code ? err->code : PG_EIO;
        goto done;
    }
    double f0 = faults_now();
    harness_counters_start(reg->counters);
    double c0 = process_cpu_s();
    double t0 = now_s();
    if (r->def->init) {
        rc = r->def->init(r->fixture);
        r->inited = rc == 0;
    }
    if (rc == 0)
        rc = r->def->run(r->fixture);
    double t1 = now_s();
    double c1 = process_cpu_s();
    harness_counters_stop(reg->counters, r->sum.counter_total);
    double faults = faults_now() - f0;
    harness_run_summary s;
    harness_run_discard(r, &s); /* a child runs one call: nothing to keep */
    if (rc) {
        pg_error_set(err, rc, NULL, 0, 0, NULL, "%s: %s", opts->child, pg_strerror(rc));
        goto done;
    }
    const harness_bench_entry *e = &reg->e[idx];
    put(fd, "ns %.0f\n", (t1 - t0) * 1e9);
    put(fd, "cpu_ns %.0f\n", (c1 - c0) * 1e9);
    put(fd, "digest %s\n", e->digest);
    put(fd, "input_bytes %.0f\n", e->input_bytes);
    put(fd, "items %.17g\n", s.items);
    put(fd, "bytes %.17g\n", s.bytes);
    put(fd, "peak_rss_bytes %.0f\n", s.peak_rss_bytes);
    put(fd, "page_faults %.0f\n", faults);
    for (size_t i = 0; i < s.ncounters; i++)
        if (s.counter_ok[i])
            put(fd, "counter %zu %.17g\n", i, s.counter_total[i]);
    /* The fixture's own counters (GPU event times: the first call's split). */
    for (size_t i = 0; i < s.nuser; i++)
        put(fd, "user %s %.17g\n", s.user_name[i], s.user_total[i]);
    put(fd, "end\n");
done:
    harness_counters_destroy(reg->counters);
    reg->counters = NULL;
    return rc;
}

/* ---- first: the parent side ---- */

static int read_all(int fd, char *buf, size_t cap)
{
    size_t used = 0;
    for (;;) {
        if (used + 1 >= cap)
            return -1;
        ssize_t got = read(fd, buf + used, cap - 1 - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        used += (size_t)got;
    }
    buf[used] = '\0';
    return 0;
}

int harness_run_first_sample(pg_bench_registry *reg, size_t idx, double *seconds,
                             harness_run_summary *s, pg_error *err)
{
    harness_bench_entry *e = &reg->e[idx];
    const pg_bench_options *o = reg->opts;
    char seed_arg[64], child_arg[PG_NAME_MAX + 32], counters_arg[600];
    snprintf(seed_arg, sizeof(seed_arg), "--seed=%llu", (unsigned long long)o->seed);
    snprintf(child_arg, sizeof(child_arg), "%s=%s", PG_BENCH_CHILD_FLAG, e->name);
    snprintf(counters_arg, sizeof(counters_arg), "--counters=%s", o->counters);
    const char *args[] = { reg->self_exe, child_arg, seed_arg, counters_arg, NULL };

    /* The child times its own call (pg_bench_child) and sends the numbers
     * down its stdout: starting it and waiting for it are not timed, so
     * the general module's overhead does not count here. */
    pg_process p = { 0 };
    p.argv = args;
    /* /proc/self/exe is this very binary even if the file was replaced by
     * a rebuild since; argv[0], the path, is the fallback without /proc. */
    p.exec_path = "/proc/self/exe";
    p.out = PG_PROCESS_PIPE;
    int rc = pg_process_start(&p, err);
    if (rc)
        return rc;
    char buf[8192];
    int rr = read_all(p.out_fd, buf, sizeof(buf));
    close(p.out_fd); /* a child that says too much gets SIGPIPE, not a wait */
    p.out_fd = -1;
    pg_error why;
    pg_error_clear(&why);
    int fin = pg_process_finish(&p, &why);
    int code = p.exit_code;
    pg_process_clear(&p);
    if (rr != 0 || fin != 0 || !strstr(buf, "end\n"))
        return pg_error_set(err, PG_EIO, NULL, 0, 0, NULL,
                            "%s: first-call child failed (exit status %d)", e->name, code);

    memset(s, 0, sizeof(*s));
    s->ncounters = harness_counters_count(reg->counters);
    s->peak_rss_bytes = -1;
    double ns = -1, cpu_ns = -1;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char key[32], val[64];
        size_t ci;
        double cv;
        if (sscanf(line, "counter %zu %lf", &ci, &cv) == 2) {
            if (ci < s->ncounters && ci < PG_MAX_EVENTS) {
                s->counter_total[ci] = cv;
                s->counter_ok[ci] = 1;
            }
            continue;
        }
        char uname[48];
        if (sscanf(line, "user %47s %lf", uname, &cv) == 2) {
            if (s->nuser < PG_MAX_USER) {
                memcpy(s->user_name[s->nuser], uname, sizeof uname);
                s->user_total[s->nuser++] = cv;
            }
            continue;
        }
        if (sscanf(line, "%31s %63s", key, val) != 2)
            continue;
        if (!strcmp(key, "ns"))
            ns = strtod(val, NULL);
        else if (!strcmp(key, "cpu_ns"))
            cpu_ns = strtod(val, NULL); /* "nan" when the child had no clock */
        else if (!strcmp(key, "digest") && strlen(val) == 16) {
            memcpy(e->digest, val, 17);
            e->have_digest = 1;
        } else if (!strcmp(key, "input_bytes"))
            e->input_bytes = strtod(val, NULL);
        else if (!strcmp(key, "items"))
            s->items = strtod(val, NULL);
        else if (!strcmp(key, "bytes"))
            s->bytes = strtod(val, NULL);
        else if (!strcmp(key, "peak_rss_bytes"))
            s->peak_rss_bytes = strtod(val, NULL);
        else if (!strcmp(key, "page_faults"))
            s->page_faults = strtod(val, NULL);
    }
    if (ns < 0 || !(cpu_ns >= 0 || isnan(cpu_ns)))
        return pg_error_set(err, PG_EPARSE, NULL, 0, 0, NULL, "%s: child sent no time", e->name);
    e->ran = 1;
    e->items = s->items;
    e->bytes = s->bytes;
    if (s->peak_rss_bytes > e->peak_rss_bytes)
        e->peak_rss_bytes = s->peak_rss_bytes;
    *seconds = ns * 1e-9;
    s->cpu_seconds = cpu_ns * 1e-9;
    return PG_OK;
}
