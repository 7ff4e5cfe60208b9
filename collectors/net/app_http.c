/* app_http.c - HTTP/1.x message parser for reassembled streams (see include/sw/app_http.h).
 *
 * Each direction is a state machine fed bytes as they come. A header block is collected in
 * a per-direction buffer (bounded by max_header_bytes) and parsed line by line as each line
 * completes; the values kept are offsets into that buffer until the blank line, when they are
 * copied into one allocation per message (struct http_msg). Body bytes never wait in a
 * header buffer: they go straight to the body sink (raw copy or zlib inflate) whose output
 * buffer grows as bytes arrive, up to its cap.
 *
 * Requests are reference counted: the request queue holds one reference, and the request
 * direction holds another while it reads the request's body, since a server may answer (and
 * pop the request) before that body ended.
 *
 * Owner: the worker thread that owns the flow; nothing here locks. */
#include "sw/app_http.h"

#include <limits.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include "sw/alloc.h"

#define HB_MIN 512u              /* first header buffer size */
#define BODY_MIN 4096u           /* first body buffer size */
#define BODY_KEEP (64u * 1024)   /* a body buffer up to this size is kept for the next body */
#define CHUNK_LINE_MAX 4096u     /* chunk size line with extensions */
#define RESYNC_LINE_MAX 8192u    /* longest line examined for a start line after a gap */
#define METHOD_MAX 24u
#define RATIO_FREE (1u << 20)    /* decoded bytes allowed before max_ratio applies */
#define Z_STEP (256u * 1024)   /* most output bytes per inflate call */
#define ZHDR 16u                 /* size prefix of zlib allocations (keeps 16-byte alignment) */

enum hstate {
    ST_START,       /* between messages: skipping empty lines, or in the start line */
    ST_HEADERS,     /* after the start line, until the blank line */
    ST_BODY_LEN,    /* Content-Length body: remain bytes left */
    ST_CHUNK_SIZE,  /* reading a chunk size line */
    ST_CHUNK_DATA,  /* remain bytes of chunk data left */
    ST_CHUNK_END,   /* the CRLF after chunk data */
    ST_TRAILERS,    /* trailer lines until the blank line */
    ST_BODY_CLOSE,  /* response body until the connection ends */
    ST_RESYNC,      /* after a gap: looking for a start line at a line start */
    ST_DEAD,        /* this direction is ignored */
};

enum hdr_id { H_HOST, H_UA, H_CTYPE, H_CLEN, H_TENC, H_CENC, H_CDISP, H_COUNT };

static const char *const hdr_names[H_COUNT] = {
    "host", "user-agent", "content-type", "content-length", "transfer-encoding",
    "content-encoding", "content-disposition",
};

enum enc { ENC_NONE, ENC_GZIP, ENC_DEFLATE, ENC_OTHER };
enum zst { Z_IDLE, Z_RUN, Z_FIN, Z_STOP }; /* not started, inflating, stream end, gave up */

/* One parsed message. A request is shared by the queue and its direction (refs); a
 * response belongs to its direction. Strings point into the same allocation. */
struct http_msg {
    struct http_msg *next;   /* request queue */
    size_t size;             /* bytes allocated (memuse) */
    unsigned refs;
    uint32_t dropped_after;  /* requests not queued right after this one */
    unsigned status;
    bool head, connect;
    char *method, *uri, *host, *ua, *ctype, *cenc, *fname, *uname;
};

/* A value found in the header block: offset and length in hb (len 0: absent). */
struct span {
    uint32_t off, len;
};

struct body {
    uint8_t *buf;        /* owned: decoded bytes [0, len), cap allocated */
    size_t len, cap, limit;
    uint64_t raw;        /* body bytes accepted (<= max_body) */
    bool active, truncated, gaps, decode_error;
    bool full;           /* raw copy stopped (cap or no memory): nothing more is appended */
    enum enc enc;
    enum zst zs;
    z_stream z;
    uint8_t zpend[2];    /* deflate: first bytes, until the wrapper is known */
    unsigned zpend_n;
};

struct hdir {
    enum hstate st;
    bool seen_msg;             /* a message was parsed (not_http vs parse_errors) */
    bool line_skip;            /* resync: inside a line too long to examine */
    uint8_t *hb;               /* owned: header block or current line */
    uint32_t hb_len, hb_cap;
    uint32_t line_off;         /* start of the line being collected */
    uint32_t block_bytes;      /* bytes of the current header block / trailers */
    uint64_t remain;           /* body or chunk bytes left */
    uint64_t resync_bytes;
    /* current header block */
    struct span method, uri, hdr[H_COUNT];
    unsigned status;
    bool clen_bad, te_chunked, te_other;
    uint64_t clen;
    bool clen_seen;
    struct http_msg *msg;      /* ref: the message whose body is read (request or response) */
    struct http_msg *req;      /* ref, dir 1: the request this response answers (or NULL) */
    struct body b;
};

struct sw_http {
    struct sw_http_cfg cfg;
    struct sw_http_cb cb;
    void *ctx;
    struct sw_http_stats own;
    struct sw_http_stats *st;  /* &own or cfg.stats */
    struct hdir d[2];
    struct http_msg *qhead, *qtail; /* owned refs: requests waiting for a response */
    uint32_t qlen;
    uint32_t phantoms;         /* responses to deliver unpaired before the next pop */
    bool nomem;                /* an allocation failed during the current call */
};

/* --- memory ------------------------------------------------------------------------------- */

static void *
h_alloc(struct sw_http *h, size_t n)
{
    void *p = sw_malloc(n);

    if (p == NULL) {
        h->st->nomem++;
        h->nomem = true;
        return NULL;
    }
    h->st->memuse += n;
    return p;
}

static void
h_free(struct sw_http *h, void *p, size_t n)
{
    if (p == NULL)
        return;
    h->st->memuse -= n;
    sw_free(p);
}

static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
    struct sw_http *h = opaque;
    size_t n;
    uint8_t *p;

    if (__builtin_mul_overflow((size_t)items, (size_t)size, &n) ||
        __builtin_add_overflow(n, (size_t)ZHDR, &n))
        return Z_NULL;
    p = h_alloc(h, n);
    if (p == NULL)
        return Z_NULL;
    memcpy(p, &n, sizeof(n));
    return p + ZHDR;
}

static void
z_free(voidpf opaque, voidpf addr)
{
    uint8_t *p = addr;
    size_t n;

    if (p == NULL)
        return;
    p -= ZHDR;
    memcpy(&n, p, sizeof(n));
    h_free(opaque, p, n);
}

static void
msg_unref(struct sw_http *h, struct http_msg *m)
{
    if (m == NULL || --m->refs > 0)
        return;
    h_free(h, m, m->size);
}

/* --- small string helpers ----------------------------------------------------------------- */

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool
ieq(const uint8_t *s, size_t n, const char *lit)
{
    size_t i;

    for (i = 0; i < n && lit[i] != '\0'; i++) {
        if (lower(s[i]) != lit[i])
            return false;
    }
    return i == n && lit[i] == '\0';
}

static bool
ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static int
hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool
method_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

/* Copy s[0, n) to out, NUL-terminated (out has n + 1 bytes); optionally percent-decode;
 * stops at a NUL. Returns out. */
static char *
put_str(char *out, const uint8_t *s, size_t n, bool pct)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        uint8_t c = s[i];

        if (pct && c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (uint8_t)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        if (c == '\0')
            break;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

/* Remove any directory part of a NUL-terminated file name, in place. */
static void
strip_dirs(char *s)
{
    char *last = s;

    for (char *p = s; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\')
            last = p + 1;
    }
    if (last != s)
        memmove(s, last, strlen(last) + 1);
}

/* Content-Disposition: find filename*= (preferred, RFC 8187 charset'lang'value) or
 * filename= (token or quoted string) in v[0, n). Writes the name to out (n + 1 bytes). */
static void
disposition_name(const uint8_t *v, size_t n, char *out)
{
    size_t i = 0;
    bool have = false;

    out[0] = '\0';
    while (i < n) {
        size_t ns, ne, vs, ve;
        bool star;

        while (i < n && v[i] != ';')
            i++;
        if (i >= n)
            break;
        i++;
        while (i < n && ows(v[i]))
            i++;
        ns = i;
        while (i < n && v[i] != '=' && v[i] != ';' && !ows(v[i]))
            i++;
        ne = i;
        while (i < n && ows(v[i]))
            i++;
        if (i >= n || v[i] != '=')
            continue;
        i++;
        while (i < n && ows(v[i]))
            i++;
        star = ieq(v + ns, ne - ns, "filename*");
        if (!star && !ieq(v + ns, ne - ns, "filename"))
            continue;
        if (i < n && v[i] == '"') {
            size_t o = 0;

            for (i++; i < n && v[i] != '"'; i++) {
                if (v[i] == '\\' && i + 1 < n)
                    i++;
                if (v[i] == '\0')
                    break;
                if (!have && !star)
                    out[o++] = (char)v[i];
            }
            if (!have && !star) {
                out[o] = '\0';
                have = out[0] != '\0';
            }
            continue;
        }
        vs = i;
        while (i < n && v[i] != ';')
            i++;
        ve = i;
        while (ve > vs && ows(v[ve - 1]))
            ve--;
        if (star) {
            /* charset'language'value: keep the value */
            size_t q = vs, quotes = 0;

            while (q < ve && quotes < 2) {
                if (v[q++] == '\'')
                    quotes++;
            }
            if (quotes == 2) {
                put_str(out, v + q, ve - q, true);
                if (out[0] != '\0')
                    return; /* filename* wins */
            }
        } else if (!have) {
            put_str(out, v + vs, ve - vs, false);
            have = out[0] != '\0';
        }
    }
}

/* The last path segment of a request target, without query or fragment, percent-decoded. */
static void
uri_name(const uint8_t *u, size_t n, char *out)
{
    size_t i = 0, start, end;

    /* absolute-form: skip scheme://authority */
    while (i < n && ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') ||
                     (u[i] >= '0' && u[i] <= '9') || u[i] == '+' || u[i] == '-' || u[i] == '.'))
        i++;
    if (i > 0 && n - i >= 3 && memcmp(u + i, "://", 3) == 0) {
        i += 3;
        while (i < n && u[i] != '/' && u[i] != '?' && u[i] != '#')
            i++;
    } else {
        i = 0;
    }
    start = i;
    for (end = i; end < n && u[end] != '?' && u[end] != '#'; end++) {
        if (u[end] == '/')
            start = end + 1;
    }
    put_str(out, u + start, end - start, true);
    strip_dirs(out);
}

/* --- body sink ---------------------------------------------------------------------------- */

static void
body_cut(struct sw_http *h, struct body *b)
{
    if (!b->truncated)
        h->st->truncated++;
    b->truncated = true;
}

static void
z_stop(struct sw_http *h, struct body *b, enum zst to)
{
    (void)h;
    if (b->zs == Z_RUN)
        inflateEnd(&b->z);
    b->zs = to;
}

/* Make room for at least one more byte. false: at the limit or out of memory. */
static bool
body_grow(struct sw_http *h, struct body *b)
{
    size_t ncap;
    uint8_t *nb;

    if (b->cap >= b->limit)
        return false;
    ncap = b->cap < BODY_MIN ? BODY_MIN : b->cap * 2;
    if (ncap > b->limit)
        ncap = b->limit;
    nb = h_alloc(h, ncap);
    if (nb == NULL)
        return false;
    if (b->len > 0)
        memcpy(nb, b->buf, b->len);
    h_free(h, b->buf, b->cap);
    b->buf = nb;
    b->cap = ncap;
    return true;
}

static void
body_append(struct sw_http *h, struct body *b, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t k;

        if (b->len == b->cap && !body_grow(h, b)) {
            body_cut(h, b);
            b->full = true;
            return;
        }
        k = b->cap - b->len;
        if (k > n)
            k = n;
        memcpy(b->buf + b->len, p, k);
        b->len += k;
        p += k;
        n -= k;
    }
}

static void
bomb(struct sw_http *h, struct body *b)
{
    h->st->bomb_cut++;
    body_cut(h, b);
    z_stop(h, b, Z_STOP);
}

static void
z_fail(struct sw_http *h, struct body *b)
{
    if (!b->decode_error)
        h->st->decode_errors++;
    b->decode_error = true;
    z_stop(h, b, Z_STOP);
}

/* Inflate in[0, n) into the body buffer, with the output caps. */
static void
z_run(struct sw_http *h, struct body *b, const uint8_t *in, size_t n)
{
    while (n > 0 && b->zs == Z_RUN) {
        uInt piece = n > (1u << 30) ? (1u << 30) : (uInt)n;

        b->z.next_in = in;
        b->z.avail_in = piece;
        for (;;) {
            uint8_t scratch;
            uInt room;
            int rc;

            if (b->len == b->cap && b->cap >= b->limit) {
                /* at the cap: is there more output? */
                b->z.next_out = &scratch;
                b->z.avail_out = 1;
                rc = inflate(&b->z, Z_NO_FLUSH);
                if (b->z.avail_out == 0) {
                    bomb(h, b);
                    return;
                }
            } else {
                if (b->len == b->cap && !body_grow(h, b)) {
                    body_cut(h, b);
                    z_stop(h, b, Z_STOP);
                    return;
                }
                /* at most Z_STEP per call, so the ratio is checked often */
                room = b->cap - b->len > Z_STEP ? Z_STEP : (uInt)(b->cap - b->len);
                b->z.next_out = b->buf + b->len;
                b->z.avail_out = room;
                rc = inflate(&b->z, Z_NO_FLUSH);
                b->len += room - b->z.avail_out;
                if (b->len > RATIO_FREE &&
                    b->len / (b->z.total_in > 0 ? b->z.total_in : 1) > h->cfg.max_ratio) {
                    bomb(h, b);
                    return;
                }
            }
            if (rc == Z_STREAM_END) {
                z_stop(h, b, Z_FIN); /* bytes after the end are ignored */
                return;
            }
            if (rc == Z_BUF_ERROR)
                break; /* no progress possible: needs input */
            if (rc != Z_OK) {
                if (rc == Z_MEM_ERROR)
                    h->nomem = true;
                z_fail(h, b);
                return;
            }
            if (b->z.avail_in == 0 && b->z.avail_out > 0)
                break;
        }
        in += piece - b->z.avail_in;
        n -= piece - b->z.avail_in;
        if (b->z.avail_in == piece)
            break; /* cannot happen with Z_BUF_ERROR and input; avoid spinning */
    }
}

static void
body_decode(struct sw_http *h, struct body *b, const uint8_t *p, size_t n)
{
    int wbits = 15 + 16;

    if (b->zs == Z_FIN || b->zs == Z_STOP)
        return;
    if (b->zs == Z_IDLE) {
        if (b->enc == ENC_DEFLATE) {
            while (b->zpend_n < 2 && n > 0) {
                b->zpend[b->zpend_n++] = *p++;
                n--;
            }
            if (b->zpend_n < 2)
                return;
            /* RFC 1950 header: CM 8, CINFO <= 7, FCHECK; else raw deflate (RFC 1951) */
            wbits = ((b->zpend[0] & 0x0f) == 8 && (b->zpend[0] >> 4) <= 7 &&
                     ((b->zpend[0] << 8) | b->zpend[1]) % 31 == 0)
                        ? 15
                        : -15;
        }
        memset(&b->z, 0, sizeof(b->z));
        b->z.zalloc = z_alloc;
        b->z.zfree = z_free;
        b->z.opaque = h;
        if (inflateInit2(&b->z, wbits) != Z_OK) {
            b->zs = Z_STOP;
            if (!b->decode_error)
                h->st->decode_errors++;
            b->decode_error = true;
            return;
        }
        b->zs = Z_RUN;
        if (b->enc == ENC_DEFLATE)
            z_run(h, b, b->zpend, 2);
    }
    z_run(h, b, p, n);
}

/* Body bytes as transferred. */
static void
body_data(struct sw_http *h, struct body *b, const uint8_t *p, size_t n)
{
    uint64_t room;

    if (n == 0)
        return;
    room = h->cfg.max_body - b->raw;
    if (n > room) {
        n = (size_t)room;
        body_cut(h, b);
    }
    b->raw += n;
    if (b->enc == ENC_GZIP || b->enc == ENC_DEFLATE)
        body_decode(h, b, p, n);
    else if (!b->full)
        body_append(h, b, p, n);
}

static void
body_begin(struct sw_http *h, struct hdir *hd, enum enc enc)
{
    struct body *b = &hd->b;

    b->active = true;
    b->len = 0;
    b->raw = 0;
    b->truncated = b->gaps = b->decode_error = b->full = false;
    b->enc = enc;
    b->zs = Z_IDLE;
    b->zpend_n = 0;
    b->limit = (enc == ENC_GZIP || enc == ENC_DEFLATE) ? h->cfg.max_decompressed
                                                       : h->cfg.max_body;
}

/* A gap inside the body: decoding cannot go on past it. */
static void
body_gap(struct sw_http *h, struct body *b)
{
    b->gaps = true;
    if (b->enc == ENC_GZIP || b->enc == ENC_DEFLATE)
        z_stop(h, b, Z_STOP);
}

/* Deliver the body in progress (if any bytes came) and release the message. */
static void
body_finish(struct sw_http *h, int dir, bool incomplete)
{
    struct hdir *hd = &h->d[dir];
    struct body *b = &hd->b;
    const struct http_msg *rq = dir == 0 ? hd->msg : hd->req;
    const struct http_msg *m = hd->msg;
    struct sw_http_body v;

    if (!b->active)
        return;
    if (incomplete && b->raw > 0)
        body_cut(h, b);
    if (b->enc == ENC_GZIP || b->enc == ENC_DEFLATE) {
        bool ended = b->zs == Z_FIN || (b->zs == Z_STOP && (b->truncated || b->gaps)) ||
                     b->raw == 0;

        if (!ended && !b->truncated && !b->gaps) {
            if (!b->decode_error)
                h->st->decode_errors++;
            b->decode_error = true;
        }
        z_stop(h, b, Z_STOP);
    }
    if (b->raw > 0 || b->gaps) {
        memset(&v, 0, sizeof(v));
        v.dir = dir;
        v.method = rq != NULL ? rq->method : "";
        v.uri = rq != NULL ? rq->uri : "";
        v.host = rq != NULL ? rq->host : "";
        v.user_agent = rq != NULL ? rq->ua : "";
        v.req_content_type = rq != NULL ? rq->ctype : "";
        v.status = dir == 1 && m != NULL ? m->status : 0;
        v.resp_content_type = dir == 1 && m != NULL ? m->ctype : "";
        v.content_encoding = m != NULL ? m->cenc : "";
        v.filename = m != NULL && m->fname[0] != '\0' ? m->fname
                     : rq != NULL                      ? rq->uname
                                                       : "";
        v.data = b->len > 0 ? b->buf : (const uint8_t *)"";
        v.len = b->len;
        v.raw_len = b->raw;
        v.truncated = b->truncated;
        v.gaps = b->gaps;
        v.decode_error = b->decode_error;
        h->st->bodies++;
        if (h->cb.on_body != NULL)
            h->cb.on_body(h->ctx, &v);
    }
    b->active = false;
    b->len = 0;
    if (b->cap > BODY_KEEP) {
        h_free(h, b->buf, b->cap);
        b->buf = NULL;
        b->cap = 0;
    }
}

/* The message of direction dir is over (body delivered or none): release it. */
static void
msg_done(struct sw_http *h, int dir)
{
    struct hdir *hd = &h->d[dir];

    body_finish(h, dir, false);
    msg_unref(h, hd->msg);
    msg_unref(h, hd->req);
    hd->msg = hd->req = NULL;
    hd->st = ST_START;
    hd->hb_len = hd->line_off = hd->block_bytes = 0;
}

/* Stop parsing dir for good; a body in progress is delivered as truncated. */
static void
dir_stop(struct sw_http *h, int dir)
{
    struct hdir *hd = &h->d[dir];

    if (hd->st == ST_DEAD)
        return;
    body_finish(h, dir, true);
    msg_unref(h, hd->msg);
    msg_unref(h, hd->req);
    hd->msg = hd->req = NULL;
    hd->st = ST_DEAD;
    h_free(h, hd->b.buf, hd->b.cap);
    hd->b.buf = NULL;
    hd->b.cap = 0;
    h_free(h, hd->hb, hd->hb_cap);
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
    dir_stop(h, dir);
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
        nb = h_alloc(h, ncap);
        if (nb == NULL)
            return SW_ENOMEM;
        if (hd->hb_len > 0)
            memcpy(nb, hd->hb, hd->hb_len);
        h_free(h, hd->hb, hd->hb_cap);
        hd->hb = nb;
        hd->hb_cap = ncap;
    }
    memcpy(hd->hb + hd->hb_len, p, n);
    hd->hb_len += (uint32_t)n;
    return SW_OK;
}

static bool
is_version(const uint8_t *s, size_t n)
{
    return n == 8 && memcmp(s, "HTTP/1.", 7) == 0 && s[7] >= '0' && s[7] <= '9';
}

/* Parse a start line s[0, n) (no line end). Fills method/uri (offsets relative to base) or
 * status. */
static bool
start_line(struct hdir *hd, int dir, const uint8_t *s, size_t n, uint32_t base)
{
    size_t i = 0, ms, me, us, ue;

    if (dir == 1) {
        if (n < 12 || !is_version(s, 8) || s[8] != ' ')
            return false;
        for (i = 9; i < 12; i++) {
            if (s[i] < '0' || s[i] > '9')
                return false;
        }
        if (n > 12 && s[12] != ' ')
            return false;
        hd->status = (unsigned)((s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));
        return true;
    }
    ms = 0;
    while (i < n && method_char(s[i]))
        i++;
    me = i;
    if (me == ms || me - ms > METHOD_MAX || i >= n || s[i] != ' ')
        return false;
    us = ++i;
    while (i < n && s[i] > 0x20 && s[i] != 0x7f)
        i++;
    ue = i;
    if (ue == us || i >= n || s[i] != ' ' || !is_version(s + i + 1, n - i - 1))
        return false;
    hd->method = (struct span){base + (uint32_t)ms, (uint32_t)(me - ms)};
    hd->uri = (struct span){base + (uint32_t)us, (uint32_t)(ue - us)};
    return true;
}

/* Could s[0, n), an unfinished first line, still start a message of dir? */
static bool
start_prefix_ok(int dir, const uint8_t *s, size_t n)
{
    size_t i;

    if (dir == 1)
        return memcmp(s, "HTTP/1.", n < 7 ? n : 7) == 0;
    for (i = 0; i < n && method_char(s[i]); i++)
        ;
    if (i > METHOD_MAX)
        return false;
    return i == n || (s[i] == ' ' && i > 0);
}

static bool
parse_u64(const uint8_t *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;

    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || __builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
            return false;
    }
    *out = v;
    return true;
}

/* One header line s[0, n) at offset base of hb. */
static void
header_line(struct sw_http *h, struct hdir *hd, const uint8_t *s, size_t n, uint32_t base)
{
    size_t c, vs, ve;
    const uint8_t *colon = memchr(s, ':', n);

    if (n > 0 && ows(s[0]))
        return; /* obs-fold continuation: ignored */
    if (colon == NULL) {
        h->st->parse_errors++;
        return;
    }
    c = (size_t)(colon - s);
    vs = c + 1;
    ve = n;
    while (vs < ve && ows(s[vs]))
        vs++;
    while (ve > vs && ows(s[ve - 1]))
        ve--;
    while (c > 0 && ows(s[c - 1]))
        c--;
    for (int id = 0; id < H_COUNT; id++) {
        if (!ieq(s, c, hdr_names[id]))
            continue;
        if (id == H_CLEN) {
            uint64_t v = 0;

            if (!parse_u64(s + vs, ve - vs, &v) || (hd->clen_seen && v != hd->clen))
                hd->clen_bad = true;
            hd->clen = v;
            hd->clen_seen = true;
        } else if (id == H_TENC) {
            /* the last coding decides */
            size_t t = ve;

            while (t > vs && s[t - 1] != ',')
                t--;
            while (t < ve && ows(s[t]))
                t++;
            hd->te_chunked = ieq(s + t, ve - t, "chunked");
            hd->te_other = !hd->te_chunked;
        }
        hd->hdr[id] = (struct span){base + (uint32_t)vs, (uint32_t)(ve - vs)};
        return;
    }
}

static enum enc
encoding_of(const uint8_t *s, size_t n)
{
    if (n == 0 || ieq(s, n, "identity"))
        return ENC_NONE;
    if (ieq(s, n, "gzip") || ieq(s, n, "x-gzip"))
        return ENC_GZIP;
    if (ieq(s, n, "deflate"))
        return ENC_DEFLATE;
    return ENC_OTHER;
}

/* Copy the header block's values into one allocation. */
static struct http_msg *
msg_build(struct sw_http *h, struct hdir *hd, int dir)
{
    const struct span *sp[] = {&hd->method, &hd->uri, &hd->hdr[H_HOST], &hd->hdr[H_UA],
                               &hd->hdr[H_CTYPE], &hd->hdr[H_CENC], &hd->hdr[H_CDISP],
                               &hd->uri};
    size_t need = sizeof(struct http_msg), n;
    struct http_msg *m;
    char *p, **dst[8];

    if (dir == 1)
        hd->method = hd->uri = (struct span){0, 0};
    for (size_t i = 0; i < 8; i++)
        need += (size_t)sp[i]->len + 1; /* at most 8 * 64 KiB: no overflow */
    m = h_alloc(h, need);
    if (m == NULL)
        return NULL;
    memset(m, 0, sizeof(*m));
    m->size = need;
    m->refs = 1;
    m->status = dir == 1 ? hd->status : 0;
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
            disposition_name(s, n, p);
        else if (i == 7)
            uri_name(s, n, p);
        else
            put_str(p, s, n, false);
        if (i == 6)
            strip_dirs(p);
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
    struct http_msg *m;
    bool has_body;
    enum enc enc;

    h->st->messages++;
    hd->seen_msg = true;
    if (hd->clen_bad || (dir == 0 && hd->te_other)) {
        dir_error(h, dir);
        return;
    }
    m = msg_build(h, hd, dir);
    if (m == NULL) {
        dir_stop(h, dir);
        return;
    }
    enc = encoding_of(hd->hb + hd->hdr[H_CENC].off, hd->hdr[H_CENC].len);
    hd->msg = m;
    if (dir == 0) {
        queue_push(h, m);
        has_body = hd->te_chunked || hd->te_other || (hd->clen_seen && hd->clen > 0);
    } else {
        if (hd->status >= 100 && hd->status < 200 && hd->status != 101) {
            msg_done(h, dir); /* interim: the final response follows */
            return;
        }
        hd->req = queue_pop(h);
        if (hd->req == NULL)
            h->st->unpaired++;
        if (hd->status == 101 ||
            (hd->req != NULL && hd->req->connect && hd->status >= 200 && hd->status < 300)) {
            h->st->tunnels++;
            dir_stop(h, 0);
            dir_stop(h, 1);
            return;
        }
        has_body = !(hd->req != NULL && hd->req->head) && hd->status != 204 &&
                   hd->status != 304 && hd->status >= 200;
    }
    if (!has_body || (!hd->te_chunked && !hd->te_other && hd->clen_seen && hd->clen == 0)) {
        msg_done(h, dir);
        return;
    }
    body_begin(h, hd, enc);
    hd->hb_len = hd->line_off = hd->block_bytes = 0;
    if (hd->te_chunked) {
        hd->st = ST_CHUNK_SIZE;
    } else if (hd->te_other || !hd->clen_seen) {
        hd->st = ST_BODY_CLOSE;
    } else {
        hd->st = ST_BODY_LEN;
        hd->remain = hd->clen;
    }
}

static void
block_reset(struct hdir *hd)
{
    hd->hb_len = hd->line_off = hd->block_bytes = 0;
    hd->method = hd->uri = (struct span){0, 0};
    for (int i = 0; i < H_COUNT; i++)
        hd->hdr[i] = (struct span){0, 0};
    hd->status = 0;
    hd->clen = 0;
    hd->clen_seen = hd->clen_bad = hd->te_chunked = hd->te_other = false;
}

/* Collect one line into hb, at most cap_max bytes of block. Returns the bytes consumed and
 * sets *got when the line is complete (LF included in hb). -1: limit or no memory (the
 * direction is stopped). */
static long long
collect_line(struct sw_http *h, int dir, const uint8_t *p, size_t n, uint32_t cap_max,
             bool *got)
{
    struct hdir *hd = &h->d[dir];
    const uint8_t *lf = memchr(p, '\n', n);
    size_t k = lf != NULL ? (size_t)(lf - p) + 1 : n;
    enum sw_rc rc;

    *got = false;
    rc = hb_append(h, hd, p, k, cap_max);
    if (rc != SW_OK) {
        if (rc == SW_ELIMIT) {
            h->st->header_limit++;
            dir_stop(h, dir);
        } else {
            dir_stop(h, dir);
        }
        return -1;
    }
    *got = lf != NULL;
    return (long long)k;
}

/* The current line of hb without its line end: *s, *len. */
static void
line_get(const struct hdir *hd, const uint8_t **s, size_t *len)
{
    size_t n = hd->hb_len - hd->line_off - 1; /* LF */

    *s = hd->hb + hd->line_off;
    if (n > 0 && (*s)[n - 1] == '\r')
        n--;
    *len = n;
}

/* --- states ------------------------------------------------------------------------------- */

/* Each returns the bytes it consumed from p[0, n); the direction may be stopped. */

static size_t
st_head(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];
    const uint8_t *s;
    size_t len, used = 0;
    bool got;
    long long k;

    if (hd->st == ST_START && hd->hb_len == 0) {
        /* empty lines before a message are allowed */
        while (used < n && (p[used] == '\r' || p[used] == '\n'))
            used++;
        if (used == n)
            return used;
        block_reset(hd);
    }
    k = collect_line(h, dir, p + used, n - used, h->cfg.max_header_bytes, &got);
    if (k < 0)
        return n;
    used += (size_t)k;
    if (hd->st == ST_START) {
        if (!got) {
            if (!start_prefix_ok(dir, hd->hb, hd->hb_len))
                dir_error(h, dir);
            return used;
        }
        line_get(hd, &s, &len);
        if (!start_line(hd, dir, s, len, 0)) {
            dir_error(h, dir);
            return used;
        }
        hd->st = ST_HEADERS;
        hd->line_off = hd->hb_len;
        return used;
    }
    if (!got)
        return used;
    line_get(hd, &s, &len);
    if (len == 0) {
        headers_done(h, dir);
        return used;
    }
    header_line(h, hd, s, len, hd->line_off);
    hd->line_off = hd->hb_len;
    return used;
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

static size_t
st_chunk_line(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];
    const uint8_t *s;
    size_t len, i = 0;
    uint64_t v = 0;
    bool got;
    long long k = collect_line(h, dir, p, n, CHUNK_LINE_MAX, &got);

    if (k < 0 || !got)
        return k < 0 ? n : (size_t)k;
    line_get(hd, &s, &len);
    hd->hb_len = hd->line_off = 0;
    if (hd->st == ST_CHUNK_END) {
        if (len != 0) {
            dir_error(h, dir);
            return (size_t)k;
        }
        hd->st = ST_CHUNK_SIZE;
        return (size_t)k;
    }
    while (i < len && ows(s[i]))
        i++;
    if (i >= len || hexval(s[i]) < 0) {
        dir_error(h, dir);
        return (size_t)k;
    }
    for (; i < len && hexval(s[i]) >= 0; i++) {
        if (v > (UINT64_MAX >> 4)) {
            dir_error(h, dir); /* more than 64 bits of size */
            return (size_t)k;
        }
        v = (v << 4) | (uint64_t)hexval(s[i]);
    }
    while (i < len && ows(s[i]))
        i++;
    if (i < len && s[i] != ';') {
        dir_error(h, dir);
        return (size_t)k;
    }
    /* extensions after ';' are ignored */
    if (v == 0) {
        hd->st = ST_TRAILERS;
        hd->block_bytes = 0;
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
    bool got;
    long long k;
    uint32_t room = h->cfg.max_header_bytes - hd->block_bytes;

    k = collect_line(h, dir, p, n, room, &got);
    if (k < 0)
        return n;
    if (!got)
        return (size_t)k;
    hd->block_bytes += hd->hb_len;
    line_get(hd, &s, &len);
    hd->hb_len = hd->line_off = 0;
    if (len == 0)
        msg_done(h, dir);
    return (size_t)k;
}

static size_t
st_resync(struct sw_http *h, int dir, const uint8_t *p, size_t n)
{
    struct hdir *hd = &h->d[dir];
    const uint8_t *lf = memchr(p, '\n', n);
    size_t k = lf != NULL ? (size_t)(lf - p) + 1 : n;
    uint32_t line_max = RESYNC_LINE_MAX < h->cfg.max_header_bytes ? RESYNC_LINE_MAX
                                                                   : h->cfg.max_header_bytes;
    const uint8_t *s;
    uint32_t line_len;
    size_t len;

    if (k > h->cfg.max_resync - hd->resync_bytes) {
        h->st->resync_fails++;
        dir_stop(h, dir);
        return n;
    }
    hd->resync_bytes += k;
    if (!hd->line_skip) {
        if (k > line_max - hd->hb_len) {
            hd->line_skip = true;
            hd->hb_len = 0;
        } else if (hb_append(h, hd, p, k, line_max) != SW_OK) {
            dir_stop(h, dir);
            return n;
        }
    }
    if (lf == NULL)
        return k;
    if (hd->line_skip) {
        hd->line_skip = false;
        return k;
    }
    line_get(hd, &s, &len);
    line_len = hd->hb_len;
    block_reset(hd);
    if (start_line(hd, dir, s, len, 0)) {
        /* keep the start line as the block's first line */
        hd->hb_len = line_len;
        hd->line_off = line_len;
        hd->st = ST_HEADERS;
        h->st->resyncs++;
    }
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

        z_stop(h, &hd->b, Z_STOP);
        h_free(h, hd->b.buf, hd->b.cap);
        h_free(h, hd->hb, hd->hb_cap);
        msg_unref(h, hd->msg);
        msg_unref(h, hd->req);
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
    h->nomem = false;
    dir_feed(h, dir, data, len);
    return h->nomem ? SW_ENOMEM : SW_OK;
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
    switch (hd->st) {
    case ST_BODY_LEN:
    case ST_CHUNK_DATA:
        body_gap(h, &hd->b);
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
        body_gap(h, &hd->b);
        return;
    case ST_RESYNC:
        /* the line in progress is broken; the next bytes are examined afresh (only a
         * whole start line matches) */
        hd->line_skip = false;
        hd->hb_len = 0;
        return;
    default:
        if (hd->b.active)
            body_gap(h, &hd->b);
        break;
    }
    /* position lost: deliver what we have and look for the next message */
    if (hd->b.active)
        hd->b.gaps = true;
    msg_done(h, dir);
    block_reset(hd);
    hd->st = ST_RESYNC;
    hd->resync_bytes = 0;
    /* the hole may end at a message start: the first line is examined too (only a whole
     * start line matches) */
    hd->line_skip = false;
}

void
sw_http_end(struct sw_http *h)
{
    if (h == NULL)
        return;
    for (int dir = 0; dir < 2; dir++) {
        struct hdir *hd = &h->d[dir];

        if (hd->st == ST_BODY_CLOSE)
            body_finish(h, dir, false);
        dir_stop(h, dir); /* anything else in progress is incomplete */
    }
}

const struct sw_http_stats *
sw_http_get_stats(const struct sw_http *h)
{
    return h->st;
}
