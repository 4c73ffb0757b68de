/*
 * escape.c - the escapers of pg_escape.h, one per output language.
 */
#include "pg_escape.h"

#include <string.h>

/* The escape for the character at p (its bytes: *n), or "" to copy it. */
static const char *escape_at(const unsigned char *p, size_t *n, char buf[8])
{
    *n = 1;
    if (*p < 0x20 || *p == 0x7f) {
        snprintf(buf, 8, "\\x%02x", *p);
        return buf;
    }
    if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
        *n = 2;
        snprintf(buf, 8, "\\u%04x", p[1]);
        return buf;
    }
    return "";
}

void pg_escape_term_put(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        char buf[8];
        size_t n;
        const char *e = escape_at(p, &n, buf);
        if (*e)
            fputs(e, f);
        else
            fputc(*p, f);
        p += n;
    }
}

char *pg_escape_term(const char *s, char *out, size_t len)
{
    if (!len)
        return out;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        char buf[8];
        size_t n;
        const char *e = escape_at(p, &n, buf);
        size_t el = *e ? strlen(e) : 1;
        if (o + el >= len)
            break;
        if (*e)
            memcpy(out + o, e, el);
        else
            out[o] = (char)*p;
        o += el;
        p += n;
    }
    out[o] = '\0';
    return out;
}

/* The entity of a markup-significant byte in XML or HTML (apos: the
 * language's spelling of the single quote), NULL for the others. */
static const char *markup_entity(unsigned char c, const char *apos)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return apos;
    case '\t': return "&#9;";
    case '\n': return "&#10;";
    default: return NULL;
    }
}

void pg_escape_xml(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *e = c == '\r' ? "&#13;" : markup_entity(c, "&apos;");
        if (e) {
            fputs(e, f);
        } else if (c == 0xEF && (unsigned char)s[1] == 0xBF &&
                   ((unsigned char)s[2] & 0xFE) == 0xBE) {
            /* the noncharacters U+FFFE and U+FFFF (EF BF BE, EF BF BF),
             * which XML 1.0 forbids even as references */
            fputc('?', f);
            s += 2;
        } else {
            fputc(c < 0x20 || c == 0x7f ? '?' : (int)c, f);
        }
    }
}

void pg_escape_html(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *e = markup_entity(c, "&#39;");
        if (e)
            fputs(e, f);
        else if (c < 0x20 || c == 0x7f)
            fputs("&#65533;", f);
        else
            fputc(c, f);
    }
}

void pg_escape_md(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '&')
            fputs("&amp;", f);
        else if (c < 0x20 || c == 0x7f)
            fputc(' ', f);
        else if (strchr("|`*_[]\\#!~", c))
            fprintf(f, "\\%c", c);
        else
            fputc(c, f);
    }
}

void pg_escape_csv(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
