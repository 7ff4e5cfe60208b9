/* net_counters.h - the network collectors' counter types: the decoder's (decode events and
 * struct sw_decode_stats, include/sw/decode.h) and fragment reassembly's (struct
 * sw_defrag_stats, include/sw/defrag.h).
 *
 * Types only, so that the counter snapshot of output/ (include/sw/stats.h) can carry them
 * without including a collector's header (output/ includes none: STYLE.md section 2). */
#ifndef SW_NET_COUNTERS_H
#define SW_NET_COUNTERS_H

#include <stdint.h>

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

/* Fragment reassembly counters (collectors/net/defrag.c). */
struct sw_defrag_stats {
    uint64_t ipv4_fragments, ipv6_fragments; /* every fragment offered, valid or not */
    uint64_t ipv4_reassembled, ipv6_reassembled;
    uint64_t timeouts;          /* datagrams dropped incomplete on timeout */
    uint64_t memcap_drops;      /* fragments dropped: memcap, max_trackers or out of memory */
    uint64_t overlaps;          /* fragments overlapping data already held */
    uint64_t overlap_conflicts; /* ... with different bytes */
    uint64_t invalid;           /* bad fragments: too long, bad offsets, conflicting ends */
    uint64_t memuse;            /* bytes held now */
};

#endif
