/* net_app_http.c - HTTP behind the network worker (see net_worker_int.h): the HTTP parser of a
 * TCP flow, the fileinfo event of each body, the applayer anomalies, and the detection
 * stage's HTTP transaction events (request, request body, response, response body) with
 * Suricata's HTTP buffers (include/sw/subject.h) and the `http` object of alerts.
 *
 * Buffers are built when a detector first asks for one (most rules read two or three), from
 * the header blocks the parser keeps for the transaction when the set wants HTTP request or
 * response events (struct sw_http_cfg headers); derived buffers (normalized URI, joined
 * headers) are allocated for the hook and freed after it. Worker thread only. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net_worker_int.h"
#include "sw/alloc.h"
#include "sw/app_http_msg.h"
#include "sw/digest.h"
#include "sw/filetype.h"
#include "sw/parse.h"

#define HTTP_EVENTS_HEADERS ((1u << SW_APP_EV_HTTP_REQUEST) | (1u << SW_APP_EV_HTTP_RESPONSE))
#define HTTP_OWNED_MAX (2 * SW_BUF_MAX) /* derived buffers of one hook: one per side and kind */
#define HTTP_TEXT_MAX 1024              /* bytes of a header value in the http object */

/* --- buffers ----------------------------------------------------------------------------- */

/* The buffers of one HTTP event: the transaction's messages, and what was built so far. */
struct http_view {
    struct net_view v;
    uint8_t done[2][SW_BUF_MAX];      /* built (present or not) */
    const struct sw_http_msg *msg[2]; /* request, response; NULL: none */
    struct sw_net_worker *w;          /* counts allocation failures */
    void *owned[HTTP_OWNED_MAX];      /* derived buffers, freed by http_view_fini */
    unsigned n_owned;
};

static void
http_view_init(struct http_view *hv, struct sw_net_worker *w, const struct sw_http_msg *req,
               const struct sw_http_msg *resp)
{
    memset(hv, 0, sizeof(*hv));
    hv->w = w;
    hv->msg[SW_SIDE_REQUEST] = req;
    hv->msg[SW_SIDE_RESPONSE] = resp;
}

static void
http_view_fini(struct http_view *hv)
{
    for (unsigned i = 0; i < hv->n_owned; i++)
        sw_free(hv->owned[i]);
    hv->n_owned = 0;
}

/* n bytes for a derived buffer, owned by the view; NULL (counted) when memory runs out. */
static uint8_t *
own(struct http_view *hv, size_t n)
{
    uint8_t *p;

    if (hv->n_owned == HTTP_OWNED_MAX || (p = sw_malloc(n > 0 ? n : 1)) == NULL) {
        hv->w->http_st.nomem++;
        return NULL;
    }
    hv->owned[hv->n_owned++] = p;
    return p;
}

static void
set_span(struct http_view *hv, enum sw_side side, enum sw_buf b, const struct sw_http_msg *m,
         struct sw_http_span sp)
{
    if (sp.len > 0 && (uint64_t)sp.off + sp.len <= m->hb_len)
        sw_net_view_set(&hv->v, side, b, m->hb + sp.off, sp.len);
}

static bool
name_is(const struct sw_http_msg *m, const struct sw_http_field *f, const char *name)
{
    return f->name.len == strlen(name) &&
           strncasecmp((const char *)m->hb + f->name.off, name, f->name.len) == 0;
}

/* The value of header `name`: one occurrence as it is, repeated ones joined with ", ". */
static void
set_header(struct http_view *hv, enum sw_side side, enum sw_buf b, const struct sw_http_msg *m,
           const char *name)
{
    const struct sw_http_field *first = NULL;
    size_t total = 0, k = 0, o = 0;
    uint8_t *out;

    for (unsigned i = 0; i < m->n_fields; i++) {
        if (!name_is(m, &m->fields[i], name))
            continue;
        if (first == NULL)
            first = &m->fields[i];
        total += m->fields[i].value.len + (k > 0 ? 2 : 0);
        k++;
    }
    if (k <= 1) {
        if (first != NULL)
            sw_net_view_set(&hv->v, side, b, m->hb + first->value.off, first->value.len);
        return;
    }
    out = own(hv, total);
    if (out == NULL)
        return;
    for (unsigned i = 0; i < m->n_fields; i++) {
        const struct sw_http_field *f = &m->fields[i];

        if (!name_is(m, f, name))
            continue;
        if (o > 0) {
            memcpy(out + o, ", ", 2);
            o += 2;
        }
        memcpy(out + o, m->hb + f->value.off, f->value.len);
        o += f->value.len;
    }
    sw_net_view_set(&hv->v, side, b, out, o);
}

/* An absolute path d[0, len) with "." and ".." segments resolved and runs of "/" folded
 * (RFC 3986 5.2.4, as libhtp normalizes), into out (len bytes at most). A relative path is
 * copied as it is. Returns the bytes written. */
static size_t
path_normalize(const uint8_t *d, size_t len, uint8_t *out)
{
    size_t o = 0, i = 0;

    if (len == 0 || d[0] != '/') {
        memcpy(out, d, len);
        return len;
    }
    out[o++] = '/';
    while (i < len) {
        size_t s, sl;

        while (i < len && d[i] == '/')
            i++;
        s = i;
        while (i < len && d[i] != '/')
            i++;
        sl = i - s;
        if (sl == 0 || (sl == 1 && d[s] == '.'))
            continue;
        if (sl == 2 && d[s] == '.' && d[s + 1] == '.') {
            /* out ends with '/': drop the segment before it */
            if (o > 1) {
                o--;
                while (o > 0 && out[o - 1] != '/')
                    o--;
            }
            continue;
        }
        memcpy(out + o, d + s, sl);
        o += sl;
        if (i < len)
            out[o++] = '/';
    }
    return o;
}

/* http.uri: the request target with its path percent-decoded and normalized (path_normalize);
 * a scheme and authority before it, and the query after '?', stay as sent. */
static void
set_uri(struct http_view *hv, const struct sw_http_msg *m)
{
    const uint8_t *u = m->hb + m->uri_sp.off;
    size_t n = m->uri_sp.len, start = 0, qs, dl = 0, o;
    const uint8_t *sch = n > 3 ? memmem(u, n, "://", 3) : NULL;
    uint8_t *out, *dec;

    if (n == 0 || (uint64_t)m->uri_sp.off + n > m->hb_len)
        return;
    if (sch != NULL && u[0] != '/') { /* absolute form: keep scheme://authority */
        start = (size_t)(sch - u) + 3;
        while (start < n && u[start] != '/' && u[start] != '?')
            start++;
    }
    for (qs = start; qs < n && u[qs] != '?'; qs++)
        ;
    out = own(hv, 2 * n);
    if (out == NULL)
        return;
    dec = out + n; /* the decoded path, then normalized into out */
    for (size_t i = start; i < qs; i++) {
        if (u[i] == '%' && i + 2 < qs && sw_parse_hexdigit(u[i + 1]) >= 0 &&
            sw_parse_hexdigit(u[i + 2]) >= 0) {
            dec[dl++] = (uint8_t)(sw_parse_hexdigit(u[i + 1]) * 16 + sw_parse_hexdigit(u[i + 2]));
            i += 2;
        } else {
            dec[dl++] = u[i];
        }
    }
    memcpy(out, u, start);
    o = start + path_normalize(dec, dl, out + start);
    memmove(out + o, u + qs, n - qs); /* dec is behind: o + (n - qs) <= n */
    o += n - qs;
    sw_net_view_set(&hv->v, SW_SIDE_REQUEST, SW_BUF_HTTP_URI, out, o);
}

/* The host of a Host header value (or of an absolute URI's authority) without its port:
 * "[::1]:80" -> "[::1]", "a.b:8080" -> "a.b". *port: the port, -1 when none. */
static size_t
host_len(const uint8_t *h, size_t n, int32_t *port)
{
    const uint8_t *colon = NULL;

    *port = -1;
    if (n > 0 && h[0] == '[') {
        const uint8_t *rb = memchr(h, ']', n);

        colon = rb != NULL && rb + 1 < h + n && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(h, ':', n);
        if (colon != NULL && memchr(colon + 1, ':', (size_t)(h + n - colon - 1)) != NULL)
            colon = NULL; /* a bare IPv6 address */
    }
    if (colon == NULL)
        return n;
    int32_t v = 0;
    const uint8_t *d = colon + 1;

    for (; d < h + n && *d >= '0' && *d <= '9' && v <= 65535; d++)
        v = v * 10 + (*d - '0');
    if (d == h + n && d > colon + 1 && v <= 65535)
        *port = v;
    return (size_t)(colon - h);
}

/* Where the host of request m is: its Host header, else its absolute URI's authority. */
static struct sw_http_span
host_span(const struct sw_http_msg *m)
{
    const uint8_t *u = m->hb + m->uri_sp.off;
    size_t n = m->uri_sp.len, s, e;
    const uint8_t *sch;

    for (unsigned i = 0; i < m->n_fields; i++)
        if (name_is(m, &m->fields[i], "Host"))
            return m->fields[i].value;
    sch = n > 3 ? memmem(u, n, "://", 3) : NULL;
    if (sch == NULL || u[0] == '/')
        return (struct sw_http_span){0, 0};
    s = (size_t)(sch - u) + 3;
    for (e = s; e < n && u[e] != '/' && u[e] != '?'; e++)
        ;
    return (struct sw_http_span){m->uri_sp.off + (uint32_t)s, (uint32_t)(e - s)};
}

/* http.host: the host lower-cased, without its port. */
static void
set_host(struct http_view *hv, const struct sw_http_msg *m)
{
    struct sw_http_span sp = host_span(m);
    int32_t port;
    size_t n;
    uint8_t *out;

    if (sp.len == 0)
        return;
    n = host_len(m->hb + sp.off, sp.len, &port);
    out = own(hv, n);
    if (out == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = m->hb[sp.off + i];

        out[i] = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
    }
    sw_net_view_set(&hv->v, SW_SIDE_REQUEST, SW_BUF_HTTP_HOST, out, n);
}

static bool
is_cookie(const struct sw_http_msg *m, const struct sw_http_field *f)
{
    return name_is(m, f, "Cookie") || name_is(m, f, "Set-Cookie");
}

/* The header buffers made of every field: http.header ("Name: Value\r\n" each but the
 * cookies, then "\r\n"), http.header.raw (each field's line as sent, "\r\n" after each, then
 * "\r\n"), http.header_names ("\r\n", each name and "\r\n", then "\r\n") and http.start (the
 * start line, "\r\n", then http.header.raw). */
static void
set_fields(struct http_view *hv, enum sw_side side, enum sw_buf b, const struct sw_http_msg *m)
{
    size_t need = 4 + m->line.len, o = 0;
    uint8_t *out;

    for (unsigned i = 0; i < m->n_fields; i++)
        need += m->fields[i].value.off + m->fields[i].value.len - m->fields[i].name.off + 4;
    out = own(hv, need);
    if (out == NULL)
        return;
    if (b == SW_BUF_HTTP_START) {
        memcpy(out, m->hb + m->line.off, m->line.len);
        o = m->line.len;
        memcpy(out + o, "\r\n", 2);
        o += 2;
    } else if (b == SW_BUF_HTTP_HEADER_NAMES) {
        memcpy(out, "\r\n", 2);
        o = 2;
    }
    for (unsigned i = 0; i < m->n_fields; i++) {
        const struct sw_http_field *f = &m->fields[i];

        if (b == SW_BUF_HTTP_HEADER) {
            if (is_cookie(m, f))
                continue;
            memcpy(out + o, m->hb + f->name.off, f->name.len);
            o += f->name.len;
            memcpy(out + o, ": ", 2);
            o += 2;
            memcpy(out + o, m->hb + f->value.off, f->value.len);
            o += f->value.len;
        } else if (b == SW_BUF_HTTP_HEADER_NAMES) {
            memcpy(out + o, m->hb + f->name.off, f->name.len);
            o += f->name.len;
        } else {
            size_t len = f->value.off + f->value.len - f->name.off;

            memcpy(out + o, m->hb + f->name.off, len);
            o += len;
        }
        memcpy(out + o, "\r\n", 2);
        o += 2;
    }
    memcpy(out + o, "\r\n", 2);
    o += 2;
    sw_net_view_set(&hv->v, side, b, out, o);
}

/* Single-header buffers and their header names. */
static const struct {
    enum sw_buf b;
    const char *name;
} single[] = {
    {SW_BUF_HTTP_USER_AGENT, "User-Agent"},
    {SW_BUF_HTTP_REFERER, "Referer"},
    {SW_BUF_HTTP_ACCEPT, "Accept"},
    {SW_BUF_HTTP_ACCEPT_LANG, "Accept-Language"},
    {SW_BUF_HTTP_ACCEPT_ENC, "Accept-Encoding"},
    {SW_BUF_HTTP_CONNECTION, "Connection"},
    {SW_BUF_HTTP_CONTENT_LEN, "Content-Length"},
    {SW_BUF_HTTP_CONTENT_TYPE, "Content-Type"},
    {SW_BUF_HTTP_SERVER, "Server"},
    {SW_BUF_HTTP_LOCATION, "Location"},
};

/* Build buffer b of side from its message's kept header block. */
static void
http_build(struct http_view *hv, enum sw_side side, enum sw_buf b)
{
    const struct sw_http_msg *m = hv->msg[side];
    bool rq = side == SW_SIDE_REQUEST;

    if (m == NULL || m->hb == NULL)
        return;
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
        if (single[i].b == b) {
            set_header(hv, side, b, m, single[i].name);
            return;
        }
    }
    switch (b) {
    case SW_BUF_HTTP_METHOD:
        if (rq)
            set_span(hv, side, b, m, m->method_sp);
        break;
    case SW_BUF_HTTP_URI_RAW:
        if (rq)
            set_span(hv, side, b, m, m->uri_sp);
        break;
    case SW_BUF_HTTP_URI:
        if (rq)
            set_uri(hv, m);
        break;
    case SW_BUF_HTTP_PROTOCOL:
        set_span(hv, side, b, m, m->proto);
        break;
    case SW_BUF_HTTP_REQUEST_LINE:
        if (rq)
            set_span(hv, side, b, m, m->line);
        break;
    case SW_BUF_HTTP_RESPONSE_LINE:
        if (!rq)
            set_span(hv, side, b, m, m->line);
        break;
    case SW_BUF_HTTP_HOST:
        if (rq)
            set_host(hv, m);
        break;
    case SW_BUF_HTTP_HOST_RAW:
        if (rq)
            set_span(hv, side, b, m, host_span(m));
        break;
    case SW_BUF_HTTP_COOKIE:
        set_header(hv, side, b, m, rq ? "Cookie" : "Set-Cookie");
        break;
    case SW_BUF_HTTP_HEADER:
    case SW_BUF_HTTP_HEADER_RAW:
    case SW_BUF_HTTP_HEADER_NAMES:
    case SW_BUF_HTTP_START:
        set_fields(hv, side, b, m);
        break;
    case SW_BUF_HTTP_STAT_CODE:
        if (!rq)
            set_span(hv, side, b, m, m->stat);
        break;
    case SW_BUF_HTTP_STAT_MSG:
        if (!rq)
            set_span(hv, side, b, m, m->stat_msg);
        break;
    default:
        break;
    }
}

/* The subject's getter: a buffer is built on first use. */
static const struct sw_span *
http_get(void *ctx, enum sw_side side, enum sw_buf b, unsigned *n)
{
    struct http_view *hv = ctx;

    if (!hv->done[side][b]) {
        hv->done[side][b] = 1;
        http_build(hv, side, b);
    }
    return sw_net_view_get(&hv->v, side, b, n);
}

/* --- the http object --------------------------------------------------------------------- */

/* Storage of the object's strings that are not the messages' own. */
struct http_text {
    char host[256], proto[16], refer[HTTP_TEXT_MAX], redirect[HTTP_TEXT_MAX];
};

/* Header `name` of m (kept block) as text into out, or NULL when absent. */
static const char *
header_text(const struct sw_http_msg *m, const char *name, char *out, size_t len)
{
    if (m == NULL || m->hb == NULL)
        return NULL;
    for (unsigned i = 0; i < m->n_fields; i++) {
        const struct sw_http_field *f = &m->fields[i];
        size_t n = f->value.len < len - 1 ? f->value.len : len - 1;

        if (!name_is(m, f, name))
            continue;
        memcpy(out, m->hb + f->value.off, n);
        out[n] = '\0';
        return out;
    }
    return NULL;
}

static const char *
nz(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Suricata's http object of a transaction from its messages (NULL: none). */
static void
http_obj(struct sw_app_obj *o, struct http_text *t, const struct sw_http_msg *req,
         const struct sw_http_msg *resp)
{
    struct sw_app_http *h = &o->u.http;

    memset(o, 0, sizeof(*o));
    o->kind = SW_APP_HTTP;
    h->http_port = -1;
    if (req != NULL) {
        size_t n = host_len((const uint8_t *)req->host, strlen(req->host), &h->http_port);

        if (n >= sizeof(t->host))
            n = sizeof(t->host) - 1;
        for (size_t i = 0; i < n; i++) /* as libhtp normalizes the host name */
            t->host[i] = req->host[i] >= 'A' && req->host[i] <= 'Z' ? (char)(req->host[i] + 32)
                                                                    : req->host[i];
        t->host[n] = '\0';
        h->hostname = nz(t->host);
        h->url = nz(req->uri);
        h->http_user_agent = nz(req->ua);
        h->http_method = nz(req->method);
        h->http_refer = header_text(req, "Referer", t->refer, sizeof(t->refer));
    }
    if (resp != NULL) {
        h->status = (uint16_t)(resp->status <= 999 ? resp->status : 0);
        h->redirect = header_text(resp, "Location", t->redirect, sizeof(t->redirect));
    }
    h->http_content_type = resp != NULL && resp->ctype[0] != '\0' ? resp->ctype
                           : req != NULL                          ? nz(req->ctype)
                                                                  : NULL;
    const struct sw_http_msg *pm = req != NULL && req->hb != NULL ? req : resp;

    if (pm != NULL && pm->hb != NULL && pm->proto.len > 0 && pm->proto.len < sizeof(t->proto)) {
        memcpy(t->proto, pm->hb + pm->proto.off, pm->proto.len);
        t->proto[pm->proto.len] = '\0';
        h->protocol = t->proto;
    }
}

/* --- parser callbacks -------------------------------------------------------------------- */

/* A request's or a response's header block: its transaction event. */
static void
on_http_message(void *ctx, const struct sw_http_message *m)
{
    struct net_app *a = ctx;
    struct sw_net_worker *w = a->w;
    enum sw_app_event aev = m->dir == 0 ? SW_APP_EV_HTTP_REQUEST : SW_APP_EV_HTTP_RESPONSE;
    struct http_view hv;
    struct http_text t;
    struct sw_app_obj obj;

    if ((w->app_events & (1u << aev)) == 0)
        return;
    http_view_init(&hv, w, m->req, m->resp);
    http_obj(&obj, &t, m->req, m->resp);
    sw_net_app_hook(a, aev, m->tx, sw_net_proto_dir(a, m->dir), &obj, NULL, NULL, http_get, &hv);
    http_view_fini(&hv);
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
    enum sw_app_event aev =
        b->dir == 0 ? SW_APP_EV_HTTP_REQUEST_BODY : SW_APP_EV_HTTP_RESPONSE_BODY;
    enum sw_side side = b->dir == 0 ? SW_SIDE_REQUEST : SW_SIDE_RESPONSE;
    bool wanted = (w->app_events & (1u << aev)) != 0;
    const struct sw_filetype *ft;
    struct sw_file_part fi;
    struct sw_app_obj obj;
    struct http_view hv;
    struct http_text t;
    struct sw_event *ev;
    uint64_t now;

    if (!w->http_bodies || (!primary && !wanted))
        return; /* nothing reads it */
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
    if (!wanted)
        return;
    http_view_init(&hv, w, b->req, b->resp);
    http_obj(&obj, &t, b->req, b->resp);
    if (b->dir == 1) {
        obj.u.http.has_length = true;
        obj.u.http.length = b->raw_len;
    }
    hv.done[side][SW_BUF_FILE_DATA] = 1;
    sw_net_view_set(&hv.v, side, SW_BUF_FILE_DATA, b->data, b->len);
    enum sw_buf body = b->dir == 0 ? SW_BUF_HTTP_REQUEST_BODY : SW_BUF_HTTP_RESPONSE_BODY;
    hv.done[side][body] = 1;
    sw_net_view_set(&hv.v, side, body, b->data, b->len);
    /* The body's time is the flow's last packet, as its fileinfo event's. */
    now = w->cur_us;
    w->cur_us = f->counts.end_us;
    sw_net_app_hook(a, aev, b->tx, sw_net_proto_dir(a, b->dir), &obj, &fi, b->reading, http_get,
                    &hv);
    w->cur_us = now;
    http_view_fini(&hv);
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

/* --- which flows, which side ----------------------------------------------------------- */

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

/* nDPI decided: its word; not yet (a direction nears the depth, its buffer will stop
 * there): the first bytes. */
bool
sw_net_http_is(const struct sw_flow *f, const struct sw_stream_info *pkt, bool pkt_to_server)
{
    struct sw_stream_info ts, tc;

    if (f->detection_done)
        return flow_is_http(f);
    sw_net_first_bytes(f->stream, pkt, pkt_to_server, &ts, &tc);
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

enum sw_rc
sw_net_http_start(struct net_app *a)
{
    struct sw_net_worker *w = a->w;
    struct sw_http_cb cb = {
        .on_body = on_http_body, .on_anomaly = on_http_anomaly, .on_message = on_http_message};
    struct sw_http_cfg hcfg;
    struct sw_err err;

    a->swapped = http_swapped(a->f->stream);
    sw_http_cfg_defaults(&hcfg);
    hcfg.max_body = w->cfg->network.http.max_body;
    hcfg.max_decompressed = w->cfg->network.http.max_body;
    hcfg.max_header_bytes = w->cfg->network.http.max_header_bytes;
    hcfg.max_pipeline = w->cfg->network.http.max_pipeline;
    /* Header blocks are kept only for detectors that read HTTP header buffers. */
    hcfg.headers = (w->app_events & HTTP_EVENTS_HEADERS) != 0;
    hcfg.stats = &w->http_st;
    a->h = sw_http_create(&hcfg, &cb, a, &err);
    if (a->h == NULL) {
        w->http_st.nomem++;
        return SW_ENOMEM;
    }
    return SW_OK;
}
