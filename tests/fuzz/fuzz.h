/*
 * fuzz.h - the entry point every fuzz target defines: libFuzzer calls it
 * with each input, driver.c with each file of a corpus.  Returns 0.
 */
#ifndef PG_FUZZ_H
#define PG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The folder a target writes its files in: /dev/shm where there is one
 * (memory, so the fsync every perfgate write ends with costs nothing and
 * millions of inputs wear no disk), else /tmp. */
static inline const char *pg_fuzz_scratch(void)
{
    return access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
}

#endif
