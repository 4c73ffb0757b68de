/*
 * fuzz_ab_verdict.c - the reader `perfgate bisect` feeds on
 * (pg_bisect_parse_verdict: the JSON `perfgate ab --json` writes) on
 * arbitrary bytes.  Invariants: an error always comes with a message, and
 * a verdict read without error has a known outcome.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "pg_bisect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = { "BM_x/64", "indicators/sma/hot/cpu/1024", "", "a" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        pg_bisect_verdict v;
        pg_error err = { 0 };
        int rc = pg_bisect_parse_verdict((const char *)data, size, "fuzz.json", names[i], &v, &err);
        if (rc != 0 && err.message[0] == '\0')
            __builtin_trap();
        if (rc == 0 && (unsigned)v.outcome > PG_BISECT_SKIP)
            __builtin_trap();
        if (memchr(v.benchmark, '\0', sizeof v.benchmark) == NULL)
            __builtin_trap();
    }
    return 0;
}
