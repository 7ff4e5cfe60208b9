/* decode_ipv4.c - the IPv4 header: lengths, options, fragments, then the L4 dispatch.
 *
 * Each IP header decoded becomes the flow's (the innermost wins): addresses, l3_* and the
 * per-flow L4 fields are reset here so an outer layer's values never leak into the flow. */
#include <stdint.h>
#include <string.h>

#include "decode_int.h"

#define IPV4_HDR_LEN 20u
#define IPV4_MF 0x2000u
#define IPV4_OFFMASK 0x1fffu
#define IPV4_OPT_EOL 0u
#define IPV4_OPT_NOP 1u

/* Options are type-length-value apart from EOL and NOP; every length must be at least 2 and
 * stay inside the header. Returns false on a malformed option. */
static bool
options_valid(const uint8_t *o, uint32_t len)
{
    uint32_t i = 0;

    while (i < len) {
        if (o[i] == IPV4_OPT_EOL)
            return true;
        if (o[i] == IPV4_OPT_NOP) {
            i++;
            continue;
        }
        if (len - i < 2 || o[i + 1] < 2 || o[i + 1] > len - i)
            return false;
        i += o[i + 1];
    }
    return true;
}

/* The fields every IP layer owns: set the new innermost header's, clear the L4 view. */
static void
set_l3(struct sw_decode_ctx *c, const uint8_t *h, uint32_t off, uint32_t dlen)
{
    struct sw_packet *p = c->p;

    p->ip_version = 4;
    p->l3_off = off;
    p->l3_len = dlen;
    p->l3_caplen = c->caplen - off;
    memcpy(p->src, h + 12, 4);
    memset(p->src + 4, 0, 12);
    memcpy(p->dst, h + 16, 4);
    memset(p->dst + 4, 0, 12);
    p->flags &= ~(SW_PKT_IPV4_MF | SW_PKT_IPV6_FRAG);
    p->l4_proto = h[9];
    p->l4_off = p->l4_len = 0;
    p->payload_off = p->payload_len = 0;
    p->sport = p->dport = 0;
    p->icmp_type = p->icmp_code = 0;
}

enum sw_decode_rc
sw_decode_ipv4(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    struct sw_packet *p = c->p;
    const uint8_t *h = c->d + off;
    uint32_t avail = end - off;
    uint32_t hlen, dlen;
    uint16_t frag;
    bool reasm = c->reasm;

    c->reasm = false;
    c->st->ipv4++;
    if (avail < IPV4_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_IPV4_TRUNC);
    if ((h[0] >> 4) != 4)
        return sw_decode_fail(c, SW_DEV_IPV4_WRONG_VERSION);
    hlen = (uint32_t)(h[0] & 0x0f) * 4;
    if (hlen < IPV4_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_IPV4_HLEN_TOO_SMALL);
    if (hlen > avail)
        return sw_decode_fail(c, SW_DEV_IPV4_TRUNC);
    dlen = sw_decode_be16(h + 2);
    if (dlen < hlen)
        return sw_decode_fail(c, SW_DEV_IPV4_IPLEN_SMALLER_THAN_HLEN);
    if (dlen > avail) {
        /* Cut by the snap length (or lying): keep what is there, as nDPI would be given. */
        p->flags |= SW_PKT_CUT;
        sw_decode_flag(c, SW_DEV_IP_CUT);
        dlen = avail;
    }
    if (hlen > IPV4_HDR_LEN && !options_valid(h + IPV4_HDR_LEN, hlen - IPV4_HDR_LEN))
        sw_decode_flag(c, SW_DEV_IPV4_OPT_INVALID);
    set_l3(c, h, off, dlen);

    frag = sw_decode_be16(h + 6);
    if ((frag & (IPV4_MF | IPV4_OFFMASK)) != 0) {
        if (reasm) {
            /* The reassembled datagram keeps MF for nDPI's "fragmented" risks. */
            if (frag & IPV4_MF)
                p->flags |= SW_PKT_IPV4_MF;
        } else {
            p->frag_id = sw_decode_be16(h + 4);
            p->frag_offset = (uint32_t)(frag & IPV4_OFFMASK) * 8;
            p->frag_data_off = off + hlen;
            p->frag_data_len = dlen - hlen;
            p->frag_hdr_off = 0;
            p->frag_more = (frag & IPV4_MF) != 0;
            return SW_DECODE_FRAGMENT;
        }
    }
    return sw_decode_l4(c, 4, h[9], off + hlen, off + dlen);
}
