/* decode.h - the decode path: link layer, VLAN/MPLS/PPPoE, IP, tunnels, L4.
 *
 * One small file per layer (collectors/net/decode_*.c) behind this one entry point. Decoders
 * never allocate and never trust a length: every read is checked against caplen first. A bad
 * packet becomes a counted decode event (Suricata's decoder.event.* names), never an assert.
 * Stateless apart from the caller's counters: any thread, one sw_decode_stats per thread. */
#ifndef SW_DECODE_H
#define SW_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/packet.h"

enum sw_decode_rc {
    SW_DECODE_OK = 0,    /* an IP packet with its L4 header decoded: has a flow */
    SW_DECODE_FRAGMENT,  /* an IP fragment: hand it to sw_defrag_add() */
    SW_DECODE_NOT_IP,    /* ARP, LLDP, STP, ...: counted, no flow */
    SW_DECODE_INVALID,   /* malformed: one decode event counted */
    SW_DECODE_LINKTYPE,  /* the link type is not supported */
};

/* Decode events: malformed input worth counting (and an anomaly event). Names follow
 * Suricata's decoder.event.<name> counters where Suricata has one (sw_decode_event_name).
 * Every event is counted in sw_decode_stats.events[]. An event is either fatal (the call
 * returns SW_DECODE_INVALID and p->decode_event is that event) or flagged (decoding goes on,
 * any result is possible, p->decode_event keeps the first one flagged). Flagged ones:
 * IP_CUT (SW_PKT_CUT set), IPV4_OPT_INVALID, TCP_OPT_INVALID, UDP_LEN_INVALID (UDP length
 * not the datagram's: no tunnel is removed), MPLS_BAD_LABEL, PPP_UNSUP and UNKNOWN_ETHERTYPE
 * (with NOT_IP), IPV6_NO_NEXT_HEADER (data after next header 59), and the tunnel header
 * events GRE_*, ERSPAN_*, GTP_TRUNC, TZSP_TRUNC, VXLAN_TRUNC, CAPWAP_TRUNC, GENEVE_*, which
 * keep the outer packet as the flow. CAPWAP_TRUNC is fatal when the 802.11 frame inside is cut. All
 * others are fatal. */
enum sw_decode_event {
    SW_DEV_NONE = 0,
    SW_DEV_PKT_TOO_SMALL,
    SW_DEV_ETH_TRUNC,
    SW_DEV_SLL_TRUNC,
    SW_DEV_NULL_TRUNC,
    SW_DEV_PPP_TRUNC,
    SW_DEV_PPP_UNSUP,
    SW_DEV_VLAN_TRUNC,
    SW_DEV_VLAN_TOO_MANY,
    SW_DEV_MPLS_TRUNC,
    SW_DEV_MPLS_BAD_LABEL,
    SW_DEV_PPPOE_TRUNC,
    SW_DEV_PPPOE_WRONG_CODE,
    SW_DEV_IPV4_TRUNC,
    SW_DEV_IPV4_HLEN_TOO_SMALL,
    SW_DEV_IPV4_IPLEN_SMALLER_THAN_HLEN,
    SW_DEV_IPV4_OPT_INVALID,
    SW_DEV_IPV4_WRONG_VERSION,
    SW_DEV_IPV6_TRUNC,
    SW_DEV_IPV6_WRONG_VERSION,
    SW_DEV_IPV6_EXTHDR_TRUNC,
    SW_DEV_IPV6_EXTHDR_TOO_MANY,
    SW_DEV_IPV6_NO_NEXT_HEADER,
    SW_DEV_TCP_TRUNC,
    SW_DEV_TCP_HLEN_TOO_SMALL,
    SW_DEV_TCP_OPT_INVALID,
    SW_DEV_UDP_TRUNC,
    SW_DEV_UDP_LEN_INVALID,
    SW_DEV_ICMPV4_TRUNC,
    SW_DEV_ICMPV6_TRUNC,
    SW_DEV_SCTP_TRUNC,
    SW_DEV_GRE_TRUNC,
    SW_DEV_GRE_VERSION,
    SW_DEV_VXLAN_TRUNC,
    SW_DEV_GTP_TRUNC,
    SW_DEV_TZSP_TRUNC,
    SW_DEV_CAPWAP_TRUNC,
    SW_DEV_TUNNEL_TOO_DEEP,
    SW_DEV_IP_CUT,          /* datagram longer than captured (snaplen): kept, flagged */
    SW_DEV_UNKNOWN_ETHERTYPE,
    SW_DEV_GRE_VERSION0_FLAGS,  /* GRE v0 with routing, recursion or reserved bits: flagged */
    SW_DEV_GRE_VERSION1_FLAGS,  /* GRE v1 that is not PPTP (no key, C/R bits, not PPP) */
    SW_DEV_ERSPAN_TRUNC,
    SW_DEV_ERSPAN_VERSION,
    SW_DEV_RAW_INVALID_VERSION, /* raw IP link: first nibble neither 4 nor 6 */
    SW_DEV_DCE_TRUNC,           /* Cisco FabricPath (DCE) tag or the frame inside cut */
    SW_DEV_GENEVE_TRUNC,        /* UDP 6081 shorter than the Geneve header and its options */
    SW_DEV_GENEVE_VERSION,      /* Geneve version other than 0 */
    SW_DEV_GENEVE_RESERVED,     /* Geneve reserved bits set */
    SW_DEV_GENEVE_OPT_INVALID,  /* Geneve options not adding up to the header's option length */
    SW_DEV_GENEVE_UNKNOWN_PAYLOAD, /* Geneve protocol type not Ethernet, IPv4, IPv6 or ARP */
    SW_DEV_MAX
};

/* Per-thread decode counters (Suricata's decoder.* names in sw_decode_counter_name). */
struct sw_decode_stats {
    uint64_t pkts, bytes, invalid;
    uint64_t ethernet, sll, null, ppp, raw;
    uint64_t vlan, vlan_qinq, mpls, pppoe;
    uint64_t ipv4, ipv6, tcp, udp, sctp, icmpv4, icmpv6, other_l4;
    uint64_t ipv4_in_ipv4, ipv6_in_ipv4, ipv4_in_ipv6, ipv6_in_ipv6;
    uint64_t gre, vxlan, gtpu, tzsp, capwap, geneve;
    uint64_t fabricpath; /* Cisco FabricPath (DCE) frames, each also counted as ethernet twice */
    uint64_t not_ip, fragments;
    uint64_t events[SW_DEV_MAX];
};

/* Limits and switches, from config (network.decode.*). */
struct sw_decode_cfg {
    unsigned max_layers;  /* encapsulation layers (VLAN, MPLS, tunnels) before giving up; 16 */
    bool tunnels;         /* decapsulate IP-in-IP, GTP-U, TZSP, CAPWAP, GRE, VXLAN, Geneve; true */
    uint16_t vxlan_port;  /* 4789 */
};

void sw_decode_cfg_defaults(struct sw_decode_cfg *cfg);

/* Is this libpcap link type one we decode? (Ethernet, Linux SLL/SLL2, raw IPv4/IPv6/RAW,
 * NULL/LOOP, PPP, PPP_SERIAL/C_HDLC.) */
bool sw_decode_linktype_supported(int linktype);

/* Decode p->data[0, caplen) as a frame of p->linktype. Fills the decoded fields of p (which
 * the caller zeroed apart from the input fields) and counts into st. Any thread. */
enum sw_decode_rc sw_decode_frame(const struct sw_decode_cfg *cfg, struct sw_packet *p,
                                  struct sw_decode_stats *st);

/* Decode p->data from an IP header at offset `off` (after reassembly: p->data is the
 * reassembled datagram, p->flags has SW_PKT_REASSEMBLED, VLAN/tunnel fields already set by
 * the first pass are kept). With SW_PKT_REASSEMBLED the fragment bits are not taken as a new
 * fragment, and SW_PKT_IPV4_MF / SW_PKT_IPV6_FRAG are set from them. */
enum sw_decode_rc sw_decode_ip(const struct sw_decode_cfg *cfg, struct sw_packet *p, uint32_t off,
                               struct sw_decode_stats *st);

/* Decode a datagram that sw_defrag_add() completed with fragment `frag`: out gets frag's
 * capture fields (time, VLAN ids, tunnel) with the datagram as its data (borrowed, valid as
 * long as the reassembler's buffer), and is decoded from its IP header. */
enum sw_decode_rc sw_decode_reassembled(const struct sw_decode_cfg *cfg,
                                        const struct sw_packet *frag, const uint8_t *dgram,
                                        uint32_t len, struct sw_packet *out,
                                        struct sw_decode_stats *st);

/* Counter name of an event, Suricata style without the prefix ("ipv4.trunc_pkt").
 * Static storage. */
const char *sw_decode_event_name(enum sw_decode_event ev);

/* Does Suricata have this event as a decoder.event counter? (Else it is seawall's own.) */
bool sw_decode_event_is_suricata(enum sw_decode_event ev);
/* The static tables behind the two functions above, SW_DEV_MAX entries indexed by enum
 * sw_decode_event (a NULL name: no such event), for the stats snapshot. Any thread. */
const char *const *sw_decode_event_names(void);
const bool *sw_decode_event_seawall_only(void);

#endif
