/*
 * pg_process.h - running another program: one module for all of perfgate
 * (common/process.c).
 *
 * perfgate runs builds (`perfgate ab`), valgrind (`ab --mode instructions`,
 * `profile`), gnuplot (`report`) and its own first-call children (the
 * `first` profile of the harness).  All of them go through here, as git's
 * run-command.h serves all of git: the caller fills a struct pg_process
 * (argv, where the standard streams go, a timeout, a CPU), calls
 * pg_process_start and pg_process_finish (or pg_process_run for both) and
 * reads the result from the same struct.
 *
 * What it promises:
 *   - argv reaches the program verbatim: there is never a shell, so spaces,
 *     quotes, ';' or '$(...)' in a benchmark name are only bytes;
 *   - with a timeout the child leads its own process group and the whole
 *     group (valgrind and what it runs, tpbench and its first-call
 *     children) is killed with SIGKILL when the time is up; the result says
 *     so (timed_out);
 *   - pinning happens in the child (sched_setaffinity before exec), the
 *     parent's own mask is left alone; pg_process_pin pins the caller;
 *   - a log written through PG_PROCESS_FILE / PG_PROCESS_APPEND is never
 *     removed here, and an error names it: when a run fails, its log is
 *     what is left to read.
 *
 * Conventions as pg_error.h: 0 or a negative PG_E... code, a pg_error the
 * caller keeps filled with what went wrong; nothing here prints or exits.
 * POSIX (fork/exec); pinning needs Linux and is PG_EUNSUP elsewhere.
 */
#ifndef PG_PROCESS_H
#define PG_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

#include "pg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where one of the child's standard streams goes (or, for stdin, comes
 * from).  Zero, PG_PROCESS_INHERIT, keeps the parent's. */
typedef enum pg_process_io {
    PG_PROCESS_INHERIT = 0, /* the parent's own descriptor */
    PG_PROCESS_NULL,        /* /dev/null */
    PG_PROCESS_CAPTURE,     /* stdout/stderr: into out_buf / err_buf (pg_process_finish) */
    PG_PROCESS_FILE,        /* the path in in_path/out_path/err_path; output truncated */
    PG_PROCESS_APPEND,      /* output: the path, appended to (created when absent) */
    PG_PROCESS_PIPE,        /* stdout only: a pipe; the parent reads p->out_fd itself */
    PG_PROCESS_STDOUT       /* stderr only: wherever stdout goes (2>&1) */
} pg_process_io;

typedef struct pg_process {
    /* ---- filled in by the caller; a zeroed struct is the default ---- */
    const char *const *argv;                   /* program and arguments, NULL-terminated; argv[0]
                                is looked up in PATH unless it holds a '/' */
    const char *exec_path;                     /* non-NULL: exec this file with argv, and argv[0]
                                only when that fails (e.g. "/proc/self/exe") */
    const char *const *env;                    /* "NAME=value" added to (or replacing in) the
                                parent's environment, NULL-terminated; NULL: none */
    const char *dir;                           /* the child's working folder; NULL: the parent's */
    pg_process_io in, out, err;                /* the three streams */
    const char *in_path, *out_path, *err_path; /* for PG_PROCESS_FILE/APPEND */
    double timeout_s;                          /* > 0: kill the child's process group after this
                                many seconds (wall clock); 0: wait for ever */
    int pin;                                   /* 1: run the child on one CPU, `cpu` */
    int cpu;                                   /* with pin: the CPU; < 0: the last CPU of the
                                parent's affinity mask */
    size_t capture_max;                        /* bytes kept of each captured stream; 0: 16 MiB
                                (the rest is read and dropped, so the child
                                never blocks) */

    /* ---- filled in by pg_process_start ---- */
    pid_t pid;  /* the child; 0 before start and after finish */
    int out_fd; /* PG_PROCESS_PIPE: the read end; -1 otherwise.
                                Closed by pg_process_finish; a caller that
                                closes it first sets it to -1 */

    /* ---- filled in by pg_process_finish (or pg_process_poll) ---- */
    char *out_buf, *err_buf; /* captured output, NUL-terminated; malloc'd, freed
                                by pg_process_clear; NULL when not captured */
    size_t out_len, err_len; /* bytes in them (without the NUL) */
    int exit_code;           /* 0..255 when the child exited, -1 when a signal ended it */
    int signal;              /* the signal that ended it, 0 when it exited */
    int timed_out;           /* 1: killed because timeout_s had passed */
    double wall_s;           /* from start to the end of the child */
    double user_s, sys_s;    /* CPU time of the child (and its waited-for children) */
    long max_rss_kb;         /* the child's peak resident set, in KiB */

    /* ---- private to common/process.c ---- */
    int cap_fd[2];     /* read ends of the capture pipes, -1 when none */
    size_t cap_cap[2]; /* capacity of out_buf / err_buf */
    double t0;         /* start, CLOCK_MONOTONIC seconds */
    int own_group;     /* the child leads its own process group */
    int started;       /* the private fields above are valid */
} pg_process;

/* Fills p (zeroing it first) the way perfgate runs builds, valgrind and
 * rm: stdin from /dev/null, stdout and stderr both appended to log (NULL:
 * /dev/null), killed after timeout_s seconds (0: never).  The caller may
 * change any field before pg_process_start. */
void pg_process_init_logged(pg_process *p, const char *const *argv, const char *log,
                            double timeout_s);

/* Starts the child described by p; never through a shell.  Fails, with err
 * filled and nothing left running, when argv is empty, a stream's file
 * cannot be opened, the CPU cannot be used or the program cannot be run
 * (exec failed: the message says why, e.g. "cannot run 'gnuplot': No such
 * file or directory").  Flushes the caller's stdio first, so nothing
 * buffered is written twice.  Returns 0, PG_EINVAL, PG_EUNSUP or PG_EIO. */
int pg_process_start(pg_process *p, pg_error *err);

/* Waits for a started child, collecting captured output, enforcing the
 * timeout, and fills the result fields.  Returns 0 when the child exited
 * with status 0; otherwise PG_EIO with err saying how it ended ("'x' exited
 * with status 3", "was killed by signal 9", "timed out after 2 s") and
 * naming the log file when stdout or stderr went to one.  The result
 * fields are filled either way. */
int pg_process_finish(pg_process *p, pg_error *err);

/* As pg_process_finish, without blocking: 1 while the child runs (after
 * collecting what output is ready and killing it if its time is up), else
 * what pg_process_finish returns.  For callers that watch several children
 * or report progress meanwhile. */
int pg_process_poll(pg_process *p, pg_error *err);

/* pg_process_start, then pg_process_finish. */
int pg_process_run(pg_process *p, pg_error *err);

/* Frees the captured output (out_buf, err_buf become NULL) and closes
 * what is still open; exit_code, signal, timed_out and the times stay
 * readable.  A child still running is killed and waited for first.  NULL
 * is a no-op. */
void pg_process_clear(pg_process *p);

/* Pins the calling process (and the children it starts later) to one CPU;
 * cpu < 0 picks the last CPU of the current affinity mask.  *chosen (may
 * be NULL) gets the CPU.  Returns 0, PG_EINVAL (no such CPU) or PG_EUNSUP. */
int pg_process_pin(int cpu, int *chosen);

#ifdef __cplusplus
}
#endif
#endif
