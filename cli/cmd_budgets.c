/*
 * cmd_budgets.c - `perfgate budgets lint [FILES|DIRS]`: checks budget
 * files against the schema (budgets/schema.json) and for meaning: unknown
 * members, wrong types, bad globs, budgets of equal specificity that
 * overlap and set a limit differently, waivers past expiry.  Every problem
 * is printed as file:line:column: message at 'JSON pointer'.  With
 * --results R.json the budgets are also held against a run: a budget that
 * matches no benchmark of R is a problem (`check` would call it missing)
 * unless it is "optional"; benchmarks of R that no budget covers and
 * waivers that match none of them are warnings (`check` passes both).
 * Exit status: 0 clean, 2 problems or bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_gate.h"

static const char usage_text[] =
    "usage: perfgate budgets lint [--today YYYY-MM-DD] [--results R.json] [--format FMT]\n"
    "                            [FILES|DIRS...]\n"
    "\n"
    "Checks budget files (default: the budgets/ directory): schema, globs,\n"
    "conflicting overlaps and expired waivers.  Every problem names\n"
    "file:line:column, the JSON pointer and what was expected.\n";

/* Budgets that match no benchmark of run: a problem each, with a "did you
 * mean" from the run's names; an optional one is a note.  Returns the
 * number of problems. */
static size_t unmatched_budgets(const pg_budget_set *set, const pg_results *run,
                                const unsigned char *hits)
{
    size_t problems = 0;
    for (size_t i = 0; i < pg_budget_set_nbudgets(set); i++) {
        pg_budget_info b;
        if (pg_budget_set_budget(set, i, &b) || hits[i] || !b.applies)
            continue;
        if (b.optional) {
            fprintf(stderr,
                    "perfgate: note: %s:%d: optional budget \"%s\" matches no benchmark "
                    "in %s\n",
                    b.file, b.match_line, b.match, pg_results_path(run));
            continue;
        }
        const char *near = pg_glob_nearest(b.match, run);
        char ptr[64], hint[128] = "";
        snprintf(ptr, sizeof ptr, "%s/match", b.pointer);
        if (near)
            snprintf(hint, sizeof hint, "; did you mean \"%.100s\"?", near);
        pg_error e;
        pg_error_clear(&e);
        pg_error_set(&e, PG_EMISSING, b.file, b.match_line, b.match_column, ptr,
                     "budget \"%.60s\" matches no benchmark in %.60s (expected a name or glob "
                     "of the run, or \"optional\": true)%s",
                     b.match, pg_results_path(run), hint);
        cli_report("perfgate", &e);
        problems++;
    }
    return problems;
}

/* Holds the budgets against a run; *nbench and *uncovered get its size and
 * the benchmarks no budget covers.  Returns the number of problems, or -1
 * when the run cannot be read or the check fails (said on stderr). */
static long against_results(pg_budget_set *set, const char *results, int format, size_t *nbench,
                            size_t *uncovered)
{
    pg_error err;
    pg_error_clear(&err);
    pg_results *run = pg_results_load_as(results, format, &err);
    if (!run) {
        cli_report("perfgate", &err);
        return -1;
    }
    long problems = 0;
    size_t nb = pg_budget_set_nbudgets(set);
    *nbench = pg_results_count(run);
    *uncovered = 0;
    unsigned char *hits = calloc(nb ? nb : 1, 1);
    if (!hits || pg_budget_set_machine(set, run)) {
        fprintf(stderr, "perfgate: out of memory\n");
        problems = -1;
        goto done;
    }
    if (pg_results_count(run) == 0) {
        fprintf(stderr, "perfgate: no benchmarks in %s\n", results);
        problems = -1;
        goto done;
    }
    for (size_t i = 0; i < pg_budget_set_nfiles(set); i++) {
        const char *path, *why = pg_budget_set_file_skipped(set, i);
        if (why && pg_budget_set_file_machine(set, i, &path, NULL) == 0)
            fprintf(stderr, "perfgate: note: %s %s: its budgets were not held against it\n", path,
                    why);
    }
    for (size_t i = 0; i < pg_results_count(run); i++) {
        const char *name = pg_results_get(run, i)->name;
        pg_policy p;
        int rc = pg_budget_set_resolve_hits(set, name, &p, hits);
        if (rc < 0) {
            fprintf(stderr, "perfgate: out of memory\n");
            problems = -1;
            goto done;
        }
        if (rc == 0) {
            fprintf(stderr, "perfgate: warning: no budget covers \"%s\" in %s\n", name, results);
            (*uncovered)++;
        }
    }
    problems = (long)unmatched_budgets(set, run, hits);
    for (size_t i = 0; i < pg_budget_set_nwaivers(set); i++) {
        const pg_waiver *w = pg_budget_set_waiver(set, i);
        if (!pg_results_has_match(run, w->match))
            fprintf(stderr,
                    "perfgate: warning: %s:%d: waiver for \"%s\" (%s) matches no benchmark "
                    "in %s\n",
                    w->file, w->line, w->match, w->ticket, results);
    }
done:
    free(hits);
    pg_results_destroy(run);
    return problems;
}

struct lint_opts {
    const char *today, *results, *format;
};

#define LINT_NOPTS 4

/* lint's option table (values into lo) and its spec. */
static void lint_spec(struct lint_opts *lo, pg_option options[LINT_NOPTS], pg_opt_spec *spec)
{
    const pg_option table[LINT_NOPTS] = {
        PG_OPT_STRING(0, "today", &lo->today, "DATE",
                      "judge waiver expiry on this date (default: today, UTC)"),
        PG_OPT_STRING(0, "results", &lo->results, "FILE",
                      "also hold the budgets against a run (any results\n"
                      "format): a budget that matches none of its benchmarks is a\n"
                      "problem unless \"optional\"; its benchmarks that no budget\n"
                      "covers, and waivers that match none, are warnings"),
        PG_OPT_STRING(0, "format", &lo->format, "FMT", CLI_FORMAT_HELP),
        PG_OPT_END(),
    };
    memcpy(options, table, sizeof table);
    *spec = (pg_opt_spec){ "budgets lint",
                           usage_text,
                           options,
                           NULL,
                           "exit status: 0 no problems, 2 problems found or bad usage\n",
                           0 };
}

static int lint(int argc, char **argv)
{
    struct lint_opts lo = { NULL, NULL, NULL };
    pg_option options[LINT_NOPTS];
    pg_opt_spec spec;
    lint_spec(&lo, options, &spec);
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    const char *today = lo.today, *results = lo.results;
    const char *paths[256];
    if (today && pg_parse_date(today, NULL)) {
        fprintf(stderr, "perfgate: budgets lint: --today takes a date such as 2026-12-31\n");
        return 2;
    }
    int format = cli_results_format("budgets lint", lo.format);
    if (format < 0)
        return 2;
    if (results && !results[0]) {
        fprintf(stderr, "perfgate: budgets lint: --results takes a results file\n");
        return 2;
    }
    if ((size_t)npos > sizeof paths / sizeof paths[0]) {
        fprintf(stderr, "perfgate: budgets lint: too many paths\n");
        return 2;
    }
    size_t n = 0;
    for (int i = 0; i < npos; i++)
        paths[n++] = argv[i];
    if (n == 0)
        paths[n++] = "budgets";
    pg_budget_set *set = pg_budget_set_create();
    if (!set) {
        fprintf(stderr, "perfgate: out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        pg_budget_set_add_path(set, paths[i]);
    pg_budget_set_lint(set, today);
    size_t nd = pg_budget_set_ndiag(set);
    for (size_t i = 0; i < nd; i++)
        cli_report("perfgate", pg_budget_set_diag(set, i));
    size_t nbench = 0, uncovered = 0;
    long against = results ? against_results(set, results, format, &nbench, &uncovered) : 0;
    if (against < 0) {
        pg_budget_set_destroy(set);
        return 2;
    }
    nd += (size_t)against;
    if (nd == 0 && results)
        printf("%zu budget file%s, %zu budgets, %zu waivers: ok; %s: %zu benchmarks, %zu without "
               "a budget\n",
               pg_budget_set_nfiles(set), pg_budget_set_nfiles(set) == 1 ? "" : "s",
               pg_budget_set_nbudgets(set), pg_budget_set_nwaivers(set), results, nbench,
               uncovered);
    else if (nd == 0)
        printf("%zu budget file%s, %zu budgets, %zu waivers: ok\n", pg_budget_set_nfiles(set),
               pg_budget_set_nfiles(set) == 1 ? "" : "s", pg_budget_set_nbudgets(set),
               pg_budget_set_nwaivers(set));
    else
        fprintf(stderr, "perfgate: %zu problem%s in the budget files\n", nd, nd == 1 ? "" : "s");
    pg_budget_set_destroy(set);
    return nd ? 2 : 0;
}

int cmd_budgets(int argc, char **argv)
{
    struct lint_opts lo;
    pg_option options[LINT_NOPTS];
    pg_opt_spec spec;
    lint_spec(&lo, options, &spec);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        pg_opt_usage(&spec, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "lint"))
        return lint(argc - 1, argv + 1);
    static const char *const subs[] = { "lint" };
    fprintf(stderr, "perfgate: budgets: unknown subcommand '%s'", argv[1]);
    cli_did_you_mean(argv[1], subs, 1);
    fputc('\n', stderr);
    pg_opt_usage(&spec, stderr);
    return 2;
}
