/* flow.c - the worker-local flow table (see include/sw/flow.h).
 *
 * Chained hash table whose bucket array doubles as flows are added (bounded by max_flows),
 * and one doubly linked LRU list per timeout class: every packet moves its flow to the tail
 * of its class list, so the head of each list is the next to expire and expiry is a pop from
 * the heads. Eviction when full takes the oldest head across the classes. */
#include "sw/flow.h"

#include <netinet/in.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/community_id.h"
#include "sw/hash.h"

#define FLOW_MIN_BUCKETS 1024u

struct lru {
    struct sw_flow *head, *tail;
};

struct sw_flow_table {
    struct sw_flow_cfg cfg;
    sw_flow_end_fn on_end;
    void *ctx;
    struct sw_flow **bucket; /* owned */
    uint32_t nbuckets;       /* power of two */
    uint64_t count;
    struct lru lru[SW_TC_MAX];
    struct sw_worker_stats st; /* flow counters only */
};

/* 64-bit mixer (a variant of the splitmix64 finaliser): cheap and spreads every input bit. */
static inline uint64_t
mix64(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    x *= 0x81dadef4bc2dd44dULL;
    x ^= x >> 33;
    return x;
}

/* Unkeyed fingerprint of a key: flow_id (which must come out the same in every run and with
 * any number of workers, so outputs compare; a chosen collision costs nothing but two flows
 * sharing an id) and seawall pcap's choice of worker (see agent/pipeline.c). Never a table's
 * bucket hash. */
static uint64_t
key_fingerprint(const struct sw_flow_key *k)
{
    uint64_t w[6];

    _Static_assert(sizeof(*k) == sizeof(w), "flow key is six words");
    memcpy(w, k, sizeof(w));
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 6; i++)
        h = mix64(h ^ w[i]);
    return h;
}

/* Bucket hash: keyed, so which keys share a bucket cannot be worked out from outside. The
 * key is normalised (endpoints ordered) first, which makes the hash symmetric. No hk: the
 * public fingerprint (see sw_flow_hash_hosts). */
static uint32_t
key_hash(const struct sw_hash_key *hk, const struct sw_flow_key *k)
{
    if (hk == NULL)
        return (uint32_t)key_fingerprint(k);
    return (uint32_t)sw_hash_bytes(hk, k, sizeof(*k));
}

static bool
has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

static bool
is_icmp(uint8_t proto)
{
    return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* The packet's endpoints as (address, port) pairs, ports as the key sees them. */
static void
packet_ports(const struct sw_packet *p, uint16_t *sport, uint16_t *dport)
{
    if (has_ports(p->l4_proto)) {
        *sport = p->sport;
        *dport = p->dport;
    } else if (is_icmp(p->l4_proto)) {
        (void)sw_community_id_icmp_ports(p->ip_version, p->icmp_type, p->icmp_code, sport, dport);
    } else {
        *sport = 0;
        *dport = 0;
    }
}

/* Is (a, ap) <= (b, bp)? Addresses compared as bytes, then ports. */
static bool
endpoint_le(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp)
{
    int c = memcmp(a, b, 16);

    return c < 0 || (c == 0 && ap <= bp);
}

void
sw_flow_key_from_packet(const struct sw_packet *p, struct sw_flow_key *k)
{
    uint16_t sp, dp;

    memset(k, 0, sizeof(*k));
    packet_ports(p, &sp, &dp);
    if (endpoint_le(p->src, sp, p->dst, dp)) {
        memcpy(k->lo_addr, p->src, 16);
        memcpy(k->hi_addr, p->dst, 16);
        k->lo_port = sp;
        k->hi_port = dp;
    } else {
        memcpy(k->lo_addr, p->dst, 16);
        memcpy(k->hi_addr, p->src, 16);
        k->lo_port = dp;
        k->hi_port = sp;
    }
    k->vlan_count = p->vlan_count;
    for (unsigned i = 0; i < p->vlan_count && i < SW_MAX_VLANS; i++)
        k->vlan[i] = p->vlan[i] & 0x0fff;
    k->ip_version = p->ip_version;
    k->proto = p->l4_proto;
}

uint32_t
sw_flow_hash_packet(const struct sw_hash_key *hk, const struct sw_packet *p)
{
    struct sw_flow_key k;

    sw_flow_key_from_packet(p, &k);
    return key_hash(hk, &k);
}

uint32_t
sw_flow_hash_hosts(const struct sw_hash_key *hk, const struct sw_packet *p)
{
    struct sw_flow_key k;

    memset(&k, 0, sizeof(k));
    if (memcmp(p->src, p->dst, 16) <= 0) {
        memcpy(k.lo_addr, p->src, 16);
        memcpy(k.hi_addr, p->dst, 16);
    } else {
        memcpy(k.lo_addr, p->dst, 16);
        memcpy(k.hi_addr, p->src, 16);
    }
    k.vlan_count = p->vlan_count;
    for (unsigned i = 0; i < p->vlan_count && i < SW_MAX_VLANS; i++)
        k.vlan[i] = p->vlan[i] & 0x0fff;
    k.ip_version = p->ip_version;
    return key_hash(hk, &k);
}

static enum sw_flow_tclass
tclass_of(const struct sw_flow *f)
{
    switch (f->key.proto) {
    case IPPROTO_TCP:
        if (f->state == SW_STATE_CLOSED)
            return SW_TC_TCP_CLOSED;
        return f->state == SW_STATE_ESTABLISHED ? SW_TC_TCP_ESTABLISHED : SW_TC_TCP_NEW;
    case IPPROTO_UDP:
        return SW_TC_UDP;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        return SW_TC_ICMP;
    default:
        return SW_TC_OTHER;
    }
}

static void
lru_unlink(struct sw_flow_table *ft, struct sw_flow *f)
{
    struct lru *l = &ft->lru[f->tclass];

    if (f->lru_prev != NULL)
        f->lru_prev->lru_next = f->lru_next;
    else
        l->head = f->lru_next;
    if (f->lru_next != NULL)
        f->lru_next->lru_prev = f->lru_prev;
    else
        l->tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

static void
lru_append(struct sw_flow_table *ft, struct sw_flow *f)
{
    struct lru *l = &ft->lru[f->tclass];

    f->lru_next = NULL;
    f->lru_prev = l->tail;
    if (l->tail != NULL)
        l->tail->lru_next = f;
    else
        l->head = f;
    l->tail = f;
}

static void
bucket_unlink(struct sw_flow_table *ft, struct sw_flow *f)
{
    struct sw_flow **pp = &ft->bucket[f->hash & (ft->nbuckets - 1)];

    while (*pp != NULL && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp == f)
        *pp = f->hnext;
}

/* End a flow: hook, unlink, free. */
static void
flow_end(struct sw_flow_table *ft, struct sw_flow *f, enum sw_flow_reason reason)
{
    ft->on_end(ft->ctx, f, reason);
    lru_unlink(ft, f);
    bucket_unlink(ft, f);
    ft->count--;
    ft->st.flows_ended++;
    switch (reason) {
    case SW_REASON_TIMEOUT:
        ft->st.flows_timeout++;
        break;
    case SW_REASON_FORCED:
        ft->st.flows_evicted++;
        break;
    case SW_REASON_SHUTDOWN:
        ft->st.flows_shutdown++;
        break;
    }
    sw_free(f);
}

static bool
expired(const struct sw_flow_table *ft, const struct sw_flow *f, uint64_t now_us)
{
    return now_us > f->last_us && now_us - f->last_us > ft->cfg.timeout_us[f->tclass];
}

void
sw_flow_expire(struct sw_flow_table *ft, uint64_t now_us)
{
    for (int c = 0; c < SW_TC_MAX; c++) {
        while (ft->lru[c].head != NULL && expired(ft, ft->lru[c].head, now_us))
            flow_end(ft, ft->lru[c].head, SW_REASON_TIMEOUT);
    }
}

/* Evict the least recently seen flow of all classes. Returns false when the table is empty. */
static bool
evict_oldest(struct sw_flow_table *ft)
{
    struct sw_flow *victim = NULL;

    for (int c = 0; c < SW_TC_MAX; c++) {
        struct sw_flow *h = ft->lru[c].head;

        if (h != NULL && (victim == NULL || h->last_us < victim->last_us))
            victim = h;
    }
    if (victim == NULL)
        return false;
    flow_end(ft, victim, SW_REASON_FORCED);
    return true;
}

/* Double the bucket array when the load passes 1; failure only costs longer chains. */
static void
maybe_grow(struct sw_flow_table *ft)
{
    uint32_t n = ft->nbuckets * 2;
    struct sw_flow **nb;

    if (ft->count < ft->nbuckets || ft->nbuckets >= (1u << 30) ||
        (uint64_t)ft->nbuckets >= ft->cfg.max_flows)
        return;
    nb = sw_calloc(n, sizeof(*nb));
    if (nb == NULL)
        return;
    for (uint32_t i = 0; i < ft->nbuckets; i++) {
        struct sw_flow *f = ft->bucket[i], *next;

        for (; f != NULL; f = next) {
            next = f->hnext;
            f->hnext = nb[f->hash & (n - 1)];
            nb[f->hash & (n - 1)] = f;
        }
    }
    sw_free(ft->bucket);
    ft->bucket = nb;
    ft->nbuckets = n;
}

struct sw_flow_table *
sw_flow_table_create(const struct sw_flow_cfg *cfg, sw_flow_end_fn on_end, void *ctx,
                     struct sw_err *err)
{
    struct sw_flow_table *ft = sw_calloc(1, sizeof(*ft));

    if (ft == NULL) {
        sw_err_set(err, SW_ENOMEM, "flow table: out of memory");
        return NULL;
    }
    ft->cfg = *cfg;
    if (ft->cfg.max_flows == 0)
        ft->cfg.max_flows = 1;
    ft->on_end = on_end;
    ft->ctx = ctx;
    ft->nbuckets = FLOW_MIN_BUCKETS;
    ft->bucket = sw_calloc(ft->nbuckets, sizeof(*ft->bucket));
    if (ft->bucket == NULL) {
        sw_free(ft);
        sw_err_set(err, SW_ENOMEM, "flow table: out of memory");
        return NULL;
    }
    return ft;
}

void
sw_flow_table_flush(struct sw_flow_table *ft, uint64_t now_us)
{
    for (int c = 0; c < SW_TC_MAX; c++) {
        while (ft->lru[c].head != NULL) {
            struct sw_flow *f = ft->lru[c].head;

            flow_end(ft, f, expired(ft, f, now_us) ? SW_REASON_TIMEOUT : SW_REASON_SHUTDOWN);
        }
    }
}

void
sw_flow_table_destroy(struct sw_flow_table *ft, uint64_t now_us)
{
    if (ft == NULL)
        return;
    sw_flow_table_flush(ft, now_us);
    sw_free(ft->bucket);
    sw_free(ft);
}

static struct sw_flow *
lookup(struct sw_flow_table *ft, const struct sw_flow_key *k, uint32_t h)
{
    for (struct sw_flow *f = ft->bucket[h & (ft->nbuckets - 1)]; f != NULL; f = f->hnext)
        if (f->hash == h && memcmp(&f->key, k, sizeof(*k)) == 0)
            return f;
    return NULL;
}

/* A new flow, oriented by its first packet. */
static struct sw_flow *
flow_new(struct sw_flow_table *ft, const struct sw_flow_key *k, uint32_t h,
         const struct sw_packet *p)
{
    struct sw_flow *f;

    if (ft->count >= ft->cfg.max_flows && !evict_oldest(ft))
        return NULL;
    f = sw_calloc(1, sizeof(*f));
    if (f == NULL) {
        ft->st.flow_memcap_drops++;
        return NULL;
    }
    f->key = *k;
    f->hash = h;
    f->state = SW_STATE_NEW;
    f->tclass = (uint8_t)tclass_of(f);

    struct sw_flow_ref *r = &f->ref;
    /* Stable across runs and worker counts: the key and the start time decide it. EVE
     * consumers read flow_id as a JSON number, so keep it below 2^53. */
    r->flow_id = mix64(key_fingerprint(k) ^ p->ts_us) & ((1ULL << 52) - 1);
    r->ip_version = p->ip_version;
    r->proto = p->l4_proto;
    memcpy(r->src, p->src, 16);
    memcpy(r->dst, p->dst, 16);
    r->sport = p->sport;
    r->dport = p->dport;
    if (is_icmp(p->l4_proto)) {
        r->icmp_type = p->icmp_type;
        r->icmp_code = p->icmp_code;
    }
    r->vlan_count = p->vlan_count;
    memcpy(r->vlan, p->vlan, sizeof(r->vlan));
    r->tunnel = p->tunnel;
    f->counts.start_us = p->ts_us;

    f->hnext = ft->bucket[h & (ft->nbuckets - 1)];
    ft->bucket[h & (ft->nbuckets - 1)] = f;
    lru_append(ft, f);
    ft->count++;
    ft->st.flows_created++;
    switch (p->l4_proto) {
    case IPPROTO_TCP:
        ft->st.flows_tcp++;
        break;
    case IPPROTO_UDP:
        ft->st.flows_udp++;
        break;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        ft->st.flows_icmp++;
        break;
    default:
        ft->st.flows_other++;
        break;
    }
    maybe_grow(ft);
    return f;
}

/* TCP state as Suricata reports it in flow.state: established once both sides spoke after a
 * SYN (or mid-stream, once data went both ways), closed after RST or FIN from both sides. */
static void
tcp_update(struct sw_flow *f, const struct sw_packet *p, bool to_server)
{
    uint8_t fl = p->tcp_flags;

    if (to_server)
        f->counts.tcp_flags_ts |= fl;
    else
        f->counts.tcp_flags_tc |= fl;
    if (fl & 0x04) { /* RST */
        f->state = SW_STATE_CLOSED;
        return;
    }
    if (fl & 0x01) /* FIN */
        f->fin_seen |= to_server ? 1 : 2;
    if (f->fin_seen == 3) {
        f->state = SW_STATE_CLOSED;
        return;
    }
    if (f->state == SW_STATE_NEW && f->counts.pkts_toserver > 0 && f->counts.pkts_toclient > 0 &&
        (fl & 0x02) == 0)
        f->state = SW_STATE_ESTABLISHED;
}

struct sw_flow *
sw_flow_get(struct sw_flow_table *ft, const struct sw_packet *p, bool *to_server)
{
    struct sw_flow_key k;
    struct sw_flow *f;
    uint32_t h;

    sw_flow_key_from_packet(p, &k);
    h = key_hash(&ft->cfg.hash_key, &k);
    f = lookup(ft, &k, h);
    if (f != NULL && expired(ft, f, p->ts_us)) {
        flow_end(ft, f, SW_REASON_TIMEOUT);
        f = NULL;
    }
    if (f == NULL) {
        f = flow_new(ft, &k, h, p);
        if (f == NULL)
            return NULL;
    }

    bool ts = memcmp(p->src, f->ref.src, 16) == 0 && p->sport == f->ref.sport;
    /* A host talking to itself: both directions have the same endpoints. ICMP tells them
     * apart by type (the echo reply is to_client); other protocols count all to_server. */
    if (ts && is_icmp(p->l4_proto) && memcmp(f->ref.src, f->ref.dst, 16) == 0)
        ts = p->icmp_type == f->ref.icmp_type;
    *to_server = ts;

    if (ts) {
        f->counts.pkts_toserver++;
        f->counts.bytes_toserver += p->wirelen;
    } else {
        f->counts.pkts_toclient++;
        f->counts.bytes_toclient += p->wirelen;
        if (is_icmp(p->l4_proto) && !f->ref.has_resp_icmp) {
            f->ref.has_resp_icmp = true;
            f->ref.resp_icmp_type = p->icmp_type;
            f->ref.resp_icmp_code = p->icmp_code;
        }
    }
    /* Capture files can go back in time; flows never do. A packet older than the flow's last
     * one leaves it where it is in its LRU list, which stays ordered by last_us. */
    bool newer = p->ts_us >= f->last_us;
    if (p->ts_us > f->last_us)
        f->last_us = p->ts_us;
    if (p->ts_us > f->counts.end_us)
        f->counts.end_us = p->ts_us;
    if (p->l4_proto == IPPROTO_TCP)
        tcp_update(f, p, ts);
    else if (f->counts.pkts_toserver > 0 && f->counts.pkts_toclient > 0)
        f->state = SW_STATE_ESTABLISHED; /* as Suricata: a reply was seen */

    enum sw_flow_tclass tc = tclass_of(f);
    if (newer || tc != f->tclass) {
        lru_unlink(ft, f);
        f->tclass = (uint8_t)tc;
        lru_append(ft, f);
    }
    return f;
}

void
sw_flow_stats(const struct sw_flow_table *ft, struct sw_worker_stats *out)
{
    out->flows_created = ft->st.flows_created;
    out->flows_tcp = ft->st.flows_tcp;
    out->flows_udp = ft->st.flows_udp;
    out->flows_icmp = ft->st.flows_icmp;
    out->flows_other = ft->st.flows_other;
    out->flows_active = ft->count;
    out->flows_ended = ft->st.flows_ended;
    out->flows_timeout = ft->st.flows_timeout;
    out->flows_evicted = ft->st.flows_evicted;
    out->flows_shutdown = ft->st.flows_shutdown;
    out->flow_memcap_drops = ft->st.flow_memcap_drops;
    out->flow_memuse = ft->count * sizeof(struct sw_flow) + ft->nbuckets * sizeof(void *);
}
