/* app_http.c - HTTP/1.x message framing for reassembled streams (see include/sw/app_http.h).
 *
 * Each direction is a state machine fed bytes as they come. A header block is collected in
 * a per-direction buffer (bounded by max_header_bytes) and read line by line as each line
 * end becomes certain (app_http_hdr.c says where lines end and what they mean); the values
 * kept are offsets into that buffer until the blank line, when they are copied into one
 * allocation per message (struct http_msg). Body bytes never wait in a header buffer: they
 * go to the body buffer as transferred, and are decoded when the body ends
 * (app_http_body.c).
 *
 * A message whose headers are ambiguous (enum sw_http_anomaly, SW_HTTP_AN_AMBIGUOUS), and
 * bytes found where a status line was due, open a "shadow": a copy of the direction's bytes
 * from that point up to the next start line or the end, read the other plausible ways when
 * it closes. Positions in the direction (hdir.pos) tell where the shadow's region ends.
 *
 * Requests are reference counted: the request queue holds one reference, and the request
 * direction holds another while it reads the request's body, since a server may answer (and
 * pop the request) before that body ended; a shadow holds its own.
 *
 * Owner: the worker thread that owns the flow; nothing here locks. */
#include "sw/app_http.h"

#include <string.h>

#include "sw/alloc.h"
#include "sw/app_http_body.h"
#include "sw/app_http_hdr.h"

#define HB_MIN 512u               /* first header buffer size */
#define BODY_KEEP (64u * 1024)    /* a body buffer up to this size is kept for the next body */
#define CHUNK_LINE_MAX 4096u      /* chunk size line with extensions */
#define RESYNC_LINE_MAX 8192u     /* longest line examined for a start line after a gap */
#define POS_PENDING UINT64_MAX    /* shadow start: the end of the current step */
#define NO_GAP SIZE_MAX

enum hstate {
    ST_START,       /* between messages: skipping blank lines, or in the start line */
    ST_HEADERS,     /* after the start line, until the blank line */
    ST_BODY_LEN,    /* Content-Length body: remain bytes left */
    ST_CHUNK_SIZE,  /* reading a chunk size line */
    ST_CHUNK_DATA,  /* remain bytes of chunk data left */
    ST_CHUNK_END,   /* the line end after chunk data */
    ST_TRAILERS,    /* trailer lines until the blank line */
    ST_BODY_CLOSE,  /* response body until the connection ends */
    ST_RESYNC,      /* after a gap or junk: looking for a start line at a line start */
    ST_DEAD,        /* this direction is ignored */
};

/* One parsed message. A request is shared by the queue, its direction and shadows (refs); a
 * response by its direction and shadows. Strings point into the same allocation. */
struct http_msg {
    struct http_msg *next;   /* request queue */
    size_t size;             /* bytes allocated (memuse) */
    unsigned refs;
    uint32_t dropped_after;  /* requests not queued right after this one */
    unsigned status;
    bool head, connect;
    uint32_t anomalies;      /* of its header block */
    uint8_t coding[SW_HTTP_MAX_CODINGS];
    unsigned n_coding;
    uint64_t lengths[SW_HTTP_MAX_LENGTHS];
    unsigned n_lengths;
    char *method, *uri, *host, *ua, *ctype, *cenc, *fname, *uname;
};

/* The body of the message being read (primary reading). */
struct body {
    struct sw_http_buf raw;  /* owned: bytes as transferred, chunking undone (<= max_body) */
    uint64_t raw_n;          /* body bytes accepted (<= max_body; gaps excluded) */
    size_t gap_at;           /* raw.len at the first gap (NO_GAP): decoding stops there */
    bool active, truncated, gaps;
    uint32_t reported;       /* anomalies already reported for this body */
};

/* The bytes after an ambiguous header block, or after the point where a status line was due
 * and something else came, up to the next start line: read the other ways when it closes. */
struct shadow {
    bool on;
    bool http09;             /* where the first response was due: it may be its body */
    bool junk;               /* bytes other than a start line came (reported once) */
    bool full, gaps;
    uint64_t start, end;     /* positions of buf.p[0] and of the byte after the last kept */
    struct sw_http_buf buf;  /* owned (limit max_body) */
    struct http_msg *msg;    /* ref or NULL: the message these bytes follow */
    struct http_msg *req;    /* ref or NULL: its request (or the one waiting) */
    uint32_t anomalies;      /* why they are ambiguous */
    uint64_t seen[2];        /* hashes of the primary readings delivered for msg */
    unsigned n_seen;
};

struct hdir {
    enum hstate st;
    bool seen_msg;             /* a message was parsed (not_http vs parse_errors) */
    bool line_skip;            /* resync: inside a line too long to examine */
    bool lfcr;                 /* the last header line ended with LF CR */
    uint8_t *hb;               /* owned: header block, current line */
    uint32_t hb_len, hb_cap;
    uint32_t line_off;         /* start of the line being collected */
    uint32_t block_bytes;      /* bytes of the current trailers */
    uint64_t pos;              /* bytes of this direction handed to the states (gaps count) */
    uint64_t line_pos;         /* position of hb[line_off] */
    uint64_t remain;           /* body or chunk bytes left */
    uint64_t resync_bytes;
    struct sw_http_head head;  /* the header block being read */
    struct http_msg *msg;      /* ref: the message whose body is read (request or response) */
    struct http_msg *req;      /* ref, dir 1: the request this response answers (or NULL) */
    struct http_msg *last;     /* ref, dir 1: the last response, until the next start line */
    struct http_msg *last_req; /* ref: its request */
    struct body b;
    struct shadow sh;
};

struct sw_http {
    struct sw_http_cfg cfg;
    struct sw_http_cb cb;
    void *ctx;
    struct sw_http_stats own;
    struct sw_http_stats *st;  /* &own or cfg.stats */
    struct sw_http_mem mem;    /* allocations, counted in *st */
    struct sw_http_limits lim;
    struct hdir d[2];
    struct http_msg *qhead, *qtail; /* owned refs: requests waiting for a response */
    uint32_t qlen;
    uint32_t phantoms;         /* responses to deliver unpaired before the next pop */
};

static void dir_stop(struct sw_http *h, int dir, bool fin);
static void msg_done(struct sw_http *h, int dir);
static struct http_msg *queue_pop(struct sw_http *h);

/* --- messages, anomalies, delivery ---------------------------------------------------------- */

static void
msg_unref(struct sw_http *h, struct http_msg *m)
{
    if (m == NULL || --m->refs > 0)
        return;
    sw_http_mem_free(&h->mem, m, m->size);
}

static struct http_msg *
msg_ref(struct http_msg *m)
{
    if (m != NULL)
        m->refs++;
    return m;
}

static void
report(struct sw_http *h, int dir, enum sw_http_anomaly a)
{
    h->st->anomalies++;
    if (h->cb.on_anomaly != NULL)
        h->cb.on_anomaly(h->ctx, dir, sw_http_anomaly_name(a, dir));
}

static void
report_mask(struct sw_http *h, int dir, uint32_t mask)
{
    for (int a = 0; a < SW_HTTP_AN_COUNT; a++) {
        if (mask & (1u << a))
            report(h, dir, (enum sw_http_anomaly)a);
    }
}

/* The first anomaly of mask, by name; "" when none. */
static const char *
first_anomaly(uint32_t mask, int dir)
{
    for (int a = 0; a < SW_HTTP_AN_COUNT; a++) {
        if (mask & (1u << a))
            return sw_http_anomaly_name((enum sw_http_anomaly)a, dir);
    }
    return "";
}

/* What sw_http_body needs beyond the bytes. */
struct view {
    int dir;
    const struct http_msg *rq, *m;
    uint64_t raw_len;
    bool truncated, gaps;
    unsigned failed;
    const char *reading, *anomaly;
};

static void
deliver(struct sw_http *h, const struct view *vw, const uint8_t *data, size_t len)
{
    const struct http_msg *rq = vw->rq, *m = vw->m;
    struct sw_http_body v;

    memset(&v, 0, sizeof(v));
    v.dir = vw->dir;
    v.method = rq != NULL ? rq->method : "";
    v.uri = rq != NULL ? rq->uri : "";
    v.host = rq != NULL ? rq->host : "";
    v.user_agent = rq != NULL ? rq->ua : "";
    v.req_content_type = rq != NULL ? rq->ctype : "";
    v.status = vw->dir == 1 && m != NULL ? m->status : 0;
    v.resp_content_type = vw->dir == 1 && m != NULL ? m->ctype : "";
    v.content_encoding = m != NULL ? m->cenc : "";
    v.filename = m != NULL && m->fname[0] != '\0' ? m->fname
                 : rq != NULL                      ? rq->uname
                                                   : "";
    v.data = len > 0 ? data : (const uint8_t *)"";
    v.len = len;
    v.raw_len = vw->raw_len;
    v.truncated = vw->truncated;
    v.gaps = vw->gaps;
    v.decode_error = vw->failed != 0;
    v.decode_failed = sw_http_coding_name(vw->failed);
    v.reading = vw->reading;
    v.anomaly = vw->anomaly;
    if (vw->reading[0] == '\0')
        h->st->bodies++;
    else
        h->st->readings++;
    if (h->cb.on_body != NULL)
        h->cb.on_body(h->ctx, &v);
}

/* --- shadows -------------------------------------------------------------------------------- */

/* Bytes [pos, pos + n) of the direction passed the states: keep those of the region. */
static void
shadow_feed(struct sw_http *h, struct hdir *hd, const uint8_t *p, size_t n)
{
    struct shadow *sh = &hd->sh;
    uint64_t off;
    size_t k;

    if (!sh->on)
        return;
    if (sh->start == POS_PENDING) {
        sh->start = sh->end = hd->pos + n; /* the header block is not part of it */
        return;
    }
    if (hd->pos + n <= sh->end || sh->full)
        return;
    off = sh->end > hd->pos ? sh->end - hd->pos : 0;
    k = n - (size_t)off;
    if (sw_http_buf_append(&h->mem, &sh->buf, p + off, k) < k)
        sh->full = true;
    sh->end += k;
}

struct alt_ctx {
    struct sw_http *h;
    struct view vw;
};

static void
on_reading(void *ctx, const struct sw_http_reading *rd)
{
    struct alt_ctx *a = ctx;
    struct view vw = a->vw;

    vw.reading = rd->label;
    vw.failed = rd->failed;
    vw.truncated = vw.truncated || rd->cut;
    deliver(a->h, &vw, rd->data, rd->len);
}

/* The region ends at position end (UINT64_MAX: where the bytes end); complete: nothing of it
 * is missing (the next message started, or a FIN came). */
static void
shadow_end(struct sw_http *h, int dir, uint64_t end, bool complete)
{
    struct hdir *hd = &h->d[dir];
    struct shadow *sh = &hd->sh;
    size_t len = sh->buf.len;

    if (!sh->on)
        return;
    sh->on = false;
    if (sh->start != POS_PENDING && end != UINT64_MAX && end >= sh->start &&
        end - sh->start < len)
        len = (size_t)(end - sh->start);
    if (sw_http_hdr_blank(sh->buf.p, len))
        len = 0; /* blank lines between messages: nothing to read */
    if (len > 0 && sh->http09 && end == UINT64_MAX) {
        /* no status line came: an HTTP/0.9 response, whose body this is */
        struct http_msg *rq = queue_pop(h); /* the request it answers (our reference) */
        struct view vw = {.dir = dir, .rq = rq, .raw_len = len, .reading = "", .anomaly = ""};

        if (rq == NULL)
            h->st->unpaired++;
        vw.truncated = !complete || sh->full;
        vw.gaps = sh->gaps;
        deliver(h, &vw, sh->buf.p, len);
        msg_unref(h, rq);
    } else if (len > 0) {
        struct alt_ctx a = {.h = h};
        struct sw_http_region r = {
            .p = sh->buf.p,
            .n = len,
            .complete = (complete || end != UINT64_MAX) && !sh->gaps,
            .seen = sh->seen,
            .n_seen = sh->n_seen,
        };

        if (sh->msg != NULL) {
            r.coding = sh->msg->coding;
            r.n_coding = sh->msg->n_coding;
            r.lengths = sh->msg->lengths;
            r.n_lengths = sh->msg->n_lengths;
        }
        a.vw.dir = dir;
        a.vw.raw_len = len;
        a.vw.rq = dir == 0 ? sh->msg : sh->req;
        a.vw.m = sh->msg;
        a.vw.truncated = sh->full;
        a.vw.gaps = sh->gaps;
        a.vw.anomaly = first_anomaly(sh->anomalies, dir);
        sw_http_readings(&h->mem, &r, &h->lim, on_reading, &a);
    }
    msg_unref(h, sh->msg);
    msg_unref(h, sh->req);
    sh->msg = sh->req = NULL;
    if (sh->buf.cap > BODY_KEEP)
        sw_http_buf_fini(&h->mem, &sh->buf);
    sh->buf.len = 0;
}

/* Open a shadow for the bytes after the current step (the caller may set another start). */
static void
shadow_start(struct sw_http *h, int dir, struct http_msg *m, struct http_msg *rq,
             uint32_t anomalies)
{
    struct shadow *sh = &h->d[dir].sh;

    if (sh->on)
        shadow_end(h, dir, h->d[dir].line_pos, true);
    sh->on = true;
    sh->http09 = sh->junk = sh->full = sh->gaps = false;
    sh->start = sh->end = POS_PENDING;
    sh->buf.len = 0;
    sh->buf.limit = h->cfg.max_body;
    sh->msg = msg_ref(m);
    sh->req = msg_ref(rq);
    sh->anomalies = anomalies;
    sh->n_seen = 0;
}

/* --- primary body --------------------------------------------------------------------------- */

static void
body_cut(struct sw_http *h, struct body *b)
{
    if (!b->truncated)
        h->st->truncated++;
    b->truncated = true;
}

/* Report an anomaly of the body in progress, once per body. */
static void
body_report(struct sw_http *h, int dir, enum sw_http_anomaly a)
{
    struct body *b = &h->d[dir].b;

    if (b->reported & (1u << a))
        return;
    b->reported |= 1u << a;
    report(h, dir, a);
}

static void
body_begin(struct sw_http *h, struct hdir *hd)
{
    struct body *b = &hd->b;

    b->active = true;
    b->raw.len = 0;
    b->raw.limit = h->cfg.max_body;
    b->raw_n = 0;
    b->gap_at = NO_GAP;
    b->truncated = b->gaps = false;
    b->reported = 0;
}

/* Body bytes as transferred. */
static void
body_data(struct sw_http *h, struct body *b, const uint8_t *p, size_t n)
{
    uint64_t room;

    if (n == 0)
        return;
    room = h->cfg.max_body - b->raw_n;
    if (n > room) {
        n = (size_t)room;
        body_cut(h, b);
    }
    b->raw_n += n;
    if (sw_http_buf_append(&h->mem, &b->raw, p, n) < n)
        body_cut(h, b); /* out of memory: it stops growing */
}

/* A gap inside the body: decoding cannot go on past it. */
static void
body_gap(struct body *b)
{
    b->gaps = true;
    if (b->gap_at == NO_GAP)
        b->gap_at = b->raw.len;
}

/* Deliver the body in progress (if any bytes came), decoded, then what its decoding left. */
static void
body_finish(struct sw_http *h, int dir, bool incomplete)
{
    struct hdir *hd = &h->d[dir];
    struct body *b = &hd->b;
    const struct http_msg *m = hd->msg;
    struct sw_http_decoded res;
    struct view vw;

    if (!b->active)
        return;
    b->active = false;
    if (incomplete && b->raw_n > 0)
        body_cut(h, b);
    if (b->raw_n == 0 && !b->gaps)
        goto out;
    memset(&res, 0, sizeof(res));
    res.data = b->raw.p;
    res.len = b->raw.len;
    if (m != NULL && m->n_coding > 0 && b->raw.len > 0) {
        size_t n = b->gap_at != NO_GAP ? b->gap_at : b->raw.len;

        sw_http_decode(&h->mem, b->raw.p, n, m->coding, m->n_coding,
                       !b->truncated && !b->gaps, &h->lim, &res);
        if (res.failed != 0) {
            h->st->decode_errors++;
            body_report(h, dir, res.failed == SW_HTTP_CODING_BR ? SW_HTTP_AN_BROTLI_FAILED
                                                                : SW_HTTP_AN_GZIP_FAILED);
        }
        if (res.bomb) {
            h->st->bomb_cut++;
            body_cut(h, b);
            body_report(h, dir, SW_HTTP_AN_COMPRESSION_BOMB);
        }
        if (res.nomem)
            body_cut(h, b);
    }
    memset(&vw, 0, sizeof(vw));
    vw.dir = dir;
    vw.rq = dir == 0 ? m : hd->req;
    vw.m = m;
    vw.raw_len = b->raw_n;
    vw.truncated = b->truncated;
    vw.gaps = b->gaps;
    vw.failed = res.failed;
    vw.reading = vw.anomaly = "";
    deliver(h, &vw, res.data, res.len);
    if (hd->sh.on && hd->sh.msg == m && hd->sh.n_seen < 2)
        hd->sh.seen[hd->sh.n_seen++] = sw_http_hash(res.data, res.len);
    if (res.partial.len > 0) {
        /* what the failing decoder produced: what a browser rendered before the error */
        vw.reading = "partial_decode";
        vw.anomaly = sw_http_anomaly_name(res.failed == SW_HTTP_CODING_BR
                                              ? SW_HTTP_AN_BROTLI_FAILED
                                              : SW_HTTP_AN_GZIP_FAILED,
                                          dir);
        vw.truncated = true;
        vw.failed = 0;
        deliver(h, &vw, res.partial.p, res.partial.len);
    }
    sw_http_decoded_fini(&h->mem, &res);
out:
    b->raw.len = 0;
    if (b->raw.cap > BODY_KEEP)
        sw_http_buf_fini(&h->mem, &b->raw);
}

/* --- request queue ------------------------------------------------------------------------ */

static void
queue_push(struct sw_http *h, struct http_msg *m)
{
    if (h->qlen >= h->cfg.max_pipeline) {
        /* the queue is never empty here (max_pipeline >= 1) */
        h->st->pipeline_drops++;
        if (h->qtail->dropped_after < UINT32_MAX)
            h->qtail->dropped_after++;
        return;
    }
    m->refs++;
    m->next = NULL;
    if (h->qtail != NULL)
        h->qtail->next = m;
    else
        h->qhead = m;
    h->qtail = m;
    h->qlen++;
}

/* The request the next final response answers (a reference), or NULL. */
static struct http_msg *
queue_pop(struct sw_http *h)
{
    struct http_msg *m;

    if (h->phantoms > 0) {
        h->phantoms--;
        return NULL;
    }
    m = h->qhead;
    if (m == NULL)
        return NULL;
    h->qhead = m->next;
    if (h->qhead == NULL)
        h->qtail = NULL;
    h->qlen--;
    h->phantoms = m->dropped_after;
    m->next = NULL;
    return m;
}

/* --- message boundaries -------------------------------------------------------------------- */

static void
last_release(struct sw_http *h, struct hdir *hd)
{
    msg_unref(h, hd->last);
    msg_unref(h, hd->last_req);
    hd->last = hd->last_req = NULL;
}

static void
hb_reset(struct hdir *hd)
{
    hd->hb_len = hd->line_off = hd->block_bytes = 0;
}

/* The message of direction dir is over (body delivered or none). A response stays the
 * "last" one until the next start line: bytes that are not one are read as its body. */
static void
msg_done(struct sw_http *h, int dir)
{
    struct hdir *hd = &h->d[dir];

    body_finish(h, dir, false);
    if (dir == 1) {
        last_release(h, hd);
        hd->last = hd->msg;
        hd->last_req = hd->req;
    } else {
        msg_unref(h, hd->msg);
        msg_unref(h, hd->req);
    }
    hd->msg = hd->req = NULL;
    hd->st = ST_START;
    hb_reset(hd);
}

/* Stop parsing dir for good; a body in progress is delivered as truncated unless it lasts
 * until close and its sender closed with a FIN; what a shadow holds is read. */
static void
dir_stop(struct sw_http *h, int dir, bool fin)
{
    struct hdir *hd = &h->d[dir];

    if (hd->st == ST_DEAD)
        return;
    body_finish(h, dir, !(fin && hd->st == ST_BODY_CLOSE));
    shadow_end(h, dir, UINT64_MAX, fin);
    msg_unref(h, hd->msg);
    msg_unref(h, hd->req);
    hd->msg = hd->req = NULL;
    last_release(h, hd);
    hd->st = ST_DEAD;
    sw_http_buf_fini(&h->mem, &hd->b.raw);
    sw_http_buf_fini(&h->mem, &hd->sh.buf);
    sw_http_mem_free(&h->mem, hd->hb, hd->hb_cap);
    hd->hb = NULL;
    hd->hb_len = hd->hb_cap = 0;
}

static void
dir_error(struct sw_http *h, int dir)
{
    if (h->d[dir].seen_msg)
        h->st->parse_errors++;
    else
        h->st->not_http++;
    dir_stop(h, dir, false);
}

/* --- header block ------------------------------------------------------------------------- */

/* Append n bytes to the header buffer, growing it up to cap_max. */
static enum sw_rc
hb_append(struct sw_http *h, struct hdir *hd, const uint8_t *p, size_t n, uint32_t cap_max)
{
    if (n > cap_max - hd->hb_len)
        return SW_ELIMIT;
    if (hd->hb_len + n > hd->hb_cap) {
        uint32_t ncap = hd->hb_cap < HB_MIN ? HB_MIN : hd->hb_cap;
        uint8_t *nb;

        while (ncap < hd->hb_len + n)
            ncap = ncap > cap_max / 2 ? cap_max : ncap * 2;
        nb = sw_http_mem_alloc(&h->mem, ncap);
        if (nb == NULL)
            return SW_ENOMEM;
        if (hd->hb_len > 0)
            memcpy(nb, hd->hb, hd->hb_len);
        sw_http_mem_free(&h->mem, hd->hb, hd->hb_cap);
        hd->hb = nb;
        hd->hb_cap = ncap;
    }
    memcpy(hd->hb + hd->hb_len, p, n);
    hd->hb_len += (uint32_t)n;
    return SW_OK;
}

/* Copy the header block's values into one allocation. */
static struct http_msg *
msg_build(struct sw_http *h, struct hdir *hd, int dir)
{
    const struct sw_http_head *hh = &hd->head;
    const struct sw_http_span none = {0, 0};
    const struct sw_http_span *sp[] = {
        dir == 0 ? &hh->method : &none, dir == 0 ? &hh->uri : &none,
        &hh->hdr[SW_HTTP_H_HOST],       &hh->hdr[SW_HTTP_H_UA],
        &hh->hdr[SW_HTTP_H_CTYPE],      &hh->hdr[SW_HTTP_H_CENC],
        &hh->hdr[SW_HTTP_H_CDISP],      dir == 0 ? &hh->uri : &none,
    };
    size_t need = sizeof(struct http_msg), n;
    struct http_msg *m;
    char *p, **dst[8];

    for (size_t i = 0; i < 8; i++)
        need += (size_t)sp[i]->len + 1; /* at most 8 * 16 MiB: no overflow */
    m = sw_http_mem_alloc(&h->mem, need);
    if (m == NULL)
        return NULL;
    memset(m, 0, sizeof(*m));
    m->size = need;
    m->refs = 1;
    m->status = dir == 1 ? hh->status : 0;
    m->anomalies = hh->anomalies;
    memcpy(m->coding, hh->coding, sizeof(m->coding));
    m->n_coding = hh->n_coding;
    memcpy(m->lengths, hh->lengths, sizeof(m->lengths));
    m->n_lengths = hh->n_lengths;
    dst[0] = &m->method;
    dst[1] = &m->uri;
    dst[2] = &m->host;
    dst[3] = &m->ua;
    dst[4] = &m->ctype;
    dst[5] = &m->cenc;
    dst[6] = &m->fname;
    dst[7] = &m->uname;
    p = (char *)(m + 1);
    for (size_t i = 0; i < 8; i++) {
        const uint8_t *s = hd->hb + sp[i]->off;

        n = sp[i]->len;
        *dst[i] = p;
        if (i == 6)
            sw_http_hdr_disposition_name(s, n, p);
        else if (i == 7)
            sw_http_hdr_uri_name(s, n, p);
        else
            sw_http_hdr_copy(p, s, n, false);
        p += n + 1;
    }
    m->head = strcmp(m->method, "HEAD") == 0;
    m->connect = strcmp(m->method, "CONNECT") == 0;
    return m;
}

/* The blank line after the headers: decide the framing and start the body. */
static void
headers_done(struct sw_http *h, int dir)
{
    struct hdir *hd = &h->d[dir];
    struct sw_http_head *hh = &hd->head;
    struct http_msg *m;
    bool has_body, framing, ambiguous;

    sw_http_head_end(hh, hd->hb);
    h->st->messages++;
    hd->seen_msg = true;
    report_mask(h, dir, hh->anomalies);
    m = msg_build(h, hd, dir);
    if (m == NULL) {
        dir_stop(h, dir, false);
        return;
    }
    hd->msg = m;
    framing = hh->te || hh->cl_header;
    ambiguous = (hh->anomalies & SW_HTTP_AN_AMBIGUOUS) != 0;
    if (dir == 0) {
        queue_push(h, m);
        has_body = hh->chunked || (hh->cl_valid && hh->cl > 0);
    } else {
        unsigned s = hh->status;
        bool interim = s >= 100 && s < 200 && s != 101;

        if (interim) {
            /* the final response follows; browsers ignore a body an interim one claims */
            if (ambiguous || framing)
                shadow_start(h, dir, m, h->qhead, hh->anomalies);
            msg_done(h, dir);
            return;
        }
        hd->req = queue_pop(h);
        if (hd->req == NULL)
            h->st->unpaired++;
        if ((s == 101 && !framing) ||
            (hd->req != NULL && hd->req->connect && s >= 200 && s < 300)) {
            h->st->tunnels++;
            dir_stop(h, 0, false);
            dir_stop(h, 1, false);
            return;
        }
        has_body = !(hd->req != NULL && hd->req->head) && s != 204 && s != 304;
        if ((s == 204 || s == 304) && framing)
            ambiguous = true; /* read as a body if bytes other than a response follow */
    }
    if (ambiguous)
        shadow_start(h, dir, m, dir == 0 ? NULL : hd->req, hh->anomalies);
    if (!has_body || (!hh->chunked && hh->cl_valid && hh->cl == 0) ||
        (dir == 0 && !hh->chunked && !hh->cl_valid)) {
        msg_done(h, dir);
        return;
    }
    body_begin(h, hd);
    hb_reset(hd);
    if (hh->chunked) {
        hd->st = ST_CHUNK_SIZE;
    } else if (hh->cl_valid) {
        hd->st = ST_BODY_LEN;
        hd->remain = hh->cl;
    } else {
        hd->st = ST_BODY_CLOSE;
    }
}

/* Collect one LF-terminated line into hb, at most cap_max bytes of block. Returns the bytes
 * consumed and sets *got when the line is complete (LF included in hb); -1: over cap_max
 * (*limit set; nothing consumed) or out of memory (direction stopped). */
static long long
collect_line(struct sw_http *h, int dir, const uint8_t *p, size_t n, uint32_t cap_max,
             bool *got, bool *limit)
{
    struct hdir *hd = &h->d[dir];
    const uint8_t *lf = memchr(p, '\n', n);
    size_t k = lf != NULL ? (size_t)(lf - p) + 1 : n;
    enum sw_rc rc;

    *got = *limit = false;
    rc = hb_append(h, hd, p, k, cap_max);
    if (rc != SW_OK) {
        if (rc == SW_ELIMIT) {
            *limit = true;
        } else {
            dir_stop(h, dir, false);
        }
        return -1;
    }
    *got = lf != NULL;
    return (long long)k;
}

/* The current line of hb without its line end (trailing CRs too): *s, *len. */
static void
line_get(const struct hdir *hd, const uint8_t **s, size_t *len)
{
    size_t n = hd->hb_len - hd->line_off - 1; /* LF */

    *s = hd->hb + hd->line_off;
    while (n > 0 && (*s)[n - 1] == '\r')
        n--;
    *len = n;
}

/* --- states ------------------------------------------------------------------------------- */

/* Each returns the bytes it consumed from p[0, n); the direction may be stopped. */

/* Bytes of p up to its first CR or LF and the two after it: enough to end one line. */
static size_t
head_take(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r' || p[i] == '\n')
            return i + 3 < n ? i + 3 : n;
    }
    return n;
}

/* Could s[0, n), an unfinished line where a start line is due, still be one (or blank)? */
static bool
start_plausible(int dir, const uint8_t *s, size_t n)
{
    if (sw_http_hdr_blank(s, n))
        return true;
    return dir == 0 ? sw_http_hdr_request_prefix(s, n) : sw_http_hdr_status_like(s, n, true);
}

/* Drop the first used bytes of the current line from hb. */
static void
line_drop(struct hdir *hd, size_t used)
{
    size_t rest = hd->hb_len - hd->line_off - used;

    memmove(hd->hb + hd->line_off, hd->hb + hd->line_off + used, rest);
    hd->hb_len = hd->line_off + (uint32_t)rest;
    hd->line_pos += used;
}

/* Where a start line was due, hb[line_off, line_off + used) is not one (a whole line, or the
 * start of one). A request direction stops; in a response direction, these bytes and what
 * follows up to the next status line are read as the body of the message before them (or
 * of the first response, HTTP/0.9), and the parser looks for that status line. */
static void
not_start(struct sw_http *h, int dir, size_t used)
{
    struct hdir *hd = &h->d[dir];
    struct shadow *sh = &hd->sh;
    uint32_t n = hd->hb_len - hd->line_off;
    enum sw_http_anomaly a;

    if (dir == 0 || (!hd->seen_msg && h->qhead == NULL && !sh->on)) {
        dir_error(h, dir);
        return;
    }
    if (!sh->on) {
        bool http09 = !hd->seen_msg;

        shadow_start(h, dir, hd->last, hd->last != NULL ? hd->last_req : h->qhead, 0);
        sh->http09 = http09;
        sh->start = sh->end = hd->line_pos;
        if (sw_http_buf_append(&h->mem, &sh->buf, hd->hb + hd->line_off, n) < n)
            sh->full = true;
        sh->end += n;
    }
    if (!sh->junk) {
        sh->junk = true;
        a = sh->http09 ? SW_HTTP_AN_LINE_INVALID : SW_HTTP_AN_BODY_UNEXPECTED;
        sh->anomalies |= 1u << a;
        report(h, dir, a);
    }
    /* look for a status line from the next line on; what follows this one stays in hb */
    hd->line_pos += used;
    memmove(hd->hb, hd->hb + hd->line_off + used, n - used);
    hd->hb_len = n - (uint32_t)used;
    hd->line_off = 0;
    hd->st = ST_RESYNC;
    hd->resync_bytes = 0;
    hd->line_skip = false;
}

static size_t
st_head(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];
    size_t k = head_take(p, n);
    enum sw_rc rc;

    if (hd->hb_len == 0)
        hd->line_pos = hd->pos;
    rc = hb_append(h, hd, p, k, h->cfg.max_header_bytes);
    if (rc != SW_OK) {
        if (rc == SW_ELIMIT)
            h->st->header_limit++;
        dir_stop(h, dir, false);
        return n;
    }
    for (;;) {
        const uint8_t *s = hd->hb + hd->line_off;
        size_t avail = hd->hb_len - hd->line_off, content, used, rest;
        int term;
        enum sw_http_eol r = sw_http_hdr_eol(s, avail, false, &content, &used, &term);
        bool odd = term != SW_HTTP_TERM_LF, lfcr = hd->lfcr;
        uint32_t end;

        if (r == SW_HTTP_EOL_MORE) {
            if (hd->st == ST_START && !start_plausible(dir, s, avail))
                not_start(h, dir, avail);
            return k;
        }
        hd->lfcr = term == SW_HTTP_TERM_LFCR;
        if (r == SW_HTTP_EOL_BLANK && lfcr && used == 2 && s[0] == '\r') {
            /* libhtp: after LF CR, "CR LF CR LF" is one blank line, not two */
            if (avail < 4) {
                hd->lfcr = lfcr;
                return k;
            }
            if (s[2] == '\r' && s[3] == '\n')
                used = 4;
        }
        if (hd->st == ST_START) {
            if (r != SW_HTTP_EOL_LINE || sw_http_hdr_blank(s, content)) {
                line_drop(hd, used); /* blank lines before a start line */
                continue;
            }
            sw_http_head_init(&hd->head, dir);
            hd->lfcr = term == SW_HTTP_TERM_LFCR;
            if (!sw_http_head_start(&hd->head, hd->hb, hd->line_off, (uint32_t)content)) {
                not_start(h, dir, used);
                return k;
            }
            /* a start line: what came since the last message ends here */
            shadow_end(h, dir, hd->line_pos, true);
            last_release(h, hd);
        } else if (r == SW_HTTP_EOL_BLANK) {
            size_t extra = avail - used, back = extra < k ? extra : k;

            if (odd)
                hd->head.anomalies |= 1u << SW_HTTP_AN_LINE_TERMINATOR;
            if (extra > back)
                h->st->parse_errors++; /* cannot happen: the blank line ends in this call */
            hd->hb_len -= (uint32_t)extra;
            headers_done(h, dir);
            return k - back;
        } else if (r == SW_HTTP_EOL_SKIP) {
            hd->head.anomalies |= 1u << SW_HTTP_AN_LINE_TERMINATOR;
            line_drop(hd, used);
            continue;
        }
        if (odd)
            hd->head.anomalies |= 1u << SW_HTTP_AN_LINE_TERMINATOR;
        /* keep the line's content (joined to the header it continues), drop its end */
        if (hd->st == ST_START) {
            end = hd->line_off + (uint32_t)content;
            hd->st = ST_HEADERS;
        } else {
            end = sw_http_head_line(&hd->head, hd->hb, hd->line_off, (uint32_t)content);
        }
        rest = avail - used;
        memmove(hd->hb + end, hd->hb + hd->line_off + used, rest);
        hd->hb_len = end + (uint32_t)rest;
        hd->line_off = end;
        hd->line_pos += used;
    }
}

static size_t
st_body_len(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];
    size_t k = hd->remain < n ? (size_t)hd->remain : n;

    body_data(h, &hd->b, p, k);
    hd->remain -= k;
    if (hd->remain == 0) {
        if (hd->st == ST_BODY_LEN)
            msg_done(h, dir);
        else
            hd->st = ST_CHUNK_END;
    }
    return k;
}

/* A response chunk size line without a size: not chunked after all. libhtp, and browsers
 * that ignore the header, read the rest of the response as it comes, from this line on. */
static void
chunk_fallback(struct sw_http *h, int dir)
{
    struct hdir *hd = &h->d[dir];

    body_data(h, &hd->b, hd->hb, hd->hb_len);
    hb_reset(hd);
    hd->st = ST_BODY_CLOSE;
}

static size_t
st_chunk_line(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];
    const uint8_t *s;
    size_t len;
    uint64_t v;
    bool got, limit, junk, blank;
    long long k = collect_line(h, dir, p, n, CHUNK_LINE_MAX, &got, &limit);

    if (k < 0) {
        if (!limit)
            return n; /* out of memory: stopped */
        body_report(h, dir, SW_HTTP_AN_CHUNK_LEN_INVALID);
        if (dir == 0 || hd->st == ST_CHUNK_END)
            dir_error(h, dir);
        else
            chunk_fallback(h, dir); /* p goes on as body data */
        return hd->st == ST_DEAD ? n : 0;
    }
    if (!got) {
        /* libhtp's probe: a response size line that cannot become one is not chunking */
        if (dir == 1 && hd->st == ST_CHUNK_SIZE &&
            !sw_http_hdr_chunk_size(hd->hb, hd->hb_len, &v, &junk, &blank) && !blank) {
            body_report(h, dir, SW_HTTP_AN_CHUNK_LEN_INVALID);
            chunk_fallback(h, dir);
        }
        return (size_t)k;
    }
    line_get(hd, &s, &len);
    if (hd->st == ST_CHUNK_END) {
        /* libhtp reads to the LF whatever precedes it */
        if (!sw_http_hdr_blank(s, len))
            body_report(h, dir, SW_HTTP_AN_CHUNK_LEN_INVALID);
        hb_reset(hd);
        hd->st = ST_CHUNK_SIZE;
        return (size_t)k;
    }
    if (!sw_http_hdr_chunk_size(s, len, &v, &junk, &blank)) {
        if (blank) {
            hb_reset(hd); /* blank lines before a size (libhtp) */
            return (size_t)k;
        }
        body_report(h, dir, SW_HTTP_AN_CHUNK_LEN_INVALID);
        if (dir == 0)
            dir_error(h, dir);
        else
            chunk_fallback(h, dir);
        return (size_t)k;
    }
    if (junk)
        body_report(h, dir, SW_HTTP_AN_CHUNK_LEN_INVALID);
    hb_reset(hd);
    if (v == 0) {
        hd->st = ST_TRAILERS;
    } else {
        hd->st = ST_CHUNK_DATA;
        hd->remain = v;
    }
    return (size_t)k;
}

static size_t
st_trailers(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];
    const uint8_t *s;
    size_t len;
    bool got, limit;
    long long k;
    uint32_t room = h->cfg.max_header_bytes - hd->block_bytes;

    k = collect_line(h, dir, p, n, room, &got, &limit);
    if (k < 0) {
        if (limit) {
            h->st->header_limit++;
            dir_stop(h, dir, false);
        }
        return n;
    }
    if (!got)
        return (size_t)k;
    hd->block_bytes += hd->hb_len;
    line_get(hd, &s, &len);
    hd->hb_len = hd->line_off = 0;
    if (len == 0)
        msg_done(h, dir);
    return (size_t)k;
}

/* Looking for a start line at a line start, after a gap or after bytes that were not one. */
static size_t
st_resync(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];
    const uint8_t *lf = memchr(p, '\n', n);
    size_t k = lf != NULL ? (size_t)(lf - p) + 1 : n;
    uint32_t line_max = RESYNC_LINE_MAX < h->cfg.max_header_bytes ? RESYNC_LINE_MAX
                                                                   : h->cfg.max_header_bytes;
    uint64_t limit = h->cfg.max_resync;
    const uint8_t *s;
    size_t len;
    bool start;

    /* bytes read as a body (shadow) are followed as far as a body goes */
    if (hd->sh.on && !hd->sh.full && limit < h->cfg.max_body)
        limit = h->cfg.max_body;
    if (k > limit - hd->resync_bytes) {
        h->st->resync_fails++;
        dir_stop(h, dir, false);
        return n;
    }
    hd->resync_bytes += k;
    if (hd->hb_len == 0 && !hd->line_skip)
        hd->line_pos = hd->pos;
    if (!hd->line_skip) {
        if (k > line_max - hd->hb_len) {
            hd->line_skip = true;
            hd->hb_len = 0;
        } else if (hb_append(h, hd, p, k, line_max) != SW_OK) {
            dir_stop(h, dir, false);
            return n;
        }
    }
    if (lf == NULL)
        return k;
    if (hd->line_skip) {
        hd->line_skip = false;
        return k;
    }
    hd->line_off = 0;
    line_get(hd, &s, &len);
    if (dir == 1) {
        start = sw_http_hdr_status_like(s, len, false);
    } else {
        struct sw_http_head tmp;

        sw_http_head_init(&tmp, 0);
        start = sw_http_head_start(&tmp, s, 0, (uint32_t)len);
    }
    if (!start) {
        hd->hb_len = 0;
        return k;
    }
    /* a start line: parsed afresh (its line end may be a lone CR inside it) */
    h->st->resyncs++;
    shadow_end(h, dir, hd->line_pos, true);
    hd->st = ST_START;
    return k;
}

static void
dir_feed(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];

    while (n > 0 && hd->st != ST_DEAD) {
        size_t k = 0;

        switch (hd->st) {
        case ST_START:
        case ST_HEADERS:
            k = st_head(h, dir, p, n);
            break;
        case ST_BODY_LEN:
        case ST_CHUNK_DATA:
            k = st_body_len(h, dir, p, n);
            break;
        case ST_CHUNK_SIZE:
        case ST_CHUNK_END:
            k = st_chunk_line(h, dir, p, n);
            break;
        case ST_TRAILERS:
            k = st_trailers(h, dir, p, n);
            break;
        case ST_BODY_CLOSE:
            body_data(h, &hd->b, p, n);
            k = n;
            break;
        case ST_RESYNC:
            k = st_resync(h, dir, p, n);
            break;
        case ST_DEAD:
            k = n;
            break;
        }
        shadow_feed(h, hd, p, k);
        hd->pos += k;
        p += k;
        n -= k;
    }
}

/* --- API ---------------------------------------------------------------------------------- */

void
sw_http_cfg_defaults(struct sw_http_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_pipeline = 32;
    cfg->max_header_bytes = 64u * 1024;
    cfg->max_body = 16u << 20;
    cfg->max_decompressed = 16u << 20;
    cfg->max_ratio = 1000;
    cfg->max_resync = 1u << 20;
}

struct sw_http *
sw_http_create(const struct sw_http_cfg *cfg, const struct sw_http_cb *cb, void *ctx,
               struct sw_err *err)
{
    struct sw_http_cfg c, def;
    struct sw_http *h;

    sw_http_cfg_defaults(&def);
    c = cfg != NULL ? *cfg : def;
    if (c.max_pipeline == 0)
        c.max_pipeline = def.max_pipeline;
    if (c.max_header_bytes == 0)
        c.max_header_bytes = def.max_header_bytes;
    if (c.max_body == 0)
        c.max_body = def.max_body;
    if (c.max_decompressed == 0)
        c.max_decompressed = def.max_decompressed;
    if (c.max_ratio == 0)
        c.max_ratio = def.max_ratio;
    if (c.max_resync == 0)
        c.max_resync = def.max_resync;
    if (c.max_pipeline > 4096) {
        sw_err_set(err, SW_EINVAL, "http: max_pipeline %u is above the maximum 4096",
                   c.max_pipeline);
        return NULL;
    }
    if (c.max_header_bytes < 256 || c.max_header_bytes > (16u << 20)) {
        sw_err_set(err, SW_EINVAL, "http: max_header_bytes %u is outside 256 .. 16 MiB",
                   c.max_header_bytes);
        return NULL;
    }
    if (c.max_body > (1u << 30) || c.max_decompressed > (1u << 30)) {
        sw_err_set(err, SW_EINVAL, "http: max_body %llu or max_decompressed %llu is above 1 GiB",
                   (unsigned long long)c.max_body, (unsigned long long)c.max_decompressed);
        return NULL;
    }
    h = sw_calloc(1, sizeof(*h));
    if (h == NULL) {
        if (c.stats != NULL)
            c.stats->nomem++;
        sw_err_set(err, SW_ENOMEM, "http: out of memory");
        return NULL;
    }
    h->cfg = c;
    if (cb != NULL)
        h->cb = *cb;
    h->ctx = ctx;
    h->st = c.stats != NULL ? c.stats : &h->own;
    h->st->memuse += sizeof(*h);
    h->mem.st = h->st;
    h->lim.max_out = c.max_decompressed;
    h->lim.max_ratio = c.max_ratio;
    return h;
}

void
sw_http_destroy(struct sw_http *h)
{
    struct sw_http_stats *st;

    if (h == NULL)
        return;
    for (int dir = 0; dir < 2; dir++) {
        struct hdir *hd = &h->d[dir];

        sw_http_buf_fini(&h->mem, &hd->b.raw);
        sw_http_buf_fini(&h->mem, &hd->sh.buf);
        sw_http_mem_free(&h->mem, hd->hb, hd->hb_cap);
        msg_unref(h, hd->msg);
        msg_unref(h, hd->req);
        msg_unref(h, hd->sh.msg);
        msg_unref(h, hd->sh.req);
        last_release(h, hd);
    }
    while (h->qhead != NULL) {
        struct http_msg *m = h->qhead;

        h->qhead = m->next;
        msg_unref(h, m);
    }
    st = h->st;
    st->memuse -= sizeof(*h);
    sw_free(h);
}

enum sw_rc
sw_http_feed(struct sw_http *h, int dir, const uint8_t *data, size_t len)
{
    if (h == NULL || dir < 0 || dir > 1 || (data == NULL && len > 0))
        return SW_EINVAL;
    h->mem.failed = false;
    dir_feed(h, dir, data, len);
    return h->mem.failed ? SW_ENOMEM : SW_OK;
}

void
sw_http_gap(struct sw_http *h, int dir, uint64_t len)
{
    struct hdir *hd;

    if (h == NULL || dir < 0 || dir > 1 || len == 0)
        return;
    hd = &h->d[dir];
    if (hd->st == ST_DEAD)
        return;
    h->st->gaps++;
    if (hd->sh.on) {
        /* the other readings need contiguous bytes: they end at the hole */
        hd->sh.gaps = true;
        shadow_end(h, dir, UINT64_MAX, false);
    }
    hd->pos += len;
    switch (hd->st) {
    case ST_BODY_LEN:
    case ST_CHUNK_DATA:
        body_gap(&hd->b);
        if (len < hd->remain) {
            hd->remain -= len;
            return;
        }
        if (len == hd->remain) {
            /* the hole ended exactly with the body or chunk */
            hd->remain = 0;
            if (hd->st == ST_BODY_LEN)
                msg_done(h, dir);
            else
                hd->st = ST_CHUNK_END;
            return;
        }
        break;
    case ST_BODY_CLOSE:
        body_gap(&hd->b);
        return;
    case ST_RESYNC:
        /* the line in progress is broken; the next bytes are examined afresh (only a
         * whole start line matches) */
        hd->line_skip = false;
        hd->hb_len = 0;
        return;
    default:
        if (hd->b.active)
            body_gap(&hd->b);
        break;
    }
    /* position lost: deliver what we have and look for the next message */
    if (hd->b.active)
        hd->b.gaps = true;
    msg_done(h, dir);
    last_release(h, hd);
    hd->st = ST_RESYNC;
    hd->resync_bytes = 0;
    /* the hole may end at a message start: the first line is examined too (only a whole
     * start line matches) */
    hd->line_skip = false;
}

void
sw_http_end(struct sw_http *h, unsigned fin)
{
    if (h == NULL)
        return;
    for (int dir = 0; dir < 2; dir++)
        dir_stop(h, dir, (fin & (dir == 0 ? SW_HTTP_FIN_REQ : SW_HTTP_FIN_RESP)) != 0);
}

const struct sw_http_stats *
sw_http_get_stats(const struct sw_http *h)
{
    return h->st;
}
