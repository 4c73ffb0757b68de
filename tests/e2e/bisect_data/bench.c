/*
 * bench.c - the benchmark program of tests/e2e/bisect_cli.sh, copied into
 * a git repository the test builds commit by commit.  It speaks the part
 * of tpbench's command line `perfgate ab` uses (--out=, --benchmark_filter=,
 * --benchmark_repetitions=, --benchmark_min_time=; the rest is ignored)
 * and writes Google Benchmark JSON.  Under callgrind it counts one call of
 * each kernel the way harness/runner.c does (a dump named
 * "perfgate:NAME"), so `perfgate ab --mode instructions` reads it too.
 *
 * work.h sets WORK, the work of BM_sum in percent of its first version:
 * the commit that raises it is the one bisect must find (300 in the e2e
 * test; 105 in bench/accuracy/bisect_runs.sh).  BM_copy never changes.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "work.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif

#define N 4096
static double in[4 * N], out[N];
static volatile double sink;

static void bm_sum(void)
{
    double s = 0;
    for (int i = 0; i < N * WORK / 100; i++)
        s += in[i] * 0.5;
    sink = s;
}

static void bm_copy(void)
{
    memcpy(out, in, sizeof out);
    sink = out[N / 2];
}

static const struct {
    const char *name;
    void (*fn)(void);
} benches[] = { { "BM_sum/4096", bm_sum }, { "BM_copy/4096", bm_copy } };

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *outpath = NULL, *filter = NULL;
    int reps = 1;
    double min_time = 0.005;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            /* what `perfgate ab` asks a program before running it: the
             * options of tpbench's harness this program takes (it ignores
             * the cold and first-call ones; it has no such profiles) */
            puts("usage: bench [--out=FILE] [--benchmark_filter=REGEX]\n"
                 "             [--benchmark_repetitions=N] [--benchmark_min_time=S]\n"
                 "             [--cold-min-time=S] [--first-children=N]");
            return 0;
        }
        if (!strncmp(argv[i], "--out=", 6))
            outpath = argv[i] + 6;
        else if (!strncmp(argv[i], "--benchmark_filter=", 19))
            filter = argv[i] + 19;
        else if (!strncmp(argv[i], "--benchmark_repetitions=", 24))
            reps = atoi(argv[i] + 24);
        else if (!strncmp(argv[i], "--benchmark_min_time=", 21))
            min_time = atof(argv[i] + 21);
    }
    if (!outpath || reps < 1) {
        fprintf(stderr, "bench: --out=FILE is required\n");
        return 2;
    }
    regex_t re;
    if (filter && regcomp(&re, filter, REG_EXTENDED | REG_NOSUB)) {
        fprintf(stderr, "bench: bad filter '%s'\n", filter);
        return 2;
    }
    for (int i = 0; i < 4 * N; i++)
        in[i] = (double)(i % 97) * 0.5;
    FILE *f = fopen(outpath, "w");
    if (!f)
        return 2;
    fprintf(f, "{\"context\": {\"date\": \"2026-12-07T00:00:00+00:00\", \"host_name\": \"t\", "
               "\"num_cpus\": 1, \"library_build_type\": \"release\"},\n \"benchmarks\": [");
    int first = 1;
    for (size_t b = 0; b < sizeof benches / sizeof benches[0]; b++) {
        if (filter && regexec(&re, benches[b].name, 0, NULL, 0) != 0)
            continue;
#ifdef HAVE_CALLGRIND
        if (RUNNING_ON_VALGRIND) {
            char reason[64];
            snprintf(reason, sizeof reason, "perfgate:%s", benches[b].name);
            CALLGRIND_START_INSTRUMENTATION;
            benches[b].fn();
            CALLGRIND_TOGGLE_COLLECT;
            benches[b].fn();
            CALLGRIND_TOGGLE_COLLECT;
            CALLGRIND_DUMP_STATS_AT(reason);
        }
#endif
        for (int r = 0; r < reps; r++) {
            long iters = 0;
            double r0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID), r1;
            do {
                benches[b].fn();
                iters++;
                r1 = now(CLOCK_MONOTONIC);
            } while (r1 - r0 < min_time * 1e9);
            double c1 = now(CLOCK_PROCESS_CPUTIME_ID);
            fprintf(f,
                    "%s\n  {\"name\": \"%s\", \"run_name\": \"%s\", \"run_type\": "
                    "\"iteration\", \"repetitions\": %d, \"repetition_index\": %d, "
                    "\"iterations\": %ld, \"real_time\": %.3f, \"cpu_time\": %.3f, "
                    "\"time_unit\": \"ns\"}",
                    first ? "" : ",", benches[b].name, benches[b].name, reps, r, iters,
                    (r1 - r0) / (double)iters, (c1 - c0) / (double)iters);
            first = 0;
        }
    }
    fprintf(f, "\n]}\n");
    if (filter)
        regfree(&re);
    return fclose(f) == 0 ? 0 : 2;
}
