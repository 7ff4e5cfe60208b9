/* fuzz_fsevent.c - libFuzzer target for collectors/file/fsevent.c, the fanotify and inotify
 * event-record parsers.
 *
 * Input: one selector byte (even: fanotify, odd: inotify) and a read(2) buffer. Checks what
 * the watcher relies on: the offset only moves forward and stays inside the buffer, every
 * name and file handle lies inside the buffer with its NUL inside too, and the parser stops
 * (never loops) on a malformed record. The buffer is an exact-size heap copy (ASan). */
#include <stdlib.h>
#include <string.h>

#include "sw/fsevent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(const uint8_t *buf, size_t len, const void *p, size_t n)
{
    const uint8_t *q = p;

    if (q < buf || q > buf + len || n > (size_t)(buf + len - q))
        abort();
}

static void
name_inside(const uint8_t *buf, size_t len, const char *name)
{
    if (name == NULL)
        return;
    inside(buf, len, name, strlen(name) + 1);
}

static void
fid_inside(const uint8_t *buf, size_t len, bool has, const struct sw_fan_fid *f)
{
    if (!has)
        return;
    if (f->handle_bytes > SW_FSEVENT_MAX_HANDLE)
        abort();
    inside(buf, len, f->handle, f->handle_bytes);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf;
    size_t len, off = 0, prev;
    enum sw_rc rc;

    if (size == 0)
        return 0;
    len = size - 1;
    buf = malloc(len > 0 ? len : 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data + 1, len);
    for (;;) {
        prev = off;
        if ((data[0] & 1) == 0) {
            struct sw_fan_event ev;

            rc = sw_fsevent_fan_next(buf, len, &off, &ev);
            if (rc == SW_OK) {
                fid_inside(buf, len, ev.has_fid, &ev.fid);
                fid_inside(buf, len, ev.has_dfid, &ev.dfid);
                fid_inside(buf, len, ev.has_old, &ev.old_dfid);
                fid_inside(buf, len, ev.has_new, &ev.new_dfid);
                name_inside(buf, len, ev.name);
                name_inside(buf, len, ev.old_name);
                name_inside(buf, len, ev.new_name);
            }
        } else {
            struct sw_in_event ev;

            rc = sw_fsevent_in_next(buf, len, &off, &ev);
            /* A nameless event's name is a static "". */
            if (rc == SW_OK && ev.name[0] != '\0')
                name_inside(buf, len, ev.name);
        }
        if (rc != SW_OK) {
            if (off != prev || (rc != SW_EOF && rc != SW_EINVAL) || (rc == SW_EOF && off != len))
                abort();
            break;
        }
        if (off <= prev || off > len)
            abort();
    }
    free(buf);
    return 0;
}
