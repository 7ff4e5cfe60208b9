/* net_worker.h - one network worker's packet path: flow > nDPI > detectors > emit.
 *
 * A worker owns a flow table, an nDPI module and its per-thread detector state; packets
 * reach it already decoded (the capture side decodes to pick the worker). Created on the
 * main thread (nDPI initialisation is not thread-safe), then used by the worker thread
 * only. */
#ifndef SW_NET_WORKER_H
#define SW_NET_WORKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/det_ndpi_risk.h"
#include "sw/err.h"
#include "sw/event.h"
#include "sw/hash.h"
#include "sw/packet.h"
#include "sw/stats.h"

struct sw_net_worker;
struct sw_yara_rules; /* yara.h */

/* What a worker detects with, all borrowed (each must outlive its use by the worker): cfg
 * for the reloadable keys the worker reads (eve.community_id, eve.community_id_seed), the
 * nDPI risk detector, and the YARA rules for TCP streams and HTTP bodies (NULL: none). */
struct sw_net_detection {
    const struct sw_config *cfg;
    const struct sw_det_ndpi_risk *risk;
    const struct sw_yara_rules *rules;
};

/* What keeps a worker under a watchdog: each YARA scan of a stream or an HTTP body stops at
 * scan_timeout_s seconds (0: SW_NET_SCAN_TIMEOUT_S), and *progress (borrowed, may be NULL)
 * is incremented after each scan, so that a batch of many slow scans still shows progress. */
struct sw_net_watch {
    unsigned scan_timeout_s;
    _Atomic uint64_t *progress;
};
#define SW_NET_SCAN_TIMEOUT_S 60 /* as seawall scan's default */

/* cfg: every other key (borrowed, must outlive the worker). index/n_workers: this worker's
 * share of network.max_flows (and network.stream.memcap). hash_key: the flow table's bucket
 * key (copied; the process's random key). det: as above. watch: as above, may be NULL. em:
 * where events go (borrowed, must outlive the worker). With rules the worker makes its own
 * scanner, so create it on the thread that will use it; without rules and without
 * network.http.bodies it does no stream reassembly. */
struct sw_net_worker *sw_net_worker_create(const struct sw_config *cfg, unsigned index,
                                           unsigned n_workers,
                                           const struct sw_hash_key *hash_key,
                                           const struct sw_net_detection *det,
                                           const struct sw_net_watch *watch,
                                           struct sw_emitter *em, struct sw_err *err);
/* Ends every flow (reason shutdown, or timeout when expired by now_us) and frees. NULL-safe. */
void sw_net_worker_destroy(struct sw_net_worker *w, uint64_t now_us);

/* End every open flow now (end of input): their last alerts and flow events are emitted and
 * counted, so sw_net_worker_stats() afterwards has the final figures. */
void sw_net_worker_flush(struct sw_net_worker *w, uint64_t now_us);

/* One decoded packet (sw_decode_frame() returned SW_DECODE_OK). */
void sw_net_worker_packet(struct sw_net_worker *w, const struct sw_packet *p);
/* Capture time advanced to now_us: end idle flows. */
void sw_net_worker_tick(struct sw_net_worker *w, uint64_t now_us);
/* Reload: detect with det from now on (see struct sw_net_detection). Worker thread. On
 * failure (no memory for a scanner) nothing changes: the worker keeps using the previous
 * detection, which must then stay alive. */
enum sw_rc sw_net_worker_set_detection(struct sw_net_worker *w,
                                       const struct sw_net_detection *det,
                                       struct sw_err *err);
/* Copy this worker's counters. */
void sw_net_worker_stats(const struct sw_net_worker *w, struct sw_worker_stats *out);

#endif
