/*
 * cmd_bisect.c - `perfgate bisect`: the first commit between a good and a
 * bad one that made a benchmark slower, each step a paired `perfgate ab`
 * verdict (gate/pg_bisect.h has the search and how it bounds its error).
 *
 * What it assumes and does:
 *   - it runs in (or is pointed at, --repo) a git repository and bisects
 *     the first-parent line from --good to --bad (a merged branch is judged
 *     by its merge commit, as `git bisect --first-parent`);
 *   - each commit it needs is checked out with `git worktree add --detach`
 *     into <cache>/src/<sha> and built by the --build commands into
 *     <cache>/out/<sha>; a build (or a failed one) is remembered, keyed by
 *     the commit and the build commands, so a second bisect over the same
 *     range builds nothing;
 *   - a --build value is one command, split into words at blanks, with no
 *     shell: no quotes, globs, variables or redirections.  In each word
 *     {src} becomes the worktree, {out} the output folder and {commit} the
 *     full sha; the command runs in the worktree with PERFGATE_SRC,
 *     PERFGATE_OUT and PERFGATE_COMMIT set.  Several --build run in order.
 *     A build that needs a shell is a script in the repository run as
 *     `--build 'sh {src}/build.sh'`: its text is the project's own, never
 *     one perfgate composed from names;
 *   - each question runs `perfgate ab` (this very binary, /proc/self/exe)
 *     as a child with --json, between the two builds' --program, restricted
 *     to --bench with --benchmark_filter, and reads its verdict back
 *     (pg_bisect_read_verdict).  Options for the program go through as for
 *     `perfgate ab` (tpbench's --suite= ..., --benchmark_*=, and what
 *     follows `--`); options for ab itself with --ab-arg.
 *
 * Exit codes: 0 the first bad commit was found and confirmed, 1 nothing to
 * find or no single commit could be named (the range is printed), 2 bad
 * usage or trouble (the good or bad build fails, git fails).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "internal.h"
#include "pg_escape.h"
#include "parse_options.h"
#include "pg_bisect.h"
#include "pg_gate.h"
#include "pg_io.h"
#include "pg_process.h"

static const char usage_text[] =
    "usage: perfgate bisect --good REV --bad REV --build CMD [--build CMD...]\n"
    "                       --bench NAME [--program PATH] [--mode time|instructions]\n"
    "                       [--threshold P%] [--rounds N] [--max-tries N] [--cache DIR]\n"
    "                       [--repo DIR] [--json F] [--ab-arg ARG...]\n"
    "                       [program options: --suite=, --profile=, --size=, --seed=,\n"
    "                        --benchmark_*=] [-- more program args]\n"
    "\n"
    "Finds the first commit on the first-parent line from --good to --bad that\n"
    "made --bench slower.  Each commit is checked out in its own worktree and\n"
    "built once (cached by commit); each step is a paired, interleaved\n"
    "`perfgate ab` verdict of the candidate against the good build, at half the\n"
    "measured good-to-bad slowdown (in log terms).  An inconclusive step is run\n"
    "again with twice the rounds, then goes the way its estimate leans; a\n"
    "commit that does not build is skipped.  The answer is confirmed by a\n"
    "paired verdict of the pair itself (last good against first bad); when\n"
    "that fails, both ends are checked again and the search re-opens\n"
    "(docs/accuracy.md).\n";

static const char footer[] =
    "--build: one command, split at blanks, no shell; {src}, {out} and {commit} in a\n"
    "word become the worktree, the output folder and the sha (also in $PERFGATE_SRC,\n"
    "$PERFGATE_OUT, $PERFGATE_COMMIT).  Run in the worktree.\n"
    "\n"
    "exit status: 0 found and confirmed, 1 nothing found or no single commit,\n"
    "2 bad usage or trouble\n";

#define MAX_LIST 64
#define MAX_WORDS 128

typedef struct bisect_args {
    const char *good, *bad, *bench, *program, *mode, *threshold, *cache, *repo, *json;
    const char *builds[MAX_LIST], *ab_args[MAX_LIST], *pass[MAX_LIST];
    size_t nbuilds, nab, npass;
    long rounds, max_tries;
} bisect_args;

typedef struct commit {
    char sha[48];
    int built;          /* 0 not yet, 1 built, -1 failed */
    char program[4096]; /* the built program */
} commit;

typedef struct session {
    const bisect_args *a;
    char cache[4096]; /* absolute */
    char repo[4096];
    commit *commits;
    size_t n;
    unsigned step;
    unsigned builds; /* builds run (not cached) */
} session;

static int parse(bisect_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->mode = "time";
    a->threshold = "2%";
    a->cache = PG_CLI_OUT_DIR "/bisect";
    a->repo = ".";
    a->program = "{out}/bench/tpbench";
    a->rounds = 12;
    a->max_tries = 3;
    pg_opt_list builds = { a->builds, 0, MAX_LIST };
    pg_opt_list ab = { a->ab_args, 0, MAX_LIST };
    pg_opt_list pass = { a->pass, 0, MAX_LIST };
    const pg_option options[] = {
        PG_OPT_STRING(0, "good", &a->good, "REV", "a commit where the benchmark was fast"),
        PG_OPT_STRING(0, "bad", &a->bad, "REV", "a later commit where it is slow"),
        PG_OPT_LIST(0, "build", &builds, "CMD",
                    "a build command (repeatable, run in order; see below)"),
        PG_OPT_STRING(0, "bench", &a->bench, "NAME", "the benchmark that got slower"),
        PG_OPT_STRING(0, "program", &a->program, "PATH",
                      "the benchmark program a build makes (default\n"
                      "{out}/bench/tpbench; {src}, {out} as in --build)"),
        PG_OPT_STRING(0, "mode", &a->mode, "MODE",
                      "time (default) or instructions (callgrind counts:\n"
                      "deterministic steps)"),
        PG_OPT_STRING(0, "threshold", &a->threshold, "P%",
                      "the smallest slowdown worth finding, good to bad (default 2%)"),
        PG_OPT_INT(0, "rounds", &a->rounds, "N", 2, 10000,
                   "ab rounds per step (default 12; doubled on each retry)"),
        PG_OPT_INT(0, "max-tries", &a->max_tries, "N", 1, 10,
                   "asks of an inconclusive step before skipping it (default 3)"),
        PG_OPT_STRING(0, "cache", &a->cache, "DIR",
                      "worktrees, builds, logs and step verdicts (default\n" PG_CLI_OUT_DIR
                      "/bisect)"),
        PG_OPT_STRING(0, "repo", &a->repo, "DIR", "the git repository (default: here)"),
        PG_OPT_STRING(0, "json", &a->json, "FILE", "write the result and every step as JSON"),
        PG_OPT_LIST(0, "ab-arg", &ab, "ARG",
                    "an option for `perfgate ab` (repeatable), e.g. --ab-arg=--metric=real"),
        PG_OPT_PASSTHRU("suite=", &pass),
        PG_OPT_PASSTHRU("profile=", &pass),
        PG_OPT_PASSTHRU("size=", &pass),
        PG_OPT_PASSTHRU("seed=", &pass),
        PG_OPT_PASSTHRU("first-children=", &pass),
        PG_OPT_PASSTHRU("cold-min-time=", &pass),
        PG_OPT_PASSTHRU("benchmark_", &pass),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = {
        "bisect", usage_text, options, NULL, footer, PG_PARSE_KEEP_DASHDASH
    };
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos > 0 && strcmp(argv[0], "--"))
        return pg_opt_usage_error(&spec, "unexpected argument '%s'", argv[0]);
    a->nbuilds = builds.n;
    a->nab = ab.n;
    a->npass = pass.n;
    /* what follows `--` goes to the program, after ab's own `--` */
    if (npos > 1 && a->npass + 1 < MAX_LIST)
        a->pass[a->npass++] = "--";
    for (int i = 1; i < npos && a->npass < MAX_LIST; i++)
        a->pass[a->npass++] = argv[i];
    const char *missing = !a->good      ? "--good"
                          : !a->bad     ? "--bad"
                          : !a->nbuilds ? "--build"
                          : !a->bench   ? "--bench"
                                        : NULL;
    if (missing)
        return pg_opt_usage_error(&spec, "%s is required", missing);
    return -1;
}

/* ---- running git and builds ---- */

/* Runs argv (in dir when not NULL, with env) with stdout captured into out
 * (NUL-terminated, trailing newlines cut) and stderr into log (NULL: kept
 * in memory and printed on failure).  Returns 0 or -1 after saying why. */
static int run_cmd(const char *const *argv, const char *dir, const char *const *env,
                   const char *log, char *out, size_t outlen)
{
    pg_process p;
    pg_process_init_logged(&p, argv, log, 0);
    p.dir = dir;
    p.env = env;
    if (out) {
        p.out = PG_PROCESS_CAPTURE;
        p.capture_max = outlen;
    }
    if (!log)
        p.err = PG_PROCESS_CAPTURE;
    pg_error err = { 0 };
    int rc = pg_process_run(&p, &err);
    if (rc != 0) {
        cli_report("perfgate: bisect", &err);
        if (p.err_buf && p.err_len)
            fprintf(stderr, "%s", p.err_buf);
    } else if (out) {
        size_t n = p.out_len < outlen ? p.out_len : outlen - 1;
        memcpy(out, p.out_buf ? p.out_buf : "", n);
        out[n] = '\0';
        while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
            out[--n] = '\0';
    }
    pg_process_clear(&p);
    return rc ? -1 : 0;
}

static int git(const session *s, const char *const *args, char *out, size_t outlen)
{
    const char *argv[16] = { "git", "-C", s->repo };
    size_t n = 3;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return run_cmd(argv, NULL, NULL, NULL, out, outlen);
}

static int resolve(const session *s, const char *rev, char *sha, size_t len)
{
    char spec[1024];
    snprintf(spec, sizeof spec, "%s^{commit}", rev);
    const char *args[] = { "rev-parse", "--verify", "--quiet", "--end-of-options", spec, NULL };
    if (git(s, args, sha, len) || strlen(sha) < 40) {
        fprintf(stderr, "perfgate: bisect: '%s' is not a commit in '%s'\n", rev, s->repo);
        return -1;
    }
    return 0;
}

/* The first-parent line good..bad, good first.  -1 after saying why. */
static int list_commits(session *s, const char *good, const char *bad) /* shas */
{
    size_t cap = 1 << 22;
    char *out = malloc(cap);
    char range[200];
    snprintf(range, sizeof range, "%s..%s", good, bad);
    const char *args[] = { "rev-list", "--first-parent", "--reverse", range, NULL };
    if (!out || git(s, args, out, cap)) {
        free(out);
        return -1;
    }
    size_t lines = 1;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    s->commits = calloc(lines + 1, sizeof *s->commits);
    if (!s->commits) {
        free(out);
        fprintf(stderr, "perfgate: out of memory\n");
        return -1;
    }
    snprintf(s->commits[0].sha, sizeof s->commits[0].sha, "%s", good);
    s->n = 1;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        if (strlen(line) >= 40)
            snprintf(s->commits[s->n++].sha, sizeof s->commits[0].sha, "%s", line);
    free(out);
    if (s->n < 2 || strcmp(s->commits[s->n - 1].sha, bad)) {
        fprintf(stderr, "perfgate: bisect: '%s' is not after '%s' on its first-parent line\n",
                s->a->bad, s->a->good);
        return -1;
    }
    /* good must be the first-parent ancestor the line starts from */
    char parent[64], spec[64];
    snprintf(spec, sizeof spec, "%s^1", s->commits[1].sha);
    if (resolve(s, spec, parent, sizeof parent) || strcmp(parent, good)) {
        fprintf(stderr, "perfgate: bisect: '%s' is not on the first-parent line of '%s'\n",
                s->a->good, s->a->bad);
        return -1;
    }
    return 0;
}

/* word with {src}, {out}, {commit} replaced, into buf.  -1 when too long. */
static int substitute(const char *word, const char *src, const char *outdir, const char *sha,
                      char *buf, size_t len)
{
    size_t used = 0;
    while (*word) {
        const char *with = NULL;
        size_t skip = 0;
        if (!strncmp(word, "{src}", 5))
            with = src, skip = 5;
        else if (!strncmp(word, "{out}", 5))
            with = outdir, skip = 5;
        else if (!strncmp(word, "{commit}", 8))
            with = sha, skip = 8;
        if (with) {
            size_t w = strlen(with);
            if (used + w >= len)
                return -1;
            memcpy(buf + used, with, w);
            used += w;
            word += skip;
        } else {
            if (used + 1 >= len)
                return -1;
            buf[used++] = *word++;
        }
    }
    buf[used] = '\0';
    return 0;
}

/* Runs one --build command for commit c.  0, or -1 (its log says why). */
static int run_build(const session *s, const char *cmd, const char *src, const char *outdir,
                     const char *sha, const char *log)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", cmd);
    char(*words)[4096] = malloc(MAX_WORDS * sizeof *words);
    const char *argv[MAX_WORDS + 1];
    size_t n = 0;
    if (!words) {
        fprintf(stderr, "perfgate: out of memory\n");
        return -1;
    }
    for (char *w = strtok(copy, " \t"); w && n < MAX_WORDS; w = strtok(NULL, " \t")) {
        if (substitute(w, src, outdir, sha, words[n], sizeof words[n])) {
            fprintf(stderr, "perfgate: bisect: a word of '%s' is too long\n", cmd);
            free(words);
            return -1;
        }
        argv[n] = words[n];
        n++;
    }
    argv[n] = NULL;
    if (!n) {
        free(words);
        return -1;
    }
    char e_src[4300], e_out[4300], e_sha[100];
    snprintf(e_src, sizeof e_src, "PERFGATE_SRC=%s", src);
    snprintf(e_out, sizeof e_out, "PERFGATE_OUT=%s", outdir);
    snprintf(e_sha, sizeof e_sha, "PERFGATE_COMMIT=%s", sha);
    const char *env[] = { e_src, e_out, e_sha, NULL };
    FILE *f = fopen(log, "a");
    if (f) {
        fprintf(f, "perfgate bisect: running");
        for (size_t i = 0; i < n; i++)
            fprintf(f, " %s", argv[i]);
        fprintf(f, "\n");
        fclose(f);
    }
    (void)s;
    int rc = run_cmd(argv, src, env, log, NULL, 0);
    free(words);
    return rc;
}

/* The build stamp says which commands made a build: a changed --build
 * builds again. */
static void stamp_text(const session *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->a->nbuilds && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s\n", s->a->builds[i]);
}

static int stamp_matches(const char *path, const char *text)
{
    char buf[8192];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return !strcmp(buf, text);
}

static void write_stamp(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Builds commit i (once); its program into c->program.  0, or -1. */
static int build(session *s, size_t i)
{
    commit *c = &s->commits[i];
    if (c->built)
        return c->built > 0 ? 0 : -1;
    char src[4200], outdir[4200], log[4200], stamp[4200], failed[4200], text[8192];
    snprintf(src, sizeof src, "%s/src/%s", s->cache, c->sha);
    snprintf(outdir, sizeof outdir, "%s/out/%s", s->cache, c->sha);
    snprintf(log, sizeof log, "%s/logs/build-%s.log", s->cache, c->sha);
    snprintf(stamp, sizeof stamp, "%s/out/%s.built", s->cache, c->sha);
    snprintf(failed, sizeof failed, "%s/out/%s.failed", s->cache, c->sha);
    stamp_text(s, text, sizeof text);
    c->built = -1;
    if (substitute(s->a->program, src, outdir, c->sha, c->program, sizeof c->program)) {
        fprintf(stderr, "perfgate: bisect: --program is too long\n");
        return -1;
    }
    if (stamp_matches(stamp, text) && access(c->program, X_OK) == 0) {
        c->built = 1;
        return 0;
    }
    if (stamp_matches(failed, text)) {
        fprintf(stderr, "perfgate: bisect: %.12s did not build before (log: '%s')\n", c->sha, log);
        return -1;
    }
    struct stat st;
    if (stat(src, &st) != 0) {
        const char *args[] = { "worktree", "add", "--detach", "--force", src, c->sha, NULL };
        if (git(s, args, NULL, 0))
            return -1;
    }
    if (cli_mkdir_p(outdir)) {
        fprintf(stderr, "perfgate: bisect: cannot make '%s': %s\n", outdir, strerror(errno));
        return -1;
    }
    unlink(stamp);
    fprintf(stderr, "perfgate: bisect: building %.12s\n", c->sha);
    s->builds++;
    for (size_t k = 0; k < s->a->nbuilds; k++)
        if (run_build(s, s->a->builds[k], src, outdir, c->sha, log)) {
            fprintf(stderr, "perfgate: bisect: the build of %.12s failed (log: '%s')\n", c->sha,
                    log);
            write_stamp(failed, text);
            return -1;
        }
    if (access(c->program, X_OK) != 0) {
        fprintf(stderr, "perfgate: bisect: the build of %.12s made no program '%s'\n", c->sha,
                c->program);
        return -1;
    }
    write_stamp(stamp, text);
    c->built = 1;
    return 0;
}

/* ---- one question: perfgate ab ---- */

/* "^(name)(/|$)" with the name's regex characters escaped. */
static void filter_for(const char *name, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "--benchmark_filter=^(");
    for (const char *p = name; *p && used + 8 < len; p++) {
        if (strchr(".^$|()[]{}*+?\\", *p))
            buf[used++] = '\\';
        buf[used++] = *p;
    }
    snprintf(buf + used, len - used, ")(/|$)");
}

/* Runs `perfgate ab` for question q; fills v.  0 (v says the verdict, a
 * skip when the candidate's run failed), or -1 on trouble. */
static int ask_ab(session *s, const pg_bisect_step *q, pg_bisect_verdict *v)
{
    const bisect_args *a = s->a;
    char json[4200], log[4200], rounds[32], tol[64], filter[2200];
    unsigned id = ++s->step;
    snprintf(json, sizeof json, "%s/steps/step-%03u.json", s->cache, id);
    snprintf(log, sizeof log, "%s/steps/step-%03u.log", s->cache, id);
    long r = a->rounds * (long)q->effort;
    snprintf(rounds, sizeof rounds, "%ld", r > 10000 ? 10000 : r);
    snprintf(tol, sizeof tol, "%.4f%%", q->tolerance * 100);
    filter_for(a->bench, filter, sizeof filter);
    const char *argv[3 * MAX_LIST + 32];
    size_t n = 0;
    argv[n++] = "perfgate";
    argv[n++] = "ab";
    argv[n++] = "--base";
    argv[n++] = s->commits[q->ref].program;
    argv[n++] = "--head";
    argv[n++] = s->commits[q->cand].program;
    argv[n++] = "--mode";
    argv[n++] = a->mode;
    argv[n++] = "--rounds";
    argv[n++] = rounds;
    argv[n++] = "--tolerance";
    argv[n++] = tol;
    argv[n++] = "--json";
    argv[n++] = json;
    argv[n++] = "--color=never";
    for (size_t i = 0; i < a->nab; i++)
        argv[n++] = a->ab_args[i];
    argv[n++] = filter;
    for (size_t i = 0; i < a->npass; i++)
        argv[n++] = a->pass[i];
    argv[n] = NULL;
    unlink(json);
    pg_process p;
    pg_process_init_logged(&p, argv, log, 0);
    p.exec_path = "/proc/self/exe";
    pg_error err = { 0 };
    pg_process_run(&p, &err);
    int code = p.exit_code;
    pg_process_clear(&p);
    if (code != 0 && code != 1) {
        /* ab could not judge: a run of one of the builds failed */
        fprintf(stderr, "perfgate: bisect: step %u: perfgate ab could not judge (log: '%s')\n", id,
                log);
        memset(v, 0, sizeof *v);
        v->outcome = PG_BISECT_SKIP;
        v->ratio = v->lo = v->hi = NAN;
        return 0;
    }
    pg_error_clear(&err);
    if (pg_bisect_read_verdict(json, a->bench, v, &err)) {
        cli_report("perfgate: bisect", &err);
        return -1;
    }
    return 0;
}

/* ---- output ---- */

static void subject_of(const session *s, size_t i, char *buf, size_t len)
{
    const char *args[] = { "log", "-1", "--format=%s", s->commits[i].sha, NULL };
    if (git(s, args, buf, len))
        snprintf(buf, len, "?");
}

static void print_step(const session *s, const pg_bisect_step *q)
{
    fprintf(stderr, "perfgate: bisect: %-8s %.12s vs %.12s (tolerance %.2f%%, x%u rounds): %s",
            pg_bisect_phase_name(q->phase), s->commits[q->cand].sha, s->commits[q->ref].sha,
            q->tolerance * 100, q->effort, pg_bisect_outcome_name(q->outcome));
    if (isfinite(q->ratio))
        fprintf(stderr, " %.4fx [%.4f, %.4f]", q->ratio, q->lo, q->hi);
    fprintf(stderr, "\n");
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int write_json(const session *s, const pg_bisect *b, pg_bisect_status st, size_t first,
                      size_t lo, size_t hi)
{
    static const char *const names[] = { "running", "found", "no_regression", "undecided" };
    int failed = 0;
    json_t *root = json_object(), *steps = json_array();
    cli_json_put(&failed, root, "tool", json_string("perfgate bisect"));
    cli_json_put(&failed, root, "status", json_string(names[st]));
    cli_json_put(&failed, root, "benchmark", json_string(s->a->bench));
    cli_json_put(&failed, root, "mode", json_string(s->a->mode));
    cli_json_put(&failed, root, "good", json_string(s->commits[0].sha));
    cli_json_put(&failed, root, "bad", json_string(s->commits[s->n - 1].sha));
    cli_json_put(&failed, root, "commits", json_integer((json_int_t)s->n));
    cli_json_put(&failed, root, "first_bad",
                 st == PG_BISECT_FOUND ? json_string(s->commits[first].sha) : json_null());
    cli_json_put(&failed, root, "last_good", json_string(s->commits[lo].sha));
    cli_json_put(&failed, root, "first_bad_at_most", json_string(s->commits[hi].sha));
    cli_json_put(&failed, root, "builds", json_integer(s->builds));
    size_t ns;
    const pg_bisect_step *q = pg_bisect_steps(b, &ns);
    for (size_t i = 0; i < ns; i++) {
        json_t *o = json_object();
        failed |= !o;
        cli_json_put(&failed, o, "phase", json_string(pg_bisect_phase_name(q[i].phase)));
        cli_json_put(&failed, o, "ref", json_string(s->commits[q[i].ref].sha));
        cli_json_put(&failed, o, "cand", json_string(s->commits[q[i].cand].sha));
        cli_json_put(&failed, o, "tolerance", json_real(q[i].tolerance));
        cli_json_put(&failed, o, "effort", json_integer(q[i].effort));
        cli_json_put(&failed, o, "verdict", json_string(pg_bisect_outcome_name(q[i].outcome)));
        cli_json_put(&failed, o, "ratio", num(q[i].ratio));
        cli_json_put(&failed, o, "ratio_lo", num(q[i].lo));
        cli_json_put(&failed, o, "ratio_hi", num(q[i].hi));
        cli_json_push(&failed, steps, o);
        if (q[i].phase == PG_BISECT_CONFIRM && st == PG_BISECT_FOUND && i + 1 == ns) {
            cli_json_put(&failed, root, "ratio", num(q[i].ratio));
            cli_json_put(&failed, root, "ratio_lo", num(q[i].lo));
            cli_json_put(&failed, root, "ratio_hi", num(q[i].hi));
        }
    }
    cli_json_put(&failed, root, "steps", steps);
    if (failed || !root) {
        json_decref(root);
        fprintf(stderr, "perfgate: out of memory\n");
        return -1;
    }
    struct pg_afile *af = cli_out_open(s->a->json);
    int ok = 0;
    if (af) {
        FILE *f = pg_afile_stream(af);
        ok = json_dumpf(root, f, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 && fputc('\n', f) != EOF;
    }
    json_decref(root);
    return af ? cli_out_close(af, s->a->json, ok) : -1;
}

static int report(const session *s, const pg_bisect *b)
{
    size_t first = 0, lo = 0, hi = 0, ns;
    pg_bisect_status st = pg_bisect_status_of(b, &first, &lo, &hi);
    const pg_bisect_step *q = pg_bisect_steps(b, &ns);
    char subject[512];
    if (st == PG_BISECT_FOUND) {
        const pg_bisect_step *last = &q[ns - 1];
        subject_of(s, first, subject, sizeof subject);
        printf("first bad commit: %s ", s->commits[first].sha);
        pg_escape_term_put(stdout, subject);
        printf("\n  %.12s -> %.12s: %.4fx [%.4f, %.4f], a paired verdict of the pair itself\n",
               s->commits[first - 1].sha, s->commits[first].sha, last->ratio, last->lo, last->hi);
    } else if (st == PG_BISECT_NO_REGRESSION) {
        printf("no regression: %.12s is not slower than %.12s beyond %s (%.4fx [%.4f, %.4f])\n",
               s->commits[s->n - 1].sha, s->commits[0].sha, s->a->threshold, q[ns - 1].ratio,
               q[ns - 1].lo, q[ns - 1].hi);
    } else {
        printf("no single commit: the first bad commit is after %.12s and at or before %.12s\n",
               s->commits[lo].sha, s->commits[hi].sha);
        printf("  (skipped or undecided commits lie between them, or the slowdown is spread\n"
               "  over several commits; the steps below say which)\n");
    }
    printf("%zu commits, %zu steps, %u builds (the rest cached)\n\n", s->n, ns, s->builds);
    printf("%-3s %-8s %-12s %-12s %-6s %-13s %s\n", "#", "PHASE", "CANDIDATE", "AGAINST", "x",
           "VERDICT", "CAND/REF [CI]");
    for (size_t i = 0; i < ns; i++) {
        printf("%-3zu %-8s %-12.12s %-12.12s %-6u %-13s", i + 1, pg_bisect_phase_name(q[i].phase),
               s->commits[q[i].cand].sha, s->commits[q[i].ref].sha, q[i].effort,
               pg_bisect_outcome_name(q[i].outcome));
        if (isfinite(q[i].ratio))
            printf(" %.4fx [%.4f, %.4f]", q[i].ratio, q[i].lo, q[i].hi);
        printf("\n");
    }
    fflush(stdout);
    if (s->a->json && write_json(s, b, st, first, lo, hi))
        return 2;
    return st == PG_BISECT_FOUND ? 0 : 1;
}

/* ---- the search ---- */

static int prepare(session *s)
{
    const bisect_args *a = s->a;
    char good[48], bad[48], dir[4200];
    if (!realpath(a->repo, s->repo)) {
        fprintf(stderr, "perfgate: bisect: cannot use '%s': %s\n", a->repo, strerror(errno));
        return -1;
    }
    const char *top[] = { "rev-parse", "--show-toplevel", NULL };
    char toplevel[4096];
    if (git(s, top, toplevel, sizeof toplevel)) {
        fprintf(stderr, "perfgate: bisect: '%s' is not in a git repository\n", a->repo);
        return -1;
    }
    if (resolve(s, a->good, good, sizeof good) || resolve(s, a->bad, bad, sizeof bad))
        return -1;
    if (!strcmp(good, bad)) {
        fprintf(stderr, "perfgate: bisect: --good and --bad are the same commit\n");
        return -1;
    }
    if (list_commits(s, good, bad))
        return -1;
    static const char *const sub[] = { "", "/src", "/out", "/logs", "/steps" };
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        snprintf(dir, sizeof dir, "%s%s", i ? s->cache : a->cache, sub[i]);
        if (cli_mkdir_p(dir)) {
            fprintf(stderr, "perfgate: bisect: cannot make '%s': %s\n", dir, strerror(errno));
            return -1;
        }
        if (i == 0 && !realpath(a->cache, s->cache)) {
            fprintf(stderr, "perfgate: bisect: cannot use '%s': %s\n", a->cache, strerror(errno));
            return -1;
        }
    }
    return 0;
}

int cmd_bisect(int argc, char **argv)
{
    bisect_args a;
    int prc = parse(&a, argc, argv);
    if (prc >= 0)
        return prc;
    double threshold;
    if (pg_parse_percent(a.threshold, &threshold) || !(threshold > 0) || threshold >= 1) {
        fprintf(stderr, "perfgate: bisect: --threshold takes a percentage such as 2%%, not '%s'\n",
                a.threshold);
        return 2;
    }
    if (strcmp(a.mode, "time") && strcmp(a.mode, "instructions")) {
        fprintf(stderr, "perfgate: bisect: --mode takes time or instructions, not '%s'\n", a.mode);
        return 2;
    }
    session s;
    memset(&s, 0, sizeof s);
    s.a = &a;
    int status = 2;
    pg_bisect *b = NULL;
    if (prepare(&s))
        goto done;
    fprintf(stderr, "perfgate: bisect: %zu commits from %.12s to %.12s, benchmark '", s.n,
            s.commits[0].sha, s.commits[s.n - 1].sha);
    pg_escape_term_put(stderr, a.bench);
    fprintf(stderr, "', %s mode\n", a.mode);
    if (build(&s, 0) || build(&s, s.n - 1)) {
        fprintf(stderr, "perfgate: bisect: the good and the bad commit must build\n");
        goto done;
    }
    /* instruction counts do not vary: one try says all */
    int det = !strcmp(a.mode, "instructions");
    if (!(b = pg_bisect_create(s.n, threshold, det ? 1 : (unsigned)a.max_tries, det ? 0 : 2))) {
        fprintf(stderr, "perfgate: out of memory\n");
        goto done;
    }
    pg_bisect_step q;
    while (pg_bisect_next(b, &q)) {
        pg_bisect_verdict v = { 0 };
        v.outcome = PG_BISECT_SKIP;
        v.ratio = v.lo = v.hi = NAN;
        if (build(&s, q.ref) == 0 && build(&s, q.cand) == 0 && ask_ab(&s, &q, &v))
            goto done;
        if (q.phase == PG_BISECT_ENDS && v.outcome == PG_BISECT_SKIP) {
            fprintf(stderr, "perfgate: bisect: '");
            pg_escape_term_put(stderr, a.bench);
            fprintf(stderr, "' did not run on both ends (the steps' logs are in '%s/steps')\n",
                    s.cache);
            goto done;
        }
        if (pg_bisect_answer(b, v.outcome, v.ratio, v.lo, v.hi)) {
            fprintf(stderr, "perfgate: out of memory\n");
            goto done;
        }
        size_t ns;
        const pg_bisect_step *all = pg_bisect_steps(b, &ns);
        print_step(&s, &all[ns - 1]);
    }
    status = report(&s, b);
done:
    pg_bisect_destroy(b);
    free(s.commits);
    return status;
}
