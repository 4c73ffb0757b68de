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
    char buf[64];
    pg_escape_term("a\x1b[31mb\r\n\x7f\t", buf, sizeof buf);
    assert_string_equal(buf, "a?[31mb????");
    pg_escape_term("abcdef", buf, 4); /* cut, always terminated */
    assert_string_equal(buf, "abc");
    pg_escape_term(NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
    char all[256], out[256];
    all_bytes(all);
    pg_escape_term(all, out, sizeof out);
    for (size_t i = 0; out[i]; i++)
        assert_false((unsigned char)out[i] < 0x20 || out[i] == 0x7f);
    expect(pg_escape_term_put, "x\x1b]0;title\x07y", "x?]0;title?y");
}

static void test_xml(void **state)
{
    (void)state;
    expect(pg_escape_xml, "<b a=\"1\" c='2'>&amp;</b>",
           "&lt;b a=&quot;1&quot; c=&apos;2&apos;&gt;&amp;amp;&lt;/b&gt;");
    expect(pg_escape_xml, "a\tb\nc\rd\x01" "e\x7f", "a&#9;b&#10;c&#13;d?e?");
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
    expect(pg_escape_md, "<img src=x onerror=alert(1)>&", "&lt;img src=x onerror=alert(1)&gt;&amp;");
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
        cmocka_unit_test(test_term), cmocka_unit_test(test_xml), cmocka_unit_test(test_html),
        cmocka_unit_test(test_md),   cmocka_unit_test(test_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
