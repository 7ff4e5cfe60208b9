/* decode_icmp.c - ICMPv4 and ICMPv6: type and code; the flow has no ports.
 * Every message of either version has at least an 8-byte header (type, code, checksum and
 * four bytes whose meaning depends on the type); the body follows it. */
#include <stdint.h>

#include "decode_int.h"

#define ICMP_HDR_LEN 8u

enum sw_decode_rc
sw_decode_icmp(struct sw_decode_ctx *c, bool v6, uint32_t off, uint32_t end)
{
    struct sw_packet *p = c->p;
    const uint8_t *h = c->d + off;

    if (v6)
        c->st->icmpv6++;
    else
        c->st->icmpv4++;
    if (end - off < ICMP_HDR_LEN)
        return sw_decode_fail(c, v6 ? SW_DEV_ICMPV6_TRUNC : SW_DEV_ICMPV4_TRUNC);
    p->icmp_type = h[0];
    p->icmp_code = h[1];
    p->sport = p->dport = 0;
    p->payload_off = off + ICMP_HDR_LEN;
    p->payload_len = end - off - ICMP_HDR_LEN;
    return SW_DECODE_OK;
}
