/* eve_stats.c - the stats and rule_profile events (see output/eve_parts.h).
 *
 * These two are built as a Jansson tree and then streamed into the writer: they come once
 * per stats interval or per run, not per packet, and their shapes are accumulated (decoder
 * events grouped by layer, per-language totals) where a tree with lookups is the simple
 * tool. Every per-packet event (flow, alert, anomaly, fileinfo) is streamed without a tree
 * (output/eve.c). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "eve_int.h"
#include "eve_parts.h"
#include "sw/stats.h"

/* Text that is not valid UTF-8 (an interface or sink name): kept, with every byte outside
 * printable ASCII written as \xNN, rather than lose the field (as the streamed events do). */
static json_t *
escaped_string(const char *val)
{
    char buf[1024];
    size_t o = 0;

    for (const unsigned char *c = (const unsigned char *)val; *c != '\0'; c++) {
        if (o + 5 >= sizeof(buf))
            break;
        if (*c >= 0x20 && *c < 0x7f) {
            buf[o++] = (char)*c;
        } else {
            static const char hex[] = "0123456789abcdef";

            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[*c >> 4];
            buf[o++] = hex[*c & 15];
        }
    }
    buf[o] = '\0';
    return json_string(buf);
}

/* Keys are our own literals: skip Jansson's UTF-8 check of them. Values are checked. */
static void
set_str(json_t *o, const char *key, const char *val)
{
    json_t *v;

    if (val == NULL || val[0] == '\0')
        return;
    v = json_string(val);
    if (v == NULL)
        v = escaped_string(val);
    json_object_set_new_nocheck(o, key, v);
}

static void
set_int(json_t *o, const char *key, uint64_t v)
{
    json_object_set_new_nocheck(o, key, json_integer((json_int_t)v));
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

/* The seawall-only sections are tables of counters (include/sw/stats.h), written in their
 * order. */
#define WC(name, field) {name, offsetof(struct sw_worker_stats, field)}

static json_t *
counters_json(const void *base, const struct sw_stats_counter *c, size_t n)
{
    json_t *o = json_object();

    for (size_t i = 0; i < n; i++)
        set_int(o, c[i].name, sw_stats_counter_value(base, &c[i]));
    return o;
}

/* seawall-only TCP reassembly counters (stats: seawall.stream). */
static const struct sw_stats_counter stream_counters[] = {
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
static const struct sw_stats_counter app_counters[] = {
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
static const struct sw_stats_counter worker_counters[] = {
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

/* seawall-only capture-side counters (stats: seawall.capture). */
#define CC(name, field) {name, offsetof(struct sw_capture_stats, field)}
static const struct sw_stats_counter capture_counters[] = {
    CC("files", files),
    CC("files_failed", files_failed),
    CC("truncated_files", truncated_files),
    CC("unsupported_linktype", unsupported_linktype),
    CC("pkts", pkts),
    CC("bytes", bytes),
};

/* seawall-only fragment reassembly counters (stats: seawall.defrag). */
#define DC(name, field) {name, offsetof(struct sw_defrag_stats, field)}
static const struct sw_stats_counter defrag_counters[] = {
    DC("timeouts", timeouts),
    DC("memcap_drops", memcap_drops),
    DC("overlaps", overlaps),
    DC("overlap_conflicts", overlap_conflicts),
    DC("invalid", invalid),
};

/* The host side of seawall run (stats: seawall.files, .files.skipped, .files.fim). */
#define FC(name, field) {name, offsetof(struct sw_files_stats, field)}
static const struct sw_stats_counter files_counters[] = {
    FC("trees", trees),
    FC("dirs", dirs),
    FC("watches", watches),
    FC("unwatched", unwatched),
    FC("watch_budget", budget),
    FC("events", events),
    FC("events_ignored", ignored),
    FC("overflows", overflows),
    FC("rescans", rescans),
    FC("walks", walks),
    FC("walk_entries", walk_files),
    FC("walk_ms", walk_ms),
    FC("unmatched", unmatched),
    FC("errors", errors),
    FC("retro_hunt", retro),
    FC("files", files),
    FC("bytes", bytes),
    FC("hashed", hashed),
    FC("scanned", scanned),
    FC("unchanged", unchanged),
    FC("matches", matches),
    FC("files_matched", files_matched),
    FC("ioc_matches", ioc_matches),
    FC("fileinfo", fileinfo),
    FC("timeouts", timeouts),
    FC("changed_while_read", changed_while_read),
    FC("queued", queued),
    FC("coalesced", coalesced),
    FC("queue_high", queue_high),
    FC("event_drops", event_drops),
};
static const struct sw_stats_counter files_fim[] = {
    FC("records", fim_records),       FC("record_drops", fim_record_drops),
    FC("events", fim_events),         FC("added", fim_added),
    FC("modified", fim_modified),     FC("attributes", fim_attributes),
    FC("moved", fim_moved),           FC("deleted", fim_deleted),
    FC("rows", fim_rows),             FC("db_errors", fim_db_errors),
    FC("rebuilt", fim_rebuilt),
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
            json_t *so = counters_json(k, sw_stats_sink_counters, sw_stats_n_sink_counters);
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
    if (s->has_files) {
        json_t *fo = COUNTERS(&s->files, files_counters);

        json_object_set_new_nocheck(fo, "skipped",
                                    counters_json(&s->files, sw_stats_files_skipped_counters,
                                                  sw_stats_n_files_skipped_counters));
        json_object_set_new_nocheck(fo, "fim", COUNTERS(&s->files, files_fim));
        json_object_set_new_nocheck(sw, "files", fo);
    }
    set_int(sw, "fabricpath", s->decoder.fabricpath); /* Suricata counts these as ethernet */
    json_object_set_new_nocheck(root, "seawall", sw);
    return o;
}

/* Stream a tree into the writer as member key (NULL: an array member). Depth is bounded by
 * the shapes above (a handful of levels). */
static void
put_json(struct sw_eve_writer *w, const char *key, const json_t *j)
{
    if (key != NULL)
        sw_eve_put_key(w, key);
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        sw_eve_open_obj(w, NULL);
        for (void *it = json_object_iter((json_t *)(uintptr_t)j); it != NULL;
             it = json_object_iter_next((json_t *)(uintptr_t)j, it))
            put_json(w, json_object_iter_key(it), json_object_iter_value(it));
        sw_eve_close(w);
        break;
    }
    case JSON_ARRAY:
        sw_eve_open_arr(w, NULL);
        for (size_t i = 0; i < json_array_size(j); i++)
            put_json(w, NULL, json_array_get(j, i));
        sw_eve_close(w);
        break;
    case JSON_STRING:
        sw_eve_put_strn(w, NULL, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        sw_eve_put_i64(w, NULL, json_integer_value(j));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        sw_eve_put_bool(w, NULL, json_is_true(j));
        break;
    case JSON_NULL: /* a sink's last_error_time before its first error */
        sw_eve_put_null_k(w, NULL, 0);
        break;
    case JSON_REAL: /* EVE has none of these; refuse rather than guess a format */
    default:
        w->failed = true;
        break;
    }
}

/* The members of a stats event after its host: the seawall object, then stats (stats_json
 * fills seawall first, and the event has always carried them in that order). */
void
sw_eve_put_stats(struct sw_eve_writer *w, const struct sw_stats_snap *s)
{
    json_t *tail = json_object();

    if (tail == NULL) {
        w->failed = true;
        return;
    }
    json_t *st = stats_json(s, tail);
    if (st == NULL || json_object_set_new_nocheck(tail, "stats", st) != 0) {
        w->failed = true;
    } else {
        for (void *it = json_object_iter(tail); it != NULL; it = json_object_iter_next(tail, it))
            put_json(w, json_object_iter_key(it), json_object_iter_value(it));
    }
    json_decref(tail);
}

void
sw_eve_put_rule_profile(struct sw_eve_writer *w, const struct sw_rule_prof *p, uint64_t limit)
{
    json_t *o = sw_eve_rule_profile_json(p, limit);

    if (o == NULL) {
        w->failed = true;
        return;
    }
    put_json(w, "rule_profile", o);
    json_decref(o);
}
