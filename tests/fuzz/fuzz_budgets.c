/* fuzz_budgets.c - the budget loader and lint on arbitrary bytes (through a
 * temporary file: budgets are loaded by path), then resolution of a few
 * names against whatever loaded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_gate.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/pg_fuzz_budget_%ld.json", (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    pg_budget_set *set = pg_budget_set_create();
    int rc = pg_budget_set_add_path(set, path);
    if (rc != 0 && pg_budget_set_ndiag(set) == 0)
        __builtin_trap(); /* a failure always comes with a diagnostic */
    for (size_t i = 0; i < pg_budget_set_ndiag(set); i++) {
        const pg_error *d = pg_budget_set_diag(set, i);
        if (!d || d->message[0] == '\0')
            __builtin_trap();
    }
    pg_budget_set_lint(set, "2026-11-26");
    static const char *names[] = { "indicators/macd/hot/cpu/65536",
                                   "pipeline/path/cold/cpu/1000000", "x", "" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        pg_policy p;
        pg_budget_set_resolve(set, names[i], &p);
    }
    pg_budget_set_destroy(set);
    return 0;
}
