/*
 * fuzz_report.c - the report writer (gnuplot data files and scripts, the
 * HTML page, the Markdown summary) on names, environment and waiver text
 * from arbitrary bytes.  The input is split at newlines: the first pieces
 * name benchmarks (up to 8), the rest are environment values and a waiver
 * reason; the bytes also pick samples and budgets.  One run is recorded in
 * an in-memory history per input (a copy of an empty one, made and
 * migrated once: pg_history_open_image) and the report written to a private
 * folder (in memory where /dev/shm is) with scripts_only: the gnuplot
 * scripts and data are written, gnuplot is not run (charts are gnuplot's
 * own output, not ours; what we hand it is what is fuzzed, and a process
 * per input would be most of the time spent).  Invariants: the report is
 * written (0), and no name reaches the page unescaped: index.html never
 * holds "<x" from a name or value.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_history.h"
#include "pg_io.h"
#include "pg_reports.h"
#include "fuzz.h"

enum { MAXN = 8, MAXE = 8, NS = 5 };

static char out_dir[64];

/* An empty history file's bytes, made once: every input records its run
 * in a fresh copy of them, with no schema to create per input. */
static unsigned char *empty;
static size_t empty_len;

static void make_empty(void)
{
    char path[96];
    snprintf(path, sizeof path, "%s.sqlite", out_dir);
    pg_error err = { 0 };
    pg_history *h = pg_history_open(path, &err);
    if (!h)
        __builtin_trap();
    pg_history_close(h); /* the last connection: the log is folded in */
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0 || !(empty = malloc((size_t)sb.st_size + 1)))
        __builtin_trap();
    empty_len = fread(empty, 1, (size_t)sb.st_size, f);
    fclose(f);
    unlink(path);
}

static int page_is_escaped(void)
{
    char path[96];
    snprintf(path, sizeof path, "%s/index.html", out_dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    /* "<x" is a tag only perfgate's own page has no use for: a name
     * holding it must have been escaped to "&lt;x". */
    int c, prev = 0, ok = 1;
    while ((c = fgetc(f)) != EOF) {
        if (prev == '<' && c == 'x')
            ok = 0;
        prev = c;
    }
    fclose(f);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 14)
        return 0;
    if (!out_dir[0]) {
        snprintf(out_dir, sizeof out_dir, "%s/pg-fuzz-report-%ld", pg_fuzz_scratch(),
                 (long)getpid());
        make_empty();
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* pieces at newlines; NUL bytes end a piece early (names are C strings) */
    char *piece[MAXN + MAXE + 1];
    size_t np = 0;
    for (char *p = text; np < MAXN + MAXE + 1;) {
        piece[np++] = p;
        char *nl = memchr(p, '\n', size - (size_t)(p - text));
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    size_t nb = np < 2 ? 1 : (np / 2 < MAXN ? np / 2 : MAXN);
    static double real[MAXN][NS];
    pg_hist_bench b[MAXN];
    pg_hist_verdict v[MAXN];
    static const char *const verdicts[] = { "pass", "breach", "regression", "waived", "missing" };
    for (size_t i = 0; i < nb; i++) {
        for (int j = 0; j < NS; j++)
            real[i][j] = 1.0 + (double)(size ? data[(i * NS + (size_t)j) % size] : 7) * 1000.0;
        b[i] = (pg_hist_bench){ piece[i], real[i], NULL, NS, 10 };
        double budget = size ? (double)(data[i % size] + 1) * 900.0 : 1e3;
        v[i] = (pg_hist_verdict){ piece[i],
                                  "median_real_time",
                                  verdicts[(size ? data[i % size] : 0) % 5],
                                  piece[(i + 1) % np],
                                  budget,
                                  real[i][0] / budget,
                                  piece[np - 1],
                                  NULL,
                                  NAN,
                                  0 };
    }
    pg_hist_kv env[MAXE];
    size_t ne = 0;
    for (size_t k = nb; k < np && ne < MAXE; k++, ne++)
        env[ne] = (pg_hist_kv){ ne % 2 ? "perfgate.git_commit" : piece[k], piece[k] };
    pg_hist_waiver w = { piece[0], piece[np - 1], piece[np / 2], "2099-01-01" };
    pg_hist_run run = {
        piece[0], piece[np / 2], piece[np - 1], NULL, env, ne, b, nb, v, nb, &w, 1
    };

    pg_error err = { 0 };
    pg_history *h = pg_history_open_image(empty, empty_len, &err);
    if (!h)
        __builtin_trap();
    int64_t id = 0;
    if (pg_history_add(h, &run, NULL, NULL, &id, &err) == 0) {
        pg_hist_trend *t = NULL;
        pg_hist_show *s = NULL;
        if (pg_history_trend(h, 0, &t, &err) != 0 || pg_history_show(h, id, &s, &err) != 0)
            __builtin_trap(); /* recorded, so readable */
        pg_reports_options opt;
        memset(&opt, 0, sizeof opt);
        opt.out_dir = out_dir;
        opt.scripts_only = 1;
        opt.no_png = 1;
        opt.title = piece[np / 2];
        opt.history_label = piece[np - 1];
        pg_error e2 = { 0 };
        if (pg_reports_write(t, s, &opt, NULL, &e2) != 0)
            __builtin_trap(); /* names are data: the report is always written */
        if (!page_is_escaped())
            __builtin_trap();
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            pg_reports_markdown(t, s, NULL, 50, null);
            fclose(null);
        }
        pg_hist_show_free(s);
        pg_hist_trend_free(t);
    } else if (err.code == 0 || err.message[0] == '\0') {
        __builtin_trap();
    }
    pg_history_close(h);
    pg_remove_tree(out_dir);
    free(text);
    return 0;
}
