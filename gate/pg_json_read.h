/*
 * pg_json_read.h - perfgate's one JSON reader, for code that wants a tree.
 *
 * Every JSON document perfgate reads (results, budgets, merge shards, an
 * ab verdict, a benchmark program's output) goes through gate/json.c: a
 * UTF-8 byte order mark is skipped, duplicate member names keep the last
 * value, depth and size are capped (docs/limits.md), and an error names
 * file:line:column.  jansson only writes; code that copies a document's
 * members into its own output (merge, evidence, the instruction-count
 * rewrite) takes the document from here as a jansson tree, so a file one
 * command accepts is accepted, and read alike, by every other.
 *
 * Numbers are held as the results reader reads them (pg_results_environment
 * prints them alike): an integer (no '.', 'e' or 'E') that fits 64 bits as a
 * jansson integer, any other number as a real.  A number beyond a double's
 * range (1e400), which no jansson value holds, is kept as the string of its
 * source text, so nothing is lost in a copy.
 */
#ifndef PG_JSON_READ_H
#define PG_JSON_READ_H

#include <stddef.h>

#include <jansson.h>

#include "pg_error.h"

/* The whole input of path (a file, a pipe, /dev/stdin), within the input
 * size limit; free() it.  NULL with err set on failure. */
char *pg_json_read_input(const char *path, size_t *len, pg_error *err);

/* The document text[0..len) as a jansson tree (json_decref it); name is
 * the file named in errors.  NULL with err set (PG_EPARSE, PG_ELIMIT,
 * PG_ENOMEM) on failure. */
json_t *pg_json_tree(const char *text, size_t len, const char *name, pg_error *err);

/* As pg_json_tree, reading path (pg_json_read_input's rules). */
json_t *pg_json_tree_file(const char *path, pg_error *err);

#endif
