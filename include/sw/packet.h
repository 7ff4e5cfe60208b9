/* packet.h - the decoded view of one captured frame.
 *
 * Plain data. The capture side fills the input fields, sw_decode_frame() fills the rest.
 * Every position is an offset from `data` rather than a pointer, so a packet and its bytes can
 * be copied into a worker's batch as they are and stay valid there. */
#ifndef SW_PACKET_H
#define SW_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#define SW_MAX_VLANS 3 /* 802.1ad + 802.1Q + one more, as Suricata keeps */

/* Outermost tunnel the decoder removed to reach the flow's IP header. */
enum sw_tunnel {
    SW_TUNNEL_NONE = 0,
    SW_TUNNEL_IPIP,   /* IPv4/IPv6 in IPv4/IPv6 */
    SW_TUNNEL_GTP,    /* GTP-U v1, UDP 2152 */
    SW_TUNNEL_TZSP,   /* TZSP, UDP 37008 */
    SW_TUNNEL_CAPWAP, /* CAPWAP data, UDP 5247 */
    SW_TUNNEL_GRE,    /* GRE v0 (and ERSPAN II/III, TEB) */
    SW_TUNNEL_VXLAN,  /* VXLAN, UDP 4789 */
    SW_TUNNEL_GENEVE, /* Geneve, UDP 6081 */
};

/* sw_packet.flags */
#define SW_PKT_REASSEMBLED 0x01u /* data is a reassembled IP datagram from sw_defrag */
#define SW_PKT_CUT 0x02u         /* the IP datagram is longer than what was captured */
#define SW_PKT_IPV4_MF 0x04u     /* innermost IPv4 header had MF set (kept after reassembly) */
#define SW_PKT_IPV6_FRAG 0x08u   /* innermost IPv6 header chain had a fragment header */

struct sw_packet {
    /* --- input: set by the source before decoding --- */
    const uint8_t *data; /* borrowed: the frame, valid while the packet is */
    uint32_t caplen;     /* bytes at data */
    uint32_t wirelen;    /* length on the wire (>= caplen) */
    uint64_t ts_us;      /* capture time, microseconds since the epoch */
    int linktype;        /* libpcap DLT_* of the frame */

    /* --- output of sw_decode_frame() --- */
    uint32_t flags; /* SW_PKT_* */
    uint8_t decode_event; /* enum sw_decode_event that made it INVALID or flagged it; 0 none */
    uint16_t vlan[SW_MAX_VLANS]; /* VLAN ids, outermost first */
    uint8_t vlan_count;
    uint8_t tunnel;     /* enum sw_tunnel: outermost tunnel removed */
    uint8_t ip_version; /* 4 or 6: the innermost IP header, the flow's */
    uint8_t l4_proto;   /* IPPROTO_* after IPv6 extension headers */

    uint32_t l3_off;    /* innermost IP header */
    uint32_t l3_len;    /* IP datagram length (header + payload), bounded by what was captured */
    uint32_t l3_caplen; /* bytes captured from l3_off to the end of the frame (nDPI input size) */
    uint32_t l4_off;    /* L4 header */
    uint32_t l4_len;    /* L4 header + payload, bounded by the datagram */
    uint32_t payload_off, payload_len; /* L4 payload (TCP/UDP/SCTP data, ICMP body) */

    uint8_t src[16], dst[16]; /* addresses; IPv4 in the first 4 bytes, the rest zero */
    uint16_t sport, dport;    /* host order; 0 for protocols without ports */
    uint8_t icmp_type, icmp_code;

    uint8_t tcp_flags; /* TH_FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE CWR */
    uint16_t tcp_win;
    uint32_t tcp_seq, tcp_ack;

    /* Fragment of the innermost IP datagram: set when sw_decode_frame() returns
     * SW_DECODE_FRAGMENT. The L4 fields above are then not set. */
    uint32_t frag_id;       /* IPv4 id or IPv6 fragment identification */
    uint32_t frag_offset;   /* byte offset of this fragment's data in the datagram */
    uint32_t frag_data_off; /* this fragment's data, from data */
    uint32_t frag_data_len;
    uint32_t frag_hdr_off;  /* IPv6: offset of the fragment extension header */
    bool frag_more;         /* more fragments follow */
};

#endif
