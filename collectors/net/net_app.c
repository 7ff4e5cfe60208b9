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

/* --- buffers of one transaction event --------------------------------------------------------- */

/* The buffers of one event, filled before the hook (a few per event): the subject's getter
 * hands them out. */
struct view {
    const struct sw_span *sp[2][SW_BUF_MAX];
    unsigned n[2][SW_BUF_MAX];
    struct sw_span one[2][SW_BUF_MAX]; /* storage of single-span buffers */
};

static const struct sw_span *
view_get(void *ctx, enum sw_side side, enum sw_buf b, unsigned *n)
{
    const struct view *v = ctx;

    *n = v->n[side][b];
    return *n > 0 ? v->sp[side][b] : NULL;
}

static void
view_set(struct view *v, enum sw_side side, enum sw_buf b, const void *p, size_t len)
{
    v->one[side][b].p = len > 0 ? p : (const uint8_t *)"";
    v->one[side][b].len = len;
    v->sp[side][b] = &v->one[side][b];
    v->n[side][b] = 1;
}

/* A string buffer, set only when the string is known (not NULL, not ""). */
static void
view_str(struct view *v, enum sw_side side, enum sw_buf b, const char *s)
{
    if (s != NULL && s[0] != '\0')
        view_set(v, side, b, s, strlen(s));
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

/* The subject of a transaction event on a (its flow's), sent in direction dir, and the
 * stage run on it. */
static void
app_hook(struct net_app *a, enum sw_app_event ev, uint64_t tx, enum sw_dir dir,
         const struct sw_app_obj *obj, const struct sw_file_part *file, const char *reading,
         struct view *v)
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
    s.app.get = view_get;
    s.app.ctx = v;
    sw_net_detect(w, a->f, &s);
}

/* Direction of a protocol direction (0 client to server, 1 back) relative to the flow's
 * originator. */
static enum sw_dir
proto_to_dir(const struct net_app *a, int pdir)
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

/* --- HTTP ---------------------------------------------------------------------------------- */

/* The host of a Host header value without its port: "[::1]:80" -> "[::1]", "a.b:8080" ->
 * "a.b". *port: the port, -1 when none. */
static void
host_split(const char *host, char *out, size_t n, int32_t *port)
{
    const char *colon = NULL;
    size_t len;

    *port = -1;
    if (host[0] == '[') {
        const char *rb = strchr(host, ']');

        colon = rb != NULL && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = strchr(host, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL)
            colon = NULL; /* a bare IPv6 address */
    }
    len = colon != NULL ? (size_t)(colon - host) : strlen(host);
    if (colon != NULL) {
        int32_t v = 0;
        const char *d = colon + 1;

        for (; *d >= '0' && *d <= '9' && v <= 65535; d++)
            v = v * 10 + (*d - '0');
        if (*d == '\0' && d > colon + 1 && v <= 65535)
            *port = v;
    }
    if (len >= n)
        len = n - 1;
    memcpy(out, host, len);
    out[len] = '\0';
}

/* One HTTP body: a fileinfo event (primary reading, network.http.bodies), then the
 * transaction's body event; both carry the flow, the fileinfo and the http parts. Another
 * reading of an ambiguous message (b->reading set) makes only the body event: an alert on it
 * carries that reading's fileinfo and says which reading it is. */
static void
on_http_body(void *ctx, const struct sw_http_body *b)
{
    struct net_app *a = ctx;
    struct sw_net_worker *w = a->w;
    struct sw_flow *f = a->f;
    bool primary = b->reading[0] == '\0';
    enum sw_app_event aev = b->dir == 0 ? SW_APP_EV_HTTP_REQUEST_BODY : SW_APP_EV_HTTP_RESPONSE_BODY;
    enum sw_side side = b->dir == 0 ? SW_SIDE_REQUEST : SW_SIDE_RESPONSE;
    const struct sw_filetype *ft;
    struct sw_app_obj obj;
    struct sw_file_part fi;
    struct sw_event *ev;
    struct view v;
    char host[256];
    uint64_t tx;

    if (!w->http_bodies || (!primary && !wants(w, aev)))
        return; /* nothing reads it */
    tx = a->http_tx[b->dir != 0];
    if (primary)
        a->http_tx[b->dir != 0]++;
    ft = sw_filetype_classify(b->data, b->len);
    memset(&fi, 0, sizeof(fi));
    fi.path = b->filename;
    fi.size = b->len;
    sw_sha256_hex(b->len > 0 ? b->data : (const uint8_t *)"", b->len, fi.sha256);
    fi.magic = ft->label;
    fi.owner = "";
    fi.has_http = true;
    fi.truncated = b->truncated;
    fi.gaps = b->gaps || a->gap[b->dir != 0];
    fi.decode_error = b->decode_error;
    fi.http_decode_failed = b->decode_failed;
    fi.http_reading = b->reading;
    fi.http_anomaly = b->anomaly;
    fi.http_status = (uint16_t)(b->status <= 999 ? b->status : 0);
    fi.http_host = b->host;
    fi.http_url = b->uri;
    fi.http_method = b->method;
    fi.http_content_type = b->resp_content_type;
    fi.http_user_agent = b->user_agent;
    if (primary) {
        w->st.http_bodies++;
        ev = sw_event_create_file(SW_EV_FILEINFO, f->counts.end_us, &fi);
        if (ev == NULL) {
            w->st.event_drops++;
        } else {
            ev->flow = f->ref;
            ev->counts = f->counts;
            ev->ndpi = f->ndpi;
            ev->has_ndpi = true;
            ev->on_flow = true;
            sw_emit(w->em, ev);
        }
    }
    if (!wants(w, aev))
        return;
    memset(&obj, 0, sizeof(obj));
    obj.kind = SW_APP_HTTP;
    host_split(b->host, host, sizeof(host), &obj.u.http.http_port);
    obj.u.http.hostname = host[0] != '\0' ? host : NULL;
    obj.u.http.url = b->uri[0] != '\0' ? b->uri : NULL;
    obj.u.http.http_user_agent = b->user_agent[0] != '\0' ? b->user_agent : NULL;
    obj.u.http.http_content_type = b->resp_content_type[0] != '\0' ? b->resp_content_type
                                   : b->req_content_type[0] != '\0' ? b->req_content_type
                                                                    : NULL;
    obj.u.http.http_method = b->method[0] != '\0' ? b->method : NULL;
    obj.u.http.status = (uint16_t)(b->status <= 999 ? b->status : 0);
    if (b->dir == 1) {
        obj.u.http.has_length = true;
        obj.u.http.length = b->raw_len;
    }
    memset(&v, 0, sizeof(v));
    view_set(&v, side, SW_BUF_FILE_DATA, b->data, b->len);
    view_set(&v, side, b->dir == 0 ? SW_BUF_HTTP_REQUEST_BODY : SW_BUF_HTTP_RESPONSE_BODY,
             b->data, b->len);
    /* The body's time is the flow's last packet, as its fileinfo event's. */
    uint64_t now = w->cur_us;
    w->cur_us = f->counts.end_us;
    app_hook(a, aev, tx, proto_to_dir(a, b->dir), &obj, &fi, b->reading, &v);
    w->cur_us = now;
}

/* An HTTP anomaly (Suricata's applayer anomaly): an event, at most eve.anomaly_rate per
 * second of capture time per worker, as the capture side rate-limits decode anomalies; the
 * rest are counted (anomalies_suppressed). */
static void
on_http_anomaly(void *ctx, int dir, const char *event)
{
    struct net_app *a = ctx;
    struct sw_net_worker *w = a->w;
    struct sw_flow *f = a->f;
    struct sw_event *ev;

    (void)dir;
    if (!sw_net_anomaly_allowed(w, f->counts.end_us))
        return;
    ev = sw_event_create(SW_EV_ANOMALY, f->counts.end_us);
    if (ev == NULL) {
        w->st.event_drops++;
        return;
    }
    ev->u.anomaly.type = "applayer";
    ev->u.anomaly.event = event;
    ev->u.anomaly.app_proto = "http";
    ev->u.anomaly.layer = "proto_parser";
    ev->u.anomaly.has_tuple = true;
    ev->flow = f->ref;
    sw_emit(w->em, ev);
}

static bool
flow_is_http(const struct sw_flow *f)
{
    const struct sw_ndpi_info *n = &f->ndpi;

    return strcmp(n->app_proto, "http") == 0 || strcmp(n->master, "HTTP") == 0 ||
           strcmp(n->app, "HTTP") == 0;
}

static bool
starts_with(const struct sw_stream_info *si, const char *prefix)
{
    size_t n = strlen(prefix);

    return si->len >= n && memcmp(si->data, prefix, n) == 0;
}

/* The first line of si is an HTTP/1.x request or status line (a method token, a space, and
 * " HTTP/1." in the line; or "HTTP/1." first). */
static bool
starts_http(const struct sw_stream_info *si)
{
    const uint8_t *nl;
    size_t i = 0;

    if (starts_with(si, "HTTP/1."))
        return true;
    nl = si->len > 0 ? memchr(si->data, '\n', si->len) : NULL;
    if (nl == NULL)
        return false;
    while (i < si->len && si->data[i] >= 'A' && si->data[i] <= 'Z')
        i++;
    return i > 0 && i < si->len && si->data[i] == ' ' &&
           memmem(si->data, (size_t)(nl - si->data), " HTTP/1.", 8) != NULL;
}

/* Both directions' first bytes; pkt, if not NULL, stands for an empty direction: the bytes
 * of the packet about to be added. */
static void
first_bytes(const struct sw_stream *s, const struct sw_stream_info *pkt, bool pkt_to_server,
            struct sw_stream_info *ts, struct sw_stream_info *tc)
{
    sw_stream_info(s, SW_STREAM_TO_SERVER, ts);
    sw_stream_info(s, SW_STREAM_TO_CLIENT, tc);
    if (pkt != NULL && pkt_to_server && ts->len == 0)
        *ts = *pkt;
    if (pkt != NULL && !pkt_to_server && tc->len == 0)
        *tc = *pkt;
}

/* nDPI has not decided yet but a direction nears the depth (its buffer will stop there): is
 * this HTTP by its first bytes? */
static bool
looks_http(const struct sw_stream *s, const struct sw_stream_info *pkt, bool pkt_to_server)
{
    struct sw_stream_info ts, tc;

    first_bytes(s, pkt, pkt_to_server, &ts, &tc);
    return starts_http(&ts) || starts_http(&tc);
}

/* The flow's originator is the sender of its first packet, which is the server when the
 * capture starts with the SYN-ACK or a response. HTTP needs the client: the side whose bytes
 * start a request. Decided on the first bytes held when the parser attaches: the originator
 * side starting with a status line, or sending nothing yet while the other side starts with
 * something other than a status line, means the originator is the server. */
static bool
http_swapped(const struct sw_stream *s)
{
    struct sw_stream_info ts, tc;

    sw_stream_info(s, SW_STREAM_TO_SERVER, &ts);
    sw_stream_info(s, SW_STREAM_TO_CLIENT, &tc);
    if (starts_with(&ts, "HTTP/"))
        return true;
    return ts.len == 0 && !ts.released && tc.len >= 5 && !starts_with(&tc, "HTTP/");
}

static enum sw_rc
http_start(struct net_app *a)
{
    struct sw_net_worker *w = a->w;
    struct sw_http_cb cb = {.on_body = on_http_body, .on_anomaly = on_http_anomaly};
    struct sw_http_cfg hcfg;
    struct sw_err err;

    a->swapped = http_swapped(a->f->stream);
    sw_http_cfg_defaults(&hcfg);
    hcfg.max_body = w->cfg->network.http.max_body;
    hcfg.max_decompressed = w->cfg->network.http.max_body;
    hcfg.max_header_bytes = w->cfg->network.http.max_header_bytes;
    hcfg.max_pipeline = w->cfg->network.http.max_pipeline;
    hcfg.stats = &w->http_st;
    a->h = sw_http_create(&hcfg, &cb, a, &err);
    if (a->h == NULL) {
        w->http_st.nomem++;
        return SW_ENOMEM;
    }
    return SW_OK;
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
    struct view v;
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
    /* The client is the side that asks: the originator when its query goes to the server. */
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
    app_hook(a, aev, tx, dir, &obj, NULL, NULL, &v);
}

/* DNS over TCP: one whole message of protocol direction pdir. */
static void
dns_tcp_msg(void *ctx, int pdir, const uint8_t *msg, size_t len)
{
    struct net_app *a = ctx;

    dns_message(a, msg, len, proto_to_dir(a, pdir));
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
    const struct sw_ndpi_info *n = &a->f->ndpi;
    enum sw_app_event aev = tev == SW_TLS_CLIENT_HELLO   ? SW_APP_EV_TLS_CLIENT_HELLO
                            : tev == SW_TLS_SERVER_HELLO ? SW_APP_EV_TLS_SERVER_HELLO
                                                         : SW_APP_EV_TLS_CERTIFICATE;
    struct sw_app_obj obj;
    struct view v;

    if (!wants(w, aev))
        return;
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
    obj.u.tls.ja3_hash = nz(n->ja3c);
    obj.u.tls.ja3s_hash = nz(n->ja3s);
    memset(&v, 0, sizeof(v));
    if (ti->sni_len > 0)
        view_set(&v, SW_SIDE_REQUEST, SW_BUF_TLS_SNI, ti->sni_raw, ti->sni_len);
    view_str(&v, SW_SIDE_REQUEST, SW_BUF_JA3_HASH, n->ja3c);
    view_str(&v, SW_SIDE_RESPONSE, SW_BUF_JA3S_HASH, n->ja3s);
    view_str(&v, SW_SIDE_RESPONSE, SW_BUF_TLS_VERSION, ti->version_name);
    view_str(&v, SW_SIDE_RESPONSE, SW_BUF_TLS_CERT_SUBJECT, ti->subject);
    view_str(&v, SW_SIDE_RESPONSE, SW_BUF_TLS_CERT_ISSUER, ti->issuerdn);
    view_str(&v, SW_SIDE_RESPONSE, SW_BUF_TLS_CERT_SERIAL, ti->serial);
    view_str(&v, SW_SIDE_RESPONSE, SW_BUF_TLS_CERT_FINGERPRINT, ti->fingerprint);
    app_hook(a, aev, 0, proto_to_dir(a, tev == SW_TLS_CLIENT_HELLO ? 0 : 1), &obj, NULL, NULL,
             &v);
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

static bool
looks_tls(const struct sw_stream *s, const struct sw_stream_info *pkt, bool pkt_to_server)
{
    struct sw_stream_info ts, tc;

    first_bytes(s, pkt, pkt_to_server, &ts, &tc);
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
                        dir == SW_STREAM_TO_CLIENT ? SW_DIR_TO_CLIENT : SW_DIR_TO_SERVER,
                        w->cur_us, w->cur_pkt);
    s.stream.data.p = data;
    s.stream.data.len = len;
    s.stream.offset = off;
    if (a->gap[stream_to_proto(a, dir)])
        s.flags |= SW_SUBJ_STREAM_GAP;
    sw_net_detect(w, a->f, &s);
}

static void
tcp_data(void *arg, enum sw_stream_dir dir, const uint8_t *data, size_t len)
{
    struct net_app *a = arg;
    int pdir = stream_to_proto(a, dir);

    if (a->chunks)
        chunk(a, dir, data, len);
    a->sent[dir] += len;
    if (a->h != NULL)
        (void)sw_http_feed(a->h, pdir, data, len); /* failures are counted */
    if (a->tls != NULL && !sw_tls_done(a->tls))
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
           (f->detection_done ? flow_is_http(f) : looks_http(f->stream, pkt, pkt_to_server));
    tls = !http && (w->app_events & NET_APP_TLS_EVENTS) != 0 &&
          (looks_tls(f->stream, pkt, pkt_to_server) || strcmp(f->ndpi.app_proto, "tls") == 0);
    dns = !http && !tls && (w->app_events & NET_APP_DNS_EVENTS) != 0 && is_dns_port(f);
    chunks = (w->hooks & SW_HOOK_BIT(SW_HOOK_STREAM_CHUNK)) != 0;
    if (!http && !tls && !dns && !chunks) {
        no_consumer(w, f);
        return;
    }
    a = app_get(w, f);
    if (a == NULL) {
        w->http_st.nomem++;
        no_consumer(w, f);
        return;
    }
    a->chunks = chunks;
    if (http && http_start(a) != SW_OK && !chunks) {
        no_consumer(w, f);
        return;
    }
    if (tls) {
        a->swapped = tls_swapped(f->stream);
        a->tls = sw_tls_create(&w->tls_cfg, &w->tls_st, on_tls, a, &err);
        if (a->tls == NULL)
            w->tls_st.nomem++;
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
    if ((w->app_events & NET_APP_TLS_EVENTS) != 0 && looks_tls(f->stream, NULL, false))
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
    (void)w;
    (void)out;
}
