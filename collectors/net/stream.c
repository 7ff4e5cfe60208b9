/* stream.c - TCP reassembly per flow and direction (see include/sw/stream.h).
 *
 * Positions are 64-bit offsets ("rel") from a direction's first byte: the sequence number of
 * rel 0 is `base`, and a segment's rel is found from its signed 32-bit distance to the next
 * expected byte, so sequence-number wrap needs no special case. Delivered bytes sit in `buf`;
 * held (out-of-order) segments sit in a list sorted by rel that never overlaps itself: a new
 * segment is cut around what is already there (first data wins).
 *
 * A direction with an application consumer attached (sw_stream_attach) also hands every
 * in-order byte to it as it becomes in order, past the depth and after a release too: the
 * buffer stops at the depth, the consumer does not.
 *
 * Handshake: each direction keeps the ISN it starts from (`isn`, base - 1) and, until the
 * peer acknowledges it (`isn_acked`), the other candidates (`alt`): earlier SYNs of the
 * client, or later SYN-ACKs of the server. An acknowledgement that names a candidate moves
 * the direction there (restart): what it held belonged to a connection that did not happen.
 * Worker thread only. */
#include "sw/stream.h"

#include <string.h>

#include "sw/alloc.h"

#define TH_FIN 0x01u
#define TH_SYN 0x02u
#define TH_RST 0x04u
#define TH_ACK 0x10u
#define BUF_MIN 4096u
#define ALT_MAX SW_STREAM_MAX_SYN_QUEUED /* >= SW_STREAM_MAX_SYNACK_QUEUED */

struct held {
    struct held *next;
    uint64_t rel;
    uint32_t len;
    uint8_t data[];
};

struct dir {
    uint8_t *buf; /* owned: delivered bytes, at most depth (none once released) */
    size_t len, cap;
    uint64_t next_rel; /* next expected byte */
    uint32_t base;     /* sequence number of rel 0 */
    /* buf[map_off + (r - map_rel)] holds byte r for r >= map_rel (since the last gap) */
    uint64_t map_rel;
    size_t map_off;
    struct held *held; /* owned: sorted by rel, disjoint, all > next_rel */
    unsigned n_held;
    uint64_t gaps, beyond;
    size_t first_gap_off; /* buf offset of the first gap (SIZE_MAX: none), for replay */
    bool started, gap, depth_reached, full_reported, released;
    bool syn, fin, rst, midstream;
    bool isn_acked;        /* the peer acknowledged isn: the handshake chose it */
    bool synack;           /* isn is a SYN-ACK's: this direction is the server's */
    uint8_t idx;           /* enum sw_stream_dir of this direction */
    uint8_t n_alt;
    uint32_t isn;          /* sequence number of this direction's SYN (syn set) */
    uint32_t alt[ALT_MAX]; /* other candidate ISNs until isn_acked, oldest first */
    uint32_t restarts;
    void *app_arg;         /* borrowed: the consumer's argument, NULL when none is attached */
};

struct sw_stream {
    struct dir d[2];
    bool app_decided; /* sw_stream_attach was called (with or without a consumer) */
    unsigned events;  /* enum sw_stream_event bits not yet taken */
};

static const char *const event_names[SW_STREAM_EV_MAX] = {
    [SW_STREAM_EV_SYN_RESEND_DIFF_SEQ] = "stream.3whs_syn_resend_diff_seq",
    [SW_STREAM_EV_SYN_FLOOD] = "stream.3whs_syn_flood",
    [SW_STREAM_EV_SYN_DIFF_SEQ_ON_SYN_RECV] = "stream.3whs_syn_resend_diff_seq_on_syn_recv",
    [SW_STREAM_EV_SYNACK_WRONG_ACK] = "stream.3whs_synack_with_wrong_ack",
    [SW_STREAM_EV_SYNACK_DIFF_ACK] = "stream.3whs_synack_resend_with_diff_ack",
    [SW_STREAM_EV_SYNACK_FLOOD] = "stream.3whs_synack_flood",
};

struct sw_stream_ctx {
    struct sw_stream_cfg cfg;
    struct sw_stream_stats st;
};

struct sw_stream_ctx *
sw_stream_ctx_create(const struct sw_stream_cfg *cfg, struct sw_err *err)
{
    struct sw_stream_ctx *c;

    if (cfg->depth == 0) {
        sw_err_set(err, SW_EINVAL, "stream: depth must be at least 1 byte");
        return NULL;
    }
    c = sw_calloc(1, sizeof(*c));
    if (c == NULL) {
        sw_err_set(err, SW_ENOMEM, "stream: out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    return c;
}

void
sw_stream_ctx_destroy(struct sw_stream_ctx *c)
{
    sw_free(c);
}

void
sw_stream_stats(const struct sw_stream_ctx *c, struct sw_stream_stats *out)
{
    *out = c->st;
}

/* Reserve n bytes under the memcap. False (counted) when they do not fit. */
static bool
charge(struct sw_stream_ctx *c, size_t n)
{
    uint64_t after;

    if (__builtin_add_overflow(c->st.reassembly_memuse, (uint64_t)n, &after) ||
        after > c->cfg.memcap) {
        c->st.memcap_drops++;
        return false;
    }
    c->st.reassembly_memuse = after;
    return true;
}

static void
uncharge(struct sw_stream_ctx *c, size_t n)
{
    c->st.reassembly_memuse -= n;
}

/* Bytes of dir lost for good (memcap, allocation failure): the buffer no longer maps. */
static void
mark_gap(struct sw_stream_ctx *c, struct dir *d)
{
    if (!d->gap)
        d->first_gap_off = d->len;
    d->gap = true;
    d->gaps++;
    c->st.gaps++;
}

/* The consumer of d, if any, gets n bytes at p (in order). */
static void
app_data(const struct sw_stream_ctx *c, const struct dir *d, const uint8_t *p, size_t n)
{
    if (d->app_arg != NULL && n > 0)
        c->cfg.app->data(d->app_arg, (enum sw_stream_dir)d->idx, p, n);
}

static void
app_gap(const struct sw_stream_ctx *c, const struct dir *d, uint64_t n)
{
    if (d->app_arg != NULL)
        c->cfg.app->gap(d->app_arg, (enum sw_stream_dir)d->idx, n);
}

static void
depth_hit(struct sw_stream_ctx *c, struct dir *d)
{
    struct held *h, *next;

    d->depth_reached = true;
    c->st.depth_reached++;
    if (d->app_arg != NULL)
        return; /* the consumer still wants the held data once the hole fills */
    /* Nothing more will be kept: what is held is only memory now. */
    for (h = d->held; h != NULL; h = next) {
        next = h->next;
        d->beyond += h->len;
        uncharge(c, sizeof(*h) + h->len);
        sw_free(h);
    }
    d->held = NULL;
    d->n_held = 0;
}

/* n in-order bytes at next_rel: keep what the depth allows. */
static void
append(struct sw_stream_ctx *c, struct dir *d, const uint8_t *p, size_t n)
{
    uint64_t depth = c->cfg.depth;
    size_t keep = n, need;

    d->next_rel += n;
    app_data(c, d, p, n);
    if (d->depth_reached || d->released) {
        d->beyond += d->depth_reached ? n : 0;
        return;
    }
    if ((uint64_t)d->len + keep > depth)
        keep = (size_t)(depth - d->len);
    need = d->len + keep;
    if (need > d->cap) {
        size_t ncap = d->cap != 0 ? d->cap : (depth < BUF_MIN ? (size_t)depth : BUF_MIN);
        uint8_t *nb;

        while (ncap < need)
            ncap = (uint64_t)ncap * 2 > depth ? (size_t)depth : ncap * 2;
        if (!charge(c, ncap - d->cap))
            goto lost;
        nb = sw_realloc(d->buf, ncap);
        if (nb == NULL) {
            uncharge(c, ncap - d->cap);
            c->st.memcap_drops++;
            goto lost;
        }
        d->buf = nb;
        d->cap = ncap;
    }
    memcpy(d->buf + d->len, p, keep);
    d->len += keep;
    d->beyond += n - keep;
    if (d->len == depth)
        depth_hit(c, d);
    return;
lost:
    mark_gap(c, d);
    d->map_rel = d->next_rel;
    d->map_off = d->len;
}

/* Compare n bytes at rel r (< next_rel, already delivered) with what the buffer kept.
 * Returns true when a kept byte differs. */
static bool
differs_delivered(const struct dir *d, uint64_t r, const uint8_t *p, size_t n)
{
    if (r < d->map_rel) {
        uint64_t skip = d->map_rel - r;

        if (skip >= n)
            return false;
        r += skip;
        p += skip;
        n -= (size_t)skip;
    }
    uint64_t off = d->map_off + (r - d->map_rel);

    if (off >= d->len)
        return false;
    if (n > d->len - off)
        n = (size_t)(d->len - off);
    return memcmp(d->buf + off, p, n) != 0;
}

/* Deliver held segments that now start at (or before) next_rel. */
static void
drain(struct sw_stream_ctx *c, struct dir *d)
{
    struct held *h;

    while ((h = d->held) != NULL && h->rel <= d->next_rel) {
        bool keep_going = d->app_arg != NULL;

        uint64_t end = h->rel + h->len;

        d->held = h->next;
        d->n_held--;
        if (end > d->next_rel) {
            size_t skip = (size_t)(d->next_rel - h->rel);

            append(c, d, h->data + skip, h->len - skip);
        }
        uncharge(c, sizeof(*h) + h->len);
        sw_free(h);
        if (d->depth_reached && !keep_going)
            break; /* depth_hit freed the rest */
    }
}

/* Give up on the hole before the first held segment. */
static void
close_hole(struct sw_stream_ctx *c, struct dir *d)
{
    if (d->held == NULL)
        return;
    mark_gap(c, d);
    app_gap(c, d, d->held->rel - d->next_rel);
    d->next_rel = d->held->rel;
    d->map_rel = d->next_rel;
    d->map_off = d->len;
    drain(c, d);
}

/* Hold [start, end) (bytes at p, p[0] is start), cut around held data. */
static void
hold(struct sw_stream_ctx *c, struct dir *d, uint64_t start, uint64_t end, const uint8_t *p,
     bool *overlap, bool *conflict)
{
    struct held **pp = &d->held;
    uint64_t cur = start;

    while (cur < end) {
        struct held *h = *pp;

        if (h != NULL && h->rel + h->len <= cur) {
            pp = &h->next;
            continue;
        }
        uint64_t stop = (h == NULL || h->rel >= end) ? end : (h->rel > cur ? h->rel : cur);

        if (stop > cur) {
            size_t n = (size_t)(stop - cur);
            struct held *nh = NULL;

            if (charge(c, sizeof(*nh) + n)) {
                nh = sw_malloc(sizeof(*nh) + n);
                if (nh == NULL) {
                    uncharge(c, sizeof(*nh) + n);
                    c->st.memcap_drops++;
                }
            }
            if (nh == NULL) {
                d->gap = true; /* the piece is lost: its hole will be a gap */
            } else {
                nh->rel = cur;
                nh->len = (uint32_t)n;
                memcpy(nh->data, p + (cur - start), n);
                nh->next = h;
                *pp = nh;
                pp = &nh->next;
                d->n_held++;
            }
            cur = stop;
            continue;
        }
        /* h starts at or before cur and covers it: the held copy came first. */
        uint64_t oend = end < h->rel + h->len ? end : h->rel + h->len;

        *overlap = true;
        if (memcmp(h->data + (cur - h->rel), p + (cur - start), (size_t)(oend - cur)) != 0)
            *conflict = true;
        cur = oend;
        pp = &h->next;
    }
}

static void held_free(struct sw_stream_ctx *c, struct dir *d);

/* --- handshake ---------------------------------------------------------------------------- */

static void
raise_event(struct sw_stream_ctx *c, struct sw_stream *s, enum sw_stream_event ev)
{
    c->st.events[ev]++;
    s->events |= 1u << ev;
}

/* Start d afresh from the SYN with sequence number isn: whatever it held was relative to
 * another start. A consumer that had bytes gets a gap, so it resynchronises. */
static void
restart(struct sw_stream_ctx *c, struct dir *d, uint32_t isn)
{
    if (d->started && (d->next_rel > 0 || d->held != NULL)) {
        d->restarts++;
        if (d->next_rel > 0)
            app_gap(c, d, 1);
    }
    held_free(c, d);
    d->len = 0; /* the buffer (and its charge) is kept for the new bytes */
    d->next_rel = 0;
    d->map_rel = 0;
    d->map_off = 0;
    d->gaps = 0;
    d->beyond = 0;
    d->first_gap_off = SIZE_MAX;
    d->gap = d->depth_reached = d->full_reported = d->released = false;
    d->started = true;
    d->midstream = false;
    d->syn = true;
    d->isn = isn;
    d->base = isn + 1;
}

static int
alt_find(const struct dir *d, uint32_t isn)
{
    for (unsigned i = 0; i < d->n_alt; i++)
        if (d->alt[i] == isn)
            return (int)i;
    return -1;
}

/* Remember isn as a candidate of d. When max are kept already: a client's SYNs rotate (the
 * oldest goes, as Suricata does) and raise syn_flood; a server's SYN-ACK is refused
 * (synack_flood), and false is returned. */
static bool
alt_add(struct sw_stream_ctx *c, struct sw_stream *s, struct dir *d, uint32_t isn, bool synack)
{
    unsigned max = synack ? SW_STREAM_MAX_SYNACK_QUEUED : SW_STREAM_MAX_SYN_QUEUED;

    if (alt_find(d, isn) >= 0)
        return true;
    if (d->n_alt == max) {
        if (synack) {
            raise_event(c, s, SW_STREAM_EV_SYNACK_FLOOD);
            return false;
        }
        raise_event(c, s, SW_STREAM_EV_SYN_FLOOD);
        memmove(d->alt, d->alt + 1, (max - 1) * sizeof(d->alt[0]));
        d->n_alt--;
    }
    d->alt[d->n_alt++] = isn;
    return true;
}

/* The peer acknowledged `isn` of d (ack - 1): d starts there for good. False when it is
 * none of d's candidates. */
static bool
acknowledge(struct sw_stream_ctx *c, struct dir *d, uint32_t isn)
{
    if (isn != d->isn) {
        if (alt_find(d, isn) < 0)
            return false;
        restart(c, d, isn);
    }
    d->isn_acked = true;
    d->n_alt = 0;
    return true;
}

/* A SYN (or SYN-ACK) of direction d, peer the other direction. Returns true when d now
 * starts at this SYN (its sequence number and any data it carries count), false when the
 * segment is left out. */
static bool
handshake_syn(struct sw_stream_ctx *c, struct sw_stream *s, struct dir *d, struct dir *peer,
              uint32_t seq, uint32_t ack, bool synack)
{
    if (synack && peer->syn) {
        /* It must answer a SYN of the client's; before the client's start is chosen it
         * chooses it. */
        if (!peer->isn_acked && !acknowledge(c, peer, ack - 1)) {
            raise_event(c, s, SW_STREAM_EV_SYNACK_WRONG_ACK);
            return false;
        }
        if (ack - 1 != peer->isn) {
            raise_event(c, s, SW_STREAM_EV_SYNACK_DIFF_ACK);
            return false;
        }
    }
    if (!d->syn) {
        d->synack = synack;
        /* Its first SYN. A direction picked up mid-stream restarts only when the SYN puts
         * its bytes elsewhere. */
        if (d->started && seq + 1 == d->base) {
            d->syn = true;
            d->isn = seq;
            d->midstream = false;
        } else {
            restart(c, d, seq);
        }
        return true;
    }
    if (seq == d->isn)
        return true; /* a retransmission */
    if (d->isn_acked) {
        if (!synack)
            raise_event(c, s, SW_STREAM_EV_SYN_DIFF_SEQ_ON_SYN_RECV);
        return false;
    }
    if (synack) {
        /* The server's first SYN-ACK stays; this one waits for the client's ACK. */
        (void)alt_add(c, s, d, seq, true);
        return false;
    }
    /* The client tries again with another number: follow the newest (the most likely to be
     * answered), keep the one before in case the SYN-ACK names it. */
    raise_event(c, s, SW_STREAM_EV_SYN_RESEND_DIFF_SEQ);
    (void)alt_add(c, s, d, d->isn, false);
    restart(c, d, seq);
    d->synack = false;
    return true;
}

static void
new_data(struct sw_stream_ctx *c, struct dir *d, int64_t rel, const uint8_t *p, uint32_t len)
{
    uint64_t start, end;
    bool overlap = false, conflict = false;

    if (rel + (int64_t)len <= 0)
        return; /* wholly before the stream's start (mid-stream pickup) */
    if (rel < 0) {
        p += -rel;
        len -= (uint32_t)-rel;
        rel = 0;
    }
    start = (uint64_t)rel;
    end = start + len;
    if ((d->depth_reached || d->released) && d->app_arg == NULL) {
        if (end > d->next_rel) {
            d->beyond += end - (start > d->next_rel ? start : d->next_rel);
            d->next_rel = end;
        }
        return;
    }
    if (start < d->next_rel) {
        uint64_t oend = end < d->next_rel ? end : d->next_rel;

        overlap = true;
        conflict = differs_delivered(d, start, p, (size_t)(oend - start));
        p += oend - start;
        start = oend;
    }
    if (start < end) {
        if (start == d->next_rel && d->held == NULL) {
            append(c, d, p, (size_t)(end - start));
        } else if (start - d->next_rel <= SW_STREAM_MAX_AHEAD) {
            hold(c, d, start, end, p, &overlap, &conflict);
            drain(c, d);
            while (d->n_held > SW_STREAM_MAX_HELD)
                close_hole(c, d);
        }
    }
    c->st.overlaps += overlap;
    c->st.overlap_conflicts += conflict;
}

unsigned
sw_stream_segment(struct sw_stream_ctx *c, struct sw_stream **sp, enum sw_stream_dir dir,
                  uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data, uint32_t len)
{
    struct sw_stream *s = *sp;
    struct dir *d, *peer;
    uint32_t dseq = seq;

    if (len > 0)
        c->st.segments++;
    if (s == NULL) {
        if (len == 0 && (flags & TH_SYN) == 0)
            return 0; /* nothing to reassemble yet */
        if (!charge(c, sizeof(*s)))
            return 0;
        s = sw_calloc(1, sizeof(*s));
        if (s == NULL) {
            uncharge(c, sizeof(*s));
            c->st.memcap_drops++;
            return 0;
        }
        for (int i = 0; i < 2; i++) {
            s->d[i].idx = (uint8_t)i;
            s->d[i].first_gap_off = SIZE_MAX;
        }
        *sp = s;
    }
    d = &s->d[dir];
    peer = &s->d[dir == SW_STREAM_TO_SERVER ? SW_STREAM_TO_CLIENT : SW_STREAM_TO_SERVER];
    d->fin |= (flags & TH_FIN) != 0;
    d->rst |= (flags & TH_RST) != 0;
    if (flags & TH_SYN) {
        if (!handshake_syn(c, s, d, peer, seq, ack, (flags & TH_ACK) != 0))
            return 0;
        dseq = seq + 1; /* the SYN takes one sequence number; data (TFO) follows it */
    } else if ((flags & (TH_ACK | TH_RST)) == TH_ACK && peer->syn && peer->synack &&
               !peer->isn_acked) {
        /* The client's ACK of a SYN-ACK (a later one acknowledges data too and names no
         * candidate): it chooses the server's start among its SYN-ACKs. Only a SYN-ACK
         * chooses the client's: a server's ACK or RST answering a decoy SYN does not. */
        (void)acknowledge(c, peer, ack - 1);
    }
    if (!d->started) {
        if ((flags & TH_SYN) == 0 && len == 0)
            return 0;
        d->started = true;
        d->base = dseq;
        d->midstream = (flags & TH_SYN) == 0;
    }
    if (len == 0 || (d->released && d->app_arg == NULL))
        return 0;
    int32_t delta = (int32_t)(dseq - (uint32_t)(d->base + (uint32_t)d->next_rel));

    new_data(c, d, (int64_t)d->next_rel + delta, data, len);
    if (d->depth_reached && !d->full_reported) {
        d->full_reported = true;
        return dir == SW_STREAM_TO_SERVER ? SW_STREAM_FULL_TS : SW_STREAM_FULL_TC;
    }
    return 0;
}

unsigned
sw_stream_packet(struct sw_stream_ctx *c, struct sw_stream **sp, const struct sw_packet *p,
                 bool to_server)
{
    uint32_t len = p->payload_len;

    if (p->l4_proto != 6)
        return 0;
    if (p->payload_off > p->caplen || len > p->caplen - p->payload_off)
        len = 0; /* cannot happen after decoding; never read past the frame */
    return sw_stream_segment(c, sp, to_server ? SW_STREAM_TO_SERVER : SW_STREAM_TO_CLIENT,
                             p->tcp_seq, p->tcp_ack, p->tcp_flags,
                             len > 0 ? p->data + p->payload_off : NULL, len);
}

void
sw_stream_finish(struct sw_stream_ctx *c, struct sw_stream *s, enum sw_stream_dir dir)
{
    if (s == NULL)
        return;
    while (s->d[dir].held != NULL)
        close_hole(c, &s->d[dir]);
}

void
sw_stream_info(const struct sw_stream *s, enum sw_stream_dir dir, struct sw_stream_info *out)
{
    const struct dir *d;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return;
    d = &s->d[dir];
    out->data = d->len > 0 ? d->buf : NULL;
    out->len = d->len;
    out->gaps = d->gaps;
    out->beyond_depth = d->beyond;
    out->gap = d->gap;
    out->depth_reached = d->depth_reached;
    out->syn = d->syn;
    out->fin = d->fin;
    out->rst = d->rst;
    out->midstream = d->midstream;
    out->released = d->released;
    out->restarts = d->restarts;
}

unsigned
sw_stream_events_take(struct sw_stream *s)
{
    unsigned ev;

    if (s == NULL)
        return 0;
    ev = s->events;
    s->events = 0;
    return ev;
}

const char *
sw_stream_event_name(enum sw_stream_event ev)
{
    if ((unsigned)ev >= SW_STREAM_EV_MAX)
        return "stream.unknown";
    return event_names[ev];
}

static void
held_free(struct sw_stream_ctx *c, struct dir *d)
{
    struct held *h, *next;

    for (h = d->held; h != NULL; h = next) {
        next = h->next;
        uncharge(c, sizeof(*h) + h->len);
        sw_free(h);
    }
    d->held = NULL;
    d->n_held = 0;
}

static void
buf_free(struct sw_stream_ctx *c, struct dir *d)
{
    uncharge(c, d->cap);
    sw_free(d->buf);
    d->buf = NULL;
    d->cap = 0;
    d->len = 0;
}

static void
dir_free(struct sw_stream_ctx *c, struct dir *d)
{
    held_free(c, d);
    buf_free(c, d);
}

void
sw_stream_release(struct sw_stream_ctx *c, struct sw_stream *s, enum sw_stream_dir dir)
{
    if (s == NULL)
        return;
    /* With a consumer attached, held segments still have bytes it has not had. */
    if (s->d[dir].app_arg == NULL)
        held_free(c, &s->d[dir]);
    buf_free(c, &s->d[dir]);
    s->d[dir].released = true;
}

/* Replay what d holds so far to its new consumer: the buffer, with its first gap in place
 * (later gaps of the buffer are not placed: they come after the first one, where the
 * consumer is resynchronising anyway), then one gap for whatever the buffer lost (bytes
 * past the depth, or all of them once released). */
static void
replay(const struct sw_stream_ctx *c, const struct dir *d)
{
    size_t cut = d->first_gap_off < d->len ? d->first_gap_off : d->len;

    app_data(c, d, d->buf, cut);
    if (d->first_gap_off != SIZE_MAX)
        app_gap(c, d, 1);
    if (d->len > cut)
        app_data(c, d, d->buf + cut, d->len - cut);
    if (d->released || d->beyond > 0)
        app_gap(c, d, d->released ? 1 : d->beyond);
}

void
sw_stream_attach(struct sw_stream_ctx *c, struct sw_stream *s, void *arg)
{
    if (s == NULL || s->app_decided)
        return;
    s->app_decided = true;
    if (arg == NULL || c->cfg.app == NULL)
        return;
    for (int i = 0; i < 2; i++) {
        struct dir *d = &s->d[i];

        d->app_arg = arg;
        if (d->started)
            replay(c, d);
    }
}

bool
sw_stream_app_decided(const struct sw_stream *s)
{
    return s != NULL && s->app_decided;
}

void *
sw_stream_app_arg(const struct sw_stream *s)
{
    return s != NULL ? s->d[0].app_arg : NULL;
}

void
sw_stream_destroy(struct sw_stream_ctx *c, struct sw_stream *s)
{
    if (s == NULL)
        return;
    dir_free(c, &s->d[0]);
    dir_free(c, &s->d[1]);
    uncharge(c, sizeof(*s));
    sw_free(s);
}
