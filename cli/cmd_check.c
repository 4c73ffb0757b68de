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

#include "builtin.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_gate.h"
#include "pg_history.h"
#include "pg_io.h"

static const char usage_text[] =
    "usage: perfgate check --results R.json --budgets DIR|FILE [--budgets ...]\n"
    "                      [--baseline B.json] [--junit FILE] [--markdown FILE] [--json FILE]\n"
    "                      [--today YYYY-MM-DD] [--brief] [--color auto|always|never]\n"
    "                      [--record] [--history H] [--recheck FILE] [--confirm R2.json]\n"
    "                      [--format auto|gbench|pytest-benchmark|hyperfine|asv]\n"
    "\n"
    "Judges every benchmark in R.json against the budgets (docs/budgets.md) and,\n"
    "with --baseline, against an earlier run (docs/statistics.md).  What it cannot\n"
    "judge never passes: a budget that matches no benchmark fails the gate unless\n"
    "it is \"optional\", and a run with no benchmarks, or none a budget covers, is\n"
    "bad input.  With --record the run and exactly these verdicts go into the\n"
    "history (what `perfgate history add --budgets` would judge again).  A\n"
    "baseline is another run: each ratio's interval is widened by how far the\n"
    "benchmark moves between runs, read from the history's last runs (assumed\n"
    "by profile until it holds 3).\n";

/* Writes through a temporary file in the same directory (pg_io.h: fsync,
 * then rename; shared permissions), so a killed run leaves the old file or
 * the new one, never a torn one. */
static int write_atomic(const char *path, int (*writer)(const pg_verdicts *, FILE *),
                        const pg_verdicts *r)
{
    pg_afile *af = cli_out_open(path);
    if (!af)
        return -1;
    int rc = writer(r, pg_afile_stream(af));
    if (rc == PG_ENOMEM) { /* the old file stays */
        pg_afile_abort(af);
        fprintf(stderr, "perfgate: cannot write '%s': out of memory\n", path);
        return -1;
    }
    return cli_out_close(af, path, rc == 0);
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

/* Records the run with the verdicts just decided: the history holds what
 * the gate said, not a second judgement.  A failure is reported but does
 * not change the verdict's exit status (as a failed report would not). */
static void record_run(const char *history, const char *results, const pg_results *head,
                       const pg_verdicts *report)
{
    pg_history *h = cli_open_history(history);
    if (!h) {
        fprintf(stderr, "perfgate: check: warning: the run was not recorded\n");
        return;
    }
    pg_hist_add_options ao = { 0 };
    ao.verdicts = report;
    ao.loaded = head;
    pg_error err = { 0 };
    int64_t id = 0;
    if (pg_history_add_results(h, results, &ao, &id, &err) < 0) {
        cli_report("perfgate", &err);
        fprintf(stderr, "perfgate: check: warning: the run was not recorded\n");
    } else {
        fprintf(stderr, "perfgate: check: recorded as run %lld\n", (long long)id);
    }
    pg_history_close(h);
}

/* Each benchmark's spread between runs, from the history's last runs: a
 * baseline is another run, and the run's own repetitions cannot show how
 * far a whole run moves.  No history yet is no error (the gate assumes a
 * spread by profile); a history that cannot be read is said, and one that
 * can says how many benchmarks it measured. */
static pg_run_spread *load_spreads(const char *history, size_t *n)
{
    *n = 0;
    if (!pg_history_is_uri(history) && access(history, F_OK) != 0)
        return NULL; /* each verdict's note says "assumed" where it matters */
    pg_error err = { 0 };
    pg_run_spread *s = NULL;
    pg_history *h = pg_history_open_readonly(history, &err);
    if (!h || pg_history_run_spreads(h, PG_HIST_SPREAD_RUNS, &s, n, &err)) {
        cli_report("perfgate", &err);
        fprintf(stderr, "perfgate: check: warning: the history's spread between runs is "
                        "unknown; assumed by profile\n");
        s = NULL;
        *n = 0;
    } else {
        size_t known = 0;
        for (size_t i = 0; i < *n; i++)
            known += s[i].runs[PG_METRIC_REAL] >= 3 || s[i].runs[PG_METRIC_CPU] >= 3;
        fprintf(stderr,
                "perfgate: check: spread between runs: %zu benchmarks measured over the "
                "history's last runs (up to %d), the others assumed\n",
                known, PG_HIST_SPREAD_RUNS);
    }
    pg_history_close(h);
    return s;
}

/* --confirm: judges the second measurement with the same budgets, baseline
 * and spreads, and lets it overturn the failing verdicts it passes.  A
 * file that cannot be read is bad input (2); one that judges nothing
 * leaves every verdict as it was, said.  again_res and again stay alive
 * with the report. */
static int confirm_again(const char *path, int format, const pg_results *base, pg_budget_set *set,
                         const pg_gate_options *opt, pg_verdicts *report, pg_results **again_res,
                         pg_verdicts **again)
{
    pg_error err = { 0 };
    size_t failing = 0;
    for (size_t i = 0; i < pg_verdicts_count(report); i++)
        failing += pg_verdict_confirmable(pg_verdicts_get(report, i));
    if (!(*again_res = pg_results_load_as(path, format, &err))) {
        cli_report("perfgate", &err);
        return -1;
    }
    if (!(*again = pg_gate_check(*again_res, base, set, opt, &err))) {
        cli_report("perfgate", &err);
        if (err.code == PG_ENOMEM)
            return -1;
        fprintf(stderr,
                "perfgate: check: %s judged nothing: no verdict was confirmed or "
                "overturned\n",
                path);
        return 0;
    }
    size_t n = pg_verdicts_confirm(report, *again);
    fprintf(stderr,
            "perfgate: check: measured again (%s): %zu of %zu regressions and breaches not "
            "confirmed\n",
            path, n, failing);
    return 0;
}

/* --recheck: the benchmarks to measure again, each once, in order. */
static int write_recheck(const char *path, const pg_verdicts *r)
{
    pg_afile *af = cli_out_open(path);
    if (!af)
        return -1;
    FILE *f = pg_afile_stream(af);
    const char *last = NULL;
    for (size_t i = 0; i < pg_verdicts_count(r); i++) {
        const pg_verdict *v = pg_verdicts_get(r, i);
        if (!pg_verdict_confirmable(v) || (last && !strcmp(last, v->bench)))
            continue;
        /* a name with a line break could not be one line: never measured
         * again, so its verdict stands */
        if (strpbrk(v->bench, "\r\n"))
            continue;
        fprintf(f, "%s\n", v->bench);
        last = v->bench;
    }
    return cli_out_close(af, path, 1);
}

int cmd_check(int argc, char **argv)
{
    const char *results = NULL, *baseline = NULL, *junit = NULL, *markdown = NULL, *json = NULL;
    const char *today = NULL, *colour = "auto", *format_name = NULL, *confirm = NULL,
               *recheck = NULL;
    const char *history = getenv("PERFGATE_HISTORY");
    if (!history || !*history)
        history = PG_CLI_DEFAULT_HISTORY;
    const char *budgets[64];
    pg_opt_list budget_list = { budgets, 0, sizeof budgets / sizeof budgets[0] };
    int brief = 0, record = 0;
    const pg_option options[] = {
        PG_OPT_STRING(0, "results", &results, "FILE", "the results of the run to judge (--format)"),
        PG_OPT_LIST(0, "budgets", &budget_list, "PATH",
                    "a budget file, or a directory of them (repeatable)"),
        PG_OPT_STRING(0, "baseline", &baseline, "FILE", "the results of the run to compare with"),
        PG_OPT_STRING(0, "format", &format_name, "FMT", CLI_FORMAT_HELP),
        PG_OPT_STRING(0, "junit", &junit, "FILE", "write JUnit XML"),
        PG_OPT_STRING(0, "markdown", &markdown, "FILE",
                      "write a Markdown summary (fits $GITHUB_STEP_SUMMARY)"),
        PG_OPT_STRING(0, "json", &json, "FILE", "write the verdicts as JSON"),
        PG_OPT_STRING(0, "today", &today, "DATE",
                      "judge waiver expiry on this date (default: today, UTC)"),
        PG_OPT_BOOL(0, "brief", &brief, "show only verdicts that are not a plain pass"),
        PG_OPT_STRING(0, "color", &colour, "WHEN",
                      "colour the table: auto (a terminal, unless NO_COLOR is set),\n"
                      "always or never"),
        PG_OPT_STRING(0, "colour", &colour, "WHEN", NULL),
        PG_OPT_STRING(0, "confirm", &confirm, "FILE",
                      "a second measurement of the failing benchmarks: a regression\n"
                      "or breach it passes is not confirmed and passes (docs/statistics.md)"),
        PG_OPT_STRING(0, "recheck", &recheck, "FILE",
                      "write the names of the benchmarks whose regressions or breaches\n"
                      "measuring again could overturn, one a line"),
        PG_OPT_BOOL(0, "record", &record,
                    "record the run and these verdicts in the history (as history add)"),
        PG_OPT_STRING(
            0, "history", &history, "H",
            "the history --record writes and --baseline reads each\n"
            "benchmark's spread between runs from: SQLite file (default\n" PG_CLI_DEFAULT_HISTORY
            ", or $PERFGATE_HISTORY) or postgresql:// URI"),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = {
        "check",
        usage_text,
        options,
        NULL,
        "exit status: 0 the gate passed, 1 it failed, 2 bad input or usage\n",
        0
    };
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos > 0)
        return pg_opt_usage_error(&spec, "unexpected argument '%s'", argv[0]);
    size_t nbudgets = budget_list.n;
    if (!results || nbudgets == 0)
        return pg_opt_usage_error(&spec, "%s",
                                  !results ? "--results is required" : "--budgets is required");
    if (strcmp(colour, "auto") && strcmp(colour, "always") && strcmp(colour, "never")) {
        fprintf(stderr, "perfgate: check: --color takes auto, always or never, not '%s'\n", colour);
        return 2;
    }
    int format = cli_results_format("check", format_name);
    if (format < 0)
        return 2;
    if (today && pg_parse_date(today, NULL)) {
        fprintf(stderr, "perfgate: check: --today takes a date such as 2026-12-31, not '%s'\n",
                today);
        return 2;
    }

    int status = 2;
    pg_results *head = NULL, *base = NULL;
    pg_verdicts *report = NULL;
    pg_run_spread *spreads = NULL;
    size_t n_spreads = 0;
    pg_results *again_res = NULL;
    pg_verdicts *again = NULL;
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
        cli_report("perfgate", pg_budget_set_diag(set, i));
    if (bad)
        goto done;
    if (!(head = pg_results_load_as(results, format, &err))) {
        cli_report("perfgate", &err);
        goto done;
    }
    if (baseline && !(base = pg_results_load_as(baseline, format, &err))) {
        cli_report("perfgate", &err);
        goto done;
    }
    spreads = base ? load_spreads(history, &n_spreads) : NULL;
    pg_gate_options opt = { today, 1, spreads, n_spreads };
    report = pg_gate_check(head, base, set, &opt, &err);
    /* Files for another kind of machine: said before anything else, as it
     * may be why nothing was judged. */
    for (size_t i = 0; i < pg_budget_set_nfiles(set); i++) {
        const char *path, *why = pg_budget_set_file_skipped(set, i);
        if (why && pg_budget_set_file_machine(set, i, &path, NULL) == 0)
            fprintf(stderr, "perfgate: note: %s %s: its budgets were not applied\n", path, why);
    }
    if (!report) {
        cli_report("perfgate", &err);
        goto done;
    }
    if (confirm && confirm_again(confirm, format, base, set, &opt, report, &again_res, &again))
        goto done;
    if (recheck && write_recheck(recheck, report))
        goto done;
    pg_verdicts_write_table(report, stdout, want_colour(colour),
                            brief ? PG_TABLE_INTERESTING : PG_TABLE_ALL);
    fflush(stdout);
    if ((junit && write_atomic(junit, pg_verdicts_write_junit, report)) ||
        (markdown && write_atomic(markdown, pg_verdicts_write_markdown, report)) ||
        (json && write_atomic(json, pg_verdicts_write_json, report)))
        goto done;
    status = pg_verdicts_failed(report) ? 1 : 0;
    if (record)
        record_run(history, results, head, report);
done:
    pg_verdicts_destroy(report);
    pg_verdicts_destroy(again);
    pg_results_destroy(again_res);
    pg_run_spreads_free(spreads, n_spreads);
    pg_results_destroy(head);
    pg_results_destroy(base);
    pg_budget_set_destroy(set);
    return status;
}
