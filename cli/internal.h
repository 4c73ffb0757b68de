/*
 * internal.h - helpers shared by the perfgate subcommands (cli/ only).
 */
#ifndef PG_CLI_INTERNAL_H
#define PG_CLI_INTERNAL_H

#include <stddef.h>

#include "pg_error.h"

#ifndef PG_VERSION
#define PG_VERSION "0.1.0"
/* Opens the history named by --history (a SQLite path or a postgresql://
 * URI; NULL means reports/history.sqlite), making a SQLite file's folder.
 * Prints the error and returns NULL on failure.  Defined in cmd_history.c. */
struct pg_history;
struct pg_history *pg_cli_open_history(const char *where);

#endif

/* The candidate closest to word by edit distance, or NULL when none is
 * close enough to suggest. */
const char *pg_cli_nearest(const char *word, const char *const *candidates, size_t n);

/* Prints "perfgate: CMD: unknown option 'OPT'" and, when one of known is
 * close, "; did you mean 'X'?", then a newline, to stderr. */
void pg_cli_unknown_option(const char *cmd, const char *opt, const char *const *known, size_t n);

/* Prints "perfgate: <formatted error>" to stderr. */
void pg_cli_report(const char *prefix, const pg_error *err);

/* Opens the history named by --history (a SQLite path or a postgresql://
 * URI; NULL means reports/history.sqlite), making a SQLite file's folder.
 * Prints the error and returns NULL on failure.  Defined in cmd_history.c. */
struct pg_history;
struct pg_history *pg_cli_open_history(const char *where);

#endif
