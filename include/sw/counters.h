/* counters.h - adding up counter structs made of uint64_t counters only (a thread's counters
 * into a total: the stats snapshot's workers, a detection stage's detectors, the file scan
 * pool's threads). Policy-free; any thread, on memory the caller may read and write. */
#ifndef SW_COUNTERS_H
#define SW_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

/* dst[i] += src[i] for each of the size / 8 uint64_t counters of the two structs. */
void sw_counters_add(void *dst, const void *src, size_t size);

/* The same for two objects of one struct type, checked at compile time to be made of uint64_t
 * only (a macro: a function cannot see the type). */
#define SW_COUNTERS_ADD(dst, src)                                                                  \
    do {                                                                                           \
        _Static_assert(sizeof(*(dst)) == sizeof(*(src)) &&                                         \
                           sizeof(*(dst)) % sizeof(uint64_t) == 0,                                 \
                       "counter structs hold uint64_t counters only");                             \
        sw_counters_add((dst), (src), sizeof(*(dst)));                                             \
    } while (0)

#endif
