/* net_app.c - the application-layer side of a network worker (see net_worker_int.h): what
 * consumes a TCP flow's reassembled stream (the HTTP, TLS and DNS-over-TCP parsers, and the
 * stream-chunk hook), DNS over UDP, the fileinfo events of HTTP bodies, and the detection
 * stage's application-layer hook with each transaction's buffers and app-layer object.
 *
 * A parser runs only when the installed set asks for its transactions (HTTP bodies also for
 * network.http.bodies' fileinfo events), so a set without Suricata rules parses what
 * seawall parsed before the stage existed, and nothing more. Worker thread only. */
#include <stdio.h>
#include <string.h>

#include "net_worker_int.h"
#include "sw/alloc.h"
#include "sw/digest.h"
#include "sw/filetype.h"
#include "sw/ndpi.h"

/* --- buffers of one transaction event --------------------------------------------------------- */

const struct sw_span *
sw_net_view_get(void *ctx, enum sw_side side, enum sw_buf b, unsigned *n)
{
    const struct net_view *v = ctx;

    *n = v->n[side][b];
    return *n > 0 ? v->sp[side][b] : NULL;
}

void
sw_net_view_set(struct net_view *v, enum sw_side side, enum sw_buf b, const void *p, size_t len)
{
    v->one[side][b].p = len > 0 ? p : (const uint8_t *)"";
    v->one[side][b].len = len;
    v->sp[side][b] = &v->one[side][b];
    v->n[side][b] = 1;
}

/* A string buffer, set only when the string is known (not NULL, not ""). */
static void
view_str(struct net_view *v, enum sw_side side, enum sw_buf b, const char *s)
{
    if (s != NULL && s[0] != '\0')
        sw_net_view_set(v, side, b, s, strlen(s));
}

static struct net_app *
app_get(struct sw_net_worker *w, struct sw_flow *f)
{
    struct net_app *a = f->app;

    if (a != NULL)
        return a;
    a = sw_calloc(1, sizeof(*a)); /* owned by the flow until sw_net_app_end */
    if (a == NULL)
        return NULL;
    a->w = w;
    a->f = f;
    f->app = a;
    return a;
}

void
sw_net_app_hook(struct net_app *a, enum sw_app_event ev, uint64_t tx, enum sw_dir dir,
                const struct sw_app_obj *obj, const struct sw_file_part *file, const char *reading,
                const struct sw_span *(*get)(void *, enum sw_side, enum sw_buf, unsigned *),
                void *ctx)
{
    struct sw_net_worker *w = a->w;
    struct sw_subject s;

    sw_net_subject_init(w, a->f, &s, SW_HOOK_APP, dir, w->cur_us, w->cur_pkt);
    s.app.event = ev;
    s.app.tx_id = tx;
    s.app.client_is_originator = !a->swapped;
    s.app.reading = reading != NULL ? reading : "";
    s.app.obj = obj;
    s.app.file = file;
    s.app.get = get;
    s.app.ctx = ctx;
    sw_net_detect(w, a->f, &s);
}

enum sw_dir
sw_net_proto_dir(const struct net_app *a, int pdir)
{
    return (pdir == 1) != a->swapped ? SW_DIR_TO_CLIENT : SW_DIR_TO_SERVER;
}

static int
stream_to_proto(const struct net_app *a, enum sw_stream_dir dir)
{
    return (dir == SW_STREAM_TO_CLIENT) != a->swapped;
}

static bool
wants(const struct sw_net_worker *w, enum sw_app_event ev)
{
    return (w->app_events & (1u << ev)) != 0;
}

/* --- DNS ------------------------------------------------------------------------------------ */

/* The transaction of a message: a query opens one (remembered by its id until its answer),
 * an answer closes the one of its id, or opens its own when no query of that id waits. */
static uint64_t
dns_tx(struct net_app *a, uint16_t id, bool response)
{
    if (response) {
        for (unsigned i = 0; i < a->n_wait; i++) {
            if (a->dns_wait[i].id == id) {
                uint64_t tx = a->dns_wait[i].tx;

                memmove(&a->dns_wait[i], &a->dns_wait[i + 1],
                        (a->n_wait - i - 1) * sizeof(a->dns_wait[0]));
                a->n_wait--;
                return tx;
            }
        }
        return a->dns_next_tx++;
    }
    if (a->n_wait == NET_DNS_WAIT) { /* the oldest query gets no answer */
        memmove(&a->dns_wait[0], &a->dns_wait[1], (NET_DNS_WAIT - 1) * sizeof(a->dns_wait[0]));
        a->n_wait--;
    }
    a->dns_wait[a->n_wait].id = id;
    a->dns_wait[a->n_wait].tx = a->dns_next_tx;
    a->n_wait++;
    return a->dns_next_tx++;
}

/* One DNS message sent in direction dir (relative to the flow's originator). */
static void
dns_message(struct net_app *a, const uint8_t *msg, size_t len, enum sw_dir dir)
{
    struct sw_net_worker *w = a->w;
    const struct sw_dns_msg *m;
    enum sw_app_event aev;
    struct sw_app_obj obj;
    struct net_view v;
    struct sw_err err;
    enum sw_side side;
    uint64_t tx;

    if (w->dns == NULL) {
        w->dns = sw_dns_parser_create(&w->dns_cfg, &w->dns_st, &err);
        if (w->dns == NULL) {
            w->dns_st.nomem++;
            return;
        }
    }
    if (sw_dns_parse(w->dns, msg, len, &m) != SW_OK)
        return; /* malformed: counted */
    tx = dns_tx(a, m->obj.id, m->response);
    aev = m->response ? SW_APP_EV_DNS_ANSWER : SW_APP_EV_DNS_QUERY;
    if (!wants(w, aev))
        return;
    side = m->response ? SW_SIDE_RESPONSE : SW_SIDE_REQUEST;
    /* UDP: the client is the side that asks, the originator when its query goes to the
     * server. (TCP decided it with the framing's directions: unchanged.) */
    if (a->dnst == NULL)
        a->swapped = (dir == SW_DIR_TO_SERVER) == m->response;
    memset(&obj, 0, sizeof(obj));
    obj.kind = SW_APP_DNS;
    obj.u.dns = m->obj;
    obj.u.dns.tx_id = tx;
    memset(&v, 0, sizeof(v));
    if (m->n_qnames > 0) {
        v.sp[side][SW_BUF_DNS_QUERY] = m->qnames;
        v.n[side][SW_BUF_DNS_QUERY] = m->n_qnames;
    }
    sw_net_app_hook(a, aev, tx, dir, &obj, NULL, NULL, sw_net_view_get, &v);
}

/* DNS over TCP: one whole message of protocol direction pdir. */
static void
dns_tcp_msg(void *ctx, int pdir, const uint8_t *msg, size_t len)
{
    struct net_app *a = ctx;

    dns_message(a, msg, len, sw_net_proto_dir(a, pdir));
}

static bool
is_dns_port(const struct sw_flow *f)
{
    return f->ref.sport == 53 || f->ref.dport == 53 || strcmp(f->ndpi.app_proto, "dns") == 0;
}

void
sw_net_app_udp(struct sw_net_worker *w, struct sw_flow *f, const struct sw_packet *p,
               bool to_server)
{
    struct net_app *a;
    size_t len = p->payload_len;

    if ((w->app_events & NET_APP_DNS_EVENTS) == 0 || !is_dns_port(f))
        return;
    if (p->payload_off > p->caplen || len > p->caplen - p->payload_off || len == 0)
        return;
    a = app_get(w, f);
    if (a == NULL) {
        w->dns_st.nomem++;
        return;
    }
    a->dns = true;
    dns_message(a, p->data + p->payload_off, len, to_server ? SW_DIR_TO_SERVER : SW_DIR_TO_CLIENT);
}

/* --- TLS ------------------------------------------------------------------------------------ */

static const char *
nz(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* A handshake message the TLS parser finished: the transaction's event (the handshake is
 * transaction 0), with the tls object as far as it is known. */
static void
on_tls(void *ctx, enum sw_tls_event tev, const struct sw_tls_info *ti)
{
    struct net_app *a = ctx;
    struct sw_net_worker *w = a->w;
    enum sw_app_event aev = tev == SW_TLS_CLIENT_HELLO   ? SW_APP_EV_TLS_CLIENT_HELLO
                            : tev == SW_TLS_SERVER_HELLO ? SW_APP_EV_TLS_SERVER_HELLO
                                                         : SW_APP_EV_TLS_CERTIFICATE;
    struct sw_app_obj obj;
    struct net_view v;
    char ja3c[33], ja3s[33];

    if (tev == SW_TLS_APP_DATA) {
        a->no_payload = true; /* see tcp_data */
        return;
    }
    if (!wants(w, aev))
        return;
    sw_ndpi_ja3(a->f, ja3c, ja3s);
    memset(&obj, 0, sizeof(obj));
    obj.kind = SW_APP_TLS;
    obj.u.tls.subject = nz(ti->subject);
    obj.u.tls.issuerdn = nz(ti->issuerdn);
    obj.u.tls.serial = nz(ti->serial);
    obj.u.tls.fingerprint = nz(ti->fingerprint);
    obj.u.tls.sni = nz(ti->sni);
    obj.u.tls.version = nz(ti->version_name);
    obj.u.tls.notbefore = nz(ti->notbefore);
    obj.u.tls.notafter = nz(ti->notafter);
    obj.u.tls.ja3_hash = nz(ja3c);
    obj.u.tls.ja3s_hash = nz(ja3s);
    memset(&v, 0, sizeof(v));
    if (ti->sni_len > 0)
        sw_net_view_set(&v, SW_SIDE_REQUEST, SW_BUF_TLS_SNI, ti->sni_raw, ti->sni_len);
    view_str(&v, SW_SIDE_REQUEST, SW_BUF_JA3_HASH, ja3c);
    view_str(&v, SW_SIDE_RESPONSE, SW_BUF_JA3S_HASH, ja3s);
    view_str(&v, SW_SIDE_RESPONSE, SW_BUF_TLS_VERSION, ti->version_name);
    if (ti->subject_raw_len > 0)
        sw_net_view_set(&v, SW_SIDE_RESPONSE, SW_BUF_TLS_CERT_SUBJECT, ti->subject_raw,
                        ti->subject_raw_len);
    if (ti->issuer_raw_len > 0)
        sw_net_view_set(&v, SW_SIDE_RESPONSE, SW_BUF_TLS_CERT_ISSUER, ti->issuer_raw,
                        ti->issuer_raw_len);
    view_str(&v, SW_SIDE_RESPONSE, SW_BUF_TLS_CERT_SERIAL, ti->serial);
    view_str(&v, SW_SIDE_RESPONSE, SW_BUF_TLS_CERT_FINGERPRINT, ti->fingerprint);
    sw_net_app_hook(a, aev, 0, sw_net_proto_dir(a, tev == SW_TLS_CLIENT_HELLO ? 0 : 1), &obj, NULL,
                    NULL, sw_net_view_get, &v);
}

/* Bytes that start a TLS handshake record: content type 22, major version 3. */
static bool
tls_record(const struct sw_stream_info *si)
{
    return si->len >= 2 && si->data[0] == 22 && si->data[1] == 3;
}

/* Handshake type of the first message of a TLS record (1 ClientHello, 2 ServerHello). */
static int
tls_first_type(const struct sw_stream_info *si)
{
    return tls_record(si) && si->len >= 6 ? si->data[5] : -1;
}

void
sw_net_first_bytes(const struct sw_stream *s, const struct sw_stream_info *pkt, bool pkt_to_server,
                   struct sw_stream_info *ts, struct sw_stream_info *tc)
{
    sw_stream_info(s, SW_STREAM_TO_SERVER, ts);
    sw_stream_info(s, SW_STREAM_TO_CLIENT, tc);
    if (pkt != NULL && pkt_to_server && ts->len == 0)
        *ts = *pkt;
    if (pkt != NULL && !pkt_to_server && tc->len == 0)
        *tc = *pkt;
}

static bool
looks_tls(const struct sw_stream *s, const struct sw_stream_info *pkt, bool pkt_to_server)
{
    struct sw_stream_info ts, tc;

    sw_net_first_bytes(s, pkt, pkt_to_server, &ts, &tc);
    return tls_record(&ts) || tls_record(&tc);
}

/* The originator is the TLS server when its first message is a ServerHello, or when it sent
 * nothing yet and the other side starts with a ClientHello. */
static bool
tls_swapped(const struct sw_stream *s)
{
    struct sw_stream_info ts, tc;

    sw_stream_info(s, SW_STREAM_TO_SERVER, &ts);
    sw_stream_info(s, SW_STREAM_TO_CLIENT, &tc);
    if (tls_first_type(&ts) == 2)
        return true;
    return ts.len == 0 && tls_first_type(&tc) == 1;
}

/* --- the stream's consumer -------------------------------------------------------------------- */

/* In-order bytes of dir from offset a->sent[dir]: the stream-chunk hook up to the depth. */
static void
chunk(struct net_app *a, enum sw_stream_dir dir, const uint8_t *data, size_t len)
{
    struct sw_net_worker *w = a->w;
    uint64_t depth = w->cfg->network.stream.depth, off = a->sent[dir];
    struct sw_subject s;

    if (off >= depth || (w->hooks & SW_HOOK_BIT(SW_HOOK_STREAM_CHUNK)) == 0)
        return;
    if (len > depth - off)
        len = (size_t)(depth - off);
    sw_net_subject_init(w, a->f, &s, SW_HOOK_STREAM_CHUNK,
                        dir == SW_STREAM_TO_CLIENT ? SW_DIR_TO_CLIENT : SW_DIR_TO_SERVER, w->cur_us,
                        w->cur_pkt);
    s.stream.data.p = data;
    s.stream.data.len = len;
    s.stream.offset = off;
    if (a->gap[stream_to_proto(a, dir)])
        s.flags |= SW_SUBJ_STREAM_GAP;
    sw_net_detect(w, a->f, &s);
}

/* Encrypted TLS (network.app.tls.encryption_handling: track-only) follows Suricata 8: its
 * app-layer-ssl.c, at the first application data record (type 23) of either direction but
 * TLS 1.3 early data, sets APP_LAYER_PARSER_NO_INSPECTION_PAYLOAD (with encryption-handling
 * other than full); app-layer-parser.c then sets FLOW_NOPAYLOAD_INSPECTION on the flow and
 * disables raw stream reassembly (what payload and stream content rules inspect) in both
 * directions; flow.c gives every later packet PKT_NOPAYLOAD_INSPECTION, which
 * detect-engine-build.c's PacketCreateMask and detect-engine-prefilter.c treat as a packet
 * without payload. The app-layer goes on (tls.* buffers).
 * When: Suricata (IDS mode) parses a direction's bytes when the other side ACKs them, before
 * detection runs on that ACK's packet, and inspects raw stream bytes only once ACKed too; so
 * the reassembled data holding the first application data record is never raw-inspected
 * (not even the handshake bytes before it in the same ACKed stretch), while the packet that
 * carried the record was inspected as a packet before its ACK came. seawall parses bytes as
 * they arrive in order: the TLS parser sees each chunk before the chunk hook, and the chunk
 * that holds the record's header, and every later one of both directions, is not inspected;
 * the packet that carried it was inspected before (the packet hook runs before the stream),
 * later packets of the flow carry SW_SUBJ_NO_PAYLOAD. (Packets between the record and
 * Suricata's ACK are inspected there, not here.) */
static void
tcp_data(void *arg, enum sw_stream_dir dir, const uint8_t *data, size_t len)
{
    struct net_app *a = arg;
    int pdir = stream_to_proto(a, dir);

    if (a->tls_first && !sw_tls_done(a->tls))
        sw_tls_feed(a->tls, pdir, data, len);
    if (a->chunks && !a->no_payload)
        chunk(a, dir, data, len);
    a->sent[dir] += len;
    if (a->h != NULL)
        (void)sw_http_feed(a->h, pdir, data, len); /* failures are counted */
    if (a->tls != NULL && !a->tls_first && !sw_tls_done(a->tls))
        sw_tls_feed(a->tls, pdir, data, len);
    if (a->dnst != NULL)
        sw_dns_tcp_feed(a->dnst, pdir, data, len, dns_tcp_msg, a);
}

static void
tcp_gap(void *arg, enum sw_stream_dir dir, uint64_t len)
{
    struct net_app *a = arg;
    int pdir = stream_to_proto(a, dir);

    a->gap[pdir] = true;
    a->sent[dir] += len;
    if (a->h != NULL)
        sw_http_gap(a->h, pdir, len);
    if (a->tls != NULL)
        sw_tls_gap(a->tls, pdir);
    if (a->dnst != NULL)
        sw_dns_tcp_gap(a->dnst, pdir);
}

const struct sw_stream_app sw_net_tcp_app = {.data = tcp_data, .gap = tcp_gap};

/* No consumer for f's stream: without whole-stream hooks its bytes served nothing. */
static void
no_consumer(struct sw_net_worker *w, struct sw_flow *f)
{
    sw_stream_attach(w->streams, f->stream, NULL);
    if ((w->hooks & SW_HOOK_BIT(SW_HOOK_STREAM_WHOLE)) == 0) {
        sw_stream_release(w->streams, f->stream, SW_STREAM_TO_SERVER);
        sw_stream_release(w->streams, f->stream, SW_STREAM_TO_CLIENT);
    }
}

/* Decide, once nDPI has decided (or at flow end, or when a direction nears the depth, or as
 * soon as the first bytes say so: sw_net_app_decide_early), what consumes the flow's stream:
 * the HTTP parser (network.http.bodies or HTTP transactions wanted, and the flow is HTTP),
 * the TLS parser (TLS transactions wanted, TLS bytes), DNS framing (DNS transactions wanted,
 * port 53), the stream-chunk hook (wanted by the set). None: the stream is kept only for the
 * whole-stream hook, and freed now without one. When a direction reaches the depth before
 * nDPI has decided (nDPI keeps dissecting HTTP until the response), the first bytes decide:
 * the buffer is freed at the depth, and a parser attached later would miss what it held. */
void
sw_net_app_decide(struct sw_net_worker *w, struct sw_flow *f, const struct sw_stream_info *pkt,
                  bool pkt_to_server)
{
    bool http, tls, dns, chunks;
    struct net_app *a;
    struct sw_err err;

    if (f->stream == NULL || sw_stream_app_decided(f->stream))
        return;
    http = (w->http_bodies || (w->app_events & NET_APP_HTTP_EVENTS) != 0) &&
           sw_net_http_is(f, pkt, pkt_to_server);
    tls = !http && ((w->app_events & NET_APP_TLS_EVENTS) != 0 || w->tls_track) &&
          (looks_tls(f->stream, pkt, pkt_to_server) || strcmp(f->ndpi.app_proto, "tls") == 0);
    dns = !http && !tls && (w->app_events & NET_APP_DNS_EVENTS) != 0 && is_dns_port(f);
    chunks = (w->hooks & SW_HOOK_BIT(SW_HOOK_STREAM_CHUNK)) != 0;
    if (!http && !tls && !dns && !chunks) {
        no_consumer(w, f);
        return;
    }
    a = app_get(w, f);
    if (a == NULL) {
        if (http)
            w->http_st.nomem++;
        else
            w->dns_st.nomem++; /* seawall.app.nomem */
        no_consumer(w, f);
        return;
    }
    a->chunks = chunks;
    if (http && sw_net_http_start(a) != SW_OK && !chunks) {
        no_consumer(w, f);
        return;
    }
    if (tls) {
        struct sw_tls_cfg tc = w->tls_cfg;

        tc.app_data = w->tls_track;
        a->swapped = tls_swapped(f->stream);
        a->tls = sw_tls_create(&tc, &w->tls_st, on_tls, a, &err);
        if (a->tls == NULL)
            w->tls_st.nomem++;
        a->tls_first = a->tls != NULL && tc.app_data;
    }
    if (dns) {
        /* The originator is the server when it answers from port 53 to another port. */
        a->swapped = f->ref.sport == 53 && f->ref.dport != 53;
        a->dnst = sw_dns_tcp_create(&w->dns_cfg, &w->dns_st);
        a->dns = a->dnst != NULL;
    }
    sw_stream_attach(w->streams, f->stream, a); /* replays what the stream holds */
    if ((w->hooks & SW_HOOK_BIT(SW_HOOK_STREAM_WHOLE)) == 0) {
        /* Without the whole-stream hook the buffer served only this replay. */
        sw_stream_release(w->streams, f->stream, SW_STREAM_TO_SERVER);
        sw_stream_release(w->streams, f->stream, SW_STREAM_TO_CLIENT);
    }
}

void
sw_net_app_decide_early(struct sw_net_worker *w, struct sw_flow *f)
{
    if (((w->app_events & NET_APP_TLS_EVENTS) != 0 || w->tls_track) &&
        looks_tls(f->stream, NULL, false))
        sw_net_app_decide(w, f, NULL, false);
    else if ((w->app_events & NET_APP_DNS_EVENTS) != 0 && is_dns_port(f))
        sw_net_app_decide(w, f, NULL, false);
}

void
sw_net_app_end(struct sw_net_worker *w, struct sw_flow *f)
{
    struct net_app *a = f->app;

    (void)w;
    if (a == NULL)
        return;
    if (a->h != NULL) {
        unsigned fin = 0;

        /* Which side closed with a FIN: a body until close cut by a RST (or by the end of
         * the capture) is truncated. HTTP direction 1 is the flow's responder unless
         * swapped. */
        if (f->counts.tcp_flags_ts & 0x01)
            fin |= a->swapped ? SW_HTTP_FIN_RESP : SW_HTTP_FIN_REQ;
        if (f->counts.tcp_flags_tc & 0x01)
            fin |= a->swapped ? SW_HTTP_FIN_REQ : SW_HTTP_FIN_RESP;
        sw_http_end(a->h, fin);
        sw_http_destroy(a->h);
    }
    sw_tls_destroy(a->tls);
    sw_dns_tcp_destroy(a->dnst);
    sw_free(a);
    f->app = NULL;
}

void
sw_net_app_stats(const struct sw_net_worker *w, struct sw_worker_stats *out)
{
    out->dns_messages = w->dns_st.messages;
    out->dns_malformed = w->dns_st.malformed;
    out->dns_truncated = w->dns_st.truncated;
    out->dns_tcp_skipped = w->dns_st.tcp_skipped;
    out->dns_tcp_gaps = w->dns_st.tcp_gaps;
    out->tls_client_hellos = w->tls_st.client_hellos;
    out->tls_server_hellos = w->tls_st.server_hellos;
    out->tls_certificates = w->tls_st.certificates;
    out->tls_not_tls = w->tls_st.not_tls;
    out->tls_malformed = w->tls_st.malformed;
    out->tls_too_large = w->tls_st.too_large;
    out->tls_names_cut = w->tls_st.names_cut;
    out->app_nomem = w->dns_st.nomem + w->tls_st.nomem;
}
