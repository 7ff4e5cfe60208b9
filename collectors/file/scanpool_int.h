/* scanpool_int.h - private to the scan pool (scanpool.c: queue and threads; scan_file.c:
 * what a thread does with one job). */
#ifndef SW_SCANPOOL_INT_H
#define SW_SCANPOOL_INT_H

#include <magic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sw/detect_file.h"
#include "sw/scanpool.h"

#define SCAN_READ_CHUNK (256u * 1024u)
/* A file whose size changes while it is read is read this many times in all. */
#define SCAN_READ_TRIES 3
/* libmagic looks at the start of a file: this much of it for the daemon's events, and as
 * much as libmagic reads of a file itself (its default bytes_max) for seawall scan's. */
#define SCAN_MAGIC_BYTES (64u * 1024u)
#define SCAN_MAGIC_BYTES_CLI (1024u * 1024u)
/* A thread keeps a read buffer up to this size between jobs (sw_scanpool_opts.buf_keep). */
#define SCAN_BUF_KEEP (1024u * 1024u)
/* A scan thread with nothing to do wakes this often (the watchdog's heartbeat). */
#define IDLE_WAIT_MS 1000
/* The queue's search for a job whose paths are free gives up after this many skipped jobs
 * (their paths are remembered so that no later job of them overtakes). */
#define MAX_BLOCKED 64

/* ioprio_set(2): glibc has no wrapper. */
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_PRIO_VALUE(cls, data) (((cls) << 13) | (data))

struct worker {
    struct sw_scanpool *p;
    unsigned idx;
    pthread_t thread;
    bool started;
    /* thread-owned */
    struct sw_detect_file_thread *det; /* owned: its stage (scanner, hold of the set) */
    uint32_t gen;
    magic_t magic;                   /* owned; NULL: the filetype table's text */
    struct sw_fim_reader *reader;    /* owned; NULL: walks hash and scan every file */
    uint8_t *buf;                    /* owned: the YARA copy, grown as needed */
    size_t buf_cap;
    uid_t owner_uid;
    char owner[64];
    struct sw_scan_stats c;          /* this thread's counters */
    /* under p->mu */
    const struct sw_scan_job *busy;  /* the job in hand */
    struct sw_scan_stats pub;        /* c as of the last hand-back */
    _Atomic uint64_t beat;
    uint64_t beat_seen;              /* main thread */
};

struct sw_scanpool {
    struct sw_scanpool_opts o;
    pthread_mutex_t mu;
    pthread_cond_t cv;               /* a job came, a path became free, or stop */
    /* queue (under mu) */
    struct sw_scan_job *head, *tail;
    size_t count;
    struct sw_scan_job **last;       /* owned: buckets of the newest waiting job per path */
    size_t n_buckets;
    uint64_t coalesced, queue_high, skipped_excluded, skipped_overflow;
    bool stopping, drain;
    /* The submitter's wake-up (sw_scanpool_opts.wake): want_wake rings after the next job
     * (idle, walk progress); want_room once the queue has drained to room_at, a quarter of
     * it at most, so that a walk refills the queue in batches rather than one job per ring
     * (a ring per file woke the walking thread 17,000 times a 20,000-file walk, each
     * preempting a scan thread on a busy machine). */
    bool want_wake, want_room;
    size_t room_at;
    unsigned in_flight;
    /* rules (under mu; gen also read without it) */
    struct sw_detect_file *det;      /* the pool's hold, may be NULL */
    _Atomic uint32_t gen;
    _Atomic uint64_t walk_pending;
    struct worker *w;                /* owned: o.threads */
    bool started;
};

/* What a scan thread does with one job (scan_file.c). The thread's own state only. */
void scan_process(struct worker *w, const struct sw_scan_job *j);
/* Give back a large read buffer after a job. */
void scan_release_buf(struct worker *w);
/* Install the pool's current detection set (a hold of the thread's own) in its stage. */
void scan_adopt_rules(struct worker *w);
/* Lower the calling scan thread's CPU and I/O priority (files.nice, files.ionice). */
void scan_set_niceness(struct worker *w);

#endif
