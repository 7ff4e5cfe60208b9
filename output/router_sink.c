/* router_sink.c - one sink's queue and spool on the output thread (output/router_int.h).
 *
 * Invariant of the memory queue (a ring in ascending seq): records that are only in memory
 * (no QF_DISK) come after every record that is on disk, except after a failed spool write,
 * which the acknowledged front handles by skipping them. With a backlog (records in the
 * spool not loaded yet) nothing new is kept in memory, so the backlog is always newer than
 * the queue and replay keeps the order.
 *
 * spool.mode:
 *   always    every record is appended when taken; kept in memory too when there is room and
 *             no backlog (consumed), else left to the backlog.
 *   overflow  records live in memory; when the queue is full, the memory-only records are
 *             written first (so the spool holds an ordered suffix), then the new one; at exit
 *             whatever is only in memory is written.
 *   off       memory only; a full queue drops by spool.when_full. */
#include "router_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/log.h"

#define LOAD_PER_ROUND 8192
#define OFFERS_PER_ROUND 64

/* Copy src into dst (size bytes), cut at the end if longer. */
static void
copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* --- the ring ------------------------------------------------------------------------------ */

static struct qrec *
at(struct sink_q *sq, size_t i)
{
    return &sq->q[(sq->head + i) % sq->cap];
}

static bool
grow(struct sink_q *sq)
{
    size_t cap = sq->cap == 0 ? 256 : sq->cap * 2;
    struct qrec *q = sw_calloc(cap, sizeof(*q));

    if (q == NULL)
        return false;
    for (size_t i = 0; i < sq->count; i++)
        q[i] = *at(sq, i);
    sw_free(sq->q);
    sq->q = q;
    sq->cap = cap;
    sq->head = 0;
    return true;
}

static bool
full(const struct sink_q *sq)
{
    return sq->live >= sq->max_events || sq->live_bytes >= sq->max_bytes;
}

/* Append an entry for ln (taking a reference). false: out of memory. */
static bool
push(struct sink_q *sq, struct sw_eve_line *ln, uint64_t seq, const struct sw_spool_pos *pos,
     uint8_t flags)
{
    struct qrec *e;

    if (sq->count == sq->cap && !grow(sq))
        return false;
    e = &sq->q[(sq->head + sq->count) % sq->cap];
    e->ln = ln;
    e->seq = seq;
    if (pos != NULL)
        e->pos = *pos;
    else
        memset(&e->pos, 0, sizeof(e->pos));
    e->state = Q_PENDING;
    e->flags = flags;
    ln->refs++;
    sq->count++;
    sq->live++;
    sq->live_bytes += ln->len;
    if ((flags & QF_DISK) != 0)
        sq->n_disk++;
    if (sq->pending++ == 0)
        sq->pending_since = sw_clock_us(CLOCK_MONOTONIC);
    return true;
}

/* Mark entry e done (delivered, rejected or dropped). */
static void
done(struct sink_q *sq, struct qrec *e)
{
    if (e->state == Q_PENDING)
        sq->pending--;
    e->state = Q_DONE;
    sq->live--;
    sq->live_bytes -= e->ln->len;
    if ((e->flags & QF_DISK) != 0)
        sq->n_disk--;
}

static void
rec_of(const struct qrec *e, struct sw_rec *r)
{
    r->seq = e->seq;
    r->ts_us = e->ln->ts_us;
    r->line = e->ln->text;
    r->len = e->ln->len;
    r->key = sw_eve_line_key(e->ln);
    r->key_len = e->ln->key_len;
    r->type = (uint8_t)e->ln->type;
    r->severity = e->ln->severity;
    r->flags = (e->flags & QF_MAYBE) != 0 ? SW_REC_RESENT : 0;
}

/* --- set-up -------------------------------------------------------------------------------- */

/* A file-system-safe spool folder name from the sink's name: [A-Za-z0-9._-], others '_'. */
static void
dir_name(const char *name, char *out, size_t len)
{
    size_t i = 0;

    for (; name[i] != '\0' && i + 1 < len; i++) {
        char c = name[i];

        out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '.' || c == '-'
                     ? c
                     : '_';
    }
    out[i] = '\0';
    if (i == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        snprintf(out, len, "sink");
}

enum sw_rc
sq_init(struct sink_q *sq, struct sw_sink *s, const struct sw_cfg_sink *c,
        const struct sw_config *cfg, size_t index, struct sw_err *err)
{
    memset(sq, 0, sizeof(*sq));
    sq->s = s;
    sq->networked = s->ops->networked;
    snprintf(sq->st.name, sizeof(sq->st.name), "%s", s->name);
    /* Local sinks (and everything offline) keep a plain bounded queue. */
    sq->max_events = 65536;
    sq->max_bytes = 64u << 20;
    sq->batch_events = 1024;
    sq->batch_bytes = 1u << 20;
    sq->retry_initial = 1000000;
    sq->retry_max = 30000000;
    sq->mode = SW_SPOOL_OFF;
    sq->when_full = SW_WHEN_FULL_DROP_OLDEST;
    if (c != NULL && cfg != NULL) {
        sq->max_events = c->queue.max_events;
        sq->max_bytes = c->queue.max_bytes;
        sq->batch_events = c->batch.max_events;
        sq->batch_bytes = c->batch.max_bytes;
        sq->linger_us = c->batch.linger;
        sq->retry_initial = c->retry.initial;
        sq->retry_max = c->retry.max;
        sq->when_full = cfg->spool.when_full;
        if (sq->networked) {
            sq->mode = c->spool.mode != SW_SPOOL_DEFAULT ? c->spool.mode : cfg->spool.mode;
            sq->spool_max = c->spool.max_size != 0 ? c->spool.max_size : cfg->spool.max_size;
        }
        sw_sink_cfg_name(c, sq->st.name, sizeof(sq->st.name));
    }
    if (sq->batch_events == 0)
        sq->batch_events = 1;
    sq->batch = sw_calloc(sq->batch_events, sizeof(*sq->batch));
    sq->batch_idx = sw_calloc(sq->batch_events, sizeof(*sq->batch_idx));
    if (sq->batch == NULL || sq->batch_idx == NULL)
        return sw_err_set(err, SW_ENOMEM, "outputs[%zu]: out of memory", index);
    if (sq->mode != SW_SPOOL_OFF) {
        char d[200];
        int n;

        dir_name(sq->st.name, d, sizeof(d));
        n = snprintf(sq->spool_dir, sizeof(sq->spool_dir), "%s/%s", cfg->spool.dir, d);
        if (n < 0 || (size_t)n >= sizeof(sq->spool_dir))
            return sw_err_set(err, SW_EINVAL, "outputs[%zu]: spool.dir is too long", index);
    }
    return SW_OK;
}

enum sw_rc
sq_open_spool(struct sink_q *sq, const struct sw_config *cfg, struct sw_err *err)
{
    struct sw_spool_cfg sc = {
        .max_size = sq->spool_max,
        .segment_size = cfg->spool.segment_size,
        .fsync = cfg->spool.fsync,
        .fsync_interval_us = cfg->spool.fsync_interval,
    };
    uint64_t n, bytes, ts;

    if (sq->mode == SW_SPOOL_OFF)
        return SW_OK;
    sq->spool = sw_spool_open(sq->spool_dir, &sc, err);
    if (sq->spool == NULL)
        return err->code;
    sq->s->spool_id = sw_spool_id(sq->spool);
    sq->sent_mark0 = sw_spool_sent_mark(sq->spool);
    sw_spool_usage(sq->spool, &n, &bytes, &ts);
    if (n > 0)
        sw_log_notice("%s: %" PRIu64 " events in the spool %s from an earlier run: replaying",
                      sq->st.name, n, sq->spool_dir);
    return SW_OK;
}

void
sq_fini(struct sink_q *sq)
{
    for (size_t i = 0; i < sq->count; i++)
        sw_router_line_put(at(sq, i)->ln);
    sq->count = 0;
    sw_spool_close(sq->spool);
    sq->spool = NULL;
    sw_sink_destroy(sq->s);
    sq->s = NULL;
    sw_free(sq->q);
    sw_free(sq->batch);
    sw_free(sq->batch_idx);
}

/* --- taking events ------------------------------------------------------------------------- */

static uint64_t
new_seq(struct sink_q *sq)
{
    uint64_t seq;

    if (sq->spool == NULL)
        return ++sq->next_seq;
    if (sw_spool_next_seq(sq->spool, &seq) != SW_OK)
        SW_LOG_RATELIMIT(SW_LOG_ERROR, "%s: cannot store the spool's sequence reservation: %s",
                         sq->st.name, strerror(errno));
    return seq;
}

/* Mode off, or a local sink: the queue is full. drop_oldest drops the oldest record not in
 * flight, drop_newest the new one. Returns true when there is room now. */
static bool
make_room_policy(struct sink_q *sq)
{
    if (sq->when_full == SW_WHEN_FULL_DROP_OLDEST) {
        for (size_t i = sq->hint; i < sq->count; i++) {
            struct qrec *e = at(sq, i);

            if (e->state != Q_PENDING)
                continue;
            done(sq, e);
            sq->st.dropped_policy++;
            return true;
        }
    }
    sq->st.dropped_policy++;
    return false;
}

/* The spool refused for size: apply spool.when_full. true: append again. */
static bool
spool_full(struct sink_q *sq)
{
    uint64_t n;

    if (sq->when_full == SW_WHEN_FULL_DROP_OLDEST && sw_spool_drop_oldest(sq->spool, &n)) {
        sq->st.dropped_policy += n;
        return true;
    }
    return false;
}

/* Append with the size policy; SW_OK, SW_EIO (round void), or SW_ELIMIT (dropped newest). */
static enum sw_rc
append(struct sink_q *sq, const struct sw_rec *rec, bool consumed, struct sw_spool_pos *pos)
{
    for (;;) {
        enum sw_rc rc = sw_spool_append(sq->spool, rec, consumed, pos);

        if (rc != SW_ELIMIT || !spool_full(sq))
            return rc;
    }
}

/* Overflow: write every memory-only live record, oldest first (all newer than what is on
 * disk), so that the spool stays an ordered suffix. */
static void
spill(struct sink_q *sq)
{
    for (size_t i = 0; i < sq->count; i++) {
        struct qrec *e = at(sq, i);
        struct sw_rec r;

        if (e->state == Q_DONE || (e->flags & QF_DISK) != 0)
            continue;
        rec_of(e, &r);
        if (append(sq, &r, true, &e->pos) != SW_OK)
            return; /* it stays in memory; the spool counted the error */
        e->flags |= QF_DISK | QF_ROUND;
        sq->n_disk++;
    }
}

void
sq_take(struct sw_router *r, struct sink_q *sq, struct sw_eve_line *ln)
{
    struct sw_spool_pos pos;
    struct sw_rec rec;
    uint64_t seq = new_seq(sq);
    enum sw_rc rc;

    (void)r;
    if (sq->mode == SW_SPOOL_OFF || sq->spool == NULL) {
        if (full(sq) && !make_room_policy(sq))
            return;
        if (!push(sq, ln, seq, NULL, 0)) {
            sq->st.failed++;
            SW_LOG_RATELIMIT(SW_LOG_ERROR, "%s: out of memory: event dropped", sq->st.name);
        }
        return;
    }
    rec.seq = seq;
    rec.ts_us = ln->ts_us;
    rec.line = ln->text;
    rec.len = ln->len;
    rec.key = sw_eve_line_key(ln);
    rec.key_len = ln->key_len;
    rec.type = (uint8_t)ln->type;
    rec.severity = ln->severity;
    rec.flags = 0;
    if (sq->mode == SW_SPOOL_OVERFLOW && sw_spool_backlog(sq->spool) == 0 && !full(sq)) {
        if (!push(sq, ln, seq, NULL, 0))
            sq->st.failed++;
        return;
    }
    if (sq->mode == SW_SPOOL_OVERFLOW && sw_spool_backlog(sq->spool) == 0)
        spill(sq);
    {
        bool consumed = sw_spool_backlog(sq->spool) == 0 && !full(sq);

        rc = append(sq, &rec, consumed, &pos);
        if (rc == SW_OK && consumed) {
            if (push(sq, ln, seq, &pos, QF_DISK | QF_ROUND))
                return;
            /* Out of memory: it is on disk, but consumed; forget it rather than lose track. */
            sq->st.failed++;
            return;
        }
        if (rc == SW_OK) {
            sq->round_backlog++;
            return;
        }
    }
    if (rc == SW_ELIMIT) {
        sq->st.dropped_policy++;
        return;
    }
    if (rc == SW_EINVAL) { /* larger than a spool record may be */
        sq->st.failed++;
        return;
    }
    /* The spool cannot write (disk full): keep it in memory if there is room. */
    if (!full(sq) && push(sq, ln, seq, NULL, 0))
        return;
    sq->st.failed++;
}

void
sq_commit(struct sink_q *sq)
{
    struct sw_err err;
    bool ok;

    if (sq->spool == NULL)
        return;
    ok = sw_spool_commit(sq->spool, &err) == SW_OK;
    /* The round's records are the newest: walk back over them. */
    for (size_t i = sq->count; i > 0; i--) {
        struct qrec *e = at(sq, i - 1);

        if ((e->flags & QF_ROUND) == 0)
            break;
        e->flags &= (uint8_t)~QF_ROUND;
        if (!ok && (e->flags & QF_DISK) != 0) {
            e->flags &= (uint8_t)~QF_DISK;
            if (e->state != Q_DONE)
                sq->n_disk--;
        }
    }
    if (!ok) {
        sq->st.failed += sq->round_backlog;
        sq->st.spool_errors = sw_spool_errors(sq->spool);
        copy_str(sq->st.last_error, sizeof(sq->st.last_error), err.msg);
        sq->st.last_error_time = sw_clock_us(CLOCK_REALTIME);
        if (strncmp(sq->logged_error, err.msg, sizeof(sq->logged_error) - 1) != 0) {
            sw_log_error("%s: %s (%" PRIu64 " events lost this round; retrying)", sq->st.name,
                         err.msg, sq->round_backlog);
            copy_str(sq->logged_error, sizeof(sq->logged_error), err.msg);
        }
    }
    sq->round_backlog = 0;
}

void
sq_load(struct sink_q *sq)
{
    struct sw_spool_rec sr;
    struct sw_err err;
    unsigned n = 0;

    if (sq->spool == NULL)
        return;
    while (n < LOAD_PER_ROUND && !full(sq) && sw_spool_backlog(sq->spool) > 0) {
        enum sw_rc rc = sw_spool_read(sq->spool, &sr, &err);
        struct sw_eve_line *ln;

        if (rc == SW_EOF)
            break;
        if (rc != SW_OK) {
            SW_LOG_RATELIMIT(SW_LOG_ERROR, "%s: %s", sq->st.name, err.msg);
            continue;
        }
        ln = sw_eve_line_make(sr.rec.type, sr.rec.ts_us, sr.rec.severity, sr.rec.line, sr.rec.len,
                              sr.rec.key, sr.rec.key_len);
        if (ln == NULL || !push(sq, ln, sr.rec.seq, &sr.pos,
                                QF_DISK | (sr.rec.seq <= sq->sent_mark0 ? QF_MAYBE : 0))) {
            /* It stays in the spool: the front cannot pass it, a restart replays it. */
            sw_eve_line_destroy(ln);
            break;
        }
        n++;
    }
    sq->loadable = sw_spool_backlog(sq->spool) > 0 && (n == LOAD_PER_ROUND || full(sq));
}

/* --- offering ------------------------------------------------------------------------------ */

static void
backoff(struct sw_router *r, struct sink_q *sq, uint64_t now)
{
    uint64_t d, jit;

    if (sq->backoff_until > now)
        return; /* one step per failed attempt */
    if (sq->backoff_exp < 40)
        sq->backoff_exp++;
    d = sq->retry_initial;
    for (unsigned i = 1; i < sq->backoff_exp && d < sq->retry_max; i++)
        d *= 2;
    if (d > sq->retry_max)
        d = sq->retry_max;
    /* Uniform in [d/2, d]: agents that failed together do not come back together. */
    jit = d / 2 > 0 ? sw_router_rand(r) % (d / 2 + 1) : 0;
    sq->backoff_until = now + d / 2 + jit;
}

void
sq_offer(struct sw_router *r, struct sink_q *sq, uint64_t now, bool draining)
{
    for (unsigned round = 0; round < OFFERS_PER_ROUND; round++) {
        size_t n = 0, bytes = 0, taken = 0, i, hint0, lim = sq->batch_events;
        uint64_t mark;
        enum sw_sink_rc rc;

        if (sq->pending == 0 || sq->blocked || now < sq->backoff_until)
            return;
        if (sq->s->ops->room != NULL) {
            size_t room = sq->s->ops->room(sq->s);

            if (room == 0) {
                sq->blocked = true; /* as after SW_SINK_RETRY, without a batch built */
                return;
            }
            if (room < lim)
                lim = room;
        }
        if (!draining && sq->linger_us > 0 && sq->pending < sq->batch_events &&
            now - sq->pending_since < sq->linger_us) {
            /* Not enough for a batch yet: wait unless the bytes say otherwise. */
            uint64_t b = 0;

            for (i = sq->hint; i < sq->count && b < sq->batch_bytes; i++)
                if (at(sq, i)->state == Q_PENDING)
                    b += at(sq, i)->ln->len;
            if (b < sq->batch_bytes)
                return;
        }
        for (i = sq->hint; i < sq->count && n < lim; i++) {
            struct qrec *e = at(sq, i);

            if (e->state != Q_PENDING) {
                if (n == 0)
                    sq->hint = i + 1;
                continue;
            }
            if (n > 0 && bytes + e->ln->len > sq->batch_bytes)
                break;
            rec_of(e, &sq->batch[n]);
            sq->batch_idx[n] = i;
            bytes += e->ln->len;
            /* In flight before the call: outcomes reported inside write() must find it. */
            e->state = Q_INFLIGHT;
            sq->pending--;
            n++;
        }
        if (n == 0)
            return;
        /* Stored before the bytes can leave: after a kill -9 the next run knows which
         * replayed records the receiver may have (duplicates_possible). */
        mark = sq->spool != NULL ? sw_spool_sent_mark(sq->spool) : 0;
        if (sq->spool != NULL && sq->batch[n - 1].seq > mark)
            sw_spool_set_sent_mark(sq->spool, sq->batch[n - 1].seq);
        hint0 = sq->hint;
        rc = sq->s->ops->write(sq->s, sq->batch, n, &taken);
        if (taken > n)
            taken = n;
        /* Only what the sink took can have left. */
        if (sq->spool != NULL && sq->batch[n - 1].seq > mark && taken < n)
            sw_spool_set_sent_mark(sq->spool, taken > 0 && sq->batch[taken - 1].seq > mark
                                                  ? sq->batch[taken - 1].seq
                                                  : mark);
        for (i = taken; i < n; i++) {
            struct qrec *e = at(sq, sq->batch_idx[i]);

            if (e->state == Q_INFLIGHT) {
                e->state = Q_PENDING;
                if (sq->pending++ == 0)
                    sq->pending_since = now;
            }
        }
        /* A sink that lost its connection inside write() gave back records it had taken,
         * from this batch or earlier ones (SW_SINK_RESEND): those outcomes lowered the hint
         * to the first of them, and they must be offered first. */
        {
            size_t next = taken < n ? sq->batch_idx[taken] : sq->batch_idx[n - 1] + 1;

            if (sq->hint < hint0 && sq->hint < next)
                next = sq->hint; /* an older record came back */
            for (i = 0; i < taken && sq->batch_idx[i] < next; i++) {
                if (at(sq, sq->batch_idx[i])->state == Q_PENDING) {
                    next = sq->batch_idx[i]; /* one of this batch came back */
                    break;
                }
            }
            sq->hint = next;
        }
        for (i = 0; i < taken; i++) {
            const struct sw_rec *b = &sq->batch[i];

            sq->st.sent++;
            if ((b->flags & SW_REC_RESENT) != 0)
                sq->st.duplicates_possible++;
            /* Counted once; but one given back inside write() keeps what it said (sent
             * again, it may be a duplicate). */
            if (at(sq, sq->batch_idx[i])->state != Q_PENDING)
                at(sq, sq->batch_idx[i])->flags &= (uint8_t)~QF_MAYBE;
        }
        if (rc == SW_SINK_RETRY) {
            sq->blocked = true;
            return;
        }
        if (rc == SW_SINK_FAIL) {
            if (sq->st.last_error_time == 0 || !sq->error_active)
                sw_sink_error(sq->s, "write failed");
            backoff(r, sq, now);
            return;
        }
    }
}

/* --- outcomes (called by the sinks through the router's sw_sink_host) ---------------------- */

/* Index of the first entry with seq >= seq (binary search: the queue ascends). */
static size_t
lower_bound(struct sink_q *sq, uint64_t seq)
{
    size_t lo = 0, hi = sq->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (at(sq, mid)->seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void
sq_outcome(struct sw_router *r, struct sink_q *sq, uint64_t first, uint64_t last, int what,
           const char *reason)
{
    uint64_t now = sw_clock_us(CLOCK_MONOTONIC);
    uint64_t n = 0;

    for (size_t i = lower_bound(sq, first); i < sq->count; i++) {
        struct qrec *e = at(sq, i);

        if (e->seq > last)
            break;
        if (e->state != Q_INFLIGHT)
            continue;
        n++;
        switch (what) {
        case SW_SINK_ACKED:
            done(sq, e);
            sq->st.acked++;
            break;
        case SW_SINK_REJECTED:
            done(sq, e);
            sq->st.failed++;
            break;
        case SW_SINK_RESEND_MAYBE_DELIVERED:
        case SW_SINK_RESEND:
            if (what == SW_SINK_RESEND_MAYBE_DELIVERED)
                e->flags |= QF_MAYBE;
            e->state = Q_PENDING;
            if (sq->pending++ == 0)
                sq->pending_since = now;
            if (i < sq->hint)
                sq->hint = i;
            sq->st.retried++;
            break;
        default:
            break;
        }
    }
    if (n == 0)
        return;
    if (what == SW_SINK_ACKED) {
        sq->backoff_exp = 0;
        sq->backoff_until = 0;
        if (sq->error_active) {
            sq->error_active = false;
            sq->logged_error[0] = '\0';
            sw_log_notice("%s: delivering again", sq->st.name);
        }
    } else if (what == SW_SINK_REJECTED) {
        snprintf(sq->st.last_error, sizeof(sq->st.last_error), "rejected: %s",
                 reason != NULL ? reason : "no reason given");
        sq->st.last_error_time = sw_clock_us(CLOCK_REALTIME);
        /* A local sink (file, stdout) logged its write error itself, once, naming the path:
         * a line per failed flush would repeat it. */
        if (sq->networked)
            SW_LOG_RATELIMIT(SW_LOG_WARNING,
                             "%s: %" PRIu64 " event(s) rejected by the receiver: %s", sq->st.name,
                             n, reason != NULL ? reason : "no reason given");
    }
    (void)r;
}

void
sq_error(struct sw_router *r, struct sink_q *sq, const char *msg)
{
    copy_str(sq->st.last_error, sizeof(sq->st.last_error), msg);
    sq->st.last_error_time = sw_clock_us(CLOCK_REALTIME);
    if (strncmp(sq->logged_error, msg, sizeof(sq->logged_error) - 1) != 0) {
        /* One line per distinct failure: a receiver that stays down is not a log flood. */
        sw_log_error("%s: %s", sq->st.name, msg);
        copy_str(sq->logged_error, sizeof(sq->logged_error), msg);
    }
    sq->error_active = true;
    backoff(r, sq, sw_clock_us(CLOCK_MONOTONIC));
}

/* --- settling ------------------------------------------------------------------------------ */

void
sq_settle(struct sink_q *sq)
{
    size_t popped = 0;

    while (sq->count > 0) {
        struct qrec *e = at(sq, 0);

        if (e->state != Q_DONE)
            break;
        sw_router_line_put(e->ln);
        e->ln = NULL;
        sq->head = (sq->head + 1) % sq->cap;
        sq->count--;
        popped++;
    }
    sq->hint = sq->hint > popped ? sq->hint - popped : 0;
    if (sq->spool == NULL || popped == 0)
        return;
    if (sq->n_disk == 0) {
        sw_spool_ack_all_read(sq->spool);
        return;
    }
    for (size_t i = 0; i < sq->count; i++) {
        struct qrec *e = at(sq, i);

        if (e->state != Q_DONE && (e->flags & QF_DISK) != 0) {
            sw_spool_ack(sq->spool, &e->pos, e->ln->ts_us);
            return;
        }
    }
}

void
sq_spill_all(struct sink_q *sq)
{
    uint64_t left = 0;

    for (size_t i = 0; i < sq->count; i++)
        if (at(sq, i)->state != Q_DONE && (at(sq, i)->flags & QF_DISK) == 0)
            left++;
    if (left == 0)
        return;
    if (sq->spool != NULL && sw_spool_backlog(sq->spool) == 0) {
        uint64_t before = sq->n_disk;

        spill(sq);
        sq_commit(sq);
        left -= sq->n_disk > before ? sq->n_disk - before : 0;
    }
    if (left > 0) {
        sq->st.dropped_policy += left;
        sw_log_warn("%s: %" PRIu64 " events not delivered at exit are lost (%s)", sq->st.name, left,
                    sq->spool == NULL ? "spool.mode: off" : "the spool could not take them");
    }
}

uint64_t
sq_outstanding(const struct sink_q *sq)
{
    return sq->live + (sq->spool != NULL ? sw_spool_backlog(sq->spool) : 0);
}

void
sq_gauges(struct sink_q *sq, uint64_t now_real_us)
{
    sq->st.queued = sq->live;
    if (sq->spool != NULL) {
        uint64_t ts;

        sw_spool_usage(sq->spool, &sq->st.spooled_events, &sq->st.spooled_bytes, &ts);
        sq->st.spool_oldest_age = ts != 0 && now_real_us > ts ? (now_real_us - ts) / 1000000u : 0;
        sq->st.spool_errors = sw_spool_errors(sq->spool);
    }
}

uint64_t
sq_deadline(const struct sink_q *sq, bool draining)
{
    /* A replay with nothing new arriving: once the loaded part is delivered, nothing else
     * wakes the output thread (offline it slept for good, live up to a second per load). */
    if (sq->loadable && !full(sq))
        return 0;
    if (sq->pending == 0 || sq->blocked)
        return UINT64_MAX;
    if (sq->backoff_until != 0)
        return sq->backoff_until;
    if (!draining && sq->linger_us > 0 && sq->pending < sq->batch_events)
        return sq->pending_since + sq->linger_us;
    return 0;
}
