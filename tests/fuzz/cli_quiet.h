/*
 * cli_quiet.h - for the fuzz_cli_* targets, which run perfgate subcommands
 * (cli/cmd_*.c, linked in) on each input: their messages are the product
 * working, not news, so stdout and stderr go to /dev/null around each run.
 * A crash inside still ends the run and libFuzzer keeps its input; replay
 * it with replay_fuzz_cli_* (which prints everything) to read the report.
 */
#ifndef PG_FUZZ_CLI_QUIET_H
#define PG_FUZZ_CLI_QUIET_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct quiet {
    int out, err;
} quiet;

static inline quiet quiet_begin(void)
{
    quiet q = { -1, -1 };
    if (getenv("PG_FUZZ_VERBOSE"))
        return q;
    fflush(stdout);
    fflush(stderr);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0)
        return q;
    q.out = dup(1);
    q.err = dup(2);
    dup2(null, 1);
    dup2(null, 2);
    close(null);
    return q;
}

static inline void quiet_end(quiet q)
{
    fflush(stdout);
    fflush(stderr);
    if (q.out >= 0) {
        dup2(q.out, 1);
        close(q.out);
    }
    if (q.err >= 0) {
        dup2(q.err, 2);
        close(q.err);
    }
}

/* Writes size bytes to path; 0, or -1. */
static inline int put_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int bad = size && fwrite(data, 1, size, f) != size;
    return fclose(f) != 0 || bad ? -1 : 0;
}

#endif
