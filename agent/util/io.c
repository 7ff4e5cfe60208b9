/* io.c - whole writes to a file descriptor (include/sw/io.h). */
#include <errno.h>
#include <unistd.h>

#include "sw/io.h"

int
sw_io_write_all(int fd, const void *p, size_t n, size_t *done)
{
    const char *c = p;
    size_t off = 0;
    int rc = 0;

    while (off < n) {
        ssize_t w = write(fd, c + off, n - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            /* write(2) returns 0 only for a count of 0, which the loop never asks; an fd
             * that takes nothing anyway must not spin. */
            rc = w < 0 ? -errno : -EIO;
            break;
        }
        off += (size_t)w;
    }
    if (done != NULL)
        *done = off;
    return rc;
}
