/*
 * failmalloc.c - an LD_PRELOAD allocator shim that makes the k-th
 * allocation fail, for tests/e2e/oom_failmalloc.sh.  SQLite proves its
 * out-of-memory handling the same way (src/test_malloc.c): run the same
 * work once to count its allocations, then once for every k, with the k-th
 * failing, and check each run ends cleanly.
 *
 * Built only for tests (libpgfailmalloc.so), never linked into perfgate.
 * It wraps malloc, calloc, realloc, free and the aligned allocators; glibc's
 * own strdup, fopen, qsort and friends call malloc through the same symbol,
 * so their allocations are counted too.  Environment:
 *
 *   PG_FAILMALLOC_AT=k          fail the k-th allocation counted (1-based);
 *                               unset or 0: fail none, only count
 *   PG_FAILMALLOC_PERSIST=1     fail the k-th and every one after it
 *                               (default: only the k-th, "one-shot")
 *   PG_FAILMALLOC_COUNT_FILE=F  at exit, write "COUNT FAILED\n" to F: the
 *                               allocations counted and how many were failed
 *
 * Counting starts when main() starts (the shim wraps __libc_start_main):
 * what the dynamic loader, libc and the C++ runtime's static constructors
 * allocate before main is not perfgate's to handle, and failing it would
 * only abort the C++ runtime.  A failed allocation returns NULL with errno
 * ENOMEM, as glibc's does.
 *
 * The real functions come from dlsym(RTLD_NEXT, ...); dlsym may itself call
 * calloc before they are known, so the first few bytes come from a static
 * bump buffer, which free() and realloc() recognise.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef void *(*memalign_fn)(size_t, size_t);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef int (*main_fn)(int, char **, char **);
typedef int (*start_main_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
                             void *);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;
static memalign_fn real_memalign, real_aligned_alloc;
static posix_memalign_fn real_posix_memalign;

/* The bootstrap buffer for dlsym's own allocations (a few dozen bytes in
 * practice); never freed, never reused. */
static unsigned char boot[4096] __attribute__((aligned(16)));
static size_t boot_used;
static int resolving;

static int armed;
static uint64_t fail_at, counted, failed;
static int persist;
static const char *count_file;
static main_fn real_main;

static int in_boot(const void *p)
{
    return (const unsigned char *)p >= boot && (const unsigned char *)p < boot + sizeof boot;
}

static void *boot_alloc(size_t n)
{
    size_t at = (boot_used + 15) & ~(size_t)15;
    if (n > sizeof boot - at)
        return NULL;
    boot_used = at + n;
    return boot + at; /* static storage: already zero */
}

static void resolve(void)
{
    if (real_malloc || resolving)
        return;
    resolving = 1;
    real_calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
    real_malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
    real_realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
    real_free = (free_fn)dlsym(RTLD_NEXT, "free");
    real_memalign = (memalign_fn)dlsym(RTLD_NEXT, "memalign");
    real_aligned_alloc = (memalign_fn)dlsym(RTLD_NEXT, "aligned_alloc");
    real_posix_memalign = (posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
    resolving = 0;
}

/* Called at each failure injected: a place for a debugger to stop and
 * show who asked,
 *   gdb -batch -ex 'set env LD_PRELOAD=.../libpgfailmalloc.so' \
 *       -ex 'set env PG_FAILMALLOC_AT=17' -ex 'break pg_failmalloc_failed' \
 *       -ex run -ex bt --args build/cli/perfgate check ...                 */
__attribute__((noinline)) void pg_failmalloc_failed(uint64_t k);
__attribute__((noinline)) void pg_failmalloc_failed(uint64_t k)
{
    __asm__ volatile("" : : "r"(k) : "memory");
}

/* 1 when this allocation is to fail.  perfgate is single-threaded where it
 * matters here; the atomics only keep a helper thread from tearing the
 * count. */
static int should_fail(void)
{
    if (!armed)
        return 0;
    uint64_t k = __atomic_add_fetch(&counted, 1, __ATOMIC_RELAXED);
    if (fail_at && (k == fail_at || (persist && k > fail_at))) {
        __atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
        pg_failmalloc_failed(k);
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    resolve();
    if (!real_malloc)
        return boot_alloc(n);
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    resolve();
    if (!real_calloc) /* dlsym asking, while we resolve */
        return size && n > SIZE_MAX / size ? NULL : boot_alloc(n * size);
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    resolve();
    if (in_boot(p)) { /* move it out of the bootstrap buffer, never back */
        size_t have = (size_t)(boot + sizeof boot - (unsigned char *)p);
        void *q = malloc(n);
        if (q && n)
            memcpy(q, p, n < have ? n : have);
        return q;
    }
    /* realloc(p, 0) frees: nothing to fail */
    if (n && should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return real_realloc(p, n);
}

void free(void *p)
{
    if (!p || in_boot(p))
        return;
    resolve();
    real_free(p);
}

/* memalign and aligned_alloc: *next is read after resolve() fills it. */
static void *aligned(memalign_fn *next, size_t align, size_t n)
{
    resolve();
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return (*next)(align, n);
}

/* Interposed symbols: glibc declares memalign only in <malloc.h> and
 * __libc_start_main nowhere public, so -Wmissing-prototypes wants these. */
void *memalign(size_t align, size_t n);
void *memalign(size_t align, size_t n)
{
    return aligned(&real_memalign, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    return aligned(&real_aligned_alloc, align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    resolve();
    if (should_fail())
        return ENOMEM;
    return real_posix_memalign(out, align, n);
}

/* Written at exit without allocating: snprintf into the stack, write(2). */
static void write_count(void)
{
    if (!count_file)
        return;
    char line[64];
    int len = snprintf(line, sizeof line, "%llu %llu\n", (unsigned long long)counted,
                       (unsigned long long)failed);
    int fd = open(count_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (write(fd, line, (size_t)len) != len)
            (void)0; /* nothing to do: the driver sees a missing count */
        close(fd);
    }
}

static void arm(void)
{
    const char *at = getenv("PG_FAILMALLOC_AT");
    const char *pe = getenv("PG_FAILMALLOC_PERSIST");
    count_file = getenv("PG_FAILMALLOC_COUNT_FILE");
    fail_at = at ? strtoull(at, NULL, 10) : 0;
    persist = pe && pe[0] == '1';
    /* atexit allocates nothing counted: registered before arming */
    atexit(write_count);
    armed = 1;
}

static int wrapped_main(int argc, char **argv, char **envp)
{
    arm();
    return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end);
int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end)
{
    start_main_fn next = (start_main_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    real_main = main;
    return next(wrapped_main, argc, argv, init, fini, rtld_fini, stack_end);
}
