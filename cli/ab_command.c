/*
 * ab_command.c - `perfgate ab --base-command CMD --head-command CMD`: the A/B
 * gate of cmd_ab.c on two commands instead of two tpbench builds, e.g. a
 * pytest-benchmark run in the base checkout and one in the head checkout.
 * Each command writes results in any format the gate reads (its "{out}"
 * argument is replaced by the round's results file); the rounds alternate
 * their order (base first in even rounds, head first in odd ones), and the
 * judgement is gate/ab.c's: per benchmark, paired log ratios of each
 * round's median, Hodges-Lehmann with Tukey's interval (docs/accuracy.md).
 *
 * A command is split into words here, never by a shell: blanks separate
 * words, '...' and "..." quote (a backslash escapes '"' and '\' inside
 * double quotes).  Environment variables are set with env(1), e.g.
 * "env TP_SLOWDOWN=2 python3 -m pytest ... --benchmark-json={out}".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ab.h"
#include "builtin.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_gate.h"
#include "pg_io.h"
#include "pg_process.h"

#define MAX_WORDS 128

static const char *const side[2] = { "base", "head" };

static const char usage_text[] =
    "usage: perfgate ab --base-command CMD --head-command CMD [--rounds N]\n"
    "                   [--budgets PATH] [--format FMT] [--tolerance P%] [--metric real|cpu]\n"
    "                   [--workdir DIR] [--json F] [--markdown F] [--strict]\n"
    "\n"
    "Runs two commands that each write benchmark results (Google Benchmark,\n"
    "pytest-benchmark, hyperfine or asv; \"{out}\" in a command is the file it\n"
    "must write) in alternating order, round by round, and gates on the paired\n"
    "ratios head/base per benchmark, as `perfgate ab` does for two builds.\n"
    "Commands are split into words without a shell ('...' and \"...\" quote).\n";

static const char footer[] =
    "A round's value of a benchmark is the median of its samples in that run.\n"
    "\n"
    "exit status: 0 the gate passed, 1 it failed, 2 bad input, usage or trouble\n";

int cli_ab_is_command(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--base-command", 14) || !strncmp(argv[i], "--head-command", 14))
            return 1;
    return 0;
}

/* Splits cmd into words (buf holds them); returns the count, or -1 with a
 * message on stderr. */
static int split_words(const char *what, const char *cmd, char *buf, char **words)
{
    int n = 0;
    const char *p = cmd;
    char *o = buf;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        if (n == MAX_WORDS - 1) {
            fprintf(stderr, "perfgate: ab: %s has more than %d words\n", what, MAX_WORDS - 2);
            return -1;
        }
        words[n++] = o;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
            if (*p == '\'' || *p == '"') {
                char q = *p++;
                while (*p && *p != q) {
                    if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    *o++ = *p++;
                }
                if (!*p) {
                    fprintf(stderr, "perfgate: ab: %s: unclosed %c quote\n", what, q);
                    return -1;
                }
                p++;
            } else {
                *o++ = *p++;
            }
        }
        *o++ = '\0';
    }
    words[n] = NULL;
    if (n == 0)
        fprintf(stderr, "perfgate: ab: %s is empty\n", what);
    return n ? n : -1;
}

typedef struct command {
    const char *what; /* "--base-command" */
    char *buf;        /* the words */
    char *words[MAX_WORDS];
    int nwords, out_at; /* the word holding "{out}" */
} command;

static int prepare(command *c, const char *what, const char *text)
{
    c->what = what;
    if (!(c->buf = malloc(strlen(text) + 1))) {
        fprintf(stderr, "perfgate: out of memory\n");
        return -1;
    }
    if ((c->nwords = split_words(what, text, c->buf, c->words)) < 0)
        return -1;
    c->out_at = -1;
    for (int i = 0; i < c->nwords; i++)
        if (strstr(c->words[i], "{out}")) {
            c->out_at = i;
            break;
        }
    if (c->out_at < 0) {
        fprintf(stderr,
                "perfgate: ab: %s has no \"{out}\" (where it must write its results, "
                "e.g. --benchmark-json={out})\n",
                what);
        return -1;
    }
    return 0;
}

/* Runs c once, its results to out; loads them. */
static pg_results *run_command(const command *c, const char *out, const char *log, int format)
{
    const char *w = c->words[c->out_at], *at = strstr(w, "{out}");
    size_t len = strlen(w) - 5 + strlen(out) + 1;
    char *word = malloc(len);
    if (!word) {
        fprintf(stderr, "perfgate: out of memory\n");
        return NULL;
    }
    snprintf(word, len, "%.*s%s%s", (int)(at - w), w, out, at + 5);
    const char *argv[MAX_WORDS];
    for (int i = 0; i <= c->nwords; i++)
        argv[i] = i == c->out_at ? word : c->words[i];
    unlink(out); /* a stale file is never read as this run's */
    pg_process p;
    pg_process_init_logged(&p, argv, log, 3600);
    pg_error err;
    pg_error_clear(&err);
    int rc = pg_process_run(&p, &err);
    pg_process_clear(&p);
    free(word);
    if (rc != 0) {
        cli_report("perfgate: ab", &err);
        return NULL;
    }
    pg_results *run = pg_results_load_as(out, format, &err);
    if (!run)
        cli_report("perfgate: ab", &err);
    return run;
}

static int write_to(const char *path, int (*w)(const pg_ab *, FILE *), const pg_ab *ab)
{
    struct pg_afile *f = cli_out_open(path);
    return f ? cli_out_close(f, path, w(ab, pg_afile_stream(f)) == 0) : -1;
}

int cli_ab_command(int argc, char **argv)
{
    const char *base_cmd = NULL, *head_cmd = NULL, *format_name = NULL, *tolerance = NULL;
    const char *metric = NULL, *workdir = NULL, *json = NULL, *markdown = NULL;
    const char *budgets[64];
    pg_opt_list budget_list = { budgets, 0, sizeof budgets / sizeof budgets[0] };
    long rounds = 5;
    int strict = 0;
    const pg_option options[] = {
        PG_OPT_STRING(0, "base-command", &base_cmd, "CMD", "the base side's command"),
        PG_OPT_STRING(0, "head-command", &head_cmd, "CMD", "the head side's command"),
        PG_OPT_INT(0, "rounds", &rounds, "N", 2, 10000, "rounds, each runs both (default 5)"),
        PG_OPT_LIST(0, "budgets", &budget_list, "PATH",
                    "budget files: tolerances and waivers (repeatable)"),
        PG_OPT_STRING(0, "format", &format_name, "FMT", CLI_FORMAT_HELP),
        PG_OPT_STRING(0, "tolerance", &tolerance, "P%",
                      "the regression tolerance for every benchmark (default the budgets')"),
        PG_OPT_STRING(0, "metric", &metric, "WHICH", "real or cpu (default: real)"),
        PG_OPT_STRING(0, "workdir", &workdir, "DIR",
                      "keep each round's results and logs here (default: a temporary folder)"),
        PG_OPT_STRING(0, "json", &json, "FILE", "write the verdicts as JSON"),
        PG_OPT_STRING(0, "markdown", &markdown, "FILE", "write a Markdown summary"),
        PG_OPT_BOOL(0, "strict", &strict, "an inconclusive benchmark fails the gate"),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = { "ab", usage_text, options, NULL, footer, 0 };
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos > 0)
        return pg_opt_usage_error(&spec, "unexpected argument '%s'", argv[0]);
    if (!base_cmd || !head_cmd)
        return pg_opt_usage_error(&spec, "%s is required",
                                  !base_cmd ? "--base-command" : "--head-command");
    int format = cli_results_format("ab", format_name);
    if (format < 0)
        return 2;
    pg_ab_options opt = { PG_METRIC_REAL, 0, strict, 0, NULL };
    if (metric && strcmp(metric, "real") && strcmp(metric, "cpu")) {
        fprintf(stderr, "perfgate: ab: --metric takes real or cpu, not '%s'\n", metric);
        return 2;
    }
    if (metric && !strcmp(metric, "cpu"))
        opt.metric = PG_METRIC_CPU;
    if (tolerance) {
        char *end;
        double t = strtod(tolerance, &end);
        if (end == tolerance || (*end && strcmp(end, "%")) || !(t > 0 && t < 1000)) {
            fprintf(stderr, "perfgate: ab: --tolerance takes a percentage such as 5%%, not '%s'\n",
                    tolerance);
            return 2;
        }
        opt.tolerance = t / 100.0;
    }
    int status = 2;
    command cmds[2] = { { 0 }, { 0 } };
    pg_budget_set *set = pg_budget_set_create();
    pg_ab *ab = NULL;
    char dir[4096];
    int own_dir = 0;
    if (!set)
        goto done;
    int bad = 0;
    for (size_t i = 0; i < budget_list.n; i++)
        bad |= pg_budget_set_add_path(set, budgets[i]) != 0;
    for (size_t i = 0; i < pg_budget_set_ndiag(set); i++)
        cli_report("perfgate", pg_budget_set_diag(set, i));
    if (bad || prepare(&cmds[0], "--base-command", base_cmd) ||
        prepare(&cmds[1], "--head-command", head_cmd))
        goto done;
    if (workdir) {
        snprintf(dir, sizeof dir, "%s", workdir);
        if (mkdir(dir, 0777) && access(dir, W_OK)) {
            fprintf(stderr, "perfgate: ab: cannot use '%s' as the work folder\n", dir);
            goto done;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/perfgate-ab-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            fprintf(stderr, "perfgate: ab: cannot make a work folder in '%s'\n", dir);
            goto done;
        }
        own_dir = 1;
    }
    if (!(ab = pg_ab_create(set, &opt))) {
        fprintf(stderr, "perfgate: out of memory\n");
        goto done;
    }
    for (long r = 0; r < rounds; r++) {
        pg_results *res[2] = { NULL, NULL };
        for (int k = 0; k < 2; k++) {
            int s = (r % 2) ? 1 - k : k; /* ABBA: base first in even rounds */
            char out[4200], log[4200];
            snprintf(out, sizeof out, "%s/%s-%04ld.json", dir, side[s], r);
            snprintf(log, sizeof log, "%s/%s-%04ld.log", dir, side[s], r);
            if (!(res[s] = run_command(&cmds[s], out, log, format))) {
                fprintf(stderr,
                        "perfgate: ab: the %s command failed in round %ld (its output: "
                        "%s)\n",
                        side[s], r + 1, log);
                own_dir = 0; /* keep the logs */
                pg_results_destroy(res[1 - s]);
                goto done;
            }
        }
        int rc = pg_ab_add_round(ab, res[0], res[1]);
        pg_results_destroy(res[0]);
        pg_results_destroy(res[1]);
        if (rc) {
            fprintf(stderr, "perfgate: out of memory\n");
            goto done;
        }
        fprintf(stderr, "perfgate: ab: round %ld of %ld done\n", r + 1, rounds);
    }
    if (pg_ab_judge_all(ab)) {
        fprintf(stderr, "perfgate: out of memory\n");
        goto done;
    }
    pg_ab_write_table(ab, stdout, 0);
    if ((json && write_to(json, pg_ab_write_json, ab)) ||
        (markdown && write_to(markdown, pg_ab_write_markdown, ab)))
        goto done;
    status = pg_ab_failed(ab) ? 1 : 0;
done:
    if (own_dir) {
        for (long r = 0; r < rounds; r++)
            for (int s = 0; s < 2; s++) {
                char p[4200];
                snprintf(p, sizeof p, "%s/%s-%04ld.json", dir, side[s], r);
                unlink(p);
                snprintf(p, sizeof p, "%s/%s-%04ld.log", dir, side[s], r);
                unlink(p);
            }
        rmdir(dir);
    }
    pg_ab_destroy(ab);
    pg_budget_set_destroy(set);
    free(cmds[0].buf);
    free(cmds[1].buf);
    return status;
}
