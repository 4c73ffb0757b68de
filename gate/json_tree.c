/*
 * json_tree.c - the one JSON reader (json.c) handing a jansson tree to the
 * code that copies documents (pg_json_read.h).
 */
#include <stdlib.h>

#include "internal.h"
#include "pg_json_read.h"

static json_t *number(const pj_node *n)
{
    long long i = 0;
    double d = 0;
    switch (pj_number_kind(n, &i, &d)) {
    case PJ_INT: return json_integer((json_int_t)i);
    case PJ_REAL: return json_real(d);
    case PJ_HUGE: return json_stringn(n->text, n->len);
    default: return NULL;
    }
}

/* n as a jansson value; NULL when out of memory.  The reader capped the
 * depth (PJ_MAX_DEPTH), so the recursion is bounded. */
static json_t *convert(const pj_node *n)
{
    json_t *v = NULL;
    switch (n->type) {
    case PJ_NULL: return json_null();
    case PJ_FALSE: return json_false();
    case PJ_TRUE: return json_true();
    case PJ_NUMBER: return number(n);
    case PJ_STRING: return json_stringn(n->str, n->len);
    case PJ_ARRAY:
        v = json_array();
        for (const pj_node *c = n->child; v && c; c = c->next) {
            json_t *e = convert(c);
            if (!e || json_array_append_new(v, e)) {
                json_decref(v);
                v = NULL;
            }
        }
        return v;
    case PJ_OBJECT:
        v = json_object();
        /* json_object_set_new replaces: the last of duplicates wins, as in
         * every other reader of perfgate. */
        for (const pj_node *c = n->child; v && c; c = c->next) {
            json_t *e = convert(c);
            if (!e || json_object_set_new(v, c->key, e)) {
                json_decref(v);
                v = NULL;
            }
        }
        return v;
    default: return NULL;
    }
}

json_t *pg_json_tree(const char *text, size_t len, const char *name, pg_error *err)
{
    pj_arena *a = pj_arena_create();
    if (!a) {
        pg_error_set(err, PG_ENOMEM, name, 0, 0, NULL, "out of memory");
        return NULL;
    }
    json_t *tree = NULL;
    pj_node *root = pj_parse(text, len, name, a, err);
    if (root && !(tree = convert(root)))
        pg_error_set(err, PG_ENOMEM, name, 0, 0, NULL, "out of memory");
    pj_arena_destroy(a);
    return tree;
}

char *pg_json_read_input(const char *path, size_t *len, pg_error *err)
{
    return gate_read_file(path, len, err);
}

json_t *pg_json_tree_file(const char *path, pg_error *err)
{
    size_t len;
    int mapped;
    const char *text = gate_map_file(path, &len, &mapped, err);
    if (!text)
        return NULL;
    json_t *tree = pg_json_tree(text, len, path, err);
    gate_unmap_file(text, len, mapped);
    return tree;
}
