/* decode_udp.c - the UDP header, then the UDP tunnels (GTP-U, TZSP, CAPWAP, VXLAN,
 * Geneve).
 *
 * A UDP length that disagrees with the IP datagram is flagged (udp.hlen_invalid) but the
 * packet stays a flow, as nDPI would see it; such a packet is never decapsulated. The
 * payload ends at the UDP length when that is shorter than the datagram. */
#include <stdint.h>

#include "decode_int.h"

#define UDP_HDR_LEN 8u

enum sw_decode_rc
sw_decode_udp(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    struct sw_packet *p = c->p;
    const uint8_t *h = c->d + off;
    uint32_t avail = end - off;
    uint32_t ulen;
    enum sw_decode_rc rc = SW_DECODE_OK;
    bool valid = true;

    c->st->udp++;
    if (avail < UDP_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_UDP_TRUNC);
    p->sport = sw_decode_be16(h);
    p->dport = sw_decode_be16(h + 2);
    ulen = sw_decode_be16(h + 4);
    if (ulen < UDP_HDR_LEN || (ulen > avail && (p->flags & SW_PKT_CUT) == 0)) {
        sw_decode_flag(c, SW_DEV_UDP_LEN_INVALID);
        valid = false;
    } else if (ulen < avail) {
        /* Bytes after the UDP datagram inside the IP one: not payload. */
        sw_decode_flag(c, SW_DEV_UDP_LEN_INVALID);
        valid = false;
        avail = ulen;
        p->l4_len = ulen;
    }
    p->payload_off = off + UDP_HDR_LEN;
    p->payload_len = avail - UDP_HDR_LEN;
    if (valid && c->cfg->tunnels &&
        sw_decode_udp_tunnel(c, p->sport, p->dport, off + UDP_HDR_LEN, off + avail, &rc))
        return rc;
    return SW_DECODE_OK;
}
