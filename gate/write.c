/*
 * write.c - the gate's outputs: terminal table, JUnit XML, Markdown
 * (sized for $GITHUB_STEP_SUMMARY) and JSON.  Benchmark names and notes are
 * data, not markup: each writer escapes them for its format.  Every output
 * lists the active waivers.
 */
#include "internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- formatting --------------------------------------------------------- */

void gate_write_time(double ns, char *buf, size_t len)
{
    if (isnan(ns)) {
        snprintf(buf, len, "-");
        return;
    }
    double a = fabs(ns);
    if (a < 1e3)
        snprintf(buf, len, "%.3gns", ns);
    else if (a < 1e6)
        snprintf(buf, len, "%.3gus", ns / 1e3);
    else if (a < 1e9)
        snprintf(buf, len, "%.3gms", ns / 1e6);
    else
        snprintf(buf, len, "%.3gs", ns / 1e9);
}

static void fmt_value(double v, const char *unit, char *buf, size_t len)
{
    if (isnan(v)) {
        snprintf(buf, len, "-");
    } else if (!strcmp(unit, "ns")) {
        gate_write_time(v, buf, len);
    } else if (!strcmp(unit, "ns/elem")) {
        gate_write_time(v, buf, len);
        size_t l = strlen(buf);
        snprintf(buf + l, len - l, "/elem");
    } else if (!strcmp(unit, "bytes")) {
        if (v >= 1048576.0)
            snprintf(buf, len, "%.3gMiB", v / 1048576.0);
        else if (v >= 1024.0)
            snprintf(buf, len, "%.3gKiB", v / 1024.0);
        else
            snprintf(buf, len, "%.0fB", v);
    } else if (!strcmp(unit, "ratio")) {
        snprintf(buf, len, "%.3gx", v);
    } else if (!strcmp(unit, "count/elem")) {
        snprintf(buf, len, "%.4g/elem", v);
    } else {
        snprintf(buf, len, "%.4g", v);
    }
}

/* The unit the measured value and the baseline column print in: a
 * relative verdict's value is the head's time (per element), its limit and
 * ratio are ratios to the calibration benchmark. */
static const char *value_unit(const pg_verdict *v)
{
    if (strcmp(v->unit, "ratio") != 0)
        return v->unit;
    return strstr(v->metric, "/elem") ? "ns/elem" : "ns";
}

static void fmt_limit(const pg_verdict *v, char *buf, size_t len)
{
    if (isnan(v->limit))
        snprintf(buf, len, "-");
    else if (!strncmp(v->metric, "regression:", 11))
        snprintf(buf, len, "+%g%%", v->limit * 100);
    else if (!strcmp(v->unit, "ratio"))
        snprintf(buf, len, "%.3gx", v->limit);
    else
        fmt_value(v->limit, v->unit, buf, len);
}

static void fmt_ratio(const pg_verdict *v, char *buf, size_t len)
{
    if (isnan(v->ratio))
        snprintf(buf, len, "-");
    else if (isnan(v->ratio_lo))
        snprintf(buf, len, "%.3fx", v->ratio);
    else
        snprintf(buf, len, "%.3fx [%.3f, %.3f]", v->ratio, v->ratio_lo, v->ratio_hi);
}

void gate_write_p(double p, char *buf, size_t len)
{
    if (isnan(p))
        snprintf(buf, len, "-");
    else if (p < 0.001)
        snprintf(buf, len, "<0.001");
    else
        snprintf(buf, len, "%.3f", p);
}

static const char *label(const pg_verdict *v)
{
    if (v->warn)
        return "warn";
    return pg_verdict_name(v->kind);
}

static const char *colour_of(const pg_verdict *v)
{
    if (v->fails)
        return "\033[1;31m";
    if (v->warn || v->kind == PG_V_WAIVED || v->kind == PG_V_INSUFFICIENT)
        return "\033[33m";
    if (v->kind == PG_V_PASS || v->kind == PG_V_IMPROVED)
        return "\033[32m";
    return "\033[2m";
}

static int interesting(const pg_verdict *v)
{
    return v->kind != PG_V_PASS && v->kind != PG_V_UNBUDGETED;
}

static void summary(const pg_verdicts *r, char *buf, size_t len)
{
    size_t counts[PG_V_COUNT];
    pg_verdicts_counts(r, counts);
    size_t used = (size_t)snprintf(buf, len, "%zu verdicts", pg_verdicts_count(r));
    for (int k = 0; k < PG_V_COUNT && used < len; k++)
        if (counts[k])
            used += (size_t)snprintf(buf + used, len - used, ", %zu %s", counts[k],
                                     pg_verdict_name((pg_verdict_kind)k));
}

/* ---- table -------------------------------------------------------------- */

int pg_verdicts_write_table(const pg_verdicts *r, FILE *f, int colour, int which)
{
    size_t n = pg_verdicts_count(r), width = 9;
    for (size_t i = 0; i < n; i++) {
        const pg_verdict *v = pg_verdicts_get(r, i);
        size_t l = strlen(v->bench);
        if ((which == PG_TABLE_ALL || interesting(v)) && l > width)
            width = l;
    }
    if (width > 60)
        width = 60;
    fprintf(f, "%-12s %-*s %-26s %-32s %-10s %-10s %-26s %-7s %-12s %s\n", "VERDICT", (int)width,
            "BENCHMARK", "METRIC", "MEDIAN [95% CI]", "LIMIT", "BASELINE", "RATIO [95% CI]", "P",
            "OWNER", "NOTE");
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        const pg_verdict *v = pg_verdicts_get(r, i);
        if (which != PG_TABLE_ALL && !interesting(v))
            continue;
        shown++;
        char name[512], med[96], lo[32], hi[32], lim[32], base[32], ratio[64], p[16], note[256];
        char owner[128];
        pg_escape_term(v->bench, name, sizeof name);
        pg_escape_term(v->owner ? v->owner : "-", owner, sizeof owner);
        fmt_value(v->value, value_unit(v), med, sizeof med);
        if (!isnan(v->lo) && strcmp(v->unit, "ratio")) {
            fmt_value(v->lo, v->unit, lo, sizeof lo);
            fmt_value(v->hi, v->unit, hi, sizeof hi);
            size_t l = strlen(med);
            snprintf(med + l, sizeof med - l, " [%s, %s]", lo, hi);
        }
        fmt_limit(v, lim, sizeof lim);
        fmt_value(v->base, value_unit(v), base, sizeof base);
        fmt_ratio(v, ratio, sizeof ratio);
        gate_write_p(v->p, p, sizeof p);
        pg_escape_term(v->note, note, sizeof note);
        if (colour)
            fprintf(f, "%s%-12s\033[0m", colour_of(v), label(v));
        else
            fprintf(f, "%-12s", label(v));
        fprintf(f, " %-*s %-26s %-32s %-10s %-10s %-26s %-7s %-12s %s\n", (int)width, name,
                v->metric, med, lim, base, ratio, p, owner, note);
    }
    if (which != PG_TABLE_ALL && shown == 0)
        fprintf(f, "(every verdict passed)\n");
    size_t nw = pg_verdicts_nactive_waivers(r);
    if (nw)
        fprintf(f, "\nactive waivers:\n");
    for (size_t i = 0; i < nw; i++) {
        const pg_waiver *w = pg_verdicts_active_waiver(r, i);
        char m[300], reason[300], ticket[128];
        pg_escape_term(w->match, m, sizeof m);
        pg_escape_term(w->reason, reason, sizeof reason);
        pg_escape_term(w->ticket, ticket, sizeof ticket);
        fprintf(f, "  %s  until %s  %s: %s\n", m, w->expires, ticket, reason);
    }
    char sum[512];
    summary(r, sum, sizeof sum);
    if (colour)
        fprintf(f, "\n%sgate %s\033[0m: %s\n", pg_verdicts_failed(r) ? "\033[1;31m" : "\033[1;32m",
                pg_verdicts_failed(r) ? "FAILED" : "passed", sum);
    else
        fprintf(f, "\ngate %s: %s\n", pg_verdicts_failed(r) ? "FAILED" : "passed", sum);
    return ferror(f) ? PG_EIO : 0;
}

/* ---- JUnit -------------------------------------------------------------- */

static void describe(const pg_verdict *v, char *buf, size_t len)
{
    char med[64], lim[32], ratio[64], p[16];
    fmt_value(v->value, value_unit(v), med, sizeof med);
    fmt_limit(v, lim, sizeof lim);
    fmt_ratio(v, ratio, sizeof ratio);
    gate_write_p(v->p, p, sizeof p);
    snprintf(buf, len, "%s: median %s, limit %s, ratio %s, p %s, n %zu, owner %s%s%s", label(v),
             med, lim, ratio, p, v->n, v->owner ? v->owner : "-", v->note[0] ? "; " : "", v->note);
}

int pg_verdicts_write_junit(const pg_verdicts *r, FILE *f)
{
    size_t n = pg_verdicts_count(r), failures = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        const pg_verdict *v = pg_verdicts_get(r, i);
        failures += v->fails;
        skipped += v->kind == PG_V_UNAVAILABLE || v->kind == PG_V_UNBUDGETED;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"perfgate\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n", n,
            failures, skipped);
    fprintf(
        f, "  <testsuite name=\"perfgate.check\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n",
        n, failures, skipped);
    size_t nw = pg_verdicts_nactive_waivers(r);
    if (nw) {
        fprintf(f, "    <properties>\n");
        for (size_t i = 0; i < nw; i++) {
            const pg_waiver *w = pg_verdicts_active_waiver(r, i);
            fprintf(f, "      <property name=\"waiver.");
            pg_escape_xml(f, w->match);
            fprintf(f, "\" value=\"until %s, ", w->expires);
            pg_escape_xml(f, w->ticket);
            fprintf(f, ": ");
            pg_escape_xml(f, w->reason);
            fprintf(f, "\"/>\n");
        }
        fprintf(f, "    </properties>\n");
    }
    for (size_t i = 0; i < n; i++) {
        const pg_verdict *v = pg_verdicts_get(r, i);
        char text[600];
        describe(v, text, sizeof text);
        fprintf(f, "    <testcase classname=\"");
        pg_escape_xml(f, v->bench);
        fprintf(f, "\" name=\"");
        pg_escape_xml(f, v->metric);
        fprintf(f, "\">");
        if (v->fails) {
            fprintf(f, "<failure type=\"%s\" message=\"", pg_verdict_name(v->kind));
            pg_escape_xml(f, text);
            fprintf(f, "\"/>");
        } else if (v->kind == PG_V_UNAVAILABLE || v->kind == PG_V_UNBUDGETED) {
            fprintf(f, "<skipped message=\"");
            pg_escape_xml(f, text);
            fprintf(f, "\"/>");
        } else {
            fprintf(f, "<system-out>");
            pg_escape_xml(f, text);
            fprintf(f, "</system-out>");
        }
        fprintf(f, "</testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    return ferror(f) ? PG_EIO : 0;
}

/* ---- Markdown ----------------------------------------------------------- */

static void md_row(FILE *f, const pg_verdict *v)
{
    char med[64], lim[32], base[32], ratio[64], p[16];
    fmt_value(v->value, value_unit(v), med, sizeof med);
    fmt_limit(v, lim, sizeof lim);
    fmt_value(v->base, value_unit(v), base, sizeof base);
    fmt_ratio(v, ratio, sizeof ratio);
    gate_write_p(v->p, p, sizeof p);
    fprintf(f, "| %s%s%s | ", v->fails ? "**" : "", label(v), v->fails ? "**" : "");
    pg_escape_md(f, v->bench);
    fprintf(f, " | ");
    pg_escape_md(f, v->metric);
    fprintf(f, " | %s | %s | %s | %s | %s | ", med, lim, base, ratio, p);
    pg_escape_md(f, v->owner ? v->owner : "-");
    fprintf(f, " | ");
    pg_escape_md(f, v->note);
    fprintf(f, " |\n");
}

#define MD_MAX_ROWS 1000 /* $GITHUB_STEP_SUMMARY takes at most 1 MiB */

int pg_verdicts_write_markdown(const pg_verdicts *r, FILE *f)
{
    char sum[512];
    summary(r, sum, sizeof sum);
    fprintf(f, "## perfgate: gate %s\n\n%s\n\n",
            pg_verdicts_failed(r) ? "failed :x:" : "passed :white_check_mark:", sum);
    size_t nw = pg_verdicts_nactive_waivers(r);
    if (nw) {
        fprintf(
            f,
            "### Active waivers\n\n| benchmark | until | ticket | reason |\n|---|---|---|---|\n");
        for (size_t i = 0; i < nw; i++) {
            const pg_waiver *w = pg_verdicts_active_waiver(r, i);
            fprintf(f, "| ");
            pg_escape_md(f, w->match);
            fprintf(f, " | %s | ", w->expires);
            pg_escape_md(f, w->ticket);
            fprintf(f, " | ");
            pg_escape_md(f, w->reason);
            fprintf(f, " |\n");
        }
        fprintf(f, "\n");
    }
    static const char head[] = "| verdict | benchmark | metric | median | limit | baseline | ratio "
                               "[95% CI] | p | owner | note |\n"
                               "|---|---|---|---|---|---|---|---|---|---|\n";
    size_t n = pg_verdicts_count(r), shown = 0;
    for (size_t i = 0; i < n; i++) {
        const pg_verdict *v = pg_verdicts_get(r, i);
        if (!interesting(v))
            continue;
        if (shown == 0)
            fprintf(f, "### Needs attention\n\n%s", head);
        if (shown++ == MD_MAX_ROWS) {
            fprintf(f, "\n(and more; see the JSON or JUnit output)\n");
            break;
        }
        md_row(f, v);
    }
    if (shown)
        fprintf(f, "\n");
    fprintf(f, "<details><summary>All %zu verdicts</summary>\n\n%s", n, head);
    for (size_t i = 0; i < n && i < MD_MAX_ROWS; i++)
        md_row(f, pg_verdicts_get(r, i));
    if (n > MD_MAX_ROWS)
        fprintf(f, "\n(%zu more; see the JSON or JUnit output)\n", n - MD_MAX_ROWS);
    fprintf(f, "\n</details>\n");
    return ferror(f) ? PG_EIO : 0;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Sets key to v (a new reference, NULL when making it failed); *ok goes
 * to 0 when either fails, so that a member lost to an allocation is never
 * written as a smaller, valid-looking document. */
static void put(json_t *o, const char *key, json_t *v, int *ok)
{
    if (!v || json_object_set_new(o, key, v) != 0)
        *ok = 0;
}

/* A string member; invalid UTF-8 (names may be any bytes) becomes `bad`
 * rather than being emitted, and is told apart from a failed allocation. */
static void put_text(json_t *o, const char *key, const char *text, const char *bad, int *ok)
{
    json_t *v = json_string(text);
    if (!v && text && !pj_utf8_valid(text))
        v = json_string(bad);
    put(o, key, v, ok);
}

/* One verdict as a JSON object; NULL when memory ran out. */
static json_t *verdict_json(const pg_verdict *v)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int ok = 1;
    put_text(o, "benchmark", v->bench, "(invalid UTF-8)", &ok);
    put_text(o, "metric", v->metric, "(invalid UTF-8)", &ok);
    put(o, "verdict", json_string(pg_verdict_name(v->kind)), &ok);
    if (v->kind == PG_V_WAIVED)
        put(o, "waived_verdict", json_string(pg_verdict_name(v->waived_kind)), &ok);
    put(o, "fails", json_boolean(v->fails), &ok);
    put(o, "warn", json_boolean(v->warn), &ok);
    put(o, "unit", json_string(v->unit), &ok);
    /* what median, ci_low, ci_high and baseline_median are in: for a
     * relative verdict the time (per element), while unit is its ratio's */
    put(o, "median_unit", json_string(value_unit(v)), &ok);
    put(o, "n", json_integer((json_int_t)v->n), &ok);
    put(o, "n_baseline", json_integer((json_int_t)v->n_base), &ok);
    put(o, "n_required", json_integer((json_int_t)v->n_required), &ok);
    put(o, "median", num(v->value), &ok);
    put(o, "ci_low", num(v->lo), &ok);
    put(o, "ci_high", num(v->hi), &ok);
    put(o, "limit", num(v->limit), &ok);
    put(o, "baseline_median", num(v->base), &ok);
    put(o, "ratio", num(v->ratio), &ok);
    put(o, "ratio_low", num(v->ratio_lo), &ok);
    put(o, "ratio_high", num(v->ratio_hi), &ok);
    put(o, "p", num(v->p), &ok);
    if (!isnan(v->run_spread)) {
        /* the spread between runs the ratio's interval was widened by */
        put(o, "run_spread", num(v->run_spread), &ok);
        put(o, "run_spread_runs", json_integer((json_int_t)v->run_spread_runs), &ok);
    }
    if (v->owner)
        put(o, "owner", json_string(v->owner), &ok);
    if (v->budget_file) {
        put_text(o, "budget_file", v->budget_file, "(invalid UTF-8)", &ok);
        put(o, "budget_line", json_integer(v->budget_line), &ok);
    }
    if (v->waiver && v->waiver->ticket)
        put(o, "waiver_ticket", json_string(v->waiver->ticket), &ok);
    put_text(o, "note", v->note, "", &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* json_dumps, minding a gap in jansson (2.14, src/dump.c): the result of
 * writing an object's key is not checked, so when the buffer cannot grow
 * there the key is lost and json_dumps still succeeds with a damaged
 * document.  This buffer, once it could not grow, refuses every later byte
 * and remembers it.  NULL when memory ran out; free() the result. */
typedef struct dump_buf {
    char *p;
    size_t n, cap;
    int failed;
} dump_buf;

static int dump_to(const char *s, size_t len, void *data)
{
    dump_buf *b = data;
    if (!b->failed && b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (np) {
            b->p = np;
            b->cap = cap;
        } else {
            b->failed = 1;
        }
    }
    if (b->failed)
        return -1;
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
    return 0;
}

static char *dump_json(const json_t *j, size_t flags)
{
    dump_buf b = { NULL, 0, 0, 0 };
    if (json_dump_callback(j, dump_to, &b, flags) != 0 || b.failed || !b.p) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

int pg_verdicts_write_json(const pg_verdicts *r, FILE *f)
{
    json_t *root = json_object(), *counts = json_object(), *waivers = json_array();
    if (!root || !counts || !waivers) {
        json_decref(root);
        json_decref(counts);
        json_decref(waivers);
        return PG_ENOMEM;
    }
    size_t c[PG_V_COUNT];
    int ok = 1;
    pg_verdicts_counts(r, c);
    for (int k = 0; k < PG_V_COUNT; k++)
        put(counts, pg_verdict_name((pg_verdict_kind)k), json_integer((json_int_t)c[k]), &ok);
    put(root, "format", json_string("perfgate-verdicts/1"), &ok);
    put(root, "failed", json_boolean(pg_verdicts_failed(r)), &ok);
    put(root, "counts", counts, &ok);
    for (size_t i = 0; i < pg_verdicts_nactive_waivers(r); i++) {
        const pg_waiver *w = pg_verdicts_active_waiver(r, i);
        json_t *one = json_object();
        if (!one || json_array_append_new(waivers, one) != 0) {
            ok = 0;
            break;
        }
        put_text(one, "match", w->match, "(invalid UTF-8)", &ok);
        put_text(one, "reason", w->reason, "(invalid UTF-8)", &ok);
        put_text(one, "ticket", w->ticket, "(invalid UTF-8)", &ok);
        put_text(one, "expires", w->expires, "(invalid UTF-8)", &ok);
        put_text(one, "file", w->file, "(invalid UTF-8)", &ok);
        put(one, "line", json_integer(w->line), &ok);
    }
    put(root, "active_waivers", waivers, &ok);
    /* The verdicts are written one at a time, not built as one tree: a
     * million of them would need gigabytes as jansson values.  The bytes are
     * those json_dumpf would write for the whole document: the head is the
     * document with an empty "verdicts" list, each verdict is dumped alone
     * and indented two levels (strings never hold a raw newline). */
    put(root, "verdicts", json_array(), &ok);
    const size_t flags = JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
    char *doc = ok ? dump_json(root, flags) : NULL;
    json_decref(root);
    if (!doc)
        return PG_ENOMEM;
    size_t len = strlen(doc);
    const char *tail = "[]\n}";
    if (len < 4 || strcmp(doc + len - 4, tail) != 0) {
        free(doc);
        return PG_EIO;
    }
    size_t n = pg_verdicts_count(r);
    int rc = 0;
    if (n == 0) {
        fputs(doc, f);
    } else {
        fwrite(doc, 1, len - 3, f); /* up to and with the '[' */
        for (size_t i = 0; i < n && rc == 0; i++) {
            json_t *o = verdict_json(pg_verdicts_get(r, i));
            char *one = o ? dump_json(o, flags) : NULL;
            json_decref(o);
            if (!one) {
                rc = PG_ENOMEM;
                break;
            }
            fputs(i ? ",\n  " : "\n  ", f);
            for (const char *p = one; *p; p++) {
                fputc(*p, f);
                if (*p == '\n')
                    fputs("  ", f);
            }
            free(one);
        }
        fputs("\n ]\n}", f);
    }
    free(doc);
    fputc('\n', f);
    return rc || ferror(f) ? (rc ? rc : PG_EIO) : 0;
}
