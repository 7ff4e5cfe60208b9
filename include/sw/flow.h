/* flow.h - the worker-local flow table.
 *
 * A flow is keyed symmetrically on VLAN ids, IP version, L4 protocol and the two
 * address/port endpoints in either order (ICMP type/code take the place of ports the way
 * Community ID maps them, so a request and its reply are one flow). Each worker owns one
 * table: no locks. Flows end on idle timeout (per protocol and TCP state), on eviction when
 * the table is full (the least recently seen flow goes first), or at shutdown; each end calls
 * the table's on_end hook exactly once, which emits the flow event, then the flow is freed.
 * Timeouts are checked against packet time, so the same capture gives the same flows whatever
 * the number of workers. Worker thread only. */
#ifndef SW_FLOW_H
#define SW_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/err.h"
#include "sw/event.h"
#include "sw/hash.h"
#include "sw/packet.h"
#include "sw/stats.h"

struct sw_flow_key {
    uint8_t lo_addr[16], hi_addr[16]; /* endpoints ordered: (lo_addr, lo_port) <= (hi.., ..) */
    uint16_t lo_port, hi_port;
    uint16_t vlan[SW_MAX_VLANS];
    uint8_t vlan_count;
    uint8_t ip_version;
    uint8_t proto;
    uint8_t pad[3]; /* zero: the key is hashed and compared as six words */
};

/* Timeout classes: one LRU list each, so expiry pops heads in O(1). */
enum sw_flow_tclass {
    SW_TC_TCP_NEW,
    SW_TC_TCP_ESTABLISHED,
    SW_TC_TCP_CLOSED,
    SW_TC_UDP,
    SW_TC_ICMP,
    SW_TC_OTHER,
    SW_TC_MAX
};

struct sw_flow {
    struct sw_flow_key key;
    struct sw_flow *hnext;              /* bucket chain */
    struct sw_flow *lru_prev, *lru_next; /* list of its timeout class, oldest first */
    uint32_t hash;
    uint8_t tclass;                     /* enum sw_flow_tclass */
    uint8_t state;                      /* enum sw_flow_state */
    uint8_t fin_seen;                   /* bit 0: from originator, bit 1: from responder */
    bool alerted;

    struct sw_flow_ref ref;    /* originator = sender of the first packet */
    struct sw_flow_counts counts;
    uint64_t last_us;

    /* Classifier state, owned by the nDPI glue (collectors/net/ndpi.c). */
    void *ndpi_flow;           /* owned: struct ndpi_flow_struct, freed when detection ends */
    uint32_t ndpi_pkts;        /* packets given to nDPI */
    bool detection_done;
    bool info_valid;           /* ndpi below holds the final classification */
    uint64_t risks_alerted;    /* risk bits already raised as alerts */
    struct sw_ndpi_info ndpi;

    /* TCP reassembly, owned by the stream module (collectors/net/stream.c): a struct
     * sw_stream, NULL until the first segment (and always without stream inspection);
     * freed by the table's on_end hook. */
    void *stream;

    /* Application-layer state of the network worker (collectors/net/net_app.c: its parsers
     * and transaction numbering), NULL until a parser needs it; freed by the table's on_end
     * hook. */
    void *app;

    /* Detectors' per-flow slots, owned by the detection stage (rules/detect.c): NULL until a
     * detector stores state; freed with sw_detect_flow_free() by the table's on_end hook. */
    void *det;
};

struct sw_flow_cfg {
    uint64_t max_flows;                /* this table's share of network.max_flows */
    uint64_t timeout_us[SW_TC_MAX];
    uint16_t community_id_seed;
    bool community_id;
    /* Bucket hash key (SipHash): random per process, so colliding keys cannot be prepared
     * offline. Tables that must place flows alike share it; flow_id does not depend on it. */
    struct sw_hash_key hash_key;
};

struct sw_flow_table;

/* Called once for every flow that ends, before it is freed: emit its event and free what
 * the classifier hangs on it. The flow is owned by the table. */
typedef void (*sw_flow_end_fn)(void *ctx, struct sw_flow *f, enum sw_flow_reason reason);

/* Create a table. Returns NULL and fills err on failure. Caller owns the result. */
struct sw_flow_table *sw_flow_table_create(const struct sw_flow_cfg *cfg, sw_flow_end_fn on_end,
                                           void *ctx, struct sw_err *err);
/* End every flow with reason SW_REASON_SHUTDOWN (or TIMEOUT when it had expired by now_us);
 * the table stays usable. */
void sw_flow_table_flush(struct sw_flow_table *ft, uint64_t now_us);

/* sw_flow_table_flush(), then free the table. NULL-safe. */
void sw_flow_table_destroy(struct sw_flow_table *ft, uint64_t now_us);

/* Find or create the flow of a decoded packet (SW_DECODE_OK), update its counters, state
 * and timeout class. A flow whose idle timeout passed before this packet ends first (reason
 * timeout) and a new one starts. When the table is full the least recently seen flow is
 * evicted (reason forced). Returns the flow (owned by the table, valid until the next call)
 * and sets *to_server (packet travels originator -> responder), or NULL when no flow could
 * be had (allocation failure, counted). */
struct sw_flow *sw_flow_get(struct sw_flow_table *ft, const struct sw_packet *p, bool *to_server);

/* End flows idle since before now_us - timeout. */
void sw_flow_expire(struct sw_flow_table *ft, uint64_t now_us);

/* Counters: active, created, ended by reason, memcap drops, memuse. */
void sw_flow_stats(const struct sw_flow_table *ft, struct sw_worker_stats *out);

/* Keyed symmetric hash of a packet's flow key: the same for both directions; a table with
 * cfg.hash_key == *key puts the flow in bucket (hash & (buckets - 1)). key NULL: as below. */
uint32_t sw_flow_hash_packet(const struct sw_hash_key *key, const struct sw_packet *p);

/* Keyed symmetric hash of the packet's two hosts (and VLAN ids), ports left out. The capture
 * side picks the worker with it: every flow between two hosts lands on one worker, so nDPI's
 * per-module caches that correlate sessions between hosts (DPI cache, TINC, STUN, ...) see
 * them all and the result does not depend on the number of workers. Keyed (one random key
 * per process) so nobody can aim many host pairs at one worker; key NULL gives an unkeyed,
 * public hash, the same in every process (seawall pcap: repeatable placement). */
uint32_t sw_flow_hash_hosts(const struct sw_hash_key *key, const struct sw_packet *p);

/* Fill a normalised key from a packet. */
void sw_flow_key_from_packet(const struct sw_packet *p, struct sw_flow_key *k);

#endif
