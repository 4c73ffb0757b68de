/*
 * cmd_evidence.c - `perfgate evidence`: the release sign-off bundle, and
 * `perfgate evidence verify`: checks one against its manifest.
 *
 * A bundle is a folder that says which budgets held, on which machine, for
 * which commit:
 *
 *   README.md         the verdict, commit, host, counts, waivers, how to verify
 *   results.json      the run, byte for byte (baseline.json too, when given)
 *   budgets/          every budget file the gate read
 *   verdict.json, summary.md, junit.xml, verdicts.txt   the gate's verdicts
 *   waivers.json      every waiver, active or expired on the day of the check
 *   environment.json  the results' context and perfgate block (less the
 *                     per-benchmark map), and who wrote the bundle, when
 *   history.json      the newest runs of the history and its baseline (--history)
 *   report/           a report folder copied in (--report)
 *   MANIFEST.sha256   "<sha256>  <path>" for every other file, sorted by path:
 *                     `sha256sum -c MANIFEST.sha256` reads it too
 *   MANIFEST.sha256.sig  with --sign KEY: the manifest's SSH signature
 *                     (ssh-keygen -Y sign, namespace perfgate-evidence)
 *
 * The bundle is built in a temporary folder beside DIR and renamed into
 * place at the end, so DIR is either absent or complete.  Exit status: 0 the
 * gate passed, 1 it failed (the bundle is written and says so), 2 trouble.
 * verify: 0 every file matches, 1 a file was changed, added or removed (each
 * is named) or, with --allowed-signers, the bundle is unsigned or its
 * signature does not hold for an allowed key, 2 no readable manifest.
 * Only regular files of --report are bundled (never a link's target).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "builtin.h"
#include "pg_escape.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_gate.h"
#include "pg_history.h"
#include "pg_io.h"
#include "pg_json_read.h"
#include "pg_process.h"
#include "pg_redact.h"
#include "pg_sha256.h"

static const char usage_text[] =
    "usage: perfgate evidence --out DIR --results R.json --budgets PATH [--budgets ...]\n"
    "                         [--baseline B.json] [--history H] [--history-runs N]\n"
    "                         [--report DIR] [--today YYYY-MM-DD] [--sign KEY] [--format FMT]\n"
    "       perfgate evidence verify DIR [--allowed-signers FILE]\n"
    "\n"
    "Writes the release sign-off bundle: the results, the budgets, the gate's\n"
    "verdicts, the waivers, the environment, an excerpt of the history, a report,\n"
    "and a SHA-256 manifest of them all (MANIFEST.sha256, sha256sum's format).\n"
    "'verify' recomputes every checksum and names each file changed, added or\n"
    "missing since the bundle was written.  With --sign the manifest is signed\n"
    "(MANIFEST.sha256.sig, ssh-keygen -Y); 'verify --allowed-signers' then also\n"
    "checks the signature, so an edited file cannot be hidden by editing the\n"
    "manifest too.\n";

static const char footer[] =
    "exit status: 0 the gate passed, 1 it failed (the bundle is still written),\n"
    "2 bad input or usage; verify: 0 intact, 1 changed (or, with\n"
    "--allowed-signers, unsigned or not signed by an allowed key), 2 no\n"
    "readable manifest\n";

#define MANIFEST "MANIFEST.sha256"
#define SIGNATURE MANIFEST ".sig"
/* ssh-keygen -Y's namespace: a signature made for a bundle is good for
 * nothing else (and a signature made for anything else, not for a bundle). */
#define SIG_NAMESPACE "perfgate-evidence"
#define SSH_KEYGEN_TIMEOUT_S 60

/* snprintf for paths: -1 (and a message) when the path does not fit. */
static int pathf(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int pathf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len) {
        fprintf(stderr, "perfgate: evidence: a path is longer than %zu bytes\n", len - 1);
        return -1;
    }
    return 0;
}

/* ---- files and folders ------------------------------------------------ */

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static int strlist_add(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every entry under root/rel that is not a folder (files, links, others),
 * as paths relative to root; folders are descended.  -1 on trouble. */
static int walk(const char *root, const char *rel, strlist *out)
{
    char dirpath[4096];
    if (pathf(dirpath, sizeof dirpath, "%s%s%s", root, rel[0] ? "/" : "", rel))
        return -1;
    DIR *d = opendir(dirpath);
    if (!d) {
        fprintf(stderr, "perfgate: cannot read folder '%s': %s\n", dirpath, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char sub[4096], full[4096];
        if (pathf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) ||
            pathf(full, sizeof full, "%s/%s", root, sub)) {
            rc = -1;
            break;
        }
        struct stat st;
        if (lstat(full, &st) != 0) {
            rc = -1;
            break;
        }
        if (S_ISDIR(st.st_mode))
            rc = walk(root, sub, out);
        else if (strlist_add(out, sub))
            rc = -1;
    }
    closedir(d);
    return rc;
}

/* Copies the open stream in (closed here) to a new file to. */
static int copy_stream(FILE *in, const char *from, const char *to)
{
    FILE *out = fopen(to, "wb");
    if (!out) {
        fprintf(stderr, "perfgate: cannot write '%s': %s\n", to, strerror(errno));
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t got;
    int rc = 0;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, got, out) != got) {
            rc = -1;
            break;
        }
    }
    if (ferror(in))
        rc = -1;
    fclose(in);
    if (fclose(out) != 0)
        rc = -1;
    if (rc)
        fprintf(stderr, "perfgate: cannot copy '%s' to '%s'\n", from, to);
    return rc;
}

/* Copies a file the user named (the results, a budget file). */
static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in) {
        fprintf(stderr, "perfgate: cannot read '%s': %s\n", from, strerror(errno));
        return -1;
    }
    return copy_stream(in, from, to);
}

/* Writes the bytes read from a file the user named (the results). */
static int write_bytes(const char *to, const char *data, size_t len)
{
    pg_error err;
    pg_error_clear(&err);
    if (pg_write_file_atomic(to, data, len, &err)) {
        cli_report("perfgate", &err);
        return -1;
    }
    return 0;
}

/* Opens rel below root one component at a time (openat, O_NOFOLLOW on
 * each), so no link is followed anywhere on the way: not the file, and not
 * a folder swapped for a link after the walk.  -1 with errno (ELOOP, or
 * ENOTDIR for a link where a folder was) on failure. */
static int open_beneath(const char *root, const char *rel)
{
    int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char part[4096];
    while (dfd >= 0) {
        size_t n = strcspn(rel, "/");
        if (n >= sizeof part) {
            close(dfd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(part, rel, n);
        part[n] = '\0';
        int last = rel[n] == '\0';
        int fd = openat(dfd, part,
                        O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY));
        int saved = errno;
        close(dfd);
        errno = saved;
        if (last || fd < 0)
            return fd;
        dfd = fd;
        rel += n + 1;
    }
    return -1;
}

/* Copies file rel of the folder root being bundled, opened by
 * open_beneath and checked on the open descriptor, so a link or a FIFO
 * swapped in after the walk is refused, not followed.  1 (and a message)
 * when it is skipped, 0 copied, -1 trouble. */
static int copy_regular(const char *root, const char *rel, const char *to)
{
    int fd = open_beneath(root, rel);
    struct stat st;
    if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
        fprintf(stderr,
                "perfgate: evidence: skipping '%s/%s': a symbolic link (only regular "
                "files are bundled)\n",
                root, rel);
        return 1;
    }
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "perfgate: cannot read '%s/%s': %s\n", root, rel, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "perfgate: evidence: skipping '%s/%s': not a regular file\n", root, rel);
        close(fd);
        return 1;
    }
    FILE *in = fdopen(fd, "rb");
    if (!in) {
        close(fd);
        return -1;
    }
    char from[4096];
    snprintf(from, sizeof from, "%s/%s", root, rel);
    return copy_stream(in, from, to);
}

/* Copies every regular file under from (recursively) into to; links
 * (to files or folders), FIFOs, sockets and devices are skipped, each
 * with a message: a report folder may hold a link to a secret, and a
 * bundle is published. */
static int copy_tree(const char *from, const char *to)
{
    strlist files = { 0 };
    int rc = walk(from, "", &files);
    size_t skipped = 0;
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        char dst[4096];
        if (pathf(dst, sizeof dst, "%s/%s", to, files.v[i])) {
            rc = -1;
            break;
        }
        char *slash = strrchr(dst, '/');
        *slash = '\0';
        rc = cli_mkdir_p(dst);
        *slash = '/';
        if (rc == 0)
            rc = copy_regular(from, files.v[i], dst);
        if (rc == 1) {
            skipped++;
            rc = 0;
        }
    }
    if (skipped)
        fprintf(stderr, "perfgate: evidence: %zu entr%s of '%s' left out of the bundle\n", skipped,
                skipped == 1 ? "y" : "ies", from);
    strlist_free(&files);
    return rc;
}

static FILE *open_in(const char *dir, const char *name)
{
    char path[4096];
    if (pathf(path, sizeof path, "%s/%s", dir, name))
        return NULL;
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "perfgate: cannot write '%s': %s\n", path, strerror(errno));
    return f;
}

static int dump_json(const char *dir, const char *name, json_t *v)
{
    char path[4096];
    if (pathf(path, sizeof path, "%s/%s", dir, name))
        return -1;
    if (json_dump_file(v, path, JSON_INDENT(2)) != 0) {
        fprintf(stderr, "perfgate: cannot write '%s'\n", path);
        return -1;
    }
    return 0;
}

/* A manifest path must stay inside the bundle and fit sha256sum's format. */
static int safe_rel(const char *p)
{
    if (!p[0] || p[0] == '/' || strchr(p, '\n') || strchr(p, '\\') || strchr(p, '\r'))
        return 0;
    for (const char *s = p; *s; s += strcspn(s, "/") + (s[strcspn(s, "/")] == '/')) {
        size_t n = strcspn(s, "/");
        if ((n == 2 && !strncmp(s, "..", 2)) || (n == 1 && s[0] == '.') || n == 0)
            return 0;
    }
    return 1;
}

/* ---- signatures -------------------------------------------------------- */

/* Runs ssh-keygen with argv (through common/pg_process.h: no shell),
 * stdin from in_path (NULL: /dev/null), stdout captured into *out when out
 * is given.  0 when it exited 0; else -1, and *why (when given) holds its
 * first line of stderr. */
static int ssh_keygen(const char *const *argv, const char *in_path, char **out, char *why,
                      size_t why_len)
{
    pg_process p;
    memset(&p, 0, sizeof p);
    p.argv = argv;
    p.in = in_path ? PG_PROCESS_FILE : PG_PROCESS_NULL;
    p.in_path = in_path;
    p.out = out ? PG_PROCESS_CAPTURE : PG_PROCESS_NULL;
    p.err = PG_PROCESS_CAPTURE;
    p.timeout_s = SSH_KEYGEN_TIMEOUT_S;
    p.capture_max = 1 << 16;
    pg_error err;
    pg_error_clear(&err);
    int rc = pg_process_run(&p, &err);
    if (why && why_len) {
        const char *e = p.err_buf && *p.err_buf ? p.err_buf : err.message;
        snprintf(why, why_len, "%.*s", (int)strcspn(e, "\n"), e);
    }
    if (out) {
        *out = p.out_buf;
        p.out_buf = NULL;
    }
    pg_process_clear(&p);
    return rc == 0 ? 0 : -1;
}

/* MANIFEST.sha256.sig beside the manifest: ssh-keygen -Y sign. */
static int sign_manifest(const char *dir, const char *key)
{
    char manifest[4096], why[512];
    if (pathf(manifest, sizeof manifest, "%s/" MANIFEST, dir))
        return -1;
    const char *argv[] = { "ssh-keygen", "-q", "-Y",          "sign",   "-f",
                           key,          "-n", SIG_NAMESPACE, manifest, NULL };
    if (ssh_keygen(argv, NULL, NULL, why, sizeof why)) {
        fprintf(stderr, "perfgate: evidence: cannot sign the manifest with '%s': %s\n", key, why);
        return -1;
    }
    return 0;
}

/* Checks dir's signature against an allowed-signers file: the signer must
 * be listed there (ssh-keygen -Y find-principals) and the signature must
 * hold for the manifest as it is now (-Y verify).  0 good (*who: the
 * principal), 1 unsigned or not good (said on stderr), 2 trouble. */
static int check_signature(const char *dir, const char *allowed, char *who, size_t who_len)
{
    char manifest[4096], sig[4096], why[512];
    struct stat st;
    if (pathf(manifest, sizeof manifest, "%s/" MANIFEST, dir) ||
        pathf(sig, sizeof sig, "%s/" SIGNATURE, dir))
        return 2;
    if (access(allowed, R_OK) != 0) {
        fprintf(stderr, "perfgate: evidence: cannot read allowed signers '%s': %s\n", allowed,
                strerror(errno));
        return 2;
    }
    if (lstat(sig, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "perfgate: evidence: '%s' is unsigned (no " SIGNATURE ")\n", dir);
        return 1;
    }
    char *found = NULL;
    const char *find[] = { "ssh-keygen", "-Y", "find-principals", "-s", sig, "-f", allowed, NULL };
    if (ssh_keygen(find, NULL, &found, why, sizeof why) || !found || !*found) {
        fprintf(stderr,
                "perfgate: evidence: '%s' is signed by a key that '%s' does not "
                "allow%s%s\n",
                dir, allowed, why[0] ? ": " : "", why);
        free(found);
        return 1;
    }
    snprintf(who, who_len, "%.*s", (int)strcspn(found, "\r\n"), found);
    free(found);
    const char *check[] = { "ssh-keygen", "-Y", "verify",      "-f", allowed, "-I",
                            who,          "-n", SIG_NAMESPACE, "-s", sig,     NULL };
    if (ssh_keygen(check, manifest, NULL, why, sizeof why)) {
        fprintf(stderr,
                "perfgate: evidence: the signature of '%s' does not match its manifest: "
                "%s\n",
                dir, why);
        return 1;
    }
    return 0;
}

/* ---- the bundle ------------------------------------------------------- */

struct evidence_opts {
    const char *out, *results, *baseline, *history, *report, *today;
    const char *sign; /* an SSH private key: sign the manifest with it, or NULL */
    int format;
    const char *budgets[64];
    size_t nbudgets;
    long history_runs;
};

static int copy_budgets(const struct evidence_opts *o, const char *dir)
{
    char bdir[4096];
    if (pathf(bdir, sizeof bdir, "%s/budgets", dir) || cli_mkdir_p(bdir))
        return -1;
    for (size_t i = 0; i < o->nbudgets; i++) {
        strlist files = { 0 };
        struct stat st;
        int rc = 0;
        if (stat(o->budgets[i], &st) != 0) {
            fprintf(stderr, "perfgate: cannot read '%s': %s\n", o->budgets[i], strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(o->budgets[i]);
            struct dirent *e;
            while (d && (e = readdir(d)) != NULL) {
                size_t n = strlen(e->d_name);
                if (n > 5 && !strcmp(e->d_name + n - 5, ".json"))
                    rc |= strlist_add(&files, e->d_name);
            }
            if (d)
                closedir(d);
        }
        for (size_t k = 0; rc == 0 && k < (S_ISDIR(st.st_mode) ? files.n : 1); k++) {
            char src[4096], dst[4096];
            const char *base;
            if (S_ISDIR(st.st_mode)) {
                rc = pathf(src, sizeof src, "%s/%s", o->budgets[i], files.v[k]);
                base = files.v[k];
            } else {
                rc = pathf(src, sizeof src, "%s", o->budgets[i]);
                base =
                    strrchr(o->budgets[i], '/') ? strrchr(o->budgets[i], '/') + 1 : o->budgets[i];
            }
            /* Two folders may both hold a default.json: number the later. */
            if (rc == 0)
                rc = pathf(dst, sizeof dst, "%s/%s", bdir, base);
            for (int n = 2; rc == 0 && access(dst, F_OK) == 0; n++)
                rc = pathf(dst, sizeof dst, "%s/%d-%s", bdir, n, base);
            if (rc) {
                /* pathf said why */
            } else if (!safe_rel(base)) {
                fprintf(stderr,
                        "perfgate: evidence: budget file name '%s' cannot go in a manifest\n",
                        base);
                rc = -1;
            } else {
                rc = copy_file(src, dst);
            }
        }
        strlist_free(&files);
        if (rc)
            return -1;
    }
    return 0;
}

static void utc_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int write_waivers(const pg_budget_set *set, int today, const char *dir)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < pg_budget_set_nwaivers(set); i++) {
        const pg_waiver *w = pg_budget_set_waiver(set, i);
        json_t *o = json_object();
        json_object_set_new(o, "match", json_string(w->match ? w->match : ""));
        json_object_set_new(o, "reason", w->reason ? json_string(w->reason) : json_null());
        json_object_set_new(o, "ticket", w->ticket ? json_string(w->ticket) : json_null());
        json_object_set_new(o, "expires", w->expires ? json_string(w->expires) : json_null());
        json_object_set_new(o, "status",
                            json_string(w->expires_ymd >= today ? "active" : "expired"));
        json_object_set_new(o, "file", w->file ? json_string(w->file) : json_null());
        json_object_set_new(o, "line", json_integer(w->line));
        json_array_append_new(arr, o);
    }
    int rc = dump_json(dir, "waivers.json", arr);
    json_decref(arr);
    return rc;
}

/* environment.json: the results' context and perfgate block (less its
 * per-benchmark map, which results.json keeps), and the bundle's own
 * facts. */
static int write_environment(const struct evidence_opts *o, json_t *results, const char *dir)
{
    json_t *env = json_object();
    json_t *pg = json_object_get(results, "perfgate");
    json_t *ctx = json_object_get(results, "context");
    json_object_set_new(env, "context", ctx ? json_deep_copy(ctx) : json_null());
    if (json_is_object(pg)) {
        json_t *copy = json_deep_copy(pg);
        json_object_del(copy, "benchmarks");
        json_object_set_new(env, "perfgate", copy);
    } else {
        json_object_set_new(env, "perfgate", json_null());
    }
    char now[32];
    utc_now(now, sizeof now);
    json_t *b = json_object();
    json_object_set_new(b, "perfgate_version", json_string(PG_VERSION));
    json_object_set_new(b, "created", json_string(now));
    json_object_set_new(b, "results", json_string(o->results));
    json_object_set_new(b, "baseline", o->baseline ? json_string(o->baseline) : json_null());
    json_t *bl = json_array();
    for (size_t i = 0; i < o->nbudgets; i++)
        json_array_append_new(bl, json_string(o->budgets[i]));
    json_object_set_new(b, "budgets", bl);
    char where[1024];
    json_object_set_new(b, "history",
                        o->history ? json_string(pg_redact_dsn(o->history, where, sizeof where))
                                   : json_null());
    json_object_set_new(env, "bundle", b);
    int rc = dump_json(dir, "environment.json", env);
    json_decref(env);
    return rc;
}

static int write_history(const struct evidence_opts *o, const char *dir)
{
    /* evidence only reads a history: never creates or converts one. */
    pg_error err;
    pg_error_clear(&err);
    pg_history *h = pg_history_open_readonly(o->history, &err);
    if (!h) {
        cli_report("perfgate", &err);
        return -1;
    }
    pg_hist_run_info *runs = NULL;
    size_t n = 0;
    int rc = -1;
    if (pg_history_list(h, (size_t)o->history_runs, &runs, &n, &err)) {
        cli_report("perfgate", &err);
        goto done;
    }
    json_t *doc = json_object(), *arr = json_array();
    json_object_set_new(doc, "backend", json_string(pg_history_backend(h)));
    json_object_set_new(doc, "schema_version", json_integer(pg_history_schema_version(h)));
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "id", json_integer(runs[i].id));
        json_object_set_new(r, "timestamp", json_string(runs[i].timestamp));
        json_object_set_new(r, "commit", json_string(runs[i].commit));
        json_object_set_new(r, "branch", json_string(runs[i].branch));
        json_object_set_new(r, "source", json_string(runs[i].source));
        json_object_set_new(r, "benchmarks", json_integer(runs[i].n_benches));
        json_object_set_new(r, "failed", json_integer(runs[i].n_failed));
        json_object_set_new(r, "is_baseline", json_boolean(runs[i].is_baseline));
        json_array_append_new(arr, r);
    }
    json_object_set_new(doc, "runs", arr);
    pg_hist_baseline bl;
    pg_error berr;
    pg_error_clear(&berr);
    if (pg_history_baseline_get(h, &bl, &berr) == 0) {
        json_t *b = json_object();
        json_object_set_new(b, "run_id", json_integer(bl.run_id));
        json_object_set_new(b, "reason", json_string(bl.reason));
        json_object_set_new(b, "who", json_string(bl.who));
        json_object_set_new(b, "created", json_string(bl.created));
        json_object_set_new(doc, "baseline", b);
    } else {
        json_object_set_new(doc, "baseline", json_null());
    }
    rc = dump_json(dir, "history.json", doc);
    json_decref(doc);
done:
    free(runs);
    pg_history_close(h);
    return rc;
}

static const char *pg_str(json_t *results, const char *a, const char *b)
{
    json_t *v = json_object_get(json_object_get(results, "perfgate"), a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

/* "| label | value (extra) |", value and extra escaped as Markdown;
 * "unknown" for a NULL value. */
static void md_row(FILE *f, const char *label, const char *value, const char *extra)
{
    fprintf(f, "| %s | ", label);
    pg_escape_md(f, value ? value : "unknown");
    if (extra) {
        fputs(" (", f);
        pg_escape_md(f, extra);
        fputc(')', f);
    }
    fputs(" |\n", f);
}

static int write_readme(const struct evidence_opts *o, json_t *results, const pg_results *head,
                        const pg_verdicts *r, const char *dir)
{
    FILE *f = open_in(dir, "README.md");
    if (!f)
        return -1;
    size_t counts[PG_V_COUNT];
    pg_verdicts_counts(r, counts);
    const char *commit = pg_str(results, "git_commit", NULL);
    const char *cpu = pg_str(results, "host", "cpu_model");
    const char *host = pg_str(results, "host", "hostname");
    const char *build = pg_str(results, "build_type", NULL);
    const char *stamp = pg_str(results, "timestamp", NULL);
    json_t *seed = json_object_get(json_object_get(results, "perfgate"), "seed");
    char now[32];
    utc_now(now, sizeof now);
    fprintf(f, "# perfgate release evidence\n\n");
    fprintf(f, "**Gate: %s** (%zu verdicts: ", pg_verdicts_failed(r) ? "FAILED" : "PASSED",
            pg_verdicts_count(r));
    int first = 1;
    for (int k = 0; k < PG_V_COUNT; k++) {
        if (!counts[k])
            continue;
        fprintf(f, "%s%zu %s", first ? "" : ", ", counts[k], pg_verdict_name((pg_verdict_kind)k));
        first = 0;
    }
    fprintf(f, ")\n\n| | |\n| --- | --- |\n");
    /* What the results say is escaped as Markdown: a forged file cannot
     * add rows, links or HTML to the sign-off page. */
    md_row(f, "commit", commit, NULL);
    md_row(f, "run at", stamp, NULL);
    md_row(f, "host", cpu, host ? host : "unknown");
    md_row(f, "build type", build, NULL);
    fprintf(f, "| seed | %" JSON_INTEGER_FORMAT " |\n", json_integer_value(seed));
    fprintf(f, "| benchmarks | %zu |\n", pg_results_count(head));
    fprintf(f, "| baseline | %s |\n", o->baseline ? "baseline.json" : "none");
    fprintf(f, "| bundle written | %s by perfgate %s |\n\n", now, PG_VERSION);
    size_t nw = pg_verdicts_nactive_waivers(r);
    fprintf(f, "## Waivers\n\n");
    if (nw == 0)
        fprintf(f, "No active waivers (waivers.json lists every waiver the budgets hold).\n\n");
    for (size_t i = 0; i < nw; i++) {
        const pg_waiver *w = pg_verdicts_active_waiver(r, i);
        fputs("- ", f);
        pg_escape_md(f, w->match);
        fputs(": ", f);
        pg_escape_md(f, w->reason);
        fputs(" (ticket ", f);
        pg_escape_md(f, w->ticket ? w->ticket : "none");
        fputs(", expires ", f);
        pg_escape_md(f, w->expires ? w->expires : "never");
        fputs(")\n", f);
    }
    fprintf(f, "%s## Files\n\n", nw ? "\n" : "");
    fprintf(f,
            "| file | what |\n| --- | --- |\n"
            "| `results.json` | the run, as written by the benchmark program |\n"
            "| `budgets/` | the budget files the gate read |\n"
            "| `verdict.json`, `summary.md`, `junit.xml`, `verdicts.txt` | the gate's verdicts |\n"
            "| `waivers.json` | every waiver and whether it was active |\n"
            "| `environment.json` | compiler, flags, CPU, kernel, seed, commit |\n");
    if (o->baseline)
        fprintf(f, "| `baseline.json` | the run regressions were judged against |\n");
    if (o->history)
        fprintf(f, "| `history.json` | the newest runs in the history and its baseline |\n");
    if (o->report)
        fprintf(f, "| `report/` | the trend report |\n");
    fprintf(f, "| `" MANIFEST "` | SHA-256 of every other file |\n");
    if (o->sign)
        fprintf(f, "| `" SIGNATURE "` | the manifest's SSH signature (namespace `" SIG_NAMESPACE
                   "`) |\n");
    fprintf(f,
            "\n## Verifying\n\n"
            "```sh\nperfgate evidence verify <this folder>%s\n"
            "# or, without perfgate:\ncd <this folder> && sha256sum -c " MANIFEST "\n",
            o->sign ? " --allowed-signers <allowed_signers>" : "");
    if (o->sign)
        fprintf(f, "ssh-keygen -Y verify -f <allowed_signers> -I <signer> -n " SIG_NAMESPACE
                   " -s " SIGNATURE " < " MANIFEST "\n");
    fprintf(f, "```\n");
    return fclose(f) == 0 ? 0 : -1;
}

/* verdict.json, summary.md, junit.xml, and the table the gate prints
 * (without colour) as verdicts.txt. */
static int write_verdict_files(const pg_verdicts *r, const char *dir)
{
    static const struct {
        const char *name;
        int (*fn)(const pg_verdicts *, FILE *);
    } w[] = {
        { "verdict.json", pg_verdicts_write_json },
        { "summary.md", pg_verdicts_write_markdown },
        { "junit.xml", pg_verdicts_write_junit },
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        FILE *f = open_in(dir, w[i].name);
        if (!f)
            return -1;
        int rc = w[i].fn(r, f);
        if (fclose(f) != 0 || rc != 0)
            return -1;
    }
    FILE *f = open_in(dir, "verdicts.txt");
    if (!f)
        return -1;
    int rc = pg_verdicts_write_table(r, f, 0, PG_TABLE_ALL);
    return fclose(f) != 0 || rc != 0 ? -1 : 0;
}

static int write_manifest(const char *dir)
{
    strlist files = { 0 };
    if (walk(dir, "", &files)) {
        strlist_free(&files);
        return -1;
    }
    qsort(files.v, files.n, sizeof *files.v, cmp_str);
    FILE *f = open_in(dir, MANIFEST);
    int rc = f ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        char path[4096], hex[PG_SHA256_HEX_LEN];
        pg_error err;
        pg_error_clear(&err);
        if (pathf(path, sizeof path, "%s/%s", dir, files.v[i])) {
            rc = -1;
        } else if (!safe_rel(files.v[i])) {
            fprintf(stderr, "perfgate: evidence: '%s' cannot go in a manifest\n", files.v[i]);
            rc = -1;
        } else if (pg_sha256_file(path, hex, NULL, &err)) {
            cli_report("perfgate", &err);
            rc = -1;
        } else {
            fprintf(f, "%s  %s\n", hex, files.v[i]);
        }
    }
    if (f && fclose(f) != 0)
        rc = -1;
    strlist_free(&files);
    return rc;
}

/* Sets the dotted key ("perfgate.host.cpu_model") in the object arg
 * (pg_results_env_fn), making the objects on the way. */
static int env_member(const char *key, const char *value, void *arg)
{
    json_t *obj = arg;
    char part[256];
    for (;;) {
        const char *dot = strchr(key, '.');
        if (!dot)
            return json_object_set_new(obj, key, json_string(value)) ? PG_ENOMEM : 0;
        snprintf(part, sizeof part, "%.*s", (int)(dot - key), key);
        json_t *sub = json_object_get(obj, part);
        if (!json_is_object(sub)) {
            sub = json_object();
            if (!sub || json_object_set_new(obj, part, sub))
                return PG_ENOMEM;
        }
        obj = sub;
        key = dot + 1;
    }
}

static int make_bundle(const struct evidence_opts *o)
{
    struct stat st;
    if (lstat(o->out, &st) == 0) {
        fprintf(stderr,
                "perfgate: evidence: '%s' already exists; a bundle is written once, into "
                "a new folder\n",
                o->out);
        return 2;
    }
    int status = 2;
    char tmp[4096];
    pg_results *head = NULL, *base = NULL;
    pg_verdicts *report = NULL;
    json_t *results = NULL;
    char *text = NULL, *btext = NULL;
    size_t len = 0, blen = 0;
    pg_error err;
    pg_error_clear(&err);
    pg_budget_set *set = pg_budget_set_create();
    if (!set) {
        fprintf(stderr, "perfgate: out of memory\n");
        return 2;
    }
    int bad = 0;
    for (size_t i = 0; i < o->nbudgets; i++)
        bad |= pg_budget_set_add_path(set, o->budgets[i]) != 0;
    for (size_t i = 0; i < pg_budget_set_ndiag(set); i++)
        cli_report("perfgate", pg_budget_set_diag(set, i));
    if (bad)
        goto fail_early;
    /* The results and the baseline are read once (a pipe too): the bytes
     * the gate judged, read by the reader `check` uses, are the bytes the
     * bundle keeps. */
    if (!(text = pg_json_read_input(o->results, &len, &err)) ||
        !(head = pg_results_load_buffer_as(text, len, o->results, o->format, &err)) ||
        (o->baseline &&
         (!(btext = pg_json_read_input(o->baseline, &blen, &err)) ||
          !(base = pg_results_load_buffer_as(btext, blen, o->baseline, o->format, &err))))) {
        cli_report("perfgate", &err);
        goto fail_early;
    }
    if (pg_results_format(head) != PG_FORMAT_GBENCH) {
        /* another harness's file: its context and perfgate fields as the
         * reader mapped them (formats.c), in Google Benchmark's places */
        results = json_object();
        if (!results || pg_results_environment(head, 8, env_member, results)) {
            fprintf(stderr, "perfgate: out of memory\n");
            goto fail_early;
        }
    } else if (!(results = pg_json_tree(text, len, o->results, &err))) {
        cli_report("perfgate", &err);
        goto fail_early;
    }
    pg_gate_options gopt = { o->today, 1, NULL, 0 };
    if (!(report = pg_gate_check(head, base, set, &gopt, &err))) {
        cli_report("perfgate", &err);
        goto fail_early;
    }

    /* Build beside the destination, rename into place at the end. */
    char parent[4096];
    if (pathf(parent, sizeof parent, "%s", o->out))
        goto fail_early;
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (cli_mkdir_p(parent)) {
            fprintf(stderr, "perfgate: cannot make folder '%s': %s\n", parent, strerror(errno));
            goto fail_early;
        }
    }
    if (pathf(tmp, sizeof tmp, "%s.tmp.XXXXXX", o->out))
        goto fail_early;
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "perfgate: cannot make a folder beside '%s': %s\n", o->out,
                strerror(errno));
        goto fail_early;
    }
    char path[4096];
    if (pathf(path, sizeof path, "%s/results.json", tmp) || write_bytes(path, text, len))
        goto fail;
    if (o->baseline &&
        (pathf(path, sizeof path, "%s/baseline.json", tmp) || write_bytes(path, btext, blen)))
        goto fail;
    int today = pg_today_ymd();
    if (o->today)
        pg_parse_date(o->today, &today);
    if (copy_budgets(o, tmp) || write_verdict_files(report, tmp) ||
        write_waivers(set, today, tmp) || write_environment(o, results, tmp) ||
        (o->history && write_history(o, tmp)))
        goto fail;
    if (o->report) {
        if (pathf(path, sizeof path, "%s/report", tmp) || cli_mkdir_p(path) ||
            copy_tree(o->report, path))
            goto fail;
    }
    if (write_readme(o, results, head, report, tmp) || write_manifest(tmp) ||
        (o->sign && sign_manifest(tmp, o->sign)))
        goto fail;
    if (rename(tmp, o->out) != 0) {
        fprintf(stderr, "perfgate: cannot rename '%s' to '%s': %s\n", tmp, o->out, strerror(errno));
        goto fail;
    }
    status = pg_verdicts_failed(report) ? 1 : 0;
    printf("perfgate: evidence written to '%s'%s: gate %s\n", o->out, o->sign ? ", signed" : "",
           status ? "FAILED" : "PASSED");
    goto done;
fail:
    pg_remove_tree(tmp);
fail_early:
done:
    free(text);
    free(btext);
    json_decref(results);
    pg_verdicts_destroy(report);
    pg_results_destroy(head);
    pg_results_destroy(base);
    pg_budget_set_destroy(set);
    return status;
}

/* ---- verify ----------------------------------------------------------- */

static int is_hex64(const char *s)
{
    for (int i = 0; i < 64; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return 1;
}

static int verify(const char *dir, const char *allowed)
{
    char mpath[4096];
    if (pathf(mpath, sizeof mpath, "%s/" MANIFEST, dir))
        return 2;
    FILE *f = fopen(mpath, "r");
    if (!f) {
        fprintf(stderr, "perfgate: evidence: cannot read '%s': %s; not an evidence bundle?\n",
                mpath, strerror(errno));
        return 2;
    }
    strlist listed = { 0 };
    char line[8192];
    int lineno = 0, status = 0;
    size_t changed = 0, missing = 0, added = 0, ok = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len < 67 || !is_hex64(line) || line[64] != ' ' || line[65] != ' ' ||
            !safe_rel(line + 66)) {
            fprintf(stderr, "perfgate: %s:%d:1: expected '<64 hex digits>  <relative path>'\n",
                    mpath, lineno);
            status = 2;
            break;
        }
        const char *rel = line + 66;
        if (strlist_add(&listed, rel)) {
            status = 2;
            break;
        }
        char path[4096], hex[PG_SHA256_HEX_LEN];
        struct stat st;
        line[64] = '\0';
        if (pathf(path, sizeof path, "%s/%s", dir, rel)) {
            status = 2;
            break;
        }
        if (lstat(path, &st) != 0) {
            fprintf(stderr, "missing: %s\n", rel);
            missing++;
        } else if (!S_ISREG(st.st_mode) || pg_sha256_file(path, hex, NULL, NULL) != 0 ||
                   strcmp(hex, line) != 0) {
            fprintf(stderr, "changed: %s\n", rel);
            changed++;
        } else {
            ok++;
        }
    }
    fclose(f);
    if (status == 0 && lineno == 0) {
        fprintf(stderr, "perfgate: %s: empty manifest\n", mpath);
        status = 2;
    }
    if (status == 0) {
        strlist present = { 0 };
        if (walk(dir, "", &present)) {
            status = 2;
        } else {
            qsort(listed.v, listed.n, sizeof *listed.v, cmp_str);
            qsort(present.v, present.n, sizeof *present.v, cmp_str);
            for (size_t i = 0; i < present.n; i++) {
                if (!strcmp(present.v[i], MANIFEST) || !strcmp(present.v[i], SIGNATURE))
                    continue;
                if (!bsearch(&present.v[i], listed.v, listed.n, sizeof *listed.v, cmp_str)) {
                    fprintf(stderr, "added: %s\n", present.v[i]);
                    added++;
                }
            }
        }
        strlist_free(&present);
    }
    strlist_free(&listed);
    if (status)
        return status;
    int bad = 0;
    if (changed || missing || added) {
        fprintf(stderr,
                "perfgate: evidence: '%s' does not match its manifest: %zu changed, "
                "%zu added, %zu missing\n",
                dir, changed, added, missing);
        bad = 1;
    }
    char who[256] = "", sig[4096];
    struct stat st;
    int sig_rc = 0;
    if (allowed) {
        sig_rc = check_signature(dir, allowed, who, sizeof who);
        if (sig_rc == 2)
            return 2;
    }
    if (bad || sig_rc)
        return 1;
    printf("perfgate: evidence: '%s': %zu files match the manifest\n", dir, ok);
    if (allowed)
        printf("perfgate: evidence: signed by '%s', a signer '%s' allows\n", who, allowed);
    else if (pathf(sig, sizeof sig, "%s/" SIGNATURE, dir) == 0 && lstat(sig, &st) == 0)
        printf("perfgate: evidence: signed, but the signature was not checked: give "
               "--allowed-signers FILE\n");
    else
        printf("perfgate: evidence: unsigned: anyone who can edit the bundle can also rewrite "
               "its manifest\n");
    return 0;
}

/* ---- the command ------------------------------------------------------ */

int cmd_evidence(int argc, char **argv)
{
    struct evidence_opts o;
    memset(&o, 0, sizeof o);
    o.history_runs = 20;
    const char *format_name = NULL;
    pg_opt_list budgets = { o.budgets, 0, sizeof o.budgets / sizeof o.budgets[0] };
    const pg_option options[] = {
        PG_OPT_STRING(0, "out", &o.out, "DIR", "the bundle folder (must not exist yet)"),
        PG_OPT_STRING(0, "results", &o.results, "FILE",
                      "the results of the release run (--format)"),
        PG_OPT_STRING(0, "format", &format_name, "FMT", CLI_FORMAT_HELP),
        PG_OPT_LIST(0, "budgets", &budgets, "PATH",
                    "a budget file, or a directory of them (repeatable)"),
        PG_OPT_STRING(0, "baseline", &o.baseline, "FILE", "a run to judge regressions against"),
        PG_OPT_STRING(0, "history", &o.history, "H",
                      "a history (SQLite file or postgresql:// URI) to excerpt"),
        PG_OPT_INT(0, "history-runs", &o.history_runs, "N", 1, 100000,
                   "how many of its newest runs to list (default 20)"),
        PG_OPT_STRING(0, "report", &o.report, "DIR",
                      "a report folder (e.g. from 'perfgate report') to include"),
        PG_OPT_STRING(0, "today", &o.today, "DATE",
                      "judge waiver expiry on this date (default: today, UTC)"),
        PG_OPT_STRING(0, "sign", &o.sign, "KEY",
                      "sign the manifest with this SSH private key (ssh-keygen -Y sign)"),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = { "evidence", usage_text, options, NULL, footer, 0 };
    if (argc >= 2 && !strcmp(argv[1], "verify")) {
        const char *allowed = NULL;
        const pg_option voptions[] = {
            PG_OPT_STRING(0, "allowed-signers", &allowed, "FILE",
                          "ssh-keygen's allowed-signers file: the bundle must be signed by one "
                          "of them\n(without it an unsigned bundle is only reported as such)"),
            PG_OPT_END(),
        };
        const pg_opt_spec vspec = { "evidence verify", usage_text, voptions, NULL, footer, 0 };
        int vpos = pg_parse_options(&vspec, argc - 1, argv + 1);
        if (vpos < 0)
            return pg_opt_status(vpos);
        if (vpos != 1) {
            fprintf(stderr, "perfgate: evidence verify: expected one bundle folder\n");
            pg_opt_usage(&vspec, stderr);
            return 2;
        }
        return verify(argv[1], allowed);
    }
    int npos = pg_parse_options(&spec, argc, argv);
    if (npos < 0)
        return pg_opt_status(npos);
    if (npos > 0) {
        static const char *const subs[] = { "verify" };
        fprintf(stderr, "perfgate: evidence: unexpected argument '%s'", argv[0]);
        cli_did_you_mean(argv[0], subs, 1);
        fputc('\n', stderr);
        pg_opt_usage(&spec, stderr);
        return 2;
    }
    o.nbudgets = budgets.n;
    if ((o.format = cli_results_format("evidence", format_name)) < 0)
        return 2;
    if (!o.out || !o.results || o.nbudgets == 0)
        return pg_opt_usage_error(&spec, "%s is required",
                                  !o.out       ? "--out"
                                  : !o.results ? "--results"
                                               : "--budgets");
    if (o.today && pg_parse_date(o.today, NULL)) {
        fprintf(stderr, "perfgate: evidence: --today takes a date such as 2026-12-31, not '%s'\n",
                o.today);
        return 2;
    }
    if (o.report) {
        struct stat st;
        if (stat(o.report, &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "perfgate: evidence: --report '%s' is not a folder\n", o.report);
            return 2;
        }
    }
    return make_bundle(&o);
}
