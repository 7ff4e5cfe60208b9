/* net_worker.c - a network worker's packet path (see include/sw/net_worker.h). */
#include "sw/net_worker.h"

#include <string.h>

#include "sw/alloc.h"
#include "sw/app_http.h"
#include "sw/community_id.h"
#include "sw/filetype.h"
#include "sw/flow.h"
#include "sw/ndpi.h"
#include "sw/stream.h"
#include "sw/yara.h"

/* Per-alert string limits of stream and body scans (as seawall scan's defaults). */
#define STREAM_YARA_MAX_STRINGS 16
#define STREAM_YARA_STRING_BYTES 64

/* Scans and systemd's watchdog (issue 9, item 7). YARA scans run on the worker thread, and
 * libyara does not hand control back during a scan: the string search and the condition run
 * before the first callback, so a heartbeat from YARA's callback could not show progress
 * through one long scan. What does: every scan stops at a time limit that the pipeline keeps
 * below the daemon's progress-check interval (struct sw_net_watch), and the worker counts
 * progress after each scan, so a batch that holds many slow scans still shows progress
 * between two checks. A scan cut by the limit loses its matches (libyara decides rules only
 * at the end): counted (seawall.stream.scan_timeouts), never silent. */

struct sw_net_worker {
    const struct sw_config *cfg;           /* borrowed: keys a reload does not change */
    const struct sw_config *rcfg;          /* borrowed: the reloadable keys (eve.*) */
    unsigned n_workers;                    /* this worker's share of the stream memcap */
    const struct sw_det_ndpi_risk *risk;   /* borrowed */
    struct sw_emitter *em;                 /* borrowed */
    struct sw_flow_table *flows;           /* owned */
    struct sw_ndpi *ndpi;                  /* owned */
    /* TCP reassembly: with rules (stream YARA) or network.http.bodies. */
    struct sw_stream_ctx *streams;         /* owned; NULL with neither */
    struct sw_yara_scanner *ys;            /* owned; NULL without rules */
    bool http_bodies;                      /* network.http.bodies */
    unsigned scan_timeout_s;               /* per YARA scan */
    _Atomic uint64_t *progress;            /* borrowed, may be NULL: +1 after each scan */
    struct sw_http_stats http_st;          /* counters of this thread's HTTP parsers */
    struct sw_worker_stats st;
    /* stream and applayer anomaly events: at most eve.anomaly_rate per second of capture
     * time, shared by both kinds (anomaly_allowed) */
    uint64_t anomaly_sec;
    uint32_t anomaly_in_sec;
};

/* After a scan: count what it did, and that the worker moves on. */
static void
scan_done(struct sw_net_worker *w, struct sw_flow *f, enum sw_rc rc,
          const struct sw_yara_scan_result *res)
{
    if (rc != SW_OK)
        w->st.stream_scan_errors++;
    if (res->timeout)
        w->st.stream_scan_timeouts++;
    w->st.alerts += res->matches;
    w->st.event_drops += res->drops;
    if (res->matches > res->drops)
        f->alerted = true;
    if (w->progress != NULL)
        atomic_fetch_add_explicit(w->progress, 1, memory_order_relaxed);
}

/* A scanner for rules with this worker's limits. NULL and err on failure. */
static struct sw_yara_scanner *
scanner_create(const struct sw_net_worker *w, const struct sw_yara_rules *rules,
               struct sw_err *err)
{
    struct sw_yara_limits lim = {
        .max_strings = STREAM_YARA_MAX_STRINGS,
        .string_bytes = STREAM_YARA_STRING_BYTES,
        .timeout_s = w->scan_timeout_s,
    };

    return sw_yara_scanner_create(rules, &lim, err);
}

/* Scan one direction's reassembled bytes once, then free them. Alerts carry the flow as it
 * is now; the direction is the one whose bytes matched. */
static void
stream_scan(struct sw_net_worker *w, struct sw_flow *f, enum sw_stream_dir dir, uint64_t ts_us)
{
    struct sw_stream *s = f->stream;
    struct sw_stream_info si;
    struct sw_yara_scan_result res;
    struct sw_event tmpl;
    struct sw_err err;

    sw_stream_info(s, dir, &si);
    if (si.released)
        return;
    if (si.len > 0 && w->ys != NULL) { /* no rules: nothing to scan */
        memset(&tmpl, 0, sizeof(tmpl));
        tmpl.ts_us = ts_us;
        tmpl.flow = f->ref;
        tmpl.counts = f->counts;
        tmpl.ndpi = f->ndpi;
        tmpl.has_ndpi = true;
        tmpl.u.alert.to_client = dir == SW_STREAM_TO_CLIENT;
        w->st.stream_scans++;
        scan_done(w, f, sw_yara_scan_flow(w->ys, &tmpl, "stream", si.data, si.len, w->em, &res,
                                          &err),
                  &res);
    }
    sw_stream_release(w->streams, s, dir);
}

/* The HTTP parser of one flow, the stream's consumer (sw_stream_attach): it gets each
 * direction's in-order bytes as they arrive, so bodies are whole up to network.http.max_body
 * whatever network.stream.depth is. Owned by the worker; freed at flow end (http_end). */
struct http_flow {
    struct sw_net_worker *w;
    struct sw_flow *f;   /* the flow: lives as long as this */
    struct sw_http *h;   /* owned */
    bool swapped;        /* the flow's originator is the HTTP server (see http_client_dir) */
    bool gap[2];         /* a hole fell into the stream of this HTTP direction */
};

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

/* nDPI has not decided yet but a direction nears the depth (its buffer will stop there): is
 * this HTTP by its first bytes? pkt, if not NULL, stands for an empty direction: the bytes
 * of the packet about to be added. */
static bool
looks_http(const struct sw_stream *s, const struct sw_stream_info *pkt, bool pkt_to_server)
{
    struct sw_stream_info ts, tc;

    sw_stream_info(s, SW_STREAM_TO_SERVER, &ts);
    sw_stream_info(s, SW_STREAM_TO_CLIENT, &tc);
    if (pkt != NULL && pkt_to_server && ts.len == 0)
        ts = *pkt;
    if (pkt != NULL && !pkt_to_server && tc.len == 0)
        tc = *pkt;
    return starts_http(&ts) || starts_http(&tc);
}

/* Bytes short of the depth at which HTTP is decided without waiting for nDPI: held segments
 * draining when a hole fills may carry a direction past the depth at once, and the bytes
 * past it reach a parser only if it is attached by then. */
#define HTTP_DECIDE_MARGIN (64u * 1024u)

/* Bytes of dir in the buffer when the consumer is undecided; -1 when decided or no stream. */
static int64_t
undecided_len(const struct sw_flow *f, enum sw_stream_dir dir)
{
    struct sw_stream_info si;

    if (f->stream == NULL || sw_stream_app_decided(f->stream))
        return -1;
    sw_stream_info(f->stream, dir, &si);
    return (int64_t)si.len;
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

/* One HTTP body: a fileinfo event, then (with rules) a YARA scan of the decoded bytes
 * (seawall_source "http_body"); both carry the flow, the fileinfo and the http parts.
 * Another reading of an ambiguous message (b->reading set) is only scanned: an alert on it
 * carries that reading's fileinfo and says which reading it is. Worker thread. */
static void
on_http_body(void *ctx, const struct sw_http_body *b)
{
    struct http_flow *hf = ctx;
    struct sw_net_worker *w = hf->w;
    struct sw_flow *f = hf->f;
    bool primary = b->reading[0] == '\0';
    const struct sw_filetype *ft;
    struct sw_file_part fi;
    struct sw_yara_ext x;
    struct sw_yara_scan_result res;
    struct sw_event tmpl, *ev;
    struct sw_err err;

    if (!primary && w->ys == NULL)
        return; /* no rules: nothing reads it */
    ft = sw_filetype_classify(b->data, b->len);
    memset(&fi, 0, sizeof(fi));
    fi.path = b->filename;
    fi.size = b->len;
    sw_yara_sha256_hex(b->len > 0 ? b->data : (const uint8_t *)"", b->len, fi.sha256);
    fi.magic = ft->label;
    fi.owner = "";
    fi.has_http = true;
    fi.truncated = b->truncated;
    fi.gaps = b->gaps || hf->gap[b->dir != 0];
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

    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.ts_us = f->counts.end_us;
    tmpl.flow = f->ref;
    tmpl.counts = f->counts;
    tmpl.ndpi = f->ndpi;
    tmpl.has_ndpi = true;
    /* HTTP direction 1 (responses) goes to the flow's originator only when it is the client */
    tmpl.u.alert.to_client = (b->dir == 1) != hf->swapped;

    if (primary) {
        w->st.http_bodies++;
        ev = sw_yara_file_event_create(SW_EV_FILEINFO, tmpl.ts_us, &fi);
        if (ev == NULL) {
            w->st.event_drops++;
        } else {
            ev->flow = tmpl.flow;
            ev->counts = tmpl.counts;
            ev->ndpi = tmpl.ndpi;
            ev->has_ndpi = true;
            ev->on_flow = true;
            sw_emit(w->em, ev);
        }
    }
    if (w->ys == NULL)
        return; /* no rules: the fileinfo event only */
    sw_yara_ext_set(&x, b->filename, ft->label, "");
    x.source = "http_body";
    w->st.stream_scans++;
    scan_done(w, f,
              sw_yara_scan_flow_file(w->ys, &tmpl, &x, &fi, b->data, b->len, w->em, &res, &err),
              &res);
}

/* Count one anomaly and say whether it may become an event: at most eve.anomaly_rate (the
 * reloadable value) per second of capture time per worker, as the capture side rate-limits
 * decode anomalies; the rest are counted as anomalies_suppressed. */
static bool
anomaly_allowed(struct sw_net_worker *w, uint64_t ts_us)
{
    uint64_t sec = ts_us / 1000000u;

    w->st.anomalies++;
    if (sec != w->anomaly_sec) {
        w->anomaly_sec = sec;
        w->anomaly_in_sec = 0;
    }
    if (w->anomaly_in_sec >= w->rcfg->eve.anomaly_rate) {
        w->st.anomalies_suppressed++;
        return false;
    }
    w->anomaly_in_sec++;
    return true;
}

/* An HTTP anomaly (Suricata's applayer anomaly): an event, at most eve.anomaly_rate per
 * second of capture time per worker, as the capture side rate-limits decode anomalies; the
 * rest are counted (anomalies_suppressed). Worker thread. */
static void
on_http_anomaly(void *ctx, int dir, const char *event)
{
    struct http_flow *hf = ctx;
    struct sw_net_worker *w = hf->w;
    struct sw_flow *f = hf->f;
    struct sw_event *ev;

    (void)dir;
    if (!anomaly_allowed(w, f->counts.end_us))
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

static int
http_dir(const struct http_flow *hf, enum sw_stream_dir dir)
{
    return (dir == SW_STREAM_TO_CLIENT) != hf->swapped;
}

/* Stream consumer callbacks (struct sw_stream_app). */
static void
http_data(void *arg, enum sw_stream_dir dir, const uint8_t *data, size_t len)
{
    struct http_flow *hf = arg;

    (void)sw_http_feed(hf->h, http_dir(hf, dir), data, len); /* failures are counted */
}

static void
http_gap(void *arg, enum sw_stream_dir dir, uint64_t len)
{
    struct http_flow *hf = arg;

    hf->gap[http_dir(hf, dir)] = true;
    sw_http_gap(hf->h, http_dir(hf, dir), len);
}

static const struct sw_stream_app http_app = {.data = http_data, .gap = http_gap};

/* Decide, once nDPI has decided (or at flow end), whether the flow's stream feeds an HTTP
 * parser. A flow that is not HTTP keeps its stream only for stream YARA: without rules its
 * bytes are freed and no longer reassembled. When a direction reaches the depth before nDPI
 * has decided (nDPI keeps dissecting HTTP until the response), the first bytes decide: the
 * buffer is freed at the depth, and a parser attached later would miss what it held. */
static void
http_decide(struct sw_net_worker *w, struct sw_flow *f, const struct sw_stream_info *pkt,
            bool pkt_to_server)
{
    struct http_flow *hf;
    struct sw_http_cb cb = {.on_body = on_http_body, .on_anomaly = on_http_anomaly};
    struct sw_http_cfg hcfg;
    struct sw_err err;

    if (f->stream == NULL || sw_stream_app_decided(f->stream))
        return;
    if (!w->http_bodies || !(f->detection_done ? flow_is_http(f) : looks_http(f->stream, pkt, pkt_to_server))) {
        sw_stream_attach(w->streams, f->stream, NULL);
        if (w->ys == NULL) {
            sw_stream_release(w->streams, f->stream, SW_STREAM_TO_SERVER);
            sw_stream_release(w->streams, f->stream, SW_STREAM_TO_CLIENT);
        }
        return;
    }
    hf = sw_calloc(1, sizeof(*hf)); /* owned by the worker until http_end */
    if (hf == NULL) {
        w->http_st.nomem++;
        sw_stream_attach(w->streams, f->stream, NULL);
        return;
    }
    hf->w = w;
    hf->f = f;
    hf->swapped = http_swapped(f->stream);
    sw_http_cfg_defaults(&hcfg);
    hcfg.max_body = w->cfg->network.http.max_body;
    hcfg.max_decompressed = w->cfg->network.http.max_body;
    hcfg.stats = &w->http_st;
    hf->h = sw_http_create(&hcfg, &cb, hf, &err);
    if (hf->h == NULL) {
        w->http_st.nomem++;
        sw_free(hf);
        sw_stream_attach(w->streams, f->stream, NULL);
        return;
    }
    sw_stream_attach(w->streams, f->stream, hf); /* replays what the stream holds */
    if (w->ys == NULL) {
        /* Without stream YARA the buffer served only this replay. */
        sw_stream_release(w->streams, f->stream, SW_STREAM_TO_SERVER);
        sw_stream_release(w->streams, f->stream, SW_STREAM_TO_CLIENT);
    }
}

/* Flow end of an HTTP flow: a body that lasts until close is complete when its sender sent
 * a FIN, one still missing bytes is truncated; then the parser goes. Call after
 * sw_stream_finish() of both directions (held data delivered). */
static void
http_end(struct sw_flow *f)
{
    struct http_flow *hf = sw_stream_app_arg(f->stream);
    unsigned fin = 0;

    if (hf == NULL)
        return;
    /* Which side closed with a FIN: a body until close cut by a RST (or by the end of the
     * capture) is truncated. HTTP direction 1 is the flow's responder unless swapped. */
    if (f->counts.tcp_flags_ts & 0x01)
        fin |= hf->swapped ? SW_HTTP_FIN_RESP : SW_HTTP_FIN_REQ;
    if (f->counts.tcp_flags_tc & 0x01)
        fin |= hf->swapped ? SW_HTTP_FIN_REQ : SW_HTTP_FIN_RESP;
    sw_http_end(hf->h, fin);
    sw_http_destroy(hf->h);
    sw_free(hf);
}

/* Flow end: HTTP bodies, then scan what is left of both directions, then free the stream. */
static void
stream_end(struct sw_net_worker *w, struct sw_flow *f)
{
    if (f->stream == NULL)
        return;
    http_decide(w, f, NULL, false); /* nDPI decided only now: its bytes are all held */
    for (int d = SW_STREAM_TO_SERVER; d <= SW_STREAM_TO_CLIENT; d++)
        sw_stream_finish(w->streams, f->stream, (enum sw_stream_dir)d);
    http_end(f);
    for (int d = SW_STREAM_TO_SERVER; d <= SW_STREAM_TO_CLIENT; d++)
        stream_scan(w, f, (enum sw_stream_dir)d, f->counts.end_us);
    sw_stream_destroy(w->streams, f->stream);
    f->stream = NULL;
}

/* Flow end: final classification, last risks, then the flow event. */
static void
on_flow_end(void *ctx, struct sw_flow *f, enum sw_flow_reason reason)
{
    struct sw_net_worker *w = ctx;
    uint64_t fresh = sw_ndpi_flow_end(w->ndpi, f);
    struct sw_event *ev;

    if (fresh != 0)
        sw_det_ndpi_risk_inspect(w->risk, f, &f->ndpi, fresh, f->counts.end_us, false, w->em,
                                 &w->st);
    stream_end(w, f); /* its alerts come before the flow event */
    ev = sw_event_create(SW_EV_FLOW, f->counts.end_us);
    if (ev == NULL) {
        w->st.event_drops++;
        return;
    }
    ev->flow = f->ref;
    ev->counts = f->counts;
    ev->ndpi = f->ndpi;
    ev->has_ndpi = true;
    ev->u.flow.state = f->state;
    ev->u.flow.reason = (uint8_t)reason;
    ev->u.flow.alerted = f->alerted;
    ev->u.flow.evicted = reason == SW_REASON_FORCED;
    sw_emit(w->em, ev);
}

struct sw_net_worker *
sw_net_worker_create(const struct sw_config *cfg, unsigned index, unsigned n_workers,
                     const struct sw_hash_key *hash_key, const struct sw_net_detection *det,
                     const struct sw_net_watch *watch,
                     struct sw_emitter *em, struct sw_err *err)
{
    const struct sw_yara_rules *rules = det->rules;
    struct sw_net_worker *w = sw_calloc(1, sizeof(*w));
    struct sw_flow_cfg fc;

    (void)index;
    if (w == NULL) {
        sw_err_set(err, SW_ENOMEM, "worker: out of memory");
        return NULL;
    }
    w->cfg = cfg;
    w->scan_timeout_s = watch != NULL && watch->scan_timeout_s != 0 ? watch->scan_timeout_s
                                                                    : SW_NET_SCAN_TIMEOUT_S;
    w->progress = watch != NULL ? watch->progress : NULL;
    w->rcfg = det->cfg;
    w->risk = det->risk;
    w->em = em;
    w->n_workers = n_workers ? n_workers : 1;
    memset(&fc, 0, sizeof(fc));
    /* Each worker gets an equal share; hashing spreads flows evenly enough for that. */
    fc.max_flows = cfg->network.max_flows / (n_workers ? n_workers : 1);
    if (fc.max_flows == 0)
        fc.max_flows = 1;
    fc.timeout_us[SW_TC_TCP_NEW] = cfg->network.timeouts.tcp_new;
    fc.timeout_us[SW_TC_TCP_ESTABLISHED] = cfg->network.timeouts.tcp_established;
    fc.timeout_us[SW_TC_TCP_CLOSED] = cfg->network.timeouts.tcp_closed;
    fc.timeout_us[SW_TC_UDP] = cfg->network.timeouts.udp;
    fc.timeout_us[SW_TC_ICMP] = cfg->network.timeouts.icmp;
    fc.timeout_us[SW_TC_OTHER] = cfg->network.timeouts.other;
    fc.community_id = det->cfg->eve.community_id;
    fc.community_id_seed = (uint16_t)det->cfg->eve.community_id_seed;
    fc.hash_key = *hash_key;
    w->ndpi = sw_ndpi_create(cfg, err);
    if (w->ndpi == NULL)
        goto fail;
    w->http_bodies = cfg->network.http.bodies;
    if (rules != NULL || w->http_bodies) {
        struct sw_stream_cfg sc = {
            .depth = cfg->network.stream.depth,
            .memcap = cfg->network.stream.memcap / (n_workers ? n_workers : 1),
            .app = &http_app,
        };

        w->streams = sw_stream_ctx_create(&sc, err);
        if (w->streams == NULL)
            goto fail;
        if (rules != NULL) {
            w->ys = scanner_create(w, rules, err);
            if (w->ys == NULL)
                goto fail;
        }
    }
    w->flows = sw_flow_table_create(&fc, on_flow_end, w, err);
    if (w->flows == NULL)
        goto fail;
    return w;
fail:
    sw_net_worker_destroy(w, 0);
    return NULL;
}

void
sw_net_worker_destroy(struct sw_net_worker *w, uint64_t now_us)
{
    if (w == NULL)
        return;
    sw_flow_table_destroy(w->flows, now_us); /* emits the last flow events */
    sw_ndpi_destroy(w->ndpi);
    sw_yara_scanner_destroy(w->ys);
    sw_stream_ctx_destroy(w->streams);
    sw_free(w);
}

/* Stream events this packet raised (bits of enum sw_stream_event): each counted, and an
 * anomaly event (type "stream", Suricata's stream.* name) while the rate allows. */
static void
stream_anomalies(struct sw_net_worker *w, const struct sw_packet *p, unsigned evs)
{
    for (unsigned i = 0; i < SW_STREAM_EV_MAX; i++) {
        struct sw_event *ev;

        if ((evs & (1u << i)) == 0 || !anomaly_allowed(w, p->ts_us))
            continue;
        ev = sw_event_create(SW_EV_ANOMALY, p->ts_us);
        if (ev == NULL) {
            w->st.event_drops++;
            continue;
        }
        ev->u.anomaly.type = "stream";
        ev->u.anomaly.event = sw_stream_event_name((enum sw_stream_event)i);
        ev->u.anomaly.has_tuple = true;
        ev->flow.ip_version = p->ip_version;
        ev->flow.proto = p->l4_proto;
        memcpy(ev->flow.src, p->src, 16);
        memcpy(ev->flow.dst, p->dst, 16);
        ev->flow.sport = p->sport;
        ev->flow.dport = p->dport;
        ev->flow.vlan_count = p->vlan_count;
        memcpy(ev->flow.vlan, p->vlan, sizeof(ev->flow.vlan));
        sw_emit(w->em, ev);
    }
}

void
sw_net_worker_packet(struct sw_net_worker *w, const struct sw_packet *p)
{
    struct sw_flow *f;
    bool to_server;
    uint64_t fresh;

    w->st.pkts++;
    w->st.bytes += p->wirelen;
    f = sw_flow_get(w->flows, p, &to_server);
    if (f == NULL)
        return; /* counted by the table */
    if (f->counts.pkts_toserver + f->counts.pkts_toclient == 1 && w->rcfg->eve.community_id) {
        const struct sw_flow_ref *r = &f->ref;
        bool icmp = r->proto == 1 || r->proto == 58;

        sw_community_id((uint16_t)w->rcfg->eve.community_id_seed, r->ip_version, r->src, r->dst,
                        r->proto, icmp ? r->icmp_type : r->sport, icmp ? r->icmp_code : r->dport,
                        true, f->ref.community_id, sizeof(f->ref.community_id));
    }
    fresh = sw_ndpi_process(w->ndpi, f, p);
    if (fresh != 0)
        sw_det_ndpi_risk_inspect(w->risk, f, &f->ndpi, fresh, p->ts_us, !to_server, w->em,
                                 &w->st);
    if (w->streams != NULL && p->l4_proto == 6) {
        enum sw_stream_dir dir = to_server ? SW_STREAM_TO_SERVER : SW_STREAM_TO_CLIENT;
        uint64_t depth = w->cfg->network.stream.depth;
        struct sw_stream *s;
        unsigned full, evs;
        int64_t held;

        /* Decided before a packet that may take its direction past the depth ... */
        held = undecided_len(f, dir);
        if (held >= 0 && !f->detection_done && (uint64_t)held + p->payload_len >= depth) {
            struct sw_stream_info pkt = {.data = p->data + p->payload_off,
                                         .len = p->payload_len};

            if (p->payload_off > p->caplen || pkt.len > p->caplen - p->payload_off)
                pkt.len = 0; /* as sw_stream_packet: never read past the frame */

            http_decide(w, f, &pkt, to_server);
        }
        s = f->stream;
        full = sw_stream_packet(w->streams, &s, p, to_server);
        f->stream = s;
        evs = sw_stream_events_take(s);
        if (evs != 0)
            stream_anomalies(w, p, evs);
        /* ... or once nDPI has decided, or close to the depth with bytes to look at. */
        held = undecided_len(f, dir);
        if (held >= 0 && (f->detection_done || full != 0 ||
                          (held > 0 && (uint64_t)held + HTTP_DECIDE_MARGIN >= depth)))
            http_decide(w, f, NULL, false);
        /* A direction at the depth gets nothing more: scan it now and free its bytes. */
        if (full & SW_STREAM_FULL_TS)
            stream_scan(w, f, SW_STREAM_TO_SERVER, p->ts_us);
        if (full & SW_STREAM_FULL_TC)
            stream_scan(w, f, SW_STREAM_TO_CLIENT, p->ts_us);
    }
}

void
sw_net_worker_flush(struct sw_net_worker *w, uint64_t now_us)
{
    sw_flow_table_flush(w->flows, now_us);
}

void
sw_net_worker_tick(struct sw_net_worker *w, uint64_t now_us)
{
    sw_flow_expire(w->flows, now_us);
}

void
sw_net_worker_stats(const struct sw_net_worker *w, struct sw_worker_stats *out)
{
    *out = w->st;
    sw_flow_stats(w->flows, out);
    sw_ndpi_stats(w->ndpi, out);
    if (w->streams != NULL) {
        struct sw_stream_stats ss;

        sw_stream_stats(w->streams, &ss);
        out->stream_reassembly_memuse = ss.reassembly_memuse;
        out->stream_segments = ss.segments;
        out->stream_overlaps = ss.overlaps;
        out->stream_overlap_conflicts = ss.overlap_conflicts;
        out->stream_gaps = ss.gaps;
        out->stream_depth_reached = ss.depth_reached;
        out->stream_memcap_drops = ss.memcap_drops;
        out->stream_3whs_syn_resend_diff_seq = ss.events[SW_STREAM_EV_SYN_RESEND_DIFF_SEQ];
        out->stream_3whs_syn_flood = ss.events[SW_STREAM_EV_SYN_FLOOD];
        out->stream_3whs_syn_resend_diff_seq_on_syn_recv =
            ss.events[SW_STREAM_EV_SYN_DIFF_SEQ_ON_SYN_RECV];
        out->stream_3whs_synack_with_wrong_ack = ss.events[SW_STREAM_EV_SYNACK_WRONG_ACK];
        out->stream_3whs_synack_resend_with_diff_ack = ss.events[SW_STREAM_EV_SYNACK_DIFF_ACK];
        out->stream_3whs_synack_flood = ss.events[SW_STREAM_EV_SYNACK_FLOOD];
        out->http_truncated = w->http_st.truncated;
        out->http_parse_errors =
            w->http_st.parse_errors + w->http_st.not_http + w->http_st.header_limit;
        out->http_nomem = w->http_st.nomem;
    }
}

enum sw_rc
sw_net_worker_set_detection(struct sw_net_worker *w, const struct sw_net_detection *det,
                            struct sw_err *err)
{
    const struct sw_yara_rules *rules = det->rules;
    struct sw_yara_scanner *ys = NULL;

    /* Build everything first: a failure leaves the worker exactly as it was. */
    if (rules != NULL) {
        ys = scanner_create(w, rules, err);
        if (ys == NULL)
            return err->code;
    }
    if (rules != NULL && w->streams == NULL) {
        /* The first rules of a worker that started without any: reassemble from now on
         * (flows already open stay without a stream). */
        struct sw_stream_cfg sc = {
            .depth = w->cfg->network.stream.depth,
            .memcap = w->cfg->network.stream.memcap / w->n_workers,
            .app = &http_app,
        };

        w->streams = sw_stream_ctx_create(&sc, err);
        if (w->streams == NULL) {
            sw_yara_scanner_destroy(ys);
            return err->code;
        }
    }
    /* Streams in flight are scanned with the new rules when they end; without rules the
     * worker keeps reassembling for HTTP bodies (network.http.bodies) but scans nothing, and
     * new non-HTTP streams are released as soon as nDPI decides. */
    sw_yara_scanner_destroy(w->ys);
    w->ys = ys;
    w->risk = det->risk;
    w->rcfg = det->cfg;
    return SW_OK;
}
