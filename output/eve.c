/* eve.c - EVE JSON encoding (see include/sw/eve.h).
 *
 * Field names follow Suricata 8's EVE schema (etc/schema.json) so that SIEM parsers built
 * for Suricata read seawall unchanged; seawall-only data goes into the top-level "seawall"
 * object. Values are set with json_object_set_new_nocheck() on fresh values and the root is
 * released once. Absent values are left out, never written empty. */
#include "sw/eve.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "eve_parts.h"
#include "sw/alloc.h"
#include "sw/stats.h"

#include "eve_int.h"

/* The date part changes once a second while events come by the thousand: remember the last
 * one formatted (per thread, so encoders on several threads never share it). */
static _Thread_local struct {
    uint64_t secs;
    size_t len;
    char text[24];
} time_cache = {UINT64_MAX, 0, ""};

/* 9999-12-31T23:59:59: later times (a pcapng can carry them) are written as this one, so
 * the text always fits its 32 bytes. */
#define EVE_MAX_SECS 253402300799ULL

void
sw_eve_time(uint64_t ts_us, char *buf, size_t buflen)
{
    uint64_t secs = ts_us / 1000000u;

    if (secs > EVE_MAX_SECS) {
        secs = EVE_MAX_SECS;
        ts_us = secs * 1000000u + 999999u;
    }
    unsigned us = (unsigned)(ts_us % 1000000u);

    if (secs != time_cache.secs) {
        time_t t = (time_t)secs;
        struct tm tm;

        gmtime_r(&t, &tm);
        time_cache.len = strftime(time_cache.text, sizeof(time_cache.text), "%Y-%m-%dT%H:%M:%S",
                                  &tm);
        time_cache.secs = secs;
    }
    if (buflen < time_cache.len + 13)
        return;
    memcpy(buf, time_cache.text, time_cache.len);
    /* ".uuuuuu+0000" without printf: this runs three times per flow event. */
    char *p = buf + time_cache.len;
    p[0] = '.';
    for (int i = 6; i >= 1; i--, us /= 10)
        p[i] = (char)('0' + us % 10);
    memcpy(p + 7, "+0000", 6);
}



/* Suricata's decoder.event.<layer>.<name>: split "ipv4.trunc_pkt" at the first dot. Events
 * Suricata does not have go to the same shape under seawall.decoder_event. The names come
 * with the snapshot (the decoder's static tables). */
static void
decoder_events_json(json_t *decoder, json_t *sw, const struct sw_stats_snap *s)
{
    const struct sw_decode_stats *d = &s->decoder;
    json_t *evs = json_object(), *own = json_object();

    for (int i = 1; i < SW_DEV_MAX && s->decoder_event_names != NULL; i++) {
        const char *name = s->decoder_event_names[i];
        const char *dot = name != NULL ? strchr(name, '.') : NULL;
        char layer[32];
        json_t *l;

        if (dot == NULL || (size_t)(dot - name) >= sizeof(layer))
            continue;
        memcpy(layer, name, (size_t)(dot - name));
        layer[dot - name] = '\0';
        bool suricata = s->decoder_event_seawall_only == NULL || !s->decoder_event_seawall_only[i];
        json_t *into = suricata ? evs : own;
        l = json_object_get(into, layer);
        if (l == NULL) {
            l = json_object();
            json_object_set_new_nocheck(into, layer, l);
        }
        set_int(l, dot + 1, d->events[i]);
    }
    json_object_set_new_nocheck(decoder, "event", evs);
    json_object_set_new_nocheck(sw, "decoder_event", own);
}

static json_t *
decoder_json(const struct sw_stats_snap *s, json_t *sw)
{
    const struct sw_decode_stats *d = &s->decoder;
    json_t *o = json_object();

    set_int(o, "pkts", d->pkts);
    set_int(o, "bytes", d->bytes);
    set_int(o, "invalid", d->invalid);
    set_int(o, "ipv4", d->ipv4);
    set_int(o, "ipv6", d->ipv6);
    set_int(o, "ethernet", d->ethernet);
    set_int(o, "sll", d->sll);
    set_int(o, "null", d->null);
    set_int(o, "ppp", d->ppp);
    set_int(o, "raw", d->raw);
    set_int(o, "tcp", d->tcp);
    set_int(o, "udp", d->udp);
    set_int(o, "sctp", d->sctp);
    set_int(o, "icmpv4", d->icmpv4);
    set_int(o, "icmpv6", d->icmpv6);
    set_int(o, "gre", d->gre);
    set_int(o, "vlan", d->vlan);
    set_int(o, "vlan_qinq", d->vlan_qinq);
    set_int(o, "vxlan", d->vxlan);
    set_int(o, "geneve", d->geneve);
    set_int(o, "mpls", d->mpls);
    set_int(o, "pppoe", d->pppoe);
    set_int(o, "ipv4_in_ipv4", d->ipv4_in_ipv4);
    set_int(o, "ipv6_in_ipv4", d->ipv6_in_ipv4);
    set_int(o, "ipv4_in_ipv6", d->ipv4_in_ipv6);
    set_int(o, "ipv6_in_ipv6", d->ipv6_in_ipv6);
    set_int(o, "avg_pkt_size", d->pkts ? d->bytes / d->pkts : 0);
    decoder_events_json(o, sw, s);
    return o;
}

static json_t *
flow_stats_json(const struct sw_worker_stats *w)
{
    json_t *o = json_object();

    set_int(o, "total", w->flows_created);
    set_int(o, "active", w->flows_active);
    set_int(o, "tcp", w->flows_tcp);
    set_int(o, "udp", w->flows_udp);
    set_int(o, "icmpv4", w->flows_icmp);
    set_int(o, "memuse", w->flow_memuse);
    return o;
}

/* A counter of a stats struct, by its EVE name and where it is: the seawall-only sections are
 * tables, written in this order. */
struct counter {
    const char *name;
    size_t off;
};
#define WC(name, field) {name, offsetof(struct sw_worker_stats, field)}

static json_t *
counters_json(const void *base, const struct counter *c, size_t n)
{
    json_t *o = json_object();

    for (size_t i = 0; i < n; i++)
        set_int(o, c[i].name, *(const uint64_t *)(const void *)((const char *)base + c[i].off));
    return o;
}

/* seawall-only TCP reassembly counters (stats: seawall.stream). */
static const struct counter stream_counters[] = {
    WC("reassembly_memuse", stream_reassembly_memuse),
    WC("segments", stream_segments),
    WC("overlaps", stream_overlaps),
    WC("overlap_conflicts", stream_overlap_conflicts),
    WC("gaps", stream_gaps),
    WC("depth_reached", stream_depth_reached),
    WC("memcap_drops", stream_memcap_drops),
    WC("3whs_syn_resend_diff_seq", stream_3whs_syn_resend_diff_seq),
    WC("3whs_syn_flood", stream_3whs_syn_flood),
    WC("3whs_syn_resend_diff_seq_on_syn_recv", stream_3whs_syn_resend_diff_seq_on_syn_recv),
    WC("3whs_synack_with_wrong_ack", stream_3whs_synack_with_wrong_ack),
    WC("3whs_synack_resend_with_diff_ack", stream_3whs_synack_resend_with_diff_ack),
    WC("3whs_synack_flood", stream_3whs_synack_flood),
    WC("scans", stream_scans),
    WC("scan_errors", stream_scan_errors),
    WC("scan_timeouts", stream_scan_timeouts),
    WC("http_bodies", http_bodies),
    WC("http_truncated", http_truncated),
    WC("http_parse_errors", http_parse_errors),
    WC("http_nomem", http_nomem),
};

/* seawall-only application-layer parser counters (stats: seawall.app). */
static const struct counter app_counters[] = {
    WC("dns_messages", dns_messages),
    WC("dns_malformed", dns_malformed),
    WC("dns_truncated", dns_truncated),
    WC("dns_tcp_skipped", dns_tcp_skipped),
    WC("dns_tcp_gaps", dns_tcp_gaps),
    WC("tls_client_hellos", tls_client_hellos),
    WC("tls_server_hellos", tls_server_hellos),
    WC("tls_certificates", tls_certificates),
    WC("tls_not_tls", tls_not_tls),
    WC("tls_malformed", tls_malformed),
    WC("tls_too_large", tls_too_large),
    WC("tls_names_cut", tls_names_cut),
    WC("nomem", app_nomem),
};

/* seawall-only worker counters. */
static const struct counter worker_counters[] = {
    WC("pkts", pkts),
    WC("bytes", bytes),
    WC("flows_ended", flows_ended),
    WC("flows_timeout", flows_timeout),
    WC("flows_evicted", flows_evicted),
    WC("flows_shutdown", flows_shutdown),
    WC("flows_other", flows_other),
    WC("flow_memcap_drops", flow_memcap_drops),
    WC("ndpi_pkts", ndpi_pkts),
    WC("ndpi_detected", ndpi_detected),
    WC("ndpi_guessed", ndpi_guessed),
    WC("ndpi_unknown", ndpi_unknown),
    WC("ndpi_alloc_fail", ndpi_alloc_fail),
    WC("alerts_suppressed", alerts_suppressed),
    WC("anomalies", anomalies),
    WC("anomalies_suppressed", anomalies_suppressed),
    WC("event_drops", event_drops),
};

/* Per-sink delivery counters (stats: seawall.output.sinks[]; the same in seawall status). */
#define SC(name, field) {name, offsetof(struct sw_sink_stats, field)}
static const struct counter sink_counters[] = {
    SC("queued", queued),
    SC("sent", sent),
    SC("acked", acked),
    SC("retried", retried),
    SC("failed", failed),
    SC("duplicates_possible", duplicates_possible),
    SC("spooled_events", spooled_events),
    SC("spooled_bytes", spooled_bytes),
    SC("spool_oldest_age", spool_oldest_age),
    SC("dropped_policy", dropped_policy),
    SC("truncated", truncated),
    SC("spool_errors", spool_errors),
};

/* seawall-only capture-side counters (stats: seawall.capture). */
#define CC(name, field) {name, offsetof(struct sw_capture_stats, field)}
static const struct counter capture_counters[] = {
    CC("files", files),
    CC("files_failed", files_failed),
    CC("truncated_files", truncated_files),
    CC("unsupported_linktype", unsupported_linktype),
    CC("pkts", pkts),
    CC("bytes", bytes),
};

/* seawall-only fragment reassembly counters (stats: seawall.defrag). */
#define DC(name, field) {name, offsetof(struct sw_defrag_stats, field)}
static const struct counter defrag_counters[] = {
    DC("timeouts", timeouts),
    DC("memcap_drops", memcap_drops),
    DC("overlaps", overlaps),
    DC("overlap_conflicts", overlap_conflicts),
    DC("invalid", invalid),
};

#define COUNTERS(base, table) counters_json((base), (table), sizeof(table) / sizeof((table)[0]))

static json_t *
stream_stats_json(const struct sw_worker_stats *w)
{
    return COUNTERS(w, stream_counters);
}

static json_t *
worker_extra_json(const struct sw_worker_stats *w)
{
    return COUNTERS(w, worker_counters);
}

/* A worker under stats.threads: Suricata's sections only, since Suricata's schema gives a
 * thread the shape of the stats object, which admits no new key; its seawall-only counters go
 * under the top-level seawall.threads (issue 9, item 13). */
static json_t *
worker_json(const struct sw_worker_stats *w)
{
    json_t *o = json_object();
    json_t *detect = json_object();

    json_object_set_new_nocheck(o, "flow", flow_stats_json(w));
    set_int(detect, "alert", w->alerts);
    json_object_set_new_nocheck(o, "detect", detect);
    return o;
}

static json_t *
stats_json(const struct sw_stats_snap *s, json_t *root)
{
    json_t *o = json_object();
    json_t *defrag = json_object(), *v4 = json_object(), *v6 = json_object();
    json_t *detect = json_object(), *sw = json_object();

    set_int(o, "uptime", s->uptime_us / 1000000u);
    if (s->n_ifaces > 0) {
        /* Live capture: Suricata's kernel counters summed over interfaces, and each
         * interface under seawall.interfaces. */
        json_t *kc = json_object(), *ifs = json_array();
        uint64_t recv = 0, drops = 0, ifdrops = 0, errors = 0;

        for (unsigned i = 0; i < s->n_ifaces; i++) {
            const struct sw_iface_stats *f = &s->iface[i];
            json_t *io = json_object();

            recv += f->received;
            drops += f->kernel_drops;
            ifdrops += f->if_drops;
            errors += f->errors;
            set_str(io, "name", f->name);
            set_int(io, "received", f->received);
            set_int(io, "kernel_drops", f->kernel_drops);
            set_int(io, "if_drops", f->if_drops);
            set_int(io, "ring_drops", f->ring_drops);
            set_int(io, "pkts", f->pkts);
            set_int(io, "bytes", f->bytes);
            set_int(io, "errors", f->errors);
            set_int(io, "decode_errors", f->decode_errors);
            json_array_append_new(ifs, io);
        }
        set_int(kc, "kernel_packets", recv);
        set_int(kc, "kernel_drops", drops);
        set_int(kc, "kernel_ifdrops", ifdrops);
        set_int(kc, "errors", errors);
        json_object_set_new_nocheck(o, "capture", kc);
        json_object_set_new_nocheck(sw, "interfaces", ifs);
    }
    json_object_set_new_nocheck(o, "decoder", decoder_json(s, sw));
    json_object_set_new_nocheck(o, "flow", flow_stats_json(&s->total));
    set_int(v4, "fragments", s->defrag.ipv4_fragments);
    set_int(v4, "reassembled", s->defrag.ipv4_reassembled);
    set_int(v6, "fragments", s->defrag.ipv6_fragments);
    set_int(v6, "reassembled", s->defrag.ipv6_reassembled);
    json_object_set_new_nocheck(defrag, "ipv4", v4);
    json_object_set_new_nocheck(defrag, "ipv6", v6);
    set_int(defrag, "max_trackers_reached", s->defrag.memcap_drops);
    set_int(defrag, "memuse", s->defrag.memuse);
    json_object_set_new_nocheck(o, "defrag", defrag);
    set_int(detect, "alert", s->total.alerts);
    set_int(detect, "alerts_suppressed", s->total.alerts_suppressed);
    json_object_set_new_nocheck(o, "detect", detect);
    if (s->n_workers > 1) {
        /* Suricata writes per-thread counters under stats.threads when asked to; the same
         * thread names key the seawall-only ones in seawall.threads. */
        json_t *th = json_object(), *swth = json_object();

        for (unsigned i = 0; i < s->n_workers; i++) {
            char name[32];

            snprintf(name, sizeof(name), "W#%02u", i + 1);
            json_object_set_new_nocheck(th, name, worker_json(&s->worker[i]));
            json_object_set_new_nocheck(swth, name, worker_extra_json(&s->worker[i]));
        }
        json_object_set_new_nocheck(o, "threads", th);
        json_object_set_new_nocheck(sw, "threads", swth);
    }
    /* seawall-only counters. */
    json_object_set_new_nocheck(sw, "capture", COUNTERS(&s->capture, capture_counters));
    json_object_set_new_nocheck(sw, "worker", worker_extra_json(&s->total));
    json_object_set_new_nocheck(sw, "defrag", COUNTERS(&s->defrag, defrag_counters));
    json_object_set_new_nocheck(sw, "stream", stream_stats_json(&s->total));
    json_object_set_new_nocheck(sw, "app", COUNTERS(&s->total, app_counters));
    json_t *out = json_object();
    set_int(out, "events", s->output_events);
    set_int(out, "drops", s->output_drops);
    if (s->n_ifaces > 0) { /* live: the queue to the output thread and each sink */
        json_t *sinks = json_array();

        set_int(out, "queued", s->output_queued);
        for (unsigned i = 0; i < s->n_sinks; i++) {
            const struct sw_sink_stats *k = &s->sink[i];
            json_t *so = COUNTERS(k, sink_counters);
            char when[32];

            set_str(so, "name", k->name);
            if (k->last_error[0] == '\0')
                json_object_set_new_nocheck(so, "last_error", json_string(""));
            else
                set_str(so, "last_error", k->last_error);
            if (k->last_error_time != 0) {
                sw_eve_time(k->last_error_time, when, sizeof(when));
                set_str(so, "last_error_time", when);
            } else {
                json_object_set_new_nocheck(so, "last_error_time", json_null());
            }
            json_array_append_new(sinks, so);
        }
        json_object_set_new_nocheck(out, "sinks", sinks);
    }
    json_object_set_new_nocheck(sw, "output", out);
    set_int(sw, "not_ip", s->decoder.not_ip);
    set_int(sw, "fabricpath", s->decoder.fabricpath); /* Suricata counts these as ethernet */
    json_object_set_new_nocheck(root, "seawall", sw);
    return o;
}

static json_t *
eve_tree(const struct sw_eve_cfg *cfg, const struct sw_event *ev);

/* --- files on disk (seawall scan): fileinfo, file, yara and seawall.scan ------------------ */

static json_t *
fileinfo_json(const struct sw_file_part *f)
{
    json_t *o = json_object();

    if (f->has_http) { /* a body off the wire: Suricata's fields for a file of a flow */
        set_str(o, "filename", f->path);
        set_str(o, "magic", f->magic);
        json_object_set_new_nocheck(o, "gaps", json_boolean(f->gaps));
        /* Suricata's file states; ERROR: a content coding did not decode (the bytes are as
         * they came; seawall.http_body.decode_error names the coding) */
        set_str(o, "state", f->decode_error ? "ERROR" : f->truncated ? "TRUNCATED" : "CLOSED");
        set_str(o, "sha256", f->sha256);
        json_object_set_new_nocheck(o, "stored", json_false());
        set_int(o, "size", f->size);
        return o;
    }
    set_str(o, "filename", f->path);
    set_int(o, "size", f->size);
    set_str(o, "sha256", f->sha256);
    set_str(o, "magic", f->magic);
    return o;
}

/* seawall's own "file" object: ownership and times that Suricata's fileinfo has no place
 * for. mode is the octal text ls -l users read ("0644"). */
static json_t *
file_json(const struct sw_file_part *f)
{
    json_t *o = json_object();
    char mode[16];

    set_str(o, "owner", f->owner);
    snprintf(mode, sizeof(mode), "%04o", (unsigned)(f->mode & 07777));
    set_str(o, "mode", mode);
    set_int(o, "uid", f->uid);
    set_int(o, "gid", f->gid);
    set_time(o, "mtime", (uint64_t)(f->mtime_s > 0 ? f->mtime_s : 0) * 1000000u);
    return o;
}

static json_t *
yara_json(const struct sw_file_part *f)
{
    json_t *o = json_object(), *tags = json_array(), *meta = json_object();
    json_t *strs = json_array();

    set_str(o, "rule", f->rule);
    set_str(o, "namespace", f->ns);
    for (unsigned i = 0; i < f->n_tags; i++)
        json_array_append_new(tags, json_string(f->tags[i]));
    json_object_set_new_nocheck(o, "tags", tags);
    /* Rule meta keys are the rule author's: checked by Jansson (json_object_set_new). A key
     * given twice in a rule keeps its last value, as yara -m prints. */
    for (unsigned i = 0; i < f->n_meta; i++) {
        const struct sw_yara_meta_kv *m = &f->meta[i];
        json_t *v;

        if (m->kind == SW_YARA_META_KIND_INT)
            v = json_integer((json_int_t)m->num);
        else if (m->kind == SW_YARA_META_KIND_BOOL)
            v = json_boolean(m->num != 0);
        else {
            v = json_string(m->str);
            if (v == NULL)
                v = escaped_string(m->str);
        }
        if (json_object_set_new(meta, m->key, v) != 0)
            continue;
    }
    json_object_set_new_nocheck(o, "meta", meta);
    for (unsigned i = 0; i < f->n_strings; i++) {
        const struct sw_yara_str_match *s = &f->strings[i];
        json_t *so = json_object();

        set_str(so, "identifier", s->identifier);
        set_int(so, "offset", s->offset);
        set_int(so, "length", s->length);
        json_object_set_new_nocheck(so, "data", json_string(s->data != NULL ? s->data : ""));
        json_array_append_new(strs, so);
    }
    json_object_set_new_nocheck(o, "strings", strs);
    set_int(o, "strings_total", f->strings_total);
    return o;
}

/* seawall.http_body: what Suricata's fileinfo has no field for; NULL when nothing to say. */
static json_t *
http_body_json(const struct sw_file_part *f)
{
    json_t *o;

    if (!f->decode_error && (f->http_reading == NULL || f->http_reading[0] == '\0'))
        return NULL;
    o = json_object();
    if (f->http_reading != NULL && f->http_reading[0] != '\0') {
        set_str(o, "reading", f->http_reading);
        set_str(o, "anomaly", f->http_anomaly);
    }
    if (f->decode_error)
        set_str(o, "decode_error", f->http_decode_failed);
    return o;
}

/* Suricata's http object for the transaction an HTTP body belongs to. */
static json_t *
http_json(const struct sw_file_part *f)
{
    json_t *o = json_object();

    set_str(o, "hostname", f->http_host);
    set_str(o, "url", f->http_url);
    set_str(o, "http_user_agent", f->http_user_agent);
    set_str(o, "http_content_type", f->http_content_type);
    set_str(o, "http_method", f->http_method);
    if (f->http_status != 0)
        set_int(o, "status", f->http_status);
    return o;
}


static json_t *
scan_json(const struct sw_scan_counts *c)
{
    json_t *o = json_object(), *sk = json_object(), *rl = json_object();

    set_int(o, "files", c->files);
    set_int(o, "bytes", c->bytes);
    set_int(o, "dirs", c->dirs);
    set_int(o, "matches", c->matches);
    set_int(o, "files_matched", c->files_matched);
    set_int(sk, "size", c->skipped_size);
    set_int(sk, "special", c->skipped_special);
    set_int(sk, "symlink", c->skipped_symlink);
    set_int(sk, "excluded", c->skipped_excluded);
    set_int(sk, "other_fs", c->skipped_other_fs);
    json_object_set_new_nocheck(o, "skipped", sk);
    set_int(o, "errors", c->errors);
    set_int(o, "timeouts", c->timeouts);
    set_int(o, "too_many_matches", c->too_many_matches);
    set_int(o, "elapsed_ms", c->elapsed_us / 1000u);
    set_int(rl, "files", c->rule_files);
    set_int(rl, "files_failed", c->rule_files_failed);
    set_int(rl, "rules", c->rules);
    json_object_set_new_nocheck(o, "rules", rl);
    return o;
}

static void
file_event_json(json_t *root, const struct sw_event *ev)
{
    const struct sw_file_part *f = ev->file;
    json_t *sw = json_object();

    switch (ev->type) {
    case SW_EV_ALERT:
        json_object_set_new_nocheck(root, "alert", sw_eve_alert_json(&ev->u.alert));
        set_str(sw, "detector", ev->u.alert.detector);
        json_object_set_new_nocheck(root, "yara", yara_json(f));
        json_object_set_new_nocheck(root, "fileinfo", fileinfo_json(f));
        json_object_set_new_nocheck(root, "file", file_json(f));
        break;
    case SW_EV_FILEINFO:
        json_object_set_new_nocheck(root, "fileinfo", fileinfo_json(f));
        json_object_set_new_nocheck(root, "file", file_json(f));
        break;
    case SW_EV_STATS: {
        json_t *st = json_object();

        set_int(st, "uptime", f->scan.elapsed_us / 1000000u);
        json_object_set_new_nocheck(root, "stats", st);
        if (f->has_scan)
            json_object_set_new_nocheck(sw, "scan", scan_json(&f->scan));
        break;
    }
    default:
        break;
    }
    if (json_object_size(sw) > 0)
        json_object_set_new_nocheck(root, "seawall", sw);
    else
        json_decref(sw);
}

char *
sw_eve_encode(const struct sw_eve_cfg *cfg, const struct sw_event *ev, size_t *len)
{
    json_t *root = eve_tree(cfg, ev);
    char *out;

    if (root == NULL)
        return NULL;
    out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (out != NULL && len != NULL)
        *len = strlen(out);
    return out;
}

/* Per-thread scratch buffer that json_dumpb() fills: grows to the largest event seen, and is
 * dropped after an event larger than SCRATCH_KEEP so one giant event cannot pin memory. */
#define SCRATCH_KEEP (256u * 1024u)
static _Thread_local struct {
    char *buf;
    size_t cap;
} scratch;

/* Serialising the Jansson tree is where EVE spent a third of seawall's CPU: json_dumpb()
 * decodes every string as UTF-8 again and formats numbers with printf. The tree is built by
 * Jansson (strings already checked as UTF-8 there), so this writer copies runs of plain
 * bytes and escapes exactly as Jansson does with JSON_COMPACT (tests compare it with
 * json_dumps() byte for byte): \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00XX. */
static bool
scratch_reserve(size_t len, size_t more)
{
    size_t need = len + more;

    if (need <= scratch.cap)
        return true;
    size_t cap = scratch.cap ? scratch.cap : 4096;
    while (cap < need)
        cap *= 2;
    char *nb = sw_realloc(scratch.buf, cap);
    if (nb == NULL)
        return false;
    scratch.buf = nb;
    scratch.cap = cap;
    return true;
}

static bool
put(size_t *len, const char *s, size_t n)
{
    if (!scratch_reserve(*len, n))
        return false;
    memcpy(scratch.buf + *len, s, n);
    *len += n;
    return true;
}

static bool
put_string(size_t *len, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0;

    if (!put(len, "\"", 1))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        size_t elen = 2;

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (!put(len, s + run, i - run))
            return false;
        run = i + 1;
        esc[0] = '\\';
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
            break;
        }
        if (!put(len, esc, elen))
            return false;
    }
    return put(len, s + run, n - run) && put(len, "\"", 1);
}

static bool
put_int(size_t *len, json_int_t v)
{
    char buf[24];
    char *p = buf + sizeof(buf);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    return put(len, p, (size_t)(buf + sizeof(buf) - p));
}

/* Depth is bounded by eve_tree()'s own shapes (a handful of levels). */
static bool
put_json(size_t *len, const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        bool first = true;

        if (!put(len, "{", 1))
            return false;
        for (void *it = json_object_iter((json_t *)(uintptr_t)j); it != NULL;
             it = json_object_iter_next((json_t *)(uintptr_t)j, it)) {
            const char *k = json_object_iter_key(it);

            if ((!first && !put(len, ",", 1)) || !put_string(len, k, strlen(k)) ||
                !put(len, ":", 1) || !put_json(len, json_object_iter_value(it)))
                return false;
            first = false;
        }
        return put(len, "}", 1);
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);

        if (!put(len, "[", 1))
            return false;
        for (size_t i = 0; i < n; i++)
            if ((i > 0 && !put(len, ",", 1)) || !put_json(len, json_array_get(j, i)))
                return false;
        return put(len, "]", 1);
    }
    case JSON_STRING:
        return put_string(len, json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        return put_int(len, json_integer_value(j));
    case JSON_TRUE:
        return put(len, "true", 4);
    case JSON_FALSE:
        return put(len, "false", 5);
    case JSON_NULL:
        return put(len, "null", 4);
    case JSON_REAL:
        break; /* EVE has none of these; refuse rather than guess a format */
    }
    return false;
}

/* Write root into the scratch buffer; returns its length, or 0 on failure. */
static size_t
scratch_dump(const json_t *root)
{
    size_t len = 0;

    return put_json(&len, root) ? len : 0;
}

struct sw_eve_line *
sw_eve_line_make(int type, uint64_t ts_us, uint8_t severity, const char *text, size_t len,
                 const char *key, size_t key_len)
{
    struct sw_eve_line *l;
    size_t size;

    if (__builtin_add_overflow(sizeof(*l) + 2, len, &size) ||
        __builtin_add_overflow(size, key_len, &size))
        return NULL;
    l = sw_malloc(size);
    if (l == NULL)
        return NULL;
    l->type = type;
    l->refs = 0;
    l->ts_us = ts_us;
    l->severity = severity;
    l->len = len;
    l->key_len = key != NULL ? key_len : 0;
    memcpy(l->text, text, len);
    l->text[len] = '\0';
    if (l->key_len > 0)
        memcpy(l->text + len + 1, key, key_len);
    l->text[len + 1 + l->key_len] = '\0';
    return l;
}

/* The partition key of sw_rec (include/sw/sink.h): community_id, else flow_id, else the path
 * of a file on disk. */
static const char *
line_key(const json_t *root, const struct sw_event *ev, char *buf, size_t len)
{
    const json_t *v = json_object_get(root, "community_id");

    if (json_is_string(v) && json_string_length(v) > 0)
        return json_string_value(v);
    v = json_object_get(root, "flow_id");
    if (json_is_integer(v)) {
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    if (ev->file != NULL && !ev->on_flow && ev->file->path != NULL && ev->file->path[0] != '\0')
        return ev->file->path;
    return NULL;
}

struct sw_eve_line *
sw_eve_line_create(const struct sw_eve_cfg *cfg, const struct sw_event *ev)
{
    json_t *root = eve_tree(cfg, ev);
    struct sw_eve_line *l = NULL;

    if (root == NULL)
        return NULL;
    size_t n = scratch_dump(root);

    if (n > 0) {
        char num[32];
        const char *key = line_key(root, ev, num, sizeof(num));
        json_int_t sev = json_integer_value(
            json_object_get(json_object_get(root, "alert"), "severity"));

        l = sw_eve_line_make((int)ev->type, ev->ts_us,
                             ev->type == SW_EV_ALERT && sev > 0 && sev < 256 ? (uint8_t)sev : 0,
                             scratch.buf, n, key, key != NULL ? strlen(key) : 0);
    }
    json_decref(root);
    if (scratch.cap > SCRATCH_KEEP) {
        sw_free(scratch.buf);
        scratch.buf = NULL;
        scratch.cap = 0;
    }
    return l;
}

void
sw_eve_line_destroy(struct sw_eve_line *l)
{
    sw_free(l);
}

void
sw_eve_thread_fini(void)
{
    sw_free(scratch.buf);
    scratch.buf = NULL;
    scratch.cap = 0;
}

static json_t *
eve_tree(const struct sw_eve_cfg *cfg, const struct sw_event *ev)
{
    json_t *root = json_object();
    json_t *sw = NULL;

    if (root == NULL)
        return NULL;
    set_time(root, "timestamp", ev->ts_us);
    if ((ev->type == SW_EV_FLOW || ev->type == SW_EV_ALERT || ev->type == SW_EV_FILEINFO) &&
        (ev->file == NULL || ev->on_flow))
        set_int(root, "flow_id", ev->flow.flow_id);
    set_str(root, "event_type", sw_event_type_name(ev->type));
    set_str(root, "host", ev->host[0] != '\0' ? ev->host : cfg->host);
    if (ev->file != NULL && !ev->on_flow) {
        file_event_json(root, ev);
        return root;
    }

    switch (ev->type) {
    case SW_EV_FLOW:
    case SW_EV_ALERT:
    case SW_EV_FILEINFO: /* of a flow (on_flow): an HTTP body */
        sw_eve_add_tuple(root, &ev->flow, false);
        if (ev->has_ndpi)
            set_str(root, "app_proto", ev->ndpi.app_proto);
        if (ev->type == SW_EV_ALERT) {
            set_str(root, "direction", ev->u.alert.to_client ? "to_client" : "to_server");
            json_object_set_new_nocheck(root, "alert", sw_eve_alert_json(&ev->u.alert));
            sw = json_object();
            set_str(sw, "detector", ev->u.alert.detector);
            if (ev->file != NULL) /* a YARA match on the flow's stream or an HTTP body */
                json_object_set_new_nocheck(root, "yara", yara_json(ev->file));
            if (ev->app != NULL) /* the transaction a rule matched */
                sw_eve_app_json(root, ev->app);
        }
        if (ev->file != NULL && ev->file->has_http) {
            json_t *hb = http_body_json(ev->file);

            json_object_set_new_nocheck(root, "http", http_json(ev->file));
            json_object_set_new_nocheck(root, "fileinfo", fileinfo_json(ev->file));
            if (hb != NULL) {
                if (sw == NULL)
                    sw = json_object();
                json_object_set_new_nocheck(sw, "http_body", hb);
            }
        }
        json_object_set_new_nocheck(root, "flow", sw_eve_flow_json(ev, ev->type == SW_EV_FLOW));
        if (ev->type == SW_EV_FLOW && ev->flow.proto == IPPROTO_TCP)
            json_object_set_new_nocheck(root, "tcp", sw_eve_tcp_json(&ev->counts, ev->u.flow.state));
        if (ev->has_ndpi)
            json_object_set_new_nocheck(root, "ndpi", sw_eve_ndpi_json(&ev->ndpi));
        if (ev->flow.tunnel != SW_TUNNEL_NONE) {
            static const char *const tunnels[] = {"", "ipip", "gtp", "tzsp",
                                                  "capwap", "gre", "vxlan", "geneve"};
            if (sw == NULL)
                sw = json_object();
            if (ev->flow.tunnel < sizeof(tunnels) / sizeof(tunnels[0]))
                set_str(sw, "tunnel", tunnels[ev->flow.tunnel]);
        }
        if (ev->type == SW_EV_FLOW && ev->u.flow.evicted) {
            if (sw == NULL)
                sw = json_object();
            json_object_set_new_nocheck(sw, "evicted", json_true());
        }
        break;
    case SW_EV_ANOMALY: {
        json_t *a = json_object();

        /* applayer anomalies belong to a flow: its flow_id, as Suricata writes it */
        if (ev->u.anomaly.has_tuple)
            sw_eve_add_tuple(root, &ev->flow, ev->u.anomaly.app_proto != NULL);
        if (ev->u.anomaly.app_proto != NULL)
            set_str(a, "app_proto", ev->u.anomaly.app_proto);
        set_str(a, "type", ev->u.anomaly.type);
        if (ev->u.anomaly.layer != NULL)
            set_str(a, "layer", ev->u.anomaly.layer);
        if (ev->u.anomaly.type != NULL && ev->u.anomaly.event != NULL &&
            strcmp(ev->u.anomaly.type, "decode") == 0) {
            /* Suricata names decoder anomalies by their stats counter: decoder.<layer>.<x> */
            char name[96];

            snprintf(name, sizeof(name), "decoder.%s", ev->u.anomaly.event);
            set_str(a, "event", name);
        } else {
            set_str(a, "event", ev->u.anomaly.event);
        }
        json_object_set_new_nocheck(root, "anomaly", a);
        if (ev->u.anomaly.packet_no > 0) {
            set_int(root, "pcap_cnt", ev->u.anomaly.packet_no);
            set_str(root, "pcap_filename", ev->u.anomaly.source);
        }
        break;
    }
    case SW_EV_ENGINE: {
        const struct sw_engine *e = &ev->u.engine;
        json_t *o = json_object(), *r = json_object();

        set_str(o, "module", e->module);
        set_str(o, "message", e->message);
        if (!e->ok)
            set_str(o, "error", e->error);
        json_object_set_new_nocheck(root, "engine", o);
        json_object_set_new_nocheck(r, "ok", json_boolean(e->ok));
        set_int(r, "generation", e->generation);
        set_int(r, "rules", e->rules);
        set_int(r, "rule_files", e->rule_files);
        set_int(r, "rule_files_failed", e->rule_files_failed);
        if (e->warning[0] != '\0')
            set_str(r, "warning", e->warning);
        if (e->n_restart > 0) {
            json_t *keys = json_array();

            for (unsigned i = 0; i < e->n_restart && i < SW_ENGINE_MAX_KEYS; i++)
                json_array_append_new(keys, json_string(e->restart[i]));
            json_object_set_new_nocheck(r, "restart_keys", keys);
        }
        if (e->module[0] == '\0') { /* not filled in: no detail object to name */
            json_decref(r);
            break;
        }
        if (sw == NULL)
            sw = json_object();
        json_object_set_new_nocheck(sw, e->module, r);
        break;
    }
    case SW_EV_STATS:
        if (ev->u.stats != NULL)
            json_object_set_new_nocheck(root, "stats", stats_json(ev->u.stats, root));
        break;
    case SW_EV_RULE_PROFILE:
        if (ev->u.profile.prof == NULL)
            break;
        if (sw == NULL)
            sw = json_object();
        json_object_set_new_nocheck(
            sw, "rule_profile", sw_eve_rule_profile_json(ev->u.profile.prof, ev->u.profile.limit));
        break;
    default:
        break;
    }
    if (sw != NULL)
        json_object_set_new_nocheck(root, "seawall", sw);
    return root;
}
