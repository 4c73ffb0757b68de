/*
 * budget.c - budget files: loading, validation against the schema
 * (budgets/schema.json, mirrored here as tables of allowed members), lint
 * across files, and resolving the policy for one benchmark.
 *
 * Every problem becomes a diagnostic with file:line:column, the JSON
 * pointer and what was expected; loading goes on after a problem so that
 * `perfgate budgets lint` reports all of them at once.
 *
 * Which budget wins (docs/budgets.md): each field (a ceiling, the
 * tolerance, the noise policy, the owner, a counter ceiling) comes from the
 * most specific matching budget that sets it.  An exact name beats any
 * glob; between globs, fewer wildcards win, then the longer literal prefix,
 * then more literal characters; a tie goes to the budget read first (files
 * in name order, budgets in file order), and lint reports ties that set a
 * limit differently.
 */
#include "internal.h"
#include "stats_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    F_REPS,
    F_ALPHA,
    F_MIN_EFFECT,
    F_SEVERITY,
    F_OWNER,
    F_REGRESSION,
    F_RELATIVE,
    F_ABS0, /* F_ABS0 + PG_ABS_... */
    F_COUNT = F_ABS0 + PG_ABS_COUNT
};

typedef struct pos {
    int line, column;
} pos;

typedef struct budget {
    const char *match;
    int literal;  /* no wildcard: an exact name */
    long spec;    /* specificity rank */
    size_t order; /* reading order, for ties */
    size_t file_index;
    const char *file;
    int line, column;
    pos match_at;     /* where its "match" is */
    int optional;     /* "optional": true: matching nothing is no problem */
    char pointer[48]; /* /budgets/N */
    unsigned set;     /* 1 << F_...: fields this budget sets */
    pos at[F_COUNT];
    int repetitions, severity, regression_metric;
    double alpha, min_effect, regression_max, regression_spread;
    double absolute[PG_ABS_COUNT];
    const char *owner;
    size_t nrelative;
    pg_relative_limit relative[PG_MAX_RELATIVE_LIMITS];
    size_t ncounters;
    pg_counter_limit counters[PG_MAX_COUNTER_LIMITS];
    pos counter_at[PG_MAX_COUNTER_LIMITS];
} budget;

/* "machine": {"calibration": {NAME: {...}}}: one calibration benchmark's
 * median time per element must lie in [min, max]. */
typedef struct machine_cal {
    const char *name;
    double min, max; /* ns per element; 0 / INFINITY when not given */
    int metric;      /* PG_METRIC_..., default CPU time */
} machine_cal;

#define MAX_MACHINE_FLAGS 32
#define MAX_MACHINE_CALS 8

typedef struct file_defaults {
    const char *path;
    int has_machine;         /* a "machine" member: the file is for one kind of machine */
    const char *machine_cpu; /* "machine": {"cpu_model": GLOB}, NULL = any model */
    const char *machine_flags[MAX_MACHINE_FLAGS]; /* "cpu_flags": all must be present */
    size_t nflags;
    machine_cal cal[MAX_MACHINE_CALS];
    size_t ncal;
    int skipped;   /* pg_budget_set_machine found another kind of machine */
    char why[256]; /* and why, for people */
    unsigned set;
    int repetitions, severity;
    double alpha, min_effect;
    const char *owner;
} file_defaults;

struct pg_budget_set {
    pj_arena *arena;
    budget *budgets;
    size_t nbudgets, cap;
    size_t *by_spec; /* budget indices, most specific first */
    int sorted;
    pg_waiver *waivers;
    size_t nwaivers, wcap;
    pos *waiver_at; /* where each waiver's "expires" is */
    char (*waiver_ptr)[48];
    file_defaults *files;
    size_t nfiles, fcap;
    pg_error *diags;
    size_t ndiags, dcap;
};

static const char *const abs_names[PG_ABS_COUNT] = {
    "median_real_time", "median_cpu_time", "real_time_per_element", "cpu_time_per_element",
    "peak_rss",         "gpu_kernel_time", "gpu_transfer_time",
};

const char *pg_abs_name(int which)
{
    return which >= 0 && which < PG_ABS_COUNT ? abs_names[which] : "?";
}

/* ---- diagnostics -------------------------------------------------------- */

static void diag(pg_budget_set *set, int code, const char *file, int line, int column,
                 const char *pointer, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

static void diag(pg_budget_set *set, int code, const char *file, int line, int column,
                 const char *pointer, const char *fmt, ...)
{
    if (set->ndiags == set->dcap) {
        size_t cap = set->dcap ? set->dcap * 2 : 8;
        pg_error *nd = realloc(set->diags, cap * sizeof *nd);
        if (!nd)
            return;
        set->diags = nd;
        set->dcap = cap;
    }
    pg_error *e = &set->diags[set->ndiags++];
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pg_error_clear(e);
    pg_error_set(e, code, file, line, column, pointer, "%s", msg);
}

size_t pg_budget_set_ndiag(const pg_budget_set *set)
{
    return set ? set->ndiags : 0;
}

const pg_error *pg_budget_set_diag(const pg_budget_set *set, size_t i)
{
    return set && i < set->ndiags ? &set->diags[i] : NULL;
}

/* ---- globs ---------------------------------------------------------------- */

int gate_glob_is_literal(const char *p)
{
    return strpbrk(p, "*?[\\") == NULL;
}

/* Checks a pattern; returns NULL or what is wrong with it. */
static const char *glob_problem(const char *p)
{
    if (!*p)
        return "expected a benchmark name or glob, found an empty string";
    if (strlen(p) > 255)
        return "expected a pattern of at most 255 bytes";
    for (const char *s = p; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            return "expected a pattern without control characters";
        if (c == '\\') {
            if (!s[1])
                return "bad glob: a trailing '\\' escapes nothing";
            s++;
        } else if (c == '[') {
            const char *q = s + 1;
            if (*q == '!' || *q == '^')
                q++;
            if (*q == ']')
                q++;
            while (*q && *q != ']')
                q++;
            if (!*q)
                return "bad glob: '[' without a closing ']'";
            s = q;
        }
    }
    return NULL;
}

/* One pattern token at p: its length, and whether it accepts byte c. */
static size_t token(const char *p, int c, int *accepts)
{
    if (*p == '?') {
        *accepts = 1;
        return 1;
    }
    if (*p == '\\') {
        *accepts = p[1] == c;
        return 2;
    }
    if (*p == '[') {
        const char *q = p + 1;
        int neg = 0, hit = 0;
        if (*q == '!' || *q == '^') {
            neg = 1;
            q++;
        }
        int first = 1;
        while (*q && (*q != ']' || first)) {
            first = 0;
            if (q[1] == '-' && q[2] && q[2] != ']') {
                if (c >= (unsigned char)q[0] && c <= (unsigned char)q[2])
                    hit = 1;
                q += 3;
            } else {
                if (c == (unsigned char)*q)
                    hit = 1;
                q++;
            }
        }
        *accepts = neg ? !hit : hit;
        return (size_t)(q - p) + (*q == ']');
    }
    *accepts = (unsigned char)*p == c;
    return 1;
}

/* Whether some string matches both a and b: a search over pairs of
 * positions in the two patterns (a product automaton). */
int gate_glob_intersect(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 255 || lb > 255)
        return 1;
    size_t w = lb + 1;
    unsigned char *seen = calloc((la + 1) * w, 1);
    size_t *stack = malloc((la + 1) * w * sizeof *stack);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return 1;
    }
    int found = 0;
    size_t sp = 0;
    stack[sp++] = 0;
    seen[0] = 1;
#define PUSH(i, j)                                                                                 \
    do {                                                                                           \
        size_t s_ = (i)*w + (j);                                                                   \
        if (!seen[s_]) {                                                                           \
            seen[s_] = 1;                                                                          \
            stack[sp++] = s_;                                                                      \
        }                                                                                          \
    } while (0)
    while (sp && !found) {
        size_t s = stack[--sp], i = s / w, j = s % w;
        if (i == la && j == lb) {
            found = 1;
            break;
        }
        if (i < la && a[i] == '*')
            PUSH(i + 1, j);
        if (j < lb && b[j] == '*')
            PUSH(i, j + 1);
        if (i == la || j == lb)
            continue;
        for (int c = 1; c < 256; c++) {
            int acc_a, acc_b;
            size_t ta = a[i] == '*' ? 0 : token(a + i, c, &acc_a);
            size_t tb = b[j] == '*' ? 0 : token(b + j, c, &acc_b);
            if (a[i] == '*')
                acc_a = 1;
            if (b[j] == '*')
                acc_b = 1;
            if (acc_a && acc_b)
                PUSH(i + ta, j + tb);
        }
    }
#undef PUSH
    free(seen);
    free(stack);
    return found;
}

long gate_budget_specificity(const char *p)
{
    if (gate_glob_is_literal(p))
        return 1L << 40;
    long wild = 0, prefix = 0, literal = 0;
    int in_prefix = 1;
    for (const char *s = p; *s; s++) {
        if (*s == '*' || *s == '?' || *s == '[') {
            wild++;
            in_prefix = 0;
            if (*s == '[') {
                int dummy;
                s += token(s, 0, &dummy) - 1;
            }
            continue;
        }
        if (*s == '\\' && s[1])
            s++;
        literal++;
        if (in_prefix)
            prefix++;
    }
    /* fewer wildcards first, then a longer literal prefix, then more literals */
    return ((255 - wild) << 20) | (prefix << 10) | literal;
}

/* Edit distance from pattern to name, where what a wildcard matches costs
 * nothing: Levenshtein over the pattern's tokens.  Stops early (returns
 * more than cutoff) once no alignment can come under cutoff.  Names and
 * patterns over 255 bytes are not compared. */
static size_t glob_distance(const char *p, const char *s, size_t cutoff)
{
    size_t ls = strlen(s);
    if (ls > 255 || strlen(p) > 255)
        return (size_t)-1;
    size_t prev[256], cur[256];
    for (size_t j = 0; j <= ls; j++)
        prev[j] = j;
    while (*p) {
        size_t tl = 1, best = (size_t)-1;
        if (*p == '*') {
            cur[0] = prev[0];
            for (size_t j = 1; j <= ls; j++)
                cur[j] = prev[j] < cur[j - 1] ? prev[j] : cur[j - 1];
        } else {
            int acc;
            cur[0] = prev[0] + 1;
            for (size_t j = 1; j <= ls; j++) {
                tl = token(p, (unsigned char)s[j - 1], &acc);
                size_t sub = prev[j - 1] + !acc, del = prev[j] + 1, ins = cur[j - 1] + 1;
                cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            }
            if (ls == 0)
                tl = token(p, 0, &acc);
        }
        for (size_t j = 0; j <= ls; j++)
            if (cur[j] < best)
                best = cur[j];
        if (best > cutoff)
            return best;
        memcpy(prev, cur, (ls + 1) * sizeof *prev);
        p += tl;
    }
    return prev[ls];
}

const char *pg_glob_nearest(const char *pattern, const pg_results *run)
{
    size_t literal = 0;
    for (const char *s = pattern; *s; s++)
        literal += !strchr("*?[]\\", *s);
    /* near misses only: up to a third of the literal text, at least 1 */
    size_t limit = literal / 3 + 1, best = limit + 1;
    const char *near = NULL;
    for (size_t i = 0; i < pg_results_count(run) && best > 1; i++) {
        const char *name = pg_results_get(run, i)->name;
        size_t d = glob_distance(pattern, name, best - 1);
        if (d < best) {
            best = d;
            near = name;
        }
    }
    return near;
}

/* A match equal to the name matches it as written, so a pytest id such as
 * "t.py::test_sma[65536]" needs no escaping; as a glob, '[' opens a class
 * (docs/budgets.md: escape it as "\\[" to match a bracket). */
static int glob_match(const budget *b, const char *name)
{
    if (b->literal)
        return !strcmp(b->match, name);
    return !strcmp(b->match, name) || fnmatch(b->match, name, 0) == 0;
}

/* Whether file i's budgets apply to the results being judged: always
 * before pg_budget_set_machine, and for files that name no machine. */
static int file_applies(const pg_budget_set *set, size_t i)
{
    return i >= set->nfiles || !set->files[i].skipped;
}

static int applies(const pg_budget_set *set, const budget *b)
{
    return file_applies(set, b->file_index);
}

/* ---- the schema, as tables -------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t prev[41], cur[41];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t s = prev[j - 1] + (a[i - 1] != b[j - 1]), d = prev[j] + 1, n = cur[j - 1] + 1;
            cur[j] = s < d ? (s < n ? s : n) : (d < n ? d : n);
        }
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

typedef struct ctx {
    pg_budget_set *set;
    const char *file;
    char pointer[256];
    size_t plen;
    int errors;
} ctx;

/* Appends "/tok" to the pointer, with '~' and '/' escaped as RFC 6901 says
 * (member names such as "calibration/fma_chain/hot/cpu/1048576" hold '/');
 * a token that does not fit leaves the pointer as it was. */
static size_t push(ctx *c, const char *tok)
{
    size_t old = c->plen, n = old, cap = sizeof c->pointer;
    if (n + 1 < cap)
        c->pointer[n++] = '/';
    for (; *tok && n + 2 < cap; tok++) {
        if (*tok == '~' || *tok == '/') {
            c->pointer[n++] = '~';
            c->pointer[n++] = *tok == '~' ? '0' : '1';
        } else {
            c->pointer[n++] = *tok;
        }
    }
    if (*tok || n >= cap) {
        c->pointer[old] = '\0';
        return old;
    }
    c->pointer[n] = '\0';
    c->plen = n;
    return old;
}

static size_t push_i(ctx *c, size_t i)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%zu", i);
    return push(c, buf);
}

static void pop(ctx *c, size_t old)
{
    c->plen = old;
    c->pointer[old] = '\0';
}

#define ERR(c, node, code, ...)                                                                    \
    do {                                                                                           \
        diag((c)->set, (code), (c)->file, (node)->line, (node)->column, (c)->pointer,              \
             __VA_ARGS__);                                                                         \
        (c)->errors++;                                                                             \
    } while (0)

/* Checks members against the allowed names; reports unknown and duplicate
 * members at their own position. */
static void check_members(ctx *c, const pj_node *obj, const char *const *allowed, size_t n,
                          const char *what)
{
    for (const pj_node *m = obj->child; m; m = m->next) {
        size_t old = push(c, m->key);
        for (const pj_node *d = obj->child; d != m; d = d->next)
            if (!strcmp(d->key, m->key)) {
                ERR(c, m, PG_EPARSE, "duplicate member \"%s\" (expected each member once)", m->key);
                break;
            }
        int ok = 0;
        size_t best = 99;
        const char *near = NULL;
        for (size_t i = 0; i < n && !ok; i++) {
            if (!strcmp(m->key, allowed[i]))
                ok = 1;
            size_t d = edit_distance(m->key, allowed[i]);
            if (d < best) {
                best = d;
                near = allowed[i];
            }
        }
        if (!ok) {
            char list[200] = "";
            for (size_t i = 0; i < n; i++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", allowed[i]);
            }
            if (near && best <= strlen(m->key) / 3 + 1)
                ERR(c, m, PG_ETYPE, "unknown member \"%s\" in %s; did you mean \"%s\"?", m->key,
                    what, near);
            else
                ERR(c, m, PG_ETYPE, "unknown member \"%s\" in %s (expected one of: %s)", m->key,
                    what, list);
        }
        pop(c, old);
    }
}

static const pj_node *member(ctx *c, const pj_node *obj, const char *key, int type,
                             const char *expected)
{
    const pj_node *v = pj_get(obj, key);
    if (!v)
        return NULL;
    int ok = v->type == type || (type == PJ_TRUE && v->type == PJ_FALSE);
    if (!ok) {
        size_t old = push(c, key);
        ERR(c, v, PG_ETYPE, "expected %s, found %s", expected, pj_type_name(v->type));
        pop(c, old);
        return NULL;
    }
    return v;
}

static int want_object(ctx *c, const pj_node *v, const char *what)
{
    if (v->type == PJ_OBJECT)
        return 1;
    ERR(c, v, PG_ETYPE, "expected %s, found %s", what, pj_type_name(v->type));
    return 0;
}

#define PG_BUDGET_MIN_NS 1e-6

static int get_time(ctx *c, const pj_node *obj, const char *key, double *out, pos *at)
{
    const pj_node *v = member(c, obj, key, PJ_STRING, "a time such as \"250us\"");
    if (!v)
        return 0;
    size_t old = push(c, key);
    int ok = pg_parse_time(v->str, out) == 0 && *out > 0;
    if (!ok)
        ERR(c, v, PG_ETYPE,
            "expected a positive time such as \"250us\" (units ns, us, ms, s), found \"%.60s\"",
            v->str);
    /* A limit below a femtosecond judges nothing, and a subnormal one
     * (1e-320ns) turns every ratio to it into infinity. */
    else if (*out < PG_BUDGET_MIN_NS) {
        ok = 0;
        ERR(c, v, PG_ETYPE, "expected a time of at least %gns, found \"%.60s\"", PG_BUDGET_MIN_NS,
            v->str);
    }
    pop(c, old);
    at->line = v->line;
    at->column = v->column;
    return ok;
}

static int get_percent(ctx *c, const pj_node *obj, const char *key, double max, double *out,
                       pos *at)
{
    const pj_node *v = member(c, obj, key, PJ_STRING, "a percentage such as \"5%\"");
    if (!v)
        return 0;
    size_t old = push(c, key);
    int ok = pg_parse_percent(v->str, out) == 0 && *out >= 0 && *out <= max;
    if (!ok)
        ERR(c, v, PG_ETYPE,
            "expected a percentage from \"0%%\" to \"%g%%\" such as \"5%%\", found \"%.60s\"",
            max * 100, v->str);
    pop(c, old);
    at->line = v->line;
    at->column = v->column;
    return ok;
}

static int get_number(ctx *c, const pj_node *obj, const char *key, double lo, double hi,
                      int lo_open, const char *expected, double *out, pos *at)
{
    const pj_node *v = member(c, obj, key, PJ_NUMBER, expected);
    if (!v)
        return 0;
    double x = pj_number(v);
    size_t old = push(c, key);
    int ok = isfinite(x) && (lo_open ? x > lo : x >= lo) && x <= hi;
    if (!ok)
        ERR(c, v, PG_ETYPE, "expected %s, found %.*s", expected, (int)(v->len > 40 ? 40 : v->len),
            v->text);
    pop(c, old);
    *out = x;
    at->line = v->line;
    at->column = v->column;
    return ok;
}

static int get_int(ctx *c, const pj_node *obj, const char *key, int lo, int hi,
                   const char *expected, int *out, pos *at)
{
    double x;
    if (!get_number(c, obj, key, lo, hi, 0, expected, &x, at))
        return 0;
    if (x != floor(x)) {
        const pj_node *v = pj_get(obj, key);
        size_t old = push(c, key);
        ERR(c, v, PG_ETYPE, "expected %s, found %.*s", expected, (int)(v->len > 40 ? 40 : v->len),
            v->text);
        pop(c, old);
        return 0;
    }
    *out = (int)x;
    return 1;
}

static int get_enum(ctx *c, const pj_node *obj, const char *key, const char *a, const char *b,
                    int *out, pos *at)
{
    char expected[96];
    snprintf(expected, sizeof expected, "\"%s\" or \"%s\"", a, b);
    const pj_node *v = member(c, obj, key, PJ_STRING, expected);
    if (!v)
        return 0;
    at->line = v->line;
    at->column = v->column;
    if (!strcmp(v->str, a)) {
        *out = 0;
        return 1;
    }
    if (!strcmp(v->str, b)) {
        *out = 1;
        return 1;
    }
    size_t old = push(c, key);
    ERR(c, v, PG_ETYPE, "expected %s, found \"%.60s\"", expected, v->str);
    pop(c, old);
    return 0;
}

static const char *get_string(ctx *c, const pj_node *obj, const char *key, int nonempty, pos *at)
{
    const pj_node *v = member(c, obj, key, PJ_STRING, "a string");
    if (!v)
        return NULL;
    if (at) {
        at->line = v->line;
        at->column = v->column;
    }
    if (nonempty && !v->str[0]) {
        size_t old = push(c, key);
        ERR(c, v, PG_ETYPE, "expected a non-empty string");
        pop(c, old);
        return NULL;
    }
    return v->str;
}

static void need(ctx *c, const pj_node *obj, const char *key, const char *what)
{
    if (!pj_get(obj, key))
        ERR(c, obj, PG_EMISSING, "%s without \"%s\" (expected the member)", what, key);
}

/* Noise policy members shared by "defaults" and budgets. */
static void read_policy(ctx *c, const pj_node *o, unsigned *set, int *reps, double *alpha,
                        double *min_effect, int *severity, const char **owner, pos *at)
{
    if (get_int(c, o, "repetitions", 1, 100000, "an integer from 1 to 100000", reps, &at[F_REPS]))
        *set |= 1u << F_REPS;
    if (get_number(c, o, "alpha", 0, 0.5, 1, "a significance level in (0, 0.5]", alpha,
                   &at[F_ALPHA]))
        *set |= 1u << F_ALPHA;
    if (get_percent(c, o, "min_effect", 0.99, min_effect, &at[F_MIN_EFFECT]))
        *set |= 1u << F_MIN_EFFECT;
    if (get_enum(c, o, "severity", "fail", "warn", severity, &at[F_SEVERITY]))
        *set |= 1u << F_SEVERITY;
    if ((*owner = get_string(c, o, "owner", 1, &at[F_OWNER])))
        *set |= 1u << F_OWNER;
}

static const char *const top_keys[] = { "$schema", "version", "description", "defaults",
                                        "machine", "budgets", "waivers" };
static const char *const machine_keys[] = { "cpu_model", "cpu_flags", "calibration" };
static const char *const machine_cal_keys[] = { "min_ns_per_element", "max_ns_per_element",
                                                "metric" };
static const char *const defaults_keys[] = { "repetitions", "alpha", "min_effect", "severity",
                                             "owner" };
static const char *const budget_keys[] = { "match",       "description", "owner",      "severity",
                                           "repetitions", "alpha",       "min_effect", "absolute",
                                           "regression",  "relative",    "counters",   "optional" };
static const char *const regression_keys[] = { "max", "metric", "run_spread" };
static const char *const relative_keys[] = { "to", "max_ratio", "per_element", "metric" };
static const char *const counter_keys[] = { "max", "per_element" };
static const char *const waiver_keys[] = { "match", "reason", "ticket", "expires" };
#define N(a) (sizeof a / sizeof a[0])

/* One {"to": NAME, "max_ratio": X, ...} of "relative"; adds it to b when
 * it is whole. */
static void read_relative(ctx *c, const pj_node *v, budget *b)
{
    if (!want_object(c, v,
                     "an object such as {\"to\": \"calibration/...\", \"max_ratio\": 1.2} (or an "
                     "array of them)"))
        return;
    check_members(c, v, relative_keys, N(relative_keys), "\"relative\"");
    need(c, v, "to", "\"relative\"");
    need(c, v, "max_ratio", "\"relative\"");
    pg_relative_limit rl = { NULL, 0, 0, PG_METRIC_REAL };
    pos dummy;
    get_enum(c, v, "metric", "real_time", "cpu_time", &rl.metric, &dummy);
    const pj_node *pe = member(c, v, "per_element", PJ_TRUE, "true or false");
    rl.per_element = pe && pe->type == PJ_TRUE;
    const pj_node *to = member(c, v, "to", PJ_STRING, "a benchmark name");
    int ok_to = 0;
    if (to) {
        size_t o2 = push(c, "to");
        if (!to->str[0] || strpbrk(to->str, "*?")) /* '[' is a pytest id's */
            ERR(c, to, PG_ETYPE,
                "expected the exact name of a calibration benchmark, found \"%.60s\"", to->str);
        else
            ok_to = 1;
        pop(c, o2);
    }
    pos at = { 0, 0 };
    int ok_ratio =
        get_number(c, v, "max_ratio", 0, 1e12, 1, "a positive number", &rl.max_ratio, &at);
    if (ok_to && ok_ratio) {
        rl.to = to->str;
        if (!b->nrelative)
            b->at[F_RELATIVE] = at;
        b->relative[b->nrelative++] = rl;
        b->set |= 1u << F_RELATIVE;
    }
}

/* "relative": one ceiling (an object) or several (an array of them: a
 * kernel against a floor and against itself at another size). */
static void read_relatives(ctx *c, const pj_node *v, budget *b)
{
    if (v->type != PJ_ARRAY) {
        read_relative(c, v, b);
        return;
    }
    if (v->count == 0 || v->count > PG_MAX_RELATIVE_LIMITS) {
        ERR(c, v, v->count ? PG_ELIMIT : PG_ETYPE,
            "expected an array of 1 to %d relative ceilings, found %zu", PG_MAX_RELATIVE_LIMITS,
            (size_t)v->count);
        return;
    }
    size_t i = 0;
    for (const pj_node *e = v->child; e; e = e->next, i++) {
        size_t o2 = push_i(c, i);
        read_relative(c, e, b);
        pop(c, o2);
    }
}

static void read_budget(ctx *c, const pj_node *o, budget *b)
{
    check_members(c, o, budget_keys, N(budget_keys), "a budget");
    need(c, o, "match", "a budget");
    const pj_node *m = member(c, o, "match", PJ_STRING, "a benchmark name or glob");
    if (m) {
        size_t old = push(c, "match");
        const char *why = glob_problem(m->str);
        if (why)
            ERR(c, m, PG_ETYPE, "%s", why);
        else
            b->match = m->str;
        b->match_at.line = m->line;
        b->match_at.column = m->column;
        pop(c, old);
    }
    const pj_node *opt = member(c, o, "optional", PJ_TRUE, "true or false");
    b->optional = opt && opt->type == PJ_TRUE;
    (void)get_string(c, o, "description", 0, NULL);
    read_policy(c, o, &b->set, &b->repetitions, &b->alpha, &b->min_effect, &b->severity, &b->owner,
                b->at);
    const pj_node *v;
    if ((v = pj_get(o, "absolute"))) {
        size_t old = push(c, "absolute");
        if (want_object(c, v, "an object of ceilings")) {
            check_members(c, v, abs_names, PG_ABS_COUNT, "\"absolute\"");
            if (v->count == 0)
                ERR(c, v, PG_ETYPE, "expected at least one ceiling in \"absolute\"");
            for (int k = 0; k < PG_ABS_COUNT; k++) {
                int ok;
                if (k == PG_ABS_PEAK_RSS) {
                    const pj_node *s =
                        member(c, v, abs_names[k], PJ_STRING, "a size such as \"64MiB\"");
                    ok = 0;
                    if (s) {
                        size_t o2 = push(c, abs_names[k]);
                        ok = pg_parse_bytes(s->str, &b->absolute[k]) == 0 && b->absolute[k] >= 1;
                        if (!ok)
                            ERR(c, s, PG_ETYPE,
                                "expected a size such as \"64MiB\" (units B, KiB, MiB, GiB, kB, "
                                "MB, GB), found \"%.60s\"",
                                s->str);
                        b->at[F_ABS0 + k].line = s->line;
                        b->at[F_ABS0 + k].column = s->column;
                        pop(c, o2);
                    }
                } else {
                    ok = get_time(c, v, abs_names[k], &b->absolute[k], &b->at[F_ABS0 + k]);
                }
                if (ok)
                    b->set |= 1u << (F_ABS0 + k);
            }
        }
        pop(c, old);
    }
    if ((v = pj_get(o, "regression"))) {
        size_t old = push(c, "regression");
        if (want_object(c, v, "an object such as {\"max\": \"5%\"}")) {
            check_members(c, v, regression_keys, N(regression_keys), "\"regression\"");
            need(c, v, "max", "\"regression\"");
            b->regression_metric = PG_METRIC_REAL;
            b->regression_spread = NAN;
            pos dummy;
            get_enum(c, v, "metric", "real_time", "cpu_time", &b->regression_metric, &dummy);
            get_percent(c, v, "run_spread", 1.0, &b->regression_spread, &dummy);
            if (get_percent(c, v, "max", 10.0, &b->regression_max, &b->at[F_REGRESSION]))
                b->set |= 1u << F_REGRESSION;
        }
        pop(c, old);
    }
    if ((v = pj_get(o, "relative"))) {
        size_t old = push(c, "relative");
        read_relatives(c, v, b);
        pop(c, old);
    }
    if ((v = pj_get(o, "counters"))) {
        size_t old = push(c, "counters");
        if (want_object(c, v, "an object keyed by counter name")) {
            for (const pj_node *k = v->child; k; k = k->next) {
                size_t o2 = push(c, k->key);
                if (!k->key[0]) {
                    ERR(c, k, PG_ETYPE, "expected a counter name, found \"\"");
                } else if (b->ncounters == PG_MAX_COUNTER_LIMITS) {
                    ERR(c, k, PG_ELIMIT, "expected at most %d counter ceilings",
                        PG_MAX_COUNTER_LIMITS);
                } else if (want_object(c, k,
                                       "an object such as {\"max\": 3.5, \"per_element\": true}")) {
                    check_members(c, k, counter_keys, N(counter_keys), "a counter ceiling");
                    need(c, k, "max", "a counter ceiling");
                    pg_counter_limit *cl = &b->counters[b->ncounters];
                    const pj_node *pe = member(c, k, "per_element", PJ_TRUE, "true or false");
                    cl->per_element = pe && pe->type == PJ_TRUE;
                    pos *at = &b->counter_at[b->ncounters];
                    if (get_number(c, k, "max", 0, 1e300, 0, "a non-negative number", &cl->max,
                                   at)) {
                        cl->name = k->key;
                        b->ncounters++;
                    }
                }
                pop(c, o2);
            }
        }
        pop(c, old);
    }
}

/* "cpu_flags": ["avx512f", ...]: words as /proc/cpuinfo spells them. */
static void read_machine_flags(ctx *c, const pj_node *v, file_defaults *fd)
{
    size_t old = push(c, "cpu_flags");
    if (v->type != PJ_ARRAY || v->count == 0) {
        ERR(c, v, PG_ETYPE,
            "expected a non-empty array of CPU flags such as [\"avx512f\"], found %s",
            v->type == PJ_ARRAY ? "an empty array" : pj_type_name(v->type));
        pop(c, old);
        return;
    }
    size_t i = 0;
    for (const pj_node *f = v->child; f; f = f->next, i++) {
        size_t o2 = push_i(c, i);
        if (f->type != PJ_STRING || !f->str[0] || strpbrk(f->str, " \t\r\n"))
            ERR(c, f, PG_ETYPE, "expected a CPU flag such as \"avx512f\" (one word), found %s",
                f->type == PJ_STRING ? "a string that is not one word" : pj_type_name(f->type));
        else if (fd->nflags == MAX_MACHINE_FLAGS)
            ERR(c, f, PG_ELIMIT, "expected at most %d CPU flags", MAX_MACHINE_FLAGS);
        else
            fd->machine_flags[fd->nflags++] = f->str;
        pop(c, o2);
    }
    pop(c, old);
}

/* "calibration": {"calibration/fma_chain/hot/cpu/1048576":
 *                 {"min_ns_per_element": 0.85, "max_ns_per_element": 1.1}} */
static void read_machine_calibration(ctx *c, const pj_node *v, file_defaults *fd)
{
    size_t old = push(c, "calibration");
    if (!want_object(c, v, "an object keyed by calibration benchmark name")) {
        pop(c, old);
        return;
    }
    if (v->count == 0)
        ERR(c, v, PG_ETYPE, "expected at least one calibration benchmark in \"calibration\"");
    for (const pj_node *k = v->child; k; k = k->next) {
        size_t o2 = push(c, k->key);
        if (!k->key[0] || !gate_glob_is_literal(k->key)) {
            ERR(c, k, PG_ETYPE,
                "expected the exact name of a calibration benchmark, found \"%.60s\"", k->key);
        } else if (fd->ncal == MAX_MACHINE_CALS) {
            ERR(c, k, PG_ELIMIT, "expected at most %d calibration benchmarks", MAX_MACHINE_CALS);
        } else if (want_object(c, k,
                               "an object such as {\"min_ns_per_element\": 0.85, "
                               "\"max_ns_per_element\": 1.1}")) {
            check_members(c, k, machine_cal_keys, N(machine_cal_keys), "a machine calibration");
            machine_cal *mc = &fd->cal[fd->ncal];
            pos at;
            int errors = c->errors;
            mc->name = k->key;
            mc->min = 0;
            mc->max = INFINITY;
            mc->metric = PG_METRIC_CPU;
            int has_min = pj_get(k, "min_ns_per_element") != NULL;
            int has_max = pj_get(k, "max_ns_per_element") != NULL;
            if (!has_min && !has_max)
                ERR(c, k, PG_EMISSING,
                    "a machine calibration without \"min_ns_per_element\" or "
                    "\"max_ns_per_element\" (expected one or both)");
            if (has_min)
                get_number(c, k, "min_ns_per_element", 0, 1e12, 1, "a positive number of ns",
                           &mc->min, &at);
            if (has_max &&
                get_number(c, k, "max_ns_per_element", 0, 1e12, 1, "a positive number of ns",
                           &mc->max, &at) &&
                has_min && mc->max < mc->min) {
                size_t o3 = push(c, "max_ns_per_element");
                ERR(c, pj_get(k, "max_ns_per_element"), PG_ETYPE,
                    "expected a maximum of at least min_ns_per_element (%g), found %g", mc->min,
                    mc->max);
                pop(c, o3);
            }
            get_enum(c, k, "metric", "real_time", "cpu_time", &mc->metric, &at);
            if (c->errors == errors)
                fd->ncal++;
        }
        pop(c, o2);
    }
    pop(c, old);
}

/* "machine": the kind of machine a file is for (docs/budgets.md). */
static void read_machine(ctx *c, const pj_node *v, file_defaults *fd)
{
    if (!want_object(c, v, "an object such as {\"cpu_model\": \"AMD EPYC*\"}"))
        return;
    check_members(c, v, machine_keys, N(machine_keys), "\"machine\"");
    if (v->count == 0)
        ERR(c, v, PG_EMISSING,
            "an empty \"machine\" (expected cpu_model, cpu_flags or "
            "calibration)");
    fd->machine_cpu = get_string(c, v, "cpu_model", 1, NULL);
    const pj_node *f = pj_get(v, "cpu_flags");
    if (f)
        read_machine_flags(c, f, fd);
    const pj_node *cal = pj_get(v, "calibration");
    if (cal)
        read_machine_calibration(c, cal, fd);
}

static void read_waiver(ctx *c, const pj_node *o, pg_waiver *w, pos *at)
{
    check_members(c, o, waiver_keys, N(waiver_keys), "a waiver");
    for (size_t i = 0; i < N(waiver_keys); i++)
        need(c, o, waiver_keys[i], "a waiver");
    const pj_node *m = member(c, o, "match", PJ_STRING, "a benchmark name or glob");
    if (m) {
        size_t old = push(c, "match");
        const char *why = glob_problem(m->str);
        if (why)
            ERR(c, m, PG_ETYPE, "%s", why);
        else
            w->match = m->str;
        pop(c, old);
    }
    w->reason = get_string(c, o, "reason", 1, NULL);
    w->ticket = get_string(c, o, "ticket", 1, NULL);
    const pj_node *e = member(c, o, "expires", PJ_STRING, "a date such as \"2026-12-31\"");
    if (e) {
        at->line = e->line;
        at->column = e->column;
        size_t old = push(c, "expires");
        if (pg_parse_date(e->str, &w->expires_ymd))
            ERR(c, e, PG_ETYPE,
                "expected a date such as \"2026-12-31\" (YYYY-MM-DD), found \"%.60s\"", e->str);
        else
            w->expires = e->str;
        pop(c, old);
    }
}

static budget *new_budget(pg_budget_set *set)
{
    if (set->nbudgets == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        budget *nb = realloc(set->budgets, cap * sizeof *nb);
        if (!nb)
            return NULL;
        set->budgets = nb;
        set->cap = cap;
    }
    budget *b = &set->budgets[set->nbudgets];
    memset(b, 0, sizeof *b);
    for (int k = 0; k < PG_ABS_COUNT; k++)
        b->absolute[k] = NAN;
    return b;
}

static int new_waiver(pg_budget_set *set)
{
    if (set->nwaivers == set->wcap) {
        size_t cap = set->wcap ? set->wcap * 2 : 8;
        pg_waiver *nw = realloc(set->waivers, cap * sizeof *nw);
        pos *na = realloc(set->waiver_at, cap * sizeof *na);
        char(*np)[48] = realloc(set->waiver_ptr, cap * sizeof *np);
        if (nw)
            set->waivers = nw;
        if (na)
            set->waiver_at = na;
        if (np)
            set->waiver_ptr = np;
        if (!nw || !na || !np)
            return PG_ENOMEM;
        set->wcap = cap;
    }
    memset(&set->waivers[set->nwaivers], 0, sizeof set->waivers[0]);
    memset(&set->waiver_at[set->nwaivers], 0, sizeof set->waiver_at[0]);
    return 0;
}

static int read_root(pg_budget_set *set, ctx *cp, file_defaults *fd, size_t file_index,
                     const pj_node *root);

static int load_file(pg_budget_set *set, const char *path)
{
    size_t before = set->ndiags;
    pg_error err;
    pg_error_clear(&err);
    size_t len;
    char *text = gate_read_file(path, &len, &err);
    if (!text) {
        diag(set, err.code, path, 0, 0, NULL, "%s", err.message);
        return err.code;
    }
    if (set->nfiles == set->fcap) {
        size_t cap = set->fcap ? set->fcap * 2 : 8;
        file_defaults *nf = realloc(set->files, cap * sizeof *nf);
        if (!nf) {
            free(text);
            diag(set, PG_ENOMEM, path, 0, 0, NULL, "out of memory");
            return PG_ENOMEM;
        }
        set->files = nf;
        set->fcap = cap;
    }
    file_defaults *fd = &set->files[set->nfiles];
    memset(fd, 0, sizeof *fd);
    fd->path = pj_strdup(set->arena, path);
    if (!fd->path) {
        free(text);
        diag(set, PG_ENOMEM, path, 0, 0, NULL, "out of memory");
        return PG_ENOMEM;
    }
    ctx c = { .set = set, .file = fd->path };
    /* Number nodes point into text: it lives until the file is read. */
    pj_node *root = pj_parse(text, len, fd->path, set->arena, &err);
    if (!root) {
        free(text);
        diag(set, err.code, err.file, err.line, err.column, err.pointer, "%s", err.message);
        return err.code;
    }
    size_t file_index = set->nfiles++;
    int rc = read_root(set, &c, fd, file_index, root);
    free(text);
    if (rc == PG_ENOMEM)
        diag(set, PG_ENOMEM, path, 0, 0, NULL, "out of memory");
    if (rc)
        return rc;
    return set->ndiags > before ? set->diags[before].code : 0;
}

static int read_root(pg_budget_set *set, ctx *cp, file_defaults *fd, size_t file_index,
                     const pj_node *root)
{
    ctx c = *cp;
    if (!want_object(&c, root, "an object (a budget file)"))
        return PG_ETYPE;
    check_members(&c, root, top_keys, N(top_keys), "a budget file");
    need(&c, root, "version", "a budget file");
    (void)get_string(&c, root, "$schema", 0, NULL);
    (void)get_string(&c, root, "description", 0, NULL);
    int version;
    pos vpos;
    if (pj_get(root, "version") &&
        get_int(&c, root, "version", 1, 1, "1 (the only budget format so far)", &version, &vpos))
        (void)version;
    const pj_node *v;
    if ((v = pj_get(root, "machine"))) {
        size_t old = push(&c, "machine");
        fd->has_machine = 1;
        read_machine(&c, v, fd);
        pop(&c, old);
    }
    if ((v = pj_get(root, "defaults"))) {
        size_t old = push(&c, "defaults");
        if (want_object(&c, v, "an object")) {
            check_members(&c, v, defaults_keys, N(defaults_keys), "\"defaults\"");
            pos at[F_COUNT];
            read_policy(&c, v, &fd->set, &fd->repetitions, &fd->alpha, &fd->min_effect,
                        &fd->severity, &fd->owner, at);
        }
        pop(&c, old);
    }
    if ((v = pj_get(root, "budgets"))) {
        size_t old = push(&c, "budgets");
        if (v->type != PJ_ARRAY) {
            ERR(&c, v, PG_ETYPE, "expected an array of budgets, found %s", pj_type_name(v->type));
        } else {
            size_t i = 0;
            for (const pj_node *o = v->child; o; o = o->next, i++) {
                size_t o2 = push_i(&c, i);
                budget *b = new_budget(set);
                if (!b)
                    return PG_ENOMEM;
                if (want_object(&c, o, "an object (a budget)")) {
                    int errors = c.errors;
                    read_budget(&c, o, b);
                    if (b->match && c.errors == errors) {
                        b->literal = gate_glob_is_literal(b->match);
                        b->spec = gate_budget_specificity(b->match);
                        b->order = set->nbudgets;
                        b->file_index = file_index;
                        b->file = fd->path;
                        b->line = o->line;
                        b->column = o->column;
                        snprintf(b->pointer, sizeof b->pointer, "/budgets/%zu", i);
                        set->nbudgets++;
                        set->sorted = 0;
                    }
                }
                pop(&c, o2);
            }
        }
        pop(&c, old);
    }
    if ((v = pj_get(root, "waivers"))) {
        size_t old = push(&c, "waivers");
        if (v->type != PJ_ARRAY) {
            ERR(&c, v, PG_ETYPE, "expected an array of waivers, found %s", pj_type_name(v->type));
        } else {
            size_t i = 0;
            for (const pj_node *o = v->child; o; o = o->next, i++) {
                size_t o2 = push_i(&c, i);
                if (new_waiver(set))
                    return PG_ENOMEM;
                pg_waiver *w = &set->waivers[set->nwaivers];
                if (want_object(&c, o, "an object (a waiver)")) {
                    int errors = c.errors;
                    read_waiver(&c, o, w, &set->waiver_at[set->nwaivers]);
                    if (c.errors == errors) {
                        w->file = fd->path;
                        w->line = o->line;
                        snprintf(set->waiver_ptr[set->nwaivers], 48, "/waivers/%zu/expires", i);
                        set->nwaivers++;
                    }
                }
                pop(&c, o2);
            }
        }
        pop(&c, old);
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(pg_budget_set *set, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        diag(set, PG_EIO, path, 0, 0, NULL, "cannot open: no such file or directory");
        return PG_EIO;
    }
    if (!S_ISDIR(st.st_mode))
        return load_file(set, path);
    DIR *d = opendir(path);
    if (!d) {
        diag(set, PG_EIO, path, 0, 0, NULL, "cannot open the directory: %s", strerror(errno));
        return PG_EIO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") || !strcmp(e->d_name, "schema.json") ||
            e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = PG_ENOMEM;
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name)))
            rc = PG_ENOMEM;
        else
            n++;
    }
    closedir(d);
    if (rc) {
        /* a budget file left out would leave its benchmarks unjudged */
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        diag(set, rc, path, 0, 0, NULL, "out of memory");
        return rc;
    }
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
                 names[i]);
        int r = load_file(set, full);
        if (r && !rc)
            rc = r;
        free(names[i]);
    }
    free(names);
    if (n == 0) {
        diag(set, PG_EMISSING, path, 0, 0, NULL, "no budget files (expected *.json)");
        return PG_EMISSING;
    }
    return rc;
}

/* ---- set ---------------------------------------------------------------- */

pg_budget_set *pg_budget_set_create(void)
{
    pg_budget_set *set = calloc(1, sizeof *set);
    if (!set)
        return NULL;
    set->arena = pj_arena_create();
    /* Room for the first diagnostics now, so that "out of memory" can
     * always be said (diag() cannot grow the list then). */
    set->dcap = 8;
    set->diags = malloc(set->dcap * sizeof *set->diags);
    if (!set->arena || !set->diags) {
        pj_arena_destroy(set->arena);
        free(set->diags);
        free(set);
        return NULL;
    }
    return set;
}

void pg_budget_set_destroy(pg_budget_set *set)
{
    if (!set)
        return;
    free(set->budgets);
    free(set->by_spec);
    free(set->waivers);
    free(set->waiver_at);
    free(set->waiver_ptr);
    free(set->files);
    free(set->diags);
    pj_arena_destroy(set->arena);
    free(set);
}

size_t pg_budget_set_nbudgets(const pg_budget_set *set)
{
    return set ? set->nbudgets : 0;
}

size_t pg_budget_set_nfiles(const pg_budget_set *set)
{
    return set ? set->nfiles : 0;
}

size_t pg_budget_set_nwaivers(const pg_budget_set *set)
{
    return set ? set->nwaivers : 0;
}

const pg_waiver *pg_budget_set_waiver(const pg_budget_set *set, size_t i)
{
    return set && i < set->nwaivers ? &set->waivers[i] : NULL;
}

size_t pg_budget_set_nexact(const pg_budget_set *set)
{
    size_t n = 0;
    for (size_t i = 0; set && i < set->nbudgets; i++)
        n += set->budgets[i].literal && applies(set, &set->budgets[i]);
    return n;
}

const char *pg_budget_set_exact(const pg_budget_set *set, size_t k)
{
    for (size_t i = 0; set && i < set->nbudgets; i++)
        if (set->budgets[i].literal && applies(set, &set->budgets[i]) && k-- == 0)
            return set->budgets[i].match;
    return NULL;
}

/* Whether the host recorded in the results has every flag of the file
 * (whole words of perfgate.host.cpu_flags); *lacking gets the first absent. */
static int has_flags(const file_defaults *fd, const char *host_flags, const char **lacking)
{
    for (size_t i = 0; i < fd->nflags; i++) {
        size_t len = strlen(fd->machine_flags[i]);
        const char *p = host_flags;
        int found = 0;
        while (p && !found && (p = strstr(p, fd->machine_flags[i]))) {
            found = (p == host_flags || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0');
            p += len;
        }
        if (!found) {
            *lacking = fd->machine_flags[i];
            return 0;
        }
    }
    return 1;
}

/* The run's median time per element of a calibration benchmark, into *ns;
 * or a sentence saying why there is none. */
static int calibration_median(const pg_results *run, const machine_cal *mc, double *ns, char *why,
                              size_t len)
{
    const pg_result *b = pg_results_find(run, mc->name);
    *ns = NAN;
    if (!b || b->n == 0) {
        snprintf(why, len, "is not in these results");
        return 0;
    }
    if (!(b->elements > 0)) {
        snprintf(why, len, "has no elements per iteration in these results");
        return 0;
    }
    const double *src = mc->metric == PG_METRIC_CPU ? b->cpu_ns : b->real_ns;
    double *v = malloc(b->n * sizeof *v);
    if (!v)
        return PG_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        if (isfinite(src[i]))
            v[n++] = src[i] / b->elements;
    gate_stats_sort(v, n);
    double median = pg_stats_median(v, n);
    free(v);
    /* a median of 0 (or none) is no measurement: it identifies no machine */
    if (median > 0)
        *ns = median;
    else
        snprintf(why, len, "has a median of %g ns in these results", median);
    return 0;
}

/* Decides whether file fd applies to run; fills fd->why when not.
 * Returns 0 or PG_ENOMEM. */
static int judge_machine(file_defaults *fd, const pg_results *run)
{
    fd->skipped = 0;
    fd->why[0] = '\0';
    if (!fd->has_machine)
        return 0;
    const char *cpu = pg_results_host(run, "cpu_model");
    if (fd->machine_cpu && !(cpu && fnmatch(fd->machine_cpu, cpu, 0) == 0)) {
        fd->skipped = 1;
        snprintf(fd->why, sizeof fd->why,
                 "is for machines whose cpu_model matches '%.60s'; "
                 "these results' is %s%.60s%s",
                 fd->machine_cpu, cpu ? "'" : "", cpu ? cpu : "not recorded", cpu ? "'" : "");
        return 0;
    }
    const char *flags = pg_results_host(run, "cpu_flags"), *lacking = NULL;
    if (fd->nflags && !(flags && has_flags(fd, flags, &lacking))) {
        fd->skipped = 1;
        if (flags)
            snprintf(fd->why, sizeof fd->why,
                     "is for machines with the CPU flag '%.40s'; "
                     "these results' host lacks it",
                     lacking);
        else
            snprintf(fd->why, sizeof fd->why,
                     "is for machines with the CPU flag '%.40s'; "
                     "these results record no CPU flags",
                     fd->machine_flags[0]);
        return 0;
    }
    for (size_t i = 0; i < fd->ncal; i++) {
        const machine_cal *mc = &fd->cal[i];
        char missing[80];
        double ns;
        int rc = calibration_median(run, mc, &ns, missing, sizeof missing);
        if (rc)
            return rc;
        if (isnan(ns) || ns < mc->min || ns > mc->max) {
            char got[96];
            if (isnan(ns))
                snprintf(got, sizeof got, "it %s", missing);
            else
                snprintf(got, sizeof got, "these results' median is %.3g", ns);
            fd->skipped = 1;
            snprintf(fd->why, sizeof fd->why,
                     "is for machines where '%.60s' takes %g-%g "
                     "ns/elem (%s); %s",
                     mc->name, mc->min, mc->max,
                     mc->metric == PG_METRIC_CPU ? "cpu_time" : "real_time", got);
            return 0;
        }
    }
    return 0;
}

int pg_budget_set_machine(pg_budget_set *set, const pg_results *run)
{
    if (!set || !run)
        return PG_EINVAL;
    for (size_t i = 0; i < set->nfiles; i++) {
        int rc = judge_machine(&set->files[i], run);
        if (rc)
            return rc;
    }
    return PG_OK;
}

int pg_budget_set_file_machine(const pg_budget_set *set, size_t i, const char **path,
                               const char **cpu_glob)
{
    if (!set || i >= set->nfiles)
        return -1;
    if (path)
        *path = set->files[i].path;
    if (cpu_glob)
        *cpu_glob = set->files[i].machine_cpu;
    return file_applies(set, i);
}

const char *pg_budget_set_file_skipped(const pg_budget_set *set, size_t i)
{
    if (!set || i >= set->nfiles || !set->files[i].skipped)
        return NULL;
    return set->files[i].why;
}

int pg_budget_set_budget(const pg_budget_set *set, size_t i, pg_budget_info *out)
{
    if (!set || i >= set->nbudgets)
        return PG_EINVAL;
    const budget *b = &set->budgets[i];
    const file_defaults *fd = &set->files[b->file_index];
    out->match = b->match;
    out->file = b->file;
    out->line = b->line;
    out->column = b->column;
    out->match_line = b->match_at.line;
    out->match_column = b->match_at.column;
    out->pointer = b->pointer;
    out->literal = b->literal;
    out->optional = b->optional;
    out->applies = applies(set, b);
    out->severity = b->set & (1u << F_SEVERITY)    ? b->severity
                    : fd->set & (1u << F_SEVERITY) ? fd->severity
                                                   : PG_SEV_FAIL;
    out->owner = b->set & (1u << F_OWNER) ? b->owner : fd->set & (1u << F_OWNER) ? fd->owner : NULL;
    return 0;
}

typedef struct rank {
    long spec;
    size_t order, index;
} rank;

static int cmp_rank(const void *a, const void *b)
{
    const rank *x = a, *y = b;
    if (x->spec != y->spec)
        return x->spec > y->spec ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Orders budgets most specific first, reading order breaking ties.
 * Returns 0 or PG_ENOMEM. */
static int ensure_sorted(pg_budget_set *set)
{
    if (set->sorted)
        return 0;
    free(set->by_spec);
    size_t n = set->nbudgets;
    set->by_spec = malloc((n ? n : 1) * sizeof *set->by_spec);
    rank *ranks = malloc((n ? n : 1) * sizeof *ranks);
    if (!set->by_spec || !ranks) {
        free(ranks);
        free(set->by_spec);
        set->by_spec = NULL;
        return PG_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        ranks[i].spec = set->budgets[i].spec;
        ranks[i].order = set->budgets[i].order;
        ranks[i].index = i;
    }
    qsort(ranks, n, sizeof *ranks, cmp_rank);
    for (size_t i = 0; i < n; i++)
        set->by_spec[i] = ranks[i].index;
    free(ranks);
    set->sorted = 1;
    return 0;
}

int pg_budget_set_add_path(pg_budget_set *set, const char *path)
{
    /* Sorted here, once, so that resolving reads the set and never
     * changes it (its argument is const). */
    int rc = add_path(set, path);
    if (ensure_sorted(set)) {
        diag(set, PG_ENOMEM, path, 0, 0, NULL, "out of memory");
        return PG_ENOMEM;
    }
    return rc;
}

int pg_budget_set_resolve(const pg_budget_set *set, const char *name, pg_policy *out)
{
    return pg_budget_set_resolve_hits(set, name, out, NULL);
}

int pg_budget_set_resolve_hits(const pg_budget_set *set, const char *name, pg_policy *out,
                               unsigned char *hits)
{
    memset(out, 0, sizeof *out);
    out->repetitions = 5;
    out->alpha = 0.05;
    out->min_effect = 0.01;
    out->severity = PG_SEV_FAIL;
    out->regression_spread = NAN;
    for (int k = 0; k < PG_ABS_COUNT; k++)
        out->absolute[k] = NAN;
    if (!set || set->nbudgets == 0)
        return 0;
    /* Without the order no budget could be chosen: an error, never "no
     * budget matches" (that would pass what was meant to be judged).
     * pg_budget_set_add_path sorts; only running out of memory there
     * leaves the set unsorted. */
    if (!set->sorted)
        return PG_ENOMEM;
    unsigned have = 0;
    const budget *top = NULL;
    for (size_t s = 0; s < set->nbudgets; s++) {
        const budget *b = &set->budgets[set->by_spec[s]];
        if (!applies(set, b) || !glob_match(b, name))
            continue;
        if (hits)
            hits[set->by_spec[s]] = 1;
        if (!top) {
            top = b;
            out->file = b->file;
            out->line = b->line;
            out->match = b->match;
        }
        unsigned fresh = b->set & ~have;
        have |= b->set;
        if (fresh & (1u << F_REPS))
            out->repetitions = b->repetitions;
        if (fresh & (1u << F_ALPHA))
            out->alpha = b->alpha;
        if (fresh & (1u << F_MIN_EFFECT))
            out->min_effect = b->min_effect;
        if (fresh & (1u << F_SEVERITY))
            out->severity = b->severity;
        if (fresh & (1u << F_OWNER))
            out->owner = b->owner;
        if (fresh & (1u << F_REGRESSION)) {
            out->has_regression = 1;
            out->regression_max = b->regression_max;
            out->regression_metric = b->regression_metric;
            out->regression_spread = b->regression_spread;
        }
        if (fresh & (1u << F_RELATIVE)) {
            out->nrelative = b->nrelative;
            memcpy(out->relative, b->relative, b->nrelative * sizeof b->relative[0]);
        }
        for (int k = 0; k < PG_ABS_COUNT; k++)
            if (fresh & (1u << (F_ABS0 + k)))
                out->absolute[k] = b->absolute[k];
        for (size_t i = 0; i < b->ncounters; i++) {
            size_t j = 0;
            while (j < out->ncounters && strcmp(out->counters[j].name, b->counters[i].name))
                j++;
            if (j == out->ncounters && j < PG_MAX_COUNTER_LIMITS)
                out->counters[out->ncounters++] = b->counters[i];
        }
    }
    if (!top)
        return 0;
    /* What no budget set comes from the defaults of the most specific
     * budget's file. */
    const file_defaults *fd = &set->files[top->file_index];
    unsigned fill = fd->set & ~have;
    if (fill & (1u << F_REPS))
        out->repetitions = fd->repetitions;
    if (fill & (1u << F_ALPHA))
        out->alpha = fd->alpha;
    if (fill & (1u << F_MIN_EFFECT))
        out->min_effect = fd->min_effect;
    if (fill & (1u << F_SEVERITY))
        out->severity = fd->severity;
    if (fill & (1u << F_OWNER))
        out->owner = fd->owner;
    return 1;
}

/* ---- lint ------------------------------------------------------------- */

static int same_field(const budget *a, const budget *b, int f)
{
    switch (f) {
    case F_REPS: return a->repetitions == b->repetitions;
    case F_ALPHA: return a->alpha == b->alpha;
    case F_MIN_EFFECT: return a->min_effect == b->min_effect;
    case F_SEVERITY: return a->severity == b->severity;
    case F_OWNER: return !strcmp(a->owner, b->owner);
    case F_REGRESSION:
        return a->regression_max == b->regression_max &&
               a->regression_metric == b->regression_metric &&
               (a->regression_spread == b->regression_spread ||
                (isnan(a->regression_spread) && isnan(b->regression_spread)));
    case F_RELATIVE:
        if (a->nrelative != b->nrelative)
            return 0;
        for (size_t i = 0; i < a->nrelative; i++) {
            const pg_relative_limit *x = &a->relative[i], *y = &b->relative[i];
            if (strcmp(x->to, y->to) || x->max_ratio != y->max_ratio ||
                x->per_element != y->per_element || x->metric != y->metric)
                return 0;
        }
        return 1;
    default: return a->absolute[f - F_ABS0] == b->absolute[f - F_ABS0];
    }
}

static const char *field_name(int f)
{
    static const char *const names[] = { "repetitions", "alpha",      "min_effect", "severity",
                                         "owner",       "regression", "relative" };
    return f < F_ABS0 ? names[f] : abs_names[f - F_ABS0];
}

/* Budgets that may overlap with the same specificity, found without
 * looking at every pair: two patterns of the same specificity have literal
 * prefixes (up to the first wildcard) of the same length, and a name both
 * match starts with both, so they overlap only when the prefixes are equal.
 * Budgets are sorted by (specificity, prefix, index) into groups; only
 * pairs inside a group are compared (n log n to sort, and the pairs of
 * groups, which for real budget files hold one or a few). */
typedef struct lint_key {
    long spec;
    const char *prefix; /* unescaped, NUL-terminated, in lint_groups.text */
    size_t idx;
} lint_key;

typedef struct lint_groups {
    lint_key *keys; /* sorted */
    size_t *pos;    /* pos[i]: where budget i is in keys */
    size_t *end;    /* end[k]: one past the last key of k's group */
    char *text;     /* the prefixes, 256 bytes each */
} lint_groups;

static int cmp_lint_key(const void *pa, const void *pb)
{
    const lint_key *a = pa, *b = pb;
    if (a->spec != b->spec)
        return a->spec < b->spec ? -1 : 1;
    int c = strcmp(a->prefix, b->prefix);
    if (c)
        return c;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The literal prefix of a pattern, unescaped: what every match starts with. */
static void literal_prefix(const char *p, char *out, size_t len)
{
    size_t o = 0;
    for (; *p && *p != '*' && *p != '?' && *p != '[' && o + 1 < len; p++) {
        if (*p == '\\' && p[1])
            p++;
        out[o++] = *p;
    }
    out[o] = '\0';
}

static void lint_groups_free(lint_groups *g)
{
    free(g->keys);
    free(g->pos);
    free(g->end);
    free(g->text);
}

static int lint_groups_make(const pg_budget_set *set, lint_groups *g)
{
    size_t n = set->nbudgets, m = n ? n : 1;
    g->keys = malloc(m * sizeof *g->keys);
    g->pos = malloc(m * sizeof *g->pos);
    g->end = malloc(m * sizeof *g->end);
    g->text = malloc(m * 256);
    if (!g->keys || !g->pos || !g->end || !g->text)
        return PG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char *t = g->text + i * 256;
        literal_prefix(set->budgets[i].match, t, 256);
        g->keys[i] = (lint_key){ set->budgets[i].spec, t, i };
    }
    qsort(g->keys, n, sizeof *g->keys, cmp_lint_key);
    for (size_t k = n; k-- > 0;) {
        g->pos[g->keys[k].idx] = k;
        int same = k + 1 < n && g->keys[k].spec == g->keys[k + 1].spec &&
                   !strcmp(g->keys[k].prefix, g->keys[k + 1].prefix);
        g->end[k] = same ? g->end[k + 1] : k + 1;
    }
    return 0;
}

int pg_budget_set_lint(pg_budget_set *set, const char *today)
{
    size_t before = set->ndiags;
    int ymd = 0;
    if (today && pg_parse_date(today, &ymd)) {
        diag(set, PG_EINVAL, NULL, 0, 0, NULL, "bad date '%s' (expected YYYY-MM-DD)", today);
        return PG_EINVAL;
    }
    if (!ymd)
        ymd = pg_today_ymd();
    lint_groups g = { 0 };
    if (lint_groups_make(set, &g) < 0) {
        lint_groups_free(&g);
        diag(set, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        return PG_ENOMEM;
    }
    /* In reading order, as a plain i < j loop would report them. */
    for (size_t i = 0; i < set->nbudgets; i++) {
        const budget *a = &set->budgets[i];
        for (size_t k = g.pos[i] + 1; k < g.end[g.pos[i]]; k++) {
            const budget *b = &set->budgets[g.keys[k].idx];
            if (a->spec != b->spec || !(a->set & b->set) ||
                !gate_glob_intersect(a->match, b->match))
                continue;
            for (int f = 0; f < F_COUNT; f++) {
                if (!(a->set & b->set & (1u << f)) || same_field(a, b, f))
                    continue;
                char ptr[96];
                snprintf(ptr, sizeof ptr, "%s", b->pointer);
                diag(set, PG_EINVAL, b->file, b->at[f].line, b->at[f].column, ptr,
                     "budget \"%.60s\" overlaps \"%.60s\" (%s:%d) with the same specificity and "
                     "sets "
                     "\"%s\" differently (expected one limit per benchmark)",
                     b->match, a->match, a->file, a->line, field_name(f));
            }
            for (size_t x = 0; x < a->ncounters; x++)
                for (size_t y = 0; y < b->ncounters; y++)
                    if (!strcmp(a->counters[x].name, b->counters[y].name) &&
                        (a->counters[x].max != b->counters[y].max ||
                         a->counters[x].per_element != b->counters[y].per_element))
                        diag(set, PG_EINVAL, b->file, b->counter_at[y].line,
                             b->counter_at[y].column, b->pointer,
                             "budget \"%.60s\" overlaps \"%.60s\" (%s:%d) with the same "
                             "specificity and sets counter \"%.40s\" differently (expected one "
                             "limit per benchmark)",
                             b->match, a->match, a->file, a->line, b->counters[y].name);
        }
    }
    lint_groups_free(&g);
    for (size_t i = 0; i < set->nwaivers; i++) {
        const pg_waiver *w = &set->waivers[i];
        if (w->expires_ymd && w->expires_ymd < ymd)
            diag(set, PG_EINVAL, w->file, set->waiver_at[i].line, set->waiver_at[i].column,
                 set->waiver_ptr[i],
                 "waiver for \"%.60s\" (%s) expired on %s (expected a date from today on; renew "
                 "it or remove it)",
                 w->match, w->ticket, w->expires);
    }
    return set->ndiags > before ? PG_EINVAL : 0;
}
