/* batch.h - plumbing shared by the offline commands that walk trees on the main thread and
 * hand the work to N threads whose events go to one output file (seawall scan, seawall fim):
 * the -o router, the default thread count, the exclude list, and a bounded blocking queue
 * between the walking thread and the workers. agent/ only: it decides command-line policy
 * (standard output by default, one file sink, lossless). */
#ifndef SW_BATCH_H
#define SW_BATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "sw/config.h"
#include "sw/err.h"
#include "sw/router.h"

/* A lossless router with one file sink for every event type, writing to out ("-" or NULL:
 * standard output), truncated first; follow: a symlink at out is followed (-o /dev/stdout).
 * EVE host field: host (borrowed for the call). Returns the router (owned by the caller:
 * sw_router_destroy) or NULL with err naming the culprit. Main thread. */
struct sw_router *sw_batch_router_create(const char *out, const char *host, bool follow,
                                         struct sw_err *err);

/* -x, --exclude GLOB from the command line (borrowed argv strings). */
#define SW_BATCH_MAX_EXCLUDES 256
struct sw_batch_excludes {
    const char *v[SW_BATCH_MAX_EXCLUDES];
    size_t n;
};
/* Record one glob; false, after one line on stderr, when there are too many. */
bool sw_batch_exclude_add(struct sw_batch_excludes *x, const char *glob);

/* The default number of worker threads: the online CPUs, 1..max. */
unsigned sw_batch_threads(unsigned max);

/* The exclude globs of a walk: files.exclude of cfg, then extra[0..n_extra). Returns an
 * array (owned by the caller: sw_free; the strings stay borrowed from cfg and extra) with
 * *n set, or NULL when out of memory. */
const char **sw_batch_globs(const struct sw_config *cfg, const char *const *extra, size_t n_extra,
                            size_t *n);

/* A bounded FIFO of pointers: push waits for room, pop waits for an item. One or more
 * producers and consumers; items are owned by the queue while queued. Fields private. */
struct sw_batch_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    void **slot; /* owned, cap */
    size_t cap, head, count;
    bool closed;
};

/* Caller storage, cap >= 1 items. SW_OK, or SW_ENOMEM (err set) with q left finished. */
enum sw_rc sw_batch_queue_init(struct sw_batch_queue *q, size_t cap,
                               struct sw_err *err) SW_MUSTCHECK;
/* Frees the slots; no thread may use q any more. Accepts a zeroed (never initialised) q. */
void sw_batch_queue_fini(struct sw_batch_queue *q);
/* Append item, waiting while the queue is full. Any thread. */
void sw_batch_queue_push(struct sw_batch_queue *q, void *item);
/* The oldest item, waiting while the queue is empty and open; NULL once closed and empty. */
void *sw_batch_queue_pop(struct sw_batch_queue *q);
/* No more pushes: waiting pops return the items left, then NULL. */
void sw_batch_queue_close(struct sw_batch_queue *q);

#endif
