/*
 * fuzz_cli_merge.c - `perfgate merge` and `perfgate compare` on arbitrary
 * pairs of results files: the input is split in two at a point its first
 * two bytes choose; both halves are written as files and handed to merge
 * (-o a third file) and to compare.  Invariant: exit 0 or 2 (merge), 0, 1
 * or 2 (compare); a merged file merge wrote is one the gate reads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "cli_quiet.h"
#include "fuzz.h"
#include "pg_gate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t cut = ((size_t)data[0] | (size_t)data[1] << 8) % (size - 1);
    data += 2;
    size -= 2;
    static char a[64], b[64], out[64];
    if (!a[0]) {
        snprintf(a, sizeof a, "/tmp/pg-fuzz-merge-a-%ld.json", (long)getpid());
        snprintf(b, sizeof b, "/tmp/pg-fuzz-merge-b-%ld.json", (long)getpid());
        snprintf(out, sizeof out, "/tmp/pg-fuzz-merge-o-%ld.json", (long)getpid());
    }
    if (put_file(a, data, cut) || put_file(b, data + cut, size - cut))
        return 0;
    unlink(out);
    char m0[] = "merge", o[] = "-o", hosts[] = "--allow-different-hosts";
    char *margv[] = { m0, a, b, o, out, hosts, NULL };
    char c0[] = "compare";
    char *cargv[] = { c0, a, b, NULL };
    quiet q = quiet_begin();
    int mrc = cmd_merge(6, margv);
    int crc = cmd_compare(3, cargv);
    quiet_end(q);
    if ((mrc != 0 && mrc != 2) || crc < 0 || crc > 2)
        __builtin_trap();
    if (mrc == 0) {
        pg_error err = { 0 };
        pg_results *run = pg_results_load(out, &err);
        if (!run)
            __builtin_trap(); /* merge wrote what the gate cannot read */
        pg_results_destroy(run);
    }
    unlink(a);
    unlink(b);
    unlink(out);
    return 0;
}
