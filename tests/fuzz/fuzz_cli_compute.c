/*
 * fuzz_cli_compute.c - `perfgate compute KERNEL --input F.csv --param ...`
 * on arbitrary bytes: the first byte picks the kernel, then up to four
 * lines are --param arguments (name=value, as a user types them), the rest
 * is the CSV.  Invariant: exit 0 or 2, never anything else.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "cli_quiet.h"
#include "fuzz.h"

static const char *const kernels[] = {
    "features", "sma",   "ema",      "volatility", "rsi",      "macd",     "entropy",
    "hurst",    "phase", "kuramoto", "normalize",  "strategy", "pipeline",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    static char input[64];
    if (!input[0])
        snprintf(input, sizeof input, "/tmp/pg-fuzz-compute-%ld.csv", (long)getpid());
    char kernel[32];
    snprintf(kernel, sizeof kernel, "%s", kernels[data[0] % (sizeof kernels / sizeof *kernels)]);
    size_t at = 1;
    char params[4][256];
    char *argv[32];
    int argc = 0;
    char a0[] = "compute", in[] = "--input", p[] = "--param", o[] = "--output",
         null[] = "/dev/null";
    argv[argc++] = a0;
    argv[argc++] = kernel;
    argv[argc++] = in;
    argv[argc++] = input;
    for (int k = 0; k < 4 && at < size && data[at] != '\n'; k++) {
        size_t n = 0;
        while (at < size && data[at] != '\n' && n + 1 < sizeof params[k]) {
            params[k][n++] = data[at] ? (char)data[at] : '?';
            at++;
        }
        params[k][n] = '\0';
        while (at < size && data[at] != '\n')
            at++;
        at++; /* past the newline */
        argv[argc++] = p;
        argv[argc++] = params[k];
    }
    if (at < size && data[at] == '\n')
        at++; /* an empty line ends the parameters */
    argv[argc++] = o;
    argv[argc++] = null;
    argv[argc] = NULL;
    if (put_file(input, data + (at < size ? at : size), at < size ? size - at : 0))
        return 0;
    quiet q = quiet_begin();
    int rc = cmd_compute(argc, argv);
    quiet_end(q);
    if (rc != 0 && rc != 2)
        __builtin_trap();
    unlink(input);
    return 0;
}
