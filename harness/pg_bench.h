/*
 * pg_bench.h - perfgate's C API for benchmark suites.
 *
 * A suite describes each benchmark with a pg_bench_def (name parts, sizes,
 * profiles, callbacks) and adds it to a registry; tpbench hands the registry
 * to pg_bench_run, which maps every selected benchmark onto Google Benchmark
 * through the one C++ file (harness/shim.cc), so every --benchmark_* flag
 * works unchanged.  Suites are plain C; they never see C++.
 *
 * Names: suite/kernel/profile/device/n, e.g. indicators/macd/hot/cpu/65536.
 *
 * Profiles (docs/harness.md says more):
 *   hot   - init and one warm-up call, then run() in Google Benchmark's own
 *           timed loop on the same input every iteration;
 *   cold  - before every iteration the inputs are refilled from a fresh seed
 *           stream (reseed) and every declared buffer is evicted from the
 *           caches; only run() is timed (manual time);
 *   first - one sample per child process: tpbench re-executes itself with
 *           PG_BENCH_CHILD_FLAG, the child sets up its input (untimed), then
 *           times init() plus the first run(); N children are reported as N
 *           repetitions of one iteration.
 *
 * Call order in one process: setup, init, [run ...], fini, teardown.  setup,
 * reseed, fini and teardown are never timed; init is timed only in `first`.
 *
 * Errors: callbacks return 0 or a negative PG_E... code (common/pg_error.h);
 * a failing benchmark is reported as a Google Benchmark error and the others
 * still run.  Library functions never print and never exit.
 */
#ifndef PG_BENCH_H
#define PG_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "pg_error.h"
#include "pg_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* perfgate's version (pg_version.h, made from the CMake project version). */
#define PG_BENCH_VERSION PG_VERSION

/* The hidden flag a `first` child is started with: --pg-first-child=NAME. */
#define PG_BENCH_CHILD_FLAG "--pg-first-child"

/* Profiles, as bits of pg_bench_def.profiles. */
enum {
    PG_PROFILE_HOT = 1u << 0,
    PG_PROFILE_COLD = 1u << 1,
    PG_PROFILE_FIRST = 1u << 2,
    PG_PROFILE_ALL = 7u
};

/* "hot", "cold" or "first" for one profile bit; NULL otherwise. */
const char *pg_bench_profile_name(unsigned profile);

/* Per-run context handed to setup: where the fixture declares its buffers. */
typedef struct pg_bench_ctx pg_bench_ctx;

/* Declares an input buffer: it is digested (FNV-1a 64, in declaration
 * order, right after setup) into the run's input digest, evicted before each
 * cold iteration, and counted in bytes per iteration.  The buffer must stay
 * valid until teardown.  PG_ELIMIT beyond 32 buffers. */
int pg_bench_input(pg_bench_ctx *ctx, const void *data, size_t bytes);

/* Declares an output or scratch buffer: evicted before each cold iteration
 * and counted in bytes per iteration, not digested. */
int pg_bench_output(pg_bench_ctx *ctx, const void *data, size_t bytes);

/* Asks for a whole-cache sweep (writing a buffer of twice the last-level
 * cache) before each cold iteration, on top of the per-buffer flushes: for
 * kernels whose working memory the fixture cannot declare (buffers inside
 * a library's workspace). */
void pg_bench_evict_caches(pg_bench_ctx *ctx);

/* Declares a counter of the fixture's own: a running total the fixture adds
 * to on every run() (e.g. GPU kernel or transfer nanoseconds measured with
 * CUDA events).  The harness reports what the timed calls added, per
 * iteration, as the Google Benchmark user counter `name` (and
 * `name_per_item`).  name: [a-z0-9_]+, at most 47 characters; total must
 * stay valid until teardown.  PG_EINVAL for a bad name, PG_ELIMIT beyond 8
 * counters.  Not reported for the `first` profile. */
int pg_bench_add_counter(pg_bench_ctx *ctx, const char *name, const double *total);

/* Items (elements) one run() processes; the default is n. */
void pg_bench_set_items(pg_bench_ctx *ctx, double items);

/* Bytes one run() reads and writes; the default is the sum of the declared
 * buffers. */
void pg_bench_set_bytes(pg_bench_ctx *ctx, double bytes);

/* A benchmark family: one benchmark per size and supported profile.
 * The registry copies the struct and the sizes; strings must outlive it
 * (string literals). */
typedef struct pg_bench_def {
    const char *suite;   /* [a-z0-9_.-]+, e.g. "indicators" */
    const char *kernel;  /* [a-z0-9_.-]+, e.g. "macd" */
    const char *device;  /* [a-z0-9_.-]+; NULL means "cpu" */
    unsigned profiles;   /* PG_PROFILE_* bits; cold needs reseed */
    const size_t *sizes; /* problem sizes n (>= 1), one benchmark each */
    size_t n_sizes;      /* 1..64 */
    void *arg;           /* handed unchanged to setup */

    /* Allocates the fixture for size n, fills its inputs from stream 0 of
     * `seed` (pg_data.h), declares its buffers through ctx, and returns the
     * fixture, or NULL on failure.  Untimed. */
    void *(*setup)(pg_bench_ctx *ctx, size_t n, uint64_t seed, void *arg);
    /* Makes what the kernel keeps between calls (workspace, plans).  May be
     * NULL.  Timed in `first` only. */
    int (*init)(void *fixture);
    /* One call of the kernel under test: the timed part.  Required. */
    int (*run)(void *fixture);
    /* Refills the inputs in place from seed `stream_seed` (cold profile).
     * Required when profiles has PG_PROFILE_COLD.  Untimed. */
    int (*reseed)(void *fixture, uint64_t stream_seed);
    /* Undoes init.  May be NULL. */
    void (*fini)(void *fixture);
    /* Frees the fixture.  May be NULL. */
    void (*teardown)(void *fixture);
} pg_bench_def;

/* The registry suites add to at start-up. */
typedef struct pg_bench_registry pg_bench_registry;

pg_bench_registry *pg_bench_registry_create(void);      /* NULL when out of memory */
void pg_bench_registry_destroy(pg_bench_registry *reg); /* NULL is a no-op */

/* Adds one benchmark per (size, profile) of def.  PG_EINVAL (with a message
 * in err) for a bad name part, a missing callback, no sizes or profiles, or a
 * name already registered; PG_ENOMEM. */
int pg_bench_register(pg_bench_registry *reg, const pg_bench_def *def, pg_error *err);

/* Registers the harness's own suite: harness/overhead/hot/cpu/1, an empty
 * benchmark through this C API, and harness/overhead_native/hot/cpu/1, the
 * same empty loop written directly against Google Benchmark.  Their
 * difference is the cost of the C API per iteration. */
int pg_bench_register_harness_suite(pg_bench_registry *reg, pg_error *err);

/* Number of registered benchmarks and the i-th one's parts. */
size_t pg_bench_count(const pg_bench_registry *reg);

typedef struct pg_bench_info {
    const char *name; /* suite/kernel/profile/device/n */
    const char *suite;
    const char *kernel;
    const char *device;
    unsigned profile; /* one PG_PROFILE_* bit */
    size_t n;
    int selected; /* 1 when the current selection keeps it */
} pg_bench_info;

/* PG_EINVAL when i is out of range. */
int pg_bench_get(const pg_bench_registry *reg, size_t i, pg_bench_info *info);

/* Options of a run; pg_bench_options_default fills the defaults. */
typedef struct pg_bench_options {
    uint64_t seed;           /* --seed, default PG_DATA_DEFAULT_SEED (7) */
    char suites[256];        /* --suite: comma list, "" = all */
    unsigned profiles;       /* --profile: PG_PROFILE_* bits, default all */
    size_t sizes[32];        /* --size: comma list */
    size_t n_sizes;          /* 0 = all sizes */
    char counters[512];      /* --counters: events or groups, "" = none */
    unsigned first_children; /* --first-children, default 10 */
    int list;                /* --list: print the selected names, run nothing */
    int help;                /* --help */
    char child[256];         /* PG_BENCH_CHILD_FLAG=NAME: be a `first` child */
    char out_path[1024];     /* --benchmark_out (or --out), "" = none */
    int out_json;            /* 1 when the out file is JSON (the default format) */
    int min_time_given;      /* 1 when --benchmark_min_time was passed */
    double cold_min_time;    /* --cold-min-time: kernel seconds a cold repetition
                                   aims at (0: --benchmark_min_time, else 0.1) */
    char display_format[16]; /* --benchmark_format: console, json or csv */
    int color;               /* --benchmark_color: -1 auto, 0 no, 1 yes */
    int counters_tabular;    /* --benchmark_counters_tabular */
    /* What the program found about CUDA (pg_cuda_available), for the
     * context block; cuda_probed = 0: the harness only looks for the device
     * node.  Set by the program, not by a flag. */
    int cuda_probed;
    int cuda_available;
    char cuda_status[256]; /* the device when available, else why not */
    /* The program's FFTW wisdom status (tpbench: pg_phase_wisdom_status),
     * asked for when the context block is written, after the run; NULL:
     * not recorded. */
    const char *(*fftw_wisdom)(void);
    /* The instruction-set build the program's code ran (tpbench:
     * pg_kernels_isa_status), recorded as "isa"; NULL: not recorded. */
    const char *(*isa)(void);
} pg_bench_options;

void pg_bench_options_default(pg_bench_options *opts);

/* Reads tpbench's own flags out of argv, leaving argv[0] and every
 * --benchmark_* flag (for Google Benchmark) in place and updating *argc.
 * tpbench flags: --seed=N --suite=LIST --profile=LIST --size=LIST
 * --counters=LIST --first-children=N --out=FILE --list --help, and the hidden
 * child flag.  --out=FILE stands for --benchmark_out=FILE
 * --benchmark_out_format=json.  PG_EINVAL with a message in err for an
 * unknown flag, a bad value or a stray argument. */
int pg_bench_parse_args(pg_bench_options *opts, int *argc, char **argv, pg_error *err);

/* Marks the benchmarks opts selects (--suite, --profile, --size).  PG_EINVAL
 * with a message naming what is accepted for an unknown suite, or when
 * nothing is selected.  Returns the number selected on success (>= 1). */
int pg_bench_select(pg_bench_registry *reg, const pg_bench_options *opts, pg_error *err);

/* Comma-separated list of registered suite names into buf. */
void pg_bench_suites(const pg_bench_registry *reg, char *buf, size_t len);

/* Runs the selected benchmarks through Google Benchmark with the remaining
 * argv (its flags), and when opts->out_path is a JSON file, adds the
 * "perfgate" context block to it.  Google Benchmark prints its results to
 * stdout as usual.  PG_EINVAL for a flag Google Benchmark does not know,
 * PG_EIO when the context block cannot be written. */
int pg_bench_run(pg_bench_registry *reg, const pg_bench_options *opts, int argc, char **argv,
                 pg_error *err);

/* The `first` child: sets up opts->child, times init + the first run and
 * writes "key value" lines to fd (ns, digest, counters...) for the parent.
 * PG_EINVAL when no benchmark has that name. */
int pg_bench_child(pg_bench_registry *reg, const pg_bench_options *opts, int fd, pg_error *err);

#ifdef __cplusplus
}
#endif
#endif
