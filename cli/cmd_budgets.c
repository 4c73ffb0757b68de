/*
 * cmd_budgets.c - `perfgate budgets lint [FILES|DIRS]`: checks budget
 * files against the schema (budgets/schema.json) and for meaning: unknown
 * members, wrong types, bad globs, budgets of equal specificity that
 * overlap and set a limit differently, waivers past expiry.  Every problem
 * is printed as file:line:column: message at 'JSON pointer'.
 * Exit status: 0 clean, 2 problems or bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "pg_gate.h"

static const char usage_text[] =
    "usage: perfgate budgets lint [--today YYYY-MM-DD] [FILES|DIRS...]\n"
    "\n"
    "Checks budget files (default: the budgets/ directory): schema, globs,\n"
    "conflicting overlaps and expired waivers.  Every problem names\n"
    "file:line:column, the JSON pointer and what was expected.\n"
    "\n"
    "exit status: 0 no problems, 2 problems found or bad usage\n";

static int lint(int argc, char **argv)
{
    const char *today = NULL;
    const char *paths[256];
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--today") || !strncmp(argv[i], "--today=", 8)) {
            today = argv[i][7] == '=' ? argv[i] + 8 : (i + 1 < argc ? argv[++i] : NULL);
            if (!today || pg_parse_date(today, NULL)) {
                fprintf(stderr, "perfgate: budgets lint: --today takes a date such as 2026-12-31\n");
                return 2;
            }
            continue;
        }
        if (!strncmp(argv[i], "--", 2)) {
            static const char *const opts[] = { "--today", "--help" };
            const char *near = pg_cli_nearest(argv[i], opts, 2);
            fprintf(stderr, "perfgate: budgets lint: unknown option '%s'", argv[i]);
            if (near)
                fprintf(stderr, "; did you mean '%s'?", near);
            fprintf(stderr, "\n%s", usage_text);
            return 2;
        }
        if (n == sizeof paths / sizeof paths[0]) {
            fprintf(stderr, "perfgate: budgets lint: too many paths\n");
            return 2;
        }
        paths[n++] = argv[i];
    }
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
        pg_cli_report("perfgate", pg_budget_set_diag(set, i));
    if (nd == 0)
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
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "lint"))
        return lint(argc - 1, argv + 1);
    static const char *const subs[] = { "lint" };
    const char *near = pg_cli_nearest(argv[1], subs, 1);
    fprintf(stderr, "perfgate: budgets: unknown subcommand '%s'", argv[1]);
    if (near)
        fprintf(stderr, "; did you mean '%s'?", near);
    fprintf(stderr, "\n%s", usage_text);
    return 2;
}
