/*
 * fuzz_history.c - the results -> history import path on arbitrary bytes:
 * `perfgate history add` (pg_history_add_results: the gate's results loader,
 * the environment reader, the SQLite writer) into an in-memory SQLite
 * history, then what `history show`, `baseline export` and `report` read
 * back from it.
 *
 * The input is written to a private temporary file (the import reads a
 * path).  The history is opened once per process and pruned as it grows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_history.h"
#include "pg_reports.h"
#include "fuzz.h"

static pg_history *hist;
static char input_path[64];
static char export_path[64];
static unsigned long added;

static void setup(void)
{
    pg_error err = { 0 };
    hist = pg_history_open(":memory:", &err);
    if (!hist)
        __builtin_trap();
    snprintf(input_path, sizeof input_path, "/tmp/pg-fuzz-history-%ld.json", (long)getpid());
    snprintf(export_path, sizeof export_path, "/tmp/pg-fuzz-export-%ld.json", (long)getpid());
}

static void read_back(int64_t id)
{
    pg_error err = { 0 };
    pg_hist_show *s = NULL;
    if (pg_history_show(hist, id, &s, &err) != 0)
        __builtin_trap(); /* a run just recorded must read back */
    for (size_t i = 0; i < s->n_rows; i++) {
        double *real = NULL, *cpu = NULL;
        size_t n = 0;
        pg_error e2 = { 0 };
        if (pg_history_samples(hist, id, s->rows[i].name, &real, &cpu, &n, &e2) == 0 &&
            n != s->rows[i].n_samples)
            __builtin_trap();
        free(real);
        free(cpu);
    }
    pg_error e3 = { 0 };
    (void)pg_history_export(hist, id, export_path, &e3);
    unlink(export_path);
    pg_hist_trend *t = NULL;
    pg_error e4 = { 0 };
    if (pg_history_trend(hist, 8, &t, &e4) == 0) {
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            pg_reports_markdown(t, s, NULL, 50, null);
            fclose(null);
        }
        pg_hist_trend_free(t);
    }
    pg_hist_show_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!hist)
        setup();
    FILE *f = fopen(input_path, "wb");
    if (!f)
        return 0;
    if (size && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return 0;
    }
    fclose(f);
    pg_error err = { 0 };
    int64_t id = 0;
    int rc = pg_history_add_results(hist, input_path, NULL, &id, &err);
    if (rc != 0) {
        if (err.code == 0 || err.message[0] == '\0')
            __builtin_trap(); /* a refusal always says what and where */
    } else {
        read_back(id);
        if (++added % 64 == 0) {
            pg_error e = { 0 };
            (void)pg_history_prune(hist, 4, NULL, &e);
        }
    }
    unlink(input_path);
    return 0;
}
