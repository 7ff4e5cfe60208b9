/* event.h - struct sw_event: what detectors and flows hand to the output stage.
 *
 * Plain data with fixed-size text fields, so an event is one allocation that crosses from a
 * worker to the output thread through a ring and is freed there. Field meaning only;
 * output/eve.c is the one place that knows EVE field names. */
#ifndef SW_EVENT_H
#define SW_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/app_obj.h"
#include "sw/config.h"
#include "sw/packet.h"

/* Names of one nDPI risk as events write them: static strings, so an event may point at them
 * and the output stage needs no nDPI table of its own. */
struct sw_risk_text {
    const char *code;     /* enum name, "NDPI_TLS_SELFSIGNED_CERTIFICATE"; NULL: no such risk */
    const char *name;     /* nDPI's display name, "Self-signed Certificate" */
    const char *severity; /* nDPI's severity name: "Low", "Medium", "High", "Severe" */
    int level;            /* nDPI's severity number (0 low .. 3 severe) */
};
#define SW_RISK_TEXT_MAX 64 /* entries of a risk text table: one per risk bit */

/* What nDPI said about a flow (copied out of nDPI's flow state). Empty strings are absent. */
struct sw_ndpi_info {
    char protocol[64];  /* ndpi_protocol2name(): "HTTP.Google", "TLS", "Unknown" */
    char master[32];    /* "HTTP", or "" */
    char app[32];       /* "Google", or "" */
    char category[32];  /* "Web" */
    char confidence[32]; /* "DPI", "Match by port", ... */
    char hostname[80];  /* host name / SNI */
    char ja3c[33], ja3s[33];
    uint64_t risks;     /* bit i = ndpi_risk_enum i */
    /* Names of the risks: a static table of SW_RISK_TEXT_MAX entries indexed by risk id, set
     * by the classifier (sw_ndpi_risk_texts); NULL when none was set (no names written). */
    const struct sw_risk_text *risk_text;
    uint16_t risk_total, risk_client, risk_server;
    uint16_t master_id, app_id;
    char app_proto[24]; /* EVE app_proto: Suricata's name where one exists */
};

/* Identity of the flow an event belongs to. src is the flow's originator. */
struct sw_flow_ref {
    uint64_t flow_id;
    uint8_t ip_version, proto;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;          /* not ICMP */
    uint8_t icmp_type, icmp_code;   /* ICMP: the originator's first type/code */
    uint8_t resp_icmp_type, resp_icmp_code;
    bool has_resp_icmp;
    uint16_t vlan[SW_MAX_VLANS];
    uint8_t vlan_count;
    uint8_t tunnel; /* enum sw_tunnel */
    char community_id[32]; /* "" when disabled */
};

/* Counters of a flow at the time of the event. */
struct sw_flow_counts {
    uint64_t pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient;
    uint64_t start_us, end_us;
    uint8_t tcp_flags_ts, tcp_flags_tc;
};

enum sw_flow_reason { SW_REASON_TIMEOUT, SW_REASON_FORCED, SW_REASON_SHUTDOWN };
enum sw_flow_state { SW_STATE_NEW, SW_STATE_ESTABLISHED, SW_STATE_CLOSED };

#define SW_ALERT_META_MAX 16

struct sw_alert {
    uint32_t gid, signature_id, rev;
    uint8_t severity;        /* 1 high .. 3 low */
    bool to_client;          /* direction of the packet that raised it */
    char signature[160];
    char category[80];
    const char *detector;    /* static: "ndpi_risk", "yara", "rule", "ioc" */
    /* EVE metadata: key -> one value each here (EVE groups equal keys into one array).
     * Copies: a rule's metadata outlives neither its rule set nor a reload. */
    struct {
        char key[32];
        char value[64];
    } meta[SW_ALERT_META_MAX];
    unsigned n_meta;
    unsigned ndpi_risk;      /* ndpi_risk alerts: the risk id */
};

struct sw_anomaly {
    const char *type;  /* static: "decode", "stream", "applayer" */
    const char *event; /* static: "ipv4.trunc_pkt", "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE" */
    const char *app_proto; /* static or NULL: applayer anomalies, "http" */
    const char *layer;     /* static or NULL: applayer anomalies, "proto_parser" */
    bool has_tuple;    /* the packet got far enough to have addresses */
    uint64_t packet_no; /* position in the capture file, 1-based; 0 live */
    char source[128];  /* capture file or interface */
};

struct sw_stats_snap; /* stats.h */
struct sw_rule_prof;  /* rule_prof.h */

#define SW_ENGINE_MAX_KEYS 64

/* Something the agent itself did that the SIEM should see (Suricata's "engine" records):
 * today a reload of configuration and rules, successful or not. */
struct sw_engine {
    char module[16];    /* "reload" */
    char message[400];  /* one line for an analyst */
    char error[400];    /* "" when ok: why the new set is not (yet) running everywhere */
    char warning[400];  /* "" or something that took effect but deserves a look ("no rules") */
    bool ok;
    uint32_t generation;      /* rule set generation running after the event */
    uint64_t rules, rule_files, rule_files_failed;
    /* Changed keys that keep their running value until a restart: static strings (the
     * configuration schema's key paths); n_restart may exceed SW_ENGINE_MAX_KEYS (cut). */
    const char *restart[SW_ENGINE_MAX_KEYS];
    unsigned n_restart;
};

/* Files on disk (seawall scan): what fileinfo, file-alert and scan-stats events carry.
 * Plain data. Every pointer in it points into the same allocation as the event that holds
 * it (rules/yara_scan.c builds alerts, sw_event_create_file the others), so freeing the event
 * frees it too; nothing in it is freed separately. */
#define SW_YARA_META_KIND_STR 0
#define SW_YARA_META_KIND_INT 1
#define SW_YARA_META_KIND_BOOL 2

struct sw_yara_meta_kv {
    const char *key;
    const char *str;  /* SW_YARA_META_KIND_STR */
    int64_t num;      /* INT, BOOL (0/1) */
    uint8_t kind;
};

struct sw_yara_str_match {
    const char *identifier; /* "$a" */
    uint64_t offset;
    uint32_t length;        /* bytes matched */
    const char *data;       /* matched bytes, cut and escaped (sw_yara_escape) */
};

/* Counters of one `seawall scan` run (the closing stats event). */
struct sw_scan_counts {
    uint64_t files, bytes, matches, files_matched, dirs;
    uint64_t skipped_size, skipped_special, skipped_symlink, skipped_excluded;
    uint64_t skipped_other_fs, errors, timeouts, too_many_matches, elapsed_us;
    uint64_t rule_files, rule_files_failed, rules;
};

struct sw_file_part {
    /* fileinfo */
    const char *path;   /* full path as walked */
    uint64_t size;
    char sha256[65];    /* lower-case hex, "" when not computed */
    const char *magic;  /* libmagic description, or "" */
    const char *owner;  /* user name, or the uid in decimal */
    uint32_t mode, uid, gid;
    int64_t mtime_s;
    int32_t pid;        /* the writer of a file on disk (fanotify), 0 when unknown */
    char comm[16];      /* its command name, "" when unknown */
    /* HTTP bodies (seawall pcap --rules, on_flow events): has_http set; path is the file
     * name the HTTP parser gave, magic the filetype label; the rest is Suricata's fileinfo
     * state and its http object. Strings "" when unknown. */
    bool has_http;
    bool truncated, gaps;
    bool decode_error;       /* a content coding did not decode: the bytes are as they came */
    const char *http_decode_failed; /* that coding ("gzip", "deflate", "br"), or "" */
    /* Another plausible reading of an ambiguous message (YARA alerts only): how it was read
     * ("close", "chunked", ...) and the anomaly that made it ambiguous; "" for the body as
     * browsers read it. */
    const char *http_reading, *http_anomaly;
    uint16_t http_status;    /* 0: none (a request body, or an unpaired response) */
    const char *http_host, *http_url, *http_method, *http_content_type, *http_user_agent;
    /* yara (alerts only; rule == NULL otherwise) */
    const char *rule, *ns;
    const char *const *tags;
    unsigned n_tags;
    const struct sw_yara_meta_kv *meta;
    unsigned n_meta;
    const struct sw_yara_str_match *strings;
    unsigned n_strings;
    uint64_t strings_total; /* every match of every string, before the cut */
    /* stats (scan stats events only) */
    bool has_scan;
    struct sw_scan_counts scan;
};

/* fim events (collectors/file/fim.c builds them with sw_fim_event_create): what changed on a
 * watched file. Plain data; every pointer points into the event's own allocation. */
enum sw_fim_action {
    SW_FIM_ADDED = 1, /* a new name: created and closed, moved in, or found by a walk */
    SW_FIM_MODIFIED,  /* size, sha256 or type changed (or a file was moved in over it) */
    SW_FIM_ATTRIBUTES, /* only mode, uid, gid or mtime changed */
    SW_FIM_MOVED,     /* renamed within the watched paths: old_path -> path */
    SW_FIM_DELETED,   /* the name is gone (or moved out of the watched paths) */
};

/* Bits of sw_fim_part.changed, written in this order as fim.changed. */
#define SW_FIM_CHANGED_SIZE 0x01u
#define SW_FIM_CHANGED_MODE 0x02u
#define SW_FIM_CHANGED_UID 0x04u
#define SW_FIM_CHANGED_GID 0x08u
#define SW_FIM_CHANGED_MTIME 0x10u
#define SW_FIM_CHANGED_SHA256 0x20u
#define SW_FIM_CHANGED_TYPE 0x40u

/* Where a fim event was found: the walk against the baseline, or a live file event. */
enum sw_fim_origin { SW_FIM_ORIGIN_WALK = 0, SW_FIM_ORIGIN_LIVE };

/* One side (before or after) of a fim event. */
struct sw_fim_state {
    bool present;      /* false: no such side (added has no old, deleted no new) */
    uint32_t mode;     /* st_mode: file type and permission bits */
    uint32_t uid, gid;
    uint64_t size;     /* bytes; a symlink: the length of its target */
    int64_t mtime_ns;  /* since the epoch */
    char sha256[65];   /* lower-case hex, "" when not computed; a symlink: of its target */
    const char *owner;  /* user name of uid, or uid in decimal */
    const char *target; /* symlinks: the target text; NULL otherwise */
};

struct sw_fim_part {
    uint8_t action;    /* enum sw_fim_action */
    uint8_t origin;    /* enum sw_fim_origin */
    uint32_t changed;  /* SW_FIM_CHANGED_*: modified, attributes and moved */
    const char *path;
    const char *old_path; /* moved, and modified by a file moved in over it; else NULL */
    struct sw_fim_state old_state, new_state;
    int32_t pid;       /* the writer, 0 when unknown */
    const char *comm;  /* its command name, NULL when unknown */
};

struct sw_event {
    enum sw_event_type type;
    /* output/event.c only: the allocation is one of its per-thread cache blocks, which
     * sw_event_destroy keeps for the thread's next event; false for events made elsewhere
     * (rules/yara_scan.c, collectors/file/fim_rec.c allocate their own, zeroed). */
    bool cached;
    uint64_t ts_us;
    /* EVE host, "" for the encoder's default: the agent.id in force where the event was made
     * (a reload may change it while older events are still on their way). A copy, so the
     * event does not depend on the configuration's lifetime. */
    char host[256];
    struct sw_flow_ref flow;         /* alert, flow, anomaly (has_tuple) */
    struct sw_flow_counts counts;    /* alert, flow */
    struct sw_ndpi_info ndpi;        /* alert, flow */
    bool has_ndpi;
    /* Files on disk: NULL for network events. Borrowed from the event's own allocation (see
     * struct sw_file_part); in the zeroed header so sw_event_create() leaves it NULL. */
    const struct sw_file_part *file;
    /* fim events: the fim part, in the event's own allocation (NULL otherwise). */
    const struct sw_fim_part *fim;
    /* With file != NULL: an event of a flow (seawall pcap --rules), not of a file on disk:
     * the network fields above are set. A YARA match on the flow's reassembled stream
     * carries only the yara part of file (rule, namespace, tags, meta, strings); a fileinfo
     * event or a YARA match on an HTTP body (file->has_http) carries its fileinfo and http
     * parts too. */
    bool on_flow;
    /* Alerts about an application-layer transaction: its http, dns or tls object, a deep
     * copy inside the event's own allocation (sw_event_create_app); NULL otherwise. */
    const struct sw_app_obj *app;
    union {
        struct {
            uint8_t state;   /* enum sw_flow_state */
            uint8_t reason;  /* enum sw_flow_reason */
            bool alerted;
            bool evicted;
        } flow;
        struct sw_alert alert;
        struct sw_anomaly anomaly;
        struct sw_stats_snap *stats; /* owned */
        struct sw_engine engine;
        struct {
            struct sw_rule_prof *prof; /* owned, sorted worst first */
            uint64_t limit;            /* rules written (rules.profiling_limit; 0: all) */
        } profile;
    } u;
};

/* Allocate a zeroed event. NULL on failure (the caller counts the drop). */
struct sw_event *sw_event_create(enum sw_event_type type, uint64_t ts_us);
/* An event carrying a deep copy of app (may be NULL) in the same allocation (ev->app).
 * NULL on failure (the caller counts the drop). */
struct sw_event *sw_event_create_app(enum sw_event_type type, uint64_t ts_us,
                                     const struct sw_app_obj *app);
/* An event of type t (a fileinfo event of an HTTP body or of a file on disk, a scan stats
 * event, an IOC list alert whose alert part the caller fills) carrying a copy of fi's
 * fileinfo, writer, http and scan parts (not its yara part) in the same allocation
 * (ev->file). NULL on failure (the caller counts the drop). */
struct sw_event *sw_event_create_file(enum sw_event_type type, uint64_t ts_us,
                                      const struct sw_file_part *fi);
/* Free an event and what it owns. NULL-safe. Any thread; an event of sw_event_create*
 * goes back to this thread's cache (a few events) instead of the allocator, so a producer
 * that makes and encodes events one after another allocates none in the steady state. */
void sw_event_destroy(struct sw_event *ev);
/* Free this thread's event cache: call before a thread that destroyed events exits
 * (sw_eve_thread_fini does). */
void sw_event_thread_fini(void);

/* Append one EVE metadata key/value to an alert; silently ignored past SW_ALERT_META_MAX. */
void sw_alert_meta_add(struct sw_alert *a, const char *key, const char *value);

/* Name of a type as EVE writes it ("alert", "flow", ...). */
const char *sw_event_type_name(enum sw_event_type t);
/* Parse an EVE type name; -1 when unknown. */
int sw_event_type_parse(const char *name);

/* Emitter: where a detector or the flow stage sends events. The pipeline's emitter pushes
 * to the calling worker's ring; unit tests pass one that collects into an array. The
 * emitter takes ownership of ev on every path (a full ring frees it and counts a drop). */
struct sw_emitter {
    void (*emit)(struct sw_emitter *em, struct sw_event *ev);
    void *ctx;
    /* May be NULL: told of an event a producer could not make (allocation failure), so the
     * owner of the emitter counts it (the detection stage's emitter does). */
    void (*drop)(struct sw_emitter *em);
};

static inline void
sw_emit(struct sw_emitter *em, struct sw_event *ev)
{
    em->emit(em, ev);
}

#endif
