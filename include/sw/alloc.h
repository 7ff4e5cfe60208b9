/* alloc.h - allocation wrappers with a failure hook for tests.
 *
 * They return NULL on failure and never abort. Tests call sw_alloc_fail_at(n) to make the
 * n-th call from now fail (allocation-failure sweeps). Any thread. */
#ifndef SW_ALLOC_H
#define SW_ALLOC_H

#include <stddef.h>

void *sw_malloc(size_t n);
void *sw_calloc(size_t nmemb, size_t size);
void *sw_realloc(void *p, size_t n);
void sw_free(void *p);
/* A scratch buffer of at least need bytes whose contents are not kept: p (*cap bytes, owned by
 * the caller, may be NULL) is returned as it is when *cap suffices, else freed and replaced by
 * one of first, 2 * first, ... bytes (*cap updated). NULL when that fails (p freed, *cap 0).
 * Usage: buf = sw_scratch_reserve(buf, &cap, need, first). */
void *sw_scratch_reserve(void *p, size_t *cap, size_t need, size_t first);
/* Duplicate a NUL-terminated string; NULL on failure. Caller owns the copy. */
char *sw_strdup(const char *s);

/* Test hook: the n-th allocation from now fails (1 = the next one); 0 disables. */
void sw_alloc_fail_at(unsigned long n);

#endif
