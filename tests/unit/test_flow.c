/* test_flow.c - unit tests of the flow table (collectors/net/flow.c, include/sw/flow.h).
 *
 * Packets are struct sw_packet values filled by hand the way sw_decode_frame() leaves them
 * (addresses, ports, ICMP type/code, TCP flags, VLAN ids), so no decoder is involved. The
 * table's on_end hook records every end (flow id, reason, state, counts) into an array the
 * tests inspect; that array uses plain malloc so the allocation-failure sweeps count only
 * the table's own allocations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/err.h"
#include "sw/flow.h"
#include "sw/hash.h"

#define SEC 1000000ull
#define T0 (1764064800ull * SEC) /* 2025-11-25T10:00:00Z: any realistic capture time */

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* Timeouts, all different so a flow in the wrong class is caught. */
#define TO_TCP_NEW (10 * SEC)
#define TO_TCP_EST (100 * SEC)
#define TO_TCP_CLOSED (5 * SEC)
#define TO_UDP (30 * SEC)
#define TO_ICMP (20 * SEC)
#define TO_OTHER (40 * SEC)

/* Two fixed bucket keys (the agent draws one per process): tests place flows alike in every
 * run. */
static const struct sw_hash_key KEY_A = {{0x243f6a8885a308d3ull, 0x13198a2e03707344ull}};
static const struct sw_hash_key KEY_B = {{0xa4093822299f31d0ull, 0x082efa98ec4e6c89ull}};

/* --- recording on_end ------------------------------------------------------------------- */

struct ended {
    uint64_t flow_id;
    enum sw_flow_reason reason;
    uint8_t state;
    struct sw_flow_ref ref;
    struct sw_flow_counts counts;
    uint64_t last_us;
};

struct rec {
    struct ended *v; /* owned (malloc, not sw_malloc) */
    size_t n, cap;
    bool oom;
};

static void
on_end(void *ctx, struct sw_flow *f, enum sw_flow_reason reason)
{
    struct rec *r = ctx;

    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct ended *nv = realloc(r->v, cap * sizeof(*nv));

        if (nv == NULL) {
            r->oom = true;
            return;
        }
        r->v = nv;
        r->cap = cap;
    }
    r->v[r->n++] = (struct ended){
        .flow_id = f->ref.flow_id,
        .reason = reason,
        .state = f->state,
        .ref = f->ref,
        .counts = f->counts,
        .last_us = f->last_us,
    };
}

static void
rec_free(struct rec *r)
{
    free(r->v);
    memset(r, 0, sizeof(*r));
}

/* --- packets ---------------------------------------------------------------------------- */

static void
set_v4(uint8_t *a, uint32_t ip)
{
    memset(a, 0, 16);
    a[0] = (uint8_t)(ip >> 24);
    a[1] = (uint8_t)(ip >> 16);
    a[2] = (uint8_t)(ip >> 8);
    a[3] = (uint8_t)ip;
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct sw_packet
pkt4(uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint64_t ts)
{
    struct sw_packet p;

    memset(&p, 0, sizeof(p));
    p.ts_us = ts;
    p.ip_version = 4;
    p.l4_proto = proto;
    set_v4(p.src, src);
    set_v4(p.dst, dst);
    if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP) {
        p.sport = sport;
        p.dport = dport;
    }
    p.wirelen = 100;
    return p;
}

static struct sw_packet
icmp4(uint32_t src, uint32_t dst, uint8_t type, uint8_t code, uint64_t ts)
{
    struct sw_packet p = pkt4(IPPROTO_ICMP, src, 0, dst, 0, ts);

    p.icmp_type = type;
    p.icmp_code = code;
    return p;
}

static struct sw_packet
tcp4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t flags, uint64_t ts)
{
    struct sw_packet p = pkt4(IPPROTO_TCP, src, sport, dst, dport, ts);

    p.tcp_flags = flags;
    return p;
}

/* The same packet travelling the other way (ICMP echo request <-> reply). */
static struct sw_packet
reverse(const struct sw_packet *p)
{
    struct sw_packet r = *p;

    memcpy(r.src, p->dst, 16);
    memcpy(r.dst, p->src, 16);
    r.sport = p->dport;
    r.dport = p->sport;
    if (p->l4_proto == IPPROTO_ICMP && (p->icmp_type == 8 || p->icmp_type == 0))
        r.icmp_type = p->icmp_type == 8 ? 0 : 8;
    if (p->l4_proto == IPPROTO_ICMPV6 && (p->icmp_type == 128 || p->icmp_type == 129))
        r.icmp_type = p->icmp_type == 128 ? 129 : 128;
    return r;
}

static struct sw_flow_cfg
cfg_with(uint64_t max_flows)
{
    struct sw_flow_cfg c;

    memset(&c, 0, sizeof(c));
    c.max_flows = max_flows;
    c.timeout_us[SW_TC_TCP_NEW] = TO_TCP_NEW;
    c.timeout_us[SW_TC_TCP_ESTABLISHED] = TO_TCP_EST;
    c.timeout_us[SW_TC_TCP_CLOSED] = TO_TCP_CLOSED;
    c.timeout_us[SW_TC_UDP] = TO_UDP;
    c.timeout_us[SW_TC_ICMP] = TO_ICMP;
    c.timeout_us[SW_TC_OTHER] = TO_OTHER;
    return c;
}

/* Tables and records live in static storage and are registered, so that the teardown can
 * free what a failed assertion left behind (cmocka longjmps out of the test). */
#define MAX_LIVE 4
static struct rec g_rec[MAX_LIVE];
static struct sw_flow_table *g_live[MAX_LIVE];

static struct sw_flow_table *
table_keyed(uint64_t max_flows, struct rec *r, const struct sw_hash_key *key)
{
    struct sw_flow_cfg c = cfg_with(max_flows);
    struct sw_err err;
    struct sw_flow_table *ft;

    rec_free(r);
    c.hash_key = *key;
    memset(&err, 0, sizeof(err));
    ft = sw_flow_table_create(&c, on_end, r, &err);
    assert_non_null(ft);
    for (int i = 0; i < MAX_LIVE; i++) {
        if (g_live[i] == NULL) {
            g_live[i] = ft;
            return ft;
        }
    }
    fail_msg("too many live tables");
    return NULL;
}

static struct sw_flow_table *
table(uint64_t max_flows, struct rec *r)
{
    return table_keyed(max_flows, r, &KEY_A);
}

/* Destroy a table made by table(). */
static void
finish(struct sw_flow_table *ft, uint64_t now_us)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (g_live[i] == ft)
            g_live[i] = NULL;
    sw_flow_table_destroy(ft, now_us);
}

static int
teardown(void **state)
{
    (void)state;
    sw_alloc_fail_at(0);
    for (int i = 0; i < MAX_LIVE; i++) {
        sw_flow_table_destroy(g_live[i], 0);
        g_live[i] = NULL;
    }
    for (int i = 0; i < MAX_LIVE; i++)
        rec_free(&g_rec[i]);
    return 0;
}

static struct sw_worker_stats
stats(const struct sw_flow_table *ft)
{
    struct sw_worker_stats st;

    memset(&st, 0, sizeof(st));
    sw_flow_stats(ft, &st);
    return st;
}

/* sw_flow_get that must succeed; returns the flow and the direction. */
static struct sw_flow *
get(struct sw_flow_table *ft, const struct sw_packet *p, bool *ts)
{
    bool dummy;
    struct sw_flow *f = sw_flow_get(ft, p, ts != NULL ? ts : &dummy);

    assert_non_null(f);
    return f;
}

/* Deterministic PRNG (rand() is banned by make lint). */
static uint64_t
xorshift(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* --- direction ------------------------------------------------------------------------- */

static void
reverse_packet_finds_same_flow_and_counts_to_client(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    /* The originator has the higher address, so orientation cannot come from key order. */
    struct sw_packet q = pkt4(IPPROTO_UDP, IP4(192, 168, 1, 20), 40000, IP4(10, 0, 0, 53), 53, T0);
    struct sw_packet a = reverse(&q);
    struct sw_flow *f1, *f2, *f3;
    bool ts = false;

    (void)state;
    q.wirelen = 70;
    a.wirelen = 230;
    a.ts_us = T0 + 1000;
    f1 = get(ft, &q, &ts);
    assert_true(ts);
    f2 = get(ft, &a, &ts);
    assert_false(ts);
    assert_ptr_equal(f1, f2);
    q.ts_us = T0 + 2000;
    f3 = get(ft, &q, &ts);
    assert_true(ts);
    assert_ptr_equal(f1, f3);

    assert_int_equal(f1->counts.pkts_toserver, 2);
    assert_int_equal(f1->counts.pkts_toclient, 1);
    assert_int_equal(f1->counts.bytes_toserver, 140);
    assert_int_equal(f1->counts.bytes_toclient, 230);
    assert_int_equal(f1->counts.start_us, T0);
    assert_int_equal(f1->counts.end_us, T0 + 2000);
    /* the originator is the sender of the first packet */
    assert_memory_equal(f1->ref.src, q.src, 16);
    assert_memory_equal(f1->ref.dst, q.dst, 16);
    assert_int_equal(f1->ref.sport, 40000);
    assert_int_equal(f1->ref.dport, 53);
    assert_int_equal(f1->ref.proto, IPPROTO_UDP);
    assert_int_equal(f1->ref.ip_version, 4);

    struct sw_worker_stats st = stats(ft);
    assert_int_equal(st.flows_created, 1);
    assert_int_equal(st.flows_udp, 1);
    assert_int_equal(st.flows_active, 1);
    assert_int_equal(r->n, 0);
    finish(ft, T0 + 3000);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].reason, SW_REASON_SHUTDOWN);
}

/* Suricata's flow.state for UDP and other protocols: new until a reply, then established. */
static void
udp_flow_is_established_once_answered(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    struct sw_packet q = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 5353, IP4(10, 0, 0, 2), 53, T0);
    struct sw_packet a = reverse(&q);
    struct sw_flow *f;
    bool ts = false;

    (void)state;
    f = get(ft, &q, &ts);
    assert_int_equal(f->state, SW_STATE_NEW);
    f = get(ft, &q, &ts);
    assert_int_equal(f->state, SW_STATE_NEW);
    a.ts_us = T0 + 10;
    f = get(ft, &a, &ts);
    assert_int_equal(f->state, SW_STATE_ESTABLISHED);
    assert_int_equal(f->tclass, SW_TC_UDP);
    finish(ft, T0 + 20);
}

static void
same_address_different_ports_are_two_directions(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    uint32_t lo = IP4(127, 0, 0, 1);
    struct sw_packet p = tcp4(lo, 50000, lo, 80, TH_SYN, T0);
    struct sw_packet q = reverse(&p);
    bool ts;

    (void)state;
    q.tcp_flags = TH_SYN | TH_ACK;
    struct sw_flow *f = get(ft, &p, &ts);
    assert_true(ts);
    assert_ptr_equal(get(ft, &q, &ts), f);
    assert_false(ts);
    assert_int_equal(f->counts.pkts_toclient, 1);
    finish(ft, T0);
}

/* --- hashing -------------------------------------------------------------------------- */

static struct sw_packet
random_packet(uint64_t *seed)
{
    static const uint8_t protos[] = {
        IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_GRE, 50};
    struct sw_packet p;
    uint64_t x = xorshift(seed);

    memset(&p, 0, sizeof(p));
    p.ip_version = (x & 1) ? 6 : 4;
    p.l4_proto = protos[(x >> 1) % sizeof(protos)];
    if (p.ip_version == 4 && p.l4_proto == IPPROTO_ICMPV6)
        p.l4_proto = IPPROTO_ICMP;
    if (p.ip_version == 6 && p.l4_proto == IPPROTO_ICMP)
        p.l4_proto = IPPROTO_ICMPV6;
    for (int i = 0; i < (p.ip_version == 4 ? 4 : 16); i += 8) {
        uint64_t a = xorshift(seed), b = xorshift(seed);

        memcpy(p.src + i, &a, p.ip_version == 4 ? 4 : 8);
        memcpy(p.dst + i, &b, p.ip_version == 4 ? 4 : 8);
    }
    if ((x >> 8) % 16 == 0) /* sometimes the same host on both ends */
        memcpy(p.dst, p.src, 16);
    x = xorshift(seed);
    p.sport = (uint16_t)x;
    p.dport = (uint16_t)(x >> 16);
    if ((x >> 32) % 8 == 0)
        p.dport = p.sport;
    if (p.l4_proto == IPPROTO_ICMP) {
        p.sport = p.dport = 0;
        p.icmp_type = (x >> 40) & 1 ? 8 : 0;
    } else if (p.l4_proto == IPPROTO_ICMPV6) {
        p.sport = p.dport = 0;
        p.icmp_type = (x >> 40) & 1 ? 128 : 129;
    }
    p.vlan_count = (uint8_t)((x >> 48) % 3);
    for (unsigned i = 0; i < p.vlan_count; i++)
        p.vlan[i] = (uint16_t)(1 + ((x >> (52 + 4 * i)) & 0xff));
    return p;
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

static size_t
distinct(uint32_t *v, size_t n)
{
    size_t d = n > 0;

    qsort(v, n, sizeof(*v), cmp_u32);
    for (size_t i = 1; i < n; i++)
        d += v[i] != v[i - 1];
    return d;
}

#define NHASH 20000u

static void
packet_and_host_hashes_are_symmetric_for_random_tuples(void **state)
{
    static uint32_t hp[NHASH], hh[NHASH];
    uint64_t seed = 0x5eaa11u;
    struct sw_hash_key keys[2] = {KEY_A};
    struct sw_err err;

    (void)state;
    assert_int_equal(sw_hash_key_random(&keys[1], &err), SW_OK); /* and under a drawn key */
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < NHASH; i++) {
            struct sw_packet p = random_packet(&seed);
            struct sw_packet q = reverse(&p);
            struct sw_flow_key k1, k2;

            hp[i] = sw_flow_hash_packet(&keys[k], &p);
            hh[i] = sw_flow_hash_hosts(&keys[k], &p);
            assert_int_equal(hp[i], sw_flow_hash_packet(&keys[k], &q));
            assert_int_equal(hh[i], sw_flow_hash_hosts(&keys[k], &q));
            sw_flow_key_from_packet(&p, &k1);
            sw_flow_key_from_packet(&q, &k2);
            assert_memory_equal(&k1, &k2, sizeof(k1));
        }
        /* and they are hashes, not constants: 20000 random tuples give (nearly) 20000 values */
        assert_true(distinct(hp, NHASH) > NHASH - 5);
        assert_true(distinct(hh, NHASH) > NHASH - 5);
    }
}

/* Issue 9 item 3 (hash flooding): which flows share a bucket, or a worker, depends on the
 * key. An attacker who worked out 256 tuples that pile into one chain of one table (as they
 * could offline when the hash was unkeyed) gets them spread in a table with another key, and
 * the same goes for host pairs aimed at one of three workers. */
#define NCOLL 256u

static void
flows_colliding_under_one_key_spread_under_another(void **state)
{
    struct rec *ra = &g_rec[0], *rb = &g_rec[1];
    struct sw_flow_table *fa = table_keyed(4 * NCOLL, ra, &KEY_A);
    struct sw_flow_table *fb = table_keyed(4 * NCOLL, rb, &KEY_B);
    static struct sw_packet coll[NCOLL];
    static uint32_t bucket_b[NCOLL];
    unsigned n = 0, per_worker[3] = {0, 0, 0};

    (void)state;
    /* the attacker's offline search: UDP tuples landing in bucket 0 of 1024 under KEY_A */
    for (uint32_t i = 0; n < NCOLL && i < (1u << 24); i++) {
        struct sw_packet p = pkt4(IPPROTO_UDP, IP4(10, 1, (i >> 16) & 0xff, 1),
                                  (uint16_t)(1024 + (i & 0xffff)), IP4(192, 0, 2, 53), 53, T0);

        if ((sw_flow_hash_packet(&KEY_A, &p) & 1023u) == 0)
            coll[n++] = p;
    }
    assert_int_equal(n, NCOLL);
    for (unsigned i = 0; i < NCOLL; i++) {
        struct sw_flow *f = get(fa, &coll[i], NULL);

        assert_int_equal(f->hash & 1023u, 0); /* one chain in the table keyed with KEY_A */
        bucket_b[i] = get(fb, &coll[i], NULL)->hash & 1023u;
    }
    /* 256 keys thrown at 1024 buckets fill about 227 of them */
    assert_true(distinct(bucket_b, NCOLL) > 200);
    assert_int_equal(stats(fa).flows_created, NCOLL);
    assert_int_equal(stats(fb).flows_created, NCOLL);

    /* host pairs that all go to worker 0 of 3 under KEY_A go to every worker under KEY_B */
    n = 0;
    for (uint32_t i = 0; n < 90 && i < (1u << 20); i++) {
        struct sw_packet p = pkt4(IPPROTO_TCP, IP4(10, 2, (i >> 8) & 0xff, i & 0xff), 40000,
                                  IP4(192, 0, 2, 80), 80, T0);

        if (sw_flow_hash_hosts(&KEY_A, &p) % 3 == 0) {
            per_worker[sw_flow_hash_hosts(&KEY_B, &p) % 3]++;
            n++;
        }
    }
    assert_int_equal(n, 90);
    for (int w = 0; w < 3; w++)
        assert_true(per_worker[w] >= 15); /* about 30 each */
    finish(fa, T0);
    finish(fb, T0);
}

/* Each process draws its own key (two runs place flows differently): two draws differ. */
static void
random_hash_keys_differ_between_draws(void **state)
{
    struct sw_hash_key a, b;
    struct sw_err err;

    (void)state;
    assert_int_equal(sw_hash_key_random(&a, &err), SW_OK);
    assert_int_equal(sw_hash_key_random(&b, &err), SW_OK);
    assert_memory_not_equal(&a, &b, sizeof(a));
}

static void
host_hash_ignores_ports_and_protocol_but_packet_hash_does_not(void **state)
{
    uint64_t seed = 77;
    size_t port_changes_hash = 0;

    (void)state;
    for (int i = 0; i < 1000; i++) {
        struct sw_packet p = random_packet(&seed);
        struct sw_packet q;

        p.l4_proto = IPPROTO_UDP;
        q = p;
        q.sport = (uint16_t)(p.sport + 1);
        q.dport = (uint16_t)(p.dport ^ 0x5555);
        assert_int_equal(sw_flow_hash_hosts(&KEY_A, &p), sw_flow_hash_hosts(&KEY_A, &q));
        port_changes_hash += sw_flow_hash_packet(&KEY_A, &p) != sw_flow_hash_packet(&KEY_A, &q);
        q.l4_proto = IPPROTO_TCP;
        assert_int_equal(sw_flow_hash_hosts(&KEY_A, &p), sw_flow_hash_hosts(&KEY_A, &q));
        q = p;
        q.src[3] ^= 1; /* another host: another hash */
        assert_int_not_equal(sw_flow_hash_hosts(&KEY_A, &p), sw_flow_hash_hosts(&KEY_A, &q));
    }
    assert_true(port_changes_hash >= 999);
}

/* --- keys ----------------------------------------------------------------------------- */

static void
different_vlans_are_different_flows(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    struct sw_packet p = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 1000, IP4(10, 0, 0, 2), 2000, T0);
    struct sw_flow *untagged, *v10, *v20, *qinq, *qinq_swapped;

    (void)state;
    untagged = get(ft, &p, NULL);
    p.vlan_count = 1;
    p.vlan[0] = 10;
    v10 = get(ft, &p, NULL);
    p.vlan[0] = 20;
    v20 = get(ft, &p, NULL);
    p.vlan_count = 2;
    p.vlan[0] = 100;
    p.vlan[1] = 10;
    qinq = get(ft, &p, NULL);
    p.vlan[0] = 10;
    p.vlan[1] = 100;
    qinq_swapped = get(ft, &p, NULL);

    assert_ptr_not_equal(untagged, v10);
    assert_ptr_not_equal(v10, v20);
    assert_ptr_not_equal(v10, qinq);
    assert_ptr_not_equal(qinq, qinq_swapped);
    assert_int_equal(stats(ft).flows_created, 5);
    assert_int_equal(qinq->ref.vlan_count, 2);
    assert_int_equal(qinq->ref.vlan[0], 100);
    assert_int_equal(qinq->ref.vlan[1], 10);

    /* the reply on VLAN 20 finds the VLAN 20 flow */
    struct sw_packet a = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 2), 2000, IP4(10, 0, 0, 1), 1000, T0);
    bool ts;
    a.vlan_count = 1;
    a.vlan[0] = 20;
    assert_ptr_equal(get(ft, &a, &ts), v20);
    assert_false(ts);
    assert_int_equal(stats(ft).flows_created, 5);
    finish(ft, T0);
    assert_int_equal(r->n, 5);
}

static void
icmp_echo_request_and_reply_are_one_flow(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    struct sw_packet req = icmp4(IP4(10, 0, 0, 1), IP4(8, 8, 8, 8), 8, 0, T0);
    struct sw_packet rep = icmp4(IP4(8, 8, 8, 8), IP4(10, 0, 0, 1), 0, 0, T0 + 5000);
    struct sw_flow *f;
    bool ts;

    (void)state;
    f = get(ft, &req, &ts);
    assert_true(ts);
    assert_ptr_equal(get(ft, &rep, &ts), f);
    assert_false(ts);
    assert_int_equal(f->counts.pkts_toserver, 1);
    assert_int_equal(f->counts.pkts_toclient, 1);
    assert_int_equal(f->ref.icmp_type, 8);
    assert_int_equal(f->ref.icmp_code, 0);
    assert_true(f->ref.has_resp_icmp);
    assert_int_equal(f->ref.resp_icmp_type, 0);
    assert_int_equal(f->ref.resp_icmp_code, 0);
    assert_int_equal(f->tclass, SW_TC_ICMP);
    assert_int_equal(sw_flow_hash_packet(&KEY_A, &req), sw_flow_hash_packet(&KEY_A, &rep));

    /* A flow seen first from its reply side: the reply (type 0) starts it, the request
     * (type 8) coming back is its to_client direction. */
    struct sw_packet rep2 = icmp4(IP4(1, 1, 1, 1), IP4(10, 0, 0, 1), 0, 0, T0);
    struct sw_packet req2 = icmp4(IP4(10, 0, 0, 1), IP4(1, 1, 1, 1), 8, 0, T0 + 1);
    struct sw_flow *g = get(ft, &rep2, &ts);
    assert_true(ts);
    assert_ptr_equal(get(ft, &req2, &ts), g);
    assert_false(ts);

    /* ICMPv6 echo: 128 and 129 */
    struct sw_packet r6 = req;
    r6.ip_version = 6;
    r6.l4_proto = IPPROTO_ICMPV6;
    memset(r6.src, 0, 16);
    memset(r6.dst, 0, 16);
    r6.src[0] = 0x20, r6.src[1] = 0x01, r6.src[15] = 1;
    r6.dst[0] = 0x20, r6.dst[1] = 0x01, r6.dst[15] = 2;
    r6.icmp_type = 128;
    struct sw_packet a6 = reverse(&r6);
    assert_int_equal(a6.icmp_type, 129);
    struct sw_flow *h = get(ft, &r6, &ts);
    assert_ptr_equal(get(ft, &a6, &ts), h);
    assert_false(ts);
    assert_int_equal(h->ref.resp_icmp_type, 129);

    struct sw_worker_stats st = stats(ft);
    assert_int_equal(st.flows_created, 3);
    assert_int_equal(st.flows_icmp, 3);
    finish(ft, T0);
}

static void
icmp_unreachable_and_echo_are_different_flows(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    struct sw_packet echo = icmp4(IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 8, 0, T0);
    struct sw_packet unr = icmp4(IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 3, 1, T0);
    struct sw_packet unr_other_code = icmp4(IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 3, 3, T0);
    struct sw_flow *f1, *f2, *f3;

    (void)state;
    f1 = get(ft, &echo, NULL);
    f2 = get(ft, &unr, NULL);
    f3 = get(ft, &unr_other_code, NULL);
    assert_ptr_not_equal(f1, f2);
    assert_ptr_not_equal(f2, f3);
    assert_int_equal(f2->ref.icmp_type, 3);
    assert_int_equal(f2->ref.icmp_code, 1);
    assert_int_not_equal(sw_flow_hash_packet(&KEY_A, &echo), sw_flow_hash_packet(&KEY_A, &unr));
    assert_int_equal(stats(ft).flows_created, 3);
    finish(ft, T0);
}

/* Regression (flow.c, sw_flow_get), fixed: the ICMP-to-self branch is unreachable. The decoder leaves
 * sport == dport == 0 for ICMP, so for src == dst the preceding "talking to itself" test
 * (src == dst && sport == dport) always wins and every packet counts to_server: the echo
 * reply of a ping to 127.0.0.1 is never to_client and response_icmp_type is never set. This
 * test fails until the ICMP check comes before (or excludes ICMP from) the generic one. */
static void
icmp_echo_to_self_counts_the_reply_to_client(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    uint32_t lo = IP4(127, 0, 0, 1);
    struct sw_packet req = icmp4(lo, lo, 8, 0, T0);
    struct sw_packet rep = icmp4(lo, lo, 0, 0, T0 + 10);
    struct sw_flow *f;
    bool ts;

    (void)state;
    f = get(ft, &req, &ts);
    assert_true(ts);
    assert_ptr_equal(get(ft, &rep, &ts), f); /* one flow: this part holds */
    assert_false(ts);
    assert_int_equal(f->counts.pkts_toclient, 1);
    assert_true(f->ref.has_resp_icmp);
    assert_int_equal(f->ref.resp_icmp_type, 0);
    finish(ft, T0);
}

/* --- timeouts ------------------------------------------------------------------------- */

static struct sw_flow *
establish(struct sw_flow_table *ft, uint32_t cli, uint16_t cport, uint32_t srv, uint64_t t)
{
    struct sw_packet syn = tcp4(cli, cport, srv, 443, TH_SYN, t);
    struct sw_packet synack = tcp4(srv, 443, cli, cport, TH_SYN | TH_ACK, t + 1);
    struct sw_packet ack = tcp4(cli, cport, srv, 443, TH_ACK, t + 2);
    struct sw_flow *f = get(ft, &syn, NULL);

    assert_ptr_equal(get(ft, &synack, NULL), f);
    assert_ptr_equal(get(ft, &ack, NULL), f);
    assert_int_equal(f->state, SW_STATE_ESTABLISHED);
    return f;
}

static size_t
find_ended(const struct rec *r, uint64_t flow_id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].flow_id == flow_id)
            return i;
    fail_msg("flow %llu did not end", (unsigned long long)flow_id);
    return SIZE_MAX;
}

static void
expire_uses_each_protocols_idle_timeout(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    const uint32_t a = IP4(10, 0, 0, 1), b = IP4(10, 0, 0, 2);
    struct {
        uint64_t id, timeout, last;
    } f[6];
    struct sw_packet p;

    (void)state;
    /* every flow's last packet at T0 + 2 */
    p = tcp4(a, 1000, b, 80, TH_SYN, T0 + 2); /* tcp_new */
    f[0].id = get(ft, &p, NULL)->ref.flow_id, f[0].timeout = TO_TCP_NEW;
    f[1].id = establish(ft, a, 1001, b, T0)->ref.flow_id, f[1].timeout = TO_TCP_EST;
    {
        struct sw_packet rst = tcp4(a, 1002, b, 80, TH_RST, T0 + 2); /* tcp_closed */
        struct sw_flow *c = get(ft, &rst, NULL);

        assert_int_equal(c->state, SW_STATE_CLOSED);
        f[2].id = c->ref.flow_id, f[2].timeout = TO_TCP_CLOSED;
    }
    p = pkt4(IPPROTO_UDP, a, 1003, b, 53, T0 + 2);
    f[3].id = get(ft, &p, NULL)->ref.flow_id, f[3].timeout = TO_UDP;
    p = icmp4(a, b, 8, 0, T0 + 2);
    f[4].id = get(ft, &p, NULL)->ref.flow_id, f[4].timeout = TO_ICMP;
    p = pkt4(IPPROTO_GRE, a, 0, b, 0, T0 + 2);
    f[5].id = get(ft, &p, NULL)->ref.flow_id, f[5].timeout = TO_OTHER;

    struct sw_worker_stats st = stats(ft);
    assert_int_equal(st.flows_created, 6);
    assert_int_equal(st.flows_tcp, 3);
    assert_int_equal(st.flows_udp, 1);
    assert_int_equal(st.flows_icmp, 1);
    assert_int_equal(st.flows_other, 1);

    /* Walk the timeouts from the shortest: at exactly last + timeout a flow is still alive,
     * one microsecond later it has ended, and nothing else ended with it. */
    static const int order[] = {2, 0, 4, 3, 5, 1}; /* closed 5, new 10, icmp 20, udp 30, ... */
    for (size_t k = 0; k < 6; k++) {
        int i = order[k];
        uint64_t deadline = T0 + 2 + f[i].timeout;

        sw_flow_expire(ft, deadline);
        assert_int_equal(r->n, k);
        sw_flow_expire(ft, deadline + 1);
        assert_int_equal(r->n, k + 1);
        assert_int_equal(r->v[k].flow_id, f[i].id);
        assert_int_equal(r->v[k].reason, SW_REASON_TIMEOUT);
        assert_int_equal(stats(ft).flows_active, 5 - k);
    }
    st = stats(ft);
    assert_int_equal(st.flows_timeout, 6);
    assert_int_equal(st.flows_ended, 6);
    assert_int_equal(st.flows_evicted, 0);
    finish(ft, T0 + 1000 * SEC);
    assert_int_equal(r->n, 6);
}

static void
packet_after_timeout_ends_old_flow_and_starts_a_new_one(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    struct sw_packet p = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 5353, IP4(10, 0, 0, 9), 53, T0);
    struct sw_flow *f;
    uint64_t old_id;
    bool ts;

    (void)state;
    f = get(ft, &p, NULL);
    old_id = f->ref.flow_id;
    /* exactly at the timeout: same flow */
    p.ts_us = T0 + TO_UDP;
    assert_int_equal(get(ft, &p, NULL)->ref.flow_id, old_id);
    assert_int_equal(r->n, 0);

    /* the reply direction, one microsecond past the timeout of the last packet */
    struct sw_packet a = reverse(&p);
    a.ts_us = T0 + 2 * TO_UDP + 1;
    f = get(ft, &a, &ts);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].flow_id, old_id);
    assert_int_equal(r->v[0].reason, SW_REASON_TIMEOUT);
    assert_int_equal(r->v[0].counts.pkts_toserver, 2);
    assert_int_equal(r->v[0].counts.end_us, T0 + TO_UDP);
    /* the new flow starts with this packet, whose sender is its originator */
    assert_int_not_equal(f->ref.flow_id, old_id);
    assert_true(ts);
    assert_int_equal(f->counts.pkts_toserver, 1);
    assert_int_equal(f->counts.pkts_toclient, 0);
    assert_int_equal(f->counts.start_us, a.ts_us);
    assert_int_equal(f->ref.sport, 53);

    struct sw_worker_stats st = stats(ft);
    assert_int_equal(st.flows_created, 2);
    assert_int_equal(st.flows_timeout, 1);
    assert_int_equal(st.flows_ended, 1);
    assert_int_equal(st.flows_active, 1);
    finish(ft, a.ts_us);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->v[1].reason, SW_REASON_SHUTDOWN);
}

/* For each timeout class: a packet exactly one timeout after the last one continues the flow,
 * a packet one microsecond later ends it (timeout) and starts a new one. */
static void
next_packet_after_each_class_timeout_starts_a_new_flow(void **state)
{
    const uint32_t a = IP4(10, 9, 0, 1), b = IP4(10, 9, 0, 2);
    static const struct {
        const char *what;
        uint64_t timeout;
    } cls[] = {
        {"udp", TO_UDP},         {"icmp", TO_ICMP},       {"other", TO_OTHER},
        {"tcp_new", TO_TCP_NEW}, {"tcp_est", TO_TCP_EST}, {"tcp_closed", TO_TCP_CLOSED},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
        struct rec *r = &g_rec[0];
        struct sw_flow_table *ft = table(100, r);
        struct sw_packet p;
        struct sw_flow *f;
        uint64_t id, last;

        if (i == 0)
            p = pkt4(IPPROTO_UDP, a, 1000, b, 53, T0);
        else if (i == 1)
            p = icmp4(a, b, 8, 0, T0);
        else if (i == 2)
            p = pkt4(IPPROTO_GRE, a, 0, b, 0, T0);
        else if (i == 3)
            p = tcp4(a, 1000, b, 80, TH_SYN, T0);
        else
            p = tcp4(a, 1000, b, 443, i == 4 ? TH_ACK : TH_RST, T0 + 2);
        if (i == 4)
            establish(ft, a, 1000, b, T0);
        f = get(ft, &p, NULL);
        id = f->ref.flow_id;
        last = p.ts_us;
        if (f->tclass != (i < 3 ? SW_TC_UDP + i : SW_TC_TCP_NEW + (i - 3)))
            fail_msg("%s: flow in timeout class %u", cls[i].what, f->tclass);

        p.ts_us = last + cls[i].timeout;
        p.tcp_flags = i == 3 ? TH_SYN : TH_ACK;
        f = get(ft, &p, NULL);
        if (f->ref.flow_id != id || r->n != 0)
            fail_msg("%s: ended at exactly its timeout", cls[i].what);

        p.ts_us += cls[i].timeout + 1;
        f = get(ft, &p, NULL);
        if (f->ref.flow_id == id || r->n != 1)
            fail_msg("%s: did not end one microsecond after its timeout", cls[i].what);
        assert_int_equal(r->v[0].flow_id, id);
        assert_int_equal(r->v[0].reason, SW_REASON_TIMEOUT);
        assert_int_equal(f->counts.start_us, p.ts_us);
        assert_int_equal(stats(ft).flows_timeout, 1);
        finish(ft, 0);
    }
}

static void
tcp_timeout_class_follows_state(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    const uint32_t c = IP4(10, 1, 0, 1), s = IP4(10, 2, 0, 1);
    struct sw_flow *f;
    uint64_t id;

    (void)state;
    /* a lone SYN: tcp_new timeout */
    struct sw_packet syn = tcp4(c, 3000, s, 22, TH_SYN, T0);
    f = get(ft, &syn, NULL);
    assert_int_equal(f->tclass, SW_TC_TCP_NEW);
    id = f->ref.flow_id;
    syn.ts_us = T0 + TO_TCP_NEW + 1;
    f = get(ft, &syn, NULL); /* retransmitted after tcp_new: a new flow */
    assert_int_not_equal(f->ref.flow_id, id);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].reason, SW_REASON_TIMEOUT);
    assert_int_equal(r->v[0].state, SW_STATE_NEW);

    /* established: survives tcp_new, not tcp_established */
    f = establish(ft, c, 3001, s, T0);
    id = f->ref.flow_id;
    assert_int_equal(f->tclass, SW_TC_TCP_ESTABLISHED);
    struct sw_packet data = tcp4(c, 3001, s, 443, TH_ACK | TH_PSH, T0 + 2 + TO_TCP_NEW + 1);
    assert_int_equal(get(ft, &data, NULL)->ref.flow_id, id);
    sw_flow_expire(ft, data.ts_us + TO_TCP_EST);
    assert_int_equal(r->n, 2); /* only the retransmitted SYN's flow (tcp_new) */
    assert_int_not_equal(r->v[1].flow_id, id);
    sw_flow_expire(ft, data.ts_us + TO_TCP_EST + 1);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->v[find_ended(r, id)].reason, SW_REASON_TIMEOUT);
    assert_int_equal(r->v[find_ended(r, id)].state, SW_STATE_ESTABLISHED);
    finish(ft, T0);
}

/* --- TCP state ------------------------------------------------------------------------- */

static void
tcp_handshake_establishes_and_records_flags_per_direction(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    const uint32_t c = IP4(192, 0, 2, 1), s = IP4(198, 51, 100, 1);
    struct sw_packet syn = tcp4(c, 40001, s, 80, TH_SYN, T0);
    struct sw_packet synack = tcp4(s, 80, c, 40001, TH_SYN | TH_ACK, T0 + 1);
    struct sw_packet ack = tcp4(c, 40001, s, 80, TH_ACK, T0 + 2);
    struct sw_flow *f;

    (void)state;
    f = get(ft, &syn, NULL);
    assert_int_equal(f->state, SW_STATE_NEW);
    get(ft, &synack, NULL);
    assert_int_equal(f->state, SW_STATE_NEW); /* server spoke, but with a SYN */
    get(ft, &ack, NULL);
    assert_int_equal(f->state, SW_STATE_ESTABLISHED);
    assert_int_equal(f->tclass, SW_TC_TCP_ESTABLISHED);
    assert_int_equal(f->counts.tcp_flags_ts, TH_SYN | TH_ACK);
    assert_int_equal(f->counts.tcp_flags_tc, TH_SYN | TH_ACK);

    /* retransmitted SYNs alone never establish */
    struct sw_packet syn2 = tcp4(c, 40002, s, 80, TH_SYN, T0);
    struct sw_flow *g = get(ft, &syn2, NULL);
    get(ft, &syn2, NULL);
    get(ft, &syn2, NULL);
    assert_int_equal(g->state, SW_STATE_NEW);
    finish(ft, T0);
}

static void
fin_from_both_sides_closes_and_tcp_closed_timeout_applies(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    const uint32_t c = IP4(10, 0, 0, 1), s = IP4(10, 0, 0, 2);
    struct sw_flow *f = establish(ft, c, 5000, s, T0);
    uint64_t id = f->ref.flow_id;

    (void)state;
    struct sw_packet fin1 = tcp4(c, 5000, s, 443, TH_FIN | TH_ACK, T0 + 10);
    get(ft, &fin1, NULL);
    assert_int_equal(f->state, SW_STATE_ESTABLISHED); /* half closed */
    get(ft, &fin1, NULL);                             /* a retransmitted FIN: still half */
    assert_int_equal(f->state, SW_STATE_ESTABLISHED);
    struct sw_packet fin2 = tcp4(s, 443, c, 5000, TH_FIN | TH_ACK, T0 + 20);
    get(ft, &fin2, NULL);
    assert_int_equal(f->state, SW_STATE_CLOSED);
    assert_int_equal(f->tclass, SW_TC_TCP_CLOSED);
    struct sw_packet last_ack = tcp4(c, 5000, s, 443, TH_ACK, T0 + 30);
    get(ft, &last_ack, NULL);
    assert_int_equal(f->state, SW_STATE_CLOSED); /* never reopens */

    sw_flow_expire(ft, T0 + 30 + TO_TCP_CLOSED);
    assert_int_equal(r->n, 0);
    sw_flow_expire(ft, T0 + 30 + TO_TCP_CLOSED + 1);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].flow_id, id);
    assert_int_equal(r->v[0].state, SW_STATE_CLOSED);
    assert_int_equal(r->v[0].reason, SW_REASON_TIMEOUT);
    assert_int_equal(r->v[0].counts.tcp_flags_ts, TH_SYN | TH_ACK | TH_FIN);
    assert_int_equal(r->v[0].counts.tcp_flags_tc, TH_SYN | TH_ACK | TH_FIN);
    finish(ft, T0);
}

static void
rst_from_either_side_closes(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    const uint32_t c = IP4(10, 0, 0, 1), s = IP4(10, 0, 0, 2);
    struct sw_flow *f1 = establish(ft, c, 6000, s, T0);
    struct sw_flow *f2 = establish(ft, c, 6001, s, T0);

    (void)state;
    struct sw_packet rst_c = tcp4(c, 6000, s, 443, TH_RST, T0 + 5);
    struct sw_packet rst_s = tcp4(s, 443, c, 6001, TH_RST | TH_ACK, T0 + 5);
    get(ft, &rst_c, NULL);
    get(ft, &rst_s, NULL);
    assert_int_equal(f1->state, SW_STATE_CLOSED);
    assert_int_equal(f2->state, SW_STATE_CLOSED);
    assert_int_equal(f1->tclass, SW_TC_TCP_CLOSED);
    assert_int_equal(f2->counts.tcp_flags_tc & TH_RST, TH_RST);

    /* a SYN answered by RST: closed without ever being established */
    struct sw_packet syn = tcp4(c, 6002, s, 81, TH_SYN, T0);
    struct sw_packet rst = tcp4(s, 81, c, 6002, TH_RST | TH_ACK, T0 + 1);
    struct sw_flow *f3 = get(ft, &syn, NULL);
    get(ft, &rst, NULL);
    assert_int_equal(f3->state, SW_STATE_CLOSED);

    sw_flow_expire(ft, T0 + 5 + TO_TCP_CLOSED + 1);
    assert_int_equal(r->n, 3);
    finish(ft, T0);
}

/* --- eviction and teardown ------------------------------------------------------------- */

static void
full_table_evicts_the_least_recently_seen_flow(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(3, r);
    const uint32_t a = IP4(10, 0, 0, 1), b = IP4(10, 0, 0, 2);
    struct sw_packet udp = pkt4(IPPROTO_UDP, a, 1, b, 53, T0 + 1);
    struct sw_packet icmp = icmp4(a, b, 8, 0, T0 + 2);
    struct sw_packet tcp = tcp4(a, 2, b, 80, TH_SYN, T0 + 3);
    uint64_t id_udp, id_icmp, id_tcp;

    (void)state;
    /* three flows in three timeout classes */
    id_udp = get(ft, &udp, NULL)->ref.flow_id;
    id_icmp = get(ft, &icmp, NULL)->ref.flow_id;
    id_tcp = get(ft, &tcp, NULL)->ref.flow_id;
    /* the UDP flow is seen again: now the ICMP one is the least recently seen */
    udp.ts_us = T0 + 4;
    get(ft, &udp, NULL);
    assert_int_equal(r->n, 0);

    struct sw_packet other = pkt4(IPPROTO_UDP, a, 3, b, 53, T0 + 5);
    get(ft, &other, NULL);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].flow_id, id_icmp);
    assert_int_equal(r->v[0].reason, SW_REASON_FORCED);

    struct sw_packet other2 = pkt4(IPPROTO_UDP, a, 4, b, 53, T0 + 6);
    get(ft, &other2, NULL);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->v[1].flow_id, id_tcp);
    assert_int_equal(r->v[1].reason, SW_REASON_FORCED);

    struct sw_worker_stats st = stats(ft);
    assert_int_equal(st.flows_created, 5);
    assert_int_equal(st.flows_evicted, 2);
    assert_int_equal(st.flows_ended, 2);
    assert_int_equal(st.flows_timeout, 0);
    assert_int_equal(st.flows_active, 3);
    assert_int_equal(st.flow_memcap_drops, 0);

    /* The evicted ICMP flow comes back as a new flow (evicting the next oldest, UDP 1). */
    icmp.ts_us = T0 + 7;
    uint64_t id_icmp2 = get(ft, &icmp, NULL)->ref.flow_id;
    assert_int_not_equal(id_icmp2, id_icmp);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->v[2].flow_id, id_udp);

    finish(ft, T0 + 8);
    /* on_end exactly once per flow: 6 created, 6 distinct ends */
    assert_int_equal(r->n, 6);
    for (size_t i = 0; i < r->n; i++)
        for (size_t j = i + 1; j < r->n; j++)
            assert_int_not_equal(r->v[i].flow_id, r->v[j].flow_id);
}

static void
max_flows_zero_still_keeps_one_flow(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(0, r);
    struct sw_packet p = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 1, IP4(10, 0, 0, 2), 2, T0);
    struct sw_packet q = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 3, IP4(10, 0, 0, 2), 4, T0 + 1);

    (void)state;
    get(ft, &p, NULL);
    get(ft, &q, NULL);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].reason, SW_REASON_FORCED);
    assert_int_equal(stats(ft).flows_active, 1);
    finish(ft, T0 + 1);
}

static void
destroy_ends_remaining_flows_as_shutdown_or_timeout_by_now(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    struct sw_packet old = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 1, IP4(10, 0, 0, 2), 53, T0);
    struct sw_packet recent =
        pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 2, IP4(10, 0, 0, 2), 53, T0 + TO_UDP);
    struct sw_packet tcp = tcp4(IP4(10, 0, 0, 1), 3, IP4(10, 0, 0, 2), 80, TH_SYN, T0 + TO_UDP);
    uint64_t id_old, id_recent, id_tcp;

    (void)state;
    id_old = get(ft, &old, NULL)->ref.flow_id;
    id_recent = get(ft, &recent, NULL)->ref.flow_id;
    id_tcp = get(ft, &tcp, NULL)->ref.flow_id;
    finish(ft, T0 + TO_UDP + 1);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->v[find_ended(r, id_old)].reason, SW_REASON_TIMEOUT);
    assert_int_equal(r->v[find_ended(r, id_recent)].reason, SW_REASON_SHUTDOWN);
    assert_int_equal(r->v[find_ended(r, id_tcp)].reason, SW_REASON_SHUTDOWN);

    /* NULL is fine */
    sw_flow_table_destroy(NULL, 0);
}

#define NBIG 100000u

static struct sw_packet
nth_flow_packet(uint32_t i, uint64_t ts)
{
    /* distinct host pairs and ports, with some flows sharing a host pair */
    return pkt4(IPPROTO_UDP, IP4(10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff),
                (uint16_t)(1024 + i % 50000), IP4(172, 16, (i >> 12) & 0xf, 1),
                (uint16_t)(53 + i % 7), ts);
}

static void
hundred_thousand_flows_grow_the_buckets_and_are_all_found_again(void **state)
{
    static uint64_t ids[NBIG];
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(2 * NBIG, r);
    struct sw_worker_stats st;

    (void)state;
    for (uint32_t i = 0; i < NBIG; i++) {
        struct sw_packet p = nth_flow_packet(i, T0 + i);

        ids[i] = get(ft, &p, NULL)->ref.flow_id;
    }
    st = stats(ft);
    assert_int_equal(st.flows_created, NBIG);
    assert_int_equal(st.flows_active, NBIG);
    /* memuse counts the bucket array: it grew past 100000 buckets (a power of two) */
    uint64_t buckets = (st.flow_memuse - NBIG * sizeof(struct sw_flow)) / sizeof(void *);
    assert_int_equal(buckets, 131072);

    for (uint32_t i = 0; i < NBIG; i++) {
        struct sw_packet p = nth_flow_packet(i, T0 + NBIG + i);
        struct sw_packet q = reverse(&p);
        bool ts;
        struct sw_flow *f = get(ft, &q, &ts);

        assert_false(ts);
        assert_int_equal(f->ref.flow_id, ids[i]);
        assert_int_equal(f->counts.pkts_toclient, 1);
        assert_int_equal(f->counts.pkts_toserver, 1);
    }
    st = stats(ft);
    assert_int_equal(st.flows_created, NBIG);
    assert_int_equal(st.flows_ended, 0);
    finish(ft, T0 + 2 * NBIG);
    assert_int_equal(r->n, NBIG);
    for (size_t i = 0; i < r->n; i++)
        assert_int_equal(r->v[i].reason, SW_REASON_SHUTDOWN);
}

/* --- identity and time ---------------------------------------------------------------- */

static void
flow_id_depends_on_key_and_start_only_and_stays_below_2_pow_52(void **state)
{
    struct rec *r1 = &g_rec[0], *r2 = &g_rec[1];
    struct sw_flow_table *t1 = table(1000, r1);
    struct sw_flow_table *t2 = table(1000, r2);
    struct sw_packet p = tcp4(IP4(10, 0, 0, 1), 1234, IP4(10, 0, 0, 2), 80, TH_SYN, T0);
    struct sw_packet q = reverse(&p);
    uint64_t seed = 99;

    (void)state;
    /* another table (another worker, another run): same id */
    uint64_t id = get(t1, &p, NULL)->ref.flow_id;
    assert_int_equal(get(t2, &p, NULL)->ref.flow_id, id);
    finish(t2, T0);
    /* the same key started from the other side at the same time: same id */
    t2 = table(1000, r2);
    assert_int_equal(get(t2, &q, NULL)->ref.flow_id, id);
    finish(t2, T0);
    /* same key, another start: another id */
    t2 = table(1000, r2);
    p.ts_us = T0 + 1;
    assert_int_not_equal(get(t2, &p, NULL)->ref.flow_id, id);
    finish(t2, T0);

    for (int i = 0; i < 500; i++) {
        struct sw_packet x = random_packet(&seed);

        x.ts_us = xorshift(&seed);
        assert_true(get(t1, &x, NULL)->ref.flow_id < (1ull << 52));
    }
    finish(t1, 0);
}

static void
older_packet_does_not_move_last_seen_or_end_back(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    struct sw_packet p =
        pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 1, IP4(10, 0, 0, 2), 53, T0 + 10 * SEC);
    struct sw_flow *f;

    (void)state;
    f = get(ft, &p, NULL);
    assert_int_equal(f->last_us, T0 + 10 * SEC);
    p.ts_us = T0 + 5 * SEC;
    assert_ptr_equal(get(ft, &p, NULL), f);
    assert_int_equal(f->last_us, T0 + 10 * SEC);
    assert_int_equal(f->counts.end_us, T0 + 10 * SEC);
    assert_int_equal(f->counts.start_us, T0 + 10 * SEC);
    assert_int_equal(f->counts.pkts_toserver, 2);
    /* its timeout still runs from the newest packet */
    sw_flow_expire(ft, T0 + 10 * SEC + TO_UDP);
    assert_int_equal(r->n, 0);
    sw_flow_expire(ft, T0 + 10 * SEC + TO_UDP + 1);
    assert_int_equal(r->n, 1);
    /* a packet far in the past of a live flow does not end it either */
    p.ts_us = T0 + 100 * SEC;
    f = get(ft, &p, NULL);
    p.ts_us = T0;
    assert_ptr_equal(get(ft, &p, NULL), f);
    assert_int_equal(r->n, 1);
    finish(ft, T0);
}

/* Regression (flow.c, sw_flow_get), fixed: a packet older than its flow's last_us still moves the flow to
 * the tail of its LRU list although last_us stays put, so the list is no longer ordered by
 * last_us. Expiry and eviction only look at list heads, so sw_flow_expire() stops at a
 * younger head and leaves a flow idle past its timeout alive (this test), and eviction picks
 * a flow that is not the least recently seen (the next one). Captures that go back in time
 * (merged files, which the code comments on) trigger it. Both fail until a flow keeps its
 * LRU place when p->ts_us < f->last_us (or the list is kept ordered by last_us). */
static void
older_packet_does_not_delay_expiry_of_its_flow(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(100, r);
    struct sw_packet a = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 1, IP4(10, 0, 0, 2), 53, T0);
    struct sw_packet b = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 2, IP4(10, 0, 0, 2), 53, T0 + SEC);
    uint64_t id_a;

    (void)state;
    id_a = get(ft, &a, NULL)->ref.flow_id;
    get(ft, &b, NULL);
    a.ts_us = T0 - SEC; /* an old packet of flow A: A was last seen at T0, B at T0 + 1 s */
    get(ft, &a, NULL);

    /* A is idle past the UDP timeout, B is not */
    sw_flow_expire(ft, T0 + TO_UDP + 1);
    assert_int_equal(r->n, 1); /* fails: 0, A hides behind B */
    assert_int_equal(r->v[0].flow_id, id_a);
    finish(ft, T0);
}

/* Regression: see older_packet_does_not_delay_expiry_of_its_flow. */
static void
older_packet_does_not_protect_its_flow_from_eviction(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(2, r);
    struct sw_packet a = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 1, IP4(10, 0, 0, 2), 53, T0);
    struct sw_packet b = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 2, IP4(10, 0, 0, 2), 53, T0 + SEC);
    struct sw_packet c = pkt4(IPPROTO_UDP, IP4(10, 0, 0, 1), 3, IP4(10, 0, 0, 2), 53, T0 + 2 * SEC);
    uint64_t id_a;

    (void)state;
    id_a = get(ft, &a, NULL)->ref.flow_id;
    get(ft, &b, NULL);
    a.ts_us = T0 - SEC;
    get(ft, &a, NULL);
    /* full: A (last seen T0) is the least recently seen, not B (T0 + 1 s) */
    get(ft, &c, NULL);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].reason, SW_REASON_FORCED);
    assert_int_equal(r->v[0].flow_id, id_a); /* fails: B was evicted */
    finish(ft, T0);
}

/* --- allocation failures ---------------------------------------------------------------- */

/* One run with the n-th allocation failing: a table with eviction, timeouts and both
 * directions. Returns true when the failure was hit (create failed or a packet got no
 * flow), false when the run made fewer than n allocations. */
static bool
alloc_scenario(unsigned long n)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_cfg c = cfg_with(16);
    struct sw_err err;
    struct sw_flow_table *ft;
    uint64_t drops = 0;
    bool hit = false;

    rec_free(r);
    memset(&err, 0, sizeof(err));
    sw_alloc_fail_at(n);
    ft = sw_flow_table_create(&c, on_end, r, &err);
    if (ft == NULL) {
        sw_alloc_fail_at(0);
        assert_int_equal(err.code, SW_ENOMEM);
        assert_true(err.msg[0] != '\0');
        return true;
    }
    g_live[0] = ft; /* for the teardown, should an assertion fail */
    for (uint32_t i = 0; i < 40; i++) {
        struct sw_packet p = nth_flow_packet(i % 24, T0 + i * SEC);
        struct sw_packet q = reverse(&p);
        bool ts;

        if (i % 3 == 0)
            p.l4_proto = IPPROTO_GRE;
        if (sw_flow_get(ft, &p, &ts) == NULL)
            drops++;
        q.ts_us++;
        if (sw_flow_get(ft, &q, &ts) == NULL)
            drops++;
        if (i == 30)
            sw_flow_expire(ft, T0 + i * SEC + TO_UDP / 2);
    }
    sw_alloc_fail_at(0);
    hit = drops > 0;

    struct sw_worker_stats st = stats(ft);
    assert_int_equal(st.flow_memcap_drops, drops);
    assert_true(drops <= 1);
    assert_int_equal(st.flows_active, st.flows_created - st.flows_ended);
    assert_true(st.flows_active <= 16);
    finish(ft, T0 + 40 * SEC);
    assert_false(r->oom);
    assert_int_equal(r->n, st.flows_created); /* every created flow ended exactly once */
    return hit;
}

static void
allocation_failure_sweep_drops_a_packet_cleanly(void **state)
{
    unsigned long n;

    (void)state;
    for (n = 1; n < 500; n++) {
        if (!alloc_scenario(n))
            break;
    }
    assert_true(n > 20); /* the scenario allocates a flow at a time */
    assert_true(n < 500);
}

static void
failed_bucket_growth_loses_no_flow(void **state)
{
    struct rec *r = &g_rec[0];
    struct sw_flow_table *ft = table(10000, r);
    struct sw_worker_stats st;

    (void)state;
    for (uint32_t i = 0; i < 1023; i++) {
        struct sw_packet p = nth_flow_packet(i, T0);

        get(ft, &p, NULL);
    }
    /* the 1024th flow reaches load 1: its allocation succeeds, the growth's fails */
    struct sw_packet p = nth_flow_packet(1023, T0);
    sw_alloc_fail_at(2);
    get(ft, &p, NULL);
    sw_alloc_fail_at(0);
    st = stats(ft);
    assert_int_equal(st.flows_active, 1024);
    assert_int_equal(st.flow_memcap_drops, 0);
    assert_int_equal(st.flow_memuse, 1024 * sizeof(struct sw_flow) + 1024 * sizeof(void *));
    for (uint32_t i = 0; i < 1024; i++) {
        struct sw_packet q = nth_flow_packet(i, T0 + 1);
        struct sw_packet rq = reverse(&q);

        assert_int_equal(get(ft, &rq, NULL)->counts.pkts_toclient, 1);
    }
    assert_int_equal(stats(ft).flows_created, 1024);
    /* the next flow grows the table after all */
    p = nth_flow_packet(1024, T0 + 2);
    get(ft, &p, NULL);
    st = stats(ft);
    assert_int_equal(st.flow_memuse, 1025 * sizeof(struct sw_flow) + 2048 * sizeof(void *));
    finish(ft, T0 + 2);
    assert_int_equal(r->n, 1025);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(reverse_packet_finds_same_flow_and_counts_to_client, teardown),
        cmocka_unit_test_teardown(udp_flow_is_established_once_answered, teardown),
        cmocka_unit_test_teardown(same_address_different_ports_are_two_directions, teardown),
        cmocka_unit_test_teardown(packet_and_host_hashes_are_symmetric_for_random_tuples, teardown),
        cmocka_unit_test_teardown(flows_colliding_under_one_key_spread_under_another, teardown),
        cmocka_unit_test_teardown(random_hash_keys_differ_between_draws, teardown),
        cmocka_unit_test_teardown(host_hash_ignores_ports_and_protocol_but_packet_hash_does_not,
                                  teardown),
        cmocka_unit_test_teardown(different_vlans_are_different_flows, teardown),
        cmocka_unit_test_teardown(icmp_echo_request_and_reply_are_one_flow, teardown),
        cmocka_unit_test_teardown(icmp_unreachable_and_echo_are_different_flows, teardown),
        cmocka_unit_test_teardown(icmp_echo_to_self_counts_the_reply_to_client, teardown),
        cmocka_unit_test_teardown(expire_uses_each_protocols_idle_timeout, teardown),
        cmocka_unit_test_teardown(packet_after_timeout_ends_old_flow_and_starts_a_new_one,
                                  teardown),
        cmocka_unit_test_teardown(next_packet_after_each_class_timeout_starts_a_new_flow, teardown),
        cmocka_unit_test_teardown(tcp_timeout_class_follows_state, teardown),
        cmocka_unit_test_teardown(tcp_handshake_establishes_and_records_flags_per_direction,
                                  teardown),
        cmocka_unit_test_teardown(fin_from_both_sides_closes_and_tcp_closed_timeout_applies,
                                  teardown),
        cmocka_unit_test_teardown(rst_from_either_side_closes, teardown),
        cmocka_unit_test_teardown(full_table_evicts_the_least_recently_seen_flow, teardown),
        cmocka_unit_test_teardown(max_flows_zero_still_keeps_one_flow, teardown),
        cmocka_unit_test_teardown(destroy_ends_remaining_flows_as_shutdown_or_timeout_by_now,
                                  teardown),
        cmocka_unit_test_teardown(hundred_thousand_flows_grow_the_buckets_and_are_all_found_again,
                                  teardown),
        cmocka_unit_test_teardown(flow_id_depends_on_key_and_start_only_and_stays_below_2_pow_52,
                                  teardown),
        cmocka_unit_test_teardown(older_packet_does_not_move_last_seen_or_end_back, teardown),
        cmocka_unit_test_teardown(older_packet_does_not_delay_expiry_of_its_flow, teardown),
        cmocka_unit_test_teardown(older_packet_does_not_protect_its_flow_from_eviction, teardown),
        cmocka_unit_test_teardown(allocation_failure_sweep_drops_a_packet_cleanly, teardown),
        cmocka_unit_test_teardown(failed_bucket_growth_loses_no_flow, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
