/* decode_tcp.c - the TCP header: length, ports, sequence numbers, flags, window, options.
 * Malformed options are flagged (tcp.opt_invalid) but the segment is still the flow's: the
 * header length is sound, so ports and payload are where they say. */
#include <stdint.h>

#include "decode_int.h"

#define TCP_HDR_LEN 20u

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACKOK 4
#define TCPOPT_SACK 5
#define TCPOPT_TIMESTAMP 8

/* Walk the options: lengths at least 2, inside the header, and right for the kinds whose
 * length is fixed. */
static bool
options_valid(const uint8_t *o, uint32_t len)
{
    uint32_t i = 0;

    while (i < len) {
        uint8_t kind = o[i], olen;

        if (kind == TCPOPT_EOL)
            return true;
        if (kind == TCPOPT_NOP) {
            i++;
            continue;
        }
        if (len - i < 2)
            return false;
        olen = o[i + 1];
        if (olen < 2 || olen > len - i)
            return false;
        switch (kind) {
        case TCPOPT_MSS:
            if (olen != 4)
                return false;
            break;
        case TCPOPT_WSCALE:
            if (olen != 3)
                return false;
            break;
        case TCPOPT_SACKOK:
            if (olen != 2)
                return false;
            break;
        case TCPOPT_SACK:
            if (olen < 10 || (olen - 2) % 8 != 0)
                return false;
            break;
        case TCPOPT_TIMESTAMP:
            if (olen != 10)
                return false;
            break;
        default:
            break;
        }
        i += olen;
    }
    return true;
}

enum sw_decode_rc
sw_decode_tcp(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    struct sw_packet *p = c->p;
    const uint8_t *h = c->d + off;
    uint32_t avail = end - off;
    uint32_t hlen;

    c->st->tcp++;
    if (avail < TCP_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_TCP_TRUNC);
    hlen = (uint32_t)(h[12] >> 4) * 4;
    if (hlen < TCP_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_TCP_HLEN_TOO_SMALL);
    if (hlen > avail)
        return sw_decode_fail(c, SW_DEV_TCP_TRUNC);
    p->sport = sw_decode_be16(h);
    p->dport = sw_decode_be16(h + 2);
    p->tcp_seq = sw_decode_be32(h + 4);
    p->tcp_ack = sw_decode_be32(h + 8);
    p->tcp_flags = h[13];
    p->tcp_win = sw_decode_be16(h + 14);
    if (hlen > TCP_HDR_LEN && !options_valid(h + TCP_HDR_LEN, hlen - TCP_HDR_LEN))
        sw_decode_flag(c, SW_DEV_TCP_OPT_INVALID);
    p->payload_off = off + hlen;
    p->payload_len = avail - hlen;
    return SW_DECODE_OK;
}
