/* stats.c - counter snapshot helpers (see include/sw/stats.h). */
#include "sw/stats.h"

#include "sw/alloc.h"

/* Every counter struct here is all uint64_t: add them word by word. */
static void
add_u64(void *a, const void *b, size_t size)
{
    uint64_t *pa = a;
    const uint64_t *pb = b;

    for (size_t i = 0; i < size / sizeof(uint64_t); i++)
        pa[i] += pb[i];
}

#define ADDER(name, type)                                                                          \
    void name(type *a, const type *b)                                                              \
    {                                                                                              \
        _Static_assert(sizeof(*a) % sizeof(uint64_t) == 0, #type " is all u64");                   \
        add_u64(a, b, sizeof(*a));                                                                 \
    }

ADDER(sw_stats_worker_add, struct sw_worker_stats)
ADDER(sw_stats_capture_add, struct sw_capture_stats)
ADDER(sw_stats_decode_add, struct sw_decode_stats)
ADDER(sw_stats_defrag_add, struct sw_defrag_stats)

void
sw_stats_snap_destroy(struct sw_stats_snap *s)
{
    if (s == NULL)
        return;
    sw_free(s->worker);
    sw_free(s->iface);
    sw_free(s->sink);
    sw_free(s);
}
