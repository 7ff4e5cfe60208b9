/* fsevent.c - fanotify and inotify event-record parsers (see include/sw/fsevent.h).
 *
 * Records are read with memcpy into aligned locals: read(2) aligns them, but a fuzzer (and
 * a parser that trusts nothing) may hand any offset. */
#include "sw/fsevent.h"

#include <linux/fanotify.h>
#include <string.h>
#include <sys/inotify.h>

/* The fixed part of a FID record after its header: fsid (8) then struct file_handle's
 * handle_bytes (4) and handle_type (4). */
#define FID_FIXED (sizeof(struct fanotify_event_info_header) + 8u + 8u)

/* Parse one FID-carrying info record rec[0, len) (its header already checked). named: a
 * NUL-terminated name follows the handle. Returns false when malformed. */
static bool
parse_fid(const uint8_t *rec, size_t len, bool named, struct sw_fan_fid *fid, const char **name)
{
    uint32_t hb, fsid[2];
    int32_t ht;
    size_t end;

    if (len < FID_FIXED)
        return false;
    memcpy(fsid, rec + sizeof(struct fanotify_event_info_header), sizeof(fsid));
    memcpy(&hb, rec + sizeof(struct fanotify_event_info_header) + 8u, sizeof(hb));
    memcpy(&ht, rec + sizeof(struct fanotify_event_info_header) + 12u, sizeof(ht));
    if (hb > SW_FSEVENT_MAX_HANDLE || hb > len - FID_FIXED)
        return false;
    fid->fsid = (uint64_t)fsid[1] << 32 | fsid[0];
    fid->handle_type = ht;
    fid->handle_bytes = hb;
    fid->handle = rec + FID_FIXED;
    end = FID_FIXED + hb;
    if (!named)
        return true;
    /* The name runs to a NUL inside the record (the kernel pads with more NULs); an empty
     * name is not a name. */
    if (end >= len || rec[end] == '\0' || memchr(rec + end, '\0', len - end) == NULL)
        return false;
    *name = (const char *)(rec + end);
    return true;
}

enum sw_rc
sw_fsevent_fan_next(const uint8_t *buf, size_t len, size_t *off, struct sw_fan_event *ev)
{
    struct fanotify_event_metadata m;
    size_t at = *off, pos;

    if (at == len)
        return SW_EOF;
    if (at > len || len - at < sizeof(m))
        return SW_EINVAL;
    memcpy(&m, buf + at, sizeof(m));
    if (m.vers != FANOTIFY_METADATA_VERSION || m.metadata_len < sizeof(m) ||
        m.event_len < m.metadata_len || m.event_len > len - at)
        return SW_EINVAL;
    memset(ev, 0, sizeof(*ev));
    ev->mask = m.mask;
    ev->fd = m.fd;
    ev->pid = m.pid;
    /* Info records fill the rest of the event, each announcing its own length. */
    for (pos = m.metadata_len; pos < m.event_len;) {
        struct fanotify_event_info_header h;
        const uint8_t *rec = buf + at + pos;
        size_t left = m.event_len - pos;
        bool ok = true;

        if (left < sizeof(h))
            return SW_EINVAL;
        memcpy(&h, rec, sizeof(h));
        if (h.len < sizeof(h) || h.len > left)
            return SW_EINVAL;
        switch (h.info_type) {
        case FAN_EVENT_INFO_TYPE_FID:
            ok = !ev->has_fid && parse_fid(rec, h.len, false, &ev->fid, NULL);
            ev->has_fid = true;
            break;
        case FAN_EVENT_INFO_TYPE_DFID_NAME:
            ok = !ev->has_dfid && parse_fid(rec, h.len, true, &ev->dfid, &ev->name);
            ev->has_dfid = true;
            break;
        case FAN_EVENT_INFO_TYPE_DFID:
            ok = !ev->has_dfid && parse_fid(rec, h.len, false, &ev->dfid, NULL);
            ev->has_dfid = true;
            break;
        case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
            ok = !ev->has_old && parse_fid(rec, h.len, true, &ev->old_dfid, &ev->old_name);
            ev->has_old = true;
            break;
        case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
            ok = !ev->has_new && parse_fid(rec, h.len, true, &ev->new_dfid, &ev->new_name);
            ev->has_new = true;
            break;
        default: /* pidfd, error records, types newer than this parser: not needed */
            break;
        }
        if (!ok)
            return SW_EINVAL; /* malformed, or the same record type twice */
        pos += h.len;
    }
    *off = at + m.event_len;
    return SW_OK;
}

enum sw_rc
sw_fsevent_in_next(const uint8_t *buf, size_t len, size_t *off, struct sw_in_event *ev)
{
    struct inotify_event ie;
    size_t at = *off;

    if (at == len)
        return SW_EOF;
    if (at > len || len - at < sizeof(ie))
        return SW_EINVAL;
    memcpy(&ie, buf + at, sizeof(ie));
    if (ie.len > len - at - sizeof(ie))
        return SW_EINVAL;
    ev->wd = ie.wd;
    ev->mask = ie.mask;
    ev->cookie = ie.cookie;
    if (ie.len == 0) {
        ev->name = "";
    } else {
        const uint8_t *name = buf + at + sizeof(ie);

        /* NUL-padded to len: the name must end inside it. */
        if (memchr(name, '\0', ie.len) == NULL)
            return SW_EINVAL;
        ev->name = (const char *)name;
    }
    *off = at + sizeof(ie) + ie.len;
    return SW_OK;
}
