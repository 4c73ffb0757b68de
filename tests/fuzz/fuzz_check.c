/*
 * fuzz_check.c - the whole gate on arbitrary results against the real
 * budgets: budgets/default.json and every budgets/examples/ file (machine
 * sections, waivers, counters, relative limits, per-element limits), the
 * results as head and as baseline, every verdict writer.  fuzz_results
 * judges against one catch-all budget; this one reaches the policies.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pg_gate.h"
#include "fuzz.h"
#include "fuzz_judge.h"

#ifndef PG_SOURCE_DIR
#define PG_SOURCE_DIR "."
#endif

static pg_budget_set *load_budgets(void)
{
    pg_budget_set *set = pg_budget_set_create();
    if (!set || pg_budget_set_add_path(set, PG_SOURCE_DIR "/budgets/default.json") != 0 ||
        pg_budget_set_add_path(set, PG_SOURCE_DIR "/budgets/examples") != 0 ||
        pg_budget_set_add_path(set, PG_SOURCE_DIR "/budgets/machines") != 0)
        __builtin_trap(); /* the shipped budgets load */
    return set;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pg_error err = { 0 };
    pg_results *run = pg_results_load_buffer((const char *)data, size, "fuzz.json", &err);
    if (!run) {
        if (err.code == 0 || err.message[0] == '\0')
            __builtin_trap(); /* a rejected input always says what and where */
        return 0;
    }
    /* Per input: pg_budget_set_machine judges the machine from the run. */
    pg_budget_set *set = load_budgets();
    pg_budget_set_machine(set, run);
    pg_gate_options opt;
    memset(&opt, 0, sizeof opt);
    opt.today = "2026-06-01";
    opt.with_unbudgeted = (size & 1) != 0;
    for (int with_base = 0; with_base < 2; with_base++)
        fuzz_judge(run, with_base ? run : NULL, set, &opt);
    pg_budget_set_destroy(set);
    pg_results_destroy(run);
    return 0;
}
