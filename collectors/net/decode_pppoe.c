/* decode_pppoe.c - PPPoE session stage (0x8864): 6-byte header, then PPP.
 * The discovery stage (0x8863) is not IP and is answered in sw_decode_ethertype. */
#include <stdint.h>

#include "decode_int.h"

#define PPPOE_HDR_LEN 6u
#define PPPOE_VER_TYPE 0x11u /* version 1, type 1 */
#define PPPOE_CODE_SESSION 0x00u

enum sw_decode_rc
sw_decode_pppoe(struct sw_decode_ctx *c, uint32_t off, uint32_t end)
{
    const uint8_t *h = c->d + off;

    c->st->pppoe++;
    /* The header and a two-byte PPP protocol, as Suricata requires. */
    if (end - off < PPPOE_HDR_LEN + 2)
        return sw_decode_fail(c, SW_DEV_PPPOE_TRUNC);
    if (h[0] != PPPOE_VER_TYPE || h[1] != PPPOE_CODE_SESSION)
        return sw_decode_fail(c, SW_DEV_PPPOE_WRONG_CODE);
    if (!sw_decode_enter(c))
        return sw_decode_fail(c, SW_DEV_TUNNEL_TOO_DEEP);
    return sw_decode_ppp_proto(c, off + PPPOE_HDR_LEN, end);
}
