/*
 * fuzz_judge.h - what the results fuzz targets do with an input a reader
 * accepted: judge it with the whole check and write every verdict format.
 * Header only, for the fuzz_*.c targets (each its own program).
 */
#ifndef PG_FUZZ_JUDGE_H
#define PG_FUZZ_JUDGE_H

#include <stdio.h>
#include <unistd.h>

#include "pg_gate.h"

/* A budget file holding json, written once per process under /tmp (tag
 * names the target); NULL when it cannot be written. */
static inline const char *fuzz_budget_file(const char *tag, const char *json)
{
    static char path[96];
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/pg_fuzz_%s_budget_%ld.json", tag, (long)getpid());
        FILE *f = fopen(path, "w");
        if (!f) {
            path[0] = '\0';
            return NULL;
        }
        fputs(json, f);
        fclose(f);
    }
    return path;
}

/* Judges run (against base, which may be NULL) and writes the table, JSON,
 * JUnit and Markdown to /dev/null.  A refusal must say why, and writing to
 * /dev/null cannot fail: either is a crash for the fuzzer to report. */
static inline void fuzz_judge(const pg_results *run, const pg_results *base, pg_budget_set *set,
                              const pg_gate_options *opt)
{
    pg_error err = { 0 };
    pg_verdicts *rep = pg_gate_check(run, base, set, opt, &err);
    if (!rep) {
        if (err.code == 0 || err.message[0] == '\0')
            __builtin_trap();
        return;
    }
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        if (pg_verdicts_write_table(rep, null, 1, PG_TABLE_ALL) != 0 ||
            pg_verdicts_write_json(rep, null) != 0 || pg_verdicts_write_junit(rep, null) != 0 ||
            pg_verdicts_write_markdown(rep, null) != 0)
            __builtin_trap();
        fclose(null);
    }
    pg_verdicts_destroy(rep);
}

#endif
