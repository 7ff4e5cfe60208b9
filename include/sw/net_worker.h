/* net_worker.h - one network worker's packet path: flow > nDPI > stream > application-layer
 * parsers > the detection stage (include/sw/detect.h) > emit.
 *
 * A worker owns a flow table, an nDPI module, TCP reassembly, the application-layer parsers
 * of its flows (HTTP, DNS, TLS) and its stage of the installed detection set; packets reach
 * it already decoded (the capture side decodes to pick the worker). It calls the stage at
 * the hook points of include/sw/subject.h, building a subject only for hooks (and running a
 * parser only for transactions) some detector of the set asks for. Created on the main
 * thread (nDPI initialisation is not thread-safe), then used by the worker thread only. */
#ifndef SW_NET_WORKER_H
#define SW_NET_WORKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/detect.h"
#include "sw/err.h"
#include "sw/event.h"
#include "sw/hash.h"
#include "sw/packet.h"
#include "sw/stats.h"

struct sw_net_worker;

/* What keeps a worker under a watchdog: each scan of a stream or an HTTP body (a YARA scan)
 * stops at scan_timeout_s seconds (0: SW_NET_SCAN_TIMEOUT_S), and *progress (borrowed, may be
 * NULL) is incremented after each scan, so that a batch of many slow scans still shows
 * progress. Handed to the detection stage (struct sw_detect_thread_opts). */
struct sw_ndpi; /* ndpi.h */

struct sw_net_watch {
    unsigned scan_timeout_s;
    _Atomic uint64_t *progress;
    /* the worker's nDPI module, made ahead on another thread (seawall pcap makes it while the
     * rules load); taken, also on failure. NULL: sw_net_worker_create makes its own. */
    struct sw_ndpi *ndpi;
};
#define SW_NET_SCAN_TIMEOUT_S 60 /* as seawall scan's default */

/* cfg: the keys a reload does not change (borrowed, must outlive the worker); the
 * reloadable ones it reads (eve.*) come from the detection set's configuration
 * (sw_detect_cfg). index/n_workers: this worker's share of network.max_flows (and
 * network.stream.memcap). hash_key: the flow table's bucket key (copied; the process's random
 * key). det: the detection set (borrowed: must stay alive while installed). watch: as above,
 * may be NULL. em: where events go (borrowed, must outlive the worker). The worker makes its
 * detectors' thread state (a YARA scanner, ...), so create it on the thread that will use it.
 * Without stream hooks, TCP application events and network.http.bodies it does no stream
 * reassembly. */
struct sw_net_worker *sw_net_worker_create(const struct sw_config *cfg, unsigned index,
                                           unsigned n_workers, const struct sw_hash_key *hash_key,
                                           const struct sw_detect *det,
                                           const struct sw_net_watch *watch, struct sw_emitter *em,
                                           struct sw_err *err);
/* Ends every flow (reason shutdown, or timeout when expired by now_us) and frees. NULL-safe. */
void sw_net_worker_destroy(struct sw_net_worker *w, uint64_t now_us);

/* End every open flow now (end of input): their last alerts and flow events are emitted and
 * counted, so sw_net_worker_stats() afterwards has the final figures. */
void sw_net_worker_flush(struct sw_net_worker *w, uint64_t now_us);

/* One decoded packet (sw_decode_frame() returned SW_DECODE_OK). */
void sw_net_worker_packet(struct sw_net_worker *w, const struct sw_packet *p);
/* Capture time advanced to now_us: end idle flows. */
void sw_net_worker_tick(struct sw_net_worker *w, uint64_t now_us);
/* Reload: detect with set det from now on (borrowed: must stay alive while installed).
 * Worker thread. On failure (no memory for a scanner) nothing changes: the worker keeps the
 * previous set, which must then stay alive. Flows already open keep their stream consumer:
 * a set that asks for more parsing applies to new flows. */
enum sw_rc sw_net_worker_set_detection(struct sw_net_worker *w, const struct sw_detect *det,
                                       struct sw_err *err) SW_MUSTCHECK;
/* Per-rule profiling (rules.profiling): hand fn the rows of this worker's detection stage,
 * those of the sets reloads replaced included (sw_detect_thread_profile). Nothing when it
 * never profiled. Worker thread, or any thread once the worker thread is done with w. */
void sw_net_worker_profile(const struct sw_net_worker *w, sw_rule_prof_fn fn, void *ctx);
/* Fill the anomaly event ev's tuple (addresses, ports, protocol, VLANs; has_tuple) from the
 * decoded packet p, an IPv4 or IPv6 one: the same for the capture side's decode anomalies and
 * a worker's stream anomalies. Any thread (touches only ev and reads p). */
void sw_net_worker_anomaly_tuple(struct sw_event *ev, const struct sw_packet *p);
/* Copy this worker's counters. */
void sw_net_worker_stats(const struct sw_net_worker *w, struct sw_worker_stats *out);

#endif
