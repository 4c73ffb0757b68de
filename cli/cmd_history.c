/*
 * cmd_history.c - `perfgate history add|list|show|prune`: the record of
 * every run (reports/pg_history.h).  The history is a SQLite file
 * (default perfgate-out/history.sqlite, or $PERFGATE_HISTORY) or a
 * postgresql:// URI given with --history.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "pg_escape.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_gate.h"
#include "pg_history.h"

#define DEFAULT_HISTORY PG_CLI_DEFAULT_HISTORY

static const char usage_text[] =
    "usage: perfgate history add RESULTS.json [--budgets PATH] [--baseline B.json]\n"
    "                            [--commit C] [--branch B] [--history H] [--format FMT]\n"
    "       perfgate history list [--limit N] [--history H]\n"
    "       perfgate history show [RUN|latest] [--history H]\n"
    "       perfgate history prune --keep N [--history H]\n"
    "       perfgate history changes [--benchmark GLOB] [--tolerance P%] [--since RUN]\n"
    "                                [--json F] [--history H]\n"
    "\n"
    "changes: where each benchmark's level shifted over the recorded runs (PELT\n"
    "change points, each held to a rank test), the size of each shift with its\n"
    "95 % interval, and creep: a drift beyond the tolerance since the baseline\n"
    "through steps each under it.  Exit status 1 when the newest run brings a\n"
    "new slowdown or a new creep (docs/statistics.md, docs/ci.md).\n";

typedef struct hopts {
    const char *history, *budgets, *baseline, *commit, *branch, *format;
    const char *glob, *tolerance, *since, *json; /* history changes */
    long limit, keep;
    const char *args[4];
    int nargs;
} hopts;

/* Bad usage after parsing: the message and the synopsis (the options are
 * in --help). */
static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "perfgate: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_text);
    return 2;
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

/* Fills o from the command line.  Returns -1 to go on, or the exit status:
 * 0 after --help, 2 after bad usage (said on stderr). */
static int parse(int argc, char **argv, hopts *o)
{
    memset(o, 0, sizeof *o);
    o->limit = 20;
    o->keep = -1;
    o->history = getenv("PERFGATE_HISTORY");
    if (!o->history || !*o->history)
        o->history = DEFAULT_HISTORY;
    const pg_option options[] = {
        PG_OPT_STRING(0, "history", &o->history, "H",
                      "a SQLite file (default " DEFAULT_HISTORY ", or $PERFGATE_HISTORY)\n"
                      "or a postgresql://... URI shared by a team's CI runners"),
        PG_OPT_STRING(0, "budgets", &o->budgets, "P",
                      "judge the run against budget files and record the verdicts"),
        PG_OPT_STRING(0, "baseline", &o->baseline, "B",
                      "a baseline results file for regression verdicts (with --budgets)"),
        PG_OPT_STRING(0, "format", &o->format, "FMT", CLI_FORMAT_HELP),
        PG_OPT_STRING(0, "commit", &o->commit, "C", "the commit the run measured"),
        PG_OPT_STRING(0, "branch", &o->branch, "B", "the branch the run measured"),
        PG_OPT_INT(0, "limit", &o->limit, "N", 0, LONG_MAX,
                   "list the newest N runs (default 20; 0: all)"),
        PG_OPT_INT(0, "keep", &o->keep, "N", 0, LONG_MAX,
                   "prune all but the newest N runs (baselines are always kept)"),
        PG_OPT_STRING(0, "benchmark", &o->glob, "GLOB",
                      "changes: only the benchmarks matching GLOB"),
        PG_OPT_STRING(0, "tolerance", &o->tolerance, "P%",
                      "changes: creep is a drift beyond this (default 5%)"),
        PG_OPT_STRING(0, "since", &o->since, "RUN",
                      "changes: measure creep from this run (default: the\n"
                      "baseline's run, else the first)"),
        PG_OPT_STRING(0, "json", &o->json, "F", "changes: write them as JSON to F"),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = {
        "history",
        usage_text,
        options,
        NULL,
        "exit status: 0 done, 2 bad input, no such history or run, or usage\n",
        0
    };
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos == 0)
        return pg_opt_usage_error(&spec,
                                  "a subcommand is required: add, list, show, prune or changes");
    if (npos > 4)
        return pg_opt_usage_error(&spec, "too many arguments at '%s'", argv[4]);
    for (int i = 0; i < npos; i++)
        o->args[i] = argv[i];
    o->nargs = npos;
    return -1;
}

/* A SQLite history's folder is made on first use. */
static void ensure_parent(const char *where)
{
    if (!strncmp(where, "postgres", 8))
        return;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", where);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return;
    *slash = '\0';
    mkdir(dir, 0777);
}

pg_history *cli_open_history(const char *where)
{
    pg_error err = { 0 };
    ensure_parent(where);
    pg_history *h = pg_history_open(where, &err);
    if (!h)
        cli_report("perfgate", &err);
    return h;
}

pg_history *cli_open_history_ro(const char *where)
{
    pg_error err = { 0 };
    pg_history *h = pg_history_open_readonly(where, &err);
    if (!h)
        cli_report("perfgate", &err);
    return h;
}

static void progress(void *arg, size_t done, size_t total)
{
    const char *what = arg;
    if (done % 64 != 0 && done != total)
        return;
    fprintf(stderr, "\r%s: %zu/%zu", what, done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static void fmt_ns(char *buf, size_t len, double ns)
{
    static const char *const unit[] = { "ns", "us", "ms", "s" };
    if (isnan(ns)) {
        snprintf(buf, len, "-");
        return;
    }
    int u = 0;
    while (u < 3 && ns >= 1e4) {
        ns /= 1e3;
        u++;
    }
    snprintf(buf, len, "%.4g %s", ns, unit[u]);
}

/* Names go to a terminal: control characters are shown, not obeyed. */
static void print_safe(const char *s)
{
    pg_escape_term_put(stdout, s);
}

static int do_add(const hopts *o)
{
    if (o->nargs != 2)
        return usage_error("%s", "history add needs one results file");
    int format = cli_results_format("history add", o->format);
    if (format < 0)
        return 2;
    pg_history *h = cli_open_history(o->history);
    if (!h)
        return 2;
    pg_hist_add_options ao = { 0 };
    ao.format = format;
    ao.budgets = o->budgets;
    ao.baseline = o->baseline;
    ao.commit = o->commit;
    ao.branch = o->branch;
    if (isatty(2)) {
        ao.progress = progress;
        ao.progress_arg = "recording";
    }
    pg_error err = { 0 };
    int64_t id = 0;
    int rc = pg_history_add_results(h, o->args[1], &ao, &id, &err);
    if (rc < 0) {
        cli_report("perfgate", &err);
        pg_history_close(h);
        return 2;
    }
    pg_hist_show *s = NULL;
    if (pg_history_show(h, id, &s, &err) < 0) {
        /* recorded whole, but not read back: say both, and that it is trouble */
        fprintf(stderr, "perfgate: run %lld was recorded, but cannot be read back\n",
                (long long)id);
        cli_report("perfgate", &err);
        pg_history_close(h);
        return 2;
    }
    printf("recorded run %lld: %zu benchmarks", (long long)id, s->n_rows);
    if (s->n_verdicts)
        printf(", %ld failing", s->info.n_failed);
    printf("\n");
    pg_hist_show_free(s);
    pg_history_close(h);
    return 0;
}

static int do_list(const hopts *o)
{
    pg_history *h = cli_open_history_ro(o->history);
    if (!h)
        return 2;
    pg_error err = { 0 };
    pg_hist_run_info *runs = NULL;
    size_t n = 0;
    if (pg_history_list(h, (size_t)o->limit, &runs, &n, &err) < 0) {
        cli_report("perfgate", &err);
        pg_history_close(h);
        return 2;
    }
    printf("%-6s  %-20s  %-12s  %-16s  %7s  %7s\n", "run", "recorded", "commit", "branch",
           "benches", "failing");
    for (size_t i = 0; i < n; i++) {
        char ts[64], commit[64], branch[64];
        printf("%-6lld  %-20s  %-12.12s  %-16.16s  %7ld  %7ld%s\n", (long long)runs[i].id,
               pg_escape_term(runs[i].timestamp, ts, sizeof ts),
               runs[i].commit[0] ? pg_escape_term(runs[i].commit, commit, sizeof commit) : "-",
               runs[i].branch[0] ? pg_escape_term(runs[i].branch, branch, sizeof branch) : "-",
               runs[i].n_benches, runs[i].n_failed, runs[i].is_baseline ? "  baseline" : "");
    }
    free(runs);
    pg_history_close(h);
    return 0;
}

static int resolve_run(pg_history *h, const char *arg, int64_t *id)
{
    pg_error err = { 0 };
    if (!arg || !strcmp(arg, "latest")) {
        if (pg_history_latest(h, id, &err) < 0) {
            cli_report("perfgate", &err);
            return -1;
        }
        return 0;
    }
    long v;
    if (parse_long(arg, &v) < 0) {
        fprintf(stderr, "perfgate: '%s' is not a run id (a number, or 'latest')\n", arg);
        return -1;
    }
    *id = v;
    return 0;
}

static int do_show(const hopts *o)
{
    pg_history *h = cli_open_history_ro(o->history);
    if (!h)
        return 2;
    int64_t id;
    pg_hist_show *s = NULL;
    pg_error err = { 0 };
    if (resolve_run(h, o->nargs > 1 ? o->args[1] : NULL, &id) < 0) {
        pg_history_close(h);
        return 2;
    }
    if (pg_history_show(h, id, &s, &err) < 0) {
        cli_report("perfgate", &err);
        pg_history_close(h);
        return 2;
    }
    printf("run %lld recorded ", (long long)s->info.id);
    print_safe(s->info.timestamp);
    printf("%s\ncommit ", s->info.is_baseline ? " (baseline)" : "");
    print_safe(s->info.commit[0] ? s->info.commit : "-");
    printf("  branch ");
    print_safe(s->info.branch[0] ? s->info.branch : "-");
    printf("  source ");
    print_safe(s->info.source);
    printf("\n\nenvironment:\n");
    for (size_t i = 0; i < s->n_env; i++) {
        printf("  ");
        pg_escape_term_put(stdout, s->env[i].key);
        printf(" = ");
        pg_escape_term_put(stdout, s->env[i].value ? s->env[i].value : "");
        printf("\n");
    }
    printf("\n%-14s %-12s %-12s %-12s %5s  %-16s %s\n", "verdict", "median", "interval lo",
           "interval hi", "n", "owner", "benchmark");
    for (size_t i = 0; i < s->n_rows; i++) {
        const pg_hist_row *r = &s->rows[i];
        char med[32], lo[32], hi[32], owner[64], verdict[24];
        fmt_ns(med, sizeof med, r->median_ns);
        fmt_ns(lo, sizeof lo, r->lo_ns);
        fmt_ns(hi, sizeof hi, r->hi_ns);
        /* the budget's owner, and whether its verdict only warns (docs/budgets.md) */
        const char *own = NULL;
        int warn = 0;
        for (size_t k = 0; k < s->n_verdicts; k++) {
            const pg_hist_verdict *v = &s->verdicts[k];
            if (!v->bench || strcmp(v->bench, r->name))
                continue;
            if (!own)
                own = v->owner;
            warn |= v->warn && v->verdict && !strcmp(v->verdict, r->verdict);
        }
        pg_escape_term(own ? own : "-", owner, sizeof owner);
        snprintf(verdict, sizeof verdict, "%s%s", r->verdict[0] ? r->verdict : "-",
                 warn ? " (warn)" : "");
        printf("%-14s %-12s %-12s %-12s %5zu  %-16s ", verdict, med, lo, hi, r->n_samples, owner);
        pg_escape_term_put(stdout, r->name);
        printf("\n");
    }
    if (s->n_waivers) {
        printf("\nwaivers:\n");
        for (size_t i = 0; i < s->n_waivers; i++) {
            printf("  ");
            pg_escape_term_put(stdout, s->waivers[i].bench);
            printf(": ");
            print_safe(s->waivers[i].reason ? s->waivers[i].reason : "");
            printf(" (");
            print_safe(s->waivers[i].ticket ? s->waivers[i].ticket : "-");
            printf(", expires ");
            print_safe(s->waivers[i].expires ? s->waivers[i].expires : "-");
            printf(")\n");
        }
    }
    pg_hist_show_free(s);
    pg_history_close(h);
    return 0;
}

static int do_prune(const hopts *o)
{
    if (o->keep < 0)
        return usage_error("%s", "history prune needs --keep N");
    pg_history *h = cli_open_history(o->history);
    if (!h)
        return 2;
    pg_error err = { 0 };
    size_t removed = 0;
    int rc = pg_history_prune(h, (size_t)o->keep, &removed, &err);
    pg_history_close(h);
    if (rc < 0) {
        cli_report("perfgate", &err);
        return 2;
    }
    printf("pruned %zu run%s\n", removed, removed == 1 ? "" : "s");
    return 0;
}

static int do_changes(const hopts *o)
{
    double tol = 0.05;
    if (o->tolerance && (pg_parse_percent(o->tolerance, &tol) || !(tol > 0) || tol >= 1)) {
        fprintf(stderr,
                "perfgate: history changes: --tolerance takes a percentage such as "
                "5%%, not '%s'\n",
                o->tolerance);
        return 2;
    }
    if (o->nargs != 1)
        return usage_error("%s", "history changes takes no arguments (--benchmark GLOB)");
    return cli_history_changes(o->history, o->glob, o->since, tol, o->json);
}

int cmd_history(int argc, char **argv)
{
    hopts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    const char *sub = o.args[0];
    if (!strcmp(sub, "add"))
        return do_add(&o);
    if (!strcmp(sub, "list"))
        return do_list(&o);
    if (!strcmp(sub, "show"))
        return do_show(&o);
    if (!strcmp(sub, "prune"))
        return do_prune(&o);
    if (!strcmp(sub, "changes"))
        return do_changes(&o);
    static const char *const subs[] = { "add", "list", "show", "prune", "changes" };
    const char *near = cli_nearest(sub, subs, 5);
    fprintf(stderr, "perfgate: '%s' is not a history subcommand", sub);
    if (near)
        fprintf(stderr, "; did you mean '%s'?", near);
    fprintf(stderr, "\n%s", usage_text);
    return 2;
}
