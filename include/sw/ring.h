/* ring.h - single-producer single-consumer ring of pointers.
 *
 * One producer thread and one consumer thread, named where the ring is made. Capacity is a
 * power of two. head and tail sit on their own cache lines; the producer publishes with a
 * release store, the consumer observes with an acquire load. A push never blocks: a full ring
 * returns false and the caller still owns the item. */
#ifndef SW_RING_H
#define SW_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "sw/err.h"

struct sw_ring {
    _Alignas(64) _Atomic size_t head; /* consumer position */
    _Alignas(64) _Atomic size_t tail; /* producer position */
    _Alignas(64) size_t mask;
    void **slot; /* owned */
};

/* Caller storage; capacity rounded up to a power of two (>= 2). */
enum sw_rc sw_ring_init(struct sw_ring *r, size_t capacity) SW_MUSTCHECK;
/* Frees the slots, not the items. NULL-safe. */
void sw_ring_fini(struct sw_ring *r);

/* Producer thread only. Returns false when full: the caller still owns p. */
static inline bool
sw_ring_push(struct sw_ring *r, void *p)
{
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t h = atomic_load_explicit(&r->head, memory_order_acquire);

    if (t - h > r->mask)
        return false;
    r->slot[t & r->mask] = p;
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return true;
}

/* Consumer thread only. Returns NULL when empty; otherwise the caller owns the item. */
static inline void *
sw_ring_pop(struct sw_ring *r)
{
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    void *p;

    if (h == t)
        return NULL;
    p = r->slot[h & r->mask];
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
    return p;
}

/* Either thread: items queued now (a snapshot). */
static inline size_t
sw_ring_count(struct sw_ring *r)
{
    return atomic_load_explicit(&r->tail, memory_order_acquire) -
           atomic_load_explicit(&r->head, memory_order_acquire);
}

#endif
