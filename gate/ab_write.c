/*
 * ab_write.c - the verdicts of a `perfgate ab` session as a terminal
 * table, JSON, Markdown and JUnit XML, like write.c for `perfgate check`.
 * Benchmark names are data, not markup: each writer escapes them for its
 * format with write.c's own escapers (control characters never reach a
 * terminal), and numbers are formatted as write.c formats them.
 */
#include "ab.h"
#include "ab_internal.h"
#include "internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *row_label(const pg_ab *ab, const pg_ab_row *r)
{
    if (r->waiver)
        return "waived";
    if (r->budgeted && r->policy.severity == PG_SEV_WARN &&
        gate_ab_state_fails(ab, r, r->final.state))
        return "warn";
    return pg_ab_state_name(r->final.state);
}

static void fmt_val(const pg_ab *ab, double v, char *buf, size_t len)
{
    if (!isnan(v) && ab->opt.instructions)
        snprintf(buf, len, "%.0f", v);
    else
        gate_write_time(v, buf, len);
}

static void fmt_ratio(const pg_ab_judgement *j, char *buf, size_t len)
{
    if (isnan(j->ratio))
        snprintf(buf, len, "-");
    else if (j->lo == j->hi)
        snprintf(buf, len, "%.4fx", j->ratio);
    else
        snprintf(buf, len, "%.4fx [%.4f, %.4f]", j->ratio, j->lo, j->hi);
}

/* "confirmed after 10 more rounds" and the like. */
static void describe(const pg_ab *ab, const pg_ab_row *r, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    if (r->note[0])
        used += (size_t)snprintf(buf + used, len - used, "%s; ", r->note);
    if (r->confirm_from && used < len) {
        size_t extra = r->final.n > r->confirm_from ? r->final.n - r->confirm_from : 0;
        if (r->final.state == PG_AB_INCONCLUSIVE)
            used += (size_t)snprintf(buf + used, len - used,
                                     "first %zu rounds %s; still undecided after %zu more "
                                     "(%u looks); ",
                                     r->confirm_from, pg_ab_state_name(r->first.state), extra,
                                     r->looks);
        else
            used += (size_t)snprintf(buf + used, len - used,
                                     "first %zu rounds %s; decided by %zu more rounds "
                                     "(look %u, level %.2g%%); ",
                                     r->confirm_from, pg_ab_state_name(r->first.state), extra,
                                     r->looks, r->final.level * 100);
    }
    if (r->waiver && used < len)
        used += (size_t)snprintf(buf + used, len - used, "waived until %s (%s: %s); ",
                                 r->waiver->expires, r->waiver->ticket, r->waiver->reason);
    if (r->budgeted && r->policy.owner && used < len)
        used += (size_t)snprintf(buf + used, len - used, "owner %s; ", r->policy.owner);
    if (!r->budgeted && used < len && ab->budgets)
        used += (size_t)snprintf(buf + used, len - used, "no budget: default tolerance; ");
    if (used >= 2 && used < len)
        buf[used - 2] = '\0';
}

static void counts(const pg_ab *ab, size_t c[PG_AB_STATE_COUNT])
{
    memset(c, 0, PG_AB_STATE_COUNT * sizeof c[0]);
    for (size_t i = 0; i < ab->n; i++)
        c[ab->rows[i].waiver ? PG_AB_WAIVED : ab->rows[i].final.state]++;
}

static void summary(const pg_ab *ab, char *buf, size_t len)
{
    size_t c[PG_AB_STATE_COUNT];
    counts(ab, c);
    size_t used = (size_t)snprintf(buf, len, "%zu benchmarks, %zu rounds", ab->n, ab->rounds);
    for (int k = 0; k < PG_AB_STATE_COUNT && used < len; k++)
        if (c[k])
            used += (size_t)snprintf(buf + used, len - used, ", %zu %s", c[k],
                                     pg_ab_state_name((pg_ab_state)k));
}

int pg_ab_write_table(const pg_ab *ab, FILE *f, int colour)
{
    size_t width = 9;
    for (size_t i = 0; i < ab->n; i++)
        if (strlen(ab->rows[i].name) > width)
            width = strlen(ab->rows[i].name);
    if (width > 60)
        width = 60;
    const char *unit = ab->opt.instructions ? "INSTR" : "MEDIAN";
    fprintf(f, "%-13s %-*s %-12s %-12s %-30s %-7s %-6s %-5s %s\n", "VERDICT", (int)width,
            "BENCHMARK", unit[0] == 'I' ? "BASE INSTR" : "BASE",
            unit[0] == 'I' ? "HEAD INSTR" : "HEAD", "HEAD/BASE [CI]", "P", "TOL", "PAIRS", "NOTE");
    for (size_t i = 0; i < ab->n; i++) {
        const pg_ab_row *r = &ab->rows[i];
        char name[512], b[32], h[32], ratio[80], p[16], tol[16], note[512], safe_note[512];
        pg_escape_term(r->name, name, sizeof name);
        fmt_val(ab, r->final.med_base, b, sizeof b);
        fmt_val(ab, r->final.med_head, h, sizeof h);
        fmt_ratio(&r->final, ratio, sizeof ratio);
        gate_write_p(r->final.p_slower, p, sizeof p);
        snprintf(tol, sizeof tol, "+%g%%", r->tolerance * 100);
        describe(ab, r, note, sizeof note);
        pg_escape_term(note, safe_note, sizeof safe_note);
        const char *lab = row_label(ab, r);
        int fails = pg_ab_row_fails(ab, r);
        if (colour)
            fprintf(f, "%s%-13s\033[0m",
                    fails                                               ? "\033[1;31m"
                    : r->final.state == PG_AB_INCONCLUSIVE || r->waiver ? "\033[33m"
                                                                        : "\033[32m",
                    lab);
        else
            fprintf(f, "%-13s", lab);
        fprintf(f, " %-*s %-12s %-12s %-30s %-7s %-6s %-5zu %s\n", (int)width, name, b, h, ratio, p,
                tol, r->final.n, safe_note);
    }
    char sum[512];
    summary(ab, sum, sizeof sum);
    int failed = pg_ab_failed(ab);
    if (colour)
        fprintf(f, "\n%sgate %s\033[0m: %s\n", failed ? "\033[1;31m" : "\033[1;32m",
                failed ? "FAILED" : "passed", sum);
    else
        fprintf(f, "\ngate %s: %s\n", failed ? "FAILED" : "passed", sum);
    return ferror(f) ? PG_EIO : 0;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *judgement_json(const pg_ab_judgement *j)
{
    json_t *o = json_object();
    json_object_set_new(o, "verdict", json_string(pg_ab_state_name(j->state)));
    json_object_set_new(o, "pairs", json_integer((json_int_t)j->n));
    json_object_set_new(o, "ratio", num(j->ratio));
    json_object_set_new(o, "ratio_lo", num(j->lo));
    json_object_set_new(o, "ratio_hi", num(j->hi));
    json_object_set_new(o, "p_slower", num(j->p_slower));
    json_object_set_new(o, "p_faster", num(j->p_faster));
    json_object_set_new(o, "level", num(j->level));
    json_object_set_new(o, "median_base", num(j->med_base));
    json_object_set_new(o, "median_head", num(j->med_head));
    return o;
}

int pg_ab_write_json(const pg_ab *ab, FILE *f)
{
    json_t *root = json_object(), *arr = json_array();
    json_object_set_new(root, "tool", json_string("perfgate ab"));
    json_object_set_new(root, "mode", json_string(ab->opt.instructions ? "instructions" : "time"));
    json_object_set_new(root, "passed", json_boolean(!pg_ab_failed(ab)));
    json_object_set_new(root, "rounds", json_integer((json_int_t)ab->rounds));
    json_object_set_new(root, "inconclusive_fails", json_boolean(ab->opt.inconclusive_fails));
    for (size_t i = 0; i < ab->n; i++) {
        const pg_ab_row *r = &ab->rows[i];
        json_t *o = json_object();
        char note[512];
        describe(ab, r, note, sizeof note);
        json_object_set_new(o, "benchmark", json_string(r->name));
        json_object_set_new(o, "verdict", json_string(row_label(ab, r)));
        json_object_set_new(o, "fails", json_boolean(pg_ab_row_fails(ab, r)));
        json_object_set_new(o, "tolerance", json_real(r->tolerance));
        if (!ab->opt.instructions)
            json_object_set_new(o, "metric",
                                json_string(r->metric == PG_METRIC_CPU ? "cpu_time" : "real_time"));
        json_object_set_new(o, "rounds", json_integer((json_int_t)r->final.n));
        json_object_set_new(o, "looks", json_integer((json_int_t)r->looks));
        json_object_set_new(
            o, "confirmation_rounds",
            json_integer((json_int_t)(r->confirm_from ? r->n - r->confirm_from : 0)));
        json_object_set_new(o, "first", judgement_json(&r->first));
        json_object_set_new(o, "final", judgement_json(&r->final));
        if (r->budgeted && r->policy.owner)
            json_object_set_new(o, "owner", json_string(r->policy.owner));
        if (r->budgeted && r->policy.file) {
            json_object_set_new(o, "budget_file", json_string(r->policy.file));
            json_object_set_new(o, "budget_line", json_integer(r->policy.line));
        }
        json_object_set_new(o, "note", json_string(note));
        json_array_append_new(arr, o);
    }
    json_object_set_new(root, "benchmarks", arr);
    int rc = json_dumpf(root, f, JSON_INDENT(2)) == 0 && fputc('\n', f) != EOF ? 0 : PG_EIO;
    json_decref(root);
    return rc == 0 && !ferror(f) ? 0 : PG_EIO;
}

int pg_ab_write_markdown(const pg_ab *ab, FILE *f)
{
    char sum[512];
    summary(ab, sum, sizeof sum);
    int failed = pg_ab_failed(ab);
    fprintf(f, "### perfgate ab (%s): %s\n\n%s\n\n",
            ab->opt.instructions ? "instruction counts" : "interleaved timings",
            failed ? "gate FAILED" : "gate passed", sum);
    fprintf(
        f,
        "| verdict | benchmark | base | head | head/base [CI] | p | tolerance | pairs | note |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < ab->n && i < 1000; i++) {
        const pg_ab_row *r = &ab->rows[i];
        char b[32], h[32], ratio[80], p[16], note[512];
        fmt_val(ab, r->final.med_base, b, sizeof b);
        fmt_val(ab, r->final.med_head, h, sizeof h);
        fmt_ratio(&r->final, ratio, sizeof ratio);
        gate_write_p(r->final.p_slower, p, sizeof p);
        describe(ab, r, note, sizeof note);
        int fails = pg_ab_row_fails(ab, r);
        fprintf(f, "| %s%s%s | ", fails ? "**" : "", row_label(ab, r), fails ? "**" : "");
        pg_escape_md(f, r->name);
        fprintf(f, " | %s | %s | %s | %s | +%g%% | %zu | ", b, h, ratio, p, r->tolerance * 100,
                r->final.n);
        pg_escape_md(f, note);
        fprintf(f, " |\n");
    }
    return ferror(f) ? PG_EIO : 0;
}

int pg_ab_write_junit(const pg_ab *ab, FILE *f)
{
    size_t nfail = 0;
    for (size_t i = 0; i < ab->n; i++)
        nfail += (size_t)pg_ab_row_fails(ab, &ab->rows[i]);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"perfgate ab\" tests=\"%zu\" failures=\"%zu\">\n", ab->n, nfail);
    fprintf(f, "  <testsuite name=\"perfgate ab\" tests=\"%zu\" failures=\"%zu\">\n", ab->n, nfail);
    for (size_t i = 0; i < ab->n; i++) {
        const pg_ab_row *r = &ab->rows[i];
        char ratio[80], note[512];
        fmt_ratio(&r->final, ratio, sizeof ratio);
        describe(ab, r, note, sizeof note);
        fprintf(f, "    <testcase classname=\"perfgate.ab\" name=\"");
        pg_escape_xml(f, r->name);
        fprintf(f, "\">");
        if (pg_ab_row_fails(ab, r)) {
            fprintf(f, "\n      <failure message=\"%s: head/base %s, tolerance +%g%%\">",
                    row_label(ab, r), ratio, r->tolerance * 100);
            pg_escape_xml(f, note);
            fprintf(f, "</failure>\n    ");
        } else if (r->final.state == PG_AB_INCONCLUSIVE || r->waiver ||
                   (r->budgeted && r->policy.owner)) {
            fprintf(f, "\n      <system-out>%s: head/base %s. ", row_label(ab, r), ratio);
            pg_escape_xml(f, note);
            fprintf(f, "</system-out>\n    ");
        }
        fprintf(f, "</testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    return ferror(f) ? PG_EIO : 0;
}
