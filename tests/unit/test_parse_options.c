/* test_parse_options.c - cli/parse_options.c: every option type, both
 * spellings of a value, `--`, positional arguments left in order, and the
 * help and error texts that come from the same table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The parser lives in the perfgate executable, not in a library. */
#include "../../cli/parse_options.c"
#include "../../cli/util.c"

struct vals {
    const char *name, *items[3], *pass[2];
    int flag;
    long count;
    double ratio;
    pg_opt_list list, passed;
    int called;
};

static int callback(const pg_option *opt, const char *arg)
{
    struct vals *v = opt->value;
    v->called++;
    return strcmp(arg, "bad") ? 0 : -1;
}

/* Runs the parser on a NULL-ended argv with stdout and stderr captured
 * into out and err (each up to 4095 characters). */
static int parse(struct vals *v, unsigned flags, char *out, char *err, char **argv)
{
    memset(v, 0, sizeof *v);
    v->count = 7;
    v->list = (pg_opt_list){ v->items, 0, 3 };
    v->passed = (pg_opt_list){ v->pass, 0, 2 };
    const pg_option options[] = {
        PG_OPT_STRING('n', "name", &v->name, "NAME", "a name"),
        PG_OPT_BOOL(0, "flag", &v->flag, "a flag\nover two lines"),
        PG_OPT_INT(0, "count", &v->count, "N", 1, 10, "a count"),
        PG_OPT_DOUBLE(0, "ratio", &v->ratio, "X", "a ratio"),
        PG_OPT_LIST(0, "item", &v->list, "I", "an item (repeatable)"),
        PG_OPT_CALLBACK(0, "call", v, "V", "a callback", callback),
        PG_OPT_STRING(0, "alias", &v->name, "NAME", NULL),
        PG_OPT_PASSTHRU("seed=", &v->passed),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = {
        "test", "usage: perfgate test [options] ARGS\n", options, NULL, "exit status: 0\n", flags
    };
    int argc = 0;
    while (argv[argc])
        argc++;
    FILE *fo = tmpfile(), *fe = tmpfile();
    assert_non_null(fo);
    assert_non_null(fe);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    int rc = pg_parse_options(&spec, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    size_t n;
    rewind(fo);
    n = fread(out, 1, 4095, fo);
    out[n] = '\0';
    rewind(fe);
    n = fread(err, 1, 4095, fe);
    err[n] = '\0';
    fclose(fo);
    fclose(fe);
    return rc;
}

static void test_values(void **state)
{
    (void)state;
    struct vals v;
    char out[4096], err[4096];
    char *argv[] = { "test",        "a",      "--name=x", "--count",   "3",      "b",  "--flag",
                     "--ratio=0.5", "--item", "i1",       "--item=i2", "--call", "ok", "--seed=9",
                     "-",           "--",     "--flag",   "-n",        NULL };
    int rc = parse(&v, 0, out, err, argv);
    assert_int_equal(rc, 5);
    assert_string_equal(argv[0], "a");
    assert_string_equal(argv[1], "b");
    assert_string_equal(argv[2], "-");
    assert_string_equal(argv[3], "--flag"); /* after `--`: positional */
    assert_string_equal(argv[4], "-n");
    assert_string_equal(v.name, "x");
    assert_int_equal(v.count, 3);
    assert_int_equal(v.flag, 1);
    assert_true(v.ratio == 0.5);
    assert_int_equal(v.list.n, 2);
    assert_string_equal(v.items[1], "i2");
    assert_int_equal(v.called, 1);
    assert_int_equal(v.passed.n, 1);
    assert_string_equal(v.pass[0], "--seed=9");
    assert_string_equal(out, "");
    assert_string_equal(err, "");

    char *shorts[] = { "test", "-n", "y", NULL };
    assert_int_equal(parse(&v, 0, out, err, shorts), 0);
    assert_string_equal(v.name, "y");
    char *glued[] = { "test", "-nz", "--alias", "w", "--", NULL };
    assert_int_equal(parse(&v, 0, out, err, glued), 0);
    assert_string_equal(v.name, "w");
    char *keep[] = { "test", "a", "--", "b", NULL };
    assert_int_equal(parse(&v, PG_PARSE_KEEP_DASHDASH, out, err, keep), 3);
    assert_string_equal(keep[1], "--");
}

static void test_help(void **state)
{
    (void)state;
    struct vals v;
    char out[4096], err[4096];
    char *argv[] = { "test", "x", "--help", "--no-such", NULL };
    assert_int_equal(parse(&v, 0, out, err, argv), PG_OPT_HELP);
    assert_int_equal(pg_opt_status(PG_OPT_HELP), 0);
    assert_string_equal(err, "");
    const char *want = "usage: perfgate test [options] ARGS\n"
                       "\n"
                       "  -n, --name NAME   a name\n"
                       "  --flag            a flag\n"
                       "                    over two lines\n"
                       "  --count N         a count\n"
                       "  --ratio X         a ratio\n"
                       "  --item I          an item (repeatable)\n"
                       "  --call V          a callback\n"
                       "\n"
                       "exit status: 0\n";
    assert_string_equal(out, want);
    char *shorth[] = { "test", "-h", NULL };
    assert_int_equal(parse(&v, 0, out, err, shorth), PG_OPT_HELP);
    assert_string_equal(out, want);
}

static void test_errors(void **state)
{
    (void)state;
    struct vals v;
    char out[4096], err[4096];
    static const struct {
        const char *args[4], *needle;
    } cases[] = {
        { { "--nmae", "x" },
          "perfgate: test: unknown option '--nmae'; did you mean '--name'?\n"
          "usage: perfgate test" },
        { { "--nmae=x" }, "unknown option '--nmae'; did you mean '--name'?" },
        { { "--hepl" }, "did you mean '--help'?" },
        { { "-q" }, "perfgate: test: unknown option '-q'\n" },
        { { "--name" }, "perfgate: test: option '--name' needs a value\nusage:" },
        { { "--flag=1" }, "perfgate: test: option '--flag' takes no value\n" },
        { { "--count", "11" }, "perfgate: test: --count takes a number from 1 to 10, not '11'\n" },
        { { "--count=3x" }, "--count takes a number from 1 to 10, not '3x'" },
        { { "--ratio", "inf" }, "perfgate: test: --ratio takes a number, not 'inf'\n" },
        { { "--item=a", "--item=b", "--item=c", "--item=d" }, "perfgate: test: too many --item\n" },
        { { "--seed=1", "--seed=2", "--seed=3" }, "too many options to pass on, at '--seed=3'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[6] = { "test" };
        for (int k = 0; k < 4 && cases[i].args[k]; k++)
            argv[k + 1] = (char *)cases[i].args[k];
        int rc = parse(&v, 0, out, err, argv);
        if (rc != PG_OPT_ERROR || !strstr(err, cases[i].needle))
            fail_msg("case %zu: rc %d, stderr: %s", i, rc, err);
        assert_string_equal(out, "");
    }
    assert_int_equal(pg_opt_status(PG_OPT_ERROR), 2);
    char *bad[] = { "test", "--call", "bad", NULL };
    assert_int_equal(parse(&v, 0, out, err, bad), PG_OPT_ERROR);
    assert_int_equal(v.called, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
