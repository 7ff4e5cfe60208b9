/* router.h - the output stage: one thread drains every producer's event ring and delivers
 * each encoded event to every sink whose type filter takes it, through one bounded queue and
 * (network sinks) one disk spool per sink. include/sw/sink.h says what a sink promises,
 * include/sw/spool.h what the spool does.
 *
 * Producers (workers, the capture threads, main) get an SPSC ring each, registered before
 * start. Their emitter pushes without blocking; in lossless mode (offline analysis) a
 * producer whose ring is full waits for the output thread instead of dropping.
 *
 * A round of the output thread: drain the rings (each event gets a per-sink seq and, with
 * spool.mode: always, is appended to the spools), commit the spools, load spooled records
 * while the queues have room, offer batches to the sinks, flush them (file sinks write here,
 * after the spools), settle acknowledgements; then poll the sinks' fds and the wake-up
 * eventfd. A slow or dead receiver fills only its own queue and spool. */
#ifndef SW_ROUTER_H
#define SW_ROUTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"
#include "sw/event.h"
#include "sw/eve.h"
#include "sw/sink.h"
#include "sw/stats.h"

struct sw_router;

/* Producer handle: an emitter bound to one ring. Owned by the router. */
struct sw_producer {
    struct sw_emitter em; /* pass &p->em to the producer thread */
    struct sw_router *router;
    struct sw_ring *ring;   /* owned: encoded lines, producer -> output thread */
    /* owned: lines coming back, output thread -> producer: the output thread pushes a line
     * there when its last sink reference goes (or frees it when the ring is at its bound),
     * the producer encodes its next event into one, so the steady state allocates no line. */
    struct sw_ring *free;
    _Atomic size_t free_bytes; /* bytes of the lines in free: the output thread adds before
                                * a push, the producer subtracts after a pop */
    _Atomic uint64_t drops; /* events this producer lost (ring full, encoding failed):
                             * the producer thread adds, others read sw_producer_drops() */
    bool done;      /* set by the producer when it will emit no more */
    /* Set before the router starts: when the ring is full, wait for the output thread
     * instead of dropping (as a lossless router does for every producer). For producers
     * whose source can wait (file scans, the FIM baseline), never for packet capture. */
    bool lossless;
};

/* sinks: taken over (owned) by the router on success and on failure. cfg (borrowed, must
 * outlive the router): sinks[i] was built from cfg->outputs[i], whose queue, batch, retry and
 * spool keys apply, with spool.* and agent.stop_timeout. cfg NULL (offline analysis): local
 * sinks with default queues and no spool. */
struct sw_router *sw_router_create(const struct sw_eve_cfg *eve, const struct sw_config *cfg,
                                   struct sw_sink **sinks, size_t n_sinks, bool lossless,
                                   struct sw_err *err);
/* Main thread, before start. ring_size events. */
struct sw_producer *sw_router_add_producer(struct sw_router *r, size_t ring_size,
                                           struct sw_err *err);
/* Main thread, after the privilege drop: open the spools (err names the one that failed).
 * sw_router_start calls it when it was not called before. */
enum sw_rc sw_router_open(struct sw_router *r, struct sw_err *err) SW_MUSTCHECK;
/* Main thread: open (if needed) and start the output thread. */
enum sw_rc sw_router_start(struct sw_router *r, struct sw_err *err) SW_MUSTCHECK;
/* Calling thread, only while the output thread is not running (tests, tools): one round of
 * the output thread (spools, offers, flushes), then the sinks' fds polled for at most
 * timeout_ms and serviced, then the periodic work that is due. */
void sw_router_run_once(struct sw_router *r, int timeout_ms);
/* Producer thread: wake the output thread if it sleeps and p has lines queued. Producers
 * call it once per batch of work, not per event: a wake-up per event would cost a system
 * call and two context switches each. (A full ring wakes it at once.) */
void sw_producer_kick(struct sw_producer *p);
/* Producer thread: a line the output thread gave back (the caller owns it), or NULL. */
struct sw_eve_line *sw_producer_spare(struct sw_producer *p);
/* Producer thread: no more events from p. */
void sw_producer_close(struct sw_producer *p);
/* Main thread: wait until every producer closed and all rings are drained, then until every
 * network sink delivered what it holds or CLOCK_MONOTONIC passes deadline_us (0: now plus
 * agent.stop_timeout); then stop the thread. What is left stays queued for
 * sw_router_destroy, which spools it. */
void sw_router_stop_by(struct sw_router *r, uint64_t deadline_us);
/* sw_router_stop_by(r, 0). */
void sw_router_stop(struct sw_router *r);
/* Main thread while the output thread is not running (after stop: the final stats): encode
 * one event and run a round with it. Takes ev. */
void sw_router_write(struct sw_router *r, struct sw_event *ev);
/* Any thread: events the output thread took, and events lost in the output stage (encoding
 * failures of sw_router_write, failed, and dropped_policy of every sink). Drops of a
 * producer (full ring) are not in it: they are the producer's own count
 * (sw_producer_drops), which its thread's stats report as event_drops, so that a lost event
 * is counted once. */
void sw_router_counts(struct sw_router *r, uint64_t *events, uint64_t *drops);
/* Any thread: events p lost because its ring was full or encoding failed. */
uint64_t sw_producer_drops(const struct sw_producer *p);
/* Any thread: events waiting in the producers' rings now (an instant reading). */
uint64_t sw_router_queued(struct sw_router *r);
/* Main thread: ask the output thread to reopen every sink (SIGHUP: files, certificates). */
void sw_router_reopen(struct sw_router *r);
/* Main thread: did the output thread loop since the last call? (It wakes every second when
 * live, so a false means it is stuck, e.g. in a write that does not return.) */
bool sw_router_progress(struct sw_router *r);
/* Any thread: sink i's counters (copied by the output thread about once a second and at the
 * end of busy stretches). Returns false when i is past the last sink. */
bool sw_router_sink(struct sw_router *r, size_t i, struct sw_sink_stats *out);
/* Stops if needed, writes what spool.mode keeps to the spools (overflow: the memory queue),
 * closes them, frees sinks and rings. NULL-safe. */
void sw_router_destroy(struct sw_router *r);

#endif
