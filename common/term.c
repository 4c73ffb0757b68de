/* term.c - control characters shown, not obeyed (pg_term.h). */
#include "pg_term.h"

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

void pg_term_write(FILE *f, const char *s)
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
