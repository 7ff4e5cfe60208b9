/* hash.c - SipHash-1-3 and its random key (see include/sw/hash.h).
 *
 * SipHash is Aumasson and Bernstein's keyed PRF; the 1-3 variant (one compression round per
 * word, three finalisation rounds) is what CPython and Rust use for hash tables: fast on
 * short keys and still keyed, which is all a table needs. Any thread. */
#include "sw/hash.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static uint64_t
rotl64(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

static void
sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl64(v[1], 13);
    v[1] ^= v[0];
    v[0] = rotl64(v[0], 32);
    v[2] += v[3];
    v[3] = rotl64(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = rotl64(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = rotl64(v[1], 17);
    v[1] ^= v[2];
    v[2] = rotl64(v[2], 32);
}

uint64_t
sw_hash_bytes(const struct sw_hash_key *key, const void *data, size_t n)
{
    const uint8_t *p = data;
    uint64_t v[4] = {
        key->k[0] ^ 0x736f6d6570736575ull,
        key->k[1] ^ 0x646f72616e646f6dull,
        key->k[0] ^ 0x6c7967656e657261ull,
        key->k[1] ^ 0x7465646279746573ull,
    };
    uint64_t m, last = (uint64_t)(n & 0xff) << 56;
    size_t i;

    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&m, p + i, sizeof(m));
        v[3] ^= m;
        sip_round(v);
        v[0] ^= m;
    }
    for (size_t j = 0; i + j < n; j++)
        last |= (uint64_t)p[i + j] << (8 * j);
    v[3] ^= last;
    sip_round(v);
    v[0] ^= last;
    v[2] ^= 0xff;
    sip_round(v);
    sip_round(v);
    sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

enum sw_rc
sw_hash_key_random(struct sw_hash_key *key, struct sw_err *err)
{
    uint8_t buf[sizeof(key->k)];
    size_t got = 0;

    /* Flags 0: wait for the generator to be seeded rather than take a weak key; a signal
     * interrupts the wait (EINTR) and a read may come short: both just go on. */
    while (got < sizeof(buf)) {
        ssize_t r = getrandom(buf + got, sizeof(buf) - got, 0);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return sw_err_sys(err, SW_EIO, "hash key: getrandom");
        got += (size_t)r;
    }
    memcpy(key->k, buf, sizeof(buf));
    explicit_bzero(buf, sizeof(buf));
    return SW_OK;
}
