/* config.h - the loaded configuration: plain, immutable once loaded.
 *
 * Field paths match the canonical YAML key names of SPEC.md ("network.max_flows" is
 * cfg->network.max_flows). Durations are microseconds, sizes bytes. A config is built by
 * sw_cfg_load() (agent/config.c, driven by the schema table in agent/config_schema.c) or
 * sw_cfg_defaults(), owned by whoever loaded it, and freed with sw_cfg_free(). Threads read
 * it through an immutable snapshot; nobody writes a loaded config. */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"

struct sw_strlist {
    char **v; /* owned, each owned */
    size_t n;
};

/* Names to strings (vars.address_groups): names are [A-Za-z_][A-Za-z0-9_]*, unique. */
struct sw_strmap {
    char **k, **v; /* owned, n each, each owned */
    size_t n;
};

struct sw_cidr {
    uint8_t version; /* 4 or 6 */
    uint8_t prefix;  /* 0..32 or 0..128 */
    uint8_t addr[16]; /* network address, host bits cleared; IPv4 in the first 4 bytes */
};

struct sw_cidrlist {
    struct sw_cidr *v; /* owned */
    size_t n;
};

/* Does addr (4 or 16 bytes per version) fall in any CIDR of the list? */
bool sw_cidrlist_match(const struct sw_cidrlist *l, int version, const uint8_t *addr);
/* Parse "10.0.0.0/8", "2001:db8::/32" or a bare address (full-length prefix). Host bits are
 * cleared ("10.1.2.3/8" is 10.0.0.0/8). SW_EINVAL for anything else (blanks, "/33", "%eth0").
 * (agent/util/cidr.c; any thread.) */
enum sw_rc sw_cidr_parse(const char *s, struct sw_cidr *out) SW_MUSTCHECK;
/* "10.0.0.0/8" into buf (SW_CIDR_STRLEN bytes suffice). Returns buf. */
#define SW_CIDR_STRLEN 50
char *sw_cidr_format(const struct sw_cidr *c, char *buf, size_t len);

struct sw_cfg_iface {
    char *name; /* owned */
    char *bpf;  /* owned, "" for none */
    uint32_t snaplen;
    uint64_t buffer_size;
    bool promisc;
};

enum sw_when_full { SW_WHEN_FULL_DROP_OLDEST, SW_WHEN_FULL_DROP_NEWEST };

/* files.mode: how watched trees are followed (include/sw/watch.h says what each does). */
enum sw_files_mode {
    SW_FILES_AUTO = 0,      /* fanotify, falling back per tree to directory marks, inotify,
                             * then scheduled walks */
    SW_FILES_FANOTIFY,      /* fanotify filesystem marks only */
    SW_FILES_FANOTIFY_DIRS, /* fanotify with a mark on every directory */
    SW_FILES_INOTIFY,       /* inotify, a watch on every directory */
    SW_FILES_SCAN,          /* scheduled walks only (files.scan_interval) */
};

/* network.app.tls.encryption_handling: what Suricata rules inspect of a TLS connection
 * after its first application data record (Suricata's app-layer.protocols.tls.
 * encryption-handling): track-only stops payload and stream inspection there (tls.*
 * buffers go on), full inspects the encrypted bytes too. */
enum sw_tls_encryption { SW_TLS_ENC_TRACK_ONLY = 0, SW_TLS_ENC_FULL };

/* files.ionice: the I/O scheduling class of the scan threads. */
enum sw_files_ionice { SW_IONICE_NONE = 0, SW_IONICE_BEST_EFFORT, SW_IONICE_IDLE };

/* Event types a sink takes (bit set). */
enum sw_event_type {
    SW_EV_ALERT = 0,
    SW_EV_FLOW,
    SW_EV_FILEINFO,
    SW_EV_FIM,
    SW_EV_ANOMALY,
    SW_EV_STATS,
    SW_EV_ENGINE,
    SW_EV_RULE_PROFILE,
    SW_EV_TYPE_MAX
};
#define SW_EV_ALL ((1u << SW_EV_TYPE_MAX) - 1u)

enum sw_spool_mode {
    SW_SPOOL_DEFAULT = 0, /* a sink's spool.mode not given: the top-level spool.mode */
    SW_SPOOL_ALWAYS,      /* write-ahead: every event of a network sink is spooled first */
    SW_SPOOL_OVERFLOW,    /* only what the memory queue cannot hold (and the rest at exit) */
    SW_SPOOL_OFF,         /* memory only: lost on a crash, dropped when the queue is full */
};

enum sw_spool_fsync { SW_FSYNC_BATCH, SW_FSYNC_INTERVAL, SW_FSYNC_NEVER };

/* outputs[].tls: present (enabled) when any key is given. Paths are owned strings; "" is
 * "not set". */
struct sw_cfg_tls {
    bool enabled;       /* the sink has a tls: section (or transport: tls) */
    char *ca;           /* CA bundle file or a folder of PEM files; "": the system's */
    char *cert, *key;   /* client certificate and its private key (PEM); "" for none */
    char *server_name;  /* name verified and sent as SNI; "": the host of address */
    bool verify;        /* verify the receiver's certificate and name (default true) */
    int min_version;    /* 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3) */
};

struct sw_cfg_sink {
    char *type;     /* owned: "file", "stdout", "syslog", "tcp", "http", "kafka" */
    char *name;     /* owned: stats name and spool folder; NULL: "<type>-<address or path>" */
    char *path;     /* owned: file sink path, or NULL */
    char *address;  /* owned: host:port for network sinks, or NULL */
    uint32_t types; /* 1u << enum sw_event_type */
    bool truncate;  /* file: start empty (seawall pcap -o) instead of appending (daemon) */
    bool follow;    /* file: a symlink at path is followed (a path the user named on the
                     * command line, -o /dev/stdout); never for configured outputs, which
                     * root may open in a folder agent.user owns */
    char *transport;          /* owned: syslog: "udp", "tcp", "tls", "relp" */
    char *facility;           /* owned: syslog facility name ("local5") */
    uint64_t max_message_size; /* syslog: bytes of one message, header included */
    struct sw_cfg_tls tls;
    /* http (output/sink_http.c); strings NULL when not given */
    char *url;            /* owned: base URL, "http(s)://host[:port][/path]" */
    char *format;         /* owned: "elasticsearch" or "splunk" */
    char *index;          /* owned: elasticsearch index (strftime, UTC); splunk index */
    char *token;          /* owned: elasticsearch API key, splunk HEC token (a secret) */
    char *username;       /* owned: HTTP basic authentication, with password_file */
    char *password_file;  /* owned: file holding the password, not world-readable */
    char *sourcetype;     /* owned: splunk sourcetype */
    char *channel;        /* owned: splunk X-Splunk-Request-Channel ("": generated) */
    bool gzip;            /* Content-Encoding: gzip request bodies */
    bool ack;             /* splunk: indexer acknowledgement */
    uint64_t timeout;     /* us: one HTTP request, connect included */
    uint64_t ack_interval; /* us: splunk: how often /services/collector/ack is asked */
    uint64_t ack_timeout;  /* us: splunk: an ackId unanswered this long is sent again */
    struct {
        char *path;        /* owned: rejected documents ("": <state_dir>/deadletter-<name>.json) */
        uint64_t max_size; /* bytes; what would pass it is not written (counted) */
    } dead_letter;
    /* kafka (output/sink_kafka.c) */
    struct sw_strlist brokers; /* host:port bootstrap servers (else address) */
    char *topic;          /* owned: topic, "%{event_type}" replaced per event type */
    char *key;            /* owned: "community_id" (rec->key) or "none" */
    struct sw_strlist kafka; /* librdkafka properties: name, value, name, value ... */
    struct {
        uint64_t max_events, max_bytes; /* records held in memory, in flight included */
    } queue;
    struct {
        uint64_t max_events, max_bytes; /* records per write() */
        uint64_t linger;                /* us: longest wait for a fuller batch */
    } batch;
    struct {
        uint64_t initial, max; /* us: back-off after a failure, doubling, with jitter */
    } retry;
    struct {
        int mode;          /* enum sw_spool_mode (SW_SPOOL_DEFAULT: spool.mode) */
        uint64_t max_size; /* bytes; 0: spool.max_size */
    } spool;
};

struct sw_config {
    char *source; /* owned: file it came from, or "defaults" */

    struct {
        char *id; /* owned: EVE "host"; "" means the hostname */
        char *user, *group, *state_dir, *run_dir; /* owned */
        int log_level; /* enum sw_log_level */
        bool seccomp;
        uint64_t stop_timeout; /* us */
    } agent;

    struct {
        struct sw_cfg_iface *interfaces; /* owned */
        size_t n_interfaces;
        uint32_t workers;
        struct sw_cidrlist home_net;
        uint64_t max_flows;
        struct {
            uint64_t tcp_new, tcp_established, tcp_closed, udp, icmp, other; /* us */
        } timeouts;
        struct {
            uint64_t memcap;
            uint64_t timeout; /* us */
            uint32_t max_trackers;
        } fragments;
        struct {
            uint64_t depth, memcap;
        } stream;
        struct {
            bool bodies;       /* HTTP bodies of HTTP flows: fileinfo (and YARA with rules) */
            uint64_t max_body; /* bytes of one body hashed and scanned, as sent and decoded */
            uint32_t max_header_bytes; /* one header block (start line and headers) */
            uint32_t max_pipeline;     /* requests waiting for their response */
        } http;
        /* Application-layer parsers the detection stage's buffers come from (DNS and TLS
         * run only when a detector asks for their transactions). */
        struct {
            struct {
                uint32_t max_queries, max_records, max_name_len, max_pointers, max_text;
                uint32_t max_tcp_message;
            } dns;
            struct {
                uint32_t max_handshake, max_name;
                int encryption_handling; /* enum sw_tls_encryption */
            } tls;
        } app;
        struct {
            uint32_t max_layers;
            bool tunnels;
            uint32_t vxlan_port;
        } decode;
        uint32_t ring_size;   /* batches queued to each worker (power of two) */
        uint32_t batch_size;  /* bytes per packet batch */
    } network;

    struct {
        char *protos_file, *categories_file, *risky_domains_file, *ja3_file, *sha1_file; /* owned */
        struct {
            uint32_t tcp, udp;
        } max_packets;
        struct {
            struct sw_strlist risks; /* NDPI_* enum names */
            struct sw_cidrlist cidrs;
            struct sw_strlist hostnames; /* exact, or "*.suffix" */
        } risk_exceptions;
    } ndpi;

    struct {
        bool community_id;
        uint32_t community_id_seed; /* 0..65535 */
        uint32_t anomaly_rate;      /* anomaly events per second of capture time, per worker */
    } eve;

    struct {
        char *dir;          /* owned */
        char *profile_file; /* owned: "" none; Suricata rules' per-rule costs appended here */
        bool profiling;     /* per-rule checks, matches, time: rule_profile event */
        uint32_t profiling_limit; /* rules in the rule_profile event and table, 0: all */
    } rules;

    /* Address and port groups of Suricata rules ($NAME); HOME_NET is network.home_net
     * unless address_groups sets it. */
    struct {
        struct sw_strmap address_groups, port_groups;
    } vars;

    struct {
        struct sw_strlist paths;   /* absolute watched trees */
        struct sw_strlist exclude; /* globs, or absolute prefixes (no glob character) */
        int mode;                  /* enum sw_files_mode */
        uint64_t scan_interval;    /* us: full walk against the baseline */
        uint64_t max_scan_size;    /* bytes YARA-scanned; larger files are only hashed */
        uint64_t max_hash_size;    /* bytes hashed; larger files are skipped (size) */
        uint32_t scan_threads;
        uint32_t queue_size;       /* files waiting for a scan worker (coalesced per path) */
        uint32_t max_watches;      /* inotify watches; 0: from fs.inotify.max_user_watches */
        bool one_filesystem, recursive;
        uint32_t nice;             /* scan threads' CPU nice value */
        int ionice;                /* enum sw_files_ionice */
        uint64_t retro_hunt;       /* us: rescan files changed this recently after a reload */
        bool fim;
    } files;

    struct sw_cfg_sink *outputs; /* owned */
    size_t n_outputs;

    struct {
        char *dir; /* owned */
        int mode;          /* enum sw_spool_mode (never SW_SPOOL_DEFAULT) */
        uint64_t max_size; /* bytes: all sinks together, and each sink unless it says less */
        int when_full;     /* enum sw_when_full */
        int fsync;         /* enum sw_spool_fsync */
        uint64_t fsync_interval; /* us: fsync: interval */
        uint64_t segment_size;   /* bytes: a segment file is closed at this size */
    } spool;

    struct {
        uint64_t interval; /* us */
    } stats;
};

/* Hard limits on a config document, whatever the schema says: a larger file, a deeper
 * nesting, more nodes (after expanding aliases) or more anchors is rejected before use. */
#define SW_CFG_MAX_BYTES (1024u * 1024u)
#define SW_CFG_MAX_DEPTH 32
#define SW_CFG_MAX_NODES 100000u
#define SW_CFG_MAX_ANCHORS 100

/* Receives each error message of a load, in order, on the calling thread during the call. */
typedef void (*sw_cfg_report_fn)(void *ctx, const char *msg);

/* A config with every default (SPEC.md). Returns NULL and fills err on allocation failure.
 * Caller owns the result. */
struct sw_config *sw_cfg_defaults(struct sw_err *err);

/* Load a YAML file over the defaults, then apply overrides ("key.path=value", may be NULL).
 * path NULL means no file: defaults plus overrides. An empty file is all defaults.
 * On error returns NULL; err holds the first message ("file:line:column: key: problem",
 * "--set key: problem" for an override) with SW_EINVAL (SW_EIO: the file cannot be read,
 * SW_ENOMEM: out of memory, which wins over earlier messages), and every message is also
 * passed to report (if not NULL), so `config check` can print all of them; nothing is
 * applied partially.
 * An override's value is taken as plain text for scalar keys ("agent.id=web 1") and as YAML
 * for lists, tables and sections ("network.home_net=[10.0.0.0/8, fd00::/8]",
 * "network.interfaces=[{name: eth1, promisc: false}]", "network.timeouts={udp: 60s}"); a
 * plain scalar given for a list is a one-item list. Later overrides win. Caller owns the
 * result. Any thread; report is called synchronously, inside the call. */
struct sw_config *sw_cfg_load(const char *path, const char *const *overrides, size_t n_overrides,
                              sw_cfg_report_fn report, void *ctx, struct sw_err *err);

/* As sw_cfg_load, from a buffer (len bytes, need not be NUL-terminated); name is used in
 * messages and as cfg->source. For the fuzz target and tests. */
struct sw_config *sw_cfg_load_buffer(const char *name, const char *buf, size_t len,
                                     const char *const *overrides, size_t n_overrides,
                                     sw_cfg_report_fn report, void *ctx, struct sw_err *err);

/* NULL-safe. */
void sw_cfg_free(struct sw_config *cfg);

/* Write the effective configuration as "key.path: value" lines in schema order, lists and
 * tables as YAML flow sequences, values equal to the default followed by "  # default". */
void sw_cfg_dump(const struct sw_config *cfg, int fd);

/* Write the key reference (Markdown table: key, type, default, range, description) for the
 * README and `seawall config check --help`. */
void sw_cfg_doc(int fd);

/* Reload: count the keys that differ between the running config and a new one but only take
 * effect on restart, passing each key path to report (may be NULL). The daemon keeps the
 * running values for them. */
size_t sw_cfg_restart_changes(const struct sw_config *running, const struct sw_config *next,
                              sw_cfg_report_fn report, void *ctx);

#endif
