/*
 * merge_other.c - `perfgate merge` of pytest-benchmark, hyperfine and asv
 * results: shards joined in their own format, so nothing is converted
 * and nothing a format lacks is made up.  pytest-benchmark's "benchmarks"
 * and hyperfine's "results" arrays are concatenated in argument order and
 * asv's "results" (and "durations") maps joined; everything else is the
 * first file's.  As for Google Benchmark shards (cmd_merge.c), a
 * benchmark may be in one shard only and the shards must share a commit
 * and (unless --allow-different-hosts) a machine, unless --force.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "builtin.h"
#include "internal.h"
#include "pg_gate.h"
#include "pg_escape.h"
#include "pg_io.h"
#include "pg_json_read.h"

typedef struct lookup {
    const char *key;
    char value[256];
} lookup;

static int find_env(const char *key, const char *value, void *arg)
{
    lookup *l = arg;
    if (strcmp(key, l->key))
        return 0;
    snprintf(l->value, sizeof l->value, "%s", value);
    return 1;
}

static void env_value(const pg_results *run, const char *key, lookup *l)
{
    l->key = key;
    l->value[0] = '\0';
    pg_results_environment(run, 4, find_env, l);
}

/* The member that holds a format's benchmarks. */
static const char *bench_member(int format)
{
    return format == PG_FORMAT_PYTEST ? "benchmarks" : "results";
}

int cli_merge_other(char **inputs, char **texts, const size_t *lens, size_t n, const char *out,
                    int format, int allow_hosts, int force)
{
    int status = 2;
    pg_results **runs = calloc(n, sizeof *runs);
    json_t **trees = calloc(n, sizeof *trees);
    json_t *result = NULL, *owner = json_object();
    pg_error err;
    pg_error_clear(&err);
    if (!runs || !trees || !owner) {
        fprintf(stderr, "perfgate: out of memory\n");
        goto done;
    }
    /* The results reader judges each input and the same bytes, read by the
     * same JSON reader, give the tree whose members are copied exactly as
     * they were written. */
    for (size_t i = 0; i < n; i++) {
        if ((runs[i] = pg_results_load_buffer_as(texts[i], lens[i], inputs[i], format, &err)))
            trees[i] = pg_json_tree(texts[i], lens[i], inputs[i], &err);
        if (!trees[i]) {
            cli_report("perfgate", &err);
            goto done;
        }
    }
    static const struct {
        const char *key;
        int host;
    } same[] = {
        { "perfgate.git_commit", 0 },
        { "context.host_name", 1 },
        { "perfgate.host.cpu_model", 1 },
    };
    for (size_t i = 1; i < n; i++)
        for (size_t k = 0; k < sizeof same / sizeof same[0]; k++) {
            lookup a, b;
            env_value(runs[0], same[k].key, &a);
            env_value(runs[i], same[k].key, &b);
            if (!strcmp(a.value, b.value) || force || (same[k].host && allow_hosts))
                continue;
            fprintf(stderr, "perfgate: merge: '%s' has %s '", inputs[i], same[k].key);
            pg_escape_term_put(stderr, b.value);
            fprintf(stderr, "' but '%s' has '", inputs[0]);
            pg_escape_term_put(stderr, a.value);
            fprintf(stderr, "': %s\n",
                    same[k].host ? "shards ran on different machines "
                                   "(--allow-different-hosts merges them)"
                                 : "shards must come from one commit "
                                   "(--force merges anyway)");
            goto done;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < pg_results_count(runs[i]); j++) {
            const char *name = pg_results_get(runs[i], j)->name;
            const char *who = json_string_value(json_object_get(owner, name));
            if (who) {
                fprintf(stderr, "perfgate: merge: benchmark '");
                pg_escape_term_put(stderr, name);
                fprintf(stderr,
                        "' is in '%s' and in '%s': a benchmark may run in one shard "
                        "only\n",
                        who, inputs[i]);
                goto done;
            }
            json_object_set_new(owner, name, json_string(inputs[i]));
        }
    const char *member = bench_member(format);
    for (size_t i = 0; i < n; i++) {
        json_t *root = trees[i];
        trees[i] = NULL;
        json_t *part = json_object_get(root, member);
        if (!part) {
            fprintf(stderr, "perfgate: %s: no benchmarks\n", inputs[i]);
            json_decref(root);
            goto done;
        }
        if (!result) {
            result = root;
            continue;
        }
        if (json_is_array(part)) {
            json_array_extend(json_object_get(result, member), part);
        } else {
            json_object_update_missing(json_object_get(result, member), part);
            json_t *d = json_object_get(root, "durations"),
                   *rd = json_object_get(result, "durations");
            if (json_is_object(d) && json_is_object(rd))
                json_object_update_missing(rd, d);
        }
        json_decref(root);
    }
    struct pg_afile *f = cli_out_open(out);
    if (!f)
        goto done;
    int ok = json_dumpf(result, pg_afile_stream(f), JSON_INDENT(2)) == 0 &&
             fputc('\n', pg_afile_stream(f)) != EOF;
    if (cli_out_close(f, out, ok))
        goto done;
    fprintf(stderr, "perfgate: merged %zu %s files, %zu benchmarks into '%s'\n", n,
            pg_results_format_name(format), json_object_size(owner), out);
    status = 0;
done:
    for (size_t i = 0; runs && trees && i < n; i++) {
        pg_results_destroy(runs[i]);
        json_decref(trees[i]);
    }
    free(runs);
    free(trees);
    json_decref(result);
    json_decref(owner);
    return status;
}
