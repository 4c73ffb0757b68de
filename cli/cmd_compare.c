/*
 * cmd_compare.c - `perfgate compare A.json B.json`: two runs side by side,
 * as benchstat shows them: medians with 95 % intervals, the ratio B/A with
 * its interval, a two-sided Mann-Whitney p-value and '*' when significant.
 * Exit status: 0, or 2 on bad input or usage (comparing never fails a gate).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pg_gate.h"

static const char usage_text[] =
    "usage: perfgate compare [--metric real_time|cpu_time] [--alpha A] [--color WHEN] A.json B.json\n"
    "\n"
    "Prints both runs side by side: medians with 95% intervals, B/A as a\n"
    "Hodges-Lehmann ratio with its interval, the Mann-Whitney p-value, and\n"
    "'*' where p < alpha (default 0.05).\n";

int cmd_compare(int argc, char **argv)
{
    const char *files[2] = { NULL, NULL }, *colour = "auto";
    int metric = PG_METRIC_REAL, nfiles = 0;
    double alpha = 0.05;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (!strcmp(a, "--metric") || !strcmp(a, "--alpha") || !strcmp(a, "--color")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "perfgate: compare: option '%s' needs a value\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--metric")) {
                if (!strcmp(v, "real_time"))
                    metric = PG_METRIC_REAL;
                else if (!strcmp(v, "cpu_time"))
                    metric = PG_METRIC_CPU;
                else {
                    fprintf(stderr, "perfgate: compare: --metric takes real_time or cpu_time, not '%s'\n", v);
                    return 2;
                }
            } else if (!strcmp(a, "--alpha")) {
                char *end;
                alpha = strtod(v, &end);
                if (*end || !(alpha > 0 && alpha < 1)) {
                    fprintf(stderr, "perfgate: compare: --alpha takes a number in (0, 1), not '%s'\n", v);
                    return 2;
                }
            } else {
                colour = v;
            }
            continue;
        }
        if (!strncmp(a, "--", 2)) {
            static const char *const opts[] = { "--metric", "--alpha", "--color", "--help" };
            const char *near = pg_cli_nearest(a, opts, 4);
            fprintf(stderr, "perfgate: compare: unknown option '%s'", a);
            if (near)
                fprintf(stderr, "; did you mean '%s'?", near);
            fprintf(stderr, "\n%s", usage_text);
            return 2;
        }
        if (nfiles == 2) {
            fprintf(stderr, "perfgate: compare: expected two results files\n%s", usage_text);
            return 2;
        }
        files[nfiles++] = a;
    }
    if (nfiles != 2) {
        fprintf(stderr, "perfgate: compare: expected two results files\n%s", usage_text);
        return 2;
    }
    int use_colour = !strcmp(colour, "always");
    if (!strcmp(colour, "auto")) {
        const char *nc = getenv("NO_COLOR");
        use_colour = isatty(STDOUT_FILENO) && !(nc && nc[0]);
    }
    pg_error err;
    pg_error_clear(&err);
    pg_run *a = pg_run_load(files[0], &err), *b = NULL;
    if (a)
        b = pg_run_load(files[1], &err);
    int status = 2;
    pg_comparison *list = NULL;
    size_t n = 0;
    if (!a || !b) {
        pg_cli_report("perfgate", &err);
    } else if (pg_compare_runs(a, b, metric, alpha, &list, &n, &err)) {
        pg_cli_report("perfgate", &err);
    } else {
        printf("A: %s\nB: %s\n\n", files[0], files[1]);
        status = pg_compare_write_table(list, n, alpha, stdout, use_colour) ? 2 : 0;
    }
    free(list);
    pg_run_destroy(a);
    pg_run_destroy(b);
    return status;
}
