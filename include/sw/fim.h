/* fim.h - file integrity monitoring: the baseline of watched files (SQLite) and the `fim`
 * events that differences from it raise.
 *
 * Who calls what
 *   - The file sources (fanotify, inotify, the scheduled walk) and the scan pool turn what
 *     they see into records (struct sw_fim_rec): one per observed file, with the attributes
 *     from fstat() of the descriptor that was hashed (or lstat() where there is none), the
 *     SHA-256 when computed, and a hint saying what the source saw.
 *   - The baseline (struct sw_fim) compares each record with the stored row of its path,
 *     emits the `fim` events the difference calls for (struct sw_emitter), and stores the new
 *     row. A walk is bracketed by begin/end: at the end, every row of the walked roots that
 *     no record of the walk matched is deleted, paired with an added file of the same inode
 *     and content into `moved` where possible.
 *   - `seawall fim check|update` (agent/cmd_fim.c) and the daemon use the same code: a walk
 *     (sw_fim_walk_run, or the daemon's walk source), hashing threads, the service thread.
 *
 * Threads (the baseline is one SQLite connection, owned by one thread)
 *   - struct sw_fim is single-threaded: every sw_fim_* call on it runs on its owner thread.
 *   - struct sw_fim_service makes that owner thread ("sw-fim") and gives each producer (scan
 *     worker, watcher thread) its own SPSC ring of records: sw_fim_submit() never blocks and
 *     takes no lock (a full ring drops the record, counts it and returns false, so the caller
 *     can schedule a rescan of that path). The fim thread drains the rings, applies records
 *     in batched transactions (SW_FIM_BATCH_RECORDS records or SW_FIM_BATCH_MS, whichever
 *     comes first), and emits events through the emitter it was given, which it alone
 *     calls. Control calls (walk begin/end, the retro-hunt query, stop) come from one control
 *     thread (the daemon's main or watcher thread) through a mutex-guarded mailbox and wait
 *     for the fim thread's answer: a low-rate control path, never held across I/O.
 *   - Order: records are applied in the order they leave each ring, rings in turn. Records of
 *     one path must therefore reach sw_fim in the order the source saw the events: the scan
 *     pool keeps a path on one worker at a time, and a record without content (delete,
 *     rename, attrib) of a path whose scan is in flight waits behind that scan (or goes
 *     through the same worker). A record hashed through a descriptor whose file was unlinked
 *     meanwhile (st_nlink 0) is reported `added` then `deleted` whatever order the delete
 *     record arrives in, so "written then unlinked before the scan" is never merged away.
 *
 * Durability: events of a batch are handed to the emitter before the batch commits; kill -9
 * loses at most the open batch, whose changes the next walk finds again (and reports again).
 * A walk interrupted before its end reports no deletions; the next walk does. A baseline
 * that is not ours (application_id, schema version, schema text) or that SQLite finds
 * corrupt is reported in one line naming the file, moved aside as FILE.bad and rebuilt: the
 * walk after a rebuild, like the very first one, records the files without reporting them. */
#ifndef SW_FIM_H
#define SW_FIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "sw/err.h"
#include "sw/event.h"

/* PRAGMA application_id of a seawall baseline ("SWFM") and its schema version
 * (PRAGMA user_version). Another value of either: not ours, rebuilt. */
#define SW_FIM_APPLICATION_ID 0x5357464d
#define SW_FIM_SCHEMA_VERSION 1
/* A batch (one SQLite transaction) commits after this many records or this long. */
#define SW_FIM_BATCH_RECORDS 4096u
#define SW_FIM_BATCH_MS 200u
/* A walk holds at most this many added files back to pair them with deleted ones into
 * `moved`; past it, further added files are reported as they come (deleted + added). */
#define SW_FIM_MAX_PENDING 65536u
/* An unpaired moved-from (inotify cookie) becomes `deleted` after this long; an unpaired
 * moved-to, `added` (moved in from outside the watched paths). */
#define SW_FIM_MOVE_WAIT_MS 500u
/* Longest symlink target kept (longer: cut, and its sha256 is of the whole target). */
#define SW_FIM_MAX_TARGET 4096u

/* --- records: what a source or scan worker observed --------------------------------------- */

/* What the source saw. The baseline decides the action from the hint and the stored row:
 *   WALK        a walk found the path: compare with the row (added / modified / attributes /
 *               nothing); rows not seen by the end of the walk are deleted or moved.
 *   CLOSE_WRITE a writer closed it: content and attributes as hashed through the descriptor.
 *               No row: added (once per close, never per write); a row: compare.
 *   CREATE      a name appeared. Regular files wait for their CLOSE_WRITE (so `added` carries
 *               the written content), unless st_nlink > 1 (a hard link: added now). Symlinks,
 *               FIFOs, sockets and devices: added now. Directories: nothing (their contents
 *               arrive as their own records; a directory moved in is walked by the source).
 *   ATTRIB      chmod, chown, utimes, link count: compare (attributes, or nothing when only
 *               ctime or the link count changed).
 *   MODIFY      content changed without a close (truncate(2) by path, a write seen by a
 *               source without close events): compare like CLOSE_WRITE.
 *   DELETE      the name is gone: deleted when there was a row. A directory: every row below
 *               it is deleted.
 *   RENAME      one record for a whole rename (fanotify FAN_RENAME): old_path -> path. Source
 *               row and no row at path: moved. A row at path too: modified (old_path set),
 *               the replaced file's row gives the old side. No source row (moved in from
 *               outside): added, or modified over an existing row. A directory: each row
 *               below it moves (one `moved` per file).
 *   MOVED_FROM, MOVED_TO  the two halves of a rename paired by cookie (inotify); either half
 *               may come first. Paired: as RENAME. A lone MOVED_FROM after SW_FIM_MOVE_WAIT_MS:
 *               deleted (moved out); a lone MOVED_TO: as RENAME without a source row.
 *   UNREADABLE  a walk could not read this directory or file (EACCES, EIO): rows below it
 *               count as seen, so they are not reported deleted. */
enum sw_fim_hint {
    SW_FIM_HINT_WALK = 0,
    SW_FIM_HINT_CLOSE_WRITE,
    SW_FIM_HINT_CREATE,
    SW_FIM_HINT_ATTRIB,
    SW_FIM_HINT_MODIFY,
    SW_FIM_HINT_DELETE,
    SW_FIM_HINT_RENAME,
    SW_FIM_HINT_MOVED_FROM,
    SW_FIM_HINT_MOVED_TO,
    SW_FIM_HINT_UNREADABLE,
};

/* Attributes of one file, as fstat()/lstat() gave them. */
struct sw_fim_attr {
    uint32_t mode;     /* st_mode: type and permission bits */
    uint32_t uid, gid;
    uint32_t nlink;    /* 0: unlinked (a descriptor of a deleted file) */
    uint64_t size;
    uint64_t ino;
    int64_t mtime_ns, ctime_ns;
    bool has_sha256;   /* regular files: content hashed; symlinks: set by the baseline */
    uint8_t sha256[32];
};

/* One observation. Made with sw_fim_rec_create (one allocation, strings inside it); the
 * producer fills the plain fields, then hands it to sw_fim_submit or sw_fim_apply, which take
 * it. Fields not listed as set by create are zero until the producer sets them. */
struct sw_fim_rec {
    uint8_t hint;        /* enum sw_fim_hint */
    bool has_attr;       /* false: no attributes (DELETE, MOVED_FROM, UNREADABLE) */
    struct sw_fim_attr a;
    uint32_t cookie;     /* MOVED_FROM/MOVED_TO: the pairing cookie, else 0 */
    int32_t pid;         /* the writer (fanotify), 0 when unknown */
    char comm[16];       /* its command name (/proc/PID/comm), "" when unknown */
    uint64_t ts_us;      /* when the source saw it (CLOCK_REALTIME): the event's timestamp;
                          * 0: when the baseline applies it */
    const char *path;     /* absolute, as seen (for a file written then unlinked: the name it
                           * was written under); set by create */
    const char *old_path; /* RENAME: the previous name; else NULL; set by create */
    const char *target;   /* symlinks: readlink() text (at most SW_FIM_MAX_TARGET bytes);
                           * else NULL; set by create */
};

/* A record for path (and old_path, target: may be NULL) with hint, everything else zero.
 * NULL when out of memory or a path is not absolute or longer than PATH_MAX. Caller owns it
 * until it hands it on. Any thread. */
struct sw_fim_rec *sw_fim_rec_create(enum sw_fim_hint hint, const char *path,
                                     const char *old_path, const char *target);
/* NULL-safe. Any thread. */
void sw_fim_rec_destroy(struct sw_fim_rec *r);
/* Fill a (has_sha256 false) from a stat buffer. Pure. */
void sw_fim_attr_from_stat(struct sw_fim_attr *a, const struct stat *st);

/* SHA-256 of what fd reads from its current offset to the end, at most max bytes
 * (0: no cap), into out. Returns SW_OK; SW_ELIMIT when the file is longer than max (out
 * unset); SW_EIO when a read fails. Blocking reads of a regular file; any thread. */
enum sw_rc sw_fim_hash_fd(int fd, uint64_t max, uint8_t out[32]) SW_MUSTCHECK;

/* --- the baseline ------------------------------------------------------------------------- */

struct sw_fim_opts {
    const char *db;            /* borrowed: the baseline file (daemon: agent.state_dir/fim.db) */
    const char *const *roots;  /* borrowed: absolute watched paths (files.paths) */
    size_t n_roots;
    const char *const *exclude; /* borrowed: files.exclude globs (as sw_walk_excluded) */
    size_t n_exclude;
    bool read_only;  /* `seawall fim check`: compare and report, write nothing (no baseline
                      * file: SW_EINVAL) */
    bool prune;      /* drop rows outside the roots or excluded now (the roots or excludes
                      * changed), silently: the daemon and `fim update` without paths */
};

struct sw_fim_stats {
    uint64_t records, events, event_drops; /* event_drops: allocation failures */
    uint64_t added, modified, attributes, moved, deleted;
    uint64_t excluded;     /* records of excluded paths or outside every root, ignored */
    uint64_t batches, db_errors;
    uint64_t rows;         /* rows after the last walk */
    uint64_t ring_drops;   /* service: records lost to a full ring (the path needs a rescan) */
    uint64_t rebuilt;      /* baselines found foreign or corrupt and rebuilt */
};

struct sw_fim;

/* Open (or create) the baseline at o->db in WAL mode and check that it is ours; a foreign
 * or corrupt file is reported (one line naming it), moved aside to DB.bad and replaced by an
 * empty baseline. Returns NULL with err set when the file cannot be opened or created at all.
 * The calling thread becomes the owner (a service moves it to its own thread). */
struct sw_fim *sw_fim_open(const struct sw_fim_opts *o, struct sw_err *err);
/* Commit the open batch and close. NULL-safe. Owner thread. */
void sw_fim_close(struct sw_fim *f);

/* Apply one record (taken, also on failure) and emit the events it raises through em (which
 * takes each). Returns SW_OK, or SW_EIO when SQLite failed (err names the file; the record's
 * change is found again by the next walk). Owner thread. */
enum sw_rc sw_fim_apply(struct sw_fim *f, struct sw_fim_rec *rec, struct sw_emitter *em,
                        struct sw_err *err) SW_MUSTCHECK;

/* Start a walk of every root. Records with hint WALK (or any other) from now on mark their
 * paths seen. Owner thread. */
enum sw_rc sw_fim_walk_begin(struct sw_fim *f, struct sw_err *err) SW_MUSTCHECK;
/* Start a walk of the tree at dir only (absolute, inside a root): a rescan after a queue
 * overflow. Its end reports deleted (or moved) only rows below dir; it never completes a
 * root's first walk. Owner thread. */
enum sw_rc sw_fim_walk_begin_at(struct sw_fim *f, const char *dir,
                                struct sw_err *err) SW_MUSTCHECK;
/* End the walk. complete false (interrupted, stopped): nothing is reported deleted. complete
 * true: rows of the roots not seen are deleted, or paired into moved with a held-back added
 * file of the same inode, type, size and sha256; the held-back added files are reported;
 * everything is committed. A root walked for the first time (or after a rebuild) is recorded
 * without events. Owner thread. */
enum sw_rc sw_fim_walk_end(struct sw_fim *f, bool complete, struct sw_emitter *em,
                           struct sw_err *err) SW_MUSTCHECK;

/* Commit the open batch if it is full or older than SW_FIM_BATCH_MS, and turn unpaired
 * moved-from/to halves older than SW_FIM_MOVE_WAIT_MS into deleted/added. now_us:
 * CLOCK_MONOTONIC. Owner thread, at least every SW_FIM_BATCH_MS while records come. */
enum sw_rc sw_fim_tick(struct sw_fim *f, uint64_t now_us, struct sw_emitter *em,
                       struct sw_err *err) SW_MUSTCHECK;
/* Commit the open batch now. Owner thread. */
enum sw_rc sw_fim_flush(struct sw_fim *f, struct sw_err *err) SW_MUSTCHECK;

/* Retro-hunt: call fn(ctx, path) for each regular file of the baseline whose content or
 * attributes changed at or after since_us (its ctime: kernel-kept, not settable by a user),
 * in path order; fn returns false to stop. path is borrowed for the call. Owner thread. */
typedef bool (*sw_fim_path_fn)(void *ctx, const char *path);
enum sw_rc sw_fim_recent(struct sw_fim *f, uint64_t since_us, sw_fim_path_fn fn, void *ctx,
                         struct sw_err *err) SW_MUSTCHECK;

/* Does the baseline hold a complete walk of root (one of the roots it was opened with)?
 * A root it does not is recorded silently by its first walk. Owner thread. */
bool sw_fim_root_known(const struct sw_fim *f, const char *root);

/* Counters so far. Owner thread (the service copies them for other threads). */
void sw_fim_get_stats(const struct sw_fim *f, struct sw_fim_stats *out);

/* A fim event carrying a copy of p (strings included) in one allocation. Caller owns it
 * (sw_event_destroy). NULL on allocation failure. Any thread. */
struct sw_event *sw_fim_event_create(uint64_t ts_us, const struct sw_fim_part *p);

/* --- the service: the fim thread and its rings --------------------------------------------- */

struct sw_fim_service_opts {
    unsigned n_producers; /* threads that submit records: one ring each, index 0..n-1 */
    size_t ring_size;     /* records per ring (rounded up to a power of two) */
    struct sw_emitter *em; /* borrowed: called on the fim thread only (e.g. a router producer
                            * whose ring the fim thread fills) */
    void (*kick)(void *ctx); /* may be NULL: called on the fim thread after each batch of
                              * emitted events (sw_producer_kick) */
    void *kick_ctx;
};

struct sw_fim_service;

/* Take f over (also on failure) and prepare the rings; no thread yet. Control thread. */
struct sw_fim_service *sw_fim_service_create(struct sw_fim *f,
                                             const struct sw_fim_service_opts *o,
                                             struct sw_err *err);
/* Start the fim thread ("sw-fim"). Control thread. */
enum sw_rc sw_fim_service_start(struct sw_fim_service *s, struct sw_err *err) SW_MUSTCHECK;

/* Producer thread `producer` only: hand rec (taken) to the fim thread. Never blocks. false:
 * the ring is full, rec was freed and counted in ring_drops: rescan that path. For live
 * records. */
bool sw_fim_submit(struct sw_fim_service *s, unsigned producer, struct sw_fim_rec *rec);
/* As sw_fim_submit, but waits (sleeping 100 us at a time) while the ring is full, so nothing
 * is lost: for a walk's records, since a walk record lost would make its file look deleted
 * at the walk's end. The fim thread never waits on producers, so this always returns. */
void sw_fim_submit_wait(struct sw_fim_service *s, unsigned producer, struct sw_fim_rec *rec);

/* Control thread: start a walk (returns once the fim thread has; submit the walk's records
 * after it). */
enum sw_rc sw_fim_service_walk_begin(struct sw_fim_service *s, struct sw_err *err) SW_MUSTCHECK;
/* As sw_fim_service_walk_begin, for the tree at dir only (sw_fim_walk_begin_at). */
enum sw_rc sw_fim_service_walk_begin_at(struct sw_fim_service *s, const char *dir,
                                        struct sw_err *err) SW_MUSTCHECK;
/* Control thread: end the walk once every record of it has been submitted (the scan pool is
 * drained): the fim thread first applies everything already in the rings, then ends the
 * walk as sw_fim_walk_end. Returns when done (the start-up walk's events are emitted then:
 * READY=1 may follow). */
enum sw_rc sw_fim_service_walk_end(struct sw_fim_service *s, bool complete,
                                   struct sw_err *err) SW_MUSTCHECK;

/* Control thread: the paths sw_fim_recent gives (retro-hunt after a rule reload), at most
 * max of them, in *paths (an array of n strings: caller frees with sw_fim_paths_free).
 * *truncated when there were more. */
enum sw_rc sw_fim_service_recent(struct sw_fim_service *s, uint64_t since_us, size_t max,
                                 char ***paths, size_t *n, bool *truncated,
                                 struct sw_err *err) SW_MUSTCHECK;
void sw_fim_paths_free(char **paths, size_t n);

/* Any thread: the counters as the fim thread last published them (after each batch). */
void sw_fim_service_stats(struct sw_fim_service *s, struct sw_fim_stats *out);

/* Control thread: wait until the producers' rings are drained (the producers have stopped),
 * commit, stop and join the fim thread. */
void sw_fim_service_stop(struct sw_fim_service *s);
/* Stops if needed, closes the baseline. NULL-safe. */
void sw_fim_service_destroy(struct sw_fim_service *s);

/* --- the walk `seawall fim` uses (the daemon's walk source may too) ----------------------- */

struct sw_fim_walk_opts {
    const char *const *exclude; /* borrowed: globs as sw_walk_excluded; a matching directory
                                 * is not entered */
    size_t n_exclude;
    bool one_fs;                /* do not descend into other file systems (default on) */
};

struct sw_fim_walk_counts {
    uint64_t dirs, entries, excluded, other_fs, unreadable;
};

/* Called for each non-directory entry below root (and root itself when it is not a
 * directory), in path order within each directory, with a record (hint WALK, lstat()
 * attributes, symlink target; taken) that the callee hashes (regular files) and submits.
 * Unreadable directories come as UNREADABLE records. Return false to stop the walk. */
typedef bool (*sw_fim_walk_fn)(void *ctx, struct sw_fim_rec *rec);
/* Walk root (absolute). Symlinks are never followed. SW_OK, or SW_EIO / SW_EINVAL when root
 * itself cannot be used (err names it), SW_ENOMEM. Any one thread. */
enum sw_rc sw_fim_walk_run(const char *root, const struct sw_fim_walk_opts *o, sw_fim_walk_fn fn,
                           void *ctx, struct sw_fim_walk_counts *c,
                           struct sw_err *err) SW_MUSTCHECK;

#endif
