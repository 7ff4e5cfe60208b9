/* stats.c - counter snapshot helpers (see include/sw/stats.h). */
#include "sw/stats.h"

#include "sw/alloc.h"
#include "sw/counters.h"

/* Every counter struct here is all uint64_t (checked by SW_COUNTERS_ADD). */
#define ADDER(name, type)                                                                          \
    void name(type *a, const type *b)                                                              \
    {                                                                                              \
        SW_COUNTERS_ADD(a, b);                                                                     \
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
