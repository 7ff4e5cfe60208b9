/* io.h - whole reads and writes on a file descriptor. Policy-free: no logging, no signal handling (a
 * pipe or socket whose reader is gone raises SIGPIPE unless the process ignores it). Any
 * thread, on an fd that thread owns. */
#ifndef SW_IO_H
#define SW_IO_H

#include <stddef.h>

/* Write p[0, n) to the blocking fd fd: a write interrupted by a signal (EINTR) is retried and
 * a short one is continued where it stopped. Returns 0 when all n bytes went out, else -errno
 * of the failing write (-EIO for a write that took nothing without an error); *done, when not
 * NULL, gets how many bytes did go out (n on success). On a non-blocking fd, EAGAIN is an
 * error like any other: the caller decides what to do with the rest. */
int sw_io_write_all(int fd, const void *p, size_t n, size_t *done);

/* Read from the blocking fd fd into p[0, n) until n bytes came or the end of the file: a read
 * interrupted by a signal (EINTR) is retried and a short one continued. Returns 0 with *got
 * the bytes read (fewer than n only at the end of the file: a file that shrank, a pipe whose
 * writer closed), else -errno of the failing read with *got what came before it. */
int sw_io_read_full(int fd, void *p, size_t n, size_t *got);

#endif
