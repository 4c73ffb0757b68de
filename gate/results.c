/*
 * results.c - loads Google Benchmark JSON into an in-memory run.
 *
 * Any program's output is accepted: per-repetition rows ("run_type":
 * "iteration") are grouped by run_name; aggregate rows (mean, median, ...)
 * are ignored when repetitions exist and used when they are all there is
 * (--benchmark_report_aggregates_only).  Times are converted from the row's
 * time_unit to ns.  Numeric members that are not Google Benchmark's own are
 * user counters.  A top-level "perfgate" object (written by perfgate's
 * harness, docs/harness.md) may add context, elements per iteration and
 * input digests per benchmark, and the reason a counter is unavailable.
 *
 * The "benchmarks" array is read one row at a time into an arena that is
 * recycled, so a 140 MB file never becomes 140 MB of nodes.
 */
#include "internal.h"

#include <fnmatch.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bench_build {
    pg_result b;
    size_t cap; /* capacity of the sample arrays */
    size_t counters_cap;
    double agg_median_real, agg_median_cpu, agg_mean_real, agg_mean_cpu;
    int has_agg_median, has_agg_mean;
} bench_build;

struct pg_results {
    char *path;
    pj_arena *arena; /* names, context, perfgate object */
    bench_build *benches;
    size_t n, cap;
    size_t *slots; /* hash table of bench index + 1, 0 = empty */
    size_t nslots;
    const pj_node *context;
    const pj_node *perfgate;
    int format; /* PG_FORMAT_* it was read as */
};

/* ---- hash table of names ---------------------------------------------- */

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static int rehash(pg_results *run, size_t nslots)
{
    size_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return PG_ENOMEM;
    for (size_t i = 0; i < run->n; i++) {
        size_t h = (size_t)hash_name(run->benches[i].b.name) & (nslots - 1);
        while (slots[h])
            h = (h + 1) & (nslots - 1);
        slots[h] = i + 1;
    }
    free(run->slots);
    run->slots = slots;
    run->nslots = nslots;
    return 0;
}

static bench_build *find_build(const pg_results *run, const char *name)
{
    if (!run->nslots)
        return NULL;
    size_t h = (size_t)hash_name(name) & (run->nslots - 1);
    while (run->slots[h]) {
        bench_build *bb = &run->benches[run->slots[h] - 1];
        if (!strcmp(bb->b.name, name))
            return bb;
        h = (h + 1) & (run->nslots - 1);
    }
    return NULL;
}

static bench_build *add_build(pg_results *run, const char *name, int line, int column)
{
    if (run->n == run->cap) {
        size_t cap = run->cap ? run->cap * 2 : 64;
        bench_build *nb = realloc(run->benches, cap * sizeof *nb);
        if (!nb)
            return NULL;
        run->benches = nb;
        run->cap = cap;
    }
    if ((run->n + 1) * 2 > run->nslots && rehash(run, run->nslots ? run->nslots * 2 : 128))
        return NULL;
    bench_build *bb = &run->benches[run->n];
    memset(bb, 0, sizeof *bb);
    bb->b.name = pj_strdup(run->arena, name);
    if (!bb->b.name)
        return NULL;
    bb->b.line = line;
    bb->b.column = column;
    bb->b.peak_rss_bytes = NAN;
    bb->b.summary_q1 = bb->b.summary_q3 = bb->b.summary_min = NAN;
    size_t h = (size_t)hash_name(name) & (run->nslots - 1);
    while (run->slots[h])
        h = (h + 1) & (run->nslots - 1);
    run->slots[h] = ++run->n;
    return bb;
}

/* ---- rows ------------------------------------------------------------ */

/* Google Benchmark's own members; every other number is a user counter.
 * The first K_TRACKED are the ones a row is read for. */
enum {
    K_NAME,
    K_RUN_NAME,
    K_RUN_TYPE,
    K_TIME_UNIT,
    K_ERROR_OCCURRED,
    K_ERROR_MESSAGE,
    K_AGGREGATE_NAME,
    K_AGGREGATE_UNIT,
    K_REAL_TIME,
    K_CPU_TIME,
    K_SKIPPED,
    K_TRACKED
};
static const char *const known_keys[] = {
    "name",
    "run_name",
    "run_type",
    "time_unit",
    "error_occurred",
    "error_message",
    "aggregate_name",
    "aggregate_unit",
    "real_time",
    "cpu_time",
    "skipped",
    /* untracked */
    "family_index",
    "per_family_instance_index",
    "repetitions",
    "repetition_index",
    "threads",
    "iterations",
    "label",
    "big_o",
    "rms",
};

/* Index into known_keys, or -1 for a user counter.  Dispatches on the first
 * byte: a row has a dozen members and there are 300,000 rows. */
static int known_index(const char *key)
{
    size_t lo, hi;
    switch (key[0]) {
    case 'n': lo = 0, hi = 1; break;
    case 'r': lo = 1, hi = 3; break;
    case 't': lo = 3, hi = 4; break;
    case 'e': lo = 4, hi = 6; break;
    case 'a': lo = 6, hi = 8; break;
    case 'c': lo = 9, hi = 10; break;
    case 's': lo = 10, hi = 11; break;
    default: lo = 11, hi = sizeof known_keys / sizeof known_keys[0]; break;
    }
    for (size_t i = lo; i < hi; i++)
        if (!strcmp(key, known_keys[i]))
            return (int)i;
    if (key[0] == 'r') {
        if (!strcmp(key, "real_time"))
            return K_REAL_TIME;
        if (!strcmp(key, "repetitions") || !strcmp(key, "repetition_index") || !strcmp(key, "rms"))
            return K_TRACKED;
    }
    if (key[0] == 't' && !strcmp(key, "threads"))
        return K_TRACKED;
    return -1;
}

static int row_error(pj_reader *r, const pj_node *at, const char *member, int code, const char *fmt,
                     const char *what)
{
    pg_error_set(r->err, code, r->file, at->line, at->column, pj_pointer(r, member), fmt, what);
    r->failed = 1;
    return code;
}

static int want_type(pj_reader *r, const pj_node *row, const pj_node *const *f, int k, int type,
                     const pj_node **out, int required)
{
    const pj_node *v = f[k];
    const char *key = known_keys[k];
    *out = NULL;
    if (!v) {
        if (!required)
            return 0;
        char msg[128];
        snprintf(msg, sizeof msg, "a benchmark row without \"%s\"", key);
        return row_error(r, row, NULL, PG_EMISSING, "%s (expected the member)", msg);
    }
    int ok = v->type == type || (type == PJ_TRUE && v->type == PJ_FALSE);
    if (!ok) {
        char msg[160];
        snprintf(msg, sizeof msg, "expected %s, found %s", pj_type_name(type),
                 pj_type_name(v->type));
        return row_error(r, v, key, PG_ETYPE, "%s", msg);
    }
    *out = v;
    return 0;
}

static int push_sample(bench_build *bb, double real, double cpu)
{
    if (bb->b.n == bb->cap) {
        size_t cap = bb->cap ? bb->cap * 2 : 8;
        double *nr = realloc(bb->b.real_ns, cap * sizeof *nr);
        if (!nr)
            return PG_ENOMEM;
        bb->b.real_ns = nr;
        double *nc = realloc(bb->b.cpu_ns, cap * sizeof *nc);
        if (!nc)
            return PG_ENOMEM;
        bb->b.cpu_ns = nc;
        for (size_t c = 0; c < bb->b.ncounters; c++) {
            double *nv = realloc(bb->b.counters[c].values, cap * sizeof *nv);
            if (!nv)
                return PG_ENOMEM;
            bb->b.counters[c].values = nv;
        }
        bb->cap = cap;
    }
    bb->b.real_ns[bb->b.n] = real;
    bb->b.cpu_ns[bb->b.n] = cpu;
    for (size_t c = 0; c < bb->b.ncounters; c++)
        bb->b.counters[c].values[bb->b.n] = NAN;
    bb->b.n++;
    return 0;
}

static int set_counter(pg_results *run, bench_build *bb, const char *name, double v)
{
    size_t i = 0;
    for (; i < bb->b.ncounters; i++)
        if (!strcmp(bb->b.counters[i].name, name))
            break;
    if (i == bb->b.ncounters) {
        if (bb->b.ncounters == bb->counters_cap) {
            size_t cap = bb->counters_cap ? bb->counters_cap * 2 : 4;
            pg_counter *nc = realloc(bb->b.counters, cap * sizeof *nc);
            if (!nc)
                return PG_ENOMEM;
            bb->b.counters = nc;
            bb->counters_cap = cap;
        }
        pg_counter *c = &bb->b.counters[bb->b.ncounters];
        c->name = pj_strdup(run->arena, name);
        c->values = malloc((bb->cap ? bb->cap : 1) * sizeof *c->values);
        if (!c->name || !c->values)
            return PG_ENOMEM;
        for (size_t k = 0; k < bb->b.n; k++)
            c->values[k] = NAN;
        bb->b.ncounters++;
    }
    bb->b.counters[i].values[bb->b.n - 1] = v;
    return 0;
}

/* The longest time per iteration a results file may give (docs/limits.md). */
#define MAX_TIME_NS 1e18

/* PG_CX_BIGO or PG_CX_RMS for ->Complexity()'s fit rows, else PG_CX_NONE. */
static int complexity_kind(int is_agg, const pj_node *agg)
{
    if (!is_agg || !agg || agg->type != PJ_STRING)
        return PG_CX_NONE;
    return !strcmp(agg->str, "BigO")  ? PG_CX_BIGO
           : !strcmp(agg->str, "RMS") ? PG_CX_RMS
                                      : PG_CX_NONE;
}

/* One finite, non-negative number member of a fit row, times scale. */
static int fit_number(pj_reader *r, const pj_node *row, const char *key, double scale, double *out)
{
    const pj_node *v = pj_get(row, key);
    if (!v)
        return row_error(r, row, NULL, PG_EMISSING, "expected \"%s\" in a complexity row", key);
    if (v->type != PJ_NUMBER || !isfinite(pj_number(v)) || pj_number(v) < 0 ||
        !(pj_number(v) * scale <= MAX_TIME_NS))
        return row_error(r, v, key, PG_ETYPE, "%s", "expected a finite, non-negative number");
    *out = pj_number(v) * scale;
    return 0;
}

/* A ->Complexity() row: BigO (coefficients in the row's time unit per unit
 * of big_o, kept in ns) or RMS (a fraction).  Repeated rows: the last wins,
 * as for duplicate members. */
static int read_complexity(pj_reader *r, pg_results *run, const pj_node *row, bench_build *bb,
                           double scale)
{
    pg_result *b = &bb->b;
    int rc;
    if (b->complexity == PG_CX_RMS)
        return fit_number(r, row, "rms", 1.0, &b->rms);
    if ((rc = fit_number(r, row, "real_coefficient", scale, &b->real_coefficient)) ||
        (rc = fit_number(r, row, "cpu_coefficient", scale, &b->cpu_coefficient)))
        return rc;
    const pj_node *o = pj_get(row, "big_o");
    if (o && o->type != PJ_STRING)
        return row_error(r, o, "big_o", PG_ETYPE, "%s", "expected a string such as \"NlgN\"");
    if (o && !(b->big_o = pj_strdup(run->arena, o->str)))
        return pg_error_set(r->err, PG_ENOMEM, r->file, 0, 0, NULL, "out of memory");
    return 0;
}

int pg_result_complexity_figure(const pg_result *b, const char *name, double *value)
{
    double v = NAN;
    if (b->complexity == PG_CX_BIGO && !strcmp(name, "real_coefficient"))
        v = b->real_coefficient;
    else if (b->complexity == PG_CX_BIGO && !strcmp(name, "cpu_coefficient"))
        v = b->cpu_coefficient;
    else if (b->complexity == PG_CX_RMS && !strcmp(name, "rms"))
        v = b->rms;
    if (isnan(v))
        return 0;
    *value = v;
    return 1;
}

static int read_time(pj_reader *r, const pj_node *row, const pj_node *const *f, int k, double scale,
                     double *out)
{
    const pj_node *v;
    const char *key = known_keys[k];
    int rc = want_type(r, row, f, k, PJ_NUMBER, &v, 1);
    if (rc)
        return rc;
    double t = pj_number(v);
    if (!isfinite(t) || t < 0)
        return row_error(r, v, key, PG_ETYPE, "%s", "expected a finite, non-negative time");
    /* Beyond MAX_TIME_NS a time is a broken timer or a forged file, and its
     * square (the statistics need it) would overflow to infinity. */
    double ns = t * scale;
    if (!(ns <= MAX_TIME_NS))
        return row_error(r, v, key, PG_ELIMIT, "%s",
                         "expected a time of at most 1e18 ns (about 31 years)");
    *out = ns == 0 ? 0 : ns; /* no -0 */
    return 0;
}

static void strip_repeats(char *name)
{
    /* Benchmarks with ->Repetitions(N) carry "/repeats:N" in their names;
     * budgets name the benchmark, not how often it ran. */
    char *s = strstr(name, "/repeats:");
    if (s && s[9] >= '0' && s[9] <= '9' && strspn(s + 9, "0123456789") == strlen(s + 9))
        *s = '\0';
}

static int process_row(pg_results *run, pj_reader *r, const pj_node *row)
{
    int rc;
    if (row->type != PJ_OBJECT) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected an object (a benchmark row), found %s",
                 pj_type_name(row->type));
        return row_error(r, row, NULL, PG_ETYPE, "%s", msg);
    }
    /* One pass over the members: the last of duplicates wins, as in jansson. */
    const pj_node *f[K_TRACKED + 1] = { 0 };
    signed char kind[64];
    size_t i = 0;
    for (const pj_node *m = row->child; m; m = m->next, i++) {
        int k = known_index(m->key);
        if (i < sizeof kind)
            kind[i] = (signed char)k;
        if (k >= 0 && k < K_TRACKED)
            f[k] = m;
    }
    const pj_node *name, *run_name, *run_type, *unit, *err_flag, *err_msg, *agg;
    if ((rc = want_type(r, row, f, K_NAME, PJ_STRING, &name, 1)) ||
        (rc = want_type(r, row, f, K_RUN_NAME, PJ_STRING, &run_name, 0)) ||
        (rc = want_type(r, row, f, K_RUN_TYPE, PJ_STRING, &run_type, 0)) ||
        (rc = want_type(r, row, f, K_TIME_UNIT, PJ_STRING, &unit, 0)) ||
        (rc = want_type(r, row, f, K_ERROR_OCCURRED, PJ_TRUE, &err_flag, 0)) ||
        (rc = want_type(r, row, f, K_ERROR_MESSAGE, PJ_STRING, &err_msg, 0)) ||
        (rc = want_type(r, row, f, K_AGGREGATE_NAME, PJ_STRING, &agg, 0)))
        return rc;
    if (name->len == 0)
        return row_error(r, name, "name", PG_ETYPE, "%s", "expected a non-empty benchmark name");
    int is_agg = run_type ? !strcmp(run_type->str, "aggregate") : agg != NULL;
    if (run_type && !is_agg && strcmp(run_type->str, "iteration"))
        return row_error(r, run_type, "run_type", PG_ETYPE, "%s",
                         "expected \"iteration\" or \"aggregate\"");
    double scale = 1.0;
    if (unit) {
        scale = pg_time_unit_ns(unit->str);
        if (scale == 0)
            return row_error(r, unit, "time_unit", PG_ETYPE, "%s",
                             "expected a time unit: \"ns\", \"us\", \"ms\" or \"s\"");
    }
    /* The whole name, however long: cutting it would merge two benchmarks
     * that share a prefix. */
    int cx = complexity_kind(is_agg, agg);
    /* A fit row shares run_name with nothing that has samples: it is
     * kept under its own name, "BM_Sum_BigO". */
    const char *full = run_name && !cx ? run_name->str : name->str;
    char stack_key[1024], *key = stack_key;
    size_t need = strlen(full) + 1;
    if (need > sizeof stack_key && !(key = malloc(need)))
        return pg_error_set(r->err, PG_ENOMEM, r->file, 0, 0, NULL, "out of memory");
    memcpy(key, full, need);
    strip_repeats(key);
    bench_build *bb = find_build(run, key);
    if (!bb && (bb = add_build(run, key, row->line, row->column)))
        bb->b.complexity = cx;
    if (key != stack_key)
        free(key);
    if (!bb)
        return pg_error_set(r->err, PG_ENOMEM, r->file, 0, 0, NULL, "out of memory");
    if (bb->b.complexity != cx)
        return row_error(r, name, "name", PG_ETYPE, "%s",
                         cx ? "a complexity row named like a benchmark with samples"
                            : "a benchmark named like a complexity row (_BigO, _RMS)");

    int errored = err_flag && err_flag->type == PJ_TRUE;
    if (bb->b.complexity)
        return read_complexity(r, run, row, bb, scale);
    if (errored) {
        /* without its message the benchmark would look merely empty */
        if (!bb->b.error)
            bb->b.error = pj_strdup(run->arena, err_msg ? err_msg->str : "error_occurred");
        if (!bb->b.error)
            return pg_error_set(r->err, PG_ENOMEM, r->file, 0, 0, NULL, "out of memory");
        return 0;
    }
    if (f[K_SKIPPED] && f[K_SKIPPED]->type == PJ_TRUE)
        return 0;
    double real, cpu;
    if ((rc = read_time(r, row, f, K_REAL_TIME, scale, &real)) ||
        (rc = read_time(r, row, f, K_CPU_TIME, scale, &cpu)))
        return rc;
    if (is_agg) {
        const pj_node *aunit = f[K_AGGREGATE_UNIT];
        if (aunit && aunit->type == PJ_STRING && strcmp(aunit->str, "time"))
            return 0; /* cv and other ratios are not times */
        const char *an = agg ? agg->str : "";
        if (!strcmp(an, "median")) {
            bb->agg_median_real = real;
            bb->agg_median_cpu = cpu;
            bb->has_agg_median = 1;
        } else if (!strcmp(an, "mean")) {
            bb->agg_mean_real = real;
            bb->agg_mean_cpu = cpu;
            bb->has_agg_mean = 1;
        }
        return 0;
    }
    if ((rc = push_sample(bb, real, cpu)))
        return pg_error_set(r->err, rc, r->file, 0, 0, NULL, "out of memory");
    i = 0;
    for (const pj_node *m = row->child; m; m = m->next, i++) {
        int k = i < sizeof kind ? kind[i] : known_index(m->key);
        if (m->type != PJ_NUMBER || k >= 0)
            continue;
        double v = pj_number(m);
        if (!isfinite(v))
            return row_error(r, m, m->key, PG_ETYPE, "%s", "expected a finite counter value");
        if ((rc = set_counter(run, bb, m->key, v)))
            return pg_error_set(r->err, rc, r->file, 0, 0, NULL, "out of memory");
    }
    return 0;
}

/* ---- the perfgate object --------------------------------------------- */

static const pj_node *perfgate_bench(const pg_results *run, const char *name)
{
    return pj_get(pj_get(run->perfgate, "benchmarks"), name);
}

/* Fills in what the rows alone do not say.  Returns 0 or PG_ENOMEM (a
 * benchmark left without its aggregate would be judged "missing"). */
static int finish_bench(pg_results *run, bench_build *bb)
{
    pg_result *b = &bb->b;
    if (b->n == 0 && (bb->has_agg_median || bb->has_agg_mean)) {
        double real = bb->has_agg_median ? bb->agg_median_real : bb->agg_mean_real;
        double cpu = bb->has_agg_median ? bb->agg_median_cpu : bb->agg_mean_cpu;
        if (push_sample(bb, real, cpu))
            return PG_ENOMEM;
        b->from_aggregate = 1;
    }
    const pj_node *pb = perfgate_bench(run, b->name);
    const pj_node *dg = pj_get(pb, "input_digest"), *pr = pj_get(pb, "profile");
    const pj_node *rss = pj_get(pb, "peak_rss_bytes");
    b->input_digest = dg && dg->type == PJ_STRING ? dg->str : NULL;
    b->profile = pr && pr->type == PJ_STRING ? pr->str : NULL;
    b->peak_rss_bytes = rss && rss->type == PJ_NUMBER ? pj_number(rss) : NAN;
    const pj_node *el = pj_get(pb, "elements");
    if (!el)
        el = pj_get(pb, "items_per_iteration"); /* the harness's name for it */
    if (el && el->type == PJ_NUMBER && pj_number(el) > 0) {
        b->elements = pj_number(el);
        b->elements_from = "perfgate";
        return 0;
    }
    const double *ips = pg_result_counter(b, "items_per_second");
    if (ips && b->n > 0) {
        /* items_per_second = items per iteration / CPU seconds per iteration */
        double sum = 0;
        size_t k = 0;
        for (size_t i = 0; i < b->n; i++)
            if (isfinite(ips[i])) {
                sum += ips[i] * b->cpu_ns[i] * 1e-9;
                k++;
            }
        if (k > 0 && sum > 0) {
            double e = sum / (double)k;
            b->elements = fabs(e - round(e)) < 1e-3 * e ? round(e) : e;
            b->elements_from = "items_per_second";
            return 0;
        }
    }
    const char *slash = strrchr(b->name, '/');
    if (slash && slash[1] && strspn(slash + 1, "0123456789") == strlen(slash + 1) &&
        strlen(slash + 1) < 16) {
        double e = strtod(slash + 1, NULL);
        if (e > 0) {
            b->elements = e;
            b->elements_from = "name";
        }
    }
    return 0;
}

int pg_name_parse(const char *name, pg_name *out)
{
    char *parts[5] = { out->suite, out->kernel, out->profile, out->device, NULL };
    size_t sizes[4] = { sizeof out->suite, sizeof out->kernel, sizeof out->profile,
                        sizeof out->device };
    const char *p = name;
    for (int k = 0; k < 4; k++) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : 0;
        if (!slash || len == 0 || len >= sizes[k])
            return 0;
        memcpy(parts[k], p, len);
        parts[k][len] = '\0';
        p = slash + 1;
    }
    if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 19)
        return 0;
    out->n = strtoull(p, NULL, 10);
    return out->n > 0 && (!strcmp(out->profile, "hot") || !strcmp(out->profile, "cold") ||
                          !strcmp(out->profile, "first"));
}

const char *pg_result_profile(const pg_result *b)
{
    return pg_name_profile(b->name, b->profile);
}

const char *pg_name_profile(const char *name, const char *profile)
{
    if (profile)
        return profile;
    static const char *const known[] = { "hot", "cold", "first" };
    pg_name parsed;
    if (pg_name_parse(name, &parsed)) /* perfgate's own shape */
        for (size_t k = 0; k < 3; k++)
            if (!strcmp(parsed.profile, known[k]))
                return known[k];
    /* Any other program's: a part of the name that is a profile. */
    for (const char *p = name; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL) {
        size_t len = strcspn(p, "/");
        for (size_t k = 0; k < 3; k++)
            if (len == strlen(known[k]) && !strncmp(p, known[k], len))
                return known[k];
    }
    return NULL;
}

static int check_perfgate(pj_reader *r, const pj_node *pg)
{
    if (pg->type != PJ_OBJECT)
        return row_error(r, pg, NULL, PG_ETYPE, "%s", "expected an object");
    const pj_node *bs = pj_get(pg, "benchmarks");
    if (bs && bs->type != PJ_OBJECT)
        return row_error(r, bs, "benchmarks", PG_ETYPE, "%s",
                         "expected an object keyed by benchmark name");
    for (const pj_node *b = bs ? bs->child : NULL; b; b = b->next) {
        const pj_node *el = pj_get(b, "elements");
        if (b->type != PJ_OBJECT || (el && (el->type != PJ_NUMBER || !(pj_number(el) >= 0)))) {
            size_t old = pj_ptr_push(r, "benchmarks");
            pj_ptr_push(r, b->key);
            int rc = row_error(r, b->type != PJ_OBJECT ? b : el,
                               b->type != PJ_OBJECT ? NULL : "elements", PG_ETYPE, "%s",
                               b->type != PJ_OBJECT ? "expected an object"
                                                    : "expected a non-negative number");
            pj_ptr_pop(r, old);
            return rc;
        }
    }
    return 0;
}

/* ---- loading --------------------------------------------------------- */

/* A number node's text points into the file, which is let go after the
 * load: the blocks a run keeps (context, perfgate) get their own copies. */
static int keep_numbers(pj_arena *a, pj_node *v)
{
    if (v->type == PJ_NUMBER) {
        char *t = pj_alloc(a, v->len + 1);
        if (!t)
            return PG_ENOMEM;
        memcpy(t, v->text, v->len);
        t[v->len] = '\0';
        v->text = t;
    }
    for (pj_node *c = v->child; c; c = c->next)
        if (keep_numbers(a, c))
            return PG_ENOMEM;
    return 0;
}

static int parse_top(pg_results *run, pj_reader *r)
{
    pj_arena *rows = pj_arena_create();
    if (!rows)
        return pg_error_set(r->err, PG_ENOMEM, r->file, 0, 0, NULL, "out of memory");
    int rc = 0, seen_benchmarks = 0;
    if (r->end - r->p >= 3 && !memcmp(r->p, "\xEF\xBB\xBF", 3))
        r->p += 3;
    pj_skip_ws(r);
    if (pj_peek(r) != '{') {
        rc = pj_expect(r, '{', "'{' (a Google Benchmark results object)");
        goto done;
    }
    r->p++;
    if (pj_peek(r) == '}') {
        r->p++;
        goto closed;
    }
    for (;;) {
        char *key;
        int kline = r->line, kcol = (int)(r->p - r->line_start) + 1;
        if (pj_peek(r) != '"') {
            rc = pj_expect(r, '"', "a member name (a string)");
            goto done;
        }
        if ((rc = pj_string(r, run->arena, &key, NULL)) ||
            (rc = pj_expect(r, ':', "':' after a member name")))
            goto done;
        size_t old = pj_ptr_push(r, key);
        if (!strcmp(key, "benchmarks")) {
            seen_benchmarks = 1;
            if (pj_peek(r) != '[') {
                pj_node *v;
                if ((rc = pj_value(r, rows, &v)))
                    goto done;
                rc =
                    row_error(r, v, NULL, PG_ETYPE, "expected an array of benchmark rows, found %s",
                              pj_type_name(v->type));
                goto done;
            }
            r->p++;
            size_t i = 0;
            if (pj_peek(r) == ']') {
                r->p++;
            } else {
                for (;;) {
                    size_t o2 = pj_ptr_push_index(r, i++);
                    pj_node *row;
                    r->depth = 2;
                    if ((rc = pj_value(r, rows, &row)) || (rc = process_row(run, r, row)))
                        goto done;
                    pj_ptr_pop(r, o2);
                    pj_arena_reset(rows);
                    int c = pj_peek(r);
                    if (c == ',') {
                        r->p++;
                        continue;
                    }
                    if (c == ']') {
                        r->p++;
                        break;
                    }
                    rc = pj_expect(r, ']', "',' or ']' after a benchmark row");
                    goto done;
                }
            }
        } else {
            pj_node *v;
            r->depth = 1;
            if ((rc = pj_value(r, run->arena, &v)))
                goto done;
            if ((!strcmp(key, "context") || !strcmp(key, "perfgate")) &&
                (rc = keep_numbers(run->arena, v)))
                goto done;
            if (!strcmp(key, "context")) {
                run->context = v;
            } else if (!strcmp(key, "perfgate")) {
                run->perfgate = v;
                if ((rc = check_perfgate(r, v)))
                    goto done;
            }
        }
        pj_ptr_pop(r, old);
        (void)kline;
        (void)kcol;
        int c = pj_peek(r);
        if (c == ',') {
            r->p++;
            continue;
        }
        if (c == '}') {
            r->p++;
            break;
        }
        rc = pj_expect(r, '}', "',' or '}' in the results object");
        goto done;
    }
closed:
    if ((rc = pj_finish(r)))
        goto done;
    if (!seen_benchmarks) {
        rc = pg_error_set(r->err, PG_EMISSING, r->file, 1, 1, "",
                          "no \"benchmarks\" array (expected Google Benchmark JSON output)");
        goto done;
    }
    for (size_t i = 0; i < run->n && !rc; i++)
        rc = finish_bench(run, &run->benches[i]);
    if (rc)
        pg_error_set(r->err, rc, r->file, 0, 0, NULL, "out of memory");
done:
    pj_arena_destroy(rows);
    if (rc && r->err && !r->err->code)
        pg_error_set(r->err, rc, r->file, r->line, (int)(r->p - r->line_start) + 1,
                     pj_pointer(r, NULL), "%s", pg_strerror(rc));
    return rc;
}

static const char *const format_names[] = { "auto", "gbench", "pytest-benchmark", "hyperfine",
                                            "asv" };

int pg_results_format_parse(const char *name)
{
    for (int f = 0; f < (int)(sizeof format_names / sizeof format_names[0]); f++)
        if (name && !strcmp(name, format_names[f]))
            return f;
    return -1;
}

const char *pg_results_format_name(int format)
{
    return format >= 0 && format <= PG_FORMAT_ASV ? format_names[format] : "?";
}

/* Skips one JSON value without building it (strings and brackets only). */
static const char *skip_value(const char *p, const char *e)
{
    int depth = 0;
    while (p < e) {
        char c = *p;
        if (c == '"') {
            for (p++; p < e && *p != '"'; p++)
                if (*p == '\\')
                    p++;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth-- == 0)
                return p;
        } else if (c == ',' && depth == 0) {
            return p;
        }
        p++;
    }
    return p;
}

int pg_results_format_detect(const char *text, size_t len)
{
    const char *p = text, *e = text + len;
    int results = 0;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (p < e && strchr(" \t\r\n", *p))
        p++;
    if (p >= e || *p != '{')
        return PG_FORMAT_GBENCH; /* its reader says what is wrong */
    p++;
    for (;;) {
        while (p < e && strchr(" \t\r\n,", *p))
            p++;
        if (p >= e || *p != '"')
            break;
        const char *k = ++p;
        while (p < e && *p != '"')
            p += *p == '\\' ? 2 : 1;
        if (p > e)
            p = e;
        size_t klen = (size_t)(p - k);
#define KEY(s) (klen == sizeof(s) - 1 && !memcmp(k, s, klen))
        if (KEY("context") || KEY("perfgate"))
            return PG_FORMAT_GBENCH;
        if (KEY("machine_info") || KEY("commit_info"))
            return PG_FORMAT_PYTEST;
        if (KEY("result_columns") || KEY("commit_hash") || KEY("env_name"))
            return PG_FORMAT_ASV;
        if (KEY("results"))
            results = 1;
#undef KEY
        p++;
        while (p < e && *p != ':')
            p++;
        p = skip_value(p + 1, e);
        if (p >= e || *p == '}')
            break;
    }
    return results ? PG_FORMAT_HYPERFINE : PG_FORMAT_GBENCH;
}

int pg_results_format_detect_path(const char *path, pg_error *err)
{
    size_t len;
    int mapped;
    const char *text = gate_map_file(path, &len, &mapped, err);
    if (!text)
        return -1;
    int f = pg_results_format_detect(text, len);
    gate_unmap_file(text, len, mapped);
    return f;
}

pg_result *gate_results_add(pg_results *run, const char *name, int line, int column)
{
    bench_build *bb = add_build(run, name, line, column);
    return bb ? &bb->b : NULL;
}

int gate_results_push(pg_result *b, double real_ns, double cpu_ns)
{
    return push_sample((bench_build *)b, real_ns, cpu_ns); /* b is its first member */
}

pj_arena *gate_results_arena(pg_results *run)
{
    return run->arena;
}

void gate_results_set_blocks(pg_results *run, const pj_node *context, const pj_node *perfgate)
{
    run->context = context;
    run->perfgate = perfgate;
}

int pg_results_format(const pg_results *run)
{
    return run ? run->format : PG_FORMAT_AUTO;
}

/* pytest-benchmark, hyperfine, asv: small files, parsed whole. */
static int parse_other(pg_results *run, const char *text, size_t len, int format, pg_error *err)
{
    pj_arena *a = pj_arena_create();
    if (!a)
        return pg_error_set(err, PG_ENOMEM, run->path, 0, 0, NULL, "out of memory");
    pj_node *root = pj_parse(text, len, run->path, a, err);
    int rc = root ? 0 : PG_EPARSE;
    if (root && root->type != PJ_OBJECT)
        rc = pg_error_set(err, PG_ETYPE, run->path, root->line, root->column, "",
                          "expected an object (a %s results file), found %s",
                          pg_results_format_name(format), pj_type_name(root->type));
    if (!rc)
        rc = format == PG_FORMAT_PYTEST      ? gate_read_pytest(run, root, run->path, err)
             : format == PG_FORMAT_HYPERFINE ? gate_read_hyperfine(run, root, run->path, err)
                                             : gate_read_asv(run, root, run->path, err);
    for (size_t i = 0; i < run->n && !rc; i++)
        if ((rc = finish_bench(run, &run->benches[i])))
            pg_error_set(err, rc, run->path, 0, 0, NULL, "out of memory");
    pj_arena_destroy(a);
    return rc;
}

pg_results *pg_results_load_buffer_as(const char *text, size_t len, const char *name, int format,
                                      pg_error *err)
{
    pg_results *run = calloc(1, sizeof *run);
    if (!run) {
        pg_error_set(err, PG_ENOMEM, name, 0, 0, NULL, "out of memory");
        return NULL;
    }
    run->arena = pj_arena_create();
    run->path = strdup(name ? name : "");
    if (!run->arena || !run->path) {
        pg_results_destroy(run);
        pg_error_set(err, PG_ENOMEM, name, 0, 0, NULL, "out of memory");
        return NULL;
    }
    pg_error local;
    pg_error_clear(&local);
    if (!err)
        err = &local;
    run->format = format == PG_FORMAT_AUTO ? pg_results_format_detect(text, len) : format;
    int rc;
    if (run->format == PG_FORMAT_GBENCH) {
        pj_reader r;
        pj_reader_init(&r, text, len, run->path, err);
        rc = parse_top(run, &r);
    } else {
        rc = parse_other(run, text, len, run->format, err);
    }
    if (rc) {
        pg_results_destroy(run);
        return NULL;
    }
    return run;
}

pg_results *pg_results_load_buffer(const char *text, size_t len, const char *name, pg_error *err)
{
    return pg_results_load_buffer_as(text, len, name, PG_FORMAT_AUTO, err);
}

pg_results *pg_results_load_as(const char *path, int format, pg_error *err)
{
    size_t len;
    int mapped;
    const char *text = gate_map_file(path, &len, &mapped, err);
    if (!text)
        return NULL;
    pg_results *run = pg_results_load_buffer_as(text, len, path, format, err);
    gate_unmap_file(text, len, mapped);
    return run;
}

pg_results *pg_results_load(const char *path, pg_error *err)
{
    return pg_results_load_as(path, PG_FORMAT_AUTO, err);
}

void pg_results_destroy(pg_results *run)
{
    if (!run)
        return;
    for (size_t i = 0; i < run->n; i++) {
        pg_result *b = &run->benches[i].b;
        free(b->real_ns);
        free(b->cpu_ns);
        for (size_t c = 0; c < b->ncounters; c++)
            free(b->counters[c].values);
        free(b->counters);
    }
    free(run->benches);
    free(run->slots);
    free(run->path);
    pj_arena_destroy(run->arena);
    free(run);
}

size_t pg_results_count(const pg_results *run)
{
    return run ? run->n : 0;
}

const pg_result *pg_results_get(const pg_results *run, size_t i)
{
    return run && i < run->n ? &run->benches[i].b : NULL;
}

const pg_result *pg_results_find(const pg_results *run, const char *name)
{
    if (!run)
        return NULL;
    bench_build *bb = find_build(run, name);
    return bb ? &bb->b : NULL;
}

int pg_results_has_match(const pg_results *run, const char *glob)
{
    if (!run || !glob)
        return 0;
    if (!strpbrk(glob, "*?[\\") || find_build(run, glob)) /* equal to a name: matches */
        return find_build(run, glob) != NULL;
    for (size_t i = 0; i < run->n; i++)
        if (fnmatch(glob, run->benches[i].b.name, 0) == 0)
            return 1;
    return 0;
}

const char *pg_results_path(const pg_results *run)
{
    return run ? run->path : NULL;
}

const char *pg_results_context(const pg_results *run, const char *key)
{
    if (!run)
        return NULL;
    const pj_node *v = pj_get(pj_get(run->perfgate, "context"), key);
    if (!v)
        v = pj_get(run->context, key);
    return v && v->type == PJ_STRING ? v->str : NULL;
}

const char *pg_results_host(const pg_results *run, const char *key)
{
    if (!run)
        return NULL;
    const pj_node *v = pj_get(pj_get(run->perfgate, "host"), key);
    return v && v->type == PJ_STRING ? v->str : NULL;
}

int pg_results_interleaved(const pg_results *run)
{
    if (!run || !run->perfgate)
        return -1;
    const pj_node *v = pj_get(run->perfgate, "interleaved");
    if (v && (v->type == PJ_TRUE || v->type == PJ_FALSE))
        return v->type == PJ_TRUE;
    /* tpbench wrote no "interleaved" before it interleaved by default */
    return pj_get(run->perfgate, "schema_version") ? 0 : -1;
}

/* "unavailable: <reason>" -> "<reason>"; NULL for anything else. */
static const char *unavailable_text(const pj_node *v)
{
    if (!v || v->type != PJ_STRING || strncmp(v->str, "unavailable", 11))
        return NULL;
    const char *r = v->str + 11;
    while (*r == ':' || *r == ' ')
        r++;
    return *r ? r : "unavailable";
}

const char *pg_results_unavailable_reason(const pg_results *run, const char *counter)
{
    if (!run)
        return NULL;
    const pj_node *counters = pj_get(run->perfgate, "counters");
    /* the harness's shape: counters.events.<event> = "unavailable: <why>" */
    const char *why = unavailable_text(pj_get(pj_get(counters, "events"), counter));
    if (why)
        return why;
    const pj_node *c = pj_get(counters, counter);
    if ((why = unavailable_text(c)))
        return why;
    const pj_node *avail = pj_get(c, "available");
    if (avail && avail->type == PJ_FALSE) {
        const pj_node *r = pj_get(c, "reason");
        return r && r->type == PJ_STRING ? r->str : "unavailable on this machine";
    }
    return NULL;
}

const double *pg_result_counter(const pg_result *b, const char *name)
{
    for (size_t i = 0; b && i < b->ncounters; i++)
        if (!strcmp(b->counters[i].name, name))
            return b->counters[i].values;
    return NULL;
}

/* ---- environment ----------------------------------------------------- */

typedef struct env_walk {
    int max_depth;
    pg_results_env_fn fn;
    void *arg;
} env_walk;

/* A number as every reader holds it (pj_number_kind): an integer as
 * itself, any other as a double, %.17g. */
static int number_text(const pj_node *v, char *buf, size_t cap)
{
    long long i = 0;
    double d = 0;
    int kind = pj_number_kind(v, &i, &d);
    if (kind < 0)
        return PG_ENOMEM;
    if (kind == PJ_INT)
        snprintf(buf, cap, "%lld", i);
    else
        snprintf(buf, cap, "%.17g", d);
    return 0;
}

static int walk_env(const env_walk *w, const char *key, const pj_node *v, int depth)
{
    if (depth > w->max_depth)
        return 0;
    if (v->type == PJ_OBJECT) {
        for (const pj_node *m = v->child; m; m = m->next) {
            if (!strcmp(m->key, "benchmarks") || !strcmp(m->key, "benches") ||
                !strcmp(m->key, "caches"))
                continue;
            size_t len = strlen(key) + strlen(m->key) + 2;
            char *sub = malloc(len);
            if (!sub)
                return PG_ENOMEM;
            snprintf(sub, len, "%s.%s", key, m->key);
            int rc = walk_env(w, sub, m, depth + 1);
            free(sub);
            if (rc)
                return rc;
        }
        return 0;
    }
    char num[64];
    const char *text;
    switch (v->type) {
    case PJ_STRING: text = v->str; break;
    case PJ_TRUE: text = "true"; break;
    case PJ_FALSE: text = "false"; break;
    case PJ_NUMBER:
        if (number_text(v, num, sizeof num))
            return PG_ENOMEM;
        text = num;
        break;
    default: return 0; /* null; lists (profiles, caches) are no fingerprint */
    }
    return w->fn(key, text, w->arg);
}

int pg_results_environment(const pg_results *run, int max_depth, pg_results_env_fn fn, void *arg)
{
    if (!run || !fn)
        return PG_EINVAL;
    env_walk w = { max_depth, fn, arg };
    int rc = run->context ? walk_env(&w, "context", run->context, 1) : 0;
    if (rc == 0 && run->perfgate)
        rc = walk_env(&w, "perfgate", run->perfgate, 1);
    return rc;
}
