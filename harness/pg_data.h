/*
 * pg_data.h - the one seeded generator every benchmark input comes from.
 *
 * Random bits: xoshiro256** (Blackman and Vigna, 2018), its 256-bit state
 * filled from the 64-bit seed by splitmix64.  Uniforms take the top 53 bits.
 * Normals are Irwin-Hall(4): the sum of four uniforms, centred and scaled to
 * unit variance.  That is only an approximation to N(0, 1) (its tails stop
 * at +-2*sqrt(3)), chosen on purpose: it needs nothing but IEEE-754 adds and
 * multiplies (this file is compiled with -ffp-contract=off), so the same seed
 * gives the same bytes on every machine and every libm.  No exp, log or sin.
 *
 * Inputs of a benchmark are a pure function of (seed, stream): stream 0 is the
 * input hot and first runs use and the one whose digest is recorded; the cold
 * profile refills the inputs from stream k+1 before its k-th iteration.
 *
 * Nothing here allocates; callers own every buffer.
 */
#ifndef PG_DATA_H
#define PG_DATA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The default --seed of tpbench. */
#define PG_DATA_DEFAULT_SEED 7u

/* xoshiro256** state; seed it with pg_rng_seed before use. */
typedef struct pg_rng {
    uint64_t s[4];
} pg_rng;

/* One splitmix64 step: advances *state and returns the next output. */
uint64_t pg_splitmix64(uint64_t *state);

/* Seeds r from a 64-bit seed through splitmix64 (any seed, 0 included). */
void pg_rng_seed(pg_rng *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t pg_rng_next(pg_rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
double pg_rng_uniform(pg_rng *r);

/* Irwin-Hall(4) normal: mean 0, variance 1, range [-2*sqrt(3), 2*sqrt(3)). */
double pg_rng_normal(pg_rng *r);

/* The seed of input stream `stream` of a run seeded with `seed`: stream 0 is
 * the seed itself; other streams are splitmix64-mixed from both values. */
uint64_t pg_data_stream_seed(uint64_t seed, uint64_t stream);

/* out[i] uniform in [lo, hi). */
void pg_data_uniform(pg_rng *r, double *out, size_t n, double lo, double hi);

/* out[i] = mean + sd * normal. */
void pg_data_normal(pg_rng *r, double *out, size_t n, double mean, double sd);

/* A price random walk: out[0] = start * (1 + step_0) and
 * out[i] = out[i-1] * (1 + sigma*z_i + sigma^2/2), z_i Irwin-Hall normal.
 * The sigma^2/2 term removes the downward drift of the log price; with
 * sigma < 0.28 every price stays positive.  start > 0. */
void pg_data_random_walk(pg_rng *r, double *out, size_t n, double start, double sigma);

/* Phases uniform in [-pi, pi). */
void pg_data_phases(pg_rng *r, double *out, size_t n);

/* Columns of a synthetic one-minute OHLCV frame; any pointer may be NULL
 * (that column is not written, and the other columns are unchanged: every
 * row draws the same random numbers whatever is requested). */
typedef struct pg_data_ohlcv_cols {
    double *ts;            /* 1.7e9 + 60*i (epoch seconds) */
    double *open;          /* previous close (100 for row 0) */
    double *high;          /* max(open, close) * (1 + 0.002*u) */
    double *low;           /* min(open, close) * (1 - 0.002*u) */
    double *close;         /* random walk from 100, sigma 0.001 */
    double *volume;        /* 1000 * (0.5 + u), in [500, 1500) */
    double *bid_volume;    /* volume * u */
    double *ask_volume;    /* volume - bid_volume */
    double *signed_volume; /* bid_volume - ask_volume */
} pg_data_ohlcv_cols;

/* Fills n rows of the requested columns: 8 random draws a row. */
void pg_data_ohlcv(pg_rng *r, size_t n, const pg_data_ohlcv_cols *cols);

/* FNV-1a 64 over len bytes, continuing from h (start with PG_FNV1A64_INIT). */
#define PG_FNV1A64_INIT 0xcbf29ce484222325ull
uint64_t pg_fnv1a64(const void *data, size_t len, uint64_t h);

/* Writes h as 16 lower-case hex digits and a NUL into buf (17 bytes). */
void pg_digest_hex(uint64_t h, char buf[17]);

#ifdef __cplusplus
}
#endif
#endif
