/* decode_ipv6.c - the IPv6 header and its extension header chain, then the L4 dispatch.
 *
 * The chain is walked up to SW_DECODE_IPV6_MAX_EXTHDRS headers. A fragment header ends the
 * walk when it makes this packet a fragment (offset or M set, not reassembled); an atomic
 * fragment (offset 0, M clear, RFC 6946) and any fragment header of a reassembled datagram
 * only set SW_PKT_IPV6_FRAG and the walk goes on. */
#include <stdint.h>
#include <string.h>

#include "decode_int.h"

#define IPV6_HDR_LEN 40u
#define IPV6_EXT_MIN 8u
#define IPV6_FRAG_LEN 8u

#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DSTOPTS 60
#define NH_MOBILITY 135
#define NH_HIP 139
#define NH_SHIM6 140

static bool
is_exthdr(uint8_t nh)
{
    switch (nh) {
    case NH_HOPOPTS:
    case NH_ROUTING:
    case NH_FRAGMENT:
    case NH_AH:
    case NH_DSTOPTS:
    case NH_MOBILITY:
    case NH_HIP:
    case NH_SHIM6:
        return true;
    default:
        return false;
    }
}

static void
set_l3(struct sw_decode_ctx *c, const uint8_t *h, uint32_t off, uint32_t dlen)
{
    struct sw_packet *p = c->p;

    p->ip_version = 6;
    p->l3_off = off;
    p->l3_len = dlen;
    p->l3_caplen = c->caplen - off;
    memcpy(p->src, h + 8, 16);
    memcpy(p->dst, h + 24, 16);
    p->flags &= ~(SW_PKT_IPV4_MF | SW_PKT_IPV6_FRAG);
    p->l4_proto = h[6];
    p->l4_off = p->l4_len = 0;
    p->payload_off = p->payload_len = 0;
    p->sport = p->dport = 0;
    p->icmp_type = p->icmp_code = 0;
}

enum sw_decode_rc
sw_decode_ipv6(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    struct sw_packet *p = c->p;
    const uint8_t *h = c->d + off;
    uint32_t avail = end - off;
    uint32_t dlen, dend, pos, len;
    unsigned n;
    uint8_t nh;
    bool reasm = c->reasm;

    c->reasm = false;
    c->st->ipv6++;
    if (avail < IPV6_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_IPV6_TRUNC);
    if ((h[0] >> 4) != 6)
        return sw_decode_fail(c, SW_DEV_IPV6_WRONG_VERSION);
    dlen = IPV6_HDR_LEN + sw_decode_be16(h + 4);
    if (dlen > avail) {
        p->flags |= SW_PKT_CUT;
        sw_decode_flag(c, SW_DEV_IP_CUT);
        dlen = avail;
    }
    set_l3(c, h, off, dlen);

    dend = off + dlen;
    pos = off + IPV6_HDR_LEN;
    nh = h[6];
    for (n = 0; is_exthdr(nh); n++) {
        const uint8_t *e = c->d + pos;

        if (n == SW_DECODE_IPV6_MAX_EXTHDRS)
            return sw_decode_fail(c, SW_DEV_IPV6_EXTHDR_TOO_MANY);
        if (dend - pos < IPV6_EXT_MIN)
            return sw_decode_fail(c, SW_DEV_IPV6_EXTHDR_TRUNC);
        if (nh == NH_FRAGMENT) {
            uint16_t fo = sw_decode_be16(e + 2);

            len = IPV6_FRAG_LEN;
            if ((fo & 0xfff9u) != 0 && !reasm) {
                p->l4_proto = e[0];
                p->frag_id = sw_decode_be32(e + 4);
                p->frag_offset = fo & 0xfff8u;
                p->frag_more = (fo & 1u) != 0;
                p->frag_hdr_off = pos;
                p->frag_data_off = pos + IPV6_FRAG_LEN;
                p->frag_data_len = dend - (pos + IPV6_FRAG_LEN);
                return SW_DECODE_FRAGMENT;
            }
            p->flags |= SW_PKT_IPV6_FRAG;
        } else if (nh == NH_AH) {
            len = ((uint32_t)e[1] + 2) * 4;
        } else {
            len = ((uint32_t)e[1] + 1) * 8;
        }
        if (len > dend - pos)
            return sw_decode_fail(c, SW_DEV_IPV6_EXTHDR_TRUNC);
        nh = e[0];
        pos += len;
    }
    if (nh == SW_IPPROTO_NONE && pos < dend)
        sw_decode_flag(c, SW_DEV_IPV6_NO_NEXT_HEADER);
    return sw_decode_l4(c, 6, nh, pos, dend);
}
