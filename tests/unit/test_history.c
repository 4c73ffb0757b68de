/*
 * test_history.c - the SQLite history store: round trips, migrations from
 * an older schema, two writers at once, a writer killed mid-run, pruning,
 * baselines, and the trend table over benchmarks that come and go.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "pg_gate.h"
#include "pg_history.h"
#include "pg_test.h"

static const char *const HOSTILE[] = {
    "quote\"double'single",      "new\nline",
    "<script>alert(1)</script>", "x'); system('touch /tmp/pwned'); ('",
    "../../etc/passwd",          "'; DROP TABLE runs; --",
};

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/pgt_histXXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->path, sizeof fx->path, "%s/history.sqlite", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    pgt_run(cmd, NULL, NULL);
    free(fx);
    return 0;
}

/* A run of nb benchmarks x ns samples; sample j of benchmark i is
 * (i + 1) * 100 * scale + j (so medians are known). */
typedef struct built {
    pg_hist_bench *b;
    double *real, *cpu;
    char **names;
    pg_hist_run run;
    pg_hist_verdict *v;
} built;

static void build(built *x, size_t nb, size_t ns, double scale, const char *commit)
{
    memset(x, 0, sizeof *x);
    x->b = calloc(nb, sizeof *x->b);
    x->real = calloc(nb * ns, sizeof *x->real);
    x->cpu = calloc(nb * ns, sizeof *x->cpu);
    x->names = calloc(nb, sizeof *x->names);
    x->v = calloc(nb, sizeof *x->v);
    for (size_t i = 0; i < nb; i++) {
        x->names[i] = malloc(64);
        snprintf(x->names[i], 64, "suite/k%03zu/hot/cpu/1024", i);
        for (size_t j = 0; j < ns; j++) {
            x->real[i * ns + j] = (double)(i + 1) * 100.0 * scale + (double)j;
            x->cpu[i * ns + j] = (double)(i + 1) * 90.0 * scale + (double)j;
        }
        x->b[i] = (pg_hist_bench){ x->names[i], &x->real[i * ns], &x->cpu[i * ns], ns, 1000 };
        x->v[i] = (pg_hist_verdict){ x->names[i],
                                     "real_time",
                                     "pass",
                                     "budgets/x.json",
                                     (double)(i + 1) * 150.0,
                                     scale,
                                     NULL,
                                     NULL,
                                     NAN,
                                     0 };
    }
    static const pg_hist_kv env[] = { { "cpu_model", "Test CPU" }, { "seed", "7" } };
    x->run = (pg_hist_run){ "R.json", commit, "main", NULL, env, 2, x->b, nb, x->v, nb, NULL, 0 };
}

static void unbuild(built *x)
{
    for (size_t i = 0; i < x->run.n_benches; i++)
        free(x->names[i]);
    free(x->names);
    free(x->b);
    free(x->real);
    free(x->cpu);
    free(x->v);
}

static pg_history *open_ok(const char *path)
{
    pg_error err = { 0 };
    pg_history *h = pg_history_open(path, &err);
    if (!h)
        fail_msg("open %s: %s", path, err.message);
    return h;
}

static void test_roundtrip(void **state)
{
    fixture *fx = *state;
    pg_history *h = open_ok(fx->path);
    assert_string_equal(pg_history_backend(h), "sqlite");
    assert_int_equal(pg_history_schema_version(h), PG_HISTORY_SCHEMA_VERSION);

    /* Hostile names, and an odd sample count (not a multiple of the chunk). */
    enum { NB = 6, NS = 37 };
    pg_hist_bench b[NB];
    double real[NB][NS];
    for (int i = 0; i < NB; i++) {
        for (int j = 0; j < NS; j++)
            real[i][j] = 1000.0 * (i + 1) + (NS - j); /* descending: median must sort */
        b[i] = (pg_hist_bench){ HOSTILE[i], real[i], NULL, NS, 10 };
    }
    pg_hist_waiver w = { HOSTILE[2], "known slow path", "PERF-1", "2099-01-01" };
    pg_hist_verdict v = { HOSTILE[3], "real_time", "breach", HOSTILE[4], 1500.0,
                          2.7,        "too slow",  "team-x", NAN,        0 };
    pg_hist_run run = { "R\".json", "abc123", "feature/x", "2024-05-01T10:00:00Z",
                        NULL,       0,        b,           NB,
                        &v,         1,        &w,          1 };
    int64_t id = 0;
    pg_error err = { 0 };
    assert_int_equal(pg_history_add(h, &run, NULL, NULL, &id, &err), 0);
    assert_true(id > 0);

    pg_hist_show *s = NULL;
    assert_int_equal(pg_history_show(h, id, &s, &err), 0);
    assert_string_equal(s->info.commit, "abc123");
    assert_string_equal(s->info.branch, "feature/x");
    assert_string_equal(s->info.source, "R\".json");
    assert_string_equal(s->info.timestamp, "2024-05-01T10:00:00Z");
    assert_int_equal(s->info.n_benches, NB);
    assert_int_equal(s->info.n_failed, 1);
    assert_int_equal(s->n_rows, NB);
    for (size_t i = 0; i < s->n_rows; i++) {
        /* rows come sorted by name; find which input this is */
        int k = -1;
        for (int j = 0; j < NB; j++)
            if (!strcmp(s->rows[i].name, HOSTILE[j]))
                k = j;
        assert_true(k >= 0);
        assert_int_equal(s->rows[i].n_samples, NS);
        /* samples 1..37 above 1000(k+1): median is the 19th, 1000(k+1)+19 */
        assert_true(s->rows[i].median_ns == 1000.0 * (k + 1) + 19);
        assert_true(s->rows[i].lo_ns < s->rows[i].median_ns);
        assert_true(s->rows[i].hi_ns > s->rows[i].median_ns);
        /* The interval is the gate's (the one check judged on), not one of
         * the history's own. */
        double sorted[NS], glo, ghi;
        for (int j = 0; j < NS; j++)
            sorted[j] = 1000.0 * (k + 1) + (j + 1);
        assert_int_equal(pg_stats_median_ci(sorted, NS, PG_MEDIAN_CONF, &glo, &ghi, NULL), 0);
        assert_true(s->rows[i].lo_ns == glo);
        assert_true(s->rows[i].hi_ns == ghi);
        assert_true(isnan(s->rows[i].cpu_median_ns));
        if (k == 3) {
            assert_string_equal(s->rows[i].verdict, "breach");
            assert_true(s->rows[i].budget_ns == 1500.0);
        }
    }
    assert_int_equal(s->n_waivers, 1);
    assert_string_equal(s->waivers[0].bench, HOSTILE[2]);
    assert_int_equal(s->n_verdicts, 1);
    assert_string_equal(s->verdicts[0].budget, HOSTILE[4]);
    assert_string_equal(s->verdicts[0].owner, "team-x");
    assert_int_equal(s->verdicts[0].warn, 0);
    pg_hist_show_free(s);

    double *r = NULL, *c = NULL;
    size_t n = 0;
    assert_int_equal(pg_history_samples(h, id, HOSTILE[5], &r, &c, &n, &err), 0);
    assert_int_equal(n, NS);
    for (int j = 0; j < NS; j++) {
        assert_true(r[j] == real[5][j]); /* exact, in recorded order */
        assert_true(isnan(c[j]));
    }
    free(r);
    free(c);

    /* The SQL-quote name did what names do: nothing. */
    pg_hist_run_info *runs = NULL;
    assert_int_equal(pg_history_list(h, 0, &runs, &n, &err), 0);
    assert_int_equal(n, 1);
    free(runs);
    assert_int_equal(pg_history_show(h, id + 100, &s, &err), PG_EMISSING);
    pg_history_close(h);
    pg_history_close(NULL);
}

/* The version-1 schema, exactly as perfgate 0.1 wrote it. */
static const char *V1_DDL =
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, created TEXT NOT NULL, commit_id TEXT,"
    " branch TEXT, source TEXT);"
    "CREATE TABLE benchmarks (id INTEGER PRIMARY KEY, run_id BIGINT NOT NULL REFERENCES runs (id),"
    " name TEXT NOT NULL, n_samples BIGINT NOT NULL, iterations BIGINT,"
    " median_ns DOUBLE PRECISION, lo_ns DOUBLE PRECISION, hi_ns DOUBLE PRECISION);"
    "CREATE INDEX benchmarks_run ON benchmarks (run_id, name);"
    "CREATE TABLE samples (bench_id BIGINT NOT NULL REFERENCES benchmarks (id),"
    " idx BIGINT NOT NULL, real_ns DOUBLE PRECISION, cpu_ns DOUBLE PRECISION);"
    "CREATE INDEX samples_bench ON samples (bench_id, idx);"
    "INSERT INTO runs VALUES (1, '2023-01-01T00:00:00Z', 'old1', 'main', 'old.json');"
    "INSERT INTO benchmarks VALUES (1, 1, 'legacy/bench', 3, 5, 20.0, 10.0, 30.0);"
    "INSERT INTO samples VALUES (1, 0, 10.0, 9.0), (1, 1, 20.0, 19.0), (1, 2, 30.0, 29.0);"
    "PRAGMA user_version = 1;";

static void test_migrate_from_v1(void **state)
{
    fixture *fx = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, V1_DDL, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    pg_history *h = open_ok(fx->path);
    assert_int_equal(pg_history_schema_version(h), PG_HISTORY_SCHEMA_VERSION);
    pg_error err = { 0 };
    pg_hist_show *s = NULL;
    assert_int_equal(pg_history_show(h, 1, &s, &err), 0);
    assert_string_equal(s->info.commit, "old1");
    assert_int_equal(s->n_rows, 1);
    assert_string_equal(s->rows[0].name, "legacy/bench");
    assert_true(s->rows[0].median_ns == 20.0);
    assert_true(isnan(s->rows[0].cpu_median_ns)); /* the column v2 added */
    assert_int_equal(s->n_env, 0);
    pg_hist_show_free(s);

    /* The new tables work on the migrated file. */
    built x;
    build(&x, 3, 5, 1.0, "new1");
    int64_t id = 0;
    assert_int_equal(pg_history_add(h, &x.run, NULL, NULL, &id, &err), 0);
    assert_int_equal(id, 2);
    assert_int_equal(pg_history_baseline_set(h, 1, "legacy reference", "ci", &err), 0);
    pg_hist_trend *t = NULL;
    assert_int_equal(pg_history_trend(h, 0, &t, &err), 0);
    assert_int_equal(t->n_runs, 2);
    assert_int_equal(t->n_benches, 4);
    assert_string_equal(t->benches[0], "legacy/bench");
    assert_true(t->points[0].median_ns == 20.0);
    assert_true(isnan(t->points[1].median_ns)); /* vanished in run 2 */
    pg_hist_trend_free(t);
    pg_history_close(h);
    unbuild(&x);

    /* Reopening a current file migrates nothing and keeps everything. */
    h = open_ok(fx->path);
    pg_hist_run_info *runs = NULL;
    size_t n = 0;
    assert_int_equal(pg_history_list(h, 0, &runs, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_true(runs[1].is_baseline);
    free(runs);
    pg_history_close(h);
}

static void test_refuses_newer_schema(void **state)
{
    fixture *fx = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    pg_error err = { 0 };
    assert_null(pg_history_open(fx->path, &err));
    assert_int_equal(err.code, PG_EUNSUP);
    assert_non_null(strstr(err.message, "newer"));

    /* A version below 0 starts no migration (it once indexed the list of
     * migrations with it), read-write or read-only. */
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = -1", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    pg_error_clear(&err);
    assert_null(pg_history_open(fx->path, &err));
    assert_int_equal(err.code, PG_EINVAL);
    assert_non_null(strstr(err.message, "schema version -1"));
    pg_error_clear(&err);
    assert_null(pg_history_open_readonly(fx->path, &err));
    assert_int_equal(err.code, PG_EINVAL);
    assert_non_null(strstr(err.message, "schema version -1"));

    /* Not a database at all. */
    FILE *f = fopen(fx->path, "w");
    fputs("this is not sqlite, just text long enough to have a header page...........\n", f);
    fclose(f);
    pg_error_clear(&err);
    assert_null(pg_history_open(fx->path, &err));
    assert_int_equal(err.code, PG_EIO);
}

/* The bytes of path (*len of them), or NULL. */
static unsigned char *slurp_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n == cap && !(buf = realloc(buf, cap = cap ? 2 * cap : 4096)))
            break;
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

/* A history handed over as bytes reads as the file does, from a copy:
 * the bytes stay as they were, an older schema is upgraded in the copy
 * only, and what is not a history is refused with a reason. */
static void test_open_image(void **state)
{
    fixture *fx = *state;
    pg_history *h = open_ok(fx->path);
    built x;
    build(&x, 3, 5, 1.0, "img1");
    pg_error err = { 0 };
    int64_t id = 0;
    assert_int_equal(pg_history_add(h, &x.run, NULL, NULL, &id, &err), 0);
    assert_int_equal(pg_history_add(h, &x.run, NULL, NULL, &id, &err), 0);
    unbuild(&x);
    pg_history_close(h);

    size_t len = 0;
    unsigned char *img = slurp_file(fx->path, &len); /* written in WAL mode */
    assert_non_null(img);
    unsigned char *orig = malloc(len);
    memcpy(orig, img, len);
    h = pg_history_open_image(img, len, &err);
    if (!h)
        fail_msg("open image: %s", err.message);
    assert_string_equal(pg_history_backend(h), "sqlite");
    assert_int_equal(pg_history_schema_version(h), PG_HISTORY_SCHEMA_VERSION);
    pg_hist_run_info *runs = NULL;
    size_t n = 0;
    assert_int_equal(pg_history_list(h, 0, &runs, &n, &err), 0);
    assert_int_equal(n, 2);
    free(runs);
    pg_hist_show *s = NULL;
    assert_int_equal(pg_history_show(h, id, &s, &err), 0);
    assert_string_equal(s->info.commit, "img1");
    assert_int_equal(s->n_rows, 3);
    pg_hist_show_free(s);
    /* The copy takes a run, the bytes do not. */
    build(&x, 2, 4, 2.0, "img2");
    assert_int_equal(pg_history_add(h, &x.run, NULL, NULL, &id, &err), 0);
    unbuild(&x);
    assert_int_equal(pg_history_list(h, 0, &runs, &n, &err), 0);
    assert_int_equal(n, 3);
    free(runs);
    pg_history_close(h);
    assert_memory_equal(img, orig, len);
    free(orig);
    free(img);

    /* Version 1: upgraded in the copy, the file left at version 1. */
    char v1[160];
    snprintf(v1, sizeof v1, "%s/v1.sqlite", fx->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(v1, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, V1_DDL, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    img = slurp_file(v1, &len);
    assert_non_null(img);
    h = pg_history_open_image(img, len, &err);
    if (!h)
        fail_msg("open v1 image: %s", err.message);
    assert_int_equal(pg_history_schema_version(h), PG_HISTORY_SCHEMA_VERSION);
    assert_int_equal(pg_history_show(h, 1, &s, &err), 0);
    assert_string_equal(s->info.commit, "old1");
    assert_true(isnan(s->rows[0].cpu_median_ns)); /* the column v2 added */
    pg_hist_show_free(s);
    pg_history_close(h);
    free(img);
    h = pg_history_open_readonly(v1, &err); /* upgrades the file: it was still v1 */
    assert_non_null(h);
    pg_history_close(h);

    /* Empty, not SQLite, a newer schema, no bytes: refused, saying why. */
    static const char text[] = "this is not sqlite, just text long enough to have a header page";
    pg_error_clear(&err);
    assert_null(pg_history_open_image("", 0, &err));
    assert_int_equal(err.code, PG_EINVAL);
    assert_non_null(strstr(err.message, "not a perfgate history"));
    pg_error_clear(&err);
    assert_null(pg_history_open_image(text, sizeof text, &err));
    assert_int_equal(err.code, PG_EIO);
    assert_true(err.message[0] != '\0');
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    img = slurp_file(fx->path, &len);
    pg_error_clear(&err);
    assert_null(pg_history_open_image(img, len, &err));
    assert_int_equal(err.code, PG_EUNSUP);
    assert_non_null(strstr(err.message, "newer"));
    free(img);
    pg_error_clear(&err);
    assert_null(pg_history_open_image(NULL, 10, &err));
    assert_int_equal(err.code, PG_EINVAL);
}

enum { WRITERS = 2, RUNS_EACH = 15, NB_EACH = 40, NS_EACH = 10 };

static void test_two_writers(void **state)
{
    fixture *fx = *state;
    pid_t kids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        kids[w] = fork();
        assert_true(kids[w] >= 0);
        if (kids[w] == 0) {
            pg_error err = { 0 };
            /* Both open the fresh file at once: creation races too. */
            pg_history *h = pg_history_open(fx->path, &err);
            if (!h) {
                fprintf(stderr, "writer %d: %s\n", w, err.message);
                _exit(10);
            }
            for (int r = 0; r < RUNS_EACH; r++) {
                built x;
                char commit[32];
                snprintf(commit, sizeof commit, "w%d-r%d", w, r);
                build(&x, NB_EACH, NS_EACH, 1.0 + r, commit);
                int rc = pg_history_add(h, &x.run, NULL, NULL, NULL, &err);
                unbuild(&x);
                if (rc < 0)
                    _exit(11);
            }
            pg_history_close(h);
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        waitpid(kids[w], &status, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    pg_history *h = open_ok(fx->path);
    pg_error err = { 0 };
    pg_hist_run_info *runs = NULL;
    size_t n = 0;
    assert_int_equal(pg_history_list(h, 0, &runs, &n, &err), 0);
    assert_int_equal(n, WRITERS * RUNS_EACH);
    int seen[WRITERS][RUNS_EACH] = { { 0 } };
    for (size_t i = 0; i < n; i++) {
        int w, r;
        assert_int_equal(sscanf(runs[i].commit, "w%d-r%d", &w, &r), 2);
        seen[w][r]++;
        assert_int_equal(runs[i].n_benches, NB_EACH);
        pg_hist_show *s = NULL;
        assert_int_equal(pg_history_show(h, runs[i].id, &s, &err), 0);
        for (size_t k = 0; k < s->n_rows; k++)
            assert_int_equal(s->rows[k].n_samples, NS_EACH);
        pg_hist_show_free(s);
    }
    for (int w = 0; w < WRITERS; w++)
        for (int r = 0; r < RUNS_EACH; r++)
            assert_int_equal(seen[w][r], 1);
    free(runs);
    pg_history_close(h);
}

static void die_midway(void *arg, size_t done, size_t total)
{
    (void)arg;
    if (done == total / 2)
        raise(SIGKILL);
}

static void test_killed_writer(void **state)
{
    fixture *fx = *state;
    pg_history *h = open_ok(fx->path);
    built x;
    build(&x, 100, 20, 1.0, "before");
    pg_error err = { 0 };
    assert_int_equal(pg_history_add(h, &x.run, NULL, NULL, NULL, &err), 0);
    pg_history_close(h);

    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        pg_history *hk = pg_history_open(fx->path, NULL);
        if (!hk)
            _exit(10);
        x.run.commit = "killed";
        pg_history_add(hk, &x.run, die_midway, NULL, NULL, NULL);
        _exit(0); /* not reached: the callback kills us mid-transaction */
    }
    int status = 0;
    waitpid(kid, &status, 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);

    /* The file is whole: SQLite's own check, then ours. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM samples", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 100 * 20); /* none of the killed run */
    sqlite3_finalize(st);
    sqlite3_close(db);

    h = open_ok(fx->path);
    pg_hist_run_info *runs = NULL;
    size_t n = 0;
    assert_int_equal(pg_history_list(h, 0, &runs, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(runs[0].commit, "before");
    free(runs);
    x.run.commit = "after";
    assert_int_equal(pg_history_add(h, &x.run, NULL, NULL, NULL, &err), 0);
    pg_history_close(h);
    unbuild(&x);
}

static void test_prune_and_baseline(void **state)
{
    fixture *fx = *state;
    pg_history *h = open_ok(fx->path);
    pg_error err = { 0 };
    int64_t ids[6];
    for (int r = 0; r < 6; r++) {
        built x;
        char commit[16];
        snprintf(commit, sizeof commit, "c%d", r);
        build(&x, 4, 6, 1.0, commit);
        assert_int_equal(pg_history_add(h, &x.run, NULL, NULL, &ids[r], &err), 0);
        unbuild(&x);
    }
    pg_hist_baseline bl;
    assert_int_equal(pg_history_baseline_get(h, &bl, &err), PG_EMISSING);
    pg_error_clear(&err);
    assert_int_equal(pg_history_baseline_set(h, ids[1], "", "me", &err), PG_EINVAL);
    pg_error_clear(&err);
    assert_int_equal(pg_history_baseline_set(h, 9999, "why", "me", &err), PG_EMISSING);
    pg_error_clear(&err);
    assert_int_equal(pg_history_baseline_set(h, ids[1], "release 1.0 \"signed\"", "alice", &err),
                     0);
    assert_int_equal(pg_history_baseline_get(h, &bl, &err), 0);
    assert_int_equal(bl.run_id, ids[1]);
    assert_string_equal(bl.reason, "release 1.0 \"signed\"");
    assert_string_equal(bl.who, "alice");
    assert_int_equal(strlen(bl.created), 20);

    size_t removed = 0;
    assert_int_equal(pg_history_prune(h, 2, &removed, &err), 0);
    assert_int_equal(removed, 3); /* c0, c2, c3 go; c1 is the baseline */
    pg_hist_run_info *runs = NULL;
    size_t n = 0;
    assert_int_equal(pg_history_list(h, 0, &runs, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(runs[0].commit, "c5");
    assert_string_equal(runs[1].commit, "c4");
    assert_string_equal(runs[2].commit, "c1");
    free(runs);
    double *r = NULL;
    assert_int_equal(pg_history_samples(h, ids[0], "suite/k000/hot/cpu/1024", &r, NULL, &n, &err),
                     0);
    assert_int_equal(n, 0); /* its samples went with it */
    free(r);
    assert_int_equal(pg_history_prune(h, 10, &removed, &err), 0);
    assert_int_equal(removed, 0);
    pg_history_close(h);
}

static void test_trend_shapes(void **state)
{
    fixture *fx = *state;
    pg_history *h = open_ok(fx->path);
    pg_error err = { 0 };
    pg_hist_trend *t = NULL;
    /* Empty history. */
    assert_int_equal(pg_history_trend(h, 0, &t, &err), 0);
    assert_int_equal(t->n_runs, 0);
    assert_int_equal(t->n_benches, 0);
    pg_hist_trend_free(t);

    /* run 1: a, b; run 2: b, c (a vanished, c appeared); run 3: a back,
     * c has only a "missing" verdict. */
    double s[3] = { 10, 20, 30 };
    pg_hist_bench r1[] = { { "a", s, NULL, 3, 1 }, { "b", s, NULL, 3, 1 } };
    pg_hist_bench r2[] = { { "b", s, NULL, 3, 1 }, { "c", s, NULL, 3, 1 } };
    pg_hist_bench r3[] = { { "a", s, NULL, 3, 1 }, { "b", s, NULL, 3, 1 } };
    pg_hist_verdict v3[] = {
        { "c", "real_time", "missing", NULL, NAN, NAN, NULL, NULL, NAN, 0 },
        { "b", "real_time", "pass", NULL, 25.0, 0.8, NULL, NULL, NAN, 0 },
        { "b", "cpu_time", "breach", NULL, 5.0, 4.0, NULL, NULL, NAN, 0 },
        { "a", "median_real_time", "breach", NULL, 5.0, 4.0, NULL, NULL, NAN, 1 },
        { "a", "relative:real_time", "pass", NULL, NAN, 3.5, NULL, "team-a", 4.0, 0 }
    };
    pg_hist_run runs[3] = {
        { NULL, "c1", NULL, NULL, NULL, 0, r1, 2, NULL, 0, NULL, 0 },
        { NULL, "c2", NULL, NULL, NULL, 0, r2, 2, NULL, 0, NULL, 0 },
        { NULL, "c3", NULL, NULL, NULL, 0, r3, 2, v3, 5, NULL, 0 },
    };
    assert_int_equal(pg_history_add(h, &runs[0], NULL, NULL, NULL, &err), 0);
    /* A single run. */
    assert_int_equal(pg_history_trend(h, 0, &t, &err), 0);
    assert_int_equal(t->n_runs, 1);
    assert_int_equal(t->n_benches, 2);
    pg_hist_trend_free(t);
    assert_int_equal(pg_history_add(h, &runs[1], NULL, NULL, NULL, &err), 0);
    assert_int_equal(pg_history_add(h, &runs[2], NULL, NULL, NULL, &err), 0);

    assert_int_equal(pg_history_trend(h, 0, &t, &err), 0);
    assert_int_equal(t->n_runs, 3);
    assert_int_equal(t->n_benches, 3);
    assert_string_equal(t->runs[0].commit, "c1");
    assert_string_equal(t->benches[0], "a");
    assert_string_equal(t->benches[2], "c");
    const pg_hist_point *a = &t->points[0], *b = &t->points[3], *c = &t->points[6];
    assert_true(a[0].median_ns == 20 && isnan(a[1].median_ns) && a[2].median_ns == 20);
    assert_true(isnan(c[0].median_ns) && c[1].median_ns == 20 && isnan(c[2].median_ns));
    assert_string_equal(c[2].verdict, "missing");
    /* the worst verdict of b's metrics wins; budget from the first given */
    assert_string_equal(b[2].verdict, "breach");
    assert_true(b[2].budget_ns == 25.0);
    assert_string_equal(b[0].verdict, "");
    /* failing: b (a cpu_time breach) and c (missing); a's breach is a
     * warning, and its chart draws the relative ratio under its ceiling */
    assert_true(b[2].fails && c[2].fails && !a[2].fails && !b[0].fails);
    assert_true(a[2].ratio == 3.5 && a[2].max_ratio == 4.0);
    assert_true(isnan(b[2].max_ratio));
    assert_int_equal(t->runs[2].n_failed, 2); /* benchmarks, not verdict rows */
    pg_hist_trend_free(t);
    pg_hist_show *sh = NULL;
    assert_int_equal(pg_history_show(h, 3, &sh, &err), 0);
    int seen = 0;
    for (size_t i = 0; i < sh->n_verdicts; i++) {
        const pg_hist_verdict *v = &sh->verdicts[i];
        if (!strcmp(v->metric, "relative:real_time")) {
            assert_string_equal(v->owner, "team-a");
            assert_true(v->max_ratio == 4.0);
            seen++;
        }
        if (!strcmp(v->bench, "a") && !strcmp(v->verdict, "breach")) {
            assert_int_equal(v->warn, 1);
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    pg_hist_show_free(sh);

    /* A window of the newest 2 runs. */
    assert_int_equal(pg_history_trend(h, 2, &t, &err), 0);
    assert_int_equal(t->n_runs, 2);
    assert_string_equal(t->runs[0].commit, "c2");
    assert_int_equal(t->n_benches, 3);
    pg_hist_trend_free(t);
    pg_history_close(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_and_baseline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trend_shapes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
