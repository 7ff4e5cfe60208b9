/* watcher_int.h - private to the file watcher's two halves: watch.c (opening, live items,
 * the thread's loop, control) and watch_walk.c (the walks: the baseline's walk of every tree,
 * walks of new directories, the retro-hunt). The sources never see this: theirs is
 * watch_int.h.
 *
 * Threads: struct sw_watch is built on the main thread before the watcher thread starts;
 * the fields marked "watcher thread" are then that thread's alone, the atomics and the
 * published counters (under mu) are how the main thread reads it. */
#ifndef SW_WATCHER_INT_H
#define SW_WATCHER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/fim.h"
#include "sw/scanpool.h"
#include "sw/src_walk.h"
#include "sw/watch.h"
#include "watch_int.h"

#define HOW_SCAN 3          /* a tree followed by scheduled walks only */
#define SUBWALK_MAX 1024    /* directories waiting to be walked on their own */

struct tree {
    char *path;            /* owned */
    int how;               /* enum src_how, or HOW_SCAN */
    struct source *src;    /* borrowed: w->fan or w->ino; NULL for HOW_SCAN */
};

/* A walk in progress: the trees in turn (main), or one directory (sub). */
struct walk {
    struct sw_walk_iter *it;  /* owned */
    size_t tree;              /* main walks: the tree being walked */
    bool active;
    struct sw_walk_counts c;
};

struct sw_watch {
    const struct sw_config *cfg;
    struct tree *trees;       /* owned */
    size_t n_trees;
    struct source *fan, *ino; /* owned, may be NULL */
    const char *const *excl;  /* borrowed from cfg */
    size_t n_excl;
    struct sw_scanpool *pool; /* borrowed */
    struct sw_fim_service *fim; /* borrowed, may be NULL */
    int wake_fd, ep;
    pthread_t thread;
    bool started;
    _Atomic int stop, ready;
    _Atomic uint64_t retro_window; /* != 0: a retro-hunt was asked for */
    _Atomic uint64_t beat;
    _Atomic int in_fim;        /* inside a blocking call to the fim thread (walk end, ...) */
    uint64_t beat_seen;        /* main thread */
    /* watcher thread */
    struct walk main, sub;
    bool main_started;         /* the fim walk was begun */
    bool main_startup;         /* the walk READY waits for */
    bool main_rescan;          /* started because of an overflow */
    bool main_interrupted;
    uint32_t gen;
    uint64_t main_t0, next_scan, next_publish;
    bool rescan_wanted, overflow_logged;
    bool *wanted;              /* owned, n_trees: trees that lost events since their walk */
    size_t only;               /* the main walk covers trees [main.tree, end) */
    size_t end;
    uint64_t record_drops;     /* the pool's FIM records lost so far (seen at publish) */
    char *subq[SUBWALK_MAX];   /* owned: directories to walk on their own */
    size_t subq_n;
    char **retro;              /* owned (sw_fim_paths_free) */
    size_t retro_n, retro_i;
    struct sw_watch_stats st;  /* watcher thread's */
    /* published */
    pthread_mutex_t mu;
    struct sw_watch_stats pub;
};

/* --- watch.c, for the walks (watcher thread) ----------------------------------------------- */

/* Hand j to the scan pool (it takes j). live: a refusal (queue full) is counted as lost
 * events and asks for a rescan; walk jobs wait for room and are never refused. */
void watch_submit(struct sw_watch *w, struct sw_scan_job *j, bool live);
/* Events of the tree holding path (NULL: of every tree) were lost: walk it again. */
void watch_want_rescan(struct sw_watch *w, const char *why, const char *path);
/* The walker's exclusion callback: files.exclude, and seawall's own files. */
bool watch_walk_excluded(void *ctx, const char *path);
/* Publish the counters for sw_watch_stats (and ask for a rescan if FIM records were lost). */
void watch_publish(struct sw_watch *w);

/* The tree holding path, or NULL. */
struct tree *watch_tree_of(struct sw_watch *w, const char *path);

/* --- watch_walk.c (watcher thread) --------------------------------------------------------- */

/* Close the walk's iterator (NULL-safe). */
void watch_walk_close(struct walk *wk);
/* Begin the baseline's walk: at start-up (READY waits for it), after lost events (rescan:
 * only the tree that lost them when it is one) or on schedule. */
void watch_main_begin(struct sw_watch *w, bool startup, bool rescan);
/* The main walk and its scans are done: the fim thread diffs it, READY after the first. */
void watch_main_end(struct sw_watch *w);
/* Advance the main walk, the walks of new directories, the retro-hunt while the scan queue
 * has room. Each returns true when it did something. */
bool watch_main_step(struct sw_watch *w);
bool watch_sub_step(struct sw_watch *w);
bool watch_retro_step(struct sw_watch *w);

#endif
