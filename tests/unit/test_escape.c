/* test_escape.c - the one escaper per output language (common/escape.c),
 * on hostile names: control characters, markup, quotes, separators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_escape.h"

/* What fn writes for s, malloc'd. */
static char *written(void (*fn)(FILE *, const char *), const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fn(f, s);
    fclose(f);
    return buf;
}

static void expect(void (*fn)(FILE *, const char *), const char *s, const char *want)
{
    char *got = written(fn, s);
    assert_string_equal(got, want);
    free(got);
}

/* Every byte 1..255 once, so that no byte passes through unexamined. */
static void all_bytes(char *s)
{
    for (int i = 1; i < 256; i++)
        s[i - 1] = (char)i;
    s[255] = '\0';
}

static void test_term(void **state)
{
    (void)state;
    char out[256];
    assert_string_equal(pg_escape_term("plain/name é 日本", out, sizeof out), "plain/name é 日本");
    assert_string_equal(pg_escape_term("\033]0;pwned\007", out, sizeof out), "\\x1b]0;pwned\\x07");
    assert_string_equal(pg_escape_term("a\tb\nc\rd\x7f", out, sizeof out),
                        "a\\x09b\\x0ac\\x0dd\\x7f");
    /* C1 CSI (U+009B) is a control to many terminals */
    assert_string_equal(pg_escape_term("x\xc2\x9b"
                                       "31m",
                                       out, sizeof out),
                        "x\\u009b31m");
    /* U+00A0 is not a control */
    assert_string_equal(pg_escape_term("\xc2\xa0", out, sizeof out), "\xc2\xa0");
    assert_string_equal(pg_escape_term(NULL, out, sizeof out), "");
    /* a short buffer cuts before an escape, never inside one */
    char tiny[6];
    assert_string_equal(pg_escape_term("ab\033c", tiny, sizeof tiny), "ab");
}

static void test_term_stream(void **state)
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
    pg_escape_term_put(f, all);
    pg_escape_term_put(f, NULL);
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

static void test_xml(void **state)
{
    (void)state;
    expect(pg_escape_xml, "<b a=\"1\" c='2'>&amp;</b>",
           "&lt;b a=&quot;1&quot; c=&apos;2&apos;&gt;&amp;amp;&lt;/b&gt;");
    expect(pg_escape_xml,
           "a\tb\nc\rd\x01"
           "e\x7f",
           "a&#9;b&#10;c&#13;d?e?");
    char all[256];
    all_bytes(all);
    char *got = written(pg_escape_xml, all);
    for (const char *p = got; *p; p++) {
        assert_false(*p == '<' || *p == '>' || *p == '"' || *p == '\'');
        assert_false((unsigned char)*p < 0x20 || *p == 0x7f); /* XML 1.0 forbids them */
        if (*p == '&')
            assert_non_null(strchr(p, ';'));
    }
    free(got);
}

static void test_html(void **state)
{
    (void)state;
    expect(pg_escape_html, "<script>alert('x')</script>",
           "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(pg_escape_html, "\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
    expect(pg_escape_html, "a\nb\tc\x1b", "a&#10;b&#9;c&#65533;");
    expect(pg_escape_html, NULL, "");
}

static void test_md(void **state)
{
    (void)state;
    /* No new cell, row, code span, link, image, emphasis or raw HTML. */
    expect(pg_escape_md, "x|y`z", "x\\|y\\`z");
    expect(pg_escape_md, "[a](http://e)![i](j)", "\\[a\\](http://e)\\!\\[i\\](j)");
    expect(pg_escape_md, "*b* _i_ ~s~ #h \\", "\\*b\\* \\_i\\_ \\~s\\~ \\#h \\\\");
    expect(pg_escape_md, "<img src=x onerror=alert(1)>&",
           "&lt;img src=x onerror=alert(1)&gt;&amp;");
    expect(pg_escape_md, "a\nb\r\n|c\x1b", "a b  \\|c ");
}

static void test_csv(void **state)
{
    (void)state;
    expect(pg_escape_csv, "plain", "plain");
    expect(pg_escape_csv, "a,b", "\"a,b\"");
    expect(pg_escape_csv, "say \"hi\"", "\"say \"\"hi\"\"\"");
    expect(pg_escape_csv, "two\nlines\r", "\"two\nlines\r\"");
    expect(pg_escape_csv, "", "");
    expect(pg_escape_csv, NULL, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_term), cmocka_unit_test(test_term_stream), cmocka_unit_test(test_xml),
        cmocka_unit_test(test_html), cmocka_unit_test(test_md),          cmocka_unit_test(test_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
