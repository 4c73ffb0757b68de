/*
 * cmd_merge.c - `perfgate merge`: joins the results of sharded runs (a CI
 * matrix where each job runs some suites) into one results file the gate
 * reads as if one tpbench had run everything.
 *
 * Each input is Google Benchmark JSON, usually with perfgate's top-level
 * "perfgate" block (docs/harness.md).  The output keeps the first file's
 * "context", concatenates the "benchmarks" arrays in argument order, and
 * merges the perfgate blocks: the per-benchmark map and the counter events
 * are joined, "suites" and "profiles" list every shard's, and a "merged"
 * member records the inputs (and any differences --force let through).
 *
 * Shards must be comparable, or the merged run would mix numbers that mean
 * different things: the same commit, seed, build type, compiler, perfgate
 * version and (unless --allow-different-hosts) CPU model.  A benchmark name
 * may appear in one shard only.  Refusals exit 2 and name both files.  The
 * output goes through a temporary file and a rename (pg_io.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "builtin.h"
#include "internal.h"
#include "parse_options.h"
#include "pg_gate.h"
#include "pg_io.h"
#include "pg_json_read.h"

static const char usage_text[] =
    "usage: perfgate merge R1.json R2.json [...] -o R.json\n"
    "                      [--allow-different-hosts] [--force] [--format FMT]\n"
    "\n"
    "Joins results of sharded runs (e.g. one CI job per tpbench --suite) into\n"
    "one Google Benchmark JSON file with one perfgate block.  pytest-benchmark,\n"
    "hyperfine and asv shards are joined in their own format (the first file's\n"
    "format, or --format).\n";

static const char footer[] =
    "A benchmark may appear in one shard only; duplicates are always refused.\n"
    "\n"
    "exit status: 0 merged, 2 bad input, incompatible shards or usage\n";

/* What must agree between shards: a dotted path into the perfgate block,
 * and whether it describes the host (relaxed by --allow-different-hosts). */
static const struct {
    const char *path;
    int host;
} keys[] = {
    { "git_commit", 0 },       { "seed", 0 },           { "build_type", 0 },
    { "perfgate_version", 0 }, { "schema_version", 0 }, { "compiler.c", 0 },
    { "compiler.c_flags", 0 }, { "compiler.cxx", 0 },   { "compiler.cxx_flags", 0 },
    { "host.cpu_model", 1 },   { "host.cores", 1 },
};

static json_t *at_path(json_t *obj, const char *path)
{
    char part[64];
    while (obj && *path) {
        size_t len = strcspn(path, ".");
        if (len >= sizeof part)
            return NULL;
        memcpy(part, path, len);
        part[len] = '\0';
        obj = json_is_object(obj) ? json_object_get(obj, part) : NULL;
        path += len + (path[len] == '.');
    }
    return obj;
}

/* A short rendering of a scalar for messages ("7", "'abc'", "absent"). */
static void show(json_t *v, char *buf, size_t len)
{
    if (!v) {
        snprintf(buf, len, "absent");
        return;
    }
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(buf, len, "%s", s ? s : "?");
    free(s);
}

/* Shard path as a tree, read by the reader `check` uses: whatever check
 * accepts merges, and whatever it refuses is refused here with the same
 * message and position. */
static json_t *load(const char *path, const char *text, size_t len)
{
    pg_error err;
    pg_error_clear(&err);
    pg_results *run = pg_results_load_buffer_as(text, len, path, PG_FORMAT_GBENCH, &err);
    json_t *root = run ? pg_json_tree(text, len, path, &err) : NULL;
    pg_results_destroy(run);
    if (!root) {
        cli_report("perfgate", &err);
        return NULL;
    }
    const char *why = NULL;
    if (!json_is_object(root))
        why = "expected a JSON object (Google Benchmark results)";
    else if (!json_is_array(json_object_get(root, "benchmarks")))
        why = "expected a \"benchmarks\" array (Google Benchmark results)";
    else if (json_object_get(root, "perfgate") &&
             !json_is_object(json_object_get(root, "perfgate")))
        why = "expected \"perfgate\" to be an object";
    else if (json_object_get(root, "context") && !json_is_object(json_object_get(root, "context")))
        why = "expected \"context\" to be an object";
    if (why) {
        fprintf(stderr, "perfgate: %s: %s\n", path, why);
        json_decref(root);
        return NULL;
    }
    return root;
}

/* The name a row belongs to: run_name (aggregates share it with their
 * repetitions), else name. */
static const char *row_name(json_t *row)
{
    const char *s = json_string_value(json_object_get(row, "run_name"));
    return s ? s : json_string_value(json_object_get(row, "name"));
}

/* Appends the comma-separated items of list that out does not hold yet. */
static void union_list(char *out, size_t len, const char *list)
{
    char item[128];
    while (list && *list) {
        size_t n = strcspn(list, ",");
        if (n > 0 && n < sizeof item) {
            memcpy(item, list, n);
            item[n] = '\0';
            int seen = 0;
            for (const char *p = out; *p && !seen;
                 p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
                size_t m = strcspn(p, ",");
                seen = m == n && !strncmp(p, item, n);
            }
            if (!seen && strlen(out) + n + 2 < len) {
                if (out[0])
                    strcat(out, ",");
                strcat(out, item);
            }
        }
        list += n + (list[n] == ',');
    }
}

struct merge_opts {
    int force, allow_hosts;
};

/* Checks shard i against shard 0; returns 0 when they may be merged.
 * Differences allowed by the options are appended to diffs. */
static int compatible(json_t *first, const char *first_path, json_t *pg, const char *path,
                      const struct merge_opts *o, json_t *diffs)
{
    json_t *pg0 = json_object_get(first, "perfgate");
    if ((pg0 == NULL) != (pg == NULL)) {
        const char *with = pg0 ? first_path : path, *without = pg0 ? path : first_path;
        if (!o->force) {
            fprintf(stderr,
                    "perfgate: merge: '%s' has a perfgate block and '%s' has none: not shards of "
                    "one tpbench build (--force merges anyway)\n",
                    with, without);
            return -1;
        }
        json_array_append_new(diffs, json_sprintf("%s: no perfgate block", without));
        return 0;
    }
    if (!pg0)
        return 0;
    int bad = 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        json_t *a = at_path(pg0, keys[k].path), *b = at_path(pg, keys[k].path);
        if ((!a && !b) || (a && b && json_equal(a, b)))
            continue;
        char sa[160], sb[160];
        show(a, sa, sizeof sa);
        show(b, sb, sizeof sb);
        int allowed = o->force || (keys[k].host && o->allow_hosts);
        if (!allowed) {
            fprintf(stderr, "perfgate: merge: '%s' has %s %s but '%s' has %s: %s\n", path,
                    keys[k].path, sb, first_path, sa,
                    keys[k].host ? "shards ran on different machines (--allow-different-hosts "
                                   "merges them)"
                                 : "shards must come from one build and one seed (--force "
                                   "merges anyway)");
            bad = 1;
            continue;
        }
        json_array_append_new(diffs, json_sprintf("%s: %s has %s, %s has %s", keys[k].path,
                                                  first_path, sa, path, sb));
    }
    return bad ? -1 : 0;
}

/* Copies src's members into dst; a key dst already has is kept as it is
 * (per-benchmark entries cannot collide: duplicates were refused first). */
static void join_map(json_t *dst, json_t *src)
{
    const char *key;
    json_t *val;
    json_object_foreach(src, key, val)
    {
        if (!json_object_get(dst, key))
            json_object_set(dst, key, val);
    }
}

static int merge(char **inputs, char **texts, const size_t *lens, size_t n, const char *out,
                 const struct merge_opts *o)
{
    int status = 2;
    json_t **roots = calloc(n, sizeof *roots);
    json_t *result = NULL, *owner = json_object(), *diffs = json_array(), *from = json_array();
    if (!roots || !owner || !diffs || !from) {
        fprintf(stderr, "perfgate: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(roots[i] = load(inputs[i], texts[i], lens[i])))
            goto done;
    }
    for (size_t i = 1; i < n; i++) {
        if (compatible(roots[0], inputs[0], json_object_get(roots[i], "perfgate"), inputs[i], o,
                       diffs))
            goto done;
    }

    /* The first file is the template: its context and perfgate block. */
    result = json_deep_copy(roots[0]);
    json_t *benches = json_array();
    json_object_set_new(result, "benchmarks", benches);
    json_t *pg = json_object_get(result, "perfgate");
    json_t *pgmap = NULL, *events = NULL, *profiles = NULL;
    char suites[1024] = "";
    if (pg) {
        pgmap = json_object();
        json_object_set_new(pg, "benchmarks", pgmap);
        events = json_object();
        json_t *counters = json_object_get(pg, "counters");
        if (json_is_object(counters))
            json_object_set_new(counters, "events", events);
        else {
            json_decref(events);
            events = NULL;
        }
        profiles = json_array();
        json_object_set_new(pg, "profiles", profiles);
    }

    for (size_t i = 0; i < n; i++) {
        /* Every name of this shard, to catch one that another shard has. */
        json_t *mine = json_object();
        size_t j;
        json_t *row;
        json_array_foreach(json_object_get(roots[i], "benchmarks"), j, row)
        {
            const char *name = json_is_object(row) ? row_name(row) : NULL;
            if (!name) {
                fprintf(stderr, "perfgate: %s: benchmark %zu has no \"name\" string\n", inputs[i],
                        j);
                json_decref(mine);
                goto done;
            }
            json_object_set_new(mine, name, json_true());
            json_array_append(benches, row);
        }
        /* A name an earlier shard already brought is a duplicate. */
        const char *key;
        json_t *val;
        int dup = 0;
        json_object_foreach(mine, key, val)
        {
            const char *who = json_string_value(json_object_get(owner, key));
            if (who) {
                fprintf(stderr,
                        "perfgate: merge: benchmark '%s' is in '%s' and in '%s': a "
                        "benchmark may run in one shard only\n",
                        key, who, inputs[i]);
                dup = 1;
                break;
            }
            json_object_set_new(owner, key, json_string(inputs[i]));
        }
        json_decref(mine);
        if (dup)
            goto done;

        json_t *spg = json_object_get(roots[i], "perfgate");
        if (pg && spg) {
            json_t *m = json_object_get(spg, "benchmarks");
            if (json_is_object(m))
                join_map(pgmap, m);
            json_t *ev = at_path(spg, "counters.events");
            if (events && json_is_object(ev))
                join_map(events, ev);
            size_t k;
            json_t *p;
            json_array_foreach(json_object_get(spg, "profiles"), k, p)
            {
                int seen = 0;
                size_t q;
                json_t *e;
                json_array_foreach(profiles, q, e) seen |= json_equal(e, p);
                if (!seen)
                    json_array_append(profiles, p);
            }
            const char *s = json_string_value(json_object_get(spg, "suites"));
            union_list(suites, sizeof suites, s ? s : "");
        }
        json_t *entry = json_object();
        json_object_set_new(entry, "file", json_string(inputs[i]));
        json_object_set_new(
            entry, "benchmarks",
            json_integer((json_int_t)json_array_size(json_object_get(roots[i], "benchmarks"))));
        if (spg) {
            const char *keep[] = { "suites", "timestamp", "git_commit" };
            for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
                json_t *v = json_object_get(spg, keep[k]);
                if (v)
                    json_object_set(entry, keep[k], v);
            }
            json_t *host = at_path(spg, "host.hostname"), *cpu = at_path(spg, "host.cpu_model");
            if (host)
                json_object_set(entry, "hostname", host);
            if (cpu)
                json_object_set(entry, "cpu_model", cpu);
        }
        json_array_append_new(from, entry);
    }
    if (pg) {
        /* "all" from any shard means all; else the union of the lists. */
        if (strstr(suites, "all") && !strchr(suites, ','))
            json_object_set_new(pg, "suites", json_string("all"));
        else if (suites[0])
            json_object_set_new(pg, "suites", json_string(suites));
        json_t *merged = json_object();
        json_object_set(merged, "from", from);
        json_object_set_new(merged, "forced", json_boolean(o->force));
        json_object_set_new(merged, "allow_different_hosts", json_boolean(o->allow_hosts));
        json_object_set(merged, "differences", diffs);
        json_object_set_new(pg, "merged", merged);
    }

    pg_error err;
    pg_error_clear(&err);
    pg_afile *f = pg_afile_open(out, &err);
    if (!f) {
        cli_report("perfgate", &err);
        goto done;
    }
    if (json_dumpf(result, pg_afile_stream(f), JSON_INDENT(2)) != 0 ||
        fputc('\n', pg_afile_stream(f)) == EOF) {
        pg_afile_abort(f);
        fprintf(stderr, "perfgate: cannot write '%s'\n", out);
        goto done;
    }
    if (pg_afile_commit(f, &err)) {
        cli_report("perfgate", &err);
        goto done;
    }
    fprintf(stderr, "perfgate: merged %zu files, %zu rows, %zu benchmarks into '%s'\n", n,
            json_array_size(benches), json_object_size(owner), out);
    for (size_t i = 0; i < json_array_size(diffs); i++)
        fprintf(stderr, "perfgate: merge: warning: %s\n",
                json_string_value(json_array_get(diffs, i)));
    status = 0;
done:
    for (size_t i = 0; roots && i < n; i++)
        json_decref(roots[i]);
    free(roots);
    json_decref(result);
    json_decref(owner);
    json_decref(diffs);
    json_decref(from);
    return status;
}

int cmd_merge(int argc, char **argv)
{
    struct merge_opts o = { 0, 0 };
    const char *out = NULL, *format_name = NULL;
    const pg_option options[] = {
        PG_OPT_STRING('o', "out", &out, "FILE",
                      "the merged results (written via a temporary file)"),
        PG_OPT_BOOL(0, "allow-different-hosts", &o.allow_hosts,
                    "merge shards from machines with different CPU models\n"
                    "or core counts (still one commit, seed and build)"),
        PG_OPT_BOOL(0, "force", &o.force,
                    "merge despite any difference in commit, seed, build\n"
                    "type, compiler, perfgate version or host; the\n"
                    "differences are recorded in perfgate.merged"),
        PG_OPT_STRING(0, "format", &format_name, "FMT", CLI_FORMAT_HELP),
        PG_OPT_END(),
    };
    const pg_opt_spec spec = { "merge", usage_text, options, NULL, footer, 0 };
    int n = pg_parse_options(&spec, argc, argv);
    if (n < 0)
        return pg_opt_status(n);
    if (!out || n == 0)
        return pg_opt_usage_error(&spec, "%s",
                                  !out ? "-o/--out is required" : "no results files to merge");
    int format = cli_results_format("merge", format_name);
    if (format < 0)
        return 2;
    /* Each input is read once, so a pipe merges like a file. */
    char **texts = calloc((size_t)n, sizeof *texts);
    size_t *lens = calloc((size_t)n, sizeof *lens);
    int status = 2;
    pg_error err;
    pg_error_clear(&err);
    if (!texts || !lens) {
        fprintf(stderr, "perfgate: out of memory\n");
        goto done;
    }
    for (int i = 0; i < n; i++)
        if (!(texts[i] = pg_json_read_input(argv[i], &lens[i], &err))) {
            cli_report("perfgate", &err);
            goto done;
        }
    if (format == PG_FORMAT_AUTO)
        format = pg_results_format_detect(texts[0], lens[0]);
    if (format != PG_FORMAT_GBENCH) /* joined in their own format */
        status = cli_merge_other(argv, texts, lens, (size_t)n, out, format, o.allow_hosts, o.force);
    else
        status = merge(argv, texts, lens, (size_t)n, out, &o);
done:
    for (int i = 0; texts && i < n; i++)
        free(texts[i]);
    free(texts);
    free(lens);
    return status;
}
