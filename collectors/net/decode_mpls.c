/* decode_mpls.c - an MPLS label stack (0x8847 unicast, 0x8848 multicast, PPP 0x0281/0x0283).
 *
 * MPLS does not say what it carries: past the bottom-of-stack entry the first nibble is
 * taken as the IP version, as nDPI's reader and Suricata do. Anything else (an Ethernet
 * pseudowire, for one) is not decoded: SW_DECODE_NOT_IP. Each label is one encapsulation
 * step, which also bounds the walk. */
#include <stdint.h>

#include "decode_int.h"

#define MPLS_ENTRY_LEN 4u
#define MPLS_BOS 0x100u
#define MPLS_LABEL_ROUTER_ALERT 1u
#define MPLS_LABEL_IMPLICIT_NULL 3u
#define MPLS_LABEL_MAX_RESERVED 15u

enum sw_decode_rc
sw_decode_mpls(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    uint32_t entry, label;

    c->st->mpls++;
    do {
        if (end - off < MPLS_ENTRY_LEN)
            return sw_decode_fail(c, SW_DEV_MPLS_TRUNC);
        if (!sw_decode_enter(c))
            return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
        entry = sw_decode_be32(c->d + off);
        off += MPLS_ENTRY_LEN;
    } while ((entry & MPLS_BOS) == 0);

    /* Router alert never ends a stack, implicit null never reaches the wire, 4-15 are
     * reserved: odd, but the payload can still be read. */
    label = entry >> 12;
    if (label == MPLS_LABEL_ROUTER_ALERT ||
        (label >= MPLS_LABEL_IMPLICIT_NULL && label <= MPLS_LABEL_MAX_RESERVED))
        sw_decode_flag(c, SW_DEV_MPLS_BAD_LABEL);

    if (off >= end)
        return sw_decode_fail(c, SW_DEV_MPLS_TRUNC);
    switch (c->d[off] >> 4) {
    case 4:
        return sw_decode_ipv4(c, off, end);
    case 6:
        return sw_decode_ipv6(c, off, end);
    default:
        return SW_DECODE_NOT_IP;
    }
}
