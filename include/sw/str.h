/* str.h - bounded string copy (glibc 2.36 has no strlcpy). Any thread. */
#ifndef SW_STR_H
#define SW_STR_H

#include <stdbool.h>
#include <stddef.h>

/* Copy src into dst[0, n) always NUL-terminated (n > 0). Returns false when src was cut. */
bool sw_str_copy(char *dst, size_t n, const char *src);

#endif
