/*
 * parse_options.h - one option table per subcommand (after git's
 * parse-options.h): parsing, the --help text and the "did you mean" for an
 * unknown option all come from the same pg_option array, so the three
 * cannot drift apart.
 *
 * A subcommand declares its table and a spec, then parses:
 *
 *     const char *results = NULL;
 *     int brief = 0;
 *     const pg_option options[] = {
 *         PG_OPT_STRING(0, "results", &results, "FILE", "the run to judge"),
 *         PG_OPT_BOOL(0, "brief", &brief, "show only what is not a plain pass"),
 *         PG_OPT_END(),
 *     };
 *     const pg_opt_spec spec = { "check", usage, options, NULL, footer, 0 };
 *     int n = pg_parse_options(&spec, argc, argv);
 *     if (n < 0)
 *         return pg_opt_status(n);        -- 0 after --help, 2 after an error
 *     ... argv[0..n) are the positional arguments, in order
 *
 * Accepted: --name value, --name=value, -x value, -xvalue, -h/--help
 * anywhere, and `--`, after which everything is positional.  Options and
 * positional arguments may be mixed.  Errors are printed to stderr in the
 * words of STYLE.md ("perfgate: check: unknown option '--resluts'; did you
 * mean '--results'?"); the parser never exits.
 */
#ifndef PG_CLI_PARSE_OPTIONS_H
#define PG_CLI_PARSE_OPTIONS_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

enum pg_option_type {
    PG_OPTION_END = 0,  /* ends a table */
    PG_OPTION_BOOL,     /* --name: *(int *)value = 1 */
    PG_OPTION_STRING,   /* --name V: *(const char **)value = V (argv's own string) */
    PG_OPTION_INT,      /* --name N: *(long *)value = N, N in [min, max] */
    PG_OPTION_DOUBLE,   /* --name X: *(double *)value = X, finite */
    PG_OPTION_LIST,     /* --name V, repeatable: appended to *(pg_opt_list *)value */
    PG_OPTION_CALLBACK, /* --name V: callback(opt, V) */
    PG_OPTION_PASSTHRU, /* any --<long_name>... (long_name is a prefix such as
                           "benchmark_" or "seed="): the whole argument is
                           appended to *(pg_opt_list *)value, for a child */
};

/* Values of a repeatable option, in the caller's array. */
typedef struct pg_opt_list {
    const char **v; /* max slots */
    size_t n;       /* used */
    size_t max;
} pg_opt_list;

typedef struct pg_option pg_option;

struct pg_option {
    enum pg_option_type type;
    char short_name;       /* 'o' for -o; 0: none */
    const char *long_name; /* "out" for --out, no dashes; NULL: none */
    void *value;           /* where the value goes (see the types) */
    const char *argh;      /* the value's name in --help, e.g. "FILE" */
    const char *help;      /* one line, or several split by '\n'; NULL: not
                              shown (an alias, or a PASSTHRU) */
    long min, max;         /* PG_OPTION_INT: the accepted range */
    /* PG_OPTION_CALLBACK: takes the value; returns 0, or -1 after saying
     * why on stderr. */
    int (*callback)(const pg_option *opt, const char *arg);
};

#define PG_OPT_END()                                                                               \
    {                                                                                              \
        PG_OPTION_END, 0, NULL, NULL, NULL, NULL, 0, 0, NULL                                       \
    }
#define PG_OPT_BOOL(s, l, v, h)                                                                    \
    {                                                                                              \
        PG_OPTION_BOOL, (s), (l), (v), NULL, (h), 0, 0, NULL                                       \
    }
#define PG_OPT_STRING(s, l, v, a, h)                                                               \
    {                                                                                              \
        PG_OPTION_STRING, (s), (l), (v), (a), (h), 0, 0, NULL                                      \
    }
#define PG_OPT_INT(s, l, v, a, lo, hi, h)                                                          \
    {                                                                                              \
        PG_OPTION_INT, (s), (l), (v), (a), (h), (lo), (hi), NULL                                   \
    }
#define PG_OPT_DOUBLE(s, l, v, a, h)                                                               \
    {                                                                                              \
        PG_OPTION_DOUBLE, (s), (l), (v), (a), (h), 0, 0, NULL                                      \
    }
#define PG_OPT_LIST(s, l, v, a, h)                                                                 \
    {                                                                                              \
        PG_OPTION_LIST, (s), (l), (v), (a), (h), 0, 0, NULL                                        \
    }
#define PG_OPT_CALLBACK(s, l, v, a, h, fn)                                                         \
    {                                                                                              \
        PG_OPTION_CALLBACK, (s), (l), (v), (a), (h), 0, 0, (fn)                                    \
    }
#define PG_OPT_PASSTHRU(prefix, v)                                                                 \
    {                                                                                              \
        PG_OPTION_PASSTHRU, 0, (prefix), (v), NULL, NULL, 0, 0, NULL                               \
    }

/* Flags of pg_opt_spec. */
#define PG_PARSE_KEEP_DASHDASH 1u /* keep `--` among the positional arguments */

/* A subcommand's command line: its name, its usage and its options. */
typedef struct pg_opt_spec {
    const char *cmd;          /* "check", "budgets lint": messages say "perfgate: check: ..." */
    const char *usage;        /* "usage: perfgate check ..." lines; after a blank line, an
                                 optional description (docs/man/gen.py splits there) */
    const pg_option *options; /* ends with PG_OPT_END() */
    void (*more)(FILE *f);    /* printed after the options (e.g. compute's kernels); NULL */
    const char *footer;       /* printed last, e.g. the exit status; NULL: none */
    unsigned flags;           /* PG_PARSE_* */
} pg_opt_spec;

#define PG_OPT_HELP (-1)  /* pg_parse_options printed --help to stdout */
#define PG_OPT_ERROR (-2) /* pg_parse_options printed an error to stderr */

/* Parses argv[1..argc) (argv[0] is the subcommand's name) against the
 * spec's table, storing values as the types say.  Returns the number n of
 * positional arguments, moved in order to argv[0..n); or PG_OPT_HELP after
 * printing the help to stdout; or PG_OPT_ERROR after printing what was
 * wrong (and, for bad usage, the help) to stderr. */
int pg_parse_options(const pg_opt_spec *spec, int argc, char **argv);

/* The exit status for a negative pg_parse_options result: 0 after --help, 2
 * after an error. */
static inline int pg_opt_status(int rc)
{
    return rc == PG_OPT_HELP ? 0 : 2;
}

/* Prints the help: the usage (and description), the options with their
 * help, spec->more and the footer. */
void pg_opt_usage(const pg_opt_spec *spec, FILE *f);

/* Prints "perfgate: CMD: <formatted message>", a newline and the help to
 * stderr; returns 2, the exit status of bad usage. */
int pg_opt_usage_error(const pg_opt_spec *spec, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
