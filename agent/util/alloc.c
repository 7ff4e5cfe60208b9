/* alloc.c - allocation wrappers with a test failure hook (see include/sw/alloc.h). */
#include "sw/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Countdown to the injected failure; 0 = off. Only tests set it, before starting threads. */
static _Atomic unsigned long fail_countdown;

static int
should_fail(void)
{
    unsigned long n = atomic_load_explicit(&fail_countdown, memory_order_relaxed);

    if (n == 0)
        return 0;
    if (n == 1) {
        atomic_store_explicit(&fail_countdown, 0, memory_order_relaxed);
        return 1;
    }
    atomic_store_explicit(&fail_countdown, n - 1, memory_order_relaxed);
    return 0;
}

void
sw_alloc_fail_at(unsigned long n)
{
    atomic_store_explicit(&fail_countdown, n, memory_order_relaxed);
}

void *
sw_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n == 0 ? 1 : n);
}

void *
sw_calloc(size_t nmemb, size_t size)
{
    return should_fail() ? NULL : calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);
}

void *
sw_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n == 0 ? 1 : n);
}

void
sw_free(void *p)
{
    free(p);
}

void *
sw_scratch_reserve(void *p, size_t *cap, size_t need, size_t first)
{
    size_t nc = *cap > 0 ? *cap : (first > 0 ? first : 1);

    if (p != NULL && *cap >= need)
        return p;
    while (nc < need)
        nc *= 2;
    sw_free(p);
    *cap = 0;
    p = sw_malloc(nc);
    if (p != NULL)
        *cap = nc;
    return p;
}

char *
sw_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = sw_malloc(n);

    if (d != NULL)
        memcpy(d, s, n);
    return d;
}
