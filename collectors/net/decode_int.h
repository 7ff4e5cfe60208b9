/* decode_int.h - private interface between the per-layer decoders (collectors/net/decode*.c).
 *
 * Every layer function takes the bytes [off, end) of its layer: end is the end of what the
 * enclosing layer vouches for (the captured frame, or the enclosing IP datagram), and callers
 * keep off <= end <= caplen so `end - off` never wraps. A layer either fails (sw_decode_fail:
 * one fatal event, SW_DECODE_INVALID), or flags a non-fatal event (sw_decode_flag) and goes
 * on, or hands the rest to the next layer and returns that layer's result. */
#ifndef SW_DECODE_INT_H
#define SW_DECODE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/decode.h"
#include "sw/packet.h"

/* Hard ceiling on encapsulation steps whatever the config says: every step recurses, so this
 * bounds the stack used by a hostile frame. */
#define SW_DECODE_LAYERS_HARD_MAX 64u

/* IPv6 extension headers walked before giving up (ipv6.exthdr_too_many). */
#define SW_DECODE_IPV6_MAX_EXTHDRS 8u

/* GTP-U extension headers walked before giving up. */
#define SW_DECODE_GTP_MAX_EXTS 8u

/* libpcap link types by number, so the decoder does not depend on the platform's DLT_RAW. */
#define SW_LINKTYPE_NULL 0
#define SW_LINKTYPE_ETHERNET 1
#define SW_LINKTYPE_PPP 9
#define SW_LINKTYPE_RAW 12       /* DLT_RAW on Linux */
#define SW_LINKTYPE_RAW_BSD 14   /* DLT_RAW on OpenBSD, BSD/OS */
#define SW_LINKTYPE_PPP_SERIAL 50
#define SW_LINKTYPE_RAW_FILE 101 /* LINKTYPE_RAW as written in pcap files */
#define SW_LINKTYPE_C_HDLC 104
#define SW_LINKTYPE_LOOP 108
#define SW_LINKTYPE_SLL 113
#define SW_LINKTYPE_IPV4 228
#define SW_LINKTYPE_IPV6 229
#define SW_LINKTYPE_SLL2 276

#define SW_ETH_IPV4 0x0800u
#define SW_ETH_ARP 0x0806u
#define SW_ETH_TEB 0x6558u    /* transparent Ethernet bridging (GRE) */
#define SW_ETH_RARP 0x8035u   /* also Cisco SLARP */
#define SW_ETH_VLAN 0x8100u
#define SW_ETH_IPX 0x8137u
#define SW_ETH_IPV6 0x86ddu
#define SW_ETH_SLOW 0x8809u   /* LACP, marker */
#define SW_ETH_MPLS_UC 0x8847u
#define SW_ETH_MPLS_MC 0x8848u
#define SW_ETH_PPPOE_DISC 0x8863u
#define SW_ETH_PPPOE_SESS 0x8864u
#define SW_ETH_EAPOL 0x888eu
#define SW_ETH_QINQ 0x88a8u
#define SW_ETH_ERSPAN2 0x88beu
#define SW_ETH_LLDP 0x88ccu
#define SW_ETH_MACSEC 0x88e5u
#define SW_ETH_PTP 0x88f7u
#define SW_ETH_CFM 0x8902u
#define SW_ETH_DCE 0x8903u    /* Cisco FabricPath ("data center Ethernet") */
#define SW_ETH_LOOPBACK 0x9000u
#define SW_ETH_QINQ_OLD 0x9100u
#define SW_ETH_ERSPAN3 0x22ebu

#define SW_PPP_IPV4 0x0021u
#define SW_PPP_IPV6 0x0057u
#define SW_PPP_MPLS_UC 0x0281u
#define SW_PPP_MPLS_MC 0x0283u

#define SW_IPPROTO_ICMP 1
#define SW_IPPROTO_IPIP 4
#define SW_IPPROTO_TCP 6
#define SW_IPPROTO_UDP 17
#define SW_IPPROTO_IPV6 41
#define SW_IPPROTO_GRE 47
#define SW_IPPROTO_ICMPV6 58
#define SW_IPPROTO_NONE 59
#define SW_IPPROTO_SCTP 132

#define SW_PORT_GTPU 2152
#define SW_PORT_GENEVE 6081
#define SW_PORT_CAPWAP_DATA 5247
#define SW_PORT_TZSP 37008

/* One decode call's state, on the caller's stack. */
struct sw_decode_ctx {
    const struct sw_decode_cfg *cfg;
    struct sw_packet *p;
    struct sw_decode_stats *st;
    const uint8_t *d; /* borrowed: p->data */
    uint32_t caplen;  /* p->caplen */
    unsigned layers;  /* encapsulation steps taken so far */
    unsigned max_layers;
    bool reasm; /* the next IP header is a reassembled datagram's (SW_PKT_REASSEMBLED) */
};

static inline uint16_t
sw_decode_be16(const uint8_t *b)
{
    return (uint16_t)(((unsigned)b[0] << 8) | b[1]);
}

static inline uint32_t
sw_decode_be32(const uint8_t *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Is this 8-byte LLC/SNAP header (AA AA 03, OUI, PID) one whose PID is an Ethertype? That is
 * OUI 00-00-00 (RFC 1042) or 00-00-F8 (802.1H); other OUIs (Cisco's CDP, WLCCP) have their
 * own PID space. */
static inline bool
sw_decode_snap_ethertype(const uint8_t *llc)
{
    return llc[0] == 0xaa && llc[1] == 0xaa && llc[2] == 0x03 && llc[3] == 0 && llc[4] == 0 &&
           (llc[5] == 0 || llc[5] == 0xf8);
}

/* A fatal event: counted, recorded as the packet's event (over any flagged one). */
static inline enum sw_decode_rc
sw_decode_fail(struct sw_decode_ctx *c, enum sw_decode_event ev)
{
    c->st->events[ev]++;
    c->p->decode_event = (uint8_t)ev;
    return SW_DECODE_INVALID;
}

/* A non-fatal event: counted; the packet keeps the first one flagged. */
static inline void
sw_decode_flag(struct sw_decode_ctx *c, enum sw_decode_event ev)
{
    c->st->events[ev]++;
    if (c->p->decode_event == SW_DEV_NONE)
        c->p->decode_event = (uint8_t)ev;
}

/* Take one encapsulation step (VLAN tag, MPLS label, PPPoE, tunnel). False when that is one
 * more than max_layers: the caller fails with SW_DEV_TUNNEL_TOO_DEEP. */
static inline bool
sw_decode_enter(struct sw_decode_ctx *c)
{
    c->layers++;
    return c->layers <= c->max_layers;
}

/* Mark the outermost tunnel removed. */
static inline void
sw_decode_set_tunnel(struct sw_decode_ctx *c, enum sw_tunnel t)
{
    if (c->p->tunnel == SW_TUNNEL_NONE)
        c->p->tunnel = (uint8_t)t;
}

/* decode.c: dispatch by Ethertype (after Ethernet, VLAN, SLL, Cisco HDLC, ...). */
enum sw_decode_rc sw_decode_ethertype(struct sw_decode_ctx *c, uint16_t type, uint32_t off,
                                      uint32_t end);
/* decode.c: dispatch by IP protocol at the L4 header; ipver is the enclosing IP version. */
enum sw_decode_rc sw_decode_l4(struct sw_decode_ctx *c, unsigned ipver, uint8_t proto,
                               uint32_t off, uint32_t end);

/* decode_link.c */
enum sw_decode_rc sw_decode_eth(struct sw_decode_ctx *c, uint32_t off, uint32_t end);
enum sw_decode_rc sw_decode_sll(struct sw_decode_ctx *c);
enum sw_decode_rc sw_decode_sll2(struct sw_decode_ctx *c);
enum sw_decode_rc sw_decode_null(struct sw_decode_ctx *c);
enum sw_decode_rc sw_decode_raw(struct sw_decode_ctx *c, uint32_t off);
enum sw_decode_rc sw_decode_ppp(struct sw_decode_ctx *c);
/* Cisco FabricPath: off is just after the outer Ethertype 0x8903. */
enum sw_decode_rc sw_decode_fabricpath(struct sw_decode_ctx *c, uint32_t off, uint32_t end);
/* The PPP protocol field (1 or 2 bytes) at off and what follows (PPP links, PPPoE). */
enum sw_decode_rc sw_decode_ppp_proto(struct sw_decode_ctx *c, uint32_t off, uint32_t end);

/* decode_vlan.c: one tag at off; tpid is the Ethertype that announced it. */
enum sw_decode_rc sw_decode_vlan(struct sw_decode_ctx *c, uint16_t tpid, uint32_t off,
                                 uint32_t end);
/* decode_mpls.c */
enum sw_decode_rc sw_decode_mpls(struct sw_decode_ctx *c, uint32_t off, uint32_t end);
/* decode_pppoe.c: PPPoE session stage */
enum sw_decode_rc sw_decode_pppoe(struct sw_decode_ctx *c, uint32_t off, uint32_t end);

/* decode_ipv4.c, decode_ipv6.c */
enum sw_decode_rc sw_decode_ipv4(struct sw_decode_ctx *c, uint32_t off, uint32_t end);
enum sw_decode_rc sw_decode_ipv6(struct sw_decode_ctx *c, uint32_t off, uint32_t end);

/* decode_tcp.c, decode_udp.c, decode_icmp.c, decode_sctp.c: off is the L4 header, end the
 * end of the IP datagram. */
enum sw_decode_rc sw_decode_tcp(struct sw_decode_ctx *c, uint32_t off, uint32_t end);
enum sw_decode_rc sw_decode_udp(struct sw_decode_ctx *c, uint32_t off, uint32_t end);
enum sw_decode_rc sw_decode_icmp(struct sw_decode_ctx *c, bool v6, uint32_t off, uint32_t end);
enum sw_decode_rc sw_decode_sctp(struct sw_decode_ctx *c, uint32_t off, uint32_t end);

/* decode_tunnel.c */
enum sw_decode_rc sw_decode_ipip(struct sw_decode_ctx *c, unsigned ipver, uint8_t proto,
                                 uint32_t off, uint32_t end);
/* GRE at off. When the GRE packet is not decapsulated it is the flow: SW_DECODE_OK. */
enum sw_decode_rc sw_decode_gre(struct sw_decode_ctx *c, uint32_t off, uint32_t end);
/* A UDP payload [off, end) between sport and dport. Returns true when it was a valid tunnel
 * and was decapsulated (*rc is then the inner result), false when the UDP packet stays the
 * flow. */
bool sw_decode_udp_tunnel(struct sw_decode_ctx *c, uint16_t sport, uint16_t dport, uint32_t off,
                          uint32_t end, enum sw_decode_rc *rc);

#endif
