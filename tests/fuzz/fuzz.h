/*
 * fuzz.h - the entry point every fuzz target defines: libFuzzer calls it
 * with each input, driver.c with each file of a corpus.  Returns 0.
 */
#ifndef PG_FUZZ_H
#define PG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
