/* hash.h - keyed hashing for tables that hostile input fills (flow table, worker dispatch,
 * fragment reassembly).
 *
 * An unkeyed hash lets anyone who can send packets compute, offline, many keys that land in
 * one bucket (or on one worker) and make every lookup walk that chain. SipHash with a random
 * 128-bit key drawn at start-up makes such sets unknowable from outside. Policy-free: the
 * caller decides where a key lives and who shares it. Any thread: pure functions over the
 * caller's storage. */
#ifndef SW_HASH_H
#define SW_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"

/* A SipHash key. Plain data: copy it into every table that must hash alike. */
struct sw_hash_key {
    uint64_t k[2];
};

/* Fill key with 16 bytes from getrandom(2) (blocking until the kernel's generator is
 * seeded, which on current kernels happens early in boot). Returns SW_OK, or SW_EIO with
 * err naming the failure (key then untouched): the caller refuses to run rather than fall
 * back on a guessable key. */
enum sw_rc sw_hash_key_random(struct sw_hash_key *key, struct sw_err *err) SW_MUSTCHECK;

/* SipHash-1-3 of n bytes at p under key. Words are read in host byte order: values are
 * stable within one host and key, not portable between hosts of other endianness. */
uint64_t sw_hash_bytes(const struct sw_hash_key *key, const void *p, size_t n);

#endif
