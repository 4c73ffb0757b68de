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

#include "builtin.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_gate.h"

static const char usage_text[] =
    "usage: perfgate compare [--metric real_time|cpu_time] [--alpha A] [--color WHEN]\n"
    "                        [--format FMT] A.json B.json\n"
    "\n"
    "Prints both runs side by side: medians with 95% intervals, B/A as a\n"
    "Hodges-Lehmann ratio with its interval, the Mann-Whitney p-value, and\n"
    "'*' where p < alpha (default 0.05).\n";

int cmd_compare(int argc, char **argv)
{
    const char *files[2] = { NULL, NULL }, *colour = "auto", *metric_name = "real_time";
    const char *format_name = NULL;
    int metric = PG_METRIC_REAL;
    double alpha = 0.05;
    const pg_option options[] = {
        PG_OPT_STRING(0, "metric", &metric_name, "WHICH", "real_time (default) or cpu_time"),
        PG_OPT_DOUBLE(0, "alpha", &alpha, "A", "significance level, in (0, 1) (default 0.05)"),
        PG_OPT_STRING(0, "format", &format_name, "FMT", CLI_FORMAT_HELP),
        PG_OPT_STRING(0, "color", &colour, "WHEN", "auto, always or never"),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = {
        "compare",
        usage_text,
        options,
        NULL,
        "exit status: 0 compared (a comparison never fails), 2 bad input or usage\n",
        0
    };
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos != 2)
        return pg_opt_usage_error(&spec, "expected two results files");
    files[0] = argv[0];
    files[1] = argv[1];
    if (!strcmp(metric_name, "real_time"))
        metric = PG_METRIC_REAL;
    else if (!strcmp(metric_name, "cpu_time"))
        metric = PG_METRIC_CPU;
    else {
        fprintf(stderr, "perfgate: compare: --metric takes real_time or cpu_time, not '%s'\n",
                metric_name);
        return 2;
    }
    if (!(alpha > 0 && alpha < 1)) {
        fprintf(stderr, "perfgate: compare: --alpha takes a number in (0, 1), not '%g'\n", alpha);
        return 2;
    }
    int use_colour = !strcmp(colour, "always");
    if (!strcmp(colour, "auto")) {
        const char *nc = getenv("NO_COLOR");
        use_colour = isatty(STDOUT_FILENO) && !(nc && nc[0]);
    }
    int format = cli_results_format("compare", format_name);
    if (format < 0)
        return 2;
    pg_error err;
    pg_error_clear(&err);
    pg_results *a = pg_results_load_as(files[0], format, &err), *b = NULL;
    if (a)
        b = pg_results_load_as(files[1], format, &err);
    int status = 2;
    pg_comparison *list = NULL;
    size_t n = 0;
    if (!a || !b) {
        cli_report("perfgate", &err);
    } else if (pg_compare_runs(a, b, metric, alpha, &list, &n, &err)) {
        cli_report("perfgate", &err);
    } else {
        printf("A: %s\nB: %s\n\n", files[0], files[1]);
        status = pg_compare_write_table(list, n, alpha, stdout, use_colour) ? 2 : 0;
    }
    free(list);
    pg_results_destroy(a);
    pg_results_destroy(b);
    return status;
}
