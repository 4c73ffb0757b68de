/*
 * callgrind.c - reading valgrind's callgrind output for the instruction
 * counting mode (`perfgate ab --mode instructions`) and for `perfgate
 * profile`.  See pg_callgrind.h.
 *
 * tpbench run under callgrind with instrumentation off writes one dump per
 * benchmark: the harness switches it on around one kernel call and dumps
 * with the client request "perfgate:NAME" (harness/runner.c).  The format
 * is callgrind's own ("Callgrind Format Specification" in valgrind's
 * manual): "events:" names the columns, "summary:" is one dump's cost,
 * "fn="/"fl=" name functions and files, "(id) name" compresses them.
 *
 * It lives in gate/ beside results.c because it turns another tool's
 * output into a results file the gate reads, as results.c does for
 * pytest-benchmark or hyperfine.
 */
#include "pg_callgrind.h"
#include "pg_json_read.h"
#include "pg_io.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CG_PREFIX "perfgate:"

#define GB_TRIGGER "desc: Trigger: --dump-before=" PG_CG_GB_STOP
#define HARNESS_TRIGGER "desc: Trigger: Client Request: " CG_PREFIX

/* Reads the events and the totals of one dump; name from its trigger.
 * *is_ours: 1 for a harness dump ("perfgate:NAME"), 2 for a Google
 * Benchmark loop's (GB_TRIGGER), else 0. */
static int read_dump(const char *path, pg_cg_count *c, int *is_ours)
{
    FILE *f = fopen(path, "r");
    *is_ours = 0;
    if (!f)
        return PG_EIO;
    char line[4096], events[64][16];
    int nev = 0;
    double tot[64];
    int have_tot = 0; /* 2: from "summary:" (this dump), 1: from "totals:" */
    memset(c, 0, sizeof *c);
    c->d1mr = c->dlmr = c->i1mr = c->ilmr = c->d1mw = c->dlmw = NAN;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, HARNESS_TRIGGER, strlen(HARNESS_TRIGGER))) {
            snprintf(c->name, sizeof c->name, "%.255s", line + strlen(HARNESS_TRIGGER));
            *is_ours = 1;
        } else if (!strcmp(line, GB_TRIGGER)) {
            *is_ours = 2;
        } else if (!strncmp(line, "events:", 7)) {
            nev = 0;
            char *save = NULL;
            for (char *t = strtok_r(line + 7, " ", &save); t && nev < 64;
                 t = strtok_r(NULL, " ", &save))
                snprintf(events[nev++], sizeof events[0], "%s", t);
        } else if (!strncmp(line, "summary:", 8) ||
                   (!strncmp(line, "totals:", 7) && have_tot < 2)) {
            /* "summary:" is this dump's cost; "totals:" can be cumulative */
            char *p = strchr(line, ':') + 1;
            for (int i = 0; i < nev; i++) {
                char *end;
                tot[i] = strtod(p, &end);
                if (end == p)
                    tot[i] = 0;
                p = end;
            }
            have_tot = line[0] == 's' ? 2 : 1;
        }
    }
    fclose(f);
    if (!have_tot)
        return *is_ours ? PG_EPARSE : 0;
    for (int i = 0; i < nev; i++) {
        if (!strcmp(events[i], "Ir"))
            c->ir = tot[i];
        else if (!strcmp(events[i], "D1mr"))
            c->d1mr = tot[i];
        else if (!strcmp(events[i], "DLmr"))
            c->dlmr = tot[i];
        else if (!strcmp(events[i], "I1mr"))
            c->i1mr = tot[i];
        else if (!strcmp(events[i], "ILmr"))
            c->ilmr = tot[i];
        else if (!strcmp(events[i], "D1mw"))
            c->d1mw = tot[i];
        else if (!strcmp(events[i], "DLmw"))
            c->dlmw = tot[i];
    }
    return 0;
}

/* Opens the folder of "<folder>/<base>" (".": no folder) and points *base
 * into prefix; NULL with err filled when it cannot be read. */
static DIR *open_prefix_dir(const char *prefix, char *dir, size_t len, const char **base,
                            pg_error *err)
{
    snprintf(dir, len, "%s", prefix);
    char *slash = strrchr(dir, '/');
    *base = slash ? prefix + (slash - dir) + 1 : prefix;
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, len, ".");
    DIR *d = opendir(dir[0] ? dir : "/");
    if (!d)
        pg_error_set(err, PG_EIO, dir, 0, 0, NULL, "cannot open the folder: %s", strerror(errno));
    return d;
}

/* ---- Google Benchmark programs: one dump a run of the timed loop ---- */

typedef struct cg_dump {
    unsigned long seq; /* N of "<prefix>.N" */
    char path[8192];
} cg_dump;

static int cmp_dump(const void *a, const void *b)
{
    unsigned long x = ((const cg_dump *)a)->seq, y = ((const cg_dump *)b)->seq;
    return (x > y) - (x < y);
}

/* The dumps "<prefix>" and "<prefix>.N" (N order) whose trigger is the
 * harness's client request (kind 1) or PG_CG_GB_STOP (kind 2).  *out is
 * malloc'd. */
static int list_dumps(const char *prefix, int kind, cg_dump **out, size_t *n, pg_error *err)
{
    *out = NULL;
    *n = 0;
    char dir[4096];
    const char *base;
    DIR *d = open_prefix_dir(prefix, dir, sizeof dir, &base, err);
    if (!d)
        return PG_EIO;
    size_t cap = 0, bl = strlen(base);
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, bl) || (e->d_name[bl] != '\0' && e->d_name[bl] != '.'))
            continue;
        char *end = e->d_name + bl;
        unsigned long seq = e->d_name[bl] ? strtoul(e->d_name + bl + 1, &end, 10) : 0;
        if (*end || (e->d_name[bl] && end == e->d_name + bl + 1))
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        char line[512];
        int ours = 0;
        while (f && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            if (kind == 2 ? !strcmp(line, GB_TRIGGER)
                          : !strncmp(line, HARNESS_TRIGGER, strlen(HARNESS_TRIGGER))) {
                ours = 1;
                break;
            }
            if (!strncmp(line, "events:", 7))
                break; /* the header is over */
        }
        if (f)
            fclose(f);
        if (!ours)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            cg_dump *nd = realloc(*out, cap * sizeof *nd);
            if (!nd) {
                rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
                break;
            }
            *out = nd;
        }
        (*out)[*n].seq = seq;
        snprintf((*out)[*n].path, sizeof(*out)[*n].path, "%s", path);
        (*n)++;
    }
    closedir(d);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_dump);
    return 0;
}

int pg_callgrind_read_dumps(const char *prefix, pg_cg_count **out, size_t *n, pg_error *err)
{
    *out = NULL;
    *n = 0;
    cg_dump *d = NULL;
    size_t nd = 0;
    int rc = list_dumps(prefix, 1, &d, &nd, err);
    if (!rc && nd && !(*out = malloc(nd * sizeof **out)))
        rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    for (size_t i = 0; !rc && i < nd; i++) {
        int ours = 0;
        int r = read_dump(d[i].path, &(*out)[*n], &ours);
        if (r)
            rc = pg_error_set(err, r, d[i].path, 0, 0, NULL, "not a readable callgrind dump");
        else if (ours == 1)
            (*n)++;
    }
    free(d);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int pg_callgrind_gb_last_dump(const char *prefix, char *path, size_t len)
{
    cg_dump *d = NULL;
    size_t n = 0;
    pg_error err;
    if (list_dumps(prefix, 2, &d, &n, &err) || n == 0) {
        free(d);
        return -1;
    }
    snprintf(path, len, "%s", d[n - 1].path);
    free(d);
    return 0;
}

int pg_callgrind_gb_counts(const char *prefix, const char *results_path, pg_cg_count **out,
                           size_t *n, pg_error *err)
{
    *out = NULL;
    *n = 0;
    json_t *root = pg_json_tree_file(results_path, err);
    if (!root)
        return err ? err->code : PG_EPARSE;
    cg_dump *d = NULL;
    size_t nd = 0;
    int rc = list_dumps(prefix, 2, &d, &nd, err);
    json_t *benches = json_object_get(root, "benchmarks");
    if (!rc && !json_is_array(benches))
        rc = pg_error_set(err, PG_ETYPE, results_path, 0, 0, "/benchmarks", "expected an array");
    size_t rows = 0, i;
    json_t *row;
    if (!rc) {
        json_array_foreach(benches, i, row)
        {
            const char *rt = json_string_value(json_object_get(row, "run_type"));
            if (rt && strcmp(rt, "iteration"))
                continue;
            json_int_t th = json_integer_value(json_object_get(row, "threads"));
            if (th > 1) {
                rc = pg_error_set(err, PG_EUNSUP, results_path, 0, 0, NULL,
                                  "benchmark '%s' runs %lld threads: their loops' instructions "
                                  "cannot be counted apart",
                                  json_string_value(json_object_get(row, "name")), (long long)th);
                break;
            }
            rows++;
        }
    }
    if (!rc && rows != nd)
        rc = pg_error_set(err, PG_EPARSE, results_path, 0, 0, NULL,
                          "%zu runs of benchmarks but %zu callgrind dumps of Google Benchmark's "
                          "timed loop (is libbenchmark's %s visible to valgrind?)",
                          rows, nd, PG_CG_GB_STOP);
    size_t k = 0;
    if (!rc && rows && !(*out = calloc(rows, sizeof **out)))
        rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (!rc) {
        json_array_foreach(benches, i, row)
        {
            const char *rt = json_string_value(json_object_get(row, "run_type"));
            if (rt && strcmp(rt, "iteration"))
                continue;
            const cg_dump *dp = &d[k++];
            const char *name = json_string_value(json_object_get(row, "run_name"));
            if (!name)
                name = json_string_value(json_object_get(row, "name"));
            json_int_t iters = json_integer_value(json_object_get(row, "iterations"));
            if (!name || iters < 1) {
                rc = pg_error_set(err, PG_ETYPE, results_path, 0, 0, NULL,
                                  "a benchmark row without a name or iterations");
                break;
            }
            pg_cg_count c;
            int ours = 0;
            if ((rc = read_dump(dp->path, &c, &ours)) != 0) {
                rc = pg_error_set(err, rc, dp->path, 0, 0, NULL, "not a readable callgrind dump");
                break;
            }
            snprintf(c.name, sizeof c.name, "%s", name);
            double per = 1.0 / (double)iters;
            c.ir *= per;
            c.d1mr *= per, c.dlmr *= per, c.i1mr *= per, c.ilmr *= per;
            c.d1mw *= per, c.dlmw *= per;
            /* the last repetition of a name is the one kept */
            size_t j = 0;
            while (j < *n && strcmp((*out)[j].name, name))
                j++;
            (*out)[j] = c;
            if (j == *n)
                (*n)++;
        }
    }
    free(d);
    json_decref(root);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* Seconds in one time_unit of a Google Benchmark row. */
static double unit_s(const char *u)
{
    return !u                 ? 1e-9
           : !strcmp(u, "us") ? 1e-6
           : !strcmp(u, "ms") ? 1e-3
           : !strcmp(u, "s")  ? 1
                              : 1e-9;
}

static const pg_cg_count *find_count(const pg_cg_count *c, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(c[i].name, name))
            return &c[i];
    return NULL;
}

int pg_callgrind_rewrite_results(const char *path, const pg_cg_count *c, size_t n, int repeat,
                                 pg_error *err)
{
    json_t *root = pg_json_tree_file(path, err);
    if (!root)
        return err ? err->code : PG_EPARSE;
    int rc = 0;
    json_t *benches = json_object_get(root, "benchmarks");
    json_t *pgb = json_object_get(root, "perfgate");
    json_t *meta = pgb ? json_object_get(pgb, "benchmarks") : NULL;
    const int plain = pgb == NULL; /* not perfgate's harness: no block of its own */
    json_t *out = json_array(), *skipped = json_array(), *gb_items = NULL;
    if (!json_is_array(benches)) {
        rc = pg_error_set(err, PG_ETYPE, path, 0, 0, "/benchmarks", "expected an array");
        goto done;
    }
    if (repeat < 1)
        repeat = 1;
    size_t i;
    json_t *row;
    json_array_foreach(benches, i, row)
    {
        const char *rt = json_string_value(json_object_get(row, "run_type"));
        const char *name = json_string_value(json_object_get(row, "run_name"));
        if (!name)
            name = json_string_value(json_object_get(row, "name"));
        if (!name || (rt && strcmp(rt, "iteration")))
            continue;
        json_int_t rep = json_integer_value(json_object_get(row, "repetition_index"));
        if (rep > 0)
            continue; /* one count a benchmark, repeated below */
        const pg_cg_count *k = find_count(c, n, name);
        if (!k) {
            json_array_append_new(skipped, json_string(name));
            continue;
        }
        double items = NAN;
        json_t *m = meta ? json_object_get(meta, name) : NULL;
        if (m) {
            items = json_number_value(json_object_get(m, "items_per_iteration"));
        } else if (plain) {
            /* a plain Google Benchmark program: items_per_second is items
             * per iteration over the CPU seconds of an iteration */
            double ips = json_number_value(json_object_get(row, "items_per_second"));
            double cpu = json_number_value(json_object_get(row, "cpu_time"));
            const char *u = json_string_value(json_object_get(row, "time_unit"));
            if (ips > 0 && cpu > 0) {
                items = ips * cpu * unit_s(u);
                if (fabs(items - round(items)) < 1e-6 * items)
                    items = round(items);
                if (!gb_items)
                    gb_items = json_object();
                json_t *o = json_object();
                json_object_set_new(o, "items_per_iteration", json_real(items));
                json_object_set_new(gb_items, name, o);
            }
        }
        double misses = k->d1mr + k->d1mw + k->i1mr;
        for (int r = 0; r < repeat; r++) {
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(name));
            json_object_set_new(o, "run_name", json_string(name));
            json_object_set_new(o, "run_type", json_string("iteration"));
            json_object_set_new(o, "repetitions", json_integer(repeat));
            json_object_set_new(o, "repetition_index", json_integer(r));
            json_object_set_new(o, "threads", json_integer(1));
            json_object_set_new(o, "iterations", json_integer(1));
            json_object_set_new(o, "real_time", json_real(k->ir));
            json_object_set_new(o, "cpu_time", json_real(k->ir));
            json_object_set_new(o, "time_unit", json_string("ns"));
            json_object_set_new(o, "instructions", json_real(k->ir));
            if (items > 0) {
                json_object_set_new(o, "instructions_per_item", json_real(k->ir / items));
                json_object_set_new(o, "items_per_second", json_real(items * 1e9 / k->ir));
            }
            if (!isnan(misses)) {
                json_object_set_new(o, "cache_misses", json_real(misses));
                json_object_set_new(o, "ll_misses", json_real(k->dlmr + k->dlmw + k->ilmr));
                if (items > 0)
                    json_object_set_new(o, "cache_misses_per_item", json_real(misses / items));
            }
            json_array_append_new(out, o);
        }
    }
    json_object_set(root, "benchmarks", out);
    if (!pgb) {
        /* a plain Google Benchmark program's: a block saying what this is */
        pgb = json_object();
        json_object_set_new(root, "perfgate", pgb);
        if (gb_items)
            json_object_set(pgb, "benchmarks", gb_items);
    }
    {
        json_object_set_new(pgb, "mode", json_string("instructions"));
        json_object_set_new(
            pgb, "instructions_note",
            json_string(plain ? "real_time and cpu_time hold the instruction count of "
                                "one iteration of the benchmark's timed loop under "
                                "callgrind, repeated as identical repetitions; it has "
                                "no noise"
                              : "real_time and cpu_time hold the instruction count of "
                                "one kernel call under callgrind, repeated as identical "
                                "repetitions; it has no noise"));
        json_object_set(pgb, "instructions_unavailable", skipped);
    }
    /* A private temporary name (two runs may write beside each other),
     * fsync'd, then renamed. */
    pg_afile *af = pg_afile_open(path, err);
    if (!af) {
        rc = PG_EIO;
    } else if (json_dumpf(root, pg_afile_stream(af), JSON_INDENT(1)) != 0) {
        pg_afile_abort(af);
        rc = pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot write the results");
    } else {
        rc = pg_afile_commit(af, err);
    }
done:
    json_decref(out);
    json_decref(skipped);
    json_decref(gb_items);
    json_decref(root);
    return rc;
}

/* ---- callgrind: per-function costs --------------------------------------------------- */

typedef struct name_map {
    char **names;
    size_t cap;
} name_map;

/* "(12) name" defines id 12; "(12)" refers to it; a bare name is itself. */
static const char *resolve(name_map *m, char *spec)
{
    while (*spec == ' ')
        spec++;
    if (*spec != '(')
        return spec;
    char *end;
    unsigned long id = strtoul(spec + 1, &end, 10);
    if (*end != ')')
        return spec;
    const char *name = end + 1;
    while (*name == ' ')
        name++;
    if (id >= m->cap) {
        size_t cap = m->cap ? m->cap : 256;
        while (cap <= id)
            cap *= 2;
        char **nn = realloc(m->names, cap * sizeof *nn);
        if (!nn)
            return "?";
        memset(nn + m->cap, 0, (cap - m->cap) * sizeof *nn);
        m->names = nn;
        m->cap = cap;
    }
    if (*name) {
        free(m->names[id]);
        m->names[id] = strdup(name);
    }
    return m->names[id] ? m->names[id] : "?";
}

static void free_map(name_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->names[i]);
    free(m->names);
}

static pg_cg_fn *fn_slot(pg_cg_fn **fns, size_t *n, size_t *cap, const char *name, const char *file)
{
    for (size_t i = *n; i > 0; i--)
        if (!strcmp((*fns)[i - 1].name, name))
            return &(*fns)[i - 1];
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        pg_cg_fn *nf = realloc(*fns, c * sizeof *nf);
        if (!nf)
            return NULL;
        *fns = nf;
        *cap = c;
    }
    pg_cg_fn *f = &(*fns)[(*n)++];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->file, sizeof f->file, "%s", file ? file : "");
    return f;
}

static int cmp_fn(const void *a, const void *b)
{
    double x = ((const pg_cg_fn *)a)->ir, y = ((const pg_cg_fn *)b)->ir;
    return (x < y) - (x > y);
}

int pg_callgrind_functions(const char *path, pg_cg_fn **out, size_t *n, double *total,
                           pg_error *err)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
    name_map fl = { 0 }, fnm = { 0 };
    char line[8192];
    const char *cur_file = "", *cur_fn = NULL;
    char file_buf[512] = "";
    int npos = 1, ir_col = 0, in_call = 0, rc = 0;
    size_t cap = 0, lineno = 0;
    pg_cg_fn *cur = NULL;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "positions:", 10)) {
            npos = 0;
            for (char *p = line + 10; *p; p++)
                if (*p != ' ' && (p[-1] == ' ' || p == line + 10))
                    npos++;
        } else if (!strncmp(line, "events:", 7)) {
            int col = 0;
            char *save = NULL;
            for (char *t = strtok_r(line + 7, " ", &save); t; t = strtok_r(NULL, " ", &save), col++)
                if (!strcmp(t, "Ir"))
                    ir_col = col;
        } else if (!strncmp(line, "summary:", 8) || !strncmp(line, "totals:", 7)) {
            char *p = strchr(line, ':') + 1, *end = p;
            double v = 0;
            for (int i = 0; i <= ir_col; i++) {
                v = strtod(p, &end);
                p = end;
            }
            if (*total == 0 || !strncmp(line, "summary:", 8))
                *total = v;
        } else if (!strncmp(line, "fl=", 3) || !strncmp(line, "fi=", 3) ||
                   !strncmp(line, "fe=", 3)) {
            cur_file = resolve(&fl, line + 3);
            snprintf(file_buf, sizeof file_buf, "%s", cur_file);
            if (!strncmp(line, "fl=", 3) && cur_fn)
                (void)0;
        } else if (!strncmp(line, "fn=", 3)) {
            cur_fn = resolve(&fnm, line + 3);
            cur = fn_slot(out, n, &cap, cur_fn, file_buf);
            if (!cur) {
                rc = pg_error_set(err, PG_ENOMEM, path, 0, 0, NULL, "out of memory");
                break;
            }
        } else if (!strncmp(line, "cfn=", 4)) {
            resolve(&fnm, line + 4);
        } else if (!strncmp(line, "cfi=", 4) || !strncmp(line, "cfl=", 4)) {
            resolve(&fl, line + 4);
        } else if (!strncmp(line, "calls=", 6)) {
            in_call = 1;
        } else if ((line[0] >= '0' && line[0] <= '9') || line[0] == '+' || line[0] == '-' ||
                   line[0] == '*') {
            char *p = line, *end;
            for (int i = 0; i < npos; i++) {
                while (*p == ' ')
                    p++;
                while (*p && *p != ' ')
                    p++;
            }
            double v = 0;
            for (int i = 0; i <= ir_col; i++) {
                v = strtod(p, &end);
                if (end == p) {
                    v = 0;
                    break;
                }
                p = end;
            }
            if (cur) {
                if (in_call)
                    cur->incl += v;
                else {
                    cur->ir += v;
                    cur->incl += v;
                }
            }
            in_call = 0;
        }
    }
    fclose(f);
    free_map(&fl);
    free_map(&fnm);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    qsort(*out, *n, sizeof **out, cmp_fn);
    if (*total == 0)
        for (size_t i = 0; i < *n; i++)
            *total += (*out)[i].ir;
    (void)lineno;
    return 0;
}
