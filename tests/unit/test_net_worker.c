/* test_net_worker.c - the network worker's side of the detection stage: which hooks it
 * raises, in which order, with which subject, and which application-layer parsers it runs
 * (collectors/net/net_worker.c, net_app.c, net_app_http.c).
 *
 * A recording detector stands behind a real stage (rules/detect.c): it asks for the hooks and
 * transactions a test sets in `want`, and keeps what each call showed it (hook, event,
 * transaction, direction, buffers, app-layer object). Packets are raw IPv4 frames decoded by
 * the real decoder and handed to a real worker (flow table, nDPI, stream); events go to a
 * collecting emitter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/decode.h"
#include "sw/detect.h"
#include "sw/ndpi.h"
#include "sw/net_worker.h"

#define LINKTYPE_RAW 12
#define TS 1700000000000000ull
#define MAX_CALLS 256
#define SNAP 200 /* bytes of a buffer or chunk kept per call */

/* --- the recording detector --------------------------------------------------------------- */

static struct {
    unsigned hooks, app_events; /* what the detector asks for */
    bool alert_app;             /* raise an alert on every transaction event */
} want;

/* Buffers a call snapshot keeps, per side. */
static const enum sw_buf kept[] = {
    SW_BUF_HTTP_METHOD,       SW_BUF_HTTP_URI,       SW_BUF_HTTP_URI_RAW,
    SW_BUF_HTTP_PROTOCOL,     SW_BUF_HTTP_HOST,      SW_BUF_HTTP_HOST_RAW,
    SW_BUF_HTTP_USER_AGENT,   SW_BUF_HTTP_COOKIE,    SW_BUF_HTTP_HEADER,
    SW_BUF_HTTP_HEADER_NAMES, SW_BUF_HTTP_STAT_CODE, SW_BUF_HTTP_STAT_MSG,
    SW_BUF_HTTP_CONTENT_TYPE, SW_BUF_FILE_DATA,      SW_BUF_HTTP_RESPONSE_BODY,
    SW_BUF_HTTP_REQUEST_LINE, SW_BUF_HTTP_START,     SW_BUF_DNS_QUERY,
    SW_BUF_TLS_SNI,
};
#define N_KEPT (sizeof(kept) / sizeof(kept[0]))

struct call {
    enum sw_hook hook;
    enum sw_app_event event;
    uint64_t tx, ts_us, offset, risks_new;
    enum sw_dir dir;
    bool client_is_originator, has_pkt;
    uint32_t flags;
    char data[SNAP + 1]; /* stream bytes */
    size_t data_len;
    char buf[2][N_KEPT][SNAP + 1];
    unsigned nbuf[2][N_KEPT]; /* spans of each buffer */
    enum sw_app_kind obj;
    char obj_text[SNAP + 1]; /* dns: first query rrname; tls: sni; http: url */
    uint64_t obj_tx;         /* dns: tx_id */
};

static struct {
    struct call c[MAX_CALLS];
    unsigned n;
} rec;

static enum sw_rc
rec_create(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld,
           struct sw_err *err)
{
    (void)o;
    (void)err;
    *inst = &rec;
    ld->hooks = want.hooks;
    ld->app_events = want.app_events;
    return SW_OK;
}

static void
rec_destroy(void *inst)
{
    (void)inst;
}

static enum sw_rc
rec_thread_init(void **tctx, const void *inst, const struct sw_detect_thread_opts *topt,
                struct sw_err *err)
{
    (void)inst;
    (void)topt;
    (void)err;
    *tctx = &rec;
    return SW_OK;
}

static void
copy_text(char *out, const void *p, size_t n)
{
    n = n < SNAP ? n : SNAP;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void
rec_inspect(void *tctx, const struct sw_subject *s, struct sw_emitter *em)
{
    struct call *c;

    (void)tctx;
    assert_true(rec.n < MAX_CALLS);
    c = &rec.c[rec.n++];
    memset(c, 0, sizeof(*c));
    c->hook = s->hook;
    c->ts_us = s->ts_us;
    c->dir = s->dir;
    c->flags = s->flags;
    c->risks_new = s->risks_new;
    c->has_pkt = s->pkt != NULL;
    if (s->hook == SW_HOOK_STREAM_CHUNK || s->hook == SW_HOOK_STREAM_WHOLE) {
        c->offset = s->stream.offset;
        c->data_len = s->stream.data.len;
        copy_text(c->data, s->stream.data.p, s->stream.data.len);
    }
    if (s->hook != SW_HOOK_APP)
        return;
    c->event = s->app.event;
    c->tx = s->app.tx_id;
    c->client_is_originator = s->app.client_is_originator;
    for (int side = 0; side < 2; side++) {
        for (size_t i = 0; i < N_KEPT; i++) {
            unsigned n;
            const struct sw_span *sp = sw_subject_buf(s, (enum sw_side)side, kept[i], &n);

            c->nbuf[side][i] = n;
            if (n > 0)
                copy_text(c->buf[side][i], sp[0].p, sp[0].len);
        }
    }
    if (s->app.obj != NULL) {
        const struct sw_app_obj *o = s->app.obj;

        c->obj = o->kind;
        if (o->kind == SW_APP_DNS && o->u.dns.n_queries > 0)
            copy_text(c->obj_text, o->u.dns.queries[0].rrname, strlen(o->u.dns.queries[0].rrname));
        if (o->kind == SW_APP_DNS)
            c->obj_tx = o->u.dns.tx_id;
        if (o->kind == SW_APP_TLS && o->u.tls.sni != NULL)
            copy_text(c->obj_text, o->u.tls.sni, strlen(o->u.tls.sni));
        if (o->kind == SW_APP_HTTP && o->u.http.hostname != NULL)
            copy_text(c->obj_text, o->u.http.hostname, strlen(o->u.http.hostname));
    }
    if (want.alert_app) {
        struct sw_alert a;

        memset(&a, 0, sizeof(a));
        a.gid = 1;
        a.signature_id = 1000000 + (uint32_t)s->app.event;
        a.detector = "rule";
        (void)sw_emit_alert(em, s, &a);
    }
}

static void
rec_thread_fini(void *tctx)
{
    (void)tctx;
}

static const struct sw_detector_ops rec_ops = {
    .name = "recorder",
    .create = rec_create,
    .destroy = rec_destroy,
    .thread_init = rec_thread_init,
    .inspect = rec_inspect,
    .thread_fini = rec_thread_fini,
};
static const struct sw_detector_ops *const rec_only[] = {&rec_ops, NULL};

/* The index of buffer b in kept[]. */
static size_t
kix(enum sw_buf b)
{
    for (size_t i = 0; i < N_KEPT; i++)
        if (kept[i] == b)
            return i;
    fail_msg("buffer %d not kept", (int)b);
    return 0;
}

static const char *
bufs(const struct call *c, enum sw_side side, enum sw_buf b)
{
    return c->nbuf[side][kix(b)] > 0 ? c->buf[side][kix(b)] : NULL;
}

/* The k-th call (from 0) with hook h (and, for SW_HOOK_APP, event ev), or NULL. */
static const struct call *
find(enum sw_hook h, int ev, unsigned k)
{
    for (unsigned i = 0; i < rec.n; i++) {
        if (rec.c[i].hook != h || (h == SW_HOOK_APP && (int)rec.c[i].event != ev))
            continue;
        if (k-- == 0)
            return &rec.c[i];
    }
    return NULL;
}

static unsigned
count(enum sw_hook h, int ev)
{
    unsigned n = 0;

    while (find(h, ev, n) != NULL)
        n++;
    return n;
}

/* --- collecting emitter and fixture ---------------------------------------------------------- */

#define MAX_EVENTS 128
static struct {
    struct sw_event *ev[MAX_EVENTS];
    size_t n;
} col;

static void
col_emit(struct sw_emitter *em, struct sw_event *ev)
{
    (void)em;
    if (col.n == MAX_EVENTS) {
        sw_event_destroy(ev);
        return;
    }
    col.ev[col.n++] = ev;
}

static struct {
    struct sw_config *cfg;
    struct sw_detect *det;
    struct sw_net_worker *nw;
    struct sw_emitter em;
} g;

static void
start(void)
{
    struct sw_detect_opts o = {.cfg = g.cfg, .detectors = rec_only};
    struct sw_err err;

    g.det = sw_detect_create(&o, NULL, &err);
    assert_non_null(g.det);
    g.em.emit = col_emit;
    g.nw =
        sw_net_worker_create(g.cfg, 0, 1, &(struct sw_hash_key){{7, 9}}, g.det, NULL, &g.em, &err);
    if (g.nw == NULL)
        fail_msg("worker: %s", err.msg);
}

static int
setup(void **state)
{
    struct sw_err err;

    (void)state;
    memset(&want, 0, sizeof(want));
    memset(&rec, 0, sizeof(rec));
    memset(&col, 0, sizeof(col));
    memset(&g, 0, sizeof(g));
    g.cfg = sw_cfg_defaults(&err);
    assert_non_null(g.cfg);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    sw_net_worker_destroy(g.nw, TS + 100000000);
    sw_detect_destroy(g.det);
    sw_cfg_free(g.cfg);
    for (size_t i = 0; i < col.n; i++)
        sw_event_destroy(col.ev[i]);
    return 0;
}

/* --- packets ----------------------------------------------------------------------------- */

static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};

/* A raw IPv4 frame (TCP with flags/seq/ack, or UDP) from the client (to_server) or back,
 * decoded and handed to the worker. */
static void
send_ip(bool tcp, bool to_server, uint16_t cport, uint16_t sport_srv, uint8_t flags, uint32_t seq,
        uint32_t ack, const void *payload, size_t plen, uint64_t ts_us)
{
    size_t hl = tcp ? 20 : 8, len = 20 + hl + plen;
    uint8_t *f = calloc(1, len);
    uint16_t sp = to_server ? cport : sport_srv, dp = to_server ? sport_srv : cport;
    struct sw_decode_stats st;
    struct sw_decode_cfg dcfg;
    struct sw_packet p;

    assert_non_null(f);
    f[0] = 0x45;
    f[2] = (uint8_t)(len >> 8);
    f[3] = (uint8_t)len;
    f[8] = 64;
    f[9] = tcp ? 6 : 17;
    memcpy(f + 12, to_server ? cli : srv, 4);
    memcpy(f + 16, to_server ? srv : cli, 4);
    f[20] = (uint8_t)(sp >> 8);
    f[21] = (uint8_t)sp;
    f[22] = (uint8_t)(dp >> 8);
    f[23] = (uint8_t)dp;
    if (tcp) {
        for (int i = 0; i < 4; i++) {
            f[24 + i] = (uint8_t)(seq >> (24 - 8 * i));
            f[28 + i] = (uint8_t)(ack >> (24 - 8 * i));
        }
        f[32] = 0x50;
        f[33] = flags;
        f[34] = 0xff;
    } else {
        f[24] = (uint8_t)((8 + plen) >> 8);
        f[25] = (uint8_t)(8 + plen);
    }
    if (plen > 0)
        memcpy(f + 20 + hl, payload, plen);
    memset(&p, 0, sizeof(p));
    memset(&st, 0, sizeof(st));
    p.data = f;
    p.caplen = p.wirelen = (uint32_t)len;
    p.ts_us = ts_us;
    p.linktype = LINKTYPE_RAW;
    sw_decode_cfg_defaults(&dcfg);
    assert_int_equal(sw_decode_frame(&dcfg, &p, &st), SW_DECODE_OK);
    sw_net_worker_packet(g.nw, &p);
    free(f);
}

/* A TCP connection on port `port`: handshake, then each part from the client (even i) or
 * the server (odd i), each acknowledged; no FIN (the test flushes). */
static void
tcp_conn(uint16_t port, const char *const *parts, const size_t *lens, size_t n, uint64_t ts)
{
    uint32_t cseq = 1001, sseq = 5001;

    send_ip(true, true, 40000, port, 0x02, 1000, 0, NULL, 0, ts);
    send_ip(true, false, 40000, port, 0x12, 5000, 1001, NULL, 0, ts + 10);
    send_ip(true, true, 40000, port, 0x10, 1001, 5001, NULL, 0, ts + 20);
    for (size_t i = 0; i < n; i++) {
        bool c = i % 2 == 0;

        send_ip(true, c, 40000, port, 0x18, c ? cseq : sseq, c ? sseq : cseq, parts[i], lens[i],
                ts + 30 + 10 * i);
        if (c)
            cseq += (uint32_t)lens[i];
        else
            sseq += (uint32_t)lens[i];
    }
}

/* --- DNS messages ---------------------------------------------------------------------------- */

static size_t
dns_name(uint8_t *o, const char *dotted)
{
    size_t n = 0;

    while (*dotted != '\0') {
        const char *dot = strchr(dotted, '.');
        size_t l = dot != NULL ? (size_t)(dot - dotted) : strlen(dotted);

        o[n++] = (uint8_t)l;
        memcpy(o + n, dotted, l);
        n += l;
        dotted += l + (dot != NULL);
    }
    o[n++] = 0;
    return n;
}

/* A query for name (id), or its answer with one A record 192.0.2.7. */
static size_t
dns_msg(uint8_t *o, uint16_t id, const char *name, bool answer)
{
    size_t n = 12;

    memset(o, 0, 12);
    o[0] = (uint8_t)(id >> 8);
    o[1] = (uint8_t)id;
    o[2] = answer ? 0x81 : 0x01;
    o[3] = answer ? 0x80 : 0x00;
    o[5] = 1;
    o[7] = answer ? 1 : 0;
    n += dns_name(o + n, name);
    o[n++] = 0;
    o[n++] = 1; /* A */
    o[n++] = 0;
    o[n++] = 1; /* IN */
    if (answer) {
        static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7};

        memcpy(o + n, rr, sizeof(rr));
        n += sizeof(rr);
    }
    return n;
}

/* --- tests ------------------------------------------------------------------------------- */

/* A DNS query and its answer over UDP are one transaction: the query's event has the name in
 * dns.query (request side) and the dns object; the answer's the same transaction number; the
 * next query a new one. An alert on a transaction carries its dns object. */
static void
dns_udp_query_and_answer_pair_into_one_transaction(void **state)
{
    uint8_t m[512];
    size_t n;

    (void)state;
    want.hooks = SW_HOOK_BIT(SW_HOOK_APP);
    want.app_events = (1u << SW_APP_EV_DNS_QUERY) | (1u << SW_APP_EV_DNS_ANSWER);
    want.alert_app = true;
    start();
    n = dns_msg(m, 0x1234, "www.Example.com", false);
    send_ip(false, true, 5555, 53, 0, 0, 0, m, n, TS);
    n = dns_msg(m, 0x1234, "www.Example.com", true);
    send_ip(false, false, 5555, 53, 0, 0, 0, m, n, TS + 10);
    n = dns_msg(m, 0x9999, "a.b", false);
    send_ip(false, true, 5555, 53, 0, 0, 0, m, n, TS + 20);

    const struct call *q0 = find(SW_HOOK_APP, SW_APP_EV_DNS_QUERY, 0);
    const struct call *a0 = find(SW_HOOK_APP, SW_APP_EV_DNS_ANSWER, 0);
    const struct call *q1 = find(SW_HOOK_APP, SW_APP_EV_DNS_QUERY, 1);

    assert_non_null(q0);
    assert_non_null(a0);
    assert_non_null(q1);
    assert_string_equal(bufs(q0, SW_SIDE_REQUEST, SW_BUF_DNS_QUERY), "www.Example.com");
    assert_null(bufs(q0, SW_SIDE_RESPONSE, SW_BUF_DNS_QUERY));
    assert_int_equal(q0->dir, SW_DIR_TO_SERVER);
    assert_true(q0->client_is_originator);
    assert_int_equal(q0->obj, SW_APP_DNS);
    assert_string_equal(q0->obj_text, "www.Example.com");
    assert_int_equal(q0->tx, 0);
    assert_int_equal(a0->tx, 0);
    assert_int_equal(a0->obj_tx, 0);
    assert_int_equal(a0->dir, SW_DIR_TO_CLIENT);
    assert_true(a0->client_is_originator);
    assert_int_equal(q1->tx, 1);
    assert_int_equal(q1->obj_tx, 1);
    assert_string_equal(bufs(q1, SW_SIDE_REQUEST, SW_BUF_DNS_QUERY), "a.b");
    assert_true(q0->has_pkt);
    assert_int_equal(q0->ts_us, TS);
    /* three alerts, each with its message's dns object */
    unsigned alerts = 0;
    for (size_t i = 0; i < col.n; i++) {
        if (col.ev[i]->type != SW_EV_ALERT)
            continue;
        assert_non_null(col.ev[i]->app);
        assert_int_equal(col.ev[i]->app->kind, SW_APP_DNS);
        alerts++;
    }
    assert_int_equal(alerts, 3);
    struct sw_worker_stats st;
    sw_net_worker_stats(g.nw, &st);
    assert_int_equal(st.dns_messages, 3);
    assert_int_equal(st.alerts, 3);
}

/* Without a detector asking for DNS transactions, no DNS message is parsed. */
static void
dns_not_parsed_when_no_detector_asks(void **state)
{
    struct sw_worker_stats st;
    uint8_t m[512];
    size_t n;

    (void)state;
    want.hooks = SW_HOOK_BIT(SW_HOOK_PACKET);
    start();
    n = dns_msg(m, 1, "example.org", false);
    send_ip(false, true, 5555, 53, 0, 0, 0, m, n, TS);
    sw_net_worker_stats(g.nw, &st);
    assert_int_equal(st.dns_messages, 0);
    assert_int_equal(count(SW_HOOK_APP, SW_APP_EV_DNS_QUERY), 0);
    assert_int_equal(count(SW_HOOK_PACKET, 0), 1);
}

/* A worker given an nDPI module made beforehand (seawall pcap makes it while the rules load)
 * classifies with that module, not one of its own: here one made with ndpi.max_packets.udp
 * 1, so nDPI sees only the first packets of a UDP flow, where the worker's own configuration
 * (the default) would have it see all three. */
static void
worker_uses_the_ndpi_module_made_ahead(void **state)
{
    static const char junk[] = "zq7zq7zq7zq7 not a protocol";
    struct sw_net_watch watch = {.scan_timeout_s = 0};
    struct sw_detect_opts o = {.cfg = g.cfg, .detectors = rec_only};
    struct sw_worker_stats st;
    struct sw_config *small;
    struct sw_err err;

    (void)state;
    assert_true(g.cfg->ndpi.max_packets.udp > 3);
    small = sw_cfg_defaults(&err);
    assert_non_null(small);
    small->ndpi.max_packets.udp = 1;
    watch.ndpi = sw_ndpi_create(small, &err);
    assert_non_null(watch.ndpi);
    g.det = sw_detect_create(&o, NULL, &err);
    assert_non_null(g.det);
    g.em.emit = col_emit;
    g.nw = sw_net_worker_create(g.cfg, 0, 1, &(struct sw_hash_key){{7, 9}}, g.det, &watch,
                                &g.em, &err); /* takes watch.ndpi */
    if (g.nw == NULL)
        fail_msg("worker: %s", err.msg);
    for (unsigned i = 0; i < 3; i++)
        send_ip(false, true, 40001, 40002, 0, 0, 0, junk, sizeof(junk) - 1, TS + i * 10);
    sw_net_worker_stats(g.nw, &st);
    assert_true(st.ndpi_pkts < 3);
    sw_cfg_free(small); /* the module keeps no pointer into it */
}

/* A TLS ClientHello over TCP: its event, with tls.sni (request side) and the tls object, on
 * the packet that carried it (the bytes decide the parser before nDPI does). */
static void
tls_client_hello_gives_sni_on_its_packet(void **state)
{
    static const char sni[] = "secure.example.net";
    uint8_t ch[256];
    size_t n = 0, ext, h;
    const char *parts[1];
    size_t lens[1];

    (void)state;
    /* record header, ClientHello with one cipher and the server_name extension */
    ch[n++] = 22;
    ch[n++] = 3;
    ch[n++] = 1;
    n += 2; /* record length */
    h = n;
    ch[n++] = 1;
    n += 3; /* handshake length */
    ch[n++] = 3;
    ch[n++] = 3;
    memset(ch + n, 0, 32);
    n += 32;
    ch[n++] = 0; /* session id */
    ch[n++] = 0;
    ch[n++] = 2; /* cipher suites */
    ch[n++] = 0x13;
    ch[n++] = 0x01;
    ch[n++] = 1; /* compression */
    ch[n++] = 0;
    ext = n;
    n += 2;
    ch[n++] = 0; /* server_name */
    ch[n++] = 0;
    ch[n++] = 0;
    ch[n++] = (uint8_t)(sizeof(sni) - 1 + 5);
    ch[n++] = 0;
    ch[n++] = (uint8_t)(sizeof(sni) - 1 + 3);
    ch[n++] = 0;
    ch[n++] = 0;
    ch[n++] = (uint8_t)(sizeof(sni) - 1);
    memcpy(ch + n, sni, sizeof(sni) - 1);
    n += sizeof(sni) - 1;
    ch[ext] = (uint8_t)((n - ext - 2) >> 8);
    ch[ext + 1] = (uint8_t)(n - ext - 2);
    ch[h + 1] = 0;
    ch[h + 2] = (uint8_t)((n - h - 4) >> 8);
    ch[h + 3] = (uint8_t)(n - h - 4);
    ch[3] = (uint8_t)((n - 5) >> 8);
    ch[4] = (uint8_t)(n - 5);
    want.hooks = SW_HOOK_BIT(SW_HOOK_APP);
    want.app_events = 1u << SW_APP_EV_TLS_CLIENT_HELLO;
    start();
    parts[0] = (const char *)ch;
    lens[0] = n;
    tcp_conn(8443, parts, lens, 1, TS);
    const struct call *c = find(SW_HOOK_APP, SW_APP_EV_TLS_CLIENT_HELLO, 0);
    assert_non_null(c);
    assert_string_equal(bufs(c, SW_SIDE_REQUEST, SW_BUF_TLS_SNI), sni);
    assert_int_equal(c->obj, SW_APP_TLS);
    assert_string_equal(c->obj_text, sni);
    assert_int_equal(c->dir, SW_DIR_TO_SERVER);
    assert_true(c->has_pkt);
    assert_int_equal(c->ts_us, TS + 30);
}

static const char http_req[] = "GET /a/./b/../c%2Fd//e?x=1&y=%41 HTTP/1.1\r\n"
                               "Host: WWW.Example.com:8080\r\n"
                               "User-Agent: probe/1.0\r\n"
                               "Cookie: c=1\r\n"
                               "Content-Type: text/plain\r\n"
                               "Content-Type: charset=x\r\n"
                               "\r\n";
static const char http_resp[] = "HTTP/1.1 404 Not Found\r\n"
                                "Content-Length: 3\r\n"
                                "Set-Cookie: s=2\r\n"
                                "\r\n"
                                "abc";

/* An HTTP request and its response: the request event has Suricata's buffers (normalized
 * URI, lower-cased host without port, single and joined headers, http.header without the
 * cookie, header names), the response event its own and still the request's, the body event
 * file.data; one transaction. */
static void
http_request_response_and_body_events_have_suricata_buffers(void **state)
{
    const char *parts[] = {http_req, http_resp};
    size_t lens[] = {sizeof(http_req) - 1, sizeof(http_resp) - 1};

    (void)state;
    want.hooks = SW_HOOK_BIT(SW_HOOK_APP);
    want.app_events = (1u << SW_APP_EV_HTTP_REQUEST) | (1u << SW_APP_EV_HTTP_RESPONSE) |
                      (1u << SW_APP_EV_HTTP_RESPONSE_BODY);
    start();
    tcp_conn(80, parts, lens, 2, TS);
    sw_net_worker_flush(g.nw, TS + 1000);

    const struct call *rq = find(SW_HOOK_APP, SW_APP_EV_HTTP_REQUEST, 0);
    const struct call *rs = find(SW_HOOK_APP, SW_APP_EV_HTTP_RESPONSE, 0);
    const struct call *bd = find(SW_HOOK_APP, SW_APP_EV_HTTP_RESPONSE_BODY, 0);

    assert_non_null(rq);
    assert_non_null(rs);
    assert_non_null(bd);
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_METHOD), "GET");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_URI), "/a/c/d/e?x=1&y=%41");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_URI_RAW),
                        "/a/./b/../c%2Fd//e?x=1&y=%41");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_PROTOCOL), "HTTP/1.1");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_HOST), "www.example.com");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_HOST_RAW), "WWW.Example.com:8080");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_USER_AGENT), "probe/1.0");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_COOKIE), "c=1");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_CONTENT_TYPE),
                        "text/plain, charset=x");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_HEADER),
                        "Host: WWW.Example.com:8080\r\nUser-Agent: probe/1.0\r\n"
                        "Content-Type: text/plain\r\nContent-Type: charset=x\r\n\r\n");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_HEADER_NAMES),
                        "\r\nHost\r\nUser-Agent\r\nCookie\r\nContent-Type\r\nContent-Type\r\n\r\n");
    assert_string_equal(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_REQUEST_LINE),
                        "GET /a/./b/../c%2Fd//e?x=1&y=%41 HTTP/1.1");
    assert_null(bufs(rq, SW_SIDE_REQUEST, SW_BUF_HTTP_STAT_CODE));
    assert_null(bufs(rq, SW_SIDE_RESPONSE, SW_BUF_HTTP_STAT_CODE)); /* no response yet */
    assert_int_equal(rq->dir, SW_DIR_TO_SERVER);
    assert_int_equal(rq->obj, SW_APP_HTTP);
    assert_string_equal(rq->obj_text, "www.example.com");
    assert_int_equal(rq->tx, 0);

    assert_string_equal(bufs(rs, SW_SIDE_RESPONSE, SW_BUF_HTTP_STAT_CODE), "404");
    assert_string_equal(bufs(rs, SW_SIDE_RESPONSE, SW_BUF_HTTP_STAT_MSG), "Not Found");
    assert_string_equal(bufs(rs, SW_SIDE_RESPONSE, SW_BUF_HTTP_COOKIE), "s=2");
    assert_string_equal(bufs(rs, SW_SIDE_RESPONSE, SW_BUF_HTTP_PROTOCOL), "HTTP/1.1");
    assert_string_equal(bufs(rs, SW_SIDE_REQUEST, SW_BUF_HTTP_METHOD), "GET");
    assert_null(bufs(rs, SW_SIDE_RESPONSE, SW_BUF_HTTP_METHOD));
    assert_int_equal(rs->dir, SW_DIR_TO_CLIENT);
    assert_int_equal(rs->tx, 0);

    assert_string_equal(bufs(bd, SW_SIDE_RESPONSE, SW_BUF_FILE_DATA), "abc");
    assert_string_equal(bufs(bd, SW_SIDE_RESPONSE, SW_BUF_HTTP_RESPONSE_BODY), "abc");
    assert_string_equal(bufs(bd, SW_SIDE_RESPONSE, SW_BUF_HTTP_STAT_CODE), "404");
    assert_int_equal(bd->tx, 0);
    assert_int_equal(count(SW_HOOK_APP, SW_APP_EV_HTTP_REQUEST_BODY), 0); /* not asked */
}

/* network.http.max_header_bytes reaches the HTTP parser: a header block longer than it stops
 * the direction (counted), so no request event. */
static void
http_header_limit_is_the_configured_one(void **state)
{
    char req[1024];
    const char *parts[1] = {req};
    size_t lens[1];
    struct sw_worker_stats st;

    (void)state;
    snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: %0600d\r\n\r\n", 0);
    lens[0] = strlen(req);
    g.cfg->network.http.max_header_bytes = 256;
    want.hooks = SW_HOOK_BIT(SW_HOOK_APP);
    want.app_events = 1u << SW_APP_EV_HTTP_REQUEST;
    start();
    tcp_conn(80, parts, lens, 1, TS);
    sw_net_worker_flush(g.nw, TS + 1000);
    sw_net_worker_stats(g.nw, &st);
    assert_int_equal(count(SW_HOOK_APP, SW_APP_EV_HTTP_REQUEST), 0);
    assert_int_equal(st.http_parse_errors, 1);
}

/* Stream chunks: each direction's bytes in order, contiguous offsets from 0, none past the
 * depth; at flow end the flow-end hook comes before the last stream hooks. */
static void
stream_chunks_are_contiguous_up_to_the_depth(void **state)
{
    char a[3000], b[3000];
    const char *parts[] = {a, b, a + 1000};
    size_t lens[] = {2000, 3000, 2000};
    uint64_t next[2] = {0, 0};
    unsigned fe = 0, last_chunk = 0;

    (void)state;
    memset(a, 'a', sizeof(a));
    memset(b, 'b', sizeof(b));
    g.cfg->network.stream.depth = 2500;
    want.hooks = SW_HOOK_BIT(SW_HOOK_STREAM_CHUNK) | SW_HOOK_BIT(SW_HOOK_FLOW_END);
    start();
    tcp_conn(7777, parts, lens, 3, TS);
    sw_net_worker_flush(g.nw, TS + 1000);
    for (unsigned i = 0; i < rec.n; i++) {
        const struct call *c = &rec.c[i];

        if (c->hook == SW_HOOK_FLOW_END)
            fe = i + 1;
        if (c->hook != SW_HOOK_STREAM_CHUNK)
            continue;
        last_chunk = i + 1;
        assert_int_equal(c->offset, next[c->dir]);
        assert_true(c->data_len > 0);
        assert_int_equal(c->data[0], c->dir == SW_DIR_TO_SERVER ? 'a' : 'b');
        next[c->dir] += c->data_len;
    }
    assert_int_equal(next[SW_DIR_TO_SERVER], 2500); /* 4000 sent */
    assert_int_equal(next[SW_DIR_TO_CLIENT], 2500); /* 3000 sent */
    assert_int_equal(count(SW_HOOK_FLOW_END, 0), 1);
    assert_true(last_chunk > 0 && fe > last_chunk); /* every chunk came with its packet */
}

/* A direction below the depth is inspected whole at flow end, after the flow-end hook (its
 * risks first, as the subject contract says); its packet is none. */
static void
flow_end_hook_comes_before_the_last_whole_stream(void **state)
{
    const char *parts[] = {"hello server", "hello client"};
    size_t lens[] = {12, 12};
    const struct call *fe, *w0, *w1;

    (void)state;
    want.hooks = SW_HOOK_BIT(SW_HOOK_STREAM_WHOLE) | SW_HOOK_BIT(SW_HOOK_FLOW_END);
    start();
    tcp_conn(7777, parts, lens, 2, TS);
    assert_int_equal(count(SW_HOOK_STREAM_WHOLE, 0), 0);
    sw_net_worker_flush(g.nw, TS + 1000);
    fe = find(SW_HOOK_FLOW_END, 0, 0);
    w0 = find(SW_HOOK_STREAM_WHOLE, 0, 0);
    w1 = find(SW_HOOK_STREAM_WHOLE, 0, 1);
    assert_non_null(fe);
    assert_non_null(w0);
    assert_non_null(w1);
    assert_true(fe < w0 && w0 < w1);
    assert_string_equal(w0->data, "hello server");
    assert_int_equal(w0->dir, SW_DIR_TO_SERVER);
    assert_string_equal(w1->data, "hello client");
    assert_int_equal(w1->dir, SW_DIR_TO_CLIENT);
    assert_false(w0->has_pkt);
    assert_false(fe->has_pkt);
}

/* DNS over TCP: the client is the side that connected to port 53, whatever the messages
 * say: a message with QR clear from the server does not turn the connection around. */
static void
dns_tcp_keeps_its_client(void **state)
{
    uint8_t a[600], b[600], c[600];
    size_t na, nb, nc;
    const char *parts[3];
    size_t lens[3];

    (void)state;
    na = dns_msg(a + 2, 1, "first.example", false);
    nb = dns_msg(b + 2, 2, "from-the-server.example", false); /* QR clear, from the server */
    nc = dns_msg(c + 2, 3, "second.example", false);
    a[0] = (uint8_t)(na >> 8), a[1] = (uint8_t)na;
    b[0] = (uint8_t)(nb >> 8), b[1] = (uint8_t)nb;
    c[0] = (uint8_t)(nc >> 8), c[1] = (uint8_t)nc;
    parts[0] = (const char *)a, lens[0] = na + 2;
    parts[1] = (const char *)b, lens[1] = nb + 2;
    parts[2] = (const char *)c, lens[2] = nc + 2;
    want.hooks = SW_HOOK_BIT(SW_HOOK_APP);
    want.app_events = 1u << SW_APP_EV_DNS_QUERY;
    start();
    tcp_conn(53, parts, lens, 3, TS);
    sw_net_worker_flush(g.nw, TS + 1000);
    assert_int_equal(count(SW_HOOK_APP, SW_APP_EV_DNS_QUERY), 3);
    const struct call *q2 = find(SW_HOOK_APP, SW_APP_EV_DNS_QUERY, 1);
    assert_int_equal(q2->dir, SW_DIR_TO_CLIENT);
    assert_true(q2->client_is_originator); /* the originator connected to port 53 */
    const struct call *q3 = find(SW_HOOK_APP, SW_APP_EV_DNS_QUERY, 2);
    assert_string_equal(bufs(q3, SW_SIDE_REQUEST, SW_BUF_DNS_QUERY), "second.example");
    assert_int_equal(q3->dir, SW_DIR_TO_SERVER);
    assert_true(q3->client_is_originator);
}

/* Allocation failures anywhere in the application-layer side (flow state, parsers, header
 * blocks, derived buffers, alert events): swept one by one over an HTTP, a TLS and a DNS
 * conversation; the worker goes on, and under ASan nothing leaks or is used after free. */
static void
allocation_failure_sweep_is_clean(void **state)
{
    const char *parts[] = {http_req, http_resp};
    size_t lens[] = {sizeof(http_req) - 1, sizeof(http_resp) - 1};
    uint8_t m[512];
    size_t n;

    (void)state;
    want.hooks = SW_HOOK_ALL;
    want.app_events = (1u << SW_APP_EV_MAX) - 1;
    want.alert_app = true;
    start();
    for (unsigned long k = 1; k <= 150; k++) {
        uint64_t ts = TS + k * 1000000000ull; /* new flows each round */

        rec.n = 0;
        sw_alloc_fail_at(k);
        tcp_conn(80, parts, lens, 2, ts);
        n = dns_msg(m, (uint16_t)k, "sweep.example", false);
        send_ip(false, true, 5555, 53, 0, 0, 0, m, n, ts + 100);
        n = dns_msg(m, (uint16_t)k, "sweep.example", true);
        send_ip(false, false, 5555, 53, 0, 0, 0, m, n, ts + 200);
        sw_net_worker_flush(g.nw, ts + 1000);
        sw_alloc_fail_at(0);
        for (size_t i = 0; i < col.n; i++)
            sw_event_destroy(col.ev[i]);
        col.n = 0;
    }
    /* and with memory back, everything again */
    rec.n = 0;
    tcp_conn(80, parts, lens, 2, TS + 900000000000ull);
    sw_net_worker_flush(g.nw, TS + 900000001000ull);
    assert_int_equal(count(SW_HOOK_APP, SW_APP_EV_HTTP_REQUEST), 1);
    assert_int_equal(count(SW_HOOK_APP, SW_APP_EV_HTTP_RESPONSE_BODY), 1);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(dns_udp_query_and_answer_pair_into_one_transaction),
        T(dns_not_parsed_when_no_detector_asks),
        T(worker_uses_the_ndpi_module_made_ahead),
        T(tls_client_hello_gives_sni_on_its_packet),
        T(http_request_response_and_body_events_have_suricata_buffers),
        T(http_header_limit_is_the_configured_one),
        T(stream_chunks_are_contiguous_up_to_the_depth),
        T(flow_end_hook_comes_before_the_last_whole_stream),
        T(dns_tcp_keeps_its_client),
        T(allocation_failure_sweep_is_clean),
    };
#undef T
    struct sw_err err;

    if (sw_ndpi_prime(&err) != SW_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
