/*
 * redact.c - passwords out of history locations and messages (pg_redact.h).
 *
 * The rules follow libpq's own parsers, so that what libpq would read as a
 * password is what is hidden: in a URI the userinfo runs from "://" to the
 * first '@' met before any '/', and its password follows the first ':';
 * query parameters are '&'-separated key=value pairs; a connection string
 * is `key = value` pairs whose value is single-quoted (backslash escapes)
 * or runs to the next space.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pg_redact.h"

#define MAX_SECRETS 8
#define MAX_SECRET_LEN 1024

typedef struct span {
    size_t b, e; /* [b, e) in the location */
    int kind;    /* 'u' URI text (percent-encoded), 'c' connection-string value */
} span;

static int is_uri(const char *s)
{
    return !strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11);
}

static int secret_key(const char *k, size_t n)
{
    return (n == 8 && !strncmp(k, "password", 8)) || (n == 11 && !strncmp(k, "sslpassword", 11));
}

static size_t uri_spans(const char *s, span *sp)
{
    size_t n = 0;
    const char *net = strstr(s, "://") + 3, *p = net;
    while (*p && *p != '@' && *p != '/')
        p++;
    if (*p == '@') {
        const char *colon = memchr(net, ':', (size_t)(p - net));
        if (colon)
            sp[n++] = (span){ (size_t)(colon + 1 - s), (size_t)(p - s), 'u' };
    }
    const char *q = strchr(p, '?');
    while (q && n < MAX_SECRETS) {
        const char *key = q + 1, *end = key + strcspn(key, "&");
        const char *eq = memchr(key, '=', (size_t)(end - key));
        if (eq && secret_key(key, (size_t)(eq - key)))
            sp[n++] = (span){ (size_t)(eq + 1 - s), (size_t)(end - s), 'u' };
        q = *end ? end : NULL;
    }
    return n;
}

/* Every "password = value" in a connection string, or in a message that
 * quotes one: the keyword may stand anywhere a word starts. */
static size_t conninfo_spans(const char *s, span *sp)
{
    size_t n = 0;
    for (const char *p = s; *p && n < MAX_SECRETS; p++) {
        if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
            continue;
        size_t klen = strspn(p, "abcdefghijklmnopqrstuvwxyz");
        if (!secret_key(p, klen))
            continue;
        const char *v = p + klen;
        v += strspn(v, " \t\n\r\f\v");
        if (*v != '=')
            continue;
        v++;
        v += strspn(v, " \t\n\r\f\v");
        const char *e = v;
        if (*e == '\'') {
            for (e++; *e && *e != '\''; e++)
                if (*e == '\\' && e[1])
                    e++;
            if (*e == '\'')
                e++;
        } else {
            for (; *e && !isspace((unsigned char)*e); e++)
                if (*e == '\\' && e[1])
                    e++;
        }
        if (e > v)
            sp[n++] = (span){ (size_t)(v - s), (size_t)(e - s), 'c' };
        p = e > p ? e - 1 : p;
    }
    return n;
}

static size_t find_spans(const char *s, span *sp)
{
    return is_uri(s) ? uri_spans(s, sp) : conninfo_spans(s, sp);
}

char *pg_redact_dsn(const char *where, char *out, size_t len)
{
    if (!len)
        return out;
    out[0] = '\0';
    if (!where)
        return out;
    span sp[MAX_SECRETS];
    size_t n = find_spans(where, sp), at = 0, o = 0;
    for (size_t i = 0; i <= n; i++) {
        size_t stop = i < n ? sp[i].b : strlen(where);
        for (; at < stop && o + 1 < len; at++)
            out[o++] = where[at];
        if (i == n)
            break;
        for (const char *r = PG_REDACTED; *r && o + 1 < len; r++)
            out[o++] = *r;
        at = sp[i].e;
    }
    out[o] = '\0';
    return out;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The secret as libpq reads it: percent-decoded (URI) or unquoted and
 * unescaped (connection string).  0 when it does not fit. */
static size_t decode(const char *s, const span *sp, char *out)
{
    size_t o = 0, i = sp->b, e = sp->e;
    if (sp->kind == 'c' && s[i] == '\'') {
        i++;
        if (e > i && s[e - 1] == '\'')
            e--;
    }
    for (; i < e; i++) {
        if (o + 1 >= MAX_SECRET_LEN)
            return 0;
        int c = (unsigned char)s[i];
        if (sp->kind == 'u' && c == '%' && i + 2 < e && hexval(s[i + 1]) >= 0 &&
            hexval(s[i + 2]) >= 0) {
            c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
            i += 2;
        } else if (sp->kind == 'c' && c == '\\' && i + 1 < e) {
            c = (unsigned char)s[++i];
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return o;
}

/* Replaces every needle in msg by PG_REDACTED, cutting what no longer
 * fits in len bytes (at most 4 KiB are kept).  Matches are found in the
 * message as it was, so a cut never leaves part of a needle behind that
 * was whole before. */
static void replace_all(char *msg, size_t len, const char *needle, size_t nlen)
{
    char out[4096];
    size_t cap = len < sizeof out ? len : sizeof out, o = 0;
    if (!nlen || !strstr(msg, needle))
        return;
    for (const char *p = msg; *p && o + 1 < cap;) {
        if (!strncmp(p, needle, nlen)) {
            for (const char *r = PG_REDACTED; *r && o + 1 < cap; r++)
                out[o++] = *r;
            p += nlen;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    memcpy(msg, out, o + 1);
}

void pg_redact_secret(char *msg, size_t len, const char *where)
{
    if (!msg || !len || !where)
        return;
    span sp[MAX_SECRETS];
    size_t n = find_spans(where, sp);
    for (size_t i = 0; i < n; i++) {
        char raw[MAX_SECRET_LEN], plain[MAX_SECRET_LEN];
        size_t rlen = sp[i].e - sp[i].b;
        size_t plen = decode(where, &sp[i], plain);
        if (rlen >= sizeof raw || (rlen && !plen)) {
            /* Too long to look for: the message may not be shown at all. */
            snprintf(msg, len, "(message withheld: it may quote a password)");
            return;
        }
        memcpy(raw, where + sp[i].b, rlen);
        raw[rlen] = '\0';
        /* The longer form first, so that its decoded part is not left. */
        replace_all(msg, len, raw, rlen);
        replace_all(msg, len, plain, plen);
    }
}
