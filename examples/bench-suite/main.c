/*
 * main.c - the example's benchmark program: registers its suite, reads the
 * harness's flags (--seed, --profile, --size, --out, --list, and every
 * --benchmark_* flag of Google Benchmark) and runs.  tpbench's main
 * (bench/tpbench.c in perfgate) is the same, with more suites.
 *
 * Exit codes: 0 ran, 1 a run failed, 2 bad usage.
 */
#include <stdio.h>

#include <pg_bench.h>

#include "suite.h"

static int fail(const pg_error *err, int code)
{
    char msg[600];
    pg_error_format(err, msg, sizeof msg);
    fprintf(stderr, "mybench: %s\n", msg);
    return code;
}

int main(int argc, char **argv)
{
    pg_error err;
    pg_error_clear(&err);
    int code = 0;
    pg_bench_registry *reg = pg_bench_registry_create();
    if (!reg) {
        fprintf(stderr, "mybench: out of memory\n");
        return 2;
    }
    pg_bench_options opts;
    pg_bench_options_default(&opts);
    if (example_suite_register(reg, &err) != 0) {
        code = fail(&err, 2);
        goto out;
    }
    if (pg_bench_parse_args(&opts, &argc, argv, &err) != 0) {
        code = fail(&err, 2);
        goto out;
    }
    if (opts.help) {
        printf("usage: mybench [--seed=N] [--profile=LIST] [--size=LIST] [--out=FILE] [--list]\n"
               "               [--benchmark_* flags]\n");
        goto out;
    }
    /* `first` profile children re-enter here; this suite has none, but a
     * program should always route them. */
    if (opts.child[0]) {
        if (pg_bench_child(reg, &opts, 1, &err) != 0)
            code = fail(&err, 1);
        goto out;
    }
    if (pg_bench_select(reg, &opts, &err) < 0) {
        code = fail(&err, 2);
        goto out;
    }
    if (opts.list) {
        pg_bench_info info;
        for (size_t i = 0; i < pg_bench_count(reg); i++) {
            if (pg_bench_get(reg, i, &info) == 0 && info.selected)
                printf("%s\n", info.name);
        }
        goto out;
    }
    if (pg_bench_run(reg, &opts, argc, argv, &err) != 0)
        code = fail(&err, err.code == PG_EINVAL ? 2 : 1);
out:
    pg_bench_registry_destroy(reg);
    return code;
}
