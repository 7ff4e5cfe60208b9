/* watch.h - the file watcher of `seawall run`: follows files.paths with the best source the
 * kernel and the file systems allow, walks the trees (at start-up, every
 * files.scan_interval, after a lost event) and hands what it sees to the scan pool.
 *
 * Sources, per tree, chosen at start-up (files.mode: auto tries them in this order; any
 * other value forces one and refuses to start where it cannot be used):
 *   fanotify       one filesystem mark per tree's file system (CAP_SYS_ADMIN at start-up)
 *   fanotify-dirs  fanotify with a mark on every directory, where a filesystem mark is
 *                  refused (overlayfs: EOPNOTSUPP)
 *   inotify        a watch on every directory, within the inotify watch budget
 *   scan           scheduled walks only
 * Whatever the source, every tree is walked at start-up (READY=1 follows its end: every mark
 * and watch is then placed and the baseline compared), every files.scan_interval and after
 * the kernel's queue or ours overflowed.
 *
 * Threads: sw_watch_open on the main thread before the privilege drop (it opens the
 * fanotify groups and places the filesystem marks); then the watcher thread ("sw-watch")
 * owns the sources, the walks and the submission to the scan pool. The main thread only
 * asks (retro-hunt, stop) and reads counters. */
#ifndef SW_WATCH_H
#define SW_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"

struct sw_scanpool;     /* scanpool.h */
struct sw_fim_service;  /* fim.h */

struct sw_watch;

/* Counters of the watcher and its sources (stats event: seawall.files; status). */
struct sw_watch_stats {
    uint64_t trees;
    uint64_t events;      /* records read from fanotify and inotify */
    uint64_t ignored;     /* events outside the trees (a filesystem mark sees all of it) */
    uint64_t overflows;   /* queue overflows (the kernel's or the scan queue) */
    uint64_t rescans;     /* walks made because of an overflow */
    uint64_t walks;       /* walks finished */
    uint64_t walk_files;  /* entries the last walk handed on */
    uint64_t walk_ms;     /* how long the last walk took, scans included */
    uint64_t dirs;        /* directories known to the sources */
    uint64_t watches;     /* directory marks and inotify watches placed */
    uint64_t unwatched;   /* directories left without one (inotify budget, errors) */
    uint64_t budget;      /* the inotify watch budget (0: no inotify tree) */
    uint64_t unmatched;   /* fanotify descriptors or closes without their other half */
    uint64_t errors;      /* marks, watches or handles refused; walk errors */
    uint64_t excluded;    /* events and walk entries left out by files.exclude */
    uint64_t retro;       /* files queued by retro-hunts */
    bool ready;           /* the start-up walk ended */
    bool walking;
};

/* Main thread, with the privileges of start-up: decide each tree's source and open it
 * (fanotify groups and filesystem marks need CAP_SYS_ADMIN). Trees below another tree are
 * folded into it; a tree that does not exist is walked (and reported) anyway. Returns the
 * watcher, or NULL with err naming the tree and the reason when a forced mode cannot be
 * used. cfg is borrowed and must outlive the watcher. The choices are logged. */
struct sw_watch *sw_watch_open(const struct sw_config *cfg, struct sw_err *err);

/* Main thread, after the drop: start the watcher thread, which walks every tree (placing
 * directory marks and watches as it goes) and then follows them. pool and fim (may be NULL)
 * are borrowed; the watcher is the pool's only submitter and the fim service's control
 * thread. */
enum sw_rc sw_watch_start(struct sw_watch *w, struct sw_scanpool *pool,
                          struct sw_fim_service *fim, struct sw_err *err) SW_MUSTCHECK;

/* The scan pool's wake-up (struct sw_scanpool_opts.wake, with the watcher as its context):
 * rings the watcher when the queue has room again or walk jobs are done. Any thread. */
void sw_watch_wake(void *w);

/* Any thread: the start-up walk has ended (and its scans and baseline comparison too). */
bool sw_watch_ready(struct sw_watch *w);

/* Main thread: after a rule reload, rescan the files changed within files.retro_hunt (from
 * the baseline; nothing without files.fim). Returns at once; the watcher queues them. */
void sw_watch_retro_hunt(struct sw_watch *w, uint64_t window_us);

/* Main thread: tree i's path and source ("fanotify", "fanotify-dirs", "inotify", "scan").
 * false past the last tree. */
bool sw_watch_tree(const struct sw_watch *w, size_t i, const char **path, const char **how);

/* Any thread: counters as the watcher last published them (about once a second). */
void sw_watch_stats(struct sw_watch *w, struct sw_watch_stats *out);
/* Main thread: did the watcher loop since the last call? */
bool sw_watch_progress(struct sw_watch *w);

/* Main thread: stop the watcher thread (a walk in progress ends incomplete: nothing is
 * reported deleted) and join it. The pool is not touched. */
void sw_watch_stop(struct sw_watch *w);
/* Stops if needed; closes the sources. NULL-safe. */
void sw_watch_destroy(struct sw_watch *w);

/* Is path left out by files.exclude? Entries without glob characters that start with '/' are
 * prefixes (the path and everything below it); the others are fnmatch(3) globs tried on the
 * full path and on every name in it (so "node_modules" or "*.tmp" leave out whole subtrees
 * wherever they are). Any thread. */
bool sw_watch_excluded(const char *path, const char *const *exclude, size_t n);

#endif
