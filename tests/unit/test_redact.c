/*
 * test_redact.c - common/redact.c: a PostgreSQL password never survives
 * pg_redact_dsn or pg_redact_secret, and nothing else is changed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pg_redact.h"

static void dsn_is(const char *in, const char *want)
{
    char out[512];
    assert_string_equal(pg_redact_dsn(in, out, sizeof out), want);
}

static void test_uri_userinfo(void **state)
{
    (void)state;
    dsn_is("postgresql://ci:s3cret@db.example/perf", "postgresql://ci:***@db.example/perf");
    dsn_is("postgres://ci:p%40ss@db/perf?sslmode=require",
           "postgres://ci:***@db/perf?sslmode=require");
    /* libpq: the userinfo ends at the first '@' before any '/' */
    dsn_is("postgresql://u:a:b@h:5432,h2/db", "postgresql://u:***@h:5432,h2/db");
    dsn_is("postgresql://u:@h/db", "postgresql://u:***@h/db");
    /* no password: nothing to hide */
    dsn_is("postgresql://ci@db/perf", "postgresql://ci@db/perf");
    dsn_is("postgresql:///perf?host=/tmp/x&user=me", "postgresql:///perf?host=/tmp/x&user=me");
    dsn_is("postgresql://", "postgresql://");
}

static void test_uri_query(void **state)
{
    (void)state;
    dsn_is("postgresql:///db?user=u&password=hunter2&sslmode=disable",
           "postgresql:///db?user=u&password=***&sslmode=disable");
    dsn_is("postgresql://h/db?password=x&sslpassword=y",
           "postgresql://h/db?password=***&sslpassword=***");
    dsn_is("postgresql://a:b@h/db?password=c", "postgresql://a:***@h/db?password=***");
    /* a key that merely ends in "password" is not one */
    dsn_is("postgresql://h/db?mypassword=x", "postgresql://h/db?mypassword=x");
}

static void test_conninfo(void **state)
{
    (void)state;
    dsn_is("host=db user=ci password=s3cret dbname=perf",
           "host=db user=ci password=*** dbname=perf");
    dsn_is("password = 'two words\\' here' host=x", "password = *** host=x");
    dsn_is("sslpassword=k", "sslpassword=***");
    dsn_is("nopassword=x", "nopassword=x");
    /* a SQLite path is left as it is */
    dsn_is("perfgate-out/history.sqlite", "perfgate-out/history.sqlite");
    dsn_is(NULL, "");
    char tiny[8];
    assert_string_equal(pg_redact_dsn("postgresql://u:secretsecret@h", tiny, sizeof tiny),
                        "postgre");
}

static void test_secret_in_message(void **state)
{
    (void)state;
    char msg[256];
    strcpy(msg, "connection to \"postgresql://ci:s3cret@db/x\" failed: s3cret? yes s3cret");
    pg_redact_secret(msg, sizeof msg, "postgresql://ci:s3cret@db/x");
    assert_null(strstr(msg, "s3cret"));
    assert_string_equal(msg, "connection to \"postgresql://ci:***@db/x\" failed: ***? yes ***");

    /* percent-decoded too: libpq reports the password it decoded */
    strcpy(msg, "bad password \"p@ss w\" and p%40ss%20w");
    pg_redact_secret(msg, sizeof msg, "postgresql://u:p%40ss%20w@h/db");
    assert_string_equal(msg, "bad password \"***\" and ***");

    /* a quoted connection-string value, unescaped */
    strcpy(msg, "missing \"=\" after \"it's\" in connection info string");
    pg_redact_secret(msg, sizeof msg, "password='it\\'s' host=x");
    assert_null(strstr(msg, "it's"));

    /* growth is cut at the buffer's end, never past it */
    char small[10];
    strcpy(small, "ab ab ab");
    pg_redact_secret(small, sizeof small, "postgresql://u:ab@h");
    assert_string_equal(small, "*** *** *");

    /* no password: the message is untouched */
    strcpy(msg, "could not connect");
    pg_redact_secret(msg, sizeof msg, "postgresql://h/db");
    assert_string_equal(msg, "could not connect");
    pg_redact_secret(msg, sizeof msg, NULL);
    assert_string_equal(msg, "could not connect");
}

static void test_long_secret_withheld(void **state)
{
    (void)state;
    char where[2100] = "postgresql://u:", msg[256];
    memset(where + 15, 'x', 2000);
    strcpy(where + 2015, "@h/db");
    strcpy(msg, "anything");
    pg_redact_secret(msg, sizeof msg, where);
    assert_null(strstr(msg, "xxx"));
    assert_non_null(strstr(msg, "withheld"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_userinfo),
        cmocka_unit_test(test_uri_query),
        cmocka_unit_test(test_conninfo),
        cmocka_unit_test(test_secret_in_message),
        cmocka_unit_test(test_long_secret_withheld),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
