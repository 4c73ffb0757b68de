/*
 * context.c - the "perfgate" block of a results file: the machine, the
 * build, the seed and, per benchmark, its input digest and counter status.
 *
 * Google Benchmark writes its JSON; this file appends one top-level member,
 * "perfgate", after its last member, leaving what Google Benchmark wrote as
 * it was with one exception: the bare NaN / Infinity it writes for a
 * statistic it cannot compute (the cv of a counter that is 0 in every
 * repetition) are not JSON, and strict readers such as jansson refuse the
 * whole file, so they become null.  compare.py reads the file either way.
 * The result goes to a temporary file that is renamed over the original.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

#ifndef PG_BUILD_TYPE
#define PG_BUILD_TYPE "unknown"
#endif
#ifndef PG_C_COMPILER
#define PG_C_COMPILER "unknown"
#endif
#ifndef PG_CXX_COMPILER
#define PG_CXX_COMPILER "unknown"
#endif
#ifndef PG_C_FLAGS
#define PG_C_FLAGS ""
#endif
#ifndef PG_CXX_FLAGS
#define PG_CXX_FLAGS ""
#endif
#ifndef PERFGATE_HAVE_CUDA
#define PERFGATE_HAVE_CUDA 0
#endif

/* First line of a small text file, without its newline; "" when unreadable. */
static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (!f)
        return -1;
    if (!fgets(buf, (int)len, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf[0] ? 0 : -1;
}

/* The .git of the repository the program runs in: the nearest one from
 * the working folder up (as git finds it).  No path is compiled in: the
 * harness is a library other projects link, and an installed program
 * carries no source-tree path.  0, or -1 when there is none. */
static int find_gitdir(char *out, size_t len)
{
    char dir[1024];
    if (!getcwd(dir, sizeof dir))
        return -1;
    for (;;) {
        struct stat sb;
        if (snprintf(out, len, "%s/.git", strcmp(dir, "/") ? dir : "") < (int)len &&
            stat(out, &sb) == 0)
            return 0;
        char *slash = strrchr(dir, '/');
        if (!slash || !strcmp(dir, "/"))
            return -1;
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
}

/* The commit being measured: $PERFGATE_GIT_COMMIT, $GITHUB_SHA, or read from
 * the repository's .git (HEAD, then the ref it names, loose or packed). */
static void git_commit(char *out, size_t len)
{
    const char *env = getenv("PERFGATE_GIT_COMMIT");
    if (!env || !*env)
        env = getenv("GITHUB_SHA");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return;
    }
    char gitdir[1100], path[1400], line[1024];
    if (find_gitdir(gitdir, sizeof gitdir) != 0) {
        snprintf(out, len, "unknown");
        return;
    }
    /* A worktree's .git is a file: "gitdir: <path>". */
    if (read_line(gitdir, line, sizeof(line)) == 0 && strncmp(line, "gitdir: ", 8) == 0)
        snprintf(gitdir, sizeof(gitdir), "%.1000s", line + 8);
    snprintf(path, sizeof(path), "%.1100s/HEAD", gitdir);
    if (read_line(path, line, sizeof(line)) != 0) {
        snprintf(out, len, "unknown");
        return;
    }
    if (strncmp(line, "ref: ", 5) != 0) {
        snprintf(out, len, "%s", line);
        return;
    }
    char ref[1024];
    snprintf(ref, sizeof(ref), "%s", line + 5);
    /* A linked worktree keeps HEAD in its own folder and the refs in the
     * common one ("commondir": a path, relative to the worktree's folder). */
    snprintf(path, sizeof(path), "%.1100s/commondir", gitdir);
    if (read_line(path, line, sizeof(line)) == 0) {
        char common[1100];
        if (line[0] == '/')
            snprintf(common, sizeof common, "%.1000s", line);
        else
            snprintf(common, sizeof common, "%.540s/%.540s", gitdir, line);
        snprintf(gitdir, sizeof(gitdir), "%s", common);
    }
    snprintf(path, sizeof(path), "%.1100s/%.250s", gitdir, ref);
    if (read_line(path, line, sizeof(line)) == 0) {
        snprintf(out, len, "%s", line);
        return;
    }
    snprintf(path, sizeof(path), "%.1100s/packed-refs", gitdir);
    FILE *f = fopen(path, "r");
    snprintf(out, len, "unknown");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *sp = strchr(line, ' ');
        if (sp && strcmp(sp + 1, ref) == 0) {
            *sp = '\0';
            snprintf(out, len, "%s", line);
            break;
        }
    }
    fclose(f);
}

static void cpu_model(char *out, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    snprintf(out, len, "unknown");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10) == 0 || strncmp(line, "Model", 5) == 0) {
            char *colon = strchr(line, ':');
            if (colon) {
                colon++;
                while (*colon == ' ' || *colon == '\t')
                    colon++;
                colon[strcspn(colon, "\r\n")] = '\0';
                snprintf(out, len, "%s", colon);
                break;
            }
        }
    }
    fclose(f);
}

/* The CPU's feature flags as /proc/cpuinfo lists them ("flags" on x86,
 * "Features" on Arm), space-separated, into out; 0, or -1 when there is no
 * such line.  Budget files select machines by them (docs/budgets.md): a
 * hypervisor may mask the model name, never the flags the code can use. */
static int cpu_flags(char *out, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[8192];
    out[0] = '\0';
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "flags", 5) == 0 || strncmp(line, "Features", 8) == 0) {
            char *colon = strchr(line, ':');
            if (colon) {
                colon++;
                colon += strspn(colon, " \t");
                colon[strcspn(colon, "\r\n")] = '\0';
                snprintf(out, len, "%s", colon);
                break;
            }
        }
    }
    fclose(f);
    return out[0] ? 0 : -1;
}

static json_t *str_or_unavailable(const char *path, const char *why)
{
    char buf[256];
    if (read_line(path, buf, sizeof(buf)) == 0)
        return json_string(buf);
    snprintf(buf, sizeof(buf), "unavailable: %s", why);
    return json_string(buf);
}

static void timestamp(char *out, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *profiles_json(unsigned mask)
{
    json_t *a = json_array();
    for (unsigned p = PG_PROFILE_HOT; p <= PG_PROFILE_FIRST; p <<= 1)
        if (mask & p)
            json_array_append_new(a, json_string(pg_bench_profile_name(p)));
    return a;
}

/* detailed: "available (source...)" / "unavailable: reason"; else
 * "available" / "unavailable: reason". */
static json_t *counters_json(const harness_counters *c, int detailed)
{
    json_t *o = json_object();
    for (size_t i = 0; i < harness_counters_count(c); i++) {
        const char *st = harness_counters_status(c, i);
        if (!detailed && harness_counters_available(c, i))
            st = "available";
        json_object_set_new(o, harness_counters_name(c, i), json_string(st));
    }
    return o;
}

/* What the rows' cpu_time means, per profile (docs/harness.md); its
 * presence also tells a reader that cold and first rows carry the timed
 * part's CPU time (files from before it carry the whole loop's). */
static json_t *cpu_time_json(const pg_bench_registry *reg)
{
    json_t *o = json_object();
    json_object_set_new(o, "hot", json_string("thread CPU time of the timed loop"));
    json_object_set_new(o, "cold",
                        json_string("thread CPU time of the timed call, the clock's "
                                    "own cost (clock_overhead_ns) subtracted"));
    json_object_set_new(o, "first",
                        json_string("CPU time of the child process and of the "
                                    "processes it waited for, over init + run"));
    if (reg->have_cpu_overhead && !isnan(reg->cpu_overhead_s))
        json_object_set_new(o, "clock_overhead_ns", json_real(reg->cpu_overhead_s * 1e9));
    return o;
}

static json_t *build_block(const pg_bench_registry *reg, const pg_bench_options *opts)
{
    char buf[1024];
    json_t *pg = json_object();
    json_object_set_new(pg, "schema_version", json_integer(1));
    json_object_set_new(pg, "perfgate_version", json_string(PG_BENCH_VERSION));
    timestamp(buf, sizeof(buf));
    json_object_set_new(pg, "timestamp", json_string(buf));
    json_object_set_new(pg, "seed", json_integer((json_int_t)opts->seed));
    json_object_set_new(pg, "generator",
                        json_string("xoshiro256** seeded by splitmix64; Irwin-Hall(4) normals"));
    json_object_set_new(pg, "profiles", profiles_json(opts->profiles));
    json_object_set_new(pg, "suites", json_string(opts->suites[0] ? opts->suites : "all"));
    json_object_set_new(pg, "first_children", json_integer(opts->first_children));
    json_object_set_new(pg, "interleaved", json_boolean(reg->interleaved));
    json_object_set_new(pg, "cold_eviction", json_string(harness_evict_method()));
    json_object_set_new(pg, "cpu_time", cpu_time_json(reg));
    git_commit(buf, sizeof(buf));
    json_object_set_new(pg, "git_commit", json_string(buf));
    json_object_set_new(pg, "build_type", json_string(PG_BUILD_TYPE));

    json_t *comp = json_object();
    json_object_set_new(comp, "c", json_string(PG_C_COMPILER));
    json_object_set_new(comp, "c_flags", json_string(PG_C_FLAGS));
    json_object_set_new(comp, "cxx", json_string(PG_CXX_COMPILER));
    json_object_set_new(comp, "cxx_flags", json_string(PG_CXX_FLAGS));
    json_object_set_new(pg, "compiler", comp);

    json_t *host = json_object();
    cpu_model(buf, sizeof(buf));
    json_object_set_new(host, "cpu_model", json_string(buf));
    char flags[8192]; /* a modern x86 lists ~1.5 KB of flags; cut, the last would be lost */
    if (cpu_flags(flags, sizeof(flags)) == 0)
        json_object_set_new(host, "cpu_flags", json_string(flags));
    json_object_set_new(host, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(host, "governor",
                        str_or_unavailable("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
                                           "no cpufreq scaling governor (VM or driver)"));
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(buf, sizeof(buf), "%s %s %s", u.sysname, u.release, u.machine);
        json_object_set_new(host, "kernel", json_string(buf));
        json_object_set_new(host, "hostname", json_string(u.nodename));
    }
    json_object_set_new(pg, "host", host);

    int papi_ok = 0, hw = 0;
    char version[64], reason[256];
    harness_papi_probe(&papi_ok, version, sizeof(version), &hw, reason, sizeof(reason));
    json_t *papi = json_object();
    json_object_set_new(papi, "available", json_boolean(papi_ok));
    json_object_set_new(papi, "version", json_string(version));
    json_object_set_new(papi, "hardware_counters", json_integer(hw));
    json_object_set_new(papi, "status", json_string(reason));
    json_object_set_new(pg, "papi", papi);

    /* The program's own probe (tpbench: pg_cuda_available, the check the
     * gpu suite names its rows by) when it made one, so "available" never
     * disagrees with where the benchmarks ran (CUDA_VISIBLE_DEVICES= on a
     * GPU machine: a device node, but no device). */
    json_t *cuda = json_object();
    json_object_set_new(cuda, "built", json_boolean(PERFGATE_HAVE_CUDA));
    if (opts->cuda_probed) {
        int ok = PERFGATE_HAVE_CUDA && opts->cuda_available;
        json_object_set_new(cuda, "available", json_boolean(ok));
        json_object_set_new(cuda, "status",
                            json_string(ok                     ? "ok"
                                        : opts->cuda_status[0] ? opts->cuda_status
                                                               : "no CUDA device"));
        if (ok && opts->cuda_status[0])
            json_object_set_new(cuda, "device", json_string(opts->cuda_status));
    } else {
        int cuda_dev = access("/dev/nvidiactl", F_OK) == 0;
        json_object_set_new(cuda, "available", json_boolean(PERFGATE_HAVE_CUDA && cuda_dev));
        json_object_set_new(cuda, "status",
                            json_string(!PERFGATE_HAVE_CUDA ? "built without CUDA (no nvcc)"
                                        : cuda_dev          ? "ok"
                                                            : "no NVIDIA device node"));
    }
    json_object_set_new(pg, "cuda", cuda);
    if (opts->fftw_wisdom) {
        const char *w = opts->fftw_wisdom();
        json_object_set_new(pg, "fftw_wisdom", json_string(w ? w : "none: unknown"));
    }
    if (opts->isa)
        json_object_set_new(pg, "isa", json_string(opts->isa()));

    json_t *ctrs = json_object();
    json_object_set_new(ctrs, "requested", json_string(opts->counters));
    json_object_set_new(ctrs, "events", counters_json(reg->counters, 1));
    json_object_set_new(pg, "counters", ctrs);

    json_t *benches = json_object();
    for (size_t i = 0; i < reg->n; i++) {
        const harness_bench_entry *e = &reg->e[i];
        if (!e->ran)
            continue;
        const pg_bench_def *d = &reg->defs[e->def];
        json_t *b = json_object();
        json_object_set_new(b, "suite", json_string(d->suite));
        json_object_set_new(b, "kernel", json_string(d->kernel));
        json_object_set_new(b, "profile", json_string(pg_bench_profile_name(e->profile)));
        json_object_set_new(b, "device", json_string(d->device));
        json_object_set_new(b, "n", json_integer((json_int_t)e->n));
        json_object_set_new(b, "seed", json_integer((json_int_t)opts->seed));
        if (e->have_digest) {
            snprintf(buf, sizeof(buf), "fnv1a64:%s", e->digest);
            json_object_set_new(b, "input_digest", json_string(buf));
        } else {
            json_object_set_new(b, "input_digest", json_string("none: no declared input"));
        }
        json_object_set_new(b, "input_bytes", json_real(e->input_bytes));
        json_object_set_new(b, "items_per_iteration", json_real(e->items));
        json_object_set_new(b, "bytes_per_iteration", json_real(e->bytes));
        if (e->peak_rss_bytes >= 0)
            json_object_set_new(b, "peak_rss_bytes", json_real(e->peak_rss_bytes));
        json_object_set_new(b, "counters", counters_json(reg->counters, 0));
        if (e->error[0])
            json_object_set_new(b, "error", json_string(e->error));
        json_object_set_new(benches, e->name, b);
    }
    json_object_set_new(pg, "benchmarks", benches);
    return pg;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, used = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (used < cap)
            break;
        char *nb = realloc(buf, cap *= 2);
        if (!nb) {
            free(buf);
            buf = NULL;
        } else {
            buf = nb;
        }
    }
    fclose(f);
    *len = used;
    return buf;
}

/* Writes text[0..len) with NaN, Infinity and -Infinity outside strings
 * replaced by null. */
static void write_strict(FILE *f, const char *text, size_t len)
{
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            fputc(c, f);
            if (c == '\\' && i + 1 < len)
                fputc(text[++i], f);
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == 'N' && len - i >= 3 && memcmp(text + i, "NaN", 3) == 0) {
            fputs("null", f);
            i += 2;
            continue;
        } else if (c == 'I' && len - i >= 8 && memcmp(text + i, "Infinity", 8) == 0) {
            fputs("null", f);
            i += 7;
            continue;
        } else if (c == '-' && len - i >= 9 && memcmp(text + i, "-Infinity", 9) == 0) {
            fputs("null", f);
            i += 8;
            continue;
        }
        fputc(c, f);
    }
}

int harness_context_write(const pg_bench_registry *reg, const pg_bench_options *opts,
                          const char *path, pg_error *err)
{
    size_t len = 0;
    char *text = slurp(path, &len);
    if (!text)
        return pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot read results: %s",
                            strerror(errno));
    /* The document must end with the '}' of Google Benchmark's object. */
    size_t end = len;
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == ' ' || text[end - 1] == '\r'))
        end--;
    if (end == 0 || text[end - 1] != '}') {
        free(text);
        return pg_error_set(err, PG_EPARSE, path, 0, 0, NULL,
                            "results do not end with a JSON object: not appending context");
    }
    size_t body = end - 1;
    while (body > 0 && (text[body - 1] == '\n' || text[body - 1] == ' '))
        body--;

    json_t *block = build_block(reg, opts);
    char *dump = block ? json_dumps(block, JSON_INDENT(2)) : NULL;
    json_decref(block);
    if (!dump) {
        free(text);
        return pg_error_set(err, PG_ENOMEM, path, 0, 0, NULL, "cannot format the context");
    }

    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd >= 0)
        (void)fchmod(fd, 0644); /* as Google Benchmark's own file was */
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    int rc = PG_OK;
    if (!f) {
        rc = pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot write results: %s",
                          strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    write_strict(f, text, body);
    fputs(",\n  \"perfgate\": ", f);
    for (const char *p = dump; *p; p++) { /* indent the block one level */
        fputc(*p, f);
        if (*p == '\n')
            fputs("  ", f);
    }
    fputs("\n}\n", f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        rc = pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot write results: %s",
                          strerror(errno));
    if (fclose(f) != 0 && rc == PG_OK)
        rc = pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot write results: %s",
                          strerror(errno));
    if (rc == PG_OK && rename(tmp, path) != 0)
        rc = pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot replace results: %s",
                          strerror(errno));
    if (rc != PG_OK)
        unlink(tmp);
out:
    free(dump);
    free(text);
    return rc;
}
