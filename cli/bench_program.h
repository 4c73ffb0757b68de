/*
 * bench_program.h - what a benchmark program given to `perfgate ab` and
 * `perfgate profile` understands, found by asking it (its --help), and
 * the valgrind command line that counts its instructions (cli/ only).
 *
 * Two kinds run: a program on perfgate's harness (tpbench, harness/:
 * --out=, --cold-min-time=, --first-children=, ... and a callgrind dump
 * per benchmark named by a client request), and any other Google
 * Benchmark program (plain --benchmark_* flags; its instructions are
 * counted between Google Benchmark's own State::StartKeepRunning and
 * State::FinishKeepRunning, see gate/pg_callgrind.h).  Anything else is
 * not a benchmark program perfgate can run.
 */
#ifndef PG_CLI_BENCH_PROGRAM_H
#define PG_CLI_BENCH_PROGRAM_H

#include <stddef.h>

/* The harness's own flags a program may understand. */
enum {
    PG_PROG_OUT = 1 << 0,            /* --out=FILE (JSON with the perfgate block) */
    PG_PROG_COLD_MIN = 1 << 1,       /* --cold-min-time= */
    PG_PROG_FIRST_CHILDREN = 1 << 2, /* --first-children= */
    PG_PROG_SUITE = 1 << 3,          /* --suite= */
    PG_PROG_PROFILE = 1 << 4,        /* --profile= */
    PG_PROG_SIZE = 1 << 5,           /* --size= */
    PG_PROG_SEED = 1 << 6,           /* --seed= */
    PG_PROG_COUNTERS = 1 << 7,       /* --counters= */
};

typedef struct pg_prog {
    const char *bin;
    int harness;    /* perfgate's harness: counts by client request */
    unsigned flags; /* PG_PROG_* it lists in its --help */
} pg_prog;

/* Runs `bin --help` (output to log, a file in the caller's work folder)
 * and fills p.  Returns 0, or 2 after printing why bin cannot be used: it
 * does not run, or its help lists no Google Benchmark flags. */
int pg_prog_probe(const char *bin, const char *log, const char *cmd, pg_prog *p);

/* 1 when p understands the harness option arg ("--suite=x", ...);
 * --benchmark_* flags and anything else are always passed on. */
int pg_prog_accepts(const pg_prog *p, const char *arg);

/* Checks every harness option in args against both programs; prints the
 * first one a program lacks and returns 2, else 0. */
int pg_prog_check_args(const pg_prog *const *progs, size_t nprogs, const char *const *args,
                       size_t nargs, const char *cmd);

/* Appends the valgrind (callgrind) command for p to argv at *n (at most 12
 * entries): cg_out_arg is "--callgrind-out-file=PREFIX". */
void pg_prog_valgrind_argv(const pg_prog *p, int cache_sim, const char *cg_out_arg, char **argv,
                           size_t *n);

/* Appends the arguments that write JSON results to path (buf holds them,
 * at least 2 * (strlen(path) + 32) bytes). */
void pg_prog_out_argv(const pg_prog *p, const char *path, char *buf, size_t len, char **argv,
                      size_t *n);

#endif
