/* decode_tunnel.c - IP-in-IP, GRE (with TEB, ERSPAN I/II/III and PPTP), and the UDP tunnels
 * GTP-U, TZSP, CAPWAP data, VXLAN and Geneve.
 *
 * A tunnel is removed only when its own header is sound: until then the outer packet stays
 * the flow (a header that announced itself but is cut or malformed is flagged; a payload that
 * merely is not the tunnel is not). Once the header is sound the decoder commits: the inner
 * packet is the flow and its errors make the packet invalid. Each removal is one step
 * against max_layers. */
#include <stdint.h>

#include "decode_int.h"

#define GRE_HDR_LEN 4u
#define GRE_C 0x8000u
#define GRE_R 0x4000u
#define GRE_K 0x2000u
#define GRE_S 0x1000u
#define GRE_A 0x0080u               /* acknowledgment present (v1) */
#define GRE_V0_ODD 0x0ff8u          /* strict route, recursion, A, reserved flags */
#define GRE_V1_BAD (GRE_C | GRE_R | 0x0f78u)
#define GRE_PROTO_PPP 0x880bu
#define ERSPAN2_HDR_LEN 8u
#define ERSPAN3_HDR_LEN 12u
#define ERSPAN3_SUBHDR_LEN 8u

#define GTP_HDR_LEN 8u
#define GTP_OPT_LEN 4u
#define GTP_FLAG_E 0x04u
#define GTP_FLAGS_OPT 0x07u         /* E, S, PN: the 4 optional bytes are present */
#define GTP_TPDU 0xffu

#define TZSP_HDR_LEN 4u
#define TZSP_TAG_PADDING 0u
#define TZSP_TAG_END 1u
#define TZSP_ENCAP_ETHERNET 1u

#define CAPWAP_MIN_HDR_LEN 8u
#define CAPWAP_WBID_80211 1u
#define CAPWAP_FLAG_T 0x01u         /* byte 2: payload in the binding's native format */
#define CAPWAP_FLAG_F 0x80u         /* byte 3: fragment */
#define CAPWAP_FLAG_K 0x08u         /* byte 3: keep-alive, no payload */
#define IEEE80211_HDR_LEN 24u
#define IEEE80211_QOS_LEN 2u
#define LLC_SNAP_LEN 8u

#define VXLAN_HDR_LEN 8u
#define VXLAN_FLAG_I 0x08u

#define GENEVE_HDR_LEN 8u
#define GENEVE_OPT_HDR_LEN 4u
#define GENEVE_FLAGS_RESERVED 0x3fu /* byte 1 after O and C */

static enum sw_decode_rc
by_version(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    if ((c->d[off] >> 4) == 6)
        return sw_decode_ipv6(c, off, end);
    return sw_decode_ipv4(c, off, end);
}

enum sw_decode_rc
sw_decode_ipip(struct sw_decode_ctx *c, unsigned ipver, uint8_t proto, uint32_t off,
               uint32_t end)
{
    if (!sw_decode_enter(c))
        return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
    sw_decode_set_tunnel(c, SW_TUNNEL_IPIP);
    if (proto == SW_IPPROTO_IPIP) {
        if (ipver == 4)
            c->st->ipv4_in_ipv4++;
        else
            c->st->ipv4_in_ipv6++;
        return sw_decode_ipv4(c, off, end);
    }
    if (ipver == 4)
        c->st->ipv6_in_ipv4++;
    else
        c->st->ipv6_in_ipv6++;
    return sw_decode_ipv6(c, off, end);
}

/* --- GRE ---------------------------------------------------------------------------------- */

/* PPTP carries PPP: optional FF 03, a 1- or 2-byte protocol. Sets *ip_off and returns 4 or 6
 * for IPv4/IPv6, 0 for anything else (control, compressed, encrypted: not decapsulated). */
static unsigned
pptp_payload(const uint8_t *d, uint32_t off, uint32_t end, uint32_t *ip_off)
{
    uint16_t proto;

    if (end - off >= 2 && d[off] == 0xff && d[off + 1] == 0x03)
        off += 2;
    if (off >= end)
        return 0;
    if (d[off] & 1) {
        proto = d[off];
        off += 1;
    } else {
        if (end - off < 2)
            return 0;
        proto = sw_decode_be16(d + off);
        off += 2;
    }
    *ip_off = off;
    if (proto == SW_PPP_IPV4)
        return 4;
    if (proto == SW_PPP_IPV6)
        return 6;
    return 0;
}

/* Commit to the GRE tunnel: one layer, tunnel mark. */
static bool
gre_enter(struct sw_decode_ctx *c)
{
    if (!sw_decode_enter(c))
        return false;
    sw_decode_set_tunnel(c, SW_TUNNEL_GRE);
    return true;
}

enum sw_decode_rc
sw_decode_gre(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    struct sw_packet *p = c->p;
    const uint8_t *h = c->d + off;
    uint32_t avail = end - off;
    uint32_t hlen = GRE_HDR_LEN, in;
    uint16_t fl, proto;
    unsigned ver;

    c->st->gre++;
    /* Until a tunnel is removed the GRE packet itself is the flow. */
    p->payload_off = off;
    p->payload_len = avail;
    if (avail < GRE_HDR_LEN) {
        sw_decode_flag(c, SW_DEV_GRE_TRUNC);
        return SW_DECODE_OK;
    }
    fl = sw_decode_be16(h);
    proto = sw_decode_be16(h + 2);
    ver = fl & 7u;
    switch (ver) {
    case 0:
        /* Source routing (RFC 1701) cannot be skipped safely: leave the packet whole. */
        if (fl & GRE_R) {
            sw_decode_flag(c, SW_DEV_GRE_VERSION0_FLAGS);
            return SW_DECODE_OK;
        }
        if (fl & GRE_V0_ODD)
            sw_decode_flag(c, SW_DEV_GRE_VERSION0_FLAGS);
        hlen += (fl & GRE_C) ? 4u : 0u;
        hlen += (fl & GRE_K) ? 4u : 0u;
        hlen += (fl & GRE_S) ? 4u : 0u;
        break;
    case 1:
        /* Enhanced GRE (RFC 2637, PPTP): key (payload length, call id) mandatory. */
        if ((fl & GRE_V1_BAD) != 0 || (fl & GRE_K) == 0 || proto != GRE_PROTO_PPP) {
            sw_decode_flag(c, SW_DEV_GRE_VERSION1_FLAGS);
            return SW_DECODE_OK;
        }
        hlen += 4u;
        hlen += (fl & GRE_S) ? 4u : 0u;
        hlen += (fl & GRE_A) ? 4u : 0u;
        break;
    default:
        sw_decode_flag(c, SW_DEV_GRE_VERSION);
        return SW_DECODE_OK;
    }
    if (hlen > avail) {
        sw_decode_flag(c, SW_DEV_GRE_TRUNC);
        return SW_DECODE_OK;
    }
    in = off + hlen;

    if (ver == 1) {
        uint32_t ip_off = 0;
        unsigned v = pptp_payload(c->d, in, end, &ip_off);

        if (v == 0)
            return SW_DECODE_OK; /* ack-only, LCP, MPPE...: the GRE packet is the flow */
        if (!gre_enter(c))
            return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
        if (v == 4)
            return sw_decode_ipv4(c, ip_off, end);
        return sw_decode_ipv6(c, ip_off, end);
    }

    switch (proto) {
    case SW_ETH_IPV4:
        if (!gre_enter(c))
            return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
        return sw_decode_ipv4(c, in, end);
    case SW_ETH_IPV6:
        if (!gre_enter(c))
            return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
        return sw_decode_ipv6(c, in, end);
    case SW_ETH_TEB:
        if (!gre_enter(c))
            return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
        return sw_decode_eth(c, in, end);
    case SW_ETH_ERSPAN2:
        /* Type II has a sequence number and an 8-byte header (version 1); type I neither. */
        if (fl & GRE_S) {
            if (end - in < ERSPAN2_HDR_LEN) {
                sw_decode_flag(c, SW_DEV_ERSPAN_TRUNC);
                return SW_DECODE_OK;
            }
            if ((c->d[in] >> 4) != 1) {
                sw_decode_flag(c, SW_DEV_ERSPAN_VERSION);
                return SW_DECODE_OK;
            }
            in += ERSPAN2_HDR_LEN;
        }
        if (!gre_enter(c))
            return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
        return sw_decode_eth(c, in, end);
    case SW_ETH_ERSPAN3: {
        const uint8_t *e = c->d + in;
        uint32_t elen = ERSPAN3_HDR_LEN;

        if (end - in < ERSPAN3_HDR_LEN) {
            sw_decode_flag(c, SW_DEV_ERSPAN_TRUNC);
            return SW_DECODE_OK;
        }
        if ((e[0] >> 4) != 2) {
            sw_decode_flag(c, SW_DEV_ERSPAN_VERSION);
            return SW_DECODE_OK;
        }
        if (e[11] & 1u) /* O: platform-specific subheader */
            elen += ERSPAN3_SUBHDR_LEN;
        if (end - in < elen) {
            sw_decode_flag(c, SW_DEV_ERSPAN_TRUNC);
            return SW_DECODE_OK;
        }
        if (((e[10] >> 2) & 0x1fu) != 0) /* frame type other than Ethernet */
            return SW_DECODE_OK;
        if (!gre_enter(c))
            return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
        return sw_decode_eth(c, in + elen, end);
    }
    default:
        return SW_DECODE_OK;
    }
}

/* --- UDP tunnels -------------------------------------------------------------------------- */

/* Commit to a UDP tunnel. False: too deep, *rc holds the failure. */
static bool
udp_enter(struct sw_decode_ctx *c, enum sw_tunnel t, enum sw_decode_rc *rc)
{
    if (!sw_decode_enter(c)) {
        *rc = sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
        return false;
    }
    sw_decode_set_tunnel(c, t);
    return true;
}

/* GTP-U v1 T-PDU (3GPP TS 29.281): flags (version 1), type 0xFF, length, TEID, then with any
 * of E/S/PN four optional bytes whose last is the first extension type; each extension is
 * length (in 4-byte units), content, next type. The T-PDU must be IPv4 or IPv6. */
static bool
gtp(struct sw_decode_ctx *c, uint32_t off, uint32_t end, enum sw_decode_rc *rc)
{
    const uint8_t *h = c->d + off;
    uint32_t pos = off + GTP_HDR_LEN;
    unsigned n;
    uint8_t next = 0;

    if (end - off < GTP_HDR_LEN || (h[0] >> 5) != 1 || h[1] != GTP_TPDU)
        return false;
    if (h[0] & GTP_FLAGS_OPT) {
        if (end - pos < GTP_OPT_LEN) {
            sw_decode_flag(c, SW_DEV_GTP_TRUNC);
            return false;
        }
        if (h[0] & GTP_FLAG_E)
            next = h[11];
        pos += GTP_OPT_LEN;
    }
    for (n = 0; next != 0; n++) {
        uint32_t len;

        if (n == SW_DECODE_GTP_MAX_EXTS || pos >= end) {
            sw_decode_flag(c, SW_DEV_GTP_TRUNC);
            return false;
        }
        len = (uint32_t)c->d[pos] * 4;
        if (len == 0 || len > end - pos) {
            sw_decode_flag(c, SW_DEV_GTP_TRUNC);
            return false;
        }
        next = c->d[pos + len - 1];
        pos += len;
    }
    if (pos >= end || ((c->d[pos] >> 4) != 4 && (c->d[pos] >> 4) != 6))
        return false;
    if (!udp_enter(c, SW_TUNNEL_GTP, rc))
        return true;
    c->st->gtpu++;
    *rc = by_version(c, pos, end);
    return true;
}

/* TZSP (received packets, type 0) carrying Ethernet: 4-byte header, tagged fields up to the
 * END tag, then the frame. */
static bool
tzsp(struct sw_decode_ctx *c, uint32_t off, uint32_t end, enum sw_decode_rc *rc)
{
    const uint8_t *h = c->d + off;
    uint32_t pos = off + TZSP_HDR_LEN;

    if (end - off < TZSP_HDR_LEN || h[0] != 1 || h[1] != 0 ||
        sw_decode_be16(h + 2) != TZSP_ENCAP_ETHERNET)
        return false;
    /* Each tag is at least one byte, so the walk ends by the end of the payload. */
    for (;;) {
        uint8_t tag;

        if (pos >= end) {
            sw_decode_flag(c, SW_DEV_TZSP_TRUNC);
            return false;
        }
        tag = c->d[pos];
        if (tag == TZSP_TAG_END) {
            pos++;
            break;
        }
        if (tag == TZSP_TAG_PADDING) {
            pos++;
            continue;
        }
        if (end - pos < 2 || (uint32_t)c->d[pos + 1] + 2 > end - pos) {
            sw_decode_flag(c, SW_DEV_TZSP_TRUNC);
            return false;
        }
        pos += (uint32_t)c->d[pos + 1] + 2;
    }
    if (!udp_enter(c, SW_TUNNEL_TZSP, rc))
        return true;
    c->st->tzsp++;
    *rc = sw_decode_eth(c, pos, end);
    return true;
}

/* Where the LLC/SNAP header (with an Ethertype) of an 802.11 data frame is: after 24 bytes,
 * or 26 with QoS. The frame control is not read: Cisco controllers send it byte-swapped. */
static bool
ieee80211_snap(const uint8_t *d, uint32_t off, uint32_t end, uint32_t *snap)
{
    static const uint32_t hdr[] = {IEEE80211_HDR_LEN, IEEE80211_HDR_LEN + IEEE80211_QOS_LEN};
    unsigned i;

    for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
        uint32_t s = off + hdr[i];

        if (end - off >= hdr[i] + LLC_SNAP_LEN && sw_decode_snap_ethertype(d + s)) {
            *snap = s;
            return true;
        }
    }
    return false;
}

/* CAPWAP data channel (RFC 5415): preamble 0, HLEN in 4-byte words. With T set the payload is
 * the binding's frame (802.11 for WBID 1), else an 802.3 frame. Keep-alives and fragments
 * carry no whole frame and stay the flow. */
static bool
capwap(struct sw_decode_ctx *c, uint32_t off, uint32_t end, enum sw_decode_rc *rc)
{
    const uint8_t *h = c->d + off;
    uint32_t hlen, in, snap = 0;

    if (end - off < 1 || h[0] != 0)
        return false;
    if (end - off < CAPWAP_MIN_HDR_LEN) {
        sw_decode_flag(c, SW_DEV_CAPWAP_TRUNC);
        return false;
    }
    hlen = (uint32_t)(h[1] >> 3) * 4;
    if (hlen < CAPWAP_MIN_HDR_LEN || hlen > end - off) {
        sw_decode_flag(c, SW_DEV_CAPWAP_TRUNC);
        return false;
    }
    if (h[3] & (CAPWAP_FLAG_F | CAPWAP_FLAG_K))
        return false;
    if ((h[2] & CAPWAP_FLAG_T) && ((h[2] >> 1) & 0x1fu) != CAPWAP_WBID_80211)
        return false;
    in = off + hlen;
    if (!udp_enter(c, SW_TUNNEL_CAPWAP, rc))
        return true;
    c->st->capwap++;
    if ((h[2] & CAPWAP_FLAG_T) == 0) {
        *rc = sw_decode_eth(c, in, end);
        return true;
    }
    if (end - in < IEEE80211_HDR_LEN + LLC_SNAP_LEN) {
        *rc = sw_decode_fail(c, SW_DEV_CAPWAP_TRUNC);
        return true;
    }
    /* Management and control frames, data without an Ethertype SNAP: not IP. */
    if (!ieee80211_snap(c->d, in, end, &snap)) {
        *rc = SW_DECODE_NOT_IP;
        return true;
    }
    *rc = sw_decode_ethertype(c, sw_decode_be16(c->d + snap + 6), snap + LLC_SNAP_LEN, end);
    return true;
}

/* VXLAN (RFC 7348): flags with I set, 24 reserved bits, VNI, reserved byte; then Ethernet. */
static bool
vxlan(struct sw_decode_ctx *c, uint32_t off, uint32_t end, enum sw_decode_rc *rc)
{
    if (end - off < 1 || (c->d[off] & VXLAN_FLAG_I) == 0)
        return false;
    if (end - off < VXLAN_HDR_LEN) {
        sw_decode_flag(c, SW_DEV_VXLAN_TRUNC);
        return false;
    }
    if (!udp_enter(c, SW_TUNNEL_VXLAN, rc))
        return true;
    c->st->vxlan++;
    *rc = sw_decode_eth(c, off + VXLAN_HDR_LEN, end);
    return true;
}

/* Geneve (RFC 8926): version (2 bits) and option length (6 bits, 4-byte words), O and C
 * flags and 6 reserved bits, protocol type, VNI, a reserved byte, then options, each a
 * class, a type, 3 reserved bits and a length (5 bits, 4-byte words, after its own 4-byte
 * header). The port announces it, so a header that does not hold together is flagged and the
 * UDP packet stays the flow: cut (pkt_too_small), version not 0, reserved bits set (as
 * Suricata, which refuses those), options that do not add up to the option length (an
 * option running past it). The inner packet is Ethernet (0x6558), IPv4 or IPv6, as Suricata
 * decodes it; ARP is the tunnel's but not IP; another type is flagged unknown_payload_type.
 * The O (control message) and C (critical options) flags do not change that. */
static bool
geneve(struct sw_decode_ctx *c, uint32_t off, uint32_t end, enum sw_decode_rc *rc)
{
    const uint8_t *h = c->d + off;
    uint32_t hlen, pos;
    uint16_t type;

    if (end - off < GENEVE_HDR_LEN) {
        sw_decode_flag(c, SW_DEV_GENEVE_TRUNC);
        return false;
    }
    hlen = GENEVE_HDR_LEN + (uint32_t)(h[0] & 0x3fu) * 4;
    if (end - off < hlen) {
        sw_decode_flag(c, SW_DEV_GENEVE_TRUNC);
        return false;
    }
    if ((h[0] >> 6) != 0) {
        sw_decode_flag(c, SW_DEV_GENEVE_VERSION);
        return false;
    }
    if ((h[1] & GENEVE_FLAGS_RESERVED) != 0 || h[7] != 0) {
        sw_decode_flag(c, SW_DEV_GENEVE_RESERVED);
        return false;
    }
    /* Each option is at least 4 bytes, so the walk ends within the 252 option bytes. */
    for (pos = off + GENEVE_HDR_LEN; pos < off + hlen;) {
        uint32_t olen;

        if (off + hlen - pos < GENEVE_OPT_HDR_LEN) {
            sw_decode_flag(c, SW_DEV_GENEVE_OPT_INVALID);
            return false;
        }
        olen = GENEVE_OPT_HDR_LEN + (uint32_t)(c->d[pos + 3] & 0x1fu) * 4;
        if (olen > off + hlen - pos) {
            sw_decode_flag(c, SW_DEV_GENEVE_OPT_INVALID);
            return false;
        }
        pos += olen;
    }
    type = sw_decode_be16(h + 2);
    if (type != SW_ETH_TEB && type != SW_ETH_IPV4 && type != SW_ETH_IPV6 && type != SW_ETH_ARP) {
        sw_decode_flag(c, SW_DEV_GENEVE_UNKNOWN_PAYLOAD);
        return false;
    }
    if (!udp_enter(c, SW_TUNNEL_GENEVE, rc))
        return true;
    c->st->geneve++;
    switch (type) {
    case SW_ETH_TEB:
        *rc = sw_decode_eth(c, off + hlen, end);
        break;
    case SW_ETH_IPV4:
        *rc = sw_decode_ipv4(c, off + hlen, end);
        break;
    case SW_ETH_IPV6:
        *rc = sw_decode_ipv6(c, off + hlen, end);
        break;
    default:
        *rc = SW_DECODE_NOT_IP; /* ARP */
        break;
    }
    return true;
}

bool
sw_decode_udp_tunnel(struct sw_decode_ctx *c, uint16_t sport, uint16_t dport, uint32_t off,
                     uint32_t end, enum sw_decode_rc *rc)
{
    if ((sport == SW_PORT_GTPU || dport == SW_PORT_GTPU) && gtp(c, off, end, rc))
        return true;
    if ((sport == SW_PORT_TZSP || dport == SW_PORT_TZSP) && tzsp(c, off, end, rc))
        return true;
    if ((sport == SW_PORT_CAPWAP_DATA || dport == SW_PORT_CAPWAP_DATA) &&
        capwap(c, off, end, rc))
        return true;
    if (c->cfg->vxlan_port != 0 && dport == c->cfg->vxlan_port && vxlan(c, off, end, rc))
        return true;
    /* Either port, as Suricata: replies of some endpoints come from 6081. */
    if ((sport == SW_PORT_GENEVE || dport == SW_PORT_GENEVE) && geneve(c, off, end, rc))
        return true;
    return false;
}
