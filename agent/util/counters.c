/* counters.c - adding up counter structs (see include/sw/counters.h). */
#include "sw/counters.h"

void
sw_counters_add(void *dst, const void *src, size_t size)
{
    uint64_t *d = dst;
    const uint64_t *s = src;

    for (size_t i = 0; i < size / sizeof(uint64_t); i++)
        d[i] += s[i];
}
