/*
 * strmap.c - a string -> index map for benchmark names.
 *
 * Open addressing with linear probing, FNV-1a hashes, load kept under 1/2.
 * The trend table and the report look names up once per cell, so a
 * 200 x 500 history makes 100,000 lookups: a sorted array would do, but
 * this is as short and does not care in which order names arrive.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct reports_strmap {
    char **keys;
    long *values;
    size_t cap, count; /* cap is a power of two */
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

reports_strmap *reports_strmap_create(void)
{
    reports_strmap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cap = 64;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->values = calloc(m->cap, sizeof *m->values);
    if (!m->keys || !m->values) {
        reports_strmap_destroy(m);
        return NULL;
    }
    return m;
}

void reports_strmap_destroy(reports_strmap *m)
{
    if (!m)
        return;
    if (m->keys)
        for (size_t i = 0; i < m->cap; i++)
            free(m->keys[i]);
    free(m->keys);
    free(m->values);
    free(m);
}

static size_t slot_of(char *const *keys, size_t cap, const char *key)
{
    size_t i = (size_t)fnv1a(key) & (cap - 1);
    while (keys[i] && strcmp(keys[i], key))
        i = (i + 1) & (cap - 1);
    return i;
}

long reports_strmap_get(const reports_strmap *m, const char *key)
{
    size_t i = slot_of(m->keys, m->cap, key);
    return m->keys[i] ? m->values[i] : -1;
}

static int rehash(reports_strmap *m)
{
    size_t cap = m->cap * 2;
    char **keys = calloc(cap, sizeof *keys);
    long *values = calloc(cap, sizeof *values);
    if (!keys || !values) {
        free(keys);
        free(values);
        return PG_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = slot_of(keys, cap, m->keys[i]);
        keys[j] = m->keys[i];
        values[j] = m->values[i];
    }
    free(m->keys);
    free(m->values);
    m->keys = keys;
    m->values = values;
    m->cap = cap;
    return 0;
}

int reports_strmap_put(reports_strmap *m, const char *key, long value)
{
    if ((m->count + 1) * 2 > m->cap && rehash(m) < 0)
        return PG_ENOMEM;
    size_t i = slot_of(m->keys, m->cap, key);
    if (!m->keys[i]) {
        m->keys[i] = strdup(key);
        if (!m->keys[i])
            return PG_ENOMEM;
        m->count++;
    }
    m->values[i] = value;
    return 0;
}
