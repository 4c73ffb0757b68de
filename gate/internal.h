/*
 * internal.h - helpers shared inside gate/ (never included from elsewhere).
 */
#ifndef PG_GATE_INTERNAL_H
#define PG_GATE_INTERNAL_H

#include <stddef.h>

#include <stdio.h>

#include "pg_error.h"
#include "pg_escape.h"
#include "pg_gate.h"

/* ---- json.c: a position-keeping JSON reader ---- */

#define PJ_MAX_DEPTH 64
#define PJ_MAX_DEPTH_STR "64"
/* Parsed values one arena may hold (one results row, the context and
 * perfgate blocks, a budget file): beyond it a clear error, not a swap storm. */
#define PJ_MAX_ARENA_BYTES ((size_t)256 << 20)
#define PJ_MAX_ARENA_STR "256 MiB"
/* The largest results or budget file read (positions are 32-bit). */
#define PG_MAX_INPUT_BYTES ((size_t)0x7fffffff)
#define PG_MAX_INPUT_STR "2 GiB"

typedef struct pj_arena pj_arena;
pj_arena *pj_arena_create(void);
void pj_arena_reset(pj_arena *a);   /* frees all nodes, keeps one block */
void pj_arena_destroy(pj_arena *a); /* NULL is a no-op */
void *pj_alloc(pj_arena *a, size_t size);
char *pj_strdup(pj_arena *a, const char *s);
/* 1 when s is well-formed UTF-8 (RFC 3629), as JSON needs; 0 too for NULL. */
int pj_utf8_valid(const char *s);

enum { PJ_NULL, PJ_FALSE, PJ_TRUE, PJ_NUMBER, PJ_STRING, PJ_ARRAY, PJ_OBJECT };

typedef struct pj_node {
    int type;              /* PJ_... */
    int line, column;      /* where the value starts, 1-based */
    const char *key;       /* member name when inside an object, else NULL */
    char *str;             /* PJ_STRING: decoded UTF-8, NUL terminated */
    const char *text;      /* PJ_NUMBER: source text (not terminated) */
    size_t len;            /* length of str or text */
    struct pj_node *child; /* first element / member */
    struct pj_node *next;  /* next sibling */
    size_t count;          /* number of elements / members */
} pj_node;

typedef struct pj_reader {
    const char *start, *p, *end, *line_start;
    int line, depth, failed;
    const char *file;
    pg_error *err;
    /* Where the reader is, as a stack of member names / indices; the JSON
     * pointer string is only built when an error is reported. */
    struct {
        const char *key;
        size_t index;
    } frames[PJ_MAX_DEPTH + 8];
    size_t plen;       /* frames in use */
    char pointer[256]; /* filled by pj_pointer() */
} pj_reader;

void pj_reader_init(pj_reader *r, const char *text, size_t len, const char *file, pg_error *err);
void pj_skip_ws(pj_reader *r);
int pj_peek(pj_reader *r); /* next non-blank byte or -1 */
int pj_expect(pj_reader *r, char c, const char *what);
int pj_string(pj_reader *r, pj_arena *a, char **out, size_t *len);
int pj_value(pj_reader *r, pj_arena *a, pj_node **out);
int pj_finish(pj_reader *r); /* only blanks may follow */
size_t pj_ptr_push(pj_reader *r, const char *key);
size_t pj_ptr_push_index(pj_reader *r, size_t i);
void pj_ptr_pop(pj_reader *r, size_t old);
/* Builds r->pointer from the frames (plus an extra member when not NULL). */
const char *pj_pointer(pj_reader *r, const char *extra);

/* Parses a whole document; NULL with err filled on failure. */
pj_node *pj_parse(const char *text, size_t len, const char *file, pj_arena *a, pg_error *err);
/* How a number is held, by the one rule every reader follows: an integer
 * (no '.', 'e' or 'E' in its text) that fits 64 bits is PJ_INT (*i set),
 * any other number PJ_REAL (*d set, finite), and one beyond a double's
 * range (1e400) PJ_HUGE (*d is +-inf).  -1 when n is not a number, or out
 * of memory copying a long text. */
enum { PJ_INT, PJ_REAL, PJ_HUGE };
int pj_number_kind(const pj_node *n, long long *i, double *d);
const pj_node *pj_get(const pj_node *obj, const char *key);
double pj_number(const pj_node *n); /* NaN unless a number */
const char *pj_type_name(int type); /* "a string", "an object", ... */

/* Reads a whole file into a malloc'd buffer. */
char *gate_read_file(const char *path, size_t *len, pg_error *err);
/* Maps a file read-only (or reads it when it cannot be mapped); release
 * with gate_unmap_file. */
const char *gate_map_file(const char *path, size_t *len, int *mapped, pg_error *err);
void gate_unmap_file(const char *text, size_t len, int mapped);

/* ---- results.c, for the other harnesses' readers (formats.c) ---- */

/* A benchmark of run named name (copied), or NULL when memory ran out. */
pg_result *gate_results_add(pg_results *run, const char *name, int line, int column);
int gate_results_push(pg_result *b, double real_ns, double cpu_ns); /* 0 or PG_ENOMEM */
pj_arena *gate_results_arena(pg_results *run);
/* The run's "context" and "perfgate" objects (allocated in its arena). */
void gate_results_set_blocks(pg_results *run, const pj_node *context, const pj_node *perfgate);

/* formats.c: each fills run from root (parsed from file) or returns an
 * error code with err set at the offending value's line:column. */
int gate_read_pytest(pg_results *run, const pj_node *root, const char *file, pg_error *err);
int gate_read_hyperfine(pg_results *run, const pj_node *root, const char *file, pg_error *err);
int gate_read_asv(pg_results *run, const pj_node *root, const char *file, pg_error *err);

/* ---- budget.c ---- */

/* Specificity rank of a pattern: larger is more specific (see docs/budgets.md). */
long gate_budget_specificity(const char *pattern);
int gate_glob_is_literal(const char *pattern);
/* Whether some name matches both globs. */
int gate_glob_intersect(const char *a, const char *b);

/* ---- write.c: formatting shared by the verdict writers (write.c, ab_write.c) ---- */

/* ns as "1.23us" and the like (3 significant digits); "-" for NaN. */
void gate_write_time(double ns, char *buf, size_t len);
/* A p-value as "0.012", "<0.001", or "-" for NaN. */
void gate_write_p(double p, char *buf, size_t len);
/* Names are escaped by common/pg_escape.h: pg_escape_term, _xml, _md. */

#endif
