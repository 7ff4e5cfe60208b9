/* spool_int.h - private to the spool (output/spool*.c): the spool's state and what the two
 * files share.
 *   spool_seg.c  the files: the segment and record format (header, CRC-32), the state file,
 *                listing, opening and scanning segments, reading records back (damage found
 *                by the CRC, reported once, skipped)
 *   spool.c      the queue: open and close, sequence numbers, the append round and its
 *                commit, the reader, acknowledgements, drops and usage
 * include/sw/spool.h describes the format and the promises. One owner thread per spool. */
#ifndef SW_SPOOL_INT_H
#define SW_SPOOL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"
#include "sw/sink.h"
#include "sw/spool.h"

#define SEG_MAGIC "SWSPOOL\001"
#define SEG_HDR 16u            /* magic + 8 reserved bytes */
#define REC_MAGIC 0x31525753u  /* "SWR1" little-endian */
#define REC_HDR 32u
#define STATE_MAGIC 0x54535753u /* "SWST" */
#define STATE_SLOT 128u
#define SEQ_BLOCK (UINT64_C(1) << 20) /* seqs reserved per state write */
#define WBUF_SIZE (1u << 20)
#define RBUF_SIZE (1u << 20)
#define STATE_SYNC_US 1000000u

struct seg {
    uint64_t id;
    uint64_t size; /* committed bytes */
    uint64_t n;    /* valid records (committed) */
    bool reported; /* damage reported once */
    bool bad;      /* no segment header: nothing in it is read */
};

struct sw_spool {
    char *dir; /* owned */
    int dirfd, sfd, wfd, rfd;
    struct sw_spool_cfg cfg;
    struct seg *segs; /* owned, ascending id */
    size_t n_segs, cap_segs;
    uint64_t wseg; /* id of the segment open for appending (wfd), 0 if none */
    uint64_t next_id;
    /* the current round */
    char *wbuf; /* owned */
    size_t wused;
    uint64_t round_size, round_n; /* write segment at the round's start */
    uint64_t round_rseg, round_roff, round_ridx;
    uint64_t pend_size, pend_n;   /* ... with this round's appends */
    uint64_t round_unconsumed;
    bool round_open, round_failed;
    int round_errno;
    /* reader */
    uint64_t rseg, roff, ridx;
    uint64_t rprev; /* seq of the last record read in rseg (seqs ascend within a segment) */
    uint64_t rfd_seg; /* segment rfd is open on, 0 none */
    char *rbuf;       /* owned */
    size_t rcap;
    uint64_t rbuf_off; /* file offset of rbuf[0] */
    size_t rlen;
    /* front */
    struct sw_spool_pos front;
    uint64_t front_ts;
    /* state */
    uint64_t id, seq_next, seq_reserved, sent_mark, gen;
    bool state_dirty, state_unsynced;
    uint64_t last_state_sync, last_data_sync;
    bool data_unsynced;
    uint64_t errors;
};

enum scan_rc { REC_OK, REC_END, REC_BAD, REC_IOERR };

/* --- spool_seg.c --------------------------------------------------------------------------- */

/* The file name of segment id ("%016x.seg") into buf. */
void sw_spool_seg_name(uint64_t id, char *buf, size_t len);
/* The segment with this id, or NULL. */
struct seg *sw_spool_seg_find(struct sw_spool *sp, uint64_t id);
/* The first segment with an id >= id, or NULL. */
struct seg *sw_spool_seg_at_or_after(struct sw_spool *sp, uint64_t id);
/* Add segment id to the list (kept ascending); false when out of memory. */
bool sw_spool_seg_add(struct sw_spool *sp, uint64_t id);
/* Delete segment id's file and drop it from the list (the reader's fd on it is closed). */
void sw_spool_seg_remove(struct sw_spool *sp, uint64_t id);
/* openat the segment's file in the spool directory (O_NOFOLLOW, O_CLOEXEC). */
int sw_spool_seg_open(struct sw_spool *sp, uint64_t id, int flags);
/* Every *.seg file of the directory into the list; false with err set. */
bool sw_spool_seg_list(struct sw_spool *sp, struct sw_err *err);
/* Open scan: count the valid records of segment s from (off, idx), reporting damage. */
bool sw_spool_seg_scan(struct sw_spool *sp, struct seg *s, uint64_t off, uint64_t idx,
                       uint64_t *max_seq, uint64_t *first_ts, struct sw_err *err);
/* Write the next state slot (alternating, so a torn write leaves the previous one whole). */
bool sw_spool_state_write(struct sw_spool *sp, bool sync);
/* Load the newer valid state slot; false when neither is valid. */
bool sw_spool_state_read(struct sw_spool *sp);
/* rec's record header (magic, length, CRC over header and body, seq, time) into h. */
void sw_spool_rec_encode(unsigned char h[REC_HDR], const struct sw_rec *rec);
/* Parse the record at off of segment fd (size limit) through the read buffer. REC_OK fills
 * out (pointing into the buffer, valid until the next read) and *next. */
enum scan_rc sw_spool_rec_parse(struct sw_spool *sp, int fd, uint64_t off, uint64_t limit,
                                uint64_t prev_seq, struct sw_rec *out, uint64_t *next);
/* After a bad record at off: the offset of the next record that parses, or limit. */
uint64_t sw_spool_resync(struct sw_spool *sp, int fd, uint64_t off, uint64_t limit,
                         uint64_t prev_seq);
/* Log, once per segment, the damaged bytes skipped from off to to (size: the segment's). */
void sw_spool_report_damage(struct sw_spool *sp, struct seg *s, uint64_t off, uint64_t to,
                            uint64_t size);

#endif
