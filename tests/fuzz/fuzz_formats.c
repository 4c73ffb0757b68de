/* fuzz_formats.c - the pytest-benchmark, hyperfine and asv readers
 * (gate/formats.c) on arbitrary bytes: each input is read as detected and
 * forced into each of the three formats, and what a reader accepts is
 * judged by check against a catch-all ceiling (the summary rule included),
 * then its environment walked. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pg_gate.h"
#include "fuzz.h"
#include "fuzz_judge.h"

static int count_env(const char *key, const char *value, void *arg)
{
    if (!key || !value)
        __builtin_trap();
    ++*(size_t *)arg;
    return 0;
}

static void judge(pg_results *run, const char *budgets)
{
    pg_budget_set *set = pg_budget_set_create();
    if (pg_budget_set_add_path(set, budgets) != 0)
        __builtin_trap();
    pg_gate_options opt;
    memset(&opt, 0, sizeof opt);
    fuzz_judge(run, NULL, set, &opt);
    pg_budget_set_destroy(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_budget_file(
        "formats", "{\"version\": 1, \"budgets\": [{\"match\": \"*\", \"optional\": true, "
                   "\"repetitions\": 3, \"absolute\": {\"median_real_time\": \"1ms\", "
                   "\"median_cpu_time\": \"1ms\"}}]}");
    if (!path)
        return 0;
    static const int formats[] = { PG_FORMAT_AUTO, PG_FORMAT_PYTEST, PG_FORMAT_HYPERFINE,
                                   PG_FORMAT_ASV };
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
        pg_error err = { 0 };
        pg_results *run =
            pg_results_load_buffer_as((const char *)data, size, "fuzz.json", formats[k], &err);
        if (!run) {
            if (err.code == 0 || err.message[0] == '\0')
                __builtin_trap(); /* a rejected input always says what and where */
            continue;
        }
        if (formats[k] != PG_FORMAT_AUTO && pg_results_format(run) != formats[k])
            __builtin_trap();
        for (size_t i = 0; i < pg_results_count(run); i++) {
            const pg_result *b = pg_results_get(run, i);
            if (!b || (b->summary_n && !b->from_aggregate))
                __builtin_trap();
        }
        size_t nenv = 0;
        pg_results_environment(run, 8, count_env, &nenv);
        if (pg_results_count(run))
            judge(run, path);
        pg_results_destroy(run);
    }
    return 0;
}
