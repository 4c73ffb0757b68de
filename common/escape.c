/*
 * escape.c - the escapers of pg_escape.h, one per output language.
 */
#include "pg_escape.h"

#include <string.h>

void pg_escape_term(const char *s, char *buf, size_t len)
{
    if (len == 0)
        return;
    size_t n = 0;
    for (; s && *s && n + 1 < len; s++) {
        unsigned char c = (unsigned char)*s;
        buf[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    buf[n] = '\0';
}

void pg_escape_term_put(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        fputc(c < 0x20 || c == 0x7f ? '?' : (int)c, f);
    }
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
        if (e)
            fputs(e, f);
        else
            fputc(c < 0x20 || c == 0x7f ? '?' : (int)c, f);
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
