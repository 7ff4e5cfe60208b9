/* io.c - whole reads and writes on a file descriptor (include/sw/io.h). */
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

int
sw_io_read_full(int fd, void *p, size_t n, size_t *got)
{
    char *c = p;
    size_t off = 0;
    int rc = 0;

    while (off < n) {
        ssize_t r = read(fd, c + off, n - off);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            break;
        }
        if (r == 0)
            break; /* the end of the file */
        off += (size_t)r;
    }
    *got = off;
    return rc;
}
