/*
 * cmd_check.c - `perfgate check`: gates a results file against the budget
 * files and, optionally, a baseline run.
 *
 * Prints the verdict table to stdout, writes JUnit / Markdown / JSON on
 * request (each through a temporary file and a rename, so a reader never
 * sees half a report), and exits 0 when the gate passes, 1 when it fails,
 * 2 on bad input or bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pg_gate.h"
#include "pg_io.h"

static const char usage_text[] =
    "usage: perfgate check --results R.json --budgets DIR|FILE [--budgets ...]\n"
    "                      [--baseline B.json] [--junit FILE] [--markdown FILE] [--json FILE]\n"
    "                      [--today YYYY-MM-DD] [--brief] [--color auto|always|never]\n"
    "\n"
    "Judges every benchmark in R.json against the budgets (docs/budgets.md) and,\n"
    "with --baseline, against an earlier run (docs/statistics.md).  What it cannot\n"
    "judge never passes: a budget that matches no benchmark fails the gate unless\n"
    "it is \"optional\", and a run with no benchmarks, or none a budget covers, is\n"
    "bad input.\n"
    "\n"
    "  --results FILE     Google Benchmark JSON of the run to judge\n"
    "  --budgets PATH     a budget file, or a directory of them (repeatable)\n"
    "  --baseline FILE    Google Benchmark JSON of the run to compare with\n"
    "  --junit FILE       write JUnit XML\n"
    "  --markdown FILE    write a Markdown summary (fits $GITHUB_STEP_SUMMARY)\n"
    "  --json FILE        write the verdicts as JSON\n"
    "  --today DATE       judge waiver expiry on this date (default: today, UTC)\n"
    "  --brief            show only verdicts that are not a plain pass\n"
    "  --color WHEN       colour the table: auto (a terminal, unless NO_COLOR is set),\n"
    "                     always or never\n"
    "\n"
    "exit status: 0 the gate passed, 1 it failed, 2 bad input or usage\n";

static const char *const options[] = { "--results", "--budgets", "--baseline", "--junit",
                                       "--markdown", "--json", "--today", "--brief",
                                       "--color", "--help" };

/* Writes through a temporary file in the same directory (pg_io.h: fsync,
 * then rename; shared permissions), so a killed run leaves the old file or
 * the new one, never a torn one. */
static int write_atomic(const char *path, int (*writer)(const pg_report *, FILE *),
                        const pg_report *r)
{
    pg_afile *af = pg_cli_out_open(path);
    if (!af)
        return -1;
    int rc = writer(r, pg_afile_stream(af));
    if (rc == PG_ENOMEM) { /* the old file stays */
        pg_afile_abort(af);
        fprintf(stderr, "perfgate: cannot write '%s': out of memory\n", path);
        return -1;
    }
    return pg_cli_out_close(af, path, rc == 0);
}

static int want_colour(const char *when)
{
    if (!strcmp(when, "always"))
        return 1;
    if (!strcmp(when, "never"))
        return 0;
    const char *nc = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(nc && nc[0]);
}

int cmd_check(int argc, char **argv)
{
    const char *results = NULL, *baseline = NULL, *junit = NULL, *markdown = NULL, *json = NULL;
    const char *today = NULL, *colour = "auto";
    const char *budgets[64];
    size_t nbudgets = 0;
    int brief = 0;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i], *val = NULL;
        char name[64];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (!strcmp(arg, "--brief")) {
            brief = 1;
            continue;
        }
        char *eq = strchr(arg, '=');
        if (!strncmp(arg, "--", 2) && eq && (size_t)(eq - arg) < sizeof name) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = '\0';
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", arg);
        }
        const char **slot = NULL;
        if (!strcmp(name, "--results"))
            slot = &results;
        else if (!strcmp(name, "--baseline"))
            slot = &baseline;
        else if (!strcmp(name, "--junit"))
            slot = &junit;
        else if (!strcmp(name, "--markdown"))
            slot = &markdown;
        else if (!strcmp(name, "--json"))
            slot = &json;
        else if (!strcmp(name, "--today"))
            slot = &today;
        else if (!strcmp(name, "--color") || !strcmp(name, "--colour"))
            slot = &colour;
        else if (!strcmp(name, "--budgets")) {
            if (nbudgets == sizeof budgets / sizeof budgets[0]) {
                fprintf(stderr, "perfgate: too many --budgets\n");
                return 2;
            }
            slot = &budgets[nbudgets++];
        } else {
            const char *near = pg_cli_nearest(name, options, sizeof options / sizeof options[0]);
            fprintf(stderr, "perfgate: check: unknown option '%s'", name);
            if (near)
                fprintf(stderr, "; did you mean '%s'?", near);
            fprintf(stderr, "\n%s", usage_text);
            return 2;
        }
        if (!val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "perfgate: check: option '%s' needs a value\n", name);
                return 2;
            }
            val = argv[++i];
        }
        *slot = val;
    }
    if (!results || nbudgets == 0) {
        fprintf(stderr, "perfgate: check: %s\n%s",
                !results ? "--results is required" : "--budgets is required", usage_text);
        return 2;
    }
    if (strcmp(colour, "auto") && strcmp(colour, "always") && strcmp(colour, "never")) {
        fprintf(stderr, "perfgate: check: --color takes auto, always or never, not '%s'\n", colour);
        return 2;
    }
    if (today && pg_parse_date(today, NULL)) {
        fprintf(stderr, "perfgate: check: --today takes a date such as 2026-12-31, not '%s'\n", today);
        return 2;
    }

    int status = 2;
    pg_run *head = NULL, *base = NULL;
    pg_report *report = NULL;
    pg_error err;
    pg_error_clear(&err);
    pg_budget_set *set = pg_budget_set_create();
    if (!set) {
        fprintf(stderr, "perfgate: out of memory\n");
        return 2;
    }
    int bad = 0;
    for (size_t i = 0; i < nbudgets; i++)
        bad |= pg_budget_set_add_path(set, budgets[i]) != 0;
    for (size_t i = 0; i < pg_budget_set_ndiag(set); i++)
        pg_cli_report("perfgate", pg_budget_set_diag(set, i));
    if (bad)
        goto done;
    if (!(head = pg_run_load(results, &err))) {
        pg_cli_report("perfgate", &err);
        goto done;
    }
    if (baseline && !(base = pg_run_load(baseline, &err))) {
        pg_cli_report("perfgate", &err);
        goto done;
    }
    pg_gate_options opt = { today, 1 };
    report = pg_gate_check(head, base, set, &opt, &err);
    /* Files for another kind of machine: said before anything else, as it
     * may be why nothing was judged. */
    for (size_t i = 0; i < pg_budget_set_nfiles(set); i++) {
        const char *path, *why = pg_budget_set_file_skipped(set, i);
        if (why && pg_budget_set_file_machine(set, i, &path, NULL) == 0)
            fprintf(stderr, "perfgate: note: %s %s: its budgets were not applied\n", path, why);
    }
    if (!report) {
        pg_cli_report("perfgate", &err);
        goto done;
    }
    pg_report_write_table(report, stdout, want_colour(colour), brief ? PG_TABLE_INTERESTING
                                                                     : PG_TABLE_ALL);
    fflush(stdout);
    if ((junit && write_atomic(junit, pg_report_write_junit, report)) ||
        (markdown && write_atomic(markdown, pg_report_write_markdown, report)) ||
        (json && write_atomic(json, pg_report_write_json, report)))
        goto done;
    status = pg_report_failed(report) ? 1 : 0;
done:
    pg_report_destroy(report);
    pg_run_destroy(head);
    pg_run_destroy(base);
    pg_budget_set_destroy(set);
    return status;
}
