/* siphash.c - SipHash-2-4 (see include/sw/siphash.h), written from the algorithm's paper:
 * four 64-bit lanes, two compression rounds per 8-byte word, four finalisation rounds. */
#include "sw/siphash.h"

#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static inline uint64_t
rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

/* Read 8 bytes little-endian, whatever the host's order. */
static inline uint64_t
load_le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

struct state {
    uint64_t v0, v1, v2, v3;
};

static inline void
round_(struct state *s)
{
    s->v0 += s->v1;
    s->v1 = rotl(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl(s->v2, 32);
}

static inline void
absorb(struct state *s, uint64_t m)
{
    s->v3 ^= m;
    round_(s);
    round_(s);
    s->v0 ^= m;
}

uint64_t
sw_siphash(const struct sw_siphash_key *key, const void *data, size_t len)
{
    const uint8_t *p = data;
    struct state s = {
        .v0 = key->k0 ^ 0x736f6d6570736575ULL, /* "somepseudorandomlygeneratedbytes" */
        .v1 = key->k1 ^ 0x646f72616e646f6dULL,
        .v2 = key->k0 ^ 0x6c7967656e657261ULL,
        .v3 = key->k1 ^ 0x7465646279746573ULL,
    };
    size_t full = len & ~(size_t)7;
    uint8_t tail[8] = {0};

    for (size_t i = 0; i < full; i += 8)
        absorb(&s, load_le64(p + i));
    /* The last word: the remaining bytes, and the length's low byte in the top byte. */
    memcpy(tail, p + full, len - full);
    tail[7] = (uint8_t)len;
    absorb(&s, load_le64(tail));
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        round_(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

void
sw_siphash_key_random(struct sw_siphash_key *key)
{
    uint64_t k[2];

    if (getrandom(k, sizeof(k), GRND_NONBLOCK) == (ssize_t)sizeof(k)) {
        key->k0 = k[0];
        key->k1 = k[1];
        return;
    }
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    key->k0 = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)key;
    key->k1 = (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)(uintptr_t)&ts;
}
