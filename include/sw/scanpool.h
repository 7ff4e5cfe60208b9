/* scanpool.h - the file scan pool: a bounded queue of files and N threads that read each
 * file once, hash it (SHA-256), run the YARA rules over it and report it (fileinfo and
 * alert events, FIM records).
 *
 * Who calls what
 *   - One submitter thread (the file watcher of `seawall run`; the walking thread of a
 *     command) hands jobs to sw_scanpool_submit(). The queue is bounded (jobs, and so the
 *     descriptors they hold) and coalesces: a job for a path that already waits merges
 *     into the waiting one where nothing is lost by it (two closes of one file scan the
 *     later content once; a chmod after a write rides along), and is queued behind it where
 *     something would be (a delete after a write: the written content is still scanned
 *     through its descriptor, then the delete is reported).
 *   - Scan threads take jobs in order, but never a job whose path (or old path) another
 *     thread is working on: records of one path reach the FIM baseline in the order the
 *     source saw them (include/sw/fim.h).
 *   - Each thread owns its stage of the file detection set (include/sw/detect_file.h: its
 *     YARA scanner), its read buffer and its event emitter; it adopts a new set
 *     (sw_scanpool_set_detection) before its next job.
 *
 * Reading is always bounded: a file is read through the job's descriptor when it has one
 * (fanotify's: the bytes that were written, even if the name has gone since), else opened
 * by path with O_NOFOLLOW | O_NONBLOCK and checked to be a regular file after the open; at
 * most files.max_scan_size bytes are kept for YARA and files.max_hash_size hashed; a file
 * whose size changes while it is read is read again (twice at most), then counted as an
 * error, never reported with a hash of a half-written state. Non-regular files (FIFOs,
 * devices, sockets) are never read. The YARA rules see a copy in memory, not a mapping of
 * the file (yr_rules_scan_fd maps it: a file truncated meanwhile would raise SIGBUS). */
#ifndef SW_SCANPOOL_H
#define SW_SCANPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/stat.h>

#include "sw/err.h"
#include "sw/event.h"

struct sw_detect_file;  /* detect_file.h */
struct sw_fim_service;  /* fim.h */

/* What a job asks for. */
enum sw_scan_kind {
    SW_SCAN_CLOSE_WRITE = 0, /* a writer closed it: hash, YARA, fileinfo, FIM CLOSE_WRITE */
    SW_SCAN_WALK,            /* a walk found it: hash, YARA, FIM WALK (no fileinfo: the
                              * baseline's fim event says whether it is new or changed) */
    SW_SCAN_CREATE,          /* a name appeared: FIM CREATE (attributes only) */
    SW_SCAN_ATTRIB,          /* metadata changed: hash (regular files), FIM ATTRIB */
    SW_SCAN_DELETE,          /* the name is gone: FIM DELETE */
    SW_SCAN_RENAME,          /* old_path -> path: FIM RENAME; a regular file is hashed and
                              * YARA-scanned under its new name (rules test names too) and
                              * gets a fileinfo when it came from outside (old_path NULL) */
    SW_SCAN_UNREADABLE,      /* a walk could not read this directory: FIM UNREADABLE */
    SW_SCAN_RETRO,           /* retro-hunt after a rule reload: YARA only, alerts only */
    SW_SCAN_FILE,            /* `seawall scan`: hash, YARA, fileinfo when asked */
};

/* One unit of work. Made with sw_scan_job_create; the submitter fills the plain fields and
 * hands it to sw_scanpool_submit, which takes it (and its descriptor) on every path. */
struct sw_scan_job {
    uint8_t kind;        /* enum sw_scan_kind */
    bool is_dir;         /* DELETE, RENAME: a directory (FIM moves or deletes every row below) */
    bool walk;           /* part of a walk (sw_scanpool_walk_pending counts it) */
    bool has_stat;       /* st is lstat() of the path when the job was made (walks) */
    int fd;              /* owned: an open descriptor of the content, -1 when none */
    int32_t pid;         /* the writer, 0 when unknown */
    char comm[16];       /* its command name, "" when unknown */
    uint64_t ts_us;      /* when the source saw it (CLOCK_REALTIME) */
    struct stat st;
    char *path;          /* owned: absolute */
    char *old_path;      /* owned: RENAME's previous name, or NULL */
    struct sw_scan_job *next; /* the pool's */
};

/* A job for path (and old_path, may be NULL): everything else zero, fd -1. NULL when out of
 * memory. Caller owns it until it is submitted. Any thread. */
struct sw_scan_job *sw_scan_job_create(enum sw_scan_kind kind, const char *path,
                                       const char *old_path);
/* Frees the job and closes its descriptor. NULL-safe. */
void sw_scan_job_destroy(struct sw_scan_job *j);

/* Counters of the pool (summed over its threads) and of its queue. Names are the stats
 * event's seawall.files.* keys. */
struct sw_scan_stats {
    uint64_t files;            /* regular files read */
    uint64_t bytes;            /* bytes read */
    uint64_t hashed, scanned;  /* files hashed (a file kept whole for YARA only when it is
                                * reported: FIM, an alert, a fileinfo, IOC lists); files
                                * YARA-scanned */
    uint64_t unchanged;        /* walk: unchanged since the baseline, neither hashed nor
                                * scanned */
    uint64_t matches;          /* YARA alerts */
    uint64_t files_matched;    /* files with an alert (YARA or IOC) */
    uint64_t ioc_matches;      /* alerts from the IOC lists */
    uint64_t fileinfo;         /* fileinfo events made */
    uint64_t records;          /* FIM records submitted */
    uint64_t record_drops;     /* FIM records lost to a full ring (the path is rescanned) */
    uint64_t event_drops;      /* events lost (allocation failure) */
    uint64_t timeouts;         /* YARA scans stopped by the time limit */
    uint64_t too_many_matches; /* scans where a string had too many matches (the scan went on) */
    uint64_t changed_while_read; /* read again because the size changed meanwhile */
    /* skipped, by reason (seawall.files.skipped) */
    uint64_t skipped_size;     /* over files.max_hash_size (or max_scan_size, not hashed) */
    uint64_t skipped_excluded; /* files.exclude (counted by the submitter) */
    uint64_t skipped_special;  /* FIFO, device, socket */
    uint64_t skipped_overflow; /* a full queue (counted by the submitter) */
    uint64_t skipped_error;    /* vanished, unreadable, changed while read, out of memory */
    /* the queue */
    uint64_t queued;           /* jobs waiting now */
    uint64_t coalesced;        /* jobs merged into one already waiting */
    uint64_t queue_high;       /* most jobs waiting at once */
};

struct sw_scanpool_opts {
    unsigned threads;          /* 1..SW_DETECT_FILE_MAX_THREADS */
    size_t queue_size;         /* jobs waiting at most */
    uint64_t max_scan_size;    /* bytes kept for YARA: a larger file is hashed only */
    uint64_t max_hash_size;    /* bytes hashed: a larger file is skipped (size) */
    unsigned max_strings, string_bytes, timeout_s; /* YARA alert limits (sw_detect_file_limits) */
    int nice;                  /* added to each thread's nice value; 0: unchanged */
    int ionice;                /* enum sw_files_ionice */
    const char *source;        /* static: the YARA external seawall_source ("fim", "file") */
    bool fileinfo_file;        /* FILE jobs emit fileinfo (seawall scan --all) */
    size_t buf_keep;           /* read buffer a thread keeps between jobs; 0: 1 MiB (a
                                * daemon must not pin max_scan_size per thread; a command
                                * that scans a tree reuses one buffer for every file) */
    /* Events: thread i emits through em[i] (borrowed, one per thread; called on thread i
     * only) and calls kick(kick_ctx[i]) after each job, done(kick_ctx[i]) when it ends. */
    struct sw_emitter **em;
    void (*kick)(void *ctx);
    void (*done)(void *ctx);
    void *const *kick_ctx;
    /* FIM: records go to fim (borrowed, may be NULL) as producer fim_producer + i; with
     * fim_db (the baseline file), a walk skips files whose row says they are unchanged. */
    struct sw_fim_service *fim;
    unsigned fim_producer;
    const char *fim_db;
    /* Called on the submitter's behalf by a scan thread when the queue went from full or
     * busy to having room or being idle (may be NULL): the watcher's wake-up. */
    void (*wake)(void *ctx);
    void *wake_ctx;
};

struct sw_scanpool;

/* Make the pool (queue, per-thread state); no thread yet. det (borrowed: the pool takes its
 * own hold, sw_detect_file_hold) may be NULL: no YARA, no IOC check (with IOC lists in det,
 * every hashed file is checked against them, raising ioc alerts). Main thread. */
struct sw_scanpool *sw_scanpool_create(const struct sw_scanpool_opts *o,
                                       struct sw_detect_file *det, struct sw_err *err);
/* Start the threads ("sw-scan/N"). Main thread. */
enum sw_rc sw_scanpool_start(struct sw_scanpool *p, struct sw_err *err) SW_MUSTCHECK;

/* Submitter thread: queue j (taken). SW_OK; SW_ELIMIT when the queue is full (j is
 * destroyed; the caller counts it with sw_scanpool_count_skipped and rescans later). A job
 * that merges into a waiting one always succeeds. */
enum sw_rc sw_scanpool_submit(struct sw_scanpool *p, struct sw_scan_job *j) SW_MUSTCHECK;
/* Submitter thread: may n more jobs be queued now without refusal? */
bool sw_scanpool_room(struct sw_scanpool *p, size_t n);
/* Submitter thread: files skipped before they reached the pool (excluded, overflow), for
 * the counters. */
void sw_scanpool_count_skipped(struct sw_scanpool *p, uint64_t excluded, uint64_t overflow);
/* Walk jobs submitted and not yet done (also the ones merged into other jobs). When not 0,
 * the wake callback runs after the next job. */
uint64_t sw_scanpool_walk_pending(struct sw_scanpool *p);
/* Nothing queued and nothing in progress. Any thread (an instant reading). */
bool sw_scanpool_idle(struct sw_scanpool *p);

/* Main thread: scan with the file detection set det from now on (the pool takes a hold;
 * NULL: none): one pointer replaces the previous set. Each thread switches before its next
 * job and gives back its hold of the old one. */
void sw_scanpool_set_detection(struct sw_scanpool *p, struct sw_detect_file *det);
/* Rule set generation every thread runs (0 before the threads start). */
uint32_t sw_scanpool_generation(struct sw_scanpool *p);

/* Counters now (threads publish after each job). Any thread. */
void sw_scanpool_stats(struct sw_scanpool *p, struct sw_scan_stats *out);
/* Main thread: did every thread finish a job or wait idle since the last call? */
bool sw_scanpool_progress(struct sw_scanpool *p, unsigned *stuck);

/* Main thread: no more jobs; the threads finish what is queued (drain true) or only the job
 * in hand (false: queued jobs are dropped and their descriptors closed), then exit. Waits
 * until deadline_us (CLOCK_MONOTONIC) at most; false when a thread is still running then. */
bool sw_scanpool_stop(struct sw_scanpool *p, bool drain, uint64_t deadline_us);
/* Stops (drain false) if needed. NULL-safe. */
void sw_scanpool_destroy(struct sw_scanpool *p);

/* The read behind every scan, for tests: read the regular file fd from offset 0 into
 * buf[0, keep) (keep may be 0) and hash its first max_hash bytes, the whole file, checking
 * that its size (fstat before and after) did not change. Returns SW_OK with *size, *kept
 * and the hash; SW_ELIMIT when the file is larger than max_hash (nothing hashed); SW_EAGAIN
 * when it changed size while read; SW_EIO for a read error (errno kept). Any thread. */
enum sw_rc sw_scan_read(int fd, uint8_t *buf, size_t keep, uint64_t max_hash, uint64_t *size,
                        size_t *kept, uint8_t sha256[32]) SW_MUSTCHECK;

#endif
