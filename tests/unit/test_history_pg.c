/*
 * test_history_pg.c - the PostgreSQL back end against a real server, and
 * the same questions asked of both back ends getting the same answers.
 *
 * The server is started here: initdb and pg_ctl in a temporary directory,
 * listening only on a unix socket in that directory.  PostgreSQL refuses
 * to run as root, and CI runs as root, so then the server runs as the
 * system user "perfgate-test" (created with useradd when missing).  When
 * the server binaries are absent the tests are skipped, and say so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_history.h"
#include "pg_test.h"

#define TEST_USER "perfgate-test"

static char bindir[256];
static char dir[64];
static char as_user[64]; /* "runuser -u perfgate-test -- " when root, else "" */
static int server_up;

static int find_bindir(void)
{
    glob_t g;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) != 0)
        return -1;
    snprintf(bindir, sizeof bindir, "%s", g.gl_pathv[g.gl_pathc - 1]);
    globfree(&g);
    *strrchr(bindir, '/') = '\0';
    return 0;
}

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char *out = NULL, *err = NULL;
    int rc = pgt_run(cmd, &out, &err);
    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n%s%s", rc, cmd, out ? out : "", err ? err : "");
    free(out);
    free(err);
    return rc;
}

static int start_server(void **state)
{
    (void)state;
    if (find_bindir() < 0)
        return 0;
    snprintf(dir, sizeof dir, "/tmp/pgt_pgXXXXXX");
    if (!mkdtemp(dir))
        return -1;
    if (geteuid() == 0) {
        if (sh("id -u %s >/dev/null 2>&1 || useradd --system --no-create-home "
               "--shell /usr/sbin/nologin %s",
               TEST_USER, TEST_USER) != 0)
            return -1;
        if (sh("chown %s '%s'", TEST_USER, dir) != 0)
            return -1;
        snprintf(as_user, sizeof as_user, "runuser -u %s -- ", TEST_USER);
    }
    if (sh("%s'%s/initdb' -D '%s/data' -A trust -U perfgate -E UTF8 --locale=C.UTF-8 --no-sync",
           as_user, bindir, dir) != 0)
        return -1;
    if (sh("%s'%s/pg_ctl' -D '%s/data' -l '%s/log' -w -t 30 -o \"-k %s -c listen_addresses= -F\" "
           "start",
           as_user, bindir, dir, dir, dir) != 0)
        return -1;
    server_up = 1;
    return sh("'%s/createdb' -h '%s' -U perfgate same && '%s/createdb' -h '%s' -U perfgate two",
              bindir, dir, bindir, dir);
}

static int stop_server(void **state)
{
    (void)state;
    if (server_up)
        sh("%s'%s/pg_ctl' -D '%s/data' -m immediate -w stop", as_user, bindir, dir);
    if (dir[0] && strncmp(dir, "/tmp/pgt_pg", 11) == 0)
        sh("rm -rf '%s'", dir);
    return 0;
}

static void uri(char *buf, size_t len, const char *db)
{
    snprintf(buf, len, "postgresql:///%s?host=%s&user=perfgate", db, dir);
}

#define SKIP_WITHOUT_SERVER()                                                                      \
    do {                                                                                           \
        if (!server_up) {                                                                          \
            fprintf(stderr, "skipped: no PostgreSQL server binaries "                              \
                            "(/usr/lib/postgresql/*/bin/initdb); "                                 \
                            "install the postgresql package\n");                                   \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static const char *const NAMES[] = {
    "a/plain/name",
    "quote\"double'single",
    "new\nline\ttab",
    "<script>alert(1)</script>",
    "'; DROP TABLE runs; --",
    "unicod\xc3\xa9/\xe2\x82\xac",
    "Zed/upper", /* byte order vs locale order */
    "zed/lower",
};
enum { NB = 8, NS = 45 };

/* The same history written to any back end. */
static void populate(pg_history *h, int64_t ids[3])
{
    pg_error err = { 0 };
    pgt_rng rng;
    pgt_rng_seed(&rng, 7);
    for (int r = 0; r < 3; r++) {
        static double real[NB][NS], cpu[NB][NS];
        pg_hist_bench b[NB];
        pg_hist_verdict v[NB + 1];
        size_t nb = 0;
        for (int k = 0; k < NB; k++) {
            if (k == 5 && r == 1)
                continue; /* a gap */
            for (int j = 0; j < NS; j++) {
                /* values that stress decimal round trips */
                real[nb][j] = (k + 1) * 1000.0 * (1 + pgt_rng_uniform(&rng)) / 3.0;
                cpu[nb][j] = j == 3 ? NAN : real[nb][j] * 0.9;
            }
            b[nb] = (pg_hist_bench){ NAMES[k], real[nb], cpu[nb], NS, 1000 + k };
            v[nb] = (pg_hist_verdict){ NAMES[k],
                                       k % 2 ? "cpu_time" : "median_real_time",
                                       k == 3 && r == 2 ? "breach" : "pass",
                                       "budgets/b.json",
                                       (k + 1) * 900.0,
                                       1.0 / 3.0,
                                       k == 4 ? NAMES[1] : NULL,
                                       NULL,
                                       NAN,
                                       0 };
            nb++;
        }
        v[nb] = (pg_hist_verdict){
            "ghost", "median_real_time", "missing", NULL, NAN, NAN, NULL, NULL, NAN, 0
        };
        pg_hist_kv env[] = { { "cpu", NAMES[3] }, { "seed", "7" }, { "empty", NULL } };
        pg_hist_waiver w = { NAMES[4], "reason 'quoted'", NULL, "2099-01-01" };
        char commit[16];
        snprintf(commit, sizeof commit, "c%d", r);
        pg_hist_run run = { NAMES[2], commit, "main", "2024-01-0%dT00:00:00Z", env, 3, b, nb, v,
                            nb + 1,   &w,     r == 2 };
        char ts[32];
        snprintf(ts, sizeof ts, "2024-01-0%dT00:00:00Z", r + 1);
        run.timestamp = ts;
        assert_int_equal(pg_history_add(h, &run, NULL, NULL, &ids[r], &err), 0);
    }
    assert_int_equal(pg_history_baseline_set(h, ids[1], "chosen \"on purpose\"", "tester", &err),
                     0);
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void compare_shows(const pg_hist_show *a, const pg_hist_show *b)
{
    assert_string_equal(a->info.commit, b->info.commit);
    assert_string_equal(a->info.timestamp, b->info.timestamp);
    assert_string_equal(a->info.source, b->info.source);
    assert_int_equal(a->info.n_benches, b->info.n_benches);
    assert_int_equal(a->info.n_failed, b->info.n_failed);
    assert_int_equal(a->info.is_baseline, b->info.is_baseline);
    assert_int_equal(a->n_env, b->n_env);
    for (size_t i = 0; i < a->n_env; i++) {
        assert_string_equal(a->env[i].key, b->env[i].key);
        assert_true(same_str(a->env[i].value, b->env[i].value));
    }
    assert_int_equal(a->n_rows, b->n_rows);
    for (size_t i = 0; i < a->n_rows; i++) {
        const pg_hist_row *x = &a->rows[i], *y = &b->rows[i];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->n_samples, y->n_samples);
        assert_int_equal(x->iterations, y->iterations);
        assert_true(same_double(x->median_ns, y->median_ns));
        assert_true(same_double(x->lo_ns, y->lo_ns));
        assert_true(same_double(x->hi_ns, y->hi_ns));
        assert_true(same_double(x->cpu_median_ns, y->cpu_median_ns));
        assert_string_equal(x->verdict, y->verdict);
        assert_true(same_double(x->budget_ns, y->budget_ns));
        assert_true(same_double(x->ratio, y->ratio));
    }
    assert_int_equal(a->n_verdicts, b->n_verdicts);
    for (size_t i = 0; i < a->n_verdicts; i++) {
        const pg_hist_verdict *x = &a->verdicts[i], *y = &b->verdicts[i];
        assert_string_equal(x->bench, y->bench);
        assert_string_equal(x->metric, y->metric);
        assert_string_equal(x->verdict, y->verdict);
        assert_true(same_str(x->budget, y->budget));
        assert_true(same_str(x->detail, y->detail));
        assert_true(same_double(x->budget_ns, y->budget_ns));
        assert_true(same_double(x->ratio, y->ratio));
    }
    assert_int_equal(a->n_waivers, b->n_waivers);
    for (size_t i = 0; i < a->n_waivers; i++) {
        assert_string_equal(a->waivers[i].bench, b->waivers[i].bench);
        assert_true(same_str(a->waivers[i].ticket, b->waivers[i].ticket));
    }
}

static void test_same_results_both_backends(void **state)
{
    (void)state;
    SKIP_WITHOUT_SERVER();
    char sqlite_path[128], pg_uri[256];
    snprintf(sqlite_path, sizeof sqlite_path, "%s/same.sqlite", dir);
    uri(pg_uri, sizeof pg_uri, "same");
    pg_error err = { 0 };
    pg_history *hs = pg_history_open(sqlite_path, &err);
    pg_history *hp = pg_history_open(pg_uri, &err);
    if (!hs || !hp)
        fail_msg("open: %s", err.message);
    assert_string_equal(pg_history_backend(hp), "postgresql");
    assert_int_equal(pg_history_schema_version(hp), PG_HISTORY_SCHEMA_VERSION);
    int64_t ids_s[3], ids_p[3];
    populate(hs, ids_s);
    populate(hp, ids_p);

    for (int r = 0; r < 3; r++) {
        pg_hist_show *a = NULL, *b = NULL;
        assert_int_equal(pg_history_show(hs, ids_s[r], &a, &err), 0);
        assert_int_equal(pg_history_show(hp, ids_p[r], &b, &err), 0);
        assert_true(a->n_rows >= NB - 1);
        compare_shows(a, b);
        /* samples: bit for bit, NaN where NaN */
        for (size_t i = 0; i < a->n_rows; i++) {
            double *ra, *ca, *rb, *cb;
            size_t na, nb;
            assert_int_equal(pg_history_samples(hs, ids_s[r], a->rows[i].name, &ra, &ca, &na, &err),
                             0);
            assert_int_equal(pg_history_samples(hp, ids_p[r], a->rows[i].name, &rb, &cb, &nb, &err),
                             0);
            assert_int_equal(na, NS);
            assert_int_equal(nb, NS);
            for (size_t j = 0; j < na; j++) {
                assert_true(same_double(ra[j], rb[j]));
                assert_true(same_double(ca[j], cb[j]));
            }
            free(ra);
            free(ca);
            free(rb);
            free(cb);
        }
        pg_hist_show_free(a);
        pg_hist_show_free(b);
    }

    pg_hist_trend *ta = NULL, *tb = NULL;
    assert_int_equal(pg_history_trend(hs, 0, &ta, &err), 0);
    assert_int_equal(pg_history_trend(hp, 0, &tb, &err), 0);
    assert_int_equal(ta->n_runs, tb->n_runs);
    assert_int_equal(ta->n_benches, tb->n_benches);
    assert_int_equal(ta->n_benches, NB + 1); /* + ghost */
    for (size_t b = 0; b < ta->n_benches; b++) {
        assert_string_equal(ta->benches[b], tb->benches[b]);
        for (size_t r = 0; r < ta->n_runs; r++) {
            const pg_hist_point *x = &ta->points[b * ta->n_runs + r];
            const pg_hist_point *y = &tb->points[b * tb->n_runs + r];
            assert_true(same_double(x->median_ns, y->median_ns));
            assert_true(same_double(x->lo_ns, y->lo_ns));
            assert_true(same_double(x->budget_ns, y->budget_ns));
            assert_string_equal(x->verdict, y->verdict);
        }
    }
    pg_hist_trend_free(ta);
    pg_hist_trend_free(tb);

    pg_hist_baseline ba, bb;
    assert_int_equal(pg_history_baseline_get(hs, &ba, &err), 0);
    assert_int_equal(pg_history_baseline_get(hp, &bb, &err), 0);
    assert_string_equal(ba.reason, bb.reason);
    assert_string_equal(ba.who, bb.who);

    size_t rs = 0, rp = 0;
    assert_int_equal(pg_history_prune(hs, 1, &rs, &err), 0);
    assert_int_equal(pg_history_prune(hp, 1, &rp, &err), 0);
    assert_int_equal(rs, 1);
    assert_int_equal(rp, 1);
    pg_hist_run_info *la, *lb;
    size_t na, nb;
    assert_int_equal(pg_history_list(hs, 0, &la, &na, &err), 0);
    assert_int_equal(pg_history_list(hp, 0, &lb, &nb, &err), 0);
    assert_int_equal(na, 2);
    assert_int_equal(nb, 2);
    for (size_t i = 0; i < na; i++)
        assert_string_equal(la[i].commit, lb[i].commit);
    free(la);
    free(lb);
    pg_history_close(hs);
    pg_history_close(hp);

    /* Reopening migrates nothing and finds everything. */
    hp = pg_history_open(pg_uri, &err);
    assert_non_null(hp);
    assert_int_equal(pg_history_list(hp, 0, &lb, &nb, &err), 0);
    assert_int_equal(nb, 2);
    free(lb);
    pg_history_close(hp);
}

static void test_two_writers_pg(void **state)
{
    (void)state;
    SKIP_WITHOUT_SERVER();
    char pg_uri[256];
    uri(pg_uri, sizeof pg_uri, "two");
    enum { W = 2, RUNS = 8, B = 30, S = 10 };
    pid_t kids[W];
    for (int w = 0; w < W; w++) {
        kids[w] = fork();
        assert_true(kids[w] >= 0);
        if (kids[w] == 0) {
            /* Both create the schema at once on an empty database. */
            pg_error cerr = { 0 };
            pg_history *h = pg_history_open(pg_uri, &cerr);
            if (!h) {
                fprintf(stderr, "writer %d: %s\n", w, cerr.message);
                _exit(10);
            }
            for (int r = 0; r < RUNS; r++) {
                double real[B][S];
                pg_hist_bench b[B];
                char names[B][32];
                for (int k = 0; k < B; k++) {
                    snprintf(names[k], sizeof names[k], "w%d/b%d", w, k);
                    for (int j = 0; j < S; j++)
                        real[k][j] = 100.0 * (k + 1) + j;
                    b[k] = (pg_hist_bench){ names[k], real[k], NULL, S, 1 };
                }
                char commit[16];
                snprintf(commit, sizeof commit, "w%d-r%d", w, r);
                pg_hist_run run = { NULL, commit, NULL, NULL, NULL, 0, b, B, NULL, 0, NULL, 0 };
                if (pg_history_add(h, &run, NULL, NULL, NULL, NULL) < 0)
                    _exit(11);
            }
            pg_history_close(h);
            _exit(0);
        }
    }
    for (int w = 0; w < W; w++) {
        int status = 0;
        waitpid(kids[w], &status, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    pg_error err = { 0 };
    pg_history *h = pg_history_open(pg_uri, &err);
    assert_non_null(h);
    pg_hist_run_info *runs;
    size_t n;
    assert_int_equal(pg_history_list(h, 0, &runs, &n, &err), 0);
    assert_int_equal(n, W * RUNS);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(runs[i].n_benches, B);
        double *r;
        size_t ns;
        char name[32];
        snprintf(name, sizeof name, "%c%c/b7", runs[i].commit[0], runs[i].commit[1]);
        assert_int_equal(pg_history_samples(h, runs[i].id, name, &r, NULL, &ns, &err), 0);
        assert_int_equal(ns, S);
        free(r);
    }
    free(runs);
    pg_history_close(h);
}

static void test_bad_uri(void **state)
{
    (void)state;
    pg_error err = { 0 };
    /* Nobody listens there: a clear error, no crash, no hang. */
    assert_null(pg_history_open("postgresql:///x?host=/nonexistent/dir&connect_timeout=2", &err));
    assert_int_equal(err.code, PG_EIO);
    assert_non_null(strstr(err.message, "postgresql"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_results_both_backends),
        cmocka_unit_test(test_two_writers_pg),
        cmocka_unit_test(test_bad_uri),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
