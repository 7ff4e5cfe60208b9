/* pipeline_threads.h - what the files of the network pipeline share (agent/pipeline.c: set-up,
 * tear-down, seawall pcap and the live API; pipeline_threads.c: what the worker and capture
 * threads run). Only agent/pipeline*.c include it; which thread may touch what is said at each
 * struct field. */
#ifndef SW_PIPELINE_THREADS_H
#define SW_PIPELINE_THREADS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sw/decode.h"
#include "sw/defrag.h"
#include "sw/detset.h"
#include "sw/hash.h"
#include "sw/net_worker.h"
#include "sw/pipeline.h"
#include "sw/ring.h"
#include "sw/router.h"
#include "sw/src_live.h"
#include "sw/stats.h"

#define BATCH_PKTS 512
#define BATCH_MIN_BYTES (320u * 1024u) /* > libpcap's largest snap length (256 KiB) */
#define EVENT_RING 4096
#define LIVE_TICK_US 1000000u /* live: workers hear the time at least this often */
#define LIVE_WAIT_MS 1000     /* live: idle threads wake this often (heartbeat, requests) */
#define LIVE_DISPATCH 4096    /* live: packets taken from libpcap per call */

/* Packets copied for one worker; data of pkt[i] points into buf. */
struct batch {
    uint32_t n;
    size_t used, cap;
    uint64_t now_us;    /* capture time when sent: the worker expires flows against it */
    bool final;         /* last batch of its lane: the capture side stops */
    uint32_t stats_gen; /* != 0: publish a counter snapshot tagged with it (offline -v) */
    uint8_t *buf;       /* owned */
    struct sw_packet pkt[BATCH_PKTS];
};

/* A sleeping thread's doorbell: see output/router.c for the protocol. */
struct bell {
    int efd;
    _Atomic int sleeping;
};

/* One capture side to one worker. */
struct lane {
    struct sw_ring in;  /* producer capture side, consumer worker */
    struct sw_ring ret; /* producer worker, consumer capture side */
    struct batch *cur;  /* capture side: batch being filled */
    struct batch *stop; /* the final, empty batch (made at set-up so stopping needs no memory) */
    unsigned n_batches; /* allocated so far (capture side) */
};

struct worker {
    struct sw_pipeline *pl;
    unsigned idx;
    pthread_t thread;
    bool started;
    struct sw_net_worker *nw; /* owned by the worker thread once started */
    struct sw_producer *prod; /* owned by the router */
    struct sw_emitter em;     /* the net worker's: stamps the host, then prod's emitter */
    struct bell bell;
    unsigned finals;              /* worker thread: lanes that delivered their final batch */
    uint64_t now_us;              /* worker thread: latest capture time heard */
    struct sw_det_reader rd;      /* the detection set in use (acknowledges a swap) */
    struct sw_worker_stats final; /* written by the worker before exit, read after join */
    _Atomic int ready;            /* the worker made its nDPI module (or failed to) */
    struct sw_worker_stats snap;  /* written by the worker before snap_gen, read by main after */
    _Atomic uint32_t snap_gen;
    _Atomic int init_failed;
    struct sw_err init_err; /* written by the worker before `ready` */
    _Atomic uint64_t beat;  /* loop iterations: the watchdog's proof of progress */
    uint64_t beat_seen;     /* main thread */
    /* owned: profile rows, written by the worker before it exits, read after the join */
    struct sw_rule_prof *prof;
};

/* A capture side: the main thread offline, one thread per interface live. */
struct capture {
    struct sw_pipeline *pl;
    unsigned idx;
    pthread_t thread;
    bool started;
    struct sw_live *live;     /* owned; NULL offline */
    struct lane *lane;        /* owned: one per worker */
    struct bell bell;         /* offline: waits for batches to come back */
    struct sw_producer *prod; /* owned by the router: anomaly events */
    struct sw_det_reader rd;  /* detection set in use: network.decode.*, eve.anomaly_rate */
    struct sw_defrag *defrag; /* owned */
    struct sw_decode_stats dstats;
    struct sw_capture_stats cstats;
    struct sw_worker_stats ws; /* anomaly counters of this capture side */
    struct sw_iface_stats ifs; /* live counters */
    uint64_t now_us;
    uint64_t next_tick_us;
    const char *source; /* offline: the file being read; live: the interface */
    uint64_t pkt_no;
    /* anomaly rate limit in capture time */
    uint64_t anomaly_sec;
    uint32_t anomaly_in_sec;
    /* live snapshots, as for workers */
    struct {
        struct sw_capture_stats c;
        struct sw_decode_stats d;
        struct sw_defrag_stats f;
        struct sw_worker_stats w;
        struct sw_iface_stats i;
    } snap;
    _Atomic uint32_t snap_gen;
    _Atomic uint64_t beat;
    uint64_t beat_seen;
    _Atomic int failed;
    struct sw_err fail_err; /* written before `failed` */
};

struct sw_pipeline {
    const struct sw_config *cfg;
    bool live;
    unsigned n;       /* workers */
    struct worker *w; /* owned */
    /* Hash keys, set before any thread starts and read-only after (one pipeline per
     * process). flow_key: every worker's flow-table buckets, random: a sender who could pick
     * flows sharing a chain would make each packet walk it. dispatch_key: which worker gets
     * a packet (sw_flow_hash_hosts), live only; see pipeline_setup. */
    struct sw_hash_key flow_key;
    struct sw_hash_key dispatch_key;
    unsigned n_cap;      /* capture sides */
    struct capture *cap; /* owned */
    struct sw_router *router;
    struct sw_producer *main_prod; /* live: the main thread's stats and engine events */
    struct sw_decode_cfg dcfg;     /* offline: the capture side's (live: each set has one) */
    size_t batch_cap;
    unsigned max_batches;
    int stop_efd; /* live: readable once capture must stop */
    _Atomic int stopping;
    bool started, stopped, drained; /* main thread: start() ran; stop() ran; and drained */
    /* detection sets: workers adopt a newly published one between batches */
    struct sw_det_pub det;
    _Atomic uint32_t snap_req; /* live: generation of the snapshot asked for */
    uint64_t start_us;
    long stall_worker;       /* test hook: -1 none */
    unsigned scan_timeout_s; /* per YARA scan; 0: the default (sw_pipeline_set_watchdog) */
    /* offline: the workers' nDPI modules made ahead (borrowed), or NULL */
    struct sw_ndpi_ahead *ndpi_ahead;
    /* offline -v: a stats event every stats.interval of capture time */
    bool periodic_stats;
    uint64_t next_stats_us;
    uint32_t stats_gen;
};

/* A sleeping thread's doorbell (see output/router.c for the protocol): ring it, or sleep
 * until rung or timeout_ms (-1: none) unless ready(arg) turns true after announcing it. */
void sw_pipeline_bell_ring(struct bell *b);
void sw_pipeline_bell_wait(struct bell *b, bool (*ready)(void *), void *arg, int timeout_ms);
/* bell_wait conditions: worker arg made its nDPI module (or failed to). */
bool sw_pipeline_worker_ready(void *arg);
/* Did a worker fail to make its nDPI module? (The reader then stops early.) */
bool sw_pipeline_workers_failed(struct sw_pipeline *pl);
void sw_pipeline_batch_destroy(struct batch *b); /* NULL-safe */
/* The set's EVE host on an event made by a thread that holds set d. */
void sw_pipeline_stamp_host(struct sw_event *ev, const struct sw_det_set *d);
/* A worker's emitter (its em.emit): stamps the host, then its producer's emitter. */
void sw_pipeline_worker_emit(struct sw_emitter *em, struct sw_event *ev);
/* Worker i's thread: wait for its nDPI module made ahead and take it; NULL with err filled
 * when making it failed. */
struct sw_ndpi *sw_pipeline_ndpi_take(struct sw_ndpi_ahead *a, unsigned i, struct sw_err *err);
/* Thread entries: a worker (arg: struct worker), a live capture thread (struct capture). */
void *sw_pipeline_worker_main(void *arg);
void *sw_pipeline_capture_main(void *arg);
/* Offline capture side (the main thread): read one file into the lanes (false: it could not
 * be read, reported); then send every lane's final batch and wait for the workers' return. */
bool sw_pipeline_read_file(struct capture *cp, const char *path);
void sw_pipeline_capture_finish(struct capture *cp);
/* pipeline.c: a stats event of every counter (final: the threads have ended). NULL on
 * allocation failure. */
struct sw_event *sw_pipeline_stats_event(struct sw_pipeline *pl, bool final);

#endif
