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

#include "sw/net_counters.h"
#include "sw/packet.h"

/* The decode events (enum sw_decode_event) and the decoder's counters (struct
 * sw_decode_stats) are in include/sw/net_counters.h, where output/'s stats may see them. */

enum sw_decode_rc {
    SW_DECODE_OK = 0,    /* an IP packet with its L4 header decoded: has a flow */
    SW_DECODE_FRAGMENT,  /* an IP fragment: hand it to sw_defrag_add() */
    SW_DECODE_NOT_IP,    /* ARP, LLDP, STP, ...: counted, no flow */
    SW_DECODE_INVALID,   /* malformed: one decode event counted */
    SW_DECODE_LINKTYPE,  /* the link type is not supported */
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
