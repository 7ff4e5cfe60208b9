/* stats.c - counter snapshot helpers (see include/sw/stats.h). */
#include "sw/stats.h"

#include "sw/alloc.h"

void
sw_stats_worker_add(struct sw_worker_stats *a, const struct sw_worker_stats *b)
{
    /* The struct is all uint64_t counters: add them word by word. */
    uint64_t *pa = (uint64_t *)a;
    const uint64_t *pb = (const uint64_t *)b;

    _Static_assert(sizeof(*a) % sizeof(uint64_t) == 0, "worker stats are all u64");
    for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
        pa[i] += pb[i];
}

void
sw_stats_snap_destroy(struct sw_stats_snap *s)
{
    if (s == NULL)
        return;
    sw_free(s->worker);
    sw_free(s);
}
