/*
 * test_term.c - common/term.c: control characters reach a terminal as
 * text (\xNN, \u00NN), never raw; everything else passes unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_term.h"

static void test_escapes(void **state)
{
    (void)state;
    char out[256];
    assert_string_equal(pg_escape_term("plain/name é 日本", out, sizeof out), "plain/name é 日本");
    assert_string_equal(pg_escape_term("\033]0;pwned\007", out, sizeof out), "\\x1b]0;pwned\\x07");
    assert_string_equal(pg_escape_term("a\tb\nc\rd\x7f", out, sizeof out), "a\\x09b\\x0ac\\x0dd\\x7f");
    /* C1 CSI (U+009B) is a control to many terminals */
    assert_string_equal(pg_escape_term("x\xc2\x9b" "31m", out, sizeof out), "x\\u009b31m");
    /* U+00A0 is not a control */
    assert_string_equal(pg_escape_term("\xc2\xa0", out, sizeof out), "\xc2\xa0");
    assert_string_equal(pg_escape_term(NULL, out, sizeof out), "");
    /* a short buffer cuts before an escape, never inside one */
    char tiny[6];
    assert_string_equal(pg_escape_term("ab\033c", tiny, sizeof tiny), "ab");
}

static void test_stream_and_no_raw_controls(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    /* every byte from 1 to 255 after an 'x' */
    char all[512];
    size_t n = 0;
    for (int c = 1; c < 256; c++) {
        all[n++] = 'x';
        all[n++] = (char)c;
    }
    all[n] = '\0';
    pg_term_write(f, all);
    pg_term_write(f, NULL);
    fclose(f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        assert_false(c < 0x20 || c == 0x7f);
        if (c == 0xc2)
            assert_false((unsigned char)buf[i + 1] >= 0x80 && (unsigned char)buf[i + 1] <= 0x9f);
    }
    char want[2048];
    pg_escape_term(all, want, sizeof want);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf, want, len);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_stream_and_no_raw_controls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
