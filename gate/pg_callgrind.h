/*
 * pg_callgrind.h - reading valgrind's callgrind output (gate/callgrind.c):
 * per-benchmark instruction counts for `perfgate ab --mode instructions`
 * and per-function costs for `perfgate profile`.
 *
 * tpbench run under callgrind writes one dump per benchmark: the harness
 * switches instrumentation on around one kernel call and dumps with the
 * client request "perfgate:NAME" (harness/runner.c).  Running valgrind is
 * the caller's, through common/pg_process.h.
 *
 * Any other Google Benchmark program is counted between Google Benchmark's
 * own State::StartKeepRunning and State::FinishKeepRunning (the timed
 * loop): run under callgrind with costs zeroed on entering the first (its
 * own cost left out) and a dump on entering the second, one dump per run
 * of a benchmark (pg_callgrind_gb_counts).
 *
 * Conventions as pg_gate.h: 0 or a negative PG_E... code with the
 * pg_error filled; arrays handed out are malloc'd, the caller frees them;
 * nothing here prints or exits.
 */
#ifndef PG_CALLGRIND_H
#define PG_CALLGRIND_H

#include <stddef.h>

#include "pg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pg_cg_count {
    char name[256]; /* the benchmark (the dump's client-request reason) */
    double ir;      /* instructions of one kernel call */
    double d1mr, dlmr, i1mr, ilmr, d1mw, dlmw; /* misses (NaN without --cache-sim) */
} pg_cg_count;

/* Reads every callgrind dump named "<prefix>.*" (and "<prefix>") whose
 * trigger is a client request "perfgate:NAME" (harness/runner.c).
 * *out is malloc'd.  Returns 0, or a PG_E... code with err filled. */
int pg_callgrind_read_dumps(const char *prefix, pg_cg_count **out, size_t *n, pg_error *err);

/* The functions that bound Google Benchmark's timed loop (libbenchmark's
 * exported symbols, as callgrind names them). */
#define PG_CG_GB_START "benchmark::State::StartKeepRunning()"
#define PG_CG_GB_STOP "benchmark::State::FinishKeepRunning()"

/* The counts of a Google Benchmark program run under callgrind with the
 * options above and results written to results_path: the dumps
 * "<prefix>.N" triggered on entering PG_CG_GB_STOP, in N order, belong to
 * the results' iteration rows in file order (one dump a row: benchmarks
 * with ->Threads() above 1 cannot be told apart and are an error).  Each
 * benchmark's count is its last repetition's dump (the first call also
 * pays for lazy symbol binding) divided by that row's iterations: the
 * instructions of one iteration of the loop, plus the loop's own few.
 * *out is malloc'd.  Returns 0, or a PG_E... code with err filled. */
int pg_callgrind_gb_counts(const char *prefix, const char *results_path, pg_cg_count **out,
                           size_t *n, pg_error *err);

/* The path of the last PG_CG_GB_STOP dump among "<prefix>.N" (the highest
 * N) into path.  Returns 0, or -1 when there is none. */
int pg_callgrind_gb_last_dump(const char *prefix, char *path, size_t len);

/* Rewrites the Google Benchmark results file at path (tpbench run under
 * callgrind) so that every benchmark carries the counters "instructions",
 * "instructions_per_item" and, with a cache simulation, "cache_misses" and
 * "cache_misses_per_item"; real and cpu time become the instruction count
 * (unit "ns" kept for the tools, documented) and each benchmark gets
 * `repeat` identical repetition rows so the gate's sample-size rules hold
 * for a value that has no noise.  The perfgate block (made for a program
 * that wrote none) says "mode": "instructions".  Items per iteration come
 * from the perfgate block, else from the row's items_per_second times its
 * CPU time.  Returns 0 or a PG_E... code with err filled. */
int pg_callgrind_rewrite_results(const char *path, const pg_cg_count *c, size_t n, int repeat,
                                 pg_error *err);

/* One function's cost in a single callgrind output file. */
typedef struct pg_cg_fn {
    char name[240];
    char file[200];
    double ir;   /* self instructions */
    double incl; /* inclusive (self + calls), best effort */
} pg_cg_fn;

/* Parses a callgrind output file into per-function self costs (Ir),
 * largest first; *total gets the file's total.  *out is malloc'd. */
int pg_callgrind_functions(const char *path, pg_cg_fn **out, size_t *n, double *total,
                           pg_error *err);

#ifdef __cplusplus
}
#endif
#endif
