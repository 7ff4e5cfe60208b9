/* decode_vlan.c - 802.1Q (0x8100), 802.1ad (0x88a8) and the pre-standard 0x9100 tags.
 *
 * The ids of every tag on the way to the flow, outer Ethernet and tunnelled Ethernet alike,
 * are kept outermost first; a packet with more than SW_MAX_VLANS tags is invalid
 * (vlan.too_many_layers), as in Suricata, because its flow key could not hold them all. */
#include <stdint.h>

#include "decode_int.h"

#define VLAN_HDR_LEN 4u

enum sw_decode_rc
sw_decode_vlan(struct sw_decode_ctx *c, uint16_t tpid, uint32_t off, uint32_t end)
{
    struct sw_packet *p = c->p;
    const uint8_t *h = c->d + off;

    if (tpid == SW_ETH_VLAN)
        c->st->vlan++;
    else
        c->st->vlan_qinq++;
    if (end - off < VLAN_HDR_LEN)
        return sw_decode_fail(c, SW_DEV_VLAN_TRUNC);
    if (p->vlan_count >= SW_MAX_VLANS)
        return sw_decode_fail(c, SW_DEV_VLAN_TOO_MANY);
    if (!sw_decode_enter(c))
        return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
    p->vlan[p->vlan_count++] = sw_decode_be16(h) & 0x0fff;
    return sw_decode_ethertype(c, sw_decode_be16(h + 2), off + VLAN_HDR_LEN, end);
}
