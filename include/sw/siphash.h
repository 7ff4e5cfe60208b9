/* siphash.h - SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit hash for tables whose keys
 * an attacker chooses (file names, IOC lookups of network data). With a random key per table
 * nobody can aim collisions at it. Pure; any thread. */
#ifndef SW_SIPHASH_H
#define SW_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct sw_siphash_key {
    uint64_t k0, k1;
};

/* SipHash-2-4 of data[0, len) under key. */
uint64_t sw_siphash(const struct sw_siphash_key *key, const void *data, size_t len);

/* A key from getrandom(2); falls back to the clock and address bits if that fails (the
 * table still works, collisions are only less unpredictable). Any thread. */
void sw_siphash_key_random(struct sw_siphash_key *key);

#endif
