/* spool.c - one sink's disk spool (see include/sw/spool.h for the format and the promises).
 *
 * Positions: a record is named by (segment id, byte offset, index among the segment's valid
 * records). Three positions move forward only: the acknowledged front (everything before it
 * is done), the reader (everything before it was handed to the owner) and the end (where the
 * next record goes). front <= reader <= end.
 *
 * Appends are buffered for the round and written at commit (or earlier when the buffer
 * fills); a failed write cuts the segment back to where the round began, so a segment never
 * holds a record that the owner was told is missing. Existing segments are never appended
 * to after a restart: a new one is started, so a record cut by a crash stays where it was,
 * found by its CRC and skipped. The files themselves (format, CRC, state, scan) are
 * spool_seg.c. */
#include "sw/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "spool_int.h"
#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/config.h"
#include "sw/log.h"

struct sw_spool *
sw_spool_open(const char *dir, const struct sw_spool_cfg *cfg, struct sw_err *err)
{
    struct sw_spool *sp = sw_calloc(1, sizeof(*sp));
    uint64_t max_seq = 0, first_ts = 0;
    bool have_state;

    if (sp == NULL) {
        sw_err_set(err, SW_ENOMEM, "spool %s: out of memory", dir);
        return NULL;
    }
    sp->dirfd = sp->sfd = sp->wfd = sp->rfd = -1;
    sp->cfg = *cfg;
    if (sp->cfg.segment_size < 4096)
        sp->cfg.segment_size = 4096;
    if (sp->cfg.segment_size > sp->cfg.max_size / 4 && sp->cfg.max_size >= 16384)
        sp->cfg.segment_size = sp->cfg.max_size / 4;
    sp->dir = sw_strdup(dir);
    sp->wbuf = sw_malloc(WBUF_SIZE);
    if (sp->dir == NULL || sp->wbuf == NULL) {
        sw_err_set(err, SW_ENOMEM, "spool %s: out of memory", dir);
        goto fail;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        sw_err_sys(err, SW_EIO, "spool %s", dir);
        goto fail;
    }
    sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (sp->dirfd == -1) {
        sw_err_sys(err, SW_EIO, "spool %s", dir);
        goto fail;
    }
    sp->sfd = openat(sp->dirfd, "state", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (sp->sfd == -1) {
        sw_err_sys(err, SW_EIO, "spool %s/state", dir);
        goto fail;
    }
    have_state = sw_spool_state_read(sp);
    if (!sw_spool_seg_list(sp, err))
        goto fail;
    if (!have_state) {
        if (getrandom(&sp->id, sizeof(sp->id), GRND_NONBLOCK) != (ssize_t)sizeof(sp->id))
            sp->id = sw_clock_us(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 40);
        if (sp->n_segs > 0)
            sw_log_warn("spool %s: state missing or damaged: replaying every segment", dir);
        sp->front.seg = sp->n_segs > 0 ? sp->segs[0].id : 1;
        sp->front.off = SEG_HDR;
        sp->front.idx = 0;
    }
    /* Segments wholly before the front are done: left over from a crash before deletion. */
    while (sp->n_segs > 0 && sp->segs[0].id < sp->front.seg)
        sw_spool_seg_remove(sp, sp->segs[0].id);
    if (sw_spool_seg_find(sp, sp->front.seg) == NULL) {
        /* The front's segment is gone (deleted, its state write not synced): start at the
         * next one. */
        sp->front.seg = sp->n_segs > 0 ? sp->segs[0].id : sp->front.seg;
        sp->front.off = SEG_HDR;
        sp->front.idx = 0;
    }
    for (size_t i = 0; i < sp->n_segs; i++) {
        struct seg *s = &sp->segs[i];
        bool front = s->id == sp->front.seg;

        if (!sw_spool_seg_scan(sp, s, front ? sp->front.off : SEG_HDR, front ? sp->front.idx : 0,
                               &max_seq, &first_ts, err))
            goto fail;
    }
    sp->front_ts = first_ts;
    sp->rseg = sp->front.seg;
    sp->roff = sp->front.off;
    sp->ridx = sp->front.idx;
    sp->next_id = sp->n_segs > 0 ? sp->segs[sp->n_segs - 1].id + 1 : sp->front.seg;
    if (sp->next_id == 0)
        sp->next_id = 1;
    /* Reserve a fresh block of sequence numbers before any is used. */
    sp->seq_next = sp->seq_reserved > max_seq ? sp->seq_reserved : max_seq + 1;
    if (sp->seq_next == 0)
        sp->seq_next = 1;
    sp->seq_reserved = sp->seq_next + SEQ_BLOCK;
    if (!sw_spool_state_write(sp, true)) {
        sw_err_sys(err, SW_EIO, "spool %s/state: write", dir);
        goto fail;
    }
    sp->last_data_sync = sw_clock_us(CLOCK_MONOTONIC);
    return sp;
fail:
    sw_spool_close(sp);
    return NULL;
}

static void
close_write_seg(struct sw_spool *sp)
{
    if (sp->wfd == -1)
        return;
    if (sp->cfg.fsync != SW_FSYNC_NEVER && sp->data_unsynced)
        (void)fdatasync(sp->wfd);
    sp->data_unsynced = false;
    close(sp->wfd);
    sp->wfd = -1;
    sp->wseg = 0;
}

void
sw_spool_close(struct sw_spool *sp)
{
    struct sw_err err;

    if (sp == NULL)
        return;
    if (sp->round_open && sp->dirfd != -1 && sw_spool_commit(sp, &err) != SW_OK)
        sw_log_error("%s", err.msg);
    close_write_seg(sp);
    if (sp->sfd != -1) {
        if (sp->state_dirty || sp->state_unsynced)
            (void)sw_spool_state_write(sp, true);
        close(sp->sfd);
    }
    if (sp->rfd != -1)
        close(sp->rfd);
    if (sp->dirfd != -1)
        close(sp->dirfd);
    sw_free(sp->segs);
    sw_free(sp->wbuf);
    sw_free(sp->rbuf);
    sw_free(sp->dir);
    sw_free(sp);
}

/* --- sequence numbers ---------------------------------------------------------------------- */

uint64_t
sw_spool_id(const struct sw_spool *sp)
{
    return sp->id;
}

enum sw_rc
sw_spool_next_seq(struct sw_spool *sp, uint64_t *seq)
{
    *seq = sp->seq_next++;
    if (sp->seq_next < sp->seq_reserved)
        return SW_OK;
    sp->seq_reserved = sp->seq_next + SEQ_BLOCK;
    return sw_spool_state_write(sp, true) ? SW_OK : SW_EIO;
}

uint64_t
sw_spool_sent_mark(const struct sw_spool *sp)
{
    return sp->sent_mark;
}

void
sw_spool_set_sent_mark(struct sw_spool *sp, uint64_t seq)
{
    if (seq == sp->sent_mark)
        return;
    sp->sent_mark = seq;
    /* Written now (the page cache outlives a kill -9), synced with the rest of the state. */
    if (!sw_spool_state_write(sp, false))
        sp->state_dirty = true;
}

/* --- appending ----------------------------------------------------------------------------- */

static uint64_t
committed_backlog(const struct sw_spool *sp)
{
    uint64_t n = 0;

    for (size_t i = 0; i < sp->n_segs; i++) {
        const struct seg *s = &sp->segs[i];

        if (s->id > sp->rseg)
            n += s->n;
        else if (s->id == sp->rseg && s->n > sp->ridx)
            n += s->n - sp->ridx;
    }
    return n;
}

uint64_t
sw_spool_backlog(const struct sw_spool *sp)
{
    return committed_backlog(sp) + sp->round_unconsumed;
}

static bool
write_all(int fd, const struct iovec *iov0, int cnt)
{
    struct iovec iov[3];
    int i = 0;

    memcpy(iov, iov0, (size_t)cnt * sizeof(iov[0]));
    while (i < cnt) {
        ssize_t n = writev(fd, iov + i, cnt - i);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return false;
        }
        while (i < cnt && (size_t)n >= iov[i].iov_len) {
            n -= (ssize_t)iov[i].iov_len;
            i++;
        }
        if (i < cnt) {
            iov[i].iov_base = (char *)iov[i].iov_base + n;
            iov[i].iov_len -= (size_t)n;
        }
    }
    return true;
}

/* A write of this round failed: cut the segment back, forget the round's appends. */
static void
round_fail(struct sw_spool *sp)
{
    struct seg *s = sw_spool_seg_find(sp, sp->wseg);

    sp->round_errno = errno;
    sp->round_failed = true;
    sp->errors++;
    sp->wused = 0;
    if (sp->wfd != -1 && ftruncate(sp->wfd, (off_t)sp->round_size) != 0) {
        /* Cannot cut it back: close it; its tail is junk the reader skips by CRC. */
        close(sp->wfd);
        sp->wfd = -1;
        sp->wseg = 0;
    }
    if (s != NULL) {
        s->size = sp->round_size;
        s->n = sp->round_n;
    }
    sp->pend_size = sp->round_size;
    sp->pend_n = sp->round_n;
    sp->rseg = sp->round_rseg;
    sp->roff = sp->round_roff;
    sp->ridx = sp->round_ridx;
    sp->round_unconsumed = 0;
}

static bool
flush_wbuf(struct sw_spool *sp)
{
    struct iovec iov = {.iov_base = sp->wbuf, .iov_len = sp->wused};

    if (sp->wused == 0)
        return true;
    if (!write_all(sp->wfd, &iov, 1)) {
        round_fail(sp);
        return false;
    }
    sp->wused = 0;
    sp->data_unsynced = true;
    return true;
}

/* Open a new segment for appending (header written at once). */
static bool
open_write_seg(struct sw_spool *sp)
{
    static const char hdr[SEG_HDR] = SEG_MAGIC;
    struct iovec iov = {.iov_base = (void *)(uintptr_t)hdr, .iov_len = SEG_HDR};
    uint64_t id = sp->next_id;
    int fd = sw_spool_seg_open(sp, id, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);

    if (fd == -1)
        return false;
    if (!write_all(fd, &iov, 1) || !sw_spool_seg_add(sp, id)) {
        int e = errno;

        close(fd);
        {
            char name[32];

            sw_spool_seg_name(id, name, sizeof(name));
            (void)unlinkat(sp->dirfd, name, 0);
        }
        errno = e != 0 ? e : ENOMEM;
        return false;
    }
    if (sp->cfg.fsync == SW_FSYNC_BATCH)
        (void)fsync(sp->dirfd); /* the new name survives a power failure */
    sp->next_id = id + 1;
    sp->wfd = fd;
    sp->wseg = id;
    return true;
}

static void
round_begin(struct sw_spool *sp)
{
    struct seg *s = sw_spool_seg_find(sp, sp->wseg);

    sp->round_open = true;
    sp->round_failed = false;
    sp->round_size = sp->pend_size = s != NULL ? s->size : SEG_HDR;
    sp->round_n = sp->pend_n = s != NULL ? s->n : 0;
    sp->round_rseg = sp->rseg;
    sp->round_roff = sp->roff;
    sp->round_ridx = sp->ridx;
    sp->round_unconsumed = 0;
}

enum sw_rc
sw_spool_append(struct sw_spool *sp, const struct sw_rec *rec, bool consumed,
                struct sw_spool_pos *at)
{
    unsigned char h[REC_HDR];
    size_t body = rec->key_len + rec->len;
    uint64_t size = sw_spool_size(sp);

    if (body > SW_SPOOL_MAX_RECORD || rec->key_len > 0xffff)
        return SW_EINVAL;
    if (!sp->round_open)
        round_begin(sp);
    if (sp->round_failed)
        return SW_EIO;
    if (consumed && sw_spool_backlog(sp) > 0)
        return SW_EINVAL;
    if (sp->wfd == -1)
        size += SEG_HDR;
    if (size + REC_HDR + body > sp->cfg.max_size)
        return SW_ELIMIT;
    if (sp->wfd == -1) {
        if (!open_write_seg(sp)) {
            sp->round_errno = errno;
            sp->round_failed = true;
            sp->errors++;
            return SW_EIO;
        }
        sp->round_size = sp->pend_size = SEG_HDR;
        sp->round_n = sp->pend_n = 0;
    }
    sw_spool_rec_encode(h, rec);
    if (sp->wused + REC_HDR + body > WBUF_SIZE) {
        if (!flush_wbuf(sp))
            return SW_EIO;
    }
    if (REC_HDR + body > WBUF_SIZE) {
        struct iovec iov[3] = {
            {.iov_base = h, .iov_len = REC_HDR},
            {.iov_base = (void *)(uintptr_t)rec->key, .iov_len = rec->key_len},
            {.iov_base = (void *)(uintptr_t)rec->line, .iov_len = rec->len},
        };

        if (!write_all(sp->wfd, iov, 3)) {
            round_fail(sp);
            return SW_EIO;
        }
        sp->data_unsynced = true;
    } else {
        memcpy(sp->wbuf + sp->wused, h, REC_HDR);
        if (rec->key_len > 0)
            memcpy(sp->wbuf + sp->wused + REC_HDR, rec->key, rec->key_len);
        memcpy(sp->wbuf + sp->wused + REC_HDR + rec->key_len, rec->line, rec->len);
        sp->wused += REC_HDR + body;
    }
    at->seg = sp->wseg;
    at->off = sp->pend_size;
    at->idx = sp->pend_n;
    sp->pend_size += REC_HDR + body;
    sp->pend_n++;
    if (consumed) {
        sp->rseg = sp->wseg;
        sp->roff = sp->pend_size;
        sp->ridx = sp->pend_n;
        sp->rprev = rec->seq;
    } else {
        sp->round_unconsumed++;
    }
    return SW_OK;
}

enum sw_rc
sw_spool_commit(struct sw_spool *sp, struct sw_err *err)
{
    struct seg *s;
    bool failed;

    if (!sp->round_open) {
        if (sp->state_dirty && !sw_spool_state_write(sp, false))
            sp->errors++;
        return SW_OK;
    }
    if (!sp->round_failed && flush_wbuf(sp) && sp->cfg.fsync == SW_FSYNC_BATCH &&
        sp->data_unsynced) {
        if (fdatasync(sp->wfd) != 0)
            round_fail(sp);
        else
            sp->data_unsynced = false;
    }
    failed = sp->round_failed;
    sp->round_open = false;
    sp->round_failed = false;
    if (failed) {
        errno = sp->round_errno;
        return sw_err_sys(err, SW_EIO, "spool %s: write", sp->dir);
    }
    s = sw_spool_seg_find(sp, sp->wseg);
    if (s != NULL) {
        s->size = sp->pend_size;
        s->n = sp->pend_n;
    }
    sp->round_unconsumed = 0;
    if (s != NULL && s->size >= sp->cfg.segment_size) {
        close_write_seg(sp);
    } else if (s != NULL && s->size >= sp->cfg.segment_size / 4 && sp->front.seg == s->id &&
               sp->front.off >= s->size) {
        /* Everything in it is acknowledged: start a new one and give the space back now
         * rather than when this one would have been full. */
        uint64_t id = s->id;

        close_write_seg(sp);
        sp->front.seg = sp->next_id;
        sp->front.off = SEG_HDR;
        sp->front.idx = 0;
        sp->rseg = sp->next_id;
        sp->roff = SEG_HDR;
        sp->ridx = 0;
        sp->rprev = 0;
        sp->state_dirty = true;
        sw_spool_seg_remove(sp, id);
    }
    if (sp->state_dirty && !sw_spool_state_write(sp, false))
        sp->errors++;
    return SW_OK;
}

/* --- reading ------------------------------------------------------------------------------- */

enum sw_rc
sw_spool_read(struct sw_spool *sp, struct sw_spool_rec *out, struct sw_err *err)
{
    for (;;) {
        struct seg *s = sw_spool_seg_at_or_after(sp, sp->rseg);
        uint64_t limit, next;
        enum scan_rc rc;

        if (s == NULL)
            return SW_EOF;
        if (s->id != sp->rseg) {
            sp->rseg = s->id;
            sp->roff = SEG_HDR;
            sp->ridx = 0;
            sp->rprev = 0;
        }
        /* Only what a commit put on disk: this round's appends wait for theirs. */
        limit = s->bad ? 0 : s->size;
        if (sp->roff < SEG_HDR)
            sp->roff = SEG_HDR;
        if (sp->roff >= limit) {
            if (s->id == sp->wseg || sp->roff > limit)
                return SW_EOF;
            sp->rseg = s->id + 1;
            sp->roff = SEG_HDR;
            sp->ridx = 0;
            sp->rprev = 0;
            continue;
        }
        if (sp->rfd_seg != s->id) {
            if (sp->rfd != -1)
                close(sp->rfd);
            sp->rlen = 0;
            sp->rfd = sw_spool_seg_open(sp, s->id, O_RDONLY);
            sp->rfd_seg = sp->rfd != -1 ? s->id : 0;
            if (sp->rfd == -1) {
                char name[32];

                sw_spool_seg_name(s->id, name, sizeof(name));
                sw_err_sys(err, SW_EIO, "spool %s/%s", sp->dir, name);
                sp->rseg = s->id + 1;
                sp->roff = SEG_HDR;
                sp->ridx = 0;
                return SW_EIO;
            }
        }
        rc = sw_spool_rec_parse(sp, sp->rfd, sp->roff, limit, sp->rprev, &out->rec, &next);
        if (rc == REC_OK) {
            out->pos.seg = s->id;
            out->pos.off = sp->roff;
            out->pos.idx = sp->ridx;
            sp->roff = next;
            sp->ridx++;
            sp->rprev = out->rec.seq;
            return SW_OK;
        }
        if (rc == REC_IOERR) {
            char name[32];

            sw_spool_seg_name(s->id, name, sizeof(name));
            sw_err_sys(err, SW_EIO, "spool %s/%s: read", sp->dir, name);
            sp->rseg = s->id + 1;
            sp->roff = SEG_HDR;
            sp->ridx = 0;
            return SW_EIO;
        }
        next = sw_spool_resync(sp, sp->rfd, sp->roff, limit, sp->rprev);
        sw_spool_report_damage(sp, s, sp->roff, next, limit);
        sp->roff = next;
    }
}

/* --- acknowledging and dropping ------------------------------------------------------------ */

static bool
pos_before(const struct sw_spool_pos *a, const struct sw_spool_pos *b)
{
    return a->seg < b->seg || (a->seg == b->seg && a->off < b->off);
}

static void
set_front(struct sw_spool *sp, const struct sw_spool_pos *pos, uint64_t ts)
{
    struct seg *s;

    if (!pos_before(&sp->front, pos))
        return;
    sp->front = *pos;
    sp->front_ts = ts;
    /* A front at the end of a closed segment is the start of the next one. */
    s = sw_spool_seg_find(sp, sp->front.seg);
    if (s != NULL && s->id != sp->wseg && sp->front.off >= s->size) {
        struct seg *n = sw_spool_seg_at_or_after(sp, s->id + 1);

        sp->front.seg = n != NULL ? n->id : s->id + 1;
        sp->front.off = SEG_HDR;
        sp->front.idx = 0;
    }
    while (sp->n_segs > 0 && sp->segs[0].id < sp->front.seg && sp->segs[0].id != sp->wseg)
        sw_spool_seg_remove(sp, sp->segs[0].id);
    sp->state_dirty = true;
}

void
sw_spool_ack(struct sw_spool *sp, const struct sw_spool_pos *pos, uint64_t oldest_ts)
{
    struct sw_spool_pos reader = {sp->rseg, sp->roff, sp->ridx};

    /* Nothing unread can be done: the front never passes the reader. */
    if (pos_before(&reader, pos))
        pos = &reader;
    set_front(sp, pos, oldest_ts);
}

void
sw_spool_ack_all_read(struct sw_spool *sp)
{
    struct sw_spool_pos reader = {sp->rseg, sp->roff, sp->ridx};

    set_front(sp, &reader, 0);
}

bool
sw_spool_drop_oldest(struct sw_spool *sp, uint64_t *dropped)
{
    *dropped = 0;
    for (size_t i = 0; i < sp->n_segs; i++) {
        struct seg *s = &sp->segs[i];

        if (s->id == sp->wseg)
            break;
        if (s->id < sp->rseg || (s->id == sp->rseg && sp->ridx > 0))
            continue; /* records of it are being delivered from memory */
        *dropped = s->n;
        if (s->id == sp->rseg) {
            sp->rseg = s->id + 1;
            sp->roff = SEG_HDR;
            sp->ridx = 0;
        }
        if (sp->front.seg == s->id) {
            sp->front.seg = s->id + 1;
            sp->front.off = SEG_HDR;
            sp->front.idx = 0;
            sp->state_dirty = true;
        }
        sw_spool_seg_remove(sp, s->id);
        return true;
    }
    return false;
}

/* --- usage --------------------------------------------------------------------------------- */

void
sw_spool_usage(const struct sw_spool *sp, uint64_t *records, uint64_t *bytes, uint64_t *oldest_ts)
{
    uint64_t n = 0;

    for (size_t i = 0; i < sp->n_segs; i++) {
        const struct seg *s = &sp->segs[i];

        if (s->id > sp->front.seg)
            n += s->n;
        else if (s->id == sp->front.seg && s->n > sp->front.idx)
            n += s->n - sp->front.idx;
    }
    *records = n;
    *bytes = sw_spool_size(sp);
    *oldest_ts = n > 0 ? sp->front_ts : 0;
}

uint64_t
sw_spool_size(const struct sw_spool *sp)
{
    uint64_t b = 0;

    for (size_t i = 0; i < sp->n_segs; i++)
        b += sp->segs[i].id == sp->wseg ? sp->pend_size : sp->segs[i].size;
    return b;
}

uint64_t
sw_spool_errors(const struct sw_spool *sp)
{
    return sp->errors;
}

void
sw_spool_tick(struct sw_spool *sp)
{
    uint64_t now = sw_clock_us(CLOCK_MONOTONIC);

    if (sp->cfg.fsync == SW_FSYNC_INTERVAL && sp->data_unsynced && sp->wfd != -1 &&
        !sp->round_open && now - sp->last_data_sync >= sp->cfg.fsync_interval_us) {
        if (fdatasync(sp->wfd) == 0)
            sp->data_unsynced = false;
        sp->last_data_sync = now;
    }
    if ((sp->state_dirty || sp->state_unsynced) && !sp->round_open &&
        now - sp->last_state_sync >= STATE_SYNC_US && sp->cfg.fsync != SW_FSYNC_NEVER)
        (void)sw_spool_state_write(sp, true);
}
