/* app_http_alt.c - other plausible readings of ambiguous HTTP messages (see
 * include/sw/app_http_alt.h). */
#include "sw/app_http_alt.h"

#include <string.h>

#define MAX_READINGS 8u
#define KEEP (64u * 1024) /* a buffer up to this size is kept for the next alt */

void
sw_http_alt_open(struct sw_http_alt *a, uint64_t start, uint64_t max_body, struct sw_http_msg *m,
                 struct sw_http_msg *rq, uint32_t anomalies)
{
    a->on = true;
    a->http09 = a->junk = a->full = a->gaps = false;
    a->start = a->end = start;
    a->buf.len = 0;
    a->buf.limit = max_body;
    a->msg = sw_http_msg_ref(m);
    a->req = sw_http_msg_ref(rq);
    a->anomalies = anomalies;
    a->n_seen = 0;
}

void
sw_http_alt_feed(struct sw_http_alt *a, struct sw_http_mem *mem, uint64_t pos, const uint8_t *p,
                 size_t n)
{
    uint64_t off;
    size_t k;

    if (!a->on)
        return;
    if (a->start == SW_HTTP_ALT_PENDING) {
        a->start = a->end = pos + n;
        return;
    }
    if (pos + n <= a->end || a->full)
        return;
    off = a->end > pos ? a->end - pos : 0;
    k = n - (size_t)off;
    if (sw_http_buf_append(mem, &a->buf, p + off, k) < k)
        a->full = true;
    a->end += k;
}

void
sw_http_alt_seen(struct sw_http_alt *a, const struct sw_http_msg *m, const uint8_t *data,
                 size_t len)
{
    if (a->on && a->msg == m && a->n_seen < 2)
        a->seen[a->n_seen++] = sw_http_hash(data, len);
}

size_t
sw_http_alt_region(const struct sw_http_alt *a, uint64_t end)
{
    size_t len = a->buf.len;

    if (a->start != SW_HTTP_ALT_PENDING && end != UINT64_MAX && end >= a->start &&
        end - a->start < len)
        len = (size_t)(end - a->start);
    if (sw_http_hdr_blank(a->buf.p, len))
        return 0; /* blank lines between messages: nothing to read */
    return len;
}

struct alt_ctx {
    const struct sw_http_cb *cb;
    void *ctx;
    struct sw_http_stats *st;
    struct sw_http_view vw;
};

static void
on_reading(void *ctx, const struct sw_http_reading *rd)
{
    struct alt_ctx *c = ctx;
    struct sw_http_view vw = c->vw;

    vw.reading = rd->label;
    vw.failed = rd->failed;
    vw.truncated = vw.truncated || rd->cut;
    sw_http_msg_deliver(c->cb, c->ctx, c->st, &vw, rd->data, rd->len);
}

static void
alt_close(struct sw_http_alt *a, struct sw_http_mem *mem)
{
    a->on = false;
    sw_http_msg_unref(mem, a->msg);
    sw_http_msg_unref(mem, a->req);
    a->msg = a->req = NULL;
    if (a->buf.cap > KEEP)
        sw_http_buf_fini(mem, &a->buf);
    a->buf.len = 0;
}

void
sw_http_alt_end(struct sw_http_alt *a, struct sw_http_mem *mem, int dir, uint64_t end,
                bool complete, const struct sw_http_limits *lim, const struct sw_http_cb *cb,
                void *ctx)
{
    /* read only what a reported anomaly made ambiguous (a bodyless response's alt, say, has
     * none until bytes other than a status line follow it) */
    size_t len = a->on && a->anomalies != 0 ? sw_http_alt_region(a, end) : 0;

    if (len > 0) {
        struct alt_ctx c = {.cb = cb, .ctx = ctx, .st = mem->st};
        struct sw_http_region r = {
            .p = a->buf.p,
            .n = len,
            .complete = (complete || end != UINT64_MAX) && !a->gaps,
            .seen = a->seen,
            .n_seen = a->n_seen,
        };

        if (a->msg != NULL) {
            r.coding = a->msg->coding;
            r.n_coding = a->msg->n_coding;
            r.lengths = a->msg->lengths;
            r.n_lengths = a->msg->n_lengths;
        }
        c.vw.dir = dir;
        c.vw.raw_len = len;
        c.vw.rq = dir == 0 ? a->msg : a->req;
        c.vw.m = a->msg;
        c.vw.truncated = a->full;
        c.vw.gaps = a->gaps;
        c.vw.anomaly = sw_http_anomaly_first(a->anomalies, dir);
        sw_http_readings(mem, &r, lim, on_reading, &c);
    }
    alt_close(a, mem);
}

void
sw_http_alt_fini(struct sw_http_alt *a, struct sw_http_mem *mem)
{
    alt_close(a, mem);
    sw_http_buf_fini(mem, &a->buf);
}

/* --- readings -------------------------------------------------------------------------------- */

struct emitter {
    uint64_t done[MAX_READINGS + 8];
    unsigned n_done, emitted;
    void (*fn)(void *ctx, const struct sw_http_reading *rd);
    void *ctx;
};

static void
emit(struct emitter *e, const struct sw_http_reading *rd)
{
    uint64_t hv;

    if (rd->len == 0 || e->emitted >= MAX_READINGS)
        return;
    hv = sw_http_hash(rd->data, rd->len);
    for (unsigned i = 0; i < e->n_done; i++) {
        if (e->done[i] == hv)
            return;
    }
    if (e->n_done < sizeof(e->done) / sizeof(e->done[0]))
        e->done[e->n_done++] = hv;
    e->emitted++;
    e->fn(e->ctx, rd);
}

/* Emit f[0, n) as read by framing label, then with its content codings undone. */
static void
emit_framing(struct sw_http_mem *m, struct emitter *e, const struct sw_http_region *r,
             const uint8_t *f, size_t n, bool complete, const char *label,
             const char *decoded_label, const struct sw_http_limits *lim)
{
    struct sw_http_reading rd = {.data = f, .len = n, .label = label, .cut = !complete};
    uint8_t sniffed;
    const uint8_t *coding = r->coding;
    unsigned n_coding = r->n_coding;
    struct sw_http_decoded res;

    emit(e, &rd);
    if (n_coding == 0) {
        /* no coding declared (or none recognised): gzip or zlib by its header */
        sniffed = (uint8_t)sw_http_sniff(f, n);
        if (sniffed == 0)
            return;
        coding = &sniffed;
        n_coding = 1;
    }
    sw_http_decode(m, f, n, coding, n_coding, complete, lim, &res);
    rd.data = res.data;
    rd.len = res.len;
    rd.label = decoded_label;
    rd.failed = res.failed;
    rd.cut = !complete || res.bomb || res.nomem;
    emit(e, &rd);
    sw_http_decoded_fini(m, &res);
}

void
sw_http_readings(struct sw_http_mem *m, const struct sw_http_region *r,
                 const struct sw_http_limits *lim,
                 void (*fn)(void *ctx, const struct sw_http_reading *rd), void *ctx)
{
    struct emitter e = {.fn = fn, .ctx = ctx};
    struct sw_http_buf dechunked = {.limit = r->n};

    for (unsigned i = 0; i < r->n_seen && e.n_done < 8; i++)
        e.done[e.n_done++] = r->seen[i];
    emit_framing(m, &e, r, r->p, r->n, r->complete, "close", "close_decoded", lim);
    for (unsigned i = 0; i < r->n_lengths; i++) {
        if (r->lengths[i] > 0 && r->lengths[i] < r->n)
            emit_framing(m, &e, r, r->p, (size_t)r->lengths[i], true, "content_length",
                         "content_length_decoded", lim);
    }
    if (sw_http_dechunk(m, r->p, r->n, &dechunked)) {
        emit_framing(m, &e, r, dechunked.p, dechunked.len, r->complete, "chunked",
                     "chunked_decoded", lim);
        /* a client that sizes what it de-chunked by the Content-Length */
        for (unsigned i = 0; i < r->n_lengths; i++) {
            if (r->lengths[i] > 0 && r->lengths[i] < dechunked.len)
                emit_framing(m, &e, r, dechunked.p, (size_t)r->lengths[i], true,
                             "chunked_content_length", "chunked_content_length_decoded", lim);
        }
    }
    sw_http_buf_fini(m, &dechunked);
}
