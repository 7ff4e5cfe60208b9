/* stats.h - counter snapshots for the stats event and `seawall status`.
 *
 * Each thread owns its counters (single writer) and copies them into a snapshot; the
 * snapshot is plain data owned by the stats event that carries it. */
#ifndef SW_STATS_H
#define SW_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/net_counters.h"

/* Per-worker counters (flow table, nDPI, detection, its event ring). */
struct sw_worker_stats {
    uint64_t pkts, bytes;
    uint64_t flows_created, flows_tcp, flows_udp, flows_icmp, flows_other;
    uint64_t flows_active, flows_ended;
    uint64_t flows_timeout, flows_evicted, flows_shutdown;
    uint64_t flow_memcap_drops; /* packets with no flow: table full and nothing evictable */
    uint64_t flow_memuse;       /* bytes held by flows and their nDPI state */
    uint64_t ndpi_pkts;         /* packets given to nDPI */
    uint64_t ndpi_detected, ndpi_guessed, ndpi_unknown;
    uint64_t ndpi_alloc_fail;
    uint64_t alerts, alerts_suppressed; /* suppressed: risk exceptions */
    uint64_t anomalies, anomalies_suppressed; /* suppressed: rate limit */
    uint64_t event_drops;       /* events lost: allocation failure or full ring */
    uint64_t tcp_syn, tcp_synack, tcp_rst, tcp_fin;
    /* TCP reassembly (seawall pcap --rules; see include/sw/stream.h) */
    uint64_t stream_reassembly_memuse, stream_segments, stream_overlaps;
    uint64_t stream_overlap_conflicts, stream_gaps, stream_depth_reached, stream_memcap_drops;
    /* ... stream events (handshake anomalies: enum sw_stream_event, in that order) */
    uint64_t stream_3whs_syn_resend_diff_seq, stream_3whs_syn_flood;
    uint64_t stream_3whs_syn_resend_diff_seq_on_syn_recv, stream_3whs_synack_with_wrong_ack;
    uint64_t stream_3whs_synack_resend_with_diff_ack, stream_3whs_synack_flood;
    uint64_t stream_scans;       /* stream directions scanned with YARA */
    uint64_t stream_scan_errors; /* ... that failed or timed out (their matches are lost) */
    uint64_t stream_scan_timeouts; /* ... of those, cut by the scan time limit */
    /* HTTP bodies of reassembled HTTP flows (see include/sw/app_http.h) */
    uint64_t http_bodies;        /* bodies reported (fileinfo event, YARA scan) */
    uint64_t http_truncated;     /* ... cut by a limit or the end of the stream */
    uint64_t http_parse_errors;  /* directions stopped: malformed, not HTTP, header limit */
    uint64_t http_nomem;         /* parser allocation failures */
    /* Application-layer parsers the detection stage's buffers come from; they run only for
     * the transactions a detector asks for (see include/sw/app_dns.h, app_tls.h) */
    uint64_t dns_messages;   /* DNS messages parsed (UDP datagrams, TCP records) */
    uint64_t dns_malformed;  /* ... rejected, or with a broken record section */
    uint64_t dns_truncated;  /* ... that lost names, records or text to network.app.dns.* */
    uint64_t dns_tcp_skipped; /* DNS-over-TCP messages over max_tcp_message */
    uint64_t dns_tcp_gaps;   /* DNS-over-TCP directions stopped by a gap */
    uint64_t tls_client_hellos, tls_server_hellos, tls_certificates; /* parsed */
    uint64_t tls_not_tls;    /* directions stopped: not TLS */
    uint64_t tls_malformed;  /* hello or certificate messages that did not parse */
    uint64_t tls_too_large;  /* handshake messages over network.app.tls.max_handshake */
    uint64_t tls_names_cut;  /* certificate names cut at network.app.tls.max_name */
    uint64_t app_nomem;      /* DNS and TLS parser allocation failures */
};

/* Capture-side counters (one capture thread). */
struct sw_capture_stats {
    uint64_t files, files_failed, pkts, bytes;
    uint64_t truncated_files; /* a file ended in the middle of a packet record */
    uint64_t unsupported_linktype;
    uint64_t batch_waits;     /* times the reader waited for a worker to return a batch */
};

/* Per-interface counters of live capture. */
struct sw_iface_stats {
    char name[64];
    uint64_t received, kernel_drops, if_drops; /* libpcap's kernel counters */
    uint64_t ring_drops;                       /* no free batch for the packet's worker */
    uint64_t pkts, bytes;                      /* read by seawall */
    uint64_t errors;                           /* capture errors (the interface failed) */
    uint64_t decode_errors;                    /* packets the decoder found invalid */
};

/* Per-sink delivery counters (seawall.output.sinks[] in stats, `seawall status`): the
 * output thread's copy (output/router.c). Times are microseconds since the epoch. */
struct sw_sink_stats {
    char name[96];
    uint64_t queued;              /* records in the sink's memory queue (in flight included) */
    uint64_t sent;                /* records the sink took (write) */
    uint64_t acked;               /* delivered: acknowledged by the receiver */
    uint64_t retried;             /* given back to be sent again */
    uint64_t failed;              /* rejected by the receiver, or lost to a spool write error */
    uint64_t duplicates_possible; /* sent again although the receiver may have had them */
    uint64_t spooled_events, spooled_bytes;
    uint64_t spool_oldest_age;    /* seconds since the oldest spooled event's timestamp */
    uint64_t dropped_policy;      /* dropped by spool.when_full (or a full queue, mode off) */
    uint64_t truncated;           /* cut to fit the receiver (max_message_size) */
    uint64_t spool_errors;        /* spool writes that failed (disk full included) */
    char last_error[256];         /* "" when none yet */
    uint64_t last_error_time;
};

/* A counter of a stats struct: its name in the stats event and `seawall status`, and its
 * offset in the struct (a uint64_t). */
struct sw_stats_counter {
    const char *name;
    size_t off;
};

/* The per-sink counters of struct sw_sink_stats in the order the stats event
 * (seawall.output.sinks[]) and `seawall status` (sinks[]) write them: the one list both use.
 * name, last_error and last_error_time are written apart. sw_stats_n_sink_counters entries,
 * static and immutable (any thread). */
extern const struct sw_stats_counter sw_stats_sink_counters[];
extern const size_t sw_stats_n_sink_counters;

/* The same for the files skipped (struct sw_files_stats): stats seawall.files.skipped and
 * `seawall status` files.skipped. */
extern const struct sw_stats_counter sw_stats_files_skipped_counters[];
extern const size_t sw_stats_n_files_skipped_counters;

/* The value of counter c in the struct at base (the struct c's table describes). */
uint64_t sw_stats_counter_value(const void *base, const struct sw_stats_counter *c);

/* The host side (seawall run with files.paths): watcher, scan pool and baseline counters
 * (stats: seawall.files). */
struct sw_files_stats {
    uint64_t trees, dirs, watches, unwatched, budget;
    uint64_t events, ignored, overflows, rescans, walks, walk_files, walk_ms, unmatched;
    uint64_t errors, retro;
    uint64_t files, bytes, hashed, scanned, unchanged, matches, files_matched, ioc_matches;
    uint64_t fileinfo, timeouts;
    uint64_t changed_while_read, queued, coalesced, queue_high, event_drops;
    uint64_t skipped_size, skipped_excluded, skipped_special, skipped_overflow, skipped_error;
    /* the baseline (files.fim) */
    uint64_t fim_records, fim_record_drops, fim_events, fim_added, fim_modified;
    uint64_t fim_attributes, fim_moved, fim_deleted, fim_rows, fim_db_errors, fim_rebuilt;
};

struct sw_stats_snap {
    uint64_t uptime_us;
    struct sw_capture_stats capture;
    struct sw_decode_stats decoder;
    /* Names of decoder.events[i] as the stats event writes them, static tables of SW_DEV_MAX
     * entries set by whoever fills decoder (the decoder's: sw_decode_event_names and
     * sw_decode_event_seawall_only); a NULL name (or table) leaves the counter out. */
    const char *const *decoder_event_names;
    const bool *decoder_event_seawall_only;
    struct sw_defrag_stats defrag;
    unsigned n_workers;
    struct sw_worker_stats total;
    struct sw_worker_stats *worker; /* owned: n_workers entries */
    uint64_t output_events, output_drops;
    uint64_t output_queued;         /* events waiting in the queues to the output thread */
    unsigned n_ifaces;              /* live capture only */
    struct sw_iface_stats *iface;   /* owned: n_ifaces entries */
    unsigned n_sinks;               /* live only */
    struct sw_sink_stats *sink;     /* owned: n_sinks entries */
    bool has_files;                 /* seawall run with files.paths */
    struct sw_files_stats files;
};

/* Add b's counters to a (memuse and active are summed too). */
void sw_stats_worker_add(struct sw_worker_stats *a, const struct sw_worker_stats *b);
void sw_stats_capture_add(struct sw_capture_stats *a, const struct sw_capture_stats *b);
void sw_stats_decode_add(struct sw_decode_stats *a, const struct sw_decode_stats *b);
void sw_stats_defrag_add(struct sw_defrag_stats *a, const struct sw_defrag_stats *b);
/* NULL-safe. */
void sw_stats_snap_destroy(struct sw_stats_snap *s);

#endif
