/*
 * cmd_baseline.c - `perfgate baseline update|show|export`: a baseline is
 * chosen on purpose, with who, why and when, and kept in the history.
 *
 *   baseline update --from R.json --reason "..."   record R.json, mark it
 *   baseline show                                  the current baseline
 *   baseline export --out B.json                   as a file for --baseline
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_history.h"
#include "pg_escape.h"

static const char usage_text[] =
    "usage: perfgate baseline update --from RESULTS.json --reason TEXT [--who NAME] [--history H]\n"
    "       perfgate baseline show [--history H]\n"
    "       perfgate baseline export --out B.json [--run ID] [--history H]\n";

static const char *default_who(void)
{
    const char *v[] = { getenv("PERFGATE_USER"), getenv("GITHUB_ACTOR"), getenv("USER") };
    for (int i = 0; i < 3; i++)
        if (v[i] && *v[i])
            return v[i];
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "unknown";
}

/* fmt takes the run id, then when, who and why: anyone's text, so shown
 * with control characters escaped, never obeyed by the terminal. */
static void print_baseline(const char *fmt, const pg_hist_baseline *bl)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 0)))
#endif
    ;
static void print_baseline(const char *fmt, const pg_hist_baseline *bl)
{
    char created[4 * sizeof bl->created], who[4 * sizeof bl->who], why[4 * sizeof bl->reason];
    printf(fmt, (long long)bl->run_id, pg_escape_term(bl->created, created, sizeof created),
           pg_escape_term(bl->who, who, sizeof who), pg_escape_term(bl->reason, why, sizeof why));
}

int cmd_baseline(int argc, char **argv)
{
    const char *sub = NULL, *from = NULL, *reason = NULL, *who = NULL, *out = NULL, *run = NULL;
    const char *history = getenv("PERFGATE_HISTORY");
    if (!history || !*history)
        history = PG_CLI_DEFAULT_HISTORY;
    const pg_option options[] = {
        PG_OPT_STRING(0, "from", &from, "R",
                      "the results that become the baseline (recorded as a run)"),
        PG_OPT_STRING(0, "reason", &reason, "T", "why the baseline moves (required; kept with it)"),
        PG_OPT_STRING(0, "who", &who, "NAME",
                      "who moved it (default $PERFGATE_USER, $GITHUB_ACTOR or $USER)"),
        PG_OPT_STRING(0, "out", &out, "F",
                      "write the baseline as Google Benchmark JSON (temp file, then rename)"),
        PG_OPT_STRING(0, "run", &run, "ID", "export this run instead of the current baseline"),
        PG_OPT_STRING(0, "history", &history, "H",
                      "SQLite file (default " PG_CLI_DEFAULT_HISTORY ") or postgresql:// URI"),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = { "baseline",
                               usage_text,
                               options,
                               NULL,
                               "exit status: 0 done, 2 bad input, no baseline recorded, or usage\n",
                               0 };
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos == 0)
        return pg_opt_usage_error(&spec, "a subcommand is required: update, show or export");
    if (npos > 1)
        return pg_opt_usage_error(&spec, "unexpected argument '%s'", argv[1]);
    sub = argv[0];
    int update = !strcmp(sub, "update"), show = !strcmp(sub, "show"),
        export = !strcmp(sub, "export");
    if (!update && !show && !export) {
        static const char *const subs[] = { "update", "show", "export" };
        fprintf(stderr, "perfgate: '%s' is not a baseline subcommand", sub);
        cli_did_you_mean(sub, subs, 3);
        fputc('\n', stderr);
        pg_opt_usage(&spec, stderr);
        return 2;
    }
    if (update && (!from || !reason || !*reason))
        return pg_opt_usage_error(&spec, "update needs --from and a non-empty --reason");
    if (export && !out)
        return pg_opt_usage_error(&spec, "export needs --out");

    pg_history *h = update ? cli_open_history(history) : cli_open_history_ro(history);
    if (!h)
        return 2;
    pg_error err = { 0 };
    pg_hist_baseline bl;
    int rc = 0;
    if (update) {
        /* results already in the history (the nightly recorded them) are
         * marked, not recorded a second time: the trend gets no duplicate */
        int64_t id = 0;
        /* new results: the run and its baseline mark in one transaction;
         * results already recorded: only the mark, on that run */
        pg_hist_add_options ao = { 0 };
        ao.reuse_same = 1;
        ao.baseline_reason = reason;
        ao.baseline_who = who ? who : default_who();
        rc = pg_history_add_results(h, from, &ao, &id, &err);
        if (rc == 1) {
            printf("%s is run %lld of the history: marked, not recorded again\n", from,
                   (long long)id);
            rc = pg_history_baseline_set(h, id, reason, ao.baseline_who, &err);
        }
        if (rc == 0)
            rc = pg_history_baseline_get(h, &bl, &err);
        if (rc == 0)
            print_baseline("baseline is now run %lld (%s, by %s): %s\n", &bl);
    } else if (show) {
        rc = pg_history_baseline_get(h, &bl, &err);
        if (rc == 0)
            print_baseline("baseline: run %lld\nset: %s\nby: %s\nreason: %s\n", &bl);
    } else {
        int64_t id = 0;
        if (run) {
            char *end;
            id = strtoll(run, &end, 10);
            if (*end || end == run) {
                pg_history_close(h);
                fprintf(stderr, "perfgate: baseline: '%s' is not a run id\n", run);
                return 2;
            }
        } else {
            rc = pg_history_baseline_get(h, &bl, &err);
            id = bl.run_id;
        }
        if (rc == 0)
            rc = pg_history_export(h, id, out, &err);
        if (rc == 0)
            printf("wrote run %lld to %s\n", (long long)id, out);
    }
    pg_history_close(h);
    if (rc < 0) {
        cli_report("perfgate", &err);
        return 2;
    }
    return 0;
}
