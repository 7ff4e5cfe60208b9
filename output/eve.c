/* eve.c - EVE JSON encoding (see include/sw/eve.h).
 *
 * Field names follow Suricata 8's EVE schema (etc/schema.json) so that SIEM parsers built
 * for Suricata read seawall unchanged; seawall-only data goes into the top-level "seawall"
 * object. Absent values are left out, never written empty.
 *
 * Events are streamed field by field into a per-thread writer (include/sw/eve_writer.h): no
 * tree, no allocation per field; the only allocation per event is the line that carries the
 * text to the output thread. Field order is the order of the calls below. */
#include "sw/eve.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "eve_parts.h"
#include "sw/alloc.h"

/* The network part of a flow, alert or fileinfo event, after its host. */
static void
put_net_event(struct sw_eve_writer *w, const struct sw_event *ev)
{
    const struct sw_file_part *f = ev->file;
    bool alert = ev->type == SW_EV_ALERT;
    bool body = f != NULL && f->has_http && sw_eve_has_http_body(f);
    bool evicted = ev->type == SW_EV_FLOW && ev->u.flow.evicted;

    sw_eve_put_tuple(w, &ev->flow, false);
    if (ev->has_ndpi)
        sw_eve_put_str(w, "app_proto", ev->ndpi.app_proto);
    if (alert) {
        sw_eve_put_str(w, "direction", ev->u.alert.to_client ? "to_client" : "to_server");
        sw_eve_put_alert(w, &ev->u.alert);
        if (f != NULL) /* a YARA match on the flow's stream or an HTTP body */
            sw_eve_put_yara(w, f);
        if (ev->app != NULL) /* the transaction a rule matched */
            sw_eve_put_app(w, ev->app);
    }
    if (f != NULL && f->has_http) {
        sw_eve_put_http_of_body(w, f);
        sw_eve_put_fileinfo(w, f);
    }
    sw_eve_put_flow(w, ev, ev->type == SW_EV_FLOW);
    if (ev->type == SW_EV_FLOW && ev->flow.proto == IPPROTO_TCP)
        sw_eve_put_tcp(w, &ev->counts, ev->u.flow.state);
    if (ev->has_ndpi)
        sw_eve_put_ndpi(w, &ev->ndpi);
    /* seawall-only: written (even empty) when one of its parts applies */
    if (!alert && !body && ev->flow.tunnel == SW_TUNNEL_NONE && !evicted)
        return;
    sw_eve_open_obj(w, "seawall");
    if (alert)
        sw_eve_put_str(w, "detector", ev->u.alert.detector);
    if (body)
        sw_eve_put_http_body(w, f);
    if (ev->flow.tunnel != SW_TUNNEL_NONE) {
        static const char *const tunnels[] = {"",       "ipip", "gtp",   "tzsp",
                                              "capwap", "gre",  "vxlan", "geneve"};

        if (ev->flow.tunnel < sizeof(tunnels) / sizeof(tunnels[0]))
            sw_eve_put_str(w, "tunnel", tunnels[ev->flow.tunnel]);
    }
    if (evicted)
        sw_eve_put_bool(w, "evicted", true);
    sw_eve_close(w);
}

static void
put_anomaly(struct sw_eve_writer *w, const struct sw_event *ev)
{
    const struct sw_anomaly *a = &ev->u.anomaly;

    /* applayer anomalies belong to a flow: its flow_id, as Suricata writes it */
    if (a->has_tuple)
        sw_eve_put_tuple(w, &ev->flow, a->app_proto != NULL);
    sw_eve_open_obj(w, "anomaly");
    if (a->app_proto != NULL)
        sw_eve_put_str(w, "app_proto", a->app_proto);
    sw_eve_put_str(w, "type", a->type);
    if (a->layer != NULL)
        sw_eve_put_str(w, "layer", a->layer);
    if (a->type != NULL && a->event != NULL && strcmp(a->type, "decode") == 0) {
        /* Suricata names decoder anomalies by their stats counter: decoder.<layer>.<x> */
        char name[96];

        snprintf(name, sizeof(name), "decoder.%s", a->event);
        sw_eve_put_str(w, "event", name);
    } else {
        sw_eve_put_str(w, "event", a->event);
    }
    sw_eve_close(w);
    if (a->packet_no > 0) {
        sw_eve_put_u64(w, "pcap_cnt", a->packet_no);
        sw_eve_put_str(w, "pcap_filename", a->source);
    }
}

static void
put_engine(struct sw_eve_writer *w, const struct sw_engine *e)
{
    sw_eve_open_obj(w, "engine");
    sw_eve_put_str(w, "module", e->module);
    sw_eve_put_str(w, "message", e->message);
    if (!e->ok)
        sw_eve_put_str(w, "error", e->error);
    sw_eve_close(w);
    if (e->module[0] == '\0') /* not filled in: no detail object to name */
        return;
    sw_eve_open_obj(w, "seawall");
    sw_eve_put_key(w, e->module);
    sw_eve_open_obj(w, NULL);
    sw_eve_put_bool(w, "ok", e->ok);
    sw_eve_put_u64(w, "generation", e->generation);
    sw_eve_put_u64(w, "rules", e->rules);
    sw_eve_put_u64(w, "rule_files", e->rule_files);
    sw_eve_put_u64(w, "rule_files_failed", e->rule_files_failed);
    if (e->warning[0] != '\0')
        sw_eve_put_str(w, "warning", e->warning);
    if (e->n_restart > 0) {
        sw_eve_open_arr(w, "restart_keys");
        for (unsigned i = 0; i < e->n_restart && i < SW_ENGINE_MAX_KEYS; i++)
            sw_eve_put_str_valid(w, NULL, e->restart[i]);
        sw_eve_close(w);
    }
    sw_eve_close(w);
    sw_eve_close(w);
}

/* The whole event as one JSON object, into w (reset first). */
static void
put_event(struct sw_eve_writer *w, const struct sw_eve_cfg *cfg, const struct sw_event *ev)
{
    sw_eve_writer_reset(w);
    sw_eve_open_obj(w, NULL);
    sw_eve_put_time(w, "timestamp", ev->ts_us);
    if ((ev->type == SW_EV_FLOW || ev->type == SW_EV_ALERT || ev->type == SW_EV_FILEINFO) &&
        (ev->file == NULL || ev->on_flow))
        sw_eve_put_u64(w, "flow_id", ev->flow.flow_id);
    sw_eve_put_str(w, "event_type", sw_event_type_name(ev->type));
    sw_eve_put_str(w, "host", ev->host[0] != '\0' ? ev->host : cfg->host);
    if (ev->file != NULL && !ev->on_flow) {
        sw_eve_put_file_event(w, ev);
        sw_eve_close(w);
        return;
    }
    switch (ev->type) {
    case SW_EV_FLOW:
    case SW_EV_ALERT:
    case SW_EV_FILEINFO: /* of a flow (on_flow): an HTTP body */
        put_net_event(w, ev);
        break;
    case SW_EV_ANOMALY:
        put_anomaly(w, ev);
        break;
    case SW_EV_ENGINE:
        put_engine(w, &ev->u.engine);
        break;
    case SW_EV_STATS:
        if (ev->u.stats != NULL)
            sw_eve_put_stats(w, ev->u.stats);
        break;
    case SW_EV_FIM:
        if (ev->fim != NULL)
            sw_eve_put_fim(w, ev->fim);
        break;
    case SW_EV_RULE_PROFILE:
        if (ev->u.profile.prof == NULL)
            break;
        sw_eve_open_obj(w, "seawall");
        sw_eve_put_rule_profile(w, ev->u.profile.prof, ev->u.profile.limit);
        sw_eve_close(w);
        break;
    default:
        break;
    }
    sw_eve_close(w);
}

/* Per-thread writer: its buffer grows to the largest event seen, and is dropped after an
 * event larger than SCRATCH_KEEP so one giant event cannot pin memory. */
#define SCRATCH_KEEP (256u * 1024u)
static _Thread_local struct sw_eve_writer scratch;

static void
scratch_trim(void)
{
    if (scratch.cap > SCRATCH_KEEP)
        sw_eve_writer_fini(&scratch);
}

char *
sw_eve_encode(const struct sw_eve_cfg *cfg, const struct sw_event *ev, size_t *len)
{
    char *out = NULL;

    put_event(&scratch, cfg, ev);
    if (!scratch.failed && scratch.len > 0) {
        out = sw_malloc(scratch.len + 1); /* sw_free is free(): the caller frees with free() */
        if (out != NULL) {
            memcpy(out, scratch.buf, scratch.len);
            out[scratch.len] = '\0';
            if (len != NULL)
                *len = scratch.len;
        }
    }
    scratch_trim();
    return out;
}

/* Fill l (cap checked by the caller) with a line's fields, text and key. */
static void
line_fill(struct sw_eve_line *l, int type, uint64_t ts_us, uint8_t severity, const char *text,
          size_t len, const char *key, size_t key_len)
{
    l->type = type;
    l->refs = 0;
    l->ts_us = ts_us;
    l->severity = severity;
    l->home = NULL;
    l->len = len;
    memcpy(l->text, text, len);
    l->text[len] = '\0';
    l->key_len = key_len;
    if (key_len > 0)
        memcpy(l->text + len + 1, key, key_len);
    l->text[len + 1 + key_len] = '\0';
}

/* Bytes of text[] a line of len text bytes and key_len key bytes needs; false on overflow. */
static bool
line_need(size_t len, size_t key_len, size_t *need)
{
    return !__builtin_add_overflow(len, 2, need) && !__builtin_add_overflow(*need, key_len, need);
}

struct sw_eve_line *
sw_eve_line_make(int type, uint64_t ts_us, uint8_t severity, const char *text, size_t len,
                 const char *key, size_t key_len)
{
    struct sw_eve_line *l;
    size_t need;

    if (!line_need(len, key_len, &need) || need > SIZE_MAX - sizeof(*l))
        return NULL;
    l = sw_malloc(sizeof(*l) + need); /* owned by the caller: sw_eve_line_destroy */
    if (l == NULL)
        return NULL;
    l->cap = need;
    line_fill(l, type, ts_us, severity, text, len, key, key_len);
    return l;
}

/* The partition key of sw_rec (include/sw/sink.h), from the fields the line carries:
 * community_id, else flow_id, else the path of a file on disk (a fileinfo, alert or fim
 * event of the host side). */
static const char *
line_key(const struct sw_event *ev, char *buf, size_t len)
{
    bool net = ev->file == NULL || ev->on_flow;
    bool flow_id = net && (ev->type == SW_EV_FLOW || ev->type == SW_EV_ALERT ||
                           ev->type == SW_EV_FILEINFO);

    if ((flow_id || (ev->type == SW_EV_ANOMALY && ev->u.anomaly.has_tuple)) &&
        ev->flow.community_id[0] != '\0')
        return ev->flow.community_id;
    if (flow_id) {
        snprintf(buf, len, "%" PRIu64, ev->flow.flow_id);
        return buf;
    }
    if (!net && ev->file->path != NULL && ev->file->path[0] != '\0')
        return ev->file->path;
    if (ev->type == SW_EV_FIM && ev->fim != NULL && ev->fim->path != NULL &&
        ev->fim->path[0] != '\0')
        return ev->fim->path;
    return NULL;
}

/* Smallest text[] capacity of a recycled line: most flow and alert lines fit in it. */
#define LINE_MIN_CAP 1024u

/* Encode ev into spare when it is large enough, else into a new line of exactly the size
 * needed (round false) or of a power of two (round true: a line to be recycled). Takes spare. */
static struct sw_eve_line *
line_encode(const struct sw_eve_cfg *cfg, const struct sw_event *ev, struct sw_eve_line *spare,
            bool round)
{
    struct sw_eve_line *l = NULL;

    put_event(&scratch, cfg, ev);
    if (!scratch.failed && scratch.len > 0) {
        char num[32];
        const char *key = line_key(ev, num, sizeof(num));
        size_t key_len = key != NULL ? strlen(key) : 0;
        unsigned sev = ev->type == SW_EV_ALERT ? ev->u.alert.severity : 0;
        size_t need, cap;

        if (!line_need(scratch.len, key_len, &need))
            goto out;
        if (spare != NULL && spare->cap >= need) {
            l = spare; /* the steady state of a producer: no allocation */
            spare = NULL;
        } else {
            cap = round ? LINE_MIN_CAP : need;
            while (cap < need && cap <= SIZE_MAX / 2)
                cap *= 2;
            if (cap < need || cap > SIZE_MAX - sizeof(*l))
                goto out;
            l = sw_malloc(sizeof(*l) + cap); /* owned by the caller: sw_eve_line_destroy */
            if (l == NULL)
                goto out;
            l->cap = cap;
        }
        line_fill(l, (int)ev->type, ev->ts_us, sev > 0 && sev < 256 ? (uint8_t)sev : 0,
                  scratch.buf, scratch.len, key, key_len);
    }
out:
    sw_eve_line_destroy(spare);
    scratch_trim();
    return l;
}

struct sw_eve_line *
sw_eve_line_recycle(const struct sw_eve_cfg *cfg, const struct sw_event *ev,
                    struct sw_eve_line *spare)
{
    return line_encode(cfg, ev, spare, true);
}

struct sw_eve_line *
sw_eve_line_create(const struct sw_eve_cfg *cfg, const struct sw_event *ev)
{
    return line_encode(cfg, ev, NULL, false);
}

void
sw_eve_line_destroy(struct sw_eve_line *l)
{
    sw_free(l);
}

void
sw_eve_thread_fini(void)
{
    sw_eve_writer_fini(&scratch);
    sw_event_thread_fini(); /* the events this thread encoded went back to its cache */
}
