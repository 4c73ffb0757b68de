/*
 * pg_test_bench.c - see pg_test_bench.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_test_bench.h"

int pgt_bench_child_main(int argc, char **argv, pg_bench_registry *(*make)(void))
{
    size_t len = strlen(PG_BENCH_CHILD_FLAG);
    int child = 0;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], PG_BENCH_CHILD_FLAG, len) == 0 && argv[i][len] == '=')
            child = 1;
    if (!child)
        return -1;
    pg_error err = { 0 };
    pg_bench_registry *reg = make();
    pg_bench_options o;
    pg_bench_options_default(&o);
    int rc = reg ? pg_bench_parse_args(&o, &argc, argv, &err) : 1;
    if (rc == 0)
        rc = pg_bench_child(reg, &o, STDOUT_FILENO, &err);
    pg_bench_registry_destroy(reg);
    return rc ? 1 : 0;
}

void pgt_results_file(char *out, char *flag, size_t flen)
{
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    snprintf(flag, flen, "--out=%s", out);
}
