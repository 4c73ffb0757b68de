/*
 * process.c - running another program: fork, set up the child's streams,
 * process group and CPU, exec argv (never a shell), then wait with a
 * timeout while collecting what it prints.  See pg_process.h.
 *
 * Everything that can fail for a reason worth reporting (a log that
 * cannot be opened, a CPU that does not exist, an environment that does
 * not fit in memory) is prepared in the parent before fork, so the child
 * only calls async-signal-safe functions (dup2, chdir, setpgid,
 * sched_setaffinity, exec): a multi-threaded caller (the harness under
 * Google Benchmark) stays safe.  When exec itself fails the child writes
 * errno down a close-on-exec pipe, which the parent reads: zero bytes mean
 * exec succeeded, so "cannot run 'gnuplot'" is told apart from a program
 * that exits with 127 of its own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* execvpe, pipe2, sched_setaffinity, CPU_SET */
#endif
#include "pg_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

extern char **environ;

#define CAPTURE_MAX_DEFAULT ((size_t)16 << 20)

/* What the child reports when it could not get as far as the program. */
enum { STAGE_STREAMS = 1, STAGE_DIR, STAGE_GROUP, STAGE_CPU, STAGE_EXEC };

typedef struct child_failure {
    int stage;
    int error; /* errno */
} child_failure;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static const char *prog_name(const pg_process *p)
{
    return p->argv && p->argv[0] ? p->argv[0] : "?";
}

/* ---- CPUs ------------------------------------------------------------------ */

#ifdef __linux__
/* The set holding only `cpu`; cpu < 0: the last CPU of the caller's mask. */
static int cpu_set_for(int cpu, cpu_set_t *set, int *chosen)
{
    CPU_ZERO(set);
    if (cpu < 0) {
        if (sched_getaffinity(0, sizeof *set, set) != 0)
            return PG_EUNSUP;
        for (int c = CPU_SETSIZE - 1; c >= 0; c--)
            if (CPU_ISSET(c, set)) {
                cpu = c;
                break;
            }
        CPU_ZERO(set);
    }
    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return PG_EINVAL;
    CPU_SET(cpu, set);
    if (chosen)
        *chosen = cpu;
    return 0;
}
#endif

int pg_process_pin(int cpu, int *chosen)
{
#ifdef __linux__
    cpu_set_t set;
    int c = -1;
    int rc = cpu_set_for(cpu, &set, &c);
    if (rc)
        return rc;
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        return errno == EINVAL ? PG_EINVAL : PG_EUNSUP;
    if (chosen)
        *chosen = c;
    return 0;
#else
    (void)cpu;
    (void)chosen;
    return PG_EUNSUP;
#endif
}

/* ---- the environment --------------------------------------------------------- */

static size_t name_len(const char *kv)
{
    const char *eq = strchr(kv, '=');
    return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* environ with p->env added (an addition replaces a variable of the same
 * name).  Only the pointer array is allocated; the strings are borrowed. */
static char **make_env(const char *const *add)
{
    size_t n = 0, k = 0;
    while (environ && environ[n])
        n++;
    while (add && add[k])
        k++;
    char **env = malloc((n + k + 1) * sizeof *env);
    if (!env)
        return NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = name_len(environ[i]);
        int replaced = 0;
        for (size_t j = 0; j < k && !replaced; j++)
            replaced = name_len(add[j]) == l && !strncmp(add[j], environ[i], l);
        if (!replaced)
            env[m++] = environ[i];
    }
    for (size_t j = 0; j < k; j++)
        env[m++] = (char *)add[j];
    env[m] = NULL;
    return env;
}

/* ---- streams ----------------------------------------------------------------- */

/* The parent's end of the plan for one stream: the descriptor the child
 * dup2s onto `target`, or -1 to leave it. */
typedef struct stream_plan {
    int fd;       /* child side (close-on-exec here) */
    int read_end; /* CAPTURE/PIPE: the parent's end */
} stream_plan;

static int open_stream(pg_process *p, int target, pg_process_io io, const char *path,
                       stream_plan *sp, pg_error *err)
{
    sp->fd = sp->read_end = -1;
    static const char *const names[] = { "stdin", "stdout", "stderr" };
    switch (io) {
    case PG_PROCESS_INHERIT:
    case PG_PROCESS_STDOUT:
        if (io == PG_PROCESS_STDOUT && target != STDERR_FILENO)
            break;
        return 0;
    case PG_PROCESS_NULL:
        sp->fd = open("/dev/null", (target ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
        if (sp->fd < 0)
            return pg_error_set(err, PG_EIO, "/dev/null", 0, 0, NULL, "cannot open: %s",
                                strerror(errno));
        return 0;
    case PG_PROCESS_FILE:
    case PG_PROCESS_APPEND:
        if (!path)
            break;
        if (target == STDIN_FILENO)
            sp->fd = open(path, O_RDONLY | O_CLOEXEC);
        else
            sp->fd = open(path,
                          O_WRONLY | O_CREAT | O_CLOEXEC |
                              (io == PG_PROCESS_APPEND ? O_APPEND : O_TRUNC),
                          0644);
        if (sp->fd < 0)
            return pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot open %s of '%s': %s",
                                names[target], prog_name(p), strerror(errno));
        return 0;
    case PG_PROCESS_CAPTURE:
    case PG_PROCESS_PIPE: {
        if (target == STDIN_FILENO || (io == PG_PROCESS_PIPE && target != STDOUT_FILENO))
            break;
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0)
            return pg_error_set(err, PG_EIO, NULL, 0, 0, NULL, "cannot make a pipe: %s",
                                strerror(errno));
        sp->read_end = fds[0];
        sp->fd = fds[1];
        return 0;
    }
    }
    return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "unsupported handling of %s of '%s'",
                        names[target], prog_name(p));
}

/* In the child: fd onto target, without close-on-exec. */
static int put_fd(int fd, int target)
{
    if (fd < 0)
        return 0;
    if (fd == target)
        return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

/* ---- start ---------------------------------------------------------------------- */

static void child_fail(int report_fd, int stage)
{
    child_failure f = { stage, errno };
    ssize_t w = write(report_fd, &f, sizeof f);
    (void)w;
    _exit(127);
}

static const char *stage_text(int stage)
{
    switch (stage) {
    case STAGE_STREAMS: return "cannot set up the streams of";
    case STAGE_DIR: return "cannot change to the folder of";
    case STAGE_GROUP: return "cannot make a process group for";
    case STAGE_CPU: return "cannot pin to the CPU";
    default: return "cannot run";
    }
}

int pg_process_start(pg_process *p, pg_error *err)
{
    p->pid = 0;
    p->out_fd = p->cap_fd[0] = p->cap_fd[1] = -1;
    p->cap_cap[0] = p->cap_cap[1] = 0;
    p->out_buf = p->err_buf = NULL;
    p->out_len = p->err_len = 0;
    p->exit_code = -1;
    p->signal = p->timed_out = 0;
    p->wall_s = p->user_s = p->sys_s = 0;
    p->max_rss_kb = 0;
    p->own_group = p->timeout_s > 0;
    p->started = 1;
    if (!p->argv || !p->argv[0] || !p->argv[0][0])
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no program to run");

    int rc = 0;
    stream_plan sp[3] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
    int report[2] = { -1, -1 };
    char **env = NULL;
#ifdef __linux__
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    if (p->pin) {
        rc = cpu_set_for(p->cpu, &cpus, NULL);
        if (rc) {
            pg_error_set(err, rc, NULL, 0, 0, NULL, "cannot pin '%s' to CPU %d", prog_name(p),
                         p->cpu);
            goto fail;
        }
    }
#else
    if (p->pin) {
        rc = pg_error_set(err, PG_EUNSUP, NULL, 0, 0, NULL, "cannot pin to a CPU here");
        goto fail;
    }
#endif
    if ((rc = open_stream(p, STDIN_FILENO, p->in, p->in_path, &sp[0], err)) ||
        (rc = open_stream(p, STDOUT_FILENO, p->out, p->out_path, &sp[1], err)) ||
        (rc = open_stream(p, STDERR_FILENO, p->err, p->err_path, &sp[2], err)))
        goto fail;
    if (p->env && !(env = make_env(p->env))) {
        rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto fail;
    }
    if (pipe2(report, O_CLOEXEC) != 0) {
        rc = pg_error_set(err, PG_EIO, NULL, 0, 0, NULL, "cannot make a pipe: %s", strerror(errno));
        goto fail;
    }
    fflush(NULL); /* nothing buffered here is written twice, by the child too */
    pid_t parent = getpid();
    p->t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        rc = pg_error_set(err, PG_EIO, NULL, 0, 0, NULL, "cannot start '%s': %s", prog_name(p),
                          strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        close(report[0]);
        if (p->own_group) {
            /* Its own group, so a timeout kills all it started; and it dies
             * with us, since a terminal's ^C no longer reaches it. */
            if (setpgid(0, 0) != 0)
                child_fail(report[1], STAGE_GROUP);
#ifdef __linux__
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(127);
#endif
        }
        if (put_fd(sp[0].fd, STDIN_FILENO) || put_fd(sp[1].fd, STDOUT_FILENO) ||
            put_fd(sp[2].fd, STDERR_FILENO))
            child_fail(report[1], STAGE_STREAMS);
        if (p->err == PG_PROCESS_STDOUT && dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
            child_fail(report[1], STAGE_STREAMS);
        if (p->dir && chdir(p->dir) != 0)
            child_fail(report[1], STAGE_DIR);
#ifdef __linux__
        if (p->pin && sched_setaffinity(0, sizeof cpus, &cpus) != 0)
            child_fail(report[1], STAGE_CPU);
#endif
        char *const *argv = (char *const *)p->argv;
        char *const *envp = env ? env : environ;
        if (p->exec_path)
            execve(p->exec_path, argv, envp);
        if (strchr(argv[0], '/'))
            execve(argv[0], argv, envp);
        else
            execvpe(argv[0], argv, envp);
        child_fail(report[1], STAGE_EXEC);
    }
    p->pid = pid;
    if (p->own_group)
        setpgid(pid, pid); /* as the child does: whichever runs first */
    close_fd(&report[1]);
    for (int i = 0; i < 3; i++)
        close_fd(&sp[i].fd);
    free(env);
    env = NULL;
    child_failure f;
    ssize_t got;
    do
        got = read(report[0], &f, sizeof f);
    while (got < 0 && errno == EINTR);
    close_fd(&report[0]);
    if (got == (ssize_t)sizeof f) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        p->pid = 0;
        rc = f.stage == STAGE_CPU ? PG_EUNSUP : PG_EIO;
        pg_error_set(err, rc, NULL, 0, 0, NULL, "%s '%s': %s", stage_text(f.stage), prog_name(p),
                     strerror(f.error));
        goto fail;
    }
    if (sp[1].read_end >= 0 && p->out == PG_PROCESS_PIPE) {
        p->out_fd = sp[1].read_end;
        sp[1].read_end = -1;
    }
    for (int i = 1; i < 3; i++)
        if (sp[i].read_end >= 0) {
            fcntl(sp[i].read_end, F_SETFL, fcntl(sp[i].read_end, F_GETFL) | O_NONBLOCK);
            p->cap_fd[i - 1] = sp[i].read_end;
            sp[i].read_end = -1;
        }
    return 0;
fail:
    for (int i = 0; i < 3; i++) {
        close_fd(&sp[i].fd);
        close_fd(&sp[i].read_end);
    }
    close_fd(&report[0]);
    close_fd(&report[1]);
    free(env);
    return rc ? rc : PG_EIO;
}

/* ---- waiting ------------------------------------------------------------------ */

/* Reads what is ready on capture stream i (0 stdout, 1 stderr); closes it
 * at end of file.  Bytes beyond capture_max are read and dropped. */
static void drain(pg_process *p, int i)
{
    char tmp[16384];
    char **buf = i == 0 ? &p->out_buf : &p->err_buf;
    size_t *len = i == 0 ? &p->out_len : &p->err_len;
    size_t max = p->capture_max ? p->capture_max : CAPTURE_MAX_DEFAULT;
    if ((i == 0 ? p->out : p->err) != PG_PROCESS_CAPTURE)
        return;
    while (p->cap_fd[i] >= 0) {
        ssize_t got = read(p->cap_fd[i], tmp, sizeof tmp);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (got <= 0) {
            close_fd(&p->cap_fd[i]);
            break;
        }
        size_t keep = *len < max ? max - *len : 0;
        if (keep > (size_t)got)
            keep = (size_t)got;
        if (keep && *len + keep + 1 > p->cap_cap[i]) {
            size_t cap = p->cap_cap[i] ? p->cap_cap[i] : 4096;
            while (cap < *len + keep + 1)
                cap *= 2;
            char *nb = realloc(*buf, cap);
            if (!nb)
                keep = 0; /* keep what we have; the child must not block */
            else {
                *buf = nb;
                p->cap_cap[i] = cap;
            }
        }
        if (keep) {
            memcpy(*buf + *len, tmp, keep);
            *len += keep;
            (*buf)[*len] = '\0';
        }
    }
    /* Captured but silent: an empty string, not NULL. */
    if (!*buf && (*buf = malloc(1)) != NULL) {
        (*buf)[0] = '\0';
        p->cap_cap[i] = 1;
    }
}

static void kill_child(pg_process *p)
{
    if (p->own_group)
        kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
}

/* Where the output went, for the error. */
static const char *log_of(const pg_process *p)
{
    if ((p->out == PG_PROCESS_FILE || p->out == PG_PROCESS_APPEND) && p->out_path)
        return p->out_path;
    if ((p->err == PG_PROCESS_FILE || p->err == PG_PROCESS_APPEND) && p->err_path)
        return p->err_path;
    return NULL;
}

/* The child has ended with `status`: fill the result, say how it went. */
static int ended(pg_process *p, int status, const struct rusage *ru, pg_error *err)
{
    p->wall_s = now_s() - p->t0;
    p->user_s = (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6;
    p->sys_s = (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
    p->max_rss_kb = ru->ru_maxrss;
    p->pid = 0;
    for (int i = 0; i < 2; i++)
        if (p->cap_fd[i] >= 0) {
            drain(p, i);
            close_fd(&p->cap_fd[i]); /* a grandchild may hold it: not ours to wait for */
        }
    close_fd(&p->out_fd);
    char how[96];
    if (WIFEXITED(status)) {
        p->exit_code = WEXITSTATUS(status);
        p->signal = 0;
        if (p->exit_code == 0)
            return 0;
        snprintf(how, sizeof how, "exited with status %d", p->exit_code);
    } else {
        p->exit_code = -1;
        p->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        if (p->timed_out)
            snprintf(how, sizeof how, "timed out after %g s", p->timeout_s);
        else
            snprintf(how, sizeof how, "was killed by signal %d", p->signal);
    }
    const char *log = log_of(p);
    return pg_error_set(err, PG_EIO, NULL, 0, 0, NULL, "'%s' %s%s%s%s", prog_name(p), how,
                        log ? " (log: " : "", log ? log : "", log ? ")" : "");
}

/* One look: collect output, enforce the deadline, reap. */
static int look(pg_process *p, int options, pg_error *err)
{
    if (!p->started || p->pid <= 0)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no child was started");
    for (int i = 0; i < 2; i++)
        drain(p, i);
    if (p->timeout_s > 0 && !p->timed_out && now_s() - p->t0 > p->timeout_s) {
        kill_child(p);
        p->timed_out = 1;
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pid_t w = wait4(p->pid, &status, options, &ru);
    if (w == p->pid)
        return ended(p, status, &ru, err);
    if (w == 0 || (w < 0 && errno == EINTR))
        return 1;
    p->pid = 0;
    return pg_error_set(err, PG_EIO, NULL, 0, 0, NULL, "cannot wait for '%s': %s", prog_name(p),
                        strerror(errno));
}

int pg_process_poll(pg_process *p, pg_error *err)
{
    return look(p, WNOHANG, err);
}

int pg_process_finish(pg_process *p, pg_error *err)
{
    for (;;) {
        int watch = p->cap_fd[0] >= 0 || p->cap_fd[1] >= 0 || p->timeout_s > 0;
        int r = look(p, watch ? WNOHANG : 0, err);
        if (r != 1)
            return r;
        if (!watch)
            continue; /* EINTR */
        /* Sleep until output is ready, or 5 ms: the deadline's resolution
         * and the delay before an ended child is noticed. */
        struct pollfd fds[2];
        nfds_t n = 0;
        for (int i = 0; i < 2; i++)
            if (p->cap_fd[i] >= 0) {
                fds[n].fd = p->cap_fd[i];
                fds[n].events = POLLIN;
                n++;
            }
        poll(fds, n, 5);
    }
}

void pg_process_init_logged(pg_process *p, const char *const *argv, const char *log,
                            double timeout_s)
{
    memset(p, 0, sizeof *p);
    p->argv = argv;
    p->in = PG_PROCESS_NULL;
    p->out = log ? PG_PROCESS_APPEND : PG_PROCESS_NULL;
    p->out_path = log;
    p->err = PG_PROCESS_STDOUT;
    p->timeout_s = timeout_s;
}

int pg_process_run(pg_process *p, pg_error *err)
{
    int rc = pg_process_start(p, err);
    return rc ? rc : pg_process_finish(p, err);
}

void pg_process_clear(pg_process *p)
{
    if (!p || !p->started)
        return;
    if (p->pid > 0) {
        kill_child(p);
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        p->pid = 0;
    }
    close_fd(&p->cap_fd[0]);
    close_fd(&p->cap_fd[1]);
    close_fd(&p->out_fd);
    free(p->out_buf);
    free(p->err_buf);
    p->out_buf = p->err_buf = NULL;
    p->out_len = p->err_len = 0;
    p->cap_cap[0] = p->cap_cap[1] = 0;
    p->started = 0;
}
