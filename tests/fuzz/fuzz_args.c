/*
 * fuzz_args.c - the command-line parsers on arbitrary bytes.
 *
 * The subcommands live in the perfgate executable, so this fuzzes what they
 * parse with: the unit parsers of pg_gate.h (times, percentages, sizes,
 * dates, as --today and budget files give them), the "did you mean"
 * suggester of cli/util.c, and tpbench's pg_bench_parse_args.
 *
 * Input: the first byte picks the parser, the rest is split at NUL bytes
 * into arguments (at most 64).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pg_bench.h"
#include "pg_gate.h"

/* cli_nearest lives in the perfgate executable, not in a library. */
#include "../../cli/util.c"

#define MAX_ARGS 64

static void check_units(char **argv, int argc)
{
    for (int i = 0; i < argc; i++) {
        double v = -1;
        int ymd = -1;
        if (pg_parse_time(argv[i], &v) == 0 && !(v >= 0 && isfinite(v)))
            __builtin_trap(); /* an accepted time is finite, never negative */
        if (pg_parse_percent(argv[i], &v) == 0 && !(v >= 0 && isfinite(v)))
            __builtin_trap();
        if (pg_parse_bytes(argv[i], &v) == 0 && !(v >= 0 && isfinite(v)))
            __builtin_trap();
        if (pg_parse_date(argv[i], &ymd) == 0 && (ymd < 19700101 || ymd > 99991231))
            __builtin_trap();
        (void)pg_time_unit_ns(argv[i]);
    }
}

static void check_nearest(char **argv, int argc)
{
    static const char *const options[] = {
        "--results", "--budgets", "--baseline", "--junit", "--markdown", "--json", "--today",
        "--brief",   "--color",   "--help",     ""
    };
    for (int i = 0; i < argc; i++) {
        const char *near = cli_nearest(argv[i], options, sizeof options / sizeof options[0]);
        int known = near == NULL;
        for (size_t k = 0; k < sizeof options / sizeof options[0] && !known; k++)
            known = near == options[k];
        if (!known)
            __builtin_trap(); /* a suggestion is always one of the candidates */
        /* Candidates taken from the input itself, too. */
        (void)cli_nearest(argv[i], (const char *const *)argv, (size_t)argc);
    }
}

static void check_bench_args(char **argv, int argc)
{
    pg_bench_options o;
    pg_bench_options_default(&o);
    pg_error err = { 0 };
    int n = argc;
    if (pg_bench_parse_args(&o, &n, argv, &err) != 0) {
        if (err.code == 0 || err.message[0] == '\0')
            __builtin_trap(); /* a refusal always says why */
        return;
    }
    if (n < 1 || n > argc || argv[n] != NULL)
        __builtin_trap();
    /* What is left is argv[0] and Google Benchmark's flags. */
    for (int i = 1; i < n; i++)
        if (strncmp(argv[i], "--benchmark_", 12) != 0)
            __builtin_trap();
    if (o.n_sizes > sizeof o.sizes / sizeof o.sizes[0])
        __builtin_trap();
    if (!memchr(o.out_path, '\0', sizeof o.out_path) || !memchr(o.suites, '\0', sizeof o.suites) ||
        !memchr(o.counters, '\0', sizeof o.counters) || !memchr(o.child, '\0', sizeof o.child))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 3;
    /* A private, NUL-terminated copy to cut into arguments. */
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)"tpbench";
    for (char *p = buf; p < buf + size && argc <= MAX_ARGS; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    if (mode == 0)
        check_units(argv + 1, argc - 1);
    else if (mode == 1)
        check_nearest(argv + 1, argc - 1);
    else
        check_bench_args(argv, argc);
    free(buf);
    return 0;
}
