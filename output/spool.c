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
 * found by its CRC and skipped. */
#include "sw/spool.h"

#include <dirent.h>
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
#include <zlib.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/config.h"
#include "sw/log.h"

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

/* --- little-endian helpers --------------------------------------------------------------- */

static void
put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void
put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t
get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Continue a CRC-32 over p[0..len) (uInt is 32 bits: large bodies go in pieces). */
static uint32_t
crc_add(uint32_t crc, const unsigned char *p, size_t len)
{
    uLong c = crc;

    while (len > 0) {
        uInt step = len > (1u << 30) ? (1u << 30) : (uInt)len;

        c = crc32(c, p, step);
        p += step;
        len -= step;
    }
    return (uint32_t)c;
}

static uint32_t
crc_of(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    return crc_add(crc_add((uint32_t)crc32(0L, Z_NULL, 0), a, alen), b, blen);
}

/* --- segments ------------------------------------------------------------------------------ */

static void
seg_name(uint64_t id, char *buf, size_t len)
{
    snprintf(buf, len, "%016" PRIx64 ".seg", id);
}

static struct seg *
seg_find(struct sw_spool *sp, uint64_t id)
{
    for (size_t i = 0; i < sp->n_segs; i++)
        if (sp->segs[i].id == id)
            return &sp->segs[i];
    return NULL;
}

/* The first segment with an id >= id, or NULL. */
static struct seg *
seg_at_or_after(struct sw_spool *sp, uint64_t id)
{
    for (size_t i = 0; i < sp->n_segs; i++)
        if (sp->segs[i].id >= id)
            return &sp->segs[i];
    return NULL;
}

static bool
seg_add(struct sw_spool *sp, uint64_t id)
{
    size_t i;

    if (sp->n_segs == sp->cap_segs) {
        size_t cap = sp->cap_segs == 0 ? 16 : sp->cap_segs * 2;
        struct seg *v = sw_realloc(sp->segs, cap * sizeof(*v));

        if (v == NULL)
            return false;
        sp->segs = v;
        sp->cap_segs = cap;
    }
    for (i = sp->n_segs; i > 0 && sp->segs[i - 1].id > id; i--)
        sp->segs[i] = sp->segs[i - 1];
    memset(&sp->segs[i], 0, sizeof(sp->segs[i]));
    sp->segs[i].id = id;
    sp->segs[i].size = SEG_HDR;
    sp->n_segs++;
    return true;
}

static void
seg_remove(struct sw_spool *sp, uint64_t id)
{
    char name[32];

    for (size_t i = 0; i < sp->n_segs; i++) {
        if (sp->segs[i].id != id)
            continue;
        if (sp->rfd_seg == id) {
            close(sp->rfd);
            sp->rfd = -1;
            sp->rfd_seg = 0;
            sp->rlen = 0;
        }
        seg_name(id, name, sizeof(name));
        if (unlinkat(sp->dirfd, name, 0) != 0 && errno != ENOENT)
            sw_log_warn("spool %s/%s: cannot delete: %s", sp->dir, name, strerror(errno));
        memmove(&sp->segs[i], &sp->segs[i + 1], (sp->n_segs - i - 1) * sizeof(sp->segs[0]));
        sp->n_segs--;
        return;
    }
}

/* --- state --------------------------------------------------------------------------------- */

static bool
state_decode(const unsigned char *p, struct sw_spool *out)
{
    if (get32(p) != STATE_MAGIC || get32(p + 4) != 1 ||
        get32(p + STATE_SLOT - 4) != crc_of(p, STATE_SLOT - 4, NULL, 0))
        return false;
    out->gen = get64(p + 8);
    out->id = get64(p + 16);
    out->seq_reserved = get64(p + 24);
    out->sent_mark = get64(p + 32);
    out->front.seg = get64(p + 40);
    out->front.off = get64(p + 48);
    out->front.idx = get64(p + 56);
    out->front_ts = get64(p + 64);
    return true;
}

/* Write the next slot (alternating, so a torn write leaves the previous one whole). */
static bool
state_write(struct sw_spool *sp, bool sync)
{
    unsigned char p[STATE_SLOT];

    memset(p, 0, sizeof(p));
    sp->gen++;
    put32(p, STATE_MAGIC);
    put32(p + 4, 1);
    put64(p + 8, sp->gen);
    put64(p + 16, sp->id);
    put64(p + 24, sp->seq_reserved);
    put64(p + 32, sp->sent_mark);
    put64(p + 40, sp->front.seg);
    put64(p + 48, sp->front.off);
    put64(p + 56, sp->front.idx);
    put64(p + 64, sp->front_ts);
    put32(p + STATE_SLOT - 4, crc_of(p, STATE_SLOT - 4, NULL, 0));
    if (pwrite(sp->sfd, p, sizeof(p), (off_t)((sp->gen & 1) * STATE_SLOT)) !=
        (ssize_t)sizeof(p))
        return false;
    sp->state_dirty = false;
    sp->state_unsynced = true;
    if (sync || sp->cfg.fsync == SW_FSYNC_BATCH) {
        uint64_t now = sw_clock_us(CLOCK_MONOTONIC);

        if (sync || now - sp->last_state_sync >= STATE_SYNC_US) {
            if (fdatasync(sp->sfd) != 0)
                return false;
            sp->state_unsynced = false;
            sp->last_state_sync = now;
        }
    }
    return true;
}

static bool
state_read(struct sw_spool *sp)
{
    unsigned char p[2 * STATE_SLOT];
    struct sw_spool a, b;
    ssize_t n = pread(sp->sfd, p, sizeof(p), 0);
    bool oka, okb;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    oka = n >= (ssize_t)STATE_SLOT && state_decode(p, &a);
    okb = n >= (ssize_t)(2 * STATE_SLOT) && state_decode(p + STATE_SLOT, &b);
    if (!oka && !okb)
        return false;
    const struct sw_spool *s = !okb || (oka && a.gen > b.gen) ? &a : &b;
    sp->gen = s->gen;
    sp->id = s->id;
    sp->seq_reserved = s->seq_reserved;
    sp->sent_mark = s->sent_mark;
    sp->front = s->front;
    sp->front_ts = s->front_ts;
    return true;
}

/* --- reading ------------------------------------------------------------------------------- */

enum scan_rc { REC_OK, REC_END, REC_BAD, REC_IOERR };

/* Make rbuf hold [off, off + need) of segment fd (or as much as the file has). */
static enum scan_rc
rbuf_fill(struct sw_spool *sp, int fd, uint64_t off, size_t need, uint64_t limit)
{
    size_t want;
    ssize_t n;

    if (off >= sp->rbuf_off && off + need <= sp->rbuf_off + sp->rlen)
        return REC_OK;
    if (off + need > limit)
        return REC_END;
    want = need > RBUF_SIZE ? need : RBUF_SIZE;
    if (off + want > limit)
        want = (size_t)(limit - off);
    if (want > sp->rcap) {
        char *b = sw_realloc(sp->rbuf, want);

        if (b == NULL)
            return REC_IOERR;
        sp->rbuf = b;
        sp->rcap = want;
    }
    sp->rbuf_off = off;
    sp->rlen = 0;
    while (sp->rlen < want) {
        n = pread(fd, sp->rbuf + sp->rlen, want - sp->rlen, (off_t)(off + sp->rlen));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return REC_IOERR;
        if (n == 0)
            break;
        sp->rlen += (size_t)n;
    }
    return sp->rlen >= need ? REC_OK : REC_END;
}

/* Parse the record at off of segment fd (size limit). REC_OK fills out and *next. */
static enum scan_rc
parse_at(struct sw_spool *sp, int fd, uint64_t off, uint64_t limit, uint64_t prev_seq,
         struct sw_rec *out, uint64_t *next)
{
    const unsigned char *h;
    uint32_t body, key_len;
    enum scan_rc rc = rbuf_fill(sp, fd, off, REC_HDR, limit);

    if (rc != REC_OK)
        return rc == REC_END && off < limit ? REC_BAD : rc;
    h = (const unsigned char *)sp->rbuf + (off - sp->rbuf_off);
    body = get32(h + 4);
    key_len = (uint32_t)h[12] | (uint32_t)h[13] << 8;
    if (get32(h) != REC_MAGIC || body > SW_SPOOL_MAX_RECORD || key_len > body)
        return REC_BAD;
    rc = rbuf_fill(sp, fd, off, REC_HDR + body, limit);
    if (rc == REC_END)
        return REC_BAD; /* cut: the header promises more than the file has */
    if (rc != REC_OK)
        return rc;
    h = (const unsigned char *)sp->rbuf + (off - sp->rbuf_off);
    if (get32(h + 8) != crc_of(h + 12, REC_HDR - 12, h + REC_HDR, body))
        return REC_BAD;
    out->seq = get64(h + 16);
    out->ts_us = get64(h + 24);
    if (out->seq <= prev_seq)
        return REC_BAD; /* a stale record from an older run can only be junk here */
    out->type = h[14];
    out->severity = h[15];
    out->key_len = key_len;
    out->key = key_len > 0 ? (const char *)h + REC_HDR : NULL;
    out->line = (const char *)h + REC_HDR + key_len;
    out->len = body - key_len;
    out->flags = 0;
    *next = off + REC_HDR + body;
    return REC_OK;
}

/* After a bad record at off: the offset of the next record that parses, or limit. */
static uint64_t
resync(struct sw_spool *sp, int fd, uint64_t off, uint64_t limit, uint64_t prev_seq)
{
    struct sw_rec r;
    uint64_t next;

    for (uint64_t o = off + 1; o + REC_HDR <= limit; o++) {
        const unsigned char *h;

        if (rbuf_fill(sp, fd, o, 4, limit) != REC_OK)
            break;
        h = (const unsigned char *)sp->rbuf + (o - sp->rbuf_off);
        if (get32(h) != REC_MAGIC)
            continue;
        if (parse_at(sp, fd, o, limit, prev_seq, &r, &next) == REC_OK)
            return o;
    }
    return limit;
}

static void
report_damage(struct sw_spool *sp, struct seg *s, uint64_t off, uint64_t to, uint64_t size)
{
    char name[32];

    if (s->reported)
        return;
    s->reported = true;
    seg_name(s->id, name, sizeof(name));
    if (to >= size)
        sw_log_error("spool %s/%s: record at offset %" PRIu64 " is cut or corrupt (%" PRIu64
                     " bytes to the end skipped)",
                     sp->dir, name, off, size - off);
    else
        sw_log_error("spool %s/%s: corrupt record at offset %" PRIu64 ": %" PRIu64
                     " bytes skipped, the records after it are replayed",
                     sp->dir, name, off, to - off);
}

static int
open_seg(struct sw_spool *sp, uint64_t id, int flags)
{
    char name[32];

    seg_name(id, name, sizeof(name));
    return openat(sp->dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* Open scan: count the valid records of segment s from (off, idx), reporting damage. */
static bool
scan_seg(struct sw_spool *sp, struct seg *s, uint64_t off, uint64_t idx, uint64_t *max_seq,
         uint64_t *first_ts, struct sw_err *err)
{
    int fd = open_seg(sp, s->id, O_RDONLY);
    struct stat st;
    char hdr[SEG_HDR];
    uint64_t prev = 0;

    if (fd == -1 || fstat(fd, &st) != 0) {
        char name[32];

        seg_name(s->id, name, sizeof(name));
        sw_err_sys(err, SW_EIO, "spool %s/%s", sp->dir, name);
        if (fd != -1)
            close(fd);
        return false;
    }
    s->size = (uint64_t)st.st_size;
    s->n = idx;
    sp->rlen = 0;
    if (pread(fd, hdr, SEG_HDR, 0) != SEG_HDR || memcmp(hdr, SEG_MAGIC, 8) != 0) {
        char name[32];

        seg_name(s->id, name, sizeof(name));
        sw_log_error("spool %s/%s: not a spool segment (no header): skipped", sp->dir, name);
        s->reported = true;
        close(fd);
        s->n = 0;
        s->bad = true;
        return true; /* nothing usable: deleted once the front passes it */
    }
    if (off < SEG_HDR)
        off = SEG_HDR;
    while (off < s->size) {
        struct sw_rec r;
        uint64_t next;
        enum scan_rc rc = parse_at(sp, fd, off, s->size, prev, &r, &next);

        if (rc == REC_IOERR) {
            char name[32];

            seg_name(s->id, name, sizeof(name));
            sw_err_sys(err, SW_EIO, "spool %s/%s: read", sp->dir, name);
            close(fd);
            return false;
        }
        if (rc == REC_OK) {
            if (*first_ts == 0)
                *first_ts = r.ts_us;
            if (r.seq > *max_seq)
                *max_seq = r.seq;
            prev = r.seq;
            s->n++;
            off = next;
            continue;
        }
        next = resync(sp, fd, off, s->size, prev);
        report_damage(sp, s, off, next, s->size);
        off = next;
    }
    sp->rlen = 0;
    close(fd);
    return true;
}

/* --- open and close ------------------------------------------------------------------------ */

static bool
list_segments(struct sw_spool *sp, struct sw_err *err)
{
    int fd = dup(sp->dirfd);
    DIR *d = fd != -1 ? fdopendir(fd) : NULL;
    struct dirent *e;

    if (d == NULL) {
        if (fd != -1)
            close(fd);
        sw_err_sys(err, SW_EIO, "spool %s", sp->dir);
        return false;
    }
    rewinddir(d);
    while ((e = readdir(d)) != NULL) {
        char *end;
        unsigned long long id;

        if (strlen(e->d_name) != 20 || strcmp(e->d_name + 16, ".seg") != 0)
            continue;
        errno = 0;
        id = strtoull(e->d_name, &end, 16);
        if (errno != 0 || end != e->d_name + 16 || id == 0)
            continue;
        if (!seg_add(sp, id)) {
            closedir(d);
            sw_err_set(err, SW_ENOMEM, "spool %s: out of memory", sp->dir);
            return false;
        }
    }
    closedir(d);
    return true;
}

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
    have_state = state_read(sp);
    if (!list_segments(sp, err))
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
        seg_remove(sp, sp->segs[0].id);
    if (seg_find(sp, sp->front.seg) == NULL) {
        /* The front's segment is gone (deleted, its state write not synced): start at the
         * next one. */
        sp->front.seg = sp->n_segs > 0 ? sp->segs[0].id : sp->front.seg;
        sp->front.off = SEG_HDR;
        sp->front.idx = 0;
    }
    for (size_t i = 0; i < sp->n_segs; i++) {
        struct seg *s = &sp->segs[i];
        bool front = s->id == sp->front.seg;

        if (!scan_seg(sp, s, front ? sp->front.off : SEG_HDR, front ? sp->front.idx : 0,
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
    if (!state_write(sp, true)) {
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
            (void)state_write(sp, true);
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
    return state_write(sp, true) ? SW_OK : SW_EIO;
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
    if (!state_write(sp, false))
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
    struct seg *s = seg_find(sp, sp->wseg);

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
    int fd = open_seg(sp, id, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);

    if (fd == -1)
        return false;
    if (!write_all(fd, &iov, 1) || !seg_add(sp, id)) {
        int e = errno;

        close(fd);
        {
            char name[32];

            seg_name(id, name, sizeof(name));
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
    struct seg *s = seg_find(sp, sp->wseg);

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
    put32(h, REC_MAGIC);
    put32(h + 4, (uint32_t)body);
    h[12] = (unsigned char)(rec->key_len & 0xff);
    h[13] = (unsigned char)(rec->key_len >> 8);
    h[14] = rec->type;
    h[15] = rec->severity;
    put64(h + 16, rec->seq);
    put64(h + 24, rec->ts_us);
    put32(h + 8, crc_add(crc_add(crc_of(h + 12, REC_HDR - 12, NULL, 0),
                                 (const unsigned char *)rec->key, rec->key_len),
                         (const unsigned char *)rec->line, rec->len));
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
        if (sp->state_dirty && !state_write(sp, false))
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
    s = seg_find(sp, sp->wseg);
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
        seg_remove(sp, id);
    }
    if (sp->state_dirty && !state_write(sp, false))
        sp->errors++;
    return SW_OK;
}

/* --- reading ------------------------------------------------------------------------------- */

enum sw_rc
sw_spool_read(struct sw_spool *sp, struct sw_spool_rec *out, struct sw_err *err)
{
    for (;;) {
        struct seg *s = seg_at_or_after(sp, sp->rseg);
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
            sp->rfd = open_seg(sp, s->id, O_RDONLY);
            sp->rfd_seg = sp->rfd != -1 ? s->id : 0;
            if (sp->rfd == -1) {
                char name[32];

                seg_name(s->id, name, sizeof(name));
                sw_err_sys(err, SW_EIO, "spool %s/%s", sp->dir, name);
                sp->rseg = s->id + 1;
                sp->roff = SEG_HDR;
                sp->ridx = 0;
                return SW_EIO;
            }
        }
        rc = parse_at(sp, sp->rfd, sp->roff, limit, sp->rprev, &out->rec, &next);
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

            seg_name(s->id, name, sizeof(name));
            sw_err_sys(err, SW_EIO, "spool %s/%s: read", sp->dir, name);
            sp->rseg = s->id + 1;
            sp->roff = SEG_HDR;
            sp->ridx = 0;
            return SW_EIO;
        }
        next = resync(sp, sp->rfd, sp->roff, limit, sp->rprev);
        report_damage(sp, s, sp->roff, next, limit);
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
    s = seg_find(sp, sp->front.seg);
    if (s != NULL && s->id != sp->wseg && sp->front.off >= s->size) {
        struct seg *n = seg_at_or_after(sp, s->id + 1);

        sp->front.seg = n != NULL ? n->id : s->id + 1;
        sp->front.off = SEG_HDR;
        sp->front.idx = 0;
    }
    while (sp->n_segs > 0 && sp->segs[0].id < sp->front.seg && sp->segs[0].id != sp->wseg)
        seg_remove(sp, sp->segs[0].id);
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
        seg_remove(sp, s->id);
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
        (void)state_write(sp, true);
}
