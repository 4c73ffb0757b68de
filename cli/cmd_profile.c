/*
 * cmd_profile.c - `perfgate profile NAME`: runs one benchmark under
 * valgrind's callgrind (the harness collects one kernel call, see
 * harness/runner.c) and prints where its instructions go, per function;
 * with --base and --head, the per-function difference, largest first.
 *
 * Exit codes: 0 printed, 2 bad usage or trouble (valgrind missing, the
 * benchmark did not run).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_program.h"
#include "builtin.h"
#include "pg_escape.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_callgrind.h"
#include "pg_process.h"

static const char usage_text[] =
    "usage: perfgate profile NAME --head BIN [--base BIN] [--top N] [--cache-sim]\n"
    "                        [tpbench options: --seed=, --benchmark_*=]\n"
    "\n"
    "Runs benchmark NAME (e.g. indicators/sma/hot/cpu/65536) of BIN under callgrind,\n"
    "counting one kernel call, and prints its instructions per function (self\n"
    "cost).  With --base, runs both builds and prints the per-function difference\n"
    "head - base, largest change first.  BIN may be tpbench or any Google Benchmark\n"
    "program (NAME as in its --benchmark_list_tests): there one iteration of the\n"
    "benchmark's timed loop is counted.\n";

/* Finds the dump whose trigger is "perfgate:NAME" among prefix.* files. */
static int find_dump(const char *dir, const char *prefix, const char *name, char *path, size_t len)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char want[600];
    snprintf(want, sizeof want, "desc: Trigger: Client Request: perfgate:%s", name);
    struct dirent *e;
    int found = -1;
    while (found && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)))
            continue;
        snprintf(path, len, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        char line[1024];
        while (f && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            if (!strcmp(line, want)) {
                found = 0;
                break;
            }
            if (!strncmp(line, "fn=", 3))
                break;
        }
        if (f)
            fclose(f);
    }
    closedir(d);
    return found;
}

/* 0: profiled; 1: valgrind failed (its log is kept); -1: other trouble. */
static int profile_one(const char *dir, const char *which, const char *bin, const char *name,
                       const char *const *pass, size_t npass, int cache_sim, pg_cg_fn **fns,
                       size_t *n, double *total, int *gb_loop)
{
    char cgarg[4400], filt[1200], log[4200], prefix[64], dump[8200], cgprefix[4200];
    snprintf(log, sizeof log, "%s/%s-help.log", dir, which);
    pg_prog prog;
    if (pg_prog_probe(bin, log, "profile", &prog))
        return -1;
    const pg_prog *progs[] = { &prog };
    if (pg_prog_check_args(progs, 1, pass, npass, "profile"))
        return -1;
    *gb_loop = !prog.harness;
    snprintf(prefix, sizeof prefix, "cg-%s", which);
    snprintf(cgprefix, sizeof cgprefix, "%s/%s", dir, prefix);
    snprintf(cgarg, sizeof cgarg, "--callgrind-out-file=%s/%s", dir, prefix);
    snprintf(log, sizeof log, "%s/%s.log", dir, which);
    /* regex-escape the name */
    char esc[1100];
    size_t k = 0;
    for (const char *s = name; *s && k + 3 < sizeof esc; s++) {
        if (strchr(".^$|()[]{}*+?\\", *s))
            esc[k++] = '\\';
        esc[k++] = *s;
    }
    esc[k] = '\0';
    snprintf(filt, sizeof filt, "--benchmark_filter=^%s$", esc);
    char *argv[90];
    size_t c = 0;
    pg_prog_valgrind_argv(&prog, cache_sim, cgarg, argv, &c);
    argv[c++] = (char *)bin;
    for (size_t i = 0; i < npass && c < 70; i++)
        argv[c++] = (char *)pass[i];
    /* a plain Google Benchmark program: two runs of one iteration, the
     * last counted (the first also binds symbols lazily) */
    argv[c++] = prog.harness ? "--benchmark_repetitions=1" : "--benchmark_repetitions=2";
    argv[c++] = prog.harness ? "--benchmark_min_time=0.0001" : "--benchmark_min_time=0.000000001";
    argv[c++] = filt;
    argv[c] = NULL;
    pg_process p;
    pg_process_init_logged(&p, (const char *const *)argv, log, 1800);
    pg_error perr;
    pg_error_clear(&perr);
    int rc = pg_process_run(&p, &perr);
    pg_process_clear(&p);
    if (rc != 0) {
        fprintf(stderr, "perfgate: profile: valgrind on '%s': %s\n", bin, perr.message);
        return p.exit_code >= 0 || p.signal ? 1 : -1; /* it ran: its log is kept */
    }
    if (prog.harness ? find_dump(dir, prefix, name, dump, sizeof dump)
                     : pg_callgrind_gb_last_dump(cgprefix, dump, sizeof dump)) {
        fprintf(stderr, "perfgate: profile: no benchmark '%s' ran in '%s' (see %s)\n", name, bin,
                prog.harness ? "tpbench --list" : "its --benchmark_list_tests");
        return -1;
    }
    pg_error err;
    pg_error_clear(&err);
    if (pg_callgrind_functions(dump, fns, n, total, &err)) {
        cli_report("perfgate: profile", &err);
        return -1;
    }
    return 0;
}

typedef struct diff_row {
    const char *name;
    double base, head;
} diff_row;

static int cmp_diff(const void *a, const void *b)
{
    const diff_row *x = a, *y = b;
    double dx = fabs(x->head - x->base), dy = fabs(y->head - y->base);
    return (dx < dy) - (dx > dy);
}

int cmd_profile(int argc, char **argv)
{
    const char *name = NULL, *head = NULL, *base = NULL;
    const char *pass_v[60];
    pg_opt_list pass = { pass_v, 0, sizeof pass_v / sizeof pass_v[0] };
    long top = 20;
    int cache_sim = 0;
    const pg_option options[] = {
        PG_OPT_STRING(0, "head", &head, "BIN", "the build to profile (--bin BIN says the same)"),
        PG_OPT_STRING(0, "bin", &head, "BIN", NULL),
        PG_OPT_STRING(0, "base", &base, "BIN", "a build to compare with"),
        PG_OPT_INT(0, "top", &top, "N", 1, LONG_MAX, "functions to show (default 20)"),
        PG_OPT_BOOL(0, "cache-sim", &cache_sim, "simulate caches as well (slower)"),
        PG_OPT_PASSTHRU("seed=", &pass),
        PG_OPT_PASSTHRU("benchmark_", &pass),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = {
        "profile", usage_text, options, NULL, "exit status: 0 printed, 2 bad usage or trouble\n", 0
    };
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos > 1) {
        fprintf(stderr, "perfgate: profile: one benchmark at a time, not '%s' too\n", argv[1]);
        return 2;
    }
    name = npos ? argv[0] : NULL;
    if (!name || !head)
        return pg_opt_usage_error(&spec, "%s",
                                  !name ? "a benchmark name is required" : "--head is required");
    if (strlen(name) > 512) {
        fprintf(stderr, "perfgate: profile: benchmark name too long\n");
        return 2;
    }
    const char *t = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/perfgate-profile.XXXXXX", t && t[0] ? t : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "perfgate: profile: cannot make a temporary folder: %s\n", strerror(errno));
        return 2;
    }
    int status = 2;
    pg_cg_fn *hf = NULL, *bf = NULL;
    diff_row *rows = NULL;
    size_t hn = 0, bn = 0;
    int gb_loop = 0;
    double ht = 0, bt = 0;
    char sname[600], sfn[300], sfile[220];
    pg_escape_term(name, sname, sizeof sname);
    int ran =
        profile_one(dir, "head", head, name, pass.v, pass.n, cache_sim, &hf, &hn, &ht, &gb_loop);
    if (ran)
        goto done;
    if (!base) {
        printf("%s: %.0f instructions in one %s (callgrind, self cost per function)\n\n", sname, ht,
               gb_loop ? "iteration of its timed loop" : "kernel call");
        printf("%14s %7s  %s\n", "INSTRUCTIONS", "SHARE", "FUNCTION (FILE)");
        for (size_t i = 0; i < hn && (long)i < top; i++) {
            if (hf[i].ir <= 0)
                break;
            pg_escape_term(hf[i].name, sfn, sizeof sfn);
            pg_escape_term(hf[i].file, sfile, sizeof sfile);
            printf("%14.0f %6.2f%%  %s%s%s%s\n", hf[i].ir, ht > 0 ? 100 * hf[i].ir / ht : 0, sfn,
                   sfile[0] && strcmp(sfile, "???") ? " (" : "",
                   sfile[0] && strcmp(sfile, "???") ? sfile : "",
                   sfile[0] && strcmp(sfile, "???") ? ")" : "");
        }
        status = 0;
        goto done;
    }
    ran = profile_one(dir, "base", base, name, pass.v, pass.n, cache_sim, &bf, &bn, &bt, &gb_loop);
    if (ran)
        goto done;
    rows = calloc(hn + bn + 1, sizeof *rows);
    if (!rows)
        goto done;
    size_t nr = 0;
    for (size_t i = 0; i < hn; i++)
        rows[nr++] = (diff_row){ hf[i].name, 0, hf[i].ir };
    for (size_t j = 0; j < bn; j++) {
        size_t i = 0;
        while (i < nr && strcmp(rows[i].name, bf[j].name))
            i++;
        if (i == nr)
            rows[nr++] = (diff_row){ bf[j].name, 0, 0 };
        rows[i].base += bf[j].ir;
    }
    qsort(rows, nr, sizeof *rows, cmp_diff);
    printf("%s: base %.0f, head %.0f instructions (%+.0f, %+.2f%%)\n\n", sname, bt, ht, ht - bt,
           bt > 0 ? 100 * (ht - bt) / bt : 0);
    printf("%14s %14s %14s %9s  %s\n", "BASE", "HEAD", "HEAD-BASE", "CHANGE", "FUNCTION");
    for (size_t i = 0; i < nr && (long)i < top; i++) {
        if (rows[i].head == rows[i].base)
            break;
        pg_escape_term(rows[i].name, sfn, sizeof sfn);
        char change[32];
        if (rows[i].base > 0)
            snprintf(change, sizeof change, "%+.2f%%",
                     100 * (rows[i].head - rows[i].base) / rows[i].base);
        else
            snprintf(change, sizeof change, "new");
        printf("%14.0f %14.0f %+14.0f %9s  %s\n", rows[i].base, rows[i].head,
               rows[i].head - rows[i].base, change, sfn);
    }
    if (nr == 0 || rows[0].head == rows[0].base)
        printf("(no function changed its instruction count)\n");
    status = 0;
done:
    free(hf);
    free(bf);
    free(rows);
    if (ran > 0) {
        fprintf(stderr, "perfgate: profile: the logs are kept in '%s'\n", dir);
    } else {
        const char *rm[] = { "rm", "-rf", "--", dir, NULL };
        pg_process p;
        pg_process_init_logged(&p, rm, NULL, 60);
        pg_process_run(&p, NULL);
        pg_process_clear(&p);
    }
    return status;
}
