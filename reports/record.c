/*
 * record.c - from a Google Benchmark results file to a recorded run, and
 * back to a results file (a baseline export).
 *
 * Reading the benchmarks is the gate's job (pg_results_load: repetitions,
 * aggregates, units to ns); judging them too.  Here we only translate its
 * run and the verdicts `perfgate check --record` decided (or, for `history
 * add --budgets`, those pg_gate_check gives) into a pg_hist_run.  The environment is
 * the results' "context" and "perfgate" objects flattened to dotted keys
 * (perfgate.host.cpu_model = ...), as the gate read them
 * (pg_results_environment); their per-benchmark parts are left out, they are
 * in the samples.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "pg_history.h"
#include "pg_io.h"

#include "pg_gate.h"

/* At most this many environment entries, this deep, are kept. */
#define ENV_MAX 256
#define ENV_DEPTH 4

typedef struct envbuf {
    pg_hist_kv kv[ENV_MAX];
    char *owned[2 * ENV_MAX];
    size_t n, n_owned;
} envbuf;

/* Keeps one entry of the environment (pg_results_env_fn); copies both. */
static int add_env(const char *key, const char *value, void *arg)
{
    envbuf *e = arg;
    if (e->n >= ENV_MAX)
        return 1; /* full: the rest is left out */
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return PG_ENOMEM;
    }
    e->owned[e->n_owned++] = k;
    e->owned[e->n_owned++] = v;
    e->kv[e->n].key = k;
    e->kv[e->n].value = v;
    e->n++;
    return 0;
}

static void env_free(envbuf *e)
{
    for (size_t i = 0; i < e->n_owned; i++)
        free(e->owned[i]);
}

static const char *env_get(const envbuf *e, const char *key)
{
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->kv[i].key, key))
            return e->kv[i].value;
    return NULL;
}

/* 1 when run id holds exactly this environment and these samples (the
 * same results file recorded before), 0 when not, <0 on error. */
static int same_run(pg_history *h, int64_t id, const envbuf *env, const pg_hist_bench *b, size_t nb,
                    pg_error *err)
{
    pg_hist_show *s = NULL;
    int rc = pg_history_show(h, id, &s, err);
    if (rc < 0)
        return rc;
    int same = s->n_env == env->n && s->n_rows == nb;
    for (size_t i = 0; same && i < s->n_env; i++) {
        const char *v = env_get(env, s->env[i].key);
        same = v && s->env[i].value && !strcmp(v, s->env[i].value);
    }
    pg_hist_show_free(s);
    for (size_t i = 0; same && i < nb; i++) {
        double *real = NULL, *cpu = NULL;
        size_t n = 0;
        if ((rc = pg_history_samples(h, id, b[i].name, &real, &cpu, &n, err)) < 0)
            return rc == PG_EMISSING ? 0 : rc;
        same = n == b[i].n_samples;
        for (size_t k = 0; same && k < n; k++)
            same = real[k] == b[i].real_ns[k] || (isnan(real[k]) && isnan(b[i].real_ns[k]));
        free(real);
        free(cpu);
    }
    return same;
}

/* The newest recorded run (of the last 50) that is these results, or 0. */
static int find_same(pg_history *h, const envbuf *env, const pg_hist_bench *b, size_t nb,
                     int64_t *found, pg_error *err)
{
    pg_hist_run_info *runs = NULL;
    size_t n = 0;
    *found = 0;
    int rc = pg_history_list(h, 50, &runs, &n, err);
    for (size_t i = 0; rc >= 0 && i < n && !*found; i++) {
        if ((size_t)runs[i].n_benches != nb)
            continue;
        rc = same_run(h, runs[i].id, env, b, nb, err);
        if (rc == 1)
            *found = runs[i].id;
    }
    free(runs);
    return rc < 0 ? rc : 0;
}

int pg_history_add_results(pg_history *h, const char *results, const pg_hist_add_options *opt,
                           int64_t *run_id, pg_error *err)
{
    static const pg_hist_add_options defaults = { 0 };
    if (!opt)
        opt = &defaults;
    if (!h || !results)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "bad arguments");
    /* results check has read already are not read a second time */
    pg_results *owned = opt->loaded ? NULL : pg_results_load_as(results, opt->format, err);
    const pg_results *head = opt->loaded ? opt->loaded : owned;
    pg_results *base = NULL;
    pg_budget_set *budgets = NULL;
    pg_verdicts *report = NULL;
    pg_hist_bench *benches = NULL;
    pg_hist_verdict *verdicts = NULL;
    pg_hist_waiver *waivers = NULL;
    pg_run_spread *spreads = NULL;
    size_t n_spreads = 0;
    envbuf *env = calloc(1, sizeof *env);
    int rc = 0;
    if (!head || !env) {
        rc = head ? pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory") : PG_EPARSE;
        goto done;
    }
    size_t nb = pg_results_count(head);
    benches = calloc(nb ? nb : 1, sizeof *benches);
    if (!benches) {
        rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    size_t kept = 0;
    for (size_t i = 0; i < nb; i++) {
        const pg_result *b = pg_results_get(head, i);
        if (b->error && b->n == 0)
            continue; /* a benchmark that failed to run has nothing to record */
        /* A ->Complexity() fit row (BM_X_BigO, BM_X_RMS) has no samples: the
         * history keeps timings, so it is skipped, deliberately; its
         * verdicts, when a budget judged it, are kept with the others. */
        if (b->complexity)
            continue;
        benches[kept++] = (pg_hist_bench){ b->name, b->real_ns, b->cpu_ns, b->n, 0 };
    }

    size_t nv = 0, nw = 0;
    const pg_verdicts *decided = opt->verdicts;
    if (!decided && opt->budgets) {
        budgets = pg_budget_set_create();
        if (!budgets) {
            rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            goto done;
        }
        if (pg_budget_set_add_path(budgets, opt->budgets) < 0) {
            const pg_error *d =
                pg_budget_set_ndiag(budgets) ? pg_budget_set_diag(budgets, 0) : NULL;
            if (d && err && !err->code)
                *err = *d;
            rc = d ? d->code
                   : pg_error_set(err, PG_EPARSE, opt->budgets, 0, 0, NULL, "cannot read budgets");
            goto done;
        }
        if (opt->baseline && !(base = pg_results_load_as(opt->baseline, opt->format, err))) {
            rc = PG_EPARSE;
            goto done;
        }
        /* as check judges: a baseline is another run, and the history
         * holds how far each benchmark moves between runs */
        if (base &&
            (rc = pg_history_run_spreads(h, PG_HIST_SPREAD_RUNS, &spreads, &n_spreads, err)))
            goto done;
        pg_gate_options gopt = { opt->today, 0, spreads, n_spreads };
        report = pg_gate_check(head, base, budgets, &gopt, err);
        if (!report) {
            rc = PG_EINVAL;
            goto done;
        }
        decided = report;
    }
    if (decided) {
        size_t n = pg_verdicts_count(decided);
        verdicts = calloc(n ? n : 1, sizeof *verdicts);
        nw = pg_verdicts_nactive_waivers(decided);
        waivers = calloc(nw ? nw : 1, sizeof *waivers);
        if (!verdicts || !waivers) {
            rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            const pg_verdict *v = pg_verdicts_get(decided, i);
            /* "no budget" is not a decision: the history keeps the judged */
            if (!v->bench || v->kind == PG_V_UNBUDGETED)
                continue;
            int ceiling = !strcmp(v->unit, "ns") && strncmp(v->metric, "regression", 10) != 0;
            verdicts[nv++] =
                (pg_hist_verdict){ v->bench,
                                   v->metric,
                                   pg_verdict_name(v->kind),
                                   v->budget_file,
                                   ceiling ? v->limit : NAN,
                                   v->ratio,
                                   v->note[0] ? v->note : NULL,
                                   v->owner,
                                   !strncmp(v->metric, "relative:", 9) ? v->limit : NAN,
                                   v->warn };
        }
        for (size_t i = 0; i < nw; i++) {
            const pg_waiver *w = pg_verdicts_active_waiver(decided, i);
            waivers[i] = (pg_hist_waiver){ w->match, w->reason, w->ticket, w->expires };
        }
    }

    /* From the results the gate read, not a second reading of the file:
     * a run is recorded with its whole environment or not at all. */
    if (pg_results_environment(head, ENV_DEPTH, add_env, env) < 0) {
        rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    if (opt->reuse_same) {
        int64_t same = 0;
        if ((rc = find_same(h, env, benches, kept, &same, err)) < 0)
            goto done;
        if (same) {
            if (run_id)
                *run_id = same;
            rc = 1; /* recorded before: nothing added */
            goto done;
        }
    }
    const char *commit = opt->commit ? opt->commit : env_get(env, "perfgate.git_commit");
    const char *branch = opt->branch ? opt->branch : getenv("GITHUB_REF_NAME");
    pg_hist_run run = { results, commit, branch,   NULL, env->kv, env->n,
                        benches, kept,   verdicts, nv,   waivers, nw };
    rc = opt->baseline_reason
             ? pg_history_add_baseline(h, &run, opt->baseline_reason, opt->baseline_who,
                                       opt->progress, opt->progress_arg, run_id, err)
             : pg_history_add(h, &run, opt->progress, opt->progress_arg, run_id, err);
done:
    if (env)
        env_free(env);
    free(env);
    free(benches);
    free(verdicts);
    free(waivers);
    pg_verdicts_destroy(report);
    pg_run_spreads_free(spreads, n_spreads);
    pg_budget_set_destroy(budgets);
    pg_results_destroy(base);
    pg_results_destroy(owned);
    return rc;
}

/* ---- Export ------------------------------------------------------------ */

int pg_history_export(pg_history *h, int64_t run_id, const char *path, pg_error *err)
{
    if (!h || !path)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "bad arguments");
    pg_hist_show *s = NULL;
    int rc = pg_history_show(h, run_id, &s, err);
    if (rc < 0)
        return rc;
    json_t *root = json_object(), *ctx = json_object(), *list = json_array();
    json_t *pgo = json_object(), *origin = json_object();
    for (size_t i = 0; i < s->n_env; i++)
        if (!strncmp(s->env[i].key, "context.", 8) && s->env[i].value)
            json_object_set_new(ctx, s->env[i].key + 8, json_string(s->env[i].value));
    json_object_set_new(origin, "history_run", json_integer((json_int_t)s->info.id));
    json_object_set_new(origin, "commit", json_string(s->info.commit));
    json_object_set_new(origin, "recorded", json_string(s->info.timestamp));
    json_object_set_new(origin, "source", json_string(s->info.source));
    json_object_set_new(pgo, "exported_from_history", origin);
    json_object_set_new(root, "context", ctx);
    json_object_set_new(root, "perfgate", pgo);
    json_object_set_new(root, "benchmarks", list);
    for (size_t i = 0; i < s->n_rows && rc == 0; i++) {
        double *real = NULL, *cpu = NULL;
        size_t n = 0;
        rc = pg_history_samples(h, run_id, s->rows[i].name, &real, &cpu, &n, err);
        for (size_t j = 0; rc == 0 && j < n; j++) {
            json_t *row = json_object();
            json_object_set_new(row, "name", json_string(s->rows[i].name));
            json_object_set_new(row, "run_name", json_string(s->rows[i].name));
            json_object_set_new(row, "run_type", json_string("iteration"));
            json_object_set_new(row, "repetitions", json_integer((json_int_t)n));
            json_object_set_new(row, "repetition_index", json_integer((json_int_t)j));
            json_object_set_new(row, "threads", json_integer(1));
            json_object_set_new(
                row, "iterations",
                json_integer(s->rows[i].iterations > 0 ? s->rows[i].iterations : 1));
            json_object_set_new(row, "real_time", json_real(real[j]));
            json_object_set_new(row, "cpu_time", json_real(isnan(cpu[j]) ? real[j] : cpu[j]));
            json_object_set_new(row, "time_unit", json_string("ns"));
            json_array_append_new(list, row);
        }
        free(real);
        free(cpu);
    }
    if (rc == 0) {
        pg_afile *af = pg_afile_open(path, err);
        if (!af)
            rc = PG_EIO;
        else if (json_dumpf(root, pg_afile_stream(af), JSON_INDENT(1) | JSON_REAL_PRECISION(17)) <
                 0) {
            pg_afile_abort(af);
            rc = pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot write");
        } else {
            fputc('\n', pg_afile_stream(af));
            rc = pg_afile_commit(af, err);
        }
    }
    json_decref(root);
    pg_hist_show_free(s);
    return rc;
}
