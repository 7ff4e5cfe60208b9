/* test_decode.c - the decode path: link layers, VLAN/MPLS/PPPoE, IPv4/IPv6, L4, tunnels.
 *
 * Packets are built byte by byte here. Every decode runs on an exact-size heap copy of the
 * frame, so an over-read is an ASan error in the SAN build, and every result is checked
 * against the field invariants other modules rely on. The corpus tests read real captures
 * from ../shared/corpus when it is there and skip otherwise. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sw/decode.h"
#include "sw/packet.h"

enum {
    LT_NULL = 0,
    LT_ETH = 1,
    LT_PPP = 9,
    LT_RAW = 12,
    LT_RAW_BSD = 14,
    LT_PPP_SERIAL = 50,
    LT_RAW_FILE = 101,
    LT_C_HDLC = 104,
    LT_LOOP = 108,
    LT_SLL = 113,
    LT_IPV4 = 228,
    LT_IPV6 = 229,
    LT_SLL2 = 276,
};

#define PKT_MAX 2048
#define FIX_MAX 16

#define IP_A 0x0a000001u /* 10.0.0.1: outer */
#define IP_B 0x0a000002u
#define IP_C 0xc0a80001u /* 192.168.0.1: inner */
#define IP_D 0xc0a80002u

static const uint8_t V6_A[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t V6_B[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t V6_C[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t V6_D[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

/* --- packet builder ----------------------------------------------------------------------- */

enum fix_kind { FIX_IP4, FIX_IP6, FIX_UDP, FIX_GTP };

struct pkt {
    uint8_t b[PKT_MAX];
    uint32_t n;
    uint32_t fix_off[FIX_MAX];
    enum fix_kind fix_kind[FIX_MAX];
    unsigned nfix;
};

static void
pkt_init(struct pkt *k)
{
    k->n = 0;
    k->nfix = 0;
}

static void
put8(struct pkt *k, unsigned v)
{
    assert_true(k->n < PKT_MAX);
    k->b[k->n++] = (uint8_t)v;
}

static void
put16(struct pkt *k, unsigned v)
{
    put8(k, v >> 8);
    put8(k, v & 0xff);
}

static void
put32(struct pkt *k, uint32_t v)
{
    put16(k, v >> 16);
    put16(k, v & 0xffff);
}

static void
putn(struct pkt *k, const uint8_t *src, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        put8(k, src[i]);
}

static void
putfill(struct pkt *k, unsigned v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        put8(k, v);
}

static void
set8(struct pkt *k, uint32_t at, unsigned v)
{
    k->b[at] = (uint8_t)v;
}

static void
set16(struct pkt *k, uint32_t at, unsigned v)
{
    k->b[at] = (uint8_t)(v >> 8);
    k->b[at + 1] = (uint8_t)v;
}

static void
add_fix(struct pkt *k, enum fix_kind kind, uint32_t off)
{
    assert_true(k->nfix < FIX_MAX);
    k->fix_kind[k->nfix] = kind;
    k->fix_off[k->nfix++] = off;
}

/* Set every length field recorded so far to reach the current end of the packet. */
static void
fin(struct pkt *k)
{
    unsigned i;

    for (i = 0; i < k->nfix; i++) {
        uint32_t o = k->fix_off[i];

        switch (k->fix_kind[i]) {
        case FIX_IP4:
            set16(k, o + 2, k->n - o);
            break;
        case FIX_IP6:
            set16(k, o + 4, k->n - o - 40);
            break;
        case FIX_UDP:
            set16(k, o + 4, k->n - o);
            break;
        case FIX_GTP:
            set16(k, o + 2, k->n - o - 8);
            break;
        }
    }
}

static uint32_t
eth(struct pkt *k, unsigned type)
{
    static const uint8_t macs[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                     0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    uint32_t o = k->n;

    putn(k, macs, sizeof(macs));
    put16(k, type);
    return o;
}

/* One tag: TCI then the next Ethertype (the TPID was the previous Ethertype). */
static void
vlan(struct pkt *k, unsigned vid, unsigned next)
{
    put16(k, 0x2000 | vid); /* PCP 1 */
    put16(k, next);
}

static uint32_t
ip4_opts(struct pkt *k, unsigned proto, uint32_t src, uint32_t dst, const uint8_t *opt,
         size_t optlen)
{
    uint32_t o = k->n;

    put8(k, 0x40 | (unsigned)(5 + optlen / 4));
    put8(k, 0);
    put16(k, 0); /* total length: fin() */
    put16(k, 0x1234);
    put16(k, 0x4000); /* DF */
    put8(k, 64);
    put8(k, proto);
    put16(k, 0);
    put32(k, src);
    put32(k, dst);
    putn(k, opt, optlen);
    add_fix(k, FIX_IP4, o);
    return o;
}

static uint32_t
ip4(struct pkt *k, unsigned proto, uint32_t src, uint32_t dst)
{
    return ip4_opts(k, proto, src, dst, NULL, 0);
}

static uint32_t
ip6(struct pkt *k, unsigned nh, const uint8_t *src, const uint8_t *dst)
{
    uint32_t o = k->n;

    put32(k, 0x60000000);
    put16(k, 0); /* payload length: fin() */
    put8(k, nh);
    put8(k, 64);
    putn(k, src, 16);
    putn(k, dst, 16);
    add_fix(k, FIX_IP6, o);
    return o;
}

static uint32_t
tcp(struct pkt *k, unsigned sport, unsigned dport)
{
    uint32_t o = k->n;

    put16(k, sport);
    put16(k, dport);
    put32(k, 0x01020304);
    put32(k, 0x05060708);
    put8(k, 0x50);
    put8(k, 0x18); /* PSH ACK */
    put16(k, 0xfaf0);
    put16(k, 0);
    put16(k, 0);
    return o;
}

static uint32_t
udp(struct pkt *k, unsigned sport, unsigned dport)
{
    uint32_t o = k->n;

    put16(k, sport);
    put16(k, dport);
    put16(k, 0); /* length: fin() */
    put16(k, 0);
    add_fix(k, FIX_UDP, o);
    return o;
}

static void
payload(struct pkt *k, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        put8(k, 'a' + (unsigned)(i % 26));
}

/* --- decoding ----------------------------------------------------------------------------- */

static uint8_t *g_frame; /* the exact-size copy the last decode read */

static int
teardown_frame(void **state)
{
    (void)state;
    free(g_frame);
    g_frame = NULL;
    return 0;
}

static struct sw_decode_cfg
cfg_default(void)
{
    struct sw_decode_cfg cfg;

    sw_decode_cfg_defaults(&cfg);
    return cfg;
}

/* The field contract of a decoded packet (decode.h, packet.h). */
static void
check_invariants(const struct sw_packet *p, enum sw_decode_rc rc)
{
    assert_true(p->vlan_count <= SW_MAX_VLANS);
    assert_true(p->tunnel <= SW_TUNNEL_GENEVE);
    assert_true(p->decode_event < SW_DEV_MAX);
    switch (rc) {
    case SW_DECODE_OK:
        assert_true(p->ip_version == 4 || p->ip_version == 6);
        assert_true(p->l3_off <= p->caplen);
        assert_int_equal(p->l3_caplen, p->caplen - p->l3_off);
        assert_true(p->l3_len <= p->l3_caplen);
        assert_true(p->l4_off >= p->l3_off);
        assert_true((uint64_t)p->l4_off + p->l4_len <= (uint64_t)p->l3_off + p->l3_len);
        assert_true(p->payload_off >= p->l4_off);
        assert_true((uint64_t)p->payload_off + p->payload_len <=
                    (uint64_t)p->l4_off + p->l4_len);
        if (p->l4_proto != 6 && p->l4_proto != 17 && p->l4_proto != 132) {
            assert_int_equal(p->sport, 0);
            assert_int_equal(p->dport, 0);
        }
        if (p->ip_version == 4) {
            static const uint8_t zero[12];

            assert_memory_equal(p->src + 4, zero, 12);
            assert_memory_equal(p->dst + 4, zero, 12);
        }
        break;
    case SW_DECODE_FRAGMENT:
        assert_true(p->frag_data_off >= p->l3_off);
        assert_true((uint64_t)p->frag_data_off + p->frag_data_len <=
                    (uint64_t)p->l3_off + p->l3_len);
        assert_true((uint64_t)p->l3_off + p->l3_len <= p->caplen);
        break;
    case SW_DECODE_INVALID:
        assert_true(p->decode_event != SW_DEV_NONE);
        break;
    case SW_DECODE_NOT_IP:
    case SW_DECODE_LINKTYPE:
        break;
    default:
        fail_msg("unexpected rc %d", (int)rc);
    }
}

static enum sw_decode_rc
run_cfg(const struct pkt *k, uint32_t len, int lt, const struct sw_decode_cfg *cfg,
        struct sw_packet *p, struct sw_decode_stats *st)
{
    enum sw_decode_rc rc;
    uint64_t invalid = st->invalid;

    free(g_frame);
    g_frame = malloc(len > 0 ? len : 1);
    assert_non_null(g_frame);
    memcpy(g_frame, k->b, len);
    memset(p, 0, sizeof(*p));
    p->data = g_frame;
    p->caplen = len;
    p->wirelen = len;
    p->linktype = lt;
    rc = sw_decode_frame(cfg, p, st);
    check_invariants(p, rc);
    if (rc == SW_DECODE_INVALID) {
        assert_int_equal(st->invalid, invalid + 1);
        assert_true(st->events[p->decode_event] > 0);
    }
    return rc;
}

static enum sw_decode_rc
run(const struct pkt *k, int lt, struct sw_packet *p, struct sw_decode_stats *st)
{
    struct sw_decode_cfg cfg = cfg_default();

    return run_cfg(k, k->n, lt, &cfg, p, st);
}

static void
assert_v4(const uint8_t *a, uint32_t v)
{
    uint8_t want[16] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    assert_memory_equal(a, want, 16);
}

/* A decode that must be OK with no event. */
static void
expect_clean_ok(enum sw_decode_rc rc, const struct sw_packet *p)
{
    assert_int_equal(rc, SW_DECODE_OK);
    assert_int_equal(p->decode_event, SW_DEV_NONE);
}

/* --- sample packets (also swept at every length) ------------------------------------------ */

static void
s_eth_ipv4_tcp(struct pkt *k)
{
    eth(k, 0x0800);
    ip4(k, 6, IP_A, IP_B);
    tcp(k, 40000, 443);
    payload(k, 10);
    fin(k);
}

static void
s_eth_ipv6_udp(struct pkt *k)
{
    eth(k, 0x86dd);
    ip6(k, 17, V6_A, V6_B);
    udp(k, 5353, 53);
    payload(k, 12);
    fin(k);
}

static void
s_qinq_ipv4_udp(struct pkt *k)
{
    eth(k, 0x88a8);
    vlan(k, 100, 0x8100);
    vlan(k, 200, 0x0800);
    ip4(k, 17, IP_A, IP_B);
    udp(k, 1234, 53);
    payload(k, 4);
    fin(k);
}

static void
s_mpls_ipv4_tcp(struct pkt *k)
{
    eth(k, 0x8847);
    put32(k, (1000u << 12) | (0 << 9) | 0x00 | 64);      /* label 1000 */
    put32(k, (2000u << 12) | (0 << 9) | 0x100 | 64);     /* label 2000, bottom */
    ip4(k, 6, IP_A, IP_B);
    tcp(k, 1025, 80);
    fin(k);
}

static void
s_pppoe_ipv4_tcp(struct pkt *k)
{
    uint32_t o;

    eth(k, 0x8864);
    o = k->n;
    put8(k, 0x11);
    put8(k, 0x00);
    put16(k, 0x0001);
    put16(k, 0); /* PPPoE length: set below */
    put16(k, 0x0021);
    ip4(k, 6, IP_A, IP_B);
    tcp(k, 1025, 80);
    payload(k, 3);
    fin(k);
    set16(k, o + 4, k->n - o - 6);
}

static void
s_ipv4_options_icmp(struct pkt *k)
{
    static const uint8_t opts[8] = {0x01, 0x07, 0x07, 0x04, 0, 0, 0, 0}; /* NOP, RR(7) */

    eth(k, 0x0800);
    ip4_opts(k, 1, IP_A, IP_B, opts, sizeof(opts));
    put8(k, 8);
    put8(k, 0);
    put16(k, 0);
    put32(k, 0x00010002);
    payload(k, 8);
    fin(k);
}

static void
s_ipv6_exthdrs_tcp(struct pkt *k)
{
    eth(k, 0x86dd);
    ip6(k, 0, V6_A, V6_B);
    /* hop-by-hop, 8 bytes: next dst opts, PadN */
    put8(k, 60);
    put8(k, 0);
    put8(k, 1);
    put8(k, 4);
    put32(k, 0);
    /* destination options, 16 bytes: next routing */
    put8(k, 43);
    put8(k, 1);
    put8(k, 1);
    put8(k, 12);
    putfill(k, 0, 12);
    /* routing type 4 (SRH-like), 8 bytes, segments left 0: next AH */
    put8(k, 51);
    put8(k, 0);
    put8(k, 4);
    put8(k, 0);
    put32(k, 0);
    /* AH: length 4 -> (4 + 2) * 4 = 24 bytes: next TCP */
    put8(k, 6);
    put8(k, 4);
    put16(k, 0);
    put32(k, 0x1000);
    put32(k, 1);
    putfill(k, 0xab, 12);
    tcp(k, 2000, 22);
    payload(k, 5);
    fin(k);
}

static void
s_ipv4_first_fragment(struct pkt *k)
{
    uint32_t o;

    eth(k, 0x0800);
    o = ip4(k, 17, IP_A, IP_B);
    set16(k, o + 4, 0xbeef);
    set16(k, o + 6, 0x2000); /* MF, offset 0 */
    udp(k, 53, 53);
    payload(k, 16);
    fin(k);
    set16(k, o + 20 + 4, 100); /* the UDP length covers the whole datagram */
}

static void
s_ipv6_fragment(struct pkt *k)
{
    eth(k, 0x86dd);
    ip6(k, 44, V6_A, V6_B);
    put8(k, 17);
    put8(k, 0);
    put16(k, (185u << 3) | 1u); /* offset 1480, M */
    put32(k, 0xdeadbeef);
    payload(k, 24);
    fin(k);
}

static void
s_4in4(struct pkt *k)
{
    eth(k, 0x8100);
    vlan(k, 10, 0x0800);
    ip4(k, 4, IP_A, IP_B);
    ip4(k, 17, IP_C, IP_D);
    udp(k, 5000, 6000);
    payload(k, 6);
    fin(k);
}

static void
s_6in4(struct pkt *k)
{
    eth(k, 0x0800);
    ip4(k, 41, IP_A, IP_B);
    ip6(k, 6, V6_C, V6_D);
    tcp(k, 33000, 443);
    payload(k, 2);
    fin(k);
}

static void
s_gtpu(struct pkt *k)
{
    uint32_t g;

    eth(k, 0x0800);
    ip4(k, 17, IP_A, IP_B);
    udp(k, 2152, 2152);
    g = k->n;
    put8(k, 0x34); /* v1, PT, E */
    put8(k, 0xff);
    put16(k, 0);
    put32(k, 0x11223344);
    put16(k, 0x0007); /* sequence */
    put8(k, 0);       /* N-PDU */
    put8(k, 0x85);    /* next: PDU session container */
    put8(k, 1);       /* 4 bytes */
    put8(k, 0x10);
    put8(k, 0x09);
    put8(k, 0);       /* no more */
    add_fix(k, FIX_GTP, g);
    ip4(k, 6, IP_C, IP_D);
    tcp(k, 50000, 80);
    payload(k, 7);
    fin(k);
}

static void
s_tzsp(struct pkt *k)
{
    eth(k, 0x0800);
    ip4(k, 17, IP_A, IP_B);
    udp(k, 40000, 37008);
    put8(k, 1);
    put8(k, 0);
    put16(k, 1);
    put8(k, 10); /* RSSI tag */
    put8(k, 1);
    put8(k, 0xd0);
    put8(k, 0); /* padding */
    put8(k, 1); /* END */
    eth(k, 0x0800);
    ip4(k, 6, IP_C, IP_D);
    tcp(k, 1111, 2222);
    fin(k);
}

static void
capwap_hdr(struct pkt *k, bool native)
{
    put8(k, 0);                    /* preamble */
    put8(k, 4 << 3);               /* HLEN 4 words = 16 bytes */
    put8(k, (1 << 1) | (native ? 1 : 0)); /* WBID 1, T */
    put8(k, 0x00);
    putfill(k, 0, 12);
}

static void
ieee80211_data(struct pkt *k, bool qos)
{
    put8(k, qos ? 0x88 : 0x08);
    put8(k, 0x01); /* to DS */
    put16(k, 0);
    putfill(k, 0x02, 18); /* three addresses */
    put16(k, 0x0010);     /* sequence control */
    if (qos)
        put16(k, 0);
    put8(k, 0xaa);
    put8(k, 0xaa);
    put8(k, 0x03);
    putfill(k, 0, 3);
}

static void
s_capwap(struct pkt *k)
{
    eth(k, 0x0800);
    ip4(k, 17, IP_A, IP_B);
    udp(k, 12379, 5247);
    capwap_hdr(k, true);
    ieee80211_data(k, false);
    put16(k, 0x0800);
    ip4(k, 17, IP_C, IP_D);
    udp(k, 68, 67);
    payload(k, 9);
    fin(k);
}

static void
s_gre_ipv4(struct pkt *k)
{
    eth(k, 0x0800);
    ip4(k, 47, IP_A, IP_B);
    put16(k, 0xb000); /* C, K, S */
    put16(k, 0x0800);
    put32(k, 0);          /* checksum + reserved */
    put32(k, 0x00000042); /* key */
    put32(k, 7);          /* sequence */
    ip4(k, 6, IP_C, IP_D);
    tcp(k, 3000, 179);
    fin(k);
}

static void
s_gre_teb_vlan(struct pkt *k)
{
    eth(k, 0x8100);
    vlan(k, 5, 0x0800);
    ip4(k, 47, IP_A, IP_B);
    put16(k, 0x0000);
    put16(k, 0x6558);
    eth(k, 0x8100);
    vlan(k, 77, 0x86dd);
    ip6(k, 17, V6_C, V6_D);
    udp(k, 123, 123);
    payload(k, 4);
    fin(k);
}

static void
s_erspan2(struct pkt *k)
{
    eth(k, 0x0800);
    ip4(k, 47, IP_A, IP_B);
    put16(k, 0x1000); /* S */
    put16(k, 0x88be);
    put32(k, 1);
    put32(k, 0x10640001); /* ver 1, vlan 100, session 1 */
    put32(k, 0x00000000);
    eth(k, 0x0800);
    ip4(k, 6, IP_C, IP_D);
    tcp(k, 80, 40000);
    fin(k);
}

static void
s_erspan3(struct pkt *k)
{
    eth(k, 0x0800);
    ip4(k, 47, IP_A, IP_B);
    put16(k, 0x1000);
    put16(k, 0x22eb);
    put32(k, 9);
    put32(k, 0x20000002); /* ver 2, session 2 */
    put32(k, 0x12345678); /* timestamp */
    put16(k, 0);          /* SGT */
    put8(k, 0x00);        /* P 0, FT 0 (Ethernet) */
    put8(k, 0x01);        /* O: subheader follows */
    putfill(k, 0, 8);
    eth(k, 0x86dd);
    ip6(k, 58, V6_C, V6_D);
    put8(k, 128);
    put8(k, 0);
    put16(k, 0);
    put32(k, 0x00010001);
    fin(k);
}

static void
s_pptp(struct pkt *k)
{
    uint32_t g;

    eth(k, 0x0800);
    ip4(k, 47, IP_A, IP_B);
    g = k->n;
    put16(k, 0x3081); /* K, S, A, version 1 */
    put16(k, 0x880b);
    put16(k, 0);      /* payload length: below */
    put16(k, 0x4000); /* call id */
    put32(k, 5);      /* sequence */
    put32(k, 4);      /* ack */
    put8(k, 0xff);
    put8(k, 0x03);
    put16(k, 0x0021);
    ip4(k, 17, IP_C, IP_D);
    udp(k, 1000, 53);
    payload(k, 4);
    fin(k);
    set16(k, g + 4, k->n - g - 16);
}

static void
s_vxlan(struct pkt *k)
{
    eth(k, 0x0800);
    ip4(k, 17, IP_A, IP_B);
    udp(k, 55555, 4789);
    put32(k, 0x08000000);
    put32(k, 0x00123400); /* VNI 0x1234 */
    eth(k, 0x8100);
    vlan(k, 300, 0x0800);
    ip4(k, 6, IP_C, IP_D);
    tcp(k, 22, 50022);
    payload(k, 1);
    fin(k);
}

/* Cisco FabricPath: outer MACs, 0x8903, FTag/TTL, then the frame as it entered the fabric. */
static void
s_fabricpath(struct pkt *k)
{
    eth(k, 0x8903);
    put16(k, 0x4020);
    eth(k, 0x8100);
    vlan(k, 7, 0x0800);
    ip4(k, 6, IP_C, IP_D);
    tcp(k, 38856, 8009);
    payload(k, 5);
    fin(k);
}

/* Geneve with two options (8 and 12 bytes) carrying Ethernet. */
static void
s_geneve(struct pkt *k)
{
    eth(k, 0x0800);
    ip4(k, 17, IP_A, IP_B);
    udp(k, 60276, 6081);
    put8(k, 0x05);        /* version 0, 5 words of options */
    put8(k, 0x00);
    put16(k, 0x6558);
    put32(k, 0x00123400); /* VNI 0x1234, reserved */
    put16(k, 0x0108);     /* option class */
    put8(k, 0x01);        /* type */
    put8(k, 0x01);        /* one word of data */
    put32(k, 0xdeadbeef);
    put16(k, 0x0108);
    put8(k, 0x02);
    put8(k, 0x02);        /* two words */
    put32(k, 0);
    put32(k, 0);
    eth(k, 0x0800);
    ip4(k, 6, IP_C, IP_D);
    tcp(k, 39198, 1234);
    payload(k, 3);
    fin(k);
}

/* Geneve carrying IPv4 straight after its header (AWS Gateway Load Balancer does this). */
static void
s_geneve_ipv4(struct pkt *k)
{
    eth(k, 0x0800);
    ip4(k, 17, IP_A, IP_B);
    udp(k, 60276, 6081);
    put8(k, 0x02);
    put8(k, 0x00);
    put16(k, 0x0800);
    put32(k, 0);
    put16(k, 0x0108);
    put8(k, 0x03);
    put8(k, 0x01);
    put32(k, 0x3dc956ac);
    ip4(k, 17, IP_C, IP_D);
    udp(k, 5353, 53);
    payload(k, 2);
    fin(k);
}

static void
s_sll_ipv4_udp(struct pkt *k)
{
    put16(k, 0);      /* packet type: to us */
    put16(k, 1);      /* ARPHRD_ETHER */
    put16(k, 6);
    putfill(k, 0x11, 8);
    put16(k, 0x0800);
    ip4(k, 17, IP_A, IP_B);
    udp(k, 1, 2);
    fin(k);
}

static void
s_sll2_ipv6_tcp(struct pkt *k)
{
    put16(k, 0x86dd);
    put16(k, 0);
    put32(k, 3); /* ifindex */
    put16(k, 1);
    put8(k, 4);  /* outgoing */
    put8(k, 6);
    putfill(k, 0x22, 8);
    ip6(k, 6, V6_A, V6_B);
    tcp(k, 9, 10);
    fin(k);
}

static void
s_null_ipv4_tcp(struct pkt *k)
{
    put32(k, 0x02000000); /* AF_INET, little-endian host */
    ip4(k, 6, IP_A, IP_B);
    tcp(k, 4222, 55000);
    fin(k);
}

static void
s_ppp_ipv6_udp(struct pkt *k)
{
    put8(k, 0xff);
    put8(k, 0x03);
    put16(k, 0x0057);
    ip6(k, 17, V6_A, V6_B);
    udp(k, 546, 547);
    fin(k);
}

static void
s_chdlc_mpls_ipv4(struct pkt *k)
{
    put8(k, 0x0f);
    put8(k, 0x00);
    put16(k, 0x8847);
    put32(k, (77u << 12) | 0x100 | 255);
    ip4(k, 6, IP_A, IP_B);
    tcp(k, 179, 1024);
    fin(k);
}

static void
s_raw_ipv4_sctp(struct pkt *k)
{
    ip4(k, 132, IP_A, IP_B);
    put16(k, 2905);
    put16(k, 2906);
    put32(k, 0x01);
    put32(k, 0);
    payload(k, 4);
    fin(k);
}

struct sample {
    const char *name;
    int linktype;
    void (*build)(struct pkt *k);
};

static const struct sample samples[] = {
    {"eth_ipv4_tcp", LT_ETH, s_eth_ipv4_tcp},
    {"eth_ipv6_udp", LT_ETH, s_eth_ipv6_udp},
    {"qinq_ipv4_udp", LT_ETH, s_qinq_ipv4_udp},
    {"mpls_ipv4_tcp", LT_ETH, s_mpls_ipv4_tcp},
    {"pppoe_ipv4_tcp", LT_ETH, s_pppoe_ipv4_tcp},
    {"ipv4_options_icmp", LT_ETH, s_ipv4_options_icmp},
    {"ipv6_exthdrs_tcp", LT_ETH, s_ipv6_exthdrs_tcp},
    {"ipv4_first_fragment", LT_ETH, s_ipv4_first_fragment},
    {"ipv6_fragment", LT_ETH, s_ipv6_fragment},
    {"4in4", LT_ETH, s_4in4},
    {"6in4", LT_ETH, s_6in4},
    {"gtpu", LT_ETH, s_gtpu},
    {"tzsp", LT_ETH, s_tzsp},
    {"capwap", LT_ETH, s_capwap},
    {"gre_ipv4", LT_ETH, s_gre_ipv4},
    {"gre_teb_vlan", LT_ETH, s_gre_teb_vlan},
    {"erspan2", LT_ETH, s_erspan2},
    {"erspan3", LT_ETH, s_erspan3},
    {"pptp", LT_ETH, s_pptp},
    {"vxlan", LT_ETH, s_vxlan},
    {"fabricpath", LT_ETH, s_fabricpath},
    {"geneve", LT_ETH, s_geneve},
    {"geneve_ipv4", LT_ETH, s_geneve_ipv4},
    {"sll_ipv4_udp", LT_SLL, s_sll_ipv4_udp},
    {"sll2_ipv6_tcp", LT_SLL2, s_sll2_ipv6_tcp},
    {"null_ipv4_tcp", LT_NULL, s_null_ipv4_tcp},
    {"ppp_ipv6_udp", LT_PPP, s_ppp_ipv6_udp},
    {"chdlc_mpls_ipv4", LT_C_HDLC, s_chdlc_mpls_ipv4},
    {"raw_ipv4_sctp", LT_RAW, s_raw_ipv4_sctp},
};

/* --- configuration, link types, names ----------------------------------------------------- */

static void
cfg_defaults_are_16_layers_tunnels_on_vxlan_4789(void **state)
{
    struct sw_decode_cfg cfg;

    (void)state;
    memset(&cfg, 0xff, sizeof(cfg));
    sw_decode_cfg_defaults(&cfg);
    assert_int_equal(cfg.max_layers, 16);
    assert_true(cfg.tunnels);
    assert_int_equal(cfg.vxlan_port, 4789);
}

static void
linktype_supported_accepts_decoded_types_only(void **state)
{
    static const int yes[] = {0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276};
    static const int no[] = {-1, 2, 6, 105, 127, 147, 192, 220, 277};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(sw_decode_linktype_supported(yes[i]));
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(sw_decode_linktype_supported(no[i]));
}

static void
unknown_linktype_returns_linktype_and_counts_frame(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    pkt_init(&k);
    s_eth_ipv4_tcp(&k);
    assert_int_equal(run_cfg(&k, k.n, 127, &cfg, &p, &st), SW_DECODE_LINKTYPE);
    assert_int_equal(st.pkts, 1);
    assert_int_equal(st.bytes, k.n);
    assert_int_equal(st.invalid, 0);
    assert_int_equal(st.ethernet, 0);
}

static void
event_names_are_unique_and_suricata_style(void **state)
{
    int i, j;

    (void)state;
    assert_string_equal(sw_decode_event_name(SW_DEV_NONE), "none");
    for (i = 1; i < SW_DEV_MAX; i++) {
        const char *n = sw_decode_event_name((enum sw_decode_event)i);

        assert_non_null(n);
        assert_string_not_equal(n, "unknown");
        /* "<layer>.<name>": output/eve.c nests the counters by layer */
        assert_non_null(strchr(n, '.'));
        assert_true(strchr(n, '.') != n && strchr(n, '.')[1] != '\0');
        for (j = 1; j < i; j++)
            assert_string_not_equal(n, sw_decode_event_name((enum sw_decode_event)j));
    }
    assert_string_equal(sw_decode_event_name(SW_DEV_IPV4_TRUNC), "ipv4.trunc_pkt");
    assert_string_equal(sw_decode_event_name(SW_DEV_IPV4_HLEN_TOO_SMALL), "ipv4.hlen_too_small");
    assert_string_equal(sw_decode_event_name(SW_DEV_IPV4_IPLEN_SMALLER_THAN_HLEN),
                        "ipv4.iplen_smaller_than_hlen");
    assert_string_equal(sw_decode_event_name(SW_DEV_IPV4_OPT_INVALID), "ipv4.opt_invalid");
    assert_string_equal(sw_decode_event_name(SW_DEV_IPV6_TRUNC), "ipv6.trunc_pkt");
    assert_string_equal(sw_decode_event_name(SW_DEV_TCP_TRUNC), "tcp.pkt_too_small");
    assert_string_equal(sw_decode_event_name(SW_DEV_TCP_HLEN_TOO_SMALL), "tcp.hlen_too_small");
    assert_string_equal(sw_decode_event_name(SW_DEV_TCP_OPT_INVALID), "tcp.invalid_optlen");
    assert_string_equal(sw_decode_event_name(SW_DEV_UDP_TRUNC), "udp.pkt_too_small");
    assert_string_equal(sw_decode_event_name(SW_DEV_UDP_LEN_INVALID), "udp.hlen_invalid");
    assert_string_equal(sw_decode_event_name(SW_DEV_ETH_TRUNC), "ethernet.pkt_too_small");
    assert_string_equal(sw_decode_event_name(SW_DEV_VLAN_TRUNC), "vlan.header_too_small");
    assert_string_equal(sw_decode_event_name(SW_DEV_VLAN_TOO_MANY), "vlan.too_many_layers");
    assert_string_equal(sw_decode_event_name(SW_DEV_MPLS_TRUNC), "mpls.header_too_small");
    assert_string_equal(sw_decode_event_name(SW_DEV_PPPOE_TRUNC), "pppoe.pkt_too_small");
    assert_string_equal(sw_decode_event_name(SW_DEV_GRE_TRUNC), "gre.pkt_too_small");
    assert_string_equal(sw_decode_event_name(SW_DEV_GRE_VERSION0_FLAGS), "gre.version0_flags");
    assert_string_equal(sw_decode_event_name(SW_DEV_MAX), "unknown");
    assert_string_equal(sw_decode_event_name((enum sw_decode_event)-1), "unknown");
}

/* --- Ethernet, IPv4, IPv6, L4 ------------------------------------------------------------- */

static void
ethernet_ipv4_tcp_fills_flow_fields(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_eth_ipv4_tcp(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.ip_version, 4);
    assert_int_equal(p.l4_proto, 6);
    assert_int_equal(p.l3_off, 14);
    assert_int_equal(p.l3_len, 20 + 20 + 10);
    assert_int_equal(p.l3_caplen, k.n - 14);
    assert_int_equal(p.l4_off, 34);
    assert_int_equal(p.l4_len, 30);
    assert_int_equal(p.payload_off, 54);
    assert_int_equal(p.payload_len, 10);
    assert_v4(p.src, IP_A);
    assert_v4(p.dst, IP_B);
    assert_int_equal(p.sport, 40000);
    assert_int_equal(p.dport, 443);
    assert_int_equal(p.tcp_seq, 0x01020304);
    assert_int_equal(p.tcp_ack, 0x05060708);
    assert_int_equal(p.tcp_flags, 0x18);
    assert_int_equal(p.tcp_win, 0xfaf0);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(p.vlan_count, 0);
    assert_int_equal(p.flags, 0);
    assert_int_equal(st.pkts, 1);
    assert_int_equal(st.bytes, k.n);
    assert_int_equal(st.ethernet, 1);
    assert_int_equal(st.ipv4, 1);
    assert_int_equal(st.tcp, 1);
    assert_int_equal(st.invalid, 0);
}

static void
ethernet_ipv6_udp_fills_flow_fields(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_eth_ipv6_udp(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.l4_proto, 17);
    assert_int_equal(p.l3_off, 14);
    assert_int_equal(p.l3_len, 40 + 8 + 12);
    assert_int_equal(p.l4_off, 54);
    assert_int_equal(p.l4_len, 20);
    assert_int_equal(p.payload_off, 62);
    assert_int_equal(p.payload_len, 12);
    assert_memory_equal(p.src, V6_A, 16);
    assert_memory_equal(p.dst, V6_B, 16);
    assert_int_equal(p.sport, 5353);
    assert_int_equal(p.dport, 53);
    assert_int_equal(st.ipv6, 1);
    assert_int_equal(st.udp, 1);
}

static void
ethernet_padding_is_not_part_of_datagram(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 1, 2);
    put8(&k, 0x41);
    fin(&k);
    putfill(&k, 0, 60 - k.n); /* minimum frame */
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l3_caplen, 46);
    assert_int_equal(p.l3_len, 29);
    assert_int_equal(p.l4_len, 9);
    assert_int_equal(p.payload_len, 1);
}

static void
tcp_without_payload_is_ok(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 6, IP_A, IP_B);
    tcp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.payload_off, k.n);
}

static void
build_tcp_opts(struct pkt *k, const uint8_t *opt, size_t len)
{
    uint32_t t;

    pkt_init(k);
    eth(k, 0x0800);
    ip4(k, 6, IP_A, IP_B);
    t = tcp(k, 1, 2);
    set8(k, t + 12, (unsigned)((5 + len / 4) << 4));
    putn(k, opt, len);
    payload(k, 3);
    fin(k);
}

static void
tcp_valid_options_raise_no_event(void **state)
{
    static const uint8_t opt[20] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2,
                                    8, 10, 0, 0, 0, 1, 0, 0, 0, 0};
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    build_tcp_opts(&k, opt, sizeof(opt));
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.payload_off, 14 + 20 + 40);
    assert_int_equal(p.payload_len, 3);
}

static void
tcp_bad_options_are_flagged_but_ok(void **state)
{
    static const uint8_t bad_len[4] = {2, 1, 0, 0};     /* length below 2 */
    static const uint8_t past_end[4] = {1, 1, 8, 10};   /* runs out of the header */
    static const uint8_t mss_len[8] = {2, 3, 5, 1, 0, 0, 0, 0};
    static const uint8_t sack_len[12] = {5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t *cases[] = {bad_len, past_end, mss_len, sack_len};
    const size_t lens[] = {4, 4, 8, 12};
    size_t i;

    (void)state;
    for (i = 0; i < 4; i++) {
        struct pkt k;
        struct sw_packet p;
        struct sw_decode_stats st = {0};

        build_tcp_opts(&k, cases[i], lens[i]);
        assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
        assert_int_equal(p.decode_event, SW_DEV_TCP_OPT_INVALID);
        assert_int_equal(st.events[SW_DEV_TCP_OPT_INVALID], 1);
        assert_int_equal(st.invalid, 0);
        assert_int_equal(p.payload_len, 3);
    }
}

static void
tcp_header_length_errors_are_invalid(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_eth_ipv4_tcp(&k);
    set8(&k, 34 + 12, 0x40); /* 16 bytes */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_TCP_HLEN_TOO_SMALL);
    set8(&k, 34 + 12, 0xf0); /* 60 bytes, the segment has 30 */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_TCP_TRUNC);
    assert_int_equal(st.invalid, 2);
    assert_int_equal(st.events[SW_DEV_TCP_TRUNC], 1);
}

static void
udp_bad_length_is_flagged_and_never_decapsulated(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_vxlan(&k);
    set16(&k, 34 + 4, 4); /* below the header */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.decode_event, SW_DEV_UDP_LEN_INVALID);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_v4(p.src, IP_A);
    assert_int_equal(p.dport, 4789);
    assert_int_equal(p.payload_len, k.n - 42);

    set16(&k, 34 + 4, k.n - 34 + 1); /* beyond the datagram */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.decode_event, SW_DEV_UDP_LEN_INVALID);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(st.events[SW_DEV_UDP_LEN_INVALID], 2);
    assert_int_equal(st.vxlan, 0);
}

static void
udp_length_shorter_than_datagram_bounds_payload(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_eth_ipv6_udp(&k);
    set16(&k, 54 + 4, 8 + 5);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.decode_event, SW_DEV_UDP_LEN_INVALID);
    assert_int_equal(p.payload_len, 5);
    assert_int_equal(p.l4_len, 13);
}

static void
udp_header_cut_short_is_invalid(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    put32(&k, 0x00350035);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_UDP_TRUNC);
}

static void
icmp_sets_type_code_and_no_ports(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_ipv4_options_icmp(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l4_proto, 1);
    assert_int_equal(p.icmp_type, 8);
    assert_int_equal(p.icmp_code, 0);
    assert_int_equal(p.sport, 0);
    assert_int_equal(p.dport, 0);
    assert_int_equal(p.l4_off, 14 + 28);
    assert_int_equal(p.payload_off, 14 + 28 + 8);
    assert_int_equal(p.payload_len, 8);
    assert_int_equal(st.icmpv4, 1);

    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 58, V6_A, V6_B);
    put8(&k, 135); /* neighbour solicitation */
    put8(&k, 0);
    put16(&k, 0);
    put32(&k, 0);
    putn(&k, V6_B, 16);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l4_proto, 58);
    assert_int_equal(p.icmp_type, 135);
    assert_int_equal(p.payload_len, 16);
    assert_int_equal(st.icmpv6, 1);
}

static void
icmp_shorter_than_8_bytes_is_invalid(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 1, IP_A, IP_B);
    put32(&k, 0x08000000);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_ICMPV4_TRUNC);
    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 58, V6_A, V6_B);
    put16(&k, 0x8000);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_ICMPV6_TRUNC);
}

static void
sctp_sets_ports(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    pkt_init(&k);
    s_raw_ipv4_sctp(&k);
    expect_clean_ok(run(&k, LT_RAW, &p, &st), &p);
    assert_int_equal(p.l4_proto, 132);
    assert_int_equal(p.sport, 2905);
    assert_int_equal(p.dport, 2906);
    assert_int_equal(p.payload_off, 32);
    assert_int_equal(p.payload_len, 4);
    assert_int_equal(st.sctp, 1);
    set16(&k, 2, 20 + 11);
    assert_int_equal(run_cfg(&k, 31, LT_RAW, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_SCTP_TRUNC);
}

static void
other_l4_protocols_are_ok_without_ports(void **state)
{
    static const unsigned protos[] = {2, 50, 89, 103, 255};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
        struct pkt k;
        struct sw_packet p;
        struct sw_decode_stats st = {0};

        pkt_init(&k);
        eth(&k, 0x0800);
        ip4(&k, protos[i], IP_A, IP_B);
        put32(&k, 0x11223344);
        put32(&k, 0x55667788);
        fin(&k);
        expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
        assert_int_equal(p.l4_proto, protos[i]);
        assert_int_equal(p.sport, 0);
        assert_int_equal(p.dport, 0);
        assert_int_equal(p.l4_off, 34);
        assert_int_equal(p.l4_len, 8);
        assert_int_equal(p.payload_off, 34);
        assert_int_equal(p.payload_len, 8);
        assert_int_equal(st.other_l4, 1);
    }
}

static void
arp_lldp_and_8023_llc_are_not_ip_without_event(void **state)
{
    static const unsigned types[] = {0x0806, 0x88cc, 0x888e, 0x8809, 0x8863};
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        pkt_init(&k);
        eth(&k, types[i]);
        putfill(&k, 0, 46);
        assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_NOT_IP);
        assert_int_equal(p.decode_event, SW_DEV_NONE);
    }
    /* 802.3 with LLC, spanning tree: not SNAP */
    pkt_init(&k);
    eth(&k, 38);
    put8(&k, 0x42);
    put8(&k, 0x42);
    put8(&k, 0x03);
    putfill(&k, 0, 35);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(p.decode_event, SW_DEV_NONE);
    assert_int_equal(st.not_ip, 6);
    assert_int_equal(st.pppoe, 1);
    assert_int_equal(st.invalid, 0);
}

static void
unknown_ethertype_is_not_ip_with_event(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x8892); /* PROFINET */
    putfill(&k, 0, 46);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(p.decode_event, SW_DEV_UNKNOWN_ETHERTYPE);
    assert_int_equal(st.events[SW_DEV_UNKNOWN_ETHERTYPE], 1);
    assert_int_equal(st.not_ip, 1);
    assert_int_equal(st.invalid, 0);
}

static void
llc_snap_carrying_ipv4_is_decoded(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0);
    put8(&k, 0xaa);
    put8(&k, 0xaa);
    put8(&k, 0x03);
    putfill(&k, 0, 3);
    put16(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 7, 9);
    fin(&k);
    set16(&k, 12, k.n - 14);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l3_off, 22);
    assert_int_equal(p.dport, 9);
}

/* The right event at every truncation point of Ethernet/IPv4/TCP. */
static void
ipv4_tcp_truncated_at_every_length_reports_its_layer(void **state)
{
    struct pkt k;
    struct sw_decode_cfg cfg = cfg_default();
    uint32_t len;

    (void)state;
    pkt_init(&k);
    s_eth_ipv4_tcp(&k);
    for (len = 0; len <= k.n; len++) {
        struct sw_packet p;
        struct sw_decode_stats st = {0};
        enum sw_decode_rc rc = run_cfg(&k, len, LT_ETH, &cfg, &p, &st);

        if (len < 14) {
            assert_int_equal(rc, SW_DECODE_INVALID);
            assert_int_equal(p.decode_event, SW_DEV_ETH_TRUNC);
        } else if (len < 34) {
            assert_int_equal(rc, SW_DECODE_INVALID);
            assert_int_equal(p.decode_event, SW_DEV_IPV4_TRUNC);
        } else if (len < 54) {
            assert_int_equal(rc, SW_DECODE_INVALID);
            assert_int_equal(p.decode_event, SW_DEV_TCP_TRUNC);
            assert_int_equal(st.events[SW_DEV_IP_CUT], 1);
            assert_true(p.flags & SW_PKT_CUT);
        } else if (len < k.n) {
            assert_int_equal(rc, SW_DECODE_OK);
            assert_int_equal(p.decode_event, SW_DEV_IP_CUT);
            assert_true(p.flags & SW_PKT_CUT);
            assert_int_equal(p.l3_len, len - 14);
            assert_int_equal(p.payload_len, len - 54);
            assert_int_equal(st.invalid, 0);
        } else {
            expect_clean_ok(rc, &p);
            assert_int_equal(p.flags & SW_PKT_CUT, 0);
        }
    }
}

static void
ipv4_header_errors_are_invalid(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_eth_ipv4_tcp(&k);
    set8(&k, 14, 0x44); /* IHL 4 */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV4_HLEN_TOO_SMALL);

    set8(&k, 14, 0x45);
    set16(&k, 16, 19); /* total length below the header */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV4_IPLEN_SMALLER_THAN_HLEN);

    pkt_init(&k);
    s_eth_ipv4_tcp(&k);
    set8(&k, 14, 0x65); /* version 6 under 0x0800 */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV4_WRONG_VERSION);

    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 6, IP_A, IP_B);
    fin(&k);
    set8(&k, 14, 0x4f); /* 60-byte header in a 20-byte frame remainder */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV4_TRUNC);
    assert_int_equal(st.invalid, 4);
}

static void
ipv4_options_are_walked(void **state)
{
    static const uint8_t good[12] = {0x01, 0x01, 0x94, 0x04, 0x00, 0x00, /* NOP NOP RA */
                                     0x44, 0x04, 0x05, 0x00,             /* TS, no slots */
                                     0x00, 0x00};                        /* EOL */
    static const uint8_t bad_len[4] = {0x07, 0x01, 0x00, 0x00};
    static const uint8_t past_end[4] = {0x01, 0x83, 0x09, 0x00};
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4_opts(&k, 17, IP_A, IP_B, good, sizeof(good));
    udp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l4_off, 14 + 32);

    pkt_init(&k);
    eth(&k, 0x0800);
    ip4_opts(&k, 17, IP_A, IP_B, bad_len, sizeof(bad_len));
    udp(&k, 1, 2);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.decode_event, SW_DEV_IPV4_OPT_INVALID);
    assert_int_equal(p.dport, 2);

    pkt_init(&k);
    eth(&k, 0x0800);
    ip4_opts(&k, 17, IP_A, IP_B, past_end, sizeof(past_end));
    udp(&k, 1, 2);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.decode_event, SW_DEV_IPV4_OPT_INVALID);
    assert_int_equal(st.events[SW_DEV_IPV4_OPT_INVALID], 2);
    assert_int_equal(st.invalid, 0);
}

static void
ipv4_datagram_longer_than_capture_is_cut_but_decoded(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_eth_ipv4_tcp(&k);
    set16(&k, 16, 1500);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_true(p.flags & SW_PKT_CUT);
    assert_int_equal(p.decode_event, SW_DEV_IP_CUT);
    assert_int_equal(st.events[SW_DEV_IP_CUT], 1);
    assert_int_equal(p.l3_len, k.n - 14);
    assert_int_equal(p.payload_len, 10);
    assert_int_equal(p.sport, 40000);
}

static void
ipv4_more_fragments_returns_fragment(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_ipv4_first_fragment(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_FRAGMENT);
    assert_int_equal(p.frag_id, 0xbeef);
    assert_int_equal(p.frag_offset, 0);
    assert_true(p.frag_more);
    assert_int_equal(p.frag_data_off, 34);
    assert_int_equal(p.frag_data_len, 8 + 16);
    assert_int_equal(p.l4_proto, 17);
    assert_int_equal(p.sport, 0);
    assert_int_equal(p.ip_version, 4);
    assert_v4(p.src, IP_A);
    assert_int_equal(p.l3_off, 14);
    assert_int_equal(st.fragments, 1);
    assert_int_equal(st.udp, 0);
}

static void
ipv4_nonzero_offset_returns_fragment(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_ipv4_first_fragment(&k);
    set16(&k, 20, 185); /* offset 1480, last */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_FRAGMENT);
    assert_int_equal(p.frag_offset, 1480);
    assert_false(p.frag_more);
    assert_int_equal(p.frag_data_len, 24);
}

static void
reassembled_ipv4_with_mf_is_decoded_and_flagged(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    pkt_init(&k);
    s_ipv4_first_fragment(&k);
    memset(&p, 0, sizeof(p));
    p.data = k.b + 14;
    p.caplen = k.n - 14;
    p.flags = SW_PKT_REASSEMBLED;
    p.vlan[0] = 42;
    p.vlan_count = 1;
    set16(&k, 14 + 20 + 4, k.n - 34);
    assert_int_equal(sw_decode_ip(&cfg, &p, 0, &st), SW_DECODE_OK);
    check_invariants(&p, SW_DECODE_OK);
    assert_true(p.flags & SW_PKT_IPV4_MF);
    assert_true(p.flags & SW_PKT_REASSEMBLED);
    assert_int_equal(p.sport, 53);
    assert_int_equal(p.l3_off, 0);
    assert_int_equal(p.payload_len, 16);
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 42);
    assert_int_equal(st.fragments, 0);
    assert_int_equal(st.pkts, 0);
}

static void
decode_ip_at_offset_reads_from_there(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    pkt_init(&k);
    s_eth_ipv6_udp(&k);
    memset(&p, 0, sizeof(p));
    p.data = k.b;
    p.caplen = k.n;
    assert_int_equal(sw_decode_ip(&cfg, &p, 14, &st), SW_DECODE_OK);
    check_invariants(&p, SW_DECODE_OK);
    assert_int_equal(p.l3_off, 14);
    assert_int_equal(p.dport, 53);
    assert_int_equal(sw_decode_ip(&cfg, &p, k.n, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_PKT_TOO_SMALL);
    assert_int_equal(sw_decode_ip(&cfg, &p, 0, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_RAW_INVALID_VERSION);
    assert_int_equal(st.invalid, 2);
}

static void
ipv6_extension_headers_are_skipped(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_ipv6_exthdrs_tcp(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l4_proto, 6);
    assert_int_equal(p.l4_off, 14 + 40 + 8 + 16 + 8 + 24);
    assert_int_equal(p.sport, 2000);
    assert_int_equal(p.dport, 22);
    assert_int_equal(p.payload_len, 5);
    assert_int_equal(p.flags & SW_PKT_IPV6_FRAG, 0);
}

static void
ipv6_extension_header_errors_are_invalid(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    unsigned i;

    (void)state;
    /* destination options claiming 2048 bytes */
    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 60, V6_A, V6_B);
    put8(&k, 6);
    put8(&k, 255);
    putfill(&k, 0, 6);
    tcp(&k, 1, 2);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV6_EXTHDR_TRUNC);

    /* a hop-by-hop header cut to 4 bytes */
    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 0, V6_A, V6_B);
    put32(&k, 0x06000000);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV6_EXTHDR_TRUNC);

    /* nine destination options headers */
    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 60, V6_A, V6_B);
    for (i = 0; i < 9; i++) {
        put8(&k, i < 8 ? 60 : 17);
        put8(&k, 0);
        put8(&k, 1);
        put8(&k, 4);
        put32(&k, 0);
    }
    udp(&k, 1, 2);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV6_EXTHDR_TOO_MANY);

    /* eight are fine */
    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 60, V6_A, V6_B);
    for (i = 0; i < 8; i++) {
        put8(&k, i < 7 ? 60 : 17);
        put8(&k, 0);
        put8(&k, 1);
        put8(&k, 4);
        put32(&k, 0);
    }
    udp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
}

static void
ipv6_header_errors_are_invalid(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    pkt_init(&k);
    s_eth_ipv6_udp(&k);
    assert_int_equal(run_cfg(&k, 14 + 39, LT_ETH, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV6_TRUNC);
    set8(&k, 14, 0x40);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV6_WRONG_VERSION);
    pkt_init(&k);
    s_eth_ipv6_udp(&k);
    set16(&k, 18, 9000); /* payload length beyond the capture */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_true(p.flags & SW_PKT_CUT);
    assert_int_equal(p.decode_event, SW_DEV_IP_CUT);
    assert_int_equal(p.payload_len, 12);
}

static void
ipv6_no_next_header_is_ok_and_flags_trailing_data(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 59, V6_A, V6_B);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l4_proto, 59);
    assert_int_equal(p.l4_len, 0);

    payload(&k, 4);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.decode_event, SW_DEV_IPV6_NO_NEXT_HEADER);
}

static void
ipv6_fragment_header_returns_fragment(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_ipv6_fragment(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_FRAGMENT);
    assert_int_equal(p.frag_id, 0xdeadbeef);
    assert_int_equal(p.frag_offset, 1480);
    assert_true(p.frag_more);
    assert_int_equal(p.frag_hdr_off, 54);
    assert_int_equal(p.frag_data_off, 62);
    assert_int_equal(p.frag_data_len, 24);
    assert_int_equal(p.l4_proto, 17);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.l3_off, 14);
    assert_int_equal(p.l3_len, 40 + 8 + 24);
    assert_int_equal(st.fragments, 1);

    /* after a hop-by-hop header, first fragment */
    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 0, V6_A, V6_B);
    put8(&k, 44);
    put8(&k, 0);
    put8(&k, 1);
    put8(&k, 4);
    put32(&k, 0);
    put8(&k, 6);
    put8(&k, 0);
    put16(&k, 1); /* offset 0, M */
    put32(&k, 7);
    tcp(&k, 1, 2);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_FRAGMENT);
    assert_int_equal(p.frag_offset, 0);
    assert_true(p.frag_more);
    assert_int_equal(p.frag_hdr_off, 62);
    assert_int_equal(p.frag_data_off, 70);
    assert_int_equal(p.frag_data_len, 20);
    assert_int_equal(p.l4_proto, 6);
}

static void
ipv6_atomic_fragment_is_decoded_with_frag_flag(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 44, V6_A, V6_B);
    put8(&k, 17);
    put8(&k, 0);
    put16(&k, 0);
    put32(&k, 99);
    udp(&k, 53, 5353);
    payload(&k, 3);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_true(p.flags & SW_PKT_IPV6_FRAG);
    assert_int_equal(p.l4_off, 62);
    assert_int_equal(p.sport, 53);
    assert_int_equal(st.fragments, 0);
}

static void
reassembled_ipv6_with_fragment_header_is_decoded(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    pkt_init(&k);
    ip6(&k, 44, V6_A, V6_B);
    put8(&k, 17);
    put8(&k, 0);
    put16(&k, 1); /* M still set: the reassembler's choice, not a new fragment */
    put32(&k, 99);
    udp(&k, 53, 5353);
    payload(&k, 300);
    fin(&k);
    memset(&p, 0, sizeof(p));
    p.data = k.b;
    p.caplen = k.n;
    p.flags = SW_PKT_REASSEMBLED;
    assert_int_equal(sw_decode_ip(&cfg, &p, 0, &st), SW_DECODE_OK);
    check_invariants(&p, SW_DECODE_OK);
    assert_true(p.flags & SW_PKT_IPV6_FRAG);
    assert_int_equal(p.payload_len, 300);
    assert_int_equal(p.dport, 5353);
}

/* --- VLAN, MPLS, PPPoE -------------------------------------------------------------------- */

static void
vlan_single_tag_id_is_kept(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x8100);
    put16(&k, 0xe000 | 4095); /* PCP 7, DEI 0, VID 4095 */
    put16(&k, 0x0800);
    ip4(&k, 6, IP_A, IP_B);
    tcp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 4095);
    assert_int_equal(p.l3_off, 18);
    assert_int_equal(st.vlan, 1);
}

static void
qinq_ids_are_kept_outermost_first(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_qinq_ipv4_udp(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.vlan_count, 2);
    assert_int_equal(p.vlan[0], 100);
    assert_int_equal(p.vlan[1], 200);
    assert_int_equal(p.l3_off, 22);
    assert_int_equal(st.vlan_qinq, 1);
    assert_int_equal(st.vlan, 1);
}

static void
three_tags_are_kept_and_a_fourth_is_too_many(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x9100);
    vlan(&k, 1, 0x88a8);
    vlan(&k, 2, 0x8100);
    vlan(&k, 3, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.vlan_count, 3);
    assert_int_equal(p.vlan[0], 1);
    assert_int_equal(p.vlan[2], 3);

    pkt_init(&k);
    eth(&k, 0x8100);
    vlan(&k, 1, 0x8100);
    vlan(&k, 2, 0x8100);
    vlan(&k, 3, 0x8100);
    vlan(&k, 4, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 1, 2);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_VLAN_TOO_MANY);
    assert_int_equal(st.events[SW_DEV_VLAN_TOO_MANY], 1);
}

static void
vlan_header_cut_short_is_invalid(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x8100);
    put16(&k, 7);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_VLAN_TRUNC);
}

static void
mpls_label_stack_reaches_ip(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_mpls_ipv4_tcp(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l3_off, 22);
    assert_int_equal(p.ip_version, 4);
    assert_int_equal(p.dport, 80);
    assert_int_equal(st.mpls, 1);

    pkt_init(&k);
    eth(&k, 0x8848);
    put32(&k, (2u << 12) | 0x100 | 1); /* IPv6 explicit null */
    ip6(&k, 17, V6_A, V6_B);
    udp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.l3_off, 18);
}

static void
mpls_payload_that_is_not_ip_is_not_ip(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x8847);
    put32(&k, (100u << 12) | 0x100 | 1);
    put32(&k, 0); /* pseudowire control word */
    eth(&k, 0x0800);
    ip4(&k, 6, IP_C, IP_D);
    tcp(&k, 1, 2);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(p.decode_event, SW_DEV_NONE);
}

static void
mpls_reserved_bottom_label_is_flagged(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x8847);
    put32(&k, (3u << 12) | 0x100 | 1); /* implicit null on the wire */
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 1, 2);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.decode_event, SW_DEV_MPLS_BAD_LABEL);
    assert_int_equal(st.events[SW_DEV_MPLS_BAD_LABEL], 1);
}

static void
mpls_stack_cut_short_is_invalid(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x8847);
    put32(&k, (16u << 12) | 1); /* no bottom of stack */
    put16(&k, 0);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_MPLS_TRUNC);

    pkt_init(&k);
    eth(&k, 0x8847);
    put32(&k, (16u << 12) | 0x100 | 1); /* bottom, then nothing */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_MPLS_TRUNC);
}

static void
pppoe_session_carries_ipv4_and_ipv6(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_pppoe_ipv4_tcp(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l3_off, 22);
    assert_int_equal(p.payload_len, 3);
    assert_int_equal(st.pppoe, 1);

    pkt_init(&k);
    eth(&k, 0x8864);
    put32(&k, 0x11000001);
    put16(&k, 0);
    put16(&k, 0x0057);
    ip6(&k, 17, V6_A, V6_B);
    udp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.ip_version, 6);
}

static void
pppoe_errors_and_control_traffic(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_pppoe_ipv4_tcp(&k);
    set8(&k, 15, 0x09); /* PADI code in a session frame */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_PPPOE_WRONG_CODE);

    pkt_init(&k);
    eth(&k, 0x8864);
    put32(&k, 0x11000001);
    put8(&k, 0);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_PPPOE_TRUNC);

    pkt_init(&k);
    eth(&k, 0x8864);
    put32(&k, 0x11000001);
    put16(&k, 6);
    put16(&k, 0xc021); /* LCP */
    put32(&k, 0x09010004);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(p.decode_event, SW_DEV_NONE);

    pkt_init(&k);
    eth(&k, 0x8863); /* discovery */
    put32(&k, 0x11090000);
    put16(&k, 0);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_NOT_IP);
}

/* --- tunnels ------------------------------------------------------------------------------ */

static void
ipip_4in4_inner_is_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_4in4(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_IPIP);
    assert_int_equal(p.l3_off, 18 + 20);
    assert_v4(p.src, IP_C);
    assert_v4(p.dst, IP_D);
    assert_int_equal(p.sport, 5000);
    assert_int_equal(p.dport, 6000);
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 10);
    assert_int_equal(st.ipv4_in_ipv4, 1);
    assert_int_equal(st.ipv4, 2);
}

static void
ipip_all_version_pairs_count_and_decode_inner(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_6in4(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_IPIP);
    assert_int_equal(p.ip_version, 6);
    assert_memory_equal(p.src, V6_C, 16);
    assert_int_equal(p.dport, 443);
    assert_int_equal(st.ipv6_in_ipv4, 1);

    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 4, V6_A, V6_B);
    ip4(&k, 6, IP_C, IP_D);
    tcp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.ip_version, 4);
    assert_v4(p.src, IP_C); /* the outer IPv6 bytes are gone */
    assert_int_equal(st.ipv4_in_ipv6, 1);

    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 41, V6_A, V6_B);
    ip6(&k, 17, V6_C, V6_D);
    udp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_memory_equal(p.dst, V6_D, 16);
    assert_int_equal(p.l3_off, 54);
    assert_int_equal(st.ipv6_in_ipv6, 1);
}

static void
ipip_inner_fragment_returns_inner_fragment(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    uint32_t o;

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 4, IP_A, IP_B);
    o = ip4(&k, 17, IP_C, IP_D);
    set16(&k, o + 6, 0x2000);
    udp(&k, 5000, 53);
    payload(&k, 8);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_FRAGMENT);
    assert_int_equal(p.l3_off, 34);
    assert_v4(p.src, IP_C);
    assert_int_equal(p.tunnel, SW_TUNNEL_IPIP);
    assert_int_equal(p.frag_data_off, 54);
    assert_int_equal(p.sport, 0);
}

static void
gtpu_inner_ip_is_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_gtpu(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_GTP);
    assert_int_equal(p.l3_off, 42 + 16);
    assert_v4(p.src, IP_C);
    assert_int_equal(p.dport, 80);
    assert_int_equal(p.payload_len, 7);
    assert_int_equal(st.gtpu, 1);

    /* minimal header, IPv6 inner, GTP port on the source side only */
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 2152, 40000);
    put8(&k, 0x30);
    put8(&k, 0xff);
    put16(&k, 0);
    put32(&k, 1);
    ip6(&k, 17, V6_C, V6_D);
    udp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_GTP);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.l3_off, 50);
}

static void
gtpu_that_is_not_a_tpdu_stays_outer_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_gtpu(&k);
    set8(&k, 43, 0x01); /* echo request */
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_v4(p.src, IP_A);
    assert_int_equal(p.dport, 2152);

    pkt_init(&k);
    s_gtpu(&k);
    set8(&k, 42, 0x54); /* version 2 */
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);

    pkt_init(&k);
    s_gtpu(&k);
    set8(&k, 58, 0x15); /* T-PDU that is not IP */
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(st.gtpu, 0);
}

static void
gtpu_broken_extension_chain_stays_outer_flow_flagged(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_gtpu(&k);
    set8(&k, 54, 0); /* extension length 0 */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(p.decode_event, SW_DEV_GTP_TRUNC);

    pkt_init(&k);
    s_gtpu(&k);
    set8(&k, 54, 200); /* extension past the end */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(p.decode_event, SW_DEV_GTP_TRUNC);
}

static void
tzsp_inner_ethernet_is_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_tzsp(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_TZSP);
    assert_int_equal(p.l3_off, 42 + 4 + 5 + 14);
    assert_v4(p.src, IP_C);
    assert_int_equal(p.sport, 1111);
    assert_int_equal(st.tzsp, 1);
    assert_int_equal(st.ethernet, 2);
}

static void
tzsp_other_encapsulation_or_no_end_tag_stays_outer(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_tzsp(&k);
    set8(&k, 45, 18); /* 802.11 */
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(p.dport, 37008);

    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 40000, 37008);
    put32(&k, 0x01000001);
    put8(&k, 10);
    put8(&k, 40); /* tag longer than the packet */
    put8(&k, 0);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(p.decode_event, SW_DEV_TZSP_TRUNC);
}

static void
capwap_80211_data_inner_is_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_capwap(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_CAPWAP);
    assert_int_equal(p.l3_off, 42 + 16 + 24 + 8);
    assert_v4(p.src, IP_C);
    assert_int_equal(p.dport, 67);
    assert_int_equal(st.capwap, 1);

    /* QoS data: two more header bytes */
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 5247, 5247);
    capwap_hdr(&k, true);
    ieee80211_data(&k, true);
    put16(&k, 0x86dd);
    ip6(&k, 58, V6_C, V6_D);
    put32(&k, 0x87000000);
    put32(&k, 0);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_CAPWAP);
    assert_int_equal(p.l3_off, 42 + 16 + 26 + 8);
    assert_int_equal(p.icmp_type, 0x87);
}

static void
capwap_8023_payload_is_inner_ethernet(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 5247, 5247);
    capwap_hdr(&k, false);
    eth(&k, 0x0800);
    ip4(&k, 6, IP_C, IP_D);
    tcp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_CAPWAP);
    assert_int_equal(p.l3_off, 42 + 16 + 14);
}

static void
capwap_keepalive_dtls_and_management_frames(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_capwap(&k);
    set8(&k, 45, 0x08); /* K */
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);

    pkt_init(&k);
    s_capwap(&k);
    set8(&k, 42, 0x01); /* DTLS preamble */
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);

    pkt_init(&k);
    s_capwap(&k);
    set8(&k, 43, 31 << 3); /* HLEN 124 bytes, past the end */
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(p.decode_event, SW_DEV_CAPWAP_TRUNC);

    pkt_init(&k);
    s_capwap(&k);
    set8(&k, 58 + 24, 0x00); /* no SNAP: a management frame body */
    set8(&k, 58 + 26, 0x00);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(p.tunnel, SW_TUNNEL_CAPWAP);
}

static void
gre_ipv4_with_optional_fields_inner_is_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_gre_ipv4(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_GRE);
    assert_int_equal(p.l3_off, 34 + 16);
    assert_v4(p.src, IP_C);
    assert_int_equal(p.dport, 179);
    assert_int_equal(st.gre, 1);

    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 47, IP_A, IP_B);
    put32(&k, 0x000086dd);
    ip6(&k, 6, V6_C, V6_D);
    tcp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.l3_off, 38);
}

static void
gre_teb_collects_outer_and_inner_vlans(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_gre_teb_vlan(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_GRE);
    assert_int_equal(p.vlan_count, 2);
    assert_int_equal(p.vlan[0], 5);
    assert_int_equal(p.vlan[1], 77);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.sport, 123);
}

static void
erspan_types_inner_ethernet_is_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_erspan2(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_GRE);
    assert_int_equal(p.l3_off, 34 + 8 + 8 + 14);
    assert_int_equal(p.sport, 80);

    pkt_init(&k);
    s_erspan3(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_GRE);
    assert_int_equal(p.l3_off, 34 + 8 + 12 + 8 + 14);
    assert_int_equal(p.icmp_type, 128);

    /* type I: no sequence, no ERSPAN header */
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 47, IP_A, IP_B);
    put32(&k, 0x000088be);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_C, IP_D);
    udp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l3_off, 34 + 4 + 14);

    /* type II with the wrong version: the GRE packet is the flow */
    pkt_init(&k);
    s_erspan2(&k);
    set8(&k, 42, 0x20);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(p.decode_event, SW_DEV_ERSPAN_VERSION);
    assert_int_equal(p.l4_proto, 47);
}

static void
gre_v1_pptp_ppp_ip_inner_is_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_pptp(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_GRE);
    assert_int_equal(p.l3_off, 34 + 16 + 4);
    assert_v4(p.src, IP_C);
    assert_int_equal(p.dport, 53);

    /* ack only: no payload */
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 47, IP_A, IP_B);
    put16(&k, 0x2081);
    put16(&k, 0x880b);
    put32(&k, 0x00004000);
    put32(&k, 4);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(p.l4_proto, 47);

    /* encrypted (MPPE, compressed protocol field) */
    pkt_init(&k);
    s_pptp(&k);
    set8(&k, 50, 0xfd);
    set8(&k, 51, 0x90);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
}

static void
gre_malformed_headers_stay_outer_flow_flagged(void **state)
{
    static const struct {
        unsigned flags, proto;
        enum sw_decode_event ev;
    } cases[] = {
        {0x0002, 0x0800, SW_DEV_GRE_VERSION},
        {0x4000, 0x0800, SW_DEV_GRE_VERSION0_FLAGS},  /* routing */
        {0x0001, 0x880b, SW_DEV_GRE_VERSION1_FLAGS},  /* v1 without key */
        {0x2001, 0x0800, SW_DEV_GRE_VERSION1_FLAGS},  /* v1 not PPP */
        {0xb000, 0x0800, SW_DEV_GRE_TRUNC},           /* 16-byte header in 8 bytes */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pkt k;
        struct sw_packet p;
        struct sw_decode_stats st = {0};

        pkt_init(&k);
        eth(&k, 0x0800);
        ip4(&k, 47, IP_A, IP_B);
        put16(&k, cases[i].flags);
        put16(&k, cases[i].proto);
        put32(&k, 0x45000000);
        fin(&k);
        assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
        assert_int_equal(p.decode_event, cases[i].ev);
        assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
        assert_int_equal(p.l4_proto, 47);
        assert_v4(p.src, IP_A);
    }
}

static void
gre_v0_recursion_bits_are_flagged_but_decapsulated(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 47, IP_A, IP_B);
    put16(&k, 0x0300);
    put16(&k, 0x0800);
    ip4(&k, 17, IP_C, IP_D);
    udp(&k, 1, 2);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.decode_event, SW_DEV_GRE_VERSION0_FLAGS);
    assert_int_equal(p.tunnel, SW_TUNNEL_GRE);
    assert_v4(p.src, IP_C);
}

static void
vxlan_inner_ethernet_is_flow_with_vlans(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_vxlan(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_VXLAN);
    assert_int_equal(p.l3_off, 42 + 8 + 18);
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 300);
    assert_v4(p.src, IP_C);
    assert_int_equal(p.sport, 22);
    assert_int_equal(st.vxlan, 1);
}

static void
vxlan_port_is_configurable_and_needs_i_flag(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    pkt_init(&k);
    s_vxlan(&k);
    set16(&k, 36, 8472);
    assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    cfg.vxlan_port = 8472;
    assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.tunnel, SW_TUNNEL_VXLAN);

    /* only the destination port counts */
    pkt_init(&k);
    s_vxlan(&k);
    set16(&k, 34, 4789);
    set16(&k, 36, 40000);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);

    pkt_init(&k);
    s_vxlan(&k);
    set8(&k, 42, 0x00);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(p.dport, 4789);
}


/* Issue 9 item 14: Cisco FabricPath frames were dropped as an unknown Ethertype; Suricata
 * reads the frame inside (after the 2-byte FTag/TTL), and so does seawall now. */
static void
fabricpath_frame_is_decoded_as_the_frame_inside(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_fabricpath(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.l3_off, 14 + 2 + 14 + 4);
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 7);
    assert_v4(p.src, IP_C);
    assert_int_equal(p.sport, 38856);
    assert_int_equal(p.dport, 8009);
    assert_int_equal(p.payload_len, 5);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_int_equal(st.fabricpath, 1);
    assert_int_equal(st.ethernet, 2); /* outer and inner, as Suricata counts them */
    assert_int_equal(st.events[SW_DEV_UNKNOWN_ETHERTYPE], 0);
    assert_int_equal(st.not_ip, 0);
}

static void
fabricpath_cut_before_the_inner_ethernet_header_is_dce_pkt_too_small(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    assert_string_equal(sw_decode_event_name(SW_DEV_DCE_TRUNC), "dce.pkt_too_small");
    assert_true(sw_decode_event_is_suricata(SW_DEV_DCE_TRUNC));
    pkt_init(&k);
    s_fabricpath(&k);
    /* tag and inner header need 16 bytes after the outer header: 15 is one short */
    assert_int_equal(run_cfg(&k, 14 + 15, LT_ETH, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_DCE_TRUNC);
    assert_int_equal(st.fabricpath, 0);
    /* 16 bytes: the inner header is there, its payload is not */
    assert_int_equal(run_cfg(&k, 14 + 16, LT_ETH, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_VLAN_TRUNC);
    assert_int_equal(st.fabricpath, 1);
}

/* Tags inside tags: each is a layer, so a frame of them stops at max_layers (the stack depth
 * does not grow with the frame's length). */
static void
nested_fabricpath_tags_stop_at_max_layers(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x8903);
    for (int i = 0; i < 100; i++) {
        put16(&k, 0x4020);
        eth(&k, 0x8903);
    }
    putfill(&k, 0, 20);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_TUNNEL_TOO_DEEP);
    assert_int_equal(st.fabricpath, 16);
}

/* Issue 9 item 17: Geneve (UDP 6081) is decapsulated like VXLAN. */
static void
geneve_with_options_carrying_ethernet_is_the_inner_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_geneve(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_GENEVE);
    assert_int_equal(p.l3_off, 42 + 8 + 20 + 14);
    assert_v4(p.src, IP_C);
    assert_int_equal(p.l4_proto, 6);
    assert_int_equal(p.sport, 39198);
    assert_int_equal(p.payload_len, 3);
    assert_int_equal(st.geneve, 1);
    assert_int_equal(st.ethernet, 2);
}

static void
geneve_carrying_ipv4_or_ipv6_is_the_inner_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    s_geneve_ipv4(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_GENEVE);
    assert_int_equal(p.l3_off, 42 + 8 + 8);
    assert_v4(p.src, IP_C);
    assert_int_equal(p.dport, 53);
    assert_int_equal(st.ethernet, 1);

    pkt_init(&k);
    eth(&k, 0x86dd);
    ip6(&k, 17, V6_A, V6_B);
    udp(&k, 6081, 40000); /* source port 6081 counts too, as in Suricata */
    put8(&k, 0x00);
    put8(&k, 0x80);       /* O: a control message, decoded all the same */
    put16(&k, 0x86dd);
    put32(&k, 0x00000100);
    ip6(&k, 6, V6_C, V6_D);
    tcp(&k, 443, 50000);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_GENEVE);
    assert_memory_equal(p.src, V6_C, 16);
    assert_int_equal(p.sport, 443);
    assert_int_equal(st.geneve, 2);
    assert_int_equal(st.ipv6_in_ipv6, 0); /* a UDP tunnel, not IP-in-IP */
}

static void
geneve_arp_is_not_ip_and_tunnels_off_leaves_the_udp_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 50000, 6081);
    put32(&k, 0x00000806);
    put32(&k, 0);
    putfill(&k, 0, 28);
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(p.decode_event, SW_DEV_NONE);
    assert_int_equal(st.geneve, 1);

    pkt_init(&k);
    s_geneve(&k);
    cfg.tunnels = false;
    expect_clean_ok(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_v4(p.src, IP_A);
    assert_int_equal(p.dport, 6081);
    assert_int_equal(st.geneve, 1);
}

/* A Geneve header that does not hold together: the event is counted, nothing is removed and
 * the outer UDP packet is the flow. */
static void
expect_geneve_flagged(struct pkt *k, enum sw_decode_event ev)
{
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    assert_int_equal(run(k, LT_ETH, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.decode_event, ev);
    assert_int_equal(st.events[ev], 1);
    assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
    assert_v4(p.src, IP_A);
    assert_int_equal(p.dport, 6081);
    assert_int_equal(p.payload_off, 42);
    assert_int_equal(st.geneve, 0);
    assert_int_equal(st.invalid, 0);
}

static void
geneve_truncated_header_or_options_is_flagged_pkt_too_small(void **state)
{
    struct pkt k;

    (void)state;
    /* 7 bytes: less than the fixed header */
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 50000, 6081);
    put32(&k, 0x00006558);
    put16(&k, 0);
    put8(&k, 0);
    fin(&k);
    expect_geneve_flagged(&k, SW_DEV_GENEVE_TRUNC);

    /* the header announces 20 bytes of options, the datagram holds 12 */
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 50000, 6081);
    put32(&k, 0x05006558);
    put32(&k, 0);
    put32(&k, 0x01080101);
    put32(&k, 0);
    put32(&k, 0x01080202);
    fin(&k);
    expect_geneve_flagged(&k, SW_DEV_GENEVE_TRUNC);
    assert_string_equal(sw_decode_event_name(SW_DEV_GENEVE_TRUNC), "geneve.pkt_too_small");
}

static void
geneve_option_longer_than_the_options_is_flagged_invalid_optlen(void **state)
{
    struct pkt k;

    (void)state;
    /* 8 bytes of options (2 words); the first option says 4 + 12 */
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 50000, 6081);
    put32(&k, 0x02006558);
    put32(&k, 0);
    put32(&k, 0x01080103);
    put32(&k, 0);
    eth(&k, 0x0800);
    ip4(&k, 6, IP_C, IP_D);
    tcp(&k, 1, 2);
    fin(&k);
    expect_geneve_flagged(&k, SW_DEV_GENEVE_OPT_INVALID);

    /* the longest option (5 bits: 4 + 124 bytes) in an option area of 124 */
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 50000, 6081);
    put32(&k, 0x1f006558);
    put32(&k, 0);
    put32(&k, 0x0108011f);
    putfill(&k, 0, 120);
    putfill(&k, 0, 60);
    fin(&k);
    expect_geneve_flagged(&k, SW_DEV_GENEVE_OPT_INVALID);
    assert_string_equal(sw_decode_event_name(SW_DEV_GENEVE_OPT_INVALID), "geneve.invalid_optlen");
}

static void
geneve_bad_version_reserved_bits_or_payload_type_is_flagged(void **state)
{
    struct pkt k;

    (void)state;
    pkt_init(&k);
    s_geneve(&k);
    set8(&k, 42, 0x45); /* version 1 */
    expect_geneve_flagged(&k, SW_DEV_GENEVE_VERSION);

    pkt_init(&k);
    s_geneve(&k);
    set8(&k, 43, 0x01); /* a reserved flag */
    expect_geneve_flagged(&k, SW_DEV_GENEVE_RESERVED);
    pkt_init(&k);
    s_geneve(&k);
    set8(&k, 49, 0x01); /* the reserved byte after the VNI */
    expect_geneve_flagged(&k, SW_DEV_GENEVE_RESERVED);

    pkt_init(&k);
    s_geneve(&k);
    set16(&k, 44, 0x88cc); /* LLDP */
    expect_geneve_flagged(&k, SW_DEV_GENEVE_UNKNOWN_PAYLOAD);
    assert_string_equal(sw_decode_event_name(SW_DEV_GENEVE_UNKNOWN_PAYLOAD),
                        "geneve.unknown_payload_type");
    assert_true(sw_decode_event_is_suricata(SW_DEV_GENEVE_UNKNOWN_PAYLOAD));
    assert_false(sw_decode_event_is_suricata(SW_DEV_GENEVE_OPT_INVALID));
}

static void
nested_tunnels_report_outermost_and_innermost_flow(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 40000, 4789);
    put32(&k, 0x08000000);
    put32(&k, 0x00000100);
    eth(&k, 0x0800);
    ip4(&k, 47, IP_C, IP_D);
    put32(&k, 0x000086dd);
    ip6(&k, 41, V6_A, V6_B);
    ip6(&k, 6, V6_C, V6_D);
    tcp(&k, 7000, 8000);
    fin(&k);
    expect_clean_ok(run(&k, LT_ETH, &p, &st), &p);
    assert_int_equal(p.tunnel, SW_TUNNEL_VXLAN);
    assert_int_equal(p.ip_version, 6);
    assert_memory_equal(p.src, V6_C, 16);
    assert_int_equal(p.l3_off, 42 + 8 + 14 + 20 + 4 + 40);
    assert_int_equal(p.sport, 7000);
    assert_int_equal(st.vxlan, 1);
    assert_int_equal(st.gre, 1);
    assert_int_equal(st.ipv6_in_ipv6, 1);
}

static void
tunnel_with_bad_inner_packet_is_invalid(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};

    (void)state;
    pkt_init(&k);
    eth(&k, 0x0800);
    ip4(&k, 4, IP_A, IP_B);
    put32(&k, 0x45000000); /* 4 bytes of an inner header */
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV4_TRUNC);
    assert_int_equal(p.tunnel, SW_TUNNEL_IPIP);

    pkt_init(&k);
    s_vxlan(&k);
    k.n = 42 + 8 + 10; /* inner Ethernet cut */
    fin(&k);
    assert_int_equal(run(&k, LT_ETH, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_ETH_TRUNC);
}

static void
tunnel_cut_by_snap_length_is_still_decapsulated(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    pkt_init(&k);
    s_vxlan(&k);
    /* the UDP length is longer than what was captured, but the IP header says why */
    assert_int_equal(run_cfg(&k, k.n - 1, LT_ETH, &cfg, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.tunnel, SW_TUNNEL_VXLAN);
    assert_true(p.flags & SW_PKT_CUT);
    assert_int_equal(p.decode_event, SW_DEV_IP_CUT);
    assert_int_equal(st.events[SW_DEV_IP_CUT], 2); /* outer and inner datagram */
    assert_int_equal(p.payload_len, 0);
    assert_v4(p.src, IP_C);
}

static void
max_layers_bounds_every_encapsulation_step(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    /* VLAN + VXLAN + VLAN: three steps */
    pkt_init(&k);
    eth(&k, 0x8100);
    vlan(&k, 9, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 40000, 4789);
    put32(&k, 0x08000000);
    put32(&k, 0x00000100);
    eth(&k, 0x8100);
    vlan(&k, 300, 0x0800);
    ip4(&k, 6, IP_C, IP_D);
    tcp(&k, 1, 2);
    fin(&k);
    cfg.max_layers = 3;
    assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_OK);
    assert_int_equal(p.vlan_count, 2);
    cfg.max_layers = 2;
    assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_TUNNEL_TOO_DEEP);
    assert_int_equal(st.events[SW_DEV_TUNNEL_TOO_DEEP], 1);
    cfg.max_layers = 1;
    assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_TUNNEL_TOO_DEEP);
    cfg.max_layers = 0;
    assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_INVALID);

    /* an MPLS label is a step too */
    pkt_init(&k);
    s_mpls_ipv4_tcp(&k);
    cfg.max_layers = 1;
    assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_TUNNEL_TOO_DEEP);
    cfg.max_layers = 2;
    assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_OK);

    /* eight IP-in-IP headers against the default of 16 and a limit of 6 */
    pkt_init(&k);
    eth(&k, 0x0800);
    for (int i = 0; i < 7; i++)
        ip4(&k, 4, IP_A + (uint32_t)i, IP_B);
    ip4(&k, 17, IP_C, IP_D);
    udp(&k, 1, 2);
    fin(&k);
    cfg = cfg_default();
    assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_OK);
    assert_v4(p.src, IP_C);
    cfg.max_layers = 6;
    assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_TUNNEL_TOO_DEEP);
}

static void
tunnels_disabled_keep_the_outer_packet_as_flow(void **state)
{
    static void (*const builders[])(struct pkt *) = {s_4in4, s_6in4, s_gtpu, s_tzsp, s_capwap,
                                                    s_gre_ipv4, s_erspan2, s_pptp, s_vxlan};
    struct sw_decode_cfg cfg = cfg_default();
    size_t i;

    (void)state;
    cfg.tunnels = false;
    for (i = 0; i < sizeof(builders) / sizeof(builders[0]); i++) {
        struct pkt k;
        struct sw_packet p;
        struct sw_decode_stats st = {0};

        pkt_init(&k);
        builders[i](&k);
        assert_int_equal(run_cfg(&k, k.n, LT_ETH, &cfg, &p, &st), SW_DECODE_OK);
        assert_int_equal(p.tunnel, SW_TUNNEL_NONE);
        assert_int_equal(p.ip_version, 4);
        assert_v4(p.src, IP_A);
        assert_int_equal(p.decode_event, SW_DEV_NONE);
        assert_int_equal(st.gre + st.vxlan + st.gtpu + st.tzsp + st.capwap, 0);
    }
}

/* --- link types --------------------------------------------------------------------------- */

static void
linux_cooked_v1_and_v2_are_decoded(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();

    (void)state;
    pkt_init(&k);
    s_sll_ipv4_udp(&k);
    expect_clean_ok(run(&k, LT_SLL, &p, &st), &p);
    assert_int_equal(p.l3_off, 16);
    assert_int_equal(run_cfg(&k, 15, LT_SLL, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_SLL_TRUNC);

    pkt_init(&k);
    s_sll2_ipv6_tcp(&k);
    expect_clean_ok(run(&k, LT_SLL2, &p, &st), &p);
    assert_int_equal(p.l3_off, 20);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(run_cfg(&k, 19, LT_SLL2, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_SLL_TRUNC);
    assert_int_equal(st.sll, 4);

    /* SLL with a VLAN tag left in the payload */
    pkt_init(&k);
    put16(&k, 0);
    put16(&k, 1);
    put16(&k, 6);
    putfill(&k, 0, 8);
    put16(&k, 0x8100);
    vlan(&k, 33, 0x0800);
    ip4(&k, 17, IP_A, IP_B);
    udp(&k, 1, 2);
    fin(&k);
    expect_clean_ok(run(&k, LT_SLL, &p, &st), &p);
    assert_int_equal(p.vlan[0], 33);

    /* netlink monitor */
    pkt_init(&k);
    put16(&k, 4);
    put16(&k, 824);
    put16(&k, 0);
    putfill(&k, 0, 8);
    put16(&k, 0x0000);
    putfill(&k, 0, 20);
    assert_int_equal(run(&k, LT_SLL, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(p.decode_event, SW_DEV_NONE);
}

static void
null_and_loop_read_the_family_in_either_byte_order(void **state)
{
    static const uint32_t v6fam[] = {10, 24, 28, 30};
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();
    size_t i;

    (void)state;
    pkt_init(&k);
    s_null_ipv4_tcp(&k);
    expect_clean_ok(run(&k, LT_NULL, &p, &st), &p);
    assert_int_equal(p.l3_off, 4);
    set16(&k, 0, 0);
    set16(&k, 2, 2); /* big-endian AF_INET */
    expect_clean_ok(run(&k, LT_NULL, &p, &st), &p);
    expect_clean_ok(run(&k, LT_LOOP, &p, &st), &p);
    for (i = 0; i < sizeof(v6fam) / sizeof(v6fam[0]); i++) {
        pkt_init(&k);
        put8(&k, v6fam[i]);
        putfill(&k, 0, 3);
        ip6(&k, 17, V6_A, V6_B);
        udp(&k, 1, 2);
        fin(&k);
        expect_clean_ok(run(&k, LT_NULL, &p, &st), &p);
        assert_int_equal(p.ip_version, 6);
        set8(&k, 0, 0);
        set8(&k, 3, v6fam[i]);
        expect_clean_ok(run(&k, LT_LOOP, &p, &st), &p);
    }
    set8(&k, 3, 23); /* AF_INET6 on Windows: unknown family, IPv6 by its version */
    expect_clean_ok(run(&k, LT_NULL, &p, &st), &p);
    assert_int_equal(p.ip_version, 6);
    set8(&k, 4, 0x20); /* unknown family and not IP */
    assert_int_equal(run(&k, LT_NULL, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(run_cfg(&k, 3, LT_NULL, &cfg, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_NULL_TRUNC);
}

static void
ppp_framings_are_decoded(void **state)
{
    struct pkt k;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    static const int lts[] = {LT_PPP, LT_PPP_SERIAL, LT_C_HDLC};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(lts) / sizeof(lts[0]); i++) {
        /* PPP in HDLC-like framing */
        pkt_init(&k);
        s_ppp_ipv6_udp(&k);
        expect_clean_ok(run(&k, lts[i], &p, &st), &p);
        assert_int_equal(p.l3_off, 4);
        /* no address/control */
        pkt_init(&k);
        put16(&k, 0x0021);
        ip4(&k, 6, IP_A, IP_B);
        tcp(&k, 1, 2);
        fin(&k);
        expect_clean_ok(run(&k, lts[i], &p, &st), &p);
        assert_int_equal(p.l3_off, 2);
        /* protocol field compressed to one byte */
        pkt_init(&k);
        put8(&k, 0x21);
        ip4(&k, 6, IP_A, IP_B);
        tcp(&k, 1, 2);
        fin(&k);
        expect_clean_ok(run(&k, lts[i], &p, &st), &p);
        assert_int_equal(p.l3_off, 1);
        /* Cisco HDLC */
        pkt_init(&k);
        put32(&k, 0x8f000800);
        ip4(&k, 6, IP_A, IP_B);
        tcp(&k, 1, 2);
        fin(&k);
        expect_clean_ok(run(&k, lts[i], &p, &st), &p);
        assert_int_equal(p.l3_off, 4);
    }
    pkt_init(&k);
    s_chdlc_mpls_ipv4(&k);
    expect_clean_ok(run(&k, LT_C_HDLC, &p, &st), &p);
    assert_int_equal(p.l3_off, 8);

    /* LCP: not IP; an unknown network protocol: flagged */
    pkt_init(&k);
    put32(&k, 0xff03c021);
    put32(&k, 0x01010004);
    assert_int_equal(run(&k, LT_PPP, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(p.decode_event, SW_DEV_NONE);
    pkt_init(&k);
    put32(&k, 0xff03002b); /* IPX */
    put32(&k, 0);
    assert_int_equal(run(&k, LT_PPP, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(p.decode_event, SW_DEV_PPP_UNSUP);
    /* Cisco SLARP keepalive */
    pkt_init(&k);
    put32(&k, 0x8f008035);
    putfill(&k, 0, 20);
    assert_int_equal(run(&k, LT_C_HDLC, &p, &st), SW_DECODE_NOT_IP);
    assert_int_equal(p.decode_event, SW_DEV_NONE);
    /* cut */
    pkt_init(&k);
    put8(&k, 0xff);
    assert_int_equal(run(&k, LT_PPP, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_PPP_TRUNC);
    pkt_init(&k);
    put16(&k, 0xff03);
    assert_int_equal(run(&k, LT_PPP, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_PPP_TRUNC);
    pkt_init(&k);
    put16(&k, 0x0f00);
    put8(&k, 0x08);
    assert_int_equal(run(&k, LT_C_HDLC, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_PPP_TRUNC);
}

static void
raw_link_types_choose_by_version(void **state)
{
    static const int lts[] = {LT_RAW, LT_RAW_BSD, LT_RAW_FILE};
    struct pkt k4, k6, bad;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    size_t i;

    (void)state;
    pkt_init(&k4);
    ip4(&k4, 17, IP_A, IP_B);
    udp(&k4, 1, 2);
    fin(&k4);
    pkt_init(&k6);
    ip6(&k6, 17, V6_A, V6_B);
    udp(&k6, 1, 2);
    fin(&k6);
    pkt_init(&bad);
    putfill(&bad, 0x50, 40);
    for (i = 0; i < sizeof(lts) / sizeof(lts[0]); i++) {
        expect_clean_ok(run(&k4, lts[i], &p, &st), &p);
        assert_int_equal(p.ip_version, 4);
        assert_int_equal(p.l3_off, 0);
        expect_clean_ok(run(&k6, lts[i], &p, &st), &p);
        assert_int_equal(p.ip_version, 6);
        assert_int_equal(run(&bad, lts[i], &p, &st), SW_DECODE_INVALID);
        assert_int_equal(p.decode_event, SW_DEV_RAW_INVALID_VERSION);
    }
    expect_clean_ok(run(&k4, LT_IPV4, &p, &st), &p);
    expect_clean_ok(run(&k6, LT_IPV6, &p, &st), &p);
    assert_int_equal(run(&k6, LT_IPV4, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV4_WRONG_VERSION);
    assert_int_equal(run(&k4, LT_IPV6, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_IPV6_TRUNC);
    pkt_init(&bad);
    assert_int_equal(run(&bad, LT_RAW, &p, &st), SW_DECODE_INVALID);
    assert_int_equal(p.decode_event, SW_DEV_PKT_TOO_SMALL);
    assert_int_equal(st.raw, 3 * 3 + 4 + 1);
}

static void
counters_count_each_frame_once_and_each_result(void **state)
{
    struct pkt ok, frag, notip, bad;
    struct sw_packet p;
    struct sw_decode_stats st = {0};
    struct sw_decode_cfg cfg = cfg_default();
    uint64_t bytes;

    (void)state;
    pkt_init(&ok);
    s_4in4(&ok);
    pkt_init(&frag);
    s_ipv6_fragment(&frag);
    pkt_init(&notip);
    eth(&notip, 0x0806);
    putfill(&notip, 0, 28);
    pkt_init(&bad);
    eth(&bad, 0x0800);
    put32(&bad, 0x45000000);
    run(&ok, LT_ETH, &p, &st);
    run(&frag, LT_ETH, &p, &st);
    run(&notip, LT_ETH, &p, &st);
    run(&bad, LT_ETH, &p, &st);
    run_cfg(&ok, ok.n, 999, &cfg, &p, &st);
    bytes = (uint64_t)ok.n * 2 + frag.n + notip.n + bad.n;
    assert_int_equal(st.pkts, 5);
    assert_int_equal(st.bytes, bytes);
    assert_int_equal(st.fragments, 1);
    assert_int_equal(st.not_ip, 1);
    assert_int_equal(st.invalid, 1);
    assert_int_equal(st.events[SW_DEV_IPV4_TRUNC], 1);
    assert_int_equal(st.ethernet, 4);
    assert_int_equal(st.ipv4, 3);
    assert_int_equal(st.ipv6, 1);
    assert_int_equal(st.vlan, 1);
}

/* --- robustness --------------------------------------------------------------------------- */

static void
every_sample_survives_truncation_at_every_length(void **state)
{
    struct sw_decode_cfg cfgs[3];
    size_t i, c;

    (void)state;
    cfgs[0] = cfg_default();
    cfgs[1] = cfg_default();
    cfgs[1].tunnels = false;
    cfgs[2] = cfg_default();
    cfgs[2].max_layers = 1;
    for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        struct pkt k;
        uint32_t len;

        pkt_init(&k);
        samples[i].build(&k);
        for (c = 0; c < 3; c++) {
            struct sw_decode_stats st = {0};
            struct sw_packet p;

            for (len = 0; len <= k.n; len++) {
                enum sw_decode_rc rc = run_cfg(&k, len, samples[i].linktype, &cfgs[c], &p, &st);

                assert_true(rc != SW_DECODE_LINKTYPE);
                if (len == k.n && c == 0)
                    assert_true(rc == SW_DECODE_OK || rc == SW_DECODE_FRAGMENT);
            }
            assert_int_equal(st.pkts, k.n + 1);
        }
    }
}

static void
every_sample_survives_single_byte_corruption(void **state)
{
    struct sw_decode_cfg cfg = cfg_default();
    static const uint8_t vals[] = {0x00, 0x01, 0x07, 0x45, 0x60, 0x80, 0xff};
    size_t i, v;

    (void)state;
    for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        struct pkt k;
        uint32_t at;

        pkt_init(&k);
        samples[i].build(&k);
        for (at = 0; at < k.n; at++) {
            for (v = 0; v < sizeof(vals); v++) {
                struct pkt m = k;
                struct sw_decode_stats st = {0};
                struct sw_packet p;

                m.b[at] = vals[v];
                run_cfg(&m, m.n, samples[i].linktype, &cfg, &p, &st);
            }
        }
    }
}

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

static void
random_frames_keep_the_field_contract(void **state)
{
    static const int lts[] = {LT_ETH, LT_SLL, LT_SLL2, LT_NULL, LT_RAW, LT_PPP, LT_C_HDLC};
    struct sw_decode_cfg cfg = cfg_default();
    struct sw_decode_stats st = {0};
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned n;

    (void)state;
    for (n = 0; n < 20000; n++) {
        struct pkt k;
        struct sw_packet p;
        uint32_t len = (uint32_t)(xorshift(&seed) % 200);
        uint32_t j;

        pkt_init(&k);
        /* mostly plausible prefixes, so the walk goes deep */
        for (j = 0; j < len; j++)
            put8(&k, (unsigned)xorshift(&seed));
        if (len > 14 && (n & 1)) {
            set16(&k, 12, (n & 2) ? 0x0800 : 0x86dd);
            set8(&k, 14, (n & 2) ? 0x45 : 0x60);
        }
        run_cfg(&k, k.n, lts[n % (sizeof(lts) / sizeof(lts[0]))], &cfg, &p, &st);
    }
    assert_int_equal(st.pkts, 20000);
}

/* --- real captures ------------------------------------------------------------------------ */

/* The corpus root is $SEAWALL_CORPUS (tests/run-all.sh sets it) or ../shared/corpus from the
 * repository root, as `make test` runs. */
#define CORPUS_ROOT "../shared/corpus"
#define CORPUS_PCAPS "/ndpi-4.2/pcap"

struct corpus_count {
    unsigned pkts, ok, not_ip, invalid, fragment;
    unsigned tunnel[SW_TUNNEL_GENEVE + 1];
};

static void
skip_no_corpus(void)
{
    print_message("skipped: corpus not found\n");
    skip();
}

static const char *
corpus_dir(void)
{
    static char dir[512];
    const char *root = getenv("SEAWALL_CORPUS");
    struct stat sb;
    int n;

    if (root == NULL || root[0] == '\0')
        root = CORPUS_ROOT;
    n = snprintf(dir, sizeof(dir), "%s%s", root, CORPUS_PCAPS);
    if (n < 0 || (size_t)n >= sizeof(dir))
        return NULL;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return NULL;
    return dir;
}

/* Decode every packet of a capture into cc; false when the corpus is absent. */
static bool
corpus_read(const char *name, struct corpus_count *cc, void (*each)(const struct sw_packet *p,
                                                                    enum sw_decode_rc rc))
{
    const char *dir = corpus_dir();
    char path[512], errbuf[PCAP_ERRBUF_SIZE];
    struct sw_decode_cfg cfg = cfg_default();
    struct sw_decode_stats st = {0};
    struct pcap_pkthdr *h;
    const u_char *data;
    pcap_t *pc;
    int lt, n;

    memset(cc, 0, sizeof(*cc));
    if (dir == NULL)
        return false;
    n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < sizeof(path));
    pc = pcap_open_offline(path, errbuf);
    if (pc == NULL)
        fail_msg("%s: %s", path, errbuf);
    lt = pcap_datalink(pc);
    while (pcap_next_ex(pc, &h, &data) == 1) {
        struct pkt k;
        struct sw_packet p;
        enum sw_decode_rc rc;

        assert_true(h->caplen <= PKT_MAX);
        pkt_init(&k);
        putn(&k, data, h->caplen);
        rc = run_cfg(&k, k.n, lt, &cfg, &p, &st);
        cc->pkts++;
        cc->ok += rc == SW_DECODE_OK;
        cc->not_ip += rc == SW_DECODE_NOT_IP;
        cc->invalid += rc == SW_DECODE_INVALID;
        cc->fragment += rc == SW_DECODE_FRAGMENT;
        if (rc == SW_DECODE_OK)
            cc->tunnel[p.tunnel]++;
        if (each != NULL)
            each(&p, rc);
    }
    pcap_close(pc);
    return true;
}

static void
each_ipv6_udp_or_tcp(const struct sw_packet *p, enum sw_decode_rc rc)
{
    assert_int_equal(rc, SW_DECODE_OK);
    assert_int_equal(p->ip_version, 6);
}

static void
each_two_vlans_inner_v4(const struct sw_packet *p, enum sw_decode_rc rc)
{
    assert_int_equal(rc, SW_DECODE_OK);
    assert_int_equal(p->vlan_count, 2);
    assert_int_equal(p->ip_version, 4);
    assert_int_equal(p->l4_proto, 17);
}

static void
corpus_ip_in_ip_captures_decode_to_inner_flows(void **state)
{
    struct corpus_count cc;

    (void)state;
    if (!corpus_read("4in4tunnel.pcap", &cc, each_two_vlans_inner_v4))
        skip_no_corpus();
    assert_int_equal(cc.pkts, 5);
    assert_int_equal(cc.tunnel[SW_TUNNEL_IPIP], 5);
    assert_true(corpus_read("6in4tunnel.pcap", &cc, each_ipv6_udp_or_tcp));
    assert_int_equal(cc.pkts, 127);
    assert_int_equal(cc.tunnel[SW_TUNNEL_IPIP], 127);
    assert_true(corpus_read("4in6tunnel.pcap", &cc, NULL));
    assert_int_equal(cc.tunnel[SW_TUNNEL_IPIP], 4);
    assert_true(corpus_read("6in6tunnel.pcap", &cc, each_ipv6_udp_or_tcp));
    assert_int_equal(cc.tunnel[SW_TUNNEL_IPIP], 2);
}

static void
corpus_gtp_and_capwap_captures_decode_to_inner_flows(void **state)
{
    struct corpus_count cc;

    (void)state;
    if (!corpus_read("ipv6_in_gtp.pcap", &cc, each_ipv6_udp_or_tcp))
        skip_no_corpus();
    assert_int_equal(cc.tunnel[SW_TUNNEL_GTP], 2);
    /* 11 IP packets inside 802.11 data frames; management frames, ARP, CDP: not IP */
    assert_true(corpus_read("capwap.pcap", &cc, NULL));
    assert_int_equal(cc.pkts, 422);
    assert_int_equal(cc.tunnel[SW_TUNNEL_CAPWAP], 11);
    assert_int_equal(cc.ok, 11 + 224);
    assert_int_equal(cc.not_ip, 187);
    assert_int_equal(cc.invalid, 0);
    /* not a GTP-U T-PDU: the UDP packets are the flows */
    assert_true(corpus_read("gtp_false_positive.pcapng", &cc, NULL));
    assert_int_equal(cc.tunnel[SW_TUNNEL_GTP], 0);
    assert_int_equal(cc.ok, cc.pkts);
}


/* ajp.pcap: 12 of its frames are FabricPath copies of the AJP connections' TCP segments. */
static void
each_vlan7_tcp(const struct sw_packet *p, enum sw_decode_rc rc)
{
    assert_int_equal(rc, SW_DECODE_OK);
    assert_int_equal(p->l4_proto, 6);
    assert_int_equal(p->vlan_count, 1);
    assert_int_equal(p->vlan[0], 7);
}

static void
corpus_fabricpath_frames_of_ajp_decode_as_tcp(void **state)
{
    struct corpus_count cc;

    (void)state;
    if (!corpus_read("ajp.pcap", &cc, each_vlan7_tcp))
        skip_no_corpus();
    assert_int_equal(cc.ok, cc.pkts);
}

static void
corpus_link_types_decode(void **state)
{
    static const struct {
        const char *name;
        unsigned pkts;
    } files[] = {
        {"BGP_redist.pcap", 2},       /* Cisco HDLC, one via MPLS */
        {"BGP_Cisco_hdlc_slarp.pcap", 14}, /* DLT_PPP with Cisco HDLC framing */
        {"dlt_ppp.pcap", 1},
        {"nats.pcap", 27},            /* DLT_NULL */
        {"KakaoTalk_chat.pcap", 347}, /* Linux cooked */
        {"ocs.pcap", 946},            /* raw IP */
    };
    struct corpus_count cc;
    size_t i;

    (void)state;
    if (corpus_dir() == NULL)
        skip_no_corpus();
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        assert_true(corpus_read(files[i].name, &cc, NULL));
        assert_int_equal(cc.pkts, files[i].pkts);
        assert_int_equal(cc.invalid, 0);
        assert_int_equal(cc.ok, cc.pkts);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cfg_defaults_are_16_layers_tunnels_on_vxlan_4789),
        cmocka_unit_test(linktype_supported_accepts_decoded_types_only),
        cmocka_unit_test(unknown_linktype_returns_linktype_and_counts_frame),
        cmocka_unit_test(event_names_are_unique_and_suricata_style),
        cmocka_unit_test(ethernet_ipv4_tcp_fills_flow_fields),
        cmocka_unit_test(ethernet_ipv6_udp_fills_flow_fields),
        cmocka_unit_test(ethernet_padding_is_not_part_of_datagram),
        cmocka_unit_test(tcp_without_payload_is_ok),
        cmocka_unit_test(tcp_valid_options_raise_no_event),
        cmocka_unit_test(tcp_bad_options_are_flagged_but_ok),
        cmocka_unit_test(tcp_header_length_errors_are_invalid),
        cmocka_unit_test(udp_bad_length_is_flagged_and_never_decapsulated),
        cmocka_unit_test(udp_length_shorter_than_datagram_bounds_payload),
        cmocka_unit_test(udp_header_cut_short_is_invalid),
        cmocka_unit_test(icmp_sets_type_code_and_no_ports),
        cmocka_unit_test(icmp_shorter_than_8_bytes_is_invalid),
        cmocka_unit_test(sctp_sets_ports),
        cmocka_unit_test(other_l4_protocols_are_ok_without_ports),
        cmocka_unit_test(arp_lldp_and_8023_llc_are_not_ip_without_event),
        cmocka_unit_test(unknown_ethertype_is_not_ip_with_event),
        cmocka_unit_test(llc_snap_carrying_ipv4_is_decoded),
        cmocka_unit_test(ipv4_tcp_truncated_at_every_length_reports_its_layer),
        cmocka_unit_test(ipv4_header_errors_are_invalid),
        cmocka_unit_test(ipv4_options_are_walked),
        cmocka_unit_test(ipv4_datagram_longer_than_capture_is_cut_but_decoded),
        cmocka_unit_test(ipv4_more_fragments_returns_fragment),
        cmocka_unit_test(ipv4_nonzero_offset_returns_fragment),
        cmocka_unit_test(reassembled_ipv4_with_mf_is_decoded_and_flagged),
        cmocka_unit_test(decode_ip_at_offset_reads_from_there),
        cmocka_unit_test(ipv6_extension_headers_are_skipped),
        cmocka_unit_test(ipv6_extension_header_errors_are_invalid),
        cmocka_unit_test(ipv6_header_errors_are_invalid),
        cmocka_unit_test(ipv6_no_next_header_is_ok_and_flags_trailing_data),
        cmocka_unit_test(ipv6_fragment_header_returns_fragment),
        cmocka_unit_test(ipv6_atomic_fragment_is_decoded_with_frag_flag),
        cmocka_unit_test(reassembled_ipv6_with_fragment_header_is_decoded),
        cmocka_unit_test(vlan_single_tag_id_is_kept),
        cmocka_unit_test(qinq_ids_are_kept_outermost_first),
        cmocka_unit_test(three_tags_are_kept_and_a_fourth_is_too_many),
        cmocka_unit_test(vlan_header_cut_short_is_invalid),
        cmocka_unit_test(mpls_label_stack_reaches_ip),
        cmocka_unit_test(mpls_payload_that_is_not_ip_is_not_ip),
        cmocka_unit_test(mpls_reserved_bottom_label_is_flagged),
        cmocka_unit_test(mpls_stack_cut_short_is_invalid),
        cmocka_unit_test(pppoe_session_carries_ipv4_and_ipv6),
        cmocka_unit_test(pppoe_errors_and_control_traffic),
        cmocka_unit_test(ipip_4in4_inner_is_flow),
        cmocka_unit_test(ipip_all_version_pairs_count_and_decode_inner),
        cmocka_unit_test(ipip_inner_fragment_returns_inner_fragment),
        cmocka_unit_test(gtpu_inner_ip_is_flow),
        cmocka_unit_test(gtpu_that_is_not_a_tpdu_stays_outer_flow),
        cmocka_unit_test(gtpu_broken_extension_chain_stays_outer_flow_flagged),
        cmocka_unit_test(tzsp_inner_ethernet_is_flow),
        cmocka_unit_test(tzsp_other_encapsulation_or_no_end_tag_stays_outer),
        cmocka_unit_test(capwap_80211_data_inner_is_flow),
        cmocka_unit_test(capwap_8023_payload_is_inner_ethernet),
        cmocka_unit_test(capwap_keepalive_dtls_and_management_frames),
        cmocka_unit_test(gre_ipv4_with_optional_fields_inner_is_flow),
        cmocka_unit_test(gre_teb_collects_outer_and_inner_vlans),
        cmocka_unit_test(erspan_types_inner_ethernet_is_flow),
        cmocka_unit_test(gre_v1_pptp_ppp_ip_inner_is_flow),
        cmocka_unit_test(gre_malformed_headers_stay_outer_flow_flagged),
        cmocka_unit_test(gre_v0_recursion_bits_are_flagged_but_decapsulated),
        cmocka_unit_test(vxlan_inner_ethernet_is_flow_with_vlans),
        cmocka_unit_test(vxlan_port_is_configurable_and_needs_i_flag),
        cmocka_unit_test(fabricpath_frame_is_decoded_as_the_frame_inside),
        cmocka_unit_test(fabricpath_cut_before_the_inner_ethernet_header_is_dce_pkt_too_small),
        cmocka_unit_test(nested_fabricpath_tags_stop_at_max_layers),
        cmocka_unit_test(geneve_with_options_carrying_ethernet_is_the_inner_flow),
        cmocka_unit_test(geneve_carrying_ipv4_or_ipv6_is_the_inner_flow),
        cmocka_unit_test(geneve_arp_is_not_ip_and_tunnels_off_leaves_the_udp_flow),
        cmocka_unit_test(geneve_truncated_header_or_options_is_flagged_pkt_too_small),
        cmocka_unit_test(geneve_option_longer_than_the_options_is_flagged_invalid_optlen),
        cmocka_unit_test(geneve_bad_version_reserved_bits_or_payload_type_is_flagged),
        cmocka_unit_test(nested_tunnels_report_outermost_and_innermost_flow),
        cmocka_unit_test(tunnel_with_bad_inner_packet_is_invalid),
        cmocka_unit_test(tunnel_cut_by_snap_length_is_still_decapsulated),
        cmocka_unit_test(max_layers_bounds_every_encapsulation_step),
        cmocka_unit_test(tunnels_disabled_keep_the_outer_packet_as_flow),
        cmocka_unit_test(linux_cooked_v1_and_v2_are_decoded),
        cmocka_unit_test(null_and_loop_read_the_family_in_either_byte_order),
        cmocka_unit_test(ppp_framings_are_decoded),
        cmocka_unit_test(raw_link_types_choose_by_version),
        cmocka_unit_test(counters_count_each_frame_once_and_each_result),
        cmocka_unit_test(every_sample_survives_truncation_at_every_length),
        cmocka_unit_test(every_sample_survives_single_byte_corruption),
        cmocka_unit_test(random_frames_keep_the_field_contract),
        cmocka_unit_test(corpus_ip_in_ip_captures_decode_to_inner_flows),
        cmocka_unit_test(corpus_gtp_and_capwap_captures_decode_to_inner_flows),
        cmocka_unit_test(corpus_fabricpath_frames_of_ajp_decode_as_tcp),
        cmocka_unit_test(corpus_link_types_decode),
    };

    return cmocka_run_group_tests(tests, NULL, teardown_frame);
}
