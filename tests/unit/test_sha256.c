/* test_sha256.c - SHA-256 (common/sha256.c) against the FIPS 180-4 / NIST
 * example vectors, every split of a message across update calls, and
 * pg_sha256_file against the one-call digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_sha256.h"

static void hex_of(const void *data, size_t len, char hex[PG_SHA256_HEX_LEN])
{
    unsigned char d[PG_SHA256_DIGEST_LEN];
    pg_sha256_digest(data, len, d);
    pg_sha256_hex(d, hex);
}

/* NIST's "SHA256.pdf" example values (FIPS 180-4 examples page) and the
 * short-message vectors everyone quotes. */
static void test_fips_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        const char *hex;
    } v[] = {
        { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
          "lmnopqrsmnopqrstnopqrstu",
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
        { "The quick brown fox jumps over the lazy dog",
          "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592" },
    };
    char hex[PG_SHA256_HEX_LEN];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        hex_of(v[i].msg, strlen(v[i].msg), hex);
        assert_string_equal(hex, v[i].hex);
    }
}

/* One million 'a' (FIPS 180-4 example): many blocks, fed in odd pieces. */
static void test_million_a(void **state)
{
    (void)state;
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    pg_sha256 ctx;
    pg_sha256_init(&ctx);
    size_t left = 1000000;
    while (left > 0) {
        size_t take = left < sizeof chunk ? left : sizeof chunk;
        pg_sha256_update(&ctx, chunk, take);
        left -= take;
    }
    unsigned char d[PG_SHA256_DIGEST_LEN];
    char hex[PG_SHA256_HEX_LEN];
    pg_sha256_final(&ctx, d);
    pg_sha256_hex(d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the padding boundaries (55, 56, 63, 64, 119, 120 bytes),
 * each split at every point across two updates, equal the one-call digest. */
static void test_splits_and_boundaries(void **state)
{
    (void)state;
    unsigned char msg[130];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i * 31 + 7);
    for (size_t len = 0; len <= sizeof msg; len++) {
        char want[PG_SHA256_HEX_LEN];
        hex_of(msg, len, want);
        for (size_t cut = 0; cut <= len; cut++) {
            pg_sha256 ctx;
            unsigned char d[PG_SHA256_DIGEST_LEN];
            char got[PG_SHA256_HEX_LEN];
            pg_sha256_init(&ctx);
            pg_sha256_update(&ctx, msg, cut);
            pg_sha256_update(&ctx, msg + cut, len - cut);
            pg_sha256_final(&ctx, d);
            pg_sha256_hex(d, got);
            assert_string_equal(got, want);
        }
    }
    /* 56 bytes: the length no longer fits the block, padding spills over. */
    char hex[PG_SHA256_HEX_LEN];
    hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_file(void **state)
{
    (void)state;
    char path[] = "/tmp/pg_sha256_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    fputs("abc", f);
    fclose(f);
    char hex[PG_SHA256_HEX_LEN];
    unsigned long long size = 0;
    pg_error err = { 0 };
    assert_int_equal(pg_sha256_file(path, hex, &size, &err), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(size, 3);
    unlink(path);
    assert_int_equal(pg_sha256_file(path, hex, NULL, &err), PG_EIO);
    assert_string_equal(err.file, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_splits_and_boundaries),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
