/* util.c - small helpers shared by the subcommands. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "internal.h"
#include "pg_gate.h"
#include "pg_io.h"

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

const char *cli_nearest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    /* Suggest only near misses: up to a third of the word, at least 1. */
    size_t limit = strlen(word) / 3 + 1;
    return best_d <= limit ? best : NULL;
}

void cli_did_you_mean(const char *word, const char *const *candidates, size_t n)
{
    const char *near = cli_nearest(word, candidates, n);
    if (near)
        fprintf(stderr, "; did you mean '%s'?", near);
}

void cli_report(const char *prefix, const pg_error *err)
{
    char buf[1024];
    pg_error_format(err, buf, sizeof buf);
    fprintf(stderr, "%s: %s\n", prefix ? prefix : "perfgate", buf);
}

struct pg_afile *cli_out_open(const char *path)
{
    pg_error err = { 0 };
    pg_afile *af = pg_afile_open(path, &err);
    if (!af)
        cli_report(NULL, &err);
    return af;
}

int cli_out_close(struct pg_afile *af, const char *path, int ok)
{
    if (!ok) {
        pg_afile_abort(af);
        fprintf(stderr, "perfgate: cannot write '%s'\n", path);
        return -1;
    }
    pg_error err = { 0 };
    if (pg_afile_commit(af, &err) != 0) {
        cli_report(NULL, &err);
        return -1;
    }
    return 0;
}

int cli_mkdir_p(const char *path)
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s", path);
    if (n < 0 || (size_t)n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

void cli_json_put(int *bad, json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, v) != 0)
        *bad = 1;
}

void cli_json_push(int *bad, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v) != 0)
        *bad = 1;
}

int cli_results_format(const char *cmd, const char *text)
{
    int f = pg_results_format_parse(text ? text : "auto");
    if (f < 0)
        fprintf(stderr,
                "perfgate: %s: --format takes auto, gbench, pytest-benchmark, hyperfine or asv, "
                "not '%s'\n",
                cmd, text);
    return f;
}
