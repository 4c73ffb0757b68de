/*
 * parse_options.c - parsing and --help from a subcommand's option table
 * (parse_options.h).  Messages follow STYLE.md: what went wrong first,
 * lower case, the option quoted, to stderr; bad usage adds the help.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "parse_options.h"

/* Options wider than this put their help on the next line. */
#define HELP_COLUMN_MAX 24

static int visible(const pg_option *o)
{
    return o->help && o->type != PG_OPTION_PASSTHRU && (o->long_name || o->short_name);
}

/* "-o, --out FILE" into buf; returns its length. */
static size_t option_label(const pg_option *o, char *buf, size_t len)
{
    const char *argh = o->type == PG_OPTION_BOOL ? NULL : o->argh;
    int n;
    if (o->short_name && o->long_name)
        n = snprintf(buf, len, "-%c, --%s%s%s", o->short_name, o->long_name, argh ? " " : "",
                     argh ? argh : "");
    else if (o->short_name)
        n = snprintf(buf, len, "-%c%s%s", o->short_name, argh ? " " : "", argh ? argh : "");
    else
        n = snprintf(buf, len, "--%s%s%s", o->long_name, argh ? " " : "", argh ? argh : "");
    return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

void pg_opt_usage(const pg_opt_spec *spec, FILE *f)
{
    fputs(spec->usage, f);
    size_t width = 0;
    char label[128];
    for (const pg_option *o = spec->options; o && o->type != PG_OPTION_END; o++) {
        size_t n = visible(o) ? option_label(o, label, sizeof label) : 0;
        if (n > width && n <= HELP_COLUMN_MAX)
            width = n;
    }
    int any = 0;
    for (const pg_option *o = spec->options; o && o->type != PG_OPTION_END; o++) {
        if (!visible(o))
            continue;
        if (!any++)
            fputc('\n', f);
        size_t n = option_label(o, label, sizeof label);
        fprintf(f, "  %s", label);
        if (n > width)
            fprintf(f, "\n%*s", (int)(width + 2), "");
        else
            fprintf(f, "%*s", (int)(width - n), "");
        /* Continuation lines of the help line up under its first. */
        for (const char *h = o->help; *h;) {
            size_t len = strcspn(h, "\n");
            fprintf(f, "   %.*s\n", (int)len, h);
            h += len;
            if (*h == '\n' && *++h)
                fprintf(f, "%*s", (int)(width + 2), "");
        }
    }
    if (spec->more) {
        fputc('\n', f);
        spec->more(f);
    }
    if (spec->footer)
        fprintf(f, "\n%s", spec->footer);
}

int pg_opt_usage_error(const pg_opt_spec *spec, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "perfgate: %s: ", spec->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    pg_opt_usage(spec, stderr);
    return 2;
}

/* "perfgate: CMD: unknown option 'NAME'; did you mean 'X'?", and the help. */
static int unknown_option(const pg_opt_spec *spec, const char *name)
{
    char store[64][40];
    const char *cands[64];
    size_t n = 0;
    for (const pg_option *o = spec->options; o->type != PG_OPTION_END && n < 63; o++) {
        if (o->type == PG_OPTION_PASSTHRU)
            continue;
        if (o->long_name)
            snprintf(store[n], sizeof store[n], "--%s", o->long_name);
        else if (o->short_name)
            snprintf(store[n], sizeof store[n], "-%c", o->short_name);
        else
            continue;
        cands[n] = store[n];
        n++;
    }
    cands[n++] = "--help";
    fprintf(stderr, "perfgate: %s: unknown option '%s'", spec->cmd, name);
    cli_did_you_mean(name, cands, n);
    fputc('\n', stderr);
    pg_opt_usage(spec, stderr);
    return PG_OPT_ERROR;
}

static int list_add(const pg_opt_spec *spec, const pg_option *o, const char *name, const char *val)
{
    pg_opt_list *l = o->value;
    if (l->n == l->max) {
        if (o->type == PG_OPTION_PASSTHRU)
            fprintf(stderr, "perfgate: %s: too many options to pass on, at '%s'\n", spec->cmd, val);
        else
            fprintf(stderr, "perfgate: %s: too many %s\n", spec->cmd, name);
        return -1;
    }
    l->v[l->n++] = val;
    return 0;
}

/* Stores one option's value; -1 after saying what is wrong with it. */
static int take(const pg_opt_spec *spec, const pg_option *o, const char *name, const char *val)
{
    char *end;
    switch (o->type) {
    case PG_OPTION_STRING: *(const char **)o->value = val; return 0;
    case PG_OPTION_INT: {
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || end == val || *end || v < o->min || v > o->max) {
            if (o->max == LONG_MAX)
                fprintf(stderr, "perfgate: %s: %s takes a number >= %ld, not '%s'\n", spec->cmd,
                        name, o->min, val);
            else
                fprintf(stderr, "perfgate: %s: %s takes a number from %ld to %ld, not '%s'\n",
                        spec->cmd, name, o->min, o->max, val);
            return -1;
        }
        *(long *)o->value = v;
        return 0;
    }
    case PG_OPTION_DOUBLE: {
        errno = 0;
        double v = strtod(val, &end);
        if (errno || end == val || *end || !isfinite(v)) {
            fprintf(stderr, "perfgate: %s: %s takes a number, not '%s'\n", spec->cmd, name, val);
            return -1;
        }
        *(double *)o->value = v;
        return 0;
    }
    case PG_OPTION_LIST: return list_add(spec, o, name, val);
    case PG_OPTION_CALLBACK: return o->callback(o, val);
    default: return -1;
    }
}

static const pg_option *find_long(const pg_option *opts, const char *name, size_t len)
{
    for (const pg_option *o = opts; o->type != PG_OPTION_END; o++)
        if (o->type != PG_OPTION_PASSTHRU && o->long_name && strlen(o->long_name) == len &&
            !strncmp(o->long_name, name, len))
            return o;
    return NULL;
}

static const pg_option *find_passthru(const pg_option *opts, const char *arg)
{
    for (const pg_option *o = opts; o->type != PG_OPTION_END; o++)
        if (o->type == PG_OPTION_PASSTHRU && !strncmp(arg + 2, o->long_name, strlen(o->long_name)))
            return o;
    return NULL;
}

static const pg_option *find_short(const pg_option *opts, char c)
{
    for (const pg_option *o = opts; o->type != PG_OPTION_END; o++)
        if (o->short_name == c)
            return o;
    return NULL;
}

int pg_parse_options(const pg_opt_spec *spec, int argc, char **argv)
{
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (!strcmp(arg, "--")) {
            if (spec->flags & PG_PARSE_KEEP_DASHDASH)
                argv[npos++] = arg;
            while (++i < argc)
                argv[npos++] = argv[i];
            break;
        }
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            pg_opt_usage(spec, stdout);
            return PG_OPT_HELP;
        }
        if (arg[0] != '-' || arg[1] == '\0') {
            /* argv[npos] was read already: npos < i. */
            argv[npos++] = arg;
            continue;
        }
        char name[64];
        const char *val = NULL;
        const pg_option *o;
        if (arg[1] == '-') {
            const pg_option *p = find_passthru(spec->options, arg);
            if (p) {
                if (list_add(spec, p, arg, arg))
                    return PG_OPT_ERROR;
                continue;
            }
            const char *eq = strchr(arg + 2, '=');
            size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
            snprintf(name, sizeof name, "--%.*s", (int)len, arg + 2);
            o = find_long(spec->options, arg + 2, len);
            if (eq)
                val = eq + 1;
        } else {
            snprintf(name, sizeof name, "-%c", arg[1]);
            o = find_short(spec->options, arg[1]);
            if (arg[2])
                val = arg + 2;
        }
        if (!o)
            return unknown_option(spec, name);
        if (o->type == PG_OPTION_BOOL) {
            if (val) {
                fprintf(stderr, "perfgate: %s: option '%s' takes no value\n", spec->cmd, name);
                return PG_OPT_ERROR;
            }
            *(int *)o->value = 1;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) {
                pg_opt_usage_error(spec, "option '%s' needs a value", name);
                return PG_OPT_ERROR;
            }
            val = argv[++i];
        }
        if (take(spec, o, name, val))
            return PG_OPT_ERROR;
    }
    return npos;
}
