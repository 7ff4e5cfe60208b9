/* net_worker.c - a network worker's packet path (see include/sw/net_worker.h): flows, nDPI,
 * TCP reassembly, and the detection stage's packet, stream and flow-end hooks. The
 * application-layer parsers behind the stream and their transactions are in net_app.c.
 *
 * Detection is the stage's (rules/detect.c): this file knows no detector. It builds a
 * subject only for a hook the installed set inspects, and keeps a TCP direction's bytes
 * (for the whole-stream hook) only when the set asks for them. */
#include "sw/net_worker.h"

#include <string.h>

#include "net_worker_int.h"
#include "sw/alloc.h"
#include "sw/community_id.h"
#include "sw/flow.h"
#include "sw/ndpi.h"
#include "sw/stream.h"

/* Scans and systemd's watchdog (issue 9, item 7): a detector's long piece of work (a YARA
 * scan) runs on the worker thread and cannot hand control back midway, so it stops at a time
 * limit that the pipeline keeps below the daemon's progress-check interval (struct
 * sw_net_watch, passed to the stage), and progress is counted after each one. */

static bool
established(const struct sw_flow *f)
{
    return f->state != SW_STATE_NEW && f->counts.pkts_toserver > 0 && f->counts.pkts_toclient > 0;
}

void
sw_net_subject_init(const struct sw_net_worker *w, const struct sw_flow *f, struct sw_subject *s,
                    enum sw_hook hook, enum sw_dir dir, uint64_t ts_us, const struct sw_packet *p)
{
    (void)w;
    memset(s, 0, sizeof(*s));
    s->hook = hook;
    s->ts_us = ts_us;
    s->dir = dir;
    s->flow = &f->ref;
    s->counts = &f->counts;
    s->ndpi = &f->ndpi;
    s->state = f->state;
    if (established(f))
        s->flags |= SW_SUBJ_ESTABLISHED;
    if (f->detection_done)
        s->flags |= SW_SUBJ_NDPI_DONE;
    s->pkt = p;
}

void
sw_net_detect(struct sw_net_worker *w, struct sw_flow *f, struct sw_subject *s)
{
    if (sw_detect_run(w->dt, s, &f->det) > 0)
        f->alerted = true;
}

/* Count one anomaly and say whether it may become an event: at most eve.anomaly_rate (the
 * reloadable value) per second of capture time per worker, as the capture side rate-limits
 * decode anomalies; the rest are counted as anomalies_suppressed. */
bool
sw_net_anomaly_allowed(struct sw_net_worker *w, uint64_t ts_us)
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

/* One direction's reassembled bytes, once, to the whole-stream hook (when the set inspects
 * it), then freed. Alerts carry the flow as it is now; the direction is the one whose bytes
 * they are. */
static void
stream_whole(struct sw_net_worker *w, struct sw_flow *f, enum sw_stream_dir dir, uint64_t ts_us)
{
    struct sw_stream *st = f->stream;
    struct sw_stream_info si;
    struct sw_subject s;

    sw_stream_info(st, dir, &si);
    if (si.released)
        return;
    if (si.len > 0 && (w->hooks & SW_HOOK_BIT(SW_HOOK_STREAM_WHOLE)) != 0) {
        sw_net_subject_init(w, f, &s, SW_HOOK_STREAM_WHOLE,
                            dir == SW_STREAM_TO_CLIENT ? SW_DIR_TO_CLIENT : SW_DIR_TO_SERVER, ts_us,
                            w->cur_pkt);
        s.stream.data.p = si.data;
        s.stream.data.len = si.len;
        s.stream.offset = 0;
        if (si.gap)
            s.flags |= SW_SUBJ_STREAM_GAP;
        if (si.depth_reached)
            s.flags |= SW_SUBJ_TRUNCATED;
        sw_net_detect(w, f, &s);
    }
    sw_stream_release(w->streams, st, dir);
}

/* Bytes short of the depth at which the stream's consumer is decided without waiting for
 * nDPI: held segments draining when a hole fills may carry a direction past the depth at
 * once, and the bytes past it reach a parser only if it is attached by then. */
#define APP_DECIDE_MARGIN (64u * 1024u)

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

/* Flow end: the parsers' last transactions, then the whole-stream hook of both directions,
 * then the stream goes. */
static void
stream_end(struct sw_net_worker *w, struct sw_flow *f)
{
    sw_net_app_decide(w, f, NULL, false); /* nDPI decided only now: its bytes are all held */
    for (int d = SW_STREAM_TO_SERVER; d <= SW_STREAM_TO_CLIENT; d++)
        sw_stream_finish(w->streams, f->stream, (enum sw_stream_dir)d);
    sw_net_app_end(w, f);
    for (int d = SW_STREAM_TO_SERVER; d <= SW_STREAM_TO_CLIENT; d++)
        stream_whole(w, f, (enum sw_stream_dir)d, f->counts.end_us);
    sw_stream_destroy(w->streams, f->stream);
    f->stream = NULL;
}

/* Flow end: nDPI's final word and the flow-end hook (its last risks), the stream and
 * application-layer hooks that follow it, the detectors' slots, then the flow event. May
 * run in the middle of another packet (a timeout or an eviction in sw_flow_get): the
 * current packet is put aside meanwhile. */
static void
on_flow_end(void *ctx, struct sw_flow *f, enum sw_flow_reason reason)
{
    struct sw_net_worker *w = ctx;
    const struct sw_packet *pkt = w->cur_pkt;
    uint64_t now = w->cur_us;
    uint64_t fresh = sw_ndpi_flow_end(w->ndpi, f);
    struct sw_subject s;
    struct sw_event *ev;

    w->cur_pkt = NULL;
    w->cur_us = f->counts.end_us;
    if ((w->hooks & SW_HOOK_BIT(SW_HOOK_FLOW_END)) != 0) {
        sw_net_subject_init(w, f, &s, SW_HOOK_FLOW_END, SW_DIR_TO_SERVER, f->counts.end_us, NULL);
        s.risks_new = fresh;
        sw_net_detect(w, f, &s);
    }
    f->risks_alerted |= fresh;
    if (f->stream != NULL)
        stream_end(w, f); /* its alerts come before the flow event */
    else
        sw_net_app_end(w, f);
    sw_detect_flow_free(w->dt, &f->det);
    w->cur_pkt = pkt;
    w->cur_us = now;
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

/* Does the set installed need TCP reassembly, and does it keep whole directions? */
static bool
needs_streams(const struct sw_net_worker *w)
{
    unsigned tcp_events = NET_APP_HTTP_EVENTS | NET_APP_TLS_EVENTS | NET_APP_DNS_EVENTS;

    return w->http_bodies ||
           (w->hooks & (SW_HOOK_BIT(SW_HOOK_STREAM_CHUNK) | SW_HOOK_BIT(SW_HOOK_STREAM_WHOLE))) !=
               0 ||
           (w->app_events & tcp_events) != 0;
}

static struct sw_stream_ctx *
streams_create(const struct sw_net_worker *w, struct sw_err *err)
{
    struct sw_stream_cfg sc = {
        .depth = w->cfg->network.stream.depth,
        .memcap = w->cfg->network.stream.memcap / w->n_workers,
        .app = &sw_net_tcp_app,
    };

    return sw_stream_ctx_create(&sc, err);
}

/* The installed set's masks, read on every packet. */
static void
set_masks(struct sw_net_worker *w, const struct sw_detect *det)
{
    w->hooks = sw_detect_hooks(det);
    w->app_events = sw_detect_app_events(det);
    w->rcfg = sw_detect_cfg(det);
    /* Suricata rules are what the stream-chunk hook and TLS transactions serve */
    w->tls_track = w->cfg->network.app.tls.encryption_handling == SW_TLS_ENC_TRACK_ONLY &&
                   ((w->hooks & SW_HOOK_BIT(SW_HOOK_STREAM_CHUNK)) != 0 ||
                    (w->app_events & NET_APP_TLS_EVENTS) != 0);
}

struct sw_net_worker *
sw_net_worker_create(const struct sw_config *cfg, unsigned index, unsigned n_workers,
                     const struct sw_hash_key *hash_key, const struct sw_detect *det,
                     const struct sw_net_watch *watch, struct sw_emitter *em, struct sw_err *err)
{
    struct sw_net_worker *w = sw_calloc(1, sizeof(*w));
    struct sw_detect_thread_opts topt = {.scan_timeout_s = 0, .progress = NULL};
    struct sw_flow_cfg fc;
    struct sw_ndpi *ahead = watch != NULL ? watch->ndpi : NULL; /* taken */

    (void)index;
    if (w == NULL) {
        sw_ndpi_destroy(ahead);
        sw_err_set(err, SW_ENOMEM, "worker: out of memory");
        return NULL;
    }
    w->cfg = cfg;
    w->em = em;
    w->n_workers = n_workers ? n_workers : 1;
    set_masks(w, det);
    if (watch != NULL) {
        topt.scan_timeout_s = watch->scan_timeout_s;
        topt.progress = watch->progress;
    }
    if (topt.scan_timeout_s == 0)
        topt.scan_timeout_s = SW_NET_SCAN_TIMEOUT_S;
    sw_dns_cfg_defaults(&w->dns_cfg);
    w->dns_cfg.max_queries = cfg->network.app.dns.max_queries;
    w->dns_cfg.max_records = cfg->network.app.dns.max_records;
    w->dns_cfg.max_name_len = cfg->network.app.dns.max_name_len;
    w->dns_cfg.max_pointers = cfg->network.app.dns.max_pointers;
    w->dns_cfg.max_text = cfg->network.app.dns.max_text;
    w->dns_cfg.max_tcp_message = cfg->network.app.dns.max_tcp_message;
    sw_tls_cfg_defaults(&w->tls_cfg);
    w->tls_cfg.max_handshake = cfg->network.app.tls.max_handshake;
    w->tls_cfg.max_name = cfg->network.app.tls.max_name;
    memset(&fc, 0, sizeof(fc));
    /* Each worker gets an equal share; hashing spreads flows evenly enough for that. */
    fc.max_flows = cfg->network.max_flows / w->n_workers;
    if (fc.max_flows == 0)
        fc.max_flows = 1;
    fc.timeout_us[SW_TC_TCP_NEW] = cfg->network.timeouts.tcp_new;
    fc.timeout_us[SW_TC_TCP_ESTABLISHED] = cfg->network.timeouts.tcp_established;
    fc.timeout_us[SW_TC_TCP_CLOSED] = cfg->network.timeouts.tcp_closed;
    fc.timeout_us[SW_TC_UDP] = cfg->network.timeouts.udp;
    fc.timeout_us[SW_TC_ICMP] = cfg->network.timeouts.icmp;
    fc.timeout_us[SW_TC_OTHER] = cfg->network.timeouts.other;
    fc.community_id = w->rcfg->eve.community_id;
    fc.community_id_seed = (uint16_t)w->rcfg->eve.community_id_seed;
    fc.hash_key = *hash_key;
    w->ndpi = ahead != NULL ? ahead : sw_ndpi_create(cfg, err);
    if (w->ndpi == NULL)
        goto fail;
    w->http_bodies = cfg->network.http.bodies;
    w->dt = sw_detect_thread_create(det, &topt, em, err);
    if (w->dt == NULL)
        goto fail;
    if (needs_streams(w)) {
        w->streams = streams_create(w, err);
        if (w->streams == NULL)
            goto fail;
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
    /* Emits the last flow events: the stage is still there for their flow-end hooks. */
    sw_flow_table_destroy(w->flows, now_us);
    sw_ndpi_destroy(w->ndpi);
    sw_stream_ctx_destroy(w->streams);
    sw_dns_parser_destroy(w->dns);
    sw_detect_thread_destroy(w->dt);
    sw_free(w);
}

void
sw_net_worker_anomaly_tuple(struct sw_event *ev, const struct sw_packet *p)
{
    ev->u.anomaly.has_tuple = true;
    ev->flow.ip_version = p->ip_version;
    ev->flow.proto = p->l4_proto;
    memcpy(ev->flow.src, p->src, sizeof(ev->flow.src));
    memcpy(ev->flow.dst, p->dst, sizeof(ev->flow.dst));
    ev->flow.sport = p->sport;
    ev->flow.dport = p->dport;
    ev->flow.vlan_count = p->vlan_count;
    memcpy(ev->flow.vlan, p->vlan, sizeof(ev->flow.vlan));
}

/* Stream events this packet raised (bits of enum sw_stream_event): each counted, and an
 * anomaly event (type "stream", Suricata's stream.* name) while the rate allows. */
static void
stream_anomalies(struct sw_net_worker *w, const struct sw_packet *p, unsigned evs)
{
    for (unsigned i = 0; i < SW_STREAM_EV_MAX; i++) {
        struct sw_event *ev;

        if ((evs & (1u << i)) == 0 || !sw_net_anomaly_allowed(w, p->ts_us))
            continue;
        ev = sw_event_create(SW_EV_ANOMALY, p->ts_us);
        if (ev == NULL) {
            w->st.event_drops++;
            continue;
        }
        ev->u.anomaly.type = "stream";
        ev->u.anomaly.event = sw_stream_event_name((enum sw_stream_event)i);
        sw_net_worker_anomaly_tuple(ev, p);
        sw_emit(w->em, ev);
    }
}

/* The packet's L4 payload, never past what was captured. */
static struct sw_span
payload_of(const struct sw_packet *p)
{
    struct sw_span sp = {.p = p->data + p->payload_off, .len = p->payload_len};

    if (p->payload_off > p->caplen || sp.len > p->caplen - p->payload_off)
        sp.len = 0;
    if (sp.len == 0)
        sp.p = NULL;
    return sp;
}

/* A TCP packet into its flow's stream: the consumer decided in time, stream-chunk and
 * application hooks from inside the stream module, and a direction at the depth handed to
 * the whole-stream hook and freed. */
static void
tcp_stream(struct sw_net_worker *w, struct sw_flow *f, const struct sw_packet *p, bool to_server)
{
    enum sw_stream_dir dir = to_server ? SW_STREAM_TO_SERVER : SW_STREAM_TO_CLIENT;
    uint64_t depth = w->cfg->network.stream.depth;
    struct sw_stream *s;
    unsigned full, evs;
    int64_t held;

    /* Decided before a packet that may take its direction past the depth ... */
    held = undecided_len(f, dir);
    if (held >= 0 && !f->detection_done && (uint64_t)held + p->payload_len >= depth) {
        struct sw_span pl = payload_of(p);
        struct sw_stream_info pkt = {.data = pl.p, .len = pl.len};

        sw_net_app_decide(w, f, &pkt, to_server);
    }
    s = f->stream;
    full = sw_stream_packet(w->streams, &s, p, to_server);
    f->stream = s;
    evs = sw_stream_events_take(s);
    if (evs != 0)
        stream_anomalies(w, p, evs);
    /* ... or once nDPI has decided, close to the depth with bytes to look at, or as soon as
     * the bytes say so (a parser the set wants). */
    held = undecided_len(f, dir);
    if (held >= 0 && (f->detection_done || full != 0 ||
                      (held > 0 && (uint64_t)held + APP_DECIDE_MARGIN >= depth)))
        sw_net_app_decide(w, f, NULL, false);
    else if (held > 0)
        sw_net_app_decide_early(w, f);
    /* A direction at the depth gets nothing more: inspect it now and free its bytes. */
    if (full & SW_STREAM_FULL_TS)
        stream_whole(w, f, SW_STREAM_TO_SERVER, p->ts_us);
    if (full & SW_STREAM_FULL_TC)
        stream_whole(w, f, SW_STREAM_TO_CLIENT, p->ts_us);
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
    w->cur_pkt = p;
    w->cur_us = p->ts_us;
    if (f->counts.pkts_toserver + f->counts.pkts_toclient == 1 && w->rcfg->eve.community_id) {
        const struct sw_flow_ref *r = &f->ref;
        bool icmp = r->proto == 1 || r->proto == 58;

        sw_community_id((uint16_t)w->rcfg->eve.community_id_seed, r->ip_version, r->src, r->dst,
                        r->proto, icmp ? r->icmp_type : r->sport, icmp ? r->icmp_code : r->dport,
                        true, f->ref.community_id, sizeof(f->ref.community_id));
    }
    fresh = sw_ndpi_process(w->ndpi, f, p);
    if ((w->hooks & SW_HOOK_BIT(SW_HOOK_PACKET)) != 0) {
        struct sw_subject s;

        sw_net_subject_init(w, f, &s, SW_HOOK_PACKET,
                            to_server ? SW_DIR_TO_SERVER : SW_DIR_TO_CLIENT, p->ts_us, p);
        s.risks_new = fresh;
        s.payload = payload_of(p);
        /* the packet that brings the first TLS application data record is still inspected
         * whole: its bytes reach the parser after this hook (see net_app.c, tcp_data) */
        if (f->app != NULL && ((const struct net_app *)f->app)->no_payload)
            s.flags |= SW_SUBJ_NO_PAYLOAD;
        sw_net_detect(w, f, &s);
    }
    f->risks_alerted |= fresh; /* reported (or excepted) once */
    if (w->streams != NULL && p->l4_proto == 6)
        tcp_stream(w, f, p, to_server);
    else if (p->l4_proto == 17 && w->app_events != 0)
        sw_net_app_udp(w, f, p, to_server);
    w->cur_pkt = NULL;
}

void
sw_net_worker_flush(struct sw_net_worker *w, uint64_t now_us)
{
    sw_flow_table_flush(w->flows, now_us);
}

void
sw_net_worker_tick(struct sw_net_worker *w, uint64_t now_us)
{
    w->cur_us = now_us;
    sw_flow_expire(w->flows, now_us);
}

void
sw_net_worker_profile(const struct sw_net_worker *w, sw_rule_prof_fn fn, void *ctx)
{
    if (w->dt != NULL)
        sw_detect_thread_profile(w->dt, fn, ctx);
}

void
sw_net_worker_stats(const struct sw_net_worker *w, struct sw_worker_stats *out)
{
    *out = w->st;
    sw_flow_stats(w->flows, out);
    sw_ndpi_stats(w->ndpi, out);
    sw_detect_thread_stats(w->dt, out);
    sw_net_app_stats(w, out);
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
sw_net_worker_set_detection(struct sw_net_worker *w, const struct sw_detect *det,
                            struct sw_err *err)
{
    struct sw_net_worker probe = *w;
    struct sw_stream_ctx *streams = NULL;

    /* Build everything first: a failure leaves the worker exactly as it was. */
    set_masks(&probe, det);
    if (w->streams == NULL && needs_streams(&probe)) {
        /* The first set that needs reassembly: from now on (flows already open stay
         * without a stream). */
        streams = streams_create(w, err);
        if (streams == NULL)
            return err->code;
    }
    if (sw_detect_thread_install(w->dt, det, err) != SW_OK) {
        sw_stream_ctx_destroy(streams);
        return err->code;
    }
    if (streams != NULL)
        w->streams = streams;
    /* Streams in flight get the new set's hooks from now on; without whole-stream hooks,
     * new streams that no parser wants are released as soon as their consumer is decided. */
    set_masks(w, det);
    return SW_OK;
}
