/* decode_link.c - link layers: Ethernet (and Cisco FabricPath inside it), Linux cooked v1/v2,
 * BSD NULL/LOOP, raw IP, PPP and Cisco HDLC. Each finds the Ethertype (or IP version) of its
 * payload and hands over. */
#include <stdint.h>

#include "decode_int.h"

#define ETH_HDR_LEN 14u
#define DCE_TAG_LEN 2u /* FabricPath: FTag and TTL after the outer Ethertype */
#define LLC_SNAP_LEN 8u
#define SLL_HDR_LEN 16u
#define SLL2_HDR_LEN 20u
#define NULL_HDR_LEN 4u
#define CHDLC_HDR_LEN 4u
#define ARPHRD_NETLINK 824u

enum sw_decode_rc
sw_decode_eth(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    const uint8_t *h = c->d + off;
    uint16_t type;

    c->st->ethernet++;
    if (end - off < ETH_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_ETH_TRUNC);
    type = sw_decode_be16(h + 12);
    if (type >= 0x0600)
        return sw_decode_ethertype(c, type, off + ETH_HDR_LEN, end);
    /* An 802.3 length: only LLC/SNAP with an Ethertype (RFC 1042) can carry IP. */
    if (type <= 1500 && end - off >= ETH_HDR_LEN + LLC_SNAP_LEN &&
        sw_decode_snap_ethertype(h + ETH_HDR_LEN))
        return sw_decode_ethertype(c, sw_decode_be16(h + 20), off + ETH_HDR_LEN + LLC_SNAP_LEN,
                                   end);
    return SW_DECODE_NOT_IP;
}

/* Cisco FabricPath (DCE) as Suricata reads it: outer MACs, Ethertype 0x8903, two bytes of
 * FTag/TTL, then the whole original Ethernet frame. Switches copy frames onto FabricPath
 * links, so a tap there sees real traffic inside. Each tag is a layer against max_layers: a
 * frame of nested tags is bounded by that, not by its length. */
enum sw_decode_rc
sw_decode_fabricpath(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    if (end - off < DCE_TAG_LEN + ETH_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_DCE_TRUNC);
    if (!sw_decode_enter(c))
        return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
    c->st->fabricpath++;
    return sw_decode_eth(c, off + DCE_TAG_LEN, end);
}

enum sw_decode_rc
sw_decode_sll(struct sw_decode_ctx *c)
{
    c->st->sll++;
    if (c->caplen < SLL_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_SLL_TRUNC);
    /* Netlink monitor captures put the netlink family where the Ethertype would be. */
    if (sw_decode_be16(c->d + 2) == ARPHRD_NETLINK)
        return SW_DECODE_NOT_IP;
    return sw_decode_ethertype(c, sw_decode_be16(c->d + 14), SLL_HDR_LEN, c->caplen);
}

enum sw_decode_rc
sw_decode_sll2(struct sw_decode_ctx *c)
{
    c->st->sll++;
    if (c->caplen < SLL2_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_SLL_TRUNC);
    if (sw_decode_be16(c->d + 8) == ARPHRD_NETLINK)
        return SW_DECODE_NOT_IP;
    return sw_decode_ethertype(c, sw_decode_be16(c->d), SLL2_HDR_LEN, c->caplen);
}

/* DLT_NULL stores the address family in the capturing host's byte order, DLT_LOOP in network
 * order: families are small, so whichever reading is small is the right one. AF_INET6 is 10
 * (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (Darwin). Another family (AF_INET6 of a
 * system not listed, or garbage) falls back to the IP version nibble, as nDPI's reader does,
 * so both see the same flows; the IP header checks still apply. */
enum sw_decode_rc
sw_decode_null(struct sw_decode_ctx *c)
{
    const uint8_t *h = c->d;
    uint32_t fam;

    c->st->null++;
    if (c->caplen < NULL_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_NULL_TRUNC);
    fam = (uint32_t)h[0] | ((uint32_t)h[1] << 8) | ((uint32_t)h[2] << 16) |
          ((uint32_t)h[3] << 24);
    if (fam > 0xff)
        fam = sw_decode_be32(h);
    switch (fam) {
    case 2:
        return sw_decode_ipv4(c, NULL_HDR_LEN, c->caplen);
    case 10:
    case 24:
    case 28:
    case 30:
        return sw_decode_ipv6(c, NULL_HDR_LEN, c->caplen);
    default:
        if (c->caplen > NULL_HDR_LEN && (h[NULL_HDR_LEN] >> 4) == 4)
            return sw_decode_ipv4(c, NULL_HDR_LEN, c->caplen);
        if (c->caplen > NULL_HDR_LEN && (h[NULL_HDR_LEN] >> 4) == 6)
            return sw_decode_ipv6(c, NULL_HDR_LEN, c->caplen);
        return SW_DECODE_NOT_IP;
    }
}

enum sw_decode_rc
sw_decode_raw(struct sw_decode_ctx *c, uint32_t off)
{
    if (off >= c->caplen)
        return sw_decode_fail(c, SW_DEV_PKT_TOO_SMALL);
    switch (c->d[off] >> 4) {
    case 4:
        return sw_decode_ipv4(c, off, c->caplen);
    case 6:
        return sw_decode_ipv6(c, off, c->caplen);
    default:
        return sw_decode_fail(c, SW_DEV_RAW_INVALID_VERSION);
    }
}

/* DLT_PPP, DLT_PPP_SERIAL and DLT_C_HDLC all meet both framings in practice: Cisco HDLC
 * (address 0x0F unicast or 0x8F broadcast, control 0, Ethertype) and PPP (optional FF 03
 * address/control, then the PPP protocol). */
enum sw_decode_rc
sw_decode_ppp(struct sw_decode_ctx *c)
{
    const uint8_t *h = c->d;
    uint32_t off = 0;

    c->st->ppp++;
    if (c->caplen < 2)
        return sw_decode_fail(c, SW_DEV_PPP_TRUNC);
    if (h[0] == 0x0f || h[0] == 0x8f) {
        if (c->caplen < CHDLC_HDR_LEN)
            return sw_decode_fail(c, SW_DEV_PPP_TRUNC);
        return sw_decode_ethertype(c, sw_decode_be16(h + 2), CHDLC_HDR_LEN, c->caplen);
    }
    if (h[0] == 0xff && h[1] == 0x03)
        off = 2;
    return sw_decode_ppp_proto(c, off, c->caplen);
}

enum sw_decode_rc
sw_decode_ppp_proto(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    uint16_t proto;

    if (off >= end)
        return sw_decode_fail(c, SW_DEV_PPP_TRUNC);
    /* Protocol field compression: an odd first byte is a one-byte protocol. */
    if (c->d[off] & 1) {
        proto = c->d[off];
        off += 1;
    } else {
        if (end - off < 2)
            return sw_decode_fail(c, SW_DEV_PPP_TRUNC);
        proto = sw_decode_be16(c->d + off);
        off += 2;
    }
    switch (proto) {
    case SW_PPP_IPV4:
        return sw_decode_ipv4(c, off, end);
    case SW_PPP_IPV6:
        return sw_decode_ipv6(c, off, end);
    case SW_PPP_MPLS_UC:
    case SW_PPP_MPLS_MC:
        return sw_decode_mpls(c, off, end);
    default:
        /* 0x8000 and up are link and network control (LCP, IPCP, auth): normal, not IP.
         * Below is another network protocol, or compressed/encrypted data we cannot read. */
        if (proto < 0x8000)
            sw_decode_flag(c, SW_DEV_PPP_UNSUP);
        return SW_DECODE_NOT_IP;
    }
}
