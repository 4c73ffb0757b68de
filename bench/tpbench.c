/*
 * tpbench.c - perfgate's benchmark program: the suites of bench/ run
 * through the harness (harness/pg_bench.h) on Google Benchmark.
 *
 *   tpbench [--suite=LIST] [--profile=LIST] [--size=LIST] [--seed=N]
 *           [--counters=LIST] [--first-children=N] [--out=FILE] [--list]
 *           [--benchmark_* flags of Google Benchmark]
 *
 * Exit codes: 0 ran (a failing benchmark is reported as an error in the
 * results), 2 bad usage (the message says what is accepted).
 */
#include <stdio.h>
#include <string.h>

#include "pg_bench.h"
#include "pg_cuda.h"
#include "suites.h"

static const char usage[] =
    "usage: tpbench [options] [--benchmark_* flags]\n"
    "\n"
    "Runs perfgate's benchmark suites on Google Benchmark.  Names are\n"
    "suite/kernel/profile/device/n, e.g. indicators/macd/hot/cpu/65536.\n"
    "\n"
    "  --suite=LIST          suites to run (comma list; default all, but gpu only\n"
    "                        where a GPU is present): %s\n"
    "  --profile=LIST        hot, cold, first or all (default all)\n"
    "  --size=LIST           only these sizes n (comma list)\n"
    "  --seed=N              seed of every generated input (default 7)\n"
    "  --counters=LIST       PAPI events or groups: instructions, cycles, cache,\n"
    "                        branch, software (unreadable ones are reported as\n"
    "                        unavailable in the results)\n"
    "  --first-children=N    child processes (samples) per first benchmark (default 10)\n"
    "  --cold-min-time=S     kernel seconds each cold repetition aims at (default\n"
    "                        --benchmark_min_time, else 0.1)\n"
    "  --out=FILE            write JSON results to FILE (--benchmark_out=FILE\n"
    "                        --benchmark_out_format=json) with the perfgate block\n"
    "  --list                print the selected benchmark names and exit\n"
    "  --help                print this help and exit\n"
    "\n"
    "Every Google Benchmark flag works too: --benchmark_filter=REGEX,\n"
    "--benchmark_repetitions=N, --benchmark_min_time=S, --benchmark_out=FILE, ...\n"
    "(cold benchmarks aim at 0.1 s of kernel time unless --benchmark_min_time is given).\n"
    "Repetitions run in random order across the suite unless\n"
    "--benchmark_enable_random_interleaving=false is given.\n"
    "See docs/harness.md.\n";

static const struct {
    const char *name;
    int (*reg)(pg_bench_registry *, pg_error *);
} suites[] = {
    { "indicators", suite_indicators_register },
    { "pipeline", suite_pipeline_register },
    { "calibration", suite_calibration_register },
    { "harness", pg_bench_register_harness_suite },
    { "gpu", suite_gpu_register },
};

static int fail(const char *what, const pg_error *err, int code)
{
    char msg[600];
    pg_error_format(err, msg, sizeof(msg));
    fprintf(stderr, "tpbench: %s%s\n", what, msg);
    return code;
}

int main(int argc, char **argv)
{
    pg_error err;
    pg_error_clear(&err);
    int code = 0;
    pg_bench_registry *reg = pg_bench_registry_create();
    if (!reg) {
        fprintf(stderr, "tpbench: out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (suites[i].reg(reg, &err) != 0) {
            code = fail("cannot register a suite: ", &err, 2);
            goto out;
        }

    pg_bench_options opts;
    pg_bench_options_default(&opts);
    if (pg_bench_parse_args(&opts, &argc, argv, &err) != 0) {
        code = fail("", &err, 2);
        goto out;
    }
    if (opts.help) {
        char names[512];
        pg_bench_suites(reg, names, sizeof(names));
        printf(usage, names);
        goto out;
    }
    if (opts.child[0]) {
        if (pg_bench_child(reg, &opts, 1, &err) != 0)
            code = fail("first-call child: ", &err, 1);
        goto out;
    }
    /* Without a GPU the gpu suite would only time the CPU fallback at up to
     * 16M points: it runs when asked for (--suite=gpu), and by default only
     * where a GPU is present. */
    opts.cuda_available = pg_cuda_available(opts.cuda_status, sizeof opts.cuda_status);
    opts.cuda_probed = 1;
    opts.fftw_wisdom = pg_phase_wisdom_status;
    opts.isa = pg_kernels_isa_status;
    if (!opts.suites[0] && !opts.cuda_available)
        snprintf(opts.suites, sizeof opts.suites, "indicators,pipeline,calibration,harness");
    if (pg_bench_select(reg, &opts, &err) < 0) {
        code = fail("", &err, 2);
        goto out;
    }
    if (opts.list) {
        pg_bench_info info;
        for (size_t i = 0; i < pg_bench_count(reg); i++)
            if (pg_bench_get(reg, i, &info) == 0 && info.selected)
                printf("%s\n", info.name);
        goto out;
    }
    if (pg_bench_run(reg, &opts, argc, argv, &err) != 0)
        code = fail("", &err, err.code == PG_EINVAL ? 2 : 1);
out:
    pg_bench_registry_destroy(reg);
    return code;
}
