/*
 * cmd_ab.c - `perfgate ab`: runs two builds of one suite interleaved on one
 * CPU and gates on the paired ratios head/base (gate/ab.h).
 *
 * Round r runs base then head when r is even, head then base when odd, so
 * neither build always runs second on a warmer (or busier) machine.  Both
 * are exec'd directly with an argv (never through a shell), pinned to the
 * same CPU.  Benchmarks inconclusive after the first rounds get more
 * rounds of their own (only they run, within --confirm-budget) and another
 * look at all their rounds, at a stricter level (gate/ab.h).
 *
 * --mode instructions runs each build once under callgrind instead (the
 * harness counts one kernel call per benchmark): deterministic counts, no
 * statistics needed.  With --head and --out but no --base, it only writes
 * the head's counts as a results file `perfgate check` can gate.
 *
 * Exit codes as `perfgate check`: 0 pass, 1 the gate failed, 2 bad input,
 * bad usage or trouble (a build that does not run is trouble).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ab.h"
#include "bench_program.h"
#include "builtin.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_callgrind.h"
#include "pg_gate.h"
#include "pg_io.h"
#include "pg_process.h"

static const char usage_text[] =
    "usage: perfgate ab --base BIN_A --head BIN_B [--rounds N] [--budgets PATH]\n"
    "                   [--mode time|instructions] [--tolerance P%] [--metric real|cpu]\n"
    "                   [--confirm-budget TIME] [--strict] [--cpu N] [--workdir DIR]\n"
    "                   [--json F] [--markdown F] [--junit F] [--color WHEN]\n"
    "                   [tpbench options: --suite=, --profile=, --size=, --seed=,\n"
    "                    --first-children=, --cold-min-time=, --benchmark_*=]\n"
    "                   [-- more arguments for both builds]\n"
    "       perfgate ab --mode instructions --head BIN --out R.json [tpbench options]\n"
    "\n"
    "Runs two builds of a suite in alternating order on one CPU and gates on the\n"
    "paired ratios head/base (Hodges-Lehmann ratio with Tukey's interval;\n"
    "docs/accuracy.md).  Verdicts: pass, improved, regression, inconclusive.  A\n"
    "regression needs the interval above 1 + tolerance/2 and the ratio above\n"
    "1 + tolerance; the interval's one-sided level is alpha/10 at the first look,\n"
    "halved at each further look (at most alpha/5, 1 %, in all).  Inconclusive\n"
    "benchmarks get more rounds (only they run) and another look at all their\n"
    "rounds.  Hot benchmarks are judged on CPU time, cold and first on real time.\n"
    "\n"
    "BIN may be tpbench or any Google Benchmark program: perfgate asks it (--help)\n"
    "what it understands and passes tpbench's own options only to a program that\n"
    "lists them.  A plain Google Benchmark program's benchmarks are judged on real\n"
    "time unless --metric or a budget says otherwise; in instructions mode its\n"
    "count is one iteration of the benchmark's timed loop.\n";

static const char footer[] =
    "Each round runs a build with --benchmark_repetitions=3 --benchmark_min_time=0.003\n"
    "(tpbench also --cold-min-time=0.001 --first-children=3) unless given; a round's\n"
    "value is the fastest of its repetitions.\n"
    "\n"
    "exit status: 0 the gate passed, 1 it failed, 2 bad input, usage or trouble\n";

#define MAX_PASS 64

typedef struct ab_args {
    const char *base, *head, *mode, *metric, *tolerance, *confirm, *cpu, *workdir;
    const char *out, *base_out, *json, *markdown, *junit, *colour, *today;
    const char *budgets[64];
    size_t nbudgets;
    long rounds;
    int strict, cache_sim;
    const char *pass[MAX_PASS]; /* tpbench arguments */
    size_t npass;
    size_t nnamed; /* of them, the options above (not after `--`) */
    int has_reps, has_min_time, has_children, has_cold_min;
} ab_args;

static int want_colour(const char *when)
{
    if (!strcmp(when, "always"))
        return 1;
    if (!strcmp(when, "never"))
        return 0;
    const char *nc = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(nc && nc[0]);
}

/* Fills a from the command line.  Returns -1 to go on, or the exit status:
 * 0 after --help, 2 after bad usage (said on stderr). */
static int parse(ab_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->mode = "time";
    a->colour = "auto";
    a->confirm = "60s";
    a->rounds = 12;
    pg_opt_list budgets = { a->budgets, 0, sizeof a->budgets / sizeof a->budgets[0] };
    pg_opt_list pass = { a->pass, 0, MAX_PASS };
    const pg_option options[] = {
        PG_OPT_STRING(0, "base", &a->base, "BIN",
                      "the build to compare with (tpbench or a Google Benchmark program)"),
        PG_OPT_STRING(0, "head", &a->head, "BIN", "the build under test"),
        PG_OPT_INT(0, "rounds", &a->rounds, "N", 1, 10000,
                   "interleaved rounds (default 12; one process per build each)"),
        PG_OPT_LIST(0, "budgets", &budgets, "PATH",
                    "budget file or folder (repeatable): tolerances, alpha,\n"
                    "min_effect, severity, waivers as `perfgate check`; without\n"
                    "it hot benchmarks may degrade 5 %, cold ones 10 %"),
        PG_OPT_STRING(0, "tolerance", &a->tolerance, "P%",
                      "one tolerance for every benchmark, overriding the budgets"),
        PG_OPT_STRING(0, "metric", &a->metric, "WHICH",
                      "real or cpu time (default: the budget's, else cpu for hot\n"
                      "benchmarks, real for cold and first ones)"),
        PG_OPT_STRING(0, "mode", &a->mode, "MODE",
                      "time (default) or instructions (callgrind counts)"),
        PG_OPT_BOOL(0, "cache-sim", &a->cache_sim,
                    "instructions mode: simulate caches too (slower)"),
        PG_OPT_STRING(0, "confirm-budget", &a->confirm, "T",
                      "time for confirmation rounds, e.g. 60s, 2m (default 60s; 0: none)"),
        PG_OPT_BOOL(0, "strict", &a->strict,
                    "an inconclusive verdict fails the gate (default: shown, passes)"),
        PG_OPT_STRING(0, "cpu", &a->cpu, "N",
                      "pin both builds to CPU N (default: the last allowed CPU)"),
        PG_OPT_STRING(0, "workdir", &a->workdir, "DIR",
                      "keep the runs' results and logs here (default: a temporary\n"
                      "folder, removed afterwards)"),
        PG_OPT_STRING(0, "out", &a->out, "FILE",
                      "instructions mode: write the head's counts as results JSON"),
        PG_OPT_STRING(0, "base-out", &a->base_out, "FILE",
                      "instructions mode: write the base's counts as results JSON"),
        PG_OPT_STRING(0, "json", &a->json, "FILE", "write the verdicts as JSON"),
        PG_OPT_STRING(0, "markdown", &a->markdown, "FILE", "write the verdicts as Markdown"),
        PG_OPT_STRING(0, "junit", &a->junit, "FILE", "write the verdicts as JUnit XML"),
        PG_OPT_STRING(0, "color", &a->colour, "WHEN", "auto, always or never"),
        PG_OPT_STRING(0, "colour", &a->colour, "WHEN", NULL),
        PG_OPT_STRING(0, "today", &a->today, "DATE", "judge waiver expiry on this date"),
        /* tpbench's own options, passed on to both builds */
        PG_OPT_PASSTHRU("suite=", &pass),
        PG_OPT_PASSTHRU("profile=", &pass),
        PG_OPT_PASSTHRU("size=", &pass),
        PG_OPT_PASSTHRU("seed=", &pass),
        PG_OPT_PASSTHRU("counters=", &pass),
        PG_OPT_PASSTHRU("first-children=", &pass),
        PG_OPT_PASSTHRU("cold-min-time=", &pass),
        PG_OPT_PASSTHRU("benchmark_", &pass),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = { "ab", usage_text, options, NULL, footer, PG_PARSE_KEEP_DASHDASH };
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos > 0 && strcmp(argv[0], "--"))
        return pg_opt_usage_error(&spec, "unexpected argument '%s'", argv[0]);
    a->nbudgets = budgets.n;
    /* Defaults are added for what the options above did not set; what
     * follows `--` is passed on as it is. */
    for (size_t i = 0; i < pass.n; i++) {
        a->has_reps |= !strncmp(pass.v[i], "--benchmark_repetitions", 23);
        a->has_min_time |= !strncmp(pass.v[i], "--benchmark_min_time", 20);
        a->has_children |= !strncmp(pass.v[i], "--first-children", 16);
        a->has_cold_min |= !strncmp(pass.v[i], "--cold-min-time", 15);
    }
    a->npass = pass.n;
    a->nnamed = pass.n;
    for (int i = 1; i < npos && a->npass < MAX_PASS; i++)
        a->pass[a->npass++] = argv[i];
    /* With --mode instructions, --head and --out alone measure the head. */
    if (!a->head || (!a->base && !(!strcmp(a->mode, "instructions") && a->out)))
        return pg_opt_usage_error(&spec, "%s",
                                  !a->head ? "--head is required" : "--base is required");
    return -1;
}

/* ---- running a build ---- */

typedef struct runner {
    const ab_args *a;
    pg_prog base, head; /* what each build understands (bench_program.h) */
    char dir[4096];
    int instructions;
    unsigned seq;
    int failed;               /* a build failed: its log is kept, with the folder */
    int said_base, said_head; /* note_uncounted spoke */
    /* progress on stderr: a line redrawn in place on a terminal, else one
     * line a round (what a CI log shows) */
    int tty;
    double t0;
    unsigned done, planned; /* rounds */
} runner;

/* Says once per build which benchmarks of its results got no count (the
 * harness's first-call ones run in child processes valgrind does not
 * follow): they are left out of the counts, and so of the verdicts. */
static void note_uncounted(runner *rn, const char *which, const char *results, const pg_cg_count *c,
                           size_t nc)
{
    int *said = !strcmp(which, "base") ? &rn->said_base : &rn->said_head;
    pg_error err;
    pg_results *run = *said ? NULL : pg_results_load(results, &err);
    size_t missing = 0;
    const char *first = NULL;
    for (size_t i = 0; i < pg_results_count(run); i++) {
        const char *name = pg_results_get(run, i)->name;
        size_t k = 0;
        while (k < nc && strcmp(c[k].name, name))
            k++;
        if (k == nc && !missing++)
            first = name;
    }
    if (missing)
        fprintf(stderr,
                "perfgate: ab: %s: %zu benchmark%s without an instruction count, left out "
                "(e.g. %s%s)\n",
                which, missing, missing == 1 ? "" : "s", first,
                strstr(first, "/first/") ? ": first-call benchmarks run in child processes" : "");
    *said = 1;
    pg_results_destroy(run);
}

/* Runs bin once with the pass-through arguments (and a filter, when not
 * NULL); loads its results.  NULL after printing why. */
static pg_results *run_once(runner *rn, const char *bin, const char *which, const char *filter)
{
    const ab_args *a = rn->a;
    const pg_prog *prog = !strcmp(which, "base") ? &rn->base : &rn->head;
    char out[4200], log[4200], outarg[8500], filt[8300], cgfile[4300], cgarg[4400];
    unsigned id = rn->seq++;
    snprintf(out, sizeof out, "%s/%s-%04u.json", rn->dir, which, id);
    snprintf(log, sizeof log, "%s/%s-%04u.log", rn->dir, which, id);
    snprintf(cgfile, sizeof cgfile, "%s/cg-%s-%04u", rn->dir, which, id);
    snprintf(cgarg, sizeof cgarg, "--callgrind-out-file=%s", cgfile);
    char *argv[MAX_PASS + 32];
    size_t n = 0;
    if (rn->instructions)
        pg_prog_valgrind_argv(prog, a->cache_sim, cgarg, argv, &n);
    argv[n++] = (char *)bin;
    for (size_t i = 0; i < a->npass; i++)
        argv[n++] = (char *)a->pass[i];
    /* Three short repetitions, the fastest counts (gate/ab_session.c run_value):
     * measured on a shared 2-core VM, the CPU-time log ratios of a pair
     * scatter 1.3-1.6 % this way against 2.5-3 % with one repetition of
     * 0.01 s (docs/accuracy.md). */
    /* Under callgrind a plain Google Benchmark program runs each benchmark
     * twice (the first call also pays for binding symbols; the last is
     * counted) with the shortest time there is: one iteration a run. */
    if (!a->has_reps)
        argv[n++] = !rn->instructions ? "--benchmark_repetitions=3"
                    : prog->harness   ? "--benchmark_repetitions=1"
                                      : "--benchmark_repetitions=2";
    if (!a->has_min_time)
        argv[n++] = !rn->instructions ? "--benchmark_min_time=0.003"
                    : prog->harness   ? "--benchmark_min_time=0.0001"
                                      : "--benchmark_min_time=0.000000001";
    if (!a->has_cold_min && !rn->instructions && (prog->flags & PG_PROG_COLD_MIN))
        argv[n++] = "--cold-min-time=0.001";
    if (!a->has_children && (prog->flags & PG_PROG_FIRST_CHILDREN))
        argv[n++] = "--first-children=3";
    if (filter) {
        snprintf(filt, sizeof filt, "--benchmark_filter=%s", filter);
        argv[n++] = filt;
    }
    pg_prog_out_argv(prog, out, outarg, sizeof outarg, argv, &n);
    argv[n] = NULL;
    /* stdout and stderr into the run's log, kept when the run fails */
    pg_process p;
    pg_process_init_logged(&p, (const char *const *)argv, log, 1800);
    pg_error err;
    pg_error_clear(&err);
    int rc = pg_process_run(&p, &err);
    pg_process_clear(&p);
    if (rc != 0) {
        rn->failed = p.exit_code >= 0 || p.signal; /* it ran: its log has something */
        cli_report("perfgate: ab", &err);
        if (rn->failed)
            fprintf(stderr, "perfgate: ab: %s's log: %s\n", which, log);
        return NULL;
    }
    if (rn->instructions) {
        pg_cg_count *c = NULL;
        size_t nc = 0;
        int crc = prog->harness ? pg_callgrind_read_dumps(cgfile, &c, &nc, &err)
                                : pg_callgrind_gb_counts(cgfile, out, &c, &nc, &err);
        if (crc == 0)
            note_uncounted(rn, which, out, c, nc);
        if (crc || pg_callgrind_rewrite_results(out, c, nc, 10, &err)) {
            free(c);
            cli_report("perfgate: ab", &err);
            rn->failed = 1; /* its output is what the message names: keep it */
            return NULL;
        }
        free(c);
    }
    pg_results *run = pg_results_load(out, &err);
    if (!run) {
        cli_report("perfgate: ab", &err);
        rn->failed = 1;
        fprintf(stderr, "perfgate: ab: %s's log: %s\n", which, log);
    }
    return run;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* After a round: rounds done of planned, the time left at this pace. */
static void progress(runner *rn, const char *stage)
{
    rn->done++;
    double spent = now_s() - rn->t0;
    double left = rn->planned > rn->done ? spent / rn->done * (rn->planned - rn->done) : 0;
    fprintf(stderr, "%sperfgate: ab: %s: round %u/%u, %.0f s, about %.0f s left%s",
            rn->tty ? "\r\033[K" : "", stage, rn->done, rn->planned, spent, left,
            rn->tty ? "" : "\n");
    fflush(stderr);
}

/* One interleaved round; order alternates with the round number. */
static int round_once(runner *rn, pg_ab *ab, unsigned r, const char *filter)
{
    const ab_args *a = rn->a;
    pg_results *b = NULL, *h = NULL;
    if (r % 2 == 0) {
        b = run_once(rn, a->base, "base", filter);
        h = b ? run_once(rn, a->head, "head", filter) : NULL;
    } else {
        h = run_once(rn, a->head, "head", filter);
        b = h ? run_once(rn, a->base, "base", filter) : NULL;
    }
    int rc = b && h ? pg_ab_add_round(ab, b, h) : -1;
    if (b && h && rc)
        fprintf(stderr, "perfgate: ab: out of memory\n");
    pg_results_destroy(b);
    pg_results_destroy(h);
    return rc;
}

/* "^(a|b|c)$" with the names' regex characters escaped. */
static char *filter_for(const pg_ab *ab)
{
    size_t len = 8;
    for (size_t i = 0; i < pg_ab_count(ab); i++)
        len += 2 * strlen(pg_ab_get(ab, i)->name) + 1;
    char *f = malloc(len), *p = f;
    if (!f)
        return NULL;
    p += sprintf(p, "^(");
    int any = 0;
    for (size_t i = 0; i < pg_ab_count(ab); i++) {
        const pg_ab_row *r = pg_ab_get(ab, i);
        if (!r->confirm_from || !pg_ab_row_undecided(r))
            continue;
        if (any)
            *p++ = '|';
        any = 1;
        for (const char *s = r->name; *s; s++) {
            if (strchr(".^$|()[]{}*+?\\", *s))
                *p++ = '\\';
            *p++ = *s;
        }
    }
    /* Google Benchmark's own names may end in /manual_time and the like */
    p += sprintf(p, ")(/|$)");
    if (!any) {
        free(f);
        return NULL;
    }
    return f;
}

static int any_undecided(const pg_ab *ab)
{
    for (size_t i = 0; i < pg_ab_count(ab); i++) {
        const pg_ab_row *r = pg_ab_get(ab, i);
        if (r->confirm_from && pg_ab_row_undecided(r))
            return 1;
    }
    return 0;
}

static int write_file(const char *path, int (*w)(const pg_ab *, FILE *), const pg_ab *ab)
{
    /* Temporary file, fsync, rename: the old file or the new, never torn. */
    pg_afile *af = cli_out_open(path);
    return af ? cli_out_close(af, path, w(ab, pg_afile_stream(af)) == 0) : -1;
}

static void remove_dir(const char *dir)
{
    /* Only the files this command wrote: names it made, in its own folder. */
    const char *argv[] = { "rm", "-rf", "--", dir, NULL };
    pg_process p;
    pg_process_init_logged(&p, argv, NULL, 60);
    pg_process_run(&p, NULL);
    pg_process_clear(&p);
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    if (rc)
        fprintf(stderr, "perfgate: ab: cannot write '%s': %s\n", to, strerror(errno));
    return rc;
}

int cmd_ab(int argc, char **argv)
{
    if (cli_ab_is_command(argc, argv)) /* two commands, any results format */
        return cli_ab_command(argc, argv);
    ab_args a;
    int prc = parse(&a, argc, argv);
    if (prc >= 0)
        return prc;
    int instructions = !strcmp(a.mode, "instructions");
    if (!instructions && strcmp(a.mode, "time")) {
        fprintf(stderr, "perfgate: ab: --mode takes time or instructions, not '%s'\n", a.mode);
        return 2;
    }
    int measure_only = instructions && !a.base && a.head && a.out;
    int metric = -1;
    if (a.metric) {
        if (!strcmp(a.metric, "real"))
            metric = PG_METRIC_REAL;
        else if (!strcmp(a.metric, "cpu"))
            metric = PG_METRIC_CPU;
        else {
            fprintf(stderr, "perfgate: ab: --metric takes real or cpu, not '%s'\n", a.metric);
            return 2;
        }
    }
    double tol = 0, confirm_ns = 0;
    if (a.tolerance && (pg_parse_percent(a.tolerance, &tol) || !(tol > 0) || tol >= 1)) {
        fprintf(stderr, "perfgate: ab: --tolerance takes a percentage such as 2%%, not '%s'\n",
                a.tolerance);
        return 2;
    }
    if (strcmp(a.confirm, "0") && (pg_parse_time(a.confirm, &confirm_ns) || confirm_ns < 0)) {
        fprintf(stderr, "perfgate: ab: --confirm-budget takes a time such as 60s, not '%s'\n",
                a.confirm);
        return 2;
    }
    if (!strcmp(a.confirm, "0"))
        confirm_ns = 0;
    if (strcmp(a.colour, "auto") && strcmp(a.colour, "always") && strcmp(a.colour, "never")) {
        fprintf(stderr, "perfgate: ab: --color takes auto, always or never, not '%s'\n", a.colour);
        return 2;
    }
    if (a.today && pg_parse_date(a.today, NULL)) {
        fprintf(stderr, "perfgate: ab: --today takes a date such as 2026-12-31, not '%s'\n",
                a.today);
        return 2;
    }
    int cpu = -1;
    if (a.cpu) {
        char *end;
        long c = strtol(a.cpu, &end, 10);
        if (*end || c < 0 || c > 4095) {
            fprintf(stderr, "perfgate: ab: --cpu takes a CPU number, not '%s'\n", a.cpu);
            return 2;
        }
        cpu = (int)c;
    }

    int status = 2, made_dir = 0;
    pg_budget_set *set = NULL;
    pg_ab *ab = NULL;
    runner rn;
    memset(&rn, 0, sizeof rn);
    rn.a = &a;
    rn.instructions = instructions;
    if (a.nbudgets) {
        if (!(set = pg_budget_set_create())) {
            fprintf(stderr, "perfgate: out of memory\n");
            return 2;
        }
        int bad = 0;
        for (size_t i = 0; i < a.nbudgets; i++)
            bad |= pg_budget_set_add_path(set, a.budgets[i]) != 0;
        for (size_t i = 0; i < pg_budget_set_ndiag(set); i++)
            cli_report("perfgate", pg_budget_set_diag(set, i));
        if (bad)
            goto done;
    }
    if (a.workdir) {
        snprintf(rn.dir, sizeof rn.dir, "%s", a.workdir);
        if (mkdir(rn.dir, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "perfgate: ab: cannot make '%s': %s\n", rn.dir, strerror(errno));
            goto done;
        }
    } else {
        const char *t = getenv("TMPDIR");
        snprintf(rn.dir, sizeof rn.dir, "%s/perfgate-ab.XXXXXX", t && t[0] ? t : "/tmp");
        if (!mkdtemp(rn.dir)) {
            fprintf(stderr, "perfgate: ab: cannot make a temporary folder: %s\n", strerror(errno));
            goto done;
        }
        made_dir = 1;
    }
    /* What each build understands: --help, once */
    char probe_log[4200];
    snprintf(probe_log, sizeof probe_log, "%s/head-help.log", rn.dir);
    if (pg_prog_probe(a.head, probe_log, "ab", &rn.head))
        goto done;
    if (a.base) {
        snprintf(probe_log, sizeof probe_log, "%s/base-help.log", rn.dir);
        if (pg_prog_probe(a.base, probe_log, "ab", &rn.base))
            goto done;
    }
    const pg_prog *progs[] = { &rn.head, &rn.base };
    if (pg_prog_check_args(progs, a.base ? 2 : 1, a.pass, a.nnamed, "ab"))
        goto done;
    int chosen = -1;
    if (pg_process_pin(cpu, &chosen) != 0)
        fprintf(stderr, "perfgate: ab: warning: cannot pin to a CPU; running unpinned\n");

    if (measure_only) {
        pg_results *h = run_once(&rn, a.head, "head", NULL);
        if (!h)
            goto done;
        pg_results_destroy(h);
        char src[4200];
        snprintf(src, sizeof src, "%s/head-%04u.json", rn.dir, rn.seq - 1);
        status = copy_file(src, a.out) ? 2 : 0;
        if (status == 0)
            fprintf(stderr, "perfgate: ab: instruction counts of '%s' written to '%s'\n", a.head,
                    a.out);
        goto done;
    }

    pg_ab_options opt = { metric, tol, a.strict, instructions, a.today };
    if (!(ab = pg_ab_create(set, &opt))) {
        fprintf(stderr, "perfgate: out of memory\n");
        goto done;
    }
    double t0 = now_s();
    int rounds = instructions ? 1 : (int)a.rounds;
    rn.tty = isatty(2);
    rn.t0 = t0;
    rn.planned = (unsigned)rounds;
    for (int r = 0; r < rounds; r++) {
        if (round_once(&rn, ab, (unsigned)r, NULL))
            goto done;
        progress(&rn, "all benchmarks");
    }
    if (pg_ab_judge_all(ab))
        goto done;
    if (instructions) {
        if (a.out || a.base_out) {
            char src[4200];
            /* round 0 ran base (seq 0) then head (seq 1) */
            snprintf(src, sizeof src, "%s/head-%04u.json", rn.dir, 1u);
            if (a.out && copy_file(src, a.out))
                goto done;
            snprintf(src, sizeof src, "%s/base-%04u.json", rn.dir, 0u);
            if (a.base_out && copy_file(src, a.base_out))
                goto done;
        }
    } else if (confirm_ns > 0) {
        pg_ab_begin_confirmation(ab);
        char *filter = NULL;
        double t1 = now_s(), budget = confirm_ns / 1e9;
        unsigned r = (unsigned)rounds;
        /* Batches of `rounds` fresh rounds until every confirmed benchmark
         * is decided or the next batch would not fit the budget.  Before
         * the first batch a round's time is estimated from the main rounds,
         * scaled by the share of benchmarks still undecided (a round runs
         * only those); a batch that would not fit is cut to the rounds that
         * do, so the budget holds from the first batch on. */
        size_t nbench = pg_ab_count(ab);
        double per_round = 0, main_round = rounds > 0 ? (t1 - t0) / rounds : 0;
        size_t before = 0;
        while (any_undecided(ab)) {
            /* only the benchmarks still undecided run again */
            free(filter);
            if (!(filter = filter_for(ab)))
                break;
            size_t total = 0;
            for (size_t i = 0; i < pg_ab_count(ab); i++)
                total += pg_ab_get(ab, i)->n;
            if (before && total == before)
                break; /* the last batch added nothing: the names did not run */
            before = total;
            double start = now_s();
            size_t undecided = 0;
            for (size_t i = 0; i < pg_ab_count(ab); i++)
                undecided +=
                    pg_ab_get(ab, i)->confirm_from && pg_ab_row_undecided(pg_ab_get(ab, i));
            double est = per_round > 0
                             ? per_round
                             : main_round * (double)undecided / (double)(nbench ? nbench : 1);
            int batch = rounds;
            if (est > 0 && start - t1 + est * rounds > budget)
                batch = (int)((budget - (start - t1)) / est);
            if (batch < 1)
                break;
            char stage[64];
            snprintf(stage, sizeof stage, "confirming %zu inconclusive", undecided);
            rn.planned += (unsigned)batch;
            for (int k = 0; k < batch; k++) {
                if (round_once(&rn, ab, r++, filter)) {
                    free(filter);
                    goto done;
                }
                progress(&rn, stage);
            }
            per_round = (now_s() - start) / batch;
            if (pg_ab_judge_all(ab)) {
                free(filter);
                goto done;
            }
            if (now_s() - t1 > budget)
                break;
        }
        free(filter);
    }
    if (rn.tty)
        fputc('\n', stderr);
    fprintf(stderr, "perfgate: ab: %s mode, CPU %d, %.1f s\n",
            instructions ? "instructions" : "time", chosen, now_s() - t0);
    pg_ab_write_table(ab, stdout, want_colour(a.colour));
    fflush(stdout);
    if ((a.json && write_file(a.json, pg_ab_write_json, ab)) ||
        (a.markdown && write_file(a.markdown, pg_ab_write_markdown, ab)) ||
        (a.junit && write_file(a.junit, pg_ab_write_junit, ab)))
        goto done;
    status = pg_ab_failed(ab) ? 1 : 0;
done:
    if (made_dir && rn.failed)
        fprintf(stderr, "perfgate: ab: the logs are kept in '%s'\n", rn.dir);
    else if (made_dir)
        remove_dir(rn.dir);
    pg_ab_destroy(ab);
    pg_budget_set_destroy(set);
    return status;
}
