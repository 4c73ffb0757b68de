/*
 * internal.h - what the files of harness/ share, the C side of the shim
 * included.  Never included from outside harness/.
 */
#ifndef PG_HARNESS_INTERNAL_H
#define PG_HARNESS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pg_bench.h"
#include "pg_data.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PG_MAX_BUFS 32
#define PG_MAX_EVENTS 24
#define PG_NAME_MAX 160

/* One declared buffer of a fixture. */
typedef struct harness_buf {
    const void *data;
    size_t bytes;
    int input; /* 1: digested input; 0: output or scratch */
} harness_buf;

#define PG_MAX_USER 8

struct pg_bench_ctx {
    harness_buf bufs[PG_MAX_BUFS];
    size_t nbufs;
    double items, bytes;
    int items_set, bytes_set;
    int sweep;    /* pg_bench_evict_caches was called */
    size_t nuser; /* pg_bench_add_counter: the fixture's own running totals */
    char user_name[PG_MAX_USER][48];
    const double *user_total[PG_MAX_USER];
};

/* ---- counters.c: PAPI events, with perf_event_open as a fallback ---- */

typedef struct harness_counters harness_counters;

/* spec: comma list of event names and groups (instructions, cycles, cache,
 * branch, software).  Events that cannot be read are kept, marked
 * unavailable with the reason.  NULL on out-of-memory or more than
 * PG_MAX_EVENTS events (err says which). */
harness_counters *harness_counters_create(const char *spec, pg_error *err);
void harness_counters_destroy(harness_counters *c);
size_t harness_counters_count(const harness_counters *c);
const char *harness_counters_name(const harness_counters *c, size_t i);
int harness_counters_available(const harness_counters *c, size_t i);
/* "available (papi)", "available (perf_event_open; papi: ...)" or
 * "unavailable: <reason>". */
const char *harness_counters_status(const harness_counters *c, size_t i);
/* Starts counting from zero (no-op without available events). */
int harness_counters_start(harness_counters *c);
/* Stops and adds the counts since start to acc[0..count-1]. */
int harness_counters_stop(harness_counters *c, double *acc);
/* PAPI as this machine sees it: fills available (0/1), version and reason. */
void harness_papi_probe(int *available, char *version, size_t vlen, int *hw_counters, char *reason,
                        size_t rlen);

/* ---- registry.c ---- */

typedef struct harness_bench_entry {
    char name[PG_NAME_MAX];
    size_t def;       /* index into registry defs */
    unsigned profile; /* one PG_PROFILE_* bit */
    size_t n;
    int native; /* 1: written directly against Google Benchmark (overhead) */
    int selected;
    /* Filled as it runs (all runs of the benchmark in this process). */
    int ran;
    int have_digest;
    char digest[17];
    double input_bytes;
    double items, bytes;
    double peak_rss_bytes; /* largest seen */
    uint64_t next_stream;  /* cold: the next fresh seed stream */
    char error[256];
} harness_bench_entry;

struct pg_bench_registry {
    pg_bench_def *defs;
    size_t ndefs, capdefs;
    harness_bench_entry *e;
    size_t n, cap;
    /* Set by pg_bench_run / pg_bench_child for the runs. */
    const pg_bench_options *opts;
    harness_counters *counters;
    char self_exe[1024];
    int interleaved; /* repetitions ran in random order across the suite */
    /* The last benchmark's run, kept for Google Benchmark's next call of the
     * same benchmark (its next repetition, or the next step of its
     * iteration-count search): set-up, seeded input and init are then made
     * once per benchmark instead of once per call (runner.c). */
    struct harness_run *kept;
    /* What the thread CPU clock reads over an empty cold timing window
     * (seconds, median; measured before the first cold iteration, once a
     * process), subtracted from every cold iteration's CPU time. */
    int have_cpu_overhead;
    double cpu_overhead_s;
};

/* Adds one entry that has no C callbacks: the shim runs it natively. */
int harness_registry_add_native(pg_bench_registry *reg, const char *suite, const char *kernel,
                                size_t n, pg_error *err);

/* ---- runner.c: the parts of each profile that are plain C ---- */

typedef struct harness_run_summary {
    double items, bytes; /* per iteration */
    size_t ncounters;
    double counter_total[PG_MAX_EVENTS]; /* summed over the timed calls */
    int counter_ok[PG_MAX_EVENTS];
    double page_faults; /* rusage minflt+majflt over the timed part (first) */
    /* CPU time of the timed part, seconds, summed over the timed calls:
     * cold, the thread's (CLOCK_THREAD_CPUTIME_ID around each run());
     * first, the child process's and its waited-for children's over
     * init + run.  Becomes the rows' cpu_time (shim.cc). */
    double cpu_seconds;
    double peak_rss_bytes; /* < 0 when unknown */
    size_t nuser;          /* the fixture's counters (pg_bench_add_counter) */
    char user_name[PG_MAX_USER][48];
    double user_total[PG_MAX_USER]; /* added by the timed calls */
    double user_start[PG_MAX_USER]; /* the totals when timing began */
} harness_run_summary;

typedef struct harness_run harness_run;

/* setup (stream 0 of the seed), digest, and init when do_init. */
harness_run *harness_run_begin(pg_bench_registry *reg, size_t idx, int do_init, pg_error *err);
/* The fixture and its run callback, for the shim's hot loop. */
void harness_run_loop_fn(harness_run *r, int (**fn)(void *), void **fixture);
/* One untimed call (hot warm-up). */
int harness_run_once(harness_run *r);
int harness_run_counters_start(harness_run *r);
int harness_run_counters_stop(harness_run *r);
/* Cold: reseed from a fresh stream, evict every declared buffer, time run():
 * its wall time in *seconds; its thread CPU time is added to the summary's
 * cpu_seconds. */
int harness_run_cold_iteration(harness_run *r, double *seconds);
/* Peak RSS; fills s; records into the entry; keeps r in the registry for
 * the next harness_run_begin of the same benchmark (harness_run_release ends it).
 * NULL r is a no-op. */
void harness_run_end(harness_run *r, harness_run_summary *s);
/* As harness_run_end, but after a failed call: fini, teardown and free now, so
 * that no later call reuses a fixture in an unknown state. */
void harness_run_discard(harness_run *r, harness_run_summary *s);
/* fini, teardown and free of the kept run, if any.  Called when another
 * benchmark begins and after the last one. */
void harness_run_release(pg_bench_registry *reg);
/* First: starts a child, reads its sample: wall time of init + run in
 * *seconds; s gets its counters and its CPU time (cpu_seconds). */
int harness_run_first_sample(pg_bench_registry *reg, size_t idx, double *seconds,
                             harness_run_summary *s, pg_error *err);
/* Eviction method in use ("clflush", "dc civac" or "sweep"). */
const char *harness_evict_method(void);

/* ---- context.c ---- */

/* Appends the "perfgate" block to the Google Benchmark JSON at path
 * (written to a temporary file, then renamed over it). */
int harness_context_write(const pg_bench_registry *reg, const pg_bench_options *opts,
                          const char *path, pg_error *err);

/* ---- shim.cc ---- */
int harness_shim_run(pg_bench_registry *reg, const pg_bench_options *opts, int argc, char **argv,
                     pg_error *err);

#ifdef __cplusplus
}
#endif
#endif
