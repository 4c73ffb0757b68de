/*
 * history_changes.c - `perfgate history changes`: where each benchmark's
 * level shifted over the recorded runs, and which ones crept
 * (gate/pg_changepoint.h for the method, docs/statistics.md for why; the
 * analysis itself is reports/changes.c, the one the report draws).
 *
 * The history's trend table (every run, oldest first) gives one median per
 * benchmark per run; each benchmark matching --benchmark is analysed on
 * its own.  Creep is measured from the reference run: --since RUN, else the
 * current baseline's run, else the first run.
 *
 * "New": a change (or a creep) that the same analysis without the newest
 * run does not show.  The nightly job runs this after recording its run;
 * exit status 1 says a new slowdown or a new creep appeared, and the JSON
 * gives the commits a `perfgate bisect` should start from (docs/ci.md).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pg_escape.h"
#include "pg_changepoint.h"
#include "pg_history.h"
#include "pg_io.h"
#include "pg_reports.h"

static const char *commit_of(const pg_hist_trend *t, size_t i)
{
    return i < t->n_runs && t->runs[i].commit[0] ? t->runs[i].commit : "-";
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *change_json(const pg_hist_trend *t, const pg_cp_change *c, int is_new, int *bad)
{
    json_t *o = json_object();
    if (!o)
        *bad = 1;
    cli_json_put(bad, o, "run", json_integer((json_int_t)t->runs[c->index].id));
    cli_json_put(bad, o, "commit", json_string(commit_of(t, c->index)));
    cli_json_put(bad, o, "run_lo", json_integer((json_int_t)t->runs[c->index_lo].id));
    cli_json_put(bad, o, "run_hi", json_integer((json_int_t)t->runs[c->index_hi].id));
    /* where a bisect starts: the run before the location interval (good)
     * and its last run (bad) */
    size_t good = c->index_lo ? c->index_lo - 1 : 0;
    cli_json_put(bad, o, "good_commit", json_string(commit_of(t, good)));
    cli_json_put(bad, o, "bad_commit", json_string(commit_of(t, c->index_hi)));
    cli_json_put(bad, o, "direction", json_string(c->ratio > 1 ? "slower" : "faster"));
    cli_json_put(bad, o, "ratio", num(c->ratio));
    cli_json_put(bad, o, "ratio_lo", num(c->lo));
    cli_json_put(bad, o, "ratio_hi", num(c->hi));
    cli_json_put(bad, o, "step", num(c->step));
    cli_json_put(bad, o, "p", num(c->p));
    cli_json_put(bad, o, "new", json_boolean(is_new));
    return o;
}

static int write_json(const char *path, const pg_hist_trend *t, const pg_reports_changes *cs)
{
    size_t ref = cs->reference;
    int failed = 0, *bad = &failed;
    json_t *root = json_object(), *arr = json_array();
    cli_json_put(bad, root, "tool", json_string("perfgate history changes"));
    cli_json_put(bad, root, "runs", json_integer((json_int_t)t->n_runs));
    cli_json_put(bad, root, "reference_run",
                 t->n_runs ? json_integer((json_int_t)t->runs[ref].id) : json_null());
    cli_json_put(bad, root, "tolerance", json_real(cs->tolerance));
    for (size_t i = 0; i < cs->n; i++) {
        const pg_cp_news *b = &cs->news[i];
        json_t *o = json_object(), *ch = json_array();
        if (!o || !ch)
            failed = 1;
        cli_json_put(bad, o, "benchmark", json_string(t->benches[cs->bench[i]]));
        cli_json_put(bad, o, "runs", json_integer((json_int_t)b->now.n_used));
        cli_json_put(bad, o, "sigma", num(b->now.sigma));
        for (size_t j = 0; j < b->now.n_changes; j++)
            cli_json_push(bad, ch, change_json(t, &b->now.changes[j], b->is_new[j], bad));
        cli_json_put(bad, o, "changes", ch);
        cli_json_put(bad, o, "drift", num(b->now.drift));
        cli_json_put(bad, o, "drift_lo", num(b->now.drift_lo));
        cli_json_put(bad, o, "drift_hi", num(b->now.drift_hi));
        cli_json_put(bad, o, "creep", json_boolean(b->now.creep));
        cli_json_put(bad, o, "creep_new", json_boolean(b->creep_new));
        cli_json_push(bad, arr, o);
    }
    cli_json_put(bad, root, "benchmarks", arr);
    if (failed || !root) {
        json_decref(root);
        fprintf(stderr, "perfgate: out of memory\n");
        return -1;
    }
    struct pg_afile *af = cli_out_open(path);
    int ok = 0;
    if (af) {
        FILE *f = pg_afile_stream(af);
        ok = json_dumpf(root, f, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 && fputc('\n', f) != EOF;
    }
    json_decref(root);
    return af ? cli_out_close(af, path, ok) : -1;
}

static void print_table(const pg_hist_trend *t, const pg_reports_changes *cs)
{
    size_t nb = cs->n, ref = cs->reference, nchanges = cs->n_changes, ncreep = cs->n_creep;
    const pg_cp_news *bc = cs->news;
    double tol = cs->tolerance;
    printf("%zu runs, %zu benchmarks; creep measured from run %lld, tolerance %g%%\n\n", t->n_runs,
           nb, t->n_runs ? (long long)t->runs[ref].id : 0LL, tol * 100);
    if (nchanges) {
        printf("%-4s %-8s %-12s %-11s %-30s %-9s %s\n", "NEW", "RUN", "COMMIT", "RUNS",
               "NEW/OLD LEVEL [95% CI]", "P", "BENCHMARK");
        for (size_t i = 0; i < nb; i++)
            for (size_t j = 0; j < bc[i].now.n_changes; j++) {
                const pg_cp_change *c = &bc[i].now.changes[j];
                char runs[32], ratio[64];
                snprintf(runs, sizeof runs, "%lld-%lld", (long long)t->runs[c->index_lo].id,
                         (long long)t->runs[c->index_hi].id);
                snprintf(ratio, sizeof ratio, "%.4fx [%.4f, %.4f]", c->ratio, c->lo, c->hi);
                printf("%-4s %-8lld %-12.12s %-11s %-30s %-9.2g ", bc[i].is_new[j] ? "new" : "",
                       (long long)t->runs[c->index].id, commit_of(t, c->index), runs, ratio, c->p);
                pg_escape_term_put(stdout, t->benches[cs->bench[i]]);
                printf("\n");
            }
    } else {
        printf("no change points\n");
    }
    if (ncreep) {
        printf("\ncreep (drifted beyond %g%% in steps each under it):\n", tol * 100);
        for (size_t i = 0; i < nb; i++)
            if (bc[i].now.creep) {
                printf("  %-4s %.4fx [%.4f, %.4f]  ", bc[i].creep_new ? "new" : "", bc[i].now.drift,
                       bc[i].now.drift_lo, bc[i].now.drift_hi);
                pg_escape_term_put(stdout, t->benches[cs->bench[i]]);
                printf("\n");
            }
    }
}

int cli_history_changes(const char *history, const char *glob, const char *since, double tolerance,
                        const char *json_path)
{
    pg_history *h = cli_open_history(history);
    if (!h)
        return 2;
    int status = 2;
    pg_error err = { 0 };
    pg_hist_trend *t = NULL;
    pg_reports_changes cs = { 0 };
    if (pg_history_trend(h, 0, &t, &err) < 0) {
        cli_report("perfgate", &err);
        goto done;
    }
    /* the reference run: --since, else the baseline's, else the first */
    int64_t ref_id = -1;
    pg_hist_baseline base;
    if (since) {
        char *end;
        ref_id = strtoll(since, &end, 10);
        if (*end || end == since || ref_id < 0) {
            fprintf(stderr, "perfgate: history changes: --since takes a run id, not '%s'\n", since);
            goto done;
        }
    } else if (pg_history_baseline_get(h, &base, NULL) == 0) {
        ref_id = base.run_id;
    }
    if (since) {
        size_t r = 0;
        while (r < t->n_runs && t->runs[r].id < ref_id)
            r++;
        if (r == t->n_runs || t->runs[r].id != ref_id) {
            fprintf(stderr, "perfgate: history changes: no run %lld in the history\n",
                    (long long)ref_id);
            goto done;
        }
    }
    if (pg_reports_changes_find(t, glob, ref_id >= 0 ? ref_id : 0, tolerance, &cs, &err) < 0) {
        cli_report("perfgate", &err);
        goto done;
    }
    if (glob && cs.n == 0) {
        fprintf(stderr, "perfgate: history changes: no benchmark matches '%s'\n", glob);
        goto done;
    }
    print_table(t, &cs);
    fflush(stdout);
    if (json_path && write_json(json_path, t, &cs))
        goto done;
    status = cs.new_slowdown ? 1 : 0;
done:
    pg_reports_changes_free(&cs);
    pg_hist_trend_free(t);
    pg_history_close(h);
    return status;
}
