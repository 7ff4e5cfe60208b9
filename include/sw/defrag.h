/* defrag.h - bounded IPv4 and IPv6 fragment reassembly.
 *
 * One instance per capture thread (it runs before flow hashing, since only the first
 * fragment carries ports). Memory is capped by network.fragments.memcap, incomplete
 * datagrams expire after network.fragments.timeout, and every drop is counted.
 * Overlap policy: first data wins (bytes already held are kept; a conflicting overlap is
 * counted as defrag.overlap_conflicts).
 * The reassembled datagram keeps what nDPI needs to raise "Fragmented DNS Message": an IPv4
 * header with offset 0 and MF set, or an IPv6 fragment header with offset 0 and M clear; its
 * length fields cover the whole datagram. Not thread-safe: owner thread only.
 *
 * Semantics callers rely on:
 * - Clock: the reassembler's "now" is the largest ts_us it has been given (sw_defrag_add or
 *   sw_defrag_expire); a timestamp going backwards never expires anything early. A datagram
 *   expires when now - (now at its first fragment) > timeout_us. Expiry pops the oldest
 *   datagrams first and stops at the first live one: no scan of the table per packet.
 * - Memory: memuse counts, per incomplete datagram, a fixed tracker overhead (about 180
 *   bytes), the first fragment's header copy and a data buffer indexed by datagram offset
 *   (the highest fragment end seen rounded up to 64 bytes, grown by half again while the
 *   last fragment is missing and memcap allows) with a coverage map of 1 bit per 8 bytes.
 *   memuse <= memcap at all times. The hash table and the 64 KiB output buffer are
 *   allocated once by sw_defrag_create() and are not counted.
 * - Validation (count invalid, return SW_EINVAL, table unchanged unless said): zero-length
 *   data; an offset that is not a multiple of 8; a non-last fragment whose length is not a
 *   multiple of 8; data or headers outside p->data[0, caplen); a fragment flagged
 *   SW_PKT_CUT (its data is incomplete); an IPv4 datagram longer than 65535 bytes (header
 *   included) or an IPv6 payload longer than 65535 bytes (extension headers and the
 *   fragment header included), computed with the first fragment's header once known and the
 *   minimum header before. Conflicts with a held datagram drop that datagram too: two
 *   different last-fragment ends, data beyond the last fragment's end, a last fragment
 *   ending before data already held, or a first fragment whose header makes the held data
 *   too long.
 * - Overlaps: counted once per fragment that covers any byte already held (duplicates
 *   included), overlap_conflicts once per such fragment whose bytes differ. The held bytes
 *   (and the first header received) are kept.
 * - A datagram is freed when it completes: a later fragment with the same key starts a new
 *   one. */
#ifndef SW_DEFRAG_H
#define SW_DEFRAG_H

#include <stdint.h>

#include "sw/err.h"
#include "sw/net_counters.h"
#include "sw/packet.h"

struct sw_defrag_cfg {
    uint64_t memcap;       /* bytes held by incomplete datagrams (32 MiB); 0 holds nothing */
    uint64_t timeout_us;   /* an incomplete datagram is dropped after this (30 s) */
    uint32_t max_trackers; /* incomplete datagrams at once (65536); 0 holds nothing */
};

struct sw_defrag;

/* Fill cfg with the defaults above. */
void sw_defrag_cfg_defaults(struct sw_defrag_cfg *cfg);

/* Create a reassembler with a random hash key of its own (getrandom). Returns NULL and fills
 * err on failure (no memory, no random key). Caller owns the result. */
struct sw_defrag *sw_defrag_create(const struct sw_defrag_cfg *cfg, struct sw_err *err);
/* NULL-safe. */
void sw_defrag_destroy(struct sw_defrag *d);

/* Add the fragment p (sw_decode_frame() returned SW_DECODE_FRAGMENT). Keyed by IP version,
 * addresses, IP protocol/next header, fragment id and VLAN ids. p is borrowed for the call:
 * the bytes kept are copied.
 * SW_OK: a datagram is complete; *dgram, *dgram_len is the whole IP datagram, owned by d and
 * valid until the next sw_defrag_add/expire/destroy on d (decode it with
 * sw_decode_ip(.., 0, ..) with SW_PKT_REASSEMBLED set). IPv4: the first fragment's header
 * (options kept), total length covering the datagram, offset 0, MF set, DF and the reserved
 * bit as in the first fragment, checksum recomputed; then the data. IPv6: the first
 * fragment's IPv6 header and the extension headers before its fragment header, payload
 * length covering the datagram, then that fragment header with offset 0, M and reserved bits
 * clear (next header and identification kept); then the data.
 * SW_EAGAIN: held, waiting for more. SW_ELIMIT: dropped by memcap or max_trackers.
 * SW_ENOMEM: dropped, an allocation failed (counted as memcap_drops; the state stays
 * consistent). SW_EINVAL: a bad fragment, dropped (see the file comment). On anything but
 * SW_OK, *dgram is NULL and *dgram_len 0. Also expires trackers older than
 * p->ts_us - timeout first. */
enum sw_rc sw_defrag_add(struct sw_defrag *d, const struct sw_packet *p, const uint8_t **dgram,
                         uint32_t *dgram_len) SW_MUSTCHECK;

/* Drop incomplete datagrams whose first fragment is older than now_us - timeout. */
void sw_defrag_expire(struct sw_defrag *d, uint64_t now_us);

/* Counters (owner thread; copy them out). */
const struct sw_defrag_stats *sw_defrag_stats(const struct sw_defrag *d);

#endif
