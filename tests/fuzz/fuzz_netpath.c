/* fuzz_netpath.c - libFuzzer target for the whole network decode path without nDPI:
 * decode (collectors/net/decode*.c) > fragment reassembly (defrag.c) > re-decode of the
 * reassembled datagram > flow table (flow.c), the way agent/pipeline.c handle_packet() and
 * collectors/net/net_worker.c chain them.
 *
 * Input: one selector byte, then frames, each a 2-byte big-endian length and that many bytes
 * (the last frame takes what is left when the input is shorter than its length).
 *   bits 0-3  link type: index into linktypes[] below (all supported; the indices 0-14 are
 *             fuzz_decode.c's, so its seeds keep their meaning)
 *   bit 4     tunnels off
 *   bit 5     max_layers 2 instead of 16
 *   bit 6     clock step between frames 20 s instead of 1 ms: flows (10-600 s) and
 *             incomplete datagrams (30 s) then time out in the middle of the input
 *   bit 7     VXLAN port 8472 instead of 4789
 * Each frame is copied into its own exact-size heap buffer so that a read past caplen is an
 * ASan error. The reassembler (256 KiB memcap, 32 trackers) and the flow table (64 flows,
 * so eviction happens) are made for each input and everything is expired far in the future
 * at its end, so no state carries from one input to the next (a reassembler kept across
 * inputs would never expire again: its clock stays at the far-future time).
 * Checks: only documented return codes; memuse <= memcap; the flow table never holds more
 * than max_flows; the flow and host hashes are symmetric; every flow ends exactly once
 * through on_end; nothing is held once everything expired. Anything wrong aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/decode.h"
#include "sw/defrag.h"
#include "sw/event.h"
#include "sw/flow.h"
#include "sw/packet.h"
#include "sw/stats.h"

#define NP_MAX_FLOWS 64u
#define NP_DEFRAG_MEMCAP (256u * 1024)
#define NP_DEFRAG_TRACKERS 32u
#define NP_T0_US (1700000000ull * 1000000) /* first frame's time */
#define NP_STEP_FAST_US 1000ull            /* 1 ms */
#define NP_STEP_SLOW_US 20000000ull        /* 20 s */

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
    1,   /* and again */
    1,   /* fuzz_decode.c has an unsupported one here */
};

struct np_ctx {
    struct sw_decode_cfg dcfg;
    struct sw_decode_stats dst;
    struct sw_defrag *defrag;
    struct sw_flow_table *flows;
    uint64_t ended; /* on_end calls */
};

static void
check(bool ok)
{
    if (!ok)
        abort();
}

static void
on_end(void *ctx, struct sw_flow *f, enum sw_flow_reason reason)
{
    struct np_ctx *c = ctx;

    check(reason == SW_REASON_TIMEOUT || reason == SW_REASON_FORCED ||
          reason == SW_REASON_SHUTDOWN);
    check(f->ndpi_flow == NULL); /* nothing here hangs classifier state on a flow */
    check(f->counts.pkts_toserver + f->counts.pkts_toclient >= 1);
    c->ended++;
}

/* A fixed hash key: runs replay alike (the agent draws one at random per process). */
static const struct sw_hash_key np_key = {{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull}};

/* The two hashes that place a packet on a worker and in the table ignore its direction. */
static void
check_hashes(const struct sw_packet *p)
{
    struct sw_packet r = *p;

    memcpy(r.src, p->dst, sizeof(r.src));
    memcpy(r.dst, p->src, sizeof(r.dst));
    check(sw_flow_hash_hosts(&np_key, &r) == sw_flow_hash_hosts(&np_key, p));
    /* ICMP ports come from type/code (a reply maps onto its request), not from swapping. */
    if (p->l4_proto != 1 && p->l4_proto != 58) {
        r.sport = p->dport;
        r.dport = p->sport;
        check(sw_flow_hash_packet(&np_key, &r) == sw_flow_hash_packet(&np_key, p));
    }
}

/* A decoded packet (SW_DECODE_OK) goes to the flow table, as net_worker.c does. */
static void
to_flow(struct np_ctx *c, const struct sw_packet *p)
{
    struct sw_worker_stats ws;
    struct sw_flow *f;
    bool to_server = false;

    check_hashes(p);
    f = sw_flow_get(c->flows, p, &to_server);
    if (f != NULL) {
        check(f->key.ip_version == p->ip_version && f->key.proto == p->l4_proto);
        check(f->last_us >= p->ts_us);
    }
    memset(&ws, 0, sizeof(ws));
    sw_flow_stats(c->flows, &ws);
    check(ws.flows_active <= NP_MAX_FLOWS);
    check(ws.flows_ended == c->ended);
}

/* A fragment: reassemble, and decode a complete datagram again (pipeline.c handle_packet). */
static void
fragment(struct np_ctx *c, const struct sw_packet *p)
{
    const uint8_t *dg = NULL;
    uint32_t dglen = 0;
    struct sw_packet r;
    enum sw_decode_rc drc;
    enum sw_rc rc;

    rc = sw_defrag_add(c->defrag, p, &dg, &dglen);
    check(sw_defrag_stats(c->defrag)->memuse <= NP_DEFRAG_MEMCAP);
    if (rc != SW_OK) {
        check(rc == SW_EAGAIN || rc == SW_ELIMIT || rc == SW_EINVAL || rc == SW_ENOMEM);
        check(dg == NULL && dglen == 0);
        return;
    }
    check(dg != NULL && dglen > 0);
    drc = sw_decode_reassembled(&c->dcfg, p, dg, dglen, &r, &c->dst);
    check(drc != SW_DECODE_LINKTYPE);
    /* The reassembled header is never a fragment again; a tunnelled one inside may be (and
     * is dropped, as the pipeline does). */
    check(drc != SW_DECODE_FRAGMENT || r.tunnel != SW_TUNNEL_NONE);
    if (drc == SW_DECODE_OK)
        to_flow(c, &r);
}

static void
frame(struct np_ctx *c, struct sw_packet *p)
{
    uint64_t pkts = c->dst.pkts;

    switch (sw_decode_frame(&c->dcfg, p, &c->dst)) {
    case SW_DECODE_OK:
        to_flow(c, p);
        break;
    case SW_DECODE_FRAGMENT:
        fragment(c, p);
        break;
    case SW_DECODE_NOT_IP:
    case SW_DECODE_INVALID:
        break;
    case SW_DECODE_LINKTYPE:
    default:
        check(false); /* every link type in the table is supported */
    }
    check(c->dst.pkts == pkts + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_defrag_cfg dfc = {
        .memcap = NP_DEFRAG_MEMCAP,
        .timeout_us = 30ull * 1000000,
        .max_trackers = NP_DEFRAG_TRACKERS,
    };
    struct sw_flow_cfg fc;
    struct sw_worker_stats ws;
    struct np_ctx c;
    uint64_t ts = NP_T0_US, step;
    uint8_t sel;
    size_t i;

    if (size < 1)
        return 0;
    sel = data[0];
    memset(&c, 0, sizeof(c));
    sw_decode_cfg_defaults(&c.dcfg);
    if (sel & 0x10)
        c.dcfg.tunnels = false;
    if (sel & 0x20)
        c.dcfg.max_layers = 2;
    if (sel & 0x80)
        c.dcfg.vxlan_port = 8472;
    step = (sel & 0x40) ? NP_STEP_SLOW_US : NP_STEP_FAST_US;

    /* network.timeouts.* defaults */
    memset(&fc, 0, sizeof(fc));
    fc.max_flows = NP_MAX_FLOWS;
    fc.timeout_us[SW_TC_TCP_NEW] = 30ull * 1000000;
    fc.timeout_us[SW_TC_TCP_ESTABLISHED] = 600ull * 1000000;
    fc.timeout_us[SW_TC_TCP_CLOSED] = 10ull * 1000000;
    fc.timeout_us[SW_TC_UDP] = 120ull * 1000000;
    fc.timeout_us[SW_TC_ICMP] = 30ull * 1000000;
    fc.timeout_us[SW_TC_OTHER] = 60ull * 1000000;
    fc.community_id = true;
    fc.hash_key = np_key;

    c.defrag = sw_defrag_create(&dfc, NULL);
    c.flows = sw_flow_table_create(&fc, on_end, &c, NULL);
    if (c.defrag == NULL || c.flows == NULL)
        abort(); /* no allocation fails here unless the process is out of memory */

    for (i = 1; size - i >= 2; ts += step) {
        size_t len = (size_t)data[i] << 8 | data[i + 1];
        struct sw_packet p;
        uint8_t *buf;

        i += 2;
        if (len > size - i)
            len = size - i;
        buf = malloc(len > 0 ? len : 1);
        if (buf == NULL)
            abort();
        if (len > 0)
            memcpy(buf, data + i, len);
        i += len;
        memset(&p, 0, sizeof(p));
        p.data = buf;
        p.caplen = (uint32_t)len;
        p.wirelen = p.caplen;
        p.ts_us = ts;
        p.linktype = linktypes[sel & 0x0f];
        frame(&c, &p);
        free(buf);
    }

    /* Far in the future everything has expired: nothing may be left behind. */
    sw_flow_expire(c.flows, UINT64_MAX);
    memset(&ws, 0, sizeof(ws));
    sw_flow_stats(c.flows, &ws);
    check(ws.flows_active == 0);
    check(ws.flows_ended == ws.flows_created && c.ended == ws.flows_ended);
    sw_defrag_expire(c.defrag, UINT64_MAX);
    check(sw_defrag_stats(c.defrag)->memuse == 0);

    sw_flow_table_destroy(c.flows, UINT64_MAX);
    sw_defrag_destroy(c.defrag);
    return 0;
}
