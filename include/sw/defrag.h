/* defrag.h - bounded IPv4 and IPv6 fragment reassembly.
 *
 * One instance per capture thread (it runs before flow hashing, since only the first
 * fragment carries ports). Memory is capped by network.fragments.memcap, incomplete
 * datagrams expire after network.fragments.timeout, and every drop is counted.
 * Overlap policy: first data wins (bytes already held are kept; a conflicting overlap is
 * counted as defrag.overlap_conflicts).
 * The reassembled datagram keeps what nDPI needs to raise "Fragmented DNS Message": an IPv4
 * header with offset 0 and MF set, or an IPv6 fragment header with offset 0 and M clear; its
 * length fields cover the whole datagram. Not thread-safe: owner thread only. */
#ifndef SW_DEFRAG_H
#define SW_DEFRAG_H

#include <stdint.h>

#include "sw/err.h"
#include "sw/packet.h"

struct sw_defrag_cfg {
    uint64_t memcap;       /* bytes held by incomplete datagrams (32 MiB) */
    uint64_t timeout_us;   /* an incomplete datagram is dropped after this (30 s) */
    uint32_t max_trackers; /* incomplete datagrams at once (65536) */
};

struct sw_defrag_stats {
    uint64_t ipv4_fragments, ipv6_fragments;
    uint64_t ipv4_reassembled, ipv6_reassembled;
    uint64_t timeouts;          /* datagrams dropped incomplete on timeout */
    uint64_t memcap_drops;      /* fragments dropped: memcap or max_trackers reached */
    uint64_t overlaps;          /* fragments overlapping data already held */
    uint64_t overlap_conflicts; /* ... with different bytes */
    uint64_t invalid;           /* bad fragments: too long, bad offsets */
    uint64_t memuse;            /* bytes held now */
};

struct sw_defrag;

/* Create a reassembler. Returns NULL and fills err on failure. Caller owns the result. */
struct sw_defrag *sw_defrag_create(const struct sw_defrag_cfg *cfg, struct sw_err *err);
/* NULL-safe. */
void sw_defrag_destroy(struct sw_defrag *d);

/* Add the fragment p (sw_decode_frame() returned SW_DECODE_FRAGMENT). Keyed by IP version,
 * addresses, IP protocol/next header, fragment id and VLAN ids.
 * SW_OK: a datagram is complete; *dgram/*dgram_len is the whole IP datagram, owned by d and
 * valid until the next call on d (decode it with sw_decode_ip(.., 0, ..) with
 * SW_PKT_REASSEMBLED set). SW_EAGAIN: held, waiting for more. SW_ELIMIT: dropped by a limit.
 * SW_EINVAL: a bad fragment, dropped. All counted in stats. Also expires trackers older than
 * p->ts_us - timeout. */
enum sw_rc sw_defrag_add(struct sw_defrag *d, const struct sw_packet *p, const uint8_t **dgram,
                         uint32_t *dgram_len) SW_MUSTCHECK;

/* Drop incomplete datagrams whose first fragment is older than now_us - timeout. */
void sw_defrag_expire(struct sw_defrag *d, uint64_t now_us);

/* Counters (owner thread; copy them out). */
const struct sw_defrag_stats *sw_defrag_stats(const struct sw_defrag *d);

#endif
