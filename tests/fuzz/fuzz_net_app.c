/* fuzz_net_app.c - libFuzzer target for the network worker's application-layer side
 * (collectors/net/net_worker.c, net_app.c, net_app_http.c): TCP reassembly feeding the HTTP,
 * TLS and DNS-over-TCP parsers and the stream-chunk hook, DNS over UDP, and the detection
 * stage's subjects with every buffer built (the lazy HTTP ones included), through a real
 * worker with nDPI.
 *
 * Input: one selector byte, then records [ctl][len][len bytes] (fewer at the end of input).
 *   selector bits 0-1  the server's port: 80, 443, 53, 8080
 *            bit 2     UDP instead of TCP
 *            bit 3     no TCP handshake: the capture starts in the middle
 *            bit 4     network.stream.depth 4 KiB instead of 1 MiB
 *            bit 5     network.http.bodies off
 *            bit 6     the detector asks only for DNS and TLS transactions (else everything)
 *   ctl      bit 0     from the server (else from the client)
 *            bit 1     TCP: a hole of len bytes (sequence numbers skip them; nothing sent)
 *            bit 2     TCP: FIN with this segment; bit 3: RST
 * A detector of the test asks for every hook and transaction; for each subject it reads every
 * buffer of both sides (touching each byte, so ASan sees a short span), checks stream chunks
 * are contiguous per direction and end before the depth (its per-flow slot keeps the next
 * offsets), and raises an alert on every transaction, which is encoded to EVE JSON (the app
 * objects' deep copy and their encoding). The worker is made per input and destroyed at its
 * end (every flow ends: flow-end hooks, last transactions). Anything wrong aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/decode.h"
#include "sw/detect.h"
#include "sw/eve.h"
#include "sw/ndpi.h"
#include "sw/net_worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define NA_T0 1700000000000000ull
#define NA_DEEP (1u << 20)
#define NA_SHALLOW 4096u

static void
check(bool ok)
{
    if (!ok)
        abort();
}

static unsigned na_hooks, na_events;
static uint64_t na_depth;

/* Per-flow slot: the next stream offset expected per direction. */
struct na_slot {
    uint64_t next[2];
};

static enum sw_rc
na_create(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld,
          struct sw_err *err)
{
    (void)o;
    (void)err;
    *inst = &na_hooks;
    ld->hooks = na_hooks;
    ld->app_events = na_events;
    return SW_OK;
}

static void
na_destroy(void *inst)
{
    (void)inst;
}

static enum sw_rc
na_thread_init(void **tctx, const void *inst, const struct sw_detect_thread_opts *topt,
               struct sw_err *err)
{
    (void)inst;
    (void)topt;
    (void)err;
    *tctx = &na_hooks;
    return SW_OK;
}

static void
na_thread_fini(void *tctx)
{
    (void)tctx;
}

static void
na_flow_free(void *fstate)
{
    sw_free(fstate);
}

static void
touch(const uint8_t *p, size_t n)
{
    volatile uint8_t sink = 0;

    check(n == 0 || p != NULL);
    for (size_t i = 0; i < n; i++)
        sink ^= p[i];
    (void)sink;
}

static void
na_emit(struct sw_emitter *em, struct sw_event *ev)
{
    struct sw_eve_cfg cfg = {.host = "fuzz"};
    size_t len = 0;
    char *s;

    (void)em;
    s = sw_eve_encode(&cfg, ev, &len);
    if (s != NULL) {
        check(len > 0 && s[0] == '{' && s[len - 1] == '}');
        free(s);
    }
    sw_event_destroy(ev);
}

static void
na_inspect(void *tctx, const struct sw_subject *s, struct sw_emitter *em)
{
    (void)tctx;
    check(s->flow != NULL && s->counts != NULL && s->ndpi != NULL);
    check(s->dir == SW_DIR_TO_SERVER || s->dir == SW_DIR_TO_CLIENT);
    switch (s->hook) {
    case SW_HOOK_PACKET:
        check(s->pkt != NULL);
        touch(s->payload.p, s->payload.len);
        break;
    case SW_HOOK_STREAM_CHUNK: {
        struct na_slot *sl = s->fstate != NULL ? *s->fstate : NULL;

        touch(s->stream.data.p, s->stream.data.len);
        check(s->stream.data.len > 0 && s->stream.offset + s->stream.data.len <= na_depth);
        if (s->fstate != NULL && sl == NULL) {
            sl = sw_calloc(1, sizeof(*sl));
            *s->fstate = sl;
        }
        if (sl != NULL) {
            check(s->stream.offset >= sl->next[s->dir]); /* holes skip, never go back */
            sl->next[s->dir] = s->stream.offset + s->stream.data.len;
        }
        break;
    }
    case SW_HOOK_STREAM_WHOLE:
        check(s->stream.offset == 0 && s->stream.data.len <= na_depth);
        touch(s->stream.data.p, s->stream.data.len);
        break;
    case SW_HOOK_APP: {
        struct sw_alert a;

        check((unsigned)s->app.event < SW_APP_EV_MAX && s->app.reading != NULL);
        for (int side = 0; side < 2; side++) {
            for (int b = 0; b < SW_BUF_MAX; b++) {
                unsigned n;
                const struct sw_span *sp =
                    sw_subject_buf(s, (enum sw_side)side, (enum sw_buf)b, &n);

                check((n == 0) == (sp == NULL));
                for (unsigned i = 0; i < n; i++)
                    touch(sp[i].p, sp[i].len);
            }
        }
        memset(&a, 0, sizeof(a));
        a.gid = 1;
        a.signature_id = 1;
        a.detector = "rule";
        (void)sw_emit_alert(em, s, &a);
        break;
    }
    case SW_HOOK_FLOW_END:
        check(s->pkt == NULL);
        break;
    default:
        check(false);
    }
}

static const struct sw_detector_ops na_ops = {
    .name = "fuzz",
    .create = na_create,
    .destroy = na_destroy,
    .thread_init = na_thread_init,
    .inspect = na_inspect,
    .thread_fini = na_thread_fini,
    .flow_free = na_flow_free,
};
static const struct sw_detector_ops *const na_list[] = {&na_ops, NULL};

struct na_conn {
    struct sw_net_worker *nw;
    bool udp;
    uint16_t port;
    uint32_t seq[2]; /* next sequence number per side: 0 client, 1 server */
    uint64_t ts;
};

static const uint8_t na_cli[4] = {10, 1, 0, 1}, na_srv[4] = {10, 1, 0, 2};

/* One IPv4 frame of side `from` (0 client, 1 server), decoded and handed to the worker. */
static void
na_send(struct na_conn *c, int from, uint8_t flags, const uint8_t *payload, size_t plen)
{
    size_t hl = c->udp ? 8 : 20, len = 20 + hl + plen;
    uint8_t *f = malloc(len);
    uint16_t sp = from == 0 ? 40001 : c->port, dp = from == 0 ? c->port : 40001;
    struct sw_decode_stats st;
    struct sw_decode_cfg dcfg;
    struct sw_packet p;

    check(f != NULL);
    memset(f, 0, 20 + hl);
    f[0] = 0x45;
    f[2] = (uint8_t)(len >> 8);
    f[3] = (uint8_t)len;
    f[8] = 64;
    f[9] = c->udp ? 17 : 6;
    memcpy(f + 12, from == 0 ? na_cli : na_srv, 4);
    memcpy(f + 16, from == 0 ? na_srv : na_cli, 4);
    f[20] = (uint8_t)(sp >> 8);
    f[21] = (uint8_t)sp;
    f[22] = (uint8_t)(dp >> 8);
    f[23] = (uint8_t)dp;
    if (c->udp) {
        f[24] = (uint8_t)((8 + plen) >> 8);
        f[25] = (uint8_t)(8 + plen);
    } else {
        uint32_t seq = c->seq[from], ack = c->seq[!from];

        for (int i = 0; i < 4; i++) {
            f[24 + i] = (uint8_t)(seq >> (24 - 8 * i));
            f[28 + i] = (uint8_t)(ack >> (24 - 8 * i));
        }
        f[32] = 0x50;
        f[33] = flags;
        f[34] = 0xff;
        c->seq[from] += (uint32_t)plen + ((flags & 0x03) != 0);
    }
    if (plen > 0)
        memcpy(f + 20 + hl, payload, plen);
    memset(&p, 0, sizeof(p));
    memset(&st, 0, sizeof(st));
    p.data = f;
    p.caplen = p.wirelen = (uint32_t)len;
    p.ts_us = c->ts;
    p.linktype = 12; /* raw IP */
    c->ts += 1000;
    sw_decode_cfg_defaults(&dcfg);
    if (sw_decode_frame(&dcfg, &p, &st) == SW_DECODE_OK)
        sw_net_worker_packet(c->nw, &p);
    free(f);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct sw_err err;

    (void)argc;
    (void)argv;
    check(sw_ndpi_prime(&err) == SW_OK);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t ports[4] = {80, 443, 53, 8080};
    struct sw_emitter em = {.emit = na_emit};
    struct na_conn c;
    struct sw_config *cfg;
    struct sw_detect *det;
    struct sw_err err;
    size_t i = 1;
    uint8_t sel;

    if (size < 1)
        return 0;
    sel = data[0];
    cfg = sw_cfg_defaults(&err);
    check(cfg != NULL);
    na_depth = (sel & 0x10) ? NA_SHALLOW : NA_DEEP;
    cfg->network.stream.depth = na_depth;
    cfg->network.http.bodies = (sel & 0x20) == 0;
    cfg->network.max_flows = 16;
    na_hooks = SW_HOOK_ALL;
    na_events = (1u << SW_APP_EV_MAX) - 1;
    if (sel & 0x40) {
        na_hooks = SW_HOOK_BIT(SW_HOOK_APP);
        na_events = (1u << SW_APP_EV_DNS_QUERY) | (1u << SW_APP_EV_DNS_ANSWER) |
                    (1u << SW_APP_EV_TLS_CLIENT_HELLO) | (1u << SW_APP_EV_TLS_SERVER_HELLO) |
                    (1u << SW_APP_EV_TLS_CERTIFICATE);
    }
    det = sw_detect_create(&(struct sw_detect_opts){.cfg = cfg, .detectors = na_list}, NULL, &err);
    check(det != NULL);
    memset(&c, 0, sizeof(c));
    c.udp = (sel & 0x04) != 0;
    c.port = ports[sel & 3];
    c.seq[0] = 1000;
    c.seq[1] = 90000;
    c.ts = NA_T0;
    c.nw = sw_net_worker_create(cfg, 0, 1, &(struct sw_hash_key){{1, 2}}, det, NULL, &em, &err);
    check(c.nw != NULL);
    if (!c.udp && (sel & 0x08) == 0) {
        na_send(&c, 0, 0x02, NULL, 0);
        na_send(&c, 1, 0x12, NULL, 0);
        na_send(&c, 0, 0x10, NULL, 0);
    }
    while (i + 2 <= size) {
        uint8_t ctl = data[i];
        size_t n = data[i + 1];
        int from = ctl & 1;

        i += 2;
        if (n > size - i)
            n = size - i;
        if (!c.udp && (ctl & 0x02)) {
            c.seq[from] += (uint32_t)n; /* a hole: these bytes never come */
            continue;
        }
        na_send(&c, from,
                c.udp ? 0 : (uint8_t)(0x18 | ((ctl & 0x04) ? 0x01 : 0) | ((ctl & 0x08) ? 0x04 : 0)),
                data + i, n);
        i += n;
    }
    sw_net_worker_destroy(c.nw, c.ts + 1000000);
    sw_detect_destroy(det);
    sw_cfg_free(cfg);
    sw_eve_thread_fini();
    return 0;
}
