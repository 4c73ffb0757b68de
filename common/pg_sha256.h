/*
 * pg_sha256.h - SHA-256 (FIPS 180-4), for the evidence bundle's manifest.
 *
 * A streaming context the caller keeps on the stack: init, update with any
 * number of byte ranges, final.  No allocation, no I/O except in
 * pg_sha256_file, which reads a file in blocks.  Digests are 32 bytes;
 * pg_sha256_hex writes the 64 lower-case hex digits sha256sum prints.
 */
#ifndef PG_SHA256_H
#define PG_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "pg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PG_SHA256_DIGEST_LEN 32
#define PG_SHA256_HEX_LEN 65 /* 64 digits and the terminating NUL */

typedef struct pg_sha256 {
    uint32_t state[8];       /* H0..H7 */
    uint64_t length;         /* bytes hashed so far */
    unsigned char block[64]; /* a partial block */
    size_t used;             /* bytes in block */
} pg_sha256;

void pg_sha256_init(pg_sha256 *ctx);
/* Hashes len bytes at data (data may be NULL when len is 0). */
void pg_sha256_update(pg_sha256 *ctx, const void *data, size_t len);
/* Pads, writes the 32-byte digest into out and leaves ctx spent (init it
 * again to reuse it). */
void pg_sha256_final(pg_sha256 *ctx, unsigned char out[PG_SHA256_DIGEST_LEN]);

/* One call: the digest of len bytes. */
void pg_sha256_digest(const void *data, size_t len, unsigned char out[PG_SHA256_DIGEST_LEN]);
/* The digest as 64 lower-case hex digits and a NUL. */
void pg_sha256_hex(const unsigned char digest[PG_SHA256_DIGEST_LEN], char hex[PG_SHA256_HEX_LEN]);

/* The digest of a file's bytes, as hex; *size (may be NULL) gets its length.
 * Returns 0, or PG_EIO with err filled when it cannot be read. */
int pg_sha256_file(const char *path, char hex[PG_SHA256_HEX_LEN], unsigned long long *size,
                   pg_error *err);

#ifdef __cplusplus
}
#endif
#endif
