/* fuzz_decode.c - libFuzzer target for the decode path (collectors/net/decode*.c).
 *
 * Input: one selector byte, then the frame.
 *   bits 0-3  link type: index into linktypes[] below (one entry is unsupported on purpose)
 *   bit 4     tunnels off
 *   bit 5     max_layers 2 instead of 16
 *   bit 6     decode the frame as a reassembled IP datagram (sw_decode_ip, offset 0,
 *             SW_PKT_REASSEMBLED) instead of a link-layer frame
 *   bit 7     VXLAN port 8472 instead of 4789
 * The frame is the tail of libFuzzer's own exact-size buffer, so any read past caplen is an
 * ASan error. After decoding, the field contract of decode.h/packet.h is checked; anything
 * wrong aborts. A fragment is left alone (reassembly has its own target). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sw/decode.h"
#include "sw/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[16] = {
    1,   /* Ethernet */
    113, /* Linux cooked */
    276, /* Linux cooked v2 */
    0,   /* BSD NULL */
    108, /* BSD LOOP */
    12,  /* raw (Linux DLT_RAW) */
    14,  /* raw (OpenBSD DLT_RAW) */
    101, /* LINKTYPE_RAW */
    228, /* raw IPv4 */
    229, /* raw IPv6 */
    9,   /* PPP */
    50,  /* PPP serial */
    104, /* Cisco HDLC */
    1,   /* Ethernet again: the richest path */
    1,
    147, /* a user link type: not supported */
};

static void
check(bool ok)
{
    if (!ok)
        abort();
}

static void
check_packet(const struct sw_packet *p, enum sw_decode_rc rc, const struct sw_decode_stats *st)
{
    check(p->vlan_count <= SW_MAX_VLANS);
    check(p->tunnel <= SW_TUNNEL_GENEVE);
    check(p->decode_event < SW_DEV_MAX);
    switch (rc) {
    case SW_DECODE_OK:
        check(p->ip_version == 4 || p->ip_version == 6);
        check(p->l3_off <= p->caplen);
        check(p->l3_caplen == p->caplen - p->l3_off);
        check(p->l3_len <= p->l3_caplen);
        check(p->l4_off >= p->l3_off);
        check((uint64_t)p->l4_off + p->l4_len <= (uint64_t)p->l3_off + p->l3_len);
        check(p->payload_off >= p->l4_off);
        check((uint64_t)p->payload_off + p->payload_len <= (uint64_t)p->l4_off + p->l4_len);
        if (p->l4_proto != 6 && p->l4_proto != 17 && p->l4_proto != 132)
            check(p->sport == 0 && p->dport == 0);
        if (p->ip_version == 4) {
            unsigned i;

            for (i = 4; i < 16; i++)
                check(p->src[i] == 0 && p->dst[i] == 0);
        }
        check(st->invalid == 0);
        break;
    case SW_DECODE_FRAGMENT:
        check(p->frag_data_off >= p->l3_off);
        check((uint64_t)p->frag_data_off + p->frag_data_len <= (uint64_t)p->l3_off + p->l3_len);
        check((uint64_t)p->l3_off + p->l3_len <= p->caplen);
        check(p->ip_version == 6 || p->frag_hdr_off == 0);
        check(p->ip_version == 4 || p->frag_hdr_off >= p->l3_off + 40);
        check(st->fragments == 1);
        break;
    case SW_DECODE_INVALID:
        check(p->decode_event != SW_DEV_NONE);
        check(st->invalid == 1);
        check(st->events[p->decode_event] >= 1);
        break;
    case SW_DECODE_NOT_IP:
        check(st->not_ip == 1);
        break;
    case SW_DECODE_LINKTYPE:
        check(!sw_decode_linktype_supported(p->linktype));
        break;
    default:
        check(false);
    }
    /* A flagged event is counted too. */
    if (p->decode_event != SW_DEV_NONE)
        check(st->events[p->decode_event] >= 1);
    check(sw_decode_event_name((enum sw_decode_event)p->decode_event) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_decode_cfg cfg;
    struct sw_decode_stats st = {0};
    struct sw_packet p = {0};
    enum sw_decode_rc rc;
    uint8_t sel;

    if (size < 1 || size - 1 > UINT32_MAX)
        return 0;
    sel = data[0];
    sw_decode_cfg_defaults(&cfg);
    if (sel & 0x10)
        cfg.tunnels = false;
    if (sel & 0x20)
        cfg.max_layers = 2;
    if (sel & 0x80)
        cfg.vxlan_port = 8472;
    p.data = data + 1;
    p.caplen = (uint32_t)(size - 1);
    p.wirelen = p.caplen;
    if (sel & 0x40) {
        p.flags = SW_PKT_REASSEMBLED;
        rc = sw_decode_ip(&cfg, &p, 0, &st);
        check(rc != SW_DECODE_LINKTYPE);
        /* The reassembled header itself is never a fragment again; a tunnelled one may be. */
        check(rc != SW_DECODE_FRAGMENT || p.tunnel != SW_TUNNEL_NONE);
    } else {
        p.linktype = linktypes[sel & 0x0f];
        rc = sw_decode_frame(&cfg, &p, &st);
        check(st.pkts == 1 && st.bytes == p.caplen);
    }
    check_packet(&p, rc, &st);
    return 0;
}
