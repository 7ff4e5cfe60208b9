/* router.h - the output stage: one thread drains every producer's event ring, encodes each
 * event as EVE JSON and hands the line to each sink whose type filter takes it.
 *
 * Producers (workers, the capture thread) get an SPSC ring each, registered before start.
 * Their emitter pushes without blocking; in lossless mode (offline analysis) a producer
 * whose ring is full waits for the output thread instead of dropping. */
#ifndef SW_ROUTER_H
#define SW_ROUTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sw/err.h"
#include "sw/event.h"
#include "sw/eve.h"
#include "sw/sink.h"

struct sw_router;

/* Producer handle: an emitter bound to one ring. Owned by the router. */
struct sw_producer {
    struct sw_emitter em; /* pass &p->em to the producer thread */
    struct sw_router *router;
    struct sw_ring *ring;
    _Atomic uint64_t drops; /* events this producer lost (ring full, encoding failed):
                             * the producer thread adds, others read sw_producer_drops() */
    bool done;      /* set by the producer when it will emit no more */
};

/* sinks: taken over (owned) by the router on success and on failure. */
struct sw_router *sw_router_create(const struct sw_eve_cfg *eve, struct sw_sink **sinks,
                                   size_t n_sinks, bool lossless, struct sw_err *err);
/* Main thread, before start. ring_size events. */
struct sw_producer *sw_router_add_producer(struct sw_router *r, size_t ring_size,
                                           struct sw_err *err);
enum sw_rc sw_router_start(struct sw_router *r, struct sw_err *err) SW_MUSTCHECK;
/* Producer thread: wake the output thread if it sleeps and p has lines queued. Producers
 * call it once per batch of work, not per event: a wake-up per event would cost a system
 * call and two context switches each. (A full ring wakes it at once.) */
void sw_producer_kick(struct sw_producer *p);
/* Producer thread: no more events from p. */
void sw_producer_close(struct sw_producer *p);
/* Main thread: wait until every producer closed and all rings are drained, stop the thread,
 * flush sinks. */
void sw_router_stop(struct sw_router *r);
/* Main thread, after stop: encode and write one event directly (final stats). Takes ev. */
void sw_router_write(struct sw_router *r, struct sw_event *ev);
/* Any thread: events the output thread took, and events lost in the output stage (encoding
 * failures of sw_router_write, sink failures). Drops of a producer (full ring) are not in
 * it: they are the producer's own count (sw_producer_drops), which its thread's stats report
 * as event_drops, so that a lost event is counted once. */
void sw_router_counts(struct sw_router *r, uint64_t *events, uint64_t *drops);
/* Any thread: events p lost because its ring was full or encoding failed. */
uint64_t sw_producer_drops(const struct sw_producer *p);
/* Any thread: events waiting in the producers' rings now (an instant reading). */
uint64_t sw_router_queued(struct sw_router *r);
/* Main thread: ask the output thread to reopen every sink's file (SIGHUP). */
void sw_router_reopen(struct sw_router *r);
/* Main thread: did the output thread loop since the last call? (It wakes every second when
 * live, so a false means it is stuck, e.g. in a write that does not return.) */
bool sw_router_progress(struct sw_router *r);
/* Main thread: sink i's name and counters (copied by the output thread about once a
 * second). Returns false when i is past the last sink. */
bool sw_router_sink(struct sw_router *r, size_t i, const char **name, uint64_t *written,
                    uint64_t *failed);
/* Flushes, frees sinks and rings. NULL-safe. */
void sw_router_destroy(struct sw_router *r);

#endif
