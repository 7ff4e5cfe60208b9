/* spool_seg.c - the spool's files (include/sw/spool.h describes the format): segment names
 * and the list of segments, the state file's two alternating CRC-checked slots, the record
 * header and its CRC-32, reading records back through one buffer, and the open scan that
 * counts a segment's valid records and skips damage (a record cut by a crash, a corrupt one)
 * by finding the next record whose CRC holds. One owner thread per spool. */
#include "spool_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/log.h"

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

void
sw_spool_seg_name(uint64_t id, char *buf, size_t len)
{
    snprintf(buf, len, "%016" PRIx64 ".seg", id);
}

struct seg *
sw_spool_seg_find(struct sw_spool *sp, uint64_t id)
{
    for (size_t i = 0; i < sp->n_segs; i++)
        if (sp->segs[i].id == id)
            return &sp->segs[i];
    return NULL;
}

/* The first segment with an id >= id, or NULL. */
struct seg *
sw_spool_seg_at_or_after(struct sw_spool *sp, uint64_t id)
{
    for (size_t i = 0; i < sp->n_segs; i++)
        if (sp->segs[i].id >= id)
            return &sp->segs[i];
    return NULL;
}

bool
sw_spool_seg_add(struct sw_spool *sp, uint64_t id)
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

void
sw_spool_seg_remove(struct sw_spool *sp, uint64_t id)
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
        sw_spool_seg_name(id, name, sizeof(name));
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
bool
sw_spool_state_write(struct sw_spool *sp, bool sync)
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

bool
sw_spool_state_read(struct sw_spool *sp)
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

/* --- records ------------------------------------------------------------------------------ */

void
sw_spool_rec_encode(unsigned char h[REC_HDR], const struct sw_rec *rec)
{
    size_t body = rec->key_len + rec->len;

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
}

/* --- reading ------------------------------------------------------------------------------- */

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
enum scan_rc
sw_spool_rec_parse(struct sw_spool *sp, int fd, uint64_t off, uint64_t limit, uint64_t prev_seq,
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
uint64_t
sw_spool_resync(struct sw_spool *sp, int fd, uint64_t off, uint64_t limit, uint64_t prev_seq)
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
        if (sw_spool_rec_parse(sp, fd, o, limit, prev_seq, &r, &next) == REC_OK)
            return o;
    }
    return limit;
}

void
sw_spool_report_damage(struct sw_spool *sp, struct seg *s, uint64_t off, uint64_t to, uint64_t size)
{
    char name[32];

    if (s->reported)
        return;
    s->reported = true;
    sw_spool_seg_name(s->id, name, sizeof(name));
    if (to >= size)
        sw_log_error("spool %s/%s: record at offset %" PRIu64 " is cut or corrupt (%" PRIu64
                     " bytes to the end skipped)",
                     sp->dir, name, off, size - off);
    else
        sw_log_error("spool %s/%s: corrupt record at offset %" PRIu64 ": %" PRIu64
                     " bytes skipped, the records after it are replayed",
                     sp->dir, name, off, to - off);
}

int
sw_spool_seg_open(struct sw_spool *sp, uint64_t id, int flags)
{
    char name[32];

    sw_spool_seg_name(id, name, sizeof(name));
    return openat(sp->dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* Open scan: count the valid records of segment s from (off, idx), reporting damage. */
bool
sw_spool_seg_scan(struct sw_spool *sp, struct seg *s, uint64_t off, uint64_t idx, uint64_t *max_seq,
                  uint64_t *first_ts, struct sw_err *err)
{
    int fd = sw_spool_seg_open(sp, s->id, O_RDONLY);
    struct stat st;
    char hdr[SEG_HDR];
    uint64_t prev = 0;

    if (fd == -1 || fstat(fd, &st) != 0) {
        char name[32];

        sw_spool_seg_name(s->id, name, sizeof(name));
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

        sw_spool_seg_name(s->id, name, sizeof(name));
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
        enum scan_rc rc = sw_spool_rec_parse(sp, fd, off, s->size, prev, &r, &next);

        if (rc == REC_IOERR) {
            char name[32];

            sw_spool_seg_name(s->id, name, sizeof(name));
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
        next = sw_spool_resync(sp, fd, off, s->size, prev);
        sw_spool_report_damage(sp, s, off, next, s->size);
        off = next;
    }
    sp->rlen = 0;
    close(fd);
    return true;
}

/* --- listing ------------------------------------------------------------------------------ */

bool
sw_spool_seg_list(struct sw_spool *sp, struct sw_err *err)
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
        if (!sw_spool_seg_add(sp, id)) {
            closedir(d);
            sw_err_set(err, SW_ENOMEM, "spool %s: out of memory", sp->dir);
            return false;
        }
    }
    closedir(d);
    return true;
}
