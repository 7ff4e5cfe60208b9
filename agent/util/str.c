/* str.c - bounded string copy (see include/sw/str.h). */
#include "sw/str.h"

#include <string.h>

bool
sw_str_copy(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);

    if (len < n) {
        memcpy(dst, src, len + 1);
        return true;
    }
    memcpy(dst, src, n - 1);
    dst[n - 1] = '\0';
    return false;
}
