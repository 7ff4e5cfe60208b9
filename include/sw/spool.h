/* spool.h - one sink's disk spool: an append-only log of records in segment files, with a
 * durably stored acknowledged position (output/spool.c).
 *
 * Layout: spool.dir/<sink name>/ holds "state" (two checksummed slots written alternately,
 * so a torn write leaves the other) and segments "<16 hex digits>.seg" numbered in append
 * order. Each record is a 32-byte header (magic, body length, CRC-32 of the rest of the
 * header and the body, key length, type, severity, seq, timestamp) and the body (key, then
 * the EVE line). Records are appended in ascending seq.
 *
 * The owner (the router) appends records during a round (sw_spool_append), ends the round
 * with sw_spool_commit (write(2), then fdatasync per spool.fsync), reads the records it has
 * not loaded yet in order (sw_spool_read), and moves the acknowledged position
 * (sw_spool_ack): everything before it is done, and segments wholly before it are deleted.
 * After a crash the spool reopens at the acknowledged position. A record whose CRC does not
 * match (a cut write at a crash, a bad sector) is skipped: the reader resynchronises on the
 * next valid record, and each damaged segment is reported once with its name and offset.
 *
 * Loss windows (README "Deliver to a SIEM"): a record is on disk when sw_spool_commit
 * returned SW_OK; it survives kill -9 from then on whatever spool.fsync says (the page cache
 * outlives the process), and a power failure once fdatasync ran (fsync: batch: at that
 * commit; interval: within spool.fsync_interval; never: when the kernel writes it back).
 * The acknowledged position is synced once a second: after a power failure at most one
 * second of acknowledgements is forgotten, so those records are sent again (duplicates).
 *
 * One thread at a time (the output thread; main after it stopped). Not thread-safe. */
#ifndef SW_SPOOL_H
#define SW_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"
#include "sw/sink.h"

struct sw_spool;

struct sw_spool_cfg {
    uint64_t max_size;     /* bytes of segment files; an append past it returns SW_ELIMIT */
    uint64_t segment_size; /* a segment is closed once it reaches this size */
    int fsync;             /* enum sw_spool_fsync (config.h) */
    uint64_t fsync_interval_us;
};

/* Where a record starts in the spool, and its index among the segment's records. */
struct sw_spool_pos {
    uint64_t seg, off, idx;
};

/* A record read back. Pointers are into the spool's read buffer: valid until the next call
 * on this spool. */
struct sw_spool_rec {
    struct sw_rec rec;        /* seq, ts_us, line, len, key, key_len, type, severity */
    struct sw_spool_pos pos;  /* where it starts */
};

/* Hard cap on one record's body (key + line), whatever the config: a header announcing more
 * is corrupt. */
#define SW_SPOOL_MAX_RECORD (64u * 1024u * 1024u)

/* Open (creating dir, mode 0700, and its state) the spool in dir. Reads the state, lists the
 * segments and checks every record from the acknowledged position on (counting them; a
 * damaged segment is reported here, once). Returns NULL and fills err naming the path. */
struct sw_spool *sw_spool_open(const char *dir, const struct sw_spool_cfg *cfg,
                               struct sw_err *err);
/* Commits what is pending, syncs data and state, closes. NULL-safe. */
void sw_spool_close(struct sw_spool *sp);

/* The random id made when the spool was first created (struct sw_sink.spool_id). */
uint64_t sw_spool_id(const struct sw_spool *sp);
/* Take the next sequence number: larger than any the spool ever gave (persisted in blocks
 * of reservations, so a restart skips at most one block). SW_EIO when the reservation
 * could not be stored: *seq is still valid but may repeat after a crash. */
enum sw_rc sw_spool_next_seq(struct sw_spool *sp, uint64_t *seq) SW_MUSTCHECK;
/* Seqs up to this were offered to the receiver at some point (persisted with the state):
 * after a restart, a replayed record with a seq at or below it may be a duplicate. */
uint64_t sw_spool_sent_mark(const struct sw_spool *sp);
/* Set the sent mark to seq, writing the state at once: raised before the bytes of a batch
 * can leave, lowered again to what the sink took. */
void sw_spool_set_sent_mark(struct sw_spool *sp, uint64_t seq);

/* Records not yet read (appended with consumed false, or left from a previous run). */
uint64_t sw_spool_backlog(const struct sw_spool *sp);

/* Append one record (rec->seq must exceed every seq appended before). consumed: the caller
 * keeps this record in memory, so the reader skips it; allowed only when the backlog is 0.
 * *at gets its position. Returns SW_OK; SW_ELIMIT when it would pass max_size (nothing
 * written: drop by policy, or sw_spool_drop_oldest and try again); SW_EINVAL for a record
 * above SW_SPOOL_MAX_RECORD; SW_EIO when a write of this round failed (the whole round is
 * void: see sw_spool_commit). */
enum sw_rc sw_spool_append(struct sw_spool *sp, const struct sw_rec *rec, bool consumed,
                           struct sw_spool_pos *at) SW_MUSTCHECK;
/* End a round: write what is buffered and sync per policy. SW_OK: every record appended
 * since the previous commit is on disk. SW_EIO (disk full, I/O error, reported in err): none
 * of them is (the segment is cut back to where the round began, the backlog and reader are
 * as before the round) and the next round tries again. */
enum sw_rc sw_spool_commit(struct sw_spool *sp, struct sw_err *err) SW_MUSTCHECK;

/* Read the next unread record into out. SW_OK; SW_EOF when none is left (records of the
 * current round are readable after its commit); SW_EIO when a segment cannot be read (err
 * says which; the reader moves to the next segment). Damaged records are skipped and the
 * segment reported once (sw_log_error). */
enum sw_rc sw_spool_read(struct sw_spool *sp, struct sw_spool_rec *out, struct sw_err *err);

/* Everything before pos is done (acknowledged, rejected or dropped); oldest_ts is the event
 * time of the record at pos (for spool_oldest_age; 0 if unknown). Positions at or before the
 * current one are ignored. Deletes segments wholly before pos; the state is written at the
 * next commit. */
void sw_spool_ack(struct sw_spool *sp, const struct sw_spool_pos *pos, uint64_t oldest_ts);
/* Everything read so far is done (the caller holds nothing from the spool in memory). */
void sw_spool_ack_all_read(struct sw_spool *sp);

/* spool.when_full: drop_oldest. Deletes the oldest segment that the reader has not finished
 * (closing the current segment first if it is the only one). Records of it that were not
 * read yet are gone: *dropped counts them. Returns false when there was nothing to delete. */
bool sw_spool_drop_oldest(struct sw_spool *sp, uint64_t *dropped);

/* For stats: records and bytes from the acknowledged position on, and the event time of
 * the oldest of them (0 when empty). */
void sw_spool_usage(const struct sw_spool *sp, uint64_t *records, uint64_t *bytes,
                    uint64_t *oldest_ts);
/* Bytes of segment files on disk (what max_size bounds). */
uint64_t sw_spool_size(const struct sw_spool *sp);
/* Write errors so far (disk full included). */
uint64_t sw_spool_errors(const struct sw_spool *sp);

/* Periodic work (fsync: interval; syncing the state): call about once a second. */
void sw_spool_tick(struct sw_spool *sp);

#endif
