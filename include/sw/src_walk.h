/* src_walk.h - walk files and directories for `seawall scan`.
 *
 * Symlinks are not followed unless asked (a symlink named on the command line is, as
 * find -H does); with following on, a directory already on the current path is skipped, so
 * symlink loops end. FIFOs, sockets and devices are never handed out, only counted. Main
 * thread (the walker calls back synchronously). */
#ifndef SW_SRC_WALK_H
#define SW_SRC_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"

struct sw_walk_opts {
    bool follow;                /* follow symlinks below the roots */
    bool one_fs;                /* do not descend into other file systems */
    const char *const *exclude; /* borrowed: fnmatch globs, tried on the full path and on
                                 * the base name; a matching directory is not entered */
    size_t n_exclude;
};

struct sw_walk_counts {
    uint64_t dirs, skipped_special, skipped_symlink, skipped_excluded, skipped_other_fs;
    uint64_t errors; /* unreadable directories, vanished entries */
};

/* Called for each regular file (or, when following, symlink to one): path is absolute
 * and borrowed for the call; via_link tells the opener not to use O_NOFOLLOW. Return
 * false to stop the walk. */
typedef bool (*sw_walk_fn)(void *ctx, const char *path, bool via_link);

/* Walk root (a file or a directory; relative roots are made absolute against the current
 * directory, without resolving symlinks). Returns SW_OK, or SW_EINVAL/SW_EIO when root
 * itself cannot be used (err names it; counted in errors). */
enum sw_rc sw_walk_run(const char *root, const struct sw_walk_opts *o, sw_walk_fn fn, void *ctx,
                       struct sw_walk_counts *c, struct sw_err *err) SW_MUSTCHECK;

/* Does path (absolute) or its base name match one of the globs? Any thread. */
bool sw_walk_excluded(const char *path, const char *const *globs, size_t n);

#endif
