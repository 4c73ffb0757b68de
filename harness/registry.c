/*
 * registry.c - the benchmark registry, tpbench's flags, and the selection.
 *
 * The registry is the one piece of global-looking state the style guide
 * allows (suites add to it at start-up), but it is still a handle: tpbench
 * creates it and passes it around.  Each pg_bench_def expands into one entry
 * per (size, profile), named suite/kernel/profile/device/n.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

const char *pg_bench_profile_name(unsigned profile)
{
    switch (profile) {
    case PG_PROFILE_HOT: return "hot";
    case PG_PROFILE_COLD: return "cold";
    case PG_PROFILE_FIRST: return "first";
    default: return NULL;
    }
}

pg_bench_registry *pg_bench_registry_create(void)
{
    return calloc(1, sizeof(pg_bench_registry));
}

void pg_bench_registry_destroy(pg_bench_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->ndefs; i++)
        free((void *)reg->defs[i].sizes);
    free(reg->defs);
    free(reg->e);
    free(reg);
}

/* Name parts reach file names, SQL and shells later on: keep them plain. */
static int valid_part(const char *s)
{
    if (!s || !*s || strlen(s) > 40)
        return 0;
    for (; *s; s++) {
        int ok = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
                 *s == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

static int find_entry(const pg_bench_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->n; i++)
        if (strcmp(reg->e[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int add_entry(pg_bench_registry *reg, const char *suite, const char *kernel,
                     const char *device, unsigned profile, size_t n, size_t def, int native,
                     pg_error *err)
{
    if (reg->n == reg->cap) {
        size_t cap = reg->cap ? 2 * reg->cap : 64;
        harness_bench_entry *e = realloc(reg->e, cap * sizeof(*e));
        if (!e)
            return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        reg->e = e;
        reg->cap = cap;
    }
    harness_bench_entry *e = &reg->e[reg->n];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s/%s/%s/%s/%zu", suite, kernel,
             pg_bench_profile_name(profile), device, n);
    if (find_entry(reg, e->name) >= 0)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "benchmark '%s' is already registered", e->name);
    e->def = def;
    e->profile = profile;
    e->n = n;
    e->native = native;
    e->selected = 1;
    e->peak_rss_bytes = -1;
    reg->n++;
    return PG_OK;
}

static int push_def(pg_bench_registry *reg, const pg_bench_def *def, pg_error *err)
{
    if (reg->ndefs == reg->capdefs) {
        size_t cap = reg->capdefs ? 2 * reg->capdefs : 16;
        pg_bench_def *d = realloc(reg->defs, cap * sizeof(*d));
        if (!d)
            return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        reg->defs = d;
        reg->capdefs = cap;
    }
    size_t *sizes = malloc((def->n_sizes ? def->n_sizes : 1) * sizeof(size_t));
    if (!sizes)
        return pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (def->n_sizes)
        memcpy(sizes, def->sizes, def->n_sizes * sizeof(size_t));
    reg->defs[reg->ndefs] = *def;
    reg->defs[reg->ndefs].sizes = sizes;
    if (!reg->defs[reg->ndefs].device)
        reg->defs[reg->ndefs].device = "cpu";
    reg->ndefs++;
    return PG_OK;
}

int pg_bench_register(pg_bench_registry *reg, const pg_bench_def *def, pg_error *err)
{
    if (!reg || !def)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no registry or definition");
    const char *device = def->device ? def->device : "cpu";
    if (!valid_part(def->suite) || !valid_part(def->kernel) || !valid_part(device))
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "bad name part in '%s/%s/%s': expected 1-40 of [a-z0-9_.-]",
                            def->suite ? def->suite : "(null)",
                            def->kernel ? def->kernel : "(null)", device);
    if (!def->run)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "'%s/%s' has no run callback",
                            def->suite, def->kernel);
    if (!def->profiles || (def->profiles & ~PG_PROFILE_ALL))
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "'%s/%s': profiles must be a non-empty set of hot, cold, first",
                            def->suite, def->kernel);
    if ((def->profiles & PG_PROFILE_COLD) && !def->reseed)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "'%s/%s': the cold profile needs a reseed callback", def->suite,
                            def->kernel);
    if (!def->sizes || def->n_sizes == 0 || def->n_sizes > 64)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "'%s/%s': expected 1 to 64 sizes",
                            def->suite, def->kernel);
    for (size_t i = 0; i < def->n_sizes; i++)
        if (def->sizes[i] == 0)
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "'%s/%s': size 0 is not allowed",
                                def->suite, def->kernel);
    size_t first_entry = reg->n;
    int rc = push_def(reg, def, err);
    if (rc)
        return rc;
    for (size_t s = 0; s < def->n_sizes; s++)
        for (unsigned p = PG_PROFILE_HOT; p <= PG_PROFILE_FIRST; p <<= 1) {
            if (!(def->profiles & p))
                continue;
            rc = add_entry(reg, def->suite, def->kernel, device, p, def->sizes[s], reg->ndefs - 1,
                           0, err);
            if (rc) {
                reg->n = first_entry; /* all or nothing */
                return rc;
            }
        }
    return PG_OK;
}

int harness_registry_add_native(pg_bench_registry *reg, const char *suite, const char *kernel,
                                size_t n, pg_error *err)
{
    pg_bench_def def;
    memset(&def, 0, sizeof(def));
    def.suite = suite;
    def.kernel = kernel;
    def.device = "cpu";
    def.profiles = PG_PROFILE_HOT;
    def.sizes = &n;
    def.n_sizes = 1;
    int rc = push_def(reg, &def, err);
    if (rc)
        return rc;
    return add_entry(reg, suite, kernel, "cpu", PG_PROFILE_HOT, n, reg->ndefs - 1, 1, err);
}

size_t pg_bench_count(const pg_bench_registry *reg)
{
    return reg ? reg->n : 0;
}

int pg_bench_get(const pg_bench_registry *reg, size_t i, pg_bench_info *info)
{
    if (!reg || !info || i >= reg->n)
        return PG_EINVAL;
    const harness_bench_entry *e = &reg->e[i];
    const pg_bench_def *d = &reg->defs[e->def];
    info->name = e->name;
    info->suite = d->suite;
    info->kernel = d->kernel;
    info->device = d->device;
    info->profile = e->profile;
    info->n = e->n;
    info->selected = e->selected;
    return PG_OK;
}

void pg_bench_suites(const pg_bench_registry *reg, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; reg && i < reg->ndefs; i++) {
        const char *s = reg->defs[i].suite;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(reg->defs[j].suite, s) == 0;
        if (seen)
            continue;
        int w = snprintf(buf + used, len > used ? len - used : 0, "%s%s", used ? ", " : "", s);
        if (w > 0)
            used += (size_t)w;
        if (used >= len)
            break;
    }
}

/* ---- options ---- */

void pg_bench_options_default(pg_bench_options *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = PG_DATA_DEFAULT_SEED;
    o->profiles = PG_PROFILE_ALL;
    o->first_children = 10;
    o->out_json = 1;
    snprintf(o->display_format, sizeof(o->display_format), "console");
    o->color = -1;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    if (!v || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "on"))
        *out = 1;
    else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "off"))
        *out = 0;
    else
        return -1;
    return 0;
}

static int parse_profiles(const char *v, unsigned *mask, pg_error *err)
{
    char buf[128];
    if (strlen(v) >= sizeof(buf) || !*v)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "bad --profile '%s': expected a comma list of hot, cold, first", v);
    strcpy(buf, v);
    *mask = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "hot"))
            *mask |= PG_PROFILE_HOT;
        else if (!strcmp(t, "cold"))
            *mask |= PG_PROFILE_COLD;
        else if (!strcmp(t, "first"))
            *mask |= PG_PROFILE_FIRST;
        else if (!strcmp(t, "all"))
            *mask |= PG_PROFILE_ALL;
        else
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                "unknown profile '%s': expected hot, cold, first or all", t);
    }
    return *mask ? PG_OK
                 : pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                "bad --profile '%s': expected hot, cold, first or all", v);
}

static int parse_sizes(const char *v, pg_bench_options *o, pg_error *err)
{
    char buf[512];
    if (strlen(v) >= sizeof(buf) || !*v)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "bad --size '%s': expected a comma list of positive integers", v);
    strcpy(buf, v);
    o->n_sizes = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        uint64_t n;
        if (parse_u64(t, &n) || n == 0)
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                "bad size '%s': expected a positive integer", t);
        if (o->n_sizes == sizeof(o->sizes) / sizeof(o->sizes[0]))
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "more than 32 sizes");
        o->sizes[o->n_sizes++] = (size_t)n;
    }
    return PG_OK;
}

/* Whether argv[*argi] is tpbench flag `name`, as --name=value or --name
 * value; *value gets the value (NULL when it is missing). */
static int take(const char *name, int *argi, int argc, char **argv, const char **value)
{
    const char *arg = argv[*argi];
    size_t len = strlen(name);
    *value = NULL;
    if (strncmp(arg, name, len) != 0)
        return 0;
    if (arg[len] == '=') {
        *value = arg + len + 1;
        return 1;
    }
    if (arg[len] == '\0') {
        if (*argi + 1 < argc)
            *value = argv[++*argi];
        return 1;
    }
    return 0;
}

#define ACCEPTED                                                                                   \
    "--seed=N, --suite=LIST, --profile=LIST, --size=LIST, --counters=LIST, "                       \
    "--first-children=N, --cold-min-time=S, --out=FILE, --list, --help, or a --benchmark_* flag"

int pg_bench_parse_args(pg_bench_options *o, int *argc, char **argv, pg_error *err)
{
    int keep = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char *v;
        if (strncmp(a, "--benchmark_", 12) == 0) {
            /* Google Benchmark's; note the ones the harness must know about. */
            if (!strncmp(a, "--benchmark_out=", 16)) {
                /* A truncated name would write somewhere else: refuse it. */
                if (!a[16] || strlen(a + 16) >= sizeof(o->out_path))
                    return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                        "bad --benchmark_out: expected a file name of at most "
                                        "%zu bytes",
                                        sizeof(o->out_path) - 1);
                snprintf(o->out_path, sizeof(o->out_path), "%s", a + 16);
            } else if (!strncmp(a, "--benchmark_out_format=", 23)) {
                o->out_json = strcmp(a + 23, "json") == 0;
            } else if (!strncmp(a, "--benchmark_min_time=", 21)) {
                o->min_time_given = 1;
            } else if (!strncmp(a, "--benchmark_format=", 19)) {
                snprintf(o->display_format, sizeof(o->display_format), "%s", a + 19);
            } else if (!strncmp(a, "--benchmark_color=", 18)) {
                const char *c = a + 18;
                int b;
                if (!strcmp(c, "auto"))
                    o->color = -1;
                else if (!parse_bool(c, &b))
                    o->color = b;
            } else if (!strcmp(a, "--benchmark_counters_tabular")) {
                o->counters_tabular = 1;
            } else if (!strncmp(a, "--benchmark_counters_tabular=", 29)) {
                int b;
                if (!parse_bool(a + 29, &b))
                    o->counters_tabular = b;
            }
            argv[keep++] = argv[i];
            continue;
        }
        if (take("--seed", &i, *argc, argv, &v)) {
            if (parse_u64(v, &o->seed))
                return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                    "bad --seed '%s': expected an unsigned 64-bit integer",
                                    v ? v : "");
        } else if (take("--suite", &i, *argc, argv, &v)) {
            if (!v || !*v || strlen(v) >= sizeof(o->suites))
                return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                    "bad --suite: expected a comma list of suite names");
            snprintf(o->suites, sizeof(o->suites), "%s", v);
        } else if (take("--profile", &i, *argc, argv, &v)) {
            int rc = parse_profiles(v ? v : "", &o->profiles, err);
            if (rc)
                return rc;
        } else if (take("--size", &i, *argc, argv, &v)) {
            int rc = parse_sizes(v ? v : "", o, err);
            if (rc)
                return rc;
        } else if (take("--counters", &i, *argc, argv, &v)) {
            if (!v || strlen(v) >= sizeof(o->counters))
                return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                    "bad --counters: expected a comma list of events or groups "
                                    "(instructions, cycles, cache, branch, software)");
            snprintf(o->counters, sizeof(o->counters), "%s", v);
        } else if (take("--first-children", &i, *argc, argv, &v)) {
            uint64_t n;
            if (parse_u64(v, &n) || n == 0 || n > 1000)
                return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                    "bad --first-children '%s': expected 1 to 1000", v ? v : "");
            o->first_children = (unsigned)n;
        } else if (take("--cold-min-time", &i, *argc, argv, &v)) {
            char *end = NULL;
            double t = v ? strtod(v, &end) : 0;
            if (!v || end == v || *end || !(t > 0 && t <= 60))
                return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                    "bad --cold-min-time '%s': expected seconds in (0, 60]",
                                    v ? v : "");
            o->cold_min_time = t;
        } else if (take("--out", &i, *argc, argv, &v)) {
            if (!v || !*v || strlen(v) >= sizeof(o->out_path))
                return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                    "bad --out: expected a file name");
            snprintf(o->out_path, sizeof(o->out_path), "%s", v);
            o->out_json = 1;
        } else if (take(PG_BENCH_CHILD_FLAG, &i, *argc, argv, &v)) {
            if (!v || !*v || strlen(v) >= sizeof(o->child))
                return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "bad child flag");
            snprintf(o->child, sizeof(o->child), "%s", v);
        } else if (!strcmp(a, "--list")) {
            o->list = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            o->help = 1;
        } else if (a[0] == '-') {
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                "unknown option '%s': expected " ACCEPTED, a);
        } else {
            return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                "unexpected argument '%s': expected " ACCEPTED, a);
        }
    }
    argv[keep] = NULL;
    *argc = keep;
    return PG_OK;
}

static int in_list(const char *list, const char *word)
{
    size_t wl = strlen(word);
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == wl && strncmp(p, word, len) == 0)
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

int pg_bench_select(pg_bench_registry *reg, const pg_bench_options *o, pg_error *err)
{
    char accepted[512];
    pg_bench_suites(reg, accepted, sizeof(accepted));
    /* Every suite named must exist. */
    if (o->suites[0]) {
        char buf[256];
        snprintf(buf, sizeof(buf), "%s", o->suites);
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int found = 0;
            for (size_t d = 0; d < reg->ndefs && !found; d++)
                found = strcmp(reg->defs[d].suite, t) == 0;
            if (!found)
                return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                                    "unknown suite '%s': expected one of %s", t, accepted);
        }
    }
    int count = 0;
    for (size_t i = 0; i < reg->n; i++) {
        harness_bench_entry *e = &reg->e[i];
        const pg_bench_def *d = &reg->defs[e->def];
        int keep = (o->profiles & e->profile) != 0;
        if (keep && o->suites[0])
            keep = in_list(o->suites, d->suite);
        if (keep && o->n_sizes) {
            int any = 0;
            for (size_t s = 0; s < o->n_sizes && !any; s++)
                any = o->sizes[s] == e->n;
            keep = any;
        }
        e->selected = keep;
        count += keep;
    }
    if (count == 0)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "no benchmark matches --suite, --profile and --size "
                            "(suites: %s; try --list)",
                            accepted);
    return count;
}

/* 1 when path exists and is not a regular file (/dev/null, /dev/stdout, a
 * FIFO): renaming over it would replace the device node itself. */
static int is_special(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* Copies the finished results to a device or a pipe. */
static int copy_results(const char *tmp, const char *dest, pg_error *err)
{
    FILE *in = fopen(tmp, "rb"), *out = in ? fopen(dest, "wb") : NULL;
    int rc = in && out ? PG_OK : PG_EIO;
    char buf[65536];
    size_t got;
    while (rc == PG_OK && (got = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, got, out) != got)
            rc = PG_EIO;
    if (in && ferror(in))
        rc = PG_EIO;
    if (out && fclose(out) != 0)
        rc = PG_EIO;
    if (in)
        fclose(in);
    unlink(tmp);
    if (rc != PG_OK)
        return pg_error_set(err, PG_EIO, dest, 0, 0, NULL, "cannot write results: %s",
                            strerror(errno));
    return PG_OK;
}

/* fsyncs the finished temporary results file and renames it over dest. */
static int commit_results(const char *tmp, const char *dest, pg_error *err)
{
    if (is_special(dest))
        return copy_results(tmp, dest, err);
    int fd = open(tmp, O_RDONLY);
    int ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    if (!ok || rename(tmp, dest) != 0)
        return pg_error_set(err, PG_EIO, dest, 0, 0, NULL, "cannot write results: %s",
                            strerror(errno));
    return PG_OK;
}

/* The results file Google Benchmark would write: the last --benchmark_out=
 * in argv (its own rule), else opts->out_path; NULL when none. */
static const char *out_destination(const pg_bench_options *opts, int argc, char **argv)
{
    const char *dest = NULL;
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--benchmark_out=", 16))
            dest = argv[i] + 16;
    if (!dest && opts->out_path[0])
        dest = opts->out_path;
    return dest && *dest ? dest : NULL;
}

/* Google Benchmark writes its --benchmark_out file in place, as the run goes;
 * a run killed half way would leave a torn file where the old results were.
 * So it writes to a temporary file beside the destination (argv and the
 * options are rewritten to name it), the perfgate block is added there, and
 * the finished file is fsync'd and renamed over the destination. */
int pg_bench_run(pg_bench_registry *reg, const pg_bench_options *opts, int argc, char **argv,
                 pg_error *err)
{
    if (!reg || !opts)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no registry or options");
    const char *dest = out_destination(opts, argc, argv);
    pg_bench_options *local = malloc(sizeof *local);
    char **args = calloc((size_t)argc + 1, sizeof *args);
    char *tmp_flag = NULL;
    int rc = PG_OK;
    if (!local || !args) {
        rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto out;
    }
    *local = *opts;
    memcpy(args, argv, (size_t)argc * sizeof *args);
    if (dest) {
        /* Beside the destination (same file system: rename is atomic), or
         * in the temporary folder when the destination is a device. */
        const char *tmpdir = getenv("TMPDIR");
        int w = is_special(dest)
                    ? snprintf(local->out_path, sizeof local->out_path, "%s/tpbench-out.XXXXXX",
                               tmpdir && *tmpdir ? tmpdir : "/tmp")
                    : snprintf(local->out_path, sizeof local->out_path, "%s.tmp.XXXXXX", dest);
        if (w < 0 || (size_t)w >= sizeof local->out_path) {
            rc = pg_error_set(err, PG_EINVAL, dest, 0, 0, NULL, "results path too long");
            goto out;
        }
        int fd = mkstemp(local->out_path);
        if (fd < 0) {
            rc = pg_error_set(err, PG_EIO, dest, 0, 0, NULL,
                              "cannot create a temporary file beside it: %s", strerror(errno));
            goto out;
        }
        mode_t mask = umask(0); /* mkstemp makes 0600; results are meant to be shared */
        umask(mask);
        (void)fchmod(fd, 0666 & ~mask);
        close(fd);
        size_t len = strlen(local->out_path) + 17;
        tmp_flag = malloc(len);
        if (!tmp_flag) {
            rc = pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            goto out;
        }
        snprintf(tmp_flag, len, "--benchmark_out=%s", local->out_path);
        for (int i = 1; i < argc; i++)
            if (!strncmp(args[i], "--benchmark_out=", 16))
                args[i] = tmp_flag;
    }
    reg->opts = local;
    reg->counters = harness_counters_create(local->counters, err);
    if (!reg->counters) {
        rc = err && err->code ? err->code : PG_ENOMEM;
        goto out;
    }
    rc = harness_shim_run(reg, local, argc, args, err);
    if (rc == PG_OK && dest && opts->out_json)
        rc = harness_context_write(reg, local, local->out_path, err);
    if (rc == PG_OK && dest)
        rc = commit_results(local->out_path, dest, err);
    harness_counters_destroy(reg->counters);
    reg->counters = NULL;
out:
    if (dest && local && rc != PG_OK)
        unlink(local->out_path);
    reg->opts = NULL;
    free(tmp_flag);
    free(args);
    free(local);
    return rc;
}
