/*
 * test_process.c - running another program (common/process.c): argv
 * reaches the child verbatim (there is no shell), output is captured or
 * logged, exit codes, signals and timeouts are reported, pinning is
 * visible in the child, and a failed run's log is left to read.
 * Uses only /bin/sh-free programs found on any Debian: printf, cat, sleep,
 * kill, env, sh only as the *program* under test where a signal is needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_process.h"

static void test_argv_verbatim(void **state)
{
    (void)state;
    /* What a shell would split, expand or run is only bytes here. */
    const char *argv[] = {
        "printf", "[%s]\\n", "two words", "it's \"quoted\"", "a; touch /tmp/pg_process_pwned",
        "$(id)",  "*",       NULL
    };
    pg_process p = { 0 };
    p.argv = argv;
    p.out = PG_PROCESS_CAPTURE;
    pg_error err;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&p, &err), 0);
    assert_int_equal(p.exit_code, 0);
    assert_string_equal(p.out_buf, "[two words]\n[it's \"quoted\"]\n"
                                   "[a; touch /tmp/pg_process_pwned]\n[$(id)]\n[*]\n");
    assert_int_equal(p.out_len, strlen(p.out_buf));
    assert_null(p.err_buf); /* not captured */
    pg_process_clear(&p);
    struct stat sb;
    assert_int_not_equal(stat("/tmp/pg_process_pwned", &sb), 0);
}

static void test_capture_both_and_env(void **state)
{
    (void)state;
    /* env prints the environment: the addition is there, replaced once. */
    const char *argv[] = { "env", NULL };
    const char *add[] = { "PG_PROCESS_TEST=a b;c", "HOME=/nowhere", NULL };
    pg_process p = { 0 };
    p.argv = argv;
    p.env = add;
    p.out = PG_PROCESS_CAPTURE;
    p.err = PG_PROCESS_CAPTURE;
    pg_error err;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&p, &err), 0);
    assert_non_null(strstr(p.out_buf, "PG_PROCESS_TEST=a b;c\n"));
    int homes = 0; /* lines that set HOME: the addition replaced it */
    for (const char *l = p.out_buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, "HOME=", 5)) {
            homes++;
            assert_int_equal(strncmp(l, "HOME=/nowhere\n", 14), 0);
        }
    assert_int_equal(homes, 1);
    assert_string_equal(p.err_buf, ""); /* captured, silent */
    pg_process_clear(&p);

    /* stderr captured apart from stdout; a large output does not block */
    const char *cat[] = { "cat", "/no/such/file", PG_SOURCE_DIR "/common/process.c", NULL };
    pg_process q = { 0 };
    q.argv = cat;
    q.out = PG_PROCESS_CAPTURE;
    q.err = PG_PROCESS_CAPTURE;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&q, &err), PG_EIO);
    assert_int_equal(q.exit_code, 1);
    assert_non_null(strstr(q.err_buf, "/no/such/file"));
    assert_non_null(strstr(q.out_buf, "pg_process_start"));
    struct stat sb;
    assert_int_equal(stat(PG_SOURCE_DIR "/common/process.c", &sb), 0);
    assert_int_equal(q.out_len, (size_t)sb.st_size);
    pg_process_clear(&q);
}

static void test_exit_status_and_missing(void **state)
{
    (void)state;
    const char *f[] = { "false", NULL };
    pg_process p = { 0 };
    p.argv = f;
    pg_error err;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&p, &err), PG_EIO);
    assert_int_equal(p.exit_code, 1);
    assert_int_equal(p.signal, 0);
    assert_int_equal(p.timed_out, 0);
    assert_non_null(strstr(err.message, "'false' exited with status 1"));
    pg_process_clear(&p);

    /* A program that is not there fails at start, with the reason. */
    const char *none[] = { "pg-no-such-program", "x", NULL };
    pg_process q = { 0 };
    q.argv = none;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&q, &err), PG_EIO);
    assert_non_null(strstr(err.message, "cannot run 'pg-no-such-program'"));
    assert_int_equal(q.pid, 0);
    pg_process_clear(&q);

    pg_process e = { 0 };
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&e, &err), PG_EINVAL);
    pg_process_clear(&e);
}

static void test_signal(void **state)
{
    (void)state;
    /* kill -TERM of its own pid: `sh` is the program under test here, fed
     * a fixed script, never a string built from input. */
    const char *argv[] = { "sh", "-c", "kill -TERM $$", NULL };
    pg_process p = { 0 };
    p.argv = argv;
    pg_error err;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&p, &err), PG_EIO);
    assert_int_equal(p.exit_code, -1);
    assert_int_equal(p.signal, SIGTERM);
    assert_int_equal(p.timed_out, 0);
    assert_non_null(strstr(err.message, "killed by signal"));
    pg_process_clear(&p);
}

static void test_timeout(void **state)
{
    (void)state;
    /* sh starts a sleeping grandchild holding the capture pipe: the whole
     * group must go, or finish would wait for the pipe's end. */
    const char *argv[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };
    pg_process p = { 0 };
    p.argv = argv;
    p.out = PG_PROCESS_CAPTURE;
    p.timeout_s = 0.3;
    pg_error err;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&p, &err), PG_EIO);
    assert_int_equal(p.timed_out, 1);
    assert_int_equal(p.signal, SIGKILL);
    assert_true(p.wall_s >= 0.3 && p.wall_s < 10);
    assert_non_null(strstr(err.message, "timed out after 0.3 s"));
    pg_process_clear(&p);

    /* within its time: no kill */
    const char *t[] = { "true", NULL };
    pg_process q = { 0 };
    q.argv = t;
    q.timeout_s = 20;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&q, &err), 0);
    assert_int_equal(q.timed_out, 0);
    pg_process_clear(&q);
}

static void test_pin(void **state)
{
    (void)state;
    const char *argv[] = { "cat", "/proc/self/status", NULL };
    pg_process p = { 0 };
    p.argv = argv;
    p.out = PG_PROCESS_CAPTURE;
    p.pin = 1;
    p.cpu = 0;
    pg_error err;
    pg_error_clear(&err);
    int rc = pg_process_run(&p, &err);
    if (rc == PG_EUNSUP) { /* CPU 0 outside this process's mask */
        pg_process_clear(&p);
        skip();
    }
    assert_int_equal(rc, 0);
    const char *c = strstr(p.out_buf, "Cpus_allowed_list:");
    assert_non_null(c);
    char list[64];
    assert_int_equal(sscanf(c, "Cpus_allowed_list: %63s", list), 1);
    assert_string_equal(list, "0");
    pg_process_clear(&p);

    /* the parent's own mask is untouched */
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    int seen = 0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "Cpus_allowed_list:", 18)) {
            seen = 1;
            if (ncpu > 1)
                assert_string_not_equal(line, "Cpus_allowed_list:\t0\n");
        }
    fclose(f);
    assert_true(seen);

    pg_process q = { 0 };
    q.argv = argv;
    q.pin = 1;
    q.cpu = 1 << 20;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&q, &err), PG_EINVAL);
    pg_process_clear(&q);
}

static void test_log_kept_on_failure(void **state)
{
    (void)state;
    char dir[] = "/tmp/pg_test_process.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char log[256];
    snprintf(log, sizeof log, "%s/run.log", dir);
    /* stdout and stderr into one log, appended: as `perfgate ab` runs builds */
    const char *argv[] = { "cat", "/no/such/input", PG_SOURCE_DIR "/README.md", NULL };
    for (int round = 0; round < 2; round++) {
        pg_process p = { 0 };
        p.argv = argv;
        p.in = PG_PROCESS_NULL;
        p.out = PG_PROCESS_APPEND;
        p.out_path = log;
        p.err = PG_PROCESS_STDOUT;
        pg_error err;
        pg_error_clear(&err);
        assert_int_equal(pg_process_run(&p, &err), PG_EIO);
        assert_non_null(strstr(err.message, "(log: "));
        assert_non_null(strstr(err.message, log));
        pg_process_clear(&p);
    }
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    char line[512];
    int complaints = 0;
    while (fgets(line, sizeof line, f))
        complaints += strstr(line, "/no/such/input") != NULL;
    fclose(f);
    assert_int_equal(complaints, 2); /* appended, both runs, both streams */

    /* a log that cannot be opened fails before anything runs */
    const char *t[] = { "true", NULL };
    pg_process q = { 0 };
    q.argv = t;
    q.out = PG_PROCESS_FILE;
    q.out_path = "/no/such/dir/x.log";
    pg_error err;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&q, &err), PG_EIO);
    assert_string_equal(err.file, "/no/such/dir/x.log");
    pg_process_clear(&q);
    unlink(log);
    rmdir(dir);
}

static void test_pipe_and_dir(void **state)
{
    (void)state;
    /* PIPE: the parent reads the child's stdout itself (first-call
     * children); dir: the child's working folder (gnuplot). */
    const char *argv[] = { "cat", "README.md", NULL };
    pg_process p = { 0 };
    p.argv = argv;
    p.dir = PG_SOURCE_DIR;
    p.out = PG_PROCESS_PIPE;
    pg_error err;
    pg_error_clear(&err);
    assert_int_equal(pg_process_start(&p, &err), 0);
    assert_true(p.out_fd >= 0);
    char buf[64];
    ssize_t got = read(p.out_fd, buf, sizeof buf);
    assert_true(got > 0);
    int rc;
    while ((rc = pg_process_poll(&p, &err)) == 1) {
        char sink[4096];
        if (read(p.out_fd, sink, sizeof sink) <= 0)
            break;
    }
    if (rc == 1)
        rc = pg_process_finish(&p, &err);
    assert_int_equal(rc, 0);
    assert_int_equal(p.out_fd, -1);
    assert_true(p.user_s >= 0 && p.wall_s > 0);
    pg_process_clear(&p);
    pg_process_clear(NULL);

    /* exec_path first, argv[0] when it fails */
    const char *e[] = { "echo", "fallback", NULL };
    pg_process q = { 0 };
    q.argv = e;
    q.exec_path = "/no/such/program";
    q.out = PG_PROCESS_CAPTURE;
    pg_error_clear(&err);
    assert_int_equal(pg_process_run(&q, &err), 0);
    assert_string_equal(q.out_buf, "fallback\n");
    pg_process_clear(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv_verbatim),
        cmocka_unit_test(test_capture_both_and_env),
        cmocka_unit_test(test_exit_status_and_missing),
        cmocka_unit_test(test_signal),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_pin),
        cmocka_unit_test(test_log_kept_on_failure),
        cmocka_unit_test(test_pipe_and_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
