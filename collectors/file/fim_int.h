/* fim_int.h - private to collectors/file/fim*.c: the baseline object and the helpers its
 * files share. fim.c: opening, checking and rebuilding the file, rows, batches, comparing,
 * events. fim_live.c: live records. fim_diff.c: walks against the baseline (seen set,
 * held-back added files, moves by inode), pruning, retro-hunt. fim_rec.c: records, hashing,
 * event construction. fim_service.c: the fim thread. fim_walk.c: the tree walk. */
#ifndef SW_FIM_INT_H
#define SW_FIM_INT_H

#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sw/fim.h"
#include "sw/siphash.h"

/* One stored row (validated when read: a row that fails is treated as absent). */
struct fim_row {
    uint32_t mode, uid, gid;
    uint64_t size, ino;
    int64_t mtime_ns, ctime_ns;
    bool has_sha256;
    uint8_t sha256[32];
    size_t target_len;
    char target[SW_FIM_MAX_TARGET + 1]; /* symlinks; "" otherwise */
};

/* Paths the current walk has seen: keyed 64-bit hashes of the paths (a random key per walk,
 * so nobody can name a file that hides another's deletion), open addressing. Bit 1 marks a
 * path a live record touched during the walk (its row is newer than what the walk saw). */
struct fim_seen {
    uint64_t *slot; /* owned; 0 = empty */
    size_t cap, n;  /* cap: power of two */
    struct sw_siphash_key key;
};

/* Added files the walk holds back to pair them with rows not seen into `moved`. */
struct fim_pending {
    struct sw_fim_rec **v; /* owned, each owned; NULL once used */
    size_t n, cap;
    uint32_t *by_ino;      /* owned: open addressing over v by inode, index + 1; 0 empty */
    size_t ino_cap;
};

/* A half of an inotify rename waiting for its other half. */
struct fim_half {
    struct sw_fim_rec *rec; /* owned */
    uint64_t since_us;      /* CLOCK_MONOTONIC */
};
#define FIM_MAX_HALVES 256

struct fim_root {
    char *path; /* owned: absolute, no trailing '/' (but "/" itself) */
    size_t len;
    bool known; /* a complete walk of it is in the baseline: differences are reported */
};

struct sw_fim {
    sqlite3 *db;
    char *db_path;  /* owned */
    int lock_fd;    /* flock(DB.lock) held while open for writing; -1 read-only */
    bool read_only, prune;
    struct fim_root *roots; /* owned, n_roots, sorted, none below another */
    size_t n_roots;
    char **exclude; /* owned, n_exclude */
    size_t n_exclude;

    /* Prepared statements (owned). */
    sqlite3_stmt *st_get, *st_put, *st_del, *st_range, *st_recent, *st_root_put;

    /* The open batch. */
    bool in_tx;
    unsigned batch_n;
    uint64_t batch_start_us; /* CLOCK_MONOTONIC */

    /* The walk in progress. */
    bool walking;
    char *walk_at;     /* owned: the tree walked, or NULL for every root */
    struct fim_seen seen;
    struct fim_pending pending;
    char **unreadable; /* owned: directories the walk could not read */
    size_t n_unreadable, cap_unreadable;

    struct fim_half halves[FIM_MAX_HALVES];
    size_t n_halves;

    /* Owner names for events: files of one tree mostly share an owner. */
    uid_t last_uid;
    char last_owner[64];

    struct sw_fim_stats st;
};

/* Changes that make an event `modified` rather than `attributes`. */
#define FIM_CONTENT_BITS (SW_FIM_CHANGED_SIZE | SW_FIM_CHANGED_SHA256 | SW_FIM_CHANGED_TYPE)

/* --- fim.c -------------------------------------------------------------------------------- */
/* Read path's row. 1 found (valid), 0 none (or invalid: counted), -1 SQLite error (err). */
int fim_row_get(struct sw_fim *f, const char *path, struct fim_row *r, struct sw_err *err);
/* Store r as path's row, or remove path's row when r is NULL (no-ops read-only). Opens a
 * batch as needed. */
enum sw_rc fim_row_write(struct sw_fim *f, const char *path, const struct fim_row *r,
                         struct sw_err *err);
static inline enum sw_rc
fim_row_put(struct sw_fim *f, const char *path, const struct fim_row *r, struct sw_err *err)
{
    return fim_row_write(f, path, r, err);
}
static inline enum sw_rc
fim_row_del(struct sw_fim *f, const char *path, struct sw_err *err)
{
    return fim_row_write(f, path, NULL, err);
}
/* Decode the current row of a statement whose columns 1.. are (mode, uid, gid, size, mtime,
 * ctime, ino, target, sha256) starting at column first. false: invalid. */
bool fim_row_decode(sqlite3_stmt *st, int first, struct fim_row *r);
/* The row a record describes (symlink sha256 = SHA-256 of the target). */
void fim_row_from_rec(const struct sw_fim_rec *rec, struct fim_row *r);
/* Which SW_FIM_CHANGED_* bits differ between two rows. */
uint32_t fim_changed(const struct fim_row *a, const struct fim_row *b);
/* Emit one event. old_r/new_r may be NULL. */
void fim_emit(struct sw_fim *f, struct sw_emitter *em, enum sw_fim_action action,
              uint8_t origin, const char *path, const char *old_path, const struct fim_row *old_r,
              const struct fim_row *new_r, uint32_t changed, const struct sw_fim_rec *rec);
/* Which root holds path: index, or -1 (outside all). */
long fim_root_of(const struct sw_fim *f, const char *path);
bool fim_excluded(const struct sw_fim *f, const char *path);
/* Open a batch (transaction) unless one is open; commit the open batch. */
enum sw_rc fim_begin(struct sw_fim *f, struct sw_err *err);
enum sw_rc fim_commit(struct sw_fim *f, struct sw_err *err);
/* Run SQL without results; an SQLite result code. */
int fim_exec(struct sw_fim *f, const char *sql);
/* Is the root holding path known (a complete walk of it is in the baseline)? */
bool fim_root_known(const struct sw_fim *f, const char *path);
/* A record without a hash describing the same content as old (same inode, size, mtime)
 * keeps old's hash. */
void fim_inherit_sha(struct fim_row *n, const struct fim_row *old);
/* Report what changed from old to n at path (modified, attributes or nothing; force:
 * modified even when nothing changed, a watched file moved in over it) unless silent, and
 * store n when anything stored differs. */
enum sw_rc fim_compare_store(struct sw_fim *f, struct sw_emitter *em, const char *path,
                             const char *old_path, const struct fim_row *old,
                             const struct fim_row *n, bool silent, bool force,
                             const struct sw_fim_rec *rec, uint8_t origin, struct sw_err *err);
/* An SQLite failure: err names the file; corruption is counted and logged. */
enum sw_rc fim_db_err(struct sw_fim *f, int rc, const char *what, struct sw_err *err);

/* Every row strictly below dir (paths dir + "/..."), in path order, read in chunks so fn may
 * write: fn gets each path and row (NULL: the stored row is invalid). */
typedef enum sw_rc (*fim_row_fn)(struct sw_fim *f, void *ctx, const char *path,
                                 const struct fim_row *r, struct sw_err *err);
enum sw_rc fim_each_below(struct sw_fim *f, const char *dir, fim_row_fn fn, void *ctx,
                          struct sw_err *err);

/* --- fim_diff.c --------------------------------------------------------------------------- */
void fim_seen_fini(struct fim_seen *s);
/* Mark path seen (live: touched by a live record). false: out of memory. */
bool fim_seen_add(struct fim_seen *s, const char *path, bool live);
/* 0 not seen, 1 seen by the walk, 2 touched by a live record. */
int fim_seen_get(const struct fim_seen *s, const char *path);
void fim_pending_fini(struct fim_pending *p);
/* A walk record with no row, in a known root: held back (taken). false: the pending list is
 * full or out of memory: the caller reports it now. */
bool fim_pending_add(struct fim_pending *p, struct sw_fim_rec *rec);
/* Apply a walk's record (the walk in progress). Takes rec. */
enum sw_rc fim_walk_record(struct sw_fim *f, struct sw_fim_rec *rec, struct sw_emitter *em,
                           struct sw_err *err);
/* Delete rows outside the roots (and excluded rows when the excludes changed), silently. */
enum sw_rc fim_prune(struct sw_fim *f, struct sw_err *err);

/* --- fim_rec.c ---------------------------------------------------------------------------- */
void fim_sha256(const void *data, size_t len, uint8_t out[32]);
void fim_hex(const uint8_t *in, size_t n, char *out);

#endif
