/*
 * bench_program.c - asks a benchmark program what it understands (its
 * --help) and builds the command lines that run it (bench_program.h).
 */
#include "bench_program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pg_callgrind.h"
#include "pg_process.h"

static const struct {
    unsigned flag;
    const char *opt; /* as given on perfgate's command line */
} harness_opts[] = {
    { PG_PROG_COLD_MIN, "--cold-min-time=" },
    { PG_PROG_FIRST_CHILDREN, "--first-children=" },
    { PG_PROG_SUITE, "--suite=" },
    { PG_PROG_PROFILE, "--profile=" },
    { PG_PROG_SIZE, "--size=" },
    { PG_PROG_SEED, "--seed=" },
    { PG_PROG_COUNTERS, "--counters=" },
    { PG_PROG_OUT, "--out=" },
};

int pg_prog_probe(const char *bin, const char *log, const char *cmd, pg_prog *p)
{
    memset(p, 0, sizeof *p);
    p->bin = bin;
    const char *argv[] = { bin, "--help", NULL };
    pg_process pr;
    pg_process_init_logged(&pr, argv, log, 60);
    pg_error err;
    pg_error_clear(&err);
    int rc = pg_process_run(&pr, &err);
    int ran = pr.exit_code >= 0;
    pg_process_clear(&pr);
    if (!ran) { /* did not start, a signal, or a timeout */
        fprintf(stderr, "perfgate: %s: '%s' --help: %s\n", cmd, bin, err.message);
        return 2;
    }
    (void)rc; /* Google Benchmark's --help exits 0, other versions may not */
    FILE *f = fopen(log, "r");
    char line[1024];
    int gb = 0;
    while (f && fgets(line, sizeof line, f)) {
        gb |= strstr(line, "--benchmark_filter") != NULL;
        for (size_t i = 0; i < sizeof harness_opts / sizeof harness_opts[0]; i++) {
            /* listed as an option: "  --suite=LIST" or "[--suite=...]" */
            const char *at = strstr(line, harness_opts[i].opt);
            if (at && (at == line || at[-1] == ' ' || at[-1] == '[' || at[-1] == ','))
                p->flags |= harness_opts[i].flag;
        }
    }
    if (f)
        fclose(f);
    if (!gb) {
        fprintf(stderr,
                "perfgate: %s: '%s' is not a Google Benchmark program: its --help lists no "
                "--benchmark_filter (perfgate runs Google Benchmark programs and tpbench)\n",
                cmd, bin);
        return 2;
    }
    /* perfgate's harness: the cold and first-call profiles and --out= */
    p->harness = (p->flags & (PG_PROG_OUT | PG_PROG_COLD_MIN | PG_PROG_FIRST_CHILDREN)) ==
                 (PG_PROG_OUT | PG_PROG_COLD_MIN | PG_PROG_FIRST_CHILDREN);
    return 0;
}

int pg_prog_accepts(const pg_prog *p, const char *arg)
{
    for (size_t i = 0; i < sizeof harness_opts / sizeof harness_opts[0]; i++)
        if (!strncmp(arg, harness_opts[i].opt, strlen(harness_opts[i].opt)))
            return (p->flags & harness_opts[i].flag) != 0;
    return 1;
}

int pg_prog_check_args(const pg_prog *const *progs, size_t nprogs, const char *const *args,
                       size_t nargs, const char *cmd)
{
    for (size_t k = 0; k < nprogs; k++)
        for (size_t i = 0; i < nargs; i++)
            if (!pg_prog_accepts(progs[k], args[i])) {
                const char *eq = strchr(args[i], '=');
                fprintf(stderr,
                        "perfgate: %s: '%s' does not understand %.*s (a plain Google Benchmark "
                        "program: only --benchmark_* flags)\n",
                        cmd, progs[k]->bin, eq ? (int)(eq - args[i] + 1) : (int)strlen(args[i]),
                        args[i]);
                return 2;
            }
    return 0;
}

void pg_prog_valgrind_argv(const pg_prog *p, int cache_sim, const char *cg_out_arg, char **argv,
                           size_t *n)
{
    argv[(*n)++] = "valgrind";
    argv[(*n)++] = "--tool=callgrind";
    argv[(*n)++] = cache_sim ? "--cache-sim=yes" : "--cache-sim=no";
    argv[(*n)++] = (char *)cg_out_arg;
    if (p->harness) {
        /* the harness switches instrumentation on around one kernel call */
        argv[(*n)++] = "--collect-atstart=no";
        argv[(*n)++] = "--instr-atstart=no";
        return;
    }
    /* Google Benchmark's timed loop: costs zeroed on entering
     * StartKeepRunning, which itself is not collected (a toggle, which
     * implies --collect-atstart=no: set back to yes after it), and dumped
     * on entering FinishKeepRunning.  The dump holds the loop alone. */
    argv[(*n)++] = "--zero-before=" PG_CG_GB_START;
    argv[(*n)++] = "--toggle-collect=" PG_CG_GB_START;
    argv[(*n)++] = "--collect-atstart=yes";
    argv[(*n)++] = "--dump-before=" PG_CG_GB_STOP;
}

void pg_prog_out_argv(const pg_prog *p, const char *path, char *buf, size_t len, char **argv,
                      size_t *n)
{
    if (p->flags & PG_PROG_OUT) {
        snprintf(buf, len, "--out=%s", path);
        argv[(*n)++] = buf;
        return;
    }
    snprintf(buf, len, "--benchmark_out=%s", path);
    argv[(*n)++] = buf;
    argv[(*n)++] = "--benchmark_out_format=json";
}
