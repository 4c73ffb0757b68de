/*
 * fuzz_cli_verify.c - `perfgate evidence verify`'s manifest parser on
 * arbitrary bytes: the input is MANIFEST.sha256 of a small bundle (two
 * files, one in a folder), then verify runs on it, with and without a
 * signature file.  Invariant: exit 0, 1 or 2 and nothing else; exit 0
 * only when the manifest names exactly the files there, with their sums.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "cli_quiet.h"
#include "fuzz.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/pg-fuzz-verify-%ld", (long)getpid());
    char path[128];
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/report", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/README.md", dir);
    if (put_file(path, "# bundle\n", 9))
        __builtin_trap();
    snprintf(path, sizeof path, "%s/report/index.html", dir);
    if (put_file(path, "<html/>\n", 8))
        __builtin_trap();
}

static int holds(const uint8_t *data, size_t size, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= size; i++)
        if (!memcmp(data + i, s, n))
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        setup();
    char manifest[128], sig[128];
    snprintf(manifest, sizeof manifest, "%s/MANIFEST.sha256", dir);
    snprintf(sig, sizeof sig, "%s/MANIFEST.sha256.sig", dir);
    if (put_file(manifest, data, size))
        return 0;
    char a0[] = "evidence", a1[] = "verify";
    char *argv[] = { a0, a1, dir, NULL };
    quiet q = quiet_begin();
    int rc = cmd_evidence(3, argv);
    quiet_end(q);
    if (rc < 0 || rc > 2)
        __builtin_trap();
    /* the only manifests that pass name exactly these two files */
    if (rc == 0 && !(holds(data, size, "README.md") && holds(data, size, "report/index.html")))
        __builtin_trap();
    unlink(manifest);
    unlink(sig);
    return 0;
}
