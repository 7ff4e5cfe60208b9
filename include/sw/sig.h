/* sig.h - Suricata-syntax signatures (*.rules): load, prefilter, match.
 *
 * Loading (main thread): every *.rules file of a folder (or one file) is parsed rule by rule.
 * A rule with a syntax error is reported as "file:line: keyword: message" and counted as
 * failed; a rule using a keyword seawall does not implement is reported by name and left out
 * (counted), never loaded half-understood; the other rules load. The loaded set is compiled
 * into Hyperscan databases (one per group of protocol, direction, port class and buffer), kept
 * in a cache directory under the same trust rules as the YARA cache, and is immutable: any
 * number of threads match against it, each with its own sw_sig_thread.
 *
 * Matching (worker threads): the caller describes one inspection (a packet, new stream bytes
 * of one direction, or an application-layer transaction with its named buffers) as a struct
 * sw_sig_input; every rule whose prefilter pattern occurs, and every rule without one, is
 * evaluated in full, and each match that raises an alert is handed to a callback. Per-flow
 * state (flowbits, which rules already alerted on a transaction, a passed flow) lives in a
 * slot the caller keeps with the flow and frees with sw_sig_flow_free. */
#ifndef SW_SIG_H
#define SW_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"
#include "sw/event.h"
#include "sw/rule_prof.h"

/* The buffers a rule inspects. PAYLOAD is the packet payload at the packet hook and the
 * reassembled stream bytes at the stream hook; the others are named application-layer
 * buffers given at the transaction hook. */
enum sw_sig_buf {
    SW_SIG_BUF_PAYLOAD = 0,
    SW_SIG_BUF_HTTP_METHOD,
    SW_SIG_BUF_HTTP_URI,         /* normalized */
    SW_SIG_BUF_HTTP_URI_RAW,
    SW_SIG_BUF_HTTP_HOST,        /* normalized: lower case, no port */
    SW_SIG_BUF_HTTP_USER_AGENT,
    SW_SIG_BUF_HTTP_HEADER,      /* request or response headers, "Name: value\r\n" each,
                                  * without Cookie and Set-Cookie */
    SW_SIG_BUF_HTTP_HEADER_NAMES, /* "\r\nName1\r\nName2\r\n\r\n" */
    SW_SIG_BUF_HTTP_COOKIE,
    SW_SIG_BUF_HTTP_CONTENT_TYPE,
    SW_SIG_BUF_HTTP_STAT_CODE,
    SW_SIG_BUF_HTTP_REQUEST_BODY,  /* de-chunked, decompressed */
    SW_SIG_BUF_HTTP_RESPONSE_BODY, /* de-chunked, decompressed */
    SW_SIG_BUF_FILE_DATA,          /* the body of the direction inspected */
    SW_SIG_BUF_DNS_QUERY,
    SW_SIG_BUF_TLS_SNI,
    SW_SIG_BUF_TLS_CERT_SUBJECT,
    SW_SIG_BUF_TLS_CERT_ISSUER,
    SW_SIG_BUF_JA3_HASH,
    SW_SIG_BUF_JA3S_HASH,
    /* Packet buffers (Suricata's ip.src / ip.dst): the inspection's source or destination
     * address as raw bytes, 4 (IPv4) or 16 (IPv6), at any hook; taken from src/dst below,
     * never from buf[][]. */
    SW_SIG_BUF_IP_SRC,
    SW_SIG_BUF_IP_DST,
    /* A whole file's digest as raw bytes (16, 32), given at the transaction hook with the
     * body it is of, only when that body is complete (Suricata's closed file): what
     * filemd5 / filesha256 look up. Not sticky buffers: no keyword selects them. */
    SW_SIG_BUF_FILE_MD5,
    SW_SIG_BUF_FILE_SHA256,
    SW_SIG_BUF_MAX
};

/* Current spelling of a buffer ("http.uri"). Static. */
const char *sw_sig_buf_name(enum sw_sig_buf b);
/* true for buffers sent by the server (http.stat_code, http.response_body, ja3s.hash, the
 * certificate fields). */
bool sw_sig_buf_to_client(enum sw_sig_buf b);

/* Diagnostics: a rule that failed (syntax: "file:line: keyword: message"), a warning, or a
 * rule left out ("file:line: sid N: unsupported keyword 'x': rule left out"). */
enum sw_sig_diag { SW_SIG_DIAG_ERROR, SW_SIG_DIAG_WARNING, SW_SIG_DIAG_LEFT_OUT };
/* One diagnostic line; msg is valid for the call. Called on the loading thread. */
typedef void (*sw_sig_report_fn)(void *ctx, enum sw_sig_diag kind, const char *msg);

struct sw_sig_load_opts {
    const char *path;            /* borrowed: a folder (every *.rules below it, sorted) or
                                  * one .rules file */
    const struct sw_config *cfg; /* borrowed: vars.*, network.home_net; NULL: defaults */
    const char *cache_dir;       /* borrowed: compiled prefilter databases; NULL: no cache */
    const char *classification;  /* borrowed: classification.config; NULL: the one in the
                                  * rules folder (or beside the file), else the built-in */
    sw_sig_report_fn report;     /* may be NULL */
    void *ctx;
};

/* Why rules were left out: an unsupported keyword and how many rules used it. */
#define SW_SIG_TOP_KEYWORDS 10
struct sw_sig_load_stats {
    size_t files, files_failed; /* *.rules files read; unreadable ones */
    size_t rules;               /* loaded */
    size_t left_out;            /* an unsupported keyword (named in its own line) */
    size_t failed;              /* a syntax error */
    size_t warnings;
    size_t databases, databases_cached; /* prefilter databases; those read from the cache */
    size_t patterns_compiled, patterns_cached; /* pcre patterns compiled; read from the cache */
    size_t always_run;          /* rules without a prefilter pattern (but IP-only ones) */
    size_t iponly;              /* IP-only rules (per protocol class): once per flow direction */
    struct {
        char keyword[64];
        size_t rules;
    } top[SW_SIG_TOP_KEYWORDS]; /* most frequent reasons to leave a rule out */
    size_t n_top;
};

struct sw_sig_set;

/* Load o->path as described above. Returns the set (caller owns it: sw_sig_set_destroy),
 * possibly with zero rules, or NULL with err set when the path cannot be read, a database
 * cannot be compiled or memory runs out. Main thread (may create an nDPI module to resolve
 * ndpi-protocol names); a folder's files are parsed on it and one thread of its own, joined
 * before it returns, and o->report is called on the calling thread only, in file order. */
struct sw_sig_set *sw_sig_load(const struct sw_sig_load_opts *o, struct sw_sig_load_stats *st,
                               struct sw_err *err);
/* As sw_sig_load for the rules text[0, len) named name (o->path is the folder datasets and
 * classification.config are looked up in, may be NULL). For tests and the fuzz target. */
struct sw_sig_set *sw_sig_load_text(const char *name, const char *text, size_t len,
                                    const struct sw_sig_load_opts *o,
                                    struct sw_sig_load_stats *st, struct sw_err *err);
/* NULL-safe. Only once no thread matches against it. A large set (1,024 rules or more) is
 * freed on a detached thread of its own (and one more it joins) after this returns: at the
 * end of a process its memory is then never freed. The sanitizer build frees it before
 * returning. */
void sw_sig_set_destroy(struct sw_sig_set *s);
size_t sw_sig_set_count(const struct sw_sig_set *s);

/* What the set inspects: bits (1u << enum sw_sig_hook) of the hooks some rule needs, and
 * the buffers its rules read (1u << enum sw_sig_buf). Any thread. */
unsigned sw_sig_set_hooks(const struct sw_sig_set *s);
uint32_t sw_sig_set_bufs(const struct sw_sig_set *s);

/* Hooks: where in the worker an inspection happens. */
enum sw_sig_hook {
    SW_SIG_HOOK_PACKET, /* every decoded packet of a flow */
    SW_SIG_HOOK_STREAM, /* new in-order bytes of one TCP direction */
    SW_SIG_HOOK_TX,     /* an application-layer transaction (request and/or response) */
};

struct sw_sig_bufview {
    const uint8_t *data; /* borrowed for the call */
    size_t len;
    bool present;
};

/* One inspection. Plain data borrowed for the call. Addresses and ports are those of this
 * inspection's direction: src is the sender of the packet or data. */
struct sw_sig_input {
    enum sw_sig_hook hook;
    uint64_t ts_us;
    uint8_t ip_version, proto; /* 4/6, IPPROTO_* */
    const uint8_t *src, *dst;  /* 16 bytes each (IPv4 in the first 4) */
    uint16_t sport, dport;
    bool to_server;            /* from the flow's client */
    /* PACKET: header fields for dsize, flags, ttl, itype, icode */
    bool has_packet;
    uint8_t ttl, tcp_flags, icmp_type, icmp_code;
    bool pkt_stream;           /* TCP packet whose payload the stream inspects */
    /* PACKET: Suricata's PKT_NOPAYLOAD_INSPECTION (encrypted TLS): no rule that needs a
     * payload matches (a payload keyword, or a dsize that needs one: detect-engine-build.c's
     * SIG_MASK_REQUIRE_PAYLOAD), the payload is not scanned; other dsize forms (< N, 0)
     * still compare payload_len, the packet's length */
    bool no_payload;
    /* flow */
    bool established;          /* TCP: handshake seen (or mid-stream data both ways); UDP:
                                * packets seen both ways */
    const char *app_proto;     /* Suricata's name ("http", "dns", "tls"), "" while unknown */
    const struct sw_ndpi_info *ndpi; /* may be NULL */
    bool ndpi_done;            /* nDPI finished (or gave up) on the flow */
    uint64_t ndpi_risks;       /* the flow's nDPI risk bits */
    void **flow_state;         /* the flow's slot for this module (starts NULL); NULL: none */
    /* PACKET and STREAM: the payload. STREAM: the new in-order bytes of this direction, at
     * stream_off in its stream; chunks follow each other without overlap: the flow state
     * keeps the last SW_SIG_STREAM_KEEP bytes so a match across two chunks is found, and a
     * match is reported only when it ends in the new bytes. */
    const uint8_t *payload;
    size_t payload_len;
    uint64_t stream_off;
    /* TX: src/sport are the client's (whatever the packet's direction), to_server true.
     * Buffers by side: [0] what the client sent (request), [1] the server's (response);
     * read at the TX hook only (a packet's or chunk's input may leave them unset). */
    uint64_t tx_id;
    struct sw_sig_bufview buf[2][SW_SIG_BUF_MAX];
};

/* Bytes of the previous stream chunks kept per direction for matches across chunks. */
#define SW_SIG_STREAM_KEEP 2048

/* A rule that raised an alert: valid for the callback only (strings live in the set). */
struct sw_sig_alert {
    uint32_t gid, sid, rev;
    int priority;            /* 1 high .. 4+; severity in EVE */
    bool to_client;          /* direction of what matched */
    const char *msg;         /* "" when none */
    const char *category;    /* classtype description, "" when none */
    const char *classtype;   /* short name, "" when none */
    const char *const *meta_keys, *const *meta_values; /* metadata, in rule order */
    unsigned n_meta;
    const char *target;      /* "src_ip", "dest_ip" or NULL */
    uint64_t tx_id;
    bool has_tx;
};

typedef void (*sw_sig_alert_fn)(void *ctx, const struct sw_sig_alert *a);

/* Per-thread matching state: Hyperscan scratch, PCRE2 match data, candidate set, threshold
 * table. s is borrowed and must outlive it. Caller owns the result. */
struct sw_sig_thread *sw_sig_thread_create(const struct sw_sig_set *s, struct sw_err *err);
void sw_sig_thread_destroy(struct sw_sig_thread *t); /* NULL-safe */

/* Inspect in; every alert goes to fn. Returns the number of alerts. The thread's own. */
unsigned sw_sig_inspect(struct sw_sig_thread *t, const struct sw_sig_input *in,
                        sw_sig_alert_fn fn, void *ctx);

/* Free a flow's slot (*flow_state of the inputs). NULL-safe. Worker thread. */
void sw_sig_flow_free(void *flow_state);

/* Rule profiling: when on, each thread counts per rule the full evaluations and the time
 * they took. Set before threads are created. */
void sw_sig_set_profiling(struct sw_sig_set *s, bool on);
struct sw_sig_profile {
    uint32_t gid, sid;
    uint64_t checks, matches, ns;
};
/* Add thread t's counters into out[0, n) (n = sw_sig_set_count, in rule order). */
void sw_sig_thread_profile(const struct sw_sig_thread *t, struct sw_sig_profile *out, size_t n);
/* Thread t's figures (t made from s) as profile rows, one per rule evaluated at least once,
 * with its msg and rev (rules/sig_profile.c); nothing when s is not profiling. The thread's
 * own. */
void sw_sig_profile_rows(const struct sw_sig_set *s, const struct sw_sig_thread *t,
                         sw_rule_prof_fn fn, void *ctx);

/* Counters of one thread. pcre_compiled: patterns this thread JIT-compiled (its own copy of
 * a pattern, made at the pattern's first evaluation). */
struct sw_sig_counters {
    uint64_t inspections, prefilter_scans, candidates, always_run, evaluations, alerts,
        threshold_suppressed, pcre_errors, pcre_compiled;
};
void sw_sig_thread_counters(const struct sw_sig_thread *t, struct sw_sig_counters *out);

/* Hyperscan's version string and whether this CPU can run it (SSSE3). */
const char *sw_sig_hs_version(void);
bool sw_sig_hs_cpu_ok(void);

#endif
