/* fuzz_csv.c - the CSV reader and number parsing on arbitrary bytes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pg_csv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pg_error err = { 0 };
    pg_csv *csv = pg_csv_read_mem((const char *)data, size, "fuzz.csv", &err);
    if (!csv) {
        /* A rejected input always says where and why. */
        if (err.code == 0 || err.message[0] == '\0')
            __builtin_trap();
        return 0;
    }
    size_t nr = pg_csv_nrows(csv), nc = pg_csv_ncols(csv);
    for (size_t c = 0; c < nc; c++) {
        if (!pg_csv_name(csv, c))
            __builtin_trap();
        for (size_t r = 0; r < nr; r++) {
            double v = 0;
            pg_error e2 = { 0 };
            if (pg_csv_cell_double(csv, r, c, &v, &e2) != 0 && e2.line <= 0)
                __builtin_trap();
            char buf[40];
            pg_format_double(v, buf, sizeof buf);
        }
    }
    pg_csv_free(csv);
    return 0;
}
