/*
 * formats.c - the result formats of other harnesses, read into the same
 * pg_results as Google Benchmark JSON (results.c detects which one a file
 * is; docs/budgets.md "Other harnesses" says what each carries):
 *
 *  - pytest-benchmark --benchmark-json (3.2.x): one benchmark per
 *    "fullname"; the per-round times of stats.data when the file has them
 *    (--benchmark-save-data), else the stored summary (median, q1, q3, min
 *    of stats.rounds rounds) as one value with its own n: no sample is
 *    invented, and check judges a summary by the rule in check.c.
 *  - hyperfine --export-json: one benchmark per "command", each run's time
 *    in "times" a sample.  hyperfine keeps only the mean user and system
 *    time, so there is no per-run CPU time.
 *  - asv results files, results version 2 (asv 0.5 and 0.6,
 *    asv/results.py): "result_columns" names the columns of each entry of
 *    "results"; a parametrised benchmark is one benchmark per combination
 *    of its "params" (itertools.product order), named "name(p1, p2)";
 *    "samples" (asv run --record-samples) are the samples, else "result"
 *    (asv's median) with stats_q_25 / stats_q_75 of stats_repeat repeats.
 *    Only time_* and timeraw_* benchmarks are read: the unit of mem_,
 *    peakmem_ and track_ results is not in the results file.
 *
 * Times are seconds in all three and become ns.  The machine and commit
 * each format carries land where Google Benchmark's and the harness's do:
 * context.host_name, context.num_cpus, context.date, context.executable,
 * perfgate.git_commit, perfgate.git_branch, perfgate.host.cpu_model.
 */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct rd {
    pg_results *run;
    const char *file;
    pg_error *err;
    pj_node *context, *perfgate, *host;
} rd;

static int bad(rd *c, const pj_node *at, const char *pointer, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int bad(rd *c, const pj_node *at, const char *pointer, int code, const char *fmt, ...)
{
    char msg[224];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pg_error_set(c->err, code, c->file, at ? at->line : 1, at ? at->column : 1, pointer,
                        "%s", msg);
}

static int nomem(rd *c)
{
    return pg_error_set(c->err, PG_ENOMEM, c->file, 0, 0, NULL, "out of memory");
}

/* A JSON pointer token: '~' and '/' escaped (RFC 6901), cut to fit. */
static void ptr_token(char *buf, size_t cap, const char *key)
{
    size_t n = strlen(buf);
    for (; *key && n + 3 < cap; key++) {
        if (*key == '~' || *key == '/') {
            buf[n++] = '~';
            buf[n++] = *key == '~' ? '0' : '1';
        } else {
            buf[n++] = *key;
        }
    }
    buf[n] = '\0';
}

/* obj's member key of type type (PJ_NUMBER also accepts nothing else;
 * PJ_TRUE accepts false).  Missing: NULL, an error when required. */
static int member(rd *c, const pj_node *obj, const char *ptr, const char *key, int type,
                  int required, const pj_node **out)
{
    const pj_node *v = pj_get(obj, key);
    char p[256];
    *out = NULL;
    snprintf(p, sizeof p, "%s/", ptr);
    ptr_token(p, sizeof p, key);
    if (!v || (v->type == PJ_NULL && !required)) {
        if (!required)
            return 0;
        return bad(c, obj, ptr, PG_EMISSING, "no \"%s\" member (expected %s)", key,
                   pj_type_name(type));
    }
    if (!(v->type == type || (type == PJ_TRUE && v->type == PJ_FALSE)))
        return bad(c, v, p, PG_ETYPE, "expected %s, found %s", pj_type_name(type),
                   pj_type_name(v->type));
    *out = v;
    return 0;
}

/* A time in seconds as ns: a finite, non-negative number. */
static int seconds(rd *c, const pj_node *v, const char *ptr, double *ns)
{
    double s = pj_number(v);
    if (v->type != PJ_NUMBER || !isfinite(s) || s < 0)
        return bad(c, v, ptr, PG_ETYPE, "expected a non-negative time in seconds, found %s",
                   v->type == PJ_NUMBER ? "a negative or non-finite number"
                                        : pj_type_name(v->type));
    *ns = s * 1e9;
    return 0;
}

/* ---- the context and perfgate blocks ----------------------------------- */

static pj_node *new_object(rd *c)
{
    pj_node *o = pj_alloc(gate_results_arena(c->run), sizeof *o);
    if (o) {
        memset(o, 0, sizeof *o);
        o->type = PJ_OBJECT;
    }
    return o;
}

static int put(rd *c, pj_node *obj, const char *key, pj_node *v)
{
    pj_arena *a = gate_results_arena(c->run);
    if (!(v->key = pj_strdup(a, key)))
        return nomem(c);
    pj_node **tail = &obj->child;
    while (*tail)
        tail = &(*tail)->next;
    *tail = v;
    obj->count++;
    return 0;
}

static int put_str(rd *c, pj_node *obj, const char *key, const char *value)
{
    if (!value || !*value)
        return 0;
    pj_arena *a = gate_results_arena(c->run);
    pj_node *v = pj_alloc(a, sizeof *v);
    if (!v)
        return nomem(c);
    memset(v, 0, sizeof *v);
    v->type = PJ_STRING;
    if (!(v->str = pj_strdup(a, value)))
        return nomem(c);
    v->len = strlen(v->str);
    return put(c, obj, key, v);
}

/* A string member of src (or a number's text) copied as a string. */
static int copy_scalar(rd *c, pj_node *obj, const char *key, const pj_node *src)
{
    char buf[64];
    if (!src)
        return 0;
    if (src->type == PJ_STRING)
        return put_str(c, obj, key, src->str);
    if (src->type == PJ_NUMBER) {
        snprintf(buf, sizeof buf, "%.*s", (int)(src->len < 60 ? src->len : 60), src->text);
        return put_str(c, obj, key, buf);
    }
    if (src->type == PJ_TRUE || src->type == PJ_FALSE)
        return put_str(c, obj, key, src->type == PJ_TRUE ? "true" : "false");
    return 0;
}

static int blocks_begin(rd *c, const char *format)
{
    if (!(c->context = new_object(c)) || !(c->perfgate = new_object(c)) ||
        !(c->host = new_object(c)))
        return nomem(c);
    return put_str(c, c->context, "results_format", format);
}

static int blocks_end(rd *c)
{
    if (c->host->count) {
        int rc = put(c, c->perfgate, "host", c->host);
        if (rc)
            return rc;
    }
    gate_results_set_blocks(c->run, c->context, c->perfgate->count ? c->perfgate : NULL);
    return 0;
}

/* A benchmark, refused when its name was seen before. */
static int new_bench(rd *c, const char *name, const pj_node *at, const char *ptr, pg_result **out)
{
    const pg_result *seen = pg_results_find(c->run, name);
    if (seen)
        return bad(c, at, ptr, PG_ETYPE,
                   "a second benchmark with this name (the first is at line %d); expected "
                   "each name once",
                   seen->line);
    if (!(*out = gate_results_add(c->run, name, at->line, at->column)))
        return nomem(c);
    return 0;
}

/* ---- pytest-benchmark ---------------------------------------------------- */

/* The summary pytest-benchmark (or asv) stores instead of samples: one
 * value (the median) standing for n rounds, with the quantiles kept. */
static int set_summary(rd *c, pg_result *b, double median_ns, size_t n, double q1, double q3,
                       double min, const char *source)
{
    if (gate_results_push(b, median_ns, NAN))
        return nomem(c);
    b->from_aggregate = 1;
    b->summary_n = n;
    b->summary_q1 = q1;
    b->summary_q3 = q3;
    b->summary_min = min;
    b->source = source;
    return 0;
}

static int pytest_bench(rd *c, const pj_node *row, size_t i)
{
    char ptr[64], sp[80];
    snprintf(ptr, sizeof ptr, "/benchmarks/%zu", i);
    snprintf(sp, sizeof sp, "%s/stats", ptr);
    if (row->type != PJ_OBJECT)
        return bad(c, row, ptr, PG_ETYPE, "expected a benchmark object, found %s",
                   pj_type_name(row->type));
    const pj_node *fullname, *stats, *data;
    int rc;
    if ((rc = member(c, row, ptr, "fullname", PJ_STRING, 1, &fullname)) ||
        (rc = member(c, row, ptr, "stats", PJ_OBJECT, 1, &stats)) ||
        (rc = member(c, stats, sp, "data", PJ_ARRAY, 0, &data)))
        return rc;
    pg_result *b;
    if ((rc = new_bench(c, fullname->str, row, ptr, &b)))
        return rc;
    b->cpu_missing = "pytest-benchmark times wall-clock rounds only (no CPU time)";
    if (data && data->count) {
        size_t k = 0;
        for (const pj_node *d = data->child; d; d = d->next, k++) {
            char dp[112];
            double ns = 0;
            snprintf(dp, sizeof dp, "%s/data/%zu", sp, k);
            if ((rc = seconds(c, d, dp, &ns)))
                return rc;
            if (gate_results_push(b, ns, NAN))
                return nomem(c);
        }
        b->source = "pytest-benchmark per-round samples (stats.data)";
        return 0;
    }
    static const char *const keys[] = { "median", "q1", "q3", "min" };
    double v[4];
    for (int k = 0; k < 4; k++) {
        const pj_node *m;
        char mp[112];
        snprintf(mp, sizeof mp, "%s/%s", sp, keys[k]);
        if ((rc = member(c, stats, sp, keys[k], PJ_NUMBER, 1, &m)) ||
            (rc = seconds(c, m, mp, &v[k])))
            return rc;
    }
    const pj_node *rounds;
    if ((rc = member(c, stats, sp, "rounds", PJ_NUMBER, 1, &rounds)))
        return rc;
    double n = pj_number(rounds);
    if (!(n >= 1 && n <= 1e12 && n == floor(n))) {
        char rp[112];
        snprintf(rp, sizeof rp, "%s/rounds", sp);
        return bad(c, rounds, rp, PG_ETYPE, "expected a positive whole number of rounds");
    }
    return set_summary(c, b, v[0], (size_t)n, v[1], v[2], v[3],
                       "pytest-benchmark summary only, no stats.data "
                       "(use --benchmark-save-data)");
}

int gate_read_pytest(pg_results *run, const pj_node *root, const char *file, pg_error *err)
{
    rd c = { run, file, err, NULL, NULL, NULL };
    const pj_node *benches, *mi, *ci, *cpu, *version, *dt;
    int rc;
    if ((rc = member(&c, root, "", "benchmarks", PJ_ARRAY, 1, &benches)) ||
        (rc = member(&c, root, "", "machine_info", PJ_OBJECT, 0, &mi)) ||
        (rc = member(&c, root, "", "commit_info", PJ_OBJECT, 0, &ci)) ||
        (rc = member(&c, mi, "/machine_info", "cpu", PJ_OBJECT, 0, &cpu)) ||
        (rc = member(&c, root, "", "version", PJ_STRING, 0, &version)) ||
        (rc = member(&c, root, "", "datetime", PJ_STRING, 0, &dt)))
        return rc;
    char fmt[96];
    snprintf(fmt, sizeof fmt, "pytest-benchmark %s", version ? version->str : "(version unknown)");
    if ((rc = blocks_begin(&c, fmt)))
        return rc;
    const pj_node *impl = pj_get(mi, "python_implementation"), *pv = pj_get(mi, "python_version");
    char exe[128] = "";
    if (impl && impl->type == PJ_STRING && pv && pv->type == PJ_STRING)
        snprintf(exe, sizeof exe, "%s %s", impl->str, pv->str);
    const pj_node *brand = pj_get(cpu, "brand_raw");
    if (!brand || brand->type != PJ_STRING)
        brand = pj_get(cpu, "brand");
    if ((rc = copy_scalar(&c, c.context, "host_name", pj_get(mi, "node"))) ||
        (rc = copy_scalar(&c, c.context, "num_cpus", pj_get(cpu, "count"))) ||
        (rc = copy_scalar(&c, c.context, "date", dt)) ||
        (rc = put_str(&c, c.context, "executable", exe)) ||
        (rc = copy_scalar(&c, c.perfgate, "git_commit", pj_get(ci, "id"))) ||
        (rc = copy_scalar(&c, c.perfgate, "git_branch", pj_get(ci, "branch"))) ||
        (rc = copy_scalar(&c, c.perfgate, "git_dirty", pj_get(ci, "dirty"))) ||
        (rc = copy_scalar(&c, c.host, "cpu_model", brand)) || (rc = blocks_end(&c)))
        return rc;
    size_t i = 0;
    for (const pj_node *row = benches->child; row; row = row->next, i++)
        if ((rc = pytest_bench(&c, row, i)))
            return rc;
    return 0;
}

/* ---- hyperfine ------------------------------------------------------------ */

static int hyperfine_bench(rd *c, const pj_node *row, size_t i)
{
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/results/%zu", i);
    if (row->type != PJ_OBJECT)
        return bad(c, row, ptr, PG_ETYPE, "expected a command's object, found %s",
                   pj_type_name(row->type));
    const pj_node *command, *times, *codes;
    int rc;
    if ((rc = member(c, row, ptr, "command", PJ_STRING, 1, &command)) ||
        (rc = member(c, row, ptr, "times", PJ_ARRAY, 1, &times)) ||
        (rc = member(c, row, ptr, "exit_codes", PJ_ARRAY, 0, &codes)))
        return rc;
    pg_result *b;
    if ((rc = new_bench(c, command->str, row, ptr, &b)))
        return rc;
    b->cpu_missing = "hyperfine keeps only the mean user and system time, not each run's";
    b->source = "hyperfine per-run samples (times)";
    size_t k = 0;
    for (const pj_node *t = times->child; t; t = t->next, k++) {
        char tp[96];
        double ns = 0;
        snprintf(tp, sizeof tp, "%s/times/%zu", ptr, k);
        if ((rc = seconds(c, t, tp, &ns)))
            return rc;
        if (gate_results_push(b, ns, NAN))
            return nomem(c);
    }
    k = 0;
    for (const pj_node *e = codes ? codes->child : NULL; e; e = e->next, k++) {
        if (e->type == PJ_NULL)
            continue; /* killed by a signal: hyperfine writes null */
        if (e->type != PJ_NUMBER || pj_number(e) != 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "the command failed in run %zu (exit code %.0f)", k + 1,
                     e->type == PJ_NUMBER ? pj_number(e) : NAN);
            if (!(b->error = pj_strdup(gate_results_arena(c->run), msg)))
                return nomem(c);
            break;
        }
    }
    return 0;
}

int gate_read_hyperfine(pg_results *run, const pj_node *root, const char *file, pg_error *err)
{
    rd c = { run, file, err, NULL, NULL, NULL };
    const pj_node *results;
    int rc;
    if ((rc = member(&c, root, "", "results", PJ_ARRAY, 1, &results)) ||
        (rc = blocks_begin(&c, "hyperfine")) || (rc = blocks_end(&c)))
        return rc;
    size_t i = 0;
    for (const pj_node *row = results->child; row; row = row->next, i++)
        if ((rc = hyperfine_bench(&c, row, i)))
            return rc;
    return 0;
}

/* ---- asv ------------------------------------------------------------------ */

enum { COL_RESULT, COL_PARAMS, COL_Q25, COL_Q75, COL_REPEAT, COL_SAMPLES, NCOLS };
static const char *const asv_cols[NCOLS] = { "result",     "params",       "stats_q_25",
                                             "stats_q_75", "stats_repeat", "samples" };

/* Element i of a per-combination list column; NULL when absent or null. */
static const pj_node *nth(const pj_node *list, size_t i)
{
    if (!list || list->type != PJ_ARRAY)
        return NULL;
    const pj_node *e = list->child;
    for (; e && i; i--)
        e = e->next;
    return e && e->type != PJ_NULL ? e : NULL;
}

static int is_time_benchmark(const char *name)
{
    const char *last = strrchr(name, '.');
    last = last ? last + 1 : name;
    return !strncmp(last, "time_", 5) || !strncmp(last, "timeraw_", 8);
}

static int asv_bench(rd *c, const pj_node *entry, const int *colidx)
{
    char ptr[256] = "/results/";
    ptr_token(ptr, sizeof ptr, entry->key);
    if (entry->type != PJ_ARRAY)
        return bad(c, entry, ptr, PG_ETYPE, "expected an array of result columns, found %s",
                   pj_type_name(entry->type));
    const pj_node *col[NCOLS] = { 0 };
    size_t k = 0;
    for (const pj_node *v = entry->child; v; v = v->next, k++)
        for (int j = 0; j < NCOLS; j++)
            if (colidx[j] == (int)k && v->type != PJ_NULL) {
                if (v->type != PJ_ARRAY) {
                    char cp[300];
                    snprintf(cp, sizeof cp, "%s/%zu", ptr, k);
                    return bad(c, v, cp, PG_ETYPE, "expected a list for \"%s\", found %s",
                               asv_cols[j], pj_type_name(v->type));
                }
                col[j] = v;
            }
    if (!is_time_benchmark(entry->key))
        return 0;
    /* The combinations: the product of the params lists, last fastest. */
    size_t ncomb = 1, nparams = col[COL_PARAMS] ? col[COL_PARAMS]->count : 0;
    for (const pj_node *p = nparams ? col[COL_PARAMS]->child : NULL; p; p = p->next) {
        if (p->type != PJ_ARRAY || !p->count)
            return bad(c, p, ptr, PG_ETYPE, "expected each of \"params\" to be a non-empty list");
        for (const pj_node *q = p->child; q; q = q->next)
            if (q->type != PJ_STRING)
                return bad(c, q, ptr, PG_ETYPE, "expected a parameter's text, found %s",
                           pj_type_name(q->type));
        ncomb = ncomb > 1000000 / p->count ? 1000001 : ncomb * p->count;
    }
    if (ncomb > 1000000)
        return bad(c, col[COL_PARAMS], ptr, PG_ELIMIT, "more than 1000000 parameter combinations");
    if (col[COL_RESULT] && col[COL_RESULT]->count != ncomb)
        return bad(c, col[COL_RESULT], ptr, PG_ETYPE,
                   "expected one result per parameter combination (%zu), found %zu", ncomb,
                   col[COL_RESULT]->count);
    for (size_t i = 0; i < ncomb; i++) {
        char name[1024];
        size_t len = (size_t)snprintf(name, sizeof name, "%s", entry->key);
        if (nparams) {
            size_t rest = i, div = ncomb;
            len += (size_t)snprintf(name + len, len < sizeof name ? sizeof name - len : 0, "(");
            size_t j = 0;
            for (const pj_node *p = col[COL_PARAMS]->child; p; p = p->next, j++) {
                div /= p->count;
                const pj_node *q = nth(p, rest / div);
                rest %= div;
                len += (size_t)snprintf(name + len, len < sizeof name ? sizeof name - len : 0,
                                        "%s%s", j ? ", " : "", q->str);
            }
            len += (size_t)snprintf(name + len, len < sizeof name ? sizeof name - len : 0, ")");
        }
        if (len >= sizeof name)
            return bad(c, entry, ptr, PG_ELIMIT, "a benchmark name longer than %zu bytes",
                       sizeof name - 1);
        pg_result *b;
        int rc = new_bench(c, name, entry, ptr, &b);
        if (rc)
            return rc;
        b->cpu_missing = "asv records one timer (its default: wall clock), not CPU time apart";
        const pj_node *samples = nth(col[COL_SAMPLES], i), *res = nth(col[COL_RESULT], i);
        if (samples) {
            if (samples->type != PJ_ARRAY)
                return bad(c, samples, ptr, PG_ETYPE, "expected a list of samples, found %s",
                           pj_type_name(samples->type));
            for (const pj_node *s = samples->child; s; s = s->next) {
                double ns = 0;
                if ((rc = seconds(c, s, ptr, &ns)))
                    return rc;
                if (gate_results_push(b, ns, NAN))
                    return nomem(c);
            }
            b->source = "asv per-repeat samples (samples)";
            continue;
        }
        if (!res) {
            b->error = "asv recorded no result (the benchmark failed or was skipped)";
            continue;
        }
        double med = 0, q1 = NAN, q3 = NAN;
        const pj_node *q25 = nth(col[COL_Q25], i), *q75 = nth(col[COL_Q75], i),
                      *rep = nth(col[COL_REPEAT], i);
        if ((rc = seconds(c, res, ptr, &med)) || (q25 && (rc = seconds(c, q25, ptr, &q1))) ||
            (q75 && (rc = seconds(c, q75, ptr, &q3))))
            return rc;
        double n = rep && rep->type == PJ_NUMBER ? pj_number(rep) : 0;
        if (!(n >= 0 && n <= 1e12))
            return bad(c, rep, ptr, PG_ETYPE, "expected a non-negative stats_repeat");
        if ((rc = set_summary(c, b, med, (size_t)n, q1, q3, NAN,
                              "asv summary only, no samples "
                              "(use asv run --record-samples)")))
            return rc;
    }
    return 0;
}

int gate_read_asv(pg_results *run, const pj_node *root, const char *file, pg_error *err)
{
    rd c = { run, file, err, NULL, NULL, NULL };
    const pj_node *version, *cols, *results, *params, *commit, *env, *date;
    int rc;
    if ((rc = member(&c, root, "", "version", PJ_NUMBER, 1, &version)))
        return rc;
    if (pj_number(version) != 2)
        return bad(&c, version, "/version", PG_EUNSUP,
                   "expected asv results version 2 (asv 0.5 or 0.6), found %.*s",
                   (int)(version->len < 20 ? version->len : 20), version->text);
    if ((rc = member(&c, root, "", "result_columns", PJ_ARRAY, 1, &cols)) ||
        (rc = member(&c, root, "", "results", PJ_OBJECT, 1, &results)) ||
        (rc = member(&c, root, "", "params", PJ_OBJECT, 0, &params)) ||
        (rc = member(&c, root, "", "commit_hash", PJ_STRING, 0, &commit)) ||
        (rc = member(&c, root, "", "env_name", PJ_STRING, 0, &env)) ||
        (rc = member(&c, root, "", "date", PJ_NUMBER, 0, &date)))
        return rc;
    int colidx[NCOLS];
    for (int j = 0; j < NCOLS; j++)
        colidx[j] = -1;
    size_t k = 0;
    for (const pj_node *v = cols->child; v; v = v->next, k++) {
        if (v->type != PJ_STRING) {
            char cp[64];
            snprintf(cp, sizeof cp, "/result_columns/%zu", k);
            return bad(&c, v, cp, PG_ETYPE, "expected a column name, found %s",
                       pj_type_name(v->type));
        }
        for (int j = 0; j < NCOLS; j++)
            if (!strcmp(v->str, asv_cols[j]) && colidx[j] < 0)
                colidx[j] = (int)k;
    }
    if (colidx[COL_RESULT] < 0)
        return bad(&c, cols, "/result_columns", PG_EMISSING, "no \"result\" column");
    char when[32] = "";
    if (date && isfinite(pj_number(date))) {
        time_t t = (time_t)(pj_number(date) / 1000.0); /* ms since the epoch */
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    if ((rc = blocks_begin(&c, "asv results version 2")) ||
        (rc = copy_scalar(&c, c.context, "host_name", pj_get(params, "machine"))) ||
        (rc = copy_scalar(&c, c.context, "num_cpus", pj_get(params, "num_cpu"))) ||
        (rc = put_str(&c, c.context, "date", when)) ||
        (rc = copy_scalar(&c, c.context, "executable", env)) ||
        (rc = copy_scalar(&c, c.perfgate, "git_commit", commit)) ||
        (rc = copy_scalar(&c, c.host, "cpu_model", pj_get(params, "cpu"))) || (rc = blocks_end(&c)))
        return rc;
    for (const pj_node *e = results->child; e; e = e->next)
        if ((rc = asv_bench(&c, e, colidx)))
            return rc;
    return 0;
}
