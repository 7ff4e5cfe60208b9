/* decode_sctp.c - the SCTP common header: ports; the chunks are the payload. */
#include <stdint.h>

#include "decode_int.h"

#define SCTP_HDR_LEN 12u

enum sw_decode_rc
sw_decode_sctp(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    struct sw_packet *p = c->p;
    const uint8_t *h = c->d + off;

    c->st->sctp++;
    if (end - off < SCTP_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_SCTP_TRUNC);
    p->sport = sw_decode_be16(h);
    p->dport = sw_decode_be16(h + 2);
    p->payload_off = off + SCTP_HDR_LEN;
    p->payload_len = end - off - SCTP_HDR_LEN;
    return SW_DECODE_OK;
}
