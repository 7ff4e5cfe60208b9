/* ring.c - SPSC ring set-up (the hot path is inline in include/sw/ring.h). */
#include "sw/ring.h"

#include "sw/alloc.h"

enum sw_rc
sw_ring_init(struct sw_ring *r, size_t capacity)
{
    size_t cap = 2;

    while (cap < capacity) {
        if (cap > ((size_t)1 << 30))
            return SW_ELIMIT;
        cap <<= 1;
    }
    r->slot = sw_calloc(cap, sizeof(*r->slot));
    if (r->slot == NULL)
        return SW_ENOMEM;
    r->mask = cap - 1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    return SW_OK;
}

void
sw_ring_fini(struct sw_ring *r)
{
    if (r == NULL)
        return;
    sw_free(r->slot);
    r->slot = NULL;
}
