/* app_http.c - HTTP/1.x message framing for reassembled streams (see include/sw/app_http.h).
 *
 * Each direction is a state machine fed bytes as they come. A header block is collected in
 * a per-direction buffer (bounded by max_header_bytes) and read line by line as each line
 * end becomes certain (app_http_hdr.c says where lines end and what they mean); the values
 * kept are offsets into that buffer until the blank line, when they are copied into one
 * allocation per message (struct sw_http_msg, app_http_msg.c). Body bytes never wait in a
 * header buffer: they go to the body buffer as transferred, and are decoded when the body
 * ends (app_http_body.c).
 *
 * A message whose headers are ambiguous (SW_HTTP_AN_AMBIGUOUS), and bytes found where a
 * status line was due, open an alt (app_http_alt.c): a copy of the direction's bytes from
 * that point up to the next start line or the end, read the other plausible ways when it
 * closes. Positions in the direction (hdir.pos) tell where its region ends.
 *
 * Requests are reference counted: the request queue holds one reference, and the request
 * direction holds another while it reads the request's body, since a server may answer (and
 * pop the request) before that body ended; an alt holds its own.
 *
 * Owner: the worker thread that owns the flow; nothing here locks. */
#include "sw/app_http.h"

#include <string.h>

#include "sw/alloc.h"
#include "sw/app_http_alt.h"
#include "sw/app_http_body.h"
#include "sw/app_http_hdr.h"
#include "sw/app_http_msg.h"

#define HB_MIN 512u           /* first header buffer size */
#define CHUNK_LINE_MAX 4096u  /* chunk size line with extensions */
#define RESYNC_LINE_MAX 8192u /* longest line examined for a start line after a gap */

enum hstate {
    ST_START,      /* between messages: skipping blank lines, or in the start line */
    ST_HEADERS,    /* after the start line, until the blank line */
    ST_BODY_LEN,   /* Content-Length body: remain bytes left */
    ST_CHUNK_SIZE, /* reading a chunk size line */
    ST_CHUNK_DATA, /* remain bytes of chunk data left */
    ST_CHUNK_END,  /* the line end after chunk data */
    ST_TRAILERS,   /* trailer lines until the blank line */
    ST_BODY_CLOSE, /* response body until the connection ends */
    ST_RESYNC,     /* after a gap or junk: looking for a start line at a line start */
    ST_DEAD,       /* this direction is ignored */
};

struct hdir {
    enum hstate st;
    bool seen_msg;     /* a message was parsed (not_http vs parse_errors) */
    bool line_skip;    /* resync: inside a line too long to examine */
    bool lfcr;         /* the last header line ended with LF CR */
    uint8_t crlf_skip; /* bytes of a CR LF still to drop where the body starts */
    uint8_t *hb;       /* owned: header block, current line */
    uint32_t hb_len, hb_cap;
    uint32_t line_off;    /* start of the line being collected */
    uint32_t block_bytes; /* bytes of the current trailers */
    uint64_t pos;         /* bytes of this direction handed to the states (gaps count) */
    uint64_t line_pos;    /* position of hb[line_off] */
    uint64_t remain;      /* body or chunk bytes left */
    uint64_t resync_bytes;
    struct sw_http_head head;     /* the header block being read */
    struct sw_http_field *fields; /* its field table (cfg.headers), in the parser's block */
    struct sw_http_msg *msg;      /* ref: the message whose body is read (request or response) */
    struct sw_http_msg *req;      /* ref, dir 1: the request this response answers (or NULL) */
    struct sw_http_msg *last;     /* ref, dir 1: the last response, until the next start line */
    struct sw_http_msg *last_req; /* ref: its request */
    struct sw_http_rx b;          /* the body being read (primary reading) */
    struct sw_http_alt sh;        /* the other readings of what follows the last message */
};

struct sw_http {
    struct sw_http_cfg cfg;
    struct sw_http_cb cb;
    void *ctx;
    struct sw_http_stats own;
    struct sw_http_stats *st; /* &own or cfg.stats */
    struct sw_http_mem mem;   /* allocations, counted in *st */
    struct sw_http_limits lim;
    struct hdir d[2];
    struct sw_http_queue q; /* requests waiting for a response */
    uint64_t next_tx;       /* transactions numbered so far */
    size_t size;            /* bytes of this struct and, with cfg.headers, its field tables */
};

static void dir_stop(struct sw_http *h, int dir, bool fin);

/* --- messages, anomalies, delivery ---------------------------------------------------------- */

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

/* --- other readings ------------------------------------------------------------------------- */

/* Bytes where the first response was due: more than one line of them (or a hole after them)
 * is what is left of the response to the first request waiting, picked up after its start
 * (or an HTTP/0.9 one), not a junk line before its status line: that request is answered,
 * so that the next status line pairs with the next request. */
static void
junk_answers(struct sw_http *h, int dir, uint64_t end, bool hole)
{
    struct sw_http_alt *sh = &h->d[dir].sh;
    size_t len;

    if (!sh->on || !sh->http09)
        return;
    len = sw_http_alt_region(sh, end);
    if (hole || (len > 1 && memchr(sh->buf.p, '\n', len - 1) != NULL)) {
        sw_http_msg_unref(&h->mem, sw_http_queue_pop(&h->q));
        sh->http09 = false;
    }
}

/* The alt of dir ends at position end (UINT64_MAX: where its bytes end); complete: nothing
 * of it is missing (the next message started, or a FIN came). Its region is read. */
static void
alt_end(struct sw_http *h, int dir, uint64_t end, bool complete)
{
    sw_http_alt_end(&h->d[dir].sh, &h->mem, dir, end, complete, &h->lim, &h->cb, h->ctx);
}

/* Open the alt of dir for the bytes after the current step (the caller may set another
 * start), after message m of request rq. */
static void
alt_open(struct sw_http *h, int dir, struct sw_http_msg *m, struct sw_http_msg *rq,
         uint32_t anomalies)
{
    struct hdir *hd = &h->d[dir];

    if (hd->sh.on)
        alt_end(h, dir, hd->line_pos, true);
    sw_http_alt_open(&hd->sh, SW_HTTP_ALT_PENDING, h->cfg.max_body, m, rq, anomalies);
}

/* --- primary body --------------------------------------------------------------------------- */

/* Report an anomaly of the body in progress, once per body. */
static void
body_report(struct sw_http *h, int dir, enum sw_http_anomaly a)
{
    struct sw_http_rx *b = &h->d[dir].b;

    if (b->reported & (1u << a))
        return;
    b->reported |= 1u << a;
    report(h, dir, a);
}

/* Deliver the body in progress (if any bytes came), decoded, then what its decoding left. */
static void
body_finish(struct sw_http *h, int dir, bool incomplete)
{
    struct hdir *hd = &h->d[dir];
    struct sw_http_rx *b = &hd->b;
    const struct sw_http_msg *m = hd->msg;
    struct sw_http_decoded res;
    struct sw_http_view vw;
    enum sw_http_anomaly failed_an;

    if (!b->active)
        return;
    if (incomplete && b->raw_n > 0)
        sw_http_rx_cut(&h->mem, b);
    if (b->raw_n == 0 && !b->gaps)
        goto out;
    memset(&res, 0, sizeof(res));
    res.data = b->raw.p;
    res.len = b->raw.len;
    if (m != NULL && m->n_coding > 0 && b->raw.len > 0)
        sw_http_rx_decode(&h->mem, b, m->coding, m->n_coding, &h->lim, &res);
    failed_an = res.failed == SW_HTTP_CODING_BR ? SW_HTTP_AN_BROTLI_FAILED : SW_HTTP_AN_GZIP_FAILED;
    if (res.failed != 0) {
        h->st->decode_errors++;
        body_report(h, dir, failed_an);
    }
    if (res.bomb) {
        h->st->bomb_cut++;
        sw_http_rx_cut(&h->mem, b);
        body_report(h, dir, SW_HTTP_AN_COMPRESSION_BOMB);
    }
    if (res.nomem)
        sw_http_rx_cut(&h->mem, b);
    if (res.gzip_header)
        body_report(h, dir, SW_HTTP_AN_GZIP_HEADER);
    if (res.gzip_trailer && !b->truncated)
        body_report(h, dir, SW_HTTP_AN_GZIP_TRAILER);
    memset(&vw, 0, sizeof(vw));
    vw.dir = dir;
    vw.rq = dir == 0 ? m : hd->req;
    vw.m = m;
    vw.raw_len = b->raw_n;
    vw.truncated = b->truncated;
    vw.gaps = b->gaps;
    vw.failed = res.failed;
    vw.reading = vw.anomaly = "";
    sw_http_msg_deliver(&h->cb, h->ctx, h->st, &vw, res.data, res.len);
    sw_http_alt_seen(&hd->sh, m, res.data, res.len);
    if (res.partial.len > 0) {
        /* what the failing decoder produced: what a browser rendered before the error */
        vw.reading = "partial_decode";
        vw.anomaly = sw_http_anomaly_name(failed_an, dir);
        vw.truncated = true;
        vw.failed = 0;
        sw_http_msg_deliver(&h->cb, h->ctx, h->st, &vw, res.partial.p, res.partial.len);
    }
    sw_http_decoded_fini(&h->mem, &res);
out:
    sw_http_rx_done(&h->mem, b);
}

/* --- message boundaries -------------------------------------------------------------------- */

static void
last_release(struct sw_http *h, struct hdir *hd)
{
    sw_http_msg_unref(&h->mem, hd->last);
    sw_http_msg_unref(&h->mem, hd->last_req);
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
        sw_http_msg_unref(&h->mem, hd->msg);
        sw_http_msg_unref(&h->mem, hd->req);
    }
    hd->msg = hd->req = NULL;
    hd->st = ST_START;
    hb_reset(hd);
}

/* Stop parsing dir for good; a body in progress is delivered as truncated unless it lasts
 * until close and its sender closed with a FIN; what its alt holds is read. */
static void
dir_stop(struct sw_http *h, int dir, bool fin)
{
    struct hdir *hd = &h->d[dir];

    if (hd->st == ST_DEAD)
        return;
    body_finish(h, dir, !(fin && hd->st == ST_BODY_CLOSE));
    alt_end(h, dir, UINT64_MAX, fin);
    sw_http_msg_unref(&h->mem, hd->msg);
    sw_http_msg_unref(&h->mem, hd->req);
    hd->msg = hd->req = NULL;
    last_release(h, hd);
    hd->st = ST_DEAD;
    sw_http_buf_fini(&h->mem, &hd->b.raw);
    sw_http_alt_fini(&hd->sh, &h->mem);
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

/* The blank line after the headers: decide the framing and start the body. */
static void
headers_done(struct sw_http *h, int dir)
{
    struct hdir *hd = &h->d[dir];
    struct sw_http_head *hh = &hd->head;
    struct sw_http_msg *m;
    bool has_body, framing, ambiguous;

    sw_http_head_end(hh, hd->hb);
    h->st->messages++;
    hd->seen_msg = true;
    report_mask(h, dir, hh->anomalies);
    m = sw_http_msg_create(&h->mem, hh, hd->hb, dir, h->cfg.headers);
    if (m == NULL) {
        dir_stop(h, dir, false);
        return;
    }
    hd->msg = m;
    framing = hh->te || hh->cl_header;
    ambiguous = (hh->anomalies & SW_HTTP_AN_AMBIGUOUS) != 0;
    if (dir == 0) {
        sw_http_queue_push(&h->q, m, h->st);
        sw_http_msg_announce(&h->cb, h->ctx, &h->next_tx, m, NULL);
        has_body = hh->chunked || (hh->cl_valid && hh->cl > 0);
    } else {
        unsigned s = hh->status;
        bool interim = s >= 100 && s < 200 && s != 101;

        if (interim) {
            /* the final response follows; browsers ignore a body an interim one claims */
            if (ambiguous || framing)
                alt_open(h, dir, m, h->q.head, hh->anomalies);
            msg_done(h, dir);
            return;
        }
        hd->req = sw_http_queue_pop(&h->q);
        if (hd->req == NULL)
            h->st->unpaired++;
        sw_http_msg_announce(&h->cb, h->ctx, &h->next_tx, hd->req, m);
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
        alt_open(h, dir, m, dir == 0 ? NULL : hd->req, hh->anomalies);
    if (!has_body || (!hh->chunked && hh->cl_valid && hh->cl == 0) ||
        (dir == 0 && !hh->chunked && !hh->cl_valid)) {
        msg_done(h, dir);
        return;
    }
    sw_http_rx_begin(&hd->b, h->cfg.max_body);
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
collect_line(struct sw_http *h, int dir, const uint8_t *p, size_t n, uint32_t cap_max, bool *got,
             bool *limit)
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
    struct sw_http_alt *sh = &hd->sh;
    uint32_t n = hd->hb_len - hd->line_off;
    enum sw_http_anomaly a;

    if (dir == 0 || (!hd->seen_msg && h->q.head == NULL && !sh->on)) {
        dir_error(h, dir);
        return;
    }
    if (!sh->on) {
        sw_http_alt_open(sh, hd->line_pos, h->cfg.max_body, hd->last,
                         hd->last != NULL ? hd->last_req : h->q.head, 0);
        sh->http09 = !hd->seen_msg;
        sw_http_alt_feed(sh, &h->mem, hd->line_pos, hd->hb + hd->line_off, n);
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
            if (hd->st == ST_START && !sw_http_hdr_start_like(dir, s, avail, true))
                not_start(h, dir, avail);
            return k;
        }
        hd->lfcr = term == SW_HTTP_TERM_LFCR;
        /* libhtp: after LF CR, "CR LF CR LF" is one blank line, not two (dir_feed drops a
         * CR LF that starts the body) */
        hd->crlf_skip = r == SW_HTTP_EOL_BLANK && lfcr && used == 2 && s[0] == '\r' ? 2 : 0;
        if (hd->st == ST_START) {
            if (r != SW_HTTP_EOL_LINE || sw_http_hdr_blank(s, content)) {
                line_drop(hd, used); /* blank lines before a start line */
                continue;
            }
            sw_http_head_init(&hd->head, dir, hd->fields);
            hd->lfcr = term == SW_HTTP_TERM_LFCR;
            if (!sw_http_head_start(&hd->head, hd->hb, hd->line_off, (uint32_t)content)) {
                not_start(h, dir, used);
                return k;
            }
            /* a start line: what came since the last message ends here */
            junk_answers(h, dir, hd->line_pos, false);
            alt_end(h, dir, hd->line_pos, true);
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

    sw_http_rx_data(&h->mem, &hd->b, p, k);
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

    sw_http_rx_data(&h->mem, &hd->b, hd->hb, hd->hb_len);
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
    uint32_t line_max =
        RESYNC_LINE_MAX < h->cfg.max_header_bytes ? RESYNC_LINE_MAX : h->cfg.max_header_bytes;
    uint64_t limit = h->cfg.max_resync;
    const uint8_t *s;
    size_t len;
    bool start;

    /* bytes read as a body (an alt) are followed as far as a body goes */
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
    start = sw_http_hdr_start_like(dir, s, len, false);
    if (!start) {
        hd->hb_len = 0;
        return k;
    }
    /* a start line: parsed afresh (its line end may be a lone CR inside it) */
    h->st->resyncs++;
    junk_answers(h, dir, hd->line_pos, false);
    alt_end(h, dir, hd->line_pos, true);
    hd->st = ST_START;
    return k;
}

/* The CR LF that libhtp takes as part of the blank line after LF CR lines: true when byte c
 * is body after all (a CR held back is handed to the body first). */
static bool
crlf_skip(struct sw_http *h, int dir, uint8_t c)
{
    struct hdir *hd = &h->d[dir];

    if (hd->st != ST_BODY_LEN && hd->st != ST_BODY_CLOSE) {
        hd->crlf_skip = 0;
        return true;
    }
    if (c == (hd->crlf_skip == 2 ? '\r' : '\n')) {
        hd->crlf_skip--;
        return false;
    }
    if (hd->crlf_skip == 1) {
        if (hd->st == ST_BODY_LEN)
            (void)st_body_len(h, dir, (const uint8_t *)"\r", 1);
        else
            sw_http_rx_data(&h->mem, &hd->b, (const uint8_t *)"\r", 1);
    }
    hd->crlf_skip = 0;
    return true;
}

/* One state step over p[0, n): the bytes consumed. */
static size_t
step(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];

    if (hd->crlf_skip > 0 && !crlf_skip(h, dir, p[0]))
        return 1; /* dropped */
    switch (hd->st) {
    case ST_START:
    case ST_HEADERS:
        return st_head(h, dir, p, n);
    case ST_BODY_LEN:
    case ST_CHUNK_DATA:
        return st_body_len(h, dir, p, n);
    case ST_CHUNK_SIZE:
    case ST_CHUNK_END:
        return st_chunk_line(h, dir, p, n);
    case ST_TRAILERS:
        return st_trailers(h, dir, p, n);
    case ST_BODY_CLOSE:
        sw_http_rx_data(&h->mem, &hd->b, p, n);
        return n;
    case ST_RESYNC:
        return st_resync(h, dir, p, n);
    case ST_DEAD:
        break;
    }
    return n;
}

static void
dir_feed(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];

    while (n > 0 && hd->st != ST_DEAD) {
        size_t k = step(h, dir, p, n);

        sw_http_alt_feed(&hd->sh, &h->mem, hd->pos, p, k);
        hd->pos += k;
        p += k;
        n -= k;
    }
}

/* --- API ---------------------------------------------------------------------------------- */

void
sw_http_cfg_defaults(struct sw_http_cfg *cfg)
{
    *cfg = (struct sw_http_cfg){.max_pipeline = 32, .max_header_bytes = 64u * 1024,
                                .max_body = 16u << 20, .max_decompressed = 16u << 20,
                                .max_ratio = 1000, .max_resync = 1u << 20};
}

/* x, or its default d when 0 */
#define OR_DEFAULT(x, d) ((x) = (x) != 0 ? (x) : (d))

struct sw_http *
sw_http_create(const struct sw_http_cfg *cfg, const struct sw_http_cb *cb, void *ctx,
               struct sw_err *err)
{
    struct sw_http_cfg c, def;
    struct sw_http *h;
    size_t size = sizeof(*h);

    sw_http_cfg_defaults(&def);
    c = cfg != NULL ? *cfg : def;
    OR_DEFAULT(c.max_pipeline, def.max_pipeline);
    OR_DEFAULT(c.max_header_bytes, def.max_header_bytes);
    OR_DEFAULT(c.max_body, def.max_body);
    OR_DEFAULT(c.max_decompressed, def.max_decompressed);
    OR_DEFAULT(c.max_ratio, def.max_ratio);
    OR_DEFAULT(c.max_resync, def.max_resync);
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
    if (c.headers) /* the two directions' field tables follow the struct */
        size += 2 * SW_HTTP_MAX_FIELDS * sizeof(struct sw_http_field);
    h = sw_calloc(1, size);
    if (h == NULL) {
        if (c.stats != NULL)
            c.stats->nomem++;
        sw_err_set(err, SW_ENOMEM, "http: out of memory");
        return NULL;
    }
    for (int d = 0; c.headers && d < 2; d++)
        h->d[d].fields = (struct sw_http_field *)(void *)(h + 1) + d * SW_HTTP_MAX_FIELDS;
    h->size = size;
    h->cfg = c;
    if (cb != NULL)
        h->cb = *cb;
    h->ctx = ctx;
    h->st = c.stats != NULL ? c.stats : &h->own;
    h->st->memuse += size;
    h->mem.st = h->st;
    h->q.max = c.max_pipeline;
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
        sw_http_alt_fini(&hd->sh, &h->mem);
        sw_http_mem_free(&h->mem, hd->hb, hd->hb_cap);
        sw_http_msg_unref(&h->mem, hd->msg);
        sw_http_msg_unref(&h->mem, hd->req);
        last_release(h, hd);
    }
    sw_http_queue_fini(&h->q, &h->mem);
    st = h->st;
    st->memuse -= h->size;
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
        junk_answers(h, dir, UINT64_MAX, true);
        hd->sh.gaps = true;
        alt_end(h, dir, UINT64_MAX, false);
    }
    hd->pos += len;
    switch (hd->st) {
    case ST_BODY_LEN:
    case ST_CHUNK_DATA:
        sw_http_rx_gap(&hd->b);
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
        sw_http_rx_gap(&hd->b);
        return;
    case ST_RESYNC:
        /* the line in progress is broken; the next bytes are examined afresh (only a
         * whole start line matches) */
        hd->line_skip = false;
        hd->hb_len = 0;
        return;
    default:
        if (hd->b.active)
            sw_http_rx_gap(&hd->b);
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
