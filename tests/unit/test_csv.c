/* test_csv.c - the CSV reader and the repr-style number writer (common/csv.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_csv.h"
#include "pg_test.h"

static pg_csv *parse(const char *text, pg_error *err)
{
    return pg_csv_read_mem(text, strlen(text), "t.csv", err);
}

static void test_basic_named_columns(void **state)
{
    (void)state;
    pg_error err = { 0 };
    pg_csv *c = parse("b,a\n1,2\n3,4\n", &err);
    assert_non_null(c);
    assert_int_equal(pg_csv_nrows(c), 2);
    assert_int_equal(pg_csv_ncols(c), 2);
    assert_int_equal(pg_csv_find(c, "a"), 1);
    assert_int_equal(pg_csv_find(c, "zz"), -1);
    double v[2];
    assert_int_equal(pg_csv_column_double(c, 1, v, &err), 0);
    assert_true(v[0] == 2 && v[1] == 4);
    pg_csv_free(c);
}

static void test_crlf_quotes_empty_nan(void **state)
{
    (void)state;
    pg_error err = { 0 };
    pg_csv *c = parse("\"na,me\",x\r\n\"a \"\"q\"\"\",\r\n\"multi\nline\",nan\r\nz,-inf", &err);
    assert_non_null(c);
    assert_int_equal(pg_csv_nrows(c), 3);
    assert_string_equal(pg_csv_name(c, 0), "na,me");
    assert_string_equal(pg_csv_cell(c, 0, 0), "a \"q\"");
    assert_string_equal(pg_csv_cell(c, 1, 0), "multi\nline");
    double v[3];
    assert_int_equal(pg_csv_column_double(c, 1, v, &err), 0);
    assert_true(isnan(v[0]) && isnan(v[1]) && isinf(v[2]) && v[2] < 0);
    /* Positions are kept across the quoted newline. */
    int line, col;
    pg_csv_cell_pos(c, 2, 1, &line, &col);
    assert_int_equal(line, 5);
    assert_int_equal(col, 3);
    pg_csv_free(c);
}

static void test_errors_name_position(void **state)
{
    (void)state;
    struct {
        const char *text;
        int line, column;
        const char *needle;
    } cases[] = {
        { "a,b\n1,2\n3\n", 3, 1, "expected 2" },
        { "a,b\n1,\"2\n", 2, 3, "unterminated" },
        { "a,b\n1,x\"y\n", 2, 4, "stray" },
        { "", 1, 1, "empty file" },
        { "a,,b\n", 1, 3, "empty column name" },
        { "a,b\n\"1\"x,2\n", 2, 4, "after a quoted field" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pg_error err = { 0 };
        pg_csv *c = parse(cases[i].text, &err);
        assert_null(c);
        assert_int_equal(err.code, PG_EPARSE);
        assert_string_equal(err.file, "t.csv");
        assert_int_equal(err.line, cases[i].line);
        assert_int_equal(err.column, cases[i].column);
        assert_non_null(strstr(err.message, cases[i].needle));
    }
}

static void test_bad_number_position(void **state)
{
    (void)state;
    pg_error err = { 0 };
    pg_csv *c = parse("x,y\n1,2\n3,4x\n", &err);
    assert_non_null(c);
    double v[2];
    assert_int_equal(pg_csv_column_double(c, 1, v, &err), PG_EPARSE);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 3);
    assert_non_null(strstr(err.message, "'4x'"));
    assert_non_null(strstr(err.message, "expected a number"));
    char buf[512];
    pg_error_format(&err, buf, sizeof buf);
    assert_non_null(strstr(buf, "t.csv:3:3: "));
    pg_csv_free(c);
}

static void test_header_only_and_blank_lines(void **state)
{
    (void)state;
    pg_error err = { 0 };
    pg_csv *c = parse("a,b\n", &err);
    assert_non_null(c);
    assert_int_equal(pg_csv_nrows(c), 0);
    pg_csv_free(c);
    c = parse("a,b\n1,2\n\n3,4\n\n", &err);
    assert_non_null(c);
    assert_int_equal(pg_csv_nrows(c), 2);
    pg_csv_free(c);
}

static void test_format_double_is_repr(void **state)
{
    (void)state;
    struct {
        double v;
        const char *s;
    } cases[] = {
        { 0.1, "0.1" },
        { 1.0, "1.0" },
        { -0.0, "-0.0" },
        { 0.0, "0.0" },
        { 1e-06, "1e-06" },
        { 0.0001, "0.0001" },
        { 1e16, "1e+16" },
        { 1e15, "1000000000000000.0" },
        { 123.456, "123.456" },
        { -2.5e-7, "-2.5e-07" },
        { NAN, "nan" },
        { INFINITY, "inf" },
        { -INFINITY, "-inf" },
        { 99.7448729991163, "99.7448729991163" },
        { 1.2345678901234568e+17, "1.2345678901234568e+17" },
        { 5e-324, "5e-324" },
        { 1.7976931348623157e308, "1.7976931348623157e+308" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        pg_format_double(cases[i].v, buf, sizeof buf);
        assert_string_equal(buf, cases[i].s);
    }
}

static void test_format_round_trips_golden_text(void **state)
{
    (void)state;
    /* Every number of a golden file is written back byte-identical. */
    pg_csv *c = pgt_load("features_expected.csv");
    size_t checked = 0;
    for (size_t r = 0; r < pg_csv_nrows(c); r++) {
        for (size_t col = 1; col < pg_csv_ncols(c); col++) {
            const char *text = pg_csv_cell(c, r, col);
            double v;
            assert_int_equal(pg_csv_cell_double(c, r, col, &v, NULL), 0);
            char buf[32];
            pg_format_double(v, buf, sizeof buf);
            assert_string_equal(buf, text);
            checked++;
        }
    }
    assert_true(checked > 40000);
    pg_csv_free(c);
}

static void test_rng_is_seeded(void **state)
{
    (void)state;
    pgt_rng a, b, c;
    pgt_rng_seed(&a, 7);
    pgt_rng_seed(&b, 7);
    pgt_rng_seed(&c, 8);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = pgt_rng_next(&a), y = pgt_rng_next(&b), z = pgt_rng_next(&c);
        assert_true(x == y);
        differ += x != z;
    }
    assert_true(differ > 90);
}

/* /dev/zero used to be read until memory ran out (4.2 GB): a NUL byte is
 * never CSV text, and the read stops at the first one. */
static void test_dev_zero_fails_at_once(void **state)
{
    (void)state;
    pg_error err = { 0 };
    assert_null(pg_csv_read_file("/dev/zero", &err));
    assert_int_equal(err.code, PG_EPARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 1);
    assert_non_null(strstr(err.message, "NUL"));
    /* a NUL on line 3 is placed there */
    char path[] = "/tmp/pg_csv_nul_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "a,b\n1,2\n3,\0\n", 11), 11);
    close(fd);
    pg_error_clear(&err);
    assert_null(pg_csv_read_file(path, &err));
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 3);
    unlink(path);
}

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
}

static void test_size_caps(void **state)
{
    (void)state;
    char path[] = "/tmp/pg_csv_cap_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    static char big[4096];
    size_t n = 0;
    n += (size_t)sprintf(big + n, "a,b\n");
    while (n < 1000)
        n += (size_t)sprintf(big + n, "1,2\n");
    write_file(path, big, n);
    pg_error err = { 0 };

    /* a regular file: refused before reading */
    pg_csv_limits lim = { n - 1, 0, 0 };
    assert_null(pg_csv_read_file_limited(path, &lim, &err));
    assert_int_equal(err.code, PG_ELIMIT);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, "larger than"));
    lim.max_bytes = n; /* exactly the cap is fine */
    pg_csv *c = pg_csv_read_file_limited(path, &lim, NULL);
    assert_non_null(c);
    assert_int_equal(pg_csv_nrows(c), (n - 4) / 4);
    pg_csv_free(c);

    /* a pipe: refused once the cap is passed */
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *w = fopen(path, "wb");
        for (int k = 0; w && k < 1000; k++)
            fwrite(big, 1, n, w);
        _exit(0);
    }
    lim.max_bytes = 10000;
    pg_error_clear(&err);
    assert_null(pg_csv_read_file_limited(path, &lim, &err));
    assert_int_equal(err.code, PG_ELIMIT);
    assert_non_null(strstr(err.message, "more than 10000 bytes"));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    unlink(path);

    /* the same cap on memory */
    pg_error_clear(&err);
    assert_null(pg_csv_read_mem_limited(big, n, "m.csv", &(pg_csv_limits){ 100, 0, 0 }, &err));
    assert_int_equal(err.code, PG_ELIMIT);
}

static void test_cell_and_column_caps(void **state)
{
    (void)state;
    const char *t = "a,b,c\n1,2,3\n4,5,6\n7,8,9\n";
    pg_error err = { 0 };
    pg_csv_limits cells = { 0, 10, 0 };
    assert_null(pg_csv_read_mem_limited(t, strlen(t), "t.csv", &cells, &err));
    assert_int_equal(err.code, PG_ELIMIT);
    assert_int_equal(err.line, 4); /* the 11th cell */
    assert_int_equal(err.column, 3);
    assert_non_null(strstr(err.message, "more than 10 cells"));
    cells.max_cells = 12;
    pg_csv *c = pg_csv_read_mem_limited(t, strlen(t), "t.csv", &cells, NULL);
    assert_non_null(c);
    pg_csv_free(c);

    pg_csv_limits cols = { 0, 0, 2 };
    pg_error_clear(&err);
    assert_null(pg_csv_read_mem_limited(t, strlen(t), "t.csv", &cols, &err));
    assert_int_equal(err.code, PG_ELIMIT);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 5);
    assert_non_null(strstr(err.message, "more than 2 columns"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_named_columns),
        cmocka_unit_test(test_crlf_quotes_empty_nan),
        cmocka_unit_test(test_errors_name_position),
        cmocka_unit_test(test_bad_number_position),
        cmocka_unit_test(test_header_only_and_blank_lines),
        cmocka_unit_test(test_format_double_is_repr),
        cmocka_unit_test(test_format_round_trips_golden_text),
        cmocka_unit_test(test_rng_is_seeded),
        cmocka_unit_test(test_dev_zero_fails_at_once),
        cmocka_unit_test(test_size_caps),
        cmocka_unit_test(test_cell_and_column_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
