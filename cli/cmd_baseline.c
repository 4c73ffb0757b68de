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
#include "pg_history.h"

static const char *usage_text =
    "usage: perfgate baseline update --from RESULTS.json --reason TEXT [--who NAME] [--history H]\n"
    "       perfgate baseline show [--history H]\n"
    "       perfgate baseline export --out B.json [--run ID] [--history H]\n"
    "\n"
    "  --from R      the results that become the baseline (recorded as a run)\n"
    "  --reason T    why the baseline moves (required; kept with it)\n"
    "  --who NAME    who moved it (default $PERFGATE_USER, $GITHUB_ACTOR or $USER)\n"
    "  --out F       write the baseline as Google Benchmark JSON (temp file, then rename)\n"
    "  --run ID      export this run instead of the current baseline\n"
    "  --history H   SQLite file (default reports/history.sqlite) or postgresql:// URI\n";

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "perfgate: %s%s%s%s\n%s", msg, arg ? " '" : "", arg ? arg : "", arg ? "'" : "",
            usage_text);
    return 2;
}

static const char *default_who(void)
{
    const char *v[] = { getenv("PERFGATE_USER"), getenv("GITHUB_ACTOR"), getenv("USER") };
    for (int i = 0; i < 3; i++)
        if (v[i] && *v[i])
            return v[i];
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "unknown";
}

int cmd_baseline(int argc, char **argv)
{
    const char *sub = NULL, *from = NULL, *reason = NULL, *who = NULL, *out = NULL, *run = NULL;
    const char *history = getenv("PERFGATE_HISTORY");
    if (!history || !*history)
        history = "reports/history.sqlite";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (!strcmp(a, "--from"))
            slot = &from;
        else if (!strcmp(a, "--reason"))
            slot = &reason;
        else if (!strcmp(a, "--who"))
            slot = &who;
        else if (!strcmp(a, "--out"))
            slot = &out;
        else if (!strcmp(a, "--run"))
            slot = &run;
        else if (!strcmp(a, "--history"))
            slot = &history;
        else if (a[0] == '-') {
            static const char *const known[] = { "--from", "--reason", "--who", "--out",
                                                 "--run", "--history", "--help" };
            pg_cli_unknown_option("baseline", a, known, sizeof known / sizeof known[0]);
            fputs(usage_text, stderr);
            return 2;
        }
        else if (!sub) {
            sub = a;
            continue;
        } else
            return usage_error("unexpected argument", a);
        if (i + 1 >= argc)
            return usage_error("option needs a value:", a);
        *slot = argv[++i];
    }
    if (!sub)
        return usage_error("baseline needs a subcommand", NULL);
    int update = !strcmp(sub, "update"), show = !strcmp(sub, "show"), export = !strcmp(sub, "export");
    if (!update && !show && !export) {
        static const char *const subs[] = { "update", "show", "export" };
        const char *near = pg_cli_nearest(sub, subs, 3);
        fprintf(stderr, "perfgate: '%s' is not a baseline subcommand", sub);
        if (near)
            fprintf(stderr, "; did you mean '%s'?", near);
        fprintf(stderr, "\n%s", usage_text);
        return 2;
    }
    if (update && (!from || !reason || !*reason))
        return usage_error("baseline update needs --from and a non-empty --reason", NULL);
    if (export && !out)
        return usage_error("baseline export needs --out", NULL);

    pg_history *h = pg_cli_open_history(history);
    if (!h)
        return 2;
    pg_error err = { 0 };
    pg_hist_baseline bl;
    int rc = 0;
    if (update) {
        int64_t id = 0;
        rc = pg_history_add_results(h, from, NULL, &id, &err);
        if (rc == 0)
            rc = pg_history_baseline_set(h, id, reason, who ? who : default_who(), &err);
        if (rc == 0)
            rc = pg_history_baseline_get(h, &bl, &err);
        if (rc == 0)
            printf("baseline is now run %lld (%s, by %s): %s\n", (long long)bl.run_id, bl.created,
                   bl.who, bl.reason);
    } else if (show) {
        rc = pg_history_baseline_get(h, &bl, &err);
        if (rc == 0)
            printf("baseline: run %lld\nset: %s\nby: %s\nreason: %s\n", (long long)bl.run_id,
                   bl.created, bl.who, bl.reason);
    } else {
        int64_t id = 0;
        if (run) {
            char *end;
            id = strtoll(run, &end, 10);
            if (*end || end == run) {
                pg_history_close(h);
                return usage_error("not a run id:", run);
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
        pg_cli_report("perfgate", &err);
        return 2;
    }
    return 0;
}
