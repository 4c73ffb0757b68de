/*
 * json.c - a small JSON reader that remembers where every value starts.
 *
 * jansson (which perfgate uses to write JSON) reports line:column only for
 * syntax errors, and it builds about 2 s of hash tables for a 140 MB results
 * file.  The gate needs both things it lacks: the position of every value,
 * so a wrong type in a budget file is reported at its line:column, and a
 * results reader fast enough for 10,000 benchmarks x 30 repetitions (twice,
 * with a baseline) in well under a second.  So this reader:
 *
 *  - parses RFC 8259 JSON into nodes bump-allocated from an arena, each with
 *    its 1-based line and byte column; objects keep member order;
 *  - keeps numbers as their source text and converts on demand (most numbers
 *    in a Google Benchmark file are never looked at);
 *  - can be driven one value at a time (pj_value), so the results reader
 *    walks "benchmarks" element by element and recycles the arena;
 *  - rejects what hostile input tends to carry: nesting deeper than
 *    PJ_MAX_DEPTH, raw control characters and NUL bytes in strings, bad
 *    escapes and unpaired surrogates, trailing garbage.
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- arena ---------------------------------------------------------- */

typedef struct pj_block {
    struct pj_block *next;
    size_t used, cap;
    unsigned char data[];
} pj_block;

struct pj_arena {
    pj_block *head;
    size_t total; /* bytes of blocks held */
    int over;     /* an allocation was refused for PJ_MAX_ARENA_BYTES */
};

pj_arena *pj_arena_create(void)
{
    return calloc(1, sizeof(pj_arena));
}

void pj_arena_reset(pj_arena *a)
{
    if (!a || !a->head)
        return;
    /* Keep the newest (largest) block, free the rest. */
    pj_block *b = a->head->next;
    while (b) {
        pj_block *n = b->next;
        free(b);
        b = n;
    }
    a->head->next = NULL;
    a->head->used = 0;
    a->total = a->head->cap;
    a->over = 0;
}

void pj_arena_destroy(pj_arena *a)
{
    if (!a)
        return;
    pj_block *b = a->head;
    while (b) {
        pj_block *n = b->next;
        free(b);
        b = n;
    }
    free(a);
}

void *pj_alloc(pj_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    pj_block *b = a->head;
    if (!b || b->cap - b->used < size) {
        size_t cap = b ? b->cap * 2 : 64 * 1024;
        if (cap > 16u << 20)
            cap = 16u << 20;
        if (cap < size)
            cap = size;
        /* Memory stays bounded whatever the input: a value (one results row,
         * the context, a budget file) may hold PJ_MAX_ARENA_BYTES of nodes. */
        if (cap > PJ_MAX_ARENA_BYTES - a->total) {
            a->over = 1;
            return NULL;
        }
        pj_block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->cap = cap;
        nb->used = 0;
        nb->next = b;
        a->head = nb;
        a->total += cap;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

char *pj_strdup(pj_arena *a, const char *s)
{
    size_t n = strlen(s);
    char *d = pj_alloc(a, n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* ---- reader --------------------------------------------------------- */

void pj_reader_init(pj_reader *r, const char *text, size_t len, const char *file, pg_error *err)
{
    memset(r, 0, sizeof *r);
    r->p = text;
    r->start = text;
    r->end = text + len;
    r->line_start = text;
    r->line = 1;
    r->file = file;
    r->err = err;
}

static int fail_at(pj_reader *r, const char *at, int code, const char *fmt, const char *what)
{
    /* Column counts bytes on the line, 1-based, as compilers do. */
    int col = (int)(at - r->line_start) + 1;
    r->failed = 1;
    return pg_error_set(r->err, code, r->file, r->line, col, pj_pointer(r, NULL), fmt, what);
}

/* The error for a refused allocation: a documented limit, or memory. */
static int alloc_failed(pj_reader *r, const pj_arena *a)
{
    if (a->over)
        return fail_at(r, r->p, PG_ELIMIT,
                       "more than %s of JSON values held at once (see docs/limits.md)",
                       PJ_MAX_ARENA_STR);
    return fail_at(r, r->p, PG_ENOMEM, "%s", "out of memory");
}

static const char *describe(const pj_reader *r)
{
    if (r->p >= r->end)
        return "end of file";
    switch (*r->p) {
    case '{': return "'{'";
    case '}': return "'}'";
    case '[': return "'['";
    case ']': return "']'";
    case ',': return "','";
    case ':': return "':'";
    case '"': return "a string";
    default: return "an unexpected character";
    }
}

void pj_skip_ws(pj_reader *r)
{
    const char *p = r->p, *e = r->end;
    while (p < e) {
        /* indentation is runs of spaces: take them first */
        while (p < e && *p == ' ')
            p++;
        if (p >= e)
            break;
        char c = *p;
        if (c == ' ' || c == '\t' || c == '\r') {
            p++;
        } else if (c == '\n') {
            p++;
            r->line++;
            r->line_start = p;
        } else {
            break;
        }
    }
    r->p = p;
}

int pj_peek(pj_reader *r)
{
    pj_skip_ws(r);
    return r->p < r->end ? (unsigned char)*r->p : -1;
}

int pj_expect(pj_reader *r, char c, const char *what)
{
    pj_skip_ws(r);
    if (r->p >= r->end || *r->p != c)
        return fail_at(r, r->p, PG_EPARSE, "expected %s", what);
    r->p++;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int read_u4(pj_reader *r, const char *p, unsigned *out)
{
    if (r->end - p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return 0;
}

/* The first byte of [p, e) that is not part of well-formed UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or NULL.
 * JSON text is UTF-8 (RFC 8259 8.1), and every writer downstream (XML
 * above all) needs it to be. */
static const char *bad_utf8(const char *p, const char *e)
{
    const unsigned char *u = (const unsigned char *)p, *end = (const unsigned char *)e;
    while (u < end) {
        unsigned c = *u;
        if (c < 0x80) {
            u++;
            continue;
        }
        int n;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return (const char *)u;
        }
        if (end - u <= n || u[1] < lo || u[1] > hi)
            return (const char *)u;
        for (int k = 2; k <= n; k++)
            if ((u[k] & 0xC0) != 0x80)
                return (const char *)u;
        u += n + 1;
    }
    return NULL;
}

int pj_utf8_valid(const char *s)
{
    return s && !bad_utf8(s, s + strlen(s));
}

/* Reads a string at r->p (which must be '"') into the arena, UTF-8, NUL
 * terminated; *len gets its length.  Rejects NUL (as \u0000 too): names and
 * keys become C strings. */
int pj_string(pj_reader *r, pj_arena *a, char **out, size_t *len)
{
    pj_skip_ws(r);
    if (r->p >= r->end || *r->p != '"')
        return fail_at(r, r->p, PG_EPARSE, "expected a string, found %s", describe(r));
    const char *s = r->p + 1, *p = s, *e = r->end;
    /* Fast scan: the common string has no escapes. */
    while (p < e && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
        p++;
    if (p < e && *p == '"') {
        size_t n = (size_t)(p - s);
        const char *bad = bad_utf8(s, p);
        if (bad)
            return fail_at(r, bad, PG_EPARSE, "%s", "invalid UTF-8 in a string");
        char *d = pj_alloc(a, n + 1);
        if (!d)
            return alloc_failed(r, a);
        memcpy(d, s, n);
        d[n] = '\0';
        *out = d;
        if (len)
            *len = n;
        r->p = p + 1;
        return 0;
    }
    /* Slow path: escapes.  The decoded text is never longer than the source. */
    const char *q = p;
    while (q < e && *q != '"') {
        if (*q == '\\' && q + 1 < e)
            q++;
        q++;
    }
    const char *bad = bad_utf8(s, q);
    if (bad)
        return fail_at(r, bad, PG_EPARSE, "%s", "invalid UTF-8 in a string");
    size_t cap = (size_t)(q - s) + 1;
    char *d = pj_alloc(a, cap);
    if (!d)
        return alloc_failed(r, a);
    size_t n = 0;
    p = s;
    for (;;) {
        if (p >= e)
            return fail_at(r, p, PG_EPARSE, "%s", "unterminated string (expected '\"')");
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail_at(r, p, PG_EPARSE, "%s",
                           "control character in a string (expected it escaped)");
        if (c != '\\') {
            d[n++] = (char)c;
            p++;
            continue;
        }
        if (p + 1 >= e)
            return fail_at(r, p, PG_EPARSE, "%s", "unterminated string (expected '\"')");
        char esc = p[1];
        p += 2;
        switch (esc) {
        case '"': d[n++] = '"'; break;
        case '\\': d[n++] = '\\'; break;
        case '/': d[n++] = '/'; break;
        case 'b': d[n++] = '\b'; break;
        case 'f': d[n++] = '\f'; break;
        case 'n': d[n++] = '\n'; break;
        case 'r': d[n++] = '\r'; break;
        case 't': d[n++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (read_u4(r, p, &cp))
                return fail_at(r, p - 2, PG_EPARSE, "%s", "bad \\u escape (expected 4 hex digits)");
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || read_u4(r, p + 2, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return fail_at(r, p - 6, PG_EPARSE, "%s",
                                   "unpaired surrogate (expected a low surrogate \\uDC00-\\uDFFF)");
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail_at(r, p - 6, PG_EPARSE, "%s", "unpaired low surrogate");
            }
            if (cp == 0)
                return fail_at(r, p - 6, PG_EPARSE, "%s", "NUL character in a string");
            if (cp < 0x80) {
                d[n++] = (char)cp;
            } else if (cp < 0x800) {
                d[n++] = (char)(0xC0 | (cp >> 6));
                d[n++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                d[n++] = (char)(0xE0 | (cp >> 12));
                d[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                d[n++] = (char)(0x80 | (cp & 0x3F));
            } else {
                d[n++] = (char)(0xF0 | (cp >> 18));
                d[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                d[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                d[n++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            return fail_at(r, p - 2, PG_EPARSE, "%s",
                           "bad escape (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
        }
    }
    d[n] = '\0';
    *out = d;
    if (len)
        *len = n;
    r->p = p + 1;
    return 0;
}

static int number(pj_reader *r, pj_node *nd)
{
    const char *p = r->p, *e = r->end, *s = p;
    if (p < e && *p == '-')
        p++;
    if (p >= e || *p < '0' || *p > '9')
        return fail_at(r, s, PG_EPARSE, "expected a value, found %s", describe(r));
    if (*p == '0') {
        p++;
    } else {
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < e && *p == '.') {
        p++;
        if (p >= e || *p < '0' || *p > '9')
            return fail_at(r, p, PG_EPARSE, "%s", "expected a digit after '.'");
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (p >= e || *p < '0' || *p > '9')
            return fail_at(r, p, PG_EPARSE, "%s", "expected a digit in the exponent");
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    nd->type = PJ_NUMBER;
    nd->text = s;
    nd->len = (size_t)(p - s);
    r->p = p;
    return 0;
}

static int literal(pj_reader *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return fail_at(r, r->p, PG_EPARSE, "expected a value, found %s", describe(r));
    r->p += n;
    return 0;
}

size_t pj_ptr_push(pj_reader *r, const char *key)
{
    size_t old = r->plen;
    if (old < sizeof r->frames / sizeof r->frames[0]) {
        r->frames[old].key = key;
        r->frames[old].index = 0;
        r->plen = old + 1;
    }
    return old;
}

size_t pj_ptr_push_index(pj_reader *r, size_t i)
{
    size_t old = r->plen;
    if (old < sizeof r->frames / sizeof r->frames[0]) {
        r->frames[old].key = NULL;
        r->frames[old].index = i;
        r->plen = old + 1;
    }
    return old;
}

void pj_ptr_pop(pj_reader *r, size_t old)
{
    r->plen = old;
}

static void append_token(char *buf, size_t cap, size_t *n, const char *key)
{
    if (*n + 2 < cap)
        buf[(*n)++] = '/';
    /* RFC 6901: '~' is written "~0" and '/' is written "~1" */
    for (const char *k = key; *k && *n + 3 < cap; k++) {
        if (*k == '~' || *k == '/') {
            buf[(*n)++] = '~';
            buf[(*n)++] = *k == '~' ? '0' : '1';
        } else {
            buf[(*n)++] = *k;
        }
    }
    buf[*n] = '\0';
}

const char *pj_pointer(pj_reader *r, const char *extra)
{
    size_t n = 0;
    r->pointer[0] = '\0';
    for (size_t i = 0; i < r->plen; i++) {
        char idx[24];
        const char *tok = r->frames[i].key;
        if (!tok) {
            snprintf(idx, sizeof idx, "%zu", r->frames[i].index);
            tok = idx;
        }
        append_token(r->pointer, sizeof r->pointer, &n, tok);
    }
    if (extra)
        append_token(r->pointer, sizeof r->pointer, &n, extra);
    return r->pointer;
}

static int value(pj_reader *r, pj_arena *a, pj_node **out, int depth);

static int container(pj_reader *r, pj_arena *a, pj_node *nd, int depth)
{
    int is_obj = *r->p == '{';
    char close = is_obj ? '}' : ']';
    if (depth >= PJ_MAX_DEPTH)
        return fail_at(r, r->p, PG_ELIMIT, "nesting deeper than %s levels", PJ_MAX_DEPTH_STR);
    r->p++;
    nd->type = is_obj ? PJ_OBJECT : PJ_ARRAY;
    pj_node **tail = &nd->child;
    if (pj_peek(r) == close) {
        r->p++;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        size_t old;
        if (is_obj) {
            if (pj_peek(r) != '"')
                return fail_at(r, r->p, PG_EPARSE, "expected a member name (a string), found %s",
                               describe(r));
            if (pj_string(r, a, &key, NULL))
                return r->err ? r->err->code : PG_EPARSE;
            if (pj_expect(r, ':', "':' after a member name"))
                return PG_EPARSE;
            old = pj_ptr_push(r, key);
        } else {
            old = pj_ptr_push_index(r, nd->count);
        }
        pj_node *kid;
        int rc = value(r, a, &kid, depth + 1);
        if (rc)
            return rc;
        pj_ptr_pop(r, old);
        kid->key = key;
        *tail = kid;
        tail = &kid->next;
        nd->count++;
        int c = pj_peek(r);
        if (c == ',') {
            r->p++;
            continue;
        }
        if (c == close) {
            r->p++;
            return 0;
        }
        return fail_at(r, r->p, PG_EPARSE,
                       is_obj ? "expected ',' or '}' in an object, found %s"
                              : "expected ',' or ']' in an array, found %s",
                       describe(r));
    }
}

static int value(pj_reader *r, pj_arena *a, pj_node **out, int depth)
{
    pj_skip_ws(r);
    pj_node *nd = pj_alloc(a, sizeof *nd);
    if (!nd)
        return alloc_failed(r, a);
    memset(nd, 0, sizeof *nd);
    nd->line = r->line;
    nd->column = (int)(r->p - r->line_start) + 1;
    *out = nd;
    if (r->p >= r->end)
        return fail_at(r, r->p, PG_EPARSE, "expected a value, found %s", "end of file");
    int rc = 0;
    switch (*r->p) {
    case '{':
    case '[': rc = container(r, a, nd, depth); break;
    case '"':
        nd->type = PJ_STRING;
        rc = pj_string(r, a, &nd->str, &nd->len);
        break;
    case 't':
        nd->type = PJ_TRUE;
        rc = literal(r, "true", 4);
        break;
    case 'f':
        nd->type = PJ_FALSE;
        rc = literal(r, "false", 5);
        break;
    case 'n':
        nd->type = PJ_NULL;
        rc = literal(r, "null", 4);
        break;
    default: rc = number(r, nd); break;
    }
    if (rc && r->err && r->err->code)
        return r->err->code;
    return rc ? PG_EPARSE : 0;
}

int pj_value(pj_reader *r, pj_arena *a, pj_node **out)
{
    return value(r, a, out, r->depth);
}

int pj_finish(pj_reader *r)
{
    pj_skip_ws(r);
    if (r->p != r->end)
        return fail_at(r, r->p, PG_EPARSE,
                       "expected end of file after the top-level value, found %s", describe(r));
    return 0;
}

pj_node *pj_parse(const char *text, size_t len, const char *file, pj_arena *a, pg_error *err)
{
    pj_reader r;
    pj_reader_init(&r, text, len, file, err);
    /* A UTF-8 byte order mark is tolerated, as many editors write one. */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        r.p += 3;
    pj_node *root;
    if (pj_value(&r, a, &root) || pj_finish(&r))
        return NULL;
    return root;
}

/* ---- access --------------------------------------------------------- */

const pj_node *pj_get(const pj_node *obj, const char *key)
{
    if (!obj || obj->type != PJ_OBJECT)
        return NULL;
    const pj_node *found = NULL;
    for (const pj_node *k = obj->child; k; k = k->next)
        if (!strcmp(k->key, key))
            found = k; /* the last duplicate wins, as in jansson */
    return found;
}

/* 10^k for the fast path; exact as long double up to 10^27. */
static const long double pow10tab[] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
};

double pj_number(const pj_node *n)
{
    if (!n || n->type != PJ_NUMBER)
        return NAN;
    /* Fast path: up to 19 significant digits and a small exponent are
     * converted through an exact 64-bit mantissa and an exact power of ten
     * in long double; the one rounding to double makes it correct to within
     * half an ulp or so, far below any timer's resolution.  Everything else
     * goes through strtod. */
    const char *p = n->text, *e = n->text + n->len;
    int neg = 0;
    if (p < e && *p == '-') {
        neg = 1;
        p++;
    }
    uint64_t m = 0;
    int digits = 0, exp10 = 0;
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        if (digits < 19) {
            m = m * 10 + (uint64_t)(*p - '0');
            if (m)
                digits++;
        } else {
            exp10++;
        }
    }
    if (p < e && *p == '.') {
        for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
            if (digits < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                if (m)
                    digits++;
                exp10--;
            }
        }
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0, ev = 0;
        if (p < e && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        for (; p < e && *p >= '0' && *p <= '9'; p++)
            if (ev < 100000)
                ev = ev * 10 + (*p - '0');
        exp10 += eneg ? -ev : ev;
    }
    if (digits < 19 && exp10 >= -27 && exp10 <= 27) {
        long double v = (long double)m;
        v = exp10 < 0 ? v / pow10tab[-exp10] : v * pow10tab[exp10];
        return neg ? -(double)v : (double)v;
    }
    char buf[512];
    if (n->len >= sizeof buf)
        return NAN;
    memcpy(buf, n->text, n->len);
    buf[n->len] = '\0';
    return strtod(buf, NULL);
}

const char *pj_type_name(int type)
{
    switch (type) {
    case PJ_NULL: return "null";
    case PJ_FALSE:
    case PJ_TRUE: return "a boolean";
    case PJ_NUMBER: return "a number";
    case PJ_STRING: return "a string";
    case PJ_ARRAY: return "an array";
    case PJ_OBJECT: return "an object";
    default: return "nothing";
    }
}

int pj_number_kind(const pj_node *n, long long *i, double *d)
{
    if (!n || n->type != PJ_NUMBER)
        return -1;
    char stack[128], *t = n->len < sizeof stack ? stack : malloc(n->len + 1);
    if (!t)
        return -1;
    memcpy(t, n->text, n->len);
    t[n->len] = '\0';
    int kind = PJ_REAL;
    if (!strpbrk(t, ".eE")) {
        errno = 0;
        *i = strtoll(t, NULL, 10);
        if (errno != ERANGE)
            kind = PJ_INT;
    }
    if (kind == PJ_REAL) {
        *d = strtod(t, NULL);
        if (!isfinite(*d))
            kind = PJ_HUGE;
    }
    if (t != stack)
        free(t);
    return kind;
}

/* ---- files ---------------------------------------------------------- */

const char *gate_map_file(const char *path, size_t *len, int *mapped, pg_error *err)
{
    *mapped = 0;
    int fd = open(path, O_RDONLY);
    struct stat st;
    int regular = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (regular && (unsigned long long)st.st_size > PG_MAX_INPUT_BYTES) {
        close(fd);
        pg_error_set(err, PG_ELIMIT, path, 0, 0, NULL,
                     "the file is %lld bytes, larger than the %s limit (see docs/limits.md)",
                     (long long)st.st_size, PG_MAX_INPUT_STR);
        return NULL;
    }
    if (regular && st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            close(fd);
            *len = (size_t)st.st_size;
            *mapped = 1;
            return p;
        }
    }
    if (fd >= 0)
        close(fd);
    return gate_read_file(path, len, err);
}

void gate_unmap_file(const char *text, size_t len, int mapped)
{
    if (mapped)
        munmap((void *)text, len);
    else
        free((void *)text);
}

char *gate_read_file(const char *path, size_t *len, pg_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long sz = ftell(f);
        if (sz > 0)
            cap = (size_t)sz + 1;
        fseek(f, 0, SEEK_SET);
    }
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        pg_error_set(err, PG_ENOMEM, path, 0, 0, NULL, "out of memory reading the file");
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                pg_error_set(err, PG_ENOMEM, path, 0, 0, NULL, "out of memory reading the file");
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n > PG_MAX_INPUT_BYTES) {
            free(buf);
            fclose(f);
            pg_error_set(err, PG_ELIMIT, path, 0, 0, NULL,
                         "more than %s to read (see docs/limits.md)", PG_MAX_INPUT_STR);
            return NULL;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot read the file");
        return NULL;
    }
    *len = n;
    return buf;
}
