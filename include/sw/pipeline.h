/* pipeline.h - wiring of the network path, offline (`seawall pcap`) and live (`seawall run`).
 *
 *   capture thread xI: read > decode > defrag > symmetric hash ─lane─> worker xN
 *   worker:            flow > nDPI > detectors ─event ring─> output thread > sinks
 *
 * A lane joins one capture side to one worker: an SPSC ring of packet batches there and a
 * ring that brings the emptied batches back, so the packet path allocates nothing and takes
 * no lock. Offline, the main thread is the only capture side and nothing is dropped: a full
 * lane makes the reader wait. Live, each interface has its own capture thread, which never
 * waits on a worker: when a worker's batches are all out, the packet is dropped and counted
 * for that interface (ring_drops).
 *
 * Detection (the detection stage's detectors: nDPI risks, YARA, Suricata rules; and the
 * config they came from for the reloadable keys) is an immutable set (include/sw/detset.h)
 * that workers and capture threads borrow; a reload publishes a new set, each thread switches
 * at its next batch (or poll) boundary and acknowledges, and the old set is freed once all
 * have. */
#ifndef SW_PIPELINE_H
#define SW_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/detset.h"
#include "sw/err.h"
#include "sw/stats.h"

struct sw_event;      /* event.h */
struct sw_ndpi_ahead; /* below */

struct sw_pcap_opts {
    const char *const *files; /* borrowed */
    size_t n_files;
    const char *out;          /* EVE output file, NULL or "-" for stdout */
    unsigned workers;         /* 0: network.workers from the config */
    bool verbose;             /* stats events every stats.interval of capture time */
    const char *host;         /* EVE host */
    /* borrowed: the detectors (sw_detect_create: nDPI risks; with --rules, YARA rules for
     * reassembled TCP streams and HTTP bodies and Suricata rules); built on the main thread,
     * each worker makes its own thread state (a YARA scanner: at most SW_YARA_MAX_THREADS
     * workers with YARA rules). */
    const struct sw_detect *detect;
    /* borrowed, or NULL: the workers' nDPI modules, started before the detectors were
     * loaded (sw_pipeline_ndpi_ahead with the same number of workers) */
    struct sw_ndpi_ahead *ndpi;
};

/* The workers' nDPI set-up (a module each, tenths of a second) does not depend on the rules:
 * seawall pcap starts it before loading them, so that it runs while the main thread loads.
 * Main thread, once cfg->ndpi is final: prime nDPI, then make n modules from cfg (borrowed,
 * must outlive the result), one thread each. NULL when that could not start: the workers
 * then make their own (and report a failure) as without it. */
struct sw_ndpi_ahead *sw_pipeline_ndpi_ahead(const struct sw_config *cfg, unsigned n);
/* Main thread, after sw_pipeline_pcap: wait for the threads, free the modules no worker
 * took. NULL-safe. */
void sw_pipeline_ndpi_ahead_free(struct sw_ndpi_ahead *a);

/* Run the offline pipeline over opts->files. Returns the process exit code: 0 when at least
 * one file was read (bad files are reported on stderr and skipped), 2 when none could be
 * read or the pipeline could not start (err says why). */
int sw_pipeline_pcap(const struct sw_config *cfg, const struct sw_pcap_opts *opts,
                     struct sw_err *err);

/* --- live ---------------------------------------------------------------------------------- */

struct sw_pipeline;

/* Main thread, with capture privileges: open every configured interface (none: a host-only
 * agent, no capture thread and no worker), the outputs of cfg->outputs and the router. cfg
 * (borrowed) must outlive the pipeline; det is taken over (also on failure). Nothing runs
 * yet. */
struct sw_pipeline *sw_pipeline_open(const struct sw_config *cfg, struct sw_det_set *det,
                                     const char *host, struct sw_err *err);
/* Main thread: start the output, worker and capture threads. */
enum sw_rc sw_pipeline_start(struct sw_pipeline *pl, struct sw_err *err) SW_MUSTCHECK;

/* Main thread: hand the workers and capture threads a new detection set (taken over) and
 * wait up to wait_ms for all of them to switch. SW_DET_SWAPPED: every thread runs it, the
 * previous set is freed. SW_DET_PENDING: published, but a thread had not switched in time
 * (busy, or out of memory for its scanner): it runs the previous set until it does, see
 * sw_pipeline_settle. SW_DET_REFUSED: nothing published (a thread still runs the set before
 * the current one), det freed. Unless swapped, why (len bytes) names the thread and its
 * error. */
enum sw_det_swap sw_pipeline_swap(struct sw_pipeline *pl, struct sw_det_set *det,
                                  unsigned wait_ms, char *why, size_t len);
/* Main thread: free the previous set once every thread left it. True when a pending swap
 * completed just now (every thread runs the current generation). */
bool sw_pipeline_settle(struct sw_pipeline *pl);
/* Main thread: the generation published now (1 is the set given to open) and its EVE host
 * (agent.id or the host name; valid until the next swap). */
uint32_t sw_pipeline_generation(const struct sw_pipeline *pl);
const char *sw_pipeline_host(struct sw_pipeline *pl);

/* Main thread: reopen the output files (SIGHUP, logrotate). The output thread does it
 * between two events. */
void sw_pipeline_reopen(struct sw_pipeline *pl);

/* Main thread, before start: the daemon checks progress every check_us (0: no watchdog).
 * Each YARA scan of a worker is then cut at half that interval (at least 1 s, at most
 * SW_NET_SCAN_TIMEOUT_S, the limit without a watchdog), and workers count progress after
 * each scan, so a long scan never passes for a stall (see collectors/net/net_worker.c).
 * Returns the scan time limit in seconds. */
unsigned sw_pipeline_set_watchdog(struct sw_pipeline *pl, uint64_t check_us);

/* Main thread: did every capture thread, worker and the output thread make progress since
 * the last call? (systemd's watchdog is fed only when they all did.) */
bool sw_pipeline_progress(struct sw_pipeline *pl, char *who, size_t len);

/* Main thread: a capture thread failed (interface gone): true and err says which. */
bool sw_pipeline_failed(struct sw_pipeline *pl, struct sw_err *err);

/* Main thread: a snapshot of every counter (capture, decoder, defrag summed over interfaces,
 * per-interface, per-worker, output), asking each thread for a copy and waiting up to
 * wait_ms; a thread that does not answer in time contributes its previous copy. Caller owns
 * the result (sw_stats_snap_destroy). NULL on allocation failure. */
struct sw_stats_snap *sw_pipeline_snapshot(struct sw_pipeline *pl, unsigned wait_ms);
/* Any thread: sink i's delivery counters (outputs[i]). Returns false past the last sink. */
bool sw_pipeline_sink(struct sw_pipeline *pl, size_t i, struct sw_sink_stats *out);

/* Main thread, before sw_pipeline_start: one more producer of the output router (the file
 * pipeline's threads emit through their own), owned by the router, with ring_size events.
 * The producer's thread calls sw_producer_close when it will emit no more. */
struct sw_producer;
struct sw_producer *sw_pipeline_add_producer(struct sw_pipeline *pl, size_t ring_size,
                                             struct sw_err *err);

/* Main thread: emit an event (stats, engine) through the main thread's own producer, with
 * the current set's host. Takes ev. */
void sw_pipeline_emit(struct sw_pipeline *pl, struct sw_event *ev);

/* Main thread: stop capture, end every flow (reason shutdown), drain the queues and join the
 * threads, waiting at most timeout_us for the workers; then write a final stats event.
 * Returns true when everything drained in time. */
bool sw_pipeline_stop(struct sw_pipeline *pl, uint64_t timeout_us);
/* NULL-safe; stops first if needed. */
void sw_pipeline_destroy(struct sw_pipeline *pl);

/* Test hook (SEAWALL_TEST_STALL_WORKER=i in the environment of `seawall run`): worker i stops
 * making progress after its first batch, so the watchdog test can see WATCHDOG=1 stop. */
#define SW_PIPELINE_STALL_ENV "SEAWALL_TEST_STALL_WORKER"

#endif
