/* fsevent.h - parse the event records that read(2) returns from a fanotify or an inotify
 * descriptor into plain views.
 *
 * The kernel writes these buffers, but the parser trusts nothing in them: every length is
 * checked against the bytes left (of the buffer, then of the record), every name must end
 * with a NUL inside its record, a file handle may not claim more bytes than its record holds
 * or than MAX_HANDLE_SZ, and a record that fails any check ends the buffer (SW_EINVAL): the
 * rest cannot be framed. Views point into the caller's buffer and are valid while it is.
 * Pure functions: any thread. Fuzzed by tests/fuzz/fuzz_fsevent.c. */
#ifndef SW_FSEVENT_H
#define SW_FSEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"

/* Largest file handle a record may carry (the kernel's MAX_HANDLE_SZ). */
#define SW_FSEVENT_MAX_HANDLE 128u

/* A file identifier of a FID-mode fanotify record: the file system's fsid and the file
 * handle as name_to_handle_at(2) would give it. */
struct sw_fan_fid {
    uint64_t fsid;          /* __kernel_fsid_t's two words, val[0] in the low half */
    int32_t handle_type;
    uint32_t handle_bytes;  /* <= SW_FSEVENT_MAX_HANDLE */
    const uint8_t *handle;  /* borrowed: handle_bytes bytes in the buffer */
};

/* One fanotify event. Without FID mode (a group that reports descriptors) only mask, fd
 * and pid are set. In FID mode fd is FAN_NOFD and the records present are flagged:
 *   fid       the object itself (FAN_EVENT_INFO_TYPE_FID): the file of a non-directory
 *             event, the child of a directory-entry event with FAN_REPORT_TARGET_FID
 *   dfid      the directory (FAN_EVENT_INFO_TYPE_DFID_NAME, or DFID without a name)
 *   old, new  FAN_RENAME's two sides (OLD_DFID_NAME, NEW_DFID_NAME)
 * Names are NUL-terminated inside the record ("." names the marked directory itself). */
struct sw_fan_event {
    uint64_t mask;
    int32_t fd;  /* >= 0: an open descriptor the reader now owns; FAN_NOFD (-1) otherwise */
    int32_t pid; /* the process that caused the event (0 when the kernel hid it) */
    bool has_fid, has_dfid, has_old, has_new;
    struct sw_fan_fid fid, dfid, old_dfid, new_dfid;
    const char *name, *old_name, *new_name; /* borrowed; NULL when absent */
};

/* Parse the event at buf[*off, len) into ev and advance *off past it. Returns SW_OK, SW_EOF
 * when *off == len, or SW_EINVAL when the record is malformed (*off is left where it was;
 * the caller stops reading this buffer). Info records of unknown types are skipped. */
enum sw_rc sw_fsevent_fan_next(const uint8_t *buf, size_t len, size_t *off,
                               struct sw_fan_event *ev) SW_MUSTCHECK;

/* One inotify event. */
struct sw_in_event {
    int32_t wd;
    uint32_t mask;
    uint32_t cookie;
    const char *name; /* borrowed; "" when the event has no name (the watched directory) */
};

/* As sw_fsevent_fan_next, for an inotify buffer. */
enum sw_rc sw_fsevent_in_next(const uint8_t *buf, size_t len, size_t *off,
                              struct sw_in_event *ev) SW_MUSTCHECK;

#endif
