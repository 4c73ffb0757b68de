/* fuzz_results.c - the gate's Google Benchmark results reader on arbitrary
 * bytes, then the whole check on what it accepts, against one optional
 * catch-all budget (with no budget at all the gate judges nothing and
 * refuses, so the writers would never run). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pg_gate.h"
#include "fuzz.h"
#include "fuzz_judge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pg_error err = { 0 };
    pg_results *run = pg_results_load_buffer((const char *)data, size, "fuzz.json", &err);
    if (!run) {
        /* A rejected input always says what and where. */
        if (err.code == 0 || err.message[0] == '\0')
            __builtin_trap();
        return 0;
    }
    for (size_t i = 0; i < pg_results_count(run); i++)
        if (!pg_results_get(run, i))
            __builtin_trap();
    const char *path = fuzz_budget_file(
        "results", "{\"version\": 1, \"budgets\": [{\"match\": \"*\", \"optional\": true, "
                   "\"absolute\": {\"median_real_time\": \"1ms\"}}]}");
    if (!path) {
        pg_results_destroy(run);
        return 0;
    }
    pg_budget_set *set = pg_budget_set_create();
    if (pg_budget_set_add_path(set, path) != 0)
        __builtin_trap();
    pg_gate_options opt;
    memset(&opt, 0, sizeof opt);
    fuzz_judge(run, run, set, &opt);
    pg_budget_set_destroy(set);
    pg_results_destroy(run);
    return 0;
}
