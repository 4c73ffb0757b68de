/*
 * data.c - the seeded generator of pg_data.h.
 *
 * Compiled with -ffp-contract=off (harness/CMakeLists.txt): a fused
 * multiply-add would round differently from a multiply then an add, and the
 * promise of this file is the same bytes for the same seed everywhere.
 */
#include "pg_data.h"

#include <string.h>

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t pg_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void pg_rng_seed(pg_rng *r, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = pg_splitmix64(&sm);
}

/* The generator's step, its uniform and its normal over a state the caller
 * keeps in a local copy: the bulk fills below copy r->s in and out so that
 * the four words stay in registers (stores through `out` could otherwise
 * alias them), which is what makes seeded set-up cheap enough for cold
 * iterations that refill their input every time. Same bits as before. */
static inline uint64_t step(uint64_t s[4])
{
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static inline double uniform(uint64_t s[4])
{
    return (double)(step(s) >> 11) * 0x1.0p-53;
}

static inline double normal(uint64_t s[4])
{
    /* Var(U) = 1/12, so the sum of four has variance 1/3: scale by sqrt(3). */
    double v = uniform(s) + uniform(s);
    v += uniform(s) + uniform(s);
    return (v - 2.0) * 1.7320508075688772;
}

uint64_t pg_rng_next(pg_rng *r)
{
    return step(r->s);
}

double pg_rng_uniform(pg_rng *r)
{
    return uniform(r->s);
}

double pg_rng_normal(pg_rng *r)
{
    return normal(r->s);
}

uint64_t pg_data_stream_seed(uint64_t seed, uint64_t stream)
{
    if (stream == 0)
        return seed;
    uint64_t st = seed ^ (stream * 0xd1b54a32d192ed03ull);
    (void)pg_splitmix64(&st);
    return pg_splitmix64(&st);
}

void pg_data_uniform(pg_rng *r, double *out, size_t n, double lo, double hi)
{
    const double w = hi - lo;
    uint64_t s[4] = { r->s[0], r->s[1], r->s[2], r->s[3] };
    for (size_t i = 0; i < n; i++)
        out[i] = lo + w * uniform(s);
    memcpy(r->s, s, sizeof s);
}

void pg_data_normal(pg_rng *r, double *out, size_t n, double mean, double sd)
{
    uint64_t s[4] = { r->s[0], r->s[1], r->s[2], r->s[3] };
    for (size_t i = 0; i < n; i++)
        out[i] = mean + sd * normal(s);
    memcpy(r->s, s, sizeof s);
}

void pg_data_random_walk(pg_rng *r, double *out, size_t n, double start, double sigma)
{
    const double drift = 0.5 * sigma * sigma;
    double p = start;
    uint64_t s[4] = { r->s[0], r->s[1], r->s[2], r->s[3] };
    for (size_t i = 0; i < n; i++) {
        p = p * (1.0 + (sigma * normal(s) + drift));
        out[i] = p;
    }
    memcpy(r->s, s, sizeof s);
}

void pg_data_phases(pg_rng *r, double *out, size_t n)
{
    pg_data_uniform(r, out, n, -3.141592653589793, 3.141592653589793);
}

void pg_data_ohlcv(pg_rng *r, size_t n, const pg_data_ohlcv_cols *c)
{
    const double sigma = 0.001, drift = 0.5 * sigma * sigma;
    double prev = 100.0;
    uint64_t s[4] = { r->s[0], r->s[1], r->s[2], r->s[3] };
    for (size_t i = 0; i < n; i++) {
        const double z = normal(s);
        const double u_hi = uniform(s);
        const double u_lo = uniform(s);
        const double u_vol = uniform(s);
        const double u_bid = uniform(s);
        const double close = prev * (1.0 + (sigma * z + drift));
        const double top = close > prev ? close : prev;
        const double bottom = close > prev ? prev : close;
        const double volume = 1000.0 * (0.5 + u_vol);
        const double bid = volume * u_bid;
        const double ask = volume - bid;
        if (c->ts)
            c->ts[i] = 1.7e9 + 60.0 * (double)i;
        if (c->open)
            c->open[i] = prev;
        if (c->high)
            c->high[i] = top * (1.0 + 0.002 * u_hi);
        if (c->low)
            c->low[i] = bottom * (1.0 - 0.002 * u_lo);
        if (c->close)
            c->close[i] = close;
        if (c->volume)
            c->volume[i] = volume;
        if (c->bid_volume)
            c->bid_volume[i] = bid;
        if (c->ask_volume)
            c->ask_volume[i] = ask;
        if (c->signed_volume)
            c->signed_volume[i] = bid - ask;
        prev = close;
    }
    memcpy(r->s, s, sizeof s);
}

uint64_t pg_fnv1a64(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void pg_digest_hex(uint64_t h, char buf[17])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        buf[i] = hex[h & 0xf];
        h >>= 4;
    }
    buf[16] = '\0';
}
