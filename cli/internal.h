/*
 * internal.h - helpers shared by the perfgate subcommands (cli/ only).
 */
#ifndef PG_CLI_INTERNAL_H
#define PG_CLI_INTERNAL_H

#include <stddef.h>

#include "pg_error.h"

/* Where make gate and the commands write by default: a folder of its own,
 * never a source folder (git ignores it). */
#define PG_CLI_OUT_DIR "perfgate-out"
#define PG_CLI_DEFAULT_HISTORY PG_CLI_OUT_DIR "/history.sqlite"

#include "pg_version.h" /* PG_VERSION */

/* The candidate closest to word by edit distance, or NULL when none is
 * close enough to suggest (parse_options.c's "did you mean"). */
const char *cli_nearest(const char *word, const char *const *candidates, size_t n);

/* Prints "; did you mean 'X'?" to stderr when X, one of candidates, is
 * close to word; else nothing.  Ends a message that names word. */
void cli_did_you_mean(const char *word, const char *const *candidates, size_t n);

/* Opens path for a crash-safe write (common/pg_io.h: temporary file, fsync,
 * rename), printing the error and returning NULL on failure. */
struct pg_afile;
struct pg_afile *cli_out_open(const char *path);

/* Finishes a write begun by cli_out_open: commits it when ok (the
 * destination then holds the new file), else discards it (the old file
 * stays).  Prints what went wrong; returns 0, or -1 when not written. */
int cli_out_close(struct pg_afile *af, const char *path, int ok);

/* Prints "perfgate: <formatted error>" to stderr. */
void cli_report(const char *prefix, const pg_error *err);

/* Opens the history named by --history (a SQLite path or a postgresql://
 * URI; NULL means perfgate-out/history.sqlite), making a SQLite file's folder.
 * Prints the error and returns NULL on failure.  Defined in cmd_history.c. */
struct pg_history;
struct pg_history *cli_open_history(const char *where);
/* The same for a command that only reads: a history file that does not
 * exist is an error (exit 2), never created empty. */
struct pg_history *cli_open_history_existing(const char *where);

/* Building JSON that must be whole: o[key] = v and append v to a, each
 * taking v (also when it is NULL, from a failed allocation); a failure
 * sets *bad, so the caller writes nothing rather than a document with
 * holes.  json_t is jansson's. */
struct json_t;
void cli_json_put(int *bad, struct json_t *o, const char *key, struct json_t *v);
void cli_json_push(int *bad, struct json_t *a, struct json_t *v);

/* Makes path and the folders above it (mkdir -p); 0, or -1 with errno. */
int cli_mkdir_p(const char *path);

/* `perfgate history changes` (history_changes.c): change points and creep
 * of the benchmarks matching glob (NULL: all), creep measured from run
 * `since` (NULL: the baseline's, else the first), tolerance a fraction;
 * the table on stdout, JSON to json_path when not NULL.  Returns the exit
 * status: 0, 1 (a new slowdown or creep), 2 (trouble, said on stderr). */
int cli_history_changes(const char *history, const char *glob, const char *since, double tolerance,
                        const char *json_path);
/* As cli_open_history, for commands that only read: opened read-only
 * (pg_history_open_readonly), so a history the user may read but not write
 * works, and nothing is created.  Defined in cmd_history.c. */
struct pg_history *cli_open_history_ro(const char *where);

/* --format, the same on every command that reads results: the format of
 * every results file it reads (pg_gate.h PG_FORMAT_*; auto detects it from
 * the content).  Returns the format, or -1 after saying on stderr what
 * cmd's --format takes. */
#define CLI_FORMAT_HELP                                                                            \
    "results format: auto (from the content; the default), gbench, pytest-benchmark, "             \
    "hyperfine or asv"
int cli_results_format(const char *cmd, const char *text);

/* ab_command.c: `perfgate ab --base-command CMD --head-command CMD`;
 * cli_ab_is_command says whether argv asks for it. */
int cli_ab_is_command(int argc, char **argv);
int cli_ab_command(int argc, char **argv);

/* merge_other.c: `perfgate merge` of pytest-benchmark, hyperfine or asv
 * files (format), joined in that format.  Returns the exit status. */
int cli_merge_other(char **inputs, char **texts, const size_t *lens, size_t n, const char *out,
                    int format, int allow_hosts, int force);

#endif
