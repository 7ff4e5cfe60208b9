/* stats.c - counter snapshot helpers (see include/sw/stats.h). */
#include "sw/stats.h"

#include <string.h>

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

#define SC(name, field) {name, offsetof(struct sw_sink_stats, field)}
const struct sw_stats_counter sw_stats_sink_counters[] = {
    SC("queued", queued),
    SC("sent", sent),
    SC("acked", acked),
    SC("retried", retried),
    SC("failed", failed),
    SC("duplicates_possible", duplicates_possible),
    SC("spooled_events", spooled_events),
    SC("spooled_bytes", spooled_bytes),
    SC("spool_oldest_age", spool_oldest_age),
    SC("dropped_policy", dropped_policy),
    SC("truncated", truncated),
    SC("spool_errors", spool_errors),
};
const size_t sw_stats_n_sink_counters =
    sizeof(sw_stats_sink_counters) / sizeof(sw_stats_sink_counters[0]);

#define FC(name, field) {name, offsetof(struct sw_files_stats, field)}
const struct sw_stats_counter sw_stats_files_skipped_counters[] = {
    FC("size", skipped_size),       FC("excluded", skipped_excluded),
    FC("special", skipped_special), FC("overflow", skipped_overflow),
    FC("error", skipped_error),
};
const size_t sw_stats_n_files_skipped_counters =
    sizeof(sw_stats_files_skipped_counters) / sizeof(sw_stats_files_skipped_counters[0]);

uint64_t
sw_stats_counter_value(const void *base, const struct sw_stats_counter *c)
{
    uint64_t v;

    /* memcpy: base is any of the counter structs, the offset one of its uint64_t fields */
    memcpy(&v, (const char *)base + c->off, sizeof(v));
    return v;
}
