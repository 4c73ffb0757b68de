/*
 * fuzz_history_db.c - a tampered SQLite history: the input is the history
 * file itself (seeds: real histories perfgate wrote), opened as
 * pg_history_open_readonly opens a file (pg_history_open_image: the same
 * checks on a copy in memory, an older schema upgraded in the copy, and no
 * file written and read back per input) and read the way history
 * list/show, baseline show/export and report read it.
 * Invariants: no crash, no hang, and a refusal always says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_history.h"
#include "pg_reports.h"
#include "fuzz.h"

static char export_path[64];

static void said(const pg_error *e)
{
    if (e->code == 0 || e->message[0] == '\0')
        __builtin_trap(); /* a refusal always says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!export_path[0])
        snprintf(export_path, sizeof export_path, "%s/pg-fuzz-db-%ld.json", pg_fuzz_scratch(),
                 (long)getpid());
    pg_error err = { 0 };
    pg_history *h = pg_history_open_image(data, size, &err);
    if (!h) {
        said(&err);
        return 0;
    }
    pg_hist_run_info *runs = NULL;
    size_t n = 0;
    pg_error e = { 0 };
    if (pg_history_list(h, 20, &runs, &n, &e) != 0)
        said(&e);
    for (size_t i = 0; i < n && i < 4; i++) {
        pg_hist_show *s = NULL;
        pg_error es = { 0 };
        if (pg_history_show(h, runs[i].id, &s, &es) != 0) {
            said(&es);
            continue;
        }
        pg_error ex = { 0 };
        if (pg_history_export(h, runs[i].id, export_path, &ex) != 0)
            said(&ex);
        unlink(export_path);
        pg_hist_show_free(s);
    }
    free(runs);
    pg_hist_baseline bl;
    pg_error eb = { 0 };
    if (pg_history_baseline_get(h, &bl, &eb) != 0)
        said(&eb);
    pg_hist_trend *t = NULL;
    pg_error et = { 0 };
    if (pg_history_trend(h, 50, &t, &et) == 0) {
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            pg_reports_markdown(t, NULL, NULL, 50, null);
            fclose(null);
        }
        pg_hist_trend_free(t);
    } else {
        said(&et);
    }
    pg_history_close(h);
    return 0;
}
