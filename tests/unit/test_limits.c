/*
 * test_limits.c - the documented limits of docs/limits.md hold: beyond each,
 * a clear error (PG_ELIMIT or PG_EPARSE with file:line:column), never a
 * crash, a silent truncation or unbounded memory; below them, big inputs
 * are processed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_gate.h"

/* A growing text buffer. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        b->cap = (b->n + len + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void row(buf *b, const char *name, const char *real_time)
{
    puts_(b, b->n > 20 ? ",{\"name\":\"" : "{\"name\":\"");
    puts_(b, name);
    puts_(b, "\",\"run_type\":\"iteration\",\"iterations\":1,\"real_time\":");
    puts_(b, real_time);
    puts_(b, ",\"cpu_time\":1,\"time_unit\":\"ns\"}");
}

static pg_results *load(const buf *b, pg_error *err)
{
    pg_error_clear(err);
    return pg_results_load_buffer(b->p, b->n, "mem.json", err);
}

/* Nesting deeper than 64 levels anywhere: PG_ELIMIT at the level that
 * crosses it. */
static void test_nesting(void **state)
{
    (void)state;
    buf b = { 0 };
    puts_(&b, "{\"context\":");
    for (int i = 0; i < 100000; i++)
        puts_(&b, "[");
    pg_error err;
    assert_null(load(&b, &err));
    assert_int_equal(err.code, PG_ELIMIT);
    assert_int_equal(err.line, 1);
    assert_true(err.column > 64 && err.column < 80);
    assert_non_null(strstr(err.message, "nesting"));
    free(b.p);
}

/* A context of millions of tiny values would need ~32x its size as parse
 * nodes: refused at 256 MiB of nodes with a position, memory bounded. */
static void test_parsed_values_bounded(void **state)
{
    (void)state;
    buf b = { 0 };
    puts_(&b, "{\"context\":[");
    for (int i = 0; i < 6000000; i++)
        puts_(&b, "0,");
    puts_(&b, "0],\"benchmarks\":[]}");
    pg_error err;
    assert_null(load(&b, &err));
    assert_int_equal(err.code, PG_ELIMIT);
    assert_int_equal(err.line, 1);
    assert_true(err.column > 1000);
    assert_non_null(strstr(err.message, "256 MiB"));
    assert_string_equal(err.file, "mem.json");
    free(b.p);
}

/* 200,000 benchmarks (rows are streamed): all there. */
static void test_many_benchmarks(void **state)
{
    (void)state;
    buf b = { 0 };
    puts_(&b, "{\"benchmarks\":[");
    char name[64];
    for (int i = 0; i < 200000; i++) {
        snprintf(name, sizeof name, "many/b%d/hot/cpu/%d", i, i % 7);
        row(&b, name, "12.5");
    }
    puts_(&b, "]}");
    pg_error err;
    pg_results *run = load(&b, &err);
    assert_non_null(run);
    assert_int_equal(pg_results_count(run), 200000);
    assert_non_null(pg_results_find(run, "many/b199999/hot/cpu/2"));
    pg_results_destroy(run);
    free(b.p);
}

/* Names are kept whole: two 10 kB names that differ only at the end are
 * two benchmarks (a 1 kB cut used to merge them). */
static void test_long_names(void **state)
{
    (void)state;
    size_t len = 10240;
    char *n1 = malloc(len + 1), *n2 = malloc(len + 1);
    memset(n1, 'x', len);
    memset(n2, 'x', len);
    n1[len] = n2[len] = '\0';
    n1[len - 1] = '1';
    n2[len - 1] = '2';
    buf b = { 0 };
    puts_(&b, "{\"benchmarks\":[");
    row(&b, n1, "1");
    row(&b, n2, "2");
    puts_(&b, "]}");
    pg_error err;
    pg_results *run = load(&b, &err);
    assert_non_null(run);
    assert_int_equal(pg_results_count(run), 2);
    assert_non_null(pg_results_find(run, n1));
    assert_non_null(pg_results_find(run, n2));
    assert_int_equal(strlen(pg_results_get(run, 0)->name), len);
    pg_results_destroy(run);
    free(b.p);
    free(n1);
    free(n2);
}

/* Times: negative, non-finite (as JSON cannot say them, or overflowing)
 * and beyond 1e18 ns are refused at their position. */
static void test_times(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        int code;
    } bad[] = {
        { "-1", PG_ETYPE },        { "1e309", PG_ETYPE },      { "NaN", PG_EPARSE },
        { "Infinity", PG_EPARSE }, { "-Infinity", PG_EPARSE }, { "1.5e18", PG_ELIMIT },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf b = { 0 };
        puts_(&b, "{\"benchmarks\":[\n");
        row(&b, "a", bad[i].v);
        puts_(&b, "]}");
        pg_error err;
        assert_null(load(&b, &err));
        assert_int_equal(err.code, bad[i].code);
        assert_int_equal(err.line, 2);
        assert_true(err.column > 1);
        free(b.p);
    }
    buf b = { 0 };
    puts_(&b, "{\"benchmarks\":[");
    row(&b, "a", "1e18");
    puts_(&b, "]}");
    pg_error err;
    pg_results *run = load(&b, &err);
    assert_non_null(run); /* the limit itself is accepted */
    pg_results_destroy(run);
    free(b.p);
    /* A unit that overflows: 1e300 s. */
    const char *s = "{\"benchmarks\":[{\"name\":\"a\",\"real_time\":1e300,\"cpu_time\":1,"
                    "\"time_unit\":\"s\"}]}";
    assert_null(pg_results_load_buffer(s, strlen(s), "mem.json", &err));
    assert_int_equal(err.code, PG_ELIMIT);
}

/* Budget values that overflow their unit are not numbers. */
static void test_units(void **state)
{
    (void)state;
    double v;
    assert_int_not_equal(pg_parse_time("1e300s", &v), 0);
    assert_int_not_equal(pg_parse_bytes("1e305GiB", &v), 0);
    assert_int_equal(pg_parse_time("1e300ns", &v), 0);
    assert_int_equal(pg_parse_bytes("1.5GiB", &v), 0);
}

/* Invalid UTF-8 in a string: refused at the bad byte. */
static void test_utf8(void **state)
{
    (void)state;
    static const char *bad[] = {
        "\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "a\x80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf b = { 0 };
        puts_(&b, "{\"benchmarks\":[");
        row(&b, bad[i], "1");
        puts_(&b, "]}");
        pg_error err;
        assert_null(load(&b, &err));
        assert_int_equal(err.code, PG_EPARSE);
        assert_non_null(strstr(err.message, "UTF-8"));
        free(b.p);
    }
    buf b = { 0 };
    puts_(&b, "{\"benchmarks\":[");
    row(&b, "ok/\xc3\xa9/\xe6\x97\xa5/\xf0\x9f\x98\x80", "1");
    puts_(&b, "]}");
    pg_error err;
    pg_results *run = load(&b, &err);
    assert_non_null(run);
    pg_results_destroy(run);
    free(b.p);
}

/* A results file over 2 GiB (sparse: nothing is written) is refused before
 * anything is read. */
static void test_file_size(void **state)
{
    (void)state;
    char path[] = "/tmp/pg-limits-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    if (ftruncate(fd, (off_t)3 << 30) != 0) {
        close(fd);
        unlink(path);
        skip(); /* a file system without sparse files */
    }
    close(fd);
    pg_error err;
    pg_error_clear(&err);
    pg_results *run = pg_results_load(path, &err);
    unlink(path);
    assert_null(run);
    assert_int_equal(err.code, PG_ELIMIT);
    assert_non_null(strstr(err.message, "2 GiB"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_parsed_values_bounded),
        cmocka_unit_test(test_many_benchmarks),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_file_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
