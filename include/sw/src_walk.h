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
#include <sys/stat.h>

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

/* --- an iterative walk (the file watcher's: it pauses between entries) --------------------- */

/* What one step of the walk found. */
enum sw_walk_type {
    SW_WALK_FILE = 0,   /* anything but a directory: regular file, symlink, FIFO, device */
    SW_WALK_DIR,        /* a directory about to be entered (the top of the tree too) */
    SW_WALK_UNREADABLE, /* a directory that could not be opened (err says why) */
};

struct sw_walk_ent {
    enum sw_walk_type type;
    const char *path;   /* borrowed until the next call: absolute */
    const char *name;   /* its last component ("/" for the root directory) */
    struct stat st;     /* lstat() of the entry (fstatat relative to its directory) */
    int dirfd;          /* DIR: open on it (O_NOFOLLOW), borrowed until the next call */
    int err;            /* UNREADABLE: errno */
    void *parent_ctx;   /* what the caller stored for the containing directory */
    void **ctx;         /* DIR: where the caller may store this directory's context */
};

struct sw_walk_iter_opts {
    bool one_fs;        /* do not enter directories of other file systems */
    bool recursive;     /* false: the top directory's entries only */
    /* may be NULL: true leaves path out (a directory is not entered) */
    bool (*excluded)(void *ctx, const char *path);
    void *ctx;
};

struct sw_walk_iter;

/* A walk of root (absolute). Symlinks are never followed; each directory is opened relative
 * to its parent's descriptor with O_NOFOLLOW, so a component swapped for a symlink cannot
 * lead the walk elsewhere; at most 256 levels (one descriptor each). NULL with err when root
 * cannot be looked at. Caller owns it. Any one thread. */
struct sw_walk_iter *sw_walk_iter_create(const char *root, const struct sw_walk_iter_opts *o,
                                         struct sw_err *err);
/* The next entry. SW_OK, or SW_EOF when the walk is over. Counts go to c. */
enum sw_rc sw_walk_iter_next(struct sw_walk_iter *it, struct sw_walk_ent *e,
                             struct sw_walk_counts *c) SW_MUSTCHECK;
/* Closes every descriptor. NULL-safe. */
void sw_walk_iter_destroy(struct sw_walk_iter *it);

#endif
